import type { INodeProperties } from 'n8n-workflow';
import type { SyncStatusOperation } from './node.type';

/** displayOptions that show a parameter for these operations. */
export const show = (...operation: SyncStatusOperation[]) => ({ show: { operation } });

/** Record Type: the CRM object of a run (Start Run, Finish Run) or of the links (Look Up Links). */
export const recordTypeProperty: INodeProperties = {
		displayName: 'Record Type',
		name: 'object',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'Lead',
		description: 'CRM object this sync run covers (Lead, Contact, contacts, persons, ...). Cursors are kept per object as fieldflow:&lt;object&gt; and crm:&lt;object&gt;. For Look Up Links: the CRM object prospects are linked to.',
		displayOptions: show('startRun', 'finishRun', 'lookUpLinks'),
	};
