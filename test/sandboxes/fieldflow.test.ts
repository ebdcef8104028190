/**
 * The FieldFlow sandbox speaks docs/fieldflow-api-v1.md: raw HTTP checks of the wire format,
 * pagination and every fault switch's error shape.
 */
import { FieldFlowSandbox, FIELDFLOW_SANDBOX_KEY } from './fieldflow';

describe('FieldFlow sandbox wire format', () => {
	const sb = new FieldFlowSandbox();
	let base = '';
	// eslint-disable-next-line @typescript-eslint/no-explicit-any
	type JsonResponse = Omit<Response, 'json'> & { json(): Promise<any> };
	const call = (method: string, path: string, body?: unknown, key = FIELDFLOW_SANDBOX_KEY): Promise<JsonResponse> =>
		fetch(`${base}/v1${path}`, {
			method,
			headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body),
		});

	beforeAll(async () => {
		base = await sb.start();
	});
	afterAll(() => sb.stop());
	beforeEach(() => sb.reset());

	it('creates, reads, updates and deletes a prospect', async () => {
		const created = await call('POST', '/prospects', { contact_name: 'Ada Lovelace', email: 'ada@example.com', estimated_value: 10 });
		expect(created.status).toBe(201);
		const p = await created.json();
		expect(p).toMatchObject({ id: 'pr_000001', contact_name: 'Ada Lovelace', status: 'new', estimated_value: 10 });
		const upd = await (await call('PATCH', `/prospects/${p.id}`, { status: 'qualified' })).json();
		expect(upd.status).toBe('qualified');
		expect(Date.parse(upd.updated_at)).toBeGreaterThan(Date.parse(p.updated_at));
		expect((await call('DELETE', `/prospects/${p.id}`)).status).toBe(204);
		const gone = await call('GET', `/prospects/${p.id}`);
		expect(gone.status).toBe(404);
		expect((await gone.json()).error).toMatchObject({ code: 'not_found' });
	});

	it('pages with cursors and filters by updated_since, deletions only on request', async () => {
		sb.seed({ prospects: Array.from({ length: 5 }, (_, i) => ({ contact_name: `P${i}` })) });
		const mid = new Date(sb.prospects.get('pr_000003')!.updatedAt).toISOString();
		sb.prospects.remove('pr_000004');
		const page1 = await (await call('GET', `/prospects?limit=2&updated_since=${encodeURIComponent(mid)}`)).json();
		expect(page1.data.map((p: { id: string }) => p.id)).toEqual(['pr_000003', 'pr_000005']);
		expect(page1.next_cursor).toBeNull();
		const withDeleted = await (await call('GET', `/prospects?updated_since=${encodeURIComponent(mid)}&include_deleted=true`)).json();
		expect(withDeleted.data.map((p: { id: string }) => p.id)).toEqual(['pr_000003', 'pr_000005', 'pr_000004']);
		expect(withDeleted.data[2].deleted_at).toBeTruthy();
		const all1 = await (await call('GET', '/prospects?limit=3')).json();
		const all2 = await (await call('GET', `/prospects?limit=3&cursor=${all1.next_cursor}`)).json();
		expect([...all1.data, ...all2.data].map((p: { id: string }) => p.id)).toEqual(['pr_000001', 'pr_000002', 'pr_000003', 'pr_000005']);
	});

	it('a cursor walk never skips a record updated during the walk (read or unread): it shows up again at its new place', async () => {
		sb.seed({ prospects: Array.from({ length: 10 }, (_, i) => ({ contact_name: `W${i}` })) });
		const walk = async (query: string, during: (pageNo: number) => void) => {
			const seen: string[] = [];
			let cursor: string | null = null;
			let pageNo = 0;
			do {
				const res = await call('GET', `/prospects?limit=3${query}${cursor ? `&cursor=${cursor}` : ''}`);
				expect(res.status).toBe(200);
				const body = await res.json();
				seen.push(...body.data.map((p: { id: string }) => p.id));
				expect(body.next_cursor === null || /^c_[A-Za-z0-9_-]+$/.test(body.next_cursor)).toBe(true);
				cursor = body.next_cursor;
				during(++pageNo);
			} while (cursor);
			return seen;
		};
		const ids = Array.from({ length: 10 }, (_, i) => `pr_${String(i + 1).padStart(6, '0')}`);
		const touch = (id: string) => sb.prospects.update(id, { notes: 'changed during the walk' });

		// After page 1: one record not read yet (pr_000005) and one already read (pr_000002) change.
		const seen = await walk('', (n) => {
			if (n === 1) {
				touch('pr_000005');
				touch('pr_000002');
			}
		});
		expect(new Set(seen)).toEqual(new Set(ids));
		expect(seen.filter((id) => id === 'pr_000005')).toHaveLength(1);
		// The read one is seen again at its new place (it changed after its first reading).
		expect(seen.filter((id) => id === 'pr_000002')).toHaveLength(2);
		expect(seen.slice(-2)).toEqual(['pr_000005', 'pr_000002']);

		// Same with updated_since, changing the next unread record on every page.
		const since = new Date(sb.prospects.get('pr_000001')!.updatedAt).toISOString();
		const order = sb.prospects.live().map((r) => r.id);
		const seen2 = await walk(`&updated_since=${encodeURIComponent(since)}`, (n) => {
			if (n <= 3) touch(order[n * 3]);
		});
		expect(new Set(seen2)).toEqual(new Set(ids));
		for (const id of [order[3], order[6], order[9]]) expect(seen2).toContain(id);
	});

	it('an ids list keeps the updated_at order; a malformed or old offset cursor is a 400', async () => {
		sb.seed({ prospects: Array.from({ length: 4 }, (_, i) => ({ contact_name: `I${i}` })) });
		sb.prospects.update('pr_000001', { notes: 'newest now' });
		const byIds = await (await call('GET', '/prospects?ids=pr_000001,pr_000003,pr_000404,pr_000001')).json();
		expect(byIds.data.map((p: { id: string }) => p.id)).toEqual(['pr_000003', 'pr_000001']);
		const paged = await (await call('GET', '/prospects?ids=pr_000001,pr_000002,pr_000003&limit=2')).json();
		const rest = await (await call('GET', `/prospects?ids=pr_000001,pr_000002,pr_000003&limit=2&cursor=${paged.next_cursor}`)).json();
		expect([...paged.data, ...rest.data].map((p: { id: string }) => p.id)).toEqual(['pr_000002', 'pr_000003', 'pr_000001']);
		expect(rest.next_cursor).toBeNull();
		for (const cursor of ['c_!!!', `c_${Buffer.from('3').toString('base64url')}`, `c_${Buffer.from('[1,2]').toString('base64url')}`]) {
			const res = await call('GET', `/prospects?cursor=${cursor}`);
			expect(res.status).toBe(400);
			expect((await res.json()).error).toMatchObject({ code: 'bad_request', message: 'Invalid cursor' });
		}
	});

	it('the unique email stays enforced through create, delete, recreate, update-away and batch upsert', async () => {
		const create = async (email: string) => call('POST', '/prospects', { contact_name: 'X', email });
		const takenBy = async (res: JsonResponse) => {
			expect(res.status).toBe(409);
			const d = (await res.json()).error.details[0];
			expect(d).toMatchObject({ field: 'email', issue: 'taken' });
			return d.existing_id;
		};
		const first = await (await create('loop@example.com')).json();
		expect(await takenBy(await create('LOOP@example.com'))).toBe(first.id);
		await call('DELETE', `/prospects/${first.id}`);
		const second = await (await create('loop@example.com')).json();
		expect(await takenBy(await create('loop@example.com'))).toBe(second.id);
		await call('PATCH', `/prospects/${second.id}`, { email: 'away@example.com' });
		const third = await (await create('loop@example.com')).json();
		expect(await takenBy(await call('PATCH', `/prospects/${third.id}`, { email: 'Away@example.com' }))).toBe(second.id);
		expect((await call('PATCH', `/prospects/${second.id}`, { email: 'away@example.com', phone: '1' })).status).toBe(200);
		const batch = await (await call('POST', '/prospects/batch', { upsert: [{ contact_name: 'B', email: 'away@example.com' }, { id: third.id, email: 'fresh@example.com' }, { contact_name: 'C', email: 'loop@example.com' }] })).json();
		expect(batch.results.map((r: { status: string }) => r.status)).toEqual(['error', 'updated', 'created']);
		expect(batch.results[0].error.details[0]).toMatchObject({ issue: 'taken', existing_id: second.id });
		const byEmail = await (await call('GET', '/prospects?email=LOOP@example.com')).json();
		expect(byEmail.data.map((p: { id: string }) => p.id)).toEqual([batch.results[2].id]);
		// Deleted holders only with include_deleted; an empty email filter is no filter.
		const withDeleted = await (await call('GET', '/prospects?email=loop@example.com&include_deleted=true')).json();
		expect(withDeleted.data.map((p: { id: string }) => p.id)).toEqual([first.id, batch.results[2].id]);
		expect((await (await call('GET', '/prospects?email=')).json()).data).toHaveLength(3);
	});

	it('answers validation errors with the fields named, and 409 for a taken email', async () => {
		const bad = await call('POST', '/prospects', { email: 'not-an-email', estimated_value: 'lots', colour: 'red' });
		expect(bad.status).toBe(422);
		const body = await bad.json();
		expect(body.error.code).toBe('validation_failed');
		expect(body.error.details).toEqual(
			expect.arrayContaining([
				{ field: 'email', issue: 'invalid_format' },
				{ field: 'estimated_value', issue: 'must_be_number' },
				{ field: 'colour', issue: 'unknown_field' },
				{ field: 'contact_name', issue: 'required' },
			]),
		);
		await call('POST', '/prospects', { contact_name: 'A', email: 'a@example.com' });
		const dup = await call('POST', '/prospects', { contact_name: 'B', email: 'A@example.com' });
		expect(dup.status).toBe(409);
		expect((await dup.json()).error.details[0]).toMatchObject({ field: 'email', issue: 'taken', existing_id: 'pr_000001' });
	});

	it('batch upsert reports per record; one bad record does not fail the batch', async () => {
		const res = await (await call('POST', '/prospects/batch', { upsert: [{ contact_name: 'Good' }, { contact_name: 'Bad', email: 'x' }, { id: 'pr_404', contact_name: 'Missing' }] })).json();
		expect(res.results.map((r: { status: string }) => r.status)).toEqual(['created', 'error', 'error']);
		expect(res.results[1].error.code).toBe('validation_failed');
		expect(res.results[2].error.code).toBe('not_found');
		expect(sb.prospects.size).toBe(1);
	});

	it('rejects a wrong key with 401 and counts calls by endpoint', async () => {
		const res = await call('GET', '/prospects', undefined, 'wrong');
		expect(res.status).toBe(401);
		expect((await res.json()).error.code).toBe('unauthorized');
		await call('GET', '/me');
		expect(sb.calls.get('prospects.list')).toBe(1);
		expect(sb.calls.get('me')).toBe(1);
		expect(sb.callLog.map((c) => c.status)).toEqual([401, 200]);
	});

	it.each([
		['auth', 401, 'unauthorized'],
		['notFound', 404, 'not_found'],
		['server', 500, 'internal'],
	] as const)('fault %s answers %i with code %s', async (kind, status, code) => {
		sb.injectFault({ kind, endpoint: 'prospects.list', times: 1 });
		const res = await call('GET', '/prospects');
		expect(res.status).toBe(status);
		expect((await res.json()).error.code).toBe(code);
		expect((await call('GET', '/prospects')).status).toBe(200);
	});

	it('rate limit fault carries Retry-After and X-RateLimit headers', async () => {
		sb.injectFault({ kind: 'rateLimit', retryAfter: 7, times: 1 });
		const res = await call('GET', '/me');
		expect(res.status).toBe(429);
		expect(res.headers.get('retry-after')).toBe('7');
		expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
		expect((await res.json()).error.code).toBe('rate_limited');
	});

	it('lostResponse performs the write and drops the answer', async () => {
		sb.injectFault({ kind: 'lostResponse', endpoint: 'prospects.create', times: 1 });
		await expect(call('POST', '/prospects', { contact_name: 'Ghost' })).rejects.toThrow();
		expect(sb.prospects.size).toBe(1);
	});
});
