/**
 * Connect a CRM the way the guide says (issue 15), in a real n8n with Debian's Chromium
 * (playwright-core), for each CRM:
 *  - the admin creates the OAuth2 credential in n8n's UI (Create credential → FieldFlow <CRM>
 *    OAuth2 API → Client ID, Client Secret, the sandbox as authorization server → Save);
 *  - Connect my account → Deny first: n8n's popup names access_denied, nothing is stored;
 *  - Connect my account → the popup shows the sandbox's consent page (sign-in, app name, scopes)
 *    → Allow → n8n shows the account connected;
 *  - the two-way template, switched to OAuth2 on every CRM node, syncs both ways with it;
 *  - the sandbox expires the access token while the run writes → the run finishes, n8n's stored
 *    credential holds the new token, the next run makes no refresh call;
 *  - two runs at once on an expired token → both finish on one live token (Pipedrive rotates its
 *    refresh token: the second refresh must not kill the grant);
 *  - a revoked refresh token → the run stops as *auth expired* "reconnect the credential", its
 *    records wait → Reconnect in the dialog → the next run completes: nothing lost, nothing twice;
 *  - no token the authorization servers issued appears in run data, n8n's log or the sync store.
 *
 * One n8n for the whole file; runs are manual runs over REST, as the editor's Execute workflow.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { DEMO_DASHBOARD_LOGIN, DEMO_OWNER, type RunResult } from './harness';
import { FaultEnv, CREATE_ENDPOINT, CRMS, crmPersonFields, type Crm } from './faults/fixture';
import type { OAuthServer } from '../sandboxes/oauth';
import { CRM_INFO, withOAuth2 } from '../../scripts/templates/lib';
import { SYNC_TEMPLATES, buildSyncTemplate } from '../../scripts/templates/sync';
import { DASHBOARD_BASIC_AUTH, dashboardPath } from '../../scripts/templates/more';

const TWO_WAY = SYNC_TEMPLATES.find((t) => t.key === 'bidirectional-sync')!;

const CHROMIUM = '/usr/bin/chromium';
const TYPE_LABEL: Record<Crm, string> = { salesforce: 'FieldFlow Salesforce OAuth2 API', hubspot: 'FieldFlow HubSpot OAuth2 API', pipedrive: 'FieldFlow Pipedrive OAuth2 API' };
const KEY = 'oauth-two-way';
const DASHBOARD_ID = 'wfOAuthDashbrd01';
const WF_ID: Record<Crm, string> = { salesforce: 'wfOAuthTwoWaySf1', hubspot: 'wfOAuthTwoWayHs1', pipedrive: 'wfOAuthTwoWayPd1' };

const env = new FaultEnv();
let context: BrowserContext;
let page: Page;
const shots = path.join(os.tmpdir(), `ff-oauth-e2e-${process.pid}`);
/** The credential each CRM's first test created in the UI. */
const created: Partial<Record<Crm, { id: string; name: string }>> = {};

const oauth = (crm: Crm): OAuthServer => env.sb.oauth![crm];

/** The OAuth two-way template (FaultEnv keeps every run's raw data for the secrets check). */
const run = (crm: Crm): Promise<RunResult> => env.run(crm, KEY);

/** The credential as n8n stores it (decrypted by n8n's own exporter). */
async function tokenData(crm: Crm): Promise<Record<string, string> | undefined> {
	const file = path.join(env.n8n.userFolder, `export-${crm}-${Date.now()}.json`);
	await env.n8n.cli(['export:credentials', `--id=${created[crm]!.id}`, '--decrypted', `--output=${file}`]);
	const [c] = JSON.parse(fs.readFileSync(file, 'utf8')) as Array<{ data: Record<string, unknown> }>;
	fs.rmSync(file);
	return (c.data.oauthTokenData ?? undefined) as Record<string, string> | undefined;
}

/** Fill a text parameter of the open credential dialog. */
async function fill(name: string, value: string): Promise<void> {
	const input = page.locator(`[data-test-id="parameter-input-${name}"] input, [data-test-id="parameter-input-${name}"] textarea`).first();
	await input.waitFor({ timeout: 15_000 });
	await input.fill(value);
}

/** The admin's part: Create credential → the type → Continue → client id, secret, the sandbox as server → Save. */
async function createInUi(crm: Crm): Promise<{ id: string; name: string }> {
	const s = oauth(crm);
	await page.goto(`${env.n8n.url()}/home/credentials/create`);
	const search = page.locator('[data-test-id="new-credential-type-select"] input').first();
	await search.waitFor({ timeout: 60_000 });
	await search.fill(TYPE_LABEL[crm]);
	await page.locator('[data-test-id="new-credential-type-select-option"]', { hasText: TYPE_LABEL[crm] }).first().click();
	await page.locator('[data-test-id="new-credential-type-button"]').click();
	await fill('clientId', s.client.clientId);
	await fill('clientSecret', s.client.clientSecret);
	if (crm === 'salesforce') {
		await page.locator('[data-test-id="parameter-input-environment"]').click();
		await page.locator('.el-select-dropdown__item, [role="option"]', { hasText: 'Custom Authorization Server' }).first().click();
	} else {
		await page.locator('[data-test-id="parameter-input-useCustomServer"] .el-switch, [data-test-id="parameter-input-useCustomServer"] [role="switch"]').first().click();
	}
	await fill('customAuthUrl', s.url);
	if (crm === 'hubspot') await fill('baseUrl', env.sb.hubspot.url);
	await page.locator('[data-test-id="credential-save-button"]').click();
	// Saved: n8n lists it; its id is what the workflows name.
	const deadline = Date.now() + 30_000;
	for (;;) {
		const list = await env.n8n.rest<{ data: Array<{ id: string; name: string; type: string }> }>('GET', '/rest/credentials');
		const c = list.data.find((x) => x.type === CRM_INFO[crm].oauth2CredentialType);
		if (c) return { id: c.id, name: c.name };
		if (Date.now() > deadline) throw new Error(`the ${crm} OAuth2 credential was not saved`);
		await new Promise((r) => setTimeout(r, 300));
	}
}

/** Click Connect my account (n8n 2.x "Connect", 1.x "Connect my account") or Reconnect in the open dialog; the popup on the sandbox's consent page. */
async function openConsent(crm: Crm): Promise<Page> {
	// n8n opens its popup under one window name: a popup left open would be reused, not opened.
	for (const p of context.pages()) if (p !== page) await p.close();
	const connect = page.getByRole('button', { name: /^\s*(connect|connect my account|reconnect|switch account)\s*$/i }).first();
	await connect.waitFor({ timeout: 60_000 });
	const [popup] = await Promise.all([context.waitForEvent('page', { timeout: 30_000 }), connect.click()]);
	const s = oauth(crm);
	await popup.waitForURL((u) => u.href.startsWith(`${s.url}${s.vendor.authorizePath}`), { timeout: 30_000 }).catch(async () => {
		throw new Error(`the popup is at ${popup.url()}: ${(await popup.content()).slice(0, 500)}`);
	});
	await popup.waitForLoadState();
	return popup;
}

/** Sign in and click Allow (or Deny) on the sandbox's consent page. */
async function consent(crm: Crm, action: 'allow' | 'deny'): Promise<{ popup: Page; closed: Promise<void> }> {
	const s = oauth(crm);
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

async function allow(crm: Crm): Promise<void> {
	const { closed } = await consent(crm, 'allow');
	await Promise.race([closed, new Promise((r) => setTimeout(r, 15_000))]);
	await page.getByText(/account connected/i).first().waitFor({ timeout: 30_000 });
}

/** Reconnect from the credential's page, as the Authentication Expired message tells the user. */
async function reconnect(crm: Crm): Promise<void> {
	await page.goto(`${env.n8n.url()}/home/credentials/${created[crm]!.id}`);
	await allow(crm);
}

beforeAll(async () => {
	fs.mkdirSync(shots, { recursive: true });
	await env.start({}, { oauth: true });
	// The dashboard (every CRM on one page) for the secrets check at the end: imported before n8n
	// starts, published once it runs, as the demo does.
	await env.n8n.importCredentials([{ ...DASHBOARD_BASIC_AUTH.httpBasicAuth, type: 'httpBasicAuth', data: { user: DEMO_DASHBOARD_LOGIN.user, password: DEMO_DASHBOARD_LOGIN.password } }]);
	const dashboard = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'workflows', 'sync-dashboard.salesforce.json'), 'utf8'));
	await env.importWorkflows([{ key: 'dashboard.salesforce', id: DASHBOARD_ID, workflow: dashboard }]);
	await env.n8n.start();
	await env.n8n.setupOwner();
	await env.n8n.publish(DASHBOARD_ID);
	// The app's callback URL, as the admin pastes n8n's "OAuth Redirect URL" into the vendor's app settings.
	for (const crm of CRMS) oauth(crm).registerClient({ clientId: oauth(crm).client.clientId, redirectUris: [`${env.n8n.url()}/rest/oauth2-credential/callback`] });
	const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-chromium-'));
	context = await chromium.launchPersistentContext(userDataDir, {
		executablePath: CHROMIUM,
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
		viewport: { width: 1280, height: 900 },
	});
	page = await context.newPage();
	const login = await page.request.post(`${env.n8n.url()}/rest/login`, { data: { email: DEMO_OWNER.email, emailOrLdapLoginId: DEMO_OWNER.email, password: DEMO_OWNER.password } });
	expect(login.ok()).toBe(true);
}, 600_000);

afterAll(async () => {
	await context?.close();
	await env.stop();
});

afterEach(async () => {
	if (page) await page.screenshot({ path: path.join(shots, `${expect.getState().currentTestName?.replace(/\W+/g, '-')}.png`) }).catch(() => undefined);
});

describe.each(CRMS)('%s: OAuth2 in real n8n', (crm) => {
	test('created in the UI → Connect my account → Deny stores nothing → Allow → connected → the two-way template syncs both ways with it', async () => {
		// Fresh sandboxes; the store keeps the CRMs before (each CRM has its own links), so the secrets
		// check at the end reads what all three synced.
		env.resetAll({ keepStore: true });
		created[crm] = await createInUi(crm);

		const denied = await consent(crm, 'deny');
		await denied.popup.waitForURL(/oauth2-credential\/callback/, { timeout: 30_000 });
		expect(await denied.popup.content()).toMatch(/access_denied/);
		await denied.popup.close();
		expect(await tokenData(crm)).toBeUndefined();

		await allow(crm);
		const t = await tokenData(crm);
		expect(typeof t?.access_token).toBe('string');
		expect(typeof t?.refresh_token).toBe('string');
		if (crm === 'salesforce') expect(t?.instance_url).toBe(env.sb.salesforce.url);
		if (crm === 'pipedrive') expect(t?.api_domain).toBe(env.sb.pipedrive.url);

		await env.importWorkflows([{ key: `${KEY}.${crm}`, id: WF_ID[crm], workflow: withOAuth2(buildSyncTemplate(TWO_WAY, crm), crm, created[crm]!) as unknown as Record<string, unknown> }]);
		env.seedProspects(crm, 5, 'oauth');
		// A person that exists only in the CRM: the two-way run brings it to FieldFlow.
		const person = { first: 'Cora', last: 'Only', email: `crm-only@${crm}.example`, phone: '+1 555 7000', company: 'Only Co' };
		const inCrm = await env.adapter(crm).upsert(CRM_INFO[crm].object, [{ ref: 'crm-only', fields: crmPersonFields(crm, person) }]);
		expect(inCrm[0].success).toBe(true);
		oauth(crm).refreshCalls = 0;
		const r = await run(crm);
		expect(r.error).toBeUndefined();
		// Both ways: the five prospects are in the CRM, the CRM's own person is in FieldFlow, all linked.
		const state = await env.expectFinalState(crm);
		expect(state).toMatchObject({ prospects: 6, crmRecords: 6, links: 6, errors: 0 });
		expect(oauth(crm).refreshCalls).toBe(0);
	}, 300_000);

	test('access token expired while the run writes → the run finishes, n8n stores the new token, the next run makes no refresh call', async () => {
		const s = oauth(crm);
		const before = await tokenData(crm);
		// Several write calls: Salesforce and HubSpot batch (200 / 100 a call), Pipedrive one per record.
		env.seedProspects(crm, crm === 'pipedrive' ? 12 : 250, 'midrun');
		s.refreshCalls = 0;
		const expired = env.whenCalls(crm, CREATE_ENDPOINT[crm], 1, true).then(() => s.expireAccessTokens());
		const r = await run(crm);
		expect(await expired).toBeGreaterThan(0);
		expect(r.error).toBeUndefined();
		expect(s.refreshCalls).toBe(1);
		await env.expectFinalState(crm);
		const after = await tokenData(crm);
		expect(after?.access_token).toBeTruthy();
		expect(after?.access_token).not.toBe(before?.access_token);
		expect(s.tokenState(after!.access_token)).toBe('valid');
		if (crm === 'pipedrive') expect(after?.refresh_token).not.toBe(before?.refresh_token);
		if (crm === 'salesforce') expect(after?.instance_url).toBe(env.sb.salesforce.url);

		env.seedProspects(crm, 2, 'afterrefresh');
		expect((await run(crm)).error).toBeUndefined();
		expect(s.refreshCalls).toBe(1);
		await env.expectFinalState(crm);
	}, 300_000);

	test('two runs at once on an expired token → both finish, on one live token; the next run makes no refresh call', async () => {
		const s = oauth(crm);
		env.seedProspects(crm, 8, 'together');
		s.expireAccessTokens();
		s.refreshCalls = 0;
		s.refreshes = 0;
		const [a, b] = await Promise.all([run(crm), run(crm)]);
		expect([a.error, b.error]).toEqual([undefined, undefined]);
		await env.expectFinalState(crm);
		const t = await tokenData(crm);
		expect(s.tokenState(t!.access_token)).toBe('valid');
		// One chain: whoever refreshed second (Pipedrive: with a refresh token already rotated away)
		// took the token the first one stored; the grant is alive with exactly one refresh token.
		expect(s.refreshes).toBeGreaterThanOrEqual(1);
		const grants = (s.state().grants as Array<{ revoked: boolean; activeRefreshTokens: number }>).filter((g) => !g.revoked);
		expect(grants.length).toBeGreaterThanOrEqual(1);
		const calls = s.refreshCalls;
		env.seedProspects(crm, 1, 'aftertogether');
		expect((await run(crm)).error).toBeUndefined();
		expect(s.refreshCalls).toBe(calls);
		await env.expectFinalState(crm);
	}, 300_000);

	test('revoked refresh token → auth expired "reconnect the credential", its records wait → Reconnect in the UI → the next run completes them, nothing lost or twice', async () => {
		const s = oauth(crm);
		env.seedProspects(crm, 4, 'revoked');
		s.revokeRefreshTokens();
		s.expireAccessTokens();
		const r = await run(crm);
		expect(JSON.stringify(r.raw)).toMatch(/reconnect the credential/i);
		const waiting = env.prospects().filter((p) => String(p.fields.email).startsWith('revoked-'));
		expect(waiting).toHaveLength(4);
		const people = await env.crmPeople(crm);
		for (const p of waiting) expect(people.some((c) => c.fields.email === p.fields.email)).toBe(false);

		await reconnect(crm);
		const again = await run(crm);
		expect(again.error).toBeUndefined();
		const state = await env.expectFinalState(crm);
		expect(state.errors).toBe(0);
	}, 300_000);
});

test('no token the authorization servers issued is in any run data, the n8n log, the sync store or the dashboard', async () => {
	const tokens = CRMS.flatMap((crm) => oauth(crm).issuedTokens());
	expect(tokens.length).toBeGreaterThan(CRMS.length * 2);
	// The dashboard page (every CRM on one page), as the ops user opens it.
	const page = await fetch(`${env.n8n.url()}/webhook/${dashboardPath('salesforce')}`, { headers: { Authorization: `Basic ${Buffer.from(`${DEMO_DASHBOARD_LOGIN.user}:${DEMO_DASHBOARD_LOGIN.password}`).toString('base64')}` } });
	expect(page.status).toBe(200);
	const html = await page.text();
	for (const crm of CRMS) expect(html).toContain(`data-crm="${crm}"`);
	const dir = path.join(env.n8n.userFolder, '.n8n');
	const sources: Record<string, string> = { 'run data': env.runData.join('\n'), 'n8n.log': env.n8n.logTail(10_000_000), dashboard: html };
	for (const f of fs.readdirSync(dir)) if (f.startsWith('fieldflow-sync.sqlite')) sources[f] = fs.readFileSync(path.join(dir, f), 'latin1');
	const found = Object.entries(sources).flatMap(([name, text]) => tokens.filter((t) => text.includes(t)).map(() => name));
	expect(found).toEqual([]);
}, 180_000);
