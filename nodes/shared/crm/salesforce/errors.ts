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
		/** The request's path (/services/data/v62.0/limits), for errors whose meaning depends on the resource. */
		readonly path = '',
	) {
		super(message);
		this.name = 'SalesforceHttpError';
	}
}

/**
 * Salesforce StatusCode values that say more than their kind's generic hint, with what the user
 * should do. Codes: the StatusCode enum (SOAP API Developer Guide, Core Data Types > StatusCode);
 * duplicate rules: DuplicateError,
 * https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_objects_duplicateerror.htm;
 * the daily allocation: API Request Limits and Allocations,
 * https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_api.htm
 */
export const SALESFORCE_HINTS: Record<string, string> = {
	UNABLE_TO_LOCK_ROW:
		'Another Salesforce process (a trigger, flow, data load or user) held this record or its parent locked. The record was resent after a back-off; if it still fails, retry later or spread out the automations that update these records.',
	DUPLICATES_DETECTED:
		"A duplicate rule of the Salesforce org blocked this record as a duplicate of an existing one (the error lists the matching record). Link the prospect to the existing record, or ask the Salesforce admin to set the duplicate rule's action on create/edit to Allow (Setup > Duplicate Rules), then retry.",
	STORAGE_LIMIT_EXCEEDED:
		'The Salesforce org has used all its data storage, so Salesforce saves no new records. A Salesforce admin must free storage or buy more (Setup > Storage Usage), then retry.',
	FIELD_CUSTOM_VALIDATION_EXCEPTION:
		"A validation rule of the Salesforce org rejected the record (the message is the rule's own). Fix the value in FieldFlow or the mapping so the rule passes, or ask the Salesforce admin about the rule, then retry.",
	INVALID_FIELD_FOR_INSERT_UPDATE:
		"The Salesforce user may not write this field (field-level security or a read-only field). Remove the field from the mapping, or ask the Salesforce admin to make it editable for the integration user's profile or permission set, then retry.",
	INSUFFICIENT_ACCESS_OR_READONLY:
		"The Salesforce user has no permission to change this record or this object. Ask the Salesforce admin to give the integration user's profile or a permission set Read, Create and Edit on this object (and access to the record), then retry.",
	INVALID_TYPE:
		"Salesforce answers as if the object did not exist: the integration user's profile or permission sets give it no access to this object. Ask the Salesforce admin to grant Read (and Create, Edit for writes) on the object, then retry.",
	DAILY_REQUEST_LIMIT:
		'The Salesforce org has used its daily API request allocation (counted over a rolling 24 hours and shared by every integration of the org). The run stopped without further calls; every record not written is queued. Retry once usage has dropped (Setup > System Overview shows it), or ask Salesforce for more API calls.',
	CANNOT_UPDATE_CONVERTED_LEAD:
		'The Lead was converted in Salesforce and is read-only now: the prospect lives on the Contact, Account and Opportunity the conversion made. Sync the prospect with the converted Contact (Contacts mode, Linked Records Account and Opportunity) instead of the Lead; nothing needs to be created again.',
	INSUFFICIENT_ACCESS:
		'The Salesforce user lacks a permission this call needs. Ask the Salesforce admin to add it to the integration user (profile or permission set), then retry.',
};

/** The hint for a Salesforce code, naming the object (or, on /limits, the permission) it concerns. */
export function salesforceHint(code: string | undefined, object?: string, path = ''): string | undefined {
	if (!code) return undefined;
	if (code === 'INSUFFICIENT_ACCESS' && /\/limits\/?$/.test(path)) {
		return 'The Salesforce user lacks the View Setup and Configuration permission, which the Limits resource (/limits) needs. Ask the Salesforce admin to add it to the integration user (profile or permission set), or use a call that needs no such permission.';
	}
	const what = object ?? /\/sobjects\/([A-Za-z0-9_]+)/.exec(path)?.[1];
	// describe of an object the user may not see answers 404 as for an object that does not exist.
	if (code === 'NOT_FOUND' && what && /\/describe\/?$/.test(path)) {
		return `Salesforce has no ${what} object this user can see: check the object's API name, or ask the Salesforce admin to give the integration user's profile or a permission set Read on ${what}, then retry.`;
	}
	const hint = SALESFORCE_HINTS[code];
	return hint && what ? hint.split('this object').join(`the ${what} object`).split('the object').join(`the ${what} object`) : hint;
}

/**
 * The org's daily API allocation is spent: 403 REQUEST_LIMIT_EXCEEDED "TotalRequests Limit
 * exceeded." with no Retry-After. Calls stay blocked until the last 24 hours' usage drops below the
 * allocation, so retrying in seconds only burns more of it. (The concurrent long-request limit,
 * "ConcurrentRequests ... Limit exceeded", clears within seconds and is retried.)
 */
export function isDailyRequestLimit(err: SyncError): boolean {
	return err.code === 'REQUEST_LIMIT_EXCEEDED' && err.retryAfterMs === undefined && !/concurrent/i.test(err.message);
}

export function recordErrorKind(code: string | undefined, fields: string[] | undefined): ErrorKind {
	switch (code) {
		// The row (or its parent) was locked by another transaction: nothing was saved, a resend
		// a moment later succeeds. Never a data problem.
		case 'UNABLE_TO_LOCK_ROW':
			return 'transient';
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
		else if (code === 'UNABLE_TO_LOCK_ROW') kind = 'transient';
		else if (err.status === 404 || code === 'NOT_FOUND' || code === 'ENTITY_IS_DELETED') kind = 'not_found';
		else if (err.status === 400 || err.status === 403 || code === 'MALFORMED_QUERY' || code === 'INVALID_FIELD') kind = 'validation';
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
		const out = new SyncError({
			kind,
			status: err.status,
			code,
			fields: err.fields && err.fields.length ? err.fields : undefined,
			recordRef,
			retryAfterMs,
			message: redact(`${what} (HTTP ${err.status}${code ? ` ${code}` : ''}): ${err.message}`),
			cause: err,
			// A query on an object the user cannot see names it only in the message.
			hint: salesforceHint(code, /sObject type '([A-Za-z0-9_]+)'/.exec(err.message)?.[1], err.path),
		});
		if (isDailyRequestLimit(out)) {
			return new SyncError({ kind, status: err.status, code, recordRef, message: redact(`Salesforce daily API request limit reached (HTTP ${err.status} ${code}): ${err.message}`), cause: err, hint: SALESFORCE_HINTS.DAILY_REQUEST_LIMIT });
		}
		return out;
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

