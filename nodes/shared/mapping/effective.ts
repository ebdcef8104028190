/**
 * The effective mapping rules of an integration: the guide's default tables + custom pairs +
 * status value overrides, built from the mapping settings. Pure: the n8n nodes read the settings
 * (nodes/n8nSide/properties/mapping.ts) and call buildMapping.
 */
import type { CrmName, FieldInfo, FieldType } from '../crm/types';
import { groupSpec } from '../crm/group/spec';
import { DEFAULT_VALUE_MAPS, defaultMappings } from './defaults';
import { CUSTOM_PREFIX, mergeMappings, validateMappings, type MappingRule, type ValueMaps } from './engine';
import type { SyncError } from '../errors';

/** The value of the FieldFlow Field dropdown that means "a custom field, key typed below". */
export const CUSTOM_FIELD_OPTION = '__custom';

/** The Type of a custom row (Mapping 1.2's default) that means "the CRM field's own type (listFields)". */
export const TYPE_FROM_CRM = 'fromCrm';

export interface CustomMappingRow {
	fieldflowField?: string;
	customKey?: string;
	crmField?: string;
	type?: FieldType | typeof TYPE_FROM_CRM;
	direction?: 'both' | 'toCrm' | 'toFieldflow';
}

export interface StatusOverrideRow {
	fieldflowStatus?: string;
	crmValue?: string;
}

export interface MappingConfig {
	crm: CrmName;
	object: string;
	useDefaults: boolean;
	custom: CustomMappingRow[];
	statusOverrides: StatusOverrideRow[];
	/** A record group: the member objects synced with the primary `object` (see crm/group). */
	members?: string[];
}

export interface EffectiveMapping {
	crm: CrmName;
	object: string;
	/** A record group's member objects ([] or absent: the object alone). */
	members?: string[];
	mappings: MappingRule[];
	valueMaps: ValueMaps;
	/** Configuration problems (unknown fields, CRM id fields written, two fields into one CRM field). */
	problems: SyncError[];
	/** Custom rows left out because they are incomplete (no FieldFlow field, custom key or CRM field), for a hint. */
	ignored: string[];
	/**
	 * Salesforce Leads with Linked Records: the mapping of the group a converted Lead continues as
	 * (the Contact group's default tables with these members). It maps the CRM records of object
	 * `converted.object` (a converted prospect's Contact, Account, Opportunity) and the FieldFlow
	 * side's second payload (MappedRecord.converted). Custom mappings and status overrides are the
	 * Lead's: they apply to Lead records only.
	 */
	converted?: EffectiveMapping;
}

export const CUSTOM_STATUS_MAP = 'customStatus';

/** Parameters → rules + value maps. Pure: unit-testable without n8n. */
export function buildMapping(config: MappingConfig): EffectiveMapping {
	const { crm, object } = config;
	const members = config.members ?? [];
	const defaults = config.useDefaults ? defaultMappings(crm, object, members) : [];
	const custom: MappingRule[] = [];
	const ignored: string[] = [];
	config.custom.forEach((row, i) => {
		const isCustom = row.fieldflowField === CUSTOM_FIELD_OPTION;
		const key = String(row.customKey ?? '').trim().replace(new RegExp(`^${CUSTOM_PREFIX.replace('.', '\\.')}`), '');
		const fieldflow = isCustom ? (key ? CUSTOM_PREFIX + key : '') : String(row.fieldflowField ?? '').trim();
		const crmField = String(row.crmField ?? '').trim();
		// A half-filled row (e.g. just added in the editor and saved) is left out, not an error of the run.
		if (!fieldflow || !crmField) {
			const missing = !fieldflow ? (isCustom ? 'Custom Field Key' : 'FieldFlow Field') : 'CRM Field';
			ignored.push(`Custom Mappings row ${i + 1} (${fieldflow || '?'} → ${crmField || '?'}) has no ${missing} and was ignored.`);
			return;
		}
		const type = !row.type || row.type === TYPE_FROM_CRM ? 'text' : row.type;
		const rule: MappingRule = { fieldflow, crm: crmField, type };
		if (row.direction && row.direction !== 'both') rule.direction = row.direction;
		// A custom status pair keeps the default value map of this object's status mapping.
		if (fieldflow === 'status') {
			const d = defaults.find((m) => m.fieldflow === 'status' && m.valueMap) ?? defaultMappings(crm, object, members).find((m) => m.fieldflow === 'status' && m.valueMap);
			if (d?.valueMap && (rule.type === 'picklist' || rule.type === 'text')) rule.valueMap = d.valueMap;
		}
		custom.push(rule);
	});
	const mappings = mergeMappings(defaults, custom);
	const valueMaps: ValueMaps = { ...DEFAULT_VALUE_MAPS };

	const overrides = config.statusOverrides.filter((o) => o.fieldflowStatus && String(o.crmValue ?? '').trim() !== '');
	if (overrides.length) {
		const statusRules = mappings.filter((m) => m.fieldflow === 'status' && m.direction !== 'toFieldflow');
		const target = statusRules[0];
		if (target) {
			const baseName = target.valueMap;
			const base = baseName ? valueMaps[baseName] : undefined;
			const name = baseName ? `${baseName}Override` : CUSTOM_STATUS_MAP;
			const vm = { name, toCrm: { ...(base?.toCrm ?? {}) }, toFieldflow: { ...(base?.toFieldflow ?? {}) } };
			for (const o of overrides) {
				const ff = String(o.fieldflowStatus);
				const value = String(o.crmValue).trim();
				vm.toCrm[ff] = value;
				vm.toFieldflow[value] = ff;
			}
			valueMaps[name] = vm;
			const i = mappings.indexOf(target);
			mappings[i] = { ...target, valueMap: name, type: 'picklist' };
		}
	}
	const problems = validateMappings(mappings, { crm, valueMaps });
	const out: EffectiveMapping = { crm, object, mappings, valueMaps, problems, ignored };
	if (members.length) out.members = [...members];
	// A Lead's Linked Records are its conversion's (crm/group spec.ts): the group it continues as.
	const convertsTo = groupSpec(crm, object, members)?.convertsTo;
	if (convertsTo) out.converted = buildMapping({ crm, object: convertsTo.primary, useDefaults: config.useDefaults, custom: [], statusOverrides: [], members });
	return out;
}

/** The rule type of a CRM field's metadata type (reference and other fields hold text). */
export function ruleTypeOf(field: FieldInfo): FieldType {
	return field.type === 'reference' || field.type === 'other' ? 'text' : field.type;
}

/**
 * Custom rows whose Type is "From the CRM Field" get the CRM field's type from the CRM's metadata
 * (listFields: an enumeration is a picklist, a number a number); without metadata, or for a field the
 * object does not have, they stay as they are (read as text). Pure: the caller lists the fields.
 */
export function withCrmFieldTypes(config: MappingConfig, fields: readonly FieldInfo[] | undefined): MappingConfig {
	if (!fields) return config;
	const byName = new Map(fields.map((f) => [f.name, f]));
	const custom = config.custom.map((row) => {
		if (row.type !== TYPE_FROM_CRM) return row;
		const f = byName.get(String(row.crmField ?? '').trim());
		return f ? { ...row, type: ruleTypeOf(f) } : row;
	});
	return { ...config, custom };
}

/** Whether any custom row takes its type from the CRM field. */
export function needsCrmFieldTypes(config: MappingConfig): boolean {
	return config.custom.some((row) => row.type === TYPE_FROM_CRM);
}

/** Which CRM field comes from which canonical field (for grouping a CRM payload by canonical field). */
export function crmFieldSources(mappings: readonly MappingRule[]): Map<string, string> {
	const out = new Map<string, string>();
	for (const m of mappings) if (!m.readOnly && m.direction !== 'toFieldflow' && !out.has(m.crm)) out.set(m.crm, m.fieldflow);
	return out;
}

/** Canonical fields that FieldFlow carries to the CRM under these rules. */
export function fieldsToCrm(mappings: readonly MappingRule[]): Set<string> {
	const out = new Set<string>();
	for (const m of mappings) if (!m.readOnly && m.direction !== 'toFieldflow') out.add(m.fieldflow);
	return out;
}
