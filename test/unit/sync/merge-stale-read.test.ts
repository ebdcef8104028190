/**
 * Overlapping runs (two executions, queue-mode workers): a record read before another run wrote it
 * and saved the link is older than the version the link recorded — it must not count as a change,
 * or the run writes the old value back over the edit the other run just carried across.
 */
import { decide, versionFingerprint, type DecideOptions } from '../../../nodes/shared/sync/merge';
import type { CanonicalFields, Link, SyncRecord } from '../../../nodes/shared/sync/types';

const OPTIONS: DecideOptions = { direction: 'bidirectional', strategy: 'newestWins', notFound: 'unlink' };
const EDITED: CanonicalFields = { email: 'ada@acme.test', phone: '+1 555 9000' };
const OLD: CanonicalFields = { email: 'ada@acme.test', phone: '+1 555 1005' };
const ff = (fields: CanonicalFields, modifiedAt: string): SyncRecord => ({ side: 'fieldflow', crm: 'pipedrive', object: 'persons', id: 'pr_1', modifiedAt, fields });
const crm = (fields: CanonicalFields, modifiedAt: string): SyncRecord => ({ side: 'crm', crm: 'pipedrive', object: 'persons', id: '12', modifiedAt, fields });
const link = (extra: Partial<Link>): Link => ({ crm: 'pipedrive', object: 'persons', fieldflowId: 'pr_1', crmId: '12', baseline: EDITED, status: 'synced', ...extra });

describe('stale reads of overlapping runs', () => {
	it('FieldFlow read before another run wrote the CRM edit there: unchanged, the edit is not written back', () => {
		// Run A read the CRM edit (10:00:05), wrote it to FieldFlow (answer: 10:00:06.500) and saved the link.
		const l = link({ fieldflowModifiedAt: '2026-11-24T10:00:06.500Z', crmModifiedAt: '2026-11-24T10:00:05.000Z' });
		// Run B read FieldFlow before A's write (still the old phone, older version) and the CRM after the edit.
		const d = decide({ fieldflow: ff(OLD, '2026-11-24T09:00:00.000Z'), crm: crm(EDITED, '2026-11-24T10:00:05.000Z'), link: l }, OPTIONS);
		expect(d.actions).toEqual(['unchanged']);
	});

	it('CRM read before another run wrote the FieldFlow edit there: unchanged (the link keeps the version that run read)', () => {
		// Run A read FieldFlow's edit (10:00:05.200) and the CRM at version 09:00:00, wrote the CRM, saved the link.
		const l = link({ fieldflowModifiedAt: '2026-11-24T10:00:05.200Z', crmModifiedAt: '2026-11-24T09:00:00.000Z' });
		const d = decide({ fieldflow: ff(EDITED, '2026-11-24T10:00:05.200Z'), crm: crm(OLD, '2026-11-24T09:00:00.000Z'), link: l }, OPTIONS);
		expect(d.actions).toEqual(['unchanged']);
	});

	it('a newer version is a change as before, on either side', () => {
		const l = link({ fieldflowModifiedAt: '2026-11-24T10:00:06.500Z', crmModifiedAt: '2026-11-24T10:00:05.000Z' });
		const later = decide({ fieldflow: ff(EDITED, '2026-11-24T10:00:06.500Z'), crm: crm({ ...EDITED, phone: '+1 555 1234' }, '2026-11-24T10:05:00.000Z'), link: l }, OPTIONS);
		expect(later.actions).toEqual(['updateFieldflow']);
		expect(later.toFieldflow).toEqual({ phone: '+1 555 1234' });
		const ffLater = decide({ fieldflow: ff({ ...EDITED, phone: '+1 555 4321' }, '2026-11-24T10:06:00.000Z'), crm: crm(EDITED, '2026-11-24T10:00:05.000Z'), link: l }, OPTIONS);
		expect(ffLater.toCrm).toEqual({ phone: '+1 555 4321' });
	});

	it('without recorded versions, or on a link in conflict, values decide as before', () => {
		const noVersions = decide({ fieldflow: ff(OLD, '2026-11-24T09:00:00.000Z'), crm: crm(EDITED, '2026-11-24T10:00:05.000Z'), link: link({}) }, OPTIONS);
		expect(noVersions.toCrm).toEqual({ phone: '+1 555 1005' });
		const conflict = decide(
			{ fieldflow: ff(OLD, '2026-11-24T09:00:00.000Z'), crm: crm(EDITED, '2026-11-24T10:00:05.000Z'), link: link({ status: 'conflict', fieldflowModifiedAt: '2026-11-24T10:00:06.500Z' }) },
			OPTIONS,
		);
		expect(conflict.toCrm).toEqual({ phone: '+1 555 1005' });
	});

	describe('CRM clocks of whole seconds (Salesforce SystemModstamp, Pipedrive update_time)', () => {
		// Run A read the CRM at version 10:00:05 (OLD) and wrote FieldFlow's edit there; the link
		// recorded that version with the fingerprint of its values.
		const l = link({ fieldflowModifiedAt: '2026-11-24T10:00:05.200Z', crmModifiedAt: '2026-11-24T10:00:05.000Z', crmVersion: versionFingerprint(OLD) });

		it('the same version read again (a run that read before the write) is still stale: the edit is not written back', () => {
			const d = decide({ fieldflow: ff(EDITED, '2026-11-24T10:00:05.200Z'), crm: crm(OLD, '2026-11-24T10:00:05.000Z'), link: l }, OPTIONS);
			expect(d.actions).toEqual(['unchanged']);
		});

		it('an edit made later in that same second (same stamp, other values) is a change, not skipped', () => {
			// The last run read the CRM at 10:00:05 with the synced values; a user edited the email within that second.
			const synced = link({ fieldflowModifiedAt: '2026-11-24T10:00:04.200Z', crmModifiedAt: '2026-11-24T10:00:05.000Z', crmVersion: versionFingerprint(EDITED) });
			const edit = { ...EDITED, email: 'ada.lovelace@acme.test' };
			const d = decide({ fieldflow: ff(EDITED, '2026-11-24T10:00:04.200Z'), crm: crm(edit, '2026-11-24T10:00:05.000Z'), link: synced }, OPTIONS);
			expect(d.toFieldflow).toEqual({ email: 'ada.lovelace@acme.test' });
		});

		it('a stamp with milliseconds (HubSpot) or a link without a fingerprint keeps the plain rule', () => {
			const ms = link({ fieldflowModifiedAt: '2026-11-24T10:00:05.200Z', crmModifiedAt: '2026-11-24T10:00:05.123Z', crmVersion: versionFingerprint(OLD) });
			expect(decide({ fieldflow: ff(EDITED, '2026-11-24T10:00:05.200Z'), crm: crm({ ...OLD, email: 'x@acme.test' }, '2026-11-24T10:00:05.123Z'), link: ms }, OPTIONS).actions).toEqual(['unchanged']);
			const old = link({ fieldflowModifiedAt: '2026-11-24T10:00:05.200Z', crmModifiedAt: '2026-11-24T10:00:05.000Z' });
			expect(decide({ fieldflow: ff(EDITED, '2026-11-24T10:00:05.200Z'), crm: crm({ ...OLD, email: 'x@acme.test' }, '2026-11-24T10:00:05.000Z'), link: old }, OPTIONS).actions).toEqual(['unchanged']);
		});

		it('the fingerprint holds no value and ignores formatting', () => {
			expect(versionFingerprint({ email: 'ADA@acme.test ', phone: '+1 555 1005' })).toBe(versionFingerprint({ phone: '+1 555 1005', email: 'ada@acme.test' }));
			expect(versionFingerprint(OLD)).not.toContain('555');
		});
	});
});
