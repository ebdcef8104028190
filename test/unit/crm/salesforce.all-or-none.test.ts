/**
 * sObject Collections and allOrNone (issue #16, item 1). Salesforce: allOrNone true rolls the
 * whole request back when any record fails (the others answer ALL_OR_NONE_OPERATION_ROLLED_BACK);
 * false, the default, saves every valid record and reports each failure in its own result. The
 * adapter always sends false, so one bad record of 200 fails only itself, in create, update,
 * upsert by external id and delete alike, and costs no extra call. Real jsforce, sandbox over HTTP.
 */
for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[k];

import { SalesforceAdapter } from '../../../nodes/shared/crm/salesforce';
import { SalesforceSandbox } from '../../sandboxes/salesforce';

describe('Salesforce sObject Collections: allOrNone false, one bad record fails only itself', () => {
	const sb = new SalesforceSandbox();
	const make = () => new SalesforceAdapter({ baseUrl: sb.url, accessToken: sb.accessToken, ratePerSecond: 10_000 });

	beforeAll(() => sb.start(0));
	afterAll(() => sb.stop());
	beforeEach(() => sb.reset());

	it('create, update and upsert send allOrNone false; delete sends none (the default, false)', async () => {
		const a = make();
		const created = await a.upsert('Lead', [{ ref: 'c', fields: { LastName: 'C', Company: 'Co' } }]);
		await a.upsert('Lead', [{ ref: 'u', id: created[0].id, fields: { Title: 'T' } }]);
		await a.upsert('Lead', [{ ref: 'x', fields: { FieldFlow_Id__c: 'ff-1', LastName: 'X', Company: 'Co' } }], { idProperty: 'FieldFlow_Id__c' });
		await a.delete('Lead', [created[0].id!]);
		expect(sb.collectionLog).toEqual([
			{ method: 'POST', allOrNone: false, records: 1 },
			{ method: 'PATCH', allOrNone: false, records: 1 },
			{ method: 'PATCH', allOrNone: false, records: 1 },
			{ method: 'DELETE', allOrNone: undefined, records: 1 },
		]);
	});

	it('one invalid record in a collection of 200 creates: 199 saved in the one call, the bad one gets its field error', async () => {
		const a = make();
		const inputs = Array.from({ length: 200 }, (_, i) => ({ ref: `r${i}`, fields: { LastName: `N ${i}`, Company: 'Co', Email: i === 123 ? 'not an email' : `n${i}@co.example` } }));
		sb.resetCounters();
		const res = await a.upsert('Lead', inputs);
		expect(sb.calls.get('collections.create')).toBe(1);
		expect(res.filter((r) => r.success)).toHaveLength(199);
		expect(res[123].error).toMatchObject({ kind: 'validation', code: 'INVALID_EMAIL_ADDRESS', fields: ['Email'], recordRef: 'r123' });
		expect(res.some((r) => r.error?.code === 'ALL_OR_NONE_OPERATION_ROLLED_BACK')).toBe(false);
		expect(sb.records('Lead')).toHaveLength(199);
	});

	it('updates, upserts by external id and deletes: the bad record fails alone', async () => {
		sb.seed({ Lead: Array.from({ length: 200 }, (_, i) => ({ LastName: `S ${i}`, Company: 'Co', FieldFlow_Id__c: `ff-${i}` })) });
		const rows = sb.records('Lead');
		const a = make();
		sb.resetCounters();
		const upd = await a.upsert('Lead', rows.map((r, i) => ({ ref: `u${i}`, id: r.Id as string, fields: { Status: i === 50 ? 'Maybe' : 'Working - Contacted' } })));
		expect(upd.filter((r) => r.success)).toHaveLength(199);
		expect(upd[50].error).toMatchObject({ kind: 'validation', code: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', fields: ['Status'] });
		expect(sb.records('Lead').filter((l) => l.Status === 'Working - Contacted')).toHaveLength(199);
		const ups = await a.upsert('Lead', rows.map((r, i) => ({ ref: `x${i}`, fields: { FieldFlow_Id__c: `ff-${i}`, LastName: i === 7 ? 'x'.repeat(81) : `Renamed ${i}` } })), { idProperty: 'FieldFlow_Id__c' });
		expect(ups.filter((r) => r.success && r.created === false)).toHaveLength(199);
		expect(ups[7].error).toMatchObject({ kind: 'validation', code: 'STRING_TOO_LONG', fields: ['LastName'] });
		const del = await a.delete('Lead', [...rows.slice(0, 199).map((r) => r.Id as string), '00Q5g0000ZZZZZZAAA']);
		expect(del.filter((r) => r.success)).toHaveLength(199);
		expect(del[199].error).toMatchObject({ kind: 'not_found', recordRef: '00Q5g0000ZZZZZZAAA' });
		expect(sb.records('Lead')).toHaveLength(1);
		expect(sb.calls.get('collections.update')).toBe(1);
		expect(sb.calls.get('collections.upsert')).toBe(1);
		expect(sb.calls.get('collections.delete')).toBe(1);
	});
});
