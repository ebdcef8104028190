/**
 * Connect a CRM the way the guide says (issue 15), in a real n8n with Debian's Chromium
 * (playwright-core): for each CRM an OAuth2 credential (FieldFlow <CRM> OAuth2 API, pointed at the
 * sandbox's authorization server) → n8n's credential dialog → **Connect my account** → the popup
 * shows the sandbox's consent page (sign-in, app name, scopes) → Allow → n8n shows "Account
 * connected" → a workflow with the FieldFlow CRM node (Authentication = OAuth2) reads with it.
 * Then: the sandbox expires the access token → the run finishes, n8n's stored credential holds a
 * new token, the next run makes no refresh call; Deny → n8n's popup names access_denied and
 * nothing is stored; a revoked refresh token → *auth expired* "reconnect the credential" →
 * Reconnect in the dialog → the next run reads again. No token in the run data or n8n's log.
 *
 * One n8n for the whole file (each start costs seconds). The credentials are created with n8n's
 * importer (client id and secret as the admin would paste them); connecting is done in the UI.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { DEMO_OWNER, N8n, type RunResult } from './harness';
import { startSandboxes, sandboxCredentials, type Sandboxes } from '../sandboxes';
import type { OAuthServer } from '../sandboxes/oauth';
import { freePort } from '../support/net';

const CHROMIUM = '/usr/bin/chromium';
type Crm = 'salesforce' | 'hubspot' | 'pipedrive';
const CRMS: Crm[] = ['salesforce', 'hubspot', 'pipedrive'];
const TYPE: Record<Crm, string> = { salesforce: 'fieldFlowSalesforceOAuth2Api', hubspot: 'fieldFlowHubSpotOAuth2Api', pipedrive: 'fieldFlowPipedriveOAuth2Api' };
const CRED_ID: Record<Crm, string> = { salesforce: 'ffSfOAuth2000001', hubspot: 'ffHsOAuth2000001', pipedrive: 'ffPdOAuth2000001' };
const WF_ID: Record<Crm, string> = { salesforce: 'wfOAuthSfRead001', hubspot: 'wfOAuthHsRead001', pipedrive: 'wfOAuthPdRead001' };
const OBJECT: Record<Crm, string> = { salesforce: 'Lead', hubspot: 'contacts', pipedrive: 'persons' };
const LABEL: Record<Crm, string> = { salesforce: 'Salesforce', hubspot: 'HubSpot', pipedrive: 'Pipedrive' };
const READ_NODE = 'CRM: changed records';

/** The credential data an admin enters: the app's client id and secret, and the sandbox as the authorization server. */
function oauthCredentialData(crm: Crm, sb: Sandboxes): Record<string, unknown> {
	const s = sb.oauth![crm];
	const app = { clientId: s.client.clientId, clientSecret: s.client.clientSecret };
	if (crm === 'salesforce') return { ...app, environment: 'custom', customAuthUrl: s.url };
	if (crm === 'hubspot') return { ...app, useCustomServer: true, customAuthUrl: s.url, baseUrl: sb.hubspot.url };
	return { ...app, useCustomServer: true, customAuthUrl: s.url };
}

function readWorkflow(crm: Crm): Record<string, unknown> {
	return {
		id: WF_ID[crm],
		name: `OAuth2 read (${LABEL[crm]})`,
		active: false,
		settings: { executionOrder: 'v1' },
		connections: { Start: { main: [[{ node: READ_NODE, type: 'main', index: 0 }]] } },
		nodes: [
			{ id: 'start', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: 'read',
				name: READ_NODE,
				type: 'n8n-nodes-fieldflow.fieldFlowCrm',
				typeVersion: 1,
				position: [240, 0],
				parameters: { crm, authentication: 'oAuth2', object: OBJECT[crm], operation: 'getChangedSince', since: '2000-01-01T00:00:00.000Z', returnAll: true, options: {} },
				credentials: { [TYPE[crm]]: { id: CRED_ID[crm], name: `${LABEL[crm]} (Connect my account)` } },
			},
		],
	};
}

describe('OAuth2 credentials: Connect my account in real n8n', () => {
	let sb: Sandboxes;
	let n8n: N8n;
	let context: BrowserContext;
	let page: Page;
	const shots = path.join(os.tmpdir(), `ff-oauth-e2e-${process.pid}`);

	/** The credential as n8n stores it (decrypted by n8n's own exporter). */
	async function stored(crm: Crm): Promise<Record<string, unknown>> {
		const file = path.join(n8n.userFolder, `export-${crm}-${Date.now()}.json`);
		await n8n.cli(['export:credentials', `--id=${CRED_ID[crm]}`, '--decrypted', `--output=${file}`]);
		const [c] = JSON.parse(fs.readFileSync(file, 'utf8')) as Array<{ data: Record<string, unknown> }>;
		fs.rmSync(file);
		return c.data;
	}
	const tokenData = async (crm: Crm) => ((await stored(crm)).oauthTokenData ?? undefined) as Record<string, string> | undefined;

	/** Open the credential's dialog and click Connect (n8n 2.x) / Connect my account (1.x) or Reconnect: answers the popup on the consent page. */
	async function openConsent(crm: Crm): Promise<Page> {
		// n8n opens its popup under one window name: a popup left open would be reused, not opened.
		for (const p of context.pages()) if (p !== page) await p.close();
		await page.goto(`${n8n.url()}/home/credentials/${CRED_ID[crm]}`);
		const connect = page.getByRole('button', { name: /^\s*(connect|connect my account|reconnect|switch account)\s*$/i }).first();
		await connect.waitFor({ timeout: 60_000 });
		const [popup] = await Promise.all([context.waitForEvent('page', { timeout: 30_000 }), connect.click()]);
		const s: OAuthServer = sb.oauth![crm];
		await popup.waitForURL((u) => u.href.startsWith(`${s.url}${s.vendor.authorizePath}`), { timeout: 30_000 }).catch(async () => {
			throw new Error(`the popup is at ${popup.url()}: ${(await popup.content()).slice(0, 500)}`);
		});
		await popup.waitForLoadState();
		return popup;
	}

	/** Sign in and click Allow (or Deny) on the sandbox's consent page. */
	async function consent(crm: Crm, action: 'allow' | 'deny'): Promise<{ popup: Page; closed: Promise<void> }> {
		const s: OAuthServer = sb.oauth![crm];
		const popup = await openConsent(crm);
		expect(await popup.textContent('#app-name')).toBe('FieldFlow');
		const scopes = await popup.locator('#scopes .scope').allTextContents();
		if (crm === 'salesforce') expect(scopes).toEqual(['api', 'refresh_token']);
		if (crm === 'hubspot') expect(scopes).toEqual(expect.arrayContaining(['oauth', 'crm.objects.contacts.write', 'crm.schemas.deals.read']));
		await popup.fill('#password', s.user.password);
		const closed = new Promise<void>((resolve) => popup.once('close', () => resolve()));
		await popup.click(action === 'allow' ? '#allow' : '#deny');
		return { popup, closed };
	}

	async function connectInUi(crm: Crm): Promise<void> {
		const { closed } = await consent(crm, 'allow');
		await Promise.race([closed, new Promise((r) => setTimeout(r, 15_000))]);
		await page.getByText(/account connected/i).first().waitFor({ timeout: 30_000 });
	}

	/** `n8n execute` next to the running server: the CLI run needs a task-broker port of its own. */
	async function execute(id: string): Promise<RunResult> {
		const h = n8n as unknown as { brokerPort: number };
		const serverPort = h.brokerPort;
		h.brokerPort = await freePort();
		try {
			return await n8n.execute(id);
		} finally {
			h.brokerPort = serverPort;
		}
	}

	function items(run: RunResult): Array<{ json: Record<string, unknown> }> {
		expect(run.error).toBeUndefined();
		return run.nodes[READ_NODE]?.[0] ?? [];
	}

	/** No token of `data` in the run or in n8n's log. */
	function expectNoTokens(run: RunResult, ...data: Array<Record<string, string> | undefined>): void {
		const text = JSON.stringify(run.raw) + n8n.logTail(100_000);
		for (const d of data) for (const t of [d?.access_token, d?.refresh_token]) if (t) expect(text).not.toContain(t);
	}

	beforeAll(async () => {
		fs.mkdirSync(shots, { recursive: true });
		sb = await startSandboxes({ sample: true, oauth: true });
		n8n = await new N8n().prepare();
		await n8n.importCredentials([
			...sandboxCredentials(sb),
			...CRMS.map((crm) => ({ id: CRED_ID[crm], name: `${LABEL[crm]} (Connect my account)`, type: TYPE[crm], data: oauthCredentialData(crm, sb) })),
		]);
		for (const crm of CRMS) await n8n.importWorkflow(readWorkflow(crm), WF_ID[crm]);
		await n8n.start();
		await n8n.setupOwner();
		// The app's callback URL, as the admin pastes n8n's "OAuth Redirect URL" into the vendor's app settings.
		for (const crm of CRMS) sb.oauth![crm].registerClient({ clientId: sb.oauth![crm].client.clientId, redirectUris: [`${n8n.url()}/rest/oauth2-credential/callback`] });
		const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-chromium-'));
		context = await chromium.launchPersistentContext(userDataDir, {
			executablePath: CHROMIUM,
			headless: true,
			args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
			viewport: { width: 1280, height: 900 },
		});
		page = await context.newPage();
		const login = await page.request.post(`${n8n.url()}/rest/login`, { data: { email: DEMO_OWNER.email, emailOrLdapLoginId: DEMO_OWNER.email, password: DEMO_OWNER.password } });
		expect(login.ok()).toBe(true);
	}, 600_000);

	afterAll(async () => {
		await context?.close();
		await n8n?.stop();
		await sb?.stop();
	});

	afterEach(async () => {
		if (page) await page.screenshot({ path: path.join(shots, `${expect.getState().currentTestName?.replace(/\W+/g, '-')}.png`) }).catch(() => undefined);
	});

	test('Deny → n8n names access_denied in the popup, nothing is stored', async () => {
		const { popup } = await consent('hubspot', 'deny');
		await popup.waitForURL(/oauth2-credential\/callback/, { timeout: 30_000 });
		expect(await popup.content()).toMatch(/access_denied/);
		await popup.close();
		expect(await tokenData('hubspot')).toBeUndefined();
	}, 180_000);

	test.each(CRMS)('%s: Connect my account → consent page → Allow → connected → a CRM read runs with it', async (crm) => {
		await connectInUi(crm);
		const t = await tokenData(crm);
		expect(typeof t?.access_token).toBe('string');
		expect(typeof t?.refresh_token).toBe('string');
		if (crm === 'salesforce') expect(t?.instance_url).toBe(sb.salesforce.url);
		if (crm === 'pipedrive') expect(t?.api_domain).toBe(sb.pipedrive.url);
		const run = await execute(WF_ID[crm]);
		expect(items(run).length).toBeGreaterThan(0);
		expect(sb.oauth![crm].refreshCalls).toBe(0);
		expectNoTokens(run, t);
	}, 300_000);

	test.each(CRMS)('%s: access token expired in the sandbox → the run finishes, n8n stores the new token, the next run makes no refresh call', async (crm) => {
		const s = sb.oauth![crm];
		const before = await tokenData(crm);
		s.expireAccessTokens();
		s.refreshCalls = 0;
		const run = await execute(WF_ID[crm]);
		expect(items(run).length).toBeGreaterThan(0);
		expect(s.refreshCalls).toBe(1);
		const after = await tokenData(crm);
		expect(after?.access_token).toBeTruthy();
		expect(after?.access_token).not.toBe(before?.access_token);
		if (crm === 'pipedrive') expect(after?.refresh_token).not.toBe(before?.refresh_token);
		if (crm === 'salesforce') expect(after?.instance_url).toBe(sb.salesforce.url);
		expectNoTokens(run, before, after);

		const next = await execute(WF_ID[crm]);
		expect(items(next).length).toBe(items(run).length);
		expect(s.refreshCalls).toBe(1);
	}, 300_000);

	test.each(CRMS)('%s: revoked refresh token → auth expired "reconnect the credential" → Reconnect in the dialog → the next run reads again', async (crm) => {
		const s = sb.oauth![crm];
		const before = await tokenData(crm);
		s.revokeRefreshTokens();
		s.expireAccessTokens();
		const run = await execute(WF_ID[crm]);
		expect(run.error).toBeDefined();
		expect(JSON.stringify(run.raw)).toMatch(/reconnect the credential/i);
		expectNoTokens(run, before);

		await connectInUi(crm);
		const again = await execute(WF_ID[crm]);
		expect(items(again).length).toBeGreaterThan(0);
	}, 300_000);
});
