/**
 * The Pipedrive sandbox seen through the real `pipedrive` SDK (v2 for entities and fields, v1 for
 * notes and the old fields) and raw fetch for status codes and headers.
 */
import { v1, v2 } from 'pipedrive';
import { PIPEDRIVE_ERROR_INFO, PipedriveSandbox } from './pipedrive';

delete process.env.HTTP_PROXY;
delete process.env.HTTPS_PROXY;
delete process.env.http_proxy;
delete process.env.https_proxy;

const TOKEN = 'pd-test-token-123';
const sb = new PipedriveSandbox();
let base = '';

function v2cfg(token = TOKEN): v2.Configuration {
	return new v2.Configuration({ apiKey: token, basePath: `${base}/api/v2` });
}
function v1cfg(token = TOKEN): v1.Configuration {
	return new v1.Configuration({ apiKey: token, basePath: `${base}/api/v1` });
}
function raw(path: string, init: RequestInit = {}): Promise<Response> {
	return fetch(`${base}${path}`, { ...init, headers: { 'x-api-token': TOKEN, 'content-type': 'application/json', ...(init.headers ?? {}) } });
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
});

describe('Pipedrive sandbox: issue 16 behaviours', () => {
	test('v2 field metadata in the SDK v2 model, cursor-paged; include_fields as the SDK types allow', async () => {
		sb.fieldPageCap = 5;
		try {
			const api = new v2.PersonFieldsApi(v2cfg());
			const first = await api.getPersonFields({ include_fields: 'required_fields', limit: 500 });
			expect(first.success).toBe(true);
			expect(first.data).toHaveLength(5);
			expect(first.data![1]).toMatchObject({ field_code: 'name', field_name: 'Name', field_type: 'varchar', is_custom_field: false, is_optional_response_field: false, required_fields: { enabled: false } });
			const codes = first.data!.map((f) => f.field_code);
			let cursor = first.additional_data?.next_cursor ?? undefined;
			while (cursor) {
				const page = await api.getPersonFields({ limit: 500, cursor });
				codes.push(...page.data!.map((f) => f.field_code));
				cursor = page.additional_data?.next_cursor ?? undefined;
			}
			expect(codes).toHaveLength(14);
			expect(new Set(codes).size).toBe(14);
			const bad = await raw('/api/v2/activityFields?include_fields=required_fields');
			expect(bad.status).toBe(400);
		} finally {
			sb.fieldPageCap = 500;
		}
	});

	test('enforced rate window: 429 "Request over limit" with Retry-After and x-ratelimit-* headers; a refused call uses no budget', async () => {
		sb.enforceRateLimit = true;
		sb.rateLimitPerWindow = 3;
		try {
			await new Promise((r) => setTimeout(r, 2000));
			const answers = [];
			for (let i = 0; i < 5; i++) answers.push(await raw('/api/v2/persons?limit=1'));
			expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429, 429]);
			expect(answers.map((a) => a.headers.get('x-ratelimit-remaining'))).toEqual(['2', '1', '0', '0', '0']);
			expect(answers[0].headers.get('x-ratelimit-limit')).toBe('3');
			expect(Number(answers[3].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
			expect(Number(answers[3].headers.get('x-ratelimit-reset'))).toBeGreaterThanOrEqual(1);
			expect(await answers[3].json()).toEqual({ success: false, error: 'Request over limit', errorCode: 429, error_info: PIPEDRIVE_ERROR_INFO, data: null, additional_data: null });
			expect(sb.rateLimited).toBe(2);
		} finally {
			sb.enforceRateLimit = false;
			sb.rateLimitPerWindow = 80;
		}
	});

	test('enforced daily budget: x-daily-requests-left counts POST/PUT only; at 0 a write is 429 with Retry-After until the UTC day ends', async () => {
		sb.enforceDailyLimit = true;
		sb.dailyRequestsLeft = 2;
		try {
			const post = () => raw('/api/v2/organizations', { method: 'POST', body: JSON.stringify({ name: 'D' }) });
			expect((await raw('/api/v2/persons')).headers.get('x-daily-requests-left')).toBe('2');
			expect((await post()).headers.get('x-daily-requests-left')).toBe('1');
			expect((await post()).headers.get('x-daily-requests-left')).toBe('0');
			const refused = await post();
			expect(refused.status).toBe(429);
			expect(refused.headers.get('x-daily-requests-left')).toBe('0');
			const midnight = new Date();
			midnight.setUTCHours(24, 0, 0, 0);
			expect(Math.abs(Number(refused.headers.get('retry-after')) - (midnight.getTime() - Date.now()) / 1000)).toBeLessThan(5);
			expect((await raw('/api/v2/persons')).status).toBe(200);
		} finally {
			sb.enforceDailyLimit = false;
		}
	});

	test('grantedScopes: a Bearer call outside them is 403 "Scope and URL mismatch"; reads with :read, writes need :full; API tokens unscoped', async () => {
		sb.setValidTokens([TOKEN, 'oauth-tok']);
		sb.grantedScopes = ['contacts:read'];
		try {
			const bearer = (path: string, init: RequestInit = {}) => fetch(`${base}${path}`, { ...init, headers: { authorization: 'Bearer oauth-tok', 'content-type': 'application/json' } });
			expect((await bearer('/api/v2/persons')).status).toBe(200);
			expect((await bearer('/api/v1/users/me')).status).toBe(200);
			const denied = await bearer('/api/v2/persons', { method: 'POST', body: JSON.stringify({ name: 'X' }) });
			expect(denied.status).toBe(403);
			expect(await denied.json()).toMatchObject({ success: false, error: 'Scope and URL mismatch', error_info: PIPEDRIVE_ERROR_INFO, data: null });
			expect((await bearer('/api/v2/deals')).status).toBe(403);
			expect((await raw('/api/v2/persons', { method: 'POST', body: JSON.stringify({ name: 'Y' }) })).status).toBe(200);
		} finally {
			sb.grantedScopes = undefined;
			sb.setValidTokens([TOKEN]);
		}
	});

	test('wholeSeconds: writes within one second share update_time, listed by id within it', async () => {
		expect(sb.wholeSeconds).toBe(true); // the default, as Pipedrive
		const api = new v2.PersonsApi(v2cfg());
		const made = [];
		// "Within one second" whatever this machine's load, and a second after the seeded sample.
		sb.clock.offsetMs += 1000;
		sb.clock.freeze();
		try {
			for (let i = 0; i < 5; i++) made.push((await api.addPerson({ AddPersonRequest: { name: `Same ${i}` } })).data!);
		} finally {
			sb.clock.thaw();
			sb.clock.offsetMs -= 1000;
		}
		expect(new Set(made.map((p) => p.update_time)).size).toBe(1);
		expect(sb.tables.persons.get(String(made[0].id))!.updatedAt % 1000).toBe(0);
		const since = made[0].update_time!;
		const page = await api.getPersons({ updated_since: since, sort_by: 'update_time', sort_direction: 'asc', limit: 500 });
		expect(page.data!.map((p) => p.id)).toEqual(made.map((p) => p.id));
	});
});

describe('Pipedrive sandbox through the SDK', () => {
	test('v2 list persons with cursor pagination', async () => {
		const api = new v2.PersonsApi(v2cfg());
		const first = await api.getPersons({ limit: 4, sort_by: 'id', sort_direction: 'asc' });
		expect(first.success).toBe(true);
		expect(first.data).toHaveLength(4);
		expect(first.data![0]).toMatchObject({ id: 1, name: 'Maria Lopez', first_name: 'Maria', last_name: 'Lopez' });
		expect(first.data![0].emails![0]).toEqual({ value: 'maria.lopez@acme.example', primary: true, label: 'work' });
		expect(first.data![0].update_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
		const cursor = first.additional_data?.next_cursor;
		expect(typeof cursor).toBe('string');
		const ids: number[] = first.data!.map((p) => p.id!);
		let next: string | null | undefined = cursor;
		while (next) {
			const page = await api.getPersons({ limit: 4, cursor: next });
			ids.push(...page.data!.map((p) => p.id!));
			next = page.additional_data?.next_cursor;
		}
		expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
		expect(sb.calls.get('persons.list')).toBe(3);
	});

	test('v2 create, update, get and delete a person; the deleted person is gone', async () => {
		const api = new v2.PersonsApi(v2cfg());
		const created = await api.addPerson({ AddPersonRequest: { name: 'Nina Berg', emails: [{ value: 'nina@berg.example', primary: true, label: 'work' }], org_id: 1 } });
		expect(created.data).toMatchObject({ name: 'Nina Berg', org_id: 1 });
		const id = created.data!.id!;
		const updated = await api.updatePerson({ id, UpdatePersonRequest: { job_title: 'Buyer' } });
		expect(updated.data).toMatchObject({ id, job_title: 'Buyer', name: 'Nina Berg' });
		const got = await api.getPerson({ id });
		expect(got.data!.job_title).toBe('Buyer');
		const del = await api.deletePerson({ id });
		expect(del).toEqual({ success: true, data: { id } });
		await expect(api.getPerson({ id })).rejects.toMatchObject({ success: false, error: 'Person not found' });
		expect(sb.calls.get('persons.create')).toBe(1);
	});

	test('ids filter, updated_since and search with quotes', async () => {
		const api = new v2.PersonsApi(v2cfg());
		const byIds = await api.getPersons({ ids: '2,5,99' });
		expect(byIds.data!.map((p) => p.id)).toEqual([2, 5]);
		sb.clock.offsetMs += 5000;
		const since = new Date(Date.now() + 5000).toISOString().replace(/\.\d+Z$/, 'Z');
		await api.updatePerson({ id: 3, UpdatePersonRequest: { job_title: 'CFO' } });
		const changed = await api.getPersons({ updated_since: since, sort_by: 'update_time', sort_direction: 'asc' });
		expect(changed.data!.map((p) => p.id)).toEqual([3]);
		const found = await api.searchPersons({ term: 'SEAN@obrien.example', fields: 'email', exact_match: true });
		expect(found.data!.items!.map((i) => i.item!.id)).toEqual([8]);
		const orgs = new v2.OrganizationsApi(v2cfg());
		const o = await orgs.searchOrganization({ term: "O'Brien & Sons Builders", fields: 'name', exact_match: true });
		expect(o.data!.items!.map((i) => i.item!.name)).toEqual(["O'Brien & Sons Builders"]);
	});

	test('exact search follows email and name changes and deletes; ids are never reused', async () => {
		const api = new v2.PersonsApi(v2cfg());
		const byEmail = async (term: string) => (await api.searchPersons({ term, fields: 'email', exact_match: true })).data!.items!.map((i) => i.item!.id);
		const created = await api.addPerson({ AddPersonRequest: { name: 'Ola Nordmann', emails: [{ value: 'ola@nord.example', primary: true }, { value: 'ola.private@nord.example', primary: false }] } });
		const id = created.data!.id!;
		expect(id).toBe(11);
		expect(await byEmail('OLA.PRIVATE@nord.example')).toEqual([id]);
		await api.updatePerson({ id, UpdatePersonRequest: { emails: [{ value: 'ola@new.example', primary: true }] } });
		expect(await byEmail('ola@nord.example')).toEqual([]);
		expect(await byEmail('ola@new.example')).toEqual([id]);
		// Two people share an email: both are found, oldest change first.
		await api.updatePerson({ id: 2, UpdatePersonRequest: { emails: [{ value: 'ola@new.example', primary: true }] } });
		expect(await byEmail('ola@new.example')).toEqual([id, 2]);
		const byName = await api.searchPersons({ term: 'ola nordmann', fields: 'name', exact_match: true });
		expect(byName.data!.items!.map((i) => i.item!.id)).toEqual([id]);
		await api.deletePerson({ id });
		expect(await byEmail('ola@new.example')).toEqual([2]);
		const next = await api.addPerson({ AddPersonRequest: { name: 'After Delete' } });
		expect(next.data!.id).toBe(12);
		const list = await api.getPersons({ ids: `${id},12,2` });
		expect(list.data!.map((p) => p.id)).toEqual([2, 12]);
	});

	test('v1 notes and fields through the SDK', async () => {
		const notes = new v1.NotesApi(v1cfg());
		const added = await notes.addNote({ AddNoteRequest: { content: 'Summary [x]', person_id: 2 } });
		expect(added.data).toMatchObject({ content: 'Summary [x]', person_id: 2 });
		const list = await notes.getNotes({ person_id: 2 });
		expect(list.data!.map((n) => n.content)).toEqual(['Summary [x]']);
		const empty = await notes.getNotes({ person_id: 9 });
		expect(empty.data).toBeNull();
		const fields = await new v1.PersonFieldsApi(v1cfg()).getPersonFields({});
		expect(fields.data!.find((f) => f.key === 'name')).toMatchObject({ field_type: 'varchar', mandatory_flag: true });
		const me = await new v1.UsersApi(v1cfg()).getCurrentUser();
		expect(me.data!.id).toBe(1001);
	});

	test('writes are validated: required, unknown field, email, max length, 404', async () => {
		const api = new v2.PersonsApi(v2cfg());
		await expect(api.addPerson({ AddPersonRequest: { emails: [{ value: 'a@b.example', primary: true }] } })).rejects.toMatchObject({ success: false, error: expect.stringContaining("name: Parameter 'name' is required") });
		await expect(api.addPerson({ AddPersonRequest: { name: 'X', shoe_size: 4 } as never })).rejects.toMatchObject({ error: expect.stringContaining('shoe_size') });
		await expect(api.addPerson({ AddPersonRequest: { name: 'X', emails: [{ value: 'not-an-email', primary: true }] } })).rejects.toMatchObject({ error: expect.stringContaining('emails') });
		await expect(api.addPerson({ AddPersonRequest: { name: 'x'.repeat(256) } })).rejects.toMatchObject({ error: expect.stringContaining('at most 255') });
		await expect(api.updatePerson({ id: 4242, UpdatePersonRequest: { name: 'Y' } })).rejects.toMatchObject({ error: 'Person not found', error_info: PIPEDRIVE_ERROR_INFO });
		const deals = new v2.DealsApi(v2cfg());
		await expect(deals.addDeal({ AddDealRequest: { title: 'T', stage_id: 99 } })).rejects.toMatchObject({ error: expect.stringContaining('stage_id') });
		expect(sb.tables.persons.size).toBe(10);
	});

	test('a wrong token is 401 in the vendor shape (header and query param)', async () => {
		const api = new v2.PersonsApi(v2cfg('wrong-token'));
		await expect(api.getPersons({})).rejects.toEqual({ success: false, error: 'unauthorized access', errorCode: 401, error_info: PIPEDRIVE_ERROR_INFO, data: null, additional_data: null });
		const q = await fetch(`${base}/api/v2/persons?api_token=${TOKEN}`);
		expect(q.status).toBe(200);
	});
});

describe('Pipedrive sandbox fault switches', () => {
	test.each([
		['auth', 401, 'unauthorized access'],
		['notFound', 404, 'Item not found'],
		['validation', 400, 'Validation failed: body: Invalid input'],
		['server', 500, 'Internal server error'],
	] as const)('%s → %d', async (kind, status, error) => {
		sb.injectFault({ kind, endpoint: 'persons.list', times: 1 });
		const r = await raw('/api/v2/persons');
		expect(r.status).toBe(status);
		expect(await r.json()).toEqual({ success: false, error, errorCode: status, error_info: PIPEDRIVE_ERROR_INFO, data: null, additional_data: null });
		expect((await raw('/api/v2/persons')).status).toBe(200);
	});

	test('rateLimit → 429 with Retry-After and x-ratelimit headers; the SDK sees the body', async () => {
		sb.injectFault({ kind: 'rateLimit', endpoint: 'persons.create', retryAfter: 1, times: 2 });
		const r = await raw('/api/v2/persons', { method: 'POST', body: JSON.stringify({ name: 'Z' }) });
		expect(r.status).toBe(429);
		expect(r.headers.get('retry-after')).toBe('1');
		expect(r.headers.get('x-ratelimit-remaining')).toBe('0');
		expect(r.headers.get('x-ratelimit-limit')).toBe('80');
		expect(Number(r.headers.get('x-ratelimit-reset'))).toBeGreaterThan(0);
		expect(r.headers.get('x-daily-requests-left')).toMatch(/^\d+$/);
		expect(await r.json()).toMatchObject({ success: false, error: 'Request over limit', errorCode: 429 });
		const api = new v2.PersonsApi(v2cfg());
		await expect(api.addPerson({ AddPersonRequest: { name: 'Z' } })).rejects.toMatchObject({ errorCode: 429 });
		expect(sb.tables.persons.size).toBe(10);
	});

	test('normal answers carry the rate headers', async () => {
		const r = await raw('/api/v1/users/me');
		expect(r.status).toBe(200);
		expect(r.headers.get('x-ratelimit-limit')).toBe('80');
		expect(Number(r.headers.get('x-ratelimit-remaining'))).toBeLessThan(80);
	});
});
