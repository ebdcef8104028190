/**
 * The proving loop: the built package loads into a real n8n (2.x, its own Node 24), a workflow
 * template runs in it against the FieldFlow sandbox, and the items it returns are checked.
 */
import * as path from 'node:path';
import { N8n } from './harness';
import { startSandboxes, sandboxCredentials, type Sandboxes } from '../sandboxes';

const TEMPLATE = path.join(__dirname, '..', '..', 'workflows', 'fieldflow-get-changed-prospects.json');

describe('FieldFlow node in real n8n', () => {
	let sb: Sandboxes;
	let n8n: N8n;

	beforeAll(async () => {
		sb = await startSandboxes();
		n8n = await new N8n().prepare();
		await n8n.importCredentials(sandboxCredentials(sb));
	}, 300_000);

	afterAll(async () => {
		await n8n?.stop();
		await sb?.stop();
	});

	beforeEach(() => sb.fieldflow.reset());

	it('runs the "get changed prospects" template and returns every prospect changed in the last day, across pages', async () => {
		// 230 prospects: more than one API page (200), so the node must follow next_cursor.
		sb.fieldflow.seed({
			prospects: Array.from({ length: 230 }, (_, i) => ({
				company_name: `Company ${i}`,
				contact_name: `Contact ${i}`,
				email: `contact${i}@example.com`,
				status: i % 2 ? 'qualified' : 'new',
				estimated_value: i * 100,
			})),
		});
		// One deleted prospect must not appear (Include Deleted is off in the template).
		sb.fieldflow.prospects.remove('pr_000007');

		const id = await n8n.importWorkflow(TEMPLATE, 'wfGetChanged01');
		const run = await n8n.execute(id);

		expect(run.error).toBeUndefined();
		const items = run.nodes['FieldFlow: prospects changed in the last day'][0].map((i) => i.json);
		expect(items).toHaveLength(229);
		expect(items.map((p) => p.id)).not.toContain('pr_000007');
		expect(new Set(items.map((p) => p.id)).size).toBe(229);
		expect(items[0]).toMatchObject({ id: 'pr_000001', company_name: 'Company 0', contact_name: 'Contact 0', email: 'contact0@example.com', status: 'new' });
		expect(items[228]).toMatchObject({ company_name: 'Company 229', estimated_value: 22900, status: 'qualified' });
		// Two list calls (200 + 29): the pagination really happened through the API.
		expect(sb.fieldflow.calls.get('prospects.list')).toBe(2);
		// n8n never tried to reach anything but 127.0.0.1.
		expect(n8n.blockedConnections()).toEqual([]);
	}, 300_000);

	it('reports a revoked API key as a clear auth error', async () => {
		sb.fieldflow.validKeys.clear();
		try {
			const id = await n8n.importWorkflow(TEMPLATE, 'wfGetChanged02');
			const run = await n8n.execute(id);
			expect(run.error).toMatch(/401|unauthorized|API key/i);
			expect(run.lastNodeExecuted).toBe('FieldFlow: prospects changed in the last day');
		} finally {
			sb.fieldflow.validKeys.add('ff_test_key_7c1d2e');
		}
	}, 300_000);
});

describe('n8n server with the package (what `npm run demo` starts)', () => {
	let n8n: N8n;

	beforeAll(async () => {
		n8n = await new N8n().prepare();
		await n8n.start();
		await n8n.setupOwner();
	}, 300_000);

	afterAll(async () => {
		await n8n?.stop();
	});

	it('lists every node and credential of package.json in the editor, and reaches nothing outside 127.0.0.1', async () => {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const pkg = require('../../package.json') as { n8n: { nodes: string[]; credentials: string[] } };
		const nodeNames = await n8n.nodeTypeNames();
		const credentialNames = await n8n.credentialTypeNames();
		for (const file of pkg.n8n.nodes) {
			// eslint-disable-next-line @typescript-eslint/no-require-imports
			const mod = require(path.join(__dirname, '..', '..', file));
			const cls = Object.values(mod)[0] as new () => { description: { name: string } };
			expect(nodeNames).toContain(`n8n-nodes-fieldflow.${new cls().description.name}`);
		}
		for (const file of pkg.n8n.credentials) {
			// eslint-disable-next-line @typescript-eslint/no-require-imports
			const mod = require(path.join(__dirname, '..', '..', file));
			const cls = Object.values(mod)[0] as new () => { name: string };
			expect(credentialNames).toContain(new cls().name);
		}
		expect(nodeNames).toContain('n8n-nodes-fieldflow.fieldFlow');
		expect(credentialNames).toContain('fieldFlowApi');
		expect(n8n.blockedConnections()).toEqual([]);
	}, 120_000);
});
