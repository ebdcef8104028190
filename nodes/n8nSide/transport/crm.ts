import type { IExecuteFunctions, ILoadOptionsFunctions } from 'n8n-workflow';
import { createAdapter, CRM_CREDENTIAL_TYPES, type CrmAdapter, type CrmName, type CreateAdapterOptions } from '../../shared/crm';
import { SyncError } from '../../shared/errors';
import { toNodeError } from '../errors';

type Ctx = IExecuteFunctions | ILoadOptionsFunctions;

/**
 * The engine's adapter for the chosen CRM, configured from that CRM's credential. A Salesforce
 * token refreshed during the run is kept in the adapter's memory only (n8n credentials are not
 * rewritten; the next run refreshes again from the stored refresh token when it needs to).
 */
export async function getCrmAdapter(this: Ctx, crm: CrmName): Promise<CrmAdapter> {
	const type = CRM_CREDENTIAL_TYPES[crm];
	if (!type) throw toNodeError(this.getNode(), new SyncError({ kind: 'validation', message: `Unknown CRM "${String(crm)}"` }));
	const credentials = await this.getCredentials(type);
	try {
		return createAdapter(crm, credentials, sandboxRateOverride(credentials));
	} catch (error) {
		throw toNodeError(this.getNode(), error);
	}
}

/**
 * Benchmarks and tests against the local sandboxes only: FIELDFLOW_SANDBOX_RATE_PER_SECOND sets the
 * adapters' client-side throttle (0 = off), and it is honoured only when the credential's Base URL
 * is a loopback address (127.0.0.1 / localhost / ::1). A real CRM always gets the vendor defaults.
 */
export function sandboxRateOverride(credentials: Record<string, unknown>, env: Record<string, string | undefined> = process.env): CreateAdapterOptions {
	const raw = env.FIELDFLOW_SANDBOX_RATE_PER_SECOND;
	if (raw === undefined || raw.trim() === '') return {};
	const rate = Number(raw);
	if (!Number.isFinite(rate) || rate < 0) return {};
	let host = '';
	try {
		host = new URL(String(credentials.baseUrl ?? '')).hostname;
	} catch {
		return {};
	}
	if (!['127.0.0.1', 'localhost', '[::1]', '::1'].includes(host)) return {};
	// 0 = off: a rate no sandbox reaches (the token bucket never refills at 0).
	const r = rate > 0 ? rate : 1_000_000;
	return { salesforce: { ratePerSecond: r }, hubspot: { ratePerSecond: r, searchRatePerSecond: r }, pipedrive: { ratePerSecond: r } };
}
