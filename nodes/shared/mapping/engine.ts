/**
 * Mapping engine: FieldFlow (canonical) records ↔ CRM object fields. Pure functions, no I/O, no n8n.
 *
 * - `mapToCrm(record, mappings, valueMaps)` / `mapToFieldflow(crmFields, mappings, valueMaps)` return
 *   `{ fields, errors }`; every error is a SyncError of kind 'validation' naming record, field, value.
 * - A field that is absent (undefined) in the input is not written; null or '' clears the field.
 * - Several mappings may feed one FieldFlow field:
 *   - `firstName` + `lastName` transforms: the full name is split (last word = last name; one word →
 *     last name only, Salesforce requires LastName) and joined back with a space;
 *   - otherwise (e.g. Pipedrive deal `status` then `stage_id` for the FieldFlow status) the first
 *     mapping, in list order, that can translate the value wins; a value no mapping of the group can
 *     translate is a validation error. Towards the CRM, a member whose value map has no entry for the
 *     value is skipped when another member of the group translates it.
 * - Canonical space is flat: FieldFlow custom fields are `custom_fields.<key>` (see
 *   `canonicalFromFieldflow` / `fieldflowPayload`).
 */
import isEqual from 'lodash/isEqual';
import { SyncError } from '../errors';
import type { CrmName, FieldType } from '../crm/types';
import type { CanonicalFields, FieldMapping, ValueMap } from '../sync/types';

/**
 * Transforms the engine understands. types.ts's FieldMapping allows the first four; the last three
 * are needed for Pipedrive activities (due_date / due_time / duration 'HH:MM') — see MappingRule.
 */
export type Transform = NonNullable<FieldMapping['transform']> | 'datePart' | 'timePart' | 'durationHhmm';

/** A FieldMapping whose transform may also be one of the engine's extra transforms. */
export interface MappingRule extends Omit<FieldMapping, 'transform'> {
	transform?: Transform;
}

export type ValueMaps = Record<string, ValueMap>;

export interface MapResult {
	fields: Record<string, unknown>;
	errors: SyncError[];
}

export interface MapOptions {
	/** Record id used in error messages (default: `record.id` / `crmFields.Id` / `crmFields.id`). */
	id?: string;
	/** Record kind used in error messages (default from the id prefix: Prospect, Meeting, ...; else 'Record'). */
	label?: string;
	/** Allowed values of CRM picklist fields (by CRM field name), e.g. from listFields(). */
	picklistOptions?: Record<string, string[]>;
	/**
	 * mapToFieldflow only: canonical values to prefer when a value map is lossy (several FieldFlow
	 * values → one CRM value). Pass the link baseline: a CRM value that the baseline value maps to
	 * keeps the baseline value instead of the reverse map's default, so no phantom change appears.
	 */
	prefer?: CanonicalFields;
}

// ------------------------------------------------------------------ canonical fields

/** Prospect fields of FieldFlow API v1 (canonical names) and their types. */
export const PROSPECT_FIELDS: Record<string, FieldType> = {
	company_name: 'text',
	contact_name: 'text',
	email: 'email',
	phone: 'phone',
	status: 'picklist',
	notes: 'text',
	estimated_value: 'number',
	owner_email: 'email',
};
/** Meeting fields of FieldFlow API v1 (canonical names) and their types. */
export const MEETING_FIELDS: Record<string, FieldType> = {
	title: 'text',
	start_time: 'datetime',
	duration_minutes: 'number',
	status: 'picklist',
	notes: 'text',
	outcome: 'text',
	location: 'text',
	completed_at: 'datetime',
};
/** FieldFlow fields that are never written through a mapping (ids, server timestamps). */
export const FIELDFLOW_READ_ONLY = new Set(['id', 'created_at', 'updated_at', 'deleted_at', 'prospect_id', 'meeting_id', 'generated_at']);
export const CUSTOM_PREFIX = 'custom_fields.';

/** CRM id / link fields and system fields a mapping must never write, per CRM. */
export const CRM_FORBIDDEN_FIELDS: Record<CrmName, Set<string>> = {
	salesforce: new Set(['Id', 'SystemModstamp', 'CreatedDate', 'LastModifiedDate', 'CreatedById', 'LastModifiedById', 'IsDeleted', 'WhoId', 'WhatId', 'AccountId', 'OwnerId', 'ConvertedAccountId', 'ConvertedContactId', 'ConvertedOpportunityId', 'IsConverted', 'MasterRecordId']),
	hubspot: new Set(['id', 'hs_object_id', 'createdate', 'lastmodifieddate', 'hs_lastmodifieddate', 'hs_createdate', 'hs_meeting_external_url', 'associations']),
	pipedrive: new Set(['id', 'add_time', 'update_time', 'creator_user_id', 'person_id', 'org_id', 'deal_id', 'owner_id', 'first_name', 'last_name', 'owner_name', 'org_name', 'person_name', 'cc_email', 'won_time', 'lost_time', 'close_time', 'stage_change_time', 'next_activity_date', 'last_activity_date']),
};

/** Flatten a FieldFlow record (prospect / meeting) into canonical fields: custom fields become `custom_fields.<key>`. */
export function canonicalFromFieldflow(record: Record<string, unknown>): CanonicalFields {
	const out: CanonicalFields = {};
	for (const k in record) {
		if (FIELDFLOW_READ_ONLY.has(k)) continue;
		const v = record[k];
		if (k === 'custom_fields') {
			if (v && typeof v === 'object') for (const ck in v as Record<string, unknown>) out[CUSTOM_PREFIX + ck] = (v as Record<string, unknown>)[ck];
			continue;
		}
		out[k] = v;
	}
	return out;
}

/** Canonical fields → a FieldFlow API body (custom fields nested back under `custom_fields`). */
export function fieldflowPayload(fields: CanonicalFields): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	let custom: Record<string, unknown> | undefined;
	for (const k in fields) {
		if (k.startsWith(CUSTOM_PREFIX)) (custom ??= {})[k.slice(CUSTOM_PREFIX.length)] = fields[k];
		else out[k] = fields[k];
	}
	if (custom) out.custom_fields = { ...((out.custom_fields as Record<string, unknown>) ?? {}), ...custom };
	return out;
}

function readCanonical(record: Record<string, unknown>, field: string): unknown {
	const v = record[field];
	if (v !== undefined || !field.startsWith(CUSTOM_PREFIX)) return v;
	const custom = record.custom_fields as Record<string, unknown> | undefined;
	return custom && typeof custom === 'object' ? custom[field.slice(CUSTOM_PREFIX.length)] : undefined;
}

// ------------------------------------------------------------------ type checks

export type TypeCheck = { ok: true; value: unknown } | { ok: false; expected: string };

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE_RE = /^\+?[0-9\s().\-/]*(?:\s*(?:x|ext\.?)\s*\d+)?$/i;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DT_RE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/;
const NUMERIC_RE = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?$/i;

const EXPECTED: Record<FieldType, string> = {
	text: 'text',
	number: 'a number',
	date: 'a date (YYYY-MM-DD)',
	datetime: 'a date-time (ISO 8601)',
	email: 'an email address',
	phone: 'a phone number',
	picklist: 'one of the allowed values',
	boolean: 'true or false',
	reference: 'a record id',
	other: 'a value',
};

export const isEmpty = (v: unknown): boolean => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/**
 * Is `value` acceptable for a field of `type`? On success `value` is the normalised value to write
 * (numbers from numeric strings, dates as YYYY-MM-DD, date-times as ISO UTC, trimmed strings).
 * Empty (undefined, null, '') is always acceptable and normalises to null.
 */
export function checkType(value: unknown, type: FieldType, options?: readonly string[]): TypeCheck {
	if (isEmpty(value)) return { ok: true, value: null };
	switch (type) {
		case 'text':
			if (typeof value === 'string') return { ok: true, value };
			if (typeof value === 'number' || typeof value === 'boolean') return { ok: true, value: String(value) };
			return { ok: false, expected: EXPECTED.text };
		case 'number': {
			if (typeof value === 'number') return Number.isFinite(value) ? { ok: true, value } : { ok: false, expected: EXPECTED.number };
			if (typeof value === 'string' && NUMERIC_RE.test(value.trim())) return { ok: true, value: Number(value.trim()) };
			return { ok: false, expected: EXPECTED.number };
		}
		case 'date': {
			const t = toTime(value);
			if (t === undefined) return { ok: false, expected: EXPECTED.date };
			return { ok: true, value: new Date(t).toISOString().slice(0, 10) };
		}
		case 'datetime': {
			const t = toTime(value);
			if (t === undefined) return { ok: false, expected: EXPECTED.datetime };
			return { ok: true, value: new Date(t).toISOString() };
		}
		case 'email':
			if (typeof value === 'string' && EMAIL_RE.test(value.trim())) return { ok: true, value: value.trim() };
			return { ok: false, expected: EXPECTED.email };
		case 'phone': {
			if (typeof value === 'number' && Number.isInteger(value) && value > 0) return { ok: true, value: String(value) };
			if (typeof value !== 'string') return { ok: false, expected: EXPECTED.phone };
			const s = value.trim();
			const digits = s.replace(/\D/g, '').length;
			if (PHONE_RE.test(s) && digits >= 3 && digits <= 20 && s.length <= 40) return { ok: true, value: s };
			return { ok: false, expected: EXPECTED.phone };
		}
		case 'picklist': {
			if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return { ok: false, expected: EXPECTED.picklist };
			const s = String(value);
			if (options && options.length && !options.includes(s)) return { ok: false, expected: `one of ${options.map((o) => `'${o}'`).join(', ')}` };
			return { ok: true, value: typeof value === 'number' ? value : s };
		}
		case 'boolean':
			if (typeof value === 'boolean') return { ok: true, value };
			if (value === 'true' || value === 1 || value === '1') return { ok: true, value: true };
			if (value === 'false' || value === 0 || value === '0') return { ok: true, value: false };
			return { ok: false, expected: EXPECTED.boolean };
		case 'reference':
			if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) return { ok: true, value };
			return { ok: false, expected: EXPECTED.reference };
		default:
			return { ok: true, value };
	}
}

function toTime(value: unknown): number | undefined {
	if (value instanceof Date) return isNaN(value.getTime()) ? undefined : value.getTime();
	if (typeof value !== 'string') return undefined;
	const s = value.trim();
	if (!DATE_RE.test(s) && !ISO_DT_RE.test(s)) return undefined;
	const t = Date.parse(DATE_RE.test(s) ? `${s}T00:00:00.000Z` : s);
	return Number.isFinite(t) ? t : undefined;
}

/** How a value looks to a user, for error messages: "'abc' (text)". */
export function describeValue(value: unknown): string {
	if (value === null || value === undefined) return 'empty';
	if (typeof value === 'string') return `'${value.length > 60 ? `${value.slice(0, 57)}...` : value}' (text)`;
	if (typeof value === 'number') return `${value} (number)`;
	if (typeof value === 'boolean') return `${value} (boolean)`;
	if (Array.isArray(value)) return `a list of ${value.length}`;
	if (value instanceof Date) return `${value.toISOString()} (date)`;
	return 'an object';
}

// ------------------------------------------------------------------ normalisation for comparison

/**
 * The comparison form of a value: '' / null / undefined → null, strings trimmed, numeric strings →
 * numbers, ISO dates/date-times → ISO UTC, email addresses lower-cased. Allocation-light.
 */
export function normalizeValue(value: unknown): unknown {
	if (value === undefined || value === null) return null;
	if (typeof value === 'string') {
		const s = value.trim();
		if (s === '') return null;
		const c = s.charCodeAt(0);
		if ((c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46) {
			if (NUMERIC_RE.test(s) && !(s.length > 1 && c === 48 && s.charCodeAt(1) !== 46)) return Number(s);
			if (ISO_DT_RE.test(s)) {
				const t = Date.parse(s);
				if (Number.isFinite(t)) return new Date(t).toISOString();
			}
			return s;
		}
		if (s.indexOf('@') > 0 && EMAIL_RE.test(s)) return s.toLowerCase();
		return s;
	}
	if (value instanceof Date) return isNaN(value.getTime()) ? null : value.toISOString();
	return value;
}

/** Equal after normalisation (see normalizeValue); objects and lists compared deeply. */
export function sameValue(a: unknown, b: unknown): boolean {
	if (a === b) return true;
	const na = normalizeValue(a);
	const nb = normalizeValue(b);
	if (na === nb) return true;
	if (na === null || nb === null) return false;
	if (typeof na !== 'object' || typeof nb !== 'object') return false;
	return isEqual(na, nb);
}

export interface FieldChange {
	field: string;
	before: unknown;
	after: unknown;
}

/** What would change if `after` were written over `before` (fields absent from `after` are not written). */
export function diffFields(before: Record<string, unknown> | undefined, after: Record<string, unknown>): FieldChange[] {
	const out: FieldChange[] = [];
	for (const field in after) {
		const a = after[field];
		if (a === undefined) continue;
		const b = before ? before[field] : undefined;
		if (!sameValue(b, a)) out.push({ field, before: b === undefined ? null : b, after: a });
	}
	return out;
}

// ------------------------------------------------------------------ transforms

/** Split a full name: last word = last name, the rest = first name; one word → last name only. */
export function splitName(full: unknown): { first: string | null; last: string | null } {
	if (isEmpty(full)) return { first: null, last: null };
	const words = String(full).trim().split(/\s+/);
	const last = words.pop()!;
	return { first: words.length ? words.join(' ') : null, last };
}

export function joinName(first: unknown, last: unknown): string | null {
	const f = isEmpty(first) ? '' : String(first).trim();
	const l = isEmpty(last) ? '' : String(last).trim();
	const s = f && l ? `${f} ${l}` : f || l;
	return s || null;
}

/** Primary value of a CRM email/phone list (strings, or `{ value, primary }` objects). */
export function primaryOfList(list: unknown): unknown {
	if (!Array.isArray(list)) return list;
	if (list.length === 0) return null;
	let first: unknown;
	for (const x of list) {
		const v = x && typeof x === 'object' ? (x as { value?: unknown }).value : x;
		if (first === undefined) first = v;
		if (x && typeof x === 'object' && (x as { primary?: boolean }).primary) return v ?? null;
	}
	return first ?? null;
}

function pad2(n: number): string {
	return n < 10 ? `0${n}` : String(n);
}

function toHhmm(minutes: unknown): string | null | undefined {
	const n = typeof minutes === 'number' ? minutes : Number(minutes);
	if (!Number.isFinite(n) || n < 0) return undefined;
	const m = Math.round(n);
	return `${pad2(Math.floor(m / 60))}:${pad2(m % 60)}`;
}

function fromHhmm(v: unknown): number | null | undefined {
	if (isEmpty(v)) return null;
	const m = /^(\d{1,3}):(\d{2})(?::\d{2})?$/.exec(String(v).trim());
	return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

// ------------------------------------------------------------------ mapping

function labelFor(id: string | undefined, fallback: string): string {
	if (!id) return fallback;
	if (id.startsWith('pr_')) return 'Prospect';
	if (id.startsWith('mt_')) return 'Meeting';
	if (id.startsWith('ms_')) return 'Meeting summary';
	return fallback;
}

function typeError(label: string, id: string | undefined, field: string, crmField: string, value: unknown, expected: string): SyncError {
	const who = id ? `${label} ${id}` : label;
	return new SyncError({
		kind: 'validation',
		message: `${who}: field '${field}' expects ${expected}, got ${describeValue(value)}`,
		fields: field === crmField ? [field] : [field, crmField],
		recordRef: id,
	});
}

const writesToCrm = (m: MappingRule) => !m.readOnly && m.direction !== 'toFieldflow';
const readsFromCrm = (m: MappingRule) => m.direction !== 'toCrm';

/** Is another member of this FieldFlow field's group able to translate `value` towards the CRM? */
function groupTranslatesToCrm(mappings: readonly MappingRule[], self: MappingRule, value: unknown, valueMaps: ValueMaps): boolean {
	for (const m of mappings) {
		if (m === self || m.fieldflow !== self.fieldflow || !writesToCrm(m)) continue;
		if (!m.valueMap) return true;
		const vm = valueMaps[m.valueMap];
		if (vm && vm.toCrm[String(value)] !== undefined) return true;
	}
	return false;
}

/**
 * FieldFlow (canonical) record → CRM fields. Only fields present in `record` are written (so a
 * partial `toCrm` payload maps to a partial CRM update).
 */
export function mapToCrm(record: Record<string, unknown>, mappings: readonly MappingRule[], valueMaps: ValueMaps, options: MapOptions = {}): MapResult {
	const fields: Record<string, unknown> = {};
	const errors: SyncError[] = [];
	const id = options.id ?? (typeof record.id === 'string' ? record.id : undefined);
	const label = options.label ?? labelFor(id, 'Record');
	for (const m of mappings) {
		if (!writesToCrm(m)) continue;
		const raw = readCanonical(record, m.fieldflow);
		if (raw === undefined) continue;
		let value: unknown = raw;
		switch (m.transform) {
			case 'firstName':
				value = splitName(raw).first;
				break;
			case 'lastName':
				value = splitName(raw).last;
				break;
			case 'emailList':
			case 'phoneList': {
				const c = checkType(raw, m.transform === 'emailList' ? 'email' : 'phone');
				if (!c.ok) {
					errors.push(typeError(label, id, m.fieldflow, m.crm, raw, c.expected));
					continue;
				}
				fields[m.crm] = c.value === null ? [] : [{ value: c.value, primary: true, label: 'work' }];
				continue;
			}
			case 'datePart':
			case 'timePart': {
				const c = checkType(raw, 'datetime');
				if (!c.ok) {
					errors.push(typeError(label, id, m.fieldflow, m.crm, raw, c.expected));
					continue;
				}
				fields[m.crm] = c.value === null ? null : m.transform === 'datePart' ? (c.value as string).slice(0, 10) : (c.value as string).slice(11, 16);
				continue;
			}
			case 'durationHhmm': {
				if (isEmpty(raw)) {
					fields[m.crm] = null;
					continue;
				}
				const c = checkType(raw, 'number');
				const hhmm = c.ok ? toHhmm(c.value) : undefined;
				if (!hhmm) {
					errors.push(typeError(label, id, m.fieldflow, m.crm, raw, 'a duration in minutes'));
					continue;
				}
				fields[m.crm] = hhmm;
				continue;
			}
		}
		if (m.valueMap && !isEmpty(value)) {
			const vm = valueMaps[m.valueMap];
			const mapped = vm ? vm.toCrm[String(value).trim()] : undefined;
			if (mapped === undefined) {
				if (vm && groupTranslatesToCrm(mappings, m, String(value).trim(), valueMaps)) continue;
				const allowed = vm ? Object.keys(vm.toCrm) : [];
				errors.push(typeError(label, id, m.fieldflow, m.crm, value, vm ? `one of ${allowed.map((a) => `'${a}'`).join(', ')}` : `a value of the unknown value map '${m.valueMap}'`));
				continue;
			}
			value = mapped;
		}
		const c = checkType(value, m.type, options.picklistOptions?.[m.crm]);
		if (!c.ok) {
			errors.push(typeError(label, id, m.fieldflow, m.crm, value, c.expected));
			continue;
		}
		fields[m.crm] = c.value;
	}
	return { fields, errors };
}

/** What mapToFieldflow gathers over the mappings (each map made only when needed: it runs once per record). */
interface FromCrm {
	fields: Record<string, unknown>;
	/** FieldFlow fields already settled by an earlier member of their group. */
	settled?: Set<string>;
	/** The first error per FieldFlow field, reported unless another member of its group settles the field. */
	pending?: Map<string, SyncError>;
	/** The halves of compound fields, joined once every mapping is read. */
	names?: Map<string, { first?: unknown; last?: unknown; seen: boolean }>;
	dateParts?: Map<string, { date?: unknown; time?: unknown; m: MappingRule }>;
}

/** Keeps one half of a compound field (firstName/lastName, datePart/timePart); false for any other mapping. */
function collectHalf(acc: FromCrm, m: MappingRule, raw: unknown): boolean {
	const f = m.fieldflow;
	switch (m.transform) {
		case 'firstName':
		case 'lastName': {
			acc.names ??= new Map();
			let n = acc.names.get(f);
			if (!n) acc.names.set(f, (n = { seen: true }));
			if (m.transform === 'firstName') n.first = raw;
			else n.last = raw;
			return true;
		}
		case 'datePart':
		case 'timePart': {
			acc.dateParts ??= new Map();
			let d = acc.dateParts.get(f);
			if (!d) acc.dateParts.set(f, (d = { m }));
			if (m.transform === 'datePart') d.date = raw;
			else d.time = raw;
			return true;
		}
	}
	return false;
}

/** A CRM value read for FieldFlow, or the value to report with what was expected instead. */
type FromCrmValue = { ok: true; value: unknown } | { ok: false; value: unknown; expected: string };

/** A CRM value back through its value map; with a lossy map the preferred (baseline) value wins if it maps to this CRM value. */
function fromValueMap(name: string, value: unknown, valueMaps: ValueMaps, preferred: unknown): FromCrmValue {
	const vm = valueMaps[name];
	const key = String(value).trim();
	let mapped = vm ? vm.toFieldflow[key] : undefined;
	if (vm && preferred !== undefined && preferred !== null && vm.toCrm[String(preferred)] === key) mapped = String(preferred);
	if (mapped !== undefined) return { ok: true, value: mapped };
	const allowed = vm ? Object.keys(vm.toFieldflow) : [];
	return { ok: false, value, expected: vm ? `one of ${allowed.map((a) => `'${a}'`).join(', ')}` : `a value of the unknown value map '${name}'` };
}

/** One CRM value (not a compound half) → its FieldFlow value: transform, then value map or type check. */
function readCrmValue(m: MappingRule, raw: unknown, valueMaps: ValueMaps, options: MapOptions): FromCrmValue {
	if (m.transform === 'durationHhmm') {
		const mins = fromHhmm(raw);
		return mins === undefined ? { ok: false, value: raw, expected: "a duration 'HH:MM'" } : { ok: true, value: mins };
	}
	const value = m.transform === 'emailList' || m.transform === 'phoneList' ? primaryOfList(raw) : raw;
	if (m.valueMap && !isEmpty(value)) return fromValueMap(m.valueMap, value, valueMaps, options.prefer?.[m.fieldflow]);
	const c = checkType(value, m.type, options.picklistOptions?.[m.crm]);
	return c.ok ? c : { ok: false, value, expected: c.expected };
}

/** The compound fields from their halves: names joined; date + time (00:00 without one) as a UTC datetime, null without a date. */
function joinHalves(acc: FromCrm, label: string, id: string | undefined, errors: SyncError[]): void {
	if (acc.names) for (const [f, n] of acc.names) acc.fields[f] = joinName(n.first, n.last);
	if (!acc.dateParts) return;
	for (const [f, d] of acc.dateParts) {
		if (isEmpty(d.date)) {
			acc.fields[f] = null;
			continue;
		}
		const time = isEmpty(d.time) ? '00:00' : String(d.time).trim().slice(0, 5);
		const c = checkType(`${String(d.date).trim()}T${time}:00.000Z`, 'datetime');
		if (!c.ok) errors.push(typeError(label, id, d.m.crm, f, d.date, c.expected));
		else acc.fields[f] = c.value;
	}
}

/**
 * CRM fields → FieldFlow (canonical) fields. Only mapped CRM fields present in `crmFields` produce
 * canonical fields.
 */
export function mapToFieldflow(crmFields: Record<string, unknown>, mappings: readonly MappingRule[], valueMaps: ValueMaps, options: MapOptions = {}): MapResult {
	const acc: FromCrm = { fields: {} };
	const errors: SyncError[] = [];
	const rawId = options.id ?? crmFields.Id ?? crmFields.id ?? crmFields.hs_object_id;
	const id = rawId === undefined || rawId === null ? undefined : String(rawId);
	const label = options.label ?? 'CRM record';
	for (const m of mappings) {
		if (!readsFromCrm(m)) continue;
		if (!(m.crm in crmFields)) continue;
		const raw = crmFields[m.crm];
		if (raw === undefined) continue;
		if (collectHalf(acc, m, raw)) continue;
		const f = m.fieldflow;
		// The first member of a group that reads a valid value settles the field; errors wait for the others.
		if (acc.settled?.has(f)) continue;
		const read = readCrmValue(m, raw, valueMaps, options);
		if (!read.ok) {
			if (!acc.pending?.has(f)) (acc.pending ??= new Map()).set(f, typeError(label, id, m.crm, f, read.value, read.expected));
			continue;
		}
		acc.fields[f] = read.value;
		(acc.settled ??= new Set()).add(f);
	}
	joinHalves(acc, label, id, errors);
	if (acc.pending) for (const [f, e] of acc.pending) if (!acc.settled?.has(f)) errors.push(e);
	return { fields: acc.fields, errors };
}

// ------------------------------------------------------------------ mapping sets

/**
 * Custom pairs (from the UI) override or extend the defaults. A custom mapping replaces every
 * default mapping that writes the same CRM field, and every default mapping of the same FieldFlow
 * field (so re-pointing "phone" to MobilePhone drops phone → Phone) unless the custom mapping uses a
 * compound transform (firstName/lastName/datePart/timePart), which only replaces its own CRM field.
 */
export function mergeMappings(defaults: readonly MappingRule[], custom: readonly MappingRule[]): MappingRule[] {
	if (!custom.length) return defaults.slice();
	const crmTaken = new Set<string>();
	const ffTaken = new Set<string>();
	for (const c of custom) {
		crmTaken.add(c.crm.toLowerCase());
		if (!c.transform || c.transform === 'emailList' || c.transform === 'phoneList' || c.transform === 'durationHhmm') ffTaken.add(c.fieldflow);
	}
	const kept = defaults.filter((d) => !crmTaken.has(d.crm.toLowerCase()) && !ffTaken.has(d.fieldflow));
	// Later custom pairs win over earlier ones for the same CRM field.
	const seen = new Set<string>();
	const customDeduped: MappingRule[] = [];
	for (let i = custom.length - 1; i >= 0; i--) {
		const key = custom[i].crm.toLowerCase();
		if (seen.has(key)) continue;
		seen.add(key);
		customDeduped.unshift(custom[i]);
	}
	return [...kept, ...customDeduped];
}

export interface CrmFieldMeta {
	name: string;
	readOnly?: boolean;
	type?: FieldType;
	options?: Array<{ value: string }>;
}

export interface ValidateContext {
	crm: CrmName;
	/** FieldFlow fields a mapping may use (default: prospect + meeting fields; `custom_fields.*` always allowed). */
	fieldflowFields?: readonly string[];
	/** CRM field metadata (listFields), when known: unknown and read-only CRM fields are reported. */
	crmFields?: readonly CrmFieldMeta[];
	valueMaps?: ValueMaps;
}

/** Problems in a mapping set, as validation SyncErrors (empty = valid). */
export function validateMappings(mappings: readonly MappingRule[], ctx: ValidateContext): SyncError[] {
	const errors: SyncError[] = [];
	const known = ctx.fieldflowFields ? new Set(ctx.fieldflowFields) : new Set([...Object.keys(PROSPECT_FIELDS), ...Object.keys(MEETING_FIELDS)]);
	const forbidden = CRM_FORBIDDEN_FIELDS[ctx.crm];
	const meta = ctx.crmFields ? new Map(ctx.crmFields.map((f) => [f.name, f])) : undefined;
	const err = (message: string, fields: string[]) => errors.push(new SyncError({ kind: 'validation', message, fields }));
	const writers = new Map<string, MappingRule>();
	for (const m of mappings) {
		const pair = `'${m.fieldflow}' → '${m.crm}'`;
		if (!m.fieldflow || !m.crm) {
			err(`Mapping ${pair}: both a FieldFlow field and a CRM field are required.`, [m.fieldflow, m.crm]);
			continue;
		}
		const isCustom = m.fieldflow.startsWith(CUSTOM_PREFIX) && m.fieldflow.length > CUSTOM_PREFIX.length;
		if (FIELDFLOW_READ_ONLY.has(m.fieldflow) && m.direction !== 'toCrm') err(`Mapping ${pair}: FieldFlow field '${m.fieldflow}' is read-only; map it with direction 'toCrm' only.`, [m.fieldflow]);
		else if (!isCustom && !known.has(m.fieldflow) && !FIELDFLOW_READ_ONLY.has(m.fieldflow)) err(`Mapping ${pair}: unknown FieldFlow field '${m.fieldflow}' (custom fields are written 'custom_fields.<key>').`, [m.fieldflow]);
		const writes = writesToCrm(m);
		const f = meta?.get(m.crm);
		if (meta && !f) err(`Mapping ${pair}: the CRM object has no field '${m.crm}'.`, [m.crm]);
		if (writes && forbidden.has(m.crm)) err(`Mapping ${pair}: '${m.crm}' is the CRM's id/link or system field and is never written by a mapping; set direction 'toFieldflow' or read-only.`, [m.crm]);
		else if (writes && f?.readOnly) err(`Mapping ${pair}: CRM field '${m.crm}' is read-only; set direction 'toFieldflow' or read-only.`, [m.crm]);
		if (m.valueMap && ctx.valueMaps && !ctx.valueMaps[m.valueMap]) err(`Mapping ${pair}: unknown value map '${m.valueMap}'.`, [m.fieldflow, m.crm]);
		if (writes) {
			const prev = writers.get(m.crm);
			if (prev) err(`Mapping ${pair}: CRM field '${m.crm}' is also written from '${prev.fieldflow}'; one CRM field takes one FieldFlow field.`, [m.crm]);
			else writers.set(m.crm, m);
		}
	}
	return errors;
}

/**
 * Equivalence for the merge (decide's `crmEquivalent`): two canonical values of a field are the same
 * from the CRM's point of view when a lossy value map sends both to the same CRM value
 * (e.g. 'qualified' and 'contacted' are both Salesforce Lead 'Working - Contacted').
 */
export function lossyEquivalence(mappings: readonly MappingRule[], valueMaps: ValueMaps): (field: string, a: unknown, b: unknown) => boolean {
	const byField = new Map<string, ValueMap[]>();
	for (const m of mappings) {
		if (!m.valueMap || !valueMaps[m.valueMap] || !writesToCrm(m)) continue;
		const list = byField.get(m.fieldflow) ?? [];
		list.push(valueMaps[m.valueMap]);
		byField.set(m.fieldflow, list);
	}
	return (field, a, b) => {
		const maps = byField.get(field);
		if (!maps || isEmpty(a) || isEmpty(b)) return false;
		const sa = String(a).trim();
		const sb = String(b).trim();
		let any = false;
		for (const vm of maps) {
			const ca = vm.toCrm[sa];
			const cb = vm.toCrm[sb];
			if (ca === undefined && cb === undefined) continue;
			if (ca !== cb) return false;
			any = true;
		}
		return any;
	};
}
