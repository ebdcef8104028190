/**
 * FieldFlow API v1 sandbox: the contract in docs/fieldflow-api-v1.md, on 127.0.0.1.
 */
import type { Request } from 'express';
import { randomUUID } from 'node:crypto';
import { Sandbox, SandboxHttpError, Table, bearer, byChange, lowerBound, type Row, type VendorError, type VendorErrorContext } from './common';

export const FIELDFLOW_SANDBOX_KEY = 'ff_test_key_7c1d2e';

const PROSPECT_STATUSES = ['new', 'contacted', 'qualified', 'proposal', 'won', 'lost'];
const MEETING_STATUSES = ['scheduled', 'completed', 'cancelled'];
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

type FieldRule = { type: 'string' | 'number' | 'integer' | 'email' | 'enum' | 'time' | 'object' | 'array'; max?: number; min?: number; values?: string[]; required?: boolean };

const PROSPECT_FIELDS: Record<string, FieldRule> = {
	company_name: { type: 'string', max: 255 },
	contact_name: { type: 'string', max: 255, required: true },
	email: { type: 'email', max: 254 },
	phone: { type: 'string', max: 40 },
	status: { type: 'enum', values: PROSPECT_STATUSES },
	notes: { type: 'string', max: 32000 },
	estimated_value: { type: 'number', min: 0 },
	owner_email: { type: 'email', max: 254 },
	custom_fields: { type: 'object' },
};

const MEETING_FIELDS: Record<string, FieldRule> = {
	prospect_id: { type: 'string', required: true },
	title: { type: 'string', max: 255, required: true },
	start_time: { type: 'time', required: true },
	duration_minutes: { type: 'integer', min: 1, max: 1440 },
	status: { type: 'enum', values: MEETING_STATUSES },
	notes: { type: 'string', max: 32000 },
	outcome: { type: 'string', max: 1000 },
	location: { type: 'string', max: 255 },
	completed_at: { type: 'time' },
};

const SUMMARY_FIELDS: Record<string, FieldRule> = {
	meeting_id: { type: 'string', required: true },
	prospect_id: { type: 'string', required: true },
	summary: { type: 'string', max: 32000, required: true },
	action_items: { type: 'array' },
	generated_at: { type: 'time' },
};

export interface FieldFlowSeed {
	prospects?: Array<Record<string, unknown> & { id?: string }>;
	meetings?: Array<Record<string, unknown> & { id?: string }>;
	summaries?: Array<Record<string, unknown> & { id?: string }>;
}

export class FieldFlowSandbox extends Sandbox {
	readonly name = 'fieldflow';
	validKeys = new Set<string>([FIELDFLOW_SANDBOX_KEY]);
	/** Emails are indexed: the unique-email check is O(1). */
	readonly prospects = new Table(this.clock, (n) => `pr_${String(n).padStart(6, '0')}`, ['email']);
	readonly meetings = new Table(this.clock, (n) => `mt_${String(n).padStart(6, '0')}`);
	readonly summaries = new Table(this.clock, (n) => `ms_${String(n).padStart(6, '0')}`);
	/** prospect id → crm → status record */
	readonly crmSync = new Map<string, Map<string, Record<string, unknown>>>();

	constructor() {
		super();
		const auth = (req: Request) => {
			const key = bearer(req);
			if (!key || !this.validKeys.has(key)) throw new SandboxHttpError(401, 'auth', 'Missing or invalid API key');
		};
		const r = (method: 'get' | 'post' | 'patch' | 'put' | 'delete', path: string, endpoint: string, fn: (req: Request) => unknown, status = 200) =>
			this.route(method, `/v1${path}`, endpoint, (req, res) => {
				auth(req);
				const out = fn(req);
				res.status(out === undefined ? 204 : status);
				return out;
			});

		r('get', '/me', 'me', () => ({ account: { id: 'acc_sandbox', name: 'FieldFlow Sandbox Co.' }, user: { email: 'ops@fieldflow.example' } }));

		this.crud('prospects', this.prospects, PROSPECT_FIELDS, r, (row) => this.prospectJson(row), (req, rows) => {
			const email = typeof req.query.email === 'string' ? req.query.email.toLowerCase() : undefined;
			return email ? rows.filter((row) => String(row.data.email ?? '').toLowerCase() === email) : rows;
		});
		r('post', '/prospects/batch', 'prospects.batch', (req) => this.batchUpsert(req.body));
		r('put', '/prospects/:id/crm-sync/:crm', 'prospects.crmSync.put', (req) => {
			const id = String(req.params.id);
			if (!this.prospects.get(id)) throw new SandboxHttpError(404, 'notFound', `Prospect ${id} not found`);
			const status = req.body?.status;
			if (!['synced', 'pending', 'conflict', 'error'].includes(status)) {
				throw validation([{ field: 'status', issue: 'invalid_value' }], `status must be one of synced, pending, conflict, error`);
			}
			const rec = { crm: String(req.params.crm), status, crm_record_id: req.body.crm_record_id ?? null, message: req.body.message ?? null, synced_at: req.body.synced_at ?? this.clock.nowIso() };
			if (!this.crmSync.has(id)) this.crmSync.set(id, new Map());
			this.crmSync.get(id)!.set(rec.crm, rec);
			return rec;
		});
		r('get', '/prospects/:id/crm-sync', 'prospects.crmSync.list', (req) => {
			const id = String(req.params.id);
			if (!this.prospects.get(id)) throw new SandboxHttpError(404, 'notFound', `Prospect ${id} not found`);
			return { data: [...(this.crmSync.get(id)?.values() ?? [])] };
		});

		this.crud('meetings', this.meetings, MEETING_FIELDS, r, (row) => this.rowJson(row), (req, rows) => {
			let out = rows;
			if (typeof req.query.status === 'string') out = out.filter((row) => row.data.status === req.query.status);
			if (typeof req.query.prospect_id === 'string') out = out.filter((row) => row.data.prospect_id === req.query.prospect_id);
			return out;
		});
		this.crud('meeting-summaries', this.summaries, SUMMARY_FIELDS, r, (row) => this.rowJson(row), (req, rows) => {
			let out = rows;
			if (typeof req.query.meeting_id === 'string') out = out.filter((row) => row.data.meeting_id === req.query.meeting_id);
			if (typeof req.query.prospect_id === 'string') out = out.filter((row) => row.data.prospect_id === req.query.prospect_id);
			return out;
		});
	}

	private crud(
		resource: string,
		table: Table,
		rules: Record<string, FieldRule>,
		r: (method: 'get' | 'post' | 'patch' | 'put' | 'delete', path: string, endpoint: string, fn: (req: Request) => unknown, status?: number) => void,
		toJson: (row: Row) => Record<string, unknown>,
		filter: (req: Request, rows: Row[]) => Row[],
	): void {
		const name = resource.replace('-', '_');
		r('get', `/${resource}`, `${name}.list`, (req) => {
			// Every list is ordered by updated_at then id (the table's change order). The cursor is the
			// sort key of the last row returned and the next page starts strictly after it, so a
			// record updated during a walk moves to its new (later) place and is never skipped.
			const limit = Math.min(200, Math.max(1, Number(req.query.limit ?? 50) || 50));
			const includeDeleted = req.query.include_deleted === 'true';
			let rows: readonly Row[] = includeDeleted ? table.allView() : table.liveView();
			// By email (live prospects): start from the index instead of the whole table.
			if (table === this.prospects && !includeDeleted && typeof req.query.email === 'string' && req.query.email) rows = table.liveWhere('email', req.query.email);
			if (typeof req.query.ids === 'string' && req.query.ids) {
				const ids = req.query.ids.split(',');
				if (ids.length > 200) throw new SandboxHttpError(400, 'validation', 'ids takes at most 200 ids');
				rows = [...new Set(ids)]
					.map((id) => table.rows.get(id))
					.filter((row): row is Row => !!row && (includeDeleted || !row.deletedAt))
					.sort(byChange);
			}
			let start = 0;
			if (typeof req.query.updated_since === 'string') {
				const since = Date.parse(req.query.updated_since);
				if (!Number.isFinite(since)) throw new SandboxHttpError(400, 'validation', 'updated_since must be an ISO 8601 time');
				start = lowerBound(rows, { updatedAt: since, id: '' });
			}
			const after = decodeCursor(req.query.cursor);
			if (after) {
				const i = lowerBound(rows, after);
				start = Math.max(start, rows[i] && byChange(rows[i], after) === 0 ? i + 1 : i);
			}
			// Filters run on slices from the start until one row past the page is found.
			const page: Row[] = [];
			for (let i = start; i < rows.length && page.length <= limit; i += FILTER_SLICE) page.push(...filter(req, rows.slice(i, i + FILTER_SLICE)));
			const more = page.length > limit;
			page.length = Math.min(page.length, limit);
			const last = page[page.length - 1];
			return { data: page.map(toJson), next_cursor: more ? encodeCursor(last) : null };
		});
		r('get', `/${resource}/:id`, `${name}.get`, (req) => toJson(this.mustGet(table, String(req.params.id), resource)));
		r(
			'post',
			`/${resource}`,
			`${name}.create`,
			(req) => {
				const data = this.validate(rules, req.body, true, resource);
				if (resource === 'prospects') this.assertUniqueEmail(data.email);
				return toJson(table.insert(data));
			},
			201,
		);
		r('patch', `/${resource}/:id`, `${name}.update`, (req) => {
			const id = String(req.params.id);
			this.mustGet(table, id, resource);
			const data = this.validate(rules, req.body, false, resource);
			if (resource === 'prospects') this.assertUniqueEmail(data.email, id);
			return toJson(table.update(id, data)!);
		});
		r('delete', `/${resource}/:id`, `${name}.delete`, (req) => {
			const id = String(req.params.id);
			this.mustGet(table, id, resource);
			table.remove(id);
			return undefined;
		});
	}

	private mustGet(table: Table, id: string, resource: string): Row {
		const row = table.get(id);
		if (!row) throw new SandboxHttpError(404, 'notFound', `${singular(resource)} ${id} not found`);
		return row;
	}

	private validate(rules: Record<string, FieldRule>, body: unknown, create: boolean, resource: string): Record<string, unknown> {
		if (!body || typeof body !== 'object' || Array.isArray(body)) {
			throw new SandboxHttpError(400, 'validation', 'Request body must be a JSON object');
		}
		const input = body as Record<string, unknown>;
		const details: Array<{ field: string; issue: string }> = [];
		const out: Record<string, unknown> = {};
		for (const [key, value] of Object.entries(input)) {
			if (['id', 'created_at', 'updated_at', 'deleted_at'].includes(key)) continue;
			const rule = rules[key];
			if (!rule) {
				details.push({ field: key, issue: 'unknown_field' });
				continue;
			}
			const issue = checkValue(rule, value);
			if (issue) details.push({ field: key, issue });
			else out[key] = value;
		}
		if (create) {
			for (const [key, rule] of Object.entries(rules)) {
				if (rule.required && (input[key] === undefined || input[key] === null || input[key] === '')) details.push({ field: key, issue: 'required' });
			}
			if (resource === 'prospects') out.status ??= 'new';
			if (resource === 'meetings') out.status ??= 'scheduled';
		}
		if (details.length) throw validation(details, details.map((d) => `${d.field}: ${d.issue}`).join('; '));
		return out;
	}

	private assertUniqueEmail(email: unknown, selfId?: string): void {
		if (typeof email !== 'string' || !email) return;
		const holder = this.prospects.liveWhere('email', email).find((row) => row.id !== selfId);
		if (holder) {
			throw new SandboxHttpError(409, 'validation', `A prospect with email ${email} already exists`, {
				extraDetails: [{ field: 'email', issue: 'taken', existing_id: holder.id }],
			});
		}
	}

	/**
	 * POST /prospects/batch (docs/fieldflow-api-v1.md): one transaction time for the whole batch, so
	 * every record it writes has the same `updated_at` (and a created one the same `created_at`);
	 * per-record results, a bad record is answered `error` and the others are written.
	 */
	private batchUpsert(body: unknown): { results: unknown[] } {
		const items = (body as { upsert?: unknown })?.upsert;
		if (!Array.isArray(items)) throw validation([{ field: 'upsert', issue: 'required' }], 'upsert must be an array');
		if (items.length > 100) throw validation([{ field: 'upsert', issue: 'too_many' }], 'at most 100 records per batch');
		return this.atOneInstant(() => this.batchItems(items as Array<Record<string, unknown>>));
	}

	/** Run `fn` with the clock stopped at one instant (the batch's transaction time). */
	private atOneInstant<T>(fn: () => T): T {
		const clock = this.clock;
		const t = clock.nowMs();
		const tick = clock.nowMs;
		clock.nowMs = () => t;
		try {
			return fn();
		} finally {
			clock.nowMs = tick;
		}
	}

	private batchItems(items: Array<Record<string, unknown>>): { results: unknown[] } {
		const results = items.map((item: Record<string, unknown>, index) => {
			try {
				const id = typeof item?.id === 'string' ? item.id : undefined;
				if (id) {
					this.mustGet(this.prospects, id, 'prospects');
					const data = this.validate(PROSPECT_FIELDS, item, false, 'prospects');
					this.assertUniqueEmail(data.email, id);
					return { index, status: 'updated', id, record: this.prospectJson(this.prospects.update(id, data)!) };
				}
				const data = this.validate(PROSPECT_FIELDS, item, true, 'prospects');
				this.assertUniqueEmail(data.email);
				const row = this.prospects.insert(data);
				return { index, status: 'created', id: row.id, record: this.prospectJson(row) };
			} catch (err) {
				if (!(err instanceof SandboxHttpError)) throw err;
				return { index, status: 'error', error: this.errorBody(err.status, err.message, err.details) };
			}
		});
		return { results };
	}

	private rowJson(row: Row): Record<string, unknown> {
		return {
			id: row.id,
			...row.data,
			created_at: new Date(row.createdAt).toISOString(),
			updated_at: new Date(row.updatedAt).toISOString(),
			...(row.deletedAt ? { deleted_at: new Date(row.deletedAt).toISOString() } : {}),
		};
	}

	private prospectJson(row: Row): Record<string, unknown> {
		return {
			id: row.id,
			company_name: null,
			contact_name: null,
			email: null,
			phone: null,
			status: 'new',
			notes: null,
			estimated_value: null,
			owner_email: null,
			custom_fields: {},
			...this.rowJson(row),
		};
	}

	private errorBody(status: number, message: string, details: Record<string, unknown> = {}): Record<string, unknown> {
		const code = ({ 400: 'bad_request', 401: 'unauthorized', 404: 'not_found', 409: 'conflict', 422: 'validation_failed', 429: 'rate_limited' } as Record<number, string>)[status] ?? 'internal';
		return {
			code,
			message,
			details: (details.extraDetails as unknown[]) ?? (details.fieldDetails as unknown[]) ?? [],
			request_id: `req_${randomUUID().slice(0, 12)}`,
		};
	}

	protected vendorError(ctx: VendorErrorContext): VendorError {
		const status = ctx.status;
		const headers: Record<string, string> = {};
		if (ctx.kind === 'rateLimit') {
			const after = ctx.retryAfter ?? 1;
			headers['Retry-After'] = String(after);
			headers['X-RateLimit-Limit'] = '600';
			headers['X-RateLimit-Remaining'] = '0';
			headers['X-RateLimit-Reset'] = String(Math.ceil(Date.now() / 1000) + after);
		}
		return { status, headers, body: { error: this.errorBody(status, ctx.message, ctx.details) } };
	}

	clearData(): void {
		this.prospects.clear();
		this.meetings.clear();
		this.summaries.clear();
		this.crmSync.clear();
	}

	seed(data: FieldFlowSeed): void {
		for (const p of data.prospects ?? []) {
			const { id, ...rest } = p;
			this.prospects.insert({ status: 'new', ...rest }, id);
		}
		for (const m of data.meetings ?? []) {
			const { id, ...rest } = m;
			this.meetings.insert({ status: 'scheduled', ...rest }, id);
		}
		for (const s of data.summaries ?? []) {
			const { id, ...rest } = s;
			this.summaries.insert(rest, id);
		}
	}

	/** ~20 realistic prospects, a few completed meetings with summaries: the demo's data. */
	seedSample(): void {
		const people: Array<[string, string, string, string, number]> = [
			['Acme Logistics', 'Dana Whitfield', 'dana.whitfield@acmelogistics.example', 'qualified', 48000],
			['Birch & Co Bakery', 'Tomás Rivera', 'tomas@birchbakery.example', 'contacted', 6500],
			['Cobalt Dental Group', 'Priya Natarajan', 'priya.n@cobaltdental.example', 'proposal', 22000],
			['Driftwood Marine', 'Jonas Berg', 'jonas.berg@driftwoodmarine.example', 'new', 0],
			['Evergreen Landscaping', "Siobhan O'Neill", 'siobhan@evergreenland.example', 'won', 15000],
			['Fulcrum Engineering', 'Marcus Chen', 'm.chen@fulcrum-eng.example', 'qualified', 91000],
			['Granite Peak Fitness', 'Alicia Gómez', 'alicia@granitepeakfit.example', 'lost', 4000],
			['Harbor View Hotel', 'Kwame Mensah', 'kwame.mensah@harborview.example', 'contacted', 37000],
			['Iris Florists', 'Emma Larsson', 'emma@irisflorists.example', 'new', 1200],
			['Juniper Vet Clinic', 'Rahul Mehta', 'rahul@junipervet.example', 'proposal', 18500],
			['Keystone Roofing', 'Grace Okafor', 'grace.okafor@keystoneroof.example', 'qualified', 26000],
			['Lumen Optics', 'Hiro Tanaka', 'hiro.tanaka@lumenoptics.example', 'contacted', 54000],
			['Maple Street Pharmacy', 'Olivia Brooks', 'olivia@maplestpharm.example', 'new', 8000],
			['Northwind Traders', 'Liam Murphy', 'liam.murphy@northwind.example', 'won', 120000],
			['Orchid Spa', 'Sofia Rossi', 'sofia@orchidspa.example', 'contacted', 3500],
			['Pioneer Solar', 'Ben Adeyemi', 'ben.adeyemi@pioneersolar.example', 'proposal', 67000],
			['Quarry Coffee', 'Hannah Weiss', 'hannah@quarrycoffee.example', 'new', 2500],
			['Redwood Realty', 'Carlos Mendes', 'carlos.mendes@redwoodrealty.example', 'qualified', 30000],
			['Summit Physio', 'Aisha Karim', 'aisha@summitphysio.example', 'contacted', 9000],
			['Tidewater Brewing', 'Noah Fischer', 'noah@tidewaterbrew.example', 'new', 11000],
		];
		people.forEach(([company, contact, email, status, value], i) => {
			const row = this.prospects.insert(
				{
					company_name: company,
					contact_name: contact,
					email,
					phone: `+1 555 01${String(10 + i).padStart(2, '0')}`,
					status,
					notes: `Met at the ${['spring', 'summer', 'autumn'][i % 3]} trade show.`,
					estimated_value: value,
					owner_email: 'rep@fieldflow.example',
					custom_fields: {},
				},
			);
			if (i < 4) {
				const start = new Date(Date.UTC(2026, 10, 10 + i, 14, 0, 0));
				const m = this.meetings.insert({
					prospect_id: row.id,
					title: `Site visit: ${company}`,
					start_time: start.toISOString(),
					duration_minutes: 45,
					status: 'completed',
					notes: 'Walked the floor, reviewed current process.',
					outcome: i % 2 ? 'Follow-up call booked' : 'Proposal requested',
					location: 'On site',
					completed_at: new Date(start.getTime() + 45 * 60_000).toISOString(),
				});
				this.summaries.insert({
					meeting_id: m.id,
					prospect_id: row.id,
					summary: `${contact} wants to cut manual scheduling. Budget confirmed; decision in 2 weeks.`,
					action_items: ['Send proposal', 'Book follow-up'],
					generated_at: new Date(start.getTime() + 50 * 60_000).toISOString(),
				});
			}
		});
	}

	snapshot(): FieldFlowSeed & { crmSync: Record<string, unknown> } {
		return {
			prospects: this.prospects.live().map((r) => this.prospectJson(r)) as FieldFlowSeed['prospects'],
			meetings: this.meetings.live().map((r) => this.rowJson(r)) as FieldFlowSeed['meetings'],
			summaries: this.summaries.live().map((r) => this.rowJson(r)) as FieldFlowSeed['summaries'],
			crmSync: Object.fromEntries([...this.crmSync].map(([id, m]) => [id, Object.fromEntries(m)])),
		};
	}
}

function validation(details: Array<{ field: string; issue: string }>, message: string): SandboxHttpError {
	return new SandboxHttpError(422, 'validation', message, { fieldDetails: details });
}

function checkValue(rule: FieldRule, value: unknown): string | undefined {
	if (value === null) return rule.required ? 'required' : undefined;
	switch (rule.type) {
		case 'string':
			if (typeof value !== 'string') return 'must_be_string';
			if (rule.max !== undefined && value.length > rule.max) return `too_long (max ${rule.max})`;
			return undefined;
		case 'email':
			if (typeof value !== 'string' || !EMAIL_RE.test(value)) return 'invalid_format';
			if (rule.max !== undefined && value.length > rule.max) return `too_long (max ${rule.max})`;
			return undefined;
		case 'number':
		case 'integer':
			if (typeof value !== 'number' || !Number.isFinite(value)) return 'must_be_number';
			if (rule.type === 'integer' && !Number.isInteger(value)) return 'must_be_integer';
			if (rule.min !== undefined && value < rule.min) return `below_minimum (${rule.min})`;
			if (rule.max !== undefined && value > rule.max) return `above_maximum (${rule.max})`;
			return undefined;
		case 'enum':
			return typeof value === 'string' && rule.values!.includes(value) ? undefined : 'invalid_value';
		case 'time':
			return typeof value === 'string' && Number.isFinite(Date.parse(value)) ? undefined : 'invalid_time';
		case 'object':
			return typeof value === 'object' && !Array.isArray(value) ? undefined : 'must_be_object';
		case 'array':
			return Array.isArray(value) ? undefined : 'must_be_array';
	}
}

/** Rows handed to a list's filter at a time while filling a page. */
const FILTER_SLICE = 1000;

/** Opaque cursor: the sort key (updated_at in ms, id) of the last row returned. */
function encodeCursor(last: Row): string {
	return `c_${Buffer.from(JSON.stringify([last.updatedAt, last.id])).toString('base64url')}`;
}

function decodeCursor(cursor: unknown): { updatedAt: number; id: string } | undefined {
	if (typeof cursor !== 'string' || !cursor) return undefined;
	let key: unknown;
	try {
		key = JSON.parse(Buffer.from(cursor.replace(/^c_/, ''), 'base64url').toString());
	} catch {
		key = undefined;
	}
	if (!Array.isArray(key) || key.length !== 2 || !Number.isInteger(key[0]) || typeof key[1] !== 'string') {
		throw new SandboxHttpError(400, 'validation', 'Invalid cursor');
	}
	return { updatedAt: key[0], id: key[1] };
}

function singular(resource: string): string {
	return resource === 'meeting-summaries' ? 'Meeting summary' : resource === 'meetings' ? 'Meeting' : 'Prospect';
}
