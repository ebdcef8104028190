/**
 * Salesforce Lead conversion, followed: a Lead converted in Salesforce (IsConverted, with
 * ConvertedContactId / ConvertedAccountId / ConvertedOpportunityId) is read-only from then on
 * (every update answers CANNOT_UPDATE_CONVERTED_LEAD) and the prospect lives on the records the
 * conversion made. `leadConversions` tells which Leads were converted and into what;
 * `followConversions` reads those records as the Contact group (Contacts mode: Contact + Account +
 * Opportunity), so the caller moves the prospect's link to the Contact and its members, writes
 * the Lead no more, and creates nothing again.
 */
import type { CallForecast, ChangePage, CrmAdapter, CrmName, CrmRecord, ListOptions, MemberIds, WriteCounts, WriteInput, WriteResult } from '../types';
import { formatPosition } from '../../keyset';
import { isKeysetRead } from '../keyset';
import { DEFAULT_FIELDS } from '../salesforce/client';
import { getGroupsByIds, listGroupChanges, readsEverything, type GroupReadOptions } from './read';
import { groupMembers, groupSpec, idOf, type GroupSpec } from './spec';
import { forecastGroupWrites, writeGroups } from './write';

/** The Lead fields that say whether and into what a Lead was converted (read-only in Salesforce). */
export const LEAD_CONVERSION_FIELDS = ['IsConverted', 'ConvertedContactId', 'ConvertedAccountId', 'ConvertedOpportunityId'];

/** A Lead's fields as Leads mode reads them: the default ones and whether and into what it was converted (no extra call). */
const LEAD_READ_FIELDS = [...DEFAULT_FIELDS.Lead, ...LEAD_CONVERSION_FIELDS];

/**
 * Salesforce record ids begin with their object's key prefix (Lead 00Q, Contact 003): "the first
 * three characters of the ID identify the object"
 * (https://help.salesforce.com/s/articleView?id=000385008&type=1; keyPrefix in describeSObjects,
 * https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_describesobjects_describesobjectresult.htm).
 */
export const SALESFORCE_KEY_PREFIX: Record<string, string> = { Lead: '00Q', Contact: '003', Account: '001', Opportunity: '006' };

/** The object a Salesforce id names, by its key prefix (undefined for another prefix). */
export function salesforceObjectOf(id: string): string | undefined {
	const prefix = String(id).slice(0, 3);
	return Object.keys(SALESFORCE_KEY_PREFIX).find((o) => SALESFORCE_KEY_PREFIX[o] === prefix);
}

/**
 * The CRM object a link of lane `object` names: a Salesforce Leads link whose Lead was converted
 * names the Contact (the id's prefix says so), so a meeting is logged with WhoId the Contact and
 * WhatId its Opportunity; any other link names a record of `object`.
 */
export function linkedObjectOf(crm: CrmName, object: string, crmId: string | null | undefined): string {
	const target = groupSpec(crm, object, groupMembers(crm, object))?.convertsTo?.primary;
	return target && crmId && crm === 'salesforce' && salesforceObjectOf(crmId) === target ? target : object;
}

/** Whether `id` is a record of the group a converted record continues as (a Contact id in Leads mode). */
export function isConvertedId(spec: GroupSpec, id: string | undefined): boolean {
	return !!spec.convertsTo && !!id && salesforceObjectOf(id) === spec.convertsTo.primary;
}

/** A Lead's conversion from its own fields (IsConverted, Converted*Id), undefined when it is not converted. */
function conversionOf(r: CrmRecord): LeadConversion | undefined {
	const contactId = idOf(r.fields.ConvertedContactId);
	if (r.fields.IsConverted !== true || !contactId) return undefined;
	const c: LeadConversion = { leadId: r.id, contactId };
	const accountId = idOf(r.fields.ConvertedAccountId);
	const opportunityId = idOf(r.fields.ConvertedOpportunityId);
	if (accountId) c.accountId = accountId;
	if (opportunityId) c.opportunityId = opportunityId;
	return c;
}

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
		const c = conversionOf(r);
		if (c) out.push(c);
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

/**
 * Leads as Leads mode reads them (`spec`: a spec with `convertsTo`): each converted one replaced
 * by the Contact group it became, `object` 'Contact' and `convertedFrom` the Lead id; the others
 * as they are. The conversion fields came with the Leads: only the converted ones cost reads.
 */
export async function followLeads(a: CrmAdapter, spec: GroupSpec, leads: CrmRecord[]): Promise<CrmRecord[]> {
	const conversions = leads.flatMap((l) => conversionOf(l) ?? []);
	if (!conversions.length) return leads;
	const followed = await followConversions(a, spec.convertsTo!, conversions);
	return leads.map((l) => {
		const g = followed.get(l.id);
		return g ? { ...g, convertedFrom: l.id } : l;
	});
}

/**
 * getGroupsByIds of Leads mode: Contact ids (a prospect whose Lead was converted: its link names
 * the Contact, the id's prefix says so) read as Contact groups, with the members the links name
 * (`options.hints`); Lead ids read as Leads, a converted one followed to its Contact group (then
 * the record's id is the Contact's and `convertedFrom` the Lead id asked for). In the order of `ids`.
 */
export async function leadGroupsByIds(a: CrmAdapter, spec: GroupSpec, ids: string[], options: GroupReadOptions = {}): Promise<CrmRecord[]> {
	const contactIds = ids.filter((id) => isConvertedId(spec, id));
	const leadIds = ids.filter((id) => !isConvertedId(spec, id));
	const byId = new Map<string, CrmRecord>();
	if (contactIds.length) for (const g of await getGroupsByIds(a, spec.convertsTo!, contactIds, options)) byId.set(g.id, g);
	if (leadIds.length) for (const r of await followLeads(a, spec, await a.getByIds(spec.primary, leadIds, LEAD_READ_FIELDS))) byId.set(r.convertedFrom ?? r.id, r);
	return ids.flatMap((id) => byId.get(id) ?? []);
}

/** Contact id → the Lead converted into it, for these Contacts: one SOQL per 100 (Lead WHERE ConvertedContactId IN (…)). */
export async function convertedLeadsOf(a: CrmAdapter, contactIds: string[]): Promise<Map<string, string>> {
	const out = new Map<string, string>();
	if (!contactIds.length || !a.listRelated) return out;
	for (const l of await a.listRelated({ object: 'Lead', field: 'ConvertedContactId', ids: contactIds, fields: ['IsConverted', 'ConvertedContactId'] })) {
		const contactId = idOf(l.fields.ConvertedContactId);
		if (contactId && l.fields.IsConverted === true && !out.has(contactId)) out.set(contactId, l.id);
	}
	return out;
}

/**
 * listGroupChanges of Leads mode: the Lead feed as without groups, each page's converted Leads
 * replaced by their Contact groups (followLeads; a keyset page keeps each record's place in the
 * Lead feed as its `position`); then, when Since is a real time, the Contact-group feed (Contacts
 * changed themselves or through their Account or Opportunity) limited to the Contacts some Lead
 * was converted into, tagged with that Lead, each Contact once. The cursor rules of
 * listGroupChanges hold: a keyset read gives its Contact pages after the last keyset page as
 * `unordered` pages; an unpaged read holds every page's cursor at Since until the last page, which
 * carries the newest time of both feeds.
 */
export async function* leadGroupChanges(a: CrmAdapter, spec: GroupSpec, since: string | undefined, options: ListOptions & GroupReadOptions = {}): AsyncIterable<ChangePage> {
	const keyset = isKeysetRead(options);
	const { pageSize, after, until, limit } = options;
	const everything = readsEverything(since);
	const seen = new Set<string>();
	let high = since ?? '';
	let read = 0;
	for await (const page of a.listChangedSince(spec.primary, since, keyset ? { pageSize, after, until, limit, fields: LEAD_READ_FIELDS } : { pageSize, fields: LEAD_READ_FIELDS })) {
		read += page.records.length;
		if (page.cursor > high) high = page.cursor;
		const records = await followLeads(a, spec, page.records);
		for (const r of records) if (r.convertedFrom) seen.add(r.id);
		if (keyset) records.forEach((r, i) => r.convertedFrom && (r.position = formatPosition(page.records[i].modifiedAt, page.records[i].id)));
		yield { records, cursor: keyset && everything ? page.cursor : since ?? '' };
	}
	if (keyset && (everything || (limit !== undefined && read >= limit))) return;
	const extra = keyset ? { unordered: true } : {};
	// From the beginning every converted Lead is in the Lead feed: the Contact feed adds none.
	if (!everything) {
		for await (const page of listGroupChanges(a, spec.convertsTo!, since, { pageSize, hints: options.hints, ownersOfDeleted: options.ownersOfDeleted })) {
			if (page.cursor > high) high = page.cursor;
			const fresh = page.records.filter((r) => !seen.has(r.id));
			const leadOf = await convertedLeadsOf(a, fresh.map((r) => r.id));
			const records = fresh.filter((r) => leadOf.has(r.id)).map((r) => ({ ...r, convertedFrom: leadOf.get(r.id)! }));
			for (const r of records) seen.add(r.id);
			if (records.length) yield { records, cursor: since ?? '', ...extra };
		}
	}
	yield { records: [], cursor: high, ...extra };
}

/**
 * writeGroups of Leads mode: inputs whose id is a Contact (a converted prospect) are written as
 * the Contact group (their fields as the converted mapping gives them: Phone, Account.Name,
 * Opportunity.StageName …, their members the link's); the others as Leads, as without groups
 * (creates and updates of Leads that are not converted). Results in the order of `inputs`.
 */
export async function writeLeadGroups(a: CrmAdapter, spec: GroupSpec, inputs: WriteInput[]): Promise<WriteResult[]> {
	const converted = inputs.filter((i) => isConvertedId(spec, i.id));
	const leads = inputs.filter((i) => !isConvertedId(spec, i.id)).map(({ members: _m, associations: _a, ...rest }) => rest);
	const byRef = new Map<string, WriteResult>();
	if (converted.length) for (const r of await writeGroups(a, spec.convertsTo!, converted)) byRef.set(r.ref, r);
	if (leads.length) for (const r of await a.upsert(spec.primary, leads)) byRef.set(r.ref, r);
	return inputs.map((i) => byRef.get(i.ref) ?? { ref: i.ref, success: false });
}

/** forecastGroupWrites of Leads mode: the converted prospects' writes as Contact groups, the others' as Lead writes. */
export function forecastLeadGroupWrites(spec: GroupSpec, inputs: WriteInput[], forecast: (object: string, counts: WriteCounts) => CallForecast): CallForecast {
	const converted = inputs.filter((i) => isConvertedId(spec, i.id));
	const leads = inputs.filter((i) => !isConvertedId(spec, i.id));
	const out: CallForecast = converted.length ? { ...forecastGroupWrites(spec.convertsTo!, converted, forecast) } : {};
	if (leads.length) {
		for (const [k, n] of Object.entries(forecast(spec.primary, { creates: leads.filter((i) => !i.id).length, updates: leads.filter((i) => i.id).length }))) if (n > 0) out[k] = (out[k] ?? 0) + n;
	}
	return out;
}
