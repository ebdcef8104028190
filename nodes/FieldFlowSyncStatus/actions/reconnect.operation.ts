import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { setConnection } from './common';
import type { SyncStatusContext } from './node.type';

/** Reconnect has no parameters of its own. */
export const description: INodeProperties[] = [];

/** Reconnect: resume syncing with the CRM. */
export async function execute(this: IExecuteFunctions, { store, crm }: SyncStatusContext): Promise<INodeExecutionData[]> {
	return setConnection.call(this, store, crm, true);
}
