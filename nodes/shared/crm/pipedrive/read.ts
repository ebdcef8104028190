/**
 * Pipedrive reads: the change feed (v2 lists on updated_since, cursor paging; deletions only for
 * deals, `status=deleted`), reads by id (the `ids` filter, 100 per call), and the duplicate check
 * (search by email / name).
 */
import { chunk, uniqBy } from 'lodash';
import { SyncError } from '../../errors';
import type { ChangePage, CrmRecord, DuplicateCriteria, DuplicateMatch, ListOptions, RelatedQuery } from '../types';
import { liveThenDeleted } from '../keyset';
import { IDS_MAX, PAGE_MAX, listShape, type PipedriveClient, type PipedriveObject } from './client';

export async function* listChangedSince(pd: PipedriveClient, object: string, since: string | undefined, options: ListOptions = {}): AsyncGenerator<ChangePage> {
	// A keyset page: one sort_by, so records of one update_time are put in id order (liveThenDeleted);
	// deleted deals (a list of their own) come after the live feed, as HubSpot's archived records do.
	const withDeleted = !!options.includeDeleted && pd.obj(object) === 'deals';
	const start = since ? new Date(since).toISOString() : new Date(0).toISOString();
	yield* liveThenDeleted(changeFeed(pd, object, since, options), options, withDeleted ? (cursor) => deletedDeals(pd, since, options, cursor) : undefined, start);
}

/**
 * Deals deleted since: the v2 deals list with `status=deleted` ("If omitted, all not deleted deals
 * are returned. If set to deleted, deals that have been deleted up to 30 days ago will be
 * included", Get all deals, https://developers.pipedrive.com/docs/api/v1/Deals#getDeals, v2 tab;
 * deleted entities are erased for good after 30 days,
 * https://developers.pipedrive.com/changelog/post/permanent-deletion-logic-for-6-core-entities)
 * on `updated_since` (a deletion is the deal's last update), so one call per run when nothing was
 * deleted. A deleted deal still names its `person_id` / `org_id`: the group read finds its person
 * from the record itself. Persons and organizations have no such list (their v2 lists take no
 * `status`): their deletions are not in any feed. The records come flagged `deleted`; they do not
 * move the cursor (the live feed decides it; reading a deletion again next run is harmless).
 */
async function* deletedDeals(pd: PipedriveClient, since: string | undefined, options: ListOptions, cursor: string): AsyncGenerator<ChangePage> {
	const sinceParam = since ? new Date(since).toISOString().replace(/\.\d+Z$/, 'Z') : undefined;
	let next: string | undefined;
	do {
		const page = await pd.call('deals.list', () => pd.ops.deals.list({ status: 'deleted', updated_since: sinceParam, sort_by: 'update_time', sort_direction: 'asc', limit: PAGE_MAX, cursor: next }).then(listShape('GET /api/v2/deals')), { what: `list deals deleted since ${since ?? 'the beginning'}` });
		const records = (page.data ?? []).map((e) => ({ ...pd.toRecord('deals', e), deleted: true }));
		next = page.additional_data?.next_cursor ?? undefined;
		if (records.length) yield { records: options.fields ? records.map((r) => pick(r, options.fields!)) : records, cursor };
	} while (next);
}

/**
 * v2 lists on `updated_since` ("only ... with an update_time later than or equal to this time"),
 * `sort_by=update_time`, cursor-paged (GET /api/v2/persons, organizations, deals:
 * https://developers.pipedrive.com/docs/api/v1/Persons#getPersons, v2 tab). A keyset read starts
 * at the position's second (`updated_since` = its time; the ids at that time up to the position's
 * are dropped by keysetPages: the API has no id condition) and ends before Until with
 * `updated_until` ("only ... with an update_time earlier than this time").
 */
async function* changeFeed(pd: PipedriveClient, object: string, since: string | undefined, options: ListOptions): AsyncGenerator<ChangePage> {
	const o = pd.obj(object);
	const wanted = options.pageSize ?? (options.limit !== undefined ? options.limit + 1 : PAGE_MAX);
	const limit = Math.min(PAGE_MAX, Math.max(1, wanted));
	const start = options.after && (!since || options.after.time > Date.parse(since)) ? new Date(options.after.time).toISOString() : since;
	// v2 takes RFC3339; second precision, rounded down (the filter is >=, so this only widens).
	const sinceParam = start ? new Date(start).toISOString().replace(/\.\d+Z$/, 'Z') : undefined;
	// Rounded up: what is left out is at or after Until (keysetPages drops the rest of its second).
	const untilParam = options.until ? new Date(Math.ceil(Date.parse(options.until) / 1000) * 1000).toISOString().replace(/\.\d+Z$/, 'Z') : undefined;
	let high = since ? new Date(since).toISOString() : new Date(0).toISOString();
	let cursor: string | undefined;
	do {
		const page = await pd.call(`${o}.list`, () => pd.ops[o].list({ updated_since: sinceParam, ...(untilParam ? { updated_until: untilParam } : {}), sort_by: 'update_time', sort_direction: 'asc', limit, cursor }).then(listShape(`GET /api/v2/${o}`)), { what: `list ${o} changed since ${since ?? 'the beginning'}` });
		const records = (page.data ?? []).map((e) => pd.toRecord(o, e));
		for (const r of records) if (r.modifiedAt > high) high = r.modifiedAt;
		cursor = page.additional_data?.next_cursor ?? undefined;
		yield { records: options.fields ? records.map((r) => pick(r, options.fields!)) : records, cursor: high };
	} while (cursor);
}

export async function getByIds(pd: PipedriveClient, object: string, ids: string[], fields?: string[]): Promise<CrmRecord[]> {
	const o = pd.obj(object);
	const wanted = [...new Set(ids)].filter((id) => /^\d+$/.test(id));
	const found = new Map<string, CrmRecord>();
	for (const group of chunk(wanted, IDS_MAX)) {
		let cursor: string | undefined;
		do {
			const page = await pd.call(`${o}.list`, () => pd.ops[o].list({ ids: group.join(','), limit: PAGE_MAX, cursor }).then(listShape(`GET /api/v2/${o}`)), { what: `read ${o} by id` });
			for (const e of page.data ?? []) found.set(String(e.id), pd.toRecord(o, e));
			cursor = page.additional_data?.next_cursor ?? undefined;
		} while (cursor);
	}
	const out: CrmRecord[] = [];
	for (const id of ids) {
		const r = found.get(id);
		if (r) out.push(fields ? pick(r, fields) : r);
	}
	return out;
}

/** The reference filters the v2 lists take (GET /api/v2/deals|persons|activities: person_id, org_id, deal_id; one id per call). */
const RELATED_FILTERS = new Set(['person_id', 'org_id', 'deal_id']);

/**
 * Every record of the object, cursor-paged in id order, kept where `keep` says: for look-ups of
 * many keys at once, where one listing of the object costs fewer calls than one call per key. The
 * listing stops at the first page past `maxCalls` (undefined: the per-key calls are cheaper), so
 * at worst a look-up costs about twice its per-key calls.
 */
async function listWithin(pd: PipedriveClient, o: PipedriveObject, maxCalls: number, keep: (r: CrmRecord) => boolean): Promise<CrmRecord[] | undefined> {
	const out: CrmRecord[] = [];
	let cursor: string | undefined;
	let calls = 0;
	do {
		if (++calls > maxCalls) return undefined;
		const page = await pd.call(`${o}.list`, () => pd.ops[o].list({ sort_by: 'id', sort_direction: 'asc', limit: PAGE_MAX, cursor }).then(listShape(`GET /api/v2/${o}`)), { what: `list ${o}` });
		for (const e of page.data ?? []) {
			const r = pd.toRecord(o, e);
			if (keep(r)) out.push(r);
		}
		cursor = page.additional_data?.next_cursor ?? undefined;
	} while (cursor);
	return out;
}

/**
 * Records whose `person_id` / `org_id` / `deal_id` is one of the ids: the v2 list filter takes one
 * id (developers.pipedrive.com/docs/api/v1/Deals#getDeals, v2 "Get all deals": `person_id`,
 * `org_id`), so one listing per id, cursor-paged, in id order; for many ids (a page of people's
 * deals) one listing of the whole object, filtered here, when it costs fewer calls.
 */
export async function listRelated(pd: PipedriveClient, query: RelatedQuery): Promise<CrmRecord[]> {
	const o = pd.obj(query.object);
	if (!RELATED_FILTERS.has(query.field)) throw new SyncError({ kind: 'validation', message: `Pipedrive lists ${o} by person_id, org_id or deal_id, not by "${query.field}".` });
	const ids = [...new Set(query.ids)];
	const numeric = ids.map((id) => pd.numericId(id, query.field.replace(/_id$/, '')));
	const shape = (r: CrmRecord) => (query.fields ? pick(r, query.fields) : r);
	if (ids.length > 1) {
		const wanted = new Set(numeric.map(String));
		const listed = await listWithin(pd, o, ids.length - 1, (r) => wanted.has(String(r.fields[query.field] ?? '')));
		if (listed) return listed.map(shape);
	}
	const out: CrmRecord[] = [];
	for (let i = 0; i < ids.length; i++) {
		let cursor: string | undefined;
		do {
			const page = await pd.call(`${o}.list`, () => pd.ops[o].list({ [query.field]: numeric[i], sort_by: 'id', sort_direction: 'asc', limit: PAGE_MAX, cursor }).then(listShape(`GET /api/v2/${o}`)), { what: `list ${o} of ${query.field.replace(/_id$/, '')} ${ids[i]}` });
			for (const e of page.data ?? []) out.push(shape(pd.toRecord(o, e)));
			cursor = page.additional_data?.next_cursor ?? undefined;
		} while (cursor);
	}
	return out;
}

export async function findDuplicates(pd: PipedriveClient, object: string, criteria: DuplicateCriteria[]): Promise<DuplicateMatch[]> {
	const o = pd.obj(object);
	const hits: Array<Array<{ id: string; object: PipedriveObject; matchedOn: 'email' | 'company' | 'name' }>> = [];
	// Many company names (a page of new groups' organizations): one listing of the organizations,
	// matched here as the search matches (exact, ignoring case), when it costs fewer calls than one
	// search per name.
	const names = new Set(criteria.map((c) => companyOf(o, c)?.toLowerCase()).filter((n): n is string => !!n));
	let orgsListed: Map<string, string[]> | undefined;
	const records = new Map<string, CrmRecord>();
	if (names.size > 1) {
		const listed = await listWithin(pd, 'organizations', names.size - 1, (r) => names.has(String(r.fields.name ?? '').trim().toLowerCase()));
		if (listed) {
			orgsListed = new Map();
			for (const r of listed) {
				const k = String(r.fields.name).trim().toLowerCase();
				orgsListed.set(k, [...(orgsListed.get(k) ?? []), r.id]);
				records.set(`organizations:${r.id}`, r);
			}
		}
	}
	for (const c of criteria) {
		const mine: (typeof hits)[number] = [];
		if (o === 'persons') {
			if (c.email?.trim()) for (const id of await pd.searchPersons(c.email.trim(), 'email')) mine.push({ id, object: 'persons', matchedOn: 'email' });
			if (c.name?.trim()) for (const id of await pd.searchPersons(c.name.trim(), 'name')) mine.push({ id, object: 'persons', matchedOn: 'name' });
		}
		const company = companyOf(o, c);
		if (company && !orgsListed) {
			for (const id of await pd.searchOrgs(company)) mine.push({ id, object: 'organizations', matchedOn: c.company?.trim() ? 'company' : 'name' });
		}
		if (company && orgsListed) for (const id of orgsListed.get(company.toLowerCase()) ?? []) mine.push({ id, object: 'organizations', matchedOn: c.company?.trim() ? 'company' : 'name' });
		hits.push(uniqBy(mine, (h) => `${h.object}:${h.id}`));
	}
	for (const ob of ['persons', 'organizations'] as const) {
		const ids = [...new Set(hits.flat().filter((h) => h.object === ob && !records.has(`${ob}:${h.id}`)).map((h) => h.id))];
		if (ids.length) for (const r of await getByIds(pd, ob, ids)) records.set(`${ob}:${r.id}`, r);
	}
	return criteria.map((c, i) => ({
		ref: c.ref,
		matches: hits[i].filter((h) => records.has(`${h.object}:${h.id}`)).map((h) => ({ ...h, record: records.get(`${h.object}:${h.id}`)! })),
	}));
}

/** The company name a criterion searches organizations by (an organization's own name when the object is organizations). */
function companyOf(o: PipedriveObject, c: DuplicateCriteria): string | undefined {
	if (o !== 'persons' && o !== 'organizations' && o !== 'deals') return undefined;
	return c.company?.trim() || (o === 'organizations' ? c.name?.trim() : undefined) || undefined;
}

function pick(r: CrmRecord, fields: string[]): CrmRecord {
	const out: Record<string, unknown> = {};
	for (const f of fields) if (f in r.fields) out[f] = r.fields[f];
	return { ...r, fields: out };
}
