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
		// <key>.<crm>.json, or <key>.<crm>-<variant>.json (Salesforce Contacts mode).
		const crm = file.split('.')[1].split('-')[0];
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

describe('template names and wording (issue 17)', () => {
	const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
	const onDisk = (f: string) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { name: string; tags?: unknown; nodes: Array<{ type: string; typeVersion: number; parameters: Record<string, unknown> }> };

	it('no file carries n8n tags (a bulk import of workflows sharing a new tag fails on n8n 2.41)', () => {
		for (const f of files) expect(onDisk(f)).not.toHaveProperty('tags');
	});

	it('only the two-way sync is recommended, by name', () => {
		const recommended = files.filter((f) => /recommended/i.test(onDisk(f).name)).sort();
		expect(recommended).toEqual(['bidirectional-sync.hubspot.json', 'bidirectional-sync.pipedrive.json', 'bidirectional-sync.salesforce-contacts.json', 'bidirectional-sync.salesforce.json']);
	});

	it.each(files)("%s words the editor's buttons for n8n 2.x and 1.x", (file) => {
		const text = fs.readFileSync(path.join(dir, file), 'utf8');
		const notes = onDisk(file).nodes.filter((n) => n.type === 'n8n-nodes-base.stickyNote').map((n) => String(n.parameters.content));
		for (const note of notes) {
			// Every "Test workflow" is the 1.x name next to 2.x's "Execute workflow"; "Activate" next to "Publish".
			expect(note.split('**Test workflow**').length).toBe(note.split('**Execute workflow** (n8n 1.x: **Test workflow**)').length);
			expect(note.split('Activate').length).toBe(note.split('**Publish** the workflow (n8n 1.x: **Activate**)').length);
			expect(note).not.toMatch(/click \*\*Test workflow\*\*/i);
		}
		expect(text).not.toContain("When clicking 'Test workflow'");
	});

	it('templates use FieldFlow Sync Status 1.1 (Record Type dropdown) with record types it offers', () => {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const { FieldFlowSyncStatus } = require('../../../nodes/FieldFlowSyncStatus/FieldFlowSyncStatus.node') as typeof import('../../../nodes/FieldFlowSyncStatus/FieldFlowSyncStatus.node');
		const props = new FieldFlowSyncStatus().description.properties.filter((p) => p.name === 'object' && p.type === 'options');
		for (const file of Object.keys(templates)) {
			for (const n of templates[file].nodes.filter((x) => x.type === 'n8n-nodes-fieldflow.fieldFlowSyncStatus')) {
				expect(n.typeVersion).toBe(1.1);
				const object = n.parameters.object;
				if (typeof object !== 'string' || object.startsWith('=')) continue;
				const prop = props.find((p) => p.displayOptions?.show?.crm?.includes(n.parameters.crm as string));
				expect((prop?.options as Array<{ value: string }>).map((o) => o.value)).toContain(object);
			}
		}
	});
});

describe('failures show in the sync templates (issue 17)', () => {
	it('every sync template ends the execution in error when records failed (Finish Run: Fail Execution When Records Fail), and its write nodes continue on failure so Record Results gets every failed record', () => {
		const sync = Object.keys(templates).filter((f) => templates[f].nodes.some((n) => n.parameters.operation === 'recordResults') && templates[f].nodes.some((n) => n.name === 'Finish Run'));
		expect(sync.map((f) => f.split('.')[0]).filter((k, i, a) => a.indexOf(k) === i).sort()).toEqual(['bidirectional-sync', 'crm-to-fieldflow-sync', 'fieldflow-to-crm-sync', 'hourly-batch-sync', 'sync-all-prospects', 'sync-now']);
		for (const f of sync) {
			const nodes = templates[f].nodes;
			expect(nodes.find((n) => n.name === 'Finish Run')!.parameters.failOnRecordErrors).toBe(true);
			const writes = nodes.filter((n) => n.parameters.operation === 'upsert');
			expect(writes.length).toBeGreaterThan(0);
			for (const w of writes) expect(w.onError).toBe('continueRegularOutput');
		}
	});
});
