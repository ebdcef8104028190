import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { show } from './common.descriptions';
import { CRM_LABELS } from './common';
import type { SyncStatusContext } from './node.type';
import { formatPosition } from '../../shared/keyset';

export const description: INodeProperties[] = [
	{
		displayName: 'Page',
		name: 'page',
		type: 'json',
		required: true,
		default: "={{ $('Page').first().json }}",
		description: 'The page this sub-execution ran: the item its Execute Workflow Trigger received (runId, startedAt, pageSize, page, fieldflowAfter)',
		displayOptions: show('nextPage'),
	},
	{
		displayName: 'Last Record Read',
		name: 'lastRecord',
		type: 'json',
		required: true,
		default: "={{ $('FieldFlow: changed prospects').last().json }}",
		description: 'The last FieldFlow record the page read (its updated_at and ID are where the next page continues)',
		displayOptions: show('nextPage'),
	},
	{
		displayName: 'Records Read',
		name: 'recordsRead',
		type: 'string',
		default: "={{ $('FieldFlow: changed prospects').all().length }}",
		description: 'How many FieldFlow records the page read; fewer than the page size means it was the last page',
		displayOptions: show('nextPage'),
	},
	{
		displayName: 'Last CRM Record Read',
		name: 'lastCrmRecord',
		type: 'json',
		default: '',
		description:
			'The last record the CRM side\'s page read (the CRM read node\'s last item): its feedPosition is where the next CRM page continues. Empty = the CRM side is read in one page.',
		displayOptions: show('nextPage'),
	},
	{
		displayName: 'CRM Records Read',
		name: 'crmRecordsRead',
		type: 'string',
		default: '',
		description: 'How many records the CRM side\'s page read; fewer than the page size (or a last record without a feedPosition) means it was the last CRM page',
		displayOptions: show('nextPage'),
	},
	{
		displayName: 'Read CRM Side',
		name: 'readsCrm',
		type: 'boolean',
		default: true,
		description: 'Whether the workflow reads the CRM side too: after the last FieldFlow page come the pages with phase "crm" for it (one, unless Last CRM Record Read is set)',
		displayOptions: show('nextPage'),
	},
];

/** The run totals a page adds to (Record Results summary keys). */
const TOTAL_KEYS = ['synced', 'errors', 'conflicts', 'unchanged'] as const;

function objectValue(this: IExecuteFunctions, name: string, what: string): IDataObject {
	const raw = this.getNodeParameter(name, 0, {}) as unknown;
	let value = raw;
	if (typeof raw === 'string') {
		try {
			value = raw.trim() ? JSON.parse(raw) : {};
		} catch {
			value = undefined;
		}
	}
	if (!value || typeof value !== 'object' || Array.isArray(value)) {
		throw new NodeOperationError(this.getNode(), `${what} is not an object`, { description: `Point ${what} at an item's JSON, e.g. {{ $('Page').first().json }}` });
	}
	return value as IDataObject;
}

/**
 * Next Page: the end of one page of a paged run (Sync All Prospects reads both sides one page per
 * sub-execution, so n8n holds one page at a time). Takes the page it was given and the last
 * FieldFlow record the page read; returns the next page to run (Continue After that record), then
 * the CRM side's pages (phase 'crm', each after the last CRM record's feedPosition), then done,
 * with the run's totals so far. Logs each page, so a
 * long run shows its progress.
 */
export async function execute(this: IExecuteFunctions, { store, crm, items }: SyncStatusContext): Promise<INodeExecutionData[]> {
	const page = objectValue.call(this, 'page', 'Page');
	const last = objectValue.call(this, 'lastRecord', 'Last Record Read');
	const read = Math.max(0, Number(this.getNodeParameter('recordsRead', 0, 0)) || 0);
	const pageSize = Number(page.pageSize ?? 0);
	if (!page.runId || !page.startedAt || !Number.isInteger(pageSize) || pageSize < 1) {
		throw new NodeOperationError(this.getNode(), 'Page is not a page of a paged run', {
			description: 'It needs the runId, startedAt and pageSize that Start Run (with Page Size set) gives; point Page at the Execute Workflow Trigger item of the page',
		});
	}
	const hasLast = last.id !== undefined && last.id !== null && last.id !== '' && !!last.updated_at;
	const crmSide = crmPage.call(this, page, pageSize);
	// FieldFlow pages first; then one page for the CRM side (when the workflow reads it), so every
	// prospect has been matched to an existing CRM record by email before CRM-only records are
	// created in FieldFlow.
	const fieldflowDone = page.phase === 'crm' || !hasLast || read < pageSize;
	const readsCrm = this.getNodeParameter('readsCrm', 0, true) as boolean;
	const phase = page.phase === 'crm' || !fieldflowDone ? String(page.phase ?? 'fieldflow') : readsCrm ? 'crm' : 'fieldflow';
	const done = (page.phase === 'crm' && crmSide.done) || (fieldflowDone && !readsCrm);
	const number = Number(page.page ?? 1) || 1;
	const totals: IDataObject = {};
	for (const k of TOTAL_KEYS) totals[k] = (Number(page[k] ?? 0) || 0) + items.reduce((sum, it) => sum + (Number(it.json[k] ?? 0) || 0), 0);
	const pageRead = hasLast && page.phase !== 'crm' ? read : 0;
	const readSoFar = (Number(page.read ?? 0) || 0) + pageRead;
	const object = String(page.object ?? '');
	if (page.preview === true) {
		// A preview writes nothing, not even progress: the pages' planned writes and forecasts add up.
		const summary = addPreviews(page.previewSummary as IDataObject | undefined, items.map((it) => it.json).find((j) => j.preview === true));
		return [{ json: { ...page, page: number + 1, read: readSoFar, pagesDone: number, fieldflowAfter: pageRead ? formatPosition(String(last.updated_at), String(last.id)) : (page.fieldflowAfter ?? ''), ...crmSide.next, phase, done, previewSummary: summary, ...(done ? summary : {}) }, pairedItem: items.map((_, i) => ({ item: i })) }];
	}
	await store.log([
		{
			time: new Date().toISOString(),
			crm,
			direction: 'none',
			recordType: object,
			status: 'success',
			action: 'pageFinished',
			message: `Run ${String(page.runId)} page ${number}${page.phase === 'crm' ? ` (${CRM_LABELS[crm] ?? crm} side)` : ''}: ${pageRead} FieldFlow records read (${readSoFar} so far)${crmSide.paged && page.phase === 'crm' ? `, ${crmSide.read} ${CRM_LABELS[crm] ?? crm} records read (${String(crmSide.next.crmRead)} so far)` : ''}, ${String(totals.synced)} synced, ${String(totals.errors)} errors${done ? ', last page' : ''}`,
		},
	]);
	return [
		{
			json: {
				...page,
				...totals,
				page: number + 1,
				read: readSoFar,
				pagesDone: number,
				fieldflowAfter: pageRead ? formatPosition(String(last.updated_at), String(last.id)) : page.fieldflowAfter ?? '',
				...crmSide.next,
				phase,
				done,
			},
			pairedItem: items.map((_, i) => ({ item: i })),
		},
	];
}

/**
 * The CRM side's pages (phase 'crm'): each reads at most Page Size records after `crmAfter` (the
 * CRM node's Page Size / Continue After); the next one continues after the feedPosition of the last
 * record read. The CRM side is done after a short page, or when the last record has no
 * feedPosition (an empty page, or records that come after the keyset feed: a group's primaries
 * changed through a member). Without Last CRM Record Read (templates before CRM pages) the CRM side
 * is one page, as it was.
 */
function crmPage(this: IExecuteFunctions, page: IDataObject, pageSize: number): { paged: boolean; done: boolean; read: number; next: IDataObject } {
	const raw = this.getNodeParameter('lastCrmRecord', 0, '') as unknown;
	const paged = typeof raw === 'string' ? raw.trim() !== '' : raw !== null && raw !== undefined;
	const isCrmPage = page.phase === 'crm';
	const read = isCrmPage ? Math.max(0, Number(this.getNodeParameter('crmRecordsRead', 0, 0)) || 0) : 0;
	const last = paged && isCrmPage ? objectValue.call(this, 'lastCrmRecord', 'Last CRM Record Read') : {};
	const position = typeof last.feedPosition === 'string' ? last.feedPosition : '';
	const done = !paged || !position || read < pageSize;
	const crmRead = (Number(page.crmRead ?? 0) || 0) + read;
	return { paged, done, read, next: { crmAfter: isCrmPage && !done ? position : String(page.crmAfter ?? ''), ...(isCrmPage ? { crmRead } : {}) } };
}

/** Two preview summaries (Record Results of a preview page) added up, number by number. */
function addPreviews(a: IDataObject | undefined, b: IDataObject | undefined): IDataObject {
	if (!a) return b ?? {};
	if (!b) return a;
	const out: IDataObject = { ...a };
	for (const [k, v] of Object.entries(b)) {
		const prev = a[k];
		if (typeof v === 'number') out[k] = (typeof prev === 'number' ? prev : 0) + v;
		else if (v && typeof v === 'object' && !Array.isArray(v)) out[k] = addPreviews(prev as IDataObject | undefined, v as IDataObject);
		else if (prev === undefined || prev === null) out[k] = v;
	}
	return out;
}
