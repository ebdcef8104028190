/**
 * `npm run demo`: the whole thing on one machine, offline.
 *  1. the four local API sandboxes with sample data (FieldFlow, Salesforce, HubSpot, Pipedrive);
 *  2. a real n8n (installed on first run by scripts/ensure-n8n.js) with this package loaded,
 *     credentials pointing at the sandboxes, and every template in workflows/ imported;
 *  3. an owner account, so the editor opens straight to the workflows.
 * Ctrl-C stops everything. DEMO_PORT (default 5678) and SANDBOX_BASE_PORT (default 4010) move it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEMO_OWNER as OWNER, N8n, REPO_ROOT } from '../test/e2e/harness';
import { sandboxCredentials, startSandboxes } from '../test/sandboxes';

async function main(): Promise<void> {
	const port = Number(process.env.DEMO_PORT ?? 5678);
	const basePort = Number(process.env.SANDBOX_BASE_PORT ?? 4010);
	const sandboxes = await startSandboxes({ basePort, sample: true });
	const userFolder = path.join(REPO_ROOT, '.demo');
	fs.rmSync(userFolder, { recursive: true, force: true });
	fs.mkdirSync(userFolder, { recursive: true });
	const n8n = await new N8n({ userFolder, keep: true }).prepare();

	log('importing credentials and templates ...');
	await n8n.importCredentials(sandboxCredentials(sandboxes));
	const templates = fs.readdirSync(path.join(REPO_ROOT, 'workflows')).filter((f) => f.endsWith('.json'));
	// One import call for the whole folder (each n8n CLI start costs seconds).
	await n8n.cli(['import:workflow', '--separate', `--input=${path.join(REPO_ROOT, 'workflows')}`]);

	log('starting n8n ...');
	const url = await n8n.start(port);
	await n8n.setupOwner(OWNER);
	const ours = (await n8n.nodeTypeNames()).filter((t) => t.startsWith('n8n-nodes-fieldflow.'));

	process.stdout.write(
		[
			'',
			'FieldFlow demo is running (nothing here leaves 127.0.0.1):',
			`  n8n editor      ${url}   sign in: ${OWNER.email} / ${OWNER.password}`,
			`  our nodes       ${ours.join(', ') || 'NOT LOADED (see .demo/n8n.log)'}`,
			`  templates       ${templates.length} imported from workflows/ (open Workflows in the editor)`,
			`  FieldFlow API   ${sandboxes.fieldflow.url}/v1   (key: see test/sandboxes/fieldflow.ts)`,
			`  Salesforce      ${sandboxes.salesforce.url}`,
			`  HubSpot         ${sandboxes.hubspot.url}`,
			`  Pipedrive       ${sandboxes.pipedrive.url}`,
			'  sandbox state   <sandbox url>/__sandbox/state, /__sandbox/calls',
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
