import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { toNodeError } from '../../n8nSide/errors';
import { show } from './common.descriptions';
import { errorJson } from './common';
import type { CrmContext } from './node.type';

export const description: INodeProperties[] = [
	{
		displayName: 'Writable Fields Only',
		name: 'writableOnly',
		type: 'boolean',
		default: false,
		description: 'Whether to leave out read-only fields',
		displayOptions: show('listFields'),
	},
];

/** The fields of the object, as the CRM describes them: one item per field (runs once, with the first item's parameters). */
export async function execute(this: IExecuteFunctions, { adapter }: CrmContext): Promise<INodeExecutionData[]> {
	const object = this.getNodeParameter('object', 0) as string;
	const writableOnly = this.getNodeParameter('writableOnly', 0, false) as boolean;
	try {
		const fields = await adapter.listFields(object);
		return fields
			.filter((f) => !writableOnly || !f.readOnly)
			.map((f) => ({ json: { object, ...f } as unknown as IDataObject, pairedItem: { item: 0 } }));
	} catch (error) {
		if (this.continueOnFail()) return [{ json: errorJson(error), pairedItem: { item: 0 } }];
		throw toNodeError(this.getNode(), error, 0);
	}
}
