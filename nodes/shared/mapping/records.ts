/**
 * One n8n item → one MappedRecord (the `_sync.record` of the envelope) plus the payload the item
 * shows at its top level. Used by the Mapping node for its input items and by the Conflict Resolver
 * for counterparts it reads by id. No n8n imports.
 */
import { CRM_LABELS, crmObjects } from '../crm';
import { HUBSPOT_STRING_MAX } from '../crm/hubspot';
import { PIPEDRIVE_TEXT_MAX } from '../crm/pipedrive';
import { SALESFORCE_TEXT_MAX } from '../crm/salesforce';
import type { CrmRecord, FieldInfo } from '../crm/types';
import { SyncError } from '../errors';
import { defaultMappings } from './defaults';
import { canonicalFromFieldflow, fieldflowPayload, mapToCrm, mapToFieldflow } from './engine';
import { memberIdsOf, type MappedRecord, type RecordProblem } from '../sync/protocol';
import { crmFieldSources, fieldsToCrm, type EffectiveMapping } from './effective';

export interface MapItemResult {
	/** What the item shows at its top level: CRM fields (FieldFlow → CRM) or a FieldFlow body (CRM → FieldFlow). */
	payload: Record<string, unknown>;
	record: MappedRecord;
	/** Type-check failures (validation SyncErrors naming record, field and value). */
	errors: SyncError[];
}

const CRM_META_KEYS = new Set(['id', 'object', 'modifiedAt', 'deleted', 'members', 'feedPosition', 'convertedFrom']);

function str(v: unknown): string {
	return v === undefined || v === null ? '' : String(v).trim();
}

/** A FieldFlow record (prospect as the FieldFlow node returns it) → mapped record, FieldFlow side. */
export function mapFieldflowRecord(raw: Record<string, unknown>, eff: EffectiveMapping): MapItemResult {
	const id = str(raw.id);
	if (!id) {
		throw new SyncError({ kind: 'validation', message: 'The item has no FieldFlow "id": expected a FieldFlow record (FieldFlow node output)', fields: ['id'] });
	}
	const deleted = !!raw.deleted_at || raw.deleted === true;
	const mapped = mapToCrm(raw, eff.mappings, eff.valueMaps, { id });
	dropOversized(mapped, eff, id);
	const errors = deleted ? [] : mapped.errors;
	const failed = new Set(mapped.errors.map((e) => e.fields?.[0]));
	const canonical = canonicalFromFieldflow(raw);
	const fields: Record<string, unknown> = {};
	for (const f of fieldsToCrm(eff.mappings)) if (canonical[f] !== undefined && !failed.has(f)) fields[f] = canonical[f];
	const sources = crmFieldSources(eff.mappings);
	const crmPayload: Record<string, Record<string, unknown>> = {};
	for (const [crmField, value] of Object.entries(mapped.fields)) {
		const from = sources.get(crmField) ?? crmField;
		(crmPayload[from] ??= {})[crmField] = value;
	}
	const record: MappedRecord = {
		side: 'fieldflow',
		crm: eff.crm,
		object: eff.object,
		id,
		modifiedAt: str(raw.updated_at) || str(raw.modifiedAt),
		fields,
		crmPayload,
	};
	if (deleted) record.deleted = true;
	// Salesforce Leads with Linked Records: the payload of the group a converted Lead became, for such a pair.
	if (eff.converted) {
		const c = mapFieldflowRecord(raw, eff.converted).record;
		record.converted = { fields: c.fields, crmPayload: c.crmPayload ?? {} };
	}
	return { payload: mapped.fields, record, errors };
}

/** The longest text any field of each CRM holds. */
const CRM_TEXT_MAX: Record<EffectiveMapping['crm'], number> = { salesforce: SALESFORCE_TEXT_MAX, hubspot: HUBSPOT_STRING_MAX, pipedrive: PIPEDRIVE_TEXT_MAX };

/**
 * A mapped value longer than any field of the CRM holds (e.g. 50 MB of notes) is a validation error
 * of the record, and the value is dropped right here so it is not copied into every later item of
 * the run (n8n keeps each node's output).
 */
function dropOversized(mapped: { fields: Record<string, unknown>; errors: SyncError[] }, eff: EffectiveMapping, id: string): void {
	const max = CRM_TEXT_MAX[eff.crm];
	const sources = crmFieldSources(eff.mappings);
	for (const [crmField, value] of Object.entries(mapped.fields)) {
		if (typeof value !== 'string' || value.length <= max) continue;
		const from = sources.get(crmField) ?? crmField;
		delete mapped.fields[crmField];
		mapped.errors.push(
			new SyncError({
				kind: 'validation',
				code: 'VALUE_TOO_LONG',
				fields: [from, crmField],
				recordRef: id,
				message: `${id.startsWith('mt_') ? 'Meeting' : id.startsWith('ms_') ? 'Meeting summary' : 'Prospect'} ${id}: field '${from}' is ${value.length.toLocaleString('en-US')} characters long; no ${CRM_LABELS[eff.crm]} field holds more than ${max.toLocaleString('en-US')} (${crmField})`,
			}),
		);
	}
}

/** The vendor fields of a FieldFlow CRM node read item (flattened, or nested under `fields`). */
export function crmFieldsOf(json: Record<string, unknown>): Record<string, unknown> {
	const nested = json.fields;
	if (nested && typeof nested === 'object' && !Array.isArray(nested)) return nested as Record<string, unknown>;
	const out: Record<string, unknown> = {};
	for (const k in json) if (!CRM_META_KEYS.has(k)) out[k] = json[k];
	return out;
}

/** A CRM record item (FieldFlow CRM node "Get Changed Since" / "Get by IDs") → mapped record, CRM side. */
export function mapCrmItem(json: Record<string, unknown>, eff: EffectiveMapping): MapItemResult {
	const fields = crmFieldsOf(json);
	const id = str(json.id) || str(fields.Id) || str(fields.id) || str(fields.hs_object_id);
	if (!id) {
		throw new SyncError({ kind: 'validation', message: `The item has no CRM "id": expected a ${CRM_LABELS[eff.crm]} record (FieldFlow CRM node output)`, fields: ['id'] });
	}
	const object = str(json.object);
	if (object && object !== eff.object && object !== eff.converted?.object) {
		throw new SyncError({
			kind: 'validation',
			message: `The item is a ${CRM_LABELS[eff.crm]} ${object} record but this node maps ${eff.object}: set CRM Object to ${object} (or read ${eff.object} records)`,
			recordRef: id,
		});
	}
	const record: CrmRecord = { id, object: object || eff.object, fields, modifiedAt: str(json.modifiedAt) ?? '', deleted: json.deleted === true };
	const members = memberIdsOf(json.members);
	if (members) record.members = members;
	if (str(json.convertedFrom)) record.convertedFrom = str(json.convertedFrom);
	return mapCrmRecord(record, eff);
}

export function mapCrmRecord(r: CrmRecord, lane: EffectiveMapping): MapItemResult {
	// A converted Lead's Contact group is mapped by the converted group's mapping, and stays in the Lead's lane.
	const converted = !!lane.converted && r.object === lane.converted.object;
	const eff = converted ? lane.converted! : lane;
	const mapped = mapToFieldflow(r.fields, eff.mappings, eff.valueMaps, { id: r.id, label: `${CRM_LABELS[eff.crm]} ${r.object}` });
	const record: MappedRecord = {
		side: 'crm',
		crm: eff.crm,
		object: lane.object,
		id: r.id,
		modifiedAt: r.modifiedAt ?? '',
		fields: mapped.fields,
	};
	if (converted) record.crmObject = r.object;
	if (r.convertedFrom) record.convertedFrom = r.convertedFrom;
	if (r.deleted) record.deleted = true;
	if (r.members && Object.keys(r.members).length) record.members = { ...r.members };
	return { payload: fieldflowPayload(mapped.fields), record, errors: r.deleted ? [] : mapped.errors };
}

/** One message for all type failures of an item. */
export function describeErrors(errors: SyncError[]): string {
	return errors.map((e) => e.message).join('; ');
}

/**
 * Configuration problems of an effective mapping that no record can fix (so they stop the node
 * before anything is written): the mapping's own problems (unknown FieldFlow field, a pair that
 * writes the CRM's id/link field, two fields into one CRM field), an unknown CRM object, and — when
 * the object's field list is given — custom pairs naming a CRM field the object does not have.
 */
export function mappingConfigProblems(eff: EffectiveMapping, crmFields?: readonly FieldInfo[]): SyncError[] {
	const problems = [...eff.problems];
	const objects = crmObjects(eff.crm).map((o) => o.name);
	if (!objects.includes(eff.object)) {
		problems.push(
			new SyncError({
				kind: 'validation',
				message: `CRM Object '${eff.object}' is not a ${CRM_LABELS[eff.crm]} object this node can sync: choose one of ${objects.map((o) => `'${o}'`).join(', ')}.`,
				fields: ['object'],
			}),
		);
		return problems;
	}
	if (crmFields) {
		const names = new Set(crmFields.map((f) => f.name));
		for (const m of customCrmRules(eff)) {
			if (names.has(m.crm)) continue;
			const near = crmFields.find((f) => f.name.toLowerCase() === m.crm.toLowerCase());
			problems.push(
				new SyncError({
					kind: 'validation',
					message: `Mapping '${m.fieldflow}' → '${m.crm}': ${CRM_LABELS[eff.crm]} ${eff.object} has no field '${m.crm}'${near ? ` (did you mean '${near.name}'?)` : ''}; pick the CRM field from the list in Custom Mappings.`,
					fields: [m.crm],
				}),
			);
		}
	}
	return problems;
}

/** Rules that are not part of the object's default table (custom pairs): their CRM fields need checking. */
export function customCrmRules(eff: EffectiveMapping): EffectiveMapping['mappings'] {
	const defaults = new Set(defaultMappings(eff.crm, eff.object, eff.members).map((d) => d.crm));
	return eff.mappings.filter((m) => m.crm && !defaults.has(m.crm));
}

/** The per-record problem a sync carries for a record whose values fail the type checks. */
export function recordProblem(result: MapItemResult, crm: EffectiveMapping['crm']): RecordProblem {
	const fields = [...new Set(result.errors.flatMap((e) => e.fields ?? []))];
	const where = result.record.side === 'fieldflow' ? 'FieldFlow' : CRM_LABELS[crm];
	return {
		kind: 'validation',
		message: `${describeErrors(result.errors)}. Not synced: fix the value in ${where} (the next sync run writes the record), or change the mapping's Type / set On Type Mismatch to "Skip Field".`,
		fields,
	};
}
