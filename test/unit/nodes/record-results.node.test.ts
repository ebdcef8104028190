/**
 * FieldFlow Sync Status → Record Results, in process with n8n-core's real ExecuteContext
 * (test/support/node-context.ts): write outcomes in the `_sync` envelope go in, store state (links,
 * baselines, statuses, error queue, conflicts, log) and the node's summary item come out. Only the
 * node's public surface is used: parameters, input items, the SQLite store file, the output.
 */
import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';
import { FieldFlowSyncStatus } from '../../../nodes/FieldFlowSyncStatus/FieldFlowSyncStatus.node';
import { ERROR_HINTS } from '../../../nodes/shared/errors';
import { SYNC_KEY, type ConflictMeta, type InvalidMeta, type RecordMeta, type UnchangedMeta, type WriteMeta } from '../../../nodes/shared/sync/protocol';
import { FieldFlowSandbox, FIELDFLOW_SANDBOX_KEY } from '../../sandboxes/fieldflow';
import { runNode } from '../../support/node-context';
import { tempSqliteStore } from '../../support/temp-store';

delete process.env.HTTP_PROXY;
delete process.env.HTTPS_PROXY;
delete process.env.http_proxy;
delete process.env.https_proxy;

/** A second connection to the node's store file, for looking at what the node wrote. */
const tmp = tempSqliteStore('ff-record-node-');

const node = new FieldFlowSyncStatus();

async function record(items: INodeExecutionData[], extra: INodeParameters = {}, credentials?: Record<string, IDataObject>): Promise<IDataObject> {
	const [out] = await runNode({
		type: node,
		parameters: { operation: 'recordResults', crm: 'hubspot', sqlitePath: tmp.sqlitePath, recordOptions: { includeResults: true }, ...extra },
		inputs: [items],
		credentials: credentials as never,
	});
	expect(out).toHaveLength(1);
	// One summary item, paired with every input item.
	expect(out[0].pairedItem).toEqual(items.map((_, i) => ({ item: i })));
	return out[0].json;
}

const baseline = (id: string, extra: IDataObject = {}) => ({ company_name: `Co ${id}`, contact_name: `Pat ${id}`, email: `${id}@x.example`, ...extra });

function write(meta: Partial<WriteMeta> & Pick<WriteMeta, 'action' | 'target'>, outcome: IDataObject): INodeExecutionData {
	const full: WriteMeta = {
		kind: 'write',
		crm: 'hubspot',
		object: 'contacts',
		fieldflowId: null,
		crmId: null,
		baseline: {},
		fields: {},
		reason: 'test',
		...meta,
	};
	return { json: { email: 'payload@x.example', ...outcome, [SYNC_KEY]: full as unknown as IDataObject } };
}

const envelope = (meta: ConflictMeta | UnchangedMeta | InvalidMeta | RecordMeta, payload: IDataObject = {}): INodeExecutionData => ({
	json: { ...payload, [SYNC_KEY]: meta as unknown as IDataObject },
});

const results = (summary: IDataObject) => summary.results as IDataObject[];

describe('Record Results: successful writes', () => {
	it('a create in the CRM fills the reservation: link to the new CRM id with the baseline, status synced, CRM modified time, success log', async () => {
		expect(await tmp.store.reserveLink('hubspot', 'contacts', 'p1')).toBe(true);
		const summary = await record([
			write(
				{ action: 'createInCrm', target: 'crm', fieldflowId: 'p1', baseline: baseline('p1'), fieldflowModifiedAt: '2026-11-01T10:00:00.000Z', reason: 'New in FieldFlow' },
				{ id: 'c-101', success: true, modifiedAt: '2026-11-01T10:00:05.000Z' },
			),
		]);
		expect(summary).toMatchObject({ items: 1, synced: 1, errors: 0, conflicts: 0, unchanged: 0, ignored: 0, byKind: {}, retriesSucceeded: 0 });
		expect(results(summary)).toEqual([expect.objectContaining({ item: 0, status: 'synced', action: 'createInCrm', fieldflowId: 'p1', crmId: 'c-101' })]);

		const [link] = await tmp.store.getLinks('hubspot', 'contacts', { fieldflowIds: ['p1'] });
		expect(link).toMatchObject({
			fieldflowId: 'p1',
			crmId: 'c-101',
			baseline: baseline('p1'),
			status: 'synced',
			crmModifiedAt: '2026-11-01T10:00:05.000Z',
			fieldflowModifiedAt: '2026-11-01T10:00:00.000Z',
		});
		expect(link.lastSyncedAt).toBeTruthy();
		const { entries } = await tmp.store.queryLogs({ crm: 'hubspot' });
		expect(entries).toEqual([expect.objectContaining({ direction: 'toCrm', status: 'success', action: 'createInCrm', fieldflowId: 'p1', crmId: 'c-101', message: 'New in FieldFlow' })]);
	});

	it('an update of FieldFlow replaces the baseline and takes FieldFlow’s new modified time; a create in FieldFlow links the new prospect id', async () => {
		await tmp.store.saveLinks([{ crm: 'hubspot', object: 'contacts', fieldflowId: 'p2', crmId: 'c-2', baseline: baseline('p2', { phone: 'old' }), status: 'synced' }]);
		const summary = await record([
			write(
				{ action: 'updateFieldflow', target: 'fieldflow', fieldflowId: 'p2', crmId: 'c-2', baseline: baseline('p2', { phone: '+1 555 0102' }), crmModifiedAt: '2026-11-02T08:00:00.000Z' },
				{ id: 'p2', success: true, modifiedAt: '2026-11-02T08:00:03.000Z' },
			),
			write({ action: 'createInFieldflow', target: 'fieldflow', crmId: 'c-3', baseline: baseline('p3') }, { id: 'p3', success: true }),
		]);
		expect(summary).toMatchObject({ items: 2, synced: 2, errors: 0 });
		const links = await tmp.store.getLinks('hubspot', 'contacts', { fieldflowIds: ['p2', 'p3'] });
		const byId = Object.fromEntries(links.map((l) => [l.fieldflowId, l]));
		expect(byId.p2).toMatchObject({ crmId: 'c-2', baseline: baseline('p2', { phone: '+1 555 0102' }), fieldflowModifiedAt: '2026-11-02T08:00:03.000Z', crmModifiedAt: '2026-11-02T08:00:00.000Z', status: 'synced' });
		expect(byId.p3).toMatchObject({ crmId: 'c-3', baseline: baseline('p3'), status: 'synced' });
		const { entries } = await tmp.store.queryLogs({ crm: 'hubspot' });
		expect(entries.map((e) => [e.direction, e.action, e.fieldflowId]).sort()).toEqual([
			['toFieldflow', 'createInFieldflow', 'p3'],
			['toFieldflow', 'updateFieldflow', 'p2'],
		]);
	});

	it('a write that leaves fields in conflict (manual strategy) saves its link in status conflict', async () => {
		const conflicts = [{ field: 'phone', fieldflow: '1', crm: '2', baseline: '0' }];
		await record([write({ action: 'updateCrm', target: 'crm', fieldflowId: 'p4', crmId: 'c-4', baseline: baseline('p4'), conflicts }, { id: 'c-4', success: true })]);
		const [link] = await tmp.store.getLinks('hubspot', 'contacts', { fieldflowIds: ['p4'] });
		expect(link).toMatchObject({ crmId: 'c-4', status: 'conflict' });
	});

	it('a successful delete removes the link', async () => {
		await tmp.store.saveLinks([{ crm: 'hubspot', object: 'contacts', fieldflowId: 'p5', crmId: 'c-5', baseline: baseline('p5'), status: 'synced' }]);
		const summary = await record([write({ action: 'deleteInCrm', target: 'crm', fieldflowId: 'p5', crmId: 'c-5' }, { id: 'c-5', success: true })]);
		expect(summary).toMatchObject({ synced: 1 });
		expect(results(summary)[0]).toMatchObject({ status: 'deleted', action: 'deleteInCrm' });
		expect(await tmp.store.getLinks('hubspot', 'contacts', { fieldflowIds: ['p5'] })).toEqual([]);
	});
});

describe('Record Results: failed writes', () => {
	it('a failed create in the CRM releases the reservation and queues the error with its kind, hint and the payload without the outcome', async () => {
		expect(await tmp.store.reserveLink('hubspot', 'contacts', 'p6')).toBe(true);
		const summary = await record([
			write(
				{ action: 'createInCrm', target: 'crm', fieldflowId: 'p6', baseline: baseline('p6') },
				{ id: null, success: false, error: 'Property values were not valid: email "not-an-email"', errorKind: 'validation' },
			),
		]);
		expect(summary).toMatchObject({ items: 1, synced: 0, errors: 1, byKind: { validation: 1 } });
		const [result] = results(summary);
		expect(result).toMatchObject({ status: 'error', errorKind: 'validation', hint: ERROR_HINTS.validation, fieldflowId: 'p6', crmId: null });

		// Reservation gone: the next run may try the create again.
		expect(await tmp.store.getLinks('hubspot', 'contacts', { fieldflowIds: ['p6'] })).toEqual([]);
		expect(await tmp.store.reserveLink('hubspot', 'contacts', 'p6')).toBe(true);

		const [queued] = await tmp.store.listErrors({ crm: 'hubspot' });
		expect(queued).toMatchObject({ id: result.errorId, object: 'contacts', direction: 'toCrm', fieldflowId: 'p6', kind: 'validation', state: 'open', attempts: expect.any(Number) });
		expect(queued.message).toMatch(/not-an-email/);
		expect(queued.payload).toMatchObject({ email: 'payload@x.example' });
		expect(queued.payload).not.toHaveProperty('success');
		expect(queued.payload).not.toHaveProperty('error');
		expect(queued.payload).toHaveProperty(SYNC_KEY);
		const { entries } = await tmp.store.queryLogs({ crm: 'hubspot', status: 'error' });
		expect(entries).toEqual([expect.objectContaining({ action: 'createInCrm', errorKind: 'validation', fieldflowId: 'p6' })]);
	});

	it('a failed update keeps the link and its baseline, marks it error; the kind is the item\'s errorKind, never guessed from the message', async () => {
		await tmp.store.saveLinks([
			{ crm: 'hubspot', object: 'contacts', fieldflowId: 'p7', crmId: 'c-7', baseline: baseline('p7'), status: 'synced' },
			{ crm: 'hubspot', object: 'contacts', fieldflowId: 'p8', crmId: 'c-8', baseline: baseline('p8'), status: 'synced' },
		]);
		const summary = await record([
			write({ action: 'updateCrm', target: 'crm', fieldflowId: 'p7', crmId: 'c-7', baseline: baseline('p7', { phone: 'new' }) }, { id: 'c-7', success: false, error: 'HTTP 429 Too Many Requests', errorKind: 'rate_limit' }),
			// An error item of another node (no errorKind): unknown, even though its text says 401.
			write({ action: 'updateCrm', target: 'crm', fieldflowId: 'p8', crmId: 'c-8', baseline: baseline('p8', { phone: 'new' }) }, { id: 'c-8', success: false, error: '401 Unauthorized: token expired' }),
			// Reached Record Results without passing a write node: an error of kind unknown, never silently dropped.
			write({ action: 'updateCrm', target: 'crm', fieldflowId: 'p9', crmId: 'c-9' }, {}),
		]);
		expect(summary).toMatchObject({ items: 3, errors: 3, byKind: { rate_limit: 1, unknown: 2 } });
		expect(results(summary).map((r) => r.hint)).toEqual([ERROR_HINTS.rate_limit, ERROR_HINTS.unknown, ERROR_HINTS.unknown]);
		const links = Object.fromEntries((await tmp.store.getLinks('hubspot', 'contacts', { fieldflowIds: ['p7', 'p8'] })).map((l) => [l.fieldflowId, l]));
		expect(links.p7).toMatchObject({ crmId: 'c-7', status: 'error', baseline: baseline('p7'), message: 'HTTP 429 Too Many Requests' });
		expect(links.p8).toMatchObject({ status: 'error', baseline: baseline('p8') });
		const queued = await tmp.store.listErrors({ crm: 'hubspot' });
		expect(queued.map((e) => [e.fieldflowId, e.kind]).sort()).toEqual([
			['p7', 'rate_limit'],
			['p8', 'unknown'],
			['p9', 'unknown'],
		]);
		expect(queued.find((e) => e.fieldflowId === 'p9')!.message).toMatch(/no write outcome/);
	});

	it('a retried write that succeeds resolves its queued error and links the record', async () => {
		const [queued] = await tmp.store.enqueueErrors([
			{ crm: 'hubspot', object: 'contacts', direction: 'toCrm', fieldflowId: 'p10', kind: 'rate_limit', message: '429', payload: { email: 'p10@x.example' } },
		]);
		const [taken] = await tmp.store.takeErrorsForRetry([queued.id]);
		expect(taken.state).toBe('retrying');
		const summary = await record([
			write({ action: 'createInCrm', target: 'crm', fieldflowId: 'p10', baseline: baseline('p10'), errorId: queued.id, attempts: 1 }, { id: 'c-10', success: true }),
		]);
		expect(summary).toMatchObject({ synced: 1, errors: 0, retriesSucceeded: 1 });
		expect(await tmp.store.listErrors({ crm: 'hubspot' })).toEqual([]);
		const [resolved] = await tmp.store.listErrors({ crm: 'hubspot', includeResolved: true });
		expect(resolved).toMatchObject({ id: queued.id, state: 'resolved' });
		expect(resolved.resolvedAt).toBeTruthy();
		expect((await tmp.store.getLinks('hubspot', 'contacts', { fieldflowIds: ['p10'] }))[0]).toMatchObject({ crmId: 'c-10', status: 'synced' });
	});

	it('a record written now settles older queued errors of that record (a lost create answer, linked by a later run)', async () => {
		await tmp.store.enqueueErrors([{ crm: 'hubspot', object: 'contacts', direction: 'toCrm', fieldflowId: 'p11', kind: 'transient', message: 'socket hang up', payload: {} }]);
		await record([write({ action: 'updateCrm', target: 'crm', fieldflowId: 'p11', crmId: 'c-11', baseline: baseline('p11') }, { id: 'c-11', success: true })]);
		expect(await tmp.store.listErrors({ crm: 'hubspot' })).toEqual([]);
	});
});

describe('Record Results: conflicts, unchanged, unlink, invalid and foreign items', () => {
	it('a Conflict item stores one open conflict and marks the link conflict; recording it again keeps one', async () => {
		await tmp.store.saveLinks([{ crm: 'hubspot', object: 'contacts', fieldflowId: 'p12', crmId: 'c-12', baseline: baseline('p12'), status: 'synced' }]);
		const meta: ConflictMeta = {
			kind: 'conflict',
			crm: 'hubspot',
			object: 'contacts',
			fieldflowId: 'p12',
			crmId: 'c-12',
			conflicts: [{ field: 'phone', fieldflow: '+1 1', crm: '+1 2', baseline: '+1 0' }],
			baseline: baseline('p12'),
			reason: 'Changed on both sides',
		};
		const summary = await record([envelope(meta, { phone: '+1 1' })]);
		expect(summary).toMatchObject({ conflicts: 1, synced: 0, errors: 0 });
		await record([envelope(meta, { phone: '+1 1' })]);
		const open = await tmp.store.listConflicts({ crm: 'hubspot' });
		expect(open).toHaveLength(1);
		expect(open[0]).toMatchObject({ fieldflowId: 'p12', crmId: 'c-12', fields: meta.conflicts });
		expect((await tmp.store.getLinks('hubspot', 'contacts', { fieldflowIds: ['p12'] }))[0]).toMatchObject({ status: 'conflict', message: 'Conflict in phone' });
		const { entries } = await tmp.store.queryLogs({ crm: 'hubspot', status: 'conflict' });
		expect(entries[0]).toMatchObject({ direction: 'none', action: 'conflict', message: 'Fields in conflict: phone' });
	});

	it('Unchanged items change nothing and are logged only with Log Unchanged; an unlink item removes the link', async () => {
		await tmp.store.saveLinks([
			{ crm: 'hubspot', object: 'contacts', fieldflowId: 'p13', crmId: 'c-13', baseline: baseline('p13'), status: 'synced' },
			{ crm: 'hubspot', object: 'contacts', fieldflowId: 'p14', crmId: 'c-14', baseline: baseline('p14'), status: 'synced' },
		]);
		const unchanged: UnchangedMeta = { kind: 'unchanged', crm: 'hubspot', object: 'contacts', fieldflowId: 'p13', crmId: 'c-13', action: 'unchanged', reason: 'Equal on both sides' };
		const unlink: UnchangedMeta = { kind: 'unchanged', crm: 'hubspot', object: 'contacts', fieldflowId: 'p14', crmId: 'c-14', action: 'unlink', reason: 'Deleted in the CRM' };

		const quiet = await record([envelope(unchanged)]);
		expect(quiet).toMatchObject({ items: 1, unchanged: 1, synced: 0 });
		expect((await tmp.store.queryLogs({ crm: 'hubspot' })).total).toBe(0);

		const summary = await record([envelope(unchanged), envelope(unlink)], { recordOptions: { includeResults: true, logUnchanged: true } });
		expect(summary).toMatchObject({ items: 2, unchanged: 2 });
		expect(results(summary).map((r) => r.status)).toEqual(['unchanged', 'unlinked']);
		const links = await tmp.store.getLinks('hubspot', 'contacts', { fieldflowIds: ['p13', 'p14'] });
		expect(links.map((l) => [l.fieldflowId, l.status])).toEqual([['p13', 'synced']]);
		const { entries } = await tmp.store.queryLogs({ crm: 'hubspot' });
		expect(entries.map((e) => [e.action, e.status, e.message]).sort()).toEqual([
			['unchanged', 'skipped', 'Equal on both sides'],
			['unlink', 'skipped', 'Deleted in the CRM'],
		]);
	});

	it('invalid records (from the resolver, or a marked mapped record) queue a validation error and mark a linked record error', async () => {
		await tmp.store.saveLinks([{ crm: 'hubspot', object: 'contacts', fieldflowId: 'p15', crmId: 'c-15', baseline: baseline('p15'), status: 'synced' }]);
		const problem = { kind: 'validation' as const, message: 'Prospect p15: email "nope" is not an email address', fields: ['email'] };
		const invalid: InvalidMeta = { kind: 'invalid', crm: 'hubspot', object: 'contacts', side: 'fieldflow', fieldflowId: 'p15', crmId: 'c-15', problem };
		const mapped: RecordMeta = {
			kind: 'record',
			record: { side: 'crm', crm: 'hubspot', object: 'contacts', id: 'c-16', modifiedAt: '2026-11-03T00:00:00.000Z', fields: {} },
			invalid: { kind: 'validation', message: 'CRM contact c-16: estimated_value "lots" is not a number', fields: ['estimated_value'] },
		};
		const summary = await record([envelope(invalid), envelope(mapped)]);
		expect(summary).toMatchObject({ items: 2, errors: 2, byKind: { validation: 2 } });
		expect(results(summary).map((r) => [r.action, r.fieldflowId, r.crmId])).toEqual([
			['invalid', 'p15', 'c-15'],
			['invalid', null, 'c-16'],
		]);
		const queued = await tmp.store.listErrors({ crm: 'hubspot' });
		expect(queued.map((e) => [e.direction, e.fieldflowId ?? null, e.crmId ?? null, e.kind]).sort()).toEqual([
			['toCrm', 'p15', 'c-15', 'validation'],
			['toFieldflow', null, 'c-16', 'validation'],
		]);
		expect((await tmp.store.getLinks('hubspot', 'contacts', { fieldflowIds: ['p15'] }))[0]).toMatchObject({ status: 'error', message: problem.message });
	});

	it('items without _sync, and mapped records that are not write outcomes, are counted as ignored and change nothing', async () => {
		const mapped: RecordMeta = { kind: 'record', record: { side: 'fieldflow', crm: 'hubspot', object: 'contacts', id: 'p17', modifiedAt: '2026-11-03T00:00:00.000Z', fields: {} } };
		const summary = await record([{ json: { hello: 'world' } }, envelope(mapped)]);
		expect(summary).toMatchObject({ items: 2, ignored: 2, synced: 0, errors: 0 });
		expect(results(summary).map((r) => r.message)).toEqual(['No _sync data', 'A mapped record, not a write outcome']);
		expect((await tmp.store.queryLogs({ crm: 'hubspot' })).total).toBe(0);
		expect(await tmp.store.listErrors({ crm: 'hubspot' })).toEqual([]);
	});

	it('without Include Results the summary carries the counts only', async () => {
		const summary = await record([{ json: {} }], { recordOptions: {} });
		expect(summary).not.toHaveProperty('results');
		expect(summary).toMatchObject({ items: 1, ignored: 1 });
	});
});

describe('Record Results: FieldFlow badges (Update Badges on)', () => {
	let ff: FieldFlowSandbox;
	beforeAll(async () => {
		ff = new FieldFlowSandbox();
		await ff.start(0);
	});
	afterAll(() => ff.stop());

	it('sets the last outcome per prospect as its CRM badge, through the FieldFlow credential; without the credential the node fails before writing', async () => {
		ff.clearData();
		ff.seed({ prospects: [{ id: 'pr_ok', company_name: 'Ok Co', contact_name: 'Ok' }, { id: 'pr_bad', company_name: 'Bad Co', contact_name: 'Bad' }] as never });
		const items = [
			write({ action: 'updateCrm', target: 'crm', fieldflowId: 'pr_ok', crmId: 'c-ok', baseline: baseline('ok') }, { id: 'c-ok', success: true }),
			write({ action: 'updateCrm', target: 'crm', fieldflowId: 'pr_bad', crmId: 'c-bad' }, { id: 'c-bad', success: false, error: '400 invalid phone' }),
		];
		const params = { updateBadges: true };
		await expect(record(items, params)).rejects.toThrow(/credentials/i);
		expect((await tmp.store.queryLogs({ crm: 'hubspot' })).total).toBe(0);

		const summary = await record(items, params, { fieldFlowApi: { apiKey: FIELDFLOW_SANDBOX_KEY, baseUrl: `${ff.url}/v1` } });
		expect(summary).toMatchObject({ synced: 1, errors: 1 });
		const badges = ff.snapshot().crmSync as Record<string, Record<string, IDataObject>>;
		expect(badges.pr_ok.hubspot).toMatchObject({ status: 'synced', crm_record_id: 'c-ok', message: null });
		expect(badges.pr_bad.hubspot).toMatchObject({ status: 'error', crm_record_id: 'c-bad', message: '400 invalid phone' });
	});
});

describe('Record Results → Render Dashboard: records by name, company and CRM link, every CRM on one page', () => {
	it('keeps each record’s name and company with its log entry, error and conflict, and the page shows them with links to the CRM', async () => {
		await record([
			write({ action: 'createInCrm', target: 'crm', fieldflowId: 'p1', baseline: baseline('p1'), fields: baseline('p1') }, { id: 'c-101', success: true }),
			write({ action: 'createInCrm', target: 'crm', fieldflowId: 'p2', baseline: {}, fields: { contact_name: 'Grace Hopper', company_name: 'Cobol Inc' } }, { id: null, success: false, error: 'HubSpot contacts record 1: Property values were not valid (property email): bad', errorKind: 'validation' }),
			envelope({ kind: 'conflict', crm: 'hubspot', object: 'contacts', fieldflowId: 'p3', crmId: 'c-3', conflicts: [{ field: 'phone', fieldflow: '1', crm: '2', baseline: '0' }], baseline: baseline('p3'), reason: 'both changed' }),
		]);
		const [error] = await tmp.store.listErrors({ crm: 'hubspot' });
		expect(error).toMatchObject({ fieldflowId: 'p2', recordName: 'Grace Hopper', recordCompany: 'Cobol Inc' });
		const { entries } = await tmp.store.queryLogs({ crm: 'hubspot' });
		expect(entries.find((e) => e.fieldflowId === 'p1')).toMatchObject({ recordName: 'Pat p1', recordCompany: 'Co p1' });
		expect((await tmp.store.listConflicts({ crm: 'hubspot' }))[0]).toMatchObject({ recordName: 'Pat p3', recordCompany: 'Co p3' });
		// Another CRM with data in the tmp.store.
		await tmp.store.log([{ time: new Date().toISOString(), crm: 'pipedrive', direction: 'toCrm', recordType: 'persons', fieldflowId: 'p9', crmId: '51', status: 'success', action: 'createInCrm', message: 'New in FieldFlow: create in the CRM.', recordName: 'Linus T' }]);

		const render = async (extra: INodeParameters) => {
			const [out] = await runNode({
				type: node,
				parameters: { operation: 'renderDashboard', crm: 'hubspot', sqlitePath: tmp.sqlitePath, dashboardQuery: {}, actionUrl: '/webhook/fieldflow/dashboard/{crm}/action', pageUrl: '/webhook/fieldflow/dashboard/hubspot', recordLinks: { hubspotPortalId: '4242', pipedriveDomain: 'acme' }, ...extra },
				inputs: [[{ json: {} }]],
			});
			return out[0].json as { html: string; crms: string[] };
		};
		const all = await render({ dashboardCrms: 'all' });
		expect(all.crms).toEqual(['hubspot', 'pipedrive']);
		expect(all.html).toContain('<b class="name">Grace Hopper</b> <span class="company">Cobol Inc</span>');
		expect(all.html).toContain('Property values were not valid (property email): bad');
		expect(all.html).toContain('href="https://app.hubspot.com/contacts/4242/record/0-1/c-101"');
		expect(all.html).toContain('href="https://acme.pipedrive.com/person/51"');
		expect(all.html).toContain(`<form method="post" action="/webhook/fieldflow/dashboard/hubspot/action"><input type="hidden" name="action" value="retry"><input type="hidden" name="errorId" value="${error.id}">`);
		expect(all.html).toContain('Created in Pipedrive.');
		const one = await render({});
		expect(one.crms).toEqual(['hubspot']);
		expect(one.html).not.toContain('Linus T');
	});
});
