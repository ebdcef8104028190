/** Connection state (Disconnect / Reconnect) and the dashboard summary. */
import type { CrmName } from '../crm/types';
import type { DashboardSummary } from '../sync/types';
import type { Param } from './db';
import { str, requireText, StorePart } from './sql';

export class Status extends StorePart {

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


	async summary(crm?: CrmName): Promise<DashboardSummary> {
		const byCrm = crm ? ' AND crm = ?' : '';
		const p: Param[] = crm ? [crm] : [];
		const byLinkCrm = crm ? ' AND l.crm = ?' : '';
		const [last, synced, pending, errors, conflicts, disconnected, members] = await Promise.all([
			this.db.all<{ t: unknown }>(`SELECT MAX(log_time) AS t FROM ff_logs WHERE status = 'success'${byCrm}`, p),
			this.db.all<{ object: unknown; n: unknown }>(
				`SELECT object, COUNT(*) AS n FROM ff_links WHERE status = 'synced'${byCrm} GROUP BY object`,
				p,
			),
			this.db.all<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ff_links WHERE status = 'pending'${byCrm}`, p),
			this.db.all<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ff_errors WHERE resolved_at IS NULL${byCrm}`, p),
			this.db.all<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ff_conflicts WHERE resolved_at IS NULL${byCrm}`, p),
			this.db.all<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ff_connections WHERE connected = 0${byCrm}`, p),
			// Record groups: the distinct member records (a shared organization once) the synced links name;
			// not those recorded as unlinked after a deletion (`!deals`, crm/group/detached.ts).
			this.db.all<{ object: unknown; n: unknown }>(
				`SELECT m.member_object AS object, COUNT(DISTINCT m.member_id) AS n FROM ff_link_members m
				 JOIN ff_links l ON l.crm = m.crm AND l.object = m.object AND l.fieldflow_id = m.fieldflow_id
				 WHERE l.status = 'synced' AND m.member_object NOT LIKE '!%'${byLinkCrm} GROUP BY m.crm, m.member_object`,
				p,
			),
		]);
		const syncedByType: Record<string, number> = {};
		for (const r of synced) syncedByType[String(r.object)] = Number(r.n);
		// Member ids are per CRM: counted per CRM, then added up by member object.
		const membersByType: Record<string, number> = {};
		for (const r of members) membersByType[String(r.object)] = (membersByType[String(r.object)] ?? 0) + Number(r.n);
		return {
			crm: crm ?? null,
			connected: Number(disconnected[0]?.n ?? 0) === 0,
			lastSyncAt: str(last[0]?.t),
			syncedByType,
			pending: Number(pending[0]?.n ?? 0),
			errors: Number(errors[0]?.n ?? 0),
			conflicts: Number(conflicts[0]?.n ?? 0),
			...(members.length ? { membersByType } : {}),
		};
	}
}
