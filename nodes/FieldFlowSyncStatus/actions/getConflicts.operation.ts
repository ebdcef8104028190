import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import type { StoredConflict } from '../../shared/store';
import { show } from './common.descriptions';
import type { SyncStatusContext } from './node.type';

export const description: INodeProperties[] = [
	{
		displayName: 'Include Resolved',
		name: 'includeResolvedConflicts',
		type: 'boolean',
		default: false,
		description: 'Whether to list conflicts already resolved too',
		displayOptions: show('getConflicts'),
	},
];

function conflictJson(c: StoredConflict): IDataObject {
	return { ...(c as unknown as IDataObject), fieldNames: c.fields.map((f) => f.field) };
}

/** Get Conflicts: one item per conflict of this CRM (open ones, or all). */
export async function execute(this: IExecuteFunctions, { store, crm }: SyncStatusContext): Promise<INodeExecutionData[]> {
	const includeResolved = this.getNodeParameter('includeResolvedConflicts', 0, false) as boolean;
	const list = await store.listConflicts({ crm, includeResolved });
	return list.map((c) => ({ json: conflictJson(c), pairedItem: { item: 0 } }));
}
