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
 * `--groups`: the record-groups bench (groups.ts): N prospects over about N/3 companies, each with a
 * status and a value, so each prospect is a person + company + deal; targets Salesforce Contacts
 * mode (`salesforce-contacts`: Account, Contact, Opportunity, OpportunityContactRole), Salesforce
 * Leads, HubSpot (companies, contacts, deals) and Pipedrive (organizations, persons, deals), each
 * through its templates with the guide's full set of Linked Records on Start Run. Per target and
 * N: the bulk first sync (CRM writes per member object vs the floor, association calls, reads,
 * time, peak RSS, the member records and their links in the sandbox), settle, no change, 1 % edits
 * on each member on each side (calls per CRM object), then a CRM → FieldFlow import of the groups
 * the CRM now holds (FieldFlow emptied, store dropped, Sync All Prospects again; `--no-import`,
 * `--import-max=<N>`). The naive per-item baseline for groups (naive.ts naiveGroupSync) runs at
 * N = 1,000 (`--naive-n=<N>`). Writes docs/bench/groups.json and groups-table.md.
 *
 * Options: --quick, --crm=salesforce,hubspot (groups: also salesforce-contacts), --n 1000,10000,100000 (default; or --n=…), --latency=25,
 * --throttled (above),
 * --pipedrive-max=<N> (skip larger Pipedrive sizes), --no-naive, --no-engine, --out=<file>,
 * --heap=<MB> (n8n's V8 heap limit; default Node's own), --page-size=<N> (Sync All Prospects' pages; default 2,000), --bulk-only (skip the incremental runs),
 * --bulk-two-way (the bulk through the two-way template, one execution: the unpaged comparison).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { N8n, REPO_ROOT } from '../e2e/harness';
import { sandboxCredentials, startSandboxes, type Sandboxes } from '../sandboxes';
import type { Table } from '../sandboxes/common';
import { createAdapter } from '../../nodes/shared/crm';
import { CRM_OBJECT, bulkWorkflow, bulkWorkflowId, crmOf, runnerWorkflow, runnerWorkflowId, syncWorkflow, syncWorkflowId, type BenchCrm, type BenchTarget, type RunKind } from './workflow';
import { engineBench, type EngineResult } from './engine';
import { naiveGroupSync, naiveSync } from './naive';
import { byObject, countOf, instrument, type Counts } from './calls';
import { GROUP_TARGETS, companiesFor, editOnePercent, expectedMembers, fieldflowRenamed, floorWrites, fieldflowState, groupProspect, importedFields, seedCrmGroups, linkedCounts, liveCounts, type EditCounts } from './groups';

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
/** `--groups`: the record-groups bench (groups.ts): person + company + deal per prospect, Salesforce in both modes. */
const GROUPS = flag('groups');
const LATENCY = Number(opt('latency') ?? 25);
const CRMS = (opt('crm')?.split(',') ?? (GROUPS ? ['salesforce-contacts', 'salesforce', 'hubspot', 'pipedrive'] : ['salesforce', 'hubspot', 'pipedrive'])) as BenchTarget[];
/** `--no-import`: skip the CRM → FieldFlow import after each groups scenario; `--import-max=<N>`: only up to this N. */
const IMPORT_MAX = flag('no-import') ? 0 : Number(opt('import-max') ?? Infinity);
/** `--import-only` (groups, HubSpot or Pipedrive): the CRM seeded with N groups, FieldFlow empty; only the CRM → FieldFlow import runs. */
const IMPORT_ONLY = flag('import-only');
const THROTTLED = flag('throttled');
const SIZES = opt('n')?.split(',').map((x) => Number(x.replace(/_/g, ''))) ?? (QUICK || THROTTLED ? [1000] : [1000, 10_000, 100_000]);
/** Every N runs the naive baseline at N = 1,000 (`--naive-n=<N>` another size, once per target). */
const NAIVE_N = Number(opt('naive-n') ?? 1000);
/** Pipedrive has no batch API: N single-record writes (4 in parallel), so N = 100,000 is ≥ 100,000 calls; `--pipedrive-max=10000` skips the larger sizes. */
const PIPEDRIVE_MAX = Number(opt('pipedrive-max') ?? Infinity);
/** `--heap=<MB>`: n8n's V8 heap limit (--max-old-space-size); default: Node's own. */
const HEAP_MB = Number(opt('heap') ?? 0) || 0;
/** `--page-size=<N>`: Sync All Prospects' page size (Start Run's Page Size; default the template's 2,000). */
const PAGE_SIZE = Number(opt('page-size') ?? 0) || undefined;
/** `--bulk-only`: only the bulk first sync of each scenario. */
const BULK_ONLY = flag('bulk-only') || THROTTLED;
/** `--bulk-two-way`: run the bulk first sync through the two-way template (one execution, not paged), for comparison. */
const BULK_TWO_WAY = flag('bulk-two-way');
const RATE_ENV: Record<string, string> = THROTTLED ? {} : { FIELDFLOW_SANDBOX_RATE_PER_SECOND: '0' };
const OUT = opt('out') ?? path.join(REPO_ROOT, 'bench-results', `bench-${GROUPS ? 'groups' : THROTTLED ? 'throttled' : QUICK ? 'quick' : 'full'}.json`);
/** The Linked Records each target's workflows run with: the guide's full set (groups), or none (the flat bench: the person alone, as its earlier results). */
const linkedFor = (t: BenchTarget): string[] => (GROUPS ? GROUP_TARGETS[t].linked : []);

/**
 * `--throttled`: the vendors' published limits, switched on in the sandboxes (each switch cites its
 * vendor page in the sandbox): HubSpot private apps 100 calls per rolling 10 s on the Free/Starter
 * tier and CRM search 5 requests/s (https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details);
 * Pipedrive 20 requests per 2 s per token on the smallest plan
 * (https://developers.pipedrive.com/changelog/post/new-rate-limits-window-now-in-effect; headers:
 * https://pipedrive.readme.io/docs/core-api-concepts-rate-limiting); Salesforce the org's daily
 * allocation (15,000 for a Developer Edition org; no per-second limit is published).
 */
const VENDOR_LIMITS: Record<BenchTarget, string> = {
	salesforce: 'daily allocation 15,000 calls (403 REQUEST_LIMIT_EXCEEDED past it)',
	'salesforce-contacts': 'daily allocation 15,000 calls (403 REQUEST_LIMIT_EXCEEDED past it)',
	hubspot: '100 calls / rolling 10 s + search 5/s, X-HubSpot-RateLimit-* headers',
	pipedrive: '20 requests / 2 s, x-ratelimit-* headers',
};

/**
 * Unthrottled (the default): no limit on either side, so times are bound by the 25 ms latency, not
 * by a rate. The Pipedrive sandbox always answers with its 2-second window in x-ratelimit-*
 * headers (as Pipedrive does; 80 by default), and the adapters pace from those headers
 * (RateGate.observe): it advertises a window no run reaches, or Pipedrive's writes would be held
 * at 40 requests/s whatever the client throttle says.
 */
function vendorLimitsOff(sb: Sandboxes): void {
	sb.pipedrive.rateLimitPerWindow = 1_000_000;
}

/** Every sandbox emptied, with the bench's latency and limits (the vendors' with --throttled, else none). */
function freshSandboxes(sb: Sandboxes): void {
	for (const x of [sb.fieldflow, sb.salesforce, sb.hubspot, sb.pipedrive]) {
		x.reset();
		x.latencyMs = LATENCY;
	}
	if (THROTTLED) vendorLimitsOn(sb);
	else vendorLimitsOff(sb);
}

function vendorLimitsOn(sb: Sandboxes): void {
	sb.hubspot.rateLimit = { max: 100, intervalMs: 10_000, searchPerSecond: 5 };
	sb.pipedrive.enforceRateLimit = true;
	sb.pipedrive.rateLimitPerWindow = 20;
	sb.salesforce.enforceDailyLimit = true;
}

/** Rate-limit refusals the CRM sandbox answered so far (its enforced limits, not injected faults). */
function refusals(sb: Sandboxes, t: BenchTarget): number {
	return sb[crmOf(t)].rateLimited;
}

const FLOOR_BATCH: Record<BenchTarget, number> = { salesforce: 200, 'salesforce-contacts': 200, hubspot: 100, pipedrive: 1 };
const LABEL: Record<BenchTarget, string> = { salesforce: 'Salesforce', 'salesforce-contacts': 'Salesforce (Contacts)', hubspot: 'HubSpot', pipedrive: 'Pipedrive' };

interface Calls {
	total: number;
	reads: number;
	writes: number;
	fieldflow: { reads: number; writes: number };
	crm: { reads: number; writes: number };
	byEndpoint: Record<string, Record<string, number>>;
	/** CRM calls per object (calls.ts: from the request's path, SOQL FROM or Collections body). */
	byObject: Record<string, Counts>;
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
	crm: BenchTarget;
	n: number;
	bulk?: RunMeasure & { floorWrites: number; recordsPerSecond: number; crmRecords: number };
	settle?: RunMeasure;
	noChange?: RunMeasure;
	onePercent?: RunMeasure & { changedEachSide: number; crmWritesExpected: number; fieldflowWritesExpected: number };
	skipped?: string;
	/** Groups: what the bulk left in the CRM, per member object, and the links on the records. */
	groups?: {
		companies: number;
		floor: Record<string, number>;
		expected: Record<string, number>;
		live: Record<string, number>;
		linked: Record<string, number>;
		edits?: EditCounts;
		/** FieldFlow prospects carrying a renamed company's name after the 1 % run (expected: edits.crm.prospectsOfRenamed). */
		renamedArrived?: number;
	};
	/** Groups: the CRM → FieldFlow import (FieldFlow emptied, store dropped, Sync All Prospects again). */
	import?: RunMeasure & { imported: ReturnType<typeof importedFields> };
}

function callsOf(sb: Sandboxes, t: BenchTarget): Calls {
	const crm = crmOf(t);
	const f = countOf(sb.fieldflow);
	const c = countOf(sb[crm]);
	return {
		total: f.reads + f.writes + c.reads + c.writes,
		reads: f.reads + c.reads,
		writes: f.writes + c.writes,
		fieldflow: f,
		crm: c,
		byEndpoint: { fieldflow: Object.fromEntries(sb.fieldflow.calls), [crm]: Object.fromEntries(sb[crm].calls) },
		byObject: byObject(sb[crm]),
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

/** Prospect i (1-based) of the flat bench: one company each, status new. */
const flatProspect = (i: number): Record<string, unknown> => ({ company_name: `Company ${i}`, contact_name: `Pat Person${i}`, email: `pat${i}@company${i}.example`, phone: `+1 555 ${String(i).padStart(7, '0')}`, status: 'new' });

function seedProspects(sb: Sandboxes, n: number, make: (i: number, n: number) => Record<string, unknown> = flatProspect): void {
	const prospects = Array.from({ length: n }, (_, k) => make(k + 1, n));
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

function liveCount(sb: Sandboxes, t: BenchTarget): number {
	const tables = (sb[crmOf(t)] as unknown as { tables: Record<string, Table> }).tables;
	let n = 0;
	for (const row of tables[CRM_OBJECT[t]].rows.values()) if (!row.deletedAt) n++;
	return n;
}

class Bench {
	n8n!: N8n;
	sb!: Sandboxes;
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-bench-'));
	storePath = (t: BenchTarget) => path.join(this.dir, `store-${t}.sqlite`);

	async setup(): Promise<void> {
		this.sb = await startSandboxes();
		for (const s of [this.sb.salesforce, this.sb.hubspot, this.sb.pipedrive]) instrument(s);
		// A snapshot of the built package: other work in this checkout may rebuild dist/ mid-run.
		const pkg = path.join(this.dir, 'package');
		fs.mkdirSync(pkg);
		fs.cpSync(path.join(REPO_ROOT, 'dist'), path.join(pkg, 'dist'), { recursive: true });
		fs.copyFileSync(path.join(REPO_ROOT, 'package.json'), path.join(pkg, 'package.json'));
		fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(pkg, 'node_modules'), 'dir');
		this.n8n = await new N8n({ packageDir: pkg }).prepare();
		await this.n8n.importCredentials(sandboxCredentials(this.sb));
		const wfs = CRMS.flatMap((t) => [syncWorkflow(t, this.storePath(t), linkedFor(t)), bulkWorkflow(t, this.storePath(t), linkedFor(t), PAGE_SIZE), runnerWorkflow(t), runnerWorkflow(t, 'bulk')]);
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
	async run(crm: BenchTarget, kind: RunKind = 'sync'): Promise<RunMeasure> {
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

	async scenario(crm: BenchTarget, n: number): Promise<Scenario> {
		const sb = this.sb;
		const s: Scenario = { crm, n };
		freshSandboxes(sb);
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

	/**
	 * The record-groups scenario (groups.ts): N prospects over about N/3 companies, each a person +
	 * company + deal; bulk first sync (Sync All Prospects), settle, no change, 1 % edits on each
	 * member on each side (two-way template); then the CRM → FieldFlow import: FieldFlow emptied,
	 * the store dropped, Sync All Prospects again, so every CRM group becomes a prospect.
	 */
	async groupScenario(t: BenchTarget, n: number, s: Scenario = { crm: t, n }, saved: () => void = () => undefined): Promise<Scenario> {
		const sb = this.sb;
		const g = GROUP_TARGETS[t];
		freshSandboxes(sb);
		fs.rmSync(this.storePath(t), { force: true });
		seedProspects(sb, n, groupProspect);
		const expected = expectedMembers(g, n);
		log(`${g.label} N=${n} (${companiesFor(n)} companies): bulk first sync (Sync All Prospects, paged)…`);
		const bulk = await this.run(t, 'bulk');
		const live = liveCounts(sb, g);
		s.bulk = { ...bulk, floorWrites: Object.values(floorWrites(g, n)).reduce((a, b) => a + b, 0), crmRecords: live[CRM_OBJECT[t]], recordsPerSecond: Math.round((n / bulk.wallMs) * 1000) };
		s.groups = { companies: companiesFor(n), floor: floorWrites(g, n), expected, live, linked: linkedCounts(sb, g) };
		const wrong = Object.keys(expected).filter((o) => live[o] !== expected[o]);
		if (!bulk.ok || wrong.length) {
			s.bulk.ok = false;
			s.bulk.error ??= `CRM holds ${wrong.map((o) => `${live[o]} ${o} (expected ${expected[o]})`).join(', ')}`;
			log(`  bulk failed: ${s.bulk.error.slice(-2000)}`);
			return s;
		}
		log(`  bulk: ${fmtCalls(bulk.calls)} in ${sec(bulk.wallMs)}, peak RSS ${bulk.maxRssMb} MB; by object ${fmtObjects(bulk.calls.byObject)}; live ${JSON.stringify(live)}; links ${JSON.stringify(s.groups.linked)}`);
		saved();
		if (!BULK_ONLY) {
			s.settle = await this.run(t);
			log(`  settle: ${fmtCalls(s.settle.calls)} in ${sec(s.settle.wallMs)}`);
			age(sb, 10 * 60_000);
			s.noChange = await this.run(t);
			log(`  no change: ${fmtCalls(s.noChange.calls)} in ${sec(s.noChange.wallMs)}; by object ${fmtObjects(s.noChange.calls.byObject)}`);
			saved();
			const edits = await editOnePercent(sb, g, n);
			s.groups.edits = edits;
			log(`  1% on each member on each side: ${JSON.stringify(edits)}…`);
			const one = await this.run(t);
			const k = Math.max(1, Math.floor(n / 100));
			s.onePercent = { ...one, changedEachSide: k, crmWritesExpected: 0, fieldflowWritesExpected: 0 };
			s.groups.renamedArrived = fieldflowRenamed(sb);
			log(`  1%: ${fmtCalls(one.calls)} in ${sec(one.wallMs)}; by object ${fmtObjects(one.calls.byObject)}; renamed companies' prospects in FieldFlow ${s.groups.renamedArrived} (of ${edits.crm.prospectsOfRenamed}; ${edits.crm.prospectsOfRenamedAlsoChangedInFieldflow ?? '?'} of them also given a new Company Name in FieldFlow)`);
			saved();
		}
		if (n <= IMPORT_MAX) {
			const before = fieldflowState(sb);
			sb.fieldflow.reset();
			sb.fieldflow.latencyMs = LATENCY;
			fs.rmSync(this.storePath(t), { force: true });
			log(`  CRM → FieldFlow import of the CRM's ${live[CRM_OBJECT[t]]} groups (FieldFlow emptied, store dropped, Sync All Prospects)…`);
			const imp = await this.run(t, 'bulk');
			s.import = { ...imp, imported: importedFields(sb, before) };
			log(`  import: ${fmtCalls(imp.calls)} in ${sec(imp.wallMs)}, peak RSS ${imp.maxRssMb} MB; ${JSON.stringify(s.import.imported)}`);
			if (imp.ok && s.import.imported.prospects !== live[CRM_OBJECT[t]]) {
				s.import.ok = false;
				s.import.error = `FieldFlow holds ${s.import.imported.prospects} prospects, expected ${live[CRM_OBJECT[t]]}`;
			}
		}
		return s;
	}

	/** `--import-only`: N groups seeded straight into the CRM sandbox, FieldFlow empty, one Sync All Prospects run. */
	async importOnly(t: BenchTarget, n: number, s: Scenario, saved: () => void): Promise<void> {
		const sb = this.sb;
		freshSandboxes(sb);
		fs.rmSync(this.storePath(t), { force: true });
		const expected = seedCrmGroups(sb, t, n);
		// As if written before this run: the CRM records' times an hour back.
		age(sb, 60 * 60_000);
		log(`${GROUP_TARGETS[t].label}: CRM → FieldFlow import of ${n} groups seeded in the CRM (${companiesFor(n)} companies), FieldFlow empty…`);
		const imp = await this.run(t, 'bulk');
		s.import = { ...imp, imported: importedFields(sb, expected) };
		if (imp.ok && s.import.imported.prospects !== n) {
			s.import.ok = false;
			s.import.error = `FieldFlow holds ${s.import.imported.prospects} prospects, expected ${n}`;
		}
		log(`  import: ${fmtCalls(imp.calls)} in ${sec(imp.wallMs)}, peak RSS ${imp.maxRssMb} MB (main process ${imp.maxRssMainMb} MB); by object ${fmtObjects(imp.calls.byObject)}; ${JSON.stringify(s.import.imported)}${imp.ok ? '' : `; failed: ${(imp.error ?? '').slice(-1500)}`}`);
		saved();
	}

	/** Edit k CRM records (phone) through the CRM's own API, then clear the counters. */
	private async editCrm(target: BenchTarget, k: number): Promise<void> {
		const crm = crmOf(target);
		const creds = sandboxCredentials(this.sb);
		const type = { salesforce: 'fieldFlowSalesforceApi', hubspot: 'fieldFlowHubSpotApi', pipedrive: 'fieldFlowPipedriveApi' }[crm];
		const adapter = createAdapter(crm, creds.find((c) => c.type === type)!.data, { salesforce: { ratePerSecond: 1e6 }, hubspot: { ratePerSecond: 1e6, searchRatePerSecond: 1e6 }, pipedrive: { ratePerSecond: 1e6 } });
		const tables = (this.sb[crm] as unknown as { tables: Record<string, Table> }).tables;
		const rows = tables[CRM_OBJECT[target]].live();
		const phoneField = { salesforce: 'Phone', hubspot: 'phone', pipedrive: 'phone' }[crm];
		const inputs = [];
		for (let j = 0; j < k; j++) {
			const row = rows[Math.min(rows.length - 1, j * 100 + 50)];
			inputs.push({ ref: row.id, id: row.id, fields: { [phoneField]: crm === 'pipedrive' ? [{ value: `+1 888 ${String(j).padStart(7, '0')}`, primary: true, label: 'work' }] : `+1 888 ${String(j).padStart(7, '0')}` } });
		}
		const latency = this.sb[crm].latencyMs;
		this.sb[crm].latencyMs = 0;
		const res = await adapter.upsert(CRM_OBJECT[target], inputs);
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

function fmtObjects(o: Record<string, Counts>): string {
	return Object.entries(o)
		.map(([k, v]) => `${k} ${v.reads}r/${v.writes}w`)
		.join(', ');
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
	crm: BenchTarget;
	n: number;
	ok: boolean;
	calls: Calls;
	wallMs: number;
	/** Groups: the member records the naive run left, per object. */
	live?: Record<string, number>;
	error?: string;
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
	if (meta.groups) return groupsTable(results, meta);
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

/** Calls of `o`'s records in a by-object count (a Salesforce Collections call carrying several types counts for each). */
function ofObject(by: Record<string, Counts>, o: string): Counts {
	const out = { reads: 0, writes: 0 };
	for (const [k, v] of Object.entries(by)) {
		if (!k.split('+').includes(o)) continue;
		out.reads += v.reads;
		out.writes += v.writes;
	}
	return out;
}

/** The groups bench's tables (`--groups`). */
function groupsTable(results: { scenarios: Scenario[]; naive: NaiveRow[] }, meta: Record<string, any>): string {
	const fmt = (x: number | undefined) => (x === undefined ? '–' : x.toLocaleString('en-US'));
	const lines: string[] = [];
	lines.push(`Machine: ${meta.machine.cpu}, ${meta.machine.cores} cores, ${meta.machine.memoryGiB} GiB RAM, ${meta.machine.os}; n8n ${meta.machine.n8n} on its own Node 24 (\`n8n execute\`${meta.heapMb ? `, V8 heap limit ${meta.heapMb} MB` : ", Node's default heap limit"}); sandboxes with ${meta.latencyMs} ms per call; client throttles off (FIELDFLOW_SANDBOX_RATE_PER_SECOND=0); ${meta.date}.`);
	lines.push('');
	const loads = results.scenarios.flatMap((s) => [s.bulk, s.settle, s.noChange, s.onePercent, s.import].flatMap((r) => r?.load ?? []));
	if (loads.length) lines.push(`1-minute load average during the runs: ${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)} (2 cores shared with other work: times are upper bounds; calls do not depend on load).`, '');
	lines.push('**Bulk first sync of record groups** (N new FieldFlow prospects over about N/3 companies, each with a status and an estimated value; empty CRM; the Sync All Prospects template, pages of 2,000): CRM write calls per member object, measured / floor (Salesforce ⌈records/200⌉, HubSpot ⌈records/100⌉, Pipedrive one call per record):');
	lines.push('');
	lines.push('| CRM | N | companies | writes per member object (measured / floor) | association calls | other CRM writes | reads (FieldFlow + CRM) | total calls | time | prospects/s | peak n8n RSS (process tree) | records in the CRM, linked |');
	lines.push('| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
	for (const s of results.scenarios) {
		const g = GROUP_TARGETS[s.crm];
		const b = s.bulk;
		if (!b || !s.groups) {
			lines.push(`| ${g.label} | ${fmt(s.n)} | | ${s.skipped ?? 'not run'} | | | | | | | | |`);
			continue;
		}
		if (!b.ok) {
			lines.push(`| ${g.label} | ${fmt(s.n)} | ${fmt(s.groups.companies)} | failed: ${(b.error ?? '').split('\n').find((l) => l.trim()) ?? ''} | | | | | | | | |`);
			continue;
		}
		const by = b.calls.byObject;
		const members = g.members.map((m) => `${m.object} ${fmt(ofObject(by, m.object).writes)} / ${fmt(s.groups!.floor[m.object])}`).join(' · ');
		const assoc = ofObject(by, 'associations').writes;
		const named = new Set([...g.members.map((m) => m.object), 'associations']);
		const other = Object.entries(by)
			.filter(([k]) => !k.split('+').some((o) => named.has(o)))
			.reduce((a, [, v]) => a + v.writes, 0);
		const live = g.members.map((m) => `${fmt(s.groups!.live[m.object])} ${m.object}`).join(', ');
		const linked = Object.entries(s.groups.linked).map(([k, v]) => `${k} ${fmt(v)}`).join(', ');
		lines.push(
			`| ${g.label} | ${fmt(s.n)} | ${fmt(s.groups.companies)} | ${members} | ${g.associationFloor !== undefined || assoc ? fmt(assoc) : '–'} | ${fmt(other)} | ${fmt(b.calls.fieldflow.reads)} + ${fmt(b.calls.crm.reads)} | ${fmt(b.calls.total)} | ${sec(b.wallMs)} | ${fmt(b.recordsPerSecond)} | ${fmt(b.maxRssMb)} MB | ${live}${linked ? `; ${linked}` : ''} |`,
		);
	}
	const inc = results.scenarios.filter((s) => s.noChange || s.onePercent);
	if (inc.length) {
		lines.push('');
		lines.push('**Incremental runs** (the two-way template): *no change* after the clocks are aged 10 minutes; *1 % on each member on each side*: in FieldFlow 1 % of the prospects get a new phone (person), 1 % a new estimated value (deal), 1 % a new Company Name (the company-change rule: the shared company is not renamed, the prospect moves to a new one); in the CRM, through its API, 1 % of the people get a new phone, 1 % of the deals a new amount, 1 % of the companies a new name (each reaches its ~3 prospects). Salesforce Leads: Lead phone and Lead.Company. Calls per CRM object:');
		lines.push('');
		lines.push('| CRM | N | settle run: calls | no-change run: calls | no-change: CRM calls per object | 1 % run: calls (writes) | 1 % run: CRM writes per object | 1 % run: FieldFlow writes | 1 % run: time | renamed companies reached FieldFlow (prospects) |');
		lines.push('| --- | ---: | ---: | ---: | --- | ---: | --- | ---: | ---: | ---: |');
		for (const s of inc) {
			const g = GROUP_TARGETS[s.crm];
			const objs = (by: Record<string, Counts> | undefined, pick: (c: Counts) => number) =>
				Object.entries(by ?? {})
					.filter(([, v]) => pick(v) > 0)
					.map(([k, v]) => `${k} ${fmt(pick(v))}`)
					.join(', ') || '0';
			const one = s.onePercent;
			lines.push(
				`| ${g.label} | ${fmt(s.n)} | ${fmt(s.settle?.calls.total)} | ${fmt(s.noChange?.calls.total)} | ${objs(s.noChange?.calls.byObject, (c) => c.reads + c.writes)} | ${one ? `${fmt(one.calls.total)} (${fmt(one.calls.writes)})${one.ok ? '' : ' failed'}` : '–'} | ${objs(one?.calls.byObject, (c) => c.writes)} | ${fmt(one?.calls.fieldflow.writes)} | ${one ? sec(one.wallMs) : '–'} | ${s.groups?.edits ? `${fmt(s.groups.renamedArrived)} of ${fmt(s.groups.edits.crm.prospectsOfRenamed)}${s.groups.edits.crm.prospectsOfRenamedAlsoChangedInFieldflow ? ` (${fmt(s.groups.edits.crm.prospectsOfRenamedAlsoChangedInFieldflow)} also changed in FieldFlow)` : ''}` : '–'} |`,
			);
		}
	}
	if (results.naive.length) {
		lines.push('');
		lines.push('**Naive per-item baseline for groups** (per prospect, one record per call: company search + create when missing, person search + create linked to it, deal create linked to both — Salesforce: + its OpportunityContactRole; no deal search, so the baseline is on the cautious side) vs the bulk first sync above:');
		lines.push('');
		lines.push('| CRM | N | naive calls | naive CRM writes | ours calls | calls ratio | naive time | ours time (incl. ~n8n start) | time ratio |');
		lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
		for (const r of results.naive) {
			lines.push(`| ${GROUP_TARGETS[r.crm].label} | ${fmt(r.n)} | ${fmt(r.calls.total)}${r.ok ? '' : ` (failed: ${r.error ?? 'wrong member counts'})`} | ${fmt(r.calls.crm.writes)} | ${fmt(r.oursCalls)} | ${r.callRatio?.toFixed(1) ?? '–'}× fewer | ${sec(r.wallMs)} | ${r.oursWallMs ? sec(r.oursWallMs) : '–'} | ${r.timeRatio?.toFixed(1) ?? '–'}× faster |`);
		}
	}
	const imps = results.scenarios.filter((s) => s.import);
	if (imps.length) {
		lines.push('');
		lines.push('**CRM → FieldFlow import** (the CRM holds the N groups the bulk wrote; FieldFlow emptied and the sync store dropped; Sync All Prospects again, so every group becomes a new prospect with its company, status and value; compared with what FieldFlow held before it was emptied):');
		lines.push('');
		lines.push('| CRM | N | FieldFlow writes | CRM reads per object | total calls | time | peak n8n RSS (process tree) | prospects created (company / status / value as FieldFlow had them) |');
		lines.push('| --- | ---: | ---: | --- | ---: | ---: | ---: | --- |');
		for (const s of imps) {
			const i = s.import!;
			const reads = Object.entries(i.calls.byObject)
				.filter(([, v]) => v.reads > 0)
				.map(([k, v]) => `${k} ${fmt(v.reads)}`)
				.join(', ');
			const state = i.ok ? '' : ` (failed: ${(i.error ?? '').split('\n').find((l) => l.trim()) ?? ''})`;
			lines.push(`| ${GROUP_TARGETS[s.crm].label} | ${fmt(s.n)} | ${fmt(i.calls.fieldflow.writes)} | ${reads} | ${fmt(i.calls.total)} | ${sec(i.wallMs)} | ${fmt(i.maxRssMb)} MB | ${fmt(i.imported.prospects)} (${fmt(i.imported.company)} / ${fmt(i.imported.status)} / ${fmt(i.imported.value)})${state} |`);
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
	const kind = out.meta?.groups ? 'groups' : out.meta?.throttled ? 'throttled' : 'latest';
	fs.writeFileSync(path.join(docs, `${kind}.json`), JSON.stringify(out, null, 2));
	fs.writeFileSync(path.join(docs, { groups: 'groups-table.md', throttled: 'throttled-table.md', latest: 'README-table.md' }[kind]), `${out.table}\n`);
}

async function main(): Promise<void> {
	const render = opt('render');
	if (render) return renderDocs(render, opt('why') ?? 'stopped before this size', opt('note'));
	const started = Date.now();
	const meta = { date: new Date().toISOString(), quick: QUICK, groups: GROUPS, latencyMs: LATENCY, throttled: THROTTLED, heapMb: HEAP_MB || null, pageSize: PAGE_SIZE ?? 2000, sizes: SIZES, crms: CRMS, machine: machine() };
	log(`machine: ${JSON.stringify(meta.machine)}`);
	const results = { scenarios: [] as Scenario[], naive: [] as NaiveRow[], engine: [] as EngineResult[] };
	const save = () => {
		const out = { meta: { ...meta, totalSeconds: Math.round((Date.now() - started) / 1000) }, ...results, table: table(results, meta) };
		fs.mkdirSync(path.dirname(OUT), { recursive: true });
		fs.writeFileSync(OUT, JSON.stringify(out, null, 2));
		return out;
	};

	if (!flag('no-engine') && !THROTTLED && !GROUPS) {
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
				if (n === NAIVE_N && !flag('no-naive') && !THROTTLED && !IMPORT_ONLY) {
					const sb = bench.sb;
					freshSandboxes(sb);
					seedProspects(sb, n, GROUPS ? groupProspect : flatProspect);
					resetCounters(sb);
					log(`${LABEL[crm]} naive baseline N=${n}…`);
					if (GROUPS) {
						const g = GROUP_TARGETS[crm];
						const r = await naiveGroupSync(sb, crm, g.linked, { ...process.env, ...RATE_ENV });
						const calls = callsOf(sb, crm);
						const live = liveCounts(sb, g);
						const expected = expectedMembers(g, n);
						log(`  naive: ${fmtCalls(calls)} in ${sec(r.wallMs)} (${r.created} written, ${r.failed} failed${r.firstError ? `: ${r.firstError}` : ''}); by object ${fmtObjects(calls.byObject)}; live ${JSON.stringify(live)}`);
						results.naive.push({ crm, n, ok: r.failed === 0 && Object.keys(expected).every((o) => live[o] === expected[o]), calls, wallMs: r.wallMs, live, error: r.firstError });
					} else {
						const r = await naiveSync(sb, crm as BenchCrm, { ...process.env, ...RATE_ENV });
						const calls = callsOf(sb, crm);
						log(`  naive: ${fmtCalls(calls)} in ${sec(r.wallMs)} (${r.created} written, ${r.failed} failed)`);
						results.naive.push({ crm, n, ok: r.failed === 0 && liveCount(sb, crm) === n, calls, wallMs: r.wallMs });
					}
				}
				if (crm === 'pipedrive' && n > PIPEDRIVE_MAX) {
					results.scenarios.push({ crm, n, skipped: `not run (--pipedrive-max=${fmtN(PIPEDRIVE_MAX)}): Pipedrive has no batch API, ≥ ${fmtN(n)} single-record writes` });
					continue;
				}
				let s: Scenario;
				if (GROUPS) {
					// Saved after each phase: a run stopped at a large N keeps the phases it finished.
					s = { crm, n };
					results.scenarios.push(s);
					if (IMPORT_ONLY) await bench.importOnly(crm, n, s, save);
					else await bench.groupScenario(crm, n, s, save);
				} else {
					s = await bench.scenario(crm, n);
					results.scenarios.push(s);
				}
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
