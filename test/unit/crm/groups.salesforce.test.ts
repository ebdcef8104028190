/**
 * Record groups on Salesforce in Contacts mode (Contact + Account + Opportunity with an
 * OpportunityContactRole) through the real jsforce SDK against the Salesforce sandbox: writes in
 * dependency order through sObject Collections (200 records per call) with shared Accounts,
 * reads that assemble each contact's Account and Opportunity (SOQL on the references and the
 * contact-role junction, per page), the company-change rule, and the change feed of a group (an
 * Opportunity stage or an Account name changed reaches its contacts). The inputs are what the
 * default mapping (defaultMappings('salesforce', 'Contact', ['Account', 'Opportunity'])) makes of
 * FieldFlow prospects.
 */
for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[k];

import { Connection } from 'jsforce';
import { SalesforceAdapter, forecastSalesforceWrites } from '../../../nodes/shared/crm/salesforce';
import type { CrmRecord } from '../../../nodes/shared/crm/types';
import { followConversions, forecastGroupWrites, getGroupsByIds, groupSpec, leadConversions, listGroupChanges, writeGroups, type GroupSpec } from '../../../nodes/shared/crm/group';
import { DEFAULT_VALUE_MAPS } from '../../../nodes/shared/mapping/defaults';
import { diffFields, mapToFieldflow } from '../../../nodes/shared/mapping/engine';
import { allPages, callsSince, expectCursorsEndAfter, groupFixture, hintsOf } from '../../support/groups';
import { SalesforceSandbox } from '../../sandboxes/salesforce';

type Rec = Record<string, unknown> & { Id: string };

const sb = new SalesforceSandbox();
const spec = groupSpec('salesforce', 'Contact', ['Account', 'Opportunity']) as GroupSpec;
const { rules, prospect, changed } = groupFixture('salesforce', 'Contact', ['Account', 'Opportunity']);
const forecast = (_o: string, c: Parameters<typeof forecastSalesforceWrites>[0]) => forecastSalesforceWrites(c);
let conn: Connection;

function adapter(): SalesforceAdapter {
	return new SalesforceAdapter({ baseUrl: sb.url, accessToken: sb.accessToken, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 100 }, ratePerSecond: 10_000 });
}

/** Writes and reads since the last reset, by the sandbox's endpoint names. */
function calls(): Record<string, number> {
	return Object.fromEntries(sb.calls);
}
const query = async (soql: string) => (await conn.query<Rec>(soql)).records;
const list = (ids: Array<string | undefined>) => ids.map((id) => `'${id}'`).join(', ');
/** The last day of the current quarter (UTC), the CloseDate of a new Opportunity. */
function quarterEnd(): string {
	const now = new Date(Date.now() + sb.clock.offsetMs);
	return new Date(Date.UTC(now.getUTCFullYear(), Math.floor(now.getUTCMonth() / 3) * 3 + 3, 0)).toISOString().slice(0, 10);
}

beforeAll(async () => {
	await sb.start(0);
});
afterAll(() => sb.stop());
beforeEach(() => {
	sb.reset();
	conn = new Connection({ instanceUrl: sb.url, accessToken: sb.accessToken, version: '62.0' });
});

describe('Salesforce record groups (Contacts + Accounts + Opportunities)', () => {
	const COMPANIES = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark'];

	test('first write: 20 prospects over 6 companies → 6 Accounts, 20 Contacts with AccountId, 20 Opportunities on the Account, each with a primary contact role', async () => {
		const a = adapter();
		const inputs = Array.from({ length: 20 }, (_, i) => prospect(i + 1, COMPANIES[i % 6]));
		inputs[18].fields['Account.Name'] = '  acme ';
		const results = await writeGroups(a, spec, inputs);
		expect(results.every((r) => r.success)).toBe(true);
		// Floor: one SOQL look-up for the 6 names, one collection create per object (Account,
		// Contact, Opportunity, OpportunityContactRole: ≤ 200 records each).
		expect(calls()).toEqual({ query: 1, 'collections.create': 4 });
		expect(a.stats.byEndpoint).toEqual({ query: 1, 'collections.create': 4 });
		expect(forecastGroupWrites(spec, inputs, forecast)).toEqual(a.stats.byEndpoint);

		const accounts = await query('SELECT Id, Name FROM Account ORDER BY Name');
		expect(accounts.map((x) => x.Name)).toEqual([...COMPANIES].sort());
		const contacts = await query(`SELECT Id, FirstName, LastName, Email, AccountId, Account.Name FROM Contact WHERE Id IN (${list(results.map((r) => r.id))})`);
		const opps = await query(`SELECT Id, Name, StageName, Amount, CloseDate, AccountId FROM Opportunity`);
		const roles = await query(`SELECT Id, OpportunityId, ContactId, IsPrimary FROM OpportunityContactRole`);
		expect(contacts).toHaveLength(20);
		expect(opps).toHaveLength(20);
		expect(roles).toHaveLength(20);
		for (const r of results) {
			const c = contacts.find((x) => x.Id === r.id)!;
			const o = opps.find((x) => x.Id === r.members!.Opportunity)!;
			expect(c.AccountId).toBe(r.members!.Account);
			expect(o.AccountId).toBe(r.members!.Account);
			expect(roles.filter((x) => x.OpportunityId === o.Id)).toEqual([expect.objectContaining({ ContactId: r.id, IsPrimary: true })]);
		}
		const acme = accounts.find((x) => x.Name === 'Acme')!;
		expect(contacts.filter((c) => c.AccountId === acme.Id)).toHaveLength(4);
		// The guide's table, field by field.
		const c7 = contacts.find((x) => x.Id === results[6].id)!;
		expect(c7).toMatchObject({ FirstName: 'Contact7', LastName: 'Person', Email: 'c7@example.com', Account: expect.objectContaining({ Name: 'Acme' }) });
		expect(opps.find((x) => x.Id === results[6].members!.Opportunity)).toMatchObject({ Name: 'Acme', StageName: 'Qualification', Amount: 7000, CloseDate: quarterEnd() });
	});

	test('250 prospects: ⌈250/200⌉ collection creates per object', async () => {
		const a = adapter();
		const inputs = Array.from({ length: 250 }, (_, i) => prospect(i + 1, `Company ${i % 210}`));
		const results = await writeGroups(a, spec, inputs);
		expect(results.every((r) => r.success)).toBe(true);
		// 210 names: ⌈210/100⌉ queries; 2 creates for each of the 4 objects.
		expect(calls()).toEqual({ query: 3, 'collections.create': 8 });
		expect(forecastGroupWrites(spec, inputs, forecast)).toEqual(a.stats.byEndpoint);
		expect(sb.records('Account')).toHaveLength(210);
		expect(sb.records('OpportunityContactRole')).toHaveLength(250);
	});

	test('an existing Account of the same name is reused; a prospect without a company gets no Account and its Opportunity takes the contact name', async () => {
		sb.seed({ Account: [{ Name: 'Globex Retail' }] });
		const existing = sb.records('Account')[0].Id as string;
		const results = await writeGroups(adapter(), spec, [prospect(1, 'GLOBEX retail'), prospect(2, null)]);
		expect(results.map((r) => r.success)).toEqual([true, true]);
		expect(results[0].members!.Account).toBe(existing);
		expect(results[1].members!.Account).toBeUndefined();
		expect(sb.records('Account')).toHaveLength(1);
		const [opp] = await query(`SELECT Name, AccountId FROM Opportunity WHERE Id = '${results[1].members!.Opportunity}'`);
		expect(opp).toMatchObject({ Name: 'Contact2 Person', AccountId: null });
	});

	test('read back and a second write: every field comes back, per page, and a write of no change sends nothing', async () => {
		const a = adapter();
		const inputs = Array.from({ length: 20 }, (_, i) => prospect(i + 1, COMPANIES[i % 6]));
		const results = await writeGroups(a, spec, inputs);
		sb.resetCounters();
		const groups = await getGroupsByIds(a, spec, results.map((r) => r.id!), { hints: hintsOf(results) });
		// Contacts, their Accounts and the linked Opportunities by id (3 retrieves), one SOQL on the
		// contact roles to check each Opportunity is still its contact's.
		expect(calls()).toEqual({ 'collections.retrieve': 3, query: 1 });
		groups.forEach((g, i) => {
			expect(g.members).toEqual(results[i].members);
			expect(diffFields(g.fields, inputs[i].fields)).toEqual([]);
			expect(mapToFieldflow(g.fields, rules, DEFAULT_VALUE_MAPS).fields).toMatchObject({ contact_name: `Contact${i + 1} Person`, company_name: COMPANIES[i % 6], status: 'contacted', estimated_value: 1000 * (i + 1) });
		});
		sb.resetCounters();
		const unchanged = groups.map((g, i) => ({ ref: inputs[i].ref, id: g.id, members: g.members, fields: {} }));
		const again = await writeGroups(a, spec, unchanged);
		expect(again.every((r) => r.success)).toBe(true);
		expect(sb.totalCalls()).toBe(0);
		expect(forecastGroupWrites(spec, unchanged, forecast)).toEqual({});
	});

	test('a second Opportunity of the contact is not taken for the prospect\'s (the link names it); without a link the oldest is', async () => {
		const a = adapter();
		const [r] = await writeGroups(a, spec, [prospect(1, 'Acme')]);
		const other = (await conn.sobject('Opportunity').create({ Name: 'Other deal', StageName: 'Closed Won', CloseDate: '2026-12-31', Amount: 9, AccountId: r.members!.Account })) as { id: string };
		await conn.sobject('OpportunityContactRole').create({ OpportunityId: other.id, ContactId: r.id! });
		const [g] = await getGroupsByIds(a, spec, [r.id!], { hints: hintsOf([r]) });
		expect(g.members).toEqual(r.members);
		expect(g.fields).toMatchObject({ 'Opportunity.Name': 'Acme', 'Opportunity.StageName': 'Qualification', 'Opportunity.Amount': 1000, 'Account.Name': 'Acme' });
		const [fresh] = await getGroupsByIds(a, spec, [r.id!]);
		expect(fresh.members!.Opportunity).toBe(r.members!.Opportunity);
		// An older Opportunity on which the contact only has another role (not the primary one) is
		// not its deal either, with or without a link.
		const [r2] = await writeGroups(a, spec, [prospect(2, 'Acme')]);
		await conn.sobject('OpportunityContactRole').create({ OpportunityId: r.members!.Opportunity, ContactId: r2.id!, Role: 'Influencer' });
		const [second] = await getGroupsByIds(a, spec, [r2.id!]);
		expect(second.members!.Opportunity).toBe(r2.members!.Opportunity);
		// The linked Opportunity deleted: no other one is taken silently in its place.
		await conn.sobject('Opportunity').destroy(r.members!.Opportunity);
		const [gone] = await getGroupsByIds(a, spec, [r.id!], { hints: hintsOf([r]) });
		expect(gone.members!.Opportunity).toBeUndefined();
	});

	test('company change: an Account shared by others is not renamed (relink, the Opportunity follows); one linked to this contact alone is renamed', async () => {
		const a = adapter();
		const res = await writeGroups(a, spec, [prospect(1, 'Acme'), prospect(2, 'Acme'), prospect(3, 'Solo Ltd')]);
		const acmeId = res[0].members!.Account;
		const move = [changed(1, res[0], 'Acme', 'Acme Europe')];
		expect(Object.keys(move[0].fields).sort()).toEqual(['Account.Name', 'Opportunity.Name']);
		sb.resetCounters();
		const [moved] = await writeGroups(a, spec, move);
		expect(moved.success).toBe(true);
		// Who shares Acme (SOQL), the name looked up (SOQL), the new Account created, then the
		// Contact's AccountId and the Opportunity's AccountId and Name updated.
		expect(calls()).toEqual({ query: 2, 'collections.create': 1, 'collections.update': 2 });
		expect(moved.members!.Account).not.toBe(acmeId);
		const [acme] = await query(`SELECT Name FROM Account WHERE Id = '${acmeId}'`);
		expect(acme.Name).toBe('Acme');
		const contacts = await query(`SELECT Id, AccountId, Account.Name FROM Contact WHERE Id IN (${list([res[0].id, res[1].id])})`);
		expect(contacts.find((c) => c.Id === res[0].id)).toMatchObject({ AccountId: moved.members!.Account, Account: expect.objectContaining({ Name: 'Acme Europe' }) });
		expect(contacts.find((c) => c.Id === res[1].id)).toMatchObject({ AccountId: acmeId });
		const [opp] = await query(`SELECT Name, AccountId FROM Opportunity WHERE Id = '${res[0].members!.Opportunity}'`);
		expect(opp).toMatchObject({ Name: 'Acme Europe', AccountId: moved.members!.Account });

		const rename = [changed(3, res[2], 'Solo Ltd', 'Solo Limited')];
		sb.resetCounters();
		const before = { ...a.stats.byEndpoint };
		const [renamed] = await writeGroups(a, spec, rename);
		const sent = callsSince(a.stats, before);
		expect(calls()).toEqual({ query: 1, 'collections.update': 2 });
		expect(forecastGroupWrites(spec, rename, forecast)).toEqual(sent);
		expect(renamed.members).toEqual(res[2].members);
		expect((await query(`SELECT Name FROM Account WHERE Id = '${res[2].members!.Account}'`))[0].Name).toBe('Solo Limited');
		expect(sb.records('Account')).toHaveLength(3);
	});

	test('change feed: an Opportunity stage moved and an Account renamed reach their contacts; the last page carries the newest time', async () => {
		const a = adapter();
		const res = await writeGroups(a, spec, [prospect(1, 'Acme'), prospect(2, 'Acme'), prospect(3, 'Globex'), prospect(4, 'Initech')]);
		// SystemModstamp has whole seconds: move the clock past the writes' second.
		sb.clock.offsetMs += 5000;
		const since = new Date(Date.now() + sb.clock.offsetMs - 2000).toISOString();
		await conn.sobject('Opportunity').update({ Id: res[2].members!.Opportunity, StageName: 'Closed Won' });
		await conn.sobject('Account').update({ Id: res[0].members!.Account, Name: 'Acme Corp' });
		const pages = await allPages(listGroupChanges(a, spec, since, { hints: hintsOf(res) }));
		const seen = new Map<string, CrmRecord>();
		for (const p of pages) for (const r of p.records) seen.set(r.id, r);
		expect([...seen.keys()].sort()).toEqual([res[0].id, res[1].id, res[2].id].sort());
		expect(seen.get(res[0].id!)!.fields['Account.Name']).toBe('Acme Corp');
		expect(seen.get(res[1].id!)!.fields['Account.Name']).toBe('Acme Corp');
		expect(seen.get(res[2].id!)!.fields['Opportunity.StageName']).toBe('Closed Won');
		expect(mapToFieldflow(seen.get(res[2].id!)!.fields, rules, DEFAULT_VALUE_MAPS).fields.status).toBe('won');
		expectCursorsEndAfter(pages, since);
	});

	test('one bad member fails only its own group, naming the member and field; the Contact written before it is reported', async () => {
		const a = adapter();
		const bad = prospect(2, 'Globex');
		bad.fields['Opportunity.StageName'] = 'Won';
		const results = await writeGroups(a, spec, [prospect(1, 'Acme'), bad, prospect(3, 'Initech')]);
		expect(results.map((r) => r.success)).toEqual([true, false, true]);
		expect(results[1].error!.fields).toEqual(['Opportunity.StageName']);
		expect(results[1].error!.recordRef).toBe('pr_2');
		expect(results[1].id).toBeDefined();
		const retry = await writeGroups(a, spec, [{ ref: 'pr_2', id: results[1].id, members: results[1].members, fields: { 'Opportunity.Name': 'Globex', 'Opportunity.StageName': 'Proposal/Price Quote', 'Opportunity.Amount': 2000 } }]);
		expect(retry[0].success).toBe(true);
		expect(sb.records('Contact')).toHaveLength(3);
		expect(sb.records('Opportunity')).toHaveLength(3);
		expect(sb.records('OpportunityContactRole')).toHaveLength(3);
	});

	test('a Lead converted in Salesforce is followed: its Contact, Account and Opportunity read as the group, the Lead never written again, nothing created twice', async () => {
		const a = adapter();
		sb.seed({
			Lead: [
				{ FirstName: 'Liu', LastName: 'Wong', Company: 'Great Lakes Food', Email: 'liu@greatlakes.example', Status: 'Working - Contacted' },
				{ FirstName: 'Open', LastName: 'Lead', Company: 'Still Open Co', Email: 'open@example.com', Status: 'Open - Not Contacted' },
			],
		});
		const [liu, open] = sb.records('Lead').map((l) => l.Id as string);
		const res = await fetch(`${sb.url}/__sandbox/convert-lead`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ leadId: liu }) });
		const made = (await res.json()) as { contactId: string; accountId: string; opportunityId: string };
		sb.resetCounters();
		const conversions = await leadConversions(a, [liu, open]);
		expect(conversions).toEqual([{ leadId: liu, contactId: made.contactId, accountId: made.accountId, opportunityId: made.opportunityId }]);
		// One read for the Leads' conversion fields.
		expect(calls()).toEqual({ 'collections.retrieve': 1 });
		const followed = await followConversions(a, spec, conversions);
		const g = followed.get(liu)!;
		expect(g.id).toBe(made.contactId);
		expect(g.members).toEqual({ Account: made.accountId, Opportunity: made.opportunityId });
		expect(mapToFieldflow(g.fields, rules, DEFAULT_VALUE_MAPS).fields).toMatchObject({ contact_name: 'Liu Wong', email: 'liu@greatlakes.example', company_name: 'Great Lakes Food' });
		expect(followed.has(open)).toBe(false);

		// The Lead is read-only: a write to it fails with what to do, and changes nothing.
		const [refused] = await a.upsert('Lead', [{ ref: 'pr_liu', id: liu, fields: { Phone: '+1 555 0100' } }]);
		expect(refused.success).toBe(false);
		expect(refused.error!.code).toBe('CANNOT_UPDATE_CONVERTED_LEAD');
		expect(refused.error!.hint).toMatch(/converted/);
		// The sync continues on the converted records: an update of the prospect lands on them.
		const [written] = await writeGroups(a, spec, [{ ref: 'pr_liu', id: g.id, members: g.members, fields: { Phone: '+1 555 0100', 'Opportunity.StageName': 'Needs Analysis', 'Opportunity.Amount': 4200 } }]);
		expect(written).toMatchObject({ success: true, id: made.contactId, members: { Account: made.accountId, Opportunity: made.opportunityId } });
		expect(await query(`SELECT Phone FROM Contact WHERE Id = '${made.contactId}'`)).toEqual([expect.objectContaining({ Phone: '+1 555 0100' })]);
		expect(await query(`SELECT StageName, Amount FROM Opportunity WHERE Id = '${made.opportunityId}'`)).toEqual([expect.objectContaining({ StageName: 'Needs Analysis', Amount: 4200 })]);
		expect(sb.records('Contact')).toHaveLength(1);
		expect(sb.records('Account')).toHaveLength(1);
		expect(sb.records('Opportunity')).toHaveLength(1);
	});
});
