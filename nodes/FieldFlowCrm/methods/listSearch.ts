import type { ILoadOptionsFunctions, INodeListSearchItems, INodeListSearchResult } from 'n8n-workflow';
import type { CrmName, CrmRecord } from '../../shared/crm/types';
import { getCrmAdapter } from '../../n8nSide/transport/crm';
import { toNodeError } from '../../n8nSide/errors';
import { recordLabel as fieldsLabel } from '../../n8nSide/hints';

/** "Ada Lovelace · Analytical Engines (ada@example.com)", or the id when the record has nothing to show. */
export function recordLabel(r: CrmRecord): string {
	return fieldsLabel(r.fields) || r.id;
}

const PAGE = 100;
/** With a name filter, how many records the picker reads looking for it (beyond that: the CRM's exact search). */
const SCAN_MAX = 2_000;

/**
 * "From List" for the CRM ID locator. Without a filter: the object's records, 100 per page (the token
 * is how many were shown). An email filter is the CRM's own exact search; any other filter matches
 * the labels of the first 2,000 records, plus the CRM's exact name / company search beyond them.
 */
export async function searchRecords(this: ILoadOptionsFunctions, filter?: string, paginationToken?: string): Promise<INodeListSearchResult> {
	const crm = this.getCurrentNodeParameter('crm') as CrmName;
	const object = this.getCurrentNodeParameter('object') as string;
	if (!crm || !object) return { results: [] };
	const adapter = await getCrmAdapter.call(this, crm);
	const needle = (filter ?? '').trim();
	const skip = Number(paginationToken ?? 0) || 0;
	const results: INodeListSearchItems[] = [];
	const seen = new Set<string>();
	const add = (r: CrmRecord) => {
		if (r.deleted || seen.has(r.id)) return;
		seen.add(r.id);
		results.push({ name: recordLabel(r), value: r.id });
	};
	try {
		if (needle && skip === 0) {
			const criteria = needle.includes('@') ? { ref: 'search', email: needle } : { ref: 'search', name: needle, company: needle };
			const [found] = await adapter.findDuplicates(object, [criteria]);
			for (const m of found?.matches ?? []) add(m.record);
			if (needle.includes('@')) return { results };
		}
		const lower = needle.toLowerCase();
		let matched = 0;
		let scanned = 0;
		let more = false;
		scan: for await (const page of adapter.listChangedSince(object, undefined, { pageSize: PAGE })) {
			for (const r of page.records) {
				if (r.deleted) continue;
				scanned++;
				if (lower && !recordLabel(r).toLowerCase().includes(lower)) continue;
				if (matched++ < skip) continue;
				if (results.length >= PAGE) {
					more = true;
					break scan;
				}
				add(r);
			}
			if (lower && scanned >= SCAN_MAX) break;
		}
		return { results, paginationToken: more ? String(skip + PAGE) : undefined };
	} catch (error) {
		throw toNodeError(this.getNode(), error);
	}
}
