/**
 * The one shape every CRM adapter implements (Salesforce via jsforce, HubSpot via
 * @hubspot/api-client, Pipedrive via pipedrive). Plain TypeScript: no n8n imports.
 */
import type { SyncError } from '../errors';
import type { FeedPosition } from '../keyset';

export type CrmName = 'salesforce' | 'hubspot' | 'pipedrive';

/** Field types the mapping engine checks values against. */
export type FieldType = 'text' | 'number' | 'date' | 'datetime' | 'email' | 'phone' | 'picklist' | 'boolean' | 'reference' | 'other';

export interface FieldInfo {
	name: string;
	label: string;
	type: FieldType;
	/** The vendor's own type name (e.g. 'string', 'enumeration', 'double'). */
	vendorType: string;
	required: boolean;
	readOnly: boolean;
	maxLength?: number;
	options?: Array<{ value: string; label: string }>;
}

export interface ObjectInfo {
	/** Adapter object key, e.g. 'Lead', 'contacts', 'persons'. */
	name: string;
	label: string;
	/** What FieldFlow thing it holds: a prospect (person/company), a deal, an activity. */
	role: 'person' | 'company' | 'deal' | 'activity';
}

export interface CrmRecord {
	id: string;
	object: string;
	/** Vendor field values, by vendor field name. */
	fields: Record<string, unknown>;
	/** ISO time of the last modification as the CRM reports it. */
	modifiedAt: string;
	/** True when the CRM reports the record deleted/archived. */
	deleted?: boolean;
	/**
	 * A record group (see crm/group): the ids of the member records read with this primary record,
	 * by member object (e.g. `{ organizations: '12', deals: '40' }`). Their fields are in `fields`
	 * under `<member object>.<field>`.
	 */
	members?: MemberIds;
	/**
	 * A record read by keyset (ListOptions.after / limit): its place in the feed's (time, id) order
	 * as "<time>|<id>", when that is not its own modifiedAt and id: a group's primary, whose
	 * modifiedAt is the newest of its members'.
	 */
	position?: string;
	/**
	 * A Salesforce Lead converted: this record is the Contact group it became (object 'Contact'),
	 * read in place of the Lead `convertedFrom` (crm/group/convert.ts).
	 */
	convertedFrom?: string;
}

/** Member object → CRM id of the member record in one record group. */
export type MemberIds = Record<string, string>;

/** One page of a change feed; `cursor` is where the next run continues from. */
export interface ChangePage {
	records: CrmRecord[];
	/** High-water mark after this page (opaque string; ISO time for all three CRMs). */
	cursor: string;
	/**
	 * A keyset read: records after the ordered feed (a group's primaries changed through a member,
	 * read by id; HubSpot's archived records), not in (time, id) order and not counted in a page.
	 */
	unordered?: boolean;
}

export interface WriteInput {
	/** Caller's key for matching results to inputs (n8n item index, FieldFlow id, ...). */
	ref: string;
	/** CRM id when updating; absent = create (or upsert by idProperty). */
	id?: string;
	fields: Record<string, unknown>;
	/** A record group: the member records this input is linked to (from the link). */
	members?: MemberIds;
	/**
	 * Records a NEW record is associated with in its create call (HubSpot's inline `associations`
	 * on batch create, with the default association type). Only adapters with `associate` take it,
	 * and only on create: an existing record is linked with `associate`.
	 */
	associations?: Array<{ object: string; id: string }>;
}

export interface WriteResult {
	ref: string;
	success: boolean;
	id?: string;
	/** true = created, false = updated. */
	created?: boolean;
	error?: SyncError;
	/** The record as stored after the write, when the API returns it. */
	record?: Record<string, unknown>;
	/** A record group: the member records written or linked for this input (also on a partial failure). */
	members?: MemberIds;
}

export interface UpsertOptions {
	/** Upsert by this unique property instead of id (HubSpot idProperty, Salesforce external id field). */
	idProperty?: string;
}

export interface MeetingInput {
	/** FieldFlow meeting id: the idempotency key. */
	meetingId: string;
	subject: string;
	/** ISO start time. */
	startTime: string;
	durationMinutes: number;
	notes?: string;
	outcome?: string;
	/** The CRM record the activity links to (contact/lead/person ...). */
	linkTo: { object: string; id: string };
	/**
	 * The other records of the prospect's record group the activity is linked to as well, by member
	 * object (`{ organizations: '12', deals: '40' }`, as Look Up Links outputs `crmMembers`): Pipedrive
	 * org_id / deal_id, HubSpot associations with the company and the deal, Salesforce WhatId (the
	 * Opportunity, else the Account; only with a Contact as WhoId, never with a Lead).
	 */
	members?: MemberIds;
	/** CRM activity id from a previous sync, when the caller knows it. */
	existingId?: string;
}

export interface NoteInput {
	/** FieldFlow summary id: the idempotency key. */
	summaryId: string;
	body: string;
	linkTo: { object: string; id: string };
	/** As MeetingInput.members: the note is linked to these members of the prospect's group too. */
	members?: MemberIds;
	existingId?: string;
}

export interface DuplicateCriteria {
	ref: string;
	email?: string;
	company?: string;
	name?: string;
}

export interface DuplicateMatch {
	ref: string;
	matches: Array<{ id: string; object: string; matchedOn: 'email' | 'company' | 'name'; record: CrmRecord }>;
}

/** Counters an adapter keeps so callers and the benchmark can see API usage. */
export interface CallStats {
	calls: number;
	retries: number;
	byEndpoint: Record<string, number>;
}

/** How many records a set of writes touches, per kind (the input of a call forecast). */
export interface WriteCounts {
	/** New records without an id (plain creates). */
	creates?: number;
	/** Records written by id. */
	updates?: number;
	/** New-or-existing records written by a unique property (UpsertOptions.idProperty). */
	upserts?: number;
	deletes?: number;
}

/** API calls per endpoint name, as CallStats.byEndpoint and the sandboxes count them. */
export type CallForecast = Record<string, number>;

export interface ListOptions {
	/** Records per API page (capped at the vendor maximum). */
	pageSize?: number;
	/** Field names to read (default: the object's mapped/default fields). */
	fields?: string[];
	/** Include deletions where the API exposes them. */
	includeDeleted?: boolean;
	/**
	 * Keyset paging (a bulk read one page per execution): with any of after / limit / until the
	 * records come in (modifiedAt, id) order, strictly after `after`, changed before `until`, at
	 * most `limit` of them (see crm/keyset.ts).
	 */
	after?: FeedPosition;
	/** ISO time: leave out records changed at or after it (with `after` / `limit`: a keyset read). */
	until?: string;
	/** At most this many records (a keyset read). */
	limit?: number;
}

/** Records of `object` whose reference field `field` holds one of `ids` (e.g. deals by person_id). */
export interface RelatedQuery {
	object: string;
	field: string;
	ids: string[];
	fields?: string[];
	/** Deleted records too, where the API can list them (Salesforce queryAll: the rows deleted with a deleted parent). */
	includeDeleted?: boolean;
}

/** One association between two records (HubSpot v4), `ref` the caller's key for its result. */
export interface AssociationPair {
	ref: string;
	fromId: string;
	toId: string;
}

/** A record associated with another, as the association read answers it. */
export interface AssociatedRecord {
	id: string;
	/** HubSpot's "Primary" association (a contact's / deal's primary company). */
	primary: boolean;
}

export interface CrmAdapter {
	readonly crm: CrmName;
	readonly stats: CallStats;
	objects(): ObjectInfo[];
	/** Calls the API once to prove the credentials work; throws a SyncError (auth_expired, ...) otherwise. */
	testConnection(): Promise<void>;
	/** Every record changed after `since` (ISO time; undefined = everything), page by page, to the end. */
	listChangedSince(object: string, since: string | undefined, options?: ListOptions): AsyncIterable<ChangePage>;
	getByIds(object: string, ids: string[], fields?: string[]): Promise<CrmRecord[]>;
	/** Create/update in the vendor's largest batches; one result per input, in input order. */
	upsert(object: string, inputs: WriteInput[], options?: UpsertOptions): Promise<WriteResult[]>;
	delete(object: string, ids: string[]): Promise<WriteResult[]>;
	/** Idempotent: logging the same meetingId twice leaves one activity. */
	logMeeting(meeting: MeetingInput): Promise<WriteResult>;
	/** Idempotent: the same summaryId twice leaves one note. */
	addNote(note: NoteInput): Promise<WriteResult>;
	findDuplicates(object: string, criteria: DuplicateCriteria[]): Promise<DuplicateMatch[]>;
	listFields(object: string): Promise<FieldInfo[]>;
	/**
	 * Pure: the calls `counts` writes of `object` cost per endpoint when no call is retried (the
	 * same chunk sizes and endpoint names as upsert/delete). For a Preview run.
	 */
	forecastWrites?(object: string, counts: WriteCounts): CallForecast;
	/**
	 * Records whose reference field holds one of the ids, in id order (the record groups' member
	 * look-ups: an organization's persons, a person's deals). Adapters without reference fields
	 * between these objects (HubSpot: associations) do not implement it.
	 */
	listRelated?(query: RelatedQuery): Promise<CrmRecord[]>;
	/**
	 * CRMs that link records by associations (HubSpot): the records of `to` associated with each of
	 * `ids` of `from`, in id order (one call per 1,000 ids); an id without any is absent.
	 */
	listAssociations?(from: string, to: string, ids: string[]): Promise<Map<string, AssociatedRecord[]>>;
	/** Associate existing records (the default association type), in the vendor's largest batches; one result per pair. */
	associate?(from: string, to: string, pairs: AssociationPair[]): Promise<WriteResult[]>;
	/** Remove every association between each pair; one result per pair. */
	dissociate?(from: string, to: string, pairs: AssociationPair[]): Promise<WriteResult[]>;
}
