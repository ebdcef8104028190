/**
 * The plan phase without a store or an API: the whole merge matrix (every strategy × direction ×
 * situation) goes through pairRecords → addCounterparts → decideAll → planRoutes, and each case's
 * routed items (output, action, fields, baseline, link to save, reservation) are checked.
 */
import { buildMapping } from '../../../nodes/shared/mapping/effective';
import { addCounterparts, applyDuplicates, applyReservations, createChecks, decideAll, decideOptionsOf, OUTPUT, pairRecords, planRoutes, type InputRecord, type PlanOptions, type Routed } from '../../../nodes/shared/sync/plan';
import { readSync, type ConflictMeta, type UnchangedMeta, type WriteMeta } from '../../../nodes/shared/sync/protocol';
import type { ConflictStrategy, SyncDirection, SyncRecord } from '../../../nodes/shared/sync/types';
import { BASE, CASES, expectedFor, ffRec, SITUATIONS, type Situation } from './merge-matrix';

const eff = buildMapping({ crm: 'salesforce', object: 'Lead', useDefaults: true, custom: [], statusOverrides: [] });

function options(direction: SyncDirection, strategy: ConflictStrategy): PlanOptions {
	return { eff, role: 'person', direction, strategy, notFound: 'unlink', matchBy: ['externalId', 'email', 'name'] };
}

/** One situation as the read phase hands it over: both inputs, the links, the counterparts found by id. */
function planOf(situation: Situation, direction: SyncDirection, strategy: ConflictStrategy): Routed[] {
	const s = SITUATIONS[situation]();
	const ffIn: InputRecord[] = s.fieldflow ? [{ record: s.fieldflow, input: 0, item: 0 }] : [];
	const crmIn: InputRecord[] = s.crm ? [{ record: s.crm, input: 1, item: 0 }] : [];
	const pairing = pairRecords(ffIn, crmIn, s.link ? [s.link] : [], options(direction, strategy).matchBy);
	// deletedOnCrm: the linked CRM record is read by id and not found.
	addCounterparts(pairing, new Map(), new Map(), eff);
	const decide = decideOptionsOf(options(direction, strategy));
	decideAll(pairing.work, decide);
	decideAll(pairing.crmOnly, decide);
	return planRoutes([...pairing.work, ...pairing.crmOnly], eff);
}

const byOutput = (routed: Routed[], output: number) => routed.filter((r) => r.output === output);

describe('plan: the merge matrix through the whole plan phase (no store)', () => {
	test.each(CASES)('%s, %s, %s', (situation, direction, strategy) => {
		const want = expectedFor(situation, direction, strategy);
		const routed = planOf(situation, direction, strategy);
		const toCrm = byOutput(routed, OUTPUT.toCrm);
		const toFf = byOutput(routed, OUTPUT.toFieldflow);
		const conflict = byOutput(routed, OUTPUT.conflict);
		const unchanged = byOutput(routed, OUTPUT.unchanged);
		const writes = (r: Routed) => readSync(r.json) as WriteMeta;

		expect(toCrm.map((r) => writes(r).action)).toEqual(want.toCrm ? [want.action === 'createInCrm' ? 'createInCrm' : 'updateCrm'] : []);
		expect(toFf.map((r) => writes(r).action)).toEqual(want.toFieldflow ? [want.action === 'createInFieldflow' ? 'createInFieldflow' : 'updateFieldflow'] : []);
		for (const r of [...toCrm, ...toFf]) expect(writes(r).baseline).toEqual(want.baseline);
		if (want.toCrm) expect(writes(toCrm[0]).fields).toEqual(want.toCrm);
		if (want.toFieldflow) {
			expect(writes(toFf[0]).fields).toEqual(want.toFieldflow);
			// The FieldFlow write carries FieldFlow's field names at the top level.
			expect(toFf[0].json).toMatchObject(want.toFieldflow);
		}
		// A CRM create reserves its prospect; nothing else does.
		expect(routed.filter((r) => r.reserve).map((r) => r.reserve!.fieldflowId)).toEqual(want.action === 'createInCrm' ? ['pr_1'] : []);

		expect(conflict.map((r) => (readSync(r.json) as ConflictMeta).conflicts)).toEqual(want.conflicts ? [want.conflicts] : []);
		if (want.action === 'unchanged' || want.action === 'unlink') {
			expect(unchanged).toHaveLength(1);
			const meta = readSync(unchanged[0].json) as UnchangedMeta;
			expect(meta.action).toBe(want.action);
			if (want.action === 'unchanged') expect(meta.baseline).toEqual(want.baseline);
		} else expect(unchanged).toEqual([]);
		// Every item is paired with the input items it came from.
		for (const r of routed) expect(r.paired.length).toBeGreaterThan(0);
	});

	it('a pair settled on both sides (bothSame) carries the link with the new baseline for the commit to save', () => {
		const [item] = planOf('bothSame', 'bidirectional', 'newestWins');
		const meta = readSync(item.json) as UnchangedMeta;
		expect(meta.link).toMatchObject({ fieldflowId: 'pr_1', crmId: '00Q1', status: 'synced', baseline: { ...BASE, phone: '444' } });
		// Nothing moved: the stored link is already right, so none is carried.
		expect((readSync(planOf('neither', 'bidirectional', 'newestWins')[0].json) as UnchangedMeta).link).toBeUndefined();
	});

	it('a create another run has reserved goes out on Unchanged, the granted one stays a create', () => {
		const ffIn: InputRecord[] = [
			{ record: ffRec({ contact_name: 'Grace Hopper', email: 'grace@navy.test' }, { id: 'pr_g' }), input: 0, item: 0 },
			{ record: ffRec({ contact_name: 'Alan Turing', email: 'alan@bletchley.test' }, { id: 'pr_a' }), input: 0, item: 1 },
		];
		const pairing = pairRecords(ffIn, [], [], []);
		decideAll(pairing.work, decideOptionsOf(options('bidirectional', 'newestWins')));
		const routed = applyReservations(planRoutes(pairing.work, eff), new Set(['pr_g']), 'salesforce', 'Lead');
		expect(routed.map((r) => [r.output, (readSync(r.json) as { action: string }).action, r.paired])).toEqual([
			[OUTPUT.toCrm, 'createInCrm', [{ item: 0, input: 0 }]],
			[OUTPUT.unchanged, 'unchanged', [{ item: 1, input: 0 }]],
		]);
		expect(routed[1].json.reason).toMatch(/being created by another run/);
	});

	it('duplicate check: a planned create that exists in the CRM is linked instead (and the CRM record of this run joins it), a match linked to someone else is not', () => {
		const grace = ffRec({ contact_name: 'Grace Hopper', email: 'grace@navy.test' }, { id: 'pr_g' });
		const alan = ffRec({ contact_name: 'Alan Turing', email: 'alan@bletchley.test' }, { id: 'pr_a' });
		const crmGrace: SyncRecord = { side: 'crm', crm: 'salesforce', object: 'Lead', id: '00QG', modifiedAt: '2026-11-24T11:00:00.000Z', fields: { contact_name: 'Grace Hopper', email: 'GRACE@navy.test' } };
		const opts = options('bidirectional', 'newestWins');
		// matchBy empty: only the duplicate check can pair them.
		const pairing = pairRecords(
			[
				{ record: grace, input: 0, item: 0 },
				{ record: alan, input: 0, item: 1 },
			],
			[{ record: crmGrace, input: 1, item: 0 }],
			[],
			[],
		);
		const decide = decideOptionsOf(opts);
		decideAll(pairing.work, decide);
		const { creates, criteria } = createChecks(pairing.work, 'person');
		expect(criteria.map((c) => c.email)).toEqual(['grace@navy.test', 'alan@bletchley.test']);
		const record = (id: string) => ({ id, object: 'Lead', modifiedAt: '', fields: { FirstName: 'Alan', LastName: 'Turing', Email: 'alan@bletchley.test' } });
		const linked = applyDuplicates(
			pairing,
			creates,
			{
				found: [
					{ ref: '0', matches: [{ id: '00QG', object: 'Lead', matchedOn: 'email', record: { ...record('00QG'), fields: { Email: 'grace@navy.test' } } }] },
					{ ref: '1', matches: [{ id: '00QX', object: 'Lead', matchedOn: 'email', record: record('00QX') }] },
				],
				linkedElsewhere: new Map([['00QX', 'pr_someone_else']]),
			},
			opts,
			decide,
		);
		expect(linked).toBe(1);
		decideAll(pairing.crmOnly, decide);
		const routed = planRoutes([...pairing.work, ...pairing.crmOnly], eff);
		const summary = routed.map((r) => [r.output, (readSync(r.json) as { action: string; fieldflowId?: string | null }).fieldflowId, (readSync(r.json) as { action: string }).action]);
		expect(summary).toEqual([
			[OUTPUT.unchanged, 'pr_g', 'unchanged'], // linked to 00QG, equal: nothing to write
			[OUTPUT.toCrm, 'pr_a', 'createInCrm'], // its match belongs to another prospect: created
		]);
		expect(routed[0].paired).toEqual([
			{ item: 0, input: 0 },
			{ item: 0, input: 1 },
		]);
		expect((readSync(routed[0].json) as UnchangedMeta).link).toMatchObject({ fieldflowId: 'pr_g', crmId: '00QG', status: 'synced' });
		expect(routed[0].json.reason).toMatch(/Already in the CRM: matched existing record 00QG by email/);
	});
});
