/**
 * The engine path alone, in this process, no n8n and no HTTP: FieldFlow records → Mapping
 * (mapFieldflowRecord / mapCrmRecord, what the Mapping node runs per item) → Conflict Resolver
 * (`resolve`: links from the store, matching, three-way decision, create reservations, routing) →
 * a SQLite store in a temp dir. CRM look-ups answer instantly (nothing found), so what is timed is
 * CPU: mapping + resolution + store.
 *
 * Two cases per 100,000 records:
 *  - bulk: 100,000 new FieldFlow prospects, empty CRM (every one becomes a create: duplicate check
 *    criteria, one store reservation each, a To CRM item);
 *  - steady: 100,000 FieldFlow and 100,000 CRM records, all linked with baselines, all unchanged
 *    (the settle run after a bulk sync: every record re-read, matched by link, Unchanged).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildMapping } from '../../nodes/shared/mapping/effective';
import { mapCrmRecord, mapFieldflowRecord } from '../../nodes/shared/mapping/records';
import type { InputRecord } from '../../nodes/shared/sync/plan';
import { resolve } from '../../nodes/shared/sync/resolve';
import { openStore } from '../../nodes/shared/store';
import type { Link } from '../../nodes/shared/sync/types';
import { mapToCrm } from '../../nodes/shared/mapping/engine';
import { CRM_OBJECT, type BenchCrm } from './workflow';

export interface EngineResult {
	crm: BenchCrm;
	case: 'bulk' | 'steady';
	records: number;
	cpuMs: number;
	wallMs: number;
	mapMs: number;
	resolveMs: number;
	routed: Record<string, number>;
}

export function prospect(i: number, at = '2026-01-01T00:00:00.000Z'): Record<string, unknown> {
	return {
		id: `pr_${String(i).padStart(6, '0')}`,
		created_at: at,
		updated_at: at,
		company_name: `Company ${i}`,
		contact_name: `Pat Person${i}`,
		email: `pat${i}@company${i}.example`,
		phone: `+1 555 ${String(i).padStart(7, '0')}`,
		status: 'new',
		notes: null,
		estimated_value: null,
		owner_email: null,
		custom_fields: {},
	};
}

const cpu = () => {
	const u = process.cpuUsage();
	return (u.user + u.system) / 1000;
};

export async function engineBench(crm: BenchCrm, n: number, kind: 'bulk' | 'steady'): Promise<EngineResult> {
	const object = CRM_OBJECT[crm];
	const eff = buildMapping({ crm, object, useDefaults: true, custom: [], statusOverrides: [] });
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-bench-engine-'));
	const store = await openStore({ kind: 'sqlite', path: path.join(dir, 'store.sqlite') });
	try {
		const raws = Array.from({ length: n }, (_, i) => prospect(i + 1));
		// CRM side for the steady case: each prospect as the CRM holds it, linked, with the baseline.
		let crmRaw: Array<{ id: string; object: string; fields: Record<string, unknown>; modifiedAt: string }> = [];
		if (kind === 'steady') {
			crmRaw = raws.map((r, i) => ({ id: `CRM${i + 1}`, object, fields: mapToCrm(r, eff.mappings, eff.valueMaps, { id: String(r.id) }).fields, modifiedAt: '2026-01-01T00:00:00.000Z' }));
			const links: Link[] = raws.map((r, i) => {
				const baseline = mapCrmRecord(crmRaw[i], eff).record.fields;
				return { crm, object, fieldflowId: String(r.id), crmId: crmRaw[i].id, baseline, status: 'synced', fieldflowModifiedAt: String(r.updated_at), crmModifiedAt: crmRaw[i].modifiedAt, lastSyncedAt: '2026-01-01T00:00:00.000Z', message: null };
			});
			for (let k = 0; k < links.length; k += 5000) await store.saveLinks(links.slice(k, k + 5000));
		}
		const c0 = cpu();
		const t0 = Date.now();
		const ffIn: InputRecord[] = raws.map((r, i) => ({ record: mapFieldflowRecord(r, eff).record, input: 0, item: i }));
		const crmIn: InputRecord[] = crmRaw.map((r, i) => ({ record: mapCrmRecord(r, eff).record, input: 1, item: i }));
		const t1 = Date.now();
		const result = await resolve(
			ffIn,
			crmIn,
			{ store, getCrmByIds: async () => [], findDuplicates: async (criteria) => criteria.map((c) => ({ ref: c.ref, matches: [] })), getFieldflowByIds: async () => [] },
			{ eff, role: 'person', direction: 'bidirectional', strategy: 'newestWins', notFound: 'unlink', matchBy: ['externalId', 'email', 'name'] },
		);
		const t2 = Date.now();
		const cpuMs = cpu() - c0;
		const routed: Record<string, number> = {};
		for (const r of result.routed) routed[['toCrm', 'toFieldflow', 'conflict', 'unchanged'][r.output]] = (routed[['toCrm', 'toFieldflow', 'conflict', 'unchanged'][r.output]] ?? 0) + 1;
		return { crm, case: kind, records: n, cpuMs: Math.round(cpuMs), wallMs: t2 - t0, mapMs: t1 - t0, resolveMs: t2 - t1, routed };
	} finally {
		await store.close();
		fs.rmSync(dir, { recursive: true, force: true });
	}
}
