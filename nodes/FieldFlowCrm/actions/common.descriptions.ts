import type { INodeProperties } from 'n8n-workflow';
import { crmObjects, type CrmName } from '../../shared/crm';
import type { FieldFlowCrmOperation } from './node.type';
import { linkedObjectsProperty } from '../../n8nSide/properties/crm';

/** The id in a record URL: Salesforce Lightning (/lightning/r/<Object>/<id>) or Classic (/<id>), HubSpot (/record/<type>/<id>), Pipedrive (/person|organization|deal|activity/<id>). */
export const CRM_RECORD_URL =
	'(?:/lightning/r/[A-Za-z0-9_]+/|\\.salesforce\\.com/|/record/[0-9-]+/|/(?:person|organization|deal|activity)/)([A-Za-z0-9]{1,18})(?:[/?#]|$)';

/** displayOptions that show a parameter for these operations. */
export const show = (...operation: FieldFlowCrmOperation[]) => ({ show: { operation } });

/**
 * A CRM record: from a list (the object's records page by page, or the CRM's own search by exact
 * email / name / company), by ID, or by the URL of the record in the CRM's web app (Salesforce Lightning or
 * Classic, HubSpot, Pipedrive). Plain IDs and expressions of older workflows keep working.
 */
export const crmIdLocator = (description: string, required: boolean): INodeProperties => ({
	displayName: 'CRM ID',
	name: 'crmId',
	type: 'resourceLocator',
	required,
	default: { mode: 'id', value: '' },
	description,
	modes: [
		{
			displayName: 'From List',
			name: 'list',
			type: 'list',
			placeholder: 'Select a record…',
			typeOptions: { searchListMethod: 'searchRecords', searchable: true, searchFilterRequired: false },
		},
		{ displayName: 'By ID', name: 'id', type: 'string', placeholder: '00Q5g00000ABCDEFGH, 51, or 1234567890' },
		{
			displayName: 'By URL',
			name: 'url',
			type: 'string',
			placeholder: 'https://yourorg.lightning.force.com/lightning/r/Lead/00Q5g00000ABCDEFGH/view',
			extractValue: { type: 'regex', regex: CRM_RECORD_URL },
			validation: [{ type: 'regex', properties: { regex: `.*${CRM_RECORD_URL}.*`, errorMessage: 'Not a Salesforce, HubSpot or Pipedrive record URL' } }],
		},
	],
});

const objectProperty = (crm: CrmName, fallback: string): INodeProperties => ({
	displayName: 'Object',
	name: 'object',
	type: 'options',
	options: crmObjects(crm)
		.map((o) => ({ name: o.label, value: o.name }))
		.sort((a, b) => a.name.localeCompare(b.name)),
	default: fallback,
	description: 'The CRM object to work on. For Log Meeting Activity and Add Note: the object of the record the activity or note links to.',
	displayOptions: { show: { crm: [crm] } },
});

/** The Object parameter, one per CRM (every operation uses it). */
export const objectProperties: INodeProperties[] = [
	objectProperty('salesforce', 'Lead'),
	objectProperty('hubspot', 'contacts'),
	objectProperty('pipedrive', 'persons'),
];

/** Options of the read operations; `extra` (options of that operation alone) goes before Nest Fields. */
export const readOptions = (operation: FieldFlowCrmOperation, extra: INodeProperties[] = []): INodeProperties => ({
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add option',
	default: {},
	displayOptions: show(operation),
	options: [
		{
			displayName: 'Fields to Read Names or IDs',
			name: 'fields',
			type: 'multiOptions',
			typeOptions: { loadOptionsMethod: 'getFields', loadOptionsDependsOn: ['crm', 'object'] },
			default: [],
			description:
				'Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>',
			hint: 'Leave empty to read the fields FieldFlow maps by default',
		},
		...extra,
		linkedObjectsProperty({ hint: 'Each record comes with its linked records\' fields as <object>.<field> (e.g. organizations.name, deals.value) and their ids under members' }),
		{
			displayName: 'Nest Fields',
			name: 'nestFields',
			type: 'boolean',
			default: false,
			description: 'Whether to output the CRM field values under a "fields" key instead of next to ID, object and modifiedAt',
		},
	],
});

/** The record an activity or note links to (Log Meeting Activity and Add Note share it). */
export const linkToIdProperty: INodeProperties = {
	displayName: 'Link To Record ID',
	name: 'linkToId',
	type: 'string',
	required: true,
	default: '',
	description: 'CRM ID of the record (of the chosen object) the activity or note belongs to',
	displayOptions: show('logMeeting', 'addNote'),
};

/**
 * The other records of the prospect's record group the activity or note is linked to as well
 * (Log Meeting Activity and Add Note share it): Look Up Links outputs them as `crmMembers`.
 * Optional, empty by default, so saved workflows keep linking to the one record.
 */
export const linkedRecordIdsProperty: INodeProperties = {
	displayName: 'Linked Record IDs',
	name: 'linkedRecordIds',
	type: 'json',
	default: '{}',
	placeholder: '{"organizations": "12", "deals": "40"}',
	description:
		'The prospect\'s company and deal records to link the activity or note to as well, by object: e.g. {"organizations": "12", "deals": "40"} (Pipedrive), {"companies": "…", "deals": "…"} (HubSpot), {"Account": "…", "Opportunity": "…"} (Salesforce Contacts: Related To is the Opportunity, else the Account; a Lead takes none). Look Up Links outputs them as crmMembers.',
	hint: 'After Look Up Links: the expression $json.crmMembers. Empty ({}) links to the record above alone',
	displayOptions: show('logMeeting', 'addNote'),
};
