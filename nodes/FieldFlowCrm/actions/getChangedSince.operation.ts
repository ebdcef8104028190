import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import type { CrmAdapter } from '../../shared/crm/types';
import { readOptions, show } from './common.descriptions';
import { fieldsToRead, forEachItem, groupOfItem, recordJson, toIso } from './common';
import { listGroupChanges } from '../../shared/crm/group';
import type { CrmContext } from './node.type';

export const description: INodeProperties[] = [
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
	readOptions('getChangedSince', [
		{
			displayName: 'Include Deleted',
			name: 'includeDeleted',
			type: 'boolean',
			default: false,
			description: 'Whether to include records deleted or archived in the CRM (flagged with deleted: true)',
		},
		{
			displayName: 'Until',
			name: 'until',
			type: 'dateTime',
			default: '',
			description:
				"Leave out records changed at or after this time (e.g. the run's start: the next run reads them). When Since is at or after Until, nothing is read and no API call is made. Empty = no end.",
		},
	]),
];

/** Every record of the object changed since a time, page by page to the end (or the limit), for each item. */
export async function execute(this: IExecuteFunctions, context: CrmContext): Promise<INodeExecutionData[]> {
	return forEachItem.call(this, context, changedSince);
}

async function changedSince(this: IExecuteFunctions, adapter: CrmAdapter, i: number): Promise<IDataObject[]> {
	const object = this.getNodeParameter('object', i) as string;
	const options = this.getNodeParameter('options', i, {}) as IDataObject;
	const sinceRaw = String(this.getNodeParameter('since', i, '') ?? '').trim();
	const since = sinceRaw ? toIso.call(this, sinceRaw, i) : undefined;
	const returnAll = this.getNodeParameter('returnAll', i, true) as boolean;
	const max = returnAll ? Infinity : (this.getNodeParameter('limit', i, 50) as number);
	const fields = fieldsToRead(options);
	const until = String(options.until ?? '').trim() ? Date.parse(toIso.call(this, String(options.until), i)) : undefined;
	// An empty window (Since at or after Until): nothing to read, no call.
	if (until !== undefined && since && Date.parse(since) >= until) return [];
	const includeDeleted = options.includeDeleted === true;
	const out: IDataObject[] = [];
	const group = groupOfItem.call(this, adapter.crm, object, options);
	// A record group: each person with its organization and deal; a change of any of them counts.
	const feed = group ? listGroupChanges(adapter, group, since) : adapter.listChangedSince(object, since, { includeDeleted, fields });
	read: for await (const page of feed) {
		for (const r of page.records) {
			if (out.length >= max) break read;
			// Changed at or after Until: the next run reads it. The live feed comes oldest change
			// first, so the rest is newer too: stop reading (with deletions, which can follow the
			// live feed, only skip; a deletion has no reliable time and is kept).
			if (until !== undefined && !r.deleted && Date.parse(r.modifiedAt) >= until) {
				if (includeDeleted) continue;
				break read;
			}
			out.push(recordJson(r, options.nestFields === true));
		}
	}
	return out;
}
