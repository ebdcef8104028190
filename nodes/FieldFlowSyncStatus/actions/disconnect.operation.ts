import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { show } from './common.descriptions';
import { setConnection } from './common';
import type { SyncStatusContext } from './node.type';

export const description: INodeProperties[] = [
	{
		displayName: 'Disconnecting stops every sync run for this CRM (Start Run outputs nothing). Links, logs, errors and data in both systems are kept; Reconnect resumes.',
		name: 'disconnectNotice',
		type: 'notice',
		default: '',
		displayOptions: show('disconnect'),
	},
];

/** Disconnect: stop syncing with the CRM (Start Run outputs nothing); links, logs and data are kept. */
export async function execute(this: IExecuteFunctions, { store, crm }: SyncStatusContext): Promise<INodeExecutionData[]> {
	return setConnection.call(this, store, crm, false);
}
