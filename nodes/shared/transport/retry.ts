/**
 * One place for retries, throttling and call counting, used by every adapter and the FieldFlow
 * client. The SDKs' own retries are switched off so that every HTTP call is counted here and
 * Retry-After is honoured exactly once.
 *
 * (p-retry is ESM-only and bottleneck is unmaintained; both would still need our Retry-After and
 * error-kind logic, so this small loop is the simpler dependency.)
 */
import { createHash } from 'node:crypto';
import { SyncError } from '../errors';
import type { CallStats } from '../crm/types';

export interface RetryPolicy {
	/** Total attempts including the first. */
	maxAttempts: number;
	baseDelayMs: number;
	maxDelayMs: number;
	/** A Retry-After longer than this is not waited for: the error is raised instead. */
	maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
	maxAttempts: 6,
	baseDelayMs: 250,
	maxDelayMs: 10_000,
	maxRetryAfterMs: 120_000,
};

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Token bucket: at most `ratePerSecond` calls per second on average, `burst` at once. Used to stay
 * under each vendor's published limit instead of discovering it through 429s.
 */
export class RateGate {
	private tokens: number;
	private last = Date.now();
	private queue: Promise<void> = Promise.resolve();

	constructor(
		private readonly ratePerSecond: number,
		private readonly burst: number = Math.max(1, Math.ceil(ratePerSecond)),
		private readonly sleep: Sleep = realSleep,
	) {
		this.tokens = this.burst;
	}

	/** Until when the server's own budget is spent (observe): no call before then. */
	private pausedUntil = 0;

	/** Resolves when a call may be made. Calls are admitted in order. */
	take(): Promise<void> {
		const next = this.queue.then(async () => {
			for (;;) {
				const now = Date.now();
				if (now < this.pausedUntil) {
					await this.sleep(this.pausedUntil - now);
					continue;
				}
				this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
				this.last = now;
				if (this.tokens >= 1) {
					this.tokens -= 1;
					return;
				}
				await this.sleep(Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000));
			}
		});
		this.queue = next.catch(() => undefined);
		return next;
	}

	/** After a 429, empty the bucket so the following calls wait too. */
	drain(): void {
		this.tokens = 0;
		this.last = Date.now();
	}

	/**
	 * What the server says is left of its budget (rate-limit headers: HubSpot
	 * X-HubSpot-RateLimit-Remaining / -Interval-Milliseconds, Pipedrive x-ratelimit-remaining /
	 * -reset): `remaining` calls until the window resets in `resetMs`. The gate never holds more
	 * tokens than that, and with nothing left it admits no call before the reset, so a run uses the
	 * budget without tripping 429s. Values that are not numbers are ignored.
	 */
	observe(remaining: number, resetMs: number): void {
		if (!Number.isFinite(remaining) || !Number.isFinite(resetMs) || remaining < 0 || resetMs < 0) return;
		if (remaining < 1) {
			this.pausedUntil = Math.max(this.pausedUntil, Date.now() + resetMs);
			this.tokens = 0;
			this.last = Date.now();
			return;
		}
		this.tokens = Math.min(this.tokens, remaining);
	}
}

/**
 * The vendors count their limits per token (HubSpot per app and account, Pipedrive per token), but
 * every node execution builds its own adapter: a new gate would start with a full burst while the
 * node before it has just spent the server's window (three Pipedrive adapters in a row at 20
 * requests / 2 s: the second and third each tripped 4 429s). Adapters of one credential in this
 * process share one gate, with what the headers last said. `parts` name the credential (vendor,
 * base URL, token); the key is their hash, the token is not kept.
 */
const sharedGates = new Map<string, RateGate>();
const SHARED_GATES_MAX = 500;
export function sharedRateGate(parts: string[], ratePerSecond: number, burst: number): RateGate {
	const key = createHash('sha256').update(JSON.stringify([...parts, ratePerSecond, burst])).digest('hex');
	let gate = sharedGates.get(key);
	if (!gate) {
		if (sharedGates.size >= SHARED_GATES_MAX) sharedGates.delete(sharedGates.keys().next().value as string);
		gate = new RateGate(ratePerSecond, burst);
		sharedGates.set(key, gate);
	}
	return gate;
}

/**
 * How safe a call is to send again when its outcome is not known. The one name for this concept:
 * every adapter states it per call, and `mayResend` below is the one rule that reads it.
 *
 * - 'idempotent': sending it twice leaves the same state as sending it once. Reads, updates by id,
 *   deletes, and upserts by a unique id property (HubSpot `idProperty`, a Salesforce external id
 *   field): the second send finds the record the first one made and updates it.
 * - 'creates': a second send may make a second record (plain creates, activity/note creates).
 */
export type WriteSafety = 'idempotent' | 'creates';

/**
 * THE retry rule (any call, any adapter). A retryable error (rate limit, transient) is retried when
 * the call is idempotent. A call that creates records is retried only when the answer proves the
 * first send was not applied:
 *  - a rate limit (429, Salesforce's 403 REQUEST_LIMIT_EXCEEDED, HubSpot's RATE_LIMITS, a 503 with
 *    Retry-After): the vendor refused the request before doing anything;
 *  - 503 Service Unavailable: the server did not take the request.
 * No answer (socket closed, timeout), an unreadable 2xx answer, and other 5xx (500, 502, 504) may
 * hide a create that happened: the error is raised (transient), the record goes to the error queue,
 * and the next run's duplicate check links what was made instead of making it twice.
 * An auth error repaired by `onAuthError` (a refreshed token) is resent whatever the safety: a 401
 * is refused before anything is applied. (The FieldFlow client's POSTs follow the same rule.)
 */
export function mayResend(safety: WriteSafety, err: SyncError): boolean {
	if (!err.retryable) return false;
	if (safety === 'idempotent') return true;
	return err.kind === 'rate_limit' || err.status === 503;
}

export function newStats(): CallStats {
	return { calls: 0, retries: 0, byEndpoint: {} };
}

export interface CallOptions {
	/** Name the call is counted under, e.g. 'sobject-collections.create'. */
	endpoint: string;
	/** Turns whatever the SDK threw into a SyncError. */
	classify: (err: unknown) => SyncError;
	stats: CallStats;
	policy?: RetryPolicy;
	gate?: RateGate;
	sleep?: Sleep;
	/** Whether the call may be sent again (see `mayResend`); default 'idempotent'. */
	safety?: WriteSafety;
	/**
	 * Extra veto on top of `safety`: Salesforce, for its spent daily allocation (nothing more is sent
	 * that day). What may be resent is otherwise `safety` alone.
	 */
	mayRetry?: (err: SyncError) => boolean;
	/** Told before each wait, for progress/logging. */
	onRetry?: (err: SyncError, attempt: number, waitMs: number) => void;
	/** Gets one chance to repair auth (e.g. refresh an OAuth token) before an auth error is raised. */
	onAuthError?: () => Promise<boolean>;
}

/** Run one API call with counting, throttling, Retry-After, backoff with jitter, and auth repair. */
export async function callApi<T>(fn: () => Promise<T>, o: CallOptions): Promise<T> {
	const policy = o.policy ?? DEFAULT_RETRY;
	const sleep = o.sleep ?? realSleep;
	let authRepaired = false;
	for (let attempt = 1; ; attempt++) {
		if (o.gate) await o.gate.take();
		o.stats.calls++;
		o.stats.byEndpoint[o.endpoint] = (o.stats.byEndpoint[o.endpoint] ?? 0) + 1;
		try {
			return await fn();
		} catch (raw) {
			const err = raw instanceof SyncError ? raw : o.classify(raw);
			if (err.kind === 'auth_expired' && o.onAuthError && !authRepaired) {
				authRepaired = true;
				if (await o.onAuthError()) {
					o.stats.retries++;
					continue;
				}
			}
			const allowed = mayResend(o.safety ?? 'idempotent', err) && (o.mayRetry ? o.mayRetry(err) : true);
			if (!allowed || attempt >= policy.maxAttempts) throw err;
			if (err.retryAfterMs !== undefined && err.retryAfterMs > policy.maxRetryAfterMs) throw err;
			if (err.kind === 'rate_limit') o.gate?.drain();
			const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
			const jittered = backoff / 2 + Math.random() * (backoff / 2);
			const waitMs = Math.max(err.retryAfterMs ?? 0, jittered);
			o.stats.retries++;
			o.onRetry?.(err, attempt, waitMs);
			await sleep(waitMs);
		}
	}
}
