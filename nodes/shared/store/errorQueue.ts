/** The error queue: failed records with their payload, taken for Retry, resolved. */
import type { CrmName } from '../crm/types';
import type { Db, Executor, Param, Row } from './db';
import { assertNoSecrets } from './guard';
import type { Links } from './links';
import { IN_CHUNK, SYNC_PAYLOAD_KEY, DEFAULT_RETRY_STALE_MS, chunks, placeholders, toIso, redact, rowToError, errorRecordKey, requireText, StorePart } from './sql';
import type { ErrorInput, ErrorQuery, ErrorState, StoredError, TakeErrorsOptions } from './types';

export class ErrorQueue extends StorePart {
	constructor(
		db: Db,
		now: () => Date,
		private readonly links: Links,
	) {
		super(db, now);
	}


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
						attempts, state, created_at, updated_at, record_name, record_company)
					 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?)
					 ON CONFLICT (crm, object, direction, record_key) WHERE resolved_at IS NULL DO UPDATE SET
						attempts = ff_errors.attempts + 1,
						kind = excluded.kind,
						message = excluded.message,
						payload = excluded.payload,
						fieldflow_id = COALESCE(excluded.fieldflow_id, ff_errors.fieldflow_id),
						crm_id = COALESCE(excluded.crm_id, ff_errors.crm_id),
						record_name = COALESCE(excluded.record_name, ff_errors.record_name),
						record_company = COALESCE(excluded.record_company, ff_errors.record_company),
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
						e.recordName ?? null,
						e.recordCompany ?? null,
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
			const links = await this.links.getLinks(mine[0].crm, mine[0].object, { crmIds: mine.map((e) => e.crmId!) });
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
}
