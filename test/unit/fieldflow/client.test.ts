/**
 * The engine's FieldFlow client against the sandbox: paging, batch writes with per-record
 * results, the error kinds, Retry-After, no retry of a create whose answer was lost, no secret in
 * any error.
 */
import { FieldFlowClient } from '../../../nodes/shared/fieldflow/client';
import { SyncError } from '../../../nodes/shared/errors';
import { FieldFlowSandbox, FIELDFLOW_SANDBOX_KEY } from '../../sandboxes/fieldflow';

describe('FieldFlowClient', () => {
	const sb = new FieldFlowSandbox();
	const waits: number[] = [];
	let client: FieldFlowClient;

	beforeAll(async () => {
		await sb.start();
	});
	afterAll(() => sb.stop());
	beforeEach(() => {
		sb.reset();
		waits.length = 0;
		client = new FieldFlowClient({
			apiKey: FIELDFLOW_SANDBOX_KEY,
			baseUrl: `${sb.url}/v1`,
			ratePerSecond: 1000,
			retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 60_000 },
			sleep: async (ms) => {
				waits.push(ms);
			},
		});
	});

	it('walks every page of a changed-since read', async () => {
		sb.seed({ prospects: Array.from({ length: 450 }, (_, i) => ({ contact_name: `P${i}` })) });
		const ids: string[] = [];
		for await (const page of client.pages('prospects', { updatedSince: '2000-01-01T00:00:00Z' })) ids.push(...page.data.map((p) => p.id));
		expect(ids).toHaveLength(450);
		expect(new Set(ids).size).toBe(450);
		expect(sb.calls.get('prospects.list')).toBe(3);
		expect(client.stats.calls).toBe(3);
	});

	it('upserts 250 prospects in 3 batch calls with one result per input, the bad one failing alone', async () => {
		const inputs = Array.from({ length: 250 }, (_, i) => ({ ref: `r${i}`, fields: { contact_name: `P${i}`, email: i === 7 ? 'broken' : `p${i}@example.com` } }));
		const results = await client.upsertProspects(inputs);
		expect(results.map((r) => r.ref)).toEqual(inputs.map((i) => i.ref));
		expect(results.filter((r) => r.success)).toHaveLength(249);
		const bad = results[7];
		expect(bad.success).toBe(false);
		expect(bad.error).toBeInstanceOf(SyncError);
		expect(bad.error).toMatchObject({ kind: 'validation', fields: ['email'], recordRef: 'r7' });
		expect(sb.calls.get('prospects.batch')).toBe(3);
		expect(sb.prospects.size).toBe(249);
	});

	it('bad records among 100 in one batch call (invalid email, email taken, email taken earlier in the batch): per-record results, the others written with one updated_at', async () => {
		sb.seed({ prospects: [{ contact_name: 'Existing', email: 'taken@example.com' }] });
		const inputs = Array.from({ length: 100 }, (_, i) => ({ ref: `b${i}`, fields: { contact_name: `B${i}`, email: `b${i}@example.com` } as Record<string, unknown> }));
		inputs[42].fields.email = 'not an email';
		inputs[77].fields.email = 'taken@example.com';
		inputs[90].fields.email = 'b10@example.com'; // taken by an earlier record of the same batch
		sb.resetCounters();
		const results = await client.upsertProspects(inputs);
		expect(sb.calls.get('prospects.batch')).toBe(1);
		expect(results.map((r) => r.ref)).toEqual(inputs.map((i) => i.ref));
		expect(results.filter((r) => r.success)).toHaveLength(97);
		expect(results[42].error).toMatchObject({ kind: 'validation', fields: ['email'], recordRef: 'b42' });
		expect(results[77].error).toMatchObject({ kind: 'validation', code: 'conflict', fields: ['email'], recordRef: 'b77' });
		expect(results[90].error).toMatchObject({ kind: 'validation', code: 'conflict', fields: ['email'], recordRef: 'b90' });
		expect(results[10].success).toBe(true);
		expect(sb.prospects.size).toBe(98);
		const written = results.filter((r) => r.success).map((r) => sb.prospects.get(r.id!)!);
		// One batch, one transaction time: every record it wrote has the same updated_at.
		expect(new Set(written.map((r) => r.updatedAt)).size).toBe(1);
		expect(new Set(results.filter((r) => r.success).map((r) => (r.record as { updated_at: string }).updated_at)).size).toBe(1);
		// The next batch gets a later time.
		const [next] = await client.upsertProspects([{ ref: 'n', fields: { contact_name: 'Next' } }]);
		expect(sb.prospects.get(next.id!)!.updatedAt).toBeGreaterThan(written[0].updatedAt);
	});

	it('reads records by id 200 per call, skipping ids that do not exist', async () => {
		sb.seed({ prospects: Array.from({ length: 250 }, (_, i) => ({ contact_name: `P${i}` })) });
		sb.prospects.remove('pr_000010');
		const ids = [...Array.from({ length: 250 }, (_, i) => `pr_${String(i + 1).padStart(6, '0')}`), 'pr_999999'];
		const got = await client.getByIds('prospects', ids);
		expect(got).toHaveLength(249);
		expect(got.map((p) => p.id)).not.toContain('pr_000010');
		expect(sb.calls.get('prospects.list')).toBe(2);
	});

	it('honours Retry-After on 429 and succeeds', async () => {
		sb.injectFault({ kind: 'rateLimit', endpoint: 'prospects.list', retryAfter: 3, times: 2 });
		const page = await client.list('prospects');
		expect(page.data).toEqual([]);
		// (the throttle gate also sleeps a few ms after a 429 drains it)
		expect(waits.filter((w) => w >= 1000)).toEqual([3000, 3000]);
		expect(client.stats.retries).toBe(2);
		expect(sb.calls.get('prospects.list')).toBe(3);
	});

	it.each([
		['auth', 'auth_expired', 401],
		['notFound', 'not_found', 404],
		['validation', 'validation', 400],
	] as const)('classifies a %s fault as %s without retrying', async (kind, expected, status) => {
		sb.injectFault({ kind, endpoint: 'prospects.get' });
		const err = await client.get('prospects', 'pr_000001').catch((e) => e);
		expect(err).toBeInstanceOf(SyncError);
		expect(err).toMatchObject({ kind: expected, status, recordRef: 'pr_000001' });
		expect(err.hint).toBeTruthy();
		expect(sb.calls.get('prospects.get')).toBe(1);
	});

	it('retries 5xx on reads, then reports transient', async () => {
		sb.injectFault({ kind: 'server', endpoint: 'prospects.list' });
		const err = await client.list('prospects').catch((e) => e);
		expect(err).toMatchObject({ kind: 'transient', status: 500 });
		expect(sb.calls.get('prospects.list')).toBe(4);
	});

	it('does not retry a create whose answer was lost (it may have happened)', async () => {
		sb.injectFault({ kind: 'lostResponse', endpoint: 'prospects.create', times: 1 });
		const err = await client.create('prospects', { contact_name: 'Once' }).catch((e) => e);
		expect(err).toMatchObject({ kind: 'transient' });
		expect(sb.calls.get('prospects.create')).toBe(1);
		expect(sb.prospects.size).toBe(1);
	});

	it('sends a batch upsert (it creates) again only when the answer proves it was refused: 429 yes; 500 or a lost answer no', async () => {
		const batch = [{ ref: 'r1', fields: { contact_name: 'Batch Once' } }];
		sb.injectFault({ kind: 'server', endpoint: 'prospects.batch', times: 1 });
		expect(await client.upsertProspects(batch)).toMatchObject([{ success: false, error: { kind: 'transient', status: 500 } }]);
		expect(sb.calls.get('prospects.batch')).toBe(1);
		sb.injectFault({ kind: 'lostResponse', endpoint: 'prospects.batch', times: 1 });
		expect(await client.upsertProspects(batch)).toMatchObject([{ success: false, error: { kind: 'transient' } }]);
		expect(sb.calls.get('prospects.batch')).toBe(2);
		sb.injectFault({ kind: 'rateLimit', endpoint: 'prospects.batch', retryAfter: 1, times: 1 });
		expect(await client.upsertProspects(batch)).toMatchObject([{ success: true }]);
		expect(sb.calls.get('prospects.batch')).toBe(4);
	});

	it('reports a body that is not JSON as a transient error (retried on reads), not a crash', async () => {
		sb.injectFault({ kind: 'malformed', endpoint: 'prospects.list', times: 1 });
		await expect(client.list('prospects')).resolves.toMatchObject({ data: [] });
		sb.injectFault({ kind: 'malformed', endpoint: 'prospects.list' });
		await expect(client.list('prospects')).rejects.toMatchObject({ kind: 'transient', code: 'MALFORMED_RESPONSE', message: expect.stringContaining('not valid JSON') });
		expect(sb.callLog.filter((c) => c.endpoint === 'prospects.list')).toHaveLength(2 + 4); // one retried to success, then maxAttempts
	});

	it('never puts the API key in an error', async () => {
		const bad = new FieldFlowClient({ apiKey: 'ff_secret_never_shown_123', baseUrl: `${sb.url}/v1`, retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 } });
		const err = await bad.me().catch((e) => e);
		expect(err.kind).toBe('auth_expired');
		expect(JSON.stringify({ ...err.toJSON(), stack: err.stack, message: err.message })).not.toContain('ff_secret_never_shown_123');
	});
});
