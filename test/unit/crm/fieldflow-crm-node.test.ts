/**
 * The FieldFlow CRM node's code paths without n8n (a small fake IExecuteFunctions) against the
 * three CRM sandboxes: credential test (the node's credentialTest function, and the declarative
 * `test` requests of the HubSpot/Pipedrive credentials evaluated and sent as n8n would), the
 * adapter factory, every operation, continueOnFail on and off, the loadOptions methods and the
 * CRM ID picker's "From List" search.
 */
import type { ICredentialsDecrypted, IExecuteFunctions, ILoadOptionsFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';
import { FieldFlowCrm } from '../../../nodes/FieldFlowCrm/FieldFlowCrm.node';
import { fieldFlowCrmConnectionTest } from '../../../nodes/n8nSide/methods/credentialTest';
import { recordLabel } from '../../../nodes/FieldFlowCrm/methods/listSearch';
import { createAdapter, CRM_CREDENTIAL_TYPES, type CrmName } from '../../../nodes/shared/crm';
import { FieldFlowHubSpotApi } from '../../../credentials/FieldFlowHubSpotApi.credentials';
import { FieldFlowPipedriveApi } from '../../../credentials/FieldFlowPipedriveApi.credentials';
import { SyncError } from '../../../nodes/shared/errors';
import { startSandboxes, sandboxCredentials, type Sandboxes } from '../../sandboxes';

delete process.env.HTTP_PROXY;
delete process.env.HTTPS_PROXY;
delete process.env.http_proxy;
delete process.env.https_proxy;

let sb: Sandboxes;
let creds: Record<string, Record<string, unknown>>;

beforeAll(async () => {
	sb = await startSandboxes();
	creds = Object.fromEntries(sandboxCredentials(sb).map((c) => [c.type, c.data]));
});
afterAll(() => sb.stop());
beforeEach(() => {
	sb.salesforce.reset();
	sb.hubspot.reset();
	sb.pipedrive.reset();
});

const node = new FieldFlowCrm();

function decrypted(crm: CrmName, patch: Record<string, unknown> = {}): ICredentialsDecrypted {
	const type = CRM_CREDENTIAL_TYPES[crm];
	return { id: 'x', name: 'x', type, data: { ...creds[type], ...patch } as ICredentialsDecrypted['data'] };
}

type Params = Record<string, unknown> | ((name: string, i: number) => unknown);

function context(params: Params, items: INodeExecutionData[] = [{ json: {} }], continueOnFail = false): IExecuteFunctions & ILoadOptionsFunctions {
	const get = (name: string, i: number) => (typeof params === 'function' ? params(name, i) : params[name]);
	return {
		getInputData: () => items,
		getNodeParameter: (name: string, i: number, fallback?: unknown) => {
			const v = get(name, i);
			return v === undefined ? fallback : v;
		},
		getCurrentNodeParameter: (name: string) => get(name, 0),
		getCredentials: async (type: string) => creds[type],
		continueOnFail: () => continueOnFail,
		getNode: () => ({ id: 'n1', name: 'FieldFlow CRM', type: 'n8n-nodes-fieldflow.fieldFlowCrm', typeVersion: 1, position: [0, 0], parameters: {} }),
	} as unknown as IExecuteFunctions & ILoadOptionsFunctions;
}

async function run(params: Params, items?: INodeExecutionData[], continueOnFail = false): Promise<INodeExecutionData[]> {
	const [out] = await node.execute.call(context(params, items, continueOnFail));
	return out;
}

const prospects = (n: number, bad = -1): INodeExecutionData[] =>
	Array.from({ length: n }, (_, i) => ({ json: { id: `pr_${i}`, name: `Pat ${i}`, email: i === bad ? 'not-an-email' : `pat${i}@x.example` } }));

describe('credential test', () => {
	it.each(['salesforce', 'hubspot', 'pipedrive'] as CrmName[])('%s: good sandbox credentials → OK', async (crm) => {
		const res = await fieldFlowCrmConnectionTest(decrypted(crm));
		expect(res).toEqual({ status: 'OK', message: expect.stringMatching(/^Connected to /) });
	});

	it('Salesforce: an expired access token is refreshed by the test (OAuth2 refresh token setup)', async () => {
		sb.salesforce.expireAccessTokens();
		expect((await fieldFlowCrmConnectionTest(decrypted('salesforce'))).status).toBe('OK');
		expect(sb.salesforce.calls.get('oauth.token')).toBe(1);
		expect(sb.salesforce.calls.get('resources')).toBeGreaterThanOrEqual(1);
	});

	it('Salesforce: revoked refresh token → a clear reconnect message, no secret in it', async () => {
		sb.salesforce.expireAccessTokens();
		sb.salesforce.revokeRefreshToken();
		const res = await fieldFlowCrmConnectionTest(decrypted('salesforce'));
		expect(res.status).toBe('Error');
		expect(res.message).toMatch(/Salesforce/);
		expect(res.message).toMatch(/Reconnect/);
		expect(res.message).not.toContain(String(creds.fieldFlowSalesforceApi.refreshToken));
		expect(res.message).not.toContain(String(creds.fieldFlowSalesforceApi.clientSecret));
	});

	it('Salesforce: a least-privilege user (no View Setup and Configuration) passes the test; /limits is never called', async () => {
		sb.salesforce.permissions.viewSetup = false;
		try {
			expect(await fieldFlowCrmConnectionTest(decrypted('salesforce'))).toEqual({ status: 'OK', message: 'Connected to Salesforce' });
			expect(sb.salesforce.calls.get('limits')).toBeUndefined();
		} finally {
			sb.salesforce.permissions.viewSetup = true;
		}
	});

	it('Salesforce: access-token setup with a wrong token → Error; missing instance URL → Error naming the field', async () => {
		const bad = await fieldFlowCrmConnectionTest(decrypted('salesforce', { authType: 'accessToken', accessToken: 'wrong-token-123456' }));
		expect(bad.status).toBe('Error');
		expect(bad.message).toMatch(/session expired or invalid.*Reconnect/is);
		const noUrl = await fieldFlowCrmConnectionTest(decrypted('salesforce', { authType: 'accessToken', baseUrl: '', instanceUrl: '' }));
		expect(noUrl).toEqual({ status: 'Error', message: expect.stringMatching(/Instance URL is empty/) });
	});

	it('HubSpot and Pipedrive: a wrong token → Error with the reconnect hint', async () => {
		for (const [crm, patch] of [
			['hubspot', { accessToken: 'pat-wrong' }],
			['pipedrive', { apiToken: 'wrong-token' }],
		] as Array<[CrmName, Record<string, unknown>]>) {
			const res = await fieldFlowCrmConnectionTest(decrypted(crm, patch));
			expect(res.status).toBe('Error');
			expect(res.message).toMatch(/Reconnect/);
		}
		expect((await fieldFlowCrmConnectionTest(decrypted('pipedrive', { apiToken: '' }))).message).toMatch(/API token is empty/);
	});

	/** n8n's declarative test: resolve `={{ ... }}` with $credentials, add `authenticate` headers, send. */
	async function declarative(cred: FieldFlowHubSpotApi | FieldFlowPipedriveApi, data: Record<string, unknown>): Promise<number> {
		const resolve = (v: string) => (v.startsWith('=') ? v.slice(1).replace(/\{\{([\s\S]+?)\}\}/g, (_, expr: string) => String(new Function('$credentials', `return (${expr});`)(data))) : v);
		const req = cred.test.request;
		const url = new URL(resolve(String(req.baseURL)) + resolve(String(req.url)));
		for (const [k, v] of Object.entries(req.qs ?? {})) url.searchParams.set(k, String(v));
		const headers = Object.fromEntries(Object.entries(cred.authenticate.properties.headers ?? {}).map(([k, v]) => [k, resolve(String(v))]));
		const res = await fetch(url, { headers });
		return res.status;
	}

	it('HubSpot and Pipedrive declarative tests call the API with the credential header', async () => {
		const hs = new FieldFlowHubSpotApi();
		const pd = new FieldFlowPipedriveApi();
		expect(await declarative(hs, creds.fieldFlowHubSpotApi)).toBe(200);
		expect(await declarative(hs, { ...creds.fieldFlowHubSpotApi, accessToken: 'nope' })).toBe(401);
		expect(await declarative(pd, creds.fieldFlowPipedriveApi)).toBe(200);
		expect(await declarative(pd, { ...creds.fieldFlowPipedriveApi, apiToken: 'nope' })).toBe(401);
		expect(sb.hubspot.calls.get('objects.list')).toBe(2);
		expect(sb.pipedrive.calls.get('users.me')).toBe(2);
	});
});

describe('createAdapter', () => {
	it('maps credential data to each adapter and rejects incomplete data with a SyncError', () => {
		expect(createAdapter('salesforce', creds.fieldFlowSalesforceApi).crm).toBe('salesforce');
		expect(createAdapter('hubspot', creds.fieldFlowHubSpotApi).crm).toBe('hubspot');
		expect(createAdapter('pipedrive', creds.fieldFlowPipedriveApi).crm).toBe('pipedrive');
		expect(() => createAdapter('salesforce', { authType: 'refreshToken', refreshToken: 'x' })).toThrow(SyncError);
		expect(() => createAdapter('hubspot', {})).toThrow(/access token is empty/);
		expect(() => createAdapter('nope' as CrmName, {})).toThrow(/Unknown CRM/);
	});
});

describe('FieldFlow CRM node operations', () => {
	it('upsert without continueOnFail: the first failed item throws a NodeApiError naming the item, record, field and hint', async () => {
		const err = await run({ crm: 'hubspot', operation: 'upsert', object: 'contacts', fieldsToSend: 'defineBelow', fieldValues: { values: [{ fieldId: 'email', fieldValue: 'not-an-email' }, { fieldId: 'lastname', fieldValue: 'X' }] } }).catch((e) => e);
		expect(err).toBeInstanceOf(NodeApiError);
		expect(err.message).toMatch(/^Item 0: HubSpot contacts new record "X \(not-an-email\)" failed \(field email\)/);
		expect(err.description).toMatch(/Fix the record or the field mapping/);
	});

	it('upsert auto-map with ignored fields, updates by CRM ID, and Upsert By', async () => {
		const items = prospects(3);
		const created = await run({ crm: 'pipedrive', operation: 'upsert', object: 'persons', fieldsToSend: 'autoMapInputData', inputsToIgnore: 'id' }, items);
		expect(created.map((o) => o.json.success)).toEqual([true, true, true]);
		expect(created[1]).toMatchObject({ pairedItem: { item: 1 }, json: { inputId: 'pr_1', name: 'Pat 1', created: true } });
		// Update by CRM ID (expression per item in real n8n).
		const ids = created.map((o) => String(o.json.id));
		const updated = await run((name, i) => ({ crm: 'pipedrive', operation: 'upsert', object: 'persons', fieldsToSend: 'defineBelow', fieldValues: { values: [{ fieldId: 'name', fieldValue: `Renamed ${i}` }] }, crmId: ids[i] })[name], items);
		expect(updated.map((o) => [o.json.id, o.json.created])).toEqual(ids.map((id) => [id, false]));
		expect(sb.pipedrive.tables.persons.get(ids[2])!.data.name).toBe('Renamed 2');
		// Upsert by email on HubSpot: the second run updates, it does not duplicate.
		const hsParams = { crm: 'hubspot', operation: 'upsert', object: 'contacts', fieldsToSend: 'autoMapInputData', inputsToIgnore: 'id, name', options: { idProperty: 'email' } };
		const first = await run(hsParams, items);
		const second = await run(hsParams, items);
		expect(second.map((o) => o.json.id)).toEqual(first.map((o) => o.json.id));
		expect(sb.hubspot.tables.contacts.live()).toHaveLength(3);
	});

	it('get changed since: flattened records (or nested under fields), limit, include deleted', async () => {
		sb.salesforce.seed({ Lead: [1, 2, 3].map((i) => ({ LastName: `L${i}`, Company: `C${i}`, Email: `l${i}@x.example` })) });
		const all = await run({ crm: 'salesforce', operation: 'getChangedSince', object: 'Lead', since: '', returnAll: true, options: {} });
		expect(all).toHaveLength(3);
		expect(all[0].json).toMatchObject({ object: 'Lead', LastName: 'L1', Company: 'C1', deleted: false });
		expect(all[0].json.id).toMatch(/^00Q/);
		expect(typeof all[0].json.modifiedAt).toBe('string');
		const nested = await run({ crm: 'salesforce', operation: 'getChangedSince', object: 'Lead', since: '2000-01-01T00:00:00Z', returnAll: false, limit: 2, options: { nestFields: true, fields: ['LastName'] } });
		expect(nested).toHaveLength(2);
		expect(nested[0].json).toMatchObject({ object: 'Lead', fields: { LastName: 'L1' } });
		expect(nested[0].json.LastName).toBeUndefined();
		const gone = String(all[1].json.id);
		sb.salesforce.tables.Lead.remove(gone);
		const withDeleted = await run({ crm: 'salesforce', operation: 'getChangedSince', object: 'Lead', since: '', returnAll: true, options: { includeDeleted: true } });
		expect(withDeleted.find((o) => o.json.id === gone)?.json.deleted).toBe(true);
		const live = await run({ crm: 'salesforce', operation: 'getChangedSince', object: 'Lead', since: '', returnAll: true, options: {} });
		expect(live.map((o) => o.json.id)).not.toContain(gone);
	});

	it('Salesforce get changed since with its cursor (the newest modifiedAt as the next Since): whole-second stamps, records of that second written later are not skipped', async () => {
		const s = sb.salesforce;
		expect(s.wholeSecondStamps).toBe(true); // the sandbox default, as Salesforce
		const leads = (tag: string, n: number) => Array.from({ length: n }, (_, i) => ({ json: { LastName: `${tag} ${i}`, Company: 'Cursor Co' } }));
		const read = (since: string) => run({ crm: 'salesforce', operation: 'getChangedSince', object: 'Lead', since, returnAll: true, options: {} });
		let first: INodeExecutionData[];
		let cursor: string;
		s.clock.freeze(); // one second for all of it
		try {
			await run({ crm: 'salesforce', operation: 'upsert', object: 'Lead', fieldsToSend: 'autoMapInputData' }, leads('A', 200));
			first = await read('');
			cursor = first.map((o) => String(o.json.modifiedAt)).sort().pop()!;
			await run({ crm: 'salesforce', operation: 'upsert', object: 'Lead', fieldsToSend: 'autoMapInputData' }, leads('B', 100));
		} finally {
			s.clock.thaw();
		}
		expect(first).toHaveLength(200);
		const second = await read(cursor);
		const before = new Map(first.map((o) => [String(o.json.id), String(o.json.modifiedAt)]));
		const fresh = second.filter((o) => !before.has(String(o.json.id)));
		expect(fresh.map((o) => String(o.json.LastName)).sort()).toEqual(leads('B', 100).map((l) => l.json.LastName).sort());
		// What is read again is the version already read (same SystemModstamp): no change twice.
		expect(second.filter((o) => before.has(String(o.json.id))).every((o) => before.get(String(o.json.id)) === o.json.modifiedAt)).toBe(true);
	});

	it("Salesforce upsert when the org's daily API allocation is spent: one call, every item answered rate_limit with the allocation hint (continueOnFail), nothing written", async () => {
		const s = sb.salesforce;
		s.enforceDailyLimit = true;
		s.apiUsage = s.dailyLimit;
		s.resetCounters();
		const items = Array.from({ length: 1000 }, (_, i) => ({ json: { LastName: `Q ${i}`, Company: 'Quota Co' } }));
		const out = await run({ crm: 'salesforce', operation: 'upsert', object: 'Lead', fieldsToSend: 'autoMapInputData' }, items, true);
		expect(out).toHaveLength(1000);
		expect(s.totalCalls()).toBe(1);
		expect(out.every((o) => o.json.success === false && o.json.errorKind === 'rate_limit' && /daily API request allocation/.test(String(o.json.hint)))).toBe(true);
		expect(s.records('Lead')).toHaveLength(0);
	});

	it('get by ids, delete (batched, per-item results), and a per-item error with continueOnFail', async () => {
		const made = await run({ crm: 'salesforce', operation: 'upsert', object: 'Account', fieldsToSend: 'autoMapInputData' }, [{ json: { Name: 'A1' } }, { json: { Name: 'A2' } }]);
		const ids = made.map((o) => String(o.json.id));
		const got = await run({ crm: 'salesforce', operation: 'getByIds', object: 'Account', ids: ids.join(', '), options: {} });
		expect(got.map((o) => o.json.Name)).toEqual(['A1', 'A2']);
		sb.salesforce.calls.clear();
		const del = await run((name, i) => ({ crm: 'salesforce', operation: 'delete', object: 'Account', crmId: [ids[0], ids[1], '001000000000000AAA'][i] })[name], [{ json: {} }, { json: {} }, { json: {} }], true);
		expect(del.map((o) => o.json.success)).toEqual([true, true, false]);
		expect(del[2].json).toMatchObject({ deleted: false, errorKind: 'not_found' });
		expect(sb.salesforce.calls.get('collections.delete')).toBe(1);
		expect(sb.salesforce.tables.Account.live()).toHaveLength(0);
	});

	it('log meeting activity and add note: linked, idempotent', async () => {
		const [person] = await run({ crm: 'pipedrive', operation: 'upsert', object: 'persons', fieldsToSend: 'autoMapInputData', inputsToIgnore: 'id' }, prospects(1));
		const meeting = { crm: 'pipedrive', operation: 'logMeeting', object: 'persons', linkToId: person.json.id, meetingId: 'mt_1', subject: 'Site visit', startTime: '2026-11-20T09:00:00Z', durationMinutes: 45, additionalFields: { notes: 'Went well', outcome: 'completed' } };
		const a = await run(meeting);
		const b = await run(meeting);
		expect(a[0].json).toMatchObject({ success: true });
		expect(b[0].json.id).toBe(a[0].json.id);
		expect(sb.pipedrive.tables.activities.live()).toHaveLength(1);
		const note = { crm: 'pipedrive', operation: 'addNote', object: 'persons', linkToId: person.json.id, summaryId: 'ms_1', body: 'Summary: wants a quote', additionalFields: {} };
		const n1 = await run(note);
		const n2 = await run(note);
		expect(n2[0].json.id).toBe(n1[0].json.id);
		expect(sb.pipedrive.tables.notes.live()).toHaveLength(1);
	});

	it('find duplicates (one call for all items) and list fields', async () => {
		await run({ crm: 'hubspot', operation: 'upsert', object: 'contacts', fieldsToSend: 'autoMapInputData', inputsToIgnore: 'id, name' }, prospects(2));
		const dups = await run((name, i) => ({ crm: 'hubspot', operation: 'findDuplicates', object: 'contacts', email: [`pat1@x.example`, 'nobody@x.example'][i] })[name], [{ json: {} }, { json: {} }]);
		expect(dups[0].json).toMatchObject({ duplicate: true, matchCount: 1 });
		expect(dups[1].json).toMatchObject({ duplicate: false, matchCount: 0 });
		const fields = await run({ crm: 'hubspot', operation: 'listFields', object: 'contacts', writableOnly: true });
		expect(fields.map((f) => f.json.name)).toEqual(expect.arrayContaining(['email', 'firstname', 'lastname']));
		expect(fields.every((f) => f.json.readOnly === false)).toBe(true);
	});

	it('loadOptions: fields of the chosen object for each CRM', async () => {
		for (const [crm, object, field] of [
			['salesforce', 'Lead', 'LastName'],
			['hubspot', 'contacts', 'email'],
			['pipedrive', 'persons', 'name'],
		]) {
			const ctx = context({ crm, object });
			const all = await node.methods.loadOptions.getFields.call(ctx);
			const writable = await node.methods.loadOptions.getWritableFields.call(ctx);
			expect(all.map((o) => o.value)).toContain(field);
			expect(writable.length).toBeLessThanOrEqual(all.length);
			expect(writable.map((o) => o.value)).toContain(field);
		}
	});
});

describe('CRM ID "From List" (listSearch)', () => {
	const PEOPLE: Record<CrmName, [string, (i: number) => Record<string, unknown>]> = {
		salesforce: ['Lead', (i) => ({ FirstName: 'Pat', LastName: `Picker${i}`, Company: `Co ${i}`, Email: `pick${i}@x.example` })],
		hubspot: ['contacts', (i) => ({ firstname: 'Pat', lastname: `Picker${i}`, company: `Co ${i}`, email: `pick${i}@x.example` })],
		pipedrive: ['persons', (i) => ({ name: `Pat Picker${i}`, email: [{ value: `pick${i}@x.example`, primary: true }] })],
	};

	it.each(['salesforce', 'hubspot', 'pipedrive'] as CrmName[])(
		'%s: pages through the records 100 at a time, labelled name · company (email); finds one by exact email or part of a name',
		async (crm) => {
			const [object, fields] = PEOPLE[crm];
			const adapter = createAdapter(crm, creds[CRM_CREDENTIAL_TYPES[crm]]);
			const res = await adapter.upsert(object, Array.from({ length: 130 }, (_, i) => ({ ref: String(i), fields: fields(i) })));
			expect(res.filter((r) => !r.success).map((r) => r.error?.message)).toEqual([]);
			const search = node.methods.listSearch.searchRecords;
			const ctx = context({ crm, object });

			const first = await search.call(ctx);
			expect(first.results).toHaveLength(100);
			const rest = await search.call(ctx, undefined, first.paginationToken as string);
			expect(rest.results).toHaveLength(30);
			expect(rest.paginationToken).toBeUndefined();
			expect(new Set([...first.results, ...rest.results].map((r) => r.value)).size).toBe(130);
			expect(first.results.find((r) => String(r.name).includes('Picker7'))!.name).toMatch(/^Pat Picker7( · Co 7)? \(pick7@x\.example\)$/);

			const byEmail = await search.call(ctx, 'pick42@x.example');
			expect(byEmail.results.map((r) => r.name)).toEqual([expect.stringContaining('pick42@x.example')]);
			expect((await search.call(ctx, 'Picker43')).results.map((r) => r.name)).toEqual([expect.stringContaining('pick43@x.example')]);
			const emails = (await search.call(ctx, 'picker1')).results.map((r) => /\((.*)\)$/.exec(String(r.name))?.[1]).sort();
			const want = [1, ...Array.from({ length: 10 }, (_, i) => 10 + i), ...Array.from({ length: 30 }, (_, i) => 100 + i)].map((n) => `pick${n}@x.example`);
			expect(emails).toEqual(want.sort());
			expect((await search.call(ctx, 'nobody@x.example')).results).toEqual([]);
		},
		60_000,
	);

	it('labels: the name fields, then company and email; the id when there is nothing else', () => {
		expect(recordLabel({ id: '1', object: 'deals', modifiedAt: '', fields: { title: 'Big deal', org_name: 'Acme' } })).toBe('Big deal · Acme');
		expect(recordLabel({ id: '2', object: 'persons', modifiedAt: '', fields: { emails: [{ value: 'a@b.example', primary: true }] } })).toBe('a@b.example');
		expect(recordLabel({ id: '3', object: 'Task', modifiedAt: '', fields: {} })).toBe('3');
	});
});
