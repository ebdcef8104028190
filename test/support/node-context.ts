/**
 * Run one node's `execute` in process with n8n-core's real ExecuteContext, the way n8n's own node
 * tests build it: a real n8n-workflow Workflow holds the node under test (n8n fills in the
 * parameter defaults from the node's description, resolves expressions, checks parameter types and
 * credential display rules), input items per input index, `continueOnFail` read from the node as
 * n8n reads it. Only what n8n-core leaves to its host is here: the node types of the workflow, a
 * credentials helper that hands out the given decrypted credential data, and the host's
 * additional data (URLs; no sub-workflows, task runners or external secrets).
 *
 * OAuth2 credentials: n8n-core's own `helpers.refreshOAuth2Token` runs for real (its OAuth client
 * calls the sandbox's token endpoint); the token data it stores goes back into the `credentials`
 * object the test passed (so a test reads what n8n would have saved), and `oauthStores` counts it.
 *
 * What this does not do (the real-n8n end-to-end suite covers it): run a whole workflow
 * (WorkflowExecute's scheduling, pairing items that a node left unpaired, error outputs), load
 * the built package, encrypt or store other credential changes.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecuteContext, ExternalSecretsProxy } from 'n8n-core';
import {
	ApplicationError,
	createRunExecutionData,
	ICredentialsHelper,
	NodeConnectionTypes,
	Workflow,
	type ICredentialDataDecryptedObject,
	type ICredentials,
	type IConnections,
	type IDataObject,
	type IHttpRequestOptions,
	type INode,
	type INodeCredentialsDetails,
	type INodeExecutionData,
	type INodeParameters,
	type INodeProperties,
	type INodeType,
	type INodeTypes,
	type IWorkflowExecuteAdditionalData,
	type WorkflowExecuteMode,
} from 'n8n-workflow';

/** Type names as n8n gives them to a community package's nodes: `<package>.<description.name>`. */
export const PACKAGE_NAME = 'n8n-nodes-fieldflow';

export const nodeTypeName = (type: INodeType): string => `${PACKAGE_NAME}.${type.description.name}`;

/** A node connected after the node under test (so `getChildNodes` and the like see real graph data). */
export interface DownstreamNode {
	type: INodeType;
	/** Default: the type's default name. */
	name?: string;
	parameters?: INodeParameters;
	/** Which output of the node under test feeds it (default 0) and into which of its inputs (default 0). */
	fromOutput?: number;
	toInput?: number;
	disabled?: boolean;
}

export interface RunNodeOptions {
	type: INodeType;
	/** As saved in a workflow: only what differs from the defaults; `=...` strings are expressions. */
	parameters?: INodeParameters;
	/** Default: the type's default name. */
	name?: string;
	/**
	 * Decrypted credential data by credential type (`fieldFlowApi`, `fieldFlowHubSpotApi`, ...). The
	 * node is given a credential of each listed type; n8n-core still checks that the node's
	 * description declares it and shows it for the current parameters.
	 */
	credentials?: Record<string, ICredentialDataDecryptedObject>;
	/** Items per input index: `[items]` for a one-input node, `[fieldflowItems, crmItems]` for two. */
	inputs?: INodeExecutionData[][];
	/** The node's "On Error: Continue" setting (n8n's `continueOnFail`). */
	continueOnFail?: boolean;
	downstream?: DownstreamNode[];
	mode?: WorkflowExecuteMode;
	/** The node's version, as saved in a workflow (default: the type's latest). */
	typeVersion?: number;
	/** Told each time n8n-core stores refreshed OAuth2 token data (after it went into `credentials`). */
	onOAuthTokenStored?: (type: string, oauthTokenData: unknown) => void;
}

/** The node's outputs, one array of items per output, exactly as `execute` returned them. */
export async function runNode(options: RunNodeOptions): Promise<INodeExecutionData[][]> {
	const { context, type } = buildContext(options);
	const output = await type.execute!.call(context);
	if (!Array.isArray(output)) throw new ApplicationError('The node returned no item arrays (an engine request or null)');
	return output as INodeExecutionData[][];
}

/** The real ExecuteContext for the node, without running it (for a test that calls the node itself). */
export function buildContext(options: RunNodeOptions): { context: ExecuteContext; workflow: Workflow; node: INode; type: INodeType } {
	ensureUserFolder();
	const { type } = options;
	const node: INode = {
		id: 'node-under-test',
		name: options.name ?? type.description.defaults.name ?? type.description.displayName,
		type: nodeTypeName(type),
		typeVersion: options.typeVersion ?? latestVersion(type),
		position: [0, 0],
		parameters: structuredClone(options.parameters ?? {}),
		credentials: Object.fromEntries(Object.keys(options.credentials ?? {}).map((t) => [t, { id: `cred-${t}`, name: t }])),
		continueOnFail: options.continueOnFail === true,
	};
	const downstream = (options.downstream ?? []).map((d, i) => ({
		d,
		node: {
			id: `downstream-${i}`,
			name: d.name ?? d.type.description.defaults.name ?? `${d.type.description.displayName} ${i + 1}`,
			type: nodeTypeName(d.type),
			typeVersion: latestVersion(d.type),
			position: [200, i * 200] as [number, number],
			parameters: structuredClone(d.parameters ?? {}),
			disabled: d.disabled,
		} satisfies INode,
	}));
	const connections: IConnections = {};
	if (downstream.length) {
		const main: NonNullable<IConnections[string][string]> = [];
		for (const { d, node: child } of downstream) {
			const out = d.fromOutput ?? 0;
			while (main.length <= out) main.push([]);
			main[out]!.push({ node: child.name, type: NodeConnectionTypes.Main, index: d.toInput ?? 0 });
		}
		connections[node.name] = { [NodeConnectionTypes.Main]: main };
	}
	const workflow = new Workflow({
		id: 'node-context-test',
		name: 'Node context test',
		nodes: [node, ...downstream.map((x) => x.node)],
		connections,
		active: false,
		nodeTypes: new TestNodeTypes([type, ...downstream.map((x) => x.d.type)]),
		settings: { executionOrder: 'v1' },
	});
	// The Workflow filled in the parameter defaults: use its node from here on.
	const wfNode = workflow.getNode(node.name)!;
	const inputs = options.inputs ?? [[{ json: {} }]];
	const inputData = { [NodeConnectionTypes.Main]: inputs };
	const runExecutionData = createRunExecutionData({ executionData: { nodeExecutionStack: [] } });
	const executeData = { node: wfNode, data: inputData, source: { [NodeConnectionTypes.Main]: inputs.map(() => null) } };
	const context = new ExecuteContext(
		workflow,
		wfNode,
		additionalData(new GivenCredentials(options.credentials ?? {}, options.onOAuthTokenStored)),
		options.mode ?? 'manual',
		runExecutionData,
		0,
		inputs[0] ?? [],
		inputData,
		executeData,
		[],
	);
	return { context, workflow, node: wfNode, type };
}

function latestVersion(type: INodeType): number {
	const v = type.description.version;
	return Array.isArray(v) ? Math.max(...v) : v;
}

class TestNodeTypes implements INodeTypes {
	private readonly byName = new Map<string, INodeType>();

	constructor(types: INodeType[]) {
		for (const t of types) this.byName.set(nodeTypeName(t), t);
	}

	getByName(name: string): INodeType {
		return this.get(name);
	}

	getByNameAndVersion(name: string): INodeType {
		return this.get(name);
	}

	getKnownTypes(): IDataObject {
		return Object.fromEntries([...this.byName.keys()].map((k) => [k, {}]));
	}

	private get(name: string): INodeType {
		const t = this.byName.get(name);
		if (!t) throw new ApplicationError(`Node type "${name}" is not in this test workflow`);
		return t;
	}
}

/** Decrypted data per credential type; a type the test did not give is an error, not `{}`. */
class GivenCredentials extends ICredentialsHelper {
	constructor(
		private readonly data: Record<string, ICredentialDataDecryptedObject>,
		private readonly onOAuthTokenStored?: (type: string, oauthTokenData: unknown) => void,
	) {
		super();
	}

	async getDecrypted(_a: IWorkflowExecuteAdditionalData, _c: INodeCredentialsDetails, type: string): Promise<ICredentialDataDecryptedObject> {
		const d = this.data[type];
		if (!d) throw new ApplicationError(`The test gave no "${type}" credential`);
		return structuredClone(d);
	}

	getParentTypes(): string[] {
		return [];
	}

	async authenticate(_c: ICredentialDataDecryptedObject, _t: string, requestOptions: IHttpRequestOptions): Promise<IHttpRequestOptions> {
		return requestOptions;
	}

	async preAuthentication(): Promise<undefined> {
		return undefined;
	}

	async getCredentials(): Promise<ICredentials> {
		throw new ApplicationError('Encrypted credentials are not available in node-context tests');
	}

	async updateCredentials(): Promise<void> {
		throw new ApplicationError('Storing credentials is not available in node-context tests');
	}

	/** What n8n's CredentialsHelper does: replace the stored credential's oauthTokenData. */
	async updateCredentialsOauthTokenData(_c: INodeCredentialsDetails, type: string, data: ICredentialDataDecryptedObject): Promise<void> {
		const d = this.data[type];
		if (!d) throw new ApplicationError(`The test gave no "${type}" credential`);
		d.oauthTokenData = structuredClone(data.oauthTokenData);
		this.onOAuthTokenStored?.(type, d.oauthTokenData);
	}

	getCredentialsProperties(): INodeProperties[] {
		return [];
	}
}

function additionalData(credentialsHelper: ICredentialsHelper): IWorkflowExecuteAdditionalData {
	const unavailable = (what: string) => async () => {
		throw new ApplicationError(`${what} is not available in node-context tests (use the real-n8n end-to-end suite)`);
	};
	return {
		credentialsHelper,
		executeWorkflow: unavailable('Executing a sub-workflow'),
		getRunExecutionData: async () => undefined,
		startRunnerTask: unavailable('A task runner'),
		logAiEvent: () => undefined,
		currentNodeExecutionIndex: 0,
		restApiUrl: 'http://localhost:5678/rest',
		instanceBaseUrl: 'http://localhost:5678',
		formWaitingBaseUrl: 'http://localhost:5678/form-waiting',
		webhookBaseUrl: 'http://localhost:5678/webhook',
		webhookWaitingBaseUrl: 'http://localhost:5678/webhook-waiting',
		webhookTestBaseUrl: 'http://localhost:5678/webhook-test',
		variables: {},
		externalSecretsProxy: new ExternalSecretsProxy(), // no secrets provider
	};
}

/**
 * n8n-core's InstanceSettings (made with the first context) reads or creates
 * `<N8N_USER_FOLDER>/.n8n/config`: point it at a temp folder so tests never write the developer's
 * home. Set once per test process, unless the environment names a folder already.
 */
function ensureUserFolder(): void {
	if (process.env.N8N_USER_FOLDER) return;
	process.env.N8N_USER_FOLDER = mkdtempSync(join(tmpdir(), 'ff-n8n-user-'));
	// Our own temp file: let n8n make it 0600 instead of warning that it is not.
	process.env.N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS ??= 'true';
}
