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
}
