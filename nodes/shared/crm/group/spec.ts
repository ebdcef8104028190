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

/**
 * How a group's records are linked:
 *  - reference: by reference fields (Pipedrive person.org_id, deal.person_id / org_id; Salesforce
 *    Contact.AccountId, Opportunity.AccountId), read through the adapter's `listRelated`;
 *  - association: by associations (HubSpot v4), read and written through the adapter's
 *    `listAssociations` / `associate` / `dissociate`, inline on create (`WriteInput.associations`).
 */
export type LinkKind = 'reference' | 'association';

/** For a Preview's forecast: the endpoint of one kind of look-up, and how many keys one call takes. */
export interface LookupCost {
	endpoint: string;
	perCall: number;
}

/** The company member: shared by every prospect of one company, matched by normalised name. */
export interface CompanyMember {
	object: string;
	/** The company's name field (the match key). */
	nameField: string;
	/** Reference links: the primary's field holding the company id (person.org_id, Contact.AccountId). */
	primaryRef?: string;
	/** The look-up of companies by name (CrmAdapter.findDuplicates), as the adapter counts and batches it. */
	search: LookupCost;
}

/** The deal member: one per prospect; the link names the exact deal (a second deal is not it). */
export interface DealMember {
	object: string;
	/** The deal's name field (written from the company name, else the contact name). */
	titleField: string;
	/** Reference links: the deal's field holding the primary id (deal.person_id). */
	primaryRef?: string;
	/** Reference links: the deal's field holding the company id (deal.org_id, Opportunity.AccountId). */
	companyRef?: string;
	/**
	 * Reference links through a junction record instead of `primaryRef` (Salesforce: an
	 * OpportunityContactRole names the Opportunity and the Contact), created after the deal.
	 */
	junction?: { object: string; dealField: string; primaryField: string; fields?: Record<string, unknown> };
	/** Fields set on a deal the group creates when the prospect carries none (Salesforce Opportunity.CloseDate). */
	createDefaults?: (now: Date) => Record<string, unknown>;
	/** The primary's fields (joined by a space) that name a deal of a prospect without a company (person.name; firstname lastname). */
	titleFallback: string[];
}

export interface GroupSpec {
	crm: CrmName;
	primary: string;
	link: LinkKind;
	/** The look-up of the primaries linked to companies (the company-change rule's shared check). */
	primariesLookup: LookupCost;
	company?: CompanyMember;
	deal?: DealMember;
	/**
	 * Salesforce Leads: the group a converted Lead continues as (the Contact group limited to the
	 * chosen members). The Lead itself has no members: its Account and Opportunity are the
	 * conversion's (convert.ts). A record of this spec's lane is a Lead, or the Contact group it
	 * became (read.ts / write.ts hand such a spec to convert.ts).
	 */
	convertsTo?: GroupSpec;
}

/**
 * Salesforce's Opportunity.CloseDate (required) when the prospect gives none: the last day of the
 * current quarter (calendar quarters, UTC), as Salesforce's own lead conversion sets it ("the last
 * day of the current fiscal quarter", Lead Conversion Field Mapping,
 * https://help.salesforce.com/s/articleView?id=sales.lead_conversion_mapping.htm).
 */
function quarterEnd(now: Date): Record<string, unknown> {
	return { CloseDate: new Date(Date.UTC(now.getUTCFullYear(), Math.floor(now.getUTCMonth() / 3) * 3 + 3, 0)).toISOString().slice(0, 10) };
}

const SPECS: Partial<Record<CrmName, Record<string, GroupSpec>>> = {
	pipedrive: {
		persons: {
			crm: 'pipedrive',
			primary: 'persons',
			link: 'reference',
			primariesLookup: { endpoint: 'persons.list', perCall: 1 },
			company: { object: 'organizations', nameField: 'name', primaryRef: 'org_id', search: { endpoint: 'organizations.search', perCall: 1 } },
			deal: { object: 'deals', titleField: 'title', primaryRef: 'person_id', companyRef: 'org_id', titleFallback: ['name'] },
		},
	},
	hubspot: {
		contacts: {
			crm: 'hubspot',
			primary: 'contacts',
			link: 'association',
			primariesLookup: { endpoint: 'associations.batch.read', perCall: 1000 },
			// Company names: up to 5 EQ filter groups per search (HubSpot's maximum; hubspot/read.ts findDuplicates).
			company: { object: 'companies', nameField: 'name', search: { endpoint: 'objects.search', perCall: 5 } },
			// New deals go into the default pipeline, whose stages the default value map names ("if
			// you're setting a stage that is not in the default pipeline, you'll also need to set the
			// pipeline property", https://developers.hubspot.com/docs/methods/pipelines/pipelines_overview).
			deal: { object: 'deals', titleField: 'dealname', titleFallback: ['firstname', 'lastname'], createDefaults: () => ({ pipeline: 'default' }) },
		},
	},
	salesforce: {
		Contact: {
			crm: 'salesforce',
			primary: 'Contact',
			link: 'reference',
			// SOQL `WHERE AccountId IN (…)`, 100 ids per query (salesforce/read.ts listRelated).
			primariesLookup: { endpoint: 'query', perCall: 100 },
			company: { object: 'Account', nameField: 'Name', primaryRef: 'AccountId', search: { endpoint: 'query', perCall: 100 } },
			deal: {
				object: 'Opportunity',
				titleField: 'Name',
				companyRef: 'AccountId',
				junction: { object: 'OpportunityContactRole', dealField: 'OpportunityId', primaryField: 'ContactId', fields: { IsPrimary: true } },
				createDefaults: quarterEnd,
				titleFallback: ['FirstName', 'LastName'],
			},
		},
	},
};

/**
 * Objects whose records are converted into another object's group: a Salesforce Lead "continues
 * as its Contact + Account + Opportunity" once converted (convertLead,
 * https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_convertlead.htm).
 * Its Linked Records are the conversion's members.
 */
const CONVERTS_TO: Partial<Record<CrmName, Record<string, { object: string; primariesLookup: LookupCost }>>> = {
	salesforce: { Lead: { object: 'Contact', primariesLookup: { endpoint: 'query', perCall: 100 } } },
};

/** The group of `object` on `crm` limited to the chosen member objects, or undefined when there is none. */
export function groupSpec(crm: CrmName, object: string, members: readonly string[]): GroupSpec | undefined {
	const conversion = CONVERTS_TO[crm]?.[object];
	if (conversion) {
		const convertsTo = groupSpec(crm, conversion.object, members);
		return convertsTo && { crm, primary: object, link: convertsTo.link, primariesLookup: conversion.primariesLookup, convertsTo };
	}
	const full = SPECS[crm]?.[object];
	if (!full || members.length === 0) return undefined;
	const spec: GroupSpec = { crm, primary: full.primary, link: full.link, primariesLookup: full.primariesLookup };
	if (full.company && members.includes(full.company.object)) spec.company = full.company;
	if (full.deal && members.includes(full.deal.object)) spec.deal = full.deal;
	return spec.company || spec.deal ? spec : undefined;
}

/** The member objects a CRM's primary object can be grouped with (the "select objects" choice). */
export function groupMembers(crm: CrmName, object: string): string[] {
	const conversion = CONVERTS_TO[crm]?.[object];
	if (conversion) return groupMembers(crm, conversion.object);
	const full = SPECS[crm]?.[object];
	return full ? [full.company?.object, full.deal?.object].filter((o): o is string => !!o) : [];
}

/** The member objects of `object`'s group that these writes carry: as fields `<member>.<field>` or as member ids. */
export function membersCarried(crm: CrmName, object: string, writes: ReadonlyArray<{ fields: Record<string, unknown>; members?: MemberIds }>): string[] {
	return groupMembers(crm, object).filter((m) => writes.some((w) => w.members?.[m] || Object.keys(w.fields).some((k) => k.startsWith(`${m}.`))));
}

/** `organizations.name` → `{ member: 'organizations', field: 'name' }`; primary fields have no member. */
export function memberField(spec: GroupSpec, key: string): { member?: string; field: string } {
	const s = spec.convertsTo ?? spec;
	for (const m of [s.company?.object, s.deal?.object]) if (m && key.startsWith(`${m}.`)) return { member: m, field: key.slice(m.length + 1) };
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

/** Lowest id first: numeric ids by value (shorter is smaller), others in code-unit order. */
export function compareIds(x: string, y: string): number {
	return x.length - y.length || (x < y ? -1 : x > y ? 1 : 0);
}

export type { MemberIds };
