/**
 * The FieldFlow CRM node's "CRM ID → From List" picker against each CRM sandbox: the object's
 * records a page at a time (the page token continues where the last page ended), and the CRM's own
 * search when the user types an email or a name.
 */
import type { ILoadOptionsFunctions } from 'n8n-workflow';
import { FieldFlowCrm } from '../../../nodes/FieldFlowCrm/FieldFlowCrm.node';
import { createAdapter, CRM_CREDENTIAL_TYPES, type CrmName } from '../../../nodes/shared/crm';
import { recordLabel } from '../../../nodes/FieldFlowCrm/methods/listSearch';
import { startSandboxes, sandboxCredentials, type Sandboxes } from '../../sandboxes';

for (const v of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[v];

let sb: Sandboxes;
let creds: Record<string, Record<string, unknown>>;
beforeAll(async () => {
	sb = await startSandboxes();
	creds = Object.fromEntries(sandboxCredentials(sb).map((c) => [c.type, c.data]));
});
afterAll(() => sb.stop());

const node = new FieldFlowCrm();
const ctx = (crm: CrmName, object: string) =>
	({
		getCurrentNodeParameter: (name: string) => ({ crm, object })[name as 'crm' | 'object'],
		getCredentials: async (type: string) => creds[type],
		getNode: () => ({ id: 'n1', name: 'FieldFlow CRM', type: 'n8n-nodes-fieldflow.fieldFlowCrm', typeVersion: 1, position: [0, 0], parameters: {} }),
	}) as unknown as ILoadOptionsFunctions;

const PEOPLE: Record<CrmName, [string, (i: number) => Record<string, unknown>]> = {
	salesforce: ['Lead', (i) => ({ FirstName: 'Pat', LastName: `Picker${i}`, Company: `Co ${i}`, Email: `pick${i}@x.example` })],
	hubspot: ['contacts', (i) => ({ firstname: 'Pat', lastname: `Picker${i}`, company: `Co ${i}`, email: `pick${i}@x.example` })],
	pipedrive: ['persons', (i) => ({ name: `Pat Picker${i}`, email: [{ value: `pick${i}@x.example`, primary: true }] })],
};

describe.each(['salesforce', 'hubspot', 'pipedrive'] as CrmName[])('%s: CRM ID from list', (crm) => {
	const [object, fields] = PEOPLE[crm];
	beforeAll(async () => {
		sb[crm].reset();
		const adapter = createAdapter(crm, creds[CRM_CREDENTIAL_TYPES[crm]]);
		const res = await adapter.upsert(object, Array.from({ length: 130 }, (_, i) => ({ ref: String(i), fields: fields(i) })));
		expect(res.filter((r) => !r.success).map((r) => r.error?.message)).toEqual([]);
	}, 60_000);

	it('pages through the records, 100 at a time, each labelled with name, company and email', async () => {
		const search = node.methods.listSearch.searchRecords;
		const first = await search.call(ctx(crm, object));
		expect(first.results).toHaveLength(100);
		expect(first.paginationToken).toBeTruthy();
		const rest = [];
		let token = first.paginationToken as string | undefined;
		for (let guard = 0; token && guard < 5; guard++) {
			const page = await search.call(ctx(crm, object), undefined, token);
			rest.push(...page.results);
			token = page.paginationToken as string | undefined;
		}
		expect(rest).toHaveLength(30);
		expect(new Set([...first.results, ...rest].map((r) => r.value)).size).toBe(130);
		const label = first.results.find((r) => String(r.name).includes('Picker7'))!.name;
		expect(label).toMatch(/^Pat Picker7( · Co 7)? \(pick7@x\.example\)$/);
	});

	it('finds a record by exact email and by name through the CRM search', async () => {
		const search = node.methods.listSearch.searchRecords;
		const byEmail = await search.call(ctx(crm, object), 'pick42@x.example');
		expect(byEmail.results).toHaveLength(1);
		expect(byEmail.results[0].name).toContain('pick42@x.example');
		const byName = await search.call(ctx(crm, object), 'Picker43');
		expect(byName.results.map((r) => r.name)).toEqual([expect.stringContaining('pick43@x.example')]);
		const many = await search.call(ctx(crm, object), 'picker1');
		const emails = many.results.map((r) => /\((.*)\)$/.exec(String(r.name))?.[1]).sort();
		const want = [1, ...Array.from({ length: 10 }, (_, i) => 10 + i), ...Array.from({ length: 30 }, (_, i) => 100 + i)].map((n) => `pick${n}@x.example`).sort();
		expect(emails).toEqual(want);
		expect((await search.call(ctx(crm, object), 'nobody@x.example')).results).toEqual([]);
	});
});

describe('record labels', () => {
	it('uses the name fields, then company and email; the id when there is nothing else', () => {
		expect(recordLabel({ id: '1', object: 'deals', modifiedAt: '', fields: { title: 'Big deal', org_name: 'Acme' } })).toBe('Big deal · Acme');
		expect(recordLabel({ id: '2', object: 'persons', modifiedAt: '', fields: { emails: [{ value: 'a@b.example', primary: true }] } })).toBe('a@b.example');
		expect(recordLabel({ id: '3', object: 'Task', modifiedAt: '', fields: {} })).toBe('3');
	});
});
