import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { LOG_STATUSES, renderDashboard, type LogStatus } from '../../shared/dashboard/render';
import { ERROR_HINTS } from '../../shared/errors';
import { show } from './common.descriptions';
import { CRM_LABELS } from './common';
import type { SyncStatusContext } from './node.type';

export const description: INodeProperties[] = [
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
];

function queryObject(value: unknown): Record<string, unknown> {
	if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
	const text = String(value ?? '').trim();
	if (!text) return {};
	try {
		const parsed = JSON.parse(text);
		return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : {};
	} catch {
		return Object.fromEntries(new URLSearchParams(text.replace(/^\?/, '')));
	}
}

const first = (v: unknown): string => String((Array.isArray(v) ? v[0] : v) ?? '').trim();

/** Render Dashboard: the store's figures, errors, conflicts and the filtered log as `{ html }`. */
export async function execute(this: IExecuteFunctions, { store, crm }: SyncStatusContext): Promise<INodeExecutionData[]> {
	const q = queryObject(this.getNodeParameter('dashboardQuery', 0, {}));
	const notices: string[] = [];
	const date = (name: string): string | undefined => {
		const v = first(q[name]);
		if (!v) return undefined;
		if (/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isFinite(Date.parse(v))) return v;
		notices.push(`Ignored the "${name}" filter: "${v}" is not a date`);
		return undefined;
	};
	const statusRaw = first(q.status);
	const status = (LOG_STATUSES as string[]).includes(statusRaw) ? (statusRaw as LogStatus) : undefined;
	if (statusRaw && !status) notices.push(`Ignored the "status" filter: "${statusRaw}" is not one of ${LOG_STATUSES.join(', ')}`);
	const filters = { from: date('from'), to: date('to'), recordType: first(q.recordType) || undefined, status };
	const fromIso = filters.from ? (/^\d{4}-\d{2}-\d{2}$/.test(filters.from) ? `${filters.from}T00:00:00.000Z` : new Date(filters.from).toISOString()) : undefined;

	const [summary, page, errors, conflicts, allTypes] = await Promise.all([
		store.summary(crm),
		store.queryLogs({ crm, from: fromIso, to: filters.to, recordType: filters.recordType, status, limit: Number(this.getNodeParameter('logLimit', 0, 100)) || 100 }),
		store.listErrors({ crm }),
		store.listConflicts({ crm }),
		store.queryLogs({ crm, limit: 1000 }),
	]);
	const recordTypes = [...new Set([...Object.keys(summary.syncedByType), ...allTypes.entries.map((e) => e.recordType), ...errors.map((e) => e.object)])];
	const html = renderDashboard({
		crm,
		crmLabel: CRM_LABELS[crm] ?? crm,
		generatedAt: new Date().toISOString(),
		connected: summary.connected,
		lastSyncAt: summary.lastSyncAt,
		syncedByType: summary.syncedByType,
		pending: summary.pending,
		errorCount: summary.errors,
		conflictCount: summary.conflicts,
		logs: page.entries,
		logTotal: page.total,
		errors: errors.map((e) => ({ ...e, hint: ERROR_HINTS[e.kind] ?? ERROR_HINTS.unknown })),
		conflicts,
		filters,
		recordTypes,
		pageUrl: String(this.getNodeParameter('pageUrl', 0, '') ?? ''),
		actionUrl: String(this.getNodeParameter('actionUrl', 0, '') ?? ''),
		notices,
	});
	const synced = Object.values(summary.syncedByType).reduce((a, b) => a + b, 0);
	return [
		{
			json: { html, crm, synced, pending: summary.pending, errors: summary.errors, conflicts: summary.conflicts, lastSyncAt: summary.lastSyncAt, logTotal: page.total, filters: filters as IDataObject },
			pairedItem: { item: 0 },
		},
	];
}
