import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import type { CrmAdapter, CrmName } from '../../shared/crm/types';

/** The values of the Operation parameter: one `<operation>.operation.ts` file each. */
export type FieldFlowCrmOperation = 'addNote' | 'delete' | 'findDuplicates' | 'getByIds' | 'getChangedSince' | 'listFields' | 'logMeeting' | 'upsert';

/** What an operation's execute gets: every input item, the selected CRM and its adapter. */
export interface CrmContext {
	adapter: CrmAdapter;
	crm: CrmName;
	items: INodeExecutionData[];
}

/** An operation file: its parameters (each with its displayOptions) and its execute (all items, one output). */
export interface CrmOperation {
	description: INodeProperties[];
	execute(this: IExecuteFunctions, context: CrmContext): Promise<INodeExecutionData[]>;
}
