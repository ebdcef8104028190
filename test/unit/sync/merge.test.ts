import { decide, type DecideOptions } from '../../../nodes/shared/sync/merge';
import { defaultMappings, DEFAULT_VALUE_MAPS } from '../../../nodes/shared/mapping/defaults';
import { lossyEquivalence } from '../../../nodes/shared/mapping/engine';
import type { CanonicalFields, ConflictStrategy, FieldConflict, Link, NotFoundPolicy, SyncAction, SyncDirection, SyncRecord } from '../../../nodes/shared/sync/types';

const T0 = '2026-11-20T10:00:00.000Z';
const T_FF = '2026-11-24T10:00:00.000Z';
const T_CRM = '2026-11-24T11:00:00.000Z'; // the CRM edit is the newer one in every "both" situation

const BASE: CanonicalFields = { company_name: 'Acme', contact_name: 'Ada Lovelace', email: 'ada@acme.test', phone: '111' };

const ffRec = (fields: CanonicalFields, extra: Partial<SyncRecord> = {}): SyncRecord => ({ side: 'fieldflow', crm: 'salesforce', object: 'Lead', id: 'pr_1', modifiedAt: T_FF, fields, ...extra });
const crmRec = (fields: CanonicalFields, extra: Partial<SyncRecord> = {}): SyncRecord => ({ side: 'crm', crm: 'salesforce', object: 'Lead', id: '00Q1', modifiedAt: T_CRM, fields, ...extra });
const link = (baseline: CanonicalFields = BASE): Link => ({ crm: 'salesforce', object: 'Lead', fieldflowId: 'pr_1', crmId: '00Q1', baseline, status: 'synced', lastSyncedAt: T0 });

type Situation =
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
const SITUATIONS: Record<Situation, () => { fieldflow?: SyncRecord; crm?: SyncRecord; link?: Link }> = {
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

interface Outcome {
	action: SyncAction;
	toCrm?: CanonicalFields;
	toFieldflow?: CanonicalFields;
	conflicts?: FieldConflict[];
	baseline: CanonicalFields;
}

const unchanged = (baseline: CanonicalFields = BASE): Outcome => ({ action: 'unchanged', baseline });
const toCrm = (fields: CanonicalFields, baseline: CanonicalFields): Outcome => ({ action: 'updateCrm', toCrm: fields, baseline });
const toFf = (fields: CanonicalFields, baseline: CanonicalFields): Outcome => ({ action: 'updateFieldflow', toFieldflow: fields, baseline });
const P222 = { ...BASE, phone: '222' };
const P333 = { ...BASE, phone: '333' };
const GRACE = { contact_name: 'Grace Hopper', email: 'grace@navy.test' };
const ALAN = { contact_name: 'Alan Turing', email: 'alan@bletchley.test' };
const UNLINK: Outcome = { action: 'unlink', baseline: {} };

/**
 * The expected outcome per situation and direction (notFound policy 'unlink'). A function of the
 * strategy only where the strategy matters: a real conflict in a bidirectional sync.
 */
const EXPECTED: Record<Situation, Record<SyncDirection, Outcome | Record<ConflictStrategy, Outcome>>> = {
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

const STRATEGIES: ConflictStrategy[] = ['newestWins', 'fieldflowWins', 'crmWins', 'manual'];
const DIRECTIONS: SyncDirection[] = ['bidirectional', 'fieldflowToCrm', 'crmToFieldflow'];
const CASES: Array<[Situation, SyncDirection, ConflictStrategy]> = [];
for (const s of Object.keys(SITUATIONS) as Situation[]) for (const d of DIRECTIONS) for (const st of STRATEGIES) CASES.push([s, d, st]);

function expectedFor(s: Situation, d: SyncDirection, st: ConflictStrategy): Outcome {
	const e = EXPECTED[s][d];
	return 'action' in e ? (e as Outcome) : (e as Record<ConflictStrategy, Outcome>)[st];
}

describe('decide(): every strategy × direction × situation', () => {
	test('the matrix has 4 × 3 × 10 cases', () => expect(CASES).toHaveLength(120));

	test.each(CASES)('%s, %s, %s', (situation, direction, strategy) => {
		const want = expectedFor(situation, direction, strategy);
		const got = decide(SITUATIONS[situation](), { direction, strategy, notFound: 'unlink' });
		expect(got.action).toBe(want.action);
		expect(got.toCrm).toEqual(want.toCrm);
		expect(got.toFieldflow).toEqual(want.toFieldflow);
		expect(got.conflicts).toEqual(want.conflicts);
		expect(got.baseline).toEqual(want.baseline);
		expect(typeof got.reason).toBe('string');
		expect(got.reason.length).toBeGreaterThan(5);
	});
});

describe('decide(): deletions per NotFound policy × direction', () => {
	type Del = 'deletedOnFieldflow' | 'deletedOnCrm';
	const RECREATE_FF: Outcome = { action: 'createInFieldflow', toFieldflow: BASE, baseline: BASE };
	const RECREATE_CRM: Outcome = { action: 'createInCrm', toCrm: BASE, baseline: BASE };
	const DEL_CRM: Outcome = { action: 'deleteInCrm', baseline: {} };
	const DEL_FF: Outcome = { action: 'deleteInFieldflow', baseline: {} };
	const TABLE: Record<Del, Record<NotFoundPolicy, Record<SyncDirection, Outcome>>> = {
		deletedOnFieldflow: {
			unlink: { bidirectional: UNLINK, fieldflowToCrm: UNLINK, crmToFieldflow: UNLINK },
			recreate: { bidirectional: RECREATE_FF, fieldflowToCrm: UNLINK, crmToFieldflow: RECREATE_FF },
			deleteOther: { bidirectional: DEL_CRM, fieldflowToCrm: DEL_CRM, crmToFieldflow: UNLINK },
		},
		deletedOnCrm: {
			unlink: { bidirectional: UNLINK, fieldflowToCrm: UNLINK, crmToFieldflow: UNLINK },
			recreate: { bidirectional: RECREATE_CRM, fieldflowToCrm: RECREATE_CRM, crmToFieldflow: UNLINK },
			deleteOther: { bidirectional: DEL_FF, fieldflowToCrm: UNLINK, crmToFieldflow: DEL_FF },
		},
	};
	const cases: Array<[Del, NotFoundPolicy, SyncDirection, 'flag' | 'missing']> = [];
	for (const s of ['deletedOnFieldflow', 'deletedOnCrm'] as Del[])
		for (const p of ['unlink', 'recreate', 'deleteOther'] as NotFoundPolicy[])
			for (const d of DIRECTIONS) for (const how of ['flag', 'missing'] as const) cases.push([s, p, d, how]);

	test.each(cases)('%s, policy %s, %s (record %s)', (situation, notFound, direction, how) => {
		const input =
			situation === 'deletedOnFieldflow'
				? { fieldflow: how === 'flag' ? ffRec({}, { deleted: true }) : undefined, crm: crmRec({ ...BASE }), link: link() }
				: { fieldflow: ffRec({ ...BASE }), crm: how === 'flag' ? crmRec({}, { deleted: true }) : undefined, link: link() };
		const want = TABLE[situation][notFound][direction];
		const got = decide(input, { direction, strategy: 'newestWins', notFound });
		expect(got.action).toBe(want.action);
		expect(got.toCrm).toEqual(want.toCrm);
		expect(got.toFieldflow).toEqual(want.toFieldflow);
		expect(got.baseline).toEqual(want.baseline);
	});

	test.each(['unlink', 'recreate', 'deleteOther'] as NotFoundPolicy[])('both deleted → unlink (policy %s)', (notFound) => {
		const got = decide({ fieldflow: ffRec({}, { deleted: true }), crm: crmRec({}, { deleted: true }), link: link() }, { direction: 'bidirectional', strategy: 'manual', notFound });
		expect(got.action).toBe('unlink');
		expect(decide({ link: link() }, { direction: 'bidirectional', strategy: 'manual', notFound }).action).toBe('unlink');
	});

	test('a deleted record that was never linked is left alone', () => {
		expect(decide({ fieldflow: ffRec({}, { deleted: true }) }, { direction: 'bidirectional', strategy: 'manual', notFound: 'deleteOther' }).action).toBe('unchanged');
		expect(decide({ crm: crmRec({}, { deleted: true }) }, { direction: 'bidirectional', strategy: 'manual', notFound: 'recreate' }).action).toBe('unchanged');
	});
});

describe('decide(): details', () => {
	const bi: DecideOptions = { direction: 'bidirectional', strategy: 'newestWins', notFound: 'unlink' };

	test('newestWins: a tie goes to FieldFlow; FieldFlow newer wins', () => {
		const tie = decide({ fieldflow: ffRec(P222, { modifiedAt: T_CRM }), crm: crmRec(P333), link: link() }, bi);
		expect(tie.action).toBe('updateCrm');
		expect(tie.toCrm).toEqual({ phone: '222' });
		const ffNewer = decide({ fieldflow: ffRec(P222, { modifiedAt: '2026-11-25T00:00:00.000Z' }), crm: crmRec(P333), link: link() }, bi);
		expect(ffNewer.toCrm).toEqual({ phone: '222' });
		expect(ffNewer.toFieldflow).toBeUndefined();
	});

	test('manual: the conflicting field is held, non-conflicting fields still flow both ways', () => {
		const got = decide(
			{ fieldflow: ffRec({ ...BASE, phone: '222', company_name: 'Acme Corp' }), crm: crmRec({ ...BASE, phone: '333', email: 'ada@lovelace.test' }), link: link() },
			{ ...bi, strategy: 'manual' },
		);
		expect(got.action).toBe('conflict');
		expect(got.actions).toEqual(['conflict', 'updateCrm', 'updateFieldflow']);
		expect(got.conflicts).toEqual([{ field: 'phone', fieldflow: '222', crm: '333', baseline: '111' }]);
		expect(got.toCrm).toEqual({ company_name: 'Acme Corp' });
		expect(got.toFieldflow).toEqual({ email: 'ada@lovelace.test' });
		expect(got.baseline).toEqual({ ...BASE, company_name: 'Acme Corp', email: 'ada@lovelace.test' });
	});

	test('different fields changed on each side: both writes, only the changed fields', () => {
		const got = decide({ fieldflow: ffRec({ ...BASE, phone: '222' }), crm: crmRec({ ...BASE, email: 'x@y.test' }), link: link() }, bi);
		expect(got.actions).toEqual(['updateCrm', 'updateFieldflow']);
		expect(got.toCrm).toEqual({ phone: '222' });
		expect(got.toFieldflow).toEqual({ email: 'x@y.test' });
	});

	test('a two-way flow never loops: after a write, the echo comes back unchanged', () => {
		const first = decide({ fieldflow: ffRec({ ...BASE, phone: '222' }), crm: crmRec({ ...BASE }), link: link() }, bi);
		expect(first.action).toBe('updateCrm');
		// The CRM now holds what was written (as the CRM formats it); FieldFlow is unchanged.
		const echo = decide({ fieldflow: ffRec({ ...BASE, phone: '222' }), crm: crmRec({ ...BASE, phone: ' 222 ', email: 'ADA@ACME.TEST' }), link: link(first.baseline) }, bi);
		expect(echo.action).toBe('unchanged');
		expect(echo.toCrm).toBeUndefined();
		expect(echo.toFieldflow).toBeUndefined();
	});

	test('normalisation: numbers vs numeric strings, dates vs ISO, empty string vs null', () => {
		const base = { estimated_value: 1200, due: '2026-01-05T09:00:00Z', notes: null };
		const got = decide(
			{ fieldflow: ffRec({ estimated_value: '1200', due: '2026-01-05T09:00:00.000Z', notes: '' }), crm: crmRec({ estimated_value: '1200.0', due: '2026-01-05T10:00:00+01:00', notes: '  ' }), link: link(base) },
			bi,
		);
		expect(got.action).toBe('unchanged');
	});

	test('clearing a field on one side flows as null', () => {
		const got = decide({ fieldflow: ffRec({ ...BASE, phone: '' }), crm: crmRec({ ...BASE }), link: link() }, bi);
		expect(got.toCrm).toEqual({ phone: '' });
		expect(got.baseline.phone).toBe('');
	});

	test('a field one side does not carry never counts as a change there', () => {
		// The CRM record has no company_name (e.g. a toCrm-only deal name mapping).
		const crmFields = { ...BASE } as CanonicalFields;
		delete crmFields.company_name;
		const got = decide({ fieldflow: ffRec({ ...BASE }), crm: crmRec(crmFields), link: link() }, bi);
		expect(got.action).toBe('unchanged');
		const changed = decide({ fieldflow: ffRec({ ...BASE, company_name: 'Acme 2' }), crm: crmRec(crmFields), link: link() }, bi);
		expect(changed.toCrm).toEqual({ company_name: 'Acme 2' });
	});

	test('options.fields restricts what is compared and created', () => {
		const got = decide({ fieldflow: ffRec({ ...BASE, phone: '222', company_name: 'X' }), crm: crmRec({ ...BASE }), link: link() }, { ...bi, fields: ['phone'] });
		expect(got.toCrm).toEqual({ phone: '222' });
		const created = decide({ fieldflow: ffRec({ ...BASE }) }, { ...bi, fields: ['email', 'phone'] });
		expect(created.toCrm).toEqual({ email: 'ada@acme.test', phone: '111' });
	});

	test('first sync of a matched pair (no link): equal settles, one-sided fills, different conflicts', () => {
		const got = decide({ fieldflow: ffRec({ email: 'ada@acme.test', phone: null, company_name: 'Acme', notes: 'ff' }), crm: crmRec({ email: 'Ada@Acme.test', phone: '555', company_name: '', notes: 'crm' }) }, { ...bi, strategy: 'manual' });
		expect(got.action).toBe('conflict');
		expect(got.conflicts).toEqual([{ field: 'notes', fieldflow: 'ff', crm: 'crm', baseline: null }]);
		expect(got.toCrm).toEqual({ company_name: 'Acme' });
		expect(got.toFieldflow).toEqual({ phone: '555' });
		expect(got.baseline).toEqual({ email: 'ada@acme.test', phone: '555', company_name: 'Acme' });
	});

	test('a link whose CRM create never completed creates again (not treated as deleted)', () => {
		const pending: Link = { ...link(), crmId: null, status: 'pending' };
		const got = decide({ fieldflow: ffRec({ ...BASE }), link: pending }, { ...bi, notFound: 'deleteOther' });
		expect(got.action).toBe('createInCrm');
		expect(decide({ fieldflow: ffRec({}, { deleted: true }), link: pending }, bi).action).toBe('unlink');
	});

	test('crmEquivalent (lossy Lead Status): no phantom change when the CRM reads back the default', () => {
		const sf = defaultMappings('salesforce', 'Lead');
		const eq = lossyEquivalence(sf, DEFAULT_VALUE_MAPS);
		const base = { ...BASE, status: 'qualified' };
		// Written 'qualified' → 'Working - Contacted'; read back as 'contacted'.
		const input = { fieldflow: ffRec({ ...base }), crm: crmRec({ ...base, status: 'contacted' }), link: link(base) };
		expect(decide(input, bi).action).toBe('updateFieldflow'); // without the hint: a phantom change
		expect(decide(input, { ...bi, crmEquivalent: eq }).action).toBe('unchanged');
		// A real CRM change (Closed - Converted → won) still flows.
		const won = decide({ ...input, crm: crmRec({ ...base, status: 'won' }) }, { ...bi, crmEquivalent: eq });
		expect(won.toFieldflow).toEqual({ status: 'won' });
	});
});
