/**
 * The HubSpot plumbing every concern shares: the SDK client (its own retries off), the two rate
 * gates, call counting through `callApi`, the raw batch reader, the search call, and records.
 */
import { Client } from '@hubspot/api-client';
import { SyncError, malformedAnswer, redactSecrets } from '../../errors';
import { RateGate, callApi, newStats, sharedRateGate, type RetryPolicy, type Sleep, type WriteSafety } from '../../transport/retry';
import type { CallStats, CrmRecord, ObjectInfo } from '../types';
import { classifyHubSpot, recordErrorOf, type RawBatchError } from './errors';
import { AccessRenewal, type RenewAccess } from '../renew';

export type { RawBatchError } from './errors';

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
	/** OAuth2 credential stored by n8n: where a new access token comes from when HubSpot answers 401 (the call is sent once more). */
	renewAccess?: RenewAccess;
}

export const HUBSPOT_API = 'https://api.hubapi.com';
export const HUBSPOT_BATCH_SIZE = 100;
export const HUBSPOT_SEARCH_LIMIT = 200;
export const HUBSPOT_SEARCH_CAP = 10_000;
/** HubSpot's limit on single-line text property values. */
export const HUBSPOT_STRING_MAX = 65_536;

export const HUBSPOT_OBJECTS: ObjectInfo[] = [
	{ name: 'contacts', label: 'Contacts', role: 'person' },
	{ name: 'companies', label: 'Companies', role: 'company' },
	{ name: 'deals', label: 'Deals', role: 'deal' },
	{ name: 'meetings', label: 'Meetings', role: 'activity' },
];

export const DEFAULT_FIELDS: Record<string, string[]> = {
	contacts: ['email', 'firstname', 'lastname', 'phone', 'company', 'jobtitle', 'lifecyclestage', 'hs_lead_status'],
	companies: ['name', 'domain', 'phone', 'website', 'city'],
	deals: ['dealname', 'dealstage', 'amount', 'pipeline', 'closedate'],
	meetings: ['hs_meeting_title', 'hs_meeting_body', 'hs_timestamp', 'hs_meeting_start_time', 'hs_meeting_end_time', 'hs_meeting_outcome', 'hs_meeting_external_url'],
	notes: ['hs_note_body', 'hs_timestamp'],
};

export interface RawObject {
	id: string;
	properties: Record<string, string | null>;
	createdAt?: string | Date;
	updatedAt?: string | Date;
	archived?: boolean;
	archivedAt?: string | Date;
	objectWriteTraceId?: string;
	new?: boolean;
}

export interface RawBatch {
	results?: RawObject[];
	errors?: RawBatchError[];
}

export type SearchFilter = { propertyName: string; operator: string; value?: string; values?: string[] };
export type SearchAnswer = { total?: number; results: RawObject[]; paging?: { next?: { after?: string } } };

export class HubSpotClient {
	readonly stats: CallStats = newStats();
	readonly client: Client;
	readonly gate: RateGate;
	readonly searchGate: RateGate;
	/** The access token in use, and every one used before it (redacted from messages). */
	private token: string;
	private readonly tokens: string[] = [];
	private readonly renewal?: AccessRenewal;

	constructor(readonly config: HubSpotAdapterConfig) {
		this.token = config.accessToken;
		this.tokens.push(config.accessToken);
		if (config.renewAccess) this.renewal = new AccessRenewal(config.renewAccess);
		const rate = config.ratePerSecond ?? 8;
		const basePath = (config.baseUrl ?? HUBSPOT_API).replace(/\/+$/, '');
		// One gate per token in this process (sharedRateGate); a test's own sleep keeps its own gate.
		const gate = (name: string, r: number, burst: number) => (config.sleep ? new RateGate(r, burst, config.sleep) : sharedRateGate([name, basePath, config.accessToken], r, burst));
		this.gate = gate('hubspot', rate, Math.max(1, Math.ceil(rate)));
		this.client = new Client({
			accessToken: config.accessToken,
			basePath,
			numberOfApiCallRetries: 0,
			// Every answer (errors too) passes here before the SDK reads it: the only place its
			// headers are visible for the calls that return models.
			middleware: [{ pre: (ctx) => ctx, post: (ctx) => this.observeRateHeaders(ctx) }],
		});
		const srate = config.searchRatePerSecond ?? 4;
		// Burst 1: HubSpot counts search calls per rolling second, so a burst of 4 plus the refill
		// could put 8 calls in one second (the sandbox's rateLimit showed 429s); spaced, never more than 5.
		this.searchGate = gate('hubspot-search', srate, 1);
	}

	/**
	 * Pace the general gate from HubSpot's rate-limit headers (API usage guidelines: X-HubSpot-
	 * RateLimit-Remaining calls left in the rolling window of -Interval-Milliseconds): with nothing
	 * left, no call before the window has passed (RateGate.observe). A 429 is left to its
	 * Retry-After. Search answers carry no such
	 * headers (its own limit: the search gate's fixed rate). The daily budget is not paced here: a
	 * spent day answers 429 with a long wait, which is raised as rate_limit and stops the run cleanly.
	 */
	private observeRateHeaders(ctx: unknown): unknown {
		const { headers: h, httpStatusCode } = (ctx ?? {}) as { headers?: Record<string, string>; httpStatusCode?: number };
		// A 429 is waited out by its Retry-After (callApi, which also drains the gate).
		if (h && httpStatusCode !== 429) {
			const get = (name: string) => h[name] ?? h[name.toLowerCase()];
			const remaining = get('x-hubspot-ratelimit-remaining');
			const interval = get('x-hubspot-ratelimit-interval-milliseconds');
			if (remaining !== undefined && interval !== undefined) this.gate.observe(Number(remaining), Number(interval));
		}
		return ctx;
	}

	checkObject(object: string): void {
		if (!HUBSPOT_OBJECTS.some((o) => o.name === object)) {
			throw new SyncError({ kind: 'validation', message: `HubSpot object "${object}" is not supported (use ${HUBSPOT_OBJECTS.map((o) => o.name).join(', ')}).` });
		}
	}

	toRecord(object: string, r: RawObject): CrmRecord {
		const mod = r.properties?.[modifiedProperty(object)] ?? r.properties?.hs_lastmodifieddate;
		const at = r.archived && r.archivedAt ? r.archivedAt : (mod ?? r.updatedAt);
		const modifiedAt = at instanceof Date ? at.toISOString() : new Date(String(at)).toISOString();
		const rec: CrmRecord = { id: String(r.id), object, fields: { ...(r.properties ?? {}) }, modifiedAt };
		if (r.archived) rec.deleted = true;
		return rec;
	}

	async search(object: string, body: Record<string, unknown>, action: string): Promise<SearchAnswer> {
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
		return res as unknown as SearchAnswer;
	}

	/** A batch call whose raw JSON we read (the SDK's models drop objectWriteTraceId and `new`). */
	async batchRaw(endpoint: string, action: string, fn: () => Promise<unknown>, safety: WriteSafety = 'idempotent'): Promise<RawBatch> {
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

	call<T>(endpoint: string, action: string, fn: () => Promise<T>, recordRef?: string, safety: WriteSafety = 'idempotent', gate: RateGate = this.gate): Promise<T> {
		return callApi(fn, {
			endpoint,
			stats: this.stats,
			policy: this.config.retry,
			gate,
			sleep: this.config.sleep,
			classify: (e) => this.classify(e, action, recordRef),
			safety,
			onAuthError: this.renewal ? () => this.renew(this.renewal!) : undefined,
		});
	}

	/** OAuth2: the stored credential's new token; the SDK sends it from the next request on. */
	private async renew(renewal: AccessRenewal): Promise<boolean> {
		const next = await renewal.next(this.token);
		this.token = next.accessToken;
		this.tokens.push(next.accessToken);
		this.client.setAccessToken(next.accessToken);
		return true;
	}

	/** Turn whatever the SDK threw into a SyncError. */
	classify(e: unknown, action: string, recordRef?: string): SyncError {
		return classifyHubSpot(e, action, recordRef, (m) => this.clean(m));
	}

	/** One failed input of a 207 batch. */
	recordError(object: string, e: RawBatchError, ref: string): SyncError {
		return recordErrorOf(object, e, ref, (m) => this.clean(m));
	}

	private clean(msg: string): string {
		return redactSecrets(msg, this.tokens);
	}
}

export function modifiedProperty(object: string): string {
	return object === 'contacts' ? 'lastmodifieddate' : 'hs_lastmodifieddate';
}

export function uniqueList<T>(a: T[]): T[] {
	return [...new Set(a)];
}
