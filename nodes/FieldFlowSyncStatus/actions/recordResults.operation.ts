import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import type { FieldFlowClient } from '../../shared/fieldflow/client';
import { getFieldFlowClient } from '../../n8nSide/transport/fieldflow';
import { show } from './common.descriptions';
import { recordResults } from './record';
import type { SyncStatusContext } from './node.type';

export const description: INodeProperties[] = [
	{
		displayName:
			'Connect the write nodes (FieldFlow CRM "Create or Update", FieldFlow Prospect "Create or Update") with On Error → Continue, and the Conflict Resolver\'s Conflict and Unchanged outputs. Each item\'s <code>_sync</code> and write outcome decide what is stored.',
		name: 'recordNotice',
		type: 'notice',
		default: '',
		displayOptions: show('recordResults'),
	},
	{
		displayName: 'Update FieldFlow Badges',
		name: 'updateBadges',
		type: 'boolean',
		default: false,
		description: 'Whether to set each prospect\'s CRM sync badge in FieldFlow (✅ Synced / ⚠️ Conflict / ❌ Error); one FieldFlow call per record, needs the FieldFlow credential',
		displayOptions: show('recordResults'),
	},
	{
		displayName: 'Options',
		name: 'recordOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: show('recordResults'),
		options: [
			{
				displayName: 'Include Item Results',
				name: 'includeResults',
				type: 'boolean',
				default: false,
				description: 'Whether to add the per-item results (status, IDs, error kind) to the summary item',
			},
			{
				displayName: 'Log Unchanged',
				name: 'logUnchanged',
				type: 'boolean',
				default: false,
				description: 'Whether to write a "skipped" log entry for every unchanged record (off keeps the log small)',
			},
		],
	},
];

/** Record Results (its logic is in ./record): with Update FieldFlow Badges, the FieldFlow client that sets them. */
export async function execute(this: IExecuteFunctions, { store, items }: SyncStatusContext): Promise<INodeExecutionData[]> {
	let client: FieldFlowClient | undefined;
	if (this.getNodeParameter('updateBadges', 0, false) as boolean) client = await getFieldFlowClient.call(this);
	return recordResults.call(this, store, items, client);
}
