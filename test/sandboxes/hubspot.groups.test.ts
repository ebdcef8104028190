/**
 * What a record group (Contact + Company + Deal, associated) needs from the HubSpot sandbox, through
 * the real @hubspot/api-client 14: inline associations on batch create (validated, 207 per record),
 * the associations v4 batch endpoints, the reads a group reader makes (companies by name / domain,
 * changed-since companies and deals, list with associations, batch read by id), the deal pipeline,
 * and archiving a record unassociating it.
 */
import { Client } from '@hubspot/api-client';
import { HubSpotSandbox } from './hubspot';

delete process.env.HTTP_PROXY;
delete process.env.HTTPS_PROXY;
delete process.env.http_proxy;
delete process.env.https_proxy;

const TOKEN = 'pat-na1-sandbox-token';
const HS = 'HUBSPOT_DEFINED' as never;

interface ApiErr {
	code: number;
	body: Record<string, unknown>;
}

async function apiError(p: Promise<unknown>): Promise<ApiErr> {
	try {
		await p;
	} catch (e) {
		return e as ApiErr;
	}
	throw new Error('expected the call to fail');
}

type BatchErrors = { errors?: Array<{ category: string; subCategory?: string; message: string; context: Record<string, string[]> }>; numErrors?: number };

describe('HubSpot sandbox: record groups through @hubspot/api-client', () => {
	const sb = new HubSpotSandbox();
	let client: Client;

	beforeAll(async () => {
		await sb.start(0);
		sb.setValidTokens([TOKEN]);
		client = new Client({ accessToken: TOKEN, basePath: sb.url, numberOfApiCallRetries: 0 });
	});
	afterAll(() => sb.stop());
	beforeEach(() => sb.reset());

	/** One company, then contacts and a deal created with inline associations to it. */
	async function group(): Promise<{ company: string; contact: string; deal: string }> {
		const [company] = (await client.crm.companies.batchApi.create({ inputs: [{ properties: { name: 'Acme Hardware', domain: 'acme.example' }, associations: [] }] })).results;
		const [contact] = (
			await client.crm.contacts.batchApi.create({
				inputs: [{ properties: { email: 'maria@acme.example', firstname: 'Maria' }, associations: [{ to: { id: company.id }, types: [{ associationCategory: HS, associationTypeId: 279 }] }] }],
			})
		).results;
		const [deal] = (
			await client.crm.deals.batchApi.create({
				inputs: [
					{
						properties: { dealname: 'Acme Hardware', dealstage: 'qualifiedtobuy', amount: '12000', pipeline: 'default' },
						associations: [
							{ to: { id: contact.id }, types: [{ associationCategory: HS, associationTypeId: 3 }] },
							{ to: { id: company.id }, types: [{ associationCategory: HS, associationTypeId: 341 }] },
						],
					},
				],
			})
		).results;
		return { company: company.id, contact: contact.id, deal: deal.id };
	}

	it('batch create writes inline associations both ways (contact ↔ company, deal ↔ contact and company)', async () => {
		const g = await group();
		expect(sb.associationsOf('contacts', g.contact, 'companies').map((a) => [a.toId, a.typeId])).toEqual([[g.company, 279]]);
		expect(sb.associationsOf('companies', g.company, 'contacts').map((a) => [a.toId, a.typeId])).toEqual([[g.contact, 280]]);
		expect(sb.associationsOf('deals', g.deal).map((a) => [a.toType, a.toId, a.typeId])).toEqual([
			['contacts', g.contact, 3],
			['companies', g.company, 341],
		]);
		expect(sb.associationsOf('companies', g.company, 'deals').map((a) => a.toId)).toEqual([g.deal]);
	});

	it('batch create rejects an unknown target or a type id of another object: all-or-nothing without trace ids, per record (207) with them', async () => {
		const company = (await client.crm.companies.basicApi.create({ properties: { name: 'Real Co' }, associations: [] })).id;
		const missing = await apiError(
			client.crm.contacts.batchApi.create({
				inputs: [
					{ properties: { email: 'ok@example.com' }, associations: [{ to: { id: company }, types: [{ associationCategory: HS, associationTypeId: 279 }] }] },
					{ properties: { email: 'bad@example.com' }, associations: [{ to: { id: '5999999' }, types: [{ associationCategory: HS, associationTypeId: 279 }] }] },
				],
			}),
		);
		expect(missing.code).toBe(400);
		expect(missing.body.category).toBe('VALIDATION_ERROR');
		expect(String(missing.body.message)).toContain('5999999');
		// Nothing written: the valid contact was rolled back with its association.
		expect(sb.records('contacts')).toEqual([]);
		expect(sb.associationsOf('companies', company)).toEqual([]);

		// 279 is contact → company: a deal cannot use it.
		const wrongType = await apiError(
			client.crm.deals.basicApi.create({ properties: { dealname: 'X', dealstage: 'qualifiedtobuy' }, associations: [{ to: { id: company }, types: [{ associationCategory: HS, associationTypeId: 279 }] }] }),
		);
		expect(wrongType.code).toBe(400);
		expect(wrongType.body.subCategory).toBe('crm.associations.INVALID_ASSOCIATION_TYPE');
		expect(sb.records('deals')).toEqual([]);

		const traced = await client.crm.contacts.batchApi.create({
			inputs: [
				{ objectWriteTraceId: 'p1', properties: { email: 'one@example.com' }, associations: [{ to: { id: company }, types: [{ associationCategory: HS, associationTypeId: 279 }] }] },
				{ objectWriteTraceId: 'p2', properties: { email: 'two@example.com' }, associations: [{ to: { id: '5999999' }, types: [{ associationCategory: HS, associationTypeId: 279 }] }] },
				{ objectWriteTraceId: 'p3', properties: { email: 'three@example.com' }, associations: [{ to: { id: company }, types: [{ associationCategory: HS, associationTypeId: 3 }] }] },
			],
		} as never);
		const errs = (traced as unknown as BatchErrors).errors!;
		expect(traced.results.map((r) => r.properties.email)).toEqual(['one@example.com']);
		expect(errs.map((e) => e.context.objectWriteTraceId[0])).toEqual(['p2', 'p3']);
		expect(errs[1].subCategory).toBe('crm.associations.INVALID_ASSOCIATION_TYPE');
		expect(sb.records('contacts').map((r) => r.properties.email)).toEqual(['one@example.com']);
		expect(sb.associationsOf('companies', company, 'contacts').map((a) => a.toId)).toEqual([traced.results[0].id]);
	});

	it('a primary company comes with the unlabeled association, and a new primary replaces the old one', async () => {
		const [a, b] = (await client.crm.companies.batchApi.create({ inputs: [{ properties: { name: 'A' }, associations: [] }, { properties: { name: 'B' }, associations: [] }] })).results.map((r) => r.id);
		const contact = (await client.crm.contacts.basicApi.create({ properties: { email: 'p@example.com' }, associations: [{ to: { id: a }, types: [{ associationCategory: HS, associationTypeId: 1 }] }] })).id;
		const read = await client.crm.associations.v4.batchApi.getPage('contacts', 'companies', { inputs: [{ id: contact }] });
		expect(read.results[0].to).toEqual([{ toObjectId: Number(a), associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 279, label: null }, { category: 'HUBSPOT_DEFINED', typeId: 1, label: 'Contact with Primary Company' }] }]);
		const moved = await client.crm.associations.v4.batchApi.create('contacts', 'companies', { inputs: [{ _from: { id: contact }, to: { id: b }, types: [{ associationCategory: HS, associationTypeId: 1 }] }] });
		expect(moved.results[0].labels).toEqual(['Contact with Primary Company']);
		const byCompany = sb.associationsOf('contacts', contact, 'companies').map((x) => `${x.toId}:${x.typeId}`);
		expect(byCompany.sort()).toEqual([`${a}:279`, `${b}:1`, `${b}:279`].sort());
		// A failed all-or-nothing batch that would have moved the primary leaves it where it was.
		const failed = await apiError(
			client.crm.companies.batchApi.create({
				inputs: [
					{ properties: { name: 'C' }, associations: [{ to: { id: contact }, types: [{ associationCategory: HS, associationTypeId: 2 }] }] },
					{ properties: { name: 'D', numberofemployees: 'many' }, associations: [] },
				],
			}),
		);
		expect(failed.code).toBe(400);
		expect(sb.associationsOf('contacts', contact, 'companies').map((x) => `${x.toId}:${x.typeId}`).sort()).toEqual(byCompany);
		// v3 names them as HubSpot does: the primary `contact_to_company`, the others `_unlabeled`.
		const one = await client.crm.contacts.basicApi.getById(contact, undefined, undefined, ['companies']);
		expect(one.associations?.companies.results.map((r) => `${r.id}:${r.type}`).sort()).toEqual([`${a}:contact_to_company_unlabeled`, `${b}:contact_to_company`, `${b}:contact_to_company_unlabeled`].sort());
	});

	it('v4 batch read: results per id with its associations, NO_ASSOCIATIONS_FOUND (207) for an id with none', async () => {
		const g = await group();
		const lonely = (await client.crm.contacts.basicApi.create({ properties: { email: 'alone@example.com' }, associations: [] })).id;
		const res = await client.crm.associations.v4.batchApi.getPage('contacts', 'companies', { inputs: [{ id: g.contact }, { id: lonely }] });
		expect(res.results).toEqual([{ _from: { id: g.contact }, to: [{ toObjectId: Number(g.company), associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 279, label: null }] }] }]);
		const errs = (res as unknown as BatchErrors).errors!;
		expect(errs).toHaveLength(1);
		expect(errs[0].category).toBe('OBJECT_NOT_FOUND');
		expect(errs[0].subCategory).toBe('crm.associations.NO_ASSOCIATIONS_FOUND');
		expect(errs[0].message).toBe(`No company is associated with contact ${lonely}.`);
		expect(errs[0].context.fromObjectId).toEqual([lonely]);
		// Deals of a company, the other way.
		const deals = await client.crm.associations.v4.batchApi.getPage('companies', 'deals', { inputs: [{ id: g.company }] });
		expect(deals.results[0].to.map((t) => String(t.toObjectId))).toEqual([g.deal]);
		// More than 1,000 inputs is refused.
		const tooMany = await apiError(client.crm.associations.v4.batchApi.getPage('contacts', 'companies', { inputs: Array.from({ length: 1001 }, (_, i) => ({ id: String(i) })) }));
		expect(tooMany.code).toBe(400);
	});

	it('v4 batch create / associate default / archive, with per-input errors for missing records and wrong types', async () => {
		const [c1, c2] = (await client.crm.contacts.batchApi.create({ inputs: [{ properties: { email: 'a@example.com' }, associations: [] }, { properties: { email: 'b@example.com' }, associations: [] }] })).results.map((r) => r.id);
		const co = (await client.crm.companies.basicApi.create({ properties: { name: 'Co' }, associations: [] })).id;

		const created = await client.crm.associations.v4.batchApi.create('contacts', 'companies', {
			inputs: [
				{ _from: { id: c1 }, to: { id: co }, types: [{ associationCategory: HS, associationTypeId: 279 }] },
				{ _from: { id: c2 }, to: { id: '5999999' }, types: [{ associationCategory: HS, associationTypeId: 279 }] },
				{ _from: { id: c2 }, to: { id: co }, types: [{ associationCategory: HS, associationTypeId: 3 }] },
			],
		});
		expect(created.results).toEqual([{ fromObjectTypeId: '0-1', fromObjectId: Number(c1), toObjectTypeId: '0-2', toObjectId: Number(co), labels: [] }]);
		const cErrs = (created as unknown as BatchErrors).errors!;
		expect(cErrs.map((e) => e.category)).toEqual(['OBJECT_NOT_FOUND', 'VALIDATION_ERROR']);
		expect(cErrs[1].subCategory).toBe('crm.associations.INVALID_ASSOCIATION_TYPE');

		const def = await client.crm.associations.v4.batchApi.createDefault('contacts', 'companies', { inputs: [{ _from: { id: c2 }, to: { id: co } }] });
		expect(def.results).toEqual([{ _from: { id: c2 }, to: { id: co }, associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 279 } }]);
		expect(sb.associationsOf('companies', co, 'contacts').map((a) => a.toId).sort()).toEqual([c1, c2].sort());

		await client.crm.associations.v4.batchApi.archive('contacts', 'companies', { inputs: [{ _from: { id: c1 }, to: [{ id: co }] }] });
		expect(sb.associationsOf('contacts', c1)).toEqual([]);
		expect(sb.associationsOf('companies', co, 'contacts').map((a) => a.toId)).toEqual([c2]);
		expect(sb.totalCalls((e) => e.startsWith('associations.batch.'))).toBe(3);
	});

	it('archiving a company or a deal unassociates it everywhere (reads, search, list with associations)', async () => {
		const g = await group();
		await client.crm.deals.basicApi.archive(g.deal);
		expect(sb.associationsOf('contacts', g.contact, 'deals')).toEqual([]);
		const read = await client.crm.associations.v4.batchApi.getPage('companies', 'deals', { inputs: [{ id: g.company }] });
		expect((read as unknown as BatchErrors).errors?.[0].subCategory).toBe('crm.associations.NO_ASSOCIATIONS_FOUND');

		await client.crm.companies.batchApi.archive({ inputs: [{ id: g.company }] });
		const page = await client.crm.contacts.basicApi.getPage(10, undefined, ['email'], undefined, ['companies', 'deals']);
		expect(page.results[0].id).toBe(g.contact);
		expect(page.results[0].associations).toBeUndefined();
		const bySearch = await client.crm.contacts.searchApi.doSearch({ filterGroups: [{ filters: [{ propertyName: 'associations.company', operator: 'EQ' as never, value: g.company }] }], limit: 10 } as never);
		expect(bySearch.total).toBe(0);
	});

	it('group reads: companies by name / domain (EQ, IN), changed-since companies and deals, list with associations, batch read by id', async () => {
		const g = await group();
		await client.crm.companies.batchApi.create({ inputs: [{ properties: { name: 'Globex', domain: 'globex.example' }, associations: [] }] });
		const byName = await client.crm.companies.searchApi.doSearch({ filterGroups: [{ filters: [{ propertyName: 'name', operator: 'EQ' as never, value: 'acme hardware' }] }], properties: ['name', 'domain'], limit: 10 } as never);
		expect(byName.results.map((r) => r.id)).toEqual([g.company]);
		const byDomains = await client.crm.companies.searchApi.doSearch({ filterGroups: [{ filters: [{ propertyName: 'domain', operator: 'IN' as never, values: ['acme.example', 'globex.example', 'none.example'] }] }], properties: ['domain'], limit: 10 } as never);
		expect(byDomains.results.map((r) => r.properties.domain).sort()).toEqual(['acme.example', 'globex.example']);

		const since = Date.now();
		await new Promise((r) => setTimeout(r, 5));
		await client.crm.deals.basicApi.update(g.deal, { properties: { dealstage: 'closedwon' } });
		for (const type of ['deals', 'companies'] as const) {
			const changed = await client.crm.objects.searchApi.doSearch(type, {
				filterGroups: [{ filters: [{ propertyName: 'hs_lastmodifieddate', operator: 'GTE' as never, value: String(since) }] }],
				sorts: ['hs_lastmodifieddate'],
				properties: type === 'deals' ? ['dealstage'] : ['name'],
				limit: 100,
			} as never);
			expect(changed.results.map((r) => r.id)).toEqual(type === 'deals' ? [g.deal] : []);
		}

		const deals = await client.crm.deals.basicApi.getPage(10, undefined, ['dealname', 'dealstage', 'amount', 'pipeline'], undefined, ['companies', 'contacts']);
		expect(deals.results[0].properties).toMatchObject({ dealname: 'Acme Hardware', dealstage: 'closedwon', amount: '12000', pipeline: 'default' });
		expect(deals.results[0].associations?.companies.results.map((r) => r.id)).toEqual([g.company]);
		expect(deals.results[0].associations?.contacts.results.map((r) => r.id)).toEqual([g.contact]);

		const batch = await client.crm.companies.batchApi.read({ inputs: [{ id: g.company }], properties: ['name', 'domain'], propertiesWithHistory: [] });
		expect(batch.results[0].properties).toMatchObject({ name: 'Acme Hardware', domain: 'acme.example' });
	});

	it('deal stages: the default pipeline lists them and dealstage is validated against them', async () => {
		const pipelines = await client.crm.pipelines.pipelinesApi.getAll('deals');
		expect(pipelines.results.map((p) => p.id)).toEqual(['default']);
		const stages = pipelines.results[0].stages;
		expect(stages.map((st) => st.id)).toEqual(['appointmentscheduled', 'qualifiedtobuy', 'presentationscheduled', 'decisionmakerboughtin', 'contractsent', 'closedwon', 'closedlost']);
		expect(stages.find((st) => st.id === 'closedwon')?.metadata).toEqual({ isClosed: 'true', probability: '1.0' });
		const bad = await apiError(client.crm.deals.basicApi.create({ properties: { dealname: 'X', dealstage: 'negotiation' }, associations: [] }));
		expect(bad.code).toBe(400);
		expect((bad.body.errors as Array<{ code: string }>)[0].code).toBe('INVALID_OPTION');
	});
});
