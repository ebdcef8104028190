/**
 * Salesforce errors → SyncError: the HTTP errors our transport raises (status, headers, the
 * `[{message, errorCode, fields}]` body), network failures, and per-record collection errors.
 */
import { kindFromStatus, malformedAnswer, parseRetryAfter, SyncError, type ErrorKind } from '../../errors';

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

export function recordErrorKind(code: string | undefined, fields: string[] | undefined): ErrorKind {
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

/** Any thrown thing → SyncError with kind, status, code, fields and Retry-After (secrets redacted). */
export function classifySalesforce(err: unknown, recordRef: string | undefined, secrets: () => string[]): SyncError {
	if (err instanceof SyncError) return err;
	const redact = (m: string) => {
		let out = m;
		for (const s of secrets()) if (s.length >= 6) out = out.split(s).join('[redacted]');
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

