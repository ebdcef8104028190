/**
 * Pipedrive writes: no batch endpoint, so one call per record over a bounded pool that stops at
 * the first expired token; upsert by a unique property searches first.
 */
import { SyncError, malformedAnswer, oversizedValue } from '../../errors';
import type { CallForecast, UpsertOptions, WriteCounts, WriteInput, WriteResult } from '../types';
import { OBJECTS, pipedriveObject, type PipedriveClient, type PipedriveObject } from './client';

/** The longest text any Pipedrive field holds (large text fields). */
export const PIPEDRIVE_TEXT_MAX = 65_535;

/**
 * Pure: the Pipedrive calls `counts` writes of `object` cost when none is retried. Pipedrive has no
 * batch writes: one call per record per endpoint (`<object>.create` / `.update` / `.delete`). An
 * upsert by a unique property first searches (persons by email, organizations by name), then
 * writes; upserts are forecast as new records (a search and a create each; a match found costs an
 * update instead of the create).
 */
export function forecastPipedriveWrites(name: string, counts: WriteCounts): CallForecast {
	const object = pipedriveObject(name);
	const out: CallForecast = {};
	const add = (endpoint: string, calls = 0) => {
		if (calls > 0) out[endpoint] = (out[endpoint] ?? 0) + calls;
	};
	const upserts = object === 'persons' || object === 'organizations' ? (counts.upserts ?? 0) : 0;
	add(`${object}.search`, upserts);
	add(`${object}.create`, (counts.creates ?? 0) + upserts);
	add(`${object}.update`, counts.updates);
	add(`${object}.delete`, counts.deletes);
	return out;
}

export async function upsert(pd: PipedriveClient, object: string, inputs: WriteInput[], options: UpsertOptions = {}): Promise<WriteResult[]> {
	const o = pd.obj(object);
	return pd.writePool(inputs, (input) => input.ref, (input) => writeOne(pd, o, input, options));
}

async function writeOne(pd: PipedriveClient, o: PipedriveObject, input: WriteInput, options: UpsertOptions): Promise<WriteResult> {
	const tooLong = oversizedValue('Pipedrive', o, input.ref, input.fields, PIPEDRIVE_TEXT_MAX);
	if (tooLong) return { ref: input.ref, success: false, error: tooLong };
	try {
		let id = input.id;
		if (!id && options.idProperty) id = await findByProperty(pd, o, options.idProperty, input.fields[options.idProperty], input.ref);
		const { body, alias, fields } = pd.toBody(o, input.fields);
		if (id) {
			const n = pd.numericId(id, OBJECTS[o].singular, input.ref);
			const res = await pd.call(`${o}.update`, () => pd.ops[o].update(n, body), { what: `update ${OBJECTS[o].singular} ${id}`, ref: input.ref, safety: 'idempotent', alias, fields });
			if (!res?.data) throw malformedAnswer('Pipedrive', `update ${OBJECTS[o].singular} ${id}`, 'had no data', input.ref);
			return { ref: input.ref, success: true, id: String(res.data?.id ?? id), created: false };
		}
		const res = await pd.call(`${o}.create`, () => pd.ops[o].create(body), { what: `create ${OBJECTS[o].singular}`, ref: input.ref, safety: 'creates', alias, fields });
		// Never take a create without an id for written (it would be linked to "undefined").
		if (res?.data?.id === undefined || res.data.id === null) throw malformedAnswer('Pipedrive', `create ${OBJECTS[o].singular}`, 'carried no id', input.ref);
		return { ref: input.ref, success: true, id: String(res.data.id), created: true };
	} catch (e) {
		return { ref: input.ref, success: false, error: pd.classify(e, `write ${OBJECTS[o].singular}`, input.ref) };
	}
}

/** Upsert by a unique property: Pipedrive has none, so search for it (email / name). */
async function findByProperty(pd: PipedriveClient, o: PipedriveObject, prop: string, value: unknown, ref: string): Promise<string | undefined> {
	if (value === undefined || value === null || value === '') return undefined;
	const v = String(value);
	if (o === 'persons' && (prop === 'email' || prop === 'emails')) return (await pd.searchPersons(v, 'email'))[0];
	if (o === 'organizations' && prop === 'name') return (await pd.searchOrgs(v))[0];
	throw new SyncError({ kind: 'validation', recordRef: ref, fields: [prop], code: 'UNSUPPORTED_ID_PROPERTY', message: `Pipedrive cannot upsert ${o} by "${prop}": use email (persons) or name (organizations), or pass the record id.` });
}

export async function deleteRecords(pd: PipedriveClient, object: string, ids: string[]): Promise<WriteResult[]> {
	const o = pd.obj(object);
	return pd.writePool(ids, (id) => id, async (id) => {
		try {
			const n = pd.numericId(id, OBJECTS[o].singular);
			await pd.call(`${o}.delete`, () => pd.ops[o].remove(n), { what: `delete ${OBJECTS[o].singular} ${id}`, ref: id, safety: 'idempotent' });
			return { ref: id, success: true, id };
		} catch (e) {
			return { ref: id, success: false, id, error: pd.classify(e, `delete ${OBJECTS[o].singular} ${id}`, id) };
		}
	});
}
