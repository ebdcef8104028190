/** Pipedrive field metadata (v1 *Fields APIs) → FieldInfo for the mapping dropdowns and type checks. */
import { v1 } from 'pipedrive';
import type { FieldInfo, FieldType } from '../types';
import { OBJECTS, PAGE_MAX, READ_ONLY, type PipedriveClient } from './client';
import { PIPEDRIVE_TEXT_MAX } from './write';

export async function listFields(pd: PipedriveClient, object: string): Promise<FieldInfo[]> {
	const o = pd.obj(object);
	const raw: Array<Record<string, unknown>> = [];
	const what = `read ${o} field metadata`;
	if (o === 'activities') {
		const api = new v1.ActivityFieldsApi(pd.v1cfg);
		const res = (await pd.call('activityFields.list', () => api.getActivityFields(), { what })) as unknown as { data?: Array<Record<string, unknown>> | null };
		raw.push(...(res.data ?? []));
	} else {
		const api = o === 'persons' ? new v1.PersonFieldsApi(pd.v1cfg) : o === 'organizations' ? new v1.OrganizationFieldsApi(pd.v1cfg) : new v1.DealFieldsApi(pd.v1cfg);
		const get = (start: number) =>
			(o === 'persons' ? (api as v1.PersonFieldsApi).getPersonFields({ start, limit: PAGE_MAX }) : o === 'organizations' ? (api as v1.OrganizationFieldsApi).getOrganizationFields({ start, limit: PAGE_MAX }) : (api as v1.DealFieldsApi).getDealFields({ start, limit: PAGE_MAX })) as Promise<{
				data?: Array<Record<string, unknown>> | null;
				additional_data?: { pagination?: { more_items_in_collection?: boolean; next_start?: number } };
			}>;
		for (let start = 0; ; ) {
			const res = await pd.call(`${OBJECTS[o].fieldsPath}.list`, () => get(start), { what });
			raw.push(...(res.data ?? []));
			const p = res.additional_data?.pagination;
			if (!p?.more_items_in_collection) break;
			start = p.next_start ?? start + PAGE_MAX;
		}
	}
	return raw.map((f) => toFieldInfo(f));
}

const TYPE_MAP: Record<string, FieldType> = {
	varchar: 'text',
	varchar_auto: 'text',
	varchar_options: 'text',
	text: 'text',
	address: 'text',
	double: 'number',
	monetary: 'number',
	int: 'number',
	date: 'date',
	daterange: 'date',
	time: 'other',
	timerange: 'other',
	enum: 'picklist',
	set: 'picklist',
	status: 'picklist',
	visible_to: 'picklist',
	phone: 'phone',
	user: 'reference',
	org: 'reference',
	people: 'reference',
	deal: 'reference',
	stage: 'reference',
	lead: 'reference',
	boolean: 'boolean',
};

const MAX_LENGTH: Record<string, number> = { varchar: 255, varchar_auto: 255, varchar_options: 255, phone: 255, text: PIPEDRIVE_TEXT_MAX };

function toFieldInfo(f: Record<string, unknown>): FieldInfo {
	const key = String(f.key);
	const vendorType = String(f.field_type ?? 'varchar');
	let type: FieldType = TYPE_MAP[vendorType] ?? 'other';
	if (key === 'email') type = 'email';
	if (key === 'add_time' || key === 'update_time') type = 'datetime';
	const options = Array.isArray(f.options) ? (f.options as Array<{ id: unknown; label: unknown }>).map((x) => ({ value: String(x.id), label: String(x.label) })) : undefined;
	const mandatory = f.mandatory_flag;
	return {
		name: key,
		label: String(f.name ?? key),
		type,
		vendorType,
		required: mandatory === true || (typeof mandatory === 'object' && mandatory !== null),
		readOnly: READ_ONLY.has(key) || key.endsWith('_count'),
		...(MAX_LENGTH[vendorType] ? { maxLength: MAX_LENGTH[vendorType] } : {}),
		...(options ? { options } : {}),
	};
}
