import { DEFAULT_MEETING_OBJECT, DEFAULT_PROSPECT_OBJECT, DEFAULT_VALUE_MAPS, defaultMappings, supportedObjects } from '../../../nodes/shared/mapping/defaults';
import { mapToCrm, mapToFieldflow, validateMappings, type MappingRule } from '../../../nodes/shared/mapping/engine';
import type { CrmName } from '../../../nodes/shared/crm/types';

const PROSPECT = {
	id: 'pr_1',
	company_name: 'Acme Hardware',
	contact_name: 'Ada King Lovelace',
	email: 'ada@acme.test',
	phone: '+1 555 0100',
	status: 'qualified',
	notes: 'Met at the trade fair',
	estimated_value: 12000,
};
const MEETING = {
	id: 'mt_1',
	title: 'Demo',
	start_time: '2026-11-24T09:30:00.000Z',
	duration_minutes: 45,
	status: 'completed',
	notes: 'Went well',
	outcome: 'Demo booked',
};
const MEETING_OBJECTS = new Set(['Event', 'Task', 'meetings', 'activities']);

/** The seed's tables as CRM payloads for PROSPECT / MEETING: what each default mapping writes. */
const EXPECTED_CRM: Record<CrmName, Record<string, Record<string, unknown>>> = {
	salesforce: {
		Lead: { Company: 'Acme Hardware', FirstName: 'Ada King', LastName: 'Lovelace', Email: 'ada@acme.test', Phone: '+1 555 0100', Status: 'Working - Contacted', Description: 'Met at the trade fair' },
		Contact: { FirstName: 'Ada King', LastName: 'Lovelace', Email: 'ada@acme.test', Phone: '+1 555 0100', Description: 'Met at the trade fair' },
		Account: { Name: 'Acme Hardware', Phone: '+1 555 0100', Description: 'Met at the trade fair' },
		Opportunity: { Name: 'Acme Hardware', StageName: 'Needs Analysis', Amount: 12000, Description: 'Met at the trade fair' },
		Event: { Subject: 'Demo', StartDateTime: '2026-11-24T09:30:00.000Z', DurationInMinutes: 45, Description: 'Went well' },
		Task: { Subject: 'Demo', ActivityDate: '2026-11-24', Description: 'Went well' },
	},
	hubspot: {
		contacts: { firstname: 'Ada King', lastname: 'Lovelace', email: 'ada@acme.test', phone: '+1 555 0100', company: 'Acme Hardware' },
		companies: { name: 'Acme Hardware', phone: '+1 555 0100' },
		deals: { dealname: 'Acme Hardware', dealstage: 'presentationscheduled', amount: 12000 },
		meetings: { hs_meeting_title: 'Demo', hs_meeting_start_time: '2026-11-24T09:30:00.000Z', hs_meeting_body: 'Went well', hs_meeting_outcome: 'COMPLETED' },
	},
	pipedrive: {
		persons: { name: 'Ada King Lovelace', email: 'ada@acme.test', phone: '+1 555 0100' },
		organizations: { name: 'Acme Hardware' },
		deals: { title: 'Acme Hardware', status: 'open', stage_id: '3', value: 12000 },
		activities: { subject: 'Demo', due_date: '2026-11-24', due_time: '09:30', duration: '00:45', note: 'Went well', public_description: 'Demo booked' },
	},
};

const ALL: Array<[CrmName, string]> = [];
for (const crm of ['salesforce', 'hubspot', 'pipedrive'] as CrmName[]) for (const o of supportedObjects(crm)) ALL.push([crm, o]);

/** The canonical fields a table reads back from the CRM (mappings not limited to toCrm). */
function readBack(mappings: MappingRule[], source: Record<string, unknown>): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const m of mappings) if (m.direction !== 'toCrm' && source[m.fieldflow] !== undefined) out[m.fieldflow] = source[m.fieldflow];
	return out;
}

describe('default mapping tables', () => {
	test('supported objects per CRM (seed: Salesforce Leads/Contacts/Accounts/Events-Tasks, HubSpot Contacts/Companies/Deals/Meetings, Pipedrive Persons/Organizations/Deals/Activities)', () => {
		expect(supportedObjects('salesforce')).toEqual(['Lead', 'Contact', 'Account', 'Opportunity', 'Event', 'Task']);
		expect(supportedObjects('hubspot')).toEqual(['contacts', 'companies', 'deals', 'meetings']);
		expect(supportedObjects('pipedrive')).toEqual(['persons', 'organizations', 'deals', 'activities']);
		expect(DEFAULT_PROSPECT_OBJECT).toEqual({ salesforce: 'Lead', hubspot: 'contacts', pipedrive: 'persons' });
		expect(DEFAULT_MEETING_OBJECT).toEqual({ salesforce: 'Event', hubspot: 'meetings', pipedrive: 'activities' });
		expect(defaultMappings('salesforce', 'Nope')).toEqual([]);
	});

	test('defaultMappings returns a fresh copy', () => {
		const a = defaultMappings('salesforce', 'Lead');
		a[0].crm = 'Changed';
		expect(defaultMappings('salesforce', 'Lead')[0].crm).toBe('Company');
	});

	test.each(ALL)('%s %s: the table is a valid mapping set', (crm, object) => {
		expect(validateMappings(defaultMappings(crm, object), { crm, valueMaps: DEFAULT_VALUE_MAPS })).toEqual([]);
	});

	test.each(ALL)('%s %s: FieldFlow → CRM writes the seed table', (crm, object) => {
		const source = MEETING_OBJECTS.has(object) ? MEETING : PROSPECT;
		const r = mapToCrm(source, defaultMappings(crm, object), DEFAULT_VALUE_MAPS);
		expect(r.errors).toEqual([]);
		expect(r.fields).toEqual(EXPECTED_CRM[crm][object]);
	});

	test.each(ALL)('%s %s: round trip FieldFlow → CRM → FieldFlow gives the same canonical record', (crm, object) => {
		const mappings = defaultMappings(crm, object);
		const source = MEETING_OBJECTS.has(object) ? MEETING : { ...PROSPECT, status: 'won' };
		const there = mapToCrm(source, mappings, DEFAULT_VALUE_MAPS);
		expect(there.errors).toEqual([]);
		const back = mapToFieldflow(there.fields, mappings, DEFAULT_VALUE_MAPS);
		expect(back.errors).toEqual([]);
		expect(back.fields).toEqual(readBack(mappings, source));
		// HubSpot answers every property as a string: the round trip still holds.
		const strings = Object.fromEntries(Object.entries(there.fields).map(([k, v]) => [k, v === null ? null : String(v)]));
		expect(mapToFieldflow(strings, mappings, DEFAULT_VALUE_MAPS).fields).toEqual(readBack(mappings, source));
	});

	test('Salesforce Lead/Contact and HubSpot contacts split the contact name; Pipedrive keeps it whole', () => {
		for (const [crm, object, first, last] of [
			['salesforce', 'Lead', 'FirstName', 'LastName'],
			['salesforce', 'Contact', 'FirstName', 'LastName'],
			['hubspot', 'contacts', 'firstname', 'lastname'],
		] as const) {
			const m = defaultMappings(crm, object);
			expect(mapToCrm({ contact_name: 'Cher' }, m, DEFAULT_VALUE_MAPS).fields).toEqual({ [first]: null, [last]: 'Cher' });
			expect(mapToFieldflow({ [first]: null, [last]: 'Cher' }, m, DEFAULT_VALUE_MAPS).fields).toEqual({ contact_name: 'Cher' });
		}
		expect(mapToCrm({ contact_name: 'Ada Lovelace' }, defaultMappings('pipedrive', 'persons'), DEFAULT_VALUE_MAPS).fields).toEqual({ name: 'Ada Lovelace' });
	});
});

describe('default value maps', () => {
	const STATUSES = ['new', 'contacted', 'qualified', 'proposal', 'won', 'lost'];
	const TABLE: Array<[CrmName, string, string, Record<string, unknown>]> = [
		['salesforce', 'Lead', 'new', { Status: 'Open - Not Contacted' }],
		['salesforce', 'Lead', 'contacted', { Status: 'Working - Contacted' }],
		['salesforce', 'Lead', 'qualified', { Status: 'Working - Contacted' }],
		['salesforce', 'Lead', 'proposal', { Status: 'Working - Contacted' }],
		['salesforce', 'Lead', 'won', { Status: 'Closed - Converted' }],
		['salesforce', 'Lead', 'lost', { Status: 'Closed - Not Converted' }],
		['salesforce', 'Opportunity', 'new', { StageName: 'Prospecting' }],
		['salesforce', 'Opportunity', 'contacted', { StageName: 'Qualification' }],
		['salesforce', 'Opportunity', 'qualified', { StageName: 'Needs Analysis' }],
		['salesforce', 'Opportunity', 'proposal', { StageName: 'Proposal/Price Quote' }],
		['salesforce', 'Opportunity', 'won', { StageName: 'Closed Won' }],
		['salesforce', 'Opportunity', 'lost', { StageName: 'Closed Lost' }],
		['hubspot', 'deals', 'new', { dealstage: 'appointmentscheduled' }],
		['hubspot', 'deals', 'contacted', { dealstage: 'qualifiedtobuy' }],
		['hubspot', 'deals', 'qualified', { dealstage: 'presentationscheduled' }],
		['hubspot', 'deals', 'proposal', { dealstage: 'contractsent' }],
		['hubspot', 'deals', 'won', { dealstage: 'closedwon' }],
		['hubspot', 'deals', 'lost', { dealstage: 'closedlost' }],
		['pipedrive', 'deals', 'new', { status: 'open', stage_id: '1' }],
		['pipedrive', 'deals', 'contacted', { status: 'open', stage_id: '2' }],
		['pipedrive', 'deals', 'qualified', { status: 'open', stage_id: '3' }],
		['pipedrive', 'deals', 'proposal', { status: 'open', stage_id: '4' }],
		['pipedrive', 'deals', 'won', { status: 'won', stage_id: '5' }],
		['pipedrive', 'deals', 'lost', { status: 'lost' }],
	];

	test.each(TABLE)('%s %s: status %s → %o', (crm, object, status, want) => {
		const r = mapToCrm({ status }, defaultMappings(crm, object), DEFAULT_VALUE_MAPS);
		expect(r.errors).toEqual([]);
		expect(r.fields).toEqual(want);
	});

	const LOSSLESS: Array<[CrmName, string]> = [
		['salesforce', 'Opportunity'],
		['hubspot', 'deals'],
		['pipedrive', 'deals'],
	];
	test.each(LOSSLESS)('%s %s: every FieldFlow status round-trips', (crm, object) => {
		const m = defaultMappings(crm, object);
		for (const status of STATUSES) expect(mapToFieldflow(mapToCrm({ status }, m, DEFAULT_VALUE_MAPS).fields, m, DEFAULT_VALUE_MAPS).fields).toEqual({ status });
	});

	test('Salesforce Lead Status is lossy for qualified/proposal: read back as contacted, unless the baseline is preferred', () => {
		const m = defaultMappings('salesforce', 'Lead');
		for (const status of ['new', 'contacted', 'won', 'lost']) expect(mapToFieldflow(mapToCrm({ status }, m, DEFAULT_VALUE_MAPS).fields, m, DEFAULT_VALUE_MAPS).fields).toEqual({ status });
		expect(mapToFieldflow({ Status: 'Working - Contacted' }, m, DEFAULT_VALUE_MAPS).fields).toEqual({ status: 'contacted' });
		expect(mapToFieldflow({ Status: 'Working - Contacted' }, m, DEFAULT_VALUE_MAPS, { prefer: { status: 'proposal' } }).fields).toEqual({ status: 'proposal' });
		// The baseline is only preferred when it maps to the CRM value actually read.
		expect(mapToFieldflow({ Status: 'Closed - Converted' }, m, DEFAULT_VALUE_MAPS, { prefer: { status: 'proposal' } }).fields).toEqual({ status: 'won' });
	});

	test('extra CRM values read back to the nearest FieldFlow status', () => {
		expect(mapToFieldflow({ StageName: 'Negotiation/Review' }, defaultMappings('salesforce', 'Opportunity'), DEFAULT_VALUE_MAPS).fields).toEqual({ status: 'proposal' });
		expect(mapToFieldflow({ dealstage: 'decisionmakerboughtin' }, defaultMappings('hubspot', 'deals'), DEFAULT_VALUE_MAPS).fields).toEqual({ status: 'proposal' });
		expect(mapToFieldflow({ status: 'open', stage_id: 5 }, defaultMappings('pipedrive', 'deals'), DEFAULT_VALUE_MAPS).fields).toEqual({ status: 'proposal' });
		expect(mapToFieldflow({ status: 'lost', stage_id: 2 }, defaultMappings('pipedrive', 'deals'), DEFAULT_VALUE_MAPS).fields).toEqual({ status: 'lost' });
		expect(mapToFieldflow({ hs_meeting_outcome: 'NO_SHOW' }, defaultMappings('hubspot', 'meetings'), DEFAULT_VALUE_MAPS).fields).toEqual({ status: 'cancelled' });
	});

	test('value maps only use values the CRMs accept', () => {
		const LEAD = ['Open - Not Contacted', 'Working - Contacted', 'Closed - Converted', 'Closed - Not Converted'];
		const OPP = ['Prospecting', 'Qualification', 'Needs Analysis', 'Value Proposition', 'Id. Decision Makers', 'Perception Analysis', 'Proposal/Price Quote', 'Negotiation/Review', 'Closed Won', 'Closed Lost'];
		const HS = ['appointmentscheduled', 'qualifiedtobuy', 'presentationscheduled', 'decisionmakerboughtin', 'contractsent', 'closedwon', 'closedlost'];
		const check = (name: string, allowed: string[]) => {
			const vm = DEFAULT_VALUE_MAPS[name];
			for (const v of Object.values(vm.toCrm)) expect(allowed).toContain(v);
			for (const k of Object.keys(vm.toFieldflow)) expect(allowed).toContain(k);
			for (const v of Object.values(vm.toFieldflow)) expect(STATUSES).toContain(v);
		};
		check('salesforceLeadStatus', LEAD);
		check('salesforceOpportunityStage', OPP);
		check('hubspotDealStage', HS);
		check('pipedriveStage', ['1', '2', '3', '4', '5']);
		check('pipedriveDealStatus', ['open', 'won', 'lost']);
		for (const name of ['salesforceLeadStatus', 'salesforceOpportunityStage', 'hubspotDealStage', 'pipedriveDealStatus']) expect(Object.keys(DEFAULT_VALUE_MAPS[name].toCrm).sort()).toEqual([...STATUSES].sort());
	});
});
