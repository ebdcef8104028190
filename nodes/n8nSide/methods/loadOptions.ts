import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';
import { crmObjects, type CrmName } from '../../shared/crm';
import { groupMembers, groupSpec } from '../../shared/crm/group';
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

/** The member objects a person can sync with as one prospect (Linked Records); no API call. */
export async function getLinkedObjects(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const crm = this.getCurrentNodeParameter('crm') as CrmName;
	const object = this.getCurrentNodeParameter('object') as string;
	if (!crm || !object) return [];
	const labels = new Map(crmObjects(crm).map((o) => [o.name, o.label]));
	// Salesforce Leads: the members are the conversion's (crm/group/spec.ts convertsTo).
	const conversion = groupSpec(crm, object, groupMembers(crm, object))?.convertsTo;
	return groupMembers(crm, object).map((m) =>
		conversion
			? { name: `${labels.get(m) ?? m} (After Conversion)`, value: m, description: `When a ${object} is converted, keep syncing the prospect with the ${conversion.primary} and its ${labels.get(m) ?? m} the conversion made` }
			: { name: labels.get(m) ?? m, value: m, description: `Sync each ${object} record's linked ${labels.get(m) ?? m} with it` },
	);
}
