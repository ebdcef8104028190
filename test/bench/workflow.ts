/**
 * The benchmark's own workflows (not the templates in workflows/, which another generator owns).
 *
 * `syncWorkflow(crm)`: the full two-way sync of one CRM object, wired like the e2e acceptance test:
 *
 *   Execute Workflow Trigger → Start Run ─┬→ FieldFlow: changed since ─→ Mapping (→ CRM) ─→ Resolver input 0
 *                                         └→ CRM: changed since ──────→ Mapping (CRM →) ─→ Resolver input 1
 *   Resolver: To CRM → FieldFlow CRM Create or Update ─┐
 *             To FieldFlow → FieldFlow Create or Update ┼→ Record Results → Finish Run
 *             Conflict, Unchanged ─────────────────────┘
 *
 * `runnerWorkflow(subId)`: Manual Trigger → Execute Workflow (the sync workflow, waits for it). The
 * bench executes the runner through `n8n execute`: the sync runs as a sub-execution in the same n8n
 * process, so the peak RSS is the sync's, while the run data the CLI prints at the end (it always
 * JSON-dumps the whole run) is the runner's two small nodes instead of every item of every node.
 */
import { CREDENTIAL_IDS, CREDENTIAL_NAMES } from '../sandboxes';

export type BenchCrm = 'salesforce' | 'hubspot' | 'pipedrive';

export const CRM_OBJECT: Record<BenchCrm, string> = { salesforce: 'Lead', hubspot: 'contacts', pipedrive: 'persons' };

const CRED_TYPE: Record<BenchCrm, keyof typeof CREDENTIAL_IDS> = {
	salesforce: 'fieldFlowSalesforceApi',
	hubspot: 'fieldFlowHubSpotApi',
	pipedrive: 'fieldFlowPipedriveApi',
};

const cred = (type: keyof typeof CREDENTIAL_IDS) => ({ [type]: { id: CREDENTIAL_IDS[type], name: CREDENTIAL_NAMES[type] } });

export function syncWorkflowId(crm: BenchCrm): string {
	return { salesforce: 'benchSyncSfdc0001', hubspot: 'benchSyncHubs0001', pipedrive: 'benchSyncPipe0001' }[crm];
}

export function runnerWorkflowId(crm: BenchCrm): string {
	return { salesforce: 'benchRunSfdc00001', hubspot: 'benchRunHubs00001', pipedrive: 'benchRunPipe00001' }[crm];
}

export function syncWorkflow(crm: BenchCrm, sqlitePath: string): Record<string, unknown> {
	const object = CRM_OBJECT[crm];
	let n = 0;
	const node = (name: string, type: string, parameters: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
		id: `bench${++n}`,
		name,
		type,
		typeVersion: 1,
		position: [n * 220, (n % 3) * 160],
		parameters,
		...extra,
	});
	const store = { store: 'sqlite', sqlitePath };
	const c = cred(CRED_TYPE[crm]);
	const ff = cred('fieldFlowApi');
	const nodes = [
		node('Sync Trigger', 'n8n-nodes-base.executeWorkflowTrigger', { inputSource: 'passthrough' }, { typeVersion: 1.1 }),
		node('Start Run', 'n8n-nodes-fieldflow.fieldFlowSyncStatus', { crm, operation: 'startRun', object, ...store }),
		node('FieldFlow: changed', 'n8n-nodes-fieldflow.fieldFlow', { resource: 'prospect', operation: 'getChangedSince', since: '={{ $json.fieldflowSince }}', options: {} }, { credentials: ff, alwaysOutputData: true }),
		node('CRM: changed', 'n8n-nodes-fieldflow.fieldFlowCrm', { crm, operation: 'getChangedSince', object, since: '={{ $json.crmSince }}', returnAll: true, options: {} }, { credentials: c, alwaysOutputData: true }),
		node('Map to CRM', 'n8n-nodes-fieldflow.fieldFlowMapping', { crm, object, direction: 'toCrm' }, { credentials: c }),
		node('Map from CRM', 'n8n-nodes-fieldflow.fieldFlowMapping', { crm, object, direction: 'toFieldflow' }, { credentials: c }),
		node(
			'Resolver',
			'n8n-nodes-fieldflow.fieldFlowConflictResolver',
			{ crm, object, syncDirection: 'bidirectional', conflictStrategy: 'newestWins', onDeleted: 'unlink', matchBy: ['externalId', 'email', 'name'], ...store },
			{ credentials: { ...ff, ...c } },
		),
		node('CRM: write', 'n8n-nodes-fieldflow.fieldFlowCrm', { crm, operation: 'upsert', object, fieldsToSend: 'autoMapInputData', inputsToIgnore: '_sync', options: {} }, { credentials: c, onError: 'continueRegularOutput' }),
		node('FieldFlow: write', 'n8n-nodes-fieldflow.fieldFlow', { resource: 'prospect', operation: 'upsert' }, { credentials: ff, onError: 'continueRegularOutput' }),
		node('Record Results', 'n8n-nodes-fieldflow.fieldFlowSyncStatus', { crm, operation: 'recordResults', ...store }),
		node('Finish Run', 'n8n-nodes-fieldflow.fieldFlowSyncStatus', { crm, operation: 'finishRun', object, ...store }),
	];
	const to = (name: string, index = 0) => ({ node: name, type: 'main', index });
	return {
		id: syncWorkflowId(crm),
		name: `Bench: two-way sync ${crm}`,
		nodes,
		connections: {
			'Sync Trigger': { main: [[to('Start Run')]] },
			'Start Run': { main: [[to('FieldFlow: changed'), to('CRM: changed')]] },
			'FieldFlow: changed': { main: [[to('Map to CRM')]] },
			'CRM: changed': { main: [[to('Map from CRM')]] },
			'Map to CRM': { main: [[to('Resolver', 0)]] },
			'Map from CRM': { main: [[to('Resolver', 1)]] },
			Resolver: { main: [[to('CRM: write')], [to('FieldFlow: write')], [to('Record Results')], [to('Record Results')]] },
			'CRM: write': { main: [[to('Record Results')]] },
			'FieldFlow: write': { main: [[to('Record Results')]] },
			'Record Results': { main: [[to('Finish Run')]] },
		},
		settings: { executionOrder: 'v1', callerPolicy: 'any', saveDataSuccessExecution: 'none', saveManualExecutions: false },
		pinData: {},
		active: false,
	};
}

export function runnerWorkflow(crm: BenchCrm): Record<string, unknown> {
	return {
		id: runnerWorkflowId(crm),
		name: `Bench runner ${crm}`,
		nodes: [
			{ id: 'r1', name: 'Manual', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: 'r2',
				name: 'Run Sync',
				type: 'n8n-nodes-base.executeWorkflow',
				typeVersion: 1.2,
				position: [220, 0],
				parameters: { source: 'database', workflowId: { __rl: true, value: syncWorkflowId(crm), mode: 'id' }, mode: 'once', options: { waitForSubWorkflow: true } },
			},
		],
		connections: { Manual: { main: [[{ node: 'Run Sync', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1', saveDataSuccessExecution: 'none', saveManualExecutions: false },
		pinData: {},
		active: false,
	};
}
