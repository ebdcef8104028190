/**
 * FieldFlow Mapping + FieldFlow Conflict Resolver in a real n8n (2.x), against the sandboxes.
 *
 * One workflow, executed twice (each n8n CLI call costs seconds):
 *
 *   Manual Trigger ─┬─ FieldFlow: changed prospects ─┬─ Mapping (FieldFlow → Salesforce Lead) ─→ Resolver SF, input "FieldFlow"
 *                   │                                 ├─ Mapping dry run (Salesforce)
 *                   │                                 ├─ Mapping with a type-mismatch custom pair (continue on fail)
 *                   │                                 ├─ Mapping (→ HubSpot contacts) ─→ Resolver HubSpot
 *                   │                                 └─ Mapping (→ Pipedrive persons) ─→ Resolver Pipedrive
 *                   └─ FieldFlow CRM: Leads changed since T ─→ Mapping (Salesforce Lead → FieldFlow) ─→ Resolver SF, input "CRM"
 *
 * Seeded: two new prospects (→ To CRM, create), a prospect whose email already exists as a Lead that
 * is NOT in this run's CRM input (→ found by findDuplicates, updated, never created), a linked pair
 * edited on both sides (→ Conflict under Manual), a linked prospect edited in FieldFlow only whose
 * Lead is not in the CRM input (→ read by id, To CRM update), a CRM-only Lead (→ To FieldFlow).
 * The second run plays a concurrent run: the creates reserved by the first are "being created by
 * another run" (Unchanged), so a prospect is never created twice.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { N8n, type RunResult } from './harness';
import { startSandboxes, sandboxCredentials, CREDENTIAL_IDS, CREDENTIAL_NAMES, type Sandboxes } from '../sandboxes';
import { openStore, reservationHolder, type SyncStore } from '../../nodes/shared/store';
import { hostname } from 'node:os';

type Item = { json: Record<string, any>; pairedItem?: { item: number; input?: number } | Array<{ item: number; input?: number }> };

const SF = 'Resolver Salesforce';
const HS = 'Resolver HubSpot';
const PD = 'Resolver Pipedrive';

const cred = (type: keyof typeof CREDENTIAL_IDS) => ({ [type]: { id: CREDENTIAL_IDS[type], name: CREDENTIAL_NAMES[type] } });
const crmCred = (crm: string) =>
	cred(crm === 'salesforce' ? 'fieldFlowSalesforceApi' : crm === 'hubspot' ? 'fieldFlowHubSpotApi' : 'fieldFlowPipedriveApi');

function workflow(sqlitePath: string, crmSince: string): Record<string, unknown> {
	let n = 0;
	const node = (name: string, type: string, parameters: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
		id: `5c0e5f0c-0000-4c2e-9a10-${String(++n).padStart(12, '0')}`,
		name,
		type,
		typeVersion: 1,
		position: [n * 220, (n % 4) * 160],
		parameters,
		...extra,
	});
	const store = { store: 'sqlite', sqlitePath };
	const mapping = (name: string, crm: string, object: string, direction: string, params: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
		node(name, 'n8n-nodes-fieldflow.fieldFlowMapping', { crm, object, direction, ...params }, { credentials: crmCred(crm), ...extra });
	const resolver = (name: string, crm: string, object: string) =>
		node(
			name,
			'n8n-nodes-fieldflow.fieldFlowConflictResolver',
			{ crm, object, syncDirection: 'bidirectional', conflictStrategy: 'manual', onDeleted: 'unlink', matchBy: ['externalId', 'email', 'name'], ...store },
			{ credentials: { ...cred('fieldFlowApi'), ...crmCred(crm) } },
		);
	const nodes = [
		node("When clicking 'Test workflow'", 'n8n-nodes-base.manualTrigger', {}),
		node(
			'FieldFlow: changed prospects',
			'n8n-nodes-fieldflow.fieldFlow',
			{ resource: 'prospect', operation: 'getChangedSince', since: '={{ $now.minus({ days: 1 }).toISO() }}', options: {} },
			{ credentials: cred('fieldFlowApi'), alwaysOutputData: true },
		),
		node(
			'Salesforce: Leads changed',
			'n8n-nodes-fieldflow.fieldFlowCrm',
			{ crm: 'salesforce', operation: 'getChangedSince', object: 'Lead', since: crmSince, returnAll: true, options: {} },
			{ credentials: cred('fieldFlowSalesforceApi'), alwaysOutputData: true },
		),
		mapping('Map to Salesforce', 'salesforce', 'Lead', 'toCrm'),
		mapping('Map from Salesforce', 'salesforce', 'Lead', 'toFieldflow'),
		mapping('Dry run', 'salesforce', 'Lead', 'toCrm', { dryRun: true, ...store }),
		mapping(
			'Type mismatch',
			'salesforce',
			'Lead',
			'toCrm',
			{ customMappings: { mapping: [{ fieldflowField: 'company_name', crmField: 'AnnualRevenue', type: 'number', direction: 'toCrm' }] } },
			{ onError: 'continueRegularOutput' },
		),
		mapping('Map to HubSpot', 'hubspot', 'contacts', 'toCrm'),
		mapping('Map to Pipedrive', 'pipedrive', 'persons', 'toCrm'),
		resolver(SF, 'salesforce', 'Lead'),
		resolver(HS, 'hubspot', 'contacts'),
		resolver(PD, 'pipedrive', 'persons'),
	];
	const to = (name: string, index = 0) => ({ node: name, type: 'main', index });
	return {
		name: 'Sync nodes e2e',
		nodes,
		connections: {
			"When clicking 'Test workflow'": { main: [[to('FieldFlow: changed prospects'), to('Salesforce: Leads changed')]] },
			'FieldFlow: changed prospects': {
				main: [[to('Map to Salesforce'), to('Dry run'), to('Type mismatch'), to('Map to HubSpot'), to('Map to Pipedrive')]],
			},
			'Salesforce: Leads changed': { main: [[to('Map from Salesforce')]] },
			'Map to Salesforce': { main: [[to(SF, 0)]] },
			'Map from Salesforce': { main: [[to(SF, 1)]] },
			'Map to HubSpot': { main: [[to(HS, 0)]] },
			'Map to Pipedrive': { main: [[to(PD, 0)]] },
		},
		settings: { executionOrder: 'v1' },
		active: false,
	};
}

/** Manual → FieldFlow → Mapping with a type-mismatch pair, without "continue on fail": the run fails on item 0. */
function strictWorkflow(): Record<string, unknown> {
	const wf = workflow('', '') as { nodes: Array<Record<string, any>>; connections: Record<string, unknown> };
	const keep = new Set(["When clicking 'Test workflow'", 'FieldFlow: changed prospects', 'Type mismatch']);
	const nodes = wf.nodes.filter((n) => keep.has(n.name)).map((n) => (n.name === 'Type mismatch' ? { ...n, onError: undefined } : n));
	return {
		...wf,
		name: 'Sync nodes e2e: strict type check',
		nodes,
		connections: {
			"When clicking 'Test workflow'": { main: [[{ node: 'FieldFlow: changed prospects', type: 'main', index: 0 }]] },
			'FieldFlow: changed prospects': { main: [[{ node: 'Type mismatch', type: 'main', index: 0 }]] },
		},
	};
}

function out(run: RunResult, node: string, output = 0): Item[] {
	const outputs = run.nodes[node];
	if (!outputs) throw new Error(`${node} did not run (error: ${run.error}; last node: ${run.lastNodeExecuted})`);
	return (outputs[output] ?? []) as Item[];
}

function pairs(item: Item): Array<{ item: number; input: number }> {
	const p = item.pairedItem;
	return (Array.isArray(p) ? p : p ? [p] : []).map((x) => ({ item: x.item, input: x.input ?? 0 }));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('FieldFlow Mapping + Conflict Resolver in real n8n', () => {
	let sb: Sandboxes;
	let n8n: N8n;
	let store: SyncStore;
	let dir: string;
	const timings: Record<string, number> = {};
	const ids: Record<string, string> = {};
	let first: RunResult;

	beforeAll(async () => {
		const t0 = Date.now();
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-sync-nodes-'));
		const sqlitePath = path.join(dir, 'sync.sqlite');
		sb = await startSandboxes();
		n8n = await new N8n().prepare();
		store = await openStore({ kind: 'sqlite', path: sqlitePath });

		// ---- seed: before T (not in the CRM change feed)
		sb.salesforce.seed({
			Lead: [
				{ Company: 'Acme Corp', FirstName: 'Wile', LastName: 'Coyote', Email: 'WILE@acme.example', Status: 'Open - Not Contacted' },
				{ Company: 'Linked Ltd', FirstName: 'Lou', LastName: 'Linked', Email: 'lou@linked.example', Phone: '+1 555 0400', Status: 'Working - Contacted' },
			],
		});
		await sleep(1100);
		const since = new Date().toISOString();
		await sleep(50);
		// ---- after T
		sb.salesforce.seed({
			Lead: [
				{ Company: 'Conflict Co', FirstName: 'Cara', LastName: 'Conflict', Email: 'cara@conflict.example', Phone: '+1 555 0311', Status: 'Working - Contacted' },
				{ Company: 'Zephyr Labs', FirstName: 'Zoe', LastName: 'Zephyr', Email: 'zoe@zephyr.example', Phone: '+1 555 0500', Status: 'Open - Not Contacted', Description: 'From web form' },
				{ Company: 'Same Inc', FirstName: 'Sam', LastName: 'Same', Email: 'sam@same.example', Phone: '+1 555 0600', Status: 'Working - Contacted' },
			],
		});
		sb.fieldflow.seed({
			prospects: [
				{ id: 'pr_new_ada', company_name: 'Nimbus Outfitters', contact_name: 'Ada King Lovelace', email: 'ada@nimbus.example', phone: '+1 555 0101', status: 'qualified', notes: 'Met at the trade show' },
				{ id: 'pr_new_grace', company_name: 'Orbit Bikes', contact_name: 'Grace Hopper', email: 'grace@orbit.example', phone: '+1 555 0102', status: 'new', notes: 'Wants a demo' },
				{ id: 'pr_dup_wile', company_name: 'Acme Corp', contact_name: 'Wile Coyote', email: 'wile@acme.example', phone: '+1 555 0199', status: 'new' },
				{ id: 'pr_conflict', company_name: 'Conflict Co', contact_name: 'Cara Conflict', email: 'cara@conflict.example', phone: '+1 555 0300', status: 'contacted' },
				{ id: 'pr_linked', company_name: 'Linked Ltd', contact_name: 'Lou Linked', email: 'lou@linked.example', phone: '+1 555 0400', status: 'won' },
				{ id: 'pr_same', company_name: 'Same Inc', contact_name: 'Sam Same', email: 'SAM@same.example', phone: '+1 555 0600', status: 'qualified' },
			] as any,
		});
		const lead = (email: string) => sb.salesforce.tables.Lead.live().find((r) => String(r.data.Email).toLowerCase() === email)!.id;
		ids.dup = lead('wile@acme.example');
		ids.linked = lead('lou@linked.example');
		ids.conflict = lead('cara@conflict.example');
		ids.crmOnly = lead('zoe@zephyr.example');
		ids.same = lead('sam@same.example');
		const base = { company_name: 'Conflict Co', contact_name: 'Cara Conflict', email: 'cara@conflict.example', phone: '+1 555 0299', status: 'contacted', notes: null };
		await store.saveLinks([
			{ crm: 'salesforce', object: 'Lead', fieldflowId: 'pr_conflict', crmId: ids.conflict, baseline: base, status: 'synced' },
			{
				crm: 'salesforce',
				object: 'Lead',
				fieldflowId: 'pr_linked',
				crmId: ids.linked,
				baseline: { company_name: 'Linked Ltd', contact_name: 'Lou Linked', email: 'lou@linked.example', phone: '+1 555 0400', status: 'contacted', notes: null },
				status: 'synced',
			},
		]);

		await n8n.importCredentials(sandboxCredentials(sb));
		await n8n.importWorkflow(workflow(sqlitePath, since), 'wfSyncNodes00001');
		await n8n.importWorkflow(strictWorkflow(), 'wfSyncNodes00002');
		timings.setup = Date.now() - t0;
		const t1 = Date.now();
		first = await n8n.execute('wfSyncNodes00001');
		timings.firstRun = Date.now() - t1;
	}, 300_000);

	afterAll(async () => {
		// eslint-disable-next-line no-console
		console.log(`Sync nodes e2e times (ms): ${JSON.stringify(timings)}`);
		await n8n?.stop();
		await sb?.stop();
		await store?.close();
		if (dir) fs.rmSync(dir, { recursive: true, force: true });
	});

	it('runs the whole workflow without an error and without leaving loopback', () => {
		expect(first.error).toBeUndefined();
		expect(n8n.blockedConnections()).toEqual([]);
	});

	it('Mapping: FieldFlow → CRM items carry the Salesforce payload and a `_sync` record', () => {
		const items = out(first, 'Map to Salesforce');
		expect(items).toHaveLength(6);
		const ada = items.find((i) => i.json._sync.record.id === 'pr_new_ada')!;
		expect(ada.json).toMatchObject({ Company: 'Nimbus Outfitters', FirstName: 'Ada King', LastName: 'Lovelace', Email: 'ada@nimbus.example', Phone: '+1 555 0101', Status: 'Working - Contacted', Description: 'Met at the trade show' });
		expect(ada.json._sync).toMatchObject({ kind: 'record', record: { side: 'fieldflow', crm: 'salesforce', object: 'Lead', fields: { company_name: 'Nimbus Outfitters', status: 'qualified' } } });
		expect(ada.json._sync.record.crmPayload.contact_name).toEqual({ FirstName: 'Ada King', LastName: 'Lovelace' });
		items.forEach((it, i) => expect(pairs(it)).toEqual([{ item: i, input: 0 }]));

		const fromCrm = out(first, 'Map from Salesforce');
		expect(fromCrm).toHaveLength(3);
		const zoe = fromCrm.find((i) => i.json._sync.record.id === ids.crmOnly)!;
		expect(zoe.json).toMatchObject({ company_name: 'Zephyr Labs', contact_name: 'Zoe Zephyr', email: 'zoe@zephyr.example', status: 'new', notes: 'From web form' });
		expect(zoe.json._sync.record.side).toBe('crm');
	});

	it('Resolver: new prospects go to To CRM as creates with the seed\'s Salesforce field mapping, reserved in the store', async () => {
		const toCrm = out(first, SF, 0);
		const creates = toCrm.filter((i) => i.json._sync.action === 'createInCrm');
		expect(creates.map((i) => i.json._sync.fieldflowId).sort()).toEqual(['pr_new_ada', 'pr_new_grace']);
		const grace = creates.find((i) => i.json._sync.fieldflowId === 'pr_new_grace')!;
		expect(grace.json).toEqual({
			Company: 'Orbit Bikes',
			FirstName: 'Grace',
			LastName: 'Hopper',
			Email: 'grace@orbit.example',
			Phone: '+1 555 0102',
			Status: 'Open - Not Contacted',
			Description: 'Wants a demo',
			_sync: expect.objectContaining({ kind: 'write', target: 'crm', crm: 'salesforce', object: 'Lead', crmId: null, fields: expect.objectContaining({ company_name: 'Orbit Bikes' }) }),
		});
		expect(pairs(grace)).toEqual([{ item: 1, input: 0 }]);
		const reservations = await store.getLinks('salesforce', 'Lead', { fieldflowIds: ['pr_new_ada', 'pr_new_grace'] });
		expect(reservations.map((l) => [l.fieldflowId, l.crmId, l.status]).sort()).toEqual([
			['pr_new_ada', null, 'pending'],
			['pr_new_grace', null, 'pending'],
		]);
	});

	it('Resolver: a prospect whose email already exists as a Lead is linked to it (update), never created', () => {
		const all = [0, 1, 2, 3].flatMap((o) => out(first, SF, o));
		const wile = all.filter((i) => i.json._sync.fieldflowId === 'pr_dup_wile');
		expect(wile).toHaveLength(1);
		expect(wile[0].json).toEqual({ Phone: '+1 555 0199', _sync: expect.objectContaining({ action: 'updateCrm', crmId: ids.dup, target: 'crm' }) });
		expect(wile[0].json._sync.reason).toMatch(/matched existing record .* by email \(no create\)/i);
		expect(sb.salesforce.tables.Lead.live()).toHaveLength(5); // the 5 seeded: the resolver only reads
	});

	it('Resolver: a linked prospect changed only in FieldFlow is compared with its Lead read by id', () => {
		const linked = out(first, SF, 0).find((i) => i.json._sync.fieldflowId === 'pr_linked')!;
		expect(linked.json).toEqual({ Status: 'Closed - Converted', _sync: expect.objectContaining({ action: 'updateCrm', crmId: ids.linked, fields: { status: 'won' } }) });
		expect(linked.json._sync.baseline).toMatchObject({ status: 'won', phone: '+1 555 0400' });
	});

	it('Resolver: the CRM-only Lead goes to To FieldFlow as a create', () => {
		const toFf = out(first, SF, 1);
		expect(toFf).toHaveLength(1);
		expect(toFf[0].json).toMatchObject({ company_name: 'Zephyr Labs', contact_name: 'Zoe Zephyr', email: 'zoe@zephyr.example', phone: '+1 555 0500', status: 'new', notes: 'From web form' });
		expect(toFf[0].json._sync).toMatchObject({ kind: 'write', target: 'fieldflow', action: 'createInFieldflow', fieldflowId: null, crmId: ids.crmOnly });
		expect(pairs(toFf[0])).toEqual([{ item: expect.any(Number), input: 1 }]);
	});

	it('Resolver: a pair edited on both sides is held on Conflict (Manual) and recorded for the dashboard', async () => {
		const conflicts = out(first, SF, 2);
		expect(conflicts).toHaveLength(1);
		expect(conflicts[0].json).toMatchObject({
			fieldflowId: 'pr_conflict',
			crmId: ids.conflict,
			conflictFields: ['phone'],
			phone: { fieldflow: '+1 555 0300', crm: '+1 555 0311', baseline: '+1 555 0299' },
			_sync: { kind: 'conflict', conflicts: [{ field: 'phone' }] },
		});
		expect(pairs(conflicts[0]).map((p) => p.input).sort()).toEqual([0, 1]);
		expect(out(first, SF, 0).some((i) => i.json._sync.fieldflowId === 'pr_conflict')).toBe(false);
		const stored = await store.listConflicts({ crm: 'salesforce' });
		expect(stored.map((c) => [c.fieldflowId, c.crmId, c.fields.map((f) => f.field)])).toEqual([['pr_conflict', ids.conflict, ['phone']]]);
	});

	it('Resolver: an equal pair matched by email is Unchanged (qualified = Working - Contacted) and its link is saved', async () => {
		const same = out(first, SF, 3).filter((i) => i.json.fieldflowId === 'pr_same');
		expect(same).toHaveLength(1);
		expect(same[0].json).toMatchObject({ crmId: ids.same, action: 'unchanged', _sync: { kind: 'unchanged', action: 'unchanged', baseline: { status: 'qualified', company_name: 'Same Inc' } } });
		expect(same[0].json.reason).toMatch(/matched by email/i);
		expect(pairs(same[0]).map((p) => p.input).sort()).toEqual([0, 1]);
		const [link] = await store.getLinks('salesforce', 'Lead', { fieldflowIds: ['pr_same'] });
		expect(link).toMatchObject({ crmId: ids.same, status: 'synced', baseline: { status: 'qualified', email: 'SAM@same.example' } });
	});

	it('Mapping dry run shows record, mapped payload, changes since the last sync and errors', () => {
		const items = out(first, 'Dry run');
		expect(items).toHaveLength(6);
		for (const it of items) expect(it.json._sync).toBeUndefined();
		const linked = items.find((i) => i.json.record.id === 'pr_linked')!;
		expect(linked.json).toMatchObject({ action: 'update', linkedTo: ids.linked, errors: [], mapped: { Status: 'Closed - Converted' } });
		expect(linked.json.changes).toEqual([{ field: 'Status', before: 'Working - Contacted', after: 'Closed - Converted' }]);
		const ada = items.find((i) => i.json.record.id === 'pr_new_ada')!;
		expect(ada.json.action).toBe('create');
		expect(ada.json.changes.map((c: { field: string }) => c.field).sort()).toEqual(['Company', 'Description', 'Email', 'FirstName', 'LastName', 'Phone', 'Status']);
	});

	it('Mapping: a type-mismatch custom mapping is a clear per-item error naming record, field and value', () => {
		const items = out(first, 'Type mismatch');
		expect(items).toHaveLength(6);
		const ada = items[0];
		expect(ada.json._sync).toBeUndefined();
		expect(ada.json.error).toBe("Prospect pr_new_ada: field 'company_name' expects a number, got 'Nimbus Outfitters' (text)");
		expect(ada.json).toMatchObject({ errorKind: 'validation', errorFields: ['company_name', 'AnnualRevenue'] });
		expect(pairs(ada)).toEqual([{ item: 0, input: 0 }]);
	});

	it('Mapping: without "continue on fail" the type mismatch fails the run with the item, record, field and value', async () => {
		const t0 = Date.now();
		const run = await n8n.execute('wfSyncNodes00002');
		timings.strictRun = Date.now() - t0;
		expect(run.error).toBe("Item 0: Prospect pr_new_ada: field 'company_name' expects a number, got 'Nimbus Outfitters' (text)");
		expect(run.lastNodeExecuted).toBe('Type mismatch');
	}, 300_000);

	it('HubSpot and Pipedrive: To CRM payloads follow their default tables', () => {
		const hs = out(first, HS, 0);
		expect(hs).toHaveLength(6);
		expect(hs.find((i) => i.json._sync.fieldflowId === 'pr_new_ada')!.json).toEqual({
			firstname: 'Ada King',
			lastname: 'Lovelace',
			email: 'ada@nimbus.example',
			phone: '+1 555 0101',
			company: 'Nimbus Outfitters',
			_sync: expect.objectContaining({ crm: 'hubspot', object: 'contacts', action: 'createInCrm' }),
		});
		const pd = out(first, PD, 0);
		expect(pd).toHaveLength(6);
		expect(pd.find((i) => i.json._sync.fieldflowId === 'pr_new_grace')!.json).toEqual({
			name: 'Grace Hopper',
			email: 'grace@orbit.example',
			phone: '+1 555 0102',
			_sync: expect.objectContaining({ crm: 'pipedrive', object: 'persons', action: 'createInCrm' }),
		});
	});

	it('a second run honours a reservation held by a live run and takes over one left by a dead run', async () => {
		// The first run's n8n process has exited, so its reservations are dead holders' (it never
		// wrote to the CRM in this workflow: creating again is right, and the duplicate check guards
		// a create that did happen). Grace's reservation is handed to this live jest process, as if
		// a concurrent run were creating her right now: that one must be held back.
		const live = `${hostname()}#${process.pid}`;
		const [grace] = await store.getLinks('salesforce', 'Lead', { fieldflowIds: ['pr_new_grace'] });
		const dead = reservationHolder(grace.message ?? null);
		expect(dead).toBeTruthy();
		expect(await store.reserveLink('salesforce', 'Lead', 'pr_new_grace', { holder: live, takeOverFrom: dead! })).toBe(true);
		const t0 = Date.now();
		const second = await n8n.execute('wfSyncNodes00001');
		timings.secondRun = Date.now() - t0;
		expect(second.error).toBeUndefined();
		const creates = out(second, SF, 0).filter((i) => i.json._sync.action === 'createInCrm');
		expect(creates.map((i) => i.json._sync.fieldflowId)).toEqual(['pr_new_ada']);
		const held = out(second, SF, 3).filter((i) => /being created by another run/.test(i.json.reason));
		expect(held.map((i) => i.json.fieldflowId)).toEqual(['pr_new_grace']);
		expect(held[0].json._sync).toMatchObject({ kind: 'unchanged', action: 'unchanged', crmId: null });
	}, 300_000);
});
