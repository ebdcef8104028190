/** The sync log: entries, filtered pages, pruning. */
import type { LogEntry } from '../sync/types';
import type { Param } from './db';
import { ROWS_PER_STATEMENT, chunks, placeholders, rowsPlaceholders, toIso, redact, rowToLog, requireText, StorePart } from './sql';
import type { LogPage, LogQuery } from './types';

export class Logs extends StorePart {

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
				e.recordName ?? null,
				e.recordCompany ?? null,
			] as Param[];
		});
		await this.db.transaction(async (tx) => {
			for (const chunk of chunks(rows, ROWS_PER_STATEMENT)) {
				await tx.run(
					`INSERT INTO ff_logs (log_time, crm, direction, record_type, fieldflow_id, crm_id, status, action, message, error_kind, record_name, record_company)
					 VALUES ${rowsPlaceholders(chunk.length, 12)}`,
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
}
