/** Salesforce describe → FieldInfo for the mapping dropdowns and type checks. */
import type { FieldInfo, FieldType } from '../types';
import type { SalesforceClient } from './client';

export async function listFields(sf: SalesforceClient, object: string): Promise<FieldInfo[]> {
	const d = await sf.call('sobject.describe', () => sf.conn.describe(object));
	return d.fields.map((f) => {
		const type = mapType(f.type);
		const picklist = (f.picklistValues ?? []).filter((p) => p.active !== false);
		return {
			name: f.name,
			label: f.label,
			type,
			vendorType: f.type,
			required: !f.nillable && f.createable && !f.defaultedOnCreate,
			readOnly: !f.createable && !f.updateable,
			...(f.length && ['text', 'email', 'phone', 'picklist'].includes(type) ? { maxLength: f.length } : {}),
			...(picklist.length ? { options: picklist.map((p) => ({ value: p.value, label: p.label ?? p.value })) } : {}),
		};
	});
}

function mapType(t: string): FieldType {
	switch (t) {
		case 'string':
		case 'textarea':
		case 'url':
		case 'encryptedstring':
		case 'combobox':
			return 'text';
		case 'email':
			return 'email';
		case 'phone':
			return 'phone';
		case 'picklist':
		case 'multipicklist':
			return 'picklist';
		case 'double':
		case 'currency':
		case 'int':
		case 'long':
		case 'percent':
			return 'number';
		case 'date':
			return 'date';
		case 'datetime':
			return 'datetime';
		case 'boolean':
			return 'boolean';
		case 'reference':
		case 'id':
			return 'reference';
		default:
			return 'other';
	}
}
