/**
 * The sandboxes' OAuth authorization servers with plain HTTP (fetch), per vendor: the consent page
 * (app name, scopes, sign-in, Allow / Deny), the code exchange and its checks (client secret, PKCE,
 * single use), the API sandbox accepting the issued token, expiry → the API's 401 → refresh (and
 * Pipedrive's rotation), revocation → invalid_grant, Deny → access_denied, and the switches.
 */
import { createHash, randomBytes } from 'node:crypto';
import { HubSpotSandbox } from './hubspot';
import { OAuthServer, oauthTokenState, type OAuthVendor } from './oauth';
import { PipedriveSandbox } from './pipedrive';
import { SalesforceSandbox } from './salesforce';
import type { Sandbox } from './common';

delete process.env.HTTP_PROXY;
delete process.env.HTTPS_PROXY;
delete process.env.http_proxy;
delete process.env.https_proxy;

const REDIRECT = 'http://127.0.0.1:5678/rest/oauth2-credential/callback';

interface Case {
	vendor: OAuthVendor;
	api: Sandbox;
	scope: string;
	/** An API call that needs a token, and how its 401 looks. */
	apiPath: string;
	expect401: (body: unknown) => void;
	rotates: boolean;
	pkce: boolean;
}

const sf = new SalesforceSandbox();
const hs = new HubSpotSandbox();
const pd = new PipedriveSandbox();

const CASES: Case[] = [
	{
		vendor: 'salesforce',
		api: sf,
		scope: 'api refresh_token',
		apiPath: '/services/data/v62.0/limits',
		expect401: (b) => expect(b).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]),
		rotates: false,
		pkce: true,
	},
	{
		vendor: 'hubspot',
		api: hs,
		scope: 'oauth crm.objects.contacts.read crm.objects.contacts.write',
		apiPath: '/crm/v3/objects/contacts?limit=1',
		expect401: (b) => expect(b).toMatchObject({ status: 'error', category: 'EXPIRED_AUTHENTICATION' }),
		rotates: false,
		pkce: true,
	},
	{
		vendor: 'pipedrive',
		api: pd,
		scope: 'base deals:full contacts:full',
		apiPath: '/api/v2/persons',
		expect401: (b) => expect(b).toMatchObject({ success: false, error: 'unauthorized access', errorCode: 401 }),
		rotates: true,
		pkce: false,
	},
];

const servers = new Map<OAuthVendor, OAuthServer>();

beforeAll(async () => {
	await Promise.all([sf.start(0), hs.start(0), pd.start(0)]);
	for (const c of CASES) {
		const s = new OAuthServer(c.vendor, { api: c.api, client: { redirectUris: [REDIRECT] } });
		await s.start(0);
		servers.set(c.vendor, s);
	}
});
afterAll(async () => {
	await Promise.all([...servers.values()].map((s) => s.stop()));
	await Promise.all([sf.stop(), hs.stop(), pd.stop()]);
});
beforeEach(() => {
	for (const s of servers.values()) s.reset();
});

function form(o: Record<string, string | undefined>): URLSearchParams {
	const p = new URLSearchParams();
	for (const [k, v] of Object.entries(o)) if (v !== undefined) p.set(k, v);
	return p;
}

function pkcePair(): { verifier: string; challenge: string } {
	const verifier = randomBytes(32).toString('base64url');
	return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authParams(s: OAuthServer, scope: string, extra: Record<string, string> = {}): Record<string, string> {
	const p: Record<string, string> = { client_id: s.client.clientId, redirect_uri: REDIRECT, scope, state: 'st-123', ...extra };
	if (s.vendorName !== 'hubspot') p.response_type = 'code';
	return p;
}

/** Submit the consent form the way the browser does; answers the redirect's URL. */
async function consent(s: OAuthServer, params: Record<string, string>, action: 'allow' | 'deny', password = s.user.password): Promise<URL> {
	const res = await fetch(`${s.url}${s.vendor.authorizePath}`, {
		method: 'POST',
		redirect: 'manual',
		body: form({ ...params, username: s.user.username, password, action }),
	});
	expect(res.status).toBe(302);
	return new URL(res.headers.get('location')!);
}

/** The token endpoint with the vendor's client authentication. */
async function tokenCall(s: OAuthServer, body: Record<string, string | undefined>, secret = s.client.clientSecret): Promise<{ status: number; body: Record<string, unknown> }> {
	const headers: Record<string, string> = {};
	let fields = body;
	if (s.vendor.clientAuth === 'basic') headers.authorization = `Basic ${Buffer.from(`${s.client.clientId}:${secret}`).toString('base64')}`;
	else fields = { client_id: s.client.clientId, client_secret: secret, ...body };
	const res = await fetch(`${s.url}${s.vendor.tokenPaths[0]}`, { method: 'POST', headers, body: form(fields) });
	return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function apiCall(c: Case, token: string): Promise<{ status: number; body: unknown }> {
	const res = await fetch(`${c.api.url}${c.apiPath}`, { headers: { authorization: `Bearer ${token}` } });
	return { status: res.status, body: await res.json() };
}

async function connect(c: Case, s: OAuthServer): Promise<Record<string, unknown>> {
	const { verifier, challenge } = pkcePair();
	const params = authParams(s, c.scope, { code_challenge: challenge, code_challenge_method: 'S256' });
	const back = await consent(s, params, 'allow');
	const tok = await tokenCall(s, { grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: REDIRECT, code_verifier: verifier });
	expect(tok.status).toBe(200);
	return tok.body;
}

describe.each(CASES)('$vendor authorization server', (c) => {
	let s: OAuthServer;
	beforeAll(() => {
		s = servers.get(c.vendor)!;
	});

	test('authorize page shows the vendor, the app and the requested scopes, with a sign-in form and Allow / Deny', async () => {
		const res = await fetch(`${s.url}${s.vendor.authorizePath}?${form(authParams(s, c.scope))}`);
		expect(res.status).toBe(200);
		const html = await res.text();
		expect(html).toContain(s.vendor.label);
		expect(html).toContain('<strong id="app-name">FieldFlow</strong>');
		for (const scope of c.scope.split(' ')) expect(html).toContain(`<li class="scope">${scope}</li>`);
		expect(html).toMatch(/id="username"[^>]*value="[^"]+@/);
		expect(html).toContain('id="password"');
		expect(html).toContain(`id="allow">${s.vendor.allowLabel}<`);
		expect(html).toContain(`id="deny">${s.vendor.denyLabel}<`);
	});

	test('an unknown client or an unregistered redirect_uri gets an error page, never a redirect', async () => {
		const bad = await fetch(`${s.url}${s.vendor.authorizePath}?${form({ ...authParams(s, c.scope), client_id: 'nope' })}`, { redirect: 'manual' });
		expect(bad.status).toBe(400);
		expect(await bad.text()).toContain('id="oauth-error"');
		const elsewhere = await fetch(`${s.url}${s.vendor.authorizePath}?${form({ ...authParams(s, c.scope), redirect_uri: 'http://evil.example/cb' })}`, { redirect: 'manual' });
		expect(elsewhere.status).toBe(400);
		expect(elsewhere.headers.get('location')).toBeNull();
	});

	test('a wrong password shows the sign-in form again, no code', async () => {
		const res = await fetch(`${s.url}${s.vendor.authorizePath}`, {
			method: 'POST',
			redirect: 'manual',
			body: form({ ...authParams(s, c.scope), username: s.user.username, password: 'wrong', action: 'allow' }),
		});
		expect(res.status).toBe(200);
		expect(await res.text()).toContain('id="signin-error"');
	});

	test('Allow → code and state on the redirect_uri → token exchange → the API sandbox accepts the token', async () => {
		const { verifier, challenge } = pkcePair();
		const back = await consent(s, authParams(s, c.scope, { code_challenge: challenge, code_challenge_method: 'S256' }), 'allow');
		expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
		expect(back.searchParams.get('state')).toBe('st-123');
		const code = back.searchParams.get('code')!;
		expect(code).toBeTruthy();

		const tok = await tokenCall(s, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier });
		expect(tok.status).toBe(200);
		const b = tok.body;
		expect(typeof b.access_token).toBe('string');
		expect(typeof b.refresh_token).toBe('string');
		if (c.vendor === 'salesforce') {
			expect(b).toMatchObject({ instance_url: sf.url, token_type: 'Bearer', scope: c.scope });
			expect(b.issued_at).toMatch(/^\d{13}$/);
			expect(b.id).toMatch(/\/id\/00D\w+\/005\w+$/);
			expect(typeof b.signature).toBe('string');
			expect(b).not.toHaveProperty('expires_in');
		} else if (c.vendor === 'hubspot') {
			expect(b).toMatchObject({ token_type: 'bearer', expires_in: 1800 });
		} else {
			expect(b).toMatchObject({ token_type: 'Bearer', expires_in: 3600, api_domain: pd.url, scope: c.scope });
		}
		const api = await apiCall(c, b.access_token as string);
		expect(api.status).toBe(200);
		expect(oauthTokenState(c.api, b.access_token as string)).toBe('valid');
	});

	test('code exchange checks: wrong secret, wrong PKCE verifier, reused code, other redirect_uri', async () => {
		const { verifier, challenge } = pkcePair();
		const params = authParams(s, c.scope, { code_challenge: challenge, code_challenge_method: 'S256' });
		const code = (await consent(s, params, 'allow')).searchParams.get('code')!;

		const wrongSecret = await tokenCall(s, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }, 'not-the-secret');
		expect(wrongSecret.status).toBe(400);
		expect(wrongSecret.body).toMatchObject({ error: 'invalid_client' });
		if (c.vendor === 'hubspot') expect(wrongSecret.body).toMatchObject({ status: 'BAD_CLIENT_SECRET', message: 'missing or invalid client secret' });
		if (c.vendor === 'pipedrive') expect(wrongSecret.body).toMatchObject({ error_description: 'Invalid client: client is invalid' });

		const otherRedirect = await tokenCall(s, { grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1:9/cb', code_verifier: verifier });
		expect(otherRedirect.status).toBe(400);

		if (c.pkce) {
			const wrongVerifier = await tokenCall(s, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: pkcePair().verifier });
			expect(wrongVerifier.status).toBe(400);
			// Salesforce's web server flow: a mismatching verifier is invalid_request; HubSpot: invalid_grant.
			expect(wrongVerifier.body).toMatchObject({ error: c.vendor === 'salesforce' ? 'invalid_request' : 'invalid_grant' });
			const noVerifier = await tokenCall(s, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT });
			expect(noVerifier.body).toMatchObject({ error: 'invalid_grant' });
		}

		const first = await tokenCall(s, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier });
		expect(first.status).toBe(200);
		const reused = await tokenCall(s, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier });
		expect(reused.status).toBe(400);
		expect(reused.body).toMatchObject({ error: 'invalid_grant' });
		if (c.vendor === 'pipedrive') expect(reused.body.error_description).toBe('Invalid grant: authorization_code is invalid');
		if (c.vendor === 'hubspot') expect(reused.body.status).toBe('BAD_AUTH_CODE');
		// A replayed code revokes what the first exchange issued (RFC 6749 4.1.2).
		expect(oauthTokenState(c.api, first.body.access_token as string)).toBe('revoked');
	});

	test('a code is short-lived', async () => {
		const code = (await consent(s, authParams(s, c.scope), 'allow')).searchParams.get('code')!;
		s.clock.offsetMs = s.vendor.codeTtlSec * 1000 + 1;
		try {
			const late = await tokenCall(s, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT });
			expect(late.status).toBe(400);
			expect(late.body).toMatchObject({ error: 'invalid_grant' });
		} finally {
			s.clock.offsetMs = 0;
		}
	});

	test('expire → the API answers its 401 → refresh → the new token works; refresh counted', async () => {
		const t = await connect(c, s);
		expect(s.expireAccessTokens()).toBe(1);
		const denied = await apiCall(c, t.access_token as string);
		expect(denied.status).toBe(401);
		c.expect401(denied.body);

		const r = await tokenCall(s, { grant_type: 'refresh_token', refresh_token: t.refresh_token as string });
		expect(r.status).toBe(200);
		expect(r.body.access_token).not.toBe(t.access_token);
		expect((await apiCall(c, r.body.access_token as string)).status).toBe(200);
		expect(s.refreshCalls).toBe(1);
		expect(s.refreshes).toBe(1);
		if (c.vendor === 'salesforce') {
			expect(r.body).not.toHaveProperty('refresh_token');
			expect(r.body.instance_url).toBe(sf.url);
		}
		if (c.vendor === 'hubspot') expect(r.body.refresh_token).toBe(t.refresh_token);
		if (c.vendor === 'pipedrive') expect(r.body.api_domain).toBe(pd.url);

		if (c.rotates) {
			// Pipedrive: a new refresh token every time; the exchanged one is dead.
			expect(r.body.refresh_token).not.toBe(t.refresh_token);
			const old = await tokenCall(s, { grant_type: 'refresh_token', refresh_token: t.refresh_token as string });
			expect(old.status).toBe(400);
			expect(old.body).toEqual({ error: 'invalid_grant', error_description: 'Invalid grant: refresh_token is invalid' });
			const again = await tokenCall(s, { grant_type: 'refresh_token', refresh_token: r.body.refresh_token as string });
			expect(again.status).toBe(200);
		} else {
			const again = await tokenCall(s, { grant_type: 'refresh_token', refresh_token: t.refresh_token as string });
			expect(again.status).toBe(200);
		}
		expect(s.refreshCalls).toBe(c.rotates ? 3 : 2);
		const st = (await (await fetch(`${s.url}/__sandbox/oauth/state`)).json()) as { refreshCalls: number; grants: Array<{ refreshes: number }> };
		expect(st.refreshCalls).toBe(s.refreshCalls);
		expect(st.grants[0].refreshes).toBe(2);
		expect(JSON.stringify(st)).not.toContain(t.refresh_token as string);
	});

	test('the access token also expires by time (expires_in)', async () => {
		const t = await connect(c, s);
		s.clock.offsetMs = s.accessTokenTtlSec * 1000 + 1;
		try {
			expect((await apiCall(c, t.access_token as string)).status).toBe(401);
		} finally {
			s.clock.offsetMs = 0;
		}
	});

	test('revoke over the vendor endpoint → refresh answers invalid_grant', async () => {
		const t = await connect(c, s);
		let res: Response;
		if (c.vendor === 'salesforce') {
			res = await fetch(`${s.url}/services/oauth2/revoke`, { method: 'POST', body: form({ token: t.refresh_token as string }) });
		} else if (c.vendor === 'hubspot') {
			res = await fetch(`${s.url}/oauth/2026-03/token/revoke`, {
				method: 'POST',
				body: form({ client_id: s.client.clientId, client_secret: s.client.clientSecret, token: t.refresh_token as string, token_type_hint: 'refresh_token' }),
			});
		} else {
			res = await fetch(`${s.url}/oauth/revoke`, {
				method: 'POST',
				headers: { authorization: `Basic ${Buffer.from(`${s.client.clientId}:${s.client.clientSecret}`).toString('base64')}` },
				body: form({ token: t.refresh_token as string, token_type_hint: 'refresh_token' }),
			});
		}
		expect(res.status).toBe(200);
		const r = await tokenCall(s, { grant_type: 'refresh_token', refresh_token: t.refresh_token as string });
		expect(r.status).toBe(400);
		expect(r.body).toMatchObject({ error: 'invalid_grant' });
		if (c.vendor === 'salesforce') expect(r.body).toEqual({ error: 'invalid_grant', error_description: 'expired access/refresh token' });
		if (c.vendor === 'hubspot') expect(r.body).toMatchObject({ status: 'BAD_REFRESH_TOKEN', error_description: 'refresh token is invalid, expired or revoked' });
		// Salesforce and Pipedrive revoke the access tokens with it; HubSpot leaves them until they expire.
		expect((await apiCall(c, t.access_token as string)).status).toBe(c.vendor === 'hubspot' ? 200 : 401);
	});

	test('switches over /__sandbox: revoke refresh tokens, fail the next N refreshes (invalid_grant or 5xx)', async () => {
		const t = await connect(c, s);
		await fetch(`${s.url}/__sandbox/oauth/fail-refreshes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ times: 1, kind: 'server' }) });
		const transient = await tokenCall(s, { grant_type: 'refresh_token', refresh_token: t.refresh_token as string });
		expect(transient.status).toBe(503);
		s.failNextRefreshes(1);
		const dead = await tokenCall(s, { grant_type: 'refresh_token', refresh_token: t.refresh_token as string });
		expect(dead.body).toMatchObject({ error: 'invalid_grant' });
		const ok = await tokenCall(s, { grant_type: 'refresh_token', refresh_token: t.refresh_token as string });
		expect(ok.status).toBe(200);
		expect(s.refreshCalls).toBe(3);
		expect(s.refreshes).toBe(1);

		const current = (ok.body.refresh_token as string | undefined) ?? (t.refresh_token as string);
		const rev = (await (await fetch(`${s.url}/__sandbox/oauth/revoke-refresh-tokens`, { method: 'POST' })).json()) as { revoked: number };
		expect(rev.revoked).toBe(1);
		const after = await tokenCall(s, { grant_type: 'refresh_token', refresh_token: current });
		expect(after.body).toMatchObject({ error: 'invalid_grant' });

		const exp = (await (await fetch(`${s.url}/__sandbox/oauth/expire-access-tokens`, { method: 'POST' })).json()) as { expired: number };
		expect(exp.expired).toBeGreaterThanOrEqual(0);
	});

	test('Deny → access_denied on the redirect_uri with the state, no code', async () => {
		const back = await consent(s, authParams(s, c.scope), 'deny');
		expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
		expect(back.searchParams.get('error')).toBe('access_denied');
		expect(back.searchParams.get('state')).toBe('st-123');
		expect(back.searchParams.get('code')).toBeNull();
		if (c.vendor === 'salesforce') expect(back.searchParams.get('error_description')).toBe('end-user denied authorization');
	});

	test('static sandbox tokens keep working next to OAuth', async () => {
		const statics: Record<OAuthVendor, string> = { salesforce: sf.accessToken, hubspot: 'hs-sandbox-token', pipedrive: 'pd-sandbox-token' };
		expect((await apiCall(c, statics[c.vendor])).status).toBe(200);
		expect((await apiCall(c, 'made-up-token')).status).toBe(401);
	});
});

test('HubSpot: the v1 and v3 token paths answer like 2026-03; the v1 DELETE revokes only the refresh token', async () => {
	const s = servers.get('hubspot')!;
	const c = CASES[1];
	const t = await connect(c, s);
	for (const p of ['/oauth/v3/token', '/oauth/v1/token']) {
		const res = await fetch(`${s.url}${p}`, {
			method: 'POST',
			body: form({ grant_type: 'refresh_token', client_id: s.client.clientId, client_secret: s.client.clientSecret, refresh_token: t.refresh_token as string }),
		});
		expect(res.status).toBe(200);
	}
	const del = await fetch(`${s.url}/oauth/v1/refresh-tokens/${encodeURIComponent(t.refresh_token as string)}`, { method: 'DELETE' });
	expect(del.status).toBe(204);
	expect((await apiCall(c, t.access_token as string)).status).toBe(200);
	const r = await tokenCall(s, { grant_type: 'refresh_token', refresh_token: t.refresh_token as string });
	expect(r.body).toMatchObject({ error: 'invalid_grant', status: 'BAD_REFRESH_TOKEN' });
});

test('Pipedrive: client credentials only in the Basic header, form-encoded body only', async () => {
	const s = servers.get('pipedrive')!;
	const noBasic = await fetch(`${s.url}/oauth/token`, { method: 'POST', body: form({ grant_type: 'refresh_token', refresh_token: 'x', client_id: s.client.clientId, client_secret: s.client.clientSecret }) });
	expect(await noBasic.json()).toEqual({ error: 'invalid_client', error_description: 'Invalid client: cannot retrieve client credentials' });
	const json = await fetch(`${s.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'refresh_token' }) });
	expect(await json.json()).toMatchObject({ error_description: 'Invalid request: content must be application/x-www-form-urlencoded' });
});

test('Salesforce: a blind GET on /services/oauth2/revoke revokes; an unknown token answers 400 invalid_token', async () => {
	const s = servers.get('salesforce')!;
	const t = await connect(CASES[0], s);
	expect((await fetch(`${s.url}/services/oauth2/revoke?token=${encodeURIComponent(t.access_token as string)}`)).status).toBe(200);
	expect(oauthTokenState(sf, t.access_token as string)).toBe('revoked');
	const unknown = await fetch(`${s.url}/services/oauth2/revoke`, { method: 'POST', body: form({ token: 'nope' }) });
	expect(unknown.status).toBe(400);
	expect(await unknown.json()).toEqual({ error: 'invalid_token', error_description: 'Token was invalid' });
	// Revoking the access token leaves the refresh token working.
	expect((await tokenCall(s, { grant_type: 'refresh_token', refresh_token: t.refresh_token as string })).status).toBe(200);
});

test('registering a redirect URI over the control API (the vendor app settings), and a stopped server issues nothing the API accepts', async () => {
	const s = new OAuthServer('pipedrive', { api: pd });
	await s.start(0);
	const res = await fetch(`${s.url}/__sandbox/oauth/clients`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ clientId: s.client.clientId, redirectUris: [REDIRECT] }),
	});
	expect(await res.json()).toMatchObject({ redirectUris: [REDIRECT] });
	const t = await connect(CASES[2], s);
	expect(oauthTokenState(pd, t.access_token as string)).toBe('valid');
	await s.stop();
	expect(oauthTokenState(pd, t.access_token as string)).toBe('unknown');
});

test('startSandboxes({ oauth }) starts one authorization server per CRM, bound to its API sandbox; without it, none', async () => {
	const { startSandboxes } = await import('./index');
	const plain = await startSandboxes();
	expect(plain.oauth).toBeUndefined();
	await plain.stop();
	const s = await startSandboxes({ oauth: { redirectUris: [REDIRECT] } });
	try {
		expect(s.oauth!.salesforce.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
		const t = await connect({ ...CASES[1], api: s.hubspot }, s.oauth!.hubspot);
		const res = await fetch(`${s.hubspot.url}/crm/v3/objects/contacts?limit=1`, { headers: { authorization: `Bearer ${t.access_token}` } });
		expect(res.status).toBe(200);
		expect(oauthTokenState(hs, t.access_token as string)).toBe('unknown');
	} finally {
		await s.stop();
	}
});

test('Pipedrive: revoking a refresh token that was already exchanged changes nothing; revoking the current one ends the grant', async () => {
	const s = servers.get('pipedrive')!;
	const t = await connect(CASES[2], s);
	const r = await tokenCall(s, { grant_type: 'refresh_token', refresh_token: t.refresh_token as string });
	expect(s.revokeRefreshTokens(t.refresh_token as string)).toBe(0);
	expect((await apiCall(CASES[2], r.body.access_token as string)).status).toBe(200);
	expect(s.revokeRefreshTokens(r.body.refresh_token as string)).toBe(1);
	expect((await apiCall(CASES[2], r.body.access_token as string)).status).toBe(401);
});

test('Salesforce: no refresh token unless the refresh_token (or offline_access) scope is asked for', async () => {
	const s = servers.get('salesforce')!;
	const code = (await consent(s, authParams(s, 'api full'), 'allow')).searchParams.get('code')!;
	const t = await tokenCall(s, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT });
	expect(t.status).toBe(200);
	expect(t.body).not.toHaveProperty('refresh_token');
});
