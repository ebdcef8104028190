/**
 * The batch CRMs' one write loop (nodes/shared/crm/batch.ts) and its one retry rule (mayResend in
 * nodes/shared/transport/retry.ts), against the real Salesforce and HubSpot sandboxes through the
 * real SDKs; and every adapter's call forecast compared with the calls the sandboxes count.
 */
for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[k];

import { SalesforceAdapter, forecastSalesforceWrites } from '../../../nodes/shared/crm/salesforce';
import { HubSpotAdapter, forecastHubSpotWrites } from '../../../nodes/shared/crm/hubspot';
import { PipedriveAdapter, forecastPipedriveWrites } from '../../../nodes/shared/crm/pipedrive';
import type { CrmAdapter, WriteCounts, WriteInput } from '../../../nodes/shared/crm/types';
import { SyncError } from '../../../nodes/shared/errors';
import { mayResend } from '../../../nodes/shared/transport/retry';
import { forecastWrites } from '../../../nodes/shared/crm';
import { SalesforceSandbox } from '../../sandboxes/salesforce';
import { HubSpotSandbox } from '../../sandboxes/hubspot';
import { PipedriveSandbox } from '../../sandboxes/pipedrive';
import type { Sandbox } from '../../sandboxes/common';

const FAST = { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 2_000 };
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.min(ms, 5)));
const HS_TOKEN = 'pat-na1-99999999-2222-3333-4444-555555555555';
const PD_TOKEN = 'pd-batch-token-0123456789';

const sf = new SalesforceSandbox();
const hs = new HubSpotSandbox();
const pd = new PipedriveSandbox();

beforeAll(async () => {
	await Promise.all([sf.start(0), hs.start(0), pd.start(0)]);
	hs.setValidTokens([HS_TOKEN]);
	pd.setValidTokens([PD_TOKEN]);
});
afterAll(() => Promise.all([sf.stop(), hs.stop(), pd.stop()]));
beforeEach(() => {
	for (const s of [sf, hs, pd]) s.reset();
});

const salesforce = () => new SalesforceAdapter({ baseUrl: sf.url, accessToken: sf.accessToken, retry: FAST, ratePerSecond: 10_000, sleep });
const hubspot = () => new HubSpotAdapter({ accessToken: HS_TOKEN, baseUrl: hs.url, retry: FAST, ratePerSecond: 10_000, searchRatePerSecond: 10_000, sleep });
const pipedrive = () => new PipedriveAdapter({ apiToken: PD_TOKEN, baseUrl: pd.url, retry: FAST, ratePerSecond: 0, sleep });

describe('mayResend: the one retry rule', () => {
	const err = (kind: SyncError['kind'], status?: number) => new SyncError({ kind, status, message: 'x' });
	it('an idempotent call is resent on any retryable error, with or without an answer', () => {
		for (const e of [err('transient'), err('transient', 500), err('transient', 504), err('rate_limit', 429)]) expect(mayResend('idempotent', e)).toBe(true);
	});
	it('a create is resent only when the answer proves it was not applied (rate limit, 503)', () => {
		expect(mayResend('creates', err('rate_limit', 429))).toBe(true);
		expect(mayResend('creates', err('rate_limit', 403))).toBe(true);
		expect(mayResend('creates', err('transient', 503))).toBe(true);
		for (const e of [err('transient'), err('transient', 500), err('transient', 502), err('transient', 504)]) expect(mayResend('creates', e)).toBe(false);
	});
	it('nothing is resent on an error that is not retryable', () => {
		for (const s of ['idempotent', 'creates'] as const) for (const e of [err('validation', 400), err('not_found', 404), err('auth_expired', 401)]) expect(mayResend(s, e)).toBe(false);
	});
});

/** The two batch CRMs, described the same way so both face the same faults. */
const BATCH = [
	{
		crm: 'salesforce',
		sb: sf as Sandbox,
		make: salesforce as () => CrmAdapter,
		object: 'Lead',
		create: 'collections.create',
		upsert: 'collections.upsert',
		idProperty: 'FieldFlow_Id__c',
		fields: (i: number) => ({ LastName: `Batch ${i}`, Company: 'Batch Co', Email: `batch${i}@example.com` }),
		keyed: (i: number) => ({ FieldFlow_Id__c: `ff-${i}`, LastName: `Keyed ${i}`, Company: 'Keyed Co' }),
		stored: () => sf.records('Lead').length,
	},
	{
		crm: 'hubspot',
		sb: hs as Sandbox,
		make: hubspot as () => CrmAdapter,
		object: 'contacts',
		create: 'objects.batch.create',
		upsert: 'objects.batch.upsert',
		idProperty: 'email',
		fields: (i: number) => ({ email: `batch${i}@example.com`, firstname: `Batch${i}` }),
		keyed: (i: number) => ({ email: `keyed${i}@example.com`, firstname: `Keyed${i}` }),
		stored: () => hs.records('contacts').length,
	},
];

describe.each(BATCH)('$crm batch writes follow the one rule', (c) => {
	const inputs = (n: number, f: (i: number) => Record<string, unknown>): WriteInput[] => Array.from({ length: n }, (_, i) => ({ ref: `r${i}`, fields: f(i) }));

	it('a lost answer to an upsert by a unique property is resent: each record once, every result a success', async () => {
		c.sb.injectFault({ kind: 'lostResponse', endpoint: c.upsert, times: 1 });
		const res = await c.make().upsert(c.object, inputs(3, c.keyed), { idProperty: c.idProperty });
		expect(res.map((r) => r.success)).toEqual([true, true, true]);
		expect(c.sb.calls.get(c.upsert)).toBe(2);
		expect(c.stored()).toBe(3);
	});

	it('a lost answer to a plain create is not resent: the batch fails transient, the records exist once', async () => {
		c.sb.injectFault({ kind: 'lostResponse', endpoint: c.create, times: 1 });
		const res = await c.make().upsert(c.object, inputs(3, c.fields));
		expect(res.map((r) => r.error?.kind)).toEqual(['transient', 'transient', 'transient']);
		expect(c.sb.calls.get(c.create)).toBe(1);
		expect(c.stored()).toBe(3);
	});

	it('a 500 to a plain create is not resent (it may have been applied); a 500 to an upsert is', async () => {
		c.sb.injectFault({ kind: 'server', endpoint: c.create, times: 1 });
		const created = await c.make().upsert(c.object, inputs(2, c.fields));
		expect(created.map((r) => r.error?.status)).toEqual([500, 500]);
		expect(c.sb.calls.get(c.create)).toBe(1);
		c.sb.injectFault({ kind: 'server', endpoint: c.upsert, times: 1 });
		const upserted = await c.make().upsert(c.object, inputs(2, c.keyed), { idProperty: c.idProperty });
		expect(upserted.every((r) => r.success)).toBe(true);
		expect(c.sb.calls.get(c.upsert)).toBe(2);
	});

	it('a rate-limited create is resent (the vendor refused it) and lands once', async () => {
		c.sb.injectFault({ kind: 'rateLimit', endpoint: c.create, times: 1, retryAfter: 0 });
		const res = await c.make().upsert(c.object, inputs(2, c.fields));
		expect(res.every((r) => r.success && r.created === true)).toBe(true);
		expect(c.sb.calls.get(c.create)).toBe(2);
		expect(c.stored()).toBe(2);
	});
});

/** Creates, then updates of what was made, then deletes of it; returns the sandbox's counts per endpoint. */
async function writeAll(a: CrmAdapter, sb: Sandbox, object: string, n: number, fields: (i: number) => Record<string, unknown>, update: Record<string, unknown>): Promise<Record<string, number>> {
	sb.resetCounters();
	const made = await a.upsert(object, Array.from({ length: n }, (_, i) => ({ ref: `r${i}`, fields: fields(i) })));
	expect(made.every((r) => r.success)).toBe(true);
	const updated = await a.upsert(object, made.map((r) => ({ ref: r.ref, id: r.id!, fields: update })));
	expect(updated.every((r) => r.success)).toBe(true);
	const deleted = await a.delete(object, made.map((r) => r.id!));
	expect(deleted.every((r) => r.success)).toBe(true);
	return Object.fromEntries(sb.calls);
}

describe('forecastWrites equals the calls the sandboxes count', () => {
	const counts = (n: number): WriteCounts => ({ creates: n, updates: n, deletes: n });

	it('Salesforce, 250 creates + 250 updates + 250 deletes (chunks of 200)', async () => {
		const a = salesforce();
		const counted = await writeAll(a, sf, 'Lead', 250, (i) => ({ LastName: `F${i}`, Company: 'F Co' }), { Title: 'Updated' });
		expect(forecastSalesforceWrites(counts(250))).toEqual({ 'collections.create': 2, 'collections.update': 2, 'collections.delete': 2 });
		expect(a.forecastWrites('Lead', counts(250))).toEqual(counted);
		expect(a.stats.byEndpoint).toEqual(counted);
	});

	it('Salesforce upserts by an external id: ⌈n/200⌉ collections.upsert calls', async () => {
		const a = salesforce();
		const res = await a.upsert('Lead', Array.from({ length: 401 }, (_, i) => ({ ref: `k${i}`, fields: { FieldFlow_Id__c: `ff-${i}`, LastName: `K${i}`, Company: 'K' } })), { idProperty: 'FieldFlow_Id__c' });
		expect(res.every((r) => r.success)).toBe(true);
		expect(a.forecastWrites('Lead', { upserts: 401 })).toEqual(Object.fromEntries(sf.calls));
		expect(Object.fromEntries(sf.calls)).toEqual({ 'collections.upsert': 3 });
	});

	it('HubSpot, 150 creates + 150 updates + 150 deletes (chunks of 100; a delete reads its chunk first)', async () => {
		const a = hubspot();
		const counted = await writeAll(a, hs, 'contacts', 150, (i) => ({ email: `f${i}@example.com`, firstname: `F${i}` }), { lastname: 'Updated' });
		expect(forecastHubSpotWrites(counts(150))).toEqual({ 'objects.batch.create': 2, 'objects.batch.update': 2, 'objects.batch.read': 2, 'objects.batch.archive': 2 });
		expect(a.forecastWrites('contacts', counts(150))).toEqual(counted);
		expect(a.stats.byEndpoint).toEqual(counted);
	});

	it('HubSpot upserts by a unique property: ⌈n/100⌉ objects.batch.upsert calls', async () => {
		const a = hubspot();
		const res = await a.upsert('contacts', Array.from({ length: 201 }, (_, i) => ({ ref: `k${i}`, fields: { email: `k${i}@example.com` } })), { idProperty: 'email' });
		expect(res.every((r) => r.success)).toBe(true);
		expect(a.forecastWrites('contacts', { upserts: 201 })).toEqual(Object.fromEntries(hs.calls));
		expect(Object.fromEntries(hs.calls)).toEqual({ 'objects.batch.upsert': 3 });
	});

	it('Pipedrive, 5 creates + 5 updates + 5 deletes (one call per record)', async () => {
		const a = pipedrive();
		const counted = await writeAll(a, pd, 'persons', 5, (i) => ({ name: `F ${i}`, email: `f${i}@example.com` }), { name: 'Updated' });
		expect(forecastPipedriveWrites('persons', counts(5))).toEqual({ 'persons.create': 5, 'persons.update': 5, 'persons.delete': 5 });
		expect(a.forecastWrites('persons', counts(5))).toEqual(counted);
		expect(a.stats.byEndpoint).toEqual(counted);
	});

	it('Pipedrive upserts by email: a search and a create per new person', async () => {
		const a = pipedrive();
		const res = await a.upsert('persons', Array.from({ length: 3 }, (_, i) => ({ ref: `k${i}`, fields: { name: `K ${i}`, email: `k${i}@example.com` } })), { idProperty: 'email' });
		expect(res.every((r) => r.success && r.created)).toBe(true);
		expect(a.forecastWrites('persons', { upserts: 3 })).toEqual(Object.fromEntries(pd.calls));
	});
});

describe('forecastWrites without credentials (crm/index.ts)', () => {
	it('gives what each adapter forecasts, and refuses what the adapter would refuse', () => {
		const counts: WriteCounts = { creates: 401, updates: 1, upserts: 2, deletes: 100 };
		expect(forecastWrites('salesforce', 'Contact', counts)).toEqual(salesforce().forecastWrites('Contact', counts));
		expect(forecastWrites('salesforce', 'Contact', counts)).toEqual({ 'collections.create': 3, 'collections.update': 1, 'collections.upsert': 1, 'collections.delete': 1 });
		expect(forecastWrites('hubspot', 'deals', counts)).toEqual(hubspot().forecastWrites('deals', counts));
		expect(forecastWrites('pipedrive', 'deals', counts)).toEqual({ 'deals.create': 401, 'deals.update': 1, 'deals.delete': 100 });
		expect(() => forecastWrites('pipedrive', 'leads', counts)).toThrow(SyncError);
		expect(() => pipedrive().forecastWrites('leads', counts)).toThrow(SyncError);
	});
});
