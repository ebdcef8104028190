/** Links: FieldFlow id to CRM id per object, with the last synced baseline; create reservations. */
import type { CrmName } from '../crm/types';
import type { Link, RecordStatus } from '../sync/types';
import type { Executor, Param } from './db';
import { isUniqueViolation } from './db';
import { assertNoSecrets } from './guard';
import { ROWS_PER_STATEMENT, IN_CHUNK, chunks, placeholders, rowsPlaceholders, normalizeTime, redact, rowToLink, linkKey, reservationMessage, requireText, StorePart } from './sql';
import type { LinkQuery, ReserveOptions } from './types';

export class Links extends StorePart {

	async countLinks(crm: CrmName, object: string): Promise<number> {
		const rows = await this.db.all('SELECT COUNT(*) AS n FROM ff_links WHERE crm = ? AND object = ? AND crm_id IS NOT NULL', [crm, object]);
		return Number((rows[0] as { n?: unknown } | undefined)?.n ?? 0);
	}

	async getLinks(crm: CrmName, object: string, query: LinkQuery = {}): Promise<Link[]> {
		const { fieldflowIds, crmIds } = query;
		const base = 'SELECT * FROM ff_links WHERE crm = ? AND object = ?';
		if (!fieldflowIds && !crmIds) {
			const rows = await this.db.all(`${base} ORDER BY fieldflow_id`, [crm, object]);
			return this.withMembers(crm, object, rows.map(rowToLink), true);
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
		return this.withMembers(crm, object, [...found.values()]);
	}

	/** Links of `object` whose group names one of these member records (e.g. the prospects of a deal). */
	async getLinksByMember(crm: CrmName, object: string, memberObject: string, memberIds: string[]): Promise<Link[]> {
		const ffIds = new Set<string>();
		for (const chunk of chunks([...new Set(memberIds)], IN_CHUNK)) {
			const rows = await this.db.all(
				`SELECT fieldflow_id FROM ff_link_members WHERE crm = ? AND object = ? AND member_object = ? AND member_id IN (${placeholders(chunk.length)})`,
				[crm, object, memberObject, ...chunk],
			);
			for (const r of rows) ffIds.add(String((r as { fieldflow_id: unknown }).fieldflow_id));
		}
		return ffIds.size ? this.getLinks(crm, object, { fieldflowIds: [...ffIds] }) : [];
	}

	/** Attach each link's member records (links without any keep `members` undefined). */
	private async withMembers(crm: CrmName, object: string, links: Link[], everyLink = false): Promise<Link[]> {
		if (!links.length) return links;
		const byId = new Map(links.map((l) => [l.fieldflowId, l]));
		const attach = (rows: Array<Record<string, unknown>>) => {
			for (const r of rows) {
				const l = byId.get(String(r.fieldflow_id));
				if (l) (l.members ??= {})[String(r.member_object)] = String(r.member_id);
			}
		};
		if (everyLink) attach(await this.db.all('SELECT * FROM ff_link_members WHERE crm = ? AND object = ?', [crm, object]));
		else {
			for (const chunk of chunks([...byId.keys()], IN_CHUNK)) {
				attach(await this.db.all(`SELECT * FROM ff_link_members WHERE crm = ? AND object = ? AND fieldflow_id IN (${placeholders(chunk.length)})`, [crm, object, ...chunk]));
			}
		}
		return links;
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
							l.crmVersion ?? null,
							normalizeTime(l.lastSyncedAt),
							redact(l.message),
							now,
							now,
						);
					}
					await tx.run(
						`INSERT INTO ff_links (crm, object, fieldflow_id, crm_id, baseline, status,
							fieldflow_modified_at, crm_modified_at, crm_version, last_synced_at, message, created_at, updated_at)
						 VALUES ${rowsPlaceholders(chunk.length, 13)}
						 ON CONFLICT (crm, object, fieldflow_id) DO UPDATE SET
							crm_id = excluded.crm_id,
							baseline = excluded.baseline,
							status = excluded.status,
							fieldflow_modified_at = COALESCE(excluded.fieldflow_modified_at, ff_links.fieldflow_modified_at),
							crm_modified_at = COALESCE(excluded.crm_modified_at, ff_links.crm_modified_at),
							crm_version = CASE WHEN excluded.crm_modified_at IS NULL THEN ff_links.crm_version ELSE excluded.crm_version END,
							last_synced_at = COALESCE(excluded.last_synced_at, ff_links.last_synced_at),
							message = excluded.message,
							updated_at = excluded.updated_at`,
						params,
					);
				}
				await saveMembers(tx, all.filter((l) => l.members !== undefined));
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
		await this.db.run('DELETE FROM ff_link_members WHERE crm = ? AND object = ? AND fieldflow_id = ?', [crm, object, fieldflowId]);
		const n = await this.db.run('DELETE FROM ff_links WHERE crm = ? AND object = ? AND fieldflow_id = ?', [
			crm,
			object,
			fieldflowId,
		]);
		return n > 0;
	}
}

/** Replace the member rows of these links with their `members` (in the caller's transaction). */
async function saveMembers(tx: Executor, links: Link[]): Promise<void> {
	const byObject = new Map<string, Link[]>();
	for (const l of links) {
		const k = linkKey(l.crm, l.object, '');
		(byObject.get(k) ?? byObject.set(k, []).get(k)!).push(l);
	}
	for (const group of byObject.values()) {
		const { crm, object } = group[0];
		for (const chunk of chunks(group, IN_CHUNK)) {
			await tx.run(`DELETE FROM ff_link_members WHERE crm = ? AND object = ? AND fieldflow_id IN (${placeholders(chunk.length)})`, [crm, object, ...chunk.map((l) => l.fieldflowId)]);
		}
		const rows = group.flatMap((l) => Object.entries(l.members ?? {}).filter(([, id]) => !!id).map(([memberObject, id]) => [l.crm, l.object, l.fieldflowId, memberObject, String(id)] as Param[]));
		for (const chunk of chunks(rows, ROWS_PER_STATEMENT)) {
			await tx.run(`INSERT INTO ff_link_members (crm, object, fieldflow_id, member_object, member_id) VALUES ${rowsPlaceholders(chunk.length, 5)}`, chunk.flat());
		}
	}
}
