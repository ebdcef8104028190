/**
 * The one batch-write loop of the batch CRMs (Salesforce sObject Collections, HubSpot batch API),
 * and the call forecast that uses the same endpoint table.
 *
 * An adapter describes each of its batch endpoints once (`BatchEndpoint`: the name its calls are
 * counted under, the vendor's largest batch, and its `WriteSafety`), then hands `runBatches` the
 * positions of the inputs that go to each endpoint. The loop chunks them, sends each chunk through
 * the adapter (which passes `safety` on to `callApi`, where `mayResend` is THE retry rule), maps the
 * per-record answers back to input positions, and stops cleanly on an expired token: chunks already
 * answered keep their results (their records exist and must be linked), every chunk not yet sent
 * fails with a copy of the auth error.
 *
 * `forecastBatchWrites` turns write counts into calls per endpoint from the same table, so a
 * Preview's forecast equals the calls the loop makes (when no call is retried).
 */
import chunk from 'lodash/chunk';
import { SyncError } from '../errors';
import type { WriteSafety } from '../transport/retry';
import type { WriteCounts, WriteResult } from './types';

/** The kinds of write a plan asks a CRM for. */
export type WriteKind = 'create' | 'update' | 'upsert' | 'delete';

/** One batch endpoint as the adapter calls it. */
export interface BatchEndpoint {
	/** The name its calls are counted under (CallStats.byEndpoint and the sandboxes' counters). */
	endpoint: string;
	/** Records per call: the vendor's largest batch. */
	size: number;
	/** Whether a failed call may be sent again (see `mayResend`). */
	safety: WriteSafety;
	/** A call made once per chunk before the write itself (HubSpot reads before it archives). */
	before?: string;
}

/** One endpoint's share of a write: which inputs go there, and how a chunk is sent and read. */
export interface BatchJob<Raw> {
	spec: BatchEndpoint;
	/** Positions in the caller's input list. */
	indexes: number[];
	/** One API call for one chunk (positions); must pass `spec.safety` to callApi. */
	send: (part: number[]) => Promise<Raw>;
	/** Set `results[i]` for each position of an answered chunk (left unset = no result). */
	read: (part: number[], raw: Raw, results: Array<WriteResult | undefined>) => void;
	/**
	 * Whether a chunk the vendor rejected as a whole (`err`) is split to find its bad records
	 * (HubSpot batch update / upsert: one invalid input fails the batch with a 400). Unset = never
	 * (Salesforce collections answer per record). See `runBatches` for the cost.
	 */
	splitOn?: (err: SyncError, part: number[]) => boolean;
}

export interface BatchOutcome {
	/** The auth error that stopped the writes (later chunks were not sent). */
	authExpired?: SyncError;
	/** Whether any chunk was answered. */
	sentAny: boolean;
}

/** A batch-level error, copied for one record of the batch. */
export function errorFor(err: SyncError, ref: string): SyncError {
	return new SyncError({ kind: err.kind, status: err.status, code: err.code, fields: err.fields, retryAfterMs: err.retryAfterMs, hint: err.hint, message: err.message, recordRef: ref });
}

export function failure(ref: string, error: SyncError): WriteResult {
	return { ref, success: false, error };
}

/**
 * Run `jobs` in order, chunk by chunk. `refs[i]` names input i in its results; `toError` turns
 * what a send threw into a SyncError. Results land in `results` (positions of `refs`).
 */
export async function runBatches(
	refs: string[],
	jobs: Array<BatchJob<unknown>>,
	results: Array<WriteResult | undefined>,
	toError: (e: unknown) => SyncError,
): Promise<BatchOutcome> {
	const out: BatchOutcome = { sentAny: false };
	for (const job of jobs) {
		for (const part of chunk(job.indexes, job.spec.size)) {
			if (out.authExpired) {
				for (const i of part) results[i] = failure(refs[i], errorFor(out.authExpired, refs[i]));
				continue;
			}
			// Halves of unknown state are kept back and sent merged, once the bad records that made
			// their chunk fail are isolated (see sendPart).
			const deferred: number[] = [];
			await sendPart(job, part, undefined, deferred);
			while (deferred.length) await sendPart(job, deferred.splice(0).sort((x, y) => x - y), undefined, deferred);
		}
	}
	return out;

	/**
	 * Send one chunk; true when it was answered. A chunk rejected as a whole that the job splits
	 * (`splitOn`) is bisected: the left half is sent; when it passes, the right half is known to
	 * hold a bad record and is split without being sent as a whole (`known`); when it fails too,
	 * the right half's state is unknown: it goes to `deferred`, and the caller sends every deferred
	 * half of the chunk merged in one call after the bad records are isolated (a merged chunk that
	 * fails is bisected the same way). A single record is always sent alone, so its error is its
	 * own (which field). One bad record in a chunk of n costs the probes down its path (⌈log2 n⌉,
	 * one more for the record alone) plus one call for the deferred halves: at most ⌈log2 n⌉ + 2
	 * (100 records: 7 to 9 extra calls; up to 14 when both halves were always sent); k bad records
	 * about k·(⌈log2 n⌉ + 2) (the sandbox test measures it); every valid record is written by the
	 * chunk that holds it.
	 */
	async function sendPart(job: BatchJob<unknown>, part: number[], known: SyncError | undefined, deferred: number[]): Promise<boolean> {
		if (out.authExpired) {
			for (const i of part) results[i] = failure(refs[i], errorFor(out.authExpired, refs[i]));
			return false;
		}
		let err = known;
		if (!err || part.length === 1) {
			try {
				const raw = await job.send(part);
				out.sentAny = true;
				job.read(part, raw, results);
				return true;
			} catch (e) {
				err = toError(e);
				if (err.kind === 'auth_expired') out.authExpired = err;
			}
		}
		if (part.length > 1 && !out.authExpired && job.splitOn?.(err, part)) {
			const mid = Math.ceil(part.length / 2);
			const leftOk = await sendPart(job, part.slice(0, mid), undefined, deferred);
			if (leftOk) await sendPart(job, part.slice(mid), err, deferred);
			else deferred.push(...part.slice(mid));
			return false;
		}
		for (const i of part) results[i] = failure(refs[i], errorFor(err, refs[i]));
		return false;
	}
}

/** Calls per endpoint for `counts` writes, from the adapter's endpoint table. Pure. */
export function forecastBatchWrites(table: Partial<Record<WriteKind, BatchEndpoint>>, counts: WriteCounts): Record<string, number> {
	const out: Record<string, number> = {};
	const add = (endpoint: string, calls: number) => {
		if (calls > 0) out[endpoint] = (out[endpoint] ?? 0) + calls;
	};
	const wanted: Record<WriteKind, number | undefined> = { create: counts.creates, update: counts.updates, upsert: counts.upserts, delete: counts.deletes };
	for (const kind of Object.keys(table) as WriteKind[]) {
		const spec = table[kind]!;
		const calls = Math.ceil(Math.max(0, wanted[kind] ?? 0) / spec.size);
		if (spec.before) add(spec.before, calls);
		add(spec.endpoint, calls);
	}
	return out;
}
