/**
 * How sync data travels between the nodes of a sync workflow. Each n8n item keeps its payload at
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
import type { CanonicalFields, FieldConflict, SyncAction, SyncRecord } from './types';

export const SYNC_KEY = '_sync';

/** A record in canonical space, with what its mapping makes of it on the CRM side. */
export interface MappedRecord extends SyncRecord {
	/**
	 * FieldFlow side only: the CRM payload this record maps to, grouped by the canonical field each
	 * CRM field comes from (contact_name → { FirstName, LastName }). The Conflict Resolver sends the
	 * groups of the fields that flow to the CRM.
	 */
	crmPayload?: Record<string, Record<string, unknown>>;
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
	/** Canonical values being written (for logs and the dashboard). */
	fields: CanonicalFields;
	/** Fields left in conflict (manual strategy) while the others flow. */
	conflicts?: FieldConflict[];
	reason: string;
	/** Set by Retry: how many times this write was tried before. */
	attempts?: number;
	/** Error-queue id when the item comes from Retry. */
	errorId?: number;
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
}

export type SyncMeta = RecordMeta | WriteMeta | ConflictMeta | UnchangedMeta | InvalidMeta;

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
