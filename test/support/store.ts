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
