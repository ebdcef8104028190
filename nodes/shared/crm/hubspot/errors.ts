/**
 * HubSpot errors → SyncError: what the SDK throws (ApiException with status, body, headers; a
 * network failure; a SyntaxError for a body that is not JSON), and one failed input of a 207 batch.
 */
import { SyncError, kindFromStatus, malformedAnswer, parseRetryAfter, type ErrorKind } from '../../errors';

export interface RawBatchError {
	status?: string;
	category?: string;
	message?: string;
	context?: Record<string, string[]>;
	errors?: Array<{ message?: string; code?: string; context?: Record<string, string[]> }>;
}

interface ApiExceptionLike {
	code: number;
	body?: unknown;
	headers?: Record<string, string>;
}

/** Turn whatever the SDK threw into a SyncError (`clean` redacts the token). */
export function classifyHubSpot(e: unknown, action: string, recordRef: string | undefined, clean: (msg: string) => string): SyncError {
	if (e instanceof SyncError) return e;
	const ex = e as ApiExceptionLike;
	// The SDK parsing a body that is not JSON.
	if (e instanceof SyntaxError) return malformedAnswer('HubSpot', action, undefined, recordRef);
	if (typeof ex?.code !== 'number') {
		const msg = (e as Error)?.message ?? String(e);
		const cause = (e as { cause?: { code?: string; message?: string } })?.cause;
		return new SyncError({ kind: 'transient', message: clean(`HubSpot ${action} failed: no answer from the server (${cause?.code ?? cause?.message ?? msg}).`), recordRef, cause: e });
	}
	const status = ex.code;
	// The SDK refusing a 2xx answer it cannot read (not the shape HubSpot documents).
	if (status >= 200 && status < 300) return malformedAnswer('HubSpot', action, 'had an unexpected shape', recordRef);
	const body = (typeof ex.body === 'object' && ex.body ? ex.body : {}) as RawBatchError & { correlationId?: string };
	const headers = lowerKeys(ex.headers ?? {});
	let kind: ErrorKind = kindFromStatus(status);
	if (status === 403 && body.category === 'RATE_LIMITS') kind = 'rate_limit';
	if (status === 403 && body.category === 'MISSING_SCOPES') return missingScopes(body, action, recordRef, clean);
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
	return new SyncError({ kind, status, code, fields: fields.length ? fields : undefined, recordRef, retryAfterMs, message: clean(message), cause: body.correlationId ? { correlationId: body.correlationId } : undefined });
}

/**
 * 403 MISSING_SCOPES: the private app's token (or the OAuth app's grant) lacks a scope the call
 * needs; HubSpot names it in errors[].context.requiredGranularScopes. auth_expired: every call of
 * the run would fail the same way, so the run stops and queues; the user adds the scope to the app
 * and reconnects (an OAuth grant only gains the scope by connecting again).
 */
function missingScopes(body: RawBatchError & { correlationId?: string }, action: string, recordRef: string | undefined, clean: (msg: string) => string): SyncError {
	const scopes = new Set<string>();
	for (const d of body.errors ?? []) for (const k of ['requiredGranularScopes', 'requiredScopes', 'missingScopes']) for (const sc of d.context?.[k] ?? []) scopes.add(sc);
	const list = [...scopes].join(', ') || 'the scope this call needs (see HubSpot\'s message)';
	const hint = `Add the scope ${list} to the HubSpot private app (Settings → Integrations → Private Apps → your app → Scopes) or to your OAuth app's scopes, then reconnect the credential (Connect my account again, or paste the private app's token) and retry.`;
	return new SyncError({
		kind: 'auth_expired',
		status: 403,
		code: 'MISSING_SCOPES',
		recordRef,
		hint,
		message: clean(`HubSpot refused to ${action}: the credential's token lacks the scope ${list} (403 MISSING_SCOPES). ${hint}`),
		cause: body.correlationId ? { correlationId: body.correlationId } : undefined,
	});
}

/** One failed input of a 207 batch. */
export function recordErrorOf(object: string, e: RawBatchError, ref: string, clean: (msg: string) => string): SyncError {
	const fields = propertyNames(e);
	const cat = e.category ?? 'UNKNOWN';
	const kind: ErrorKind =
		cat === 'VALIDATION_ERROR' || cat === 'CONFLICT' ? 'validation' : cat === 'OBJECT_NOT_FOUND' ? 'not_found' : cat === 'RATE_LIMITS' ? 'rate_limit' : cat === 'INVALID_AUTHENTICATION' ? 'auth_expired' : 'unknown';
	const status = cat === 'CONFLICT' ? 409 : cat === 'OBJECT_NOT_FOUND' ? 404 : cat === 'VALIDATION_ERROR' ? 400 : undefined;
	const code = e.errors?.find((x) => x.code)?.code ?? cat;
	const what = cat === 'CONFLICT' ? 'a record with the same unique value already exists' : kind === 'not_found' ? 'the record does not exist' : 'HubSpot rejected the data';
	const message = `HubSpot ${object} record ${ref}: ${what}${fields.length ? ` (property ${fields.join(', ')})` : ''}: ${readableValidation(String(e.message ?? cat))}`;
	// A unique value (a contact's email) HubSpot already holds: usually a record written moments ago
	// that the duplicate check could not see yet; the next run's check links it.
	const existing = cat === 'CONFLICT' ? /Existing ID: (\d+)/.exec(String(e.message ?? ''))?.[1] : undefined;
	const hint = existing
		? `HubSpot already has this record (id ${existing}), e.g. written moments ago by an earlier run. The next run links to it and closes this error; if it stays, check which FieldFlow record should own it.`
		: undefined;
	return new SyncError({ kind, status, code, fields: fields.length ? fields : undefined, recordRef: ref, hint, message: clean(message) });
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

function lowerKeys(h: Record<string, string>): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
	return out;
}
