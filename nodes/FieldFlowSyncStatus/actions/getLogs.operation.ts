import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import type { LogEntry } from '../../shared/sync/types';
import { show } from './common.descriptions';
import { toIso } from './common';
import type { SyncStatusContext } from './node.type';

const statusOptions = [
	{ name: 'Conflict', value: 'conflict' },
	{ name: 'Error', value: 'error' },
	{ name: 'Skipped', value: 'skipped' },
	{ name: 'Success', value: 'success' },
];

export const description: INodeProperties[] = [
	{
		displayName: 'Filters',
		name: 'logFilters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		displayOptions: show('getLogs'),
		options: [
			{ displayName: 'From', name: 'from', type: 'dateTime', default: '', description: 'Entries at or after this time' },
			{ displayName: 'Prospect ID', name: 'fieldflowId', type: 'string', default: '', description: 'Only entries of this FieldFlow record' },
			{ displayName: 'Record Type', name: 'recordType', type: 'string', default: '', placeholder: 'Lead', description: 'Only this CRM object (comma-separated for several)' },
			{ displayName: 'Status', name: 'status', type: 'multiOptions', options: statusOptions, default: [], description: 'Only entries with these statuses' },
			{ displayName: 'To', name: 'to', type: 'dateTime', default: '', description: 'Entries at or before this time (a bare date means the end of that day, UTC)' },
		],
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Max number of results to return',
		displayOptions: show('getLogs'),
	},
	{
		displayName: 'Offset',
		name: 'offset',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 0,
		description: 'Entries to skip (newest first), for paging',
		displayOptions: show('getLogs'),
	},
];

/** Get Logs: one item per log entry (newest first) matching the filters, each with the total. */
export async function execute(this: IExecuteFunctions, { store, crm }: SyncStatusContext): Promise<INodeExecutionData[]> {
	const f = this.getNodeParameter('logFilters', 0, {}) as IDataObject;
	const recordTypes = String(f.recordType ?? '')
		.split(',')
		.map((s) => s.trim())
		.filter(Boolean);
	const status = (Array.isArray(f.status) ? f.status : f.status ? [f.status] : []) as Array<LogEntry['status']>;
	const page = await store.queryLogs({
		crm,
		from: f.from ? toIso.call(this, f.from, 'From') : undefined,
		to: f.to ? (/^\d{4}-\d{2}-\d{2}$/.test(String(f.to)) ? String(f.to) : toIso.call(this, f.to, 'To')) : undefined,
		recordType: recordTypes.length ? recordTypes : undefined,
		status: status.length ? status : undefined,
		fieldflowId: f.fieldflowId ? String(f.fieldflowId) : undefined,
		limit: this.getNodeParameter('limit', 0, 50) as number,
		offset: this.getNodeParameter('offset', 0, 0) as number,
	});
	return page.entries.map((e) => ({ json: { ...e, total: page.total } as unknown as IDataObject, pairedItem: { item: 0 } }));
}
