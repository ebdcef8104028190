/**
 * Salesforce adapter (jsforce 3). Every HTTP call goes through `callApi` (counting, throttle gate,
 * Retry-After, backoff, one token refresh). jsforce's own behaviours that would hide calls are
 * switched off at its transport: its blind retries (420/429/5xx on GET/PUT/DELETE) are disabled,
 * and HTTP errors are raised at the transport with status + headers, so jsforce's session-refresh
 * loop never runs (we refresh once ourselves via `onAuthError`).
 */
import { Connection } from 'jsforce';
import { chunk } from 'lodash';
import { kindFromStatus, malformedAnswer, oversizedValue, parseRetryAfter, SyncError, type ErrorKind } from '../errors';
import { callApi, newStats, RateGate, realSleep, type RetryPolicy, type Sleep, type WriteSafety } from '../transport/retry';
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

export interface SalesforceAdapterConfig {
	/** Instance URL (https://yourorg.my.salesforce.com), or a sandbox base URL. */
	instanceUrl?: string;
	/** Overrides both the instance URL and the login URL (local sandboxes, proxies). */
	baseUrl?: string;
	/** OAuth login host for refreshes; default https://login.salesforce.com. */
	loginUrl?: string;
	accessToken?: string;
	/** With clientId (and clientSecret), the adapter refreshes an expired access token once per call. */
	refreshToken?: string;
	clientId?: string;
	clientSecret?: string;
	apiVersion?: string;
	retry?: RetryPolicy;
	/** Calls per second the adapter allows itself (default 10: well under Salesforce's concurrency limits). */
	ratePerSecond?: number;
	sleep?: Sleep;
	/** Told about every new access token, so the caller can store it. */
	onTokenRefreshed?: (accessToken: string, instanceUrl: string) => void | Promise<void>;
}

export const SALESFORCE_OBJECTS: ObjectInfo[] = [
	{ name: 'Lead', label: 'Lead', role: 'person' },
	{ name: 'Contact', label: 'Contact', role: 'person' },
	{ name: 'Account', label: 'Account', role: 'company' },
	{ name: 'Opportunity', label: 'Opportunity', role: 'deal' },
	{ name: 'Event', label: 'Event', role: 'activity' },
	{ name: 'Task', label: 'Task', role: 'activity' },
];

const SYSTEM_FIELDS = ['Id', 'SystemModstamp'];
const DEFAULT_FIELDS: Record<string, string[]> = {
	Lead: ['FirstName', 'LastName', 'Company', 'Email', 'Phone', 'Title', 'Status', 'LeadSource', 'Description', 'CreatedDate', 'LastModifiedDate'],
	Contact: ['FirstName', 'LastName', 'Email', 'Phone', 'Title', 'AccountId', 'Description', 'CreatedDate', 'LastModifiedDate'],
	Account: ['Name', 'Phone', 'Website', 'Industry', 'Description', 'CreatedDate', 'LastModifiedDate'],
	Opportunity: ['Name', 'StageName', 'CloseDate', 'Amount', 'AccountId', 'Description', 'CreatedDate', 'LastModifiedDate'],
	Event: ['Subject', 'StartDateTime', 'EndDateTime', 'DurationInMinutes', 'WhoId', 'WhatId', 'Type', 'Description', 'CreatedDate', 'LastModifiedDate'],
	Task: ['Subject', 'ActivityDate', 'Status', 'Priority', 'WhoId', 'WhatId', 'Type', 'Description', 'CreatedDate', 'LastModifiedDate'],
};
const PERSON_OBJECTS = new Set(['Lead', 'Contact']);
/** sObject Collections limit per request. */
const COLLECTION_MAX = 200;
/**
 * Salesforce's sObject Collections endpoints, as counted. Upsert by an external id field is
 * idempotent (a resend finds the record the first send made); a plain create is not.
 */
export const SALESFORCE_WRITES: Record<WriteKind, BatchEndpoint> = {
	create: { endpoint: 'collections.create', size: COLLECTION_MAX, safety: 'creates' },
	update: { endpoint: 'collections.update', size: COLLECTION_MAX, safety: 'idempotent' },
	upsert: { endpoint: 'collections.upsert', size: COLLECTION_MAX, safety: 'idempotent' },
	delete: { endpoint: 'collections.delete', size: COLLECTION_MAX, safety: 'idempotent' },
};
/** Pure: the Salesforce calls `counts` writes cost per endpoint when none is retried (same table as the writes). */
export function forecastSalesforceWrites(counts: WriteCounts): CallForecast {
	return forecastBatchWrites(SALESFORCE_WRITES, counts);
}

/** POST /composite/sobjects/<Type> retrieve limit. */
const RETRIEVE_MAX = 2000;
const QUERY_IN_MAX = 100;

/** An HTTP error seen at jsforce's transport, with what jsforce would otherwise drop. */
export class SalesforceHttpError extends Error {
	constructor(
		readonly status: number,
		readonly headers: Record<string, string>,
		readonly body: unknown,
		readonly errorCode: string | undefined,
		readonly fields: string[] | undefined,
		message: string,
	) {
		super(message);
		this.name = 'SalesforceHttpError';
	}
}

interface RawResponse {
	statusCode: number;
	headers: Record<string, string>;
	body: string;
}
interface TransportLike {
	httpRequest(req: unknown, options?: Record<string, unknown>): Promise<RawResponse> & { stream(): unknown };
}

function toHttpError(res: RawResponse): SalesforceHttpError {
	let body: unknown = res.body;
	try {
		body = JSON.parse(res.body);
	} catch {
		/* not JSON */
	}
	const first = (Array.isArray(body) ? body[0] : body) as Record<string, unknown> | undefined;
	const code = (first?.errorCode ?? first?.error) as string | undefined;
	const fields = Array.isArray(first?.fields) ? (first!.fields as string[]) : undefined;
	const msg = Array.isArray(body)
		? (body as Array<{ message?: string }>).map((e) => e.message).filter(Boolean).join('; ')
		: String(first?.message ?? first?.error_description ?? res.body ?? '');
	return new SalesforceHttpError(res.statusCode, res.headers ?? {}, body, code, fields, msg || `HTTP ${res.statusCode}`);
}

/** The longest text any Salesforce field holds (Long Text Area: 131,072 characters). */
export const SALESFORCE_TEXT_MAX = 131_072;

function isJsonAnswer(res: RawResponse): boolean {
	const type = Object.entries(res.headers ?? {}).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '';
	return /json/i.test(String(type)) && typeof res.body === 'string' && res.body.trim() !== '';
}

function parsesAsJson(text: string): boolean {
	try {
		JSON.parse(text);
		return true;
	} catch {
		return false;
	}
}

/** Wrap a jsforce transport: no SDK retries, proxy skipped for loopback, HTTP errors keep status + headers. */
function wrapTransport(inner: TransportLike, loopback: boolean): TransportLike {
	return {
		httpRequest(req, options = {}) {
			const sp = inner.httpRequest(req, {
				...options,
				retry: { maxRetries: 0, methods: [], statusCodes: [], errorCodes: [] },
				...(loopback ? { httpProxy: undefined } : {}),
			});
			const p = (async () => {
				const res = await sp;
				if (res && res.statusCode >= 400) throw toHttpError(res);
				if (res && isJsonAnswer(res) && !parsesAsJson(res.body)) throw malformedAnswer('Salesforce', `${String((req as { method?: string })?.method ?? 'GET').toUpperCase()} ${String((req as { url?: string })?.url ?? '').replace(/^https?:\/\/[^/]+/, '').split('?')[0]}`);
				return res;
			})();
			return Object.assign(p, { stream: () => sp.stream() });
		},
	};
}

/** Escape a value for a SOQL string literal. */
export function soqlString(v: string): string {
	return `'${String(v).replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}'`;
}
/** Escape a value for a SOQL LIKE pattern (wildcards taken literally). */
export function soqlLike(v: string): string {
	return soqlString(v).replace(/%/g, '\\%').replace(/_/g, '\\_');
}
/** ISO time → SOQL datetime literal (UTC, with milliseconds). */
export function soqlDateTime(iso: string): string {
	const t = Date.parse(iso);
	if (!Number.isFinite(t)) throw new SyncError({ kind: 'validation', message: `Invalid cursor time: ${iso}` });
	return new Date(t).toISOString();
}
/** Salesforce's 2024-05-01T10:00:00.000+0000 → ISO. */
export function sfTimeToIso(v: unknown): string {
	if (typeof v !== 'string') return '';
	const t = Date.parse(v.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
	return Number.isFinite(t) ? new Date(t).toISOString() : v;
}

function recordErrorKind(code: string | undefined, fields: string[] | undefined): ErrorKind {
	switch (code) {
		case 'INVALID_SESSION_ID':
			return 'auth_expired';
		case 'NOT_FOUND':
		case 'ENTITY_IS_DELETED':
			return 'not_found';
		case 'INVALID_CROSS_REFERENCE_KEY':
			return fields && fields.length ? 'validation' : 'not_found';
		case 'REQUEST_LIMIT_EXCEEDED':
			return 'rate_limit';
		case 'UNKNOWN_EXCEPTION':
		case 'SERVER_UNAVAILABLE':
			return 'transient';
		default:
			return 'validation';
	}
}

type SaveResult = { id?: string; success: boolean; created?: boolean; errors?: Array<{ statusCode?: string; errorCode?: string; message: string; fields?: string[] }> };

export class SalesforceAdapter implements CrmAdapter {
	readonly crm = 'salesforce' as const;
	readonly stats: CallStats = newStats();
	readonly conn: Connection;
	private readonly gate: RateGate;
	private readonly sleep: Sleep;
	private refreshing?: Promise<boolean>;

	constructor(private readonly config: SalesforceAdapterConfig) {
		const instanceUrl = (config.baseUrl ?? config.instanceUrl ?? '').replace(/\/$/, '');
		if (!instanceUrl) throw new SyncError({ kind: 'validation', message: 'Salesforce: an instance URL is required' });
		const loginUrl = (config.baseUrl ?? config.loginUrl ?? 'https://login.salesforce.com').replace(/\/$/, '');
		const canRefresh = !!(config.refreshToken && config.clientId);
		this.conn = new Connection({
			instanceUrl,
			accessToken: config.accessToken,
			version: config.apiVersion ?? '62.0',
			...(canRefresh
				? {
						oauth2: { clientId: config.clientId, clientSecret: config.clientSecret, loginUrl },
						refreshToken: config.refreshToken,
					}
				: {}),
		});
		// We refresh ourselves (once per call); jsforce's delegate would replay forever.
		const c = this.conn as unknown as { _refreshDelegate?: unknown; _transport: TransportLike; oauth2: { _transport: TransportLike } };
		c._refreshDelegate = undefined;
		const loopback = /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:|\/|$)/.test(instanceUrl);
		c._transport = wrapTransport(c._transport, loopback);
		c.oauth2._transport = wrapTransport(c.oauth2._transport, /^https?:\/\/(127\.0\.0\.1|localhost)(:|\/|$)/.test(loginUrl));
		this.sleep = config.sleep ?? realSleep;
		const rate = config.ratePerSecond ?? 10;
		this.gate = new RateGate(rate, Math.max(1, Math.ceil(rate)), this.sleep);
	}

	/** The calls `counts` writes cost per endpoint (the same for every object). */
	forecastWrites(_object: string, counts: WriteCounts): CallForecast {
		return forecastSalesforceWrites(counts);
	}

	objects(): ObjectInfo[] {
		return SALESFORCE_OBJECTS.map((o) => ({ ...o }));
	}

	// ------------------------------------------------------------------ plumbing

	private secrets(): string[] {
		return [this.conn.accessToken ?? '', this.config.refreshToken ?? '', this.config.clientSecret ?? ''].filter(Boolean);
	}

	/** Any thrown thing → SyncError with kind, status, code, fields and Retry-After. */
	classify(err: unknown, recordRef?: string): SyncError {
		if (err instanceof SyncError) return err;
		const redact = (m: string) => {
			let out = m;
			for (const s of this.secrets()) if (s.length >= 6) out = out.split(s).join('[redacted]');
			return out;
		};
		if (err instanceof SalesforceHttpError) {
			const code = err.errorCode;
			let kind: ErrorKind;
			const retryAfterMs = parseRetryAfter(err.headers['retry-after']);
			if (err.status === 401 || code === 'INVALID_SESSION_ID' || code === 'invalid_grant' || code === 'invalid_client_id' || code === 'invalid_client') kind = 'auth_expired';
			else if (code === 'REQUEST_LIMIT_EXCEEDED' || err.status === 429 || (err.status === 503 && retryAfterMs !== undefined)) kind = 'rate_limit';
			else if (err.status === 404 || code === 'NOT_FOUND' || code === 'ENTITY_IS_DELETED') kind = 'not_found';
			else if (err.status === 400 || code === 'MALFORMED_QUERY' || code === 'INVALID_FIELD') kind = 'validation';
			else kind = kindFromStatus(err.status);
			const what =
				kind === 'auth_expired'
					? code?.startsWith('invalid_')
						? 'Salesforce refused the token refresh'
						: 'Salesforce session expired or invalid'
					: kind === 'rate_limit'
						? 'Salesforce API request limit reached'
						: kind === 'not_found'
							? 'Salesforce record not found'
							: kind === 'validation'
								? 'Salesforce rejected the request'
								: 'Salesforce request failed';
			return new SyncError({
				kind,
				status: err.status,
				code,
				fields: err.fields && err.fields.length ? err.fields : undefined,
				recordRef,
				retryAfterMs,
				message: redact(`${what} (HTTP ${err.status}${code ? ` ${code}` : ''}): ${err.message}`),
				cause: err,
			});
		}
		// jsforce reading an answer that is not the shape Salesforce documents (e.g. no `records`).
		if (err instanceof TypeError) return malformedAnswer('Salesforce', 'call', `had an unexpected shape (${err.message})`, recordRef);
		const e = err as { name?: string; code?: string; message?: string; errorCode?: string };
		const network = e?.name === 'FetchError' || /ECONN|ETIMEDOUT|EPIPE|socket hang up|UND_ERR/i.test(String(e?.code ?? e?.message ?? ''));
		return new SyncError({
			kind: network ? 'transient' : 'unknown',
			code: e?.errorCode ?? e?.code,
			recordRef,
			message: redact(`Salesforce ${network ? 'connection failed' : 'call failed'}: ${String(e?.message ?? err)}`),
			cause: err,
		});
	}

	/** Refresh the access token once; concurrent callers share the refresh. */
	private refresh(): Promise<boolean> {
		if (!this.config.refreshToken || !this.config.clientId) return Promise.resolve(false);
		if (!this.refreshing) {
			this.refreshing = (async () => {
				this.stats.calls++;
				this.stats.byEndpoint['oauth.token'] = (this.stats.byEndpoint['oauth.token'] ?? 0) + 1;
				try {
					const res = await this.conn.oauth2.refreshToken(this.config.refreshToken!);
					this.conn.accessToken = res.access_token;
					if (!this.config.baseUrl && res.instance_url) this.conn.instanceUrl = res.instance_url;
					await this.config.onTokenRefreshed?.(res.access_token, this.conn.instanceUrl);
					return true;
				} catch {
					return false;
				}
			})().finally(() => {
				this.refreshing = undefined;
			});
		}
		return this.refreshing;
	}

	private call<T>(endpoint: string, fn: () => Promise<T>, safety: WriteSafety = 'idempotent'): Promise<T> {
		return callApi(fn, {
			endpoint,
			classify: (e) => this.classify(e),
			stats: this.stats,
			policy: this.config.retry,
			gate: this.gate,
			sleep: this.sleep,
			onAuthError: () => this.refresh(),
			safety,
		});
	}

	private toRecord(object: string, raw: Record<string, unknown>): CrmRecord {
		const { attributes: _attributes, ...fields } = raw;
		return {
			id: String(raw.Id),
			object,
			fields,
			modifiedAt: sfTimeToIso(raw.SystemModstamp ?? raw.LastModifiedDate),
			...(raw.IsDeleted === true ? { deleted: true } : {}),
		};
	}

	private fieldList(object: string, fields?: string[]): string[] {
		return [...new Set([...SYSTEM_FIELDS, ...(fields ?? DEFAULT_FIELDS[object] ?? [])])];
	}

	private async query(soql: string, endpoint = 'query', all = false, pageSize?: number): Promise<{ records: Array<Record<string, unknown>>; nextRecordsUrl?: string }> {
		const headers = pageSize ? { 'Sforce-Query-Options': `batchSize=${Math.min(2000, Math.max(200, pageSize))}` } : undefined;
		return this.call(endpoint, async () => {
			const res = await this.conn.query<Record<string, unknown>>(soql, { autoFetch: false, scanAll: all, headers });
			if (!Array.isArray(res?.records)) throw malformedAnswer('Salesforce', endpoint, 'had no records list');
			return { records: res.records, nextRecordsUrl: res.nextRecordsUrl };
		});
	}

	private async queryAllPages(soql: string): Promise<Array<Record<string, unknown>>> {
		let page = await this.query(soql);
		const out = [...page.records];
		while (page.nextRecordsUrl) {
			const url = page.nextRecordsUrl;
			page = await this.call('queryMore', async () => {
				const res = await this.conn.queryMore<Record<string, unknown>>(url);
				return { records: res.records, nextRecordsUrl: res.nextRecordsUrl };
			});
			out.push(...page.records);
		}
		return out;
	}

	// ------------------------------------------------------------------ operations

	async testConnection(): Promise<void> {
		await this.call('limits', () => this.conn.request('/limits'));
	}

	/**
	 * SOQL on SystemModstamp > since, ordered by SystemModstamp, queryMore to the end. With
	 * includeDeleted the same query runs through queryAll, so deleted rows (IsDeleted = true) come
	 * in the same ordered stream and the cursor stays monotonic.
	 */
	async *listChangedSince(object: string, since: string | undefined, options: ListOptions = {}): AsyncGenerator<ChangePage> {
		const fields = this.fieldList(object, options.fields);
		if (options.includeDeleted && !fields.includes('IsDeleted')) fields.push('IsDeleted');
		const where = since ? ` WHERE SystemModstamp > ${soqlDateTime(since)}` : '';
		const soql = `SELECT ${fields.join(', ')} FROM ${object}${where} ORDER BY SystemModstamp ASC, Id ASC`;
		let cursor = since ?? '';
		const all = !!options.includeDeleted;
		let page = await this.query(soql, all ? 'queryAll' : 'query', all, options.pageSize);
		for (;;) {
			if (!Array.isArray(page?.records)) throw malformedAnswer('Salesforce', `query ${object}`, 'had no records list');
			const records = page.records.map((r) => this.toRecord(object, r));
			for (const r of records) if (r.modifiedAt && (!cursor || r.modifiedAt > cursor)) cursor = r.modifiedAt;
			yield { records, cursor };
			if (!page.nextRecordsUrl) return;
			const url = page.nextRecordsUrl;
			page = await this.call(all ? 'queryAllMore' : 'queryMore', async () => {
				const res = await this.conn.queryMore<Record<string, unknown>>(url);
				if (!Array.isArray(res?.records)) throw malformedAnswer('Salesforce', 'queryMore', 'had no records list');
				return { records: res.records, nextRecordsUrl: res.nextRecordsUrl };
			});
		}
	}

	async getByIds(object: string, ids: string[], fields?: string[]): Promise<CrmRecord[]> {
		const list = this.fieldList(object, fields);
		const out: CrmRecord[] = [];
		for (const part of chunk([...new Set(ids)], RETRIEVE_MAX)) {
			const rows = await this.call('collections.retrieve', () => this.conn.retrieve(object, part, { fields: list }));
			for (const r of rows as Array<Record<string, unknown> | null>) if (r) out.push(this.toRecord(object, r));
		}
		return out;
	}

	private resultFor(object: string, ref: string, r: SaveResult | undefined, created: boolean | undefined): WriteResult {
		if (r && r.success) return { ref, success: true, id: r.id, created: r.created ?? created };
		const errors = r?.errors ?? [];
		const first = errors[0];
		const code = first?.statusCode ?? first?.errorCode;
		const fields = [...new Set(errors.flatMap((e) => e.fields ?? []))];
		return {
			ref,
			success: false,
			...(r?.id ? { id: r.id } : {}),
			error: new SyncError({
				kind: recordErrorKind(code, fields),
				code,
				status: 400,
				fields: fields.length ? fields : undefined,
				recordRef: ref,
				message: `Salesforce ${object} ${ref}: ${errors.map((e) => `${e.statusCode ?? e.errorCode}: ${e.message}`).join('; ') || 'no result returned'}`,
			}),
		};
	}

	async upsert(object: string, inputs: WriteInput[], options: UpsertOptions = {}): Promise<WriteResult[]> {
		const results: WriteResult[] = new Array(inputs.length);
		const clean = (f: Record<string, unknown>) => Object.fromEntries(Object.entries(f).filter(([k, v]) => v !== undefined && k !== 'Id' && k !== 'attributes'));
		const creates: number[] = [];
		const updates: number[] = [];
		const byExt: number[] = [];
		inputs.forEach((inp, i) => {
			const tooLong = oversizedValue('Salesforce', object, inp.ref, inp.fields, SALESFORCE_TEXT_MAX);
			if (tooLong) results[i] = { ref: inp.ref, success: false, error: tooLong };
			else if (inp.id) updates.push(i);
			else if (options.idProperty) {
				const v = inp.fields[options.idProperty];
				if (v === undefined || v === null || v === '') {
					results[i] = {
						ref: inp.ref,
						success: false,
						error: new SyncError({ kind: 'validation', fields: [options.idProperty], recordRef: inp.ref, code: 'MISSING_ARGUMENT', message: `Salesforce ${object} ${inp.ref}: no value for the external id field ${options.idProperty}` }),
					};
				} else byExt.push(i);
			} else creates.push(i);
		});
		const job = (kind: 'create' | 'update' | 'upsert', indexes: number[], created: boolean | undefined, send: (batch: number[]) => Promise<SaveResult[]>): BatchJob<unknown> => {
			const spec = SALESFORCE_WRITES[kind];
			return {
				spec,
				indexes,
				send: (part) => this.call(spec.endpoint, () => send(part), spec.safety),
				read: (part, res, out) => this.readCollection(object, part.map((i) => inputs[i].ref), part, res, out, spec.endpoint, created),
			};
		};
		await runBatches(
			inputs.map((inp) => inp.ref),
			[
				job('create', creates, true, async (b) => (await this.conn.create(object, b.map((i) => clean(inputs[i].fields)), { allOrNone: false })) as SaveResult[]),
				job('update', updates, false, async (b) => (await this.conn.update(object, b.map((i) => ({ ...clean(inputs[i].fields), Id: inputs[i].id! })), { allOrNone: false })) as SaveResult[]),
				job('upsert', byExt, undefined, async (b) => (await this.conn.upsert(object, b.map((i) => clean(inputs[i].fields)), options.idProperty!, { allOrNone: false })) as unknown as SaveResult[]),
			],
			results,
			(e) => this.classify(e),
		);
		return results as WriteResult[];
	}

	/** One result per record of an answered collection call, or the whole chunk fails as malformed. */
	private readCollection(object: string, refs: string[], part: number[], res: unknown, results: Array<WriteResult | undefined>, endpoint: string, created: boolean | undefined): void {
		if (!Array.isArray(res) || res.length !== part.length) {
			const err = malformedAnswer('Salesforce', `${object} ${endpoint}`, `did not list one result per record (${part.length} sent)`);
			part.forEach((i, k) => (results[i] = failure(refs[k], errorFor(err, refs[k]))));
			return;
		}
		part.forEach((i, k) => (results[i] = this.resultFor(object, refs[k], (res as SaveResult[])[k], created)));
	}

	async delete(object: string, ids: string[]): Promise<WriteResult[]> {
		const results: Array<WriteResult | undefined> = new Array(ids.length);
		const spec = SALESFORCE_WRITES.delete;
		await runBatches(
			ids,
			[
				{
					spec,
					indexes: ids.map((_, i) => i),
					send: (part) => this.call(spec.endpoint, () => this.conn.destroy(object, part.map((i) => ids[i]), { allOrNone: false }), spec.safety),
					read: (part, res, out) => this.readCollection(object, part.map((i) => ids[i]), part, res, out, spec.endpoint, undefined),
				},
			],
			results,
			(e) => this.classify(e),
		);
		return results as WriteResult[];
	}

	private linkField(linkTo: { object: string }): 'WhoId' | 'WhatId' {
		return PERSON_OBJECTS.has(linkTo.object) ? 'WhoId' : 'WhatId';
	}

	/** Create or update one activity; `existing` first, then a search result, else create. */
	private async writeActivity(type: 'Event' | 'Task', ref: string, fields: Record<string, unknown>, existingId: string | undefined, find: () => Promise<string | undefined>): Promise<WriteResult> {
		try {
			if (existingId) {
				try {
					await this.call(`sobject.update`, () => this.conn.update(type, { Id: existingId, ...fields }));
					return { ref, success: true, id: existingId, created: false };
				} catch (e) {
					if (this.classify(e).kind !== 'not_found') throw e;
				}
			}
			const found = await find();
			if (found) {
				await this.call('sobject.update', () => this.conn.update(type, { Id: found, ...fields }));
				return { ref, success: true, id: found, created: false };
			}
			const res = (await this.call('sobject.create', () => this.conn.create(type, fields), 'creates')) as SaveResult;
			return { ref, success: true, id: res.id, created: true };
		} catch (e) {
			const err = this.classify(e, ref);
			err.recordRef = ref;
			return { ref, success: false, error: err };
		}
	}

	async logMeeting(m: MeetingInput): Promise<WriteResult> {
		const marker = `[FieldFlow meeting ${m.meetingId}]`;
		const link = this.linkField(m.linkTo);
		const start = soqlDateTime(m.startTime);
		const description = [m.notes, m.outcome ? `Outcome: ${m.outcome}` : undefined, marker].filter(Boolean).join('\n\n');
		const fields = {
			Subject: m.subject.slice(0, 255),
			StartDateTime: start,
			DurationInMinutes: Math.max(0, Math.round(m.durationMinutes)),
			Type: 'Meeting',
			Description: description,
			[link]: m.linkTo.id,
		};
		return this.writeActivity('Event', m.meetingId, fields, m.existingId, async () => {
			// Description cannot be filtered in SOQL: narrow by link + subject/start, then check the marker.
			const soql = `SELECT Id, Description FROM Event WHERE ${link} = ${soqlString(m.linkTo.id)} AND (Subject = ${soqlString(fields.Subject)} OR StartDateTime = ${start}) ORDER BY CreatedDate ASC LIMIT 200`;
			const rows = await this.queryAllPages(soql);
			return rows.find((r) => String(r.Description ?? '').includes(marker))?.Id as string | undefined;
		});
	}

	async addNote(n: NoteInput): Promise<WriteResult> {
		const marker = `[FieldFlow summary ${n.summaryId}]`;
		const link = this.linkField(n.linkTo);
		const subject = `FieldFlow meeting summary ${n.summaryId}`.slice(0, 255);
		const fields = {
			Subject: subject,
			Status: 'Completed',
			Priority: 'Normal',
			ActivityDate: new Date().toISOString().slice(0, 10),
			Description: `${n.body}\n\n${marker}`,
			[link]: n.linkTo.id,
		};
		return this.writeActivity('Task', n.summaryId, fields, n.existingId, async () => {
			const soql = `SELECT Id, Description FROM Task WHERE ${link} = ${soqlString(n.linkTo.id)} AND Subject = ${soqlString(subject)} ORDER BY CreatedDate ASC LIMIT 200`;
			const rows = await this.queryAllPages(soql);
			return rows.find((r) => String(r.Description ?? '').includes(marker))?.Id as string | undefined;
		});
	}

	async findDuplicates(object: string, criteria: DuplicateCriteria[]): Promise<DuplicateMatch[]> {
		const fields = this.fieldList(object);
		const out: DuplicateMatch[] = criteria.map((c) => ({ ref: c.ref, matches: [] }));
		const companyField = object === 'Lead' ? 'Company' : object === 'Account' ? 'Name' : undefined;
		// Criteria indexes by lower-cased key: each returned row finds its criteria in O(1), not by a
		// scan of every criterion (which made a large duplicate check O(rows × criteria)).
		const indexBy = (key: (c: DuplicateCriteria) => string | undefined) => {
			const m = new Map<string, number[]>();
			criteria.forEach((c, i) => {
				const k = key(c)?.trim().toLowerCase();
				if (k) m.set(k, [...(m.get(k) ?? []), i]);
			});
			return m;
		};
		if (PERSON_OBJECTS.has(object)) {
			const byEmail = indexBy((c) => c.email);
			for (const part of chunk([...byEmail.keys()], QUERY_IN_MAX)) {
				const rows = await this.queryAllPages(`SELECT ${fields.join(', ')} FROM ${object} WHERE Email IN (${part.map(soqlString).join(', ')})`);
				for (const row of rows) {
					for (const i of byEmail.get(String(row.Email ?? '').toLowerCase()) ?? []) out[i].matches.push({ id: String(row.Id), object, matchedOn: 'email', record: this.toRecord(object, row) });
				}
			}
		}
		if (companyField) {
			const byCompany = indexBy((c) => c.company);
			const names = [...new Set(criteria.map((c) => c.company?.trim()).filter((e): e is string => !!e))];
			for (const part of chunk(names, QUERY_IN_MAX)) {
				// LIKE without wildcards = case-insensitive equality; wildcards in the values are escaped.
				const where = part.map((n) => `${companyField} LIKE ${soqlLike(n)}`).join(' OR ');
				const rows = await this.queryAllPages(`SELECT ${fields.join(', ')} FROM ${object} WHERE ${where}`);
				for (const row of rows) {
					for (const i of byCompany.get(String(row[companyField] ?? '').trim().toLowerCase()) ?? []) {
						if (!out[i].matches.some((m) => m.id === row.Id)) out[i].matches.push({ id: String(row.Id), object, matchedOn: 'company', record: this.toRecord(object, row) });
					}
				}
			}
		}
		return out;
	}

	async listFields(object: string): Promise<FieldInfo[]> {
		const d = await this.call('sobject.describe', () => this.conn.describe(object));
		return d.fields.map((f) => {
			const type = mapType(f.type);
			const picklist = (f.picklistValues ?? []).filter((p) => p.active !== false);
			return {
				name: f.name,
				label: f.label,
				type,
				vendorType: f.type,
				required: !f.nillable && f.createable && !f.defaultedOnCreate,
				readOnly: !f.createable && !f.updateable,
				...(f.length && ['text', 'email', 'phone', 'picklist'].includes(type) ? { maxLength: f.length } : {}),
				...(picklist.length ? { options: picklist.map((p) => ({ value: p.value, label: p.label ?? p.value })) } : {}),
			};
		});
	}
}

function mapType(t: string): FieldType {
	switch (t) {
		case 'string':
		case 'textarea':
		case 'url':
		case 'encryptedstring':
		case 'combobox':
			return 'text';
		case 'email':
			return 'email';
		case 'phone':
			return 'phone';
		case 'picklist':
		case 'multipicklist':
			return 'picklist';
		case 'double':
		case 'currency':
		case 'int':
		case 'long':
		case 'percent':
			return 'number';
		case 'date':
			return 'date';
		case 'datetime':
			return 'datetime';
		case 'boolean':
			return 'boolean';
		case 'reference':
		case 'id':
			return 'reference';
		default:
			return 'other';
	}
}
