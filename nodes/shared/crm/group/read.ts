/**
 * Reading record groups: primaries → their company and deal, assembled into one flat record (see
 * spec.ts), and the change feed of a group, which is every primary changed itself or through a
 * member (an organization renamed, a deal moved to another stage).
 */
import { chunk } from 'lodash';
import type { ChangePage, CrmAdapter, CrmRecord, ListOptions, MemberIds } from '../types';
import { SyncError } from '../../errors';
import { idOf, prefixed, type GroupSpec } from './spec';

export interface GroupReadOptions {
	/** The member records each primary is linked to (from the links), by primary id. */
	hints?: ReadonlyMap<string, MemberIds>;
}

/** getByIds of the primaries in one call per vendor batch, then their members; in id order of `ids`. */
export async function getGroupsByIds(a: CrmAdapter, spec: GroupSpec, ids: string[], options: GroupReadOptions = {}): Promise<CrmRecord[]> {
	const primaries = await a.getByIds(spec.primary, ids);
	return assembleGroups(a, spec, primaries, options);
}

/**
 * Each primary with its members: the company by the primary's reference (one read of every
 * company of the page), the deal the link names (read by id, kept only while it still refers to
 * this primary) or else the primary's oldest deal (one look-up per primary without a known deal).
 */
export async function assembleGroups(a: CrmAdapter, spec: GroupSpec, primaries: CrmRecord[], options: GroupReadOptions = {}): Promise<CrmRecord[]> {
	const companies = new Map<string, CrmRecord>();
	if (spec.company) {
		const ids = [...new Set(primaries.map((p) => idOf(p.fields[spec.company!.primaryRef])).filter((x): x is string => !!x))];
		if (ids.length) for (const r of await a.getByIds(spec.company.object, ids)) companies.set(r.id, r);
	}
	const deals = spec.deal ? await dealsOf(a, spec, primaries, options.hints) : new Map<string, CrmRecord>();
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
		if (spec.company) add(companies.get(idOf(p.fields[spec.company.primaryRef]) ?? ''));
		add(deals.get(p.id));
		return { ...p, fields, members, modifiedAt };
	});
}

async function dealsOf(a: CrmAdapter, spec: GroupSpec, primaries: CrmRecord[], hints?: ReadonlyMap<string, MemberIds>): Promise<Map<string, CrmRecord>> {
	const deal = spec.deal!;
	const out = new Map<string, CrmRecord>();
	const hinted = new Map<string, string>();
	for (const p of primaries) {
		const id = hints?.get(p.id)?.[deal.object];
		if (id) hinted.set(id, p.id);
	}
	if (hinted.size) {
		for (const r of await a.getByIds(deal.object, [...hinted.keys()])) {
			const owner = hinted.get(r.id)!;
			if (idOf(r.fields[deal.primaryRef]) === owner && !r.deleted) out.set(owner, r);
		}
	}
	const unknown = primaries.filter((p) => !out.has(p.id) && !hints?.get(p.id)?.[deal.object]);
	if (unknown.length) {
		for (const r of await related(a, deal.object, deal.primaryRef, unknown.map((p) => p.id))) {
			const owner = idOf(r.fields[deal.primaryRef]);
			// The oldest deal of the person (lowest id: listRelated answers in id order).
			if (owner && !out.has(owner) && !r.deleted) out.set(owner, r);
		}
	}
	return out;
}

export function related(a: CrmAdapter, object: string, field: string, ids: string[]): Promise<CrmRecord[]> {
	if (!a.listRelated) throw new SyncError({ kind: 'validation', message: `${a.crm} has no reference look-up for ${object}.${field}: record groups of this CRM are read through associations.` });
	return a.listRelated({ object, field, ids });
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
	const pageSize = options.pageSize;
	const affected = new Set<string>();
	let high = since ?? '';
	let oldestMemberChange: string | undefined;
	for (const member of [spec.company, spec.deal]) {
		if (!member) continue;
		const companyIds: string[] = [];
		for await (const page of a.listChangedSince(member.object, since, { pageSize })) {
			if (page.cursor > high) high = page.cursor;
			for (const r of page.records) {
				if (!oldestMemberChange || r.modifiedAt < oldestMemberChange) oldestMemberChange = r.modifiedAt;
				if (member === spec.deal) {
					const owner = idOf(r.fields[spec.deal.primaryRef]);
					if (owner) affected.add(owner);
				} else companyIds.push(r.id);
			}
		}
		if (member === spec.company && companyIds.length) {
			for (const p of await related(a, spec.primary, spec.company.primaryRef, companyIds)) affected.add(p.id);
		}
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
