import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
	INodePropertyOptions,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { crmAuthenticationProperty, crmProperty, getMappingConfig, mappingNodeProperties, objectProperties } from '../n8nSide/properties/mapping';
import { buildMapping, needsCrmFieldTypes, withCrmFieldTypes, type EffectiveMapping, type MappingConfig } from '../shared/mapping/effective';
import { getSyncStore, storeProperties } from '../n8nSide/store';
import { SyncError } from '../shared/errors';
import { diffFields, mapToCrm } from '../shared/mapping/engine';
import { outcomeError, SYNC_KEY, withoutSync, type RecordMeta } from '../shared/sync/protocol';
import type { Link } from '../shared/sync/types';
import { getFields, getLinkedObjects } from '../n8nSide/methods/loadOptions';
import { linkedObjectsProperty } from '../n8nSide/properties/crm';
import { fieldFlowCrmConnectionTest } from '../n8nSide/methods/credentialTest';
import { customCrmRules, describeErrors, mapCrmItem, mapFieldflowRecord, mappingConfigProblems, recordProblem, type MapItemResult } from '../shared/mapping/records';
import { getCrmAdapter } from '../n8nSide/transport/crm';
import type { FieldInfo } from '../shared/crm/types';

type Direction = 'toCrm' | 'toFieldflow';

/**
 * The node's inputs (or outputs): FieldFlow and CRM for direction "both", else one. Evaluated by
 * n8n inside an expression, so it refers to nothing outside itself.
 */
const sides = (parameters: { direction?: string }, first: string, second: string) =>
	parameters.direction === 'both'
		? [
				{ type: 'main', displayName: first },
				{ type: 'main', displayName: second },
			]
		: ['main'];

const onlyInDryRun = (p: INodeProperties): INodeProperties => ({
	...p,
	displayOptions: { ...p.displayOptions, show: { ...(p.displayOptions?.show ?? {}), dryRun: [true] } },
});

const ONE_WAY: INodePropertyOptions[] = [
	{ name: 'FieldFlow → CRM', value: 'toCrm', description: 'Input: FieldFlow records (FieldFlow node). Output: CRM fields + sync record.' },
	{ name: 'CRM → FieldFlow', value: 'toFieldflow', description: 'Input: CRM records (FieldFlow CRM node Get Changed Since / Get by IDs). Output: FieldFlow fields + sync record.' },
];

const BOTH_WAYS: INodePropertyOptions = {
	name: 'FieldFlow ⇄ CRM (Sync)',
	value: 'both',
	description: "Two inputs (FieldFlow records, CRM records) and two outputs, for a Conflict Resolver: the one place the sync's mapping is set",
};

/** The Direction parameter of one node version. */
function directionProperty(versions: number[], options: INodePropertyOptions[]): INodeProperties {
	return { displayName: 'Direction', name: 'direction', type: 'options', noDataExpression: true, options, default: 'toCrm', displayOptions: { show: { '@version': versions } } };
}

export class FieldFlowMapping implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'FieldFlow Mapping',
		name: 'fieldFlowMapping',
		icon: { light: 'file:fieldflowmapping.svg', dark: 'file:fieldflowmapping.dark.svg' },
		group: ['transform'],
		// 1.1: a record failing the type checks is queued per record only with On Type Mismatch "Queue
		// That Record as an Error"; version 1 (saved workflows) also did so when a Conflict Resolver followed.
		// 1.2: a new Custom Mappings row starts empty and its Type defaults to the CRM field's own type
		// (saved 1.1 rows keep Company Name / Text, which n8n does not store when left at the default).
		version: [1, 1.1, 1.2],
		defaultVersion: 1.2,
		subtitle: '={{$parameter["direction"] === "both" ? "FieldFlow ⇄ " + $parameter["crm"] + " " + $parameter["object"] : $parameter["direction"] === "toCrm" ? "FieldFlow → " + $parameter["crm"] + " " + $parameter["object"] : $parameter["crm"] + " " + $parameter["object"] + " → FieldFlow"}}',
		description: 'Map FieldFlow prospects to CRM fields and back: default tables, custom pairs, status value maps, type checks, dry run',
		defaults: { name: 'FieldFlow Mapping' },
		// Direction "FieldFlow ⇄ CRM" (1.1) maps both sides of a sync: two inputs, two outputs.
		// eslint-disable-next-line n8n-nodes-base/node-class-description-inputs-wrong-regular-node
		inputs: `={{(${sides})($parameter, 'FieldFlow', 'CRM')}}`,
		// eslint-disable-next-line n8n-nodes-base/node-class-description-outputs-wrong
		outputs: `={{(${sides})($parameter, 'FieldFlow → CRM', 'CRM → FieldFlow')}}`,
		// Labelled slots; each CRM's credential is hidden for the other two CRMs (hide, not show: with
		// show, n8n's editor takes CRM for an "authentication" field, hides it from the panel and lists
		// the CRM credentials under a bare "Credential", even in the FieldFlow API slot).
		credentials: [
			{ name: 'fieldFlowSalesforceApi', required: true, testedBy: 'fieldFlowCrmConnectionTest', displayName: 'Salesforce Credential', displayOptions: { hide: { crm: ['hubspot', 'pipedrive'], authentication: ['oAuth2'] } } },
			{ name: 'fieldFlowSalesforceOAuth2Api', required: true, displayName: 'Salesforce OAuth2 Credential', displayOptions: { hide: { crm: ['hubspot', 'pipedrive'], authentication: ['accessToken'] } } },
			{ name: 'fieldFlowHubSpotApi', required: true, testedBy: 'fieldFlowCrmConnectionTest', displayName: 'HubSpot Credential', displayOptions: { hide: { crm: ['salesforce', 'pipedrive'], authentication: ['oAuth2'] } } },
			{ name: 'fieldFlowHubSpotOAuth2Api', required: true, displayName: 'HubSpot OAuth2 Credential', displayOptions: { hide: { crm: ['salesforce', 'pipedrive'], authentication: ['accessToken'] } } },
			{ name: 'fieldFlowPipedriveApi', required: true, testedBy: 'fieldFlowCrmConnectionTest', displayName: 'Pipedrive Credential', displayOptions: { hide: { crm: ['salesforce', 'hubspot'], authentication: ['oAuth2'] } } },
			{ name: 'fieldFlowPipedriveOAuth2Api', required: true, displayName: 'Pipedrive OAuth2 Credential', displayOptions: { hide: { crm: ['salesforce', 'hubspot'], authentication: ['accessToken'] } } },
			// The store is read only by a dry run (to show what changed since the last sync).
			// n8n's own Postgres credential (queue mode store). "hide dryRun false", not "show dryRun
			// true": a boolean a credential is shown on is taken by n8n's editor for the node's
			// "authentication" field and hidden from the panel (the Dry Run switch was invisible).
			// eslint-disable-next-line n8n-nodes-base/node-class-description-credentials-name-unsuffixed
			{ name: 'postgres', required: true, displayName: 'PostgreSQL Store Credential', displayOptions: { show: { store: ['postgres'] }, hide: { dryRun: [false] } } },
		],
		properties: [
			crmProperty,
			crmAuthenticationProperty,
			...objectProperties,
			// 1.1 adds "FieldFlow ⇄ CRM": both sides of a sync in one node.
			directionProperty([1], ONE_WAY),
			directionProperty([1.1, 1.2], [BOTH_WAYS, ...ONE_WAY]),
			linkedObjectsProperty({ displayOptions: { show: { '@version': [{ _cnd: { gte: 1.1 } }] } } }),
			...mappingNodeProperties(),
			{
				displayName: 'Dry Run',
				name: 'dryRun',
				type: 'boolean',
				default: false,
				description:
					'Whether to only show, per item, the input record, the mapped record, what would change since the last sync and any type errors. Nothing is written and no sync items are produced.',
			},
			...storeProperties.map(onlyInDryRun),
		],
	};

	methods = {
		loadOptions: { getFields, getLinkedObjects },
		credentialTest: { fieldFlowCrmConnectionTest },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const direction = this.getNodeParameter('direction', 0) as Direction | 'both';
		const dryRun = this.getNodeParameter('dryRun', 0, false) as boolean;
		const onMismatch = this.getNodeParameter('onTypeMismatch', 0, 'error') as string;
		const saved = getMappingConfig.call(this, 0);
		const fields = await customFieldList.call(this, buildMapping(saved), needsCrmFieldTypes(saved));
		// Rows typed "From the CRM Field" take the type the CRM's metadata gives the field; the config
		// passed on to the Conflict Resolver carries the resolved types.
		const config = withCrmFieldTypes(saved, fields);
		const eff = buildMapping(config);
		const problems = mappingConfigProblems(eff, fields);
		if (problems.length) {
			throw new NodeOperationError(this.getNode(), `The field mapping is not valid: ${describeErrors(problems)}`, {
				description: 'Fix the CRM Object / Custom Mappings / Status Value Map parameters (or turn Use Default Mappings back on). Nothing was mapped or written.',
			});
		}
		// Half-filled Custom Mappings rows are left out: the run says so instead of failing.
		if (eff.ignored.length) this.addExecutionHints?.(...eff.ignored.map((message) => ({ message, type: 'warning' as const, location: 'outputPane' as const })));
		// In a sync a record that fails the type checks is not an error of the node: it travels on marked
		// invalid, the resolver never writes it and Record Results queues it as a validation error for
		// that record while the rest syncs. Version 1 chose this by looking at the next node (kept for
		// saved workflows); from 1.1 only the parameter decides.
		const legacy = this.getNode().typeVersion === 1 && onMismatch === 'error' && feedsConflictResolver(this);
		const options: MapOptions = { eff, perRecord: !dryRun && (onMismatch === 'markInvalid' || legacy), skipMismatch: onMismatch === 'skip', dryRun };
		// 1.1 records carry the mapping settings: the Conflict Resolver 1.1 takes its rules from them.
		if (this.getNode().typeVersion >= 1.1) options.config = config;
		if (direction === 'both') return [await mapInput.call(this, 0, 'toCrm', options), await mapInput.call(this, 1, 'toFieldflow', options)];
		return [await mapInput.call(this, 0, direction, options)];
	}
}

interface MapOptions {
	eff: EffectiveMapping;
	config?: MappingConfig;
	perRecord: boolean;
	skipMismatch: boolean;
	dryRun: boolean;
}

/** One input's items mapped in `direction` (FieldFlow → CRM, or CRM → FieldFlow). */
async function mapInput(this: IExecuteFunctions, input: number, direction: Direction, o: MapOptions): Promise<INodeExecutionData[]> {
	let items: INodeExecutionData[] = [];
	try {
		items = this.getInputData(input) ?? [];
	} catch {
		return []; // an input with nothing connected
	}
	const paired = (i: number) => (input ? { item: i, input } : { item: i });
	const results: Array<{ i: number; result?: MapItemResult; error?: unknown }> = [];
	for (let i = 0; i < items.length; i++) {
		const json = withoutSync(items[i].json as Record<string, unknown>);
		// An empty item (e.g. "Always Output Data" on an empty read) is no record.
		if (!Object.keys(json).length) continue;
		try {
			results.push({ i, result: direction === 'toCrm' ? mapFieldflowRecord(json, o.eff) : mapCrmItem(json, o.eff) });
		} catch (error) {
			results.push({ i, error });
		}
	}
	if (o.dryRun) return (await dryRunItems.call(this, items, results, o.eff, direction)).map((item) => ({ ...item, pairedItem: paired((item.pairedItem as { item: number }).item) }));

	const out: INodeExecutionData[] = [];
	const record = (meta: RecordMeta, payload: Record<string, unknown>, i: number) =>
		out.push({ json: { ...(payload as IDataObject), [SYNC_KEY]: (o.config ? { ...meta, mapping: o.config } : meta) as unknown as IDataObject }, pairedItem: paired(i) });
	for (const { i, result, error } of results) {
		let failure = error;
		if (result && result.errors.length && o.perRecord) {
			record({ kind: 'record', record: result.record, invalid: recordProblem(result, o.eff.crm) }, result.payload, i);
			continue;
		}
		if (result && result.errors.length && !o.skipMismatch) failure = mismatchError(result);
		if (failure !== undefined) {
			const nodeError = toItemError(this, failure, i);
			if (!this.continueOnFail()) throw nodeError;
			out.push({ json: errorJson(failure, result), pairedItem: paired(i) });
			continue;
		}
		record({ kind: 'record', record: result!.record }, result!.payload, i);
	}
	return out;
}

/** Version 1 only: does this node's output lead to a FieldFlow Conflict Resolver (a sync workflow)? */
function feedsConflictResolver(ctx: IExecuteFunctions): boolean {
	try {
		const children = ctx.getChildNodes?.(ctx.getNode().name) ?? [];
		return children.some((c) => !(c as { disabled?: boolean }).disabled && /\.fieldFlowConflictResolver$/.test(c.type));
	} catch {
		return false;
	}
}

/**
 * The CRM object's fields, read only when custom pairs name CRM fields to check or take their type
 * from the CRM (undefined if unreadable).
 */
async function customFieldList(this: IExecuteFunctions, eff: EffectiveMapping, typesFromCrm: boolean): Promise<FieldInfo[] | undefined> {
	if (!typesFromCrm && !customCrmRules(eff).length) return undefined;
	try {
		const adapter = await getCrmAdapter.call(this, eff.crm);
		return await adapter.listFields(eff.object);
	} catch {
		return undefined; // unknown object (reported separately) or CRM unreachable: the writes will tell
	}
}

function mismatchError(result: MapItemResult): SyncError {
	const fields = [...new Set(result.errors.flatMap((e) => e.fields ?? []))];
	return new SyncError({
		kind: 'validation',
		message: describeErrors(result.errors),
		fields,
		recordRef: result.record.id,
	});
}

function toItemError(ctx: IExecuteFunctions, error: unknown, itemIndex: number): NodeOperationError {
	if (error instanceof SyncError) {
		return new NodeOperationError(ctx.getNode(), `Item ${itemIndex}: ${error.message}`, {
			itemIndex,
			description:
				error.kind === 'validation' && error.fields?.length
					? `Fix the value in the record, change the mapping's Type, or set On Type Mismatch to "Skip Field". ${error.hint}`
					: error.hint,
		});
	}
	if (error instanceof NodeOperationError) return error;
	return new NodeOperationError(ctx.getNode(), error as Error, { itemIndex });
}

function errorJson(error: unknown, result?: MapItemResult): IDataObject {
	const out: IDataObject = { ...outcomeError(error) };
	if (result) out.recordId = result.record.id;
	return out;
}

/** Dry run: per item, the input, the mapped record, what would change since the last sync, errors. */
async function dryRunItems(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
	results: Array<{ i: number; result?: MapItemResult; error?: unknown }>,
	eff: EffectiveMapping,
	direction: Direction,
): Promise<INodeExecutionData[]> {
	const ids = results.filter((r) => r.result).map((r) => r.result!.record.id);
	let links: Link[] = [];
	if (ids.length) {
		try {
			const store = await getSyncStore.call(this, 0);
			links = await store.getLinks(eff.crm, eff.object, direction === 'toCrm' ? { fieldflowIds: ids } : { crmIds: ids });
		} catch {
			links = []; // A dry run still shows the mapping when the store cannot be opened.
		}
	}
	const byId = new Map(links.map((l) => [direction === 'toCrm' ? l.fieldflowId : (l.crmId ?? ''), l]));
	const out: INodeExecutionData[] = [];
	for (const { i, result, error } of results) {
		const record = withoutSync(items[i].json as Record<string, unknown>) as IDataObject;
		if (!result) {
			out.push({ json: { record, mapped: null, changes: [], errors: [(error as Error)?.message ?? String(error)] }, pairedItem: { item: i } });
			continue;
		}
		const link = byId.get(result.record.id);
		let before: Record<string, unknown> | undefined;
		if (link) before = direction === 'toCrm' ? mapToCrm(link.baseline, eff.mappings, eff.valueMaps, { id: link.fieldflowId }).fields : link.baseline;
		const after = direction === 'toCrm' ? result.payload : result.record.fields;
		const changes = diffFields(before, after);
		out.push({
			json: {
				record,
				mapped: result.payload as IDataObject,
				changes: changes as unknown as IDataObject[],
				errors: result.errors.map((e) => e.message),
				action: link ? (changes.length ? 'update' : 'unchanged') : 'create',
				linkedTo: link ? ((direction === 'toCrm' ? link.crmId : link.fieldflowId) ?? null) : null,
			},
			pairedItem: { item: i },
		});
	}
	return out;
}
