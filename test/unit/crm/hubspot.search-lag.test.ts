/**
 * HubSpot's search index sees writes seconds after they happen (sandbox `searchLagMs`). Proven
 * here: the search itself lags (sandbox), the duplicate check by email finds a contact created a
 * moment ago (adapter: batch read by idProperty=email, not search), changed-since reads in the
 * template's windows (Since = last run start − overlap, Until = this run's start) skip no change,
 * and runs one after another or overlapping create no duplicate contact (two-way template nodes in
 * process against the FieldFlow and HubSpot sandboxes).
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';
import { HubSpotAdapter } from '../../../nodes/shared/crm/hubspot';
import type { CrmRecord } from '../../../nodes/shared/crm/types';
import { HUBSPOT_SANDBOX_TOKEN } from '../../sandboxes';
import { crmNode, fieldflowNode, mappingNode, resolverNode, sandboxEnv, statusNode } from '../../support/node-sync-env';
import { tempSqliteStore } from '../../support/temp-store';

delete process.env.HTTP_PROXY;
delete process.env.HTTPS_PROXY;
delete process.env.http_proxy;
delete process.env.https_proxy;

const LAG = 30_000;
const OVERLAP = 120_000; // Start Run's default overlap (2 minutes)

const env = sandboxEnv();
beforeEach(() => {
	env.sb.fieldflow.clearData();
	env.sb.hubspot.reset();
	env.sb.hubspot.clock.offsetMs = 0;
	env.sb.hubspot.searchLagMs = LAG;
});

const hs = () => new HubSpotAdapter({ accessToken: HUBSPOT_SANDBOX_TOKEN, baseUrl: env.sb.hubspot.url, ratePerSecond: 10_000, searchRatePerSecond: 10_000 });
/** Let time pass for the sandbox (its clock and its search index). */
const pass = (ms: number) => {
	env.sb.hubspot.clock.offsetMs += ms;
};
const now = () => Date.now() + env.sb.hubspot.clock.offsetMs;
async function changed(a: HubSpotAdapter, since: string, until?: number): Promise<CrmRecord[]> {
	const out: CrmRecord[] = [];
	for await (const p of a.listChangedSince('contacts', since, { fields: ['email', 'jobtitle'] })) out.push(...p.records.filter((r) => until === undefined || Date.parse(r.modifiedAt) < until));
	return out;
}

describe('sandbox: the search index lags writes', () => {
	it('a new contact is missing from search, an edit shows the old values, until the lag has passed; reads by id see the write at once', async () => {
		const a = hs();
		const [made] = await a.upsert('contacts', [{ ref: 'x', fields: { email: 'new@example.com', jobtitle: 'A' } }]);
		const search = () =>
			fetch(`${env.sb.hubspot.url}/crm/v3/objects/contacts/search`, { method: 'POST', headers: { authorization: `Bearer ${HUBSPOT_SANDBOX_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: 'new@example.com' }] }], properties: ['jobtitle'] }) }).then((r) => r.json() as Promise<{ total: number; results: Array<{ properties: Record<string, string> }> }>);
		expect((await search()).total).toBe(0);
		expect((await a.getByIds('contacts', [made.id!]))[0].fields.email).toBe('new@example.com');
		pass(LAG);
		expect((await search()).results.map((r) => r.properties.jobtitle)).toEqual(['A']);
		await a.upsert('contacts', [{ ref: 'x', id: made.id, fields: { jobtitle: 'B' } }]);
		expect((await search()).results.map((r) => r.properties.jobtitle)).toEqual(['A']);
		pass(LAG);
		expect((await search()).results.map((r) => r.properties.jobtitle)).toEqual(['B']);
	});
});

describe('adapter under search lag', () => {
	it('findDuplicates by email finds a contact created a moment ago (batch read by email, not search)', async () => {
		const a = hs();
		await a.upsert('contacts', [{ ref: 'x', fields: { email: 'Fresh@Example.com', firstname: 'Fresh' } }]);
		env.sb.hubspot.resetCounters();
		const [m] = await a.findDuplicates('contacts', [{ ref: 'p1', email: 'FRESH@example.com' }]);
		expect(m.matches.map((x) => [x.matchedOn, x.record?.fields.email])).toEqual([['email', 'fresh@example.com']]);
		expect(env.sb.hubspot.calls.get('objects.batch.read')).toBe(1);
		expect(env.sb.hubspot.calls.get('objects.search') ?? 0).toBe(0);
		const [none] = await a.findDuplicates('contacts', [{ ref: 'p2', email: 'nobody@example.com' }]);
		expect(none.matches).toEqual([]);
	});

	it('changed-since reads in the template windows (Since = last start − overlap, Until = run start) skip no change written just before a run', async () => {
		const a = hs();
		const seen = new Map<string, string[]>();
		let lastStart = new Date(now() - 3600_000).toISOString();
		const runRead = async () => {
			const start = now();
			for (const r of await changed(a, new Date(Date.parse(lastStart) - OVERLAP).toISOString(), start)) seen.set(r.id, [...(seen.get(r.id) ?? []), String(r.fields.jobtitle)]);
			lastStart = new Date(start).toISOString();
		};
		const made = await a.upsert('contacts', Array.from({ length: 5 }, (_, i) => ({ ref: `c${i}`, fields: { email: `c${i}@example.com`, jobtitle: 'v1' } })));
		pass(1_000);
		await runRead(); // written 1 s before the run: not in search yet
		expect(seen.size).toBe(0);
		pass(10_000);
		await a.upsert('contacts', [{ ref: 'c0', id: made[0].id, fields: { jobtitle: 'v2' } }]);
		pass(LAG + 5_000);
		await runRead(); // the creates and the edit, all indexed now
		pass(60_000);
		await runRead();
		// Every contact read, and the edit's last value.
		expect(made.every((m) => seen.has(m.id!))).toBe(true);
		expect(made.slice(1).every((m) => seen.get(m.id!)!.at(-1) === 'v1')).toBe(true);
		expect(seen.get(made[0].id!)!.at(-1)).toBe('v2');
		// The raw cursor (newest modification time seen) never passes a record search has not shown.
		const b = hs();
		await b.upsert('contacts', [{ ref: 'late', fields: { email: 'late@example.com', jobtitle: 'v1' } }]);
		let cursor = '';
		for await (const p of b.listChangedSince('contacts', undefined, {})) cursor = p.cursor;
		const late = env.sb.hubspot.records('contacts').find((r) => r.properties.email === 'late@example.com')!;
		expect(Date.parse(cursor)).toBeLessThan(Date.parse(late.properties.lastmodifieddate!));
		pass(LAG);
		const after = await changed(b, cursor);
		expect(after.map((r) => r.fields.email)).toEqual(['late@example.com']);
	});
});

describe('two-way template runs under search lag (nodes in process)', () => {
	const common = { crm: 'hubspot', object: 'contacts' };
	const tmp = tempSqliteStore('ff-hs-lag-');
	const { run } = env;

	/** Read both sides, map, resolve: the outputs To CRM / To FieldFlow / Conflict / Unchanged. */
	async function plan(): Promise<INodeExecutionData[][]> {
		const [ffRecords] = await run(fieldflowNode, { resource: 'prospect', operation: 'getChangedSince', since: '2000-01-01T00:00:00.000Z', options: {} });
		const [crmRecords] = await run(crmNode, { ...common, operation: 'getChangedSince', since: '2000-01-01T00:00:00.000Z', returnAll: true, options: {} });
		const [ffItems] = await run(mappingNode, { ...common, direction: 'toCrm' }, [ffRecords], { downstream: [{ type: resolverNode, toInput: 0 }] });
		const [crmItems] = await run(mappingNode, { ...common, direction: 'toFieldflow' }, [crmRecords], { downstream: [{ type: resolverNode, toInput: 1 }] });
		return run(resolverNode, { ...common, sqlitePath: tmp.sqlitePath }, [ffItems, crmItems]);
	}
	async function write(outputs: INodeExecutionData[][]): Promise<IDataObject> {
		const [crmWrites] = outputs[0].length ? await run(crmNode, { ...common, operation: 'upsert', fieldsToSend: 'autoMapInputData', options: {} }, [outputs[0]], { continueOnFail: true }) : [[]];
		const [ffWrites] = outputs[1].length ? await run(fieldflowNode, { resource: 'prospect', operation: 'upsert' }, [outputs[1]], { continueOnFail: true }) : [[]];
		const [[summary]] = await run(statusNode, { operation: 'recordResults', crm: 'hubspot', sqlitePath: tmp.sqlitePath, recordOptions: { includeResults: true } }, [[...crmWrites, ...ffWrites, ...outputs[2], ...outputs[3]]]);
		return summary.json;
	}
	const contactsByEmail = () => {
		const by = new Map<string, number>();
		for (const r of env.sb.hubspot.records('contacts')) by.set(String(r.properties.email), (by.get(String(r.properties.email)) ?? 0) + 1);
		return by;
	};
	const seed = () =>
		env.sb.fieldflow.seed({
			prospects: [
				{ id: 'pr_ada', company_name: 'Ada Analytics', contact_name: 'Ada Lovelace', email: 'ada@analytics.example', phone: '+1 555 0100', status: 'new' },
				{ id: 'pr_ben', company_name: 'Ben Builders', contact_name: 'Ben Stone', email: 'ben@builders.example', phone: '+1 555 0200', status: 'new' },
			],
		} as never);

	it('a create whose answer was lost, then a run within the lag: linked to the contact made, no duplicate, no queued error left', async () => {
		seed();
		env.sb.hubspot.injectFault({ kind: 'lostResponse', endpoint: 'objects.batch.create', method: 'POST', times: 1 });
		await write(await plan());
		expect(env.sb.hubspot.records('contacts').length).toBe(2);
		expect((await tmp.store.getLinks('hubspot', 'contacts', { fieldflowIds: ['pr_ada', 'pr_ben'] })).filter((l) => l.crmId).length).toBe(0);
		// The next run, before HubSpot's search shows the two contacts.
		pass(1_000);
		await write(await plan());
		expect([...contactsByEmail().values()]).toEqual([1, 1]);
		const links = await tmp.store.getLinks('hubspot', 'contacts', { fieldflowIds: ['pr_ada', 'pr_ben'] });
		expect(links.map((l) => [l.fieldflowId, l.status, !!l.crmId]).sort()).toEqual([
			['pr_ada', 'synced', true],
			['pr_ben', 'synced', true],
		]);
		expect((await tmp.store.listErrors({ crm: 'hubspot' })).filter((e) => e.state === 'open')).toEqual([]);
	});

	it('two overlapping runs (both plan before either writes) and a third within the lag: one contact per prospect', async () => {
		seed();
		const first = await plan();
		const second = await plan();
		await write(first);
		await write(second);
		pass(1_000);
		await write(await plan());
		expect([...contactsByEmail().entries()].sort()).toEqual([
			['ada@analytics.example', 1],
			['ben@builders.example', 1],
		]);
		expect((await tmp.store.listErrors({ crm: 'hubspot' })).filter((e) => e.state === 'open')).toEqual([]);
	});
});
