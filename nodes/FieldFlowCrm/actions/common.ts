import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import type { CrmAdapter, CrmName, CrmRecord, MemberIds, WriteInput, WriteResult } from '../../shared/crm/types';
import type { GroupSpec } from '../../shared/crm/group';
import { groupFor, linkedObjectsOf } from '../../n8nSide/properties/crm';
import { SyncError } from '../../shared/errors';
import { toNodeError } from '../../n8nSide/errors';
import { failedOutcome, outcomeError } from '../../shared/sync/protocol';
import type { CrmContext } from './node.type';

/**
 * What the operation files share. Output shapes:
 *  - read operations: one item per record, `{ id, object, modifiedAt, deleted?, ...fields }` — the
 *    CRM fields are flattened next to the metadata so n8n's table view shows one column per field
 *    (option "Nest Fields" puts them under `fields` instead; metadata wins a name clash);
 *  - upsert / delete: one item per input item (pairedItem), the input JSON merged with
 *    `{ id, created, success, error?, errorKind?, hint?, errorFields? }` (an input `id` that differs
 *    from the CRM id is kept as `inputId`);
 *  - log meeting / add note: `{ id, created, success }`; find duplicates: `{ duplicate, matchCount, matches }`;
 *  - list fields: one item per field.
 */

/** Runs an operation item by item: its output items are paired with the input item; continueOnFail gives an error item. */
export async function forEachItem(
	this: IExecuteFunctions,
	{ adapter, items }: CrmContext,
	run: (this: IExecuteFunctions, adapter: CrmAdapter, i: number) => Promise<IDataObject[]>,
): Promise<INodeExecutionData[]> {
	const out: INodeExecutionData[] = [];
	for (let i = 0; i < items.length; i++) {
		try {
			const records = await run.call(this, adapter, i);
			for (const json of records) out.push({ json, pairedItem: { item: i } });
		} catch (error) {
			if (this.continueOnFail()) {
				out.push({ json: errorJson(error), pairedItem: { item: i } });
				continue;
			}
			throw toNodeError(this.getNode(), error, i);
		}
	}
	return out;
}

// ------------------------------------------------------------------ batched writes

/** One record of a batched write, with the item it came from. */
export interface Pending {
	i: number;
	object: string;
	input: WriteInput;
}

/** One adapter call per object (items may pick different objects by expression); results by item index. */
export async function writeGrouped(pending: Pending[], write: (object: string, inputs: WriteInput[]) => Promise<WriteResult[]>): Promise<Map<number, WriteResult>> {
	const byObject = new Map<string, Pending[]>();
	for (const p of pending) byObject.set(p.object, [...(byObject.get(p.object) ?? []), p]);
	const results = new Map<number, WriteResult>();
	for (const [object, group] of byObject) {
		let res: WriteResult[];
		try {
			res = await write(object, group.map((p) => p.input));
		} catch (error) {
			// A whole-call failure (e.g. auth expired) fails every record of the group.
			const err = error instanceof SyncError ? error : new SyncError({ kind: 'unknown', message: (error as Error)?.message ?? String(error), cause: error });
			res = group.map((p) => ({ ref: p.input.ref, success: false, error: err }));
		}
		const byRef = new Map(res.map((r) => [r.ref, r]));
		for (const p of group) {
			const r = byRef.get(p.input.ref);
			if (r) results.set(p.i, r);
		}
	}
	return results;
}

/** Deletes the pending records by CRM id, one call per object; results by item index. */
export function deleteGrouped(adapter: CrmAdapter, pending: Pending[]): Promise<Map<number, WriteResult>> {
	// The adapters answer deletes by id (ref = id); map back to item indexes in order.
	return writeGrouped(pending, async (object, inputs) => {
		const res = await adapter.delete(object, inputs.map((x) => x.id!));
		return res.map((r, k) => ({ ...r, ref: inputs[k].ref }));
	});
}

/** The error of a failed write, or of a record the CRM gave no result for. */
export function writeError(result: WriteResult | undefined, recordRef: string | undefined): SyncError {
	return result?.error ?? new SyncError({ kind: 'unknown', recordRef, message: 'The CRM returned no result for this record' });
}

/** Throws a write result's error (so the per-item loop handles continueOnFail). */
export function writeJson(result: WriteResult): IDataObject {
	if (!result.success) throw result.error ?? new SyncError({ kind: 'unknown', message: 'The CRM did not accept the write' });
	return { id: result.id, created: result.created ?? false, success: true };
}

// ------------------------------------------------------------------ output

export function recordJson(r: CrmRecord, nest: boolean): IDataObject {
	const meta: IDataObject = { id: r.id, object: r.object, modifiedAt: r.modifiedAt, deleted: r.deleted === true };
	if (r.members && Object.keys(r.members).length) meta.members = { ...r.members };
	// Salesforce Leads: a converted Lead read as its Contact group names the Lead it was.
	if (r.convertedFrom) meta.convertedFrom = r.convertedFrom;
	return nest ? { ...meta, fields: r.fields as IDataObject } : { ...(r.fields as IDataObject), ...meta };
}

/** A failed write's outcome as item JSON (the protocol's encoding). */
export function failureJson(error: unknown, id: string | null = null): IDataObject {
	return failedOutcome(id, error) as unknown as IDataObject;
}

/** An error as item JSON (the protocol's encoding). */
export function errorJson(error: unknown): IDataObject {
	return outcomeError(error) as unknown as IDataObject;
}

// ------------------------------------------------------------------ parameters

/** The record group the Linked Records option asks for at item `i` (undefined: records alone). */
export function groupOfItem(this: IExecuteFunctions, crm: CrmName, object: string, options: IDataObject): GroupSpec | undefined {
	return groupFor(crm, object, linkedObjectsOf(options.linkedObjects));
}

/** The Fields to Read option: undefined (the default fields) when empty. */
export function fieldsToRead(options: IDataObject): string[] | undefined {
	return (options.fields as string[] | undefined)?.length ? (options.fields as string[]) : undefined;
}

/**
 * Linked Record IDs at item `i` (Log Meeting Activity, Add Note): an object of member object →
 * CRM id, from an expression (Look Up Links' crmMembers) or typed JSON; empty ids are left out,
 * undefined when there is none. Anything else is a clear error naming the parameter.
 */
export function linkedRecordIds(this: IExecuteFunctions, i: number): MemberIds | undefined {
	let v = this.getNodeParameter('linkedRecordIds', i, '{}') as unknown;
	if (typeof v === 'string') {
		const text = v.trim();
		if (!text) return undefined;
		try {
			v = JSON.parse(text);
		} catch {
			throw new NodeOperationError(this.getNode(), 'Linked Record IDs is not valid JSON', { itemIndex: i, description: 'Use an object such as {"organizations": "12", "deals": "40"}, or the expression {{ $json.crmMembers }} after Look Up Links' });
		}
	}
	if (v === null || v === undefined) return undefined;
	if (typeof v !== 'object' || Array.isArray(v)) {
		throw new NodeOperationError(this.getNode(), 'Linked Record IDs must be an object of object name → record ID', { itemIndex: i, description: 'e.g. {"organizations": "12", "deals": "40"}, or {{ $json.crmMembers }} after Look Up Links' });
	}
	const out: MemberIds = {};
	for (const [object, id] of Object.entries(v as Record<string, unknown>)) {
		if (id === null || id === undefined || String(id).trim() === '') continue;
		if (typeof id === 'object') throw new NodeOperationError(this.getNode(), `Linked Record IDs: the ID of "${object}" is not a single ID`, { itemIndex: i, description: 'Give one record ID per object, e.g. {"deals": "40"}' });
		out[object] = String(id).trim();
	}
	return Object.keys(out).length ? out : undefined;
}

export function str(v: unknown): string | undefined {
	if (v === undefined || v === null) return undefined;
	const s = String(v).trim();
	return s ? s : undefined;
}

export function required(this: IExecuteFunctions, name: string, i: number): string {
	// extractValue: resource locators (CRM ID) give their value; plain parameters are unchanged.
	const v = str(this.getNodeParameter(name, i, '', { extractValue: true }));
	if (!v) throw new NodeOperationError(this.getNode(), `"${name}" is empty`, { itemIndex: i, description: 'Set it, e.g. with an expression such as {{ $json.id }}' });
	return v;
}

export function toIso(this: IExecuteFunctions, value: string, i: number): string {
	const t = Date.parse(value);
	if (!Number.isFinite(t)) {
		throw new NodeOperationError(this.getNode(), `"${value}" is not a date and time`, { itemIndex: i, description: 'Use an ISO 8601 time such as 2026-11-24T09:00:00Z' });
	}
	return new Date(t).toISOString();
}
