/**
 * FieldFlow Trigger's poll() against the FieldFlow sandbox, through a minimal poll context (n8n's
 * CLI cannot start a workflow from a polling trigger; the server test checks n8n loads the node).
 * What matters: each change is emitted once, nothing changed between polls is missed, and the
 * position survives in the workflow static data the way n8n persists it.
 */
import type { IPollFunctions } from 'n8n-workflow';
import { FieldFlowTrigger } from '../../../nodes/FieldFlowTrigger/FieldFlowTrigger.node';
import { FieldFlowSandbox, FIELDFLOW_SANDBOX_KEY } from '../../sandboxes/fieldflow';

describe('FieldFlow Trigger', () => {
	const sb = new FieldFlowSandbox();
	const node = new FieldFlowTrigger();
	beforeAll(() => sb.start());
	afterAll(() => sb.stop());
	beforeEach(() => sb.reset());

	function context(params: Record<string, unknown>, staticData: Record<string, unknown>, mode = 'trigger'): IPollFunctions {
		return {
			getNodeParameter: (name: string, fallback?: unknown) => (name in params ? params[name] : fallback),
			getWorkflowStaticData: () => staticData,
			getMode: () => mode,
			getCredentials: async () => ({ apiKey: FIELDFLOW_SANDBOX_KEY, baseUrl: `${sb.url}/v1` }),
			getNode: () => ({ id: 't', name: 'FieldFlow Trigger', type: 'n8n-nodes-fieldflow.fieldFlowTrigger', typeVersion: 1, position: [0, 0], parameters: {} }),
		} as unknown as IPollFunctions;
	}

	const emitted = (out: Awaited<ReturnType<FieldFlowTrigger['poll']>>) => (out ? out[0].map((i) => i.json) : []);

	it('emits each prospect change once across polls and misses nothing in between', async () => {
		const state: Record<string, unknown> = {};
		const poll = () => node.poll.call(context({ event: 'prospectChanged' }, state));
		sb.seed({ prospects: [{ contact_name: 'Ada', email: 'ada@example.com' }] });
		expect(emitted(await poll()).map((p) => p.email)).toEqual(['ada@example.com']);
		// Nothing new: nothing emitted (the overlap re-read is deduplicated).
		expect(await poll()).toBeNull();
		sb.seed({ prospects: [{ contact_name: 'Alan', email: 'alan@example.com' }] });
		sb.prospects.update('pr_000001', { phone: '+1 555 0100' });
		const second = emitted(await poll());
		expect(second.map((p) => [p.id, p.phone ?? null])).toEqual([
			['pr_000002', null],
			['pr_000001', '+1 555 0100'],
		]);
		expect(await poll()).toBeNull();
		expect(typeof state.since).toBe('string');
	});

	it('only completed meetings fire the meeting event', async () => {
		const state: Record<string, unknown> = {};
		sb.seed({
			prospects: [{ contact_name: 'Ada' }],
			meetings: [
				{ prospect_id: 'pr_000001', title: 'Demo', start_time: '2026-11-20T10:00:00Z', duration_minutes: 30, status: 'completed' },
				{ prospect_id: 'pr_000001', title: 'Intro', start_time: '2026-11-21T10:00:00Z', duration_minutes: 30, status: 'scheduled' },
			],
		});
		const out = emitted(await node.poll.call(context({ event: 'meetingCompleted' }, state)));
		expect(out.map((m) => m.title)).toEqual(['Demo']);
	});

	it('a manual test run shows the last day without moving the position', async () => {
		const state: Record<string, unknown> = {};
		sb.seed({ prospects: [{ contact_name: 'Ada' }] });
		const out = emitted(await node.poll.call(context({ event: 'prospectChanged' }, state, 'manual')));
		expect(out).toHaveLength(1);
		expect(state.since).toBeUndefined();
	});

	it('a revoked key fails the poll with the auth hint', async () => {
		sb.validKeys.clear();
		await expect(node.poll.call(context({ event: 'prospectChanged' }, {}))).rejects.toMatchObject({ description: expect.stringMatching(/Reconnect/) });
		sb.validKeys.add(FIELDFLOW_SANDBOX_KEY);
	});
});
