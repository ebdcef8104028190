import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * Salesforce for the FieldFlow CRM node. Two ways in:
 *  - OAuth2 refresh token: a Connected App's client ID (+ secret) and a refresh token. The node
 *    refreshes the access token itself when Salesforce says it expired, keeps the new token in
 *    memory for the rest of the run, and never rewrites the stored credential.
 *  - Access token + instance URL: a session token (e.g. from `sf org display`); it expires.
 *
 * There is no declarative `test` here on purpose: n8n would prefer it over the node's
 * `credentialTest`, and a request template cannot refresh a token. The FieldFlow CRM node's
 * credential test (`fieldFlowCrmConnectionTest`) refreshes when needed and then calls
 * GET /services/data/v62.0/ (Resources by Version), which any API-enabled user may call (not
 * /limits, which needs the View Setup and Configuration permission).
 */
export class FieldFlowSalesforceApi implements ICredentialType {
	name = 'fieldFlowSalesforceApi';

	displayName = 'FieldFlow Salesforce API';

	icon: Icon = { light: 'file:salesforce.svg', dark: 'file:salesforce.dark.svg' };

	documentationUrl = 'https://github.com/fieldflow/n8n-nodes-fieldflow#salesforce-token-credential';

	properties: INodeProperties[] = [
		{
			displayName: 'Authentication',
			name: 'authType',
			type: 'options',
			options: [
				{ name: 'OAuth2 Refresh Token', value: 'refreshToken', description: 'Connected App client ID/secret and a refresh token; access tokens are renewed automatically' },
				{ name: 'Access Token', value: 'accessToken', description: 'A session access token and the instance URL; it expires and must then be replaced' },
			],
			default: 'refreshToken',
		},
		{
			displayName: 'Client ID',
			name: 'clientId',
			type: 'string',
			default: '',
			required: true,
			description: 'Consumer key of the Salesforce Connected App',
			displayOptions: { show: { authType: ['refreshToken'] } },
		},
		{
			displayName: 'Client Secret',
			name: 'clientSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'Consumer secret of the Connected App (leave empty for apps that do not require it on refresh)',
			displayOptions: { show: { authType: ['refreshToken'] } },
		},
		{
			displayName: 'Refresh Token',
			name: 'refreshToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			displayOptions: { show: { authType: ['refreshToken'] } },
		},
		{
			displayName: 'Login URL',
			name: 'loginUrl',
			type: 'string',
			default: 'https://login.salesforce.com',
			description: 'OAuth host for token refreshes. Use https://test.salesforce.com for Salesforce sandbox orgs.',
			displayOptions: { show: { authType: ['refreshToken'] } },
		},
		{
			// Shown for both methods (n8n drops hidden fields before the node sees them): required
			// with "Access Token"; optional with a refresh token, where it saves the first refresh.
			displayName: 'Access Token',
			name: 'accessToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'Required with Access Token authentication. With a refresh token it is optional: the node gets a fresh one when needed.',
		},
		{
			displayName: 'Instance URL',
			name: 'instanceUrl',
			type: 'string',
			default: '',
			placeholder: 'https://yourorg.my.salesforce.com',
			description: 'Your org\'s My Domain URL. With a refresh token it may stay empty: the token refresh tells the node.',
		},
		{
			displayName: 'Base URL Override',
			name: 'baseUrl',
			type: 'string',
			default: '',
			description: 'Leave empty for Salesforce itself. Set it only to route every call (API and token refresh) through a proxy or a local sandbox.',
		},
	];
}
