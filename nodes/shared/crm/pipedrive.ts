/**
 * Pipedrive adapter (the `pipedrive` SDK, v2 API for persons / organizations / deals / activities,
 * v1 for notes, field metadata and the current user).
 *
 * The SDK's axios interceptor rejects with the response body only, so status and headers (the
 * Retry-After of a 429) would be lost. We give each SDK Configuration an axios `adapter` of our own
 * (`baseOptions.adapter`) that performs the request with fetch and, on a non-2xx answer, throws a
 * `PipedriveHttpError` carrying status, headers and body; the SDK passes that error through
 * untouched. The SDK has no retries of its own; every call goes through `callApi`.
 *
 * Deletions: Pipedrive's v2 lists never include deleted records and the API has no deletion feed
 * (only webhooks), so `listChangedSince` cannot report deletions; a deleted record shows up as
 * not_found when it is read or written by id.
 */
import { chunk, uniqBy } from 'lodash';
import { v1, v2 } from 'pipedrive';
import { SyncError, kindFromStatus, malformedAnswer, oversizedValue, parseRetryAfter, redactSecrets } from '../errors';
import { RateGate, callApi, newStats, realSleep, type RetryPolicy, type Sleep, type WriteSafety } from '../transport/retry';
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

export const PIPEDRIVE_DEFAULT_BASE_URL = 'https://api.pipedrive.com';
/** Pipedrive's budget is token based (per 2-second window, by plan); 10/s stays well inside it. */
export const PIPEDRIVE_DEFAULT_RATE = 10;
const PAGE_MAX = 500;
const IDS_MAX = 100;

export interface PipedriveAdapterConfig {
	/** Personal API token (sent as `x-api-token`). */
	apiToken?: string;
	/** OAuth access token (sent as `Authorization: Bearer`), instead of apiToken. */
	accessToken?: string;
	/** Default https://api.pipedrive.com (or the company domain); `/api/v1`, `/api/v2` are appended. */
	baseUrl?: string;
	retry?: RetryPolicy;
	/** Calls per second the adapter allows itself (default 10). 0 = no throttle. */
	ratePerSecond?: number;
	sleep?: Sleep;
	/** Parallel single-record writes (Pipedrive has no batch endpoint). Default 4. */
	writeConcurrency?: number;
	/** Per-request timeout in ms (default 60 s). */
	timeoutMs?: number;
}

export type PipedriveObject = 'persons' | 'organizations' | 'deals' | 'activities';

const OBJECTS: Record<PipedriveObject, ObjectInfo & { singular: string; fieldsPath: string }> = {
	persons: { name: 'persons', label: 'Persons', role: 'person', singular: 'person', fieldsPath: 'personFields' },
	organizations: { name: 'organizations', label: 'Organizations', role: 'company', singular: 'organization', fieldsPath: 'organizationFields' },
	deals: { name: 'deals', label: 'Deals', role: 'deal', singular: 'deal', fieldsPath: 'dealFields' },
	activities: { name: 'activities', label: 'Activities', role: 'activity', singular: 'activity', fieldsPath: 'activityFields' },
};

/** The objects, as the adapter lists them (dropdowns and the factory use this list too). */
export const PIPEDRIVE_OBJECTS: ObjectInfo[] = Object.values(OBJECTS).map(({ name, label, role }) => ({ name, label, role }));

/**
 * Pure: the Pipedrive calls `counts` writes of `object` cost when none is retried. Pipedrive has no
 * batch writes: one call per record per endpoint (`<object>.create` / `.update` / `.delete`). An
 * upsert by a unique property first searches (persons by email, organizations by name), then
 * writes; upserts are forecast as new records (a search and a create each; a match found costs an
 * update instead of the create).
 */
export function forecastPipedriveWrites(object: string, counts: WriteCounts): CallForecast {
	const out: CallForecast = {};
	const add = (endpoint: string, calls = 0) => {
		if (calls > 0) out[endpoint] = (out[endpoint] ?? 0) + calls;
	};
	const upserts = object === 'persons' || object === 'organizations' ? (counts.upserts ?? 0) : 0;
	add(`${object}.search`, upserts);
	add(`${object}.create`, (counts.creates ?? 0) + upserts);
	add(`${object}.update`, counts.updates);
	add(`${object}.delete`, counts.deletes);
	return out;
}

/** Fields the API computes; never written. */
const READ_ONLY = new Set(['id', 'add_time', 'update_time', 'first_name', 'last_name', 'creator_user_id', 'owner_name', 'org_name', 'person_name', 'cc_email', 'next_activity_date', 'last_activity_date', 'won_time', 'lost_time', 'close_time', 'stage_change_time', 'marked_as_done_time', 'picture_id', 'last_incoming_mail_time', 'last_outgoing_mail_time']);
/** Fields the adapter adds to records for convenience and strips before writing. */
const STRIP_ON_WRITE = new Set(['id', 'update_time', 'first_name', 'last_name']);
const HASH_RE = /^[0-9a-f]{40}$/;

/** An HTTP answer outside 2xx, with what the SDK would otherwise throw away. */
export class PipedriveHttpError extends Error {
	constructor(
		readonly status: number,
		readonly headers: Record<string, string>,
		readonly body: unknown,
	) {
		super(`HTTP ${status}`);
		this.name = 'PipedriveHttpError';
	}
}

interface AdapterRequest {
	url?: string;
	method?: string;
	headers?: unknown;
	data?: unknown;
	timeout?: number;
	signal?: AbortSignal;
}

/** An axios adapter (the request as axios prepared it) implemented with fetch. */
function makeFetchAdapter(defaultTimeoutMs: number) {
	return async (config: AdapterRequest) => {
		const h = config.headers as { toJSON?: () => Record<string, unknown> } | Record<string, unknown> | undefined;
		const flat = (h && typeof (h as { toJSON?: unknown }).toJSON === 'function' ? (h as { toJSON: () => Record<string, unknown> }).toJSON() : (h ?? {})) as Record<string, unknown>;
		const headers: Record<string, string> = {};
		for (const [k, v] of Object.entries(flat)) if (v !== undefined && v !== null && v !== false) headers[k] = String(v);
		const signals = [AbortSignal.timeout(config.timeout || defaultTimeoutMs)];
		if (config.signal) signals.push(config.signal);
		const res = await fetch(String(config.url), {
			method: (config.method ?? 'get').toUpperCase(),
			headers,
			body: config.data === undefined || config.data === null ? undefined : typeof config.data === 'string' ? config.data : JSON.stringify(config.data),
			signal: AbortSignal.any(signals),
		});
		const resHeaders: Record<string, string> = {};
		res.headers.forEach((v, k) => (resHeaders[k] = v));
		const text = await res.text();
		let data: unknown = text;
		try {
			data = text ? JSON.parse(text) : '';
		} catch {
			if (res.ok) throw malformedAnswer('Pipedrive', `${(config.method ?? 'get').toUpperCase()} ${new URL(String(config.url)).pathname}`);
			throw new PipedriveHttpError(res.status, resHeaders, { error: `Pipedrive answered with a body that is not JSON (HTTP ${res.status})` });
		}
		if (!res.ok) throw new PipedriveHttpError(res.status, resHeaders, data);
		return { data, status: res.status, statusText: res.statusText, headers: resHeaders, config, request: {} };
	};
}

interface V2Page<T> {
	data?: T[] | null;
	additional_data?: { next_cursor?: string | null } | null;
}
type Entity = Record<string, unknown> & { id?: number; update_time?: string };

interface ListParams {
	ids?: string;
	updated_since?: string;
	sort_by?: 'id' | 'update_time' | 'add_time';
	sort_direction?: 'asc' | 'desc';
	person_id?: number;
	org_id?: number;
	deal_id?: number;
	limit?: number;
	cursor?: string;
}

interface EntityOps {
	list(p: ListParams): Promise<V2Page<Entity>>;
	create(body: Record<string, unknown>): Promise<{ data?: Entity | null }>;
	update(id: number, body: Record<string, unknown>): Promise<{ data?: Entity | null }>;
	remove(id: number): Promise<unknown>;
}

export class PipedriveAdapter implements CrmAdapter {
	readonly crm = 'pipedrive' as const;
	readonly stats: CallStats = newStats();
	private readonly gate?: RateGate;
	private readonly sleep: Sleep;
	private readonly ops: Record<PipedriveObject, EntityOps>;
	private readonly persons: v2.PersonsApi;
	private readonly organizations: v2.OrganizationsApi;
	private readonly notes: v1.NotesApi;
	private readonly v1cfg: v1.Configuration;
	private readonly secrets: string[];

	constructor(private readonly config: PipedriveAdapterConfig) {
		if (!config.apiToken && !config.accessToken) throw new SyncError({ kind: 'auth_expired', message: 'Pipedrive credentials are missing: set an API token or an OAuth access token.' });
		const base = (config.baseUrl ?? PIPEDRIVE_DEFAULT_BASE_URL).replace(/\/+$/, '').replace(/\/api\/v[12]$/, '');
		const baseOptions = { adapter: makeFetchAdapter(config.timeoutMs ?? 60_000), timeout: config.timeoutMs ?? 60_000 };
		const auth = config.apiToken ? { apiKey: config.apiToken } : { accessToken: config.accessToken! };
		const v2cfg = new v2.Configuration({ ...auth, basePath: `${base}/api/v2` });
		v2cfg.baseOptions = baseOptions;
		this.v1cfg = new v1.Configuration({ ...auth, basePath: `${base}/api/v1` });
		this.v1cfg.baseOptions = baseOptions;
		this.secrets = [config.apiToken ?? '', config.accessToken ?? ''];
		this.sleep = config.sleep ?? realSleep;
		const rate = config.ratePerSecond ?? PIPEDRIVE_DEFAULT_RATE;
		if (rate > 0) this.gate = new RateGate(rate, Math.max(1, Math.ceil(rate)), this.sleep);

		this.persons = new v2.PersonsApi(v2cfg);
		this.organizations = new v2.OrganizationsApi(v2cfg);
		const deals = new v2.DealsApi(v2cfg);
		const activities = new v2.ActivitiesApi(v2cfg);
		this.notes = new v1.NotesApi(this.v1cfg);
		/* The SDK's request types are narrower than the generic bodies the mapping engine produces;
		   the server validates them (unknown fields are answered 400 naming the field). */
		type Any = never;
		this.ops = {
			persons: {
				list: (p) => this.persons.getPersons(p as Any) as Promise<V2Page<Entity>>,
				create: (b) => this.persons.addPerson({ AddPersonRequest: b as Any }) as Promise<{ data?: Entity }>,
				update: (id, b) => this.persons.updatePerson({ id, UpdatePersonRequest: b as Any }) as Promise<{ data?: Entity }>,
				remove: (id) => this.persons.deletePerson({ id }),
			},
			organizations: {
				list: (p) => this.organizations.getOrganizations(p as Any) as Promise<V2Page<Entity>>,
				create: (b) => this.organizations.addOrganization({ AddOrganizationRequest: b as Any }) as Promise<{ data?: Entity }>,
				update: (id, b) => this.organizations.updateOrganization({ id, UpdateOrganizationRequest: b as Any }) as Promise<{ data?: Entity }>,
				remove: (id) => this.organizations.deleteOrganization({ id }),
			},
			deals: {
				list: (p) => deals.getDeals(p as Any) as Promise<V2Page<Entity>>,
				create: (b) => deals.addDeal({ AddDealRequest: b as Any }) as Promise<{ data?: Entity }>,
				update: (id, b) => deals.updateDeal({ id, UpdateDealRequest: b as Any }) as Promise<{ data?: Entity }>,
				remove: (id) => deals.deleteDeal({ id }),
			},
			activities: {
				list: (p) => activities.getActivities(p as Any) as Promise<V2Page<Entity>>,
				create: (b) => activities.addActivity({ AddActivityRequest: b as Any }) as Promise<{ data?: Entity }>,
				update: (id, b) => activities.updateActivity({ id, AddActivityRequest: b as Any }) as Promise<{ data?: Entity }>,
				remove: (id) => activities.deleteActivity({ id }),
			},
		};
	}

	/** The calls `counts` writes of `object` cost per endpoint (one per record). */
	forecastWrites(object: string, counts: WriteCounts): CallForecast {
		return forecastPipedriveWrites(this.obj(object), counts);
	}

	objects(): ObjectInfo[] {
		return PIPEDRIVE_OBJECTS.map((o) => ({ ...o }));
	}

	// ------------------------------------------------------------------ plumbing

	private obj(object: string): PipedriveObject {
		if (!(object in OBJECTS)) throw new SyncError({ kind: 'validation', message: `Pipedrive has no object "${object}" here. Use one of: ${Object.keys(OBJECTS).join(', ')}.` });
		return object as PipedriveObject;
	}

	/** Turn whatever the SDK / transport threw into a SyncError. */
	classify(err: unknown, what: string, recordRef?: string, fieldAlias: Record<string, string> = {}): SyncError {
		if (err instanceof SyncError) {
			if (recordRef && !err.recordRef) err.recordRef = recordRef;
			return err;
		}
		if (err instanceof PipedriveHttpError) {
			const body = (err.body && typeof err.body === 'object' ? err.body : {}) as { error?: string; code?: string; errorCode?: number | string };
			const vendorMsg = typeof body.error === 'string' ? body.error : `HTTP ${err.status}`;
			const kind = kindFromStatus(err.status);
			let fields: string[] | undefined;
			const m = /^Validation failed:\s*([^:]+):/.exec(vendorMsg) ?? /Parameter '([^']+)'/.exec(vendorMsg);
			if (m) {
				const raw = m[1].trim().replace(/^custom_fields\./, '');
				fields = [fieldAlias[raw] ?? raw];
			}
			let retryAfterMs = parseRetryAfter(err.headers['retry-after']);
			if (retryAfterMs === undefined && err.status === 429) retryAfterMs = parseRetryAfter(err.headers['x-ratelimit-reset']);
			const code = body.code ?? (kind === 'auth_expired' ? 'UNAUTHORIZED' : kind === 'rate_limit' ? 'RATE_LIMIT' : kind === 'not_found' ? 'NOT_FOUND' : kind === 'validation' ? 'VALIDATION_FAILED' : `HTTP_${err.status}`);
			const extra = kind === 'auth_expired' ? ' The API token or OAuth access is no longer valid; Pipedrive API tokens cannot be refreshed.' : '';
			return new SyncError({
				kind,
				status: err.status,
				code,
				fields,
				recordRef,
				retryAfterMs,
				message: redactSecrets(`Pipedrive ${what} failed (HTTP ${err.status}): ${vendorMsg}.${extra}`, this.secrets),
				cause: err,
			});
		}
		const e = err as { name?: string; message?: string; cause?: { code?: string } };
		const timeout = e?.name === 'TimeoutError' || e?.name === 'AbortError';
		return new SyncError({
			kind: 'transient',
			code: timeout ? 'TIMEOUT' : (e?.cause?.code ?? 'NETWORK'),
			recordRef,
			message: redactSecrets(`Pipedrive ${what} failed: ${timeout ? 'the request timed out' : (e?.message ?? String(err))}${e?.cause?.code ? ` (${e.cause.code})` : ''}`, this.secrets),
			cause: err,
		});
	}

	private call<T>(endpoint: string, fn: () => Promise<T>, opts: { what: string; ref?: string; safety?: WriteSafety; alias?: Record<string, string> }): Promise<T> {
		return callApi(fn, {
			endpoint,
			stats: this.stats,
			policy: this.config.retry,
			gate: this.gate,
			sleep: this.sleep,
			classify: (e) => this.classify(e, opts.what, opts.ref, opts.alias),
			safety: opts.safety,
		}).catch((e: unknown) => {
			throw this.classify(e, opts.what, opts.ref, opts.alias);
		});
	}

	// ------------------------------------------------------------------ records

	private toRecord(object: PipedriveObject, e: Entity): CrmRecord {
		const fields: Record<string, unknown> = {};
		for (const [k, v] of Object.entries(e)) {
			if (k === 'custom_fields' && v && typeof v === 'object') Object.assign(fields, v);
			else fields[k] = v;
		}
		if (object === 'persons') {
			fields.email = primary(e.emails);
			fields.phone = primary(e.phones);
		}
		const t = e.update_time ? new Date(String(e.update_time)) : undefined;
		return { id: String(e.id), object, fields, modifiedAt: t && !isNaN(t.getTime()) ? t.toISOString() : '' };
	}

	/** Mapping-level fields → the v2 request body. */
	private toBody(object: PipedriveObject, fields: Record<string, unknown>): { body: Record<string, unknown>; alias: Record<string, string> } {
		const body: Record<string, unknown> = {};
		const custom: Record<string, unknown> = {};
		const alias: Record<string, string> = {};
		for (const [k, v] of Object.entries(fields)) {
			if (v === undefined || STRIP_ON_WRITE.has(k)) continue;
			if (HASH_RE.test(k)) custom[k] = v;
			else if (k === 'custom_fields' && v && typeof v === 'object') Object.assign(custom, v);
			else body[k] = v;
		}
		if (object === 'persons') {
			for (const [short, list] of [
				['email', 'emails'],
				['phone', 'phones'],
			] as const) {
				if (!(short in body)) continue;
				const v = body[short];
				delete body[short];
				alias[list] = short;
				if (v === null || v === '') body[list] = [];
				else if (Array.isArray(v)) body[list] = v.map((x, i) => (typeof x === 'string' ? { value: x, primary: i === 0, label: 'work' } : x));
				else body[list] = [{ value: String(v), primary: true, label: 'work' }];
			}
		}
		for (const k of ['org_id', 'person_id', 'deal_id', 'owner_id', 'stage_id'] as const) {
			if (typeof body[k] === 'string' && /^\d+$/.test(body[k] as string)) body[k] = Number(body[k]);
		}
		if (Object.keys(custom).length) body.custom_fields = custom;
		return { body, alias };
	}

	private numericId(id: string, object: string, ref?: string): number {
		const n = Number(id);
		if (!Number.isInteger(n) || n <= 0) throw new SyncError({ kind: 'not_found', code: 'INVALID_ID', recordRef: ref ?? id, message: `"${id}" is not a Pipedrive ${object} id (ids are positive integers).` });
		return n;
	}

	// ------------------------------------------------------------------ CrmAdapter

	async testConnection(): Promise<void> {
		const users = new v1.UsersApi(this.v1cfg);
		await this.call('users.me', () => users.getCurrentUser(), { what: 'credential test (GET /v1/users/me)' });
	}

	async *listChangedSince(object: string, since: string | undefined, options: ListOptions = {}): AsyncIterable<ChangePage> {
		const o = this.obj(object);
		const limit = Math.min(PAGE_MAX, Math.max(1, options.pageSize ?? PAGE_MAX));
		// v2 takes RFC3339; second precision, rounded down (the filter is >=, so this only widens).
		const sinceParam = since ? new Date(since).toISOString().replace(/\.\d+Z$/, 'Z') : undefined;
		let high = since ? new Date(since).toISOString() : new Date(0).toISOString();
		let cursor: string | undefined;
		do {
			const page = await this.call(`${o}.list`, () => this.ops[o].list({ updated_since: sinceParam, sort_by: 'update_time', sort_direction: 'asc', limit, cursor }).then(listShape(`GET /api/v2/${o}`)), { what: `list ${o} changed since ${since ?? 'the beginning'}` });
			const records = (page.data ?? []).map((e) => this.toRecord(o, e));
			for (const r of records) if (r.modifiedAt > high) high = r.modifiedAt;
			cursor = page.additional_data?.next_cursor ?? undefined;
			yield { records: options.fields ? records.map((r) => pick(r, options.fields!)) : records, cursor: high };
		} while (cursor);
	}

	async getByIds(object: string, ids: string[], fields?: string[]): Promise<CrmRecord[]> {
		const o = this.obj(object);
		const wanted = [...new Set(ids)].filter((id) => /^\d+$/.test(id));
		const found = new Map<string, CrmRecord>();
		for (const group of chunk(wanted, IDS_MAX)) {
			let cursor: string | undefined;
			do {
				const page = await this.call(`${o}.list`, () => this.ops[o].list({ ids: group.join(','), limit: PAGE_MAX, cursor }).then(listShape(`GET /api/v2/${o}`)), { what: `read ${o} by id` });
				for (const e of page.data ?? []) found.set(String(e.id), this.toRecord(o, e));
				cursor = page.additional_data?.next_cursor ?? undefined;
			} while (cursor);
		}
		const out: CrmRecord[] = [];
		for (const id of ids) {
			const r = found.get(id);
			if (r) out.push(fields ? pick(r, fields) : r);
		}
		return out;
	}

	async upsert(object: string, inputs: WriteInput[], options: UpsertOptions = {}): Promise<WriteResult[]> {
		const o = this.obj(object);
		return this.writePool(inputs, (input) => input.ref, (input) => this.writeOne(o, input, options));
	}

	private async writeOne(o: PipedriveObject, input: WriteInput, options: UpsertOptions): Promise<WriteResult> {
		const tooLong = oversizedValue('Pipedrive', o, input.ref, input.fields, PIPEDRIVE_TEXT_MAX);
		if (tooLong) return { ref: input.ref, success: false, error: tooLong };
		try {
			let id = input.id;
			if (!id && options.idProperty) id = await this.findByProperty(o, options.idProperty, input.fields[options.idProperty], input.ref);
			const { body, alias } = this.toBody(o, input.fields);
			if (id) {
				const n = this.numericId(id, OBJECTS[o].singular, input.ref);
				const res = await this.call(`${o}.update`, () => this.ops[o].update(n, body), { what: `update ${OBJECTS[o].singular} ${id}`, ref: input.ref, safety: 'idempotent', alias });
				if (!res?.data) throw malformedAnswer('Pipedrive', `update ${OBJECTS[o].singular} ${id}`, 'had no data', input.ref);
				return { ref: input.ref, success: true, id: String(res.data?.id ?? id), created: false };
			}
			const res = await this.call(`${o}.create`, () => this.ops[o].create(body), { what: `create ${OBJECTS[o].singular}`, ref: input.ref, safety: 'creates', alias });
			// Never take a create without an id for written (it would be linked to "undefined").
			if (res?.data?.id === undefined || res.data.id === null) throw malformedAnswer('Pipedrive', `create ${OBJECTS[o].singular}`, 'carried no id', input.ref);
			return { ref: input.ref, success: true, id: String(res.data.id), created: true };
		} catch (e) {
			return { ref: input.ref, success: false, error: this.classify(e, `write ${OBJECTS[o].singular}`, input.ref) };
		}
	}

	/** Upsert by a unique property: Pipedrive has none, so search for it (email / name). */
	private async findByProperty(o: PipedriveObject, prop: string, value: unknown, ref: string): Promise<string | undefined> {
		if (value === undefined || value === null || value === '') return undefined;
		const v = String(value);
		if (o === 'persons' && (prop === 'email' || prop === 'emails')) return (await this.searchPersons(v, 'email'))[0];
		if (o === 'organizations' && prop === 'name') return (await this.searchOrgs(v))[0];
		throw new SyncError({ kind: 'validation', recordRef: ref, fields: [prop], code: 'UNSUPPORTED_ID_PROPERTY', message: `Pipedrive cannot upsert ${o} by "${prop}": use email (persons) or name (organizations), or pass the record id.` });
	}

	async delete(object: string, ids: string[]): Promise<WriteResult[]> {
		const o = this.obj(object);
		return this.writePool(ids, (id) => id, async (id) => {
			try {
				const n = this.numericId(id, OBJECTS[o].singular);
				await this.call(`${o}.delete`, () => this.ops[o].remove(n), { what: `delete ${OBJECTS[o].singular} ${id}`, ref: id, safety: 'idempotent' });
				return { ref: id, success: true, id };
			} catch (e) {
				return { ref: id, success: false, id, error: this.classify(e, `delete ${OBJECTS[o].singular} ${id}`, id) };
			}
		});
	}

	async logMeeting(m: MeetingInput): Promise<WriteResult> {
		const ref = m.meetingId;
		const marker = `[FieldFlow meeting ${m.meetingId}]`;
		try {
			const link = this.linkParams(m.linkTo, ref);
			const start = new Date(m.startTime);
			if (isNaN(start.getTime())) throw new SyncError({ kind: 'validation', recordRef: ref, fields: ['startTime'], code: 'INVALID_DATE', message: `Meeting ${m.meetingId} has no valid start time ("${m.startTime}").` });
			const minutes = Math.max(0, Math.round(m.durationMinutes || 0));
			const note = [m.notes, m.outcome ? `Outcome: ${m.outcome}` : undefined, marker].filter((x) => x && String(x).trim()).join('\n\n');
			const body: Record<string, unknown> = {
				subject: m.subject,
				type: 'meeting',
				due_date: start.toISOString().slice(0, 10),
				due_time: start.toISOString().slice(11, 16),
				duration: `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`,
				note,
				done: true,
				...link,
			};
			if (link.person_id) body.participants = [{ person_id: link.person_id, primary: true }];

			let id = m.existingId;
			if (id) {
				const n = this.numericId(id, 'activity', ref);
				try {
					await this.call('activities.update', () => this.ops.activities.update(n, body), { what: `update activity ${id}`, ref, safety: 'idempotent' });
					return { ref, success: true, id, created: false };
				} catch (e) {
					if (!(e instanceof SyncError && e.kind === 'not_found' && /activity/i.test(e.message))) throw e;
					id = undefined; // deleted in Pipedrive: find by marker or recreate
				}
			}
			// The API cannot filter on note text: list the linked record's activities and look for the marker.
			let cursor: string | undefined;
			do {
				const page = await this.call('activities.list', () => this.ops.activities.list({ ...link, limit: PAGE_MAX, cursor }), { what: 'find a previously logged meeting', ref });
				const hit = (page.data ?? []).find((a) => typeof a.note === 'string' && a.note.includes(marker));
				if (hit) {
					await this.call('activities.update', () => this.ops.activities.update(hit.id!, body), { what: `update activity ${hit.id}`, ref, safety: 'idempotent' });
					return { ref, success: true, id: String(hit.id), created: false };
				}
				cursor = page.additional_data?.next_cursor ?? undefined;
			} while (cursor);
			const res = await this.call('activities.create', () => this.ops.activities.create(body), { what: 'create meeting activity', ref, safety: 'creates' });
			return { ref, success: true, id: String(res.data?.id), created: true };
		} catch (e) {
			return { ref, success: false, error: this.classify(e, 'log meeting', ref) };
		}
	}

	async addNote(n: NoteInput): Promise<WriteResult> {
		const ref = n.summaryId;
		const marker = `[FieldFlow summary ${n.summaryId}]`;
		try {
			const link = this.linkParams(n.linkTo, ref);
			const content = `${n.body}\n\n${marker}`;
			if (n.existingId) {
				const id = this.numericId(n.existingId, 'note', ref);
				try {
					await this.call('notes.update', () => this.notes.updateNote({ id, NoteRequest: { content } as never }), { what: `update note ${id}`, ref, safety: 'idempotent' });
					return { ref, success: true, id: String(id), created: false };
				} catch (e) {
					if (!(e instanceof SyncError && e.kind === 'not_found' && /note/i.test(e.message))) throw e;
				}
			}
			for (let start = 0; ; ) {
				const page = (await this.call('notes.list', () => this.notes.getNotes({ ...link, start, limit: PAGE_MAX }), { what: 'find a previously added note', ref })) as {
					data?: Array<{ id?: number; content?: string }> | null;
					additional_data?: { pagination?: { more_items_in_collection?: boolean; next_start?: number } };
				};
				const hit = (page.data ?? []).find((x) => typeof x.content === 'string' && x.content.includes(marker));
				if (hit) {
					await this.call('notes.update', () => this.notes.updateNote({ id: hit.id!, NoteRequest: { content } as never }), { what: `update note ${hit.id}`, ref, safety: 'idempotent' });
					return { ref, success: true, id: String(hit.id), created: false };
				}
				const p = page.additional_data?.pagination;
				if (!p?.more_items_in_collection) break;
				start = p.next_start ?? start + PAGE_MAX;
			}
			const res = (await this.call('notes.create', () => this.notes.addNote({ AddNoteRequest: { content, ...link } }), { what: 'create note', ref, safety: 'creates' })) as { data?: { id?: number } };
			return { ref, success: true, id: String(res.data?.id), created: true };
		} catch (e) {
			return { ref, success: false, error: this.classify(e, 'add note', ref) };
		}
	}

	private linkParams(linkTo: { object: string; id: string }, ref: string): { person_id?: number; org_id?: number; deal_id?: number } {
		const o = this.obj(linkTo.object);
		const id = this.numericId(linkTo.id, OBJECTS[o].singular, ref);
		if (o === 'persons') return { person_id: id };
		if (o === 'organizations') return { org_id: id };
		if (o === 'deals') return { deal_id: id };
		throw new SyncError({ kind: 'validation', recordRef: ref, code: 'INVALID_LINK', message: 'Meetings and notes link to a person, an organization or a deal, not to an activity.' });
	}

	private async searchPersons(term: string, field: 'email' | 'name'): Promise<string[]> {
		const res = await this.call('persons.search', () => this.persons.searchPersons({ term, fields: field, exact_match: true, limit: 100 }), { what: `search persons by ${field}` });
		const want = term.trim().toLowerCase();
		return (res.data?.items ?? [])
			.map((i) => i.item)
			.filter((it) => (field === 'email' ? (it?.emails ?? []).some((e) => String(e).toLowerCase() === want) : String(it?.name ?? '').toLowerCase() === want))
			.map((it) => String(it!.id));
	}

	private async searchOrgs(name: string): Promise<string[]> {
		const res = await this.call('organizations.search', () => this.organizations.searchOrganization({ term: name, fields: 'name', exact_match: true, limit: 100 }), { what: 'search organizations by name' });
		const want = name.trim().toLowerCase();
		return (res.data?.items ?? [])
			.map((i) => i.item)
			.filter((it) => String(it?.name ?? '').toLowerCase() === want)
			.map((it) => String(it!.id));
	}

	async findDuplicates(object: string, criteria: DuplicateCriteria[]): Promise<DuplicateMatch[]> {
		const o = this.obj(object);
		const hits: Array<Array<{ id: string; object: PipedriveObject; matchedOn: 'email' | 'company' | 'name' }>> = [];
		for (const c of criteria) {
			const mine: (typeof hits)[number] = [];
			if (o === 'persons') {
				if (c.email?.trim()) for (const id of await this.searchPersons(c.email.trim(), 'email')) mine.push({ id, object: 'persons', matchedOn: 'email' });
				if (c.name?.trim()) for (const id of await this.searchPersons(c.name.trim(), 'name')) mine.push({ id, object: 'persons', matchedOn: 'name' });
			}
			const company = c.company?.trim() || (o === 'organizations' ? c.name?.trim() : undefined);
			if (company && (o === 'persons' || o === 'organizations' || o === 'deals')) {
				for (const id of await this.searchOrgs(company)) mine.push({ id, object: 'organizations', matchedOn: c.company?.trim() ? 'company' : 'name' });
			}
			hits.push(uniqBy(mine, (h) => `${h.object}:${h.id}`));
		}
		const records = new Map<string, CrmRecord>();
		for (const ob of ['persons', 'organizations'] as const) {
			const ids = [...new Set(hits.flat().filter((h) => h.object === ob).map((h) => h.id))];
			if (ids.length) for (const r of await this.getByIds(ob, ids)) records.set(`${ob}:${r.id}`, r);
		}
		return criteria.map((c, i) => ({
			ref: c.ref,
			matches: hits[i].filter((h) => records.has(`${h.object}:${h.id}`)).map((h) => ({ ...h, record: records.get(`${h.object}:${h.id}`)! })),
		}));
	}

	async listFields(object: string): Promise<FieldInfo[]> {
		const o = this.obj(object);
		const raw: Array<Record<string, unknown>> = [];
		const what = `read ${o} field metadata`;
		if (o === 'activities') {
			const api = new v1.ActivityFieldsApi(this.v1cfg);
			const res = (await this.call('activityFields.list', () => api.getActivityFields(), { what })) as unknown as { data?: Array<Record<string, unknown>> | null };
			raw.push(...(res.data ?? []));
		} else {
			const api = o === 'persons' ? new v1.PersonFieldsApi(this.v1cfg) : o === 'organizations' ? new v1.OrganizationFieldsApi(this.v1cfg) : new v1.DealFieldsApi(this.v1cfg);
			const get = (start: number) =>
				(o === 'persons' ? (api as v1.PersonFieldsApi).getPersonFields({ start, limit: PAGE_MAX }) : o === 'organizations' ? (api as v1.OrganizationFieldsApi).getOrganizationFields({ start, limit: PAGE_MAX }) : (api as v1.DealFieldsApi).getDealFields({ start, limit: PAGE_MAX })) as Promise<{
					data?: Array<Record<string, unknown>> | null;
					additional_data?: { pagination?: { more_items_in_collection?: boolean; next_start?: number } };
				}>;
			for (let start = 0; ; ) {
				const res = await this.call(`${OBJECTS[o].fieldsPath}.list`, () => get(start), { what });
				raw.push(...(res.data ?? []));
				const p = res.additional_data?.pagination;
				if (!p?.more_items_in_collection) break;
				start = p.next_start ?? start + PAGE_MAX;
			}
		}
		return raw.map((f) => toFieldInfo(f));
	}

	/**
	 * Writes over the pool that stop at the first expired token: once one write answers
	 * auth_expired, the writes not started yet fail with it too, without a call (a token never
	 * comes back by itself), like HubSpot's and Salesforce's batches.
	 */
	private async writePool<T>(items: T[], refOf: (item: T) => string, fn: (item: T) => Promise<WriteResult>): Promise<WriteResult[]> {
		let fatal: SyncError | undefined;
		return this.pool(items, async (item) => {
			if (fatal) {
				const ref = refOf(item);
				return { ref, success: false, error: new SyncError({ kind: fatal.kind, status: fatal.status, code: fatal.code, recordRef: ref, message: `Not sent: ${fatal.message}`, cause: fatal }) };
			}
			const r = await fn(item);
			if (!r.success && r.error?.kind === 'auth_expired') fatal ??= r.error;
			return r;
		});
	}

	/** Run `fn` over items with bounded concurrency; results in input order. */
	private async pool<T, R>(items: T[], fn: (item: T) => Promise<R>): Promise<R[]> {
		const out = new Array<R>(items.length);
		let next = 0;
		const workers = Array.from({ length: Math.min(items.length, Math.max(1, this.config.writeConcurrency ?? 4)) }, async () => {
			while (next < items.length) {
				const i = next++;
				out[i] = await fn(items[i]);
			}
		});
		await Promise.all(workers);
		return out;
	}
}

const TYPE_MAP: Record<string, FieldType> = {
	varchar: 'text',
	varchar_auto: 'text',
	varchar_options: 'text',
	text: 'text',
	address: 'text',
	double: 'number',
	monetary: 'number',
	int: 'number',
	date: 'date',
	daterange: 'date',
	time: 'other',
	timerange: 'other',
	enum: 'picklist',
	set: 'picklist',
	status: 'picklist',
	visible_to: 'picklist',
	phone: 'phone',
	user: 'reference',
	org: 'reference',
	people: 'reference',
	deal: 'reference',
	stage: 'reference',
	lead: 'reference',
	boolean: 'boolean',
};
/**
 * A list answer must be Pipedrive's envelope: `success: true`, or a `data` list (v1 answers an
 * empty list with `data: null` and `success: true`). Anything else is a malformed answer, never an
 * empty page (an empty page would let the sync's cursor pass records it never read).
 */
function listShape(what: string) {
	return <T>(page: T): T => {
		const p = page as { success?: unknown; data?: unknown } | null | undefined;
		if (!p || (p.success !== true && !Array.isArray(p.data))) throw malformedAnswer('Pipedrive', what, 'had no data list');
		return page;
	};
}

/** The longest text any Pipedrive field holds (large text fields). */
export const PIPEDRIVE_TEXT_MAX = 65_535;
const MAX_LENGTH: Record<string, number> = { varchar: 255, varchar_auto: 255, varchar_options: 255, phone: 255, text: PIPEDRIVE_TEXT_MAX };

function toFieldInfo(f: Record<string, unknown>): FieldInfo {
	const key = String(f.key);
	const vendorType = String(f.field_type ?? 'varchar');
	let type: FieldType = TYPE_MAP[vendorType] ?? 'other';
	if (key === 'email') type = 'email';
	if (key === 'add_time' || key === 'update_time') type = 'datetime';
	const options = Array.isArray(f.options) ? (f.options as Array<{ id: unknown; label: unknown }>).map((x) => ({ value: String(x.id), label: String(x.label) })) : undefined;
	const mandatory = f.mandatory_flag;
	return {
		name: key,
		label: String(f.name ?? key),
		type,
		vendorType,
		required: mandatory === true || (typeof mandatory === 'object' && mandatory !== null),
		readOnly: READ_ONLY.has(key) || key.endsWith('_count'),
		...(MAX_LENGTH[vendorType] ? { maxLength: MAX_LENGTH[vendorType] } : {}),
		...(options ? { options } : {}),
	};
}

function primary(list: unknown): string | null {
	if (!Array.isArray(list) || list.length === 0) return null;
	const p = (list as Array<{ value?: string; primary?: boolean }>).find((x) => x.primary) ?? list[0];
	return p?.value ?? null;
}

function pick(r: CrmRecord, fields: string[]): CrmRecord {
	const out: Record<string, unknown> = {};
	for (const f of fields) if (f in r.fields) out[f] = r.fields[f];
	return { ...r, fields: out };
}
