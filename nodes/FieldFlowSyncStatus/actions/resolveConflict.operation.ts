import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { groupMembers, linkedObjectOf } from '../../shared/crm/group';
import { DEFAULT_VALUE_MAPS, defaultMappings } from '../../shared/mapping/defaults';
import { fieldflowPayload, mapToCrm } from '../../shared/mapping/engine';
import { SYNC_KEY, type WriteMeta } from '../../shared/sync/protocol';
import { show } from './common.descriptions';
import type { SyncStatusContext } from './node.type';

export const description: INodeProperties[] = [
	{
		displayName: 'Conflict ID',
		name: 'conflictId',
		type: 'number',
		required: true,
		default: 0,
		description: 'ID from Get Conflicts',
		displayOptions: show('resolveConflict'),
	},
	{
		displayName: 'Keep Values From',
		name: 'side',
		type: 'options',
		options: [
			{ name: 'FieldFlow', value: 'fieldflow', description: 'Write FieldFlow\'s values to the CRM' },
			{ name: 'CRM', value: 'crm', description: 'Write the CRM\'s values to FieldFlow' },
		],
		default: 'fieldflow',
		displayOptions: show('resolveConflict'),
	},
	{
		displayName:
			'The output item is a sync write for the other side: FieldFlow → connect to FieldFlow CRM "Create or Update" (CRM fields from the default mapping); CRM → connect to FieldFlow Prospect "Create or Update". Then Record Results stores the new baseline.',
		name: 'resolveNotice',
		type: 'notice',
		default: '',
		displayOptions: show('resolveConflict'),
	},
];

/** Resolve Conflict: keep one side's values and output the write for the other side (Record Results stores the new baseline). */
export async function execute(this: IExecuteFunctions, { store, crm }: SyncStatusContext): Promise<INodeExecutionData[]> {
	const id = Number(this.getNodeParameter('conflictId', 0));
	const side = this.getNodeParameter('side', 0) as 'fieldflow' | 'crm';
	const open = (await store.listConflicts({ crm })).find((c) => c.id === id);
	const conflict = open ? await store.resolveConflict(id, side) : null;
	if (!conflict) {
		throw new NodeOperationError(this.getNode(), `Conflict ${id} is not open for ${crm}`, {
			description: 'It does not exist, belongs to another CRM or was already resolved: list open conflicts with Get Conflicts',
		});
	}
	const chosen: Record<string, unknown> = {};
	for (const f of conflict.fields) chosen[f.field] = side === 'fieldflow' ? f.fieldflow : f.crm;
	const [link] = await store.getLinks(conflict.crm, conflict.object, { fieldflowIds: [conflict.fieldflowId] });
	const baseline = { ...(link?.baseline ?? {}), ...chosen };
	const target = side === 'fieldflow' ? 'crm' : 'fieldflow';
	const write: WriteMeta = {
		kind: 'write',
		target,
		action: target === 'crm' ? 'updateCrm' : 'updateFieldflow',
		crm: conflict.crm,
		object: conflict.object,
		fieldflowId: conflict.fieldflowId,
		crmId: link?.crmId ?? conflict.crmId,
		baseline,
		fields: chosen,
		reason: `Conflict ${conflict.id} resolved: ${side === 'fieldflow' ? 'FieldFlow' : 'CRM'} values kept`,
		// A record group: the member records the link names (the write updates them, never creates others).
		...(link?.members && Object.keys(link.members).length ? { members: link.members } : {}),
	};
	let payload: Record<string, unknown>;
	if (target === 'fieldflow') {
		payload = fieldflowPayload(chosen);
	} else {
		// A Salesforce Lead converted since (the link names its Contact): the Contact group's fields.
		const crmObject = linkedObjectOf(conflict.crm, conflict.object, write.crmId);
		const rules = crmObject === conflict.object ? defaultMappings(conflict.crm, conflict.object) : defaultMappings(conflict.crm, crmObject, groupMembers(conflict.crm, conflict.object));
		payload = mapToCrm(chosen, rules, DEFAULT_VALUE_MAPS, { id: conflict.fieldflowId }).fields;
	}
	await store.log([
		{ time: new Date().toISOString(), crm: conflict.crm, direction: 'none', recordType: conflict.object, fieldflowId: conflict.fieldflowId, crmId: conflict.crmId, status: 'skipped', action: 'conflictResolved', message: write.reason },
	]);
	return [{ json: { ...(payload as IDataObject), [SYNC_KEY]: write as unknown as IDataObject }, pairedItem: { item: 0 } }];
}
