import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError, jsonParse } from 'n8n-workflow';
import type { FieldFlowClient, FieldFlowRecord, ListQuery } from '../../shared/fieldflow/client';
import { SyncError } from '../../shared/errors';
import { getFieldFlowClient, toNodeError } from '../transport';
import { RESOURCE_PATHS, type ResourceKey } from './descriptions';
import { upsertSyncItems } from './upsert';

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
				out.push({ json: errorJson(error), pairedItem: { item: i } });
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
			const { includeDeleted, ...filters } = options;
			const query: ListQuery = {
				includeDeleted: includeDeleted === true,
				filters: Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== '' && v !== undefined).map(([k, v]) => [k, String(v)])),
			};
			let max = Infinity;
			if (operation === 'getChangedSince') {
				query.updatedSince = toIso.call(this, this.getNodeParameter('since', i) as string, i);
			} else if (!(this.getNodeParameter('returnAll', i, false) as boolean)) {
				max = this.getNodeParameter('limit', i, 50) as number;
				query.limit = Math.min(200, max);
			}
			const records: FieldFlowRecord[] = [];
			for await (const page of client.pages(path, query)) {
				records.push(...page.data);
				if (records.length >= max) break;
			}
			return records.slice(0, max) as IDataObject[];
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

/** Prospect create/update for all items in FieldFlow batch calls (100 per call), one result per item. */
async function writeProspects(this: IExecuteFunctions, client: FieldFlowClient, operation: 'create' | 'update', count: number): Promise<INodeExecutionData[]> {
	const out: INodeExecutionData[] = [];
	const inputs: Array<{ ref: string; id?: string; fields: IDataObject }> = [];
	for (let i = 0; i < count; i++) {
		try {
			inputs.push({ ref: String(i), id: operation === 'update' ? requireId.call(this, i) : undefined, fields: fieldsOf.call(this, i) });
		} catch (error) {
			if (!this.continueOnFail()) throw toNodeError(this.getNode(), error, i);
			out[i] = { json: errorJson(error), pairedItem: { item: i } };
		}
	}
	const results = await client.upsertProspects(inputs);
	for (const r of results) {
		const i = Number(r.ref);
		if (r.success) {
			out[i] = { json: { ...((r.record ?? { id: r.id! }) as IDataObject), created: r.created ?? false }, pairedItem: { item: i } };
			continue;
		}
		if (!this.continueOnFail()) throw toNodeError(this.getNode(), r.error, i);
		out[i] = { json: errorJson(r.error), pairedItem: { item: i } };
	}
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

function errorJson(error: unknown): IDataObject {
	if (error instanceof SyncError) return { error: error.message, errorKind: error.kind, hint: error.hint, fields: error.fields };
	return { error: (error as Error)?.message ?? String(error) };
}
