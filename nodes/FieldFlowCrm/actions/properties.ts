import type { INodeProperties } from 'n8n-workflow';
import { crmAuthenticationProperty, crmProperty } from '../../n8nSide/properties/crm';
import { linkedRecordIdsProperty, linkToIdProperty, objectProperties } from './common.descriptions';
import * as addNote from './addNote.operation';
import * as deleteRecords from './delete.operation';
import * as findDuplicates from './findDuplicates.operation';
import * as getByIds from './getByIds.operation';
import * as getChangedSince from './getChangedSince.operation';
import * as listFields from './listFields.operation';
import * as logMeeting from './logMeeting.operation';
import * as upsert from './upsert.operation';

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

/** The node's parameters: CRM, Operation, Object, then each operation's own (in the order saved workflows and the panel have them). */
export const properties: INodeProperties[] = [
	crmProperty,
	crmAuthenticationProperty,
	operationProperty,
	...objectProperties,
	...getChangedSince.description,
	...getByIds.description,
	...upsert.description,
	...deleteRecords.description,
	linkToIdProperty,
	linkedRecordIdsProperty,
	...logMeeting.description,
	...addNote.description,
	...findDuplicates.description,
	...listFields.description,
];
