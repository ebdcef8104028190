/**
 * The protocol between the nodes of a sync workflow: this module alone encodes and decodes what
 * travels on n8n items (the `_sync` envelope and the write outcome). How sync data travels: Each n8n item keeps its payload at
 * the top level (so n8n's table view shows the fields a person cares about) and carries the sync
 * bookkeeping under one key, `_sync`, that no node ever sends to an API:
 *
 *   Mapping node      → items { ...payload, _sync: { kind: 'record', record } }; a record whose values
 *                       fail the type checks carries `invalid` (and the failing fields are left out)
 *   Conflict Resolver → never resolves an invalid record: it goes out on Unchanged as
 *                       { _sync: { kind: 'invalid', ... } }, which Record Results queues as a
 *                       validation error for that record (nothing is written for it)
 *   Conflict Resolver → To CRM / To FieldFlow: { ...payload to write, _sync: { kind: 'write', ... } }
 *                       Conflict: { ...fields in conflict, _sync: { kind: 'conflict', ... } }
 *                       Unchanged: { id..., _sync: { kind: 'unchanged', ... } }
 *   FieldFlow / FieldFlow CRM writes → the input item plus the write outcome (id, success, error),
 *                       `_sync` passed through untouched
 *   Sync Status "Record Results" reads `_sync` + the outcome and stores links, baselines, logs,
 *                       the error queue and conflicts.
 */
import type { CrmName } from '../crm/types';
import type { MappingConfig } from '../mapping/effective';
import { ERROR_HINTS, SyncError, type ErrorKind } from '../errors';
import type { CanonicalFields, FieldConflict, Link, SyncAction, SyncRecord } from './types';

export const SYNC_KEY = '_sync';

/** A record in canonical space, with what its mapping makes of it on the CRM side. */
export interface MappedRecord extends SyncRecord {
	/**
	 * FieldFlow side only: the CRM payload this record maps to, grouped by the canonical field each
	 * CRM field comes from (contact_name → { FirstName, LastName }). The Conflict Resolver sends the
	 * groups of the fields that flow to the CRM.
	 */
	crmPayload?: Record<string, Record<string, unknown>>;
	/**
	 * FieldFlow side, Salesforce Leads with Linked Records: the record as the mapping of a converted
	 * Lead's group maps it (EffectiveMapping.converted): its canonical fields and CRM payload, used
	 * for a pair whose Lead was converted (the Contact, Account and Opportunity it became).
	 */
	converted?: { fields: CanonicalFields; crmPayload: Record<string, Record<string, unknown>> };
	/** CRM side: the CRM object the record is when it is not the lane's (a converted Lead's Contact group: 'Contact'). */
	crmObject?: string;
	/** CRM side: the Lead this Contact group was converted from (crm/group/convert.ts), when the read knows it. */
	convertedFrom?: string;
}

/** Why a mapped record must not be written: its values failed the mapping's type checks. */
export interface RecordProblem {
	kind: 'validation';
	/** Names record, field(s), value and what to do. */
	message: string;
	fields: string[];
}

export interface RecordMeta {
	kind: 'record';
	record: MappedRecord;
	/**
	 * The mapping settings the record was mapped with (FieldFlow Mapping 1.1): the Conflict Resolver
	 * 1.1 builds its rules from them, so mappings are set in one place.
	 */
	mapping?: MappingConfig;
	/** Set when the record failed validation: it is queued as an error, never written. */
	invalid?: RecordProblem;
}

/** A record the sync does not write because its data is invalid (queued as a validation error). */
export interface InvalidMeta {
	kind: 'invalid';
	crm: CrmName;
	object: string;
	/** The side the invalid data comes from. */
	side: 'fieldflow' | 'crm';
	fieldflowId: string | null;
	crmId: string | null;
	problem: RecordProblem;
}

export interface WriteMeta {
	kind: 'write';
	target: 'crm' | 'fieldflow';
	action: SyncAction;
	crm: CrmName;
	object: string;
	fieldflowId: string | null;
	crmId: string | null;
	/** The link's baseline once this write (and its sibling, if any) succeeds. */
	baseline: CanonicalFields;
	fieldflowModifiedAt?: string | null;
	crmModifiedAt?: string | null;
	/** The fingerprint of the CRM version read (see Link.crmVersion). */
	crmVersion?: string | null;
	/** Canonical values being written (for logs and the dashboard). */
	fields: CanonicalFields;
	/** Fields left in conflict (manual strategy) while the others flow. */
	conflicts?: FieldConflict[];
	reason: string;
	/** Set by Retry: how many times this write was tried before. */
	attempts?: number;
	/** Error-queue id when the item comes from Retry. */
	errorId?: number;
	/** A record group: the member records of the pair as read (CRM side) or linked (see crm/group). */
	members?: Record<string, string>;
}

export interface ConflictMeta {
	kind: 'conflict';
	crm: CrmName;
	object: string;
	fieldflowId: string;
	crmId: string;
	conflicts: FieldConflict[];
	baseline: CanonicalFields;
	reason: string;
	/** The pair's link to save (nothing else is written for it). */
	link?: Link;
}

export interface UnchangedMeta {
	kind: 'unchanged';
	crm: CrmName;
	object: string;
	fieldflowId: string | null;
	crmId: string | null;
	action: SyncAction;
	baseline?: CanonicalFields;
	reason: string;
	/** A matched pair with nothing to write: the link to save (first match, a baseline that moved). */
	link?: Link;
	/** Logged even when unchanged items are not (a record group's member deleted in the CRM and unlinked: the reason says which). */
	log?: boolean;
}

/** Preview: what a planned item would do; nothing is written for it (preview.ts). */
export interface PreviewMeta {
	kind: 'preview';
	crm: CrmName;
	object: string;
	planned: WriteMeta | ConflictMeta | UnchangedMeta | InvalidMeta;
}

export type SyncMeta = RecordMeta | WriteMeta | ConflictMeta | UnchangedMeta | InvalidMeta | PreviewMeta;

/** The `_sync` bookkeeping of an item, if any. */
export function readSync(json: Record<string, unknown>): SyncMeta | undefined {
	const meta = json[SYNC_KEY];
	return meta && typeof meta === 'object' && 'kind' in (meta as object) ? (meta as SyncMeta) : undefined;
}

/** The item's payload without the bookkeeping (what an API may receive). */
export function withoutSync<T extends Record<string, unknown>>(json: T): Omit<T, typeof SYNC_KEY> {
	if (!(SYNC_KEY in json)) return json;
	const { [SYNC_KEY]: _ignored, ...rest } = json;
	return rest;
}

// ---------------------------------------------------------------------------------------------
// The write outcome: what a write node (FieldFlow upsert/delete, FieldFlow CRM upsert/delete) adds
// to each input item. Encoded by withOutcome, read by readOutcome; nothing else touches these keys.

/** Keys a write node adds to its input item; never sent to an API again (Retry, chained writes). */
export const WRITE_OUTCOME_KEYS = ['success', 'created', 'deleted', 'error', 'errorKind', 'hint', 'errorFields', 'errorCode', 'inputId', 'modifiedAt', 'members'] as const;

export const ERROR_KINDS: readonly ErrorKind[] = ['auth_expired', 'validation', 'rate_limit', 'not_found', 'transient', 'unknown'];

/** Why a write failed, as the item carries it. */
export interface OutcomeError {
	error: string;
	errorKind: ErrorKind;
	hint: string;
	errorFields?: string[];
	errorCode?: string;
}

export interface WriteOutcome extends Partial<OutcomeError> {
	/** The written record's id (null when the write failed before one existed). */
	id: string | null;
	success: boolean;
	created: boolean;
	deleted?: boolean;
	/** The written record's modification time, as its API answered it. */
	modifiedAt?: string;
	/**
	 * A record group's write: the member records written or linked. Also on a failed write whose
	 * primary record was written before a member failed (then `id` is set too).
	 */
	members?: Record<string, string>;
}

/** The one encoding of an error on an item: its message, kind, hint, fields and vendor code. */
export function outcomeError(error: unknown): OutcomeError {
	if (error instanceof SyncError) {
		const out: OutcomeError = { error: error.message, errorKind: error.kind, hint: error.hint };
		if (error.fields?.length) out.errorFields = error.fields;
		if (error.code) out.errorCode = error.code;
		return out;
	}
	return { error: (error as Error)?.message ?? String(error), errorKind: 'unknown', hint: ERROR_HINTS.unknown };
}

/** A failed write's outcome. */
export function failedOutcome(id: string | null | undefined, error: unknown): WriteOutcome {
	return { id: id ?? null, success: false, created: false, ...outcomeError(error) };
}

/**
 * The input item plus the outcome of its write. Outcome keys of an earlier write are replaced; an
 * input `id` that differs from the written id is kept as `inputId` (so Retry can restore it).
 */
export function withOutcome<T extends Record<string, unknown>>(input: T, outcome: WriteOutcome): Record<string, unknown> {
	const out: Record<string, unknown> = { ...input };
	for (const k of WRITE_OUTCOME_KEYS) delete out[k];
	const inputId = 'inputId' in input ? input.inputId : input.id;
	if (inputId !== undefined && inputId !== null && String(inputId) !== String(outcome.id ?? '')) out.inputId = inputId;
	for (const [k, v] of Object.entries(outcome)) if (v !== undefined || k === 'id') out[k] = v ?? null;
	return out;
}

/** A record group's member ids as an item carries them (`{ organizations: '12' }`), or undefined. */
export function memberIdsOf(v: unknown): Record<string, string> | undefined {
	if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
	const out: Record<string, string> = {};
	for (const [k, id] of Object.entries(v as Record<string, unknown>)) if (id !== undefined && id !== null && id !== '') out[k] = String(id);
	return Object.keys(out).length ? out : undefined;
}

/** The outcome an item carries, or undefined when it passed no write node. */
export function readOutcome(json: Record<string, unknown>): WriteOutcome | undefined {
	if (json.success !== true && json.success !== false && json.error === undefined) return undefined;
	const success = json.success === true;
	const out: WriteOutcome = { id: json.id === undefined || json.id === null || json.id === '' ? null : String(json.id), success, created: json.created === true };
	if (json.deleted === true) out.deleted = true;
	if (typeof json.modifiedAt === 'string' && json.modifiedAt) out.modifiedAt = json.modifiedAt;
	const members = memberIdsOf(json.members);
	if (members) out.members = members;
	if (!success) {
		// An error item of another node (n8n's own error output: `{ error }`) has no kind: unknown.
		const kind = (ERROR_KINDS as readonly unknown[]).includes(json.errorKind) ? (json.errorKind as ErrorKind) : 'unknown';
		out.error = json.error === undefined || json.error === null ? 'The write failed without a message' : String(json.error);
		out.errorKind = kind;
		out.hint = typeof json.hint === 'string' && json.hint ? json.hint : ERROR_HINTS[kind];
		if (Array.isArray(json.errorFields)) out.errorFields = json.errorFields.map(String);
		if (typeof json.errorCode === 'string') out.errorCode = json.errorCode;
	}
	return out;
}

/**
 * The item as it was before a write node merged its outcome into it: outcome keys removed, the
 * original `id` restored from `inputId` (a write sets `id` to the written record's id).
 */
export function beforeWrite<T extends Record<string, unknown>>(json: T, writtenId?: string | null): Record<string, unknown> {
	const out: Record<string, unknown> = { ...json };
	const hadInputId = 'inputId' in json;
	for (const k of WRITE_OUTCOME_KEYS) delete out[k];
	if (hadInputId) out.id = json.inputId;
	else if (out.id === null || out.id === undefined || (writtenId && String(out.id) === String(writtenId))) delete out.id;
	return out;
}
