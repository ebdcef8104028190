import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';
import isEqual from 'lodash/isEqual';
import { crmAuthenticationProperty, crmProperty, getEffectiveMapping, mappingProperties, objectProperties } from '../n8nSide/properties/mapping';
import { buildMapping, type MappingConfig } from '../shared/mapping/effective';
import { getSyncStore, storeProperties } from '../n8nSide/store';
import { CRM_LABELS, crmObjects, type CrmName } from '../shared/crm';
import { readSync, SYNC_KEY, type InvalidMeta, type RecordProblem } from '../shared/sync/protocol';
import type { SyncStore } from '../shared/store';
import type { MatchKey } from '../shared/sync/match';
import type { ConflictStrategy, MemberDeletedPolicy, NotFoundPolicy, SyncDirection } from '../shared/sync/types';
import { getFields } from '../n8nSide/methods/loadOptions';
import { fieldFlowCrmConnectionTest } from '../n8nSide/methods/credentialTest';
import { getCrmAdapter } from '../n8nSide/transport/crm';
import { getFieldFlowClient } from '../n8nSide/transport/fieldflow';
import { toNodeError } from '../n8nSide/errors';
import type { FieldFlowRecord } from '../shared/fieldflow/client';
import { describeErrors, mappingConfigProblems } from '../shared/mapping/records';
import { BULK_MATCH_COST, crmLookups } from '../shared/sync/lookups';
import { OUTPUT, type InputRecord, type Routed } from '../shared/sync/plan';
import { commit, matchedOnly, planCommit } from '../shared/sync/commit';
import { toPreview } from '../shared/sync/preview';
import { releaseReservations } from '../shared/sync/reserve';
import { planRun, resolve } from '../shared/sync/resolve';

const INPUT_LABELS = ['FieldFlow', 'CRM'] as const;

/** An input record, and why it must not be written when the Mapping node found its data invalid. */
type InputItem = InputRecord & { invalid?: RecordProblem };

export class FieldFlowConflictResolver implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'FieldFlow Conflict Resolver',
		name: 'fieldFlowConflictResolver',
		icon: { light: 'file:fieldflowconflictresolver.svg', dark: 'file:fieldflowconflictresolver.dark.svg' },
		group: ['transform'],
		// 1.1: no mapping settings of its own; the rules come with the records from the FieldFlow Mapping
		// node 1.1 before it (one place to set the mapping). Version 1 keeps its own (saved workflows).
		// 1.2: When a Linked Company or Deal Is Deleted (record groups). Before 1.2 a member gone from
		// the CRM only dropped out of the link (and a later change of its fields created a new one):
		// saved workflows keep that.
		version: [1, 1.1, 1.2],
		defaultVersion: 1.2,
		subtitle: '={{$parameter["crm"] + " " + $parameter["object"] + " · " + $parameter["conflictStrategy"]}}',
		description: 'Match FieldFlow and CRM records, compare each field with the last sync and route them to To CRM, To FieldFlow, Conflict or Unchanged',
		defaults: { name: 'FieldFlow Conflict Resolver' },
		// Two inputs (FieldFlow, CRM) and four outputs: the routing is the node's purpose.
		// eslint-disable-next-line n8n-nodes-base/node-class-description-inputs-wrong-regular-node
		inputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		inputNames: [...INPUT_LABELS],
		// eslint-disable-next-line n8n-nodes-base/node-class-description-outputs-wrong
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main, NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['To CRM', 'To FieldFlow', 'Conflict', 'Unchanged'],
		// Labelled slots; each CRM's credential is hidden for the other two CRMs (hide, not show: with
		// show, n8n's editor takes CRM for an "authentication" field, hides it from the panel and lists
		// the CRM credentials under a bare "Credential", even in the FieldFlow API slot).
		credentials: [
			{ name: 'fieldFlowApi', required: true, displayName: 'FieldFlow API Credential' },
			{ name: 'fieldFlowSalesforceApi', required: true, testedBy: 'fieldFlowCrmConnectionTest', displayName: 'Salesforce Credential', displayOptions: { hide: { crm: ['hubspot', 'pipedrive'], authentication: ['oAuth2'] } } },
			{ name: 'fieldFlowSalesforceOAuth2Api', required: true, displayName: 'Salesforce OAuth2 Credential', displayOptions: { hide: { crm: ['hubspot', 'pipedrive'], authentication: ['accessToken'] } } },
			{ name: 'fieldFlowHubSpotApi', required: true, testedBy: 'fieldFlowCrmConnectionTest', displayName: 'HubSpot Credential', displayOptions: { hide: { crm: ['salesforce', 'pipedrive'], authentication: ['oAuth2'] } } },
			{ name: 'fieldFlowHubSpotOAuth2Api', required: true, displayName: 'HubSpot OAuth2 Credential', displayOptions: { hide: { crm: ['salesforce', 'pipedrive'], authentication: ['accessToken'] } } },
			{ name: 'fieldFlowPipedriveApi', required: true, testedBy: 'fieldFlowCrmConnectionTest', displayName: 'Pipedrive Credential', displayOptions: { hide: { crm: ['salesforce', 'hubspot'], authentication: ['oAuth2'] } } },
			{ name: 'fieldFlowPipedriveOAuth2Api', required: true, displayName: 'Pipedrive OAuth2 Credential', displayOptions: { hide: { crm: ['salesforce', 'hubspot'], authentication: ['accessToken'] } } },
			// n8n's own Postgres credential (queue mode store).
			// eslint-disable-next-line n8n-nodes-base/node-class-description-credentials-name-unsuffixed
			{ name: 'postgres', required: true, displayName: 'PostgreSQL Store Credential', displayOptions: { show: { store: ['postgres'] } } },
		],
		properties: [
			crmProperty,
			crmAuthenticationProperty,
			...objectProperties,
			{
				displayName: 'Sync Direction',
				name: 'syncDirection',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Bidirectional', value: 'bidirectional', description: 'Changes in FieldFlow update the CRM and changes in the CRM update FieldFlow' },
					{ name: 'FieldFlow → CRM Only', value: 'fieldflowToCrm', description: 'The CRM is updated from FieldFlow; CRM changes never reach FieldFlow' },
					{ name: 'CRM → FieldFlow Only', value: 'crmToFieldflow', description: 'FieldFlow is updated from the CRM; FieldFlow changes stay local' },
				],
				default: 'bidirectional',
			},
			{
				displayName: 'Conflict Strategy',
				name: 'conflictStrategy',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Newest Wins', value: 'newestWins', description: 'The most recently modified record takes precedence' },
					{ name: 'FieldFlow Wins', value: 'fieldflowWins', description: 'FieldFlow data always overwrites the CRM' },
					{ name: 'CRM Wins', value: 'crmWins', description: 'CRM data always overwrites FieldFlow' },
					{ name: 'Manual', value: 'manual', description: 'Hold conflicting fields on the Conflict output for a person to resolve; other fields still sync' },
				],
				default: 'newestWins',
				description: 'What happens when the same field was changed differently on both sides since the last sync',
			},
			{
				displayName:
					'CRM Wins / FieldFlow Wins overwrite the other side\'s edits: a field changed on both sides since the last sync takes the winner\'s value and the loser\'s edit is lost. Use Manual to review conflicts instead.',
				name: 'strategyNotice',
				type: 'notice',
				default: '',
				displayOptions: { show: { conflictStrategy: ['crmWins', 'fieldflowWins'] } },
			},
			{
				displayName: 'When a Linked Record Is Deleted',
				name: 'onDeleted',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Unlink (Keep the Other Record)', value: 'unlink' },
					{ name: 'Recreate It From the Other Side', value: 'recreate' },
					{ name: 'Delete the Other Record Too', value: 'deleteOther' },
				],
				default: 'unlink',
				description: 'A synced record that was deleted (or is no longer found) on one side',
			},
			{
				displayName: 'When a Linked Company or Deal Is Deleted',
				name: 'onMemberDeleted',
				type: 'options',
				noDataExpression: true,
				options: [
					{
						name: 'Recreate It From FieldFlow',
						value: 'recreate',
						description: "A new organization / company / Account or deal / Opportunity is created from the prospect's values and linked (a company of the same name is linked, not duplicated)",
					},
					{
						name: 'Unlink It (Keep the Prospect and Its Values)',
						value: 'unlink',
						description: 'The prospect keeps its Company Name, Status and Estimated Value; later changes do not create a new one',
					},
				],
				default: 'unlink',
				description:
					'Record groups (Linked Records on the Mapping node): a company or deal linked to a synced prospect that was deleted in the CRM (or is no longer linked to its person). Either way the prospect is kept and the sync log says what happened.',
				displayOptions: { show: { '@version': [{ _cnd: { gte: 1.2 } }] } },
			},
			{
				displayName: 'Add Missing Linked Records',
				name: 'addMissingMembers',
				type: 'boolean',
				default: false,
				description:
					"Whether to create a linked prospect's company and deal from its FieldFlow values when its link has none (the first run after Linked Records were added, or after upgrading from a version without them). The templates set it from Start Run, which knows. Off: a person the CRM keeps without a company or deal stays so until its values change.",
				displayOptions: { show: { '@version': [{ _cnd: { gte: 1.2 } }] } },
			},
			{
				displayName: 'Match By',
				name: 'matchBy',
				type: 'multiOptions',
				options: [
					{ name: 'Company + Contact Name', value: 'name', description: 'Same company and contact name (case, accents and punctuation ignored)' },
					{ name: 'Email', value: 'email', description: 'Same email address (case-insensitive)' },
					{ name: 'External ID', value: 'externalId', description: 'A CRM record carrying the FieldFlow ID (fieldflow_id), or a FieldFlow record carrying the CRM ID (crm_id)' },
				],
				default: ['externalId', 'email', 'name'],
				description: 'How records that are not linked yet are paired, in this order after the stored link (always first)',
			},
			{
				displayName: 'Preview (Write Nothing)',
				name: 'preview',
				type: 'boolean',
				default: false,
				description:
					'Whether to only plan: every record goes out on the output it would take as a preview item (what would be created, updated, deleted or held as a conflict, field by field); the write nodes pass it through without a call, Record Results sums it up with the API calls the writes would cost, and nothing is reserved, written or moved. The templates set it from Start Run\'s Preview option.',
			},
			{
				displayName: 'Preview Records',
				name: 'previewLimit',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 0,
				description: 'Show the first this many records in the preview (0 = all); the call forecast covers the records shown',
				displayOptions: { show: { preview: [true] } },
			},
			{
				displayName: 'Field mappings are set on the FieldFlow Mapping node before this one (Direction: FieldFlow ⇄ CRM): this node uses the rules the records were mapped with',
				name: 'mappingNotice',
				type: 'notice',
				default: '',
				displayOptions: { show: { '@version': [{ _cnd: { gte: 1.1 } }] } },
			},
			...mappingProperties.map((p) => ({ ...p, displayOptions: { ...p.displayOptions, show: { ...(p.displayOptions?.show ?? {}), '@version': [1] } } })),
			...storeProperties,
		],
	};

	methods = {
		loadOptions: { getFields },
		credentialTest: { fieldFlowCrmConnectionTest },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const crm = this.getNodeParameter('crm', 0) as CrmName;
		const object = this.getNodeParameter('object', 0) as string;
		const invalid: InputItem[] = [];
		const inputs = [readInput.call(this, 0, crm, object, invalid), readInput.call(this, 1, crm, object, invalid)];
		const eff = this.getNode().typeVersion >= 1.1 ? buildMapping(mappingOfRecords(this, crm, object)) : getEffectiveMapping.call(this, 0);
		const problems = mappingConfigProblems(eff);
		if (problems.length) {
			throw new NodeOperationError(this.getNode(), `The field mapping is not valid: ${describeErrors(problems)}`, {
				description: 'Fix the CRM Object / Custom Mappings / Status Value Map parameters on the FieldFlow Mapping node. Nothing was written.',
			});
		}
		const role = crmObjects(crm).find((o) => o.name === eff.object)?.role ?? 'person';
		const resource = role === 'activity' ? 'meetings' : 'prospects';
		const store = await getSyncStore.call(this, 0);
		const adapter = await getCrmAdapter.call(this, crm);
		let fieldflow: Awaited<ReturnType<typeof getFieldFlowClient>> | undefined;

		const preview = this.getNodeParameter('preview', 0, false) as boolean;
		let result: { routed: Routed[]; reserved?: string[] } | undefined;
		try {
			result = await (preview ? planRun : resolve)(
				inputs[0],
				inputs[1],
				{
					store,
					...crmLookups(adapter, eff),
					getFieldflowByIds: async (ids) => {
						fieldflow ??= await getFieldFlowClient.call(this);
						return (await fieldflow.getByIds<FieldFlowRecord>(resource, ids)) as Array<Record<string, unknown>>;
					},
				},
				{
					eff,
					role,
					direction: this.getNodeParameter('syncDirection', 0) as SyncDirection,
					strategy: this.getNodeParameter('conflictStrategy', 0) as ConflictStrategy,
					notFound: this.getNodeParameter('onDeleted', 0) as NotFoundPolicy,
					// Before 1.2: none (a member gone from the CRM only dropped out of the link).
					...(this.getNode().typeVersion >= 1.2
						? { onMemberDeleted: this.getNodeParameter('onMemberDeleted', 0, 'unlink') as MemberDeletedPolicy, addMissingMembers: this.getNodeParameter('addMissingMembers', 0, false) as boolean }
						: {}),
					matchBy: this.getNodeParameter('matchBy', 0, []) as MatchKey[],
					bulkMatch: BULK_MATCH_COST[crm],
				},
			);
			// Version 1 saved the links of matched pairs and the conflicts itself (saved workflows may
			// not send those outputs to Record Results); from 1.1 the commit does, with the rest of the run.
			if (!preview && this.getNode().typeVersion === 1) {
				const routedItems = result.routed.filter((r) => r.output === OUTPUT.conflict || r.output === OUTPUT.unchanged).map((r) => r.json);
				await commit(store, matchedOnly(planCommit(routedItems).batch));
			}
		} catch (error) {
			// Nothing is written for this run: give back the creates it reserved.
			const reserved = (result as { reserved?: string[] } | undefined)?.reserved ?? [];
			await releaseReservations(store, crm, eff.object, reserved);
			throw toNodeError(this.getNode(), error);
		}

		const outputs: INodeExecutionData[][] = [[], [], [], []];
		const invalidRoutes = await invalidItems(store, eff.crm, eff.object, invalid);
		const routed = preview ? toPreview([...result.routed, ...invalidRoutes], Number(this.getNodeParameter('previewLimit', 0, 0)) || 0) : [...result.routed, ...invalidRoutes];
		for (const r of routed) {
			outputs[r.output].push({ json: r.json as IDataObject, pairedItem: r.paired.map((p) => ({ item: p.item, input: p.input })) });
		}
		return outputs;
	}
}

/**
 * Records the Mapping node marked invalid (type checks failed): never resolved or written; they go
 * out on Unchanged as `invalid` items (with the link's other id when there is one) for Record
 * Results to queue as validation errors.
 */
async function invalidItems(store: SyncStore, crm: CrmName, object: string, invalid: InputItem[]): Promise<Routed[]> {
	if (!invalid.length) return [];
	const ffIds = invalid.filter((r) => r.record.side === 'fieldflow').map((r) => r.record.id);
	const crmIds = invalid.filter((r) => r.record.side === 'crm').map((r) => r.record.id);
	const links = await store.getLinks(crm, object, { fieldflowIds: ffIds, crmIds });
	const byFf = new Map(links.map((l) => [l.fieldflowId, l]));
	const byCrm = new Map(links.filter((l) => l.crmId).map((l) => [l.crmId!, l]));
	return invalid.map((r) => {
		const fromFf = r.record.side === 'fieldflow';
		const link = fromFf ? byFf.get(r.record.id) : byCrm.get(r.record.id);
		const meta: InvalidMeta = {
			kind: 'invalid',
			crm,
			object,
			side: r.record.side,
			fieldflowId: fromFf ? r.record.id : (link?.fieldflowId ?? null),
			crmId: fromFf ? (link?.crmId ?? null) : r.record.id,
			problem: r.invalid!,
		};
		return {
			output: OUTPUT.unchanged,
			json: { fieldflowId: meta.fieldflowId, crmId: meta.crmId, action: 'invalid', reason: meta.problem.message, [SYNC_KEY]: meta },
			paired: [{ item: r.item, input: r.input }],
		};
	});
}

/**
 * Version 1.1: the mapping settings the input records were mapped with (FieldFlow Mapping 1.1 puts
 * them on each record). All records must agree; with no record the defaults (nothing is written).
 */
function mappingOfRecords(ctx: IExecuteFunctions, crm: CrmName, object: string): MappingConfig {
	let found: { config: MappingConfig; where: string } | undefined;
	for (const input of [0, 1] as const) {
		let items: INodeExecutionData[] = [];
		try {
			items = ctx.getInputData(input) ?? [];
		} catch {
			continue;
		}
		items.forEach((item, i) => {
			const meta = readSync(item.json as Record<string, unknown>);
			if (meta?.kind !== 'record') return;
			const where = `${INPUT_LABELS[input]} input item ${i}`;
			if (!meta.mapping) {
				throw new NodeOperationError(ctx.getNode(), `${where} carries no mapping settings: it was mapped by a FieldFlow Mapping node older than 1.1`, {
					description: 'Replace the Mapping node(s) before this one with a new FieldFlow Mapping node (Direction: FieldFlow ⇄ CRM); this Conflict Resolver takes the mapping from it.',
					itemIndex: i,
				});
			}
			if (!found) found = { config: meta.mapping, where };
			else if (!isEqual(found.config, meta.mapping)) {
				throw new NodeOperationError(ctx.getNode(), `${where} was mapped with other mapping settings than ${found.where}`, {
					description: 'Map both sides with one FieldFlow Mapping node (Direction: FieldFlow ⇄ CRM), or give the Mapping nodes the same Custom Mappings and Status Value Map.',
					itemIndex: i,
				});
			}
		});
	}
	return found?.config ?? { crm, object, useDefaults: true, custom: [], statusOverrides: [] };
}

/** The sync records of one input (invalid ones into `invalid`); an item without `_sync` is a clear error. */
function readInput(this: IExecuteFunctions, input: 0 | 1, crm: CrmName, object: string, invalid: InputItem[]): InputRecord[] {
	let items: INodeExecutionData[];
	try {
		items = this.getInputData(input);
	} catch {
		return [];
	}
	const side = input === 0 ? 'fieldflow' : 'crm';
	const out: InputRecord[] = [];
	const seen = new Set<string>();
	for (let i = 0; i < (items ?? []).length; i++) {
		const json = items[i].json as Record<string, unknown>;
		if (!Object.keys(json).length) continue; // "Always Output Data" placeholder
		const meta = readSync(json);
		const where = `${INPUT_LABELS[input]} input item ${i}`;
		const mappingHint = `Put a FieldFlow Mapping node (Direction: ${input === 0 ? 'FieldFlow → CRM' : 'CRM → FieldFlow'}) before the ${INPUT_LABELS[input]} input.`;
		if (!meta || meta.kind !== 'record') {
			const what = json.error ? `is an error item ("${String(json.error).slice(0, 200)}")` : meta ? `carries a "${meta.kind}" sync item, not a record` : 'has no sync record (_sync)';
			throw new NodeOperationError(this.getNode(), `${where} ${what}`, { description: mappingHint, itemIndex: i });
		}
		const record = meta.record;
		if (record.side !== side) {
			throw new NodeOperationError(this.getNode(), `${where} is a ${record.side === 'crm' ? 'CRM' : 'FieldFlow'} record: connect it to the ${record.side === 'crm' ? 'CRM' : 'FieldFlow'} input`, {
				description: mappingHint,
				itemIndex: i,
			});
		}
		if (record.crm !== crm || record.object !== object) {
			throw new NodeOperationError(this.getNode(), `${where} was mapped for ${CRM_LABELS[record.crm] ?? record.crm} ${record.object}, but this node resolves ${CRM_LABELS[crm]} ${object}`, {
				description: 'Use the same CRM and CRM Object in the Mapping nodes and the Conflict Resolver.',
				itemIndex: i,
			});
		}
		if (seen.has(record.id)) continue; // the same record twice in one input: decide once
		seen.add(record.id);
		if (meta.invalid) invalid.push({ record, input, item: i, invalid: meta.invalid });
		else out.push({ record, input, item: i });
	}
	return out;
}
