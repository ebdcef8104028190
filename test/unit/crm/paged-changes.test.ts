/**
 * The CRM side read in pages by keyset (modification time, id), as Sync All Prospects reads it one
 * page per sub-execution: for each CRM, through its real SDK against its sandbox, 25 records (runs
 * of them sharing one modification time) read in pages of 10 come each exactly once, in (time, id)
 * order; a record changed while the pages are read is not lost (it comes again, later); Until
 * leaves out what changed after the run started. Record groups (Pipedrive persons with their
 * organization and deal) page by their primaries, a primary's position being its own time.
 */
for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[k];

import { HubSpotAdapter } from '../../../nodes/shared/crm/hubspot';
import { PipedriveAdapter } from '../../../nodes/shared/crm/pipedrive';
import { SalesforceAdapter } from '../../../nodes/shared/crm/salesforce';
import { groupSpec, listGroupChanges, writeGroups, type GroupSpec } from '../../../nodes/shared/crm/group';
import type { ChangePage, CrmAdapter, CrmRecord, ListOptions } from '../../../nodes/shared/crm/types';
import { compareIds, formatPosition, parsePosition } from '../../../nodes/shared/keyset';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IDataObject } from 'n8n-workflow';
import { FieldFlowCrm } from '../../../nodes/FieldFlowCrm/FieldFlowCrm.node';
import { FieldFlowSyncStatus } from '../../../nodes/FieldFlowSyncStatus/FieldFlowSyncStatus.node';
import { openStore } from '../../../nodes/shared/store';
import { runNode } from '../../support/node-context';
import { HubSpotSandbox } from '../../sandboxes/hubspot';
import { PipedriveSandbox } from '../../sandboxes/pipedrive';
import { SalesforceSandbox } from '../../sandboxes/salesforce';

const FAST = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 100 };
const HS_TOKEN = 'pat-na1-99999999-2222-3333-4444-555555555555';
const PD_TOKEN = 'pd-paged-token-0123456789';

/** Runs of records that share one modification time: 25 in all. */
const RUNS = [3, 8, 1, 7, 6];

interface Crm {
	name: string;
	object: string;
	start(): Promise<void>;
	stop(): Promise<void> | void;
	reset(): void;
	clock: { freeze(): void; thaw(): void; advance(ms: number): void; nowMs(): number };
	adapter(): CrmAdapter;
	/** Seed one run of records at one time; ids in the order the API sorts them at one time. */
	seedRun(run: number, size: number): string[];
	/** A write through the SDK (a user editing the record in the CRM). */
	touch(a: CrmAdapter, id: string): Promise<void>;
	/** The API calls made so far. */
	calls(): number;
}

const sf = new SalesforceSandbox();
const hs = new HubSpotSandbox();
const pd = new PipedriveSandbox();

/** HubSpot ids chosen so that "10" sorts before "9" as text: the id order must be numeric. */
const HS_IDS = [9, 10, 11, 2, 30, 4, 12, 100, 5, 21, 22, 3, 101, 7, 8, 15, 16, 1, 40, 41, 99, 98, 97, 6, 13];

const CRMS: Crm[] = [
	{
		name: 'Salesforce',
		object: 'Lead',
		start: async () => void (await sf.start(0)),
		stop: () => sf.stop(),
		reset: () => sf.reset(),
		clock: sf.clock,
		adapter: () =>
			new SalesforceAdapter({ baseUrl: sf.url, accessToken: sf.accessToken, refreshToken: sf.refreshToken, clientId: sf.clientId, clientSecret: sf.clientSecret, retry: FAST, ratePerSecond: 10_000 }),
		seedRun: (run, size) => {
			const before = new Set(sf.records('Lead').map((r) => String(r.Id)));
			sf.seed({ Lead: Array.from({ length: size }, (_, i) => ({ LastName: `Run ${run} #${i}`, Company: `Co ${run}` })) });
			// Salesforce orders ids within one SystemModstamp itself (ORDER BY SystemModstamp, Id): new
			// ids of one run are increasing, as the sandbox makes them.
			return sf.records('Lead').map((r) => String(r.Id)).filter((id) => !before.has(id));
		},
		touch: async (a, id) => void expect((await a.upsert('Lead', [{ ref: 't', id, fields: { LastName: 'Touched' } }]))[0].success).toBe(true),
		calls: () => [...sf.calls.values()].reduce((x, y) => x + y, 0),
	},
	{
		name: 'HubSpot',
		object: 'contacts',
		start: async () => {
			await hs.start(0);
			hs.setValidTokens([HS_TOKEN]);
		},
		stop: () => hs.stop(),
		reset: () => {
			hs.reset();
			hs.setValidTokens([HS_TOKEN]);
		},
		clock: hs.clock,
		adapter: () => new HubSpotAdapter({ accessToken: HS_TOKEN, baseUrl: hs.url, retry: FAST, ratePerSecond: 10_000, searchRatePerSecond: 10_000, sleep: async () => undefined }),
		seedRun: (run, size) => {
			const start = RUNS.slice(0, run).reduce((x, y) => x + y, 0);
			const ids = HS_IDS.slice(start, start + size).map(String);
			hs.seed({ contacts: ids.map((id) => ({ id, properties: { email: `c${id}@paged.example`, firstname: `Run ${run}`, lastname: `#${id}` } })) });
			return [...ids].sort(compareIds);
		},
		touch: async (a, id) => void expect((await a.upsert('contacts', [{ ref: 't', id, fields: { firstname: 'Touched' } }]))[0].success).toBe(true),
		calls: () => [...hs.calls.values()].reduce((x, y) => x + y, 0),
	},
	{
		name: 'Pipedrive',
		object: 'persons',
		start: async () => {
			await pd.start(0);
			pd.setValidTokens([PD_TOKEN]);
		},
		stop: () => pd.stop(),
		reset: () => {
			pd.reset();
			pd.setValidTokens([PD_TOKEN]);
		},
		clock: pd.clock,
		adapter: () => new PipedriveAdapter({ apiToken: PD_TOKEN, baseUrl: pd.url, ratePerSecond: 0, retry: FAST }),
		seedRun: (run, size) => {
			const start = RUNS.slice(0, run).reduce((x, y) => x + y, 0);
			const ids = HS_IDS.slice(start, start + size);
			pd.seed({ persons: ids.map((id) => ({ id, name: `Run ${run} #${id}`, emails: [{ value: `p${id}@paged.example`, primary: true, label: 'work' }] })) });
			return ids.sort((x, y) => x - y).map(String);
		},
		touch: async (a, id) => void expect((await a.upsert('persons', [{ ref: 't', id, fields: { name: 'Touched' } }]))[0].success).toBe(true),
		calls: () => [...pd.calls.values()].reduce((x, y) => x + y, 0),
	},
];

async function collect(it: AsyncIterable<ChangePage>): Promise<ChangePage[]> {
	const pages: ChangePage[] = [];
	for await (const p of it) pages.push(p);
	return pages;
}

/** 25 records in RUNS, each run at one time (a second apart: Salesforce and Pipedrive stamp whole seconds); the expected order. */
function seed25(c: Crm): string[] {
	const order: string[] = [];
	RUNS.forEach((size, run) => {
		c.clock.advance(1500);
		c.clock.freeze();
		try {
			order.push(...c.seedRun(run, size));
		} finally {
			c.clock.thaw();
		}
	});
	c.clock.advance(1500);
	return order;
}

/** One page as a sub-execution reads it: after the position, at most `size` records. */
async function page(a: CrmAdapter, object: string, after: string, size: number, extra: ListOptions = {}): Promise<CrmRecord[]> {
	const pages = await collect(a.listChangedSince(object, undefined, { after: after ? parsePosition(after) : undefined, limit: size, ...extra }));
	expect(pages.every((p) => !p.unordered)).toBe(true);
	return pages.flatMap((p) => p.records);
}

/** Every page until one is short, as Next Page hands them on. */
async function readInPages(a: CrmAdapter, object: string, size: number, between?: (n: number, records: CrmRecord[]) => Promise<void>, extra: ListOptions = {}): Promise<CrmRecord[][]> {
	const out: CrmRecord[][] = [];
	let after = '';
	for (let n = 1; n < 20; n++) {
		const records = await page(a, object, after, size, extra);
		out.push(records);
		if (records.length < size) return out;
		after = formatPosition(records.at(-1)!.modifiedAt, records.at(-1)!.id);
		await between?.(n, records);
	}
	throw new Error('more than 20 pages');
}

describe.each(CRMS)('$name: Get Changed Since in pages by keyset', (c) => {
	beforeAll(() => c.start());
	afterAll(() => c.stop());
	beforeEach(() => c.reset());

	test('25 records, runs of them at one time, in pages of 10: each exactly once, in (time, id) order', async () => {
		const expected = seed25(c);
		expect(expected).toHaveLength(25);
		const a = c.adapter();
		const pages = await readInPages(a, c.object, 10);
		expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
		const ids = pages.flat().map((r) => r.id);
		expect(ids).toEqual(expected);
		// The pages cut runs of one time in two (the 8 of run 2 and the 7 of run 4).
		const times = pages.flat().map((r) => r.modifiedAt);
		expect(new Set(times).size).toBe(RUNS.length);
		expect(times[9]).toBe(times[10]);
		expect(times[19]).toBe(times[20]);
	});

	test('a record changed while the pages are read is not lost: it comes again later, with its change', async () => {
		const expected = seed25(c);
		const a = c.adapter();
		let readEarly = '';
		let notYetRead = '';
		const pages = await readInPages(a, c.object, 10, async (n, records) => {
			if (n !== 1) return;
			// Between page 1 and 2: one record of page 1 and one still to come are edited in the CRM.
			readEarly = records[4].id;
			notYetRead = expected[17];
			c.clock.advance(1500);
			await c.touch(a, readEarly);
			await c.touch(a, notYetRead);
		});
		const ids = pages.flat().map((r) => r.id);
		// Every record at least once; the edited ones last, as edited.
		expect(new Set(ids)).toEqual(new Set(expected));
		expect(ids.filter((id) => id === readEarly)).toHaveLength(2);
		expect(ids.filter((id) => id === notYetRead)).toHaveLength(1);
		expect(ids.slice(-2).sort(compareIds)).toEqual([readEarly, notYetRead].sort(compareIds));
		expect(ids.length).toBe(26);
	});

	test('Until leaves out what changed after the run started (the next run reads it); an empty page after the last one', async () => {
		const expected = seed25(c);
		const a = c.adapter();
		// The run starts after the seeds; the first record is edited after that.
		const startedAt = new Date(c.clock.nowMs() + 1).toISOString();
		c.clock.advance(1500);
		await c.touch(a, expected[0]);
		const pages = await readInPages(a, c.object, 10, undefined, { until: startedAt });
		const ids = pages.flat().map((r) => r.id);
		expect(ids).toEqual(expected.slice(1));
		const last = pages.flat().at(-1)!;
		expect(await page(a, c.object, formatPosition(last.modifiedAt, last.id), 10, { until: startedAt })).toEqual([]);
	});

	test('a page reads about one page from the API, not the whole feed', async () => {
		seed25(c);
		const a = c.adapter();
		const before = c.calls();
		await page(a, c.object, '', 10);
		expect(c.calls() - before).toBeLessThanOrEqual(2);
	});
});

describe('HubSpot: a keyset page larger than the search result cap (10,000 in HubSpot; 30 here)', () => {
	const c = CRMS[1];
	beforeAll(() => c.start());
	afterAll(() => {
		hs.searchResultCap = 10_000;
		return c.stop();
	});
	beforeEach(() => c.reset());

	test('pages of 50 over 120 contacts in runs of equal times: the search restarts past the cap and every record comes once, in order', async () => {
		hs.searchResultCap = 30;
		const expected: string[] = [];
		let id = 1;
		for (const size of [7, 25, 3, 28, 1, 29, 27]) {
			hs.clock.advance(5);
			hs.clock.freeze();
			try {
				const ids = Array.from({ length: size }, () => String(id++));
				hs.seed({ contacts: ids.map((x) => ({ id: x, properties: { email: `cap${x}@paged.example` } })) });
				expected.push(...ids.sort(compareIds));
			} finally {
				hs.clock.thaw();
			}
		}
		const a = new HubSpotAdapter({ accessToken: HS_TOKEN, baseUrl: hs.url, retry: FAST, ratePerSecond: 10_000, searchRatePerSecond: 10_000, sleep: async () => undefined, searchResultCap: 30 });
		hs.resetCounters();
		const pages = await readInPages(a, 'contacts', 50, undefined, { pageSize: 10 });
		expect(pages.flat().map((r) => r.id).join(',')).toBe(expected.join(','));
		expect(pages.map((p) => p.length)).toEqual([50, 50, 20]);
		expect(pages.flat().map((r) => r.id)).toEqual(expected);
		expect(hs.callLog.filter((x) => x.endpoint === 'objects.search').every((x) => x.status === 200)).toBe(true);
	});
});

describe('Pipedrive record groups in pages: pages of primaries, each with its members', () => {
	const spec = groupSpec('pipedrive', 'persons', ['organizations', 'deals']) as GroupSpec;
	const a = () => CRMS[2].adapter();
	beforeAll(() => CRMS[2].start());
	afterAll(() => CRMS[2].stop());
	beforeEach(() => CRMS[2].reset());

	async function seedGroups(n: number): Promise<string[]> {
		const companies = ['Acme', 'Globex', 'Initech', 'Umbrella'];
		const res = await writeGroups(
			a(),
			spec,
			Array.from({ length: n }, (_, i) => ({ ref: `pr_${i}`, fields: { name: `Contact ${i}`, email: `g${i}@example.com`, 'organizations.name': companies[i % 4], 'deals.status': 'open', 'deals.stage_id': '2', 'deals.value': 100 * i } })),
		);
		expect(res.every((r) => r.success)).toBe(true);
		return res.map((r) => r.id!);
	}

	async function groupPages(since: string | undefined, size: number): Promise<Array<{ ordered: CrmRecord[]; extra: CrmRecord[] }>> {
		const out: Array<{ ordered: CrmRecord[]; extra: CrmRecord[] }> = [];
		let after: string | undefined;
		for (let n = 0; n < 20; n++) {
			const pages = await collect(listGroupChanges(a(), spec, since, { after: after ? parsePosition(after) : undefined, limit: size }));
			const ordered = pages.filter((p) => !p.unordered).flatMap((p) => p.records);
			const extra = pages.filter((p) => p.unordered).flatMap((p) => p.records);
			out.push({ ordered, extra });
			if (ordered.length < size) return out;
			after = ordered.at(-1)!.position;
		}
		throw new Error('more than 20 pages');
	}

	test('a full read (Since = the epoch) pages the persons by their own time, each with its organization and deal; no member feed is read', async () => {
		const ids = await seedGroups(23);
		// A deal changed later than its person: the group's modifiedAt is the deal's, its position the person's.
		pd.clock.advance(2000);
		const r = await a().upsert('deals', [{ ref: 'd', id: String((await collect(listGroupChanges(a(), spec, undefined))).flatMap((p) => p.records)[0].members!.deals), fields: { value: 777 } }]);
		expect(r[0].success).toBe(true);
		pd.resetCounters();
		const pages = await groupPages('1970-01-01T00:00:00.000Z', 10);
		expect(pages.map((p) => p.ordered.length)).toEqual([10, 10, 3]);
		expect(pages.every((p) => p.extra.length === 0)).toBe(true);
		const read = pages.flatMap((p) => p.ordered);
		expect(read.map((g) => g.id).sort(compareIds)).toEqual([...ids].sort(compareIds));
		for (const g of read) {
			expect(g.members?.organizations).toBeTruthy();
			expect(g.members?.deals).toBeTruthy();
			expect(g.fields['organizations.name']).toBeTruthy();
			expect(g.position!.endsWith(`|${g.id}`)).toBe(true);
			expect(g.position!.split('|')[0] <= g.modifiedAt).toBe(true);
		}
		expect(read[0].fields['deals.value']).toBe(777);
		expect(read[0].modifiedAt > read[0].position!.split('|')[0]).toBe(true);
		// Organizations and deals are read by id for the page's persons, never listed by change.
		expect(pd.calls.get('organizations.list') ?? 0).toBeLessThanOrEqual(3);
	});

	test('an incremental paged read (a real Since): persons changed only through their deal or organization come after the last page, unordered', async () => {
		const ids = await seedGroups(12);
		pd.clock.advance(3000);
		const since = new Date(pd.clock.nowMs()).toISOString();
		pd.clock.advance(2000);
		// Person 0 changed itself; person 5's deal moved; organization of person 7 renamed (shared: 3, 7, 11).
		const all = (await collect(listGroupChanges(a(), spec, undefined))).flatMap((p) => p.records);
		const byId = new Map(all.map((g) => [g.id, g]));
		expect((await a().upsert('persons', [{ ref: 'p', id: ids[0], fields: { name: 'Moved on' } }]))[0].success).toBe(true);
		expect((await a().upsert('deals', [{ ref: 'd', id: byId.get(ids[5])!.members!.deals, fields: { value: 5555 } }]))[0].success).toBe(true);
		expect((await a().upsert('organizations', [{ ref: 'o', id: byId.get(ids[7])!.members!.organizations, fields: { name: 'Umbrella Corp' } }]))[0].success).toBe(true);
		const pages = await groupPages(since, 10);
		expect(pages).toHaveLength(1);
		expect(pages[0].ordered.map((g) => g.id)).toEqual([ids[0]]);
		expect(pages[0].extra.map((g) => g.id).sort(compareIds)).toEqual([ids[3], ids[5], ids[7], ids[11]].sort(compareIds));
		expect(pages[0].extra.find((g) => g.id === ids[5])!.fields['deals.value']).toBe(5555);
		expect(pages[0].extra.every((g) => g.position === undefined)).toBe(true);
	});
});

describe('FieldFlow CRM node: Get Changed Since with Page Size and Continue After (n8n-core ExecuteContext)', () => {
	const c = CRMS[1];
	beforeAll(() => c.start());
	afterAll(() => c.stop());
	beforeEach(() => c.reset());
	const credentials = () => ({ fieldFlowHubSpotApi: { accessToken: HS_TOKEN, baseUrl: hs.url } });
	const read = async (options: IDataObject, since = '') =>
		(await runNode({ type: new FieldFlowCrm(), parameters: { crm: 'hubspot', operation: 'getChangedSince', object: 'contacts', since, returnAll: true, options } as never, credentials: credentials() as never }))[0].map((i) => i.json);

	test('pages of 10 by feedPosition give the 25 records once, in order', async () => {
		const expected = seed25(c);
		const out: IDataObject[] = [];
		let after = '';
		for (;;) {
			const page = await read({ pageSize: 10, continueAfter: after });
			out.push(...page);
			if (page.length < 10) break;
			after = String(page.at(-1)!.feedPosition);
			expect(after).toBe(`${String(page.at(-1)!.modifiedAt)}|${String(page.at(-1)!.id)}`);
		}
		expect(out.map((r) => r.id)).toEqual(expected);
		// Without Page Size / Continue After the output is as before: no feedPosition.
		expect((await read({})).every((r) => r.feedPosition === undefined)).toBe(true);
	});

	test('Continue After that is not "<modifiedAt>|<id>" is refused, saying what to put there', async () => {
		await expect(read({ pageSize: 10, continueAfter: 'yesterday' })).rejects.toThrow('Continue After "yesterday" is not "<modifiedAt>|<id>"');
		await expect(read({ pageSize: 2.5 })).rejects.toThrow('Page Size "2.5" is not a whole number');
	});
});

describe('Sync Status Next Page: the CRM side in pages (phase crm)', () => {
	let dir: string;
	let sqlitePath: string;
	beforeEach(() => {
		dir = mkdtempSync(join(tmpdir(), 'ff-paged-crm-'));
		sqlitePath = join(dir, 'sync.sqlite');
	});
	afterEach(() => rmSync(dir, { recursive: true, force: true }));
	const next = async (parameters: IDataObject, synced = 0) =>
		(await runNode({ type: new FieldFlowSyncStatus(), parameters: { operation: 'nextPage', crm: 'pipedrive', sqlitePath, ...parameters } as never, inputs: [[{ json: { synced, errors: 0, conflicts: 0, unchanged: 0 } }]] }))[0][0].json;

	test('after the FieldFlow pages, CRM pages follow each after the last record\'s feedPosition until a short page; the log counts both sides', async () => {
		const first = { crm: 'pipedrive', object: 'persons', runId: 'run-1', startedAt: '2026-12-07T04:00:00.000Z', pageSize: 2, page: 3, phase: 'fieldflow', fieldflowAfter: '2026-12-07T03:00:00.000Z|pr_000004', read: 4, done: false };
		const crmOnly = { lastCrmRecord: '={{ {} }}', crmRecordsRead: '1' };
		// The last FieldFlow page was short: the CRM side starts, from its beginning.
		const p1 = await next({ page: JSON.stringify(first), lastRecord: JSON.stringify({ id: 'pr_000005', updated_at: '2026-12-07T03:00:01.000Z' }), recordsRead: '1', ...crmOnly }, 1);
		expect(p1).toMatchObject({ phase: 'crm', done: false, crmAfter: '', read: 5 });
		// A full CRM page: the next one continues after its last record.
		const position = '2026-12-07T03:30:00.000Z|41';
		const p2 = await next({ page: JSON.stringify(p1), lastRecord: '={{ {} }}', recordsRead: '1', lastCrmRecord: JSON.stringify({ id: '41', modifiedAt: '2026-12-07T03:31:00.000Z', feedPosition: position }), crmRecordsRead: '2' }, 2);
		expect(p2).toMatchObject({ phase: 'crm', done: false, crmAfter: position, crmRead: 2, read: 5, fieldflowAfter: '2026-12-07T03:00:01.000Z|pr_000005', synced: 3 });
		// A short one ends the run.
		const p3 = await next({ page: JSON.stringify(p2), lastRecord: '={{ {} }}', recordsRead: '1', lastCrmRecord: JSON.stringify({ id: '42', feedPosition: '2026-12-07T03:40:00.000Z|42' }), crmRecordsRead: '1' }, 1);
		expect(p3).toMatchObject({ phase: 'crm', done: true, crmAfter: position, crmRead: 3, synced: 4 });
		// A full page whose last record has no feedPosition (primaries changed through a member,
		// after the keyset feed; or the empty item of an empty read) ends it too.
		const p3b = await next({ page: JSON.stringify(p2), lastRecord: '={{ {} }}', recordsRead: '1', lastCrmRecord: JSON.stringify({ id: '7', modifiedAt: '2026-12-07T03:00:00.000Z' }), crmRecordsRead: '5' });
		expect(p3b).toMatchObject({ done: true });
		const store = await openStore({ kind: 'sqlite', path: sqlitePath });
		const logs = (await store.queryLogs({ crm: 'pipedrive', limit: 10 })).entries.filter((e) => e.action === 'pageFinished').map((e) => e.message);
		expect(logs).toEqual(expect.arrayContaining(['Run run-1 page 4 (Pipedrive side): 0 FieldFlow records read (5 so far), 2 Pipedrive records read (2 so far), 3 synced, 0 errors', 'Run run-1 page 5 (Pipedrive side): 0 FieldFlow records read (5 so far), 1 Pipedrive records read (3 so far), 4 synced, 0 errors, last page']));
		await store.close();
	});

	test('without Last CRM Record Read (a workflow from before CRM pages) the CRM side stays one page', async () => {
		const crmPage = { crm: 'pipedrive', object: 'persons', runId: 'run-2', startedAt: '2026-12-07T04:00:00.000Z', pageSize: 2, page: 2, phase: 'crm', fieldflowAfter: '', read: 0, done: false };
		const out = await next({ page: JSON.stringify(crmPage), lastRecord: '={{ {} }}', recordsRead: '1' });
		expect(out).toMatchObject({ phase: 'crm', done: true });
	});
});

describe('a CRM → FieldFlow import of 5,000 records in pages of 1,000 (the CRM node, one execution per page)', () => {
	const c = CRMS[2];
	beforeAll(() => c.start());
	afterAll(() => c.stop());
	beforeEach(() => c.reset());

	test('each execution holds at most one page (1,000 records) and reads it in at most 4 API calls; every record once', async () => {
		// 5,000 persons, 500 per second (a bulk load: Pipedrive stamps whole seconds).
		for (let s = 0; s < 10; s++) {
			pd.clock.advance(1000);
			pd.clock.freeze();
			try {
				pd.seed({ persons: Array.from({ length: 500 }, (_, i) => ({ name: `Import ${s}-${i}` })) });
			} finally {
				pd.clock.thaw();
			}
		}
		const credentials = { fieldFlowPipedriveApi: { apiToken: PD_TOKEN, baseUrl: pd.url } };
		const seen = new Set<string>();
		const perPage: number[] = [];
		const callsPerPage: number[] = [];
		let after = '';
		for (let n = 0; n < 10; n++) {
			const before = c.calls();
			const [items] = await runNode({
				type: new FieldFlowCrm(),
				parameters: { crm: 'pipedrive', operation: 'getChangedSince', object: 'persons', since: '', returnAll: true, options: { pageSize: 1000, continueAfter: after } } as never,
				credentials: credentials as never,
			});
			callsPerPage.push(c.calls() - before);
			perPage.push(items.length);
			for (const it of items) seen.add(String(it.json.id));
			if (items.length < 1000) break;
			after = String(items.at(-1)!.json.feedPosition);
		}
		expect(perPage).toEqual([1000, 1000, 1000, 1000, 1000, 0]);
		expect(seen.size).toBe(5000);
		// 1,001 records asked (one more ends a run of equal times) at 500 per list call, plus the
		// records of the page's first second up to its position, read again and dropped (updated_since
		// has no id condition): at most 4 calls a page, whatever the number of records.
		expect(Math.max(...callsPerPage)).toBeLessThanOrEqual(4);
		expect(callsPerPage.reduce((x, y) => x + y, 0)).toBeLessThanOrEqual(20);
	});
});
