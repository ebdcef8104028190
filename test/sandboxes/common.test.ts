/**
 * The sandboxes' in-memory Table keeps its change order, lookup indexes and live count by hand
 * (no sort or scan per call). Random writes, transactions and a uniform time shift are checked
 * against the same answers computed the slow way, from the rows themselves, after every step.
 */
import { MonotonicClock, Table, byChange, type Row } from './common';

/** Small deterministic PRNG so a failure always replays the same way. */
function rng(seed: number): () => number {
	let s = seed >>> 0;
	return () => {
		s = (s * 1664525 + 1013904223) >>> 0;
		return s / 2 ** 32;
	};
}

const EMAILS = ['a@x.example', 'B@x.example', 'c@x.example', 'd@x.example', ''];
const emailOf = (r: Row) => String(r.data.email ?? '').toLowerCase();

function expectConsistent(t: Table): void {
	const rows = [...t.rows.values()];
	const all = [...rows].sort(byChange);
	const live = all.filter((r) => !r.deletedAt);
	expect(t.all().map((r) => r.id)).toEqual(all.map((r) => r.id));
	expect(t.live().map((r) => r.id)).toEqual(live.map((r) => r.id));
	expect(t.size).toBe(live.length);
	expect(t.liveSorted('id', (a, b) => Number(a.id) - Number(b.id)).map((r) => r.id)).toEqual(
		[...live].sort((a, b) => Number(a.id) - Number(b.id)).map((r) => r.id),
	);
	for (const e of [...EMAILS, 'B@X.EXAMPLE', 'nobody@x.example']) {
		expect(t.liveWhere('email', e).map((r) => r.id)).toEqual(live.filter((r) => emailOf(r) === e.toLowerCase()).map((r) => r.id));
	}
	// A field without an index answers the same way, by a scan.
	expect(t.liveWhere('name', 'n1').map((r) => r.id)).toEqual(live.filter((r) => String(r.data.name ?? '').toLowerCase() === 'n1').map((r) => r.id));
}

describe('sandbox Table', () => {
	it('keeps order, email index and count right through random inserts, updates, removes, discards and transactions', () => {
		const clock = new MonotonicClock();
		const t = new Table(clock, (n) => String(n), ['email']);
		const rand = rng(42);
		const pick = <T>(a: T[]): T => a[Math.floor(rand() * a.length)];
		let open = false;
		let atBegin = '';
		for (let step = 0; step < 600; step++) {
			const ids = [...t.rows.keys()];
			const r = rand();
			if (r < 0.3 || !ids.length) t.insert({ email: pick(EMAILS), name: pick(['n1', 'N1', 'n2']) });
			else if (r < 0.55) t.update(pick(ids), rand() < 0.5 ? { email: pick(EMAILS) } : { name: pick(['n1', 'n2']) });
			else if (r < 0.7) t.remove(pick(ids));
			else if (r < 0.73) t.discard(pick(ids));
			else if (r < 0.76) t.insert({ email: pick(EMAILS) }, pick(ids)); // same id again replaces the row
			else if (r < 0.82 && !open) {
				t.begin();
				open = true;
				atBegin = JSON.stringify(t.all());
			} else if (r < 0.88 && open) {
				t.insert({ email: 'a@x.example' });
				t.update(pick(ids), { email: 'c@x.example' });
				t.remove(pick(ids));
				t.rollback();
				open = false;
				// Everything since begin() is undone, including the random writes in between.
				expect(JSON.stringify(t.all())).toBe(atBegin);
			} else if (r < 0.92 && open) {
				t.commit();
				open = false;
			} else if (r < 0.93 && !open) {
				// The benchmark's age(): every time moves back by the same amount.
				for (const row of t.rows.values()) {
					row.createdAt -= 60_000;
					row.updatedAt -= 60_000;
					if (row.deletedAt) row.deletedAt -= 60_000;
				}
			} else t.get(pick(ids));
			expectConsistent(t);
		}
		t.clear();
		expectConsistent(t);
		expect(t.size).toBe(0);
	});

	it('a rollback undoes inserts, updates and removes and frees the values they took', () => {
		const t = new Table(new MonotonicClock(), (n) => `r${n}`, ['email']);
		const a = t.insert({ email: 'a@x.example' });
		const b = t.insert({ email: 'b@x.example' });
		t.begin();
		t.insert({ email: 'new@x.example' });
		t.update(a.id, { email: 'moved@x.example' });
		t.remove(b.id);
		expect(t.liveWhere('email', 'a@x.example')).toEqual([]);
		t.rollback();
		expect(t.liveWhere('email', 'new@x.example')).toEqual([]);
		expect(t.liveWhere('email', 'moved@x.example')).toEqual([]);
		expect(t.liveWhere('email', 'A@X.example').map((r) => r.id)).toEqual([a.id]);
		expect(t.liveWhere('email', 'b@x.example').map((r) => r.id)).toEqual([b.id]);
		expect(t.live().map((r) => r.id)).toEqual([a.id, b.id]);
		expect(t.size).toBe(2);
	});

	it('indexes every value a row is found by (a person with several emails)', () => {
		const t = new Table(new MonotonicClock(), (n) => String(n), [{ name: 'emails', values: (d) => ((d.emails as Array<{ value: string }>) ?? []).map((e) => e.value) }]);
		const p = t.insert({ emails: [{ value: 'one@x.example' }, { value: 'Two@x.example' }] });
		expect(t.liveWhere('emails', 'two@X.example').map((r) => r.id)).toEqual([p.id]);
		t.update(p.id, { emails: [{ value: 'three@x.example' }] });
		expect(t.liveWhere('emails', 'one@x.example')).toEqual([]);
		expect(t.liveWhere('emails', 'three@x.example').map((r) => r.id)).toEqual([p.id]);
		t.remove(p.id);
		expect(t.liveWhere('emails', 'three@x.example')).toEqual([]);
	});

	it('live() hands out a copy: sorting it or writing while holding it changes nothing', () => {
		const t = new Table(new MonotonicClock(), (n) => String(n));
		for (let i = 0; i < 5; i++) t.insert({ i });
		const held = t.live();
		held.reverse();
		expect(t.live().map((r) => r.id)).toEqual(['1', '2', '3', '4', '5']);
		const again = t.live();
		t.update('1', { i: 9 });
		expect(again.map((r) => r.id)).toEqual(['1', '2', '3', '4', '5']);
		expect(t.live().map((r) => r.id)).toEqual(['2', '3', '4', '5', '1']);
	});
});
