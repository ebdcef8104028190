import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { toNodeError } from '../../n8nSide/errors';
import { show } from './common.descriptions';
import { errorJson, str } from './common';
import type { CrmContext } from './node.type';

export const description: INodeProperties[] = [
	{
		displayName: 'Email',
		name: 'email',
		type: 'string',
		placeholder: 'name@email.com',
		default: '',
		description: 'Match records with this email (people objects)',
		displayOptions: show('findDuplicates'),
	},
	{
		displayName: 'Company',
		name: 'company',
		type: 'string',
		default: '',
		description: 'Match records with this company name',
		displayOptions: show('findDuplicates'),
	},
	{
		displayName: 'Name',
		name: 'name',
		type: 'string',
		default: '',
		description: 'Match records with this full name',
		displayOptions: show('findDuplicates'),
	},
];

interface Criteria {
	ref: string;
	email?: string;
	company?: string;
	name?: string;
}

/** Existing records that match each item's email, company or name: one adapter call per object for all items. */
export async function execute(this: IExecuteFunctions, { adapter, items }: CrmContext): Promise<INodeExecutionData[]> {
	const out: INodeExecutionData[] = new Array(items.length);
	const byObject = new Map<string, number[]>();
	const criteria = new Map<number, Criteria>();
	for (let i = 0; i < items.length; i++) {
		try {
			const object = this.getNodeParameter('object', i) as string;
			const c = {
				ref: String(i),
				email: str(this.getNodeParameter('email', i, '')),
				company: str(this.getNodeParameter('company', i, '')),
				name: str(this.getNodeParameter('name', i, '')),
			};
			if (!c.email && !c.company && !c.name) {
				throw new NodeOperationError(this.getNode(), 'Nothing to match on', { itemIndex: i, description: 'Set Email, Company or Name' });
			}
			criteria.set(i, c);
			byObject.set(object, [...(byObject.get(object) ?? []), i]);
		} catch (error) {
			if (!this.continueOnFail()) throw toNodeError(this.getNode(), error, i);
			out[i] = { json: errorJson(error), pairedItem: { item: i } };
		}
	}
	for (const [object, indexes] of byObject) {
		try {
			const matches = await adapter.findDuplicates(object, indexes.map((i) => criteria.get(i)!));
			const byRef = new Map(matches.map((m) => [m.ref, m]));
			for (const i of indexes) {
				const found = byRef.get(String(i))?.matches ?? [];
				out[i] = {
					json: {
						duplicate: found.length > 0,
						matchCount: found.length,
						matches: found.map((m) => ({ id: m.id, object: m.object, matchedOn: m.matchedOn, fields: m.record.fields as IDataObject })),
					},
					pairedItem: { item: i },
				};
			}
		} catch (error) {
			if (!this.continueOnFail()) throw toNodeError(this.getNode(), error, indexes[0]);
			for (const i of indexes) out[i] = { json: errorJson(error), pairedItem: { item: i } };
		}
	}
	return out;
}
