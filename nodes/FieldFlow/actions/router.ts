import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError, jsonParse } from 'n8n-workflow';
import type { FieldFlowClient, FieldFlowRecord, ListQuery } from '../../shared/fieldflow/client';
import { getFieldFlowClient } from '../../n8nSide/transport/fieldflow';
import { outcomeError } from '../../shared/sync/protocol';
import { toNodeError } from '../../n8nSide/errors';
import { addHints, failedRecord, writeFailuresHint, type FailedRecord } from '../../n8nSide/hints';
import { RESOURCE_PATHS, type ResourceKey } from './descriptions';
import { upsertSyncItems } from './upsert';
import { isAfter, parsePosition, type FeedPosition } from '../../shared/keyset';

type Operation = 'get' | 'getMany' | 'getChangedSince' | 'create' | 'update' | 'delete' | 'upsert';

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const resource = this.getNodeParameter('resource', 0) as ResourceKey;
	const operation = this.getNodeParameter('operation', 0) as Operation;
	const client = await getFieldFlowClient.call(this);

	if (resource === 'prospect' && operation === 'upsert') {
		return [await upsertSyncItems.call(this, client, items)];
	}
	if (resource === 'prospect' && (operation === 'create' || operation === 'update')) {
		return [await writeProspects.call(this, client, operation, items.length)];
	}

	const out: INodeExecutionData[] = [];
	for (let i = 0; i < items.length; i++) {
		try {
			const records = await runOne.call(this, client, resource, operation, i);
			for (const json of records) out.push({ json, pairedItem: { item: i } });
		} catch (error) {
			if (this.continueOnFail()) {
				out.push({ json: outcomeError(error) as unknown as IDataObject, pairedItem: { item: i } });
				continue;
			}
			throw toNodeError(this.getNode(), error, i);
		}
	}
	return [out];
}

async function runOne(this: IExecuteFunctions, client: FieldFlowClient, resource: ResourceKey, operation: Operation, i: number): Promise<IDataObject[]> {
	const path = RESOURCE_PATHS[resource];
	switch (operation) {
		case 'get':
			return [await client.get<FieldFlowRecord>(path, requireId.call(this, i)) as IDataObject];
		case 'getMany':
		case 'getChangedSince': {
			const options = this.getNodeParameter('options', i, {}) as IDataObject;
			const { includeDeleted, pageSize, continueAfter, until, ...filters } = options;
			const query: ListQuery = {
				includeDeleted: includeDeleted === true,
				filters: Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== '' && v !== undefined).map(([k, v]) => [k, String(v)])),
			};
			let max = Infinity;
			let window: ReadWindow | undefined;
			if (operation === 'getChangedSince') {
				query.updatedSince = toIso.call(this, this.getNodeParameter('since', i) as string, i);
				window = readWindow.call(this, query.updatedSince, { pageSize, continueAfter, until }, i);
				if (window.empty) return [];
				query.updatedSince = window.since;
				max = window.max;
			} else if (!(this.getNodeParameter('returnAll', i, false) as boolean)) {
				max = this.getNodeParameter('limit', i, 50) as number;
				query.limit = Math.min(200, max);
			}
			const records: FieldFlowRecord[] = [];
			scan: for await (const page of client.pages(path, query)) {
				for (const r of page.data) {
					const at = Date.parse(String(r.updated_at ?? ''));
					if (window?.after && !isAfter(at, String(r.id), window.after)) continue;
					// Records come ordered by updated_at: the first one at or after Until ends the window.
					if (window?.until !== undefined && at >= window.until) break scan;
					records.push(r);
					if (records.length >= max) break scan;
				}
			}
			return records as IDataObject[];
		}
		case 'create':
			return [(await client.create<FieldFlowRecord>(path, fieldsOf.call(this, i), String(i))) as IDataObject];
		case 'update':
			return [(await client.update<FieldFlowRecord>(path, requireId.call(this, i), fieldsOf.call(this, i))) as IDataObject];
		case 'delete': {
			const id = requireId.call(this, i);
			await client.delete(path, id);
			return [{ id, deleted: true }];
		}
	}
	throw new NodeOperationError(this.getNode(), `Unknown operation "${operation as string}"`, { itemIndex: i });
}

interface ReadWindow {
	since: string;
	/** Continue strictly after this position of the (updated_at, id) order. */
	after?: FeedPosition;
	/** Stop before records changed at or after this time (ms). */
	until?: number;
	max: number;
	/** True when nothing can be in the window (Since at or after Until): no API call. */
	empty: boolean;
}

/**
 * Get Changed Since in pages (one page per execution, the bulk sync's paged runs): Page Size
 * caps the records, Continue After ("<updated_at>|<id>" of the last record of the previous page)
 * resumes strictly after it in the API's (updated_at, id) order, Until leaves out what changed
 * after the run started (the next run reads it).
 */
function readWindow(this: IExecuteFunctions, since: string, o: { pageSize?: unknown; continueAfter?: unknown; until?: unknown }, i: number): ReadWindow {
	const size = Number(o.pageSize ?? 0);
	if (!Number.isInteger(size) || size < 0) {
		throw new NodeOperationError(this.getNode(), `Page Size "${String(o.pageSize)}" is not a whole number`, { itemIndex: i, description: 'Use 0 for every record, or the number of records per page (e.g. 2000)' });
	}
	const window: ReadWindow = { since, max: size || Infinity, empty: false };
	const raw = String(o.continueAfter ?? '').trim();
	if (raw) {
		const after = parsePosition(raw);
		if (!after) {
			throw new NodeOperationError(this.getNode(), `Continue After "${raw}" is not "<updated_at>|<id>"`, { itemIndex: i, description: 'Use the updated_at and id of the last record of the previous page, e.g. 2026-11-24T09:30:00.000Z|pr_000123, or leave it empty to start at Since' });
		}
		window.after = after;
		if (after.time > Date.parse(since)) window.since = new Date(after.time).toISOString();
	}
	if (String(o.until ?? '').trim()) {
		window.until = Date.parse(toIso.call(this, o.until as string, i));
		window.empty = Date.parse(window.since) >= window.until;
	}
	return window;
}

/** Prospect create/update for all items in FieldFlow batch calls (100 per call), one result per item. */
async function writeProspects(this: IExecuteFunctions, client: FieldFlowClient, operation: 'create' | 'update', count: number): Promise<INodeExecutionData[]> {
	const out: INodeExecutionData[] = [];
	const inputs: Array<{ ref: string; id?: string; fields: IDataObject }> = [];
	for (let i = 0; i < count; i++) {
		try {
			inputs.push({ ref: String(i), id: operation === 'update' ? requireId.call(this, i) : undefined, fields: fieldsOf.call(this, i) });
		} catch (error) {
			if (!this.continueOnFail()) throw toNodeError(this.getNode(), error, i);
			out[i] = { json: outcomeError(error) as unknown as IDataObject, pairedItem: { item: i } };
		}
	}
	const results = await client.upsertProspects(inputs);
	const failed: FailedRecord[] = [];
	for (const r of results) {
		const i = Number(r.ref);
		if (r.success) {
			out[i] = { json: { ...((r.record ?? { id: r.id! }) as IDataObject), created: r.created ?? false }, pairedItem: { item: i } };
			continue;
		}
		if (!this.continueOnFail()) throw toNodeError(this.getNode(), r.error, i);
		out[i] = { json: outcomeError(r.error) as unknown as IDataObject, pairedItem: { item: i } };
		const input = inputs.find((x) => x.ref === r.ref);
		failed.push(failedRecord({ ...input?.fields, ...out[i].json }, { ids: [input?.id] }));
	}
	if (failed.length) addHints.call(this, writeFailuresHint({ system: 'FieldFlow', total: inputs.length, failed, sync: false }));
	return out;
}

function requireId(this: IExecuteFunctions, i: number): string {
	// A resource locator (from list / by ID / by URL) or, in older workflows, a plain string.
	const id = String(this.getNodeParameter('id', i, '', { extractValue: true }) ?? '').trim();
	if (!id) throw new NodeOperationError(this.getNode(), 'The ID is empty', { itemIndex: i, description: 'Set the ID parameter, e.g. with an expression such as {{ $json.id }}' });
	return id;
}

function fieldsOf(this: IExecuteFunctions, i: number): IDataObject {
	const fields = { ...(this.getNodeParameter('fields', i, {}) as IDataObject) };
	if (typeof fields.custom_fields === 'string') {
		try {
			fields.custom_fields = jsonParse<IDataObject>(fields.custom_fields || '{}');
		} catch {
			throw new NodeOperationError(this.getNode(), 'Custom Fields (JSON) is not valid JSON', { itemIndex: i });
		}
	}
	for (const key of ['start_time', 'completed_at']) {
		if (typeof fields[key] === 'string' && fields[key]) fields[key] = toIso.call(this, fields[key] as string, i);
	}
	return fields;
}

function toIso(this: IExecuteFunctions, value: string, i: number): string {
	const t = Date.parse(value);
	if (!Number.isFinite(t)) {
		throw new NodeOperationError(this.getNode(), `"${value}" is not a date and time`, { itemIndex: i, description: 'Use an ISO 8601 time such as 2026-11-24T09:00:00Z' });
	}
	return new Date(t).toISOString();
}
