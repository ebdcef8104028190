/** Conflicts held for a person (Manual strategy): one open conflict per record. */
import type { CrmName } from '../crm/types';
import type { Param } from './db';
import { assertNoSecrets } from './guard';
import { toIso, rowToConflict, requireText, StorePart } from './sql';
import type { ConflictInput, StoredConflict } from './types';

export class Conflicts extends StorePart {

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
					`INSERT INTO ff_conflicts (crm, object, fieldflow_id, crm_id, fields, created_at, updated_at, record_name, record_company)
					 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
					 ON CONFLICT (crm, object, fieldflow_id) WHERE resolved_at IS NULL DO UPDATE SET
						crm_id = excluded.crm_id, fields = excluded.fields, updated_at = excluded.updated_at,
						record_name = COALESCE(excluded.record_name, ff_conflicts.record_name),
						record_company = COALESCE(excluded.record_company, ff_conflicts.record_company)
					 RETURNING *`,
					[
						c.crm,
						c.object,
						c.fieldflowId,
						c.crmId,
						JSON.stringify(c.fields ?? []),
						c.createdAt ? toIso(c.createdAt) : now,
						now,
						c.recordName ?? null,
						c.recordCompany ?? null,
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
}
