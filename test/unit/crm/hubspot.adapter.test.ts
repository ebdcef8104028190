/**
 * HubSpotAdapter against the HubSpot sandbox, through the real @hubspot/api-client over HTTP.
 */
import { HubSpotAdapter, type HubSpotAdapterConfig } from '../../../nodes/shared/crm/hubspot';
import type { ChangePage, CrmRecord } from '../../../nodes/shared/crm/types';
import type { RetryPolicy } from '../../../nodes/shared/transport/retry';
import { HubSpotSandbox } from '../../sandboxes/hubspot';
import { rejection } from '../../support/rejection';

delete process.env.HTTP_PROXY;
delete process.env.HTTPS_PROXY;
delete process.env.http_proxy;
delete process.env.https_proxy;

const TOKEN = 'pat-na1-11111111-2222-3333-4444-555555555555';
const FAST: RetryPolicy = { maxAttempts: 5, baseDelayMs: 2, maxDelayMs: 20, maxRetryAfterMs: 5_000 };

const sb = new HubSpotSandbox();
/** Waits the adapter asked for (ms); the fast sleep only pretends to wait that long. */
let waits: number[] = [];
const fastSleep = (ms: number) => {
	waits.push(ms);
	return new Promise<void>((r) => setTimeout(r, Math.min(ms, 5)));
};

function adapter(extra: Partial<HubSpotAdapterConfig> = {}): HubSpotAdapter {
	return new HubSpotAdapter({ accessToken: TOKEN, baseUrl: sb.url, retry: FAST, ratePerSecond: 10_000, searchRatePerSecond: 10_000, sleep: fastSleep, ...extra });
}

async function collect(it: AsyncIterable<ChangePage>): Promise<{ pages: ChangePage[]; records: CrmRecord[]; cursor: string }> {
	const pages: ChangePage[] = [];
	for await (const p of it) pages.push(p);
	return { pages, records: pages.flatMap((p) => p.records), cursor: pages[pages.length - 1]?.cursor ?? '' };
}

const SAMPLE: Record<string, (i: number) => Record<string, unknown>> = {
	contacts: (i) => ({ email: `person${i}@example.com`, firstname: `First${i}`, lastname: `Last${i}` }),
	companies: (i) => ({ name: `Company ${i}`, domain: `company${i}.example` }),
	deals: (i) => ({ dealname: `Deal ${i}`, dealstage: 'qualifiedtobuy', amount: 1000 + i, pipeline: 'default' }),
	meetings: (i) => ({ hs_meeting_title: `Meeting ${i}`, hs_timestamp: `2025-05-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00.000Z` }),
};
const OBJECTS = Object.keys(SAMPLE);

beforeAll(async () => {
	await sb.start(0);
	sb.setValidTokens([TOKEN]);
});
afterAll(() => sb.stop());
beforeEach(() => {
	sb.reset();
	sb.searchResultCap = 10_000;
	waits = [];
});

describe('objects and metadata', () => {
	it('lists the four HubSpot objects with roles', () => {
		expect(adapter().objects()).toEqual([
			{ name: 'contacts', label: 'Contacts', role: 'person' },
			{ name: 'companies', label: 'Companies', role: 'company' },
			{ name: 'deals', label: 'Deals', role: 'deal' },
			{ name: 'meetings', label: 'Meetings', role: 'activity' },
		]);
	});

	it('testConnection passes with the right token and fails auth_expired otherwise', async () => {
		await adapter().testConnection();
		const e = await rejection(adapter({ accessToken: 'pat-na1-wrong-token-000' }).testConnection());
		expect(e.kind).toBe('auth_expired');
		expect(e.message).not.toContain('pat-na1-wrong-token-000');
	});

	it.each(OBJECTS)('listFields maps %s properties', async (object) => {
		const fields = await adapter().listFields(object);
		const by = new Map(fields.map((f) => [f.name, f]));
		expect(by.get('hs_object_id')).toMatchObject({ readOnly: true, type: 'number' });
		if (object === 'contacts') {
			expect(by.get('email')).toMatchObject({ type: 'email', vendorType: 'string', readOnly: false, maxLength: 65_536 });
			expect(by.get('phone')?.type).toBe('phone');
			expect(by.get('hs_lead_status')?.type).toBe('picklist');
			expect(by.get('hs_lead_status')?.options?.map((o) => o.value)).toContain('OPEN');
			expect(by.get('lastmodifieddate')).toMatchObject({ type: 'datetime', readOnly: true });
		}
		if (object === 'companies') expect(by.get('numberofemployees')?.type).toBe('number');
		if (object === 'deals') {
			expect(by.get('dealstage')).toMatchObject({ type: 'picklist', required: true });
			expect(by.get('dealstage')?.options?.find((o) => o.value === 'closedwon')?.label).toBe('Closed Won');
			expect(by.get('amount')?.type).toBe('number');
			expect(by.get('closedate')?.type).toBe('datetime');
		}
		if (object === 'meetings') {
			expect(by.get('hs_timestamp')).toMatchObject({ type: 'datetime', required: true });
			expect(by.get('hs_meeting_outcome')?.options?.map((o) => o.value)).toEqual(['SCHEDULED', 'COMPLETED', 'RESCHEDULED', 'NO_SHOW', 'CANCELED']);
		}
	});
});

describe('listChangedSince', () => {
	it.each(OBJECTS)('pages %s to the end, then a cursor returns only newer changes', async (object) => {
		const a = adapter();
		const created = await a.upsert(object, Array.from({ length: 23 }, (_, i) => ({ ref: `r${i}`, fields: SAMPLE[object](i) })));
		expect(created.every((r) => r.success)).toBe(true);
		sb.resetCounters();

		const first = await collect(a.listChangedSince(object, undefined, { pageSize: 5 }));
		expect(first.pages.length).toBe(5);
		expect(sb.calls.get('objects.search')).toBe(5);
		expect(new Set(first.records.map((r) => r.id)).size).toBe(23);
		const times = first.records.map((r) => Date.parse(r.modifiedAt));
		expect([...times].sort((x, y) => x - y)).toEqual(times);
		expect(first.cursor).toBe(first.records[22].modifiedAt);

		const nothing = await collect(a.listChangedSince(object, first.cursor));
		expect(nothing.records).toEqual([]);
		expect(nothing.cursor).toBe(first.cursor);

		const touched = [created[3].id!, created[17].id!];
		const patch = object === 'contacts' ? { lastname: 'Changed' } : object === 'companies' ? { city: 'Changed' } : object === 'deals' ? { amount: 5 } : { hs_meeting_title: 'Changed' };
		await a.upsert(object, touched.map((id, i) => ({ ref: `u${i}`, id, fields: patch })));
		const second = await collect(a.listChangedSince(object, first.cursor, { pageSize: 5 }));
		expect(second.records.map((r) => r.id).sort()).toEqual([...touched].sort());
		expect(second.cursor > first.cursor).toBe(true);
	});

	it('restarts the search from the last modification time before paging reaches the result cap', async () => {
		sb.searchResultCap = 300;
		sb.seed({ contacts: Array.from({ length: 1000 }, (_, i) => ({ properties: SAMPLE.contacts(i) })) });
		const a = adapter({ searchResultCap: 300 });
		const out = await collect(a.listChangedSince('contacts', undefined, { pageSize: 100 }));
		expect(out.records.length).toBe(1000);
		expect(new Set(out.records.map((r) => r.id)).size).toBe(1000);
		// 300 per query, then restart: more calls than 10 pages, and never a 400 from the cap.
		expect(sb.callLog.filter((c) => c.endpoint === 'objects.search').every((c) => c.status === 200)).toBe(true);
		expect(sb.calls.get('objects.search')).toBeGreaterThan(10);
		expect(out.cursor).toBe(out.records[out.records.length - 1].modifiedAt);
	});

	it('gets past the real 10,000-result cap (10,450 contacts)', async () => {
		sb.seed({ contacts: Array.from({ length: 10_450 }, (_, i) => ({ properties: SAMPLE.contacts(i) })) });
		const t0 = Date.now();
		const out = await collect(adapter().listChangedSince('contacts', undefined, { fields: ['email'] }));
		expect(out.records.length).toBe(10_450);
		expect(new Set(out.records.map((r) => r.id)).size).toBe(10_450);
		expect(sb.callLog.filter((c) => c.endpoint === 'objects.search').every((c) => c.status === 200)).toBe(true);
		// 50 pages of 200 up to the cap, then one restart from the newest time seen: 3 more pages.
		expect(sb.calls.get('objects.search')).toBe(53);
		expect(Date.now() - t0).toBeLessThan(20_000);
	});

	it('includes archived records when includeDeleted', async () => {
		const a = adapter();
		const made = await a.upsert('companies', [0, 1, 2].map((i) => ({ ref: `c${i}`, fields: SAMPLE.companies(i) })));
		const since = new Date(Date.now() - 60_000).toISOString();
		await a.delete('companies', [made[1].id!]);
		const out = await collect(a.listChangedSince('companies', since, { includeDeleted: true }));
		const deleted = out.records.filter((r) => r.deleted);
		expect(deleted.map((r) => r.id)).toEqual([made[1].id]);
		expect(out.records.filter((r) => !r.deleted).map((r) => r.id).sort()).toEqual([made[0].id, made[2].id].sort());
		const without = await collect(a.listChangedSince('companies', since));
		expect(without.records.some((r) => r.deleted)).toBe(false);
	});
});

describe('reads and writes', () => {
	it.each(OBJECTS)('getByIds reads %s in batches of 100 and skips unknown ids', async (object) => {
		const a = adapter();
		const made = await a.upsert(object, Array.from({ length: 150 }, (_, i) => ({ ref: `r${i}`, fields: SAMPLE[object](i) })));
		sb.resetCounters();
		const ids = [made[149].id!, '777', made[0].id!, ...made.slice(1, 120).map((r) => r.id!)];
		const recs = await a.getByIds(object, ids);
		expect(recs.length).toBe(121);
		expect(recs[0].id).toBe(made[149].id);
		expect(recs[1].id).toBe(made[0].id);
		expect(sb.calls.get('objects.batch.read')).toBe(2);
		const firstField = Object.keys(SAMPLE[object](0))[0];
		expect(recs[1].fields[firstField]).toBe(String(SAMPLE[object](0)[firstField]));
		expect(recs[1].object).toBe(object);
	});

	it.each(OBJECTS)('upsert creates and updates %s in one call, results in input order', async (object) => {
		const a = adapter();
		const existing = await a.upsert(object, [{ ref: 'old', fields: SAMPLE[object](1) }]);
		sb.resetCounters();
		const patch = object === 'contacts' ? { jobtitle: 'CTO' } : object === 'companies' ? { city: 'Berlin' } : object === 'deals' ? { dealstage: 'closedwon' } : { hs_meeting_outcome: 'COMPLETED' };
		const res = await a.upsert(object, [
			{ ref: 'new-a', fields: SAMPLE[object](2) },
			{ ref: 'upd', id: existing[0].id, fields: patch },
			{ ref: 'new-b', fields: SAMPLE[object](3) },
		]);
		expect(res.map((r) => [r.ref, r.success, r.created])).toEqual([
			['new-a', true, true],
			['upd', true, false],
			['new-b', true, true],
		]);
		expect(res[1].id).toBe(existing[0].id);
		expect(sb.calls.get('objects.batch.create')).toBe(1);
		expect(sb.calls.get('objects.batch.update')).toBe(1);
		const stored = sb.records(object).find((r) => r.id === existing[0].id)!;
		const [k, v] = Object.entries(patch)[0];
		expect(stored.properties[k]).toBe(v);
		expect(sb.records(object).length).toBe(3);
	});

	it('upsert by idProperty email creates or updates by email', async () => {
		sb.seedSample();
		const a = adapter();
		const res = await a.upsert(
			'contacts',
			[
				{ ref: 'ada', fields: { email: 'ADA@acme-analytics.com', jobtitle: 'Chief Data Officer' } },
				{ ref: 'new', fields: { email: 'brand.new@example.com', firstname: 'Brand' } },
				{ ref: 'noemail', fields: { firstname: 'Nobody' } },
			],
			{ idProperty: 'email' },
		);
		expect(res[0]).toMatchObject({ ref: 'ada', success: true, id: '1001', created: false });
		expect(res[1]).toMatchObject({ ref: 'new', success: true, created: true });
		expect(res[2].success).toBe(false);
		expect(res[2].error?.kind).toBe('validation');
		expect(sb.calls.get('objects.batch.upsert')).toBe(1);
		expect(sb.records('contacts').find((r) => r.id === '1001')!.properties.jobtitle).toBe('Chief Data Officer');
	});

	it('1,000 creates take exactly 10 API calls (adapter stats and sandbox counters)', async () => {
		const a = adapter();
		const res = await a.upsert('contacts', Array.from({ length: 1000 }, (_, i) => ({ ref: `r${i}`, fields: SAMPLE.contacts(i) })));
		expect(res.every((r) => r.success && r.created)).toBe(true);
		expect(res.map((r) => r.ref)).toEqual(Array.from({ length: 1000 }, (_, i) => `r${i}`));
		expect(new Set(res.map((r) => r.id)).size).toBe(1000);
		expect(a.stats.calls).toBe(10);
		expect(a.stats.byEndpoint).toEqual({ 'objects.batch.create': 10 });
		expect(sb.totalCalls()).toBe(10);
		expect(sb.records('contacts').length).toBe(1000);
		// Results match their inputs.
		const byId = new Map(sb.records('contacts').map((r) => [r.id, r.properties.email]));
		expect(byId.get(res[537].id!)).toBe('person537@example.com');
	});

	it('one invalid record in a batch fails alone; the others are written', async () => {
		sb.seedSample();
		const a = adapter();
		const res = await a.upsert('contacts', [
			{ ref: 'ok1', fields: { email: 'ok1@example.com' } },
			{ ref: 'bad-email', fields: { email: 'not an email' } },
			{ ref: 'bad-prop', fields: { email: 'ok3@example.com', favourite_colour: 'red' } },
			{ ref: 'dup', fields: { email: 'ada@acme-analytics.com' } },
			{ ref: 'ok2', fields: { email: 'ok2@example.com', lifecyclestage: 'lead' } },
			{ ref: 'missing', id: '424242', fields: { firstname: 'Ghost' } },
		]);
		expect(res.map((r) => r.success)).toEqual([true, false, false, false, true, false]);
		expect(res[1].error).toMatchObject({ kind: 'validation', fields: ['email'], code: 'INVALID_EMAIL', recordRef: 'bad-email' });
		expect(res[2].error).toMatchObject({ kind: 'validation', fields: ['favourite_colour'], code: 'PROPERTY_DOESNT_EXIST' });
		expect(res[2].error?.message).toContain('favourite_colour');
		expect(res[3].error).toMatchObject({ kind: 'validation', status: 409 });
		expect(res[3].error?.message).toContain('Existing ID: 1001');
		expect(res[3].error?.hint).toContain('already has this record (id 1001)');
		expect(res[5].error).toMatchObject({ kind: 'not_found', recordRef: 'missing' });
		const emails = sb.records('contacts').map((r) => r.properties.email);
		expect(emails).toEqual(expect.arrayContaining(['ok1@example.com', 'ok2@example.com']));
		expect(emails).not.toContain('ok3@example.com');
	});

	it.each(OBJECTS)('delete archives %s and reports unknown ids as not_found', async (object) => {
		const a = adapter();
		const made = await a.upsert(object, [0, 1].map((i) => ({ ref: `r${i}`, fields: SAMPLE[object](i) })));
		const res = await a.delete(object, [made[0].id!, '31337']);
		expect(res[0]).toMatchObject({ ref: made[0].id, success: true });
		expect(res[1]).toMatchObject({ ref: '31337', success: false });
		expect(res[1].error?.kind).toBe('not_found');
		expect(sb.records(object).map((r) => r.id)).toEqual([made[1].id]);
	});
});

describe('activities', () => {
	it('logMeeting twice leaves one meeting linked to the contact', async () => {
		sb.seedSample();
		const a = adapter();
		const m = { meetingId: 'mtg-42', subject: 'Discovery call', startTime: '2025-05-02T14:00:00.000Z', durationMinutes: 45, notes: 'Talked budget', outcome: 'completed', linkTo: { object: 'contacts', id: '1001' } };
		const first = await a.logMeeting(m);
		expect(first).toMatchObject({ ref: 'mtg-42', success: true, created: true });
		const second = await a.logMeeting({ ...m, notes: 'Talked budget and timeline' });
		expect(second).toMatchObject({ success: true, id: first.id, created: false });
		const third = await a.logMeeting({ ...m, existingId: first.id });
		expect(third).toMatchObject({ success: true, id: first.id, created: false });
		const meetings = sb.records('meetings');
		expect(meetings.length).toBe(1);
		expect(meetings[0].properties).toMatchObject({
			hs_meeting_title: 'Discovery call',
			hs_meeting_start_time: '2025-05-02T14:00:00.000Z',
			hs_meeting_end_time: '2025-05-02T14:45:00.000Z',
			hs_timestamp: '2025-05-02T14:00:00.000Z',
			hs_meeting_outcome: 'COMPLETED',
		});
		expect(meetings[0].properties.hs_meeting_body).toContain('[FieldFlow meeting mtg-42]');
		expect(sb.associationsOf('meetings', first.id!, 'contacts')).toEqual([expect.objectContaining({ toId: '1001', typeId: 200 })]);
		// A stale existingId (deleted in HubSpot) falls back to the marker search, not a duplicate.
		const fourth = await a.logMeeting({ ...m, existingId: '40999999' });
		expect(fourth.id).toBe(first.id);
		expect(sb.records('meetings').length).toBe(1);
	});

	it('addNote twice leaves one note linked to the contact', async () => {
		sb.seedSample();
		const a = adapter();
		const n = { summaryId: 'sum-"7"\\x', body: '<p>AI summary: next steps agreed.</p>', linkTo: { object: 'contacts', id: '1002' } };
		const first = await a.addNote(n);
		expect(first).toMatchObject({ success: true, created: true });
		const second = await a.addNote({ ...n, body: '<p>Updated summary.</p>' });
		expect(second).toMatchObject({ success: true, id: first.id, created: false });
		const notes = sb.records('notes');
		expect(notes.length).toBe(1);
		expect(notes[0].properties.hs_note_body).toContain('Updated summary.');
		expect(sb.associationsOf('notes', first.id!, 'contacts')).toEqual([expect.objectContaining({ toId: '1002', typeId: 202 })]);
		// The same summary for another contact is a different note.
		const other = await a.addNote({ ...n, linkTo: { object: 'contacts', id: '1003' } });
		expect(other.created).toBe(true);
		expect(sb.records('notes').length).toBe(2);
	});

	it('logMeeting reports a missing contact as a per-record error', async () => {
		const res = await adapter().logMeeting({ meetingId: 'm1', subject: 'x', startTime: '2025-05-02T14:00:00Z', durationMinutes: 30, linkTo: { object: 'contacts', id: '999' } });
		expect(res.success).toBe(false);
		expect(res.error?.kind).toBe('validation');
		expect(res.error?.recordRef).toBe('m1');
	});
});

describe('findDuplicates', () => {
	it('finds contacts by email (case-insensitive) and by company name with quotes', async () => {
		sb.seedSample();
		sb.seed({ companies: [{ properties: { name: 'Acme "Quoted" \\ Ltd', domain: 'acme-quoted.example' } }], contacts: [{ properties: { email: 'q@acme-quoted.example', company: 'Acme "Quoted" \\ Ltd' } }] });
		const a = adapter();
		const res = await a.findDuplicates('contacts', [
			{ ref: 'a', email: 'ADA@Acme-Analytics.com' },
			{ ref: 'b', email: 'nobody@nowhere.example' },
			{ ref: 'c', company: "O'Reilly & Sons" },
			{ ref: 'd', company: 'Acme "Quoted" \\ Ltd' },
		]);
		expect(res[0].matches.map((m) => [m.id, m.matchedOn])).toEqual([['1001', 'email']]);
		expect(res[1].matches).toEqual([]);
		expect(res[2].matches.map((m) => m.id).sort()).toEqual(['1007', '1008']);
		expect(res[3].matches.map((m) => m.record.fields.email)).toEqual(['q@acme-quoted.example']);

		const companies = await a.findDuplicates('companies', [
			{ ref: 'x', company: "o'reilly & sons" },
			{ ref: 'y', company: 'Acme "Quoted" \\ Ltd' },
			{ ref: 'z', company: 'Unknown Inc' },
		]);
		expect(companies[0].matches.map((m) => [m.id, m.matchedOn])).toEqual([['5000004', 'company']]);
		expect(companies[1].matches.length).toBe(1);
		expect(companies[2].matches).toEqual([]);
	});
});

describe('errors', () => {
	it('401 → auth_expired, with no token in the message', async () => {
		sb.seedSample();
		sb.injectFault({ kind: 'auth', endpoint: 'objects.batch.read' });
		const a = adapter();
		const e = await rejection(a.getByIds('contacts', ['1001']));
		expect(e).toMatchObject({ kind: 'auth_expired', status: 401, code: 'EXPIRED_AUTHENTICATION' });
		expect(e.message).toMatch(/access token/);
		expect(e.message).not.toContain(TOKEN);
		expect(a.stats.calls).toBe(1);
		sb.clearFaults();
		sb.injectFault({ kind: 'auth', endpoint: 'objects.batch.create' });
		const w = await rejection(a.upsert('contacts', [{ ref: 'r', fields: { email: 'x@example.com' } }]));
		expect(w.kind).toBe('auth_expired');
	});

	it('400 → validation naming the property', async () => {
		const e = await adapter().upsert('deals', [{ ref: 'd1', fields: { dealname: 'Big', dealstage: 'maybe' } }]);
		expect(e[0].error).toMatchObject({ kind: 'validation', fields: ['dealstage'], code: 'INVALID_OPTION', recordRef: 'd1' });
		expect(e[0].error?.message).toMatch(/maybe was not one of the allowed options/);
	});

	it('429 → rate_limit with Retry-After once retries run out', async () => {
		sb.injectFault({ kind: 'rateLimit', endpoint: 'objects.search', retryAfter: 1 });
		const a = adapter({ retry: { ...FAST, maxAttempts: 2 } });
		// A company-name look-up searches (emails are read by idProperty, not searched).
		const e = await rejection(a.findDuplicates('contacts', [{ ref: 'a', company: 'Acme Analytics' }]));
		expect(e).toMatchObject({ kind: 'rate_limit', status: 429, retryAfterMs: 1000, code: 'RATE_LIMITS' });
		expect(waits).toContain(1000);
		expect(a.stats.calls).toBe(2);
		expect(a.stats.retries).toBe(1);
	});

	it('404 → not_found', async () => {
		sb.injectFault({ kind: 'notFound', endpoint: 'properties.list' });
		const e = await rejection(adapter().listFields('contacts'));
		expect(e).toMatchObject({ kind: 'not_found', status: 404, code: 'OBJECT_NOT_FOUND' });
	});

	it('500 → transient, retried with backoff, raised when it persists', async () => {
		sb.seedSample();
		sb.injectFault({ kind: 'server', endpoint: 'objects.batch.read', times: 2 });
		const a = adapter();
		const recs = await a.getByIds('contacts', ['1001']);
		expect(recs.map((r) => r.id)).toEqual(['1001']);
		expect(a.stats.retries).toBe(2);
		expect(sb.calls.get('objects.batch.read')).toBe(3);
		sb.injectFault({ kind: 'server', endpoint: 'objects.batch.read' });
		const e = await rejection(a.getByIds('contacts', ['1001']));
		expect(e).toMatchObject({ kind: 'transient', status: 500 });
		const w = await a.upsert('contacts', [{ ref: 'keep', id: '1001', fields: { firstname: 'A' } }]);
		expect(w[0]).toMatchObject({ success: true });
	});

	it('rides out a 429 storm (every other write rate-limited) writing each record once', async () => {
		sb.injectFault({ kind: 'rateLimit', endpoint: 'objects.batch.create', every: 2, retryAfter: 1 });
		const a = adapter();
		const res = await a.upsert('contacts', Array.from({ length: 1000 }, (_, i) => ({ ref: `r${i}`, fields: SAMPLE.contacts(i) })));
		expect(res.every((r) => r.success)).toBe(true);
		const stored = sb.records('contacts');
		expect(stored.length).toBe(1000);
		expect(new Set(stored.map((r) => r.properties.email)).size).toBe(1000);
		// (callLog has no status for injected faults: count the extra calls instead.)
		const limited = sb.calls.get('objects.batch.create')! - 10;
		expect(limited).toBe(9);
		expect(a.stats.calls).toBe(10 + limited);
		expect(a.stats.retries).toBe(limited);
		expect(waits.filter((w) => w >= 1000).length).toBe(limited);
	});

	it('a lost answer to a create is not blindly repeated', async () => {
		sb.injectFault({ kind: 'lostResponse', endpoint: 'objects.batch.create', times: 1 });
		const a = adapter();
		const res = await a.upsert('companies', [{ ref: 'c', fields: { name: 'Once Inc' } }]);
		expect(res[0].success).toBe(false);
		expect(res[0].error?.kind).toBe('transient');
		expect(sb.records('companies').length).toBe(1);
		expect(sb.calls.get('objects.batch.create')).toBe(1);
	});
});
