/**
 * Least-privilege Salesforce users (issue #16, item 4): the connection test needs only API access;
 * a missing permission (View Setup and Configuration for /limits, object access) is an error
 * whose hint names the permission or the object. Real jsforce against the sandbox over HTTP.
 */
for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[k];

import { SalesforceAdapter } from '../../../nodes/shared/crm/salesforce';
import type { ChangePage } from '../../../nodes/shared/crm/types';
import { SalesforceSandbox } from '../../sandboxes/salesforce';

describe('Salesforce least-privilege users', () => {
	const sb = new SalesforceSandbox();
	const make = () => new SalesforceAdapter({ baseUrl: sb.url, accessToken: sb.accessToken, retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 1000 }, ratePerSecond: 10_000 });
	async function drain(it: AsyncIterable<ChangePage>): Promise<number> {
		let n = 0;
		for await (const p of it) n += p.records.length;
		return n;
	}

	beforeAll(() => sb.start(0));
	afterAll(() => sb.stop());
	beforeEach(() => {
		sb.reset();
		sb.seedSample();
	});

	it('testConnection works without View Setup and Configuration: one call to the resources list, none to /limits', async () => {
		sb.permissions.viewSetup = false;
		const a = make();
		await expect(a.testConnection()).resolves.toBeUndefined();
		expect(sb.calls.get('resources')).toBe(1);
		expect(sb.calls.get('limits')).toBeUndefined();
		expect(a.stats.calls).toBe(1);
	});

	it('testConnection still fails clearly on a bad token', async () => {
		sb.expireAccessTokens();
		await expect(make().testConnection()).rejects.toMatchObject({ kind: 'auth_expired', code: 'INVALID_SESSION_ID' });
	});

	it('/limits without the permission: 403 INSUFFICIENT_ACCESS, the hint names View Setup and Configuration', async () => {
		sb.permissions.viewSetup = false;
		const a = make();
		const raw = await a.conn.request('/limits').catch((e: unknown) => e);
		const err = a.classify(raw);
		expect(err).toMatchObject({ status: 403, code: 'INSUFFICIENT_ACCESS', kind: 'validation' });
		expect(err.hint).toMatch(/View Setup and Configuration/);
	});

	it('an object the user cannot access: reads, describe and writes each say which object and which permission', async () => {
		sb.permissions.deniedObjects.add('Lead');
		const a = make();
		const read = await drain(a.listChangedSince('Lead', undefined)).catch((e) => e);
		expect(read).toMatchObject({ kind: 'validation', status: 400, code: 'INVALID_TYPE' });
		expect(read.hint).toMatch(/no access to the Lead object.*grant Read/);
		const describe = await a.listFields('Lead').catch((e) => e);
		expect(describe).toMatchObject({ kind: 'not_found', status: 404 });
		expect(describe.hint).toMatch(/no Lead object this user can see.*Read on Lead/);
		const res = await a.upsert('Lead', [{ ref: 'p1', fields: { LastName: 'X', Company: 'Y' } }]);
		expect(res[0].error).toMatchObject({ kind: 'validation', code: 'INSUFFICIENT_ACCESS_OR_READONLY', recordRef: 'p1' });
		expect(res[0].error!.hint).toMatch(/permission to change this record or the Lead object.*Read, Create and Edit on the Lead object/);
		// Other objects are unaffected.
		expect(await drain(a.listChangedSince('Contact', undefined))).toBe(5);
	});
});
