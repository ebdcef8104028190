/**
 * Record groups: a FieldFlow prospect is not one CRM record but a primary record (the person) with
 * the member records linked to it, as the guide's mapping tables lay it out:
 *  - Pipedrive: a Person, its Organization (person.org_id) and a Deal (deal.person_id, deal.org_id);
 *  - Salesforce (Contacts mode): a Contact, its Account (Contact.AccountId) and an Opportunity on
 *    the Account (Opportunity.AccountId) with an OpportunityContactRole for the contact;
 *  - HubSpot: a Contact associated with a Company and a Deal (associations, not reference fields).
 *
 * A group is read and written as ONE flat record of the primary object: the primary's own fields
 * as they are, each member's under `<member object>.<field>` (`organizations.name`, `deals.value`),
 * and `CrmRecord.members` naming the exact member records. So the mapping, the three-way merge,
 * the plan and the links work per field as for a single record, and a link keeps pointing at the
 * primary record (links made before groups stay valid).
 *
 * Plain TypeScript, no n8n imports.
 */
import type { CrmName, MemberIds } from '../types';

/** The company member: shared by every prospect of one company, matched by normalised name. */
export interface CompanyMember {
	object: string;
	/** The company's name field (the match key). */
	nameField: string;
	/** The primary's reference field holding the company id (person.org_id, Contact.AccountId). */
	primaryRef: string;
	/** The endpoint (as the adapter counts calls) of one look-up of a company by name, for forecasts. */
	searchEndpoint: string;
}

/** The deal member: one per prospect; the link names the exact deal (a second deal is not it). */
export interface DealMember {
	object: string;
	/** The deal's name field (written from the company name, else the contact name). */
	titleField: string;
	/** The deal's reference to the primary (deal.person_id). */
	primaryRef: string;
	/** The deal's reference to the company (deal.org_id, Opportunity.AccountId). */
	companyRef?: string;
	/** The primary's field that names a deal of a prospect without a company (person.name). */
	titleFallback: string;
}

export interface GroupSpec {
	crm: CrmName;
	primary: string;
	company?: CompanyMember;
	deal?: DealMember;
}

const SPECS: Partial<Record<CrmName, Record<string, GroupSpec>>> = {
	pipedrive: {
		persons: {
			crm: 'pipedrive',
			primary: 'persons',
			company: { object: 'organizations', nameField: 'name', primaryRef: 'org_id', searchEndpoint: 'organizations.search' },
			deal: { object: 'deals', titleField: 'title', primaryRef: 'person_id', companyRef: 'org_id', titleFallback: 'name' },
		},
	},
};

/** The group of `object` on `crm` limited to the chosen member objects, or undefined when there is none. */
export function groupSpec(crm: CrmName, object: string, members: readonly string[]): GroupSpec | undefined {
	const full = SPECS[crm]?.[object];
	if (!full || members.length === 0) return undefined;
	const spec: GroupSpec = { crm, primary: full.primary };
	if (full.company && members.includes(full.company.object)) spec.company = full.company;
	if (full.deal && members.includes(full.deal.object)) spec.deal = full.deal;
	return spec.company || spec.deal ? spec : undefined;
}

/** The member objects a CRM's primary object can be grouped with (the "select objects" choice). */
export function groupMembers(crm: CrmName, object: string): string[] {
	const full = SPECS[crm]?.[object];
	return full ? [full.company?.object, full.deal?.object].filter((o): o is string => !!o) : [];
}

/** The member objects of `object`'s group that these writes carry: as fields `<member>.<field>` or as member ids. */
export function membersCarried(crm: CrmName, object: string, writes: ReadonlyArray<{ fields: Record<string, unknown>; members?: MemberIds }>): string[] {
	return groupMembers(crm, object).filter((m) => writes.some((w) => w.members?.[m] || Object.keys(w.fields).some((k) => k.startsWith(`${m}.`))));
}

/** `organizations.name` → `{ member: 'organizations', field: 'name' }`; primary fields have no member. */
export function memberField(spec: GroupSpec, key: string): { member?: string; field: string } {
	for (const m of [spec.company?.object, spec.deal?.object]) if (m && key.startsWith(`${m}.`)) return { member: m, field: key.slice(m.length + 1) };
	return { field: key };
}

/** A group record's flat fields → the primary's own fields and each member's. */
export function splitFields(spec: GroupSpec, fields: Record<string, unknown>): { primary: Record<string, unknown>; byMember: Record<string, Record<string, unknown>> } {
	const primary: Record<string, unknown> = {};
	const byMember: Record<string, Record<string, unknown>> = {};
	for (const [k, v] of Object.entries(fields)) {
		const { member, field } = memberField(spec, k);
		if (member) (byMember[member] ??= {})[field] = v;
		else primary[k] = v;
	}
	return { primary, byMember };
}

export function prefixed(member: string, fields: Record<string, unknown>): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const [k, v] of Object.entries(fields)) out[`${member}.${k}`] = v;
	return out;
}

export function idOf(v: unknown): string | undefined {
	if (v === undefined || v === null || v === '') return undefined;
	if (typeof v === 'object') {
		// Pipedrive v1 style expanded references ({ value: 12, name: 'Acme' }).
		const inner = (v as { value?: unknown; id?: unknown }).value ?? (v as { id?: unknown }).id;
		return idOf(inner);
	}
	return String(v);
}

export type { MemberIds };
