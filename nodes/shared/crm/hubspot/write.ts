/**
 * HubSpot writes: batch create / update / upsert (100 inputs per call, an objectWriteTraceId on
 * every input so batch create answers 207 with per-record errors) through the shared batch loop,
 * and batch archive (read first: archive answers 204 even for unknown ids). Batch update / upsert
 * fail as a whole on one bad input (a 400): the loop bisects the rejected batch (`splitOn`).
 */
import chunk from 'lodash/chunk';
import { SyncError, oversizedValue } from '../../errors';
import { failure, forecastBatchWrites, runBatches, type BatchEndpoint, type BatchJob, type WriteKind } from '../batch';
import type { CallForecast, UpsertOptions, WriteCounts, WriteInput, WriteResult } from '../types';
import { inlineAssociations } from './associations';
import { HUBSPOT_BATCH_SIZE, HUBSPOT_STRING_MAX, uniqueList, type HubSpotClient, type RawBatch, type RawObject } from './client';

/**
 * HubSpot's batch endpoints, as counted. Upsert by a unique idProperty is idempotent (a resend
 * finds the record the first send made); a plain create is not. Delete reads the chunk first
 * (batch archive answers 204 even for unknown ids), then archives it.
 */
export const HUBSPOT_WRITES: Record<WriteKind, BatchEndpoint> = {
	create: { endpoint: 'objects.batch.create', size: HUBSPOT_BATCH_SIZE, safety: 'creates' },
	update: { endpoint: 'objects.batch.update', size: HUBSPOT_BATCH_SIZE, safety: 'idempotent' },
	upsert: { endpoint: 'objects.batch.upsert', size: HUBSPOT_BATCH_SIZE, safety: 'idempotent' },
	delete: { endpoint: 'objects.batch.archive', size: HUBSPOT_BATCH_SIZE, safety: 'idempotent', before: 'objects.batch.read' },
};

/** Pure: the HubSpot calls `counts` writes cost per endpoint when none is retried (same table as the writes). */
export function forecastHubSpotWrites(counts: WriteCounts): CallForecast {
	return forecastBatchWrites(HUBSPOT_WRITES, counts);
}

export async function upsert(hs: HubSpotClient, object: string, inputs: WriteInput[], options: UpsertOptions = {}): Promise<WriteResult[]> {
	hs.checkObject(object);
	const results: Array<WriteResult | undefined> = new Array(inputs.length);
	const creates: number[] = [];
	const updates: number[] = [];
	const upserts: number[] = [];
	inputs.forEach((inp, i) => {
		const tooLong = oversizedValue('HubSpot', object, inp.ref, inp.fields, HUBSPOT_STRING_MAX);
		if (tooLong) results[i] = failure(inp.ref, tooLong);
		else if (inp.id) updates.push(i);
		else if (options.idProperty) {
			const key = inp.fields[options.idProperty];
			if (key === undefined || key === null || key === '') {
				results[i] = failure(inp.ref, new SyncError({ kind: 'validation', message: `HubSpot ${object}: "${options.idProperty}" is empty, so the record cannot be matched for upsert.`, fields: [options.idProperty], recordRef: inp.ref }));
			} else upserts.push(i);
		} else creates.push(i);
	});

	const refs = inputs.map((inp) => inp.ref);
	const job = (kind: 'create' | 'update' | 'upsert', indexes: number[], send: (batch: Array<Record<string, unknown>>) => Promise<unknown>, toInput: (inp: WriteInput, trace: string) => Record<string, unknown>): BatchJob<unknown> => {
		const spec = HUBSPOT_WRITES[kind];
		return {
			spec,
			indexes,
			send: (part) => hs.batchRaw(spec.endpoint, `${kind} ${object}`, () => send(part.map((i, n) => toInput(inputs[i], String(n)))), spec.safety),
			read: (part, raw, res) => matchBatch(hs, object, part, inputs, raw as RawBatch, res, kind, options.idProperty),
			// Batch update / upsert are all-or-nothing at HubSpot (multi-status is documented for batch
			// create only): one invalid input fails the batch with a 400. Split it to write the valid
			// records and give each bad one its own error.
			splitOn: kind === 'create' ? undefined : (err, part) => splitsOnRecordError(err, part.map((i) => inputs[i])),
		};
	};
	const { authExpired, sentAny } = await runBatches(
		refs,
		[
			job('create', creates, (b) => hs.client.crm.objects.batchApi.createWithHttpInfo(object, { inputs: b as never }), (inp, trace) => ({ properties: toHubSpotValues(inp.fields), associations: inlineAssociations(object, inp.associations), objectWriteTraceId: trace })),
			job('update', updates, (b) => hs.client.crm.objects.batchApi.updateWithHttpInfo(object, { inputs: b as never }), (inp, trace) => ({ id: inp.id, properties: toHubSpotValues(inp.fields), objectWriteTraceId: trace })),
			job('upsert', upserts, (b) => hs.client.crm.objects.batchApi.upsertWithHttpInfo(object, { inputs: b as never }), (inp, trace) => ({ id: String(inp.fields[options.idProperty!]), idProperty: options.idProperty, properties: toHubSpotValues(omit(inp.fields, options.idProperty!)), objectWriteTraceId: trace })),
		],
		results,
		(e) => hs.classify(e, `write ${object}`),
	);
	// Nothing was written at all: the call as a whole failed on auth (the caller stops there).
	if (authExpired && !sentAny) throw authExpired;
	return results.map((r, i) => r ?? failure(inputs[i].ref, new SyncError({ kind: 'unknown', message: `HubSpot gave no result for ${object} record ${inputs[i].ref}.`, recordRef: inputs[i].ref })));
}

/**
 * Whether a whole-batch rejection may be one record's fault: a validation (400/409) or not-found
 * (404) error. An unknown property that every input of the part carries is everyone's fault, so
 * splitting would only cost calls.
 */
function splitsOnRecordError(err: SyncError, part: WriteInput[]): boolean {
	if (err.kind !== 'validation' && err.kind !== 'not_found') return false;
	if (err.code === 'PROPERTY_DOESNT_EXIST' && err.fields?.length) {
		const everyone = err.fields.every((f) => part.every((inp) => Object.prototype.hasOwnProperty.call(inp.fields, f)));
		if (everyone) return false;
	}
	return true;
}

/** Pair a batch answer with its inputs: by objectWriteTraceId, else by id / idProperty, else by order. */
function matchBatch(hs: HubSpotClient, object: string, part: number[], inputs: WriteInput[], raw: RawBatch, results: Array<WriteResult | undefined>, kind: 'create' | 'update' | 'upsert', idProperty?: string): void {
	const failed = new Set<number>();
	for (const e of raw.errors ?? []) {
		const traces = e.context?.objectWriteTraceId ?? [];
		const ids = e.context?.ids ?? [];
		const targets = traces.length
			? traces.map((t) => part[Number(t)]).filter((i) => i !== undefined)
			: part.filter((i) => ids.includes(inputs[i].id ?? ''));
		for (const i of targets) {
			failed.add(i);
			results[i] = failure(inputs[i].ref, hs.recordError(object, e, inputs[i].ref));
		}
	}
	const pending = part.filter((i) => !failed.has(i));
	const byTrace = new Map<number, RawObject>();
	const rest: RawObject[] = [];
	for (const r of raw.results ?? []) {
		if (r.objectWriteTraceId !== undefined && part[Number(r.objectWriteTraceId)] !== undefined) byTrace.set(part[Number(r.objectWriteTraceId)], r);
		else rest.push(r);
	}
	for (const i of pending) {
		let r = byTrace.get(i);
		if (!r && kind === 'update') r = rest.find((x) => x.id === inputs[i].id);
		if (!r && idProperty) {
			const key = String(inputs[i].fields[idProperty]).toLowerCase();
			r = rest.find((x) => String(x.properties?.[idProperty] ?? '').toLowerCase() === key);
		}
		if (!r) r = rest.shift();
		else if (rest.includes(r)) rest.splice(rest.indexOf(r), 1);
		if (!r) continue;
		const created = kind === 'create' ? true : kind === 'upsert' ? r.new === true : false;
		results[i] = { ref: inputs[i].ref, success: true, id: r.id, created };
	}
}

export async function deleteRecords(hs: HubSpotClient, object: string, ids: string[]): Promise<WriteResult[]> {
	hs.checkObject(object);
	const out = new Map<string, WriteResult>();
	const spec = HUBSPOT_WRITES.delete;
	for (const part of chunk(uniqueList(ids), spec.size)) {
		// Batch archive answers 204 even for unknown ids: read first to report not_found.
		const raw = await hs.batchRaw(spec.before!, `read ${object} before delete`, () =>
			hs.client.crm.objects.batchApi.readWithHttpInfo(object, { inputs: part.map((id) => ({ id })), properties: ['hs_object_id'], propertiesWithHistory: [] }),
		);
		const existing = new Set((raw.results ?? []).map((r) => r.id));
		for (const id of part) {
			if (!existing.has(id)) out.set(id, failure(id, new SyncError({ kind: 'not_found', status: 404, code: 'OBJECT_NOT_FOUND', message: `HubSpot ${object} ${id} does not exist (already deleted?).`, recordRef: id })));
		}
		const live = part.filter((id) => existing.has(id));
		if (!live.length) continue;
		await hs.call(spec.endpoint, `delete ${object}`, () => hs.client.crm.objects.batchApi.archive(object, { inputs: live.map((id) => ({ id })) }), undefined, spec.safety);
		for (const id of live) out.set(id, { ref: id, success: true, id, created: false });
	}
	return ids.map((id) => out.get(id)!);
}

/** HubSpot takes every property value as a string; '' clears a value. */
export function toHubSpotValues(fields: Record<string, unknown>): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [k, v] of Object.entries(fields)) {
		if (v === null || v === undefined) out[k] = '';
		else if (v instanceof Date) out[k] = v.toISOString();
		else if (typeof v === 'object') out[k] = Array.isArray(v) ? v.join(';') : JSON.stringify(v);
		else out[k] = String(v);
	}
	return out;
}

function omit(o: Record<string, unknown>, key: string): Record<string, unknown> {
	const { [key]: _drop, ...rest } = o;
	void _drop;
	return rest;
}
