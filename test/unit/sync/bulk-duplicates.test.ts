/**
 * The Conflict Resolver's duplicate check for many new people: one listing of the CRM object,
 * matched locally, instead of one search per record; per-record searches when there are few, or
 * when the listing would cost more than the searches. The real PipedriveAdapter (pipedrive SDK)
 * against the Pipedrive sandbox on 127.0.0.1, a real SQLite store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildMapping } from '../../../nodes/shared/mapping/effective';
import { mapFieldflowRecord } from '../../../nodes/shared/mapping/records';
import { BULK_MATCH_COST, crmLookups, type BulkMatchCost } from '../../../nodes/shared/sync/lookups';
import { OUTPUT, type InputRecord } from '../../../nodes/shared/sync/plan';
import { resolve } from '../../../nodes/shared/sync/resolve';
import { PipedriveAdapter } from '../../../nodes/shared/crm/pipedrive';
import { openStore, type SyncStore } from '../../../nodes/shared/store';
import { PipedriveSandbox } from '../../sandboxes/pipedrive';

delete process.env.HTTP_PROXY;
delete process.env.HTTPS_PROXY;
delete process.env.http_proxy;
delete process.env.https_proxy;

const TOKEN = 'pd-bulk-dup-token-0123456789';
const sb = new PipedriveSandbox();
const eff = buildMapping({ crm: 'pipedrive', object: 'persons', useDefaults: true, custom: [], statusOverrides: [] });
let base = '';
let dir: string;
let store: SyncStore;

beforeAll(async () => {
	base = await sb.start(0);
	sb.setValidTokens([TOKEN]);
});
afterAll(async () => {
	await sb.stop();
});
beforeEach(async () => {
	sb.reset();
	dir = mkdtempSync(join(tmpdir(), 'ff-bulkdup-'));
	store = await openStore({ kind: 'sqlite', path: join(dir, 'store.sqlite') });
});
afterEach(async () => {
	await store.close();
	rmSync(dir, { recursive: true, force: true });
});

const at = '2026-01-01T00:00:00.000Z';
function prospect(i: number, extra: Record<string, unknown> = {}): InputRecord {
	const raw = { id: `pr_${i}`, created_at: at, updated_at: at, company_name: `Company ${i}`, contact_name: `Pat Person${i}`, email: `pat${i}@company${i}.example`, status: 'new', ...extra };
	return { record: mapFieldflowRecord(raw, eff).record, input: 0, item: i };
}

/** CRM persons: ids from 1000; `emails` as Pipedrive holds them. */
function seedPersons(rows: Array<{ name: string; emails: string[] }>): string[] {
	sb.seed({ persons: rows.map((r, k) => ({ id: 1000 + k, name: r.name, emails: r.emails.map((value, j) => ({ value, primary: j === 0, label: 'work' })) })) });
	return rows.map((_, k) => String(1000 + k));
}

/** `bulkMatch` null: searches only (as without the listing). */
async function run(ff: InputRecord[], bulkMatch: BulkMatchCost | null = BULK_MATCH_COST.pipedrive) {
	const adapter = new PipedriveAdapter({ apiToken: TOKEN, baseUrl: base, ratePerSecond: 0 });
	sb.resetCounters();
	const result = await resolve(
		ff,
		[],
		{
			store,
			getCrmByIds: (ids) => adapter.getByIds('persons', ids),
			findDuplicates: (c) => adapter.findDuplicates('persons', c),
			listCrm: () => adapter.listChangedSince('persons', undefined),
			getFieldflowByIds: async () => [],
		},
		{ eff, role: 'person', direction: 'bidirectional', strategy: 'newestWins', notFound: 'unlink', matchBy: ['externalId', 'email', 'name'], bulkMatch: bulkMatch ?? undefined },
	);
	const creates = result.routed.filter((r) => r.output === OUTPUT.toCrm).map((r) => (r.json._sync as { fieldflowId: string }).fieldflowId);
	const linked = new Map(
		result.routed
			.filter((r) => r.output !== OUTPUT.toCrm)
			.map((r) => {
				const m = r.json._sync as { fieldflowId: string; crmId: string | null };
				return [m.fieldflowId, m.crmId] as const;
			}),
	);
	return { result, creates, linked, calls: Object.fromEntries(sb.calls) };
}

test('600 new prospects: one listing of the persons (2 pages), no search; existing people are linked by any of their emails or, without an email, by contact name; others are created', async () => {
	const filler = Array.from({ length: 520 }, (_, k) => ({ name: `Someone Else${k}`, emails: [`else${k}@other.example`] }));
	const [byPrimary, bySecondary, byName, linkedElsewhere] = seedPersons([
		{ name: 'Pat Person3', emails: ['PAT3@company3.example'] },
		{ name: 'Whoever', emails: ['work@elsewhere.example', 'pat4@company4.example'] },
		{ name: 'pat  person5', emails: [] },
		{ name: 'Pat Person6', emails: ['pat6@company6.example'] },
		...filler,
	]);
	// Person of prospect 6 is already linked to another prospect: never linked twice.
	await store.saveLinks([{ crm: 'pipedrive', object: 'persons', fieldflowId: 'pr_other', crmId: linkedElsewhere, baseline: {}, status: 'synced' }]);
	const ff = Array.from({ length: 600 }, (_, k) => prospect(k + 1, k + 1 === 5 ? { email: null } : {}));

	const { result, creates, linked, calls } = await run(ff);

	expect(calls['persons.search'] ?? 0).toBe(0);
	expect(calls['persons.list']).toBe(2); // 524 persons, 500 per page
	expect(result.stats.duplicateListPages).toBe(2);
	expect(linked.get('pr_3')).toBe(byPrimary);
	expect(linked.get('pr_4')).toBe(bySecondary);
	expect(linked.get('pr_5')).toBe(byName);
	expect(result.stats.duplicatesLinked).toBe(3);
	expect(creates).toHaveLength(597);
	expect(creates).toContain('pr_6');
	expect(new Set(creates).size).toBe(597);
	// Every create is reserved in the store (the duplicate-safety of a lost create answer).
	expect(result.reserved.sort()).toEqual([...creates].sort());
});

test('the same result as the per-record searches (the fallback) on the same data', async () => {
	seedPersons([
		{ name: 'Pat Person3', emails: ['pat3@company3.example'] },
		{ name: 'Whoever', emails: ['work@elsewhere.example', 'pat4@company4.example'] },
		{ name: 'Pat Person5', emails: [] },
		...Array.from({ length: 30 }, (_, k) => ({ name: `Someone Else${k}`, emails: [`else${k}@other.example`] })),
	]);
	const ff = Array.from({ length: 600 }, (_, k) => prospect(k + 1, k + 1 === 5 ? { email: null } : {}));
	const listed = await run(ff);
	expect(listed.calls['persons.search'] ?? 0).toBe(0);
	await store.close();
	rmSync(dir, { recursive: true, force: true });
	dir = mkdtempSync(join(tmpdir(), 'ff-bulkdup-'));
	store = await openStore({ kind: 'sqlite', path: join(dir, 'store.sqlite') });
	const searched = await run(ff, null);
	expect(searched.calls['persons.search']).toBe(600); // 599 by email + 1 by name
	expect(searched.calls['persons.list'] ?? 0).toBeGreaterThan(0); // getByIds of the hits
	expect([...listed.linked]).toEqual([...searched.linked]);
	expect(listed.creates).toEqual(searched.creates);
});

test('few new prospects (a page’s worth or less): per-record searches, no listing', async () => {
	seedPersons([{ name: 'Pat Person2', emails: ['pat2@company2.example'] }]);
	const { calls, creates, linked } = await run(Array.from({ length: 20 }, (_, k) => prospect(k + 1)));
	expect(calls['persons.search']).toBe(20);
	expect(calls['persons.list']).toBe(1); // getByIds of the one hit, not a listing
	expect(linked.get('pr_2')).toBe('1000');
	expect(creates).toHaveLength(19);
});

test('a listing that would cost more calls than the searches is abandoned after its budget and the searches run', async () => {
	seedPersons(Array.from({ length: 1600 }, (_, k) => ({ name: `Someone Else${k}`, emails: [`else${k}@other.example`] })));
	// 30 creates at 10 per search → a budget of 3 pages; the 1,600 persons take 4 pages of 500.
	const { calls, creates, result } = await run(
		Array.from({ length: 30 }, (_, k) => prospect(k + 1)),
		{ listPageSize: 10, recordsPerSearch: 10 },
	);
	expect(result.stats.duplicateListPages).toBe(4); // the 4th page shows the budget is passed
	expect(calls['persons.list']).toBe(4);
	expect(calls['persons.search']).toBe(30);
	expect(creates).toHaveLength(30);
});

test('with more records already linked than the listing budget can cover (a paged bulk sync after its first pages), the searches run without trying the listing', async () => {
	const ids = seedPersons(Array.from({ length: 1600 }, (_, k) => ({ name: `Someone Else${k}`, emails: [`else${k}@other.example`] })));
	// Budget: 30 creates at 10 per search = 3 listing pages of 10 = 30 records; 30 already linked.
	await store.saveLinks(ids.slice(0, 30).map((crmId, k) => ({ crm: 'pipedrive', object: 'persons', fieldflowId: `pr_linked${k}`, crmId, baseline: {}, status: 'synced' })));
	const { calls, creates, result } = await run(
		Array.from({ length: 30 }, (_, k) => prospect(k + 1)),
		{ listPageSize: 10, recordsPerSearch: 10 },
	);
	expect(result.stats.duplicateListPages ?? 0).toBe(0);
	expect(calls['persons.list'] ?? 0).toBe(0);
	expect(calls['persons.search']).toBe(30);
	expect(creates).toHaveLength(30);
	// One link fewer than the budget: the listing is tried again.
	await store.removeLink('pipedrive', 'persons', 'pr_linked0');
	const again = await run(Array.from({ length: 30 }, (_, k) => prospect(k + 1)), { listPageSize: 10, recordsPerSearch: 10 });
	expect(again.result.stats.duplicateListPages).toBe(4);
});

test('record groups: the listing reads the persons alone and assembles only the candidates (an email or a contact name in common), so a matched person comes with its organization and deal and nothing else is read per person', async () => {
	const groupsEff = buildMapping({ crm: 'pipedrive', object: 'persons', useDefaults: true, custom: [], statusOverrides: [], members: ['organizations', 'deals'] });
	// 520 people, each of its own organization with its own deal; one of them is prospect 3's.
	const n = 520;
	sb.seed({
		organizations: Array.from({ length: n }, (_, k) => ({ id: 1 + k, name: k === 0 ? 'Company 3' : `Other Org ${k}` })),
		persons: Array.from({ length: n }, (_, k) => ({ id: 1000 + k, name: k === 0 ? 'Pat Person3' : `Someone Else${k}`, org_id: 1 + k, emails: [{ value: k === 0 ? 'pat3@company3.example' : `else${k}@other.example`, primary: true, label: 'work' }] })),
		deals: Array.from({ length: n }, (_, k) => ({ id: 5000 + k, title: `Deal ${k}`, person_id: 1000 + k, org_id: 1 + k, value: 100 + k })),
	});
	const adapter = new PipedriveAdapter({ apiToken: TOKEN, baseUrl: base, ratePerSecond: 0 });
	sb.resetCounters();
	const ff = Array.from({ length: 600 }, (_, k) => {
		const raw = { id: `pr_${k + 1}`, created_at: at, updated_at: at, company_name: `Company ${k + 1}`, contact_name: `Pat Person${k + 1}`, email: `pat${k + 1}@company${k + 1}.example`, status: 'new' };
		return { record: mapFieldflowRecord(raw, groupsEff).record, input: 0 as const, item: k };
	});
	const result = await resolve(ff, [], { store, ...crmLookups(adapter, groupsEff), getFieldflowByIds: async () => [] }, { eff: groupsEff, role: 'person', direction: 'bidirectional', strategy: 'newestWins', notFound: 'unlink', matchBy: ['externalId', 'email', 'name'], bulkMatch: BULK_MATCH_COST.pipedrive });
	const calls = Object.fromEntries(sb.calls);
	// Two listing pages of persons; the one candidate's organization and deal in one call each.
	expect(calls['persons.list']).toBe(2);
	expect(calls['persons.search'] ?? 0).toBe(0);
	expect(calls['organizations.list']).toBe(1);
	expect(calls['deals.list']).toBe(1);
	const matched = result.routed.find((r) => (r.json._sync as { fieldflowId: string }).fieldflowId === 'pr_3')!;
	const meta = matched.json._sync as { crmId: string; members?: Record<string, string> };
	expect(meta.crmId).toBe('1000');
	expect(meta.members).toMatchObject({ organizations: '1', deals: '5000' });
	expect(result.routed.filter((r) => r.output === OUTPUT.toCrm)).toHaveLength(599);
});
