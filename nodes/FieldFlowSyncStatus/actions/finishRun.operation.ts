import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { ERROR_HINTS } from '../../shared/errors';
import type { CrmName } from '../../shared/crm/types';
import type { SyncStore } from '../../shared/store';
import { addHints, describeFailed, failedRecord, NAMED_RECORDS, runFailuresHint, runFailuresText, type FailedRecord } from '../../n8nSide/hints';
import { show } from './common.descriptions';
import { CRM_LABELS, cursorKeys, objectParam, toIso } from './common';
import type { SyncStatusContext } from './node.type';

export const description: INodeProperties[] = [
	{
		displayName: 'Run Started At',
		name: 'runStartedAt',
		type: 'string',
		required: true,
		default: "={{ $('Start Run').first().json.startedAt }}",
		description: 'The startedAt of this run\'s Start Run item. Rename "Start Run" in the expression to your Start Run node\'s name, or point it at the startedAt of the input item when the Start Run item is the input.',
		hint: 'Cursors only move forward, and only to the run\'s start: place this node after Record Results so nothing unsettled is skipped',
		displayOptions: show('finishRun'),
	},
	{
		displayName: 'Run ID',
		name: 'runId',
		type: 'string',
		default: "={{ $('Start Run').first().json.runId }}",
		description: 'Optional, for the run\'s log entry',
		displayOptions: show('finishRun'),
	},
	{
		displayName: 'Fail Execution When Records Fail',
		name: 'failOnRecordErrors',
		type: 'boolean',
		// Off: workflows saved before this option keep ending in success (the sync templates turn it on).
		default: false,
		description:
			'Whether to end the execution in error when records of this run failed, after recording the run (the records stay in the error queue either way), so n8n lists the execution as failed and runs the workflow\'s error workflow',
		displayOptions: show('finishRun'),
	},
];

/** Finish Run: advance the run's cursors (only forward, to the run start) and log the run with the totals of the Record Results items; a preview moves and logs nothing. */
export async function execute(this: IExecuteFunctions, { store, crm, items }: SyncStatusContext): Promise<INodeExecutionData[]> {
	const object = objectParam.call(this);
	const startedAt = toIso.call(this, this.getNodeParameter('runStartedAt', 0, ''), 'Run Started At');
	const runId = String(this.getNodeParameter('runId', 0, '') ?? '').trim() || null;
	const preview = items.find((it) => it.json.preview === true);
	if (preview) {
		// A preview run: no cursor moves and nothing is logged, so the next real run reads the same changes.
		return [{ json: { ...preview.json, crm, object, runId, startedAt, fieldflowCursorAdvanced: false, crmCursorAdvanced: false }, pairedItem: items.map((_, i) => ({ item: i })) }];
	}
	const keys = cursorKeys(object);
	const ffMoved = await store.setCursor(crm, keys.fieldflow, startedAt, { onlyForward: true });
	const crmMoved = await store.setCursor(crm, keys.crm, startedAt, { onlyForward: true });
	// The first run with new Linked Records is done: the next one reads changes only.
	const linked = await store.getCursor(crm, keys.linked);
	if (linked && !linked.endsWith('|done')) await store.setCursor(crm, keys.linked, `${linked}|done`);
	// Totals of the Record Results summaries that reached this node, for the run's log entry.
	const totals = { synced: 0, errors: 0, conflicts: 0, unchanged: 0 };
	for (const it of items) for (const k of Object.keys(totals) as Array<keyof typeof totals>) totals[k] += Number(it.json[k] ?? 0) || 0;
	const finishedAt = new Date().toISOString();
	const message = `Run ${runId ?? ''} finished: ${totals.synced} synced, ${totals.errors} errors, ${totals.conflicts} conflicts, ${totals.unchanged} unchanged`.replace('Run  ', 'Run ');
	await store.log([{ time: finishedAt, crm, direction: 'none', recordType: object, status: 'success', action: 'runFinished', message }]);
	const named = totals.errors ? await failedInRun(store, crm, object, startedAt) : [];
	const json = {
		crm,
		object,
		runId,
		startedAt,
		finishedAt,
		cursor: startedAt,
		fieldflowCursorAdvanced: ffMoved,
		crmCursorAdvanced: crmMoved,
		...totals,
		// The first few failed records, as the hint and the error name them.
		failedRecords: named.map(describeFailed),
	};
	const pairedItem = items.map((_, i) => ({ item: i }));
	if (totals.errors) {
		const text = runFailuresText({ errors: totals.errors, run: `${CRM_LABELS[crm] ?? crm} ${object}`, named });
		if (!(this.getNodeParameter('failOnRecordErrors', 0, false) as boolean)) addHints.call(this, runFailuresHint(text));
		else if (this.continueOnFail()) return [{ json: { ...json, error: text.message, description: text.description }, pairedItem }];
		else throw new NodeOperationError(this.getNode(), text.message, { description: text.description });
	}
	return [{ json, pairedItem }];
}

/** The first few records whose errors this run queued (or re-queued), from the error queue: it also knows the failures of every page of a paged run. */
async function failedInRun(store: SyncStore, crm: CrmName, object: string, startedAt: string): Promise<FailedRecord[]> {
	const queued = (await store.listErrors({ crm, object })).filter((e) => e.updatedAt >= startedAt).slice(0, NAMED_RECORDS);
	return queued.map((e) => failedRecord(e.payload, { ids: [e.fieldflowId, e.crmId], error: e.message, hint: ERROR_HINTS[e.kind] }));
}
