/**
 * The one place engine errors become n8n errors (message, hint as description, HTTP code, item).
 */
import type { INode, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import { CRM_LABELS, type CrmName } from '../shared/crm';
import { SyncError } from '../shared/errors';

/** Turn an engine error into the n8n error the editor shows (message, hint, HTTP code, item). */
export function toNodeError(node: INode, error: unknown, itemIndex?: number): NodeApiError | NodeOperationError {
	if (error instanceof SyncError) {
		return new NodeApiError(node, error.toJSON() as JsonObject, {
			message: error.message,
			description: error.hint,
			httpCode: error.status ? String(error.status) : undefined,
			itemIndex,
		});
	}
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	return new NodeOperationError(node, error as Error, { itemIndex });
}

/** The error for a failed record of a batch: item index, record, field, what to do. */
export function recordError(node: INode, crm: CrmName, object: string, error: SyncError, itemIndex: number, record: string): NodeApiError {
	const field = error.fields?.length ? ` (field ${error.fields.join(', ')})` : '';
	return new NodeApiError(node, error.toJSON() as JsonObject, {
		message: `Item ${itemIndex}: ${CRM_LABELS[crm]} ${object} ${record} failed${field}: ${error.message}`,
		description: error.hint,
		httpCode: error.status ? String(error.status) : undefined,
		itemIndex,
	});
}
