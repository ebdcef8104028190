import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import type { CrmName } from '../../shared/crm/types';
import { getCrmAdapter } from '../../n8nSide/transport/crm';
import type { CrmOperation, FieldFlowCrmOperation } from './node.type';
import * as addNote from './addNote.operation';
import * as deleteRecords from './delete.operation';
import * as findDuplicates from './findDuplicates.operation';
import * as getByIds from './getByIds.operation';
import * as getChangedSince from './getChangedSince.operation';
import * as listFields from './listFields.operation';
import * as logMeeting from './logMeeting.operation';
import * as upsert from './upsert.operation';

/** Operation name → its file. The mapped type makes a missing or misspelt operation a compile error. */
const operations: { [K in FieldFlowCrmOperation]: CrmOperation } = {
	addNote,
	delete: deleteRecords,
	findDuplicates,
	getByIds,
	getChangedSince,
	listFields,
	logMeeting,
	upsert,
};

const isOperation = (name: string): name is FieldFlowCrmOperation => Object.prototype.hasOwnProperty.call(operations, name);

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const crm = this.getNodeParameter('crm', 0) as CrmName;
	const operation = this.getNodeParameter('operation', 0) as string;
	if (!isOperation(operation)) throw new NodeOperationError(this.getNode(), `Unknown operation "${operation}"`);
	const adapter = await getCrmAdapter.call(this, crm);
	return [await operations[operation].execute.call(this, { adapter, crm, items })];
}
