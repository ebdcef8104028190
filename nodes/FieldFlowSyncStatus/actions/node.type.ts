import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import type { CrmName } from '../../shared/crm/types';
import type { SyncStore } from '../../shared/store';

/** The values of the Operation parameter: one `<operation>.operation.ts` file each. */
export type SyncStatusOperation =
	| 'startRun'
	| 'recordResults'
	| 'finishRun'
	| 'nextPage'
	| 'getDashboard'
	| 'getLogs'
	| 'getErrors'
	| 'retryErrors'
	| 'getConflicts'
	| 'resolveConflict'
	| 'disconnect'
	| 'reconnect'
	| 'lookUpLinks'
	| 'renderDashboard';

/** What an operation's execute gets: the open store, the selected CRM and every input item. */
export interface SyncStatusContext {
	store: SyncStore;
	crm: CrmName;
	items: INodeExecutionData[];
}

/** An operation file: its parameters (each with its displayOptions) and its execute (once per execution, not per item). */
export interface SyncStatusOperationModule {
	description: INodeProperties[];
	execute(this: IExecuteFunctions, context: SyncStatusContext): Promise<INodeExecutionData[]>;
}
