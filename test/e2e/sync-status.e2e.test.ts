/**
 * FieldFlow Sync Status (+ FieldFlow Prospect "Create or Update" for sync items) in a real n8n
 * (2.x, Node 24) against the FieldFlow sandbox, with the sync store in a SQLite file of a temp dir.
 *
 * One sync run: Start Run → Code (sync items, as the Conflict Resolver's To FieldFlow output
 * makes them) → FieldFlow Create or Update (Continue on Fail) → Code (adds Conflict / Unchanged
 * items and a failed CRM write) → Record Results → Finish Run. Then the store is read back through
 * the node's own operations: Get Dashboard, Get Logs (filters), Get Errors, Retry Errors (→ write
 * → Record Results), Get Conflicts → Resolve Conflict (→ write → Record Results), Disconnect (Start
 * Run outputs nothing), Reconnect.
 *
 * All workflows are imported in one CLI call (each n8n CLI call costs seconds).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { N8n, type RunResult } from './harness';
import { CREDENTIAL_IDS, CREDENTIAL_NAMES, startSandboxes, sandboxCredentials, type Sandboxes } from '../sandboxes';
import { withSqlitePath } from '../../scripts/templates/lib';
import { SYNC_TEMPLATES, buildSyncTemplate } from '../../scripts/templates/sync';

type Item = { json: Record<string, any>; pairedItem?: unknown };
type Node = Record<string, unknown>;

const FF_CRED = { fieldFlowApi: { id: CREDENTIAL_IDS.fieldFlowApi, name: CREDENTIAL_NAMES.fieldFlowApi } };
const TRIGGER = 'Manual';

let sqlitePath = '';
let acceptancePath = '';
let counter = 0;

function trigger(): Node {
	return { parameters: {}, id: `t${counter++}`, name: TRIGGER, type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0] };
}

function status(name: string, operation: string, extra: Record<string, unknown> = {}, node: Record<string, unknown> = {}): Node {
	return {
		parameters: { crm: 'salesforce', operation, sqlitePath, ...extra },
		id: `s${counter++}`,
		name,
		type: 'n8n-nodes-fieldflow.fieldFlowSyncStatus',
		typeVersion: 1,
		position: [200 * counter, 0],
		...node,
	};
}

function upsert(name = 'FieldFlow Upsert'): Node {
	return {
		parameters: { resource: 'prospect', operation: 'upsert' },
		id: `u${counter++}`,
		name,
		type: 'n8n-nodes-fieldflow.fieldFlow',
		typeVersion: 1,
		position: [200 * counter, 0],
		credentials: FF_CRED,
		onError: 'continueRegularOutput',
	};
}

function code(name: string, jsCode: string): Node {
	return { parameters: { jsCode }, id: `c${counter++}`, name, type: 'n8n-nodes-base.code', typeVersion: 2, position: [200 * counter, 0] };
}

/** A workflow: nodes in a chain (each feeds the next), plus extra branches off the trigger. */
function workflow(id: string, chain: Node[], branches: Node[] = []): Record<string, unknown> {
	const nodes = [trigger(), ...chain, ...branches];
	const connections: Record<string, unknown> = {};
	const all = [nodes[0], ...chain];
	for (let k = 0; k < all.length - 1; k++) connections[all[k].name as string] = { main: [[{ node: all[k + 1].name, type: 'main', index: 0 }]] };
	if (branches.length) {
		const first = (connections[TRIGGER] as { main: unknown[][] } | undefined)?.main?.[0] ?? [];
		connections[TRIGGER] = { main: [[...first, ...branches.map((b) => ({ node: b.name, type: 'main', index: 0 }))]] };
	}
	return { id, name: id, nodes, connections, settings: { executionOrder: 'v1' }, pinData: {}, active: false };
}

/** Sync items of one run, as the Conflict Resolver's To FieldFlow output makes them. */
const WRITES_JS = `
const w = (n, over = {}) => ({
  company_name: 'Company ' + n,
  contact_name: 'Pat Person' + n,
  email: 'pat' + n + '@company' + n + '.example',
  phone: '+1 555 010' + n,
  status: 'qualified',
  ...over.payload,
  _sync: {
    kind: 'write', target: 'fieldflow', action: 'createInFieldflow', crm: 'salesforce', object: 'Lead',
    fieldflowId: null, crmId: 'CRMLEAD' + n, baseline: { contact_name: 'Pat Person' + n, email: 'pat' + n + '@company' + n + '.example' },
    crmModifiedAt: '2026-01-01T00:00:0' + n + '.000Z', fields: { contact_name: 'Pat Person' + n }, reason: 'new in the CRM',
    ...over.sync,
  },
});
return [
  w(1), w(2), w(3), w(4),
  w(5, { payload: { email: 'not-an-email' } }),
  w(6, { sync: { action: 'updateFieldflow', fieldflowId: 'pr_999999' } }),
].map((json) => ({ json }));
`;

/** After the writes: the resolver's Conflict / Unchanged items and a CRM write that failed with an expired token. */
const OTHERS_JS = `
const written = $input.all();
const id = (n) => written[n - 1].json.id;
const extra = [
  { id: id(1), phone: '+1 555 0101', _sync: { kind: 'conflict', crm: 'salesforce', object: 'Lead', fieldflowId: id(1), crmId: 'CRMLEAD1',
    conflicts: [{ field: 'phone', fieldflow: '+1 555 0101', crm: '+1 555 0199', baseline: '+1 555 0100' }], baseline: { phone: '+1 555 0100' }, reason: 'both sides changed phone' } },
  { id: id(2), _sync: { kind: 'unchanged', crm: 'salesforce', object: 'Lead', fieldflowId: id(2), crmId: 'CRMLEAD2', action: 'unlink', reason: 'deleted in the CRM' } },
  { id: 'pr_x', _sync: { kind: 'unchanged', crm: 'salesforce', object: 'Lead', fieldflowId: 'pr_x', crmId: 'CRMX', action: 'unchanged', reason: 'echo of the last sync' } },
  { LastName: 'Person3', id: null, success: false, created: false, error: 'Salesforce: INVALID_SESSION_ID Session expired or invalid', errorKind: 'auth_expired',
    _sync: { kind: 'write', target: 'crm', action: 'updateCrm', crm: 'salesforce', object: 'Lead', fieldflowId: id(3), crmId: 'CRMLEAD3', baseline: {}, fields: { contact_name: 'Pat Person3' }, reason: 'changed in FieldFlow' } },
];
return [...written, ...extra.map((json) => ({ json }))];
`;

const WF = {
	run: 'wfSyncStatusRun1',
	read: 'wfSyncStatusRead',
	retry: 'wfSyncStatusRetry',
	retryAuth: 'wfSyncStatusRetAu',
	resolve: 'wfSyncStatusResol',
	disconnect: 'wfSyncStatusDisc1',
	reconnect: 'wfSyncStatusReco1',
	start: 'wfSyncStatusStart',
	acceptance: 'wfSyncAcceptance',
};

/**
 * The acceptance workflow is the generated Sync Now template for Salesforce (scripts/templates/sync.ts,
 * the one users import), with its store in the test's temp dir:
 *
 *   Run now → Start Run ─┬→ FieldFlow: changed prospects ─→ Map FieldFlow → Salesforce ─→ Conflict Resolver (FieldFlow)
 *                        └→ Salesforce: changed Leads ─────→ Map Salesforce → FieldFlow ─→ Conflict Resolver (CRM)
 *   Conflict Resolver: To CRM → Salesforce: write, To FieldFlow → FieldFlow: write, Conflict, Unchanged
 *   → Collect results (Merge) → Record Results → Finish Run
 */
function acceptanceWorkflow(): Record<string, unknown> {
	const template = SYNC_TEMPLATES.find((t) => t.key === 'sync-now')!;
	return { ...withSqlitePath(buildSyncTemplate(template, 'salesforce'), acceptancePath), id: WF.acceptance, name: 'Two-way sync acceptance (Sync Now template)' };
}

function workflows(): Array<Record<string, unknown>> {
	const finish = status('Finish Run', 'finishRun', { object: 'Lead' });
	return [
		workflow(WF.run, [
			status('Start Run', 'startRun', { object: 'Lead' }),
			code('Sync Items', WRITES_JS),
			upsert(),
			code('Resolver Others', OTHERS_JS),
			status('Record Results', 'recordResults', { updateBadges: true, recordOptions: { includeResults: true } }, { credentials: FF_CRED }),
			finish,
		]),
		workflow(WF.read, [status('Dashboard', 'getDashboard')], [
			status('Error Logs', 'getLogs', { logFilters: { status: ['error'], recordType: 'Lead' }, limit: 50 }),
			status('Conflict Logs', 'getLogs', { logFilters: { status: ['conflict'] } }),
			status('Future Logs', 'getLogs', { logFilters: { from: '2999-01-01T00:00:00Z' } }),
			status('Paged Logs', 'getLogs', { limit: 2, offset: 1 }),
			status('Errors', 'getErrors', { errorOptions: { includePayload: true } }),
			status('Conflicts', 'getConflicts'),
		]),
		workflow(WF.retry, [
			status('Retry Errors', 'retryErrors', { notFound: 'recreate' }),
			upsert(),
			status('Record Results', 'recordResults', { recordOptions: { includeResults: true } }),
		]),
		workflow(WF.retryAuth, [status('Retry Errors', 'retryErrors', { retryOptions: { includeAuth: true } })]),
		workflow(WF.resolve, [
			status('Get Conflicts', 'getConflicts'),
			status('Resolve Conflict', 'resolveConflict', { conflictId: '={{ $json.id }}', side: 'crm' }),
			upsert(),
			status('Record Results', 'recordResults'),
		]),
		workflow(WF.disconnect, [status('Disconnect', 'disconnect'), status('Dashboard', 'getDashboard')]),
		workflow(WF.reconnect, [status('Reconnect', 'reconnect')]),
		workflow(WF.start, [status('Start Run', 'startRun', { object: 'Lead' })]),
		acceptanceWorkflow(),
	];
}

describe('FieldFlow Sync Status in real n8n', () => {
	let sb: Sandboxes;
	let n8n: N8n;
	let dir: string;
	const timings: Record<string, number> = {};

	beforeAll(async () => {
		const t0 = Date.now();
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-sync-status-'));
		sqlitePath = path.join(dir, 'sync.sqlite');
		acceptancePath = path.join(dir, 'acceptance.sqlite');
		sb = await startSandboxes();
		n8n = await new N8n().prepare();
		await n8n.importCredentials(sandboxCredentials(sb));
		const file = path.join(dir, 'workflows.json');
		fs.writeFileSync(file, JSON.stringify(workflows()));
		await n8n.cli(['import:workflow', `--input=${file}`]);
		timings.setup = Date.now() - t0;
	}, 300_000);

	afterAll(async () => {
		// eslint-disable-next-line no-console
		console.log(`Sync Status e2e run times (ms): ${JSON.stringify(timings)}`);
		await n8n?.stop();
		await sb?.stop();
		if (dir) fs.rmSync(dir, { recursive: true, force: true });
	});

	async function run(id: string, label: string): Promise<RunResult> {
		const t0 = Date.now();
		const result = await n8n.execute(id);
		timings[label] = Date.now() - t0;
		expect(result.error).toBeUndefined();
		return result;
	}

	const out = (r: RunResult, node: string, output = 0): Item[] => (r.nodes[node]?.[output] ?? []) as Item[];

	/** The first output item of every run of a node (n8n runs a node once per branch that feeds it). */
	const allRuns = (r: RunResult, node: string): Array<Record<string, any>> =>
		((r.raw?.data?.resultData?.runData?.[node] ?? []) as any[]).map((run) => run?.data?.main?.[0]?.[0]?.json ?? {});

	let startedAt = '';
	let ids: string[] = [];

	it('a sync run: writes through FieldFlow Upsert, records links / errors / conflicts / unlinks, advances the cursors', async () => {
		const r = await run(WF.run, 'run');
		const start = out(r, 'Start Run');
		expect(start).toHaveLength(1);
		expect(start[0].json).toMatchObject({ crm: 'salesforce', object: 'Lead', fieldflowSince: '1970-01-01T00:00:00.000Z', crmSince: '1970-01-01T00:00:00.000Z', firstRun: true });
		startedAt = start[0].json.startedAt;

		// FieldFlow Upsert: one output per input, _sync kept, outcome merged, failures as items.
		const written = out(r, 'FieldFlow Upsert');
		expect(written).toHaveLength(6);
		for (const it of written.slice(0, 4)) {
			expect(it.json).toMatchObject({ success: true, created: true });
			expect(it.json.id).toMatch(/^pr_/);
			expect(it.json._sync).toMatchObject({ kind: 'write', target: 'fieldflow' });
		}
		ids = written.slice(0, 4).map((it) => it.json.id);
		expect(written[4].json).toMatchObject({ success: false, created: false, errorKind: 'validation', id: null });
		expect(written[5].json).toMatchObject({ success: false, errorKind: 'not_found', id: 'pr_999999' });
		expect(sb.fieldflow.calls.get('prospects.batch')).toBe(1);
		expect(sb.fieldflow.prospects.live()).toHaveLength(4);
		// _sync never reaches the API: the sandbox rejects unknown fields, and the 4 creates succeeded.

		const summary = out(r, 'Record Results');
		expect(summary).toHaveLength(1);
		expect(summary[0].json).toMatchObject({ items: 10, synced: 4, errors: 3, conflicts: 1, unchanged: 2, byKind: { validation: 1, not_found: 1, auth_expired: 1 } });

		// Badges in FieldFlow: conflict, (unlinked: synced before), error (the CRM write), synced.
		const badge = (id: string) => sb.fieldflow.crmSync.get(id)?.get('salesforce')?.status;
		expect(badge(ids[0])).toBe('conflict');
		expect(badge(ids[2])).toBe('error');
		expect(badge(ids[3])).toBe('synced');

		const finish = out(r, 'Finish Run')[0].json;
		expect(finish).toMatchObject({ cursor: startedAt, fieldflowCursorAdvanced: true, crmCursorAdvanced: true, synced: 4, errors: 3 });
	}, 300_000);

	it('Get Dashboard / Get Logs (filters, paging) / Get Errors / Get Conflicts read the store back', async () => {
		const r = await run(WF.read, 'read');
		const d = out(r, 'Dashboard')[0].json;
		// Link 1 in conflict, 2 unlinked, 3 in error (its CRM write failed), 4 synced.
		expect(d).toMatchObject({ crm: 'salesforce', connected: true, syncedByType: { Lead: 1 }, pending: 0, errors: 3, conflicts: 1 });
		expect(d.statusCounts).toEqual({ '✅ Synced': 1, '🔄 Pending': 0, '⚠️ Conflict': 1, '❌ Error': 3 });
		expect(Date.parse(d.lastSyncAt)).toBeGreaterThanOrEqual(Date.parse(startedAt));

		const errorLogs = out(r, 'Error Logs');
		expect(errorLogs.map((e) => e.json.errorKind).sort()).toEqual(['auth_expired', 'not_found', 'validation']);
		expect(errorLogs.every((e) => e.json.status === 'error' && e.json.recordType === 'Lead')).toBe(true);
		expect(out(r, 'Conflict Logs').map((e) => e.json.fieldflowId)).toEqual([ids[0]]);
		expect(out(r, 'Future Logs')).toHaveLength(0);
		const paged = out(r, 'Paged Logs');
		expect(paged).toHaveLength(2);
		// 4 success + 3 error + 1 conflict + 1 unlink (skipped) + the run entry = 10; newest first.
		expect(paged[0].json.total).toBe(10);
		expect(Date.parse(paged[0].json.time)).toBeGreaterThanOrEqual(Date.parse(paged[1].json.time));

		const errors = out(r, 'Errors');
		expect(errors).toHaveLength(3);
		const byKind = Object.fromEntries(errors.map((e) => [e.json.kind, e.json]));
		expect(byKind.validation).toMatchObject({ crmId: 'CRMLEAD5', attempts: 1, direction: 'toFieldflow', state: 'open' });
		expect(byKind.validation.hint).toMatch(/fix/i);
		expect(byKind.validation.payload).toMatchObject({ email: 'not-an-email', _sync: { kind: 'write', crmId: 'CRMLEAD5' } });
		expect(byKind.validation.payload).not.toHaveProperty('success');
		expect(byKind.not_found).toMatchObject({ fieldflowId: 'pr_999999', crmId: 'CRMLEAD6' });
		expect(byKind.auth_expired).toMatchObject({ fieldflowId: ids[2], direction: 'toCrm' });
		expect(byKind.auth_expired.hint).toMatch(/reconnect/i);

		const conflicts = out(r, 'Conflicts');
		expect(conflicts).toHaveLength(1);
		expect(conflicts[0].json).toMatchObject({ fieldflowId: ids[0], crmId: 'CRMLEAD1', fieldNames: ['phone'] });
	}, 300_000);

	it('Retry Errors re-emits queued writes: not found → recreated, validation fails again (attempt 2), auth errors held back', async () => {
		sb.fieldflow.resetCounters();
		const r = await run(WF.retry, 'retry');
		const retried = out(r, 'Retry Errors');
		expect(retried).toHaveLength(2);
		const recreated = retried.find((it) => it.json._sync.crmId === 'CRMLEAD6')!;
		expect(recreated.json._sync).toMatchObject({ action: 'createInFieldflow', fieldflowId: null, attempts: 1 });
		expect(recreated.json._sync.errorId).toEqual(expect.any(Number));
		expect(recreated.json).not.toHaveProperty('id');
		expect(sb.fieldflow.calls.get('prospects.batch')).toBe(1);
		expect(out(r, 'Record Results')[0].json).toMatchObject({ synced: 1, errors: 1, retriesSucceeded: 1, byKind: { validation: 1 } });

		const read = await run(WF.read, 'read after retry');
		const errors = out(read, 'Errors');
		expect(errors.map((e) => [e.json.kind, e.json.attempts]).sort()).toEqual([
			['auth_expired', 1],
			['validation', 2],
		]);
		expect(out(read, 'Dashboard')[0].json).toMatchObject({ syncedByType: { Lead: 2 }, errors: 2 });
	}, 300_000);

	it('Resolve Conflict keeps the CRM side: emits a To FieldFlow write that updates the prospect and re-syncs the link', async () => {
		const r = await run(WF.resolve, 'resolve');
		const item = out(r, 'Resolve Conflict')[0].json;
		expect(item).toMatchObject({ phone: '+1 555 0199', _sync: { kind: 'write', target: 'fieldflow', action: 'updateFieldflow', fieldflowId: ids[0], crmId: 'CRMLEAD1' } });
		expect(item._sync.baseline).toMatchObject({ phone: '+1 555 0199' });
		expect(out(r, 'FieldFlow Upsert')[0].json).toMatchObject({ success: true, created: false, id: ids[0] });
		expect(sb.fieldflow.prospects.get(ids[0])!.data.phone).toBe('+1 555 0199');
		expect(out(r, 'Record Results')[0].json).toMatchObject({ synced: 1 });

		const retryAuth = await run(WF.retryAuth, 'retry auth');
		const authItems = out(retryAuth, 'Retry Errors');
		// With Include Auth Errors on (after reconnecting): the auth error comes out for the CRM write path.
		expect(authItems.map((it) => it.json._sync.target)).toEqual(expect.arrayContaining(['crm']));
	}, 300_000);

	it('Disconnect stops new runs (Start Run outputs nothing) and keeps the data; Reconnect resumes from the cursor', async () => {
		const d = await run(WF.disconnect, 'disconnect');
		expect(out(d, 'Disconnect')[0].json).toMatchObject({ crm: 'salesforce', connected: false });
		expect(out(d, 'Dashboard')[0].json).toMatchObject({ connected: false, syncedByType: { Lead: 3 } });

		const stopped = await run(WF.start, 'start while disconnected');
		expect(out(stopped, 'Start Run')).toHaveLength(0);

		const rc = await run(WF.reconnect, 'reconnect');
		expect(out(rc, 'Reconnect')[0].json).toMatchObject({ connected: true });
		const resumed = await run(WF.start, 'start after reconnect');
		const s = out(resumed, 'Start Run');
		expect(s).toHaveLength(1);
		// The stored cursor (the first run's start) minus the 2-minute overlap window.
		expect(s[0].json.fieldflowSince).toBe(new Date(Date.parse(startedAt) - 120_000).toISOString());
		expect(s[0].json.firstRun).toBe(false);
		expect(n8n.blockedConnections()).toEqual([]);
	}, 300_000);

	it('acceptance: FieldFlow ⇄ Salesforce through Mapping, Conflict Resolver, both write nodes and Record Results; the second run writes nothing', async () => {
		sb.fieldflow.reset();
		sb.salesforce.reset();
		sb.fieldflow.seed({
			prospects: [
				{ company_name: 'Nimbus Outfitters', contact_name: 'Ada Lovelace', email: 'ada@nimbus.example', phone: '+1 555 0101', status: 'qualified', notes: 'Met at the trade show' },
				{ company_name: 'Orbit Bikes', contact_name: 'Grace Hopper', email: 'grace@orbit.example', phone: '+1 555 0102', status: 'new' },
			],
		});
		sb.salesforce.seed({ Lead: [{ Company: 'Zephyr Labs', FirstName: 'Zoe', LastName: 'Zephyr', Email: 'zoe@zephyr.example', Phone: '+1 555 0500', Status: 'Open - Not Contacted' }] });
		const ffWrites = () => sb.fieldflow.totalCalls((e) => /^prospects\.(batch|create|update|delete)$/.test(e));
		const sfWrites = () => sb.salesforce.totalCalls((e) => /^(collections|sobject)\.(create|update|upsert|delete)$/.test(e));

		const first = await run(WF.acceptance, 'acceptance run 1');
		expect(out(first, 'Salesforce: write').map((i) => i.json.success)).toEqual([true, true]);
		expect(out(first, 'FieldFlow: write').map((i) => [i.json.success, i.json.created])).toEqual([[true, true]]);
		expect(sb.salesforce.tables.Lead.live()).toHaveLength(3);
		expect(sb.fieldflow.prospects.live()).toHaveLength(3);
		expect(sfWrites()).toBe(1); // one sObject Collections call for both creates
		expect(ffWrites()).toBe(1); // one FieldFlow batch call
		// The template's Merge collects every branch: Record Results and Finish Run run once, after all
		// writes, and Finish Run advances both cursors to the run's start.
		const finishes = allRuns(first, 'Finish Run');
		const startedAtRun1 = out(first, 'Start Run')[0].json.startedAt;
		expect(finishes).toHaveLength(1);
		expect(finishes[0]).toMatchObject({ cursor: startedAtRun1, fieldflowCursorAdvanced: true, crmCursorAdvanced: true });
		expect(allRuns(first, 'Record Results')).toHaveLength(1);
		expect(allRuns(first, 'Record Results').reduce((a, r) => a + Number(r.synced), 0)).toBe(3);

		sb.fieldflow.resetCounters();
		sb.salesforce.resetCounters();
		const second = await run(WF.acceptance, 'acceptance run 2');
		// The second run re-reads its own writes (overlap window) and finds them unchanged: zero writes.
		expect(sfWrites()).toBe(0);
		expect(ffWrites()).toBe(0);
		expect(out(second, 'Conflict Resolver', 0)).toEqual([]);
		expect(out(second, 'Conflict Resolver', 1)).toEqual([]);
		expect(out(second, 'Conflict Resolver', 2)).toEqual([]);
		expect(out(second, 'Conflict Resolver', 3).length).toBeGreaterThanOrEqual(3);
		expect(sb.salesforce.tables.Lead.live()).toHaveLength(3);
		expect(sb.fieldflow.prospects.live()).toHaveLength(3);
		expect(allRuns(second, 'Record Results').reduce((a, r) => a + Number(r.unchanged), 0)).toBeGreaterThanOrEqual(3);
	}, 300_000);
});
