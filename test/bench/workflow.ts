/**
 * The benchmark's workflows.
 *
 * `syncWorkflow(crm)`: the generated two-way sync template (scripts/templates/sync.ts,
 * `bidirectional-sync`, the one users import), unchanged except that it runs as a sub-workflow
 * (its Schedule and Manual triggers replaced by an Execute Workflow Trigger, see asSubWorkflow)
 * with its SQLite store in the bench's temp dir:
 *
 *   Start Run ─┬→ FieldFlow: changed prospects → Map FieldFlow → CRM ─→ Conflict Resolver (FieldFlow)
 *              └→ CRM: changed records ────────→ Map CRM → FieldFlow ─→ Conflict Resolver (CRM)
 *   Conflict Resolver: To CRM → CRM: write, To FieldFlow → FieldFlow: write, Conflict, Unchanged
 *   → Collect results (Merge) → Record Results → Finish Run
 *
 * `bulkWorkflow(crm)`: the generated Sync All Prospects template (the guide's bulk sync, paged: one
 * sub-execution of itself per 2,000 prospects), unchanged except for its store path. The bulk first
 * sync runs it; the incremental runs run the two-way template.
 *
 * `runnerWorkflow(crm, kind)`: Manual Trigger → Execute Workflow (the sync workflow, waits for it). The
 * bench executes the runner through `n8n execute`: the sync runs as a sub-execution in the same n8n
 * process, so the peak RSS is the sync's, while the run data the CLI prints at the end (it always
 * JSON-dumps the whole run) is the runner's two small nodes instead of every item of every node.
 */
import { CRM_INFO, asSubWorkflow, withSqlitePath } from '../../scripts/templates/lib';
import { SYNC_TEMPLATES, buildSyncTemplate } from '../../scripts/templates/sync';

export type BenchCrm = 'salesforce' | 'hubspot' | 'pipedrive';

export const CRM_OBJECT: Record<BenchCrm, string> = { salesforce: CRM_INFO.salesforce.object, hubspot: CRM_INFO.hubspot.object, pipedrive: CRM_INFO.pipedrive.object };

export function syncWorkflowId(crm: BenchCrm): string {
	return { salesforce: 'benchSyncSfdc0001', hubspot: 'benchSyncHubs0001', pipedrive: 'benchSyncPipe0001' }[crm];
}

export function bulkWorkflowId(crm: BenchCrm): string {
	return { salesforce: 'benchBulkSfdc0001', hubspot: 'benchBulkHubs0001', pipedrive: 'benchBulkPipe0001' }[crm];
}

export type RunKind = 'sync' | 'bulk';

export function runnerWorkflowId(crm: BenchCrm, kind: RunKind = 'sync'): string {
	const id = { salesforce: 'benchRunSfdc00001', hubspot: 'benchRunHubs00001', pipedrive: 'benchRunPipe00001' }[crm];
	return kind === 'sync' ? id : id.replace('Run', 'Blk');
}

export function bulkWorkflow(crm: BenchCrm, sqlitePath: string): Record<string, unknown> {
	const template = SYNC_TEMPLATES.find((t) => t.key === 'sync-all-prospects')!;
	const wf = withSqlitePath(buildSyncTemplate(template, crm), sqlitePath);
	return { ...wf, id: bulkWorkflowId(crm), name: `Bench: ${wf.name}`, settings: { ...wf.settings, callerPolicy: 'any', saveManualExecutions: false } };
}

export function syncWorkflow(crm: BenchCrm, sqlitePath: string): Record<string, unknown> {
	const template = SYNC_TEMPLATES.find((t) => t.key === 'bidirectional-sync')!;
	const wf = asSubWorkflow(buildSyncTemplate(template, crm), {
		sqlitePath,
		settings: { callerPolicy: 'any', saveDataSuccessExecution: 'none', saveManualExecutions: false },
	});
	return { ...wf, id: syncWorkflowId(crm), name: `Bench: ${wf.name}` };
}

export function runnerWorkflow(crm: BenchCrm, kind: RunKind = 'sync'): Record<string, unknown> {
	return {
		id: runnerWorkflowId(crm, kind),
		name: `Bench runner ${crm} ${kind}`,
		nodes: [
			{ id: 'r1', name: 'Manual', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: 'r2',
				name: 'Run Sync',
				type: 'n8n-nodes-base.executeWorkflow',
				typeVersion: 1.2,
				position: [220, 0],
				parameters: { source: 'database', workflowId: { __rl: true, value: kind === 'sync' ? syncWorkflowId(crm) : bulkWorkflowId(crm), mode: 'id' }, mode: 'once', options: { waitForSubWorkflow: true } },
			},
		],
		connections: { Manual: { main: [[{ node: 'Run Sync', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1', saveDataSuccessExecution: 'none', saveManualExecutions: false },
		pinData: {},
		active: false,
	};
}
