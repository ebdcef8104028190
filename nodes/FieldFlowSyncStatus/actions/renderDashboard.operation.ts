import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import type { CrmName } from '../../shared/crm/types';
import { LOG_STATUSES, renderDashboard, type DashboardCrm, type LogStatus, type RecordLinkSettings } from '../../shared/dashboard/render';
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
		displayName: 'CRMs on the Page',
		name: 'dashboardCrms',
		type: 'options',
		options: [
			{ name: 'This CRM Only', value: 'selected', description: 'Figures, errors, conflicts and log of the CRM chosen above' },
			{ name: 'Every CRM in the Store', value: 'all', description: 'One section per CRM the store holds sync data of (the CRM chosen above first)' },
		],
		default: 'selected',
		displayOptions: show('renderDashboard'),
	},
	{
		displayName: 'Action URL',
		name: 'actionUrl',
		type: 'string',
		default: '',
		placeholder: '/webhook/fieldflow/dashboard/{crm}/action',
		description: 'Where the Retry and pick-a-side buttons POST (action=retry&errorId=… or action=resolve&conflictId=…&side=…, and returnTo = the page). {crm} becomes the record\'s CRM (salesforce, hubspot, pipedrive): each CRM\'s dashboard workflow retries its own records. Without {crm}, only the CRM chosen above gets buttons. Empty = no buttons.',
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
		displayName: 'Record Links',
		name: 'recordLinks',
		type: 'collection',
		placeholder: 'Add CRM Address',
		default: {},
		description: 'Where records open in their CRM: each record on the page links to its CRM page once its CRM\'s address is set here',
		displayOptions: show('renderDashboard'),
		options: [
			{
				displayName: 'HubSpot Portal ID',
				name: 'hubspotPortalId',
				type: 'string',
				default: '',
				placeholder: '12345678',
				description: 'Your HubSpot account (hub) ID, shown in the account menu; records link to https://app.hubspot.com/contacts/&lt;portal&gt;/record/&lt;object type&gt;/&lt;ID&gt;',
			},
			{
				displayName: 'HubSpot URL',
				name: 'hubspotUrl',
				type: 'string',
				default: 'https://app.hubspot.com',
				description: 'HubSpot\'s app address (EU accounts: https://app-eu1.hubspot.com)',
			},
			{
				displayName: 'Pipedrive Company Domain',
				name: 'pipedriveDomain',
				type: 'string',
				default: '',
				placeholder: 'yourcompany',
				description: 'The part before .pipedrive.com in your Pipedrive address (or a full URL); records link to https://&lt;company&gt;.pipedrive.com/person/&lt;ID&gt;',
			},
			{
				displayName: 'Salesforce Instance URL',
				name: 'salesforceUrl',
				type: 'string',
				default: '',
				placeholder: 'https://yourcompany.my.salesforce.com',
				description: 'Your org\'s address; records link to &lt;instance&gt;/lightning/r/&lt;Object&gt;/&lt;ID&gt;/view',
			},
		],
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

	const everyCrm = this.getNodeParameter('dashboardCrms', 0, 'selected') === 'all';
	const shown: CrmName[] = [crm];
	if (everyCrm) {
		for (const other of Object.keys(CRM_LABELS) as CrmName[]) {
			if (other === crm) continue;
			const [s, logs] = await Promise.all([store.summary(other), store.queryLogs({ crm: other, limit: 1 })]);
			if (logs.total || s.pending || s.errors || s.conflicts || Object.keys(s.syncedByType).length || !s.connected) shown.push(other);
		}
	}
	const inPage = <T extends { crm: string }>(rows: T[]) => rows.filter((r) => shown.includes(r.crm as CrmName));
	const logCrm = everyCrm ? undefined : crm;
	const [summaries, page, errors, conflicts, allTypes] = await Promise.all([
		Promise.all(shown.map((c) => store.summary(c))),
		store.queryLogs({ crm: logCrm, from: fromIso, to: filters.to, recordType: filters.recordType, status, limit: Number(this.getNodeParameter('logLimit', 0, 100)) || 100 }),
		store.listErrors(everyCrm ? {} : { crm }).then(inPage),
		store.listConflicts(everyCrm ? {} : { crm }).then(inPage),
		store.queryLogs({ crm: logCrm, limit: 1000 }),
	]);
	const summary = summaries[0];
	const actionUrl = String(this.getNodeParameter('actionUrl', 0, '') ?? '').trim();
	const crms: DashboardCrm[] = shown.map((c, i) => ({
		crm: c,
		label: CRM_LABELS[c] ?? c,
		connected: summaries[i].connected,
		lastSyncAt: summaries[i].lastSyncAt,
		syncedByType: summaries[i].syncedByType,
		...(summaries[i].membersByType ? { membersByType: summaries[i].membersByType } : {}),
		pending: summaries[i].pending,
		errorCount: summaries[i].errors,
		conflictCount: summaries[i].conflicts,
		actionUrl: actionUrl.includes('{crm}') ? actionUrl.split('{crm}').join(c) : c === crm ? actionUrl : '',
	}));
	const links = this.getNodeParameter('recordLinks', 0, {}) as RecordLinkSettings;
	const recordTypes = [...new Set([...summaries.flatMap((s) => Object.keys(s.syncedByType)), ...allTypes.entries.map((e) => e.recordType), ...errors.map((e) => e.object)])];
	const html = renderDashboard({
		generatedAt: new Date().toISOString(),
		crms,
		logs: page.entries,
		logTotal: page.total,
		errors: errors.map((e) => ({ ...e, hint: ERROR_HINTS[e.kind] ?? ERROR_HINTS.unknown })),
		conflicts,
		filters,
		recordTypes,
		pageUrl: String(this.getNodeParameter('pageUrl', 0, '') ?? ''),
		links,
		notices,
	});
	const synced = Object.values(summary.syncedByType).reduce((a, b) => a + b, 0);
	return [
		{
			json: { html, crm, crms: shown, synced, pending: summary.pending, errors: summary.errors, conflicts: summary.conflicts, lastSyncAt: summary.lastSyncAt, logTotal: page.total, filters: filters as IDataObject },
			pairedItem: { item: 0 },
		},
	];
}
