/**
 * One entry point for the nodes: credential data (as n8n decrypts it, or any plain object of the
 * same shape) → a configured CRM adapter. No n8n imports.
 *
 * Credential field names are the ones of the package's credential types:
 *  - fieldFlowSalesforceApi: authType ('refreshToken' | 'accessToken'), clientId, clientSecret,
 *    refreshToken, loginUrl, accessToken, instanceUrl, baseUrl;
 *  - fieldFlowHubSpotApi: accessToken, baseUrl;
 *  - fieldFlowPipedriveApi: apiToken, baseUrl.
 *
 * Salesforce token refresh: the adapter refreshes an expired access token itself (once per call)
 * and tells `onTokenRefreshed`. The factory keeps the new token in memory for the adapter's life
 * (one node run). n8n credentials are NOT rewritten: the next run starts from the stored refresh
 * token again and refreshes once more when it needs to. That is one extra OAuth call per run at
 * most, and a stored access token that has expired is harmless.
 */
import { SALESFORCE_OBJECTS, SalesforceAdapter, forecastSalesforceWrites, type SalesforceAdapterConfig } from './salesforce';
import { HUBSPOT_OBJECTS, HubSpotAdapter, forecastHubSpotAssociations, forecastHubSpotWrites, isAssociationObject, type HubSpotAdapterConfig } from './hubspot';
import { PIPEDRIVE_OBJECTS, PipedriveAdapter, forecastPipedriveWrites, type PipedriveAdapterConfig } from './pipedrive';
import type { CallForecast, CrmAdapter, CrmName, ObjectInfo, WriteCounts } from './types';
import { SyncError } from '../errors';
import type { RenewAccess, RenewedAccess } from './renew';

export type { RenewAccess, RenewedAccess } from './renew';

export type { CallForecast, CrmAdapter, CrmName, WriteCounts } from './types';
export { SalesforceAdapter, HubSpotAdapter, PipedriveAdapter };
export { forecastSalesforceWrites, forecastHubSpotWrites, forecastPipedriveWrites };

/** Credential data as n8n hands it over (values may be strings, empty, or missing). */
export type CrmCredentialData = Record<string, unknown>;

export interface CreateAdapterOptions {
	/** Extra adapter settings (tests: retry policy, sleep, rate). */
	salesforce?: Partial<SalesforceAdapterConfig>;
	hubspot?: Partial<HubSpotAdapterConfig>;
	pipedrive?: Partial<PipedriveAdapterConfig>;
	/** Told about a refreshed Salesforce token (after the factory kept it in memory). */
	onTokenRefreshed?: (accessToken: string, instanceUrl: string) => void;
}

export const CRM_NAMES: CrmName[] = ['salesforce', 'hubspot', 'pipedrive'];

/** The n8n credential type each CRM uses. */
export const CRM_CREDENTIAL_TYPES: Record<CrmName, string> = {
	salesforce: 'fieldFlowSalesforceApi',
	hubspot: 'fieldFlowHubSpotApi',
	pipedrive: 'fieldFlowPipedriveApi',
};

/** The n8n OAuth2 credential type each CRM uses (node parameter Authentication = OAuth2). */
export const CRM_OAUTH2_CREDENTIAL_TYPES: Record<CrmName, string> = {
	salesforce: 'fieldFlowSalesforceOAuth2Api',
	hubspot: 'fieldFlowHubSpotOAuth2Api',
	pipedrive: 'fieldFlowPipedriveOAuth2Api',
};

export const CRM_LABELS: Record<CrmName, string> = { salesforce: 'Salesforce', hubspot: 'HubSpot', pipedrive: 'Pipedrive' };

function str(v: unknown): string | undefined {
	if (v === undefined || v === null) return undefined;
	const s = String(v).trim();
	return s ? s : undefined;
}

function trimUrl(v: unknown): string | undefined {
	return str(v)?.replace(/\/+$/, '');
}

/** Salesforce credential data → adapter config (without the refresh callback). */
export function salesforceConfig(c: CrmCredentialData): SalesforceAdapterConfig {
	const authType = str(c.authType) ?? (str(c.refreshToken) ? 'refreshToken' : 'accessToken');
	const baseUrl = trimUrl(c.baseUrl);
	const config: SalesforceAdapterConfig = {
		baseUrl,
		instanceUrl: trimUrl(c.instanceUrl),
		accessToken: str(c.accessToken),
	};
	if (authType === 'refreshToken') {
		config.refreshToken = str(c.refreshToken);
		config.clientId = str(c.clientId);
		config.clientSecret = str(c.clientSecret);
		config.loginUrl = trimUrl(c.loginUrl);
		// Refresh-only setups may not know the instance URL yet: the login host answers it.
		if (!config.instanceUrl && !baseUrl) config.instanceUrl = config.loginUrl ?? 'https://login.salesforce.com';
		if (!config.refreshToken || !config.clientId) {
			throw new SyncError({ kind: 'auth_expired', message: 'Salesforce credential: OAuth2 refresh needs a Client ID and a Refresh Token.' });
		}
	} else {
		config.refreshToken = undefined;
		if (!config.accessToken) throw new SyncError({ kind: 'auth_expired', message: 'Salesforce credential: the Access Token is empty.' });
		if (!config.instanceUrl && !baseUrl) throw new SyncError({ kind: 'validation', message: 'Salesforce credential: the Instance URL is empty (e.g. https://yourorg.my.salesforce.com).' });
	}
	return config;
}

export function hubspotConfig(c: CrmCredentialData): HubSpotAdapterConfig {
	const accessToken = str(c.accessToken);
	if (!accessToken) throw new SyncError({ kind: 'auth_expired', message: 'HubSpot credential: the private app access token is empty.' });
	return { accessToken, baseUrl: trimUrl(c.baseUrl) };
}

export function pipedriveConfig(c: CrmCredentialData): PipedriveAdapterConfig {
	const apiToken = str(c.apiToken);
	if (!apiToken) throw new SyncError({ kind: 'auth_expired', message: 'Pipedrive credential: the API token is empty.' });
	return { apiToken, baseUrl: trimUrl(c.baseUrl) };
}

export const RECONNECT_HINT = 'Reconnect the credential: open it in n8n, click Connect my account (Reconnect) and sign in again, then run the workflow again; the records of this run are queued and will be synced then.';

/** The reconnect error: the OAuth grant is gone or the credential was never connected. */
export function reconnectError(crm: CrmName, why: string): SyncError {
	return new SyncError({ kind: 'auth_expired', message: `${CRM_LABELS[crm]} OAuth2 credential: ${why}`, hint: RECONNECT_HINT });
}

/** The token endpoint failed for a passing reason (5xx, timeout): the run may be tried again. */
export function renewalUnavailableError(crm: CrmName): SyncError {
	return new SyncError({ kind: 'transient', message: `${CRM_LABELS[crm]} OAuth2 credential: the access token could not be renewed right now.`, hint: 'Run the workflow again later; if it keeps failing, reconnect the credential.' });
}

/** https://yourorg.my.salesforce.com from a My Domain field ("yourorg", a host or a URL). */
function myDomainUrl(v: unknown): string | undefined {
	const d = str(v)
		?.replace(/^https?:\/\//, '')
		.replace(/\/.*$/, '')
		.replace(/\.my\.salesforce\.com$/, '');
	return d ? `https://${d}.my.salesforce.com` : undefined;
}

/**
 * The access token and API base of an n8n OAuth2 credential (its stored `oauthTokenData`):
 * Salesforce's `instance_url` (else the My Domain URL: n8n can drop instance_url after a
 * background refresh, n8n issue 34916), Pipedrive's `api_domain`, HubSpot's fixed API host (or the
 * credential's custom base URL).
 */
export function oauthAccess(crm: CrmName, c: CrmCredentialData): RenewedAccess {
	const t = (c.oauthTokenData ?? {}) as Record<string, unknown>;
	const accessToken = str(t.access_token);
	if (!accessToken) throw reconnectError(crm, 'the account is not connected (no access token).');
	if (crm === 'salesforce') {
		const apiBase = trimUrl(t.instance_url) ?? myDomainUrl(c.environment === 'custom' ? undefined : c.myDomain);
		if (!apiBase) throw reconnectError(crm, 'the stored token names no instance URL; set My Domain or reconnect.');
		return { accessToken, apiBase };
	}
	if (crm === 'pipedrive') return { accessToken, apiBase: trimUrl(t.api_domain) };
	return { accessToken, apiBase: c.useCustomServer === true ? trimUrl(c.baseUrl) : undefined };
}

/**
 * An adapter for an n8n OAuth2 credential: built with its current access token; `renew` is asked
 * for the next one when the CRM refuses it as expired (then that call is sent once more).
 */
export function createOAuthAdapter(crm: CrmName, credentials: CrmCredentialData, renew: RenewAccess, options: CreateAdapterOptions = {}): CrmAdapter {
	const access = oauthAccess(crm, credentials);
	switch (crm) {
		case 'salesforce':
			return new SalesforceAdapter({ accessToken: access.accessToken, instanceUrl: access.apiBase, ...options.salesforce, renewAccess: renew });
		case 'hubspot':
			return new HubSpotAdapter({ accessToken: access.accessToken, baseUrl: access.apiBase, ...options.hubspot, renewAccess: renew });
		case 'pipedrive':
			return new PipedriveAdapter({ accessToken: access.accessToken, baseUrl: access.apiBase, ...options.pipedrive, renewAccess: renew });
	}
	throw new SyncError({ kind: 'validation', message: `Unknown CRM "${String(crm)}": use salesforce, hubspot or pipedrive.` });
}

/** A configured adapter for `crm`, from credential data. Throws a SyncError when data is missing. */
export function createAdapter(crm: CrmName, credentials: CrmCredentialData, options: CreateAdapterOptions = {}): CrmAdapter {
	switch (crm) {
		case 'salesforce': {
			const config = salesforceConfig(credentials);
			const memory = { accessToken: config.accessToken, instanceUrl: config.instanceUrl };
			return new SalesforceAdapter({
				...config,
				...options.salesforce,
				onTokenRefreshed: (accessToken, instanceUrl) => {
					// In memory only: the adapter already uses the new token for the rest of this run.
					memory.accessToken = accessToken;
					memory.instanceUrl = instanceUrl;
					options.onTokenRefreshed?.(accessToken, instanceUrl);
				},
			});
		}
		case 'hubspot':
			return new HubSpotAdapter({ ...hubspotConfig(credentials), ...options.hubspot });
		case 'pipedrive':
			return new PipedriveAdapter({ ...pipedriveConfig(credentials), ...options.pipedrive });
	}
	throw new SyncError({ kind: 'validation', message: `Unknown CRM "${String(crm)}": use salesforce, hubspot or pipedrive.` });
}

/** The objects a CRM offers, without credentials (for dropdowns). */
export function crmObjects(crm: CrmName): ObjectInfo[] {
	return OBJECTS_BY_CRM[crm]?.map((o) => ({ ...o })) ?? [];
}

const OBJECTS_BY_CRM: Record<CrmName, ObjectInfo[]> = {
	salesforce: SALESFORCE_OBJECTS,
	hubspot: HUBSPOT_OBJECTS,
	pipedrive: PIPEDRIVE_OBJECTS,
};

/**
 * The calls `counts` writes of `object` cost on `crm` when none is retried, without credentials
 * (for a Preview): the same table the adapter's writes use (see CrmAdapter.forecastWrites).
 */
export function forecastWrites(crm: CrmName, object: string, counts: WriteCounts): CallForecast {
	switch (crm) {
		case 'salesforce':
			return forecastSalesforceWrites(counts);
		case 'hubspot':
			return isAssociationObject(object) ? forecastHubSpotAssociations(counts) : forecastHubSpotWrites(counts);
		case 'pipedrive':
			return forecastPipedriveWrites(object, counts);
	}
	throw new SyncError({ kind: 'validation', message: `Unknown CRM "${String(crm)}": use salesforce, hubspot or pipedrive.` });
}
