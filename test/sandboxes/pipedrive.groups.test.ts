/**
 * What a record group (Person + Organization + Deal, linked by org_id / person_id) needs from the
 * Pipedrive sandbox, through the real `pipedrive` SDK v2: links validated, deals and organizations
 * read by link and changed since a time (keyset cursor on update_time), organizations found by exact
 * name, stages and pipelines, deal status with its times, deleted deals listed by status, deleting an
 * organization, and activities linked to all three.
 */
import { v2 } from 'pipedrive';
import { PipedriveSandbox } from './pipedrive';

delete process.env.HTTP_PROXY;
delete process.env.HTTPS_PROXY;
delete process.env.http_proxy;
delete process.env.https_proxy;

const TOKEN = 'pd-groups-token';
const sb = new PipedriveSandbox();
let base = '';

function cfg(): v2.Configuration {
	return new v2.Configuration({ apiKey: TOKEN, basePath: `${base}/api/v2` });
}

/** The SDK rejects with Pipedrive's error body. */
async function refused(p: Promise<unknown>): Promise<{ success: boolean; error: string; errorCode: number }> {
	try {
		await p;
	} catch (e) {
		return e as { success: boolean; error: string; errorCode: number };
	}
	throw new Error('expected the call to fail');
}

beforeAll(async () => {
	base = await sb.start(0);
	sb.setValidTokens([TOKEN]);
});
afterAll(async () => {
	await sb.stop();
});
beforeEach(() => sb.reset());

describe('Pipedrive sandbox: record groups through the pipedrive SDK v2', () => {
	test('a group is created in dependency order with its links, and every link is validated', async () => {
		const orgs = new v2.OrganizationsApi(cfg());
		const persons = new v2.PersonsApi(cfg());
		const deals = new v2.DealsApi(cfg());
		const org = (await orgs.addOrganization({ AddOrganizationRequest: { name: 'Acme Hardware' } })).data!;
		const person = (await persons.addPerson({ AddPersonRequest: { name: 'Maria Lopez', emails: [{ value: 'maria@acme.example', primary: true }], org_id: org.id } })).data!;
		expect(person.org_id).toBe(org.id);
		const deal = (await deals.addDeal({ AddDealRequest: { title: 'Acme Hardware', value: 12000, person_id: person.id, org_id: org.id, stage_id: 3 } })).data!;
		expect(deal).toMatchObject({ person_id: person.id, org_id: org.id, stage_id: 3, pipeline_id: 1, status: 'open', is_deleted: false, won_time: null, close_time: null });
		// The organization's people and deals, read by link.
		expect((await persons.getPersons({ org_id: org.id })).data!.map((p) => p.id)).toEqual([person.id]);
		expect((await deals.getDeals({ org_id: org.id, person_id: person.id })).data!.map((d) => d.id)).toEqual([deal.id]);
		// Moving the person to another organization is validated the same way.
		expect((await refused(persons.updatePerson({ id: person.id!, UpdatePersonRequest: { org_id: 998 } }))).error).toBe('Validation failed: org_id: Organization with id 998 not found');

		expect(await refused(persons.addPerson({ AddPersonRequest: { name: 'Nobody', org_id: 999 } }))).toMatchObject({ success: false, error: 'Validation failed: org_id: Organization with id 999 not found' });
		expect((await refused(deals.addDeal({ AddDealRequest: { title: 'X', person_id: 999 } }))).error).toBe('Validation failed: person_id: Person with id 999 not found');
		expect((await refused(deals.addDeal({ AddDealRequest: { title: 'X', org_id: 999 } }))).error).toBe('Validation failed: org_id: Organization with id 999 not found');
		expect((await refused(deals.updateDeal({ id: deal.id!, UpdateDealRequest: { person_id: 999 } }))).errorCode).toBe(400);
		expect(sb.snapshot().deals).toHaveLength(1);
	});

	test('deal stage and status: stage_id validated, the pipeline follows the stage, won / lost / reopen set their times', async () => {
		const deals = new v2.DealsApi(cfg());
		const stages = new v2.StagesApi(cfg());
		const pipelines = new v2.PipelinesApi(cfg());
		const all = await stages.getStages({ pipeline_id: 1, sort_by: 'order_nr' });
		expect(all.data!.map((st) => [st.id, st.name, st.pipeline_id])).toEqual([
			[1, 'Qualified', 1],
			[2, 'Contact Made', 1],
			[3, 'Demo Scheduled', 1],
			[4, 'Proposal Made', 1],
			[5, 'Negotiations Started', 1],
		]);
		expect((await stages.getStage({ id: 4 })).data).toMatchObject({ id: 4, deal_probability: 75, is_deleted: false });
		expect((await pipelines.getPipelines()).data!.map((pl) => [pl.id, pl.name])).toEqual([[1, 'Sales']]);

		expect((await refused(deals.addDeal({ AddDealRequest: { title: 'X', stage_id: 42 } }))).error).toBe('Validation failed: stage_id: Stage with id 42 not found');
		expect((await refused(deals.addDeal({ AddDealRequest: { title: 'X', pipeline_id: 7 } }))).error).toBe('Validation failed: pipeline_id: Pipeline with id 7 not found');
		expect((await refused(deals.addDeal({ AddDealRequest: { title: 'X', status: 'closed' as never } }))).error).toBe("Validation failed: status: Parameter 'status' must be one of open, won, lost");

		const byPipeline = (await deals.addDeal({ AddDealRequest: { title: 'First stage', pipeline_id: 1 } })).data!;
		expect(byPipeline).toMatchObject({ pipeline_id: 1, stage_id: 1 });
		const moved = (await deals.updateDeal({ id: byPipeline.id!, UpdateDealRequest: { stage_id: 4 } })).data!;
		expect(moved.stage_id).toBe(4);
		expect(moved.stage_change_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
		const won = (await deals.updateDeal({ id: byPipeline.id!, UpdateDealRequest: { status: 'won' } })).data!;
		expect(won.status).toBe('won');
		expect(won.won_time).toBeTruthy();
		expect(won.close_time).toBe(won.won_time);
		expect(won.lost_time).toBeNull();
		const reopened = (await deals.updateDeal({ id: byPipeline.id!, UpdateDealRequest: { status: 'open' } })).data!;
		expect(reopened).toMatchObject({ status: 'open', won_time: null, lost_time: null, close_time: null });
	});

	test('deals by person_id / org_id / stage_id / status; deleted deals only when status names deleted', async () => {
		sb.seedSample();
		const deals = new v2.DealsApi(cfg());
		expect((await deals.getDeals({ person_id: 3 })).data!.map((d) => d.id)).toEqual([2]);
		expect((await deals.getDeals({ org_id: 4 })).data!.map((d) => d.id)).toEqual([3]);
		expect((await deals.getDeals({ stage_id: 5 })).data!.map((d) => d.id)).toEqual([4]);
		expect((await deals.getDeals({ status: 'won' })).data!.map((d) => d.id)).toEqual([4]);
		await deals.deleteDeal({ id: 2 });
		expect((await deals.getDeals({ person_id: 3 })).data).toEqual([]);
		const withDeleted = await deals.getDeals({ status: 'deleted' });
		expect(withDeleted.data!.map((d) => [d.id, d.is_deleted])).toEqual([[2, true]]);
		const both = await deals.getDeals({ status: 'open,deleted' as never, sort_by: 'id' });
		expect(both.data!.map((d) => d.id)).toEqual([1, 2, 3]);
	});

	test('changed since: deals and organizations by updated_since, sorted by update_time, paged by cursor', async () => {
		sb.seedSample();
		const deals = new v2.DealsApi(cfg());
		const orgs = new v2.OrganizationsApi(cfg());
		// A second later than every seeded record (the filter compares whole seconds).
		sb.clock.offsetMs += 2000;
		const since = new Date(Math.floor((Date.now() + sb.clock.offsetMs) / 1000) * 1000).toISOString().replace('.000Z', 'Z');
		// One second apart: update_time has whole seconds (ties are listed by id).
		await deals.updateDeal({ id: 3, UpdateDealRequest: { stage_id: 5 } });
		sb.clock.offsetMs += 1000;
		await deals.updateDeal({ id: 1, UpdateDealRequest: { value: 15000 } });
		await orgs.updateOrganization({ id: 2, UpdateOrganizationRequest: { name: 'Globex Retail Group' } });
		sb.clock.offsetMs += 1000;
		await deals.deleteDeal({ id: 2 });

		const seen: number[] = [];
		let cursor: string | undefined;
		do {
			const page = await deals.getDeals({ updated_since: since, sort_by: 'update_time', sort_direction: 'asc', status: 'open,won,lost,deleted' as never, limit: 1, cursor });
			seen.push(...page.data!.map((d) => d.id!));
			cursor = page.additional_data?.next_cursor ?? undefined;
		} while (cursor);
		expect(seen).toEqual([3, 1, 2]);
		const changedOrgs = await orgs.getOrganizations({ updated_since: since, sort_by: 'update_time' });
		expect(changedOrgs.data!.map((o) => [o.id, o.name])).toEqual([[2, 'Globex Retail Group']]);
	});

	test('organizations/search by exact name finds the shared organization, not a longer one', async () => {
		const orgs = new v2.OrganizationsApi(cfg());
		await orgs.addOrganization({ AddOrganizationRequest: { name: 'Acme' } });
		await orgs.addOrganization({ AddOrganizationRequest: { name: 'Acme Hardware' } });
		const exact = await orgs.searchOrganization({ term: 'acme', fields: 'name', exact_match: true });
		expect(exact.data!.items!.map((i) => i.item!.name)).toEqual(['Acme']);
		const loose = await orgs.searchOrganization({ term: 'acme', fields: 'name' });
		expect(loose.data!.items!.map((i) => i.item!.name).sort()).toEqual(['Acme', 'Acme Hardware']);
	});

	test('deleting an organization: gone from reads and search, no new link to it; linked persons and deals are left as they are', async () => {
		sb.seedSample();
		const orgs = new v2.OrganizationsApi(cfg());
		const persons = new v2.PersonsApi(cfg());
		const deals = new v2.DealsApi(cfg());
		expect(await orgs.deleteOrganization({ id: 1 })).toEqual({ success: true, data: { id: 1 } });
		expect((await refused(orgs.getOrganization({ id: 1 }))).errorCode).toBe(404);
		expect((await orgs.searchOrganization({ term: 'Acme Hardware', exact_match: true })).data!.items).toEqual([]);
		expect((await refused(persons.addPerson({ AddPersonRequest: { name: 'New', org_id: 1 } }))).error).toBe('Validation failed: org_id: Organization with id 1 not found');
		// Pipedrive's reference says only "Marks a organization as deleted. After 30 days, the
		// organization will be permanently deleted" (Delete an organization, v2); it documents no change
		// to linked records, so the sandbox changes none: a reader sees org_id of an organization that
		// answers 404.
		expect((await persons.getPerson({ id: 1 })).data!.org_id).toBe(1);
		expect((await deals.getDeal({ id: 1 })).data!.org_id).toBe(1);
	});

	test('an activity (meeting) links person, organization and deal, each validated, and is listed by each', async () => {
		sb.seedSample();
		const activities = new v2.ActivitiesApi(cfg());
		const created = (await activities.addActivity({ AddActivityRequest: { subject: 'Visit', type: 'meeting', due_date: '2026-03-04', person_id: 1, org_id: 1, deal_id: 1 } })).data!;
		expect(created).toMatchObject({ person_id: 1, org_id: 1, deal_id: 1 });
		for (const filter of [{ person_id: 1 }, { org_id: 1 }, { deal_id: 1 }]) {
			expect((await activities.getActivities(filter)).data!.map((a) => a.id)).toContain(created.id);
		}
		for (const [field, body] of [
			['person_id', { person_id: 99 }],
			['org_id', { org_id: 99 }],
			['deal_id', { deal_id: 99 }],
		] as const) {
			expect((await refused(activities.addActivity({ AddActivityRequest: { subject: 'X', ...body } }))).error).toMatch(new RegExp(`^Validation failed: ${field}: `));
		}
	});
});
