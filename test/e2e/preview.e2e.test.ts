/**
 * Preview (a whole-run dry run) in a real n8n, for Salesforce, HubSpot and Pipedrive: the two-way
 * template with Start Run's Preview on reads and plans, and then
 *  - changes nothing: both systems (the sandboxes' state) and the sync store compare equal before
 *    and after;
 *  - says what the next real run does: the same creates / updates / conflicts per record, with the
 *    same fields;
 *  - forecasts the calls of the writes exactly: for every endpoint, the real run's counted calls =
 *    the preview run's (the same reads) + the forecast.
 * Run twice per CRM: a first sync (creates on both sides, a duplicate linked by email) and a later
 * run with edits on both sides.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { N8n, type RunResult } from './harness';
import { startSandboxes, sandboxCredentials, type Sandboxes } from '../sandboxes';
import type { Sandbox } from '../sandboxes/common';
import { createAdapter } from '../../nodes/shared/crm';
import { openStore, type SyncStore } from '../../nodes/shared/store';
import { readSync, type SyncMeta } from '../../nodes/shared/sync/protocol';
import type { PreviewSummary } from '../../nodes/shared/sync/preview';
import { cursorKeys } from '../../nodes/FieldFlowSyncStatus/actions/common';
import { CRMS, CRM_INFO, type Crm } from '../../scripts/templates/lib';
import { SYNC_TEMPLATES, buildSyncTemplate } from '../../scripts/templates/sync';

let sb: Sandboxes;
let n8n: N8n;
let store: SyncStore;

const TWO_WAY = SYNC_TEMPLATES.find((t) => t.key === 'bidirectional-sync')!;
const id = (crm: Crm, preview: boolean) => `pv${preview ? 'on' : 'off'}${crm}`;

beforeAll(async () => {
	delete process.env.HTTP_PROXY;
	delete process.env.HTTPS_PROXY;
	sb = await startSandboxes();
	n8n = await new N8n().prepare();
	await n8n.importCredentials(sandboxCredentials(sb));
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-preview-'));
	for (const crm of CRMS) {
		for (const preview of [false, true]) {
			const wf = buildSyncTemplate(TWO_WAY, crm);
			// What a user does: switch on Preview on Start Run (all records shown).
			if (preview) Object.assign(wf.nodes.find((n) => n.name === 'Start Run')!.parameters, { preview: true, previewLimit: 0 });
			fs.writeFileSync(path.join(dir, `${id(crm, preview)}.json`), JSON.stringify({ ...wf, id: id(crm, preview) }));
		}
	}
	await n8n.cli(['import:workflow', '--separate', `--input=${dir}`]);
	fs.rmSync(dir, { recursive: true, force: true });
	store = await openStore({ kind: 'sqlite', path: path.join(n8n.userFolder, '.n8n', 'fieldflow-sync.sqlite') });
	// One n8n for the file: each run is a manual run over REST, as from the editor.
	await n8n.start();
	await n8n.setupOwner();
}, 600_000);

afterAll(async () => {
	await store?.close();
	await n8n?.stop();
	await sb?.stop();
});

async function run(crm: Crm, preview: boolean): Promise<RunResult> {
	const r = await n8n.execute(id(crm, preview));
	if (r.error) throw new Error(`${preview ? 'preview' : 'real'} run ${crm} failed: ${r.error}\n${n8n.logTail(30)}`);
	return r;
}

/** Everything the store holds for the CRM. */
async function storeState(crm: Crm) {
	const object = CRM_INFO[crm].object;
	const keys = cursorKeys(object);
	return {
		links: await store.getLinks(crm, object),
		errors: await store.listErrors({ crm, includeResolved: true }),
		conflicts: await store.listConflicts({ crm, includeResolved: true }),
		cursors: [await store.getCursor(crm, keys.fieldflow), await store.getCursor(crm, keys.crm)],
		logs: (await store.queryLogs({ crm, limit: 10_000 })).entries,
	};
}

const calls = (s: Sandbox): Record<string, number> => Object.fromEntries(s.calls);

/** The planned writes and conflicts of a run (Collect results holds every item of the run), one line per record and action. */
function plannedOf(r: RunResult, kind: 'preview' | 'real'): string[] {
	const out: string[] = [];
	for (const item of (r.nodes['Collect results']?.[0] ?? []).map((i) => i.json)) {
		let meta = readSync(item) as SyncMeta | undefined;
		if (kind === 'preview') {
			expect(meta?.kind === 'preview' || !meta).toBe(true);
			meta = meta?.kind === 'preview' ? meta.planned : undefined;
		}
		if (meta?.kind === 'write') out.push(`${meta.action} ff=${meta.fieldflowId ?? '-'} crm=${meta.crmId ?? '-'} ${JSON.stringify(meta.fields)}`);
		if (meta?.kind === 'conflict') out.push(`conflict ff=${meta.fieldflowId} crm=${meta.crmId} ${meta.conflicts.map((c) => c.field).join(',')}`);
	}
	return out.sort();
}

function person(crm: Crm, first: string, last: string, email: string, phone: string): Record<string, unknown> {
	if (crm === 'salesforce') return { FirstName: first, LastName: last, Email: email, Phone: phone, Company: 'Preview Co', Status: 'Open - Not Contacted' };
	if (crm === 'hubspot') return { firstname: first, lastname: last, email, phone, company: 'Preview Co' };
	return { name: `${first} ${last}`, email, phone };
}

async function crmWrite(crm: Crm, fields: Record<string, unknown>, recordId?: string): Promise<string> {
	const cred = sandboxCredentials(sb).find((c) => c.type === CRM_INFO[crm].credentialType)!;
	const res = await createAdapter(crm, cred.data, { [crm]: { ratePerSecond: 1000 } }).upsert(CRM_INFO[crm].object, [{ ref: 'x', id: recordId, fields }]);
	if (!res[0].success) throw res[0].error;
	return res[0].id!;
}

describe.each(CRMS)('Preview with %s', (crm) => {
	const crmSb = () => sb[crm] as Sandbox;

	// Each CRM starts from empty systems (the store keeps its state per CRM).
	beforeAll(() => {
		for (const s of [sb.fieldflow, sb.salesforce, sb.hubspot, sb.pipedrive]) s.reset();
	});

	/** Preview, then the real run: the preview changed nothing, planned what the real run did, and forecast its write calls. */
	async function previewThenRun(): Promise<{ summary: PreviewSummary; planned: string[] }> {
		const before = { ff: sb.fieldflow.snapshot(), crm: crmSb().snapshot(), store: await storeState(crm) };
		for (const s of [sb.fieldflow, crmSb()]) s.resetCounters();
		const pre = await run(crm, true);
		const previewCalls = { ff: calls(sb.fieldflow), crm: calls(crmSb()) };
		expect({ ff: sb.fieldflow.snapshot(), crm: crmSb().snapshot(), store: await storeState(crm) }).toEqual(before);

		const summary = pre.nodes['Record Results'][0][0].json as unknown as PreviewSummary;
		expect(summary).toMatchObject({ preview: true, crm });
		expect(pre.nodes['Finish Run'][0][0].json).toMatchObject({ preview: true, fieldflowCursorAdvanced: false, crmCursorAdvanced: false });
		const planned = plannedOf(pre, 'preview');
		// Readable per record and field: every planned write says what each field becomes.
		for (const item of pre.nodes['Collect results'][0].map((i) => i.json).filter((j) => typeof j.preview === 'string' && String(j.preview).match(/^(create|update)/))) {
			expect(Object.keys(item.changes as object).length).toBeGreaterThan(0);
			expect(item.record).toEqual(expect.any(String));
		}

		for (const s of [sb.fieldflow, crmSb()]) s.resetCounters();
		const real = await run(crm, false);
		expect(plannedOf(real, 'real')).toEqual(planned);
		const realCalls = { ff: calls(sb.fieldflow), crm: calls(crmSb()) };
		for (const side of ['ff', 'crm'] as const) {
			const forecast = side === 'ff' ? summary.forecast.fieldflow : summary.forecast.crm;
			const endpoints = new Set([...Object.keys(realCalls[side]), ...Object.keys(previewCalls[side]), ...Object.keys(forecast)]);
			const expected = Object.fromEntries([...endpoints].map((e) => [e, (previewCalls[side][e] ?? 0) + (forecast[e] ?? 0)]));
			const got = Object.fromEntries([...endpoints].map((e) => [e, realCalls[side][e] ?? 0]));
			expect({ side, calls: got }).toEqual({ side, calls: expected });
		}
		return { summary, planned };
	}

	it('first sync: plans the creates on both sides and the duplicate link, writes nothing, forecasts the calls; the real run does exactly that', async () => {
		sb.fieldflow.seed({
			prospects: [
				{ company_name: 'Preview Co', contact_name: 'Ana Lima', email: `ana.${crm}@preview.example`, phone: '+1 555 0301', status: 'new' },
				{ company_name: 'Preview Co', contact_name: 'Ben Ode', email: `ben.${crm}@preview.example`, phone: '+1 555 0302', status: 'contacted' },
				{ company_name: 'Preview Co', contact_name: 'Cy Park', email: `cy.${crm}@preview.example`, phone: '+1 555 0303', status: 'new' },
			],
		});
		await crmWrite(crm, person(crm, 'Ben', 'Ode', `ben.${crm}@preview.example`, '+1 555 0302')); // a duplicate by email: linked
		await crmWrite(crm, person(crm, 'Dee', 'Ray', `dee.${crm}@preview.example`, '+1 555 0304')); // CRM only: created in FieldFlow
		const { summary, planned } = await previewThenRun();
		// Ana and Cy are created; Ben is linked to his CRM record by email (his status may be settled one way).
		// Ben's differing status goes to the newer side (the CRM's whole-second stamp may be the older
		// one): at most one update of his CRM record.
		expect(summary.counts.createInCrm).toBe(2);
		expect(summary.counts.updateCrm).toBeLessThanOrEqual(1);
		// Dee arrives in FieldFlow, or (a Pipedrive person has no company, which FieldFlow requires) is
		// queued as invalid: the preview says which, and the real run did the same.
		expect(summary.counts.createInFieldflow + summary.counts.invalid).toBe(1);
		expect(planned.filter((p) => p.startsWith('createInCrm'))).toHaveLength(2);
		expect(summary.forecastCalls).toBeGreaterThan(0);
		expect(summary.message).toMatch(/nothing was written/);
	}, 300_000);

	it('later run: edits on each side are planned as updates and forecast exactly; the preview leaves the store and cursors as they are', async () => {
		const ana = sb.fieldflow.snapshot().prospects!.find((p) => p.email === `ana.${crm}@preview.example`)!;
		sb.fieldflow.prospects.update(String(ana.id), { phone: '+1 555 0311' });
		const ben = (await store.getLinks(crm, CRM_INFO[crm].object)).find((l) => l.baseline.email === `ben.${crm}@preview.example`)!;
		await crmWrite(crm, { [crm === 'salesforce' ? 'Phone' : 'phone']: '+1 555 0312' }, ben.crmId!);
		const { summary } = await previewThenRun();
		expect(summary.counts).toMatchObject({ updateCrm: 1, updateFieldflow: 1, createInCrm: 0, createInFieldflow: 0 });
	}, 300_000);
});
