/**
 * The Salesforce sandbox as the real jsforce SDK (and raw fetch) sees it: SOQL + queryMore,
 * sObject CRUD, collections with per-record errors, describe, OAuth refresh, and every fault
 * switch in Salesforce's error shapes.
 */
for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[k];

import { Connection } from 'jsforce';
import { SalesforceSandbox } from './salesforce';

const NO_RETRY = { retry: { maxRetries: 0, methods: [] as string[] } };

describe('Salesforce sandbox through jsforce', () => {
	const sb = new SalesforceSandbox();
	let conn: Connection;
	let api: string;

	beforeAll(async () => {
		await sb.start(0);
		api = `${sb.url}/services/data/v62.0`;
	});
	afterAll(() => sb.stop());
	beforeEach(() => {
		sb.reset();
		sb.seedSample();
		sb.rateLimitStyle = 'requestLimit';
		conn = new Connection({ instanceUrl: sb.url, accessToken: sb.accessToken, version: '62.0' });
	});

	const raw = (path: string, init: RequestInit = {}) =>
		fetch(`${api}${path}`, { ...init, headers: { Authorization: `Bearer ${sb.accessToken}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });

	it('reads seeded data with SOQL (WHERE, LIKE with an escaped quote, ORDER BY)', async () => {
		const res = await conn.query<{ Id: string; Name: string }>("SELECT Id, Name FROM Account WHERE Name LIKE 'O\\'Brien%' OR Industry = 'Retail' ORDER BY Name DESC");
		expect(res.records.map((r) => r.Name)).toEqual(["O'Brien & Sons Farm Supply", 'Northwind Traders']);
		expect(res.records[0].Id).toMatch(/^001[A-Za-z0-9]{15}$/);
		expect(res.done).toBe(true);
		expect(res.totalSize).toBe(2);
		expect(sb.calls.get('query')).toBe(1);
	});

	it('pages with nextRecordsUrl / queryMore and honours batchSize', async () => {
		const people = Array.from({ length: 450 }, (_, i) => ({ LastName: `Person ${i}`, Company: 'Bulk Co', Email: `p${i}@bulk.example` }));
		sb.seed({ Lead: people });
		const first = await conn.request<{ done: boolean; nextRecordsUrl?: string; records: unknown[]; totalSize: number }>({
			method: 'GET',
			url: `/query?q=${encodeURIComponent("SELECT Id FROM Lead WHERE Company = 'Bulk Co'")}`,
			headers: { 'Sforce-Query-Options': 'batchSize=200' },
		});
		expect(first.totalSize).toBe(450);
		expect(first.records).toHaveLength(200);
		expect(first.done).toBe(false);
		expect(first.nextRecordsUrl).toMatch(/^\/services\/data\/v62\.0\/query\/01g\w+-200$/);
		const second = await conn.queryMore(first.nextRecordsUrl!);
		expect(second.records).toHaveLength(200);
		const third = await conn.queryMore(second.nextRecordsUrl!);
		expect(third.records).toHaveLength(50);
		expect(third.done).toBe(true);
		expect(sb.calls.get('queryMore')).toBe(2);
	});

	it('rejects datetime literals in quotes, unknown columns, unfilterable Description and bad syntax like Salesforce', async () => {
		await expect(conn.query("SELECT Id FROM Lead WHERE SystemModstamp > '2024-01-01T00:00:00Z'")).rejects.toMatchObject({ errorCode: 'INVALID_FIELD' });
		await expect(conn.query('SELECT Id, Bogus__c FROM Lead')).rejects.toMatchObject({ errorCode: 'INVALID_FIELD' });
		await expect(conn.query("SELECT Id FROM Event WHERE Description = 'x'")).rejects.toMatchObject({ errorCode: 'INVALID_FIELD' });
		await expect(conn.query('SELECT Id FROM Lead WHERE')).rejects.toMatchObject({ errorCode: 'MALFORMED_QUERY' });
		const ok = await conn.query('SELECT Id FROM Lead WHERE SystemModstamp > 2000-01-01T00:00:00Z AND Email != null');
		expect(ok.totalSize).toBe(5);
	});

	it('creates, updates and deletes one record; deleted rows show in queryAll only', async () => {
		const created = await conn.sobject('Lead').create({ LastName: 'Nguyen', Company: 'Acme Field Services', Email: 'an@acme.example' });
		expect(created).toMatchObject({ success: true });
		const id = (created as { id: string }).id;
		expect(id.startsWith('00Q')).toBe(true);
		expect(id).toHaveLength(18);
		await conn.sobject('Lead').update({ Id: id, Title: 'COO' });
		const got = (await conn.sobject('Lead').retrieve(id)) as unknown as Record<string, unknown>;
		expect(got).toMatchObject({ Title: 'COO', Status: 'Open - Not Contacted', IsDeleted: false });
		expect(got.SystemModstamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
		await conn.sobject('Lead').destroy(id);
		const live = await conn.query(`SELECT Id FROM Lead WHERE Id = '${id}'`);
		expect(live.totalSize).toBe(0);
		const all = await conn.query(`SELECT Id, IsDeleted FROM Lead WHERE Id = '${id}'`, { scanAll: true });
		expect(all.records).toEqual([expect.objectContaining({ Id: id, IsDeleted: true })]);
		expect(sb.calls.get('queryAll')).toBe(1);
		await expect(conn.sobject('Lead').retrieve(id)).rejects.toMatchObject({ errorCode: 'NOT_FOUND' });
	});

	it('validates single writes with Salesforce error arrays naming the fields', async () => {
		const res = await raw('/sobjects/Lead', { method: 'POST', body: JSON.stringify({ FirstName: 'X', Email: 'not-an-email', Bogus: 1 }) });
		expect(res.status).toBe(400);
		const body = (await res.json()) as Array<{ errorCode: string; fields: string[] }>;
		expect(body).toEqual(
			expect.arrayContaining([
				expect.objectContaining({ errorCode: 'INVALID_FIELD', fields: ['Bogus'] }),
				expect.objectContaining({ errorCode: 'INVALID_EMAIL_ADDRESS', fields: ['Email'] }),
				expect.objectContaining({ errorCode: 'REQUIRED_FIELD_MISSING', fields: ['LastName', 'Company'] }),
			]),
		);
		await expect(conn.sobject('Lead').create({ LastName: 'x'.repeat(81), Company: 'C' })).rejects.toMatchObject({ errorCode: 'STRING_TOO_LONG', data: { fields: ['LastName'] } });
		await expect(conn.sobject('Lead').create({ LastName: 'Y', Company: 'C', Status: 'Maybe' })).rejects.toMatchObject({
			errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
		});
		const missing = await raw('/sobjects/Lead/00Q5g0000ZZZZZZAAA', { method: 'PATCH', body: '{"Title":"x"}' });
		expect(missing.status).toBe(404);
		expect(await missing.json()).toEqual([{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
	});

	it('sObject Collections report per-record results, cap at 200 and honour allOrNone', async () => {
		const results = await conn.sobject('Contact').create(
			[{ LastName: 'Good' }, { LastName: 'Bad', Email: 'nope' }, { FirstName: 'NoLast' }],
			{ allOrNone: false },
		);
		expect(results.map((r) => r.success)).toEqual([true, false, false]);
		expect(results[1]).toMatchObject({ success: false, errors: [{ statusCode: 'INVALID_EMAIL_ADDRESS', fields: ['Email'] }] });
		expect(results[2]).toMatchObject({ errors: [{ statusCode: 'REQUIRED_FIELD_MISSING', fields: ['LastName'] }] });
		expect(sb.calls.get('collections.create')).toBe(1);

		const before = sb.records('Contact').length;
		const rolled = await conn.sobject('Contact').create([{ LastName: 'A' }, { LastName: 'B', Email: 'bad' }], { allOrNone: true });
		expect(rolled.map((r) => r.success)).toEqual([false, false]);
		expect((rolled[0] as { errors: Array<{ statusCode: string }> }).errors[0].statusCode).toBe('ALL_OR_NONE_OPERATION_ROLLED_BACK');
		expect(sb.records('Contact').length).toBe(before);

		const tooMany = await raw('/composite/sobjects', {
			method: 'POST',
			body: JSON.stringify({ allOrNone: false, records: Array.from({ length: 201 }, (_, i) => ({ attributes: { type: 'Contact' }, LastName: `N${i}` })) }),
		});
		expect(tooMany.status).toBe(400);
		expect(await tooMany.json()).toEqual([expect.objectContaining({ errorCode: 'EXCEEDED_ID_LIMIT' })]);

		const id = (results[0] as { id: string }).id;
		const upd = await conn.sobject('Contact').update([{ Id: id, Title: 'CTO' }, { Id: '0035g0000ZZZZZZAAA', Title: 'x' }], { allOrNone: false });
		expect(upd.map((r) => r.success)).toEqual([true, false]);
		const got = await conn.request<Array<Record<string, unknown> | null>>(`/composite/sobjects/Contact?ids=${id},0035g0000ZZZZZZAAA&fields=Id,Title`);
		expect(got[0]).toMatchObject({ Id: id, Title: 'CTO' });
		expect(got[1]).toBeNull();
		const del = await conn.sobject('Contact').destroy([id, id.replace(/.$/, 'Z')]);
		expect(del.map((r) => r.success)).toEqual([true, false]);
	});

	it('upserts by external id through PATCH /composite/sobjects/<Type>/<Field>', async () => {
		const first = await conn.sobject('Lead').upsert([{ FieldFlow_Id__c: 'ff-1', LastName: 'One', Company: 'C1' }, { FieldFlow_Id__c: 'ff-2', LastName: 'Two', Company: 'C2' }], 'FieldFlow_Id__c', { allOrNone: false });
		expect(first.map((r) => (r as { created?: boolean }).created)).toEqual([true, true]);
		const second = await conn.sobject('Lead').upsert([{ FieldFlow_Id__c: 'ff-1', Title: 'Boss' }], 'FieldFlow_Id__c', { allOrNone: false });
		expect(second[0]).toMatchObject({ success: true, created: false });
		expect(sb.calls.get('collections.upsert')).toBe(2);
	});

	it('the unique external id stays enforced through create, delete, recreate and update-away', async () => {
		const create = async (ff: string) => (await conn.sobject('Lead').create({ LastName: 'L', Company: 'C', FieldFlow_Id__c: ff })) as { id: string; success: boolean };
		const duplicateOf = async (p: Promise<unknown>) => {
			const e = (await p.then(
				() => {
					throw new Error('expected DUPLICATE_VALUE');
				},
				(err: unknown) => err,
			)) as { errorCode: string; data: { message: string; fields: string[] } };
			expect(e.errorCode).toBe('DUPLICATE_VALUE');
			expect(e.data.fields).toEqual(['FieldFlow_Id__c']);
			return /with id: (\w+)/.exec(e.data.message)?.[1];
		};
		const first = await create('ff-cycle');
		expect(await duplicateOf(create('FF-CYCLE'))).toBe(first.id);

		await conn.sobject('Lead').destroy(first.id);
		const second = await create('ff-cycle');
		expect(await duplicateOf(create('ff-cycle'))).toBe(second.id);

		await conn.sobject('Lead').update({ Id: second.id, FieldFlow_Id__c: 'ff-moved' });
		const third = await create('ff-cycle');
		expect(await duplicateOf(conn.sobject('Lead').update({ Id: third.id, FieldFlow_Id__c: 'FF-Moved' }))).toBe(second.id);
		await conn.sobject('Lead').update({ Id: second.id, FieldFlow_Id__c: 'ff-moved', Title: 'Same id again is fine' });

		// Upsert matches the current holders; the deleted first record is never matched.
		const up = await conn.sobject('Lead').upsert(
			[
				{ FieldFlow_Id__c: 'FF-MOVED', Title: 'A' },
				{ FieldFlow_Id__c: 'ff-cycle', Title: 'B' },
			],
			'FieldFlow_Id__c',
			{ allOrNone: false },
		);
		expect(up.map((r) => [(r as { id: string }).id, (r as { created: boolean }).created])).toEqual([
			[second.id, false],
			[third.id, false],
		]);
	});

	it('SOQL by Email IN / external id = / SystemModstamp >= answers what the WHERE says (query and queryAll)', async () => {
		const made = (await conn.sobject('Lead').create(
			Array.from({ length: 6 }, (_, i) => ({ LastName: `Q${i}`, Company: 'C', Email: i < 3 ? 'shared@example.com' : `q${i}@example.com`, FieldFlow_Id__c: `ffq-${i}` })),
			{ allOrNone: true },
		)) as Array<{ id: string }>;
		// SystemModstamp is in whole seconds and the collection shares one: move a second on before
		// each later write so the WHERE on stamps below has three distinct seconds to tell apart.
		const s0 = sb.tables.Lead.get(made[0].id)!.updatedAt;
		sb.clock.advance(1000);
		await conn.sobject('Lead').update({ Id: made[1].id, Email: 'other@example.com' });
		sb.clock.advance(1000);
		await conn.sobject('Lead').destroy(made[2].id);
		const ids = async (soql: string, all = false) => (await conn.query<{ Id: string }>(soql, { scanAll: all })).records.map((r) => r.Id);
		expect(await ids("SELECT Id FROM Lead WHERE Email IN ('SHARED@example.com', 'q4@example.com', 'nobody@example.com') ORDER BY Id")).toEqual([made[0].id, made[4].id].sort());
		expect(await ids("SELECT Id FROM Lead WHERE Email = 'shared@example.com'", true)).toEqual([made[0].id, made[2].id]);
		expect(await ids("SELECT Id FROM Lead WHERE Email = 'Other@Example.com' AND LastName = 'Q1'")).toEqual([made[1].id]);
		expect(await ids("SELECT Id FROM Lead WHERE Email = 'other@example.com' AND LastName = 'Q9'")).toEqual([]);
		expect(await ids("SELECT Id FROM Lead WHERE FieldFlow_Id__c = 'FFQ-3'")).toEqual([made[3].id]);
		const second = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('Z', '+0000');
		const stamp0 = second(s0);
		const stamp1 = second(sb.tables.Lead.get(made[1].id)!.updatedAt);
		const sameSecond = [made[0].id, made[3].id, made[4].id, made[5].id].sort();
		// Ties on one second come in Id order (ORDER BY SystemModstamp, Id).
		expect(await ids(`SELECT Id FROM Lead WHERE SystemModstamp >= ${stamp0} AND Company = 'C' ORDER BY SystemModstamp ASC, Id ASC`)).toEqual([...sameSecond, made[1].id]);
		expect(await ids(`SELECT Id FROM Lead WHERE SystemModstamp >= ${stamp1} AND Company = 'C' ORDER BY SystemModstamp ASC, Id ASC`)).toEqual([made[1].id]);
		expect(await ids(`SELECT Id FROM Lead WHERE LastModifiedDate > ${stamp0} AND Company = 'C' ORDER BY SystemModstamp ASC, Id ASC`)).toEqual([made[1].id]);
		// queryAll also sees the deleted record, which changed last.
		expect(await ids(`SELECT Id FROM Lead WHERE SystemModstamp > ${stamp0} AND Company = 'C' ORDER BY SystemModstamp ASC, Id ASC`, true)).toEqual([made[1].id, made[2].id]);
	});

	it('Name LIKE ... OR Name LIKE ... (the duplicate check by company name) answers what the WHERE says: case-insensitive equality without wildcards, patterns with them, mixed with other fields', async () => {
		const made = (await conn.sobject('Account').create(
			[{ Name: 'Acme Corp' }, { Name: 'ACME corp' }, { Name: 'Acme Corporation' }, { Name: '50% Off_Shop' }, { Name: 'Globex', Industry: 'Biotechnology' }],
			{ allOrNone: true },
		)) as Array<{ id: string }>;
		const names = async (soql: string) => (await conn.query<{ Name: string }>(soql)).records.map((r) => r.Name).sort();
		expect(await names("SELECT Name FROM Account WHERE Name LIKE 'acme corp' OR Name LIKE 'Nobody'")).toEqual(['ACME corp', 'Acme Corp']);
		// An escaped wildcard is a literal character; an unescaped one is a pattern.
		expect(await names("SELECT Name FROM Account WHERE Name LIKE '50\\% off\\_shop' OR Name LIKE 'globex'")).toEqual(['50% Off_Shop', 'Globex']);
		expect(await names("SELECT Name FROM Account WHERE Name LIKE 'Acme Corp%' OR Name = 'Globex'")).toEqual(['ACME corp', 'Acme Corp', 'Acme Corporation', 'Globex']);
		expect(await names("SELECT Name FROM Account WHERE Name LIKE 'acme corp' OR Industry = 'Biotechnology'")).toEqual(['ACME corp', 'Acme Corp', 'Globex']);
		// Deleted and renamed rows are not found by their old name.
		await conn.sobject('Account').destroy(made[1].id);
		await conn.sobject('Account').update({ Id: made[0].id, Name: 'Initech' });
		expect(await names("SELECT Name FROM Account WHERE Name LIKE 'acme corp' OR Name LIKE 'initech'")).toEqual(['Initech']);
	});

	it('describes objects with types, lengths, required-ness and picklists', async () => {
		const d = await conn.sobject('Lead').describe();
		const byName = Object.fromEntries(d.fields.map((f) => [f.name, f]));
		expect(byName.LastName).toMatchObject({ type: 'string', length: 80, nillable: false, createable: true });
		expect((byName.Status.picklistValues ?? []).map((p) => p.value)).toContain('Working - Contacted');
		expect(byName.SystemModstamp).toMatchObject({ createable: false, updateable: false });
		await expect(conn.sobject('Nope__c').describe()).rejects.toMatchObject({ errorCode: 'NOT_FOUND' });
	});

	it('OAuth refresh: a valid refresh token issues a new access token; a wrong one answers invalid_grant', async () => {
		const c = new Connection({
			instanceUrl: sb.url,
			version: '62.0',
			oauth2: { clientId: sb.clientId, clientSecret: sb.clientSecret, loginUrl: sb.url },
		});
		const res = await c.oauth2.refreshToken(sb.refreshToken);
		expect(res).toMatchObject({ instance_url: sb.url, token_type: 'Bearer' });
		expect(sb.validTokens.has(res.access_token)).toBe(true);
		expect(typeof res.signature).toBe('string');
		sb.expireAccessTokens();
		await expect(conn.query('SELECT Id FROM Lead')).rejects.toMatchObject({ errorCode: 'INVALID_SESSION_ID' });
		await expect(c.oauth2.refreshToken('wrong')).rejects.toMatchObject({ name: 'invalid_grant', message: 'expired access/refresh token' });
	});

	describe('fault switches answer in Salesforce shapes', () => {
		it('auth → 401 INVALID_SESSION_ID', async () => {
			sb.injectFault({ kind: 'auth', endpoint: 'query', times: 1 });
			const res = await raw('/query?q=SELECT+Id+FROM+Lead');
			expect(res.status).toBe(401);
			expect(await res.json()).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
		});
		it('notFound → 404 NOT_FOUND', async () => {
			sb.injectFault({ kind: 'notFound', endpoint: 'sobject.retrieve', times: 1 });
			await expect(conn.sobject('Account').retrieve(sb.records('Account')[0].Id as string)).rejects.toMatchObject({ errorCode: 'NOT_FOUND' });
		});
		it('validation → 400 with the fields array', async () => {
			sb.injectFault({ kind: 'validation', endpoint: 'collections.create', times: 1, message: 'Bad data' });
			const res = await raw('/composite/sobjects', { method: 'POST', body: JSON.stringify({ records: [] }) });
			expect(res.status).toBe(400);
			expect(await res.json()).toEqual([{ message: 'Bad data', errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', fields: [] }]);
		});
		it('rateLimit → 403 REQUEST_LIMIT_EXCEEDED with Retry-After and a full Sforce-Limit-Info', async () => {
			sb.injectFault({ kind: 'rateLimit', endpoint: 'query', times: 1, retryAfter: 1 });
			const res = await raw('/query?q=SELECT+Id+FROM+Lead');
			expect(res.status).toBe(403);
			expect(res.headers.get('retry-after')).toBe('1');
			expect(res.headers.get('sforce-limit-info')).toBe('api-usage=15000/15000');
			expect(await res.json()).toEqual([{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
			const ok = await raw('/limits');
			expect(ok.headers.get('sforce-limit-info')).toMatch(/^api-usage=\d+\/15000$/);
		});
		it('rateLimit (503 style) → 503 SERVER_UNAVAILABLE with Retry-After', async () => {
			sb.rateLimitStyle = 'serviceUnavailable';
			sb.injectFault({ kind: 'rateLimit', endpoint: 'query', times: 1, retryAfter: 1 });
			await expect(conn.request({ method: 'GET', url: '/query?q=SELECT+Id+FROM+Lead' }, NO_RETRY)).rejects.toMatchObject({ errorCode: 'SERVER_UNAVAILABLE' });
			expect(sb.calls.get('query')).toBe(1);
		});
		it('server → 500 UNKNOWN_EXCEPTION', async () => {
			sb.injectFault({ kind: 'server', endpoint: 'limits', times: 1 });
			const res = await raw('/limits');
			expect(res.status).toBe(500);
			expect(await res.json()).toEqual([expect.objectContaining({ errorCode: 'UNKNOWN_EXCEPTION' })]);
		});
		it('a wrong bearer token is 401 and an unknown route is 404 NOT_FOUND', async () => {
			const res = await fetch(`${api}/limits`, { headers: { Authorization: 'Bearer nope' } });
			expect(res.status).toBe(401);
			const nf = await raw('/nothing/here');
			expect(nf.status).toBe(404);
			expect(await nf.json()).toEqual([{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
		});
	});

	describe('Salesforce fault switches (issue #16): per-record results and whole-request arrays', () => {
		const create = (records: Array<Record<string, unknown>>, allOrNone = false) =>
			raw('/composite/sobjects', { method: 'POST', body: JSON.stringify({ allOrNone, records: records.map((r) => ({ attributes: { type: 'Lead' }, Company: 'C', ...r })) }) });

		it('failRecords: the matching record answers {success:false, errors:[{statusCode, message, fields}]}, the others are saved', async () => {
			sb.failRecords({ code: 'UNABLE_TO_LOCK_ROW', where: (r) => r.LastName === 'B' });
			const res = await create([{ LastName: 'A' }, { LastName: 'B' }, { LastName: 'C' }]);
			expect(res.status).toBe(200);
			const body = (await res.json()) as Array<Record<string, unknown>>;
			expect(body[1]).toEqual({ success: false, errors: [{ statusCode: 'UNABLE_TO_LOCK_ROW', message: 'unable to obtain exclusive access to this record', fields: [] }] });
			expect(body[0]).toMatchObject({ success: true });
			expect(body[2]).toMatchObject({ success: true });
			expect(sb.records('Lead').filter((l) => ['A', 'B', 'C'].includes(String(l.LastName))).map((l) => l.LastName)).toEqual(['A', 'C']);
		});

		it('with allOrNone true the same fault rolls back the whole collection', async () => {
			sb.failRecords({ code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', field: 'Phone', message: 'Phone required', where: (r) => r.LastName === 'B' });
			const body = (await (await create([{ LastName: 'A' }, { LastName: 'B' }], true)).json()) as Array<Record<string, unknown>>;
			expect(body).toEqual([
				{ success: false, errors: [{ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK', message: expect.stringMatching(/rolled back/), fields: [] }] },
				{ success: false, errors: [{ statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'Phone required', fields: ['Phone'] }] },
			]);
			expect(sb.records('Lead').some((l) => l.LastName === 'A')).toBe(false);
		});

		it('DUPLICATES_DETECTED carries a DuplicateError duplicateResult naming the rule and the matching record', async () => {
			sb.failRecords({ code: 'DUPLICATES_DETECTED', times: 1 });
			const body = (await (await create([{ LastName: 'Dup' }])).json()) as Array<{ errors: Array<Record<string, unknown>> }>;
			const err = body[0].errors[0] as { statusCode: string; message: string; duplicateResult: { duplicateRule: string; matchResults: Array<{ matchRecords: Array<{ record: { Id: string } }> }> } };
			expect(err).toMatchObject({ statusCode: 'DUPLICATES_DETECTED', message: 'Use one of these records?', fields: [] });
			expect(err.duplicateResult.duplicateRule).toBe('Standard_Lead_Duplicate_Rule');
			expect(err.duplicateResult.matchResults[0].matchRecords[0].record.Id).toMatch(/^00Q/);
		});

		it('failRequests answers the whole request with a Salesforce error array (400; REQUEST_LIMIT_EXCEEDED 403)', async () => {
			sb.failRequests({ code: 'STORAGE_LIMIT_EXCEEDED', endpoint: 'collections.create', times: 1 });
			const res = await create([{ LastName: 'S' }]);
			expect(res.status).toBe(400);
			expect(await res.json()).toEqual([{ message: 'storage limit exceeded', errorCode: 'STORAGE_LIMIT_EXCEEDED', fields: [] }]);
			expect((await create([{ LastName: 'S' }])).status).toBe(200);
			sb.failRequests({ code: 'REQUEST_LIMIT_EXCEEDED', endpoint: 'query', times: 1 });
			const q = await raw('/query?q=SELECT+Id+FROM+Lead');
			expect(q.status).toBe(403);
			expect(q.headers.get('retry-after')).toBeNull();
			expect(await q.json()).toEqual([{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED', fields: [] }]);
		});

		it('wholeSecondStamps: SystemModstamp in whole seconds, one for a whole collection; visibilityDelayMs hides new rows from queries only', async () => {
			expect(sb.wholeSecondStamps).toBe(true); // the default, as Salesforce
			sb.clock.freeze();
			await create(Array.from({ length: 200 }, (_, i) => ({ LastName: `W${i}` })));
			sb.clock.thaw();
			const q = (await (await raw(`/query?q=${encodeURIComponent("SELECT Id, SystemModstamp, LastModifiedDate FROM Lead WHERE Company = 'C' ORDER BY SystemModstamp, Id")}`)).json()) as { records: Array<{ Id: string; SystemModstamp: string; LastModifiedDate: string }> };
			expect(q.records).toHaveLength(200);
			expect(new Set(q.records.map((r) => r.SystemModstamp)).size).toBe(1);
			expect(q.records[0].SystemModstamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+0000$/);
			expect(q.records[0].LastModifiedDate).toBe(q.records[0].SystemModstamp);
			sb.visibilityDelayMs = 5_000;
			const made = (await (await create([{ LastName: 'Hidden' }])).json()) as Array<{ id: string }>;
			sb.visibilityDelayMs = 0;
			const count = async () => ((await (await raw(`/query?q=${encodeURIComponent("SELECT Id FROM Lead WHERE LastName = 'Hidden'")}`)).json()) as { totalSize: number }).totalSize;
			expect(await count()).toBe(0);
			expect((await raw(`/sobjects/Lead/${made[0].id}`)).status).toBe(200);
			sb.clock.offsetMs += 6_000;
			expect(await count()).toBe(1);
			sb.clock.offsetMs = 0;
		});

		it('enforceDailyLimit: past the allocation every API call is 403 REQUEST_LIMIT_EXCEEDED without Retry-After', async () => {
			sb.enforceDailyLimit = true;
			sb.apiUsage = sb.dailyLimit - 1;
			expect((await raw('/limits')).status).toBe(200);
			const res = await raw('/limits');
			expect(res.status).toBe(403);
			expect(res.headers.get('retry-after')).toBeNull();
			expect(res.headers.get('sforce-limit-info')).toBe(`api-usage=${sb.dailyLimit + 1}/${sb.dailyLimit}`);
			expect(await res.json()).toEqual([{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
		});

		it('least privilege: /limits is 403 INSUFFICIENT_ACCESS without View Setup; the resources list works; a denied object is INVALID_TYPE / per-record INSUFFICIENT_ACCESS_OR_READONLY', async () => {
			sb.permissions.viewSetup = false;
			const lim = await raw('/limits');
			expect(lim.status).toBe(403);
			expect(await lim.json()).toEqual([{ message: expect.any(String), errorCode: 'INSUFFICIENT_ACCESS' }]);
			const resources = await raw('/');
			expect(resources.status).toBe(200);
			expect(await resources.json()).toMatchObject({ sobjects: '/services/data/v62.0/sobjects', query: '/services/data/v62.0/query' });
			sb.permissions.deniedObjects.add('Lead');
			const q = await raw('/query?q=SELECT+Id+FROM+Lead');
			expect(q.status).toBe(400);
			expect(await q.json()).toEqual([{ errorCode: 'INVALID_TYPE', message: expect.stringContaining("sObject type 'Lead' is not supported") }]);
			const body = (await (await create([{ LastName: 'No' }])).json()) as unknown[];
			expect(body).toEqual([{ success: false, errors: [{ statusCode: 'INSUFFICIENT_ACCESS_OR_READONLY', message: 'insufficient access rights on object id', fields: [] }] }]);
		});
	});
});
