/** Pipedrive errors → SyncError: HTTP errors from our transport (status, headers, body), network failures. */
import { SyncError, kindFromStatus, parseRetryAfter, redactSecrets } from '../../errors';
import { PipedriveHttpError } from './transport';

/** Turn whatever the SDK / transport threw into a SyncError (`secrets` redacted). */
export function classifyPipedrive(err: unknown, what: string, recordRef: string | undefined, fieldAlias: Record<string, string>, secrets: string[]): SyncError {
	if (err instanceof SyncError) {
		if (recordRef && !err.recordRef) err.recordRef = recordRef;
		return err;
	}
	if (err instanceof PipedriveHttpError) {
		const body = (err.body && typeof err.body === 'object' ? err.body : {}) as { error?: string; code?: string; errorCode?: number | string };
		const vendorMsg = typeof body.error === 'string' ? body.error : `HTTP ${err.status}`;
		const kind = kindFromStatus(err.status);
		let fields: string[] | undefined;
		const m = /^Validation failed:\s*([^:]+):/.exec(vendorMsg) ?? /Parameter '([^']+)'/.exec(vendorMsg);
		if (m) {
			const raw = m[1].trim().replace(/^custom_fields\./, '');
			fields = [fieldAlias[raw] ?? raw];
		}
		let retryAfterMs = parseRetryAfter(err.headers['retry-after']);
		if (retryAfterMs === undefined && err.status === 429) retryAfterMs = parseRetryAfter(err.headers['x-ratelimit-reset']);
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
