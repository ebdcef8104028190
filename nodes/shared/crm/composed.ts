/**
 * A CrmAdapter made of one CRM's operations, each a plain function over that CRM's client (the
 * SDK, rate gates and call counting), kept in the file of its concern (read, write, activities,
 * fields). The adapter classes only name their client and their operations.
 */
import type {
	AssociatedRecord,
	AssociationPair,
	CallForecast,
	CallStats,
	ChangePage,
	CrmAdapter,
	CrmName,
	CrmRecord,
	DuplicateCriteria,
	DuplicateMatch,
	FieldInfo,
	ListOptions,
	MeetingInput,
	NoteInput,
	ObjectInfo,
	RelatedQuery,
	UpsertOptions,
	WriteCounts,
	WriteInput,
	WriteResult,
} from './types';

/** One CRM's operations over its client `C` (see CrmAdapter for what each does). */
export interface CrmOperations<C> {
	objects: ObjectInfo[];
	testConnection(c: C): Promise<void>;
	listChangedSince(c: C, object: string, since: string | undefined, options?: ListOptions): AsyncIterable<ChangePage>;
	getByIds(c: C, object: string, ids: string[], fields?: string[]): Promise<CrmRecord[]>;
	upsert(c: C, object: string, inputs: WriteInput[], options?: UpsertOptions): Promise<WriteResult[]>;
	delete(c: C, object: string, ids: string[]): Promise<WriteResult[]>;
	logMeeting(c: C, meeting: MeetingInput): Promise<WriteResult>;
	addNote(c: C, note: NoteInput): Promise<WriteResult>;
	findDuplicates(c: C, object: string, criteria: DuplicateCriteria[]): Promise<DuplicateMatch[]>;
	listFields(c: C, object: string): Promise<FieldInfo[]>;
	forecastWrites(c: C, object: string, counts: WriteCounts): CallForecast;
	listRelated?(c: C, query: RelatedQuery): Promise<CrmRecord[]>;
	listAssociations?(c: C, from: string, to: string, ids: string[]): Promise<Map<string, AssociatedRecord[]>>;
	associate?(c: C, from: string, to: string, pairs: AssociationPair[]): Promise<WriteResult[]>;
	dissociate?(c: C, from: string, to: string, pairs: AssociationPair[]): Promise<WriteResult[]>;
}

export abstract class ComposedAdapter<C extends { readonly stats: CallStats }> implements CrmAdapter {
	abstract readonly crm: CrmName;

	protected constructor(
		protected readonly api: C,
		private readonly ops: CrmOperations<C>,
	) {}

	get stats(): CallStats {
		return this.api.stats;
	}

	objects(): ObjectInfo[] {
		return this.ops.objects.map((o) => ({ ...o }));
	}

	testConnection(): Promise<void> {
		return this.ops.testConnection(this.api);
	}

	listChangedSince(object: string, since: string | undefined, options?: ListOptions): AsyncIterable<ChangePage> {
		return this.ops.listChangedSince(this.api, object, since, options);
	}

	getByIds(object: string, ids: string[], fields?: string[]): Promise<CrmRecord[]> {
		return this.ops.getByIds(this.api, object, ids, fields);
	}

	upsert(object: string, inputs: WriteInput[], options?: UpsertOptions): Promise<WriteResult[]> {
		return this.ops.upsert(this.api, object, inputs, options);
	}

	delete(object: string, ids: string[]): Promise<WriteResult[]> {
		return this.ops.delete(this.api, object, ids);
	}

	/** Pure: the calls `counts` writes of `object` cost per endpoint when none is retried. */
	forecastWrites(object: string, counts: WriteCounts): CallForecast {
		return this.ops.forecastWrites(this.api, object, counts);
	}

	logMeeting(meeting: MeetingInput): Promise<WriteResult> {
		return this.ops.logMeeting(this.api, meeting);
	}

	addNote(note: NoteInput): Promise<WriteResult> {
		return this.ops.addNote(this.api, note);
	}

	findDuplicates(object: string, criteria: DuplicateCriteria[]): Promise<DuplicateMatch[]> {
		return this.ops.findDuplicates(this.api, object, criteria);
	}

	listFields(object: string): Promise<FieldInfo[]> {
		return this.ops.listFields(this.api, object);
	}

	/** Present only where the CRM links these objects by reference fields (see CrmAdapter.listRelated). */
	get listRelated(): ((query: RelatedQuery) => Promise<CrmRecord[]>) | undefined {
		const op = this.ops.listRelated;
		return op ? (query) => op(this.api, query) : undefined;
	}

	/** Present only where the CRM links records by associations (see CrmAdapter.listAssociations). */
	get listAssociations(): ((from: string, to: string, ids: string[]) => Promise<Map<string, AssociatedRecord[]>>) | undefined {
		const op = this.ops.listAssociations;
		return op ? (from, to, ids) => op(this.api, from, to, ids) : undefined;
	}

	get associate(): ((from: string, to: string, pairs: AssociationPair[]) => Promise<WriteResult[]>) | undefined {
		const op = this.ops.associate;
		return op ? (from, to, pairs) => op(this.api, from, to, pairs) : undefined;
	}

	get dissociate(): ((from: string, to: string, pairs: AssociationPair[]) => Promise<WriteResult[]>) | undefined {
		const op = this.ops.dissociate;
		return op ? (from, to, pairs) => op(this.api, from, to, pairs) : undefined;
	}
}
