/**
 * Salesforce writes: sObject Collections create / update / upsert by external id / delete (200
 * records per call, allOrNone false: per-record results) through the shared batch loop.
 */
import { malformedAnswer, oversizedValue, SyncError } from '../../errors';
import { DEFAULT_RETRY } from '../../transport/retry';
import { errorFor, failure, forecastBatchWrites, runBatches, type BatchEndpoint, type BatchJob, type WriteKind } from '../batch';
import type { CallForecast, UpsertOptions, WriteCounts, WriteInput, WriteResult } from '../types';
import type { SalesforceClient } from './client';
import { recordErrorKind, salesforceHint } from './errors';

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

export type SaveResult = {
	id?: string;
	success: boolean;
	created?: boolean;
	errors?: Array<{ statusCode?: string; errorCode?: string; message: string; fields?: string[]; duplicateResult?: { duplicateRule?: string; matchResults?: Array<{ matchRecords?: Array<{ record?: { Id?: string } }> }> } }>;
};

/** A duplicate rule's DuplicateError names the rule and the records it matched: say which. */
function describeError(e: NonNullable<SaveResult['errors']>[number]): string {
	const base = `${e.statusCode ?? e.errorCode}: ${e.message}`;
	const d = e.duplicateResult;
	if (!d) return base;
	const ids = (d.matchResults ?? []).flatMap((m) => (m.matchRecords ?? []).map((r) => r.record?.Id)).filter(Boolean);
	return `${base} (duplicate rule ${d.duplicateRule ?? '?'}${ids.length ? `; matches ${ids.join(', ')}` : ''})`;
}

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
			hint: salesforceHint(code, object),
			code,
			status: 400,
			fields: fields.length ? fields : undefined,
			recordRef: ref,
			message: `Salesforce ${object} ${ref}: ${errors.map(describeError).join('; ') || 'no result returned'}`,
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
	const run = (only: Set<number> | undefined, locked: Set<number>) => {
		const job = (kind: 'create' | 'update' | 'upsert', indexes: number[], created: boolean | undefined, send: (batch: number[]) => Promise<SaveResult[]>): BatchJob<unknown> => {
			const spec = SALESFORCE_WRITES[kind];
			return {
				spec,
				indexes: only ? indexes.filter((i) => only.has(i)) : indexes,
				send: (part) => sf.call(spec.endpoint, () => send(part), spec.safety),
				read: (part, res, out) => readCollection(object, part.map((i) => inputs[i].ref), part, res, out, spec.endpoint, created, locked),
			};
		};
		// allOrNone false: each record is saved or fails on its own (see ALL_OR_NONE below).
		return runBatches(
			inputs.map((inp) => inp.ref),
			[
				job('create', creates, true, async (b) => (await sf.conn.create(object, b.map((i) => clean(inputs[i].fields)), { allOrNone: ALL_OR_NONE })) as SaveResult[]),
				job('update', updates, false, async (b) => (await sf.conn.update(object, b.map((i) => ({ ...clean(inputs[i].fields), Id: inputs[i].id! })), { allOrNone: ALL_OR_NONE })) as SaveResult[]),
				job('upsert', byExt, undefined, async (b) => (await sf.conn.upsert(object, b.map((i) => clean(inputs[i].fields)), options.idProperty!, { allOrNone: ALL_OR_NONE })) as unknown as SaveResult[]),
			],
			results,
			(e) => sf.classify(e),
		);
	};
	await withLockRetries(sf, run);
	return results as WriteResult[];
}

/**
 * sObject Collections' allOrNone: true rolls the whole request back when any record fails (every
 * other record answers ALL_OR_NONE_OPERATION_ROLLED_BACK); false (Salesforce's default) saves each
 * valid record and reports each failure in its own result, in request order. We always send
 * false, so one bad record fails only itself. (Create/Update/Upsert/Delete Records Using sObject
 * Collections, https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_create.htm,
 * and "allOrNone Parameters in Composite and Collections Requests",
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/requests_composite_allornone.htm)
 */
export const ALL_OR_NONE = false;

/**
 * Run a write, then resend only the records Salesforce answered UNABLE_TO_LOCK_ROW (another
 * transaction held the row or its parent; the record was not saved, so a resend cannot make a
 * second one, even for creates), with the retry policy's back-off, up to its attempts. A record
 * still locked after that keeps its transient error (queued for Retry, never as validation).
 */
async function withLockRetries(sf: SalesforceClient, run: (only: Set<number> | undefined, locked: Set<number>) => Promise<unknown>): Promise<void> {
	const policy = sf.config.retry ?? DEFAULT_RETRY;
	let locked = new Set<number>();
	await run(undefined, locked);
	for (let attempt = 1; locked.size && attempt < policy.maxAttempts; attempt++) {
		const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
		await sf.sleep(backoff / 2 + Math.random() * (backoff / 2));
		sf.stats.retries++;
		const again = locked;
		locked = new Set<number>();
		await run(again, locked);
	}
}

/** One result per record of an answered collection call, or the whole chunk fails as malformed. */
function readCollection(object: string, refs: string[], part: number[], res: unknown, results: Array<WriteResult | undefined>, endpoint: string, created: boolean | undefined, locked?: Set<number>): void {
	if (!Array.isArray(res) || res.length !== part.length) {
		const err = malformedAnswer('Salesforce', `${object} ${endpoint}`, `did not list one result per record (${part.length} sent)`);
		part.forEach((i, k) => (results[i] = failure(refs[k], errorFor(err, refs[k]))));
		return;
	}
	part.forEach((i, k) => {
		const r = (results[i] = resultFor(object, refs[k], (res as SaveResult[])[k], created));
		if (!r.success && r.error?.kind === 'transient') locked?.add(i);
	});
}

export async function deleteRecords(sf: SalesforceClient, object: string, ids: string[]): Promise<WriteResult[]> {
	const results: Array<WriteResult | undefined> = new Array(ids.length);
	const spec = SALESFORCE_WRITES.delete;
	await withLockRetries(sf, (only, locked) =>
		runBatches(
			ids,
			[
				{
					spec,
					indexes: ids.map((_, i) => i).filter((i) => !only || only.has(i)),
					send: (part) => sf.call(spec.endpoint, () => sf.conn.destroy(object, part.map((i) => ids[i]), { allOrNone: ALL_OR_NONE }), spec.safety),
					read: (part, res, out) => readCollection(object, part.map((i) => ids[i]), part, res, out, spec.endpoint, undefined, locked),
				},
			],
			results,
			(e) => sf.classify(e),
		),
	);
	return results as WriteResult[];
}
