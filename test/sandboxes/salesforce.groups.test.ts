/**
 * The Salesforce sandbox's record groups as the real jsforce SDK (and raw fetch) sees them:
 * Account ← Contact (AccountId) ← OpportunityContactRole → Opportunity (AccountId), reference
 * validation, required fields, lead conversion through the control endpoint (the converted Lead
 * read-only and still queryable), and the SOQL a group reader sends.
 */
for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[k];

import { Connection } from 'jsforce';
import { SalesforceSandbox } from './salesforce';

type Rec = Record<string, unknown> & { Id: string };

describe('Salesforce sandbox record groups through jsforce', () => {
	const sb = new SalesforceSandbox();
	let conn: Connection;
	let api: string;

	beforeAll(async () => {
		await sb.start(0);
		api = `${sb.url}/services/data/v62.0`;
	});
	afterAll(() => sb.stop());
	beforeEach(() => {
		sb.reset();
		sb.seedSample();
		conn = new Connection({ instanceUrl: sb.url, accessToken: sb.accessToken, version: '62.0' });
	});

	const raw = (path: string, init: RequestInit = {}) =>
		fetch(`${api}${path}`, { ...init, headers: { Authorization: `Bearer ${sb.accessToken}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
	const convert = async (body: Record<string, unknown>) => {
		const res = await fetch(`${sb.url}/__sandbox/convert-lead`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
		return { status: res.status, body: (await res.json()) as Record<string, unknown> };
	};
	const query = async (soql: string) => (await conn.query<Rec>(soql)).records;
	const lead = (lastName: string) => sb.records('Lead').find((l) => l.LastName === lastName) as Rec;

	describe('metadata', () => {
		it('describe: OpportunityContactRole (00K) with its required references, Role picklist, IsPrimary default; references name their relationship', async () => {
			const global = await conn.describeGlobal();
			expect(global.sobjects.find((o) => o.name === 'OpportunityContactRole')).toMatchObject({ keyPrefix: '00K', createable: true, queryable: true });
			const d = await conn.sobject('OpportunityContactRole').describe();
			const f = Object.fromEntries(d.fields.map((x) => [x.name, x]));
			expect(f.OpportunityId).toMatchObject({ type: 'reference', referenceTo: ['Opportunity'], relationshipName: 'Opportunity', nillable: false, createable: true, updateable: false });
			expect(f.ContactId).toMatchObject({ type: 'reference', referenceTo: ['Contact'], relationshipName: 'Contact', nillable: false, updateable: true });
			expect(f.IsPrimary).toMatchObject({ type: 'boolean', defaultedOnCreate: true, defaultValue: false });
			expect(f.Role).toMatchObject({ type: 'picklist', nillable: true, restrictedPicklist: false });
			expect((f.Role.picklistValues ?? []).map((p) => p.value)).toEqual(expect.arrayContaining(['Decision Maker', 'Economic Buyer', 'Technical Buyer']));
			const contact = Object.fromEntries((await conn.sobject('Contact').describe()).fields.map((x) => [x.name, x]));
			expect(contact.AccountId).toMatchObject({ referenceTo: ['Account'], relationshipName: 'Account' });
			expect(contact.Email.relationshipName).toBeNull();
			const opp = Object.fromEntries((await conn.sobject('Opportunity').describe()).fields.map((x) => [x.name, x]));
			expect((opp.StageName.picklistValues ?? []).map((p) => p.value)).toEqual(['Prospecting', 'Qualification', 'Needs Analysis', 'Proposal/Price Quote', 'Negotiation/Review', 'Closed Won', 'Closed Lost']);
			expect([opp.Name, opp.StageName, opp.CloseDate].map((x) => x.nillable)).toEqual([false, false, false]);
		});

		it('describe: the Lead conversion fields are read-only', async () => {
			const f = Object.fromEntries((await conn.sobject('Lead').describe()).fields.map((x) => [x.name, x]));
			for (const name of ['IsConverted', 'ConvertedAccountId', 'ConvertedContactId', 'ConvertedOpportunityId', 'ConvertedDate']) {
				expect(f[name]).toMatchObject({ createable: false, updateable: false });
			}
			expect(f.IsConverted).toMatchObject({ type: 'boolean', defaultValue: false, label: 'Converted' });
			expect(f.ConvertedAccountId).toMatchObject({ type: 'reference', referenceTo: ['Account'], relationshipName: 'ConvertedAccount' });
			expect(f.ConvertedDate.type).toBe('date');
			const res = await raw('/sobjects/Lead', { method: 'POST', body: JSON.stringify({ LastName: 'X', Company: 'C', IsConverted: true }) });
			expect(res.status).toBe(400);
			expect(await res.json()).toEqual([expect.objectContaining({ errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', fields: ['IsConverted'] })]);
			const made = (await conn.sobject('Lead').create({ LastName: 'Y', Company: 'C' })) as { id: string };
			expect(await conn.sobject('Lead').retrieve(made.id)).toMatchObject({ IsConverted: false, ConvertedAccountId: null, ConvertedDate: null });
		});
	});

	describe('references and required fields', () => {
		it('a Contact.AccountId that is no id is MALFORMED_ID, an id of another object FIELD_INTEGRITY_EXCEPTION, a missing Account INVALID_CROSS_REFERENCE_KEY', async () => {
			const oppId = sb.records('Opportunity')[0].Id as string;
			const cases: Array<[string, unknown]> = [
				['NotReal', [{ message: 'Account ID: id value of incorrect type: NotReal', errorCode: 'MALFORMED_ID', fields: ['AccountId'] }]],
				[oppId, [{ message: `Account ID: id value of incorrect type: ${oppId}`, errorCode: 'FIELD_INTEGRITY_EXCEPTION', fields: ['AccountId'] }]],
				['0015g0000ZZZZZZAAA', [{ message: 'invalid cross reference id', errorCode: 'INVALID_CROSS_REFERENCE_KEY', fields: [] }]],
			];
			for (const [accountId, body] of cases) {
				const res = await raw('/sobjects/Contact', { method: 'POST', body: JSON.stringify({ LastName: 'Ref', AccountId: accountId }) });
				expect(res.status).toBe(400);
				expect(await res.json()).toEqual(body);
			}
			await expect(conn.sobject('Contact').create({ LastName: 'Ref', AccountId: '0015g0000ZZZZZZAAA' })).rejects.toMatchObject({ errorCode: 'INVALID_CROSS_REFERENCE_KEY' });
			// In a collection: per record, the valid one saved.
			const accId = sb.records('Account')[0].Id as string;
			const results = await conn.sobject('Contact').create([{ LastName: 'Ok', AccountId: accId }, { LastName: 'Bad', AccountId: '0015g0000ZZZZZZAAA' }], { allOrNone: false });
			expect(results[0]).toMatchObject({ success: true });
			expect(results[1]).toEqual({ success: false, errors: [{ statusCode: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid cross reference id', fields: [] }] });
			// A deleted Account is a deleted entity.
			const doomed = (await conn.sobject('Account').create({ Name: 'Doomed' })) as { id: string };
			await conn.sobject('Account').destroy(doomed.id);
			await expect(conn.sobject('Contact').create({ LastName: 'Late', AccountId: doomed.id })).rejects.toMatchObject({ errorCode: 'ENTITY_IS_DELETED' });
		});

		it('Opportunity needs Name, StageName (a standard stage) and CloseDate; an OpportunityContactRole its OpportunityId and ContactId', async () => {
			const res = await raw('/sobjects/Opportunity', { method: 'POST', body: JSON.stringify({ Amount: 10 }) });
			expect(res.status).toBe(400);
			expect(await res.json()).toEqual([{ message: 'Required fields are missing: [Name, StageName, CloseDate]', errorCode: 'REQUIRED_FIELD_MISSING', fields: ['Name', 'StageName', 'CloseDate'] }]);
			await expect(conn.sobject('Opportunity').create({ Name: 'X', StageName: 'Won', CloseDate: '2026-01-31' })).rejects.toMatchObject({ errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', data: { fields: ['StageName'] } });
			const ocr = await raw('/composite/sobjects', { method: 'POST', body: JSON.stringify({ records: [{ attributes: { type: 'OpportunityContactRole' }, Role: 'Evaluator' }] }) });
			expect(await ocr.json()).toEqual([{ success: false, errors: [{ statusCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [OpportunityId, ContactId]', fields: ['OpportunityId', 'ContactId'] }] }]);
		});
	});

	describe('a group written in dependency order through sObject Collections', () => {
		it('Account, Contact, Opportunity, contact role: created with allOrNone, read back by reference, one primary per opportunity, OpportunityId not updateable', async () => {
			const [acc] = (await conn.sobject('Account').create([{ Name: 'Wingtip Toys' }], { allOrNone: true })) as Array<{ id: string }>;
			const contacts = (await conn.sobject('Contact').create(
				[
					{ FirstName: 'Ada', LastName: 'Lane', Email: 'ada@wingtip.example', AccountId: acc.id },
					{ FirstName: 'Bo', LastName: 'Lane', AccountId: acc.id },
				],
				{ allOrNone: true },
			)) as Array<{ id: string; success: boolean }>;
			expect(contacts.map((c) => c.success)).toEqual([true, true]);
			const [opp] = (await conn.sobject('Opportunity').create([{ Name: 'Wingtip - 12 tablets', StageName: 'Qualification', CloseDate: '2026-03-31', Amount: 12000, AccountId: acc.id }], { allOrNone: true })) as Array<{ id: string }>;
			const roles = (await conn.sobject('OpportunityContactRole').create(
				[{ OpportunityId: opp.id, ContactId: contacts[0].id, Role: 'Decision Maker', IsPrimary: true }],
				{ allOrNone: true },
			)) as Array<{ id: string }>;
			expect(roles[0].id).toMatch(/^00K[A-Za-z0-9]{15}$/);

			expect((await query(`SELECT Id, Email FROM Contact WHERE AccountId IN ('${acc.id}') ORDER BY Id`)).map((c) => c.Id)).toEqual(contacts.map((c) => c.id).sort());
			expect(await query(`SELECT Id, Amount, StageName FROM Opportunity WHERE AccountId = '${acc.id}'`)).toEqual([expect.objectContaining({ Id: opp.id, Amount: 12000, StageName: 'Qualification' })]);
			const byContact = await query(`SELECT Id, OpportunityId, ContactId, Role, IsPrimary FROM OpportunityContactRole WHERE ContactId IN ('${contacts[0].id}', '${contacts[1].id}')`);
			expect(byContact).toEqual([expect.objectContaining({ Id: roles[0].id, OpportunityId: opp.id, ContactId: contacts[0].id, Role: 'Decision Maker', IsPrimary: true })]);

			// A second primary role makes the first one non-primary (and changes it).
			const before = (await query(`SELECT SystemModstamp FROM OpportunityContactRole WHERE Id = '${roles[0].id}'`))[0].SystemModstamp as string;
			sb.clock.offsetMs += 1000; // SystemModstamp has whole seconds
			const second = (await conn.sobject('OpportunityContactRole').create({ OpportunityId: opp.id, ContactId: contacts[1].id, IsPrimary: true })) as { id: string };
			const now = await query(`SELECT Id, IsPrimary, SystemModstamp FROM OpportunityContactRole WHERE OpportunityId = '${opp.id}' ORDER BY Id`);
			expect(now.map((r) => [r.Id, r.IsPrimary])).toEqual([
				[roles[0].id, false],
				[second.id, true],
			]);
			expect(Date.parse(String(now[0].SystemModstamp).replace('+0000', 'Z'))).toBeGreaterThan(Date.parse(before.replace('+0000', 'Z')));

			const moved = await conn.sobject('OpportunityContactRole').update([{ Id: roles[0].id, OpportunityId: sb.records('Opportunity')[0].Id as string }], { allOrNone: false });
			expect(moved[0]).toMatchObject({ success: false, errors: [expect.objectContaining({ statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', fields: ['OpportunityId'] })] });
			const reassigned = await conn.sobject('OpportunityContactRole').update([{ Id: roles[0].id, ContactId: contacts[1].id, Role: 'Influencer' }], { allOrNone: false });
			expect(reassigned[0]).toMatchObject({ success: true });
		});

		it('parents named by external id ("Account": {"FieldFlow_Id__c": …}) in collection creates and upserts; an unknown one is INVALID_FIELD for that record only', async () => {
			const accs = await conn.sobject('Account').upsert([{ FieldFlow_Id__c: 'ff-co-1', Name: 'Ext Co' }], 'FieldFlow_Id__c', { allOrNone: true });
			const accId = (accs[0] as { id: string }).id;
			const people = await conn.sobject('Contact').upsert(
				[
					{ FieldFlow_Id__c: 'ff-p-1', LastName: 'Ext One', Account: { FieldFlow_Id__c: 'ff-co-1' } },
					{ FieldFlow_Id__c: 'ff-p-2', LastName: 'Ext Two', Account: { FieldFlow_Id__c: 'ff-nope' } },
				] as never,
				'FieldFlow_Id__c',
				{ allOrNone: false },
			);
			expect(people[0]).toMatchObject({ success: true, created: true });
			expect(people[1]).toEqual({ success: false, errors: [{ statusCode: 'INVALID_FIELD', message: 'Foreign key external ID: ff-nope not found for field FieldFlow_Id__c in entity Account', fields: [] }] });
			const deals = await conn.sobject('Opportunity').upsert(
				[{ FieldFlow_Id__c: 'ff-d-1', Name: 'Ext deal', StageName: 'Prospecting', CloseDate: '2026-09-30', Account: { FieldFlow_Id__c: 'ff-co-1' } }] as never,
				'FieldFlow_Id__c',
				{ allOrNone: true },
			);
			const roles = await conn.sobject('OpportunityContactRole').create([{ Opportunity: { FieldFlow_Id__c: 'ff-d-1' }, Contact: { FieldFlow_Id__c: 'ff-p-1' }, IsPrimary: true }] as never, { allOrNone: true });
			expect(roles[0]).toMatchObject({ success: true });
			expect(await query(`SELECT AccountId FROM Contact WHERE FieldFlow_Id__c = 'ff-p-1'`)).toEqual([expect.objectContaining({ AccountId: accId })]);
			expect(await query(`SELECT OpportunityId, ContactId, Contact.LastName, Opportunity.Name FROM OpportunityContactRole WHERE Id = '${(roles[0] as { id: string }).id}'`)).toEqual([
				expect.objectContaining({ OpportunityId: (deals[0] as { id: string }).id, ContactId: (people[0] as { id: string }).id, Contact: expect.objectContaining({ LastName: 'Ext One' }), Opportunity: expect.objectContaining({ Name: 'Ext deal' }) }),
			]);
			// OpportunityId is not updateable, by id or by external id.
			const moved = await conn.sobject('OpportunityContactRole').update([{ Id: (roles[0] as { id: string }).id, Opportunity: { FieldFlow_Id__c: 'ff-d-1' } }] as never, { allOrNone: false });
			expect(moved[0]).toMatchObject({ success: false, errors: [expect.objectContaining({ statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', fields: ['OpportunityId'] })] });
		});

		it('deleting an Opportunity deletes its contact roles; deleting an Account its Contacts and Opportunities; a Contact deleted leaves its roles', async () => {
			const [acc] = (await conn.sobject('Account').create([{ Name: 'Cascade Co' }], { allOrNone: true })) as Array<{ id: string }>;
			const con = (await conn.sobject('Contact').create({ LastName: 'Child', AccountId: acc.id })) as { id: string };
			const opp = (await conn.sobject('Opportunity').create({ Name: 'Cascade deal', StageName: 'Prospecting', CloseDate: '2026-06-30', AccountId: acc.id })) as { id: string };
			const role = (await conn.sobject('OpportunityContactRole').create({ OpportunityId: opp.id, ContactId: con.id })) as { id: string };
			await conn.sobject('Opportunity').destroy(opp.id);
			expect(await query(`SELECT Id FROM OpportunityContactRole WHERE Id = '${role.id}'`)).toEqual([]);
			expect((await conn.query<Rec>(`SELECT Id, IsDeleted FROM OpportunityContactRole WHERE Id = '${role.id}'`, { scanAll: true })).records).toEqual([expect.objectContaining({ IsDeleted: true })]);

			const opp2 = (await conn.sobject('Opportunity').create({ Name: 'Cascade deal 2', StageName: 'Prospecting', CloseDate: '2026-06-30', AccountId: acc.id })) as { id: string };
			const role2 = (await conn.sobject('OpportunityContactRole').create({ OpportunityId: opp2.id, ContactId: con.id })) as { id: string };
			const del = await raw(`/composite/sobjects?ids=${acc.id}&allOrNone=true`, { method: 'DELETE' });
			expect(await del.json()).toEqual([{ id: acc.id, success: true, errors: [] }]);
			expect(await query(`SELECT Id FROM Contact WHERE AccountId = '${acc.id}'`)).toEqual([]);
			expect(await query(`SELECT Id FROM Opportunity WHERE Id = '${opp2.id}'`)).toEqual([]);
			expect(await query(`SELECT Id FROM OpportunityContactRole WHERE Id = '${role2.id}'`)).toEqual([]);

			const [acc3] = (await conn.sobject('Account').create([{ Name: 'Keep Co' }], { allOrNone: true })) as Array<{ id: string }>;
			const con3 = (await conn.sobject('Contact').create({ LastName: 'Leaver', AccountId: acc3.id })) as { id: string };
			const opp3 = (await conn.sobject('Opportunity').create({ Name: 'Keep deal', StageName: 'Prospecting', CloseDate: '2026-06-30', AccountId: acc3.id })) as { id: string };
			const role3 = (await conn.sobject('OpportunityContactRole').create({ OpportunityId: opp3.id, ContactId: con3.id })) as { id: string };
			await conn.sobject('Contact').destroy(con3.id);
			expect(await query(`SELECT Id, ContactId FROM OpportunityContactRole WHERE Id = '${role3.id}'`)).toEqual([expect.objectContaining({ ContactId: con3.id })]);
		});
	});

	describe('lead conversion (POST /__sandbox/convert-lead)', () => {
		it('creates Account, Contact, Opportunity and a primary contact role from the Lead, moves its activities and marks it converted', async () => {
			const liu = lead('Wong');
			const ev = (await conn.sobject('Event').create({ Subject: 'Intro call', StartDateTime: '2026-01-05T10:00:00.000Z', DurationInMinutes: 30, WhoId: liu.Id })) as { id: string };
			const stampBefore = String(liu.SystemModstamp);
			sb.clock.offsetMs += 1000; // SystemModstamp has whole seconds
			const { status, body } = await convert({ leadId: liu.Id });
			expect(status).toBe(200);
			expect(body).toEqual({ leadId: liu.Id, accountId: expect.stringMatching(/^001/), contactId: expect.stringMatching(/^003/), opportunityId: expect.stringMatching(/^006/), success: true, errors: [] });

			const [account] = await query(`SELECT Id, Name, Phone FROM Account WHERE Id = '${body.accountId}'`);
			expect(account).toMatchObject({ Name: 'Great Lakes Food Market', Phone: '+1 503 555 0177' });
			const [contact] = await query(`SELECT Id, FirstName, LastName, Email, Phone, Title, AccountId, Account.Name FROM Contact WHERE Id = '${body.contactId}'`);
			expect(contact).toMatchObject({ FirstName: 'Liu', LastName: 'Wong', Email: 'liu.wong@greatlakes.example', Phone: '+1 503 555 0177', Title: 'Marketing Assistant', AccountId: body.accountId });
			expect(contact.Account).toEqual({ attributes: { type: 'Account', url: `/services/data/v62.0/sobjects/Account/${body.accountId}` }, Name: 'Great Lakes Food Market' });
			const [opp] = await query(`SELECT Id, Name, StageName, CloseDate, AccountId FROM Opportunity WHERE Id = '${body.opportunityId}'`);
			const today = new Date();
			const quarterEnd = new Date(Date.UTC(today.getUTCFullYear(), Math.floor(today.getUTCMonth() / 3) * 3 + 3, 0)).toISOString().slice(0, 10);
			expect(opp).toMatchObject({ Name: 'Great Lakes Food Market', StageName: 'Prospecting', CloseDate: quarterEnd, AccountId: body.accountId });
			expect(await query(`SELECT ContactId, IsPrimary FROM OpportunityContactRole WHERE OpportunityId = '${body.opportunityId}'`)).toEqual([expect.objectContaining({ ContactId: body.contactId, IsPrimary: true })]);
			expect(await conn.sobject('Event').retrieve(ev.id)).toMatchObject({ WhoId: body.contactId, WhatId: body.opportunityId });

			const converted = (await conn.sobject('Lead').retrieve(liu.Id)) as unknown as Rec;
			expect(converted).toMatchObject({
				IsConverted: true,
				Status: 'Closed - Converted',
				ConvertedAccountId: body.accountId,
				ConvertedContactId: body.contactId,
				ConvertedOpportunityId: body.opportunityId,
				ConvertedDate: today.toISOString().slice(0, 10),
			});
			expect(Date.parse(String(converted.SystemModstamp).replace('+0000', 'Z'))).toBeGreaterThan(Date.parse(stampBefore.replace('+0000', 'Z')));
			// The control endpoint is no API call.
			expect(sb.calls.get('sobject.retrieve')).toBe(2);
			expect(sb.totalCalls((e) => e.startsWith('collections') || e === 'sobject.create' || e === 'sobject.update')).toBe(1);
		});

		it('a converted Lead stays queryable (IsConverted = true / false) and refuses every update with CANNOT_UPDATE_CONVERTED_LEAD', async () => {
			const liu = lead('Wong');
			await conn.sobject('Lead').update({ Id: liu.Id, FieldFlow_Id__c: 'ff-liu' });
			expect((await convert({ leadId: liu.Id })).status).toBe(200);
			expect((await query('SELECT Id FROM Lead WHERE IsConverted = true')).map((r) => r.Id)).toEqual([liu.Id]);
			const open = await query('SELECT Id, LastName FROM Lead WHERE IsConverted = false ORDER BY LastName');
			expect(open).toHaveLength(4);
			expect(open.some((r) => r.Id === liu.Id)).toBe(false);
			expect(await query(`SELECT Id, ConvertedContactId, ConvertedAccount.Name FROM Lead WHERE Id = '${liu.Id}'`)).toEqual([
				expect.objectContaining({ ConvertedAccount: expect.objectContaining({ Name: 'Great Lakes Food Market' }) }),
			]);

			const patch = await raw(`/sobjects/Lead/${liu.Id}`, { method: 'PATCH', body: JSON.stringify({ Title: 'CMO' }) });
			expect(patch.status).toBe(400);
			expect(await patch.json()).toEqual([{ message: 'cannot reference converted lead', errorCode: 'CANNOT_UPDATE_CONVERTED_LEAD', fields: [] }]);
			await expect(conn.sobject('Lead').update({ Id: liu.Id, Title: 'CMO' })).rejects.toMatchObject({ errorCode: 'CANNOT_UPDATE_CONVERTED_LEAD' });
			const other = lead('Tannamuri');
			const coll = await conn.sobject('Lead').update(
				[
					{ Id: liu.Id, Title: 'CMO' },
					{ Id: other.Id, Title: 'Buyer' },
				],
				{ allOrNone: false },
			);
			expect(coll).toEqual([
				{ id: liu.Id, success: false, errors: [{ statusCode: 'CANNOT_UPDATE_CONVERTED_LEAD', message: 'cannot reference converted lead', fields: [] }] },
				{ id: other.Id, success: true, errors: [] },
			]);
			const up = await conn.sobject('Lead').upsert([{ FieldFlow_Id__c: 'ff-liu', Title: 'CMO' }], 'FieldFlow_Id__c', { allOrNone: false });
			expect(up[0]).toMatchObject({ success: false, errors: [{ statusCode: 'CANNOT_UPDATE_CONVERTED_LEAD', message: 'cannot reference converted lead', fields: [] }] });
			expect(((await conn.sobject('Lead').retrieve(liu.Id)) as unknown as Rec).Title).toBe('Marketing Assistant');

			const again = await convert({ leadId: liu.Id });
			expect(again).toEqual({ status: 400, body: expect.objectContaining({ success: false, errors: [expect.objectContaining({ statusCode: 'CANNOT_UPDATE_CONVERTED_LEAD' })] }) });
		});

		it('into an existing Account and Contact without an Opportunity: only their empty fields are filled', async () => {
			const [acc] = (await conn.sobject('Account').create([{ Name: 'Laughing Bacchus Wine Cellars (HQ)' }], { allOrNone: true })) as Array<{ id: string }>;
			const con = (await conn.sobject('Contact').create({ LastName: 'Tannamuri', Email: 'old@bacchus.example', AccountId: acc.id })) as { id: string };
			const yoshi = lead('Tannamuri');
			const opps = sb.records('Opportunity').length;
			const { status, body } = await convert({ leadId: yoshi.Id, accountId: acc.id, contactId: con.id, doNotCreateOpportunity: true, convertedStatus: 'Closed - Converted' });
			expect(status).toBe(200);
			expect(body).toMatchObject({ accountId: acc.id, contactId: con.id, opportunityId: null, success: true });
			expect(sb.records('Opportunity')).toHaveLength(opps);
			expect(await conn.sobject('Account').retrieve(acc.id)).toMatchObject({ Name: 'Laughing Bacchus Wine Cellars (HQ)' });
			expect(await conn.sobject('Contact').retrieve(con.id)).toMatchObject({ FirstName: 'Yoshi', LastName: 'Tannamuri', Email: 'old@bacchus.example' });
			expect(await conn.sobject('Lead').retrieve(yoshi.Id)).toMatchObject({ IsConverted: true, ConvertedAccountId: acc.id, ConvertedContactId: con.id, ConvertedOpportunityId: null });
		});

		it('refuses an unknown lead, a status that is not a converted one, and a contact of another account (400, LeadConvertResult errors)', async () => {
			const carlos = lead('Hernández');
			expect(await convert({ leadId: '00Q5g0000ZZZZZZAAA' })).toEqual({ status: 400, body: expect.objectContaining({ success: false, errors: [{ statusCode: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid cross reference id', fields: [] }] }) });
			expect(await convert({ leadId: carlos.Id, convertedStatus: 'Working - Contacted' })).toEqual({
				status: 400,
				body: expect.objectContaining({ errors: [{ statusCode: 'INVALID_STATUS', message: 'invalid convertedStatus: Working - Contacted', fields: [] }] }),
			});
			const [acc1, acc2] = sb.records('Account');
			const foreign = sb.records('Contact').find((c) => c.AccountId === acc2.Id)!;
			expect((await convert({ leadId: carlos.Id, accountId: acc1.Id, contactId: foreign.Id })).body).toMatchObject({ success: false, errors: [{ statusCode: 'INVALID_CROSS_REFERENCE_KEY' }] });
			expect(await conn.sobject('Lead').retrieve(carlos.Id)).toMatchObject({ IsConverted: false, Status: 'Working - Contacted' });
		});
	});

	describe('the SOQL a group reader sends', () => {
		it('Id IN, AccountId IN and parent fields (Account.Name, null without a parent), also in WHERE', async () => {
			const accounts = sb.records('Account');
			const ids = accounts.slice(0, 2).map((a) => a.Id as string);
			expect((await query(`SELECT Id, Name FROM Account WHERE Id IN ('${ids[0]}', '${ids[1]}', '0015g0000ZZZZZZAAA') ORDER BY Id`)).map((a) => a.Id)).toEqual([...ids].sort());
			// 15-character ids match their 18-character records.
			expect((await query(`SELECT Id FROM Account WHERE Id IN ('${ids[0].slice(0, 15)}')`)).map((a) => a.Id)).toEqual([ids[0]]);
			const contacts = await query(`SELECT Id, LastName, AccountId, Account.Name FROM Contact WHERE AccountId IN ('${ids[0]}', '${ids[1]}') ORDER BY LastName`);
			expect(contacts.map((c) => [c.LastName, (c.Account as { Name: string }).Name])).toEqual([
				['Anders', 'Northwind Traders'],
				['Hardy', 'Contoso Pharmaceuticals'],
			]);
			const orphan = (await conn.sobject('Contact').create({ LastName: 'Orphan' })) as { id: string };
			expect(await query(`SELECT Id, Account.Name FROM Contact WHERE Id = '${orphan.id}'`)).toEqual([expect.objectContaining({ Id: orphan.id, Account: null })]);
			expect((await query("SELECT Id, LastName FROM Contact WHERE Account.Name = 'Tailspin Energy'")).map((c) => c.LastName)).toEqual(['Afonso']);
			await expect(conn.query('SELECT Id, Account.Bogus FROM Contact')).rejects.toMatchObject({ errorCode: 'INVALID_FIELD' });
		});

		it('keyset pages (SystemModstamp > x OR (SystemModstamp = x AND Id > y)) ORDER BY SystemModstamp, Id LIMIT n read every row once, whole-second stamps shared', async () => {
			sb.wholeSecondStamps = true;
			sb.clock.freeze();
			await conn.sobject('Contact').create(
				Array.from({ length: 7 }, (_, i) => ({ LastName: `Key ${i}` })),
				{ allOrNone: true },
			);
			sb.clock.thaw();
			const all = await query('SELECT Id, SystemModstamp FROM Contact ORDER BY SystemModstamp, Id');
			const seen: string[] = [];
			let cursor: { stamp: string; id: string } | undefined;
			for (let page = 0; page < 20; page++) {
				const where = cursor ? ` WHERE (SystemModstamp > ${cursor.stamp} OR (SystemModstamp = ${cursor.stamp} AND Id > '${cursor.id}'))` : '';
				const rows = await query(`SELECT Id, SystemModstamp FROM Contact${where} ORDER BY SystemModstamp, Id LIMIT 3`);
				if (!rows.length) break;
				seen.push(...rows.map((r) => r.Id));
				const last = rows[rows.length - 1];
				cursor = { stamp: String(last.SystemModstamp), id: last.Id };
			}
			expect(seen).toEqual(all.map((r) => r.Id));
			expect(new Set(seen).size).toBe(sb.records('Contact').length);
			expect(all.filter((r) => /^Key/.test(String(sb.records('Contact').find((c) => c.Id === r.Id)?.LastName))).map((r) => r.SystemModstamp)).toEqual(Array(7).fill(all[all.length - 1].SystemModstamp));
		});
	});

	it('the demo seed is one consistent group graph: contacts on live accounts, each opportunity with its account contact as primary role, open leads to convert', () => {
		const accounts = new Set(sb.records('Account').map((a) => a.Id));
		const contacts = sb.records('Contact');
		expect(contacts.every((c) => accounts.has(c.AccountId))).toBe(true);
		const roles = sb.records('OpportunityContactRole');
		for (const opp of sb.records('Opportunity')) {
			expect(accounts.has(opp.AccountId)).toBe(true);
			const primary = roles.filter((r) => r.OpportunityId === opp.Id && r.IsPrimary === true);
			expect(primary).toHaveLength(1);
			expect(contacts.find((c) => c.Id === primary[0].ContactId)?.AccountId).toBe(opp.AccountId);
		}
		expect(sb.records('Lead').filter((l) => l.IsConverted === false && l.Status === 'Open - Not Contacted').length).toBeGreaterThan(0);
	});
});
