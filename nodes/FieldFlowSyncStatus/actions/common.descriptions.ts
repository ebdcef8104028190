import type { INodeProperties } from 'n8n-workflow';
import type { SyncStatusOperation } from './node.type';
import { CRM_LABELS, CRM_NAMES, crmObjects, type CrmName } from '../../shared/crm';
import { DEFAULT_PROSPECT_OBJECT } from '../../shared/mapping/defaults';

/** displayOptions that show a parameter for these operations. */
export const show = (...operation: SyncStatusOperation[]) => ({ show: { operation } });

const RECORD_TYPE_OPERATIONS: SyncStatusOperation[] = ['startRun', 'finishRun', 'lookUpLinks'];

/**
 * Record Type, version 1 (saved workflows): free text. The CRM object of a run (Start Run, Finish
 * Run) or of the links (Look Up Links).
 */
export const recordTypeProperty: INodeProperties = {
		displayName: 'Record Type',
		name: 'object',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'Lead',
		description: 'CRM object this sync run covers (Lead, Contact, contacts, persons, ...). Cursors are kept per object as fieldflow:&lt;object&gt; and crm:&lt;object&gt;. For Look Up Links: the CRM object prospects are linked to.',
		displayOptions: { show: { operation: RECORD_TYPE_OPERATIONS, '@version': [1] } },
	};

/** The run keys the templates use besides CRM objects: meeting sync and summary sync runs. */
const RUN_KEYS = [
	{ name: 'Meetings (Meeting Sync Runs)', value: 'meetings', description: 'The run key of the Meeting Sync template (FieldFlow meetings → CRM activities)' },
	{ name: 'Meeting Summaries (Summary Sync Runs)', value: 'meetingSummaries', description: 'The run key of the Meeting Summary Sync template (AI summaries → CRM notes)' },
];

const recordTypeOptions = (crm: CrmName): INodeProperties => {
	const objects = crmObjects(crm).map((o) => ({ name: o.label, value: o.name, description: `${CRM_LABELS[crm]} ${o.label} (${o.role})` }));
	const extra = RUN_KEYS.filter((k) => !objects.some((o) => o.value === k.value));
	// eslint-disable-next-line n8n-nodes-base/node-param-default-missing -- the default is the CRM's prospect object (computed)
	return {
		displayName: 'Record Type',
		name: 'object',
		type: 'options',
		required: true,
		options: [...objects, ...extra].sort((a, b) => a.name.localeCompare(b.name)),
		default: DEFAULT_PROSPECT_OBJECT[crm],
		description:
			'The CRM object this sync run covers (cursors are kept per record type), or for Look Up Links the CRM object prospects are linked to. Use an expression for another run key.',
		displayOptions: { show: { operation: RECORD_TYPE_OPERATIONS, crm: [crm], '@version': [{ _cnd: { gte: 1.1 } }] } },
	};
};

/** Record Type, version 1.1: a dropdown of the chosen CRM's objects and the templates' run keys. */
export const recordTypeOptionsProperties: INodeProperties[] = CRM_NAMES.map(recordTypeOptions);
