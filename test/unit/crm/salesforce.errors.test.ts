/**
 * Salesforce errors a busy org gives (issue #16, item 3), per record in a collection of 200 with
 * the other records succeeding, and for a whole request: the adapter classifies each (kind, code,
 * fields, a hint that says what to do), retries what is transient, and stops on a spent daily
 * allocation without another call. Real jsforce against the sandbox over HTTP.
 */
for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[k];

import { SalesforceAdapter, type SalesforceAdapterConfig } from '../../../nodes/shared/crm/salesforce';
import type { WriteInput } from '../../../nodes/shared/crm/types';
import { ERROR_HINTS } from '../../../nodes/shared/errors';
import { SalesforceSandbox, type SfRecordFault } from '../../sandboxes/salesforce';

const FAST = { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 2_000 };

describe('Salesforce errors of a busy org', () => {
	const sb = new SalesforceSandbox();
	const make = (over: Partial<SalesforceAdapterConfig> = {}) => new SalesforceAdapter({ baseUrl: sb.url, accessToken: sb.accessToken, retry: FAST, ratePerSecond: 10_000, ...over });
	const leads = (n: number, tag = 'L'): WriteInput[] => Array.from({ length: n }, (_, i) => ({ ref: `${tag}${i}`, fields: { LastName: `${tag} ${i}`, Company: 'Busy Co', Email: `${tag.toLowerCase()}${i}@busy.example` } }));
	const stored = (tag = 'L') => sb.records('Lead').filter((l) => String(l.LastName).startsWith(`${tag} `));

	beforeAll(() => sb.start(0));
	afterAll(() => sb.stop());
	beforeEach(() => sb.reset());

	describe('per record, in a collection of 200 (the other 199 are saved)', () => {
		const cases: Array<[SfRecordFault, { kind: string; fields?: string[]; message: RegExp; hint: RegExp }]> = [
			[{ code: 'DUPLICATES_DETECTED' }, { kind: 'validation', message: /DUPLICATES_DETECTED: Use one of these records\? \(duplicate rule Standard_Lead_Duplicate_Rule; matches 00Q/, hint: /duplicate rule of the Salesforce org.*Setup > Duplicate Rules/ }],
			[{ code: 'STORAGE_LIMIT_EXCEEDED' }, { kind: 'validation', message: /STORAGE_LIMIT_EXCEEDED: storage limit exceeded/, hint: /used all its data storage.*free storage/ }],
			[{ code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', field: 'Phone', message: 'Trade show leads need a phone number' }, { kind: 'validation', fields: ['Phone'], message: /FIELD_CUSTOM_VALIDATION_EXCEPTION: Trade show leads need a phone number/, hint: /validation rule of the Salesforce org/ }],
			[{ code: 'INVALID_FIELD_FOR_INSERT_UPDATE', field: 'Title' }, { kind: 'validation', fields: ['Title'], message: /Unable to create\/update fields: Title/, hint: /may not write this field \(field-level security/ }],
		];
		it.each(cases)('%o', async (fault, want) => {
			sb.seed({ Lead: [{ LastName: 'Existing', Company: 'Busy Co' }] });
			sb.failRecords({ ...fault, where: (r) => r.LastName === 'L 77' });
			const a = make();
			sb.resetCounters();
			const res = await a.upsert('Lead', leads(200));
			expect(sb.calls.get('collections.create')).toBe(1);
			expect(res.filter((r) => r.success)).toHaveLength(199);
			const bad = res[77];
			expect(bad).toMatchObject({ ref: 'L77', success: false });
			expect(bad.error).toMatchObject({ kind: want.kind, code: fault.code, recordRef: 'L77', ...(want.fields ? { fields: want.fields } : {}) });
			expect(bad.error!.message).toMatch(want.message);
			expect(bad.error!.hint).toMatch(want.hint);
			expect(bad.error!.hint).not.toBe(ERROR_HINTS.validation);
			expect(stored()).toHaveLength(199);
			expect(stored().some((l) => l.LastName === 'L 77')).toBe(false);
		});

		it('UNABLE_TO_LOCK_ROW is transient: only the locked records are resent after a back-off, every record saved once', async () => {
			const locked = new Set(['L 3', 'L 150', 'L 199']);
			sb.failRecords({ code: 'UNABLE_TO_LOCK_ROW', where: (r) => locked.has(String(r.LastName)), times: 3 });
			const slept: number[] = [];
			const a = make({ sleep: async (ms) => void slept.push(ms) });
			sb.resetCounters();
			const res = await a.upsert('Lead', leads(200));
			expect(res.every((r) => r.success && r.created)).toBe(true);
			// One call for the 200, one resend of the 3 locked records.
			expect(sb.calls.get('collections.create')).toBe(2);
			expect(a.stats).toMatchObject({ calls: 2, retries: 1 });
			expect(slept).toHaveLength(1);
			expect(stored()).toHaveLength(200);
			expect(new Set(stored().map((l) => l.LastName)).size).toBe(200);
		});

		it('a row that stays locked ends transient (queued for Retry, never as validation) after the policy attempts; updates too', async () => {
			sb.seed({ Lead: [{ LastName: 'Held', Company: 'Busy Co' }] });
			const held = sb.records('Lead')[0].Id as string;
			sb.failRecords({ code: 'UNABLE_TO_LOCK_ROW', where: (r) => r.Id === held || r.id === held });
			const a = make();
			sb.resetCounters();
			const res = await a.upsert('Lead', [{ ref: 'held', id: held, fields: { Title: 'CEO' } }, { ref: 'free', fields: { LastName: 'Free', Company: 'Busy Co' } }]);
			expect(res[1]).toMatchObject({ success: true, created: true });
			expect(res[0].error).toMatchObject({ kind: 'transient', code: 'UNABLE_TO_LOCK_ROW', recordRef: 'held' });
			expect(res[0].error!.retryable).toBe(true);
			expect(res[0].error!.hint).toMatch(/held this record or its parent locked/);
			expect(sb.calls.get('collections.update')).toBe(FAST.maxAttempts);
			expect(sb.calls.get('collections.create')).toBe(1);
			expect(sb.records('Lead').find((l) => l.Id === held)?.Title).toBeNull();
		});

		it('deletes: a locked row is resent, the others deleted once', async () => {
			sb.seed({ Lead: Array.from({ length: 5 }, (_, i) => ({ LastName: `D ${i}`, Company: 'Busy Co' })) });
			const ids = sb.records('Lead').map((l) => l.Id as string);
			// Collection deletes carry ids only: lock by the first call.
			sb.failRecords({ code: 'UNABLE_TO_LOCK_ROW', times: 1 });
			const a = make();
			sb.resetCounters();
			const res = await a.delete('Lead', ids);
			expect(res.every((r) => r.success)).toBe(true);
			expect(sb.calls.get('collections.delete')).toBe(2);
			expect(sb.records('Lead')).toHaveLength(0);
		});
	});

	describe('whole request ([{message, errorCode, fields}])', () => {
		it('UNABLE_TO_LOCK_ROW on an update call is retried and succeeds; the records are updated once', async () => {
			sb.seed({ Lead: Array.from({ length: 200 }, (_, i) => ({ LastName: `L ${i}`, Company: 'Busy Co' })) });
			const ids = sb.records('Lead').map((l) => l.Id as string);
			sb.failRequests({ code: 'UNABLE_TO_LOCK_ROW', endpoint: 'collections.update', times: 1 });
			const a = make();
			sb.resetCounters();
			const res = await a.upsert('Lead', ids.map((id, i) => ({ ref: `u${i}`, id, fields: { Title: 'Buyer' } })));
			expect(res.every((r) => r.success)).toBe(true);
			expect(sb.calls.get('collections.update')).toBe(2);
			expect(sb.records('Lead').every((l) => l.Title === 'Buyer')).toBe(true);
		});

		it('STORAGE_LIMIT_EXCEEDED for a whole create: every record gets the storage hint, nothing is resent', async () => {
			sb.failRequests({ code: 'STORAGE_LIMIT_EXCEEDED', endpoint: 'collections.create' });
			const a = make();
			sb.resetCounters();
			const res = await a.upsert('Lead', leads(200));
			expect(sb.calls.get('collections.create')).toBe(1);
			expect(res.every((r) => !r.success && r.error?.kind === 'validation' && r.error.code === 'STORAGE_LIMIT_EXCEEDED' && /data storage/.test(r.error.hint))).toBe(true);
			expect(res[5].error!.recordRef).toBe('L5');
		});

		it('REQUEST_LIMIT_EXCEEDED (the daily allocation): one call, no retry, no further call; every record queued as rate_limit', async () => {
			sb.enforceDailyLimit = true;
			sb.apiUsage = sb.dailyLimit; // the org's allocation is spent by other integrations
			const a = make();
			sb.resetCounters();
			const res = await a.upsert('Lead', leads(1000));
			// 5 chunks of 200 were due; after the first answer no call is sent.
			expect(sb.totalCalls()).toBe(1);
			expect(a.stats.calls).toBe(1);
			expect(a.stats.retries).toBe(0);
			expect(res).toHaveLength(1000);
			expect(res.every((r) => !r.success && r.error?.kind === 'rate_limit' && r.error.code === 'REQUEST_LIMIT_EXCEEDED')).toBe(true);
			expect(res[999].error!.recordRef).toBe('L999');
			expect(res[999].error!.hint).toMatch(/daily API request allocation.*rolling 24 hours.*queued/);
			// Later calls of the run fail at once too.
			await expect(a.getByIds('Lead', ['00Q5g0000000001AAA'])).rejects.toMatchObject({ kind: 'rate_limit', code: 'REQUEST_LIMIT_EXCEEDED' });
			expect(sb.totalCalls()).toBe(1);
			expect(stored()).toHaveLength(0);
		});

		it('the concurrent-request variant of REQUEST_LIMIT_EXCEEDED is still retried', async () => {
			sb.failRequests({ code: 'REQUEST_LIMIT_EXCEEDED', endpoint: 'collections.create', times: 1, message: 'ConcurrentRequests (Concurrent API Requests) Limit exceeded.' });
			const a = make();
			sb.resetCounters();
			const res = await a.upsert('Lead', leads(10));
			expect(res.every((r) => r.success)).toBe(true);
			expect(sb.calls.get('collections.create')).toBe(2);
			expect(stored()).toHaveLength(10);
		});
	});
});
