import type { INodeProperties } from 'n8n-workflow';
import { crmObjects, type CrmName } from '../../shared/crm';
export { crmProperty } from '../../n8nSide/properties/crm';

/** The id in a record URL: Salesforce Lightning (/lightning/r/<Object>/<id>) or Classic (/<id>), HubSpot (/record/<type>/<id>), Pipedrive (/person|organization|deal|activity/<id>). */
export const CRM_RECORD_URL =
	'(?:/lightning/r/[A-Za-z0-9_]+/|\\.salesforce\\.com/|/record/[0-9-]+/|/(?:person|organization|deal|activity)/)([A-Za-z0-9]{1,18})(?:[/?#]|$)';

export type Operation = 'addNote' | 'delete' | 'findDuplicates' | 'getByIds' | 'getChangedSince' | 'listFields' | 'logMeeting' | 'upsert';

/**
 * A CRM record: from a list (the object's records page by page, or the CRM's own search by exact
 * email / name / company), by ID, or by the URL of the record in the CRM's web app (Salesforce Lightning or
 * Classic, HubSpot, Pipedrive). Plain IDs and expressions of older workflows keep working.
 */
const crmIdLocator = (description: string, required: boolean): INodeProperties => ({
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

export const operationProperty: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	options: [
		{
			name: 'Add Note',
			value: 'addNote',
			description: 'Attach a meeting summary as a note to a record (idempotent per summary)',
			action: 'Add a note to a record',
		},
		{
			name: 'Create or Update',
			value: 'upsert',
			description: 'Create a new record, or update the current one if it already exists (upsert)',
			action: 'Create or update records',
		},
		{ name: 'Delete', value: 'delete', description: 'Delete records by CRM ID, in batches', action: 'Delete records' },
		{
			name: 'Find Duplicates',
			value: 'findDuplicates',
			description: 'Look for existing records with the same email, company or name before creating',
			action: 'Find duplicate records',
		},
		{ name: 'Get by IDs', value: 'getByIds', description: 'Read records by their CRM IDs', action: 'Get records by ID' },
		{
			name: 'Get Changed Since',
			value: 'getChangedSince',
			description: 'Every record created, updated (or deleted) since a time, page by page to the end',
			action: 'Get records changed since a time',
		},
		{
			name: 'List Fields',
			value: 'listFields',
			description: 'The fields of the object, as the CRM describes them (for mappings)',
			action: 'List the fields of an object',
		},
		{
			name: 'Log Meeting Activity',
			value: 'logMeeting',
			description: 'Log a FieldFlow meeting as a CRM activity linked to a record (idempotent per meeting)',
			action: 'Log a meeting activity',
		},
	],
	default: 'upsert',
};

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

export const objectProperties: INodeProperties[] = [
	objectProperty('salesforce', 'Lead'),
	objectProperty('hubspot', 'contacts'),
	objectProperty('pipedrive', 'persons'),
];

const show = (...operation: Operation[]) => ({ show: { operation } });

const readOptions = (operation: Operation): INodeProperties => ({
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
		...(operation === 'getChangedSince'
			? [
					{
						displayName: 'Include Deleted',
						name: 'includeDeleted',
						type: 'boolean' as const,
						default: false,
						description: 'Whether to include records deleted or archived in the CRM (flagged with deleted: true)',
					},
					{
						displayName: 'Until',
						name: 'until',
						type: 'dateTime' as const,
						default: '',
						description:
							"Leave out records changed at or after this time (e.g. the run's start: the next run reads them). When Since is at or after Until, nothing is read and no API call is made. Empty = no end.",
					},
				]
			: []),
		{
			displayName: 'Nest Fields',
			name: 'nestFields',
			type: 'boolean',
			default: false,
			description: 'Whether to output the CRM field values under a "fields" key instead of next to ID, object and modifiedAt',
		},
	],
});

export const fieldProperties: INodeProperties[] = [
	// ------------------------------------------------------------ get changed since
	{
		displayName: 'Since',
		name: 'since',
		type: 'dateTime',
		default: '',
		description: 'Records changed after this time. Leave empty to read every record.',
		displayOptions: show('getChangedSince'),
	},
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: true,
		description: 'Whether to return all results or only up to a given limit',
		displayOptions: show('getChangedSince'),
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Max number of results to return',
		displayOptions: { show: { operation: ['getChangedSince'], returnAll: [false] } },
	},
	readOptions('getChangedSince'),

	// ------------------------------------------------------------ get by ids
	{
		displayName: 'CRM IDs',
		name: 'ids',
		type: 'string',
		required: true,
		default: '',
		placeholder: '00Q5g00000ABCDEFGH, 00Q5g00000IJKLMNOP',
		description: 'Comma-separated CRM record IDs, or an expression that returns an array of IDs',
		displayOptions: show('getByIds'),
	},
	readOptions('getByIds'),

	// ------------------------------------------------------------ upsert
	{
		displayName: 'Fields to Send',
		name: 'fieldsToSend',
		type: 'options',
		options: [
			{
				name: 'Auto-Map Input Data to Fields',
				value: 'autoMapInputData',
				description: 'Send every field of the input item; its keys must be CRM field names',
			},
			{ name: 'Define Below for Each Field', value: 'defineBelow', description: 'Pick the CRM fields and set their values' },
		],
		default: 'autoMapInputData',
		displayOptions: show('upsert'),
	},
	{
		displayName: 'Input Fields to Ignore',
		name: 'inputsToIgnore',
		type: 'string',
		default: '',
		placeholder: 'e.g. ID, fieldflow_id',
		description: 'Comma-separated input fields that are not sent to the CRM',
		displayOptions: { show: { operation: ['upsert'], fieldsToSend: ['autoMapInputData'] } },
	},
	{
		displayName: 'Fields',
		name: 'fieldValues',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		placeholder: 'Add field',
		default: {},
		displayOptions: { show: { operation: ['upsert'], fieldsToSend: ['defineBelow'] } },
		options: [
			{
				displayName: 'Field',
				name: 'values',
				values: [
					{
						displayName: 'Field Name or ID',
						name: 'fieldId',
						type: 'options',
						typeOptions: { loadOptionsMethod: 'getWritableFields', loadOptionsDependsOn: ['crm', 'object'] },
						default: '',
						description:
							'Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>',
					},
					{ displayName: 'Field Value', name: 'fieldValue', type: 'string', default: '' },
				],
			},
		],
	},
	{
		...crmIdLocator('The record to update. Leave empty to create a record (or to match it by Upsert By); sync items from the Conflict Resolver carry their own.', false),
		displayOptions: show('upsert'),
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		displayOptions: show('upsert'),
		options: [
			{
				displayName: 'Upsert By',
				name: 'idProperty',
				type: 'string',
				default: '',
				placeholder: 'email',
				description:
					'Unique field that matches existing records when no CRM ID is given: a Salesforce external ID field, a HubSpot unique property (e.g. email), or Pipedrive email (persons) / name (organizations)',
			},
		],
	},

	// ------------------------------------------------------------ delete
	{
		...crmIdLocator('The record to delete', true),
		displayOptions: show('delete'),
	},

	// ------------------------------------------------------------ log meeting / add note
	{
		displayName: 'Link To Record ID',
		name: 'linkToId',
		type: 'string',
		required: true,
		default: '',
		description: 'CRM ID of the record (of the chosen object) the activity or note belongs to',
		displayOptions: show('logMeeting', 'addNote'),
	},
	{
		displayName: 'FieldFlow Meeting ID',
		name: 'meetingId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'mt_000123',
		description: 'Logging the same meeting again updates its activity instead of adding a second one',
		displayOptions: show('logMeeting'),
	},
	{
		displayName: 'Subject',
		name: 'subject',
		type: 'string',
		required: true,
		default: '',
		displayOptions: show('logMeeting'),
	},
	{
		displayName: 'Start Time',
		name: 'startTime',
		type: 'dateTime',
		required: true,
		default: '',
		displayOptions: show('logMeeting'),
	},
	{
		displayName: 'Duration (Minutes)',
		name: 'durationMinutes',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 1440 },
		default: 30,
		displayOptions: show('logMeeting'),
	},
	{
		displayName: 'Additional Fields',
		name: 'additionalFields',
		type: 'collection',
		placeholder: 'Add field',
		default: {},
		displayOptions: show('logMeeting'),
		options: [
			{ displayName: 'Existing Activity ID', name: 'existingId', type: 'string', default: '', description: 'CRM activity ID from a previous sync, when known' },
			{ displayName: 'Notes', name: 'notes', type: 'string', typeOptions: { rows: 3 }, default: '' },
			{ displayName: 'Outcome', name: 'outcome', type: 'string', default: '', placeholder: 'completed' },
		],
	},
	{
		displayName: 'FieldFlow Summary ID',
		name: 'summaryId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'ms_000123',
		description: 'Adding the same summary again updates its note instead of adding a second one',
		displayOptions: show('addNote'),
	},
	{
		displayName: 'Note',
		name: 'body',
		type: 'string',
		typeOptions: { rows: 4 },
		required: true,
		default: '',
		displayOptions: show('addNote'),
	},
	{
		displayName: 'Additional Fields',
		name: 'additionalFields',
		type: 'collection',
		placeholder: 'Add field',
		default: {},
		displayOptions: show('addNote'),
		options: [{ displayName: 'Existing Note ID', name: 'existingId', type: 'string', default: '', description: 'CRM note ID from a previous sync, when known' }],
	},

	// ------------------------------------------------------------ find duplicates
	{
		displayName: 'Email',
		name: 'email',
		type: 'string',
		placeholder: 'name@email.com',
		default: '',
		description: 'Match records with this email (people objects)',
		displayOptions: show('findDuplicates'),
	},
	{
		displayName: 'Company',
		name: 'company',
		type: 'string',
		default: '',
		description: 'Match records with this company name',
		displayOptions: show('findDuplicates'),
	},
	{
		displayName: 'Name',
		name: 'name',
		type: 'string',
		default: '',
		description: 'Match records with this full name',
		displayOptions: show('findDuplicates'),
	},

	// ------------------------------------------------------------ list fields
	{
		displayName: 'Writable Fields Only',
		name: 'writableOnly',
		type: 'boolean',
		default: false,
		description: 'Whether to leave out read-only fields',
		displayOptions: show('listFields'),
	},
];
