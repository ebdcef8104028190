/**
 * A real n8n for the end-to-end tests and the demo: the n8n installed by scripts/ensure-n8n.js,
 * started with its own Node, a throwaway user folder, this package loaded the way a community
 * package is (<user folder>/.n8n/nodes/node_modules/n8n-nodes-fieldflow), credentials imported
 * that point at the local sandboxes, and nothing allowed to reach the internet (telemetry,
 * version checks and phone-home modules off; a preloaded guard refuses non-loopback sockets).
 *
 * Running a workflow, `execute(id)`:
 *  - with the server up (`start()` then `setupOwner()`): a manual run from its Manual Trigger over
 *    REST, as the editor's "Execute workflow" does; one n8n for the whole test file;
 *  - otherwise (or `executeWithCli`): n8n's own CLI (`n8n execute --id --rawOutput`), one process
 *    per run, about 6 s of boot each.
 * The server also serves webhooks and the editor (demo, dashboard tests).
 *
 * Queue mode: give the instance EXECUTIONS_MODE=queue, QUEUE_BULL_REDIS_HOST/PORT and a PostgreSQL
 * database (DB_TYPE=postgresdb ...) in `env`, `start()` the main, then `startWorker()` for each
 * `n8n worker` process (same user folder, encryption key, database and Redis); production
 * executions (webhooks, schedules) then run on the workers (see queue-mode.e2e.test.ts).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../support/net';
import { parse as parseFlatted } from 'flatted';

const execFileAsync = promisify(execFile);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runtimeDir, nodeBinDir, ensure } = require('../../scripts/ensure-n8n.js') as {
	runtimeDir: (line: string) => string;
	nodeBinDir: (line: string) => string;
	ensure: (line: string) => void;
};

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const PACKAGE_NAME = 'n8n-nodes-fieldflow';

/**
 * Modules that call n8n's cloud services on start, per line. n8n refuses to start when
 * N8N_DISABLED_MODULES names a module it does not know, and n8n 1.x has none of these.
 */
const PHONE_HOME_MODULES: Record<string, string[]> = {
	v2: ['mcp-registry', 'instance-registry', 'quick-connect', 'instance-ai', 'workflow-builder', 'n8n-packages'],
	v1: [],
};

export interface CredentialSpec {
	id: string;
	name: string;
	type: string;
	data: Record<string, unknown>;
}

export interface OwnerSpec {
	email: string;
	password: string;
	firstName: string;
	lastName: string;
}

export const DEMO_OWNER: OwnerSpec = { email: 'demo@fieldflow.example', password: 'FieldFlow-demo-1', firstName: 'Demo', lastName: 'Owner' };

/** The demo's webhook sign-ins: the dashboard's Basic Auth and the Sync to CRM webhook's header. */
export const DEMO_DASHBOARD_LOGIN = { user: 'fieldflow', password: 'FieldFlow-dash-1' };
export const DEMO_WEBHOOK_HEADER = { name: 'X-FieldFlow-Key', value: 'ff-demo-webhook-1' };

export interface N8nOptions {
	/** n8n line: 'v2' (n8n 2.x on Node 24) or 'v1' (the last n8n 1.x on Node 20); default: $N8N_LINE, else 'v2'. */
	line?: string;
	/** Where the package is loaded from (default: this repo, built into dist/). */
	packageDir?: string;
	/**
	 * The package is already installed in <userFolder>/.n8n/nodes (as n8n's community-package
	 * installer leaves it, see install.e2e.test.ts): prepare() links nothing and writes nothing there.
	 */
	installed?: boolean;
	/** Keep the user folder after stop (default false). */
	keep?: boolean;
	/** Extra environment for n8n. */
	env?: Record<string, string>;
	userFolder?: string;
}

export interface RunResult {
	/** Items of the last run of each node, by node name (main output 0 unless asked otherwise). */
	nodes: Record<string, Array<Array<{ json: Record<string, unknown> }>>>;
	/** The whole raw run data n8n printed. */
	raw: any;
	/** Error message when the run failed. */
	error?: string;
	lastNodeExecuted?: string;
}

export class N8n {
	readonly line: string;
	readonly userFolder: string;
	readonly netGuardLog: string;
	private server?: ChildProcess;
	private serverLog = '';
	private cookie = '';
	private brokerPort = 0;
	private workers: Array<{ child: ChildProcess; logFile: string; output: string }> = [];
	port = 0;

	constructor(private readonly options: N8nOptions = {}) {
		this.line = options.line ?? defaultLine();
		this.userFolder = options.userFolder ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ff-n8n-'));
		this.netGuardLog = path.join(this.userFolder, 'net-guard.log');
	}

	/** Install n8n if needed, create the user folder, link the package. */
	async prepare(): Promise<this> {
		ensure(this.line);
		// n8n's task broker listens on 5679 by default: give each instance its own port so several
		// n8n processes (parallel test files, the demo) never collide.
		this.brokerPort = await freePort();
		const nodesDir = path.join(this.userFolder, '.n8n', 'nodes');
		if (this.options.installed) return this;
		const modulesDir = path.join(nodesDir, 'node_modules');
		fs.mkdirSync(modulesDir, { recursive: true });
		const pkgDir = this.options.packageDir ?? REPO_ROOT;
		if (!fs.existsSync(path.join(pkgDir, 'dist', 'nodes'))) {
			throw new Error(`${pkgDir}/dist is missing: run "npm run build" first`);
		}
		const link = path.join(modulesDir, PACKAGE_NAME);
		if (!fs.existsSync(link)) fs.symlinkSync(pkgDir, link, 'dir');
		fs.writeFileSync(
			path.join(nodesDir, 'package.json'),
			JSON.stringify({ name: 'installed-nodes', private: true, dependencies: { [PACKAGE_NAME]: `file:${pkgDir}` } }, null, 2),
		);
		return this;
	}

	env(): NodeJS.ProcessEnv {
		const binDir = nodeBinDir(this.line);
		const env: NodeJS.ProcessEnv = {
			PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ''}`,
			HOME: this.userFolder,
			TZ: 'UTC',
			N8N_USER_FOLDER: this.userFolder,
			N8N_ENCRYPTION_KEY: 'fieldflow-e2e-encryption-key',
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_HOST: '127.0.0.1',
			N8N_PORT: String(this.port || 5678),
			N8N_PROTOCOL: 'http',
			N8N_SECURE_COOKIE: 'false',
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_TEMPLATES_ENABLED: 'false',
			N8N_PERSONALIZATION_ENABLED: 'false',
			N8N_HIRING_BANNER_ENABLED: 'false',
			N8N_AI_ENABLED: 'false',
			EXTERNAL_FRONTEND_HOOKS_URLS: '',
			N8N_DISABLED_MODULES: (PHONE_HOME_MODULES[this.line] ?? []).join(','),
			N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
			N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
			N8N_VERIFIED_PACKAGES_ENABLED: 'false',
			N8N_LOG_LEVEL: 'warn',
			N8N_LOG_OUTPUT: 'file',
			N8N_LOG_FILE_LOCATION: path.join(this.userFolder, 'n8n.log'),
			// MB before the log file rotates (n8n's default 16): the runs' data is parsed from it.
			N8N_LOG_FILE_SIZE_MAX: '1024',
			DB_SQLITE_POOL_SIZE: '2',
			// Run data of big runs is read back through /rest/executions (default cap 100 MB).
			EXECUTIONS_DATA_MAX_DISPLAY_SIZE: String(2 * 1024 * 1024 * 1024),
			N8N_RUNNERS_MODE: 'internal',
			N8N_RUNNERS_BROKER_PORT: String(this.brokerPort || 5679),
			FF_NET_GUARD_LOG: this.netGuardLog,
			NODE_OPTIONS: `--require ${path.join(__dirname, 'net-guard.js')}`,
			...this.options.env,
		};
		return env;
	}

	private bin(): string {
		return path.join(runtimeDir(this.line), 'node_modules', 'n8n', 'bin', 'n8n');
	}

	/** Run an n8n CLI command; returns stdout. */
	async cli(args: string[], timeoutMs = 180_000, extraEnv: Record<string, string> = {}): Promise<string> {
		const node = path.join(nodeBinDir(this.line), 'node');
		try {
			const { stdout } = await execFileAsync(node, [this.bin(), ...args], {
				env: { ...this.env(), ...extraEnv },
				timeout: timeoutMs,
				maxBuffer: 256 * 1024 * 1024,
			});
			return stdout;
		} catch (err) {
			const e = err as { stdout?: string; stderr?: string; message: string };
			throw new Error(`n8n ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}\n${this.logTail()}`);
		}
	}

	async importCredentials(creds: CredentialSpec[]): Promise<void> {
		const file = path.join(this.userFolder, `credentials-${Date.now()}.json`);
		fs.writeFileSync(file, JSON.stringify(creds.map((c) => ({ ...c, isManaged: false }))));
		await this.cli(['import:credentials', `--input=${file}`]);
		fs.rmSync(file);
	}

	/** Import a workflow (object or path to a template file); returns its id. */
	async importWorkflow(workflow: Record<string, unknown> | string, id?: string): Promise<string> {
		const wf = typeof workflow === 'string' ? JSON.parse(fs.readFileSync(workflow, 'utf8')) : { ...workflow };
		wf.id = id ?? wf.id ?? `wf${Math.random().toString(36).slice(2, 12)}`;
		const file = path.join(this.userFolder, `workflow-${wf.id}.json`);
		fs.writeFileSync(file, JSON.stringify(wf));
		await this.cli(['import:workflow', `--input=${file}`]);
		fs.rmSync(file);
		return wf.id as string;
	}

	/** Execute a workflow by id and return its run data, failed or not: on the server when it runs, else through the CLI. */
	async execute(id: string): Promise<RunResult> {
		if (this.server && this.cookie) {
			const run = await this.executeOnServer(id);
			if (run) return run;
		}
		return this.executeWithCli(id);
	}

	/**
	 * Run a workflow on the running server as the editor's "Execute workflow" does (a manual run
	 * from its Manual Trigger, POST /rest/workflows/:id/run), wait for it, and read its run data
	 * from /rest/executions/:id (stored flatted, as n8n keeps it). One `n8n execute` boots n8n
	 * for about 6 s; this costs a REST call. Undefined when the workflow has no Manual Trigger
	 * (the CLI runs it from its first trigger then).
	 */
	private async executeOnServer(id: string): Promise<RunResult | undefined> {
		const wf = (await this.rest<{ data: { nodes: Array<{ name: string; type: string; disabled?: boolean }> } }>('GET', `/rest/workflows/${id}`)).data;
		const trigger = wf.nodes.find((n) => n.type === 'n8n-nodes-base.manualTrigger' && !n.disabled);
		if (!trigger) return undefined;
		// n8n 1.x takes the workflow in the body, as its editor sends it; 2.x reads the saved one.
		const body = this.line === 'v1' ? { workflowData: wf, triggerToStartFrom: { name: trigger.name } } : { triggerToStartFrom: { name: trigger.name } };
		const started = await this.rest<{ data: { executionId?: string; waitingForWebhook?: boolean } }>('POST', `/rest/workflows/${id}/run`, body);
		const executionId = started.data?.executionId;
		if (!executionId) throw new Error(`n8n did not start workflow ${id}: ${JSON.stringify(started).slice(0, 300)}`);
		const deadline = Date.now() + 900_000;
		for (let wait = 50; Date.now() < deadline; wait = Math.min(wait * 2, 500)) {
			const e = await this.rest<{ data?: { status?: string; stoppedAt?: string | null; data?: string } }>('GET', `/rest/executions/${executionId}`).catch(
				(err: Error) => {
					// A run still being saved is not found for a moment.
					if (/answered 404/.test(err.message)) return { data: undefined };
					throw err;
				},
			);
			const status = e.data?.status;
			if (e.data && status !== 'new' && status !== 'running' && status !== 'waiting' && e.data.stoppedAt && typeof e.data.data === 'string') {
				return toRunResult({ data: parseFlatted(e.data.data), status });
			}
			await new Promise((r) => setTimeout(r, wait));
		}
		throw new Error(`execution ${executionId} of workflow ${id} did not finish within 15 minutes:\n${this.logTail()}`);
	}

	/**
	 * `n8n execute` (a CLI run: n8n boots for it, runs the workflow and exits). n8n 2.x prints the
	 * run data through its logger at info level, into the log file (JSON lines): read the lines this
	 * run added and take the one that holds the run.
	 */
	async executeWithCli(id: string): Promise<RunResult> {
		const logFile = path.join(this.userFolder, 'n8n.log');
		const offset = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
		// A failed workflow makes n8n exit 1, after logging the run: parse the log either way.
		let failure: Error | undefined;
		// Sub-workflow calls of a CLI run take the published version; read it from the database
		// (the publication service's outbox is filled by a running server, not by the CLI).
		await this.cli(['execute', `--id=${id}`, '--rawOutput'], 300_000, { N8N_LOG_LEVEL: 'info', N8N_USE_WORKFLOW_PUBLICATION_SERVICE: 'false' }).catch((err: Error) => {
			failure = err;
		});
		// n8n's file logger rotates at N8N_LOG_FILE_SIZE_MAX (the env sets it high; big runs log
		// megabytes of run data): a log now shorter than the offset was rotated, read it whole.
		const log = fs.readFileSync(logFile);
		const added = log.subarray(log.length < offset ? 0 : offset).toString('utf8');
		for (const line of added.split('\n').reverse()) {
			if (!line.trim()) continue;
			let message: unknown;
			try {
				message = JSON.parse(line).message;
			} catch {
				continue;
			}
			if (typeof message !== 'string' || !message.startsWith('{')) continue;
			try {
				const raw = JSON.parse(message);
				if (raw?.data?.resultData) return toRunResult(raw);
			} catch {
				// another JSON-looking message
			}
		}
		throw failure ?? new Error(`n8n execute left no run data in its log:\n${this.logTail()}`);
	}

	logTail(lines = 60): string {
		const file = path.join(this.userFolder, 'n8n.log');
		const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
		return [text, this.serverLog].join('\n').split('\n').slice(-lines).join('\n');
	}

	/** Hosts n8n tried to reach outside loopback (should stay empty). */
	blockedConnections(): string[] {
		return fs.existsSync(this.netGuardLog) ? fs.readFileSync(this.netGuardLog, 'utf8').split('\n').filter(Boolean) : [];
	}

	/** Start the n8n server; resolves when it is ready and its REST API answers. */
	async start(port = 0, timeoutMs = 120_000): Promise<string> {
		this.port = port || (await freePort());
		const node = path.join(nodeBinDir(this.line), 'node');
		this.server = spawn(node, [this.bin(), 'start'], { env: this.env(), stdio: ['ignore', 'pipe', 'pipe'] });
		const append = (b: Buffer) => {
			this.serverLog = (this.serverLog + b.toString()).slice(-200_000);
		};
		this.server.stdout!.on('data', append);
		this.server.stderr!.on('data', append);
		const url = `http://127.0.0.1:${this.port}`;
		const deadline = Date.now() + timeoutMs;
		while (Date.now() < deadline) {
			if (this.server.exitCode !== null) throw new Error(`n8n exited with ${this.server.exitCode}:\n${this.logTail()}`);
			try {
				// n8n 1.x answers readiness once its database is migrated, before its REST routes exist:
				// wait for both (any answer but 404 from /rest/settings means the routes are mounted).
				const res = await fetch(`${url}/healthz/readiness`);
				if (res.ok && (await fetch(`${url}/rest/settings`)).status !== 404) return url;
			} catch {
				// not up yet
			}
			await new Promise((r) => setTimeout(r, 500));
		}
		throw new Error(`n8n did not start within ${timeoutMs} ms:\n${this.logTail()}`);
	}

	/** Create the instance owner (first start) and keep its session cookie for REST calls. */
	async setupOwner(owner: OwnerSpec = DEMO_OWNER): Promise<void> {
		const res = await fetch(`${this.url()}/rest/owner/setup`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify(owner),
		});
		if (!res.ok) throw new Error(`owner setup answered ${res.status}: ${await res.text()}`);
		this.cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
	}

	/** A REST call to the running server as the owner. */
	async rest<T = unknown>(method: string, route: string, body?: unknown): Promise<T> {
		const res = await fetch(`${this.url()}${route}`, {
			method,
			headers: { 'Content-Type': 'application/json', Cookie: this.cookie },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await res.text();
		if (!res.ok) throw new Error(`${method} ${route} answered ${res.status}: ${text.slice(0, 500)}`);
		return (text ? JSON.parse(text) : undefined) as T;
	}

	/** Node type names the running server offers in its editor. */
	async nodeTypeNames(): Promise<string[]> {
		const types = await this.rest<Array<{ name: string }>>('GET', '/types/nodes.json');
		return types.map((t) => t.name);
	}

	/** Credential type names the running server offers. */
	async credentialTypeNames(): Promise<string[]> {
		const types = await this.rest<Array<{ name: string }>>('GET', '/types/credentials.json');
		return types.map((t) => t.name);
	}

	url(): string {
		return `http://127.0.0.1:${this.port}`;
	}

	/**
	 * Queue mode: start an `n8n worker --concurrency=<n>` sharing this instance's user folder, encryption
	 * key, database and Redis (from the options' env), with its own task-broker port and log file
	 * (info level: it logs "Worker started execution <id>"). Resolves with the worker's index once it
	 * is ready; stop() stops the workers too.
	 */
	async startWorker(concurrency = 2, timeoutMs = 120_000): Promise<number> {
		const index = this.workers.length;
		const logFile = path.join(this.userFolder, `worker-${index}.log`);
		const node = path.join(nodeBinDir(this.line), 'node');
		const child = spawn(node, [this.bin(), 'worker', `--concurrency=${concurrency}`], {
			env: { ...this.env(), N8N_LOG_LEVEL: 'info', N8N_LOG_FILE_LOCATION: logFile, N8N_RUNNERS_BROKER_PORT: String(await freePort()) },
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		const worker = { child, logFile, output: '' };
		const append = (b: Buffer) => {
			worker.output = (worker.output + b.toString()).slice(-200_000);
		};
		child.stdout!.on('data', append);
		child.stderr!.on('data', append);
		this.workers.push(worker);
		const deadline = Date.now() + timeoutMs;
		while (!this.workerLog(index).includes('n8n worker is now ready')) {
			if (child.exitCode !== null) throw new Error(`n8n worker ${index} exited with ${child.exitCode}:\n${this.workerLog(index).slice(-5000)}`);
			if (Date.now() > deadline) throw new Error(`n8n worker ${index} not ready within ${timeoutMs} ms:\n${this.workerLog(index).slice(-5000)}`);
			await new Promise((r) => setTimeout(r, 500));
		}
		return index;
	}

	/** A worker's log file and console output so far. */
	workerLog(index: number): string {
		const w = this.workers[index];
		if (!w) return '';
		return `${fs.existsSync(w.logFile) ? fs.readFileSync(w.logFile, 'utf8') : ''}\n${w.output}`;
	}

	/** Execution ids a worker ran (from its "Worker started execution <id>" log lines). */
	workerExecutions(index: number): string[] {
		return [...this.workerLog(index).matchAll(/Worker started execution (\w+)/g)].map((m) => m[1]);
	}

	/**
	 * Make a workflow callable as a sub-workflow from CLI runs (the paged Sync All Prospects calls
	 * itself): n8n 2.x runs the published version of a sub-workflow outside manual runs, so publish
	 * it through the CLI; n8n 1.x runs the saved one. Only for workflows without schedules or
	 * webhooks (a server started later would activate them).
	 */
	async publishForSubWorkflowCalls(ids: string[]): Promise<void> {
		if (this.line === 'v1') return;
		for (const id of ids) await this.cli(['publish:workflow', `--id=${id}`]);
	}

	/** Activate (publish) a workflow on the running server, so its webhooks and schedules run. */
	async publish(id: string): Promise<void> {
		const wf = await this.rest<{ data: { versionId?: string } }>('GET', `/rest/workflows/${id}`);
		if (this.line === 'v1') await this.rest('PATCH', `/rest/workflows/${id}`, { active: true, versionId: wf.data.versionId });
		else await this.rest('POST', `/rest/workflows/${id}/activate`, { versionId: wf.data.versionId });
	}

	async stop(): Promise<void> {
		const workers = this.workers;
		this.workers = [];
		await Promise.all(
			workers.map(async ({ child }) => {
				if (child.exitCode !== null) return;
				child.kill('SIGTERM');
				await Promise.race([new Promise((r) => child.once('exit', r)), new Promise((r) => setTimeout(r, 15_000))]);
				if (child.exitCode === null) child.kill('SIGKILL');
			}),
		);
		const s = this.server;
		this.server = undefined;
		if (s && s.exitCode === null) {
			s.kill('SIGTERM');
			await Promise.race([new Promise((r) => s.once('exit', r)), new Promise((r) => setTimeout(r, 15_000))]);
			if (s.exitCode === null) s.kill('SIGKILL');
		}
		if (!this.options.keep) fs.rmSync(this.userFolder, { recursive: true, force: true });
	}
}

function toRunResult(raw: any): RunResult {
	const runData = raw?.data?.resultData?.runData ?? {};
	const nodes: RunResult['nodes'] = {};
	for (const [name, runs] of Object.entries<any[]>(runData)) {
		const last = runs[runs.length - 1];
		nodes[name] = (last?.data?.main ?? []).map((out: any[] | null) => out ?? []);
	}
	const err = raw?.data?.resultData?.error;
	return { nodes, raw, error: err ? String(err.message ?? err) : undefined, lastNodeExecuted: raw?.data?.resultData?.lastNodeExecuted };
}

/** The n8n line the suites run on: $N8N_LINE ('v1' | 'v2'), default 'v2'. */
export function defaultLine(): string {
	const line = (process.env.N8N_LINE ?? '').trim() || 'v2';
	if (line !== 'v1' && line !== 'v2') throw new Error(`N8N_LINE must be v1 or v2, not "${line}"`);
	return line;
}

export { freePort };
