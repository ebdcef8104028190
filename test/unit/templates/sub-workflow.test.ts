/**
 * asSubWorkflow / withSqlitePath: how the benchmark and the e2e tests run the generated templates
 * unchanged (only the triggers and the store path differ).
 */
import { asSubWorkflow, withSqlitePath, CRMS } from '../../../scripts/templates/lib';
import { SYNC_TEMPLATES, buildSyncTemplate } from '../../../scripts/templates/sync';

describe.each(CRMS)('%s two-way template as a sub-workflow', (crm) => {
	const template = buildSyncTemplate(SYNC_TEMPLATES.find((t) => t.key === 'bidirectional-sync')!, crm);
	const sub = asSubWorkflow(template, { sqlitePath: '/tmp/x/store.sqlite', settings: { saveDataSuccessExecution: 'none' } });

	it('its Schedule and Manual triggers become one Execute Workflow Trigger wired to Start Run', () => {
		expect(template.nodes.filter((n) => /Trigger$/.test(n.type)).map((n) => n.type).sort()).toEqual(['n8n-nodes-base.manualTrigger', 'n8n-nodes-base.scheduleTrigger']);
		const triggers = sub.nodes.filter((n) => /Trigger$/.test(n.type));
		expect(triggers.map((n) => n.type)).toEqual(['n8n-nodes-base.executeWorkflowTrigger']);
		expect(sub.connections[triggers[0].name].main).toEqual([[{ node: 'Start Run', type: 'main', index: 0 }]]);
	});

	it('every other node and connection is the template’s; only the store path is set', () => {
		const others = template.nodes.filter((n) => !/Trigger$/.test(n.type));
		expect(sub.nodes.length).toBe(others.length + 1);
		for (const n of others) {
			const m = sub.nodes.find((x) => x.name === n.name)!;
			if (n.parameters.store === 'sqlite') expect(m.parameters).toEqual({ ...n.parameters, sqlitePath: '/tmp/x/store.sqlite' });
			else expect(m).toEqual(n);
		}
		expect(sub.nodes.filter((n) => n.parameters.store === 'sqlite').length).toBeGreaterThanOrEqual(4);
		for (const [from, c] of Object.entries(template.connections)) if (!/^(Run now|Every )/.test(from)) expect(sub.connections[from]).toEqual(c);
		expect(sub.settings).toEqual({ ...template.settings, saveDataSuccessExecution: 'none' });
		// The template itself is not changed.
		expect(template.nodes.every((n) => n.parameters.store !== 'sqlite' || n.parameters.sqlitePath === '')).toBe(true);
	});

	it('withSqlitePath keeps the triggers', () => {
		const wf = withSqlitePath(template, '/tmp/y.sqlite');
		expect(wf.connections).toEqual(template.connections);
		expect(wf.nodes.filter((n) => n.parameters.store === 'sqlite').every((n) => n.parameters.sqlitePath === '/tmp/y.sqlite')).toBe(true);
	});
});
