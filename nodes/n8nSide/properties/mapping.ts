/**
 * The mapping settings the sync nodes show, and reading them into the engine's effective rules
 * (nodes/shared/mapping/effective.ts buildMapping).
 */
import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { buildMapping, CUSTOM_FIELD_OPTION, TYPE_FROM_CRM, type CustomMappingRow, type EffectiveMapping, type MappingConfig, type StatusOverrideRow } from '../../shared/mapping/effective';
export { crmProperty, crmAuthenticationProperty } from './crm';
import { CRM_LABELS, crmObjects, type CrmName } from '../../shared/crm';
import type { FieldType } from '../../shared/crm/types';
import { DEFAULT_PROSPECT_OBJECT, DEFAULT_VALUE_MAPS, defaultMappings, supportedObjects } from '../../shared/mapping/defaults';
import { PROSPECT_FIELDS, type MappingRule } from '../../shared/mapping/engine';
import { PROSPECT_STATUSES } from '../../shared/fieldflow/client';
import { linkedObjectsOf } from './crm';

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
	title: 'Title',
	start_time: 'Start Time',
	duration_minutes: 'Duration (Minutes)',
	outcome: 'Outcome',
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

const useDefaultsProperty: INodeProperties = {
	displayName: 'Use Default Mappings',
	name: 'useDefaultMappings',
	type: 'boolean',
	default: true,
	description:
		"Whether to start from the FieldFlow CRM Integration Guide's field tables (Company, Contact Name, Email, Phone, Status, Notes / Estimated Value). Custom mappings below override defaults for the same field.",
};

const fieldflowFieldOptions = [
	...Object.keys(PROSPECT_FIELDS)
		.map((f) => ({ name: FIELD_LABELS[f] ?? f, value: f }))
		.sort((a, b) => a.name.localeCompare(b.name)),
	{ name: 'Custom Field…', value: CUSTOM_FIELD_OPTION },
];

/** FieldFlow Field of a row, versions 1 and 1.1: Company Name until changed. */
const fieldflowFieldCompany: INodeProperties = {
	displayName: 'FieldFlow Field',
	name: 'fieldflowField',
	type: 'options',
	options: fieldflowFieldOptions,
	// eslint-disable-next-line n8n-nodes-base/node-param-default-wrong-for-options
	default: 'company_name',
};

/** FieldFlow Field of a row, version 1.2: empty until chosen (an incomplete row is ignored, not a failed run). */
const fieldflowFieldEmpty: INodeProperties = {
	displayName: 'FieldFlow Field',
	name: 'fieldflowField',
	type: 'options',
	options: fieldflowFieldOptions,
	// eslint-disable-next-line n8n-nodes-base/node-param-default-wrong-for-options
	default: '',
};

const TYPE_DESCRIPTION = 'Values are checked against this type; a value that does not fit is an error for that item (or skipped, see On Type Mismatch)';

/** Type of a row, versions 1 and 1.1: Text until changed. */
const typeText: INodeProperties = { displayName: 'Type', name: 'type', type: 'options', options: TYPE_OPTIONS, default: 'text', description: TYPE_DESCRIPTION };

/** Type of a row, version 1.2: the CRM field's own type (listFields) until changed. */
const typeFromCrm: INodeProperties = {
	displayName: 'Type',
	name: 'type',
	type: 'options',
	options: [{ name: 'From the CRM Field', value: TYPE_FROM_CRM, description: "The CRM field's own type (an enumeration is a picklist, a number a number)" }, ...TYPE_OPTIONS],
	default: TYPE_FROM_CRM,
	description: `${TYPE_DESCRIPTION}. Default: the type the CRM's metadata gives the field.`,
};

/**
 * Custom Mappings. `fromCrmType` (FieldFlow Mapping 1.2): a new row starts empty (no FieldFlow
 * field pre-selected) and its Type defaults to the CRM field's own type. Earlier versions keep
 * Company Name / Text as defaults: n8n saves only values that differ from the defaults, so a saved
 * row without a FieldFlow field means Company Name there.
 */
function customMappingsProperty(fromCrmType: boolean): INodeProperties {
	return {
		displayName: 'Custom Mappings',
		name: 'customMappings',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		placeholder: 'Add Mapping',
		default: {},
		description: fromCrmType
			? 'Extra or replacement field pairs. A row for a FieldFlow field (or CRM field) that has a default replaces just that default pair; the other defaults stay. A row without a FieldFlow field or CRM field is ignored (the run says so in a hint).'
			: 'Extra or replacement field pairs. A custom pair replaces the default pairs of the same FieldFlow field and of the same CRM field.',
		options: [
			{
				name: 'mapping',
				displayName: 'Mapping',
				// Logical order (FieldFlow field, CRM field, type, direction), not alphabetical.
				// eslint-disable-next-line n8n-nodes-base/node-param-fixed-collection-type-unsorted-items
				values: [
					fromCrmType ? fieldflowFieldEmpty : fieldflowFieldCompany,
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
					fromCrmType ? typeFromCrm : typeText,
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
	};
}

const statusValueMapProperty: INodeProperties = {
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
};

const onTypeMismatchProperty: INodeProperties = {
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
};

/** The mapping settings as the Conflict Resolver version 1 shows them. */
export const mappingProperties: INodeProperties[] = [useDefaultsProperty, customMappingsProperty(false), statusValueMapProperty, onTypeMismatchProperty];

type MappingDirection = 'both' | 'toCrm' | 'toFieldflow';
const ARROW: Record<MappingDirection, string> = { both: '⇄', toCrm: '→', toFieldflow: '←' };
const DIRECTION_LABEL: Record<MappingDirection, string> = { both: 'FieldFlow ⇄ CRM', toCrm: 'FieldFlow → CRM', toFieldflow: 'CRM → FieldFlow' };
const TRANSFORM_LABEL: Record<string, string> = { firstName: 'first name', lastName: 'last name', datePart: 'date part', timePart: 'time part', durationHhmm: 'as hh:mm' };

const esc = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** One default pair as a line of the notice: "Contact Name (first name) ⇄ FirstName — Text". */
function pairLine(m: MappingRule, direction: MappingDirection): string {
	const ff = `${FIELD_LABELS[m.fieldflow] ?? m.fieldflow}${m.transform && TRANSFORM_LABEL[m.transform] ? ` (${TRANSFORM_LABEL[m.transform]})` : ''}`;
	const arrow = m.direction ? ARROW[m.direction] : ARROW[direction];
	const only = direction === 'both' && m.direction ? (m.direction === 'toCrm' ? ', to CRM only' : ', to FieldFlow only') : '';
	const type = TYPE_OPTIONS.find((t) => t.value === m.type)?.name ?? m.type;
	const vm = m.valueMap ? DEFAULT_VALUE_MAPS[m.valueMap] : undefined;
	const values = vm ? `; ${Object.entries(vm.toCrm).map(([a, b]) => `${a} = ${b}`).join(', ')}` : '';
	return `<li>${esc(`${ff} ${arrow} ${m.crm} — ${type}${only}${values}`)}</li>`;
}

/** The guide's default pairs of one CRM object that apply in one direction. */
export function defaultPairs(crm: CrmName, object: string, direction: MappingDirection): MappingRule[] {
	return defaultMappings(crm, object).filter((m) => direction === 'both' || !m.direction || m.direction === direction);
}

/**
 * Read-only notices that show the default table of the chosen CRM, object and direction in the
 * panel (one per combination, picked by displayOptions). n8n shows a notice's text as written: it
 * evaluates no expression in it (n8n 2.41 and 1.123), so custom rows cannot be merged in here; the
 * notice says how they combine and the rows are listed right below it.
 */
export function defaultMappingNotices(): INodeProperties[] {
	const out: INodeProperties[] = [];
	for (const crm of Object.keys(CRM_LABELS) as CrmName[]) {
		for (const object of supportedObjects(crm)) {
			for (const direction of Object.keys(ARROW) as MappingDirection[]) {
				const pairs = defaultPairs(crm, object, direction);
				out.push({
					displayName:
						`Default mappings, ${CRM_LABELS[crm]} ${object} (${DIRECTION_LABEL[direction]}):<ul>${pairs.map((m) => pairLine(m, direction)).join('')}</ul>` +
						'A Custom Mappings row for one of these FieldFlow fields (or CRM fields) replaces just that pair; the others stay. Other rows are added.',
					name: `defaultMappingsNotice_${crm}_${object}_${direction}`,
					type: 'notice',
					default: '',
					displayOptions: { show: { crm: [crm], object: [object], direction: [direction], useDefaultMappings: [true] } },
				});
			}
		}
	}
	out.push({
		displayName: 'Default mappings are off: only the Custom Mappings rows below are synced.',
		name: 'noDefaultMappingsNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { useDefaultMappings: [false] } },
	});
	return out;
}

/**
 * The mapping settings of the FieldFlow Mapping node: the default table of the chosen CRM object as
 * a notice, and Custom Mappings as of each node version (1.2: rows start empty, Type from the CRM).
 */
export function mappingNodeProperties(): INodeProperties[] {
	return [
		useDefaultsProperty,
		...defaultMappingNotices(),
		{ ...customMappingsProperty(false), displayOptions: { show: { '@version': [1, 1.1] } } },
		{ ...customMappingsProperty(true), displayOptions: { show: { '@version': [1.2] } } },
		statusValueMapProperty,
		onTypeMismatchProperty,
	];
}

/** The mapping settings of the node's parameters (read at `itemIndex`). */
export function getMappingConfig(this: IExecuteFunctions, itemIndex = 0): MappingConfig {
	const crm = this.getNodeParameter('crm', itemIndex) as CrmName;
	const object = this.getNodeParameter('object', itemIndex, DEFAULT_PROSPECT_OBJECT[crm]) as string;
	const custom = ((this.getNodeParameter('customMappings', itemIndex, {}) as IDataObject).mapping ?? []) as CustomMappingRow[];
	const statusOverrides = ((this.getNodeParameter('statusValueMap', itemIndex, {}) as IDataObject).value ?? []) as StatusOverrideRow[];
	const config: MappingConfig = { crm, object, useDefaults: this.getNodeParameter('useDefaultMappings', itemIndex, true) as boolean, custom, statusOverrides };
	// A record group (FieldFlow Mapping 1.1: Linked Records, set from Start Run by the templates).
	const members = linkedObjectsOf(this.getNodeParameter('linkedObjects', itemIndex, []));
	if (members.length) config.members = members;
	return config;
}

/** The effective mapping of the node's parameters (read at `itemIndex`). */
export function getEffectiveMapping(this: IExecuteFunctions, itemIndex = 0): EffectiveMapping {
	return buildMapping(getMappingConfig.call(this, itemIndex));
}

export type { EffectiveMapping };
