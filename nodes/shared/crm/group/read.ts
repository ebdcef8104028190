/**
 * Reading record groups: primaries → their company and deal, assembled into one flat record (see
 * spec.ts), and the change feed of a group, which is every primary changed itself or through a
 * member (an organization renamed, a deal moved to another stage). What links them (reference
 * fields, a junction, associations) is asked through links.ts.
 */
import { chunk } from 'lodash';
import type { ChangePage, CrmAdapter, CrmRecord, ListOptions, MemberIds } from '../types';
import { formatPosition } from '../../keyset';
import { isKeysetRead } from '../keyset';
import { leadGroupChanges, leadGroupsByIds } from './convert';
import { isDetached } from './detached';
import { groupLinks, type GroupLinks } from './links';
import { prefixed, type GroupSpec } from './spec';

export interface GroupReadOptions {
	/** The member records each primary is linked to (from the links), by primary id. */
	hints?: ReadonlyMap<string, MemberIds>;
	/**
	 * The primaries the caller's links name for these member records (the sync store's
	 * getLinksByMember), asked for the members a change feed finds deleted: where the CRM no longer
	 * links a deleted record to anyone (HubSpot unassociates an archived record; a Salesforce
	 * Account's Contacts go with it), only the links know whose it was. Without it those deletions
	 * reach a prospect when its person is read again.
	 */
	ownersOfDeleted?: (memberObject: string, memberIds: string[]) => Promise<string[]>;
	/**
	 * The member records the caller's links name for these primaries (the sync store's links), asked
	 * once per page of a change feed: a linked deal is then read by id (Pipedrive: 100 per call)
	 * rather than looked up through its person (one listing per person, or of every deal), and a
	 * second deal of the person is never taken for the linked one. `hints` win where both name one.
	 */
	linksOf?: (primaryIds: string[]) => Promise<ReadonlyMap<string, MemberIds>>;
}

/** getByIds of the primaries in one call per vendor batch, then their members; in id order of `ids`. */
export async function getGroupsByIds(a: CrmAdapter, spec: GroupSpec, ids: string[], options: GroupReadOptions = {}): Promise<CrmRecord[]> {
	if (spec.convertsTo) return leadGroupsByIds(a, spec, ids, options);
	const primaries = await a.getByIds(spec.primary, ids);
	return assembleGroups(a, spec, primaries, options);
}

/**
 * Each primary with its members: its company (one read of every company of the page), the deal
 * the link names (read by id, kept only while it is still linked to this primary) or else the
 * primary's oldest deal (looked up for the primaries without a known deal).
 */
export async function assembleGroups(a: CrmAdapter, spec: GroupSpec, primaries: CrmRecord[], options: GroupReadOptions = {}): Promise<CrmRecord[]> {
	const links = groupLinks(a, spec);
	const hints = await hintsOf(primaries, options);
	const companyOf = spec.company ? await links.companiesOf(primaries, hints) : new Map<string, string>();
	const companies = new Map<string, CrmRecord>();
	const companyIds = [...new Set(companyOf.values())];
	if (spec.company && companyIds.length) for (const r of await a.getByIds(spec.company.object, companyIds)) companies.set(r.id, r);
	const deals = spec.deal ? await dealsOf(a, spec, links, primaries, hints) : new Map<string, CrmRecord>();
	return primaries.map((p) => {
		const fields = { ...p.fields };
		const members: MemberIds = {};
		let modifiedAt = p.modifiedAt;
		const add = (member: CrmRecord | undefined) => {
			if (!member) return;
			Object.assign(fields, prefixed(member.object, member.fields));
			members[member.object] = member.id;
			if (member.modifiedAt > modifiedAt) modifiedAt = member.modifiedAt;
		};
		add(companies.get(companyOf.get(p.id) ?? ''));
		add(deals.get(p.id));
		return { ...p, fields, members, modifiedAt };
	});
}

/** The hints given, completed from `linksOf` for the primaries they do not name. */
async function hintsOf(primaries: CrmRecord[], options: GroupReadOptions): Promise<ReadonlyMap<string, MemberIds> | undefined> {
	const missing = primaries.map((p) => p.id).filter((id) => !options.hints?.has(id));
	if (!options.linksOf || !missing.length) return options.hints;
	const found = await options.linksOf(missing);
	if (!options.hints?.size) return found;
	return new Map([...found, ...options.hints]);
}

async function dealsOf(a: CrmAdapter, spec: GroupSpec, links: GroupLinks, primaries: CrmRecord[], hints?: ReadonlyMap<string, MemberIds>): Promise<Map<string, CrmRecord>> {
	const deal = spec.deal!;
	const out = new Map<string, CrmRecord>();
	const hinted = new Map<string, string>();
	for (const p of primaries) {
		const id = hints?.get(p.id)?.[deal.object];
		if (id) hinted.set(id, p.id);
	}
	if (hinted.size) {
		const records = (await a.getByIds(deal.object, [...hinted.keys()])).filter((r) => !r.deleted);
		const owners = await links.primariesOfDeals(records);
		for (const r of records) {
			const owner = hinted.get(r.id)!;
			if (owners.get(r.id)?.includes(owner)) out.set(owner, r);
		}
	}
	// A primary whose linked deal is gone gets none: its oldest deal is not taken silently in its place;
	// nor is one whose deal was unlinked after a deletion (detached.ts).
	const unknown = primaries.filter((p) => !out.has(p.id) && !hints?.get(p.id)?.[deal.object] && !isDetached(hints?.get(p.id), deal.object));
	if (unknown.length) {
		for (const [owner, records] of await links.dealsOfPrimaries(unknown.map((p) => p.id))) {
			const oldest = records.find((r) => !r.deleted);
			if (oldest && !out.has(owner)) out.set(owner, oldest);
		}
	}
	return out;
}

/**
 * Every group changed after `since`: primaries changed themselves (their own feed, page by page)
 * and primaries whose company or deal changed (the members' feeds are read first; those primaries
 * are then read by id after the primaries' own feed). A page's cursor never passes a member change
 * whose primary is still to come: until the last page it is at most the oldest member change read,
 * so a run that stops after any page continues without skipping a change (it may read one again,
 * which the merge sees as unchanged); the last page carries the newest time of every feed.
 */
export async function* listGroupChanges(a: CrmAdapter, spec: GroupSpec, since: string | undefined, options: ListOptions & GroupReadOptions = {}): AsyncIterable<ChangePage> {
	if (spec.convertsTo) {
		// Leads mode: Leads, converted ones followed to their Contact groups (convert.ts).
		yield* leadGroupChanges(a, spec, since, options);
		return;
	}
	if (isKeysetRead(options)) {
		yield* groupPage(a, spec, since, options);
		return;
	}
	const pageSize = options.pageSize;
	const affected = new Set<string>();
	let high = since ?? '';
	let oldestMemberChange: string | undefined;
	for await (const { page, owners } of memberChanges(a, spec, since, options)) {
		if (page.cursor > high) high = page.cursor;
		for (const r of page.records) if (!oldestMemberChange || r.modifiedAt < oldestMemberChange) oldestMemberChange = r.modifiedAt;
		for (const id of owners) affected.add(id);
	}
	const pending = (own: string) => (oldestMemberChange && oldestMemberChange < own ? oldestMemberChange : own);
	// One page held back: the last one carries the final cursor.
	let held: CrmRecord[] | undefined;
	let ownHigh = since ?? '';
	for await (const page of a.listChangedSince(spec.primary, since, { pageSize })) {
		if (held) yield { records: held, cursor: pending(ownHigh) };
		if (page.cursor > ownHigh) ownHigh = page.cursor;
		if (page.cursor > high) high = page.cursor;
		for (const r of page.records) affected.delete(r.id);
		held = await assembleGroups(a, spec, page.records, options);
	}
	const rest = chunk([...affected], pageSize ?? 100);
	for (const ids of rest) {
		if (held) yield { records: held, cursor: pending(ownHigh) };
		held = await getGroupsByIds(a, spec, ids, options);
	}
	yield { records: held ?? [], cursor: high };
}

/**
 * A read from the beginning: every primary is in its own feed, so the members' feeds add none (a
 * bulk sync's Since is the epoch, Start Run's Initial Since default, or nothing).
 */
export function readsEverything(since: string | undefined): boolean {
	return !since || Date.parse(since) <= 0;
}

/**
 * One page of a paged group read (ListOptions.after / limit / until): the primaries' own feed by
 * keyset, each with its members (assembled once for the page, however many API pages it took),
 * its `position` the primary's own (time, id) (the group's modifiedAt is its newest member's).
 * When that feed ends within the page and Since is a real time, the primaries changed only
 * through a member (an organization renamed, a deal moved) follow, read by id, as `unordered`
 * pages: after the last keyset page, never counted in one. A primary whose own change is after
 * Since is left out of those: the own feed has it (this run, or the next when it changed after
 * Until).
 */
async function* groupPage(a: CrmAdapter, spec: GroupSpec, since: string | undefined, options: ListOptions & GroupReadOptions): AsyncIterable<ChangePage> {
	const { pageSize, after, until, limit } = options;
	const seen = new Set<string>();
	let high = since ?? '';
	let read = 0;
	// The members of the whole page at once (the API's pages joined up to Limit): per 2,000
	// persons, not per 500, one look-up of their companies and deals.
	for await (const page of batched(a.listChangedSince(spec.primary, since, { pageSize, after, until, limit }), limit ?? 1)) {
		read += page.records.length;
		if (page.cursor > high) high = page.cursor;
		for (const r of page.records) seen.add(r.id);
		const groups = await assembleGroups(a, spec, page.records, options);
		groups.forEach((g, i) => (g.position = formatPosition(page.records[i].modifiedAt, page.records[i].id)));
		yield { records: groups, cursor: readsEverything(since) ? page.cursor : since ?? '' };
	}
	if (readsEverything(since) || (limit !== undefined && read >= limit)) return;
	const affected = new Set<string>();
	for await (const { page, owners } of memberChanges(a, spec, since, options)) {
		if (page.cursor > high) high = page.cursor;
		for (const id of owners) if (!seen.has(id)) affected.add(id);
	}
	const sinceMs = Date.parse(since!);
	for (const ids of chunk([...affected], pageSize ?? 100)) {
		const primaries = (await a.getByIds(spec.primary, ids)).filter((p) => !(Date.parse(p.modifiedAt) > sinceMs));
		if (primaries.length) yield { records: await assembleGroups(a, spec, primaries, options), cursor: since ?? '', unordered: true };
	}
	yield { records: [], cursor: high, unordered: true };
}

/**
 * The company's and the deal's change feeds since `since`, page by page, each with the primaries
 * its records belong to. Deleted members are read too (`includeDeleted`: Salesforce's queryAll,
 * the same calls; HubSpot's archived list, one more call per member object; Pipedrive's deals
 * listed with status=deleted, one more call; Pipedrive has no such list for organizations), so a
 * deal or company deleted in the CRM brings its primaries into the same run and the plan's member
 * loss handling applies (*When a Linked Company or Deal Is Deleted*). A deleted deal's primaries
 * are where the CRM still names them (a Pipedrive deal's person_id; a Salesforce Opportunity's
 * contact roles, deleted with it, by queryAll), and where the caller's links name them
 * (`ownersOfDeleted`); a deleted company's only where the links do: HubSpot unassociates an
 * archived company, a Salesforce Account's Contacts are deleted with it (their own deletion).
 * The primaries are looked up for up to MEMBER_BATCH member changes at once: where the CRM answers
 * "the people of these organizations" with one listing of every person (Pipedrive, listRelated),
 * a settle run after a bulk sync of 100,000 lists them once per batch, not once per page.
 */
async function* memberChanges(a: CrmAdapter, spec: GroupSpec, since: string | undefined, options: ListOptions & GroupReadOptions): AsyncGenerator<{ page: ChangePage; owners: Set<string> }> {
	const links = groupLinks(a, spec);
	for (const member of [spec.company, spec.deal]) {
		if (!member) continue;
		for await (const page of batched(a.listChangedSince(member.object, since, { pageSize: options.pageSize, includeDeleted: true }), MEMBER_BATCH)) {
			const owners = new Set<string>();
			const found = member === spec.deal ? await links.primariesOfDeals(page.records) : await links.primariesOfCompanies(page.records.filter((r) => !r.deleted).map((r) => r.id));
			for (const ids of found.values()) for (const id of ids) owners.add(id);
			const gone = page.records.filter((r) => r.deleted).map((r) => r.id);
			if (gone.length && options.ownersOfDeleted) for (const id of await options.ownersOfDeleted(member.object, gone)) owners.add(id);
			yield { page, owners };
		}
	}
}

/** Member changes looked up together (see memberChanges). */
const MEMBER_BATCH = 10_000;

/** The feed's pages joined up to `size` records each (the cursor of the last page joined). */
async function* batched(feed: AsyncIterable<ChangePage>, size: number): AsyncGenerator<ChangePage> {
	let records: CrmRecord[] = [];
	let cursor: string | undefined;
	for await (const page of feed) {
		records = records.length ? records.concat(page.records) : page.records;
		cursor = page.cursor;
		if (records.length >= size) {
			yield { records, cursor };
			records = [];
			cursor = undefined;
		}
	}
	if (cursor !== undefined) yield { records, cursor };
}
