/**
 * Salesforce REST API sandbox (API v62.0; any vNN.0 is accepted), speaking the wire format jsforce
 * uses: SOQL query / queryMore / queryAll with a real SOQL subset, sObject CRUD, describe, sObject
 * Collections (create / update / upsert by external id / delete / retrieve, 200 records max,
 * allOrNone, per-record results), limits, versions, and the OAuth refresh-token flow. Record
 * groups: Account ← Contact / Opportunity ← OpportunityContactRole with reference checks and
 * delete cascades, child-to-parent fields in SOQL, and lead conversion (`convertLead`, also at
 * POST /__sandbox/convert-lead) after which the Lead is read-only.
 *
 * Errors are Salesforce's arrays `[{message, errorCode, fields}]`; collection results carry
 * `{id, success, errors: [{statusCode, message, fields}]}`. Every response carries
 * `Sforce-Limit-Info: api-usage=N/15000`.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { bearer, byChange, lowerBound, Sandbox, Table, type Row, type VendorError, type VendorErrorContext } from './common';
import { oauthTokenState } from './oauth';
import { CONVERTED_LEAD_STATUSES, OBJECTS, OPPORTUNITY_STAGES, PREFIX_TO_OBJECT, sfDateTime, to18, type SfFieldDef, type SfObjectDef } from './salesforce/schema';
import { checkQuery, likeEquals, matches, parseSoql, SoqlError, sortRows, type Cond } from './salesforce/soql';

export { OBJECTS as SALESFORCE_OBJECTS } from './salesforce/schema';

export interface SalesforceSandboxOptions {
	accessToken?: string;
	clientId?: string;
	clientSecret?: string;
	refreshToken?: string;
	/** Daily API request limit reported in Sforce-Limit-Info and /limits. */
	dailyLimit?: number;
}

/** One error of a per-record collection result. */
export interface SfRecordError {
	statusCode: string;
	message: string;
	fields: string[];
}

/**
 * Salesforce errors the sandbox can be told to answer with (fault switches), per record in a
 * collection result (`{success:false, errors:[{statusCode, message, fields}]}`) or for a whole
 * request (`[{message, errorCode, fields}]`). The codes are Salesforce's StatusCode values (SOAP
 * API Developer Guide, "Core Data Types Used in API Calls" > StatusCode; the same enum the REST
 * API answers with, https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_concepts_core_data_objects.htm#statuscode),
 * the bodies those of "Status Codes and Error Responses"
 * (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm) and
 * of sObject Collections (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_create.htm).
 */
export type SfFaultCode = 'UNABLE_TO_LOCK_ROW' | 'DUPLICATES_DETECTED' | 'STORAGE_LIMIT_EXCEEDED' | 'FIELD_CUSTOM_VALIDATION_EXCEPTION' | 'INVALID_FIELD_FOR_INSERT_UPDATE' | 'REQUEST_LIMIT_EXCEEDED';

export interface SfRecordFault {
	code: Exclude<SfFaultCode, 'REQUEST_LIMIT_EXCEEDED'>;
	/** Which records of a collection write fail (default: every one). */
	where?: (record: Record<string, unknown>) => boolean;
	/** How many records fail in all (default: unlimited). */
	times?: number;
	/** The field a validation rule or field-level security names. */
	field?: string;
	/** The validation rule's error message (FIELD_CUSTOM_VALIDATION_EXCEPTION). */
	message?: string;
}

export interface SfRequestFault {
	code: SfFaultCode;
	/** Endpoint name (as counted), exact or a pattern; omitted = every API endpoint. */
	endpoint?: string | RegExp;
	/** How many requests fail (default: unlimited). */
	times?: number;
	field?: string;
	message?: string;
}

/**
 * A lead conversion as Database.LeadConvert describes it (the settings the sandbox honours):
 * https://developer.salesforce.com/docs/atlas.en-us.apexref.meta/apexref/apex_dml_convertLead.htm
 */
export interface SfLeadConvert {
	leadId: string;
	/** A converted Lead Status (default: the org's one, 'Closed - Converted'). */
	convertedStatus?: string;
	/** Merge into this Account instead of creating one. */
	accountId?: string;
	/** Merge into this Contact (of `accountId`) instead of creating one. */
	contactId?: string;
	/** Relate this existing Opportunity instead of creating one. */
	opportunityId?: string;
	doNotCreateOpportunity?: boolean;
	/** Name of the new Opportunity (default: the lead's Company). */
	opportunityName?: string;
}

/** LeadConvertResult, https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_convertlead_leadconvertresult.htm */
export interface SfLeadConvertResult {
	leadId: string;
	accountId: string | null;
	contactId: string | null;
	opportunityId: string | null;
	success: boolean;
	errors: SfRecordError[];
}

/** Thrown by handlers: answered as `status` with a Salesforce error array. */
class SfHttpError extends Error {
	constructor(
		public readonly status: number,
		public readonly errorCode: string,
		message: string,
		public readonly fields?: string[],
		public readonly headers: Record<string, string> = {},
	) {
		super(message);
	}
	body(): unknown {
		return [{ message: this.message, errorCode: this.errorCode, ...(this.fields ? { fields: this.fields } : {}) }];
	}
}

const MAX_COLLECTION = 200;
const DEFAULT_BATCH = 2000;
const EMAIL_RE = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
const STRING_TYPES = new Set(['string', 'textarea', 'email', 'phone', 'url', 'combobox', 'picklist']);
const NUMBER_TYPES = new Set(['currency', 'double', 'int', 'percent']);

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export class SalesforceSandbox extends Sandbox {
	readonly name = 'salesforce';
	readonly clientId: string;
	readonly clientSecret: string;
	refreshToken: string;
	private readonly initialRefreshToken: string;
	/** Access tokens the API accepts right now. */
	readonly validTokens = new Set<string>();
	/** The initial access token (always issued at construction). */
	readonly accessToken: string;
	/** Rate-limit fault style: Salesforce's 403 REQUEST_LIMIT_EXCEEDED, or a 503 with Retry-After. */
	rateLimitStyle: 'requestLimit' | 'serviceUnavailable' = 'requestLimit';
	readonly dailyLimit: number;
	apiUsage = 0;
	readonly tables: Record<string, Table> = {};
	private readonly locators = new Map<string, { type: string; records: Array<Record<string, unknown>>; pos: number; batch: number; all: boolean }>();
	private locatorSeq = 0;
	private readonly orgId = '00D5g000004SANDB';
	private recordFaults: Array<SfRecordFault & { fired: number }> = [];
	private requestFaults: Array<SfRequestFault & { fired: number }> = [];
	/**
	 * The org's daily API allocation enforced: once `apiUsage` passes `dailyLimit`, every API call
	 * answers 403 REQUEST_LIMIT_EXCEEDED "TotalRequests Limit exceeded." (no Retry-After: the
	 * allocation is a rolling 24 hours; calls are blocked until the last 24 hours' usage drops
	 * below it). API Request Limits and Allocations,
	 * https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_api.htm;
	 * System Overview: API Usage, https://help.salesforce.com/s/articleView?id=xcloud.setup_system_overview_api.htm
	 */
	enforceDailyLimit = false;
	/** Calls refused by the enforced daily allocation (403 REQUEST_LIMIT_EXCEEDED) since the last reset. */
	rateLimited = 0;
	/**
	 * The integration user's permissions (least privilege). `viewSetup` false: GET /limits answers
	 * 403 (the Limits resource is "available ... for API users with the View Setup and
	 * Configuration permission", https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_limits.htm;
	 * 403 = "The request has been refused. Verify that the logged-in user has appropriate
	 * permissions", errorcodes.htm). `deniedObjects`: objects the user's profile gives no access to.
	 */
	readonly permissions = { viewSetup: true, deniedObjects: new Set<string>() };
	/**
	 * Salesforce keeps SystemModstamp, LastModifiedDate and CreatedDate in whole seconds (the
	 * milliseconds are always .000: "dateTime" values are second-precision, SOAP API Developer
	 * Guide, Primitive Data Types, https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/primitive_data_types.htm;
	 * SystemModstamp, https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/system_fields.htm).
	 * And every record of one sObject Collections request is saved in one transaction, so they
	 * share one timestamp (a bulk write of 200 gives 200 records one second; several collections
	 * in one second give hundreds). On by default, as Salesforce does it; `reset` turns it on
	 * again. Off = every write shows its own millisecond (unique stamps), which no Salesforce org
	 * does: only for a test that must tell two writes apart by their stamp alone.
	 */
	wholeSecondStamps = true;
	/**
	 * Delayed visibility: a row written while this is > 0 reaches queries only this many ms after
	 * its SystemModstamp, as a row of a transaction still open when its stamp was taken (Salesforce
	 * stamps at the start of the save and commits at its end; long triggers/flows make the gap
	 * seconds). Salesforce documents it for replication: getUpdated's latestDateCovered is "the
	 * start time of that long-running transaction", to be used as the next start date "to capture
	 * the changes that started after this date but did not complete before the endDate"
	 * (https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_getupdated_getupdatedresult.htm;
	 * getUpdated uses SystemModstamp, https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_getupdated.htm).
	 * Off (0) by default; tests move time with `clock.offsetMs`.
	 */
	visibilityDelayMs = 0;
	/**
	 * Every sObject Collections write as it came: method, the allOrNone the client sent (undefined
	 * = not sent: Salesforce's default, false), record count. Cleared by reset.
	 */
	readonly collectionLog: Array<{ method: string; allOrNone: unknown; records: number }> = [];
	/** When each row written under `visibilityDelayMs` becomes visible to queries (clock ms). */
	private readonly visibleAt = new Map<string, number>();

	constructor(opts: SalesforceSandboxOptions = {}) {
		super();
		this.accessToken = opts.accessToken ?? `${this.orgId}!AQ4AQ.sandbox-valid-access-token`;
		this.clientId = opts.clientId ?? 'sandbox-client-id';
		this.clientSecret = opts.clientSecret ?? 'sandbox-client-secret';
		this.refreshToken = opts.refreshToken ?? 'sandbox-refresh-token';
		this.initialRefreshToken = this.refreshToken;
		this.dailyLimit = opts.dailyLimit ?? 15000;
		this.validTokens.add(this.accessToken);
		for (const def of Object.values(OBJECTS)) {
			// Unique fields (the FieldFlow external id), Email and references are indexed: duplicate checks, upsert
			// matching and SOQL `Email IN (...)` / `FieldFlow_Id__c = '...'` look rows up instead of scanning.
			// Reference fields too: the group reads (`AccountId IN (...)`, `ContactId IN (...)`).
			// Name too, a standard indexed field ("Standard indexed fields: ... Name ... Email (for
			// contacts and leads) ... foreign key relationships", Query & Search Optimization Cheat Sheet,
			// https://developer.salesforce.com/docs/atlas.en-us.salesforce_query_search_optimization_developer_cheatsheet.meta/salesforce_query_search_optimization_developer_cheatsheet/):
			// the duplicate check by company name (`Name LIKE 'x' OR ...`). An index only narrows the
			// rows a WHERE is evaluated on; the WHERE still decides, so answers are the same as a scan.
			const indexed = def.fields.filter((f) => f.unique || f.type === 'email' || f.type === 'reference' || f.name === 'Name').map((f) => f.name);
			this.tables[def.name] = this.watchVisibility(new Table(this.clock, (n) => to18(def.keyPrefix + '5g0000' + n.toString(36).toUpperCase().padStart(6, '0')), indexed));
		}
		this.app.use((req, res, next) => {
			if (req.path.startsWith('/services/data')) {
				this.apiUsage++;
				res.set('Sforce-Limit-Info', `api-usage=${this.apiUsage}/${this.dailyLimit}`);
			}
			next();
		});
		this.keepOnePrimaryContactRole(this.tables.OpportunityContactRole);
		this.installRoutes();
		this.installDataRoutes();
		this.installControlRoutes();
	}

	// ---------------------------------------------------------------- tokens

	/** Invalidate every access token issued so far (the next API call answers 401 INVALID_SESSION_ID). */
	expireAccessTokens(): void {
		this.validTokens.clear();
	}

	/** The refresh token stops working (the refresh endpoint answers 400 invalid_grant). */
	revokeRefreshToken(): void {
		this.refreshToken = `revoked-${randomBytes(6).toString('hex')}`;
	}

	issueAccessToken(): string {
		const t = `${this.orgId}!AQ4AQ.${randomBytes(24).toString('base64url')}`;
		this.validTokens.add(t);
		return t;
	}

	// ---------------------------------------------------------------- data

	/** Drops all records and query cursors, and restores the initial access and refresh tokens. */
	clearData(): void {
		for (const t of Object.values(this.tables)) t.clear();
		this.locators.clear();
		this.validTokens.clear();
		this.validTokens.add(this.accessToken);
		this.refreshToken = this.initialRefreshToken;
		this.apiUsage = 0;
		this.recordFaults = [];
		this.requestFaults = [];
		this.enforceDailyLimit = false;
		this.rateLimited = 0;
		this.permissions.viewSetup = true;
		this.permissions.deniedObjects.clear();
		this.wholeSecondStamps = true;
		this.visibilityDelayMs = 0;
		this.visibleAt.clear();
		this.collectionLog.length = 0;
	}

	/** Rows written while `visibilityDelayMs` > 0 are remembered with the time they become visible. */
	private watchVisibility(table: Table): Table {
		const mark = (id: string) => {
			if (this.visibilityDelayMs > 0) this.visibleAt.set(id, Date.now() + this.clock.offsetMs + this.visibilityDelayMs);
		};
		const { insert, update, remove } = table;
		table.insert = (data, id) => {
			const row = insert.call(table, data, id);
			mark(row.id);
			return row;
		};
		table.update = (id, patch) => {
			const row = update.call(table, id, patch);
			if (row) mark(row.id);
			return row;
		};
		table.remove = (id) => {
			const done = remove.call(table, id);
			if (done) mark(id);
			return done;
		};
		return table;
	}

	/** Whether a query sees the row yet (delayed visibility). */
	private visible(row: Row): boolean {
		const at = this.visibleAt.get(row.id);
		return at === undefined || at <= Date.now() + this.clock.offsetMs;
	}

	/** A time as Salesforce shows it: whole seconds when `wholeSecondStamps` is on. */
	private stamp(ms: number): string {
		return sfDateTime(this.wholeSecondStamps ? Math.floor(ms / 1000) * 1000 : ms);
	}

	/** Run one collection request's writes as one transaction: with whole-second stamps, one time for all. */
	private transaction<T>(fn: () => T): T {
		if (!this.wholeSecondStamps) return fn();
		this.clock.freeze();
		try {
			return fn();
		} finally {
			this.clock.thaw();
		}
	}

	// ---------------------------------------------------------------- Salesforce fault switches

	/** Records of collection writes fail with `code` (per-record result; the others succeed when allOrNone is false). */
	failRecords(rule: SfRecordFault): void {
		this.recordFaults.push({ ...rule, fired: 0 });
	}

	/** Whole requests fail with `code` (a Salesforce error array). */
	failRequests(rule: SfRequestFault): void {
		this.requestFaults.push({ ...rule, fired: 0 });
	}

	clearSfFaults(): void {
		this.recordFaults = [];
		this.requestFaults = [];
	}

	/** The per-record error Salesforce gives for `code` (message and fields as Salesforce words them). */
	private sfFaultError(code: SfFaultCode, def: SfObjectDef | undefined, rule: { field?: string; message?: string }): SfRecordError & { duplicateResult?: unknown } {
		switch (code) {
			case 'UNABLE_TO_LOCK_ROW':
				// Another transaction holds the row (or its parent) longer than the 10 s lock wait.
				return { statusCode: code, message: 'unable to obtain exclusive access to this record', fields: [] };
			case 'DUPLICATES_DETECTED': {
				// A duplicate rule with the Block action: a DuplicateError with its duplicateResult,
				// https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_objects_duplicateerror.htm and
				// https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_objects_duplicateresult.htm
				const type = def?.name ?? 'Lead';
				const match = this.tables[type]?.live()[0];
				return {
					statusCode: code,
					message: 'Use one of these records?',
					fields: [],
					duplicateResult: {
						allowSave: false,
						duplicateRule: `Standard_${type}_Duplicate_Rule`,
						duplicateRuleEntityType: type,
						errorMessage: "You're creating a duplicate record. We recommend you use an existing record instead.",
						matchResults: [
							{
								entityType: type,
								errors: [],
								matchEngine: 'FuzzyMatchEngine',
								matchRecords: match ? [{ additionalInformation: [], fieldDiffs: [], matchConfidence: 100, record: { attributes: { type, url: this.recordUrl(type, match.id) }, Id: match.id } }] : [],
								rule: `Standard_${type}_Match_Rule_v1_0`,
								size: match ? 1 : 0,
								success: true,
							},
						],
					},
				};
			}
			case 'STORAGE_LIMIT_EXCEEDED':
				return { statusCode: code, message: 'storage limit exceeded', fields: [] };
			case 'FIELD_CUSTOM_VALIDATION_EXCEPTION':
				// An admin's validation rule: its own error message, its error location field (if any).
				return { statusCode: code, message: rule.message ?? 'Phone is required for leads from trade shows', fields: rule.field ? [rule.field] : [] };
			case 'INVALID_FIELD_FOR_INSERT_UPDATE': {
				const f = rule.field ?? 'Phone';
				return { statusCode: code, message: `Unable to create/update fields: ${f}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`, fields: [f] };
			}
			case 'REQUEST_LIMIT_EXCEEDED':
			default:
				// The daily allocation; `message` may name another limit (the concurrent long-request one).
				return { statusCode: 'REQUEST_LIMIT_EXCEEDED', message: rule.message ?? 'TotalRequests Limit exceeded.', fields: [] };
		}
	}

	/**
	 * A write on an object the user's profile gives no access to: the per-record
	 * INSUFFICIENT_ACCESS_OR_READONLY of the StatusCode enum ("insufficient access rights on
	 * object id" is the message Salesforce gives for a record the user may not change).
	 */
	private objectRefusal(def: SfObjectDef, _mode: string): SfRecordError | undefined {
		if (!this.permissions.deniedObjects.has(def.name)) return undefined;
		return { statusCode: 'INSUFFICIENT_ACCESS_OR_READONLY', message: 'insufficient access rights on object id', fields: [] };
	}

	/**
	 * A converted Lead is read-only: every update (PATCH, sObject Collections update, an upsert that
	 * matches it) answers CANNOT_UPDATE_CONVERTED_LEAD "cannot reference converted lead" with no
	 * fields (StatusCode enum, core_data_objects.htm#statuscode; the message as Salesforce gives it,
	 * https://help.salesforce.com/s/articleView?id=000384333&type=1 and
	 * https://kb.commvault.com/article/67630). It stays readable and queryable (IsConverted = true).
	 */
	private convertedLeadRefusal(type: string, row: Row): SfRecordError | undefined {
		if (type !== 'Lead' || row.data.IsConverted !== true) return undefined;
		return { statusCode: 'CANNOT_UPDATE_CONVERTED_LEAD', message: 'cannot reference converted lead', fields: [] };
	}

	/** The record fault a record of a collection write meets, if any (counted). */
	private recordFault(def: SfObjectDef | undefined, rec: Record<string, unknown>): SfRecordError | undefined {
		for (const f of this.recordFaults) {
			if (f.times !== undefined && f.fired >= f.times) continue;
			if (f.where && !f.where(rec)) continue;
			f.fired++;
			return this.sfFaultError(f.code, def, f);
		}
		return undefined;
	}

	/** A whole-request fault for `endpoint`, raised as Salesforce's error array. */
	private requestFault(endpoint: string): void {
		if (this.enforceDailyLimit && this.apiUsage > this.dailyLimit) {
			this.rateLimited++;
			throw new SfHttpError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.', undefined, { 'Sforce-Limit-Info': `api-usage=${this.apiUsage}/${this.dailyLimit}` });
		}
		for (const f of this.requestFaults) {
			if (f.endpoint !== undefined && !(typeof f.endpoint === 'string' ? f.endpoint === endpoint : f.endpoint.test(endpoint))) continue;
			if (f.times !== undefined && f.fired >= f.times) continue;
			f.fired++;
			const e = this.sfFaultError(f.code, undefined, f);
			// REQUEST_LIMIT_EXCEEDED is a 403 (errorcodes.htm: "403 ... the request has been refused"
			// and the API limits page); the others are refusals of the data, answered 400.
			throw new SfHttpError(f.code === 'REQUEST_LIMIT_EXCEEDED' ? 403 : 400, e.statusCode, e.message, e.fields);
		}
	}

	/** Seed records: `{ Account: [{ Name: 'Acme' }], Lead: [...] }`; an `Id` key keeps that id. Invalid data throws. */
	seed(data: unknown): void {
		const input = (data ?? {}) as Record<string, Array<Record<string, unknown>>>;
		const order = ['Account', 'Contact', 'Lead', 'Opportunity', 'OpportunityContactRole', 'Event', 'Task'];
		const types = [...order.filter((t) => t in input), ...Object.keys(input).filter((t) => !order.includes(t))];
		for (const type of types) {
			const def = this.def(type);
			for (const rec of input[type] ?? []) {
				const { Id, ...fields } = rec;
				const { errors, clean } = this.validate(def, fields, 'create');
				if (errors.length) throw new Error(`Invalid seed ${type}: ${errors.map((e) => e.message).join('; ')}`);
				this.tables[def.name].insert(clean, typeof Id === 'string' ? Id : undefined);
			}
		}
	}

	/**
	 * About 25 realistic demo records: accounts, their contacts, leads (open ones can be converted
	 * through /__sandbox/convert-lead), opportunities on the accounts each with its contact as the
	 * primary contact role, one event and one task.
	 */
	seedSample(): void {
		const acc = (n: number) => to18(`0015g0000SAMP${String.fromCharCode(64 + n)}`.padEnd(15, '0'));
		const con = (n: number) => to18(`0035g0000SAMP${String.fromCharCode(64 + n)}`.padEnd(15, '0'));
		const opp = (n: number) => to18(`0065g0000SAMP${String.fromCharCode(64 + n)}`.padEnd(15, '0'));
		this.seed({
			Account: [
				{ Id: acc(1), Name: 'Northwind Traders', Phone: '+1 415 555 0100', Website: 'https://northwind.example', Industry: 'Retail' },
				{ Id: acc(2), Name: 'Contoso Pharmaceuticals', Phone: '+1 206 555 0142', Website: 'https://contoso.example', Industry: 'Healthcare' },
				{ Id: acc(3), Name: 'Fabrikam Construction', Phone: '+1 312 555 0199', Website: 'https://fabrikam.example', Industry: 'Construction' },
				{ Id: acc(4), Name: 'Tailspin Energy', Phone: '+44 20 7946 0321', Website: 'https://tailspin.example', Industry: 'Energy' },
				{ Id: acc(5), Name: "O'Brien & Sons Farm Supply", Phone: '+353 1 555 0170', Website: 'https://obrien.example', Industry: 'Agriculture' },
			],
			Contact: [
				{ Id: con(1), FirstName: 'Maria', LastName: 'Anders', Email: 'maria.anders@northwind.example', Phone: '+1 415 555 0101', AccountId: acc(1), Title: 'Purchasing Manager' },
				{ Id: con(2), FirstName: 'Thomas', LastName: 'Hardy', Email: 'thomas.hardy@contoso.example', Phone: '+1 206 555 0143', AccountId: acc(2), Title: 'Lab Director' },
				{ Id: con(3), FirstName: 'Hanna', LastName: 'Moos', Email: 'hanna.moos@fabrikam.example', AccountId: acc(3), Title: 'Site Manager' },
				{ Id: con(4), FirstName: 'Pedro', LastName: 'Afonso', Email: 'pedro.afonso@tailspin.example', AccountId: acc(4), Title: 'Head of Field Operations' },
				{ Id: con(5), FirstName: 'Siobhan', LastName: "O'Brien", Email: 'siobhan@obrien.example', AccountId: acc(5), Title: 'Owner' },
			],
			Lead: [
				{ FirstName: 'Liu', LastName: 'Wong', Company: 'Great Lakes Food Market', Email: 'liu.wong@greatlakes.example', Phone: '+1 503 555 0177', Status: 'Open - Not Contacted', LeadSource: 'Web', Title: 'Marketing Assistant' },
				{ FirstName: 'Yoshi', LastName: 'Tannamuri', Company: 'Laughing Bacchus Wine Cellars', Email: 'yoshi@bacchus.example', Status: 'Working - Contacted', LeadSource: 'Phone Inquiry', AnnualRevenue: 1200000 },
				{ FirstName: 'Carlos', LastName: 'Hernández', Company: 'Hilarión-Abastos', Email: 'carlos@hilarion.example', Status: 'Working - Contacted', LeadSource: 'Partner Referral' },
				{ FirstName: 'Ann', LastName: 'Devon', Company: 'Eastern Connection', Email: 'ann.devon@eastern.example', Status: 'Closed - Not Converted' },
				{ FirstName: 'Helvetius', LastName: 'Nagy', Company: 'Trail\'s Head Gourmet', Email: 'h.nagy@trailshead.example', Status: 'Open - Not Contacted', LeadSource: 'Other' },
			],
			Opportunity: [
				{ Id: opp(1), Name: 'Northwind - 40 field tablets', StageName: 'Proposal/Price Quote', CloseDate: '2025-09-30', Amount: 48000, AccountId: acc(1) },
				{ Id: opp(2), Name: 'Contoso - route planning pilot', StageName: 'Qualification', CloseDate: '2025-10-15', Amount: 15000, AccountId: acc(2) },
				{ Id: opp(3), Name: 'Fabrikam - site visit automation', StageName: 'Negotiation/Review', CloseDate: '2025-08-31', Amount: 72000, AccountId: acc(3) },
			],
			OpportunityContactRole: [
				{ OpportunityId: opp(1), ContactId: con(1), Role: 'Decision Maker', IsPrimary: true },
				{ OpportunityId: opp(2), ContactId: con(2), Role: 'Evaluator', IsPrimary: true },
				{ OpportunityId: opp(3), ContactId: con(3), Role: 'Economic Buyer', IsPrimary: true },
			],
			Event: [
				{ Subject: 'On-site demo', StartDateTime: '2025-06-02T14:00:00.000Z', DurationInMinutes: 45, WhoId: con(1), WhatId: acc(1), Type: 'Meeting', Description: 'Demoed route planning.' },
			],
			Task: [{ Subject: 'Send proposal', ActivityDate: '2025-06-05', Status: 'Not Started', Priority: 'High', WhoId: con(2) }],
		});
	}

	snapshot(): Record<string, Array<Record<string, unknown>>> {
		const out: Record<string, Array<Record<string, unknown>>> = {};
		for (const [type, t] of Object.entries(this.tables)) out[type] = t.all().map((r) => this.toRecord(type, r));
		return out;
	}

	/** Live records of a type (test helper). */
	records(type: string): Array<Record<string, unknown>> {
		return this.tables[type].live().map((r) => this.toRecord(type, r));
	}

	// ---------------------------------------------------------------- errors

	protected vendorError(ctx: VendorErrorContext): VendorError {
		const limitHeader = { 'Sforce-Limit-Info': `api-usage=${this.apiUsage}/${this.dailyLimit}` };
		const one = (errorCode: string, message: string, fields?: string[]) => [{ message, errorCode, ...(fields ? { fields } : {}) }];
		switch (ctx.kind) {
			case 'auth':
				return { status: 401, body: one('INVALID_SESSION_ID', 'Session expired or invalid') };
			case 'notFound':
				return { status: 404, body: one('NOT_FOUND', 'The requested resource does not exist') };
			case 'validation':
				return { status: 400, body: one(ctx.status === 400 && /Malformed/.test(ctx.message) ? 'JSON_PARSER_ERROR' : 'FIELD_CUSTOM_VALIDATION_EXCEPTION', ctx.message, []) };
			case 'rateLimit': {
				const retry: Record<string, string> = ctx.retryAfter !== undefined ? { 'Retry-After': String(ctx.retryAfter) } : {};
				if (this.rateLimitStyle === 'serviceUnavailable') {
					return { status: 503, headers: { ...limitHeader, ...retry }, body: one('SERVER_UNAVAILABLE', 'Server is temporarily unavailable, please retry later') };
				}
				return {
					status: 403,
					headers: { 'Sforce-Limit-Info': `api-usage=${this.dailyLimit}/${this.dailyLimit}`, ...retry },
					body: one('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'),
				};
			}
			case 'server':
			default:
				return { status: ctx.status >= 500 ? ctx.status : 500, body: one('UNKNOWN_EXCEPTION', `An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345 (${ctx.message})`) };
		}
	}

	// ---------------------------------------------------------------- routing

	private sf(method: Method, path: string, endpoint: string, handler: (req: Request, res: Response) => unknown, auth = true): void {
		this.route(method, path, endpoint, async (req, res) => {
			try {
				const v = (req.params as Record<string, unknown>).version === undefined ? undefined : param(req, 'version');
				if (v !== undefined && !/^v\d{2}\.0$/.test(v)) throw new SfHttpError(404, 'NOT_FOUND', 'The requested resource does not exist');
				if (auth) {
					const token = bearer(req);
					// Static tokens, or an access token the Salesforce authorization server (oauth.ts) issued and still honours.
					if (!token || !(this.validTokens.has(token) || oauthTokenState(this, token) === 'valid')) throw new SfHttpError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
					this.requestFault(endpoint);
				}
				return await handler(req, res);
			} catch (e) {
				if (e instanceof SfHttpError) {
					res.status(e.status).set(e.headers).json(e.body());
					return undefined;
				}
				if (e instanceof SoqlError) {
					res.status(400).json([{ message: e.message, errorCode: e.errorCode }]);
					return undefined;
				}
				throw e;
			}
		});
	}

	private installRoutes(): void {
		const base = '/services/data/:version';

		this.route('get', '/services/data', 'versions', () =>
			['58.0', '59.0', '60.0', '61.0', '62.0'].map((v) => ({ label: `Release ${v}`, url: `/services/data/v${v}`, version: v })),
		);

		this.sf(
			'post',
			'/services/oauth2/token',
			'oauth.token',
			(req, res) => {
				const b = (req.body ?? {}) as Record<string, string>;
				if (b.grant_type !== 'refresh_token') {
					res.status(400).json({ error: 'unsupported_grant_type', error_description: 'grant type not supported' });
					return undefined;
				}
				if (b.client_id !== this.clientId || (b.client_secret !== undefined && b.client_secret !== this.clientSecret)) {
					res.status(400).json({ error: 'invalid_client_id', error_description: 'client identifier invalid' });
					return undefined;
				}
				if (b.refresh_token !== this.refreshToken) {
					res.status(400).json({ error: 'invalid_grant', error_description: 'expired access/refresh token' });
					return undefined;
				}
				const token = this.issueAccessToken();
				const issued = String(Date.now());
				const id = `${this.url}/id/${this.orgId}AAA/0055g00000SANDBOX`;
				return {
					access_token: token,
					instance_url: this.url,
					id,
					token_type: 'Bearer',
					issued_at: issued,
					signature: createHmac('sha256', this.clientSecret).update(id + issued).digest('base64'),
					scope: 'api refresh_token',
				};
			},
			false,
		);

		this.sf('get', `${base}`, 'resources', () => {
			const v = `/services/data/v62.0`;
			return { sobjects: `${v}/sobjects`, query: `${v}/query`, queryAll: `${v}/queryAll`, limits: `${v}/limits`, composite: `${v}/composite` };
		});

		this.sf('get', `${base}/limits`, 'limits', () => {
			// Without View Setup and Configuration: 403 INSUFFICIENT_ACCESS (the REST 403 code; the
			// message wording is not documented, so the adapter reads the code and the resource only).
			if (!this.permissions.viewSetup) throw new SfHttpError(403, 'INSUFFICIENT_ACCESS', "You don't have access to this resource. Ask your administrator for help or to request access.");
			return this.limits();
		});
	}

	private limits(): unknown {
		return {
			DailyApiRequests: { Max: this.dailyLimit, Remaining: Math.max(0, this.dailyLimit - this.apiUsage) },
			DataStorageMB: { Max: 5120, Remaining: 5100 },
		};
	}

	private installDataRoutes(): void {
		const base = '/services/data/:version';

		this.sf('get', `${base}/sobjects`, 'sobjects.describeGlobal', () => ({
			encoding: 'UTF-8',
			maxBatchSize: 200,
			sobjects: Object.values(OBJECTS).map((o) => ({ name: o.name, label: o.label, labelPlural: o.labelPlural, keyPrefix: o.keyPrefix, queryable: true, createable: true, updateable: true, deletable: true })),
		}));

		// SOQL
		this.sf('get', `${base}/query`, 'query', (req) => this.runQuery(req, false));
		this.sf('get', `${base}/queryAll`, 'queryAll', (req) => this.runQuery(req, true));
		this.sf('get', `${base}/query/:locator`, 'queryMore', (req) => this.nextPage(param(req, 'locator'), param(req, 'version')));
		this.sf('get', `${base}/queryAll/:locator`, 'queryAllMore', (req) => this.nextPage(param(req, 'locator'), param(req, 'version')));

		// sObject Collections
		this.sf('post', `${base}/composite/sobjects`, 'collections.create', (req) => this.collectionWrite(req, 'create'));
		this.sf('patch', `${base}/composite/sobjects`, 'collections.update', (req) => this.collectionWrite(req, 'update'));
		this.sf('delete', `${base}/composite/sobjects`, 'collections.delete', (req) => this.collectionDelete(req));
		this.sf('get', `${base}/composite/sobjects/:type`, 'collections.retrieve', (req) =>
			this.collectionRetrieve(param(req, 'type'), splitList(req.query.ids), splitList(req.query.fields), param(req, 'version')),
		);
		this.sf('post', `${base}/composite/sobjects/:type`, 'collections.retrieve', (req) => {
			const b = (req.body ?? {}) as { ids?: string[]; fields?: string[] };
			return this.collectionRetrieve(param(req, 'type'), b.ids ?? [], b.fields ?? [], param(req, 'version'));
		});
		this.sf('patch', `${base}/composite/sobjects/:type/:extField`, 'collections.upsert', (req) => this.collectionUpsert(req));

		// sObject basic access
		this.sf('get', `${base}/sobjects/:type/describe`, 'sobject.describe', (req) => this.describe(param(req, 'type')));
		this.sf('post', `${base}/sobjects/:type`, 'sobject.create', (req, res) => {
			const def = this.def(param(req, 'type'));
			const body = (req.body ?? {}) as Record<string, unknown>;
			const { errors, clean } = this.validate(def, stripAttributes(body), 'create');
			if (errors.length) throw errorsToHttp(errors);
			const row = this.tables[def.name].insert(clean);
			res.status(201).set('Location', this.recordUrl(def.name, row.id, param(req, 'version'))).json({ id: row.id, success: true, errors: [] });
			return undefined;
		});
		this.sf('get', `${base}/sobjects/:type/:id`, 'sobject.retrieve', (req) => {
			const def = this.def(param(req, 'type'));
			const row = this.tables[def.name].get(param(req, 'id'));
			if (!row) throw new SfHttpError(404, 'NOT_FOUND', 'The requested resource does not exist');
			const fields = splitList(req.query.fields);
			return this.toRecord(def.name, row, fields.length ? this.resolveFields(def, fields) : undefined, param(req, 'version'));
		});
		this.sf('patch', `${base}/sobjects/:type/:id`, 'sobject.update', (req, res) => {
			const def = this.def(param(req, 'type'));
			const table = this.tables[def.name];
			const row = table.rows.get(param(req, 'id'));
			if (!row) throw new SfHttpError(404, 'NOT_FOUND', 'The requested resource does not exist');
			if (row.deletedAt) throw new SfHttpError(404, 'ENTITY_IS_DELETED', 'entity is deleted', []);
			const converted = this.convertedLeadRefusal(def.name, row);
			if (converted) throw errorsToHttp([converted]);
			const { errors, clean } = this.validate(def, stripAttributes((req.body ?? {}) as Record<string, unknown>), 'update', row);
			if (errors.length) throw errorsToHttp(errors);
			table.update(row.id, clean);
			res.status(204).end();
			return undefined;
		});
		this.sf('delete', `${base}/sobjects/:type/:id`, 'sobject.delete', (req, res) => {
			const def = this.def(param(req, 'type'));
			const table = this.tables[def.name];
			const row = table.rows.get(param(req, 'id'));
			if (!row) throw new SfHttpError(404, 'NOT_FOUND', 'The requested resource does not exist');
			if (row.deletedAt) throw new SfHttpError(404, 'ENTITY_IS_DELETED', 'entity is deleted', []);
			this.transaction(() => this.removeWithChildren(def.name, row.id));
			res.status(204).end();
			return undefined;
		});
	}

	// ---------------------------------------------------------------- record groups

	/**
	 * "Each Opportunity has only one primary contact" (OpportunityContactRole.IsPrimary,
	 * sforce_api_objects_opportunitycontactrole.htm): saving a role as primary makes the
	 * opportunity's other roles non-primary (each of them a change, with a new SystemModstamp).
	 */
	private keepOnePrimaryContactRole(table: Table): void {
		const { insert, update } = table;
		const demoteOthers = (row: Row) => {
			if (row.data.IsPrimary !== true || !row.data.OpportunityId) return;
			for (const other of table.liveWhere('OpportunityId', row.data.OpportunityId)) {
				if (other.id !== row.id && other.data.IsPrimary === true) update.call(table, other.id, { IsPrimary: false });
			}
		};
		table.insert = (data, id) => {
			const row = insert.call(table, data, id);
			demoteOthers(row);
			return row;
		};
		table.update = (id, patch) => {
			const row = update.call(table, id, patch);
			if (row) demoteOthers(row);
			return row;
		};
	}

	/**
	 * Delete a record and what Salesforce deletes with it: an Account takes its Contacts and
	 * Opportunities to the Recycle Bin ("Deleted accounts are moved to the Recycle Bin, along with
	 * these associated items: Contacts, Opportunities, ..." Delete Accounts,
	 * https://help.salesforce.com/s/articleView?id=sf.account_delete.htm, quoted at
	 * https://trailblazers.salesforce.com/answers?id=90630000000gyRjAAI); an Opportunity takes its
	 * contact roles. A Contact's deletion leaves its roles ("[the API] may also return values for
	 * this field for contacts that have been deleted", OpportunityContactRole.ContactId).
	 */
	private removeWithChildren(type: string, id: string): void {
		if (!this.tables[type].remove(id)) return;
		const children: Array<[string, string]> =
			type === 'Account' ? [['Contact', 'AccountId'], ['Opportunity', 'AccountId']] : type === 'Opportunity' ? [['OpportunityContactRole', 'OpportunityId']] : [];
		for (const [childType, field] of children) {
			for (const child of this.tables[childType].liveWhere(field, id)) this.removeWithChildren(childType, child.id);
		}
	}

	/**
	 * Convert a Lead as Salesforce's convertLead does (Database.LeadConvert,
	 * https://developer.salesforce.com/docs/atlas.en-us.apexref.meta/apexref/apex_dml_convertLead.htm;
	 * convertLead(), https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_convertlead.htm):
	 * - an Account (Company → Name, Phone) and a Contact of it (FirstName, LastName, Email, Phone,
	 *   Title, Description) are created, or the given ones are used and only their empty fields are
	 *   filled ("only empty fields in the target object are overwritten"); the standard field map is
	 *   Lead Conversion Field Mapping, https://help.salesforce.com/s/articleView?id=sales.lead_conversion_mapping.htm;
	 * - unless doNotCreateOpportunity, an Opportunity on the Account (Name: opportunityName, else the
	 *   Company; StageName: the picklist's first stage; CloseDate: "the last day of the current
	 *   fiscal quarter", same page) with the Contact as its primary contact role;
	 * - the Lead's activities move to the Contact (WhoId) and the new Opportunity (WhatId, when
	 *   empty), https://help.salesforce.com/s/articleView?id=000385227&type=1;
	 * - the Lead gets the converted Status, IsConverted, ConvertedAccountId/ContactId/OpportunityId
	 *   and ConvertedDate (Change Events for Lead Conversion,
	 *   https://developer.salesforce.com/docs/atlas.en-us.change_data_capture.meta/change_data_capture/cdc_standard_objects_lead_conversion.htm)
	 *   and becomes read-only (https://help.salesforce.com/s/articleView?id=sales.leads_notes.htm).
	 * All of it in one transaction: every touched record gets a new SystemModstamp.
	 */
	convertLead(lc: SfLeadConvert): SfLeadConvertResult {
		const leadId = String(lc?.leadId ?? '');
		const failWith = (errors: SfRecordError[]): SfLeadConvertResult => ({ leadId, accountId: null, contactId: null, opportunityId: null, success: false, errors });
		const fail = (statusCode: string, message: string) => failWith([{ statusCode, message, fields: [] }]);
		const badRef = () => fail('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id');
		const live = (type: string, id: unknown) => {
			const found = typeof id === 'string' ? this.findRow(id) : undefined;
			return found && found.type === type && !found.row.deletedAt ? found.row : undefined;
		};
		const lead = live('Lead', leadId);
		if (!lead) return badRef();
		if (lead.data.IsConverted === true) return fail('CANNOT_UPDATE_CONVERTED_LEAD', 'cannot reference converted lead');
		const status = lc.convertedStatus ?? CONVERTED_LEAD_STATUSES[0];
		if (!CONVERTED_LEAD_STATUSES.includes(status)) return fail('INVALID_STATUS', `invalid convertedStatus: ${status}`);
		const account = lc.accountId ? live('Account', lc.accountId) : undefined;
		if (lc.accountId && !account) return badRef();
		// "this contact must be associated with the specified accountId, and an accountId must be specified"
		const contact = lc.contactId ? live('Contact', lc.contactId) : undefined;
		if (lc.contactId && (!contact || !account || contact.data.AccountId !== account.id)) return badRef();
		const existingOpp = lc.opportunityId ? live('Opportunity', lc.opportunityId) : undefined;
		if (lc.opportunityId && !existingOpp) return badRef();

		const l = lead.data;
		const pick = (map: Record<string, string>) => Object.fromEntries(Object.entries(map).filter(([, from]) => l[from] != null).map(([to, from]) => [to, l[from]]));
		const accountFields = pick({ Name: 'Company', Phone: 'Phone' });
		const contactFields = pick({ FirstName: 'FirstName', LastName: 'LastName', Email: 'Email', Phone: 'Phone', Title: 'Title', Description: 'Description' });
		const emptyOnly = (row: Row, fields: Record<string, unknown>) => Object.fromEntries(Object.entries(fields).filter(([k]) => row.data[k] == null));
		const check = (type: string, fields: Record<string, unknown>, row?: Row) => {
			const { errors, clean } = this.validate(OBJECTS[type], fields, row ? 'update' : 'create', row);
			return errors.length ? { errors } : { clean };
		};
		const accountPlan = check('Account', account ? emptyOnly(account, accountFields) : accountFields, account);
		if (accountPlan.errors) return failWith(accountPlan.errors);
		const contactPlan = check('Contact', contact ? emptyOnly(contact, contactFields) : contactFields, contact);
		if (contactPlan.errors) return failWith(contactPlan.errors);
		const makeOpp = !lc.doNotCreateOpportunity && !existingOpp;
		const now = new Date(Date.now() + this.clock.offsetMs);
		const quarterEnd = new Date(Date.UTC(now.getUTCFullYear(), Math.floor(now.getUTCMonth() / 3) * 3 + 3, 0));
		const oppFields = { Name: lc.opportunityName ?? l.Company, StageName: OPPORTUNITY_STAGES[0], CloseDate: quarterEnd.toISOString().slice(0, 10) };
		const oppPlan = makeOpp ? check('Opportunity', oppFields) : undefined;
		if (oppPlan?.errors) return failWith(oppPlan.errors);

		return this.transaction(() => {
			const accountId = account ? (this.tables.Account.update(account.id, accountPlan.clean!), account.id) : this.tables.Account.insert(accountPlan.clean!).id;
			const contactId = contact
				? (this.tables.Contact.update(contact.id, contactPlan.clean!), contact.id)
				: this.tables.Contact.insert({ ...contactPlan.clean!, AccountId: accountId }).id;
			let opportunityId: string | null = existingOpp?.id ?? null;
			if (oppPlan) {
				opportunityId = this.tables.Opportunity.insert({ ...oppPlan.clean!, AccountId: accountId }).id;
				this.tables.OpportunityContactRole.insert({ OpportunityId: opportunityId, ContactId: contactId, Role: null, IsPrimary: true });
			}
			for (const type of ['Event', 'Task']) {
				for (const act of this.tables[type].liveWhere('WhoId', lead.id)) {
					this.tables[type].update(act.id, { WhoId: contactId, ...(oppPlan && act.data.WhatId == null ? { WhatId: opportunityId } : {}) });
				}
			}
			this.tables.Lead.update(lead.id, {
				Status: status,
				IsConverted: true,
				ConvertedAccountId: accountId,
				ConvertedContactId: contactId,
				ConvertedOpportunityId: opportunityId,
				ConvertedDate: now.toISOString().slice(0, 10),
			});
			return { leadId: lead.id, accountId, contactId, opportunityId, success: true, errors: [] };
		});
	}

	/**
	 * Sandbox control routes of this sandbox (next to the common /__sandbox/* ones):
	 * POST /__sandbox/convert-lead with an SfLeadConvert body converts a Lead as a Salesforce user
	 * would (convertLead above) and answers its LeadConvertResult (200, or 400 when it fails).
	 */
	private installControlRoutes(): void {
		this.app.post('/__sandbox/convert-lead', (req: Request, res: Response) => {
			const result = this.convertLead((req.body ?? {}) as SfLeadConvert);
			res.status(result.success ? 200 : 400).json(result);
		});
	}

	// ---------------------------------------------------------------- helpers

	private def(type: string): SfObjectDef {
		const def = Object.values(OBJECTS).find((o) => o.name.toLowerCase() === String(type).toLowerCase());
		if (!def) throw new SfHttpError(404, 'NOT_FOUND', 'The requested resource does not exist');
		return def;
	}

	private fieldDef(def: SfObjectDef, name: string): SfFieldDef | undefined {
		const n = name.toLowerCase();
		return def.fields.find((f) => f.name.toLowerCase() === n);
	}

	private resolveFields(def: SfObjectDef, names: string[]): string[] {
		return names.map((n) => {
			const f = this.fieldDef(def, n);
			if (!f) throw new SfHttpError(400, 'INVALID_FIELD', `No such column '${n}' on entity '${def.name}'.`, [n]);
			return f.name;
		});
	}

	private recordUrl(type: string, id: string, version = 'v62.0'): string {
		return `/services/data/${version}/sobjects/${type}/${id}`;
	}

	private value(row: Row, field: string): unknown {
		switch (field) {
			case 'Id':
				return row.id;
			case 'IsDeleted':
				return !!row.deletedAt;
			case 'CreatedDate':
				return this.stamp(row.createdAt);
			case 'LastModifiedDate':
			case 'SystemModstamp':
				return this.stamp(row.updatedAt);
			default:
				return row.data[field] ?? null;
		}
	}

	private toRecord(type: string, row: Row, fields?: string[], version = 'v62.0'): Record<string, unknown> {
		const def = OBJECTS[type];
		const out: Record<string, unknown> = { attributes: { type, url: this.recordUrl(type, row.id, version) } };
		for (const f of fields ?? def.fields.map((x) => x.name)) out[f] = this.value(row, f);
		return out;
	}

	private findRow(id: string): { type: string; row: Row } | undefined {
		const type = PREFIX_TO_OBJECT[String(id).slice(0, 3)];
		if (!type) return undefined;
		const table = this.tables[type];
		// A 15-character id is the 18-character one without its checksum suffix.
		const row = table.rows.get(id) ?? (id.length === 15 ? (table.rows.get(to18(id)) ?? [...table.rows.values()].find((r) => r.id.startsWith(id))) : undefined);
		return row ? { type, row } : undefined;
	}

	/** Validate and normalise a write like Salesforce: every problem is reported, with the field names. */
	validate(def: SfObjectDef, input: Record<string, unknown>, mode: 'create' | 'update', existing?: Row): { errors: SfRecordError[]; clean: Record<string, unknown> } {
		const errors: SfRecordError[] = [];
		const clean: Record<string, unknown> = {};
		for (const [key, raw] of Object.entries(input)) {
			const f = this.fieldDef(def, key);
			const byExternalId = !f && raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? this.externalIdReference(def, key, raw as Record<string, unknown>, mode) : undefined;
			if (byExternalId) {
				if ('error' in byExternalId) errors.push(byExternalId.error);
				else clean[byExternalId.field] = byExternalId.id;
				continue;
			}
			if (!f) {
				errors.push({ statusCode: 'INVALID_FIELD', message: `No such column '${key}' on sobject of type ${def.name}`, fields: [key] });
				continue;
			}
			if (f.name === 'Id' && mode === 'update') continue;
			if ((mode === 'create' && !f.createable) || (mode === 'update' && !f.updateable)) {
				errors.push({
					statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
					message: `Unable to create/update fields: ${f.name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
					fields: [f.name],
				});
				continue;
			}
			if (raw === null || raw === undefined || raw === '') {
				clean[f.name] = null;
				continue;
			}
			const err = (statusCode: string, message: string) => errors.push({ statusCode, message: `${f.label}: ${message}`, fields: [f.name] });
			if (STRING_TYPES.has(f.type)) {
				if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
					errors.push({ statusCode: 'JSON_PARSER_ERROR', message: `Cannot deserialize instance of string from ${Array.isArray(raw) ? 'START_ARRAY' : 'START_OBJECT'} value for field ${f.name}`, fields: [f.name] });
					continue;
				}
				const s = String(raw);
				if (f.length && s.length > f.length) {
					err('STRING_TOO_LONG', `data value too large: ${s.slice(0, 40)}${s.length > 40 ? '...' : ''} (max length=${f.length})`);
					continue;
				}
				if (f.type === 'email' && !EMAIL_RE.test(s)) {
					err('INVALID_EMAIL_ADDRESS', `invalid email address: ${s}`);
					continue;
				}
				if (f.type === 'picklist' && f.restrictedPicklist && !f.picklistValues?.some((p) => p.value === s)) {
					err('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', `bad value for restricted picklist field: ${s}`);
					continue;
				}
				if (f.unique) {
					const dup = this.tables[def.name].liveWhere(f.name, s).find((r) => r.id !== existing?.id);
					if (dup) {
						errors.push({ statusCode: 'DUPLICATE_VALUE', message: `duplicate value found: ${f.name} duplicates value on record with id: ${dup.id}`, fields: [f.name] });
						continue;
					}
				}
				clean[f.name] = s;
			} else if (NUMBER_TYPES.has(f.type)) {
				const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
				if (!Number.isFinite(n) || (f.type === 'int' && !Number.isInteger(n))) {
					errors.push({ statusCode: 'JSON_PARSER_ERROR', message: `Cannot deserialize instance of ${f.type === 'int' ? 'int' : 'double'} from VALUE_STRING value ${String(raw)}`, fields: [f.name] });
					continue;
				}
				clean[f.name] = n;
			} else if (f.type === 'date') {
				if (typeof raw !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(raw) || !Number.isFinite(Date.parse(raw))) {
					errors.push({ statusCode: 'JSON_PARSER_ERROR', message: `Cannot deserialize value of type date from String "${String(raw)}" for field ${f.name}`, fields: [f.name] });
					continue;
				}
				clean[f.name] = raw;
			} else if (f.type === 'datetime') {
				const ms = typeof raw === 'string' ? Date.parse(raw.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) : NaN;
				if (!Number.isFinite(ms)) {
					errors.push({ statusCode: 'JSON_PARSER_ERROR', message: `Cannot deserialize value of type datetime from String "${String(raw)}" for field ${f.name}`, fields: [f.name] });
					continue;
				}
				clean[f.name] = sfDateTime(ms);
			} else if (f.type === 'boolean') {
				clean[f.name] = raw === true || raw === 'true';
			} else if (f.type === 'reference') {
				const id = String(raw);
				if (!/^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/.test(id)) {
					errors.push({ statusCode: 'MALFORMED_ID', message: `${f.label}: id value of incorrect type: ${id}`, fields: [f.name] });
					continue;
				}
				// Reference checks as Salesforce makes them: not an id at all → MALFORMED_ID (above); an id
				// of another object (by its key prefix) → FIELD_INTEGRITY_EXCEPTION "id value of incorrect
				// type"; an id of the right object that does not exist → INVALID_CROSS_REFERENCE_KEY
				// "invalid cross reference id" with no fields (StatusCode enum,
				// https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_concepts_core_data_objects.htm#statuscode;
				// the three cases as an org answers them for Contact.AccountId:
				// https://www.salto.io/blog-posts/invalid-cross-reference-id).
				const prefixType = PREFIX_TO_OBJECT[id.slice(0, 3)];
				if (!prefixType || !f.referenceTo?.includes(prefixType)) {
					errors.push({ statusCode: 'FIELD_INTEGRITY_EXCEPTION', message: `${f.label}: id value of incorrect type: ${id}`, fields: [f.name] });
					continue;
				}
				const target = this.findRow(id);
				if (!target) {
					errors.push({ statusCode: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid cross reference id', fields: [] });
					continue;
				}
				if (target.row.deletedAt) {
					errors.push({ statusCode: 'ENTITY_IS_DELETED', message: `entity is deleted`, fields: [f.name] });
					continue;
				}
				clean[f.name] = target.row.id;
			} else {
				clean[f.name] = raw;
			}
		}
		// Required fields and defaults after merging with the stored record.
		const merged: Record<string, unknown> = { ...(existing?.data ?? {}), ...clean };
		if (mode === 'create') {
			for (const f of def.fields) if (f.defaultedOnCreate && f.defaultValue !== undefined && merged[f.name] == null) clean[f.name] = merged[f.name] = f.defaultValue;
		}
		const errored = new Set(errors.flatMap((e) => e.fields));
		const missing = def.fields.filter((f) => f.createable && !f.nillable && !f.defaultedOnCreate && merged[f.name] == null && !errored.has(f.name)).map((f) => f.name);
		if (mode === 'update') {
			// On update only fields explicitly cleared count; untouched required fields stay.
			missing.splice(0, missing.length, ...missing.filter((n) => n in clean));
			for (const f of def.fields) if (f.defaultedOnCreate && !f.nillable && f.createable && f.name in clean && clean[f.name] == null) missing.push(f.name);
		}
		if (def.name === 'Event') this.normaliseEvent(merged, clean, missing);
		if (def.name === 'Event' || def.name === 'Task') this.checkLeadRelatedTo(merged, errors);
		if (missing.length) errors.push({ statusCode: 'REQUIRED_FIELD_MISSING', message: `Required fields are missing: [${missing.join(', ')}]`, fields: missing });
		return { errors, clean };
	}

	/**
	 * A parent named by its external id instead of its Salesforce id: the relationship name with
	 * one external-id field, `"Account": {"FieldFlow_Id__c": "ff-1"}` sets AccountId ("Upserting
	 * Records and Associating with an External ID", Insert or Update (Upsert) a Record Using an
	 * External ID, https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_upsert.htm;
	 * the same works in every create / update / upsert body, sObject Collections included). No
	 * match: INVALID_FIELD "Foreign key external ID: <value> not found for field <field> in entity
	 * <parent>" (the message as Salesforce gives it: https://docs.polytomic.com/docs/saleforceinvalid_reference_error).
	 * undefined = `key` is no such relationship (the caller reports the unknown field).
	 */
	private externalIdReference(def: SfObjectDef, key: string, value: Record<string, unknown>, mode: 'create' | 'update'): { field: string; id: string } | { error: SfRecordError } | undefined {
		const ref = def.fields.find((f) => f.type === 'reference' && f.referenceTo?.length === 1 && relationshipName(f)!.toLowerCase() === key.toLowerCase());
		if (!ref) return undefined;
		const parent = OBJECTS[ref.referenceTo![0]];
		const keys = Object.keys(value).filter((k) => k !== 'attributes');
		const ext = keys.length === 1 ? this.fieldDef(parent, keys[0]) : undefined;
		if (!ext?.externalId) return undefined;
		if ((mode === 'create' && !ref.createable) || (mode === 'update' && !ref.updateable)) {
			const message = `Unable to create/update fields: ${ref.name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`;
			return { error: { statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', message, fields: [ref.name] } };
		}
		const v = value[keys[0]];
		const hit = v === null || v === undefined || v === '' ? undefined : this.tables[parent.name].liveWhere(ext.name, v)[0];
		if (!hit) return { error: { statusCode: 'INVALID_FIELD', message: `Foreign key external ID: ${String(v)} not found for field ${ext.name} in entity ${parent.name}`, fields: [] } };
		return { field: ref.name, id: hit.id };
	}

	/**
	 * An activity whose WhoId is a Lead takes no WhatId ("Related To"): WhatId is Account,
	 * Opportunity, ... with a Contact, and "If whoId is related to lead, Salesforce does not allow
	 * the whatId field to contain any value" (https://rioeducation.com/salesforce-activity-whatid-whoid/;
	 * "Salesforce does not allow WhatId to be set when WhoId references a Lead — this is a hard
	 * platform constraint", https://help-enterprise.pendula.com/hc/en-us/articles/16482784941583;
	 * the fields: Event, https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_event.htm,
	 * Task, https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_task.htm).
	 * Status code FIELD_INTEGRITY_EXCEPTION, as Salesforce reports a reference its rules refuse
	 * (StatusCode enum, https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_concepts_core_data_objects.htm#statuscode);
	 * the message wording is ours. Checked on the record as it would be after the write, so an
	 * update that sets a WhatId on a Lead's activity is refused too.
	 */
	private checkLeadRelatedTo(merged: Record<string, unknown>, errors: SfRecordError[]): void {
		const who = merged.WhoId == null ? '' : String(merged.WhoId);
		if (!who || merged.WhatId == null || merged.WhatId === '' || PREFIX_TO_OBJECT[who.slice(0, 3)] !== 'Lead') return;
		errors.push({ statusCode: 'FIELD_INTEGRITY_EXCEPTION', message: 'Related To ID: a Lead in Name ID cannot have a Related To record; relate it to a Contact instead.', fields: ['WhatId'] });
	}

	/** Events keep ActivityDateTime = StartDateTime and EndDateTime = start + duration, as Salesforce does. */
	private normaliseEvent(merged: Record<string, unknown>, clean: Record<string, unknown>, missing: string[]): void {
		const start = (clean.StartDateTime ?? clean.ActivityDateTime ?? merged.StartDateTime ?? merged.ActivityDateTime) as string | undefined;
		if (!start) {
			missing.push('ActivityDateTime');
			return;
		}
		clean.StartDateTime = clean.ActivityDateTime = start;
		const startMs = Date.parse(start.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
		const duration = (clean.DurationInMinutes ?? undefined) as number | undefined;
		const end = clean.EndDateTime as string | undefined;
		if (duration !== undefined && duration !== null) {
			clean.EndDateTime = sfDateTime(startMs + duration * 60_000);
		} else if (end) {
			clean.DurationInMinutes = Math.round((Date.parse(end.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) - startMs) / 60_000);
		} else if (merged.DurationInMinutes != null) {
			clean.EndDateTime = sfDateTime(startMs + Number(merged.DurationInMinutes) * 60_000);
		} else {
			missing.push('DurationInMinutes');
		}
	}

	private describe(type: string): unknown {
		const def = this.def(type);
		if (this.permissions.deniedObjects.has(def.name)) throw new SfHttpError(404, 'NOT_FOUND', 'The requested resource does not exist');
		return {
			name: def.name,
			label: def.label,
			labelPlural: def.labelPlural,
			keyPrefix: def.keyPrefix,
			createable: true,
			updateable: true,
			deletable: true,
			queryable: true,
			fields: def.fields.map((f) => ({
				name: f.name,
				label: f.label,
				type: f.type,
				length: f.length,
				nillable: f.nillable,
				createable: f.createable,
				updateable: f.updateable,
				defaultedOnCreate: f.defaultedOnCreate,
				filterable: f.filterable,
				externalId: !!f.externalId,
				unique: !!f.unique,
				restrictedPicklist: !!f.restrictedPicklist,
				referenceTo: f.referenceTo ?? [],
				// The name a SOQL relationship query uses (Field in DescribeSObjectResult,
				// https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_describesobjects_describesobjectresult.htm).
				relationshipName: relationshipName(f),
				picklistValues: f.picklistValues ?? [],
				defaultValue: f.defaultValue ?? null,
			})),
		};
	}

	// ---------------------------------------------------------------- SOQL

	private runQuery(req: Request, all: boolean): unknown {
		const q = typeof req.query.q === 'string' ? req.query.q : '';
		if (!q) throw new SfHttpError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
		const parsed = parseSoql(q);
		const def = Object.values(OBJECTS).find((o) => o.name.toLowerCase() === parsed.from.toLowerCase());
		// An object the user's profile cannot read answers as if it did not exist (INVALID_TYPE).
		if (!def || this.permissions.deniedObjects.has(def.name)) {
			throw new SoqlError('INVALID_TYPE', `\n${parsed.from}\n^\nERROR at Row:1:Column:1\nsObject type '${parsed.from}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`);
		}
		const resolve = (n: string) => {
			const own = this.fieldDef(def, n);
			if (own) return own;
			const p = this.parentField(def, n);
			return p && { name: p.canon, type: p.field.type, filterable: p.field.filterable };
		};
		checkQuery(parsed, def.name, resolve);
		const canon = (n: string) => resolve(n)!.name;
		const typeOf = (n: string) => resolve(n)!.type;
		const get = (r: Row, f: string) => {
			if (!f.includes('.')) return this.value(r, f);
			const parent = this.parentRow(def, r, f);
			return parent ? this.value(parent.row, parent.field) : null;
		};
		const includeDeleted = all || parsed.allRows;
		const table = this.tables[def.name];
		const candidates = (includeDeleted ? undefined : this.candidates(table, parsed.where, canon)) ?? (includeDeleted ? table.all() : table.live());
		let rows = candidates.filter((r) => this.visible(r) && matches(parsed.where, (f) => get(r, canon(f)), typeOf));
		rows = sortRows(rows, parsed.orderBy, (r, f) => get(r, canon(f)), typeOf);
		if (parsed.offset) rows = rows.slice(parsed.offset);
		if (parsed.limit !== undefined) rows = rows.slice(0, parsed.limit);
		const fields = parsed.fields.map(canon);
		const version = param(req, 'version');
		const records = rows.map((r) => {
			const rec = this.toRecord(def.name, r, fields.filter((f) => !f.includes('.')), version);
			// A parent's fields nest under the relationship name, with the parent's attributes; null
			// when the reference is empty (Relationship Queries, child-to-parent,
			// https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_relationships_query_using.htm).
			for (const f of fields.filter((x) => x.includes('.'))) {
				const rel = f.slice(0, f.indexOf('.'));
				const parent = this.parentRow(def, r, f);
				if (!parent) {
					rec[rel] = null;
					continue;
				}
				const nested = (rec[rel] ??= { attributes: { type: parent.type, url: this.recordUrl(parent.type, parent.row.id, version) } }) as Record<string, unknown>;
				nested[parent.field] = this.value(parent.row, parent.field);
			}
			return rec;
		});
		const m = /batchSize=(\d+)/i.exec(String(req.headers['sforce-query-options'] ?? ''));
		const batch = m ? Math.min(DEFAULT_BATCH, Math.max(200, Number(m[1]))) : DEFAULT_BATCH;
		const id = `01g5g00000${(++this.locatorSeq).toString(36).toUpperCase().padStart(5, '0')}`;
		this.locators.set(id, { type: def.name, records, pos: 0, batch, all: includeDeleted });
		return this.page(id, version);
	}

	/**
	 * A child-to-parent field (`Account.Name` on Contact): the relationship name of a reference to
	 * one object is the field's name without its `Id` (the describe's relationshipName), then one
	 * of the parent's fields.
	 */
	private parentField(def: SfObjectDef, name: string): { ref: SfFieldDef; parent: SfObjectDef; field: SfFieldDef; canon: string } | undefined {
		const dot = name.indexOf('.');
		if (dot < 0) return undefined;
		const rel = name.slice(0, dot).toLowerCase();
		const ref = def.fields.find((f) => f.type === 'reference' && f.referenceTo?.length === 1 && relationshipName(f)!.toLowerCase() === rel);
		if (!ref) return undefined;
		const parent = OBJECTS[ref.referenceTo![0]];
		const field = this.fieldDef(parent, name.slice(dot + 1));
		return field && { ref, parent, field, canon: `${relationshipName(ref)}.${field.name}` };
	}

	/** The live parent record a child-to-parent field reads, and the parent's field name. */
	private parentRow(def: SfObjectDef, row: Row, name: string): { type: string; row: Row; field: string } | undefined {
		const p = this.parentField(def, name)!;
		const id = row.data[p.ref.name];
		const parent = typeof id === 'string' ? this.tables[p.parent.name].get(id) : undefined;
		return parent && { type: p.parent.name, row: parent, field: p.field.name };
	}

	/**
	 * Live rows a WHERE clause can match, oldest change first, when the clause (or a part of a
	 * top-level AND) narrows them cheaply: `field = 'x'` / `field IN ('x', ...)` on an indexed
	 * field, or `SystemModstamp` / `LastModifiedDate` `>=` / `>` a time (a slice of the change
	 * order). undefined = no such condition; the caller scans. The WHERE still decides.
	 */
	private candidates(table: Table, where: Cond | undefined, canon: (n: string) => string): Row[] | undefined {
		if (!where) return undefined;
		if (where.type === 'and') {
			for (const part of where.parts) {
				const hit = this.candidates(table, part, canon);
				if (hit) return hit;
			}
			return undefined;
		}
		if (where.type === 'or') {
			// The keyset page `(SystemModstamp > x OR (SystemModstamp = x AND Id > y))`: every branch
			// starts at or after the earliest stamp any branch allows.
			const floor = this.modstampFloor(where, canon);
			if (floor !== undefined) {
				const live = table.liveView();
				return live.slice(lowerBound(live, { updatedAt: floor, id: '' }));
			}
			// `Name LIKE 'a' OR Name LIKE 'b' ...` (the duplicate check by name): the union of each
			// branch's index hits, when every branch narrows by an index; else a scan.
			const hits = new Map<string, Row>();
			for (const part of where.parts) {
				if (part.type !== 'cmp' && part.type !== 'in') return undefined;
				const rows = this.candidates(table, part, canon);
				if (!rows) return undefined;
				for (const r of rows) hits.set(r.id, r);
			}
			return [...hits.values()].sort(byChange);
		}
		if (where.type !== 'cmp' && where.type !== 'in') return undefined;
		const field = canon(where.field);
		const keys = where.type === 'cmp' ? (where.op === '=' ? [where.value] : where.op === 'LIKE' ? likeEquals(where.value) : []) : where.negate ? [] : where.values;
		if (keys.length && field === 'Id' && keys.every((k) => k.kind === 'string')) {
			const hits = new Map<string, Row>();
			for (const k of keys) {
				const r = this.findRow((k as { value: string }).value)?.row;
				if (r && !r.deletedAt && table.rows.get(r.id) === r) hits.set(r.id, r);
			}
			return [...hits.values()].sort(byChange);
		}
		if (keys.length && table.indexed(field) && keys.every((k) => k.kind === 'string')) {
			const hits = new Map<string, Row>();
			for (const k of keys) for (const r of table.liveWhere(field, (k as { value: string }).value)) hits.set(r.id, r);
			return [...hits.values()].sort(byChange);
		}
		if (where.type === 'cmp' && (where.op === '>=' || where.op === '>') && where.value.kind === 'datetime' && (field === 'SystemModstamp' || field === 'LastModifiedDate')) {
			const live = table.liveView();
			return live.slice(lowerBound(live, { updatedAt: where.value.value + (where.op === '>' ? 1 : 0), id: '' }));
		}
		return undefined;
	}

	/** The earliest change time (ms) a condition can match by SystemModstamp / LastModifiedDate, if it bounds it. */
	private modstampFloor(c: Cond, canon: (n: string) => string): number | undefined {
		if (c.type === 'and') {
			const floors = c.parts.map((p) => this.modstampFloor(p, canon)).filter((f): f is number => f !== undefined);
			return floors.length ? Math.max(...floors) : undefined;
		}
		if (c.type === 'or') {
			const floors = c.parts.map((p) => this.modstampFloor(p, canon));
			return floors.every((f): f is number => f !== undefined) ? Math.min(...floors) : undefined;
		}
		if (c.type !== 'cmp' || c.value.kind !== 'datetime') return undefined;
		const field = canon(c.field);
		if (field !== 'SystemModstamp' && field !== 'LastModifiedDate') return undefined;
		if (c.op === '>') return c.value.value + 1;
		if (c.op === '>=' || c.op === '=') return c.value.value;
		return undefined;
	}

	private nextPage(locator: string, version: string): unknown {
		const m = /^(.+)-(\d+)$/.exec(locator);
		const state = m ? this.locators.get(m[1]) : undefined;
		if (!m || !state) throw new SfHttpError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
		state.pos = Number(m[2]);
		return this.page(m[1], version);
	}

	private page(id: string, version: string): unknown {
		const s = this.locators.get(id)!;
		const records = s.records.slice(s.pos, s.pos + s.batch);
		const nextPos = s.pos + records.length;
		const done = nextPos >= s.records.length;
		if (done) this.locators.delete(id);
		return {
			totalSize: s.records.length,
			done,
			...(done ? {} : { nextRecordsUrl: `/services/data/${version}/${s.all ? 'queryAll' : 'query'}/${id}-${nextPos}` }),
			records,
		};
	}

	// ---------------------------------------------------------------- collections

	private collectionBody(req: Request): { allOrNone: boolean; records: Array<Record<string, unknown>> } {
		const b = (req.body ?? {}) as { allOrNone?: boolean; records?: unknown };
		if (!Array.isArray(b.records)) throw new SfHttpError(400, 'JSON_PARSER_ERROR', 'The request body must contain a records array', []);
		if (b.records.length > MAX_COLLECTION) {
			throw new SfHttpError(400, 'EXCEEDED_ID_LIMIT', `record count cannot exceed ${MAX_COLLECTION}`, []);
		}
		this.collectionLog.push({ method: req.method, allOrNone: b.allOrNone, records: b.records.length });
		return { allOrNone: !!b.allOrNone, records: b.records as Array<Record<string, unknown>> };
	}

	private recordType(rec: Record<string, unknown>): SfObjectDef | SfRecordError {
		const type = (rec.attributes as { type?: string } | undefined)?.type;
		if (!type) return { statusCode: 'INVALID_TYPE', message: 'Must specify a type in attributes', fields: [] };
		const def = Object.values(OBJECTS).find((o) => o.name.toLowerCase() === type.toLowerCase());
		if (!def) return { statusCode: 'INVALID_TYPE', message: `sObject type '${type}' is not supported.`, fields: [] };
		return def;
	}

	private finishCollection(allOrNone: boolean, plans: Array<{ errors: SfRecordError[]; apply?: () => { id: string; created?: boolean } }>, ids: Array<string | undefined>): unknown[] {
		const failed = plans.some((p) => p.errors.length);
		if (allOrNone && failed) {
			return plans.map((p, i) => ({
				...(ids[i] ? { id: ids[i] } : {}),
				success: false,
				errors: p.errors.length ? p.errors : [{ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK', message: 'Record rolled back because not all records were valid and the request was using AllOrNone header', fields: [] }],
			}));
		}
		return this.transaction(() =>
			plans.map((p, i) => {
				if (p.errors.length) return { ...(ids[i] ? { id: ids[i] } : {}), success: false, errors: p.errors };
				const r = p.apply!();
				return { id: r.id, success: true, errors: [], ...(r.created !== undefined ? { created: r.created } : {}) };
			}),
		);
	}

	private collectionWrite(req: Request, mode: 'create' | 'update'): unknown {
		const { allOrNone, records } = this.collectionBody(req);
		const ids: Array<string | undefined> = [];
		// Validate each record against the state before this request (as one transaction would).
		const plans = records.map((rec) => {
			const def = this.recordType(rec);
			const id = typeof rec.id === 'string' ? rec.id : typeof rec.Id === 'string' ? rec.Id : undefined;
			ids.push(mode === 'update' ? id : undefined);
			if ('statusCode' in def) return { errors: [def] };
			const refused = this.objectRefusal(def, mode);
			if (refused) return { errors: [refused] };
			const fault = this.recordFault(def, rec);
			if (fault) return { errors: [fault] };
			const { attributes: _a, id: _i, Id: _I, ...fields } = rec;
			if (mode === 'create') {
				if (id) return { errors: [{ statusCode: 'INVALID_FIELD', message: 'cannot specify Id in an insert call', fields: ['Id'] }] };
				const { errors, clean } = this.validate(def, fields, 'create');
				return { errors, apply: () => ({ id: this.tables[def.name].insert(clean).id }) };
			}
			if (!id) return { errors: [{ statusCode: 'MISSING_ARGUMENT', message: 'Id not specified in an update call', fields: [] }] };
			const row = this.tables[def.name].rows.get(id);
			if (!row) {
				const malformed = !/^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/.test(id) || PREFIX_TO_OBJECT[id.slice(0, 3)] !== def.name;
				return {
					errors: [
						malformed
							? { statusCode: 'MALFORMED_ID', message: `${def.label} ID: id value of incorrect type: ${id}`, fields: ['Id'] }
							: { statusCode: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid cross reference id', fields: [] },
					],
				};
			}
			if (row.deletedAt) return { errors: [{ statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] }] };
			const converted = this.convertedLeadRefusal(def.name, row);
			if (converted) return { errors: [converted] };
			const { errors, clean } = this.validate(def, fields, 'update', row);
			return { errors, apply: () => ({ id: this.tables[def.name].update(id, clean)!.id }) };
		});
		return this.finishCollection(allOrNone, plans, ids);
	}

	private collectionUpsert(req: Request): unknown {
		const def = this.def(param(req, 'type'));
		const ext = this.fieldDef(def, param(req, 'extField'));
		if (!ext || (!ext.externalId && ext.name !== 'Id')) {
			throw new SfHttpError(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${param(req, 'extField')}`);
		}
		const { allOrNone, records } = this.collectionBody(req);
		const table = this.tables[def.name];
		const seen = new Set<string>();
		const plans = records.map((rec) => {
			const refused = this.objectRefusal(def, 'upsert');
			if (refused) return { errors: [refused] };
			const fault = this.recordFault(def, rec);
			if (fault) return { errors: [fault] };
			const { attributes: _a, [ext.name]: key, ...fields } = rec;
			if (key === undefined || key === null || key === '') {
				return { errors: [{ statusCode: 'MISSING_ARGUMENT', message: `${ext.name} not specified`, fields: [ext.name] }] };
			}
			const k = String(key).toLowerCase();
			if (seen.has(k)) return { errors: [{ statusCode: 'DUPLICATE_VALUE', message: `Duplicate external id specified: ${String(key)}`, fields: [ext.name] }] };
			seen.add(k);
			const hits = table.liveWhere(ext.name, k);
			if (hits.length > 1) {
				return { errors: [{ statusCode: 'DUPLICATE_EXTERNAL_ID', message: `${ext.name}: more than one record found for external id field: [${hits.map((h) => h.id).join(', ')}]`, fields: [ext.name] }] };
			}
			if (hits.length === 1) {
				const row = hits[0];
				const converted = this.convertedLeadRefusal(def.name, row);
				if (converted) return { errors: [converted] };
				const { errors, clean } = this.validate(def, fields, 'update', row);
				return { errors, apply: () => ({ id: table.update(row.id, clean)!.id, created: false }) };
			}
			const { errors, clean } = this.validate(def, { ...fields, [ext.name]: key }, 'create');
			return { errors, apply: () => ({ id: table.insert(clean).id, created: true }) };
		});
		return this.finishCollection(allOrNone, plans, records.map(() => undefined));
	}

	private collectionDelete(req: Request): unknown {
		const ids = splitList(req.query.ids);
		if (!ids.length) throw new SfHttpError(400, 'MISSING_ARGUMENT', 'ids parameter is required', []);
		if (ids.length > MAX_COLLECTION) throw new SfHttpError(400, 'EXCEEDED_ID_LIMIT', `record count cannot exceed ${MAX_COLLECTION}`, []);
		const allOrNone = String(req.query.allOrNone ?? 'false') === 'true';
		this.collectionLog.push({ method: 'DELETE', allOrNone: req.query.allOrNone === undefined ? undefined : allOrNone, records: ids.length });
		const plans = ids.map((id) => {
			const found = this.findRow(id);
			if (!found) return { errors: [{ statusCode: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid cross reference id', fields: [] }] };
			const fault = this.recordFault(OBJECTS[found.type], { Id: found.row.id });
			if (fault) return { errors: [fault] };
			if (found.row.deletedAt) return { errors: [{ statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] }] };
			return { errors: [], apply: () => (this.removeWithChildren(found.type, found.row.id), { id: found.row.id }) };
		});
		return this.finishCollection(allOrNone, plans, ids);
	}

	private collectionRetrieve(type: string, ids: string[], fields: string[], version: string): unknown {
		const def = this.def(type);
		if (!fields.length) throw new SfHttpError(400, 'MISSING_ARGUMENT', 'fields parameter is required', []);
		if (ids.length > 2000) throw new SfHttpError(400, 'EXCEEDED_ID_LIMIT', 'record count cannot exceed 2000', []);
		const canon = this.resolveFields(def, fields);
		return ids.map((id) => {
			const row = this.tables[def.name].get(id);
			return row ? this.toRecord(def.name, row, canon, version) : null;
		});
	}
}

function param(req: Request, name: string): string {
	const v = (req.params as Record<string, string | string[] | undefined>)[name];
	return Array.isArray(v) ? v.join('/') : String(v ?? '');
}

function splitList(v: unknown): string[] {
	if (v === undefined || v === null) return [];
	const s = Array.isArray(v) ? v.join(',') : String(v);
	return s
		.split(',')
		.map((x) => x.trim())
		.filter(Boolean);
}

/** A reference field's relationship name: AccountId → Account, WhoId → Who; null for other fields. */
function relationshipName(f: SfFieldDef): string | null {
	return f.type === 'reference' ? f.name.replace(/Id$/, '') : null;
}

function stripAttributes(body: Record<string, unknown>): Record<string, unknown> {
	const { attributes: _a, ...rest } = body;
	return rest;
}

function errorsToHttp(errors: SfRecordError[]): SfHttpError {
	const e = new SfHttpError(400, errors[0].statusCode, errors[0].message, errors[0].fields);
	if (errors.length > 1) {
		// Salesforce answers single-record writes with every error in the array.
		(e as unknown as { body: () => unknown }).body = () => errors.map((x) => ({ message: x.message, errorCode: x.statusCode, fields: x.fields }));
	}
	return e;
}
