/**
 * Bad answers from the APIs, through the real SDKs against the sandboxes: a body that is not JSON
 * (on writes and on reads), and a token that expires in the middle of a Pipedrive batch. Each CRM
 * must classify the same fault the same way (one classifier: transient = retry later) and stop
 * calling once the token is gone.
 */
for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[k];

import { createAdapter, type CrmName } from '../../../nodes/shared/crm';
import { FieldFlowClient } from '../../../nodes/shared/fieldflow/client';
import { SyncError } from '../../../nodes/shared/errors';
import { startSandboxes, sandboxCredentials, type Sandboxes } from '../../sandboxes';
import { FIELDFLOW_SANDBOX_KEY } from '../../sandboxes/fieldflow';

let sb: Sandboxes;
beforeAll(async () => {
	sb = await startSandboxes();
});
afterAll(() => sb.stop());
beforeEach(() => {
	for (const s of [sb.fieldflow, sb.salesforce, sb.hubspot, sb.pipedrive]) s.reset();
});

const CRMS: CrmName[] = ['salesforce', 'hubspot', 'pipedrive'];
const OBJECT: Record<CrmName, string> = { salesforce: 'Lead', hubspot: 'contacts', pipedrive: 'persons' };
const CREATE: Record<CrmName, string> = { salesforce: 'collections.create', hubspot: 'objects.batch.create', pipedrive: 'persons.create' };
const LIST: Record<CrmName, RegExp> = { salesforce: /^query/, hubspot: /^objects\.(list|search)$/, pipedrive: /^persons\.list$/ };
const FAST = { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 50 };

function adapter(crm: CrmName) {
	const type = { salesforce: 'fieldFlowSalesforceApi', hubspot: 'fieldFlowHubSpotApi', pipedrive: 'fieldFlowPipedriveApi' }[crm];
	const cred = sandboxCredentials(sb).find((c) => c.type === type)!;
	const data: Record<string, unknown> = { ...cred.data };
	if (crm === 'salesforce') data.accessToken = sb.salesforce.accessToken;
	return createAdapter(crm, data, { [crm]: { ratePerSecond: 10_000, retry: FAST } });
}

function person(crm: CrmName, i: number): Record<string, unknown> {
	const email = `p${i}@${crm}.example`;
	if (crm === 'salesforce') return { LastName: `Lee${i}`, Company: `Co ${i}`, Email: email };
	if (crm === 'hubspot') return { lastname: `Lee${i}`, email };
	return { name: `Pat Lee${i}`, email: [{ value: email, primary: true }] };
}

describe.each(CRMS)('%s: an answer that is not JSON', (crm) => {
	it('to a create: every record of the batch fails as transient (retry later), never as validation', async () => {
		sb[crm].injectFault({ kind: 'malformed', endpoint: CREATE[crm], times: 1 });
		const res = await adapter(crm).upsert(OBJECT[crm], [1, 2].map((i) => ({ ref: `r${i}`, fields: person(crm, i) })));
		const failed = res.filter((r) => !r.success);
		expect(failed.length).toBeGreaterThan(0);
		for (const r of failed) {
			expect(r.error).toBeInstanceOf(SyncError);
			expect(r.error!.kind).toBe('transient');
			expect(r.error!.retryable).toBe(true);
			expect(r.error!.message).toMatch(/json/i);
		}
	});

	it('to a read of changed records: the read throws a transient SyncError (nothing is half-read)', async () => {
		await adapter(crm).upsert(OBJECT[crm], [{ ref: 'a', fields: person(crm, 9) }]);
		sb[crm].injectFault({ kind: 'malformed', endpoint: LIST[crm] });
		const read = async () => {
			for await (const page of adapter(crm).listChangedSince(OBJECT[crm], undefined)) void page;
		};
		const err = await read().catch((e) => e);
		expect(err).toBeInstanceOf(SyncError);
		expect((err as SyncError).kind).toBe('transient');
		expect((err as SyncError).code).toBe('MALFORMED_RESPONSE');
		expect((err as SyncError).message).toMatch(/not valid JSON/);
	});
});

describe('FieldFlow: an answer that is not JSON', () => {
	it('to a read of changed prospects: a transient SyncError', async () => {
		sb.fieldflow.seed({ prospects: [{ company_name: 'A', contact_name: 'B C', email: 'b@c.example', status: 'new' }] });
		sb.fieldflow.injectFault({ kind: 'malformed' });
		const cred = sandboxCredentials(sb).find((c) => c.type === 'fieldFlowApi')!;
		const client = new FieldFlowClient({ baseUrl: String(cred.data.baseUrl), apiKey: FIELDFLOW_SANDBOX_KEY, retry: FAST });
		const err = await (async () => {
			for await (const page of client.pages('prospects', { updatedSince: '2000-01-01T00:00:00Z' })) void page;
		})().catch((e) => e);
		expect(err).toBeInstanceOf(SyncError);
		expect((err as SyncError).kind).toBe('transient');
	});
});

describe('pipedrive: a token that expires in the middle of a batch', () => {
	it('stops calling after the first 401: the writes not started yet are auth_expired without a call', async () => {
		const n = 30;
		// The token dies once two creates were sent.
		let calls = 0;
		const watch = setInterval(() => {
			calls = sb.pipedrive.callLog.filter((c) => c.endpoint === 'persons.create').length;
			if (calls >= 2) sb.pipedrive.injectFault({ kind: 'auth' });
		}, 0);
		const a = adapter('pipedrive');
		const res = await a.upsert('persons', Array.from({ length: n }, (_, i) => ({ ref: `r${i}`, fields: person('pipedrive', i) })));
		clearInterval(watch);
		const creates = sb.pipedrive.callLog.filter((c) => c.endpoint === 'persons.create');
		const refused = creates.filter((c) => c.status === 401).length;
		expect(refused).toBeGreaterThan(0);
		// At most the writes already in flight (the pool) see a 401; the rest never leave.
		expect(refused).toBeLessThanOrEqual(4);
		expect(creates.length).toBeLessThan(n);
		const written = res.filter((r) => r.success);
		const failed = res.filter((r) => !r.success);
		expect(written.length + failed.length).toBe(n);
		for (const r of failed) expect(r.error!.kind).toBe('auth_expired');
		expect(failed.length).toBeGreaterThan(n - 10);
	});
});

describe.each(CRMS)('%s: a value longer than any CRM field holds', (crm) => {
	it('fails that record only, before anything is sent for it (a 50 MB value never reaches the wire)', async () => {
		const huge = 'x'.repeat(50 * 1024 * 1024);
		const long = (f: Record<string, unknown>) => (crm === 'salesforce' ? { ...f, Description: huge } : crm === 'hubspot' ? { ...f, company: huge } : { ...f, name: huge });
		const res = await adapter(crm).upsert(OBJECT[crm], [
			{ ref: 'ok1', fields: person(crm, 1) },
			{ ref: 'big', fields: long(person(crm, 2)) },
			{ ref: 'ok3', fields: person(crm, 3) },
		]);
		expect(res.map((r) => r.success)).toEqual([true, false, true]);
		const err = res[1].error!;
		expect(err.kind).toBe('validation');
		expect(err.code).toBe('VALUE_TOO_LONG');
		expect(err.message).toMatch(/big: field '(Description|company|name)' is 52,428,800 characters long/);
		const sent = sb[crm].callLog.filter((c) => c.method === 'POST').length;
		expect(sent).toBe(crm === 'pipedrive' ? 2 : 1);
	});
});

describe.each(CRMS)('%s: a read answered with JSON of an unexpected shape', (crm) => {
	it('is a transient MALFORMED_RESPONSE error, not a crash or an empty page', async () => {
		await adapter(crm).upsert(OBJECT[crm], [{ ref: 'a', fields: person(crm, 7) }]);
		sb[crm].injectFault({ kind: 'unexpected', endpoint: LIST[crm] });
		const pages: unknown[] = [];
		const err = await (async () => {
			for await (const page of adapter(crm).listChangedSince(OBJECT[crm], undefined)) pages.push(page);
		})().catch((e) => e);
		expect(pages).toEqual([]);
		expect(err).toBeInstanceOf(SyncError);
		expect((err as SyncError).kind).toBe('transient');
		expect((err as SyncError).code).toBe('MALFORMED_RESPONSE');
	});

	it('to a create: the batch fails as transient (retry later), nothing is taken for written', async () => {
		sb[crm].injectFault({ kind: 'unexpected', endpoint: CREATE[crm], times: 1 });
		const res = await adapter(crm).upsert(OBJECT[crm], [1, 2].map((i) => ({ ref: `u${i}`, fields: person(crm, 20 + i) })));
		const failed = res.filter((r) => !r.success);
		expect(failed.length).toBeGreaterThan(0);
		for (const r of failed) expect([r.error!.kind, r.error!.code]).toEqual(['transient', 'MALFORMED_RESPONSE']);
		for (const r of res.filter((x) => x.success)) expect(r.id).toBeTruthy();
	});
});

describe('FieldFlow: a read answered with JSON of an unexpected shape', () => {
	it('is a transient MALFORMED_RESPONSE error', async () => {
		sb.fieldflow.injectFault({ kind: 'unexpected', endpoint: 'prospects.list' });
		const cred = sandboxCredentials(sb).find((c) => c.type === 'fieldFlowApi')!;
		const client = new FieldFlowClient({ baseUrl: String(cred.data.baseUrl), apiKey: FIELDFLOW_SANDBOX_KEY, retry: FAST });
		const err = await client.list('prospects').catch((e) => e);
		expect([err.kind, err.code]).toEqual(['transient', 'MALFORMED_RESPONSE']);
	});
});
