import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * Pipedrive through n8n's OAuth2 (Connect my account → Sign in → Allow and Install):
 * https://oauth.pipedrive.com/oauth/authorize and /oauth/token, client id and secret as a Basic
 * header (https://developers.pipedrive.com/docs/api/v1/Oauth). Pipedrive documents no PKCE, and the
 * scopes are the ones chosen in the app's settings in Developer Hub (the authorize URL carries none).
 * The token answer's `api_domain` (https://<company>.pipedrive.com) is the API base. Refresh tokens
 * rotate: each refresh answers a new one and the old one stops working.
 */
export class FieldFlowPipedriveOAuth2Api implements ICredentialType {
	name = 'fieldFlowPipedriveOAuth2Api';

	extends = ['oAuth2Api'];

	displayName = 'FieldFlow Pipedrive OAuth2 API';

	icon: Icon = { light: 'file:pipedrive.svg', dark: 'file:pipedrive.dark.svg' };

	documentationUrl = 'https://github.com/fieldflow/n8n-nodes-fieldflow#pipedrive-connect-my-account';

	properties: INodeProperties[] = [
		{
			displayName: 'Use a Custom Authorization Server',
			name: 'useCustomServer',
			type: 'boolean',
			default: false,
			description: 'Whether to sign in through a proxy or the local FieldFlow sandbox instead of oauth.pipedrive.com',
		},
		{
			displayName: 'Custom Authorization Server URL',
			name: 'customAuthUrl',
			type: 'string',
			default: '',
			placeholder: 'http://127.0.0.1:4106',
			description: 'Base URL that serves /oauth/authorize and /oauth/token',
			displayOptions: { show: { useCustomServer: [true] } },
		},
		{ displayName: 'Grant Type', name: 'grantType', type: 'hidden', default: 'authorizationCode' },
		{
			displayName: 'Authorization URL',
			name: 'authUrl',
			type: 'hidden',
			default: '={{($self["useCustomServer"] ? $self["customAuthUrl"].replace(/\\/+$/, "") : "https://oauth.pipedrive.com") + "/oauth/authorize"}}',
			required: true,
		},
		{
			displayName: 'Access Token URL',
			name: 'accessTokenUrl',
			type: 'hidden',
			default: '={{($self["useCustomServer"] ? $self["customAuthUrl"].replace(/\\/+$/, "") : "https://oauth.pipedrive.com") + "/oauth/token"}}',
			required: true,
		},
		{ displayName: 'Scope', name: 'scope', type: 'hidden', default: '' },
		{ displayName: 'Auth URI Query Parameters', name: 'authQueryParameters', type: 'hidden', default: '' },
		{ displayName: 'Authentication', name: 'authentication', type: 'hidden', default: 'header' },
	];
}
