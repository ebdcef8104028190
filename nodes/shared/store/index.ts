/**
 * The sync state store: links (FieldFlow id ↔ CRM id with the last synced baseline), cursors,
 * per-record status, logs, the error queue, conflicts and connection state.
 *
 *   const store = await openStore({ kind: 'sqlite', path: defaultSqlitePath(process.env) });
 *   const store = await openStore({ kind: 'postgres', connectionString });
 *
 * Plain TypeScript, no n8n imports. See types.ts for the interface.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

import { openPostgresDb, openSqliteDb } from './db';
import { migrate } from './migrations';
import { SqlSyncStore } from './store';
export { reservationHolder, reservationMessage } from './store';
import type { StoreConfig, SyncStore } from './types';

export * from './types';
export { MIGRATIONS } from './migrations';
export { SECRET_KEYS, SecretInPayloadError, assertNoSecrets } from './guard';
export { loadNodeSqlite } from './db';

export const DEFAULT_SQLITE_FILE = 'fieldflow-sync.sqlite';

/**
 * `<n8n user folder>/fieldflow-sync.sqlite`: n8n keeps its data in `$N8N_USER_FOLDER/.n8n`
 * (N8N_USER_FOLDER defaults to the home directory).
 */
export function defaultSqlitePath(env: Record<string, string | undefined> = process.env): string {
	const base = env.N8N_USER_FOLDER || env.HOME || env.USERPROFILE || homedir();
	return join(base, '.n8n', DEFAULT_SQLITE_FILE);
}

export interface OpenStoreOptions {
	/** Clock for timestamps the store sets itself (tests). */
	now?: () => Date;
}

/** Opens the store and applies pending migrations. Close it with close(). */
export async function openStore(config: StoreConfig, options: OpenStoreOptions = {}): Promise<SyncStore> {
	if (!config || (config.kind !== 'sqlite' && config.kind !== 'postgres')) {
		throw new Error("Sync store config needs kind 'sqlite' or 'postgres'");
	}
	if (config.kind === 'sqlite' && !config.path) throw new Error('Sync store (SQLite) needs a file path');
	const db = config.kind === 'sqlite' ? openSqliteDb(config) : openPostgresDb(config);
	try {
		const version = await migrate(db);
		return new SqlSyncStore(db, version, options.now);
	} catch (error) {
		await db.close().catch(() => undefined);
		throw error;
	}
}

const shared = new Map<string, Promise<SyncStore>>();

/**
 * One store per config for the life of the process (what a node should use: opening a
 * PostgreSQL pool and checking migrations on every execution is wasteful). Never close it.
 */
export function sharedStore(config: StoreConfig): Promise<SyncStore> {
	const key = JSON.stringify(config);
	let store = shared.get(key);
	if (!store) {
		store = openStore(config);
		shared.set(key, store);
		store.catch(() => shared.delete(key));
	}
	return store;
}
