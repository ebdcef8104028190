import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/** The authorization server the Connect my account popup and n8n's token calls use. */
const AUTH_BASE =
	'={{($self["environment"] === "custom" ? $self["customAuthUrl"] : $self["myDomain"] ? "https://" + $self["myDomain"].replace(/^https?:\\/\\//, "").replace(/\\/.*$/, "").replace(/\\.my\\.salesforce\\.com$/, "") + ".my.salesforce.com" : $self["environment"] === "sandbox" ? "https://test.salesforce.com" : "https://login.salesforce.com").replace(/\\/+$/, "")';

/**
 * Salesforce through n8n's OAuth2 (Connect my account → Sign in → Allow): the web server flow of a
 * Connected App or External Client App. Endpoints /services/oauth2/authorize and /token on
 * login.salesforce.com (production), test.salesforce.com (sandbox orgs) or the org's My Domain
 * (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/intro_understanding_oauth_endpoints.htm).
 * Client secret in the token request body; PKCE on n8n 2.x (`usePkce`; n8n 1.x has PKCE only as a
 * grant type that sends the secret as a Basic header, which the web server flow does not document).
 * Scopes `api refresh_token`: REST API access and a refresh token.
 *
 * The token answer's `instance_url` is where the API calls go; the nodes read it from the stored
 * token data and fall back to the My Domain URL (n8n can drop `instance_url` after a background
 * refresh, n8n issue 34916).
 */
export class FieldFlowSalesforceOAuth2Api implements ICredentialType {
	name = 'fieldFlowSalesforceOAuth2Api';

	extends = ['oAuth2Api'];

	displayName = 'FieldFlow Salesforce OAuth2 API';

	icon: Icon = { light: 'file:salesforce.svg', dark: 'file:salesforce.dark.svg' };

	documentationUrl = 'https://github.com/fieldflow/n8n-nodes-fieldflow#salesforce-connect-my-account';

	properties: INodeProperties[] = [
		{
			displayName: 'Environment',
			name: 'environment',
			type: 'options',
			options: [
				{ name: 'Production', value: 'production', description: 'Sign in at login.salesforce.com' },
				{ name: 'Sandbox', value: 'sandbox', description: 'A Salesforce sandbox org: sign in at test.salesforce.com' },
				{ name: 'Custom Authorization Server', value: 'custom', description: 'A proxy or the local FieldFlow sandbox' },
			],
			default: 'production',
		},
		{
			displayName: 'My Domain',
			name: 'myDomain',
			type: 'string',
			default: '',
			placeholder: 'yourcompany (for https://yourcompany.my.salesforce.com)',
			description: "Optional. Your org's My Domain: sign-in then happens there (needed when the org blocks login.salesforce.com), and it is the API host if the token answer ever lacks one.",
			displayOptions: { hide: { environment: ['custom'] } },
		},
		{
			displayName: 'Custom Authorization Server URL',
			name: 'customAuthUrl',
			type: 'string',
			default: '',
			placeholder: 'http://127.0.0.1:4104',
			description: 'Base URL that serves /services/oauth2/authorize and /services/oauth2/token',
			displayOptions: { show: { environment: ['custom'] } },
		},
		{ displayName: 'Grant Type', name: 'grantType', type: 'hidden', default: 'authorizationCode' },
		{ displayName: 'Use PKCE', name: 'usePkce', type: 'hidden', default: true },
		{ displayName: 'Authorization URL', name: 'authUrl', type: 'hidden', default: `${AUTH_BASE} + "/services/oauth2/authorize"}}`, required: true },
		{ displayName: 'Access Token URL', name: 'accessTokenUrl', type: 'hidden', default: `${AUTH_BASE} + "/services/oauth2/token"}}`, required: true },
		{ displayName: 'Scope', name: 'scope', type: 'hidden', default: 'api refresh_token' },
		{ displayName: 'Auth URI Query Parameters', name: 'authQueryParameters', type: 'hidden', default: '' },
		{ displayName: 'Authentication', name: 'authentication', type: 'hidden', default: 'body' },
	];
}
