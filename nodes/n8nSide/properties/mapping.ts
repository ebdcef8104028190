/**
 * The mapping settings the sync nodes show, and reading them into the engine's effective rules
 * (nodes/shared/mapping/effective.ts buildMapping).
 */
import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { buildMapping, CUSTOM_FIELD_OPTION, type CustomMappingRow, type EffectiveMapping, type MappingConfig, type StatusOverrideRow } from '../../shared/mapping/effective';
export { crmProperty, crmAuthenticationProperty } from './crm';
import { CRM_LABELS, crmObjects, type CrmName } from '../../shared/crm';
import type { FieldType } from '../../shared/crm/types';
import { DEFAULT_PROSPECT_OBJECT, supportedObjects } from '../../shared/mapping/defaults';
import { PROSPECT_FIELDS } from '../../shared/mapping/engine';
import { PROSPECT_STATUSES } from '../../shared/fieldflow/client';

/** FieldFlow's prospect statuses as dropdown options (one list: the API client's). */
export const prospectStatusOptions = PROSPECT_STATUSES.map((s) => ({ name: s.charAt(0).toUpperCase() + s.slice(1), value: s })).sort((a, b) =>
	a.name.localeCompare(b.name),
);


/**
 * Credentials: both nodes list the CRM credential of the chosen CRM (fieldFlowSalesforceApi /
 * fieldFlowHubSpotApi / fieldFlowPipedriveApi, shown by `crm`, tested by the FieldFlow CRM node's
 * fieldFlowCrmConnectionTest) literally in their descriptions, as n8n's linter requires.
 */

const objectProperty = (crm: CrmName, fallback: string): INodeProperties => {
	const labels = new Map(crmObjects(crm).map((o) => [o.name, o.label]));
	return {
		displayName: 'CRM Object',
		name: 'object',
		type: 'options',
		noDataExpression: true,
		options: supportedObjects(crm)
			.map((o) => ({ name: labels.get(o) ?? o, value: o }))
			.sort((a, b) => a.name.localeCompare(b.name)),
		default: fallback,
		description: `The ${CRM_LABELS[crm]} object FieldFlow prospects sync with`,
		displayOptions: { show: { crm: [crm] } },
	};
};

/** CRM Object per CRM; defaults are DEFAULT_PROSPECT_OBJECT (Lead, contacts, persons). */
export const objectProperties: INodeProperties[] = [objectProperty('salesforce', 'Lead'), objectProperty('hubspot', 'contacts'), objectProperty('pipedrive', 'persons')];

const FIELD_LABELS: Record<string, string> = {
	company_name: 'Company Name',
	contact_name: 'Contact Name',
	email: 'Email',
	phone: 'Phone',
	status: 'Status',
	notes: 'Notes',
	estimated_value: 'Estimated Value',
	owner_email: 'Owner Email',
};

const TYPE_OPTIONS: Array<{ name: string; value: FieldType }> = [
	{ name: 'Boolean', value: 'boolean' },
	{ name: 'Date', value: 'date' },
	{ name: 'Date-Time', value: 'datetime' },
	{ name: 'Email', value: 'email' },
	{ name: 'Number', value: 'number' },
	{ name: 'Phone', value: 'phone' },
	{ name: 'Picklist', value: 'picklist' },
	{ name: 'Text', value: 'text' },
];

export const mappingProperties: INodeProperties[] = [
	{
		displayName: 'Use Default Mappings',
		name: 'useDefaultMappings',
		type: 'boolean',
		default: true,
		description:
			"Whether to start from the FieldFlow CRM Integration Guide's field tables (Company, Contact Name, Email, Phone, Status, Notes / Estimated Value). Custom mappings below override defaults for the same field.",
	},
	{
		displayName: 'Custom Mappings',
		name: 'customMappings',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		placeholder: 'Add Mapping',
		default: {},
		description: 'Extra or replacement field pairs. A custom pair replaces the default pairs of the same FieldFlow field and of the same CRM field.',
		options: [
			{
				name: 'mapping',
				displayName: 'Mapping',
				// Logical order (FieldFlow field, CRM field, type, direction), not alphabetical.
				// eslint-disable-next-line n8n-nodes-base/node-param-fixed-collection-type-unsorted-items
				values: [
					{
						displayName: 'FieldFlow Field',
						name: 'fieldflowField',
						type: 'options',
						options: [
							...Object.keys(PROSPECT_FIELDS)
								.map((f) => ({ name: FIELD_LABELS[f] ?? f, value: f }))
								.sort((a, b) => a.name.localeCompare(b.name)),
							{ name: 'Custom Field…', value: CUSTOM_FIELD_OPTION },
						],
						// eslint-disable-next-line n8n-nodes-base/node-param-default-wrong-for-options
						default: 'company_name',
					},
					{
						displayName: 'Custom Field Key',
						name: 'customKey',
						type: 'string',
						default: '',
						placeholder: 'industry',
						description: "Key of the FieldFlow custom field (stored under custom_fields)",
						displayOptions: { show: { fieldflowField: [CUSTOM_FIELD_OPTION] } },
					},
					{
						displayName: 'CRM Field Name or ID',
						name: 'crmField',
						type: 'options',
						typeOptions: { loadOptionsMethod: 'getFields', loadOptionsDependsOn: ['crm', 'object'] },
						default: '',
						description: 'Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>',
					},
					{
						displayName: 'Type',
						name: 'type',
						type: 'options',
						options: TYPE_OPTIONS,
						default: 'text',
						description: 'Values are checked against this type; a value that does not fit is an error for that item (or skipped, see On Type Mismatch)',
					},
					{
						displayName: 'Direction',
						name: 'direction',
						type: 'options',
						options: [
							{ name: 'Both Ways', value: 'both' },
							{ name: 'To CRM Only', value: 'toCrm' },
							{ name: 'To FieldFlow Only', value: 'toFieldflow' },
						],
						default: 'both',
					},
				],
			},
		],
	},
	{
		displayName: 'Status Value Map',
		name: 'statusValueMap',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Status Value',
		default: {},
		description: "Override how a FieldFlow status is written to the CRM's picklist (Lead Status, Deal Stage, ...). Unlisted statuses keep the default.",
		options: [
			{
				name: 'value',
				displayName: 'Status',
				values: [
					{
						displayName: 'FieldFlow Status',
						name: 'fieldflowStatus',
						type: 'options',
						options: prospectStatusOptions,
						default: 'new',
					},
					{
						displayName: 'CRM Value',
						name: 'crmValue',
						type: 'string',
						default: '',
						placeholder: 'Open - Not Contacted',
						description: 'The CRM picklist value (API value) for this status',
					},
				],
			},
		],
	},
	{
		displayName: 'On Type Mismatch',
		name: 'onTypeMismatch',
		type: 'options',
		options: [
			{ name: 'Error for That Item', value: 'error', description: 'The item fails with an error naming record, field and value' },
			{ name: 'Skip Field', value: 'skip', description: 'The field is left out of the mapped record; the rest syncs' },
			{
				name: 'Queue That Record as an Error (Sync)',
				value: 'markInvalid',
				description: 'The record goes on marked invalid: the Conflict Resolver never writes it and Record Results queues it as a validation error of that record while the rest syncs',
			},
		],
		default: 'error',
	},
];

/** The mapping settings of the node's parameters (read at `itemIndex`). */
export function getMappingConfig(this: IExecuteFunctions, itemIndex = 0): MappingConfig {
	const crm = this.getNodeParameter('crm', itemIndex) as CrmName;
	const object = this.getNodeParameter('object', itemIndex, DEFAULT_PROSPECT_OBJECT[crm]) as string;
	const custom = ((this.getNodeParameter('customMappings', itemIndex, {}) as IDataObject).mapping ?? []) as CustomMappingRow[];
	const statusOverrides = ((this.getNodeParameter('statusValueMap', itemIndex, {}) as IDataObject).value ?? []) as StatusOverrideRow[];
	return { crm, object, useDefaults: this.getNodeParameter('useDefaultMappings', itemIndex, true) as boolean, custom, statusOverrides };
}

/** The effective mapping of the node's parameters (read at `itemIndex`). */
export function getEffectiveMapping(this: IExecuteFunctions, itemIndex = 0): EffectiveMapping {
	return buildMapping(getMappingConfig.call(this, itemIndex));
}

export type { EffectiveMapping };
