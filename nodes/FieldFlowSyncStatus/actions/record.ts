/**
 * Record Results: the commit phase of a sync run (nodes/shared/sync/commit.ts) — the write
 * outcomes and the Conflict Resolver's Conflict and Unchanged items become store state in one
 * transaction — then FieldFlow's per-prospect sync badges, and the run's counts. A preview run's
 * items are only summed up (nodes/shared/sync/preview.ts): nothing is written.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import type { FieldFlowClient } from '../../shared/fieldflow/client';
import type { SyncStore } from '../../shared/store';
import { commit, lastBadges, planCommit, summarize } from '../../shared/sync/commit';
import { isPreview, previewSummary } from '../../shared/sync/preview';
import { addHints, failedRecord, recordedFailuresHint } from '../../n8nSide/hints';

export async function recordResults(
	this: IExecuteFunctions,
	store: SyncStore,
	items: INodeExecutionData[],
	client: FieldFlowClient | undefined,
): Promise<INodeExecutionData[]> {
	if (items.some((item) => isPreview(item.json))) {
		// A preview run: nothing is recorded, the planned items are summed up with the call forecast.
		return [{ json: previewSummary(
				items.map((item) => item.json),
				{ badges: !!client },
			) as unknown as IDataObject, pairedItem: items.map((_, i) => ({ item: i })) }];
	}
	const options = this.getNodeParameter('recordOptions', 0, {}) as IDataObject;
	const now = new Date().toISOString();
	const planned = planCommit(
		items.map((item) => item.json),
		{ now, logUnchanged: options.logUnchanged === true },
	);
	await commit(store, planned.batch);

	if (client) {
		for (const b of lastBadges(planned.badges)) {
			try {
				await client.setCrmSync(b.fieldflowId, b.crm, { status: b.status, crm_record_id: b.crmId ?? null, message: b.message ?? null, synced_at: now });
			} catch {
				// A badge is cosmetic: never fail the bookkeeping for it (e.g. a prospect deleted meanwhile).
			}
		}
	}

	const failed = planned.results.filter((r) => r.status === 'error');
	if (failed.length) {
		const total = planned.results.filter((r) => r.status !== 'ignored').length;
		addHints.call(this, recordedFailuresHint({ total, failed: failed.map((r) => failedRecord(items[r.item].json, { ids: [r.fieldflowId, r.crmId], error: r.message ?? 'Failed', hint: r.hint })) }));
	}
	const summary = summarize(planned, items.length, now) as unknown as IDataObject;
	if (options.includeResults === true) summary.results = planned.results as unknown as IDataObject[];
	return [{ json: summary, pairedItem: items.map((_, i) => ({ item: i })) }];
}
