/**
 * Pipedrive field metadata → FieldInfo for the mapping dropdowns and type checks. v2 `*Fields`
 * endpoints (Pipedrive asks clients to use v2 where it exists; GET /api/v2/personFields,
 * organizationFields, dealFields, activityFields, developers.pipedrive.com/docs/api/v1/PersonFields),
 * cursor-paged like every v2 list (`limit` ≤ 500, `additional_data.next_cursor`).
 */
import { v2 } from 'pipedrive';
import type { FieldInfo, FieldType } from '../types';
import { OBJECTS, PAGE_MAX, READ_ONLY, REQUIRED_ON_CREATE, listShape, type PipedriveClient, type PipedriveObject } from './client';
import { PIPEDRIVE_TEXT_MAX } from './write';

/** One v2 field (SDK model GetDealFields200ResponseDataInner and its siblings). */
interface V2Field {
	field_code?: string;
	field_name?: string;
	field_type?: string;
	is_custom_field?: boolean;
	options?: Array<{ id?: unknown; label?: unknown }> | null;
	required_fields?: { enabled?: boolean } | null;
}
interface V2FieldPage {
	data?: V2Field[] | null;
	additional_data?: { next_cursor?: string | null } | null;
}

export async function listFields(pd: PipedriveClient, object: string): Promise<FieldInfo[]> {
	const o = pd.obj(object);
	const what = `read ${o} field metadata`;
	const get = fieldPager(pd, o);
	const raw: V2Field[] = [];
	let cursor: string | undefined;
	do {
		const page = await pd.call(`${OBJECTS[o].fieldsPath}.list`, () => get(cursor).then(listShape(`GET /api/v2/${OBJECTS[o].fieldsPath}`)), { what });
		raw.push(...(page.data ?? []));
		cursor = page.additional_data?.next_cursor ?? undefined;
	} while (cursor);
	return raw.map((f) => toFieldInfo(o, f));
}

function fieldPager(pd: PipedriveClient, o: PipedriveObject): (cursor: string | undefined) => Promise<V2FieldPage> {
	const cfg = pd.v2cfg;
	const limit = PAGE_MAX;
	switch (o) {
		case 'persons': {
			const api = new v2.PersonFieldsApi(cfg);
			return (cursor) => api.getPersonFields({ include_fields: 'required_fields', limit, cursor }) as Promise<V2FieldPage>;
		}
		case 'organizations': {
			const api = new v2.OrganizationFieldsApi(cfg);
			return (cursor) => api.getOrganizationFields({ include_fields: 'required_fields', limit, cursor }) as Promise<V2FieldPage>;
		}
		case 'deals': {
			const api = new v2.DealFieldsApi(cfg);
			return (cursor) => api.getDealFields({ include_fields: 'required_fields', limit, cursor }) as Promise<V2FieldPage>;
		}
		case 'activities': {
			const api = new v2.ActivityFieldsApi(cfg);
			return (cursor) => api.getActivityFields({ limit, cursor }) as Promise<V2FieldPage>;
		}
	}
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

function toFieldInfo(o: PipedriveObject, f: V2Field): FieldInfo {
	const key = String(f.field_code);
	const vendorType = String(f.field_type ?? 'varchar');
	let type: FieldType = TYPE_MAP[vendorType] ?? 'other';
	if (key === 'email') type = 'email';
	if (key === 'add_time' || key === 'update_time') type = 'datetime';
	const options = Array.isArray(f.options) ? f.options.map((x) => ({ value: String(x.id), label: String(x.label) })) : undefined;
	return {
		name: key,
		label: String(f.field_name ?? key),
		type,
		vendorType,
		required: REQUIRED_ON_CREATE[o].includes(key) || f.required_fields?.enabled === true,
		readOnly: READ_ONLY.has(key) || key.endsWith('_count'),
		...(MAX_LENGTH[vendorType] ? { maxLength: MAX_LENGTH[vendorType] } : {}),
		...(options ? { options } : {}),
	};
}
