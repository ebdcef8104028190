/**
 * Pipedrive adapter (the `pipedrive` SDK, v2 API for persons / organizations / deals / activities,
 * v1 for notes, field metadata and the current user).
 *
 * The SDK's axios interceptor rejects with the response body only, so status and headers (the
 * Retry-After of a 429) would be lost. We give each SDK Configuration an axios `adapter` of our own
 * (`baseOptions.adapter`) that performs the request with fetch and, on a non-2xx answer, throws a
 * `PipedriveHttpError` carrying status, headers and body; the SDK passes that error through
 * untouched. The SDK has no retries of its own; every call goes through `callApi`.
 *
 * Deletions: Pipedrive's v2 lists never include deleted records and the API has no deletion feed
 * (only webhooks), so `listChangedSince` cannot report deletions; a deleted record shows up as
 * not_found when it is read or written by id.
 */
import { v1 } from 'pipedrive';
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
import { PIPEDRIVE_OBJECTS, PipedriveClient, type PipedriveAdapterConfig } from './client';
import { findDuplicates, getByIds, listChangedSince } from './read';
import { deleteRecords, forecastPipedriveWrites, upsert } from './write';
import { addNote, logMeeting } from './activities';
import { listFields } from './fields';

export { PIPEDRIVE_DEFAULT_BASE_URL, PIPEDRIVE_DEFAULT_RATE, PIPEDRIVE_OBJECTS, type PipedriveAdapterConfig, type PipedriveObject } from './client';
export { PIPEDRIVE_TEXT_MAX, forecastPipedriveWrites } from './write';
export { PipedriveHttpError } from './transport';

/** The CrmAdapter for Pipedrive: each operation lives with its concern (read, write, activities, fields). */
export class PipedriveAdapter implements CrmAdapter {
	readonly crm = 'pipedrive' as const;
	private readonly pd: PipedriveClient;

	constructor(config: PipedriveAdapterConfig) {
		this.pd = new PipedriveClient(config);
	}

	get stats(): CallStats {
		return this.pd.stats;
	}

	objects(): ObjectInfo[] {
		return PIPEDRIVE_OBJECTS.map((o) => ({ ...o }));
	}

	async testConnection(): Promise<void> {
		const users = new v1.UsersApi(this.pd.v1cfg);
		await this.pd.call('users.me', () => users.getCurrentUser(), { what: 'credential test (GET /v1/users/me)' });
	}

	listChangedSince(object: string, since: string | undefined, options?: ListOptions): AsyncIterable<ChangePage> {
		return listChangedSince(this.pd, object, since, options);
	}

	getByIds(object: string, ids: string[], fields?: string[]): Promise<CrmRecord[]> {
		return getByIds(this.pd, object, ids, fields);
	}

	upsert(object: string, inputs: WriteInput[], options?: UpsertOptions): Promise<WriteResult[]> {
		return upsert(this.pd, object, inputs, options);
	}

	delete(object: string, ids: string[]): Promise<WriteResult[]> {
		return deleteRecords(this.pd, object, ids);
	}

	/** The calls `counts` writes of `object` cost per endpoint (one per record). */
	forecastWrites(object: string, counts: WriteCounts): CallForecast {
		return forecastPipedriveWrites(this.pd.obj(object), counts);
	}

	logMeeting(m: MeetingInput): Promise<WriteResult> {
		return logMeeting(this.pd, m);
	}

	addNote(n: NoteInput): Promise<WriteResult> {
		return addNote(this.pd, n);
	}

	findDuplicates(object: string, criteria: DuplicateCriteria[]): Promise<DuplicateMatch[]> {
		return findDuplicates(this.pd, object, criteria);
	}

	listFields(object: string): Promise<FieldInfo[]> {
		return listFields(this.pd, object);
	}

	/** Turn whatever the SDK / transport threw into a SyncError. */
	classify(err: unknown, what: string, recordRef?: string, fieldAlias: Record<string, string> = {}): SyncError {
		return this.pd.classify(err, what, recordRef, fieldAlias);
	}
}
