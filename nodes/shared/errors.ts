/**
 * The seed's four error kinds (auth expired, field validation, rate limit, record not found) plus
 * transient server errors. Every API failure in the engine becomes a SyncError: the record it
 * concerns, the field when known, and what the user should do. Messages never carry secrets.
 */
export type ErrorKind = 'auth_expired' | 'validation' | 'rate_limit' | 'not_found' | 'transient' | 'unknown';

export const ERROR_HINTS: Record<ErrorKind, string> = {
	auth_expired: 'Reconnect: open the credential, sign in again (or paste a fresh token), then retry.',
	validation: 'The CRM rejected the data. Fix the record or the field mapping, then retry.',
	rate_limit: 'Too many API calls. Wait and retry, or reduce the sync frequency or batch size.',
	not_found: 'The record was deleted on the other side. Remove the link or recreate the record, then retry.',
	transient: 'The service failed temporarily. Retry later.',
	unknown: 'Unexpected error. Check the details and the sync log.',
};

export interface SyncErrorInit {
	kind: ErrorKind;
	message: string;
	status?: number;
	/** Vendor error code (INVALID_SESSION_ID, RATE_LIMIT, ...). */
	code?: string;
	/** Field(s) the error concerns. */
	fields?: string[];
	/** Caller's record reference (WriteInput.ref) or record id. */
	recordRef?: string;
	/** Milliseconds the server asked us to wait (Retry-After). */
	retryAfterMs?: number;
	/** What the user should do, when the vendor's code says more than the kind's hint (default: ERROR_HINTS[kind]). */
	hint?: string;
	cause?: unknown;
}

export class SyncError extends Error {
	readonly kind: ErrorKind;
	readonly status?: number;
	readonly code?: string;
	readonly fields?: string[];
	recordRef?: string;
	readonly retryAfterMs?: number;
	readonly hint: string;

	constructor(init: SyncErrorInit) {
		super(redactSecrets(init.message));
		this.name = 'SyncError';
		this.kind = init.kind;
		this.status = init.status;
		this.code = init.code;
		this.fields = init.fields;
		this.recordRef = init.recordRef;
		this.retryAfterMs = init.retryAfterMs;
		this.hint = init.hint ?? ERROR_HINTS[init.kind];
	}

	/** Retrying the same call may succeed (rate limits, server errors, timeouts). */
	get retryable(): boolean {
		return this.kind === 'rate_limit' || this.kind === 'transient';
	}

	toJSON(): Record<string, unknown> {
		return {
			kind: this.kind,
			message: this.message,
			hint: this.hint,
			status: this.status,
			code: this.code,
			fields: this.fields,
			recordRef: this.recordRef,
		};
	}
}

/** Kind from an HTTP status alone (vendor adapters refine with their error codes). */
export function kindFromStatus(status: number | undefined): ErrorKind {
	if (status === undefined) return 'transient';
	if (status === 401) return 'auth_expired';
	if (status === 404 || status === 410) return 'not_found';
	if (status === 429) return 'rate_limit';
	if (status === 400 || status === 409 || status === 422) return 'validation';
	if (status >= 500) return 'transient';
	return 'unknown';
}

/** Code of every "answer is not JSON / not the documented shape" error (see malformedAnswer). */
export const MALFORMED_RESPONSE = 'MALFORMED_RESPONSE';

/**
 * The one classification of an answer that is not JSON, or JSON of an unexpected shape, from any
 * API: transient (a proxy or server hiccup; retrying may succeed), never validation (the record is
 * not at fault). No HTTP status on purpose: callers never resend a create on it (the create may have
 * happened; the next run's duplicate check links it), while reads and updates are retried.
 */
export function malformedAnswer(service: string, what: string, detail = 'was not valid JSON', recordRef?: string): SyncError {
	return new SyncError({
		kind: 'transient',
		code: MALFORMED_RESPONSE,
		recordRef,
		message: `${service} ${what}: the answer ${detail} (a temporary fault of the service or a proxy). Retry later: the next run picks up where this one stopped.`,
	});
}

/** Characters of a write value (strings, and the `value`s of email/phone lists). */
function valueLength(v: unknown): number {
	if (typeof v === 'string') return v.length;
	if (Array.isArray(v)) return v.reduce((m: number, x) => Math.max(m, valueLength(x && typeof x === 'object' ? (x as { value?: unknown }).value : x)), 0);
	return 0;
}

/**
 * A value longer than any field of the CRM can hold is refused before it is sent: a validation
 * error for that record only (sent, a 50 MB value would make the whole batch's request too large).
 */
export function oversizedValue(service: string, object: string, ref: string, fields: Record<string, unknown>, maxChars: number): SyncError | undefined {
	for (const [field, v] of Object.entries(fields)) {
		const n = valueLength(v);
		if (n <= maxChars) continue;
		return new SyncError({
			kind: 'validation',
			code: 'VALUE_TOO_LONG',
			fields: [field],
			recordRef: ref,
			message: `${service} ${object} ${ref}: field '${field}' is ${n.toLocaleString('en-US')} characters long; no ${service} field holds more than ${maxChars.toLocaleString('en-US')}. Not sent: shorten the value (or map it to another field), then retry.`,
		});
	}
	return undefined;
}

/** Parse a Retry-After header (seconds or HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | number | undefined | null, now = Date.now()): number | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	const n = Number(value);
	if (Number.isFinite(n)) return Math.max(0, n * 1000);
	const t = Date.parse(String(value));
	return Number.isFinite(t) ? Math.max(0, t - now) : undefined;
}

const SECRET_PATTERNS: RegExp[] = [
	/(Bearer\s+)[A-Za-z0-9._~+/=!-]+/gi,
	/((?:access_token|refresh_token|client_secret|api_token|apikey|api_key|password|x-api-token)["'=:\s]+)[^"'&\s,}]+/gi,
];

/** Remove anything token-like from a message before it is shown, logged or stored. */
export function redactSecrets(text: string, extraSecrets: string[] = []): string {
	let out = String(text ?? '');
	for (const p of SECRET_PATTERNS) out = out.replace(p, '$1[redacted]');
	for (const s of extraSecrets) if (s && s.length >= 6) out = out.split(s).join('[redacted]');
	return out;
}

/**
 * An error message without the technical prefix: "Salesforce Lead 20: " / "HubSpot contacts record
 * 3: " (20 is the record's position in a batch) and a vendor code such as "REQUIRED_FIELD_MISSING: ".
 */
export function userErrorMessage(message: string | null | undefined): string {
	return String(message ?? '')
		.replace(/^(Salesforce|HubSpot|Pipedrive) [A-Za-z0-9_]+(?: record)? [^\s:]+: /, '')
		.replace(/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+: /, '');
}
