/**
 * HubSpot properties → FieldInfo for the mapping dropdowns and type checks.
 */
import type { FieldInfo, FieldType } from '../types';
import { HUBSPOT_STRING_MAX, type HubSpotClient } from './client';

/** Properties HubSpot insists on at creation (the properties API has no "required" flag). */
const REQUIRED: Record<string, string[]> = {
	deals: ['dealname', 'dealstage'],
	meetings: ['hs_timestamp'],
	notes: ['hs_timestamp'],
};

export async function listFields(hs: HubSpotClient, object: string): Promise<FieldInfo[]> {
	hs.checkObject(object);
	const res = await hs.call('properties.list', `list ${object} properties`, () => hs.client.crm.properties.coreApi.getAll(object));
	const required = new Set(REQUIRED[object] ?? []);
	return res.results
		.filter((p) => !p.hidden && !p.archived)
		.map((p) => {
			const type = fieldType(p.name, p.type, p.fieldType);
			const info: FieldInfo = {
				name: p.name,
				label: p.label,
				type,
				vendorType: p.type,
				required: required.has(p.name),
				readOnly: !!p.modificationMetadata?.readOnlyValue || !!p.calculated,
			};
			if (p.type === 'string' || p.type === 'phone_number') info.maxLength = HUBSPOT_STRING_MAX;
			if (p.type === 'enumeration' && p.options?.length) info.options = p.options.filter((o) => !o.hidden).map((o) => ({ value: o.value, label: o.label }));
			return info;
		});
}

function fieldType(name: string, type: string, fieldType: string): FieldType {
	if (name === 'email' || name.endsWith('_email') || fieldType === 'email') return 'email';
	if (fieldType === 'phonenumber' || type === 'phone_number') return 'phone';
	switch (type) {
		case 'string':
			return 'text';
		case 'number':
			return 'number';
		case 'date':
			return 'date';
		case 'datetime':
			return 'datetime';
		case 'bool':
			return 'boolean';
		case 'enumeration':
			return fieldType === 'booleancheckbox' ? 'boolean' : 'picklist';
		default:
			return 'other';
	}
}
