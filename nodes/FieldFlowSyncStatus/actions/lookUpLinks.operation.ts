import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { liveMembers } from '../../shared/crm/group/detached';
import { linkedObjectOf } from '../../shared/crm/group/convert';
import { show } from './common.descriptions';
import { objectParam } from './common';
import type { SyncStatusContext } from './node.type';

export const description: INodeProperties[] = [
	{
		displayName: 'Prospect ID',
		name: 'prospectId',
		type: 'string',
		default: '={{ $json.prospect_id }}',
		description: 'The FieldFlow prospect ID of each item (e.g. a meeting\'s or summary\'s prospect_id). All items are looked up in one store call.',
		displayOptions: show('lookUpLinks'),
	},
	{
		displayName: 'If Not Linked',
		name: 'ifNotLinked',
		type: 'options',
		options: [
			{ name: 'Error for the Item', value: 'error', description: 'Fail the item (with On Error → Continue it is output with an error message)' },
			{ name: 'Output Without CRM ID', value: 'passThrough', description: 'Output the item with linked: false and crmId: null (route it with an If node)' },
			{ name: 'Skip the Item', value: 'skip', description: 'Leave the item out' },
		],
		default: 'error',
		description: 'What to do with items whose prospect is not linked to a CRM record yet (not synced, or its sync failed)',
		displayOptions: show('lookUpLinks'),
	},
];

/**
 * Look Up Links: each input item plus the CRM record its FieldFlow prospect is linked to
 * (`crmId`, `crmObject`, `linked`) and the member records of its record group (`crmMembers`, e.g.
 * `{ organizations: '12', deals: '40' }`; `{}` for a prospect synced alone), from one store call
 * for all items (the links come with their members) — so meetings and summaries can be logged on
 * the right CRM record and linked to its company and deal too. A Salesforce Lead converted since
 * (the link names its Contact): `crmObject` is 'Contact'.
 */
export async function execute(this: IExecuteFunctions, { store, crm, items }: SyncStatusContext): Promise<INodeExecutionData[]> {
	const object = objectParam.call(this);
	const mode = this.getNodeParameter('ifNotLinked', 0, 'error') as 'error' | 'passThrough' | 'skip';
	const ids = items.map((_, i) => String(this.getNodeParameter('prospectId', i, '') ?? '').trim());
	const wanted = [...new Set(ids.filter(Boolean))];
	const links = wanted.length ? await store.getLinks(crm, object, { fieldflowIds: wanted }) : [];
	const byId = new Map(links.filter((l) => l.crmId).map((l) => [l.fieldflowId, l]));
	const out: INodeExecutionData[] = [];
	items.forEach((item, i) => {
		const id = ids[i];
		const link = id ? byId.get(id) : undefined;
		if (link) {
			out.push({ json: { ...item.json, crmId: link.crmId, crmObject: linkedObjectOf(crm, object, link.crmId), crmMembers: liveMembers(link.members), linked: true, linkStatus: link.status }, pairedItem: { item: i } });
			return;
		}
		const reason = id
			? `Prospect ${id} is not linked to a ${crm} ${object} record yet: sync the prospect first (or check its error in the queue)`
			: 'The item has no FieldFlow prospect ID (check the Prospect ID parameter)';
		if (mode === 'skip') return;
		if (mode === 'passThrough') {
			out.push({ json: { ...item.json, crmId: null, crmObject: object, crmMembers: {}, linked: false, notLinkedReason: reason }, pairedItem: { item: i } });
			return;
		}
		if (this.continueOnFail()) {
			out.push({ json: { ...item.json, crmId: null, crmObject: object, crmMembers: {}, linked: false, error: reason }, pairedItem: { item: i } });
			return;
		}
		throw new NodeOperationError(this.getNode(), reason, { itemIndex: i, description: 'Set "If Not Linked" to output or skip such items instead' });
	});
	return out;
}
