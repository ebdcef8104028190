/**
 * Versioned schema migrations, applied on open inside one transaction and recorded in
 * ff_schema_migrations. Opening twice, or from two processes at once, is safe: PostgreSQL takes a
 * transaction-scoped advisory lock first; SQLite's BEGIN IMMEDIATE holds the write lock.
 *
 * Add a migration by appending to MIGRATIONS (never edit an applied one). `{{id}}` becomes the
 * dialect's auto-increment primary key. Times are ISO-8601 UTC strings (TEXT) on both backends so
 * they compare the same way; JSON is TEXT too.
 */
import type { Db, Executor } from './db';

export interface Migration {
	version: number;
	name: string;
	statements: string[];
}

export const MIGRATIONS: Migration[] = [
	{
		version: 1,
		name: 'links, cursors, logs, error queue, conflicts, connections',
		statements: [
			`CREATE TABLE ff_links (
				crm TEXT NOT NULL,
				object TEXT NOT NULL,
				fieldflow_id TEXT NOT NULL,
				crm_id TEXT,
				baseline TEXT NOT NULL,
				status TEXT NOT NULL,
				fieldflow_modified_at TEXT,
				crm_modified_at TEXT,
				last_synced_at TEXT,
				message TEXT,
				created_at TEXT NOT NULL,
				updated_at TEXT NOT NULL,
				PRIMARY KEY (crm, object, fieldflow_id)
			)`,
			'CREATE UNIQUE INDEX ff_links_crm_id ON ff_links (crm, object, crm_id) WHERE crm_id IS NOT NULL',
			'CREATE INDEX ff_links_status ON ff_links (crm, status, object)',
			`CREATE TABLE ff_cursors (
				crm TEXT NOT NULL,
				cursor_key TEXT NOT NULL,
				value TEXT NOT NULL,
				updated_at TEXT NOT NULL,
				PRIMARY KEY (crm, cursor_key)
			)`,
			`CREATE TABLE ff_logs (
				id {{id}},
				log_time TEXT NOT NULL,
				crm TEXT NOT NULL,
				direction TEXT NOT NULL,
				record_type TEXT NOT NULL,
				fieldflow_id TEXT,
				crm_id TEXT,
				status TEXT NOT NULL,
				action TEXT,
				message TEXT,
				error_kind TEXT
			)`,
			'CREATE INDEX ff_logs_time ON ff_logs (log_time)',
			'CREATE INDEX ff_logs_crm_time ON ff_logs (crm, log_time)',
			'CREATE INDEX ff_logs_crm_status_time ON ff_logs (crm, status, log_time)',
			`CREATE TABLE ff_errors (
				id {{id}},
				crm TEXT NOT NULL,
				object TEXT NOT NULL,
				direction TEXT NOT NULL,
				fieldflow_id TEXT,
				crm_id TEXT,
				record_key TEXT,
				kind TEXT NOT NULL,
				message TEXT NOT NULL,
				payload TEXT NOT NULL,
				attempts INTEGER NOT NULL,
				state TEXT NOT NULL,
				taken_at TEXT,
				created_at TEXT NOT NULL,
				updated_at TEXT NOT NULL,
				resolved_at TEXT
			)`,
			// At most one unresolved error per record and direction: the queue never holds duplicates.
			'CREATE UNIQUE INDEX ff_errors_open ON ff_errors (crm, object, direction, record_key) WHERE resolved_at IS NULL',
			'CREATE INDEX ff_errors_state ON ff_errors (state, crm)',
			`CREATE TABLE ff_conflicts (
				id {{id}},
				crm TEXT NOT NULL,
				object TEXT NOT NULL,
				fieldflow_id TEXT NOT NULL,
				crm_id TEXT NOT NULL,
				fields TEXT NOT NULL,
				created_at TEXT NOT NULL,
				updated_at TEXT NOT NULL,
				resolved_at TEXT,
				resolution TEXT
			)`,
			'CREATE UNIQUE INDEX ff_conflicts_open ON ff_conflicts (crm, object, fieldflow_id) WHERE resolved_at IS NULL',
			`CREATE TABLE ff_connections (
				crm TEXT PRIMARY KEY,
				connected INTEGER NOT NULL,
				updated_at TEXT NOT NULL
			)`,
		],
	},
	{
		version: 2,
		// What the dashboard shows for a record besides its ids (the FieldFlow prospect's name and
		// company as the sync saw them): kept with the entry, since a failed create has no link.
		name: 'record name and company on logs, errors and conflicts',
		statements: ['ff_logs', 'ff_errors', 'ff_conflicts'].flatMap((t) => [`ALTER TABLE ${t} ADD COLUMN record_name TEXT`, `ALTER TABLE ${t} ADD COLUMN record_company TEXT`]),
	},
	{
		version: 3,
		name: 'record groups: the member records of each link',
		statements: [
			// A link (prospect ↔ primary CRM record) names the exact member records of its group
			// (organization, deal, ...). Links made before groups have none; the first group run
			// fills them in. Many links may name one member (a shared company).
			`CREATE TABLE ff_link_members (
				crm TEXT NOT NULL,
				object TEXT NOT NULL,
				fieldflow_id TEXT NOT NULL,
				member_object TEXT NOT NULL,
				member_id TEXT NOT NULL,
				PRIMARY KEY (crm, object, fieldflow_id, member_object)
			)`,
			'CREATE INDEX ff_link_members_member ON ff_link_members (crm, member_object, member_id)',
		],
	},
	{
		version: 4,
		// The fingerprint of the CRM version a link recorded (Link.crmVersion): tells a later edit
		// in the same whole second (Salesforce, Pipedrive stamps) from that version.
		name: 'links: the CRM version fingerprint',
		statements: ['ALTER TABLE ff_links ADD COLUMN crm_version TEXT'],
	},
];

/** Arbitrary constant key for pg_advisory_xact_lock ('FFsync' in ASCII). */
const PG_MIGRATION_LOCK_KEY = '77725399528291';

function dialectSql(db: Db, sql: string): string {
	return sql.replace(
		/\{\{id\}\}/g,
		db.dialect === 'postgres' ? 'BIGSERIAL PRIMARY KEY' : 'INTEGER PRIMARY KEY AUTOINCREMENT',
	);
}

async function appliedVersions(tx: Executor): Promise<Set<number>> {
	const rows = await tx.all<{ version: unknown }>('SELECT version FROM ff_schema_migrations');
	return new Set(rows.map((r) => Number(r.version)));
}

/** Applies missing migrations; returns the schema version afterwards. */
export async function migrate(db: Db, migrations: Migration[] = MIGRATIONS): Promise<number> {
	return db.transaction(async (tx) => {
		if (db.dialect === 'postgres') {
			await tx.all('SELECT pg_advisory_xact_lock(?::bigint)', [PG_MIGRATION_LOCK_KEY]);
		}
		await tx.run(
			'CREATE TABLE IF NOT EXISTS ff_schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
		);
		const applied = await appliedVersions(tx);
		for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
			if (applied.has(m.version)) continue;
			for (const statement of m.statements) await tx.run(dialectSql(db, statement));
			await tx.run('INSERT INTO ff_schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
				m.version,
				m.name,
				new Date().toISOString(),
			]);
			applied.add(m.version);
		}
		return Math.max(0, ...applied);
	});
}
