/**
 * Salesforce timestamps as Salesforce keeps them (issue #16, item 2): SystemModstamp in whole
 * seconds, one second for every record of a collection, rows that reach queries a moment after
 * their stamp. Paged change reads and consecutive incremental reads must neither skip a change nor
 * deliver one twice (a record read twice is the same version: same Id and SystemModstamp, which
 * the merge sees as unchanged). Real jsforce against the sandbox over HTTP; the clock is frozen
 * where a test needs "the same second" for sure.
 */
for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[k];

import { SalesforceAdapter } from '../../../nodes/shared/crm/salesforce';
import type { ChangePage, CrmRecord, WriteInput } from '../../../nodes/shared/crm/types';
import { SalesforceSandbox } from '../../sandboxes/salesforce';

/** The templates' Start Run reads from its cursor (the last run's start) minus this overlap (default 2 minutes). */
const OVERLAP_MS = 2 * 60_000;

describe('Salesforce change reads with whole-second stamps and delayed visibility', () => {
	const sb = new SalesforceSandbox();
	const make = () => new SalesforceAdapter({ baseUrl: sb.url, accessToken: sb.accessToken, ratePerSecond: 10_000 });
	const leads = (n: number, tag: string): WriteInput[] => Array.from({ length: n }, (_, i) => ({ ref: `${tag}${i}`, fields: { LastName: `${tag} ${i}`, Company: 'Stamp Co' } }));
	const version = (r: CrmRecord) => `${r.id}@${r.modifiedAt}`;
	async function read(a: SalesforceAdapter, since: string | undefined, pageSize?: number, between?: (page: number) => Promise<void>): Promise<{ records: CrmRecord[]; pages: number[] }> {
		const records: CrmRecord[] = [];
		const pages: number[] = [];
		let n = 0;
		for await (const p of a.listChangedSince('Lead', since, pageSize ? { pageSize } : {}) as AsyncIterable<ChangePage>) {
			records.push(...p.records);
			pages.push(p.records.length);
			await between?.(++n);
		}
		return { records, pages };
	}
	/** Every change read by a sequence of reads: none missing, each new version once; a re-read is an identical version. */
	function changes(reads: CrmRecord[][]): Map<string, CrmRecord> {
		const out = new Map<string, CrmRecord>();
		for (const recs of reads) {
			const inRead = new Set<string>();
			for (const r of recs) {
				expect(inRead.has(r.id)).toBe(false); // one read never lists a record twice
				inRead.add(r.id);
				const prev = out.get(version(r));
				if (prev) expect(prev.fields).toEqual(r.fields);
				out.set(version(r), r);
			}
		}
		return out;
	}

	beforeAll(() => sb.start(0));
	afterAll(() => sb.stop());
	beforeEach(() => {
		sb.reset();
		expect(sb.wholeSecondStamps).toBe(true); // the sandbox default, as Salesforce
	});
	afterEach(() => {
		sb.clock.thaw();
		sb.clock.offsetMs = 0;
	});

	it('the sandbox stamps whole seconds, and one collection of 200 gets one second', async () => {
		const a = make();
		const res = await a.upsert('Lead', leads(200, 'A'));
		expect(res.every((r) => r.success)).toBe(true);
		const { records } = await read(a, undefined);
		expect(records).toHaveLength(200);
		expect(new Set(records.map((r) => r.modifiedAt)).size).toBe(1);
		expect(records[0].modifiedAt).toMatch(/:\d\d\.000Z$/);
		// Ties on one second come in Id order, as ORDER BY SystemModstamp, Id gives them.
		const ids = records.map((r) => r.id);
		expect([...ids].sort()).toEqual(ids);
	});

	it('hundreds of records in one second, paged by queryMore with writes between pages; the next read from the newest stamp skips none', async () => {
		const a = make();
		sb.clock.freeze(); // everything below happens "in one second"
		await a.upsert('Lead', leads(650, 'B'));
		const late: CrmRecord[] = [];
		const first = await read(a, undefined, 200, async (page) => {
			// Written while the first read pages: same second, after its query ran.
			if (page === 1) {
				const r = await a.upsert('Lead', leads(150, 'Late'));
				expect(r.every((x) => x.success)).toBe(true);
			}
		});
		expect(first.pages).toEqual([200, 200, 200, 50]);
		const cursor = first.records[first.records.length - 1].modifiedAt; // the newest stamp seen
		await a.upsert('Lead', leads(30, 'After')); // still the same second
		sb.clock.thaw();
		const second = await read(a, cursor);
		late.push(...second.records.filter((r) => /^(Late|After) /.test(String(r.fields.LastName))));
		// A strict "> newest stamp" would have given 0 here: every late record shares that second.
		expect(late).toHaveLength(180);
		const all = changes([first.records, second.records]);
		expect(all.size).toBe(830);
		expect(sb.records('Lead')).toHaveLength(830);
	});

	it("a run's start (with milliseconds) as Since: records stamped in that second after the read are not skipped", async () => {
		const a = make();
		sb.clock.freeze();
		await a.upsert('Lead', leads(200, 'C'));
		// The run starts later in the same second (12:00:00.999 when the stamps show 12:00:00).
		const runStart = new Date(Math.floor(sb.clock.nowMs() / 1000) * 1000 + 999).toISOString();
		const first = await read(a, undefined);
		await a.upsert('Lead', leads(200, 'D')); // after the read, same second
		sb.clock.thaw();
		const second = await read(a, runStart);
		const all = changes([first.records, second.records]);
		expect(all.size).toBe(400);
		expect(second.records.filter((r) => String(r.fields.LastName).startsWith('D '))).toHaveLength(200);
	});

	it('delayed visibility: a row from a transaction still open at the first read is read by the next run (the overlap), none repeated as a change', async () => {
		const a = make();
		sb.clock.offsetMs = 0;
		// An open transaction stamps 200 records now; they reach queries 20 s later.
		sb.visibilityDelayMs = 20_000;
		await a.upsert('Lead', leads(200, 'Open'));
		sb.visibilityDelayMs = 0;
		sb.clock.offsetMs += 3_000;
		await a.upsert('Lead', leads(5, 'Quick'));
		// Run 1 (first run: everything) sees only the committed ones; its cursor is its start.
		const run1Start = new Date(Date.now() + sb.clock.offsetMs).toISOString();
		const run1 = await read(a, undefined);
		expect(run1.records.map((r) => String(r.fields.LastName)).every((n) => n.startsWith('Quick '))).toBe(true);
		expect(run1.records).toHaveLength(5);
		// A minute later the transaction has committed; more changes arrived meanwhile.
		sb.clock.offsetMs += 60_000;
		await a.upsert('Lead', leads(3, 'Next'));
		const run2Start = new Date(Date.now() + sb.clock.offsetMs).toISOString();
		// Run 2 reads from run 1's start minus the overlap, as Start Run gives it.
		const run2 = await read(a, new Date(Date.parse(run1Start) - OVERLAP_MS).toISOString());
		// Without the overlap the open transaction's rows would be lost: their stamps are older than run 1's start.
		const noOverlap = await read(a, run1Start);
		expect(noOverlap.records.some((r) => String(r.fields.LastName).startsWith('Open '))).toBe(false);
		const all = changes([run1.records, run2.records]);
		expect(all.size).toBe(208);
		expect([...all.values()].filter((r) => String(r.fields.LastName).startsWith('Open '))).toHaveLength(200);
		// What run 2 read again (inside the overlap) is the same version run 1 read: no change twice.
		const run1Versions = new Set(run1.records.map(version));
		const reread = run2.records.filter((r) => run1.records.some((x) => x.id === r.id));
		expect(reread).toHaveLength(5);
		expect(reread.every((r) => run1Versions.has(version(r)))).toBe(true);
		// Run 3 from run 2's start: nothing new, nothing lost.
		const run3 = await read(a, new Date(Date.parse(run2Start) - OVERLAP_MS).toISOString());
		expect([...changes([run1.records, run2.records, run3.records]).keys()].sort()).toEqual([...all.keys()].sort());
	});
});
