/**
 * The Conflict Resolver's *When a Linked Company or Deal Is Deleted* (version 1.2), in process with
 * n8n-core's real ExecuteContext (test/support/node-context.ts), through the nodes of the two-way
 * template with HubSpot record groups (Contact + Company + Deal): read both sides → FieldFlow
 * Mapping → Conflict Resolver → writes → Record Results, against the FieldFlow and HubSpot
 * sandboxes. A deal archived in HubSpot: Unlink keeps the prospect as it is and logs it; Recreate
 * creates one deal, associated with the contact and its company; version 1.1 (saved workflows) only
 * drops the deal from the link, as before the setting.
 */
import type { INodeParameters } from 'n8n-workflow';
import { createAdapter } from '../../../nodes/shared/crm';
import { FieldFlowClient } from '../../../nodes/shared/fieldflow/client';
import { CONFLICT, nodeSyncEnv, statusNode, syncOnce as syncTemplateOnce, TO_CRM, TO_FIELDFLOW } from '../../support/node-sync-env';

for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[k];

const LINKED = ['companies', 'deals'];
const common = { crm: 'hubspot', object: 'contacts' };

const env = nodeSyncEnv({ crm: 'hubspot', tmpPrefix: 'ff-member-deleted-' });
const { run } = env;

/** One whole run of the two-way template with HubSpot's record groups; `resolver` = the resolver's own parameters and version. */
const syncOnce = (resolver: { parameters?: INodeParameters; typeVersion?: number } = {}) => syncTemplateOnce(env, { ...common, linkedObjects: LINKED }, resolver);

const ff = () => new FieldFlowClient({ apiKey: String(env.credentials.fieldFlowApi.apiKey), baseUrl: String(env.credentials.fieldFlowApi.baseUrl) });
const hubspot = () => createAdapter('hubspot', env.credentials.fieldFlowHubSpotApi, { hubspot: { ratePerSecond: 1000, searchRatePerSecond: 1000 } });
const link = async () => (await env.store.getLinks('hubspot', 'contacts', { fieldflowIds: ['pr_ada'] }))[0];
async function dealsOfContact(contactId: string): Promise<string[]> {
	return ((await hubspot().listAssociations!('contacts', 'deals', [contactId])).get(contactId) ?? []).map((t) => t.id);
}

/** Ada synced to HubSpot as a contact with her company and deal; then the deal is archived in HubSpot. */
async function adaWithArchivedDeal(): Promise<{ contactId: string; companyId: string; dealId: string }> {
	env.sb.fieldflow.seed({ prospects: [{ id: 'pr_ada', company_name: 'Ada Analytics', contact_name: 'Ada Lovelace', email: 'ada@analytics.example', phone: '+1 555 0100', status: 'qualified', estimated_value: 5000 }] } as never);
	await syncOnce();
	const l = await link();
	const { companies: companyId, deals: dealId } = l.members!;
	expect(companyId && dealId).toBeTruthy();
	expect(await dealsOfContact(l.crmId!)).toEqual([dealId]);
	await hubspot().delete('deals', [dealId]);
	expect(await dealsOfContact(l.crmId!)).toEqual([]);
	return { contactId: l.crmId!, companyId, dealId };
}

describe('Conflict Resolver 1.2: When a Linked Company or Deal Is Deleted (HubSpot deal archived)', () => {
	it('Unlink (the default): nothing written, FieldFlow keeps Status and Estimated Value, the sync log says so; a later Status change creates no deal', async () => {
		const { contactId, companyId, dealId } = await adaWithArchivedDeal();
		const { outputs } = await syncOnce();
		expect([outputs[TO_CRM].length, outputs[TO_FIELDFLOW].length, outputs[CONFLICT].length]).toEqual([0, 0, 0]);
		expect((await link()).members).toEqual({ companies: companyId, '!deals': dealId });
		expect(await ff().getByIds('prospects', ['pr_ada'])).toEqual([expect.objectContaining({ status: 'qualified', estimated_value: 5000, company_name: 'Ada Analytics' })]);
		const logged = (await env.store.queryLogs({ crm: 'hubspot', status: 'skipped' })).entries;
		expect(logged.map((e) => e.message)).toEqual([expect.stringMatching(new RegExp(`^Deal ${dealId} is gone from the CRM .*: unlinked; FieldFlow keeps the prospect's status, estimated_value \\(setting: unlink\\)`))]);
		// Meetings and summaries are linked to the live members only (Look Up Links leaves the unlinked deal out).
		const [looked] = await run(statusNode, { operation: 'lookUpLinks', crm: 'hubspot', object: 'contacts', sqlitePath: env.sqlitePath, prospectId: '={{ $json.prospect_id }}' }, [[{ json: { prospect_id: 'pr_ada' } }]]);
		expect(looked[0].json).toMatchObject({ crmId: contactId, linked: true, crmMembers: { companies: companyId } });
		expect(looked[0].json.crmMembers).toEqual({ companies: companyId });
		await ff().update('prospects', 'pr_ada', { status: 'won' });
		const later = await syncOnce();
		expect(later.summary).toMatchObject({ errors: 0 });
		expect(await dealsOfContact(contactId)).toEqual([]);
	});

	it('Recreate: one new deal with the prospect\'s values, associated with the contact and its company; the next run writes nothing', async () => {
		const { contactId, companyId, dealId } = await adaWithArchivedDeal();
		const { outputs, summary } = await syncOnce({ parameters: { onMemberDeleted: 'recreate' } });
		expect(outputs[TO_CRM]).toHaveLength(1);
		expect(summary).toMatchObject({ errors: 0 });
		const deals = await dealsOfContact(contactId);
		expect(deals).toHaveLength(1);
		expect(deals[0]).not.toBe(dealId);
		expect((await hubspot().listAssociations!('deals', 'companies', deals)).get(deals[0])!.map((t) => t.id)).toEqual([companyId]);
		const [deal] = await hubspot().getByIds('deals', deals);
		expect(deal.fields).toMatchObject({ dealname: 'Ada Analytics', amount: '5000' });
		expect((await link()).members).toEqual({ companies: companyId, deals: deals[0] });
		const again = await syncOnce({ parameters: { onMemberDeleted: 'recreate' } });
		expect([again.outputs[TO_CRM].length, again.outputs[TO_FIELDFLOW].length]).toEqual([0, 0]);
	});

	it('version 1.1 (saved workflows): the deal only drops out of the link, as before the setting', async () => {
		const { companyId } = await adaWithArchivedDeal();
		const { outputs } = await syncOnce({ typeVersion: 1.1 });
		expect([outputs[TO_CRM].length, outputs[TO_FIELDFLOW].length]).toEqual([0, 0]);
		expect((await link()).members).toEqual({ companies: companyId });
		expect((await env.store.queryLogs({ crm: 'hubspot', status: 'skipped' })).entries).toEqual([]);
	});
});
