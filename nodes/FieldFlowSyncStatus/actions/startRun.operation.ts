import { randomUUID } from 'node:crypto';
import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { show } from './common.descriptions';
import { cursorKeys, linkedMarker, objectParam, toIso } from './common';
import { groupFor, linkedObjectsOf, linkedObjectsProperty } from '../../n8nSide/properties/crm';
import { toNodeError } from '../../n8nSide/errors';
import type { SyncStatusContext } from './node.type';

export const description: INodeProperties[] = [
	linkedObjectsProperty({ displayOptions: show('startRun') }),
	{
		displayName: 'Overlap Window (Minutes)',
		name: 'overlapMinutes',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 2,
		description: 'Read changes from this long before the last cursor, so records saved while the previous run was reading are not missed (re-read records are recognised as unchanged)',
		displayOptions: show('startRun'),
	},
	{
		displayName: 'Full Sync',
		name: 'fullSync',
		type: 'boolean',
		default: false,
		description: 'Whether to read every record from Initial Since instead of the changes since the last run ("Sync All Prospects"). Unchanged records are still not written again.',
		displayOptions: show('startRun'),
	},
	{
		displayName: 'Initial Since',
		name: 'initialSince',
		type: 'dateTime',
		default: '',
		description: 'Where the first run starts reading. Empty = everything (1970). Can be long for a big CRM.',
		displayOptions: show('startRun'),
	},
	{
		displayName: 'Page Size',
		name: 'pageSize',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 0,
		hint: '0 = one pass (no paging). Set e.g. 2000 to read FieldFlow in pages of that many records (the Sync All Prospects template).',
		description:
			'Read FieldFlow in pages of this many records, one page per sub-execution (Sync All Prospects), so n8n holds one page at a time however many records there are. 0 = one pass. The output then carries page, fieldflowAfter and done for the page loop.',
		displayOptions: show('startRun'),
	},
	{
		displayName: 'Preview (Write Nothing)',
		name: 'preview',
		type: 'boolean',
		default: false,
		description:
			'Whether to run as a preview: read and plan as usual, then show on each output what would be created, updated, deleted or held as a conflict, field by field, with the API calls the writes would cost (Record Results). Nothing is written anywhere, no cursor moves. Start small: preview, then run.',
		displayOptions: show('startRun'),
	},
	{
		displayName: 'Preview Records',
		name: 'previewLimit',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 10,
		description: 'How many records the preview shows (0 = all); the call forecast covers the records shown',
		displayOptions: { show: { operation: ['startRun'], preview: [true] } },
	},
];

const EPOCH = '1970-01-01T00:00:00.000Z';

/** Start Run: the times to read changes since (cursor minus the overlap, or Initial Since), or nothing when the CRM is disconnected. */
export async function execute(this: IExecuteFunctions, { store, crm }: SyncStatusContext): Promise<INodeExecutionData[]> {
	if (!(await store.isConnected(crm))) return [];
	const object = objectParam.call(this);
	const overlapMs = Math.max(0, Number(this.getNodeParameter('overlapMinutes', 0, 2)) || 0) * 60_000;
	const initialRaw = String(this.getNodeParameter('initialSince', 0, '') ?? '').trim();
	const initial = initialRaw ? toIso.call(this, initialRaw, 'Initial Since') : EPOCH;
	const keys = cursorKeys(object);
	// Full sync ("Sync All Prospects"): read everything from Initial Since, whatever the cursors say.
	const full = this.getNodeParameter('fullSync', 0, false) as boolean;
	const since = (cursor: string | null) => (cursor && !full ? new Date(Math.max(0, Date.parse(cursor) - overlapMs)).toISOString() : initial);
	const pageSize = Number(this.getNodeParameter('pageSize', 0, 0)) || 0;
	if (!Number.isInteger(pageSize) || pageSize < 0) {
		throw new NodeOperationError(this.getNode(), `Page Size "${String(pageSize)}" is not a whole number`, { description: 'Use 0 for one pass, or the FieldFlow records per page (e.g. 2000)' });
	}
	const [ffCursor, crmCursor] = [await store.getCursor(crm, keys.fieldflow), await store.getCursor(crm, keys.crm)];
	const preview = this.getNodeParameter('preview', 0, false) as boolean;
	const linkedObjects = linkedObjectsOf(this.getNodeParameter('linkedObjects', 0, []));
	try {
		groupFor(crm, object, linkedObjects);
	} catch (error) {
		throw toNodeError(this.getNode(), error);
	}
	// New Linked Records: the CRM side is read whole once (see linkedMarker).
	const linkedDone = !linkedObjects.length || (await store.getCursor(crm, keys.linked)) === linkedMarker(linkedObjects, true);
	if (!linkedDone && !preview) await store.setCursor(crm, keys.linked, linkedMarker(linkedObjects, false));
	return [
		{
			json: {
				crm,
				object,
				runId: randomUUID(),
				startedAt: new Date().toISOString(),
				fieldflowSince: since(ffCursor),
				crmSince: linkedDone ? since(crmCursor) : initial,
				firstRun: !ffCursor && !crmCursor,
				fullSync: full,
				// The first run with these Linked Records: the Conflict Resolver adds the members links lack.
				...(linkedObjects.length ? { linkedObjects, linkedAdded: !linkedDone } : {}),
				...(pageSize ? { pageSize, page: 1, phase: 'fieldflow', fieldflowAfter: '', done: false } : {}),
				...(preview ? { preview: true, previewLimit: Math.max(0, Number(this.getNodeParameter('previewLimit', 0, 10)) || 0) } : {}),
			},
			pairedItem: { item: 0 },
		},
	];
}
