/**
 * A tiny database layer so the store's SQL is written once: `?` placeholders (rewritten to $n for
 * PostgreSQL), rows as plain objects, and async transactions.
 *
 * SQLite: node:sqlite (DatabaseSync) when the runtime has it (Node >= 22.5 without a flag, which
 * is what n8n 2.x on Node 24 has), else better-sqlite3 (n8n 1.x on Node 20). Both are loaded
 * lazily with require so neither is needed when unused. The drivers are synchronous, so every
 * store in this process that uses the same file shares one queue (a transaction that awaits must
 * not let another connection of the same thread ask for the write lock: it would wait on itself).
 * Other processes are kept apart by SQLite's own locks (WAL + busy_timeout + BEGIN IMMEDIATE).
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import type { PostgresStoreConfig, SqliteDriverName, SqliteStoreConfig } from './types';

export type Param = string | number | null;
export type Row = Record<string, unknown>;

export interface Executor {
	all<T = Row>(sql: string, params?: readonly Param[]): Promise<T[]>;
	/** Returns the number of rows changed. */
	run(sql: string, params?: readonly Param[]): Promise<number>;
}

export interface Db extends Executor {
	readonly dialect: 'sqlite' | 'postgres';
	readonly driver: string;
	/** Runs fn in one write transaction (SQLite: BEGIN IMMEDIATE). */
	transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T>;
	close(): Promise<void>;
}

/** Serialises async work. */
class Queue {
	private tail: Promise<unknown> = Promise.resolve();

	run<T>(fn: () => Promise<T>): Promise<T> {
		const next = this.tail.then(fn, fn);
		this.tail = next.then(
			() => undefined,
			() => undefined,
		);
		return next;
	}
}

// ---------------------------------------------------------------------------------------------
// SQLite

/** node:sqlite and better-sqlite3 answer at once; n8n's own sqlite3 (n8n 1.x) answers with a Promise. */
interface SqliteDriver {
	readonly name: SqliteDriverName;
	all(sql: string, params: readonly Param[]): Row[] | Promise<Row[]>;
	run(sql: string, params: readonly Param[]): number | Promise<number>;
	exec(sql: string): void | Promise<void>;
	close(): void | Promise<void>;
}

interface SqliteStatement {
	all(...params: Param[]): unknown[];
	run(...params: Param[]): { changes: number | bigint };
	reader?: boolean;
}

const STATEMENT_CACHE_SIZE = 200;

class StatementCache {
	private readonly map = new Map<string, SqliteStatement>();

	constructor(private readonly prepare: (sql: string) => SqliteStatement) {}

	get(sql: string): SqliteStatement {
		let stmt = this.map.get(sql);
		if (!stmt) {
			stmt = this.prepare(sql);
			if (this.map.size >= STATEMENT_CACHE_SIZE) {
				const oldest = this.map.keys().next().value;
				if (oldest !== undefined) this.map.delete(oldest);
			}
			this.map.set(sql, stmt);
		}
		return stmt;
	}

	clear(): void {
		this.map.clear();
	}
}

interface NodeSqliteModule {
	DatabaseSync: new (
		path: string,
		options?: { timeout?: number },
	) => {
		prepare(sql: string): SqliteStatement;
		exec(sql: string): void;
		close(): void;
	};
}

let nodeSqlite: NodeSqliteModule | null | undefined;

/** node:sqlite if this runtime has it (without printing its ExperimentalWarning), else null. */
export function loadNodeSqlite(): NodeSqliteModule | null {
	if (nodeSqlite !== undefined) return nodeSqlite;
	const original = process.emitWarning;
	process.emitWarning = function (this: NodeJS.Process, warning: string | Error, ...rest: unknown[]) {
		const text = typeof warning === 'string' ? warning : warning?.message;
		if (typeof text === 'string' && text.includes('SQLite is an experimental feature')) return;
		return (original as (...a: unknown[]) => void).call(process, warning, ...rest);
	} as typeof process.emitWarning;
	try {
		const mod = require('node:sqlite') as NodeSqliteModule;
		nodeSqlite = typeof mod?.DatabaseSync === 'function' ? mod : null;
	} catch {
		nodeSqlite = null;
	} finally {
		process.emitWarning = original;
	}
	return nodeSqlite;
}

function openNodeSqlite(mod: NodeSqliteModule, path: string, busyTimeoutMs: number): SqliteDriver {
	const db = new mod.DatabaseSync(path, { timeout: busyTimeoutMs });
	const cache = new StatementCache((sql) => db.prepare(sql));
	return {
		name: 'node:sqlite',
		all: (sql, params) => cache.get(sql).all(...params) as Row[],
		run: (sql, params) => Number(cache.get(sql).run(...params).changes),
		exec: (sql) => db.exec(sql),
		close: () => {
			cache.clear();
			db.close();
		},
	};
}

type BetterSqliteCtor = new (path: string, options?: { timeout?: number }) => {
	prepare(sql: string): SqliteStatement;
	exec(sql: string): void;
	close(): void;
};

/** better-sqlite3 (optional dependency), or the reason it cannot be loaded. */
function loadBetterSqlite(): BetterSqliteCtor | Error {
	try {
		return require('better-sqlite3') as BetterSqliteCtor;
	} catch (error) {
		return error as Error;
	}
}

interface Sqlite3Database {
	all(sql: string, params: Param[], cb: (error: Error | null, rows: Row[]) => void): void;
	run(sql: string, params: Param[], cb: (this: { changes: number }, error: Error | null) => void): void;
	exec(sql: string, cb: (error: Error | null) => void): void;
	close(cb: (error: Error | null) => void): void;
	configure(option: 'busyTimeout', value: number): void;
}
type Sqlite3Module = { Database: new (path: string, cb: (error: Error | null) => void) => Sqlite3Database };

/**
 * The sqlite3 module n8n 1.x itself runs on (its own database), found from n8n's entry point: with
 * it, a package installed from n8n's Community Nodes page (which skips optional dependencies, so
 * no better-sqlite3) still has SQLite on Node 20, with nothing to compile.
 */
function loadN8nSqlite3(): Sqlite3Module | undefined {
	const from = [require.main?.filename, process.argv[1]].filter((f): f is string => !!f).map((f) => dirname(f));
	for (const paths of [undefined, ...from.map((d) => [d])]) {
		try {
			const mod = require(paths ? require.resolve('sqlite3', { paths }) : 'sqlite3') as Sqlite3Module;
			if (typeof mod?.Database === 'function') return mod;
		} catch {
			// not here; try the next place
		}
	}
	return undefined;
}

function openSqlite3(mod: Sqlite3Module, path: string, busyTimeoutMs: number): SqliteDriver {
	let db!: Sqlite3Database;
	const opened = new Promise<void>((ok, fail) => {
		db = new mod.Database(path, (error) => (error ? fail(error) : ok()));
	});
	opened.catch(() => undefined);
	db.configure('busyTimeout', busyTimeoutMs);
	const call = <T>(fn: (done: (error: Error | null, value?: T) => void) => void) =>
		opened.then(() => new Promise<T>((ok, fail) => fn((error, value) => (error ? fail(error) : ok(value as T)))));
	return {
		name: 'sqlite3',
		all: (sql, params) => call<Row[]>((done) => db.all(sql, [...params], done)),
		run: (sql, params) => call<number>((done) => db.run(sql, [...params], function (error) {
			done(error, this?.changes ?? 0);
		})),
		exec: (sql) => call<void>((done) => db.exec(sql, done)),
		close: () => call<void>((done) => db.close(done)),
	};
}

function openBetterSqlite(Database: BetterSqliteCtor, path: string, busyTimeoutMs: number): SqliteDriver {
	const db = new Database(path, { timeout: busyTimeoutMs });
	const cache = new StatementCache((sql) => db.prepare(sql));
	return {
		name: 'better-sqlite3',
		all: (sql, params) => {
			const stmt = cache.get(sql);
			if (stmt.reader === false) {
				stmt.run(...params);
				return [];
			}
			return stmt.all(...params) as Row[];
		},
		run: (sql, params) => Number(cache.get(sql).run(...params).changes),
		exec: (sql) => db.exec(sql),
		close: () => {
			cache.clear();
			db.close();
		},
	};
}

function sleepSync(ms: number): void {
	Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function isBusy(error: unknown): boolean {
	const e = error as { code?: string; errcode?: number; message?: string };
	return (
		e?.code === 'SQLITE_BUSY' ||
		e?.errcode === 5 ||
		/database is locked|SQLITE_BUSY/i.test(String(e?.message ?? ''))
	);
}

const fileQueues = new Map<string, { queue: Queue; users: number }>();

export function openSqliteDb(config: SqliteStoreConfig): Db {
	const path = config.path === ':memory:' ? ':memory:' : resolve(config.path);
	const busyTimeoutMs = config.busyTimeoutMs ?? 10_000;
	if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });

	const driver = pickSqliteDriver(config.driver, path, busyTimeoutMs);
	const ready = driver.name === 'sqlite3' ? initSqliteAsync(driver, busyTimeoutMs) : initSqliteSync(driver, busyTimeoutMs);

	let shared = fileQueues.get(path);
	if (!shared || path === ':memory:') {
		shared = { queue: new Queue(), users: 0 };
		if (path !== ':memory:') fileQueues.set(path, shared);
	}
	shared.users++;
	const queue = shared.queue;
	if (ready) void queue.run(() => ready).catch(() => undefined);
	let closed = false;

	const tx: Executor = {
		all: async <T>(sql: string, params: readonly Param[] = []) => (await driver.all(sql, params.map(bindable))) as T[],
		run: async (sql: string, params: readonly Param[] = []) => driver.run(sql, params.map(bindable)),
	};
	const ensureOpen = async () => {
		if (closed) throw new Error('The sync store is closed');
		await ready;
	};

	return {
		dialect: 'sqlite',
		driver: driver.name,
		all: <T>(sql: string, params?: readonly Param[]) =>
			queue.run(async () => {
				await ensureOpen();
				return tx.all<T>(sql, params);
			}),
		run: (sql, params) =>
			queue.run(async () => {
				await ensureOpen();
				return tx.run(sql, params);
			}),
		transaction: <T>(fn: (tx: Executor) => Promise<T>) =>
			queue.run(async () => {
				await ensureOpen();
				await driver.exec('BEGIN IMMEDIATE');
				try {
					const result = await fn(tx);
					await driver.exec('COMMIT');
					return result;
				} catch (error) {
					try {
						await driver.exec('ROLLBACK');
					} catch {
						// the transaction may already be gone (SQLite rolls back on some errors)
					}
					throw error;
				}
			}),
		close: () =>
			queue.run(async () => {
				if (closed) return;
				closed = true;
				await driver.close();
				if (shared && --shared.users === 0 && fileQueues.get(path) === shared) fileQueues.delete(path);
			}),
	};
}

/**
 * node:sqlite when the runtime has it (n8n 2.x), else better-sqlite3 (optional dependency), else the
 * sqlite3 n8n 1.x runs on; `wanted` forces one.
 */
function pickSqliteDriver(wanted: SqliteDriverName | undefined, path: string, busyTimeoutMs: number): SqliteDriver {
	if (wanted === 'sqlite3') {
		const s3 = loadN8nSqlite3();
		if (!s3) throw new Error('sqlite3 (the module n8n 1.x runs on) could not be found next to this n8n');
		return openSqlite3(s3, path, busyTimeoutMs);
	}
	if (wanted !== 'better-sqlite3') {
		const mod = loadNodeSqlite();
		if (mod) return openNodeSqlite(mod, path, busyTimeoutMs);
		if (wanted === 'node:sqlite') throw new Error(`node:sqlite is not available in Node.js ${process.version} (needs >= 22.5)`);
	}
	const better = loadBetterSqlite();
	if (typeof better === 'function') return openBetterSqlite(better, path, busyTimeoutMs);
	const s3 = wanted === 'better-sqlite3' ? undefined : loadN8nSqlite3();
	if (s3) return openSqlite3(s3, path, busyTimeoutMs);
	throw new Error(
		'The FieldFlow sync store needs SQLite: this Node.js (' +
			process.version +
			') has no node:sqlite, the optional dependency better-sqlite3 could not be loaded (' +
			better.message +
			') and no sqlite3 module was found beside n8n. Use Node.js >= 22.5 (n8n 2.x), install better-sqlite3 in the package folder, or use the PostgreSQL store.',
	);
}

/** Busy timeout, WAL and synchronous=NORMAL on a driver that answers at once; closes it on failure. */
function initSqliteSync(driver: SqliteDriver, busyTimeoutMs: number): undefined {
	try {
		driver.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
		// Switching to WAL needs a moment of exclusive access; another process may be opening too.
		const deadline = Date.now() + busyTimeoutMs;
		for (;;) {
			try {
				driver.exec('PRAGMA journal_mode = WAL');
				break;
			} catch (error) {
				if (!isBusy(error) || Date.now() > deadline) throw error;
				sleepSync(25);
			}
		}
		driver.exec('PRAGMA synchronous = NORMAL');
	} catch (error) {
		void driver.close();
		throw error;
	}
	return undefined;
}

/** The same for sqlite3, whose answers come later: the store's first queued job. */
async function initSqliteAsync(driver: SqliteDriver, busyTimeoutMs: number): Promise<void> {
	try {
		const deadline = Date.now() + busyTimeoutMs;
		for (;;) {
			try {
				await driver.exec('PRAGMA journal_mode = WAL');
				break;
			} catch (error) {
				if (!isBusy(error) || Date.now() > deadline) throw error;
				await new Promise((r) => setTimeout(r, 25));
			}
		}
		await driver.exec('PRAGMA synchronous = NORMAL');
	} catch (error) {
		await Promise.resolve(driver.close()).catch(() => undefined);
		throw error;
	}
}

function bindable(value: Param | undefined | boolean): Param {
	if (value === undefined) return null;
	if (typeof value === 'boolean') return value ? 1 : 0;
	return value;
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

interface PgQueryResult {
	rows: Row[];
	rowCount: number | null;
}

interface PgClient {
	query(sql: string, params?: unknown[]): Promise<PgQueryResult>;
	release(error?: Error | boolean): void;
}

interface PgPool {
	query(sql: string, params?: unknown[]): Promise<PgQueryResult>;
	connect(): Promise<PgClient>;
	end(): Promise<void>;
	on(event: 'error', listener: (error: Error) => void): unknown;
}

const pgSqlCache = new Map<string, string>();

/** `?` placeholders → `$1, $2, ...` (the store's SQL never has a literal question mark). */
export function toPgSql(sql: string): string {
	let out = pgSqlCache.get(sql);
	if (out === undefined) {
		let n = 0;
		out = sql.replace(/\?/g, () => `$${++n}`);
		if (pgSqlCache.size > 500) pgSqlCache.clear();
		pgSqlCache.set(sql, out);
	}
	return out;
}

export function openPostgresDb(config: PostgresStoreConfig): Db {
	const pg = require('pg') as { Pool: new (config: Record<string, unknown>) => PgPool };
	const pool = new pg.Pool({
		connectionString: config.connectionString,
		host: config.host,
		port: config.port,
		user: config.user,
		password: config.password,
		database: config.database,
		ssl: config.ssl,
		max: config.maxConnections ?? 5,
		idleTimeoutMillis: 30_000,
		application_name: 'n8n-nodes-fieldflow',
	});
	// An idle client losing its connection must not crash the n8n process.
	pool.on('error', () => undefined);

	const executor = (q: (sql: string, params: unknown[]) => Promise<PgQueryResult>): Executor => ({
		all: async <T>(sql: string, params: readonly Param[] = []) =>
			(await q(toPgSql(sql), params.map(bindable))).rows as T[],
		run: async (sql: string, params: readonly Param[] = []) =>
			(await q(toPgSql(sql), params.map(bindable))).rowCount ?? 0,
	});
	const direct = executor((sql, params) => pool.query(sql, params));
	let closed = false;

	return {
		dialect: 'postgres',
		driver: 'pg',
		all: direct.all,
		run: direct.run,
		transaction: async <T>(fn: (tx: Executor) => Promise<T>) => {
			const client = await pool.connect();
			let broken = false;
			try {
				await client.query('BEGIN');
				const result = await fn(executor((sql, params) => client.query(sql, params)));
				await client.query('COMMIT');
				return result;
			} catch (error) {
				try {
					await client.query('ROLLBACK');
				} catch {
					broken = true;
				}
				throw error;
			} finally {
				client.release(broken);
			}
		},
		close: async () => {
			if (closed) return;
			closed = true;
			await pool.end();
		},
	};
}

/** A unique-constraint violation, whichever driver raised it. */
export function isUniqueViolation(error: unknown): boolean {
	const e = error as { code?: string; errcode?: number; message?: string };
	return (
		e?.code === '23505' ||
		e?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
		e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
		e?.errcode === 2067 ||
		e?.errcode === 1555 ||
		/UNIQUE constraint failed|duplicate key value/i.test(String(e?.message ?? ''))
	);
}
