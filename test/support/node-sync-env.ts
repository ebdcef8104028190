/**
 * The setup the in-process node tests share (test/unit/nodes/*.node.test.ts): the sandboxes
 * started once per file with their credentials, a fresh temp SQLite store per test, the five
 * nodes of the two-way template, and `run` (runNode from node-context.ts with those credentials).
 * `syncOnce` runs the two-way template's nodes once, as n8n would run them: read both sides →
 * FieldFlow Mapping → Conflict Resolver → writes → Record Results.
 */
import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';
import { FieldFlow } from '../../nodes/FieldFlow/FieldFlow.node';
import { FieldFlowConflictResolver } from '../../nodes/FieldFlowConflictResolver/FieldFlowConflictResolver.node';
import { FieldFlowCrm } from '../../nodes/FieldFlowCrm/FieldFlowCrm.node';
import { FieldFlowMapping } from '../../nodes/FieldFlowMapping/FieldFlowMapping.node';
import { FieldFlowSyncStatus } from '../../nodes/FieldFlowSyncStatus/FieldFlowSyncStatus.node';
import { sandboxCredentials, startSandboxes, type Sandboxes } from '../sandboxes';
import { runNode, type RunNodeOptions } from './node-context';
import { tempSqliteStore, type TempSqliteStore } from './temp-store';

export const fieldflowNode = new FieldFlow();
export const crmNode = new FieldFlowCrm();
export const mappingNode = new FieldFlowMapping();
export const resolverNode = new FieldFlowConflictResolver();
export const statusNode = new FieldFlowSyncStatus();
export type SyncNodeType = typeof fieldflowNode | typeof crmNode | typeof mappingNode | typeof resolverNode | typeof statusNode;

/** The Conflict Resolver's outputs. */
export const [TO_CRM, TO_FIELDFLOW, CONFLICT, UNCHANGED] = [0, 1, 2, 3];
export const SINCE = '2000-01-01T00:00:00.000Z';

export interface SandboxEnv {
	readonly sb: Sandboxes;
	/** Decrypted credential data by credential type, for the sandboxes. */
	readonly credentials: Record<string, IDataObject>;
	/** The node with the real ExecuteContext and the sandboxes' credentials: its outputs. */
	run(type: SyncNodeType, parameters: INodeParameters, inputs?: INodeExecutionData[][], extra?: Pick<RunNodeOptions, 'continueOnFail' | 'typeVersion' | 'downstream'>): Promise<INodeExecutionData[][]>;
}

/** The four sandboxes, started once for the file (beforeAll, stopped afterAll), with their credentials. */
export function sandboxEnv(): SandboxEnv {
	let sb: Sandboxes;
	let credentials: Record<string, IDataObject>;
	beforeAll(async () => {
		sb = await startSandboxes();
		credentials = Object.fromEntries(sandboxCredentials(sb).map((c) => [c.type, c.data as IDataObject]));
	});
	afterAll(() => sb.stop());
	return {
		get sb() {
			return sb;
		},
		get credentials() {
			return credentials;
		},
		run: (type, parameters, inputs, extra = {}) => runNode({ type, parameters, inputs, credentials: credentials as never, ...extra }),
	};
}

export interface NodeSyncEnvOptions {
	/** The CRM sandbox reset before each test. */
	crm: 'salesforce' | 'hubspot' | 'pipedrive';
	/** The FieldFlow sandbox's data cleared before each test too (default true). */
	clearFieldflow?: boolean;
	/** The temp directory's prefix, e.g. 'ff-member-deleted-'. */
	tmpPrefix: string;
}

export type NodeSyncEnv = SandboxEnv & TempSqliteStore;

/**
 * Registers the file's hooks (beforeAll/afterAll: the sandboxes; beforeEach: the FieldFlow and CRM
 * sandboxes emptied, then a fresh store; afterEach: the store closed and removed) and gives what
 * they set up.
 */
export function nodeSyncEnv(options: NodeSyncEnvOptions): NodeSyncEnv {
	const sandboxes = sandboxEnv();
	beforeEach(() => {
		if (options.clearFieldflow ?? true) sandboxes.sb.fieldflow.clearData();
		sandboxes.sb[options.crm].reset();
	});
	const temp = tempSqliteStore(options.tmpPrefix);
	return {
		get sb() {
			return sandboxes.sb;
		},
		get credentials() {
			return sandboxes.credentials;
		},
		get sqlitePath() {
			return temp.sqlitePath;
		},
		get store() {
			return temp.store;
		},
		run: sandboxes.run,
	};
}

/** What the two-way template's nodes are set to: the CRM, its object and the Linked Records of its Start Run. */
export interface TwoWayTemplate {
	crm: string;
	object: string;
	linkedObjects: string[];
}

export interface SyncOnceResult {
	/** The Conflict Resolver's outputs (TO_CRM, TO_FIELDFLOW, CONFLICT, UNCHANGED). */
	outputs: INodeExecutionData[][];
	/** Record Results' summary item. */
	summary: IDataObject;
	/** The FieldFlow CRM write's output items (continue on fail). */
	crmWrites: INodeExecutionData[];
}

/** One whole run of the two-way template's nodes; `resolver` = the Conflict Resolver's own parameters and version. */
export async function syncOnce(env: NodeSyncEnv, template: TwoWayTemplate, resolver: { parameters?: INodeParameters; typeVersion?: number } = {}): Promise<SyncOnceResult> {
	const { run, sqlitePath } = env;
	const common = { crm: template.crm, object: template.object };
	const LINKED = template.linkedObjects;
	const [ffRecords] = await run(fieldflowNode, { resource: 'prospect', operation: 'getChangedSince', since: SINCE, options: {} });
	const [crmRecords] = await run(crmNode, { ...common, operation: 'getChangedSince', since: SINCE, returnAll: true, options: { linkedObjects: LINKED } });
	const [ffItems, crmItems] = await run(mappingNode, { ...common, direction: 'both', onTypeMismatch: 'markInvalid', linkedObjects: LINKED }, [ffRecords, crmRecords]);
	const outputs = await run(resolverNode, { ...common, sqlitePath, ...(resolver.parameters ?? {}) }, [ffItems, crmItems], resolver.typeVersion ? { typeVersion: resolver.typeVersion } : {});
	const [crmWrites] = outputs[TO_CRM].length ? await run(crmNode, { ...common, operation: 'upsert', fieldsToSend: 'autoMapInputData', options: { linkedObjects: LINKED } }, [outputs[TO_CRM]], { continueOnFail: true }) : [[]];
	const [ffWrites] = outputs[TO_FIELDFLOW].length ? await run(fieldflowNode, { resource: 'prospect', operation: 'upsert' }, [outputs[TO_FIELDFLOW]], { continueOnFail: true }) : [[]];
	const [[summary]] = await run(statusNode, { operation: 'recordResults', crm: template.crm, sqlitePath, recordOptions: { includeResults: true } }, [[...crmWrites, ...ffWrites, ...outputs[CONFLICT], ...outputs[UNCHANGED]]]);
	return { outputs, summary: summary.json, crmWrites };
}
