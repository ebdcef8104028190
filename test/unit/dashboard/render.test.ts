import { crmRecordUrl, describeLog, esc, objectWords, recordsByType, renderDashboard, userErrorMessage, type DashboardCrm, type DashboardData } from '../../../nodes/shared/dashboard/render';

const salesforce: DashboardCrm = {
	crm: 'salesforce',
	label: 'Salesforce',
	connected: true,
	lastSyncAt: '2026-11-24T09:55:00.000Z',
	syncedByType: { Lead: 12, Contact: 3 },
	pending: 2,
	errorCount: 1,
	conflictCount: 1,
	actionUrl: '/webhook/fieldflow/dashboard/salesforce/action',
};
const hubspot: DashboardCrm = { crm: 'hubspot', label: 'HubSpot', connected: false, lastSyncAt: null, syncedByType: { contacts: 4 }, pending: 0, errorCount: 1, conflictCount: 0, actionUrl: '/webhook/fieldflow/dashboard/hubspot/action' };
const LINKS = { salesforceUrl: 'https://acme.my.salesforce.com/', hubspotPortalId: '4242', pipedriveDomain: 'acme' };

function data(over: Partial<DashboardData> = {}): DashboardData {
	return {
		generatedAt: '2026-11-24T10:00:00.000Z',
		crms: [salesforce],
		logs: [
			{ crm: 'salesforce', time: '2026-11-24T09:55:00.000Z', direction: 'toCrm', recordType: 'Lead', fieldflowId: 'pr_1', crmId: '00Q1', status: 'success', action: 'createInCrm', message: 'New in FieldFlow: create in the CRM.', recordName: 'Ada Lovelace', recordCompany: 'Analytical Engines' },
			{ crm: 'salesforce', time: '2026-11-24T09:54:00.000Z', direction: 'toCrm', recordType: 'Lead', fieldflowId: 'pr_2', status: 'error', action: 'createInCrm', message: 'Salesforce Lead 20: Required fields are missing: [LastName]', errorKind: 'validation', recordName: 'Grace Hopper', recordCompany: 'Cobol Inc' },
		],
		logTotal: 2,
		errors: [{ id: 7, crm: 'salesforce', object: 'Lead', direction: 'toCrm', fieldflowId: 'pr_2', kind: 'validation', hint: 'Fix the record, then retry.', message: 'Salesforce Lead 20: Required fields are missing: [LastName]', attempts: 1, updatedAt: '2026-11-24T09:54:00.000Z', recordName: 'Grace Hopper', recordCompany: 'Cobol Inc' }],
		conflicts: [{ id: 3, crm: 'salesforce', object: 'Lead', fieldflowId: 'pr_3', crmId: '00Q3', fields: [{ field: 'phone', fieldflow: '+1 1', crm: '+1 2' }], createdAt: '2026-11-24T09:50:00.000Z', recordName: 'Alan Turing', recordCompany: 'Bletchley' }],
		filters: {},
		recordTypes: ['Lead', 'Contact'],
		pageUrl: '/webhook/fieldflow/dashboard/salesforce',
		links: LINKS,
		...over,
	};
}

/** Emoji and pictograph code points (incl. the variation selector that turns ⚠ into an emoji). */
const EMOJI = /[\u{1F000}-\u{1FAFF}\u{2600}-\u{27BF}\u{2B00}-\u{2BFF}\u{2300}-\u{23FF}\u{FE0F}\u{200D}]/u;

describe('dashboard page', () => {
	it('shows last sync, synced by type, pending, errors and conflicts with SVG status icons', () => {
		const html = renderDashboard(data());
		expect(html).toMatch(/data-testid="count-synced"><div class="label"><svg [^>]*data-icon="synced"[^]*?<\/svg> Synced<\/div><div class="value">15<\/div>/);
		expect(html).toMatch(/data-testid="count-pending"><div class="label"><svg [^>]*data-icon="pending"[^]*?<\/svg> Pending<\/div><div class="value">2<\/div>/);
		expect(html).toMatch(/data-testid="count-conflicts"><div class="label"><svg [^>]*data-icon="conflict"[^]*?<\/svg> Conflict<\/div><div class="value">1<\/div>/);
		expect(html).toMatch(/data-testid="count-errors"><div class="label"><svg [^>]*data-icon="error"[^]*?<\/svg> Error<\/div><div class="value">1<\/div>/);
		expect(html).toContain('2026-11-24 09:55:00 UTC');
		expect(html).toMatch(/data-testid="synced-Contact">Contacts: <b>3<\/b>/);
		expect(html).toContain('Fix the record, then retry.');
		expect(html).toContain('data-status="error"');
	});

	it('uses no emoji code points anywhere (they render as boxes without an emoji font)', () => {
		const html = renderDashboard(data({ crms: [salesforce, hubspot] }));
		const found = [...html].filter((ch) => EMOJI.test(ch)).map((ch) => `U+${ch.codePointAt(0)!.toString(16).toUpperCase()}`);
		expect(found).toEqual([]);
		expect(html).toContain('<svg');
	});

	it('shows each record by name and company, with its ids as the small print', () => {
		const html = renderDashboard(data());
		const errorRow = /<tr data-testid="error-row"[^]*?<\/tr>/.exec(html)![0];
		expect(errorRow).toContain('<b class="name">Grace Hopper</b> <span class="company">Cobol Inc</span>');
		expect(errorRow).toContain('FieldFlow pr_2');
		expect(errorRow).toContain('not in Salesforce yet');
		// The technical "Salesforce Lead 20:" (20 is a batch position) is not shown.
		expect(errorRow).toContain('Required fields are missing: [LastName]');
		expect(errorRow).not.toContain('Lead 20');
		const conflictRow = /<tr data-testid="conflict-row"[^]*?<\/tr>/.exec(html)![0];
		expect(conflictRow).toContain('Alan Turing');
		expect(conflictRow).toContain('<b>Phone</b>: FieldFlow “+1 1” · Salesforce “+1 2”');
		expect(html).toContain('<b class="name">Ada Lovelace</b> <span class="company">Analytical Engines</span>');
		// A record the store has no name for still says what it is.
		const unnamed = renderDashboard(data({ errors: [{ ...data().errors[0], recordName: null, recordCompany: null }] }));
		expect(/<tr data-testid="error-row"[^]*?<\/tr>/.exec(unnamed)![0]).toContain('<b class="name unnamed">FieldFlow prospect</b>');
	});

	it('links each record to its page in its CRM', () => {
		const html = renderDashboard(data());
		expect(html).toContain('<a href="https://acme.my.salesforce.com/lightning/r/Lead/00Q1/view" target="_blank" rel="noopener noreferrer" data-testid="crm-link">Open in Salesforce</a>');
		expect(html).toContain('href="https://acme.my.salesforce.com/lightning/r/Lead/00Q3/view"');
		expect(crmRecordUrl('salesforce', 'Lead', '00Q5g00000ABCDEFGH', LINKS)).toBe('https://acme.my.salesforce.com/lightning/r/Lead/00Q5g00000ABCDEFGH/view');
		expect(crmRecordUrl('hubspot', 'contacts', '1234567890', LINKS)).toBe('https://app.hubspot.com/contacts/4242/record/0-1/1234567890');
		expect(crmRecordUrl('hubspot', 'companies', '9', { ...LINKS, hubspotUrl: 'https://app-eu1.hubspot.com' })).toBe('https://app-eu1.hubspot.com/contacts/4242/record/0-2/9');
		expect(crmRecordUrl('pipedrive', 'persons', '51', LINKS)).toBe('https://acme.pipedrive.com/person/51');
		expect(crmRecordUrl('pipedrive', 'persons', '51', { pipedriveDomain: 'acme.pipedrive.com' })).toBe('https://acme.pipedrive.com/person/51');
		expect(crmRecordUrl('pipedrive', 'organizations', '8', { pipedriveDomain: 'http://127.0.0.1:4013/' })).toBe('http://127.0.0.1:4013/organization/8');
		// Not configured (or not a URL): no link, the id is shown as text.
		expect(crmRecordUrl('salesforce', 'Lead', '00Q1', {})).toBeNull();
		expect(crmRecordUrl('salesforce', 'Lead', '00Q1', { salesforceUrl: 'javascript:alert(1)' })).toBeNull();
		expect(crmRecordUrl('hubspot', 'contacts', '1', { hubspotPortalId: 'x' })).toBeNull();
		expect(crmRecordUrl('salesforce', 'Lead', null, LINKS)).toBeNull();
		const plain = renderDashboard(data({ links: {} }));
		expect(plain).not.toContain('data-testid="crm-link"');
		expect(plain).toContain('<span class="id">Salesforce Lead 00Q1</span>');
	});

	it('writes the log for people: what happened to the record, in words', () => {
		expect(describeLog({ time: '', direction: 'toCrm', recordType: 'Lead', status: 'success', action: 'createInCrm', message: 'New in FieldFlow: create in the CRM.' }, 'Salesforce')).toBe('Created in Salesforce.');
		expect(describeLog({ time: '', direction: 'toCrm', recordType: 'Lead', status: 'success', action: 'updateCrm', message: 'To CRM: phone, contact_name.' }, 'Salesforce')).toBe('Updated in Salesforce: Phone, Name.');
		expect(describeLog({ time: '', direction: 'toFieldflow', recordType: 'contacts', status: 'success', action: 'updateFieldflow', message: 'To FieldFlow: estimated_value.' }, 'HubSpot')).toBe('Updated in FieldFlow: Estimated value.');
		expect(describeLog({ time: '', direction: 'toFieldflow', recordType: 'contacts', status: 'success', action: 'createInFieldflow', message: 'New in the CRM: create in FieldFlow.' }, 'HubSpot')).toBe('Created in FieldFlow from HubSpot.');
		expect(describeLog({ time: '', direction: 'none', recordType: 'Lead', status: 'conflict', action: 'conflict', message: 'Fields in conflict: phone, email' }, 'Salesforce')).toBe('Changed on both sides (Phone, Email): pick the value to keep under Conflicts.');
		expect(describeLog({ time: '', direction: 'toCrm', recordType: 'Lead', status: 'error', action: 'createInCrm', message: 'Salesforce Lead 20: Required fields are missing: [LastName]', errorKind: 'validation' }, 'Salesforce')).toBe(
			'Salesforce refused it (Rejected data): Required fields are missing: [LastName]',
		);
		expect(describeLog({ time: '', direction: 'none', recordType: 'Lead', status: 'skipped', action: 'unlink', message: 'Record deleted in the CRM: link removed, the other record is kept (policy: unlink).' }, 'Pipedrive')).toContain('deleted in Pipedrive');
		expect(userErrorMessage('Salesforce Lead 0: REQUIRED_FIELD_MISSING: Required fields are missing: [Company]')).toBe('Required fields are missing: [Company]');
		expect(userErrorMessage('HubSpot contacts record 3: Property values were not valid (property email): bad')).toBe('Property values were not valid (property email): bad');
		const html = renderDashboard(data());
		expect(html).toContain('Created in Salesforce.');
		expect(html).not.toContain('create in the CRM');
	});

	it('shows every CRM it is given on one page: a section each, the CRM on every row, buttons posting to that CRM', () => {
		const html = renderDashboard(
			data({
				crms: [salesforce, hubspot],
				errors: [...data().errors, { id: 9, crm: 'hubspot', object: 'contacts', direction: 'toCrm', fieldflowId: 'pr_9', crmId: '501', kind: 'rate_limit', hint: 'Wait.', message: 'HubSpot rate limit reached', attempts: 2, updatedAt: '2026-11-24T09:00:00.000Z', recordName: 'Linus T', recordCompany: 'Kernel' }],
				logs: [...data().logs, { crm: 'hubspot', time: '2026-11-24T09:00:00.000Z', direction: 'toCrm', recordType: 'contacts', fieldflowId: 'pr_9', crmId: '501', status: 'success', action: 'updateCrm', message: 'To CRM: phone.', recordName: 'Linus T' }],
				logTotal: 3,
			}),
		);
		expect(html).toContain('<h1>FieldFlow ⇄ Salesforce, HubSpot sync</h1>');
		expect(html).toMatch(/<section class="crm" data-crm="salesforce"[^]*?data-testid="count-errors"><div class="label">[^]*?<div class="value">1<\/div>/);
		const hs = /<section class="crm" data-crm="hubspot"[^]*?<\/section>/.exec(html)![0];
		expect(hs).toContain('Disconnected: no new syncing');
		expect(hs).toContain('data-testid="synced-contacts">Contacts: <b>4</b>');
		expect(hs).toContain('Retry all HubSpot errors');
		expect(html).toContain('Errors (2)');
		const hsError = /<tr data-testid="error-row" data-error-id="9" data-crm="hubspot">[^]*?<\/tr>/.exec(html)![0];
		expect(hsError).toContain('<td>HubSpot</td>');
		expect(hsError).toContain('<b class="name">Linus T</b>');
		expect(hsError).toContain('href="https://app.hubspot.com/contacts/4242/record/0-1/501"');
		expect(hsError).toContain('<form method="post" action="/webhook/fieldflow/dashboard/hubspot/action"><input type="hidden" name="action" value="retry"><input type="hidden" name="errorId" value="9"><input type="hidden" name="returnTo" value="/webhook/fieldflow/dashboard/salesforce">');
		expect(html).toMatch(/<tr data-testid="log-row" data-status="success" data-crm="hubspot">[^]*?<td>HubSpot<\/td>[^]*?Updated in HubSpot: Phone\./);
		// One CRM: no CRM column.
		expect(renderDashboard(data())).not.toContain('<th>CRM</th>');
	});

	it('has Retry and pick-a-side forms posting to the action URL with the page to come back to, and a GET filter form on the page URL', () => {
		const html = renderDashboard(data());
		expect(html).toContain('<form method="post" action="/webhook/fieldflow/dashboard/salesforce/action"><input type="hidden" name="action" value="retry"><input type="hidden" name="errorId" value="7"><input type="hidden" name="returnTo" value="/webhook/fieldflow/dashboard/salesforce">');
		expect(html).toContain('<input type="hidden" name="conflictId" value="3"><input type="hidden" name="side" value="fieldflow">');
		expect(html).toContain('<button type="submit" data-testid="keep-crm-3">Keep Salesforce</button>');
		expect(html).toContain('<form method="get" action="/webhook/fieldflow/dashboard/salesforce"');
		// Without an action URL: no buttons.
		const readOnly = renderDashboard(data({ crms: [{ ...salesforce, actionUrl: '' }] }));
		expect(readOnly).not.toContain('method="post"');
	});

	it('keeps the chosen filters selected', () => {
		const html = renderDashboard(data({ filters: { from: '2026-11-01', to: '2026-11-24T12:00:00Z', recordType: 'Contact', status: 'error' } }));
		expect(html).toContain('name="from" value="2026-11-01"');
		expect(html).toContain('name="to" value="2026-11-24"');
		expect(html).toContain('<option value="Contact" selected>Contact</option>');
		expect(html).toContain('<option value="error" selected>Error</option>');
	});

	it('escapes every value: record data cannot inject markup or script', () => {
		const evil = '<script>alert(1)</script>"\'&';
		const html = renderDashboard(
			data({
				crms: [{ ...salesforce, label: evil, syncedByType: { [evil]: 1 }, actionUrl: `x" onmouseover="alert(1)` }],
				logs: [{ time: evil, direction: evil, recordType: evil, fieldflowId: evil, crmId: evil, status: evil, action: evil, message: evil, errorKind: evil, recordName: evil, recordCompany: evil }],
				errors: [{ id: 1, object: evil, direction: evil, fieldflowId: evil, crmId: evil, kind: evil, hint: evil, message: evil, attempts: 1, updatedAt: evil, recordName: evil }],
				conflicts: [{ id: 2, object: evil, fieldflowId: evil, crmId: evil, fields: [{ field: evil, fieldflow: { x: evil }, crm: evil }], createdAt: evil, recordCompany: evil }],
				filters: { recordType: evil },
				recordTypes: [evil],
				pageUrl: evil,
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
		const html = renderDashboard(data({ crms: [{ ...salesforce, errorCount: 0, conflictCount: 0, lastSyncAt: null, connected: false }], errors: [], conflicts: [], logs: [], logTotal: 0 }));
		expect(html).toContain('No errors.');
		expect(html).toContain('No conflicts.');
		expect(html).toContain('No log entries match.');
		expect(html).toContain('<div class="value">never</div>');
		expect(html).toContain('Disconnected');
	});

	it('record groups: the synced card counts records by member type in words (a shared organization once)', () => {
		const pipedrive: DashboardCrm = { crm: 'pipedrive', label: 'Pipedrive', connected: true, lastSyncAt: null, syncedByType: { persons: 20 }, membersByType: { deals: 20, organizations: 6 }, pending: 0, errorCount: 0, conflictCount: 0, actionUrl: '' };
		const html = renderDashboard(data({ crms: [pipedrive], errors: [], conflicts: [], logs: [], logTotal: 0 }));
		const pd = /<section class="crm" data-crm="pipedrive"[^]*?<\/section>/.exec(html)![0];
		// The total stays the prospects (synced links); the member records are listed with them, company first.
		expect(pd).toMatch(/data-testid="count-synced">[^]*?<div class="value">20<\/div>/);
		// One list in words: the people, then their organizations and deals.
		expect(pd).toContain(
			'<ul class="types" data-testid="records-by-type"><li data-testid="synced-persons">Persons: <b>20</b></li><li data-testid="synced-organizations">Organizations: <b>6</b></li><li data-testid="synced-deals">Deals: <b>20</b></li></ul>',
		);
		expect(recordsByType('salesforce', { Contact: 20, Lead: 3 }, { Opportunity: 20, Account: 6 })).toBe('Contacts 20, Accounts 6, Opportunities 20, Leads 3');
		expect(recordsByType('hubspot', { contacts: 20 }, { deals: 20, companies: 6 })).toBe('Contacts 20, Companies 6, Deals 20');
		expect(objectWords('Opportunity')).toBe('Opportunities');
		// Without groups the list is the primaries alone, and the summary line (Get Dashboard) is empty.
		expect(recordsByType('salesforce', { Lead: 12 }, {})).toBe('');
		expect(renderDashboard(data())).not.toContain('synced-Account');
		// Escaped like every value.
		const evil = renderDashboard(data({ crms: [{ ...pipedrive, membersByType: { '<b>x</b>': 1 } }] }));
		expect(evil).toContain('<li data-testid="synced-&lt;b&gt;x&lt;/b&gt;">&lt;b&gt;x&lt;/b&gt;s: <b>1</b></li>');
		expect(evil).not.toContain('<b>x</b>');
	});
});

describe('dashboard log: a record group member deleted in the CRM', () => {
	it('says which member, in the CRM\'s name, and what the setting did', () => {
		const unlinked = "Deal 40 is gone from the CRM (deleted, or no longer linked to this record): unlinked; FieldFlow keeps the prospect's status, estimated_value (setting: unlink). No changes since the last sync.";
		expect(describeLog({ time: '', direction: 'none', recordType: 'persons', status: 'skipped', action: 'unchanged', message: unlinked }, 'Pipedrive')).toBe(
			"Deal 40 is gone from Pipedrive (deleted, or no longer linked to this record): unlinked; FieldFlow keeps the prospect's Status, Estimated value (setting: unlink).",
		);
		const recreated = 'Deal 40 is gone from the CRM (deleted, or no longer linked to this record): recreated from FieldFlow (setting: recreate). To CRM: phone.';
		expect(describeLog({ time: '', direction: 'toCrm', recordType: 'persons', status: 'success', action: 'updateCrm', message: recreated }, 'Pipedrive')).toBe(
			'Updated in Pipedrive: Phone. Deal 40 is gone from Pipedrive (deleted, or no longer linked to this record): recreated from FieldFlow (setting: recreate).',
		);
	});
});
