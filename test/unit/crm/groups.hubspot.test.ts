/**
 * Record groups on HubSpot (Contact + Company + Deal, linked by associations) through the real
 * @hubspot/api-client against the HubSpot sandbox: writes in dependency order with shared
 * companies and inline associations (no association call for new records), reads that assemble
 * each contact's company and deal from the v4 association reads (per page, not per record), the
 * company-change rule, and the change feed of a group (a deal or a company changed reaches its
 * contacts). The inputs are what the default mapping (defaultMappings('hubspot', 'contacts',
 * ['companies', 'deals'])) makes of FieldFlow prospects.
 */
import { Client } from '@hubspot/api-client';
import { HubSpotAdapter } from '../../../nodes/shared/crm/hubspot';
import { forecastWrites } from '../../../nodes/shared/crm';
import type { CrmRecord } from '../../../nodes/shared/crm/types';
import { forecastGroupWrites, getGroupsByIds, groupSpec, listGroupChanges, writeGroups, type GroupSpec } from '../../../nodes/shared/crm/group';
import { DEFAULT_VALUE_MAPS } from '../../../nodes/shared/mapping/defaults';
import { diffFields, mapToFieldflow } from '../../../nodes/shared/mapping/engine';
import { allPages, callsSince, expectCursorsEndAfter, groupFixture, hintsOf } from '../../support/groups';
import { HubSpotSandbox } from '../../sandboxes/hubspot';

for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[k];

const TOKEN = 'pat-na1-groups-0000-1111-2222-333333333333';
const sb = new HubSpotSandbox();
const spec = groupSpec('hubspot', 'contacts', ['companies', 'deals']) as GroupSpec;
const { rules, prospect, changed } = groupFixture('hubspot', 'contacts', ['companies', 'deals']);
const forecast = (o: string, c: Parameters<typeof forecastWrites>[2]) => forecastWrites('hubspot', o, c);
let client: Client;

function adapter(): HubSpotAdapter {
	return new HubSpotAdapter({ accessToken: TOKEN, baseUrl: sb.url, ratePerSecond: 10_000, searchRatePerSecond: 10_000, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 100 }, sleep: async () => undefined });
}

/** Calls per object and kind since the last reset, from the sandbox's own log (`POST companies/batch/create` → `companies.batch.create`). */
function callsByObject(): Record<string, number> {
	const out: Record<string, number> = {};
	for (const c of sb.callLog) {
		const obj = /^\/crm\/v3\/objects\/(\w+)\/(batch\/\w+|search)$/.exec(c.path);
		const assoc = /^\/crm\/v4\/associations\/(\w+)\/(\w+)\/batch\/(\w+)/.exec(c.path);
		const key = obj ? `${obj[1]}.${obj[2].replace('/', '.')}` : assoc ? `associations.${assoc[1]}->${assoc[2]}.${assoc[3]}` : `${c.method} ${c.path}`;
		out[key] = (out[key] ?? 0) + 1;
	}
	return out;
}

/** Ids associated with a record, through the v4 API (not the sandbox's internals). */
async function assocIds(from: string, id: string, to: string): Promise<string[]> {
	const res = await client.crm.associations.v4.batchApi.getPage(from, to, { inputs: [{ id }] });
	return (res.results[0]?.to ?? []).map((t) => String(t.toObjectId)).sort();
}
async function props(type: string, id: string, properties: string[]): Promise<Record<string, string | null>> {
	return (await client.crm.objects.basicApi.getById(type, id, properties)).properties;
}

beforeAll(async () => {
	await sb.start(0);
	sb.setValidTokens([TOKEN]);
	client = new Client({ accessToken: TOKEN, basePath: sb.url, numberOfApiCallRetries: 0 });
});
afterAll(() => sb.stop());
beforeEach(() => sb.reset());

describe('HubSpot record groups', () => {
	const COMPANIES = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark'];

	test('the token expires between the contacts and the deals: every group fails as auth expired, and the contacts written keep their ids and companies (a retry updates them, creates no second one)', async () => {
		const a = adapter();
		const inputs = Array.from({ length: 4 }, (_, i) => prospect(i + 1, COMPANIES[i % 2]));
		// The third batch create (companies, contacts, then deals) is refused: 401, as an expired token.
		sb.injectFault({ kind: 'auth', endpoint: 'objects.batch.create', times: 1, every: 3 });
		const results = await writeGroups(a, spec, inputs);
		expect(results.map((r) => [r.success, r.error?.kind])).toEqual(inputs.map(() => [false, 'auth_expired']));
		const contacts = sb.records('contacts');
		expect(contacts).toHaveLength(4);
		expect(sb.records('deals')).toHaveLength(0);
		expect(results.map((r) => r.id).sort()).toEqual(contacts.map((c) => c.id).sort());
		for (const r of results) expect(await assocIds('contacts', r.id!, 'companies')).toEqual([r.members!.companies]);

		// Reconnected: the retry of the same inputs, now with the ids, updates the contacts and adds the deals.
		sb.clearFaults();
		const retried = await writeGroups(a, spec, inputs.map((input, i) => ({ ...input, id: results[i].id, members: results[i].members })));
		expect(retried.every((r) => r.success)).toBe(true);
		expect(sb.records('contacts')).toHaveLength(4);
		expect(sb.records('deals')).toHaveLength(4);
	});

	test('first write: 20 prospects over 6 companies → 6 companies, 20 contacts, 20 deals, all associated in the create calls', async () => {
		const a = adapter();
		const inputs = Array.from({ length: 20 }, (_, i) => prospect(i + 1, COMPANIES[i % 6]));
		// Two spellings of one company are one company (normalised name).
		inputs[18].fields['companies.name'] = '  acme ';
		const results = await writeGroups(a, spec, inputs);
		expect(results.every((r) => r.success)).toBe(true);
		const calls = callsByObject();
		// Floor: one batch create per object (≤ 100 records each), the 6 names looked up in ⌈6/5⌉
		// searches (5 filter groups per search), and not one association call.
		expect(calls).toEqual({ 'companies.search': 2, 'companies.batch.create': 1, 'contacts.batch.create': 1, 'deals.batch.create': 1 });
		expect(a.stats.byEndpoint).toEqual({ 'objects.search': 2, 'objects.batch.create': 3 });
		expect(forecastGroupWrites(spec, inputs, forecast)).toEqual(a.stats.byEndpoint);

		expect(sb.records('companies')).toHaveLength(6);
		expect(sb.records('contacts')).toHaveLength(20);
		expect(sb.records('deals')).toHaveLength(20);
		const acme = results[0].members!.companies;
		expect(results.filter((r) => r.members!.companies === acme)).toHaveLength(4);
		for (const r of results) {
			expect(await assocIds('contacts', r.id!, 'companies')).toEqual([r.members!.companies]);
			expect(await assocIds('deals', r.members!.deals, 'contacts')).toEqual([r.id]);
			expect(await assocIds('deals', r.members!.deals, 'companies')).toEqual([r.members!.companies]);
		}
		expect((await assocIds('companies', acme, 'contacts')).sort()).toEqual([results[0].id, results[6].id, results[12].id, results[18].id].sort());
		// The guide's table, field by field: name/email/company text on the contact, the company's
		// name, the deal named from the company with the stage of the status and the amount.
		expect(await props('contacts', results[6].id!, ['firstname', 'lastname', 'email', 'company'])).toMatchObject({ firstname: 'Contact7', lastname: 'Person', email: 'c7@example.com', company: 'Acme' });
		expect(await props('companies', acme, ['name'])).toMatchObject({ name: 'Acme' });
		expect(await props('deals', results[6].members!.deals, ['dealname', 'dealstage', 'amount', 'pipeline'])).toMatchObject({ dealname: 'Acme', dealstage: 'qualifiedtobuy', amount: '7000', pipeline: 'default' });
	});

	test('150 prospects: ⌈150/100⌉ batch creates per object, still no association call', async () => {
		const a = adapter();
		const inputs = Array.from({ length: 150 }, (_, i) => prospect(i + 1, `Company ${i % 120}`));
		const results = await writeGroups(a, spec, inputs);
		expect(results.every((r) => r.success)).toBe(true);
		expect(callsByObject()).toEqual({ 'companies.search': 24, 'companies.batch.create': 2, 'contacts.batch.create': 2, 'deals.batch.create': 2 });
		expect(forecastGroupWrites(spec, inputs, forecast)).toEqual(a.stats.byEndpoint);
		expect(sb.records('companies')).toHaveLength(120);
		expect(await assocIds('deals', results[149].members!.deals, 'companies')).toEqual([results[149].members!.companies]);
	});

	test('an existing company of the same name is reused; a prospect without a company creates none and its deal takes the contact name', async () => {
		sb.seed({ companies: [{ id: '5000077', name: 'Globex Retail' }] });
		const results = await writeGroups(adapter(), spec, [prospect(1, 'GLOBEX retail'), prospect(2, null)]);
		expect(results.map((r) => r.success)).toEqual([true, true]);
		expect(results[0].members!.companies).toBe('5000077');
		expect(results[1].members!.companies).toBeUndefined();
		expect(sb.records('companies')).toHaveLength(1);
		expect(await assocIds('contacts', results[1].id!, 'companies')).toEqual([]);
		expect(await props('deals', results[1].members!.deals, ['dealname'])).toMatchObject({ dealname: 'Contact2 Person' });
		expect(await assocIds('deals', results[1].members!.deals, 'companies')).toEqual([]);
	});

	test('read back and a second write: every field comes back, per page (not per record), and a write of no change sends nothing', async () => {
		const a = adapter();
		const inputs = Array.from({ length: 20 }, (_, i) => prospect(i + 1, COMPANIES[i % 6]));
		const results = await writeGroups(a, spec, inputs);
		sb.resetCounters();
		const groups = await getGroupsByIds(a, spec, results.map((r) => r.id!), { hints: hintsOf(results) });
		// 20 contacts: one batch read per object, one association read for their companies, one to
		// check the linked deals are still theirs.
		expect(callsByObject()).toEqual({
			'contacts.batch.read': 1,
			'companies.batch.read': 1,
			'deals.batch.read': 1,
			'associations.contacts->companies.read': 1,
			'associations.deals->contacts.read': 1,
		});
		groups.forEach((g, i) => {
			expect(g.members).toEqual(results[i].members);
			// Nothing the mapping would write differs from what HubSpot holds.
			expect(diffFields(g.fields, inputs[i].fields)).toEqual([]);
			expect(mapToFieldflow(g.fields, rules, DEFAULT_VALUE_MAPS).fields).toMatchObject({ contact_name: `Contact${i + 1} Person`, company_name: COMPANIES[i % 6], status: 'contacted', estimated_value: 1000 * (i + 1) });
		});
		sb.resetCounters();
		const again = await writeGroups(a, spec, groups.map((g, i) => ({ ref: inputs[i].ref, id: g.id, members: g.members, fields: {} })));
		expect(again.every((r) => r.success)).toBe(true);
		expect(sb.callLog).toEqual([]);
		expect(forecastGroupWrites(spec, groups.map((g, i) => ({ ref: inputs[i].ref, id: g.id, members: g.members, fields: {} })), forecast)).toEqual({});
	});

	test('a second deal on a contact is not taken for the prospect\'s deal (the link names it); without a link the oldest deal is', async () => {
		const a = adapter();
		const [r] = await writeGroups(a, spec, [prospect(1, 'Acme')]);
		// An older deal (lower id) and a newer one, both associated with the contact.
		sb.seed({ deals: [{ id: '8999990', properties: { dealname: 'Old deal', dealstage: 'closedlost', amount: 5 }, associations: [{ toObjectType: 'contacts', toId: r.id! }] }] });
		await client.crm.deals.basicApi.create({ properties: { dealname: 'Newer deal', dealstage: 'closedwon', amount: '9' }, associations: [{ to: { id: r.id! }, types: [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: 3 }] }] });
		expect(await assocIds('contacts', r.id!, 'deals')).toHaveLength(3);
		const [g] = await getGroupsByIds(a, spec, [r.id!], { hints: hintsOf([r]) });
		expect(g.members).toEqual(r.members);
		expect(g.fields).toMatchObject({ 'deals.dealname': 'Acme', 'deals.dealstage': 'qualifiedtobuy', 'deals.amount': '1000', 'companies.name': 'Acme', firstname: 'Contact1' });
		// The link's deal dissociated from the contact: it is no longer this prospect's deal, and
		// no other deal is taken silently in its place.
		await client.crm.associations.v4.batchApi.archive('deals', 'contacts', { inputs: [{ _from: { id: r.members!.deals }, to: [{ id: r.id! }] }] });
		const [gone] = await getGroupsByIds(a, spec, [r.id!], { hints: hintsOf([r]) });
		expect(gone.members!.deals).toBeUndefined();
		expect(gone.fields['deals.dealname']).toBeUndefined();
		// Without a link (a contact met for the first time), its oldest deal.
		const [fresh] = await getGroupsByIds(a, spec, [r.id!]);
		expect(fresh.members!.deals).toBe('8999990');
	});

	test('company change: a company shared by others is not renamed (relink, its deal follows); one linked to this contact alone is renamed', async () => {
		const a = adapter();
		const res = await writeGroups(a, spec, [prospect(1, 'Acme'), prospect(2, 'Acme'), prospect(3, 'Solo Ltd')]);
		const acmeId = res[0].members!.companies;
		// Prospect 1 moves to "Acme Europe" while prospect 2 stays with Acme.
		const move = [changed(1, res[0], 'Acme', 'Acme Europe')];
		expect(Object.keys(move[0].fields).sort()).toEqual(['companies.name', 'company', 'deals.dealname']);
		sb.resetCounters();
		const [moved] = await writeGroups(a, spec, move);
		expect(moved.success).toBe(true);
		expect(callsByObject()).toEqual({
			'associations.companies->contacts.read': 1,
			'companies.search': 1,
			'companies.batch.create': 1,
			'contacts.batch.update': 1,
			'associations.contacts->companies.create': 1,
			'associations.contacts->companies.archive': 1,
			'associations.deals->companies.create': 1,
			'associations.deals->companies.archive': 1,
			'deals.batch.update': 1,
		});
		expect(moved.members!.companies).not.toBe(acmeId);
		expect(await props('companies', acmeId, ['name'])).toMatchObject({ name: 'Acme' });
		expect(await props('companies', moved.members!.companies, ['name'])).toMatchObject({ name: 'Acme Europe' });
		expect(await assocIds('contacts', res[0].id!, 'companies')).toEqual([moved.members!.companies]);
		expect(await assocIds('contacts', res[1].id!, 'companies')).toEqual([acmeId]);
		expect(await assocIds('deals', res[0].members!.deals, 'companies')).toEqual([moved.members!.companies]);
		expect(await assocIds('deals', res[1].members!.deals, 'companies')).toEqual([acmeId]);
		expect(await props('deals', res[0].members!.deals, ['dealname'])).toMatchObject({ dealname: 'Acme Europe' });

		// Prospect 3 is Solo Ltd's only contact: the company is renamed in place, and the Preview's
		// forecast (which assumes the rename) is exactly what is sent.
		const rename = [changed(3, res[2], 'Solo Ltd', 'Solo Limited')];
		sb.resetCounters();
		const before = { ...a.stats.byEndpoint };
		const [renamed] = await writeGroups(a, spec, rename);
		const sent = callsSince(a.stats, before);
		expect(callsByObject()).toEqual({ 'associations.companies->contacts.read': 1, 'companies.batch.update': 1, 'contacts.batch.update': 1, 'deals.batch.update': 1 });
		expect(renamed.members).toEqual(res[2].members);
		expect(await props('companies', res[2].members!.companies, ['name'])).toMatchObject({ name: 'Solo Limited' });
		expect(forecastGroupWrites(spec, rename, forecast)).toEqual(sent);
		expect(sb.records('companies')).toHaveLength(3);

		// Company Name emptied: the contact and its deal are dissociated from the company, which stays.
		const empty = [{ ...changed(2, res[1], 'Acme', ''), fields: { 'companies.name': '' } }];
		sb.resetCounters();
		const [unlinked] = await writeGroups(a, spec, empty);
		expect(callsByObject()).toEqual({ 'associations.contacts->companies.archive': 1, 'associations.deals->companies.archive': 1 });
		expect(unlinked.success).toBe(true);
		expect(unlinked.members!.companies).toBeUndefined();
		expect(await assocIds('contacts', res[1].id!, 'companies')).toEqual([]);
		expect(await assocIds('deals', res[1].members!.deals, 'companies')).toEqual([]);
		expect(forecastGroupWrites(spec, empty, forecast)).toEqual({ 'associations.batch.archive': 2 });
	});

	test('an existing contact and deal without a company get one: associated in one v4 batch create per pair of objects, as forecast', async () => {
		const a = adapter();
		const res = await writeGroups(a, spec, [prospect(1, null), prospect(2, null)]);
		expect(res.every((r) => r.success && !r.members!.companies)).toBe(true);
		const gain = [changed(1, res[0], '', 'Acme'), changed(2, res[1], '', 'Acme')];
		sb.resetCounters();
		const before = { ...a.stats.byEndpoint };
		const after = await writeGroups(a, spec, gain);
		expect(after.every((r) => r.success)).toBe(true);
		expect(callsByObject()).toEqual({
			'companies.search': 1,
			'companies.batch.create': 1,
			'contacts.batch.update': 1,
			'associations.contacts->companies.create': 1,
			'associations.deals->companies.create': 1,
			'deals.batch.update': 1,
		});
		expect(forecastGroupWrites(spec, gain, forecast)).toEqual(callsSince(a.stats, before));
		const acme = after[0].members!.companies;
		expect(after[1].members!.companies).toBe(acme);
		expect(await assocIds('companies', acme, 'contacts')).toEqual([res[0].id, res[1].id].sort());
		expect(await assocIds('companies', acme, 'deals')).toEqual([res[0].members!.deals, res[1].members!.deals].sort());
		expect(await props('deals', res[0].members!.deals, ['dealname'])).toMatchObject({ dealname: 'Acme' });
	});

	test('a move whose association fails fails that prospect alone, still linked to its old company; the retry moves it', async () => {
		const a = adapter();
		const res = await writeGroups(a, spec, [prospect(1, 'Acme'), prospect(2, 'Acme')]);
		const acmeId = res[0].members!.companies;
		const move = [changed(1, res[0], 'Acme', 'Acme Europe')];
		sb.injectFault({ kind: 'validation', endpoint: 'associations.batch.create', times: 1 });
		const [failed] = await writeGroups(a, spec, move);
		expect(failed.success).toBe(false);
		expect(failed.error!.message).toMatch(/associating contacts/);
		expect(failed.members!.companies).toBe(acmeId);
		expect(await assocIds('contacts', res[0].id!, 'companies')).toEqual([acmeId]);
		const [retried] = await writeGroups(a, spec, [{ ...move[0], members: failed.members }]);
		expect(retried.success).toBe(true);
		expect(retried.members!.companies).not.toBe(acmeId);
		expect(await assocIds('contacts', res[0].id!, 'companies')).toEqual([retried.members!.companies]);
		expect(await assocIds('deals', res[0].members!.deals, 'companies')).toEqual([retried.members!.companies]);
		expect(await props('companies', acmeId, ['name'])).toMatchObject({ name: 'Acme' });
		// The company the failed run created is found by name, not made twice.
		expect(sb.records('companies').map((c) => c.properties.name).sort()).toEqual(['Acme', 'Acme Europe']);
	});

	test('change feed: a deal stage moved and a company renamed in HubSpot reach their contacts; the last page carries the newest time', async () => {
		const a = adapter();
		const res = await writeGroups(a, spec, [prospect(1, 'Acme'), prospect(2, 'Acme'), prospect(3, 'Globex'), prospect(4, 'Initech')]);
		const since = (await allPages(listGroupChanges(a, spec, undefined))).at(-1)!.cursor;
		await new Promise((r) => setTimeout(r, 5));
		await client.crm.deals.basicApi.update(res[2].members!.deals, { properties: { dealstage: 'closedwon' } });
		await client.crm.companies.basicApi.update(res[0].members!.companies, { properties: { name: 'Acme Corp' } });
		sb.resetCounters();
		const pages = await allPages(listGroupChanges(a, spec, since, { hints: hintsOf(res), pageSize: 1 }));
		const seen = new Map<string, CrmRecord>();
		for (const p of pages) for (const r of p.records) seen.set(r.id, r);
		expect([...seen.keys()].sort()).toEqual([res[0].id, res[1].id, res[2].id].sort());
		expect(seen.get(res[0].id!)!.fields['companies.name']).toBe('Acme Corp');
		expect(seen.get(res[1].id!)!.fields['companies.name']).toBe('Acme Corp');
		expect(seen.get(res[2].id!)!.fields['deals.dealstage']).toBe('closedwon');
		expect(mapToFieldflow(seen.get(res[2].id!)!.fields, rules, DEFAULT_VALUE_MAPS).fields.status).toBe('won');
		// The owners of the changed members: one association read per member page.
		const calls = callsByObject();
		expect(calls['associations.companies->contacts.read']).toBe(1);
		expect(calls['associations.deals->contacts.read']).toBeGreaterThanOrEqual(1);
		expectCursorsEndAfter(pages, since);
	});

	test('one bad member fails only its own group, naming the member; the contact written before it is reported', async () => {
		const a = adapter();
		const bad = prospect(2, 'Globex');
		bad.fields['deals.dealstage'] = 'negotiation';
		const results = await writeGroups(a, spec, [prospect(1, 'Acme'), bad, prospect(3, 'Initech')]);
		expect(results.map((r) => r.success)).toEqual([true, false, true]);
		expect(results[1].error!.message).toMatch(/deals/);
		expect(results[1].error!.recordRef).toBe('pr_2');
		expect(results[1].id).toBeDefined();
		expect(results[1].members!.companies).toBeDefined();
		const retry = await writeGroups(a, spec, [{ ref: 'pr_2', id: results[1].id, members: results[1].members, fields: { 'deals.dealname': 'Globex', 'deals.dealstage': 'contractsent', 'deals.amount': 2000 } }]);
		expect(retry[0].success).toBe(true);
		expect(sb.records('contacts')).toHaveLength(3);
		expect(sb.records('deals')).toHaveLength(3);
		expect(await assocIds('deals', retry[0].members!.deals, 'companies')).toEqual([results[1].members!.companies]);
	});
});
