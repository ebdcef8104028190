/**
 * FieldFlow Mapping's mapping settings as an admin meets them (issue 17, point 3): the default
 * table shown in the panel, one default pair overridden without retyping the rest, a half-filled
 * Custom Mappings row ignored with a hint instead of a failed run, and a row's Type taken from the
 * CRM's metadata. The node runs in process with n8n-core's real ExecuteContext
 * (test/support/node-context.ts) against the Salesforce sandbox (its describe metadata).
 */
import type { ICredentialDataDecryptedObject, IDataObject, INodeExecutionData, INodeParameters, INodeProperties } from 'n8n-workflow';
import { FieldFlowMapping } from '../../../nodes/FieldFlowMapping/FieldFlowMapping.node';
import { buildMapping, TYPE_FROM_CRM } from '../../../nodes/shared/mapping/effective';
import { SYNC_KEY } from '../../../nodes/shared/sync/protocol';
import { buildContext } from '../../support/node-context';
import { sandboxEnv } from '../../support/node-sync-env';

delete process.env.HTTP_PROXY;
delete process.env.HTTPS_PROXY;
delete process.env.http_proxy;
delete process.env.https_proxy;

const mappingNode = new FieldFlowMapping();
const env = sandboxEnv();

const prospect = { id: 'pr_1', company_name: 'Acme', contact_name: 'Ada Lovelace', email: 'ada@acme.example', phone: '+1 555 0100', status: 'new', notes: 'Met at the fair', estimated_value: 1500, updated_at: '2026-01-01T00:00:00Z' };

/** Runs the Mapping node (FieldFlow → Salesforce Lead) and returns its items and the hints it added. */
async function run(parameters: INodeParameters, typeVersion?: number, input: IDataObject[] = [prospect]): Promise<{ items: INodeExecutionData[]; hints: Array<{ message: string }> }> {
	const { context, type } = buildContext({
		type: mappingNode,
		typeVersion,
		parameters: { crm: 'salesforce', object: 'Lead', direction: 'toCrm', ...parameters },
		credentials: { fieldFlowSalesforceApi: env.credentials.fieldFlowSalesforceApi as ICredentialDataDecryptedObject },
		inputs: [input.map((json) => ({ json }))],
	});
	const [items] = (await type.execute!.call(context)) as INodeExecutionData[][];
	return { items, hints: (context as unknown as { hints: Array<{ message: string }> }).hints };
}

const notice = (name: string): INodeProperties => mappingNode.description.properties.find((p) => p.name === name)!;

describe('the effective mapping table in the panel', () => {
	it('shows the default pairs of the chosen CRM, object and direction as a notice, and says how a custom row combines with them', () => {
		const both = notice('defaultMappingsNotice_salesforce_Lead_both');
		expect(both.type).toBe('notice');
		expect(both.displayOptions?.show).toEqual({ crm: ['salesforce'], object: ['Lead'], direction: ['both'], useDefaultMappings: [true] });
		// Every default pair of the table the engine uses is a line of the notice.
		const lines = both.displayName.match(/<li>.*?<\/li>/g)!;
		const defaults = buildMapping({ crm: 'salesforce', object: 'Lead', useDefaults: true, custom: [], statusOverrides: [] }).mappings;
		expect(lines).toHaveLength(defaults.length);
		expect(lines).toEqual(
			expect.arrayContaining([
				'<li>Company Name ⇄ Company — Text</li>',
				'<li>Contact Name (first name) ⇄ FirstName — Text</li>',
				'<li>Email ⇄ Email — Email</li>',
				expect.stringMatching(/^<li>Status ⇄ Status — Picklist; new = Open - Not Contacted, .*won = Closed - Converted/),
			]),
		);
		expect(both.displayName).toMatch(/replaces just that pair; the others stay/);
		// A pair written to the CRM only is marked in the two-way table and left out of the CRM → FieldFlow one.
		expect(notice('defaultMappingsNotice_hubspot_deals_both').displayName).toContain('Company Name → dealname — Text, to CRM only');
		expect(notice('defaultMappingsNotice_hubspot_deals_toFieldflow').displayName).not.toContain('dealname');
		expect(notice('defaultMappingsNotice_hubspot_deals_toCrm').displayName).toContain('Company Name → dealname — Text');
		expect(notice('noDefaultMappingsNotice').displayOptions?.show).toEqual({ useDefaultMappings: [false] });
	});

	it('version 1.2 is the default; a new Custom Mappings row starts empty with its Type from the CRM, versions 1 and 1.1 keep their defaults', () => {
		expect(mappingNode.description.defaultVersion).toBe(1.2);
		const rows = mappingNode.description.properties.filter((p) => p.name === 'customMappings');
		const fieldsOf = (v: number) => {
			const p = rows.find((r) => (r.displayOptions?.show?.['@version'] as number[]).includes(v))!;
			const values = (p.options![0] as { values: INodeProperties[] }).values;
			return Object.fromEntries(values.map((f) => [f.name, f.default]));
		};
		expect(fieldsOf(1.2)).toMatchObject({ fieldflowField: '', crmField: '', type: TYPE_FROM_CRM });
		expect(fieldsOf(1.1)).toMatchObject({ fieldflowField: 'company_name', crmField: '', type: 'text' });
		expect(fieldsOf(1)).toMatchObject({ fieldflowField: 'company_name', type: 'text' });
	});
});

describe('overriding one default pair', () => {
	it('a custom row for Notes writes it to Title instead of Description; every other default pair stays', async () => {
		const { items } = await run({ customMappings: { mapping: [{ fieldflowField: 'notes', crmField: 'Title', type: 'text' }] } });
		expect(items).toHaveLength(1);
		const { [SYNC_KEY]: _sync, ...payload } = items[0].json;
		expect(payload).toEqual({ Company: 'Acme', FirstName: 'Ada', LastName: 'Lovelace', Email: 'ada@acme.example', Phone: '+1 555 0100', Status: 'Open - Not Contacted', Title: 'Met at the fair' });
	});
});

describe('an incomplete Custom Mappings row', () => {
	it('1.2: a row just added (nothing chosen) and one with a FieldFlow field but no CRM field are ignored with a hint; the defaults map', async () => {
		const { items, hints } = await run({ customMappings: { mapping: [{}, { fieldflowField: 'estimated_value' }] } });
		expect(items).toHaveLength(1);
		expect(items[0].json).toMatchObject({ Company: 'Acme', Email: 'ada@acme.example', Description: 'Met at the fair' });
		expect(hints.map((h) => h.message)).toEqual([
			'Custom Mappings row 1 (? → ?) has no FieldFlow Field and was ignored.',
			'Custom Mappings row 2 (estimated_value → ?) has no CRM Field and was ignored.',
		]);
	});

	it('1.1 (saved workflows): the row "Add Mapping" made (Company Name, no CRM field) no longer fails the run', async () => {
		const { items, hints } = await run({ customMappings: { mapping: [{}] } }, 1.1);
		expect(items[0].json).toMatchObject({ Company: 'Acme' });
		expect(hints.map((h) => h.message)).toEqual(['Custom Mappings row 1 (company_name → ?) has no CRM Field and was ignored.']);
	});
});

describe('a row whose Type comes from the CRM field', () => {
	it("Annual Revenue (Salesforce currency) is checked as a number, Lead Source as a picklist; the resolved types travel on in _sync.mapping", async () => {
		const customMappings = {
			mapping: [
				{ fieldflowField: 'estimated_value', crmField: 'AnnualRevenue', direction: 'toCrm' },
				{ fieldflowField: '__custom', customKey: 'source', crmField: 'LeadSource', direction: 'toCrm' },
			],
		};
		const { items } = await run({ customMappings }, undefined, [{ ...prospect, custom_fields: { source: 'Web' } }]);
		expect(items[0].json).toMatchObject({ AnnualRevenue: 1500, LeadSource: 'Web' });
		const mapping = (items[0].json[SYNC_KEY] as IDataObject).mapping as { custom: Array<{ type: string }> };
		expect(mapping.custom.map((r) => r.type)).toEqual(['number', 'picklist']);

		// Not a number: an error for that item (On Type Mismatch: Error), as for a row typed Number.
		await expect(run({ customMappings }, undefined, [{ ...prospect, estimated_value: 'lots' }])).rejects.toThrow(/estimated_value|AnnualRevenue/);
	});
});
