/**
 * The guide's mapping tables for record groups (defaultMappings with members): the primary's
 * table plus each member's under `<member>.<field>`, Company Name read from the company, the
 * person's own phone and notes left to the person, and both directions through the engine.
 */
import { buildMapping } from '../../../nodes/shared/mapping/effective';
import { mapToCrm, mapToFieldflow } from '../../../nodes/shared/mapping/engine';

const group = (crm: 'pipedrive' | 'hubspot' | 'salesforce', object: string, members: string[]) =>
	buildMapping({ crm, object, useDefaults: true, custom: [], statusOverrides: [], members });
const pairs = (e: ReturnType<typeof group>) => e.mappings.map((m) => `${m.fieldflow}→${m.crm}${m.direction ? ` (${m.direction})` : ''}`);

describe('group default mappings', () => {
	test('Pipedrive Person + Organization + Deal: the guide table, both ways', () => {
		const eff = group('pipedrive', 'persons', ['organizations', 'deals']);
		expect(eff.problems).toEqual([]);
		expect(eff.members).toEqual(['organizations', 'deals']);
		expect(pairs(eff)).toEqual(['contact_name→name', 'email→email', 'phone→phone', 'company_name→organizations.name', 'company_name→deals.title (toCrm)', 'status→deals.status', 'status→deals.stage_id', 'estimated_value→deals.value']);
		const out = mapToCrm({ contact_name: 'Ann Lee', company_name: 'Acme', status: 'qualified', estimated_value: 1200 }, eff.mappings, eff.valueMaps, { id: 'pr_1' });
		expect(out.fields).toMatchObject({ name: 'Ann Lee', 'organizations.name': 'Acme', 'deals.title': 'Acme', 'deals.status': 'open', 'deals.stage_id': '3', 'deals.value': 1200 });
		const back = mapToFieldflow({ name: 'Ann Lee', 'organizations.name': 'Acme Corp', 'deals.status': 'won', 'deals.stage_id': 5, 'deals.value': 9000, 'deals.title': 'x' }, eff.mappings, eff.valueMaps, { id: '1' });
		expect(back.fields).toMatchObject({ contact_name: 'Ann Lee', company_name: 'Acme Corp', status: 'won', estimated_value: 9000 });
	});

	test('HubSpot Contact + Company + Deal: company name from the company (the contact text is written, not read), the phone stays the contact\'s', () => {
		const eff = group('hubspot', 'contacts', ['companies', 'deals']);
		expect(eff.problems).toEqual([]);
		expect(pairs(eff)).toEqual(expect.arrayContaining(['company_name→company (toCrm)', 'company_name→companies.name', 'status→deals.dealstage', 'estimated_value→deals.amount', 'phone→phone']));
		expect(pairs(eff).some((p) => p.startsWith('phone→companies'))).toBe(false);
		const back = mapToFieldflow({ firstname: 'Ann', lastname: 'Lee', company: 'Old text', 'companies.name': 'Acme', 'deals.dealstage': 'closedwon', 'deals.amount': '500' }, eff.mappings, eff.valueMaps, { id: '1' });
		expect(back.fields).toMatchObject({ company_name: 'Acme', status: 'won', estimated_value: 500 });
	});

	test('Salesforce Contact + Account + Opportunity: Account.Name, StageName, Amount; Contact keeps Phone and Description', () => {
		const eff = group('salesforce', 'Contact', ['Account', 'Opportunity']);
		expect(eff.problems).toEqual([]);
		expect(pairs(eff)).toEqual(expect.arrayContaining(['company_name→Account.Name', 'company_name→Opportunity.Name (toCrm)', 'status→Opportunity.StageName', 'estimated_value→Opportunity.Amount', 'phone→Phone', 'notes→Description']));
		expect(pairs(eff).some((p) => /Account\.(Phone|Description)|Opportunity\.Description/.test(p))).toBe(false);
	});

	test('without members the tables are the single-object ones (today\'s behaviour)', () => {
		const eff = buildMapping({ crm: 'pipedrive', object: 'persons', useDefaults: true, custom: [], statusOverrides: [] });
		expect(eff.members).toBeUndefined();
		expect(pairs(eff)).toEqual(['contact_name→name', 'email→email', 'phone→phone']);
	});
});
