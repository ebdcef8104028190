import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { properties } from './actions/properties';
import { router } from './actions/router';
import { getFields, getLinkedObjects, getWritableFields } from '../n8nSide/methods/loadOptions';
import { fieldFlowCrmConnectionTest } from '../n8nSide/methods/credentialTest';
import { searchRecords } from './methods/listSearch';

export class FieldFlowCrm implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'FieldFlow CRM',
		name: 'fieldFlowCrm',
		// The chosen CRM's logo. n8n (1.123 and 2.41 alike) evaluates an icon expression with $parameter in
		// the editor and serves file: icons from this folder; where no node exists yet (the node picker)
		// $parameter is empty and the FieldFlow CRM icon shows.
		icon: {
			light: '={{"file:" + ({ salesforce: "salesforce", hubspot: "hubspot", pipedrive: "pipedrive" }[$parameter.crm] || "fieldflowcrm") + ".svg"}}',
			dark: '={{"file:" + ({ salesforce: "salesforce", hubspot: "hubspot", pipedrive: "pipedrive" }[$parameter.crm] || "fieldflowcrm") + ".dark.svg"}}',
		},
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["crm"] + " " + $parameter["object"]}}',
		description: 'Read and write Salesforce, HubSpot and Pipedrive records for FieldFlow sync: batched upserts, change feeds, meeting activities and notes',
		defaults: { name: 'FieldFlow CRM' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		// Each CRM's credential is hidden for the other two CRMs (hide, not show: with show, n8n's editor
		// would take CRM for an "authentication" field, hide it from the panel and offer every CRM's
		// credentials in one unlabelled "Credential" list). Authentication (token or OAuth2) hides the
		// other kind's slot, for the same reason (hide: n8n's editor keeps it a plain parameter).
		credentials: [
			{
				name: 'fieldFlowSalesforceApi',
				required: true,
				testedBy: 'fieldFlowCrmConnectionTest',
				displayName: 'Salesforce Credential',
				displayOptions: { hide: { crm: ['hubspot', 'pipedrive'], authentication: ['oAuth2'] } },
			},
			{
				name: 'fieldFlowSalesforceOAuth2Api',
				required: true,
				displayName: 'Salesforce OAuth2 Credential',
				displayOptions: { hide: { crm: ['hubspot', 'pipedrive'], authentication: ['accessToken'] } },
			},
			{
				name: 'fieldFlowHubSpotApi',
				required: true,
				testedBy: 'fieldFlowCrmConnectionTest',
				displayName: 'HubSpot Credential',
				displayOptions: { hide: { crm: ['salesforce', 'pipedrive'], authentication: ['oAuth2'] } },
			},
			{
				name: 'fieldFlowHubSpotOAuth2Api',
				required: true,
				displayName: 'HubSpot OAuth2 Credential',
				displayOptions: { hide: { crm: ['salesforce', 'pipedrive'], authentication: ['accessToken'] } },
			},
			{
				name: 'fieldFlowPipedriveApi',
				required: true,
				testedBy: 'fieldFlowCrmConnectionTest',
				displayName: 'Pipedrive Credential',
				displayOptions: { hide: { crm: ['salesforce', 'hubspot'], authentication: ['oAuth2'] } },
			},
			{
				name: 'fieldFlowPipedriveOAuth2Api',
				required: true,
				displayName: 'Pipedrive OAuth2 Credential',
				displayOptions: { hide: { crm: ['salesforce', 'hubspot'], authentication: ['accessToken'] } },
			},
			// The sync store's, for Get Changed Since's "Use Sync Store Links" (as storeCredentials, written out for the lint rules).
			// eslint-disable-next-line n8n-nodes-base/node-class-description-credentials-name-unsuffixed
			{ name: 'postgres', required: true, displayName: 'PostgreSQL Store Credential', displayOptions: { show: { store: ['postgres'] }, hide: { ownersFromStore: [false] } } },
		],
		properties,
	};

	methods = {
		loadOptions: { getFields, getLinkedObjects, getWritableFields },
		listSearch: { searchRecords },
		credentialTest: { fieldFlowCrmConnectionTest },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}
