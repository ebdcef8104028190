/**
 * Engine-level fault cases: a create reservation left by a killed n8n process, and queued errors
 * of records a later run settled.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, reservationHolder, type SyncStore } from '../../../nodes/shared/store';
import { isDeadHolder, processHolder } from '../../../nodes/shared/sync/reserve';

let dir: string;
let store: SyncStore;

beforeEach(async () => {
	dir = mkdtempSync(join(tmpdir(), 'ff-faults-'));
	store = await openStore({ kind: 'sqlite', path: join(dir, 'store.sqlite') });
});

afterEach(async () => {
	await store.close();
	rmSync(dir, { recursive: true, force: true });
});

/** The pid of a process that has exited. */
function deadPid(): number {
	const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
	return Number(r.stdout.toString());
}

describe('create reservations', () => {
	it('a reservation names its holder; a live holder blocks, a dead one is taken over at once, the stale window still applies', async () => {
		const dead = `${hostname()}#${deadPid()}`;
		expect(await store.reserveLink('hubspot', 'contacts', 'p1', { holder: dead })).toBe(true);
		const [link] = await store.getLinks('hubspot', 'contacts', { fieldflowIds: ['p1'] });
		expect(reservationHolder(link.message)).toBe(dead);
		// Another live process: blocked (no take-over named, window not passed).
		expect(await store.reserveLink('hubspot', 'contacts', 'p1', { holder: processHolder(), staleAfterMs: 60_000 })).toBe(false);
		// Named as dead: taken over, once.
		expect(await store.reserveLink('hubspot', 'contacts', 'p1', { holder: processHolder(), staleAfterMs: 60_000, takeOverFrom: dead })).toBe(true);
		expect(await store.reserveLink('hubspot', 'contacts', 'p1', { holder: 'other#1', staleAfterMs: 60_000, takeOverFrom: dead })).toBe(false);
		const [after] = await store.getLinks('hubspot', 'contacts', { fieldflowIds: ['p1'] });
		expect(reservationHolder(after.message)).toBe(processHolder());
		// A stale window of 0 takes over anything pending.
		await new Promise((r) => setTimeout(r, 5));
		expect(await store.reserveLink('hubspot', 'contacts', 'p1', { holder: 'other#1', staleAfterMs: 0 })).toBe(true);
	});

	it('isDeadHolder: this process and other hosts are alive (cannot tell), an exited pid on this host is dead', () => {
		expect(isDeadHolder(processHolder())).toBe(false);
		expect(isDeadHolder(`${hostname()}#${deadPid()}`)).toBe(true);
		expect(isDeadHolder(`some-other-host#${deadPid()}`)).toBe(false);
		expect(isDeadHolder('garbage')).toBe(false);
	});
});

describe('queued errors of records settled later', () => {
	it('resolveErrorsForRecords resolves open and retrying errors by FieldFlow or CRM id, for that CRM object only', async () => {
		const base = { crm: 'salesforce' as const, object: 'Lead', kind: 'transient' as const, message: 'socket hang up', payload: {} };
		await store.enqueueErrors([
			{ ...base, direction: 'toCrm', fieldflowId: 'p1' },
			{ ...base, direction: 'toFieldflow', crmId: 'c2' },
			{ ...base, direction: 'toCrm', fieldflowId: 'p3' },
			{ ...base, object: 'Contact', direction: 'toCrm', fieldflowId: 'p1' },
		]);
		await store.takeErrorsForRetry(undefined, { crm: 'salesforce' });
		expect(await store.resolveErrorsForRecords('salesforce', 'Lead', [{ fieldflowId: 'p1', crmId: 'c1' }, { fieldflowId: 'p2', crmId: 'c2' }])).toBe(2);
		const open = await store.listErrors({ crm: 'salesforce' });
		expect(open.map((e) => [e.object, e.fieldflowId ?? e.crmId]).sort()).toEqual([
			['Contact', 'p1'],
			['Lead', 'p3'],
		]);
		expect(await store.resolveErrorsForRecords('salesforce', 'Lead', [])).toBe(0);
	});
});

describe('HubSpot: a token that expires between batches', () => {
	it('keeps the results of the batches already written and fails only the rest with auth_expired, sending nothing more', async () => {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const { HubSpotSandbox } = require('../../sandboxes') as typeof import('../../sandboxes');
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const { createAdapter } = require('../../../nodes/shared/crm') as typeof import('../../../nodes/shared/crm');
		const sb = new HubSpotSandbox();
		await sb.start();
		try {
			// The second batch create (records 101-200) meets an expired token; the third is never sent.
			sb.injectFault({ kind: 'auth', endpoint: 'objects.batch.create', every: 2, times: 1 });
			const a = createAdapter('hubspot', { accessToken: 'hs-sandbox-token', baseUrl: sb.url }, { hubspot: { ratePerSecond: 1000 } });
			const inputs = Array.from({ length: 250 }, (_, i) => ({ ref: `r${i}`, fields: { email: `p${i}@auth.example`, firstname: `P${i}` } }));
			const res = await a.upsert('contacts', inputs);
			expect(res.slice(0, 100).every((r) => r.success && r.id)).toBe(true);
			expect(res.slice(100).every((r) => !r.success && r.error?.kind === 'auth_expired')).toBe(true);
			expect(sb.callLog.filter((c) => c.endpoint === 'objects.batch.create')).toHaveLength(2);
		} finally {
			await sb.stop();
		}
	});
});
