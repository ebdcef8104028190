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
