/**
 * Overlapping runs (two executions, queue-mode workers): a record read before another run wrote it
 * and saved the link is older than the version the link recorded — it must not count as a change,
 * or the run writes the old value back over the edit the other run just carried across.
 */
import { decide, type DecideOptions } from '../../../nodes/shared/sync/merge';
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
});
