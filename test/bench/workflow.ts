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
import { CRM_INFO, asSubWorkflow, withSqlitePath, type Workflow } from '../../scripts/templates/lib';
import { SALESFORCE_CONTACTS, SYNC_TEMPLATES, buildSyncTemplate, type ObjectVariant } from '../../scripts/templates/sync';

export type BenchCrm = 'salesforce' | 'hubspot' | 'pipedrive';

/**
 * What one bench scenario syncs: a CRM with its default templates, or Salesforce in Contacts mode
 * (`salesforce-contacts`: the templates generated with SALESFORCE_CONTACTS, Contact + Account +
 * Opportunity, as `bidirectional-sync.salesforce-contacts.json`).
 */
export type BenchTarget = BenchCrm | 'salesforce-contacts';

export const crmOf = (t: BenchTarget): BenchCrm => (t === 'salesforce-contacts' ? 'salesforce' : t);
const variantOf = (t: BenchTarget): ObjectVariant | undefined => (t === 'salesforce-contacts' ? SALESFORCE_CONTACTS : undefined);

export const CRM_OBJECT: Record<BenchTarget, string> = {
	salesforce: CRM_INFO.salesforce.object,
	'salesforce-contacts': SALESFORCE_CONTACTS.object,
	hubspot: CRM_INFO.hubspot.object,
	pipedrive: CRM_INFO.pipedrive.object,
};

/** The Linked Records each target's templates select by default on Start Run (the guide's full set where the template syncs groups). */
export const TEMPLATE_LINKED: Record<BenchTarget, string[]> = {
	salesforce: CRM_INFO.salesforce.linked,
	'salesforce-contacts': SALESFORCE_CONTACTS.linked,
	hubspot: CRM_INFO.hubspot.linked,
	pipedrive: CRM_INFO.pipedrive.linked,
};

const ID_KEY: Record<BenchTarget, string> = { salesforce: 'Sfdc', 'salesforce-contacts': 'Sfct', hubspot: 'Hubs', pipedrive: 'Pipe' };

export function syncWorkflowId(t: BenchTarget): string {
	return `benchSync${ID_KEY[t]}0001`;
}

export function bulkWorkflowId(t: BenchTarget): string {
	return `benchBulk${ID_KEY[t]}0001`;
}

export type RunKind = 'sync' | 'bulk';

export function runnerWorkflowId(t: BenchTarget, kind: RunKind = 'sync'): string {
	return `bench${kind === 'sync' ? 'Run' : 'Blk'}${ID_KEY[t]}00001`;
}

/**
 * The template as generated, with Start Run's Linked Records set to `linked` when given (the one
 * place an admin selects the objects): `[]` = the person alone (the flat bench), the guide's set =
 * the groups bench whatever the template's default is today.
 */
function withLinked(wf: Workflow, linked: string[] | undefined): Workflow {
	if (!linked) return wf;
	return {
		...wf,
		nodes: wf.nodes.map((n) => {
			if (n.name !== 'Start Run') return n;
			const { linkedObjects: _old, ...rest } = n.parameters;
			return { ...n, parameters: linked.length ? { ...rest, linkedObjects: linked } : rest };
		}),
	};
}

export function bulkWorkflow(t: BenchTarget, sqlitePath: string, linked?: string[], pageSize?: number): Record<string, unknown> {
	const template = SYNC_TEMPLATES.find((x) => x.key === 'sync-all-prospects')!;
	const wf = withSqlitePath(withLinked(buildSyncTemplate(pageSize ? { ...template, pageSize } : template, crmOf(t), variantOf(t)), linked), sqlitePath);
	return { ...wf, id: bulkWorkflowId(t), name: `Bench: ${wf.name}`, settings: { ...wf.settings, callerPolicy: 'any', saveManualExecutions: false } };
}

export function syncWorkflow(t: BenchTarget, sqlitePath: string, linked?: string[]): Record<string, unknown> {
	const template = SYNC_TEMPLATES.find((x) => x.key === 'bidirectional-sync')!;
	const wf = asSubWorkflow(withLinked(buildSyncTemplate(template, crmOf(t), variantOf(t)), linked), {
		sqlitePath,
		settings: { callerPolicy: 'any', saveDataSuccessExecution: 'none', saveManualExecutions: false },
	});
	return { ...wf, id: syncWorkflowId(t), name: `Bench: ${wf.name}` };
}

export function runnerWorkflow(t: BenchTarget, kind: RunKind = 'sync'): Record<string, unknown> {
	return {
		id: runnerWorkflowId(t, kind),
		name: `Bench runner ${t} ${kind}`,
		nodes: [
			{ id: 'r1', name: 'Manual', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: 'r2',
				name: 'Run Sync',
				type: 'n8n-nodes-base.executeWorkflow',
				typeVersion: 1.2,
				position: [220, 0],
				parameters: { source: 'database', workflowId: { __rl: true, value: kind === 'sync' ? syncWorkflowId(t) : bulkWorkflowId(t), mode: 'id' }, mode: 'once', options: { waitForSubWorkflow: true } },
			},
		],
		connections: { Manual: { main: [[{ node: 'Run Sync', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1', saveDataSuccessExecution: 'none', saveManualExecutions: false },
		pinData: {},
		active: false,
	};
}
