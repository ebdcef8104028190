/**
 * HubSpot batch update / upsert are all-or-nothing: one invalid input fails the whole batch with a
 * 400 (multi-status is documented for batch create only). The adapter bisects the rejected batch:
 * every valid record is written, each bad one gets its own field error, and the extra calls stay
 * within about k·⌈log2 100⌉ (k bad records in a batch of 100: at most k·(⌈log2 100⌉ + 2)),
 * counted by the sandbox.
 */
import { HubSpotAdapter } from '../../../nodes/shared/crm/hubspot';
import type { RetryPolicy } from '../../../nodes/shared/transport/retry';
import { HubSpotSandbox } from '../../sandboxes/hubspot';

delete process.env.HTTP_PROXY;
delete process.env.HTTPS_PROXY;
delete process.env.http_proxy;
delete process.env.https_proxy;

const TOKEN = 'pat-na1-split-test';
const FAST: RetryPolicy = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 1_000 };
const sb = new HubSpotSandbox();
const adapter = () => new HubSpotAdapter({ accessToken: TOKEN, baseUrl: sb.url, retry: FAST, ratePerSecond: 10_000, searchRatePerSecond: 10_000 });
const LOG2_100 = Math.ceil(Math.log2(100));

beforeAll(async () => {
	await sb.start(0);
	sb.setValidTokens([TOKEN]);
});
afterAll(() => sb.stop());
beforeEach(() => sb.reset());

async function hundredContacts(a: HubSpotAdapter): Promise<string[]> {
	const made = await a.upsert('contacts', Array.from({ length: 100 }, (_, i) => ({ ref: `c${i}`, fields: { email: `p${i}@example.com`, firstname: `P${i}` } })));
	expect(made.every((r) => r.success)).toBe(true);
	sb.resetCounters();
	return made.map((r) => r.id!);
}

describe('sandbox: batch update / upsert fail as a whole with HubSpot 400', () => {
	it('one invalid input: 400 VALIDATION_ERROR body, nothing written; the old 207 mode behind multiStatusBatches', async () => {
		const a = adapter();
		const ids = await hundredContacts(a);
		const body = (bad: string) => ({
			inputs: [
				{ id: ids[0], properties: { jobtitle: 'Boss' }, objectWriteTraceId: '0' },
				{ id: ids[1], properties: { lifecyclestage: bad }, objectWriteTraceId: '1' },
			],
		});
		const res = await fetch(`${sb.url}/crm/v3/objects/contacts/batch/update`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body('nonsense')) });
		expect(res.status).toBe(400);
		const json = (await res.json()) as Record<string, unknown>;
		expect(json).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
		expect(typeof json.correlationId).toBe('string');
		expect(json.errors).toEqual([expect.objectContaining({ code: 'INVALID_OPTION', context: { propertyName: ['lifecyclestage'] } })]);
		expect(sb.records('contacts').find((r) => r.id === ids[0])!.properties.jobtitle).toBeNull();

		sb.multiStatusBatches = 'all';
		const old = await fetch(`${sb.url}/crm/v3/objects/contacts/batch/update`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body('nonsense')) });
		expect(old.status).toBe(207);
		expect(sb.records('contacts').find((r) => r.id === ids[0])!.properties.jobtitle).toBe('Boss');
	});
});

describe('adapter: bisects a rejected batch', () => {
	it.each([
		[1, [0]],
		[1, [57]],
		[1, [99]],
		[3, [3, 41, 88]],
		[3, [10, 11, 12]],
	])('batch update of 100 with %i bad record(s) at %j: all valid written, each bad its own error, bounded extra calls', async (k, bad) => {
		const a = adapter();
		const ids = await hundredContacts(a);
		const res = await a.upsert(
			'contacts',
			ids.map((id, i) => ({ ref: `u${i}`, id, fields: bad.includes(i) ? { jobtitle: `T${i}`, lifecyclestage: 'not-a-stage' } : { jobtitle: `T${i}` } })),
		);
		const calls = sb.calls.get('objects.batch.update') ?? 0;
		const extra = calls - 1;
		// eslint-disable-next-line no-console
		const bound = k * (LOG2_100 + 2);
		console.log(`HubSpot batch update, ${k} bad in 100 at ${JSON.stringify(bad)}: ${extra} extra calls (bound ${bound})`);
		expect(extra).toBeGreaterThan(0);
		expect(extra).toBeLessThanOrEqual(bound);
		expect(sb.totalCalls()).toBe(calls);
		res.forEach((r, i) => {
			if (bad.includes(i)) {
				expect(r.success).toBe(false);
				expect(r.error).toMatchObject({ kind: 'validation', fields: ['lifecyclestage'], code: 'INVALID_OPTION', recordRef: `u${i}` });
				expect(r.error?.message).toContain('lifecyclestage');
			} else expect(r).toMatchObject({ ref: `u${i}`, success: true, id: ids[i], created: false });
		});
		const byId = new Map(sb.records('contacts').map((r) => [r.id, r.properties]));
		ids.forEach((id, i) => expect(byId.get(id)!.jobtitle).toBe(bad.includes(i) ? null : `T${i}`));
		expect(sb.records('contacts').length).toBe(100);
	});

	it('batch upsert by email with 3 bad inputs (invalid option): every valid one created or updated once', async () => {
		const a = adapter();
		await hundredContacts(a);
		const bad = [5, 50, 95];
		const res = await a.upsert(
			'contacts',
			Array.from({ length: 100 }, (_, i) => ({
				ref: `e${i}`,
				// Even: existing contacts (update); odd: new emails (create).
				fields: { email: i % 2 ? `new${i}@example.com` : `p${i}@example.com`, jobtitle: `J${i}`, ...(bad.includes(i) ? { hs_lead_status: 'WHATEVER' } : {}) },
			})),
			{ idProperty: 'email' },
		);
		const extra = (sb.calls.get('objects.batch.upsert') ?? 0) - 1;
		// eslint-disable-next-line no-console
		console.log(`HubSpot batch upsert, 3 bad in 100: ${extra} extra calls (bound ${3 * (LOG2_100 + 2)})`);
		expect(extra).toBeLessThanOrEqual(3 * (LOG2_100 + 2));
		res.forEach((r, i) => {
			if (bad.includes(i)) expect(r.error).toMatchObject({ kind: 'validation', fields: ['hs_lead_status'], recordRef: `e${i}` });
			else expect(r).toMatchObject({ success: true, created: i % 2 === 1 });
		});
		const emails = sb.records('contacts').map((r) => r.properties.email);
		expect(new Set(emails).size).toBe(emails.length);
		expect(emails.length).toBe(100 + 50 - bad.filter((i) => i % 2).length);
	});

	it('an unknown property on every input fails the batch once, without splitting', async () => {
		const a = adapter();
		const ids = await hundredContacts(a);
		const res = await a.upsert('contacts', ids.map((id, i) => ({ ref: `u${i}`, id, fields: { favourite_colour: 'red' } })));
		expect(sb.calls.get('objects.batch.update')).toBe(1);
		expect(res.every((r) => r.error?.kind === 'validation' && r.error.fields?.includes('favourite_colour'))).toBe(true);
	});

	it('an update of a deleted record (404 for the batch) splits to that record: not_found for it alone', async () => {
		const a = adapter();
		const ids = await hundredContacts(a);
		await a.delete('contacts', [ids[30]]);
		sb.resetCounters();
		const res = await a.upsert('contacts', ids.map((id, i) => ({ ref: `u${i}`, id, fields: { jobtitle: 'X' } })));
		expect(res[30].error).toMatchObject({ kind: 'not_found', recordRef: 'u30' });
		expect(res.filter((r) => r.success).length).toBe(99);
		expect((sb.calls.get('objects.batch.update') ?? 0) - 1).toBeLessThanOrEqual(LOG2_100 + 2);
	});
});
