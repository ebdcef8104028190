/**
 * HubSpot adapter (CRM v3 via @hubspot/api-client). Objects: contacts (person), companies
 * (company), deals (deal), meetings (activity); notes carry meeting summaries.
 *
 * - The SDK's own retries are off (they ignore Retry-After and sleep 10 s × attempt); every HTTP
 *   call goes through `callApi`, which counts it, throttles ahead of HubSpot's limits (private apps:
 *   100 requests / 10 s burst; search: 5 requests / s — two RateGates), honours Retry-After (or
 *   X-HubSpot-RateLimit-Interval-Milliseconds) and backs off on 429/5xx.
 * - Writes use batch create/update/upsert (100 inputs per call) with an objectWriteTraceId on every
 *   input, so HubSpot answers 207 with per-record errors instead of failing the whole batch.
 * - Change feed: the search API sorted ascending on the modification date. HubSpot's search index
 *   lags writes by a few seconds, so callers re-read with an overlap window (start a little before
 *   the last cursor); records seen twice are harmless. Search caps paging at 10,000 results: the
 *   feed restarts the search from the last modification time seen before `after` reaches the cap.
 *   Search never returns archived records: with includeDeleted they are read from
 *   `GET /crm/v3/objects/{type}?archived=true`.
 * - Private-app tokens cannot be refreshed: a 401 stops the operation with auth_expired.
 * - Filter values travel as JSON strings in the search body, so quotes and backslashes in names
 *   and emails need no escaping (the SDK serialises them); there is no query language to inject into.
 */
import { createHash } from 'node:crypto';
import { Client } from '@hubspot/api-client';
import chunk from 'lodash/chunk';
import { SyncError, kindFromStatus, malformedAnswer, oversizedValue, parseRetryAfter, redactSecrets, type ErrorKind } from '../errors';
import { RateGate, callApi, newStats, type RetryPolicy, type Sleep, type WriteSafety } from '../transport/retry';
import { errorFor, failure, forecastBatchWrites, runBatches, type BatchEndpoint, type BatchJob, type WriteKind } from './batch';
import type {
	CallForecast,
	CallStats,
	ChangePage,
	CrmAdapter,
	CrmRecord,
	DuplicateCriteria,
	DuplicateMatch,
	FieldInfo,
	FieldType,
	ListOptions,
	MeetingInput,
	NoteInput,
	ObjectInfo,
	UpsertOptions,
	WriteCounts,
	WriteInput,
	WriteResult,
} from './types';

export interface HubSpotAdapterConfig {
	/** Private-app token or OAuth access token. */
	accessToken: string;
	/** API base URL; default the real API. */
	baseUrl?: string;
	retry?: RetryPolicy;
	/** General request rate (default 8/s, burst 8: under the 100 per 10 s private-app limit). */
	ratePerSecond?: number;
	/** Search API rate (default 4/s: under HubSpot's 5 requests per second). */
	searchRatePerSecond?: number;
	/** Search paging cap (HubSpot: 10,000 results per query); lowered only by tests. */
	searchResultCap?: number;
	sleep?: Sleep;
}

export const HUBSPOT_API = 'https://api.hubapi.com';
export const HUBSPOT_BATCH_SIZE = 100;
export const HUBSPOT_SEARCH_LIMIT = 200;
export const HUBSPOT_SEARCH_CAP = 10_000;
/** HubSpot's limit on single-line text property values. */
export const HUBSPOT_STRING_MAX = 65_536;

/**
 * HubSpot's batch endpoints, as counted. Upsert by a unique idProperty is idempotent (a resend
 * finds the record the first send made); a plain create is not. Delete reads the chunk first
 * (batch archive answers 204 even for unknown ids), then archives it.
 */
export const HUBSPOT_WRITES: Record<WriteKind, BatchEndpoint> = {
	create: { endpoint: 'objects.batch.create', size: HUBSPOT_BATCH_SIZE, safety: 'creates' },
	update: { endpoint: 'objects.batch.update', size: HUBSPOT_BATCH_SIZE, safety: 'idempotent' },
	upsert: { endpoint: 'objects.batch.upsert', size: HUBSPOT_BATCH_SIZE, safety: 'idempotent' },
	delete: { endpoint: 'objects.batch.archive', size: HUBSPOT_BATCH_SIZE, safety: 'idempotent', before: 'objects.batch.read' },
};

/** Pure: the HubSpot calls `counts` writes cost per endpoint when none is retried (same table as the writes). */
export function forecastHubSpotWrites(counts: WriteCounts): CallForecast {
	return forecastBatchWrites(HUBSPOT_WRITES, counts);
}

export const HUBSPOT_OBJECTS: ObjectInfo[] = [
	{ name: 'contacts', label: 'Contacts', role: 'person' },
	{ name: 'companies', label: 'Companies', role: 'company' },
	{ name: 'deals', label: 'Deals', role: 'deal' },
	{ name: 'meetings', label: 'Meetings', role: 'activity' },
];

const DEFAULT_FIELDS: Record<string, string[]> = {
	contacts: ['email', 'firstname', 'lastname', 'phone', 'company', 'jobtitle', 'lifecyclestage', 'hs_lead_status'],
	companies: ['name', 'domain', 'phone', 'website', 'city'],
	deals: ['dealname', 'dealstage', 'amount', 'pipeline', 'closedate'],
	meetings: ['hs_meeting_title', 'hs_meeting_body', 'hs_timestamp', 'hs_meeting_start_time', 'hs_meeting_end_time', 'hs_meeting_outcome', 'hs_meeting_external_url'],
	notes: ['hs_note_body', 'hs_timestamp'],
};

/** Properties HubSpot insists on at creation (the properties API has no "required" flag). */
const REQUIRED: Record<string, string[]> = {
	deals: ['dealname', 'dealstage'],
	meetings: ['hs_timestamp'],
	notes: ['hs_timestamp'],
};

/** HUBSPOT_DEFINED association type ids used here. */
const ASSOC_TYPE: Record<string, number> = {
	'meetings->contacts': 200,
	'meetings->companies': 188,
	'meetings->deals': 212,
	'notes->contacts': 202,
	'notes->companies': 190,
	'notes->deals': 214,
};
const SINGULAR: Record<string, string> = { contacts: 'contact', companies: 'company', deals: 'deal' };

const MEETING_OUTCOMES: Record<string, string> = {
	scheduled: 'SCHEDULED',
	completed: 'COMPLETED',
	done: 'COMPLETED',
	rescheduled: 'RESCHEDULED',
	no_show: 'NO_SHOW',
	noshow: 'NO_SHOW',
	canceled: 'CANCELED',
	cancelled: 'CANCELED',
};

interface RawObject {
	id: string;
	properties: Record<string, string | null>;
	createdAt?: string | Date;
	updatedAt?: string | Date;
	archived?: boolean;
	archivedAt?: string | Date;
	objectWriteTraceId?: string;
	new?: boolean;
}

interface RawBatchError {
	status?: string;
	category?: string;
	message?: string;
	context?: Record<string, string[]>;
	errors?: Array<{ message?: string; code?: string; context?: Record<string, string[]> }>;
}

interface RawBatch {
	results?: RawObject[];
	errors?: RawBatchError[];
}

interface ApiExceptionLike {
	code: number;
	body?: unknown;
	headers?: Record<string, string>;
}

type SearchFilter = { propertyName: string; operator: string; value?: string; values?: string[] };

export class HubSpotAdapter implements CrmAdapter {
	readonly crm = 'hubspot' as const;
	readonly stats: CallStats = newStats();
	private readonly client: Client;
	private readonly gate: RateGate;
	private readonly searchGate: RateGate;
	private readonly token: string;

	constructor(private readonly config: HubSpotAdapterConfig) {
		this.token = config.accessToken;
		this.client = new Client({
			accessToken: config.accessToken,
			basePath: (config.baseUrl ?? HUBSPOT_API).replace(/\/+$/, ''),
			numberOfApiCallRetries: 0,
		});
		const rate = config.ratePerSecond ?? 8;
		this.gate = new RateGate(rate, Math.max(1, Math.ceil(rate)), config.sleep);
		const srate = config.searchRatePerSecond ?? 4;
		this.searchGate = new RateGate(srate, Math.max(1, Math.ceil(srate)), config.sleep);
	}

	/** The calls `counts` writes cost per endpoint (the same for every object). */
	forecastWrites(_object: string, counts: WriteCounts): CallForecast {
		return forecastHubSpotWrites(counts);
	}

	objects(): ObjectInfo[] {
		return HUBSPOT_OBJECTS.map((o) => ({ ...o }));
	}

	async testConnection(): Promise<void> {
		await this.call('objects.list', 'test the connection', () => this.client.crm.objects.basicApi.getPage('contacts', 1));
	}

	// ------------------------------------------------------------------ reads

	async *listChangedSince(object: string, since: string | undefined, options: ListOptions = {}): AsyncGenerator<ChangePage> {
		this.checkObject(object);
		const modProp = modifiedProperty(object);
		const limit = Math.min(Math.max(1, options.pageSize ?? HUBSPOT_SEARCH_LIMIT), HUBSPOT_SEARCH_LIMIT);
		const properties = uniqueList([...(options.fields ?? DEFAULT_FIELDS[object]), modProp]);
		let cursor = since ?? '';
		let lowerMs = since ? Date.parse(since) : undefined;
		let inclusive = false;
		/** Ids already emitted at exactly `lowerMs` (only relevant after a restart with GTE). */
		let boundary = new Set<string>();
		let after: string | undefined;
		let yielded = false;
		for (;;) {
			const filters: SearchFilter[] = lowerMs === undefined ? [] : [{ propertyName: modProp, operator: inclusive ? 'GTE' : 'GT', value: String(lowerMs) }];
			const body = {
				filterGroups: filters.length ? [{ filters }] : [],
				sorts: [{ propertyName: modProp, direction: 'ASCENDING' }],
				properties,
				limit,
				after,
			};
			const res = await this.search(object, body, `read changed ${object}`);
			const records = (res.results ?? []).map((r) => this.toRecord(object, r)).filter((r) => !(inclusive && boundary.has(r.id) && Date.parse(r.modifiedAt) === lowerMs));
			for (const r of records) if (r.modifiedAt > cursor) cursor = r.modifiedAt;
			const next = res.paging?.next?.after;
			if (records.length || !next) {
				yield { records, cursor };
				yielded = true;
			}
			if (!next) break;
			if (Number(next) >= (this.config.searchResultCap ?? HUBSPOT_SEARCH_CAP)) {
				// The next page would be past the 10,000-result cap: restart from the newest time seen.
				const newest = Date.parse(cursor);
				const atNewest = (res.results ?? []).map((r) => this.toRecord(object, r)).filter((r) => Date.parse(r.modifiedAt) === newest);
				if (inclusive && newest === lowerMs) {
					for (const r of atNewest) boundary.add(r.id);
					if (!records.length) throw new SyncError({ kind: 'unknown', message: `HubSpot search for ${object}: more than ${this.config.searchResultCap ?? HUBSPOT_SEARCH_CAP} records share the modification time ${cursor}; cannot page past the search cap.` });
				} else boundary = new Set(atNewest.map((r) => r.id));
				lowerMs = newest;
				inclusive = true;
				after = undefined;
				continue;
			}
			after = next;
		}
		if (options.includeDeleted) {
			const sinceMs = since ? Date.parse(since) : -Infinity;
			let archivedAfter: string | undefined;
			for (;;) {
				const page = await this.call('objects.list', `read archived ${object}`, () =>
					this.client.crm.objects.basicApi.getPage(object, 100, archivedAfter, properties, undefined, undefined, true),
				);
				const records = (page.results as unknown as RawObject[])
					.map((r) => this.toRecord(object, r))
					.filter((r) => Date.parse(r.modifiedAt) > sinceMs);
				// Deletions do not move the cursor: the live feed decides it, and re-reading an
				// archived record next run is harmless.
				if (records.length) yield { records, cursor };
				archivedAfter = page.paging?.next?.after;
				if (!archivedAfter) break;
			}
		}
		if (!yielded) yield { records: [], cursor };
	}

	async getByIds(object: string, ids: string[], fields?: string[]): Promise<CrmRecord[]> {
		this.checkObject(object);
		const properties = uniqueList([...(fields ?? DEFAULT_FIELDS[object]), modifiedProperty(object)]);
		const found = new Map<string, CrmRecord>();
		for (const part of chunk(uniqueList(ids), HUBSPOT_BATCH_SIZE)) {
			const raw = await this.batchRaw('objects.batch.read', `read ${object}`, () =>
				this.client.crm.objects.batchApi.readWithHttpInfo(object, { inputs: part.map((id) => ({ id })), properties, propertiesWithHistory: [] }),
			);
			for (const r of raw.results ?? []) found.set(r.id, this.toRecord(object, r));
		}
		return ids.map((id) => found.get(id)).filter((r): r is CrmRecord => !!r);
	}

	// ------------------------------------------------------------------ writes

	async upsert(object: string, inputs: WriteInput[], options: UpsertOptions = {}): Promise<WriteResult[]> {
		this.checkObject(object);
		const results: Array<WriteResult | undefined> = new Array(inputs.length);
		const creates: number[] = [];
		const updates: number[] = [];
		const upserts: number[] = [];
		inputs.forEach((inp, i) => {
			const tooLong = oversizedValue('HubSpot', object, inp.ref, inp.fields, HUBSPOT_STRING_MAX);
			if (tooLong) results[i] = fail(inp.ref, tooLong);
			else if (inp.id) updates.push(i);
			else if (options.idProperty) {
				const key = inp.fields[options.idProperty];
				if (key === undefined || key === null || key === '') {
					results[i] = fail(inp.ref, new SyncError({ kind: 'validation', message: `HubSpot ${object}: "${options.idProperty}" is empty, so the record cannot be matched for upsert.`, fields: [options.idProperty], recordRef: inp.ref }));
				} else upserts.push(i);
			} else creates.push(i);
		});

		const refs = inputs.map((inp) => inp.ref);
		const job = (kind: 'create' | 'update' | 'upsert', indexes: number[], send: (batch: Array<Record<string, unknown>>) => Promise<unknown>, toInput: (inp: WriteInput, trace: string) => Record<string, unknown>): BatchJob<unknown> => {
			const spec = HUBSPOT_WRITES[kind];
			return {
				spec,
				indexes,
				send: (part) => this.batchRaw(spec.endpoint, `${kind} ${object}`, () => send(part.map((i, n) => toInput(inputs[i], String(n)))), spec.safety),
				read: (part, raw, res) => this.matchBatch(object, part, inputs, raw as RawBatch, res, kind, options.idProperty),
			};
		};
		const { authExpired, sentAny } = await runBatches(
			refs,
			[
				job('create', creates, (b) => this.client.crm.objects.batchApi.createWithHttpInfo(object, { inputs: b as never }), (inp, trace) => ({ properties: toHubSpotValues(inp.fields), associations: [], objectWriteTraceId: trace })),
				job('update', updates, (b) => this.client.crm.objects.batchApi.updateWithHttpInfo(object, { inputs: b as never }), (inp, trace) => ({ id: inp.id, properties: toHubSpotValues(inp.fields), objectWriteTraceId: trace })),
				job('upsert', upserts, (b) => this.client.crm.objects.batchApi.upsertWithHttpInfo(object, { inputs: b as never }), (inp, trace) => ({ id: String(inp.fields[options.idProperty!]), idProperty: options.idProperty, properties: toHubSpotValues(omit(inp.fields, options.idProperty!)), objectWriteTraceId: trace })),
			],
			results,
			(e) => this.classify(e, `write ${object}`),
		);
		// Nothing was written at all: the call as a whole failed on auth (the caller stops there).
		if (authExpired && !sentAny) throw authExpired;
		return results.map((r, i) => r ?? fail(inputs[i].ref, new SyncError({ kind: 'unknown', message: `HubSpot gave no result for ${object} record ${inputs[i].ref}.`, recordRef: inputs[i].ref })));
	}

	/** Pair a batch answer with its inputs: by objectWriteTraceId, else by id / idProperty, else by order. */
	private matchBatch(object: string, part: number[], inputs: WriteInput[], raw: RawBatch, results: Array<WriteResult | undefined>, kind: 'create' | 'update' | 'upsert', idProperty?: string): void {
		const failed = new Set<number>();
		for (const e of raw.errors ?? []) {
			const traces = e.context?.objectWriteTraceId ?? [];
			const ids = e.context?.ids ?? [];
			const targets = traces.length
				? traces.map((t) => part[Number(t)]).filter((i) => i !== undefined)
				: part.filter((i) => ids.includes(inputs[i].id ?? ''));
			for (const i of targets) {
				failed.add(i);
				results[i] = fail(inputs[i].ref, this.recordError(object, e, inputs[i].ref));
			}
		}
		const pending = part.filter((i) => !failed.has(i));
		const byTrace = new Map<number, RawObject>();
		const rest: RawObject[] = [];
		for (const r of raw.results ?? []) {
			if (r.objectWriteTraceId !== undefined && part[Number(r.objectWriteTraceId)] !== undefined) byTrace.set(part[Number(r.objectWriteTraceId)], r);
			else rest.push(r);
		}
		for (const i of pending) {
			let r = byTrace.get(i);
			if (!r && kind === 'update') r = rest.find((x) => x.id === inputs[i].id);
			if (!r && idProperty) {
				const key = String(inputs[i].fields[idProperty]).toLowerCase();
				r = rest.find((x) => String(x.properties?.[idProperty] ?? '').toLowerCase() === key);
			}
			if (!r) r = rest.shift();
			else if (rest.includes(r)) rest.splice(rest.indexOf(r), 1);
			if (!r) continue;
			const created = kind === 'create' ? true : kind === 'upsert' ? r.new === true : false;
			results[i] = { ref: inputs[i].ref, success: true, id: r.id, created };
		}
	}

	async delete(object: string, ids: string[]): Promise<WriteResult[]> {
		this.checkObject(object);
		const out = new Map<string, WriteResult>();
		const spec = HUBSPOT_WRITES.delete;
		for (const part of chunk(uniqueList(ids), spec.size)) {
			// Batch archive answers 204 even for unknown ids: read first to report not_found.
			const raw = await this.batchRaw(spec.before!, `read ${object} before delete`, () =>
				this.client.crm.objects.batchApi.readWithHttpInfo(object, { inputs: part.map((id) => ({ id })), properties: ['hs_object_id'], propertiesWithHistory: [] }),
			);
			const existing = new Set((raw.results ?? []).map((r) => r.id));
			for (const id of part) {
				if (!existing.has(id)) out.set(id, fail(id, new SyncError({ kind: 'not_found', status: 404, code: 'OBJECT_NOT_FOUND', message: `HubSpot ${object} ${id} does not exist (already deleted?).`, recordRef: id })));
			}
			const live = part.filter((id) => existing.has(id));
			if (!live.length) continue;
			await this.call(spec.endpoint, `delete ${object}`, () => this.client.crm.objects.batchApi.archive(object, { inputs: live.map((id) => ({ id })) }), undefined, spec.safety);
			for (const id of live) out.set(id, { ref: id, success: true, id, created: false });
		}
		return ids.map((id) => out.get(id)!);
	}

	async logMeeting(m: MeetingInput): Promise<WriteResult> {
		const start = Date.parse(m.startTime);
		if (!Number.isFinite(start)) {
			return fail(m.meetingId, new SyncError({ kind: 'validation', message: `Meeting ${m.meetingId}: start time "${m.startTime}" is not a valid date.`, fields: ['hs_meeting_start_time'], recordRef: m.meetingId }));
		}
		const url = meetingUrl(m.meetingId);
		const end = start + Math.max(0, m.durationMinutes || 0) * 60_000;
		const properties: Record<string, string> = {
			hs_meeting_title: m.subject,
			hs_meeting_body: `${m.notes ? `${m.notes}\n` : ''}[FieldFlow meeting ${m.meetingId}]`,
			hs_timestamp: new Date(start).toISOString(),
			hs_meeting_start_time: new Date(start).toISOString(),
			hs_meeting_end_time: new Date(end).toISOString(),
			hs_meeting_external_url: url,
		};
		const outcome = meetingOutcome(m.outcome);
		if (outcome) properties.hs_meeting_outcome = outcome;
		return this.idempotentActivity('meetings', m.meetingId, m.existingId, m.linkTo, properties, async () => {
			const res = await this.search('meetings', {
				filterGroups: [{ filters: [{ propertyName: 'hs_meeting_external_url', operator: 'EQ', value: url }] }],
				sorts: [],
				properties: ['hs_meeting_external_url'],
				limit: 10,
			}, `find meeting ${m.meetingId}`);
			return (res.results ?? []).find((r) => r.properties.hs_meeting_external_url === url)?.id;
		});
	}

	async addNote(n: NoteInput): Promise<WriteResult> {
		const token = summaryToken(n.summaryId);
		const marker = `[FieldFlow summary ${n.summaryId} ${token}]`;
		const properties: Record<string, string> = {
			hs_note_body: `${n.body}\n<p>${escapeHtml(marker)}</p>`,
			hs_timestamp: new Date().toISOString(),
		};
		return this.idempotentActivity('notes', n.summaryId, n.existingId, n.linkTo, properties, async () => {
			const filters: SearchFilter[] = [{ propertyName: 'hs_note_body', operator: 'CONTAINS_TOKEN', value: token }];
			const singular = SINGULAR[n.linkTo.object];
			if (singular) filters.unshift({ propertyName: `associations.${singular}`, operator: 'EQ', value: n.linkTo.id });
			const res = await this.search('notes', { filterGroups: [{ filters }], sorts: [], properties: ['hs_note_body'], limit: 10 }, `find note ${n.summaryId}`);
			return (res.results ?? []).find((r) => String(r.properties.hs_note_body ?? '').includes(escapeHtml(marker)))?.id;
		});
	}

	/**
	 * Update the known activity (existingId, else one found by its marker) or create it with its
	 * association. Note: the search index lags writes by seconds in HubSpot, so the marker lookup is
	 * the second line of defence; callers pass existingId from their link table whenever they can.
	 */
	private async idempotentActivity(
		type: 'meetings' | 'notes',
		key: string,
		existingId: string | undefined,
		linkTo: { object: string; id: string },
		properties: Record<string, string>,
		find: () => Promise<string | undefined>,
	): Promise<WriteResult> {
		const typeId = ASSOC_TYPE[`${type}->${linkTo.object}`];
		if (typeId === undefined) {
			return fail(key, new SyncError({ kind: 'validation', message: `HubSpot ${type} cannot be linked to "${linkTo.object}" (use contacts, companies or deals).`, recordRef: key }));
		}
		try {
			let id = existingId;
			if (id) {
				try {
					await this.call('objects.update', `update ${type} ${id}`, () => this.client.crm.objects.basicApi.update(type, id!, { properties }), key);
				} catch (e) {
					if ((e as SyncError).kind !== 'not_found') throw e;
					id = undefined;
				}
			}
			if (!id) {
				id = await find();
				if (id) {
					const found = id;
					await this.call('objects.update', `update ${type} ${found}`, () => this.client.crm.objects.basicApi.update(type, found, { properties }), key);
				}
			}
			if (id) {
				const found = id;
				await this.call('associations.default.create', `link ${type} ${found} to ${linkTo.object} ${linkTo.id}`, () =>
					this.client.crm.associations.v4.basicApi.createDefault(type, found, linkTo.object, linkTo.id),
				key);
				return { ref: key, success: true, id: found, created: false };
			}
			const created = await this.call(
				'objects.create',
				`create ${type}`,
				() =>
					this.client.crm.objects.basicApi.create(type, {
						properties,
						associations: [{ to: { id: linkTo.id }, types: [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: typeId }] }],
					}),
				key,
				'creates',
			);
			return { ref: key, success: true, id: created.id, created: true };
		} catch (e) {
			const err = e as SyncError;
			if (err.kind === 'auth_expired') throw err;
			return fail(key, copyError(err, key));
		}
	}

	// ------------------------------------------------------------------ duplicates & metadata

	async findDuplicates(object: string, criteria: DuplicateCriteria[]): Promise<DuplicateMatch[]> {
		this.checkObject(object);
		const out = new Map<string, DuplicateMatch>(criteria.map((c) => [c.ref, { ref: c.ref, matches: [] }]));
		const add = (ref: string, r: CrmRecord, on: 'email' | 'company' | 'name') => {
			const m = out.get(ref)!;
			if (!m.matches.some((x) => x.id === r.id)) m.matches.push({ id: r.id, object, matchedOn: on, record: r });
		};
		const properties = uniqueList([...DEFAULT_FIELDS[object], modifiedProperty(object)]);
		const lookups: Array<{ prop: string; on: 'email' | 'company' | 'name'; get: (c: DuplicateCriteria) => string | undefined; useIn: boolean }> = [];
		if (object === 'contacts') {
			lookups.push({ prop: 'email', on: 'email', get: (c) => c.email, useIn: true });
			lookups.push({ prop: 'company', on: 'company', get: (c) => c.company, useIn: false });
		} else if (object === 'companies') {
			lookups.push({ prop: 'name', on: 'company', get: (c) => c.company ?? c.name, useIn: false });
		} else if (object === 'deals') {
			lookups.push({ prop: 'dealname', on: 'name', get: (c) => c.name, useIn: false });
		} else if (object === 'meetings') {
			lookups.push({ prop: 'hs_meeting_title', on: 'name', get: (c) => c.name, useIn: false });
		}
		for (const l of lookups) {
			const wanted = new Map<string, string[]>();
			for (const c of criteria) {
				const v = l.get(c)?.trim();
				if (!v) continue;
				const k = v.toLowerCase();
				wanted.set(k, [...(wanted.get(k) ?? []), c.ref]);
			}
			if (!wanted.size) continue;
			// Emails: one IN filter per 100 values (IN wants lower case). Names: EQ, up to 5 filter
			// groups (OR) per search, HubSpot's maximum.
			const groups: SearchFilter[][][] = l.useIn
				? chunk([...wanted.keys()], 100).map((vals) => [[{ propertyName: l.prop, operator: 'IN', values: vals }]])
				: chunk([...wanted.keys()], 5).map((vals) => vals.map((v) => [{ propertyName: l.prop, operator: 'EQ', value: v }]));
			for (const g of groups) {
				let after: string | undefined;
				for (;;) {
					const res = await this.search(object, { filterGroups: g.map((filters) => ({ filters })), sorts: [], properties: uniqueList([...properties, l.prop]), limit: HUBSPOT_SEARCH_LIMIT, after }, `find duplicate ${object}`);
					for (const r of res.results ?? []) {
						const rec = this.toRecord(object, r);
						const k = String(r.properties[l.prop] ?? '').trim().toLowerCase();
						for (const ref of wanted.get(k) ?? []) add(ref, rec, l.on);
					}
					after = res.paging?.next?.after;
					if (!after) break;
				}
			}
		}
		return criteria.map((c) => out.get(c.ref)!);
	}

	async listFields(object: string): Promise<FieldInfo[]> {
		this.checkObject(object);
		const res = await this.call('properties.list', `list ${object} properties`, () => this.client.crm.properties.coreApi.getAll(object));
		const required = new Set(REQUIRED[object] ?? []);
		return res.results
			.filter((p) => !p.hidden && !p.archived)
			.map((p) => {
				const type = fieldType(p.name, p.type, p.fieldType);
				const info: FieldInfo = {
					name: p.name,
					label: p.label,
					type,
					vendorType: p.type,
					required: required.has(p.name),
					readOnly: !!p.modificationMetadata?.readOnlyValue || !!p.calculated,
				};
				if (p.type === 'string' || p.type === 'phone_number') info.maxLength = HUBSPOT_STRING_MAX;
				if (p.type === 'enumeration' && p.options?.length) info.options = p.options.filter((o) => !o.hidden).map((o) => ({ value: o.value, label: o.label }));
				return info;
			});
	}

	// ------------------------------------------------------------------ plumbing

	private checkObject(object: string): void {
		if (!HUBSPOT_OBJECTS.some((o) => o.name === object)) {
			throw new SyncError({ kind: 'validation', message: `HubSpot object "${object}" is not supported (use ${HUBSPOT_OBJECTS.map((o) => o.name).join(', ')}).` });
		}
	}

	private toRecord(object: string, r: RawObject): CrmRecord {
		const mod = r.properties?.[modifiedProperty(object)] ?? r.properties?.hs_lastmodifieddate;
		const at = r.archived && r.archivedAt ? r.archivedAt : (mod ?? r.updatedAt);
		const modifiedAt = at instanceof Date ? at.toISOString() : new Date(String(at)).toISOString();
		const rec: CrmRecord = { id: String(r.id), object, fields: { ...(r.properties ?? {}) }, modifiedAt };
		if (r.archived) rec.deleted = true;
		return rec;
	}

	private async search(object: string, body: Record<string, unknown>, action: string): Promise<{ total?: number; results: RawObject[]; paging?: { next?: { after?: string } } }> {
		const res = await this.call(
			'objects.search',
			action,
			async () => {
				const res = await this.client.crm.objects.searchApi.doSearch(object, body as never);
				if (!Array.isArray((res as { results?: unknown })?.results)) throw malformedAnswer('HubSpot', action, 'had no results list');
				return res;
			},
			undefined,
			'idempotent',
			this.searchGate,
		);
		return res as unknown as { total?: number; results: RawObject[]; paging?: { next?: { after?: string } } };
	}

	/** A batch call whose raw JSON we read (the SDK's models drop objectWriteTraceId and `new`). */
	private async batchRaw(endpoint: string, action: string, fn: () => Promise<unknown>, safety: WriteSafety = 'idempotent'): Promise<RawBatch> {
		const info = (await this.call(endpoint, action, fn, undefined, safety)) as { httpStatusCode: number; body?: { text(): Promise<string> } };
		const text = info.body ? await info.body.text() : '';
		if (!text) return {};
		let parsed: RawBatch;
		try {
			parsed = JSON.parse(text) as RawBatch;
		} catch {
			throw malformedAnswer('HubSpot', action);
		}
		if (!parsed || (!Array.isArray(parsed.results) && !Array.isArray(parsed.errors))) throw malformedAnswer('HubSpot', action, 'had neither results nor errors');
		return parsed;
	}

	private call<T>(endpoint: string, action: string, fn: () => Promise<T>, recordRef?: string, safety: WriteSafety = 'idempotent', gate: RateGate = this.gate): Promise<T> {
		return callApi(fn, {
			endpoint,
			stats: this.stats,
			policy: this.config.retry,
			gate,
			sleep: this.config.sleep,
			classify: (e) => this.classify(e, action, recordRef),
			safety,
		});
	}

	/** Turn whatever the SDK threw into a SyncError. */
	classify(e: unknown, action: string, recordRef?: string): SyncError {
		if (e instanceof SyncError) return e;
		const ex = e as ApiExceptionLike;
		// The SDK parsing a body that is not JSON.
		if (e instanceof SyntaxError) return malformedAnswer('HubSpot', action, undefined, recordRef);
		if (typeof ex?.code !== 'number') {
			const msg = (e as Error)?.message ?? String(e);
			const cause = (e as { cause?: { code?: string; message?: string } })?.cause;
			return new SyncError({ kind: 'transient', message: this.clean(`HubSpot ${action} failed: no answer from the server (${cause?.code ?? cause?.message ?? msg}).`), recordRef, cause: e });
		}
		const status = ex.code;
		// The SDK refusing a 2xx answer it cannot read (not the shape HubSpot documents).
		if (status >= 200 && status < 300) return malformedAnswer('HubSpot', action, 'had an unexpected shape', recordRef);
		const body = (typeof ex.body === 'object' && ex.body ? ex.body : {}) as RawBatchError & { correlationId?: string };
		const headers = lowerKeys(ex.headers ?? {});
		let kind: ErrorKind = kindFromStatus(status);
		if (status === 403 && body.category === 'RATE_LIMITS') kind = 'rate_limit';
		const fields = propertyNames(body);
		const code = body.errors?.find((x) => x.code)?.code ?? body.category;
		let retryAfterMs: number | undefined;
		if (kind === 'rate_limit') {
			retryAfterMs = parseRetryAfter(headers['retry-after']) ?? (headers['x-hubspot-ratelimit-interval-milliseconds'] ? Number(headers['x-hubspot-ratelimit-interval-milliseconds']) : undefined);
		}
		const vendorMsg = body.message ? String(body.message) : `HTTP ${status}`;
		let message: string;
		switch (kind) {
			case 'auth_expired':
				message = `HubSpot rejected the access token while trying to ${action} (${status} ${body.category ?? ''}): ${vendorMsg}. Private-app tokens cannot be refreshed; reconnect the credential.`;
				break;
			case 'rate_limit':
				message = `HubSpot rate limit reached while trying to ${action}${retryAfterMs !== undefined ? `; retry after ${Math.ceil(retryAfterMs / 1000)} s` : ''}: ${vendorMsg}`;
				break;
			case 'not_found':
				message = `HubSpot could not find the record while trying to ${action} (404): ${vendorMsg}`;
				break;
			case 'validation':
				message = `HubSpot rejected the data while trying to ${action}${fields.length ? ` (property ${fields.join(', ')})` : ''}: ${readableValidation(vendorMsg)}`;
				break;
			default:
				message = `HubSpot failed while trying to ${action} (${status}): ${vendorMsg}`;
		}
		return new SyncError({ kind, status, code, fields: fields.length ? fields : undefined, recordRef, retryAfterMs, message: this.clean(message), cause: body.correlationId ? { correlationId: body.correlationId } : undefined });
	}

	/** One failed input of a 207 batch. */
	private recordError(object: string, e: RawBatchError, ref: string): SyncError {
		const fields = propertyNames(e);
		const cat = e.category ?? 'UNKNOWN';
		const kind: ErrorKind =
			cat === 'VALIDATION_ERROR' || cat === 'CONFLICT' ? 'validation' : cat === 'OBJECT_NOT_FOUND' ? 'not_found' : cat === 'RATE_LIMITS' ? 'rate_limit' : cat === 'INVALID_AUTHENTICATION' ? 'auth_expired' : 'unknown';
		const status = cat === 'CONFLICT' ? 409 : cat === 'OBJECT_NOT_FOUND' ? 404 : cat === 'VALIDATION_ERROR' ? 400 : undefined;
		const code = e.errors?.find((x) => x.code)?.code ?? cat;
		const what = cat === 'CONFLICT' ? 'a record with the same unique value already exists' : kind === 'not_found' ? 'the record does not exist' : 'HubSpot rejected the data';
		const message = `HubSpot ${object} record ${ref}: ${what}${fields.length ? ` (property ${fields.join(', ')})` : ''}: ${readableValidation(String(e.message ?? cat))}`;
		return new SyncError({ kind, status, code, fields: fields.length ? fields : undefined, recordRef: ref, message: this.clean(message) });
	}

	private clean(msg: string): string {
		return redactSecrets(msg, [this.token]);
	}
}

// ---------------------------------------------------------------------- helpers

export function modifiedProperty(object: string): string {
	return object === 'contacts' ? 'lastmodifieddate' : 'hs_lastmodifieddate';
}

function fieldType(name: string, type: string, fieldType: string): FieldType {
	if (name === 'email' || name.endsWith('_email') || fieldType === 'email') return 'email';
	if (fieldType === 'phonenumber' || type === 'phone_number') return 'phone';
	switch (type) {
		case 'string':
			return 'text';
		case 'number':
			return 'number';
		case 'date':
			return 'date';
		case 'datetime':
			return 'datetime';
		case 'bool':
			return 'boolean';
		case 'enumeration':
			return fieldType === 'booleancheckbox' ? 'boolean' : 'picklist';
		default:
			return 'other';
	}
}

/** HubSpot takes every property value as a string; '' clears a value. */
function toHubSpotValues(fields: Record<string, unknown>): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [k, v] of Object.entries(fields)) {
		if (v === null || v === undefined) out[k] = '';
		else if (v instanceof Date) out[k] = v.toISOString();
		else if (typeof v === 'object') out[k] = Array.isArray(v) ? v.join(';') : JSON.stringify(v);
		else out[k] = String(v);
	}
	return out;
}

function propertyNames(e: RawBatchError): string[] {
	const names = new Set<string>();
	for (const n of e.context?.propertyName ?? []) names.add(n);
	for (const d of e.errors ?? []) for (const n of d.context?.propertyName ?? []) names.add(n);
	if (!names.size && e.message) {
		// "Property values were not valid: [{...,"name":"email",...}]"
		const m = /Property values were not valid: (\[.*\])/s.exec(e.message);
		if (m) {
			try {
				for (const x of JSON.parse(m[1]) as Array<{ name?: string }>) if (x.name) names.add(x.name);
			} catch {
				/* keep the message as is */
			}
		}
	}
	return [...names];
}

/** Shorten HubSpot's "Property values were not valid: [json]" into its messages. */
function readableValidation(msg: string): string {
	const m = /^Property values were not valid: (\[.*\])$/s.exec(msg);
	if (!m) return msg;
	try {
		return (JSON.parse(m[1]) as Array<{ message?: string }>).map((x) => x.message).filter(Boolean).join('; ');
	} catch {
		return msg;
	}
}

const fail = failure;
const copyError = errorFor;

function meetingOutcome(o: string | undefined): string | undefined {
	if (!o) return undefined;
	const k = o.trim().toLowerCase().replace(/[\s-]+/g, '_');
	return MEETING_OUTCOMES[k] ?? o.trim().toUpperCase();
}

export function meetingUrl(meetingId: string): string {
	return `fieldflow://meeting/${encodeURIComponent(meetingId)}`;
}

/** One alphanumeric search token per summary id (HubSpot tokenises text on punctuation). */
export function summaryToken(summaryId: string): string {
	return `ffsummary${createHash('sha1').update(summaryId).digest('hex').slice(0, 20)}`;
}

function escapeHtml(s: string): string {
	return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function uniqueList<T>(a: T[]): T[] {
	return [...new Set(a)];
}

function omit(o: Record<string, unknown>, key: string): Record<string, unknown> {
	const { [key]: _drop, ...rest } = o;
	void _drop;
	return rest;
}

function lowerKeys(h: Record<string, string>): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
	return out;
}
