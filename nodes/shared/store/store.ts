/**
 * The sync state store over either backend. All SQL is parameterised and shared by SQLite and
 * PostgreSQL (see db.ts for the placeholder rewrite).
 */
import type { CrmName } from '../crm/types';
import type { ErrorKind } from '../errors';
import { redactSecrets } from '../errors';
import type {
	CanonicalFields,
	DashboardSummary,
	FieldConflict,
	Link,
	LogEntry,
	RecordStatus,
} from '../sync/types';
import type { Db, Executor, Param, Row } from './db';
import { isUniqueViolation } from './db';
import { assertNoSecrets } from './guard';
import type {
	ConflictInput,
	ErrorInput,
	ErrorQuery,
	ErrorState,
	LinkQuery,
	LogPage,
	LogQuery,
	ReserveOptions,
	SetCursorOptions,
	StoredConflict,
	StoredError,
	StoreInfo,
	SyncStore,
	TakeErrorsOptions,
} from './types';

/** The write envelope's key in an error payload (sync/envelope.ts SYNC_KEY). */
const SYNC_PAYLOAD_KEY = '_sync';
/** Rows per multi-row statement (12 columns × 500 = 6,000 parameters: under both engines' caps). */
const ROWS_PER_STATEMENT = 500;
/** Values per IN (...) list. */
const IN_CHUNK = 500;
const DEFAULT_RETRY_STALE_MS = 15 * 60_000;

const ISO_LIKE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

function chunks<T>(items: readonly T[], size: number): T[][] {
	const out: T[][] = [];
	for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
	return out;
}

function placeholders(n: number): string {
	return new Array(n).fill('?').join(', ');
}

function rowsPlaceholders(rows: number, columns: number): string {
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
function normalizeTime(value: string | null | undefined): string | null {
	if (value === null || value === undefined || value === '') return null;
	if (!ISO_LIKE.test(value)) return value;
	const d = new Date(value);
	return Number.isNaN(d.getTime()) ? value : d.toISOString();
}

function parseJson<T>(text: unknown, fallback: T): T {
	if (typeof text !== 'string') return fallback;
	try {
		return JSON.parse(text) as T;
	} catch {
		return fallback;
	}
}

function str(v: unknown): string | null {
	return v === null || v === undefined ? null : String(v);
}

function redact(message: string | null | undefined): string | null {
	return message === null || message === undefined ? null : redactSecrets(message);
}

function rowToLink(r: Row): Link {
	return {
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

function rowToLog(r: Row): LogEntry {
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
	};
}

function rowToError(r: Row): StoredError {
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
	};
}

function rowToConflict(r: Row): StoredConflict {
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
	};
}

function linkKey(crm: string, object: string, fieldflowId: string): string {
	return `${crm}\u0000${object}\u0000${fieldflowId}`;
}

const RESERVATION_PREFIX = 'Create reserved by ';

/** The pending link's message naming the process that reserved the create. */
export function reservationMessage(holder: string): string {
	return `${RESERVATION_PREFIX}${holder}`;
}

/** The holder named in a pending link's message, if any. */
export function reservationHolder(message: string | null | undefined): string | null {
	return message && message.startsWith(RESERVATION_PREFIX) ? message.slice(RESERVATION_PREFIX.length) : null;
}

function errorRecordKey(e: { fieldflowId?: string | null; crmId?: string | null }): string | null {
	if (e.fieldflowId) return `ff:${e.fieldflowId}`;
	if (e.crmId) return `crm:${e.crmId}`;
	return null;
}

function requireText(value: unknown, what: string): string {
	if (typeof value !== 'string' || value === '') throw new Error(`${what} is required`);
	return value;
}

/** The database as seen inside one of its transactions: a nested transaction is part of it. */
function inTransaction(db: Db, tx: Executor): Db {
	return {
		dialect: db.dialect,
		driver: db.driver,
		all: (sql, params) => tx.all(sql, params),
		run: (sql, params) => tx.run(sql, params),
		transaction: (fn) => fn(tx),
		close: async () => undefined,
	};
}

export class SqlSyncStore implements SyncStore {
	readonly info: StoreInfo;

	constructor(
		private readonly db: Db,
		schemaVersion: number,
		private readonly now: () => Date = () => new Date(),
	) {
		this.info = { kind: db.dialect, driver: db.driver, schemaVersion };
	}

	private nowIso(): string {
		return this.now().toISOString();
	}

	/** Runs fn with a store whose every call is part of one transaction: all of it lands, or none. */
	async transaction<T>(fn: (store: SyncStore) => Promise<T>): Promise<T> {
		return this.db.transaction((tx) => fn(new SqlSyncStore(inTransaction(this.db, tx), this.info.schemaVersion, this.now)));
	}

	// -------------------------------------------------------------------------------- links

	async countLinks(crm: CrmName, object: string): Promise<number> {
		const rows = await this.db.all('SELECT COUNT(*) AS n FROM ff_links WHERE crm = ? AND object = ? AND crm_id IS NOT NULL', [crm, object]);
		return Number((rows[0] as { n?: unknown } | undefined)?.n ?? 0);
	}

	async getLinks(crm: CrmName, object: string, query: LinkQuery = {}): Promise<Link[]> {
		const { fieldflowIds, crmIds } = query;
		const base = 'SELECT * FROM ff_links WHERE crm = ? AND object = ?';
		if (!fieldflowIds && !crmIds) {
			const rows = await this.db.all(`${base} ORDER BY fieldflow_id`, [crm, object]);
			return rows.map(rowToLink);
		}
		const found = new Map<string, Link>();
		for (const [column, ids] of [
			['fieldflow_id', fieldflowIds],
			['crm_id', crmIds],
		] as const) {
			if (!ids || ids.length === 0) continue;
			for (const chunk of chunks([...new Set(ids)], IN_CHUNK)) {
				const rows = await this.db.all(`${base} AND ${column} IN (${placeholders(chunk.length)})`, [
					crm,
					object,
					...chunk,
				]);
				for (const row of rows) {
					const link = rowToLink(row);
					found.set(link.fieldflowId, link);
				}
			}
		}
		return [...found.values()];
	}

	async reserveLink(
		crm: CrmName,
		object: string,
		fieldflowId: string,
		options: ReserveOptions = {},
	): Promise<boolean> {
		requireText(fieldflowId, 'fieldflowId');
		const now = this.nowIso();
		const message = options.holder ? reservationMessage(options.holder) : null;
		const inserted = await this.db.run(
			`INSERT INTO ff_links (crm, object, fieldflow_id, crm_id, baseline, status, message, created_at, updated_at)
			 VALUES (?, ?, ?, NULL, '{}', 'pending', ?, ?, ?) ON CONFLICT DO NOTHING`,
			[crm, object, fieldflowId, message, now, now],
		);
		if (inserted === 1) return true;
		if (options.staleAfterMs === undefined && !options.takeOverFrom) return false;
		const cutoff = options.staleAfterMs === undefined ? '' : new Date(this.now().getTime() - options.staleAfterMs).toISOString();
		// One conditional UPDATE: of two runs taking over the same dead reservation, one wins.
		// Without takeOverFrom the message test must match nothing: no reservation message has
		// spaces around it (PostgreSQL rejects NUL bytes in text, so no sentinel like '\u0000').
		const takenOver = await this.db.run(
			`UPDATE ff_links SET updated_at = ?, message = ?
			 WHERE crm = ? AND object = ? AND fieldflow_id = ? AND crm_id IS NULL AND (updated_at < ? OR message = ?)`,
			[now, message, crm, object, fieldflowId, cutoff, options.takeOverFrom ? reservationMessage(options.takeOverFrom) : ' no takeover '],
		);
		return takenOver === 1;
	}

	async releaseReservation(crm: CrmName, object: string, fieldflowId: string): Promise<boolean> {
		const n = await this.db.run(
			'DELETE FROM ff_links WHERE crm = ? AND object = ? AND fieldflow_id = ? AND crm_id IS NULL',
			[crm, object, fieldflowId],
		);
		return n > 0;
	}

	async saveLinks(links: Link[]): Promise<number> {
		if (links.length === 0) return 0;
		const now = this.nowIso();
		// Last one wins inside a batch (one statement may not touch a row twice on PostgreSQL).
		const unique = new Map<string, Link>();
		for (const link of links) {
			requireText(link.crm, 'link.crm');
			requireText(link.object, 'link.object');
			requireText(link.fieldflowId, 'link.fieldflowId');
			assertNoSecrets(link.baseline, `the baseline of ${link.crm} ${link.object} ${link.fieldflowId}`);
			unique.set(linkKey(link.crm, link.object, link.fieldflowId), link);
		}
		const all = [...unique.values()];
		try {
			await this.db.transaction(async (tx) => {
				for (const chunk of chunks(all, ROWS_PER_STATEMENT)) {
					const params: Param[] = [];
					for (const l of chunk) {
						params.push(
							l.crm,
							l.object,
							l.fieldflowId,
							l.crmId ?? null,
							JSON.stringify(l.baseline ?? {}),
							l.status ?? 'synced',
							normalizeTime(l.fieldflowModifiedAt),
							normalizeTime(l.crmModifiedAt),
							normalizeTime(l.lastSyncedAt),
							redact(l.message),
							now,
							now,
						);
					}
					await tx.run(
						`INSERT INTO ff_links (crm, object, fieldflow_id, crm_id, baseline, status,
							fieldflow_modified_at, crm_modified_at, last_synced_at, message, created_at, updated_at)
						 VALUES ${rowsPlaceholders(chunk.length, 12)}
						 ON CONFLICT (crm, object, fieldflow_id) DO UPDATE SET
							crm_id = excluded.crm_id,
							baseline = excluded.baseline,
							status = excluded.status,
							fieldflow_modified_at = COALESCE(excluded.fieldflow_modified_at, ff_links.fieldflow_modified_at),
							crm_modified_at = COALESCE(excluded.crm_modified_at, ff_links.crm_modified_at),
							last_synced_at = COALESCE(excluded.last_synced_at, ff_links.last_synced_at),
							message = excluded.message,
							updated_at = excluded.updated_at`,
						params,
					);
				}
			});
		} catch (error) {
			if (isUniqueViolation(error)) {
				throw new Error(
					'A CRM record can be linked to only one FieldFlow record per object: saveLinks was given a crmId ' +
						`that is already linked to another FieldFlow record (${(error as Error).message})`,
				);
			}
			throw error;
		}
		return all.length;
	}

	async updateLinkStatus(
		crm: CrmName,
		object: string,
		fieldflowIds: string[],
		status: RecordStatus,
		message?: string | null,
	): Promise<number> {
		if (fieldflowIds.length === 0) return 0;
		const now = this.nowIso();
		return this.db.transaction(async (tx) => {
			let n = 0;
			for (const chunk of chunks([...new Set(fieldflowIds)], IN_CHUNK)) {
				n += await tx.run(
					`UPDATE ff_links SET status = ?, message = ?, updated_at = ?
					 WHERE crm = ? AND object = ? AND fieldflow_id IN (${placeholders(chunk.length)})`,
					[status, redact(message), now, crm, object, ...chunk],
				);
			}
			return n;
		});
	}

	async removeLink(crm: CrmName, object: string, fieldflowId: string): Promise<boolean> {
		const n = await this.db.run('DELETE FROM ff_links WHERE crm = ? AND object = ? AND fieldflow_id = ?', [
			crm,
			object,
			fieldflowId,
		]);
		return n > 0;
	}

	// -------------------------------------------------------------------------------- cursors

	async getCursor(crm: CrmName, key: string): Promise<string | null> {
		const rows = await this.db.all<{ value: unknown }>(
			'SELECT value FROM ff_cursors WHERE crm = ? AND cursor_key = ?',
			[crm, key],
		);
		return rows.length ? String(rows[0].value) : null;
	}

	async setCursor(crm: CrmName, key: string, value: string, options: SetCursorOptions = {}): Promise<boolean> {
		requireText(key, 'cursor key');
		let stored = normalizeTime(requireText(value, 'cursor value')) as string;
		if (options.onlyForward) stored = toIso(value, `cursor value for ${crm} ${key}`);
		// The comparison happens inside the upsert, so two workers can't move a cursor backwards.
		return (
			(await this.db.run(
				`INSERT INTO ff_cursors (crm, cursor_key, value, updated_at) VALUES (?, ?, ?, ?)
				 ON CONFLICT (crm, cursor_key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
				 ${options.onlyForward ? 'WHERE ff_cursors.value < excluded.value' : ''}`,
				[crm, key, stored, this.nowIso()],
			)) > 0
		);
	}

	// -------------------------------------------------------------------------------- logs

	async log(entries: LogEntry[]): Promise<number> {
		if (entries.length === 0) return 0;
		const rows = entries.map((e) => {
			requireText(e.crm, 'log crm');
			return [
				toIso(e.time ?? this.now(), 'log time'),
				e.crm,
				e.direction ?? 'none',
				requireText(e.recordType, 'log recordType'),
				e.fieldflowId ?? null,
				e.crmId ?? null,
				requireText(e.status, 'log status'),
				e.action ?? null,
				redact(e.message),
				e.errorKind ?? null,
			] as Param[];
		});
		await this.db.transaction(async (tx) => {
			for (const chunk of chunks(rows, ROWS_PER_STATEMENT)) {
				await tx.run(
					`INSERT INTO ff_logs (log_time, crm, direction, record_type, fieldflow_id, crm_id, status, action, message, error_kind)
					 VALUES ${rowsPlaceholders(chunk.length, 10)}`,
					chunk.flat(),
				);
			}
		});
		return rows.length;
	}

	async queryLogs(query: LogQuery = {}): Promise<LogPage> {
		const where: string[] = [];
		const params: Param[] = [];
		if (query.crm) {
			where.push('crm = ?');
			params.push(query.crm);
		}
		if (query.from !== undefined && query.from !== '') {
			where.push('log_time >= ?');
			params.push(toIso(query.from, 'from'));
		}
		if (query.to !== undefined && query.to !== '') {
			const to =
				typeof query.to === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(query.to) ? `${query.to}T23:59:59.999Z` : query.to;
			where.push('log_time <= ?');
			params.push(toIso(to, 'to'));
		}
		for (const [column, value] of [
			['record_type', query.recordType],
			['status', query.status],
		] as const) {
			if (value === undefined) continue;
			const list = (Array.isArray(value) ? value : [value]) as string[];
			if (list.length === 0) continue;
			where.push(`${column} IN (${placeholders(list.length)})`);
			params.push(...list);
		}
		if (query.fieldflowId) {
			where.push('fieldflow_id = ?');
			params.push(query.fieldflowId);
		}
		const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
		const limit = Math.min(Math.max(Math.floor(query.limit ?? 100), 0), 10_000);
		const offset = Math.max(Math.floor(query.offset ?? 0), 0);
		const [countRows, rows] = await Promise.all([
			this.db.all<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ff_logs ${clause}`, params),
			this.db.all(`SELECT * FROM ff_logs ${clause} ORDER BY log_time DESC, id DESC LIMIT ? OFFSET ?`, [
				...params,
				limit,
				offset,
			]),
		]);
		return { entries: rows.map(rowToLog), total: Number(countRows[0]?.n ?? 0) };
	}

	async pruneLogs(olderThan: string | Date): Promise<number> {
		return this.db.run('DELETE FROM ff_logs WHERE log_time < ?', [toIso(olderThan, 'olderThan')]);
	}

	// -------------------------------------------------------------------------------- error queue

	async enqueueErrors(errors: ErrorInput[]): Promise<StoredError[]> {
		if (errors.length === 0) return [];
		for (const e of errors) {
			requireText(e.crm, 'error crm');
			requireText(e.object, 'error object');
			assertNoSecrets(e.payload, `the error payload of ${e.crm} ${e.object} ${e.fieldflowId ?? e.crmId ?? ''}`);
		}
		const now = this.nowIso();
		const stored = await this.db.transaction(async (tx) => {
			const out: StoredError[] = [];
			for (const e of errors) {
				const createdAt = e.createdAt ? toIso(e.createdAt) : now;
				const updatedAt = e.updatedAt ? toIso(e.updatedAt) : now;
				const rows = await tx.all(
					`INSERT INTO ff_errors (crm, object, direction, fieldflow_id, crm_id, record_key, kind, message, payload,
						attempts, state, created_at, updated_at)
					 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)
					 ON CONFLICT (crm, object, direction, record_key) WHERE resolved_at IS NULL DO UPDATE SET
						attempts = ff_errors.attempts + 1,
						kind = excluded.kind,
						message = excluded.message,
						payload = excluded.payload,
						fieldflow_id = COALESCE(excluded.fieldflow_id, ff_errors.fieldflow_id),
						crm_id = COALESCE(excluded.crm_id, ff_errors.crm_id),
						state = 'open',
						taken_at = NULL,
						updated_at = excluded.updated_at
					 RETURNING *`,
					[
						e.crm,
						e.object,
						e.direction,
						e.fieldflowId ?? null,
						e.crmId ?? null,
						errorRecordKey(e),
						e.kind ?? 'unknown',
						redact(e.message) ?? '',
						JSON.stringify(e.payload ?? {}),
						e.attempts ?? 1,
						createdAt,
						updatedAt,
					],
				);
				out.push(rowToError(rows[0]));
			}
			return out;
		});
		return this.settleCreatesLinkedMeanwhile(stored);
	}

	/**
	 * A failed create in FieldFlow of a CRM record that is linked by now was made by a concurrent run
	 * (two runs, or queue-mode workers, both read the new CRM record; FieldFlow refused the second
	 * prospect with the same email): nothing is missing, so the error is resolved at once instead of
	 * waiting in the queue (where a retry could only fail again or duplicate). Checked after the
	 * insert committed: the other run saves its link before it resolves the record's errors, so
	 * whichever order the two runs' writes land in, one of them sees the other.
	 */
	private async settleCreatesLinkedMeanwhile(stored: StoredError[]): Promise<StoredError[]> {
		const creates = stored.filter(
			(e) => e.state === 'open' && e.direction === 'toFieldflow' && !e.fieldflowId && e.crmId && (e.payload[SYNC_PAYLOAD_KEY] as { action?: unknown } | undefined)?.action === 'createInFieldflow',
		);
		if (creates.length === 0) return stored;
		const settled = new Map<number, string>();
		const groups = new Map<string, StoredError[]>();
		for (const e of creates) groups.set(`${e.crm} ${e.object}`, [...(groups.get(`${e.crm} ${e.object}`) ?? []), e]);
		for (const mine of groups.values()) {
			const links = await this.getLinks(mine[0].crm, mine[0].object, { crmIds: mine.map((e) => e.crmId!) });
			const linkedTo = new Map(links.filter((l) => l.crmId).map((l) => [l.crmId!, l.fieldflowId]));
			for (const e of mine) if (linkedTo.has(e.crmId!)) settled.set(e.id, linkedTo.get(e.crmId!)!);
		}
		if (settled.size === 0) return stored;
		await this.resolveErrors([...settled.keys()]);
		const now = this.nowIso();
		return stored.map((e) => (settled.has(e.id) ? { ...e, state: 'resolved' as ErrorState, resolvedAt: now } : e));
	}

	async listErrors(query: ErrorQuery = {}): Promise<StoredError[]> {
		const where: string[] = [];
		const params: Param[] = [];
		if (!query.includeResolved) where.push('resolved_at IS NULL');
		if (query.crm) {
			where.push('crm = ?');
			params.push(query.crm);
		}
		if (query.kind) {
			where.push('kind = ?');
			params.push(query.kind);
		}
		if (query.object) {
			where.push('object = ?');
			params.push(query.object);
		}
		const rows = await this.db.all(
			`SELECT * FROM ff_errors ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, id`,
			params,
		);
		return rows.map(rowToError);
	}

	async takeErrorsForRetry(ids?: number[], options: TakeErrorsOptions = {}): Promise<StoredError[]> {
		if (ids && ids.length === 0) return [];
		const now = this.nowIso();
		const staleBefore = new Date(
			this.now().getTime() - (options.staleAfterMs ?? DEFAULT_RETRY_STALE_MS),
		).toISOString();
		const conditions = [
			"resolved_at IS NULL AND (state = 'open' OR (state = 'retrying' AND taken_at < ?))",
		];
		const baseParams: Param[] = [staleBefore];
		if (options.crm) {
			conditions.push('crm = ?');
			baseParams.push(options.crm);
		}
		if (options.kind) {
			conditions.push('kind = ?');
			baseParams.push(options.kind);
		}
		const take = async (tx: Executor, idChunk: number[] | null, limit: number | null): Promise<Row[]> => {
			const where = [...conditions];
			const params: Param[] = [now, ...baseParams];
			if (idChunk) {
				where.push(`id IN (${placeholders(idChunk.length)})`);
				params.push(...idChunk);
			}
			if (limit !== null) {
				// The outer WHERE is re-checked on the locked row, so a concurrent taker is never doubled.
				where.push(`id IN (SELECT id FROM ff_errors WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?)`);
				params.push(...params.slice(1), limit);
			}
			return tx.all(
				`UPDATE ff_errors SET state = 'retrying', taken_at = ? WHERE ${where.join(' AND ')} RETURNING *`,
				params,
			);
		};
		const rows = await this.db.transaction(async (tx) => {
			if (!ids) return take(tx, null, options.limit ?? null);
			const out: Row[] = [];
			for (const chunk of chunks([...new Set(ids)], IN_CHUNK)) out.push(...(await take(tx, chunk, null)));
			return out;
		});
		return rows.map(rowToError).sort((a, b) => a.id - b.id);
	}

	async resolveErrors(ids: number[]): Promise<number> {
		if (ids.length === 0) return 0;
		const now = this.nowIso();
		return this.db.transaction(async (tx) => {
			let n = 0;
			for (const chunk of chunks([...new Set(ids)], IN_CHUNK)) {
				n += await tx.run(
					`UPDATE ff_errors SET state = 'resolved', resolved_at = ?, updated_at = ?
					 WHERE resolved_at IS NULL AND id IN (${placeholders(chunk.length)})`,
					[now, now, ...chunk],
				);
			}
			return n;
		});
	}

	async resolveErrorsForRecords(
		crm: CrmName,
		object: string,
		records: Array<{ fieldflowId?: string | null; crmId?: string | null }>,
	): Promise<number> {
		const ffIds = [...new Set(records.map((r) => r.fieldflowId).filter((x): x is string => !!x))];
		const crmIds = [...new Set(records.map((r) => r.crmId).filter((x): x is string => !!x))];
		if (ffIds.length === 0 && crmIds.length === 0) return 0;
		const now = this.nowIso();
		return this.db.transaction(async (tx) => {
			let n = 0;
			for (const [column, ids] of [
				['fieldflow_id', ffIds],
				['crm_id', crmIds],
			] as const) {
				for (const chunk of chunks(ids, IN_CHUNK)) {
					n += await tx.run(
						`UPDATE ff_errors SET state = 'resolved', resolved_at = ?, updated_at = ?
						 WHERE resolved_at IS NULL AND crm = ? AND object = ? AND ${column} IN (${placeholders(chunk.length)})`,
						[now, now, crm, object, ...chunk],
					);
				}
			}
			return n;
		});
	}

	// -------------------------------------------------------------------------------- conflicts

	async addConflicts(conflicts: ConflictInput[]): Promise<StoredConflict[]> {
		if (conflicts.length === 0) return [];
		for (const c of conflicts) {
			requireText(c.fieldflowId, 'conflict fieldflowId');
			requireText(c.crmId, 'conflict crmId');
			assertNoSecrets(c.fields, `the conflict of ${c.crm} ${c.object} ${c.fieldflowId}`);
		}
		const now = this.nowIso();
		return this.db.transaction(async (tx) => {
			const out: StoredConflict[] = [];
			for (const c of conflicts) {
				// One open conflict per record: a later run with the same conflict refreshes it.
				const rows = await tx.all(
					`INSERT INTO ff_conflicts (crm, object, fieldflow_id, crm_id, fields, created_at, updated_at)
					 VALUES (?, ?, ?, ?, ?, ?, ?)
					 ON CONFLICT (crm, object, fieldflow_id) WHERE resolved_at IS NULL DO UPDATE SET
						crm_id = excluded.crm_id, fields = excluded.fields, updated_at = excluded.updated_at
					 RETURNING *`,
					[
						c.crm,
						c.object,
						c.fieldflowId,
						c.crmId,
						JSON.stringify(c.fields ?? []),
						c.createdAt ? toIso(c.createdAt) : now,
						now,
					],
				);
				out.push(rowToConflict(rows[0]));
			}
			return out;
		});
	}

	async listConflicts(query: { crm?: CrmName; includeResolved?: boolean } = {}): Promise<StoredConflict[]> {
		const where: string[] = [];
		const params: Param[] = [];
		if (!query.includeResolved) where.push('resolved_at IS NULL');
		if (query.crm) {
			where.push('crm = ?');
			params.push(query.crm);
		}
		const rows = await this.db.all(
			`SELECT * FROM ff_conflicts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, id`,
			params,
		);
		return rows.map(rowToConflict);
	}

	async resolveConflict(id: number, side: 'fieldflow' | 'crm'): Promise<StoredConflict | null> {
		if (side !== 'fieldflow' && side !== 'crm') throw new Error(`Invalid conflict side: ${String(side)}`);
		const now = this.nowIso();
		const rows = await this.db.all(
			`UPDATE ff_conflicts SET resolved_at = ?, resolution = ?, updated_at = ?
			 WHERE id = ? AND resolved_at IS NULL RETURNING *`,
			[now, side, now, id],
		);
		return rows.length ? rowToConflict(rows[0]) : null;
	}

	// -------------------------------------------------------------------------------- connection

	async setConnected(crm: CrmName, connected: boolean): Promise<void> {
		await this.db.run(
			`INSERT INTO ff_connections (crm, connected, updated_at) VALUES (?, ?, ?)
			 ON CONFLICT (crm) DO UPDATE SET connected = excluded.connected, updated_at = excluded.updated_at`,
			[requireText(crm, 'crm'), connected ? 1 : 0, this.nowIso()],
		);
	}

	async isConnected(crm: CrmName): Promise<boolean> {
		const rows = await this.db.all<{ connected: unknown }>('SELECT connected FROM ff_connections WHERE crm = ?', [
			crm,
		]);
		return rows.length === 0 || Number(rows[0].connected) === 1;
	}

	// -------------------------------------------------------------------------------- dashboard

	async summary(crm?: CrmName): Promise<DashboardSummary> {
		const byCrm = crm ? ' AND crm = ?' : '';
		const p: Param[] = crm ? [crm] : [];
		const [last, synced, pending, errors, conflicts, disconnected] = await Promise.all([
			this.db.all<{ t: unknown }>(`SELECT MAX(log_time) AS t FROM ff_logs WHERE status = 'success'${byCrm}`, p),
			this.db.all<{ object: unknown; n: unknown }>(
				`SELECT object, COUNT(*) AS n FROM ff_links WHERE status = 'synced'${byCrm} GROUP BY object`,
				p,
			),
			this.db.all<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ff_links WHERE status = 'pending'${byCrm}`, p),
			this.db.all<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ff_errors WHERE resolved_at IS NULL${byCrm}`, p),
			this.db.all<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ff_conflicts WHERE resolved_at IS NULL${byCrm}`, p),
			this.db.all<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ff_connections WHERE connected = 0${byCrm}`, p),
		]);
		const syncedByType: Record<string, number> = {};
		for (const r of synced) syncedByType[String(r.object)] = Number(r.n);
		return {
			crm: crm ?? null,
			connected: Number(disconnected[0]?.n ?? 0) === 0,
			lastSyncAt: str(last[0]?.t),
			syncedByType,
			pending: Number(pending[0]?.n ?? 0),
			errors: Number(errors[0]?.n ?? 0),
			conflicts: Number(conflicts[0]?.n ?? 0),
		};
	}

	async close(): Promise<void> {
		await this.db.close();
	}
}
