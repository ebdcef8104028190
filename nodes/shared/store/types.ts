/**
 * The sync state store's public interface. Plain TypeScript, no n8n imports. Both backends
 * (SQLite file, PostgreSQL for queue mode) implement it with the same SQL.
 */
import type { CrmName } from '../crm/types';
import type { ErrorKind } from '../errors';
import type {
	ConflictRecord,
	DashboardSummary,
	Link,
	LogEntry,
	QueuedError,
	RecordStatus,
} from '../sync/types';

export type SqliteDriverName = 'node:sqlite' | 'better-sqlite3' | 'sqlite3';

export interface SqliteStoreConfig {
	kind: 'sqlite';
	/** Database file; use defaultSqlitePath(process.env) for the n8n user folder default. */
	path: string;
	/** Force a driver (default: node:sqlite when the runtime has it, else better-sqlite3, else n8n 1.x's own sqlite3). */
	driver?: SqliteDriverName;
	/** How long a writer waits for another process's lock (ms, default 10,000). */
	busyTimeoutMs?: number;
}

export interface PostgresStoreConfig {
	kind: 'postgres';
	connectionString?: string;
	host?: string;
	port?: number;
	user?: string;
	password?: string;
	database?: string;
	/** Passed to node-postgres as is (true, or { rejectUnauthorized, ca, ... }). */
	ssl?: boolean | Record<string, unknown>;
	/** Pool size (default 5). */
	maxConnections?: number;
}

export type StoreConfig = SqliteStoreConfig | PostgresStoreConfig;

export interface StoreInfo {
	kind: 'sqlite' | 'postgres';
	/** 'node:sqlite' | 'better-sqlite3' | 'pg'. */
	driver: string;
	/** Highest schema migration applied. */
	schemaVersion: number;
}

export interface LinkQuery {
	fieldflowIds?: string[];
	crmIds?: string[];
}

export interface LogQuery {
	crm?: CrmName;
	/** Inclusive lower bound (ISO time or date). */
	from?: string | Date;
	/** Inclusive upper bound (ISO time; a bare date 'YYYY-MM-DD' means the end of that day, UTC). */
	to?: string | Date;
	recordType?: string | string[];
	status?: LogEntry['status'] | Array<LogEntry['status']>;
	fieldflowId?: string;
	/** Default 100, at most 10,000. */
	limit?: number;
	offset?: number;
}

export interface LogPage {
	/** Newest first. */
	entries: LogEntry[];
	/** Number of entries matching the filters (ignoring limit/offset). */
	total: number;
}

export type ErrorState = 'open' | 'retrying' | 'resolved';

/** A queued error as stored: id is always set, plus where it is in the retry cycle. */
export interface StoredError extends QueuedError {
	id: number;
	state: ErrorState;
}

export interface StoredConflict extends ConflictRecord {
	id: number;
}

export interface ErrorQuery {
	crm?: CrmName;
	kind?: ErrorKind;
	object?: string;
	/** Default false: open and retrying errors only. */
	includeResolved?: boolean;
}

export interface TakeErrorsOptions {
	crm?: CrmName;
	kind?: ErrorKind;
	limit?: number;
	/**
	 * Errors taken by a retry run that never reported back (crashed) become takeable again after
	 * this long (ms, default 15 minutes).
	 */
	staleAfterMs?: number;
}

/** enqueueErrors input: attempts/createdAt/updatedAt are filled in when missing. */
export type ErrorInput = Omit<QueuedError, 'id' | 'attempts' | 'createdAt' | 'updatedAt' | 'resolvedAt'> & {
	attempts?: number;
	createdAt?: string;
	updatedAt?: string;
};

/** addConflicts input. */
export type ConflictInput = Omit<ConflictRecord, 'id' | 'createdAt' | 'resolvedAt' | 'resolution'> & {
	createdAt?: string;
};

export interface SetCursorOptions {
	/** Only store the value if it is later than the stored one (ISO times). */
	onlyForward?: boolean;
}

export interface ReserveOptions {
	/**
	 * A reservation (crmId null) older than this (ms) is considered abandoned by a crashed run and
	 * can be taken over. Default: never.
	 */
	staleAfterMs?: number;
	/**
	 * Who holds the reservation (`<host>#<pid>` of the n8n process), kept in the pending link's
	 * message so a later run can tell a reservation of a process that died (kill -9, crash) from
	 * one of a run still under way.
	 */
	holder?: string;
	/** Take the reservation over when it is held by this holder (a process known to be dead). */
	takeOverFrom?: string;
}

export interface SyncStore {
	readonly info: StoreInfo;

	/** Runs fn with a store whose every call is part of one transaction: all of it lands, or none. */
	transaction<T>(fn: (store: SyncStore) => Promise<T>): Promise<T>;

	// Links
	getLinks(crm: CrmName, object: string, query?: LinkQuery): Promise<Link[]>;
	/** Links whose record group names one of these member records (a deal → its prospect). */
	getLinksByMember(crm: CrmName, object: string, memberObject: string, memberIds: string[]): Promise<Link[]>;
	/** How many records of the CRM object are linked (a lower bound of its size; create reservations not counted). */
	countLinks(crm: CrmName, object: string): Promise<number>;
	reserveLink(crm: CrmName, object: string, fieldflowId: string, options?: ReserveOptions): Promise<boolean>;
	releaseReservation(crm: CrmName, object: string, fieldflowId: string): Promise<boolean>;
	saveLinks(links: Link[]): Promise<number>;
	updateLinkStatus(
		crm: CrmName,
		object: string,
		fieldflowIds: string[],
		status: RecordStatus,
		message?: string | null,
	): Promise<number>;
	removeLink(crm: CrmName, object: string, fieldflowId: string): Promise<boolean>;

	// Cursors
	getCursor(crm: CrmName, key: string): Promise<string | null>;
	setCursor(crm: CrmName, key: string, value: string, options?: SetCursorOptions): Promise<boolean>;

	// Logs
	log(entries: LogEntry[]): Promise<number>;
	queryLogs(query?: LogQuery): Promise<LogPage>;
	pruneLogs(olderThan: string | Date): Promise<number>;

	// Error queue
	enqueueErrors(errors: ErrorInput[]): Promise<StoredError[]>;
	listErrors(query?: ErrorQuery): Promise<StoredError[]>;
	takeErrorsForRetry(ids?: number[], options?: TakeErrorsOptions): Promise<StoredError[]>;
	resolveErrors(ids: number[]): Promise<number>;
	/**
	 * Resolve the open (or retrying) errors of records that are now synced: a later run wrote or
	 * linked them, so retrying the old payload could only do harm (a create whose answer was lost
	 * and that the next run linked by email must not be created again by Retry). Matches on the
	 * FieldFlow id or the CRM id of each record.
	 */
	resolveErrorsForRecords(crm: CrmName, object: string, records: Array<{ fieldflowId?: string | null; crmId?: string | null }>): Promise<number>;

	// Conflicts
	addConflicts(conflicts: ConflictInput[]): Promise<StoredConflict[]>;
	listConflicts(query?: { crm?: CrmName; includeResolved?: boolean }): Promise<StoredConflict[]>;
	resolveConflict(id: number, side: 'fieldflow' | 'crm'): Promise<StoredConflict | null>;

	// Connection
	setConnected(crm: CrmName, connected: boolean): Promise<void>;
	isConnected(crm: CrmName): Promise<boolean>;

	// Dashboard
	summary(crm?: CrmName): Promise<DashboardSummary>;

	close(): Promise<void>;
}
