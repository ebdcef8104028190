import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import type { CrmAdapter } from '../../shared/crm/types';
import { show } from './common.descriptions';
import { forEachItem, linkedRecordIds, required, str, writeJson } from './common';
import type { CrmContext } from './node.type';

/** Link To Record ID and Linked Record IDs (shared with Log Meeting Activity) come before these: see common.descriptions.ts. */
export const description: INodeProperties[] = [
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
];

/** Each item's meeting summary as a note on a record; the same summary again updates its note. */
export async function execute(this: IExecuteFunctions, context: CrmContext): Promise<INodeExecutionData[]> {
	return forEachItem.call(this, context, addNote);
}

async function addNote(this: IExecuteFunctions, adapter: CrmAdapter, i: number): Promise<IDataObject[]> {
	const object = this.getNodeParameter('object', i) as string;
	const extra = this.getNodeParameter('additionalFields', i, {}) as IDataObject;
	const result = await adapter.addNote({
		summaryId: required.call(this, 'summaryId', i),
		body: required.call(this, 'body', i),
		existingId: str(extra.existingId),
		linkTo: { object, id: required.call(this, 'linkToId', i) },
		members: linkedRecordIds.call(this, i),
	});
	return [writeJson(result)];
}
