/**
 * Salesforce reads: the change feed (SOQL on SystemModstamp, queryMore to the end; queryAll for
 * deletions), sObject Collections retrieve by id, and the duplicate check (email, company name).
 */
import { chunk } from 'lodash';
import { malformedAnswer } from '../../errors';
import { SyncError } from '../../errors';
import type { ChangePage, CrmRecord, DuplicateCriteria, DuplicateMatch, ListOptions, RelatedQuery } from '../types';
import { PERSON_OBJECTS, type SalesforceClient } from './client';
import { soqlDateTime, soqlLike, soqlString } from './soql';
import { isKeysetRead, keysetPages, keysetWindow } from '../keyset';

/** POST /composite/sobjects/<Type> retrieve limit. */
const RETRIEVE_MAX = 2000;
const QUERY_IN_MAX = 100;

/**
 * SOQL on SystemModstamp >= the whole second of `since`, ordered by SystemModstamp then Id,
 * queryMore to the end (one query locator: a consistent snapshot, no row skipped or repeated
 * between its pages). With includeDeleted the same query runs through queryAll, so deleted rows
 * (IsDeleted = true) come in the same ordered stream and the cursor stays monotonic.
 *
 * Why `>=` the second and not `> since`: Salesforce keeps SystemModstamp in whole seconds and one
 * sObject Collections request stamps all its records with one second, so a read at 12:00:00.400
 * can see some of the records stamped 12:00:00 while others (written at .700, or in a transaction
 * still open) are stamped 12:00:00 too and appear later. A next read "> 12:00:00" (the newest
 * stamp seen) or "> 12:00:00.400" (the run's start) would skip those for good. Re-reading the
 * boundary second skips none; what it reads again is the same version (same Id and
 * SystemModstamp), which the sync's merge sees as unchanged. Rows that become visible later than
 * that (open transactions) are caught by the runs' overlap window (Start Run's Overlap).
 */
export function listChangedSince(sf: SalesforceClient, object: string, since: string | undefined, options: ListOptions = {}): AsyncIterable<ChangePage> {
	// A keyset page: the API orders and starts after the position itself (see changeFeed).
	return isKeysetRead(options) ? keysetPages(changeFeed(sf, object, since, options), keysetWindow(options, true)) : changeFeed(sf, object, since, options);
}

/**
 * With a keyset position (one page of a paged read) the query starts strictly after it in the
 * ORDER BY's own order: `(SystemModstamp > :t OR (SystemModstamp = :t AND Id > :id))`, and ends
 * before Until (`SystemModstamp < :until`) with `LIMIT` the page size: "You can use LIMIT ...
 * to limit the number of rows returned" and ORDER BY on several fields
 * (https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_limit.htm,
 * .../sforce_api_calls_soql_select_orderby.htm), so a page of 2,000 is one query of 2,000 rows.
 */
async function* changeFeed(sf: SalesforceClient, object: string, since: string | undefined, options: ListOptions): AsyncGenerator<ChangePage> {
	const fields = sf.fieldList(object, options.fields);
	if (options.includeDeleted && !fields.includes('IsDeleted')) fields.push('IsDeleted');
	const conditions: string[] = [];
	if (since) conditions.push(`SystemModstamp >= ${soqlDateTime(wholeSecond(since))}`);
	if (options.after) {
		const t = soqlDateTime(new Date(options.after.time).toISOString());
		conditions.push(`(SystemModstamp > ${t} OR (SystemModstamp = ${t} AND Id > ${soqlString(options.after.id)}))`);
	}
	if (options.until) conditions.push(`SystemModstamp < ${soqlDateTime(options.until)}`);
	const where = conditions.length ? ` WHERE ${conditions.join(' AND ')}` : '';
	const limit = options.limit !== undefined && Number.isFinite(options.limit) ? ` LIMIT ${Math.max(0, Math.floor(options.limit))}` : '';
	const soql = `SELECT ${fields.join(', ')} FROM ${object}${where} ORDER BY SystemModstamp ASC, Id ASC${limit}`;
	let cursor = since ?? '';
	const all = !!options.includeDeleted;
	let page = await sf.query(soql, all ? 'queryAll' : 'query', all, options.pageSize);
	for (;;) {
		if (!Array.isArray(page?.records)) throw malformedAnswer('Salesforce', `query ${object}`, 'had no records list');
		const records = page.records.map((r) => sf.toRecord(object, r));
		for (const r of records) if (r.modifiedAt && (!cursor || r.modifiedAt > cursor)) cursor = r.modifiedAt;
		yield { records, cursor };
		if (!page.nextRecordsUrl) return;
		const url = page.nextRecordsUrl;
		page = await sf.call(all ? 'queryAllMore' : 'queryMore', async () => {
			const res = await sf.conn.queryMore<Record<string, unknown>>(url);
			if (!Array.isArray(res?.records)) throw malformedAnswer('Salesforce', 'queryMore', 'had no records list');
			return { records: res.records, nextRecordsUrl: res.nextRecordsUrl };
		});
	}
}

/** The whole second (UTC) a time falls in: Salesforce's timestamp granularity. */
function wholeSecond(iso: string): string {
	const t = Date.parse(iso);
	return Number.isFinite(t) ? new Date(Math.floor(t / 1000) * 1000).toISOString() : iso;
}

export async function getByIds(sf: SalesforceClient, object: string, ids: string[], fields?: string[]): Promise<CrmRecord[]> {
	const list = sf.fieldList(object, fields);
	const out: CrmRecord[] = [];
	for (const part of chunk([...new Set(ids)], RETRIEVE_MAX)) {
		const rows = await sf.call('collections.retrieve', () => sf.conn.retrieve(object, part, { fields: list }));
		for (const r of rows as Array<Record<string, unknown> | null>) if (r) out.push(sf.toRecord(object, r));
	}
	return out;
}

/** The reference fields record groups list by (Contact.AccountId, OpportunityContactRole.ContactId / OpportunityId, Opportunity.AccountId). */
const RELATED_FIELDS: Record<string, string[]> = {
	Contact: ['AccountId'],
	// Leads mode: the Lead a Contact was converted from (crm/group/convert.ts convertedLeadsOf).
	Lead: ['ConvertedContactId'],
	Opportunity: ['AccountId'],
	OpportunityContactRole: ['ContactId', 'OpportunityId'],
};

/**
 * Records whose reference field holds one of the ids: SOQL `WHERE <field> IN (…)`, 100 ids per
 * query, ordered by Id, queryMore to the end. With includeDeleted through queryAll ("Unlike the
 * Query resource, QueryAll will return records that have been deleted because of a merge or
 * delete", https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_queryall.htm),
 * flagged IsDeleted: the contact roles deleted with their Opportunity still name its Contact.
 */
export async function listRelated(sf: SalesforceClient, query: RelatedQuery): Promise<CrmRecord[]> {
	if (!RELATED_FIELDS[query.object]?.includes(query.field)) {
		throw new SyncError({ kind: 'validation', message: `Salesforce record groups list ${query.object} by ${(RELATED_FIELDS[query.object] ?? []).join(', ') || 'no field'}, not by "${query.field}".` });
	}
	const fields = sf.fieldList(query.object, query.fields ? [...query.fields, query.field] : undefined);
	if (query.includeDeleted && !fields.includes('IsDeleted')) fields.push('IsDeleted');
	const out: CrmRecord[] = [];
	for (const part of chunk([...new Set(query.ids)], QUERY_IN_MAX)) {
		const soql = `SELECT ${fields.join(', ')} FROM ${query.object} WHERE ${query.field} IN (${part.map(soqlString).join(', ')}) ORDER BY Id`;
		const rows = query.includeDeleted ? await queryAllRows(sf, soql) : await sf.queryAllPages(soql);
		for (const row of rows) out.push(sf.toRecord(query.object, row));
	}
	return out;
}

/** Every row of a queryAll (deleted rows too), queryMore to the end. */
async function queryAllRows(sf: SalesforceClient, soql: string): Promise<Array<Record<string, unknown>>> {
	let page = await sf.query(soql, 'queryAll', true);
	const out = [...page.records];
	while (page.nextRecordsUrl) {
		const url = page.nextRecordsUrl;
		page = await sf.call('queryAllMore', async () => {
			const res = await sf.conn.queryMore<Record<string, unknown>>(url);
			if (!Array.isArray(res?.records)) throw malformedAnswer('Salesforce', 'queryMore', 'had no records list');
			return { records: res.records, nextRecordsUrl: res.nextRecordsUrl };
		});
		out.push(...page.records);
	}
	return out;
}

export async function findDuplicates(sf: SalesforceClient, object: string, criteria: DuplicateCriteria[]): Promise<DuplicateMatch[]> {
	const fields = sf.fieldList(object);
	const out: DuplicateMatch[] = criteria.map((c) => ({ ref: c.ref, matches: [] }));
	const companyField = object === 'Lead' ? 'Company' : object === 'Account' ? 'Name' : undefined;
	// Criteria indexes by lower-cased key: each returned row finds its criteria in O(1), not by a
	// scan of every criterion (which made a large duplicate check O(rows × criteria)).
	const indexBy = (key: (c: DuplicateCriteria) => string | undefined) => {
		const m = new Map<string, number[]>();
		criteria.forEach((c, i) => {
			const k = key(c)?.trim().toLowerCase();
			if (k) m.set(k, [...(m.get(k) ?? []), i]);
		});
		return m;
	};
	if (PERSON_OBJECTS.has(object)) {
		const byEmail = indexBy((c) => c.email);
		for (const part of chunk([...byEmail.keys()], QUERY_IN_MAX)) {
			const rows = await sf.queryAllPages(`SELECT ${fields.join(', ')} FROM ${object} WHERE Email IN (${part.map(soqlString).join(', ')})`);
			for (const row of rows) {
				for (const i of byEmail.get(String(row.Email ?? '').toLowerCase()) ?? []) out[i].matches.push({ id: String(row.Id), object, matchedOn: 'email', record: sf.toRecord(object, row) });
			}
		}
	}
	if (companyField) {
		const byCompany = indexBy((c) => c.company);
		const names = [...new Set(criteria.map((c) => c.company?.trim()).filter((e): e is string => !!e))];
		for (const part of chunk(names, QUERY_IN_MAX)) {
			// LIKE without wildcards = case-insensitive equality; wildcards in the values are escaped.
			const where = part.map((n) => `${companyField} LIKE ${soqlLike(n)}`).join(' OR ');
			const rows = await sf.queryAllPages(`SELECT ${fields.join(', ')} FROM ${object} WHERE ${where}`);
			for (const row of rows) {
				for (const i of byCompany.get(String(row[companyField] ?? '').trim().toLowerCase()) ?? []) {
					if (!out[i].matches.some((m) => m.id === row.Id)) out[i].matches.push({ id: String(row.Id), object, matchedOn: 'company', record: sf.toRecord(object, row) });
				}
			}
		}
	}
	return out;
}
