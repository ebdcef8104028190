import type { IExecuteFunctions, ILoadOptionsFunctions, INode, JsonObject } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';
import { createAdapter, CRM_CREDENTIAL_TYPES, CRM_LABELS, type CrmAdapter, type CrmName } from '../../shared/crm';
import { SyncError } from '../../shared/errors';
import { toNodeError } from '../../FieldFlow/transport';

export { toNodeError };

type Ctx = IExecuteFunctions | ILoadOptionsFunctions;

/**
 * The engine's adapter for the chosen CRM, configured from that CRM's credential. A Salesforce
 * token refreshed during the run is kept in the adapter's memory only (n8n credentials are not
 * rewritten; the next run refreshes again from the stored refresh token when it needs to).
 */
export async function getCrmAdapter(this: Ctx, crm: CrmName): Promise<CrmAdapter> {
	const type = CRM_CREDENTIAL_TYPES[crm];
	if (!type) throw toNodeError(this.getNode(), new SyncError({ kind: 'validation', message: `Unknown CRM "${String(crm)}"` }));
	const credentials = await this.getCredentials(type);
	try {
		return createAdapter(crm, credentials);
	} catch (error) {
		throw toNodeError(this.getNode(), error);
	}
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
