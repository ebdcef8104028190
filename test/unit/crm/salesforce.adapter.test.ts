/**
 * SalesforceAdapter against the Salesforce sandbox through the real jsforce SDK over HTTP.
 */
for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[k];

import { SalesforceAdapter, type SalesforceAdapterConfig } from '../../../nodes/shared/crm/salesforce';
import type { ChangePage, WriteInput } from '../../../nodes/shared/crm/types';
import { SyncError } from '../../../nodes/shared/errors';
import { SALESFORCE_OBJECTS, SalesforceSandbox } from '../../sandboxes/salesforce';

const FAST = { maxAttempts: 6, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 2_000 };

describe('SalesforceAdapter', () => {
	const sb = new SalesforceSandbox();
	const make = (over: Partial<SalesforceAdapterConfig> = {}) =>
		new SalesforceAdapter({
			baseUrl: sb.url,
			accessToken: sb.accessToken,
			refreshToken: sb.refreshToken,
			clientId: sb.clientId,
			clientSecret: sb.clientSecret,
			retry: FAST,
			ratePerSecond: 10_000,
			...over,
		});

	beforeAll(() => sb.start(0));
	afterAll(() => sb.stop());
	beforeEach(() => {
		sb.reset();
		sb.seedSample();
		sb.rateLimitStyle = 'requestLimit';
	});

	async function collect(it: AsyncIterable<ChangePage>): Promise<ChangePage[]> {
		const pages: ChangePage[] = [];
		for await (const p of it) pages.push(p);
		return pages;
	}
	const contactId = () => sb.records('Contact')[0].Id as string;
	const accountId = () => sb.records('Account')[0].Id as string;

	it('lists its objects with roles', () => {
		expect(make().objects().map((o) => `${o.name}:${o.role}`)).toEqual(['Lead:person', 'Contact:person', 'Account:company', 'Opportunity:deal', 'Event:activity', 'Task:activity']);
	});

	it('testConnection calls the API once', async () => {
		const a = make();
		await a.testConnection();
		expect(a.stats.calls).toBe(1);
		expect(sb.calls.get('resources')).toBe(1);
		expect(sb.calls.get('limits')).toBeUndefined();
	});

	it('listChangedSince pages past several pages with queryMore and the cursor returns newer changes (and its own second again, same versions)', async () => {
		sb.seed({ Lead: Array.from({ length: 645 }, (_, i) => ({ LastName: `Bulk ${i}`, Company: 'Bulk Co', Email: `b${i}@bulk.example` })) });
		const a = make();
		sb.resetCounters();
		const pages = await collect(a.listChangedSince('Lead', undefined, { pageSize: 200 }));
		expect(pages.map((p) => p.records.length)).toEqual([200, 200, 200, 50]);
		expect(sb.calls.get('query')).toBe(1);
		expect(sb.calls.get('queryMore')).toBe(3);
		expect(a.stats.calls).toBe(4);
		const all = pages.flatMap((p) => p.records);
		expect(new Set(all.map((r) => r.id)).size).toBe(650);
		const times = all.map((r) => r.modifiedAt);
		expect([...times].sort()).toEqual(times);
		const cursor = pages[pages.length - 1].cursor;
		expect(cursor).toBe(times[times.length - 1]);
		expect(cursor).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

		// The cursor's own second is read again (Salesforce stamps whole seconds: see read.ts), as
		// the very versions already read: no new change, none skipped.
		// A version is the stamp and the values: an edit in the same whole second as the version read
		// before has the same SystemModstamp (Salesforce keeps whole seconds), yet it is a change.
		const version = (r: { id: string; modifiedAt: string; fields: Record<string, unknown> }) => `${r.id}@${r.modifiedAt}@${JSON.stringify({ ...r.fields, IsDeleted: undefined })}`;
		const seen = new Set(all.map(version));
		const again = (await collect(a.listChangedSince('Lead', cursor))).flatMap((p) => p.records);
		expect(again.every((r) => seen.has(version(r)) && r.modifiedAt.slice(0, 19) === cursor.slice(0, 19))).toBe(true);
		expect(again.length).toBeGreaterThan(0);

		const [x, y] = all.slice(10, 12);
		await a.upsert('Lead', [
			{ ref: 'x', id: x.id, fields: { Title: 'Changed' } },
			{ ref: 'y', id: y.id, fields: { Title: 'Changed too' } },
		]);
		const newer = (await collect(a.listChangedSince('Lead', cursor))).flatMap((p) => p.records).filter((r) => !seen.has(version(r)));
		expect(newer.map((r) => r.id).sort()).toEqual([x.id, y.id].sort());
		expect(newer[0].fields.Title).toMatch(/Changed/);
		for (const r of newer) seen.add(version(r));

		await a.delete('Lead', [x.id]);
		// The delete may fall in the update's second (same SystemModstamp): it is still a change, told
		// apart by IsDeleted (the merge handles a deletion before comparing times).
		const withDeleted = (await collect(a.listChangedSince('Lead', newer[1].modifiedAt, { includeDeleted: true }))).flatMap((p) => p.records).filter((r) => r.deleted || !seen.has(version(r)));
		expect(withDeleted).toEqual([expect.objectContaining({ id: x.id, deleted: true })]);
		expect(sb.calls.get('queryAll')).toBe(1);
	});

	it('lists changes for every object', async () => {
		const a = make();
		for (const o of a.objects()) {
			const recs = (await collect(a.listChangedSince(o.name, undefined))).flatMap((p) => p.records);
			expect(recs.length).toBeGreaterThan(0);
			expect(recs.every((r) => r.object === o.name && r.modifiedAt)).toBe(true);
		}
	});

	it('getByIds for every object, skipping unknown ids', async () => {
		const a = make();
		for (const o of a.objects()) {
			const ids = sb.records(o.name).map((r) => r.Id as string);
			const got = await a.getByIds(o.name, [...ids, `${ids[0].slice(0, 3)}5g0000ZZZZZZAAA`]);
			expect(got.map((r) => r.id).sort()).toEqual([...ids].sort());
		}
		const lead = (await a.getByIds('Lead', [sb.records('Lead')[0].Id as string], ['Email']))[0];
		expect(Object.keys(lead.fields).sort()).toEqual(['Email', 'Id', 'SystemModstamp']);
	});

	it('upsert mixes creates and updates for every object, one result per input in order', async () => {
		const a = make();
		const existing = (type: string) => sb.records(type)[0].Id as string;
		const payloads: Record<string, [Record<string, unknown>, Record<string, unknown>]> = {
			Lead: [{ LastName: 'New', Company: 'NewCo', Email: 'new@newco.example' }, { Title: 'VP Sales' }],
			Contact: [{ LastName: 'New', AccountId: accountId() }, { Title: 'CFO' }],
			Account: [{ Name: 'New Account', Industry: 'Energy' }, { Website: 'https://updated.example' }],
			Opportunity: [{ Name: 'New deal', StageName: 'Prospecting', CloseDate: '2025-12-31', Amount: 1000 }, { StageName: 'Closed Won' }],
			Event: [{ Subject: 'Call', StartDateTime: '2025-07-01T09:00:00.000Z', DurationInMinutes: 30, WhoId: contactId() }, { Subject: 'Renamed demo' }],
			Task: [{ Subject: 'Follow up', WhoId: contactId() }, { Status: 'Completed' }],
		};
		for (const [type, [create, update]] of Object.entries(payloads)) {
			sb.resetCounters();
			const existingId = existing(type);
			const res = await a.upsert(type, [
				{ ref: 'c1', fields: create },
				{ ref: 'u1', id: existingId, fields: update },
			]);
			expect(res.map((r) => [r.ref, r.success, r.created])).toEqual([
				['c1', true, true],
				['u1', true, false],
			]);
			expect(res[0].id!.slice(0, 3)).toBe((sb.records(type)[0].Id as string).slice(0, 3));
			expect(sb.calls.get('collections.create')).toBe(1);
			expect(sb.calls.get('collections.update')).toBe(1);
			const stored = sb.records(type).find((r) => r.Id === existingId)!;
			for (const [k, v] of Object.entries(update)) expect(stored[k]).toBe(v);
		}
	});

	it('upsert by external id field (idProperty) creates then updates', async () => {
		const a = make();
		const first = await a.upsert('Lead', [{ ref: 'a', fields: { FieldFlow_Id__c: 'ff-9', LastName: 'Ext', Company: 'ExtCo' } }, { ref: 'b', fields: { LastName: 'NoKey', Company: 'X' } }], { idProperty: 'FieldFlow_Id__c' });
		expect(first[0]).toMatchObject({ success: true, created: true });
		expect(first[1].error).toMatchObject({ kind: 'validation', fields: ['FieldFlow_Id__c'] });
		const second = await a.upsert('Lead', [{ ref: 'a', fields: { FieldFlow_Id__c: 'ff-9', Title: 'Boss' } }], { idProperty: 'FieldFlow_Id__c' });
		expect(second[0]).toMatchObject({ success: true, created: false, id: first[0].id });
		expect(sb.calls.get('collections.upsert')).toBe(2);
	});

	it('delete removes records and reports unknown ones as not_found', async () => {
		const a = make();
		const ids = sb.records('Task').map((r) => r.Id as string);
		const res = await a.delete('Task', ids);
		expect(res.map((r) => [r.ref, r.success])).toEqual(ids.map((id) => [id, true]));
		const again = await a.delete('Task', [ids[0], '00T5g0000ZZZZZZAAA']);
		expect(again.map((r) => r.error?.kind)).toEqual(['not_found', 'not_found']);
		expect(again[0].error).toMatchObject({ code: 'ENTITY_IS_DELETED', recordRef: ids[0] });
		expect(sb.records('Task')).toHaveLength(0);
	});

	it('logMeeting twice leaves one Event linked to the contact (and lead), updated the second time', async () => {
		const a = make();
		const meeting = { meetingId: 'm-42', subject: 'Site visit', startTime: '2025-06-10T15:00:00Z', durationMinutes: 30, notes: 'Walked the yard.', outcome: 'Pilot agreed', linkTo: { object: 'Contact', id: contactId() } };
		const r1 = await a.logMeeting(meeting);
		const r2 = await a.logMeeting({ ...meeting, notes: 'Walked the yard. Met the foreman.' });
		expect(r1).toMatchObject({ success: true, created: true });
		expect(r2).toMatchObject({ success: true, created: false, id: r1.id });
		const events = sb.records('Event').filter((e) => String(e.Description).includes('[FieldFlow meeting m-42]'));
		expect(events).toHaveLength(1);
		expect(events[0]).toMatchObject({ WhoId: contactId(), DurationInMinutes: 30, Subject: 'Site visit', StartDateTime: '2025-06-10T15:00:00.000+0000', EndDateTime: '2025-06-10T15:30:00.000+0000' });
		expect(events[0].Description).toContain('Met the foreman.');
		expect(events[0].Description).toContain('Outcome: Pilot agreed');
		// with existingId: straight update, no search
		sb.resetCounters();
		const r3 = await a.logMeeting({ ...meeting, existingId: r1.id, subject: 'Site visit (rescheduled)' });
		expect(r3).toMatchObject({ success: true, id: r1.id, created: false });
		expect(sb.calls.get('query')).toBeUndefined();
		// a lead link works too
		const leadId = sb.records('Lead')[0].Id as string;
		const r4 = await a.logMeeting({ ...meeting, meetingId: 'm-43', linkTo: { object: 'Lead', id: leadId } });
		const r5 = await a.logMeeting({ ...meeting, meetingId: 'm-43', linkTo: { object: 'Lead', id: leadId } });
		expect(r5.id).toBe(r4.id);
		expect(sb.records('Event').filter((e) => e.WhoId === leadId)).toHaveLength(1);
	});

	it('addNote twice leaves one completed Task', async () => {
		const a = make();
		const note = { summaryId: "s-7'x", body: 'AI summary: customer wants a pilot.', linkTo: { object: 'Contact', id: contactId() } };
		const r1 = await a.addNote(note);
		const r2 = await a.addNote({ ...note, body: 'AI summary v2' });
		expect(r1).toMatchObject({ success: true, created: true });
		expect(r2).toMatchObject({ success: true, created: false, id: r1.id });
		const tasks = sb.records('Task').filter((t) => String(t.Subject).includes("s-7'x"));
		expect(tasks).toHaveLength(1);
		expect(tasks[0]).toMatchObject({ Status: 'Completed', WhoId: contactId() });
		expect(tasks[0].Description).toContain('AI summary v2');
		expect(tasks[0].Description).toContain("[FieldFlow summary s-7'x]");
	});

	it('findDuplicates by email and by company name, escaping quotes and backslashes', async () => {
		const a = make();
		sb.seed({ Lead: [{ LastName: 'Slash', Company: 'Back\\Slash Ltd', Email: 'slash@back.example' }, { LastName: 'Pct', Company: '100% Co' }] });
		const contacts = await a.findDuplicates('Contact', [
			{ ref: 'r1', email: 'MARIA.ANDERS@northwind.example' },
			{ ref: 'r2', email: "o'brien@nowhere.example" },
		]);
		expect(contacts[0].matches).toEqual([expect.objectContaining({ matchedOn: 'email', object: 'Contact', id: sb.records('Contact')[0].Id })]);
		expect(contacts[1].matches).toEqual([]);
		const accounts = await a.findDuplicates('Account', [{ ref: 'q', company: "o'brien & sons farm supply" }, { ref: 'n', company: 'Nobody Inc' }]);
		expect(accounts[0].matches.map((m) => m.record.fields.Name)).toEqual(["O'Brien & Sons Farm Supply"]);
		expect(accounts[1].matches).toEqual([]);
		const leads = await a.findDuplicates('Lead', [{ ref: 'b', company: 'Back\\Slash Ltd' }, { ref: 'p', company: '100_ Co' }, { ref: 'e', email: 'slash@back.example' }]);
		expect(leads[0].matches).toHaveLength(1);
		expect(leads[1].matches).toEqual([]);
		expect(leads[2].matches[0]).toMatchObject({ matchedOn: 'email' });
	});

	it('findDuplicates scales: every returned row finds its criteria by key (no rows × criteria scan), shared keys all match', async () => {
		const a = make({ ratePerSecond: 1e6 });
		const n = 400;
		sb.seed({ Lead: Array.from({ length: n }, (_, i) => ({ LastName: `Dup${i}`, Company: `DupCo ${i}`, Email: `dup${i}@dupco.example` })) });
		const criteria = Array.from({ length: n }, (_, i) => ({ ref: String(i), email: `DUP${i}@dupco.example `, company: `dupco ${i}` }));
		criteria.push({ ref: 'twin', email: 'dup7@dupco.example', company: 'DupCo 7' });
		const t0 = Date.now();
		const found = await a.findDuplicates('Lead', criteria);
		expect(Date.now() - t0).toBeLessThan(20_000);
		expect(found).toHaveLength(n + 1);
		for (const f of [found[0], found[234], found[n - 1]]) {
			expect(f.matches.map((m) => m.matchedOn)).toEqual(['email']);
			expect(f.matches[0].record.fields.Email).toBe(`dup${f.ref}@dupco.example`);
		}
		expect(found[n].matches.map((m) => m.id)).toEqual(found[7].matches.map((m) => m.id));
	});

	it('listFields maps describe to field types with required / read-only / maxLength / options', async () => {
		const a = make();
		const lead = Object.fromEntries((await a.listFields('Lead')).map((f) => [f.name, f]));
		expect(lead.LastName).toMatchObject({ type: 'text', required: true, readOnly: false, maxLength: 80, vendorType: 'string' });
		expect(lead.Email).toMatchObject({ type: 'email', required: false, maxLength: 80 });
		expect(lead.Status.type).toBe('picklist');
		expect(lead.Status.required).toBe(false);
		expect(lead.Status.options!.map((o) => o.value)).toEqual(['Open - Not Contacted', 'Working - Contacted', 'Closed - Converted', 'Closed - Not Converted']);
		expect(lead.SystemModstamp).toMatchObject({ type: 'datetime', readOnly: true });
		expect(lead.AnnualRevenue.type).toBe('number');
		for (const o of ['Contact', 'Account', 'Opportunity', 'Event', 'Task']) {
			const f = await a.listFields(o);
			expect(f.find((x) => x.name === 'Id')).toMatchObject({ type: 'reference', readOnly: true });
		}
		const opp = Object.fromEntries((await a.listFields('Opportunity')).map((f) => [f.name, f]));
		expect(opp.CloseDate).toMatchObject({ type: 'date', required: true });
		expect(opp.StageName).toMatchObject({ type: 'picklist', required: true });
	});

	it('1,000 creates take exactly 5 API calls (adapter stats and sandbox counters)', async () => {
		const a = make();
		sb.resetCounters();
		const inputs: WriteInput[] = Array.from({ length: 1000 }, (_, i) => ({ ref: `p${i}`, fields: { LastName: `L${i}`, Company: 'Thousand Co', Email: `t${i}@k.example` } }));
		const res = await a.upsert('Lead', inputs);
		expect(res.map((r) => r.ref)).toEqual(inputs.map((i) => i.ref));
		expect(res.every((r) => r.success && r.created)).toBe(true);
		expect(a.stats.calls).toBe(5);
		expect(sb.totalCalls()).toBe(5);
		expect(sb.calls.get('collections.create')).toBe(5);
		expect(sb.records('Lead').filter((l) => l.Company === 'Thousand Co')).toHaveLength(1000);
	});

	it('a batch with one invalid record still writes the others', async () => {
		const a = make();
		const res = await a.upsert('Contact', [
			{ ref: 'ok1', fields: { LastName: 'Ok1' } },
			{ ref: 'bad', fields: { LastName: 'Bad', Email: 'not an email' } },
			{ ref: 'ok2', fields: { LastName: 'Ok2' } },
		]);
		expect(res.map((r) => r.success)).toEqual([true, false, true]);
		expect(res[1].error).toBeInstanceOf(SyncError);
		expect(res[1].error).toMatchObject({ kind: 'validation', fields: ['Email'], code: 'INVALID_EMAIL_ADDRESS', recordRef: 'bad' });
		expect(res[1].error!.message).toMatch(/invalid email address/);
		expect(sb.records('Contact').filter((c) => /^Ok/.test(String(c.LastName)))).toHaveLength(2);
	});

	describe('error classification', () => {
		it('auth_expired: an expired token without refresh credentials', async () => {
			const a = make({ refreshToken: undefined, clientId: undefined, clientSecret: undefined });
			sb.expireAccessTokens();
			const err = await a.getByIds('Lead', [sb.records('Lead')[0].Id as string]).catch((e) => e);
			expect(err).toBeInstanceOf(SyncError);
			expect(err).toMatchObject({ kind: 'auth_expired', status: 401, code: 'INVALID_SESSION_ID' });
			expect(err.message).not.toContain(sb.accessToken);
			expect(a.stats.calls).toBe(1);
		});

		it('validation names the field (required, too long, restricted picklist, unknown field)', async () => {
			const a = make();
			const res = await a.upsert('Lead', [
				{ ref: 'r1', fields: { Company: 'NoLast' } },
				{ ref: 'r2', fields: { LastName: 'x'.repeat(81), Company: 'C' } },
				{ ref: 'r3', fields: { LastName: 'P', Company: 'C', Status: 'Maybe' } },
				{ ref: 'r4', fields: { LastName: 'U', Company: 'C', Shoe_Size__c: 44 } },
			]);
			expect(res.map((r) => [r.error?.kind, r.error?.code, r.error?.fields])).toEqual([
				['validation', 'REQUIRED_FIELD_MISSING', ['LastName']],
				['validation', 'STRING_TOO_LONG', ['LastName']],
				['validation', 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', ['Status']],
				['validation', 'INVALID_FIELD', ['Shoe_Size__c']],
			]);
			const q = await collect(a.listChangedSince('Lead', undefined, { fields: ['NoSuchField'] })).catch((e) => e);
			expect(q).toMatchObject({ kind: 'validation', code: 'INVALID_FIELD', status: 400 });
		});

		it('rate_limit: 403 REQUEST_LIMIT_EXCEEDED that outlasts the retries', async () => {
			const a = make({ retry: { ...FAST, maxAttempts: 2 } });
			sb.injectFault({ kind: 'rateLimit', endpoint: 'collections.retrieve', retryAfter: 0 });
			const err = await a.getByIds('Lead', [sb.records('Lead')[0].Id as string]).catch((e) => e);
			expect(err).toMatchObject({ kind: 'rate_limit', status: 403, code: 'REQUEST_LIMIT_EXCEEDED' });
			expect(sb.calls.get('collections.retrieve')).toBe(2);
			expect(a.stats.calls).toBe(2);
		});

		it('not_found: updating a deleted id, describing an unknown object', async () => {
			const a = make();
			const id = sb.records('Account')[4].Id as string;
			await a.delete('Account', [id]);
			const res = await a.upsert('Account', [{ ref: 'gone', id, fields: { Name: 'Back' } }]);
			expect(res[0].error).toMatchObject({ kind: 'not_found', code: 'ENTITY_IS_DELETED', recordRef: 'gone' });
			const missing = await a.upsert('Account', [{ ref: 'never', id: '0015g0000ZZZZZZAAA', fields: { Name: 'X' } }]);
			expect(missing[0].error).toMatchObject({ kind: 'not_found' });
			await expect(a.listFields('Nope__c')).rejects.toMatchObject({ kind: 'not_found', status: 404 });
		});

		it('transient: a 500 that persists; a single 500 is retried and succeeds', async () => {
			const a = make({ retry: { ...FAST, maxAttempts: 3 } });
			sb.injectFault({ kind: 'server', endpoint: 'sobject.describe' });
			await expect(a.listFields('Lead')).rejects.toMatchObject({ kind: 'transient', status: 500, code: 'UNKNOWN_EXCEPTION' });
			expect(sb.calls.get('sobject.describe')).toBe(3);
			sb.clearFaults();
			sb.resetCounters();
			sb.injectFault({ kind: 'server', endpoint: 'sobject.describe', times: 1 });
			const b = make();
			await expect(b.listFields('Lead')).resolves.toHaveLength(SALESFORCE_OBJECTS.Lead.fields.length);
			expect(b.stats).toMatchObject({ calls: 2, retries: 1 });
			expect(sb.calls.get('sobject.describe')).toBe(2);
		});
	});

	it('rides out a 429 storm (every other write rate-limited, Retry-After 1 s) writing every record exactly once', async () => {
		const waits: number[] = [];
		sb.injectFault({ kind: 'rateLimit', endpoint: 'collections.create', every: 2, retryAfter: 1 });
		sb.resetCounters();
		const inputs: WriteInput[] = Array.from({ length: 600 }, (_, i) => ({ ref: `s${i}`, fields: { LastName: `S${i}`, Company: 'Storm Co' } }));
		const t0 = Date.now();
		const a = make({ sleep: (ms) => (waits.push(ms), new Promise((r) => setTimeout(r, ms))) });
		const res = await a.upsert('Lead', inputs);
		expect(res.every((r) => r.success)).toBe(true);
		expect(sb.calls.get('collections.create')).toBe(5); // 3 batches + 2 rate-limited attempts
		expect(waits.filter((w) => w >= 1000)).toHaveLength(2);
		expect(Date.now() - t0).toBeGreaterThanOrEqual(2000);
		const stored = sb.records('Lead').filter((l) => l.Company === 'Storm Co');
		expect(stored).toHaveLength(600);
		expect(new Set(stored.map((l) => l.LastName)).size).toBe(600);
		expect(a.stats).toMatchObject({ calls: 5, retries: 2 });
	});

	it('the 503 + Retry-After variant is also a rate limit that is retried', async () => {
		sb.rateLimitStyle = 'serviceUnavailable';
		sb.injectFault({ kind: 'rateLimit', endpoint: 'query', times: 1, retryAfter: 0 });
		const a = make();
		const pages = await collect(a.listChangedSince('Account', undefined));
		expect(pages[0].records).toHaveLength(5);
		expect(a.stats).toMatchObject({ calls: 2, retries: 1 });
	});

	it('refreshes an expired access token mid-run once, tells onTokenRefreshed, and continues', async () => {
		sb.seed({ Contact: Array.from({ length: 450 }, (_, i) => ({ LastName: `C${i}` })) });
		const refreshed: string[] = [];
		const a = make({ onTokenRefreshed: (t) => void refreshed.push(t) });
		sb.resetCounters();
		const seen: number[] = [];
		for await (const page of a.listChangedSince('Contact', undefined, { pageSize: 200 })) {
			seen.push(page.records.length);
			if (seen.length === 1) sb.expireAccessTokens();
		}
		expect(seen).toEqual([200, 200, 55]);
		expect(sb.calls.get('oauth.token')).toBe(1);
		expect(a.stats.byEndpoint['oauth.token']).toBe(1);
		expect(refreshed).toHaveLength(1);
		expect(sb.validTokens.has(refreshed[0])).toBe(true);
		expect(a.conn.accessToken).toBe(refreshed[0]);
		// queryMore: 401 once, then OK with the new token
		expect(sb.calls.get('queryMore')).toBe(3);
	});

	it('a failing refresh ends in auth_expired after one refresh attempt (no loop)', async () => {
		const refreshed: string[] = [];
		const a = make({ onTokenRefreshed: (t) => void refreshed.push(t) });
		sb.revokeRefreshToken();
		sb.expireAccessTokens();
		sb.resetCounters();
		const err = await a.listFields('Lead').catch((e) => e);
		expect(err).toMatchObject({ kind: 'auth_expired', code: 'INVALID_SESSION_ID' });
		expect(sb.calls.get('oauth.token')).toBe(1);
		expect(sb.calls.get('sobject.describe')).toBe(1);
		expect(refreshed).toEqual([]);
		const upserts = await a.upsert('Lead', Array.from({ length: 450 }, (_, i) => ({ ref: `x${i}`, fields: { LastName: 'X', Company: 'Y' } })));
		expect(upserts.every((r) => r.error?.kind === 'auth_expired')).toBe(true);
		expect(sb.calls.get('collections.create')).toBe(1); // the refresh failed: no replay, later batches short-circuit
		expect(sb.calls.get('oauth.token')).toBe(2);
		expect(JSON.stringify(upserts.map((r) => r.error))).not.toContain(sb.refreshToken);
	});
});
