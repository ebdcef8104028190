import type { INodeProperties } from 'n8n-workflow';
import { CRM_LABELS, CRM_NAMES } from '../../shared/crm';

/** The "CRM" parameter every FieldFlow node that talks to a CRM shows. */
export const crmProperty: INodeProperties = {
	displayName: 'CRM',
	name: 'crm',
	type: 'options',
	noDataExpression: true,
	options: CRM_NAMES.map((value) => ({ name: CRM_LABELS[value], value })).sort((a, b) => a.name.localeCompare(b.name)),
	default: 'salesforce',
};

/**
 * Which kind of CRM credential the node uses: the token credentials (the default, so saved
 * workflows keep theirs) or n8n's OAuth2 ones (Connect my account). The credential slots HIDE on
 * it (never `show`: n8n's editor would take it for the node's authentication field, hide it and
 * offer the first CRM's credential types whatever CRM is chosen; test/unit/nodes/panels.test.ts).
 */
export const crmAuthenticationProperty: INodeProperties = {
	displayName: 'Authentication',
	name: 'authentication',
	type: 'options',
	noDataExpression: true,
	options: [
		{
			name: 'Access Token',
			value: 'accessToken',
			description: 'A pasted token: HubSpot private app token, Pipedrive API token, Salesforce refresh or access token',
		},
		{ name: 'OAuth2', value: 'oAuth2', description: 'Connect my account: sign in to the CRM and allow FieldFlow access' },
	],
	default: 'accessToken',
};

export type CrmAuthentication = 'accessToken' | 'oAuth2';
