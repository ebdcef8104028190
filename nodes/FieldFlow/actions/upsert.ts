/**
 * Prospect → Upsert: the FieldFlow write path of a sync workflow. Takes every input item (sync
 * items from the Conflict Resolver's "To FieldFlow" output, or items re-emitted by Sync Status
 * "Retry Errors"), writes them through the FieldFlow batch endpoint (100 per call) and outputs one
 * item per input item: the input (with `_sync` untouched) plus the write outcome
 * `{ id, success, created, modifiedAt?, error?, errorKind?, hint?, errorFields? }`.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import type { FieldFlowClient } from '../../shared/fieldflow/client';
import { SyncError } from '../../shared/errors';
import { fieldflowPayload } from '../../shared/mapping/engine';
import { beforeWrite, failedOutcome, readSync, withOutcome, withoutSync, type WriteOutcome } from '../../shared/sync/protocol';
import { toNodeError } from '../../n8nSide/errors';
import { addHints, failedRecord, writeFailuresHint } from '../../n8nSide/hints';

/** FieldFlow fields the API sets itself. */
const READ_ONLY_KEYS = ['id', 'created_at', 'updated_at', 'deleted_at'];

interface Pending {
	i: number;
	id?: string;
	fields: IDataObject;
}

export async function upsertSyncItems(this: IExecuteFunctions, client: FieldFlowClient, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	const out: INodeExecutionData[] = new Array(items.length);
	const writes: Pending[] = [];
	const deletes: Pending[] = [];
	const failures: Array<{ i: number; error: unknown }> = [];
	let previews = 0;

	const fail = (i: number, id: string | null | undefined, error: unknown) => {
		failures.push({ i, error });
		out[i] = { json: withOutcome(items[i].json, failedOutcome(id, error)) as IDataObject, pairedItem: { item: i } };
	};

	for (let i = 0; i < items.length; i++) {
		const json = items[i].json;
		const meta = readSync(json);
		if (meta?.kind === 'preview') {
			out[i] = { json, pairedItem: { item: i } }; // a preview: shown, never written
			previews++;
			continue;
		}
		const write = meta?.kind === 'write' && meta.target === 'fieldflow' ? meta : undefined;
		const id = String(this.getNodeParameter('upsertId', i, '') ?? '').trim() || write?.fieldflowId || undefined;
		if (write?.action === 'deleteInFieldflow') {
			if (!id) fail(i, null, new SyncError({ kind: 'validation', message: 'Nothing to delete: the sync item has no FieldFlow ID' }));
			else deletes.push({ i, id, fields: {} });
			continue;
		}
		// Canonical custom fields (custom_fields.<key>) go back under custom_fields.
		const fields = fieldflowPayload(beforeWrite(withoutSync(json))) as IDataObject;
		for (const k of READ_ONLY_KEYS) delete fields[k];
		if (!Object.keys(fields).length) {
			fail(i, id, new SyncError({ kind: 'validation', message: 'The input item has no fields to write' }));
			continue;
		}
		writes.push({ i, id, fields });
	}

	const results = await client.upsertProspects(writes.map((w) => ({ ref: String(w.i), id: w.id, fields: w.fields })));
	const byRef = new Map(results.map((r) => [r.ref, r]));
	for (const w of writes) {
		const r = byRef.get(String(w.i));
		if (r?.success) {
			const record = (r.record ?? {}) as IDataObject;
			const outcome: WriteOutcome = { id: r.id ?? w.id ?? null, success: true, created: r.created ?? false };
			if (typeof record.updated_at === 'string') outcome.modifiedAt = record.updated_at;
			out[w.i] = { json: withOutcome(items[w.i].json, outcome) as IDataObject, pairedItem: { item: w.i } };
		} else {
			fail(w.i, w.id, r?.error ?? new SyncError({ kind: 'unknown', message: 'FieldFlow returned no result for this record' }));
		}
	}

	for (const d of deletes) {
		try {
			await client.delete('prospects', d.id!);
		} catch (error) {
			// Already gone is what a delete wants.
			if (!(error instanceof SyncError && error.kind === 'not_found')) {
				fail(d.i, d.id, error);
				continue;
			}
		}
		out[d.i] = { json: withOutcome(items[d.i].json, { id: d.id ?? null, success: true, created: false, deleted: true }) as IDataObject, pairedItem: { item: d.i } };
	}

	if (failures.length && !this.continueOnFail()) {
		failures.sort((a, b) => a.i - b.i);
		throw toNodeError(this.getNode(), failures[0].error, failures[0].i);
	}
	if (failures.length) {
		// On Error → Continue (the sync templates): the run goes on, and the editor says which records FieldFlow rejected.
		failures.sort((a, b) => a.i - b.i);
		addHints.call(this, writeFailuresHint({ system: 'FieldFlow', total: items.length - previews, failed: failures.map((f) => failedRecord(out[f.i].json)), sync: failures.some((f) => readSync(items[f.i].json)?.kind === 'write') }));
	}
	return out;
}
