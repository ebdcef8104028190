/**
 * HubSpot associations (v4): the record groups' links (a contact's company and deal, a deal's
 * company), read and written in batches.
 *
 *  - HUBSPOT_DEFINED default (unlabeled) association type ids per direction, as the associations
 *    guide lists them ("Association type IDs": contact to company 279, company to contact 280, deal
 *    to contact 3, contact to deal 4, deal to company 341, company to deal 342, meeting/note to
 *    contact, company, deal 200/188/212 and 202/190/214;
 *    https://developers.hubspot.com/docs/api/crm/associations); the "Primary" company types 1
 *    (contact) and 5 (deal) are told apart on read.
 *  - Read: POST /crm/v4/associations/{from}/{to}/batch/read, at most 1,000 ids per call ("Batch
 *    Read Limit for HubSpot Associations API",
 *    https://developers.hubspot.com/changelog/bug-fix-batch-read-limit-for-hubspot-associations-api);
 *    an id without associations is a 207 error NO_ASSOCIATIONS_FOUND, not a failure.
 *  - Create: POST …/batch/create with the default type; archive: POST …/batch/archive (every type
 *    between each pair). The reference gives no input limit for these two; we send the read's 1,000.
 *  - New records get their associations inline on batch create (write.ts), so only existing
 *    records ever need these calls.
 *  - Not read: the per-record paging of a long `to` list (`after`): a contact with more than one
 *    page of companies or deals is read with its first page only.
 */
import { SyncError } from '../../errors';
import { errorFor, failure, forecastBatchWrites, runBatches, type BatchEndpoint } from '../batch';
import type { AssociatedRecord, AssociationPair, CallForecast, WriteCounts, WriteResult } from '../types';
import { uniqueList, type HubSpotClient } from './client';
import chunk from 'lodash/chunk';

/** HUBSPOT_DEFINED default association type ids, from → to (see the file comment). */
export const HUBSPOT_ASSOCIATION_TYPES: Record<string, number> = {
	'contacts->companies': 279,
	'companies->contacts': 280,
	'deals->contacts': 3,
	'contacts->deals': 4,
	'deals->companies': 341,
	'companies->deals': 342,
	'meetings->contacts': 200,
	'meetings->companies': 188,
	'meetings->deals': 212,
	'notes->contacts': 202,
	'notes->companies': 190,
	'notes->deals': 214,
};
/** The "Primary" company association types (contact → company 1, deal → company 5). */
const PRIMARY_TYPES = new Set([1, 5]);

export const HUBSPOT_ASSOCIATIONS_MAX = 1000;

/** The association batch endpoints, as counted: creating an association that exists changes nothing, so both may be resent. */
export const HUBSPOT_ASSOCIATION_WRITES: { create: BatchEndpoint; delete: BatchEndpoint } = {
	create: { endpoint: 'associations.batch.create', size: HUBSPOT_ASSOCIATIONS_MAX, safety: 'idempotent' },
	delete: { endpoint: 'associations.batch.archive', size: HUBSPOT_ASSOCIATIONS_MAX, safety: 'idempotent' },
};
export const HUBSPOT_ASSOCIATION_READ = 'associations.batch.read';

/** Pure: the calls of `counts` association writes (creates: associate, deletes: dissociate). */
export function forecastHubSpotAssociations(counts: WriteCounts): CallForecast {
	return forecastBatchWrites(HUBSPOT_ASSOCIATION_WRITES, { creates: counts.creates, deletes: counts.deletes });
}

/** The default association type of `from` → `to`, or a validation error. */
export function associationTypeId(from: string, to: string): number {
	const id = HUBSPOT_ASSOCIATION_TYPES[`${from}->${to}`];
	if (id === undefined) throw new SyncError({ kind: 'validation', message: `HubSpot ${from} cannot be associated with ${to}.` });
	return id;
}

/** The inline `associations` of a create input (batch create takes them with the record). */
export function inlineAssociations(from: string, targets: Array<{ object: string; id: string }> | undefined): Array<Record<string, unknown>> {
	return (targets ?? []).map((t) => ({ to: { id: t.id }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: associationTypeId(from, t.object) }] }));
}

type ReadAnswer = { results?: Array<{ _from?: { id?: string }; to?: Array<{ toObjectId?: number | string; associationTypes?: Array<{ typeId?: number }> }> }> };

export async function listAssociations(hs: HubSpotClient, from: string, to: string, ids: string[]): Promise<Map<string, AssociatedRecord[]>> {
	hs.checkObject(from);
	hs.checkObject(to);
	const out = new Map<string, AssociatedRecord[]>();
	for (const part of chunk(uniqueList(ids), HUBSPOT_ASSOCIATIONS_MAX)) {
		const res = (await hs.call(HUBSPOT_ASSOCIATION_READ, `read ${from} → ${to} associations`, () =>
			hs.client.crm.associations.v4.batchApi.getPage(from, to, { inputs: part.map((id) => ({ id })) as never }),
		)) as unknown as ReadAnswer;
		for (const r of res.results ?? []) {
			const id = String(r._from?.id ?? '');
			const targets = (r.to ?? []).map((t) => ({ id: String(t.toObjectId), primary: (t.associationTypes ?? []).some((x) => PRIMARY_TYPES.has(Number(x.typeId))) }));
			targets.sort((x, y) => x.id.length - y.id.length || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
			if (id && targets.length) out.set(id, targets);
		}
	}
	return out;
}

type CreateAnswer = { results?: Array<{ fromObjectId?: number | string; toObjectId?: number | string }>; errors?: Array<{ message?: string; category?: string; context?: Record<string, string[]> }> };

/** Associate existing records with the default type of `from` → `to`. */
export async function associate(hs: HubSpotClient, from: string, to: string, pairs: AssociationPair[]): Promise<WriteResult[]> {
	return writePairs(hs, from, to, pairs, 'create');
}

/** Remove every association between each pair. */
export async function dissociate(hs: HubSpotClient, from: string, to: string, pairs: AssociationPair[]): Promise<WriteResult[]> {
	return writePairs(hs, from, to, pairs, 'delete');
}

async function writePairs(hs: HubSpotClient, from: string, to: string, pairs: AssociationPair[], kind: 'create' | 'delete'): Promise<WriteResult[]> {
	hs.checkObject(from);
	hs.checkObject(to);
	const typeId = associationTypeId(from, to);
	const results: Array<WriteResult | undefined> = new Array(pairs.length);
	const spec = HUBSPOT_ASSOCIATION_WRITES[kind];
	const action = `${kind === 'create' ? 'associate' : 'dissociate'} ${from} and ${to}`;
	const { authExpired, sentAny } = await runBatches(
		pairs.map((p) => p.ref),
		[
			{
				spec,
				indexes: pairs.map((_, i) => i),
				send: (part) =>
					hs.call<unknown>(spec.endpoint, action, () =>
						kind === 'create'
							? hs.client.crm.associations.v4.batchApi.create(from, to, { inputs: part.map((i) => ({ _from: { id: pairs[i].fromId }, to: { id: pairs[i].toId }, types: [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: typeId }] })) })
							: hs.client.crm.associations.v4.batchApi.archive(from, to, { inputs: part.map((i) => ({ _from: { id: pairs[i].fromId }, to: [{ id: pairs[i].toId }] })) }),
					undefined, spec.safety),
				read: (part, raw, res) => {
					if (kind === 'delete') {
						// 204: every pair's associations are gone (pairs that had none included).
						for (const i of part) res[i] = { ref: pairs[i].ref, success: true, id: pairs[i].fromId, created: false };
						return;
					}
					const answer = (raw ?? {}) as CreateAnswer;
					const done = new Set((answer.results ?? []).map((r) => `${String(r.fromObjectId)}|${String(r.toObjectId)}`));
					for (const i of part) {
						const p = pairs[i];
						if (done.has(`${p.fromId}|${p.toId}`)) res[i] = { ref: p.ref, success: true, id: p.fromId, created: true };
						else {
							const e = (answer.errors ?? []).find((x) => Object.values(x.context ?? {}).some((v) => v.includes(p.fromId) || v.includes(p.toId)));
							res[i] = failure(p.ref, new SyncError({ kind: e?.category === 'OBJECT_NOT_FOUND' ? 'not_found' : 'validation', message: `HubSpot could not associate ${from} ${p.fromId} with ${to} ${p.toId}: ${e?.message ?? 'no result for this pair'}`, recordRef: p.ref }));
						}
					}
				},
			},
		],
		results,
		(e) => hs.classify(e, action),
	);
	if (authExpired && !sentAny) throw authExpired;
	return results.map((r, i) => r ?? failure(pairs[i].ref, errorFor(new SyncError({ kind: 'unknown', message: `HubSpot gave no result for ${action}.` }), pairs[i].ref)));
}

/**
 * The name a forecast gives association writes between two objects (`contacts->companies`), so
 * the per-object forecast of writeGroups' Preview counts them like any other writes.
 */
export function isAssociationObject(object: string): boolean {
	return object.includes('->');
}
