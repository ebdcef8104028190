import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import type { CrmName } from '../../shared/crm/types';
import { getSyncStore } from '../../n8nSide/store';
import type { SyncStatusOperation, SyncStatusOperationModule } from './node.type';
import * as disconnect from './disconnect.operation';
import * as finishRun from './finishRun.operation';
import * as getConflicts from './getConflicts.operation';
import * as getDashboard from './getDashboard.operation';
import * as getErrors from './getErrors.operation';
import * as getLogs from './getLogs.operation';
import * as lookUpLinks from './lookUpLinks.operation';
import * as nextPage from './nextPage.operation';
import * as reconnect from './reconnect.operation';
import * as recordResults from './recordResults.operation';
import * as renderDashboard from './renderDashboard.operation';
import * as resolveConflict from './resolveConflict.operation';
import * as retryErrors from './retryErrors.operation';
import * as startRun from './startRun.operation';

/** Operation name → its file. The mapped type makes a missing or misspelt operation a compile error. */
const operations: { [K in SyncStatusOperation]: SyncStatusOperationModule } = {
	disconnect,
	finishRun,
	getConflicts,
	getDashboard,
	getErrors,
	getLogs,
	lookUpLinks,
	nextPage,
	reconnect,
	recordResults,
	renderDashboard,
	resolveConflict,
	retryErrors,
	startRun,
};

const isOperation = (name: string): name is SyncStatusOperation => Object.prototype.hasOwnProperty.call(operations, name);

/**
 * Every operation runs once per execution (not once per item) against the store. A failure that
 * is not already a NodeOperationError gives one error item with continueOnFail.
 */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const operation = this.getNodeParameter('operation', 0) as string;
	const crm = this.getNodeParameter('crm', 0) as CrmName;
	const store = await getSyncStore.call(this, 0);
	if (!isOperation(operation)) throw new NodeOperationError(this.getNode(), `Unknown operation "${operation}"`);
	try {
		return [await operations[operation].execute.call(this, { store, crm, items })];
	} catch (error) {
		if (error instanceof NodeOperationError) throw error;
		if (this.continueOnFail()) return [[{ json: { error: (error as Error)?.message ?? String(error) }, pairedItem: { item: 0 } }]];
		throw new NodeOperationError(this.getNode(), error as Error);
	}
}
