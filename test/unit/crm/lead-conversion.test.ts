/**
 * Salesforce Leads mode follows Lead conversion, through the whole engine run the Leads templates
 * make (test/support/engine-run.ts): prospects synced as Leads (object Lead, Linked Records
 * Account + Opportunity: "Leads; a converted Lead continues as its Contact + Account +
 * Opportunity"), one Lead converted in Salesforce (the sandbox's convertLead, as Salesforce does
 * it: Contact, Account and Opportunity created, the Lead read-only), then the change feed
 * (listGroupChanges) read by jsforce from the sandbox, the plan (resolve), the writes (writeGroups)
 * and the commit into a real SQLite store.
 *
 * What must hold: the link moves to the Contact with the Account and Opportunity as members; no
 * Lead, Contact, Account or Opportunity is created for it; the converted Lead is never written
 * (it would answer CANNOT_UPDATE_CONVERTED_LEAD); FieldFlow takes the Account's and the
 * Opportunity's values; the sync continues on them both ways; a second run writes nothing; a new
 * prospect is still created as a Lead.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from 'jsforce';
import { SalesforceAdapter } from '../../../nodes/shared/crm/salesforce';
import type { CrmRecord } from '../../../nodes/shared/crm/types';
import { forecastGroupWrites, groupMembers, groupSpec, linkedObjectOf, listGroupChanges, type GroupSpec } from '../../../nodes/shared/crm/group';
import { buildMapping } from '../../../nodes/shared/mapping/effective';
import { openStore, type SyncStore } from '../../../nodes/shared/store';
import { OUTPUT, type Routed } from '../../../nodes/shared/sync/plan';
import { parsePosition } from '../../../nodes/shared/keyset';
import { SalesforceSandbox } from '../../sandboxes/salesforce';
import { EngineRun, MemoryFieldFlow, prospect } from '../../support/engine-run';
import { allPages } from '../../support/groups';

for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[k];

const RETRY = { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 100 };
const MEMBERS = ['Account', 'Opportunity'];
const sb = new SalesforceSandbox();
let dir = '';
let store: SyncStore;
let n = 0;

beforeAll(async () => {
	await sb.start(0);
	dir = mkdtempSync(join(tmpdir(), 'ff-convert-'));
});
afterAll(() => {
	sb.stop();
	rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
	sb.reset();
	store = await openStore({ kind: 'sqlite', path: join(dir, `store-${++n}.db`) });
});
afterEach(async () => {
	await store.close();
});

const adapter = () => new SalesforceAdapter({ baseUrl: sb.url, accessToken: sb.accessToken, retry: RETRY, ratePerSecond: 10_000 });
const conn = () => new Connection({ instanceUrl: sb.url, accessToken: sb.accessToken, version: '62.0' });
const writes = (routed: Routed[]) => routed.filter((r) => r.output === OUTPUT.toCrm || r.output === OUTPUT.toFieldflow);

/** Every record of the group feed after `since` (the CRM node's Get Changed Since), and the cursor it ends at. */
async function feed(spec: GroupSpec, since: string): Promise<{ records: CrmRecord[]; cursor: string }> {
	const pages = await allPages(listGroupChanges(adapter(), spec, since));
	return { records: pages.flatMap((p) => p.records), cursor: pages.at(-1)!.cursor };
}

async function convert(leadId: string): Promise<{ contactId: string; accountId: string; opportunityId: string }> {
	const res = await fetch(`${sb.url}/__sandbox/convert-lead`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ leadId }) });
	expect(res.status).toBe(200);
	return (await res.json()) as { contactId: string; accountId: string; opportunityId: string };
}

const link = async (fieldflowId: string) => (await store.getLinks('salesforce', 'Lead', { fieldflowIds: [fieldflowId] }))[0];
const counts = () => Object.fromEntries(['Lead', 'Contact', 'Account', 'Opportunity', 'OpportunityContactRole'].map((o) => [o, sb.records(o).length]));
const secondAgo = () => new Date(Date.now() - 1000).toISOString();
const nextSecond = () => new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 20));

describe('Salesforce Leads mode: a converted Lead is followed', () => {
	test('the spec and the mapping: Leads with Linked Records Account + Opportunity continue as the Contact group', () => {
		expect(groupMembers('salesforce', 'Lead')).toEqual(MEMBERS);
		const spec = groupSpec('salesforce', 'Lead', MEMBERS)!;
		expect(spec.primary).toBe('Lead');
		expect(spec.company).toBeUndefined();
		expect(spec.convertsTo).toMatchObject({ primary: 'Contact', company: { object: 'Account' }, deal: { object: 'Opportunity' } });
		expect(groupSpec('salesforce', 'Lead', ['Account'])!.convertsTo!.deal).toBeUndefined();
		expect(groupSpec('salesforce', 'Lead', [])).toBeUndefined();
		const eff = buildMapping({ crm: 'salesforce', object: 'Lead', useDefaults: true, custom: [], statusOverrides: [], members: MEMBERS });
		// The Lead keeps its own table (Company, Status on the Lead); the converted group has the Contact group's.
		expect(eff.mappings.map((m) => m.crm)).toEqual(['Company', 'FirstName', 'LastName', 'Email', 'Phone', 'Status', 'Description']);
		expect(eff.converted!.object).toBe('Contact');
		expect(eff.converted!.mappings.map((m) => m.crm)).toEqual(expect.arrayContaining(['Phone', 'Account.Name', 'Opportunity.StageName', 'Opportunity.Amount']));
		// A link naming a Contact (key prefix 003) is a converted Lead's: meetings go to the Contact.
		expect(linkedObjectOf('salesforce', 'Lead', '0035g0000000001AAA')).toBe('Contact');
		expect(linkedObjectOf('salesforce', 'Lead', '00Q5g0000000001EAA')).toBe('Lead');
		expect(linkedObjectOf('salesforce', 'Contact', '0035g0000000001AAA')).toBe('Contact');
		expect(linkedObjectOf('hubspot', 'contacts', '0035')).toBe('contacts');
		// A Preview's forecast: the converted prospect's writes on its Contact group, a new prospect's on Leads.
		const perObject = (o: string, c: { creates?: number; updates?: number }) => ({ [`${o}.creates`]: c.creates ?? 0, [`${o}.updates`]: c.updates ?? 0 });
		const forecast = forecastGroupWrites(groupSpec('salesforce', 'Lead', MEMBERS)!, [
			{ ref: '0', id: '0035g0000000001AAA', members: { Account: '0015g0000000001AAA', Opportunity: '0065g0000000001AAA' }, fields: { Phone: '1', 'Opportunity.Amount': 5 } },
			{ ref: '1', fields: { LastName: 'New', Company: 'New Co' } },
		], perObject);
		expect(forecast).toEqual({ 'Contact.updates': 1, 'Opportunity.updates': 1, 'Lead.creates': 1 });
	});

	test('synced as Leads, one converted: the link moves to its Contact, Account and Opportunity, nothing created, the Lead never written; the sync continues on them', async () => {
		const eff = buildMapping({ crm: 'salesforce', object: 'Lead', useDefaults: true, custom: [], statusOverrides: [], members: MEMBERS });
		const spec = groupSpec('salesforce', 'Lead', MEMBERS)!;
		const ff = new MemoryFieldFlow();
		const run = new EngineRun(adapter(), eff, store, ff);
		const prospects = [prospect(1, 'Acme'), prospect(2, 'Globex'), prospect(3, 'Initech')];
		for (const p of prospects) ff.put(p);

		// First sync: three Leads.
		const first = await run.sync(['pr_1', 'pr_2', 'pr_3'], []);
		expect(first.crmResults.every((r) => r.success && r.created)).toBe(true);
		expect(counts()).toMatchObject({ Lead: 3, Contact: 0, Account: 0, Opportunity: 0 });
		const leadId = (await link('pr_2')).crmId!;
		expect(leadId.startsWith('00Q')).toBe(true);

		// Salesforce: the rep converts pr_2's Lead, then works the new Opportunity and Account.
		const since = secondAgo();
		const made = await convert(leadId);
		await conn().sobject('Opportunity').update({ Id: made.opportunityId, StageName: 'Proposal/Price Quote', Amount: 2500 });
		await conn().sobject('Account').update({ Id: made.accountId, Name: 'Globex Holdings' });
		const leadAfterConversion = sb.records('Lead').find((l) => l.Id === leadId)!;
		expect(leadAfterConversion.IsConverted).toBe(true);
		const before = counts();

		// The next run reads the Leads feed: the converted Lead comes as its Contact group.
		const read = await feed(spec, since);
		const followed = read.records.find((r) => r.convertedFrom === leadId)!;
		expect(followed).toMatchObject({ id: made.contactId, object: 'Contact', members: { Account: made.accountId, Opportunity: made.opportunityId } });
		expect(read.records.filter((r) => r.id === made.contactId)).toHaveLength(1);
		const second = await run.sync([], read.records);
		expect(second.crmResults.filter((r) => !r.success)).toEqual([]);
		expect(counts()).toEqual(before);
		const moved = await link('pr_2');
		expect(moved).toMatchObject({ object: 'Lead', crmId: made.contactId, members: { Account: made.accountId, Opportunity: made.opportunityId }, status: 'synced' });
		// FieldFlow takes the Account's and the Opportunity's values.
		expect(ff.prospects.get('pr_2')).toMatchObject({ company_name: 'Globex Holdings', status: 'proposal', estimated_value: 2500, contact_name: 'Contact2 Person' });
		// The other prospects stay Leads.
		expect((await link('pr_1')).crmId!.startsWith('00Q')).toBe(true);
		const logs = (await store.queryLogs({ limit: 100 })).entries.filter((e) => e.fieldflowId === 'pr_2');
		expect(logs.map((l) => l.message).join('\n')).toContain(`Lead ${leadId} converted in Salesforce: now synced with Contact ${made.contactId}`);

		// A FieldFlow phone edit reaches the Contact; the converted Lead is not written.
		ff.put({ id: 'pr_2', phone: '+1 555 0100' });
		const third = await run.sync(['pr_2'], []);
		expect(third.crmResults).toEqual([expect.objectContaining({ success: true, id: made.contactId })]);
		expect(sb.records('Contact').find((c) => c.Id === made.contactId)!.Phone).toBe('+1 555 0100');
		expect(sb.records('Lead').find((l) => l.Id === leadId)).toEqual(leadAfterConversion);

		// An Opportunity stage change in Salesforce reaches FieldFlow (read from the next whole second:
		// Salesforce's feed reads its Since's second again).
		await nextSecond();
		const since2 = new Date().toISOString();
		await conn().sobject('Opportunity').update({ Id: made.opportunityId, StageName: 'Closed Won' });
		const read2 = await feed(spec, since2);
		expect(read2.records.map((r) => r.id)).toEqual([made.contactId]);
		expect(read2.records[0].convertedFrom).toBe(leadId);
		const fourth = await run.sync([], read2.records);
		expect(writes(fourth.routed).map((r) => r.output)).toEqual([OUTPUT.toFieldflow]);
		expect(ff.prospects.get('pr_2')).toMatchObject({ status: 'won', phone: '+1 555 0100' });

		// A second run over everything writes nothing.
		const all = await feed(spec, '1970-01-01T00:00:00.000Z');
		expect(all.records.map((r) => r.id).sort()).toEqual([(await link('pr_1')).crmId, (await link('pr_3')).crmId, made.contactId].sort());
		const fifth = await run.sync(['pr_1', 'pr_2', 'pr_3'], all.records);
		expect(writes(fifth.routed)).toEqual([]);
		expect(counts()).toEqual(before);

		// A run with nothing changed since: one query per object (Lead and Contact feeds; Account and Opportunity feeds by queryAll, deletions included).
		await nextSecond();
		const quiet = new Date().toISOString();
		sb.resetCounters();
		const none = await feed(spec, quiet);
		expect(none.records).toEqual([]);
		expect(Object.fromEntries(sb.calls)).toEqual({ query: 2, queryAll: 2 });

		// A new prospect is still created as a Lead.
		ff.put(prospect(4, 'Umbrella'));
		const sixth = await run.sync(['pr_4'], []);
		expect(sixth.crmResults).toEqual([expect.objectContaining({ success: true, created: true })]);
		expect((await link('pr_4')).crmId!.startsWith('00Q')).toBe(true);
		expect(counts()).toMatchObject({ Lead: 4, Contact: 1, Account: 1, Opportunity: 1 });
		expect(sb.records('Lead').find((l) => l.Id === leadId)).toEqual(leadAfterConversion);
	});

	test('a prospect changed only in FieldFlow after its Lead was converted: the Lead read by id is followed, the write lands on the Opportunity', async () => {
		const eff = buildMapping({ crm: 'salesforce', object: 'Lead', useDefaults: true, custom: [], statusOverrides: [], members: MEMBERS });
		// The rep's FieldFlow edit comes after the conversion (FieldFlow's clock ahead of the sandbox's).
		const ff = new MemoryFieldFlow(Date.now() + 60_000);
		const run = new EngineRun(adapter(), eff, store, ff);
		ff.put(prospect(1, 'Acme'));
		await run.sync(['pr_1'], []);
		const leadId = (await link('pr_1')).crmId!;
		const made = await convert(leadId);
		const leadAfterConversion = sb.records('Lead').find((l) => l.Id === leadId)!;
		// Only FieldFlow changed (this run's CRM feed is empty): the linked Lead is read by id.
		ff.put({ id: 'pr_1', status: 'won', estimated_value: 9000 });
		const res = await run.sync(['pr_1'], []);
		expect(res.crmResults).toEqual([expect.objectContaining({ success: true, id: made.contactId })]);
		const [opp] = sb.records('Opportunity');
		expect(opp).toMatchObject({ Id: made.opportunityId, StageName: 'Closed Won', Amount: 9000 });
		expect(await link('pr_1')).toMatchObject({ crmId: made.contactId, members: { Account: made.accountId, Opportunity: made.opportunityId } });
		expect(counts()).toMatchObject({ Lead: 1, Contact: 1, Account: 1, Opportunity: 1, OpportunityContactRole: 1 });
		expect(sb.records('Lead').find((l) => l.Id === leadId)).toEqual(leadAfterConversion);
		// Run again: nothing to write.
		const again = await run.sync(['pr_1'], [made.contactId]);
		expect(writes(again.routed)).toEqual([]);
	});

	test('paged by keyset (Sync All Prospects): a converted Lead comes once, as its Contact group, at the Lead\'s place in the feed', async () => {
		sb.seed({
			Lead: [1, 2, 3].map((i) => ({ FirstName: `F${i}`, LastName: `L${i}`, Company: `Co${i}`, Email: `l${i}@example.com`, Status: 'Open - Not Contacted' })),
		});
		const leads = sb.records('Lead').map((l) => l.Id as string);
		const made = await convert(leads[1]);
		const spec = groupSpec('salesforce', 'Lead', MEMBERS)!;
		const a = adapter();
		const got: CrmRecord[] = [];
		let after: string | undefined;
		for (let page = 0; page < 10; page++) {
			const records = (await allPages(listGroupChanges(a, spec, '1970-01-01T00:00:00.000Z', { limit: 1, after: after ? parsePosition(after) : undefined }))).flatMap((p) => p.records);
			if (!records.length) break;
			expect(records).toHaveLength(1);
			got.push(records[0]);
			after = records[0].position ?? `${records[0].modifiedAt}|${records[0].id}`;
		}
		expect(got.map((r) => r.convertedFrom ?? r.id).sort()).toEqual([...leads].sort());
		const followed = got.find((r) => r.convertedFrom === leads[1])!;
		expect(followed).toMatchObject({ id: made.contactId, object: 'Contact', members: { Account: made.accountId, Opportunity: made.opportunityId } });
		// Its position is the Lead's own (time, id), not the Contact group's.
		expect(followed.position!.endsWith(`|${leads[1]}`)).toBe(true);
	});

	test('a converted prospect\'s Opportunity deleted in Salesforce: the next feed brings its Contact group, and Unlink keeps FieldFlow\'s values (no Opportunity recreated, the Lead not written)', async () => {
		const eff = buildMapping({ crm: 'salesforce', object: 'Lead', useDefaults: true, custom: [], statusOverrides: [], members: MEMBERS });
		const spec = groupSpec('salesforce', 'Lead', MEMBERS)!;
		const ff = new MemoryFieldFlow();
		const run = new EngineRun(adapter(), eff, store, ff);
		ff.put(prospect(1, 'Acme'));
		await run.sync(['pr_1'], []);
		const leadId = (await link('pr_1')).crmId!;
		const since = secondAgo();
		const made = await convert(leadId);
		await run.sync([], (await feed(spec, since)).records, { onMemberDeleted: 'unlink' });
		expect(await link('pr_1')).toMatchObject({ crmId: made.contactId, members: { Account: made.accountId, Opportunity: made.opportunityId } });
		// The conversion's Opportunity has no Amount (a Lead has none): FieldFlow's Estimated Value fills
		// it; its stage is the first one (Prospecting), a change on the CRM side: FieldFlow's Status follows.
		expect(sb.records('Opportunity')).toEqual([expect.objectContaining({ Id: made.opportunityId, Amount: 1000, StageName: 'Prospecting' })]);
		expect(ff.prospects.get('pr_1')).toMatchObject({ status: 'new', estimated_value: 1000, company_name: 'Acme' });
		const values = { ...ff.prospects.get('pr_1') };
		await nextSecond();
		const since2 = new Date().toISOString();
		await adapter().delete('Opportunity', [made.opportunityId]);
		const ownersOfDeleted = async (member: string, ids: string[]) => (await store.getLinksByMember('salesforce', 'Lead', member, ids)).map((l) => l.crmId!);
		const pages = await allPages(listGroupChanges(adapter(), spec, since2, { ownersOfDeleted }));
		const records = pages.flatMap((p) => p.records);
		expect(records.map((r) => [r.id, r.convertedFrom])).toEqual([[made.contactId, leadId]]);
		const before = counts();
		const res = await run.sync([], records, { onMemberDeleted: 'unlink' });
		expect(writes(res.routed)).toEqual([]);
		expect((await link('pr_1')).members).toEqual({ Account: made.accountId, '!Opportunity': made.opportunityId });
		expect(ff.prospects.get('pr_1')).toMatchObject({ status: values.status, estimated_value: values.estimated_value, company_name: values.company_name });
		expect(counts()).toEqual(before);
	});
});
