import { decide, type DecideOptions } from '../../../nodes/shared/sync/merge';
import { defaultMappings, DEFAULT_VALUE_MAPS } from '../../../nodes/shared/mapping/defaults';
import { lossyEquivalence } from '../../../nodes/shared/mapping/engine';
import type { CanonicalFields, Link, NotFoundPolicy, SyncDirection } from '../../../nodes/shared/sync/types';
import { BASE, CASES, crmRec, DIRECTIONS, expectedFor, ffRec, link, P222, P333, SITUATIONS, T_CRM, UNLINK, type Outcome } from './merge-matrix';

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

describe('decide(): a field the link baseline lacks (mapped since the last sync: Linked Records added, a converted Lead)', () => {
	const opts: DecideOptions = { direction: 'bidirectional', strategy: 'manual', notFound: 'unlink' };
	// The link recorded both versions read: a side no newer than its version is stale (unchanged since).
	const synced = (): Link => ({ ...link(), fieldflowModifiedAt: '2026-11-24T10:00:00.000Z', crmModifiedAt: '2026-11-24T09:00:00.000Z' });

	test("a value on FieldFlow only fills the CRM's empty field, though FieldFlow is unchanged since the last sync (a converted Lead's new Opportunity has no Amount)", () => {
		const got = decide({ fieldflow: ffRec({ ...BASE, estimated_value: 4000 }), crm: crmRec({ ...BASE, estimated_value: null }, { modifiedAt: '2026-11-24T09:00:00.000Z' }), link: synced() }, opts);
		expect(got.toCrm).toEqual({ estimated_value: 4000 });
		expect(got.baseline).toEqual({ ...BASE, estimated_value: 4000 });
	});

	test('a CRM that does not carry the field (a person without a deal) gets nothing from a FieldFlow unchanged since the last sync: adding the deal is the plan\'s (addMissingMembers)', () => {
		const got = decide({ fieldflow: ffRec({ ...BASE, status: 'new' }), crm: crmRec({ ...BASE }, { modifiedAt: '2026-11-24T09:00:00.000Z' }), link: synced() }, opts);
		expect(got.action).toBe('unchanged');
		expect(got.toCrm).toBeUndefined();
	});

	test('two values: the side changed since the last sync wins over the stale one (FieldFlow unchanged, the CRM edited after a Lead conversion)', () => {
		const got = decide({ fieldflow: ffRec({ ...BASE, estimated_value: 4000 }), crm: crmRec({ ...BASE, estimated_value: 4500 }), link: synced() }, opts);
		expect(got.toFieldflow).toEqual({ estimated_value: 4500 });
		expect(got.conflicts).toBeUndefined();
	});

	test('two values, both sides changed since: a conflict, as on a first sync', () => {
		const got = decide({ fieldflow: ffRec({ ...BASE, estimated_value: 4000 }, { modifiedAt: '2026-11-24T12:00:00.000Z' }), crm: crmRec({ ...BASE, estimated_value: 4500 }), link: synced() }, opts);
		expect(got.conflicts).toEqual([{ field: 'estimated_value', fieldflow: 4000, crm: 4500, baseline: null }]);
	});

	test('the same value on both sides is settled into the baseline', () => {
		const got = decide({ fieldflow: ffRec({ ...BASE, estimated_value: 4000 }), crm: crmRec({ ...BASE, estimated_value: '4000' }), link: synced() }, opts);
		expect(got.action).toBe('unchanged');
		expect(got.baseline.estimated_value).toBe(4000);
	});
});
