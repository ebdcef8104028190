/**
 * Record Results: turn the outcome of sync writes (and the Conflict Resolver's Conflict and
 * Unchanged items) into store state — links with their new baseline, per-record status, log
 * entries, the error queue — in a handful of batched store calls per execution.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import type { CrmName } from '../../shared/crm/types';
import { ERROR_HINTS, type ErrorKind } from '../../shared/errors';
import type { FieldFlowClient } from '../../shared/fieldflow/client';
import type { ConflictInput, ErrorInput, SyncStore } from '../../shared/store';
import { readSync, type InvalidMeta, type WriteMeta } from '../../shared/sync/envelope';
import type { Link, LogEntry, RecordStatus } from '../../shared/sync/types';
import { beforeWrite } from '../../FieldFlow/actions/upsert';

const KINDS: ErrorKind[] = ['auth_expired', 'validation', 'rate_limit', 'not_found', 'transient', 'unknown'];

/** The error kind of a failed write item: its errorKind, else guessed from the message. */
export function errorKindOf(json: IDataObject): ErrorKind {
	const k = String(json.errorKind ?? '');
	if ((KINDS as string[]).includes(k)) return k as ErrorKind;
	const text = String(json.error ?? '').toLowerCase();
	if (/\b401\b|unauthori[sz]ed|invalid_session|expired|invalid token|authenticat/.test(text)) return 'auth_expired';
	if (/\b429\b|rate.?limit|too many requests|request_limit_exceeded/.test(text)) return 'rate_limit';
	if (/\b404\b|not found|not_found|entity_is_deleted|does not exist/.test(text)) return 'not_found';
	if (/\b400\b|\b422\b|validation|invalid|required|malformed/.test(text)) return 'validation';
	if (/\b50[0-4]\b|timeout|timed out|econnreset|unavailable/.test(text)) return 'transient';
	return 'unknown';
}

export interface ItemResult {
	item: number;
	status: 'synced' | 'error' | 'conflict' | 'unchanged' | 'unlinked' | 'deleted' | 'ignored';
	crm?: CrmName;
	object?: string;
	action?: string;
	fieldflowId?: string | null;
	crmId?: string | null;
	errorKind?: ErrorKind;
	/** What to do about the error (the seed's Error Resolution). */
	hint?: string;
	errorId?: number;
	message?: string;
}

interface Badge {
	fieldflowId: string;
	crm: CrmName;
	status: RecordStatus;
	crmId?: string | null;
	message?: string | null;
}

const str = (v: unknown): string | null => (v === undefined || v === null || v === '' ? null : String(v));

export async function recordResults(
	this: IExecuteFunctions,
	store: SyncStore,
	items: INodeExecutionData[],
	client: FieldFlowClient | undefined,
): Promise<INodeExecutionData[]> {
	const options = this.getNodeParameter('recordOptions', 0, {}) as IDataObject;
	const logUnchanged = options.logUnchanged === true;
	const now = new Date().toISOString();

	const links: Link[] = [];
	const statusUpdates = new Map<string, { crm: CrmName; object: string; status: RecordStatus; message: string | null; ids: string[] }>();
	const removals: Array<{ crm: CrmName; object: string; fieldflowId: string }> = [];
	const releases: Array<{ crm: CrmName; object: string; fieldflowId: string }> = [];
	const errors: Array<{ input: ErrorInput; result: ItemResult }> = [];
	const resolveIds: number[] = [];
	let retriesSucceeded = 0;
	const logs: LogEntry[] = [];
	const conflicts: ConflictInput[] = [];
	const results: ItemResult[] = [];
	const badges: Badge[] = [];

	const setStatus = (crm: CrmName, object: string, fieldflowId: string | null, status: RecordStatus, message: string | null) => {
		if (!fieldflowId) return;
		const key = JSON.stringify([crm, object, status, message]);
		const group = statusUpdates.get(key) ?? { crm, object, status, message, ids: [] };
		group.ids.push(fieldflowId);
		statusUpdates.set(key, group);
	};

	items.forEach((item, i) => {
		const json = item.json;
		const meta = readSync(json);
		if (meta?.kind === 'record' && meta.invalid) {
			// A mapped record that failed the type checks and reached Record Results directly.
			const r = meta.record;
			const fromFf = r.side === 'fieldflow';
			recordInvalid({ kind: 'invalid', crm: r.crm, object: r.object, side: r.side, fieldflowId: fromFf ? r.id : null, crmId: fromFf ? null : r.id, problem: meta.invalid }, json, i);
			return;
		}
		if (!meta || meta.kind === 'record') {
			results.push({ item: i, status: 'ignored', message: meta ? 'A mapped record, not a write outcome' : 'No _sync data' });
			return;
		}
		if (meta.kind === 'invalid') {
			recordInvalid(meta, json, i);
			return;
		}
		if (meta.kind === 'conflict') {
			// The resolver normally stored it already; adding again refreshes the one open conflict per record.
			if (meta.fieldflowId && meta.crmId) conflicts.push({ crm: meta.crm, object: meta.object, fieldflowId: meta.fieldflowId, crmId: meta.crmId, fields: meta.conflicts });
			setStatus(meta.crm, meta.object, meta.fieldflowId, 'conflict', `Conflict in ${meta.conflicts.map((c) => c.field).join(', ')}`);
			logs.push({
				time: now,
				crm: meta.crm,
				direction: 'none',
				recordType: meta.object,
				fieldflowId: meta.fieldflowId,
				crmId: meta.crmId,
				status: 'conflict',
				action: 'conflict',
				message: `Fields in conflict: ${meta.conflicts.map((c) => c.field).join(', ')}`,
			});
			badges.push({ fieldflowId: meta.fieldflowId, crm: meta.crm, status: 'conflict', crmId: meta.crmId, message: 'Data differs, needs resolution' });
			results.push({ item: i, status: 'conflict', crm: meta.crm, object: meta.object, action: 'conflict', fieldflowId: meta.fieldflowId, crmId: meta.crmId });
			return;
		}
		if (meta.kind === 'unchanged') {
			if (meta.action === 'unlink') {
				if (meta.fieldflowId) removals.push({ crm: meta.crm, object: meta.object, fieldflowId: meta.fieldflowId });
				logs.push({ time: now, crm: meta.crm, direction: 'none', recordType: meta.object, fieldflowId: meta.fieldflowId, crmId: meta.crmId, status: 'skipped', action: 'unlink', message: meta.reason });
				results.push({ item: i, status: 'unlinked', crm: meta.crm, object: meta.object, action: 'unlink', fieldflowId: meta.fieldflowId, crmId: meta.crmId });
				return;
			}
			if (logUnchanged) {
				logs.push({ time: now, crm: meta.crm, direction: 'none', recordType: meta.object, fieldflowId: meta.fieldflowId, crmId: meta.crmId, status: 'skipped', action: meta.action, message: meta.reason });
			}
			results.push({ item: i, status: 'unchanged', crm: meta.crm, object: meta.object, action: meta.action, fieldflowId: meta.fieldflowId, crmId: meta.crmId });
			return;
		}
		recordWrite(meta, json, i);
	});

	/** A record not written because its data is invalid: a validation error queued for that record. */
	function recordInvalid(meta: InvalidMeta, json: IDataObject, i: number): void {
		const direction = meta.side === 'fieldflow' ? 'toCrm' : 'toFieldflow';
		const { fieldflowId, crmId } = meta;
		const message = meta.problem.message;
		const kind: ErrorKind = 'validation';
		if (fieldflowId && crmId) setStatus(meta.crm, meta.object, fieldflowId, 'error', message);
		const result: ItemResult = { item: i, status: 'error', crm: meta.crm, object: meta.object, action: 'invalid', fieldflowId, crmId, errorKind: kind, hint: ERROR_HINTS[kind], message };
		errors.push({ input: { crm: meta.crm, object: meta.object, direction, fieldflowId, crmId, kind, message, payload: json }, result });
		logs.push({ time: now, crm: meta.crm, direction, recordType: meta.object, fieldflowId, crmId, status: 'error', action: 'invalid', message, errorKind: kind });
		if (fieldflowId) badges.push({ fieldflowId, crm: meta.crm, status: 'error', crmId, message: message.slice(0, 500) });
		results.push(result);
	}

	function recordWrite(meta: WriteMeta, json: IDataObject, i: number): void {
		const toCrm = meta.target === 'crm';
		const direction = toCrm ? 'toCrm' : 'toFieldflow';
		const writtenId = str(json.id);
		const fieldflowId = toCrm ? meta.fieldflowId : meta.fieldflowId ?? (json.success === true ? writtenId : null);
		const crmId = toCrm ? meta.crmId ?? (json.success === true ? writtenId : null) : meta.crmId;
		const base = { item: i, crm: meta.crm, object: meta.object, action: meta.action, fieldflowId, crmId };
		const isDelete = meta.action === 'deleteInCrm' || meta.action === 'deleteInFieldflow';

		if (json.success === true) {
			if (isDelete) {
				if (fieldflowId) removals.push({ crm: meta.crm, object: meta.object, fieldflowId });
			} else if (fieldflowId && crmId) {
				const modifiedAt = str(json.modifiedAt);
				links.push({
					crm: meta.crm,
					object: meta.object,
					fieldflowId,
					crmId,
					baseline: meta.baseline ?? {},
					status: meta.conflicts?.length ? 'conflict' : 'synced',
					fieldflowModifiedAt: (!toCrm && modifiedAt) || meta.fieldflowModifiedAt || null,
					crmModifiedAt: (toCrm && modifiedAt) || meta.crmModifiedAt || null,
					lastSyncedAt: now,
					message: null,
				});
				badges.push({ fieldflowId, crm: meta.crm, status: meta.conflicts?.length ? 'conflict' : 'synced', crmId });
			}
			if (meta.errorId) {
				resolveIds.push(meta.errorId);
				retriesSucceeded++;
			}
			logs.push({ time: now, crm: meta.crm, direction, recordType: meta.object, fieldflowId, crmId, status: 'success', action: meta.action, message: meta.reason ?? null });
			results.push({ ...base, status: isDelete ? 'deleted' : 'synced' });
			return;
		}

		// Failed (or never written: an item that reached Record Results without a write outcome).
		const kind = json.success === false || json.error !== undefined ? errorKindOf(json) : 'unknown';
		const message = str(json.error) ?? 'The item carries no write outcome (success/error): was it passed through a write node?';
		if (meta.action === 'createInCrm' && fieldflowId) releases.push({ crm: meta.crm, object: meta.object, fieldflowId });
		else setStatus(meta.crm, meta.object, fieldflowId, 'error', message);
		const targetId = toCrm ? meta.crmId : meta.fieldflowId;
		const payload = beforeWrite(json, targetId);
		const hasKey = !!(fieldflowId || crmId);
		if (meta.errorId && !hasKey) resolveIds.push(meta.errorId); // no record key to re-queue onto: replace it
		const result: ItemResult = { ...base, status: 'error', errorKind: kind, hint: ERROR_HINTS[kind], message };
		errors.push({
			input: {
				crm: meta.crm,
				object: meta.object,
				direction,
				fieldflowId,
				crmId,
				kind,
				message,
				payload,
				attempts: !hasKey && meta.attempts ? meta.attempts + 1 : undefined,
			},
			result,
		});
		logs.push({ time: now, crm: meta.crm, direction, recordType: meta.object, fieldflowId, crmId, status: 'error', action: meta.action, message, errorKind: kind });
		if (fieldflowId) badges.push({ fieldflowId, crm: meta.crm, status: 'error', crmId, message: message.slice(0, 500) });
		results.push(result);
	}

	// Batched store calls: saves first, so a failed sibling write's error status wins.
	await store.saveLinks(links);
	// A record written now supersedes its older queued errors (e.g. a create whose answer was lost
	// and that this run linked): retrying them could only duplicate or roll back.
	const written = new Map<string, Link[]>();
	for (const l of links) written.set(`${l.crm} ${l.object}`, [...(written.get(`${l.crm} ${l.object}`) ?? []), l]);
	for (const group of written.values()) await store.resolveErrorsForRecords(group[0].crm, group[0].object, group);
	for (const g of statusUpdates.values()) await store.updateLinkStatus(g.crm, g.object, g.ids, g.status, g.message);
	for (const r of releases) await store.releaseReservation(r.crm, r.object, r.fieldflowId);
	for (const r of removals) await store.removeLink(r.crm, r.object, r.fieldflowId);
	const stored = await store.enqueueErrors(errors.map((e) => e.input));
	stored.forEach((s, k) => (errors[k].result.errorId = s.id));
	await store.resolveErrors(resolveIds);
	await store.addConflicts(conflicts);
	await store.log(logs);

	if (client) {
		// Last badge per prospect and CRM wins (an error of a sibling write after its success).
		const last = new Map<string, Badge>();
		for (const b of badges) last.set(`${b.crm}\u0000${b.fieldflowId}`, b);
		for (const b of last.values()) {
			try {
				await client.setCrmSync(b.fieldflowId, b.crm, { status: b.status, crm_record_id: b.crmId ?? null, message: b.message ?? null, synced_at: now });
			} catch {
				// A badge is cosmetic: never fail the bookkeeping for it (e.g. a prospect deleted meanwhile).
			}
		}
	}

	const byKind: Record<string, number> = {};
	for (const r of results) if (r.errorKind) byKind[r.errorKind] = (byKind[r.errorKind] ?? 0) + 1;
	const count = (...s: ItemResult['status'][]) => results.filter((r) => s.includes(r.status)).length;
	const summary: IDataObject = {
		recordedAt: now,
		items: items.length,
		synced: count('synced', 'deleted'),
		errors: count('error'),
		conflicts: count('conflict'),
		unchanged: count('unchanged', 'unlinked'),
		ignored: count('ignored'),
		byKind,
		retriesSucceeded,
	};
	if (options.includeResults === true) summary.results = results as unknown as IDataObject[];
	return [{ json: summary, pairedItem: items.map((_, i) => ({ item: i })) }];
}
