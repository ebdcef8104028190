/**
 * `npm run demo`: the whole thing on one machine, offline.
 *  1. the four local API sandboxes with sample data (FieldFlow, Salesforce, HubSpot, Pipedrive);
 *  2. a real n8n (installed on first run by scripts/ensure-n8n.js) with this package loaded,
 *     every credential the templates use (the sandboxes, the dashboard's Basic Auth, the Sync to
 *     CRM webhook's header), and every template in workflows/ imported;
 *  3. an owner account, so the editor opens straight to the workflows; the dashboard and Sync to
 *     CRM webhooks published, so their URLs answer at once;
 *  4. OAuth2 (Connect my account): each CRM sandbox has an authorization server. Salesforce and
 *     HubSpot are connected already (the Allow step done over HTTP at start) and their templates
 *     use those OAuth2 credentials; Pipedrive's OAuth2 credential is left unconnected, for the
 *     newcomer to click Connect my account and see the Allow page (its templates use the API token).
 * Ctrl-C stops everything. DEMO_PORT (default 5678) and SANDBOX_BASE_PORT (default 4010) move it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEMO_DASHBOARD_LOGIN, DEMO_OWNER as OWNER, DEMO_WEBHOOK_HEADER, N8n, REPO_ROOT } from '../test/e2e/harness';
import { FIELDFLOW_SANDBOX_KEY } from '../test/sandboxes/fieldflow';
import { HUBSPOT_SANDBOX_TOKEN, OAUTH_CREDENTIALS, PIPEDRIVE_SANDBOX_TOKEN, authorizeWithoutBrowser, sandboxCredentials, sandboxOAuthCredential, startSandboxes } from '../test/sandboxes';
import { RECOMMENDED_TEMPLATE } from './templates';
import { CRM_INFO, CRMS, withOAuth2, type Crm } from './templates/lib';
import { DASHBOARD_BASIC_AUTH, WEBHOOK_HEADER_AUTH, dashboardPath, selectiveSyncPath } from './templates/more';

/**
 * Where the dashboard's record links point in the demo: CRM addresses shaped like real accounts'
 * (they do not exist, and nothing leaves 127.0.0.1); set Record Links to your own accounts.
 */
const DEMO_RECORD_LINKS = { salesforceUrl: 'https://fieldflow-demo.my.salesforce.com', hubspotPortalId: '20261124', pipedriveDomain: 'fieldflow-demo' };

/** Templates whose webhooks the demo publishes: the dashboard and Sync to CRM. */
const PUBLISHED = ['sync-dashboard', 'selective-sync'];

/** The CRMs whose templates run on a connected OAuth2 credential in the demo (the others keep their token). */
const CONNECTED: Crm[] = ['salesforce', 'hubspot'];

/** The CRM a template file is for (`<key>.<crm>.json`, `<key>.<crm>-<variant>.json`, `crm-<crm>-...json`), if any. */
const crmOf = (file: string): Crm | undefined => CRMS.find((c) => file.includes(`.${c}.`) || file.includes(`.${c}-`) || file.startsWith(`crm-${c}-`));

/** A workflow id per template file (n8n ids are alphanumeric). */
const workflowId = (file: string) => `demo${file.replace(/\.json$/, '').replace(/[^A-Za-z0-9]/g, '')}`.slice(0, 36);

async function main(): Promise<void> {
	const port = Number(process.env.DEMO_PORT ?? 5678);
	const basePort = Number(process.env.SANDBOX_BASE_PORT ?? 4010);
	// n8n's OAuth callback as the sandbox apps register it (the "OAuth Redirect URL" n8n shows).
	const callbacks = ['127.0.0.1', 'localhost'].map((h) => `http://${h}:${port}/rest/oauth2-credential/callback`);
	const sandboxes = await startSandboxes({ basePort, sample: true, oauth: { redirectUris: callbacks } });
	const userFolder = path.join(REPO_ROOT, '.demo');
	fs.rmSync(userFolder, { recursive: true, force: true });
	fs.mkdirSync(userFolder, { recursive: true });
	const n8n = await new N8n({ userFolder, keep: true }).prepare();

	log('importing credentials and templates ...');
	await n8n.importCredentials([
		...sandboxCredentials(sandboxes),
		{ ...DASHBOARD_BASIC_AUTH.httpBasicAuth, type: 'httpBasicAuth', data: { user: DEMO_DASHBOARD_LOGIN.user, password: DEMO_DASHBOARD_LOGIN.password } },
		{ ...WEBHOOK_HEADER_AUTH.httpHeaderAuth, type: 'httpHeaderAuth', data: { name: DEMO_WEBHOOK_HEADER.name, value: DEMO_WEBHOOK_HEADER.value } },
		...(await Promise.all(CONNECTED.map(async (crm) => sandboxOAuthCredential(sandboxes, crm, await authorizeWithoutBrowser(sandboxes.oauth![crm], callbacks[0]))))),
		...CRMS.filter((crm) => !CONNECTED.includes(crm)).map((crm) => sandboxOAuthCredential(sandboxes, crm)),
	]);
	// The templates as they are, with an id each (to publish them) and the dashboard's record links.
	const templates = fs.readdirSync(path.join(REPO_ROOT, 'workflows')).filter((f) => f.endsWith('.json'));
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-demo-'));
	for (const file of templates) {
		let wf = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'workflows', file), 'utf8')) as { nodes: Array<{ parameters: Record<string, unknown>; credentials?: Record<string, { id: string; name: string }> }> };
		const crm = crmOf(file);
		if (crm && CONNECTED.includes(crm)) wf = withOAuth2(wf, crm, { id: OAUTH_CREDENTIALS[crm].id, name: OAUTH_CREDENTIALS[crm].name });
		for (const node of wf.nodes) if (node.parameters.operation === 'renderDashboard') node.parameters.recordLinks = DEMO_RECORD_LINKS;
		fs.writeFileSync(path.join(dir, file), JSON.stringify({ ...wf, id: workflowId(file) }));
	}
	// One import call for the whole folder (each n8n CLI start costs seconds).
	await n8n.cli(['import:workflow', '--separate', `--input=${dir}`]);
	fs.rmSync(dir, { recursive: true, force: true });

	log('starting n8n ...');
	const url = await n8n.start(port);
	await n8n.setupOwner(OWNER);
	for (const file of templates) if (PUBLISHED.includes(file.split('.')[0])) await n8n.publish(workflowId(file));
	const ours = (await n8n.nodeTypeNames()).filter((t) => t.startsWith('n8n-nodes-fieldflow.'));
	const recommended = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'workflows', `${RECOMMENDED_TEMPLATE}.salesforce.json`), 'utf8')).name as string;

	process.stdout.write(
		[
			'',
			'FieldFlow demo is running (nothing here leaves 127.0.0.1):',
			`  n8n editor      ${url}   sign in: ${OWNER.email} / ${OWNER.password}`,
			`  start here      open "${recommended}"`,
			`                  (${url}/workflow/${workflowId(`${RECOMMENDED_TEMPLATE}.salesforce.json`)}) and click Execute workflow (n8n 1.x: Test workflow)`,
			`  dashboard       ${url}/webhook/${dashboardPath('salesforce')}   sign in: ${DEMO_DASHBOARD_LOGIN.user} / ${DEMO_DASHBOARD_LOGIN.password}`,
			'                  (every CRM on one page; record links point at demo CRM addresses that do not exist)',
			`  Sync to CRM     POST ${url}/webhook/${selectiveSyncPath('salesforce')} (or /hubspot, /pipedrive)   header ${DEMO_WEBHOOK_HEADER.name}: ${DEMO_WEBHOOK_HEADER.value}   body {"prospectId":"pr_…"}`,
			`  our nodes       ${ours.join(', ') || 'NOT LOADED (see .demo/n8n.log)'}`,
			`  templates       ${templates.length} imported from workflows/; published: the ${CRMS.map((c) => CRM_INFO[c].label).join(', ')} dashboards and Sync to CRM`,
			`  FieldFlow API   ${sandboxes.fieldflow.url}/v1   API key (Bearer): ${FIELDFLOW_SANDBOX_KEY}`,
			`  Connect my account  ${CONNECTED.map((c) => `"${OAUTH_CREDENTIALS[c].name}"`).join(' and ')} are connected (OAuth2): their templates use them.`,
			`                  "${OAUTH_CREDENTIALS.pipedrive.name}" is NOT connected yet: try it: ${url}/home/credentials/${OAUTH_CREDENTIALS.pipedrive.id} → Connect my account →`,
			`                  sign in as ${sandboxes.oauth!.pipedrive.user.username} / ${sandboxes.oauth!.pipedrive.user.password} → Allow and Install; then pick it on a Pipedrive node (Authentication: OAuth2).`,
			`                  The Pipedrive templates use the API token until you do.`,
			`  Salesforce      ${sandboxes.salesforce.url}   sign-in page ${sandboxes.oauth!.salesforce.url} (user ${sandboxes.oauth!.salesforce.user.username} / ${sandboxes.oauth!.salesforce.user.password})`,
			`  HubSpot         ${sandboxes.hubspot.url}   sign-in page ${sandboxes.oauth!.hubspot.url}; private-app token ${HUBSPOT_SANDBOX_TOKEN}`,
			`  Pipedrive       ${sandboxes.pipedrive.url}   sign-in page ${sandboxes.oauth!.pipedrive.url}; API token ${PIPEDRIVE_SANDBOX_TOKEN}`,
			'  sandbox state   <sandbox url>/__sandbox/state, /__sandbox/calls',
			'  (the n8n credentials "FieldFlow account", the "... (Connect my account)" ones, "Salesforce sandbox", "HubSpot sandbox", "Pipedrive sandbox", "FieldFlow dashboard login" and "FieldFlow webhook header" hold all of these)',
			'Press Ctrl-C to stop.',
			'',
		].join('\n'),
	);

	const stop = async () => {
		log('stopping ...');
		await n8n.stop();
		await sandboxes.stop();
		process.exit(0);
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}

function log(msg: string): void {
	process.stdout.write(`[demo] ${msg}\n`);
}

main().catch((err) => {
	process.stderr.write(`[demo] failed: ${err?.stack ?? err}\n`);
	process.exit(1);
});
