import type { IExecuteFunctions, ILoadOptionsFunctions, IPollFunctions } from 'n8n-workflow';
import { FieldFlowClient } from '../../shared/fieldflow/client';

type Ctx = IExecuteFunctions | ILoadOptionsFunctions | IPollFunctions;

/** The engine's FieldFlow client, configured from the node's FieldFlow API credential. */
export async function getFieldFlowClient(this: Ctx): Promise<FieldFlowClient> {
	const credentials = await this.getCredentials('fieldFlowApi');
	return new FieldFlowClient({
		apiKey: String(credentials.apiKey ?? ''),
		baseUrl: String(credentials.baseUrl ?? '') || undefined,
	});
}
