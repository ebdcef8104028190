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

/**
 * Whether a record may be a duplicate of one of the criteria by findDuplicatesIn's keys (an email
 * it is found by, or its contact name): a cheap filter over a listing before records are kept.
 */
export function duplicateCandidates(criteria: readonly DuplicateKeys[]): (r: SyncRecord, emails: readonly unknown[]) => boolean {
	const emails = new Set(criteria.map((c) => normalizeEmail(c.email)).filter((e) => e));
	const names = new Set(criteria.map((c) => normalizeName(c.name)).filter((n) => n));
	return (r, es) => es.some((e) => emails.has(normalizeEmail(e))) || names.has(normalizeName(r.fields.contact_name));
}

function idString(v: unknown): string {
	return typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '';
}

/** One matchRecords call: the inputs, their indexes, what is paired so far and what only its link may pair. */
interface Matching {
	fieldflow: readonly SyncRecord[];
	crm: readonly SyncRecord[];
	pairs: MatchPair[];
	ffUsed: Uint8Array;
	crmUsed: Uint8Array;
	/** Linked records: matched through their link only, never re-paired by id/email/name with another record. */
	ffLocked: Uint8Array;
	crmLocked: Uint8Array;
	/** First index of each id. */
	ffById: Map<string, number>;
	crmById: Map<string, number>;
	linkByFf: Map<string, Link>;
	linkByCrm: Map<string, Link>;
}

function firstIndexById(records: readonly SyncRecord[]): Map<string, number> {
	const byId = new Map<string, number>();
	for (let i = 0; i < records.length; i++) if (!byId.has(records[i].id)) byId.set(records[i].id, i);
	return byId;
}

function startMatching(fieldflow: readonly SyncRecord[], crm: readonly SyncRecord[], links: readonly Link[]): Matching {
	const linkByFf = new Map<string, Link>();
	const linkByCrm = new Map<string, Link>();
	for (const l of links) {
		linkByFf.set(l.fieldflowId, l);
		if (l.crmId) linkByCrm.set(l.crmId, l);
	}
	const ffLocked = new Uint8Array(fieldflow.length);
	const crmLocked = new Uint8Array(crm.length);
	for (let i = 0; i < fieldflow.length; i++) if (linkByFf.has(fieldflow[i].id)) ffLocked[i] = 1;
	for (let i = 0; i < crm.length; i++) if (linkByCrm.has(crm[i].id)) crmLocked[i] = 1;
	return {
		fieldflow,
		crm,
		pairs: [],
		ffUsed: new Uint8Array(fieldflow.length),
		crmUsed: new Uint8Array(crm.length),
		ffLocked,
		crmLocked,
		ffById: firstIndexById(fieldflow),
		crmById: firstIndexById(crm),
		linkByFf,
		linkByCrm,
	};
}

const ffFree = (s: Matching, i: number) => !s.ffUsed[i] && !s.ffLocked[i];
const crmFree = (s: Matching, i: number) => !s.crmUsed[i] && !s.crmLocked[i];

function pair(s: Matching, fi: number, ci: number, by: MatchKey): void {
	s.ffUsed[fi] = 1;
	s.crmUsed[ci] = 1;
	s.pairs.push({ fieldflow: s.fieldflow[fi], crm: s.crm[ci], link: s.linkByFf.get(s.fieldflow[fi].id), matchedBy: by });
}

function pairByLink(s: Matching): void {
	for (let i = 0; i < s.fieldflow.length; i++) {
		if (s.ffUsed[i]) continue;
		const l = s.linkByFf.get(s.fieldflow[i].id);
		const ci = l?.crmId ? s.crmById.get(l.crmId) : undefined;
		if (ci !== undefined && !s.crmUsed[ci]) pair(s, i, ci, 'link');
	}
}

function pairByExternalId(s: Matching, crmExt: string, ffExt: string): void {
	// CRM record names the FieldFlow id.
	for (let ci = 0; ci < s.crm.length; ci++) {
		if (!crmFree(s, ci)) continue;
		const fi = s.ffById.get(idString(s.crm[ci].fields[crmExt]));
		if (fi !== undefined && ffFree(s, fi)) pair(s, fi, ci, 'externalId');
	}
	// FieldFlow record names the CRM id.
	for (let fi = 0; fi < s.fieldflow.length; fi++) {
		if (!ffFree(s, fi)) continue;
		const ci = s.crmById.get(idString(s.fieldflow[fi].fields[ffExt]));
		if (ci !== undefined && crmFree(s, ci)) pair(s, fi, ci, 'externalId');
	}
}

/** Pair FieldFlow records with CRM records that share a key (first unused candidate in input order). */
function pairByKey(s: Matching, key: (r: SyncRecord) => string, by: MatchKey): void {
	const index = new Map<string, number[]>();
	for (let i = 0; i < s.crm.length; i++) {
		if (!crmFree(s, i)) continue;
		const k = key(s.crm[i]);
		if (!k) continue;
		const list = index.get(k);
		if (list) list.push(i);
		else index.set(k, [i]);
	}
	for (let i = 0; i < s.fieldflow.length; i++) {
		if (!ffFree(s, i)) continue;
		const k = key(s.fieldflow[i]);
		if (!k) continue;
		const list = index.get(k);
		if (!list) continue;
		while (list.length && s.crmUsed[list[0]]) list.shift();
		const ci = list.shift();
		if (ci !== undefined) pair(s, i, ci, by);
	}
}

/** The records left unpaired, each with its link when it has one. */
function unmatched(records: readonly SyncRecord[], used: Uint8Array, linkById: Map<string, Link>): Unmatched[] {
	const out: Unmatched[] = [];
	for (let i = 0; i < records.length; i++) {
		if (used[i]) continue;
		const link = linkById.get(records[i].id);
		out.push(link ? { record: records[i], link } : { record: records[i] });
	}
	return out;
}

const emailKey = (r: SyncRecord) => normalizeEmail(r.fields.email);

export function matchRecords(fieldflow: readonly SyncRecord[], crm: readonly SyncRecord[], options: MatchOptions = {}): MatchResult {
	const order = options.order ?? DEFAULT_MATCH_ORDER;
	const crmExt = options.crmExternalIdField ?? 'fieldflow_id';
	const ffExt = options.fieldflowExternalIdField ?? 'crm_id';
	const s = startMatching(fieldflow, crm, options.links ?? []);
	for (const key of order) {
		switch (key) {
			case 'link':
				pairByLink(s);
				break;
			case 'externalId':
				pairByExternalId(s, crmExt, ffExt);
				break;
			case 'email':
				pairByKey(s, emailKey, 'email');
				break;
			case 'name':
				pairByKey(s, nameKey, 'name');
				break;
		}
	}
	return {
		pairs: s.pairs,
		unmatchedFieldflow: unmatched(fieldflow, s.ffUsed, s.linkByFf),
		unmatchedCrm: unmatched(crm, s.crmUsed, s.linkByCrm),
	};
}
