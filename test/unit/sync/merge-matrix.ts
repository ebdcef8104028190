/**
 * The merge matrix: every situation of a record pair, and the outcome expected per sync direction
 * (and per conflict strategy where it matters). Shared by the decide() tests (merge.test.ts) and the
 * plan-phase tests (plan.test.ts), which run the same matrix through the whole plan.
 */
import type { CanonicalFields, ConflictStrategy, FieldConflict, Link, SyncAction, SyncDirection, SyncRecord } from '../../../nodes/shared/sync/types';

export const T0 = '2026-11-20T10:00:00.000Z';
const T_FF = '2026-11-24T10:00:00.000Z';
export const T_CRM = '2026-11-24T11:00:00.000Z'; // the CRM edit is the newer one in every "both" situation

export const BASE: CanonicalFields = { company_name: 'Acme', contact_name: 'Ada Lovelace', email: 'ada@acme.test', phone: '111' };

export const ffRec = (fields: CanonicalFields, extra: Partial<SyncRecord> = {}): SyncRecord => ({ side: 'fieldflow', crm: 'salesforce', object: 'Lead', id: 'pr_1', modifiedAt: T_FF, fields, ...extra });
export const crmRec = (fields: CanonicalFields, extra: Partial<SyncRecord> = {}): SyncRecord => ({ side: 'crm', crm: 'salesforce', object: 'Lead', id: '00Q1', modifiedAt: T_CRM, fields, ...extra });
export const link = (baseline: CanonicalFields = BASE): Link => ({ crm: 'salesforce', object: 'Lead', fieldflowId: 'pr_1', crmId: '00Q1', baseline, status: 'synced', lastSyncedAt: T0 });

export type Situation =
	| 'changedOnFieldflow'
	| 'changedOnCrm'
	| 'bothSame'
	| 'bothDifferent'
	| 'neither'
	| 'echoOfBaseline'
	| 'newOnFieldflow'
	| 'newOnCrm'
	| 'deletedOnFieldflow'
	| 'deletedOnCrm';

/** The inputs of each situation. */
export const SITUATIONS: Record<Situation, () => { fieldflow?: SyncRecord; crm?: SyncRecord; link?: Link }> = {
	changedOnFieldflow: () => ({ fieldflow: ffRec({ ...BASE, phone: '222' }), crm: crmRec({ ...BASE }), link: link() }),
	changedOnCrm: () => ({ fieldflow: ffRec({ ...BASE }), crm: crmRec({ ...BASE, phone: '333' }), link: link() }),
	bothSame: () => ({ fieldflow: ffRec({ ...BASE, phone: '444' }), crm: crmRec({ ...BASE, phone: '444' }), link: link() }),
	bothDifferent: () => ({ fieldflow: ffRec({ ...BASE, phone: '222' }), crm: crmRec({ ...BASE, phone: '333' }), link: link() }),
	neither: () => ({ fieldflow: ffRec({ ...BASE }), crm: crmRec({ ...BASE }), link: link() }),
	// The CRM reports a newer modification, but its values only repeat (in another format) what the last sync wrote.
	echoOfBaseline: () => ({ fieldflow: ffRec({ ...BASE }), crm: crmRec({ company_name: ' Acme ', contact_name: 'Ada Lovelace', email: 'ADA@Acme.TEST', phone: 111 }), link: link() }),
	newOnFieldflow: () => ({ fieldflow: ffRec({ contact_name: 'Grace Hopper', email: 'grace@navy.test' }) }),
	newOnCrm: () => ({ crm: crmRec({ contact_name: 'Alan Turing', email: 'alan@bletchley.test' }) }),
	deletedOnFieldflow: () => ({ fieldflow: ffRec({}, { deleted: true }), crm: crmRec({ ...BASE }), link: link() }),
	deletedOnCrm: () => ({ fieldflow: ffRec({ ...BASE }), link: link() }), // linked, CRM record not found
};

export interface Outcome {
	action: SyncAction;
	toCrm?: CanonicalFields;
	toFieldflow?: CanonicalFields;
	conflicts?: FieldConflict[];
	baseline: CanonicalFields;
}

const unchanged = (baseline: CanonicalFields = BASE): Outcome => ({ action: 'unchanged', baseline });
const toCrm = (fields: CanonicalFields, baseline: CanonicalFields): Outcome => ({ action: 'updateCrm', toCrm: fields, baseline });
const toFf = (fields: CanonicalFields, baseline: CanonicalFields): Outcome => ({ action: 'updateFieldflow', toFieldflow: fields, baseline });
export const P222 = { ...BASE, phone: '222' };
export const P333 = { ...BASE, phone: '333' };
const GRACE = { contact_name: 'Grace Hopper', email: 'grace@navy.test' };
const ALAN = { contact_name: 'Alan Turing', email: 'alan@bletchley.test' };
export const UNLINK: Outcome = { action: 'unlink', baseline: {} };

/**
 * The expected outcome per situation and direction (notFound policy 'unlink'). A function of the
 * strategy only where the strategy matters: a real conflict in a bidirectional sync.
 */
export const EXPECTED: Record<Situation, Record<SyncDirection, Outcome | Record<ConflictStrategy, Outcome>>> = {
	changedOnFieldflow: {
		bidirectional: toCrm({ phone: '222' }, P222),
		fieldflowToCrm: toCrm({ phone: '222' }, P222),
		crmToFieldflow: unchanged(), // FieldFlow changes stay local
	},
	changedOnCrm: {
		bidirectional: toFf({ phone: '333' }, P333),
		fieldflowToCrm: unchanged(), // CRM changes don't affect FieldFlow
		crmToFieldflow: toFf({ phone: '333' }, P333),
	},
	bothSame: {
		bidirectional: unchanged({ ...BASE, phone: '444' }),
		fieldflowToCrm: unchanged({ ...BASE, phone: '444' }),
		crmToFieldflow: unchanged({ ...BASE, phone: '444' }),
	},
	bothDifferent: {
		bidirectional: {
			newestWins: toFf({ phone: '333' }, P333), // the CRM edit is newer
			fieldflowWins: toCrm({ phone: '222' }, P222),
			crmWins: toFf({ phone: '333' }, P333),
			manual: { action: 'conflict', conflicts: [{ field: 'phone', fieldflow: '222', crm: '333', baseline: '111' }], baseline: BASE },
		},
		fieldflowToCrm: toCrm({ phone: '222' }, P222), // one-way: FieldFlow's value, whatever the strategy
		crmToFieldflow: toFf({ phone: '333' }, P333), // one-way: the CRM's value, whatever the strategy
	},
	neither: { bidirectional: unchanged(), fieldflowToCrm: unchanged(), crmToFieldflow: unchanged() },
	echoOfBaseline: { bidirectional: unchanged(), fieldflowToCrm: unchanged(), crmToFieldflow: unchanged() },
	newOnFieldflow: {
		bidirectional: { action: 'createInCrm', toCrm: GRACE, baseline: GRACE },
		fieldflowToCrm: { action: 'createInCrm', toCrm: GRACE, baseline: GRACE },
		crmToFieldflow: unchanged({}),
	},
	newOnCrm: {
		bidirectional: { action: 'createInFieldflow', toFieldflow: ALAN, baseline: ALAN },
		fieldflowToCrm: unchanged({}),
		crmToFieldflow: { action: 'createInFieldflow', toFieldflow: ALAN, baseline: ALAN },
	},
	deletedOnFieldflow: { bidirectional: UNLINK, fieldflowToCrm: UNLINK, crmToFieldflow: UNLINK },
	deletedOnCrm: { bidirectional: UNLINK, fieldflowToCrm: UNLINK, crmToFieldflow: UNLINK },
};

export const STRATEGIES: ConflictStrategy[] = ['newestWins', 'fieldflowWins', 'crmWins', 'manual'];
export const DIRECTIONS: SyncDirection[] = ['bidirectional', 'fieldflowToCrm', 'crmToFieldflow'];
export const CASES: Array<[Situation, SyncDirection, ConflictStrategy]> = [];
for (const s of Object.keys(SITUATIONS) as Situation[]) for (const d of DIRECTIONS) for (const st of STRATEGIES) CASES.push([s, d, st]);

export function expectedFor(s: Situation, d: SyncDirection, st: ConflictStrategy): Outcome {
	const e = EXPECTED[s][d];
	return 'action' in e ? (e as Outcome) : (e as Record<ConflictStrategy, Outcome>)[st];
}

