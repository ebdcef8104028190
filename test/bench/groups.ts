/**
 * The record-groups benchmark (`npm run bench -- --groups`): what a prospect is in each CRM (the
 * member objects and their batch sizes, for the floor), the seed (N prospects over about N/3
 * companies, each with a status and an estimated value: person + company + deal), the members
 * the sync must have written, and the 1 % edits on each member on each side.
 *
 * Targets: Salesforce Leads (the Lead holds Company and Status itself: one object), Salesforce
 * Contacts mode (Account, Contact, Opportunity, OpportunityContactRole), HubSpot (companies,
 * contacts, deals, associated inline on create: 0 association calls), Pipedrive (organizations,
 * persons, deals: one call per new record, no batch API).
 */
import { createAdapter } from '../../nodes/shared/crm';
import { DEFAULT_VALUE_MAPS } from '../../nodes/shared/mapping/defaults';
import { sandboxCredentials, type Sandboxes } from '../sandboxes';
import type { Table } from '../sandboxes/common';
import { CRM_OBJECT, crmOf, type BenchTarget } from './workflow';

export type MemberRole = 'company' | 'person' | 'deal' | 'junction';

export interface MemberObject {
	object: string;
	role: MemberRole;
	/** Records per write call at the floor (the vendor's largest batch; Pipedrive 1). */
	batch: number;
}

export interface GroupTarget {
	target: BenchTarget;
	label: string;
	/** Start Run's Linked Records for the guide's full set ([] for Salesforce Leads: the Lead holds it all). */
	linked: string[];
	members: MemberObject[];
	/** Association writes at the floor (HubSpot: inline on create, so 0). */
	associationFloor?: number;
	/** CRM field names of the edits made on the CRM side. */
	edit: { personPhone: string; dealAmount?: string; companyName: string; companyObject: string; dealObject?: string };
}

export const GROUP_TARGETS: Record<BenchTarget, GroupTarget> = {
	salesforce: {
		target: 'salesforce',
		label: 'Salesforce (Leads)',
		linked: [],
		members: [{ object: 'Lead', role: 'person', batch: 200 }],
		edit: { personPhone: 'Phone', companyName: 'Company', companyObject: 'Lead' },
	},
	'salesforce-contacts': {
		target: 'salesforce-contacts',
		label: 'Salesforce (Contacts + Accounts + Opportunities)',
		linked: ['Account', 'Opportunity'],
		members: [
			{ object: 'Account', role: 'company', batch: 200 },
			{ object: 'Contact', role: 'person', batch: 200 },
			{ object: 'Opportunity', role: 'deal', batch: 200 },
			{ object: 'OpportunityContactRole', role: 'junction', batch: 200 },
		],
		edit: { personPhone: 'Phone', dealAmount: 'Amount', dealObject: 'Opportunity', companyName: 'Name', companyObject: 'Account' },
	},
	hubspot: {
		target: 'hubspot',
		label: 'HubSpot',
		linked: ['companies', 'deals'],
		members: [
			{ object: 'companies', role: 'company', batch: 100 },
			{ object: 'contacts', role: 'person', batch: 100 },
			{ object: 'deals', role: 'deal', batch: 100 },
		],
		associationFloor: 0,
		edit: { personPhone: 'phone', dealAmount: 'amount', dealObject: 'deals', companyName: 'name', companyObject: 'companies' },
	},
	pipedrive: {
		target: 'pipedrive',
		label: 'Pipedrive',
		linked: ['organizations', 'deals'],
		members: [
			{ object: 'organizations', role: 'company', batch: 1 },
			{ object: 'persons', role: 'person', batch: 1 },
			{ object: 'deals', role: 'deal', batch: 1 },
		],
		edit: { personPhone: 'phone', dealAmount: 'value', dealObject: 'deals', companyName: 'name', companyObject: 'organizations' },
	},
};

const STATUSES = ['new', 'contacted', 'qualified', 'proposal', 'won', 'lost'];

/** Distinct companies for N prospects: about N/3. */
export const companiesFor = (n: number) => Math.max(1, Math.round(n / 3));

/**
 * Prospect i (1-based) of N: company `Company <(i-1) mod C + 1>` (C = companiesFor(N): prospects of
 * one company are spread over the whole list, so later pages of a paged run find companies earlier
 * pages created), every status in turn, a value.
 */
export function groupProspect(i: number, n: number): Record<string, unknown> {
	const c = ((i - 1) % companiesFor(n)) + 1;
	return {
		company_name: `Company ${c}`,
		contact_name: `Pat Person${i}`,
		email: `pat${i}@company${c}.example`,
		phone: `+1 555 ${String(i).padStart(7, '0')}`,
		status: STATUSES[i % STATUSES.length],
		estimated_value: 1000 + (i % 50) * 500,
	};
}

/** Member records a bulk first sync of N new prospects must leave in the CRM, per object. */
export function expectedMembers(t: GroupTarget, n: number): Record<string, number> {
	return Object.fromEntries(t.members.map((m) => [m.object, m.role === 'company' ? companiesFor(n) : n]));
}

/** The floor of write calls per member object: ⌈records / batch⌉ (Pipedrive: one call per record). */
export function floorWrites(t: GroupTarget, n: number): Record<string, number> {
	const want = expectedMembers(t, n);
	return Object.fromEntries(t.members.map((m) => [m.object, Math.ceil(want[m.object] / m.batch)]));
}

function tables(sb: Sandboxes, t: BenchTarget): Record<string, Table> {
	return (sb[crmOf(t)] as unknown as { tables: Record<string, Table> }).tables;
}

export function liveCounts(sb: Sandboxes, t: GroupTarget): Record<string, number> {
	const ts = tables(sb, t.target);
	return Object.fromEntries(t.members.map((m) => [m.object, ts[m.object]?.live().length ?? 0]));
}

/**
 * How many people / deals carry their links, read from the sandbox's data: Salesforce
 * Contact.AccountId, Opportunity.AccountId and a primary OpportunityContactRole; Pipedrive
 * person.org_id, deal.person_id + org_id; HubSpot contact → company and deal → contact + company
 * associations.
 */
export function linkedCounts(sb: Sandboxes, t: GroupTarget): Record<string, number> {
	const ts = tables(sb, t.target);
	const count = (obj: string, ok: (d: Record<string, unknown>) => boolean) => ts[obj].live().filter((r) => ok(r.data)).length;
	if (t.target === 'salesforce-contacts') {
		return {
			'Contact.AccountId': count('Contact', (d) => !!d.AccountId),
			'Opportunity.AccountId': count('Opportunity', (d) => !!d.AccountId),
			'OpportunityContactRole (primary)': count('OpportunityContactRole', (d) => d.IsPrimary === true && !!d.ContactId && !!d.OpportunityId),
		};
	}
	if (t.target === 'pipedrive') {
		return {
			'persons.org_id': count('persons', (d) => d.org_id != null),
			'deals.person_id + org_id': count('deals', (d) => d.person_id != null && d.org_id != null),
		};
	}
	if (t.target === 'hubspot') {
		const assocs = (sb.hubspot as unknown as { assocs: Array<{ fromType: string; toType: string; fromId: string; toId: string }> }).assocs;
		// Records of `from` associated with a record of `to` (the sandbox may hold either direction).
		const distinct = (from: string, to: string) => {
			const ids = new Set<string>();
			for (const a of assocs) {
				if (a.fromType === from && a.toType === to) ids.add(a.fromId);
				else if (a.fromType === to && a.toType === from) ids.add(a.toId);
			}
			return ids.size;
		};
		return { 'contacts → companies': distinct('contacts', 'companies'), 'deals → contacts': distinct('deals', 'contacts'), 'deals → companies': distinct('deals', 'companies') };
	}
	return {};
}

const CRED_TYPE = { salesforce: 'fieldFlowSalesforceApi', hubspot: 'fieldFlowHubSpotApi', pipedrive: 'fieldFlowPipedriveApi' } as const;

export interface EditCounts {
	fieldflow: { phone: number; value: number; company: number };
	crm: {
		phone: number;
		value: number;
		companyRenamed: number;
		prospectsOfRenamed: number;
		/** Of those, prospects whose Company Name was also changed in FieldFlow (a conflict on the field: Newest Wins decides, or the prospect moved away). */
		prospectsOfRenamedAlsoChangedInFieldflow?: number;
	};
}

/**
 * 1 % of the prospects edited on each side, on each member, disjoint sets:
 *  - FieldFlow: phone (person) on prospects 0, 100, 200…; estimated value (deal) on 10, 110…; a new
 *    Company Name (the company-change rule: a shared company is not renamed, the prospect moves to a
 *    new one) on 20, 120…;
 *  - CRM, through its own API: phone on people 50, 150…; the deal's amount on deals 60, 160…; 1 % of
 *    the companies renamed (30, 130…; each renames its ~3 prospects in FieldFlow). Salesforce Leads:
 *    Lead phone and Lead.Company.
 */
export async function editOnePercent(sb: Sandboxes, t: GroupTarget, n: number): Promise<EditCounts> {
	const k = Math.max(1, Math.floor(n / 100));
	const ff = sb.fieldflow.prospects.live();
	const hasDeal = !!t.edit.dealAmount;
	const out: EditCounts = { fieldflow: { phone: 0, value: 0, company: 0 }, crm: { phone: 0, value: 0, companyRenamed: 0, prospectsOfRenamed: 0 } };
	const movedInFieldflow = new Set<string>();
	for (let j = 0; j < k; j++) {
		const at = (o: number) => ff[Math.min(ff.length - 1, j * 100 + o)];
		sb.fieldflow.prospects.update(at(0).id, { phone: `+1 777 ${String(j).padStart(7, '0')}` });
		out.fieldflow.phone++;
		if (hasDeal) {
			sb.fieldflow.prospects.update(at(10).id, { estimated_value: 99_000 + j });
			out.fieldflow.value++;
		}
		sb.fieldflow.prospects.update(at(20).id, { company_name: `Moved Company ${j + 1}` });
		movedInFieldflow.add(String(at(20).data.email ?? '').toLowerCase());
		out.fieldflow.company++;
	}

	const crm = crmOf(t.target);
	const creds = sandboxCredentials(sb);
	const adapter = createAdapter(crm, creds.find((c) => c.type === CRED_TYPE[crm])!.data, { salesforce: { ratePerSecond: 1e6 }, hubspot: { ratePerSecond: 1e6, searchRatePerSecond: 1e6 }, pipedrive: { ratePerSecond: 1e6 } });
	const ts = tables(sb, t.target);
	const latency = sb[crm].latencyMs;
	sb[crm].latencyMs = 0;
	try {
		const write = async (object: string, inputs: Array<{ ref: string; id: string; fields: Record<string, unknown> }>) => {
			if (!inputs.length) return;
			const res = await adapter.upsert(object, inputs);
			const failed = res.filter((r) => !r.success);
			if (failed.length) throw new Error(`editing ${crm} ${object} failed: ${failed[0].error?.message}`);
		};
		const people = ts[CRM_OBJECT[t.target]].live();
		const phone = (j: number) => `+1 888 ${String(j).padStart(7, '0')}`;
		await write(
			CRM_OBJECT[t.target],
			Array.from({ length: k }, (_, j) => {
				const row = people[Math.min(people.length - 1, j * 100 + 50)];
				return { ref: row.id, id: row.id, fields: { [t.edit.personPhone]: crm === 'pipedrive' ? [{ value: phone(j), primary: true, label: 'work' }] : phone(j) } };
			}),
		);
		out.crm.phone = k;
		if (t.edit.dealObject && t.edit.dealAmount) {
			const deals = ts[t.edit.dealObject].live();
			await write(
				t.edit.dealObject,
				Array.from({ length: k }, (_, j) => {
					const row = deals[Math.min(deals.length - 1, j * 100 + 60)];
					return { ref: row.id, id: row.id, fields: { [t.edit.dealAmount!]: 77_000 + j } };
				}),
			);
			out.crm.value = k;
		}
		// Companies: 1 % of them (at least one) renamed; Salesforce Leads: Lead.Company on 1 % of the leads.
		const companies = ts[t.edit.companyObject].live();
		const kc = t.edit.companyObject === CRM_OBJECT[t.target] ? k : Math.max(1, Math.floor(companies.length / 100));
		const offset = t.edit.companyObject === CRM_OBJECT[t.target] ? 60 : 30;
		const renamed = Array.from({ length: kc }, (_, j) => companies[Math.min(companies.length - 1, j * 100 + offset)]);
		await write(
			t.edit.companyObject,
			renamed.map((row, j) => ({ ref: row.id, id: row.id, fields: { [t.edit.companyName]: `Renamed Company ${j + 1}` } })),
		);
		out.crm.companyRenamed = kc;
		const emails = t.edit.companyObject === CRM_OBJECT[t.target] ? renamed.map((r) => String(r.data.Email ?? '').toLowerCase()) : prospectsOf(sb, t, new Set(renamed.map((r) => r.id)));
		out.crm.prospectsOfRenamed = emails.length;
		out.crm.prospectsOfRenamedAlsoChangedInFieldflow = emails.filter((e) => movedInFieldflow.has(e)).length;
	} finally {
		sb[crm].latencyMs = latency;
	}
	return out;
}

/** The emails of the prospects (people) that belong to these companies in the CRM. */
function prospectsOf(sb: Sandboxes, t: GroupTarget, companyIds: Set<string>): string[] {
	const ts = tables(sb, t.target);
	if (t.target === 'pipedrive') return ts.persons.live().filter((r) => companyIds.has(String(r.data.org_id))).map((r) => String((r.data.emails as Array<{ value?: string }> | undefined)?.[0]?.value ?? '').toLowerCase());
	if (t.target === 'salesforce-contacts') return ts.Contact.live().filter((r) => companyIds.has(String(r.data.AccountId))).map((r) => String(r.data.Email ?? '').toLowerCase());
	if (t.target === 'hubspot') {
		const assocs = (sb.hubspot as unknown as { assocs: Array<{ fromType: string; toType: string; fromId: string; toId: string }> }).assocs;
		const ids = new Set<string>();
		for (const a of assocs) {
			if (a.fromType === 'contacts' && a.toType === 'companies' && companyIds.has(a.toId)) ids.add(a.fromId);
			else if (a.fromType === 'companies' && a.toType === 'contacts' && companyIds.has(a.fromId)) ids.add(a.toId);
		}
		return ts.contacts.live().filter((r) => ids.has(r.id)).map((r) => String(r.data.email ?? '').toLowerCase());
	}
	return [];
}

export function fieldflowRenamed(sb: Sandboxes): number {
	return sb.fieldflow.prospects.live().filter((r) => /^Renamed Company \d+$/.test(String(r.data.company_name ?? ''))).length;
}

export type ProspectFields = Map<string, { company_name: unknown; status: unknown; estimated_value: unknown }>;

/** FieldFlow's prospects by email: Company Name, Status, Estimated Value (before the import empties it). */
export function fieldflowState(sb: Sandboxes): ProspectFields {
	return new Map(sb.fieldflow.prospects.live().map((r) => [String(r.data.email), { company_name: r.data.company_name, status: r.data.status, estimated_value: r.data.estimated_value }]));
}

/**
 * After an import into an empty FieldFlow: prospects, and how many arrived with the Company Name,
 * Status and Estimated Value FieldFlow held before it was emptied (the runs before left both sides
 * in sync). Salesforce Leads carry no value (a Lead has no amount) and Lead Status is lossy by
 * design (qualified and proposal are both Working - Contacted).
 */
export function importedFields(sb: Sandboxes, before: ProspectFields): { prospects: number; company: number; status: number; value: number } {
	const rows = sb.fieldflow.prospects.live();
	const out = { prospects: rows.length, company: 0, status: 0, value: 0 };
	for (const r of rows) {
		const want = before.get(String(r.data.email));
		if (!want) continue;
		if (r.data.company_name === want.company_name) out.company++;
		if (r.data.status === want.status) out.status++;
		if (r.data.estimated_value === want.estimated_value) out.value++;
	}
	return out;
}

/**
 * `--import-only`: the CRM holds N groups from the start (seeded into the sandbox as the bulk sync
 * would have written them, the seed's prospects `groupProspect`, statuses through the default value
 * maps), FieldFlow is empty. HubSpot: companies, contacts associated with their company, deals
 * (stage, amount, the default pipeline) associated with the contact and the company. Pipedrive:
 * organizations, persons with `org_id` (emails and phones as v2 lists them), deals with
 * `person_id` and `org_id`, the company as title, value, status and stage_id (a lost deal keeps
 * the first stage).
 */
export function seedCrmGroups(sb: Sandboxes, t: BenchTarget, n: number): ProspectFields {
	if (t !== 'hubspot' && t !== 'pipedrive') throw new Error(`--import-only seeds HubSpot and Pipedrive groups only (asked: ${t})`);
	const c = companiesFor(n);
	const companyOf = (i: number) => ((i - 1) % c) + 1;
	if (t === 'hubspot') seedHubspotGroups(sb, n, c, companyOf);
	else seedPipedriveGroups(sb, n, c, companyOf);
	const expected: ProspectFields = new Map();
	for (let i = 1; i <= n; i++) {
		const p = groupProspect(i, n);
		expected.set(String(p.email), { company_name: p.company_name, status: p.status, estimated_value: p.estimated_value });
	}
	return expected;
}

/** 1 … count in runs of 10,000, one sandbox seed call each. */
function inChunks(count: number, seed: (ids: number[]) => void): void {
	const chunk = 10_000;
	for (let i0 = 1; i0 <= count; i0 += chunk) seed(Array.from({ length: Math.min(chunk, count - i0 + 1) }, (_, j) => i0 + j));
}

function seedHubspotGroups(sb: Sandboxes, n: number, c: number, companyOf: (i: number) => number): void {
	const stage = DEFAULT_VALUE_MAPS.hubspotDealStage.toCrm;
	const companyId = (k: number) => String(70_000_000 + k);
	const contactId = (i: number) => String(80_000_000 + i);
	inChunks(c, (ks) => sb.hubspot.seed({ companies: ks.map((k) => ({ id: companyId(k), properties: { name: `Company ${k}` } })) }));
	inChunks(n, (ids) => {
		const contacts = ids.map((i) => {
			const p = groupProspect(i, n);
			const [first, ...rest] = String(p.contact_name).split(' ');
			return { id: contactId(i), properties: { firstname: first, lastname: rest.join(' '), email: p.email, phone: p.phone }, associations: [{ toObjectType: 'companies', toId: companyId(companyOf(i)) }] };
		});
		const deals = ids.map((i) => {
			const p = groupProspect(i, n);
			return {
				id: String(90_000_000 + i),
				properties: { dealname: p.company_name, dealstage: stage[String(p.status)], amount: p.estimated_value, pipeline: 'default' },
				associations: [
					{ toObjectType: 'contacts', toId: contactId(i) },
					{ toObjectType: 'companies', toId: companyId(companyOf(i)) },
				],
			};
		});
		sb.hubspot.seed({ contacts, deals });
	});
}

function seedPipedriveGroups(sb: Sandboxes, n: number, c: number, companyOf: (i: number) => number): void {
	const { pipedriveDealStatus, pipedriveStage } = DEFAULT_VALUE_MAPS;
	inChunks(c, (ks) => sb.pipedrive.seed({ organizations: ks.map((k) => ({ id: k, name: `Company ${k}` })) }));
	inChunks(n, (ids) => {
		const persons = [];
		const deals = [];
		for (const i of ids) {
			const p = groupProspect(i, n);
			const status = String(p.status);
			persons.push({ id: i, name: p.contact_name, emails: [{ value: p.email, primary: true, label: 'work' }], phones: [{ value: p.phone, primary: true, label: 'work' }], org_id: companyOf(i) });
			deals.push({ id: i, title: p.company_name, value: p.estimated_value, currency: 'USD', status: pipedriveDealStatus.toCrm[status], stage_id: Number(pipedriveStage.toCrm[status] ?? 1), person_id: i, org_id: companyOf(i) });
		}
		sb.pipedrive.seed({ persons, deals });
	});
}
