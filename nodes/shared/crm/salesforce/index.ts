/**
 * Salesforce adapter (jsforce 3). Every HTTP call goes through `callApi` (counting, throttle gate,
 * Retry-After, backoff, one token refresh). jsforce's own behaviours that would hide calls are
 * switched off at its transport: its blind retries (420/429/5xx on GET/PUT/DELETE) are disabled,
 * and HTTP errors are raised at the transport with status + headers, so jsforce's session-refresh
 * loop never runs (we refresh once ourselves via `onAuthError`).
 */

import type { Connection } from 'jsforce';
import { malformedAnswer, type SyncError } from '../../errors';
import { ComposedAdapter, type CrmOperations } from '../composed';
import { SALESFORCE_OBJECTS, SalesforceClient, type SalesforceAdapterConfig } from './client';
import { findDuplicates, getByIds, listChangedSince, listRelated } from './read';
import { deleteRecords, forecastSalesforceWrites, upsert } from './write';
import { addNote, logMeeting } from './activities';
import { listFields } from './fields';

export { SALESFORCE_OBJECTS, type SalesforceAdapterConfig } from './client';
export { SALESFORCE_TEXT_MAX, SALESFORCE_WRITES, forecastSalesforceWrites } from './write';
export { SalesforceHttpError } from './errors';
export { sfTimeToIso, soqlDateTime, soqlLike, soqlString } from './soql';

const OPERATIONS: CrmOperations<SalesforceClient> = {
	objects: SALESFORCE_OBJECTS,
	// GET /services/data/vXX.X/ (Resources by Version): needs only a valid token of an API-enabled
	// user ("Authentication: Authorization: Bearer token", no further permission;
	// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_discoveryresource.htm).
	// Not /limits: it is "available ... for API users with the View Setup and Configuration
	// permission" (resources_limits.htm), which a least-privilege integration user lacks. Not the
	// Versions list either: it needs no authentication, so it would prove nothing about the token.
	testConnection: (sf) =>
		sf
			.call('resources', () => sf.conn.request<Record<string, unknown>>('/'))
			.then((res) => {
				if (!res || typeof res !== 'object' || typeof res.sobjects !== 'string') throw malformedAnswer('Salesforce', 'GET /services/data/vXX.X/', 'did not list the API resources');
			}),
	listChangedSince,
	getByIds,
	upsert,
	delete: deleteRecords,
	logMeeting,
	addNote,
	findDuplicates,
	listFields,
	forecastWrites: (_sf, _object, counts) => forecastSalesforceWrites(counts),
	listRelated,
};

/** The CrmAdapter for Salesforce: each operation lives with its concern (read, write, activities, fields). */
export class SalesforceAdapter extends ComposedAdapter<SalesforceClient> {
	readonly crm = 'salesforce' as const;

	constructor(config: SalesforceAdapterConfig) {
		super(new SalesforceClient(config), OPERATIONS);
	}

	/** The jsforce connection (our transport and token refresh). */
	get conn(): Connection {
		return this.api.conn;
	}

	/** Any thrown thing → SyncError with kind, status, code, fields and Retry-After. */
	classify(err: unknown, recordRef?: string): SyncError {
		return this.api.classify(err, recordRef);
	}
}
