import type { IAuthenticateGeneric, ICredentialTestRequest, ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/** HubSpot private-app token for the FieldFlow CRM node (scopes: crm.objects.* read/write, crm.schemas.*.read). */
export class FieldFlowHubSpotApi implements ICredentialType {
	name = 'fieldFlowHubSpotApi';

	displayName = 'FieldFlow HubSpot API';

	icon: Icon = { light: 'file:hubspot.svg', dark: 'file:hubspot.dark.svg' };

	documentationUrl = 'https://github.com/fieldflow/n8n-nodes-fieldflow#hubspot-private-app-token';

	properties: INodeProperties[] = [
		{
			displayName: 'Private App Access Token',
			name: 'accessToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'In HubSpot: Settings → Integrations → Private Apps → your app → Access token',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.hubapi.com',
			description: 'Leave as is for HubSpot. Change it only for a proxy or a local sandbox.',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.accessToken}}',
			},
		},
	};

	/** Reads one contact: proves the token and its CRM read scope. */
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{($credentials.baseUrl || "https://api.hubapi.com").replace(/\\/+$/, "")}}',
			url: '/crm/v3/objects/contacts',
			qs: { limit: 1 },
		},
		// Answers n8n shows in the credential dialog instead of its generic "Authorization failed".
		rules: [
			{ type: 'responseCode', properties: { value: 401, message: "Unauthorized: HubSpot rejected the access token (401). Copy the private app's access token again, or reconnect the OAuth app." } },
			{ type: 'responseCode', properties: { value: 403, message: 'Forbidden: the HubSpot token lacks a scope this package needs (403), e.g. crm.objects.contacts.read. Add the scopes listed in the README to the private app.' } },
		],
	};
}
