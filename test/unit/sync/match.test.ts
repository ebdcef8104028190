import { findDuplicatesIn, matchRecords, normalizeName, type MatchKey } from '../../../nodes/shared/sync/match';
import type { CanonicalFields, Link, SyncRecord } from '../../../nodes/shared/sync/types';

const T = '2026-11-24T10:00:00.000Z';
const ff = (id: string, fields: CanonicalFields): SyncRecord => ({ side: 'fieldflow', crm: 'hubspot', object: 'contacts', id, modifiedAt: T, fields });
const crm = (id: string, fields: CanonicalFields): SyncRecord => ({ side: 'crm', crm: 'hubspot', object: 'contacts', id, modifiedAt: T, fields });
const link = (fieldflowId: string, crmId: string | null): Link => ({ crm: 'hubspot', object: 'contacts', fieldflowId, crmId, baseline: {}, status: 'synced' });

const summary = (r: ReturnType<typeof matchRecords>) => ({
	pairs: r.pairs.map((p) => `${p.fieldflow.id}=${p.crm.id}:${p.matchedBy}`),
	ff: r.unmatchedFieldflow.map((u) => u.record.id + (u.link ? '(linked)' : '')),
	crm: r.unmatchedCrm.map((u) => u.record.id + (u.link ? '(linked)' : '')),
});

describe('matchRecords', () => {
	test('by link, then external id, then email, then company + contact name', () => {
		const r = matchRecords(
			[
				ff('pr_1', { email: 'a@x.test' }),
				ff('pr_2', { email: 'b@x.test' }),
				ff('pr_3', { email: ' C@X.Test ' }),
				ff('pr_4', { company_name: 'Café Müller GmbH', contact_name: 'Jo  Smith' }),
				ff('pr_5', { email: 'e@x.test', crm_id: '105' }),
				ff('pr_6', { email: 'nobody@x.test' }),
			],
			[
				crm('101', { email: 'zzz@x.test' }),
				crm('102', { email: 'other@x.test', fieldflow_id: 'pr_2' }),
				crm('103', { email: 'c@x.test' }),
				crm('104', { company_name: 'cafe muller gmbh', contact_name: 'jo smith' }),
				crm('105', { email: 'different@x.test' }),
				crm('106', { email: 'lonely@x.test' }),
			],
			{ links: [link('pr_1', '101')] },
		);
		expect(summary(r)).toEqual({
			pairs: ['pr_1=101:link', 'pr_2=102:externalId', 'pr_5=105:externalId', 'pr_3=103:email', 'pr_4=104:name'],
			ff: ['pr_6'],
			crm: ['106'],
		});
		expect(r.pairs[0].link?.crmId).toBe('101');
		expect(r.pairs[1].link).toBeUndefined();
	});

	test('never matches one record twice (duplicate emails pair in input order)', () => {
		const r = matchRecords(
			[ff('pr_1', { email: 'dup@x.test' }), ff('pr_2', { email: 'DUP@x.test' }), ff('pr_3', { email: 'dup@x.test' })],
			[crm('201', { email: 'dup@x.test' }), crm('202', { email: 'dup@x.test' })],
		);
		expect(summary(r)).toEqual({ pairs: ['pr_1=201:email', 'pr_2=202:email'], ff: ['pr_3'], crm: [] });
		const crmIds = r.pairs.map((p) => p.crm.id);
		expect(new Set(crmIds).size).toBe(crmIds.length);
	});

	test('a record matched by an earlier key is not matched again by a later one', () => {
		const r = matchRecords(
			[ff('pr_1', { email: 'a@x.test' }), ff('pr_2', { email: 'a@x.test' })],
			[crm('301', { email: 'a@x.test' }), crm('302', { email: 'q@x.test' })],
			{ links: [link('pr_2', '301')] },
		);
		expect(summary(r)).toEqual({ pairs: ['pr_2=301:link'], ff: ['pr_1'], crm: ['302'] });
	});

	test('linked records are only matched through their link, and come back unmatched with it when the counterpart is absent', () => {
		// pr_1 is linked to 401, which is not in this (incremental) batch; 402 shares its email but must not be paired.
		const r = matchRecords([ff('pr_1', { email: 'a@x.test' })], [crm('402', { email: 'a@x.test' }), crm('403', { email: 'b@x.test' })], {
			links: [link('pr_1', '401'), link('pr_9', '403')],
		});
		expect(summary(r)).toEqual({ pairs: [], ff: ['pr_1(linked)'], crm: ['402', '403(linked)'] });
		expect(r.unmatchedFieldflow[0].link?.crmId).toBe('401');
	});

	test('a link whose CRM create is in flight (crmId null) reserves the prospect', () => {
		const r = matchRecords([ff('pr_1', { email: 'a@x.test' })], [crm('501', { email: 'a@x.test' })], { links: [link('pr_1', null)] });
		expect(summary(r)).toEqual({ pairs: [], ff: ['pr_1(linked)'], crm: ['501'] });
	});

	test('configurable order and keys', () => {
		const ffs = [ff('pr_1', { email: 'a@x.test', company_name: 'Acme', contact_name: 'Ada' })];
		const crms = [crm('601', { email: 'a@x.test' }), crm('602', { company_name: 'ACME', contact_name: 'ada' })];
		const by = (order: MatchKey[]) => summary(matchRecords(ffs, crms, { order })).pairs;
		expect(by(['email', 'name'])).toEqual(['pr_1=601:email']);
		expect(by(['name', 'email'])).toEqual(['pr_1=602:name']);
		expect(by(['link'])).toEqual([]);
	});

	test('custom external id fields', () => {
		const r = matchRecords([ff('pr_1', { 'custom_fields.sf_id': '00Q7' })], [crm('00Q7', {})], { fieldflowExternalIdField: 'custom_fields.sf_id', order: ['externalId'] });
		expect(summary(r).pairs).toEqual(['pr_1=00Q7:externalId']);
	});

	test('empty emails and empty contact names never match', () => {
		const r = matchRecords([ff('pr_1', { email: '', company_name: 'Acme', contact_name: '' }), ff('pr_2', { email: null })], [crm('701', { email: '  ', company_name: 'Acme', contact_name: null }), crm('702', {})]);
		expect(r.pairs).toEqual([]);
	});

	test('normalizeName', () => {
		expect(normalizeName('  Café  Müller, GmbH. ')).toBe('cafe muller gmbh');
		expect(normalizeName(null)).toBe('');
	});

	test('scales linearly: 20,000 × 20,000 by email well under a second', () => {
		const n = 20_000;
		const ffs = Array.from({ length: n }, (_, i) => ff(`pr_${i}`, { email: `u${i}@x.test` }));
		const crms = Array.from({ length: n }, (_, i) => crm(String(n - i), { email: `U${n - 1 - i}@x.test` }));
		const t = Date.now();
		const r = matchRecords(ffs, crms);
		expect(Date.now() - t).toBeLessThan(1500);
		expect(r.pairs).toHaveLength(n);
		expect(r.unmatchedCrm).toHaveLength(0);
	});
});

describe('findDuplicatesIn (the duplicate check against a full listing)', () => {
	const hits = (r: ReturnType<typeof findDuplicatesIn>, list: SyncRecord[]) => Object.fromEntries(r.map((d) => [d.ref, d.matches.map((m) => `${list[m.index].id}:${m.matchedOn}`)]));

	test('email: trimmed and case-insensitive, any of a record’s emails; empty emails never match', () => {
		const list = [crm('1', { email: 'A@x.test' }), crm('2', { email: 'b@x.test' }), crm('3', { email: '' }), crm('4', { email: 'a@x.test ' })];
		const r = findDuplicatesIn(
			[
				{ ref: 'a', email: ' a@X.test' },
				{ ref: 'c', email: 'second@x.test' },
				{ ref: 'e', email: '' },
				{ ref: 'none', email: 'nobody@x.test' },
			],
			list,
			(rec, i) => [rec.fields.email, ...(i === 1 ? ['Second@x.test'] : [])],
		);
		expect(hits(r, list)).toEqual({ a: ['1:email', '4:email'], c: ['2:email'], e: [], none: [] });
	});

	test('without an email: company + contact name (normalised like matchRecords), or the contact name alone on a record without a company', () => {
		const list = [
			crm('1', { company_name: 'Café Müller GmbH', contact_name: 'Jo Smith' }),
			crm('2', { company_name: 'Other Co', contact_name: 'Jo Smith' }),
			crm('3', { contact_name: 'jo  smith' }),
			crm('4', { company_name: 'Café Müller GmbH', contact_name: '' }),
		];
		const r = findDuplicatesIn(
			[
				{ ref: 'p', company: 'cafe muller gmbh', name: 'JO SMITH' },
				{ ref: 'q', company: 'Nowhere Ltd', name: 'Jo Smith' },
				{ ref: 'noName', company: 'Café Müller GmbH', name: '' },
				{ ref: 'emailOnly', email: 'jo@x.test' },
			],
			list,
		);
		expect(hits(r, list)).toEqual({ p: ['1:name', '3:name'], q: ['3:name'], noName: [], emailOnly: [] });
	});

	test('email matches come first and a record is listed once', () => {
		const list = [crm('1', { company_name: 'Acme', contact_name: 'Al', email: 'al@acme.test' })];
		const r = findDuplicatesIn([{ ref: 'x', email: 'al@acme.test', company: 'Acme', name: 'Al' }], list);
		expect(hits(r, list)).toEqual({ x: ['1:email'] });
	});
});
