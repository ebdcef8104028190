import type { INodeProperties } from 'n8n-workflow';
import { crmProperty } from '../../n8nSide/properties/crm';
import { storeProperties } from '../../n8nSide/store';

export type Operation =
	| 'startRun'
	| 'recordResults'
	| 'finishRun'
	| 'nextPage'
	| 'getDashboard'
	| 'getLogs'
	| 'getErrors'
	| 'retryErrors'
	| 'getConflicts'
	| 'resolveConflict'
	| 'disconnect'
	| 'reconnect'
	| 'lookUpLinks'
	| 'renderDashboard';

const show = (...operation: Operation[]) => ({ show: { operation } });

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
		{ name: 'Look Up Links', value: 'lookUpLinks', description: 'Add the linked CRM record (crmId, crmObject) to items that carry a FieldFlow prospect ID', action: 'Look up linked CRM records' },
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

const statusOptions = [
	{ name: 'Conflict', value: 'conflict' },
	{ name: 'Error', value: 'error' },
	{ name: 'Skipped', value: 'skipped' },
	{ name: 'Success', value: 'success' },
];

export const operationFields: INodeProperties[] = [
	// ---------------------------------------------------------------- start / finish run
	{
		displayName: 'Record Type',
		name: 'object',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'Lead',
		description: 'CRM object this sync run covers (Lead, Contact, contacts, persons, ...). Cursors are kept per object as fieldflow:&lt;object&gt; and crm:&lt;object&gt;. For Look Up Links: the CRM object prospects are linked to.',
		displayOptions: show('startRun', 'finishRun', 'lookUpLinks'),
	},
	{
		displayName: 'Overlap Window (Minutes)',
		name: 'overlapMinutes',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 2,
		description: 'Read changes from this long before the last cursor, so records saved while the previous run was reading are not missed (re-read records are recognised as unchanged)',
		displayOptions: show('startRun'),
	},
	{
		displayName: 'Full Sync',
		name: 'fullSync',
		type: 'boolean',
		default: false,
		description: 'Whether to read every record from Initial Since instead of the changes since the last run ("Sync All Prospects"). Unchanged records are still not written again.',
		displayOptions: show('startRun'),
	},
	{
		displayName: 'Initial Since',
		name: 'initialSince',
		type: 'dateTime',
		default: '',
		description: 'Where the first run starts reading. Empty = everything (1970). Can be long for a big CRM.',
		displayOptions: show('startRun'),
	},
	{
		displayName: 'Page Size',
		name: 'pageSize',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 0,
		description:
			'Read FieldFlow in pages of this many records, one page per sub-execution (Sync All Prospects), so n8n holds one page at a time however many records there are. 0 = one pass. The output then carries page, fieldflowAfter and done for the page loop.',
		displayOptions: show('startRun'),
	},
	{
		displayName: 'Page',
		name: 'page',
		type: 'json',
		required: true,
		default: "={{ $('Page').first().json }}",
		description: 'The page this sub-execution ran: the item its Execute Workflow Trigger received (runId, startedAt, pageSize, page, fieldflowAfter)',
		displayOptions: show('nextPage'),
	},
	{
		displayName: 'Last Record Read',
		name: 'lastRecord',
		type: 'json',
		required: true,
		default: "={{ $('FieldFlow: changed prospects').last().json }}",
		description: 'The last FieldFlow record the page read (its updated_at and ID are where the next page continues)',
		displayOptions: show('nextPage'),
	},
	{
		displayName: 'Records Read',
		name: 'recordsRead',
		type: 'string',
		default: "={{ $('FieldFlow: changed prospects').all().length }}",
		description: 'How many FieldFlow records the page read; fewer than the page size means it was the last page',
		displayOptions: show('nextPage'),
	},
	{
		displayName: 'Read CRM Side',
		name: 'readsCrm',
		type: 'boolean',
		default: true,
		description: 'Whether the workflow reads the CRM side too: after the last FieldFlow page comes one page with phase "crm" for it',
		displayOptions: show('nextPage'),
	},
	{
		displayName: 'Run Started At',
		name: 'runStartedAt',
		type: 'string',
		required: true,
		default: "={{ $('Start Run').first().json.startedAt }}",
		description: 'The startedAt of this run\'s Start Run item. Rename "Start Run" in the expression to your Start Run node\'s name, or point it at the startedAt of the input item when the Start Run item is the input.',
		hint: 'Cursors only move forward, and only to the run\'s start: place this node after Record Results so nothing unsettled is skipped',
		displayOptions: show('finishRun'),
	},
	{
		displayName: 'Run ID',
		name: 'runId',
		type: 'string',
		default: "={{ $('Start Run').first().json.runId }}",
		description: 'Optional, for the run\'s log entry',
		displayOptions: show('finishRun'),
	},

	// ---------------------------------------------------------------- record results
	{
		displayName:
			'Connect the write nodes (FieldFlow CRM "Create or Update", FieldFlow Prospect "Create or Update") with On Error → Continue, and the Conflict Resolver\'s Conflict and Unchanged outputs. Each item\'s <code>_sync</code> and write outcome decide what is stored.',
		name: 'recordNotice',
		type: 'notice',
		default: '',
		displayOptions: show('recordResults'),
	},
	{
		displayName: 'Update FieldFlow Badges',
		name: 'updateBadges',
		type: 'boolean',
		default: false,
		description: 'Whether to set each prospect\'s CRM sync badge in FieldFlow (✅ Synced / ⚠️ Conflict / ❌ Error); one FieldFlow call per record, needs the FieldFlow credential',
		displayOptions: show('recordResults'),
	},
	{
		displayName: 'Options',
		name: 'recordOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: show('recordResults'),
		options: [
			{
				displayName: 'Include Item Results',
				name: 'includeResults',
				type: 'boolean',
				default: false,
				description: 'Whether to add the per-item results (status, IDs, error kind) to the summary item',
			},
			{
				displayName: 'Log Unchanged',
				name: 'logUnchanged',
				type: 'boolean',
				default: false,
				description: 'Whether to write a "skipped" log entry for every unchanged record (off keeps the log small)',
			},
		],
	},

	// ---------------------------------------------------------------- dashboard
	{
		displayName: 'All CRMs',
		name: 'allCrms',
		type: 'boolean',
		default: false,
		description: 'Whether to count every CRM in the store instead of the selected one',
		displayOptions: show('getDashboard'),
	},

	// ---------------------------------------------------------------- logs
	{
		displayName: 'Filters',
		name: 'logFilters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		displayOptions: show('getLogs'),
		options: [
			{ displayName: 'From', name: 'from', type: 'dateTime', default: '', description: 'Entries at or after this time' },
			{ displayName: 'Prospect ID', name: 'fieldflowId', type: 'string', default: '', description: 'Only entries of this FieldFlow record' },
			{ displayName: 'Record Type', name: 'recordType', type: 'string', default: '', placeholder: 'Lead', description: 'Only this CRM object (comma-separated for several)' },
			{ displayName: 'Status', name: 'status', type: 'multiOptions', options: statusOptions, default: [], description: 'Only entries with these statuses' },
			{ displayName: 'To', name: 'to', type: 'dateTime', default: '', description: 'Entries at or before this time (a bare date means the end of that day, UTC)' },
		],
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Max number of results to return',
		displayOptions: show('getLogs'),
	},
	{
		displayName: 'Offset',
		name: 'offset',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 0,
		description: 'Entries to skip (newest first), for paging',
		displayOptions: show('getLogs'),
	},

	// ---------------------------------------------------------------- errors
	{
		displayName: 'Options',
		name: 'errorOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: show('getErrors'),
		options: [
			{
				displayName: 'Error Kind',
				name: 'kind',
				type: 'options',
				options: [
					{ name: 'Auth Expired', value: 'auth_expired' },
					{ name: 'Field Validation', value: 'validation' },
					{ name: 'Rate Limit', value: 'rate_limit' },
					{ name: 'Record Not Found', value: 'not_found' },
					{ name: 'Temporary Failure', value: 'transient' },
					{ name: 'Unknown', value: 'unknown' },
				],
				default: 'validation',
				description: 'Only errors of this kind',
			},
			{ displayName: 'Include Payload', name: 'includePayload', type: 'boolean', default: false, description: 'Whether to output the stored item that Retry will send again' },
			{ displayName: 'Include Resolved', name: 'includeResolved', type: 'boolean', default: false, description: 'Whether to list errors already resolved too' },
		],
	},
	{
		displayName: 'Error IDs',
		name: 'errorIds',
		type: 'string',
		default: '',
		placeholder: '12, 15',
		description: 'Queued errors to retry (comma-separated or an expression returning an array). Empty = every open error of this CRM.',
		displayOptions: show('retryErrors'),
	},
	{
		displayName: 'Record Not Found',
		name: 'notFound',
		type: 'options',
		options: [
			{ name: 'Recreate', value: 'recreate', description: 'Turn the update into a create on the side where the record was deleted' },
			{ name: 'Unlink', value: 'unlink', description: 'Remove the link and resolve the error; nothing is written' },
		],
		default: 'unlink',
		description: 'What to do with errors whose record was deleted on the other side',
		displayOptions: show('retryErrors'),
	},
	{
		displayName: 'Options',
		name: 'retryOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: show('retryErrors'),
		options: [
			{
				displayName: 'Include Auth Errors',
				name: 'includeAuth',
				type: 'boolean',
				default: false,
				description: 'Whether to retry "auth expired" errors too: turn on after reconnecting the credential, or they fail again',
			},
			{ displayName: 'Limit', name: 'limit', type: 'number', typeOptions: { minValue: 1 }, default: 50, description: 'Max number of results to return' },
		],
	},
	{
		displayName:
			'Connect the output to the same write node the original item went through (FieldFlow CRM "Create or Update" or FieldFlow Prospect "Create or Update"), then to Record Results: a success resolves the queued error, a failure re-queues it with one more attempt.',
		name: 'retryNotice',
		type: 'notice',
		default: '',
		displayOptions: show('retryErrors'),
	},

	// ---------------------------------------------------------------- conflicts
	{
		displayName: 'Include Resolved',
		name: 'includeResolvedConflicts',
		type: 'boolean',
		default: false,
		description: 'Whether to list conflicts already resolved too',
		displayOptions: show('getConflicts'),
	},
	{
		displayName: 'Conflict ID',
		name: 'conflictId',
		type: 'number',
		required: true,
		default: 0,
		description: 'ID from Get Conflicts',
		displayOptions: show('resolveConflict'),
	},
	{
		displayName: 'Keep Values From',
		name: 'side',
		type: 'options',
		options: [
			{ name: 'FieldFlow', value: 'fieldflow', description: 'Write FieldFlow\'s values to the CRM' },
			{ name: 'CRM', value: 'crm', description: 'Write the CRM\'s values to FieldFlow' },
		],
		default: 'fieldflow',
		displayOptions: show('resolveConflict'),
	},
	{
		displayName:
			'The output item is a sync write for the other side: FieldFlow → connect to FieldFlow CRM "Create or Update" (CRM fields from the default mapping); CRM → connect to FieldFlow Prospect "Create or Update". Then Record Results stores the new baseline.',
		name: 'resolveNotice',
		type: 'notice',
		default: '',
		displayOptions: show('resolveConflict'),
	},

	// ---------------------------------------------------------------- look up links
	{
		displayName: 'Prospect ID',
		name: 'prospectId',
		type: 'string',
		default: '={{ $json.prospect_id }}',
		description: 'The FieldFlow prospect ID of each item (e.g. a meeting\'s or summary\'s prospect_id). All items are looked up in one store call.',
		displayOptions: show('lookUpLinks'),
	},
	{
		displayName: 'If Not Linked',
		name: 'ifNotLinked',
		type: 'options',
		options: [
			{ name: 'Error for the Item', value: 'error', description: 'Fail the item (with On Error → Continue it is output with an error message)' },
			{ name: 'Output Without CRM ID', value: 'passThrough', description: 'Output the item with linked: false and crmId: null (route it with an If node)' },
			{ name: 'Skip the Item', value: 'skip', description: 'Leave the item out' },
		],
		default: 'error',
		description: 'What to do with items whose prospect is not linked to a CRM record yet (not synced, or its sync failed)',
		displayOptions: show('lookUpLinks'),
	},

	// ---------------------------------------------------------------- render dashboard
	{
		displayName: 'Query Parameters',
		name: 'dashboardQuery',
		type: 'json',
		default: '={{ $json.query }}',
		description: 'The page\'s query parameters (from, to: dates; recordType; status: success, error, conflict or skipped) that filter the sync log. With a Webhook trigger: the query of its output item.',
		displayOptions: show('renderDashboard'),
	},
	{
		displayName: 'Action URL',
		name: 'actionUrl',
		type: 'string',
		default: '',
		placeholder: '/webhook/fieldflow/dashboard/salesforce/action',
		description: 'Where the Retry and pick-a-side buttons POST (action=retry&errorId=… or action=resolve&conflictId=…&side=…). Empty = no buttons.',
		displayOptions: show('renderDashboard'),
	},
	{
		displayName: 'Page URL',
		name: 'pageUrl',
		type: 'string',
		default: '',
		placeholder: '/webhook/fieldflow/dashboard/salesforce',
		description: 'Where the log filter form sends its GET request: the dashboard page itself. Empty = the current URL.',
		displayOptions: show('renderDashboard'),
	},
	{
		displayName: 'Log Entries',
		name: 'logLimit',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 1000 },
		default: 100,
		description: 'How many of the newest matching log entries the page shows',
		displayOptions: show('renderDashboard'),
	},

	// ---------------------------------------------------------------- disconnect
	{
		displayName: 'Disconnecting stops every sync run for this CRM (Start Run outputs nothing). Links, logs, errors and data in both systems are kept; Reconnect resumes.',
		name: 'disconnectNotice',
		type: 'notice',
		default: '',
		displayOptions: show('disconnect'),
	},
];

export const properties: INodeProperties[] = [crmProperty, operationProperty, ...operationFields, ...storeProperties];
