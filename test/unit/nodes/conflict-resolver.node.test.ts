/**
 * FieldFlow Conflict Resolver, in process with n8n-core's real ExecuteContext
 * (test/support/node-context.ts), against the FieldFlow and HubSpot sandboxes: the nodes of the
 * two-way template run one after another as n8n would run them (read both sides → FieldFlow
 * Mapping → Conflict Resolver → writes → Record Results), each node given only its parameters,
 * credentials and input items. Asserted: the routing to To CRM / To FieldFlow / Conflict /
 * Unchanged, pairedItem, the `_sync` envelope, store state, and what reached the sandboxes.
 */
import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';
import { FieldFlowConflictResolver } from '../../../nodes/FieldFlowConflictResolver/FieldFlowConflictResolver.node';
import { createAdapter } from '../../../nodes/shared/crm';
import { FieldFlowClient } from '../../../nodes/shared/fieldflow/client';
import { readSync, type ConflictMeta, type InvalidMeta, type UnchangedMeta, type WriteMeta } from '../../../nodes/shared/sync/protocol';
import { CONFLICT, crmNode, fieldflowNode, mappingNode, nodeSyncEnv, resolverNode, SINCE, statusNode, TO_CRM, TO_FIELDFLOW, UNCHANGED } from '../../support/node-sync-env';

delete process.env.HTTP_PROXY;
delete process.env.HTTPS_PROXY;
delete process.env.http_proxy;
delete process.env.https_proxy;

const env = nodeSyncEnv({ crm: 'hubspot', tmpPrefix: 'ff-resolver-node-' });
const { run } = env;

const common = { crm: 'hubspot', object: 'contacts' };

/** Both sides' changes, as the read nodes emit them. */
async function readBothSides(): Promise<{ ffRecords: INodeExecutionData[]; crmRecords: INodeExecutionData[] }> {
	const [ffRecords] = await run(fieldflowNode, { resource: 'prospect', operation: 'getChangedSince', since: SINCE, options: {} });
	const [crmRecords] = await run(crmNode, { ...common, operation: 'getChangedSince', since: SINCE, returnAll: true, options: {} });
	return { ffRecords, crmRecords };
}

/** The template's Mapping node: both sides (FieldFlow ⇄ CRM), type mismatches queued per record; its outputs feed the resolver's inputs. */
async function mapBothSides(ffRecords: INodeExecutionData[], crmRecords: INodeExecutionData[]): Promise<[INodeExecutionData[], INodeExecutionData[]]> {
	const outputs = await run(mappingNode, { ...common, direction: 'both', onTypeMismatch: 'markInvalid' }, [ffRecords, crmRecords]);
	expect(outputs).toHaveLength(2);
	const [ffItems, crmItems] = outputs;
	// Each mapped record says which input item it came from, and carries the mapping it was mapped with.
	for (const [k, items] of [ffItems, crmItems].entries()) {
		for (const item of items) {
			expect(item.pairedItem).toMatchObject(k ? { input: 1 } : { item: expect.any(Number) });
			expect(readSync(item.json)).toMatchObject({ kind: 'record', mapping: { crm: 'hubspot', object: 'contacts', useDefaults: true } });
		}
	}
	return [ffItems, crmItems];
}

const resolverParams = (extra: INodeParameters = {}): INodeParameters => ({ ...common, sqlitePath: env.sqlitePath, ...extra });

async function resolve(ffItems: INodeExecutionData[], crmItems: INodeExecutionData[], extra: INodeParameters = {}): Promise<INodeExecutionData[][]> {
	const outputs = await run(resolverNode, resolverParams(extra), [ffItems, crmItems]);
	expect(outputs).toHaveLength(4);
	return outputs;
}

/** The template's write path: CRM and FieldFlow writes (On Error: Continue), then Record Results of everything. */
async function writeAndRecord(outputs: INodeExecutionData[][]): Promise<IDataObject> {
	const [crmWrites] = outputs[TO_CRM].length ? await run(crmNode, { ...common, operation: 'upsert', fieldsToSend: 'autoMapInputData', options: {} }, [outputs[TO_CRM]], { continueOnFail: true }) : [[]];
	const [ffWrites] = outputs[TO_FIELDFLOW].length ? await run(fieldflowNode, { resource: 'prospect', operation: 'upsert' }, [outputs[TO_FIELDFLOW]], { continueOnFail: true }) : [[]];
	const items = [...crmWrites, ...ffWrites, ...outputs[CONFLICT], ...outputs[UNCHANGED]];
	const [[summary]] = await run(statusNode, { operation: 'recordResults', crm: 'hubspot', sqlitePath: env.sqlitePath, recordOptions: { includeResults: true } }, [items]);
	return summary.json;
}

/** One whole run of the two-way template. */
async function syncOnce(extra: INodeParameters = {}) {
	const { ffRecords, crmRecords } = await readBothSides();
	const [ffItems, crmItems] = await mapBothSides(ffRecords, crmRecords);
	const outputs = await resolve(ffItems, crmItems, extra);
	const summary = await writeAndRecord(outputs);
	return { ffRecords, crmRecords, ffItems, crmItems, outputs, summary };
}

const ff = () => new FieldFlowClient({ apiKey: String(env.credentials.fieldFlowApi.apiKey), baseUrl: String(env.credentials.fieldFlowApi.baseUrl) });
const hubspot = () => createAdapter('hubspot', env.credentials.fieldFlowHubSpotApi, { hubspot: { ratePerSecond: 1000, searchRatePerSecond: 1000 } });

const meta = <T>(item: INodeExecutionData) => readSync(item.json) as unknown as T;
const indexOf = (items: INodeExecutionData[], pred: (json: IDataObject) => boolean) => {
	const i = items.findIndex((it) => pred(it.json));
	expect(i).toBeGreaterThanOrEqual(0);
	return i;
};

/** FieldFlow: Ada (FieldFlow only), Ben (in both, equal). HubSpot: Ben, Cleo (HubSpot only). */
function seedFirstRun(): void {
	env.sb.fieldflow.seed({
		prospects: [
			{ id: 'pr_ada', company_name: 'Ada Analytics', contact_name: 'Ada Lovelace', email: 'ada@analytics.example', phone: '+1 555 0100', status: 'new' },
			{ id: 'pr_ben', company_name: 'Ben Builders', contact_name: 'Ben Stone', email: 'ben@builders.example', phone: '+1 555 0200', status: 'new' },
		],
	} as never);
	env.sb.hubspot.seed({
		contacts: [
			{ id: '7001', properties: { firstname: 'Ben', lastname: 'Stone', email: 'ben@builders.example', phone: '+1 555 0200', company: 'Ben Builders' } },
			{ id: '7002', properties: { firstname: 'Cleo', lastname: 'Park', email: 'cleo@park.example', phone: '+1 555 0300', company: 'Park Place' } },
		],
	});
}

describe('Conflict Resolver node, HubSpot contacts, end to end', () => {
	it('first run: new on each side → To CRM / To FieldFlow, equal pair → Unchanged and linked; after the writes a second run is all Unchanged', async () => {
		seedFirstRun();
		const { ffRecords, crmRecords } = await readBothSides();
		expect(ffRecords.map((r) => r.json.id)).toEqual(['pr_ada', 'pr_ben']);
		expect(crmRecords.map((r) => r.json.id)).toEqual(['7001', '7002']);
		const [ffItems, crmItems] = await mapBothSides(ffRecords, crmRecords);
		const outputs = await resolve(ffItems, crmItems);

		// To CRM: Ada, a create with HubSpot's field names, paired with her FieldFlow item only.
		expect(outputs[TO_CRM]).toHaveLength(1);
		const [toCrm] = outputs[TO_CRM];
		expect(toCrm.json).toMatchObject({ firstname: 'Ada', lastname: 'Lovelace', email: 'ada@analytics.example', phone: '+1 555 0100', company: 'Ada Analytics' });
		expect(meta<WriteMeta>(toCrm)).toMatchObject({ kind: 'write', target: 'crm', action: 'createInCrm', fieldflowId: 'pr_ada', crmId: null, baseline: { contact_name: 'Ada Lovelace', email: 'ada@analytics.example' } });
		expect(toCrm.pairedItem).toEqual([{ item: indexOf(ffItems, (j) => j.email === 'ada@analytics.example'), input: 0 }]);

		// To FieldFlow: Cleo, a create with FieldFlow's field names, paired with her CRM item only.
		expect(outputs[TO_FIELDFLOW]).toHaveLength(1);
		const [toFf] = outputs[TO_FIELDFLOW];
		expect(toFf.json).toMatchObject({ contact_name: 'Cleo Park', email: 'cleo@park.example', company_name: 'Park Place' });
		expect(meta<WriteMeta>(toFf)).toMatchObject({ kind: 'write', target: 'fieldflow', action: 'createInFieldflow', fieldflowId: null, crmId: '7002' });
		expect(toFf.pairedItem).toEqual([{ item: indexOf(crmItems, (j) => j.email === 'cleo@park.example'), input: 1 }]);

		// Unchanged: Ben, matched by email, paired with both of his items.
		expect(outputs[CONFLICT]).toEqual([]);
		expect(outputs[UNCHANGED]).toHaveLength(1);
		const [same] = outputs[UNCHANGED];
		expect(meta<UnchangedMeta>(same)).toMatchObject({ kind: 'unchanged', action: 'unchanged', fieldflowId: 'pr_ben', crmId: '7001' });
		expect(same.json.reason).toMatch(/Matched by email/);
		expect(same.pairedItem).toEqual([
			{ item: indexOf(ffItems, (j) => j.email === 'ben@builders.example'), input: 0 },
			{ item: indexOf(crmItems, (j) => j.email === 'ben@builders.example'), input: 1 },
		]);

		// The resolver only reserved Ada's create: Ben's new link travels on his Unchanged item for the
		// commit (Record Results) to save, and Cleo waits for her write.
		const links = await env.store.getLinks('hubspot', 'contacts', { fieldflowIds: ['pr_ada', 'pr_ben'], crmIds: ['7002'] });
		expect(links.map((l) => [l.fieldflowId, l.crmId])).toEqual([['pr_ada', null]]);
		expect(meta<UnchangedMeta>(same).link).toMatchObject({ fieldflowId: 'pr_ben', crmId: '7001', status: 'synced', baseline: { email: 'ben@builders.example' } });
		// Nothing was written by the resolver itself.
		expect(env.sb.hubspot.records('contacts')).toHaveLength(2);
		expect(env.sb.fieldflow.snapshot().prospects).toHaveLength(2);

		const summary = await writeAndRecord(outputs);
		expect(summary).toMatchObject({ items: 3, synced: 2, unchanged: 1, errors: 0 });
		const ada = env.sb.hubspot.records('contacts').find((c) => c.properties.email === 'ada@analytics.example')!;
		const cleo = env.sb.fieldflow.snapshot().prospects!.find((p) => p.email === 'cleo@park.example')!;
		expect(ada).toBeDefined();
		expect(cleo).toMatchObject({ contact_name: 'Cleo Park', company_name: 'Park Place' });
		const after = await env.store.getLinks('hubspot', 'contacts', { fieldflowIds: ['pr_ada', 'pr_ben', String(cleo.id)] });
		expect(after.map((l) => [l.fieldflowId, l.crmId, l.status]).sort()).toEqual(
			[
				['pr_ada', ada.id, 'synced'],
				['pr_ben', '7001', 'synced'],
				[String(cleo.id), '7002', 'synced'],
			].sort(),
		);

		// Second run reads everything again: our own writes are recognised (echo suppression), nothing to write.
		const second = await syncOnce();
		expect(second.ffRecords).toHaveLength(3);
		expect(second.crmRecords).toHaveLength(3);
		expect(second.outputs.map((o) => o.length)).toEqual([0, 0, 0, 3]);
		expect(second.outputs[UNCHANGED].map((i) => meta<UnchangedMeta>(i).action)).toEqual(['unchanged', 'unchanged', 'unchanged']);
		for (const item of second.outputs[UNCHANGED]) expect(item.pairedItem).toHaveLength(2);
		expect(second.summary).toMatchObject({ items: 3, unchanged: 3, synced: 0 });
	});

	it('later run, Manual strategy: a FieldFlow edit → updateCrm, a HubSpot edit → updateFieldflow, both edited → Conflict (stored), each paired with both items', async () => {
		seedFirstRun();
		await syncOnce();
		const cleoId = String(env.sb.fieldflow.snapshot().prospects!.find((p) => p.email === 'cleo@park.example')!.id);
		const adaCrmId = (await env.store.getLinks('hubspot', 'contacts', { fieldflowIds: ['pr_ada'] }))[0].crmId!;

		await ff().update('prospects', 'pr_ada', { phone: '+1 555 0111' });
		await ff().update('prospects', 'pr_ben', { phone: '+1 555 0222' });
		const crmEdits = await hubspot().upsert('contacts', [
			{ ref: 'cleo', id: '7002', fields: { company: 'Park Place Ltd' } },
			{ ref: 'ben', id: '7001', fields: { phone: '+1 555 0299' } },
		]);
		expect(crmEdits.every((r) => r.success)).toBe(true);

		const { ffItems, crmItems, outputs, summary } = await syncOnce({ conflictStrategy: 'manual' });
		const pair = (email: string) => [
			{ item: indexOf(ffItems, (j) => j.email === email), input: 0 },
			{ item: indexOf(crmItems, (j) => j.email === email), input: 1 },
		];

		expect(outputs[TO_CRM]).toHaveLength(1);
		const [toCrm] = outputs[TO_CRM];
		expect(meta<WriteMeta>(toCrm)).toMatchObject({ action: 'updateCrm', fieldflowId: 'pr_ada', crmId: adaCrmId, fields: { phone: '+1 555 0111' } });
		expect(toCrm.json.phone).toBe('+1 555 0111');
		expect(toCrm.pairedItem).toEqual(pair('ada@analytics.example'));

		expect(outputs[TO_FIELDFLOW]).toHaveLength(1);
		const [toFf] = outputs[TO_FIELDFLOW];
		expect(meta<WriteMeta>(toFf)).toMatchObject({ action: 'updateFieldflow', fieldflowId: cleoId, crmId: '7002', fields: { company_name: 'Park Place Ltd' } });
		expect(toFf.json.company_name).toBe('Park Place Ltd');
		expect(toFf.pairedItem).toEqual(pair('cleo@park.example'));

		expect(outputs[CONFLICT]).toHaveLength(1);
		const [conflict] = outputs[CONFLICT];
		expect(meta<ConflictMeta>(conflict)).toMatchObject({
			kind: 'conflict',
			fieldflowId: 'pr_ben',
			crmId: '7001',
			conflicts: [{ field: 'phone', fieldflow: '+1 555 0222', crm: '+1 555 0299', baseline: '+1 555 0200' }],
		});
		expect(conflict.pairedItem).toEqual(pair('ben@builders.example'));
		expect(outputs[UNCHANGED]).toEqual([]);

		// The written values reached the other side; Ben's conflict is open and neither side was overwritten.
		expect(summary).toMatchObject({ synced: 2, conflicts: 1, errors: 0 });
		expect(env.sb.hubspot.records('contacts').find((c) => c.id === adaCrmId)!.properties.phone).toBe('+1 555 0111');
		expect(env.sb.fieldflow.snapshot().prospects!.find((p) => p.id === cleoId)).toMatchObject({ company_name: 'Park Place Ltd' });
		expect(env.sb.hubspot.records('contacts').find((c) => c.id === '7001')!.properties.phone).toBe('+1 555 0299');
		const open = await env.store.listConflicts({ crm: 'hubspot' });
		expect(open).toEqual([expect.objectContaining({ fieldflowId: 'pr_ben', crmId: '7001', fields: [expect.objectContaining({ field: 'phone' })] })]);
		expect((await env.store.getLinks('hubspot', 'contacts', { fieldflowIds: ['pr_ben'] }))[0].status).toBe('conflict');
	});

	it('FieldFlow Wins: a field edited on both sides goes To CRM with FieldFlow’s value, no conflict', async () => {
		seedFirstRun();
		await syncOnce();
		await ff().update('prospects', 'pr_ben', { phone: '+1 555 0222' });
		await hubspot().upsert('contacts', [{ ref: 'ben', id: '7001', fields: { phone: '+1 555 0299' } }]);
		const { outputs } = await syncOnce({ conflictStrategy: 'fieldflowWins' });
		expect(outputs[CONFLICT]).toEqual([]);
		expect(outputs[TO_FIELDFLOW]).toEqual([]);
		expect(outputs[TO_CRM].map((i) => [meta<WriteMeta>(i).action, meta<WriteMeta>(i).crmId, i.json.phone])).toEqual([['updateCrm', '7001', '+1 555 0222']]);
		expect(env.sb.hubspot.records('contacts').find((c) => c.id === '7001')!.properties.phone).toBe('+1 555 0222');
	});

	it('FieldFlow → CRM only: a HubSpot-only contact is not sent to FieldFlow', async () => {
		seedFirstRun();
		const { outputs } = await syncOnce({ syncDirection: 'fieldflowToCrm' });
		expect(outputs[TO_FIELDFLOW]).toEqual([]);
		expect(outputs[TO_CRM].map((i) => meta<WriteMeta>(i).fieldflowId)).toEqual(['pr_ada']);
		expect(env.sb.fieldflow.snapshot().prospects).toHaveLength(2);
	});
});

describe('Conflict Resolver node 1.1: the mapping is set once, on the Mapping node', () => {
	it('a custom pair and a status value set on the Mapping node are what the resolver writes to the CRM (it has no mapping settings of its own)', async () => {
		seedFirstRun();
		const { ffRecords, crmRecords } = await readBothSides();
		const customMappings = { mapping: [{ fieldflowField: 'status', crmField: 'lifecyclestage', type: 'picklist', direction: 'both' }] };
		const statusValueMap = { value: [{ fieldflowStatus: 'new', crmValue: 'opportunity' }] };
		const [ffItems, crmItems] = await run(mappingNode, { ...common, direction: 'both', onTypeMismatch: 'markInvalid', customMappings, statusValueMap }, [ffRecords, crmRecords]);
		expect(new FieldFlowConflictResolver().description.properties.filter((p) => p.name === 'customMappings' || p.name === 'statusValueMap').map((p) => p.displayOptions?.show?.['@version'])).toEqual([[1], [1]]);
		const outputs = await resolve(ffItems, crmItems);
		const ada = outputs[TO_CRM].find((i) => meta<WriteMeta>(i).fieldflowId === 'pr_ada')!;
		expect(ada.json.lifecyclestage).toBe('opportunity');
	});

	it('records mapped with two different settings, or by a Mapping node older than 1.1, are refused with the item named', async () => {
		seedFirstRun();
		const { ffRecords, crmRecords } = await readBothSides();
		const [ffItems] = await run(mappingNode, { ...common, direction: 'toCrm', onTypeMismatch: 'markInvalid', useDefaultMappings: true }, [ffRecords]);
		const [crmItems] = await run(mappingNode, { ...common, direction: 'toFieldflow', onTypeMismatch: 'markInvalid', statusValueMap: { value: [{ fieldflowStatus: 'new', crmValue: 'lead' }] } }, [crmRecords]);
		await expect(resolve(ffItems, crmItems)).rejects.toThrow(/CRM input item 0 was mapped with other mapping settings than FieldFlow input item 0/);
		const old = ffItems.map((i) => {
			const { mapping: _m, ...rest } = readSync(i.json) as unknown as Record<string, unknown>;
			return { ...i, json: { ...i.json, _sync: rest as IDataObject } };
		});
		await expect(resolve(old, [])).rejects.toThrow(/FieldFlow input item 0 carries no mapping settings: it was mapped by a FieldFlow Mapping node older than 1.1/);
	});
});

describe('Conflict Resolver node: invalid records and wrong inputs', () => {
	it('a prospect whose email fails the type check travels marked invalid to Unchanged and is queued as a validation error; the others sync', async () => {
		seedFirstRun();
		env.sb.fieldflow.seed({ prospects: [{ id: 'pr_bad', company_name: 'Bad Mail Co', contact_name: 'Dee Fault', email: 'not-an-email' }] } as never);
		const { ffItems, outputs, summary } = await syncOnce();
		const badItem = indexOf(ffItems, (j) => readSync(j)?.kind === 'record' && (readSync(j) as { record: { id: string } }).record.id === 'pr_bad');
		expect(outputs[TO_CRM].map((i) => meta<WriteMeta>(i).fieldflowId)).toEqual(['pr_ada']);
		const invalid = outputs[UNCHANGED].filter((i) => readSync(i.json)?.kind === 'invalid');
		expect(invalid).toHaveLength(1);
		expect(meta<InvalidMeta>(invalid[0])).toMatchObject({ kind: 'invalid', side: 'fieldflow', fieldflowId: 'pr_bad', crmId: null, problem: { kind: 'validation', fields: ['email'] } });
		expect(invalid[0].pairedItem).toEqual([{ item: badItem, input: 0 }]);
		expect(summary).toMatchObject({ errors: 1, byKind: { validation: 1 } });
		const queued = await env.store.listErrors({ crm: 'hubspot' });
		expect(queued).toEqual([expect.objectContaining({ fieldflowId: 'pr_bad', kind: 'validation', direction: 'toCrm' })]);
		expect(env.sb.hubspot.records('contacts').some((c) => c.properties.company === 'Bad Mail Co')).toBe(false);
	});

	it('the same record through a Mapping node that feeds no resolver fails the node, or with On Error: Continue becomes an error item', async () => {
		env.sb.fieldflow.seed({ prospects: [{ id: 'pr_bad', company_name: 'Bad Mail Co', contact_name: 'Dee Fault', email: 'not-an-email' }] } as never);
		const { ffRecords } = await readBothSides();
		await expect(run(mappingNode, { ...common, direction: 'toCrm' }, [ffRecords])).rejects.toThrow(/Item 0: .*not-an-email/);
		const [out] = await run(mappingNode, { ...common, direction: 'toCrm' }, [ffRecords], { continueOnFail: true });
		expect(out).toEqual([{ json: expect.objectContaining({ errorKind: 'validation', errorFields: ['email'], recordId: 'pr_bad' }), pairedItem: { item: 0 } }]);
	});

	it('items on the wrong input, or without a sync record, fail the node with the item named', async () => {
		seedFirstRun();
		const { ffRecords, crmRecords } = await readBothSides();
		const [ffItems, crmItems] = await mapBothSides(ffRecords, crmRecords);
		await expect(run(resolverNode, resolverParams(), [crmItems, ffItems])).rejects.toThrow(/FieldFlow input item 0 is a CRM record: connect it to the CRM input/);
		await expect(run(resolverNode, resolverParams(), [ffRecords, crmItems])).rejects.toThrow(/FieldFlow input item 0 has no sync record/);
		await expect(run(resolverNode, resolverParams({ object: 'companies' }), [ffItems, crmItems])).rejects.toThrow(/mapped for HubSpot contacts, but this node resolves HubSpot companies/);
		// Nothing was reserved or linked by the failed runs.
		expect(await env.store.getLinks('hubspot', 'contacts', { fieldflowIds: ['pr_ada', 'pr_ben'] })).toEqual([]);
	});
});
