import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { recordsByType } from '../../shared/dashboard/render';
import { show } from './common.descriptions';
import type { SyncStatusContext } from './node.type';

export const description: INodeProperties[] = [
	{
		displayName: 'All CRMs',
		name: 'allCrms',
		type: 'boolean',
		default: false,
		description: 'Whether to count every CRM in the store instead of the selected one',
		displayOptions: show('getDashboard'),
	},
];

export const STATUS_LABELS = { synced: '✅ Synced', pending: '🔄 Pending', conflict: '⚠️ Conflict', error: '❌ Error' } as const;

/** Get Dashboard: last sync, records synced by type, pending, errors and conflicts, with the status labels FieldFlow shows. */
export async function execute(this: IExecuteFunctions, { store, crm }: SyncStatusContext): Promise<INodeExecutionData[]> {
	const all = this.getNodeParameter('allCrms', 0, false) as boolean;
	const s = await store.summary(all ? undefined : crm);
	const synced = Object.values(s.syncedByType).reduce((a, b) => a + b, 0);
	const statusCounts = {
		[STATUS_LABELS.synced]: synced,
		[STATUS_LABELS.pending]: s.pending,
		[STATUS_LABELS.conflict]: s.conflicts,
		[STATUS_LABELS.error]: s.errors,
	};
	// Record groups: "Persons 20, Organizations 6, Deals 20" (the members counted once each; '' without groups).
	const records = s.membersByType ? recordsByType(s.crm ?? crm, s.syncedByType, s.membersByType) : '';
	return [{ json: { ...s, synced, statusCounts, ...(records ? { recordsByType: records } : {}) } as unknown as IDataObject, pairedItem: { item: 0 } }];
}
