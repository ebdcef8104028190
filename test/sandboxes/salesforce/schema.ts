/**
 * Standard-object metadata for the Salesforce sandbox: the fields `describe` reports and the
 * writes are validated against (required, read-only, max length, restricted picklists).
 */
export interface SfFieldDef {
	name: string;
	label: string;
	type: string;
	length: number;
	nillable: boolean;
	createable: boolean;
	updateable: boolean;
	defaultedOnCreate: boolean;
	filterable: boolean;
	externalId?: boolean;
	unique?: boolean;
	restrictedPicklist?: boolean;
	picklistValues?: Array<{ value: string; label: string; active: boolean; defaultValue: boolean }>;
	defaultValue?: unknown;
	referenceTo?: string[];
}

export interface SfObjectDef {
	name: string;
	label: string;
	labelPlural: string;
	keyPrefix: string;
	fields: SfFieldDef[];
}

type FieldSpec = Partial<SfFieldDef> & { name: string; type: string };

function field(spec: FieldSpec): SfFieldDef {
	const long = spec.type === 'textarea' && (spec.length ?? 0) > 255;
	return {
		label: spec.name.replace(/__c$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').replace(/Id$/, 'ID'),
		length: 0,
		nillable: true,
		createable: true,
		updateable: true,
		defaultedOnCreate: false,
		filterable: !long,
		...spec,
	};
}

function picklist(values: string[], defaultValue?: string) {
	return values.map((v) => ({ value: v, label: v, active: true, defaultValue: v === defaultValue }));
}

const SYSTEM: FieldSpec[] = [
	{ name: 'Id', type: 'id', length: 18, nillable: false, createable: false, updateable: false, defaultedOnCreate: true, label: 'Record ID' },
	{ name: 'IsDeleted', type: 'boolean', nillable: false, createable: false, updateable: false, defaultedOnCreate: true, label: 'Deleted' },
	{ name: 'CreatedDate', type: 'datetime', nillable: false, createable: false, updateable: false, defaultedOnCreate: true, label: 'Created Date' },
	{ name: 'LastModifiedDate', type: 'datetime', nillable: false, createable: false, updateable: false, defaultedOnCreate: true, label: 'Last Modified Date' },
	{ name: 'SystemModstamp', type: 'datetime', nillable: false, createable: false, updateable: false, defaultedOnCreate: true, label: 'System Modstamp' },
];

const EXTERNAL_ID: FieldSpec = { name: 'FieldFlow_Id__c', type: 'string', length: 64, externalId: true, unique: true, label: 'FieldFlow ID' };

export const LEAD_STATUSES = ['Open - Not Contacted', 'Working - Contacted', 'Closed - Converted', 'Closed - Not Converted'];
/**
 * The Lead Status values that mean "converted" (LeadStatus.IsConverted = true; "Multiple lead
 * status values can represent a converted lead", LeadStatus in the Object Reference,
 * https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_leadstatus.htm).
 * A lead conversion must name one of them (LeadConvert.setConvertedStatus).
 */
export const CONVERTED_LEAD_STATUSES = ['Closed - Converted'];
/**
 * OpportunityContactRole.Role: the standard picklist ("the name of the role ... such as Business
 * User or Decision Maker"; not restricted: Create, Filter, Group, Sort, Nillable, Update),
 * https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_opportunitycontactrole.htm
 */
export const CONTACT_ROLES = ['Business User', 'Decision Maker', 'Economic Buyer', 'Economic Decision Maker', 'Evaluator', 'Executive Sponsor', 'Influencer', 'Technical Buyer', 'Other'];
export const OPPORTUNITY_STAGES = ['Prospecting', 'Qualification', 'Needs Analysis', 'Proposal/Price Quote', 'Negotiation/Review', 'Closed Won', 'Closed Lost'];

function obj(name: string, label: string, labelPlural: string, keyPrefix: string, specs: FieldSpec[]): SfObjectDef {
	return { name, label, labelPlural, keyPrefix, fields: [...SYSTEM, ...specs].map(field) };
}

export const OBJECTS: Record<string, SfObjectDef> = {
	Lead: obj('Lead', 'Lead', 'Leads', '00Q', [
		{ name: 'FirstName', type: 'string', length: 40, label: 'First Name' },
		{ name: 'LastName', type: 'string', length: 80, nillable: false, label: 'Last Name' },
		{ name: 'Company', type: 'string', length: 255, nillable: false },
		{ name: 'Email', type: 'email', length: 80 },
		{ name: 'Phone', type: 'phone', length: 40 },
		{
			name: 'Status',
			type: 'picklist',
			length: 255,
			nillable: false,
			defaultedOnCreate: true,
			defaultValue: 'Open - Not Contacted',
			restrictedPicklist: true,
			picklistValues: picklist(LEAD_STATUSES, 'Open - Not Contacted'),
			label: 'Lead Status',
		},
		{ name: 'Description', type: 'textarea', length: 32000 },
		{ name: 'Title', type: 'string', length: 128 },
		{ name: 'LeadSource', type: 'picklist', length: 255, picklistValues: picklist(['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other']), label: 'Lead Source' },
		{ name: 'AnnualRevenue', type: 'currency', label: 'Annual Revenue' },
		// Lead conversion, set only by convertLead and read-only through the API (the Lead object,
		// https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_lead.htm;
		// field labels and types from the Field Reference,
		// https://developer.salesforce.com/docs/atlas.en-us.sfFieldRef.meta/sfFieldRef/salesforce_field_reference_Lead.htm;
		// what a conversion sets: Change Events for Lead Conversion,
		// https://developer.salesforce.com/docs/atlas.en-us.change_data_capture.meta/change_data_capture/cdc_standard_objects_lead_conversion.htm).
		{ name: 'IsConverted', type: 'boolean', nillable: false, createable: false, updateable: false, defaultedOnCreate: true, defaultValue: false, label: 'Converted' },
		{ name: 'ConvertedAccountId', type: 'reference', length: 18, referenceTo: ['Account'], createable: false, updateable: false, label: 'Converted Account ID' },
		{ name: 'ConvertedContactId', type: 'reference', length: 18, referenceTo: ['Contact'], createable: false, updateable: false, label: 'Converted Contact ID' },
		{ name: 'ConvertedOpportunityId', type: 'reference', length: 18, referenceTo: ['Opportunity'], createable: false, updateable: false, label: 'Converted Opportunity ID' },
		{ name: 'ConvertedDate', type: 'date', createable: false, updateable: false, label: 'Converted Date' },
		EXTERNAL_ID,
	]),
	Contact: obj('Contact', 'Contact', 'Contacts', '003', [
		{ name: 'FirstName', type: 'string', length: 40, label: 'First Name' },
		{ name: 'LastName', type: 'string', length: 80, nillable: false, label: 'Last Name' },
		{ name: 'Email', type: 'email', length: 80 },
		{ name: 'Phone', type: 'phone', length: 40 },
		{ name: 'AccountId', type: 'reference', length: 18, referenceTo: ['Account'], label: 'Account ID' },
		{ name: 'Description', type: 'textarea', length: 32000 },
		{ name: 'Title', type: 'string', length: 128 },
		EXTERNAL_ID,
	]),
	Account: obj('Account', 'Account', 'Accounts', '001', [
		{ name: 'Name', type: 'string', length: 255, nillable: false, label: 'Account Name' },
		{ name: 'Phone', type: 'phone', length: 40 },
		{ name: 'Website', type: 'url', length: 255 },
		{ name: 'Description', type: 'textarea', length: 32000 },
		{
			name: 'Industry',
			type: 'picklist',
			length: 255,
			picklistValues: picklist(['Agriculture', 'Banking', 'Construction', 'Education', 'Energy', 'Healthcare', 'Manufacturing', 'Retail', 'Technology', 'Other']),
		},
		EXTERNAL_ID,
	]),
	Opportunity: obj('Opportunity', 'Opportunity', 'Opportunities', '006', [
		{ name: 'Name', type: 'string', length: 120, nillable: false },
		{ name: 'StageName', type: 'picklist', length: 255, nillable: false, restrictedPicklist: true, picklistValues: picklist(OPPORTUNITY_STAGES), label: 'Stage' },
		{ name: 'CloseDate', type: 'date', nillable: false, label: 'Close Date' },
		{ name: 'Amount', type: 'currency' },
		{ name: 'AccountId', type: 'reference', length: 18, referenceTo: ['Account'], label: 'Account ID' },
		{ name: 'Description', type: 'textarea', length: 32000 },
		EXTERNAL_ID,
	]),
	/**
	 * The role a Contact plays on an Opportunity. OpportunityId: required, "non-nullable, and it
	 * cannot be updated" (Create, Filter, Group, Sort); ContactId: Create, Filter, Group, Sort,
	 * Update; IsPrimary: defaulted false, "Each Opportunity has only one primary contact"; key
	 * prefix 00K. https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_opportunitycontactrole.htm
	 */
	OpportunityContactRole: obj('OpportunityContactRole', 'Contact Role', 'Contact Roles', '00K', [
		{ name: 'OpportunityId', type: 'reference', length: 18, nillable: false, updateable: false, referenceTo: ['Opportunity'], label: 'Opportunity ID' },
		{ name: 'ContactId', type: 'reference', length: 18, nillable: false, referenceTo: ['Contact'], label: 'Contact ID' },
		{ name: 'Role', type: 'picklist', length: 255, picklistValues: picklist(CONTACT_ROLES) },
		{ name: 'IsPrimary', type: 'boolean', nillable: false, defaultedOnCreate: true, defaultValue: false, label: 'Primary' },
	]),
	Event: obj('Event', 'Event', 'Events', '00U', [
		{ name: 'Subject', type: 'combobox', length: 255 },
		{ name: 'StartDateTime', type: 'datetime', label: 'Start' },
		{ name: 'EndDateTime', type: 'datetime', label: 'End' },
		{ name: 'DurationInMinutes', type: 'int', label: 'Duration' },
		{ name: 'ActivityDateTime', type: 'datetime', label: 'Due Date Time' },
		{ name: 'WhoId', type: 'reference', length: 18, referenceTo: ['Contact', 'Lead'], label: 'Name ID' },
		{ name: 'WhatId', type: 'reference', length: 18, referenceTo: ['Account', 'Opportunity'], label: 'Related To ID' },
		{ name: 'Description', type: 'textarea', length: 32000 },
		{ name: 'Type', type: 'picklist', length: 255, picklistValues: picklist(['Call', 'Email', 'Meeting', 'Other']) },
	]),
	Task: obj('Task', 'Task', 'Tasks', '00T', [
		{ name: 'Subject', type: 'combobox', length: 255 },
		{ name: 'ActivityDate', type: 'date', label: 'Due Date Only' },
		{
			name: 'Status',
			type: 'picklist',
			length: 255,
			nillable: false,
			defaultedOnCreate: true,
			defaultValue: 'Not Started',
			restrictedPicklist: true,
			picklistValues: picklist(['Not Started', 'In Progress', 'Completed', 'Waiting on someone else', 'Deferred'], 'Not Started'),
		},
		{
			name: 'Priority',
			type: 'picklist',
			length: 255,
			nillable: false,
			defaultedOnCreate: true,
			defaultValue: 'Normal',
			picklistValues: picklist(['High', 'Normal', 'Low'], 'Normal'),
		},
		{ name: 'WhoId', type: 'reference', length: 18, referenceTo: ['Contact', 'Lead'], label: 'Name ID' },
		{ name: 'WhatId', type: 'reference', length: 18, referenceTo: ['Account', 'Opportunity'], label: 'Related To ID' },
		{ name: 'Description', type: 'textarea', length: 32000 },
		{ name: 'Type', type: 'picklist', length: 255, picklistValues: picklist(['Call', 'Email', 'Meeting', 'Other']) },
	]),
};

export const PREFIX_TO_OBJECT: Record<string, string> = Object.fromEntries(Object.values(OBJECTS).map((o) => [o.keyPrefix, o.name]));

/** 15-char id → 18-char case-safe id (Salesforce's checksum suffix). */
export function to18(id15: string): string {
	const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
	let suffix = '';
	for (let chunk = 0; chunk < 3; chunk++) {
		let bits = 0;
		for (let i = 0; i < 5; i++) {
			const c = id15[chunk * 5 + i];
			if (c >= 'A' && c <= 'Z') bits |= 1 << i;
		}
		suffix += alphabet[bits];
	}
	return id15 + suffix;
}

/** Salesforce's JSON datetime format: 2024-05-01T10:00:00.000+0000 */
export function sfDateTime(ms: number): string {
	return new Date(ms).toISOString().replace('Z', '+0000');
}
