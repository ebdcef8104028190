import type { IExecuteFunctions, ILoadOptionsFunctions, INode, IPollFunctions, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import { FieldFlowClient } from '../../shared/fieldflow/client';
import { SyncError } from '../../shared/errors';

type Ctx = IExecuteFunctions | ILoadOptionsFunctions | IPollFunctions;

/** The engine's FieldFlow client, configured from the node's FieldFlow API credential. */
export async function getFieldFlowClient(this: Ctx): Promise<FieldFlowClient> {
	const credentials = await this.getCredentials('fieldFlowApi');
	return new FieldFlowClient({
		apiKey: String(credentials.apiKey ?? ''),
		baseUrl: String(credentials.baseUrl ?? '') || undefined,
	});
}

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
