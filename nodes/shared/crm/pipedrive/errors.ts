/** Pipedrive errors → SyncError: HTTP errors from our transport (status, headers, body), network failures. */
import { SyncError, kindFromStatus, parseRetryAfter, redactSecrets } from '../../errors';
import { PipedriveHttpError } from './transport';

/** Turn whatever the SDK / transport threw into a SyncError (`secrets` redacted). */
/** Code of a 429 refused because the day's POST/PUT budget is spent. */
export const PIPEDRIVE_DAILY_LIMIT = 'DAILY_LIMIT';

/** How the credential signs in: a 403 means a missing app scope (OAuth) or user permission (token). */
export type PipedriveAuthMode = 'oauth' | 'token';

export function classifyPipedrive(err: unknown, what: string, recordRef: string | undefined, fieldAlias: Record<string, string>, secrets: string[], candidates: string[] = [], access?: { endpoint: string; mode: PipedriveAuthMode }): SyncError {
	if (err instanceof SyncError) {
		if (recordRef && !err.recordRef) err.recordRef = recordRef;
		return err;
	}
	if (err instanceof PipedriveHttpError) {
		const body = (err.body && typeof err.body === 'object' ? err.body : {}) as { error?: string; code?: string; errorCode?: number | string };
		const vendorMsg = typeof body.error === 'string' ? body.error : `HTTP ${err.status}`;
		const forbidden = err.status === 403 && !String(body.code ?? '').startsWith('feature_capping');
		if (forbidden) return permissionError(err, vendorMsg, what, recordRef, secrets, access);
		const kind = kindFromStatus(err.status);
		const fields = kind === 'validation' ? namedField(vendorMsg, [...err.sentKeys, ...candidates], fieldAlias) : undefined;
		let retryAfterMs = parseRetryAfter(err.headers['retry-after']);
		if (retryAfterMs === undefined && err.status === 429) retryAfterMs = parseRetryAfter(err.headers['x-ratelimit-reset']);
		// "Rate limiting" (pipedrive.readme.io/docs/core-api-concepts-rate-limiting):
		// x-daily-requests-left = POST/PUT requests left today (UTC), api_token requests only.
		if (err.status === 429 && err.headers['x-daily-requests-left'] === '0') {
			const hint = "Pipedrive's daily request budget of this API token is spent (x-daily-requests-left: 0); it resets at 00:00 UTC. The records are queued: retry after the reset, or sync less often.";
			return new SyncError({ kind: 'rate_limit', status: 429, code: PIPEDRIVE_DAILY_LIMIT, recordRef, retryAfterMs, hint, message: redactSecrets(`Pipedrive ${what} failed (HTTP 429): ${vendorMsg}. ${hint}`, secrets), cause: err });
		}
		const code = body.code ?? (kind === 'auth_expired' ? 'UNAUTHORIZED' : kind === 'rate_limit' ? 'RATE_LIMIT' : kind === 'not_found' ? 'NOT_FOUND' : kind === 'validation' ? 'VALIDATION_FAILED' : `HTTP_${err.status}`);
		const extra = kind === 'auth_expired' ? ' The API token or OAuth access is no longer valid; Pipedrive API tokens cannot be refreshed.' : '';
		return new SyncError({
			kind,
			status: err.status,
			code,
			fields,
			recordRef,
			retryAfterMs,
			message: redactSecrets(`Pipedrive ${what} failed (HTTP ${err.status}): ${vendorMsg}.${extra}`, secrets),
			cause: err,
		});
	}
	const e = err as { name?: string; message?: string; cause?: { code?: string } };
	const timeout = e?.name === 'TimeoutError' || e?.name === 'AbortError';
	return new SyncError({
		kind: 'transient',
		code: timeout ? 'TIMEOUT' : (e?.cause?.code ?? 'NETWORK'),
		recordRef,
		message: redactSecrets(`Pipedrive ${what} failed: ${timeout ? 'the request timed out' : (e?.message ?? String(err))}${e?.cause?.code ? ` (${e.cause.code})` : ''}`, secrets),
		cause: err,
	});
}

/**
 * The field a Pipedrive 400 is about. Pipedrive's error body carries no field list: it is
 * `{success:false, error, error_info, data:null, additional_data:null}`, plus an optional `code`
 * (API reference, "Responses": developers.pipedrive.com/docs/api/v1 → core-api-concepts-responses).
 * So the field is the one the `error` text names among the fields this request could be about (the
 * body keys sent, custom field keys, the create endpoint's required fields): the earliest named,
 * matched as a whole word. No wording of any sandbox or vendor message is assumed beyond "the
 * message names the parameter". Nothing named: no field (the message still tells the user).
 */
export function namedField(message: string, candidates: string[], fieldAlias: Record<string, string>): string[] | undefined {
	let best: { at: number; key: string } | undefined;
	for (const key of new Set(candidates)) {
		if (!key) continue;
		const re = new RegExp(`(^|[^A-Za-z0-9_])${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9_])`);
		const m = re.exec(message);
		if (!m) continue;
		const at = m.index + m[1].length;
		if (!best || at < best.at || (at === best.at && key.length > best.key.length)) best = { at, key };
	}
	if (!best) return undefined;
	const key = best.key.replace(/^custom_fields\./, '');
	return [fieldAlias[key] ?? key];
}

/**
 * The scope each endpoint needs ("Scopes and permissions explanations",
 * pipedrive.readme.io/docs/marketplace-scopes-and-permissions-explanations): persons and
 * organizations are `contacts:*`, deals (and notes) `deals:*`, activities `activities:*`, the
 * search endpoints `search:read`, `users/me` is `base`. `*:read` for reads, `*:full` for writes.
 */
export function scopeFor(endpoint: string): string | undefined {
	const parts = endpoint.split('.');
	const [res, op] = [parts[0], parts[parts.length - 1]];
	const area: Record<string, string> = { persons: 'contacts', organizations: 'contacts', personFields: 'contacts', organizationFields: 'contacts', deals: 'deals', dealFields: 'deals', notes: 'deals', activities: 'activities', activityFields: 'activities' };
	if (res === 'users') return 'base';
	if (op === 'search') return 'search:read';
	const a = area[res];
	if (!a) return undefined;
	return ['list', 'get'].includes(op) ? `${a}:read` : `${a}:full`;
}

/**
 * 403: Pipedrive's "Scope and URL mismatch" ("OAuth and API proxy status codes",
 * pipedrive.readme.io/docs/marketplace-oauth-and-api-proxy-status-codes: not allowed to access the
 * resource by the app's scopes), or, with an API token, a user whose permission set does not allow
 * the action. Kind auth_expired: every later call would be refused the same way until the
 * credential changes, so the run stops at it. The hint names what is missing.
 */
function permissionError(err: PipedriveHttpError, vendorMsg: string, what: string, recordRef: string | undefined, secrets: string[], access?: { endpoint: string; mode: PipedriveAuthMode }): SyncError {
	const scope = access ? scopeFor(access.endpoint) : undefined;
	const scopeText = scope ? `the "${scope}" scope` : 'the scope this call needs';
	const hint =
		access?.mode === 'token'
			? `The Pipedrive user of this API token is not allowed to ${what}. Ask a Pipedrive admin to allow it in the user's permission set${scope ? ` (the API calls it ${scope})` : ''}, or use the token of a user who may, then retry.`
			: `The Pipedrive app this credential signed in with lacks ${scopeText} (needed to ${what}). Add it to the app's scopes in Pipedrive's Developer Hub, reconnect the credential (Sign in → Allow), then retry.`;
	return new SyncError({
		kind: 'auth_expired',
		status: 403,
		code: scope ? `MISSING_SCOPE:${scope}` : 'FORBIDDEN',
		recordRef,
		hint,
		message: redactSecrets(`Pipedrive ${what} failed (HTTP 403): ${vendorMsg}. ${hint}`, secrets),
		cause: err,
	});
}
