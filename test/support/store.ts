/**
 * Empty a SQLite sync store that a running n8n holds open (its nodes keep one store per process,
 * `sharedStore`): deleting the file would leave n8n writing to the unlinked one. Every ff_ table
 * is emptied in one transaction; the schema and its migration record stay.
 */
import * as fs from 'node:fs';
import Database from 'better-sqlite3';

export function clearSqliteStore(file: string): void {
	if (!fs.existsSync(file)) return;
	const db = new Database(file);
	try {
		db.pragma('busy_timeout = 10000');
		const tables = db
			.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'ff\\_%' ESCAPE '\\' AND name <> 'ff_schema_migrations'")
			.all() as Array<{ name: string }>;
		db.transaction(() => {
			for (const t of tables) db.exec(`DELETE FROM "${t.name}"`);
		})();
	} finally {
		db.close();
	}
}

/**
 * A copy of a SQLite sync store (`src`, which a running n8n may hold open) at `dest`, as a release
 * before record groups left it: schema version 2, links without member records or CRM version
 * fingerprints (migrations 3 and 4 taken back). Opening it with this release migrates it again.
 */
export function copyAsSchemaV2(src: string, dest: string): void {
	fs.rmSync(dest, { force: true });
	const from = new Database(src);
	try {
		from.pragma('busy_timeout = 10000');
		from.prepare('VACUUM INTO ?').run(dest);
	} finally {
		from.close();
	}
	const db = new Database(dest);
	try {
		db.exec('DROP INDEX ff_link_members_member; DROP TABLE ff_link_members; ALTER TABLE ff_links DROP COLUMN crm_version; DELETE FROM ff_schema_migrations WHERE version > 2;');
	} finally {
		db.close();
	}
}
