/**
 * HubSpot adapter (CRM v3 via @hubspot/api-client). Objects: contacts (person), companies
 * (company), deals (deal), meetings (activity); notes carry meeting summaries.
 *
 * - The SDK's own retries are off (they ignore Retry-After and sleep 10 s × attempt); every HTTP
 *   call goes through `callApi`, which counts it, throttles ahead of HubSpot's limits (private apps:
 *   100 requests / 10 s burst; search: 5 requests / s — two RateGates), honours Retry-After (or
 *   X-HubSpot-RateLimit-Interval-Milliseconds) and backs off on 429/5xx. Every answer's
 *   X-HubSpot-RateLimit-Remaining / -Interval-Milliseconds (read through the SDK's middleware)
 *   pauses the general gate when the window's budget is spent (RateGate.observe).
 * - The duplicate check of contacts by email reads them by idProperty=email (batch read), which the
 *   search index lag does not touch; company / deal / meeting names are searched.
 * - A token without a scope (403 MISSING_SCOPES) is auth_expired with the scope to add in the hint.
 * - Writes use batch create/update/upsert (100 inputs per call) with an objectWriteTraceId on every
 *   input, so batch create answers 207 with per-record errors instead of failing the whole batch.
 *   Batch update / upsert fail as a whole (400) on one bad input: the rejected batch is bisected
 *   (batch.ts `splitOn`), so every valid record is written and each bad one gets its own error, for
 *   about k·(⌈log2 100⌉ + 2) extra calls with k bad records in a batch of 100 (see crm/batch.ts).
 * - Change feed: the search API sorted ascending on the modification date. HubSpot's search index
 *   lags writes by a few seconds, so callers re-read with an overlap window (start a little before
 *   the last cursor); records seen twice are harmless. Search caps paging at 10,000 results: the
 *   feed restarts the search from the last modification time seen before `after` reaches the cap.
 *   Search never returns archived records: with includeDeleted they are read from
 *   `GET /crm/v3/objects/{type}?archived=true`.
 * - Private-app tokens cannot be refreshed: a 401 stops the operation with auth_expired.
 * - Filter values travel as JSON strings in the search body, so quotes and backslashes in names
 *   and emails need no escaping (the SDK serialises them); there is no query language to inject into.
 */

import type { SyncError } from '../../errors';
import { ComposedAdapter, type CrmOperations } from '../composed';
import { HUBSPOT_OBJECTS, HubSpotClient, type HubSpotAdapterConfig } from './client';
import { findDuplicates, getByIds, listChangedSince } from './read';
import { deleteRecords, forecastHubSpotWrites, upsert } from './write';
import { addNote, logMeeting } from './activities';
import { listFields } from './fields';
import { associate, dissociate, forecastHubSpotAssociations, isAssociationObject, listAssociations } from './associations';

export { HUBSPOT_API, HUBSPOT_BATCH_SIZE, HUBSPOT_OBJECTS, HUBSPOT_SEARCH_CAP, HUBSPOT_SEARCH_LIMIT, HUBSPOT_STRING_MAX, modifiedProperty, type HubSpotAdapterConfig } from './client';
export { HUBSPOT_WRITES, forecastHubSpotWrites } from './write';
export { meetingUrl, summaryToken } from './activities';
export { HUBSPOT_ASSOCIATION_TYPES, HUBSPOT_ASSOCIATION_WRITES, forecastHubSpotAssociations, isAssociationObject } from './associations';

const OPERATIONS: CrmOperations<HubSpotClient> = {
	objects: HUBSPOT_OBJECTS,
	testConnection: (hs) => hs.call('objects.list', 'test the connection', () => hs.client.crm.objects.basicApi.getPage('contacts', 1)).then(() => undefined),
	listChangedSince,
	getByIds,
	upsert,
	delete: deleteRecords,
	logMeeting,
	addNote,
	findDuplicates,
	listFields,
	forecastWrites: (_hs, object, counts) => (isAssociationObject(object) ? forecastHubSpotAssociations(counts) : forecastHubSpotWrites(counts)),
	listAssociations,
	associate,
	dissociate,
};

/** The CrmAdapter for HubSpot: each operation lives with its concern (read, write, activities, fields). */
export class HubSpotAdapter extends ComposedAdapter<HubSpotClient> {
	readonly crm = 'hubspot' as const;

	constructor(config: HubSpotAdapterConfig) {
		super(new HubSpotClient(config), OPERATIONS);
	}

	/** Turn whatever the SDK threw into a SyncError. */
	classify(e: unknown, action: string, recordRef?: string): SyncError {
		return this.api.classify(e, action, recordRef);
	}
}
