import type { IAuthenticateGeneric, ICredentialTestRequest, ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

export class FieldFlowApi implements ICredentialType {
	name = 'fieldFlowApi';

	displayName = 'FieldFlow API';

	icon: Icon = { light: 'file:fieldflow.svg', dark: 'file:fieldflow.dark.svg' };

	documentationUrl = 'https://github.com/fieldflow/n8n-nodes-fieldflow#fieldflow-api';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'Create one in FieldFlow under Settings → API',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.fieldflow.app/v1',
			description: 'Leave as is for FieldFlow cloud. Change it only for a private FieldFlow host or a local sandbox.',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.apiKey}}',
			},
		},
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '/me',
		},
		// Answers n8n shows in the credential dialog instead of its generic "Authorization failed".
		rules: [
			{ type: 'responseCode', properties: { value: 401, message: 'Unauthorized: FieldFlow rejected the API key (401). Check the key and the Base URL, or create a new key in FieldFlow.' } },
			{ type: 'responseCode', properties: { value: 403, message: 'Forbidden: the FieldFlow API key may not use the API (403). Ask a FieldFlow admin for an integration key.' } },
		],
	};
}
