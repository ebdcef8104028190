import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import type { CrmAdapter } from '../../shared/crm/types';
import { show } from './common.descriptions';
import { forEachItem, linkedRecordIds, required, str, toIso, writeJson } from './common';
import type { CrmContext } from './node.type';

/** Link To Record ID and Linked Record IDs (shared with Add Note) come before these: see common.descriptions.ts. */
export const description: INodeProperties[] = [
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
];

/** Each item's meeting as a CRM activity linked to a record; the same meeting again updates its activity. */
export async function execute(this: IExecuteFunctions, context: CrmContext): Promise<INodeExecutionData[]> {
	return forEachItem.call(this, context, logMeeting);
}

async function logMeeting(this: IExecuteFunctions, adapter: CrmAdapter, i: number): Promise<IDataObject[]> {
	const object = this.getNodeParameter('object', i) as string;
	const extra = this.getNodeParameter('additionalFields', i, {}) as IDataObject;
	const result = await adapter.logMeeting({
		meetingId: required.call(this, 'meetingId', i),
		subject: required.call(this, 'subject', i),
		startTime: toIso.call(this, required.call(this, 'startTime', i), i),
		durationMinutes: Number(this.getNodeParameter('durationMinutes', i, 30)),
		notes: str(extra.notes),
		outcome: str(extra.outcome),
		existingId: str(extra.existingId),
		linkTo: { object, id: required.call(this, 'linkToId', i) },
		members: linkedRecordIds.call(this, i),
	});
	return [writeJson(result)];
}
