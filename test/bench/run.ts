/**
 * `npm run bench` (full matrix) / `npm run bench -- --quick` (N = 1,000 only).
 *
 * For each CRM (Salesforce Leads, HubSpot contacts, Pipedrive persons) and N prospects, in a real
 * n8n (the e2e harness's n8n 2.x, `n8n execute` per run) against the local sandboxes with a per-call
 * latency (default 25 ms, `--latency=<ms>`):
 *
 *  1. bulk first sync: N new FieldFlow prospects, empty CRM → N creates in the CRM, through the
 *     Sync All Prospects template (the guide's bulk sync: one sub-execution per 2,000 prospects);
 *  2. settle run: the next run re-reads the bulk run's own writes (they are newer than its cursor)
 *     and finds them all unchanged (reported, not a target);
 *  3. incremental, no change: the sandboxes' clocks are aged 10 minutes (as if the next scheduled
 *     run came later), nothing changed;
 *  4. incremental, 1% changed on each side: 1% of the prospects edited in FieldFlow (phone), a
 *     different 1% edited in the CRM (phone) → 1% CRM updates + 1% FieldFlow updates.
 *
 * Calls come from the sandboxes' own counters (every HTTP request that reached them). Peak memory
 * is the summed RSS of the n8n process tree (n8n and its task runner), sampled every 200 ms, next to
 * the main process's own exact peak (/usr/bin/time -v, VmHWM). The
 * naive baseline (naive.ts) runs for N = 1,000 on each CRM in the same invocation. The engine path
 * (engine.ts) is timed in-process per 100,000 records.
 *
 * `--render=<saved.json> [--why=<text>] [--note=<text>]` only rewrites docs/bench from a saved, possibly
 * partial, result file (`why`: for the sizes not reached; `note`: appended under the table).
 *
 * `--throttled`: the bulk first sync of N = 1,000 (default; --n=… to change) per CRM with the
 * vendors' limits on in the sandboxes and the adapters' own vendor throttles (no
 * FIELDFLOW_SANDBOX_RATE_PER_SECOND=0): HubSpot's rolling window (100 calls per 10 s, search 5/s)
 * with its X-HubSpot-RateLimit-* headers, Pipedrive's 2-second window (20 requests, the smallest
 * plan) with x-ratelimit-*, Salesforce's daily allocation (15,000 calls, Developer Edition;
 * Sforce-Limit-Info). Reports records/s, API calls and the rate-limit refusals (429; Salesforce:
 * 403 REQUEST_LIMIT_EXCEEDED) per CRM; writes docs/bench/throttled.json and throttled-table.md.
 *
 * Options: --quick, --crm=salesforce,hubspot, --n 1000,10000,100000 (default; or --n=…), --latency=25,
 * --throttled (above),
 * --pipedrive-max=<N> (skip larger Pipedrive sizes), --no-naive, --no-engine, --out=<file>,
 * --heap=<MB> (n8n's V8 heap limit; default Node's own), --bulk-only (skip the incremental runs),
 * --bulk-two-way (the bulk through the two-way template, one execution: the unpaged comparison).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { N8n, REPO_ROOT } from '../e2e/harness';
import { sandboxCredentials, startSandboxes, type Sandboxes } from '../sandboxes';
import type { Sandbox, Table } from '../sandboxes/common';
import { createAdapter } from '../../nodes/shared/crm';
import { CRM_OBJECT, bulkWorkflow, bulkWorkflowId, runnerWorkflow, runnerWorkflowId, syncWorkflow, syncWorkflowId, type BenchCrm, type RunKind } from './workflow';
import { engineBench, type EngineResult } from './engine';
import { naiveSync } from './naive';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runtimeDir, nodeBinDir } = require('../../scripts/ensure-n8n.js') as { runtimeDir: (line: string) => string; nodeBinDir: (line: string) => string };

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
/** `--name=value` or `--name value`. */
const opt = (name: string): string | undefined => {
	const i = args.indexOf(`--${name}`);
	if (i >= 0 && args[i + 1] !== undefined && !args[i + 1].startsWith('--')) return args[i + 1];
	return args.find((a) => a.startsWith(`--${name}=`))?.split('=').slice(1).join('=');
};

const QUICK = flag('quick');
const LATENCY = Number(opt('latency') ?? 25);
const CRMS = (opt('crm')?.split(',') ?? ['salesforce', 'hubspot', 'pipedrive']) as BenchCrm[];
const THROTTLED = flag('throttled');
const SIZES = opt('n')?.split(',').map((x) => Number(x.replace(/_/g, ''))) ?? (QUICK || THROTTLED ? [1000] : [1000, 10_000, 100_000]);
/** Pipedrive has no batch API: N single-record writes (4 in parallel), so N = 100,000 is ≥ 100,000 calls; `--pipedrive-max=10000` skips the larger sizes. */
const PIPEDRIVE_MAX = Number(opt('pipedrive-max') ?? Infinity);
/** `--heap=<MB>`: n8n's V8 heap limit (--max-old-space-size); default: Node's own. */
const HEAP_MB = Number(opt('heap') ?? 0) || 0;
/** `--bulk-only`: only the bulk first sync of each scenario. */
const BULK_ONLY = flag('bulk-only') || THROTTLED;
/** `--bulk-two-way`: run the bulk first sync through the two-way template (one execution, not paged), for comparison. */
const BULK_TWO_WAY = flag('bulk-two-way');
const RATE_ENV: Record<string, string> = THROTTLED ? {} : { FIELDFLOW_SANDBOX_RATE_PER_SECOND: '0' };
const OUT = opt('out') ?? path.join(REPO_ROOT, 'bench-results', `bench-${THROTTLED ? 'throttled' : QUICK ? 'quick' : 'full'}.json`);

/**
 * `--throttled`: the vendors' published limits, switched on in the sandboxes (each switch cites its
 * vendor page in the sandbox): HubSpot private apps 100 calls per rolling 10 s on the Free/Starter
 * tier and CRM search 5 requests/s (https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details);
 * Pipedrive 20 requests per 2 s per token on the smallest plan
 * (https://developers.pipedrive.com/changelog/post/new-rate-limits-window-now-in-effect; headers:
 * https://pipedrive.readme.io/docs/core-api-concepts-rate-limiting); Salesforce the org's daily
 * allocation (15,000 for a Developer Edition org; no per-second limit is published).
 */
const VENDOR_LIMITS: Record<BenchCrm, string> = {
	salesforce: 'daily allocation 15,000 calls (403 REQUEST_LIMIT_EXCEEDED past it)',
	hubspot: '100 calls / rolling 10 s + search 5/s, X-HubSpot-RateLimit-* headers',
	pipedrive: '20 requests / 2 s, x-ratelimit-* headers',
};

function vendorLimitsOn(sb: Sandboxes): void {
	sb.hubspot.rateLimit = { max: 100, intervalMs: 10_000, searchPerSecond: 5 };
	sb.pipedrive.enforceRateLimit = true;
	sb.pipedrive.rateLimitPerWindow = 20;
	sb.salesforce.enforceDailyLimit = true;
}

/** Rate-limit refusals the CRM sandbox answered so far (its enforced limits, not injected faults). */
function refusals(sb: Sandboxes, crm: BenchCrm): number {
	return sb[crm].rateLimited;
}

const FLOOR_BATCH: Record<BenchCrm, number> = { salesforce: 200, hubspot: 100, pipedrive: 1 };
const LABEL: Record<BenchCrm, string> = { salesforce: 'Salesforce', hubspot: 'HubSpot', pipedrive: 'Pipedrive' };

interface Calls {
	total: number;
	reads: number;
	writes: number;
	fieldflow: { reads: number; writes: number };
	crm: { reads: number; writes: number };
	byEndpoint: Record<string, Record<string, number>>;
}

interface RunMeasure {
	ok: boolean;
	error?: string;
	wallMs: number;
	/** Peak of the summed RSS of the n8n process tree (n8n + its task runner), sampled every 200 ms. */
	maxRssMb: number;
	/** Peak RSS of the main n8n process alone (exact, from /usr/bin/time -v or VmHWM). */
	maxRssMainMb: number;
	/** 1-minute load average at the start and end of the run (2 cores; other work shares them). */
	load: [number, number];
	calls: Calls;
	/** Rate-limit refusals by the CRM sandbox during the run (429; Salesforce 403 REQUEST_LIMIT_EXCEEDED). */
	rateLimited: number;
}

interface Scenario {
	crm: BenchCrm;
	n: number;
	bulk?: RunMeasure & { floorWrites: number; recordsPerSecond: number; crmRecords: number };
	settle?: RunMeasure;
	noChange?: RunMeasure;
	onePercent?: RunMeasure & { changedEachSide: number; crmWritesExpected: number; fieldflowWritesExpected: number };
	skipped?: string;
}

const WRITE_RE = /(^|\.)(create|update|upsert|archive|delete|batch)$|^prospects\.batch$|^collections\.|batch\.(create|update|upsert|archive)$|crmSync\.put$/;
const READ_OVERRIDE = /batch\.read$|search|query|list|get/;

function isWrite(endpoint: string): boolean {
	if (/batch\.read$/.test(endpoint)) return false;
	if (WRITE_RE.test(endpoint)) return true;
	return !READ_OVERRIDE.test(endpoint) && /post|put|patch|delete/i.test(endpoint);
}

function callsOf(sb: Sandboxes, crm: BenchCrm): Calls {
	const count = (s: Sandbox) => {
		let reads = 0;
		let writes = 0;
		for (const [e, v] of s.calls) {
			if (e === 'oauth.token' || e === 'versions') {
				reads += v;
				continue;
			}
			if (isWrite(e)) writes += v;
			else reads += v;
		}
		return { reads, writes };
	};
	const f = count(sb.fieldflow);
	const c = count(sb[crm]);
	return {
		total: f.reads + f.writes + c.reads + c.writes,
		reads: f.reads + c.reads,
		writes: f.writes + c.writes,
		fieldflow: f,
		crm: c,
		byEndpoint: { fieldflow: Object.fromEntries(sb.fieldflow.calls), [crm]: Object.fromEntries(sb[crm].calls) },
	};
}

function resetCounters(sb: Sandboxes): void {
	for (const s of [sb.fieldflow, sb.salesforce, sb.hubspot, sb.pipedrive]) s.resetCounters();
}

function tablesOf(sb: Sandboxes): Table[] {
	const t: Table[] = [sb.fieldflow.prospects, sb.fieldflow.meetings, sb.fieldflow.summaries];
	for (const s of [sb.salesforce, sb.hubspot, sb.pipedrive] as unknown as Array<{ tables: Record<string, Table> }>) t.push(...Object.values(s.tables));
	return t;
}

/** As if `ms` had passed: every row's times move back (the records' modification times are derived from them). */
function age(sb: Sandboxes, ms: number): void {
	for (const t of tablesOf(sb)) {
		for (const row of t.rows.values()) {
			row.createdAt -= ms;
			row.updatedAt -= ms;
			if (row.deletedAt) row.deletedAt -= ms;
		}
	}
}

function seedProspects(sb: Sandboxes, n: number): void {
	const prospects = Array.from({ length: n }, (_, k) => {
		const i = k + 1;
		return { company_name: `Company ${i}`, contact_name: `Pat Person${i}`, email: `pat${i}@company${i}.example`, phone: `+1 555 ${String(i).padStart(7, '0')}`, status: 'new' };
	});
	// The sandbox clock never repeats a time (1 ms apart): seed the prospects as created over the last
	// n ms, not n ms into the future (which no real FieldFlow would report, and which a run's
	// Until = its start would rightly leave for the next run).
	const clock = sb.fieldflow.clock;
	const offset = clock.offsetMs;
	clock.rewind(Date.now() + offset - n - 1000);
	clock.offsetMs = offset - n - 1000;
	for (let k = 0; k < prospects.length; k += 10_000) sb.fieldflow.seed({ prospects: prospects.slice(k, k + 10_000) });
	clock.offsetMs = offset;
}

function liveCount(sb: Sandboxes, crm: BenchCrm): number {
	const tables = (sb[crm] as unknown as { tables: Record<string, Table> }).tables;
	let n = 0;
	for (const row of tables[CRM_OBJECT[crm]].rows.values()) if (!row.deletedAt) n++;
	return n;
}

class Bench {
	n8n!: N8n;
	sb!: Sandboxes;
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-bench-'));
	storePath = (crm: BenchCrm) => path.join(this.dir, `store-${crm}.sqlite`);

	async setup(): Promise<void> {
		this.sb = await startSandboxes();
		// A snapshot of the built package: other work in this checkout may rebuild dist/ mid-run.
		const pkg = path.join(this.dir, 'package');
		fs.mkdirSync(pkg);
		fs.cpSync(path.join(REPO_ROOT, 'dist'), path.join(pkg, 'dist'), { recursive: true });
		fs.copyFileSync(path.join(REPO_ROOT, 'package.json'), path.join(pkg, 'package.json'));
		fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(pkg, 'node_modules'), 'dir');
		this.n8n = await new N8n({ packageDir: pkg }).prepare();
		await this.n8n.importCredentials(sandboxCredentials(this.sb));
		const wfs = CRMS.flatMap((crm) => [syncWorkflow(crm, this.storePath(crm)), bulkWorkflow(crm, this.storePath(crm)), runnerWorkflow(crm), runnerWorkflow(crm, 'bulk')]);
		const file = path.join(this.dir, 'workflows.json');
		fs.writeFileSync(file, JSON.stringify(wfs));
		await this.n8n.cli(['import:workflow', `--input=${file}`]);
		// n8n 2.x runs the published version of a sub-workflow only.
		for (const crm of CRMS) for (const id of [syncWorkflowId(crm), bulkWorkflowId(crm)]) await this.n8n.cli(['publish:workflow', `--id=${id}`]);
	}

	async teardown(): Promise<void> {
		await this.n8n?.stop();
		await this.sb?.stop();
		fs.rmSync(this.dir, { recursive: true, force: true });
	}

	/** One `n8n execute` of the runner workflow; max RSS of the n8n process; calls from the sandboxes. */
	async run(crm: BenchCrm, kind: RunKind = 'sync'): Promise<RunMeasure> {
		resetCounters(this.sb);
		const refused0 = refusals(this.sb, crm);
		const node = path.join(nodeBinDir(this.n8n.line), 'node');
		const bin = path.join(runtimeDir(this.n8n.line), 'node_modules', 'n8n', 'bin', 'n8n');
		const useTime = fs.existsSync('/usr/bin/time');
		const cmd = useTime ? '/usr/bin/time' : node;
		const argv = [...(useTime ? ['-v', node] : []), bin, 'execute', `--id=${runnerWorkflowId(crm, kind)}`];
		const env = {
			...this.n8n.env(),
			...RATE_ENV,
			N8N_LOG_LEVEL: 'warn',
			EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'none',
			// Sub-workflows: read the published version straight from the database (the publication
			// service's outbox is filled by a running server, not by the publish:workflow CLI command).
			N8N_USE_WORKFLOW_PUBLICATION_SERVICE: 'false',
			EXECUTIONS_DATA_SAVE_MANUAL_EXECUTIONS: 'false',
			// n8n's own Node defaults unless --heap=<MB> caps its heap (the non-paged two-way runs at
			// N = 100,000 fit the default 4 GiB limit of a machine this size).
			NODE_OPTIONS: `${this.n8n.env().NODE_OPTIONS ?? ''}${HEAP_MB ? ` --max-old-space-size=${HEAP_MB}` : ''}`.trim(),
		};
		const load0 = os.loadavg()[0];
		const t0 = Date.now();
		const child = spawn(cmd, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (b: Buffer) => {
			stdout = (stdout + b.toString()).slice(-200_000);
		});
		child.stderr.on('data', (b: Buffer) => {
			stderr = (stderr + b.toString()).slice(-200_000);
		});
		// Peaks: the summed RSS of the whole process tree (sampled), and the main n8n process's own
		// high-water mark (VmHWM, exact; /usr/bin/time's maximum when available).
		let treeKb = 0;
		let hwmKb = 0;
		const poll = setInterval(() => {
			if (!child.pid) return;
			treeKb = Math.max(treeKb, treeRssKb(child.pid, useTime));
			try {
				const pid = useTime ? childrenOf(child.pid)[0] : child.pid;
				const m = /VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
				if (m) hwmKb = Math.max(hwmKb, Number(m[1]));
			} catch {
				// not started yet / gone
			}
		}, 200);
		const code: number = await new Promise((r) => child.once('exit', (c) => r(c ?? 1)));
		clearInterval(poll);
		const wallMs = Date.now() - t0;
		const timeKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1] ?? 0);
		const maxRssMainMb = Math.round(Math.max(timeKb, hwmKb) / 1024);
		const maxRssMb = Math.max(maxRssMainMb, Math.round(treeKb / 1024));
		const ok = code === 0;
		const error = ok ? undefined : `${stdout.slice(-3000)}\n${stderr.slice(-3000)}\n${this.n8n.logTail(30)}`;
		const load: [number, number] = [Math.round(load0 * 100) / 100, Math.round(os.loadavg()[0] * 100) / 100];
		return { ok, error, wallMs, maxRssMb, maxRssMainMb, load, calls: callsOf(this.sb, crm), rateLimited: refusals(this.sb, crm) - refused0 };
	}

	async scenario(crm: BenchCrm, n: number): Promise<Scenario> {
		const sb = this.sb;
		const s: Scenario = { crm, n };
		for (const x of [sb.fieldflow, sb.salesforce, sb.hubspot, sb.pipedrive]) x.reset();
		for (const x of [sb.fieldflow, sb.salesforce, sb.hubspot, sb.pipedrive]) x.latencyMs = LATENCY;
		if (THROTTLED) vendorLimitsOn(sb);
		fs.rmSync(this.storePath(crm), { force: true });
		seedProspects(sb, n);
		log(`${LABEL[crm]} N=${n}: bulk first sync (${BULK_TWO_WAY ? 'two-way template, one execution' : 'Sync All Prospects, paged'})…`);
		const bulk = await this.run(crm, BULK_TWO_WAY ? 'sync' : 'bulk');
		const crmRecords = liveCount(sb, crm);
		const floorWrites = Math.ceil(n / FLOOR_BATCH[crm]);
		s.bulk = { ...bulk, floorWrites, crmRecords, recordsPerSecond: Math.round((n / bulk.wallMs) * 1000) };
		if (!bulk.ok || crmRecords !== n) {
			s.bulk.ok = false;
			s.bulk.error ??= `CRM holds ${crmRecords} records, expected ${n}`;
			log(`  bulk failed: ${s.bulk.error.slice(-2000)}`);
			return s;
		}
		log(`  bulk: ${fmtCalls(bulk.calls)} in ${sec(bulk.wallMs)}, ${bulk.rateLimited} rate-limit refusals, peak RSS ${bulk.maxRssMb} MB (main process ${bulk.maxRssMainMb} MB)`);
		if (BULK_ONLY) return s;
		log('  settle run (re-reads its own writes)…');
		s.settle = await this.run(crm);
		log(`  settle: ${fmtCalls(s.settle.calls)} in ${sec(s.settle.wallMs)}`);
		age(sb, 10 * 60_000);
		log('  incremental, no change…');
		s.noChange = await this.run(crm);
		log(`  no change: ${fmtCalls(s.noChange.calls)} in ${sec(s.noChange.wallMs)}`);

		// 1% on each side, disjoint: FieldFlow prospects 1, 101, 201…; CRM records 51, 151, 251…
		const k = Math.max(1, Math.floor(n / 100));
		const ffRows = sb.fieldflow.prospects.live();
		for (let j = 0; j < k; j++) sb.fieldflow.prospects.update(ffRows[j * 100].id, { phone: `+1 777 ${String(j).padStart(7, '0')}` });
		await this.editCrm(crm, k);
		log('  incremental, 1% changed on each side…');
		const one = await this.run(crm);
		s.onePercent = { ...one, changedEachSide: k, crmWritesExpected: Math.ceil(k / FLOOR_BATCH[crm]), fieldflowWritesExpected: Math.ceil(k / 100) };
		log(`  1%: ${fmtCalls(one.calls)} in ${sec(one.wallMs)}`);
		return s;
	}

	/** Edit k CRM records (phone) through the CRM's own API, then clear the counters. */
	private async editCrm(crm: BenchCrm, k: number): Promise<void> {
		const creds = sandboxCredentials(this.sb);
		const type = { salesforce: 'fieldFlowSalesforceApi', hubspot: 'fieldFlowHubSpotApi', pipedrive: 'fieldFlowPipedriveApi' }[crm];
		const adapter = createAdapter(crm, creds.find((c) => c.type === type)!.data, { salesforce: { ratePerSecond: 1e6 }, hubspot: { ratePerSecond: 1e6, searchRatePerSecond: 1e6 }, pipedrive: { ratePerSecond: 1e6 } });
		const tables = (this.sb[crm] as unknown as { tables: Record<string, Table> }).tables;
		const rows = tables[CRM_OBJECT[crm]].live();
		const phoneField = { salesforce: 'Phone', hubspot: 'phone', pipedrive: 'phone' }[crm];
		const inputs = [];
		for (let j = 0; j < k; j++) {
			const row = rows[Math.min(rows.length - 1, j * 100 + 50)];
			inputs.push({ ref: row.id, id: row.id, fields: { [phoneField]: crm === 'pipedrive' ? [{ value: `+1 888 ${String(j).padStart(7, '0')}`, primary: true, label: 'work' }] : `+1 888 ${String(j).padStart(7, '0')}` } });
		}
		const latency = this.sb[crm].latencyMs;
		this.sb[crm].latencyMs = 0;
		const res = await adapter.upsert(CRM_OBJECT[crm], inputs);
		this.sb[crm].latencyMs = latency;
		const failed = res.filter((r) => !r.success);
		if (failed.length) throw new Error(`editing ${crm} records failed: ${failed[0].error?.message}`);
	}
}

function childrenOf(pid: number): number[] {
	const out: number[] = [];
	for (const t of fs.readdirSync(`/proc/${pid}/task`)) {
		const c = fs.readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim();
		if (c) out.push(...c.split(/\s+/).map(Number));
	}
	return out;
}

/** Summed VmRSS (kB) of `root`'s descendants, and of `root` itself unless `skipRoot` (the /usr/bin/time wrapper). */
function treeRssKb(root: number, skipRoot: boolean): number {
	let total = 0;
	const stack = [root];
	const seen = new Set<number>();
	while (stack.length) {
		const pid = stack.pop()!;
		if (seen.has(pid)) continue;
		seen.add(pid);
		try {
			if (pid !== root || !skipRoot) total += Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
			stack.push(...childrenOf(pid));
		} catch {
			// exited meanwhile
		}
	}
	return total;
}

function fmtCalls(c: Calls): string {
	return `${c.total} calls (FieldFlow ${c.fieldflow.reads}r/${c.fieldflow.writes}w, CRM ${c.crm.reads}r/${c.crm.writes}w)`;
}

const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function log(msg: string): void {
	// eslint-disable-next-line no-console
	console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);
}

function machine(): Record<string, unknown> {
	const cpus = os.cpus();
	return {
		cpu: cpus[0]?.model ?? 'unknown',
		cores: cpus.length,
		memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
		os: `${os.type()} ${os.release()}`,
		node: process.version,
		n8n: readN8nVersion(),
	};
}

function readN8nVersion(): string {
	try {
		return JSON.parse(fs.readFileSync(path.join(runtimeDir('v2'), 'node_modules', 'n8n', 'package.json'), 'utf8')).version;
	} catch {
		return 'unknown';
	}
}

interface NaiveRow {
	crm: BenchCrm;
	n: number;
	ok: boolean;
	calls: Calls;
	wallMs: number;
	/** Our bulk run at the same N. */
	oursCalls?: number;
	oursWallMs?: number;
	callRatio?: number;
	timeRatio?: number;
}

/** The `--throttled` table: per CRM, the bulk first sync under the vendors' limits. */
function throttledTable(results: { scenarios: Scenario[] }, meta: Record<string, any>): string {
	const fmt = (x: number | undefined) => (x === undefined ? '–' : x.toLocaleString('en-US'));
	const lines = [
		`Machine: ${meta.machine.cpu}, ${meta.machine.cores} cores, ${meta.machine.os}; n8n ${meta.machine.n8n} (\`n8n execute\`); sandboxes with ${meta.latencyMs} ms per call and the vendors' limits on; the adapters' vendor-default throttles (HubSpot 8/s, Pipedrive 10/s, Salesforce 10/s) and header pacing (RateGate.observe); ${meta.date}.`,
		'',
		'| CRM | N | limit modelled | records/s | time | API calls (CRM + FieldFlow) | CRM writes | rate-limit refusals (429) |',
		'| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |',
	];
	for (const s of results.scenarios) {
		const b = s.bulk;
		if (!b) {
			lines.push(`| ${LABEL[s.crm]} | ${fmt(s.n)} | ${VENDOR_LIMITS[s.crm]} | ${s.skipped ?? 'not run'} | | | | |`);
			continue;
		}
		const state = b.ok ? '' : ` (failed: ${(b.error ?? '').split('\n').find((l) => l.trim()) ?? ''})`;
		lines.push(`| ${LABEL[s.crm]} | ${fmt(s.n)} | ${VENDOR_LIMITS[s.crm]} | ${fmt(b.recordsPerSecond)}${state} | ${sec(b.wallMs)} | ${fmt(b.calls.total)} (${fmt(b.calls.crm.reads + b.calls.crm.writes)} + ${fmt(b.calls.fieldflow.reads + b.calls.fieldflow.writes)}) | ${fmt(b.calls.crm.writes)} | ${fmt(b.rateLimited)} |`);
	}
	return lines.join('\n');
}

function table(results: { scenarios: Scenario[]; naive: NaiveRow[]; engine: EngineResult[] }, meta: Record<string, any>): string {
	if (meta.throttled) return throttledTable(results, meta);
	const lines: string[] = [];
	const fmt = (x: number | undefined) => (x === undefined ? '–' : x.toLocaleString('en-US'));
	lines.push(`Machine: ${meta.machine.cpu}, ${meta.machine.cores} cores, ${meta.machine.memoryGiB} GiB RAM, ${meta.machine.os}; n8n ${meta.machine.n8n} on its own Node 24 (\`n8n execute\`${meta.heapMb ? `, V8 heap limit ${meta.heapMb} MB` : ", Node's default heap limit"}); sandboxes with ${meta.latencyMs} ms per call; client throttles ${meta.throttled ? 'at vendor defaults' : 'off (FIELDFLOW_SANDBOX_RATE_PER_SECOND=0)'}; ${meta.date}.`);
	lines.push('');
	lines.push('**Bulk first sync** (FieldFlow → CRM, all new, through the paged Sync All Prospects template: one sub-execution per 2,000 prospects) and **incremental runs** (through the two-way sync template), in a real n8n:');
	lines.push('');
	const loads = results.scenarios.flatMap((s) => [s.bulk, s.settle, s.noChange, s.onePercent].flatMap((r) => r?.load ?? []));
	if (loads.length) lines.push(`1-minute load average during the runs: ${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)} (other work shared the 2 cores: times are upper bounds; calls do not depend on load).`, '');
	lines.push('| CRM | N | bulk: CRM writes / floor | bulk: reads (FieldFlow + CRM) | bulk: total calls | bulk: time | records/s | peak n8n RSS (process tree) | no-change run: calls | 1% each side: calls (writes) | 1% run: time | settle run: calls |');
	lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
	for (const s of results.scenarios) {
		if (s.skipped || !s.bulk) {
			lines.push(`| ${LABEL[s.crm]} | ${fmt(s.n)} | ${s.skipped ?? 'failed'} | | | | | | | | | |`);
			continue;
		}
		const b = s.bulk;
		if (!b.ok) {
			lines.push(`| ${LABEL[s.crm]} | ${fmt(s.n)} | failed: ${(b.error ?? '').split('\n').find((l) => l.trim()) ?? ''} | | | | | | | | | |`);
			continue;
		}
		const ratio = (b.calls.crm.writes / b.floorWrites).toFixed(2);
		lines.push(
			`| ${LABEL[s.crm]} | ${fmt(s.n)} | ${fmt(b.calls.crm.writes)} / ${fmt(b.floorWrites)} (${ratio}×) | ${fmt(b.calls.fieldflow.reads)} + ${fmt(b.calls.crm.reads)} | ${fmt(b.calls.total)} | ${sec(b.wallMs)} | ${fmt(b.recordsPerSecond)} | ${fmt(b.maxRssMb)} MB | ${fmt(s.noChange?.calls.total)} | ${fmt(s.onePercent?.calls.total)} (${fmt(s.onePercent?.calls.writes)}) | ${s.onePercent ? sec(s.onePercent.wallMs) : '–'} | ${fmt(s.settle?.calls.total)} |`,
		);
	}
	if (results.naive.length) {
		lines.push('');
		lines.push('**Naive baseline** (one look-up by email + one single-record write per prospect, the call pattern of per-item native CRM nodes) vs this package, bulk first sync:');
		lines.push('');
		lines.push('| CRM | N | naive calls | ours calls | calls ratio | naive time | ours time (incl. ~n8n start) | time ratio |');
		lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
		for (const r of results.naive) {
			lines.push(`| ${LABEL[r.crm]} | ${fmt(r.n)} | ${fmt(r.calls.total)} | ${fmt(r.oursCalls)} | ${r.callRatio?.toFixed(1) ?? '–'}× fewer | ${sec(r.wallMs)} | ${r.oursWallMs ? sec(r.oursWallMs) : '–'} | ${r.timeRatio?.toFixed(1) ?? '–'}× faster |`);
		}
	}
	if (results.engine.length) {
		lines.push('');
		lines.push('**Engine path alone** (mapping + conflict resolution + SQLite store, in-process, CRM look-ups answered instantly):');
		lines.push('');
		lines.push('| case | records | CPU | wall | of which mapping | resolution + store | routed |');
		lines.push('| --- | ---: | ---: | ---: | ---: | ---: | --- |');
		for (const e of results.engine) {
			lines.push(`| ${e.case === 'bulk' ? 'bulk: all new (creates + reservations)' : 'steady: all linked, unchanged'} | ${fmt(e.records)} | ${sec(e.cpuMs)} | ${sec(e.wallMs)} | ${sec(e.mapMs)} | ${sec(e.resolveMs)} | ${Object.entries(e.routed).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')} |`);
		}
	}
	return lines.join('\n');
}

/** Docs from a saved (possibly partial) result file: sizes × CRMs never reached are listed as not run, with `why`. */
function renderDocs(file: string, why: string, note?: string): void {
	const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as { meta: Record<string, any>; scenarios: Scenario[]; naive: NaiveRow[]; engine: EngineResult[] };
	for (const n of saved.meta.sizes as number[]) {
		for (const crm of saved.meta.crms as BenchCrm[]) {
			if (!saved.scenarios.some((s) => s.crm === crm && s.n === n)) saved.scenarios.push({ crm, n, skipped: `not run: ${why}` });
		}
	}
	const out = { ...saved, note, table: `${table(saved, saved.meta)}${note ? `\n\n${note}` : ''}` };
	writeDocs(out);
	// eslint-disable-next-line no-console
	console.log(out.table);
}

function writeDocs(out: { table: string; meta?: Record<string, any> }): void {
	const docs = path.join(REPO_ROOT, 'docs', 'bench');
	fs.mkdirSync(docs, { recursive: true });
	const throttled = !!out.meta?.throttled;
	fs.writeFileSync(path.join(docs, throttled ? 'throttled.json' : 'latest.json'), JSON.stringify(out, null, 2));
	fs.writeFileSync(path.join(docs, throttled ? 'throttled-table.md' : 'README-table.md'), `${out.table}\n`);
}

async function main(): Promise<void> {
	const render = opt('render');
	if (render) return renderDocs(render, opt('why') ?? 'stopped before this size', opt('note'));
	const started = Date.now();
	const meta = { date: new Date().toISOString(), quick: QUICK, latencyMs: LATENCY, throttled: THROTTLED, heapMb: HEAP_MB || null, sizes: SIZES, crms: CRMS, machine: machine() };
	log(`machine: ${JSON.stringify(meta.machine)}`);
	const results = { scenarios: [] as Scenario[], naive: [] as NaiveRow[], engine: [] as EngineResult[] };
	const save = () => {
		const out = { meta: { ...meta, totalSeconds: Math.round((Date.now() - started) / 1000) }, ...results, table: table(results, meta) };
		fs.mkdirSync(path.dirname(OUT), { recursive: true });
		fs.writeFileSync(OUT, JSON.stringify(out, null, 2));
		return out;
	};

	if (!flag('no-engine') && !THROTTLED) {
		for (const kind of ['bulk', 'steady'] as const) {
			log(`engine path: 100,000 records, ${kind}…`);
			const e = await engineBench('salesforce', 100_000, kind);
			log(`  ${JSON.stringify(e)}`);
			results.engine.push(e);
		}
	}

	const bench = new Bench();
	try {
		log('starting sandboxes and preparing n8n…');
		await bench.setup();
		// Sizes outer, CRMs inner: every CRM at 1,000 first, the largest runs last.
		for (const n of SIZES) {
			for (const crm of CRMS) {
				if (n === 1000 && !flag('no-naive') && !THROTTLED) {
					const sb = bench.sb;
					for (const x of [sb.fieldflow, sb.salesforce, sb.hubspot, sb.pipedrive]) x.reset();
					for (const x of [sb.fieldflow, sb.salesforce, sb.hubspot, sb.pipedrive]) x.latencyMs = LATENCY;
					seedProspects(sb, 1000);
					resetCounters(sb);
					log(`${LABEL[crm]} naive baseline N=1000…`);
					const r = await naiveSync(sb, crm, { ...process.env, ...RATE_ENV });
					const calls = callsOf(sb, crm);
					log(`  naive: ${fmtCalls(calls)} in ${sec(r.wallMs)} (${r.created} written, ${r.failed} failed)`);
					results.naive.push({ crm, n: 1000, ok: r.failed === 0 && liveCount(sb, crm) === 1000, calls, wallMs: r.wallMs });
				}
				if (crm === 'pipedrive' && n > PIPEDRIVE_MAX) {
					results.scenarios.push({ crm, n, skipped: `not run (--pipedrive-max=${fmtN(PIPEDRIVE_MAX)}): Pipedrive has no batch API, ≥ ${fmtN(n)} single-record writes` });
					continue;
				}
				const s = await bench.scenario(crm, n);
				results.scenarios.push(s);
				const naive = results.naive.find((r) => r.crm === crm && r.n === n);
				if (naive && s.bulk?.ok) {
					naive.oursCalls = s.bulk.calls.total;
					naive.oursWallMs = s.bulk.wallMs;
					naive.callRatio = naive.calls.total / s.bulk.calls.total;
					naive.timeRatio = naive.wallMs / s.bulk.wallMs;
				}
				save();
			}
		}
	} finally {
		await bench.teardown().catch(() => undefined);
	}
	const out = save();
	// eslint-disable-next-line no-console
	console.log(`\n${out.table}\n\nJSON: ${OUT} (${out.meta.totalSeconds} s in all)`);
	if (!opt('out')) writeDocs(out);
}

const fmtN = (x: number) => x.toLocaleString('en-US');

main().catch((err) => {
	// eslint-disable-next-line no-console
	console.error(err);
	process.exit(1);
});
