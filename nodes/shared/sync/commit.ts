/**
 * The commit phase of a sync run: the items that come back from the write nodes (and the Conflict
 * Resolver's Conflict and Unchanged items) become store state — links with their new baseline,
 * per-record status, log entries, the error queue, conflicts, reservations released — in ONE store
 * transaction: all of it lands, or (a failure mid-commit) none of it, and the run can be recorded
 * again.
 *
 *   planCommit(items)         pure: items in the protocol (protocol.ts) → a CommitBatch + per-item results
 *   commit(store, batch)      one transaction; returns the error-queue ids of the queued failures
 *   summarize(results)        the counts Record Results outputs
 *
 * Plain TypeScript, no n8n imports.
 */
import type { CrmName } from '../crm/types';
import { ERROR_HINTS, type ErrorKind } from '../errors';
import type { ConflictInput, ErrorInput, SyncStore } from '../store';
import { beforeWrite, readOutcome, readSync, type InvalidMeta, type UnchangedMeta, type WriteMeta, type WriteOutcome } from './protocol';
import type { Link, LogEntry, RecordStatus } from './types';

export interface ItemResult {
	item: number;
	status: 'synced' | 'error' | 'conflict' | 'unchanged' | 'unlinked' | 'deleted' | 'ignored';
	crm?: CrmName;
	object?: string;
	action?: string;
	fieldflowId?: string | null;
	crmId?: string | null;
	errorKind?: ErrorKind;
	/** What to do about the error (the guide's Error Resolution). */
	hint?: string;
	errorId?: number;
	message?: string;
}

/** The per-prospect sync badge FieldFlow shows (its crm_sync field), last one per prospect and CRM. */
export interface Badge {
	fieldflowId: string;
	crm: CrmName;
	status: RecordStatus;
	crmId?: string | null;
	message?: string | null;
}

type RecordKey = { crm: CrmName; object: string; fieldflowId: string };

/** Everything one commit writes, in the order it is applied. */
export interface CommitBatch {
	/** Links to save (written records, and pairs the resolver matched with nothing to write). */
	links: Link[];
	/** Of those, the records whose older queued errors are settled now. */
	settled: Link[];
	statusUpdates: Array<{ crm: CrmName; object: string; status: RecordStatus; message: string | null; ids: string[] }>;
	/** Create reservations of failed creates. */
	releases: RecordKey[];
	/** Links of deleted or unlinked records. */
	removals: RecordKey[];
	/** Failures to queue; `result` is the item result that gets the queued error's id. */
	errors: Array<{ input: ErrorInput; result: ItemResult }>;
	/** Queued errors settled by a successful retry (or replaced by a re-queue). */
	resolveIds: number[];
	conflicts: ConflictInput[];
	logs: LogEntry[];
}

export interface PlannedCommit {
	batch: CommitBatch;
	results: ItemResult[];
	badges: Badge[];
	retriesSucceeded: number;
}

export interface CommitOptions {
	now?: string;
	/** Log unchanged records too (off by default: a two-way run would log every record it read). */
	logUnchanged?: boolean;
}

/**
 * The record's name and company as people know it (FieldFlow's contact_name and company_name, in
 * canonical space), kept with its log entries, queued error and conflict for the dashboard.
 */
export function recordIdentity(...sources: Array<Record<string, unknown> | null | undefined>): { recordName?: string; recordCompany?: string } {
	const pick = (field: string): string | undefined => {
		for (const f of sources) {
			const v = f?.[field];
			if (typeof v === 'string' && v.trim()) return v.trim().slice(0, 200);
		}
		return undefined;
	};
	const out: { recordName?: string; recordCompany?: string } = {};
	const name = pick('contact_name') ?? pick('name') ?? pick('title');
	const company = pick('company_name');
	if (name) out.recordName = name;
	if (company) out.recordCompany = company;
	return out;
}

/** Items (in the protocol) → what the commit writes. Pure. */
export function planCommit(items: Array<Record<string, unknown>>, options: CommitOptions = {}): PlannedCommit {
	const c = new CommitPlanner(options.now ?? new Date().toISOString(), options.logUnchanged === true);
	items.forEach((json, i) => c.add(json, i));
	return c.done();
}

class CommitPlanner {
	private readonly batch: CommitBatch = { links: [], settled: [], statusUpdates: [], releases: [], removals: [], errors: [], resolveIds: [], conflicts: [], logs: [] };
	private readonly statusGroups = new Map<string, CommitBatch['statusUpdates'][number]>();
	private readonly results: ItemResult[] = [];
	private readonly badges: Badge[] = [];
	private retriesSucceeded = 0;

	constructor(
		private readonly now: string,
		private readonly logUnchanged: boolean,
	) {}

	add(json: Record<string, unknown>, i: number): void {
		const meta = readSync(json);
		if (meta?.kind === 'record' && meta.invalid) {
			// A mapped record that failed the type checks and reached Record Results directly.
			const r = meta.record;
			const fromFf = r.side === 'fieldflow';
			this.invalid({ kind: 'invalid', crm: r.crm, object: r.object, side: r.side, fieldflowId: fromFf ? r.id : null, crmId: fromFf ? null : r.id, problem: meta.invalid }, json, i);
		} else if (!meta || meta.kind === 'record' || meta.kind === 'preview') {
			this.results.push({ item: i, status: 'ignored', message: meta ? `A ${meta.kind === 'record' ? 'mapped record' : 'preview item'}, not a write outcome` : 'No _sync data' });
		} else if (meta.kind === 'invalid') this.invalid(meta, json, i);
		else if (meta.kind === 'conflict') this.conflict(meta, i);
		else if (meta.kind === 'unchanged') this.unchanged(meta, i);
		else this.write(meta, json, i);
	}

	done(): PlannedCommit {
		this.batch.statusUpdates = [...this.statusGroups.values()];
		return { batch: this.batch, results: this.results, badges: this.badges, retriesSucceeded: this.retriesSucceeded };
	}

	private setStatus(crm: CrmName, object: string, fieldflowId: string | null, status: RecordStatus, message: string | null): void {
		if (!fieldflowId) return;
		const key = JSON.stringify([crm, object, status, message]);
		const group = this.statusGroups.get(key) ?? { crm, object, status, message, ids: [] };
		group.ids.push(fieldflowId);
		this.statusGroups.set(key, group);
	}

	/**
	 * The link of a pair the resolver matched with nothing to write (a first match by email or name,
	 * a baseline that moved). Both sides are equal once it is synced: older queued errors of the
	 * record (a create whose answer was lost, linked now by email) are settled, since retrying them
	 * would create a duplicate.
	 */
	private matched(link: Link | undefined): void {
		if (!link) return;
		this.batch.links.push(link);
		if (link.status === 'synced') this.batch.settled.push(link);
	}

	private conflict(meta: Extract<ReturnType<typeof readSync>, { kind: 'conflict' }>, i: number): void {
		const fields = meta.conflicts.map((c) => c.field).join(', ');
		const who = recordIdentity(meta.baseline, meta.link?.baseline, Object.fromEntries(meta.conflicts.map((c) => [c.field, c.fieldflow])));
		if (meta.fieldflowId && meta.crmId) this.batch.conflicts.push({ crm: meta.crm, object: meta.object, fieldflowId: meta.fieldflowId, crmId: meta.crmId, fields: meta.conflicts, ...who });
		this.matched(meta.link);
		this.setStatus(meta.crm, meta.object, meta.fieldflowId, 'conflict', `Conflict in ${fields}`);
		this.batch.logs.push({ time: this.now, crm: meta.crm, direction: 'none', recordType: meta.object, fieldflowId: meta.fieldflowId, crmId: meta.crmId, status: 'conflict', action: 'conflict', message: `Fields in conflict: ${fields}`, ...who });
		this.badges.push({ fieldflowId: meta.fieldflowId, crm: meta.crm, status: 'conflict', crmId: meta.crmId, message: 'Data differs, needs resolution' });
		this.results.push({ item: i, status: 'conflict', crm: meta.crm, object: meta.object, action: 'conflict', fieldflowId: meta.fieldflowId, crmId: meta.crmId });
	}

	private unchanged(meta: UnchangedMeta, i: number): void {
		const base = { item: i, crm: meta.crm, object: meta.object, action: meta.action, fieldflowId: meta.fieldflowId, crmId: meta.crmId };
		const who = recordIdentity(meta.baseline, meta.link?.baseline);
		if (meta.action === 'unlink') {
			if (meta.fieldflowId) this.batch.removals.push({ crm: meta.crm, object: meta.object, fieldflowId: meta.fieldflowId });
			this.batch.logs.push({ time: this.now, crm: meta.crm, direction: 'none', recordType: meta.object, fieldflowId: meta.fieldflowId, crmId: meta.crmId, status: 'skipped', action: 'unlink', message: meta.reason, ...who });
			this.results.push({ ...base, status: 'unlinked' });
			return;
		}
		this.matched(meta.link);
		if (this.logUnchanged || meta.log) {
			this.batch.logs.push({ time: this.now, crm: meta.crm, direction: 'none', recordType: meta.object, fieldflowId: meta.fieldflowId, crmId: meta.crmId, status: 'skipped', action: meta.action, message: meta.reason, ...who });
		}
		this.results.push({ ...base, status: 'unchanged' });
	}

	/** A record not written because its data is invalid: a validation error queued for that record. */
	private invalid(meta: InvalidMeta, json: Record<string, unknown>, i: number): void {
		const direction = meta.side === 'fieldflow' ? 'toCrm' : 'toFieldflow';
		const { fieldflowId, crmId } = meta;
		const message = meta.problem.message;
		const kind: ErrorKind = 'validation';
		const synced = readSync(json);
		const who = recordIdentity(synced?.kind === 'record' ? synced.record.fields : undefined, json);
		if (fieldflowId && crmId) this.setStatus(meta.crm, meta.object, fieldflowId, 'error', message);
		const result: ItemResult = { item: i, status: 'error', crm: meta.crm, object: meta.object, action: 'invalid', fieldflowId, crmId, errorKind: kind, hint: ERROR_HINTS[kind], message };
		this.batch.errors.push({ input: { crm: meta.crm, object: meta.object, direction, fieldflowId, crmId, kind, message, payload: json, ...who }, result });
		this.batch.logs.push({ time: this.now, crm: meta.crm, direction, recordType: meta.object, fieldflowId, crmId, status: 'error', action: 'invalid', message, errorKind: kind, ...who });
		if (fieldflowId) this.badges.push({ fieldflowId, crm: meta.crm, status: 'error', crmId, message: message.slice(0, 500) });
		this.results.push(result);
	}

	private write(meta: WriteMeta, json: Record<string, unknown>, i: number): void {
		const outcome = readOutcome(json);
		const toCrm = meta.target === 'crm';
		const writtenId = outcome?.success ? outcome.id : null;
		const fieldflowId = toCrm ? meta.fieldflowId : (meta.fieldflowId ?? writtenId);
		const crmId = toCrm ? (meta.crmId ?? writtenId) : meta.crmId;
		if (outcome?.success) this.written(meta, outcome, i, fieldflowId, crmId);
		else this.failed(meta, json, outcome, i, fieldflowId, crmId);
	}

	private written(meta: WriteMeta, outcome: WriteOutcome, i: number, fieldflowId: string | null, crmId: string | null): void {
		const toCrm = meta.target === 'crm';
		const isDelete = meta.action === 'deleteInCrm' || meta.action === 'deleteInFieldflow';
		if (isDelete) {
			if (fieldflowId) this.batch.removals.push({ crm: meta.crm, object: meta.object, fieldflowId });
		} else if (fieldflowId && crmId) {
			const status: RecordStatus = meta.conflicts?.length ? 'conflict' : 'synced';
			this.batch.links.push({
				crm: meta.crm,
				object: meta.object,
				fieldflowId,
				crmId,
				baseline: meta.baseline ?? {},
				status,
				fieldflowModifiedAt: (!toCrm && outcome.modifiedAt) || meta.fieldflowModifiedAt || null,
				crmModifiedAt: (toCrm && outcome.modifiedAt) || meta.crmModifiedAt || null,
				// The fingerprint belongs to the version read; a write that answered its own stamp has none.
				crmVersion: toCrm && outcome.modifiedAt ? null : (meta.crmVersion ?? null),
				lastSyncedAt: this.now,
				message: null,
				...((outcome.members ?? meta.members) ? { members: outcome.members ?? meta.members } : {}),
			});
			// Written now: the record's older queued errors are superseded (retrying them could only
			// duplicate or roll back).
			this.batch.settled.push(this.batch.links[this.batch.links.length - 1]);
			this.badges.push({ fieldflowId, crm: meta.crm, status, crmId });
		}
		if (meta.errorId) {
			this.batch.resolveIds.push(meta.errorId);
			this.retriesSucceeded++;
		}
		this.batch.logs.push({ time: this.now, crm: meta.crm, direction: toCrm ? 'toCrm' : 'toFieldflow', recordType: meta.object, fieldflowId, crmId, status: 'success', action: meta.action, message: meta.reason ?? null, ...recordIdentity(meta.fields, meta.baseline) });
		this.results.push({ item: i, crm: meta.crm, object: meta.object, action: meta.action, fieldflowId, crmId, status: isDelete ? 'deleted' : 'synced' });
	}

	/** Failed, or never written (an item that reached Record Results without a write outcome). */
	private failed(meta: WriteMeta, json: Record<string, unknown>, outcome: WriteOutcome | undefined, i: number, fieldflowId: string | null, crmId: string | null): void {
		const toCrm = meta.target === 'crm';
		const direction = toCrm ? 'toCrm' : 'toFieldflow';
		const kind: ErrorKind = outcome?.errorKind ?? 'unknown';
		const message = outcome?.error ?? 'The item carries no write outcome (success/error): was it passed through a write node?';
		if (meta.action === 'createInCrm' && fieldflowId && outcome?.id) {
			// A record group whose primary was created before a member failed: link what exists
			// (no baseline: nothing is synced yet), so the next run or Retry updates it and never
			// creates a second one.
			this.batch.links.push({ crm: meta.crm, object: meta.object, fieldflowId, crmId: outcome.id, baseline: {}, status: 'error', message, lastSyncedAt: null, ...(outcome.members ? { members: outcome.members } : {}) });
		} else if (meta.action === 'createInCrm' && fieldflowId) this.batch.releases.push({ crm: meta.crm, object: meta.object, fieldflowId });
		else this.setStatus(meta.crm, meta.object, fieldflowId, 'error', message);
		const payload = beforeWrite(json, toCrm ? meta.crmId : meta.fieldflowId);
		const who = recordIdentity(meta.fields, meta.baseline);
		const hasKey = !!(fieldflowId || crmId);
		if (meta.errorId && !hasKey) this.batch.resolveIds.push(meta.errorId); // no record key to re-queue onto: replace it
		const result: ItemResult = { item: i, crm: meta.crm, object: meta.object, action: meta.action, fieldflowId, crmId, status: 'error', errorKind: kind, hint: outcome?.hint ?? ERROR_HINTS[kind], message };
		this.batch.errors.push({
			input: { crm: meta.crm, object: meta.object, direction, fieldflowId, crmId, kind, message, payload, attempts: !hasKey && meta.attempts ? meta.attempts + 1 : undefined, ...who },
			result,
		});
		this.batch.logs.push({ time: this.now, crm: meta.crm, direction, recordType: meta.object, fieldflowId, crmId, status: 'error', action: meta.action, message, errorKind: kind, ...who });
		if (fieldflowId) this.badges.push({ fieldflowId, crm: meta.crm, status: 'error', crmId, message: message.slice(0, 500) });
		this.results.push(result);
	}
}

/**
 * Applies a batch in one store transaction. Saves come first, so a failed sibling write's error
 * status wins over its success; the queued errors' ids are set on their item results.
 */
export async function commit(store: SyncStore, batch: CommitBatch): Promise<void> {
	await store.transaction(async (tx) => {
		await tx.saveLinks(batch.links);
		for (const group of groupByObject(batch.settled)) await tx.resolveErrorsForRecords(group[0].crm, group[0].object, group);
		for (const g of batch.statusUpdates) await tx.updateLinkStatus(g.crm, g.object, g.ids, g.status, g.message);
		for (const r of batch.releases) await tx.releaseReservation(r.crm, r.object, r.fieldflowId);
		for (const r of batch.removals) await tx.removeLink(r.crm, r.object, r.fieldflowId);
		const stored = await tx.enqueueErrors(batch.errors.map((e) => e.input));
		stored.forEach((s, k) => (batch.errors[k].result.errorId = s.id));
		await tx.resolveErrors(batch.resolveIds);
		await tx.addConflicts(batch.conflicts);
		await tx.log(batch.logs);
	});
}

/**
 * Of a batch, only what the Conflict Resolver 1.0 wrote itself while resolving: the links of pairs
 * matched with nothing to write and the conflicts (kept for workflows saved with that version, where
 * the Unchanged / Conflict outputs may not reach Record Results).
 */
export function matchedOnly(batch: CommitBatch): CommitBatch {
	return { links: batch.links, settled: batch.settled, statusUpdates: [], releases: [], removals: [], errors: [], resolveIds: [], conflicts: batch.conflicts, logs: [] };
}

/** The last badge per prospect and CRM (an error of a sibling write after its success wins). */
export function lastBadges(badges: Badge[]): Badge[] {
	const last = new Map<string, Badge>();
	for (const b of badges) last.set(`${b.crm}\u0000${b.fieldflowId}`, b);
	return [...last.values()];
}

export interface CommitSummary {
	recordedAt: string;
	items: number;
	synced: number;
	errors: number;
	conflicts: number;
	unchanged: number;
	ignored: number;
	byKind: Record<string, number>;
	retriesSucceeded: number;
}

export function summarize(planned: PlannedCommit, items: number, recordedAt: string): CommitSummary {
	const { results } = planned;
	const byKind: Record<string, number> = {};
	for (const r of results) if (r.errorKind) byKind[r.errorKind] = (byKind[r.errorKind] ?? 0) + 1;
	const count = (...s: ItemResult['status'][]) => results.filter((r) => s.includes(r.status)).length;
	return {
		recordedAt,
		items,
		synced: count('synced', 'deleted'),
		errors: count('error'),
		conflicts: count('conflict'),
		unchanged: count('unchanged', 'unlinked'),
		ignored: count('ignored'),
		byKind,
		retriesSucceeded: planned.retriesSucceeded,
	};
}

function groupByObject(links: Link[]): Link[][] {
	const groups = new Map<string, Link[]>();
	for (const l of links) groups.set(`${l.crm} ${l.object}`, [...(groups.get(`${l.crm} ${l.object}`) ?? []), l]);
	return [...groups.values()];
}
