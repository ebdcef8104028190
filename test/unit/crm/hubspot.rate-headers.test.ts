/**
 * HubSpot's rate limits as its headers tell them (sandbox `rateLimit`): every non-search answer
 * carries X-HubSpot-RateLimit-Max / -Remaining / -Interval-Milliseconds / -Daily / -Daily-Remaining,
 * a call past the rolling window's budget is refused with 429, and search has its own limit without
 * headers. The adapter paces its general gate from the headers (RateGate.observe), so a bulk sync
 * under a budget below its fixed rate finishes with 0 429s. Counted by the sandbox, not timed.
 */
import { HubSpotAdapter } from '../../../nodes/shared/crm/hubspot';
import { HubSpotSandbox } from '../../sandboxes/hubspot';

delete process.env.HTTP_PROXY;
delete process.env.HTTPS_PROXY;
delete process.env.http_proxy;
delete process.env.https_proxy;

const TOKEN = 'pat-na1-rate-test';
const sb = new HubSpotSandbox();
// A fixed rate far above the budget: only the headers can keep the adapter under it (the SDK's own
// limiter still admits 9 calls per second).
const adapter = () => new HubSpotAdapter({ accessToken: TOKEN, baseUrl: sb.url, ratePerSecond: 10_000, searchRatePerSecond: 4 });
const N = 1_500;

beforeAll(async () => {
	await sb.start(0);
	sb.setValidTokens([TOKEN]);
});
afterAll(() => sb.stop());
beforeEach(() => sb.reset());

const people = (n: number, tag: string) => Array.from({ length: n }, (_, i) => ({ ref: `${tag}${i}`, fields: { email: `${tag}${i}@example.com`, firstname: tag } }));

describe('sandbox rate limit', () => {
	it('sends the documented headers, refuses past the window with 429 RATE_LIMITS, and search answers without the headers', async () => {
		sb.rateLimit = { max: 3, intervalMs: 60_000, daily: 1000 };
		const get = () => fetch(`${sb.url}/crm/v3/objects/contacts?limit=1`, { headers: { authorization: `Bearer ${TOKEN}` } });
		const first = await get();
		expect(first.status).toBe(200);
		expect(Object.fromEntries([...first.headers].filter(([k]) => k.startsWith('x-hubspot-ratelimit')))).toEqual({
			'x-hubspot-ratelimit-daily': '1000',
			'x-hubspot-ratelimit-daily-remaining': '999',
			'x-hubspot-ratelimit-interval-milliseconds': '60000',
			'x-hubspot-ratelimit-max': '3',
			'x-hubspot-ratelimit-remaining': '2',
		});
		await get();
		expect((await get()).headers.get('x-hubspot-ratelimit-remaining')).toBe('0');
		const refused = await get();
		expect(refused.status).toBe(429);
		expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
		expect(await refused.json()).toMatchObject({ status: 'error', category: 'RATE_LIMITS', policyName: 'TEN_SECONDLY_ROLLING' });
		const search = await fetch(`${sb.url}/crm/v3/objects/contacts/search`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: '{}' });
		expect(search.status).toBe(200);
		expect([...search.headers.keys()].filter((k) => k.startsWith('x-hubspot-ratelimit'))).toEqual([]);
		expect(sb.rateLimited).toBe(1);
	});
});

describe('adapter paces itself from the headers', () => {
	it(`a batch sync of ${N} creates and ${N} updates under 5 calls per second: 0 429s, no call beyond the batches`, async () => {
		sb.rateLimit = { max: 5, intervalMs: 1000 };
		const a = adapter();
		const made = await a.upsert('contacts', people(N, 'p'));
		expect(made.every((r) => r.success)).toBe(true);
		const updated = await a.upsert('contacts', made.map((r, i) => ({ ref: `u${i}`, id: r.id, fields: { jobtitle: 'Paced' } })));
		expect(updated.every((r) => r.success)).toBe(true);
		const batches = 2 * Math.ceil(N / 100);
		expect(sb.rateLimited).toBe(0);
		expect(sb.callLog.filter((c) => c.status === 429)).toEqual([]);
		expect(sb.totalCalls()).toBe(batches);
		expect(a.stats).toMatchObject({ calls: batches, retries: 0 });
		expect(sb.records('contacts').filter((r) => r.properties.jobtitle === 'Paced').length).toBe(N);
	});

	it('the same sync without the headers trips the limit (what the pacing saves), and still writes everything once', async () => {
		sb.rateLimit = { max: 5, intervalMs: 1000, headers: false };
		const a = adapter();
		const made = await a.upsert('contacts', people(N, 'q'));
		expect(made.every((r) => r.success)).toBe(true);
		expect(sb.rateLimited).toBeGreaterThan(0);
		expect(a.stats.retries).toBe(sb.rateLimited);
		expect(sb.records('contacts').length).toBe(N);
		// eslint-disable-next-line no-console
		console.log(`HubSpot, 5 calls/s budget, ${N} creates: with the headers 0 429s; without them ${sb.rateLimited} 429s`);
	});

	it('changed-since reads (search, its own 5 per second limit, no headers) stay under it on the fixed search rate', async () => {
		const a = adapter();
		await a.upsert('contacts', people(1_200, 's'));
		sb.rateLimit = { max: 100, intervalMs: 10_000, searchPerSecond: 5 };
		let n = 0;
		for await (const p of a.listChangedSince('contacts', undefined, { pageSize: 100 })) n += p.records.length;
		expect(n).toBe(1_200);
		expect(sb.calls.get('objects.search')).toBe(12);
		expect(sb.rateLimited).toBe(0);
	});
});
