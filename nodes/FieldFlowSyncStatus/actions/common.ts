import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import type { CrmName } from '../../shared/crm/types';
import type { SyncStore } from '../../shared/store';

export const CRM_LABELS: Record<string, string> = { salesforce: 'Salesforce', hubspot: 'HubSpot', pipedrive: 'Pipedrive' };

export function toIso(this: IExecuteFunctions, value: unknown, what: string): string {
	const t = value instanceof Date ? value.getTime() : Date.parse(String(value ?? ''));
	if (!Number.isFinite(t)) {
		throw new NodeOperationError(this.getNode(), `${what} "${String(value)}" is not a date and time`, { description: 'Use an ISO 8601 time such as 2026-11-24T09:00:00Z' });
	}
	return new Date(t).toISOString();
}

export function objectParam(this: IExecuteFunctions): string {
	const object = String(this.getNodeParameter('object', 0, '') ?? '').trim();
	if (!object) throw new NodeOperationError(this.getNode(), 'Record Type is empty', { description: 'Set the CRM object this run covers, e.g. Lead, contacts or persons' });
	return object;
}

export const cursorKeys = (object: string) => ({ fieldflow: `fieldflow:${object}`, crm: `crm:${object}`, linked: `linked:${object}` });

/**
 * The Linked Records of a run's object, as the store keeps them between runs: `<members>` while
 * the first run with them is under way, `<members>|done` once a run with them finished. A run
 * whose Linked Records are new reads the whole CRM side (every person gets its organization and
 * deal, also those that did not change), so links made before record groups are filled in.
 */
export const linkedMarker = (members: string[], done: boolean) => `${[...members].sort().join(',')}${done ? '|done' : ''}`;

/** Disconnect / Reconnect: stop or resume syncing with the CRM; links, logs and data are kept. */
export async function setConnection(this: IExecuteFunctions, store: SyncStore, crm: CrmName, connected: boolean): Promise<INodeExecutionData[]> {
	await store.setConnected(crm, connected);
	const time = new Date().toISOString();
	await store.log([{ time, crm, direction: 'none', recordType: 'connection', status: 'skipped', action: connected ? 'reconnect' : 'disconnect', message: connected ? 'Reconnected: syncing resumes' : 'Disconnected: no new syncing; links and data kept' }]);
	const s = await store.summary(crm);
	return [
		{
			json: {
				crm,
				connected,
				changedAt: time,
				linksKept: Object.values(s.syncedByType).reduce((a, b) => a + b, 0) + s.pending,
				openErrors: s.errors,
				openConflicts: s.conflicts,
			},
			pairedItem: { item: 0 },
		},
	];
}
