/**
 * The CRM node with Authentication = OAuth2, in process (test/support/node-context.ts: n8n-core's
 * real ExecuteContext and its real `helpers.refreshOAuth2Token`), against the sandboxes' OAuth
 * authorization servers: the adapter uses the stored access token (Salesforce instance_url,
 * Pipedrive api_domain); an expired token is renewed THROUGH n8n (the token endpoint is called by
 * n8n-core, the new token data is what n8n stores) and the call is sent once more; the next run
 * uses the stored token without a refresh; a revoked grant is *auth expired* with the reconnect
 * hint; no token reaches the node's output or error.
 */
import type { IDataObject } from 'n8n-workflow';
import { FieldFlowCrm } from '../../../nodes/FieldFlowCrm/FieldFlowCrm.node';
import { startSandboxes, type Sandboxes } from '../../sandboxes';
import type { OAuthServer } from '../../sandboxes/oauth';
import { runNode } from '../../support/node-context';

delete process.env.HTTP_PROXY;
delete process.env.HTTPS_PROXY;
delete process.env.http_proxy;
delete process.env.https_proxy;

const REDIRECT = 'http://localhost:5678/rest/oauth2-credential/callback';
type Crm = 'salesforce' | 'hubspot' | 'pipedrive';
const TYPE: Record<Crm, string> = { salesforce: 'fieldFlowSalesforceOAuth2Api', hubspot: 'fieldFlowHubSpotOAuth2Api', pipedrive: 'fieldFlowPipedriveOAuth2Api' };
const OBJECT: Record<Crm, string> = { salesforce: 'Lead', hubspot: 'contacts', pipedrive: 'persons' };

let sb: Sandboxes;
beforeAll(async () => {
	sb = await startSandboxes({ sample: true, oauth: { redirectUris: [REDIRECT] } });
});
afterAll(async () => {
	await sb.stop();
});

/** Sign in → Allow → code exchange, as n8n's callback does it; answers the token data n8n would store. */
async function connect(s: OAuthServer, scope: string): Promise<IDataObject> {
	const params: Record<string, string> = { client_id: s.client.clientId, redirect_uri: REDIRECT, scope, state: 's', response_type: 'code' };
	const consent = await fetch(`${s.url}${s.vendor.authorizePath}`, {
		method: 'POST',
		redirect: 'manual',
		body: new URLSearchParams({ ...params, username: s.user.username, password: s.user.password, action: 'allow' }),
	});
	const code = new URL(consent.headers.get('location')!).searchParams.get('code')!;
	const headers: Record<string, string> = {};
	const body = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT });
	if (s.vendor.clientAuth === 'basic') headers.authorization = `Basic ${Buffer.from(`${s.client.clientId}:${s.client.clientSecret}`).toString('base64')}`;
	else {
		body.set('client_id', s.client.clientId);
		body.set('client_secret', s.client.clientSecret);
	}
	const res = await fetch(`${s.url}${s.vendor.tokenPaths[s.vendorName === 'hubspot' ? 2 : 0]}`, { method: 'POST', headers, body });
	expect(res.status).toBe(200);
	return (await res.json()) as IDataObject;
}

/** The OAuth2 credential as n8n decrypts it (hidden expression fields resolved for the sandbox). */
async function credential(crm: Crm): Promise<IDataObject> {
	const s = sb.oauth![crm];
	const common = { clientId: s.client.clientId, clientSecret: s.client.clientSecret, grantType: 'authorizationCode', authQueryParameters: '' };
	if (crm === 'salesforce') {
		return { ...common, environment: 'custom', customAuthUrl: s.url, authUrl: `${s.url}/services/oauth2/authorize`, accessTokenUrl: `${s.url}/services/oauth2/token`, scope: 'api refresh_token', authentication: 'body', oauthTokenData: await connect(s, 'api refresh_token') };
	}
	if (crm === 'hubspot') {
		const scope = 'oauth crm.objects.contacts.read crm.objects.contacts.write';
		return { ...common, useCustomServer: true, customAuthUrl: s.url, baseUrl: sb.hubspot.url, authUrl: `${s.url}/oauth/authorize`, accessTokenUrl: `${s.url}/oauth/v1/token`, scope, authentication: 'body', oauthTokenData: await connect(s, scope) };
	}
	return { ...common, useCustomServer: true, customAuthUrl: s.url, authUrl: `${s.url}/oauth/authorize`, accessTokenUrl: `${s.url}/oauth/token`, scope: '', authentication: 'header', oauthTokenData: await connect(s, 'base contacts:full') };
}

describe.each<Crm>(['salesforce', 'hubspot', 'pipedrive'])('%s OAuth2 credential on the CRM node', (crm) => {
	let s: OAuthServer;
	let creds: Record<string, IDataObject>;
	let stored: number;
	beforeEach(async () => {
		s = sb.oauth![crm];
		s.reset();
		creds = { [TYPE[crm]]: await credential(crm) };
		stored = 0;
	});
	const read = () =>
		runNode({
			type: new FieldFlowCrm(),
			parameters: { crm, authentication: 'oAuth2', object: OBJECT[crm], operation: 'getChangedSince', since: '2000-01-01T00:00:00.000Z', returnAll: true, options: {} },
			credentials: creds as never,
			onOAuthTokenStored: () => stored++,
		});
	const token = () => (creds[TYPE[crm]].oauthTokenData as IDataObject).access_token as string;
	const refreshToken = () => (creds[TYPE[crm]].oauthTokenData as IDataObject).refresh_token as string;

	test('reads with the stored access token at the API the token answer names; no refresh', async () => {
		const [out] = await read();
		expect(out.length).toBeGreaterThan(0);
		expect(s.refreshCalls).toBe(0);
		expect(stored).toBe(0);
	});

	test('expired access token → n8n refreshes and stores the new token → the call is sent once more → the next run makes no refresh call', async () => {
		const [before, beforeRefresh] = [token(), refreshToken()];
		s.expireAccessTokens();
		const [out] = await read();
		expect(out.length).toBeGreaterThan(0);
		expect(s.refreshCalls).toBe(1);
		expect(stored).toBe(1);
		expect(token()).not.toBe(before);
		if (crm === 'pipedrive') expect(refreshToken()).not.toBe(beforeRefresh); // rotated, and the new one stored
		else expect(refreshToken()).toBe(beforeRefresh);
		// n8n 1.x replaces the token data with the refresh answer merged over the old: instance_url / api_domain stay.
		if (crm === 'salesforce') expect((creds[TYPE[crm]].oauthTokenData as IDataObject).instance_url).toBe(sb.salesforce.url);
		if (crm === 'pipedrive') expect((creds[TYPE[crm]].oauthTokenData as IDataObject).api_domain).toBe(sb.pipedrive.url);
		const json = JSON.stringify(out);
		for (const t of [before, token(), refreshToken()]) expect(json).not.toContain(t);

		const [again] = await read();
		expect(again.length).toBe(out.length);
		expect(s.refreshCalls).toBe(1);
	});

	test('revoked refresh token → auth expired with "reconnect the credential", one refresh attempt, no token in the error', async () => {
		const before = token();
		s.revokeRefreshTokens();
		s.expireAccessTokens();
		const err = (await read().then(
			() => undefined,
			(e: unknown) => e,
		)) as { message: string; description?: string; context?: IDataObject };
		expect(err).toBeDefined();
		expect(err.message).toMatch(/auth.?expired|OAuth2 credential/i);
		expect(`${err.message} ${err.description ?? ''}`).toMatch(/reconnect the credential/i);
		expect(s.refreshCalls).toBe(1);
		expect(stored).toBe(0);
		expect(token()).toBe(before);
		expect(JSON.stringify({ m: err.message, d: err.description, c: err.context })).not.toContain(before);
	});

	test('another run refreshed first (the stored token is already a new one): no refresh of our own, even with a rotating refresh token', async () => {
		const stale = structuredClone(creds[TYPE[crm]]);
		s.expireAccessTokens();
		await read(); // the "other run": refreshes and stores
		expect(s.refreshCalls).toBe(1);
		// This run started from the token it had read before the other run refreshed.
		const fresh = creds[TYPE[crm]].oauthTokenData;
		creds[TYPE[crm]] = { ...stale, oauthTokenData: fresh };
		const { renewThroughN8n } = await import('../../../nodes/n8nSide/transport/crm');
		const ctx = { getCredentials: async () => structuredClone(creds[TYPE[crm]]), helpers: {} } as never;
		const next = await renewThroughN8n(ctx, crm, TYPE[crm])((stale.oauthTokenData as IDataObject).access_token as string);
		expect(next.accessToken).toBe(token());
		expect(s.refreshCalls).toBe(1);
	});
});
