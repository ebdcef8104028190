/**
 * All four sandboxes together: FieldFlow, Salesforce, HubSpot, Pipedrive on 127.0.0.1.
 * Tests start them in-process (port 0); the demo starts them on fixed ports through cli.ts.
 */
import { FieldFlowSandbox, FIELDFLOW_SANDBOX_KEY } from './fieldflow';
import { SalesforceSandbox } from './salesforce';
import { HubSpotSandbox } from './hubspot';
import { PipedriveSandbox } from './pipedrive';
import { OAuthServer } from './oauth';
import type { CredentialSpec } from '../e2e/harness';

export { FieldFlowSandbox, SalesforceSandbox, HubSpotSandbox, PipedriveSandbox, OAuthServer };

export const HUBSPOT_SANDBOX_TOKEN = 'hs-sandbox-token';
export const PIPEDRIVE_SANDBOX_TOKEN = 'pd-sandbox-token';

export interface Sandboxes {
	fieldflow: FieldFlowSandbox;
	salesforce: SalesforceSandbox;
	hubspot: HubSpotSandbox;
	pipedrive: PipedriveSandbox;
	/** The CRMs' OAuth authorization servers (oauth.ts), when started with `oauth: true`. */
	oauth?: { salesforce: OAuthServer; hubspot: OAuthServer; pipedrive: OAuthServer };
	stop(): Promise<void>;
}

export interface StartOptions {
	/** First port; the four sandboxes take this and the next three. 0 = any free ports. */
	basePort?: number;
	/** Load the demo data. */
	sample?: boolean;
	/**
	 * Also start an OAuth authorization server per CRM (on basePort+4..+6 with a base port), whose
	 * access tokens the CRM sandboxes accept. `redirectUris`: the OAuth callback URLs to register
	 * for the default client (n8n's `<base>/rest/oauth2-credential/callback`).
	 */
	oauth?: boolean | { redirectUris?: string[] };
}

export async function startSandboxes(o: StartOptions = {}): Promise<Sandboxes> {
	const fieldflow = new FieldFlowSandbox();
	const salesforce = new SalesforceSandbox();
	const hubspot = new HubSpotSandbox();
	const pipedrive = new PipedriveSandbox();
	const all: Array<FieldFlowSandbox | SalesforceSandbox | HubSpotSandbox | PipedriveSandbox | OAuthServer> = [fieldflow, salesforce, hubspot, pipedrive];
	const base = o.basePort ?? 0;
	await Promise.all(all.map((s, i) => s.start(base ? base + i : 0)));
	if (o.sample) for (const s of all) s.seedSample();
	let oauth: Sandboxes['oauth'];
	if (o.oauth) {
		const client = typeof o.oauth === 'object' && o.oauth.redirectUris ? { redirectUris: o.oauth.redirectUris } : undefined;
		oauth = {
			salesforce: new OAuthServer('salesforce', { api: salesforce, client }),
			hubspot: new OAuthServer('hubspot', { api: hubspot, client }),
			pipedrive: new OAuthServer('pipedrive', { api: pipedrive, client }),
		};
		const servers = [oauth.salesforce, oauth.hubspot, oauth.pipedrive];
		await Promise.all(servers.map((s, i) => s.start(base ? base + all.length + i : 0)));
		all.push(...servers);
	}
	return {
		fieldflow,
		salesforce,
		hubspot,
		pipedrive,
		...(oauth ? { oauth } : {}),
		stop: async () => {
			await Promise.all(all.map((s) => s.stop()));
		},
	};
}

/** Credential ids the workflow templates refer to. */
export const CREDENTIAL_IDS = {
	fieldFlowApi: 'ffFieldFlowApi01',
	fieldFlowSalesforceApi: 'ffSalesforce0001',
	fieldFlowHubSpotApi: 'ffHubSpot0000001',
	fieldFlowPipedriveApi: 'ffPipedrive00001',
} as const;

/** Credential names the workflow templates refer to (next to the ids above). */
export const CREDENTIAL_NAMES = {
	fieldFlowApi: 'FieldFlow account',
	fieldFlowSalesforceApi: 'Salesforce sandbox',
	fieldFlowHubSpotApi: 'HubSpot sandbox',
	fieldFlowPipedriveApi: 'Pipedrive sandbox',
} as const;

/**
 * n8n credentials (for import) that point at running sandboxes: FieldFlow, plus each CRM sandbox
 * that is passed. Salesforce uses the OAuth2 refresh-token setup (client id/secret + refresh
 * token, base URL = the sandbox) with the sandbox's initial access token, so runs start without a
 * refresh and still recover when the sandbox expires the access token.
 */
export function sandboxCredentials(s: Pick<Sandboxes, 'fieldflow'> & Partial<Pick<Sandboxes, 'salesforce' | 'hubspot' | 'pipedrive'>>): CredentialSpec[] {
	const creds: CredentialSpec[] = [
		{
			id: CREDENTIAL_IDS.fieldFlowApi,
			name: CREDENTIAL_NAMES.fieldFlowApi,
			type: 'fieldFlowApi',
			data: { apiKey: FIELDFLOW_SANDBOX_KEY, baseUrl: `${s.fieldflow.url}/v1` },
		},
	];
	if (s.salesforce) {
		creds.push({
			id: CREDENTIAL_IDS.fieldFlowSalesforceApi,
			name: CREDENTIAL_NAMES.fieldFlowSalesforceApi,
			type: 'fieldFlowSalesforceApi',
			data: {
				authType: 'refreshToken',
				clientId: s.salesforce.clientId,
				clientSecret: s.salesforce.clientSecret,
				refreshToken: s.salesforce.refreshToken,
				accessToken: s.salesforce.accessToken,
				instanceUrl: s.salesforce.url,
				baseUrl: s.salesforce.url,
			},
		});
	}
	if (s.hubspot) {
		creds.push({
			id: CREDENTIAL_IDS.fieldFlowHubSpotApi,
			name: CREDENTIAL_NAMES.fieldFlowHubSpotApi,
			type: 'fieldFlowHubSpotApi',
			data: { accessToken: HUBSPOT_SANDBOX_TOKEN, baseUrl: s.hubspot.url },
		});
	}
	if (s.pipedrive) {
		creds.push({
			id: CREDENTIAL_IDS.fieldFlowPipedriveApi,
			name: CREDENTIAL_NAMES.fieldFlowPipedriveApi,
			type: 'fieldFlowPipedriveApi',
			data: { apiToken: PIPEDRIVE_SANDBOX_TOKEN, baseUrl: s.pipedrive.url },
		});
	}
	return creds;
}

/** Ids and names of the OAuth2 credentials (Connect my account) the demo imports. */
export const OAUTH_CREDENTIALS = {
	salesforce: { type: 'fieldFlowSalesforceOAuth2Api', id: 'ffSfOAuth2000001', name: 'Salesforce (Connect my account)' },
	hubspot: { type: 'fieldFlowHubSpotOAuth2Api', id: 'ffHsOAuth2000001', name: 'HubSpot (Connect my account)' },
	pipedrive: { type: 'fieldFlowPipedriveOAuth2Api', id: 'ffPdOAuth2000001', name: 'Pipedrive (Connect my account)' },
} as const;

/**
 * An OAuth2 credential as the admin fills it in n8n (the app's client id and secret, the sandbox as
 * the authorization server), connected when `tokens` (n8n's oauthTokenData) are given.
 */
export function sandboxOAuthCredential(s: Sandboxes, crm: 'salesforce' | 'hubspot' | 'pipedrive', tokens?: Record<string, unknown>): CredentialSpec {
	const server = s.oauth![crm];
	const app = { clientId: server.client.clientId, clientSecret: server.client.clientSecret };
	const data: Record<string, unknown> =
		crm === 'salesforce'
			? { ...app, environment: 'custom', customAuthUrl: server.url }
			: crm === 'hubspot'
				? { ...app, useCustomServer: true, customAuthUrl: server.url, baseUrl: s.hubspot.url }
				: { ...app, useCustomServer: true, customAuthUrl: server.url };
	if (tokens) data.oauthTokenData = tokens;
	const { id, name, type } = OAUTH_CREDENTIALS[crm];
	return { id, name, type, data };
}

/**
 * What Connect my account → Allow does, over plain HTTP (for the demo's pre-connected CRMs): the
 * authorization-code grant against a sandbox authorization server (sign-in and Allow posted to its
 * authorize page, the code exchanged at its token endpoint with the client's id and secret, in the
 * body or as Basic auth as the vendor takes them). Returns the token answer, as n8n stores it.
 */
export async function authorizeWithoutBrowser(server: OAuthServer, redirectUri: string): Promise<Record<string, unknown>> {
	const allow = await fetch(`${server.url}${server.vendor.authorizePath}`, {
		method: 'POST',
		redirect: 'manual',
		headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({ client_id: server.client.clientId, redirect_uri: redirectUri, response_type: 'code', username: server.user.username, password: server.user.password, action: 'allow' }),
	});
	const code = new URL(allow.headers.get('location') ?? 'http://invalid/').searchParams.get('code');
	if (!code) throw new Error(`${server.vendorName}: the authorize page answered ${allow.status} without a code`);
	const form = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri });
	const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' };
	if (server.vendor.clientAuth === 'basic') headers.Authorization = `Basic ${Buffer.from(`${server.client.clientId}:${server.client.clientSecret}`).toString('base64')}`;
	else for (const [k, v] of Object.entries({ client_id: server.client.clientId, client_secret: server.client.clientSecret })) form.set(k, v);
	const token = await fetch(`${server.url}${server.vendor.tokenPaths[0]}`, { method: 'POST', headers, body: form });
	if (!token.ok) throw new Error(`${server.vendorName}: the token endpoint answered ${token.status}: ${await token.text()}`);
	return (await token.json()) as Record<string, unknown>;
}
