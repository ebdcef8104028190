import type { ILoadOptionsFunctions, INodeListSearchItems, INodeListSearchResult } from 'n8n-workflow';
import type { CrmName, CrmRecord } from '../../shared/crm/types';
import { getCrmAdapter } from '../../n8nSide/transport/crm';
import { toNodeError } from '../../n8nSide/errors';

/** Vendor fields that name a record, in the order they are tried (people, companies, deals, activities). */
const NAME_FIELDS = [['FirstName', 'LastName'], ['firstname', 'lastname'], ['Name'], ['name'], ['dealname'], ['Subject'], ['subject'], ['hs_meeting_title'], ['title']];
const COMPANY_FIELDS = ['Company', 'company', 'org_name'];
const EMAIL_FIELDS = ['Email', 'email', 'emails'];

function text(value: unknown): string {
	if (Array.isArray(value)) return text(value.find((v) => (v as { primary?: boolean })?.primary) ?? value[0]);
	if (value && typeof value === 'object') return text((value as { value?: unknown; name?: unknown }).value ?? (value as { name?: unknown }).name);
	return value === null || value === undefined ? '' : String(value).trim();
}

/** "Ada Lovelace · Analytical Engines (ada@example.com)", or the id when the record has nothing to show. */
export function recordLabel(r: CrmRecord): string {
	const f = r.fields;
	const name = NAME_FIELDS.map((keys) => keys.map((k) => text(f[k])).filter(Boolean).join(' ')).find(Boolean) ?? '';
	const company = COMPANY_FIELDS.map((k) => text(f[k])).find(Boolean) ?? '';
	const email = EMAIL_FIELDS.map((k) => text(f[k])).find(Boolean) ?? '';
	const main = [name, company && company !== name ? company : ''].filter(Boolean).join(' · ');
	if (main && email) return `${main} (${email})`;
	return main || email || r.id;
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
