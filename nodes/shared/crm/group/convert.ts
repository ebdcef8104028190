/**
 * Salesforce Lead conversion, followed: a Lead converted in Salesforce (IsConverted, with
 * ConvertedContactId / ConvertedAccountId / ConvertedOpportunityId) is read-only from then on
 * (every update answers CANNOT_UPDATE_CONVERTED_LEAD) and the prospect lives on the records the
 * conversion made. `leadConversions` tells which Leads were converted and into what;
 * `followConversions` reads those records as the Contact group (Contacts mode: Contact + Account +
 * Opportunity), so the caller moves the prospect's link to the Contact and its members, writes
 * the Lead no more, and creates nothing again.
 */
import type { CrmAdapter, CrmRecord, MemberIds } from '../types';
import { getGroupsByIds } from './read';
import { idOf, type GroupSpec } from './spec';

/** The Lead fields that say whether and into what a Lead was converted (read-only in Salesforce). */
export const LEAD_CONVERSION_FIELDS = ['IsConverted', 'ConvertedContactId', 'ConvertedAccountId', 'ConvertedOpportunityId'];

export interface LeadConversion {
	leadId: string;
	contactId: string;
	accountId?: string;
	/** Absent when the conversion made no Opportunity (doNotCreateOpportunity). */
	opportunityId?: string;
}

/** The converted ones of these Leads and what each became: one read per 2,000 Leads (sObject Collections retrieve). */
export async function leadConversions(a: CrmAdapter, leadIds: string[]): Promise<LeadConversion[]> {
	if (a.crm !== 'salesforce' || !leadIds.length) return [];
	const out: LeadConversion[] = [];
	for (const r of await a.getByIds('Lead', leadIds, LEAD_CONVERSION_FIELDS)) {
		const contactId = idOf(r.fields.ConvertedContactId);
		if (r.fields.IsConverted !== true || !contactId) continue;
		const c: LeadConversion = { leadId: r.id, contactId };
		const accountId = idOf(r.fields.ConvertedAccountId);
		const opportunityId = idOf(r.fields.ConvertedOpportunityId);
		if (accountId) c.accountId = accountId;
		if (opportunityId) c.opportunityId = opportunityId;
		out.push(c);
	}
	return out;
}

/**
 * Lead id → the Contact group its conversion made (`spec`: the Contact group spec), its members
 * the Account and Opportunity of the conversion (given as the link's hints, so a second
 * Opportunity of the Contact is not taken for it).
 */
export async function followConversions(a: CrmAdapter, spec: GroupSpec, conversions: LeadConversion[]): Promise<Map<string, CrmRecord>> {
	const hints = new Map<string, MemberIds>();
	for (const c of conversions) {
		const m: MemberIds = {};
		if (spec.company && c.accountId) m[spec.company.object] = c.accountId;
		if (spec.deal && c.opportunityId) m[spec.deal.object] = c.opportunityId;
		hints.set(c.contactId, m);
	}
	const groups = new Map((await getGroupsByIds(a, spec, [...hints.keys()], { hints })).map((g) => [g.id, g]));
	const out = new Map<string, CrmRecord>();
	for (const c of conversions) {
		const g = groups.get(c.contactId);
		if (g) out.set(c.leadId, g);
	}
	return out;
}
