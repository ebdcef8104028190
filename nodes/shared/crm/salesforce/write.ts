/**
 * Salesforce writes: sObject Collections create / update / upsert by external id / delete (200
 * records per call, allOrNone false: per-record results) through the shared batch loop.
 */
import { malformedAnswer, oversizedValue, SyncError } from '../../errors';
import { errorFor, failure, forecastBatchWrites, runBatches, type BatchEndpoint, type BatchJob, type WriteKind } from '../batch';
import type { CallForecast, UpsertOptions, WriteCounts, WriteInput, WriteResult } from '../types';
import type { SalesforceClient } from './client';
import { recordErrorKind } from './errors';

/** The longest text any Salesforce field holds (Long Text Area: 131,072 characters). */
export const SALESFORCE_TEXT_MAX = 131_072;

/** sObject Collections limit per request. */
const COLLECTION_MAX = 200;
/**
 * Salesforce's sObject Collections endpoints, as counted. Upsert by an external id field is
 * idempotent (a resend finds the record the first send made); a plain create is not.
 */
export const SALESFORCE_WRITES: Record<WriteKind, BatchEndpoint> = {
	create: { endpoint: 'collections.create', size: COLLECTION_MAX, safety: 'creates' },
	update: { endpoint: 'collections.update', size: COLLECTION_MAX, safety: 'idempotent' },
	upsert: { endpoint: 'collections.upsert', size: COLLECTION_MAX, safety: 'idempotent' },
	delete: { endpoint: 'collections.delete', size: COLLECTION_MAX, safety: 'idempotent' },
};
/** Pure: the Salesforce calls `counts` writes cost per endpoint when none is retried (same table as the writes). */
export function forecastSalesforceWrites(counts: WriteCounts): CallForecast {
	return forecastBatchWrites(SALESFORCE_WRITES, counts);
}

export type SaveResult = { id?: string; success: boolean; created?: boolean; errors?: Array<{ statusCode?: string; errorCode?: string; message: string; fields?: string[] }> };

function resultFor(object: string, ref: string, r: SaveResult | undefined, created: boolean | undefined): WriteResult {
	if (r && r.success) return { ref, success: true, id: r.id, created: r.created ?? created };
	const errors = r?.errors ?? [];
	const first = errors[0];
	const code = first?.statusCode ?? first?.errorCode;
	const fields = [...new Set(errors.flatMap((e) => e.fields ?? []))];
	return {
		ref,
		success: false,
		...(r?.id ? { id: r.id } : {}),
		error: new SyncError({
			kind: recordErrorKind(code, fields),
			code,
			status: 400,
			fields: fields.length ? fields : undefined,
			recordRef: ref,
			message: `Salesforce ${object} ${ref}: ${errors.map((e) => `${e.statusCode ?? e.errorCode}: ${e.message}`).join('; ') || 'no result returned'}`,
		}),
	};
}

export async function upsert(sf: SalesforceClient, object: string, inputs: WriteInput[], options: UpsertOptions = {}): Promise<WriteResult[]> {
	const results: WriteResult[] = new Array(inputs.length);
	const clean = (f: Record<string, unknown>) => Object.fromEntries(Object.entries(f).filter(([k, v]) => v !== undefined && k !== 'Id' && k !== 'attributes'));
	const creates: number[] = [];
	const updates: number[] = [];
	const byExt: number[] = [];
	inputs.forEach((inp, i) => {
		const tooLong = oversizedValue('Salesforce', object, inp.ref, inp.fields, SALESFORCE_TEXT_MAX);
		if (tooLong) results[i] = { ref: inp.ref, success: false, error: tooLong };
		else if (inp.id) updates.push(i);
		else if (options.idProperty) {
			const v = inp.fields[options.idProperty];
			if (v === undefined || v === null || v === '') {
				results[i] = {
					ref: inp.ref,
					success: false,
					error: new SyncError({ kind: 'validation', fields: [options.idProperty], recordRef: inp.ref, code: 'MISSING_ARGUMENT', message: `Salesforce ${object} ${inp.ref}: no value for the external id field ${options.idProperty}` }),
				};
			} else byExt.push(i);
		} else creates.push(i);
	});
	const job = (kind: 'create' | 'update' | 'upsert', indexes: number[], created: boolean | undefined, send: (batch: number[]) => Promise<SaveResult[]>): BatchJob<unknown> => {
		const spec = SALESFORCE_WRITES[kind];
		return {
			spec,
			indexes,
			send: (part) => sf.call(spec.endpoint, () => send(part), spec.safety),
			read: (part, res, out) => readCollection(object, part.map((i) => inputs[i].ref), part, res, out, spec.endpoint, created),
		};
	};
	await runBatches(
		inputs.map((inp) => inp.ref),
		[
			job('create', creates, true, async (b) => (await sf.conn.create(object, b.map((i) => clean(inputs[i].fields)), { allOrNone: false })) as SaveResult[]),
			job('update', updates, false, async (b) => (await sf.conn.update(object, b.map((i) => ({ ...clean(inputs[i].fields), Id: inputs[i].id! })), { allOrNone: false })) as SaveResult[]),
			job('upsert', byExt, undefined, async (b) => (await sf.conn.upsert(object, b.map((i) => clean(inputs[i].fields)), options.idProperty!, { allOrNone: false })) as unknown as SaveResult[]),
		],
		results,
		(e) => sf.classify(e),
	);
	return results as WriteResult[];
}

/** One result per record of an answered collection call, or the whole chunk fails as malformed. */
function readCollection(object: string, refs: string[], part: number[], res: unknown, results: Array<WriteResult | undefined>, endpoint: string, created: boolean | undefined): void {
	if (!Array.isArray(res) || res.length !== part.length) {
		const err = malformedAnswer('Salesforce', `${object} ${endpoint}`, `did not list one result per record (${part.length} sent)`);
		part.forEach((i, k) => (results[i] = failure(refs[k], errorFor(err, refs[k]))));
		return;
	}
	part.forEach((i, k) => (results[i] = resultFor(object, refs[k], (res as SaveResult[])[k], created)));
}

export async function deleteRecords(sf: SalesforceClient, object: string, ids: string[]): Promise<WriteResult[]> {
	const results: Array<WriteResult | undefined> = new Array(ids.length);
	const spec = SALESFORCE_WRITES.delete;
	await runBatches(
		ids,
		[
			{
				spec,
				indexes: ids.map((_, i) => i),
				send: (part) => sf.call(spec.endpoint, () => sf.conn.destroy(object, part.map((i) => ids[i]), { allOrNone: false }), spec.safety),
				read: (part, res, out) => readCollection(object, part.map((i) => ids[i]), part, res, out, spec.endpoint, undefined),
			},
		],
		results,
		(e) => sf.classify(e),
	);
	return results as WriteResult[];
}
