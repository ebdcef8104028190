/**
 * A private-app token without a scope the call needs: HubSpot answers 403 MISSING_SCOPES naming
 * the required scope (sandbox `grantedScopes`). The adapter's error is auth_expired (the run stops
 * and queues; the user adds the scope and reconnects) and names the scope in its message and hint.
 */
import { HubSpotAdapter } from '../../../nodes/shared/crm/hubspot';
import { SyncError } from '../../../nodes/shared/errors';
import { HubSpotSandbox } from '../../sandboxes/hubspot';
import { rejection } from '../../support/rejection';

delete process.env.HTTP_PROXY;
delete process.env.HTTPS_PROXY;
delete process.env.http_proxy;
delete process.env.https_proxy;

const TOKEN = 'pat-na1-scopes-test';
const sb = new HubSpotSandbox();
const adapter = () => new HubSpotAdapter({ accessToken: TOKEN, baseUrl: sb.url, ratePerSecond: 10_000, searchRatePerSecond: 10_000 });

beforeAll(async () => {
	await sb.start(0);
	sb.setValidTokens([TOKEN]);
});
afterAll(() => sb.stop());
beforeEach(() => {
	sb.reset();
	sb.seedSample();
});

it('the sandbox answers 403 in HubSpot shape with the required scope', async () => {
	sb.grantedScopes = new Set(['crm.objects.contacts.read']);
	const res = await fetch(`${sb.url}/crm/v3/objects/deals?limit=1`, { headers: { authorization: `Bearer ${TOKEN}` } });
	expect(res.status).toBe(403);
	const body = (await res.json()) as Record<string, unknown>;
	expect(body).toMatchObject({ status: 'error', category: 'MISSING_SCOPES', errors: [{ context: { requiredGranularScopes: ['crm.objects.deals.read'] } }] });
	expect(typeof body.correlationId).toBe('string');
	expect((await fetch(`${sb.url}/crm/v3/objects/contacts?limit=1`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
});

it('a read without its scope: auth_expired naming the scope to add, one call, no retry', async () => {
	sb.grantedScopes = new Set(['crm.objects.contacts.read', 'crm.objects.contacts.write']);
	const a = adapter();
	const e = await rejection((async () => {
		for await (const page of a.listChangedSince('deals', undefined)) void page;
	})());
	expect(e).toMatchObject({ kind: 'auth_expired', status: 403, code: 'MISSING_SCOPES' });
	expect(e.hint).toContain('crm.objects.deals.read');
	expect(e.hint).toMatch(/private app.*reconnect/i);
	expect(e.message).toContain('crm.objects.deals.read');
	expect(a.stats.calls).toBe(1);
});

it('writes without the write scope: the upsert stops at the first batch with the scope named, nothing written', async () => {
	sb.grantedScopes = new Set(['crm.objects.contacts.read']);
	const a = adapter();
	const before = sb.records('contacts').length;
	const e = await rejection(a.upsert('contacts', Array.from({ length: 150 }, (_, i) => ({ ref: `r${i}`, fields: { email: `s${i}@example.com` } }))));
	expect(e).toMatchObject({ kind: 'auth_expired', code: 'MISSING_SCOPES' });
	expect(e.hint).toContain('crm.objects.contacts.write');
	expect(sb.calls.get('objects.batch.create')).toBe(1);
	expect(sb.records('contacts').length).toBe(before);
});

it('contacts scopes granted, deals not: contacts write as usual, a deal update is refused naming crm.objects.deals.write', async () => {
	const a = adapter();
	const [ada] = await a.findDuplicates('contacts', [{ ref: 'x', email: 'ada@acme-analytics.com' }]);
	sb.grantedScopes = new Set(['crm.objects.contacts.read', 'crm.objects.contacts.write']);
	const res = await a.upsert('contacts', [{ ref: 'new', fields: { email: 'fresh@example.com' } }, { ref: 'upd', id: ada.matches[0].id, fields: { jobtitle: 'X' } }]);
	expect(res[0]).toMatchObject({ success: true, created: true });
	expect(res[1]).toMatchObject({ success: true });
	const deal = await a.upsert('deals', [{ ref: 'd1', id: '9000001', fields: { amount: 1 } }]).catch((err: SyncError) => err);
	expect(deal).toBeInstanceOf(SyncError);
	expect(deal).toMatchObject({ kind: 'auth_expired', code: 'MISSING_SCOPES' });
	expect((deal as SyncError).hint).toContain('crm.objects.deals.write');
	expect(sb.records('deals').find((d) => d.id === '9000001')!.properties.amount).toBe('48000');
});
