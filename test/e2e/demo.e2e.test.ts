/**
 * The README's demo command works, the way a newcomer meets it: scripts/demo.ts (what `npm run
 * demo` runs after the build) brings up the sandboxes and a real n8n with our nodes, every
 * credential the templates use and every template; the owner can sign in; the dashboard opens in
 * Chromium with the sign-in the banner printed; a record the CRM rejected shows on it by name;
 * fixed in FieldFlow, Retry on the dashboard syncs it and the error clears. The page is the
 * README's screenshot (docs/dashboard.png).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { DEMO_OWNER, REPO_ROOT, freePort } from './harness';
import { freePortRange } from '../support/net';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = path.join(REPO_ROOT, 'docs', 'dashboard.png');
/** Unicode emoji and pictographs (they render as boxes in a Chromium without an emoji font). */
const EMOJI = /[\u{1F000}-\u{1FAFF}\u{2600}-\u{27BF}\u{2B00}-\u{2BFF}\u{2300}-\u{23FF}\u{FE0F}]/u;

describe('npm run demo', () => {
	it('starts n8n with our nodes, every credential and template; the dashboard signs in with the printed login, names a rejected record, and Retry clears it once fixed', async () => {
		const port = await freePort();
		// The demo's sandboxes listen on base … base + 6 (FieldFlow, the three CRMs, their sign-in pages).
		const sandboxBase = await freePortRange(7);
		const child = spawn(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/demo.ts'], {
			cwd: REPO_ROOT,
			env: { ...process.env, DEMO_PORT: String(port), SANDBOX_BASE_PORT: String(sandboxBase) },
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let out = '';
		child.stdout.on('data', (b) => (out += b.toString()));
		child.stderr.on('data', (b) => (out += b.toString()));
		const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-chromium-'));
		let context: BrowserContext | undefined;
		try {
			const deadline = Date.now() + 300_000;
			while (!out.includes('Press Ctrl-C') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 500));
			expect(out).toContain('Press Ctrl-C');
			expect(out).toContain('n8n-nodes-fieldflow.fieldFlow,');
			const url = `http://127.0.0.1:${port}`;

			// The banner: the editor's and the dashboard's sign-ins, the sandboxes' keys, where to start.
			expect(out).toContain(`${url}   sign in: ${DEMO_OWNER.email} / ${DEMO_OWNER.password}`);
			const dash = /dashboard\s+(\S+)\s+sign in: (\S+) \/ (\S+)/.exec(out)!;
			expect(dash).not.toBeNull();
			const [, dashboardUrl, user, password] = dash;
			expect(dashboardUrl).toBe(`${url}/webhook/fieldflow/dashboard/salesforce`);
			const apiKey = /FieldFlow API\s+(\S+)\s+API key \(Bearer\): (\S+)/.exec(out)!;
			expect(apiKey[1]).toBe(`http://127.0.0.1:${sandboxBase}/v1`);
			const sync = /Sync to CRM\s+POST (\S+) .*header (\S+): (\S+)/.exec(out)!;
			expect(out).toMatch(/start here\s+open "FieldFlow ⇄ Salesforce: two-way sync \(recommended, every 5 minutes\)"/);
			expect(out).toMatch(/HubSpot\s+\S+\s+sign-in page \S+; private-app token \S+/);
			expect(out).toMatch(/Pipedrive\s+\S+\s+sign-in page \S+; API token \S+/);
			// Connect my account: Salesforce and HubSpot connected, Pipedrive left for the newcomer.
			expect(out).toMatch(/"Salesforce \(Connect my account\)" and "HubSpot \(Connect my account\)" are connected/);
			expect(out).toMatch(/"Pipedrive \(Connect my account\)" is NOT connected yet: try it: \S+\/home\/credentials\/\w+ → Connect my account/);

			const login = await fetch(`${url}/rest/login`, {
				method: 'POST',
				headers: { 'Content-Type': 'application/json' },
				body: JSON.stringify({ emailOrLdapLoginId: DEMO_OWNER.email, email: DEMO_OWNER.email, password: DEMO_OWNER.password }),
			});
			expect(login.status).toBe(200);
			const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
			const list = (await (await fetch(`${url}/rest/workflows`, { headers: { Cookie: cookie } })).json()) as { data: Array<{ name: string }> };
			const files = fs.readdirSync(path.join(REPO_ROOT, 'workflows')).filter((f) => f.endsWith('.json'));
			expect(list.data.length).toBe(files.length);
			expect(list.data.map((w) => w.name)).toContain('FieldFlow ⇄ Salesforce: two-way sync (recommended, every 5 minutes)');
			// Every credential a template refers to exists (the dashboard's Basic Auth, the webhook header too).
			const creds = (await (await fetch(`${url}/rest/credentials`, { headers: { Cookie: cookie } })).json()) as { data: Array<{ id: string; type: string }> };
			expect(creds.data.map((c) => c.type).sort()).toEqual([
				'fieldFlowApi',
				'fieldFlowHubSpotApi',
				'fieldFlowHubSpotOAuth2Api',
				'fieldFlowPipedriveApi',
				'fieldFlowPipedriveOAuth2Api',
				'fieldFlowSalesforceApi',
				'fieldFlowSalesforceOAuth2Api',
				'httpBasicAuth',
				'httpHeaderAuth',
			]);
			// The Salesforce and HubSpot templates run on their OAuth2 credentials; Pipedrive's on its token.
			const nodesOf = async (id: string) => ((await (await fetch(`${url}/rest/workflows/${id}`, { headers: { Cookie: cookie } })).json()) as { data: { nodes: Array<{ name: string; parameters: Record<string, unknown>; credentials?: Record<string, unknown> }> } }).data.nodes;
			for (const [crm, type] of [['salesforce', 'fieldFlowSalesforceOAuth2Api'], ['hubspot', 'fieldFlowHubSpotOAuth2Api'], ['pipedrive', 'fieldFlowPipedriveApi']]) {
				const write = (await nodesOf(`demobidirectionalsync${crm}`)).find((n) => n.name.endsWith(': write') && n.credentials && !('fieldFlowApi' in n.credentials))!;
				expect([crm, Object.keys(write.credentials!)]).toEqual([crm, [type]]);
				expect(write.parameters.authentication ?? 'accessToken').toBe(type.includes('OAuth2') ? 'oAuth2' : 'accessToken');
			}
			const credIds = new Set(creds.data.map((c) => c.id));
			for (const f of files) {
				const wf = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'workflows', f), 'utf8')) as { nodes: Array<{ credentials?: Record<string, { id: string }> }> };
				for (const n of wf.nodes) for (const c of Object.values(n.credentials ?? {})) expect([f, credIds.has(c.id)]).toEqual([f, true]);
			}
			// The demo's FieldFlow sandbox answers with sample data.
			const state = (await (await fetch(`http://127.0.0.1:${sandboxBase}/__sandbox/state`)).json()) as { prospects: unknown[] };
			expect(state.prospects.length).toBeGreaterThanOrEqual(20);

			// A prospect without a company: Salesforce refuses the Lead (Company is required) when it is
			// synced with the Sync to CRM webhook; two sample prospects go to HubSpot and Pipedrive.
			const ff = (p: string, method = 'GET', body?: unknown) =>
				fetch(`${apiKey[1]}${p}`, { method, headers: { Authorization: `Bearer ${apiKey[2]}`, 'Content-Type': 'application/json' }, body: body ? JSON.stringify(body) : undefined }).then((r) => r.json() as Promise<Record<string, any>>);
			const nadia = await ff('/prospects', 'POST', { contact_name: 'Nadia Petrova', email: 'nadia@petrova.example', status: 'new' });
			const syncToCrm = async (crm: string, prospectId: string) =>
				(await (await fetch(sync[1].replace(/salesforce$/, crm), { method: 'POST', headers: { [sync[2]]: sync[3], 'Content-Type': 'application/json' }, body: JSON.stringify({ prospectId }) })).json()) as Record<string, unknown>;
			expect(await syncToCrm('salesforce', nadia.id)).toMatchObject({ outcome: 'error', errorKind: 'validation' });
			const sample = (state.prospects as Array<{ id: string }>).slice(0, 2);
			expect(await syncToCrm('hubspot', sample[0].id)).toMatchObject({ outcome: 'created' });
			expect(await syncToCrm('pipedrive', sample[1].id)).toMatchObject({ outcome: 'created' });

			// The dashboard in Chromium, signed in with what the banner printed.
			expect(fs.existsSync(CHROMIUM)).toBe(true);
			expect((await fetch(dashboardUrl)).status).toBe(401);
			context = await chromium.launchPersistentContext(userDataDir, {
				executablePath: CHROMIUM,
				headless: true,
				args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
				httpCredentials: { username: user, password },
				viewport: { width: 1280, height: 900 },
			});
			const page = await context.newPage();
			const res = await page.goto(dashboardUrl);
			expect(res?.status()).toBe(200);
			// Every CRM with sync data on one page.
			expect(await page.locator('section.crm').evaluateAll((s) => s.map((x) => x.getAttribute('data-crm')))).toEqual(['salesforce', 'hubspot', 'pipedrive']);
			const row = page.locator('[data-testid="error-row"][data-crm="salesforce"]', { hasText: 'Nadia Petrova' });
			expect(await row.count()).toBe(1);
			expect(await row.textContent()).toContain('Required fields are missing: [Company]');
			expect(await page.locator('[data-crm="salesforce"] [data-testid="count-errors"] .value').textContent()).toBe('1');
			// The records synced to HubSpot and Pipedrive: by name and company, linked to their CRM page.
			const hubspotLog = page.locator('[data-testid="log-row"][data-crm="hubspot"]').first();
			expect(await hubspotLog.textContent()).toContain('Created in HubSpot.');
			expect(await hubspotLog.locator('a[data-testid="crm-link"]').getAttribute('href')).toMatch(/^https:\/\/app\.hubspot\.com\/contacts\/\d+\/record\/0-1\/\d+$/);
			expect(await page.locator('[data-testid="log-row"][data-crm="pipedrive"] a[data-testid="crm-link"]').first().getAttribute('href')).toMatch(/^https:\/\/[a-z-]+\.pipedrive\.com\/person\/\d+$/);
			// Status icons are drawn (SVG), not emoji that need a font.
			expect(await page.locator('[data-testid="count-errors"] svg[data-icon="error"]').count()).toBe(3);
			expect(EMOJI.test(await page.locator('body').innerText())).toBe(false);
			await page.screenshot({ path: SCREENSHOT, fullPage: true });

			// Fix the record in FieldFlow, then Retry on the dashboard: it is read again, created in
			// Salesforce, and the error clears; back on the same page.
			await ff(`/prospects/${nadia.id}`, 'PATCH', { company_name: 'Petrova Analytics' });
			await Promise.all([page.waitForNavigation(), row.locator('button', { hasText: 'Retry' }).click()]);
			expect(page.url()).toBe(dashboardUrl);
			expect(await page.locator('[data-testid="error-row"]', { hasText: 'Nadia Petrova' }).count()).toBe(0);
			expect(await page.locator('[data-crm="salesforce"] [data-testid="count-errors"] .value').textContent()).toBe('0');
			const synced = page.locator('[data-testid="log-row"][data-status="success"][data-crm="salesforce"]', { hasText: 'Nadia Petrova' });
			expect(await synced.textContent()).toContain('Petrova Analytics');
			expect(await synced.textContent()).toContain('Created in Salesforce.');
			expect(await synced.locator('a[data-testid="crm-link"]').getAttribute('href')).toMatch(/^https:\/\/[a-z-]+\.my\.salesforce\.com\/lightning\/r\/Lead\/00Q\w+\/view$/);
			const leads = (await (await fetch(`http://127.0.0.1:${sandboxBase + 1}/__sandbox/state`)).json()) as Record<string, any>;
			expect(JSON.stringify(leads)).toContain('Petrova Analytics');
		} finally {
			await context?.close();
			fs.rmSync(userDataDir, { recursive: true, force: true });
			// A demo that already stopped (a failed start) has no exit left to wait for.
			if (child.exitCode === null && child.signalCode === null) {
				const exited = new Promise((r) => child.once('exit', r));
				child.kill('SIGTERM');
				await exited;
			}
		}
	}, 480_000);
});
