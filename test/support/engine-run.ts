/**
 * One sync run as the two-way template makes it, in process, for the engine tests that need the
 * whole run (read → plan → writes → commit) without n8n: the CRM side read by the real SDK from a
 * sandbox, the Conflict Resolver's plan (resolve), the CRM writes as the FieldFlow CRM node's
 * upsert does them (writeGroups for a record group, else the adapter's upsert), the FieldFlow
 * writes (an in-memory FieldFlow), and the commit into a real store. The approach of
 * test/unit/crm/groups.deleted.test.ts, shared.
 */
import type { CrmAdapter, CrmRecord, WriteInput, WriteResult } from '../../nodes/shared/crm/types';
import { groupSpec, writeGroups, type GroupSpec } from '../../nodes/shared/crm/group';
import type { EffectiveMapping } from '../../nodes/shared/mapping/effective';
import { mapCrmRecord, mapFieldflowRecord } from '../../nodes/shared/mapping/records';
import type { SyncStore } from '../../nodes/shared/store';
import { commit, planCommit } from '../../nodes/shared/sync/commit';
import { crmLookups } from '../../nodes/shared/sync/lookups';
import { OUTPUT, type Routed } from '../../nodes/shared/sync/plan';
import { readSync, withOutcome, withoutSync, WRITE_OUTCOME_KEYS, type WriteMeta } from '../../nodes/shared/sync/protocol';
import { resolve } from '../../nodes/shared/sync/resolve';
import type { ConflictStrategy, MemberDeletedPolicy, SyncDirection } from '../../nodes/shared/sync/types';

/** FieldFlow, in memory: prospects by id, as the FieldFlow node reads and writes them. */
export class MemoryFieldFlow {
	readonly prospects = new Map<string, Record<string, unknown>>();
	constructor(private clock = Date.parse('2026-12-01T00:00:00Z')) {}
	now(): string {
		this.clock += 1000;
		return new Date(this.clock).toISOString();
	}
	put(p: Record<string, unknown>): Record<string, unknown> {
		const rec: Record<string, unknown> = { ...(this.prospects.get(String(p.id)) ?? {}), ...p, updated_at: this.now() };
		this.prospects.set(String(rec.id), rec);
		return rec;
	}
}

/** A FieldFlow prospect as the engine tests put it in MemoryFieldFlow: `pr_<i>`, Contact<i> Person, qualified, 1000 × i. */
export const prospect = (i: number, company: string | null, extra: Record<string, unknown> = {}) => ({
	id: `pr_${i}`,
	contact_name: `Contact${i} Person`,
	email: `c${i}@example.com`,
	phone: null,
	company_name: company,
	status: 'qualified',
	estimated_value: 1000 * i,
	...extra,
});

export interface EngineRunOptions {
	onMemberDeleted?: MemberDeletedPolicy;
	direction?: SyncDirection;
	strategy?: ConflictStrategy;
}

export interface EngineRunResult {
	routed: Routed[];
	committed: Array<Record<string, unknown>>;
	/** The CRM write results, in the order of the To CRM items. */
	crmResults: WriteResult[];
}

export class EngineRun {
	readonly spec: GroupSpec | undefined;
	constructor(
		readonly a: CrmAdapter,
		readonly eff: EffectiveMapping,
		readonly store: SyncStore,
		readonly ff: MemoryFieldFlow,
	) {
		this.spec = groupSpec(eff.crm, eff.object, eff.members ?? []);
	}

	/**
	 * The prospects `ffIds` changed in FieldFlow and the CRM records `crm` changed in the CRM (as the
	 * change feed hands them over; or CRM ids, read by id as groups without link hints) go through
	 * resolve → writes → commit.
	 */
	async sync(ffIds: string[], crm: CrmRecord[] | string[], options: EngineRunOptions = {}): Promise<EngineRunResult> {
		const { eff } = this;
		const ffIn = ffIds.map((id, item) => ({ record: mapFieldflowRecord(this.ff.prospects.get(id)!, eff).record, input: 0 as const, item }));
		const lookups = crmLookups(this.a, eff);
		const ids = crm.filter((c): c is string => typeof c === 'string');
		const crmRecords = ids.length ? await lookups.getCrmByIds(ids) : (crm as CrmRecord[]);
		const crmIn = crmRecords.map((r, item) => ({ record: mapCrmRecord(r, eff).record, input: 1 as const, item }));
		const { routed } = await resolve(
			ffIn,
			crmIn,
			{ store: this.store, ...lookups, getFieldflowByIds: async (want) => want.flatMap((id) => (this.ff.prospects.has(id) ? [this.ff.prospects.get(id)!] : [])) },
			{ eff, role: 'person', direction: options.direction ?? 'bidirectional', strategy: options.strategy ?? 'newestWins', notFound: 'unlink', matchBy: ['email'], ...(options.onMemberDeleted ? { onMemberDeleted: options.onMemberDeleted } : {}) },
		);
		const committed: Array<Record<string, unknown>> = [];
		// To CRM: the FieldFlow CRM node's upsert (the item's JSON is the record, _sync its write).
		const toCrm = routed.filter((r) => r.output === OUTPUT.toCrm);
		const inputs: WriteInput[] = toCrm.map((r, i) => {
			const meta = readSync(r.json) as WriteMeta;
			const fields = withoutSync(r.json) as Record<string, unknown>;
			for (const k of WRITE_OUTCOME_KEYS) delete fields[k];
			const input: WriteInput = { ref: String(i), id: meta.crmId ?? undefined, fields };
			if (meta.members) input.members = meta.members;
			return input;
		});
		const crmResults = !inputs.length ? [] : this.spec ? await writeGroups(this.a, this.spec, inputs) : await this.a.upsert(eff.object, inputs);
		crmResults.forEach((res, i) => {
			committed.push(
				withOutcome(
					toCrm[i].json,
					res.success
						? { id: res.id ?? null, success: true, created: !!res.created, ...(res.members ? { members: res.members } : {}) }
						: { id: res.id ?? null, success: false, created: false, error: res.error?.message ?? 'failed', errorKind: res.error?.kind ?? 'unknown', ...(res.members ? { members: res.members } : {}) },
				),
			);
		});
		// To FieldFlow: the FieldFlow node's upsert.
		for (const r of routed.filter((x) => x.output === OUTPUT.toFieldflow)) {
			const meta = readSync(r.json) as WriteMeta;
			const body = withoutSync(r.json) as Record<string, unknown>;
			const id = meta.fieldflowId ?? `pr_new_${this.ff.prospects.size + 1}`;
			const rec = this.ff.put({ ...body, id });
			committed.push(withOutcome(r.json, { id, success: true, created: !meta.fieldflowId, modifiedAt: String(rec.updated_at) }));
		}
		for (const r of routed.filter((x) => x.output === OUTPUT.conflict || x.output === OUTPUT.unchanged)) committed.push(r.json);
		await commit(this.store, planCommit(committed).batch);
		return { routed, committed, crmResults };
	}
}
