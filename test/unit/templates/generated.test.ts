/**
 * workflows/*.json are generated from scripts/templates (one source, every CRM): a hand edit to a
 * generated file, or a source change without `npm run templates`, fails here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allTemplates, serialize } from '../../../scripts/templates';

const dir = path.join(__dirname, '..', '..', '..', 'workflows');
const templates = allTemplates();

describe('generated workflow templates', () => {
	it.each(Object.keys(templates))('%s matches its source', (file) => {
		const onDisk = fs.readFileSync(path.join(dir, file), 'utf8');
		expect(onDisk).toBe(serialize(templates[file]));
	});

	it.each(Object.keys(templates))('%s only uses nodes of this package and n8n core, with credentials of the right CRM', (file) => {
		const wf = templates[file];
		const crm = file.split('.')[1];
		for (const node of wf.nodes) {
			expect(node.type).toMatch(/^(n8n-nodes-fieldflow\.|n8n-nodes-base\.)/);
			if (typeof node.parameters.crm === 'string') expect(node.parameters.crm).toBe(crm);
			for (const cred of Object.keys(node.credentials ?? {})) expect(['fieldFlowApi', 'fieldFlowSalesforceApi', 'fieldFlowHubSpotApi', 'fieldFlowPipedriveApi', 'httpHeaderAuth', 'httpBasicAuth']).toContain(cred);
		}
		// Every connection points at a node that exists.
		const names = new Set(wf.nodes.map((n) => n.name));
		for (const [from, c] of Object.entries(wf.connections)) {
			expect(names.has(from)).toBe(true);
			for (const out of c.main) for (const to of out) expect(names.has(to.node)).toBe(true);
		}
	});
});
