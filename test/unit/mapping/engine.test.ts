import { SyncError } from '../../../nodes/shared/errors';
import { DEFAULT_VALUE_MAPS, defaultMappings } from '../../../nodes/shared/mapping/defaults';
import {
	canonicalFromFieldflow,
	checkType,
	diffFields,
	fieldflowPayload,
	joinName,
	lossyEquivalence,
	mapToCrm,
	mapToFieldflow,
	mergeMappings,
	normalizeValue,
	primaryOfList,
	sameValue,
	splitName,
	validateMappings,
	type MappingRule,
} from '../../../nodes/shared/mapping/engine';
import type { FieldType } from '../../../nodes/shared/crm/types';

describe('checkType', () => {
	const VALID: Array<[FieldType, unknown, unknown]> = [
		['text', 'hello', 'hello'],
		['text', 42, '42'],
		['text', true, 'true'],
		['number', 12.5, 12.5],
		['number', '1200', 1200],
		['number', ' -3.5 ', -3.5],
		['number', 0, 0],
		['date', '2026-11-24', '2026-11-24'],
		['date', '2026-11-24T09:30:00.000Z', '2026-11-24'],
		['date', new Date('2026-11-24T00:00:00Z'), '2026-11-24'],
		['datetime', '2026-11-24T09:30:00Z', '2026-11-24T09:30:00.000Z'],
		['datetime', '2026-11-24T10:30:00+01:00', '2026-11-24T09:30:00.000Z'],
		['datetime', '2026-11-24', '2026-11-24T00:00:00.000Z'],
		['email', 'ada@acme.test', 'ada@acme.test'],
		['email', ' Ada@Acme.Test ', 'Ada@Acme.Test'],
		['phone', '+1 (555) 010-0100', '+1 (555) 010-0100'],
		['phone', '030 1234567 ext 12', '030 1234567 ext 12'],
		['phone', 5550100, '5550100'],
		['picklist', 'Open - Not Contacted', 'Open - Not Contacted'],
		['boolean', true, true],
		['boolean', 'false', false],
		['boolean', 1, true],
		['reference', '00Q000000000001', '00Q000000000001'],
		['other', { any: 1 }, { any: 1 }],
	];
	test.each(VALID)('%s accepts %p (→ %p)', (type, value, normalised) => {
		expect(checkType(value, type)).toEqual({ ok: true, value: normalised });
	});

	const INVALID: Array<[FieldType, unknown]> = [
		['text', { a: 1 }],
		['text', ['a']],
		['number', 'abc'],
		['number', '12abc'],
		['number', NaN],
		['number', true],
		['date', 'tomorrow'],
		['date', '24/11/2026'],
		['date', '2026-13-45'],
		['datetime', 'yesterday at noon'],
		['datetime', 1732440000],
		['email', 'not-an-email'],
		['email', 'a@b'],
		['email', 42],
		['phone', 'call me'],
		['phone', '12'],
		['phone', '+1 555 0100 0100 0100 0100 0100 0100 01'],
		['picklist', { v: 1 }],
		['boolean', 'yes'],
		['boolean', 2],
		['reference', { id: 1 }],
	];
	test.each(INVALID)('%s rejects %p', (type, value) => {
		const r = checkType(value, type);
		expect(r.ok).toBe(false);
	});

	test.each(['text', 'number', 'date', 'datetime', 'email', 'phone', 'picklist', 'boolean'] as FieldType[])('%s: empty values are acceptable and normalise to null', (type) => {
		for (const v of [null, undefined, '', '   ']) expect(checkType(v, type)).toEqual({ ok: true, value: null });
	});

	test('picklist against allowed options when known', () => {
		expect(checkType('Prospecting', 'picklist', ['Prospecting', 'Closed Won'])).toEqual({ ok: true, value: 'Prospecting' });
		const bad = checkType('Maybe', 'picklist', ['Prospecting', 'Closed Won']);
		expect(bad).toEqual({ ok: false, expected: "one of 'Prospecting', 'Closed Won'" });
	});
});

describe('mapToCrm / mapToFieldflow errors', () => {
	const opp = defaultMappings('salesforce', 'Opportunity');

	test('a type mismatch is a validation SyncError naming record, field and value', () => {
		const r = mapToCrm({ id: 'pr_1', estimated_value: 'abc', notes: 'ok' }, opp, DEFAULT_VALUE_MAPS);
		expect(r.fields).toEqual({ Description: 'ok' });
		expect(r.errors).toHaveLength(1);
		const e = r.errors[0];
		expect(e).toBeInstanceOf(SyncError);
		expect(e.kind).toBe('validation');
		expect(e.message).toBe("Prospect pr_1: field 'estimated_value' expects a number, got 'abc' (text)");
		expect(e.fields).toEqual(['estimated_value', 'Amount']);
		expect(e.recordRef).toBe('pr_1');
	});

	test('one bad field does not stop the others; every bad field is reported', () => {
		const r = mapToCrm({ id: 'pr_2', email: 'nope', phone: 'call me', contact_name: 'Ada Lovelace' }, defaultMappings('salesforce', 'Lead'), DEFAULT_VALUE_MAPS);
		expect(r.fields).toEqual({ FirstName: 'Ada', LastName: 'Lovelace' });
		expect(r.errors.map((e) => e.fields?.[0])).toEqual(['email', 'phone']);
		expect(r.errors[0].message).toBe("Prospect pr_2: field 'email' expects an email address, got 'nope' (text)");
	});

	test('CRM → FieldFlow type errors name the CRM record and field', () => {
		const r = mapToFieldflow({ Id: '006A', Amount: 'lots' }, opp, DEFAULT_VALUE_MAPS, { label: 'Salesforce Opportunity' });
		expect(r.errors).toHaveLength(1);
		expect(r.errors[0].message).toBe("Salesforce Opportunity 006A: field 'Amount' expects a number, got 'lots' (text)");
		expect(r.errors[0].kind).toBe('validation');
	});

	test('unknown picklist value → validation error, both ways', () => {
		const toCrm = mapToCrm({ id: 'pr_3', status: 'maybe' }, defaultMappings('hubspot', 'deals'), DEFAULT_VALUE_MAPS);
		expect(toCrm.fields).toEqual({});
		expect(toCrm.errors[0].kind).toBe('validation');
		expect(toCrm.errors[0].message).toMatch(/^Prospect pr_3: field 'status' expects one of 'new', 'contacted', .*'lost', got 'maybe' \(text\)$/);
		const toFf = mapToFieldflow({ id: '9001', dealstage: 'someotherstage' }, defaultMappings('hubspot', 'deals'), DEFAULT_VALUE_MAPS, { label: 'HubSpot deal' });
		expect(toFf.fields).toEqual({});
		expect(toFf.errors[0].message).toMatch(/^HubSpot deal 9001: field 'dealstage' expects one of 'appointmentscheduled', .*got 'someotherstage' \(text\)$/);
		// Pipedrive: neither the status nor the stage map knows the value.
		const pd = mapToFieldflow({ status: 'open', stage_id: 99 }, defaultMappings('pipedrive', 'deals'), DEFAULT_VALUE_MAPS);
		expect(pd.fields).toEqual({});
		expect(pd.errors).toHaveLength(1);
	});

	test('picklist options from CRM metadata are enforced', () => {
		const m: MappingRule[] = [{ fieldflow: 'custom_fields.industry', crm: 'Industry', type: 'picklist' }];
		const ok = mapToCrm({ custom_fields: { industry: 'Retail' } }, m, {}, { picklistOptions: { Industry: ['Retail', 'Energy'] } });
		expect(ok).toEqual({ fields: { Industry: 'Retail' }, errors: [] });
		const bad = mapToCrm({ id: 'pr_9', custom_fields: { industry: 'Space' } }, m, {}, { picklistOptions: { Industry: ['Retail', 'Energy'] } });
		expect(bad.errors[0].message).toBe("Prospect pr_9: field 'custom_fields.industry' expects one of 'Retail', 'Energy', got 'Space' (text)");
	});

	test('absent fields are not written; null and empty string clear the field', () => {
		const lead = defaultMappings('salesforce', 'Lead');
		expect(mapToCrm({ phone: '555 0100' }, lead, DEFAULT_VALUE_MAPS).fields).toEqual({ Phone: '555 0100' });
		expect(mapToCrm({ phone: null, notes: '', status: null }, lead, DEFAULT_VALUE_MAPS).fields).toEqual({ Phone: null, Description: null, Status: null });
		expect(mapToFieldflow({ Phone: '' }, lead, DEFAULT_VALUE_MAPS).fields).toEqual({ phone: null });
	});

	test('read-only and one-way mappings', () => {
		const m: MappingRule[] = [
			{ fieldflow: 'company_name', crm: 'Name', type: 'text', direction: 'toCrm' },
			{ fieldflow: 'notes', crm: 'Description', type: 'text', direction: 'toFieldflow' },
			{ fieldflow: 'custom_fields.sf_created', crm: 'CreatedDate', type: 'datetime', readOnly: true },
		];
		expect(mapToCrm({ company_name: 'A', notes: 'n', custom_fields: { sf_created: '2026-01-01T00:00:00Z' } }, m, {}).fields).toEqual({ Name: 'A' });
		expect(mapToFieldflow({ Name: 'A', Description: 'n', CreatedDate: '2026-01-01T00:00:00Z' }, m, {}).fields).toEqual({ notes: 'n', 'custom_fields.sf_created': '2026-01-01T00:00:00.000Z' });
	});
});

describe('transforms', () => {
	test.each([
		['Ada Lovelace', 'Ada', 'Lovelace'],
		['Jean Claude Van Damme', 'Jean Claude Van', 'Damme'],
		['  Cher  ', null, 'Cher'],
		['', null, null],
	])('splitName(%p) → %p / %p', (full, first, last) => {
		expect(splitName(full)).toEqual({ first, last });
	});

	test('joinName', () => {
		expect(joinName('Ada', 'Lovelace')).toBe('Ada Lovelace');
		expect(joinName(null, 'Cher')).toBe('Cher');
		expect(joinName('Ada', '')).toBe('Ada');
		expect(joinName(null, null)).toBeNull();
	});

	const lists: MappingRule[] = [
		{ fieldflow: 'email', crm: 'emails', type: 'email', transform: 'emailList' },
		{ fieldflow: 'phone', crm: 'phones', type: 'phone', transform: 'phoneList' },
	];
	test('email/phone list ↔ primary value', () => {
		expect(mapToCrm({ email: 'ada@acme.test', phone: '555 0100' }, lists, {}).fields).toEqual({
			emails: [{ value: 'ada@acme.test', primary: true, label: 'work' }],
			phones: [{ value: '555 0100', primary: true, label: 'work' }],
		});
		expect(mapToCrm({ email: null }, lists, {}).fields).toEqual({ emails: [] });
		const crm = { emails: [{ value: 'old@acme.test', primary: false }, { value: 'ada@acme.test', primary: true }], phones: ['555 0100', '555 0199'] };
		expect(mapToFieldflow(crm, lists, {}).fields).toEqual({ email: 'ada@acme.test', phone: '555 0100' });
		expect(mapToFieldflow({ emails: [] }, lists, {}).fields).toEqual({ email: null });
		expect(mapToCrm({ id: 'pr_1', email: 'bad' }, lists, {}).errors[0].message).toBe("Prospect pr_1: field 'email' expects an email address, got 'bad' (text)");
		expect(primaryOfList('x@y.z')).toBe('x@y.z');
	});

	test('Pipedrive date/time/duration parts', () => {
		const act = defaultMappings('pipedrive', 'activities');
		expect(mapToFieldflow({ due_date: '2026-11-24', due_time: '', duration: '01:30' }, act, {}).fields).toEqual({ start_time: '2026-11-24T00:00:00.000Z', duration_minutes: 90 });
		const bad = mapToCrm({ id: 'mt_1', start_time: 'soon', duration_minutes: 'long' }, act, {});
		expect(bad.errors.map((e) => e.fields?.[0])).toEqual(['start_time', 'start_time', 'duration_minutes']);
	});
});

describe('mergeMappings: custom pairs override and extend the defaults', () => {
	const lead = defaultMappings('salesforce', 'Lead');

	test('a custom pair for a new field extends the defaults', () => {
		const merged = mergeMappings(lead, [{ fieldflow: 'estimated_value', crm: 'AnnualRevenue', type: 'number' }]);
		expect(merged).toHaveLength(lead.length + 1);
		expect(mapToCrm({ estimated_value: '5000' }, merged, DEFAULT_VALUE_MAPS).fields).toEqual({ AnnualRevenue: 5000 });
	});

	test('re-pointing a FieldFlow field replaces its default pair', () => {
		const merged = mergeMappings(lead, [{ fieldflow: 'phone', crm: 'MobilePhone', type: 'phone' }]);
		expect(merged.filter((m) => m.fieldflow === 'phone')).toEqual([{ fieldflow: 'phone', crm: 'MobilePhone', type: 'phone' }]);
		expect(mapToCrm({ phone: '555 0100' }, merged, DEFAULT_VALUE_MAPS).fields).toEqual({ MobilePhone: '555 0100' });
	});

	test('a custom pair writing a default CRM field takes it over', () => {
		const merged = mergeMappings(lead, [{ fieldflow: 'custom_fields.summary', crm: 'Description', type: 'text' }]);
		expect(merged.some((m) => m.fieldflow === 'notes')).toBe(false);
		expect(mapToCrm({ notes: 'n', custom_fields: { summary: 's' } }, merged, DEFAULT_VALUE_MAPS).fields).toEqual({ Description: 's' });
	});

	test('a custom value map on the status field overrides the default one', () => {
		const vms = { ...DEFAULT_VALUE_MAPS, myStatus: { name: 'myStatus', toCrm: { new: 'Fresh', won: 'Done' }, toFieldflow: { Fresh: 'new', Done: 'won' } } };
		const merged = mergeMappings(lead, [{ fieldflow: 'status', crm: 'Status', type: 'picklist', valueMap: 'myStatus' }]);
		expect(mapToCrm({ status: 'won' }, merged, vms).fields).toEqual({ Status: 'Done' });
		expect(mapToFieldflow({ Status: 'Fresh' }, merged, vms).fields).toEqual({ status: 'new' });
	});

	test('a custom name transform replaces only its own CRM field; the last custom pair for a CRM field wins', () => {
		const merged = mergeMappings(lead, [
			{ fieldflow: 'contact_name', crm: 'LastName', type: 'text' },
			{ fieldflow: 'custom_fields.x', crm: 'Title', type: 'text' },
			{ fieldflow: 'custom_fields.y', crm: 'Title', type: 'text' },
		]);
		expect(merged.filter((m) => m.crm === 'Title')).toEqual([{ fieldflow: 'custom_fields.y', crm: 'Title', type: 'text' }]);
		expect(merged.filter((m) => m.fieldflow === 'contact_name')).toEqual([{ fieldflow: 'contact_name', crm: 'LastName', type: 'text' }]);
		expect(mergeMappings(lead, [])).toEqual(lead);
	});
});

describe('validateMappings: forbidden mappings are rejected', () => {
	const ok = (m: MappingRule[], crm: 'salesforce' | 'hubspot' | 'pipedrive' = 'salesforce') => validateMappings(m, { crm, valueMaps: DEFAULT_VALUE_MAPS });

	test('unknown FieldFlow field', () => {
		const errs = ok([{ fieldflow: 'favourite_colour', crm: 'Title', type: 'text' }]);
		expect(errs).toHaveLength(1);
		expect(errs[0].kind).toBe('validation');
		expect(errs[0].message).toMatch(/unknown FieldFlow field 'favourite_colour'/);
		expect(ok([{ fieldflow: 'custom_fields.favourite_colour', crm: 'Title', type: 'text' }])).toEqual([]);
	});

	test.each([
		['salesforce', 'Id'],
		['salesforce', 'WhoId'],
		['salesforce', 'LastModifiedDate'],
		['hubspot', 'hs_object_id'],
		['pipedrive', 'id'],
		['pipedrive', 'org_id'],
	] as const)('%s: writing the id/link/system field %s is rejected', (crm, field) => {
		const errs = ok([{ fieldflow: 'custom_fields.crm_ref', crm: field, type: 'text' }], crm);
		expect(errs).toHaveLength(1);
		expect(errs[0].message).toMatch(/id\/link or system field/);
		// Reading it into FieldFlow is fine.
		expect(ok([{ fieldflow: 'custom_fields.crm_ref', crm: field, type: 'text', direction: 'toFieldflow' }], crm)).toEqual([]);
	});

	test('read-only CRM fields (from metadata) and unknown CRM fields', () => {
		const ctx = { crm: 'hubspot' as const, crmFields: [{ name: 'email' }, { name: 'hs_analytics_source', readOnly: true }] };
		expect(validateMappings([{ fieldflow: 'custom_fields.src', crm: 'hs_analytics_source', type: 'text' }], ctx)[0].message).toMatch(/read-only/);
		expect(validateMappings([{ fieldflow: 'email', crm: 'emial', type: 'email' }], ctx)[0].message).toMatch(/no field 'emial'/);
		expect(validateMappings([{ fieldflow: 'email', crm: 'email', type: 'email' }], ctx)).toEqual([]);
	});

	test('read-only FieldFlow fields, unknown value maps, two FieldFlow fields into one CRM field', () => {
		expect(ok([{ fieldflow: 'created_at', crm: 'Description', type: 'text' }])[0].message).toMatch(/read-only/);
		expect(ok([{ fieldflow: 'status', crm: 'Status', type: 'picklist', valueMap: 'nope' }])[0].message).toMatch(/unknown value map 'nope'/);
		const dup = ok([
			{ fieldflow: 'notes', crm: 'Description', type: 'text' },
			{ fieldflow: 'company_name', crm: 'Description', type: 'text' },
		]);
		expect(dup).toHaveLength(1);
		expect(dup[0].message).toMatch(/also written from 'notes'/);
	});
});

describe('comparison helpers', () => {
	test('normalizeValue', () => {
		expect(normalizeValue('')).toBeNull();
		expect(normalizeValue('  ')).toBeNull();
		expect(normalizeValue(undefined)).toBeNull();
		expect(normalizeValue(' Acme ')).toBe('Acme');
		expect(normalizeValue('1200')).toBe(1200);
		expect(normalizeValue('0049 30 1234')).toBe('0049 30 1234');
		expect(normalizeValue('ADA@Acme.Test')).toBe('ada@acme.test');
		expect(normalizeValue('2026-11-24T10:30:00+01:00')).toBe('2026-11-24T09:30:00.000Z');
	});

	test('sameValue', () => {
		expect(sameValue('', null)).toBe(true);
		expect(sameValue(1200, '1200.00')).toBe(true);
		expect(sameValue('Acme', 'acme')).toBe(false); // only emails are case-insensitive
		expect(sameValue(['a'], ['a'])).toBe(true);
		expect(sameValue(['a'], ['b'])).toBe(false);
		expect(sameValue(0, null)).toBe(false);
	});

	test('diffFields shows what a write would change (dry run)', () => {
		const before = { Company: 'Acme', Email: 'ada@acme.test', Phone: '', Status: 'Open - Not Contacted' };
		const after = { Company: 'Acme ', Email: 'ADA@acme.test', Phone: '555', Status: 'Working - Contacted', Description: null };
		expect(diffFields(before, after)).toEqual([
			{ field: 'Phone', before: '', after: '555' },
			{ field: 'Status', before: 'Open - Not Contacted', after: 'Working - Contacted' },
		]);
		expect(diffFields(undefined, { Company: 'Acme' })).toEqual([{ field: 'Company', before: null, after: 'Acme' }]);
	});

	test('canonicalFromFieldflow / fieldflowPayload flatten and nest custom fields', () => {
		const prospect = { id: 'pr_1', created_at: 'x', updated_at: 'y', company_name: 'Acme', custom_fields: { industry: 'Retail', size: 12 } };
		const c = canonicalFromFieldflow(prospect);
		expect(c).toEqual({ company_name: 'Acme', 'custom_fields.industry': 'Retail', 'custom_fields.size': 12 });
		expect(fieldflowPayload(c)).toEqual({ company_name: 'Acme', custom_fields: { industry: 'Retail', size: 12 } });
		// mapToCrm reads custom fields either way.
		const m: MappingRule[] = [{ fieldflow: 'custom_fields.industry', crm: 'Industry', type: 'text' }];
		expect(mapToCrm(prospect, m, {}).fields).toEqual({ Industry: 'Retail' });
		expect(mapToCrm(c, m, {}).fields).toEqual({ Industry: 'Retail' });
	});

	test('lossyEquivalence', () => {
		const eq = lossyEquivalence(defaultMappings('salesforce', 'Lead'), DEFAULT_VALUE_MAPS);
		expect(eq('status', 'qualified', 'contacted')).toBe(true);
		expect(eq('status', 'new', 'contacted')).toBe(false);
		expect(eq('email', 'a', 'a')).toBe(false);
		const pd = lossyEquivalence(defaultMappings('pipedrive', 'deals'), DEFAULT_VALUE_MAPS);
		expect(pd('status', 'new', 'contacted')).toBe(false);
	});
});
