/**
 * Pipedrive sandbox: the parts of the Pipedrive REST API the `pipedrive` SDK (v33) uses for sync.
 *
 *  - v2 `/api/v2/persons|organizations|deals|activities`: cursor-paginated lists (limit <= 500,
 *    `cursor`, `additional_data.next_cursor`) with `ids`, `updated_since`, `sort_by`,
 *    `sort_direction`, `person_id`/`org_id`/`deal_id` filters (deals also `pipeline_id`, `stage_id`,
 *    `status` incl. `deleted`); GET/PATCH/DELETE by id; POST. Links (`org_id`, `person_id`,
 *    `deal_id`) must name live records; a deal's pipeline follows its stage.
 *  - v2 `/api/v2/stages` and `/api/v2/pipelines` (list and by id).
 *  - v2 search: `/api/v2/persons/search` and `/api/v2/organizations/search` (term, fields,
 *    exact_match).
 *  - v1 `/api/v1/notes` (start/limit pagination), v1 field metadata (`/api/v1/personFields` ...),
 *    `/api/v1/users/me`, `/api/v1/stages`.
 *
 * Errors use Pipedrive's body `{success:false, error, errorCode, error_info, data:null,
 * additional_data:null}`; every answer carries the token-based rate headers
 * (x-ratelimit-limit / -remaining / -reset, x-daily-requests-left); 429 adds Retry-After.
 *
 * Deletions: like the real API, deleted records disappear from v2 lists and GET by id answers 404.
 * v2 offers no deletion feed (only webhooks) except deals listed with `status=deleted`. Deleting an
 * organization changes nothing on its persons / deals (the reference documents no such effect).
 */
import type { Request } from 'express';
import { MonotonicClock, Sandbox, SandboxHttpError, Table, byChange, type IndexSpec, type Row, type VendorError, type VendorErrorContext } from './common';
import { oauthTokenState } from './oauth';

export const PIPEDRIVE_ERROR_INFO = 'Please check developers.pipedrive.com for more information about Pipedrive API.';

type Entity = 'persons' | 'organizations' | 'deals' | 'activities';
const ENTITIES: Entity[] = ['persons', 'organizations', 'deals', 'activities'];
const SINGULAR: Record<Entity, string> = { persons: 'Person', organizations: 'Organization', deals: 'Deal', activities: 'Activity' };

const EMAIL_RE = /^[^\s@"<>]+@[^\s@"<>]+\.[^\s@"<>]+$/;
const HASH_RE = /^[0-9a-f]{40}$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const HHMM_RE = /^\d{2}:\d{2}$/;
const RFC3339_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const ACTIVITY_TYPES = ['call', 'meeting', 'task', 'deadline', 'email', 'lunch'];
const MAX_NAME = 255;

/** Writable body keys per entity (v2 Add/Update request models). Anything else is rejected. */
const WRITABLE: Record<Entity, string[]> = {
	persons: ['name', 'owner_id', 'org_id', 'add_time', 'emails', 'phones', 'visible_to', 'label_ids', 'postal_address', 'notes', 'im', 'birthday', 'job_title', 'marketing_status', 'custom_fields'],
	organizations: ['name', 'owner_id', 'add_time', 'update_time', 'visible_to', 'label_ids', 'address', 'custom_fields'],
	deals: ['title', 'owner_id', 'person_id', 'org_id', 'pipeline_id', 'stage_id', 'value', 'currency', 'add_time', 'update_time', 'stage_change_time', 'is_deleted', 'is_archived', 'archive_time', 'status', 'probability', 'lost_reason', 'visible_to', 'close_time', 'won_time', 'lost_time', 'expected_close_date', 'label_ids', 'custom_fields'],
	activities: ['subject', 'type', 'owner_id', 'deal_id', 'lead_id', 'person_id', 'org_id', 'project_id', 'due_date', 'due_time', 'duration', 'busy', 'done', 'location', 'participants', 'attendees', 'public_description', 'priority', 'note'],
};

/** Custom fields (40-hex keys) per entity, as listed by the field metadata endpoints. */
export const PIPEDRIVE_CUSTOM_FIELDS = {
	persons: {
		fieldflowId: 'a1f0c0de5eed0000000000000000000000000001',
		leadSource: 'a1f0c0de5eed0000000000000000000000000002',
	},
	organizations: { industry: 'b2f0c0de5eed0000000000000000000000000001' },
	deals: { fieldflowStatus: 'c3f0c0de5eed0000000000000000000000000001' },
} as const;

interface FieldMeta {
	key: string;
	name: string;
	field_type: string;
	mandatory_flag?: boolean;
	options?: Array<{ id: number; label: string }>;
	custom?: boolean;
}

const LEAD_SOURCE_OPTIONS = [
	{ id: 11, label: 'Field visit' },
	{ id: 12, label: 'Referral' },
	{ id: 13, label: 'Website' },
];
const INDUSTRY_OPTIONS = [
	{ id: 21, label: 'Retail' },
	{ id: 22, label: 'Manufacturing' },
	{ id: 23, label: 'Healthcare' },
];

const FIELD_META: Record<Entity, FieldMeta[]> = {
	persons: [
		{ key: 'id', name: 'ID', field_type: 'int' },
		{ key: 'name', name: 'Name', field_type: 'varchar', mandatory_flag: true },
		{ key: 'first_name', name: 'First name', field_type: 'varchar' },
		{ key: 'last_name', name: 'Last name', field_type: 'varchar' },
		{ key: 'email', name: 'Email', field_type: 'varchar' },
		{ key: 'phone', name: 'Phone', field_type: 'phone' },
		{ key: 'org_id', name: 'Organization', field_type: 'org' },
		{ key: 'owner_id', name: 'Owner', field_type: 'user' },
		{ key: 'job_title', name: 'Job title', field_type: 'varchar' },
		{ key: 'notes', name: 'Notes', field_type: 'text' },
		{ key: 'add_time', name: 'Person created', field_type: 'date' },
		{ key: 'update_time', name: 'Update time', field_type: 'date' },
		{ key: PIPEDRIVE_CUSTOM_FIELDS.persons.fieldflowId, name: 'FieldFlow ID', field_type: 'varchar', custom: true },
		{ key: PIPEDRIVE_CUSTOM_FIELDS.persons.leadSource, name: 'Lead source', field_type: 'enum', options: LEAD_SOURCE_OPTIONS, custom: true },
	],
	organizations: [
		{ key: 'id', name: 'ID', field_type: 'int' },
		{ key: 'name', name: 'Name', field_type: 'varchar', mandatory_flag: true },
		{ key: 'address', name: 'Address', field_type: 'address' },
		{ key: 'owner_id', name: 'Owner', field_type: 'user' },
		{ key: 'add_time', name: 'Organization created', field_type: 'date' },
		{ key: 'update_time', name: 'Update time', field_type: 'date' },
		{ key: PIPEDRIVE_CUSTOM_FIELDS.organizations.industry, name: 'Industry', field_type: 'enum', options: INDUSTRY_OPTIONS, custom: true },
	],
	deals: [
		{ key: 'id', name: 'ID', field_type: 'int' },
		{ key: 'title', name: 'Title', field_type: 'varchar', mandatory_flag: true },
		{ key: 'value', name: 'Value', field_type: 'monetary' },
		{ key: 'currency', name: 'Currency', field_type: 'varchar' },
		{ key: 'stage_id', name: 'Stage', field_type: 'stage' },
		{
			key: 'status',
			name: 'Status',
			field_type: 'status',
			options: [
				{ id: 1, label: 'open' },
				{ id: 2, label: 'won' },
				{ id: 3, label: 'lost' },
			],
		},
		{ key: 'person_id', name: 'Contact person', field_type: 'people' },
		{ key: 'org_id', name: 'Organization', field_type: 'org' },
		{ key: 'expected_close_date', name: 'Expected close date', field_type: 'date' },
		{ key: 'add_time', name: 'Deal created', field_type: 'date' },
		{ key: 'update_time', name: 'Update time', field_type: 'date' },
		{ key: PIPEDRIVE_CUSTOM_FIELDS.deals.fieldflowStatus, name: 'FieldFlow status', field_type: 'varchar', custom: true },
	],
	activities: [
		{ key: 'id', name: 'ID', field_type: 'int' },
		{ key: 'subject', name: 'Subject', field_type: 'varchar', mandatory_flag: true },
		{
			key: 'type',
			name: 'Type',
			field_type: 'enum',
			options: ACTIVITY_TYPES.map((t, i) => ({ id: i + 1, label: t })),
		},
		{ key: 'due_date', name: 'Due date', field_type: 'date' },
		{ key: 'due_time', name: 'Due time', field_type: 'time' },
		{ key: 'duration', name: 'Duration', field_type: 'time' },
		{ key: 'note', name: 'Note', field_type: 'text' },
		{ key: 'done', name: 'Done', field_type: 'boolean' },
		{ key: 'person_id', name: 'Contact person', field_type: 'people' },
		{ key: 'org_id', name: 'Organization', field_type: 'org' },
		{ key: 'deal_id', name: 'Deal', field_type: 'deal' },
		{ key: 'add_time', name: 'Add time', field_type: 'date' },
		{ key: 'update_time', name: 'Update time', field_type: 'date' },
	],
};

const STAGES = [
	{ id: 1, order_nr: 1, name: 'Qualified', pipeline_id: 1, pipeline_name: 'Sales', deal_probability: 10, active_flag: true },
	{ id: 2, order_nr: 2, name: 'Contact Made', pipeline_id: 1, pipeline_name: 'Sales', deal_probability: 25, active_flag: true },
	{ id: 3, order_nr: 3, name: 'Demo Scheduled', pipeline_id: 1, pipeline_name: 'Sales', deal_probability: 50, active_flag: true },
	{ id: 4, order_nr: 4, name: 'Proposal Made', pipeline_id: 1, pipeline_name: 'Sales', deal_probability: 75, active_flag: true },
	{ id: 5, order_nr: 5, name: 'Negotiations Started', pipeline_id: 1, pipeline_name: 'Sales', deal_probability: 90, active_flag: true },
];

/**
 * The account's one pipeline (the stages above), as v2 GET /api/v2/pipelines lists it
 * (developers.pipedrive.com/docs/api/v1/Pipelines#getPipelines; fields as the SDK's v2 model
 * get-pipelines-response-all-of-data-inner). Pipelines and stages are account settings: their
 * times are fixed.
 */
const PIPELINES = [{ id: 1, name: 'Sales', order_nr: 1, is_deleted: false, is_deal_probability_enabled: true }];
const SETTINGS_TIME = '2025-01-01T00:00:00Z';

const ME = {
	id: 1001,
	name: 'Sandbox Admin',
	email: 'admin@fieldflow-sandbox.example',
	company_id: 777,
	company_name: 'FieldFlow Sandbox',
	company_domain: 'fieldflow-sandbox',
	is_admin: 1,
	active_flag: true,
	timezone_name: 'UTC',
};

export interface PipedriveSeed {
	persons?: Array<Record<string, unknown>>;
	organizations?: Array<Record<string, unknown>>;
	deals?: Array<Record<string, unknown>>;
	activities?: Array<Record<string, unknown>>;
	notes?: Array<Record<string, unknown>>;
}

/** RFC3339 with second precision, the way v2 prints times. */
function v2Time(ms: number): string {
	return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
/** v1 prints 'YYYY-MM-DD HH:MM:SS' (UTC). */
function v1Time(ms: number): string {
	return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

function bad(field: string, message: string): SandboxHttpError {
	return new SandboxHttpError(400, 'validation', `Validation failed: ${field}: ${message}`);
}

/**
 * Pipedrive keeps `add_time` / `update_time` to the whole second: "All dates and times received by
 * the API will be in ISO 8601 format 2019-01-22 08:55:59", UTC ("Date format",
 * https://pipedrive.readme.io/docs/core-api-concepts-date-format); v1 prints that form, v2 the RFC 3339 one
 * without fractions (see v2Time). With `wholeSeconds` on,
 * the sandbox stores them so: every write within one second shares its update_time (a bulk load
 * gives hundreds of records one time), lists order ties by id and `updated_since` compares whole
 * seconds. On by default, as Pipedrive does it (`reset` turns it on again); off = each write keeps
 * a unique millisecond internally, which Pipedrive never shows: only for a test that must tell two
 * writes apart by their stamp alone.
 */
class PipedriveClock extends MonotonicClock {
	wholeSeconds = true;
	override nowMs(): number {
		const t = super.nowMs();
		return this.wholeSeconds ? Math.floor(t / 1000) * 1000 : t;
	}
}

export class PipedriveSandbox extends Sandbox {
	readonly name = 'pipedrive';
	override readonly clock = new PipedriveClock();
	/** Switch: keep times to the whole second as Pipedrive does (see PipedriveClock). */
	get wholeSeconds(): boolean {
		return this.clock.wholeSeconds;
	}
	set wholeSeconds(on: boolean) {
		this.clock.wholeSeconds = on;
	}
	private validTokens = new Set<string>(['pd-sandbox-token']);
	readonly tables: Record<Entity | 'notes', Table>;
	/** Requests left in the current 2-second token window (for the x-ratelimit-* headers). */
	rateLimitPerWindow = 80;
	private windowStart = 0;
	private windowUsed = 0;
	dailyRequestsLeft = 10_000;
	/**
	 * Switch: v2 field-metadata pages hold at most this many fields whatever `limit` asks (a client
	 * must follow `next_cursor`, not assume one page; real accounts have hundreds of custom fields).
	 */
	fieldPageCap = 500;
	/** Highest numeric id used per table (ids are never reused). */
	private readonly maxId = new Map<Entity | 'notes', number>();

	constructor() {
		super();
		const mk = (indexed: IndexSpec[] = []): Table => new Table(this.clock, (n) => String(n), indexed);
		// Exact-match search fields are indexed (persons by name and any email, organizations by name).
		const emails: IndexSpec = { name: 'emails', values: (d) => ((d.emails as Array<{ value?: unknown }>) ?? []).map((x) => x?.value) };
		this.tables = { persons: mk(['name', emails]), organizations: mk(['name']), deals: mk(), activities: mk(), notes: mk() };
		this.installRoutes();
	}

	setValidTokens(tokens: string[]): void {
		this.validTokens = new Set(tokens);
	}

	// ---------------------------------------------------------------- errors & auth

	protected vendorError(ctx: VendorErrorContext): VendorError {
		const vendorMessages: Record<string, string> = {
			'Session expired or invalid': 'unauthorized access',
			'The requested resource does not exist': 'Item not found',
			'Rate limit exceeded': 'Request over limit',
			'Internal server error': 'Internal server error',
			'Invalid input': 'Validation failed: body: Invalid input',
		};
		const message = vendorMessages[ctx.message] ?? ctx.message;
		const headers: Record<string, string> = { ...this.rateHeaders(false, ctx.status === 429) };
		if (ctx.status === 429) headers['Retry-After'] = String(ctx.retryAfter ?? (ctx.details?.retryAfter as number | undefined) ?? this.secondsToReset());
		return {
			status: ctx.status,
			headers,
			body: { success: false, error: message, errorCode: ctx.status, error_info: PIPEDRIVE_ERROR_INFO, data: null, additional_data: null },
		};
	}

	/**
	 * Pipedrive's rate-limit headers, on every answer ("Rate limiting",
	 * pipedrive.readme.io/docs/core-api-concepts-rate-limiting): `x-ratelimit-limit` (requests the
	 * token may make per 2-second window), `x-ratelimit-remaining` (left in this window),
	 * `x-ratelimit-reset` (seconds until the window resets), `x-daily-requests-left` (POST/PUT
	 * requests left today, api_token requests only). `consume` counts this request in the window.
	 */
	private rateHeaders(consume: boolean, exhausted = false, write = false): Record<string, string> {
		const now = Date.now();
		if (now - this.windowStart >= 2000) {
			this.windowStart = now;
			this.windowUsed = 0;
		}
		if (consume) {
			this.windowUsed++;
			// The daily count is of POST/PUT requests only (same doc page).
			if (this.dailyRequestsLeft > 0 && write) this.dailyRequestsLeft--;
		}
		const remaining = exhausted ? 0 : Math.max(0, this.rateLimitPerWindow - this.windowUsed);
		return {
			'x-ratelimit-limit': String(this.rateLimitPerWindow),
			'x-ratelimit-remaining': String(remaining),
			'x-ratelimit-reset': String(this.secondsToReset(now)),
			'x-daily-requests-left': String(this.dailyRequestsLeft),
		};
	}

	private secondsToReset(now = Date.now()): number {
		return Math.max(1, Math.ceil((this.windowStart + 2000 - now) / 1000));
	}

	/**
	 * Switch (default off): enforce the 2-second window. A request over `rateLimitPerWindow` is
	 * refused with 429 and Retry-After (seconds until the window resets) and Pipedrive's body
	 * `{"success":false,"error":"Request over limit",...}` (same doc page). Refused requests do not
	 * use the budget.
	 */
	enforceRateLimit = false;
	/** 429s answered by the enforced window since the last reset. */
	rateLimited = 0;
	/**
	 * Switch (default off): enforce the daily budget of `x-daily-requests-left`: once it is 0,
	 * POST/PUT/PATCH requests are refused with 429 until the day ends (UTC), Retry-After = the
	 * seconds until then ("Rate limiting": the budget resets at the start of the next day).
	 */
	enforceDailyLimit = false;

	/**
	 * Switch: the scopes the OAuth app was granted (undefined = all). A Bearer (OAuth) request to an
	 * endpoint outside them is refused with 403 "Scope and URL mismatch" ("OAuth and API proxy
	 * status codes", pipedrive.readme.io/docs/marketplace-oauth-and-api-proxy-status-codes), in
	 * Pipedrive's error body ("Responses", core-api-concepts-responses). Which endpoint needs which
	 * scope: "Scopes and permissions explanations" (marketplace-scopes-and-permissions-explanations):
	 * persons/organizations contacts:read|full, deals/stages/notes deals:read|full, activities
	 * activities:read|full, search search:read, users/me base; `:full` includes `:read`.
	 * API-token requests are not scoped (Pipedrive documents no 403 body for a user's permission set).
	 */
	grantedScopes?: string[];

	private authorize(req: Request, endpoint: string): void {
		const header = req.headers['x-api-token'];
		const query = req.query.api_token;
		const bearerMatch = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
		const token = (typeof header === 'string' && header) || (typeof query === 'string' && query) || bearerMatch?.[1];
		// OAuth access tokens (oauth.ts) come as a Bearer header only.
		const oauth = !!bearerMatch && oauthTokenState(this, bearerMatch[1]) === 'valid';
		if (!oauth && (!token || !this.validTokens.has(token))) throw new SandboxHttpError(401, 'auth', 'unauthorized access');
		if (bearerMatch && this.grantedScopes) {
			const need = endpointScope(endpoint);
			const full = need.replace(/:read$/, ':full');
			if (need !== 'base' && !this.grantedScopes.includes(need) && !this.grantedScopes.includes(full)) throw new SandboxHttpError(403, 'auth', 'Scope and URL mismatch');
		}
	}

	/** Register an endpoint that checks the token and sends the rate headers. */
	private on(method: 'get' | 'post' | 'put' | 'patch' | 'delete', path: string, endpoint: string, handler: (req: Request) => unknown): void {
		this.route(method, path, endpoint, (req, res) => {
			if (this.enforceRateLimit) {
				this.rateHeaders(false);
				if (this.windowUsed >= this.rateLimitPerWindow) {
					this.rateLimited++;
					throw new SandboxHttpError(429, 'rateLimit', 'Rate limit exceeded');
				}
			}
			const write = ['POST', 'PUT', 'PATCH'].includes(req.method);
			if (this.enforceDailyLimit && write && this.dailyRequestsLeft <= 0) {
				this.rateLimited++;
				const midnight = new Date();
				midnight.setUTCHours(24, 0, 0, 0);
				throw new SandboxHttpError(429, 'rateLimit', 'Rate limit exceeded', { retryAfter: Math.ceil((midnight.getTime() - Date.now()) / 1000) });
			}
			res.set(this.rateHeaders(true, false, write));
			this.authorize(req, endpoint);
			return handler(req);
		});
	}

	// ---------------------------------------------------------------- data

	clearData(): void {
		this.rateLimited = 0;
		this.dailyRequestsLeft = 10_000;
		this.wholeSeconds = true;
		for (const t of Object.values(this.tables)) t.clear();
		this.maxId.clear();
	}

	seed(data: unknown): void {
		const d = (data ?? {}) as PipedriveSeed;
		// Referenced records first: organizations, then persons, deals, activities.
		for (const e of ['organizations', 'persons', 'deals', 'activities'] as Entity[]) {
			for (const rec of d[e] ?? []) {
				const { id, ...rest } = rec;
				this.add(e, this.normalize(e, rest, undefined), id);
			}
		}
		for (const n of d.notes ?? []) {
			const { id, ...rest } = n;
			this.add('notes', rest, id);
		}
	}

	/** Insert with the given id, or the highest id ever used plus one (kept, not recomputed). */
	private add(t: Entity | 'notes', data: Record<string, unknown>, id?: unknown): Row {
		const n = id !== undefined ? Number(id) : (this.maxId.get(t) ?? 0) + 1;
		if (Number.isFinite(n)) this.maxId.set(t, Math.max(this.maxId.get(t) ?? 0, n));
		return this.tables[t].insert(data, id !== undefined ? String(id) : String(n));
	}

	/** ~20 demo records: organizations, persons, deals, one activity and one note. */
	seedSample(): void {
		const orgs = [
			['Acme Hardware', '12 Main St, Springfield'],
			['Globex Retail', '400 Market Ave, Shelbyville'],
			['Initech Supplies', '9 Office Park, Austin'],
			['Umbrella Clinics', '1 Health Way, Raccoon City'],
			["O'Brien & Sons Builders", '77 Quarry Rd, Dublin'],
		];
		const persons = [
			['Maria Lopez', 'maria.lopez@acme.example', '+1 555 0101', 1],
			['James Carter', 'james.carter@acme.example', '+1 555 0102', 1],
			['Priya Shah', 'priya.shah@globex.example', '+1 555 0201', 2],
			['Tom Becker', 'tom.becker@globex.example', '+1 555 0202', 2],
			['Chen Wei', 'chen.wei@initech.example', '+1 555 0301', 3],
			['Sara Okafor', 'sara.okafor@umbrella.example', '+1 555 0401', 4],
			['Luis Romero', 'luis.romero@umbrella.example', '+1 555 0402', 4],
			["Sean O'Brien", 'sean@obrien.example', '+353 1 555 0501', 5],
			['Anna Novak', 'anna.novak@independent.example', '+420 555 0601', undefined],
			['David Kim', 'david.kim@initech.example', '+1 555 0302', 3],
		] as const;
		this.seed({
			organizations: orgs.map(([name, address], i) => ({ id: i + 1, name, address: { value: address } })),
			persons: persons.map(([name, email, phone, org], i) => ({
				id: i + 1,
				name,
				emails: [{ value: email, primary: true, label: 'work' }],
				phones: [{ value: phone, primary: true, label: 'work' }],
				org_id: org ?? null,
			})),
			deals: [
				{ id: 1, title: 'Acme Hardware – store refit', value: 12000, currency: 'USD', stage_id: 2, status: 'open', person_id: 1, org_id: 1 },
				{ id: 2, title: 'Globex – 40 handheld scanners', value: 8400, currency: 'USD', stage_id: 3, status: 'open', person_id: 3, org_id: 2 },
				{ id: 3, title: 'Umbrella – clinic supplies', value: 23000, currency: 'USD', stage_id: 4, status: 'open', person_id: 6, org_id: 4 },
				{ id: 4, title: "O'Brien – yard equipment", value: 5600, currency: 'EUR', stage_id: 5, status: 'won', person_id: 8, org_id: 5 },
			],
			activities: [
				{ id: 1, subject: 'Site visit at Acme', type: 'meeting', due_date: '2025-03-04', due_time: '14:00', duration: '01:00', done: true, note: 'Walked the floor with Maria.', person_id: 1, org_id: 1, participants: [{ person_id: 1, primary: true }] },
			],
			notes: [{ id: 1, content: 'Prefers morning visits.', person_id: 1 }],
		});
	}

	snapshot(): Record<string, unknown[]> {
		const out: Record<string, unknown[]> = {};
		for (const e of ENTITIES) out[e] = this.tables[e].live().map((r) => this.present(e, r));
		out.notes = this.tables.notes.live().map((r) => this.presentNote(r));
		return out;
	}

	// ---------------------------------------------------------------- shapes

	private present(e: Entity, row: Row): Record<string, unknown> {
		const base: Record<string, unknown> = { id: Number(row.id), ...row.data, add_time: v2Time(row.createdAt), update_time: v2Time(row.updatedAt) };
		if (e === 'persons') {
			const name = String(row.data.name ?? '');
			const sp = name.indexOf(' ');
			base.first_name = sp > 0 ? name.slice(0, sp) : name;
			base.last_name = sp > 0 ? name.slice(sp + 1) : null;
			base.emails = row.data.emails ?? [];
			base.phones = row.data.phones ?? [];
		}
		if (e === 'deals') {
			base.status = row.data.status ?? 'open';
			base.is_deleted = !!row.deletedAt;
			for (const f of ['stage_change_time', 'won_time', 'lost_time', 'close_time']) base[f] = row.data[f] ?? null;
		}
		if (e !== 'activities') base.custom_fields = row.data.custom_fields ?? {};
		return base;
	}

	private presentNote(row: Row): Record<string, unknown> {
		const d = row.data;
		const person = d.person_id ? this.tables.persons.get(String(d.person_id)) : undefined;
		const org = d.org_id ? this.tables.organizations.get(String(d.org_id)) : undefined;
		return {
			id: Number(row.id),
			user_id: ME.id,
			content: d.content,
			person_id: d.person_id ?? null,
			org_id: d.org_id ?? null,
			deal_id: d.deal_id ?? null,
			lead_id: null,
			active_flag: true,
			add_time: v1Time(row.createdAt),
			update_time: v1Time(row.updatedAt),
			person: person ? { name: person.data.name } : null,
			organization: org ? { name: org.data.name } : null,
			user: { email: ME.email, name: ME.name },
		};
	}

	/** Validate and normalise a v2 write body; throws a 400 naming the field. */
	private normalize(e: Entity, body: Record<string, unknown>, existing: Row | undefined): Record<string, unknown> {
		const out: Record<string, unknown> = {};
		for (const [k, v] of Object.entries(body)) {
			if (!WRITABLE[e].includes(k)) throw bad(k, `Parameter '${k}' is not allowed for this request`);
			out[k] = v;
		}
		const creating = !existing;
		const req = (field: string): void => {
			const v = out[field] ?? (creating ? undefined : existing!.data[field]);
			if (v === undefined || v === null || String(v).trim() === '') throw bad(field, `Parameter '${field}' is required`);
		};
		const maxLen = (field: string, n = MAX_NAME): void => {
			if (out[field] !== undefined && out[field] !== null && String(out[field]).length > n) throw bad(field, `Parameter '${field}' must be at most ${n} characters long`);
		};
		const refExists = (field: string, target: Entity): void => {
			const v = out[field];
			if (v === undefined || v === null) return;
			if (!Number.isInteger(Number(v)) || !this.tables[target].get(String(v))) throw bad(field, `${SINGULAR[target]} with id ${String(v)} not found`);
			out[field] = Number(v);
		};
		if (e === 'persons') {
			req('name');
			maxLen('name');
			for (const key of ['emails', 'phones'] as const) {
				if (out[key] === undefined) continue;
				if (!Array.isArray(out[key])) throw bad(key, `Parameter '${key}' must be an array`);
				for (const item of out[key] as Array<Record<string, unknown>>) {
					if (!item || typeof item.value !== 'string') throw bad(key, `Parameter '${key}.value' is required`);
					if (key === 'emails' && !EMAIL_RE.test(item.value)) throw bad(key, `'${item.value}' is not a valid email address`);
					if (item.value.length > MAX_NAME) throw bad(key, `Parameter '${key}.value' must be at most ${MAX_NAME} characters long`);
				}
			}
			refExists('org_id', 'organizations');
		}
		if (e === 'organizations') {
			req('name');
			maxLen('name');
		}
		if (e === 'deals') {
			req('title');
			maxLen('title');
			if (out.value !== undefined && out.value !== null && !Number.isFinite(Number(out.value))) throw bad('value', `Parameter 'value' must be a number`);
			if (out.value !== undefined && out.value !== null) out.value = Number(out.value);
			if (out.currency !== undefined && !/^[A-Z]{3}$/.test(String(out.currency))) throw bad('currency', `Parameter 'currency' must be a 3-letter currency code`);
			if (out.status !== undefined && !['open', 'won', 'lost'].includes(String(out.status))) throw bad('status', `Parameter 'status' must be one of open, won, lost`);
			if (out.stage_id !== undefined && !STAGES.some((s) => s.id === Number(out.stage_id))) throw bad('stage_id', `Stage with id ${String(out.stage_id)} not found`);
			if (out.pipeline_id !== undefined && out.pipeline_id !== null && !PIPELINES.some((pl) => pl.id === Number(out.pipeline_id))) throw bad('pipeline_id', `Pipeline with id ${String(out.pipeline_id)} not found`);
			/*
			 * The deal's pipeline follows its stage: "a pipeline will be assigned automatically based on
			 * the stage_id"; with pipeline_id alone the deal goes to that pipeline's first stage; with
			 * neither, to the first stage of the first pipeline (Add a deal / Update a deal, v2 request
			 * bodies: developers.pipedrive.com/docs/api/v1/Deals#addDeal, #updateDeal).
			 * `stage_change_time` is set when the stage changes; `won_time` / `lost_time` / `close_time`
			 * when the status becomes won / lost (cleared when it is reopened), as the v2 Deal model
			 * describes them ("The date and time of changing the deal status as won", …).
			 */
			if (out.stage_id !== undefined) {
				out.stage_id = Number(out.stage_id);
				out.pipeline_id = STAGES.find((st) => st.id === out.stage_id)!.pipeline_id;
			} else if (out.pipeline_id !== undefined && out.pipeline_id !== null) {
				out.pipeline_id = Number(out.pipeline_id);
				if (creating || Number(existing!.data.pipeline_id) !== out.pipeline_id) out.stage_id = STAGES.filter((st) => st.pipeline_id === out.pipeline_id).sort((a, b) => a.order_nr - b.order_nr)[0].id;
			}
			if (creating && out.stage_id === undefined) out.stage_id = 1;
			if (creating && out.pipeline_id === undefined) out.pipeline_id = STAGES.find((st) => st.id === Number(out.stage_id))!.pipeline_id;
			const now = v2Time(this.clock.nowMs());
			if (!creating && out.stage_id !== undefined && Number(existing!.data.stage_id) !== out.stage_id) out.stage_change_time = now;
			const was = creating ? 'open' : String(existing!.data.status ?? 'open');
			if (out.status !== undefined && out.status !== was) {
				out.won_time = out.status === 'won' ? now : null;
				out.lost_time = out.status === 'lost' ? now : null;
				out.close_time = out.status === 'open' ? null : now;
			}
			if (creating && out.currency === undefined) out.currency = 'USD';
			refExists('person_id', 'persons');
			refExists('org_id', 'organizations');
		}
		if (e === 'activities') {
			maxLen('subject');
			if (out.type !== undefined && !ACTIVITY_TYPES.includes(String(out.type))) throw bad('type', `Activity type '${String(out.type)}' does not exist`);
			if (out.due_date !== undefined && !DATE_RE.test(String(out.due_date))) throw bad('due_date', `Parameter 'due_date' must be a date (YYYY-MM-DD)`);
			if (out.due_time !== undefined && !HHMM_RE.test(String(out.due_time))) throw bad('due_time', `Parameter 'due_time' must be HH:MM`);
			if (out.duration !== undefined && !HHMM_RE.test(String(out.duration))) throw bad('duration', `Parameter 'duration' must be HH:MM`);
			if (creating && !out.subject) out.subject = String(out.type ?? 'Call');
			if (creating && out.type === undefined) out.type = 'call';
			if (creating && out.done === undefined) out.done = false;
			refExists('person_id', 'persons');
			refExists('org_id', 'organizations');
			refExists('deal_id', 'deals');
			if (out.participants !== undefined) {
				if (!Array.isArray(out.participants)) throw bad('participants', `Parameter 'participants' must be an array`);
				for (const p of out.participants as Array<Record<string, unknown>>) {
					if (!this.tables.persons.get(String(p?.person_id))) throw bad('participants', `Person with id ${String(p?.person_id)} not found`);
				}
			}
		}
		if (out.custom_fields !== undefined) {
			const known = FIELD_META[e].filter((f) => f.custom);
			const cf = out.custom_fields as Record<string, unknown>;
			for (const [k, v] of Object.entries(cf ?? {})) {
				const meta = known.find((f) => f.key === k);
				if (!meta || !HASH_RE.test(k)) throw bad(`custom_fields.${k}`, `Custom field '${k}' does not exist`);
				if (meta.field_type === 'varchar' && v !== null && String(v).length > MAX_NAME) throw bad(`custom_fields.${k}`, `must be at most ${MAX_NAME} characters long`);
				if (meta.field_type === 'enum' && v !== null && !meta.options!.some((o) => o.id === Number(v))) throw bad(`custom_fields.${k}`, `Option '${String(v)}' does not exist`);
			}
			out.custom_fields = { ...((existing?.data.custom_fields as object) ?? {}), ...cf };
		}
		return out;
	}

	// ---------------------------------------------------------------- routes

	private installRoutes(): void {
		this.on('get', '/api/v1/users/me', 'users.me', () => ({ success: true, data: ME }));
		this.on('get', '/api/v1/stages', 'stages.list', () => ({ success: true, data: STAGES, additional_data: { pagination: { start: 0, limit: 500, more_items_in_collection: false } } }));

		/*
		 * v2 stages and pipelines, the SDK's StagesApi.getStages / getStage and PipelinesApi.getPipelines
		 * / getPipeline (Get all stages: developers.pipedrive.com/docs/api/v1/Stages#getStages, v2:
		 * `pipeline_id` filter, `sort_by` id | update_time | add_time | order_nr, `sort_direction`,
		 * cursor pagination; Get all pipelines: developers.pipedrive.com/docs/api/v1/Pipelines#getPipelines).
		 * Item fields as the SDK's v2 models (stage-item, get-pipelines-response-all-of-data-inner).
		 */
		const stageV2 = (st: (typeof STAGES)[number]): Record<string, unknown> => ({
			id: st.id,
			order_nr: st.order_nr,
			name: st.name,
			is_deleted: false,
			deal_probability: st.deal_probability,
			pipeline_id: st.pipeline_id,
			is_deal_rot_enabled: false,
			days_to_rotten: null,
			add_time: SETTINGS_TIME,
			update_time: SETTINGS_TIME,
		});
		this.on('get', '/api/v2/stages', 'stages.v2.list', (req) => {
			const q = req.query as Record<string, string | undefined>;
			const sortBy = q.sort_by ?? 'id';
			if (!['id', 'update_time', 'add_time', 'order_nr'].includes(sortBy)) throw bad('sort_by', `Parameter 'sort_by' must be one of id, update_time, add_time, order_nr`);
			const dir = q.sort_direction === 'desc' ? -1 : 1;
			const list = STAGES.filter((st) => q.pipeline_id === undefined || st.pipeline_id === Number(q.pipeline_id)).sort((a, b) => dir * (sortBy === 'order_nr' ? a.order_nr - b.order_nr || a.id - b.id : a.id - b.id));
			return v2Page(list.map(stageV2), q);
		});
		this.on('get', '/api/v2/stages/:id', 'stages.v2.get', (req) => {
			const st = STAGES.find((x) => x.id === Number(req.params.id));
			if (!st) throw new SandboxHttpError(404, 'notFound', 'Stage not found');
			return { success: true, data: stageV2(st) };
		});
		const pipelineV2 = (pl: (typeof PIPELINES)[number]): Record<string, unknown> => ({ ...pl, add_time: SETTINGS_TIME, update_time: SETTINGS_TIME });
		this.on('get', '/api/v2/pipelines', 'pipelines.v2.list', (req) => v2Page(PIPELINES.map(pipelineV2), req.query as Record<string, string | undefined>));
		this.on('get', '/api/v2/pipelines/:id', 'pipelines.v2.get', (req) => {
			const pl = PIPELINES.find((x) => x.id === Number(req.params.id));
			if (!pl) throw new SandboxHttpError(404, 'notFound', 'Pipeline not found');
			return { success: true, data: pipelineV2(pl) };
		});

		for (const [entity, path] of [
			['persons', 'personFields'],
			['organizations', 'organizationFields'],
			['deals', 'dealFields'],
			['activities', 'activityFields'],
		] as Array<[Entity, string]>) {
			this.on('get', `/api/v1/${path}`, `${path}.v1.list`, (req) => {
				const all = FIELD_META[entity].map((f, i) => ({
					id: i + 1,
					key: f.key,
					name: f.name,
					order_nr: i,
					field_type: f.field_type,
					active_flag: true,
					edit_flag: !!f.custom,
					bulk_edit_allowed: true,
					mandatory_flag: !!f.mandatory_flag,
					...(f.options ? { options: f.options } : {}),
				}));
				return v1Page(all, req);
			});
		}

		/*
		 * v2 field metadata, the endpoints Pipedrive asks clients to use where v2 has them ("Get all
		 * person fields", GET /api/v2/personFields, developers.pipedrive.com/docs/api/v1/PersonFields;
		 * the same for organizationFields, dealFields, activityFields). Shape as the SDK's v2 models
		 * (pipedrive 33.7, models/get-deal-fields200-response-data-inner): `field_code`,
		 * `field_name`, `field_type`, `is_custom_field`, `is_optional_response_field`, `options`;
		 * `required_fields` only when `include_fields` names that namespace (persons, organizations,
		 * deals; activity fields take `ui_visibility` only). Cursor pagination: `limit` (default 100,
		 * at most 500), `cursor`, `additional_data.next_cursor`.
		 */
		for (const [entity, path] of [
			['persons', 'personFields'],
			['organizations', 'organizationFields'],
			['deals', 'dealFields'],
			['activities', 'activityFields'],
		] as Array<[Entity, string]>) {
			this.on('get', `/api/v2/${path}`, `${path}.list`, (req) => {
				const q = req.query as Record<string, string | undefined>;
				const namespaces = (q.include_fields ?? '').split(',').filter(Boolean);
				const allowed = entity === 'activities' ? ['ui_visibility'] : ['ui_visibility', 'important_fields', 'required_fields'];
				for (const n of namespaces) if (!allowed.includes(n)) throw bad('include_fields', `Parameter 'include_fields' must be one of ${allowed.join(', ')}`);
				const all = FIELD_META[entity].map((f) => ({
					field_name: f.name,
					field_code: f.key,
					field_type: f.field_type,
					is_custom_field: !!f.custom,
					is_optional_response_field: false,
					options: f.options ? f.options.map((o) => ({ id: o.id, label: o.label })) : null,
					...(namespaces.includes('required_fields') ? { required_fields: { enabled: !!f.mandatory_flag && !!f.custom } } : {}),
				}));
				return v2Page(all, q, this.fieldPageCap);
			});
		}

		// Search before `/:id` so that `/persons/search` is not read as a person id.
		this.installSearch();
		for (const e of ENTITIES) this.installEntity(e);
		this.installNotes();
	}

	private installEntity(e: Entity): void {
		const t = this.tables[e];
		this.on('get', `/api/v2/${e}`, `${e}.list`, (req) => {
			const q = req.query as Record<string, string | undefined>;
			const limit = q.limit === undefined ? 100 : Number(q.limit);
			if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw bad('limit', 'Parameter \'limit\' must be between 1 and 500');
			let rows: Row[];
			// Deleted deals are listed only when `status` names `deleted` (see the deals filters below).
			const withDeleted = e === 'deals' && String(q.status ?? '').split(',').includes('deleted');
			if (q.ids !== undefined) {
				const ids = String(q.ids).split(',').filter(Boolean);
				if (ids.length > 100) throw bad('ids', 'Parameter \'ids\' must contain at most 100 items');
				// By id: look the rows up instead of scanning the table.
				rows = [...new Set(ids.map((s) => String(Number(s))))].map((id) => (withDeleted ? t.rows.get(id) : t.get(id))).filter((r): r is Row => !!r);
			} else rows = withDeleted ? t.all() : t.live();
			if (e === 'deals') {
				/*
				 * Deals also filter by pipeline_id, stage_id and status (open, won, lost, deleted; comma
				 * separated): "If omitted, all not deleted deals are returned. If set to deleted, deals
				 * that have been deleted up to 30 days ago will be included" (Get all deals, v2:
				 * developers.pipedrive.com/docs/api/v1/Deals#getDeals). A deletion is a change: with
				 * updated_since it reads the deals deleted since then. Not modelled: the 30 days
				 * (deleted deals stay listed).
				 */
				if (q.status !== undefined) {
					const wanted = String(q.status).split(',').filter(Boolean);
					for (const st of wanted) if (!['open', 'won', 'lost', 'deleted'].includes(st)) throw bad('status', `Parameter 'status' must be one of open, won, lost, deleted`);
					rows = rows.filter((r) => (r.deletedAt ? wanted.includes('deleted') : wanted.includes(String(r.data.status ?? 'open'))));
				}
				for (const f of ['pipeline_id', 'stage_id']) if (q[f] !== undefined) rows = rows.filter((r) => String(r.data[f] ?? '') === String(Number(q[f])));
			}
			// Activities filter by deal_id ("only activities linked to the specified deal"), person_id
			// ("whose primary participant is the given person") and org_id ("linked to the specified
			// organization"), each alone or together (Get all activities, v2,
			// https://developers.pipedrive.com/docs/api/v1/Activities#getActivities; the SDK's
			// ActivitiesApi.getActivities documents the same three).
			for (const f of ['person_id', 'org_id', 'deal_id', 'owner_id']) {
				if (q[f] !== undefined) rows = rows.filter((r) => String(r.data[f] ?? '') === String(q[f]) || (f === 'person_id' && e === 'activities' && participantOf(r, q[f]!)));
			}
			if (q.done !== undefined && e === 'activities') rows = rows.filter((r) => String(!!r.data.done) === String(q.done));
			for (const [param, cmp] of [
				['updated_since', (a: number, b: number) => a >= b],
				['updated_until', (a: number, b: number) => a < b],
			] as const) {
				const v = q[param];
				if (v === undefined) continue;
				if (!RFC3339_RE.test(v)) throw bad(param, `Parameter '${param}' must be an RFC3339 date-time`);
				const lim = Date.parse(v);
				rows = rows.filter((r) => cmp(Math.floor(r.updatedAt / 1000) * 1000, lim));
			}
			const sortBy = q.sort_by ?? 'id';
			if (!['id', 'update_time', 'add_time', 'due_date'].includes(sortBy)) throw bad('sort_by', `Parameter 'sort_by' must be one of id, update_time, add_time`);
			const dir = q.sort_direction ?? 'asc';
			if (!['asc', 'desc'].includes(dir)) throw bad('sort_direction', `Parameter 'sort_direction' must be asc or desc`);
			const key = (r: Row): number => (sortBy === 'update_time' ? r.updatedAt : sortBy === 'add_time' ? r.createdAt : sortBy === 'due_date' ? Date.parse(String(r.data.due_date ?? '1970-01-01')) : Number(r.id));
			const cmpRows = (a: [number, number], b: [number, number]): number => (a[0] - b[0] || a[1] - b[1]) * (dir === 'desc' ? -1 : 1);
			const keyed = rows.map((r) => ({ r, k: [key(r), Number(r.id)] as [number, number] })).sort((a, b) => cmpRows(a.k, b.k));
			let start = 0;
			if (q.cursor) {
				let after: [number, number];
				try {
					after = JSON.parse(Buffer.from(q.cursor, 'base64url').toString('utf8')) as [number, number];
					if (!Array.isArray(after) || after.length !== 2) throw new Error('bad');
				} catch {
					throw bad('cursor', 'Invalid cursor');
				}
				start = keyed.findIndex((x) => cmpRows(x.k, after) > 0);
				if (start < 0) start = keyed.length;
			}
			const page = keyed.slice(start, start + limit);
			const more = start + limit < keyed.length;
			const last = page[page.length - 1];
			return {
				success: true,
				data: page.map((x) => this.present(e, x.r)),
				additional_data: { next_cursor: more && last ? Buffer.from(JSON.stringify(last.k)).toString('base64url') : null },
			};
		});
		this.on('get', `/api/v2/${e}/:id`, `${e}.get`, (req) => {
			const row = t.get(String(req.params.id));
			if (!row) throw new SandboxHttpError(404, 'notFound', `${SINGULAR[e]} not found`);
			return { success: true, data: this.present(e, row) };
		});
		this.on('post', `/api/v2/${e}`, `${e}.create`, (req) => {
			const body = (req.body ?? {}) as Record<string, unknown>;
			const row = this.add(e, this.normalize(e, body, undefined));
			return { success: true, data: this.present(e, row) };
		});
		this.on('patch', `/api/v2/${e}/:id`, `${e}.update`, (req) => {
			const existing = t.get(String(req.params.id));
			if (!existing) throw new SandboxHttpError(404, 'notFound', `${SINGULAR[e]} not found`);
			const row = t.update(existing.id, this.normalize(e, (req.body ?? {}) as Record<string, unknown>, existing))!;
			return { success: true, data: this.present(e, row) };
		});
		this.on('delete', `/api/v2/${e}/:id`, `${e}.delete`, (req) => {
			const id = String(req.params.id);
			if (!t.remove(id)) throw new SandboxHttpError(404, 'notFound', `${SINGULAR[e]} not found`);
			return { success: true, data: { id: Number(id) } };
		});
	}

	private installSearch(): void {
		const common = (req: Request): { term: string; exact: boolean; fields: string[]; limit: number } => {
			const q = req.query as Record<string, string | undefined>;
			const term = q.term ?? '';
			const exact = q.exact_match === 'true';
			if (term.length < (exact ? 1 : 2)) throw bad('term', `Parameter 'term' must be at least ${exact ? 1 : 2} characters long`);
			const limit = q.limit === undefined ? 100 : Number(q.limit);
			if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw bad('limit', 'Parameter \'limit\' must be between 1 and 500');
			return { term, exact, fields: (q.fields ?? '').split(',').filter(Boolean), limit };
		};
		const matches = (value: unknown, term: string, exact: boolean): boolean => {
			if (value === undefined || value === null) return false;
			const v = String(value).toLowerCase();
			const s = term.toLowerCase();
			return exact ? v === s : v.includes(s);
		};
		/** Exact search on indexed fields only: the rows holding the term (oldest change first); else every live row. */
		const candidates = (t: Table, exact: boolean, fields: string[], term: string, index: Record<string, string>): Row[] => {
			if (!exact || !fields.length || fields.some((f) => !index[f])) return t.live();
			const hits = new Map<string, Row>();
			for (const f of fields) for (const r of t.liveWhere(index[f], term)) hits.set(r.id, r);
			return [...hits.values()].sort(byChange);
		};
		this.on('get', '/api/v2/persons/search', 'persons.search', (req) => {
			const { term, exact, fields, limit } = common(req);
			for (const f of fields) if (!['custom_fields', 'email', 'notes', 'phone', 'name'].includes(f)) throw bad('fields', `Field '${f}' is not searchable`);
			const use = (f: string): boolean => fields.length === 0 || fields.includes(f);
			const items = candidates(this.tables.persons, exact, fields, term, { name: 'name', email: 'emails' })
				.filter((r) => {
					const emails = ((r.data.emails as Array<{ value: string }>) ?? []).map((x) => x.value);
					const phones = ((r.data.phones as Array<{ value: string }>) ?? []).map((x) => x.value);
					return (use('name') && matches(r.data.name, term, exact)) || (use('email') && emails.some((x) => matches(x, term, exact))) || (use('phone') && phones.some((x) => matches(x, term, exact))) || (use('notes') && matches(r.data.notes, term, exact));
				})
				.slice(0, limit)
				.map((r) => {
					const org = r.data.org_id ? this.tables.organizations.get(String(r.data.org_id)) : undefined;
					return {
						result_score: 1,
						item: {
							id: Number(r.id),
							type: 'person',
							name: r.data.name,
							phones: ((r.data.phones as Array<{ value: string }>) ?? []).map((x) => x.value),
							emails: ((r.data.emails as Array<{ value: string }>) ?? []).map((x) => x.value),
							visible_to: 3,
							owner: { id: ME.id },
							organization: org ? { id: Number(org.id), name: org.data.name } : null,
							custom_fields: [],
							notes: [],
						},
					};
				});
			return { success: true, data: { items }, additional_data: { next_cursor: null } };
		});
		this.on('get', '/api/v2/organizations/search', 'organizations.search', (req) => {
			const { term, exact, fields, limit } = common(req);
			for (const f of fields) if (!['address', 'custom_fields', 'notes', 'name'].includes(f)) throw bad('fields', `Field '${f}' is not searchable`);
			const use = (f: string): boolean => fields.length === 0 || fields.includes(f);
			const items = candidates(this.tables.organizations, exact, fields, term, { name: 'name' })
				.filter((r) => (use('name') && matches(r.data.name, term, exact)) || (use('address') && matches((r.data.address as { value?: string })?.value, term, exact)))
				.slice(0, limit)
				.map((r) => ({
					result_score: 1,
					item: { id: Number(r.id), type: 'organization', name: r.data.name, address: (r.data.address as { value?: string })?.value ?? null, visible_to: 3, owner: { id: ME.id }, custom_fields: [], notes: [] },
				}));
			return { success: true, data: { items }, additional_data: { next_cursor: null } };
		});
	}

	private installNotes(): void {
		const t = this.tables.notes;
		const validate = (body: Record<string, unknown>, creating: boolean): Record<string, unknown> => {
			const out: Record<string, unknown> = {};
			const allowed = ['content', 'lead_id', 'deal_id', 'person_id', 'org_id', 'project_id', 'task_id', 'user_id', 'add_time', 'pinned_to_lead_flag', 'pinned_to_deal_flag', 'pinned_to_organization_flag', 'pinned_to_person_flag', 'pinned_to_project_flag', 'pinned_to_task_flag'];
			for (const [k, v] of Object.entries(body)) {
				if (!allowed.includes(k)) throw bad(k, `Parameter '${k}' is not allowed for this request`);
				out[k] = v;
			}
			if (creating && (out.content === undefined || String(out.content).trim() === '')) throw bad('content', `Parameter 'content' is required`);
			if (creating && !out.person_id && !out.org_id && !out.deal_id && !out.lead_id) throw bad('person_id', 'Note must be attached to a deal, person, organization or lead');
			for (const [f, target] of [
				['person_id', 'persons'],
				['org_id', 'organizations'],
				['deal_id', 'deals'],
			] as Array<[string, Entity]>) {
				if (out[f] === undefined || out[f] === null) continue;
				if (!this.tables[target].get(String(out[f]))) throw bad(f, `${SINGULAR[target]} with id ${String(out[f])} not found`);
				out[f] = Number(out[f]);
			}
			return out;
		};
		this.on('get', '/api/v1/notes', 'notes.list', (req) => {
			const q = req.query as Record<string, string | undefined>;
			let rows = t.live();
			for (const f of ['person_id', 'org_id', 'deal_id']) if (q[f] !== undefined) rows = rows.filter((r) => String(r.data[f] ?? '') === String(q[f]));
			return v1Page(
				rows.map((r) => this.presentNote(r)),
				req,
			);
		});
		this.on('get', '/api/v1/notes/:id', 'notes.get', (req) => {
			const row = t.get(String(req.params.id));
			if (!row) throw new SandboxHttpError(404, 'notFound', 'Note not found');
			return { success: true, data: this.presentNote(row) };
		});
		this.on('post', '/api/v1/notes', 'notes.create', (req) => {
			const row = this.add('notes', validate((req.body ?? {}) as Record<string, unknown>, true));
			return { success: true, data: this.presentNote(row) };
		});
		this.on('put', '/api/v1/notes/:id', 'notes.update', (req) => {
			const row = t.get(String(req.params.id));
			if (!row) throw new SandboxHttpError(404, 'notFound', 'Note not found');
			t.update(row.id, validate((req.body ?? {}) as Record<string, unknown>, false));
			return { success: true, data: this.presentNote(row) };
		});
		this.on('delete', '/api/v1/notes/:id', 'notes.delete', (req) => {
			const id = String(req.params.id);
			if (!t.remove(id)) throw new SandboxHttpError(404, 'notFound', 'Note not found');
			return { success: true, data: Number(id) };
		});
	}
}

function endpointScope(endpoint: string): string {
	const parts = endpoint.split('.');
	const [res, op] = [parts[0], parts[parts.length - 1]];
	if (res === 'users') return 'base';
	if (op === 'search') return 'search:read';
	const area = ({ persons: 'contacts', organizations: 'contacts', personFields: 'contacts', organizationFields: 'contacts', deals: 'deals', dealFields: 'deals', stages: 'deals', pipelines: 'deals', notes: 'deals', activities: 'activities', activityFields: 'activities' } as Record<string, string>)[res] ?? 'base';
	return area === 'base' ? 'base' : ['list', 'get'].includes(op) ? `${area}:read` : `${area}:full`;
}

function participantOf(r: Row, personId: string): boolean {
	return ((r.data.participants as Array<{ person_id: number }>) ?? []).some((p) => String(p.person_id) === String(personId));
}

/** v2 list answer with cursor pagination (the cursor is opaque to clients: here, the next offset). */
function v2Page(all: unknown[], q: Record<string, string | undefined>, cap = 500): Record<string, unknown> {
	const asked = q.limit === undefined ? 100 : Number(q.limit);
	if (!Number.isInteger(asked) || asked < 1 || asked > 500) throw bad('limit', "Parameter 'limit' must be between 1 and 500");
	const limit = Math.min(asked, cap);
	let start = 0;
	if (q.cursor) {
		const n = Number(Buffer.from(q.cursor, 'base64url').toString('utf8').replace(/^o:/, ''));
		if (!Number.isInteger(n) || n < 0) throw bad('cursor', 'Invalid cursor');
		start = n;
	}
	const page = all.slice(start, start + limit);
	const more = start + limit < all.length;
	return { success: true, data: page, additional_data: { next_cursor: more ? Buffer.from(`o:${start + limit}`).toString('base64url') : null } };
}

/** v1 list answer with start/limit pagination; an empty page has `data: null` like the real API. */
function v1Page(all: unknown[], req: Request): Record<string, unknown> {
	const q = req.query as Record<string, string | undefined>;
	const start = Number(q.start ?? 0);
	const limit = Number(q.limit ?? 100);
	if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw bad('limit', 'Parameter \'limit\' must be between 1 and 500');
	const page = all.slice(start, start + limit);
	const more = start + limit < all.length;
	return {
		success: true,
		data: page.length ? page : null,
		additional_data: { pagination: { start, limit, more_items_in_collection: more, ...(more ? { next_start: start + limit } : {}) } },
	};
}
