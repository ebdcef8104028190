/**
 * The package installed the way users get it: `npm pack` (what npm publishes), then installed into a
 * clean n8n user folder exactly as n8n's community-package installer does it (n8n 1.123 and 2.41,
 * modules/community-packages/community-packages.service.js, downloadPackage()):
 *
 *   1. unpack the tarball into <userFolder>/.n8n/nodes/node_modules/<name>;
 *   2. drop devDependencies, peerDependencies and optionalDependencies from its package.json;
 *   3. `npm install --audit=false --fund=false --bin-links=false --install-strategy=shallow
 *      --ignore-scripts=true --package-lock=false` in that folder (dependencies from the npm registry,
 *      no install scripts: nothing is compiled);
 *   4. record it in <userFolder>/.n8n/nodes/package.json.
 *
 * Then n8n (the line of $N8N_LINE: `npm test` runs this file on v2 and on v1) starts with that
 * folder, lists every node and credential of the package, and runs templates against the sandboxes:
 * the FieldFlow read template and the two-way Salesforce sync (all five nodes, the SQLite store).
 *
 * n8n 1.x runs on Node 20, which has no node:sqlite, and the installer skips optional dependencies
 * (better-sqlite3) and install scripts: there the SQLite store runs on the sqlite3 module n8n 1.x
 * itself uses, found beside n8n. The test asserts better-sqlite3 is not in the installed package and
 * the sync template still runs with the SQLite store, with no extra step.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { N8n, PACKAGE_NAME, REPO_ROOT, defaultLine } from './harness';
import { startSandboxes, sandboxCredentials, type Sandboxes } from '../sandboxes';

const LINE = defaultLine();
const WORKFLOWS = path.join(REPO_ROOT, 'workflows');
const SYNC_TEMPLATE = path.join(WORKFLOWS, 'bidirectional-sync.salesforce.json');
const INSTALLER_FLAGS = ['--audit=false', '--fund=false', '--bin-links=false', '--install-strategy=shallow', '--ignore-scripts=true', '--package-lock=false'];

// eslint-disable-next-line @typescript-eslint/no-require-imports
const pkg = require('../../package.json') as {
	version: string;
	n8n: { nodes: string[]; credentials: string[] };
	dependencies: Record<string, string>;
	optionalDependencies?: Record<string, string>;
};

/** Without proxies: npm goes straight to the registry, like on a user's server. */
function npmEnv(): NodeJS.ProcessEnv {
	const env = { ...process.env };
	for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'NODE_OPTIONS']) delete env[k];
	return env;
}

function npm(args: string[], cwd: string): string {
	return execFileSync('npm', args, { cwd, env: npmEnv(), stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 }).toString();
}

describe(`installed from the packed tarball the way n8n's community installer does (n8n ${LINE})`, () => {
	let sb: Sandboxes;
	let n8n: N8n;
	let workDir: string;
	let packageDir: string;
	const timings: Record<string, number> = {};

	beforeAll(async () => {
		sb = await startSandboxes();
		workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-install-'));
		const userFolder = path.join(workDir, 'user');
		const nodesDir = path.join(userFolder, '.n8n', 'nodes');
		fs.mkdirSync(nodesDir, { recursive: true });
		// What n8n writes there on its first start.
		fs.writeFileSync(path.join(nodesDir, 'package.json'), JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }, null, 2));

		let t0 = Date.now();
		const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', workDir, '--loglevel=error'], REPO_ROOT)) as Array<{ filename: string }>;
		const tarball = path.join(workDir, packed[0].filename);
		timings.pack = Date.now() - t0;

		t0 = Date.now();
		packageDir = path.join(nodesDir, 'node_modules', PACKAGE_NAME);
		fs.mkdirSync(packageDir, { recursive: true });
		execFileSync('tar', ['-xzf', tarball, '-C', packageDir, '--strip-components=1']);
		const manifestFile = path.join(packageDir, 'package.json');
		// eslint-disable-next-line @typescript-eslint/no-unused-vars
		const { devDependencies, peerDependencies, optionalDependencies, ...manifest } = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
		fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
		npm(['install', ...INSTALLER_FLAGS, '--loglevel=error'], packageDir);
		const nodesManifest = JSON.parse(fs.readFileSync(path.join(nodesDir, 'package.json'), 'utf8'));
		nodesManifest.dependencies[PACKAGE_NAME] = manifest.version;
		fs.writeFileSync(path.join(nodesDir, 'package.json'), JSON.stringify(nodesManifest, null, 2));
		timings.install = Date.now() - t0;

		n8n = await new N8n({ line: LINE, userFolder, installed: true }).prepare();
		await n8n.importCredentials(sandboxCredentials(sb));
	}, 600_000);

	afterAll(async () => {
		// eslint-disable-next-line no-console
		console.log(`install e2e (${LINE}) times (ms): ${JSON.stringify(timings)}`);
		await n8n?.stop();
		await sb?.stop();
		if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
	});

	it('installs what the tarball ships and its runtime dependencies, with no install scripts and no optional dependency', () => {
		for (const file of [...pkg.n8n.nodes, ...pkg.n8n.credentials]) expect(fs.existsSync(path.join(packageDir, file))).toBe(true);
		for (const dep of Object.keys(pkg.dependencies)) {
			expect(fs.existsSync(path.join(packageDir, 'node_modules', dep, 'package.json'))).toBe(true);
		}
		for (const dep of Object.keys(pkg.optionalDependencies ?? {})) expect(fs.existsSync(path.join(packageDir, 'node_modules', dep))).toBe(false);
		// Only what users need ships: no sources, tests or sandboxes.
		expect(fs.existsSync(path.join(packageDir, 'nodes'))).toBe(false);
		expect(fs.existsSync(path.join(packageDir, 'test'))).toBe(false);
		expect(fs.existsSync(path.join(packageDir, 'workflows', 'fieldflow-get-changed-prospects.json'))).toBe(true);
	});

	it('runs the FieldFlow "get changed prospects" template', async () => {
		sb.fieldflow.reset();
		sb.fieldflow.seed({ prospects: Array.from({ length: 3 }, (_, i) => ({ company_name: `Installed ${i}`, contact_name: `Ina Stall${i}`, email: `ina${i}@installed.example` })) });
		const id = await n8n.importWorkflow(path.join(WORKFLOWS, 'fieldflow-get-changed-prospects.json'), 'wfInstallGet01');
		const t0 = Date.now();
		const run = await n8n.execute(id);
		timings.getChanged = Date.now() - t0;
		expect(run.error).toBeUndefined();
		const items = run.nodes['FieldFlow: prospects changed in the last day'][0].map((i) => i.json);
		expect(items.map((p) => p.email)).toEqual(['ina0@installed.example', 'ina1@installed.example', 'ina2@installed.example']);
	}, 300_000);

	it('runs the two-way Salesforce sync template (all five nodes, SQLite store); a second run writes nothing', async () => {
		// No better-sqlite3 here (the installer dropped it, asserted above): on n8n 1.x the store runs on n8n's own sqlite3.
		sb.fieldflow.reset();
		sb.salesforce.reset();
		sb.fieldflow.seed({
			prospects: [
				{ company_name: 'Acme Logistics', contact_name: 'Dana Whitfield', email: 'dana@acme.example', phone: '+1 555 0101', status: 'contacted' },
				{ company_name: 'Birch Bakery', contact_name: 'Tomas Rivera', email: 'tomas@birch.example', phone: '+1 555 0102', status: 'new' },
			],
		});
		const id = await n8n.importWorkflow(SYNC_TEMPLATE, 'wfInstallSync01');
		let t0 = Date.now();
		const first = await n8n.execute(id);
		timings.syncFirst = Date.now() - t0;
		if (first.error) throw new Error(`sync template failed: ${first.error}\n${n8n.logTail(30)}`);
		const leads = sb.salesforce.tables.Lead.live().map((r) => r.data as Record<string, unknown>);
		expect(leads.map((l) => l.Email).sort()).toEqual(['dana@acme.example', 'tomas@birch.example']);
		expect(leads.find((l) => l.Email === 'dana@acme.example')).toMatchObject({ Company: 'Acme Logistics', Phone: '+1 555 0101' });

		sb.salesforce.resetCounters();
		sb.fieldflow.resetCounters();
		t0 = Date.now();
		const second = await n8n.execute(id);
		timings.syncSecond = Date.now() - t0;
		expect(second.error).toBeUndefined();
		expect(sb.salesforce.callLog.filter((c) => /(create|update|upsert|delete)/.test(c.endpoint))).toEqual([]);
		expect(sb.fieldflow.callLog.filter((c) => c.method !== 'GET')).toEqual([]);
		// The store is the SQLite file in the user folder.
		expect(fs.existsSync(path.join(n8n.userFolder, '.n8n', 'fieldflow-sync.sqlite'))).toBe(true);
	}, 600_000);

	it('n8n starts with the installed package and lists every node and credential; nothing left 127.0.0.1', async () => {
		// The classes come from this checkout (the test process has no n8n-workflow for the installed copy); the names are the same.
		await n8n.start();
		await n8n.setupOwner();
		const nodeNames = await n8n.nodeTypeNames();
		const credentialNames = await n8n.credentialTypeNames();
		for (const file of pkg.n8n.nodes) {
			// eslint-disable-next-line @typescript-eslint/no-require-imports
			const cls = Object.values(require(path.join(REPO_ROOT, file)))[0] as new () => { description: { name: string } };
			expect(nodeNames).toContain(`${PACKAGE_NAME}.${new cls().description.name}`);
		}
		for (const file of pkg.n8n.credentials) {
			// The class named like the file (as n8n's loader finds it; a file may export constants too).
			// eslint-disable-next-line @typescript-eslint/no-require-imports
			const cls = require(path.join(REPO_ROOT, file))[path.basename(file).replace(/\.credentials\.js$/, '')] as new () => { name: string };
			expect(credentialNames).toContain(new cls().name);
		}
		expect(n8n.blockedConnections()).toEqual([]);
	}, 300_000);
});

// The scanner's findings do not depend on the n8n line: check them once, in the v2 run.
(LINE === 'v2' ? describe : describe.skip)("n8n's community-package scanner (offline, scripts/scan-package.js)", () => {
	it('reports only the findings the package accepts by design, each with its reason', async () => {
		// A child process: the scanner is an ES module, which jest's module sandbox cannot import.
		// Without jest's NODE_ENV=test: eslint-plugin-n8n-nodes-base reads file names differently under it.
		const env = npmEnv();
		delete env.NODE_ENV;
		const res = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'scan-package.js'), '--json'], { cwd: REPO_ROOT, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
		if (res.status === 2 || !res.stdout.trim()) throw new Error(`scan-package.js failed (${res.status}):\n${res.stderr}`);
		const findings = JSON.parse(res.stdout) as Array<{ leg: string; file: string; line: number; rule: string; message: string; accepted: boolean }>;
		const open = findings.filter((f) => !f.accepted).map((f) => `${f.leg}:${f.file}:${f.line} ${f.rule}: ${f.message}`);
		expect(open).toEqual([]);
		// The scan really ran on both the sources and the packed tarball.
		expect(new Set(findings.map((f) => f.leg))).toEqual(new Set(['source', 'tarball']));
	}, 300_000);
});
