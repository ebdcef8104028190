/**
 * Meetings and meeting summaries linked to EVERY member of a prospect's record group (issue 14:
 * "meetings are linked to every member"), through the real SDKs against the sandboxes, each link
 * read back through the sandbox's own API (not its tables):
 *  - Pipedrive: one activity with person_id, org_id and deal_id; a note with all three;
 *  - HubSpot: a meeting associated with the contact, the company and the deal in its create call
 *    (no association call), read back through the v4 association reads; a note likewise;
 *  - Salesforce (Contacts mode): Event / Task with WhoId = Contact and WhatId = Opportunity (else
 *    the Account); a Lead's meeting has WhoId only, and the sandbox refuses a WhatId with a Lead.
 * Logged again: still one activity, still linked; logged before the prospect had members (today's
 * links): found again and linked to them. Then the nodes: Look Up Links outputs each prospect's
 * member records (crmMembers) from the store, and Log Meeting Activity takes them by expression.
 */
for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[k];

import { Client } from '@hubspot/api-client';
import { Connection } from 'jsforce';
import { FieldFlowCrm } from '../../../nodes/FieldFlowCrm/FieldFlowCrm.node';
import { FieldFlowSyncStatus } from '../../../nodes/FieldFlowSyncStatus/FieldFlowSyncStatus.node';
import { groupSpec, writeGroups, type GroupSpec } from '../../../nodes/shared/crm/group';
import { HubSpotAdapter } from '../../../nodes/shared/crm/hubspot';
import { PipedriveAdapter } from '../../../nodes/shared/crm/pipedrive';
import { SalesforceAdapter } from '../../../nodes/shared/crm/salesforce';
import type { CrmAdapter, MeetingInput, NoteInput, WriteResult } from '../../../nodes/shared/crm/types';
import { groupFixture } from '../../support/groups';
import { runNode } from '../../support/node-context';
import { tempSqliteStore } from '../../support/temp-store';
import { HubSpotSandbox } from '../../sandboxes/hubspot';
import { PipedriveSandbox } from '../../sandboxes/pipedrive';
import { SalesforceSandbox } from '../../sandboxes/salesforce';

const RETRY = { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 100 };

const meeting = (linkTo: { object: string; id: string }, members?: Record<string, string>, id = 'mt_1'): MeetingInput => ({
	meetingId: id,
	subject: 'Site visit',
	startTime: '2026-11-20T09:00:00.000Z',
	durationMinutes: 45,
	notes: 'Walked the floor.',
	outcome: 'completed',
	linkTo,
	members,
});
const summary = (linkTo: { object: string; id: string }, members?: Record<string, string>, id = 'ms_1'): NoteInput => ({ summaryId: id, body: 'Wants a quote for 12 vans.', linkTo, members });

/** One prospect written as a whole group (person + company + deal) through the group engine. */
async function oneGroup(a: CrmAdapter, crm: 'pipedrive' | 'hubspot' | 'salesforce', object: string, members: string[], company: string | null = 'Acme'): Promise<WriteResult> {
	const spec = groupSpec(crm, object, members) as GroupSpec;
	const [r] = await writeGroups(a, spec, [groupFixture(crm, object, members).prospect(1, company)]);
	expect(r.success).toBe(true);
	return r;
}

function ok(r: WriteResult): WriteResult {
	if (!r.success) throw r.error ?? new Error('write failed');
	return r;
}

// ------------------------------------------------------------------------------------ Pipedrive

describe('Pipedrive: activities and notes on the person, its organization and its deal', () => {
	const TOKEN = 'pd-meetings-token-0123456789';
	const sb = new PipedriveSandbox();
	let base = '';
	const adapter = () => new PipedriveAdapter({ apiToken: TOKEN, baseUrl: base, ratePerSecond: 0, retry: RETRY });
	const api = async (path: string) => (await (await fetch(`${base}${path}`, { headers: { 'x-api-token': TOKEN } })).json()) as { data: unknown };

	beforeAll(async () => {
		base = await sb.start(0);
		sb.setValidTokens([TOKEN]);
	});
	afterAll(() => sb.stop());
	beforeEach(() => sb.reset());

	test('a meeting is one activity with person_id, org_id and deal_id; logged again it stays one, still linked', async () => {
		const a = adapter();
		const g = await oneGroup(a, 'pipedrive', 'persons', ['organizations', 'deals']);
		const { organizations: org, deals: deal } = g.members!;
		expect(org && deal).toBeTruthy();
		const first = ok(await a.logMeeting(meeting({ object: 'persons', id: g.id! }, g.members)));
		expect(first.created).toBe(true);
		const again = ok(await a.logMeeting(meeting({ object: 'persons', id: g.id! }, g.members)));
		expect(again).toMatchObject({ id: first.id, created: false });

		const act = (await api(`/api/v2/activities/${first.id}`)).data as Record<string, unknown>;
		expect(act).toMatchObject({ person_id: Number(g.id), org_id: Number(org), deal_id: Number(deal), type: 'meeting', done: true });
		// Found from each member's side too (the v2 list filters), and only once.
		for (const q of [`person_id=${g.id}`, `org_id=${org}`, `deal_id=${deal}`]) {
			const list = (await api(`/api/v2/activities?${q}`)).data as Array<{ id: number }>;
			expect(list.map((x) => String(x.id))).toEqual([first.id]);
		}
	});

	test('an activity logged before the prospect had members (person only) is found again and gains org_id and deal_id', async () => {
		const a = adapter();
		const g = await oneGroup(a, 'pipedrive', 'persons', ['organizations', 'deals']);
		const old = ok(await a.logMeeting(meeting({ object: 'persons', id: g.id! })));
		const before = (await api(`/api/v2/activities/${old.id}`)).data as Record<string, unknown>;
		expect([before.person_id, before.org_id ?? null, before.deal_id ?? null]).toEqual([Number(g.id), null, null]);
		const now = ok(await a.logMeeting(meeting({ object: 'persons', id: g.id! }, g.members)));
		expect(now).toMatchObject({ id: old.id, created: false });
		expect((await api(`/api/v2/activities/${old.id}`)).data).toMatchObject({ person_id: Number(g.id), org_id: Number(g.members!.organizations), deal_id: Number(g.members!.deals) });
		expect(((await api('/api/v2/activities?limit=500')).data as unknown[]).length).toBe(1);
	});

	test('a summary is one note on the person, the organization and the deal; added again it stays one', async () => {
		const a = adapter();
		const g = await oneGroup(a, 'pipedrive', 'persons', ['organizations', 'deals']);
		const n1 = ok(await a.addNote(summary({ object: 'persons', id: g.id! }, g.members)));
		const n2 = ok(await a.addNote(summary({ object: 'persons', id: g.id! }, g.members)));
		expect(n2).toMatchObject({ id: n1.id, created: false });
		const note = (await api(`/api/v1/notes/${n1.id}`)).data as Record<string, unknown>;
		expect(note).toMatchObject({ person_id: Number(g.id), org_id: Number(g.members!.organizations), deal_id: Number(g.members!.deals) });
		for (const q of [`person_id=${g.id}`, `org_id=${g.members!.organizations}`, `deal_id=${g.members!.deals}`]) {
			expect(((await api(`/api/v1/notes?${q}`)).data as Array<{ id: number }>).map((x) => String(x.id))).toEqual([n1.id]);
		}
	});

	test('a prospect without a company: the activity has its person and deal, no organization', async () => {
		const a = adapter();
		const g = await oneGroup(a, 'pipedrive', 'persons', ['organizations', 'deals'], null);
		expect(g.members!.organizations).toBeUndefined();
		const m = ok(await a.logMeeting(meeting({ object: 'persons', id: g.id! }, g.members)));
		const act = (await api(`/api/v2/activities/${m.id}`)).data as Record<string, unknown>;
		expect([act.person_id, act.org_id ?? null, act.deal_id]).toEqual([Number(g.id), null, Number(g.members!.deals)]);
	});

	test('a linked record that is not a person, organization or deal fails the item with a clear error', async () => {
		const a = adapter();
		const g = await oneGroup(a, 'pipedrive', 'persons', ['organizations', 'deals']);
		const r = await a.logMeeting(meeting({ object: 'persons', id: g.id! }, { activities: '7' }));
		expect(r.success).toBe(false);
		expect(r.error).toMatchObject({ kind: 'validation' });
		expect(String(r.error!.message)).toMatch(/person, an organization or a deal/);
		expect(sb.tables.activities.live()).toHaveLength(0);
	});
});

// ------------------------------------------------------------------------------------ HubSpot

describe('HubSpot: meetings and notes associated with the contact, its company and its deal', () => {
	const TOKEN = 'pat-na1-meetings-0000-1111-2222-333333333333';
	const sb = new HubSpotSandbox();
	let client: Client;
	const adapter = () => new HubSpotAdapter({ accessToken: TOKEN, baseUrl: sb.url, ratePerSecond: 10_000, searchRatePerSecond: 10_000, retry: RETRY, sleep: async () => undefined });
	/** Ids associated with a record, through the v4 association read (not the sandbox's internals). */
	const assocIds = async (from: string, id: string, to: string): Promise<string[]> => {
		const res = await client.crm.associations.v4.batchApi.getPage(from, to, { inputs: [{ id }] });
		return (res.results[0]?.to ?? []).map((t) => String(t.toObjectId)).sort();
	};
	const linkedTo = async (type: string, id: string) => ({ contacts: await assocIds(type, id, 'contacts'), companies: await assocIds(type, id, 'companies'), deals: await assocIds(type, id, 'deals') });
	const associationCalls = (a: HubSpotAdapter) => Object.entries(a.stats.byEndpoint).filter(([k]) => k.startsWith('associations')).reduce((n, [, v]) => n + v, 0);

	beforeAll(async () => {
		await sb.start(0);
		sb.setValidTokens([TOKEN]);
		client = new Client({ accessToken: TOKEN, basePath: sb.url, numberOfApiCallRetries: 0 });
	});
	afterAll(() => sb.stop());
	beforeEach(() => sb.reset());

	test('a meeting is created with its three associations in the one create call; logged again it stays one, still associated', async () => {
		const g = await oneGroup(adapter(), 'hubspot', 'contacts', ['companies', 'deals']);
		const { companies: company, deals: deal } = g.members!;
		expect(company && deal).toBeTruthy();
		const a = adapter();
		const first = ok(await a.logMeeting(meeting({ object: 'contacts', id: g.id! }, g.members)));
		expect(first.created).toBe(true);
		expect(a.stats.byEndpoint['objects.create']).toBe(1);
		expect(associationCalls(a)).toBe(0);
		expect(await linkedTo('meetings', first.id!)).toEqual({ contacts: [g.id], companies: [company], deals: [deal] });
		// And from the other side: the deal's and the company's meetings.
		expect(await assocIds('deals', deal, 'meetings')).toEqual([first.id]);
		expect(await assocIds('companies', company, 'meetings')).toEqual([first.id]);

		const again = ok(await a.logMeeting(meeting({ object: 'contacts', id: g.id! }, g.members)));
		expect(again).toMatchObject({ id: first.id, created: false });
		expect(sb.records('meetings')).toHaveLength(1);
		expect(await linkedTo('meetings', first.id!)).toEqual({ contacts: [g.id], companies: [company], deals: [deal] });
	});

	test('a meeting logged before the prospect had members (contact only) is found again and gains its company and deal', async () => {
		const g = await oneGroup(adapter(), 'hubspot', 'contacts', ['companies', 'deals']);
		const a = adapter();
		const old = ok(await a.logMeeting(meeting({ object: 'contacts', id: g.id! })));
		expect(await linkedTo('meetings', old.id!)).toEqual({ contacts: [g.id], companies: [], deals: [] });
		const now = ok(await a.logMeeting(meeting({ object: 'contacts', id: g.id! }, g.members)));
		expect(now).toMatchObject({ id: old.id, created: false });
		expect(await linkedTo('meetings', old.id!)).toEqual({ contacts: [g.id], companies: [g.members!.companies], deals: [g.members!.deals] });
		expect(sb.records('meetings')).toHaveLength(1);
	});

	test('a summary is one note associated with the contact, the company and the deal; added again it stays one', async () => {
		const g = await oneGroup(adapter(), 'hubspot', 'contacts', ['companies', 'deals']);
		const a = adapter();
		const n1 = ok(await a.addNote(summary({ object: 'contacts', id: g.id! }, g.members)));
		expect(associationCalls(a)).toBe(0);
		const n2 = ok(await a.addNote(summary({ object: 'contacts', id: g.id! }, g.members)));
		expect(n2).toMatchObject({ id: n1.id, created: false });
		expect(sb.records('notes')).toHaveLength(1);
		expect(await linkedTo('notes', n1.id!)).toEqual({ contacts: [g.id], companies: [g.members!.companies], deals: [g.members!.deals] });
	});

	test('a linked record HubSpot meetings cannot be associated with fails the item before any call', async () => {
		const g = await oneGroup(adapter(), 'hubspot', 'contacts', ['companies', 'deals']);
		const a = adapter();
		const r = await a.logMeeting(meeting({ object: 'contacts', id: g.id! }, { tickets: '1' }));
		expect(r.success).toBe(false);
		expect(r.error).toMatchObject({ kind: 'validation' });
		expect(a.stats.calls).toBe(0);
	});
});

// ------------------------------------------------------------------------------------ Salesforce

describe('Salesforce: Events and Tasks with WhoId = Contact and WhatId = Opportunity (else Account); a Lead has WhoId only', () => {
	const sb = new SalesforceSandbox();
	let conn: Connection;
	const adapter = () => new SalesforceAdapter({ baseUrl: sb.url, accessToken: sb.accessToken, retry: RETRY, ratePerSecond: 10_000 });
	const row = async (type: 'Event' | 'Task', id: string) => (await conn.query<Record<string, unknown>>(`SELECT Id, WhoId, WhatId FROM ${type} WHERE Id = '${id}'`)).records[0];
	/** The activities of a person (Description cannot be filtered in SOQL). */
	const count = async (type: 'Event' | 'Task', whoId: string) => (await conn.query(`SELECT Id FROM ${type} WHERE WhoId = '${whoId}'`)).totalSize;

	beforeAll(async () => {
		await sb.start(0);
	});
	afterAll(() => sb.stop());
	beforeEach(() => {
		sb.reset();
		conn = new Connection({ instanceUrl: sb.url, accessToken: sb.accessToken, version: '62.0' });
	});

	test('Contacts mode: the Event names the Contact (WhoId) and the Opportunity (WhatId); logged again it stays one, still linked', async () => {
		const a = adapter();
		const g = await oneGroup(a, 'salesforce', 'Contact', ['Account', 'Opportunity']);
		const { Account: account, Opportunity: opp } = g.members!;
		expect(account && opp).toBeTruthy();
		expect(account).not.toBe(opp);
		const first = ok(await a.logMeeting(meeting({ object: 'Contact', id: g.id! }, g.members)));
		const again = ok(await a.logMeeting(meeting({ object: 'Contact', id: g.id! }, g.members)));
		expect(again).toMatchObject({ id: first.id, created: false });
		expect(await count('Event', g.id!)).toBe(1);
		expect(await row('Event', first.id!)).toMatchObject({ WhoId: g.id, WhatId: opp });
		// Found from the Opportunity's side too.
		expect((await conn.query(`SELECT Id FROM Event WHERE WhatId = '${opp}'`)).records.map((r) => r.Id)).toEqual([first.id]);
	});

	test('Contacts mode without an Opportunity: WhatId is the Account', async () => {
		const a = adapter();
		const g = await oneGroup(a, 'salesforce', 'Contact', ['Account']);
		const m = ok(await a.logMeeting(meeting({ object: 'Contact', id: g.id! }, g.members)));
		expect(await row('Event', m.id!)).toMatchObject({ WhoId: g.id, WhatId: g.members!.Account });
	});

	test('an Event logged before the prospect had members (WhoId only) is found again and gets its WhatId', async () => {
		const a = adapter();
		const g = await oneGroup(a, 'salesforce', 'Contact', ['Account', 'Opportunity']);
		const old = ok(await a.logMeeting(meeting({ object: 'Contact', id: g.id! })));
		expect(await row('Event', old.id!)).toMatchObject({ WhoId: g.id, WhatId: null });
		const now = ok(await a.logMeeting(meeting({ object: 'Contact', id: g.id! }, g.members)));
		expect(now).toMatchObject({ id: old.id, created: false });
		expect(await row('Event', old.id!)).toMatchObject({ WhoId: g.id, WhatId: g.members!.Opportunity });
		expect(await count('Event', g.id!)).toBe(1);
	});

	test('a summary is one Task on the Contact and the Opportunity; added again it stays one', async () => {
		const a = adapter();
		const g = await oneGroup(a, 'salesforce', 'Contact', ['Account', 'Opportunity']);
		const n1 = ok(await a.addNote(summary({ object: 'Contact', id: g.id! }, g.members)));
		const n2 = ok(await a.addNote(summary({ object: 'Contact', id: g.id! }, g.members)));
		expect(n2).toMatchObject({ id: n1.id, created: false });
		expect(await count('Task', g.id!)).toBe(1);
		expect(await row('Task', n1.id!)).toMatchObject({ WhoId: g.id, WhatId: g.members!.Opportunity });
	});

	test('Leads mode: the Event and the Task have WhoId = the Lead and no WhatId, whatever members are given', async () => {
		const a = adapter();
		const [lead] = await a.upsert('Lead', [{ ref: 'l1', fields: { FirstName: 'Lee', LastName: 'Lead', Company: 'Acme', Email: 'lee@example.com' } }]);
		ok(lead);
		const acc = (await conn.sobject('Account').create({ Name: 'Acme' })) as { id: string };
		const m = ok(await a.logMeeting(meeting({ object: 'Lead', id: lead.id! }, { Account: acc.id })));
		expect(await row('Event', m.id!)).toMatchObject({ WhoId: lead.id, WhatId: null });
		const n = ok(await a.addNote(summary({ object: 'Lead', id: lead.id! })));
		expect(await row('Task', n.id!)).toMatchObject({ WhoId: lead.id, WhatId: null });
	});

	test('the sandbox refuses a WhatId with a Lead WhoId, as Salesforce does (create and update)', async () => {
		const [lead] = await adapter().upsert('Lead', [{ ref: 'l1', fields: { LastName: 'Lead', Company: 'Acme' } }]);
		const acc = (await conn.sobject('Account').create({ Name: 'Acme' })) as { id: string };
		const ev = { Subject: 'Visit', StartDateTime: '2026-11-20T09:00:00.000Z', DurationInMinutes: 30, WhoId: lead.id };
		await expect(conn.sobject('Event').create({ ...ev, WhatId: acc.id })).rejects.toMatchObject({ errorCode: 'FIELD_INTEGRITY_EXCEPTION' });
		const made = (await conn.sobject('Event').create(ev)) as { id: string; success: boolean };
		expect(made.success).toBe(true);
		await expect(conn.sobject('Event').update({ Id: made.id, WhatId: acc.id })).rejects.toMatchObject({ errorCode: 'FIELD_INTEGRITY_EXCEPTION' });
		await expect(conn.sobject('Task').create({ Subject: 'Note', WhoId: lead.id, WhatId: acc.id })).rejects.toMatchObject({ errorCode: 'FIELD_INTEGRITY_EXCEPTION' });
	});

	test('a linked record that is not an Account or an Opportunity fails the item, naming it', async () => {
		const a = adapter();
		const g = await oneGroup(a, 'salesforce', 'Contact', ['Account', 'Opportunity']);
		const r = await a.logMeeting(meeting({ object: 'Contact', id: g.id! }, { Case: '500000000000001AAA' }));
		expect(r.success).toBe(false);
		expect(r.error).toMatchObject({ kind: 'validation', fields: ['WhatId'] });
		expect(String(r.error!.message)).toMatch(/Case/);
	});
});

// ------------------------------------------------------------------------------------ the nodes

describe('nodes: Look Up Links outputs crmMembers; Log Meeting Activity and Add Note link to them by expression', () => {
	const TOKEN = 'pd-meetings-node-token-0123456789';
	const sb = new PipedriveSandbox();
	let base = '';

	beforeAll(async () => {
		base = await sb.start(0);
		sb.setValidTokens([TOKEN]);
	});
	afterAll(() => sb.stop());
	beforeEach(() => sb.reset());
	const tmp = tempSqliteStore('ff-meetings-node-');

	test('one store read for all items; the activity and the note land on the person, its organization and its deal', async () => {
		const a = new PipedriveAdapter({ apiToken: TOKEN, baseUrl: base, ratePerSecond: 0, retry: RETRY });
		const g = await oneGroup(a, 'pipedrive', 'persons', ['organizations', 'deals']);
		const alone = ok((await a.upsert('persons', [{ ref: 'p2', fields: { name: 'Solo Person' } }]))[0]);
		await tmp.store.saveLinks([
			{ crm: 'pipedrive', object: 'persons', fieldflowId: 'pr_1', crmId: g.id!, members: g.members, baseline: {}, status: 'synced' },
			{ crm: 'pipedrive', object: 'persons', fieldflowId: 'pr_2', crmId: alone.id!, baseline: {}, status: 'synced' },
		]);
		const meetings = [
			{ id: 'mt_1', prospect_id: 'pr_1', title: 'Site visit', start_time: '2026-11-20T09:00:00Z' },
			{ id: 'mt_2', prospect_id: 'pr_2', title: 'Call', start_time: '2026-11-21T09:00:00Z' },
			{ id: 'mt_3', prospect_id: 'pr_9', title: 'Not synced', start_time: '2026-11-22T09:00:00Z' },
		];
		const [looked] = await runNode({
			type: new FieldFlowSyncStatus(),
			typeVersion: 1.1,
			parameters: { operation: 'lookUpLinks', crm: 'pipedrive', object: 'persons', sqlitePath: tmp.sqlitePath, prospectId: '={{ $json.prospect_id }}', ifNotLinked: 'passThrough' },
			inputs: [meetings.map((json) => ({ json }))],
		});
		expect(looked.map((o) => o.json)).toEqual([
			expect.objectContaining({ id: 'mt_1', linked: true, crmId: g.id, crmObject: 'persons', crmMembers: { organizations: g.members!.organizations, deals: g.members!.deals } }),
			expect.objectContaining({ id: 'mt_2', linked: true, crmId: alone.id, crmMembers: {} }),
			expect.objectContaining({ id: 'mt_3', linked: false, crmId: null, crmMembers: {} }),
		]);

		const credentials = { fieldFlowPipedriveApi: { apiToken: TOKEN, baseUrl: base } };
		const linked = looked.filter((o) => o.json.linked === true).map((o) => ({ json: o.json }));
		const log = {
			crm: 'pipedrive',
			operation: 'logMeeting',
			object: '={{ $json.crmObject }}',
			linkToId: '={{ $json.crmId }}',
			linkedRecordIds: '={{ $json.crmMembers }}',
			meetingId: '={{ $json.id }}',
			subject: '={{ $json.title }}',
			startTime: '={{ $json.start_time }}',
			durationMinutes: 30,
		};
		for (let run = 0; run < 2; run++) {
			const [out] = await runNode({ type: new FieldFlowCrm(), parameters: log, inputs: [linked], credentials });
			expect(out.map((o) => o.json.success)).toEqual([true, true]);
		}
		const acts = sb.tables.activities.live().map((r) => r.data);
		expect(acts).toHaveLength(2);
		expect(acts.find((x) => x.person_id === Number(g.id))).toMatchObject({ org_id: Number(g.members!.organizations), deal_id: Number(g.members!.deals) });
		expect(acts.find((x) => x.person_id === Number(alone.id))).not.toHaveProperty('org_id');

		const [noted] = await runNode({
			type: new FieldFlowCrm(),
			parameters: { crm: 'pipedrive', operation: 'addNote', object: 'persons', linkToId: '={{ $json.crmId }}', linkedRecordIds: '={{ $json.crmMembers }}', summaryId: '=s_{{ $json.id }}', body: 'Summary' },
			inputs: [linked.slice(0, 1)],
			credentials,
		});
		expect(noted[0].json.success).toBe(true);
		expect(sb.tables.notes.live().map((r) => r.data)).toEqual([expect.objectContaining({ person_id: Number(g.id), org_id: Number(g.members!.organizations), deal_id: Number(g.members!.deals) })]);
	});

	test('Linked Record IDs typed as JSON works; JSON that is not an object fails the item with a clear message', async () => {
		const a = new PipedriveAdapter({ apiToken: TOKEN, baseUrl: base, ratePerSecond: 0, retry: RETRY });
		const g = await oneGroup(a, 'pipedrive', 'persons', ['organizations', 'deals']);
		const credentials = { fieldFlowPipedriveApi: { apiToken: TOKEN, baseUrl: base } };
		const base_ = { crm: 'pipedrive', operation: 'logMeeting', object: 'persons', linkToId: g.id!, meetingId: 'mt_json', subject: 'Visit', startTime: '2026-11-20T09:00:00Z', durationMinutes: 30 };
		const [out] = await runNode({ type: new FieldFlowCrm(), parameters: { ...base_, linkedRecordIds: JSON.stringify({ deals: g.members!.deals }) }, inputs: [[{ json: {} }]], credentials });
		expect(out[0].json.success).toBe(true);
		expect(sb.tables.activities.live()[0].data).toMatchObject({ person_id: Number(g.id), deal_id: Number(g.members!.deals) });
		const [bad] = await runNode({ type: new FieldFlowCrm(), parameters: { ...base_, linkedRecordIds: '["12"]' }, inputs: [[{ json: {} }]], credentials, continueOnFail: true });
		expect(String(bad[0].json.error ?? bad[0].json.message)).toMatch(/Linked Record IDs must be an object/);
	});
});
