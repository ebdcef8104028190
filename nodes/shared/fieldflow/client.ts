/**
 * FieldFlow REST API v1 client (docs/fieldflow-api-v1.md). Plain TypeScript over fetch, every call
 * through callApi (counted, throttled, Retry-After honoured). Used by the FieldFlow node, the
 * trigger and the sync engine alike.
 */
import { chunk } from 'lodash';
import { SyncError, kindFromStatus, malformedAnswer, parseRetryAfter, redactSecrets } from '../errors';
import { DEFAULT_RETRY, RateGate, callApi, newStats, realSleep, type RetryPolicy, type Sleep, type WriteSafety } from '../transport/retry';
import type { CallStats, WriteResult } from '../crm/types';

export const FIELDFLOW_DEFAULT_BASE_URL = 'https://api.fieldflow.app/v1';

export type FieldFlowResource = 'prospects' | 'meetings' | 'meeting-summaries';

export const PROSPECT_STATUSES = ['new', 'contacted', 'qualified', 'proposal', 'won', 'lost'] as const;
export type ProspectStatus = (typeof PROSPECT_STATUSES)[number];

export interface FieldFlowRecord {
	id: string;
	created_at: string;
	updated_at: string;
	deleted_at?: string;
	[field: string]: unknown;
}

export interface Prospect extends FieldFlowRecord {
	company_name: string | null;
	contact_name: string | null;
	email: string | null;
	phone: string | null;
	status: ProspectStatus;
	notes: string | null;
	estimated_value: number | null;
	owner_email: string | null;
	custom_fields: Record<string, unknown>;
}

export interface Meeting extends FieldFlowRecord {
	prospect_id: string;
	title: string;
	start_time: string;
	duration_minutes: number;
	status: 'scheduled' | 'completed' | 'cancelled';
	notes: string | null;
	outcome: string | null;
	location: string | null;
	completed_at: string | null;
}

export interface MeetingSummary extends FieldFlowRecord {
	meeting_id: string;
	prospect_id: string;
	summary: string;
	action_items: string[];
	generated_at: string;
}

export interface ListQuery {
	limit?: number;
	cursor?: string;
	updatedSince?: string;
	includeDeleted?: boolean;
	/** Extra exact-match filters (email, status, prospect_id, meeting_id). */
	filters?: Record<string, string | undefined>;
}

export interface Page<T> {
	data: T[];
	nextCursor: string | null;
}

export interface FieldFlowConfig {
	apiKey: string;
	/** Default https://api.fieldflow.app/v1. */
	baseUrl?: string;
	retry?: RetryPolicy;
	/** Calls per second at most (default 8: under the 600/min limit). */
	ratePerSecond?: number;
	sleep?: Sleep;
	/** Per-call timeout (default 30 s). */
	timeoutMs?: number;
}

export interface CrmSyncStatus {
	crm: string;
	status: 'synced' | 'pending' | 'conflict' | 'error';
	crm_record_id?: string | null;
	message?: string | null;
	synced_at?: string | null;
}

interface RequestOptions {
	query?: Record<string, string | number | boolean | undefined>;
	body?: unknown;
	/** Counted under this name. */
	endpoint: string;
	/** Record this call concerns, for error messages. */
	ref?: string;
	/** Whether the call may be sent again (retry.ts `mayResend`); default 'idempotent'. */
	safety?: WriteSafety;
}

/** Prospects per call of the batch endpoint (POST /prospects/batch). */
export const PROSPECT_BATCH = 100;

/** FieldFlow writes of a sync run, as counts (a Preview's forecast). */
export interface FieldFlowWriteCounts {
	/** Prospects created or updated (the batch endpoint). */
	upserts?: number;
	deletes?: number;
	/** Prospects whose per-CRM sync badge is set (one PUT each). */
	badges?: number;
}

/** The calls those writes cost, by the endpoint names the client counts them under. */
export function forecastFieldflowWrites(counts: FieldFlowWriteCounts): Record<string, number> {
	const out: Record<string, number> = {};
	const add = (endpoint: string, n: number) => {
		if (n > 0) out[endpoint] = (out[endpoint] ?? 0) + n;
	};
	add('prospects.batch', Math.ceil((counts.upserts ?? 0) / PROSPECT_BATCH));
	add('prospects.delete', counts.deletes ?? 0);
	add('prospects.crmSync.put', counts.badges ?? 0);
	return out;
}

export class FieldFlowClient {
	readonly stats: CallStats = newStats();
	readonly baseUrl: string;
	private readonly gate: RateGate;
	private readonly policy: RetryPolicy;
	private readonly sleep: Sleep;

	constructor(private readonly config: FieldFlowConfig) {
		if (!config.apiKey) throw new SyncError({ kind: 'auth_expired', message: 'FieldFlow API key is empty' });
		this.baseUrl = (config.baseUrl || FIELDFLOW_DEFAULT_BASE_URL).replace(/\/+$/, '');
		this.sleep = config.sleep ?? realSleep;
		this.gate = new RateGate(config.ratePerSecond ?? 8, undefined, this.sleep);
		this.policy = config.retry ?? DEFAULT_RETRY;
	}

	async request<T>(method: string, path: string, o: RequestOptions): Promise<T> {
		const url = new URL(this.baseUrl + path);
		for (const [k, v] of Object.entries(o.query ?? {})) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
		return callApi(
			async () => {
				let res: Response;
				try {
					res = await fetch(url, {
						method,
						headers: {
							Authorization: `Bearer ${this.config.apiKey}`,
							Accept: 'application/json',
							...(o.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
						},
						body: o.body !== undefined ? JSON.stringify(o.body) : undefined,
						signal: AbortSignal.timeout(this.config.timeoutMs ?? 30_000),
					});
				} catch (err) {
					throw new SyncError({
						kind: 'transient',
						message: `FieldFlow did not answer ${method} ${path}: ${(err as Error).message}`,
						recordRef: o.ref,
						cause: err,
					});
				}
				const text = await res.text();
				let json: unknown;
				if (text) {
					try {
						json = JSON.parse(text);
					} catch {
						if (res.ok) throw malformedAnswer('FieldFlow', `${method} ${path}`, undefined, o.ref);
						throw new SyncError({
							kind: kindFromStatus(res.status),
							status: res.status,
							message: `FieldFlow answered ${method} ${path} with a body that is not JSON (HTTP ${res.status})`,
							recordRef: o.ref,
						});
					}
				}
				if (!res.ok) throw this.toError(res, json, method, path, o.ref);
				return json as T;
			},
			{
				endpoint: o.endpoint,
				classify: (err) =>
					err instanceof SyncError ? err : new SyncError({ kind: 'unknown', message: String((err as Error)?.message ?? err), recordRef: o.ref }),
				stats: this.stats,
				gate: this.gate,
				policy: this.policy,
				sleep: this.sleep,
				safety: o.safety ?? 'idempotent',
			},
		);
	}

	private toError(res: Response, json: unknown, method: string, path: string, ref?: string): SyncError {
		const e = (json as { error?: { code?: string; message?: string; details?: Array<{ field?: string; issue?: string; existing_id?: string }> } })?.error;
		const details = e?.details ?? [];
		const fields = details.map((d) => d.field).filter((f): f is string => !!f);
		let kind = kindFromStatus(res.status);
		if (res.status === 403) kind = 'auth_expired';
		const detailText = details.map((d) => `${d.field}: ${d.issue}${d.existing_id ? ` (existing ${d.existing_id})` : ''}`).join('; ');
		const message = `FieldFlow ${method} ${path} failed (HTTP ${res.status}${e?.code ? ` ${e.code}` : ''}): ${e?.message ?? res.statusText}${
			detailText && !(e?.message ?? '').includes(detailText) ? ` [${detailText}]` : ''
		}`;
		return new SyncError({
			kind,
			status: res.status,
			code: e?.code,
			fields: fields.length ? fields : undefined,
			recordRef: ref,
			retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
			message: redactSecrets(message, [this.config.apiKey]),
		});
	}

	me(): Promise<{ account: { id: string; name: string }; user: { email: string } }> {
		return this.request('GET', '/me', { endpoint: 'me' });
	}

	async list<T extends FieldFlowRecord>(resource: FieldFlowResource, q: ListQuery = {}): Promise<Page<T>> {
		const out = await this.request<{ data: T[]; next_cursor: string | null }>('GET', `/${resource}`, {
			endpoint: `${resource}.list`,
			query: {
				limit: q.limit ?? 200,
				cursor: q.cursor,
				updated_since: q.updatedSince,
				include_deleted: q.includeDeleted ? 'true' : undefined,
				...(q.filters ?? {}),
			},
		});
		if (!out || !Array.isArray(out.data)) {
			throw malformedAnswer('FieldFlow', `GET /${resource}`, 'had no data list');
		}
		return { data: out.data, nextCursor: out.next_cursor ?? null };
	}

	/** Every page from the start (or `q.cursor`) to the end. */
	async *pages<T extends FieldFlowRecord>(resource: FieldFlowResource, q: ListQuery = {}): AsyncGenerator<Page<T>> {
		let cursor = q.cursor;
		for (;;) {
			const page = await this.list<T>(resource, { ...q, cursor });
			yield page;
			if (!page.nextCursor) return;
			cursor = page.nextCursor;
		}
	}

	get<T extends FieldFlowRecord>(resource: FieldFlowResource, id: string): Promise<T> {
		return this.request('GET', `/${resource}/${encodeURIComponent(id)}`, { endpoint: `${resource}.get`, ref: id });
	}

	/** Records by id, 200 per call; ids that do not exist (or are deleted) are simply absent. */
	async getByIds<T extends FieldFlowRecord>(resource: FieldFlowResource, ids: string[]): Promise<T[]> {
		const out: T[] = [];
		for (const part of chunk([...new Set(ids)], 200)) {
			for await (const page of this.pages<T>(resource, { filters: { ids: part.join(',') } })) out.push(...page.data);
		}
		return out;
	}

	create<T extends FieldFlowRecord>(resource: FieldFlowResource, body: Record<string, unknown>, ref?: string): Promise<T> {
		return this.request('POST', `/${resource}`, { endpoint: `${resource}.create`, body, ref, safety: 'creates' });
	}

	update<T extends FieldFlowRecord>(resource: FieldFlowResource, id: string, body: Record<string, unknown>): Promise<T> {
		return this.request('PATCH', `/${resource}/${encodeURIComponent(id)}`, { endpoint: `${resource}.update`, body, ref: id });
	}

	async delete(resource: FieldFlowResource, id: string): Promise<void> {
		await this.request('DELETE', `/${resource}/${encodeURIComponent(id)}`, { endpoint: `${resource}.delete`, ref: id });
	}

	/** Create/update prospects PROSPECT_BATCH per call; one result per input, in order. */
	async upsertProspects(inputs: Array<{ ref: string; id?: string; fields: Record<string, unknown> }>): Promise<WriteResult[]> {
		const results: WriteResult[] = [];
		for (const part of chunk(inputs, PROSPECT_BATCH)) {
			try {
				const out = await this.request<{ results: Array<{ index: number; status: string; id?: string; record?: Record<string, unknown>; error?: { code?: string; message?: string; details?: Array<{ field?: string }> } }> }>(
					'POST',
					'/prospects/batch',
					{ endpoint: 'prospects.batch', body: { upsert: part.map((p) => ({ ...p.fields, ...(p.id ? { id: p.id } : {}) })) }, safety: 'creates' },
				);
				part.forEach((input, i) => {
					const r = out.results.find((x) => x.index === i);
					if (r && r.status !== 'error') {
						results.push({ ref: input.ref, success: true, id: r.id, created: r.status === 'created', record: r.record });
						return;
					}
					const code = r?.error?.code;
					const fields = (r?.error?.details ?? []).map((d) => d.field).filter((f): f is string => !!f);
					results.push({
						ref: input.ref,
						success: false,
						id: input.id,
						error: new SyncError({
							kind: code === 'not_found' ? 'not_found' : r ? 'validation' : 'unknown',
							code,
							fields: fields.length ? fields : undefined,
							recordRef: input.ref,
							message: `FieldFlow rejected prospect ${input.id ?? input.ref}: ${r?.error?.message ?? 'no result returned for this record'}`,
						}),
					});
				});
			} catch (err) {
				// The whole call failed (auth, rate limit after retries, outage): every record in it failed.
				for (const input of part) {
					const e = err instanceof SyncError ? err : new SyncError({ kind: 'unknown', message: String(err) });
					results.push({
						ref: input.ref,
						success: false,
						id: input.id,
						error: new SyncError({ kind: e.kind, status: e.status, code: e.code, recordRef: input.ref, message: e.message, retryAfterMs: e.retryAfterMs }),
					});
				}
			}
		}
		return results;
	}

	setCrmSync(prospectId: string, crm: string, status: Omit<CrmSyncStatus, 'crm'>): Promise<CrmSyncStatus> {
		return this.request('PUT', `/prospects/${encodeURIComponent(prospectId)}/crm-sync/${encodeURIComponent(crm)}`, {
			endpoint: 'prospects.crmSync.put',
			body: status,
			ref: prospectId,
		});
	}

	async getCrmSync(prospectId: string): Promise<CrmSyncStatus[]> {
		const out = await this.request<{ data: CrmSyncStatus[] }>('GET', `/prospects/${encodeURIComponent(prospectId)}/crm-sync`, {
			endpoint: 'prospects.crmSync.list',
			ref: prospectId,
		});
		return out.data;
	}
}
