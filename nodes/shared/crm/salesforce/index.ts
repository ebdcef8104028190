/**
 * Salesforce adapter (jsforce 3). Every HTTP call goes through `callApi` (counting, throttle gate,
 * Retry-After, backoff, one token refresh). jsforce's own behaviours that would hide calls are
 * switched off at its transport: its blind retries (420/429/5xx on GET/PUT/DELETE) are disabled,
 * and HTTP errors are raised at the transport with status + headers, so jsforce's session-refresh
 * loop never runs (we refresh once ourselves via `onAuthError`).
 */
import type { Connection } from 'jsforce';
import type { SyncError } from '../../errors';
import type {
	CallForecast,
	CallStats,
	ChangePage,
	CrmAdapter,
	CrmRecord,
	DuplicateCriteria,
	DuplicateMatch,
	FieldInfo,
	ListOptions,
	MeetingInput,
	NoteInput,
	ObjectInfo,
	UpsertOptions,
	WriteCounts,
	WriteInput,
	WriteResult,
} from '../types';
import { SALESFORCE_OBJECTS, SalesforceClient, type SalesforceAdapterConfig } from './client';
import { findDuplicates, getByIds, listChangedSince } from './read';
import { deleteRecords, forecastSalesforceWrites, upsert } from './write';
import { addNote, logMeeting } from './activities';
import { listFields } from './fields';

export { SALESFORCE_OBJECTS, type SalesforceAdapterConfig } from './client';
export { SALESFORCE_TEXT_MAX, SALESFORCE_WRITES, forecastSalesforceWrites } from './write';
export { SalesforceHttpError } from './errors';
export { sfTimeToIso, soqlDateTime, soqlLike, soqlString } from './soql';

/** The CrmAdapter for Salesforce: each operation lives with its concern (read, write, activities, fields). */
export class SalesforceAdapter implements CrmAdapter {
	readonly crm = 'salesforce' as const;
	private readonly sf: SalesforceClient;

	constructor(config: SalesforceAdapterConfig) {
		this.sf = new SalesforceClient(config);
	}

	get stats(): CallStats {
		return this.sf.stats;
	}

	/** The jsforce connection (our transport and token refresh). */
	get conn(): Connection {
		return this.sf.conn;
	}

	objects(): ObjectInfo[] {
		return SALESFORCE_OBJECTS.map((o) => ({ ...o }));
	}

	async testConnection(): Promise<void> {
		await this.sf.call('limits', () => this.sf.conn.request('/limits'));
	}

	listChangedSince(object: string, since: string | undefined, options?: ListOptions): AsyncGenerator<ChangePage> {
		return listChangedSince(this.sf, object, since, options);
	}

	getByIds(object: string, ids: string[], fields?: string[]): Promise<CrmRecord[]> {
		return getByIds(this.sf, object, ids, fields);
	}

	upsert(object: string, inputs: WriteInput[], options?: UpsertOptions): Promise<WriteResult[]> {
		return upsert(this.sf, object, inputs, options);
	}

	delete(object: string, ids: string[]): Promise<WriteResult[]> {
		return deleteRecords(this.sf, object, ids);
	}

	/** The calls `counts` writes cost per endpoint (the same for every object). */
	forecastWrites(_object: string, counts: WriteCounts): CallForecast {
		return forecastSalesforceWrites(counts);
	}

	logMeeting(m: MeetingInput): Promise<WriteResult> {
		return logMeeting(this.sf, m);
	}

	addNote(n: NoteInput): Promise<WriteResult> {
		return addNote(this.sf, n);
	}

	findDuplicates(object: string, criteria: DuplicateCriteria[]): Promise<DuplicateMatch[]> {
		return findDuplicates(this.sf, object, criteria);
	}

	listFields(object: string): Promise<FieldInfo[]> {
		return listFields(this.sf, object);
	}

	/** Any thrown thing → SyncError with kind, status, code, fields and Retry-After. */
	classify(err: unknown, recordRef?: string): SyncError {
		return this.sf.classify(err, recordRef);
	}
}
