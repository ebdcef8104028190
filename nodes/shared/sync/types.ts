/**
 * The sync data model shared by the mapping engine, the three-way merge, the state store and the
 * nodes. Plain TypeScript, no n8n imports.
 *
 * Canonical space: records are compared in FieldFlow's field names (company_name, contact_name,
 * email, phone, status, notes, estimated_value, custom field keys). A CRM record is mapped into
 * canonical space before comparison; a decision to write the CRM is mapped back to CRM fields.
 */
import type { CrmName, FieldType } from '../crm/types';
import type { ErrorKind } from '../errors';

export type Side = 'fieldflow' | 'crm';

export type SyncDirection = 'bidirectional' | 'fieldflowToCrm' | 'crmToFieldflow';

export type ConflictStrategy = 'newestWins' | 'fieldflowWins' | 'crmWins' | 'manual';

/** What happens when a linked record was deleted on one side. */
export type NotFoundPolicy = 'unlink' | 'recreate' | 'deleteOther';

/**
 * What happens when a record group's member (its company or deal) that the link names is gone from
 * the CRM (deleted, archived, or no longer linked to the primary): unlink it (the prospect and its
 * values stay; no later write recreates it), or recreate it from the prospect's values and link it.
 */
export type MemberDeletedPolicy = 'unlink' | 'recreate';

export type RecordStatus = 'synced' | 'pending' | 'conflict' | 'error';

export type CanonicalFields = Record<string, unknown>;

/** One record of either side, in canonical space, as the Mapping node emits it. */
export interface SyncRecord {
	side: Side;
	crm: CrmName;
	/** CRM object this record maps to (Lead, contacts, persons, ...). */
	object: string;
	/** Id on its own side. */
	id: string;
	/** ISO time of the last modification on its own side. */
	modifiedAt: string;
	deleted?: boolean;
	/** Canonical (FieldFlow-named) values. */
	fields: CanonicalFields;
	/** CRM side, a record group: the member records read with it (see crm/group). */
	members?: Record<string, string>;
}

/** A field-level mapping between FieldFlow and one CRM object. */
export interface FieldMapping {
	/** FieldFlow (canonical) field name. */
	fieldflow: string;
	/** CRM field name (API name). */
	crm: string;
	type: FieldType;
	/** Which way values flow (default both). */
	direction?: 'both' | 'toCrm' | 'toFieldflow';
	/** Name of a value map (e.g. 'prospectStatus') to translate picklist values. */
	valueMap?: string;
	/** Built-in transform for compound fields (e.g. split a full name into first/last). */
	transform?: 'firstName' | 'lastName' | 'emailList' | 'phoneList' | 'datePart' | 'timePart' | 'durationHhmm';
	/** Never written (e.g. the CRM id field). */
	readOnly?: boolean;
}

/** Picklist translation, e.g. FieldFlow status → Salesforce Lead Status. */
export interface ValueMap {
	name: string;
	/** FieldFlow value → CRM value. */
	toCrm: Record<string, string>;
	/** CRM value → FieldFlow value (several CRM values may map to one FieldFlow value). */
	toFieldflow: Record<string, string>;
}

export interface FieldConflict {
	field: string;
	fieldflow: unknown;
	crm: unknown;
	baseline: unknown;
}

export type SyncAction =
	| 'createInCrm'
	| 'updateCrm'
	| 'deleteInCrm'
	| 'createInFieldflow'
	| 'updateFieldflow'
	| 'deleteInFieldflow'
	| 'conflict'
	| 'unchanged'
	| 'unlink';

/** A link between one FieldFlow record and one CRM record, with the last synced values. */
export interface Link {
	crm: CrmName;
	object: string;
	fieldflowId: string;
	/** Null while a create in the CRM is in flight (the row reserves the prospect). */
	crmId: string | null;
	/** Canonical values as last written to / read from both sides. */
	baseline: CanonicalFields;
	status: RecordStatus;
	fieldflowModifiedAt?: string | null;
	crmModifiedAt?: string | null;
	/**
	 * A fingerprint of the CRM values of the version `crmModifiedAt` names (versionFingerprint).
	 * With a CRM clock of whole seconds, a later edit in that same second has the same stamp: the
	 * fingerprint tells it from the version this link recorded.
	 */
	crmVersion?: string | null;
	lastSyncedAt?: string | null;
	message?: string | null;
	/**
	 * A record group: the member records linked with the primary `crmId`, by member object
	 * (`{ organizations: '12', deals: '40' }`). Undefined when saving = leave the stored ones.
	 */
	members?: Record<string, string>;
}

export interface LogEntry {
	id?: number;
	time: string;
	crm: CrmName;
	direction: 'toCrm' | 'toFieldflow' | 'none';
	recordType: string;
	fieldflowId?: string | null;
	crmId?: string | null;
	status: 'success' | 'error' | 'conflict' | 'skipped';
	action?: SyncAction | string;
	message?: string | null;
	errorKind?: ErrorKind | null;
	/** The record's name and company (FieldFlow's contact_name / company_name) as the sync saw them. */
	recordName?: string | null;
	recordCompany?: string | null;
}

export interface QueuedError {
	id?: number;
	crm: CrmName;
	object: string;
	direction: 'toCrm' | 'toFieldflow';
	fieldflowId?: string | null;
	crmId?: string | null;
	kind: ErrorKind;
	message: string;
	/** The item that failed, so Retry can emit it again for the write path. */
	payload: Record<string, unknown>;
	attempts: number;
	createdAt: string;
	updatedAt: string;
	resolvedAt?: string | null;
	/** The record's name and company, for the dashboard (never secrets). */
	recordName?: string | null;
	recordCompany?: string | null;
}

export interface ConflictRecord {
	id?: number;
	crm: CrmName;
	object: string;
	fieldflowId: string;
	crmId: string;
	fields: FieldConflict[];
	createdAt: string;
	resolvedAt?: string | null;
	resolution?: 'fieldflow' | 'crm' | null;
	recordName?: string | null;
	recordCompany?: string | null;
}

export interface DashboardSummary {
	crm: CrmName | null;
	connected: boolean;
	lastSyncAt: string | null;
	/** Linked records in status synced, by record type (CRM object). */
	syncedByType: Record<string, number>;
	/**
	 * Record groups: the distinct member records (organizations / companies / Accounts, deals /
	 * Opportunities) that synced links name, by member object; a company shared by many prospects
	 * counts once. Absent when no link names a member.
	 */
	membersByType?: Record<string, number>;
	pending: number;
	errors: number;
	conflicts: number;
}
