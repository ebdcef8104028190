import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { ERROR_HINTS, type ErrorKind } from '../../shared/errors';
import type { StoredError } from '../../shared/store';
import { show } from './common.descriptions';
import type { SyncStatusContext } from './node.type';

export const description: INodeProperties[] = [
	{
		displayName: 'Options',
		name: 'errorOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: show('getErrors'),
		options: [
			{
				displayName: 'Error Kind',
				name: 'kind',
				type: 'options',
				options: [
					{ name: 'Auth Expired', value: 'auth_expired' },
					{ name: 'Field Validation', value: 'validation' },
					{ name: 'Rate Limit', value: 'rate_limit' },
					{ name: 'Record Not Found', value: 'not_found' },
					{ name: 'Temporary Failure', value: 'transient' },
					{ name: 'Unknown', value: 'unknown' },
				],
				default: 'validation',
				description: 'Only errors of this kind',
			},
			{ displayName: 'Include Payload', name: 'includePayload', type: 'boolean', default: false, description: 'Whether to output the stored item that Retry will send again' },
			{ displayName: 'Include Resolved', name: 'includeResolved', type: 'boolean', default: false, description: 'Whether to list errors already resolved too' },
		],
	},
];

function errorJson(e: StoredError, includePayload: boolean): IDataObject {
	const out: IDataObject = {
		id: e.id,
		crm: e.crm,
		object: e.object,
		direction: e.direction,
		fieldflowId: e.fieldflowId ?? null,
		crmId: e.crmId ?? null,
		recordName: e.recordName ?? null,
		recordCompany: e.recordCompany ?? null,
		kind: e.kind,
		hint: ERROR_HINTS[e.kind] ?? ERROR_HINTS.unknown,
		message: e.message,
		attempts: e.attempts,
		state: e.state,
		createdAt: e.createdAt,
		updatedAt: e.updatedAt,
		resolvedAt: e.resolvedAt ?? null,
	};
	if (includePayload) out.payload = e.payload as IDataObject;
	return out;
}

/** Get Errors: one item per queued error of this CRM, with what to do about it. */
export async function execute(this: IExecuteFunctions, { store, crm }: SyncStatusContext): Promise<INodeExecutionData[]> {
	const o = this.getNodeParameter('errorOptions', 0, {}) as IDataObject;
	const list = await store.listErrors({ crm, kind: (o.kind as ErrorKind) || undefined, includeResolved: o.includeResolved === true });
	return list.map((e) => ({ json: errorJson(e, o.includePayload === true), pairedItem: { item: 0 } }));
}
