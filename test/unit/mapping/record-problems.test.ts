/**
 * What the Mapping node makes of bad input before anything is written: per-record problems (type
 * checks, values no CRM field can hold) and configuration problems (unknown object, unknown CRM
 * field in a custom pair, a pair writing the id/link field).
 */
import { buildMapping } from '../../../nodes/shared/mapping/effective';
import { mapFieldflowRecord, mappingConfigProblems, recordProblem } from '../../../nodes/shared/mapping/records';
import type { FieldInfo } from '../../../nodes/shared/crm/types';

const eff = (crm: 'salesforce' | 'hubspot' | 'pipedrive', object: string, custom: Array<Record<string, unknown>> = []) =>
	buildMapping({ crm, object, useDefaults: true, custom, statusOverrides: [] });

const prospect = (over: Record<string, unknown> = {}) => ({
	id: 'pr_1',
	company_name: 'Acme',
	contact_name: 'Ann Lee',
	email: 'ann@acme.example',
	phone: '+1 555 0100',
	status: 'new',
	notes: 'hello',
	updated_at: '2026-01-01T00:00:00.000Z',
	...over,
});

describe('per-record problems', () => {
	it('an invalid email: the record names record, field, value and what to do; the bad field is left out', () => {
		const e = eff('salesforce', 'Lead');
		const r = mapFieldflowRecord(prospect({ email: 'not-an-email' }), e);
		expect(r.errors).toHaveLength(1);
		expect(r.payload.Email).toBeUndefined();
		expect(r.record.fields.email).toBeUndefined();
		expect(r.record.fields.company_name).toBe('Acme');
		const p = recordProblem(r, e.crm);
		expect(p.kind).toBe('validation');
		expect(p.fields).toEqual(['email', 'Email']);
		expect(p.message).toBe(
			"Prospect pr_1: field 'email' expects an email address, got 'not-an-email' (text). Not synced: fix the value in FieldFlow (the next sync run writes the record), or change the mapping's Type / set On Type Mismatch to \"Skip Field\".",
		);
	});

	it('wrong types and unknown picklist values are problems of the record too', () => {
		const e = eff('salesforce', 'Lead');
		const r = mapFieldflowRecord(prospect({ phone: true, status: 'bogus' }), e);
		expect(r.errors.map((x) => x.fields?.[0]).sort()).toEqual(['phone', 'status']);
		expect(recordProblem(r, e.crm).message).toMatch(/field 'phone' expects a phone number, got true \(boolean\); .*field 'status' expects one of 'new'/);
	});

	it.each([
		['salesforce', 'Lead', 'notes', 'Description', 131_072],
		['hubspot', 'contacts', 'company_name', 'company', 65_536],
		['pipedrive', 'persons', 'contact_name', 'name', 65_535],
	] as const)('%s: a value longer than any field holds is dropped at once and is a problem of the record', (crm, object, field, crmField, max) => {
		const e = eff(crm, object);
		const ok = mapFieldflowRecord(prospect({ [field]: 'x'.repeat(max) }), e);
		expect(ok.errors).toEqual([]);
		const r = mapFieldflowRecord(prospect({ [field]: 'x'.repeat(max + 1) }), e);
		expect(r.payload[crmField]).toBeUndefined();
		expect(r.record.fields[field]).toBeUndefined();
		expect(JSON.stringify(r).length).toBeLessThan(10_000);
		expect(r.errors).toHaveLength(1);
		expect(r.errors[0].code).toBe('VALUE_TOO_LONG');
		expect(r.errors[0].message).toBe(`Prospect pr_1: field '${field}' is ${(max + 1).toLocaleString('en-US')} characters long; no ${crm === 'salesforce' ? 'Salesforce' : crm === 'hubspot' ? 'HubSpot' : 'Pipedrive'} field holds more than ${max.toLocaleString('en-US')} (${crmField})`);
	});
});

describe('configuration problems', () => {
	const fields = (names: string[]): FieldInfo[] => names.map((name) => ({ name, label: name, type: 'text', vendorType: 'string', required: false, readOnly: false }));

	it('the default tables are valid', () => {
		for (const [crm, object] of [['salesforce', 'Lead'], ['hubspot', 'contacts'], ['pipedrive', 'persons']] as const) expect(mappingConfigProblems(eff(crm, object))).toEqual([]);
	});

	it('an unknown CRM object', () => {
		const [p, ...rest] = mappingConfigProblems(eff('hubspot', 'NoSuchObject'));
		expect(rest).toEqual([]);
		expect(p.message).toBe("CRM Object 'NoSuchObject' is not a HubSpot object this node can sync: choose one of 'contacts', 'companies', 'deals', 'meetings'.");
	});

	it('a custom pair naming a CRM field the object lacks (with a near miss suggested)', () => {
		const e = eff('salesforce', 'Lead', [{ fieldflowField: 'notes', crmField: 'description__c', type: 'text' }]);
		expect(mappingConfigProblems(e)).toEqual([]); // without the field list nothing can be said
		const [p] = mappingConfigProblems(e, fields(['Description__c', 'Email']));
		expect(p.message).toBe("Mapping 'notes' → 'description__c': Salesforce Lead has no field 'description__c' (did you mean 'Description__c'?); pick the CRM field from the list in Custom Mappings.");
		expect(mappingConfigProblems(e, fields(['description__c']))).toEqual([]);
	});

	it('a custom pair that would overwrite the id/link field', () => {
		const [p] = mappingConfigProblems(eff('pipedrive', 'persons', [{ fieldflowField: 'email', crmField: 'id', type: 'text', direction: 'toCrm' }]));
		expect(p.message).toMatch(/^Mapping 'email' → 'id': 'id' is the CRM's id\/link or system field and is never written by a mapping/);
	});
});
