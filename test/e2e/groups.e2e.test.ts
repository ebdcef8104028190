/**
 * Record groups end to end: the two-way templates of Pipedrive (Start Run's Linked Records:
 * Organization + Deal), HubSpot (Companies + Deals, linked by associations) and Salesforce in
 * Contacts mode (Contact + Account + Opportunity with its contact role) imported as users
 * import them and run in a real n8n against the sandboxes. Every field of the guide's table is
 * checked on the member record it belongs to, through the CRM's API (Pipedrive) or the sandbox's
 * records and associations (HubSpot), and back in FieldFlow. One n8n for the file.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { N8n, type RunResult } from './harness';
import { HUBSPOT_SANDBOX_TOKEN, startSandboxes, sandboxCredentials, type Sandboxes } from '../sandboxes';
import { clearSqliteStore, copyAsSchemaV2 } from '../support/store';
import { withSqlitePath, type Workflow } from '../../scripts/templates/lib';

const WORKFLOWS = path.join(__dirname, '..', '..', 'workflows');
const TWO_WAY = 'tgroupstwowaypd';
const TWO_WAY_HUBSPOT = 'tgroupstwowayhs';
const TWO_WAY_SF_CONTACTS = 'tgroupstwowaysfc';
/** The Salesforce Leads two-way template as it ships (Linked Records Account + Opportunity: followed after a Lead's conversion). */
const TWO_WAY_SF_LEADS = 'tgroupstwowaysfl';
/** The Contacts-mode meetings and summaries template as it ships. */
const MEETINGS_SF_CONTACTS = 'tgroupsmeetsfc';
/** The upgrade test's two-way templates: persons alone on one store (as before groups), groups on its copy. */
const UPGRADE = { pipedrive: { before: 'tgroupsupgbefpd', after: 'tgroupsupgaftpd' }, hubspot: { before: 'tgroupsupgbefhs', after: 'tgroupsupgafths' } } as const;
const upgradeStore = (crm: string, which: 'before' | 'after') => path.join(n8n.userFolder, `upgrade-${crm}-${which}.sqlite`);
const CRM_WRITE = /(create|update|delete)/;

let sb: Sandboxes;
let n8n: N8n;
let token = '';

beforeAll(async () => {
	delete process.env.HTTP_PROXY;
	delete process.env.HTTPS_PROXY;
	sb = await startSandboxes();
	n8n = await new N8n().prepare();
	const creds = sandboxCredentials(sb);
	token = String(creds.find((c) => c.type === 'fieldFlowPipedriveApi')!.data.apiToken);
	await n8n.importCredentials(creds);
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-groups-'));
	// What the admin selects on Start Run: Linked Records (the other nodes take them from there).
	for (const [file, id, linked] of [
		['bidirectional-sync.pipedrive.json', TWO_WAY, ['organizations', 'deals']],
		['bidirectional-sync.hubspot.json', TWO_WAY_HUBSPOT, ['companies', 'deals']],
		// Salesforce in Contacts mode: its own template, Linked Records Account and Opportunity by default.
		['bidirectional-sync.salesforce-contacts.json', TWO_WAY_SF_CONTACTS, ['Account', 'Opportunity']],
	] as const) {
		const wf = JSON.parse(fs.readFileSync(path.join(WORKFLOWS, file), 'utf8'));
		wf.nodes.find((n: { name: string }) => n.name === 'Start Run').parameters.linkedObjects = linked;
		fs.writeFileSync(path.join(dir, `${id}.json`), JSON.stringify({ ...wf, id }));
	}
	fs.writeFileSync(path.join(dir, `${TWO_WAY_SF_LEADS}.json`), JSON.stringify({ ...JSON.parse(fs.readFileSync(path.join(WORKFLOWS, 'bidirectional-sync.salesforce.json'), 'utf8')), id: TWO_WAY_SF_LEADS }));
	fs.writeFileSync(path.join(dir, `${MEETINGS_SF_CONTACTS}.json`), JSON.stringify({ ...JSON.parse(fs.readFileSync(path.join(WORKFLOWS, 'meeting-summary-sync.salesforce-contacts.json'), 'utf8')), id: MEETINGS_SF_CONTACTS }));
	for (const crm of ['pipedrive', 'hubspot'] as const) {
		const wf = JSON.parse(fs.readFileSync(path.join(WORKFLOWS, `bidirectional-sync.${crm}.json`), 'utf8')) as Workflow;
		// Before: the template as it was before record groups (Linked Records empty: the person alone).
		const before = withSqlitePath(wf, upgradeStore(crm, 'before'));
		before.nodes.find((n) => n.name === 'Start Run')!.parameters.linkedObjects = [];
		fs.writeFileSync(path.join(dir, `${UPGRADE[crm].before}.json`), JSON.stringify({ ...before, id: UPGRADE[crm].before }));
		// After: the template as it ships now (the guide's full group), on the upgraded store.
		fs.writeFileSync(path.join(dir, `${UPGRADE[crm].after}.json`), JSON.stringify({ ...withSqlitePath(wf, upgradeStore(crm, 'after')), id: UPGRADE[crm].after }));
	}
	await n8n.cli(['import:workflow', '--separate', `--input=${dir}`]);
	fs.rmSync(dir, { recursive: true, force: true });
	sb.pipedrive.reset();
	sb.fieldflow.reset();
	// One n8n for the file: each run is a manual run over REST, as from the editor.
	await n8n.start();
	await n8n.setupOwner();
}, 600_000);

afterAll(async () => {
	await n8n?.stop();
	await sb?.stop();
});

async function run(id = TWO_WAY): Promise<RunResult> {
	const r = await n8n.execute(id);
	if (r.error) throw new Error(`two-way run failed: ${r.error}\n${n8n.logTail(30)}`);
	return r;
}

async function list(entity: string): Promise<Array<Record<string, unknown>>> {
	const res = await fetch(`${sb.pipedrive.url}/api/v2/${entity}?limit=500`, { headers: { 'x-api-token': token } });
	return ((await res.json()) as { data?: Array<Record<string, unknown>> }).data ?? [];
}
async function patch(entity: string, id: unknown, body: Record<string, unknown>): Promise<void> {
	const res = await fetch(`${sb.pipedrive.url}/api/v2/${entity}/${String(id)}`, { method: 'PATCH', headers: { 'x-api-token': token, 'content-type': 'application/json' }, body: JSON.stringify(body) });
	if (!res.ok) throw new Error(`PATCH ${entity}/${String(id)}: ${res.status} ${await res.text()}`);
}
const email = (p: Record<string, unknown>) => String((p.emails as Array<{ value: string }> | undefined)?.[0]?.value ?? '');
const prospects = () => sb.fieldflow.snapshot().prospects!;
const crmWrites = () => sb.pipedrive.callLog.filter((c) => c.method !== 'GET' && CRM_WRITE.test(c.endpoint)).length;
const ffWrites = () => sb.fieldflow.callLog.filter((c) => c.method !== 'GET').length;
const resetCounters = () => [sb.fieldflow, sb.pipedrive].forEach((s) => s.resetCounters());

/**
 * A deleted deal, with nothing else changed, as the next run of the template sees it: the link keeps
 * the deal as unlinked ('!<deal object>'), the sync log says so, FieldFlow keeps Status and
 * Estimated Value (When a Linked Company or Deal Is Deleted: Unlink It, the templates' setting).
 */
async function expectDealUnlinked(crm: 'pipedrive' | 'hubspot' | 'salesforce', object: string, dealObject: string, prospectEmail: string, dealId: string): Promise<void> {
	const ff = prospects().find((p) => p.email === prospectEmail)!;
	const { openStore } = await import('../../nodes/shared/store');
	const store = await openStore({ kind: 'sqlite', path: path.join(n8n.userFolder, '.n8n', 'fieldflow-sync.sqlite') });
	try {
		const [link] = await store.getLinks(crm, object, { fieldflowIds: [String(ff.id)] });
		expect(link.members).toMatchObject({ [`!${dealObject}`]: dealId });
		expect(link.members![dealObject]).toBeUndefined();
		const logs = (await store.queryLogs({ crm, fieldflowId: String(ff.id) })).entries;
		expect(logs.map((l) => l.message).join('\n')).toContain(`${dealId} is gone from the CRM`);
	} finally {
		await store.close();
	}
}

const COMPANIES = ['Acme Logistics', 'Birch Bakery', 'Cobalt Dental', 'Delta Farms', 'Evergreen Tools', 'Fjord Fisheries'];
const STATUSES = ['new', 'contacted', 'qualified', 'proposal', 'won', 'lost'];

/** 20 FieldFlow prospects over the 6 companies, every status, values 1,000 … 20,000: `<letter><n>@groups.example`. */
function seedProspects(letter: string, phoneBlock: number): void {
	sb.fieldflow.seed({
		prospects: Array.from({ length: 20 }, (_, i) => ({
			company_name: COMPANIES[i % 6],
			contact_name: `Contact ${i + 1}`,
			email: `${letter}${i + 1}@groups.example`,
			phone: `+1 555 0${phoneBlock}${String(i).padStart(2, '0')}`,
			status: STATUSES[i % 6],
			estimated_value: 1000 * (i + 1),
		})),
	});
}

describe('Pipedrive record groups through the two-way template', () => {
	test('first sync: 20 prospects over 6 companies → 6 organizations, 20 persons and 20 deals, each field on its member record; a Pipedrive person with its organization and deal arrives whole in FieldFlow', async () => {
		seedProspects('c', 1);
		// Only in Pipedrive: a person of an organization with a 12,000 deal.
		sb.pipedrive.seed({
			organizations: [{ id: 500, name: 'Zephyr Labs' }],
			persons: [{ id: 600, name: 'Zoe Zephyr', emails: [{ value: 'zoe@zephyr.example', primary: true, label: 'work' }], org_id: 500 }],
			deals: [{ id: 700, title: 'Zephyr Labs', value: 12000, currency: 'USD', stage_id: 3, status: 'open', person_id: 600, org_id: 500 }],
		});
		resetCounters();

		await run();

		const orgs = await list('organizations');
		const persons = await list('persons');
		const deals = await list('deals');
		expect(orgs.map((o) => o.name).sort()).toEqual([...COMPANIES, 'Zephyr Labs'].sort());
		expect(persons).toHaveLength(21);
		expect(deals).toHaveLength(21);
		for (const ff of prospects().filter((p) => String(p.email).endsWith('@groups.example'))) {
			const person = persons.find((p) => email(p) === ff.email)!;
			expect(person.name).toBe(ff.contact_name);
			const org = orgs.find((o) => o.id === person.org_id)!;
			expect(org.name).toBe(ff.company_name);
			const deal = deals.filter((d) => d.person_id === person.id);
			expect(deal).toHaveLength(1);
			expect(deal[0]).toMatchObject({ org_id: org.id, value: ff.estimated_value, title: ff.company_name });
			// Status → deal status (won/lost) and stage (open deals).
			const status = String(ff.status);
			if (status === 'won' || status === 'lost') expect(deal[0].status).toBe(status);
			else expect(deal[0]).toMatchObject({ status: 'open', stage_id: { new: 1, contacted: 2, qualified: 3, proposal: 4 }[status] });
		}
		const zoe = prospects().find((p) => p.email === 'zoe@zephyr.example')!;
		expect(zoe).toMatchObject({ contact_name: 'Zoe Zephyr', company_name: 'Zephyr Labs', status: 'qualified', estimated_value: 12000 });
		// Shared organizations were created once each: one create per new member record.
		const creates = (e: string) => sb.pipedrive.callLog.filter((c) => c.method === 'POST' && c.endpoint.startsWith(`${e}.`)).length;
		expect({ organizations: creates('organizations'), persons: creates('persons'), deals: creates('deals') }).toEqual({ organizations: 6, persons: 20, deals: 20 });

		resetCounters();
		await run();
		expect(crmWrites()).toBe(0);
		expect(ffWrites()).toBe(0);
	}, 300_000);

	test('changes from any member flow back: a deal stage moved, an organization renamed (all its prospects), a FieldFlow value edit reaches the deal', async () => {
		const persons = await list('persons');
		const deals = await list('deals');
		const orgs = await list('organizations');
		const c1 = persons.find((p) => email(p) === 'c1@groups.example')!;
		const acme = orgs.find((o) => o.name === 'Acme Logistics')!;
		const c2 = prospects().find((p) => p.email === 'c2@groups.example')!;
		await patch('deals', deals.find((d) => d.person_id === c1.id)!.id, { stage_id: 4 });
		await patch('organizations', acme.id, { name: 'Acme Logistics Group' });
		await new Promise((r) => setTimeout(r, 1100));
		sb.fieldflow.prospects.update(String(c2.id), { estimated_value: 2500 });
		resetCounters();

		await run();

		const after = prospects();
		expect(after.find((p) => p.email === 'c1@groups.example')).toMatchObject({ status: 'proposal', company_name: 'Acme Logistics Group' });
		// Every prospect of Acme (1, 7, 13, 19) has the new name.
		for (const n of [1, 7, 13, 19]) expect(after.find((p) => p.email === `c${n}@groups.example`)!.company_name).toBe('Acme Logistics Group');
		const c2Person = (await list('persons')).find((p) => email(p) === 'c2@groups.example')!;
		expect((await list('deals')).find((d) => d.person_id === c2Person.id)!.value).toBe(2500);

		resetCounters();
		await run();
		expect(crmWrites()).toBe(0);
		expect(ffWrites()).toBe(0);
	}, 300_000);

	test('company change: a prospect moved to another company is relinked, the shared organization is not renamed for the others', async () => {
		const c3 = prospects().find((p) => p.email === 'c3@groups.example')!;
		const before = await list('organizations');
		const cobalt = before.find((o) => o.name === 'Cobalt Dental')!;
		sb.fieldflow.prospects.update(String(c3.id), { company_name: 'Cobalt Dental North' });
		resetCounters();

		await run();

		const orgs = await list('organizations');
		expect(orgs.find((o) => o.id === cobalt.id)!.name).toBe('Cobalt Dental');
		const north = orgs.find((o) => o.name === 'Cobalt Dental North')!;
		const persons = await list('persons');
		expect(persons.find((p) => email(p) === 'c3@groups.example')!.org_id).toBe(north.id);
		expect(persons.find((p) => email(p) === 'c9@groups.example')!.org_id).toBe(cobalt.id);
		expect(prospects().find((p) => p.email === 'c9@groups.example')!.company_name).toBe('Cobalt Dental');
	}, 300_000);

	test('an edit in Pipedrive within the very second the last run read that person (whole-second update_time) is not skipped', async () => {
		const c5 = (await list('persons')).find((p) => email(p) === 'c5@groups.example')!;
		sb.pipedrive.clock.freeze(); // everything below happens in one second of Pipedrive's clock
		try {
			await patch('persons', c5.id, { name: 'Contact Five' });
			await run(); // reads the person at second S and links that version
			expect(prospects().find((p) => p.email === 'c5@groups.example')!.contact_name).toBe('Contact Five');
			await patch('persons', c5.id, { name: 'Contact 5 (Field Ops)' }); // the same second S
			resetCounters();
			await run();
		} finally {
			sb.pipedrive.clock.thaw();
		}
		expect(prospects().find((p) => p.email === 'c5@groups.example')!.contact_name).toBe('Contact 5 (Field Ops)');
		expect(crmWrites()).toBe(0);
	}, 300_000);
});

describe('Pipedrive: a member deleted in the CRM follows the setting', () => {
	test('a deal deleted in Pipedrive with nothing else changed: the next run unlinks it (Unlink It), FieldFlow keeps Status and Estimated Value, nothing is recreated, the log says so; the run after writes nothing', async () => {
		const c4 = (await list('persons')).find((p) => email(p) === 'c4@groups.example')!;
		const deal = (await list('deals')).find((d) => d.person_id === c4.id)!;
		const before = prospects().find((p) => p.email === 'c4@groups.example')!;
		const res = await fetch(`${sb.pipedrive.url}/api/v2/deals/${String(deal.id)}`, { method: 'DELETE', headers: { 'x-api-token': token } });
		expect(res.ok).toBe(true);
		await new Promise((r) => setTimeout(r, 1100));
		resetCounters();

		await run();

		expect(crmWrites()).toBe(0);
		expect(ffWrites()).toBe(0);
		expect((await list('deals')).filter((d) => d.person_id === c4.id)).toHaveLength(0);
		expect(prospects().find((p) => p.email === 'c4@groups.example')).toMatchObject({ status: before.status, estimated_value: before.estimated_value, company_name: before.company_name });
		await expectDealUnlinked('pipedrive', 'persons', 'deals', 'c4@groups.example', String(deal.id));

		resetCounters();
		await run();
		expect(crmWrites()).toBe(0);
		expect(ffWrites()).toBe(0);
	}, 300_000);
});

describe('HubSpot record groups through the two-way template (associations)', () => {
	const STAGE: Record<string, string> = { new: 'appointmentscheduled', contacted: 'qualifiedtobuy', qualified: 'presentationscheduled', proposal: 'contractsent', won: 'closedwon', lost: 'closedlost' };
	const hs = () => sb.hubspot;
	const live = (type: string) => hs().tables[type].live();
	const contactOf = (mail: string) => live('contacts').find((r) => String(r.data.email).toLowerCase() === mail)!;
	const assoc = (from: string, id: string, to: string) => hs().associationsOf(from, id, to).map((a) => a.toId);
	const hsWrites = () => hs().callLog.filter((c) => c.method !== 'GET' && !/search|batch\.read|associations\.read/.test(c.endpoint)).length;
	const runHs = () => run(TWO_WAY_HUBSPOT);

	beforeAll(() => {
		// A fresh FieldFlow and HubSpot for this CRM, and an empty store (n8n holds it open).
		sb.fieldflow.reset();
		hs().reset();
		clearSqliteStore(path.join(n8n.userFolder, '.n8n', 'fieldflow-sync.sqlite'));
	});

	test('first sync: 20 prospects over 6 companies → 6 companies, 20 contacts, 20 deals, associated contact ↔ company and deal ↔ contact and company, each field on its member; a HubSpot contact with its company and deal arrives whole in FieldFlow; a second run writes nothing', async () => {
		seedProspects('h', 2);
		// Only in HubSpot: a contact of a company with a 12,000 deal in Demo Scheduled.
		hs().seed({
			companies: [{ id: '5900001', properties: { name: 'Zephyr Labs' } }],
			contacts: [{ id: '5900101', properties: { firstname: 'Zoe', lastname: 'Zephyr', email: 'zoe@zephyr.example' }, associations: [{ toObjectType: 'companies', toId: '5900001' }] }],
			deals: [
				{
					id: '5900201',
					properties: { dealname: 'Zephyr Labs', dealstage: 'presentationscheduled', amount: 12000, pipeline: 'default' },
					associations: [
						{ toObjectType: 'contacts', toId: '5900101' },
						{ toObjectType: 'companies', toId: '5900001' },
					],
				},
			],
		});
		hs().resetCounters();
		sb.fieldflow.resetCounters();

		await runHs();

		expect(live('companies').map((c) => c.data.name).sort()).toEqual([...COMPANIES, 'Zephyr Labs'].sort());
		expect(live('contacts')).toHaveLength(21);
		expect(live('deals')).toHaveLength(21);
		for (const ff of prospects().filter((p) => String(p.email).endsWith('@groups.example'))) {
			const contact = contactOf(String(ff.email));
			expect(`${contact.data.firstname} ${contact.data.lastname}`).toBe(ff.contact_name);
			const companies = assoc('contacts', contact.id, 'companies');
			expect(companies).toHaveLength(1);
			expect(hs().tables.companies.get(companies[0])!.data.name).toBe(ff.company_name);
			const deals = assoc('contacts', contact.id, 'deals');
			expect(deals).toHaveLength(1);
			const deal = hs().tables.deals.get(deals[0])!;
			expect(deal.data).toMatchObject({ dealname: ff.company_name, dealstage: STAGE[String(ff.status)] });
			expect(Number(deal.data.amount)).toBe(ff.estimated_value);
			expect(assoc('deals', deal.id, 'companies')).toEqual(companies);
		}
		const zoe = prospects().find((p) => p.email === 'zoe@zephyr.example')!;
		expect(zoe).toMatchObject({ contact_name: 'Zoe Zephyr', company_name: 'Zephyr Labs', status: 'qualified', estimated_value: 12000 });
		// Shared companies created once each, in batches; the new records' associations inline (no association call).
		const calls = (e: RegExp) => hs().callLog.filter((c) => e.test(c.endpoint)).length;
		expect(calls(/^associations\.(batch\.(create|archive|default)|default\.create)$/)).toBe(0);
		const createdCompanies = hs().callLog.filter((c) => c.endpoint === 'objects.batch.create' && /companies/.test(c.path ?? '')).length;
		expect(createdCompanies).toBeLessThanOrEqual(1);

		hs().resetCounters();
		sb.fieldflow.resetCounters();
		await runHs();
		expect(hsWrites()).toBe(0);
		expect(ffWrites()).toBe(0);
	}, 300_000);

	test('changes from any member flow back: a deal stage moved and a company renamed in HubSpot reach the prospects; a FieldFlow value edit reaches the deal', async () => {
		const h1 = contactOf('h1@groups.example');
		const [deal] = assoc('contacts', h1.id, 'deals');
		const [acme] = assoc('contacts', h1.id, 'companies');
		await hsPatch('deals', deal, { dealstage: 'contractsent' });
		await hsPatch('companies', acme, { name: 'Acme Logistics Group' });
		await new Promise((r) => setTimeout(r, 1100));
		const h2 = prospects().find((p) => p.email === 'h2@groups.example')!;
		sb.fieldflow.prospects.update(String(h2.id), { estimated_value: 2500 });

		await runHs();

		const after = prospects();
		expect(after.find((p) => p.email === 'h1@groups.example')).toMatchObject({ status: 'proposal', company_name: 'Acme Logistics Group' });
		for (const n of [1, 7, 13, 19]) expect(after.find((p) => p.email === `h${n}@groups.example`)!.company_name).toBe('Acme Logistics Group');
		const [h2Deal] = assoc('contacts', contactOf('h2@groups.example').id, 'deals');
		expect(Number(hs().tables.deals.get(h2Deal)!.data.amount)).toBe(2500);

		hs().resetCounters();
		sb.fieldflow.resetCounters();
		await runHs();
		expect(hsWrites()).toBe(0);
		expect(ffWrites()).toBe(0);
	}, 300_000);

	test('company change: a prospect moved to another company is re-associated; the shared company is not renamed for the others', async () => {
		const h3 = prospects().find((p) => p.email === 'h3@groups.example')!;
		const [cobalt] = assoc('contacts', contactOf('h3@groups.example').id, 'companies');
		sb.fieldflow.prospects.update(String(h3.id), { company_name: 'Cobalt Dental North' });

		await runHs();

		expect(hs().tables.companies.get(cobalt)!.data.name).toBe('Cobalt Dental');
		const north = live('companies').find((c) => c.data.name === 'Cobalt Dental North')!;
		expect(assoc('contacts', contactOf('h3@groups.example').id, 'companies')).toEqual([north.id]);
		expect(assoc('contacts', contactOf('h9@groups.example').id, 'companies')).toEqual([cobalt]);
		expect(prospects().find((p) => p.email === 'h9@groups.example')!.company_name).toBe('Cobalt Dental');
	}, 300_000);
});

describe('HubSpot: a member deleted in the CRM follows the setting', () => {
	test('a deal archived in HubSpot with nothing else changed: the next run finds its contact through the sync store (HubSpot drops an archived deal\'s associations) and unlinks it; FieldFlow keeps its values; the run after writes nothing', async () => {
		const hs = sb.hubspot;
		const h4 = hs.tables.contacts.live().find((r) => String(r.data.email).toLowerCase() === 'h4@groups.example')!;
		const [deal] = hs.associationsOf('contacts', h4.id, 'deals').map((a) => a.toId);
		const before = prospects().find((p) => p.email === 'h4@groups.example')!;
		const res = await fetch(`${hs.url}/crm/v3/objects/deals/${deal}`, { method: 'DELETE', headers: { authorization: `Bearer ${HUBSPOT_SANDBOX_TOKEN}` } });
		expect(res.status).toBe(204);
		await new Promise((r) => setTimeout(r, 1100));
		hs.resetCounters();
		sb.fieldflow.resetCounters();

		await run(TWO_WAY_HUBSPOT);

		expect(hs.callLog.filter((c) => c.method !== 'GET' && !/search|batch\.read|associations\.read/.test(c.endpoint))).toEqual([]);
		expect(ffWrites()).toBe(0);
		expect(hs.associationsOf('contacts', h4.id, 'deals')).toEqual([]);
		expect(prospects().find((p) => p.email === 'h4@groups.example')).toMatchObject({ status: before.status, estimated_value: before.estimated_value, company_name: before.company_name });
		await expectDealUnlinked('hubspot', 'contacts', 'deals', 'h4@groups.example', deal);
	}, 300_000);
});

describe('Salesforce record groups through the Contacts-mode two-way template (Contact + Account + Opportunity)', () => {
	const STAGE: Record<string, string> = { new: 'Prospecting', contacted: 'Qualification', qualified: 'Needs Analysis', proposal: 'Proposal/Price Quote', won: 'Closed Won', lost: 'Closed Lost' };
	const sf = () => sb.salesforce;
	const live = (type: string) => sf().tables[type].live();
	const contactOf = (mail: string) => live('Contact').find((r) => String(r.data.Email).toLowerCase() === mail)!;
	const oppsOf = (contactId: string) => live('OpportunityContactRole').filter((r) => r.data.ContactId === contactId).map((r) => sf().tables.Opportunity.get(String(r.data.OpportunityId))!);
	const sfWrites = () => sf().callLog.filter((c) => c.method !== 'GET' && !/query|retrieve|describe|composite\.retrieve|collections\.retrieve/.test(c.endpoint)).length;
	const runSf = () => run(TWO_WAY_SF_CONTACTS);

	beforeAll(() => {
		sb.fieldflow.reset();
		sf().reset();
		clearSqliteStore(path.join(n8n.userFolder, '.n8n', 'fieldflow-sync.sqlite'));
	});

	test('first sync: 20 prospects over 6 companies → 6 Accounts, 20 Contacts on them, 20 Opportunities on the Accounts each with its contact as primary role, each field on its member; a Salesforce Contact with its Account and Opportunity arrives whole; a second run writes nothing', async () => {
		seedProspects('s', 3);
		// Only in Salesforce: a contact of an account with a 12,000 opportunity in Needs Analysis.
		sf().seed({ Account: [{ Name: 'Zephyr Labs' }] });
		const zephyr = live('Account').find((a) => a.data.Name === 'Zephyr Labs')!.id;
		sf().seed({ Contact: [{ FirstName: 'Zoe', LastName: 'Zephyr', Email: 'zoe@zephyr.example', AccountId: zephyr }] });
		sf().seed({ Opportunity: [{ Name: 'Zephyr Labs', StageName: 'Needs Analysis', CloseDate: '2026-12-31', Amount: 12000, AccountId: zephyr }] });
		sf().seed({ OpportunityContactRole: [{ OpportunityId: live('Opportunity')[0].id, ContactId: contactOf('zoe@zephyr.example').id, Role: 'Decision Maker', IsPrimary: true }] });
		sf().resetCounters();
		sb.fieldflow.resetCounters();

		await runSf();

		expect(live('Account').map((a) => a.data.Name).sort()).toEqual([...COMPANIES, 'Zephyr Labs'].sort());
		expect(live('Contact')).toHaveLength(21);
		expect(live('Opportunity')).toHaveLength(21);
		for (const ff of prospects().filter((p) => String(p.email).endsWith('@groups.example'))) {
			const contact = contactOf(String(ff.email));
			expect(`${contact.data.FirstName} ${contact.data.LastName}`).toBe(ff.contact_name);
			const account = sf().tables.Account.get(String(contact.data.AccountId))!;
			expect(account.data.Name).toBe(ff.company_name);
			const opps = oppsOf(contact.id);
			expect(opps).toHaveLength(1);
			expect(opps[0].data).toMatchObject({ Name: ff.company_name, StageName: STAGE[String(ff.status)], AccountId: account.id });
			expect(Number(opps[0].data.Amount)).toBe(ff.estimated_value);
			expect(opps[0].data.CloseDate).toBeTruthy();
		}
		expect(live('OpportunityContactRole').filter((r) => r.data.IsPrimary)).toHaveLength(21);
		const zoe = prospects().find((p) => p.email === 'zoe@zephyr.example')!;
		expect(zoe).toMatchObject({ contact_name: 'Zoe Zephyr', company_name: 'Zephyr Labs', status: 'qualified', estimated_value: 12000 });

		sf().resetCounters();
		sb.fieldflow.resetCounters();
		await runSf();
		expect(sfWrites()).toBe(0);
		expect(ffWrites()).toBe(0);
	}, 300_000);

	test('changes from any member flow back: an Opportunity stage moved and an Account renamed in Salesforce reach the prospects; a FieldFlow value edit reaches the Opportunity', async () => {
		const s1 = contactOf('s1@groups.example');
		await sfPatch('Opportunity', oppsOf(s1.id)[0].id, { StageName: 'Proposal/Price Quote' });
		await sfPatch('Account', String(s1.data.AccountId), { Name: 'Acme Logistics Group' });
		await new Promise((r) => setTimeout(r, 1100));
		const s2 = prospects().find((p) => p.email === 's2@groups.example')!;
		sb.fieldflow.prospects.update(String(s2.id), { estimated_value: 2500 });

		await runSf();

		const after = prospects();
		expect(after.find((p) => p.email === 's1@groups.example')).toMatchObject({ status: 'proposal', company_name: 'Acme Logistics Group' });
		for (const n of [1, 7, 13, 19]) expect(after.find((p) => p.email === `s${n}@groups.example`)!.company_name).toBe('Acme Logistics Group');
		expect(Number(oppsOf(contactOf('s2@groups.example').id)[0].data.Amount)).toBe(2500);

		sf().resetCounters();
		sb.fieldflow.resetCounters();
		await runSf();
		expect(sfWrites()).toBe(0);
		expect(ffWrites()).toBe(0);
	}, 300_000);

	test('company change: a prospect moved to another company is moved to that Account; the shared Account is not renamed for the others', async () => {
		const s3 = prospects().find((p) => p.email === 's3@groups.example')!;
		const cobalt = String(contactOf('s3@groups.example').data.AccountId);
		sb.fieldflow.prospects.update(String(s3.id), { company_name: 'Cobalt Dental North' });

		await runSf();

		expect(sf().tables.Account.get(cobalt)!.data.Name).toBe('Cobalt Dental');
		const north = live('Account').find((a) => a.data.Name === 'Cobalt Dental North')!;
		expect(contactOf('s3@groups.example').data.AccountId).toBe(north.id);
		expect(contactOf('s9@groups.example').data.AccountId).toBe(cobalt);
		expect(prospects().find((p) => p.email === 's9@groups.example')!.company_name).toBe('Cobalt Dental');
	}, 300_000);
});

describe('Salesforce: a member deleted in the CRM follows the setting', () => {
	test('an Opportunity deleted in Salesforce with nothing else changed (its contact role goes with it): the next run finds the Contact in the recycle bin\'s contact roles and unlinks the Opportunity; FieldFlow keeps its values; the run after writes nothing', async () => {
		const sf = sb.salesforce;
		const s4 = sf.tables.Contact.live().find((r) => String(r.data.Email).toLowerCase() === 's4@groups.example')!;
		const role = sf.tables.OpportunityContactRole.live().find((r) => r.data.ContactId === s4.id)!;
		const opp = String(role.data.OpportunityId);
		const before = prospects().find((p) => p.email === 's4@groups.example')!;
		const res = await fetch(`${sf.url}/services/data/v62.0/sobjects/Opportunity/${opp}`, { method: 'DELETE', headers: { authorization: `Bearer ${sf.accessToken}` } });
		expect(res.status).toBe(204);
		await new Promise((r) => setTimeout(r, 1100));
		sf.resetCounters();
		sb.fieldflow.resetCounters();

		await run(TWO_WAY_SF_CONTACTS);

		expect(sf.callLog.filter((c) => c.method !== 'GET' && !/query|retrieve|describe/.test(c.endpoint))).toEqual([]);
		expect(ffWrites()).toBe(0);
		expect(sf.tables.Opportunity.get(opp)).toBeUndefined();
		expect(prospects().find((p) => p.email === 's4@groups.example')).toMatchObject({ status: before.status, estimated_value: before.estimated_value, company_name: before.company_name });
		await expectDealUnlinked('salesforce', 'Contact', 'Opportunity', 's4@groups.example', opp);
	}, 300_000);
});

describe('Salesforce Contacts mode: meetings and summaries are linked to every member (the Contacts-mode meetings template as it ships)', () => {
	test('a completed meeting becomes one Event with WhoId the Contact and WhatId the Opportunity (the Account where the Opportunity is gone), its summary one Task the same way; synced again, nothing new', async () => {
		const sf = sb.salesforce;
		const contactOf = (mail: string) => sf.tables.Contact.live().find((r) => String(r.data.Email).toLowerCase() === mail)!;
		// s5 has its Opportunity; s4's was deleted in Salesforce and unlinked (the test before).
		const s5 = contactOf('s5@groups.example');
		const opp5 = String(sf.tables.OpportunityContactRole.live().find((r) => r.data.ContactId === s5.id)!.data.OpportunityId);
		const s4 = contactOf('s4@groups.example');
		const meeting = (email: string) => {
			const p = prospects().find((x) => x.email === email)!;
			const m = sb.fieldflow.meetings.insert({ prospect_id: String(p.id), title: 'Site visit', start_time: '2026-03-10T14:00:00.000Z', duration_minutes: 45, status: 'completed', notes: 'Walked the plant.', outcome: 'Pilot agreed', completed_at: '2026-03-10T14:45:00.000Z' }).id;
			const s = sb.fieldflow.summaries.insert({ meeting_id: m, prospect_id: String(p.id), summary: 'Wants a 30-day pilot.', action_items: ['Send the pilot contract'], generated_at: '2026-03-10T15:00:00.000Z' }).id;
			return { m, s };
		};
		const a = meeting('s5@groups.example');
		const b = meeting('s4@groups.example');
		const marked = (type: string, marker: string) => sf.records(type).filter((r) => String(r.Description ?? '').includes(marker));

		await run(MEETINGS_SF_CONTACTS);

		for (const [ids, who, what] of [
			[a, s5.id, opp5],
			[b, s4.id, String(s4.data.AccountId)],
		] as const) {
			const events = marked('Event', `[FieldFlow meeting ${ids.m}]`);
			expect(events).toHaveLength(1);
			expect(events[0]).toMatchObject({ WhoId: who, WhatId: what, DurationInMinutes: 45 });
			expect(String(events[0].Description)).toContain('Pilot agreed');
			const tasks = marked('Task', `[FieldFlow summary ${ids.s}`);
			expect(tasks).toHaveLength(1);
			expect(tasks[0]).toMatchObject({ WhoId: who, WhatId: what });
			expect(String(tasks[0].Description)).toContain('Send the pilot contract');
		}
		expect(String(opp5).slice(0, 3)).toBe('006');
		expect(String(s4.data.AccountId).slice(0, 3)).toBe('001');

		await run(MEETINGS_SF_CONTACTS);
		expect(marked('Event', `[FieldFlow meeting ${a.m}]`)).toHaveLength(1);
		expect(marked('Task', `[FieldFlow summary ${a.s}`)).toHaveLength(1);
	}, 300_000);
});

describe('Salesforce Leads mode: a Lead converted in Salesforce is followed (the Leads two-way template as it ships)', () => {
	const sf = () => sb.salesforce;
	const live = (type: string) => sf().tables[type].live();
	const counts = () => Object.fromEntries(['Lead', 'Contact', 'Account', 'Opportunity'].map((o) => [o, live(o).length]));
	const runLeads = () => run(TWO_WAY_SF_LEADS);
	const sfWrites = () => sf().callLog.filter((c) => c.method !== 'GET' && !/query|retrieve|describe/.test(c.endpoint));

	beforeAll(() => {
		sb.fieldflow.reset();
		sf().reset();
		clearSqliteStore(path.join(n8n.userFolder, '.n8n', 'fieldflow-sync.sqlite'));
	});

	test('prospects synced as Leads; one converted through the sandbox (Contact, Account and Opportunity made, the Lead read-only): the next run moves its link to them with no duplicate and no write to the Lead; edits flow both ways on the new records; a new prospect is still a Lead; a run with no change writes nothing', async () => {
		sb.fieldflow.seed({
			prospects: [
				{ company_name: 'Great Lakes Food', contact_name: 'Liu Wong', email: 'liu@greatlakes.example', phone: '+1 555 0301', status: 'contacted', estimated_value: 4000 },
				{ company_name: 'Still Open Co', contact_name: 'Otto Open', email: 'otto@open.example', phone: '+1 555 0302', status: 'new' },
			],
		});
		await runLeads();
		expect(counts()).toEqual({ Lead: 2, Contact: 0, Account: 0, Opportunity: 0 });
		const liu = live('Lead').find((l) => l.data.Email === 'liu@greatlakes.example')!;
		expect(liu.id.startsWith('00Q')).toBe(true);

		// Converted in Salesforce (the sandbox's control endpoint does what convertLead does).
		const res = await fetch(`${sf().url}/__sandbox/convert-lead`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ leadId: liu.id }) });
		const made = (await res.json()) as { success: boolean; contactId: string; accountId: string; opportunityId: string };
		expect(made.success).toBe(true);
		const converted = { ...sf().tables.Lead.get(liu.id)!.data };
		expect(converted.IsConverted).toBe(true);
		await new Promise((r) => setTimeout(r, 1100));
		const before = counts();
		sf().resetCounters();
		sb.fieldflow.resetCounters();

		await runLeads();

		// Nothing created, the converted Lead untouched, no CANNOT_UPDATE_CONVERTED_LEAD.
		expect(counts()).toEqual(before);
		expect(sf().tables.Lead.get(liu.id)!.data).toEqual(converted);
		expect(sf().callLog.filter((c) => c.status !== undefined && c.status >= 400)).toEqual([]);
		const { openStore } = await import('../../nodes/shared/store');
		const store = await openStore({ kind: 'sqlite', path: path.join(n8n.userFolder, '.n8n', 'fieldflow-sync.sqlite') });
		const ffLiu = prospects().find((p) => p.email === 'liu@greatlakes.example')!;
		try {
			const [link] = await store.getLinks('salesforce', 'Lead', { fieldflowIds: [String(ffLiu.id)] });
			expect(link).toMatchObject({ crmId: made.contactId, members: { Account: made.accountId, Opportunity: made.opportunityId }, status: 'synced' });
			expect((await store.queryLogs({ crm: 'salesforce', fieldflowId: String(ffLiu.id) })).entries.map((e) => e.message).join('\n')).toContain(`Lead ${liu.id} converted in Salesforce`);
		} finally {
			await store.close();
		}
		// The prospect's Estimated Value, never on the Lead, fills the new Opportunity's empty Amount.
		expect(Number(sf().tables.Opportunity.get(made.opportunityId)!.data.Amount)).toBe(4000);
		expect(sf().tables.Account.get(made.accountId)!.data.Name).toBe('Great Lakes Food');

		// Edits on the new records both ways: a FieldFlow phone reaches the Contact; the Opportunity's stage reaches FieldFlow.
		sb.fieldflow.prospects.update(String(ffLiu.id), { phone: '+1 555 0399' });
		await sfPatch('Opportunity', made.opportunityId, { StageName: 'Negotiation/Review', Amount: 4500 });
		await new Promise((r) => setTimeout(r, 1100));
		// And a new prospect: still a Lead.
		sb.fieldflow.seed({ prospects: [{ company_name: 'Fresh Co', contact_name: 'Fay Fresh', email: 'fay@fresh.example', status: 'new' }] });
		await runLeads();
		expect(sf().tables.Contact.get(made.contactId)!.data.Phone).toBe('+1 555 0399');
		expect(prospects().find((p) => p.email === 'liu@greatlakes.example')).toMatchObject({ status: 'proposal', estimated_value: 4500, company_name: 'Great Lakes Food' });
		expect(counts()).toEqual({ ...before, Lead: before.Lead + 1 });
		expect(live('Lead').some((l) => l.data.Email === 'fay@fresh.example')).toBe(true);
		expect(sf().tables.Lead.get(liu.id)!.data).toEqual(converted);

		sf().resetCounters();
		sb.fieldflow.resetCounters();
		await runLeads();
		expect(sfWrites()).toEqual([]);
		expect(ffWrites()).toBe(0);
	}, 300_000);
});

/** An edit made in Salesforce (its REST sObject PATCH, with the session the sandbox credential holds). */
async function sfPatch(type: string, id: string, fields: Record<string, unknown>): Promise<void> {
	const res = await fetch(`${sb.salesforce.url}/services/data/v62.0/sobjects/${type}/${id}`, { method: 'PATCH', headers: { authorization: `Bearer ${sb.salesforce.accessToken}`, 'content-type': 'application/json' }, body: JSON.stringify(fields) });
	if (!res.ok) throw new Error(`PATCH ${type}/${id}: ${res.status} ${await res.text()}`);
}

/** An edit made in HubSpot (its v3 PATCH, with the private-app token the demo credential holds). */
async function hsPatch(type: string, id: string, properties: Record<string, unknown>): Promise<void> {
	const hsToken = String(sandboxCredentials(sb).find((c) => c.type === 'fieldFlowHubSpotApi')!.data.accessToken);
	const res = await fetch(`${sb.hubspot.url}/crm/v3/objects/${type}/${id}`, { method: 'PATCH', headers: { authorization: `Bearer ${hsToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ properties }) });
	if (!res.ok) throw new Error(`PATCH ${type}/${id}: ${res.status} ${await res.text()}`);
}

describe('a store from before record groups is upgraded: the first run fills in every member, duplicating nothing', () => {
	const COUNT = (crm: 'pipedrive' | 'hubspot', object: string) => (crm === 'pipedrive' ? sb.pipedrive.tables[object as 'persons'].live().length : sb.hubspot.tables[object].live().length);

	test.each(['pipedrive', 'hubspot'] as const)('%s: persons synced alone, then the groups template on the same store (schema version 2 → 4): 6 companies and 20 deals added, 20 persons still, each link naming its members; a second run writes nothing', async (crm) => {
		sb.fieldflow.reset();
		sb[crm].reset();
		seedProspects(crm === 'pipedrive' ? 'u' : 'v', crm === 'pipedrive' ? 4 : 5);
		const [company, person, deal] = crm === 'pipedrive' ? ['organizations', 'persons', 'deals'] : ['companies', 'contacts', 'deals'];

		// The release before groups: the person alone, its links in a store of schema version 2.
		await run(UPGRADE[crm].before);
		expect([COUNT(crm, person), COUNT(crm, company), COUNT(crm, deal)]).toEqual([20, 0, 0]);
		copyAsSchemaV2(upgradeStore(crm, 'before'), upgradeStore(crm, 'after'));
		const { default: Database } = await import('better-sqlite3');
		const schema = (file: string) => {
			const db = new Database(file, { readonly: true });
			try {
				return {
					versions: (db.prepare('SELECT version FROM ff_schema_migrations ORDER BY version').all() as Array<{ version: number }>).map((r) => r.version),
					links: (db.prepare('SELECT COUNT(*) AS n FROM ff_links WHERE crm_id IS NOT NULL').get() as { n: number }).n,
				};
			} finally {
				db.close();
			}
		};
		expect(schema(upgradeStore(crm, 'after'))).toEqual({ versions: [1, 2], links: 20 });
		const personIds = (crm === 'pipedrive' ? sb.pipedrive.tables.persons : sb.hubspot.tables.contacts).live().map((r) => String(r.id)).sort();
		sb.fieldflow.resetCounters();
		sb[crm].resetCounters();

		// This release on that store: migrated, and its first run with Linked Records fills in the members.
		await run(UPGRADE[crm].after);

		expect(schema(upgradeStore(crm, 'after')).versions).toEqual([1, 2, 3, 4]);
		expect([COUNT(crm, person), COUNT(crm, company), COUNT(crm, deal)]).toEqual([20, 6, 20]);
		// The same persons: none created again, none in FieldFlow twice.
		expect((crm === 'pipedrive' ? sb.pipedrive.tables.persons : sb.hubspot.tables.contacts).live().map((r) => String(r.id)).sort()).toEqual(personIds);
		expect(prospects()).toHaveLength(20);
		const { openStore } = await import('../../nodes/shared/store');
		const store = await openStore({ kind: 'sqlite', path: upgradeStore(crm, 'after') });
		try {
			const links = await store.getLinks(crm, crm === 'pipedrive' ? 'persons' : 'contacts');
			expect(links).toHaveLength(20);
			for (const l of links) {
				expect(personIds).toContain(l.crmId);
				expect(Object.keys(l.members ?? {}).sort()).toEqual([company, deal].sort());
			}
			// Prospects of one company share its record.
			expect(new Set(links.map((l) => l.members![company])).size).toBe(6);
		} finally {
			await store.close();
		}
		for (const ff of prospects()) {
			if (crm === 'pipedrive') {
				const p = sb.pipedrive.tables.persons.live().find((r) => JSON.stringify(r.data.emails).includes(String(ff.email)))!;
				expect(sb.pipedrive.tables.organizations.get(String(p.data.org_id))!.data.name).toBe(ff.company_name);
				const d = sb.pipedrive.tables.deals.live().filter((r) => String(r.data.person_id) === String(p.id));
				expect(d).toHaveLength(1);
				expect(d[0].data.value).toBe(ff.estimated_value);
			} else {
				const c = sb.hubspot.tables.contacts.live().find((r) => String(r.data.email) === ff.email)!;
				const [co] = sb.hubspot.associationsOf('contacts', c.id, 'companies').map((a) => a.toId);
				expect(sb.hubspot.tables.companies.get(co)!.data.name).toBe(ff.company_name);
				const ds = sb.hubspot.associationsOf('contacts', c.id, 'deals').map((a) => a.toId);
				expect(ds).toHaveLength(1);
				expect(Number(sb.hubspot.tables.deals.get(ds[0])!.data.amount)).toBe(ff.estimated_value);
			}
		}

		sb.fieldflow.resetCounters();
		sb[crm].resetCounters();
		await run(UPGRADE[crm].after);
		expect(sb[crm].callLog.filter((c) => c.method !== 'GET' && !/search|batch\.read|associations\.read/.test(c.endpoint))).toEqual([]);
		expect(ffWrites()).toBe(0);
	}, 300_000);
});
