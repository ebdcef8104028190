/**
 * Match FieldFlow records to CRM records (both in canonical space), the Conflict Resolver's first
 * step. Keys, tried in `order` (default link → externalId → email → name):
 * - link: the state store's link (fieldflowId ↔ crmId);
 * - externalId: a CRM record carrying the FieldFlow id (canonical field `fieldflow_id` by default,
 *   e.g. a Salesforce FieldFlow_Id__c mapped to it) or a FieldFlow record carrying the CRM id
 *   (`crm_id` by default);
 * - email: trimmed, case-insensitive; empty emails never match;
 * - name: company + contact name, normalised (case, accents, punctuation, spaces); needs a contact name.
 * A record is matched at most once; within a key, candidates are taken in input order.
 *
 * A linked record whose counterpart is not in the other input (an incremental run read only one
 * side) comes back unmatched *with its link*: fetch the counterpart by id before calling decide(),
 * because decide() treats a linked record with no counterpart as deleted on that side.
 */
import type { Link, SyncRecord } from './types';

export type MatchKey = 'link' | 'externalId' | 'email' | 'name';

export const DEFAULT_MATCH_ORDER: readonly MatchKey[] = ['link', 'externalId', 'email', 'name'];

export interface MatchOptions {
	order?: readonly MatchKey[];
	links?: readonly Link[];
	/** Canonical field of CRM records holding the FieldFlow id (default 'fieldflow_id'). */
	crmExternalIdField?: string;
	/** Canonical field of FieldFlow records holding the CRM id (default 'crm_id'). */
	fieldflowExternalIdField?: string;
}

export interface MatchPair {
	fieldflow: SyncRecord;
	crm: SyncRecord;
	link?: Link;
	matchedBy: MatchKey;
}

export interface Unmatched {
	record: SyncRecord;
	/** Set when the record is linked but its counterpart was not among the inputs. */
	link?: Link;
}

export interface MatchResult {
	pairs: MatchPair[];
	unmatchedFieldflow: Unmatched[];
	unmatchedCrm: Unmatched[];
}

export function normalizeEmail(v: unknown): string {
	return typeof v === 'string' ? v.trim().toLowerCase() : '';
}

export function normalizeName(v: unknown): string {
	if (typeof v !== 'string' && typeof v !== 'number') return '';
	return String(v)
		.normalize('NFKD')
		.replace(/[\u0300-\u036f]/g, '')
		.toLowerCase()
		.replace(/[^\p{L}\p{N}]+/gu, ' ')
		.trim();
}

function nameKey(r: SyncRecord): string {
	return companyContactKey(r.fields.company_name, r.fields.contact_name);
}

/** The company + contact name key (normalised); '' without a contact name. */
function companyContactKey(company: unknown, contact: unknown): string {
	const c = normalizeName(contact);
	if (!c) return '';
	return `${normalizeName(company)}|${c}`;
}

/** What a duplicate check looks for (the adapters' DuplicateCriteria). */
export interface DuplicateKeys {
	ref: string;
	email?: string;
	company?: string;
	name?: string;
}

export interface LocalDuplicate {
	ref: string;
	/** Indexes into `candidates`, email matches first. */
	matches: Array<{ index: number; matchedOn: 'email' | 'name' }>;
}

/**
 * The duplicate check of many people at once against a full listing of the CRM object (instead of
 * one search per record): a criterion's email finds the candidates with that email (trimmed,
 * case-insensitive; `emailsOf` may give a record several, e.g. Pipedrive's), its company + contact
 * name find the candidates with the same normalised pair (the `name` key of matchRecords); a
 * candidate without a company (an object whose mapping has none, e.g. Pipedrive persons) matches on
 * the contact name alone, as that CRM's name search does. Empty keys never match.
 */
export function findDuplicatesIn(
	criteria: readonly DuplicateKeys[],
	candidates: readonly SyncRecord[],
	emailsOf: (r: SyncRecord, index: number) => readonly unknown[] = (r) => [r.fields.email],
): LocalDuplicate[] {
	const byEmail = new Map<string, number[]>();
	const byName = new Map<string, number[]>();
	const add = (m: Map<string, number[]>, k: string, i: number) => {
		if (!k) return;
		const list = m.get(k);
		if (!list) m.set(k, [i]);
		else if (list[list.length - 1] !== i) list.push(i);
	};
	candidates.forEach((r, i) => {
		for (const e of emailsOf(r, i)) add(byEmail, normalizeEmail(e), i);
		add(byName, nameKey(r), i);
	});
	return criteria.map((c) => {
		const matches: LocalDuplicate['matches'] = [];
		const seen = new Set<number>();
		const email = normalizeEmail(c.email);
		for (const i of (email && byEmail.get(email)) || []) {
			seen.add(i);
			matches.push({ index: i, matchedOn: 'email' });
		}
		// The second key: candidates without a company, by contact name alone.
		for (const key of [companyContactKey(c.company, c.name), companyContactKey('', c.name)]) {
			for (const i of (key && byName.get(key)) || []) {
				if (seen.has(i)) continue;
				seen.add(i);
				matches.push({ index: i, matchedOn: 'name' });
			}
		}
		return { ref: c.ref, matches };
	});
}

function idString(v: unknown): string {
	return typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '';
}

export function matchRecords(fieldflow: readonly SyncRecord[], crm: readonly SyncRecord[], options: MatchOptions = {}): MatchResult {
	const order = options.order ?? DEFAULT_MATCH_ORDER;
	const crmExt = options.crmExternalIdField ?? 'fieldflow_id';
	const ffExt = options.fieldflowExternalIdField ?? 'crm_id';
	const pairs: MatchPair[] = [];
	const ffUsed = new Uint8Array(fieldflow.length);
	const crmUsed = new Uint8Array(crm.length);

	const crmById = new Map<string, number>();
	for (let i = 0; i < crm.length; i++) if (!crmById.has(crm[i].id)) crmById.set(crm[i].id, i);
	const ffById = new Map<string, number>();
	for (let i = 0; i < fieldflow.length; i++) if (!ffById.has(fieldflow[i].id)) ffById.set(fieldflow[i].id, i);

	const linkByFf = new Map<string, Link>();
	const linkByCrm = new Map<string, Link>();
	for (const l of options.links ?? []) {
		linkByFf.set(l.fieldflowId, l);
		if (l.crmId) linkByCrm.set(l.crmId, l);
	}

	// A linked record is matched through its link only: never re-paired by id/email/name with another record.
	const ffLocked = new Uint8Array(fieldflow.length);
	const crmLocked = new Uint8Array(crm.length);
	for (let i = 0; i < fieldflow.length; i++) if (linkByFf.has(fieldflow[i].id)) ffLocked[i] = 1;
	for (let i = 0; i < crm.length; i++) if (linkByCrm.has(crm[i].id)) crmLocked[i] = 1;
	const ffFree = (i: number) => !ffUsed[i] && !ffLocked[i];
	const crmFree = (i: number) => !crmUsed[i] && !crmLocked[i];

	const pair = (fi: number, ci: number, by: MatchKey) => {
		ffUsed[fi] = 1;
		crmUsed[ci] = 1;
		pairs.push({ fieldflow: fieldflow[fi], crm: crm[ci], link: linkByFf.get(fieldflow[fi].id), matchedBy: by });
	};

	/** Pair FieldFlow records with CRM records that share a key (first unused candidate in input order). */
	const byKey = (ffKey: (r: SyncRecord) => string, crmKey: (r: SyncRecord) => string, by: MatchKey) => {
		const index = new Map<string, number[]>();
		for (let i = 0; i < crm.length; i++) {
			if (!crmFree(i)) continue;
			const k = crmKey(crm[i]);
			if (!k) continue;
			const list = index.get(k);
			if (list) list.push(i);
			else index.set(k, [i]);
		}
		for (let i = 0; i < fieldflow.length; i++) {
			if (!ffFree(i)) continue;
			const k = ffKey(fieldflow[i]);
			if (!k) continue;
			const list = index.get(k);
			if (!list) continue;
			while (list.length && crmUsed[list[0]]) list.shift();
			const ci = list.shift();
			if (ci !== undefined) pair(i, ci, by);
		}
	};

	for (const key of order) {
		switch (key) {
			case 'link':
				for (let i = 0; i < fieldflow.length; i++) {
					if (ffUsed[i]) continue;
					const l = linkByFf.get(fieldflow[i].id);
					const ci = l?.crmId ? crmById.get(l.crmId) : undefined;
					if (ci !== undefined && !crmUsed[ci]) pair(i, ci, 'link');
				}
				break;
			case 'externalId':
				// CRM record names the FieldFlow id.
				for (let ci = 0; ci < crm.length; ci++) {
					if (!crmFree(ci)) continue;
					const fi = ffById.get(idString(crm[ci].fields[crmExt]));
					if (fi !== undefined && ffFree(fi)) pair(fi, ci, 'externalId');
				}
				// FieldFlow record names the CRM id.
				for (let fi = 0; fi < fieldflow.length; fi++) {
					if (!ffFree(fi)) continue;
					const ci = crmById.get(idString(fieldflow[fi].fields[ffExt]));
					if (ci !== undefined && crmFree(ci)) pair(fi, ci, 'externalId');
				}
				break;
			case 'email':
				byKey(
					(r) => normalizeEmail(r.fields.email),
					(r) => normalizeEmail(r.fields.email),
					'email',
				);
				break;
			case 'name':
				byKey(nameKey, nameKey, 'name');
				break;
		}
	}

	const unmatchedFieldflow: Unmatched[] = [];
	for (let i = 0; i < fieldflow.length; i++) {
		if (ffUsed[i]) continue;
		const link = linkByFf.get(fieldflow[i].id);
		unmatchedFieldflow.push(link ? { record: fieldflow[i], link } : { record: fieldflow[i] });
	}
	const unmatchedCrm: Unmatched[] = [];
	for (let i = 0; i < crm.length; i++) {
		if (crmUsed[i]) continue;
		const link = linkByCrm.get(crm[i].id);
		unmatchedCrm.push(link ? { record: crm[i], link } : { record: crm[i] });
	}
	return { pairs, unmatchedFieldflow, unmatchedCrm };
}
