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

interface SqliteDriver {
	readonly name: SqliteDriverName;
	all(sql: string, params: readonly Param[]): Row[];
	run(sql: string, params: readonly Param[]): number;
	exec(sql: string): void;
	close(): void;
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

function openBetterSqlite(path: string, busyTimeoutMs: number): SqliteDriver {
	let Database: new (path: string, options?: { timeout?: number }) => {
		prepare(sql: string): SqliteStatement;
		exec(sql: string): void;
		close(): void;
	};
	try {
		Database = require('better-sqlite3');
	} catch (error) {
		throw new Error(
			'The FieldFlow sync store needs SQLite: this Node.js (' +
				process.version +
				') has no node:sqlite and the optional dependency better-sqlite3 could not be loaded (' +
				(error as Error).message +
				'). Use Node.js >= 22.5, reinstall the package so better-sqlite3 builds, or use the PostgreSQL store.',
		);
	}
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

	let driver: SqliteDriver;
	if (config.driver === 'better-sqlite3') {
		driver = openBetterSqlite(path, busyTimeoutMs);
	} else {
		const mod = loadNodeSqlite();
		if (mod) driver = openNodeSqlite(mod, path, busyTimeoutMs);
		else if (config.driver === 'node:sqlite')
			throw new Error(`node:sqlite is not available in Node.js ${process.version} (needs >= 22.5)`);
		else driver = openBetterSqlite(path, busyTimeoutMs);
	}

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
		driver.close();
		throw error;
	}

	let shared = fileQueues.get(path);
	if (!shared || path === ':memory:') {
		shared = { queue: new Queue(), users: 0 };
		if (path !== ':memory:') fileQueues.set(path, shared);
	}
	shared.users++;
	const queue = shared.queue;
	let closed = false;

	const tx: Executor = {
		all: async <T>(sql: string, params: readonly Param[] = []) => driver.all(sql, params.map(bindable)) as T[],
		run: async (sql: string, params: readonly Param[] = []) => driver.run(sql, params.map(bindable)),
	};
	const ensureOpen = () => {
		if (closed) throw new Error('The sync store is closed');
	};

	return {
		dialect: 'sqlite',
		driver: driver.name,
		all: <T>(sql: string, params?: readonly Param[]) =>
			queue.run(async () => {
				ensureOpen();
				return tx.all<T>(sql, params);
			}),
		run: (sql, params) =>
			queue.run(async () => {
				ensureOpen();
				return tx.run(sql, params);
			}),
		transaction: <T>(fn: (tx: Executor) => Promise<T>) =>
			queue.run(async () => {
				ensureOpen();
				driver.exec('BEGIN IMMEDIATE');
				try {
					const result = await fn(tx);
					driver.exec('COMMIT');
					return result;
				} catch (error) {
					try {
						driver.exec('ROLLBACK');
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
				driver.close();
				if (shared && --shared.users === 0 && fileQueues.get(path) === shared) fileQueues.delete(path);
			}),
	};
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
