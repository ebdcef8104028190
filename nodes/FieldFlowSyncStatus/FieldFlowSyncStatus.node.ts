import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { properties } from './actions/properties';
import { router } from './actions/router';

/**
 * Bookkeeping of a sync workflow: run cursors, the outcome of every write (links, baselines,
 * status, logs, error queue, conflicts), the dashboard, logs, Retry, conflict resolution and
 * Disconnect / Reconnect, the dashboard page, and looking up links for meetings and summaries.
 * Every operation runs once per execution (not once per item); Look Up Links handles all items in
 * one store call.
 */
export class FieldFlowSyncStatus implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'FieldFlow Sync Status',
		name: 'fieldFlowSyncStatus',
		icon: { light: 'file:fieldflowsyncstatus.svg', dark: 'file:fieldflowsyncstatus.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["crm"]}}',
		description: 'Record sync outcomes and read the FieldFlow CRM sync dashboard, logs, error queue and conflicts',
		defaults: { name: 'FieldFlow Sync Status' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		// Same as storeCredentials (n8nSide/store.ts), written out: the n8n lint rules cannot read a spread here.
		credentials: [
			// eslint-disable-next-line n8n-nodes-base/node-class-description-credentials-name-unsuffixed
			{ name: 'postgres', required: true, displayOptions: { show: { store: ['postgres'] } } },
			{ name: 'fieldFlowApi', required: true, displayOptions: { show: { operation: ['recordResults'], updateBadges: [true] } } },
		],
		properties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}
