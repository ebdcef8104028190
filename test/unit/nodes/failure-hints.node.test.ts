/**
 * Failures that show where users look (issue 17, point 1), in process with n8n-core's real
 * ExecuteContext (test/support/node-context.ts) against the Salesforce sandbox: Leads without a
 * Company are rejected (REQUIRED_FIELD_MISSING) by the FieldFlow CRM write, which continues on
 * failure; the write node and Record Results add an execution hint naming the records and what to
 * do; Finish Run lists them in its output and a hint, or — with Fail Execution When Records Fail —
 * ends the execution in error after recording the run.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData, NodeExecutionHint } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { FieldFlow } from '../../../nodes/FieldFlow/FieldFlow.node';
import { addHints } from '../../../nodes/n8nSide/hints';
import { SYNC_KEY, type WriteMeta } from '../../../nodes/shared/sync/protocol';
import { buildContext, type RunNodeOptions } from '../../support/node-context';
import { crmNode, nodeSyncEnv, statusNode } from '../../support/node-sync-env';

delete process.env.HTTP_PROXY;
delete process.env.HTTPS_PROXY;
delete process.env.http_proxy;
delete process.env.https_proxy;

const env = nodeSyncEnv({ crm: 'salesforce', clearFieldflow: false, tmpPrefix: 'ff-failure-hints-' });

/** Runs the node with the real ExecuteContext; its outputs and the execution hints it added. */
async function runWithHints(options: RunNodeOptions): Promise<{ out: INodeExecutionData[][]; hints: NodeExecutionHint[] }> {
	const { context, type } = buildContext(options);
	const out = (await type.execute!.call(context)) as INodeExecutionData[][];
	return { out, hints: context.hints };
}

/** A create of a FieldFlow prospect in Salesforce, as the Conflict Resolver's To CRM output gives it. */
function create(fieldflowId: string, lead: IDataObject): INodeExecutionData {
	const meta: WriteMeta = { kind: 'write', target: 'crm', action: 'createInCrm', crm: 'salesforce', object: 'Lead', fieldflowId, crmId: null, baseline: {}, fields: {}, reason: 'New in FieldFlow' };
	return { json: { ...lead, [SYNC_KEY]: meta as unknown as IDataObject } };
}

const LEADS = [
	create('pr_000001', { FirstName: 'Pat', LastName: 'Quinn', Company: 'Orchard Tools', Email: 'pat@orchard.example' }),
	create('pr_000002', { FirstName: 'Eve', LastName: 'Moss', Email: 'eve@elm.example' }), // no Company: REQUIRED_FIELD_MISSING
	create('pr_000003', { FirstName: 'Sam', LastName: 'Lee', Company: 'Quartz Cafe', Email: 'sam@quartz.example' }),
	create('pr_000004', { LastName: 'Noor', Email: 'noor@x.example' }), // no Company either
];

const write = (continueOnFail = true) =>
	runWithHints({
		type: crmNode,
		parameters: { crm: 'salesforce', operation: 'upsert', object: 'Lead', fieldsToSend: 'autoMapInputData', options: {} },
		inputs: [LEADS],
		credentials: env.credentials as never,
		continueOnFail,
	});

const status = (parameters: IDataObject, items: INodeExecutionData[], continueOnFail = false) =>
	runWithHints({ type: statusNode, parameters: { crm: 'salesforce', sqlitePath: env.sqlitePath, ...parameters } as never, inputs: [items], continueOnFail });

const STARTED = '2026-11-24T09:00:00.000Z';
const finish = (items: INodeExecutionData[], failOnRecordErrors?: boolean, continueOnFail = false) =>
	status({ operation: 'finishRun', object: 'Lead', runStartedAt: STARTED, runId: 'run-1', ...(failOnRecordErrors === undefined ? {} : { failOnRecordErrors }) }, items, continueOnFail);

describe('a Salesforce run in which creates are rejected (REQUIRED_FIELD_MISSING)', () => {
	it('the write node continues, and its hint says how many of how many Salesforce rejected, which records, why and what to do', async () => {
		const { out, hints } = await write();
		expect(out[0].map((i) => i.json.success)).toEqual([true, false, true, false]);
		expect(out[0][1].json).toMatchObject({ errorKind: 'validation', errorFields: ['Company'] });
		expect(env.sb.salesforce.records('Lead').filter((l) => ['pat@orchard.example', 'sam@quartz.example'].includes(String(l.Email)))).toHaveLength(2);
		expect(hints).toHaveLength(1);
		expect(hints[0]).toMatchObject({ type: 'warning', location: 'outputPane' });
		const m = hints[0].message;
		expect(m).toMatch(/^2 of 4 records were rejected by Salesforce: /);
		expect(m).toContain('"Eve Moss (eve@elm.example)" (pr_000002)');
		expect(m).toContain('"Noor (noor@x.example)" (pr_000004)');
		expect(m).toMatch(/Required fields are missing: \[Company\] \(field Company\)/);
		// The record is named: not the batch position the adapter's message starts with.
		expect(m).not.toMatch(/Salesforce Lead \d+:/);
		// What to do, and where the records go next.
		expect(m).toMatch(/What to do: .*Fix the/);
		expect(m).toMatch(/Record Results puts them in the error queue, to retry from the sync dashboard/);
		expect(m).not.toContain('Pat Quinn');
	});

	it('plain items (no sync workflow): the hint names the record and what to do, without pointing at Record Results', async () => {
		const { hints } = await runWithHints({
			type: crmNode,
			parameters: { crm: 'salesforce', operation: 'upsert', object: 'Lead', fieldsToSend: 'autoMapInputData', options: {} },
			inputs: [[{ json: { LastName: 'Moss', FirstName: 'Eve', Email: 'eve@elm.example' } }]],
			credentials: env.credentials as never,
			continueOnFail: true,
		});
		expect(hints).toHaveLength(1);
		expect(hints[0].message).toMatch(/^1 of 1 record was rejected by Salesforce: "Eve Moss \(eve@elm.example\)": .*Required fields are missing: \[Company\]/);
		expect(hints[0].message).toMatch(/Each failed item is in the output with success false, its error and hint\.$/);
		expect(hints[0].message).not.toContain('Record Results');
	});

	it('without On Error → Continue the first rejected record fails the node (no hint needed: the node is red)', async () => {
		await expect(write(false)).rejects.toThrow(/Item 1: Salesforce Lead new record "Eve Moss \(eve@elm.example\)" failed \(field Company\)/);
	});

	it('Record Results queues them and its hint names them; Finish Run (option off, saved workflows) keeps succeeding with the count, the names and a hint', async () => {
		const { out: written } = await write();
		const { out: recorded, hints: recordHints } = await status({ operation: 'recordResults' }, written[0]);
		expect(recorded[0][0].json).toMatchObject({ items: 4, synced: 2, errors: 2, byKind: { validation: 2 } });
		expect(recordHints).toHaveLength(1);
		expect(recordHints[0].message).toMatch(/^2 of 4 records failed in this run and are in the error queue: "Eve Moss \(eve@elm.example\)" \(pr_000002\): [^;]*REQUIRED_FIELD_MISSING: Required fields are missing: \[Company\]; "Noor \(noor@x.example\)" \(pr_000004\): /);
		expect(recordHints[0].message).toMatch(/Then retry them from the sync dashboard, Sync Status → Get Errors \/ Retry Errors, or the Error retry template\.$/);
		expect((await env.store.listErrors({ crm: 'salesforce' })).map((e) => e.fieldflowId).sort()).toEqual(['pr_000002', 'pr_000004']);

		const { out, hints } = await finish(recorded[0]);
		expect(out[0][0].json).toMatchObject({ errors: 2, synced: 2, fieldflowCursorAdvanced: true });
		expect(out[0][0].json.failedRecords).toEqual([
			expect.stringMatching(/^"Eve Moss \(eve@elm.example\)" \(pr_000002\): .*Required fields are missing: \[Company\]$/),
			expect.stringMatching(/^"Noor \(noor@x.example\)" \(pr_000004\): .*Required fields are missing: \[Company\]$/),
		]);
		expect(hints).toHaveLength(1);
		expect(hints[0].message).toMatch(/^2 records failed in this Salesforce Lead sync run\. The run is recorded/);
		expect(hints[0].message).toMatch(/Turn on Fail Execution When Records Fail/);
	});

	it('Finish Run with Fail Execution When Records Fail: records the run (cursors, log), then throws a NodeOperationError with the count, the records and what to do', async () => {
		const { out: written } = await write();
		const { out: recorded } = await status({ operation: 'recordResults' }, written[0]);
		const error = await finish(recorded[0], true).then(
			() => undefined,
			(e: unknown) => e,
		);
		expect(error).toBeInstanceOf(NodeOperationError);
		const e = error as NodeOperationError;
		expect(e.message).toBe('2 records failed in this Salesforce Lead sync run');
		expect(e.description).toMatch(/^The run is recorded and its cursors moved on; the failed records wait in the error queue\. "Eve Moss \(eve@elm.example\)" \(pr_000002\): [^;]*Required fields are missing: \[Company\]; "Noor/);
		expect(e.description).toMatch(/What to do: The CRM rejected the data\. Fix the record or the field mapping, then retry\. Then retry them from the sync dashboard/);
		// Recorded before failing: the cursors moved to the run start and the run is logged.
		expect(await env.store.getCursor('salesforce', 'fieldflow:Lead')).toBe(STARTED);
		expect(await env.store.getCursor('salesforce', 'crm:Lead')).toBe(STARTED);
		const logs = await env.store.queryLogs({ crm: 'salesforce', limit: 50 });
		expect(logs.entries.some((l) => l.action === 'runFinished' && /2 errors/.test(String(l.message)))).toBe(true);

		// With On Error → Continue on Finish Run itself: the run's item, with the error.
		const { out } = await finish(recorded[0], true, true);
		expect(out[0][0].json).toMatchObject({ errors: 2, error: '2 records failed in this Salesforce Lead sync run' });
		expect(String(out[0][0].json.description)).toContain('Eve Moss');
	});

	it('a run without failed records: no hint anywhere and Finish Run with the option on succeeds', async () => {
		const ok = LEADS.filter((_, i) => i % 2 === 0);
		const w = await runWithHints({
			type: crmNode,
			parameters: { crm: 'salesforce', operation: 'upsert', object: 'Lead', fieldsToSend: 'autoMapInputData', options: {} },
			inputs: [ok],
			credentials: env.credentials as never,
			continueOnFail: true,
		});
		expect(w.hints).toEqual([]);
		const r = await status({ operation: 'recordResults' }, w.out[0]);
		expect(r.hints).toEqual([]);
		const f = await finish(r.out[0], true);
		expect(f.out[0][0].json).toMatchObject({ errors: 0, synced: 2, failedRecords: [] });
		expect(f.hints).toEqual([]);
	});

	it('a preview run never fails, whatever it plans', async () => {
		const f = await finish([{ json: { preview: true, errors: 3 } }], true);
		expect(f.out[0][0].json).toMatchObject({ preview: true, fieldflowCursorAdvanced: false });
		expect(f.hints).toEqual([]);
	});
});

describe('FieldFlow prospect writes', () => {
	it('Create or Update of sync items (continue on failure): FieldFlow\'s rejection is a hint naming the CRM record and what to do', async () => {
		env.sb.fieldflow.clearData();
		const toFieldflow = (crmId: string, fields: IDataObject): INodeExecutionData => {
			const meta: WriteMeta = { kind: 'write', target: 'fieldflow', action: 'createInFieldflow', crm: 'salesforce', object: 'Lead', fieldflowId: null, crmId, baseline: {}, fields: {}, reason: 'New in Salesforce' };
			return { json: { ...fields, [SYNC_KEY]: meta as unknown as IDataObject } };
		};
		const { out, hints } = await runWithHints({
			type: new FieldFlow(),
			parameters: { resource: 'prospect', operation: 'upsert' },
			inputs: [[toFieldflow('00Q000000000001AAA', { contact_name: 'Ida Good', email: 'ida@good.example' }), toFieldflow('00Q000000000002AAA', { contact_name: 'Bo Bad', company_name: 'Bad Mail Co', email: 'not-an-email' })]],
			credentials: env.credentials as never,
			continueOnFail: true,
		});
		expect(out[0].map((i) => i.json.success)).toEqual([true, false]);
		expect(hints).toHaveLength(1);
		expect(hints[0].message).toMatch(/^1 of 2 records was rejected by FieldFlow: "Bo Bad · Bad Mail Co \(not-an-email\)" \(00Q000000000002AAA\): .*email/);
		expect(hints[0].message).toMatch(/What to do: /);
	});
});

describe('hosts without execution hints', () => {
	it('addHints does nothing when the context has no addExecutionHints (the output items still carry every error)', () => {
		const bare = {} as IExecuteFunctions;
		expect(() => addHints.call(bare, { message: 'x', type: 'warning' })).not.toThrow();
		const seen: NodeExecutionHint[] = [];
		const withHints = { addExecutionHints: (...h: NodeExecutionHint[]) => seen.push(...h) } as unknown as IExecuteFunctions;
		addHints.call(withHints, { message: 'x', type: 'warning' });
		addHints.call(withHints);
		expect(seen).toEqual([{ message: 'x', type: 'warning' }]);
	});
});
