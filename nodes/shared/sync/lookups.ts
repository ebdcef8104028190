/**
 * The read phase's look-ups for the plan: links of every record read, counterparts read by id, and
 * the duplicate check of planned CRM creates (searches, or one listing of the CRM object when that
 * costs fewer calls). Reads only: nothing here writes the store or an API.
 */
import type { ChangePage, CrmAdapter, CrmName, CrmRecord, DuplicateCriteria, DuplicateMatch } from '../crm/types';
import { assembleGroups, getGroupsByIds, groupSpec } from '../crm/group';
import type { EffectiveMapping } from '../mapping/effective';
import { mapCrmRecord } from '../mapping/records';
import type { SyncStore } from '../store';
import { duplicateCandidates, findDuplicatesIn } from './match';
import type { DuplicateLookup, Pairing } from './plan';
import type { Link, SyncRecord } from './types';

export interface LookupDeps {
	store: SyncStore;
	/** `links`: the links of these records (a record group reads the members they name). */
	getCrmByIds(ids: string[], links?: Link[]): Promise<CrmRecord[]>;
	findDuplicates(criteria: DuplicateCriteria[]): Promise<DuplicateMatch[]>;
	/** FieldFlow records by id, batched; a missing id means the record does not exist (deleted). */
	getFieldflowByIds(ids: string[]): Promise<Array<Record<string, unknown>>>;
	/**
	 * Every record of the CRM object, page by page (the adapter's listChangedSince(object,
	 * undefined)). Optional: without it the duplicate check always searches.
	 */
	listCrm?(): AsyncIterable<ChangePage>;
	/**
	 * Record groups: the listed records that may be duplicates with their members (a listing reads
	 * the primaries alone; only the few that may match are assembled, not every listed record).
	 */
	assemble?(records: CrmRecord[]): Promise<CrmRecord[]>;
}

/**
 * When the duplicate check of many new people lists the CRM object once instead of searching: more
 * creates than `listPageSize` (a page's worth), and only while the listing costs no more calls than
 * the searches it replaces (`recordsPerSearch` people per search call). A listing that would cost
 * more is abandoned at the first page past that budget and the searches run (so at worst about
 * twice the searches' calls).
 */
export interface BulkMatchCost {
	listPageSize: number;
	recordsPerSearch: number;
}

/** Per CRM: records per listing page and people per duplicate-search call (the adapters' sizes). */
export const BULK_MATCH_COST: Record<CrmName, BulkMatchCost> = {
	salesforce: { listPageSize: 2000, recordsPerSearch: 100 }, // SOQL page; Email IN (100 values)
	hubspot: { listPageSize: 200, recordsPerSearch: 100 }, // search page; IN filter of 100 emails
	pipedrive: { listPageSize: 500, recordsPerSearch: 1 }, // v2 list page; one search per person
};

/** The linked records' counterparts that did not change in this run, read by id. */
export async function readCounterparts(pairing: Pairing, deps: LookupDeps): Promise<{ crm: Map<string, CrmRecord>; fieldflow: Map<string, Record<string, unknown>> }> {
	const crmIds = [...new Set(pairing.needCrm.map((w) => w.link!.crmId!))];
	const ffIds = [...new Set(pairing.needFieldflow.map((w) => w.link!.fieldflowId))];
	// A Lead read by id that was converted comes back as its Contact group: found by the Lead id too.
	const crm = new Map(crmIds.length ? (await deps.getCrmByIds(crmIds, pairing.needCrm.map((w) => w.link!))).flatMap((r) => (r.convertedFrom ? [[r.id, r] as const, [r.convertedFrom, r] as const] : [[r.id, r] as const])) : []);
	const fieldflow = new Map(ffIds.length ? (await deps.getFieldflowByIds(ffIds)).map((r) => [String(r.id), r] as const) : []);
	return { crm, fieldflow };
}

export interface DuplicateCheckOptions {
	eff: EffectiveMapping;
	/** Only people are matched from a listing. */
	person: boolean;
	bulkMatch?: BulkMatchCost;
}

/** The duplicate check of the planned creates: matches per criterion, and which CRM ids are linked already. */
export async function checkDuplicates(criteria: DuplicateCriteria[], deps: LookupDeps, options: DuplicateCheckOptions): Promise<DuplicateLookup & { listPages: number }> {
	const { eff } = options;
	let found: DuplicateMatch[] | undefined;
	let listPages = 0;
	const cost = options.bulkMatch;
	const maxPages = cost ? Math.ceil(criteria.length / cost.recordsPerSearch) : 0;
	// Already more linked records than the budget's pages can list: the listing cannot win (a paged
	// bulk sync's later pages), so search without trying it.
	if (options.person && deps.listCrm && cost && criteria.length > cost.listPageSize && (await deps.store.countLinks(eff.crm, eff.object)) < cost.listPageSize * maxPages) {
		const listed = await duplicatesFromListing(criteria, deps.listCrm(), maxPages, eff, deps.assemble);
		listPages = listed.pages;
		found = listed.found;
	}
	found ??= await deps.findDuplicates(criteria);
	// CRM ids already linked (to anyone) are not free to link.
	const candidateIds = [...new Set(found.flatMap((m) => m.matches.map((x) => x.id)))];
	const links = candidateIds.length ? await deps.store.getLinks(eff.crm, eff.object, { crmIds: candidateIds }) : [];
	return { found, linkedElsewhere: new Map(links.map((l) => [l.crmId ?? '', l.fieldflowId])), listPages };
}

/**
 * The duplicate check from a listing of the whole CRM object, matched locally with the rules of
 * the searches (findDuplicatesIn: email, any of a record's emails; company + contact name without
 * an email). Only listed records that share an email or a contact name with a criterion are kept
 * (no other can match), so a listing of 100,000 people holds the few candidates, and a record
 * group assembles only those. `found` is undefined when the listing passed `maxPages` (searching
 * is cheaper then).
 */
async function duplicatesFromListing(
	criteria: DuplicateCriteria[],
	pages: AsyncIterable<ChangePage>,
	maxPages: number,
	eff: EffectiveMapping,
	assemble?: (records: CrmRecord[]) => Promise<CrmRecord[]>,
): Promise<{ found?: DuplicateMatch[]; pages: number }> {
	const mayMatch = duplicateCandidates(criteria);
	let raw: CrmRecord[] = [];
	let n = 0;
	for await (const page of pages) {
		if (++n > maxPages) return { pages: n };
		for (const r of page.records) {
			const m = mapCrmRecord(r, eff).record;
			if (mayMatch(m, emailsOf(r, m))) raw.push(r);
		}
	}
	if (assemble && raw.length) raw = await assemble(raw);
	const mapped = raw.map((r) => mapCrmRecord(r, eff).record);
	const local = findDuplicatesIn(criteria, mapped, (m, i) => emailsOf(raw[i], m));
	return { pages: n, found: local.map((d) => ({ ref: d.ref, matches: d.matches.map((x) => ({ id: raw[x.index].id, object: raw[x.index].object, matchedOn: x.matchedOn, record: raw[x.index] })) })) };
}

/** Every email a record is found by: its mapped email and (Pipedrive persons) the further ones. */
function emailsOf(r: CrmRecord, mapped: SyncRecord): unknown[] {
	return [mapped.fields.email, ...otherEmails(r.fields.emails)];
}

/** A record's further emails (Pipedrive persons: `emails: [{ value, primary }]`), which its searches also find. */
function otherEmails(v: unknown): unknown[] {
	return Array.isArray(v) ? v.map((e) => (e && typeof e === 'object' ? (e as { value?: unknown }).value : e)) : [];
}

/**
 * The CRM look-ups of a run over one adapter: plain records, or record groups when the mapping
 * has members (each person with the organization and deal its link names; a duplicate found by
 * email comes with the organization and deal it has in the CRM, so matching it creates none).
 */
export function crmLookups(adapter: CrmAdapter, eff: EffectiveMapping): Pick<LookupDeps, 'getCrmByIds' | 'findDuplicates' | 'listCrm' | 'assemble'> {
	const spec = groupSpec(eff.crm, eff.object, eff.members ?? []);
	if (!spec) {
		return {
			getCrmByIds: (ids) => adapter.getByIds(eff.object, ids),
			findDuplicates: (criteria) => adapter.findDuplicates(eff.object, criteria),
			listCrm: () => adapter.listChangedSince(eff.object, undefined),
		};
	}
	return {
		getCrmByIds: (ids, links = []) => getGroupsByIds(adapter, spec, ids, { hints: new Map(links.filter((l) => l.crmId && l.members).map((l) => [l.crmId!, l.members!])) }),
		findDuplicates: async (criteria) => {
			const found = await adapter.findDuplicates(eff.object, criteria);
			if (spec.convertsTo) {
				// Leads mode: a converted Lead found is its Contact group (never linked as the read-only Lead).
				const ids = [...new Set(found.flatMap((d) => d.matches.filter((m) => m.object === eff.object).map((m) => m.id)))];
				const groups = new Map((ids.length ? await getGroupsByIds(adapter, spec, ids) : []).map((g) => [g.convertedFrom ?? g.id, g]));
				return found.map((d) => ({ ...d, matches: d.matches.map((m) => (m.object === eff.object && groups.has(m.id) ? { ...m, id: groups.get(m.id)!.id, record: groups.get(m.id)! } : m)) }));
			}
			const primaries = [...new Map(found.flatMap((d) => d.matches.filter((m) => m.object === eff.object).map((m) => [m.id, m.record] as const))).values()];
			const groups = new Map((await assembleGroups(adapter, spec, primaries)).map((g) => [g.id, g]));
			return found.map((d) => ({ ...d, matches: d.matches.map((m) => (m.object === eff.object && groups.has(m.id) ? { ...m, record: groups.get(m.id)! } : m)) }));
		},
		listCrm: () => adapter.listChangedSince(eff.object, undefined),
		assemble: (records) => assembleGroups(adapter, spec, records),
	};
}
