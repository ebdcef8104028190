import type { IAuthenticateGeneric, ICredentialTestRequest, ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/** Pipedrive personal API token for the FieldFlow CRM node (sent as the x-api-token header). */
export class FieldFlowPipedriveApi implements ICredentialType {
	name = 'fieldFlowPipedriveApi';

	displayName = 'FieldFlow Pipedrive API';

	icon: Icon = { light: 'file:pipedrive.svg', dark: 'file:pipedrive.dark.svg' };

	documentationUrl = 'https://github.com/fieldflow/n8n-nodes-fieldflow#pipedrive-api-token';

	properties: INodeProperties[] = [
		{
			displayName: 'API Token',
			name: 'apiToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'In Pipedrive: Settings → Personal preferences → API',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.pipedrive.com',
			description: 'Leave as is for Pipedrive (or use your company domain, https://yourcompany.pipedrive.com). Change it only for a proxy or a local sandbox.',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				'x-api-token': '={{$credentials.apiToken}}',
			},
		},
	};

	/** Reads the token's own user. */
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{($credentials.baseUrl || "https://api.pipedrive.com").replace(/\\/+$/, "").replace(/\\/api\\/v[12]$/, "")}}',
			url: '/api/v1/users/me',
		},
		// Answers n8n shows in the credential dialog instead of its generic "Authorization failed".
		rules: [
			{ type: 'responseCode', properties: { value: 401, message: 'Unauthorized: Pipedrive rejected the API token (401). Copy it again from Personal preferences → API.' } },
			{ type: 'responseCode', properties: { value: 403, message: "Forbidden: this Pipedrive user may not use the API (403). Check the user's permission set." } },
		],
	};
}
