/**
 * Pipedrive adapter (the `pipedrive` SDK, v2 API for persons / organizations / deals / activities,
 * v1 for notes, field metadata and the current user).
 *
 * The SDK's axios interceptor rejects with the response body only, so status and headers (the
 * Retry-After of a 429) would be lost. We give each SDK Configuration an axios `adapter` of our own
 * (`baseOptions.adapter`) that performs the request with fetch and, on a non-2xx answer, throws a
 * `PipedriveHttpError` carrying status, headers and body; the SDK passes that error through
 * untouched. The SDK has no retries of its own; every call goes through `callApi`.
 *
 * Deletions: Pipedrive's v2 lists never include deleted records and the API has no deletion feed
 * (only webhooks) except deals listed with `status=deleted` (deleted up to 30 days ago): with
 * includeDeleted `listChangedSince('deals')` adds those (read.ts deletedDeals); other deletions
 * show up as not_found when the record is read or written by id.
 */

import { v1 } from 'pipedrive';
import type { SyncError } from '../../errors';
import { ComposedAdapter, type CrmOperations } from '../composed';
import { PIPEDRIVE_OBJECTS, PipedriveClient, type PipedriveAdapterConfig } from './client';
import { findDuplicates, getByIds, listChangedSince, listRelated } from './read';
import { deleteRecords, forecastPipedriveWrites, upsert } from './write';
import { addNote, logMeeting } from './activities';
import { listFields } from './fields';

export { PIPEDRIVE_DEFAULT_BASE_URL, PIPEDRIVE_DEFAULT_RATE, PIPEDRIVE_OBJECTS, type PipedriveAdapterConfig, type PipedriveObject } from './client';
export { PIPEDRIVE_TEXT_MAX, forecastPipedriveWrites } from './write';
export { PipedriveHttpError } from './transport';

const OPERATIONS: CrmOperations<PipedriveClient> = {
	objects: PIPEDRIVE_OBJECTS,
	testConnection: (pd) => pd.call('users.me', () => new v1.UsersApi(pd.v1cfg).getCurrentUser(), { what: 'credential test (GET /v1/users/me)' }).then(() => undefined),
	listChangedSince,
	getByIds,
	upsert,
	delete: deleteRecords,
	logMeeting,
	addNote,
	findDuplicates,
	listFields,
	forecastWrites: (_pd, object, counts) => forecastPipedriveWrites(object, counts),
	listRelated,
};

/** The CrmAdapter for Pipedrive: each operation lives with its concern (read, write, activities, fields). */
export class PipedriveAdapter extends ComposedAdapter<PipedriveClient> {
	readonly crm = 'pipedrive' as const;

	constructor(config: PipedriveAdapterConfig) {
		super(new PipedriveClient(config), OPERATIONS);
	}

	/** Turn whatever the SDK / transport threw into a SyncError. */
	classify(err: unknown, what: string, recordRef?: string, fieldAlias: Record<string, string> = {}): SyncError {
		return this.api.classify(err, what, recordRef, fieldAlias);
	}
}
