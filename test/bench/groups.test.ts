/**
 * The groups bench's own plumbing, against the real sandboxes (no n8n): the call accounting names
 * each CRM call's object (calls.ts), the naive per-item baseline writes whole groups with their
 * links one record per call (naive.ts), the seed spreads N prospects over N/3 companies, and the
 * 1 % edits reach each member through the CRM's API (groups.ts).
 */
import { sandboxCredentials, startSandboxes, type Sandboxes } from '../sandboxes';
import { createAdapter } from '../../nodes/shared/crm';
import { byObject, countOf, instrument, isWrite } from './calls';
import { naiveGroupSync } from './naive';
import { GROUP_TARGETS, companiesFor, editOnePercent, expectedMembers, fieldflowRenamed, floorWrites, groupProspect, linkedCounts, liveCounts, seedCrmGroups } from './groups';
import { crmOf, type BenchTarget } from './workflow';

let sb: Sandboxes;
const N = 30;
const ENV = { FIELDFLOW_SANDBOX_RATE_PER_SECOND: '0' };

beforeAll(async () => {
	sb = await startSandboxes();
	for (const s of [sb.salesforce, sb.hubspot, sb.pipedrive]) instrument(s);
});
afterAll(async () => {
	await sb?.stop();
});

function fresh(): void {
	for (const x of [sb.fieldflow, sb.salesforce, sb.hubspot, sb.pipedrive]) x.reset();
	sb.fieldflow.seed({ prospects: Array.from({ length: N }, (_, k) => groupProspect(k + 1, N)) });
}

test('the seed: N prospects over about N/3 companies, each with a status and a value; floors per member object', () => {
	const ps = Array.from({ length: 3000 }, (_, k) => groupProspect(k + 1, 3000));
	expect(new Set(ps.map((p) => p.company_name)).size).toBe(1000);
	expect(companiesFor(100_000)).toBe(33_333);
	expect(ps.every((p) => p.status && typeof p.estimated_value === 'number')).toBe(true);
	expect(floorWrites(GROUP_TARGETS['salesforce-contacts'], 1000)).toEqual({ Account: 2, Contact: 5, Opportunity: 5, OpportunityContactRole: 5 });
	expect(floorWrites(GROUP_TARGETS.hubspot, 1000)).toEqual({ companies: 4, contacts: 10, deals: 10 });
	expect(floorWrites(GROUP_TARGETS.pipedrive, 1000)).toEqual({ organizations: 333, persons: 1000, deals: 1000 });
	expect(floorWrites(GROUP_TARGETS.salesforce, 1000)).toEqual({ Lead: 5 });
});

test('read or write by the request: GETs and read-only POSTs are reads', () => {
	expect(isWrite({ endpoint: 'objects.search', method: 'POST' })).toBe(false);
	expect(isWrite({ endpoint: 'associations.batch.read', method: 'POST' })).toBe(false);
	expect(isWrite({ endpoint: 'collections.retrieve', method: 'POST' })).toBe(false);
	expect(isWrite({ endpoint: 'oauth.token', method: 'POST' })).toBe(false);
	expect(isWrite({ endpoint: 'associations.batch.default', method: 'POST' })).toBe(true);
	expect(isWrite({ endpoint: 'collections.create', method: 'POST' })).toBe(true);
	expect(isWrite({ endpoint: 'prospects.batch', method: 'POST' })).toBe(true);
	expect(isWrite({ endpoint: 'persons.list', method: 'GET' })).toBe(false);
});

test('Salesforce: a Collections call is counted for the sObject types in its body, a query for its FROM', async () => {
	fresh();
	const data = sandboxCredentials(sb).find((c) => c.type === 'fieldFlowSalesforceApi')!.data;
	const a = createAdapter('salesforce', data, { salesforce: { ratePerSecond: 1e6 } });
	sb.salesforce.resetCounters();
	const [acc] = await a.upsert('Account', [{ ref: 'a', fields: { Name: 'Acme' } }]);
	await a.upsert('Contact', [{ ref: 'c', fields: { LastName: 'Lee', AccountId: acc.id } }]);
	await a.findDuplicates('Account', [{ ref: 'x', company: 'Acme' }]);
	const by = byObject(sb.salesforce);
	expect(by.Account).toEqual({ reads: 1, writes: 1 });
	expect(by.Contact).toEqual({ reads: 0, writes: 1 });
	expect(countOf(sb.salesforce)).toEqual({ reads: 1, writes: 2 });
});

describe.each(['salesforce-contacts', 'salesforce', 'hubspot', 'pipedrive'] as BenchTarget[])('%s', (t) => {
	const g = GROUP_TARGETS[t];
	const crm = crmOf(t);

	test('the naive baseline writes every group whole, linked, one record per call; the calls are named per object', async () => {
		fresh();
		const r = await naiveGroupSync(sb, t, g.linked, ENV);
		expect(r.failed).toBe(0);
		expect(liveCounts(sb, g)).toEqual(expectedMembers(g, N));
		for (const v of Object.values(linkedCounts(sb, g))) expect(v).toBe(N);
		const by = byObject(sb[crm]);
		for (const m of g.members) expect(by[m.object].writes).toBe(expectedMembers(g, N)[m.object]);
		// HubSpot: links inline on create, no association call.
		expect(by.associations).toBeUndefined();
		// One person search per prospect, one company search per prospect.
		expect(by[g.members.find((m) => m.role === 'person')!.object].reads).toBeGreaterThanOrEqual(N);
	});

	test('1 % edits: a phone, a deal amount and a company name changed through the CRM API; FieldFlow phone, value and company', async () => {
		const ffBefore = new Map(sb.fieldflow.prospects.live().map((p) => [p.id, { ...p.data }]));
		sb[crm].resetCounters();
		const e = await editOnePercent(sb, g, N);
		expect(e.fieldflow).toEqual({ phone: 1, value: t === 'salesforce' ? 0 : 1, company: 1 });
		expect(e.crm.phone).toBe(1);
		expect(e.crm.companyRenamed).toBe(1);
		expect(e.crm.prospectsOfRenamed).toBe(t === 'salesforce' ? 1 : 3);
		const ffAfter = sb.fieldflow.prospects.live();
		const changed = (f: string) => ffAfter.filter((p) => p.data[f] !== ffBefore.get(p.id)![f]).length;
		expect(changed('phone')).toBe(1);
		expect(changed('company_name')).toBe(1);
		expect(changed('estimated_value')).toBe(t === 'salesforce' ? 0 : 1);
		// The CRM writes went to the member objects, one each.
		const by = byObject(sb[crm]);
		const writes = Object.fromEntries(Object.entries(by).map(([k, v]) => [k, v.writes]));
		if (t === 'salesforce') expect(writes).toEqual({ Lead: 2 });
		else for (const m of g.members.filter((x) => x.role !== 'junction')) expect(writes[m.object]).toBe(1);
		expect(fieldflowRenamed(sb)).toBe(0);
	});
});

test('--import-only: N HubSpot groups seeded in the CRM as the bulk would write them, each deal and contact associated', () => {
	for (const x of [sb.fieldflow, sb.hubspot]) x.reset();
	const expected = seedCrmGroups(sb, 'hubspot', N);
	const g = GROUP_TARGETS.hubspot;
	expect(liveCounts(sb, g)).toEqual(expectedMembers(g, N));
	for (const v of Object.values(linkedCounts(sb, g))) expect(v).toBe(N);
	expect(expected.size).toBe(N);
	expect(expected.get('pat4@company4.example')).toEqual({ company_name: 'Company 4', status: 'won', estimated_value: 3000 });
	const deal = sb.hubspot.tables.deals.live().find((r) => r.id === '90000004')!;
	expect(deal.data).toMatchObject({ dealstage: 'closedwon', dealname: 'Company 4' });
	expect(() => seedCrmGroups(sb, 'salesforce-contacts', N)).toThrow(/HubSpot and Pipedrive groups only/);
});

test('--import-only: N Pipedrive groups seeded in the CRM as the bulk would write them, persons and deals linked', () => {
	for (const x of [sb.fieldflow, sb.pipedrive]) x.reset();
	const expected = seedCrmGroups(sb, 'pipedrive', N);
	const g = GROUP_TARGETS.pipedrive;
	expect(liveCounts(sb, g)).toEqual(expectedMembers(g, N));
	for (const v of Object.values(linkedCounts(sb, g))) expect(v).toBe(N);
	expect(expected.get('pat4@company4.example')).toEqual({ company_name: 'Company 4', status: 'won', estimated_value: 3000 });
	const deals = sb.pipedrive.tables.deals.live();
	expect(deals.find((r) => r.id === '4')!.data).toMatchObject({ status: 'won', stage_id: 5, value: 3000, title: 'Company 4', person_id: 4 });
	const lost = deals.find((r) => r.data.status === 'lost')!;
	expect(lost.data.stage_id).toBe(1);
});
