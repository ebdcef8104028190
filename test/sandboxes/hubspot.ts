/**
 * HubSpot CRM v3 sandbox: the wire format @hubspot/api-client 14 speaks (objects, batch, search,
 * properties, deal pipelines, v4 associations: default PUT, list, batch read / create /
 * associate default / archive, inline `associations` on single and batch create, primary
 * companies; an archived record is unassociated), with HubSpot's error bodies
 * `{status:'error', message, correlationId, category, errors?}`, 207 multi-status batch creates
 * (update / upsert are all-or-nothing: see runBatch) and the
 * X-HubSpot-RateLimit-* headers on 429. Behaviour switches (off by default unless said):
 * `multiStatusBatches` (on: HubSpot's all-or-nothing update / upsert), `searchLagMs` (search index
 * lag), `rateLimit` (the rolling window and daily budget, with their headers on every answer),
 * `grantedScopes` (403 MISSING_SCOPES).
 *
 * Deliberate simplifications (see the HubSpot section of the adapter for what callers rely on):
 *  - the search index is updated synchronously unless `searchLagMs` is set (real HubSpot lags
 *    writes by a few seconds);
 *  - each write gets its own millisecond (the sandbox clock); HubSpot keeps milliseconds too and
 *    documents no shared time for a batch;
 *  - string properties are limited to 65,536 characters (HubSpot's documented text limit);
 *  - "required" properties (deals: dealname + dealstage, meetings/notes: hs_timestamp) are
 *    enforced on create with code MISSING_REQUIRED_PROPERTY.
 */
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { Sandbox, SandboxHttpError, Table, bearer, byChange, lowerBound, type Row, type VendorError, type VendorErrorContext } from './common';
import { oauthTokenState } from './oauth';

export type HsPropertyType = 'string' | 'number' | 'date' | 'datetime' | 'enumeration' | 'bool' | 'phone_number';

export interface HsPropertyDef {
	name: string;
	label: string;
	type: HsPropertyType;
	fieldType: string;
	options?: string[] | Array<{ value: string; label: string }>;
	readOnly?: boolean;
	unique?: boolean;
	required?: boolean;
	email?: boolean;
}

export const HS_STRING_MAX = 65_536;

const ro = (name: string, label: string, type: HsPropertyType, fieldType: string): HsPropertyDef => ({ name, label, type, fieldType, readOnly: true });
const common = (extra: HsPropertyDef[] = []): HsPropertyDef[] => [
	ro('hs_object_id', 'Record ID', 'number', 'number'),
	ro('createdate', 'Create Date', 'datetime', 'date'),
	ro('hs_lastmodifieddate', 'Last Modified Date', 'datetime', 'date'),
	...extra,
];
const str = (name: string, label: string, fieldType = 'text', more: Partial<HsPropertyDef> = {}): HsPropertyDef => ({ name, label, type: 'string', fieldType, ...more });

export const HS_PROPERTIES: Record<string, HsPropertyDef[]> = {
	contacts: common([
		ro('lastmodifieddate', 'Last Modified Date', 'datetime', 'date'),
		ro('notes_last_updated', 'Last Activity Date', 'datetime', 'date'),
		str('email', 'Email', 'text', { unique: true, email: true }),
		str('firstname', 'First Name'),
		str('lastname', 'Last Name'),
		str('phone', 'Phone Number', 'phonenumber'),
		str('mobilephone', 'Mobile Phone Number', 'phonenumber'),
		str('company', 'Company Name'),
		str('jobtitle', 'Job Title'),
		str('website', 'Website URL'),
		str('city', 'City'),
		str('country', 'Country/Region'),
		{
			name: 'lifecyclestage',
			label: 'Lifecycle Stage',
			type: 'enumeration',
			fieldType: 'radio',
			options: ['subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity', 'customer', 'evangelist', 'other'],
		},
		{
			name: 'hs_lead_status',
			label: 'Lead Status',
			type: 'enumeration',
			fieldType: 'radio',
			options: ['NEW', 'OPEN', 'IN_PROGRESS', 'OPEN_DEAL', 'UNQUALIFIED', 'ATTEMPTED_TO_CONTACT', 'CONNECTED', 'BAD_TIMING'],
		},
	]),
	companies: common([
		str('name', 'Company name'),
		str('domain', 'Company Domain Name'),
		str('phone', 'Phone Number', 'phonenumber'),
		str('website', 'Website URL'),
		str('city', 'City'),
		str('industry', 'Industry'),
		{ name: 'numberofemployees', label: 'Number of Employees', type: 'number', fieldType: 'number' },
		{ name: 'annualrevenue', label: 'Annual Revenue', type: 'number', fieldType: 'number' },
		str('description', 'Description', 'textarea'),
	]),
	deals: common([
		str('dealname', 'Deal Name', 'text', { required: true }),
		{
			name: 'dealstage',
			label: 'Deal Stage',
			type: 'enumeration',
			fieldType: 'radio',
			required: true,
			options: [
				{ value: 'appointmentscheduled', label: 'Appointment Scheduled' },
				{ value: 'qualifiedtobuy', label: 'Qualified To Buy' },
				{ value: 'presentationscheduled', label: 'Presentation Scheduled' },
				{ value: 'decisionmakerboughtin', label: 'Decision Maker Bought-In' },
				{ value: 'contractsent', label: 'Contract Sent' },
				{ value: 'closedwon', label: 'Closed Won' },
				{ value: 'closedlost', label: 'Closed Lost' },
			],
		},
		{ name: 'amount', label: 'Amount', type: 'number', fieldType: 'number' },
		{ name: 'pipeline', label: 'Pipeline', type: 'enumeration', fieldType: 'select', options: [{ value: 'default', label: 'Sales Pipeline' }] },
		{ name: 'closedate', label: 'Close Date', type: 'datetime', fieldType: 'date' },
		str('description', 'Deal Description', 'textarea'),
	]),
	meetings: common([
		str('hs_meeting_title', 'Meeting name'),
		str('hs_meeting_body', 'Meeting description', 'html'),
		{ name: 'hs_timestamp', label: 'Activity date', type: 'datetime', fieldType: 'date', required: true },
		{ name: 'hs_meeting_start_time', label: 'Start Time', type: 'datetime', fieldType: 'date' },
		{ name: 'hs_meeting_end_time', label: 'End Time', type: 'datetime', fieldType: 'date' },
		{
			name: 'hs_meeting_outcome',
			label: 'Meeting outcome',
			type: 'enumeration',
			fieldType: 'select',
			options: [
				{ value: 'SCHEDULED', label: 'Scheduled' },
				{ value: 'COMPLETED', label: 'Completed' },
				{ value: 'RESCHEDULED', label: 'Rescheduled' },
				{ value: 'NO_SHOW', label: 'No Show' },
				{ value: 'CANCELED', label: 'Canceled' },
			],
		},
		str('hs_internal_meeting_notes', 'Internal Meeting Notes', 'html'),
		str('hs_meeting_external_url', 'External URL'),
		str('hs_meeting_location', 'Location'),
	]),
	notes: common([
		str('hs_note_body', 'Note body', 'html'),
		{ name: 'hs_timestamp', label: 'Activity date', type: 'datetime', fieldType: 'date', required: true },
	]),
};

/**
 * The account's deal pipeline: HubSpot's default "Sales Pipeline" (id 'default') and its default
 * stages, whose ids are the `dealstage` options above (probability and isClosed as the stage
 * metadata, strings as the v3 pipelines API answers them: https://developers.hubspot.com/docs/api-reference/crm-pipelines-v3/guide;
 * the default stages' probabilities 20 %, 40 %, 60 %, 80 %, 90 %, won 100 %, lost 0 %).
 */
export const HS_DEAL_PIPELINE = {
	id: 'default',
	label: 'Sales Pipeline',
	displayOrder: 0,
	stages: (
		[
			['appointmentscheduled', 'Appointment Scheduled', '0.2'],
			['qualifiedtobuy', 'Qualified To Buy', '0.4'],
			['presentationscheduled', 'Presentation Scheduled', '0.6'],
			['decisionmakerboughtin', 'Decision Maker Bought-In', '0.8'],
			['contractsent', 'Contract Sent', '0.9'],
			['closedwon', 'Closed Won', '1.0'],
			['closedlost', 'Closed Lost', '0.0'],
		] as const
	).map(([id, label, probability], displayOrder) => ({ id, label, displayOrder, metadata: { isClosed: String(id.startsWith('closed')), probability } })),
};

/** Object type → singular name used in HubSpot messages and association labels. */
const SINGULAR: Record<string, string> = { contacts: 'contact', companies: 'company', deals: 'deal', meetings: 'meeting', notes: 'note' };
const ID_BASE: Record<string, number> = { contacts: 1000, companies: 5_000_000, deals: 9_000_000, meetings: 40_000_000, notes: 70_000_000 };

/**
 * HUBSPOT_DEFINED association type ids (from → to), as the associations v4 guide's "Association
 * type ID values" list them (https://developers.hubspot.com/docs/api/crm/associations). The
 * activities' ones (meeting → contact 200, company 188, deal 212; note → contact 202, company 190,
 * deal 214, and back) are what a meeting or note takes inline on create ("Create a meeting ... To
 * associate it with existing records, include an associations object",
 * https://developers.hubspot.com/docs/api/crm/meetings; notes, https://developers.hubspot.com/docs/api/crm/notes)
 * and what the v4 reads answer for meetings and notes like any other object.
 */
export const HS_ASSOCIATION_TYPES: Record<string, number> = {
	'contacts->companies': 279,
	'companies->contacts': 280,
	'deals->contacts': 3,
	'contacts->deals': 4,
	'deals->companies': 341,
	'companies->deals': 342,
	'meetings->contacts': 200,
	'contacts->meetings': 199,
	'meetings->companies': 188,
	'companies->meetings': 187,
	'meetings->deals': 212,
	'deals->meetings': 211,
	'notes->contacts': 202,
	'contacts->notes': 201,
	'notes->companies': 190,
	'companies->notes': 189,
	'notes->deals': 214,
	'deals->notes': 213,
};

/**
 * HUBSPOT_DEFINED "Primary" association types (from -> to), besides the unlabeled ones above. A
 * primary association is always listed alongside the unlabeled one ("Unlabeled: an association type
 * added when any ... record is associated ... will always returned in responses with a label value
 * of null. When a record has a primary association ..., those types will be listed alongside the
 * unlabeled association type": associations v4, "HubSpot defined association types",
 * https://developers.hubspot.com/docs/api/crm/associations). Ids from the default type ids that
 * page and https://developers.hubspot.com/docs/reference/api/crm/associations/association-details
 * point to: 1 contact to company (Primary), 2 company to contact (Primary), 5 deal to company
 * (Primary), 6 company to deal (Primary). Their label is "<Object> with Primary Company" since
 * 2024-02-19 ("Changes to primary labels for HubSpot-defined association labels",
 * https://developers.hubspot.com/changelog/changes-to-primary-labels-for-hubspot-defined-association-labels,
 * which also says to rely on typeId, never the label); the company side carries the same label here.
 * A record has one primary company: a new primary replaces the old one ("this API supports changing
 * which company is considered the primary").
 */
export const HS_PRIMARY_TYPES: Record<string, number> = {
	'contacts->companies': 1,
	'companies->contacts': 2,
	'deals->companies': 5,
	'companies->deals': 6,
};
const PRIMARY_LABEL: Record<number, string> = { 1: 'Contact with Primary Company', 2: 'Contact with Primary Company', 5: 'Deal with Primary Company', 6: 'Deal with Primary Company' };

/** Every HUBSPOT_DEFINED type id → its direction, whether it is a primary one, and its label (null for unlabeled). */
const HS_TYPE_BY_ID = new Map<number, { fromType: string; toType: string; primary: boolean; label: string | null }>([
	...Object.entries(HS_ASSOCIATION_TYPES).map(([k, id]) => [id, { fromType: k.split('->')[0], toType: k.split('->')[1], primary: false, label: null }] as const),
	...Object.entries(HS_PRIMARY_TYPES).map(([k, id]) => [id, { fromType: k.split('->')[0], toType: k.split('->')[1], primary: true, label: PRIMARY_LABEL[id] }] as const),
]);

/** HubSpot's object type ids (contacts 0-1, companies 0-2, deals 0-3, notes 0-46, meetings 0-47; the "list of object type IDs" of the association-details page above). */
const OBJECT_TYPE_ID: Record<string, string> = { contacts: '0-1', companies: '0-2', deals: '0-3', notes: '0-46', meetings: '0-47' };

interface Assoc {
	fromType: string;
	fromId: string;
	toType: string;
	toId: string;
	typeId: number;
}

interface PropError {
	code: string;
	name: string;
	message: string;
}

export interface HsSeedRecord {
	id?: string;
	properties?: Record<string, unknown>;
	archived?: boolean;
	associations?: Array<{ toObjectType: string; toId: string; typeId?: number }>;
	[prop: string]: unknown;
}

export type HubSpotSeed = Partial<Record<string, HsSeedRecord[]>>;

/** The modification-date properties: their value is the row's `updatedAt`. */
const MODIFIED = new Set(['hs_lastmodifieddate', 'lastmodifieddate']);

/** Property definitions by name, per object type. */
const DEFS: Record<string, Map<string, HsPropertyDef>> = Object.fromEntries(Object.entries(HS_PROPERTIES).map(([type, defs]) => [type, new Map(defs.map((p) => [p.name, p]))]));

const EMAIL_RE = /^[^\s@"<>,;]+@[^\s@"<>,;]+\.[A-Za-z]{2,}$/;

export class HubSpotSandbox extends Sandbox {
	readonly name = 'hubspot';
	/** Search results past this offset answer 400, like the real 10,000-result cap. */
	searchResultCap = 10_000;
	readonly maxBatchSize = 100;
	readonly maxSearchLimit = 200;
	readonly maxPageLimit = 100;
	/**
	 * Which batch writes answer 207 multi-status when every input carries objectWriteTraceId:
	 * 'create' (HubSpot's documented behaviour, the default) or 'all' (update and upsert too, the
	 * sandbox's old behaviour). See runBatch.
	 */
	multiStatusBatches: 'create' | 'all' = 'create';
	/**
	 * Search index lag (ms): a write enters the search endpoints this long after it happened; until
	 * then search answers the record's previous version (or nothing, for a new record). HubSpot:
	 * "It may take a few moments for newly created or updated CRM objects to appear in search
	 * results" (CRM search API, Limitations: https://developers.hubspot.com/docs/api/crm/search).
	 * Reads by id (objects.get, batch read, also by a unique idProperty) and the list API read the
	 * records themselves. 0 (default) = search sees every write at once. Time is the wall clock plus
	 * `clock.offsetMs`, so tests move it without waiting.
	 */
	searchLagMs = 0;
	/**
	 * The private app's rate limits, off by default (undefined: no limit, no rate-limit headers).
	 * When set, every non-search answer carries HubSpot's headers X-HubSpot-RateLimit-Daily,
	 * -Daily-Remaining, -Interval-Milliseconds, -Max and -Remaining (the rolling window: `max`
	 * calls per `intervalMs`; HubSpot: 100 or 150 per 10 s for private apps, 250,000+ per day) and a
	 * call past the window's budget is refused with 429 RATE_LIMITS (policy TEN_SECONDLY_ROLLING).
	 * The search endpoints have their own limit (`searchPerSecond`, HubSpot: 5 requests per second)
	 * and answer without the rate-limit headers. Source: API usage guidelines
	 * (https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details: rate limit headers,
	 * "the search endpoints ... don't include the rate limit headers"; the -Secondly headers are
	 * deprecated there and are not sent) and the CRM search API's limits
	 * (https://developers.hubspot.com/docs/api/crm/search). `headers: false` keeps the limit but
	 * sends no headers (to show what pacing from them saves).
	 */
	rateLimit?: { max: number; intervalMs: number; daily?: number; searchPerSecond?: number; headers?: boolean };
	/** Times of the calls in the current window, of the search calls in the last second, calls today. */
	private rateCalls: number[] = [];
	private searchCalls: number[] = [];
	private dailyUsed = 0;
	/** 429s the rate limit answered (not injected faults). */
	rateLimited = 0;
	/**
	 * The scopes the private app's token was granted; undefined (default) = every scope. A call whose
	 * scope is missing answers 403 MISSING_SCOPES with the required scopes in
	 * errors[].context.requiredGranularScopes (objects: crm.objects.<type>.read / .write; properties:
	 * crm.schemas.<type>.read; https://developers.hubspot.com/docs/api-reference/error-handling,
	 * 403 Forbidden; scope names: https://developers.hubspot.com/docs/apps/legacy-apps/authentication/scopes).
	 */
	grantedScopes?: Set<string>;
	/** The search index per object type while searchLagMs > 0: rows as of `upTo`. */
	private searchIndex: Record<string, { upTo: number; rows: Map<string, Row> }> = {};
	private validTokens = new Set<string>(['hs-sandbox-token']);
	readonly tables: Record<string, Table> = {};
	private assocs: Assoc[] = [];
	/** The associations an all-or-nothing batch added and removed so far, to undo them if it fails. */
	private assocTx?: { added: Assoc[]; removed: Assoc[] };
	/** `${fromType}|${fromId}` → that record's associations (the same objects as in `assocs`). */
	private assocFrom = new Map<string, Assoc[]>();
	private lastId: Record<string, number> = {};

	constructor() {
		super();
		for (const type of Object.keys(HS_PROPERTIES)) {
			const base = ID_BASE[type];
			// Unique properties (contacts' email) are indexed: duplicate checks and idProperty lookups are O(1);
			// so are companies' name and domain (the EQ / IN searches a group's company is matched by).
			const indexed = [...HS_PROPERTIES[type].filter((d) => d.unique).map((d) => d.name), ...(type === 'companies' ? ['name', 'domain'] : [])];
			this.tables[type] = new Table(this.clock, (n) => String(base + n), indexed);
		}
		this.installRoutes();
	}

	setValidTokens(tokens: string[]): void {
		this.validTokens = new Set(tokens);
	}

	// ------------------------------------------------------------------ data

	/** Drop data, counters and faults, and put the behaviour switches back to their defaults. */
	reset(): void {
		super.reset();
		this.multiStatusBatches = 'create';
		this.searchLagMs = 0;
		this.rateLimit = undefined;
		this.rateCalls = [];
		this.searchCalls = [];
		this.dailyUsed = 0;
		this.rateLimited = 0;
		this.grantedScopes = undefined;
	}

	clearData(): void {
		for (const t of Object.values(this.tables)) t.clear();
		this.searchIndex = {};
		this.assocs = [];
		this.assocFrom.clear();
		this.lastId = {};
	}

	/** Insert with a fresh numeric id (never reusing a seeded one). */
	private insertRow(type: string, data: Record<string, unknown>, id?: string): Row {
		const n = id !== undefined && /^\d+$/.test(id) ? Number(id) : (this.lastId[type] ?? ID_BASE[type]) + 1;
		this.lastId[type] = Math.max(this.lastId[type] ?? ID_BASE[type], n);
		return this.tables[type].insert(data, id ?? String(n));
	}

	seed(data: unknown): void {
		const d = (data ?? {}) as HubSpotSeed;
		for (const [type, records] of Object.entries(d)) {
			const table = this.tables[type];
			if (!table || !Array.isArray(records)) continue;
			for (const rec of records) {
				const { id, properties, archived, associations, ...flat } = rec;
				const props = this.normalize(type, (properties ?? flat) as Record<string, unknown>);
				const row = this.insertRow(type, props, id);
				if (archived) table.remove(row.id);
				for (const a of associations ?? []) {
					this.associate(type, row.id, a.toObjectType, a.toId, a.typeId ?? HS_ASSOCIATION_TYPES[`${type}->${a.toObjectType}`]);
				}
			}
		}
	}

	/** ~20 realistic demo records: companies, contacts linked to them, a few deals. */
	seedSample(): void {
		const companies = [
			{ id: '5000001', name: 'Acme Analytics', domain: 'acme-analytics.com', city: 'Boston', industry: 'Software', phone: '+1 617 555 0100' },
			{ id: '5000002', name: 'Northwind Traders', domain: 'northwind.example', city: 'Seattle', industry: 'Retail', phone: '+1 206 555 0142' },
			{ id: '5000003', name: 'Globex Corporation', domain: 'globex.io', city: 'Austin', industry: 'Manufacturing', phone: '+1 512 555 0199' },
			{ id: '5000004', name: "O'Reilly & Sons", domain: 'oreilly-sons.co.uk', city: 'London', industry: 'Consulting', phone: '+44 20 7946 0958' },
			{ id: '5000005', name: 'Initech', domain: 'initech.com', city: 'Dallas', industry: 'Software', phone: '+1 214 555 0110' },
		];
		const people: Array<[string, string, string, string, string, string]> = [
			['Ada', 'Lovelace', 'ada@acme-analytics.com', 'Head of Data', '5000001', 'salesqualifiedlead'],
			['Grace', 'Hopper', 'grace.hopper@acme-analytics.com', 'CTO', '5000001', 'opportunity'],
			['Linus', 'Nilsson', 'linus@northwind.example', 'Buyer', '5000002', 'lead'],
			['Maya', 'Patel', 'maya.patel@northwind.example', 'VP Operations', '5000002', 'customer'],
			['Hank', 'Scorpio', 'hank@globex.io', 'CEO', '5000003', 'opportunity'],
			['Jane', 'Doe', 'jane.doe@globex.io', 'Procurement Lead', '5000003', 'marketingqualifiedlead'],
			['Seán', "O'Reilly", 'sean@oreilly-sons.co.uk', 'Managing Partner', '5000004', 'lead'],
			['Niamh', 'Byrne', 'niamh.byrne@oreilly-sons.co.uk', 'Consultant', '5000004', 'subscriber'],
			['Peter', 'Gibbons', 'peter.gibbons@initech.com', 'Engineer', '5000005', 'lead'],
			['Joanna', 'Smith', 'joanna@initech.com', 'Office Manager', '5000005', 'salesqualifiedlead'],
			['Carlos', 'Mendes', 'carlos.mendes@gmail.com', 'Freelance Consultant', '', 'lead'],
			['Yuki', 'Tanaka', 'yuki.tanaka@example.jp', 'Product Manager', '', 'subscriber'],
		];
		const byId = new Map(companies.map((c) => [c.id, c.name]));
		this.seed({
			companies: companies.map(({ id, ...p }) => ({ id, properties: { ...p, website: `https://${p.domain}` } })),
			contacts: people.map(([firstname, lastname, email, jobtitle, companyId, lifecyclestage], i) => ({
				id: String(1001 + i),
				properties: {
					firstname,
					lastname,
					email,
					jobtitle,
					lifecyclestage,
					company: byId.get(companyId) ?? '',
					phone: `+1 555 01${String(10 + i)}`,
					hs_lead_status: i % 3 === 0 ? 'NEW' : i % 3 === 1 ? 'OPEN' : 'IN_PROGRESS',
				},
				associations: companyId ? [{ toObjectType: 'companies', toId: companyId }] : [],
			})),
		});
		this.seed({
			deals: [
				{ id: '9000001', properties: { dealname: 'Acme Analytics – Platform', dealstage: 'presentationscheduled', amount: 48000, pipeline: 'default', closedate: '2025-09-30T00:00:00.000Z' }, associations: [{ toObjectType: 'contacts', toId: '1001' }, { toObjectType: 'companies', toId: '5000001' }] },
				{ id: '9000002', properties: { dealname: 'Globex – Pilot', dealstage: 'qualifiedtobuy', amount: 12000, pipeline: 'default', closedate: '2025-08-15T00:00:00.000Z' }, associations: [{ toObjectType: 'contacts', toId: '1005' }, { toObjectType: 'companies', toId: '5000003' }] },
				{ id: '9000003', properties: { dealname: 'Northwind – Renewal', dealstage: 'closedwon', amount: 30500, pipeline: 'default', closedate: '2025-06-01T00:00:00.000Z' }, associations: [{ toObjectType: 'contacts', toId: '1004' }, { toObjectType: 'companies', toId: '5000002' }] },
			],
		});
	}

	snapshot(): Record<string, unknown> {
		const out: Record<string, unknown> = {};
		for (const [type, table] of Object.entries(this.tables)) {
			out[type] = table.all().map((r) => this.toPublic(type, r, HS_PROPERTIES[type].map((d) => d.name)));
		}
		out.associations = this.assocs.map((a) => ({ ...a }));
		return out;
	}

	/** Live (not archived) records of a type, public shape. */
	records(type: string): Array<{ id: string; properties: Record<string, string | null> }> {
		return this.table(type)
			.live()
			.map((r) => this.toPublic(type, r, HS_PROPERTIES[type].map((d) => d.name)));
	}

	/**
	 * A record's associations (to `toType` only, if given). An archived record has none, and is in
	 * none of the other records' associations: HubSpot unassociates a deleted record ("All activity
	 * is deleted and unassociated from the record ... If the contact is restored, activities will be
	 * restored": https://knowledge.hubspot.com/privacy-and-consent/understand-restorable-and-permanent-contact-deletions;
	 * records of every object are restorable for 90 days: https://knowledge.hubspot.com/contacts/delete-a-list-of-contacts).
	 * The pairs are kept while a record is archived, so a restore would bring them back.
	 */
	associationsOf(type: string, id: string, toType?: string): Assoc[] {
		if (!this.tables[type]?.get(id)) return [];
		return (this.assocFrom.get(`${type}|${id}`) ?? []).filter((a) => (!toType || a.toType === toType) && !!this.tables[a.toType]?.get(a.toId));
	}

	// ------------------------------------------------------------------ errors

	protected vendorError(ctx: VendorErrorContext): VendorError {
		const correlationId = randomUUID();
		switch (ctx.kind) {
			case 'auth':
				return {
					status: 401,
					body: {
						status: 'error',
						message:
							ctx.message === 'Session expired or invalid'
								? 'The OAuth token used to make this call expired 0 hour(s) ago.'
								: ctx.message,
						correlationId,
						category: ctx.message.startsWith('Authentication credentials not found') ? 'INVALID_AUTHENTICATION' : 'EXPIRED_AUTHENTICATION',
					},
				};
			case 'notFound':
				return { status: 404, body: { status: 'error', message: ctx.message === 'The requested resource does not exist' ? 'resource not found' : ctx.message, correlationId, category: 'OBJECT_NOT_FOUND' } };
			case 'rateLimit': {
				const modelled = ctx.details as { retryAfter?: number; extraBody?: { policyName?: string } } | undefined;
				const retryAfter = ctx.retryAfter ?? modelled?.retryAfter ?? 1;
				if (modelled?.extraBody?.policyName) {
					// The modelled limit (rateLimit): its own headers, already on the answer.
					return { status: 429, headers: { 'Retry-After': String(retryAfter) }, body: { status: 'error', message: ctx.message, errorType: 'RATE_LIMIT', correlationId, category: 'RATE_LIMITS', groupName: 'publicapi:private-app:sandbox' } };
				}
				return {
					status: 429,
					headers: {
						'Retry-After': String(retryAfter),
						'X-HubSpot-RateLimit-Daily': '250000',
						'X-HubSpot-RateLimit-Daily-Remaining': '249000',
						'X-HubSpot-RateLimit-Interval-Milliseconds': '10000',
						'X-HubSpot-RateLimit-Max': '100',
						'X-HubSpot-RateLimit-Remaining': '0',
						'X-HubSpot-RateLimit-Secondly': '10',
						'X-HubSpot-RateLimit-Secondly-Remaining': '0',
					},
					body: {
						status: 'error',
						message: 'You have reached your ten_secondly_rolling limit.',
						errorType: 'RATE_LIMIT',
						correlationId,
						category: 'RATE_LIMITS',
						policyName: 'TEN_SECONDLY_ROLLING',
						groupName: 'publicapi:private-app:sandbox',
					},
				};
			}
			case 'server':
			case 'timeout':
				return { status: ctx.status >= 500 ? ctx.status : 500, body: { status: 'error', message: ctx.message === 'Internal server error' ? 'internal error' : ctx.message, correlationId, category: 'INTERNAL_ERROR' } };
			case 'validation':
			default: {
				if (ctx.status === 409) return { status: 409, body: { status: 'error', message: ctx.message, correlationId, category: 'CONFLICT' } };
				if (ctx.message === 'Invalid input') {
					// Injected validation fault: an invalid email, as HubSpot words it.
					const err: PropError = { code: 'INVALID_EMAIL', name: 'email', message: 'Email address not-an-email is invalid' };
					return { status: 400, body: validationBody([err], correlationId) };
				}
				return { status: ctx.status === 200 ? 400 : ctx.status, body: { status: 'error', message: ctx.message, correlationId, category: 'VALIDATION_ERROR' } };
			}
		}
	}

	// ------------------------------------------------------------------ helpers

	private table(type: string): Table {
		const t = this.tables[type];
		if (!t) throw new SandboxHttpError(400, 'validation', `Unable to infer object type from: ${type}`);
		return t;
	}

	private defs(type: string): Map<string, HsPropertyDef> {
		return DEFS[type];
	}

	private associate(fromType: string, fromId: string, toType: string, toId: string, typeId: number | undefined): void {
		const fwd = typeId ?? HS_ASSOCIATION_TYPES[`${fromType}->${toType}`];
		const back = HS_ASSOCIATION_TYPES[`${toType}->${fromType}`];
		const add = (a: Assoc) => {
			const key = `${a.fromType}|${a.fromId}`;
			const from = this.assocFrom.get(key) ?? [];
			if (from.some((x) => x.toType === a.toType && x.toId === a.toId && x.typeId === a.typeId)) return;
			this.assocs.push(a);
			from.push(a);
			this.assocFrom.set(key, from);
			this.assocTx?.added.push(a);
		};
		if (HS_TYPE_BY_ID.get(fwd)?.primary) {
			// A primary association comes with the unlabeled one, both ways; the record's previous
			// primary company (if another) stops being primary (see HS_PRIMARY_TYPES).
			const [holderType, holderId, companyId] = fromType === 'companies' ? [toType, toId, fromId] : [fromType, fromId, toId];
			const old = this.associationsOf(holderType, holderId, 'companies').find((a) => a.typeId === HS_PRIMARY_TYPES[`${holderType}->companies`] && a.toId !== companyId);
			if (old) this.unassociate(holderType, holderId, 'companies', old.toId, [HS_PRIMARY_TYPES[`${holderType}->companies`], HS_PRIMARY_TYPES[`companies->${holderType}`]]);
			add({ fromType, fromId, toType, toId, typeId: HS_ASSOCIATION_TYPES[`${fromType}->${toType}`] });
			add({ fromType, fromId, toType, toId, typeId: fwd });
			add({ fromType: toType, fromId: toId, toType: fromType, toId: fromId, typeId: back });
			add({ fromType: toType, fromId: toId, toType: fromType, toId: fromId, typeId: HS_PRIMARY_TYPES[`${toType}->${fromType}`] });
			return;
		}
		add({ fromType, fromId, toType, toId, typeId: fwd });
		if (back !== undefined) add({ fromType: toType, fromId: toId, toType: fromType, toId: fromId, typeId: back });
	}

	/**
	 * Remove the associations between two records, both directions: every type, or only `typeIds`
	 * (v4 batch archive removes every type between the pair:
	 * https://developers.hubspot.com/docs/api-reference/crm-associations-v4/batch/post-crm-v4-associations-fromObjectType-toObjectType-batch-archive).
	 */
	private unassociate(fromType: string, fromId: string, toType: string, toId: string, typeIds?: number[], compact = true): Set<Assoc> {
		const hit = (a: Assoc): boolean =>
			((a.fromType === fromType && a.fromId === fromId && a.toType === toType && a.toId === toId) || (a.fromType === toType && a.fromId === toId && a.toType === fromType && a.toId === fromId)) &&
			(!typeIds || typeIds.includes(a.typeId));
		const removed = new Set<Assoc>();
		for (const key of [`${fromType}|${fromId}`, `${toType}|${toId}`]) {
			const list = this.assocFrom.get(key) ?? [];
			const keep = list.filter((a) => !(hit(a) && removed.add(a)));
			if (keep.length === list.length) continue;
			if (keep.length) this.assocFrom.set(key, keep);
			else this.assocFrom.delete(key);
		}
		if (compact) this.compactAssociations(removed);
		return removed;
	}

	/** Drop removed pairs from the list of all associations (one pass, whatever their number). */
	private compactAssociations(removed: Set<Assoc>): void {
		if (!removed.size) return;
		this.assocs = this.assocs.filter((a) => !removed.has(a));
		this.assocTx?.removed.push(...removed);
	}

	/** Undo the association changes of a rolled-back batch (see assocTx). */
	private rollbackAssociations(tx: { added: Assoc[]; removed: Assoc[] }): void {
		if (!tx.added.length && !tx.removed.length) return;
		const added = new Set(tx.added);
		this.assocs = this.assocs.filter((a) => !added.has(a)).concat(tx.removed.filter((a) => !added.has(a)));
		this.assocFrom.clear();
		for (const a of this.assocs) {
			const key = `${a.fromType}|${a.fromId}`;
			const list = this.assocFrom.get(key);
			if (list) list.push(a);
			else this.assocFrom.set(key, [a]);
		}
	}

	/** Values as HubSpot stores them: strings; datetimes as ISO; emails lower case. */
	private normalize(type: string, props: Record<string, unknown>): Record<string, string | null> {
		const defs = this.defs(type);
		const out: Record<string, string | null> = {};
		for (const [k, v] of Object.entries(props)) {
			if (v === null || v === undefined || v === '') {
				out[k] = null;
				continue;
			}
			const def = defs.get(k);
			if (def?.type === 'datetime' || def?.type === 'date') {
				const ms = toMs(v);
				out[k] = ms === undefined ? String(v) : new Date(ms).toISOString();
			} else if (def?.email) {
				out[k] = String(v).trim().toLowerCase();
			} else if (def?.type === 'bool') {
				out[k] = String(v) === 'true' ? 'true' : 'false';
			} else {
				out[k] = String(v);
			}
		}
		return out;
	}

	private validate(type: string, props: Record<string, unknown>, creating: boolean): PropError[] {
		const defs = this.defs(type);
		const errs: PropError[] = [];
		if (!props || typeof props !== 'object') return [{ code: 'INVALID_INPUT', name: 'properties', message: 'properties must be an object' }];
		for (const [k, v] of Object.entries(props)) {
			const def = defs.get(k);
			if (!def) {
				errs.push({ code: 'PROPERTY_DOESNT_EXIST', name: k, message: `Property "${k}" does not exist` });
				continue;
			}
			if (def.readOnly) {
				errs.push({ code: 'READ_ONLY_VALUE', name: k, message: `"${k}" is a read only property; its value cannot be set.` });
				continue;
			}
			if (v === null || v === undefined || v === '') continue;
			const s = String(v);
			if (def.email && !EMAIL_RE.test(s.trim())) errs.push({ code: 'INVALID_EMAIL', name: k, message: `Email address ${s} is invalid` });
			if (def.type === 'number' && !Number.isFinite(Number(s))) errs.push({ code: 'INVALID_DECIMAL', name: k, message: `${s} was not a valid number.` });
			if ((def.type === 'datetime' || def.type === 'date') && toMs(v) === undefined) errs.push({ code: 'INVALID_DATE', name: k, message: `${s} was not a valid long or a valid ISO 8601 date.` });
			if (def.type === 'enumeration') {
				const allowed = optionValues(def);
				if (!allowed.includes(s)) errs.push({ code: 'INVALID_OPTION', name: k, message: `${s} was not one of the allowed options: [${allowed.map((o) => `label: "${o}"\nvalue: "${o}"`).join(', ')}]` });
			}
			if (def.type === 'string' && s.length > HS_STRING_MAX) errs.push({ code: 'INVALID_LENGTH', name: k, message: `Property "${k}" value is ${s.length} characters long, which exceeds the maximum length of ${HS_STRING_MAX} characters` });
		}
		if (creating) {
			for (const def of defs.values()) {
				if (def.required && (props[def.name] === undefined || props[def.name] === null || props[def.name] === '')) {
					errs.push({ code: 'MISSING_REQUIRED_PROPERTY', name: def.name, message: `Property "${def.name}" is required` });
				}
			}
		}
		return errs;
	}

	/** Id of another live record holding the same unique value (e.g. email). */
	private uniqueClash(type: string, props: Record<string, unknown>, selfId?: string): { prop: string; id: string } | undefined {
		for (const def of HS_PROPERTIES[type]) {
			if (!def.unique) continue;
			const v = props[def.name];
			if (v === undefined || v === null || v === '') continue;
			const hit = this.table(type)
				.liveWhere(def.name, String(v).trim())
				.find((r) => r.id !== selfId);
			if (hit) return { prop: def.name, id: hit.id };
		}
		return undefined;
	}

	private toPublic(type: string, row: Row, wanted?: string[]): { id: string; properties: Record<string, string | null>; createdAt: string; updatedAt: string; archived: boolean; archivedAt?: string } {
		const all: Record<string, string | null> = {
			...(row.data as Record<string, string | null>),
			hs_object_id: row.id,
			createdate: new Date(row.createdAt).toISOString(),
			hs_lastmodifieddate: new Date(row.updatedAt).toISOString(),
		};
		if (type === 'contacts') all.lastmodifieddate = all.hs_lastmodifieddate;
		const defaults = DEFAULT_PROPS[type] ?? [];
		const names = wanted && wanted.length ? uniq([...wanted, 'hs_object_id', 'createdate', type === 'contacts' ? 'lastmodifieddate' : 'hs_lastmodifieddate']) : defaults;
		const properties: Record<string, string | null> = {};
		const defs = this.defs(type);
		for (const n of names) if (defs.has(n)) properties[n] = all[n] ?? null;
		const out = {
			id: row.id,
			properties,
			createdAt: new Date(row.createdAt).toISOString(),
			updatedAt: new Date(row.updatedAt).toISOString(),
			archived: !!row.deletedAt,
		} as { id: string; properties: Record<string, string | null>; createdAt: string; updatedAt: string; archived: boolean; archivedAt?: string };
		if (row.deletedAt) out.archivedAt = new Date(row.deletedAt).toISOString();
		return out;
	}

	private withAssociations(type: string, obj: Record<string, unknown>, toTypes: string[]): Record<string, unknown> {
		if (!toTypes.length) return obj;
		const associations: Record<string, unknown> = {};
		for (const to of toTypes) {
			const list = this.associationsOf(type, obj.id as string, to);
			// v3 names the types: where a primary exists between the objects the unlabeled one is
			// `<a>_to_<b>_unlabeled` and the primary `<a>_to_<b>` (as HubSpot answers
			// GET /crm/v3/objects/deals?associations=companies); otherwise `<a>_to_<b>`.
			const hasPrimary = HS_PRIMARY_TYPES[`${type}->${to}`] !== undefined;
			const name = (a: Assoc): string => `${SINGULAR[type]}_to_${SINGULAR[to]}${hasPrimary && !HS_TYPE_BY_ID.get(a.typeId)?.primary ? '_unlabeled' : ''}`;
			if (list.length) associations[to] = { results: list.map((a) => ({ id: a.toId, type: name(a) })) };
		}
		return Object.keys(associations).length ? { ...obj, associations } : obj;
	}

	/**
	 * The `associations` of a create (single or batch: `[{to:{id}, types:[{associationCategory,
	 * associationTypeId}]}]`, https://developers.hubspot.com/docs/api/crm/associations "Associate
	 * records during creation"), checked before anything is written: the type id must be one the
	 * record's object has (HUBSPOT_DEFINED: HS_ASSOCIATION_TYPES / HS_PRIMARY_TYPES; no
	 * USER_DEFINED labels exist here) and the target must exist. The error is HubSpot's
	 * VALIDATION_ERROR with the associations subCategory (INVALID_ASSOCIATION_TYPE as HubSpot
	 * answers a bad type; the wording of the missing-target message is the sandbox's, HubSpot's
	 * reference gives none). Returns the pairs to write.
	 */
	private checkAssociations(type: string, input: unknown): Array<{ toType: string; toId: string; typeId: number }> | RecordError {
		if (input === undefined || input === null) return [];
		if (!Array.isArray(input)) return { status: 400, category: 'VALIDATION_ERROR', message: 'Invalid input JSON: associations must be an array' };
		const out: Array<{ toType: string; toId: string; typeId: number }> = [];
		for (const a of input as Array<{ to?: { id?: string }; types?: Array<{ associationCategory?: string; associationTypeId?: number }> }>) {
			const toId = String(a?.to?.id ?? '');
			if (!Array.isArray(a?.types) || !a.types.length) return { status: 400, category: 'VALIDATION_ERROR', message: 'Invalid input JSON: associations[].types is required' };
			for (const t of a.types) {
				const typeId = Number(t?.associationTypeId);
				const def = t?.associationCategory === 'HUBSPOT_DEFINED' ? HS_TYPE_BY_ID.get(typeId) : undefined;
				if (!def || def.fromType !== type) {
					return { status: 400, category: 'VALIDATION_ERROR', subCategory: 'crm.associations.INVALID_ASSOCIATION_TYPE', message: `${String(t?.associationCategory)} ${String(t?.associationTypeId)} is not a valid association type from ${SINGULAR[type].toUpperCase()}` };
				}
				if (!/^\d+$/.test(toId) || !this.table(def.toType).get(toId)) {
					return { status: 400, category: 'VALIDATION_ERROR', message: `One or more associations are invalid: ${SINGULAR[def.toType]} ${toId} does not exist`, context: { toObjectId: [toId], toObjectType: [SINGULAR[def.toType].toUpperCase()] } };
				}
				out.push({ toType: def.toType, toId, typeId });
			}
		}
		return out;
	}

	/** Validate and write one create; returns the row or the per-record error. */
	private createOne(type: string, props: Record<string, unknown>, associations?: unknown): Row | RecordError {
		const errs = this.validate(type, props, true);
		if (errs.length) return { status: 400, category: 'VALIDATION_ERROR', errs };
		const clash = this.uniqueClash(type, props);
		if (clash) return { status: 409, category: 'CONFLICT', message: `${cap(SINGULAR[type])} already exists. Existing ID: ${clash.id}`, existingId: clash.id };
		const pairs = this.checkAssociations(type, associations);
		if (isRecordError(pairs)) return pairs;
		const row = this.insertRow(type, this.normalize(type, props));
		for (const p of pairs) this.associate(type, row.id, p.toType, p.toId, p.typeId);
		return row;
	}

	private updateOne(type: string, id: string, props: Record<string, unknown>): Row | RecordError {
		const t = this.table(type);
		if (!t.get(id)) return { status: 404, category: 'OBJECT_NOT_FOUND', message: `Object not found.  objectId are usually numeric.`, id };
		const errs = this.validate(type, props, false);
		if (errs.length) return { status: 400, category: 'VALIDATION_ERROR', errs };
		const clash = this.uniqueClash(type, props, id);
		if (clash) return { status: 409, category: 'CONFLICT', message: `A ${SINGULAR[type]} with this ${clash.prop} already exists. Existing ID: ${clash.id}`, existingId: clash.id };
		return t.update(id, this.normalize(type, props))!;
	}

	private throwRecordError(e: RecordError): never {
		const body = recordErrorBody(e);
		const kind = e.status === 404 ? 'notFound' : 'validation';
		throw new SandboxHttpError(e.status, kind, body.message as string, { extraBody: body });
	}

	private requireAuth(req: Request): void {
		const tok = bearer(req);
		// An access token the HubSpot authorization server (oauth.ts) issued: valid, or 401 EXPIRED_AUTHENTICATION once expired.
		const oauth = oauthTokenState(this, tok);
		if (oauth === 'valid') return;
		if (oauth === 'expired') throw new SandboxHttpError(401, 'auth', 'Session expired or invalid');
		if (!tok || !this.validTokens.has(tok)) {
			throw new SandboxHttpError(
				401,
				'auth',
				'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
			);
		}
	}

	private r(method: 'get' | 'post' | 'put' | 'patch' | 'delete', path: string, endpoint: string, handler: (req: HsReq, res: Response) => unknown): void {
		this.route(method, path, endpoint, (req, res) => {
			this.requireAuth(req);
			this.requireScope(req as HsReq, endpoint);
			this.takeRate(endpoint, res);
			return handler(req as HsReq, res);
		});
	}

	/** The scope a call needs (objects and search: crm.objects.<type>.read|write; properties: crm.schemas.<type>.read). */
	private requireScope(req: HsReq, endpoint: string): void {
		if (!this.grantedScopes) return;
		const type = req.params.type ?? req.params.from;
		if (!type || !['contacts', 'companies', 'deals'].includes(type)) return;
		const write = !['objects.list', 'objects.get', 'objects.batch.read', 'objects.search', 'properties.list', 'associations.list', 'associations.batch.read', 'pipelines.list'].includes(endpoint);
		const scope = endpoint === 'properties.list' ? `crm.schemas.${type}.read` : `crm.objects.${type}.${write ? 'write' : 'read'}`;
		if (this.grantedScopes.has(scope)) return;
		throw new SandboxHttpError(403, 'validation', "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.", {
			extraBody: {
				category: 'MISSING_SCOPES',
				errors: [{ message: 'One or more of the following scopes are required.', context: { requiredGranularScopes: [scope] } }],
				links: { scopes: 'https://developers.hubspot.com/scopes' },
			},
		});
	}

	/** Count a call against the modelled rate limit (rateLimit): headers on the answer, 429 past the budget. */
	private takeRate(endpoint: string, res: Response): void {
		const lim = this.rateLimit;
		if (!lim) return;
		const now = Date.now();
		if (endpoint === 'objects.search') {
			const perSecond = lim.searchPerSecond ?? 5;
			this.searchCalls = this.searchCalls.filter((t) => t > now - 1000);
			if (this.searchCalls.length >= perSecond) {
				this.rateLimited++;
				throw new SandboxHttpError(429, 'rateLimit', 'You have reached your secondly limit.', { retryAfter: 1, extraBody: { policyName: 'SECONDLY' } });
			}
			this.searchCalls.push(now);
			return;
		}
		this.rateCalls = this.rateCalls.filter((t) => t > now - lim.intervalMs);
		const daily = lim.daily ?? 250_000;
		const refused = this.rateCalls.length >= lim.max || this.dailyUsed >= daily;
		if (!refused) {
			this.rateCalls.push(now);
			this.dailyUsed++;
		}
		if (lim.headers !== false) {
			res.set({
				'X-HubSpot-RateLimit-Daily': String(daily),
				'X-HubSpot-RateLimit-Daily-Remaining': String(Math.max(0, daily - this.dailyUsed)),
				'X-HubSpot-RateLimit-Interval-Milliseconds': String(lim.intervalMs),
				'X-HubSpot-RateLimit-Max': String(lim.max),
				'X-HubSpot-RateLimit-Remaining': String(Math.max(0, lim.max - this.rateCalls.length)),
			});
		}
		if (refused) {
			this.rateLimited++;
			const freeAt = (this.rateCalls[0] ?? now) + lim.intervalMs;
			const daySpent = this.dailyUsed >= daily;
			throw new SandboxHttpError(429, 'rateLimit', daySpent ? 'You have reached your daily limit.' : 'You have reached your ten_secondly_rolling limit.', {
				retryAfter: Math.max(1, Math.ceil((freeAt - now) / 1000)),
				extraBody: { policyName: daySpent ? 'DAILY' : 'TEN_SECONDLY_ROLLING' },
			});
		}
	}

	// ------------------------------------------------------------------ routes

	private installRoutes(): void {
		const O = '/crm/v3/objects/:type';

		this.r('get', O, 'objects.list', (req) => {
			const type = req.params.type;
			const t = this.table(type);
			const limit = Math.min(Number(req.query.limit ?? 10), this.maxPageLimit);
			const after = Number(req.query.after ?? 0);
			const archived = String(req.query.archived ?? 'false') === 'true';
			// Live rows in id order are cached until the next write; the page starts by binary search.
			const rows = archived ? t.all().filter((r) => r.deletedAt).sort(byNumericId) : t.liveSorted('id', byNumericId);
			const from = Number.isNaN(after) ? rows.length : firstAtLeast(rows, after);
			const page = rows.slice(from, from + limit);
			const props = listParam(req.query.properties);
			const assoc = listParam(req.query.associations);
			const results = page.map((r) => this.withAssociations(type, this.toPublic(type, r, props), assoc));
			const nextRow = page.length ? rows[from + page.length] : undefined;
			const out: Record<string, unknown> = { results };
			if (nextRow && page.length === limit) out.paging = { next: { after: nextRow.id, link: `${this.url}/crm/v3/objects/${type}?after=${nextRow.id}` } };
			return out;
		});

		this.r('get', `${O}/:id`, 'objects.get', (req) => {
			const type = req.params.type;
			const t = this.table(type);
			const archived = String(req.query.archived ?? 'false') === 'true';
			let row: Row | undefined;
			const idProperty = req.query.idProperty as string | undefined;
			if (idProperty) {
				row = t.liveWhere(idProperty, String(req.params.id))[0];
			} else {
				row = archived ? t.rows.get(req.params.id) : t.get(req.params.id);
				if (row && archived && !row.deletedAt) row = undefined;
			}
			if (!row) throw new SandboxHttpError(404, 'notFound', 'resource not found');
			return this.withAssociations(type, this.toPublic(type, row, listParam(req.query.properties)), listParam(req.query.associations));
		});

		this.r('post', O, 'objects.create', (req, res) => {
			const type = req.params.type;
			this.table(type);
			const out = this.createOne(type, req.body?.properties ?? {}, req.body?.associations);
			if (isRecordError(out)) this.throwRecordError(out);
			res.status(201);
			return this.toPublic(type, out, Object.keys(req.body?.properties ?? {}));
		});

		this.r('patch', `${O}/:id`, 'objects.update', (req) => {
			const type = req.params.type;
			this.table(type);
			let id = req.params.id;
			const idProperty = req.query.idProperty as string | undefined;
			if (idProperty) {
				const hit = this.table(type).liveWhere(idProperty, id)[0];
				if (!hit) throw new SandboxHttpError(404, 'notFound', 'resource not found');
				id = hit.id;
			}
			const out = this.updateOne(type, id, req.body?.properties ?? {});
			if (isRecordError(out)) this.throwRecordError(out);
			return this.toPublic(type, out, Object.keys(req.body?.properties ?? {}));
		});

		this.r('delete', `${O}/:id`, 'objects.archive', (req, res) => {
			// HubSpot answers 204 even when the id does not exist.
			this.table(req.params.type).remove(req.params.id);
			res.status(204).end();
		});

		this.r('post', `${O}/batch/read`, 'objects.batch.read', (req, res) => {
			const type = req.params.type;
			const t = this.table(type);
			const inputs = this.batchInputs(req);
			const idProperty = req.body?.idProperty as string | undefined;
			const archived = String(req.query.archived ?? 'false') === 'true';
			const results: unknown[] = [];
			const missing: string[] = [];
			for (const inp of inputs as Array<{ id?: string }>) {
				const key = String(inp?.id ?? '');
				let row: Row | undefined;
				if (idProperty && idProperty !== 'hs_object_id') row = t.liveWhere(idProperty, key)[0];
				else if (archived) row = t.rows.get(key)?.deletedAt ? t.rows.get(key) : undefined;
				else row = t.get(key);
				if (row) results.push(this.toPublic(type, row, req.body?.properties ?? []));
				else missing.push(key);
			}
			const startedAt = new Date().toISOString();
			if (!missing.length) return { status: 'COMPLETE', results, startedAt, completedAt: new Date().toISOString() };
			res.status(207);
			return {
				status: 'COMPLETE',
				results,
				numErrors: 1,
				errors: [
					{
						status: 'error',
						category: 'OBJECT_NOT_FOUND',
						message: `Could not get some ${SINGULAR[type].toUpperCase()} objects, they may be deleted or not exist. Check that ids are valid.`,
						context: { ids: missing },
					},
				],
				startedAt,
				completedAt: new Date().toISOString(),
			};
		});

		this.r('post', `${O}/batch/create`, 'objects.batch.create', (req, res) => {
			const type = req.params.type;
			this.table(type);
			const inputs = this.batchInputs(req) as Array<{ properties?: Record<string, unknown>; associations?: unknown; objectWriteTraceId?: string }>;
			return this.runBatch(res, type, inputs, 201, (inp) => {
				const props = inp.properties ?? {};
				return this.createOne(type, props, inp.associations);
			});
		});

		this.r('post', `${O}/batch/update`, 'objects.batch.update', (req, res) => {
			const type = req.params.type;
			this.table(type);
			const inputs = this.batchInputs(req) as Array<{ id?: string; idProperty?: string; properties?: Record<string, unknown>; objectWriteTraceId?: string }>;
			return this.runBatch(res, type, inputs, 200, (inp) => {
				let id = String(inp.id ?? '');
				if (inp.idProperty && inp.idProperty !== 'hs_object_id') {
					const hit = this.table(type).liveWhere(inp.idProperty, id)[0];
					if (!hit) return { status: 404, category: 'OBJECT_NOT_FOUND', message: `Object not found.`, id };
					id = hit.id;
				}
				return this.updateOne(type, id, inp.properties ?? {});
			}, 'update');
		});

		this.r('post', `${O}/batch/upsert`, 'objects.batch.upsert', (req, res) => {
			const type = req.params.type;
			this.table(type);
			const inputs = this.batchInputs(req) as Array<{ id?: string; idProperty?: string; properties?: Record<string, unknown>; objectWriteTraceId?: string }>;
			return this.runBatch(res, type, inputs, 200, (inp) => {
				const idProperty = inp.idProperty ?? 'hs_object_id';
				const def = HS_PROPERTIES[type].find((p) => p.name === idProperty);
				if (!def || !(def.unique || idProperty === 'hs_object_id')) {
					return { status: 400, category: 'VALIDATION_ERROR', errs: [{ code: 'INVALID_ID_PROPERTY', name: idProperty, message: `Property "${idProperty}" is not a unique property and cannot be used as idProperty` }] };
				}
				const key = String(inp.id ?? '');
				const hit =
					idProperty === 'hs_object_id'
						? this.table(type).get(key)
						: this.table(type).liveWhere(idProperty, key)[0];
				if (hit) {
					const u = this.updateOne(type, hit.id, inp.properties ?? {});
					return isRecordError(u) ? u : { row: u, isNew: false };
				}
				if (idProperty === 'hs_object_id') return { status: 404, category: 'OBJECT_NOT_FOUND', message: 'Object not found.', id: key };
				const c = this.createOne(type, { ...(inp.properties ?? {}), [idProperty]: key });
				return isRecordError(c) ? c : { row: c, isNew: true };
			}, 'upsert');
		});

		this.r('post', `${O}/batch/archive`, 'objects.batch.archive', (req, res) => {
			const t = this.table(req.params.type);
			for (const inp of this.batchInputs(req) as Array<{ id?: string }>) t.remove(String(inp?.id ?? ''));
			res.status(204).end();
		});

		this.r('post', `${O}/search`, 'objects.search', (req) => this.search(req.params.type, req.body ?? {}));

		this.r('get', '/crm/v3/properties/:type', 'properties.list', (req) => {
			const defs = HS_PROPERTIES[req.params.type];
			if (!defs) throw new SandboxHttpError(400, 'validation', `Unable to infer object type from: ${req.params.type}`);
			return {
				results: defs.map((d, i) => ({
					name: d.name,
					label: d.label,
					type: d.type,
					fieldType: d.fieldType,
					description: '',
					groupName: `${SINGULAR[req.params.type]}information`,
					options: optionList(d).map((o, j) => ({ label: o.label, value: o.value, displayOrder: j, hidden: false })),
					displayOrder: i,
					calculated: false,
					externalOptions: false,
					hasUniqueValue: !!d.unique,
					hidden: false,
					hubspotDefined: true,
					formField: !d.readOnly,
					modificationMetadata: { archivable: !d.readOnly, readOnlyDefinition: true, readOnlyValue: !!d.readOnly },
				})),
			};
		});

		this.r('put', '/crm/v4/objects/:from/:fromId/associations/default/:to/:toId', 'associations.default.create', (req) => {
			const { from, fromId, to, toId } = req.params;
			if (!this.table(from).get(fromId)) throw new SandboxHttpError(404, 'notFound', `${cap(SINGULAR[from])} ${fromId} does not exist`);
			if (!this.table(to).get(toId)) throw new SandboxHttpError(404, 'notFound', `${cap(SINGULAR[to])} ${toId} does not exist`);
			const typeId = HS_ASSOCIATION_TYPES[`${from}->${to}`];
			if (typeId === undefined) throw new SandboxHttpError(400, 'validation', `No default association between ${from} and ${to}`);
			this.associate(from, fromId, to, toId, typeId);
			const now = new Date().toISOString();
			return {
				status: 'COMPLETE',
				results: [{ from: { id: fromId }, to: { id: toId }, associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: typeId } }],
				startedAt: now,
				completedAt: now,
			};
		});

		this.r('get', '/crm/v4/objects/:from/:fromId/associations/:to', 'associations.list', (req) => {
			const { from, fromId, to } = req.params;
			this.table(from);
			return {
				results: this.associationsOf(from, fromId, to).map((a) => ({
					toObjectId: Number(a.toId),
					associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: a.typeId, label: null }],
				})),
			};
		});
		this.installAssociationBatches();
		this.installPipelines();
	}

	/**
	 * Associations v4 batch endpoints (the SDK's client.crm.associations.v4.batchApi: getPage = read,
	 * create, createDefault = associate/default, archive), shapes from the v4 reference
	 * (https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/batch/get-associations
	 * and its sibling pages create-associations, …/batch/associate/default, …/batch/archive).
	 * {fromObjectType}/{toObjectType} are the plural object names. Per-input problems are 207
	 * multi-status `errors[]` (StandardError: status, category, subCategory, message, context);
	 * what the reference does not cover is said at each endpoint.
	 */
	private installAssociationBatches(): void {
		const A = '/crm/v4/associations/:from/:to/batch';
		const types = (req: HsReq): { from: string; to: string } => {
			const { from, to } = req.params;
			this.table(from);
			this.table(to);
			return { from, to };
		};
		const done = (res: Response, status: number, results: unknown[], errors: unknown[]): Record<string, unknown> => {
			const now = new Date().toISOString();
			res.status(errors.length ? 207 : status);
			return { status: 'COMPLETE', results, ...(errors.length ? { numErrors: errors.length, errors } : {}), startedAt: now, completedAt: now };
		};
		const notFound = (type: string, id: string): Record<string, unknown> => ({
			status: 'error',
			category: 'OBJECT_NOT_FOUND',
			message: `${cap(SINGULAR[type])} ${id} does not exist`,
			context: { objectType: [SINGULAR[type].toUpperCase()], id: [id] },
			errors: [],
		});

		// Read: results per input id that has associations, `to` grouped per associated record with
		// every type between the pair (label null for unlabeled, PRIMARY_LABEL for primary). An id with none
		// (or that does not exist) is an error, not an empty result, as HubSpot answers it:
		// {category:'OBJECT_NOT_FOUND', subCategory:'crm.associations.NO_ASSOCIATIONS_FOUND', message:
		// 'No company is associated with contact 1.', context:{fromObjectId, fromObjectType, toObjectType}}
		// with 207. At most 1,000 inputs ("Batch Read Limit for HubSpot Associations API",
		// https://developers.hubspot.com/changelog/bug-fix-batch-read-limit-for-hubspot-associations-api).
		// Not modelled: per-record paging of the `to` list (`after`); every association comes in one page.
		this.r('post', `${A}/read`, 'associations.batch.read', (req, res) => {
			const { from, to } = types(req);
			const inputs = this.batchInputs(req, 1000) as Array<{ id?: string }>;
			const results: unknown[] = [];
			const errors: unknown[] = [];
			for (const inp of inputs) {
				const id = String(inp?.id ?? '');
				const byTarget = new Map<string, Array<{ category: string; typeId: number; label: string | null }>>();
				for (const a of this.associationsOf(from, id, to)) {
					const list = byTarget.get(a.toId) ?? [];
					list.push({ category: 'HUBSPOT_DEFINED', typeId: a.typeId, label: HS_TYPE_BY_ID.get(a.typeId)?.label ?? null });
					byTarget.set(a.toId, list);
				}
				if (byTarget.size) {
					results.push({ from: { id }, to: [...byTarget].map(([toId, associationTypes]) => ({ toObjectId: Number(toId), associationTypes })) });
				} else {
					errors.push({
						status: 'error',
						category: 'OBJECT_NOT_FOUND',
						subCategory: 'crm.associations.NO_ASSOCIATIONS_FOUND',
						message: `No ${SINGULAR[to]} is associated with ${SINGULAR[from]} ${id}.`,
						context: { fromObjectId: [id], fromObjectType: [SINGULAR[from]], toObjectType: [SINGULAR[to]] },
						errors: [],
					});
				}
			}
			return done(res, 200, results, errors);
		});

		// Create (labelled): inputs [{from:{id}, to:{id}, types:[{associationCategory, associationTypeId}]}]
		// → 201 results [{fromObjectTypeId, fromObjectId, toObjectTypeId, toObjectId, labels}] (labels:
		// the labelled types between the pair, e.g. ['Contact with Primary Company']; unlabeled ones add none). An input
		// with a type the pair of objects lacks, or a record that does not exist, is a per-input error.
		this.r('post', `${A}/create`, 'associations.batch.create', (req, res) => {
			const { from, to } = types(req);
			const inputs = this.batchInputs(req, 1000) as Array<{ from?: { id?: string }; to?: { id?: string }; types?: Array<{ associationCategory?: string; associationTypeId?: number }> }>;
			const results: unknown[] = [];
			const errors: unknown[] = [];
			for (const inp of inputs) {
				const fromId = String(inp?.from?.id ?? '');
				const toId = String(inp?.to?.id ?? '');
				if (!this.table(from).get(fromId)) {
					errors.push(notFound(from, fromId));
					continue;
				}
				if (!this.table(to).get(toId)) {
					errors.push(notFound(to, toId));
					continue;
				}
				const bad = (inp?.types ?? []).find((t) => {
					const def = t?.associationCategory === 'HUBSPOT_DEFINED' ? HS_TYPE_BY_ID.get(Number(t?.associationTypeId)) : undefined;
					return !def || def.fromType !== from || def.toType !== to;
				});
				if (bad || !inp?.types?.length) {
					errors.push({
						status: 'error',
						category: 'VALIDATION_ERROR',
						subCategory: 'crm.associations.INVALID_ASSOCIATION_TYPE',
						message: `${String(bad?.associationTypeId ?? 'none')} is not a valid association type between ${SINGULAR[from].toUpperCase()} and ${SINGULAR[to].toUpperCase()}`,
						context: { type: [String(bad?.associationTypeId ?? '')], fromObjectType: [SINGULAR[from].toUpperCase()], toObjectType: [SINGULAR[to].toUpperCase()] },
						errors: [],
					});
					continue;
				}
				for (const t of inp.types) this.associate(from, fromId, to, toId, Number(t.associationTypeId));
				const labels = uniq(this.associationsOf(from, fromId, to).filter((a) => a.toId === toId).map((a) => HS_TYPE_BY_ID.get(a.typeId)?.label).filter((l): l is string => !!l));
				results.push({ fromObjectTypeId: OBJECT_TYPE_ID[from], fromObjectId: Number(fromId), toObjectTypeId: OBJECT_TYPE_ID[to], toObjectId: Number(toId), labels });
			}
			return done(res, 201, results, errors);
		});

		// Create, associate/default and archive: the reference gives no input limit; the sandbox caps
		// them at batch read's 1,000.
		// Default (unlabeled) associations: inputs [{from:{id}, to:{id}}] → 200 results [{from, to,
		// associationSpec:{associationCategory:'HUBSPOT_DEFINED', associationTypeId}}], as the single
		// PUT …/associations/default/… answers.
		this.r('post', `${A}/associate/default`, 'associations.batch.default', (req, res) => {
			const { from, to } = types(req);
			const typeId = HS_ASSOCIATION_TYPES[`${from}->${to}`];
			if (typeId === undefined) throw new SandboxHttpError(400, 'validation', `No default association between ${from} and ${to}`);
			const inputs = this.batchInputs(req, 1000) as Array<{ from?: { id?: string }; to?: { id?: string } }>;
			const results: unknown[] = [];
			const errors: unknown[] = [];
			for (const inp of inputs) {
				const fromId = String(inp?.from?.id ?? '');
				const toId = String(inp?.to?.id ?? '');
				if (!this.table(from).get(fromId)) errors.push(notFound(from, fromId));
				else if (!this.table(to).get(toId)) errors.push(notFound(to, toId));
				else {
					this.associate(from, fromId, to, toId, typeId);
					results.push({ from: { id: fromId }, to: { id: toId }, associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: typeId } });
				}
			}
			return done(res, 200, results, errors);
		});

		// Archive: inputs [{from:{id}, to:[{id}]}] → 204; every association (all types) between each
		// pair is removed, both directions. Pairs that have none are ignored.
		this.r('post', `${A}/archive`, 'associations.batch.archive', (req, res) => {
			const { from, to } = types(req);
			const removed = new Set<Assoc>();
			for (const inp of this.batchInputs(req, 1000) as Array<{ from?: { id?: string }; to?: Array<{ id?: string }> }>) {
				for (const t of inp?.to ?? []) for (const a of this.unassociate(from, String(inp?.from?.id ?? ''), to, String(t?.id ?? ''), undefined, false)) removed.add(a);
			}
			this.compactAssociations(removed);
			res.status(204).end();
		});
	}

	/**
	 * Deal pipelines (GET /crm/v3/pipelines/deals, the SDK's client.crm.pipelines.pipelinesApi.getAll):
	 * the account's one default "Sales Pipeline" with HubSpot's default stages, whose ids are the
	 * `dealstage` options (https://developers.hubspot.com/docs/api-reference/crm-pipelines-v3/guide).
	 */
	private installPipelines(): void {
		this.r('get', '/crm/v3/pipelines/:type', 'pipelines.list', (req) => {
			if (req.params.type !== 'deals') throw new SandboxHttpError(400, 'validation', `Unable to infer object type from: ${req.params.type}`);
			const created = new Date(0).toISOString();
			return { results: [HS_DEAL_PIPELINE].map((p) => ({ ...p, createdAt: created, updatedAt: created, archived: false, stages: p.stages.map((st) => ({ ...st, createdAt: created, updatedAt: created, archived: false, writePermissions: 'CRM_PERMISSIONS_ENFORCEMENT' })) })) };
		});
	}

	private batchInputs(req: HsReq, max = this.maxBatchSize): unknown[] {
		const inputs = req.body?.inputs;
		if (!Array.isArray(inputs)) throw new SandboxHttpError(400, 'validation', 'Invalid input JSON on line 1, column 1: inputs is required');
		if (inputs.length > max) {
			throw new SandboxHttpError(400, 'validation', `Batch input must contain at most ${max} items, but ${inputs.length} were provided.`, {
				extraBody: { errors: [{ message: `size must be between 1 and ${max}`, code: 'INVALID_BATCH_SIZE', context: { inputs: [String(inputs.length)] } }] },
			});
		}
		return inputs;
	}

	/**
	 * HubSpot batch semantics: a batch is all-or-nothing (the first error answers for the whole
	 * batch with HubSpot's error body `{status:'error', message, correlationId, category:
	 * 'VALIDATION_ERROR', errors}` and nothing is written), except a batch *create* whose inputs all
	 * carry objectWriteTraceId: its valid inputs are written and the answer is 207 with one error per
	 * failed input. HubSpot documents multi-status for "the object APIs' batch create endpoints"
	 * only (https://developers.hubspot.com/docs/api-reference/error-handling, "Multi-status
	 * errors"); `multiStatusBatches = 'all'` restores the old sandbox behaviour where update and
	 * upsert answered 207 too.
	 */
	private runBatch<T extends { objectWriteTraceId?: string }>(
		res: Response,
		type: string,
		inputs: T[],
		okStatus: number,
		write: (inp: T) => Row | RecordError | { row: Row; isNew: boolean },
		kind: 'create' | 'update' | 'upsert' = 'create',
	): Record<string, unknown> {
		const traced =
			(kind === 'create' || this.multiStatusBatches === 'all') &&
			inputs.length > 0 &&
			inputs.every((i) => typeof i?.objectWriteTraceId === 'string' && i.objectWriteTraceId !== '');
		const startedAt = new Date().toISOString();
		if (!traced) {
			// A transaction so a failing batch writes nothing (only the rows it touched are remembered).
			const tables = Object.values(this.tables);
			for (const t of tables) t.begin();
			const tx = (this.assocTx = { added: [], removed: [] });
			const results: unknown[] = [];
			try {
				for (const inp of inputs) {
					const out = write(inp);
					if (isRecordError(out)) {
						for (const t of tables) t.rollback();
						this.rollbackAssociations(tx);
						this.throwRecordError(out);
					}
					results.push(this.batchResult(type, out, inp));
				}
			} finally {
				for (const t of tables) t.commit();
				this.assocTx = undefined;
			}
			res.status(okStatus);
			return { status: 'COMPLETE', results, startedAt, completedAt: new Date().toISOString() };
		}
		const results: unknown[] = [];
		const errors: unknown[] = [];
		for (const inp of inputs) {
			const out = write(inp);
			if (isRecordError(out)) {
				const body = recordErrorBody(out);
				errors.push({
					status: 'error',
					category: out.category,
					...(out.subCategory ? { subCategory: out.subCategory } : {}),
					message: body.message,
					context: { objectWriteTraceId: [inp.objectWriteTraceId!], ...(out.context ?? {}), ...(out.errs ? { propertyName: out.errs.map((e) => e.name) } : {}), ...(out.id ? { ids: [out.id] } : {}) },
					errors: body.errors ?? [],
				});
			} else results.push(this.batchResult(type, out, inp));
		}
		const body: Record<string, unknown> = { status: 'COMPLETE', results, startedAt, completedAt: new Date().toISOString() };
		if (errors.length) {
			body.numErrors = errors.length;
			body.errors = errors;
			res.status(207);
		} else res.status(okStatus);
		return body;
	}

	private batchResult(type: string, out: Row | { row: Row; isNew: boolean }, inp: { objectWriteTraceId?: string; properties?: Record<string, unknown> }): unknown {
		const isUpsert = 'row' in out && 'isNew' in out;
		const row = isUpsert ? (out as { row: Row }).row : (out as Row);
		const pub: Record<string, unknown> = this.toPublic(type, row, Object.keys(inp.properties ?? {}));
		if (isUpsert) pub.new = (out as { isNew: boolean }).isNew;
		if (inp.objectWriteTraceId) pub.objectWriteTraceId = inp.objectWriteTraceId;
		return pub;
	}

	private search(type: string, body: Record<string, unknown>): unknown {
		const t = this.table(type);
		const limit = body.limit === undefined ? 10 : Number(body.limit);
		if (!Number.isInteger(limit) || limit < 0 || limit > this.maxSearchLimit) {
			throw new SandboxHttpError(400, 'validation', `limit must be between 0 and ${this.maxSearchLimit}`);
		}
		const after = body.after === undefined || body.after === null || body.after === '' ? 0 : Number(body.after);
		if (after >= this.searchResultCap) {
			throw new SandboxHttpError(400, 'validation', `There was a problem with the request.`, {
				extraBody: {
					errors: [{ message: `Paging past ${this.searchResultCap} results is not supported; refine the search.`, code: 'VALIDATION_ERROR', context: { after: [String(body.after)] } }],
				},
			});
		}
		const groups = (body.filterGroups as Array<{ filters?: Filter[] }> | undefined) ?? [];
		if (groups.length > 5) throw new SandboxHttpError(400, 'validation', 'Too many filter groups (max 5)');
		const defs = this.defs(type);
		for (const g of groups) {
			for (const f of g.filters ?? []) {
				if (!f.propertyName.startsWith('associations.') && !defs.has(f.propertyName)) {
					throw new SandboxHttpError(400, 'validation', `There was a problem with the request.`, {
						extraBody: { errors: [{ message: `Property "${f.propertyName}" does not exist`, code: 'PROPERTY_DOESNT_EXIST', context: { propertyName: [f.propertyName] } }] },
					});
				}
			}
		}
		// Filters and sorts read single values (record dates as epoch ms); only the text query and
		// the page itself render whole records.
		let rows = this.searchLagMs > 0 ? this.indexedRows(type) : this.searchCandidates(t, groups, defs);
		if (groups.length) rows = rows.filter((row) => groups.some((g) => (g.filters ?? []).every((f) => this.matches(type, row, f, defs))));
		if (typeof body.query === 'string' && body.query) {
			const q = body.query.toLowerCase();
			rows = rows.filter((row) => Object.values(this.toPublic(type, row, [...defs.keys()]).properties).some((v) => v !== null && v.toLowerCase().includes(q)));
		}
		const sorts = ((body.sorts as Array<string | { propertyName: string; direction?: string }>) ?? []).map((s) =>
			typeof s === 'string' ? { propertyName: s.replace(/^-/, ''), direction: s.startsWith('-') ? 'DESCENDING' : 'ASCENDING' } : s,
		);
		// Candidates come oldest change first, and no two records of a table share a modification
		// time (the sandbox clock is strictly increasing): sorted by it ascending, they already are.
		const inChangeOrder = sorts.length === 1 && MODIFIED.has(sorts[0].propertyName) && sorts[0].direction !== 'DESCENDING';
		if (sorts.length && !inChangeOrder) {
			rows.sort((a, b) => {
				for (const s of sorts) {
					const d = compareValues(this.searchValue(type, a, s.propertyName), this.searchValue(type, b, s.propertyName), defs.get(s.propertyName)?.type);
					if (d) return s.direction === 'DESCENDING' ? -d : d;
				}
				return Number(a.id) - Number(b.id);
			});
		} else if (!sorts.length) rows.sort(byNumericId);
		const total = rows.length;
		const wanted = Array.isArray(body.properties) ? (body.properties as string[]) : undefined;
		const page = rows.slice(after, after + limit).map((row) => this.toPublic(type, row, wanted));
		const out: Record<string, unknown> = { total, results: page };
		if (after + limit < total) out.paging = { next: { after: String(after + limit) } };
		return out;
	}

	/**
	 * The live rows the lagging search index holds (searchLagMs): each row as of its last write at
	 * least searchLagMs ago, oldest change first. A write younger than that is not indexed yet (a
	 * new record is missing, an updated one shows its previous values and modification date).
	 */
	private indexedRows(type: string): Row[] {
		const t = this.table(type);
		const cutoff = Date.now() + this.clock.offsetMs - this.searchLagMs;
		const ix = (this.searchIndex[type] ??= { upTo: -Infinity, rows: new Map() });
		for (const row of t.allView()) {
			if (row.updatedAt > ix.upTo && row.updatedAt <= cutoff) ix.rows.set(row.id, { ...row, data: { ...row.data } });
		}
		// Inserts of a rolled-back batch never existed.
		for (const id of [...ix.rows.keys()]) if (!t.rows.has(id)) ix.rows.delete(id);
		ix.upTo = Math.max(ix.upTo, cutoff);
		return [...ix.rows.values()].filter((r) => !r.deletedAt).sort(byChange);
	}

	/**
	 * Rows a search can match, when every filter group narrows them cheaply: an EQ / IN filter on
	 * an indexed string property (email) gives the rows holding those values; a lower bound on
	 * the modification date (GT / GTE / EQ / BETWEEN, the "changed since" search) gives a slice of
	 * the change order. Otherwise every live row. The filters still decide.
	 */
	private searchCandidates(t: Table, groups: Array<{ filters?: Filter[] }>, defs: Map<string, HsPropertyDef>): Row[] {
		const narrowed = groups.map((g): { rows: Row[]; slice: boolean } | undefined => {
			for (const f of g.filters ?? []) {
				if ((f.operator === 'EQ' || f.operator === 'IN') && t.indexed(f.propertyName) && defs.get(f.propertyName)?.type === 'string') {
					const rows: Row[] = [];
					for (const v of f.operator === 'EQ' ? [f.value] : (f.values ?? [])) if (v !== undefined && v !== null) rows.push(...t.liveWhere(f.propertyName, String(v)));
					return { rows, slice: false };
				}
				const since = ['GT', 'GTE', 'EQ', 'BETWEEN'].includes(f.operator) && MODIFIED.has(f.propertyName) && f.value !== undefined && f.value !== null ? toMs(String(f.value)) : undefined;
				if (since !== undefined) {
					const live = t.liveView();
					return { rows: live.slice(lowerBound(live, { updatedAt: since + (f.operator === 'GT' ? 1 : 0), id: '' })), slice: true };
				}
			}
			return undefined;
		});
		if (!narrowed.length || narrowed.some((n) => !n)) return t.live();
		// One date slice: already unique and oldest change first.
		if (narrowed.length === 1 && narrowed[0]!.slice) return narrowed[0]!.rows;
		const hits = new Map<string, Row>();
		for (const n of narrowed) for (const r of n!.rows) hits.set(r.id, r);
		return [...hits.values()].sort(byChange);
	}

	/**
	 * One property of a record as search compares it: what toPublic shows, except the record's own
	 * dates (createdate, hs_lastmodifieddate, lastmodifieddate) as epoch ms unless `iso` (the same
	 * instant; compareValues reads both). Unknown properties are null.
	 */
	private searchValue(type: string, row: Row, name: string, iso = false): string | null {
		if (!DEFS[type].has(name)) return null;
		const time = name === 'createdate' ? row.createdAt : name === 'hs_lastmodifieddate' || (type === 'contacts' && name === 'lastmodifieddate') ? row.updatedAt : undefined;
		if (time !== undefined) return iso ? new Date(time).toISOString() : String(time);
		if (name === 'hs_object_id') return row.id;
		return (row.data[name] as string | null | undefined) ?? null;
	}

	private matches(type: string, row: Row, f: Filter, defs: Map<string, HsPropertyDef>): boolean {
		if (f.propertyName.startsWith('associations.')) {
			const singular = f.propertyName.slice('associations.'.length);
			const toType = Object.entries(SINGULAR).find(([, s]) => s === singular)?.[0] ?? singular;
			const ids = this.associationsOf(type, row.id, toType).map((a) => a.toId);
			if (f.operator === 'EQ') return ids.includes(String(f.value));
			if (f.operator === 'IN') return (f.values ?? []).some((v) => ids.includes(String(v)));
			if (f.operator === 'HAS_PROPERTY') return ids.length > 0;
			return false;
		}
		const v = this.searchValue(type, row, f.propertyName, f.operator === 'CONTAINS_TOKEN' || f.operator === 'NOT_CONTAINS_TOKEN');
		const kind = defs.get(f.propertyName)?.type;
		const has = v !== null && v !== undefined && v !== '';
		switch (f.operator) {
			case 'EQ':
				return has && cmpTo(v, f.value, kind) === 0;
			case 'NEQ':
				return !has || cmpTo(v, f.value, kind) !== 0;
			case 'GT':
				return has && cmpTo(v, f.value, kind) > 0;
			case 'GTE':
				return has && cmpTo(v, f.value, kind) >= 0;
			case 'LT':
				return has && cmpTo(v, f.value, kind) < 0;
			case 'LTE':
				return has && cmpTo(v, f.value, kind) <= 0;
			case 'BETWEEN':
				return has && cmpTo(v, f.value, kind) >= 0 && cmpTo(v, f.highValue, kind) <= 0;
			case 'IN':
				return has && (f.values ?? []).some((x) => cmpTo(v, x, kind) === 0);
			case 'NOT_IN':
				return !has || !(f.values ?? []).some((x) => cmpTo(v, x, kind) === 0);
			case 'HAS_PROPERTY':
				return has;
			case 'NOT_HAS_PROPERTY':
				return !has;
			case 'CONTAINS_TOKEN':
				return has && containsToken(String(v), String(f.value ?? ''));
			case 'NOT_CONTAINS_TOKEN':
				return !has || !containsToken(String(v), String(f.value ?? ''));
			default:
				throw new SandboxHttpError(400, 'validation', `Unknown filter operator ${String(f.operator)}`);
		}
	}
}

type HsReq = Omit<Request, 'params'> & { params: Record<string, string> };

interface Filter {
	propertyName: string;
	operator: string;
	value?: unknown;
	values?: unknown[];
	highValue?: unknown;
}

interface RecordError {
	status: number;
	category: string;
	subCategory?: string;
	context?: Record<string, string[]>;
	message?: string;
	errs?: PropError[];
	existingId?: string;
	id?: string;
}

function isRecordError(x: unknown): x is RecordError {
	return !!x && typeof x === 'object' && 'category' in x && 'status' in x && typeof (x as RecordError).status === 'number';
}

function validationBody(errs: PropError[], correlationId: string): Record<string, unknown> {
	const detail = errs.map((e) => ({ isValid: false, message: e.message, error: e.code, name: e.name, localizedErrorMessage: e.message }));
	return {
		status: 'error',
		message: `Property values were not valid: ${JSON.stringify(detail)}`,
		correlationId,
		category: 'VALIDATION_ERROR',
		errors: errs.map((e) => ({ message: e.message, code: e.code, context: { propertyName: [e.name] } })),
	};
}

function recordErrorBody(e: RecordError): Record<string, unknown> {
	if (e.errs) {
		const b = validationBody(e.errs, randomUUID());
		return { message: b.message, category: b.category, errors: b.errors };
	}
	return { message: e.message ?? 'error', category: e.category, ...(e.subCategory ? { subCategory: e.subCategory } : {}), ...(e.context ? { context: e.context } : {}) };
}

const DEFAULT_PROPS: Record<string, string[]> = {
	contacts: ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'],
	companies: ['createdate', 'domain', 'hs_lastmodifieddate', 'hs_object_id', 'name'],
	deals: ['amount', 'closedate', 'createdate', 'dealname', 'dealstage', 'hs_lastmodifieddate', 'hs_object_id', 'pipeline'],
	meetings: ['createdate', 'hs_lastmodifieddate', 'hs_object_id'],
	notes: ['createdate', 'hs_lastmodifieddate', 'hs_object_id'],
};

function optionList(d: HsPropertyDef): Array<{ value: string; label: string }> {
	return (d.options ?? []).map((o) => (typeof o === 'string' ? { value: o, label: o.charAt(0).toUpperCase() + o.slice(1) } : o));
}
function optionValues(d: HsPropertyDef): string[] {
	return optionList(d).map((o) => o.value);
}

/** The last date string parsed: a search compares every record with the same filter value. */
let lastParsed: { s: string; ms: number | undefined } = { s: '', ms: undefined };

function toMs(v: unknown): number | undefined {
	if (v instanceof Date) return v.getTime();
	const s = String(v);
	if (/^-?\d+$/.test(s)) return Number(s);
	if (s === lastParsed.s) return lastParsed.ms;
	const t = Date.parse(s);
	lastParsed = { s, ms: Number.isFinite(t) ? t : undefined };
	return lastParsed.ms;
}

/** A record's value against a filter value (null / undefined = no value). */
function cmpTo(v: string | null, x: unknown, kind: HsPropertyType | undefined): number {
	return compareValues(v, x === undefined || x === null ? null : String(x), kind);
}

function compareValues(a: string | null | undefined, b: string | null | undefined, type?: HsPropertyType): number {
	if (a === b) return 0;
	if (a === null || a === undefined) return -1;
	if (b === null || b === undefined) return 1;
	if (type === 'datetime' || type === 'date') return (toMs(a) ?? 0) - (toMs(b) ?? 0);
	if (type === 'number') return Number(a) - Number(b);
	const x = a.toLowerCase();
	const y = b.toLowerCase();
	return x < y ? -1 : x > y ? 1 : 0;
}

/** HubSpot tokenises text on non-word characters; `*` is a wildcard inside a token. */
function containsToken(text: string, token: string): boolean {
	const tokens = text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
	const t = token.toLowerCase();
	if (t.includes('*')) {
		const re = new RegExp(`^${t.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
		return tokens.some((x) => re.test(x));
	}
	const parts = t.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
	if (parts.length <= 1) return tokens.includes(parts[0] ?? '');
	// A multi-token value matches a phrase.
	for (let i = 0; i + parts.length <= tokens.length; i++) if (parts.every((p, j) => tokens[i + j] === p)) return true;
	return false;
}

function byNumericId(a: Row, b: Row): number {
	return Number(a.id) - Number(b.id);
}

/** Index of the first row (sorted by numeric id) whose id is at least `id`. */
function firstAtLeast(rows: readonly Row[], id: number): number {
	let lo = 0;
	let hi = rows.length;
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if (Number(rows[mid].id) < id) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}

function listParam(v: unknown): string[] {
	if (v === undefined) return [];
	const arr = Array.isArray(v) ? v : [v];
	return arr.flatMap((x) => String(x).split(',')).filter(Boolean);
}

function uniq<T>(a: T[]): T[] {
	return [...new Set(a)];
}

function cap(s: string): string {
	return s.charAt(0).toUpperCase() + s.slice(1);
}
