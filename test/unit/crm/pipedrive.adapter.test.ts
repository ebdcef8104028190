/**
 * PipedriveAdapter against the Pipedrive sandbox: the real `pipedrive` SDK over HTTP on 127.0.0.1.
 */
import { PipedriveAdapter, type PipedriveAdapterConfig, type PipedriveObject } from '../../../nodes/shared/crm/pipedrive';
import type { ChangePage } from '../../../nodes/shared/crm/types';
import { SyncError } from '../../../nodes/shared/errors';
import type { RetryPolicy } from '../../../nodes/shared/transport/retry';
import { classifyPipedrive } from '../../../nodes/shared/crm/pipedrive/errors';
import { PipedriveHttpError } from '../../../nodes/shared/crm/pipedrive/transport';
import { PIPEDRIVE_CUSTOM_FIELDS, PipedriveSandbox } from '../../sandboxes/pipedrive';

delete process.env.HTTP_PROXY;
delete process.env.HTTPS_PROXY;
delete process.env.http_proxy;
delete process.env.https_proxy;

const TOKEN = 'pd-adapter-token-0123456789';
const FAST: RetryPolicy = { maxAttempts: 6, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 2000 };
const sb = new PipedriveSandbox();
let base = '';
/** Every wait the adapter asked for (Retry-After / backoff / throttle); actually slept for at most 20 ms. */
let waits: number[] = [];

function adapter(extra: Partial<PipedriveAdapterConfig> = {}): PipedriveAdapter {
	return new PipedriveAdapter({
		apiToken: TOKEN,
		baseUrl: base,
		retry: FAST,
		ratePerSecond: 0,
		sleep: (ms) => {
			waits.push(ms);
			return new Promise((r) => setTimeout(r, Math.min(ms, 20)));
		},
		...extra,
	});
}

async function collect(it: AsyncIterable<ChangePage>): Promise<ChangePage[]> {
	const pages: ChangePage[] = [];
	for await (const p of it) pages.push(p);
	return pages;
}

const OBJECTS: PipedriveObject[] = ['persons', 'organizations', 'deals', 'activities'];

/** A valid new record per object (org/person 1 exist after seedSample). */
function sample(o: PipedriveObject, i: number): Record<string, unknown> {
	switch (o) {
		case 'persons':
			return { name: `Person ${i}`, email: `p${i}@example.com`, phone: `+1 555 ${1000 + i}`, org_id: '1' };
		case 'organizations':
			return { name: `Org ${i}`, address: { value: `${i} Test St` } };
		case 'deals':
			return { title: `Deal ${i}`, value: 100 + i, currency: 'USD', stage_id: 2, person_id: 1 };
		case 'activities':
			return { subject: `Call ${i}`, type: 'call', due_date: '2025-05-01', person_id: 1 };
	}
}

function seedMany(o: PipedriveObject, n: number, from = 100): void {
	sb.seed({ [o]: Array.from({ length: n }, (_, i) => ({ id: from + i, ...vendorShape(o, from + i) })) });
}
function vendorShape(o: PipedriveObject, i: number): Record<string, unknown> {
	const s = sample(o, i);
	if (o === 'persons') return { name: s.name, emails: [{ value: s.email, primary: true, label: 'work' }], org_id: 1 };
	return s;
}

beforeAll(async () => {
	base = await sb.start(0);
	sb.setValidTokens([TOKEN]);
});
afterAll(async () => {
	await sb.stop();
});
beforeEach(() => {
	sb.reset();
	sb.seedSample();
	waits = [];
});

test('objects: persons, organizations, deals, activities with roles', () => {
	expect(adapter().objects()).toEqual([
		{ name: 'persons', label: 'Persons', role: 'person' },
		{ name: 'organizations', label: 'Organizations', role: 'company' },
		{ name: 'deals', label: 'Deals', role: 'deal' },
		{ name: 'activities', label: 'Activities', role: 'activity' },
	]);
});

test('testConnection calls /v1/users/me; a bad token is auth_expired', async () => {
	await adapter().testConnection();
	expect(sb.calls.get('users.me')).toBe(1);
	const err = await adapter({ apiToken: 'revoked-token-xyz' }).testConnection().catch((e: unknown) => e);
	expect(err).toBeInstanceOf(SyncError);
	expect(err).toMatchObject({ kind: 'auth_expired', status: 401 });
	expect((err as SyncError).message).not.toContain('revoked-token-xyz');
	expect(sb.calls.get('users.me')).toBe(2); // no retry on 401: API tokens cannot be refreshed
});

describe.each(OBJECTS)('%s', (o) => {
	test('listChangedSince paginates to the end; the cursor only returns newer changes', async () => {
		seedMany(o, 130);
		const a = adapter();
		const total = sb.tables[o].size;
		const pages = await collect(a.listChangedSince(o, undefined, { pageSize: 40 }));
		expect(pages.length).toBe(Math.ceil(total / 40));
		const ids = pages.flatMap((p) => p.records.map((r) => r.id));
		expect(new Set(ids).size).toBe(total);
		expect(sb.calls.get(`${o}.list`)).toBe(pages.length);
		expect(sb.callLog.every((c) => c.endpoint !== `${o}.list` || c.status === 200)).toBe(true);

		// A change 5 s later, read; then two more changes 5 s after that.
		sb.clock.offsetMs += 5000;
		const up = await a.upsert(o, [{ ref: 'a', id: '100', fields: o === 'deals' ? { title: 'Touched A' } : o === 'persons' || o === 'organizations' ? { name: 'Touched A' } : { subject: 'Touched A' } }]);
		expect(up[0]).toMatchObject({ success: true, created: false });
		const again = await collect(a.listChangedSince(o, pages[pages.length - 1].cursor));
		const cursor = again[again.length - 1].cursor;
		expect(again.flatMap((p) => p.records.map((r) => r.id))).toContain('100');
		sb.clock.offsetMs += 5000;
		const key = o === 'deals' ? 'title' : o === 'activities' ? 'subject' : 'name';
		await a.upsert(o, [
			{ ref: 'b', id: '101', fields: { [key]: 'Touched B' } },
			{ ref: 'c', id: '102', fields: { [key]: 'Touched C' } },
		]);
		const newer = await collect(a.listChangedSince(o, cursor));
		const newerIds = newer.flatMap((p) => p.records.map((r) => r.id)).sort();
		// '100' is the boundary record (update_time == cursor, second precision, >= filter): the overlap.
		expect(newerIds).toEqual(['100', '101', '102']);
		expect(newer[newer.length - 1].cursor > cursor).toBe(true);
	});

	test('getByIds reads in batches of 100 ids, keeps input order, skips unknown ids', async () => {
		seedMany(o, 150);
		const a = adapter();
		sb.resetCounters();
		const ids = [...Array.from({ length: 150 }, (_, i) => String(249 - i)), '999999'];
		const recs = await a.getByIds(o, ids);
		expect(recs.map((r) => r.id)).toEqual(ids.slice(0, 150));
		expect(sb.calls.get(`${o}.list`)).toBe(2);
		expect(a.stats.calls).toBe(2);
		expect(recs[0]).toMatchObject({ object: o, id: '249' });
		expect(recs[0].modifiedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
	});

	test('upsert creates and updates in one call list, one result per input in order', async () => {
		const a = adapter();
		const before = sb.tables[o].size;
		const key = o === 'deals' ? 'title' : o === 'activities' ? 'subject' : 'name';
		const res = await a.upsert(o, [
			{ ref: 'new-1', fields: sample(o, 1) },
			{ ref: 'upd-1', id: '1', fields: { [key]: 'Updated one' } },
			{ ref: 'new-2', fields: sample(o, 2) },
		]);
		expect(res.map((r) => [r.ref, r.success, r.created])).toEqual([
			['new-1', true, true],
			['upd-1', true, false],
			['new-2', true, true],
		]);
		expect(sb.tables[o].size).toBe(before + 2);
		expect(sb.tables[o].get('1')!.data[key]).toBe('Updated one');
		expect(sb.tables[o].get(res[0].id!)!.data[key]).toBe(sample(o, 1)[key]);
		expect(sb.calls.get(`${o}.create`)).toBe(2);
		expect(sb.calls.get(`${o}.update`)).toBe(1);
	});

	test('delete removes records; an unknown id is not_found', async () => {
		const a = adapter();
		const res = await a.delete(o, ['1', '424242']);
		expect(res[0]).toMatchObject({ ref: '1', success: true });
		expect(res[1]).toMatchObject({ ref: '424242', success: false });
		expect(res[1].error).toMatchObject({ kind: 'not_found', status: 404, recordRef: '424242' });
		expect(sb.tables[o].get('1')).toBeUndefined();
		expect(await a.getByIds(o, ['1'])).toEqual([]);
	});

	test('listFields maps vendor types', async () => {
		const fields = await adapter().listFields(o);
		const byName = Object.fromEntries(fields.map((f) => [f.name, f]));
		expect(byName.id).toMatchObject({ readOnly: true, type: 'number' });
		expect(byName.update_time).toMatchObject({ readOnly: true, type: 'datetime' });
		const main = o === 'deals' ? 'title' : o === 'activities' ? 'subject' : 'name';
		// Required: what the v2 create endpoint requires (an activity's subject defaults to its type).
		expect(byName[main]).toMatchObject({ type: 'text', vendorType: 'varchar', required: o !== 'activities', readOnly: false, maxLength: 255 });
		if (o === 'persons') {
			expect(byName.email).toMatchObject({ type: 'email' });
			expect(byName.phone).toMatchObject({ type: 'phone' });
			expect(byName.org_id).toMatchObject({ type: 'reference', vendorType: 'org' });
			expect(byName[PIPEDRIVE_CUSTOM_FIELDS.persons.leadSource]).toMatchObject({ type: 'picklist', label: 'Lead source', options: [{ value: '11', label: 'Field visit' }, { value: '12', label: 'Referral' }, { value: '13', label: 'Website' }] });
		}
		if (o === 'deals') expect(byName.value).toMatchObject({ type: 'number', vendorType: 'monetary' });
		if (o === 'activities') expect(byName.done).toMatchObject({ type: 'boolean' });
	});
});

test('listFields reads the v2 *Fields endpoints and follows next_cursor to the last page', async () => {
	sb.fieldPageCap = 4;
	try {
		for (const o of OBJECTS) {
			sb.resetCounters();
			const fields = await adapter().listFields(o);
			const path = { persons: 'personFields', organizations: 'organizationFields', deals: 'dealFields', activities: 'activityFields' }[o];
			const expected = (await adapter().listFields(o)).map((f) => f.name);
			expect(fields.map((f) => f.name)).toEqual(expected);
			expect(new Set(expected).size).toBe(expected.length);
			expect(sb.calls.get(`${path}.list`)).toBe(2 * Math.ceil(expected.length / 4));
			expect(sb.calls.get(`${path}.v1.list`)).toBeUndefined();
		}
		// Every field of the metadata, none lost at a page boundary (persons: 14 fields = 4 pages).
		const persons = await adapter().listFields('persons');
		expect(persons.map((f) => f.name)).toEqual(expect.arrayContaining(['id', 'name', 'email', 'phone', 'update_time', PIPEDRIVE_CUSTOM_FIELDS.persons.fieldflowId, PIPEDRIVE_CUSTOM_FIELDS.persons.leadSource]));
		expect(persons).toHaveLength(14);
	} finally {
		sb.fieldPageCap = 500;
	}
});

test('person fields: email/phone shortcuts and custom fields round-trip', async () => {
	const a = adapter();
	const [r] = await a.upsert('persons', [{ ref: 'x', fields: { name: 'Eva Stone', email: 'eva@stone.example', phone: '+44 20 5555', [PIPEDRIVE_CUSTOM_FIELDS.persons.fieldflowId]: 'ff-123', [PIPEDRIVE_CUSTOM_FIELDS.persons.leadSource]: 12 } }]);
	expect(r.success).toBe(true);
	const [rec] = await a.getByIds('persons', [r.id!]);
	expect(rec.fields).toMatchObject({ name: 'Eva Stone', email: 'eva@stone.example', phone: '+44 20 5555', first_name: 'Eva', last_name: 'Stone', [PIPEDRIVE_CUSTOM_FIELDS.persons.fieldflowId]: 'ff-123' });
	expect(sb.tables.persons.get(r.id!)!.data.emails).toEqual([{ value: 'eva@stone.example', primary: true, label: 'work' }]);
});

test('logMeeting twice leaves one activity linked to the person; existingId is used first', async () => {
	const a = adapter();
	const m = { meetingId: 'mtg-42', subject: 'Quarterly review', startTime: '2025-06-02T09:30:00.000Z', durationMinutes: 90, notes: 'Discussed the new range.', outcome: 'Order expected', linkTo: { object: 'persons', id: '3' } };
	const first = await a.logMeeting(m);
	expect(first).toMatchObject({ success: true, created: true });
	const second = await a.logMeeting({ ...m, subject: 'Quarterly review (edited)' });
	expect(second).toMatchObject({ success: true, created: false, id: first.id });
	const mine = sb.tables.activities.live().filter((r) => String(r.data.note ?? '').includes('[FieldFlow meeting mtg-42]'));
	expect(mine).toHaveLength(1);
	expect(mine[0].data).toMatchObject({ subject: 'Quarterly review (edited)', type: 'meeting', due_date: '2025-06-02', due_time: '09:30', duration: '01:30', done: true, person_id: 3, participants: [{ person_id: 3, primary: true }] });
	expect(String(mine[0].data.note)).toContain('Outcome: Order expected');
	sb.resetCounters();
	const third = await a.logMeeting({ ...m, existingId: first.id });
	expect(third).toMatchObject({ success: true, created: false, id: first.id });
	expect(sb.calls.get('activities.list')).toBeUndefined();
	expect(sb.calls.get('activities.update')).toBe(1);
	// An existingId deleted in Pipedrive: found again by marker? No (it is gone): recreated once.
	sb.tables.activities.remove(first.id!);
	const fourth = await a.logMeeting({ ...m, existingId: first.id });
	expect(fourth).toMatchObject({ success: true, created: true });
	expect(sb.tables.activities.live().filter((r) => String(r.data.note ?? '').includes('[FieldFlow meeting mtg-42]'))).toHaveLength(1);
});

test('addNote twice leaves one note on the person', async () => {
	const a = adapter();
	const n = { summaryId: 'sum-7', body: 'AI summary: customer wants a demo.', linkTo: { object: 'persons', id: '2' } };
	const first = await a.addNote(n);
	expect(first).toMatchObject({ success: true, created: true });
	const second = await a.addNote({ ...n, body: 'AI summary v2' });
	expect(second).toMatchObject({ success: true, created: false, id: first.id });
	const notes = sb.tables.notes.live().filter((r) => String(r.data.content).includes('[FieldFlow summary sum-7]'));
	expect(notes).toHaveLength(1);
	expect(notes[0].data).toMatchObject({ person_id: 2 });
	expect(String(notes[0].data.content)).toContain('AI summary v2');
	const third = await a.addNote({ ...n, existingId: first.id });
	expect(third).toMatchObject({ success: true, created: false, id: first.id });
	const bad = await a.addNote({ ...n, summaryId: 's-x', linkTo: { object: 'persons', id: '9999' } });
	expect(bad).toMatchObject({ success: false, error: { kind: 'validation', fields: ['person_id'], recordRef: 's-x' } });
});

test('findDuplicates by email and company, with quotes and backslashes', async () => {
	sb.seed({ organizations: [{ id: 50, name: 'Acme "Best" \\ Tools' }], persons: [{ id: 60, name: 'Quote Person', emails: [{ value: "o'hara@quote.example", primary: true }] }] });
	const a = adapter();
	const res = await a.findDuplicates('persons', [
		{ ref: 'r1', email: 'MARIA.LOPEZ@acme.example' },
		{ ref: 'r2', email: 'nobody@nowhere.example', company: "O'Brien & Sons Builders" },
		{ ref: 'r3', company: 'Acme "Best" \\ Tools' },
		{ ref: 'r4', email: "o'hara@quote.example" },
	]);
	expect(res.map((r) => [r.ref, r.matches.map((m) => `${m.object}:${m.id}:${m.matchedOn}`)])).toEqual([
		['r1', ['persons:1:email']],
		['r2', ['organizations:5:company']],
		['r3', ['organizations:50:company']],
		['r4', ['persons:60:email']],
	]);
	expect(res[0].matches[0].record.fields.name).toBe('Maria Lopez');
	const orgs = await a.findDuplicates('organizations', [{ ref: 'o', company: 'globex retail' }]);
	expect(orgs[0].matches.map((m) => m.id)).toEqual(['2']);
});

test('1,000 person creates cost exactly 1,000 API calls (no batch endpoint in Pipedrive)', async () => {
	const a = adapter({ writeConcurrency: 8 });
	sb.resetCounters();
	const inputs = Array.from({ length: 1000 }, (_, i) => ({ ref: `r${i}`, fields: { name: `Bulk ${i}`, email: `bulk${i}@example.com` } }));
	const t0 = Date.now();
	const res = await a.upsert('persons', inputs);
	const ms = Date.now() - t0;
	expect(res.every((r, i) => r.success && r.ref === `r${i}` && r.created)).toBe(true);
	expect(a.stats.calls).toBe(1000);
	expect(a.stats.byEndpoint['persons.create']).toBe(1000);
	expect(sb.totalCalls()).toBe(1000);
	expect(sb.calls.get('persons.create')).toBe(1000);
	expect(sb.tables.persons.size).toBe(1010);
	console.log(`pipedrive: 1,000 upserts → ${a.stats.calls} calls in ${ms} ms`);
});

test('default throttle keeps calls under the configured rate', async () => {
	const a = new PipedriveAdapter({ apiToken: TOKEN, baseUrl: base, retry: FAST, ratePerSecond: 20 });
	const t0 = Date.now();
	await a.upsert('organizations', Array.from({ length: 30 }, (_, i) => ({ ref: String(i), fields: { name: `T${i}` } })));
	// 20 tokens of burst, then 10 more at 20/s ≈ 0.5 s.
	expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
});

describe('errors', () => {
	test('401 → auth_expired, not retried, token not in the message', async () => {
		const a = adapter({ apiToken: 'expired-token-abcdef' });
		const [r] = await a.upsert('persons', [{ ref: 'p1', fields: { name: 'X' } }]);
		expect(r.success).toBe(false);
		expect(r.error).toMatchObject({ kind: 'auth_expired', status: 401, code: 'UNAUTHORIZED', recordRef: 'p1' });
		expect(r.error!.message).toContain('unauthorized access');
		expect(r.error!.message).not.toContain('expired-token-abcdef');
		expect(sb.calls.get('persons.create')).toBe(1);
	});

	test('400 → validation naming the field (invalid email, unknown field, too long, required)', async () => {
		const a = adapter();
		const res = await a.upsert('persons', [
			{ ref: 'bad-email', fields: { name: 'A', email: 'not-an-email' } },
			{ ref: 'unknown', fields: { name: 'B', shoe_size: 44 } },
			{ ref: 'long', fields: { name: 'x'.repeat(300) } },
			{ ref: 'missing', fields: { email: 'c@d.example' } },
		]);
		expect(res.map((r) => [r.ref, r.error?.kind, r.error?.fields])).toEqual([
			['bad-email', 'validation', ['email']],
			['unknown', 'validation', ['shoe_size']],
			['long', 'validation', ['name']],
			['missing', 'validation', ['name']],
		]);
		expect(res[0].error!.status).toBe(400);
		expect(res[0].error!.message).toContain("'not-an-email' is not a valid email address");
		expect(sb.calls.get('persons.create')).toBe(4); // no retries on 400
	});

	test('the field of a 400 comes from what was sent, whatever the message wording', async () => {
		// Pipedrive's error body has no field list (only `error`, `error_info`, an optional `code`):
		// the field is the one the message names among the keys of the request.
		const a = adapter();
		sb.injectFault({ kind: 'validation', endpoint: 'persons.create', times: 1, message: 'The value given for phones could not be parsed' });
		const [r1] = await a.upsert('persons', [{ ref: 'w1', fields: { name: 'Nina Wolf', phone: 'abc' } }]);
		expect(r1.error).toMatchObject({ kind: 'validation', status: 400, fields: ['phone'], recordRef: 'w1' });
		sb.injectFault({ kind: 'validation', endpoint: 'persons.create', times: 1, message: `Unknown option for ${PIPEDRIVE_CUSTOM_FIELDS.persons.leadSource}` });
		const [r2] = await a.upsert('persons', [{ ref: 'w2', fields: { name: 'Nina Wolf', [PIPEDRIVE_CUSTOM_FIELDS.persons.leadSource]: 99 } }]);
		expect(r2.error?.fields).toEqual([PIPEDRIVE_CUSTOM_FIELDS.persons.leadSource]);
		sb.injectFault({ kind: 'validation', endpoint: 'persons.create', times: 1, message: 'Something is wrong with this request' });
		const [r3] = await a.upsert('persons', [{ ref: 'w3', fields: { name: 'Nina Wolf' } }]);
		expect(r3.error).toMatchObject({ kind: 'validation' });
		expect(r3.error!.fields).toBeUndefined();
		expect(r3.error!.message).toContain('Something is wrong with this request');
		// Activities too (their bodies are not the mapping's): the key sent is found.
		const [r4] = await a.upsert('activities', [{ ref: 'w4', fields: { subject: 'Call', type: 'call', due_date: '1 May' } }]);
		expect(r4.error?.fields).toEqual(['due_date']);
	});

	test('429 → rate_limit with Retry-After honoured; gives up after maxAttempts', async () => {
		sb.injectFault({ kind: 'rateLimit', endpoint: 'persons.list', retryAfter: 1 });
		const a = adapter({ retry: { ...FAST, maxAttempts: 2 } });
		const err = await collect(a.listChangedSince('persons', undefined)).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(SyncError);
		expect(err).toMatchObject({ kind: 'rate_limit', status: 429, retryAfterMs: 1000, code: 'RATE_LIMIT' });
		expect(sb.calls.get('persons.list')).toBe(2);
		expect(waits).toContain(1000);
	});

	test('404 → not_found with the record ref', async () => {
		const [r] = await adapter().upsert('deals', [{ ref: 'ff-9', id: '777777', fields: { title: 'Gone' } }]);
		expect(r.error).toMatchObject({ kind: 'not_found', status: 404, recordRef: 'ff-9' });
		expect(r.error!.message).toContain('Deal not found');
	});

	test('500 → transient, retried; persistent 500 surfaces as transient', async () => {
		sb.injectFault({ kind: 'server', endpoint: 'organizations.list', times: 1 });
		const a = adapter();
		const recs = await a.getByIds('organizations', ['1', '2']);
		expect(recs).toHaveLength(2);
		expect(a.stats.retries).toBe(1);
		expect(sb.calls.get('organizations.list')).toBe(2);
		sb.injectFault({ kind: 'server', endpoint: 'organizations.list' });
		const err = await a.getByIds('organizations', ['1']).catch((e: unknown) => e);
		expect(err).toMatchObject({ kind: 'transient', status: 500 });
	});

	test('429 storm: every other write rate-limited; all records written exactly once', async () => {
		sb.injectFault({ kind: 'rateLimit', endpoint: 'persons.create', every: 2, retryAfter: 1 });
		// Four parallel writers share the "every other call" counter, so one record can draw several
		// 429s in a row: give the retries room, the storm is what is tested, not the attempt cap.
		const a = adapter({ retry: { ...FAST, maxAttempts: 20 } });
		const inputs = Array.from({ length: 40 }, (_, i) => ({ ref: `s${i}`, fields: { name: `Storm ${i}`, email: `storm${i}@example.com` } }));
		const res = await a.upsert('persons', inputs);
		expect(res.every((r) => r.success)).toBe(true);
		const names = sb.tables.persons.live().map((r) => String(r.data.name)).filter((n) => n.startsWith('Storm '));
		expect(names).toHaveLength(40);
		expect(new Set(names).size).toBe(40);
		// Every other call answered 429: 40 successes need about 40 rejected calls, each retried once.
		expect(a.stats.retries).toBeGreaterThanOrEqual(39);
		expect(sb.calls.get('persons.create')).toBe(40 + a.stats.retries);
		expect(a.stats.calls).toBe(sb.calls.get('persons.create'));
		expect(waits.filter((w) => w >= 1000).length).toBe(a.stats.retries);
	});

	test('rate headers: with a small enforced budget, a sync of 30 persons paces itself from x-ratelimit-* and draws 0 429s', async () => {
		// Pipedrive's 2-second window (x-ratelimit-limit/-remaining/-reset), enforced: 12 requests per
		// window; the adapter's own throttle (40/s) would send far more, the headers hold it back.
		sb.enforceRateLimit = true;
		sb.rateLimitPerWindow = 12;
		try {
			await new Promise((r) => setTimeout(r, 2000)); // a fresh window
			sb.resetCounters();
			const a = new PipedriveAdapter({ apiToken: TOKEN, baseUrl: base, retry: FAST, ratePerSecond: 40 });
			const inputs = Array.from({ length: 30 }, (_, i) => ({ ref: `rl${i}`, fields: { name: `Paced ${i}`, email: `paced${i}@example.com` } }));
			const res = await a.upsert('persons', inputs);
			expect(res.every((r) => r.success)).toBe(true);
			const pages = await collect(a.listChangedSince('persons', undefined, { pageSize: 10 }));
			const read = pages.flatMap((p) => p.records).filter((r) => String(r.fields.name).startsWith('Paced '));
			expect(read).toHaveLength(30);
			expect(new Set(read.map((r) => r.id)).size).toBe(30);
			// Counted by the sandbox: every call answered, none refused.
			expect(sb.rateLimited).toBe(0);
			expect(sb.callLog.filter((c) => c.status === 429)).toHaveLength(0);
			expect(sb.calls.get('persons.create')).toBe(30);
			expect(a.stats.retries).toBe(0);
		} finally {
			sb.enforceRateLimit = false;
			sb.rateLimitPerWindow = 80;
		}
	}, 30_000);

	test('rate headers across adapters: three adapters of one token in a row (one per node execution) share one gate, 0 429s', async () => {
		// The window is per token; each n8n node builds its own adapter. Before the shared gate, a new
		// adapter started with a full burst right after the previous one had spent the window (4 429s
		// for the second and for the third adapter of 60 writes each at 20 requests / 2 s).
		sb.enforceRateLimit = true;
		sb.rateLimitPerWindow = 20;
		try {
			await new Promise((r) => setTimeout(r, 2000)); // a fresh window
			sb.resetCounters();
			const before = sb.rateLimited;
			for (const round of [1, 2, 3]) {
				const a = new PipedriveAdapter({ apiToken: TOKEN, baseUrl: base, retry: FAST, ratePerSecond: 10 });
				const res = await a.upsert('persons', Array.from({ length: 40 }, (_, i) => ({ ref: `g${round}-${i}`, fields: { name: `Gate ${round} ${i}` } })));
				expect(res.every((r) => r.success)).toBe(true);
				expect(a.stats.retries).toBe(0);
			}
			expect(sb.rateLimited - before).toBe(0);
			expect(sb.calls.get('persons.create')).toBe(120);
		} finally {
			sb.enforceRateLimit = false;
			sb.rateLimitPerWindow = 80;
		}
	}, 60_000);

	test('rate limit enforced by the sandbox: a client that ignores the headers gets 429 with Retry-After', async () => {
		sb.enforceRateLimit = true;
		sb.rateLimitPerWindow = 3;
		try {
			await new Promise((r) => setTimeout(r, 2000));
			sb.resetCounters();
			const a = adapter({ retry: { ...FAST, maxAttempts: 1 } }); // no gate: headers not used
			const res = await a.upsert('persons', Array.from({ length: 6 }, (_, i) => ({ ref: `x${i}`, fields: { name: `Over ${i}` } })));
			expect(res.filter((r) => r.success)).toHaveLength(3);
			const refused = res.filter((r) => !r.success);
			expect(refused).toHaveLength(3);
			expect(refused[0].error).toMatchObject({ kind: 'rate_limit', status: 429 });
			expect(refused[0].error!.retryAfterMs).toBeGreaterThanOrEqual(1000);
			expect(refused[0].error!.message).toContain('Request over limit');
			expect(sb.rateLimited).toBe(3);
		} finally {
			sb.enforceRateLimit = false;
			sb.rateLimitPerWindow = 80;
		}
	}, 30_000);

	test('403 Scope and URL mismatch (OAuth app without contacts:full): auth error naming the scope; the run stops there; reads still work', async () => {
		const OAUTH = 'pd-oauth-access-token-42';
		sb.setValidTokens([TOKEN, OAUTH]);
		sb.grantedScopes = ['contacts:read', 'search:read'];
		try {
			const a = adapter({ apiToken: undefined, accessToken: OAUTH, writeConcurrency: 1 });
			await a.testConnection(); // users/me: the base scope every app has
			const res = await a.upsert('persons', [0, 1, 2].map((i) => ({ ref: `sc${i}`, fields: { name: `Scoped ${i}` } })));
			expect(res[0].error).toMatchObject({ kind: 'auth_expired', status: 403, code: 'MISSING_SCOPE:contacts:full', recordRef: 'sc0' });
			expect(res[0].error!.message).toContain('Scope and URL mismatch');
			expect(res[0].error!.hint).toContain('"contacts:full" scope');
			expect(res[0].error!.hint).toContain('reconnect the credential');
			expect(res.slice(1).map((r) => r.error?.message.startsWith('Not sent'))).toEqual([true, true]);
			expect(sb.calls.get('persons.create')).toBe(1);
			expect(sb.tables.persons.live().some((r) => String(r.data.name).startsWith('Scoped'))).toBe(false);
			expect((await a.getByIds('persons', ['1'])).map((r) => r.id)).toEqual(['1']);
			const err = await a.listFields('deals').catch((e: unknown) => e);
			expect(err).toMatchObject({ kind: 'auth_expired', status: 403, code: 'MISSING_SCOPE:deals:read' });
		} finally {
			sb.grantedScopes = undefined;
			sb.setValidTokens([TOKEN]);
		}
	});

	test('403 with an API token: the hint names the user\'s permission, not a reconnect', () => {
		const e = classifyPipedrive(new PipedriveHttpError(403, {}, { success: false, error: 'You have no permission to do this', error_info: 'x', data: null, additional_data: null }), 'create person', 'r1', {}, [], [], { endpoint: 'persons.create', mode: 'token' });
		expect(e).toMatchObject({ kind: 'auth_expired', status: 403, code: 'MISSING_SCOPE:contacts:full', recordRef: 'r1' });
		expect(e.hint).toContain("user's permission set");
		expect(e.hint).toContain('create person');
		// Pipedrive's documented 403 for a plan limit ("Responses": code feature_capping_*) is no permission error.
		const cap = classifyPipedrive(new PipedriveHttpError(403, {}, { success: false, error: "Couldn't add the deal. Open deals limit reached.", code: 'feature_capping_deals_limit' }), 'create deal', 'r2', {}, [], [], { endpoint: 'deals.create', mode: 'token' });
		expect(cap.kind).not.toBe('auth_expired');
		expect(cap.code).toBe('feature_capping_deals_limit');
	});

	test('daily budget spent (x-daily-requests-left: 0, 429 until the UTC day ends): the writes stop, the rest queued without a call; reads go on', async () => {
		sb.enforceDailyLimit = true;
		sb.dailyRequestsLeft = 5;
		try {
			const a = adapter({ writeConcurrency: 1 });
			const res = await a.upsert('persons', Array.from({ length: 12 }, (_, i) => ({ ref: `d${i}`, fields: { name: `Daily ${i}` } })));
			expect(res.filter((r) => r.success)).toHaveLength(5);
			expect(res[5].error).toMatchObject({ kind: 'rate_limit', status: 429, code: 'DAILY_LIMIT', recordRef: 'd5' });
			expect(res[5].error!.hint).toContain('resets at 00:00 UTC');
			expect(res[5].error!.retryAfterMs).toBeGreaterThan(2000);
			expect(res.slice(6).every((r) => r.error?.kind === 'rate_limit' && r.error.message.startsWith('Not sent'))).toBe(true);
			expect(sb.calls.get('persons.create')).toBe(6); // 5 written, 1 refused, 6 never sent
			expect(sb.rateLimited).toBe(1);
			expect((await a.getByIds('persons', ['1'])).map((r) => r.id)).toEqual(['1']); // GETs are not in the daily count
		} finally {
			sb.enforceDailyLimit = false;
		}
	});

	test('one invalid record in a batch: the others are written', async () => {
		const a = adapter();
		const inputs = Array.from({ length: 5 }, (_, i) => ({ ref: `b${i}`, fields: { name: `Batch ${i}`, email: i === 2 ? 'broken@' : `b${i}@example.com` } }));
		const res = await a.upsert('persons', inputs);
		expect(res.map((r) => r.success)).toEqual([true, true, false, true, true]);
		expect(res[2].error).toMatchObject({ kind: 'validation', fields: ['email'], recordRef: 'b2' });
		const names = sb.tables.persons.live().map((r) => r.data.name);
		expect(names).toEqual(expect.arrayContaining(['Batch 0', 'Batch 1', 'Batch 3', 'Batch 4']));
		expect(names).not.toContain('Batch 2');
	});
});

describe('update_time in whole seconds (Pipedrive keeps no fractions; the sandbox default)', () => {

	/**
	 * Hold the sandbox's clock inside one second (a busy second of a bulk load, whatever this
	 * machine's load): every write until `release` gets that second's update_time.
	 */
	let release: () => void = () => undefined;
	function holdSecond(): number {
		const clock = sb.clock;
		const tick = clock.nowMs;
		const second = Math.floor(Date.now() / 1000) * 1000;
		clock.nowMs = () => second;
		release = () => {
			clock.nowMs = tick;
		};
		return second;
	}
	afterEach(() => release());

	test('a paged read over hundreds of records sharing one update_time: each read once, page boundaries inside the tie', async () => {
		holdSecond();
		seedMany('persons', 300);
		release();
		const pages = await collect(adapter().listChangedSince('persons', undefined, { pageSize: 50 }));
		const records = pages.flatMap((p) => p.records);
		expect(records).toHaveLength(310);
		expect(new Set(records.map((r) => r.id)).size).toBe(310);
		const byTime = new Map<string, number>();
		for (const r of records) byTime.set(r.modifiedAt, (byTime.get(r.modifiedAt) ?? 0) + 1);
		expect(Math.max(...byTime.values())).toBeGreaterThanOrEqual(300);
		expect([...byTime.keys()].every((t) => t.endsWith('.000Z'))).toBe(true);
		// At least one page ends and the next begins inside one second.
		const ties = pages.slice(1).filter((p, i) => p.records[0]?.modifiedAt === pages[i].records[pages[i].records.length - 1]?.modifiedAt);
		expect(ties.length).toBeGreaterThanOrEqual(3);
	});

	test.each([0, 120_000])('two incremental reads (cursor = run start, overlap %i ms): writes in the cursor\'s own second after the first read are not skipped; only unchanged versions are read again', async (overlapMs) => {
		const second = holdSecond();
		seedMany('persons', 200);
		const a = adapter();
		// Run 1: starts half-way through the second, reads everything.
		const startedAt = new Date(second + 500).toISOString();
		const run1 = (await collect(a.listChangedSince('persons', undefined, { pageSize: 60 }))).flatMap((p) => p.records);
		expect(run1).toHaveLength(210);
		// Still in the same second: 10 edits and 5 new persons, after run 1 read.
		const edits = await a.upsert('persons', Array.from({ length: 10 }, (_, i) => ({ ref: `e${i}`, id: String(100 + i * 7), fields: { job_title: `Edited ${i}` } })));
		const news = await a.upsert('persons', Array.from({ length: 5 }, (_, i) => ({ ref: `n${i}`, fields: { name: `Late ${i}` } })));
		expect([...edits, ...news].every((r) => r.success)).toBe(true);
		const written = [...edits, ...news].map((r) => r.id!);
		const sameSecond = written.filter((id) => Math.floor(sb.tables.persons.get(id)!.updatedAt / 1000) === Math.floor(Date.parse(startedAt) / 1000));
		expect(sameSecond).toHaveLength(15); // all in the cursor's own second: the tie is really exercised
		release();
		// Run 2: since the cursor (run 1's start) minus the overlap, as Start Run computes it.
		const since = new Date(Date.parse(startedAt) - overlapMs).toISOString();
		const run2 = (await collect(a.listChangedSince('persons', since, { pageSize: 60 }))).flatMap((p) => p.records);
		expect(new Set(run2.map((r) => r.id)).size).toBe(run2.length); // nothing twice within a read
		const got = new Map(run2.map((r) => [r.id, r]));
		for (const id of written) expect(got.get(id)).toBeDefined(); // nothing skipped
		for (const [i, e] of edits.entries()) expect(got.get(e.id!)!.fields.job_title).toBe(`Edited ${i}`);
		// What run 2 reads again that run 1 had already read is the very version run 1 saw (the
		// merge's "no newer than the linked version" makes it Unchanged): no change is repeated.
		const seen1 = new Map(run1.map((r) => [r.id, r.modifiedAt]));
		for (const r of run2) {
			if (written.includes(r.id)) continue;
			expect(r.modifiedAt).toBe(seen1.get(r.id));
		}
	});
});
