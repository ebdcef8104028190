/**
 * Paged runs (Sync All Prospects): the FieldFlow node's Get Changed Since one page at a time
 * (Page Size, Continue After, Until), the CRM node's Until, and Sync Status "Next Page", through
 * the nodes' execute() with a small fake IExecuteFunctions against the sandboxes and a real
 * SQLite store.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { FieldFlow } from '../../../nodes/FieldFlow/FieldFlow.node';
import { FieldFlowCrm } from '../../../nodes/FieldFlowCrm/FieldFlowCrm.node';
import { FieldFlowSyncStatus } from '../../../nodes/FieldFlowSyncStatus/FieldFlowSyncStatus.node';
import { openStore } from '../../../nodes/shared/store';
import { createAdapter } from '../../../nodes/shared/crm';
import { FieldFlowClient } from '../../../nodes/shared/fieldflow/client';
import { startSandboxes, sandboxCredentials, type Sandboxes } from '../../sandboxes';
import { FIELDFLOW_SANDBOX_KEY } from '../../sandboxes/fieldflow';

let sb: Sandboxes;
let creds: Record<string, Record<string, unknown>>;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-paged-'));

beforeAll(async () => {
	sb = await startSandboxes();
	creds = Object.fromEntries(sandboxCredentials(sb).map((c) => [c.type, c.data]));
});
afterAll(async () => {
	await sb.stop();
	fs.rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
	sb.fieldflow.reset();
	sb.hubspot.reset();
});

function context(params: Record<string, unknown>, items: INodeExecutionData[] = [{ json: {} }]): IExecuteFunctions {
	return {
		getInputData: () => items,
		getNodeParameter: (name: string, _i: number, fallback?: unknown) => {
			const path = name.split('.');
			let v: unknown = params;
			for (const p of path) v = (v as Record<string, unknown> | undefined)?.[p];
			return v === undefined ? fallback : v;
		},
		getCredentials: async (type: string) => creds[type],
		continueOnFail: () => false,
		getNode: () => ({ id: 'n1', name: 'Node', type: 'x', typeVersion: 1, position: [0, 0], parameters: {} }),
	} as unknown as IExecuteFunctions;
}

const ffNode = new FieldFlow();
async function readPage(options: IDataObject, since = '1970-01-01T00:00:00.000Z'): Promise<IDataObject[]> {
	const [out] = await ffNode.execute.call(context({ resource: 'prospect', operation: 'getChangedSince', since, options }));
	return out.map((o) => o.json);
}
const position = (r: IDataObject) => `${String(r.updated_at)}|${String(r.id)}`;

describe('FieldFlow Get Changed Since in pages', () => {
	it('walks every record exactly once in pages of 3, and reads a record edited mid-walk at its new place', async () => {
		sb.fieldflow.seed({ prospects: Array.from({ length: 11 }, (_, k) => ({ contact_name: `P${k}`, email: `p${k}@paged.example` })) });
		const until = new Date(Date.now() + 60_000).toISOString();
		const seen: string[] = [];
		let after = '';
		let pages = 0;
		for (;;) {
			const page = await readPage({ pageSize: 3, continueAfter: after, until });
			pages++;
			seen.push(...page.map((r) => String(r.id)));
			if (pages === 2) {
				// An unread record changes mid-walk: it moves to the end of the order, and is read there.
				sb.fieldflow.prospects.update('pr_000011', { phone: '+1 555 0000' });
			}
			if (page.length < 3) break;
			after = position(page[page.length - 1]);
		}
		expect(new Set(seen).size).toBe(11);
		expect(seen).toHaveLength(11);
		expect(pages).toBe(4);
	});

	it('Continue After across hundreds of prospects sharing one updated_at (batch writes): none skipped, none repeated', async () => {
		const client = new FieldFlowClient({ apiKey: FIELDFLOW_SANDBOX_KEY, baseUrl: `${sb.fieldflow.url}/v1`, ratePerSecond: 1000 });
		const batch = (from: number, n: number) => client.upsertProspects(Array.from({ length: n }, (_, k) => ({ ref: String(from + k), fields: { contact_name: `T${from + k}`, email: `t${from + k}@tie.example` } })));
		expect((await batch(0, 40)).every((r) => r.success)).toBe(true);
		// A bulk import: three batches of 100 in one instant (FieldFlow gives each batch one
		// updated_at; here the clock is also held across the three, so 300 share one time).
		const clock = sb.fieldflow.clock;
		const tick = clock.nowMs;
		const t = clock.nowMs();
		clock.nowMs = () => t;
		try {
			for (const from of [40, 140, 240]) expect((await batch(from, 100)).every((r) => r.success)).toBe(true);
		} finally {
			clock.nowMs = tick;
		}
		expect((await batch(340, 60)).every((r) => r.success)).toBe(true); // one more batch: 60 share a later time
		const until = new Date(Date.now() + 60_000).toISOString();
		const seen: string[] = [];
		const pages: IDataObject[][] = [];
		let after = '';
		for (;;) {
			const page = await readPage({ pageSize: 7, continueAfter: after, until });
			pages.push(page);
			seen.push(...page.map((r) => String(r.id)));
			if (pages.length === 20) {
				// An unread prospect of the tie changes mid-walk: it leaves the tie for the end of the order.
				const unread = sb.fieldflow.prospects.live().find((r) => r.updatedAt === t && !seen.includes(r.id))!;
				sb.fieldflow.prospects.update(unread.id, { phone: '+1 555 0101' });
			}
			if (page.length < 7) break;
			after = position(page[page.length - 1]);
		}
		expect(seen).toHaveLength(400);
		expect(new Set(seen).size).toBe(400);
		const tieTime = new Date(t).toISOString();
		const boundariesInTie = pages.slice(1).filter((p, i) => p.length && pages[i].length && p[0].updated_at === tieTime && pages[i][pages[i].length - 1].updated_at === tieTime);
		expect(boundariesInTie.length).toBeGreaterThanOrEqual(40);
	});

	it('leaves out what changed at or after Until; an empty window makes no call; a bad Continue After names the value', async () => {
		sb.fieldflow.seed({ prospects: [{ contact_name: 'Old', email: 'old@paged.example' }] });
		await new Promise((r) => setTimeout(r, 5));
		const until = new Date().toISOString();
		await new Promise((r) => setTimeout(r, 5));
		sb.fieldflow.seed({ prospects: [{ contact_name: 'New', email: 'new@paged.example' }] });
		expect((await readPage({ pageSize: 10, until })).map((r) => r.contact_name)).toEqual(['Old']);

		sb.fieldflow.resetCounters();
		expect(await readPage({ until }, until)).toEqual([]);
		expect(sb.fieldflow.callLog).toHaveLength(0);

		await expect(readPage({ continueAfter: 'pr_000001' })).rejects.toThrow('Continue After "pr_000001" is not "<updated_at>|<id>"');
		await expect(readPage({ pageSize: 2.5 })).rejects.toThrow('Page Size "2.5" is not a whole number');
	});
});

describe('CRM Get Changed Since with Until', () => {
	it('leaves out records changed at or after Until, and makes no call for an empty window', async () => {
		const crmNode = new FieldFlowCrm();
		const read = async (since: string, until: string) => {
			const [out] = await crmNode.execute.call(context({ crm: 'hubspot', operation: 'getChangedSince', object: 'contacts', since, returnAll: true, options: { until } }));
			return out.map((o) => o.json);
		};
		const adapter = createAdapter('hubspot', creds.fieldFlowHubSpotApi, { hubspot: { ratePerSecond: 1000 } });
		for (const k of [1, 2, 3]) {
			const [res] = await adapter.upsert('contacts', [{ ref: String(k), fields: { email: `c${k}@until.example`, firstname: `C${k}` } }]);
			expect(res.success).toBe(true);
			await new Promise((r) => setTimeout(r, 5));
		}
		const all = await read('', new Date(Date.now() + 60_000).toISOString());
		expect(all.length).toBeGreaterThan(1);
		const times = all.map((r) => Date.parse(String(r.modifiedAt))).sort((a, b) => a - b);
		const cut = new Date(times[times.length - 1]).toISOString();
		const before = await read('', cut);
		expect(before.length).toBe(times.filter((t) => t < times[times.length - 1]).length);
		sb.hubspot.resetCounters();
		expect(await read(cut, cut)).toEqual([]);
		expect(sb.hubspot.callLog).toHaveLength(0);

		// The feed comes oldest change first: the first record at or after Until ends the read, so a
		// bulk run's CRM page does not read back the records the run itself wrote (2 pages → 1 call).
		const many = await adapter.upsert('contacts', Array.from({ length: 250 }, (_, k) => ({ ref: String(k), fields: { email: `m${k}@until.example`, firstname: `M${k}` } })));
		expect(many.every((m) => m.success)).toBe(true);
		const everything = await read(cut, new Date(Date.now() + 60_000).toISOString());
		expect(everything.length).toBe(250);
		const tenth = everything[10].modifiedAt as string;
		sb.hubspot.resetCounters();
		expect((await read(cut, tenth)).map((r) => r.id)).toEqual(everything.slice(0, 10).map((r) => r.id));
		expect(sb.hubspot.callLog).toHaveLength(1);
	});
});

describe('Sync Status Next Page', () => {
	const sqlitePath = path.join(dir, 'store.sqlite');
	const status = new FieldFlowSyncStatus();
	const run = async (params: Record<string, unknown>, items?: INodeExecutionData[]) => (await status.execute.call(context({ crm: 'hubspot', store: 'sqlite', sqlitePath, ...params }, items)))[0];

	it('hands on the next page after the last record, sums the totals, logs the page, and ends on a short page', async () => {
		const [start] = await run({ operation: 'startRun', object: 'contacts', fullSync: true, pageSize: 2 });
		expect(start.json).toMatchObject({ pageSize: 2, page: 1, phase: 'fieldflow', fieldflowAfter: '', done: false });
		const summary = (synced: number) => [{ json: { synced, errors: 1, conflicts: 0, unchanged: 2 } }];
		const last = { id: 'pr_000002', updated_at: '2026-11-24T09:00:00.000Z' };
		const [p2] = await run({ operation: 'nextPage', page: start.json, lastRecord: last, recordsRead: '2' }, summary(2));
		expect(p2.json).toMatchObject({ page: 2, pagesDone: 1, read: 2, fieldflowAfter: '2026-11-24T09:00:00.000Z|pr_000002', phase: 'fieldflow', done: false, synced: 2, errors: 1, unchanged: 2 });
		// A short page ends the FieldFlow side; one page for the CRM side follows, then done.
		const [p3] = await run({ operation: 'nextPage', page: JSON.stringify(p2.json), lastRecord: { id: 'pr_000003', updated_at: '2026-11-24T09:00:01.000Z' }, recordsRead: 1 }, summary(1));
		expect(p3.json).toMatchObject({ page: 3, pagesDone: 2, read: 3, phase: 'crm', done: false, synced: 3, errors: 2 });
		const [p4] = await run({ operation: 'nextPage', page: p3.json, lastRecord: {}, recordsRead: 1 }, summary(4));
		expect(p4.json).toMatchObject({ page: 4, pagesDone: 3, read: 3, phase: 'crm', done: true, synced: 7, fieldflowAfter: p3.json.fieldflowAfter });
		// An empty page (the read's alwaysOutputData item) ends the FieldFlow side and keeps the position;
		// a workflow that does not read the CRM is then done.
		const [empty] = await run({ operation: 'nextPage', page: p2.json, lastRecord: {}, recordsRead: 1, readsCrm: false }, summary(0));
		expect(empty.json).toMatchObject({ phase: 'fieldflow', done: true, read: 2, fieldflowAfter: p2.json.fieldflowAfter });

		const store = await openStore({ kind: 'sqlite', path: sqlitePath });
		const logs = await store.queryLogs({ crm: 'hubspot', limit: 10 });
		expect(logs.entries.filter((e) => e.action === 'pageFinished').map((e) => e.message)).toEqual(
			expect.arrayContaining([
				`Run ${String(start.json.runId)} page 2: 1 FieldFlow records read (3 so far), 3 synced, 2 errors`,
				`Run ${String(start.json.runId)} page 3 (HubSpot side): 0 FieldFlow records read (3 so far), 7 synced, 3 errors, last page`,
			]),
		);
		await store.close();
	});

	it('refuses a page that is not from a paged Start Run', async () => {
		await expect(run({ operation: 'nextPage', page: { runId: 'r1', startedAt: '2026-11-24T09:00:00.000Z' }, lastRecord: {}, recordsRead: '0' })).rejects.toThrow('Page is not a page of a paged run');
		await expect(run({ operation: 'nextPage', page: 'not json', lastRecord: {}, recordsRead: '0' })).rejects.toThrow('Page is not an object');
	});
});
