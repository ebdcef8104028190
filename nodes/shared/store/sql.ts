/**
 * What the store's parts share: statement sizes, placeholders, value normalisation, row mapping,
 * and the base of each part (a Db and a clock).
 */
import type { CrmName } from '../crm/types';
import type { ErrorKind } from '../errors';
import { redactSecrets } from '../errors';
import type {
	CanonicalFields,
	FieldConflict,
	Link,
	LogEntry,
	RecordStatus,
} from '../sync/types';
import type { Db, Row } from './db';
import type {
	ErrorState,
	StoredConflict,
	StoredError,
} from './types';

/** The write envelope's key in an error payload (sync/envelope.ts SYNC_KEY). */
export const SYNC_PAYLOAD_KEY = '_sync';
/** Rows per multi-row statement (12 columns × 500 = 6,000 parameters: under both engines' caps). */
export const ROWS_PER_STATEMENT = 500;
/** Values per IN (...) list. */
export const IN_CHUNK = 500;
export const DEFAULT_RETRY_STALE_MS = 15 * 60_000;

export const ISO_LIKE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

export function chunks<T>(items: readonly T[], size: number): T[][] {
	const out: T[][] = [];
	for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
	return out;
}

export function placeholders(n: number): string {
	return new Array(n).fill('?').join(', ');
}

export function rowsPlaceholders(rows: number, columns: number): string {
	const one = `(${placeholders(columns)})`;
	return new Array(rows).fill(one).join(', ');
}

/** ISO-8601 UTC with milliseconds (fixed width, so text comparison is time comparison). */
export function toIso(value: string | Date, what = 'time'): string {
	const d = value instanceof Date ? value : new Date(value);
	if (Number.isNaN(d.getTime())) throw new Error(`Invalid ${what}: ${String(value)}`);
	return d.toISOString();
}

/** Normalises a value that looks like an ISO time; anything else is kept as is. */
export function normalizeTime(value: string | null | undefined): string | null {
	if (value === null || value === undefined || value === '') return null;
	if (!ISO_LIKE.test(value)) return value;
	const d = new Date(value);
	return Number.isNaN(d.getTime()) ? value : d.toISOString();
}

export function parseJson<T>(text: unknown, fallback: T): T {
	if (typeof text !== 'string') return fallback;
	try {
		return JSON.parse(text) as T;
	} catch {
		return fallback;
	}
}

export function str(v: unknown): string | null {
	return v === null || v === undefined ? null : String(v);
}

export function redact(message: string | null | undefined): string | null {
	return message === null || message === undefined ? null : redactSecrets(message);
}

export function rowToLink(r: Row): Link {
	const version = str(r.crm_version);
	return {
		...(version ? { crmVersion: version } : {}),
		crm: r.crm as CrmName,
		object: String(r.object),
		fieldflowId: String(r.fieldflow_id),
		crmId: str(r.crm_id),
		baseline: parseJson<CanonicalFields>(r.baseline, {}),
		status: r.status as RecordStatus,
		fieldflowModifiedAt: str(r.fieldflow_modified_at),
		crmModifiedAt: str(r.crm_modified_at),
		lastSyncedAt: str(r.last_synced_at),
		message: str(r.message),
	};
}

export function rowToLog(r: Row): LogEntry {
	return {
		id: Number(r.id),
		time: String(r.log_time),
		crm: r.crm as CrmName,
		direction: r.direction as LogEntry['direction'],
		recordType: String(r.record_type),
		fieldflowId: str(r.fieldflow_id),
		crmId: str(r.crm_id),
		status: r.status as LogEntry['status'],
		action: str(r.action) ?? undefined,
		message: str(r.message),
		errorKind: str(r.error_kind) as ErrorKind | null,
		recordName: str(r.record_name) ?? undefined,
		recordCompany: str(r.record_company) ?? undefined,
	};
}

export function rowToError(r: Row): StoredError {
	return {
		id: Number(r.id),
		crm: r.crm as CrmName,
		object: String(r.object),
		direction: r.direction as StoredError['direction'],
		fieldflowId: str(r.fieldflow_id),
		crmId: str(r.crm_id),
		kind: r.kind as ErrorKind,
		message: String(r.message),
		payload: parseJson<Record<string, unknown>>(r.payload, {}),
		attempts: Number(r.attempts),
		createdAt: String(r.created_at),
		updatedAt: String(r.updated_at),
		resolvedAt: str(r.resolved_at),
		state: r.state as ErrorState,
		recordName: str(r.record_name) ?? undefined,
		recordCompany: str(r.record_company) ?? undefined,
	};
}

export function rowToConflict(r: Row): StoredConflict {
	return {
		id: Number(r.id),
		crm: r.crm as CrmName,
		object: String(r.object),
		fieldflowId: String(r.fieldflow_id),
		crmId: String(r.crm_id),
		fields: parseJson<FieldConflict[]>(r.fields, []),
		createdAt: String(r.created_at),
		resolvedAt: str(r.resolved_at),
		resolution: (str(r.resolution) as StoredConflict['resolution']) ?? null,
		recordName: str(r.record_name) ?? undefined,
		recordCompany: str(r.record_company) ?? undefined,
	};
}

export function linkKey(crm: string, object: string, fieldflowId: string): string {
	return `${crm}\u0000${object}\u0000${fieldflowId}`;
}

export const RESERVATION_PREFIX = 'Create reserved by ';

/** The pending link's message naming the process that reserved the create. */
export function reservationMessage(holder: string): string {
	return `${RESERVATION_PREFIX}${holder}`;
}

/** The holder named in a pending link's message, if any. */
export function reservationHolder(message: string | null | undefined): string | null {
	return message && message.startsWith(RESERVATION_PREFIX) ? message.slice(RESERVATION_PREFIX.length) : null;
}

export function errorRecordKey(e: { fieldflowId?: string | null; crmId?: string | null }): string | null {
	if (e.fieldflowId) return `ff:${e.fieldflowId}`;
	if (e.crmId) return `crm:${e.crmId}`;
	return null;
}

export function requireText(value: unknown, what: string): string {
	if (typeof value !== 'string' || value === '') throw new Error(`${what} is required`);
	return value;
}

/** One part of the store (links, cursors, logs, error queue, conflicts, status): a Db and a clock. */
export abstract class StorePart {
	constructor(
		protected readonly db: Db,
		protected readonly now: () => Date,
	) {}

	protected nowIso(): string {
		return this.now().toISOString();
	}
}
