import type { INodeProperties } from 'n8n-workflow';
import { crmProperty } from '../../n8nSide/properties/crm';
import { storeProperties } from '../../n8nSide/store';
import { recordTypeOptionsProperties, recordTypeProperty } from './common.descriptions';
import * as disconnect from './disconnect.operation';
import * as finishRun from './finishRun.operation';
import * as getConflicts from './getConflicts.operation';
import * as getDashboard from './getDashboard.operation';
import * as getErrors from './getErrors.operation';
import * as getLogs from './getLogs.operation';
import * as lookUpLinks from './lookUpLinks.operation';
import * as nextPage from './nextPage.operation';
import * as reconnect from './reconnect.operation';
import * as recordResults from './recordResults.operation';
import * as renderDashboard from './renderDashboard.operation';
import * as resolveConflict from './resolveConflict.operation';
import * as retryErrors from './retryErrors.operation';
import * as startRun from './startRun.operation';

export const operationProperty: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	options: [
		{ name: 'Disconnect', value: 'disconnect', description: 'Stop syncing with the CRM; links, logs and data are kept', action: 'Disconnect the CRM' },
		{ name: 'Finish Run', value: 'finishRun', description: 'Advance the cursors to the run start once its records are settled', action: 'Finish a sync run' },
		{ name: 'Get Conflicts', value: 'getConflicts', description: 'List records whose fields differ on both sides', action: 'Get conflicts' },
		{ name: 'Get Dashboard', value: 'getDashboard', description: 'Last sync, records synced by type, pending, errors, conflicts', action: 'Get the sync dashboard' },
		{ name: 'Get Errors', value: 'getErrors', description: 'List the open error queue', action: 'Get queued errors' },
		{ name: 'Get Logs', value: 'getLogs', description: 'Sync log entries filtered by date range, record type and status', action: 'Get sync logs' },
		{ name: 'Look Up Links', value: 'lookUpLinks', description: 'Add the linked CRM record (crmId, crmObject) and its company and deal records (crmMembers) to items that carry a FieldFlow prospect ID', action: 'Look up linked CRM records' },
		{ name: 'Next Page', value: 'nextPage', description: 'End one page of a paged run: the next page to read, or done, with the totals so far', action: 'Finish a page of a sync run' },
		{ name: 'Reconnect', value: 'reconnect', description: 'Resume syncing with the CRM', action: 'Reconnect the CRM' },
		{ name: 'Record Results', value: 'recordResults', description: 'Store the outcome of sync writes: links, baselines, logs, errors, conflicts', action: 'Record sync results' },
		{ name: 'Render Dashboard', value: 'renderDashboard', description: 'The sync dashboard as an HTML page (for a Webhook + Respond to Webhook)', action: 'Render the sync dashboard page' },
		{ name: 'Resolve Conflict', value: 'resolveConflict', description: 'Pick a side for a conflict and emit the write for the other side', action: 'Resolve a conflict' },
		{ name: 'Retry Errors', value: 'retryErrors', description: 'Emit queued failed writes again for the write path', action: 'Retry queued errors' },
		{ name: 'Start Run', value: 'startRun', description: 'Begin a sync run: the times to read changes since (nothing when disconnected)', action: 'Start a sync run' },
	],
	default: 'startRun',
};

/** The node's parameters: CRM, Operation, Record Type (shared), each operation's own, then the store (in the order saved workflows and the panel have them). */
export const properties: INodeProperties[] = [
	crmProperty,
	operationProperty,
	recordTypeProperty,
	...recordTypeOptionsProperties,
	...startRun.description,
	...nextPage.description,
	...finishRun.description,
	...recordResults.description,
	...getDashboard.description,
	...getLogs.description,
	...getErrors.description,
	...retryErrors.description,
	...getConflicts.description,
	...resolveConflict.description,
	...lookUpLinks.description,
	...renderDashboard.description,
	...disconnect.description,
	...reconnect.description,
	...storeProperties,
];
