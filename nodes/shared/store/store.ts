/**
 * The sync state store over either backend, one part per concern (links.ts, cursors.ts, logs.ts,
 * errorQueue.ts, conflicts.ts, status.ts; what they share: sql.ts). All SQL is parameterised and
 * shared by SQLite and PostgreSQL (see db.ts for the placeholder rewrite).
 */
import type { CrmName } from '../crm/types';
import type { DashboardSummary, Link, LogEntry, RecordStatus } from '../sync/types';
import { Conflicts } from './conflicts';
import { Cursors } from './cursors';
import type { Db, Executor } from './db';
import { ErrorQueue } from './errorQueue';
import { Links } from './links';
import { Logs } from './logs';
import { Status } from './status';
import type { ConflictInput, ErrorInput, ErrorQuery, LinkQuery, LogPage, LogQuery, ReserveOptions, SetCursorOptions, StoredConflict, StoredError, StoreInfo, SyncStore, TakeErrorsOptions } from './types';

export { reservationHolder, reservationMessage, toIso } from './sql';

/** The database as seen inside one of its transactions: a nested transaction is part of it. */
function inTransaction(db: Db, tx: Executor): Db {
	return {
		dialect: db.dialect,
		driver: db.driver,
		all: (sql, params) => tx.all(sql, params),
		run: (sql, params) => tx.run(sql, params),
		transaction: (fn) => fn(tx),
		close: async () => undefined,
	};
}

export class SqlSyncStore implements SyncStore {
	readonly info: StoreInfo;
	private readonly links: Links;
	private readonly cursors: Cursors;
	private readonly logs: Logs;
	private readonly errors: ErrorQueue;
	private readonly conflicts: Conflicts;
	private readonly status: Status;

	constructor(
		private readonly db: Db,
		schemaVersion: number,
		private readonly now: () => Date = () => new Date(),
	) {
		this.info = { kind: db.dialect, driver: db.driver, schemaVersion };
		this.links = new Links(db, now);
		this.cursors = new Cursors(db, now);
		this.logs = new Logs(db, now);
		this.errors = new ErrorQueue(db, now, this.links);
		this.conflicts = new Conflicts(db, now);
		this.status = new Status(db, now);
	}

	/** Runs fn with a store whose every call is part of one transaction: all of it lands, or none. */
	async transaction<T>(fn: (store: SyncStore) => Promise<T>): Promise<T> {
		return this.db.transaction((tx) => fn(new SqlSyncStore(inTransaction(this.db, tx), this.info.schemaVersion, this.now)));
	}

	countLinks(crm: CrmName, object: string): Promise<number> {
		return this.links.countLinks(crm, object);
	}

	getLinks(crm: CrmName, object: string, query: LinkQuery = {}): Promise<Link[]> {
		return this.links.getLinks(crm, object, query);
	}

	getLinksByMember(crm: CrmName, object: string, memberObject: string, memberIds: string[]): Promise<Link[]> {
		return this.links.getLinksByMember(crm, object, memberObject, memberIds);
	}

	reserveLink(
		crm: CrmName,
		object: string,
		fieldflowId: string,
		options: ReserveOptions = {},
	): Promise<boolean> {
		return this.links.reserveLink(crm, object, fieldflowId, options);
	}

	releaseReservation(crm: CrmName, object: string, fieldflowId: string): Promise<boolean> {
		return this.links.releaseReservation(crm, object, fieldflowId);
	}

	saveLinks(links: Link[]): Promise<number> {
		return this.links.saveLinks(links);
	}

	updateLinkStatus(
		crm: CrmName,
		object: string,
		fieldflowIds: string[],
		status: RecordStatus,
		message?: string | null,
	): Promise<number> {
		return this.links.updateLinkStatus(crm, object, fieldflowIds, status, message);
	}

	removeLink(crm: CrmName, object: string, fieldflowId: string): Promise<boolean> {
		return this.links.removeLink(crm, object, fieldflowId);
	}

	getCursor(crm: CrmName, key: string): Promise<string | null> {
		return this.cursors.getCursor(crm, key);
	}

	setCursor(crm: CrmName, key: string, value: string, options: SetCursorOptions = {}): Promise<boolean> {
		return this.cursors.setCursor(crm, key, value, options);
	}

	log(entries: LogEntry[]): Promise<number> {
		return this.logs.log(entries);
	}

	queryLogs(query: LogQuery = {}): Promise<LogPage> {
		return this.logs.queryLogs(query);
	}

	pruneLogs(olderThan: string | Date): Promise<number> {
		return this.logs.pruneLogs(olderThan);
	}

	enqueueErrors(errors: ErrorInput[]): Promise<StoredError[]> {
		return this.errors.enqueueErrors(errors);
	}

	listErrors(query: ErrorQuery = {}): Promise<StoredError[]> {
		return this.errors.listErrors(query);
	}

	takeErrorsForRetry(ids?: number[], options: TakeErrorsOptions = {}): Promise<StoredError[]> {
		return this.errors.takeErrorsForRetry(ids, options);
	}

	resolveErrors(ids: number[]): Promise<number> {
		return this.errors.resolveErrors(ids);
	}

	resolveErrorsForRecords(
		crm: CrmName,
		object: string,
		records: Array<{ fieldflowId?: string | null; crmId?: string | null }>,
	): Promise<number> {
		return this.errors.resolveErrorsForRecords(crm, object, records);
	}

	addConflicts(conflicts: ConflictInput[]): Promise<StoredConflict[]> {
		return this.conflicts.addConflicts(conflicts);
	}

	listConflicts(query: { crm?: CrmName; includeResolved?: boolean } = {}): Promise<StoredConflict[]> {
		return this.conflicts.listConflicts(query);
	}

	resolveConflict(id: number, side: 'fieldflow' | 'crm'): Promise<StoredConflict | null> {
		return this.conflicts.resolveConflict(id, side);
	}

	setConnected(crm: CrmName, connected: boolean): Promise<void> {
		return this.status.setConnected(crm, connected);
	}

	isConnected(crm: CrmName): Promise<boolean> {
		return this.status.isConnected(crm);
	}

	summary(crm?: CrmName): Promise<DashboardSummary> {
		return this.status.summary(crm);
	}

	async close(): Promise<void> {
		await this.db.close();
	}
}
