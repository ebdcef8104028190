/**
 * One suite body (describeStore) run against both backends: a SQLite temp file and a throwaway
 * PostgreSQL server (test/support/postgres.ts; the PostgreSQL suite fails, not skips, when the
 * server binaries are missing).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Link, LogEntry } from '../../../nodes/shared/sync/types';
import {
	MIGRATIONS,
	SecretInPayloadError,
	defaultSqlitePath,
	openStore,
	type ErrorInput,
	type SqliteDriverName,
	type SyncStore,
} from '../../../nodes/shared/store';
import { commit, planCommit } from '../../../nodes/shared/sync/commit';
import { startPostgres, type TestPostgres } from '../../support/postgres';

type Rows = Array<Record<string, unknown>>;

/** One fresh database per test. */
interface Target {
	/** Opens another store (SQLite: another connection to the file; PostgreSQL: another pool). */
	open(): Promise<SyncStore>;
	/** Raw SQL for inspecting what the store wrote. */
	sql(query: string): Promise<Rows>;
	dispose(): Promise<void>;
}

interface Backend {
	setup(): Promise<void>;
	teardown(): Promise<void>;
	newTarget(): Promise<Target>;
}

const LATEST = Math.max(...MIGRATIONS.map((m) => m.version));

function link(fieldflowId: string, crmId: string | null, extra: Partial<Link> = {}): Link {
	return {
		crm: 'hubspot',
		object: 'contacts',
		fieldflowId,
		crmId,
		baseline: { company_name: `Co ${fieldflowId}`, email: `${fieldflowId}@example.com` },
		status: 'synced',
		...extra,
	};
}

function logEntry(i: number, extra: Partial<LogEntry> = {}): LogEntry {
	return {
		time: new Date(Date.UTC(2024, 4, 1, 0, 0, 0) + i * 3_600_000).toISOString(),
		crm: 'salesforce',
		direction: 'toCrm',
		recordType: i % 3 === 0 ? 'Lead' : i % 3 === 1 ? 'Contact' : 'Event',
		fieldflowId: `p${i}`,
		crmId: `sf${i}`,
		status: i % 5 === 0 ? 'error' : 'success',
		action: 'updateCrm',
		message: `entry ${i}`,
		...extra,
	};
}

function error(fieldflowId: string, extra: Partial<ErrorInput> = {}): ErrorInput {
	return {
		crm: 'pipedrive',
		object: 'persons',
		direction: 'toCrm',
		fieldflowId,
		kind: 'validation',
		message: `bad email for ${fieldflowId}`,
		payload: { id: fieldflowId, email: 'not-an-email' },
		...extra,
	};
}

export function describeStore(name: string, backend: Backend): void {
	describe(`SyncStore on ${name}`, () => {
		let target: Target;
		let store: SyncStore;
		const opened: SyncStore[] = [];
		const open = async () => {
			const s = await target.open();
			opened.push(s);
			return s;
		};

		beforeAll(() => backend.setup(), 60_000);
		afterAll(() => backend.teardown(), 60_000);
		beforeEach(async () => {
			target = await backend.newTarget();
			store = await open();
		});
		afterEach(async () => {
			await Promise.all(opened.splice(0).map((s) => s.close()));
			await target.dispose();
		});

		test('migrations are recorded once and re-opening (also concurrently) is safe', async () => {
			expect(store.info.schemaVersion).toBe(LATEST);
			const more = await Promise.all([open(), open(), open()]);
			for (const s of more) expect(s.info.schemaVersion).toBe(LATEST);
			const rows = await target.sql('SELECT version FROM ff_schema_migrations ORDER BY version');
			expect(rows.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version));
			await store.saveLinks([link('a', 'A')]);
			const again = await open();
			expect(await again.getLinks('hubspot', 'contacts')).toHaveLength(1);
			const tables = await target.sql(
				name.startsWith('SQLite')
					? "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'ff%' ORDER BY name"
					: "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
			);
			for (const t of tables) expect(String(t.name)).toMatch(/^ff_/);
		});

		test('several stores opening a fresh database at the same moment migrate it once', async () => {
			const fresh = await backend.newTarget();
			try {
				const stores = await Promise.all(Array.from({ length: 5 }, () => fresh.open()));
				try {
					for (const s of stores) expect(s.info.schemaVersion).toBe(LATEST);
					const rows = await fresh.sql('SELECT COUNT(*) AS n FROM ff_schema_migrations');
					expect(Number(rows[0].n)).toBe(MIGRATIONS.length);
					const results = await Promise.all(stores.map((s) => s.reserveLink('hubspot', 'contacts', 'p1')));
					expect(results.filter(Boolean)).toHaveLength(1);
				} finally {
					await Promise.all(stores.map((s) => s.close()));
				}
			} finally {
				await fresh.dispose();
			}
		});

		test('links: batch save, get by FieldFlow ids, CRM ids, both, all; upsert keeps one row', async () => {
			expect(
				await store.saveLinks([
					link('p1', 'c1', { fieldflowModifiedAt: '2024-05-01T10:00:00Z' }),
					link('p2', 'c2'),
					link('p3', null, { status: 'pending' }),
					link('p1', 'c1', { crm: 'salesforce', object: 'Lead' }),
				]),
			).toBe(4);
			const byFf = await store.getLinks('hubspot', 'contacts', { fieldflowIds: ['p1', 'p3', 'missing'] });
			expect(byFf.map((l) => l.fieldflowId).sort()).toEqual(['p1', 'p3']);
			const p1 = byFf.find((l) => l.fieldflowId === 'p1')!;
			expect(p1).toMatchObject({
				crm: 'hubspot',
				object: 'contacts',
				crmId: 'c1',
				status: 'synced',
				baseline: { company_name: 'Co p1', email: 'p1@example.com' },
				fieldflowModifiedAt: '2024-05-01T10:00:00.000Z',
			});
			const byCrm = await store.getLinks('hubspot', 'contacts', { crmIds: ['c2'] });
			expect(byCrm.map((l) => l.fieldflowId)).toEqual(['p2']);
			const both = await store.getLinks('hubspot', 'contacts', { fieldflowIds: ['p1'], crmIds: ['c1', 'c2'] });
			expect(both.map((l) => l.fieldflowId).sort()).toEqual(['p1', 'p2']);
			expect(await store.getLinks('hubspot', 'contacts', { fieldflowIds: [] })).toEqual([]);
			expect(await store.getLinks('hubspot', 'contacts')).toHaveLength(3);
			expect(await store.getLinks('salesforce', 'Lead')).toHaveLength(1);

			// Upsert: new baseline/status; a missing modified time keeps the stored one.
			await store.saveLinks([link('p1', 'c1', { baseline: { email: 'new@example.com' }, status: 'conflict' })]);
			const [updated] = await store.getLinks('hubspot', 'contacts', { fieldflowIds: ['p1'] });
			expect(updated).toMatchObject({
				baseline: { email: 'new@example.com' },
				status: 'conflict',
				fieldflowModifiedAt: '2024-05-01T10:00:00.000Z',
			});
			expect(await store.getLinks('hubspot', 'contacts')).toHaveLength(3);

			// Lookups of more ids than one IN list holds.
			await store.saveLinks(Array.from({ length: 1_200 }, (_, i) => link(`bulk${i}`, `crm-bulk${i}`)));
			const ids = Array.from({ length: 1_200 }, (_, i) => `bulk${i}`);
			expect(await store.getLinks('hubspot', 'contacts', { fieldflowIds: ids })).toHaveLength(1_200);
			const crmIds = ids.map((id) => `crm-${id}`);
			expect(await store.getLinks('hubspot', 'contacts', { crmIds })).toHaveLength(1_200);

			expect(await store.updateLinkStatus('hubspot', 'contacts', ['p1', 'p2'], 'error', 'Bearer abc.def')).toBe(2);
			const errored = await store.getLinks('hubspot', 'contacts', { fieldflowIds: ['p2'] });
			expect(errored[0]).toMatchObject({ status: 'error', message: 'Bearer [redacted]', crmId: 'c2' });

			expect(await store.removeLink('hubspot', 'contacts', 'p2')).toBe(true);
			expect(await store.removeLink('hubspot', 'contacts', 'p2')).toBe(false);
			expect(await store.getLinks('hubspot', 'contacts', { crmIds: ['c2'] })).toEqual([]);
		});

		test('reserveLink: 20 concurrent calls for one prospect reserve it exactly once (one and two store instances)', async () => {
			const one = await Promise.all(
				Array.from({ length: 20 }, () => store.reserveLink('salesforce', 'Lead', 'prospect-1')),
			);
			expect(one.filter(Boolean)).toHaveLength(1);

			const other = await open();
			const two = await Promise.all(
				Array.from({ length: 20 }, (_, i) => (i % 2 ? store : other).reserveLink('salesforce', 'Lead', 'prospect-2')),
			);
			expect(two.filter(Boolean)).toHaveLength(1);

			const [reserved] = await other.getLinks('salesforce', 'Lead', { fieldflowIds: ['prospect-2'] });
			expect(reserved).toMatchObject({ crmId: null, status: 'pending', baseline: {} });

			// A failed create releases the reservation; the next run can reserve again.
			expect(await store.releaseReservation('salesforce', 'Lead', 'prospect-2')).toBe(true);
			expect(await other.reserveLink('salesforce', 'Lead', 'prospect-2')).toBe(true);

			// Once created, the link is saved with its CRM id and can't be reserved or released.
			await store.saveLinks([link('prospect-1', '00Q1', { crm: 'salesforce', object: 'Lead' })]);
			expect(await store.reserveLink('salesforce', 'Lead', 'prospect-1')).toBe(false);
			expect(await store.releaseReservation('salesforce', 'Lead', 'prospect-1')).toBe(false);
			expect(await store.getLinks('salesforce', 'Lead', { crmIds: ['00Q1'] })).toHaveLength(1);

			// A reservation abandoned by a crashed run can be taken over after staleAfterMs.
			expect(await store.reserveLink('salesforce', 'Lead', 'prospect-2', { staleAfterMs: 60_000 })).toBe(false);
			// (The takeover refreshes the reservation, so the other callers see it as fresh again.)
			await new Promise((r) => setTimeout(r, 600));
			const takeovers = await Promise.all(
				Array.from({ length: 10 }, (_, i) =>
					(i % 2 ? store : other).reserveLink('salesforce', 'Lead', 'prospect-2', { staleAfterMs: 500 }),
				),
			);
			expect(takeovers.filter(Boolean).length).toBeLessThanOrEqual(1);
			expect(takeovers.filter(Boolean).length).toBeGreaterThanOrEqual(1);
		});

		test('record groups: each link names its member records; many links may share one (a company); saving without members keeps them', async () => {
			const pd = (id: string, crmId: string, members?: Record<string, string>) => link(id, crmId, { crm: 'pipedrive', object: 'persons', members });
			await store.saveLinks([pd('p1', '1', { organizations: '10', deals: '100' }), pd('p2', '2', { organizations: '10', deals: '101' }), pd('p3', '3')]);
			const got = new Map((await store.getLinks('pipedrive', 'persons')).map((l) => [l.fieldflowId, l]));
			expect(got.get('p1')!.members).toEqual({ organizations: '10', deals: '100' });
			expect(got.get('p3')!.members).toBeUndefined();
			expect((await store.getLinksByMember('pipedrive', 'persons', 'organizations', ['10'])).map((l) => l.fieldflowId).sort()).toEqual(['p1', 'p2']);
			expect((await store.getLinksByMember('pipedrive', 'persons', 'deals', ['101'])).map((l) => l.fieldflowId)).toEqual(['p2']);
			// A link saved without members (a run of today's single-object sync) keeps the stored ones.
			await store.saveLinks([pd('p1', '1')]);
			expect((await store.getLinks('pipedrive', 'persons', { fieldflowIds: ['p1'] }))[0].members).toEqual({ organizations: '10', deals: '100' });
			// Relinked to another company, deal kept: the rows are replaced, not added to.
			await store.saveLinks([pd('p1', '1', { organizations: '11', deals: '100' })]);
			expect((await store.getLinks('pipedrive', 'persons', { crmIds: ['1'] }))[0].members).toEqual({ organizations: '11', deals: '100' });
			expect(await store.getLinksByMember('pipedrive', 'persons', 'organizations', ['10'])).toHaveLength(1);
			await store.removeLink('pipedrive', 'persons', 'p2');
			expect(await store.getLinksByMember('pipedrive', 'persons', 'organizations', ['10'])).toEqual([]);
		});

		test('links keep the fingerprint of the CRM version they recorded; a save without a CRM version keeps it', async () => {
			await store.saveLinks([link('v1', 'V1', { crmModifiedAt: '2026-11-24T10:00:05.000Z', crmVersion: 'fp-one' })]);
			expect((await store.getLinks('hubspot', 'contacts', { fieldflowIds: ['v1'] }))[0]).toMatchObject({ crmModifiedAt: '2026-11-24T10:00:05.000Z', crmVersion: 'fp-one' });
			await store.saveLinks([link('v1', 'V1', { crmModifiedAt: null, crmVersion: null })]);
			expect((await store.getLinks('hubspot', 'contacts', { fieldflowIds: ['v1'] }))[0].crmVersion).toBe('fp-one');
			await store.saveLinks([link('v1', 'V1', { crmModifiedAt: '2026-11-24T10:00:09.000Z', crmVersion: 'fp-two' })]);
			expect((await store.getLinks('hubspot', 'contacts', { fieldflowIds: ['v1'] }))[0].crmVersion).toBe('fp-two');
		});

		test('a CRM id can be linked to only one FieldFlow record per object', async () => {
			await store.saveLinks([link('p1', 'dup')]);
			await expect(store.saveLinks([link('p9', 'x'), link('p2', 'dup')])).rejects.toThrow(/only one FieldFlow record/);
			// The batch is one transaction: p9 was not saved either.
			expect(await store.getLinks('hubspot', 'contacts', { fieldflowIds: ['p9', 'p2'] })).toEqual([]);
			// Same CRM id under another object or CRM is fine; many reservations (null) are fine.
			await store.saveLinks([link('p2', 'dup', { object: 'companies' }), link('p3', null), link('p4', null)]);
			expect(await store.getLinks('hubspot', 'contacts')).toHaveLength(3);
		});

		test('cursors: get/set, onlyForward never moves back (also with concurrent writers)', async () => {
			expect(await store.getCursor('hubspot', 'contacts')).toBeNull();
			expect(await store.setCursor('hubspot', 'contacts', '2024-05-01T10:00:00Z', { onlyForward: true })).toBe(true);
			expect(await store.getCursor('hubspot', 'contacts')).toBe('2024-05-01T10:00:00.000Z');
			expect(await store.setCursor('hubspot', 'contacts', '2024-05-01T09:59:59.999Z', { onlyForward: true })).toBe(
				false,
			);
			expect(await store.setCursor('hubspot', 'contacts', '2024-05-01T12:00:00+02:00', { onlyForward: true })).toBe(
				false,
			);
			expect(await store.getCursor('hubspot', 'contacts')).toBe('2024-05-01T10:00:00.000Z');
			expect(await store.setCursor('hubspot', 'contacts', '2024-05-01T10:00:01Z', { onlyForward: true })).toBe(true);
			// Without onlyForward the value is set as given (times normalised), even backwards.
			expect(await store.setCursor('hubspot', 'contacts', '2024-01-01T00:00:00Z')).toBe(true);
			expect(await store.getCursor('hubspot', 'contacts')).toBe('2024-01-01T00:00:00.000Z');
			await store.setCursor('hubspot', 'token', 'opaque-page-token');
			expect(await store.getCursor('hubspot', 'token')).toBe('opaque-page-token');
			expect(await store.getCursor('salesforce', 'token')).toBeNull();
			await expect(store.setCursor('hubspot', 'contacts', 'not a time', { onlyForward: true })).rejects.toThrow(
				/Invalid cursor value/,
			);

			const other = await open();
			const times = Array.from({ length: 30 }, (_, i) => new Date(Date.UTC(2024, 5, 1) + ((i * 7) % 30) * 60_000));
			await Promise.all(
				times.map((t, i) => (i % 2 ? store : other).setCursor('pipedrive', 'persons', t.toISOString(), { onlyForward: true })),
			);
			const max = new Date(Math.max(...times.map((t) => t.getTime()))).toISOString();
			expect(await store.getCursor('pipedrive', 'persons')).toBe(max);
		});

		test('logs: filters by date range, record type, status; newest first; pagination and total; prune', async () => {
			const entries = Array.from({ length: 40 }, (_, i) => logEntry(i));
			entries.push(logEntry(100, { crm: 'hubspot', recordType: 'contacts', time: '2024-05-02T00:30:00Z' }));
			expect(await store.log(entries)).toBe(41);

			const all = await store.queryLogs({ crm: 'salesforce', limit: 1000 });
			expect(all.total).toBe(40);
			expect(all.entries).toHaveLength(40);
			const times = all.entries.map((e) => e.time);
			expect([...times].sort().reverse()).toEqual(times);
			expect(all.entries[0]).toMatchObject({ fieldflowId: 'p39', crmId: 'sf39', recordType: 'Lead', status: 'success' });
			expect(typeof all.entries[0].id).toBe('number');

			const page1 = await store.queryLogs({ crm: 'salesforce', limit: 15 });
			const page2 = await store.queryLogs({ crm: 'salesforce', limit: 15, offset: 15 });
			const page3 = await store.queryLogs({ crm: 'salesforce', limit: 15, offset: 30 });
			expect(page1.total).toBe(40);
			expect([page1, page2, page3].map((p) => p.entries.length)).toEqual([15, 15, 10]);
			expect([...page1.entries, ...page2.entries, ...page3.entries].map((e) => e.id)).toEqual(
				all.entries.map((e) => e.id),
			);

			// 2024-05-01 covers hours 0..23 (entries 0..23); the bare date `to` means the end of that day.
			const day = await store.queryLogs({ crm: 'salesforce', from: '2024-05-01', to: '2024-05-01', limit: 100 });
			expect(day.total).toBe(24);
			const window = await store.queryLogs({ from: '2024-05-01T05:00:00Z', to: new Date('2024-05-01T09:00:00Z') });
			expect(window.entries.map((e) => e.fieldflowId)).toEqual(['p9', 'p8', 'p7', 'p6', 'p5']);

			const errors = await store.queryLogs({ crm: 'salesforce', status: 'error' });
			expect(errors.total).toBe(8);
			expect(errors.entries.every((e) => e.status === 'error')).toBe(true);
			const leads = await store.queryLogs({ recordType: 'Lead', status: ['success'] });
			expect(leads.total).toBe(entries.filter((e, i) => i < 40 && e.recordType === 'Lead' && e.status === 'success').length);
			const types = await store.queryLogs({ recordType: ['Lead', 'Event'], from: '2024-05-02T00:00:00Z' });
			expect(types.total).toBe(entries.filter((e) => ['Lead', 'Event'].includes(e.recordType) && e.time >= '2024-05-02').length);
			expect((await store.queryLogs({ crm: 'hubspot' })).entries[0]).toMatchObject({
				recordType: 'contacts',
				time: '2024-05-02T00:30:00.000Z',
			});

			expect(await store.pruneLogs('2024-05-02T00:00:00Z')).toBe(24);
			expect((await store.queryLogs({ limit: 0 })).total).toBe(17);
		});

		test('error queue: dedupe, take for retry (once), re-fail, resolve', async () => {
			const [e1, e2, e3] = await store.enqueueErrors([
				error('p1'),
				error('p2', { kind: 'rate_limit' }),
				error('p1', { direction: 'toFieldflow', crmId: '55' }),
			]);
			expect(e1).toMatchObject({ fieldflowId: 'p1', attempts: 1, state: 'open', kind: 'validation' });
			expect(new Set([e1.id, e2.id, e3.id]).size).toBe(3);

			// The same record and direction again: the open error is updated, not duplicated.
			const [again] = await store.enqueueErrors([
				error('p1', { message: 'still bad', payload: { id: 'p1', email: 'x@' } }),
			]);
			expect(again).toMatchObject({ id: e1.id, attempts: 2, message: 'still bad', payload: { id: 'p1', email: 'x@' } });
			expect(await store.listErrors()).toHaveLength(3);
			expect(await store.listErrors({ kind: 'rate_limit' })).toHaveLength(1);
			expect(await store.listErrors({ crm: 'hubspot' })).toHaveLength(0);

			// Two retry runs at once never take the same error.
			const other = await open();
			const [takenA, takenB] = await Promise.all([store.takeErrorsForRetry(), other.takeErrorsForRetry()]);
			expect(takenA.length + takenB.length).toBe(3);
			expect(new Set([...takenA, ...takenB].map((e) => e.id)).size).toBe(3);
			expect([...takenA, ...takenB].every((e) => e.state === 'retrying')).toBe(true);
			expect(await store.takeErrorsForRetry()).toEqual([]);
			// Still listed (the queue shows them until resolved).
			expect(await store.listErrors()).toHaveLength(3);

			// Retry of p1 failed again: back to open with attempts + 1; p2 succeeded: resolved.
			const [refailed] = await store.enqueueErrors([error('p1', { message: 'third time' })]);
			expect(refailed).toMatchObject({ id: e1.id, attempts: 3, state: 'open' });
			expect(await store.resolveErrors([e2.id])).toBe(1);
			expect(await store.resolveErrors([e2.id])).toBe(0);
			expect((await store.listErrors()).map((e) => e.id).sort()).toEqual([e1.id, e3.id].sort());
			const withResolved = await store.listErrors({ includeResolved: true });
			expect(withResolved).toHaveLength(3);
			expect(withResolved.find((e) => e.id === e2.id)).toMatchObject({ state: 'resolved' });
			expect(withResolved.find((e) => e.id === e2.id)!.resolvedAt).toBeTruthy();

			// Take by ids.
			expect((await store.takeErrorsForRetry([e1.id, e2.id])).map((e) => e.id)).toEqual([e1.id]);
			// A retry run that crashed: its errors become takeable after staleAfterMs.
			await new Promise((r) => setTimeout(r, 20));
			expect((await store.takeErrorsForRetry(undefined, { staleAfterMs: 5 })).map((e) => e.id).sort()).toEqual(
				[e1.id, e3.id].sort(),
			);

			// After resolution the same record can fail again: a new queue item.
			await store.resolveErrors([e1.id, e3.id]);
			const [fresh] = await store.enqueueErrors([error('p1')]);
			expect(fresh.id).not.toBe(e1.id);
			expect(fresh.attempts).toBe(1);

			// limit
			await store.enqueueErrors(Array.from({ length: 5 }, (_, i) => error(`q${i}`)));
			expect(await store.takeErrorsForRetry(undefined, { limit: 2 })).toHaveLength(2);
			expect(await store.takeErrorsForRetry(undefined, { limit: 10, crm: 'pipedrive' })).toHaveLength(4);
		});

		test('conflicts: add (one open per record), list, resolve once', async () => {
			const fields = [{ field: 'email', fieldflow: 'a@x.com', crm: 'b@x.com', baseline: 'old@x.com' }];
			const [c1] = await store.addConflicts([
				{ crm: 'hubspot', object: 'contacts', fieldflowId: 'p1', crmId: '101', fields },
				{ crm: 'salesforce', object: 'Lead', fieldflowId: 'p2', crmId: '00Q2', fields },
			]);
			expect(c1).toMatchObject({ crm: 'hubspot', fieldflowId: 'p1', crmId: '101', fields, resolvedAt: null });
			const newer = [{ field: 'phone', fieldflow: '1', crm: '2', baseline: '0' }];
			const [same] = await store.addConflicts([
				{ crm: 'hubspot', object: 'contacts', fieldflowId: 'p1', crmId: '101', fields: newer },
			]);
			expect(same.id).toBe(c1.id);
			expect(same.fields).toEqual(newer);
			expect(await store.listConflicts()).toHaveLength(2);
			expect(await store.listConflicts({ crm: 'salesforce' })).toHaveLength(1);

			const resolved = await store.resolveConflict(c1.id, 'crm');
			expect(resolved).toMatchObject({ id: c1.id, resolution: 'crm', fields: newer, fieldflowId: 'p1', crmId: '101' });
			expect(resolved!.resolvedAt).toBeTruthy();
			expect(await store.resolveConflict(c1.id, 'fieldflow')).toBeNull();
			expect(await store.resolveConflict(999_999, 'fieldflow')).toBeNull();
			expect(await store.listConflicts()).toHaveLength(1);
			expect(await store.listConflicts({ includeResolved: true })).toHaveLength(2);
			await expect(store.resolveConflict(c1.id, 'both' as 'crm')).rejects.toThrow(/Invalid conflict side/);
		});

		test('disconnect keeps all data; reconnect', async () => {
			await store.saveLinks([link('p1', 'c1')]);
			await store.setCursor('hubspot', 'contacts', '2024-05-01T00:00:00Z');
			expect(await store.isConnected('hubspot')).toBe(true);
			await store.setConnected('hubspot', false);
			expect(await store.isConnected('hubspot')).toBe(false);
			expect(await store.isConnected('salesforce')).toBe(true);
			await expect((await open()).isConnected('hubspot')).resolves.toBe(false);
			expect(await store.getLinks('hubspot', 'contacts')).toHaveLength(1);
			expect(await store.getCursor('hubspot', 'contacts')).toBe('2024-05-01T00:00:00.000Z');
			expect(await store.summary('hubspot')).toMatchObject({ connected: false, syncedByType: { contacts: 1 } });
			expect((await store.summary()).connected).toBe(false);
			expect((await store.summary('salesforce')).connected).toBe(true);
			await store.setConnected('hubspot', true);
			expect(await store.isConnected('hubspot')).toBe(true);
			expect((await store.summary()).connected).toBe(true);
		});

		test('summary: member records by type, each counted once (a shared organization), only those of synced links, per CRM', async () => {
			const pd = (id: string, crmId: string, status: Link['status'], members?: Record<string, string>) => link(id, crmId, { crm: 'pipedrive', object: 'persons', status, members });
			const hs = (id: string, crmId: string, members?: Record<string, string>) => link(id, crmId, { members });
			// 5 synced persons over 2 organizations with 4 deals (p5 has no deal yet); a pending and a
			// conflict link name an organization and deals nobody else names: not counted.
			await store.saveLinks([
				pd('p1', '1', 'synced', { organizations: '10', deals: '100' }),
				pd('p2', '2', 'synced', { organizations: '10', deals: '101' }),
				pd('p3', '3', 'synced', { organizations: '11', deals: '102' }),
				pd('p4', '4', 'synced', { organizations: '11', deals: '103' }),
				// p5's deal was deleted in Pipedrive and unlinked: not counted.
				pd('p5', '5', 'synced', { organizations: '10', '!deals': '99' }),
				pd('p6', '6', 'pending', { organizations: '12', deals: '104' }),
				pd('p7', '7', 'conflict', { organizations: '13', deals: '105' }),
				pd('p8', '8', 'synced'),
				// HubSpot ids that look like Pipedrive's are other records: counted for HubSpot.
				hs('h1', 'H1', { companies: '10', deals: '100' }),
				hs('h2', 'H2', { companies: '10', deals: '200' }),
			]);
			const p = await store.summary('pipedrive');
			expect(p.syncedByType).toEqual({ persons: 6 });
			expect(p.membersByType).toEqual({ organizations: 2, deals: 4 });
			expect((await store.summary('hubspot')).membersByType).toEqual({ companies: 1, deals: 2 });
			expect((await store.summary()).membersByType).toEqual({ organizations: 2, companies: 1, deals: 6 });
			// A CRM whose links name no member has none.
			expect((await store.summary('salesforce')).membersByType).toBeUndefined();
		});

		test('summary: numbers match what was inserted', async () => {
			expect(await store.summary('salesforce')).toEqual({
				crm: 'salesforce',
				connected: true,
				lastSyncAt: null,
				syncedByType: {},
				pending: 0,
				errors: 0,
				conflicts: 0,
			});
			const sf = (fieldflowId: string, object: string, status: Link['status'], crmId: string | null) =>
				link(fieldflowId, crmId, { crm: 'salesforce', object, status });
			await store.saveLinks([
				sf('p1', 'Lead', 'synced', 'L1'),
				sf('p2', 'Lead', 'synced', 'L2'),
				sf('p3', 'Lead', 'pending', 'L3'),
				sf('p4', 'Contact', 'synced', 'C4'),
				sf('p5', 'Contact', 'error', 'C5'),
				sf('p6', 'Contact', 'conflict', 'C6'),
				sf('m1', 'Event', 'synced', 'E1'),
				link('h1', 'H1'),
				link('h2', 'H2', { status: 'pending' }),
			]);
			await store.reserveLink('salesforce', 'Lead', 'p7');
			await store.log([
				logEntry(1, { time: '2024-05-03T10:00:00Z' }),
				logEntry(2, { time: '2024-05-03T11:00:00Z', status: 'error' }),
				logEntry(3, { time: '2024-05-03T09:00:00Z' }),
				logEntry(4, { time: '2024-05-04T09:00:00Z', crm: 'hubspot' }),
			]);
			const errs = await store.enqueueErrors([
				error('p5', { crm: 'salesforce', object: 'Contact' }),
				error('p8', { crm: 'salesforce', object: 'Lead' }),
				error('p9', { crm: 'salesforce', object: 'Lead' }),
				error('h3', { crm: 'hubspot', object: 'contacts' }),
			]);
			await store.resolveErrors([errs[2].id]);
			await store.takeErrorsForRetry([errs[1].id]); // retrying still counts as an open error
			const [conflict] = await store.addConflicts([
				{ crm: 'salesforce', object: 'Contact', fieldflowId: 'p6', crmId: 'C6', fields: [] },
				{ crm: 'salesforce', object: 'Lead', fieldflowId: 'p3', crmId: 'L3', fields: [] },
			]);
			await store.addConflicts([{ crm: 'hubspot', object: 'contacts', fieldflowId: 'h1', crmId: 'H1', fields: [] }]);
			await store.resolveConflict(conflict.id, 'fieldflow');

			expect(await store.summary('salesforce')).toEqual({
				crm: 'salesforce',
				connected: true,
				lastSyncAt: '2024-05-03T10:00:00.000Z',
				syncedByType: { Lead: 2, Contact: 1, Event: 1 },
				pending: 2,
				errors: 2,
				conflicts: 1,
			});
			expect(await store.summary()).toEqual({
				crm: null,
				connected: true,
				lastSyncAt: '2024-05-04T09:00:00.000Z',
				syncedByType: { Lead: 2, Contact: 1, Event: 1, contacts: 1 },
				pending: 3,
				errors: 3,
				conflicts: 2,
			});
		});

		test('10,000 links in one saveLinks call are fast', async () => {
			const links = Array.from({ length: 10_000 }, (_, i) =>
				link(`bulk-${i}`, `crm-${i}`, { crm: 'salesforce', object: 'Contact', lastSyncedAt: new Date().toISOString() }),
			);
			let t = Date.now();
			expect(await store.saveLinks(links)).toBe(10_000);
			const insertMs = Date.now() - t;
			t = Date.now();
			expect(await store.saveLinks(links.map((l) => ({ ...l, baseline: { ...l.baseline, phone: '1' } })))).toBe(10_000);
			const updateMs = Date.now() - t;
			t = Date.now();
			const back = await store.getLinks('salesforce', 'Contact', { fieldflowIds: links.map((l) => l.fieldflowId) });
			const getMs = Date.now() - t;
			expect(back).toHaveLength(10_000);
			expect(back[0].baseline).toMatchObject({ phone: '1' });
			expect((await store.summary('salesforce')).syncedByType).toEqual({ Contact: 10_000 });
			// eslint-disable-next-line no-console
			console.log(
				`[store ${name}] 10,000 links: insert ${insertMs} ms, update ${updateMs} ms, get by ids ${getMs} ms`,
			);
			expect(insertMs).toBeLessThan(3_000);
			expect(updateMs).toBeLessThan(3_000);
		});

		test('secret guard: payloads with credential keys are refused; messages are redacted', async () => {
			await expect(
				store.saveLinks([link('p1', 'c1', { baseline: { email: 'a@b.c', auth: { accessToken: 'x' } } })]),
			).rejects.toThrow(SecretInPayloadError);
			await expect(store.enqueueErrors([error('p1', { payload: { items: [{ api_key: 'k' }] } })])).rejects.toThrow(
				/items\[0\]\.api_key/,
			);
			for (const key of ['refreshToken', 'apiKey', 'password', 'clientSecret', 'apiToken', 'ACCESS_TOKEN']) {
				await expect(store.enqueueErrors([error('p1', { payload: { [key]: 'v' } })])).rejects.toThrow(
					SecretInPayloadError,
				);
			}
			await expect(
				store.addConflicts([
					{
						crm: 'hubspot',
						object: 'contacts',
						fieldflowId: 'p1',
						crmId: '1',
						fields: [{ field: 'x', fieldflow: { password: 'p' }, crm: null, baseline: null }],
					},
				]),
			).rejects.toThrow(SecretInPayloadError);
			expect(await store.getLinks('hubspot', 'contacts')).toEqual([]);
			expect(await store.listErrors()).toEqual([]);
			expect(await store.listConflicts()).toEqual([]);

			// Values are fine, only keys are refused (a prospect note may mention a password).
			await store.saveLinks([link('p1', 'c1', { baseline: { notes: 'asked to reset password' } })]);
			await store.log([logEntry(1, { message: 'call failed: Authorization: Bearer eyJhbGciOi.secret' })]);
			const [e] = await store.enqueueErrors([error('p2', { message: 'refused access_token=abc123 for request' })]);
			expect((await store.queryLogs()).entries[0].message).not.toContain('eyJhbGciOi');
			expect(e.message).not.toContain('abc123');
		});

		describe('commit (nodes/shared/sync/commit.ts): one transaction', () => {
			/** Everything the store holds, for before/after comparisons. */
			const state = async () => ({
				links: await target.sql('SELECT fieldflow_id, crm_id, status, baseline, message FROM ff_links ORDER BY fieldflow_id'),
				errors: await target.sql('SELECT fieldflow_id, kind, state, resolved_at FROM ff_errors ORDER BY id'),
				conflicts: await target.sql('SELECT fieldflow_id, resolved_at FROM ff_conflicts ORDER BY id'),
				logs: await target.sql('SELECT COUNT(*) AS n FROM ff_logs'),
			});
			const items = () => [
				// a create that succeeded (fills its reservation), a failed update, a conflict, a matched pair
				{ email: 'a@x.example', id: 'c-a', success: true, created: true, _sync: { kind: 'write', target: 'crm', action: 'createInCrm', crm: 'hubspot', object: 'contacts', fieldflowId: 'pa', crmId: null, baseline: { email: 'a@x.example' }, fields: { email: 'a@x.example' }, reason: 'new' } },
				{ phone: '2', id: 'c-b', success: false, error: 'rejected', errorKind: 'validation', _sync: { kind: 'write', target: 'crm', action: 'updateCrm', crm: 'hubspot', object: 'contacts', fieldflowId: 'pb', crmId: 'c-b', baseline: { phone: '2' }, fields: { phone: '2' }, reason: 'edited' } },
				{ _sync: { kind: 'conflict', crm: 'hubspot', object: 'contacts', fieldflowId: 'pc', crmId: 'c-c', conflicts: [{ field: 'phone', fieldflow: '1', crm: '2', baseline: '0' }], baseline: {}, reason: 'both edited' } },
				{ _sync: { kind: 'unchanged', crm: 'hubspot', object: 'contacts', fieldflowId: 'pd', crmId: 'c-d', action: 'unchanged', reason: 'matched by email', link: link('pd', 'c-d') } },
			];

			test('all of a run lands together: links, statuses, the error queue, conflicts, logs', async () => {
				await store.reserveLink('hubspot', 'contacts', 'pa');
				await store.saveLinks([link('pb', 'c-b'), link('pc', 'c-c')]);
				const planned = planCommit(items(), { now: '2026-11-30T10:00:00.000Z' });
				await commit(store, planned.batch);
				const links = Object.fromEntries((await store.getLinks('hubspot', 'contacts')).map((l) => [l.fieldflowId, [l.crmId, l.status]]));
				expect(links).toEqual({ pa: ['c-a', 'synced'], pb: ['c-b', 'error'], pc: ['c-c', 'conflict'], pd: ['c-d', 'synced'] });
				const errors = await store.listErrors();
				expect(errors.map((e) => [e.fieldflowId, e.kind])).toEqual([['pb', 'validation']]);
				expect(planned.results.find((r) => r.fieldflowId === 'pb')?.errorId).toBe(errors[0].id);
				expect((await store.listConflicts()).map((c) => c.fieldflowId)).toEqual(['pc']);
				expect((await store.queryLogs()).total).toBe(3);
			});

			test('a failure mid-commit leaves the store exactly as before the run', async () => {
				await store.reserveLink('hubspot', 'contacts', 'pa');
				await store.saveLinks([link('pb', 'c-b'), link('pc', 'c-c')]);
				await store.enqueueErrors([{ crm: 'hubspot', object: 'contacts', direction: 'toCrm', fieldflowId: 'pa', kind: 'rate_limit', message: 'earlier 429', payload: {} }]);
				const before = await state();
				const bad = items();
				// The failed update's payload names a secret: the error queue refuses it, after the
				// links, statuses and reservations of this commit were already written in its transaction.
				(bad[1] as Record<string, unknown>).apiKey = 'not-to-be-stored';
				const planned = planCommit(bad, { now: '2026-11-30T10:00:00.000Z' });
				expect(planned.batch.links.length).toBeGreaterThan(0);
				await expect(commit(store, planned.batch)).rejects.toThrow(SecretInPayloadError);
				expect(await state()).toEqual(before);
				// The store is usable afterwards, and the same run commits once the item is fixed.
				await commit(store, planCommit(items(), { now: '2026-11-30T10:01:00.000Z' }).batch);
				expect((await state()).links).toHaveLength(4);
				// The earlier error of the created record is settled by its successful create.
				expect((await store.listErrors()).map((e) => e.fieldflowId)).toEqual(['pb']);
			});
		});
	});
}

// ---------------------------------------------------------------------------------------------- SQLite

function sqliteBackend(driver?: SqliteDriverName): Backend {
	let dir = '';
	let n = 0;
	return {
		async setup() {
			dir = mkdtempSync(join(tmpdir(), 'ff-store-'));
		},
		async teardown() {
			rmSync(dir, { recursive: true, force: true });
		},
		async newTarget() {
			const path = join(dir, `t${++n}`, 'sync.sqlite');
			return {
				open: async () => {
					const store = await openStore({ kind: 'sqlite', path, driver });
					if (driver) expect(store.info.driver).toBe(driver);
					return store;
				},
				sql: async (query) => {
					const Database = require('better-sqlite3');
					const db = new Database(path, { readonly: true });
					try {
						return db.prepare(query).all() as Rows;
					} finally {
						db.close();
					}
				},
				dispose: async () => undefined,
			};
		},
	};
}

// ---------------------------------------------------------------------------------------------- PostgreSQL

function postgresBackend(): Backend {
	let server: TestPostgres | null = null;
	let n = 0;
	const { Client } = require('pg') as typeof import('pg');
	const admin = async <T>(database: string, fn: (c: InstanceType<typeof Client>) => Promise<T>): Promise<T> => {
		const c = new Client({ host: server!.host, port: server!.port, user: server!.user, database });
		await c.connect();
		try {
			return await fn(c);
		} finally {
			await c.end();
		}
	};
	return {
		async setup() {
			server = await startPostgres();
			// eslint-disable-next-line no-console
			console.log(`[store PostgreSQL] throwaway server ready in ${server.startupMs} ms`);
		},
		async teardown() {
			await server?.stop();
		},
		async newTarget() {
			if (!server) throw new Error('PostgreSQL did not start (see the beforeAll error)');
			const database = `t${++n}`;
			await admin('postgres', (c) => c.query(`CREATE DATABASE ${database}`));
			const connectionString = `postgresql://${server.user}@${server.host}:${server.port}/${database}`;
			return {
				open: () => openStore({ kind: 'postgres', connectionString }),
				sql: (query) => admin(database, async (c) => (await c.query(query)).rows),
				dispose: () => admin('postgres', (c) => c.query(`DROP DATABASE IF EXISTS ${database}`)).then(() => undefined),
			};
		},
	};
}

describeStore('SQLite', sqliteBackend());
// n8n 1.x installed from the Community Nodes page has no better-sqlite3: the store runs on the
// sqlite3 module n8n itself runs on, found from n8n's entry point (process.argv[1] under n8n).
const N8N_V1_BIN = join(__dirname, '..', '..', '..', '.n8n-runtime', 'v1', 'node_modules', 'n8n', 'bin', 'n8n');
if (!existsSync(N8N_V1_BIN)) throw new Error(`n8n 1.x not found at ${N8N_V1_BIN}: run \`node scripts/ensure-n8n.js v1\` to test the sqlite3 driver.`);
process.argv[1] = N8N_V1_BIN;
describeStore("SQLite on n8n 1.x's own sqlite3", sqliteBackend('sqlite3'));
describeStore('PostgreSQL', postgresBackend());

describe('defaultSqlitePath', () => {
	test('uses N8N_USER_FOLDER/.n8n, else the home directory', () => {
		expect(defaultSqlitePath({ N8N_USER_FOLDER: '/data/n8n' })).toBe('/data/n8n/.n8n/fieldflow-sync.sqlite');
		expect(defaultSqlitePath({ HOME: '/home/node' })).toBe('/home/node/.n8n/fieldflow-sync.sqlite');
	});
});
