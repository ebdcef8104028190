import { randomUUID } from 'node:crypto';
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import type { CrmName } from '../../shared/crm/types';
import { ERROR_HINTS, type ErrorKind } from '../../shared/errors';
import { DEFAULT_VALUE_MAPS, defaultMappings } from '../../shared/mapping/defaults';
import { fieldflowPayload, mapToCrm } from '../../shared/mapping/engine';
import type { LogEntry } from '../../shared/sync/types';
import type { StoredConflict, StoredError, SyncStore } from '../../shared/store';
import { SYNC_KEY, readSync, type WriteMeta } from '../../shared/sync/protocol';
import { LOG_STATUSES, renderDashboard, type LogStatus } from '../../shared/dashboard/render';

const CRM_LABELS: Record<string, string> = { salesforce: 'Salesforce', hubspot: 'HubSpot', pipedrive: 'Pipedrive' };

export const STATUS_LABELS = { synced: '✅ Synced', pending: '🔄 Pending', conflict: '⚠️ Conflict', error: '❌ Error' } as const;

const EPOCH = '1970-01-01T00:00:00.000Z';

function toIso(this: IExecuteFunctions, value: unknown, what: string): string {
	const t = value instanceof Date ? value.getTime() : Date.parse(String(value ?? ''));
	if (!Number.isFinite(t)) {
		throw new NodeOperationError(this.getNode(), `${what} "${String(value)}" is not a date and time`, { description: 'Use an ISO 8601 time such as 2026-11-24T09:00:00Z' });
	}
	return new Date(t).toISOString();
}

function objectParam(this: IExecuteFunctions): string {
	const object = String(this.getNodeParameter('object', 0, '') ?? '').trim();
	if (!object) throw new NodeOperationError(this.getNode(), 'Record Type is empty', { description: 'Set the CRM object this run covers, e.g. Lead, contacts or persons' });
	return object;
}

export const cursorKeys = (object: string) => ({ fieldflow: `fieldflow:${object}`, crm: `crm:${object}` });

// ------------------------------------------------------------------ runs

export async function startRun(this: IExecuteFunctions, store: SyncStore, crm: CrmName): Promise<INodeExecutionData[]> {
	if (!(await store.isConnected(crm))) return [];
	const object = objectParam.call(this);
	const overlapMs = Math.max(0, Number(this.getNodeParameter('overlapMinutes', 0, 2)) || 0) * 60_000;
	const initialRaw = String(this.getNodeParameter('initialSince', 0, '') ?? '').trim();
	const initial = initialRaw ? toIso.call(this, initialRaw, 'Initial Since') : EPOCH;
	const keys = cursorKeys(object);
	// Full sync ("Sync All Prospects"): read everything from Initial Since, whatever the cursors say.
	const full = this.getNodeParameter('fullSync', 0, false) as boolean;
	const since = (cursor: string | null) => (cursor && !full ? new Date(Math.max(0, Date.parse(cursor) - overlapMs)).toISOString() : initial);
	const pageSize = Number(this.getNodeParameter('pageSize', 0, 0)) || 0;
	if (!Number.isInteger(pageSize) || pageSize < 0) {
		throw new NodeOperationError(this.getNode(), `Page Size "${String(pageSize)}" is not a whole number`, { description: 'Use 0 for one pass, or the FieldFlow records per page (e.g. 2000)' });
	}
	const [ffCursor, crmCursor] = [await store.getCursor(crm, keys.fieldflow), await store.getCursor(crm, keys.crm)];
	return [
		{
			json: {
				crm,
				object,
				runId: randomUUID(),
				startedAt: new Date().toISOString(),
				fieldflowSince: since(ffCursor),
				crmSince: since(crmCursor),
				firstRun: !ffCursor && !crmCursor,
				fullSync: full,
				...(pageSize ? { pageSize, page: 1, phase: 'fieldflow', fieldflowAfter: '', done: false } : {}),
			},
			pairedItem: { item: 0 },
		},
	];
}

export async function finishRun(this: IExecuteFunctions, store: SyncStore, crm: CrmName, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	const object = objectParam.call(this);
	const startedAt = toIso.call(this, this.getNodeParameter('runStartedAt', 0, ''), 'Run Started At');
	const runId = String(this.getNodeParameter('runId', 0, '') ?? '').trim() || null;
	const keys = cursorKeys(object);
	const ffMoved = await store.setCursor(crm, keys.fieldflow, startedAt, { onlyForward: true });
	const crmMoved = await store.setCursor(crm, keys.crm, startedAt, { onlyForward: true });
	// Totals of the Record Results summaries that reached this node, for the run's log entry.
	const totals = { synced: 0, errors: 0, conflicts: 0, unchanged: 0 };
	for (const it of items) for (const k of Object.keys(totals) as Array<keyof typeof totals>) totals[k] += Number(it.json[k] ?? 0) || 0;
	const finishedAt = new Date().toISOString();
	const message = `Run ${runId ?? ''} finished: ${totals.synced} synced, ${totals.errors} errors, ${totals.conflicts} conflicts, ${totals.unchanged} unchanged`.replace('Run  ', 'Run ');
	await store.log([{ time: finishedAt, crm, direction: 'none', recordType: object, status: 'success', action: 'runFinished', message }]);
	return [
		{
			json: { crm, object, runId, startedAt, finishedAt, cursor: startedAt, fieldflowCursorAdvanced: ffMoved, crmCursorAdvanced: crmMoved, ...totals },
			pairedItem: items.map((_, i) => ({ item: i })),
		},
	];
}

/** The run totals a page adds to (Record Results summary keys). */
const TOTAL_KEYS = ['synced', 'errors', 'conflicts', 'unchanged'] as const;

function objectValue(this: IExecuteFunctions, name: string, what: string): IDataObject {
	const raw = this.getNodeParameter(name, 0, {}) as unknown;
	let value = raw;
	if (typeof raw === 'string') {
		try {
			value = raw.trim() ? JSON.parse(raw) : {};
		} catch {
			value = undefined;
		}
	}
	if (!value || typeof value !== 'object' || Array.isArray(value)) {
		throw new NodeOperationError(this.getNode(), `${what} is not an object`, { description: `Point ${what} at an item's JSON, e.g. {{ $('Page').first().json }}` });
	}
	return value as IDataObject;
}

/**
 * Next Page: the end of one page of a paged run (Sync All Prospects reads FieldFlow one page per
 * sub-execution, so n8n holds one page at a time). Takes the page it was given and the last
 * FieldFlow record the page read; returns the next page to run (Continue After that record), then
 * the CRM side's page (phase 'crm'), then done, with the run's totals so far. Logs each page, so a
 * long run shows its progress.
 */
export async function nextPage(this: IExecuteFunctions, store: SyncStore, crm: CrmName, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	const page = objectValue.call(this, 'page', 'Page');
	const last = objectValue.call(this, 'lastRecord', 'Last Record Read');
	const read = Math.max(0, Number(this.getNodeParameter('recordsRead', 0, 0)) || 0);
	const pageSize = Number(page.pageSize ?? 0);
	if (!page.runId || !page.startedAt || !Number.isInteger(pageSize) || pageSize < 1) {
		throw new NodeOperationError(this.getNode(), 'Page is not a page of a paged run', {
			description: 'It needs the runId, startedAt and pageSize that Start Run (with Page Size set) gives; point Page at the Execute Workflow Trigger item of the page',
		});
	}
	const hasLast = last.id !== undefined && last.id !== null && last.id !== '' && !!last.updated_at;
	// FieldFlow pages first; then one page for the CRM side (when the workflow reads it), so every
	// prospect has been matched to an existing CRM record by email before CRM-only records are
	// created in FieldFlow.
	const fieldflowDone = page.phase === 'crm' || !hasLast || read < pageSize;
	const readsCrm = this.getNodeParameter('readsCrm', 0, true) as boolean;
	const phase = page.phase === 'crm' || !fieldflowDone ? String(page.phase ?? 'fieldflow') : readsCrm ? 'crm' : 'fieldflow';
	const done = page.phase === 'crm' || (fieldflowDone && !readsCrm);
	const number = Number(page.page ?? 1) || 1;
	const totals: IDataObject = {};
	for (const k of TOTAL_KEYS) totals[k] = (Number(page[k] ?? 0) || 0) + items.reduce((sum, it) => sum + (Number(it.json[k] ?? 0) || 0), 0);
	const pageRead = hasLast && page.phase !== 'crm' ? read : 0;
	const readSoFar = (Number(page.read ?? 0) || 0) + pageRead;
	const object = String(page.object ?? '');
	await store.log([
		{
			time: new Date().toISOString(),
			crm,
			direction: 'none',
			recordType: object,
			status: 'success',
			action: 'pageFinished',
			message: `Run ${String(page.runId)} page ${number}${page.phase === 'crm' ? ` (${CRM_LABELS[crm] ?? crm} side)` : ''}: ${pageRead} FieldFlow records read (${readSoFar} so far), ${String(totals.synced)} synced, ${String(totals.errors)} errors${done ? ', last page' : ''}`,
		},
	]);
	return [
		{
			json: {
				...page,
				...totals,
				page: number + 1,
				read: readSoFar,
				pagesDone: number,
				fieldflowAfter: pageRead ? `${String(last.updated_at)}|${String(last.id)}` : page.fieldflowAfter ?? '',
				phase,
				done,
			},
			pairedItem: items.map((_, i) => ({ item: i })),
		},
	];
}

// ------------------------------------------------------------------ reads

export async function getDashboard(this: IExecuteFunctions, store: SyncStore, crm: CrmName): Promise<INodeExecutionData[]> {
	const all = this.getNodeParameter('allCrms', 0, false) as boolean;
	const s = await store.summary(all ? undefined : crm);
	const synced = Object.values(s.syncedByType).reduce((a, b) => a + b, 0);
	const statusCounts = {
		[STATUS_LABELS.synced]: synced,
		[STATUS_LABELS.pending]: s.pending,
		[STATUS_LABELS.conflict]: s.conflicts,
		[STATUS_LABELS.error]: s.errors,
	};
	return [{ json: { ...s, synced, statusCounts } as unknown as IDataObject, pairedItem: { item: 0 } }];
}

export async function getLogs(this: IExecuteFunctions, store: SyncStore, crm: CrmName): Promise<INodeExecutionData[]> {
	const f = this.getNodeParameter('logFilters', 0, {}) as IDataObject;
	const recordTypes = String(f.recordType ?? '')
		.split(',')
		.map((s) => s.trim())
		.filter(Boolean);
	const status = (Array.isArray(f.status) ? f.status : f.status ? [f.status] : []) as Array<LogEntry['status']>;
	const page = await store.queryLogs({
		crm,
		from: f.from ? toIso.call(this, f.from, 'From') : undefined,
		to: f.to ? (/^\d{4}-\d{2}-\d{2}$/.test(String(f.to)) ? String(f.to) : toIso.call(this, f.to, 'To')) : undefined,
		recordType: recordTypes.length ? recordTypes : undefined,
		status: status.length ? status : undefined,
		fieldflowId: f.fieldflowId ? String(f.fieldflowId) : undefined,
		limit: this.getNodeParameter('limit', 0, 50) as number,
		offset: this.getNodeParameter('offset', 0, 0) as number,
	});
	return page.entries.map((e) => ({ json: { ...e, total: page.total } as unknown as IDataObject, pairedItem: { item: 0 } }));
}

function errorJson(e: StoredError, includePayload: boolean): IDataObject {
	const out: IDataObject = {
		id: e.id,
		crm: e.crm,
		object: e.object,
		direction: e.direction,
		fieldflowId: e.fieldflowId ?? null,
		crmId: e.crmId ?? null,
		kind: e.kind,
		hint: ERROR_HINTS[e.kind] ?? ERROR_HINTS.unknown,
		message: e.message,
		attempts: e.attempts,
		state: e.state,
		createdAt: e.createdAt,
		updatedAt: e.updatedAt,
		resolvedAt: e.resolvedAt ?? null,
	};
	if (includePayload) out.payload = e.payload as IDataObject;
	return out;
}

export async function getErrors(this: IExecuteFunctions, store: SyncStore, crm: CrmName): Promise<INodeExecutionData[]> {
	const o = this.getNodeParameter('errorOptions', 0, {}) as IDataObject;
	const list = await store.listErrors({ crm, kind: (o.kind as ErrorKind) || undefined, includeResolved: o.includeResolved === true });
	return list.map((e) => ({ json: errorJson(e, o.includePayload === true), pairedItem: { item: 0 } }));
}

function conflictJson(c: StoredConflict): IDataObject {
	return { ...(c as unknown as IDataObject), fieldNames: c.fields.map((f) => f.field) };
}

export async function getConflicts(this: IExecuteFunctions, store: SyncStore, crm: CrmName): Promise<INodeExecutionData[]> {
	const includeResolved = this.getNodeParameter('includeResolvedConflicts', 0, false) as boolean;
	const list = await store.listConflicts({ crm, includeResolved });
	return list.map((c) => ({ json: conflictJson(c), pairedItem: { item: 0 } }));
}

// ------------------------------------------------------------------ retry

function idList(value: unknown): number[] {
	const list = Array.isArray(value) ? value : String(value ?? '').split(',');
	return list.map((v) => Number(String(v ?? '').trim())).filter((n) => Number.isInteger(n) && n > 0);
}

export async function retryErrors(this: IExecuteFunctions, store: SyncStore, crm: CrmName): Promise<INodeExecutionData[]> {
	const raw = this.getNodeParameter('errorIds', 0, '') as unknown;
	const ids = idList(raw);
	if (String(raw ?? '').trim() && !ids.length && !Array.isArray(raw)) {
		throw new NodeOperationError(this.getNode(), `Error IDs "${String(raw)}" holds no valid ID`, { description: 'Use numbers from Get Errors, comma-separated' });
	}
	const notFound = this.getNodeParameter('notFound', 0, 'unlink') as 'unlink' | 'recreate';
	const o = this.getNodeParameter('retryOptions', 0, {}) as IDataObject;
	const limit = Number(o.limit ?? 50) || 50;

	const open = await store.listErrors({ crm });
	const wanted = open
		.filter((e) => e.state === 'open' || e.state === 'retrying')
		.filter((e) => !ids.length || ids.includes(e.id))
		.filter((e) => o.includeAuth === true || e.kind !== 'auth_expired')
		// Invalid data was never sent: resending cannot help. The next sync run writes the record once
		// it is fixed (and resolves this error).
		.filter((e) => readSync((e.payload ?? {}) as Record<string, unknown>)?.kind !== 'invalid')
		.slice(0, limit);
	const taken = wanted.length ? await store.takeErrorsForRetry(wanted.map((e) => e.id), { crm }) : [];

	const out: INodeExecutionData[] = [];
	const unlinkResolved: number[] = [];
	const logs: LogEntry[] = [];
	const now = new Date().toISOString();
	for (const e of taken) {
		const payload = { ...(e.payload as IDataObject) };
		const meta = readSync(payload);
		if (meta?.kind !== 'write') {
			out.push({ json: { ...payload, errorId: e.id, attempts: e.attempts }, pairedItem: { item: 0 } });
			continue;
		}
		let write: WriteMeta = { ...meta, attempts: e.attempts, errorId: e.id };
		if (e.kind === 'not_found' && (write.action === 'updateCrm' || write.action === 'updateFieldflow')) {
			if (notFound === 'unlink') {
				if (write.fieldflowId) await store.removeLink(write.crm, write.object, write.fieldflowId);
				unlinkResolved.push(e.id);
				logs.push({ time: now, crm: write.crm, direction: 'none', recordType: write.object, fieldflowId: write.fieldflowId, crmId: write.crmId, status: 'skipped', action: 'unlink', message: `Record not found on retry of error ${e.id}: link removed` });
				continue;
			}
			if (write.action === 'updateCrm') {
				write = { ...write, action: 'createInCrm', crmId: null, reason: `${write.reason} (recreated: the CRM record was not found)` };
			} else {
				// The FieldFlow record is gone: its link (keyed by the old FieldFlow id) goes too, the create makes a new one.
				if (write.fieldflowId) await store.removeLink(write.crm, write.object, write.fieldflowId);
				write = { ...write, action: 'createInFieldflow', fieldflowId: null, reason: `${write.reason} (recreated: the FieldFlow record was not found)` };
			}
			delete payload.id;
		}
		out.push({ json: { ...payload, [SYNC_KEY]: write as unknown as IDataObject }, pairedItem: { item: 0 } });
	}
	await store.resolveErrors(unlinkResolved);
	await store.log(logs);
	return out;
}

// ------------------------------------------------------------------ conflicts

export async function resolveConflict(this: IExecuteFunctions, store: SyncStore, crm: CrmName): Promise<INodeExecutionData[]> {
	const id = Number(this.getNodeParameter('conflictId', 0));
	const side = this.getNodeParameter('side', 0) as 'fieldflow' | 'crm';
	const open = (await store.listConflicts({ crm })).find((c) => c.id === id);
	const conflict = open ? await store.resolveConflict(id, side) : null;
	if (!conflict) {
		throw new NodeOperationError(this.getNode(), `Conflict ${id} is not open for ${crm}`, {
			description: 'It does not exist, belongs to another CRM or was already resolved: list open conflicts with Get Conflicts',
		});
	}
	const chosen: Record<string, unknown> = {};
	for (const f of conflict.fields) chosen[f.field] = side === 'fieldflow' ? f.fieldflow : f.crm;
	const [link] = await store.getLinks(conflict.crm, conflict.object, { fieldflowIds: [conflict.fieldflowId] });
	const baseline = { ...(link?.baseline ?? {}), ...chosen };
	const target = side === 'fieldflow' ? 'crm' : 'fieldflow';
	const write: WriteMeta = {
		kind: 'write',
		target,
		action: target === 'crm' ? 'updateCrm' : 'updateFieldflow',
		crm: conflict.crm,
		object: conflict.object,
		fieldflowId: conflict.fieldflowId,
		crmId: link?.crmId ?? conflict.crmId,
		baseline,
		fields: chosen,
		reason: `Conflict ${conflict.id} resolved: ${side === 'fieldflow' ? 'FieldFlow' : 'CRM'} values kept`,
	};
	let payload: Record<string, unknown>;
	if (target === 'fieldflow') {
		payload = fieldflowPayload(chosen);
	} else {
		payload = mapToCrm(chosen, defaultMappings(conflict.crm, conflict.object), DEFAULT_VALUE_MAPS, { id: conflict.fieldflowId }).fields;
	}
	await store.log([
		{ time: new Date().toISOString(), crm: conflict.crm, direction: 'none', recordType: conflict.object, fieldflowId: conflict.fieldflowId, crmId: conflict.crmId, status: 'skipped', action: 'conflictResolved', message: write.reason },
	]);
	return [{ json: { ...(payload as IDataObject), [SYNC_KEY]: write as unknown as IDataObject }, pairedItem: { item: 0 } }];
}

// ------------------------------------------------------------------ connection

export async function setConnection(this: IExecuteFunctions, store: SyncStore, crm: CrmName, connected: boolean): Promise<INodeExecutionData[]> {
	await store.setConnected(crm, connected);
	const time = new Date().toISOString();
	await store.log([{ time, crm, direction: 'none', recordType: 'connection', status: 'skipped', action: connected ? 'reconnect' : 'disconnect', message: connected ? 'Reconnected: syncing resumes' : 'Disconnected: no new syncing; links and data kept' }]);
	const s = await store.summary(crm);
	return [
		{
			json: {
				crm,
				connected,
				changedAt: time,
				linksKept: Object.values(s.syncedByType).reduce((a, b) => a + b, 0) + s.pending,
				openErrors: s.errors,
				openConflicts: s.conflicts,
			},
			pairedItem: { item: 0 },
		},
	];
}

// ------------------------------------------------------------------ look up links

/**
 * Look Up Links: each input item plus the CRM record its FieldFlow prospect is linked to
 * (`crmId`, `crmObject`, `linked`), from one store call for all items — so meetings and summaries
 * can be logged on the right CRM record.
 */
export async function lookUpLinks(this: IExecuteFunctions, store: SyncStore, crm: CrmName, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	const object = objectParam.call(this);
	const mode = this.getNodeParameter('ifNotLinked', 0, 'error') as 'error' | 'passThrough' | 'skip';
	const ids = items.map((_, i) => String(this.getNodeParameter('prospectId', i, '') ?? '').trim());
	const wanted = [...new Set(ids.filter(Boolean))];
	const links = wanted.length ? await store.getLinks(crm, object, { fieldflowIds: wanted }) : [];
	const byId = new Map(links.filter((l) => l.crmId).map((l) => [l.fieldflowId, l]));
	const out: INodeExecutionData[] = [];
	items.forEach((item, i) => {
		const id = ids[i];
		const link = id ? byId.get(id) : undefined;
		if (link) {
			out.push({ json: { ...item.json, crmId: link.crmId, crmObject: object, linked: true, linkStatus: link.status }, pairedItem: { item: i } });
			return;
		}
		const reason = id
			? `Prospect ${id} is not linked to a ${crm} ${object} record yet: sync the prospect first (or check its error in the queue)`
			: 'The item has no FieldFlow prospect ID (check the Prospect ID parameter)';
		if (mode === 'skip') return;
		if (mode === 'passThrough') {
			out.push({ json: { ...item.json, crmId: null, crmObject: object, linked: false, notLinkedReason: reason }, pairedItem: { item: i } });
			return;
		}
		if (this.continueOnFail()) {
			out.push({ json: { ...item.json, crmId: null, crmObject: object, linked: false, error: reason }, pairedItem: { item: i } });
			return;
		}
		throw new NodeOperationError(this.getNode(), reason, { itemIndex: i, description: 'Set "If Not Linked" to output or skip such items instead' });
	});
	return out;
}

// ------------------------------------------------------------------ dashboard page

function queryObject(value: unknown): Record<string, unknown> {
	if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
	const text = String(value ?? '').trim();
	if (!text) return {};
	try {
		const parsed = JSON.parse(text);
		return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : {};
	} catch {
		return Object.fromEntries(new URLSearchParams(text.replace(/^\?/, '')));
	}
}

const first = (v: unknown): string => String((Array.isArray(v) ? v[0] : v) ?? '').trim();

/** Render Dashboard: the store's figures, errors, conflicts and the filtered log as `{ html }`. */
export async function renderDashboardPage(this: IExecuteFunctions, store: SyncStore, crm: CrmName): Promise<INodeExecutionData[]> {
	const q = queryObject(this.getNodeParameter('dashboardQuery', 0, {}));
	const notices: string[] = [];
	const date = (name: string): string | undefined => {
		const v = first(q[name]);
		if (!v) return undefined;
		if (/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isFinite(Date.parse(v))) return v;
		notices.push(`Ignored the "${name}" filter: "${v}" is not a date`);
		return undefined;
	};
	const statusRaw = first(q.status);
	const status = (LOG_STATUSES as string[]).includes(statusRaw) ? (statusRaw as LogStatus) : undefined;
	if (statusRaw && !status) notices.push(`Ignored the "status" filter: "${statusRaw}" is not one of ${LOG_STATUSES.join(', ')}`);
	const filters = { from: date('from'), to: date('to'), recordType: first(q.recordType) || undefined, status };
	const fromIso = filters.from ? (/^\d{4}-\d{2}-\d{2}$/.test(filters.from) ? `${filters.from}T00:00:00.000Z` : new Date(filters.from).toISOString()) : undefined;

	const [summary, page, errors, conflicts, allTypes] = await Promise.all([
		store.summary(crm),
		store.queryLogs({ crm, from: fromIso, to: filters.to, recordType: filters.recordType, status, limit: Number(this.getNodeParameter('logLimit', 0, 100)) || 100 }),
		store.listErrors({ crm }),
		store.listConflicts({ crm }),
		store.queryLogs({ crm, limit: 1000 }),
	]);
	const recordTypes = [...new Set([...Object.keys(summary.syncedByType), ...allTypes.entries.map((e) => e.recordType), ...errors.map((e) => e.object)])];
	const html = renderDashboard({
		crm,
		crmLabel: CRM_LABELS[crm] ?? crm,
		generatedAt: new Date().toISOString(),
		connected: summary.connected,
		lastSyncAt: summary.lastSyncAt,
		syncedByType: summary.syncedByType,
		pending: summary.pending,
		errorCount: summary.errors,
		conflictCount: summary.conflicts,
		logs: page.entries,
		logTotal: page.total,
		errors: errors.map((e) => ({ ...e, hint: ERROR_HINTS[e.kind] ?? ERROR_HINTS.unknown })),
		conflicts,
		filters,
		recordTypes,
		pageUrl: String(this.getNodeParameter('pageUrl', 0, '') ?? ''),
		actionUrl: String(this.getNodeParameter('actionUrl', 0, '') ?? ''),
		notices,
	});
	const synced = Object.values(summary.syncedByType).reduce((a, b) => a + b, 0);
	return [
		{
			json: { html, crm, synced, pending: summary.pending, errors: summary.errors, conflicts: summary.conflicts, lastSyncAt: summary.lastSyncAt, logTotal: page.total, filters: filters as IDataObject },
			pairedItem: { item: 0 },
		},
	];
}
