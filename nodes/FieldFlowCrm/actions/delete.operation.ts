import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import type { SyncError } from '../../shared/errors';
import { recordError, toNodeError } from '../../n8nSide/errors';
import { addHints, writeFailuresHint, type FailedRecord } from '../../n8nSide/hints';
import { CRM_LABELS } from '../../shared/crm';
import { crmIdLocator, show } from './common.descriptions';
import { deleteGrouped, failureJson, required, writeError, type Pending } from './common';
import type { CrmContext } from './node.type';

export const description: INodeProperties[] = [
	{
		...crmIdLocator('The record to delete', true),
		displayOptions: show('delete'),
	},
];

/** Deletes the items' records by CRM ID, in batches; one output item per input item. */
export async function execute(this: IExecuteFunctions, { adapter, crm, items }: CrmContext): Promise<INodeExecutionData[]> {
	const out: INodeExecutionData[] = new Array(items.length);
	const pending: Pending[] = [];
	for (let i = 0; i < items.length; i++) {
		try {
			const object = this.getNodeParameter('object', i) as string;
			const id = required.call(this, 'crmId', i);
			pending.push({ i, object, input: { ref: String(i), id, fields: {} } });
		} catch (error) {
			if (!this.continueOnFail()) throw toNodeError(this.getNode(), error, i);
			out[i] = { json: failureJson(error), pairedItem: { item: i } };
		}
	}
	const results = await deleteGrouped(adapter, pending);
	let firstFailure: { p: Pending; error: SyncError } | undefined;
	const failed: FailedRecord[] = [];
	for (const p of pending) {
		const r = results.get(p.i);
		if (r?.success) {
			out[p.i] = { json: { id: p.input.id, deleted: true, success: true }, pairedItem: { item: p.i } };
			continue;
		}
		const error = writeError(r, p.input.id);
		firstFailure ??= { p, error };
		failed.push({ name: '', ids: [p.input.id], error: error.message, hint: error.hint });
		out[p.i] = { json: { ...failureJson(error, p.input.id), deleted: false }, pairedItem: { item: p.i } };
	}
	if (firstFailure && !this.continueOnFail()) {
		throw recordError(this.getNode(), crm, firstFailure.p.object, firstFailure.error, firstFailure.p.i, firstFailure.p.input.id!);
	}
	if (failed.length) addHints.call(this, writeFailuresHint({ system: CRM_LABELS[crm], total: pending.length, failed, sync: false }));
	return out;
}
