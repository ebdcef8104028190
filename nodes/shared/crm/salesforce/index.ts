/**
 * Salesforce adapter (jsforce 3). Every HTTP call goes through `callApi` (counting, throttle gate,
 * Retry-After, backoff, one token refresh). jsforce's own behaviours that would hide calls are
 * switched off at its transport: its blind retries (420/429/5xx on GET/PUT/DELETE) are disabled,
 * and HTTP errors are raised at the transport with status + headers, so jsforce's session-refresh
 * loop never runs (we refresh once ourselves via `onAuthError`).
 */

import type { Connection } from 'jsforce';
import type { SyncError } from '../../errors';
import { ComposedAdapter, type CrmOperations } from '../composed';
import { SALESFORCE_OBJECTS, SalesforceClient, type SalesforceAdapterConfig } from './client';
import { findDuplicates, getByIds, listChangedSince } from './read';
import { deleteRecords, forecastSalesforceWrites, upsert } from './write';
import { addNote, logMeeting } from './activities';
import { listFields } from './fields';

export { SALESFORCE_OBJECTS, type SalesforceAdapterConfig } from './client';
export { SALESFORCE_TEXT_MAX, SALESFORCE_WRITES, forecastSalesforceWrites } from './write';
export { SalesforceHttpError } from './errors';
export { sfTimeToIso, soqlDateTime, soqlLike, soqlString } from './soql';

const OPERATIONS: CrmOperations<SalesforceClient> = {
	objects: SALESFORCE_OBJECTS,
	testConnection: (sf) => sf.call('limits', () => sf.conn.request('/limits')).then(() => undefined),
	listChangedSince,
	getByIds,
	upsert,
	delete: deleteRecords,
	logMeeting,
	addNote,
	findDuplicates,
	listFields,
	forecastWrites: (_sf, _object, counts) => forecastSalesforceWrites(counts),
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
