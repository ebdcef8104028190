import type { INodeProperties } from 'n8n-workflow';
import { CRM_LABELS, CRM_NAMES, type CrmName } from '../../shared/crm';
import { groupMembers, groupSpec, type GroupSpec } from '../../shared/crm/group';
import { SyncError } from '../../shared/errors';

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
 * "Linked Records": the member objects synced with each person as one prospect (a record group:
 * Pipedrive Organization + Deal, HubSpot Company + Deal, Salesforce Account + Opportunity). Start Run is where a template selects them ("select objects");
 * the CRM reads and writes and Finish Run take them from Start Run's output by expression.
 */
export const linkedObjectsProperty = (extra: Partial<INodeProperties> = {}): INodeProperties => ({
	displayName: 'Linked Records Names or IDs',
	name: 'linkedObjects',
	type: 'multiOptions',
	typeOptions: { loadOptionsMethod: 'getLinkedObjects', loadOptionsDependsOn: ['crm', 'object'] },
	default: [],
	description:
		'The records linked to each person that sync with it as one prospect, as the guide\'s mapping tables lay them out (Pipedrive Persons: Organization and Deal; HubSpot Contacts: Company and Deal; Salesforce Contacts: Account and Opportunity; the company holds Company Name, the deal Status and Estimated Value; Salesforce Leads: the Account and Opportunity after conversion, so a Lead converted in Salesforce continues as its Contact, Account and Opportunity). Empty = the person alone. Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
	...extra,
});

/** The Linked Records value (array, comma list or empty) → the member objects. */
export function linkedObjectsOf(value: unknown): string[] {
	const list = Array.isArray(value) ? value : String(value ?? '').split(',');
	return [...new Set(list.map((v) => String(v ?? '').trim()).filter(Boolean))];
}

/** The record group of `object` with these linked records, undefined for none; an unknown one is a clear error. */
export function groupFor(crm: CrmName, object: string, linked: string[]): GroupSpec | undefined {
	if (!linked.length) return undefined;
	const known = groupMembers(crm, object);
	const unknown = linked.filter((m) => !known.includes(m));
	if (unknown.length) {
		throw new SyncError({
			kind: 'validation',
			message: `${CRM_LABELS[crm]} ${object} cannot be synced with linked ${unknown.join(', ')}`,
			hint: known.length ? `Linked Records for ${object}: ${known.join(', ')}` : `${CRM_LABELS[crm]} ${object} has no linked records here: leave Linked Records empty`,
		});
	}
	return groupSpec(crm, object, linked);
}

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
