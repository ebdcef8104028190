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
import { groupSpec, splitFields } from '../../nodes/shared/crm/group';
import type { WriteInput } from '../../nodes/shared/crm/types';
import { normalizeName } from '../../nodes/shared/sync/match';
import { FieldFlowClient } from '../../nodes/shared/fieldflow/client';
import { buildMapping } from '../../nodes/shared/mapping/effective';
import { mapFieldflowRecord } from '../../nodes/shared/mapping/records';
import { sandboxRateOverride } from '../../nodes/n8nSide/transport/crm';
import { sandboxCredentials, type Sandboxes } from '../sandboxes';
import { CRM_OBJECT, crmOf, type BenchCrm, type BenchTarget } from './workflow';

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

/**
 * The naive baseline for record groups: what a per-item workflow of native CRM nodes does for each
 * prospect, one record per call, in dependency order:
 *  - company: a search by name (the adapter's duplicate check: Pipedrive an organization search
 *    and, when found, one read of it; HubSpot one search; Salesforce one SOQL query), and a create
 *    when there is none;
 *  - person: a search by email and a create, linked to the company in the create (Pipedrive
 *    `org_id`, Salesforce `AccountId`, HubSpot inline association);
 *  - deal: a create linked to the person and the company (Salesforce: then its
 *    OpportunityContactRole). No search: a new person's deal cannot exist yet, so the baseline
 *    leaves out a call a per-item workflow would spend (the ratio is on the cautious side).
 * Salesforce Leads: one search by email + one create per prospect (the Lead holds Company and Status).
 * `linked`: the member objects (the group's full set as the templates select it).
 */
export async function naiveGroupSync(
	sb: Sandboxes,
	target: BenchTarget,
	linked: string[],
	env: Record<string, string | undefined>,
): Promise<{ wallMs: number; created: number; failed: number; firstError?: string }> {
	const crm = crmOf(target);
	const creds = sandboxCredentials(sb);
	const data = creds.find((c) => c.type === CRED_TYPE[crm])!.data;
	const adapter = createAdapter(crm, data, sandboxRateOverride(data, env));
	const ff = new FieldFlowClient({ apiKey: String(creds[0].data.apiKey), baseUrl: String(creds[0].data.baseUrl) });
	const object = CRM_OBJECT[target];
	const spec = groupSpec(crm, object, linked);
	const eff = buildMapping({ crm, object, members: linked, useDefaults: true, custom: [], statusOverrides: [] });
	const t0 = Date.now();
	let created = 0;
	let failed = 0;
	let firstError: string | undefined;
	const one = async (obj: string, input: WriteInput): Promise<string | undefined> => {
		const [res] = await adapter.upsert(obj, [input]);
		if (res.success) {
			created++;
			return res.id;
		}
		failed++;
		firstError ??= `${obj}: ${res.error?.message}`;
		return undefined;
	};
	for await (const page of ff.pages('prospects', { limit: 200 })) {
		for (const p of page.data) {
			const ref = String(p.id);
			const mapped = mapFieldflowRecord(p as Record<string, unknown>, eff);
			const { primary, byMember } = spec ? splitFields(spec, mapped.payload) : { primary: mapped.payload, byMember: {} as Record<string, Record<string, unknown>> };
			let companyId: string | undefined;
			const company = spec?.company;
			const companyName = company ? byMember[company.object]?.[company.nameField] : undefined;
			if (company && companyName) {
				const [m] = await adapter.findDuplicates(company.object, [{ ref, company: String(companyName) }]);
				companyId = m?.matches.find((x) => x.object === company.object && normalizeName(x.record.fields[company.nameField]) === normalizeName(companyName))?.id;
				companyId ??= await one(company.object, { ref, fields: byMember[company.object] });
			}
			const email = typeof p.email === 'string' ? p.email : undefined;
			const [dup] = await adapter.findDuplicates(object, [{ ref, email }]);
			const existing = dup?.matches.find((x) => x.matchedOn === 'email' && x.object === object)?.id;
			const personFields = { ...primary, ...(company?.primaryRef && companyId ? { [company.primaryRef]: companyId } : {}) };
			const associations = spec?.link === 'association' && company && companyId && !existing ? [{ object: company.object, id: companyId }] : undefined;
			const personId = await one(object, { ref, id: existing, fields: personFields, ...(associations ? { associations } : {}) });
			const deal = spec?.deal;
			if (!deal || !personId) continue;
			const dealFields: Record<string, unknown> = { ...deal.createDefaults?.(new Date()), ...byMember[deal.object] };
			if (dealFields[deal.titleField] === undefined) dealFields[deal.titleField] = companyName ?? deal.titleFallback.map((f) => primary[f]).filter(Boolean).join(' ');
			if (deal.primaryRef) dealFields[deal.primaryRef] = personId;
			if (deal.companyRef && companyId) dealFields[deal.companyRef] = companyId;
			const dealAssociations = spec?.link === 'association' ? [{ object, id: personId }, ...(company && companyId ? [{ object: company.object, id: companyId }] : [])] : undefined;
			const dealId = await one(deal.object, { ref, fields: dealFields, ...(dealAssociations ? { associations: dealAssociations } : {}) });
			if (deal.junction && dealId) await one(deal.junction.object, { ref, fields: { [deal.junction.dealField]: dealId, [deal.junction.primaryField]: personId, ...deal.junction.fields } });
		}
	}
	return { wallMs: Date.now() - t0, created, failed, firstError };
}
