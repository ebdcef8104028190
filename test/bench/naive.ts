/**
 * The naive baseline: the call pattern of a workflow built from n8n's native per-item CRM steps
 * (FieldFlow "Get Many" → for each prospect: the CRM node's "search by email" → "create"), which is
 * one look-up and one single-record write per prospect.
 *
 * Run directly from the bench process (not through n8n) with the package's own adapters, each call
 * given one record: `findDuplicates` with the email only (Salesforce: one SOQL query; HubSpot: one
 * search; Pipedrive: one persons search) and `upsert` of one record (one API call on every CRM:
 * Salesforce sObject create, HubSpot create, Pipedrive POST /persons). Same sandboxes, same per-call
 * latency, same throttle setting as the n8n runs. The FieldFlow read is paged (200 per call), as the
 * native FieldFlow node would do it.
 */
import { createAdapter } from '../../nodes/shared/crm';
import { FieldFlowClient } from '../../nodes/shared/fieldflow/client';
import { buildMapping } from '../../nodes/shared/mapping/effective';
import { mapFieldflowRecord } from '../../nodes/shared/mapping/records';
import { sandboxRateOverride } from '../../nodes/n8nSide/transport/crm';
import { sandboxCredentials, type Sandboxes } from '../sandboxes';
import { CRM_OBJECT, type BenchCrm } from './workflow';

const CRED_TYPE: Record<BenchCrm, string> = { salesforce: 'fieldFlowSalesforceApi', hubspot: 'fieldFlowHubSpotApi', pipedrive: 'fieldFlowPipedriveApi' };

export async function naiveSync(sb: Sandboxes, crm: BenchCrm, env: Record<string, string | undefined>): Promise<{ wallMs: number; created: number; failed: number }> {
	const creds = sandboxCredentials(sb);
	const data = creds.find((c) => c.type === CRED_TYPE[crm])!.data;
	const adapter = createAdapter(crm, data, sandboxRateOverride(data, env));
	const ff = new FieldFlowClient({ apiKey: String(creds[0].data.apiKey), baseUrl: String(creds[0].data.baseUrl) });
	const object = CRM_OBJECT[crm];
	const eff = buildMapping({ crm, object, useDefaults: true, custom: [], statusOverrides: [] });
	const t0 = Date.now();
	let created = 0;
	let failed = 0;
	for await (const page of ff.pages('prospects', { limit: 200 })) {
		for (const p of page.data) {
			const mapped = mapFieldflowRecord(p as Record<string, unknown>, eff);
			const email = typeof p.email === 'string' ? p.email : undefined;
			const [dup] = await adapter.findDuplicates(object, [{ ref: '0', email }]);
			const id = dup?.matches.find((m) => m.matchedOn === 'email')?.id;
			const [res] = await adapter.upsert(object, [{ ref: String(p.id), id, fields: mapped.payload }]);
			if (res.success) created++;
			else failed++;
		}
	}
	return { wallMs: Date.now() - t0, created, failed };
}
