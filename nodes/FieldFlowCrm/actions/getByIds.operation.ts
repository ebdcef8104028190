import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import type { CrmAdapter } from '../../shared/crm/types';
import { readOptions, show } from './common.descriptions';
import { fieldsToRead, forEachItem, groupOfItem, recordJson } from './common';
import { getGroupsByIds } from '../../shared/crm/group';
import type { CrmContext } from './node.type';

export const description: INodeProperties[] = [
	{
		displayName: 'CRM IDs',
		name: 'ids',
		type: 'string',
		required: true,
		default: '',
		placeholder: '00Q5g00000ABCDEFGH, 00Q5g00000IJKLMNOP',
		description: 'Comma-separated CRM record IDs, or an expression that returns an array of IDs',
		displayOptions: show('getByIds'),
	},
	readOptions('getByIds'),
];

/** The records with the given CRM IDs, for each item. */
export async function execute(this: IExecuteFunctions, context: CrmContext): Promise<INodeExecutionData[]> {
	return forEachItem.call(this, context, getByIds);
}

async function getByIds(this: IExecuteFunctions, adapter: CrmAdapter, i: number): Promise<IDataObject[]> {
	const object = this.getNodeParameter('object', i) as string;
	const options = this.getNodeParameter('options', i, {}) as IDataObject;
	const ids = idList(this.getNodeParameter('ids', i, '') as unknown);
	if (!ids.length) throw new NodeOperationError(this.getNode(), 'No CRM IDs given', { itemIndex: i, description: 'Set CRM IDs to a comma-separated list or an expression returning an array' });
	const group = groupOfItem.call(this, adapter.crm, object, options);
	const records = group ? await getGroupsByIds(adapter, group, ids) : await adapter.getByIds(object, ids, fieldsToRead(options));
	return records.map((r) => recordJson(r, options.nestFields === true));
}

function idList(value: unknown): string[] {
	const list = Array.isArray(value) ? value : String(value ?? '').split(',');
	return list.map((v) => String(v ?? '').trim()).filter(Boolean);
}
