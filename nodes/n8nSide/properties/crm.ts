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
