import { esc, renderDashboard, type DashboardData } from '../../../nodes/shared/dashboard/render';

function data(over: Partial<DashboardData> = {}): DashboardData {
	return {
		crm: 'salesforce',
		crmLabel: 'Salesforce',
		generatedAt: '2026-11-24T10:00:00.000Z',
		connected: true,
		lastSyncAt: '2026-11-24T09:55:00.000Z',
		syncedByType: { Lead: 12, Contact: 3 },
		pending: 2,
		errorCount: 1,
		conflictCount: 1,
		logs: [
			{ time: '2026-11-24T09:55:00.000Z', direction: 'toCrm', recordType: 'Lead', fieldflowId: 'pr_1', crmId: '00Q1', status: 'success', action: 'createInCrm', message: 'New in FieldFlow' },
			{ time: '2026-11-24T09:54:00.000Z', direction: 'toCrm', recordType: 'Lead', fieldflowId: 'pr_2', status: 'error', action: 'createInCrm', message: 'Email: invalid', errorKind: 'validation' },
		],
		logTotal: 2,
		errors: [{ id: 7, object: 'Lead', direction: 'toCrm', fieldflowId: 'pr_2', kind: 'validation', hint: 'Fix the record, then retry.', message: 'Email: invalid', attempts: 1, updatedAt: '2026-11-24T09:54:00.000Z' }],
		conflicts: [{ id: 3, object: 'Lead', fieldflowId: 'pr_3', crmId: '00Q3', fields: [{ field: 'phone', fieldflow: '+1 1', crm: '+1 2' }], createdAt: '2026-11-24T09:50:00.000Z' }],
		filters: {},
		recordTypes: ['Lead', 'Contact'],
		pageUrl: '/webhook/fieldflow/dashboard/salesforce',
		actionUrl: '/webhook/fieldflow/dashboard/salesforce/action',
		...over,
	};
}

describe('dashboard page', () => {
	it('shows last sync, synced by type, pending, errors and conflicts with the seed status icons', () => {
		const html = renderDashboard(data());
		expect(html).toContain('<div class="label">✅ Synced</div><div class="value">15</div>');
		expect(html).toContain('<div class="label">🔄 Pending</div><div class="value">2</div>');
		expect(html).toContain('<div class="label">⚠️ Conflict</div><div class="value">1</div>');
		expect(html).toContain('<div class="label">❌ Error</div><div class="value">1</div>');
		expect(html).toContain('2026-11-24 09:55:00 UTC');
		expect(html).toMatch(/data-testid="synced-Contact">Contact: <b>3<\/b>/);
		expect(html).toContain('Fix the record, then retry.');
		expect(html).toContain('data-status="error"');
	});

	it('has Retry and pick-a-side forms posting to the action URL, and a GET filter form on the page URL', () => {
		const html = renderDashboard(data());
		expect(html).toContain('<form method="post" action="/webhook/fieldflow/dashboard/salesforce/action"><input type="hidden" name="action" value="retry"><input type="hidden" name="errorId" value="7">');
		expect(html).toContain('<input type="hidden" name="conflictId" value="3"><input type="hidden" name="side" value="fieldflow">');
		expect(html).toContain('<input type="hidden" name="side" value="crm"><button type="submit" data-testid="keep-crm-3">Keep Salesforce</button>');
		expect(html).toContain('<form method="get" action="/webhook/fieldflow/dashboard/salesforce"');
		// Without an action URL: no buttons.
		const readOnly = renderDashboard(data({ actionUrl: '' }));
		expect(readOnly).not.toContain('method="post"');
	});

	it('keeps the chosen filters selected', () => {
		const html = renderDashboard(data({ filters: { from: '2026-11-01', to: '2026-11-24T12:00:00Z', recordType: 'Contact', status: 'error' } }));
		expect(html).toContain('name="from" value="2026-11-01"');
		expect(html).toContain('name="to" value="2026-11-24"');
		expect(html).toContain('<option value="Contact" selected>Contact</option>');
		expect(html).toContain('<option value="error" selected>❌ Error</option>');
	});

	it('escapes every value: record data cannot inject markup or script', () => {
		const evil = '<script>alert(1)</script>"\'&';
		const html = renderDashboard(
			data({
				crmLabel: evil,
				syncedByType: { [evil]: 1 },
				logs: [{ time: evil, direction: evil, recordType: evil, fieldflowId: evil, crmId: evil, status: evil, action: evil, message: evil, errorKind: evil }],
				errors: [{ id: 1, object: evil, direction: evil, fieldflowId: evil, crmId: evil, kind: evil, hint: evil, message: evil, attempts: 1, updatedAt: evil }],
				conflicts: [{ id: 2, object: evil, fieldflowId: evil, crmId: evil, fields: [{ field: evil, fieldflow: { x: evil }, crm: evil }], createdAt: evil }],
				filters: { recordType: evil },
				recordTypes: [evil],
				pageUrl: evil,
				actionUrl: `x" onmouseover="alert(1)`,
				notices: [evil],
			}),
		);
		expect(html).not.toContain('<script>');
		expect(html).not.toContain('" onmouseover="');
		expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;');
		expect(esc({ a: '<b>' })).toBe('{&quot;a&quot;:&quot;&lt;b&gt;&quot;}');
		expect(esc(null)).toBe('');
	});

	it('says so when there is nothing to show', () => {
		const html = renderDashboard(data({ errors: [], conflicts: [], logs: [], logTotal: 0, errorCount: 0, conflictCount: 0, lastSyncAt: null, connected: false }));
		expect(html).toContain('No errors.');
		expect(html).toContain('No conflicts.');
		expect(html).toContain('No log entries match.');
		expect(html).toContain('<div class="value">never</div>');
		expect(html).toContain('Disconnected');
	});
});
