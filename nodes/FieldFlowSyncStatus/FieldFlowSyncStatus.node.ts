import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';
import { getSyncStore } from '../n8nSide/store';
import type { CrmName } from '../shared/crm/types';
import type { FieldFlowClient } from '../shared/fieldflow/client';
import { getFieldFlowClient } from '../n8nSide/transport/fieldflow';
import { properties, type Operation } from './actions/descriptions';
import {
	finishRun,
	nextPage,
	getConflicts,
	getDashboard,
	getErrors,
	getLogs,
	lookUpLinks,
	renderDashboardPage,
	resolveConflict,
	retryErrors,
	setConnection,
	startRun,
} from './actions/operations';
import { recordResults } from './actions/record';

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
		// Same as storeCredentials (common/store.ts), written out: the n8n lint rules cannot read a spread here.
		credentials: [
			// eslint-disable-next-line n8n-nodes-base/node-class-description-credentials-name-unsuffixed
			{ name: 'postgres', required: true, displayOptions: { show: { store: ['postgres'] } } },
			{ name: 'fieldFlowApi', required: true, displayOptions: { show: { operation: ['recordResults'], updateBadges: [true] } } },
		],
		properties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const operation = this.getNodeParameter('operation', 0) as Operation;
		const crm = this.getNodeParameter('crm', 0) as CrmName;
		const store = await getSyncStore.call(this, 0);
		try {
			switch (operation) {
				case 'startRun':
					return [await startRun.call(this, store, crm)];
				case 'recordResults': {
					let client: FieldFlowClient | undefined;
					if (this.getNodeParameter('updateBadges', 0, false) as boolean) client = await getFieldFlowClient.call(this);
					return [await recordResults.call(this, store, items, client)];
				}
				case 'finishRun':
					return [await finishRun.call(this, store, crm, items)];
				case 'nextPage':
					return [await nextPage.call(this, store, crm, items)];
				case 'getDashboard':
					return [await getDashboard.call(this, store, crm)];
				case 'getLogs':
					return [await getLogs.call(this, store, crm)];
				case 'getErrors':
					return [await getErrors.call(this, store, crm)];
				case 'retryErrors':
					return [await retryErrors.call(this, store, crm)];
				case 'getConflicts':
					return [await getConflicts.call(this, store, crm)];
				case 'resolveConflict':
					return [await resolveConflict.call(this, store, crm)];
				case 'disconnect':
					return [await setConnection.call(this, store, crm, false)];
				case 'reconnect':
					return [await setConnection.call(this, store, crm, true)];
				case 'lookUpLinks':
					return [await lookUpLinks.call(this, store, crm, items)];
				case 'renderDashboard':
					return [await renderDashboardPage.call(this, store, crm)];
			}
		} catch (error) {
			if (error instanceof NodeOperationError) throw error;
			if (this.continueOnFail()) return [[{ json: { error: (error as Error)?.message ?? String(error) }, pairedItem: { item: 0 } }]];
			throw new NodeOperationError(this.getNode(), error as Error);
		}
		throw new NodeOperationError(this.getNode(), `Unknown operation "${operation as string}"`);
	}
}
