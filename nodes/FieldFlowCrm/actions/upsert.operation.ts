import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import type { WriteInput } from '../../shared/crm/types';
import type { SyncError } from '../../shared/errors';
import { failedOutcome, readSync, SYNC_KEY, withOutcome } from '../../shared/sync/protocol';
import { recordError, toNodeError } from '../../n8nSide/errors';
import { addHints, failedRecord, recordLabel, writeFailuresHint } from '../../n8nSide/hints';
import { CRM_LABELS } from '../../shared/crm';
import { crmIdLocator, show } from './common.descriptions';
import { deleteGrouped, groupOfItem, str, writeError, writeGrouped, type Pending } from './common';
import { writeGroups } from '../../shared/crm/group';
import { linkedObjectsOf, linkedObjectsProperty } from '../../n8nSide/properties/crm';
import { membersCarried } from '../../shared/crm/group';
import type { CrmContext } from './node.type';

export const description: INodeProperties[] = [
	{
		displayName: 'Fields to Send',
		name: 'fieldsToSend',
		type: 'options',
		options: [
			{
				name: 'Auto-Map Input Data to Fields',
				value: 'autoMapInputData',
				description: 'Send every field of the input item; its keys must be CRM field names',
			},
			{ name: 'Define Below for Each Field', value: 'defineBelow', description: 'Pick the CRM fields and set their values' },
		],
		default: 'autoMapInputData',
		displayOptions: show('upsert'),
	},
	{
		displayName: 'Input Fields to Ignore',
		name: 'inputsToIgnore',
		type: 'string',
		default: '',
		placeholder: 'e.g. ID, fieldflow_id',
		description: 'Comma-separated input fields that are not sent to the CRM',
		displayOptions: { show: { operation: ['upsert'], fieldsToSend: ['autoMapInputData'] } },
	},
	{
		displayName: 'Fields',
		name: 'fieldValues',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		placeholder: 'Add field',
		default: {},
		displayOptions: { show: { operation: ['upsert'], fieldsToSend: ['defineBelow'] } },
		options: [
			{
				displayName: 'Field',
				name: 'values',
				values: [
					{
						displayName: 'Field Name or ID',
						name: 'fieldId',
						type: 'options',
						typeOptions: { loadOptionsMethod: 'getWritableFields', loadOptionsDependsOn: ['crm', 'object'] },
						default: '',
						description:
							'Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>',
					},
					{ displayName: 'Field Value', name: 'fieldValue', type: 'string', default: '' },
				],
			},
		],
	},
	{
		...crmIdLocator('The record to update. Leave empty to create a record (or to match it by Upsert By); sync items from the Conflict Resolver carry their own.', false),
		displayOptions: show('upsert'),
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		displayOptions: show('upsert'),
		options: [
			{
				displayName: 'Upsert By',
				name: 'idProperty',
				type: 'string',
				default: '',
				placeholder: 'email',
				description:
					'Unique field that matches existing records when no CRM ID is given: a Salesforce external ID field, a HubSpot unique property (e.g. email), or Pipedrive email (persons) / name (organizations)',
			},
			linkedObjectsProperty({
				hint: 'Input fields named <object>.<field> (organizations.name, deals.value) go to the linked record: companies first (found by name or created once), then the person, then its deal',
			}),
		],
	},
];

/**
 * Upsert: every input item becomes one WriteInput; the adapter writes them in the vendor's
 * largest batches (Salesforce 200 per collections call, HubSpot 100 per batch call, Pipedrive one
 * call per record). Deletes from the Conflict Resolver go in batches too. One output item per
 * input item, in input order.
 */
export async function execute(this: IExecuteFunctions, { adapter, crm, items }: CrmContext): Promise<INodeExecutionData[]> {
	const out: INodeExecutionData[] = new Array(items.length);
	const { pending, deletes } = collect.call(this, items, out);
	const failures: Array<{ p: Pending; error: SyncError }> = [];
	const options = this.getNodeParameter('options', 0, {}) as IDataObject;
	const idProperty = str(options.idProperty);
	const results = await writeGrouped(pending, (object, inputs) => {
		// A record group: the members in dependency order (see crm/group/write.ts). Items that carry
		// member fields (`deals.value`: no CRM field name has a dot) are a group's write even without
		// the option (a queued write sent again by Retry).
		const group = groupOfItem.call(this, crm, object, { ...options, linkedObjects: [...linkedObjectsOf(options.linkedObjects), ...membersCarried(crm, object, inputs)] });
		return group ? writeGroups(adapter, group, inputs) : adapter.upsert(object, inputs, idProperty ? { idProperty } : {});
	});
	for (const p of pending) {
		const r = results.get(p.i);
		const members = r?.members && Object.keys(r.members).length ? { members: r.members } : {};
		if (r?.success) {
			out[p.i] = { json: withOutcome(items[p.i].json, { id: r.id ?? null, created: r.created ?? false, success: true, ...members }) as IDataObject, pairedItem: { item: p.i } };
			continue;
		}
		const error = writeError(r, p.input.ref);
		failures.push({ p, error });
		// A group whose person was written before a member failed keeps its id: a retry updates it.
		out[p.i] = { json: withOutcome(items[p.i].json, { ...failedOutcome(p.input.id ?? r?.id, error), ...members }) as IDataObject, pairedItem: { item: p.i } };
	}
	const deleted = await deleteGrouped(adapter, deletes);
	for (const p of deletes) {
		const r = deleted.get(p.i);
		if (r?.success) {
			out[p.i] = { json: withOutcome(items[p.i].json, { id: p.input.id ?? null, created: false, deleted: true, success: true }) as IDataObject, pairedItem: { item: p.i } };
			continue;
		}
		const error = writeError(r, p.input.id);
		failures.push({ p, error });
		out[p.i] = { json: withOutcome(items[p.i].json, { ...failedOutcome(p.input.id, error), deleted: false }) as IDataObject, pairedItem: { item: p.i } };
	}
	if (failures.length && !this.continueOnFail()) {
		const { p, error } = failures[0];
		throw recordError(this.getNode(), crm, p.object, error, p.i, describeRecord(p.input));
	}
	if (failures.length) {
		// On Error → Continue (the sync templates): the run goes on, and the editor says which records the CRM rejected.
		failures.sort((a, b) => a.p.i - b.p.i);
		const failed = failures.map(({ p }) => failedRecord(out[p.i].json));
		addHints.call(this, writeFailuresHint({ system: CRM_LABELS[crm], total: pending.length + deletes.length, failed, sync: failures.some(({ p }) => readSync(items[p.i].json)?.kind === 'write') }));
	}
	return out;
}

/** The writes of the items (upserts, and deletes from the Conflict Resolver); items that fail here get their output (continueOnFail). */
function collect(this: IExecuteFunctions, items: INodeExecutionData[], out: INodeExecutionData[]): { pending: Pending[]; deletes: Pending[] } {
	const pending: Pending[] = [];
	const deletes: Pending[] = [];
	for (let i = 0; i < items.length; i++) {
		try {
			const object = this.getNodeParameter('object', i) as string;
			// Items from the Conflict Resolver's "To CRM" output carry the CRM id and action in `_sync`.
			const meta = readSync(items[i].json);
			if (meta?.kind === 'preview') {
				out[i] = { json: items[i].json, pairedItem: { item: i } }; // a preview: shown, never written
				continue;
			}
			const write = meta?.kind === 'write' && meta.target === 'crm' ? meta : undefined;
			const id = String(this.getNodeParameter('crmId', i, '', { extractValue: true }) ?? '').trim() || write?.crmId || undefined;
			if (write?.action === 'deleteInCrm') {
				if (!id) throw new NodeOperationError(this.getNode(), 'A delete from the Conflict Resolver has no CRM ID', { itemIndex: i });
				deletes.push({ i, object, input: { ref: String(i), id, fields: {} } });
				continue;
			}
			const input: WriteInput = { ref: String(i), id, fields: fieldsOf.call(this, items[i], i) };
			if (write?.members) input.members = write.members;
			pending.push({ i, object, input });
		} catch (error) {
			if (!this.continueOnFail()) throw toNodeError(this.getNode(), error, i);
			out[i] = { json: withOutcome(items[i].json, failedOutcome(null, error)) as IDataObject, pairedItem: { item: i } };
		}
	}
	return { pending, deletes };
}

/** The fields an item sends: its whole JSON (minus ignored keys) or the fields defined in the node. */
function fieldsOf(this: IExecuteFunctions, item: INodeExecutionData, i: number): Record<string, unknown> {
	const mode = this.getNodeParameter('fieldsToSend', i, 'autoMapInputData') as string;
	if (mode === 'defineBelow') {
		const rows = ((this.getNodeParameter('fieldValues', i, {}) as IDataObject).values ?? []) as Array<{ fieldId?: string; fieldValue?: unknown }>;
		const fields: Record<string, unknown> = {};
		for (const row of rows) {
			const name = String(row.fieldId ?? '').trim();
			if (name) fields[name] = row.fieldValue;
		}
		if (!Object.keys(fields).length) throw new NodeOperationError(this.getNode(), 'No fields to send', { itemIndex: i, description: 'Add at least one field under Fields' });
		return fields;
	}
	const ignore = new Set(
		String(this.getNodeParameter('inputsToIgnore', i, '') ?? '')
			.split(',')
			.map((s) => s.trim())
			.filter(Boolean),
	);
	// `_sync` is sync bookkeeping between our nodes, never a CRM field.
	ignore.add(SYNC_KEY);
	const fields: Record<string, unknown> = {};
	for (const [k, v] of Object.entries(item.json)) if (!ignore.has(k)) fields[k] = v;
	if (!Object.keys(fields).length) throw new NodeOperationError(this.getNode(), 'The input item has no fields to send', { itemIndex: i });
	return fields;
}

/** A short name for a record in error messages: its id, else what names it (name, company, email). */
function describeRecord(input: WriteInput): string {
	if (input.id) return `record ${input.id}`;
	const label = recordLabel(input.fields);
	return label ? `new record "${label.slice(0, 80)}"` : 'new record';
}
