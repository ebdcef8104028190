/**
 * OAuth 2.0 authorization servers for the CRM sandboxes: the "Sign in → Allow" step of
 * Salesforce, HubSpot and Pipedrive, their token endpoints (authorization code with the client
 * secret and PKCE checks, refresh, rotation where the vendor rotates), revocation, and switches to
 * expire or revoke tokens.
 *
 * One server per vendor, each its own HTTP server on 127.0.0.1 (a Sandbox: call counting, faults,
 * `/__sandbox/*`). Not mounted on the API sandboxes, because on every vendor the authorization host
 * is not the API host (login.salesforce.com / test.salesforce.com vs the org's instance_url;
 * app.hubspot.com + api.hubapi.com/oauth vs api.hubapi.com/crm; oauth.pipedrive.com vs the
 * company's api_domain), and the Salesforce API sandbox already serves its own
 * /services/oauth2/token for the refresh-token credential. One Salesforce server stands for both
 * login.salesforce.com and test.salesforce.com: the hosts differ, the paths and answers do not.
 *
 * The token registry: each server is bound to its CRM's API sandbox (`api`), and the API
 * sandboxes ask `oauthTokenState(this, token)` whether an access token one of their servers issued
 * is valid, expired or revoked. Their static tokens keep working next to it.
 *
 * Every path, parameter, answer field and error body below comes from the vendor's OAuth docs,
 * cited where it is used. Where a doc is silent, the choice is RFC 6749 / 7009 and says so.
 */
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { Sandbox, type VendorError, type VendorErrorContext } from './common';

export type OAuthVendor = 'salesforce' | 'hubspot' | 'pipedrive';

/** An app registered with the vendor (Connected App, HubSpot app, Pipedrive app). */
export interface OAuthClient {
	clientId: string;
	clientSecret: string;
	/** Shown on the consent page. */
	appName: string;
	/** Exact callback URLs, as registered in the vendor's app settings (no wildcard: none of the three has one). */
	redirectUris: string[];
}

/** The sandbox's one seeded user (shown on the sign-in form as the sandbox hint). */
export interface OAuthUser {
	username: string;
	password: string;
}

export type TokenState = 'valid' | 'expired' | 'revoked' | 'unknown';

export interface OAuthServerOptions {
	/** The CRM's API sandbox that accepts the issued tokens (its url is instance_url / api_domain). */
	api?: Sandbox;
	client?: Partial<OAuthClient>;
	user?: Partial<OAuthUser>;
	/** Access-token lifetime in seconds (default: the vendor's). */
	accessTokenTtlSec?: number;
}

interface Vendor {
	label: string;
	/** Authorization page path(s), token path(s), revoke path(s). */
	authorizePath: string;
	tokenPaths: string[];
	/** Whether the vendor documents PKCE (code_challenge / code_verifier). */
	pkce: boolean;
	/** Client authentication on the token endpoint. */
	clientAuth: 'body' | 'basic';
	/** A refresh answers a new refresh token and the old one stops working. */
	rotates: boolean;
	/** Revoking a refresh token also revokes the access tokens it issued. */
	revokeCascades: boolean;
	accessTtlSec: number;
	codeTtlSec: number;
	allowLabel: string;
	denyLabel: string;
	defaultScopes: string;
}

/*
 * Salesforce. Endpoints: https://developer.salesforce.com/docs/atlas.en-us.222.0.api_rest.meta/api/intro_understanding_oauth_endpoints.htm
 * ("/services/oauth2/authorize", "/services/oauth2/token", "/services/oauth2/revoke"; sandbox orgs
 * use test.salesforce.com instead of login.salesforce.com). Web server flow, PKCE (code_challenge on
 * authorize, code_verifier on token): https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/intro_understanding_web_server_oauth_flow.htm
 * Token answer fields (access_token, refresh_token, instance_url, id, token_type, issued_at,
 * signature, scope; no expires_in: the session lasts the org's session timeout, 2 h by default):
 * same page, and jsforce's TokenResponse type. Refresh answers no new refresh token (Salesforce does
 * not rotate by default). Revocation of a refresh token revokes its access tokens:
 * https://developer.salesforce.com/docs/platform/mobile-sdk/guide/oauth-revoking-tokens.html
 * Errors {error, error_description}, "expired access/refresh token", access denied redirect:
 * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_flow_errors.htm
 * Authorization codes are valid for 15 minutes (web server flow page).
 *
 * HubSpot. Install URL https://app.hubspot.com/oauth/authorize?client_id&scope&optional_scope&redirect_uri&state,
 * tokens POST api.hubapi.com/oauth/2026-03/token (current), /oauth/v3/token (v3), /oauth/v1/token
 * (legacy, sunset 2027-02-16), all form-encoded with client_id/client_secret in the body and
 * code_verifier for PKCE: https://developers.hubspot.com/docs/api-reference/auth-oauth-v3/guide ,
 * https://developers.hubspot.com/changelog/v1-oauth-api-deprecation ,
 * https://developers.hubspot.com/docs/api-reference/2026-03/authentication/oauth-tokens/refresh-oauth-token
 * Answer {access_token, refresh_token, expires_in (1800: "expires after 30 minutes"), token_type}.
 * The refresh token does not change on refresh. Errors (RFC 6749 fields plus HubSpot's legacy
 * status/message): https://developers.hubspot.com/changelog/new-oauth-v3-api-endpoints-and-standardized-error-responses
 * Revoke: POST /oauth/2026-03/token/revoke (client_id, client_secret, token, token_type_hint) and
 * legacy DELETE /oauth/v1/refresh-tokens/:token; "this will only delete the refresh token. Access
 * tokens generated with the refresh token will not be affected":
 * https://developers.hubspot.com/docs-beta/oauth/tokens
 *
 * Pipedrive. https://oauth.pipedrive.com/oauth/authorize?client_id&redirect_uri&state, POST
 * /oauth/token with "Authorization: Basic base64(client_id:client_secret)", form-encoded
 * grant_type/code/redirect_uri or grant_type/refresh_token: https://developers.pipedrive.com/docs/api/v1/Oauth
 * Answer {access_token, token_type: "Bearer", refresh_token, scope, expires_in, api_domain}; the
 * consent buttons are "Allow and Install" / "Cancel": same page and
 * https://pipedrive.readme.io/docs/app-installation-flows . Error messages ("Invalid grant:
 * refresh_token is invalid" = "not valid ... or it was already exchanged", i.e. refresh tokens
 * rotate; codes expire after 5 minutes): https://pipedrive.readme.io/docs/marketplace-oauth-and-api-proxy-status-codes
 * That page lists messages, not the JSON body: the body here is RFC 6749 5.2 {error,
 * error_description} with the documented message. Revocation conforms to RFC 7009, Basic auth, and
 * invalidates the refresh token and the access it granted: https://pipedrive.readme.io/docs/app-uninstallation
 * Pipedrive documents no PKCE: a code_challenge is ignored, as an RFC 6749 server ignores unknown
 * parameters. Pipedrive's "corresponding error" on Cancel is not named in its docs: access_denied
 * (RFC 6749 4.1.2.1) is used.
 */
const VENDORS: Record<OAuthVendor, Vendor> = {
	salesforce: {
		label: 'Salesforce',
		authorizePath: '/services/oauth2/authorize',
		tokenPaths: ['/services/oauth2/token'],
		pkce: true,
		clientAuth: 'body',
		rotates: false,
		revokeCascades: true,
		accessTtlSec: 2 * 3600,
		codeTtlSec: 15 * 60,
		allowLabel: 'Allow',
		denyLabel: 'Deny',
		defaultScopes: 'api refresh_token',
	},
	hubspot: {
		label: 'HubSpot',
		authorizePath: '/oauth/authorize',
		tokenPaths: ['/oauth/2026-03/token', '/oauth/v3/token', '/oauth/v1/token'],
		pkce: true,
		clientAuth: 'body',
		rotates: false,
		revokeCascades: false,
		accessTtlSec: 1800,
		codeTtlSec: 5 * 60,
		allowLabel: 'Connect app',
		denyLabel: 'Cancel',
		defaultScopes: 'oauth',
	},
	pipedrive: {
		label: 'Pipedrive',
		authorizePath: '/oauth/authorize',
		tokenPaths: ['/oauth/token'],
		pkce: false,
		clientAuth: 'basic',
		rotates: true,
		revokeCascades: true,
		accessTtlSec: 3600,
		codeTtlSec: 5 * 60,
		allowLabel: 'Allow and Install',
		denyLabel: 'Cancel',
		defaultScopes: 'base',
	},
};

/** A vendor OAuth error: the status and the vendor's body. */
class OAuthError extends Error {
	constructor(
		public readonly status: number,
		public readonly error: string,
		public readonly description: string,
		/** HubSpot's legacy `status` code (BAD_AUTH_CODE ...), kept next to the RFC fields. */
		public readonly hubspotStatus?: string,
	) {
		super(description);
	}
}

interface Code {
	clientId: string;
	redirectUri: string;
	scope: string;
	challenge?: string;
	challengeMethod?: string;
	expiresAt: number;
	used: boolean;
}

interface Grant {
	id: string;
	clientId: string;
	scope: string;
	/** Successful refreshes of this grant. */
	refreshes: number;
	revoked: boolean;
	/** The authorization code it was issued for (a replayed code revokes the grant). */
	code?: string;
}

interface AccessToken {
	grantId: string;
	expiresAt: number;
	revoked: boolean;
}

interface RefreshToken {
	grantId: string;
	/** False once rotated away or revoked. */
	active: boolean;
}

/** API sandbox → the authorization servers whose tokens it accepts. */
const REGISTRY = new Map<object, Set<OAuthServer>>();

/**
 * For the API sandboxes' auth check: is `token` an access token that an authorization server of
 * `api` issued, and is it still good? 'unknown' for anything else (static tokens included).
 */
export function oauthTokenState(api: object, token: string | undefined): TokenState {
	if (!token) return 'unknown';
	for (const s of REGISTRY.get(api) ?? []) {
		const st = s.tokenState(token);
		if (st !== 'unknown') return st;
	}
	return 'unknown';
}

export class OAuthServer extends Sandbox {
	readonly name: string;
	readonly vendor: Vendor;
	readonly clients = new Map<string, OAuthClient>();
	/** The client registered at construction. */
	readonly client: OAuthClient;
	readonly user: OAuthUser;
	accessTokenTtlSec: number;
	/** Refresh-grant requests received (any outcome) and refreshes that issued a token. */
	refreshCalls = 0;
	refreshes = 0;
	private failRefreshes: { times: number; kind: 'invalid_grant' | 'server' } = { times: 0, kind: 'invalid_grant' };
	private readonly codes = new Map<string, Code>();
	private readonly grants = new Map<string, Grant>();
	private readonly access = new Map<string, AccessToken>();
	private readonly refresh = new Map<string, RefreshToken>();
	private readonly api?: Sandbox;
	private readonly orgId = '00D5g000004SANDB';
	private readonly userId = '0055g00000SANDBOX';
	/** Pipedrive company and user ids, HubSpot hub id: part of the issued values, as on the real ones. */
	private readonly companyId = 13456789;
	private readonly pdUserId = 20123456;

	constructor(
		readonly vendorName: OAuthVendor,
		o: OAuthServerOptions = {},
	) {
		super();
		this.name = `${vendorName}-oauth`;
		this.vendor = VENDORS[vendorName];
		this.api = o.api;
		this.accessTokenTtlSec = o.accessTokenTtlSec ?? this.vendor.accessTtlSec;
		this.client = {
			clientId: o.client?.clientId ?? `${vendorName}-sandbox-oauth-client`,
			clientSecret: o.client?.clientSecret ?? `${vendorName}-sandbox-oauth-secret`,
			appName: o.client?.appName ?? 'FieldFlow',
			// n8n's OAuth callback on its default port; tests register theirs (registerClient / control API).
			redirectUris: o.client?.redirectUris ?? ['http://localhost:5678/rest/oauth2-credential/callback', 'http://127.0.0.1:5678/rest/oauth2-credential/callback'],
		};
		this.clients.set(this.client.clientId, this.client);
		this.user = {
			username: o.user?.username ?? (vendorName === 'salesforce' ? 'admin@fieldflow-sandbox.example' : 'sales@fieldflow-sandbox.example'),
			password: o.user?.password ?? 'sandbox-password',
		};
		if (this.api) {
			const set = REGISTRY.get(this.api) ?? new Set();
			set.add(this);
			REGISTRY.set(this.api, set);
		}
		this.installRoutes();
		this.installOAuthControl();
	}

	async stop(): Promise<void> {
		if (this.api) REGISTRY.get(this.api)?.delete(this);
		await super.stop();
	}

	// ---------------------------------------------------------------- registry and switches

	private now(): number {
		return Date.now() + this.clock.offsetMs;
	}

	/** Add or replace an app registration (the vendor's app settings: id, secret, callback URLs). */
	registerClient(c: Partial<OAuthClient> & { clientId: string }): OAuthClient {
		const prev = this.clients.get(c.clientId);
		const next: OAuthClient = {
			clientId: c.clientId,
			clientSecret: c.clientSecret ?? prev?.clientSecret ?? randomBytes(16).toString('hex'),
			appName: c.appName ?? prev?.appName ?? 'FieldFlow',
			redirectUris: c.redirectUris ?? prev?.redirectUris ?? [],
		};
		this.clients.set(next.clientId, next);
		if (next.clientId === this.client.clientId) Object.assign(this.client, next);
		return next;
	}

	tokenState(token: string): TokenState {
		const a = this.access.get(token);
		if (!a) return 'unknown';
		if (a.revoked || this.grants.get(a.grantId)?.revoked) return 'revoked';
		return a.expiresAt <= this.now() ? 'expired' : 'valid';
	}

	/** Every access token issued so far expires now (the API answers its 401; refresh works). */
	expireAccessTokens(): number {
		let n = 0;
		const t = this.now() - 1;
		for (const a of this.access.values()) {
			if (a.expiresAt > t) {
				a.expiresAt = t;
				n++;
			}
		}
		return n;
	}

	/**
	 * Revoke one refresh token, or every active one (the user disconnected the app). Access tokens
	 * go with it where the vendor cascades (Salesforce, Pipedrive), not on HubSpot.
	 */
	revokeRefreshTokens(token?: string): number {
		let n = 0;
		for (const [t, r] of this.refresh) {
			if ((token !== undefined && t !== token) || !r.active) continue;
			n += this.revokeRefresh(t) ? 1 : 0;
		}
		return n;
	}

	/** The next `times` refresh requests fail: invalid_grant (a dead token) or a 5xx (transient). */
	failNextRefreshes(times: number, kind: 'invalid_grant' | 'server' = 'invalid_grant'): void {
		this.failRefreshes = { times, kind };
	}

	/** Every access and refresh token issued so far (for tests that grep logs and stores for secrets; no HTTP route). */
	issuedTokens(): string[] {
		return [...this.access.keys(), ...this.refresh.keys()];
	}

	/** Current state without token values: grants, token counts, refresh counters. */
	state(): Record<string, unknown> {
		const now = this.now();
		return {
			vendor: this.vendorName,
			refreshCalls: this.refreshCalls,
			refreshes: this.refreshes,
			failNextRefreshes: this.failRefreshes.times,
			grants: [...this.grants.values()].map((g) => ({
				id: g.id,
				clientId: g.clientId,
				scope: g.scope,
				refreshes: g.refreshes,
				revoked: g.revoked,
				activeRefreshTokens: [...this.refresh.values()].filter((r) => r.grantId === g.id && r.active).length,
				validAccessTokens: [...this.access.values()].filter((a) => a.grantId === g.id && !a.revoked && a.expiresAt > now).length,
			})),
		};
	}

	clearData(): void {
		this.codes.clear();
		this.grants.clear();
		this.access.clear();
		this.refresh.clear();
		this.refreshCalls = 0;
		this.refreshes = 0;
		this.failRefreshes = { times: 0, kind: 'invalid_grant' };
	}

	/** Seed: `{ clients: [OAuthClient...] }` adds app registrations. */
	seed(data: unknown): void {
		for (const c of ((data ?? {}) as { clients?: Array<Partial<OAuthClient> & { clientId: string }> }).clients ?? []) this.registerClient(c);
	}

	snapshot(): unknown {
		return this.state();
	}

	seedSample(): void {
		// Nothing to seed: the default client and user exist from construction.
	}

	private revokeRefresh(token: string): boolean {
		const r = this.refresh.get(token);
		// An unknown or already exchanged / revoked token: nothing to do (RFC 7009 2.2 answers 200 anyway).
		if (!r || !r.active) return false;
		r.active = false;
		if (this.vendor.revokeCascades) {
			const g = this.grants.get(r.grantId);
			if (g) g.revoked = true;
		}
		return true;
	}

	// ---------------------------------------------------------------- errors

	protected vendorError(ctx: VendorErrorContext): VendorError {
		// Faults on the OAuth endpoints (5xx, 429...) in the vendor's OAuth error body.
		const error = ctx.status >= 500 ? 'server_error' : ctx.status === 429 ? 'rate_limited' : ctx.status === 404 ? 'not_found' : 'invalid_request';
		const headers: Record<string, string> = ctx.retryAfter !== undefined ? { 'Retry-After': String(ctx.retryAfter) } : {};
		return { status: ctx.status, headers, body: this.errorBody(new OAuthError(ctx.status, error, ctx.message)) };
	}

	private errorBody(e: OAuthError): Record<string, unknown> {
		if (this.vendorName === 'hubspot') {
			return { error: e.error, error_description: e.description, status: e.hubspotStatus ?? e.error.toUpperCase(), message: e.description, correlationId: randomUUID() };
		}
		return { error: e.error, error_description: e.description };
	}

	private fail(res: Response, e: OAuthError): undefined {
		res.status(e.status).set('Cache-Control', 'no-store').json(this.errorBody(e));
		return undefined;
	}

	// ---------------------------------------------------------------- routes

	private installRoutes(): void {
		const v = this.vendor;
		this.route('get', v.authorizePath, 'oauth.authorize', (req, res) => this.authorizePage(req, res));
		this.route('post', v.authorizePath, 'oauth.authorize.submit', (req, res) => this.authorizeSubmit(req, res));
		for (const p of v.tokenPaths) {
			this.route('post', p, 'oauth.token', async (req, res) => {
				try {
					return await this.token(req, res);
				} catch (e) {
					if (e instanceof OAuthError) return this.fail(res, e);
					throw e;
				}
			});
		}
		const revoke = (req: Request, res: Response, token: string | undefined): unknown => {
			try {
				return this.revoke(req, res, token);
			} catch (e) {
				if (e instanceof OAuthError) return this.fail(res, e);
				throw e;
			}
		};
		if (this.vendorName === 'salesforce') {
			// POST token=... (form) or a blind GET ?token=...; 200 on success, 400 unsupported_token_type / invalid_token.
			this.route('post', '/services/oauth2/revoke', 'oauth.revoke', (req, res) => revoke(req, res, field(req.body, 'token')));
			this.route('get', '/services/oauth2/revoke', 'oauth.revoke', (req, res) => revoke(req, res, field(req.query, 'token')));
		} else if (this.vendorName === 'hubspot') {
			this.route('post', '/oauth/2026-03/token/revoke', 'oauth.revoke', (req, res) => revoke(req, res, field(req.body, 'token')));
			this.route('delete', '/oauth/v1/refresh-tokens/:token', 'oauth.revoke', (req, res) => revoke(req, res, String(req.params.token)));
		} else {
			this.route('post', '/oauth/revoke', 'oauth.revoke', (req, res) => revoke(req, res, field(req.body, 'token')));
		}
	}

	/** Look up the client and redirect URI of an authorize request; errors here are shown, never redirected (RFC 6749 4.1.2.1). */
	private authorizeRequest(p: Record<string, unknown>): { client?: OAuthClient; redirectUri?: string; problem?: string } {
		const clientId = field(p, 'client_id');
		const client = clientId ? this.clients.get(clientId) : undefined;
		if (!client) return { problem: this.vendorName === 'salesforce' ? 'error=invalid_client_id&error_description=client identifier invalid' : 'Invalid client_id' };
		const redirectUri = field(p, 'redirect_uri');
		if (!redirectUri || !client.redirectUris.includes(redirectUri)) {
			return { client, problem: this.vendorName === 'salesforce' ? 'error=redirect_uri_mismatch&error_description=redirect_uri must match configuration' : 'Invalid request: redirect_uri is invalid' };
		}
		return { client, redirectUri };
	}

	private authorizePage(req: Request, res: Response, error?: string): undefined {
		const p = { ...(req.query as Record<string, unknown>), ...(req.method === 'POST' ? (req.body as Record<string, unknown>) : {}) };
		const { client, redirectUri, problem } = this.authorizeRequest(p);
		if (problem || !client || !redirectUri) {
			res.status(400).type('html').send(page(this.vendor.label, `<h1>${esc(this.vendor.label)}</h1><p class="error" id="oauth-error">${esc(problem ?? 'Invalid request')}</p>`));
			return undefined;
		}
		if (this.vendorName !== 'hubspot' && field(p, 'response_type') !== undefined && field(p, 'response_type') !== 'code') {
			this.redirect(res, redirectUri, { error: 'unsupported_response_type', error_description: 'response type not supported', state: field(p, 'state') });
			return undefined;
		}
		const scope = this.requestedScope(p);
		const hidden = ['client_id', 'redirect_uri', 'state', 'scope', 'optional_scope', 'response_type', 'code_challenge', 'code_challenge_method', 'prompt']
			.map((k) => (field(p, k) !== undefined ? `<input type="hidden" name="${k}" value="${esc(field(p, k)!)}">` : ''))
			.join('');
		const scopes = scope
			.split(/[\s,]+/)
			.filter(Boolean)
			.map((s) => `<li class="scope">${esc(s)}</li>`)
			.join('');
		const v = this.vendor;
		const heading =
			this.vendorName === 'salesforce'
				? `Allow Access?`
				: this.vendorName === 'hubspot'
					? `Connect ${esc(client.appName)} to your HubSpot account`
					: `Install ${esc(client.appName)}`;
		const account =
			this.vendorName === 'hubspot'
				? `<label>Select your HubSpot account <select name="account" id="account"><option value="${this.companyId}">FieldFlow Sandbox (${this.companyId})</option></select></label>`
				: '';
		const body = `
<header><strong class="vendor">${esc(v.label)}</strong></header>
<main>
<h1>${heading}</h1>
<p><strong id="app-name">${esc(client.appName)}</strong> is asking to:</p>
<ul id="scopes">${scopes}</ul>
${error ? `<p class="error" id="signin-error">${esc(error)}</p>` : ''}
<form method="post" action="${esc(v.authorizePath)}" id="consent">
${hidden}
<fieldset><legend>Sign in to ${esc(v.label)}</legend>
<label>Username <input name="username" id="username" autocomplete="username" value="${esc(field(p, 'username') ?? this.user.username)}"></label>
<label>Password <input name="password" id="password" type="password" autocomplete="current-password"></label>
</fieldset>
${account}
<button type="submit" name="action" value="deny" id="deny">${esc(v.denyLabel)}</button>
<button type="submit" name="action" value="allow" id="allow">${esc(v.allowLabel)}</button>
</form>
<p class="hint">Local sandbox. Sign in as <code>${esc(this.user.username)}</code> with password <code>${esc(this.user.password)}</code>.</p>
</main>`;
		res.status(200).type('html').send(page(`${v.label} · ${client.appName}`, body));
		return undefined;
	}

	private requestedScope(p: Record<string, unknown>): string {
		const s = [field(p, 'scope'), field(p, 'optional_scope')].filter(Boolean).join(' ');
		return s || this.vendor.defaultScopes;
	}

	private authorizeSubmit(req: Request, res: Response): undefined {
		const p = { ...(req.query as Record<string, unknown>), ...(req.body as Record<string, unknown>) };
		const { client, redirectUri, problem } = this.authorizeRequest(p);
		if (problem || !client || !redirectUri) return this.authorizePage(req, res);
		const state = field(p, 'state');
		if (field(p, 'action') !== 'allow') {
			// Salesforce: "error=access_denied&error_description=end-user denied authorization" (the errors
			// page spells the web-server example access-denied; the RFC 6749 code is access_denied).
			this.redirect(res, redirectUri, {
				error: 'access_denied',
				error_description: this.vendorName === 'salesforce' ? 'end-user denied authorization' : 'The user denied the authorization request',
				state,
			});
			return undefined;
		}
		if (field(p, 'username') !== this.user.username || field(p, 'password') !== this.user.password) {
			return this.authorizePage(req, res, 'Please check your username and password. If you still can\u2019t log in, contact your administrator.');
		}
		const challenge = this.vendor.pkce ? field(p, 'code_challenge') : undefined;
		const code =
			this.vendorName === 'salesforce'
				? `aPrx${randomBytes(30).toString('base64')}==`
				: this.vendorName === 'pipedrive'
					? `${this.companyId}.${this.pdUserId}.${randomBytes(20).toString('hex')}`
					: randomUUID();
		this.codes.set(code, {
			clientId: client.clientId,
			redirectUri,
			scope: this.requestedScope(p),
			challenge,
			challengeMethod: challenge ? (field(p, 'code_challenge_method') ?? 'plain') : undefined,
			expiresAt: this.now() + this.vendor.codeTtlSec * 1000,
			used: false,
		});
		this.redirect(res, redirectUri, { code, state });
		return undefined;
	}

	private redirect(res: Response, uri: string, params: Record<string, string | undefined>): void {
		const u = new URL(uri);
		for (const [k, val] of Object.entries(params)) if (val !== undefined) u.searchParams.set(k, val);
		res.redirect(302, u.toString());
	}

	/** Client credentials as the vendor takes them: Basic header (Pipedrive) or body fields. */
	private clientCredentials(req: Request): { id?: string; secret?: string } {
		if (this.vendor.clientAuth === 'basic') {
			const m = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
			if (!m) return {};
			const raw = Buffer.from(m[1], 'base64').toString('utf8');
			const i = raw.indexOf(':');
			return i < 0 ? { id: raw } : { id: raw.slice(0, i), secret: raw.slice(i + 1) };
		}
		return { id: field(req.body, 'client_id'), secret: field(req.body, 'client_secret') };
	}

	private authenticateClient(req: Request): OAuthClient {
		const { id, secret } = this.clientCredentials(req);
		const client = id ? this.clients.get(id) : undefined;
		const e = ERRORS[this.vendorName];
		if (this.vendorName === 'pipedrive' && (!id || secret === undefined)) throw e.noClient();
		if (!client) throw e.badClientId();
		if (secret !== client.clientSecret) throw e.badSecret();
		return client;
	}

	private async token(req: Request, res: Response): Promise<unknown> {
		const e = ERRORS[this.vendorName];
		if (this.vendorName === 'pipedrive' && !req.is('application/x-www-form-urlencoded')) throw e.contentType();
		const grantType = field(req.body, 'grant_type');
		if (!grantType) throw e.noGrantType();
		if (grantType !== 'authorization_code' && grantType !== 'refresh_token') throw e.badGrantType();
		if (grantType === 'refresh_token') this.refreshCalls++;
		const client = this.authenticateClient(req);
		res.set('Cache-Control', 'no-store');
		return grantType === 'authorization_code' ? this.exchangeCode(req, client) : this.refreshGrant(req, client);
	}

	private exchangeCode(req: Request, client: OAuthClient): unknown {
		const e = ERRORS[this.vendorName];
		const codeValue = field(req.body, 'code');
		const code = codeValue ? this.codes.get(codeValue) : undefined;
		if (!code || code.used || code.clientId !== client.clientId) {
			// A second use of a code also kills what the first use issued (RFC 6749 4.1.2).
			if (code && code.used) for (const g of this.grants.values()) if (g.code === codeValue) g.revoked = true;
			throw e.badCode();
		}
		if (code.expiresAt <= this.now()) {
			code.used = true;
			throw e.expiredCode();
		}
		if (field(req.body, 'redirect_uri') !== code.redirectUri) throw e.redirectMismatch();
		if (code.challenge) {
			const verifier = field(req.body, 'code_verifier');
			if (!verifier) throw e.missingVerifier();
			const computed = code.challengeMethod === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
			if (computed !== code.challenge) throw e.badVerifier();
		}
		code.used = true;
		const grant: Grant = { id: randomUUID(), clientId: client.clientId, scope: code.scope, refreshes: 0, revoked: false, code: codeValue };
		this.grants.set(grant.id, grant);
		// Salesforce issues a refresh token only for the refresh_token / offline_access scope ("full" does not include it).
		const wantsRefresh = this.vendorName !== 'salesforce' || /(^|\s)(refresh_token|offline_access)(\s|$)/.test(code.scope);
		const refreshToken = wantsRefresh ? this.issueRefresh(grant) : undefined;
		return this.tokenAnswer(grant, refreshToken);
	}

	private refreshGrant(req: Request, client: OAuthClient): unknown {
		const e = ERRORS[this.vendorName];
		if (this.failRefreshes.times > 0) {
			this.failRefreshes.times--;
			if (this.failRefreshes.kind === 'server') throw new OAuthError(503, 'temporarily_unavailable', 'Service temporarily unavailable');
			throw e.badRefresh();
		}
		const value = field(req.body, 'refresh_token');
		const r = value ? this.refresh.get(value) : undefined;
		const grant = r ? this.grants.get(r.grantId) : undefined;
		if (!r || !r.active || !grant || grant.revoked || grant.clientId !== client.clientId) throw e.badRefresh();
		grant.refreshes++;
		this.refreshes++;
		let next: string | undefined;
		if (this.vendor.rotates) {
			r.active = false;
			next = this.issueRefresh(grant);
		} else if (this.vendorName === 'hubspot') {
			next = value; // HubSpot answers the same refresh token again.
		}
		return this.tokenAnswer(grant, next);
	}

	private issueRefresh(grant: Grant): string {
		const t =
			this.vendorName === 'salesforce'
				? `5Aep861${randomBytes(32).toString('base64url')}`
				: this.vendorName === 'pipedrive'
					? `${this.companyId}:${this.pdUserId}:${randomBytes(20).toString('hex')}`
					: `na1-${randomUUID()}`;
		this.refresh.set(t, { grantId: grant.id, active: true });
		return t;
	}

	private issueAccess(grant: Grant): string {
		const t =
			this.vendorName === 'salesforce'
				? `${this.orgId}!AQ4AQ.oauth.${randomBytes(32).toString('base64url')}`
				: this.vendorName === 'pipedrive'
					? `v1u:${randomBytes(48).toString('base64url')}`
					: `CN${randomBytes(60).toString('base64url')}`;
		this.access.set(t, { grantId: grant.id, expiresAt: this.now() + this.accessTokenTtlSec * 1000, revoked: false });
		return t;
	}

	private tokenAnswer(grant: Grant, refreshToken: string | undefined): Record<string, unknown> {
		const accessToken = this.issueAccess(grant);
		const apiUrl = this.api?.url || this.url;
		if (this.vendorName === 'salesforce') {
			const id = `${this.url}/id/${this.orgId}AAA/${this.userId}`;
			const issued = String(this.now());
			return {
				access_token: accessToken,
				...(refreshToken ? { refresh_token: refreshToken } : {}),
				signature: createHmac('sha256', this.clientFor(grant).clientSecret).update(id + issued).digest('base64'),
				scope: grant.scope,
				instance_url: apiUrl,
				id,
				token_type: 'Bearer',
				issued_at: issued,
			};
		}
		if (this.vendorName === 'hubspot') {
			return { token_type: 'bearer', refresh_token: refreshToken, access_token: accessToken, expires_in: this.accessTokenTtlSec };
		}
		return { access_token: accessToken, token_type: 'Bearer', refresh_token: refreshToken, scope: grant.scope, expires_in: this.accessTokenTtlSec, api_domain: apiUrl };
	}

	private clientFor(grant: Grant): OAuthClient {
		return this.clients.get(grant.clientId) ?? this.client;
	}

	private revoke(req: Request, res: Response, token: string | undefined): unknown {
		if (this.vendorName !== 'salesforce' && !(this.vendorName === 'hubspot' && req.method === 'DELETE')) this.authenticateClient(req);
		const isRefresh = token !== undefined && this.refresh.has(token);
		const access = token !== undefined ? this.access.get(token) : undefined;
		if (this.vendorName === 'salesforce') {
			if (!token) throw new OAuthError(400, 'unsupported_token_type', 'Token type not supported');
			if (!isRefresh && !access) throw new OAuthError(400, 'invalid_token', 'Token was invalid');
		}
		if (isRefresh) this.revokeRefresh(token!);
		else if (access) access.revoked = true;
		// RFC 7009 2.2: 200 whether or not the token was known (Pipedrive, HubSpot); HubSpot v1 DELETE answers 204.
		if (req.method === 'DELETE') {
			res.status(204).end();
			return undefined;
		}
		res.status(200).end();
		return undefined;
	}

	// ---------------------------------------------------------------- control API

	private installOAuthControl(): void {
		const json = (res: Response, body: unknown) => res.json(body);
		this.app.post('/__sandbox/oauth/expire-access-tokens', (_req, res) => json(res, { expired: this.expireAccessTokens() }));
		this.app.post('/__sandbox/oauth/revoke-refresh-tokens', (req, res) => json(res, { revoked: this.revokeRefreshTokens(field(req.body, 'token')) }));
		this.app.post('/__sandbox/oauth/fail-refreshes', (req, res) => {
			const kind = field(req.body, 'kind') === 'server' ? 'server' : 'invalid_grant';
			this.failNextRefreshes(Number(req.body?.times ?? 1), kind);
			json(res, { ok: true });
		});
		this.app.post('/__sandbox/oauth/clients', (req, res) => {
			const c = this.registerClient(req.body as OAuthClient);
			json(res, { clientId: c.clientId, appName: c.appName, redirectUris: c.redirectUris });
		});
		this.app.post('/__sandbox/oauth/reset-refresh-count', (_req, res) => {
			this.refreshCalls = 0;
			this.refreshes = 0;
			json(res, { ok: true });
		});
		this.app.get('/__sandbox/oauth/state', (_req, res) => json(res, this.state()));
	}
}

/** The vendors' token-endpoint errors (sources in the header comment). */
const ERRORS: Record<OAuthVendor, Record<'noGrantType' | 'badGrantType' | 'noClient' | 'badClientId' | 'badSecret' | 'badCode' | 'expiredCode' | 'redirectMismatch' | 'missingVerifier' | 'badVerifier' | 'badRefresh' | 'contentType', () => OAuthError>> = {
	salesforce: {
		noGrantType: () => new OAuthError(400, 'invalid_request', 'grant type is missing'),
		badGrantType: () => new OAuthError(400, 'unsupported_grant_type', 'grant type not supported'),
		noClient: () => new OAuthError(400, 'invalid_client_id', 'client identifier invalid'),
		badClientId: () => new OAuthError(400, 'invalid_client_id', 'client identifier invalid'),
		badSecret: () => new OAuthError(400, 'invalid_client', 'invalid client credentials'),
		badCode: () => new OAuthError(400, 'invalid_grant', 'invalid authorization code'),
		expiredCode: () => new OAuthError(400, 'invalid_grant', 'expired authorization code'),
		redirectMismatch: () => new OAuthError(400, 'redirect_uri_mismatch', 'redirect_uri must match configuration'),
		// Web server flow page: a code_challenge without code_verifier fails with invalid_grant, one that does not match with invalid_request.
		missingVerifier: () => new OAuthError(400, 'invalid_grant', 'invalid code verifier'),
		badVerifier: () => new OAuthError(400, 'invalid_request', 'invalid code verifier'),
		badRefresh: () => new OAuthError(400, 'invalid_grant', 'expired access/refresh token'),
		contentType: () => new OAuthError(400, 'invalid_request', 'invalid content type'),
	},
	hubspot: {
		noGrantType: () => new OAuthError(400, 'invalid_request', 'missing grant_type', 'BAD_GRANT_TYPE'),
		badGrantType: () => new OAuthError(400, 'unsupported_grant_type', 'unsupported grant_type', 'BAD_GRANT_TYPE'),
		noClient: () => new OAuthError(400, 'invalid_client', 'missing or invalid client_id', 'BAD_CLIENT_ID'),
		badClientId: () => new OAuthError(400, 'invalid_client', 'missing or invalid client_id', 'BAD_CLIENT_ID'),
		badSecret: () => new OAuthError(400, 'invalid_client', 'missing or invalid client secret', 'BAD_CLIENT_SECRET'),
		badCode: () => new OAuthError(400, 'invalid_grant', 'missing or unknown auth code', 'BAD_AUTH_CODE'),
		expiredCode: () => new OAuthError(400, 'invalid_grant', 'auth code is expired', 'BAD_AUTH_CODE'),
		redirectMismatch: () => new OAuthError(400, 'invalid_grant', 'redirect_uri does not match the one used to get the auth code', 'BAD_REDIRECT_URI'),
		missingVerifier: () => new OAuthError(400, 'invalid_grant', 'missing code_verifier', 'BAD_AUTH_CODE'),
		badVerifier: () => new OAuthError(400, 'invalid_grant', 'code_verifier does not match the code_challenge', 'BAD_AUTH_CODE'),
		badRefresh: () => new OAuthError(400, 'invalid_grant', 'refresh token is invalid, expired or revoked', 'BAD_REFRESH_TOKEN'),
		contentType: () => new OAuthError(400, 'invalid_request', 'content must be application/x-www-form-urlencoded'),
	},
	pipedrive: {
		noGrantType: () => new OAuthError(400, 'invalid_request', 'Missing parameter: grant_type'),
		badGrantType: () => new OAuthError(400, 'unsupported_grant_type', 'Unsupported grant type: grant_type is invalid'),
		noClient: () => new OAuthError(400, 'invalid_client', 'Invalid client: cannot retrieve client credentials'),
		badClientId: () => new OAuthError(400, 'invalid_client', 'Invalid client: client is invalid'),
		badSecret: () => new OAuthError(400, 'invalid_client', 'Invalid client: client is invalid'),
		badCode: () => new OAuthError(400, 'invalid_grant', 'Invalid grant: authorization_code is invalid'),
		expiredCode: () => new OAuthError(400, 'invalid_grant', 'Invalid grant: authorization_code has expired'),
		redirectMismatch: () => new OAuthError(400, 'invalid_request', 'Invalid request: redirect_uri is invalid'),
		missingVerifier: () => new OAuthError(400, 'invalid_grant', 'Invalid grant: authorization_code is invalid'),
		badVerifier: () => new OAuthError(400, 'invalid_grant', 'Invalid grant: authorization_code is invalid'),
		badRefresh: () => new OAuthError(400, 'invalid_grant', 'Invalid grant: refresh_token is invalid'),
		contentType: () => new OAuthError(400, 'invalid_request', 'Invalid request: content must be application/x-www-form-urlencoded'),
	},
};

function field(src: unknown, key: string): string | undefined {
	const v = (src as Record<string, unknown> | undefined)?.[key];
	return typeof v === 'string' ? v : undefined;
}

function esc(s: string): string {
	return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function page(title: string, body: string): string {
	return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;background:#f3f3f3;margin:0}
header{background:#fff;padding:12px 24px;border-bottom:1px solid #ddd}
main{max-width:420px;margin:32px auto;background:#fff;padding:24px;border-radius:6px;box-shadow:0 1px 3px #0002}
label{display:block;margin:8px 0}input,select{width:100%;padding:6px;box-sizing:border-box}
fieldset{border:0;padding:0;margin:16px 0}button{padding:8px 16px;margin-right:8px}
.error{color:#b00}.hint{color:#666;font-size:12px;margin-top:24px}
</style></head><body>${body}</body></html>`;
}
