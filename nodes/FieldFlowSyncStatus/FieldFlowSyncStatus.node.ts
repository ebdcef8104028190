import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { properties } from './actions/properties';
import { router } from './actions/router';
import { getLinkedObjects } from '../n8nSide/methods/loadOptions';

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
		// 1.1: Record Type is a dropdown of the CRM's objects (version 1, saved workflows: free text).
		version: [1, 1.1],
		defaultVersion: 1.1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["crm"]}}',
		description: 'Record sync outcomes and read the FieldFlow CRM sync dashboard, logs, error queue and conflicts',
		defaults: { name: 'FieldFlow Sync Status' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		// Same as storeCredentials (n8nSide/store.ts), written out: the n8n lint rules cannot read a spread here.
		credentials: [
			// eslint-disable-next-line n8n-nodes-base/node-class-description-credentials-name-unsuffixed
			{ name: 'postgres', required: true, displayName: 'PostgreSQL Store Credential', displayOptions: { show: { store: ['postgres'] } } },
			// Shown only for Record Results with Update FieldFlow Badges on. Written as show operation + hide
			// updateBadges false (not show updateBadges true): n8n's editor takes a credential-dependency
			// field whose every value shows a credential (a boolean has no option list, so any boolean) as
			// the node's "authentication" field and hides it, and every parameter it depends on (Operation),
			// from the panel.
			{
				name: 'fieldFlowApi',
				required: true,
				displayName: 'FieldFlow API Credential (Sync Badges)',
				displayOptions: { show: { operation: ['recordResults'] }, hide: { updateBadges: [false] } },
			},
		],
		properties,
	};

	methods = { loadOptions: { getLinkedObjects } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}
