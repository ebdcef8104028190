import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';
import type { CrmName } from '../../shared/crm';
import { ruleTypeOf } from '../../shared/mapping/effective';
import { toNodeError } from '../errors';
import { getCrmAdapter } from '../transport/crm';

async function fieldOptions(this: ILoadOptionsFunctions, writableOnly: boolean): Promise<INodePropertyOptions[]> {
	const crm = this.getCurrentNodeParameter('crm') as CrmName;
	const object = this.getCurrentNodeParameter('object') as string;
	if (!crm || !object) return [];
	const adapter = await getCrmAdapter.call(this, crm);
	try {
		const fields = await adapter.listFields(object);
		return fields
			.filter((f) => !writableOnly || !f.readOnly)
			.map((f) => ({
				name: f.label && f.label !== f.name ? `${f.label} (${f.name})` : f.name,
				value: f.name,
				// The type a custom row "From the CRM Field" takes, and the CRM's own type name.
				description: `${ruleTypeOf(f)} (${f.vendorType})${f.required ? ', required' : ''}${f.readOnly ? ', read-only' : ''}`,
			}))
			.sort((a, b) => a.name.localeCompare(b.name));
	} catch (error) {
		throw toNodeError(this.getNode(), error);
	}
}

/** Every field of the chosen object (read dropdowns). */
export async function getFields(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	return fieldOptions.call(this, false);
}

/** Fields that can be written (upsert field dropdowns). */
export async function getWritableFields(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	return fieldOptions.call(this, true);
}
