/**
 * Two runs at once (or two queue-mode workers) both create the same new CRM record in FieldFlow:
 * FieldFlow refuses the second prospect (same email), and that failure must not stay in the error
 * queue once the first run's link exists — in whichever order the two runs record their results.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type ErrorInput, type SyncStore } from '../../../nodes/shared/store';
import type { Link } from '../../../nodes/shared/sync/types';

const createFailed = (crmId: string, action = 'createInFieldflow'): ErrorInput => ({
	crm: 'hubspot',
	object: 'contacts',
	direction: 'toFieldflow',
	fieldflowId: null,
	crmId,
	kind: 'validation',
	message: `FieldFlow rejected prospect 0: A prospect with email ${crmId}@example.com already exists`,
	payload: { email: `${crmId}@example.com`, _sync: { kind: 'write', target: 'fieldflow', action, crmId, fieldflowId: null } },
});
const linked = (fieldflowId: string, crmId: string): Link => ({ crm: 'hubspot', object: 'contacts', fieldflowId, crmId, baseline: { email: `${crmId}@example.com` }, status: 'synced' });

describe('a create in FieldFlow that a concurrent run already made', () => {
	let dir: string;
	let store: SyncStore;
	beforeEach(async () => {
		dir = mkdtempSync(join(tmpdir(), 'ff-store-'));
		store = await openStore({ kind: 'sqlite', path: join(dir, 'store.sqlite') });
	});
	afterEach(async () => {
		await store.close();
		rmSync(dir, { recursive: true, force: true });
	});

	it('is settled at once when the other run linked the CRM record first', async () => {
		await store.saveLinks([linked('pr_1', '101')]);
		const [e] = await store.enqueueErrors([createFailed('101')]);
		expect(e.state).toBe('resolved');
		expect(await store.listErrors({ crm: 'hubspot' })).toEqual([]);
	});

	it('is settled by the other run when that run records its link later', async () => {
		const [e] = await store.enqueueErrors([createFailed('102')]);
		expect(e.state).toBe('open');
		await store.saveLinks([linked('pr_2', '102')]);
		await store.resolveErrorsForRecords('hubspot', 'contacts', [{ fieldflowId: 'pr_2', crmId: '102' }]);
		expect(await store.listErrors({ crm: 'hubspot' })).toEqual([]);
	});

	it('stays queued when the CRM record is linked to nothing, or the failed write was not a create', async () => {
		await store.saveLinks([linked('pr_3', '103')]);
		const stored = await store.enqueueErrors([createFailed('104'), createFailed('103', 'updateFieldflow')]);
		expect(stored.map((e) => e.state)).toEqual(['open', 'open']);
		expect((await store.listErrors({ crm: 'hubspot' })).map((e) => e.crmId).sort()).toEqual(['103', '104']);
	});
});
