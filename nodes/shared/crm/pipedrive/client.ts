/**
 * The Pipedrive plumbing every concern shares: the SDK APIs (v2 entities and fields, v1 notes)
 * over our fetch adapter, the rate gate, call counting through `callApi`, records and bodies, the
 * bounded write pool.
 */
import { v1, v2 } from 'pipedrive';
import { SyncError, malformedAnswer } from '../../errors';
import { RateGate, callApi, newStats, realSleep, sharedRateGate, type RetryPolicy, type Sleep, type WriteSafety } from '../../transport/retry';
import type { RenewAccess } from '../renew';
import type { CallStats, CrmRecord, ObjectInfo, WriteResult } from '../types';
import { PIPEDRIVE_DAILY_LIMIT, classifyPipedrive } from './errors';
import { makeFetchAdapter } from './transport';
import { AccessRenewal } from '../renew';

export const PIPEDRIVE_DEFAULT_BASE_URL = 'https://api.pipedrive.com';
/** Pipedrive's budget is token based (per 2-second window, by plan); 10/s stays well inside it. */
export const PIPEDRIVE_DEFAULT_RATE = 10;
export const PAGE_MAX = 500;
export const IDS_MAX = 100;

export interface PipedriveAdapterConfig {
	/** Personal API token (sent as `x-api-token`). */
	apiToken?: string;
	/** OAuth access token (sent as `Authorization: Bearer`), instead of apiToken. */
	accessToken?: string;
	/** OAuth2 credential stored by n8n: where a new access token comes from when Pipedrive answers 401 (the call is sent once more). */
	renewAccess?: RenewAccess;
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

export const OBJECTS: Record<PipedriveObject, ObjectInfo & { singular: string; fieldsPath: string }> = {
	persons: { name: 'persons', label: 'Persons', role: 'person', singular: 'person', fieldsPath: 'personFields' },
	organizations: { name: 'organizations', label: 'Organizations', role: 'company', singular: 'organization', fieldsPath: 'organizationFields' },
	deals: { name: 'deals', label: 'Deals', role: 'deal', singular: 'deal', fieldsPath: 'dealFields' },
	activities: { name: 'activities', label: 'Activities', role: 'activity', singular: 'activity', fieldsPath: 'activityFields' },
};

/** The objects, as the adapter lists them (dropdowns and the factory use this list too). */
export const PIPEDRIVE_OBJECTS: ObjectInfo[] = Object.values(OBJECTS).map(({ name, label, role }) => ({ name, label, role }));

/**
 * The body fields the v2 create endpoints require (API reference: "Add a person" name, "Add an
 * organization" name, "Add a deal" title).
 */
export const REQUIRED_ON_CREATE: Record<PipedriveObject, string[]> = { persons: ['name'], organizations: ['name'], deals: ['title'], activities: [] };

/** Fields the API computes; never written. */
export const READ_ONLY = new Set(['id', 'add_time', 'update_time', 'first_name', 'last_name', 'creator_user_id', 'owner_name', 'org_name', 'person_name', 'cc_email', 'next_activity_date', 'last_activity_date', 'won_time', 'lost_time', 'close_time', 'stage_change_time', 'marked_as_done_time', 'picture_id', 'last_incoming_mail_time', 'last_outgoing_mail_time']);
/** Fields the adapter adds to records for convenience and strips before writing. */
const STRIP_ON_WRITE = new Set(['id', 'update_time', 'first_name', 'last_name']);
const HASH_RE = /^[0-9a-f]{40}$/;

export interface V2Page<T> {
	data?: T[] | null;
	additional_data?: { next_cursor?: string | null } | null;
}
export type Entity = Record<string, unknown> & { id?: number; update_time?: string };

export interface ListParams {
	ids?: string;
	updated_since?: string;
	sort_by?: 'id' | 'update_time' | 'add_time';
	sort_direction?: 'asc' | 'desc';
	person_id?: number;
	org_id?: number;
	deal_id?: number;
	/** Deals only (GET /api/v2/deals): `deleted` lists the deals deleted up to 30 days ago. */
	status?: 'open' | 'won' | 'lost' | 'deleted';
	limit?: number;
	cursor?: string;
}

export interface EntityOps {
	list(p: ListParams): Promise<V2Page<Entity>>;
	create(body: Record<string, unknown>): Promise<{ data?: Entity | null }>;
	update(id: number, body: Record<string, unknown>): Promise<{ data?: Entity | null }>;
	remove(id: number): Promise<unknown>;
}

/** `object` as a PipedriveObject, or a validation error naming the ones there are. */
export function pipedriveObject(object: string): PipedriveObject {
	if (!(object in OBJECTS)) throw new SyncError({ kind: 'validation', message: `Pipedrive has no object "${object}" here. Use one of: ${Object.keys(OBJECTS).join(', ')}.` });
	return object as PipedriveObject;
}

export class PipedriveClient {
	readonly stats: CallStats = newStats();
	readonly gate?: RateGate;
	readonly sleep: Sleep;
	readonly ops: Record<PipedriveObject, EntityOps>;
	readonly persons: v2.PersonsApi;
	readonly organizations: v2.OrganizationsApi;
	readonly notes: v1.NotesApi;
	readonly v1cfg: v1.Configuration;
	readonly v2cfg: v2.Configuration;
	readonly secrets: string[];

	constructor(readonly config: PipedriveAdapterConfig) {
		if (!config.apiToken && !config.accessToken) throw new SyncError({ kind: 'auth_expired', message: 'Pipedrive credentials are missing: set an API token or an OAuth access token.' });
		const base = (config.baseUrl ?? PIPEDRIVE_DEFAULT_BASE_URL).replace(/\/+$/, '').replace(/\/api\/v[12]$/, '');
		const baseOptions = { adapter: makeFetchAdapter(config.timeoutMs ?? 60_000, { sent: () => this.inFlight++, answered: (h) => this.observeRate(h) }), timeout: config.timeoutMs ?? 60_000 };
		const auth = config.apiToken ? { apiKey: config.apiToken } : { accessToken: config.accessToken! };
		const v2cfg = new v2.Configuration({ ...auth, basePath: `${base}/api/v2` });
		v2cfg.baseOptions = baseOptions;
		this.v2cfg = v2cfg;
		this.v1cfg = new v1.Configuration({ ...auth, basePath: `${base}/api/v1` });
		this.v1cfg.baseOptions = baseOptions;
		this.secrets = [config.apiToken ?? '', config.accessToken ?? ''];
		if (config.accessToken && config.renewAccess) this.renewal = new AccessRenewal(config.renewAccess);
		this.sleep = config.sleep ?? realSleep;
		const rate = config.ratePerSecond ?? PIPEDRIVE_DEFAULT_RATE;
		const burst = Math.max(1, Math.ceil(rate));
		// One gate per token in this process (sharedRateGate); a test's own sleep keeps its own gate.
		if (rate > 0) this.gate = config.sleep ? new RateGate(rate, burst, this.sleep) : sharedRateGate(['pipedrive', base, config.apiToken ?? config.accessToken ?? ''], rate, burst);

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

	private readonly renewal?: AccessRenewal;

	/** OAuth2: the stored credential's new token; both SDK configurations send it from the next request on. */
	private async renew(renewal: AccessRenewal): Promise<boolean> {
		const failed = String(this.v2cfg.accessToken ?? '');
		const next = await renewal.next(failed);
		this.secrets.push(next.accessToken);
		this.v2cfg.accessToken = next.accessToken;
		this.v1cfg.accessToken = next.accessToken;
		return true;
	}

	/** Requests sent and not answered yet (the server may not have counted them). */
	private inFlight = 0;

	/**
	 * Pace from Pipedrive's rate headers (x-ratelimit-remaining: requests left in the 2-second
	 * window; x-ratelimit-reset: seconds until it resets; pipedrive.readme.io/docs/core-api-concepts-rate-limiting).
	 * The requests still in flight may not be counted in `remaining` yet: they are taken off it, so
	 * the gate admits no more than the window has left and waits for the reset when it is spent.
	 */
	private observeRate(headers: Record<string, string> | undefined): void {
		this.inFlight = Math.max(0, this.inFlight - 1);
		if (!headers || !this.gate) return;
		const remaining = Number(headers['x-ratelimit-remaining']);
		const resetS = Number(headers['x-ratelimit-reset']);
		if (headers['x-ratelimit-remaining'] === undefined || headers['x-ratelimit-reset'] === undefined) return;
		this.gate.observe(Math.max(0, remaining - this.inFlight), resetS * 1000);
	}

	obj(object: string): PipedriveObject {
		return pipedriveObject(object);
	}

	/** Turn whatever the SDK / transport threw into a SyncError. */
	classify(err: unknown, what: string, recordRef?: string, fieldAlias: Record<string, string> = {}, candidates: string[] = [], endpoint?: string): SyncError {
		const access = endpoint ? { endpoint, mode: this.config.apiToken ? ('token' as const) : ('oauth' as const) } : undefined;
		return classifyPipedrive(err, what, recordRef, fieldAlias, this.secrets, candidates, access);
	}

	/** `fields`: what a validation error of this call may be about (see `namedField`). */
	call<T>(endpoint: string, fn: () => Promise<T>, opts: { what: string; ref?: string; safety?: WriteSafety; alias?: Record<string, string>; fields?: string[] }): Promise<T> {
		return callApi(fn, {
			endpoint,
			stats: this.stats,
			policy: this.config.retry,
			gate: this.gate,
			sleep: this.sleep,
			classify: (e) => this.classify(e, opts.what, opts.ref, opts.alias, opts.fields, endpoint),
			safety: opts.safety,
			onAuthError: this.renewal ? () => this.renew(this.renewal!) : undefined,
		}).catch((e: unknown) => {
			throw this.classify(e, opts.what, opts.ref, opts.alias, opts.fields, endpoint);
		});
	}

	toRecord(object: PipedriveObject, e: Entity): CrmRecord {
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
	toBody(object: PipedriveObject, fields: Record<string, unknown>): { body: Record<string, unknown>; alias: Record<string, string>; fields: string[] } {
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
		// A 400 may name a field the body lacks: the create endpoint's required ones (the keys sent
		// are known to the transport).
		return { body, alias, fields: REQUIRED_ON_CREATE[object] };
	}

	numericId(id: string, object: string, ref?: string): number {
		const n = Number(id);
		if (!Number.isInteger(n) || n <= 0) throw new SyncError({ kind: 'not_found', code: 'INVALID_ID', recordRef: ref ?? id, message: `"${id}" is not a Pipedrive ${object} id (ids are positive integers).` });
		return n;
	}

	async searchPersons(term: string, field: 'email' | 'name'): Promise<string[]> {
		const res = await this.call('persons.search', () => this.persons.searchPersons({ term, fields: field, exact_match: true, limit: 100 }), { what: `search persons by ${field}` });
		const want = term.trim().toLowerCase();
		return (res.data?.items ?? [])
			.map((i) => i.item)
			.filter((it) => (field === 'email' ? (it?.emails ?? []).some((e) => String(e).toLowerCase() === want) : String(it?.name ?? '').toLowerCase() === want))
			.map((it) => String(it!.id));
	}

	async searchOrgs(name: string): Promise<string[]> {
		const res = await this.call('organizations.search', () => this.organizations.searchOrganization({ term: name, fields: 'name', exact_match: true, limit: 100 }), { what: 'search organizations by name' });
		const want = name.trim().toLowerCase();
		return (res.data?.items ?? [])
			.map((i) => i.item)
			.filter((it) => String(it?.name ?? '').toLowerCase() === want)
			.map((it) => String(it!.id));
	}

	/**
	 * Writes over the pool that stop at the first expired token: once one write answers
	 * auth_expired, the writes not started yet fail with it too, without a call (a token never
	 * comes back by itself), like HubSpot's and Salesforce's batches. The same once Pipedrive's
	 * daily budget is spent (a 429 with x-daily-requests-left: 0): every later write would be
	 * refused until the day ends (UTC), so none is sent (no hammering); all are queued.
	 */
	async writePool<T>(items: T[], refOf: (item: T) => string, fn: (item: T) => Promise<WriteResult>): Promise<WriteResult[]> {
		let fatal: SyncError | undefined;
		return this.pool(items, async (item) => {
			if (fatal) {
				const ref = refOf(item);
				return { ref, success: false, error: new SyncError({ kind: fatal.kind, status: fatal.status, code: fatal.code, recordRef: ref, message: `Not sent: ${fatal.message}`, cause: fatal }) };
			}
			const r = await fn(item);
			if (!r.success && (r.error?.kind === 'auth_expired' || dailyBudgetSpent(r.error))) fatal ??= r.error;
			return r;
		});
	}

	/** Run `fn` over items with bounded concurrency; results in input order. */
	async pool<T, R>(items: T[], fn: (item: T) => Promise<R>): Promise<R[]> {
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

/**
 * A list answer must be Pipedrive's envelope: `success: true`, or a `data` list (v1 answers an
 * empty list with `data: null` and `success: true`). Anything else is a malformed answer, never an
 * empty page (an empty page would let the sync's cursor pass records it never read).
 */
export function listShape(what: string) {
	return <T>(page: T): T => {
		const p = page as { success?: unknown; data?: unknown } | null | undefined;
		if (!p || (p.success !== true && !Array.isArray(p.data))) throw malformedAnswer('Pipedrive', what, 'had no data list');
		return page;
	};
}

/** A 429 answered with x-daily-requests-left: 0 (see classifyPipedrive): the day's budget is spent. */
function dailyBudgetSpent(e: SyncError | undefined): boolean {
	return e?.kind === 'rate_limit' && e.code === PIPEDRIVE_DAILY_LIMIT;
}

function primary(list: unknown): string | null {
	if (!Array.isArray(list) || list.length === 0) return null;
	const p = (list as Array<{ value?: string; primary?: boolean }>).find((x) => x.primary) ?? list[0];
	return p?.value ?? null;
}
