import { sleep, type IExecuteFunctions, type IHttpRequestOptions, type ILoadOptionsFunctions } from 'n8n-workflow';
import {
	createAdapter,
	createOAuthAdapter,
	CRM_CREDENTIAL_TYPES,
	CRM_OAUTH2_CREDENTIAL_TYPES,
	oauthAccess,
	reconnectError,
	renewalUnavailableError,
	type CrmAdapter,
	type CrmName,
	type CreateAdapterOptions,
	type RenewAccess,
	type RenewedAccess,
} from '../../shared/crm';
import { SyncError } from '../../shared/errors';
import { toNodeError } from '../errors';
import type { CrmAuthentication } from '../properties/crm';

type Ctx = IExecuteFunctions | ILoadOptionsFunctions;

/** The node's Authentication parameter (absent in saved workflows from before OAuth2: Access Token). */
function authenticationOf(ctx: Ctx): CrmAuthentication {
	const v =
		'getInputData' in ctx
			? (ctx as IExecuteFunctions).getNodeParameter('authentication', 0, 'accessToken')
			: ((ctx as ILoadOptionsFunctions).getCurrentNodeParameter('authentication') ?? 'accessToken');
	return v === 'oAuth2' ? 'oAuth2' : 'accessToken';
}

/**
 * The engine's adapter for the chosen CRM, configured from that CRM's credential: the token
 * credential, or (Authentication = OAuth2) n8n's OAuth2 credential, whose expired access token is
 * renewed through n8n (`renewThroughN8n`). A Salesforce token credential's refreshed token is kept
 * in the adapter's memory only (n8n credentials are not rewritten; the next run refreshes again
 * from the stored refresh token when it needs to).
 */
export async function getCrmAdapter(this: Ctx, crm: CrmName): Promise<CrmAdapter> {
	const oauth = authenticationOf(this) === 'oAuth2';
	const type = (oauth ? CRM_OAUTH2_CREDENTIAL_TYPES : CRM_CREDENTIAL_TYPES)[crm];
	if (!type) throw toNodeError(this.getNode(), new SyncError({ kind: 'validation', message: `Unknown CRM "${String(crm)}"` }));
	const credentials = await this.getCredentials(type);
	try {
		if (oauth) {
			const access = oauthAccess(crm, credentials);
			return createOAuthAdapter(crm, credentials, renewThroughN8n(this, crm, type), sandboxRateOverride({ baseUrl: access.apiBase }));
		}
		return createAdapter(crm, credentials, sandboxRateOverride(credentials));
	} catch (error) {
		throw toNodeError(this.getNode(), error);
	}
}

/** A cheap authenticated GET per CRM, for n8n's own 401 → refresh → store path (fallback only). */
function probeRequest(crm: CrmName, access: RenewedAccess): IHttpRequestOptions {
	if (crm === 'salesforce') return { method: 'GET', url: `${access.apiBase}/services/data/v62.0/`, json: true };
	if (crm === 'hubspot') return { method: 'GET', url: `${access.apiBase ?? 'https://api.hubapi.com'}/crm/v3/objects/contacts`, qs: { limit: 1 }, json: true };
	return { method: 'GET', url: `${access.apiBase ?? 'https://api.pipedrive.com'}/api/v1/users/me`, json: true };
}

/** Whether a refresh failed because the grant is gone (revoked / expired refresh token), not for a passing reason. */
function isDeadGrant(error: unknown): boolean {
	const e = error as { body?: { error?: unknown }; message?: unknown; description?: unknown; cause?: unknown } | undefined;
	if (e?.body?.error === 'invalid_grant') return true;
	const text = `${String(e?.message ?? '')} ${String(e?.description ?? '')}`;
	if (/invalid_grant|needs to be reconnected|reconnect/i.test(text)) return true;
	return e?.cause !== undefined && e.cause !== error ? isDeadGrant(e.cause) : false;
}

/**
 * Renew an expired OAuth2 access token THROUGH n8n, so the new token is stored in the credential
 * (never only in memory): `helpers.refreshOAuth2Token` (n8n-workflow 1.120 and 2.x; n8n 2.x also
 * serialises concurrent refreshes of one credential across workers); where a host lacks it, an
 * authenticated request through n8n, which refreshes and stores on a 401. Then the credential is
 * read again. At most one refresh per adapter (one node run): a renewed token refused again is
 * *auth expired*, never a refresh loop.
 *
 * Another run may have refreshed first (two workers on one expired token; Pipedrive's rotating
 * refresh token then fails for the loser): a stored token other than the expired one is used as is.
 */
export function renewThroughN8n(ctx: Ctx, crm: CrmName, type: string): RenewAccess {
	let refreshed = false;
	const stored = async (): Promise<RenewedAccess> => oauthAccess(crm, await ctx.getCredentials(type));
	return async (expired) => {
		const before = await stored();
		if (before.accessToken !== expired) return before;
		if (refreshed) throw reconnectError(crm, 'the renewed access token was refused as well.');
		refreshed = true;
		try {
			const helpers = ctx.helpers as { refreshOAuth2Token?: (this: Ctx, type: string) => Promise<unknown> };
			if (typeof helpers.refreshOAuth2Token === 'function') await helpers.refreshOAuth2Token.call(ctx, type);
			else await ctx.helpers.httpRequestWithAuthentication.call(ctx, type, probeRequest(crm, before));
		} catch (error) {
			// The winner of a race (two runs, a rotating refresh token) may still be storing its token:
			// look again for a moment before calling the grant dead.
			for (const waitMs of [0, 1000, 2000]) {
				if (waitMs) await sleep(waitMs);
				const after = await stored().catch(() => before);
				if (after.accessToken !== expired) return after;
			}
			if (isDeadGrant(error)) throw reconnectError(crm, 'the access could not be renewed: the connection was revoked or its refresh token expired.');
			throw renewalUnavailableError(crm);
		}
		const after = await stored();
		if (after.accessToken === expired) throw reconnectError(crm, 'n8n stored no new access token.');
		return after;
	};
}

/**
 * Benchmarks and tests against the local sandboxes only: FIELDFLOW_SANDBOX_RATE_PER_SECOND sets the
 * adapters' client-side throttle (0 = off), and it is honoured only when the credential's Base URL
 * is a loopback address (127.0.0.1 / localhost / ::1). A real CRM always gets the vendor defaults.
 */
export function sandboxRateOverride(credentials: Record<string, unknown>, env: Record<string, string | undefined> = process.env): CreateAdapterOptions {
	const raw = env.FIELDFLOW_SANDBOX_RATE_PER_SECOND;
	if (raw === undefined || raw.trim() === '') return {};
	const rate = Number(raw);
	if (!Number.isFinite(rate) || rate < 0) return {};
	let host = '';
	try {
		host = new URL(String(credentials.baseUrl ?? '')).hostname;
	} catch {
		return {};
	}
	if (!['127.0.0.1', 'localhost', '[::1]', '::1'].includes(host)) return {};
	// 0 = off: a rate no sandbox reaches (the token bucket never refills at 0).
	const r = rate > 0 ? rate : 1_000_000;
	return { salesforce: { ratePerSecond: r }, hubspot: { ratePerSecond: r, searchRatePerSecond: r }, pipedrive: { ratePerSecond: r } };
}
