import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { properties } from './actions/properties';
import { router } from './actions/router';
import { getFields, getWritableFields } from '../n8nSide/methods/loadOptions';
import { fieldFlowCrmConnectionTest } from '../n8nSide/methods/credentialTest';
import { searchRecords } from './methods/listSearch';

export class FieldFlowCrm implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'FieldFlow CRM',
		name: 'fieldFlowCrm',
		icon: { light: 'file:fieldflowcrm.svg', dark: 'file:fieldflowcrm.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["crm"] + " " + $parameter["object"]}}',
		description: 'Read and write Salesforce, HubSpot and Pipedrive records for FieldFlow sync: batched upserts, change feeds, meeting activities and notes',
		defaults: { name: 'FieldFlow CRM' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{
				name: 'fieldFlowSalesforceApi',
				required: true,
				testedBy: 'fieldFlowCrmConnectionTest',
				displayOptions: { show: { crm: ['salesforce'] } },
			},
			{
				name: 'fieldFlowHubSpotApi',
				required: true,
				testedBy: 'fieldFlowCrmConnectionTest',
				displayOptions: { show: { crm: ['hubspot'] } },
			},
			{
				name: 'fieldFlowPipedriveApi',
				required: true,
				testedBy: 'fieldFlowCrmConnectionTest',
				displayOptions: { show: { crm: ['pipedrive'] } },
			},
		],
		properties,
	};

	methods = {
		loadOptions: { getFields, getWritableFields },
		listSearch: { searchRecords },
		credentialTest: { fieldFlowCrmConnectionTest },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}
