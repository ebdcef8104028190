/**
 * The sync dashboard page (the seed's "Sync Status Dashboard" and "Sync Logs"), as one HTML
 * string. Pure: no n8n imports, no I/O — the Sync Status node's "Render Dashboard" operation reads
 * the store and passes the data in; the workflow template serves the result with n8n's Webhook +
 * Respond to Webhook nodes.
 *
 * One page shows every CRM it is given (a section of figures per CRM; errors, conflicts and the
 * log list each record with its CRM). A record is shown by name and company (as the sync saw
 * them) with a link to it in its CRM; ids are the small print. Status icons are inline SVG, so
 * they render without an emoji font (Debian's Chromium shows emoji as boxes without one).
 *
 * Every value from the store (record data, error messages, ids) is escaped: a prospect named
 * `<script>` shows as text. Forms only: filters are a GET form on the page's own URL; Retry and
 * pick-a-side buttons are POST forms to the record's CRM's action URL (that CRM's dashboard
 * workflow), with `returnTo` = this page, which the action redirects back to.
 */
import { groupMembers } from '../crm/group/spec';
import type { CrmName } from '../crm/types';
import { userErrorMessage, type ErrorKind } from '../errors';

export type LogStatus = 'success' | 'error' | 'conflict' | 'skipped';

/** Who a record is: FieldFlow's contact name and company, as the sync saw them. */
interface RecordIdentity {
	recordName?: string | null;
	recordCompany?: string | null;
}

export interface DashboardLogEntry extends RecordIdentity {
	/** The entry's CRM (default: the page's first CRM). */
	crm?: string;
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

export interface DashboardError extends RecordIdentity {
	id: number;
	crm?: string;
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

export interface DashboardConflict extends RecordIdentity {
	id: number;
	crm?: string;
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

/** One CRM's figures on the page. */
export interface DashboardCrm {
	crm: string;
	label: string;
	connected: boolean;
	lastSyncAt: string | null;
	syncedByType: Record<string, number>;
	/** Record groups: the distinct member records the synced links name, by member object (DashboardSummary.membersByType). */
	membersByType?: Record<string, number>;
	pending: number;
	errorCount: number;
	conflictCount: number;
	/** Where this CRM's Retry / pick-a-side forms POST (its dashboard workflow's action path); '' = no buttons. */
	actionUrl: string;
}

/**
 * Where records open in their CRM. Salesforce: the org's instance URL
 * (https://yourcompany.my.salesforce.com); HubSpot: the account's portal (hub) id, on
 * https://app.hubspot.com unless hubspotUrl says otherwise; Pipedrive: the company domain
 * (`yourcompany` of yourcompany.pipedrive.com) or a full base URL. Unset = no link for that CRM.
 */
export interface RecordLinkSettings {
	salesforceUrl?: string;
	hubspotPortalId?: string;
	hubspotUrl?: string;
	pipedriveDomain?: string;
}

export interface DashboardData {
	generatedAt: string;
	/** The CRMs on the page, the page's own first. */
	crms: DashboardCrm[];
	logs: DashboardLogEntry[];
	logTotal: number;
	errors: DashboardError[];
	conflicts: DashboardConflict[];
	filters: DashboardFilters;
	/** Record types offered in the filter (besides "all"). */
	recordTypes: string[];
	/** Where the filter form GETs (the page itself); '' = the current URL. */
	pageUrl: string;
	links?: RecordLinkSettings;
	/** Notes about ignored filter values etc. */
	notices?: string[];
}

export type StatusIcon = 'synced' | 'pending' | 'conflict' | 'error' | 'skipped';

/** The seed's statuses, as words next to their icon. */
export const STATUS_LABELS: Record<StatusIcon, string> = { synced: 'Synced', pending: 'Pending', conflict: 'Conflict', error: 'Error', skipped: 'Skipped' };

const LOG_STATUS_ICONS: Record<string, StatusIcon> = { success: 'synced', error: 'error', conflict: 'conflict', skipped: 'skipped' };

export const LOG_STATUSES: LogStatus[] = ['success', 'error', 'conflict', 'skipped'];

/** What the log filter calls each status. */
const LOG_STATUS_LABELS: Record<LogStatus, string> = { success: 'Synced', error: 'Error', conflict: 'Conflict', skipped: 'Skipped' };

const ERROR_KIND_LABELS: Record<string, string> = {
	auth_expired: 'Sign-in expired',
	validation: 'Rejected data',
	rate_limit: 'Rate limit',
	not_found: 'Record not found',
	transient: 'Temporary failure',
	unknown: 'Unexpected error',
};

/** FieldFlow's names for its fields (canonical names), as its app shows them. */
const FIELD_LABELS: Record<string, string> = {
	company_name: 'Company',
	contact_name: 'Name',
	email: 'Email',
	phone: 'Phone',
	status: 'Status',
	notes: 'Notes',
	estimated_value: 'Estimated value',
};

/** HubSpot's object type ids (the record URL uses them): https://developers.hubspot.com/docs/api/crm/understanding-the-crm#object-type-id */
const HUBSPOT_OBJECT_TYPE_IDS: Record<string, string> = { contacts: '0-1', companies: '0-2', deals: '0-3', tickets: '0-5' };
const PIPEDRIVE_PATHS: Record<string, string> = { persons: 'person', organizations: 'organization', deals: 'deal', activities: 'activity' };

/** HTML-escape any value (objects as JSON). */
export function esc(value: unknown): string {
	const text = value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
	return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** The icon of a status: inline SVG (no font needed), with the status word as its title. */
export function statusIcon(status: StatusIcon): string {
	const shapes: Record<StatusIcon, string> = {
		synced: '<circle cx="8" cy="8" r="7" fill="#1a7f37"/><path d="M4.5 8.2l2.3 2.3 4.7-4.9" stroke="#fff" stroke-width="1.8" fill="none" stroke-linecap="round" stroke-linejoin="round"/>',
		pending: '<circle cx="8" cy="8" r="7" fill="#0969da"/><path d="M8 4.2V8l2.6 1.6" stroke="#fff" stroke-width="1.6" fill="none" stroke-linecap="round"/>',
		conflict: '<path d="M8 1.2l7 13H1z" fill="#bf8700"/><path d="M8 5.6v4.2" stroke="#fff" stroke-width="1.8" stroke-linecap="round"/><circle cx="8" cy="12" r="1" fill="#fff"/>',
		error: '<circle cx="8" cy="8" r="7" fill="#cf222e"/><path d="M5.3 5.3l5.4 5.4M10.7 5.3l-5.4 5.4" stroke="#fff" stroke-width="1.8" stroke-linecap="round"/>',
		skipped: '<circle cx="8" cy="8" r="7" fill="#8c959f"/><path d="M4.8 8h6.4" stroke="#fff" stroke-width="1.8" stroke-linecap="round"/>',
	};
	return `<svg class="icon" data-icon="${status}" width="16" height="16" viewBox="0 0 16 16" role="img" aria-label="${STATUS_LABELS[status]}"><title>${STATUS_LABELS[status]}</title>${shapes[status]}</svg>`;
}

const labelled = (status: StatusIcon, text = STATUS_LABELS[status]) => `${statusIcon(status)} ${esc(text)}`;

function when(iso: string | null | undefined): string {
	if (!iso) return 'never';
	const t = Date.parse(iso);
	return Number.isFinite(t) ? new Date(t).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC') : String(iso);
}

const dateValue = (v: string | undefined) => (v && /^\d{4}-\d{2}-\d{2}/.test(v) ? v.slice(0, 10) : '');

function hidden(name: string, value: unknown): string {
	return `<input type="hidden" name="${esc(name)}" value="${esc(value)}">`;
}

const trimSlash = (s: string) => s.trim().replace(/\/+$/, '');
const isHttp = (s: string) => /^https?:\/\/[^\s"'<>]+$/i.test(s);

/** The record's page in its CRM, or null when the settings do not say where the CRM is. */
export function crmRecordUrl(crm: string, object: string, id: string | null | undefined, links: RecordLinkSettings = {}): string | null {
	if (!id) return null;
	const rid = encodeURIComponent(id);
	if (crm === 'salesforce') {
		// Lightning record page: https://developer.salesforce.com/docs/atlas.en-us.lightning.meta/lightning/components_navigation_page_definitions.htm
		const base = trimSlash(links.salesforceUrl ?? '');
		return isHttp(base) ? `${base}/lightning/r/${encodeURIComponent(object)}/${rid}/view` : null;
	}
	if (crm === 'hubspot') {
		const portal = String(links.hubspotPortalId ?? '').trim();
		const type = HUBSPOT_OBJECT_TYPE_IDS[object] ?? (/^\d+-\d+$/.test(object) ? object : null);
		const base = trimSlash(links.hubspotUrl || 'https://app.hubspot.com');
		return /^\d+$/.test(portal) && type && isHttp(base) ? `${base}/contacts/${portal}/record/${type}/${rid}` : null;
	}
	if (crm === 'pipedrive') {
		const domain = trimSlash(links.pipedriveDomain ?? '');
		const base = isHttp(domain) ? domain : /^[a-z0-9-]+$/i.test(domain) ? `https://${domain}.pipedrive.com` : /^[a-z0-9-]+\.pipedrive\.com$/i.test(domain) ? `https://${domain}` : null;
		const page = PIPEDRIVE_PATHS[object];
		return base && page ? `${base}/${page}/${rid}` : null;
	}
	return null;
}

/** "Phone, Email" for canonical field names. */
export function fieldLabels(fields: string[]): string {
	return fields.map((f) => FIELD_LABELS[f] ?? (f.charAt(0).toUpperCase() + f.slice(1)).replace(/_/g, ' ')).join(', ');
}

export { userErrorMessage };


/**
 * The sentences of a log message about a record group's company or deal gone from the CRM (the
 * Conflict Resolver's When a Linked Company or Deal Is Deleted), in the CRM's name and with field
 * labels; '' when there are none.
 */
function memberNotes(msg: string, crmLabel: string): string {
	return msg
		.split(/\.\s+/)
		.filter((t) => /is gone from the CRM|was unlinked after it was deleted in the CRM/.test(t))
		.map((t) => `${t.replace(/\bthe CRM\b/g, crmLabel).replace(/prospect's ([a-z0-9_, ]+) \(/, (_m, f: string) => `prospect's ${fieldLabels(f.split(',').map((x) => x.trim()))} (`).replace(/\.$/, '')}.`)
		.join(' ');
}

/** What a log entry says, for the person reading the dashboard. */
export function describeLog(l: DashboardLogEntry, crmLabel: string): string {
	const msg = String(l.message ?? '');
	const members = memberNotes(msg, crmLabel);
	const listed = (side: 'CRM' | 'FieldFlow') => {
		const m = new RegExp(`to ${side}: ([a-z0-9_, ]+)`, 'i').exec(msg);
		return m ? `: ${fieldLabels(m[1].split(',').map((s) => s.trim()).filter(Boolean))}` : '';
	};
	if (l.status === 'error') {
		const kind = ERROR_KIND_LABELS[String(l.errorKind ?? 'unknown')] ?? ERROR_KIND_LABELS.unknown;
		const what = l.action === 'invalid' ? 'Not sent: the record has values the CRM field cannot take' : l.direction === 'toFieldflow' ? 'FieldFlow refused it' : `${crmLabel} refused it`;
		return `${what} (${kind}): ${userErrorMessage(msg)}`;
	}
	if (l.status === 'conflict') {
		const m = /conflict: (.+)$/i.exec(msg);
		return `Changed on both sides${m ? ` (${fieldLabels(m[1].split(',').map((s) => s.trim()))})` : ''}: pick the value to keep under Conflicts.`;
	}
	if (l.status === 'success') {
		switch (l.action) {
			case 'createInCrm':
				return /recreated/i.test(msg) ? `Recreated in ${crmLabel} (it had been deleted there).` : `Created in ${crmLabel}.`;
			case 'updateCrm':
				return `Updated in ${crmLabel}${listed('CRM')}.${members ? ` ${members}` : ''}`;
			case 'createInFieldflow':
				return /recreated/i.test(msg) ? 'Recreated in FieldFlow (it had been deleted there).' : `Created in FieldFlow from ${crmLabel}.`;
			case 'updateFieldflow':
				return `Updated in FieldFlow${listed('FieldFlow')}.`;
			case 'deleteInCrm':
				return `Deleted in ${crmLabel} (it was deleted in FieldFlow).`;
			case 'deleteInFieldflow':
				return `Deleted in FieldFlow (it was deleted in ${crmLabel}).`;
		}
	}
	if (members) return members;
	return msg.replace(/\bthe CRM\b/g, crmLabel);
}

/** A CRM object's key in words, plural: persons → Persons, Opportunity → Opportunities, Account → Accounts. */
export function objectWords(object: string): string {
	const word = object.charAt(0).toUpperCase() + object.slice(1);
	if (/s$/i.test(word)) return word;
	return /[^aeiou]y$/i.test(word) ? `${word.slice(0, -1)}ies` : `${word}s`;
}

/**
 * The records a CRM's synced links stand for, by type: each primary object, then its group's
 * members (company, then deal), then any other member object, with their counts.
 */
export function syncedRecords(crm: string, syncedByType: Record<string, number>, membersByType: Record<string, number> = {}): Array<{ type: string; count: number }> {
	const order: string[] = [];
	const primaries = Object.keys(syncedByType).sort((a, b) => a.localeCompare(b));
	for (const p of primaries) {
		order.push(p);
		for (const m of groupMembers(crm as CrmName, p)) if (m in membersByType && !order.includes(m)) order.push(m);
	}
	for (const m of Object.keys(membersByType).sort((a, b) => a.localeCompare(b))) if (!order.includes(m)) order.push(m);
	return order.map((type) => ({ type, count: (syncedByType[type] ?? 0) + (membersByType[type] ?? 0) }));
}

/** syncedRecords in words, where links name members: "Persons 20, Organizations 6, Deals 20" (else empty). */
export function recordsByType(crm: string, syncedByType: Record<string, number>, membersByType: Record<string, number> = {}): string {
	if (!Object.keys(membersByType).length) return '';
	return syncedRecords(crm, syncedByType, membersByType)
		.map((r) => `${objectWords(r.type)} ${r.count}`)
		.join(', ');
}

function directionLabel(d: string, crmLabel: string): string {
	return d === 'toCrm' ? `FieldFlow → ${crmLabel}` : d === 'toFieldflow' ? `${crmLabel} → FieldFlow` : '—';
}

export function renderDashboard(d: DashboardData): string {
	const crms = d.crms.length ? d.crms : [{ crm: '', label: 'CRM', connected: true, lastSyncAt: null, syncedByType: {}, pending: 0, errorCount: 0, conflictCount: 0, actionUrl: '' }];
	const byCrm = new Map(crms.map((c) => [c.crm, c]));
	const crmOf = (crm: string | undefined) => byCrm.get(crm ?? crms[0].crm) ?? { ...crms[0], crm: crm ?? '', label: crm ?? 'CRM', actionUrl: '' };
	const several = crms.length > 1;
	const f = d.filters;
	const types = [...new Set([...d.recordTypes, ...(f.recordType ? [f.recordType] : [])])].sort();
	const returnTo = d.pageUrl ? hidden('returnTo', d.pageUrl) : '';

	/** Name · company, then where it lives: FieldFlow id, CRM record (linked when the page knows the CRM's address). */
	const record = (crm: string, object: string, r: RecordIdentity & { fieldflowId?: string | null; crmId?: string | null }) => {
		const c = crmOf(crm);
		const name = r.recordName ? `<b class="name">${esc(r.recordName)}</b>` : `<b class="name unnamed">${esc(r.fieldflowId ? 'FieldFlow prospect' : `${c.label} ${object}`)}</b>`;
		const company = r.recordCompany ? ` <span class="company">${esc(r.recordCompany)}</span>` : '';
		const url = crmRecordUrl(c.crm, object, r.crmId, d.links);
		const crmRef = r.crmId
			? url
				? `<a href="${esc(url)}" target="_blank" rel="noopener noreferrer" data-testid="crm-link">Open in ${esc(c.label)}</a> <span class="id">${esc(object)} ${esc(r.crmId)}</span>`
				: `<span class="id">${esc(c.label)} ${esc(object)} ${esc(r.crmId)}</span>`
			: `<span class="id">not in ${esc(c.label)} yet</span>`;
		const ffRef = r.fieldflowId ? `<span class="id">FieldFlow ${esc(r.fieldflowId)}</span> · ` : '';
		return `<div class="who">${name}${company}</div><div class="where">${ffRef}${crmRef}</div>`;
	};

	const crmSection = (c: DashboardCrm) => {
		const synced = Object.values(c.syncedByType).reduce((a, b) => a + b, 0);
		// Every record the synced links stand for, in words: the people, then their companies and deals.
		const byType = syncedRecords(c.crm, c.syncedByType, c.membersByType)
			.map((r) => `<li data-testid="synced-${esc(r.type)}">${esc(objectWords(r.type))}: <b>${esc(r.count)}</b></li>`)
			.join('');
		const card = (label: string, value: unknown, testId: string, extra = '') =>
			`<div class="card" data-testid="${esc(testId)}"><div class="label">${label}</div><div class="value">${esc(value)}</div>${extra}</div>`;
		const retryAll =
			c.actionUrl && c.errorCount
				? `<form method="post" action="${esc(c.actionUrl)}" class="inline">${hidden('action', 'retry')}${returnTo}<button type="submit" data-testid="retry-all">Retry all ${esc(c.label)} errors</button></form>`
				: '';
		return `<section class="crm" data-crm="${esc(c.crm)}" data-testid="crm-${esc(c.crm)}"><h2>${esc(c.label)} <span class="conn ${c.connected ? 'on' : 'off'}">${c.connected ? 'Connected' : 'Disconnected: no new syncing'}</span> ${retryAll}</h2>
<div class="cards" data-testid="cards">${[
			card('Last sync', when(c.lastSyncAt), 'last-sync'),
			card(labelled('synced'), synced, 'count-synced', byType ? `<ul class="types" data-testid="records-by-type">${byType}</ul>` : ''),
			card(labelled('pending'), c.pending, 'count-pending'),
			card(labelled('conflict'), c.conflictCount, 'count-conflicts'),
			card(labelled('error'), c.errorCount, 'count-errors'),
		].join('')}</div></section>`;
	};

	const crmCell = (crm: string | undefined) => (several ? `<td>${esc(crmOf(crm).label)}</td>` : '');
	const crmHead = several ? '<th>CRM</th>' : '';

	const errorRows = d.errors
		.map((e) => {
			const c = crmOf(e.crm);
			const kind = ERROR_KIND_LABELS[String(e.kind)] ?? String(e.kind);
			return `<tr data-testid="error-row" data-error-id="${esc(e.id)}" data-crm="${esc(c.crm)}">
${crmCell(e.crm)}<td>${record(c.crm, e.object, e)}</td><td>${esc(e.object)}<div class="hint">${esc(directionLabel(e.direction, c.label))}</div></td>
<td><span class="kind">${esc(kind)}</span></td><td>${esc(userErrorMessage(e.message))}<div class="hint">${esc(e.hint)}</div></td>
<td>${esc(e.attempts)}</td><td>${esc(when(e.updatedAt))}</td>
<td>${
				c.actionUrl
					? `<form method="post" action="${esc(c.actionUrl)}">${hidden('action', 'retry')}${hidden('errorId', e.id)}${e.kind === 'auth_expired' ? hidden('includeAuth', 'true') : ''}${returnTo}<button type="submit" data-testid="retry-${esc(e.id)}">Retry</button></form>`
					: ''
			}</td></tr>`;
		})
		.join('\n');

	const conflictRows = d.conflicts
		.map((x) => {
			const c = crmOf(x.crm);
			const fields = x.fields
				.map((v) => `<li><b>${esc(fieldLabels([v.field]))}</b>: FieldFlow “${esc(v.fieldflow)}” · ${esc(c.label)} “${esc(v.crm)}”</li>`)
				.join('');
			const button = (side: 'fieldflow' | 'crm', label: string) =>
				`<form method="post" action="${esc(c.actionUrl)}">${hidden('action', 'resolve')}${hidden('conflictId', x.id)}${hidden('side', side)}${returnTo}<button type="submit" data-testid="keep-${side}-${esc(x.id)}">${esc(label)}</button></form>`;
			return `<tr data-testid="conflict-row" data-conflict-id="${esc(x.id)}" data-crm="${esc(c.crm)}">${crmCell(x.crm)}<td>${record(c.crm, x.object, x)}</td><td>${esc(x.object)}</td><td><ul>${fields}</ul></td><td>${esc(when(x.createdAt))}</td><td class="actions">${
				c.actionUrl ? button('fieldflow', 'Keep FieldFlow') + button('crm', `Keep ${c.label}`) : ''
			}</td></tr>`;
		})
		.join('\n');

	const logRows = d.logs
		.map((l) => {
			const c = crmOf(l.crm);
			const icon = LOG_STATUS_ICONS[l.status];
			const recordCell = l.fieldflowId || l.crmId || l.recordName ? record(c.crm, l.recordType, l) : '<span class="id">—</span>';
			return `<tr data-testid="log-row" data-status="${esc(l.status)}" data-crm="${esc(c.crm)}"><td>${esc(when(l.time))}</td>${crmCell(l.crm)}<td>${recordCell}</td><td>${esc(l.recordType)}<div class="hint">${esc(directionLabel(l.direction, c.label))}</div></td><td class="status">${icon ? labelled(icon) : esc(l.status)}</td><td>${esc(describeLog(l, c.label))}</td></tr>`;
		})
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
	const errorCount = crms.reduce((a, c) => a + c.errorCount, 0);
	const conflictCount = crms.reduce((a, c) => a + c.conflictCount, 0);
	const title = `FieldFlow ⇄ ${crms.map((c) => c.label).join(', ')} sync`;

	return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} dashboard</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;background:#f5f6f8;color:#1f2430}
header{background:#1f3a5f;color:#fff;padding:14px 24px}header h1{margin:0;font-size:20px}header .sub{opacity:.8;font-size:12px}
main{padding:16px 24px}section{background:#fff;border-radius:8px;box-shadow:0 1px 2px rgba(0,0,0,.08);padding:12px 16px;margin-bottom:16px}
h2{font-size:16px;margin:0 0 8px;display:flex;align-items:center;gap:8px;flex-wrap:wrap}.cards{display:flex;gap:12px;flex-wrap:wrap}.card{flex:1 1 160px;background:#fafbfc;border:1px solid #e6e8ec;border-radius:8px;padding:10px 14px}
.card .label{font-size:12px;color:#5a6270;display:flex;align-items:center;gap:4px}.card .value{font-size:22px;font-weight:600}.card[data-testid="last-sync"] .value{font-size:15px;padding-top:6px}.types{margin:4px 0 0;padding-left:18px;font-size:12px}
.conn{font-size:12px;font-weight:400;border-radius:10px;padding:0 8px}.conn.on{background:#dafbe1;color:#1a7f37}.conn.off{background:#fff1e5;color:#9b5c00}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;border-bottom:1px solid #e6e8ec;padding:6px 8px;vertical-align:top}th{background:#fafbfc}
.icon{vertical-align:-3px;flex:none}.status{white-space:nowrap}.who .company{color:#5a6270}.who .company::before{content:"· "}.where{font-size:12px}.id{color:#5a6270}
.hint{color:#5a6270;font-size:12px}.kind{background:#fde8e8;color:#9b1c1c;border-radius:4px;padding:0 4px;font-size:12px;white-space:nowrap}
form{display:inline}.filters{display:block;margin-bottom:8px}.filters label{margin-right:10px}button{cursor:pointer;border:1px solid #1f3a5f;background:#1f3a5f;color:#fff;border-radius:4px;padding:3px 10px;font-size:13px}
.actions form{margin-right:4px}.notice{color:#9b5c00}.empty{color:#5a6270}a{color:#0969da}
</style></head>
<body><header><h1>${esc(title)}</h1><div class="sub">generated ${esc(when(d.generatedAt))}</div></header>
<main>
${notices}
${crms.map(crmSection).join('\n')}
<section data-testid="errors"><h2>${labelled('error', `Errors (${errorCount})`)}</h2>
${d.errors.length ? `<table><thead><tr>${crmHead}<th>Record</th><th>Type</th><th>Problem</th><th>What happened / what to do</th><th>Attempts</th><th>Last try</th><th></th></tr></thead><tbody>${errorRows}</tbody></table>` : '<p class="empty">No errors.</p>'}
</section>
<section data-testid="conflicts"><h2>${labelled('conflict', `Conflicts (${conflictCount})`)}</h2>
${d.conflicts.length ? `<table><thead><tr>${crmHead}<th>Record</th><th>Type</th><th>Fields</th><th>Since</th><th>Keep</th></tr></thead><tbody>${conflictRows}</tbody></table>` : '<p class="empty">No conflicts.</p>'}
</section>
<section data-testid="logs"><h2><span>Sync log (<span data-testid="log-total">${esc(d.logTotal)}</span>)</span></h2>
${filterForm}
${d.logs.length ? `<table><thead><tr><th>Time</th>${crmHead}<th>Record</th><th>Type</th><th>Status</th><th>What happened</th></tr></thead><tbody>${logRows}</tbody></table>` : '<p class="empty">No log entries match.</p>'}
</section>
</main></body></html>
`;
}
