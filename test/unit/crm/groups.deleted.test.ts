/**
 * A record group's member deleted in the CRM (a Pipedrive deal or organization, a HubSpot deal or
 * company archived, a Salesforce Opportunity deleted), through the whole engine run the templates
 * make: the CRM side read as groups by the real SDKs from the sandboxes, the Conflict Resolver's
 * plan (resolve), the CRM writes (writeGroups, as the FieldFlow CRM node's upsert does them), the
 * FieldFlow writes (an in-memory FieldFlow), and the commit into a real SQLite store.
 *
 * What must hold for every CRM: the deletion never clears the prospect's Status / Estimated Value /
 * Company Name in FieldFlow, never deletes the prospect, never creates a duplicate, and is logged;
 * then the *When a Linked Company or Deal Is Deleted* setting decides: unlink (the next writes do
 * not recreate it) or recreate (a new member from the prospect's values, linked).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HubSpotAdapter } from '../../../nodes/shared/crm/hubspot';
import { PipedriveAdapter } from '../../../nodes/shared/crm/pipedrive';
import { SalesforceAdapter } from '../../../nodes/shared/crm/salesforce';
import type { CrmAdapter, CrmName, CrmRecord } from '../../../nodes/shared/crm/types';
import { forecastGroupWrites, groupLinks, groupMembers, groupSpec, listGroupChanges, type GroupReadOptions, type GroupSpec } from '../../../nodes/shared/crm/group';
import { buildMapping } from '../../../nodes/shared/mapping/effective';
import { mapCrmRecord } from '../../../nodes/shared/mapping/records';
import { openStore, type SyncStore } from '../../../nodes/shared/store';
import { crmLookups } from '../../../nodes/shared/sync/lookups';
import { OUTPUT, type Routed } from '../../../nodes/shared/sync/plan';
import { readSync, type WriteMeta } from '../../../nodes/shared/sync/protocol';
import type { LogEntry } from '../../../nodes/shared/sync/types';
import { HubSpotSandbox } from '../../sandboxes/hubspot';
import { PipedriveSandbox } from '../../sandboxes/pipedrive';
import { SalesforceSandbox } from '../../sandboxes/salesforce';
import { EngineRun, MemoryFieldFlow, prospect } from '../../support/engine-run';

for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[k];

const RETRY = { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 100 };
const PD_TOKEN = 'pd-deleted-token-0123456789';
const HS_TOKEN = 'pat-na1-deleted-0000-1111-2222-333333333333';

interface Crm {
	name: CrmName;
	object: string;
	members: string[];
	start(): Promise<void>;
	stop(): void;
	reset(): void;
	adapter(): CrmAdapter;
}

const pd = new PipedriveSandbox();
const hs = new HubSpotSandbox();
const sf = new SalesforceSandbox();
let pdBase = '';

const CRMS: Record<CrmName, Crm> = {
	pipedrive: {
		name: 'pipedrive',
		object: 'persons',
		members: ['organizations', 'deals'],
		start: async () => {
			pdBase = await pd.start(0);
			pd.setValidTokens([PD_TOKEN]);
		},
		stop: () => pd.stop(),
		reset: () => pd.reset(),
		adapter: () => new PipedriveAdapter({ apiToken: PD_TOKEN, baseUrl: pdBase, ratePerSecond: 0, retry: RETRY }),
	},
	hubspot: {
		name: 'hubspot',
		object: 'contacts',
		members: ['companies', 'deals'],
		start: async () => {
			await hs.start(0);
			hs.setValidTokens([HS_TOKEN]);
		},
		stop: () => hs.stop(),
		reset: () => hs.reset(),
		adapter: () => new HubSpotAdapter({ accessToken: HS_TOKEN, baseUrl: hs.url, ratePerSecond: 10_000, searchRatePerSecond: 10_000, retry: RETRY, sleep: async () => undefined }),
	},
	salesforce: {
		name: 'salesforce',
		object: 'Contact',
		members: ['Account', 'Opportunity'],
		start: async () => {
			await sf.start(0);
		},
		stop: () => sf.stop(),
		reset: () => sf.reset(),
		adapter: () => new SalesforceAdapter({ baseUrl: sf.url, accessToken: sf.accessToken, retry: RETRY, ratePerSecond: 10_000 }),
	},
};

/** One sync run as the two-way template makes it, in process (test/support/engine-run.ts), with one of the CRMs above. */
class Run extends EngineRun {
	declare readonly spec: GroupSpec;
	constructor(
		readonly crm: Crm,
		store: SyncStore,
		ff: MemoryFieldFlow,
	) {
		super(crm.adapter(), buildMapping({ crm: crm.name, object: crm.object, useDefaults: true, custom: [], statusOverrides: [], members: crm.members }), store, ff);
	}
}

let dir = '';
let store: SyncStore;

beforeAll(async () => {
	for (const c of Object.values(CRMS)) await c.start();
	dir = mkdtempSync(join(tmpdir(), 'ff-deleted-'));
});
afterAll(async () => {
	for (const c of Object.values(CRMS)) c.stop();
	rmSync(dir, { recursive: true, force: true });
});
let n = 0;
beforeEach(async () => {
	for (const c of Object.values(CRMS)) c.reset();
	store = await openStore({ kind: 'sqlite', path: join(dir, `store-${++n}.db`) });
});
afterEach(async () => {
	await store.close();
});

/** The prospects synced once to the CRM (first sync: each created with its company and deal). */
async function firstSync(run: Run, prospects: Array<Record<string, unknown>>): Promise<Map<string, { crmId: string; members: Record<string, string> }>> {
	for (const p of prospects) run.ff.put(p);
	await run.sync(prospects.map((p) => String(p.id)), []);
	const links = await run.store.getLinks(run.crm.name, run.crm.object, { fieldflowIds: prospects.map((p) => String(p.id)) });
	expect(links.filter((l) => l.status === 'synced')).toHaveLength(prospects.length);
	return new Map(links.map((l) => [l.fieldflowId, { crmId: l.crmId!, members: l.members ?? {} }]));
}

async function logsOf(fieldflowId: string): Promise<LogEntry[]> {
	return (await store.queryLogs({ limit: 1000 })).entries.filter((e) => e.fieldflowId === fieldflowId);
}

describe('today (no member setting): a Pipedrive deal deleted in the CRM', () => {
	test('the link drops the deal without a word; the next Status change creates a new deal from that one change', async () => {
		const crm = CRMS.pipedrive;
		const ff = new MemoryFieldFlow();
		const run = new Run(crm, store, ff);
		const linked = await firstSync(run, [prospect(1, 'Acme')]);
		const { crmId, members } = linked.get('pr_1')!;
		expect(Object.keys(members).sort()).toEqual(['deals', 'organizations']);
		await run.a.delete('deals', [members.deals]);
		// The person is read again (it changed in Pipedrive): its group has no deal any more.
		const { routed } = await run.sync([], [crmId]);
		expect(routed.map((r) => r.output)).toEqual([OUTPUT.unchanged]);
		// FieldFlow keeps its values.
		expect(ff.prospects.get('pr_1')).toMatchObject({ status: 'qualified', estimated_value: 1000, company_name: 'Acme' });
		const link = (await store.getLinks('pipedrive', 'persons', { fieldflowIds: ['pr_1'] }))[0];
		expect(link.members).toEqual({ organizations: members.organizations });
		expect(groupMembers('pipedrive', 'persons')).toEqual(['organizations', 'deals']);
		// Then a Status change in FieldFlow: a new deal, with that one change (and a title from the person id).
		ff.put({ id: 'pr_1', status: 'won' });
		await run.sync(['pr_1'], []);
		const deals = (await run.a.listRelated!({ object: 'deals', field: 'person_id', ids: [crmId] })).filter((d) => !d.deleted);
		expect(deals).toHaveLength(1);
		expect(deals[0].fields).toMatchObject({ status: 'won', title: `persons ${crmId}` });
		expect(deals[0].fields.value ?? null).toBeNull();
	});
});

/** The live deals of a primary, through the CRM's own links (Pipedrive person_id, HubSpot associations, Salesforce contact roles). */
async function dealsOf(run: Run, crmId: string): Promise<string[]> {
	return ((await groupLinks(run.a, run.spec).dealsOfPrimaries([crmId])).get(crmId) ?? []).filter((d) => !d.deleted).map((d) => d.id);
}
/** The company a deal is linked to, as the CRM has it (Pipedrive deal.org_id, Salesforce Opportunity.AccountId, HubSpot deal → company association). */
async function companyOfDeal(run: Run, dealId: string): Promise<string | undefined> {
	if (run.crm.name === 'hubspot') return (await run.a.listAssociations!('deals', 'companies', [dealId])).get(dealId)?.[0]?.id;
	const [d] = await run.a.getByIds(run.spec.deal!.object, [dealId]);
	const v = d.fields[run.spec.deal!.companyRef!];
	return v === null || v === undefined ? undefined : String(typeof v === 'object' ? (v as { value: unknown }).value : v);
}
async function linkOf(run: Run, fieldflowId: string) {
	return (await store.getLinks(run.crm.name, run.crm.object, { fieldflowIds: [fieldflowId] }))[0];
}
const writes = (routed: Routed[]) => routed.filter((r) => r.output === OUTPUT.toCrm || r.output === OUTPUT.toFieldflow);

describe.each(['pipedrive', 'hubspot', 'salesforce'] as CrmName[])('%s: the linked deal deleted in the CRM', (name) => {
	const setup = async () => {
		const crm = CRMS[name];
		const ff = new MemoryFieldFlow();
		const run = new Run(crm, store, ff);
		const linked = await firstSync(run, [prospect(1, 'Acme')]);
		const { crmId, members } = linked.get('pr_1')!;
		const [company, deal] = crm.members;
		expect(members[company]).toBeTruthy();
		expect(await dealsOf(run, crmId)).toEqual([members[deal]]);
		await run.a.delete(deal, [members[deal]]);
		expect(await dealsOf(run, crmId)).toEqual([]);
		return { crm, ff, run, crmId, members, company, deal };
	};

	test('Unlink: nothing written, FieldFlow keeps Status / Estimated Value / Company Name, logged; later changes create no deal', async () => {
		const { ff, run, crmId, members, company, deal } = await setup();
		const { routed } = await run.sync([], [crmId], { onMemberDeleted: 'unlink' });
		expect(writes(routed)).toEqual([]);
		expect(ff.prospects.get('pr_1')).toMatchObject({ status: 'qualified', estimated_value: 1000, company_name: 'Acme' });
		const link = await linkOf(run, 'pr_1');
		expect(link.status).toBe('synced');
		expect(link.members).toEqual({ [company]: members[company], [`!${deal}`]: members[deal] });
		const logs = await logsOf('pr_1');
		const entry = logs.find((l) => l.status === 'skipped')!;
		expect(entry.message).toMatch(new RegExp(`is gone from the CRM .*: unlinked; FieldFlow keeps the prospect's status, estimated_value \\(setting: unlink\\)`));
		// A Status and Estimated Value change in FieldFlow: written nowhere, no new deal.
		ff.put({ id: 'pr_1', status: 'won', estimated_value: 5000, phone: '+1 555 0100' });
		await run.sync(['pr_1'], [], { onMemberDeleted: 'unlink' });
		expect(await dealsOf(run, crmId)).toEqual([]);
		expect((await linkOf(run, 'pr_1')).members).toEqual({ [company]: members[company], [`!${deal}`]: members[deal] });
		// The person read again (changed in the CRM): still unlinked, nothing written.
		const again = await run.sync([], [crmId], { onMemberDeleted: 'unlink' });
		expect(writes(again.routed)).toEqual([]);
		expect(ff.prospects.get('pr_1')).toMatchObject({ status: 'won', estimated_value: 5000, company_name: 'Acme' });
	});

	test('Recreate: one new deal from the prospect\'s values, linked to the person and its company; FieldFlow untouched; a second run writes nothing', async () => {
		const { ff, run, crmId, members, company, deal } = await setup();
		const before = JSON.stringify(ff.prospects.get('pr_1'));
		const { routed } = await run.sync([], [crmId], { onMemberDeleted: 'recreate' });
		expect(routed.filter((r) => r.output === OUTPUT.toFieldflow)).toEqual([]);
		const toCrm = routed.filter((r) => r.output === OUTPUT.toCrm);
		expect(toCrm).toHaveLength(1);
		expect((readSync(toCrm[0].json) as WriteMeta).reason).toMatch(/is gone from the CRM .*: recreated from FieldFlow \(setting: recreate\)/);
		expect(JSON.stringify(ff.prospects.get('pr_1'))).toBe(before);
		const link = await linkOf(run, 'pr_1');
		const now = await dealsOf(run, crmId);
		expect(now).toHaveLength(1);
		expect(now[0]).not.toBe(members[deal]);
		expect(link.members).toEqual({ [company]: members[company], [deal]: now[0] });
		expect(await companyOfDeal(run, now[0])).toBe(members[company]);
		// The new deal carries the prospect's values, read back as the group.
		const [group] = await run.a.getByIds(run.crm.object, [crmId]).then((rs) => crmLookups(run.a, run.eff).getCrmByIds(rs.map((r) => r.id), [link]));
		expect(mapCrmRecord(group, run.eff).record.fields).toMatchObject({ status: 'qualified', estimated_value: 1000, company_name: 'Acme' });
		expect((await logsOf('pr_1')).some((l) => l.status === 'success' && /recreated from FieldFlow/.test(l.message ?? ''))).toBe(true);
		const again = await run.sync(['pr_1'], [crmId], { onMemberDeleted: 'recreate' });
		expect(writes(again.routed)).toEqual([]);
		expect(await dealsOf(run, crmId)).toEqual(now);
	});

	test('a deal unlinked by an earlier run is recreated once the setting is Recreate; under CRM → FieldFlow only it stays unlinked', async () => {
		const { run, crmId, members, company, deal } = await setup();
		await run.sync([], [crmId], { onMemberDeleted: 'unlink' });
		await run.sync([], [crmId], { onMemberDeleted: 'recreate', direction: 'crmToFieldflow' });
		expect(await dealsOf(run, crmId)).toEqual([]);
		expect((await linkOf(run, 'pr_1')).members).toEqual({ [company]: members[company], [`!${deal}`]: members[deal] });
		await run.sync([], [crmId], { onMemberDeleted: 'recreate' });
		const now = await dealsOf(run, crmId);
		expect(now).toHaveLength(1);
		expect((await linkOf(run, 'pr_1')).members).toEqual({ [company]: members[company], [deal]: now[0] });
	});
});

describe('the linked company deleted in the CRM', () => {
	test('Pipedrive, Recreate: an organization shared by two prospects is created once, both persons and their deals move to it; Company Name kept', async () => {
		const run = new Run(CRMS.pipedrive, store, new MemoryFieldFlow());
		const linked = await firstSync(run, [prospect(1, 'Acme'), prospect(2, 'Acme')]);
		const org = linked.get('pr_1')!.members.organizations;
		expect(linked.get('pr_2')!.members.organizations).toBe(org);
		await run.a.delete('organizations', [org]);
		const ids = ['pr_1', 'pr_2'].map((id) => linked.get(id)!.crmId);
		const { routed } = await run.sync([], ids, { onMemberDeleted: 'recreate' });
		expect(routed.filter((r) => r.output === OUTPUT.toCrm)).toHaveLength(2);
		const orgs = (await run.a.findDuplicates('organizations', [{ ref: 'x', company: 'Acme' }]))[0].matches.map((m) => m.id);
		expect(orgs).toHaveLength(1);
		expect(orgs[0]).not.toBe(org);
		for (const id of ['pr_1', 'pr_2']) {
			const { crmId, members } = linked.get(id)!;
			const link = await linkOf(run, id);
			expect(link.members).toEqual({ organizations: orgs[0], deals: members.deals });
			const [person] = await run.a.getByIds('persons', [crmId]);
			expect(String(person.fields.org_id)).toBe(orgs[0]);
			expect(await companyOfDeal(run, members.deals)).toBe(orgs[0]);
			expect(run.ff.prospects.get(id)).toMatchObject({ company_name: 'Acme', status: 'qualified' });
		}
		const again = await run.sync([], ids, { onMemberDeleted: 'recreate' });
		expect(writes(again.routed)).toEqual([]);
	});

	test('Pipedrive, Unlink: the organization stays unlinked (no new one from a later write); FieldFlow keeps Company Name; the deal is kept', async () => {
		const run = new Run(CRMS.pipedrive, store, new MemoryFieldFlow());
		const linked = await firstSync(run, [prospect(1, 'Acme')]);
		const { crmId, members } = linked.get('pr_1')!;
		await run.a.delete('organizations', [members.organizations]);
		const { routed } = await run.sync([], [crmId], { onMemberDeleted: 'unlink' });
		expect(writes(routed)).toEqual([]);
		expect((await linkOf(run, 'pr_1')).members).toEqual({ '!organizations': members.organizations, deals: members.deals });
		expect((await logsOf('pr_1')).find((l) => l.status === 'skipped')?.message).toMatch(/^Organization \d+ is gone from the CRM .*: unlinked; FieldFlow keeps the prospect's company_name \(setting: unlink\)/);
		// A change of the prospect's Estimated Value reaches its deal; still no organization.
		run.ff.put({ id: 'pr_1', estimated_value: 7777 });
		await run.sync(['pr_1'], [], { onMemberDeleted: 'unlink' });
		expect((await run.a.findDuplicates('organizations', [{ ref: 'x', company: 'Acme' }]))[0].matches).toEqual([]);
		const [deal] = await run.a.getByIds('deals', [members.deals]);
		expect(Number(deal.fields.value)).toBe(7777);
		expect(run.ff.prospects.get('pr_1')).toMatchObject({ company_name: 'Acme' });
	});

	test('HubSpot, Recreate: an archived company is created again and associated with the contact and its deal', async () => {
		const run = new Run(CRMS.hubspot, store, new MemoryFieldFlow());
		const linked = await firstSync(run, [prospect(1, 'Acme')]);
		const { crmId, members } = linked.get('pr_1')!;
		await run.a.delete('companies', [members.companies]);
		await run.sync([], [crmId], { onMemberDeleted: 'recreate' });
		const link = await linkOf(run, 'pr_1');
		expect(link.members!.companies).toBeTruthy();
		expect(link.members!.companies).not.toBe(members.companies);
		expect(link.members!.deals).toBe(members.deals);
		expect((await run.a.listAssociations!('contacts', 'companies', [crmId])).get(crmId)!.map((t) => t.id)).toEqual([link.members!.companies]);
		expect(await companyOfDeal(run, members.deals)).toBe(link.members!.companies);
		const [company] = await run.a.getByIds('companies', [link.members!.companies]);
		expect(company.fields.name).toBe('Acme');
	});
});

describe('a read without link hints (the change feed) and edits in the same run', () => {
	test('Pipedrive: the linked deal deleted while the person has a second deal: that deal is not taken for the prospect\'s (its status does not reach FieldFlow)', async () => {
		const run = new Run(CRMS.pipedrive, store, new MemoryFieldFlow());
		const linked = await firstSync(run, [prospect(1, 'Acme')]);
		const { crmId, members } = linked.get('pr_1')!;
		// A second deal of the person, lost; then the prospect's deal is deleted.
		const [other] = await run.a.upsert('deals', [{ ref: 'd2', fields: { title: 'Side deal', person_id: Number(crmId), status: 'lost', value: 1 } }]);
		expect(other.success).toBe(true);
		await run.a.delete('deals', [members.deals]);
		const { routed } = await run.sync([], [crmId], { onMemberDeleted: 'unlink' });
		expect(writes(routed)).toEqual([]);
		expect(run.ff.prospects.get('pr_1')).toMatchObject({ status: 'qualified', estimated_value: 1000 });
		expect((await linkOf(run, 'pr_1')).members).toEqual({ organizations: members.organizations, '!deals': members.deals });
	});

	test('Pipedrive: a phone edited in FieldFlow in the run that finds the deal deleted is written, and that write says the deal was unlinked', async () => {
		const run = new Run(CRMS.pipedrive, store, new MemoryFieldFlow());
		const linked = await firstSync(run, [prospect(1, 'Acme')]);
		const { crmId, members } = linked.get('pr_1')!;
		await run.a.delete('deals', [members.deals]);
		run.ff.put({ id: 'pr_1', phone: '+1 555 0199' });
		const { routed } = await run.sync(['pr_1'], [], { onMemberDeleted: 'unlink' });
		const toCrm = routed.filter((r) => r.output === OUTPUT.toCrm);
		expect(toCrm).toHaveLength(1);
		expect((readSync(toCrm[0].json) as WriteMeta).reason).toMatch(/Deal \d+ is gone from the CRM .*: unlinked/);
		const [person] = await run.a.getByIds('persons', [crmId]);
		expect(JSON.stringify(person.fields.phones ?? person.fields.phone)).toContain('555 0199');
		expect(await dealsOf(run, crmId)).toEqual([]);
		expect((await linkOf(run, 'pr_1')).members).toEqual({ organizations: members.organizations, '!deals': members.deals });
	});
});

describe('Salesforce: an Account deleted', () => {
	test('deletes its Contacts and Opportunities with it (Salesforce\'s cascade): the primary\'s When a Linked Record Is Deleted applies; the prospect and its values are kept, nothing is created', async () => {
		const run = new Run(CRMS.salesforce, store, new MemoryFieldFlow());
		const linked = await firstSync(run, [prospect(1, 'Acme')]);
		const { crmId, members } = linked.get('pr_1')!;
		await run.a.delete('Account', [members.Account]);
		expect(await run.a.getByIds('Contact', [crmId])).toEqual([]);
		run.ff.put({ id: 'pr_1', phone: '+1 555 0142' });
		const { routed } = await run.sync(['pr_1'], [], { onMemberDeleted: 'recreate' });
		expect(routed.map((r) => readSync(r.json)).map((m) => (m as { action?: string }).action)).toEqual(['unlink']);
		expect(await store.getLinks('salesforce', 'Contact', { fieldflowIds: ['pr_1'] })).toEqual([]);
		expect(run.ff.prospects.get('pr_1')).toMatchObject({ company_name: 'Acme', status: 'qualified', estimated_value: 1000 });
		expect((await run.a.findDuplicates('Account', [{ ref: 'x', company: 'Acme' }]))[0].matches).toEqual([]);
	});
});

describe('Preview', () => {
	test('the call forecast of a write whose deal or company was unlinked after a deletion counts no create for it', () => {
		const spec = groupSpec('pipedrive', 'persons', ['organizations', 'deals'])!;
		const forecast = (object: string, c: { creates?: number; updates?: number }) => ({ [`${object}.create`]: c.creates ?? 0, [`${object}.update`]: c.updates ?? 0 });
		const input = { ref: 'pr_1', id: '7', fields: { 'organizations.name': 'Acme', 'deals.value': 5000, 'deals.title': 'Acme' } };
		expect(forecastGroupWrites(spec, [{ ...input, members: { organizations: '12' } }], forecast)).toMatchObject({ 'deals.create': 1 });
		const detached = forecastGroupWrites(spec, [{ ...input, members: { '!organizations': '12', '!deals': '40' } }], forecast);
		expect(detached['deals.create'] ?? 0).toBe(0);
		expect(detached['organizations.create'] ?? 0).toBe(0);
		expect(detached['organizations.search'] ?? 0).toBe(0);
	});
});

/**
 * The deletion noticed by the next incremental run, with nothing else changed: the group change
 * feed reads the members' deletions (Pipedrive deals listed with status=deleted, HubSpot's archived
 * list, Salesforce queryAll) and brings the primaries they belonged to, so the run applies the
 * setting without waiting for the person to change.
 */
const SANDBOXES = { pipedrive: pd, hubspot: hs, salesforce: sf };

/** A Since after everything written so far, with the sandbox's clock moved past it (whole seconds apart, as the feeds round to the second). */
function sinceNow(name: CrmName): string {
	const clock = SANDBOXES[name].clock;
	clock.advance(5000);
	return new Date(Date.now() + clock.offsetMs - 2500).toISOString();
}

async function collect(feed: AsyncIterable<{ records: CrmRecord[] }>): Promise<CrmRecord[]> {
	const out: CrmRecord[] = [];
	for await (const page of feed) out.push(...page.records);
	return out;
}

/** The store's answer to "whose was this member record" (what a caller with the sync store passes as ownersOfDeleted). */
const ownersFromLinks = (run: Run): GroupReadOptions['ownersOfDeleted'] => async (memberObject, ids) => (await run.store.getLinksByMember(run.crm.name, run.crm.object, memberObject, ids)).map((l) => l.crmId!).filter(Boolean);

describe.each(['pipedrive', 'hubspot', 'salesforce'] as CrmName[])('%s: a deal deleted in the CRM, nothing else changed: the next incremental run', (name) => {
	const setup = async () => {
		const crm = CRMS[name];
		const run = new Run(crm, store, new MemoryFieldFlow());
		const linked = await firstSync(run, [prospect(1, 'Acme'), prospect(2, 'Globex')]);
		const since = sinceNow(name);
		const { crmId, members } = linked.get('pr_1')!;
		const deal = crm.members[1];
		await run.a.delete(deal, [members[deal]]);
		// Nothing else changed: the person is in no feed of its own.
		expect(await collect(run.a.listChangedSince(crm.object, since))).toEqual([]);
		return { run, since, crmId, members, deal, company: crm.members[0], other: linked.get('pr_2')!.crmId };
	};

	test('the group change feed since the last run has that person (and no other), its group without the deleted deal; by keyset too', async () => {
		const { run, since, crmId, members, company } = await setup();
		const options = { ownersOfDeleted: ownersFromLinks(run) };
		for (const feed of [listGroupChanges(run.a, run.spec, since, options), listGroupChanges(run.a, run.spec, since, { ...options, limit: 10 })]) {
			const records = await collect(feed);
			expect(records.map((r) => r.id)).toEqual([crmId]);
			expect(records[0].members).toEqual({ [company]: members[company] });
		}
		if (name === 'hubspot') {
			// HubSpot unassociates an archived deal: only the links know whose it was. Without them
			// the deletion is not in the feed (it reaches the prospect when its contact is read again).
			expect(await collect(listGroupChanges(run.a, run.spec, since))).toEqual([]);
		} else {
			// Pipedrive's deleted deal names its person_id; Salesforce's contact roles deleted with the
			// Opportunity name its Contact (queryAll): the CRM alone finds the person.
			expect((await collect(listGroupChanges(run.a, run.spec, since))).map((r) => r.id)).toEqual([crmId]);
		}
	});

	test('Unlink: the run from that feed writes nothing, FieldFlow keeps Status / Estimated Value, the deal is recorded as unlinked and logged; the next run reads nothing more', async () => {
		const { run, since, members, deal, company } = await setup();
		const crmRecords = await collect(listGroupChanges(run.a, run.spec, since, { ownersOfDeleted: ownersFromLinks(run) }));
		const { routed } = await run.sync([], crmRecords, { onMemberDeleted: 'unlink' });
		expect(routed).toHaveLength(1);
		expect(writes(routed)).toEqual([]);
		expect(run.ff.prospects.get('pr_1')).toMatchObject({ status: 'qualified', estimated_value: 1000, company_name: 'Acme' });
		expect((await linkOf(run, 'pr_1')).members).toEqual({ [company]: members[company], [`!${deal}`]: members[deal] });
		expect((await logsOf('pr_1')).find((l) => l.status === 'skipped')?.message).toMatch(/is gone from the CRM .*: unlinked; FieldFlow keeps the prospect's status, estimated_value \(setting: unlink\)/);
		expect(await dealsOf(run, (await linkOf(run, 'pr_1')).crmId!)).toEqual([]);
		// The next run: the links no longer name the deal, so a store-backed feed does not bring it again
		// (a CRM that still names the person brings it once more: the plan sees it unchanged).
		const next = await collect(listGroupChanges(run.a, run.spec, sinceNow(name), { ownersOfDeleted: ownersFromLinks(run) }));
		expect(next).toEqual([]);
	});

	test('Recreate: the run from that feed creates one new deal linked to the person and its company; FieldFlow untouched', async () => {
		const { run, since, crmId, members, deal, company, other } = await setup();
		const crmRecords = await collect(listGroupChanges(run.a, run.spec, since, { ownersOfDeleted: ownersFromLinks(run) }));
		const before = JSON.stringify(run.ff.prospects.get('pr_1'));
		const { routed } = await run.sync([], crmRecords, { onMemberDeleted: 'recreate' });
		const toCrm = routed.filter((r) => r.output === OUTPUT.toCrm);
		expect(toCrm).toHaveLength(1);
		expect((readSync(toCrm[0].json) as WriteMeta).reason).toMatch(/is gone from the CRM .*: recreated from FieldFlow \(setting: recreate\)/);
		expect(JSON.stringify(run.ff.prospects.get('pr_1'))).toBe(before);
		const now = await dealsOf(run, crmId);
		expect(now).toHaveLength(1);
		expect(now[0]).not.toBe(members[deal]);
		expect((await linkOf(run, 'pr_1')).members).toEqual({ [company]: members[company], [deal]: now[0] });
		expect(await companyOfDeal(run, now[0])).toBe(members[company]);
		// The other prospect's deal is untouched.
		expect(await dealsOf(run, other)).toEqual([(await linkOf(run, 'pr_2')).members![deal]]);
	});

	test('a run with no deletion costs at most one more call per member object than the live feeds alone', async () => {
		const { run } = await setup();
		const since = sinceNow(name);
		const calls = () => ({ ...run.a.stats.byEndpoint });
		const delta = (from: Record<string, number>) => {
			const out: Record<string, number> = {};
			for (const [k, v] of Object.entries(run.a.stats.byEndpoint)) if (v - (from[k] ?? 0)) out[k] = v - (from[k] ?? 0);
			return out;
		};
		const total = (d: Record<string, number>) => Object.values(d).reduce((x, y) => x + y, 0);
		let start = calls();
		for (const object of [run.crm.object, ...run.crm.members]) expect(await collect(run.a.listChangedSince(object, since))).toEqual([]);
		const live = delta(start);
		start = calls();
		expect(await collect(listGroupChanges(run.a, run.spec, since, { ownersOfDeleted: ownersFromLinks(run) }))).toEqual([]);
		const withDeletions = delta(start);
		expect(total(withDeletions) - total(live)).toBeLessThanOrEqual(run.crm.members.length);
		// Per CRM: Pipedrive one deals list with status=deleted (organizations have none); HubSpot one
		// archived list per member object; Salesforce none (queryAll in place of query).
		const extra = { pipedrive: 1, hubspot: 2, salesforce: 0 }[name];
		expect(total(withDeletions) - total(live)).toBe(extra);
		const expected = {
			pipedrive: [{ 'persons.list': 1, 'organizations.list': 1, 'deals.list': 1 }, { 'persons.list': 1, 'organizations.list': 1, 'deals.list': 2 }],
			hubspot: [{ 'objects.search': 3 }, { 'objects.search': 3, 'objects.list': 2 }],
			salesforce: [{ query: 3 }, { query: 1, queryAll: 2 }],
		}[name];
		expect([live, withDeletions]).toEqual(expected);
	});
});

describe('a company deleted in the CRM, nothing else changed: the next incremental run', () => {
	test('HubSpot: an archived company shared by two prospects brings both contacts (through the links: HubSpot unassociates it); Recreate makes one new company for both', async () => {
		const run = new Run(CRMS.hubspot, store, new MemoryFieldFlow());
		const linked = await firstSync(run, [prospect(1, 'Acme'), prospect(2, 'Acme'), prospect(3, 'Globex')]);
		const since = sinceNow('hubspot');
		const company = linked.get('pr_1')!.members.companies;
		expect(linked.get('pr_2')!.members.companies).toBe(company);
		await run.a.delete('companies', [company]);
		expect(await collect(run.a.listChangedSince('contacts', since))).toEqual([]);
		expect(await collect(listGroupChanges(run.a, run.spec, since))).toEqual([]);
		const crmRecords = await collect(listGroupChanges(run.a, run.spec, since, { ownersOfDeleted: ownersFromLinks(run) }));
		expect(crmRecords.map((r) => r.id).sort()).toEqual(['pr_1', 'pr_2'].map((id) => linked.get(id)!.crmId).sort());
		for (const r of crmRecords) expect(r.members?.companies).toBeUndefined();
		await run.sync([], crmRecords, { onMemberDeleted: 'recreate' });
		const now = (await linkOf(run, 'pr_1')).members!.companies;
		expect(now).toBeTruthy();
		expect(now).not.toBe(company);
		expect((await linkOf(run, 'pr_2')).members!.companies).toBe(now);
		for (const id of ['pr_1', 'pr_2']) {
			const crmId = linked.get(id)!.crmId;
			expect((await run.a.listAssociations!('contacts', 'companies', [crmId])).get(crmId)!.map((t) => t.id)).toEqual([now]);
			expect(run.ff.prospects.get(id)).toMatchObject({ company_name: 'Acme' });
		}
		expect((await linkOf(run, 'pr_3')).members).toEqual(linked.get('pr_3')!.members);
	});

	test('Pipedrive: an organization deleted is in no feed (v2 lists persons and organizations without a deleted filter; the persons keep their org_id): the prospect learns it when its person is read again', async () => {
		const run = new Run(CRMS.pipedrive, store, new MemoryFieldFlow());
		const linked = await firstSync(run, [prospect(1, 'Acme')]);
		const since = sinceNow('pipedrive');
		const { crmId, members } = linked.get('pr_1')!;
		await run.a.delete('organizations', [members.organizations]);
		expect(await collect(listGroupChanges(run.a, run.spec, since, { ownersOfDeleted: ownersFromLinks(run) }))).toEqual([]);
		// Read again (the person changed, the prospect changed, a full sync): the setting applies.
		const { routed } = await run.sync([], [crmId], { onMemberDeleted: 'unlink' });
		expect(writes(routed)).toEqual([]);
		expect((await linkOf(run, 'pr_1')).members).toEqual({ '!organizations': members.organizations, deals: members.deals });
	});

	test('Salesforce: an Account deleted takes its Contacts (cascade): the feed brings no group for them (their own deletion: When a Linked Record Is Deleted, on the prospect\'s next read)', async () => {
		const run = new Run(CRMS.salesforce, store, new MemoryFieldFlow());
		const linked = await firstSync(run, [prospect(1, 'Acme')]);
		const since = sinceNow('salesforce');
		await run.a.delete('Account', [linked.get('pr_1')!.members.Account]);
		expect(await collect(listGroupChanges(run.a, run.spec, since, { ownersOfDeleted: ownersFromLinks(run) }))).toEqual([]);
	});
});
