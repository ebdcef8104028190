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
	nowMs(): number {
		const t = Math.max(Date.now() + this.offsetMs, this.last + 1);
		this.last = t;
		return t;
	}
	nowIso(): string {
		return new Date(this.nowMs()).toISOString();
	}
}

export interface Row {
	id: string;
	createdAt: number;
	updatedAt: number;
	deletedAt?: number;
	data: Record<string, unknown>;
}

/** In-memory table keyed by id, with created/updated/deleted times from a shared clock. */
export class Table {
	readonly rows = new Map<string, Row>();
	constructor(
		private readonly clock: MonotonicClock,
		private readonly makeId: (n: number) => string,
	) {}
	private seq = 0;

	insert(data: Record<string, unknown>, id?: string): Row {
		const now = this.clock.nowMs();
		let rowId = id;
		if (rowId === undefined) {
			// Skip ids taken by explicitly seeded rows.
			do rowId = this.makeId(++this.seq);
			while (this.rows.has(rowId));
		}
		const row: Row = { id: rowId, createdAt: now, updatedAt: now, data: { ...data } };
		this.rows.set(row.id, row);
		return row;
	}
	get(id: string): Row | undefined {
		const row = this.rows.get(id);
		return row && !row.deletedAt ? row : undefined;
	}
	update(id: string, patch: Record<string, unknown>): Row | undefined {
		const row = this.get(id);
		if (!row) return undefined;
		Object.assign(row.data, patch);
		row.updatedAt = this.clock.nowMs();
		return row;
	}
	remove(id: string): boolean {
		const row = this.get(id);
		if (!row) return false;
		row.deletedAt = this.clock.nowMs();
		row.updatedAt = row.deletedAt;
		return true;
	}
	/** Live rows, oldest change first (stable order for paging). */
	live(): Row[] {
		return [...this.rows.values()].filter((r) => !r.deletedAt).sort(byChange);
	}
	/** Every row including deleted ones, oldest change first. */
	all(): Row[] {
		return [...this.rows.values()].sort(byChange);
	}
	clear(): void {
		this.rows.clear();
		this.seq = 0;
	}
	get size(): number {
		return this.live().length;
	}
}

function byChange(a: Row, b: Row): number {
	return a.updatedAt - b.updatedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
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
