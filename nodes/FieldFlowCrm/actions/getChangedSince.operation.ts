import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import type { CrmAdapter, ListOptions } from '../../shared/crm/types';
import type { GroupReadOptions, GroupSpec } from '../../shared/crm/group';
import { formatPosition, parsePosition, type FeedPosition } from '../../shared/keyset';
import { readOptions, show } from './common.descriptions';
import { fieldsToRead, forEachItem, groupOfItem, recordJson, toIso } from './common';
import { listGroupChanges } from '../../shared/crm/group';
import type { CrmContext } from './node.type';
import { getSyncStore, storeProperties } from '../../n8nSide/store';

/** Shown for Get Changed Since with "Use Sync Store Links" on. */
const withStoreLookup = (p: INodeProperties): INodeProperties => ({
	...p,
	displayOptions: { ...p.displayOptions, show: { ...(p.displayOptions?.show ?? {}), operation: ['getChangedSince'], ownersFromStore: [true] } },
});

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
	{
		displayName: 'Use Sync Store Links',
		name: 'ownersFromStore',
		type: 'boolean',
		default: false,
		description:
			"Whether to use the sync store's links with Linked Records: each record's linked deal is read by its ID (fewer calls, and a second deal of the person is never taken for it), and the prospects of companies and deals deleted in the CRM are found (HubSpot removes an archived record's associations, so only the links still say whose it was; the Conflict Resolver's When a Linked Company or Deal Is Deleted then applies in this run). Use the Sync Store of the other sync nodes.",
		displayOptions: show('getChangedSince'),
	},
	...storeProperties.map(withStoreLookup),
	readOptions('getChangedSince', [
		{
			displayName: 'Include Deleted',
			name: 'includeDeleted',
			type: 'boolean',
			default: false,
			description: 'Whether to include records deleted or archived in the CRM (flagged with deleted: true)',
		},
		{
			displayName: 'Page Size',
			name: 'pageSize',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: 0,
			description:
				'Max number of records to return in this execution (0 = all), in modification time then ID order. With Continue After, a bulk sync reads one page per sub-execution, so memory stays flat however many records there are. With Linked Records a page counts primary records (each with its linked records).',
		},
		{
			displayName: 'Continue After',
			name: 'continueAfter',
			type: 'string',
			default: '',
			placeholder: '2026-11-24T09:30:00.000Z|00Q5g00000AbCdEFGH',
			description:
				'Resume strictly after this record: the feedPosition ("&lt;modifiedAt&gt;|&lt;ID&gt;") of the last record of the previous page (each record of a page carries it). Empty = start at Since.',
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
	const untilIso = String(options.until ?? '').trim() ? toIso.call(this, String(options.until), i) : undefined;
	const until = untilIso ? Date.parse(untilIso) : undefined;
	// An empty window (Since at or after Until): nothing to read, no call.
	if (until !== undefined && since && Date.parse(since) >= until) return [];
	const includeDeleted = options.includeDeleted === true;
	const group = groupOfItem.call(this, adapter.crm, object, options);
	const owners = group ? await storeLinks.call(this, adapter.crm, object, i) : {};
	const page = pageWindow.call(this, options, i);
	if (page) return keysetPage(adapter, object, since, { includeDeleted, fields, after: page.after, limit: page.size, until: untilIso, ...owners }, group, Math.min(max, page.size ?? Infinity), options.nestFields === true);
	const out: IDataObject[] = [];
	// A record group: each person with its organization and deal; a change of any of them counts.
	const feed = group ? listGroupChanges(adapter, group, since, owners) : adapter.listChangedSince(object, since, { includeDeleted, fields });
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

/**
 * "Use Sync Store Links": the members each primary's link names (read by id),
 * and the primaries whose links name deleted companies or deals (listGroupChanges' linksOf and
 * ownersOfDeleted), from the store the other sync nodes use.
 */
async function storeLinks(this: IExecuteFunctions, crm: CrmAdapter['crm'], object: string, i: number): Promise<StoreLinks> {
	if (!this.getNodeParameter('ownersFromStore', i, false)) return {};
	const store = await getSyncStore.call(this, i);
	return {
		ownersOfDeleted: async (memberObject, ids) => (await store.getLinksByMember(crm, object, memberObject, ids)).map((l) => l.crmId).filter((id): id is string => !!id),
		linksOf: async (ids) => new Map((await store.getLinks(crm, object, { crmIds: ids })).filter((l) => l.crmId && l.members).map((l) => [l.crmId!, l.members!])),
	};
}

/** What a group read asks the sync store (with "Use Sync Store Links"). */
type StoreLinks = Pick<GroupReadOptions, 'ownersOfDeleted' | 'linksOf'>;

/**
 * Page Size / Continue After: one page of a paged read (undefined: read to the end). The position
 * is the same "<time>|<id>" keyset as the FieldFlow node's Continue After (shared/keyset.ts).
 */
function pageWindow(this: IExecuteFunctions, options: IDataObject, i: number): { size?: number; after?: FeedPosition } | undefined {
	const size = Number(options.pageSize ?? 0);
	if (!Number.isInteger(size) || size < 0) {
		throw new NodeOperationError(this.getNode(), `Page Size "${String(options.pageSize)}" is not a whole number`, { itemIndex: i, description: 'Use 0 for every record, or the number of records per page (e.g. 2000)' });
	}
	const raw = String(options.continueAfter ?? '').trim();
	const after = raw ? parsePosition(raw) : undefined;
	if (raw && !after) {
		throw new NodeOperationError(this.getNode(), `Continue After "${raw}" is not "<modifiedAt>|<id>"`, {
			itemIndex: i,
			description: 'Use the feedPosition of the last record of the previous page, e.g. 2026-11-24T09:30:00.000Z|12345, or leave it empty to start at Since',
		});
	}
	return size || after ? { size: size || undefined, after } : undefined;
}

/**
 * One page by keyset: the adapter reads in (modifiedAt, id) order after the position, up to Until
 * and the page size, so n8n holds one page. Each record carries its feedPosition, where the next
 * page continues; records after the ordered feed (a group's primaries changed only through a
 * member, HubSpot's archived records) come last without one, and end the paged read.
 */
async function keysetPage(adapter: CrmAdapter, object: string, since: string | undefined, list: ListOptions & StoreLinks, group: GroupSpec | undefined, max: number, nest: boolean): Promise<IDataObject[]> {
	const out: IDataObject[] = [];
	let ordered = 0;
	const feed = group ? listGroupChanges(adapter, group, since, { after: list.after, limit: list.limit, until: list.until, ownersOfDeleted: list.ownersOfDeleted, linksOf: list.linksOf }) : adapter.listChangedSince(object, since, list);
	for await (const page of feed) {
		for (const r of page.records) {
			if (page.unordered) {
				out.push(recordJson(r, nest));
				continue;
			}
			if (ordered >= max) continue;
			ordered++;
			out.push({ ...recordJson(r, nest), feedPosition: r.position ?? formatPosition(r.modifiedAt, r.id) });
		}
	}
	return out;
}
