import type { INodeProperties } from 'n8n-workflow';
import { prospectStatusOptions } from '../../n8nSide/properties/mapping';

/** n8n resource value → FieldFlow API resource path. */
export const RESOURCE_PATHS = {
	prospect: 'prospects',
	meeting: 'meetings',
	meetingSummary: 'meeting-summaries',
} as const;

export type ResourceKey = keyof typeof RESOURCE_PATHS;

export const resourceProperty: INodeProperties = {
	displayName: 'Resource',
	name: 'resource',
	type: 'options',
	noDataExpression: true,
	options: [
		{ name: 'Meeting', value: 'meeting' },
		{ name: 'Meeting Summary', value: 'meetingSummary' },
		{ name: 'Prospect', value: 'prospect' },
	],
	default: 'prospect',
};

const readOperations = (label: string, plural = `${label}s`) => [
	{ name: 'Get', value: 'get', description: `Get a ${label} by ID`, action: `Get a ${label}` },
	{
		name: 'Get Changed Since',
		value: 'getChangedSince',
		description: `Get every ${label} created, updated (or deleted) since a time, page by page to the end`,
		action: `Get ${plural} changed since a time`,
	},
	{ name: 'Get Many', value: 'getMany', description: `Get many ${plural}`, action: `Get many ${plural}` },
];

const writeOperations = (label: string) => [
	{ name: 'Create', value: 'create', description: `Create a ${label}`, action: `Create a ${label}` },
	{ name: 'Delete', value: 'delete', description: `Delete a ${label}`, action: `Delete a ${label}` },
	{ name: 'Update', value: 'update', description: `Update a ${label}`, action: `Update a ${label}` },
];

function sortByName<T extends { name: string }>(options: T[]): T[] {
	return [...options].sort((a, b) => a.name.localeCompare(b.name));
}

export const operationProperties: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['prospect'] } },
		options: sortByName([
			...readOperations('prospect'),
			...writeOperations('prospect'),
			{
				name: 'Create or Update',
				value: 'upsert',
				description: 'Create a new record, or update the current one if it already exists (upsert)',
				action: 'Upsert prospects from sync items',
			},
		]),
		default: 'getChangedSince',
	},
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['meeting'] } },
		options: sortByName([...readOperations('meeting'), ...writeOperations('meeting')]),
		default: 'getChangedSince',
	},
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['meetingSummary'] } },
		options: readOperations('meeting summary', 'meeting summaries'),
		default: 'getChangedSince',
	},
];

const SEARCH_METHODS: Record<ResourceKey, string> = {
	prospect: 'searchProspects',
	meeting: 'searchMeetings',
	meetingSummary: 'searchMeetingSummaries',
};

/** Where FieldFlow's web app shows a record: used by the "By URL" mode. */
export const APP_URL = 'https://app.fieldflow.app';

const idProperty = (resource: ResourceKey, label: string, prefix: string): INodeProperties => ({
	displayName: label,
	name: 'id',
	type: 'resourceLocator',
	required: true,
	default: { mode: 'list', value: '' },
	description: `The ${label.toLowerCase()} to work on`,
	displayOptions: { show: { resource: [resource], operation: ['get', 'update', 'delete'] } },
	modes: [
		{
			displayName: 'From List',
			name: 'list',
			type: 'list',
			placeholder: `Select a ${label.toLowerCase()}...`,
			typeOptions: { searchListMethod: SEARCH_METHODS[resource], searchable: true },
		},
		{
			displayName: 'By ID',
			name: 'id',
			type: 'string',
			placeholder: `${prefix}_000123`,
			validation: [{ type: 'regex', properties: { regex: `^${prefix}_[A-Za-z0-9]+$`, errorMessage: `Not a ${label.toLowerCase()} ID (they look like ${prefix}_000123)` } }],
		},
		{
			displayName: 'By URL',
			name: 'url',
			type: 'string',
			placeholder: `${APP_URL}/${RESOURCE_PATHS[resource]}/${prefix}_000123`,
			extractValue: { type: 'regex', regex: `https?://[^/]+/${RESOURCE_PATHS[resource]}/(${prefix}_[A-Za-z0-9]+)` },
			validation: [{ type: 'regex', properties: { regex: `https?://[^/]+/${RESOURCE_PATHS[resource]}/${prefix}_[A-Za-z0-9]+.*`, errorMessage: `Not a FieldFlow ${label.toLowerCase()} URL` } }],
		},
	],
});

const prospectFields: INodeProperties[] = [
	{ displayName: 'Company Name', name: 'company_name', type: 'string', default: '' },
	{ displayName: 'Contact Name', name: 'contact_name', type: 'string', default: '' },
	{
		displayName: 'Custom Fields (JSON)',
		name: 'custom_fields',
		type: 'json',
		default: '{}',
		description: 'Object of custom field values, e.g. {"industry": "Dental"}',
	},
	{ displayName: 'Email', name: 'email', type: 'string', placeholder: 'name@email.com', default: '' },
	{ displayName: 'Estimated Value', name: 'estimated_value', type: 'number', default: 0 },
	{ displayName: 'Notes', name: 'notes', type: 'string', typeOptions: { rows: 3 }, default: '' },
	{ displayName: 'Owner Email', name: 'owner_email', type: 'string', placeholder: 'name@email.com', default: '' },
	{ displayName: 'Phone', name: 'phone', type: 'string', default: '' },
	{
		displayName: 'Status',
		name: 'status',
		type: 'options',
		options: prospectStatusOptions,
		default: 'new',
	},
];

const meetingFields: INodeProperties[] = [
	{ displayName: 'Completed At', name: 'completed_at', type: 'dateTime', default: '' },
	{ displayName: 'Duration (Minutes)', name: 'duration_minutes', type: 'number', typeOptions: { minValue: 1, maxValue: 1440 }, default: 30 },
	{ displayName: 'Location', name: 'location', type: 'string', default: '' },
	{ displayName: 'Notes', name: 'notes', type: 'string', typeOptions: { rows: 3 }, default: '' },
	{ displayName: 'Outcome', name: 'outcome', type: 'string', default: '' },
	{ displayName: 'Prospect ID', name: 'prospect_id', type: 'string', default: '' },
	{ displayName: 'Start Time', name: 'start_time', type: 'dateTime', default: '' },
	{
		displayName: 'Status',
		name: 'status',
		type: 'options',
		options: [
			{ name: 'Cancelled', value: 'cancelled' },
			{ name: 'Completed', value: 'completed' },
			{ name: 'Scheduled', value: 'scheduled' },
		],
		default: 'scheduled',
	},
	{ displayName: 'Title', name: 'title', type: 'string', default: '' },
];

const fieldsCollection = (resource: ResourceKey, operation: 'create' | 'update', fields: INodeProperties[]): INodeProperties => ({
	displayName: operation === 'create' ? 'Fields' : 'Update Fields',
	name: 'fields',
	type: 'collection',
	placeholder: 'Add Field',
	default: {},
	displayOptions: { show: { resource: [resource], operation: [operation] } },
	options: fields,
});

const listProperties = (resource: ResourceKey): INodeProperties[] => [
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
		displayOptions: { show: { resource: [resource], operation: ['getMany'] } },
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Max number of results to return',
		displayOptions: { show: { resource: [resource], operation: ['getMany'], returnAll: [false] } },
	},
	{
		displayName: 'Since',
		name: 'since',
		type: 'dateTime',
		required: true,
		default: '',
		description:
			'Return records created, updated or deleted at or after this time. Use an expression such as {{ $now.minus({hours: 1}) }}, or the FieldFlow Trigger to keep the position for you.',
		displayOptions: { show: { resource: [resource], operation: ['getChangedSince'] } },
	},
];

const filterOptions: Record<ResourceKey, INodeProperties[]> = {
	prospect: [
		{ displayName: 'Email', name: 'email', type: 'string', placeholder: 'name@email.com', default: '', description: 'Only the prospect with this email (exact, case-insensitive)' },
	],
	meeting: [
		{ displayName: 'Prospect ID', name: 'prospect_id', type: 'string', default: '', description: 'Only meetings of this prospect' },
		{
			displayName: 'Status',
			name: 'status',
			type: 'options',
			options: [
				{ name: 'Cancelled', value: 'cancelled' },
				{ name: 'Completed', value: 'completed' },
				{ name: 'Scheduled', value: 'scheduled' },
			],
			default: 'completed',
			description: 'Only meetings with this status',
		},
	],
	meetingSummary: [
		{ displayName: 'Meeting ID', name: 'meeting_id', type: 'string', default: '', description: 'Only summaries of this meeting' },
		{ displayName: 'Prospect ID', name: 'prospect_id', type: 'string', default: '', description: 'Only summaries of this prospect' },
	],
};

/** Get Changed Since one page at a time (the bulk sync's paged runs: one page per sub-execution). */
export const pageOptions: INodeProperties[] = [
	{
		displayName: 'Page Size',
		name: 'pageSize',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 0,
		description: 'Max number of records to return in this execution (0 = all). With Continue After, the bulk sync reads one page per sub-execution, so memory stays flat however many records there are.',
		displayOptions: { show: { '/operation': ['getChangedSince'] } },
	},
	{
		displayName: 'Continue After',
		name: 'continueAfter',
		type: 'string',
		default: '',
		placeholder: '2026-11-24T09:30:00.000Z|pr_000123',
		description: 'Resume after this record: "&lt;updated_at&gt;|&lt;ID&gt;" of the last record of the previous page. Empty = start at Since.',
		displayOptions: { show: { '/operation': ['getChangedSince'] } },
	},
	{
		displayName: 'Until',
		name: 'until',
		type: 'dateTime',
		default: '',
		description: 'Leave out records changed at or after this time (e.g. the run\'s start: the next run reads them). Empty = no end.',
		displayOptions: { show: { '/operation': ['getChangedSince'] } },
	},
];

const optionsCollection = (resource: ResourceKey): INodeProperties => ({
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	displayOptions: { show: { resource: [resource], operation: ['getMany', 'getChangedSince'] } },
	options: [
		...filterOptions[resource],
		{
			displayName: 'Include Deleted',
			name: 'includeDeleted',
			type: 'boolean' as const,
			default: false,
			description: 'Whether to include deleted records (they carry a deleted_at time) so deletions can be synced',
		},
		...pageOptions,
	].sort((a, b) => a.displayName.localeCompare(b.displayName)),
});

/** Prospect → Upsert: the sync write path (items from the Conflict Resolver's To FieldFlow output, or Retry). */
const upsertProperties: INodeProperties[] = [
	{
		displayName:
			'For sync items (the Conflict Resolver\'s "To FieldFlow" output, Sync Status "Retry Errors"), 100 per call. Writes each input item\'s fields (all keys except <code>_sync</code> and the outcome keys of earlier writes). For sync workflows, turn on Settings → On Error → Continue so failed records reach FieldFlow Sync Status "Record Results" and are queued for Retry instead of stopping the run.',
		name: 'upsertNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { resource: ['prospect'], operation: ['upsert'] } },
	},
	{
		displayName: 'Prospect ID',
		name: 'upsertId',
		type: 'string',
		default: '',
		placeholder: 'pr_000123',
		description:
			'FieldFlow ID to update. Leave empty to use the sync item\'s FieldFlow ID (<code>_sync.fieldflowId</code> of a "To FieldFlow" item); with neither, the prospect is created. The sync action deleteInFieldflow deletes the prospect.',
		hint: 'Continue on Fail recommended: failed items are output with error, errorKind and hint so Sync Status can queue them',
		displayOptions: { show: { resource: ['prospect'], operation: ['upsert'] } },
	},
];

export const fieldProperties: INodeProperties[] = [
	...upsertProperties,
	idProperty('prospect', 'Prospect', 'pr'),
	idProperty('meeting', 'Meeting', 'mt'),
	{ ...idProperty('meetingSummary', 'Meeting Summary', 'ms'), displayOptions: { show: { resource: ['meetingSummary'], operation: ['get'] } } },
	fieldsCollection('prospect', 'create', prospectFields),
	fieldsCollection('prospect', 'update', prospectFields),
	fieldsCollection('meeting', 'create', meetingFields),
	fieldsCollection('meeting', 'update', meetingFields),
	...listProperties('prospect'),
	...listProperties('meeting'),
	...listProperties('meetingSummary'),
	optionsCollection('prospect'),
	optionsCollection('meeting'),
	optionsCollection('meetingSummary'),
];
