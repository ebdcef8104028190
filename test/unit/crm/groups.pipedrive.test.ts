/**
 * Record groups on Pipedrive (Person + Organization + Deal) through the real `pipedrive` SDK
 * against the Pipedrive sandbox: writes in dependency order with shared organizations, reads that
 * assemble each person's organization and deal, the company-change rule, and the change feed of a
 * group (a deal or an organization changed reaches its person).
 */
import { PipedriveAdapter } from '../../../nodes/shared/crm/pipedrive';
import type { ChangePage, CrmRecord } from '../../../nodes/shared/crm/types';
import { forecastGroupWrites, getGroupsByIds, groupSpec, listGroupChanges, writeGroups, type GroupSpec } from '../../../nodes/shared/crm/group';
import { forecastPipedriveWrites } from '../../../nodes/shared/crm/pipedrive';
import { PipedriveSandbox } from '../../sandboxes/pipedrive';

delete process.env.HTTP_PROXY;
delete process.env.HTTPS_PROXY;

const TOKEN = 'pd-groups-token-0123456789';
const sb = new PipedriveSandbox();
let base = '';
const spec = groupSpec('pipedrive', 'persons', ['organizations', 'deals']) as GroupSpec;

function adapter(): PipedriveAdapter {
	return new PipedriveAdapter({ apiToken: TOKEN, baseUrl: base, ratePerSecond: 0, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 100 } });
}

async function all(it: AsyncIterable<ChangePage>): Promise<ChangePage[]> {
	const pages: ChangePage[] = [];
	for await (const p of it) pages.push(p);
	return pages;
}

async function api(path: string): Promise<Record<string, unknown>> {
	const res = await fetch(`${base}${path}`, { headers: { 'x-api-token': TOKEN } });
	return (await res.json()) as Record<string, unknown>;
}
async function list(entity: string): Promise<Array<Record<string, unknown>>> {
	return ((await api(`/api/v2/${entity}?limit=500`)).data ?? []) as Array<Record<string, unknown>>;
}

const prospect = (i: number, company: string | null, extra: Record<string, unknown> = {}) => ({
	ref: `pr_${i}`,
	fields: {
		name: `Contact ${i}`,
		email: `c${i}@example.com`,
		...(company === null ? {} : { 'organizations.name': company }),
		'deals.status': 'open',
		'deals.stage_id': '2',
		'deals.value': 1000 * i,
		...extra,
	},
});

beforeAll(async () => {
	base = await sb.start(0);
	sb.setValidTokens([TOKEN]);
});
afterAll(() => sb.stop());
beforeEach(() => sb.reset());

describe('Pipedrive record groups', () => {
	test('first write: 20 prospects over 6 companies → 6 organizations, 20 persons with org_id, 20 deals linked to both', async () => {
		const companies = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark'];
		const a = adapter();
		const inputs = Array.from({ length: 20 }, (_, i) => prospect(i + 1, companies[i % 6]));
		// Two spellings of one company are one organization (normalised name).
		inputs[19].fields['organizations.name'] = '  acme ';
		const results = await writeGroups(a, spec, inputs);
		expect(results.every((r) => r.success)).toBe(true);
		const orgs = await list('organizations');
		expect(orgs).toHaveLength(6);
		const persons = await list('persons');
		const deals = await list('deals');
		expect(persons).toHaveLength(20);
		expect(deals).toHaveLength(20);
		for (const r of results) {
			const person = persons.find((p) => String(p.id) === r.id)!;
			const deal = deals.find((d) => String(d.id) === r.members!.deals)!;
			expect(String(person.org_id)).toBe(r.members!.organizations);
			expect(String(deal.person_id)).toBe(r.id);
			expect(String(deal.org_id)).toBe(r.members!.organizations);
		}
		const acme = orgs.find((o) => o.name === 'Acme')!;
		expect(persons.filter((p) => p.org_id === acme.id)).toHaveLength(5);
		// The deal is titled from the company; value and stage land on the deal.
		const d1 = deals.find((d) => String(d.id) === results[0].members!.deals)!;
		expect(d1).toMatchObject({ title: 'Acme', value: 1000, stage_id: 2, status: 'open' });
		// Floor: one create per new member record; the companies are looked up in one listing of the
		// organizations (cheaper than a search per distinct name). The Preview's forecast is what
		// was written, its look-ups an upper bound (a search per name).
		const { 'organizations.list': listings, ...writes } = a.stats.byEndpoint;
		expect(listings).toBe(1);
		expect(writes).toEqual({ 'organizations.create': 6, 'persons.create': 20, 'deals.create': 20 });
		const { 'organizations.search': searches, ...forecastWrites } = forecastGroupWrites(spec, inputs, forecastPipedriveWrites);
		expect(forecastWrites).toEqual(writes);
		expect(searches).toBe(6);
	});

	test('company look-up: one listing of the organizations when it costs fewer calls than a search per name; searches when the listing would cost more', async () => {
		// 1,200 organizations: 3 listing pages of 500.
		sb.seed({ organizations: Array.from({ length: 1200 }, (_, i) => ({ id: i + 1, name: `Org ${i + 1}` })) });
		const names = (n: number) => Array.from({ length: n }, (_, i) => ({ ref: `k${i}`, company: i === 0 ? '  org 7 ' : `Org ${i * 100}` }));
		// 5 names: 3 pages < 5 searches → listed; matched as the search matches (exact, any case).
		let a = adapter();
		let found = await a.findDuplicates('organizations', names(5));
		expect(a.stats.byEndpoint).toEqual({ 'organizations.list': 3 });
		expect(found.map((f) => f.matches.map((m) => m.id))).toEqual([['7'], ['100'], ['200'], ['300'], ['400']]);
		// 3 names: a listing would cost 3 calls, no fewer: the listing stops past its budget (2 pages) and the searches run.
		a = adapter();
		found = await a.findDuplicates('organizations', names(3));
		expect(a.stats.byEndpoint['organizations.list']).toBe(3);
		expect(a.stats.byEndpoint['organizations.search']).toBe(3);
		expect(found.map((f) => f.matches.map((m) => m.id))).toEqual([['7'], ['100'], ['200']]);
	});

	test('the deals of many persons are one listing of the deals (not one call per person) when that costs fewer calls; per person otherwise', async () => {
		const persons = Array.from({ length: 30 }, (_, i) => ({ id: i + 1, name: `P ${i + 1}` }));
		// Person 3 has two deals (the oldest is its group's), person 4 none.
		const deals = [...persons.filter((p) => p.id !== 4).map((p) => ({ id: 100 + p.id, title: `D ${p.id}`, person_id: p.id })), { id: 500, title: 'second', person_id: 3 }];
		sb.seed({ persons, deals });
		let a = adapter();
		const groups = await getGroupsByIds(a, spec, persons.map((p) => String(p.id)));
		expect(a.stats.byEndpoint).toEqual({ 'persons.list': 1, 'deals.list': 1 });
		expect(groups.map((g) => g.members?.deals ?? null)).toEqual(persons.map((p) => (p.id === 4 ? null : String(100 + p.id))));
		// One person: its own filtered call.
		a = adapter();
		const [one] = await getGroupsByIds(a, spec, ['3']);
		expect(a.stats.byEndpoint).toEqual({ 'persons.list': 1, 'deals.list': 1 });
		expect(one.members?.deals).toBe('103');
	});

	test('change feed with the links (linksOf): each linked deal is read by id, not looked up through its person, so a second deal is never taken for it; organization changes are looked up together', async () => {
		// 3,000 persons over 1,500 organizations, each with its deal; person 1 also has an older deal
		// (lower id) that is not its prospect's.
		const orgs = Array.from({ length: 1500 }, (_, i) => ({ id: i + 1, name: `Org ${i + 1}` }));
		const persons = Array.from({ length: 3000 }, (_, i) => ({ id: i + 1, name: `P ${i + 1}`, org_id: (i % 1500) + 1 }));
		const deals = [{ id: 5, title: 'older deal', person_id: 1, value: 1 }, ...persons.map((p) => ({ id: 10000 + p.id, title: `D ${p.id}`, person_id: p.id, org_id: p.org_id, value: p.id }))];
		sb.seed({ organizations: orgs, persons, deals });
		const links = new Map(persons.map((p) => [String(p.id), { organizations: String(p.org_id), deals: String(10000 + p.id) }]));
		const asked: number[] = [];
		const linksOf = async (ids: string[]) => {
			asked.push(ids.length);
			return new Map(ids.filter((id) => links.has(id)).map((id) => [id, links.get(id)!]));
		};
		const read = async (options: Parameters<typeof listGroupChanges>[3]) => {
			const a = adapter();
			const seen = new Map<string, CrmRecord>();
			for (const p of await all(listGroupChanges(a, spec, '2000-01-01T00:00:00Z', options))) for (const r of p.records) seen.set(r.id, r);
			return { seen, calls: a.stats.byEndpoint };
		};
		const linked = await read({ linksOf });
		expect(linked.seen.size).toBe(3000);
		expect(linked.seen.get('1')!.members).toEqual({ organizations: '1', deals: '10001' });
		expect(linked.seen.get('1')!.fields['deals.value']).toBe(1);
		expect(linked.seen.get('1')!.fields['deals.title']).toBe('D 1');
		expect(linked.seen.get('2999')!.members).toEqual({ organizations: '1499', deals: '12999' });
		// One store look-up per page of 500 persons.
		expect(asked).toEqual([500, 500, 500, 500, 500, 500]);
		// persons: their feed (6 pages of 500) and one listing of every person for the 1,500 changed
		// organizations (3 feed pages looked up together; a listing per page would be 18);
		// deals: their feed (7 pages, then the deleted list) and, per page of persons, its 500 linked
		// deals by id (5 calls of 100), never a listing of every deal per page;
		// organizations: their feed (3 pages) and each page's 500 organizations by id (5 calls).
		expect(linked.calls).toEqual({ 'persons.list': 6 + 6, 'deals.list': 7 + 1 + 6 * 5, 'organizations.list': 3 + 6 * 5 });
		// Without the links: each page's deals come from a listing of every deal (7 calls per page of
		// persons), and person 1's oldest deal stands in for its linked one.
		const unlinked = await read({});
		expect(unlinked.seen.get('1')!.members!.deals).toBe('5');
		expect(unlinked.calls['deals.list']).toBe(7 + 1 + 6 * 7);
	});

	test('a keyset page of 1,000 persons (two API pages of 500) looks up their deals and organizations once for the page', async () => {
		const persons = Array.from({ length: 1500 }, (_, i) => ({ id: i + 1, name: `P ${i + 1}`, org_id: (i % 300) + 1 }));
		sb.seed({ organizations: Array.from({ length: 300 }, (_, i) => ({ id: i + 1, name: `Org ${i + 1}` })), persons, deals: persons.map((p) => ({ id: 5000 + p.id, title: `D ${p.id}`, person_id: p.id, org_id: p.org_id })) });
		const a = adapter();
		const pages = await all(listGroupChanges(a, spec, undefined, { limit: 1000 }));
		const records = pages.flatMap((p) => p.records);
		expect(records).toHaveLength(1000);
		expect(records.every((r) => r.members?.deals === String(5000 + Number(r.id)) && r.members?.organizations === String(((Number(r.id) - 1) % 300) + 1))).toBe(true);
		// persons: 3 API pages of 500 (the keyset read takes one record past the page to know where it
		// ends); deals: one listing of the 1,500 deals (3 calls) for the 1,000 persons, not one per
		// API page (6); organizations: the page's 300 by id (3 calls of 100), not 300 per API page (6).
		expect(a.stats.byEndpoint).toEqual({ 'persons.list': 3, 'deals.list': 3, 'organizations.list': 3 });
	});

	test('an existing organization of the same name is reused, not duplicated; a prospect without a company creates none', async () => {
		sb.seed({ organizations: [{ id: 77, name: 'Globex Retail' }] });
		const results = await writeGroups(adapter(), spec, [prospect(1, 'GLOBEX retail'), prospect(2, null)]);
		expect(results.map((r) => r.success)).toEqual([true, true]);
		expect(results[0].members!.organizations).toBe('77');
		expect(results[1].members!.organizations).toBeUndefined();
		expect(await list('organizations')).toHaveLength(1);
		const deal2 = (await list('deals')).find((d) => String(d.id) === results[1].members!.deals)!;
		// Without a company the deal takes the contact's name.
		expect(deal2.title).toBe('Contact 2');
		expect(deal2.org_id ?? null).toBeNull();
	});

	test('read back: each person with its organization and the deal the link names (a second deal is not it)', async () => {
		const a = adapter();
		const [r] = await writeGroups(a, spec, [prospect(1, 'Acme')]);
		// A newer, second deal on the same person.
		sb.seed({ deals: [{ id: 900, title: 'Other deal', value: 5, person_id: Number(r.id), status: 'open', stage_id: 1 }] });
		const [g] = await getGroupsByIds(a, spec, [r.id!], { hints: new Map([[r.id!, r.members!]]) });
		expect(g.members).toEqual(r.members);
		expect(g.fields).toMatchObject({ name: 'Contact 1', 'organizations.name': 'Acme', 'deals.value': 1000, 'deals.title': 'Acme' });
		// Linked to a deal that is gone: the person's oldest deal is not taken silently in its place.
		const noHint = await getGroupsByIds(a, spec, [r.id!]);
		expect(noHint[0].members!.deals).toBe(r.members!.deals);
	});

	test('company change: a company shared by others is not renamed (relink); one linked to this person alone is renamed', async () => {
		const a = adapter();
		const res = await writeGroups(a, spec, [prospect(1, 'Acme'), prospect(2, 'Acme'), prospect(3, 'Solo Ltd')]);
		const acmeId = res[0].members!.organizations;
		// Prospect 1 moves to "Acme Europe" while prospect 2 stays with Acme.
		const move = [{ ref: 'pr_1', id: res[0].id, members: res[0].members, fields: { 'organizations.name': 'Acme Europe' } }];
		const before = { ...a.stats.byEndpoint };
		const [moved] = await writeGroups(a, spec, move);
		const sent = Object.fromEntries(Object.entries(a.stats.byEndpoint).map(([k, n]) => [k, n - (before[k] ?? 0)]).filter(([, n]) => Number(n) > 0));
		// The forecast assumes a rename (the company is not shared) and counts the shared check.
		expect(forecastGroupWrites(spec, move, forecastPipedriveWrites)).toEqual({ 'persons.list': 1, 'organizations.update': 1 });
		expect(sent).toMatchObject({ 'persons.list': 1 });
		expect(moved.success).toBe(true);
		expect(moved.members!.organizations).not.toBe(acmeId);
		const orgs = await list('organizations');
		expect(orgs.find((o) => String(o.id) === acmeId)!.name).toBe('Acme');
		expect(orgs.find((o) => String(o.id) === moved.members!.organizations)!.name).toBe('Acme Europe');
		const persons = await list('persons');
		expect(String(persons.find((p) => String(p.id) === res[0].id)!.org_id)).toBe(moved.members!.organizations);
		expect(String(persons.find((p) => String(p.id) === res[1].id)!.org_id)).toBe(acmeId);
		// Its deal follows it to the new organization.
		const deal = (await list('deals')).find((d) => String(d.id) === res[0].members!.deals)!;
		expect(String(deal.org_id)).toBe(moved.members!.organizations);
		// Prospect 3 is Solo Ltd's only person: the organization is renamed in place.
		const [renamed] = await writeGroups(a, spec, [{ ref: 'pr_3', id: res[2].id, members: res[2].members, fields: { 'organizations.name': 'Solo Limited' } }]);
		expect(renamed.members!.organizations).toBe(res[2].members!.organizations);
		expect((await list('organizations')).find((o) => String(o.id) === res[2].members!.organizations)!.name).toBe('Solo Limited');
	});

	test('one bad member fails only its own group, naming the member and field', async () => {
		const a = adapter();
		const bad = prospect(2, 'Globex', { 'deals.stage_id': '999' });
		const results = await writeGroups(a, spec, [prospect(1, 'Acme'), bad, prospect(3, 'Initech')]);
		expect(results.map((r) => r.success)).toEqual([true, false, true]);
		const e = results[1].error!;
		expect(e.message).toMatch(/deals/);
		expect(e.recordRef).toBe('pr_2');
		// The person was written before its deal failed: the result names it, so a retry updates it.
		expect(results[1].id).toBeDefined();
		expect(results[1].members!.organizations).toBeDefined();
		const retry = await writeGroups(a, spec, [{ ref: 'pr_2', id: results[1].id, members: results[1].members, fields: { 'deals.status': 'open', 'deals.stage_id': '3', 'deals.value': 2000 } }]);
		expect(retry[0].success).toBe(true);
		expect(await list('persons')).toHaveLength(3);
		expect(await list('deals')).toHaveLength(3);
	});

	test('change feed: a deal stage moved and an organization renamed reach their persons; the last page carries the newest time', async () => {
		const a = adapter();
		const res = await writeGroups(a, spec, [prospect(1, 'Acme'), prospect(2, 'Acme'), prospect(3, 'Globex')]);
		const since = (await all(listGroupChanges(a, spec, undefined))).at(-1)!.cursor;
		await new Promise((r) => setTimeout(r, 1100));
		await a.upsert('deals', [{ ref: 'd', id: res[2].members!.deals, fields: { stage_id: 4 } }]);
		await a.upsert('organizations', [{ ref: 'o', id: res[0].members!.organizations, fields: { name: 'Acme Corp' } }]);
		const pages = await all(listGroupChanges(a, spec, since, { hints: new Map(res.map((r) => [r.id!, r.members!])) }));
		const seen = new Map<string, CrmRecord>();
		for (const p of pages) for (const r of p.records) seen.set(r.id, r);
		expect([...seen.keys()].sort()).toEqual([res[0].id, res[1].id, res[2].id].sort());
		expect(seen.get(res[0].id!)!.fields['organizations.name']).toBe('Acme Corp');
		expect(seen.get(res[1].id!)!.fields['organizations.name']).toBe('Acme Corp');
		expect(seen.get(res[2].id!)!.fields['deals.stage_id']).toBe(4);
		const cursors = pages.map((p) => p.cursor);
		expect(cursors.at(-1)! >= since).toBe(true);
		for (const c of cursors.slice(0, -1)) expect(c <= cursors.at(-1)!).toBe(true);
	});
});
