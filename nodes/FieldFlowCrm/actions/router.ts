import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { SYNC_KEY, readSync } from '../../shared/sync/protocol';
import { NodeOperationError } from 'n8n-workflow';
import type { CrmAdapter, CrmName, CrmRecord, WriteInput, WriteResult } from '../../shared/crm/types';
import { SyncError } from '../../shared/errors';
import { getCrmAdapter } from '../../n8nSide/transport/crm';
import { recordError, toNodeError } from '../../n8nSide/errors';
import type { Operation } from './descriptions';

/**
 * Output shapes:
 *  - read operations: one item per record, `{ id, object, modifiedAt, deleted?, ...fields }` — the
 *    CRM fields are flattened next to the metadata so n8n's table view shows one column per field
 *    (option "Nest Fields" puts them under `fields` instead; metadata wins a name clash);
 *  - upsert / delete: one item per input item (pairedItem), the input JSON merged with
 *    `{ id, created, success, error?, errorKind?, hint?, errorFields? }` (an input `id` that differs
 *    from the CRM id is kept as `inputId`);
 *  - log meeting / add note: `{ id, created, success }`; find duplicates: `{ duplicate, matchCount, matches }`;
 *  - list fields: one item per field.
 */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const crm = this.getNodeParameter('crm', 0) as CrmName;
	const operation = this.getNodeParameter('operation', 0) as Operation;
	const adapter = await getCrmAdapter.call(this, crm);

	switch (operation) {
		case 'upsert':
			return [await upsertAll.call(this, adapter, crm, items)];
		case 'delete':
			return [await deleteAll.call(this, adapter, crm, items)];
		case 'findDuplicates':
			return [await findDuplicatesAll.call(this, adapter, items.length)];
		case 'listFields':
			return [await listFields.call(this, adapter)];
	}

	const out: INodeExecutionData[] = [];
	for (let i = 0; i < items.length; i++) {
		try {
			const records = await runOne.call(this, adapter, operation, i);
			for (const json of records) out.push({ json, pairedItem: { item: i } });
		} catch (error) {
			if (this.continueOnFail()) {
				out.push({ json: errorJson(error), pairedItem: { item: i } });
				continue;
			}
			throw toNodeError(this.getNode(), error, i);
		}
	}
	return [out];
}

async function runOne(this: IExecuteFunctions, adapter: CrmAdapter, operation: Operation, i: number): Promise<IDataObject[]> {
	const object = this.getNodeParameter('object', i) as string;
	switch (operation) {
		case 'getChangedSince': {
			const options = this.getNodeParameter('options', i, {}) as IDataObject;
			const sinceRaw = String(this.getNodeParameter('since', i, '') ?? '').trim();
			const since = sinceRaw ? toIso.call(this, sinceRaw, i) : undefined;
			const returnAll = this.getNodeParameter('returnAll', i, true) as boolean;
			const max = returnAll ? Infinity : (this.getNodeParameter('limit', i, 50) as number);
			const fields = (options.fields as string[] | undefined)?.length ? (options.fields as string[]) : undefined;
			const until = String(options.until ?? '').trim() ? Date.parse(toIso.call(this, String(options.until), i)) : undefined;
			// An empty window (Since at or after Until): nothing to read, no call.
			if (until !== undefined && since && Date.parse(since) >= until) return [];
			const includeDeleted = options.includeDeleted === true;
			const out: IDataObject[] = [];
			read: for await (const page of adapter.listChangedSince(object, since, { includeDeleted, fields })) {
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
		case 'getByIds': {
			const options = this.getNodeParameter('options', i, {}) as IDataObject;
			const ids = idList(this.getNodeParameter('ids', i, '') as unknown);
			if (!ids.length) throw new NodeOperationError(this.getNode(), 'No CRM IDs given', { itemIndex: i, description: 'Set CRM IDs to a comma-separated list or an expression returning an array' });
			const fields = (options.fields as string[] | undefined)?.length ? (options.fields as string[]) : undefined;
			const records = await adapter.getByIds(object, ids, fields);
			return records.map((r) => recordJson(r, options.nestFields === true));
		}
		case 'logMeeting': {
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
			});
			return [writeJson(result)];
		}
		case 'addNote': {
			const extra = this.getNodeParameter('additionalFields', i, {}) as IDataObject;
			const result = await adapter.addNote({
				summaryId: required.call(this, 'summaryId', i),
				body: required.call(this, 'body', i),
				existingId: str(extra.existingId),
				linkTo: { object, id: required.call(this, 'linkToId', i) },
			});
			return [writeJson(result)];
		}
	}
	throw new NodeOperationError(this.getNode(), `Unknown operation "${operation as string}"`, { itemIndex: i });
}

/** Throws a write result's error (so the per-item loop handles continueOnFail). */
function writeJson(result: WriteResult): IDataObject {
	if (!result.success) throw result.error ?? new SyncError({ kind: 'unknown', message: 'The CRM did not accept the write' });
	return { id: result.id, created: result.created ?? false, success: true };
}

// ------------------------------------------------------------------ batched operations

interface Pending {
	i: number;
	object: string;
	input: WriteInput;
}

/**
 * Upsert: every input item becomes one WriteInput; the adapter writes them in the vendor's
 * largest batches (Salesforce 200 per collections call, HubSpot 100 per batch call, Pipedrive one
 * call per record). One output item per input item, in input order.
 */
async function upsertAll(this: IExecuteFunctions, adapter: CrmAdapter, crm: CrmName, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	const out: INodeExecutionData[] = new Array(items.length);
	const pending: Pending[] = [];
	const deletes: Pending[] = [];
	for (let i = 0; i < items.length; i++) {
		try {
			const object = this.getNodeParameter('object', i) as string;
			// Items from the Conflict Resolver's "To CRM" output carry the CRM id and action in `_sync`.
			const meta = readSync(items[i].json);
			const write = meta?.kind === 'write' && meta.target === 'crm' ? meta : undefined;
			const id = String(this.getNodeParameter('crmId', i, '', { extractValue: true }) ?? '').trim() || write?.crmId || undefined;
			if (write?.action === 'deleteInCrm') {
				if (!id) throw new NodeOperationError(this.getNode(), 'A delete from the Conflict Resolver has no CRM ID', { itemIndex: i });
				deletes.push({ i, object, input: { ref: String(i), id, fields: {} } });
				continue;
			}
			pending.push({ i, object, input: { ref: String(i), id, fields: fieldsOf.call(this, items[i], i) } });
		} catch (error) {
			if (!this.continueOnFail()) throw toNodeError(this.getNode(), error, i);
			out[i] = { json: merge(items[i].json, { id: null, ...failureJson(error) }), pairedItem: { item: i } };
		}
	}
	const idProperty = str((this.getNodeParameter('options', 0, {}) as IDataObject).idProperty);
	const results = await writeGrouped(pending, (object, inputs) => adapter.upsert(object, inputs, idProperty ? { idProperty } : {}));
	const failures: Array<{ p: Pending; error: SyncError }> = [];
	for (const p of pending) {
		const r = results.get(p.i);
		if (r?.success) {
			out[p.i] = { json: merge(items[p.i].json, { id: r.id, created: r.created ?? false, success: true }), pairedItem: { item: p.i } };
			continue;
		}
		const error = r?.error ?? new SyncError({ kind: 'unknown', recordRef: p.input.ref, message: 'The CRM returned no result for this record' });
		failures.push({ p, error });
		out[p.i] = { json: merge(items[p.i].json, { id: p.input.id, ...failureJson(error) }), pairedItem: { item: p.i } };
	}
	if (deletes.length) {
		const deleted = await writeGrouped(deletes, async (object, inputs) => {
			const res = await adapter.delete(object, inputs.map((x) => x.id!));
			return res.map((r, k) => ({ ...r, ref: inputs[k].ref }));
		});
		for (const p of deletes) {
			const r = deleted.get(p.i);
			if (r?.success) {
				out[p.i] = { json: merge(items[p.i].json, { id: p.input.id, deleted: true, success: true }), pairedItem: { item: p.i } };
				continue;
			}
			const error = r?.error ?? new SyncError({ kind: 'unknown', recordRef: p.input.id, message: 'The CRM returned no result for this record' });
			failures.push({ p, error });
			out[p.i] = { json: merge(items[p.i].json, { id: p.input.id, deleted: false, ...failureJson(error) }), pairedItem: { item: p.i } };
		}
	}
	if (failures.length && !this.continueOnFail()) {
		const { p, error } = failures[0];
		throw recordError(this.getNode(), crm, p.object, error, p.i, describeRecord(p.input));
	}
	return out;
}

async function deleteAll(this: IExecuteFunctions, adapter: CrmAdapter, crm: CrmName, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
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
	// The adapters answer deletes by id (ref = id); map back to item indexes in order.
	const results = await writeGrouped(pending, async (object, inputs) => {
		const res = await adapter.delete(object, inputs.map((x) => x.id!));
		return res.map((r, k) => ({ ...r, ref: inputs[k].ref }));
	});
	let firstFailure: { p: Pending; error: SyncError } | undefined;
	for (const p of pending) {
		const r = results.get(p.i);
		if (r?.success) {
			out[p.i] = { json: { id: p.input.id, deleted: true, success: true }, pairedItem: { item: p.i } };
			continue;
		}
		const error = r?.error ?? new SyncError({ kind: 'unknown', recordRef: p.input.id, message: 'The CRM returned no result for this record' });
		firstFailure ??= { p, error };
		out[p.i] = { json: { id: p.input.id, deleted: false, ...failureJson(error) }, pairedItem: { item: p.i } };
	}
	if (firstFailure && !this.continueOnFail()) {
		throw recordError(this.getNode(), crm, firstFailure.p.object, firstFailure.error, firstFailure.p.i, firstFailure.p.input.id!);
	}
	return out;
}

/** One adapter call per object (items may pick different objects by expression); results by item index. */
async function writeGrouped(pending: Pending[], write: (object: string, inputs: WriteInput[]) => Promise<WriteResult[]>): Promise<Map<number, WriteResult>> {
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

async function findDuplicatesAll(this: IExecuteFunctions, adapter: CrmAdapter, count: number): Promise<INodeExecutionData[]> {
	const out: INodeExecutionData[] = new Array(count);
	const byObject = new Map<string, number[]>();
	const criteria = new Map<number, { ref: string; email?: string; company?: string; name?: string }>();
	for (let i = 0; i < count; i++) {
		try {
			const object = this.getNodeParameter('object', i) as string;
			const c = {
				ref: String(i),
				email: str(this.getNodeParameter('email', i, '')),
				company: str(this.getNodeParameter('company', i, '')),
				name: str(this.getNodeParameter('name', i, '')),
			};
			if (!c.email && !c.company && !c.name) {
				throw new NodeOperationError(this.getNode(), 'Nothing to match on', { itemIndex: i, description: 'Set Email, Company or Name' });
			}
			criteria.set(i, c);
			byObject.set(object, [...(byObject.get(object) ?? []), i]);
		} catch (error) {
			if (!this.continueOnFail()) throw toNodeError(this.getNode(), error, i);
			out[i] = { json: errorJson(error), pairedItem: { item: i } };
		}
	}
	for (const [object, indexes] of byObject) {
		try {
			const matches = await adapter.findDuplicates(object, indexes.map((i) => criteria.get(i)!));
			const byRef = new Map(matches.map((m) => [m.ref, m]));
			for (const i of indexes) {
				const found = byRef.get(String(i))?.matches ?? [];
				out[i] = {
					json: {
						duplicate: found.length > 0,
						matchCount: found.length,
						matches: found.map((m) => ({ id: m.id, object: m.object, matchedOn: m.matchedOn, fields: m.record.fields as IDataObject })),
					},
					pairedItem: { item: i },
				};
			}
		} catch (error) {
			if (!this.continueOnFail()) throw toNodeError(this.getNode(), error, indexes[0]);
			for (const i of indexes) out[i] = { json: errorJson(error), pairedItem: { item: i } };
		}
	}
	return out;
}

async function listFields(this: IExecuteFunctions, adapter: CrmAdapter): Promise<INodeExecutionData[]> {
	const object = this.getNodeParameter('object', 0) as string;
	const writableOnly = this.getNodeParameter('writableOnly', 0, false) as boolean;
	try {
		const fields = await adapter.listFields(object);
		return fields
			.filter((f) => !writableOnly || !f.readOnly)
			.map((f) => ({ json: { object, ...f } as unknown as IDataObject, pairedItem: { item: 0 } }));
	} catch (error) {
		if (this.continueOnFail()) return [{ json: errorJson(error), pairedItem: { item: 0 } }];
		throw toNodeError(this.getNode(), error, 0);
	}
}

// ------------------------------------------------------------------ helpers

/** The fields an item sends: its whole JSON (minus ignored keys) or the fields defined in the node. */
function fieldsOf(this: IExecuteFunctions, item: INodeExecutionData, i: number): Record<string, unknown> {
	const mode = this.getNodeParameter('fieldsToSend', i, 'autoMapInputData') as string;
	if (mode === 'defineBelow') {
		const rows = ((this.getNodeParameter('fieldValues', i, {}) as IDataObject).values ?? []) as Array<{ fieldId?: string; fieldValue?: unknown }>;
		const fields: Record<string, unknown> = {};
		for (const row of rows) {
			const name = String(row.fieldId ?? '').trim();
			if (name) fields[name] = row.fieldValue;
		}
		if (!Object.keys(fields).length) throw new NodeOperationError(this.getNode(), 'No fields to send', { itemIndex: i, description: 'Add at least one field under Fields' });
		return fields;
	}
	const ignore = new Set(
		String(this.getNodeParameter('inputsToIgnore', i, '') ?? '')
			.split(',')
			.map((s) => s.trim())
			.filter(Boolean),
	);
	// `_sync` is sync bookkeeping between our nodes, never a CRM field.
	ignore.add(SYNC_KEY);
	const fields: Record<string, unknown> = {};
	for (const [k, v] of Object.entries(item.json)) if (!ignore.has(k)) fields[k] = v;
	if (!Object.keys(fields).length) throw new NodeOperationError(this.getNode(), 'The input item has no fields to send', { itemIndex: i });
	return fields;
}

function merge(input: IDataObject, result: IDataObject): IDataObject {
	const out: IDataObject = { ...input };
	// `id` is always the CRM id (null when the write failed); an input id is kept as inputId.
	if (input.id !== undefined && input.id !== null && String(input.id) !== String(result.id ?? '')) out.inputId = input.id;
	for (const [k, v] of Object.entries(result)) if (v !== undefined || k === 'id') out[k] = v ?? null;
	return out;
}

function recordJson(r: CrmRecord, nest: boolean): IDataObject {
	const meta: IDataObject = { id: r.id, object: r.object, modifiedAt: r.modifiedAt, deleted: r.deleted === true };
	return nest ? { ...meta, fields: r.fields as IDataObject } : { ...(r.fields as IDataObject), ...meta };
}

/** A short name for a record in error messages: its id, else a recognisable field. */
function describeRecord(input: WriteInput): string {
	if (input.id) return `record ${input.id}`;
	const f = input.fields;
	for (const key of ['Email', 'email', 'Name', 'name', 'LastName', 'lastname', 'Company', 'company', 'dealname', 'Subject']) {
		const v = f[key];
		if (typeof v === 'string' && v) return `new record "${v.slice(0, 80)}"`;
	}
	return 'new record';
}

function failureJson(error: unknown): IDataObject {
	return { success: false, created: false, ...errorJson(error) };
}

function errorJson(error: unknown): IDataObject {
	if (error instanceof SyncError) {
		const out: IDataObject = { error: error.message, errorKind: error.kind, hint: error.hint };
		if (error.fields?.length) out.errorFields = error.fields;
		if (error.code) out.errorCode = error.code;
		return out;
	}
	return { error: (error as Error)?.message ?? String(error) };
}

function idList(value: unknown): string[] {
	const list = Array.isArray(value) ? value : String(value ?? '').split(',');
	return list.map((v) => String(v ?? '').trim()).filter(Boolean);
}

function str(v: unknown): string | undefined {
	if (v === undefined || v === null) return undefined;
	const s = String(v).trim();
	return s ? s : undefined;
}

function required(this: IExecuteFunctions, name: string, i: number): string {
	// extractValue: resource locators (CRM ID) give their value; plain parameters are unchanged.
	const v = str(this.getNodeParameter(name, i, '', { extractValue: true }));
	if (!v) throw new NodeOperationError(this.getNode(), `"${name}" is empty`, { itemIndex: i, description: 'Set it, e.g. with an expression such as {{ $json.id }}' });
	return v;
}

function toIso(this: IExecuteFunctions, value: string, i: number): string {
	const t = Date.parse(value);
	if (!Number.isFinite(t)) {
		throw new NodeOperationError(this.getNode(), `"${value}" is not a date and time`, { itemIndex: i, description: 'Use an ISO 8601 time such as 2026-11-24T09:00:00Z' });
	}
	return new Date(t).toISOString();
}
