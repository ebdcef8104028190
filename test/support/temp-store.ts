/**
 * A fresh SQLite sync store per test, in its own temp directory: registers the hooks (beforeEach:
 * the directory and the store opened; afterEach: the store closed, the directory removed) in the
 * file or describe block it is called from, and gives the store file's path and a connection to it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type SyncStore } from '../../nodes/shared/store';

export interface TempSqliteStore {
	/** This test's store file (`sync.sqlite` in a fresh temp directory). */
	readonly sqlitePath: string;
	/** A connection to this test's store, for looking at what the nodes wrote. */
	readonly store: SyncStore;
}

/** `tmpPrefix`: the temp directory's prefix, e.g. 'ff-record-node-'. */
export function tempSqliteStore(tmpPrefix: string): TempSqliteStore {
	let dir: string;
	let sqlitePath: string;
	let store: SyncStore;
	beforeEach(async () => {
		dir = mkdtempSync(join(tmpdir(), tmpPrefix));
		sqlitePath = join(dir, 'sync.sqlite');
		store = await openStore({ kind: 'sqlite', path: sqlitePath });
	});
	afterEach(async () => {
		await store.close();
		rmSync(dir, { recursive: true, force: true });
	});
	return {
		get sqlitePath() {
			return sqlitePath;
		},
		get store() {
			return store;
		},
	};
}
