import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { fieldProperties, operationProperties, resourceProperty } from './actions/descriptions';
import { router } from './actions/router';
import { searchMeetingSummaries, searchMeetings, searchProspects } from './methods/listSearch';

export class FieldFlow implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'FieldFlow',
		name: 'fieldFlow',
		icon: { light: 'file:fieldflow.svg', dark: 'file:fieldflow.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Read and write FieldFlow prospects, meetings and AI meeting summaries',
		defaults: { name: 'FieldFlow' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'fieldFlowApi', required: true }],
		properties: [resourceProperty, ...operationProperties, ...fieldProperties],
	};

	methods = {
		listSearch: { searchProspects, searchMeetings, searchMeetingSummaries },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}
