/**
 * The other templates of the issue, generated per CRM from this one source:
 *
 *  - selective-sync: the guide's "Sync to CRM" button. Webhook (POST, header auth) { prospectId }
 *      → FieldFlow: get prospect → Map → Conflict Resolver (FieldFlow → CRM; the linked CRM record
 *      is read by id, duplicates found by email) → CRM write → Collect → Record Results → Respond
 *      (created / updated / unchanged, CRM id, or the error and what to do).
 *  - meeting-summary-sync: completed meetings changed since the last run → Look Up Links (the
 *      CRM record of the meeting's prospect) → Log Meeting Activity; AI summaries changed since →
 *      Look Up Links → Add Note. Own cursors (objects "meetings" and "meetingSummaries").
 *  - error-retry: hourly + manual → Retry Errors → Switch on _sync.target → CRM / FieldFlow write
 *      (continue on fail) → Collect → Record Results.
 *  - sync-dashboard: GET page (Render Dashboard → Respond HTML) and a POST action path (Retry Errors
 *      or Resolve Conflict → write → Record Results → redirect back), basic auth on both.
 */
import { Builder, CRM_INFO, EXECUTE, FIELDFLOW_CREDENTIAL, P, PUBLISH, CONFLICT_RESOLVER_VERSION, STORE, SYNC_STATUS_VERSION, crmCredential, crmInfo, ifTrue, stableId, templateKey, type Crm, type ObjectVariant, type Workflow } from './lib';

/** Webhook credentials the templates reference (the tests import credentials with these ids). */
export const WEBHOOK_HEADER_AUTH = { httpHeaderAuth: { id: 'ffWebhookHeader1', name: 'FieldFlow webhook header' } };
export const DASHBOARD_BASIC_AUTH = { httpBasicAuth: { id: 'ffDashboardAuth1', name: 'FieldFlow dashboard login' } };

/** Webhook paths by template key (salesforce, salesforce-contacts: see templateKey). */
export const selectiveSyncPath = (key: string) => `fieldflow/sync-prospect/${key}`;
export const dashboardPath = (key: string) => `fieldflow/dashboard/${key}`;
export const dashboardActionPath = (key: string) => `fieldflow/dashboard/${key}/action`;

const store = { ...STORE };

/** Switch (typeVersion 3) rules: one output per value of `leftValue`, named. */
function switchRules(key: string, leftValue: string, outputs: Array<{ value: string; name: string }>): Record<string, unknown> {
	return {
		mode: 'rules',
		rules: {
			values: outputs.map((o) => ({
				conditions: {
					options: { caseSensitive: true, leftValue: '', typeValidation: 'strict' },
					conditions: [{ id: stableId(`${key}/${o.value}`), leftValue, rightValue: o.value, operator: { type: 'string', operation: 'equals' } }],
					combinator: 'and',
				},
				renameOutput: true,
				outputKey: o.name,
			})),
		},
		options: {},
	};
}

function webhook(b: Builder, key: string, name: string, position: [number, number], parameters: Record<string, unknown>, credentials: Record<string, { id: string; name: string }>): string {
	return b.add(name, 'n8n-nodes-base.webhook', 2, position, { ...parameters, options: {} }, { webhookId: stableId(`${key}/${name}/webhook`), credentials });
}

// ---------------------------------------------------------------------------- 6. selective sync

export function buildSelectiveSync(crm: Crm, variant?: ObjectVariant): Workflow {
	const info = crmInfo(crm, variant);
	const route = templateKey(crm, variant);
	const key = `selective-sync/${route}`;
	const b = new Builder(key);
	const crmCred = crmCredential(crm);
	b.note(
		'About this template',
		[-420, -440],
		`## Sync to ${info.label} (one prospect)\nThe guide's **Sync to CRM** button: FieldFlow (or anything else) POSTs \`{ "prospectId": "pr_…" }\` to this workflow's webhook and gets the outcome back.\n\n1. Pick the **Header Auth** credential on the webhook (header name and secret the caller sends), and your FieldFlow and ${info.label} credentials.\n2. ${PUBLISH}; the production URL is \`/webhook/${selectiveSyncPath(route)}\`.\n3. Answer: \`{ outcome: created | updated | unchanged | error, crmId, error, hint }\`. Send \`"preview": true\` to get what would happen instead, with nothing written.\n\nA prospect already in ${info.label} with the same email is linked, not duplicated; syncing again when nothing changed writes nothing.`,
		560,
		380,
	);
	const hook = webhook(b, key, 'Sync to CRM request', [-300, 100], { httpMethod: 'POST', path: selectiveSyncPath(route), authentication: 'headerAuth', responseMode: 'responseNode' }, WEBHOOK_HEADER_AUTH);
	const get = b.add(
		'FieldFlow: get prospect',
		`${P}fieldFlow`,
		1,
		[-40, 100],
		{ resource: 'prospect', operation: 'get', id: '={{ $json.body.prospectId }}' },
		{ credentials: FIELDFLOW_CREDENTIAL, onError: 'continueErrorOutput' },
	);
	const map = b.add(`Map FieldFlow → ${info.label}`, `${P}fieldFlowMapping`, 1.2, [220, 40], { crm, object: info.object, direction: 'toCrm', ...(info.linked.length ? { linkedObjects: info.linked } : {}), onTypeMismatch: 'markInvalid' }, { credentials: crmCred });
	const resolver = b.add(
		'Conflict Resolver',
		`${P}fieldFlowConflictResolver`,
		CONFLICT_RESOLVER_VERSION,
		[480, 40],
		{
			crm,
			object: info.object,
			syncDirection: 'fieldflowToCrm',
			conflictStrategy: 'fieldflowWins',
			onDeleted: 'recreate',
			onMemberDeleted: 'unlink',
			matchBy: ['externalId', 'email', 'name'],
			// `{ "prospectId": …, "preview": true }`: answer what would happen, write nothing.
			preview: "={{ $('Sync to CRM request').first().json.body.preview === true }}",
			...store,
		},
		{ credentials: { ...FIELDFLOW_CREDENTIAL, ...crmCred } },
	);
	const write = b.add(
		`${info.label}: write`,
		`${P}fieldFlowCrm`,
		1,
		[740, -40],
		{ crm, operation: 'upsert', object: info.object, fieldsToSend: 'autoMapInputData', options: {} },
		{ credentials: crmCred, onError: 'continueRegularOutput' },
	);
	const merge = b.add('Collect results', 'n8n-nodes-base.merge', 3, [1000, 60], { numberInputs: 3 });
	const record = b.add('Record Results', `${P}fieldFlowSyncStatus`, SYNC_STATUS_VERSION, [1240, 60], { crm, operation: 'recordResults', recordOptions: { includeResults: true }, ...store });
	const respond = b.add('Respond with the outcome', 'n8n-nodes-base.respondToWebhook', 1.1, [1480, 60], {
		respondWith: 'json',
		responseBody:
			"={{ (() => { if ($json.preview === true) return { prospectId: $('Sync to CRM request').first().json.body.prospectId, crm: '" +
			crm +
			"', preview: true, counts: $json.counts, forecast: $json.forecast, message: $json.message, planned: $('Conflict Resolver').all().map((i) => ({ action: i.json.preview, changes: i.json.changes, reason: i.json.reason })) }; const r = ($json.results || []).find((x) => x.status !== 'ignored') || {}; const outcome = r.status === 'synced' ? (r.action === 'createInCrm' ? 'created' : 'updated') : r.status === 'unchanged' ? 'unchanged' : r.status === 'conflict' ? 'conflict' : r.status === 'unlinked' ? 'unlinked' : 'error'; return { prospectId: $('Sync to CRM request').first().json.body.prospectId, crm: '" +
			crm +
			"', outcome, crmId: r.crmId || null, error: r.status === 'error' ? r.message : undefined, errorKind: r.errorKind, hint: r.hint }; })() }}",
		options: {},
	});
	const notFound = b.add('Respond: prospect not found', 'n8n-nodes-base.respondToWebhook', 1.1, [220, 260], {
		respondWith: 'json',
		responseBody: "={{ { prospectId: $('Sync to CRM request').first().json.body.prospectId, outcome: 'error', error: $json.error, hint: 'Send { \"prospectId\": \"pr_…\" } with the ID of an existing FieldFlow prospect.' } }}",
		options: { responseCode: 404 },
	});
	b.connect(hook, get);
	b.connect(get, map, 0);
	b.connect(get, notFound, 1);
	b.connect(map, resolver, 0, 0);
	b.connect(resolver, write, 0);
	b.connect(write, merge, 0, 0);
	b.connect(resolver, merge, 2, 1);
	b.connect(resolver, merge, 3, 2);
	b.connect(merge, record);
	b.connect(record, respond);
	return b.build(`FieldFlow → ${variant?.titleLabel ?? info.label}: Sync to CRM (one prospect, webhook)`, { meta: { templateCredsSetupCompleted: false } });
}

// ---------------------------------------------------------------------------- 7. meetings and summaries

/**
 * Notes and outcome of the activity. HubSpot's meeting outcome is a fixed list (Scheduled,
 * Completed, Rescheduled, No show, Canceled): a free-text FieldFlow outcome goes into the notes
 * and the outcome field says Completed.
 */
function meetingExtras(crm: Crm): Record<string, string> {
	if (crm !== 'hubspot') return { notes: '={{ $json.notes || "" }}', outcome: '={{ $json.outcome || "" }}' };
	const known = "['scheduled', 'completed', 'rescheduled', 'no_show', 'no show', 'canceled', 'cancelled'].includes(String($json.outcome || '').trim().toLowerCase())";
	return {
		notes: `={{ [$json.notes, $json.outcome && !${known} ? 'Outcome: ' + $json.outcome : ''].filter(Boolean).join('\\n\\n') }}`,
		outcome: `={{ ${known} ? $json.outcome : 'completed' }}`,
	};
}

export const MEETING_OBJECTS = { meetings: 'meetings', summaries: 'meetingSummaries' };

export function buildMeetingSummarySync(crm: Crm, variant?: ObjectVariant): Workflow {
	const info = crmInfo(crm, variant);
	const key = `meeting-summary-sync/${templateKey(crm, variant)}`;
	const b = new Builder(key);
	const crmCred = crmCredential(crm);
	b.note(
		'About this template',
		[-420, -460],
		`## Meetings and AI summaries → ${info.label}\nEvery 15 minutes — or on ${EXECUTE} — FieldFlow meetings **completed** since the last run are logged as ${info.label} activities on the ${info.objectLabel.toLowerCase()} record their prospect is synced with (date, duration, notes, outcome), linked to the prospect's company and deal records too when it syncs with them; AI meeting summaries become notes on those records.\n\nLogging the same meeting or summary again updates its activity / note: never a duplicate.\n\nProspects must be synced first (two-way or Sync to CRM templates): meetings of prospects not linked yet wait — the meetings cursor stays at the oldest of them, so they are logged once their prospect is synced.`,
		560,
		380,
	);
	const manual = b.add('Run now', 'n8n-nodes-base.manualTrigger', 1, [-300, 160], {});
	const schedule = b.add('Every 15 minutes', 'n8n-nodes-base.scheduleTrigger', 1.2, [-300, -20], { rule: { interval: [{ field: 'minutes', minutesInterval: 15 }] } });

	const chain = (
		label: string,
		object: string,
		y: number,
		read: Record<string, unknown>,
		write: { name: string; parameters: Record<string, unknown> },
	) => {
		const start = b.add(`Start Run: ${label}`, `${P}fieldFlowSyncStatus`, SYNC_STATUS_VERSION, [-40, y], { crm, operation: 'startRun', object, ...store });
		b.connect(manual, start);
		b.connect(schedule, start);
		const readNode = b.add(`FieldFlow: changed ${label}`, `${P}fieldFlow`, 1, [200, y], read, { credentials: FIELDFLOW_CREDENTIAL, alwaysOutputData: true });
		const look = b.add(`Look Up Links: ${label}`, `${P}fieldFlowSyncStatus`, SYNC_STATUS_VERSION, [440, y], {
			crm,
			operation: 'lookUpLinks',
			object: info.object,
			prospectId: '={{ $json.prospect_id }}',
			ifNotLinked: 'passThrough',
			...store,
		});
		const ifLinked = b.add(`Linked? (${label})`, 'n8n-nodes-base.if', 2, [680, y], ifTrue(stableId(`${key}/${label}/if`), '={{ $json.linked }}'));
		const crmWrite = b.add(write.name, `${P}fieldFlowCrm`, 1, [920, y - 80], { crm, object: '={{ $json.crmObject }}', ...write.parameters }, { credentials: crmCred });
		const merge = b.add(`Collect ${label}`, 'n8n-nodes-base.merge', 3, [1160, y], { numberInputs: 3 });
		// Not linked yet: keep the cursor at the oldest such record so it is read again next run.
		const finish = b.add(`Finish Run: ${label}`, `${P}fieldFlowSyncStatus`, SYNC_STATUS_VERSION, [1400, y], {
			crm,
			operation: 'finishRun',
			object,
			runStartedAt: `={{ (() => { const start = $('Start Run: ${label}').first().json.startedAt; const waiting = $('Look Up Links: ${label}').all().map((i) => i.json).filter((j) => j.linked === false && j.prospect_id && j.updated_at).map((j) => j.updated_at).sort(); return waiting.length && waiting[0] < start ? waiting[0] : start; })() }}`,
			runId: `={{ $('Start Run: ${label}').first().json.runId }}`,
			...store,
		});
		b.connect(start, readNode);
		b.connect(readNode, look);
		b.connect(look, ifLinked);
		b.connect(ifLinked, crmWrite, 0);
		b.connect(crmWrite, merge, 0, 0);
		b.connect(ifLinked, merge, 1, 1);
		b.connect(start, merge, 0, 2);
		b.connect(merge, finish);
	};

	chain(
		'meetings',
		MEETING_OBJECTS.meetings,
		100,
		{ resource: 'meeting', operation: 'getChangedSince', since: '={{ $json.fieldflowSince }}', options: { status: 'completed' } },
		{
			name: `${info.label}: log meeting activity`,
			parameters: {
				operation: 'logMeeting',
				linkToId: '={{ $json.crmId }}',
				linkedRecordIds: '={{ $json.crmMembers }}',
				meetingId: '={{ $json.id }}',
				subject: '={{ $json.title }}',
				startTime: '={{ $json.start_time }}',
				durationMinutes: '={{ $json.duration_minutes || 30 }}',
				additionalFields: meetingExtras(crm),
			},
		},
	);
	chain(
		'summaries',
		MEETING_OBJECTS.summaries,
		420,
		{ resource: 'meetingSummary', operation: 'getChangedSince', since: '={{ $json.fieldflowSince }}', options: {} },
		{
			name: `${info.label}: add summary note`,
			parameters: {
				operation: 'addNote',
				linkToId: '={{ $json.crmId }}',
				linkedRecordIds: '={{ $json.crmMembers }}',
				summaryId: '={{ $json.id }}',
				body: "={{ $json.summary + (($json.action_items || []).length ? '\\n\\nAction items:\\n' + $json.action_items.map((a) => '- ' + a).join('\\n') : '') }}",
				additionalFields: {},
			},
		},
	);
	b.note(
		'How it works',
		[700, -460],
		`### How it works\n- **Start Run** gives the time to read from, per stream (cursors \`fieldflow:meetings\` and \`fieldflow:meetingSummaries\`).\n- **Look Up Links** adds the ${info.label} record (crmId) each item's prospect is synced with and its linked company and deal records (crmMembers), from the sync store — one call for all items; the ${info.label} write links the activity or note to all of them.\n- **Linked?** sends records of prospects not synced yet past the write; **Finish Run** keeps the cursor at the oldest of them.\n- A failed ${info.label} call stops the run before **Finish Run**, so the cursor does not move and the next run tries again (the writes are idempotent).`,
		520,
		300,
	);
	return b.build(`FieldFlow → ${variant?.titleLabel ?? info.label}: meetings and AI summaries (every 15 minutes)`, { meta: { templateCredsSetupCompleted: false } });
}

// ---------------------------------------------------------------------------- 8. error retry

/**
 * Retry Errors → Switch on _sync.target → writes → Merge → Record Results (also used by the
 * dashboard). The Merge has 3 inputs (CRM write, FieldFlow write, one free) plus `extraInputs`.
 */
function retryWritePath(b: Builder, key: string, crm: Crm, from: string[], x: number, y: number, extraInputs = 0): { record: string; merge: string; crmWrite: string } {
	const info = CRM_INFO[crm];
	const crmCred = crmCredential(crm);
	const byTarget = b.add('Route by target', 'n8n-nodes-base.switch', 3, [x, y], switchRules(`${key}/route`, '={{ $json._sync.target }}', [
		{ value: 'crm', name: 'To CRM' },
		{ value: 'fieldflow', name: 'To FieldFlow' },
	]));
	for (const f of from) b.connect(f, byTarget);
	const crmWrite = b.add(
		`${info.label}: write`,
		`${P}fieldFlowCrm`,
		1,
		[x + 260, y - 80],
		// Each queued write goes to the object it was queued for (Salesforce Leads or Contacts mode alike).
		{ crm, operation: 'upsert', object: `={{ ($json._sync && $json._sync.object) || '${info.object}' }}`, fieldsToSend: 'autoMapInputData', options: {} },
		{ credentials: crmCred, onError: 'continueRegularOutput' },
	);
	const ffWrite = b.add('FieldFlow: write', `${P}fieldFlow`, 1, [x + 260, y + 80], { resource: 'prospect', operation: 'upsert' }, { credentials: FIELDFLOW_CREDENTIAL, onError: 'continueRegularOutput' });
	const merge = b.add('Collect results', 'n8n-nodes-base.merge', 3, [x + 520, y], { numberInputs: 3 + extraInputs });
	const record = b.add('Record Results', `${P}fieldFlowSyncStatus`, SYNC_STATUS_VERSION, [x + 760, y], { crm, operation: 'recordResults', ...store });
	b.connect(byTarget, crmWrite, 0);
	b.connect(byTarget, ffWrite, 1);
	b.connect(crmWrite, merge, 0, 0);
	b.connect(ffWrite, merge, 0, 1);
	b.connect(merge, record);
	return { record, merge, crmWrite };
}

export const ERROR_HANDLING_NOTE = `### What to do per error kind (the guide's Error Resolution)
- **Auth expired**: reconnect the credential (sign in again / paste a fresh token), then run **Retry Errors** with *Include Auth Errors* on.
- **Field validation**: fix the record in FieldFlow or the CRM (or the field mapping), then retry.
- **Rate limit**: nothing to do — this workflow retries them every hour; if they keep coming, sync less often or in smaller batches.
- **Record not found**: the record was deleted on the other side; *Record Not Found* on **Retry Errors** chooses **Unlink** (default) or **Recreate**.
- **Temporary failure**: retried automatically.

A retry that fails again stays in the queue with one more attempt; a success resolves it. See the queue on the dashboard or with **Get Errors**.`;

export function buildErrorRetry(crm: Crm): Workflow {
	const info = CRM_INFO[crm];
	const key = `error-retry/${crm}`;
	const b = new Builder(key);
	b.note(
		'About this template',
		[-420, -440],
		`## Retry failed ${info.label} syncs\nEvery hour — or on ${EXECUTE} — the queued failed writes of the ${info.label} sync are sent again to the side they were meant for; **Record Results** resolves the ones that succeed.\n\nAuth-expired errors are left alone until you reconnect (turn on *Include Auth Errors* on **Retry Errors** once).`,
		520,
		260,
	);
	b.note('Error kinds', [260, -440], ERROR_HANDLING_NOTE, 560, 320);
	const manual = b.add('Run now', 'n8n-nodes-base.manualTrigger', 1, [-300, 160], {});
	const schedule = b.add('Every hour', 'n8n-nodes-base.scheduleTrigger', 1.2, [-300, -20], { rule: { interval: [{ field: 'hours', hoursInterval: 1 }] } });
	const retry = b.add('Retry Errors', `${P}fieldFlowSyncStatus`, SYNC_STATUS_VERSION, [-40, 80], { crm, operation: 'retryErrors', errorIds: '', notFound: 'unlink', retryOptions: {}, ...store });
	b.connect(manual, retry);
	b.connect(schedule, retry);
	retryWritePath(b, key, crm, [retry], 220, 80);
	return b.build(`FieldFlow ⇄ ${info.label}: retry failed syncs (hourly)`, { meta: { templateCredsSetupCompleted: false } });
}

// ---------------------------------------------------------------------------- 9. dashboard

/** The demo and the README: what Render Dashboard's Record Links need per CRM (set them to your accounts). */
export const DASHBOARD_RECORD_LINKS_NOTE = 'Set **Record Links** on **Render Dashboard** (your Salesforce instance URL, HubSpot portal ID, Pipedrive company domain) and every record on the page links to its CRM page.';

export function buildSyncDashboard(crm: Crm, variant?: ObjectVariant): Workflow {
	const info = crmInfo(crm, variant);
	const route = templateKey(crm, variant);
	const key = `sync-dashboard/${route}`;
	const b = new Builder(key);
	const crmCred = crmCredential(crm);
	b.note(
		'About this template',
		[-420, -460],
		`## Sync dashboard (a web page served by n8n)\n1. Pick the **Basic Auth** credential (user and password of the page) on both webhooks.\n2. ${PUBLISH} and open \`<your n8n>/webhook/${dashboardPath(route)}\` in a browser; it asks for that user and password.\n\n- One page for every CRM the sync store holds: last sync, records synced by type, pending changes, errors and conflicts\n- Each record by name and company; ${DASHBOARD_RECORD_LINKS_NOTE}\n- The sync log, filtered by date range, record type and status\n- **Retry** on errors: a FieldFlow → ${info.label} record is read again from FieldFlow (so a record you fixed goes with its new values); **Keep FieldFlow / Keep ${info.label}** on conflicts. They POST to \`/webhook/${dashboardActionPath(route)}\`, which writes, records the result and sends you back to the page. Records of another CRM are retried by that CRM's dashboard workflow: publish it too.`,
		600,
		420,
	);
	const page = webhook(b, key, 'Dashboard page', [-300, 60], { httpMethod: 'GET', path: dashboardPath(route), authentication: 'basicAuth', responseMode: 'responseNode' }, DASHBOARD_BASIC_AUTH);
	const render = b.add('Render Dashboard', `${P}fieldFlowSyncStatus`, SYNC_STATUS_VERSION, [-40, 60], {
		crm,
		operation: 'renderDashboard',
		dashboardQuery: '={{ $json.query }}',
		dashboardCrms: 'all',
		// Each CRM's records go to that CRM's dashboard workflow ({crm}); a variant's page retries its own CRM's records itself.
		actionUrl: variant ? `/webhook/${dashboardActionPath(route)}` : '/webhook/fieldflow/dashboard/{crm}/action',
		pageUrl: `/webhook/${dashboardPath(route)}`,
		recordLinks: {},
		logLimit: 100,
		...store,
	});
	const respondPage = b.add('Respond with the page', 'n8n-nodes-base.respondToWebhook', 1.1, [220, 60], {
		respondWith: 'text',
		responseBody: '={{ $json.html }}',
		options: { responseHeaders: { entries: [{ name: 'Content-Type', value: 'text/html; charset=utf-8' }, { name: 'Cache-Control', value: 'no-store' }] } },
	});
	b.connect(page, render);
	b.connect(render, respondPage);

	const action = webhook(b, key, 'Dashboard action', [-300, 400], { httpMethod: 'POST', path: dashboardActionPath(route), authentication: 'basicAuth', responseMode: 'responseNode' }, DASHBOARD_BASIC_AUTH);
	const which = b.add('Retry or resolve?', 'n8n-nodes-base.switch', 3, [-40, 400], switchRules(`${key}/action`, '={{ $json.body.action }}', [
		{ value: 'retry', name: 'Retry' },
		{ value: 'resolve', name: 'Resolve conflict' },
	]));
	// Retry: the asked-for queued errors (one, or all). A FieldFlow → CRM record is read again from
	// FieldFlow and synced like Sync to CRM does (fixed data goes out, the error resolves); the others
	// are sent again as queued.
	const queued = b.add('Queued errors', `${P}fieldFlowSyncStatus`, SYNC_STATUS_VERSION, [220, 240], { crm, operation: 'getErrors', errorOptions: {}, ...store });
	const asked = b.add(
		'Asked for?',
		'n8n-nodes-base.if',
		2,
		[460, 240],
		ifTrue(
			stableId(`${key}/asked`),
			"={{ (() => { const body = $('Dashboard action').first().json.body; return (!body.errorId || String(body.errorId) === String($json.id)) && ($json.kind !== 'auth_expired' || body.includeAuth === 'true'); })() }}",
		),
	);
	const fresh = b.add('From FieldFlow?', 'n8n-nodes-base.if', 2, [700, 240], ifTrue(stableId(`${key}/fresh`), `={{ $json.direction === 'toCrm' && !!$json.fieldflowId && $json.object === '${info.object}' }}`));
	const get = b.add('FieldFlow: get prospect', `${P}fieldFlow`, 1, [940, 40], { resource: 'prospect', operation: 'get', id: '={{ $json.fieldflowId }}' }, { credentials: FIELDFLOW_CREDENTIAL, onError: 'continueErrorOutput' });
	const map = b.add(`Map FieldFlow → ${info.label}`, `${P}fieldFlowMapping`, 1.1, [1180, 40], { crm, object: info.object, direction: 'toCrm', ...(info.linked.length ? { linkedObjects: info.linked } : {}), onTypeMismatch: 'markInvalid' }, { credentials: crmCred });
	const resolver = b.add(
		'Conflict Resolver',
		`${P}fieldFlowConflictResolver`,
		CONFLICT_RESOLVER_VERSION,
		[1420, 40],
		{ crm, object: info.object, syncDirection: 'fieldflowToCrm', conflictStrategy: 'fieldflowWins', onDeleted: 'recreate', onMemberDeleted: 'unlink', matchBy: ['externalId', 'email', 'name'], ...store },
		{ credentials: { ...FIELDFLOW_CREDENTIAL, ...crmCred } },
	);
	const retry = b.add('Retry Errors', `${P}fieldFlowSyncStatus`, SYNC_STATUS_VERSION, [940, 320], {
		crm,
		operation: 'retryErrors',
		errorIds: "={{ $input.all().map((i) => i.json.id).join(',') }}",
		notFound: 'unlink',
		retryOptions: { includeAuth: "={{ $('Dashboard action').first().json.body.includeAuth === 'true' }}" },
		...store,
	});
	const resolve = b.add('Resolve Conflict', `${P}fieldFlowSyncStatus`, SYNC_STATUS_VERSION, [940, 560], {
		crm,
		operation: 'resolveConflict',
		conflictId: '={{ Number($json.body.conflictId) }}',
		side: "={{ $json.body.side === 'crm' ? 'crm' : 'fieldflow' }}",
		...store,
	});
	b.connect(action, which);
	b.connect(which, queued, 0);
	b.connect(queued, asked);
	b.connect(asked, fresh, 0);
	b.connect(fresh, get, 0);
	b.connect(fresh, retry, 1);
	b.connect(get, map, 0);
	b.connect(map, resolver, 0, 0);
	b.connect(which, resolve, 1);
	const { record, merge, crmWrite } = retryWritePath(b, key, crm, [retry, resolve], 1680, 400, 2);
	b.connect(resolver, crmWrite, 0);
	// The request itself also reaches the Merge, so the answer is sent even when there was nothing to write.
	b.connect(action, merge, 0, 2);
	b.connect(resolver, merge, 2, 3);
	b.connect(resolver, merge, 3, 4);
	const back = b.add('Back to the dashboard', 'n8n-nodes-base.respondToWebhook', 1.1, [2700, 400], {
		respondWith: 'redirect',
		// n8n needs an absolute URL here: the page the button was on (returnTo, a path on this n8n), from the request's host (and proxy protocol).
		redirectURL: `={{ (() => { const req = $('Dashboard action').first().json; const back = String(req.body.returnTo || ''); const path = /^\\/webhook\\/[A-Za-z0-9/_-]+$/.test(back) ? back : '/webhook/${dashboardPath(route)}'; return (req.headers['x-forwarded-proto'] || 'http') + '://' + req.headers.host + path; })() }}`,
		options: { responseCode: 303 },
	});
	b.connect(record, back);
	return b.build(`FieldFlow ⇄ ${info.label}: sync dashboard (web page)`, { meta: { templateCredsSetupCompleted: false } });
}

export interface MoreTemplate {
	key: string;
	build: (crm: Crm, variant?: ObjectVariant) => Workflow;
	/** Generated for object variants too (Salesforce Contacts mode): the template maps, links or looks up the prospect's object. */
	perObject: boolean;
}

export const MORE_TEMPLATES: MoreTemplate[] = [
	{ key: 'selective-sync', build: buildSelectiveSync, perObject: true },
	{ key: 'meeting-summary-sync', build: buildMeetingSummarySync, perObject: true },
	// Retries go to the object each error was queued for: one error-retry workflow serves both Salesforce modes.
	{ key: 'error-retry', build: buildErrorRetry, perObject: false },
	{ key: 'sync-dashboard', build: buildSyncDashboard, perObject: true },
];
