import type { IDataObject, INodeExecutionData, INodeType, INodeTypeDescription, IPollFunctions } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import type { FieldFlowRecord, FieldFlowResource } from '../shared/fieldflow/client';
import { getFieldFlowClient } from '../n8nSide/transport/fieldflow';
import { toNodeError } from '../n8nSide/errors';

type Event = 'prospectChanged' | 'meetingCompleted' | 'summaryCreated';

const EVENT_RESOURCE: Record<Event, FieldFlowResource> = {
	prospectChanged: 'prospects',
	meetingCompleted: 'meetings',
	summaryCreated: 'meeting-summaries',
};

/** Records changed within this window before the last poll are read again (clock skew, slow commits). */
const OVERLAP_MS = 60_000;

/**
 * Polls FieldFlow for new or updated prospects, completed meetings or new AI summaries: the
 * guide's "real-time: changes sync within minutes". The position is kept in the workflow's static
 * data (what n8n persists between polls), with ids seen at the boundary so nothing is emitted twice.
 */
export class FieldFlowTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'FieldFlow Trigger',
		name: 'fieldFlowTrigger',
		icon: { light: 'file:fieldflow.svg', dark: 'file:fieldflow.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["event"]}}',
		// n8n's node picker merges this trigger into the FieldFlow node's entry and shows this description
		// there (useActionsGeneration: "default to trigger description"), so it describes both.
		description: 'Read and write FieldFlow prospects, meetings and AI meeting summaries, or start a workflow when they change',
		defaults: { name: 'FieldFlow Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'fieldFlowApi', required: true }],
		properties: [
			{
				displayName: 'Event',
				name: 'event',
				type: 'options',
				options: [
					{ name: 'Meeting Completed', value: 'meetingCompleted', description: 'A meeting was marked completed (or changed after completion)' },
					{ name: 'Meeting Summary Created or Updated', value: 'summaryCreated', description: 'An AI meeting summary was generated or edited' },
					{ name: 'Prospect Created or Updated', value: 'prospectChanged' },
				],
				default: 'prospectChanged',
			},
			{
				displayName: 'Include Deleted Prospects',
				name: 'includeDeleted',
				type: 'boolean',
				default: false,
				description: 'Whether deleted prospects trigger too (they carry a deleted_at time)',
				displayOptions: { show: { event: ['prospectChanged'] } },
			},
		],
	};

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const event = this.getNodeParameter('event') as Event;
		const includeDeleted = this.getNodeParameter('includeDeleted', false) as boolean;
		const state = this.getWorkflowStaticData('node') as { since?: string; seen?: string[]; event?: string };
		const manual = this.getMode() === 'manual';
		if (state.event !== event) {
			// New trigger or a changed event: start from now (a manual test shows the last day).
			state.since = undefined;
			state.seen = [];
			state.event = event;
		}
		const pollStarted = new Date();
		const since = state.since ?? new Date(pollStarted.getTime() - (manual ? 86_400_000 : 0)).toISOString();
		const client = await getFieldFlowClient.call(this);
		const records: FieldFlowRecord[] = [];
		try {
			for await (const page of client.pages(EVENT_RESOURCE[event], {
				updatedSince: new Date(Date.parse(since) - OVERLAP_MS).toISOString(),
				includeDeleted: event === 'prospectChanged' && includeDeleted,
				filters: event === 'meetingCompleted' ? { status: 'completed' } : undefined,
			})) {
				records.push(...page.data);
				if (manual && records.length >= 50) break;
			}
		} catch (error) {
			throw toNodeError(this.getNode(), error);
		}
		// Emit each version of a record once: key = id + updated_at.
		const seen = new Set(state.seen ?? []);
		const fresh = records.filter((r) => !seen.has(`${r.id}@${r.updated_at}`));
		if (!manual) {
			// The next poll re-reads from (this poll's start − overlap): remember what it will see again.
			const boundary = pollStarted.getTime() - OVERLAP_MS;
			state.since = pollStarted.toISOString();
			state.seen = records.filter((r) => Date.parse(r.updated_at) >= boundary).map((r) => `${r.id}@${r.updated_at}`);
		}
		if (!fresh.length) return null;
		return [fresh.map((json) => ({ json: json as IDataObject }))];
	}
}
