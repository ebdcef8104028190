import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * The scopes the package's HubSpot calls need, and no more: `oauth` (every HubSpot OAuth app), read
 * and write on contacts, companies and deals (records, search, batch upserts; meetings and notes
 * are written as engagements associated with them), and the property definitions of those three
 * (crm.schemas.*.read, for the field lists). Scope names: https://developers.hubspot.com/docs/api/scopes
 */
const HUBSPOT_OAUTH_SCOPES = [
	'oauth',
	'crm.objects.contacts.read',
	'crm.objects.contacts.write',
	'crm.objects.companies.read',
	'crm.objects.companies.write',
	'crm.objects.deals.read',
	'crm.objects.deals.write',
	'crm.schemas.contacts.read',
	'crm.schemas.companies.read',
	'crm.schemas.deals.read',
];

/**
 * HubSpot through n8n's OAuth2 (Connect my account → Sign in → Select your account → Connect app):
 * install URL https://app.hubspot.com/oauth/authorize, tokens POST https://api.hubapi.com/oauth/v1/token
 * with client_id/client_secret in the body, PKCE supported
 * (https://developers.hubspot.com/docs/api-reference/auth-oauth-v3/guide). Access tokens last 30
 * minutes; n8n refreshes them when the nodes report a 401.
 */
export class FieldFlowHubSpotOAuth2Api implements ICredentialType {
	name = 'fieldFlowHubSpotOAuth2Api';

	extends = ['oAuth2Api'];

	displayName = 'FieldFlow HubSpot OAuth2 API';

	icon: Icon = { light: 'file:hubspot.svg', dark: 'file:hubspot.dark.svg' };

	documentationUrl = 'https://github.com/fieldflow/n8n-nodes-fieldflow#hubspot-connect-my-account';

	properties: INodeProperties[] = [
		{
			displayName: 'Use a Custom Authorization Server',
			name: 'useCustomServer',
			type: 'boolean',
			default: false,
			description: 'Whether to sign in and call the API through a proxy or the local FieldFlow sandbox instead of HubSpot',
		},
		{
			displayName: 'Custom Authorization Server URL',
			name: 'customAuthUrl',
			type: 'string',
			default: '',
			placeholder: 'http://127.0.0.1:4105',
			description: 'Base URL that serves /oauth/authorize and /oauth/v1/token',
			displayOptions: { show: { useCustomServer: [true] } },
		},
		{
			displayName: 'Custom API Base URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			placeholder: 'http://127.0.0.1:4102',
			description: 'Base URL of the CRM API (instead of https://api.hubapi.com)',
			displayOptions: { show: { useCustomServer: [true] } },
		},
		{ displayName: 'Grant Type', name: 'grantType', type: 'hidden', default: 'authorizationCode' },
		{ displayName: 'Use PKCE', name: 'usePkce', type: 'hidden', default: true },
		{
			displayName: 'Authorization URL',
			name: 'authUrl',
			type: 'hidden',
			default: '={{($self["useCustomServer"] ? $self["customAuthUrl"].replace(/\\/+$/, "") : "https://app.hubspot.com") + "/oauth/authorize"}}',
			required: true,
		},
		{
			displayName: 'Access Token URL',
			name: 'accessTokenUrl',
			type: 'hidden',
			default: '={{($self["useCustomServer"] ? $self["customAuthUrl"].replace(/\\/+$/, "") : "https://api.hubapi.com") + "/oauth/v1/token"}}',
			required: true,
		},
		{ displayName: 'Scope', name: 'scope', type: 'hidden', default: HUBSPOT_OAUTH_SCOPES.join(' ') },
		{ displayName: 'Auth URI Query Parameters', name: 'authQueryParameters', type: 'hidden', default: '' },
		{ displayName: 'Authentication', name: 'authentication', type: 'hidden', default: 'body' },
	];
}
