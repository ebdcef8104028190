/**
 * Building blocks for the workflow templates. Every template is written once, here and in the
 * template files next to it, and generated for each CRM (`npm run templates`): no workflow is
 * copied per CRM by hand. The generated JSON in workflows/ is what users import; a test checks it
 * matches this source.
 */
export type Crm = 'salesforce' | 'hubspot' | 'pipedrive';

export const CRMS: Crm[] = ['salesforce', 'hubspot', 'pipedrive'];

export interface CrmInfo {
	label: string;
	/** Default CRM object a FieldFlow prospect syncs with. */
	object: string;
	objectLabel: string;
	credentialType: string;
	/** The OAuth2 credential type of this CRM (Connect my account). */
	oauth2CredentialType: string;
	credentialId: string;
	credentialName: string;
	/**
	 * The records linked to each person that sync with it as one prospect, as Start Run selects
	 * them in the templates ([] = the person alone; the admin picks them on Start Run).
	 */
	linked: string[];
	/** The templates wire Start Run's Linked Records into the CRM reads, the Mapping and the writes. */
	groups: boolean;
}

export const CRM_INFO: Record<Crm, CrmInfo> = {
	salesforce: {
		label: 'Salesforce',
		object: 'Lead',
		objectLabel: 'Leads',
		credentialType: 'fieldFlowSalesforceApi',
		oauth2CredentialType: 'fieldFlowSalesforceOAuth2Api',
		credentialId: 'ffSalesforce0001',
		credentialName: 'Salesforce sandbox',
		// Leads; a converted Lead continues as its Contact + Account + Opportunity (crm/group/convert.ts).
		linked: ['Account', 'Opportunity'],
		groups: true,
	},
	hubspot: {
		label: 'HubSpot',
		object: 'contacts',
		objectLabel: 'Contacts',
		credentialType: 'fieldFlowHubSpotApi',
		oauth2CredentialType: 'fieldFlowHubSpotOAuth2Api',
		credentialId: 'ffHubSpot0000001',
		credentialName: 'HubSpot sandbox',
		linked: ['companies', 'deals'],
		groups: true,
	},
	pipedrive: {
		label: 'Pipedrive',
		object: 'persons',
		objectLabel: 'Persons',
		credentialType: 'fieldFlowPipedriveApi',
		oauth2CredentialType: 'fieldFlowPipedriveOAuth2Api',
		credentialId: 'ffPipedrive00001',
		credentialName: 'Pipedrive sandbox',
		linked: ['organizations', 'deals'],
		groups: true,
	},
};

/**
 * A CRM's templates for another object than its default one (CRM_INFO), e.g. Salesforce Contacts +
 * Accounts + Opportunities instead of Leads: the object, its label, its Linked Records, and the
 * suffix of the file, node ids and webhook paths (`bidirectional-sync.salesforce-contacts.json`).
 */
export interface ObjectVariant {
	suffix: string;
	object: string;
	objectLabel: string;
	linked: string[];
	/** Shown in the title after the CRM's label. */
	titleLabel: string;
}

/** Salesforce in Contacts mode: Contact with AccountId → Account, an Opportunity on the Account with the contact's role (the guide's second Salesforce table). */
export const SALESFORCE_CONTACTS: ObjectVariant = { suffix: 'contacts', object: 'Contact', objectLabel: 'Contacts', linked: ['Account', 'Opportunity'], titleLabel: 'Salesforce (Contacts + Accounts + Opportunities)' };

/** What a template of `crm` syncs: the CRM's default object, or the variant's (with its Linked Records). */
export function crmInfo(crm: Crm, variant?: ObjectVariant): CrmInfo {
	return variant ? { ...CRM_INFO[crm], object: variant.object, objectLabel: variant.objectLabel, linked: variant.linked, groups: true } : CRM_INFO[crm];
}

/** How the canvas names each member object a template can link (Start Run's Linked Records). */
const MEMBER_LABELS: Record<string, string> = { organizations: 'Organizations', companies: 'Companies', deals: 'Deals', Account: 'Accounts', Opportunity: 'Opportunities' };

/**
 * The note shown under a template's CRM read and write nodes on the canvas (n8n's node Notes,
 * "Display Note in Flow"; the canvas shows about 25 characters): the linked records besides the person.
 */
export function groupNote(info: CrmInfo): Record<string, unknown> {
	if (!info.linked.length) return {};
	const note = info.object === 'Lead' ? 'converted → Contact group' : `+ ${info.linked.map((m) => MEMBER_LABELS[m] ?? m).join(' + ')}`;
	return { notes: note.replace('Opportunities', 'Opps'), notesInFlow: true };
}

/** The key a template's file, node ids and webhook paths carry for `crm` (salesforce, salesforce-contacts). */
export const templateKey = (crm: Crm, variant?: ObjectVariant): string => (variant ? `${crm}-${variant.suffix}` : crm);

export const FIELDFLOW_CREDENTIAL = { fieldFlowApi: { id: 'ffFieldFlowApi01', name: 'FieldFlow account' } };

export const P = 'n8n-nodes-fieldflow.';

/** FieldFlow Sync Status node version the templates use (1.1: Record Type is a dropdown). */
export const SYNC_STATUS_VERSION = 1.1;

/** FieldFlow Conflict Resolver node version the templates use (1.2: When a Linked Company or Deal Is Deleted). */
export const CONFLICT_RESOLVER_VERSION = 1.2;

/** How n8n 2.x names the editor's buttons, with the n8n 1.x name (templates are for both lines). */
export const EXECUTE = '**Execute workflow** (n8n 1.x: **Test workflow**)';
export const PUBLISH = '**Publish** the workflow (n8n 1.x: **Activate**)';

export interface WfNode {
	id: string;
	name: string;
	type: string;
	typeVersion: number;
	position: [number, number];
	parameters: Record<string, unknown>;
	credentials?: Record<string, { id: string; name: string }>;
	[extra: string]: unknown;
}

export interface Workflow {
	name: string;
	nodes: WfNode[];
	connections: Record<string, { main: Array<Array<{ node: string; type: 'main'; index: number }>> }>;
	settings: Record<string, unknown>;
	pinData: Record<string, unknown>;
	active: boolean;
	meta?: Record<string, unknown>;
	tags?: unknown[];
}

/** Collects nodes and connections; ids are stable (derived from the template and node names). */
export class Builder {
	private readonly nodes: WfNode[] = [];
	private readonly connections: Workflow['connections'] = {};

	constructor(private readonly key: string) {}

	add(name: string, type: string, typeVersion: number, position: [number, number], parameters: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
		if (this.nodes.some((n) => n.name === name)) throw new Error(`duplicate node name ${name}`);
		this.nodes.push({ id: stableId(`${this.key}/${name}`), name, type, typeVersion, position, parameters, ...extra });
		return name;
	}

	/** Connect output `fromIndex` of `from` to input `toIndex` of `to`. */
	connect(from: string, to: string, fromIndex = 0, toIndex = 0): void {
		const entry = (this.connections[from] ??= { main: [] });
		while (entry.main.length <= fromIndex) entry.main.push([]);
		entry.main[fromIndex].push({ node: to, type: 'main', index: toIndex });
	}

	note(name: string, position: [number, number], content: string, width = 420, height = 300): void {
		this.add(name, 'n8n-nodes-base.stickyNote', 1, position, { content, width, height });
	}

	build(name: string, extra: Partial<Workflow> = {}): Workflow {
		return { name, nodes: this.nodes, connections: this.connections, settings: { executionOrder: 'v1' }, pinData: {}, active: false, ...extra };
	}
}

/** If (typeVersion 2) parameters: true when `leftValue` (an expression) is true. */
export function ifTrue(id: string, leftValue: string): Record<string, unknown> {
	return {
		conditions: {
			options: { caseSensitive: true, leftValue: '', typeValidation: 'loose' },
			conditions: [{ id, leftValue, rightValue: '', operator: { type: 'boolean', operation: 'true', singleValue: true } }],
			combinator: 'and',
		},
		looseTypeValidation: true,
		options: {},
	};
}

/** Deterministic UUID-shaped id, so regenerating a template gives the same file. */
export function stableId(seed: string): string {
	// FNV-1a, four rounds with different offsets → 128 bits.
	const parts: string[] = [];
	for (let round = 0; round < 4; round++) {
		let h = 0x811c9dc5 ^ round;
		for (let i = 0; i < seed.length; i++) {
			h ^= seed.charCodeAt(i);
			h = Math.imul(h, 0x01000193) >>> 0;
		}
		parts.push(h.toString(16).padStart(8, '0'));
	}
	const hex = parts.join('');
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export const crmCredential = (crm: Crm) => ({ [CRM_INFO[crm].credentialType]: { id: CRM_INFO[crm].credentialId, name: CRM_INFO[crm].credentialName } });

/**
 * A template on OAuth2 (Connect my account) instead of the token credential: every node that takes
 * the CRM credential gets Authentication = OAuth2 and `credential` in its OAuth2 slot, what an
 * admin does on each node in the editor. Returns a copy.
 */
export function withOAuth2<W extends { nodes: Array<{ parameters: Record<string, unknown>; credentials?: Record<string, { id: string; name: string }> }> }>(
	wf: W,
	crm: Crm,
	credential: { id: string; name: string },
): W {
	const info = CRM_INFO[crm];
	const copy = JSON.parse(JSON.stringify(wf)) as W;
	for (const node of copy.nodes) {
		if (!node.credentials?.[info.credentialType]) continue;
		delete node.credentials[info.credentialType];
		node.credentials[info.oauth2CredentialType] = credential;
		node.parameters.authentication = 'oAuth2';
	}
	return copy;
}

/** The sync store every node of a template shares (embedded SQLite by default). */
export const STORE = { store: 'sqlite', sqlitePath: '' };

/**
 * A template run as a sub-workflow (n8n's Execute Workflow): its triggers replaced by one Execute
 * Workflow Trigger wired to what they started, its store at `sqlitePath` when given; the rest of
 * the template unchanged. The benchmark and tests run the real templates this way.
 */
export function asSubWorkflow(wf: Workflow, options: { sqlitePath?: string; settings?: Record<string, unknown> } = {}): Workflow {
	// A paged template calls itself through its own Execute Workflow Trigger: it is run as it is.
	if (wf.nodes.some((n) => n.type === 'n8n-nodes-base.executeWorkflowTrigger')) throw new Error(`${wf.name} has its own Execute Workflow Trigger: call it as it is (withSqlitePath), not through asSubWorkflow`);
	const isTrigger = (n: WfNode) => /Trigger$/.test(n.type);
	const triggers = new Set(wf.nodes.filter(isTrigger).map((n) => n.name));
	const targets = new Map<string, { node: string; type: 'main'; index: number }>();
	for (const t of triggers) for (const c of wf.connections[t]?.main.flat() ?? []) targets.set(`${c.node}#${c.index}`, c);
	const first = wf.nodes.find(isTrigger);
	const trigger: WfNode = {
		id: stableId(`${wf.name}/Sub-workflow Trigger`),
		name: 'Sub-workflow Trigger',
		type: 'n8n-nodes-base.executeWorkflowTrigger',
		typeVersion: 1.1,
		position: first?.position ?? [-300, 100],
		parameters: { inputSource: 'passthrough' },
	};
	const nodes = [trigger, ...wf.nodes.filter((n) => !triggers.has(n.name))];
	const connections: Workflow['connections'] = { [trigger.name]: { main: [[...targets.values()]] } };
	for (const [from, c] of Object.entries(wf.connections)) if (!triggers.has(from)) connections[from] = c;
	const sub = { ...wf, nodes, connections, settings: { ...wf.settings, ...options.settings } };
	return options.sqlitePath === undefined ? sub : withSqlitePath(sub, options.sqlitePath);
}

/** The template with every node's SQLite sync store at `sqlitePath` (templates leave it empty: the default file). */
export function withSqlitePath(wf: Workflow, sqlitePath: string): Workflow {
	return { ...wf, nodes: wf.nodes.map((n) => (n.parameters.store === 'sqlite' ? { ...n, parameters: { ...n.parameters, sqlitePath } } : n)) };
}
