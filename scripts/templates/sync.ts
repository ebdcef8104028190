/**
 * The prospect sync templates: one wiring, several modes.
 *
 *   trigger(s) → Start Run ─┬→ FieldFlow: changed prospects ─→ Map FieldFlow ⇄ CRM (input FieldFlow) ─→ Conflict Resolver (FieldFlow)
 *                           └→ CRM: changed records ─────────→ Map FieldFlow ⇄ CRM (input CRM) ──────→ Conflict Resolver (CRM)
 *   Conflict Resolver: To CRM → CRM: write ─────┐
 *                      To FieldFlow → FieldFlow: write ┤
 *                      Conflict, Unchanged ────────────┼→ Collect results (Merge) → Record Results → Finish Run
 *   Start Run ─────────────────────────────────────────┘   (so the run always finishes, even with nothing to do)
 *
 * The Merge is what makes Record Results and Finish Run run once per run, after every branch: the
 * cursors move only when all of the run's records are written, queued as errors or held as
 * conflicts.
 *
 * Paged (Sync All Prospects, `pageSize`): the same pipeline runs once per page of FieldFlow
 * records, each page in its own sub-execution of the same workflow, so n8n holds one page at a
 * time however many records there are:
 *
 *   Run now / Page (Execute Workflow Trigger) → Page or run? ─ no page yet → Start Run → Sync pages ⇄ More pages? → Finish Run
 *                                                           └ a page ──────→ the pipeline above → Record Results → Next Page
 *
 * "Sync pages" calls this workflow with the page (Continue After the last record of the previous
 * page); Next Page answers with the next one, or done. After the FieldFlow pages come the CRM
 * side's pages (phase 'crm', each after the feedPosition of the previous CRM page's last record),
 * so every prospect was matched to an existing CRM record by email before CRM-only records are
 * created in FieldFlow. Cursors still move only in Finish Run, after the last page.
 */
import { Builder, EXECUTE, FIELDFLOW_CREDENTIAL, P, PUBLISH, CONFLICT_RESOLVER_VERSION, STORE, SYNC_STATUS_VERSION, crmCredential, crmInfo, groupNote, ifTrue, stableId, templateKey, type Crm, type ObjectVariant, type Workflow } from './lib';

export { SALESFORCE_CONTACTS, type ObjectVariant } from './lib';

export type Direction = 'bidirectional' | 'fieldflowToCrm' | 'crmToFieldflow';
export type Strategy = 'newestWins' | 'fieldflowWins' | 'crmWins' | 'manual';

export interface SyncTemplate {
	key: string;
	title: (crm: string) => string;
	direction: Direction;
	strategy: Strategy;
	/** Schedule: minutes between runs, or 60 for hourly; absent = manual only. */
	everyMinutes?: number;
	fullSync?: boolean;
	/** FieldFlow records per page: run in pages, one sub-execution each (absent = one pass). */
	pageSize?: number;
	intro: (crm: string, objectLabel: string) => string;
}

export const SYNC_TEMPLATES: SyncTemplate[] = [
	{
		key: 'bidirectional-sync',
		title: (crm) => `FieldFlow ⇄ ${crm}: two-way sync (recommended, every 5 minutes)`,
		direction: 'bidirectional',
		strategy: 'newestWins',
		everyMinutes: 5,
		intro: (crm, obj) =>
			`## Two-way sync: FieldFlow ⇄ ${crm} ${obj}\nRecommended. Every 5 minutes ("real-time: changes sync within minutes") — or click ${EXECUTE} — changes on either side since the last run go to the other side.\n\n1. Pick your **FieldFlow API** and **${crm}** credentials on the nodes that ask for them.\n2. Adjust the field mapping on the **Map** node (custom fields, status values): it is the one place for it.\n3. Choose the conflict strategy on the **Conflict Resolver** (Newest Wins by default).\n4. ${PUBLISH}.\n\nFailed records go to the error queue (see the *Error retry* template); conflicts under *Manual* wait on the dashboard.`,
	},
	{
		key: 'fieldflow-to-crm-sync',
		title: (crm) => `FieldFlow → ${crm}: one-way sync (every 15 minutes)`,
		direction: 'fieldflowToCrm',
		strategy: 'fieldflowWins',
		everyMinutes: 15,
		intro: (crm, obj) =>
			`## One-way: FieldFlow → ${crm} ${obj}\nField activity syncs to ${crm}; ${crm} changes never touch FieldFlow. Use when ${crm} is the master for reporting but reps own the data.\n\nThe resolver still reads linked ${crm} records by id, so an edit made in ${crm} since the last sync is overwritten only where FieldFlow changed the same field.`,
	},
	{
		key: 'crm-to-fieldflow-sync',
		title: (crm) => `${crm} → FieldFlow: one-way sync (every 15 minutes)`,
		direction: 'crmToFieldflow',
		strategy: 'crmWins',
		everyMinutes: 15,
		intro: (crm, obj) =>
			`## One-way: ${crm} ${obj} → FieldFlow\nImports ${crm} data into FieldFlow; FieldFlow changes stay local and ${crm} is never written. Use for read-only ${crm} access.`,
	},
	{
		key: 'hourly-batch-sync',
		title: (crm) => `FieldFlow ⇄ ${crm}: hourly batch sync`,
		direction: 'bidirectional',
		strategy: 'newestWins',
		everyMinutes: 60,
		intro: (crm) =>
			`## Hourly batch sync with ${crm}\nOnce an hour, everything that changed on either side since the last run, in the largest batches each API allows (Salesforce 200, HubSpot 100 records per call). Progress is in each node's output and the execution log; the run summary is in the Sync Status log.`,
	},
	{
		key: 'sync-now',
		title: (crm) => `FieldFlow ⇄ ${crm}: Sync Now (manual)`,
		direction: 'bidirectional',
		strategy: 'newestWins',
		intro: (crm) =>
			`## Sync Now\nThe guide's **Sync Now** button: click ${EXECUTE} to sync every change since the last sync with ${crm} immediately. Watch progress on the nodes; review the results in **Record Results** and on the dashboard.`,
	},
	{
		key: 'sync-all-prospects',
		title: (crm) => `FieldFlow ⇄ ${crm}: Sync All Prospects (manual bulk sync)`,
		direction: 'bidirectional',
		strategy: 'newestWins',
		fullSync: true,
		pageSize: 2000,
		intro: (crm) =>
			`## Sync All Prospects\nThe guide's **Sync All Prospects**: reads every prospect and every ${crm} record (not just changes) and syncs them. Records already in sync are compared but not written again, so it is safe to repeat. Use it for the first sync of a large dataset.\n\nIt runs in **pages of 2,000 prospects**, then pages of 2,000 ${crm} records, each page in its own sub-execution of this workflow (**Sync pages** calls the **Page** trigger), so memory stays flat even for 100,000 prospects. Progress: one *pageFinished* entry per page in the Sync Status log. Successful pages are not saved as executions (Settings); failed ones are.`,
	},
];

export function buildSyncTemplate(t: SyncTemplate, crm: Crm, variant?: ObjectVariant): Workflow {
	const info = crmInfo(crm, variant);
	const idKey = templateKey(crm, variant);
	const b = new Builder(`${t.key}/${idKey}`);
	const crmCred = crmCredential(crm);
	const store = { ...STORE };
	const readsCrm = t.direction !== 'fieldflowToCrm';
	const readsFieldflow = t.direction !== 'crmToFieldflow';
	const writesCrm = t.direction !== 'crmToFieldflow';
	const writesFieldflow = t.direction !== 'fieldflowToCrm';
	const paged = !!t.pageSize;

	b.note('About this template', [-400, -500], t.intro(info.label, info.objectLabel), 520, 380);

	const manual = b.add('Run now', 'n8n-nodes-base.manualTrigger', 1, [-300, 100], {});
	const triggers = [manual];
	if (t.everyMinutes) {
		const rule = t.everyMinutes >= 60 ? { field: 'hours', hoursInterval: Math.round(t.everyMinutes / 60) } : { field: 'minutes', minutesInterval: t.everyMinutes };
		triggers.push(b.add(t.everyMinutes >= 60 ? 'Every hour' : `Every ${t.everyMinutes} minutes`, 'n8n-nodes-base.scheduleTrigger', 1.2, [-300, -80], { rule: { interval: [rule] } }));
	}

	const start = b.add('Start Run', `${P}fieldFlowSyncStatus`, SYNC_STATUS_VERSION, [-40, 100], {
		crm,
		operation: 'startRun',
		object: info.object,
		...(info.linked.length ? { linkedObjects: info.linked } : {}),
		...(t.fullSync ? { fullSync: true } : {}),
		...(paged ? { pageSize: t.pageSize } : {}),
		...store,
	});
	for (const tr of triggers) b.connect(tr, start);

	// Where the pipeline starts: Start Run, or (paged) the page this sub-execution was given.
	let entry = { node: start, output: 0 };
	const dy = paged ? 560 : 0;
	if (paged) {
		const page = b.add('Page', 'n8n-nodes-base.executeWorkflowTrigger', 1.1, [-560, 100 + dy], { inputSource: 'passthrough' });
		const which = b.add('Page or run?', 'n8n-nodes-base.if', 2, [-300, 100 + dy], ifTrue(stableId(`${t.key}/${idKey}/page-or-run`), '={{ !!$json.runId }}'));
		b.connect(page, which);
		b.connect(which, start, 1);
		entry = { node: which, output: 0 };
	}

	const resolver = b.add(
		'Conflict Resolver',
		`${P}fieldFlowConflictResolver`,
		CONFLICT_RESOLVER_VERSION,
		[740, 100 + dy],
		{
			crm,
			object: info.object,
			syncDirection: t.direction,
			conflictStrategy: t.strategy,
			onDeleted: 'unlink',
			onMemberDeleted: 'unlink',
			matchBy: ['externalId', 'email', 'name'],
			// Start Run's Preview option (carried on the page item of a paged run).
			preview: `={{ $('${paged ? 'Page or run?' : 'Start Run'}').first().json.preview === true }}`,
			previewLimit: `={{ $('${paged ? 'Page or run?' : 'Start Run'}').first().json.previewLimit || 0 }}`,
			...(info.groups ? { addMissingMembers: `={{ $('${paged ? 'Page or run?' : 'Start Run'}').first().json.linkedAdded === true }}` } : {}),
			...store,
		},
		{ credentials: { ...FIELDFLOW_CREDENTIAL, ...crmCred } },
	);

	// Paged: FieldFlow pages (each after the previous page's last record), then one page for the
	// CRM side (phase 'crm'). The side a page does not read gets an empty window (Since = Until):
	// no call. Both stop at the run start; what changed after it is the next run's.
	const ffPage = paged ? { pageSize: '={{ $json.pageSize }}', continueAfter: '={{ $json.fieldflowAfter }}', until: '={{ $json.startedAt }}' } : {};
	// CRM pages: the same keyset, on the CRM's modification time and id (its records' feedPosition).
	const crmPage = paged ? { pageSize: '={{ $json.pageSize }}', continueAfter: "={{ $json.crmAfter ?? '' }}", until: '={{ $json.startedAt }}' } : {};
	const ffSince = paged ? "={{ $json.phase === 'fieldflow' ? $json.fieldflowSince : $json.startedAt }}" : '={{ $json.fieldflowSince }}';
	const crmSince = paged ? "={{ $json.phase === 'crm' ? $json.crmSince : $json.startedAt }}" : '={{ $json.crmSince }}';
	const ffReadName = 'FieldFlow: changed prospects';
	// Start Run's Linked Records (one place to select the objects), for every node that reads, maps or writes the CRM.
	const linked = info.groups ? { linkedObjects: `={{ $('${paged ? 'Page or run?' : 'Start Run'}').first().json.linkedObjects ?? [] }}` } : {};
	// One Mapping node holds the sync's field mapping: both sides (FieldFlow ⇄ CRM) in a two-way
	// template, the one side read in a one-way template. The Conflict Resolver takes its rules from it.
	const mapDirection = readsFieldflow && readsCrm ? 'both' : readsFieldflow ? 'toCrm' : 'toFieldflow';
	const mapName = { both: `Map FieldFlow ⇄ ${info.label}`, toCrm: `Map FieldFlow → ${info.label}`, toFieldflow: `Map ${info.label} → FieldFlow` }[mapDirection];
	const map = b.add(
		mapName,
		`${P}fieldFlowMapping`,
		1.2,
		[480, (mapDirection === 'both' ? 100 : mapDirection === 'toCrm' ? -20 : 220) + dy],
		{ crm, object: info.object, direction: mapDirection, ...linked, onTypeMismatch: 'markInvalid' },
		{ credentials: crmCred },
	);
	if (mapDirection === 'both') {
		b.connect(map, resolver, 0, 0);
		b.connect(map, resolver, 1, 1);
	} else b.connect(map, resolver, 0, mapDirection === 'toCrm' ? 0 : 1);
	if (readsFieldflow) {
		const ffRead = b.add(
			ffReadName,
			`${P}fieldFlow`,
			1,
			[220, -20 + dy],
			{ resource: 'prospect', operation: 'getChangedSince', since: ffSince, options: { ...ffPage } },
			{ credentials: FIELDFLOW_CREDENTIAL, alwaysOutputData: true },
		);
		b.connect(entry.node, ffRead, entry.output);
		b.connect(ffRead, map, 0, 0);
	}
	const crmReadName = `${info.label}: changed ${info.objectLabel}`;
	if (readsCrm) {
		const crmRead = b.add(
			crmReadName,
			`${P}fieldFlowCrm`,
			1,
			[220, 220 + dy],
			// With Linked Records, deleted companies and deals are traced to their prospects through the store's links (HubSpot drops an archived record's associations).
			{ crm, operation: 'getChangedSince', object: info.object, since: crmSince, returnAll: true, ...(info.groups ? { ownersFromStore: true, ...store } : {}), options: { ...crmPage, ...linked } },
			{ credentials: crmCred, alwaysOutputData: true, ...groupNote(info) },
		);
		b.connect(entry.node, crmRead, entry.output);
		b.connect(crmRead, map, 0, mapDirection === 'both' ? 1 : 0);
	}

	// Every branch ends in one Merge so Record Results (and Finish Run / Next Page) run once, after everything.
	const merge = b.add('Collect results', 'n8n-nodes-base.merge', 3, [1300, 140 + dy], { numberInputs: 5 });
	if (writesCrm) {
		const crmWrite = b.add(
			`${info.label}: write`,
			`${P}fieldFlowCrm`,
			1,
			[1020, -60 + dy],
			{ crm, operation: 'upsert', object: info.object, fieldsToSend: 'autoMapInputData', options: { ...linked } },
			{ credentials: crmCred, onError: 'continueRegularOutput', ...groupNote(info) },
		);
		b.connect(resolver, crmWrite, 0);
		b.connect(crmWrite, merge, 0, 0);
	}
	if (writesFieldflow) {
		const ffWrite = b.add(
			'FieldFlow: write',
			`${P}fieldFlow`,
			1,
			[1020, 80 + dy],
			{ resource: 'prospect', operation: 'upsert' },
			{ credentials: FIELDFLOW_CREDENTIAL, onError: 'continueRegularOutput' },
		);
		b.connect(resolver, ffWrite, 1);
		b.connect(ffWrite, merge, 0, 1);
	}
	b.connect(resolver, merge, 2, 2);
	b.connect(resolver, merge, 3, 3);
	b.connect(entry.node, merge, entry.output, 4);

	const record = b.add('Record Results', `${P}fieldFlowSyncStatus`, SYNC_STATUS_VERSION, [1540, 140 + dy], { crm, operation: 'recordResults', ...store });
	const finish = b.add('Finish Run', `${P}fieldFlowSyncStatus`, SYNC_STATUS_VERSION, [paged ? 700 : 1780, 140], {
		crm,
		operation: 'finishRun',
		object: info.object,
		runStartedAt: "={{ $('Start Run').first().json.startedAt }}",
		runId: "={{ $('Start Run').first().json.runId }}",
		// A run with failed records ends in error: n8n's Executions list shows it failed and an error workflow fires.
		failOnRecordErrors: true,
		...store,
	});
	b.connect(merge, record);
	if (paged) {
		const next = b.add('Next Page', `${P}fieldFlowSyncStatus`, SYNC_STATUS_VERSION, [1780, 140 + dy], {
			crm,
			operation: 'nextPage',
			page: "={{ $('Page').first().json }}",
			lastRecord: `={{ $('${ffReadName}').last().json }}`,
			recordsRead: `={{ $('${ffReadName}').all().length }}`,
			...(readsCrm ? { lastCrmRecord: `={{ $('${crmReadName}').last().json }}`, crmRecordsRead: `={{ $('${crmReadName}').all().filter((item) => item.json.id).length }}` } : {}),
			readsCrm,
			...store,
		});
		b.connect(record, next);
		const loop = b.add('Sync pages', 'n8n-nodes-base.executeWorkflow', 1.2, [220, 100], {
			source: 'database',
			workflowId: { __rl: true, mode: 'id', value: '={{ $workflow.id }}' },
			mode: 'once',
			options: { waitForSubWorkflow: true },
		});
		const more = b.add('More pages?', 'n8n-nodes-base.if', 2, [460, 100], ifTrue(stableId(`${t.key}/${idKey}/more-pages`), '={{ !$json.done }}'));
		b.connect(start, loop);
		b.connect(loop, more);
		b.connect(more, loop, 0);
		b.connect(more, finish, 1);
	} else {
		b.connect(record, finish);
	}

	// Above the write nodes (they start at y = -60): the note is 420 high.
	b.note(
		'How a run works',
		[700, -500],
		`### How a run works\n1. **Start Run** gives the times to read from (last run − 2 min overlap). When ${info.label} is disconnected it outputs nothing and the run stops.\n2. Both sides' changes are **mapped** to FieldFlow's fields and compared with what the last sync wrote (three-way), so echoes of our own writes are ignored.\n3. **Conflict Resolver** routes each record: *To CRM*, *To FieldFlow*, *Conflict*, *Unchanged*.\n4. The write nodes continue on failure, so every failed record reaches **Record Results**, which stores links, statuses, the log and the error queue.\n5. **Finish Run** moves the cursors only after all of that. When records failed, the write nodes and **Record Results** show a warning naming them and what to do, and **Finish Run** ends the execution in error (*Fail Execution When Records Fail*): the Executions list shows it failed and the workflow's error workflow (Settings) can alert you.\n\n**Preview first**: switch on *Preview (Write Nothing)* on **Start Run** and run: each output shows what would be created, updated or held as a conflict, field by field, and **Record Results** the API calls the writes would cost. Nothing is written and no cursor moves.${paged ? `\n\nPaged: steps 2–4 (the lower row) run once per page of prospects, each page in its own sub-execution, then once per page of ${info.label} records; **Next Page** hands the next page back to **Sync pages**.` : ''}`,
		560,
		420,
	);
	const settings = paged ? { saveDataSuccessExecution: 'none' } : {};
	return b.build(t.title(variant?.titleLabel ?? info.label), { meta: { templateCredsSetupCompleted: false }, ...(paged ? { settings: { executionOrder: 'v1', ...settings } } : {}) });
}
