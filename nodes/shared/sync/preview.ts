/**
 * Preview (the guide's "Start small: test with a few records first"; a dry run): the run reads
 * and plans as usual, then stops. Every planned item goes out on the output it would take, as a
 * preview item (`_sync.kind = 'preview'`) that says per record and field what would be created,
 * updated, deleted or held as a conflict. The write nodes pass preview items through without a
 * call, Record Results writes nothing to the store and sums them up with a forecast of the API
 * calls the writes would cost per endpoint, and Finish Run moves no cursor.
 *
 * Plain TypeScript, no n8n imports.
 */
import { CRM_LABELS, forecastWrites } from '../crm';
import type { CallForecast, CrmName, WriteInput } from '../crm/types';
import { forecastGroupWrites, groupSpec, membersCarried } from '../crm/group';
import { forecastFieldflowWrites } from '../fieldflow/client';
import type { Routed } from './plan';
import { readSync, SYNC_KEY, type PreviewMeta, type SyncMeta } from './protocol';

/** The key of the record a planned item belongs to (one prospect, or a CRM record not linked yet). */
function recordKey(meta: SyncMeta): string {
	if (meta.kind === 'record' || meta.kind === 'preview') return '';
	return meta.fieldflowId ? `ff:${meta.fieldflowId}` : `crm:${meta.crmId ?? ''}`;
}

/**
 * Planned items → preview items on the same outputs, for the first `limit` records (0 = all). Each
 * shows the record, the action, and per field the value now on the side written (`from`) and the
 * value it would get (`to`).
 */
export function toPreview(routed: Routed[], limit = 0): Routed[] {
	const kept = new Set<string>();
	const out: Routed[] = [];
	for (const r of routed) {
		const planned = readSync(r.json) as Exclude<SyncMeta, { kind: 'record' | 'preview' }>;
		const key = recordKey(planned);
		if (limit > 0 && !kept.has(key) && kept.size >= limit) continue;
		kept.add(key);
		const meta: PreviewMeta = { kind: 'preview', crm: planned.crm, object: planned.object, planned };
		out.push({ output: r.output, paired: r.paired, json: { ...previewJson(planned, r), [SYNC_KEY]: meta } });
	}
	return out;
}

function previewJson(planned: Exclude<SyncMeta, { kind: 'record' | 'preview' }>, r: Routed): Record<string, unknown> {
	const base = { record: r.label ?? null, fieldflowId: planned.fieldflowId, crmId: planned.crmId };
	if (planned.kind === 'write') {
		const changes: Record<string, { from: unknown; to: unknown }> = {};
		for (const [field, to] of Object.entries(planned.fields)) changes[field] = { from: r.current?.[field] ?? null, to };
		const send = planned.target === 'crm' ? withoutSyncKey(r.json) : undefined;
		return { preview: planned.action, ...base, changes, ...(send && Object.keys(send).length ? { send } : {}), reason: planned.reason };
	}
	if (planned.kind === 'conflict') {
		const conflicts = Object.fromEntries(planned.conflicts.map((c) => [c.field, { fieldflow: c.fieldflow, crm: c.crm, lastSynced: c.baseline }]));
		return { preview: 'conflict', ...base, conflicts, reason: planned.reason };
	}
	if (planned.kind === 'invalid') return { preview: 'invalid', ...base, reason: planned.problem.message };
	return { preview: planned.action, ...base, reason: planned.reason };
}

function withoutSyncKey(json: Record<string, unknown>): Record<string, unknown> {
	const { [SYNC_KEY]: _sync, ...rest } = json;
	return rest;
}

export interface PreviewCounts {
	createInCrm: number;
	updateCrm: number;
	deleteInCrm: number;
	createInFieldflow: number;
	updateFieldflow: number;
	deleteInFieldflow: number;
	conflicts: number;
	invalid: number;
	unchanged: number;
	unlink: number;
}

export interface PreviewSummary {
	preview: true;
	crm: CrmName | null;
	object: string | null;
	/** Records shown (planned items of one record count once). */
	records: number;
	counts: PreviewCounts;
	/** API calls the writes would cost, per system and endpoint (nothing retried). */
	forecast: { crm: Record<string, number>; fieldflow: Record<string, number> };
	/** All forecast calls. */
	forecastCalls: number;
	message: string;
}

export interface PreviewSummaryOptions {
	/** Record Results sets FieldFlow's per-prospect sync badges (its Update FieldFlow Badges option). */
	badges?: boolean;
}

/** The CRM calls of the planned writes: per member object for a record group (fields `<member>.<field>`). */
function crmForecast(crm: CrmName, object: string, writes: WriteInput[], counts: PreviewCounts): CallForecast {
	const spec = groupSpec(crm, object, membersCarried(crm, object, writes));
	if (!spec) return forecastWrites(crm, object, { creates: counts.createInCrm, updates: counts.updateCrm, deletes: counts.deleteInCrm });
	const out = forecastGroupWrites(spec, writes, (o, c) => forecastWrites(crm, o, c));
	for (const [k, n] of Object.entries(forecastWrites(crm, object, { deletes: counts.deleteInCrm }))) out[k] = (out[k] ?? 0) + n;
	return out;
}

/** Sums preview items up: what the run would write, and the calls those writes would cost. */
export function previewSummary(items: Array<Record<string, unknown>>, options: PreviewSummaryOptions = {}): PreviewSummary {
	const counts: PreviewCounts = { createInCrm: 0, updateCrm: 0, deleteInCrm: 0, createInFieldflow: 0, updateFieldflow: 0, deleteInFieldflow: 0, conflicts: 0, invalid: 0, unchanged: 0, unlink: 0 };
	const records = new Set<string>();
	// Record Results sets one FieldFlow sync badge per prospect it wrote, held in conflict or queued.
	const badges = new Set<string>();
	let crm: CrmName | null = null;
	let object: string | null = null;
	// The CRM writes as the write node would send them (a record group's forecast counts per member).
	const crmWrites: WriteInput[] = [];
	for (const json of items) {
		const meta = readSync(json);
		if (meta?.kind !== 'preview') continue;
		const p = meta.planned;
		crm ??= p.crm;
		object ??= p.object;
		if (p.kind === 'write' && (p.action === 'createInCrm' || p.action === 'updateCrm')) {
			crmWrites.push({ ref: String(crmWrites.length), id: p.crmId ?? undefined, fields: (json.send as Record<string, unknown> | undefined) ?? {}, ...(p.members ? { members: p.members } : {}) });
		}
		records.add(recordKey(p));
		if (p.kind === 'write') counts[p.action as keyof PreviewCounts]++;
		else if (p.kind === 'conflict') counts.conflicts++;
		else if (p.kind === 'invalid') counts.invalid++;
		else if (p.action === 'unlink') counts.unlink++;
		else counts.unchanged++;
		const badged = (p.kind === 'write' && p.action !== 'deleteInCrm' && p.action !== 'deleteInFieldflow') || p.kind === 'conflict' || p.kind === 'invalid';
		if (badged && (p.fieldflowId || (p.kind === 'write' && p.action === 'createInFieldflow'))) badges.add(recordKey(p));
	}
	const forecast = {
		crm: crm && object ? crmForecast(crm, object, crmWrites, counts) : {},
		fieldflow: forecastFieldflowWrites({ upserts: counts.createInFieldflow + counts.updateFieldflow, deletes: counts.deleteInFieldflow, badges: options.badges ? badges.size : 0 }),
	};
	const forecastCalls = [...Object.values(forecast.crm), ...Object.values(forecast.fieldflow)].reduce((a, b) => a + b, 0);
	const label = crm ? CRM_LABELS[crm] : 'the CRM';
	const message =
		`Preview: nothing was written. A real run would create ${counts.createInCrm}, update ${counts.updateCrm} and delete ${counts.deleteInCrm} in ${label}; ` +
		`create ${counts.createInFieldflow}, update ${counts.updateFieldflow} and delete ${counts.deleteInFieldflow} in FieldFlow; ` +
		`${counts.conflicts} conflicts, ${counts.invalid} invalid, ${counts.unchanged} unchanged; about ${forecastCalls} API calls for the writes.`;
	return { preview: true, crm, object, records: records.size, counts, forecast, forecastCalls, message };
}

/** Whether an item is (or a summary came from) a preview. */
export function isPreview(json: Record<string, unknown>): boolean {
	return json.preview === true || readSync(json)?.kind === 'preview';
}
