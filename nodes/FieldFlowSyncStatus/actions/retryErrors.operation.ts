import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { SYNC_KEY, readSync, type WriteMeta } from '../../shared/sync/protocol';
import type { LogEntry } from '../../shared/sync/types';
import { show } from './common.descriptions';
import type { SyncStatusContext } from './node.type';

export const description: INodeProperties[] = [
	{
		displayName: 'Error IDs',
		name: 'errorIds',
		type: 'string',
		default: '',
		placeholder: '12, 15',
		description: 'Queued errors to retry (comma-separated or an expression returning an array). Empty = every open error of this CRM.',
		displayOptions: show('retryErrors'),
	},
	{
		displayName: 'Record Not Found',
		name: 'notFound',
		type: 'options',
		options: [
			{ name: 'Recreate', value: 'recreate', description: 'Turn the update into a create on the side where the record was deleted' },
			{ name: 'Unlink', value: 'unlink', description: 'Remove the link and resolve the error; nothing is written' },
		],
		default: 'unlink',
		description: 'What to do with errors whose record was deleted on the other side',
		displayOptions: show('retryErrors'),
	},
	{
		displayName: 'Options',
		name: 'retryOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: show('retryErrors'),
		options: [
			{
				displayName: 'Include Auth Errors',
				name: 'includeAuth',
				type: 'boolean',
				default: false,
				description: 'Whether to retry "auth expired" errors too: turn on after reconnecting the credential, or they fail again',
			},
			{ displayName: 'Limit', name: 'limit', type: 'number', typeOptions: { minValue: 1 }, default: 50, description: 'Max number of results to return' },
		],
	},
	{
		displayName:
			'Connect the output to the same write node the original item went through (FieldFlow CRM "Create or Update" or FieldFlow Prospect "Create or Update"), then to Record Results: a success resolves the queued error, a failure re-queues it with one more attempt.',
		name: 'retryNotice',
		type: 'notice',
		default: '',
		displayOptions: show('retryErrors'),
	},
];

function idList(value: unknown): number[] {
	const list = Array.isArray(value) ? value : String(value ?? '').split(',');
	return list.map((v) => Number(String(v ?? '').trim())).filter((n) => Number.isInteger(n) && n > 0);
}

/** Retry Errors: the queued failed writes again, marked for the write path (records deleted on the other side: unlink or recreate). */
export async function execute(this: IExecuteFunctions, { store, crm }: SyncStatusContext): Promise<INodeExecutionData[]> {
	const raw = this.getNodeParameter('errorIds', 0, '') as unknown;
	const ids = idList(raw);
	if (String(raw ?? '').trim() && !ids.length && !Array.isArray(raw)) {
		throw new NodeOperationError(this.getNode(), `Error IDs "${String(raw)}" holds no valid ID`, { description: 'Use numbers from Get Errors, comma-separated' });
	}
	const notFound = this.getNodeParameter('notFound', 0, 'unlink') as 'unlink' | 'recreate';
	const o = this.getNodeParameter('retryOptions', 0, {}) as IDataObject;
	const limit = Number(o.limit ?? 50) || 50;

	const open = await store.listErrors({ crm });
	const wanted = open
		.filter((e) => e.state === 'open' || e.state === 'retrying')
		.filter((e) => !ids.length || ids.includes(e.id))
		.filter((e) => o.includeAuth === true || e.kind !== 'auth_expired')
		// Invalid data was never sent: resending cannot help. The next sync run writes the record once
		// it is fixed (and resolves this error).
		.filter((e) => readSync((e.payload ?? {}) as Record<string, unknown>)?.kind !== 'invalid')
		.slice(0, limit);
	const taken = wanted.length ? await store.takeErrorsForRetry(wanted.map((e) => e.id), { crm }) : [];

	const out: INodeExecutionData[] = [];
	const unlinkResolved: number[] = [];
	const logs: LogEntry[] = [];
	const now = new Date().toISOString();
	for (const e of taken) {
		const payload = { ...(e.payload as IDataObject) };
		const meta = readSync(payload);
		if (meta?.kind !== 'write') {
			out.push({ json: { ...payload, errorId: e.id, attempts: e.attempts }, pairedItem: { item: 0 } });
			continue;
		}
		let write: WriteMeta = { ...meta, attempts: e.attempts, errorId: e.id };
		if (e.kind === 'not_found' && (write.action === 'updateCrm' || write.action === 'updateFieldflow')) {
			if (notFound === 'unlink') {
				if (write.fieldflowId) await store.removeLink(write.crm, write.object, write.fieldflowId);
				unlinkResolved.push(e.id);
				logs.push({ time: now, crm: write.crm, direction: 'none', recordType: write.object, fieldflowId: write.fieldflowId, crmId: write.crmId, status: 'skipped', action: 'unlink', message: `Record not found on retry of error ${e.id}: link removed` });
				continue;
			}
			if (write.action === 'updateCrm') {
				write = { ...write, action: 'createInCrm', crmId: null, reason: `${write.reason} (recreated: the CRM record was not found)` };
			} else {
				// The FieldFlow record is gone: its link (keyed by the old FieldFlow id) goes too, the create makes a new one.
				if (write.fieldflowId) await store.removeLink(write.crm, write.object, write.fieldflowId);
				write = { ...write, action: 'createInFieldflow', fieldflowId: null, reason: `${write.reason} (recreated: the FieldFlow record was not found)` };
			}
			delete payload.id;
		}
		out.push({ json: { ...payload, [SYNC_KEY]: write as unknown as IDataObject }, pairedItem: { item: 0 } });
	}
	await store.resolveErrors(unlinkResolved);
	await store.log(logs);
	return out;
}
