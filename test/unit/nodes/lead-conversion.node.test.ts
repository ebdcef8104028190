/**
 * Salesforce Leads mode follows Lead conversion, in process with n8n-core's real ExecuteContext
 * (test/support/node-context.ts), through the nodes of the Leads two-way template as generated
 * (object Lead, Linked Records Account + Opportunity): read both sides → FieldFlow Mapping →
 * Conflict Resolver → writes → Record Results, against the FieldFlow and Salesforce sandboxes.
 * A Lead converted in Salesforce (the sandbox's convertLead: Contact, Account, Opportunity made,
 * the Lead read-only): the next run moves the link to them, writes nothing to the Lead, creates
 * nothing; edits flow both ways on the Contact and the Opportunity; Look Up Links names the
 * Contact, so a meeting is logged with WhoId the Contact and WhatId the Opportunity.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { INodeParameters } from 'n8n-workflow';
import { createAdapter } from '../../../nodes/shared/crm';
import { FieldFlowClient } from '../../../nodes/shared/fieldflow/client';
import { CONFLICT, crmNode, nodeSyncEnv, statusNode, syncOnce as syncTemplateOnce, TO_CRM, TO_FIELDFLOW } from '../../support/node-sync-env';

for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[k];

const common = { crm: 'salesforce', object: 'Lead' };
/** The Linked Records the Leads two-way template's Start Run gives every node. */
const template = JSON.parse(readFileSync(join(__dirname, '../../../workflows/bidirectional-sync.salesforce.json'), 'utf8')) as { nodes: Array<{ parameters: unknown }> };
const LINKED = (template.nodes.find((n) => (n.parameters as { operation?: string }).operation === 'startRun')!.parameters as { linkedObjects: string[] }).linkedObjects;

const env = nodeSyncEnv({ crm: 'salesforce', tmpPrefix: 'ff-lead-conversion-' });
const { run } = env;

/** One whole run of the Leads two-way template's nodes. */
const syncOnce = (resolver: INodeParameters = {}) => syncTemplateOnce(env, { ...common, linkedObjects: LINKED }, { parameters: resolver });

const ff = () => new FieldFlowClient({ apiKey: String(env.credentials.fieldFlowApi.apiKey), baseUrl: String(env.credentials.fieldFlowApi.baseUrl) });
const salesforce = () => createAdapter('salesforce', env.credentials.fieldFlowSalesforceApi);
const link = async (id: string) => (await env.store.getLinks('salesforce', 'Lead', { fieldflowIds: [id] }))[0];
const counts = () => Object.fromEntries(['Lead', 'Contact', 'Account', 'Opportunity'].map((o) => [o, env.sb.salesforce.records(o).length]));

describe('Salesforce Leads two-way template: a converted Lead is followed', () => {
	it('the link moves to the Contact, Account and Opportunity; nothing created, the Lead not written; edits flow both ways; a meeting goes to the Contact and the Opportunity', async () => {
		expect(LINKED).toEqual(['Account', 'Opportunity']);
		env.sb.fieldflow.seed({
			prospects: [
				{ id: 'pr_liu', company_name: 'Great Lakes Food', contact_name: 'Liu Wong', email: 'liu@greatlakes.example', phone: null, status: 'contacted', estimated_value: 4000 },
				{ id: 'pr_open', company_name: 'Still Open Co', contact_name: 'Open Lead', email: 'open@example.com', phone: null, status: 'new', estimated_value: null },
			],
		} as never);
		const first = await syncOnce();
		expect(first.summary).toMatchObject({ errors: 0 });
		expect(counts()).toEqual({ Lead: 2, Contact: 0, Account: 0, Opportunity: 0 });
		const leadId = (await link('pr_liu')).crmId!;
		expect(leadId.startsWith('00Q')).toBe(true);

		// Converted in Salesforce, then the rep works the Opportunity.
		const made = env.sb.salesforce.convertLead({ leadId });
		expect(made.success).toBe(true);
		const [opp] = await salesforce().upsert('Opportunity', [{ ref: 'o', id: made.opportunityId!, fields: { StageName: 'Negotiation/Review', Amount: 4500 } }]);
		expect(opp.success).toBe(true);
		const lead = () => env.sb.salesforce.records('Lead').find((l) => l.Id === leadId);
		const converted = lead();
		const before = counts();

		const second = await syncOnce();
		expect(second.summary).toMatchObject({ errors: 0 });
		expect(second.crmWrites.filter((w) => w.json.success === false)).toEqual([]);
		expect(counts()).toEqual(before);
		expect(lead()).toEqual(converted);
		expect(await link('pr_liu')).toMatchObject({ crmId: made.contactId, members: { Account: made.accountId, Opportunity: made.opportunityId }, status: 'synced' });
		expect(await ff().getByIds('prospects', ['pr_liu'])).toEqual([expect.objectContaining({ status: 'proposal', estimated_value: 4500, company_name: 'Great Lakes Food' })]);
		const logged = (await env.store.queryLogs({ crm: 'salesforce' })).entries.filter((e) => e.fieldflowId === 'pr_liu').map((e) => e.message);
		expect(logged.join('\n')).toContain(`Lead ${leadId} converted in Salesforce: now synced with Contact ${made.contactId}`);

		// A phone edit in FieldFlow reaches the Contact, never the Lead.
		await ff().update('prospects', 'pr_liu', { phone: '+1 555 0199' });
		const third = await syncOnce();
		expect(third.summary).toMatchObject({ errors: 0 });
		expect(env.sb.salesforce.records('Contact')[0]).toMatchObject({ Id: made.contactId, Phone: '+1 555 0199' });
		expect(lead()).toEqual(converted);

		// Nothing left to write.
		const fourth = await syncOnce();
		expect([fourth.outputs[TO_CRM].length, fourth.outputs[TO_FIELDFLOW].length, fourth.outputs[CONFLICT].length]).toEqual([0, 0, 0]);
		expect(counts()).toEqual(before);

		// Look Up Links names the Contact and its members: the meeting template's Log Meeting Activity
		// ({{ $json.crmObject }}, {{ $json.crmId }}, {{ $json.crmMembers }}) logs WhoId Contact, WhatId Opportunity.
		const [looked] = await run(statusNode, { operation: 'lookUpLinks', crm: 'salesforce', object: 'Lead', sqlitePath: env.sqlitePath, prospectId: '={{ $json.prospect_id }}' }, [[{ json: { prospect_id: 'pr_liu' } }, { json: { prospect_id: 'pr_open' } }]]);
		expect(looked[0].json).toMatchObject({ crmId: made.contactId, crmObject: 'Contact', crmMembers: { Account: made.accountId, Opportunity: made.opportunityId } });
		expect(looked[1].json).toMatchObject({ crmObject: 'Lead', crmMembers: {} });
		const { crmObject, crmId, crmMembers } = looked[0].json as { crmObject: string; crmId: string; crmMembers: Record<string, string> };
		const m = await salesforce().logMeeting({ meetingId: 'mt_1', subject: 'Tasting', startTime: '2026-11-20T09:00:00.000Z', durationMinutes: 30, linkTo: { object: crmObject, id: crmId }, members: crmMembers });
		expect(m.success).toBe(true);
		expect(env.sb.salesforce.records('Event')).toEqual([expect.objectContaining({ WhoId: made.contactId, WhatId: made.opportunityId })]);
	});

	it('a conflict on a converted prospect (strategy Manual) resolved with FieldFlow\'s values is written to the Opportunity, not the Lead', async () => {
		env.sb.fieldflow.seed({ prospects: [{ id: 'pr_liu', company_name: 'Great Lakes Food', contact_name: 'Liu Wong', email: 'liu@greatlakes.example', phone: null, status: 'contacted', estimated_value: 4000 }] } as never);
		await syncOnce({ conflictStrategy: 'manual' });
		const leadId = (await link('pr_liu')).crmId!;
		const made = env.sb.salesforce.convertLead({ leadId });
		await syncOnce({ conflictStrategy: 'manual' });
		expect((await link('pr_liu')).crmId).toBe(made.contactId);
		const converted = env.sb.salesforce.records('Lead')[0];
		// Both sides change the Status: held as a conflict.
		await ff().update('prospects', 'pr_liu', { status: 'won' });
		await salesforce().upsert('Opportunity', [{ ref: 'o', id: made.opportunityId!, fields: { StageName: 'Closed Lost' } }]);
		const held = await syncOnce({ conflictStrategy: 'manual' });
		expect(held.outputs[CONFLICT]).toHaveLength(1);
		const [conflict] = await env.store.listConflicts({ crm: 'salesforce' });
		expect(conflict).toMatchObject({ fieldflowId: 'pr_liu', crmId: made.contactId });
		const [resolved] = await run(statusNode, { operation: 'resolveConflict', crm: 'salesforce', sqlitePath: env.sqlitePath, conflictId: conflict.id, side: 'fieldflow' });
		expect(resolved[0].json).toMatchObject({ 'Opportunity.StageName': 'Closed Won' });
		const [written] = await run(crmNode, { ...common, operation: 'upsert', fieldsToSend: 'autoMapInputData', options: { linkedObjects: LINKED } }, [resolved]);
		expect(written[0].json).toMatchObject({ success: true, id: made.contactId });
		expect(env.sb.salesforce.records('Opportunity')).toEqual([expect.objectContaining({ Id: made.opportunityId, StageName: 'Closed Won' })]);
		expect(env.sb.salesforce.records('Lead')[0]).toEqual(converted);
	});
});
