import type { ICredentialTestFunctions, ICredentialsDecrypted, INodeCredentialTestResult } from 'n8n-workflow';
import { createAdapter, CRM_CREDENTIAL_TYPES, CRM_LABELS, type CrmName } from '../../shared/crm';
import { SyncError } from '../../shared/errors';

/** Few, quick retries: the user is waiting in the credential dialog. */
const TEST_RETRY = { maxAttempts: 2, baseDelayMs: 200, maxDelayMs: 1000, maxRetryAfterMs: 2000 };

/**
 * Credential test for the three CRM credentials: builds the adapter from the entered data and
 * calls its testConnection (Salesforce GET /services/data/v62.0/ — the resources list any API-enabled
 * user may read — after a token refresh when needed, HubSpot one
 * contact, Pipedrive /users/me). n8n uses it for Salesforce; HubSpot and Pipedrive carry a
 * declarative `test` that n8n prefers, which calls the same endpoints.
 */
export async function fieldFlowCrmConnectionTest(this: ICredentialTestFunctions | void, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
	const crm = (Object.keys(CRM_CREDENTIAL_TYPES) as CrmName[]).find((k) => CRM_CREDENTIAL_TYPES[k] === credential.type);
	if (!crm) return { status: 'Error', message: `Not a FieldFlow CRM credential: ${credential.type}` };
	try {
		const adapter = createAdapter(crm, credential.data ?? {}, {
			salesforce: { retry: TEST_RETRY },
			hubspot: { retry: TEST_RETRY },
			pipedrive: { retry: TEST_RETRY, timeoutMs: 15_000 },
		});
		await adapter.testConnection();
		return { status: 'OK', message: `Connected to ${CRM_LABELS[crm]}` };
	} catch (error) {
		if (error instanceof SyncError) return { status: 'Error', message: `${error.message.replace(/\.+$/, '')}. ${error.hint}` };
		return { status: 'Error', message: `${CRM_LABELS[crm]}: ${(error as Error)?.message ?? String(error)}` };
	}
}
