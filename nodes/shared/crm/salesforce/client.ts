/**
 * The Salesforce plumbing every concern shares: the jsforce connection (our transport, our token
 * refresh), the rate gate, call counting through `callApi`, records and SOQL queries.
 */
import { Connection } from 'jsforce';
import { malformedAnswer, SyncError } from '../../errors';
import { callApi, newStats, RateGate, realSleep, type RetryPolicy, type Sleep, type WriteSafety } from '../../transport/retry';
import type { CallStats, CrmRecord, ObjectInfo } from '../types';
import { classifySalesforce, isDailyRequestLimit } from './errors';
import { sfTimeToIso } from './soql';
import { wrapTransport, type TransportLike } from './transport';
import { AccessRenewal, type RenewAccess } from '../renew';

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
	/**
	 * OAuth2 credential stored by n8n: on an expired session, get the new access token (and
	 * instance URL) from there instead of refreshing here; the refused call is sent once more.
	 */
	renewAccess?: RenewAccess;
}

export const SALESFORCE_OBJECTS: ObjectInfo[] = [
	{ name: 'Lead', label: 'Lead', role: 'person' },
	{ name: 'Contact', label: 'Contact', role: 'person' },
	{ name: 'Account', label: 'Account', role: 'company' },
	{ name: 'Opportunity', label: 'Opportunity', role: 'deal' },
	{ name: 'Event', label: 'Event', role: 'activity' },
	{ name: 'Task', label: 'Task', role: 'activity' },
];

export const SYSTEM_FIELDS = ['Id', 'SystemModstamp'];
export const DEFAULT_FIELDS: Record<string, string[]> = {
	Lead: ['FirstName', 'LastName', 'Company', 'Email', 'Phone', 'Title', 'Status', 'LeadSource', 'Description', 'CreatedDate', 'LastModifiedDate'],
	Contact: ['FirstName', 'LastName', 'Email', 'Phone', 'Title', 'AccountId', 'Description', 'CreatedDate', 'LastModifiedDate'],
	Account: ['Name', 'Phone', 'Website', 'Industry', 'Description', 'CreatedDate', 'LastModifiedDate'],
	Opportunity: ['Name', 'StageName', 'CloseDate', 'Amount', 'AccountId', 'Description', 'CreatedDate', 'LastModifiedDate'],
	Event: ['Subject', 'StartDateTime', 'EndDateTime', 'DurationInMinutes', 'WhoId', 'WhatId', 'Type', 'Description', 'CreatedDate', 'LastModifiedDate'],
	Task: ['Subject', 'ActivityDate', 'Status', 'Priority', 'WhoId', 'WhatId', 'Type', 'Description', 'CreatedDate', 'LastModifiedDate'],
	// The junction of a record group's Opportunity and Contact (not a syncable object of its own).
	OpportunityContactRole: ['OpportunityId', 'ContactId', 'Role', 'IsPrimary', 'CreatedDate', 'LastModifiedDate'],
};
export const PERSON_OBJECTS = new Set(['Lead', 'Contact']);

export class SalesforceClient {
	readonly stats: CallStats = newStats();
	readonly conn: Connection;
	readonly gate: RateGate;
	readonly sleep: Sleep;
	private refreshing?: Promise<boolean>;
	private readonly renewal?: AccessRenewal;
	/** Access tokens this client has used (redacted from every message). */
	private readonly usedTokens: string[] = [];

	constructor(readonly config: SalesforceAdapterConfig) {
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
		if (config.renewAccess) this.renewal = new AccessRenewal(config.renewAccess);
		this.sleep = config.sleep ?? realSleep;
		const rate = config.ratePerSecond ?? 10;
		this.gate = new RateGate(rate, Math.max(1, Math.ceil(rate)), this.sleep);
	}

	private secrets(): string[] {
		return [this.conn.accessToken ?? '', ...this.usedTokens, this.config.refreshToken ?? '', this.config.clientSecret ?? ''].filter(Boolean);
	}

	/** Any thrown thing → SyncError with kind, status, code, fields and Retry-After. */
	classify(err: unknown, recordRef?: string): SyncError {
		return classifySalesforce(err, recordRef, () => this.secrets());
	}

	/** Refresh the access token once; concurrent callers share the refresh. */
	private refresh(): Promise<boolean> {
		if (this.renewal) return this.renewFromStore(this.renewal);
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

	/** OAuth2 credential: the stored credential's new token (errors, e.g. a revoked grant, are raised as they are). */
	private async renewFromStore(renewal: AccessRenewal): Promise<boolean> {
		const failed = this.conn.accessToken ?? '';
		const next = await renewal.next(failed);
		if (failed) this.usedTokens.push(failed);
		this.conn.accessToken = next.accessToken;
		if (!this.config.baseUrl && next.apiBase) this.conn.instanceUrl = next.apiBase;
		return true;
	}

	/**
	 * One API call through `callApi`. Once Salesforce says the org's daily API allocation is spent
	 * (403 REQUEST_LIMIT_EXCEEDED without Retry-After), that call is not retried and no later call
	 * of this client is sent: each fails at once with the same rate_limit error, so the run ends
	 * cleanly with its records queued instead of spending what is left of anyone's allocation.
	 */
	async call<T>(endpoint: string, fn: () => Promise<T>, safety: WriteSafety = 'idempotent'): Promise<T> {
		if (this.dailyLimitReached) throw new SyncError({ kind: 'rate_limit', status: this.dailyLimitReached.status, code: this.dailyLimitReached.code, hint: this.dailyLimitReached.hint, message: `${this.dailyLimitReached.message} (${endpoint} not sent)` });
		try {
			return await callApi(fn, {
				endpoint,
				classify: (e) => this.classify(e),
				stats: this.stats,
				policy: this.config.retry,
				gate: this.gate,
				sleep: this.sleep,
				onAuthError: () => this.refresh(),
				safety,
				mayRetry: (e) => !isDailyRequestLimit(e),
			});
		} catch (e) {
			if (e instanceof SyncError && isDailyRequestLimit(e)) this.dailyLimitReached = e;
			throw e;
		}
	}

	/** The daily-allocation error that stopped this client's calls. */
	dailyLimitReached?: SyncError;

	toRecord(object: string, raw: Record<string, unknown>): CrmRecord {
		const { attributes: _attributes, ...fields } = raw;
		return {
			id: String(raw.Id),
			object,
			fields,
			modifiedAt: sfTimeToIso(raw.SystemModstamp ?? raw.LastModifiedDate),
			...(raw.IsDeleted === true ? { deleted: true } : {}),
		};
	}

	fieldList(object: string, fields?: string[]): string[] {
		return [...new Set([...SYSTEM_FIELDS, ...(fields ?? DEFAULT_FIELDS[object] ?? [])])];
	}

	async query(soql: string, endpoint = 'query', all = false, pageSize?: number): Promise<{ records: Array<Record<string, unknown>>; nextRecordsUrl?: string }> {
		const headers = pageSize ? { 'Sforce-Query-Options': `batchSize=${Math.min(2000, Math.max(200, pageSize))}` } : undefined;
		return this.call(endpoint, async () => {
			const res = await this.conn.query<Record<string, unknown>>(soql, { autoFetch: false, scanAll: all, headers });
			if (!Array.isArray(res?.records)) throw malformedAnswer('Salesforce', endpoint, 'had no records list');
			return { records: res.records, nextRecordsUrl: res.nextRecordsUrl };
		});
	}

	async queryAllPages(soql: string): Promise<Array<Record<string, unknown>>> {
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
}
