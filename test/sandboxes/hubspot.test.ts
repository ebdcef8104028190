/**
 * The HubSpot sandbox as the real @hubspot/api-client 14 sees it: reads, writes, batch 207
 * multi-status, search paging and the cap, and every fault switch in HubSpot's error shape.
 */
import { Client } from '@hubspot/api-client';
import { HubSpotSandbox } from './hubspot';

delete process.env.HTTP_PROXY;
delete process.env.HTTPS_PROXY;
delete process.env.http_proxy;
delete process.env.https_proxy;

const TOKEN = 'pat-na1-sandbox-token';

interface ApiErr {
	code: number;
	body: Record<string, unknown> & { errors?: Array<{ code: string; context?: Record<string, string[]> }> };
	headers: Record<string, string>;
}

async function apiError(p: Promise<unknown>): Promise<ApiErr> {
	try {
		await p;
	} catch (e) {
		return e as ApiErr;
	}
	throw new Error('expected the call to fail');
}

describe('HubSpot sandbox through @hubspot/api-client', () => {
	const sb = new HubSpotSandbox();
	let client: Client;

	beforeAll(async () => {
		await sb.start(0);
		sb.setValidTokens([TOKEN]);
		client = new Client({ accessToken: TOKEN, basePath: sb.url, numberOfApiCallRetries: 0 });
	});
	afterAll(() => sb.stop());
	beforeEach(() => {
		sb.reset();
		sb.seedSample();
	});

	it('record dates keep milliseconds, as HubSpot does (ISO 8601 with .SSS; search compares them to the millisecond)', async () => {
		// HubSpot's datetime properties (createdate, lastmodifieddate, hs_lastmodifieddate) are
		// millisecond timestamps (https://developers.hubspot.com/docs/api/crm/properties, "Date and
		// datetime properties": UNIX milliseconds or ISO 8601). A batch write gives each record its
		// own modification time here; HubSpot documents no shared time for a batch, so none is modelled.
		const res = await client.crm.objects.batchApi.create('contacts', { inputs: [0, 1, 2].map((i) => ({ properties: { email: `ms${i}@example.com` }, associations: [] })) });
		const mods = res.results.map((r) => String(r.properties.lastmodifieddate));
		for (const m of mods) expect(m).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
		const [first, second] = [...mods].sort();
		const found = await client.crm.objects.searchApi.doSearch('contacts', {
			filterGroups: [{ filters: [{ propertyName: 'lastmodifieddate', operator: 'GT' as never, value: String(Date.parse(first)) }, { propertyName: 'email', operator: 'CONTAINS_TOKEN' as never, value: 'ms*' }] }],
			properties: ['email'],
			limit: 10,
		} as never);
		expect(found.results.map((r) => String(r.properties.lastmodifieddate)).sort()[0]).toBe(second);
		expect(found.total).toBe(2);
	});

	it('reads seeded records: page, single with associations, batch read with a missing id', async () => {
		const page = await client.crm.objects.basicApi.getPage('contacts', 5, undefined, ['email', 'company']);
		expect(page.results).toHaveLength(5);
		expect(page.results[0].properties.email).toBe('ada@acme-analytics.com');
		expect(page.results[0].properties.company).toBe('Acme Analytics');
		expect(page.paging?.next?.after).toBeDefined();

		const one = await client.crm.objects.basicApi.getById('contacts', '1001', ['firstname'], undefined, ['companies']);
		expect(one.properties.firstname).toBe('Ada');
		expect(one.associations?.companies?.results[0].id).toBe('5000001');
		expect(one.createdAt).toBeInstanceOf(Date);

		const batch = await client.crm.objects.batchApi.read('contacts', { inputs: [{ id: '1002' }, { id: '999999' }], properties: ['email'], propertiesWithHistory: [] });
		expect(batch.results.map((r) => r.id)).toEqual(['1002']);
		const errs = (batch as unknown as { errors: Array<{ category: string; context: { ids: string[] } }> }).errors;
		expect(errs[0].category).toBe('OBJECT_NOT_FOUND');
		expect(errs[0].context.ids).toEqual(['999999']);
	});

	it('writes: create with association, update, archive, list archived; 409 on duplicate email', async () => {
		const created = await client.crm.objects.basicApi.create('contacts', {
			properties: { email: 'New.Person@Example.com', firstname: 'New' },
			associations: [{ to: { id: '5000001' }, types: [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: 279 }] }],
		});
		expect(created.properties.email).toBe('new.person@example.com');
		expect(sb.associationsOf('contacts', created.id, 'companies')[0].toId).toBe('5000001');

		const updated = await client.crm.objects.basicApi.update('contacts', created.id, { properties: { lastname: 'Person' } });
		expect(updated.properties.lastname).toBe('Person');
		expect(new Date(updated.properties.lastmodifieddate!).getTime()).toBeGreaterThan(new Date(created.properties.createdate!).getTime());

		const dup = await apiError(client.crm.objects.basicApi.create('contacts', { properties: { email: 'new.person@example.com' }, associations: [] }));
		expect(dup.code).toBe(409);
		expect(dup.body.category).toBe('CONFLICT');
		expect(String(dup.body.message)).toContain(`Existing ID: ${created.id}`);

		await client.crm.objects.basicApi.archive('contacts', created.id);
		const archived = await client.crm.objects.basicApi.getPage('contacts', 100, undefined, undefined, undefined, undefined, true);
		expect(archived.results.map((r) => r.id)).toEqual([created.id]);
		expect(archived.results[0].archived).toBe(true);
		const gone = await apiError(client.crm.objects.basicApi.getById('contacts', created.id));
		expect(gone.code).toBe(404);
		expect(gone.body.category).toBe('OBJECT_NOT_FOUND');
	});

	it('validation errors name the property: unknown property, invalid email, invalid option', async () => {
		const unknown = await apiError(client.crm.objects.basicApi.create('contacts', { properties: { favourite_colour: 'red' }, associations: [] }));
		expect(unknown.code).toBe(400);
		expect(unknown.body.category).toBe('VALIDATION_ERROR');
		expect(unknown.body.errors?.[0].code).toBe('PROPERTY_DOESNT_EXIST');
		expect(unknown.body.errors?.[0].context?.propertyName).toEqual(['favourite_colour']);
		expect(String(unknown.body.message)).toContain('Property values were not valid');

		const email = await apiError(client.crm.objects.basicApi.create('contacts', { properties: { email: 'not-an-email' }, associations: [] }));
		expect(email.body.errors?.[0].code).toBe('INVALID_EMAIL');

		const option = await apiError(client.crm.objects.basicApi.create('deals', { properties: { dealname: 'X', dealstage: 'won-ish' }, associations: [] }));
		expect(option.body.errors?.[0].code).toBe('INVALID_OPTION');
		expect(option.body.errors?.[0].context?.propertyName).toEqual(['dealstage']);

		const required = await apiError(client.crm.objects.basicApi.create('deals', { properties: { dealname: 'X' }, associations: [] }));
		expect(required.body.errors?.[0].context?.propertyName).toEqual(['dealstage']);

		const tooLong = await apiError(client.crm.objects.basicApi.update('contacts', '1001', { properties: { jobtitle: 'x'.repeat(70_000) } }));
		expect(tooLong.body.errors?.[0].context?.propertyName).toEqual(['jobtitle']);

		const missing = await apiError(client.crm.objects.basicApi.update('contacts', '424242', { properties: { firstname: 'x' } }));
		expect(missing.code).toBe(404);
	});

	it('batch create is all-or-nothing without objectWriteTraceId and 207 per record with it', async () => {
		const before = sb.records('contacts').length;
		const bad = await apiError(
			client.crm.objects.batchApi.create('contacts', {
				inputs: [
					{ properties: { email: 'ok1@example.com' }, associations: [] },
					{ properties: { email: 'broken' }, associations: [] },
				],
			}),
		);
		expect(bad.code).toBe(400);
		expect(sb.records('contacts').length).toBe(before);

		const res = await client.crm.objects.batchApi.create('contacts', {
			inputs: [
				{ properties: { email: 'ok1@example.com' }, associations: [], objectWriteTraceId: '0' },
				{ properties: { email: 'broken' }, associations: [], objectWriteTraceId: '1' },
				{ properties: { email: 'ada@acme-analytics.com' }, associations: [], objectWriteTraceId: '2' },
				{ properties: { email: 'ok2@example.com' }, associations: [], objectWriteTraceId: '3' },
			],
		});
		expect(sb.records('contacts').length).toBe(before + 2);
		const body = res as unknown as { numErrors: number; errors: Array<{ category: string; context: Record<string, string[]>; message: string }> };
		expect(body.numErrors).toBe(2);
		expect(body.errors[0].context.objectWriteTraceId).toEqual(['1']);
		expect(body.errors[0].context.propertyName).toEqual(['email']);
		expect(body.errors[1].category).toBe('CONFLICT');
		expect(body.errors[1].message).toContain('Existing ID: 1001');

		const tooMany = await apiError(
			client.crm.objects.batchApi.create('contacts', { inputs: Array.from({ length: 101 }, (_, i) => ({ properties: { email: `x${i}@example.com` }, associations: [] })) }),
		);
		expect(tooMany.code).toBe(400);
	});

	it('batch upsert by email creates and updates', async () => {
		const res = await client.crm.objects.batchApi.upsert('contacts', {
			inputs: [
				{ id: 'ada@acme-analytics.com', idProperty: 'email', properties: { jobtitle: 'Chief Data Officer' } },
				{ id: 'fresh@example.com', idProperty: 'email', properties: { firstname: 'Fresh' } },
			],
		});
		const byId = new Map(res.results.map((r) => [r.id, r]));
		expect(byId.get('1001')?._new).toBe(false);
		const fresh = res.results.find((r) => r.id !== '1001')!;
		expect(fresh._new).toBe(true);
		expect(sb.records('contacts').find((r) => r.id === '1001')!.properties.jobtitle).toBe('Chief Data Officer');
	});

	it('the unique email stays enforced through create, archive, recreate, update-away and a rolled-back batch', async () => {
		const create = (email: string) => client.crm.objects.basicApi.create('contacts', { properties: { email }, associations: [] });
		const conflictId = async (p: Promise<unknown>) => {
			const e = await apiError(p);
			expect(e.code).toBe(409);
			expect(e.body.category).toBe('CONFLICT');
			return /Existing ID: (\d+)/.exec(String(e.body.message))?.[1];
		};
		const first = await create('cycle@example.com');
		expect(await conflictId(create(' Cycle@Example.com '))).toBe(first.id);

		// Archived: the email is free again, and the new holder is the one named.
		await client.crm.objects.basicApi.archive('contacts', first.id);
		const second = await create('cycle@example.com');
		expect(await conflictId(create('cycle@example.com'))).toBe(second.id);

		// The holder's email changes: the old value is free, the new one is taken.
		await client.crm.objects.basicApi.update('contacts', second.id, { properties: { email: 'moved@example.com' } });
		const third = await create('cycle@example.com');
		expect(await conflictId(create('MOVED@example.com'))).toBe(second.id);
		const clash = await apiError(client.crm.objects.basicApi.update('contacts', third.id, { properties: { email: 'moved@example.com' } }));
		expect(clash.code).toBe(409);
		expect(String(clash.body.message)).toBe(`A contact with this email already exists. Existing ID: ${second.id}`);
		// Writing a record's own email again is no clash.
		await client.crm.objects.basicApi.update('contacts', second.id, { properties: { email: 'moved@example.com', firstname: 'Same' } });

		// An all-or-nothing batch that fails leaves no trace in the index.
		const failed = await apiError(
			client.crm.objects.batchApi.create('contacts', {
				inputs: [
					{ properties: { email: 'rolled@example.com' }, associations: [] },
					{ properties: { email: 'cycle@example.com' }, associations: [] },
				],
			}),
		);
		expect(failed.code).toBe(409);
		const rolled = await create('rolled@example.com');
		expect(await conflictId(create('cycle@example.com'))).toBe(third.id);

		// Reads by email (idProperty, batch upsert, search) find the current holders.
		const byEmail = await client.crm.objects.basicApi.getById('contacts', 'Moved@Example.com', ['firstname'], undefined, undefined, undefined, 'email');
		expect(byEmail.id).toBe(second.id);
		await apiError(client.crm.objects.basicApi.getById('contacts', 'gone@example.com', undefined, undefined, undefined, undefined, 'email')).then((e) => expect(e.code).toBe(404));
		const up = await client.crm.objects.batchApi.upsert('contacts', { inputs: [{ id: 'ROLLED@example.com', idProperty: 'email', properties: { firstname: 'R' } }] });
		expect(up.results.map((r) => [r.id, r._new])).toEqual([[rolled.id, false]]);
		const found = await client.crm.objects.searchApi.doSearch('contacts', {
			filterGroups: [{ filters: [{ propertyName: 'email', operator: 'IN' as never, values: ['cycle@example.com', 'MOVED@example.com', 'nobody@example.com'] }] }],
			sorts: [],
			properties: ['email'],
			limit: 10,
			after: '0',
		});
		expect(found.results.map((r) => r.id)).toEqual([second.id, third.id].sort((a, b) => Number(a) - Number(b)));
	});

	it('search by modification date (GT / GTE / BETWEEN) and by email OR date answers what the filters say', async () => {
		for (let i = 0; i < 5; i++) await client.crm.objects.basicApi.create('contacts', { properties: { email: `late${i}@example.com` }, associations: [] });
		await client.crm.objects.basicApi.update('contacts', '1003', { properties: { jobtitle: 'Changed' } });
		await client.crm.objects.basicApi.archive('contacts', '1004');
		const all = sb.records('contacts').map((r) => ({ id: r.id, at: Date.parse(r.properties.hs_lastmodifieddate!), email: r.properties.email }));
		const pivot = [...all].sort((a, b) => a.at - b.at)[all.length - 4];
		const search = async (filterGroups: unknown[]) =>
			(await client.crm.objects.searchApi.doSearch('contacts', { filterGroups: filterGroups as never, sorts: [], properties: ['email'], limit: 100, after: '0' })).results.map((r) => r.id);
		const ids = (pred: (r: (typeof all)[number]) => boolean) => all.filter(pred).map((r) => r.id).sort((a, b) => Number(a) - Number(b));
		const at = new Date(pivot.at).toISOString();
		expect(await search([{ filters: [{ propertyName: 'lastmodifieddate', operator: 'GTE', value: at }] }])).toEqual(ids((r) => r.at >= pivot.at));
		expect(await search([{ filters: [{ propertyName: 'hs_lastmodifieddate', operator: 'GT', value: String(pivot.at) }] }])).toEqual(ids((r) => r.at > pivot.at));
		expect(await search([{ filters: [{ propertyName: 'hs_lastmodifieddate', operator: 'BETWEEN', value: at, highValue: String(pivot.at + 1) }] }])).toEqual(ids((r) => r.at >= pivot.at && r.at <= pivot.at + 1));
		expect(await search([{ filters: [{ propertyName: 'lastmodifieddate', operator: 'GT', value: String(pivot.at) }] }, { filters: [{ propertyName: 'email', operator: 'EQ', value: 'ADA@acme-analytics.com' }] }])).toEqual(
			ids((r) => r.at > pivot.at || r.email === 'ada@acme-analytics.com'),
		);
		expect(ids((r) => r.at >= pivot.at)).toHaveLength(4);
		// Sorted by the modification date either way, paged with after.
		const byDate = async (direction: string, after: string) =>
			(
				await client.crm.objects.searchApi.doSearch('contacts', {
					filterGroups: [{ filters: [{ propertyName: 'lastmodifieddate', operator: 'GTE' as never, value: '0' }] }],
					sorts: [{ propertyName: 'lastmodifieddate', direction } as never],
					properties: ['email'],
					limit: 3,
					after,
				})
			).results.map((r) => r.id);
		const oldestFirst = [...all].sort((a, b) => a.at - b.at).map((r) => r.id);
		expect([...(await byDate('ASCENDING', '0')), ...(await byDate('ASCENDING', '3'))]).toEqual(oldestFirst.slice(0, 6));
		expect(await byDate('DESCENDING', '0')).toEqual([...oldestFirst].reverse().slice(0, 3));
		expect(oldestFirst[oldestFirst.length - 1]).toBe('1003'); // updated last: it moved to the end
		expect(all.map((r) => r.id)).not.toContain('1004');
	});

	it('search: filters incl. quotes, sorting, after paging, total, and the result cap', async () => {
		const quoted = await client.crm.objects.searchApi.doSearch('companies', {
			filterGroups: [{ filters: [{ propertyName: 'name', operator: 'EQ' as never, value: "O'Reilly & Sons" }] }],
			properties: ['name'],
			limit: 10,
			after: undefined as never,
			sorts: [],
		});
		expect(quoted.total).toBe(1);
		expect(quoted.results[0].id).toBe('5000004');

		const byEmail = await client.crm.objects.searchApi.doSearch('contacts', {
			filterGroups: [{ filters: [{ propertyName: 'email', operator: 'IN' as never, values: ['ADA@acme-analytics.com', 'hank@globex.io'] }] }],
			properties: ['email'],
			limit: 10,
			after: '0',
			sorts: [],
		});
		expect(byEmail.results.map((r) => r.id).sort()).toEqual(['1001', '1005']);

		const sorted = await client.crm.objects.searchApi.doSearch('contacts', {
			filterGroups: [{ filters: [{ propertyName: 'lastmodifieddate', operator: 'GT' as never, value: '0' }] }],
			sorts: [{ propertyName: 'lastmodifieddate', direction: 'ASCENDING' }] as never,
			properties: ['email'],
			limit: 5,
			after: '0',
		});
		expect(sorted.total).toBe(12);
		expect(sorted.paging?.next?.after).toBe('5');
		const times = sorted.results.map((r) => new Date(r.properties.lastmodifieddate!).getTime());
		expect([...times].sort((a, b) => a - b)).toEqual(times);

		sb.searchResultCap = 10;
		const capped = await apiError(client.crm.objects.searchApi.doSearch('contacts', { filterGroups: [], sorts: [], properties: [], limit: 5, after: '10' }));
		expect(capped.code).toBe(400);
		expect(capped.body.category).toBe('VALIDATION_ERROR');
		sb.searchResultCap = 10_000;

		const tooBig = await apiError(client.crm.objects.searchApi.doSearch('contacts', { filterGroups: [], sorts: [], properties: [], limit: 201, after: '0' }));
		expect(tooBig.code).toBe(400);
	});

	it('properties and v4 default association', async () => {
		const props = await client.crm.properties.coreApi.getAll('deals');
		const stage = props.results.find((p) => p.name === 'dealstage')!;
		expect(stage.type).toBe('enumeration');
		expect(stage.options.map((o) => o.value)).toContain('closedwon');
		expect(props.results.find((p) => p.name === 'hs_object_id')!.modificationMetadata?.readOnlyValue).toBe(true);

		const meeting = await client.crm.objects.basicApi.create('meetings', { properties: { hs_timestamp: '2025-05-01T10:00:00Z', hs_meeting_title: 'Intro' }, associations: [] });
		const assoc = await client.crm.associations.v4.basicApi.createDefault('meetings', meeting.id, 'contacts', '1001');
		expect(assoc.results[0].associationSpec.associationTypeId).toBe(200);
		expect(sb.associationsOf('contacts', '1001', 'meetings')[0].toId).toBe(meeting.id);
	});

	it('rejects unknown tokens with 401 INVALID_AUTHENTICATION', async () => {
		const bad = new Client({ accessToken: 'wrong', basePath: sb.url, numberOfApiCallRetries: 0 });
		const e = await apiError(bad.crm.objects.basicApi.getPage('contacts'));
		expect(e.code).toBe(401);
		expect(e.body.category).toBe('INVALID_AUTHENTICATION');
	});

	describe('fault switches answer in HubSpot shape', () => {
		it('auth → 401', async () => {
			sb.injectFault({ kind: 'auth', endpoint: 'objects.list', times: 1 });
			const e = await apiError(client.crm.objects.basicApi.getPage('contacts'));
			expect(e.code).toBe(401);
			expect(e.body).toMatchObject({ status: 'error', category: 'EXPIRED_AUTHENTICATION' });
			expect(e.body.correlationId).toEqual(expect.any(String));
		});
		it('notFound → 404', async () => {
			sb.injectFault({ kind: 'notFound', endpoint: 'objects.get', times: 1 });
			const e = await apiError(client.crm.objects.basicApi.getById('contacts', '1001'));
			expect(e.code).toBe(404);
			expect(e.body).toMatchObject({ status: 'error', category: 'OBJECT_NOT_FOUND' });
		});
		it('validation → 400 with property context', async () => {
			sb.injectFault({ kind: 'validation', endpoint: 'objects.create', times: 1 });
			const e = await apiError(client.crm.objects.basicApi.create('contacts', { properties: { firstname: 'x' }, associations: [] }));
			expect(e.code).toBe(400);
			expect(e.body.category).toBe('VALIDATION_ERROR');
			expect(e.body.errors?.[0].context?.propertyName).toEqual(['email']);
		});
		it('rateLimit → 429 with Retry-After and X-HubSpot-RateLimit-* headers (raw fetch)', async () => {
			sb.injectFault({ kind: 'rateLimit', endpoint: 'objects.search', times: 1, retryAfter: 1 });
			const res = await fetch(`${sb.url}/crm/v3/objects/contacts/search`, {
				method: 'POST',
				headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
				body: '{}',
			});
			expect(res.status).toBe(429);
			expect(res.headers.get('retry-after')).toBe('1');
			expect(res.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('10000');
			expect(res.headers.get('x-hubspot-ratelimit-max')).toBe('100');
			expect(res.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');
			expect(res.headers.get('x-hubspot-ratelimit-secondly')).toBe('10');
			expect(res.headers.get('x-hubspot-ratelimit-daily-remaining')).toEqual(expect.any(String));
			const body = await res.json();
			expect(body).toMatchObject({ status: 'error', category: 'RATE_LIMITS', errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING' });
		});
		it('rateLimit through the SDK keeps the headers', async () => {
			sb.injectFault({ kind: 'rateLimit', times: 1, retryAfter: 1 });
			const e = await apiError(client.crm.objects.basicApi.getPage('contacts'));
			expect(e.code).toBe(429);
			expect(e.headers['retry-after']).toBe('1');
		});
		it('server → 500', async () => {
			sb.injectFault({ kind: 'server', times: 1 });
			const e = await apiError(client.crm.objects.basicApi.getPage('contacts'));
			expect(e.code).toBe(500);
			expect(e.body).toMatchObject({ status: 'error', category: 'INTERNAL_ERROR' });
		});
	});

	it('counts calls by stable endpoint name', async () => {
		sb.resetCounters();
		await client.crm.objects.basicApi.getPage('contacts');
		await client.crm.objects.searchApi.doSearch('contacts', { filterGroups: [], sorts: [], properties: [], limit: 1, after: '0' });
		expect(sb.calls.get('objects.list')).toBe(1);
		expect(sb.calls.get('objects.search')).toBe(1);
	});
});
