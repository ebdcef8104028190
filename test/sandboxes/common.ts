/**
 * Shared machinery for the local API sandboxes (FieldFlow, Salesforce, HubSpot, Pipedrive).
 *
 * Each sandbox is an express app on 127.0.0.1 that speaks one vendor's wire format. This file
 * gives every sandbox the same:
 *  - endpoint registration with a stable endpoint name, used for call counting (`calls`);
 *  - fault injection (`injectFault`): vendor-shaped 401 / 404 / 400 / 429 / 5xx answers, latency,
 *    and "lost response" (the write happens, the socket is closed before the answer);
 *  - per-call latency;
 *  - a control API under `/__sandbox/*` so a sandbox running in another process (the demo) can be
 *    driven over HTTP: calls, reset, faults, seed, state.
 *  - an in-memory `Table` with monotonically increasing modification times.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';

/** malformed: 200 with a body that is not JSON; unexpected: 200 with JSON of the wrong shape. */
export type FaultKind = 'auth' | 'notFound' | 'validation' | 'rateLimit' | 'server' | 'timeout' | 'lostResponse' | 'malformed' | 'unexpected';

export interface FaultRule {
	kind: FaultKind;
	/** Endpoint name (exact) or pattern; omitted = every endpoint. */
	endpoint?: string | RegExp;
	/** HTTP method (upper case); omitted = any. */
	method?: string;
	/** How many matching calls get the fault; omitted = unlimited. */
	times?: number;
	/** Only every Nth matching call gets the fault (1 = every call). */
	every?: number;
	/** Seconds for Retry-After on rateLimit faults. */
	retryAfter?: number;
	/** Extra delay for 'timeout' faults (ms); the answer is never sent before it. */
	delayMs?: number;
	/** Free text placed in the vendor error message. */
	message?: string;
}

interface ActiveFault extends FaultRule {
	seen: number;
	fired: number;
}

export interface VendorErrorContext {
	status: number;
	kind: FaultKind;
	message: string;
	retryAfter?: number;
	req: Request;
	/** Extra details a handler attached to its SandboxHttpError (field names, existing ids...). */
	details?: Record<string, unknown>;
}

export interface VendorError {
	status: number;
	body: unknown;
	headers?: Record<string, string>;
}

export type Handler = (req: Request, res: Response) => unknown | Promise<unknown>;

/** Error a handler throws to answer with a vendor-shaped error body. */
export class SandboxHttpError extends Error {
	constructor(
		public readonly status: number,
		public readonly kind: FaultKind,
		message: string,
		public readonly details: Record<string, unknown> = {},
	) {
		super(message);
	}
}

/** Strictly increasing clock: two writes never share a modification time. */
export class MonotonicClock {
	private last = 0;
	/** Offset applied to Date.now(), for tests that need time to move. */
	public offsetMs = 0;
	/** While set, every write gets this time (one transaction: see `freeze`). */
	private frozen?: number;
	/** Open freezes: a sandbox's own transaction inside a test's frozen second keeps that second. */
	private freezes = 0;
	/**
	 * Until `thaw`, every write gets the same time, as the rows of one database transaction do
	 * (a sandbox's bulk write). Order among them is then by id. Nests: the time set by the outermost
	 * freeze holds until its thaw (a test holding one second across several collection requests).
	 */
	freeze(): void {
		if (this.freezes++ === 0) this.frozen = this.nowMs();
	}
	thaw(): void {
		if (this.freezes > 0 && --this.freezes === 0) this.frozen = undefined;
	}
	nowMs(): number {
		if (this.frozen !== undefined) return this.frozen;
		const t = Math.max(Date.now() + this.offsetMs, this.last + 1);
		this.last = t;
		return t;
	}
	nowIso(): string {
		return new Date(this.nowMs()).toISOString();
	}
	/**
	 * Move time on by `ms` from the latest time this clock gave (or now, if later): the next write
	 * is at least `ms` after every earlier one, even when an earlier test left `last` ahead of the
	 * wall clock (a bare `offsetMs += ms` then lands in the same second as the writes before it).
	 */
	advance(ms: number): void {
		this.offsetMs = Math.max(this.last, Date.now() + this.offsetMs) - Date.now() + ms;
	}
	/** Let the next times start from `ms` again (records seeded as created in the past). */
	rewind(ms: number): void {
		this.last = Math.min(this.last, ms);
	}
}

export interface Row {
	id: string;
	createdAt: number;
	updatedAt: number;
	deletedAt?: number;
	data: Record<string, unknown>;
}

/**
 * A lookup index: a field name, or a name plus the values a row is found by (e.g. every email of
 * a person). Keys are the values as lower-cased strings; empty values are not indexed.
 */
export type IndexSpec = string | { name: string; values: (data: Record<string, unknown>) => unknown[] };

interface Index {
	values: (data: Record<string, unknown>) => unknown[];
	keys: Map<string, Set<string>>;
}

/** A row's place in the change order before a write: its sort key and whether it was live. */
interface Place {
	updatedAt: number;
	id: string;
	live: boolean;
}

/**
 * In-memory table keyed by id, with created/updated/deleted times from a shared clock.
 *
 * Built for 100,000-row runs: lookups by an indexed field are O(1) (`liveWhere`), the change order
 * (`live`, `all`) is kept sorted as rows change instead of being sorted on every call, and a
 * transaction (`begin` / `rollback`) remembers only the rows it touched. Every write must go
 * through the methods (`rows` is read only); moving every row's times by the same amount (the
 * benchmark's `age`) keeps the order right.
 */
export class Table {
	/** Every row by id, deleted ones included. Read only: write through the methods. */
	readonly rows: ReadonlyMap<string, Row>;
	private readonly byId = new Map<string, Row>();
	private readonly indexes = new Map<string, Index>();
	/** Rows oldest change first (all / live only); undefined = rebuild on the next read. */
	private allOrder?: Row[];
	private liveOrder?: Row[];
	private liveCount = 0;
	/** Bumped on every write: caches of derived orders compare against it. */
	private version = 0;
	private readonly sortCache = new Map<string, { version: number; rows: Row[] }>();
	/** Open transaction: each touched row's state before its first change (undefined = did not exist). */
	private journal?: Map<string, Row | undefined>;
	private seq = 0;

	constructor(
		private readonly clock: MonotonicClock,
		private readonly makeId: (n: number) => string,
		indexed: IndexSpec[] = [],
	) {
		this.rows = this.byId;
		for (const spec of indexed) {
			const name = typeof spec === 'string' ? spec : spec.name;
			const values = typeof spec === 'string' ? (d: Record<string, unknown>) => [d[spec]] : spec.values;
			this.indexes.set(name, { values, keys: new Map() });
		}
	}

	insert(data: Record<string, unknown>, id?: string): Row {
		const now = this.clock.nowMs();
		let rowId = id;
		if (rowId === undefined) {
			// Skip ids taken by explicitly seeded rows.
			do rowId = this.makeId(++this.seq);
			while (this.byId.has(rowId));
		}
		const old = this.byId.get(rowId);
		this.remember(rowId, old);
		if (old) this.forget(old);
		const row: Row = { id: rowId, createdAt: now, updatedAt: now, data: { ...data } };
		this.byId.set(row.id, row);
		this.index(row);
		this.liveCount++;
		this.reorder(row);
		return row;
	}
	get(id: string): Row | undefined {
		const row = this.byId.get(id);
		return row && !row.deletedAt ? row : undefined;
	}
	update(id: string, patch: Record<string, unknown>): Row | undefined {
		const row = this.get(id);
		if (!row) return undefined;
		this.remember(id, row);
		const before = place(row);
		this.unindex(row);
		Object.assign(row.data, patch);
		row.updatedAt = this.clock.nowMs();
		this.index(row);
		this.reorder(row, before);
		return row;
	}
	remove(id: string): boolean {
		const row = this.get(id);
		if (!row) return false;
		this.remember(id, row);
		const before = place(row);
		this.unindex(row);
		row.deletedAt = this.clock.nowMs();
		row.updatedAt = row.deletedAt;
		this.liveCount--;
		this.reorder(row, before);
		return true;
	}
	/** Drop a row for good, as if it had never been written (a write undone). */
	discard(id: string): void {
		const row = this.byId.get(id);
		if (!row) return;
		this.remember(id, row);
		this.forget(row);
		this.byId.delete(id);
	}
	/** Live rows, oldest change first (stable order for paging). A copy: callers may sort it. */
	live(): Row[] {
		return this.liveView().slice();
	}
	/** Every row including deleted ones, oldest change first. A copy. */
	all(): Row[] {
		return this.allView().slice();
	}
	/** Live rows whose `field` (an index name, or any data field) equals `value`, ignoring case; oldest change first. */
	liveWhere(field: string, value: unknown): Row[] {
		const key = String(value ?? '').toLowerCase();
		const ix = this.indexes.get(field);
		if (ix && key !== '') {
			const ids = ix.keys.get(key);
			if (!ids) return [];
			const out = [...ids].map((id) => this.byId.get(id)!);
			return out.length > 1 ? out.sort(byChange) : out;
		}
		const values = ix?.values ?? ((d: Record<string, unknown>) => [d[field]]);
		return this.liveView().filter((r) => values(r.data).some((v) => String(v ?? '').toLowerCase() === key));
	}
	/** Whether `field` has an index (so `liveWhere` on it is O(1)). */
	indexed(field: string): boolean {
		return this.indexes.has(field);
	}
	/**
	 * Live rows in the order `compare` gives, cached under `name` until the next write. Do not
	 * change the array.
	 */
	liveSorted(name: string, compare: (a: Row, b: Row) => number): readonly Row[] {
		const hit = this.sortCache.get(name);
		if (hit && hit.version === this.version) return hit.rows;
		const rows = this.live().sort(compare);
		this.sortCache.set(name, { version: this.version, rows });
		return rows;
	}
	/** Live rows oldest change first, without a copy. Do not change the array. */
	liveView(): readonly Row[] {
		this.liveOrder ??= this.allView().filter((r) => !r.deletedAt);
		return this.liveOrder;
	}
	/** Every row oldest change first, without a copy. Do not change the array. */
	allView(): readonly Row[] {
		this.allOrder ??= [...this.byId.values()].sort(byChange);
		return this.allOrder;
	}
	/** Start remembering changed rows so `rollback` can undo them. */
	begin(): void {
		this.journal = new Map();
	}
	/** Keep the changes since `begin`. */
	commit(): void {
		this.journal = undefined;
	}
	/** Undo every change since `begin` (rows come back as they were, ids stay used). */
	rollback(): void {
		const journal = this.journal;
		this.journal = undefined;
		if (!journal) return;
		for (const [id, before] of journal) {
			const now = this.byId.get(id);
			if (now) this.forget(now);
			if (!before) {
				this.byId.delete(id);
				continue;
			}
			this.byId.set(id, before);
			this.index(before);
			if (!before.deletedAt) this.liveCount++;
		}
		this.allOrder = this.liveOrder = undefined;
		this.version++;
	}
	clear(): void {
		this.byId.clear();
		for (const ix of this.indexes.values()) ix.keys.clear();
		this.allOrder = this.liveOrder = undefined;
		this.liveCount = 0;
		this.version++;
		this.journal = undefined;
		this.seq = 0;
	}
	get size(): number {
		return this.liveCount;
	}

	private remember(id: string, row: Row | undefined): void {
		this.version++;
		if (this.journal && !this.journal.has(id)) this.journal.set(id, row && { ...row, data: { ...row.data } });
	}
	/** Take a row out of the indexes, the live count and the orders (it is being replaced or dropped). */
	private forget(row: Row): void {
		if (!row.deletedAt) {
			this.unindex(row);
			this.liveCount--;
		}
		this.allOrder = this.liveOrder = undefined;
	}
	private keys(ix: Index, row: Row): Set<string> {
		const out = new Set<string>();
		for (const v of ix.values(row.data)) {
			const k = String(v ?? '').toLowerCase();
			if (k !== '') out.add(k);
		}
		return out;
	}
	private index(row: Row): void {
		if (row.deletedAt) return;
		for (const ix of this.indexes.values()) {
			for (const k of this.keys(ix, row)) {
				let ids = ix.keys.get(k);
				if (!ids) ix.keys.set(k, (ids = new Set()));
				ids.add(row.id);
			}
		}
	}
	private unindex(row: Row): void {
		for (const ix of this.indexes.values()) {
			for (const k of this.keys(ix, row)) {
				const ids = ix.keys.get(k);
				if (!ids) continue;
				ids.delete(row.id);
				if (!ids.size) ix.keys.delete(k);
			}
		}
	}
	/**
	 * A written row has the newest time, so it moves to the end of the cached orders: found by
	 * binary search on its old key, spliced out, pushed. Anything unexpected drops the cache.
	 */
	private reorder(row: Row, before?: Place): void {
		const fix = (list: Row[] | undefined, was: boolean, is: boolean): Row[] | undefined => {
			if (!list) return undefined;
			if (before && was) {
				const i = lowerBound(list, before);
				if (list[i] !== row) return undefined;
				list.splice(i, 1);
			}
			if (is) {
				if (list.length && byChange(list[list.length - 1], row) > 0) return undefined;
				list.push(row);
			}
			return list;
		};
		this.allOrder = fix(this.allOrder, true, true);
		this.liveOrder = fix(this.liveOrder, before?.live ?? false, !row.deletedAt);
	}
}

function place(row: Row): Place {
	return { updatedAt: row.updatedAt, id: row.id, live: !row.deletedAt };
}

/** Change order: oldest `updatedAt` first, then id. */
export function byChange(a: Pick<Row, 'updatedAt' | 'id'>, b: Pick<Row, 'updatedAt' | 'id'>): number {
	return a.updatedAt - b.updatedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** First index in `list` (oldest change first) whose key is not before `key`. */
export function lowerBound(list: readonly Row[], key: Pick<Row, 'updatedAt' | 'id'>): number {
	let lo = 0;
	let hi = list.length;
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if (byChange(list[mid], key) < 0) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}

export abstract class Sandbox {
	readonly app = express();
	readonly clock = new MonotonicClock();
	/** Calls by endpoint name since the last reset. */
	readonly calls = new Map<string, number>();
	/** Every call since the last reset, in order. */
	readonly callLog: Array<{ endpoint: string; method: string; path: string; status?: number }> = [];
	latencyMs = 0;
	private faults: ActiveFault[] = [];
	private server?: Server;
	url = '';

	abstract readonly name: string;

	/** Vendor-shaped error body for a fault or a handler error. */
	protected abstract vendorError(ctx: VendorErrorContext): VendorError;
	/** Called by `reset` and the control API: drop all data. */
	abstract clearData(): void;
	/** Load seed data (shape is sandbox specific). */
	abstract seed(data: unknown): void;
	/** A JSON snapshot of the data, for tests and the control API. */
	abstract snapshot(): unknown;

	constructor() {
		this.app.disable('x-powered-by');
		this.app.use(express.json({ limit: '60mb' }));
		this.app.use(express.urlencoded({ extended: true }));
		this.app.use((err: Error & { status?: number; type?: string }, req: Request, res: Response, next: NextFunction) => {
			// Body parser failures (malformed JSON) answer in the vendor's shape.
			if (!err) return next();
			const status = err.status ?? 400;
			const e = this.vendorError({ status, kind: 'validation', message: `Malformed request body: ${err.message}`, req });
			res.status(e.status).set(e.headers ?? {}).json(e.body);
		});
		this.installControlApi();
	}

	/**
	 * Register an endpoint. `endpoint` is the stable name calls are counted under. Handlers should
	 * return the body (not write `res` themselves) so the lostResponse fault can drop the answer.
	 */
	route(method: 'get' | 'post' | 'put' | 'patch' | 'delete', path: string, endpoint: string, handler: Handler): void {
		this.app[method](path, async (req: Request, res: Response) => {
			const entry = this.count(endpoint, req);
			res.once('finish', () => {
				entry.status = res.statusCode;
			});
			if (this.latencyMs > 0) await sleep(this.latencyMs);
			const fault = this.matchFault(endpoint, req.method);
			if (fault && fault.kind !== 'lostResponse') return this.answerFault(fault, req, res);
			try {
				const out = await handler(req, res);
				if (fault?.kind === 'lostResponse') {
					// The write happened; the client never hears about it.
					req.socket.destroy();
					return;
				}
				if (!res.headersSent) {
					if (out !== undefined) res.json(out);
					else res.end();
				}
			} catch (err) {
				if (err instanceof SandboxHttpError) {
					const e = this.vendorError({ status: err.status, kind: err.kind, message: err.message, req, details: err.details });
					if (err.details && typeof e.body === 'object' && e.body && !Array.isArray(e.body)) {
						Object.assign(e.body as Record<string, unknown>, err.details.extraBody ?? {});
					}
					res.status(e.status).set(e.headers ?? {}).json(e.body);
					return;
				}
				const e = this.vendorError({ status: 500, kind: 'server', message: String((err as Error)?.message ?? err), req });
				res.status(e.status).set(e.headers ?? {}).json(e.body);
			}
		});
	}

	private count(endpoint: string, req: Request): { endpoint: string; method: string; path: string; status?: number } {
		this.calls.set(endpoint, (this.calls.get(endpoint) ?? 0) + 1);
		const entry = { endpoint, method: req.method, path: req.path } as { endpoint: string; method: string; path: string; status?: number };
		this.callLog.push(entry);
		return entry;
	}

	totalCalls(filter?: (endpoint: string) => boolean): number {
		let n = 0;
		for (const [k, v] of this.calls) if (!filter || filter(k)) n += v;
		return n;
	}

	resetCounters(): void {
		this.calls.clear();
		this.callLog.length = 0;
	}

	injectFault(rule: FaultRule): void {
		this.faults.push({ ...rule, seen: 0, fired: 0 });
	}

	clearFaults(): void {
		this.faults = [];
	}

	/** Drop data, counters, faults and latency. */
	reset(): void {
		this.clearData();
		this.resetCounters();
		this.clearFaults();
		this.latencyMs = 0;
	}

	private matchFault(endpoint: string, method: string): ActiveFault | undefined {
		for (const f of this.faults) {
			if (f.method && f.method.toUpperCase() !== method.toUpperCase()) continue;
			if (f.endpoint !== undefined) {
				const ok = typeof f.endpoint === 'string' ? f.endpoint === endpoint : f.endpoint.test(endpoint);
				if (!ok) continue;
			}
			if (f.times !== undefined && f.fired >= f.times) continue;
			f.seen++;
			const every = f.every ?? 1;
			if (f.seen % every !== 0) continue;
			f.fired++;
			return f;
		}
		return undefined;
	}

	private async answerFault(f: ActiveFault, req: Request, res: Response): Promise<void> {
		if (f.kind === 'timeout') {
			await sleep(f.delayMs ?? 30_000);
			req.socket.destroy();
			return;
		}
		if (f.kind === 'malformed') {
			res.status(200).type('application/json').send('{"this is": not json');
			return;
		}
		if (f.kind === 'unexpected') {
			res.status(200).json({ unexpected: 'shape', note: 'valid JSON, but none of the fields the API documents' });
			return;
		}
		const status = FAULT_STATUS[f.kind];
		const e = this.vendorError({
			status,
			kind: f.kind,
			message: f.message ?? DEFAULT_MESSAGES[f.kind],
			retryAfter: f.retryAfter,
			req,
		});
		res.status(e.status).set(e.headers ?? {}).json(e.body);
	}

	private installControlApi(): void {
		const c = express.Router();
		c.get('/calls', (_req, res) => {
			res.json({ total: this.totalCalls(), byEndpoint: Object.fromEntries(this.calls), log: this.callLog });
		});
		c.post('/reset', (_req, res) => {
			this.reset();
			res.json({ ok: true });
		});
		c.post('/reset-counters', (_req, res) => {
			this.resetCounters();
			res.json({ ok: true });
		});
		c.post('/faults', (req, res) => {
			const rules: FaultRule[] = Array.isArray(req.body) ? req.body : [req.body];
			for (const r of rules) {
				const endpoint = typeof r.endpoint === 'string' && r.endpoint.startsWith('/') ? new RegExp(r.endpoint.slice(1, -1)) : r.endpoint;
				this.injectFault({ ...r, endpoint });
			}
			res.json({ ok: true });
		});
		c.delete('/faults', (_req, res) => {
			this.clearFaults();
			res.json({ ok: true });
		});
		c.post('/latency', (req, res) => {
			this.latencyMs = Number(req.body?.ms ?? 0);
			res.json({ ok: true });
		});
		c.post('/seed', (req, res) => {
			this.seed(req.body);
			res.json({ ok: true });
		});
		c.get('/state', (_req, res) => {
			res.json(this.snapshot());
		});
		this.app.use('/__sandbox', c);
	}

	async start(port = 0): Promise<string> {
		// Unknown routes answer 404 in the vendor's shape (registered last).
		this.app.use((req: Request, res: Response) => {
			this.count('unknown', req);
			const e = this.vendorError({ status: 404, kind: 'notFound', message: `No route ${req.method} ${req.path}`, req });
			res.status(e.status).set(e.headers ?? {}).json(e.body);
		});
		await new Promise<void>((resolve, reject) => {
			this.server = this.app.listen(port, '127.0.0.1', () => resolve());
			this.server.once('error', reject);
		});
		// Keep-alive sockets must not hold jest open.
		this.server!.keepAliveTimeout = 1000;
		const addr = this.server!.address() as AddressInfo;
		this.url = `http://127.0.0.1:${addr.port}`;
		return this.url;
	}

	async stop(): Promise<void> {
		if (!this.server) return;
		const s = this.server;
		this.server = undefined;
		s.closeAllConnections?.();
		await new Promise<void>((resolve) => s.close(() => resolve()));
	}
}

const FAULT_STATUS: Record<FaultKind, number> = {
	auth: 401,
	notFound: 404,
	validation: 400,
	rateLimit: 429,
	server: 500,
	timeout: 504,
	lostResponse: 200,
	malformed: 200,
	unexpected: 200,
};

const DEFAULT_MESSAGES: Record<FaultKind, string> = {
	auth: 'Session expired or invalid',
	notFound: 'The requested resource does not exist',
	validation: 'Invalid input',
	rateLimit: 'Rate limit exceeded',
	server: 'Internal server error',
	timeout: 'Timeout',
	lostResponse: '',
	malformed: '',
	unexpected: '',
};

export function sleep(ms: number): Promise<void> {
	return new Promise((r) => setTimeout(r, ms));
}

/** Bearer token from an Authorization header, or undefined. */
export function bearer(req: Request): string | undefined {
	const h = req.headers.authorization;
	if (!h) return undefined;
	const m = /^Bearer\s+(.+)$/i.exec(h);
	return m?.[1];
}
