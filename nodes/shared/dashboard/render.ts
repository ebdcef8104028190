/**
 * The sync dashboard page (the seed's "Sync Status Dashboard" and "Sync Logs"), as one HTML
 * string. Pure: no n8n imports, no I/O — the Sync Status node's "Render Dashboard" operation reads
 * the store and passes the data in; the workflow template serves the result with n8n's Webhook +
 * Respond to Webhook nodes.
 *
 * Every value from the store (record data, error messages, ids) is escaped: a prospect named
 * `<script>` shows as text. Forms only: filters are a GET form on the page's own URL; Retry and
 * pick-a-side buttons are POST forms to the action URL (the template's second webhook path), which
 * redirects back here.
 */
import type { ErrorKind } from '../errors';

export type LogStatus = 'success' | 'error' | 'conflict' | 'skipped';

export interface DashboardLogEntry {
	time: string;
	direction: string;
	recordType: string;
	fieldflowId?: string | null;
	crmId?: string | null;
	status: LogStatus | string;
	action?: string | null;
	message?: string | null;
	errorKind?: string | null;
}

export interface DashboardError {
	id: number;
	object: string;
	direction: string;
	fieldflowId?: string | null;
	crmId?: string | null;
	kind: ErrorKind | string;
	hint: string;
	message: string;
	attempts: number;
	state?: string;
	updatedAt: string;
}

export interface DashboardConflict {
	id: number;
	object: string;
	fieldflowId: string;
	crmId: string;
	fields: Array<{ field: string; fieldflow: unknown; crm: unknown }>;
	createdAt: string;
}

export interface DashboardFilters {
	/** YYYY-MM-DD or ISO time. */
	from?: string;
	to?: string;
	recordType?: string;
	status?: LogStatus | '';
}

export interface DashboardData {
	crm: string;
	crmLabel: string;
	generatedAt: string;
	connected: boolean;
	lastSyncAt: string | null;
	syncedByType: Record<string, number>;
	pending: number;
	errorCount: number;
	conflictCount: number;
	logs: DashboardLogEntry[];
	logTotal: number;
	errors: DashboardError[];
	conflicts: DashboardConflict[];
	filters: DashboardFilters;
	/** Record types offered in the filter (besides "all"). */
	recordTypes: string[];
	/** Where the filter form GETs (the page itself); '' = the current URL. */
	pageUrl: string;
	/** Where Retry / pick-a-side forms POST; '' = no buttons. */
	actionUrl: string;
	/** Notes about ignored filter values etc. */
	notices?: string[];
}

/** The seed's status icons. */
export const STATUS_ICONS = { synced: '✅ Synced', pending: '🔄 Pending', conflict: '⚠️ Conflict', error: '❌ Error' } as const;

const LOG_STATUS_LABELS: Record<string, string> = {
	success: STATUS_ICONS.synced,
	error: STATUS_ICONS.error,
	conflict: STATUS_ICONS.conflict,
	skipped: '⏭️ Skipped',
};

export const LOG_STATUSES: LogStatus[] = ['success', 'error', 'conflict', 'skipped'];

/** HTML-escape any value (objects as JSON). */
export function esc(value: unknown): string {
	const text = value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
	return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function when(iso: string | null | undefined): string {
	if (!iso) return 'never';
	const t = Date.parse(iso);
	return Number.isFinite(t) ? new Date(t).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC') : String(iso);
}

const dateValue = (v: string | undefined) => (v && /^\d{4}-\d{2}-\d{2}/.test(v) ? v.slice(0, 10) : '');

function hidden(name: string, value: unknown): string {
	return `<input type="hidden" name="${esc(name)}" value="${esc(value)}">`;
}

function card(label: string, value: unknown, testId: string, extra = ''): string {
	return `<div class="card" data-testid="${esc(testId)}"><div class="label">${esc(label)}</div><div class="value">${esc(value)}</div>${extra}</div>`;
}

function directionLabel(d: string): string {
	return d === 'toCrm' ? 'FieldFlow → CRM' : d === 'toFieldflow' ? 'CRM → FieldFlow' : '—';
}

export function renderDashboard(d: DashboardData): string {
	const synced = Object.values(d.syncedByType).reduce((a, b) => a + b, 0);
	const byType = Object.entries(d.syncedByType)
		.sort(([a], [b]) => a.localeCompare(b))
		.map(([type, n]) => `<li data-testid="synced-${esc(type)}">${esc(type)}: <b>${esc(n)}</b></li>`)
		.join('');
	const f = d.filters;
	const types = [...new Set([...d.recordTypes, ...(f.recordType ? [f.recordType] : [])])].sort();

	const cards = [
		card('Last sync', when(d.lastSyncAt), 'last-sync'),
		card(STATUS_ICONS.synced, synced, 'count-synced', byType ? `<ul class="types">${byType}</ul>` : ''),
		card(STATUS_ICONS.pending, d.pending, 'count-pending'),
		card(STATUS_ICONS.conflict, d.conflictCount, 'count-conflicts'),
		card(STATUS_ICONS.error, d.errorCount, 'count-errors'),
	].join('');

	const errorRows = d.errors
		.map(
			(e) => `<tr data-testid="error-row" data-error-id="${esc(e.id)}">
<td>${esc(e.id)}</td><td>${esc(e.object)}</td><td>${esc(directionLabel(e.direction))}</td>
<td>${esc(e.fieldflowId ?? '')}${e.crmId ? ` / ${esc(e.crmId)}` : ''}</td>
<td><span class="kind">${esc(e.kind)}</span></td><td>${esc(e.message)}<div class="hint">${esc(e.hint)}</div></td>
<td>${esc(e.attempts)}</td><td>${esc(when(e.updatedAt))}</td>
<td>${
				d.actionUrl
					? `<form method="post" action="${esc(d.actionUrl)}">${hidden('action', 'retry')}${hidden('errorId', e.id)}${e.kind === 'auth_expired' ? hidden('includeAuth', 'true') : ''}<button type="submit" data-testid="retry-${esc(e.id)}">Retry</button></form>`
					: ''
			}</td></tr>`,
		)
		.join('\n');

	const conflictRows = d.conflicts
		.map((c) => {
			const fields = c.fields
				.map((x) => `<li><b>${esc(x.field)}</b>: FieldFlow “${esc(x.fieldflow)}” · CRM “${esc(x.crm)}”</li>`)
				.join('');
			const button = (side: 'fieldflow' | 'crm', label: string) =>
				`<form method="post" action="${esc(d.actionUrl)}">${hidden('action', 'resolve')}${hidden('conflictId', c.id)}${hidden('side', side)}<button type="submit" data-testid="keep-${side}-${esc(c.id)}">${esc(label)}</button></form>`;
			return `<tr data-testid="conflict-row" data-conflict-id="${esc(c.id)}"><td>${esc(c.id)}</td><td>${esc(c.object)}</td><td>${esc(c.fieldflowId)} / ${esc(c.crmId)}</td><td><ul>${fields}</ul></td><td>${esc(when(c.createdAt))}</td><td class="actions">${
				d.actionUrl ? button('fieldflow', 'Keep FieldFlow') + button('crm', `Keep ${d.crmLabel}`) : ''
			}</td></tr>`;
		})
		.join('\n');

	const logRows = d.logs
		.map(
			(l) => `<tr data-testid="log-row" data-status="${esc(l.status)}"><td>${esc(when(l.time))}</td><td>${esc(l.recordType)}</td><td>${esc(directionLabel(l.direction))}</td><td>${esc(l.fieldflowId ?? '')}${l.crmId ? ` / ${esc(l.crmId)}` : ''}</td><td>${esc(LOG_STATUS_LABELS[l.status] ?? l.status)}</td><td>${esc(l.action ?? '')}</td><td>${esc(l.message ?? '')}${l.errorKind ? ` <span class="kind">${esc(l.errorKind)}</span>` : ''}</td></tr>`,
		)
		.join('\n');

	const option = (value: string, label: string, selected: boolean) => `<option value="${esc(value)}"${selected ? ' selected' : ''}>${esc(label)}</option>`;
	const filterForm = `<form method="get" action="${esc(d.pageUrl)}" class="filters" data-testid="log-filters">
<label>From <input type="date" name="from" value="${esc(dateValue(f.from))}"></label>
<label>To <input type="date" name="to" value="${esc(dateValue(f.to))}"></label>
<label>Record type <select name="recordType">${option('', 'All', !f.recordType)}${types.map((t) => option(t, t, f.recordType === t)).join('')}</select></label>
<label>Status <select name="status">${option('', 'All', !f.status)}${LOG_STATUSES.map((s) => option(s, LOG_STATUS_LABELS[s], f.status === s)).join('')}</select></label>
<button type="submit" data-testid="apply-filters">Apply</button> <a href="${esc(d.pageUrl || '?')}">Clear</a>
</form>`;

	const notices = (d.notices ?? []).map((n) => `<p class="notice">${esc(n)}</p>`).join('');
	const retryAll =
		d.actionUrl && d.errors.length
			? `<form method="post" action="${esc(d.actionUrl)}" class="inline">${hidden('action', 'retry')}<button type="submit" data-testid="retry-all">Retry all</button></form>`
			: '';

	return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>FieldFlow ⇄ ${esc(d.crmLabel)} sync dashboard</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f5f6f8;color:#1f2430}
header{background:#1f3a5f;color:#fff;padding:14px 24px}header h1{margin:0;font-size:20px}header .sub{opacity:.8;font-size:12px}
main{padding:16px 24px}section{background:#fff;border-radius:8px;box-shadow:0 1px 2px rgba(0,0,0,.08);padding:12px 16px;margin-bottom:16px}
h2{font-size:16px;margin:0 0 8px}.cards{display:flex;gap:12px;flex-wrap:wrap}.card{flex:1 1 160px;background:#fff;border-radius:8px;box-shadow:0 1px 2px rgba(0,0,0,.08);padding:12px 16px}
.card .label{font-size:12px;color:#5a6270}.card .value{font-size:22px;font-weight:600}.types{margin:4px 0 0;padding-left:18px;font-size:12px}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;border-bottom:1px solid #e6e8ec;padding:6px 8px;vertical-align:top}th{background:#fafbfc}
.hint{color:#5a6270;font-size:12px}.kind{background:#fde8e8;color:#9b1c1c;border-radius:4px;padding:0 4px;font-size:12px}
form{display:inline}.filters label{margin-right:10px}button{cursor:pointer;border:1px solid #1f3a5f;background:#1f3a5f;color:#fff;border-radius:4px;padding:3px 10px}
.actions form{margin-right:4px}.notice{color:#9b5c00}.empty{color:#5a6270}.status{font-weight:600}
</style></head>
<body><header><h1>FieldFlow ⇄ ${esc(d.crmLabel)} sync</h1><div class="sub">${d.connected ? 'Connected' : 'Disconnected: no new syncing'} · generated ${esc(when(d.generatedAt))}</div></header>
<main>
${notices}
<div class="cards" data-testid="cards">${cards}</div>
<section data-testid="errors"><h2>❌ Errors (${esc(d.errorCount)}) ${retryAll}</h2>
${d.errors.length ? `<table><thead><tr><th>ID</th><th>Type</th><th>Direction</th><th>Record</th><th>Kind</th><th>Message / what to do</th><th>Attempts</th><th>Last try</th><th></th></tr></thead><tbody>${errorRows}</tbody></table>` : '<p class="empty">No errors.</p>'}
</section>
<section data-testid="conflicts"><h2>⚠️ Conflicts (${esc(d.conflictCount)})</h2>
${d.conflicts.length ? `<table><thead><tr><th>ID</th><th>Type</th><th>Record</th><th>Fields</th><th>Since</th><th>Keep</th></tr></thead><tbody>${conflictRows}</tbody></table>` : '<p class="empty">No conflicts.</p>'}
</section>
<section data-testid="logs"><h2>Sync log (<span data-testid="log-total">${esc(d.logTotal)}</span>)</h2>
${filterForm}
${d.logs.length ? `<table><thead><tr><th>Time</th><th>Type</th><th>Direction</th><th>Record</th><th>Status</th><th>Action</th><th>Message</th></tr></thead><tbody>${logRows}</tbody></table>` : '<p class="empty">No log entries match.</p>'}
</section>
</main></body></html>
`;
}
