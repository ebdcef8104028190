/**
 * The FieldFlow node's record pickers: "From List" search against the sandbox, and the "By URL"
 * mode's pattern pulling the id out of a FieldFlow app link.
 */
import type { ILoadOptionsFunctions, INodeProperties, INodePropertyModeTypeOptions } from 'n8n-workflow';
import { FieldFlow } from '../../../nodes/FieldFlow/FieldFlow.node';
import { FieldFlowSandbox, FIELDFLOW_SANDBOX_KEY } from '../../sandboxes/fieldflow';

describe('FieldFlow node resource locators', () => {
	const sb = new FieldFlowSandbox();
	const node = new FieldFlow();
	beforeAll(() => sb.start());
	afterAll(() => sb.stop());
	beforeEach(() => sb.reset());

	const ctx = { getCredentials: async () => ({ apiKey: FIELDFLOW_SANDBOX_KEY, baseUrl: `${sb.url}/v1` }) } as unknown as ILoadOptionsFunctions;

	it('lists prospects by name, finds one by exact email, and pages with the API cursor', async () => {
		sb.seed({ prospects: Array.from({ length: 130 }, (_, i) => ({ contact_name: `Person ${i}`, company_name: i === 42 ? 'Acme' : 'Other', email: `p${i}@example.com` })) });
		const first = await node.methods.listSearch.searchProspects.call(ctx);
		expect(first.results).toHaveLength(100);
		expect(first.results[0]).toEqual({ name: 'Person 0 · Other', value: 'pr_000001', url: 'https://app.fieldflow.app/prospects/pr_000001' });
		const next = await node.methods.listSearch.searchProspects.call(ctx, undefined, first.paginationToken as string);
		expect(next.results).toHaveLength(30);
		expect((await node.methods.listSearch.searchProspects.call(ctx, 'acme')).results.map((r) => r.value)).toEqual(['pr_000043']);
		expect((await node.methods.listSearch.searchProspects.call(ctx, 'P7@example.com')).results.map((r) => r.value)).toEqual(['pr_000008']);
	});

	it('By URL takes the id out of a FieldFlow link; By ID rejects a malformed id', () => {
		const prop = node.description.properties.find(
			(p) => p.name === 'id' && (p.displayOptions?.show?.resource as string[]).includes('prospect'),
		) as INodeProperties;
		const url = prop.modes!.find((m) => m.name === 'url')!;
		const re = new RegExp((url.extractValue as { regex: string }).regex);
		expect(re.exec('https://app.fieldflow.app/prospects/pr_000123?tab=notes')?.[1]).toBe('pr_000123');
		expect(re.exec('https://app.fieldflow.app/meetings/mt_000001')).toBeNull();
		const byId = prop.modes!.find((m) => m.name === 'id')!;
		const rule = (byId.validation as unknown as Array<{ properties: { regex: string } }>)[0].properties.regex;
		expect(new RegExp(rule).test('pr_000123')).toBe(true);
		expect(new RegExp(rule).test('mt_000123')).toBe(false);
		expect((prop.modes!.find((m) => m.name === 'list')!.typeOptions as INodePropertyModeTypeOptions).searchListMethod).toBe('searchProspects');
	});
});
