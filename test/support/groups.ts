/**
 * What the record-group tests of every CRM share: FieldFlow prospects mapped by the default
 * mapping of a group, the change of one prospect as the sync would write it, and the plumbing
 * (pages of a feed, link hints, the calls a write added).
 */
import type { CallStats, ChangePage, CrmName, WriteInput, WriteResult } from '../../nodes/shared/crm/types';
import { DEFAULT_VALUE_MAPS, defaultMappings } from '../../nodes/shared/mapping/defaults';
import { diffFields, mapToCrm, type MappingRule } from '../../nodes/shared/mapping/engine';

export interface GroupFixture {
	rules: MappingRule[];
	/** Prospect i of `company` (null: none), as the default mapping writes it to the CRM. */
	prospect(i: number, company: string | null, extra?: Record<string, unknown>): WriteInput;
	/** The write of prospect i (result `was`) moving from company `from` to `to`: only the fields the mapping changes. */
	changed(i: number, was: WriteResult, from: string, to: string): WriteInput;
}

export function groupFixture(crm: CrmName, object: string, members: string[]): GroupFixture {
	const rules = defaultMappings(crm, object, members);
	const prospect = (i: number, company: string | null, extra: Record<string, unknown> = {}): WriteInput => {
		const ff = { id: `pr_${i}`, contact_name: `Contact${i} Person`, email: `c${i}@example.com`, company_name: company, status: 'contacted', estimated_value: 1000 * i, ...extra };
		const mapped = mapToCrm(ff, rules, DEFAULT_VALUE_MAPS);
		if (mapped.errors.length) throw mapped.errors[0];
		return { ref: ff.id, fields: mapped.fields };
	};
	return {
		rules,
		prospect,
		changed(i, was, from, to) {
			const changes = diffFields(prospect(i, from).fields, prospect(i, to).fields);
			return { ref: `pr_${i}`, id: was.id, members: was.members, fields: Object.fromEntries(changes.map((c) => [c.field, c.after])) };
		},
	};
}

export async function allPages(it: AsyncIterable<ChangePage>): Promise<ChangePage[]> {
	const pages: ChangePage[] = [];
	for await (const p of it) pages.push(p);
	return pages;
}

/** Each written primary's member ids, as the links hand them to the reads. */
export function hintsOf(results: Array<{ id?: string; members?: Record<string, string> }>): Map<string, Record<string, string>> {
	return new Map(results.map((r) => [r.id!, r.members!]));
}

/** The calls an adapter made since `before` (a copy of its stats.byEndpoint). */
export function callsSince(stats: CallStats, before: Record<string, number>): Record<string, number> {
	return Object.fromEntries(Object.entries(stats.byEndpoint).map(([k, n]) => [k, n - (before[k] ?? 0)]).filter(([, n]) => Number(n) > 0));
}

/** A group feed's cursors: the last page's is past `since`, and no page before it passes the last. */
export function expectCursorsEndAfter(pages: ChangePage[], since: string): void {
	const cursors = pages.map((p) => p.cursor);
	expect(cursors.at(-1)! > since).toBe(true);
	for (const c of cursors.slice(0, -1)) expect(c <= cursors.at(-1)!).toBe(true);
}
