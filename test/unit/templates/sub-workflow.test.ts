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

describe.each(CRMS)('%s Sync All Prospects (paged)', (crm) => {
	const template = buildSyncTemplate(SYNC_TEMPLATES.find((t) => t.key === 'sync-all-prospects')!, crm);
	const to = (from: string, output = 0) => (template.connections[from]?.main[output] ?? []).map((c) => `${c.node}#${c.index}`);

	it('calls itself once per page: Start Run → Sync pages ⇄ More pages? → Finish Run; Page → Page or run? → the pipeline → Next Page', () => {
		expect(template.nodes.find((n) => n.name === 'Start Run')!.parameters).toMatchObject({ fullSync: true, pageSize: 2000 });
		expect(template.nodes.find((n) => n.name === 'Sync pages')!.parameters).toMatchObject({ source: 'database', workflowId: { value: '={{ $workflow.id }}' }, options: { waitForSubWorkflow: true } });
		expect(to('Start Run')).toEqual(['Sync pages#0']);
		expect(to('Sync pages')).toEqual(['More pages?#0']);
		expect(to('More pages?', 0)).toEqual(['Sync pages#0']);
		expect(to('More pages?', 1)).toEqual(['Finish Run#0']);
		expect(to('Page')).toEqual(['Page or run?#0']);
		expect(to('Page or run?', 1)).toEqual(['Start Run#0']);
		expect(to('Page or run?', 0).sort()).toEqual(['Collect results#4', 'FieldFlow: changed prospects#0', `${template.nodes.find((n) => n.type === 'n8n-nodes-fieldflow.fieldFlowCrm' && n.parameters.operation === 'getChangedSince')!.name}#0`].sort());
		expect(to('Record Results')).toEqual(['Next Page#0']);
		expect(template.nodes.find((n) => n.name === 'FieldFlow: changed prospects')!.parameters.options).toEqual({ pageSize: '={{ $json.pageSize }}', continueAfter: '={{ $json.fieldflowAfter }}', until: '={{ $json.startedAt }}' });
		// Successful pages are not stored as executions (one per 2,000 prospects).
		expect(template.settings).toMatchObject({ saveDataSuccessExecution: 'none' });
	});

	it('is run as it is, not through asSubWorkflow (it has its own Execute Workflow Trigger)', () => {
		expect(() => asSubWorkflow(template)).toThrow('has its own Execute Workflow Trigger');
	});
});
