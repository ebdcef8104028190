/**
 * The default field mappings of the FieldFlow CRM Integration Guide, per CRM and object, both
 * directions. Custom mappings from the node UI are merged over these with `mergeMappings`.
 *
 * Default object for a FieldFlow prospect: Salesforce `Lead`, HubSpot `contacts`, Pipedrive
 * `persons` (`DEFAULT_PROSPECT_OBJECT`); meetings: Salesforce `Event`, HubSpot `meetings`, Pipedrive
 * `activities` (`DEFAULT_MEETING_OBJECT`). Every other object in `supportedObjects(crm)` is selectable.
 *
 * Notes on the tables:
 * - Contact Name is split into first/last name where the CRM stores them apart (Salesforce
 *   Lead/Contact, HubSpot contacts): last word = last name; one word = last name only.
 * - Deal names (Salesforce Opportunity.Name, HubSpot dealname, Pipedrive deal title) are written
 *   from Company Name on the way to the CRM only: renaming a deal never renames the company.
 * - Company Name for Salesforce Contact / Pipedrive persons lives on the linked Account /
 *   organization (a reference field): sync the company object, not a text field.
 * - Salesforce Lead Status has four standard values for FieldFlow's six statuses: qualified and
 *   proposal are both 'Working - Contacted' (lossy). Read back, 'Working - Contacted' is 'contacted'
 *   unless the link baseline says qualified/proposal (pass it as `prefer` to mapToFieldflow, or
 *   `lossyEquivalence` to the merge): no phantom change either way.
 * - Pipedrive has no stage for won/lost: deal `status` (open/won/lost) is mapped first, then
 *   `stage_id` (default pipeline 1..5) for open deals; 'lost' leaves the stage alone.
 * - Meeting outcome: HubSpot `hs_meeting_outcome` is an enumeration, so it carries the FieldFlow
 *   meeting status (scheduled/completed/cancelled); FieldFlow's free-text outcome goes to Pipedrive
 *   `public_description`. Salesforce Event has no outcome field (the adapter's logMeeting appends it
 *   to Description).
 */
import { groupSpec } from '../crm/group/spec';
import type { CrmName } from '../crm/types';
import type { ValueMap } from '../sync/types';
import type { MappingRule, ValueMaps } from './engine';

export const DEFAULT_PROSPECT_OBJECT: Record<CrmName, string> = { salesforce: 'Lead', hubspot: 'contacts', pipedrive: 'persons' };
export const DEFAULT_MEETING_OBJECT: Record<CrmName, string> = { salesforce: 'Event', hubspot: 'meetings', pipedrive: 'activities' };

const vm = (name: string, toCrm: Record<string, string>, extraToFieldflow: Record<string, string> = {}): ValueMap => {
	const toFieldflow: Record<string, string> = {};
	// The inverse of toCrm (the first FieldFlow value wins when toCrm is lossy), then the extras.
	for (const [ff, crm] of Object.entries(toCrm)) if (!(crm in toFieldflow)) toFieldflow[crm] = ff;
	Object.assign(toFieldflow, extraToFieldflow);
	return { name, toCrm, toFieldflow };
};

/**
 * FieldFlow status (new, contacted, qualified, proposal, won, lost) ↔ each CRM's picklist.
 * - salesforceLeadStatus: new → Open - Not Contacted; contacted, qualified, proposal → Working -
 *   Contacted (read back as contacted); won → Closed - Converted; lost → Closed - Not Converted.
 * - salesforceOpportunityStage: new → Prospecting, contacted → Qualification, qualified → Needs
 *   Analysis, proposal → Proposal/Price Quote, won → Closed Won, lost → Closed Lost; the other
 *   standard stages read back as qualified (Value Proposition, Id. Decision Makers, Perception
 *   Analysis) or proposal (Negotiation/Review).
 * - hubspotDealStage: new → appointmentscheduled, contacted → qualifiedtobuy, qualified →
 *   presentationscheduled, proposal → contractsent, won → closedwon, lost → closedlost;
 *   decisionmakerboughtin reads back as proposal.
 * - pipedriveDealStatus: new/contacted/qualified/proposal → open, won → won, lost → lost (read back:
 *   won/lost only; an open deal takes its status from the stage).
 * - pipedriveStage (default pipeline): new → 1 Qualified, contacted → 2 Contact Made, qualified →
 *   3 Demo Scheduled, proposal → 4 Proposal Made, won → 5 Negotiations Started; stage 5 of an open
 *   deal reads back as proposal.
 * - hubspotMeetingOutcome: meeting status scheduled/completed/cancelled ↔ SCHEDULED/COMPLETED/
 *   CANCELED (RESCHEDULED → scheduled, NO_SHOW → cancelled).
 */
export const DEFAULT_VALUE_MAPS: ValueMaps = {
	salesforceLeadStatus: vm('salesforceLeadStatus', {
		new: 'Open - Not Contacted',
		contacted: 'Working - Contacted',
		qualified: 'Working - Contacted',
		proposal: 'Working - Contacted',
		won: 'Closed - Converted',
		lost: 'Closed - Not Converted',
	}),
	salesforceOpportunityStage: vm(
		'salesforceOpportunityStage',
		{
			new: 'Prospecting',
			contacted: 'Qualification',
			qualified: 'Needs Analysis',
			proposal: 'Proposal/Price Quote',
			won: 'Closed Won',
			lost: 'Closed Lost',
		},
		{ 'Value Proposition': 'qualified', 'Id. Decision Makers': 'qualified', 'Perception Analysis': 'qualified', 'Negotiation/Review': 'proposal' },
	),
	hubspotDealStage: vm(
		'hubspotDealStage',
		{
			new: 'appointmentscheduled',
			contacted: 'qualifiedtobuy',
			qualified: 'presentationscheduled',
			proposal: 'contractsent',
			won: 'closedwon',
			lost: 'closedlost',
		},
		{ decisionmakerboughtin: 'proposal' },
	),
	pipedriveDealStatus: {
		name: 'pipedriveDealStatus',
		toCrm: { new: 'open', contacted: 'open', qualified: 'open', proposal: 'open', won: 'won', lost: 'lost' },
		toFieldflow: { won: 'won', lost: 'lost' },
	},
	pipedriveStage: {
		name: 'pipedriveStage',
		toCrm: { new: '1', contacted: '2', qualified: '3', proposal: '4', won: '5' },
		toFieldflow: { '1': 'new', '2': 'contacted', '3': 'qualified', '4': 'proposal', '5': 'proposal' },
	},
	hubspotMeetingOutcome: vm('hubspotMeetingOutcome', { scheduled: 'SCHEDULED', completed: 'COMPLETED', cancelled: 'CANCELED' }, { RESCHEDULED: 'scheduled', NO_SHOW: 'cancelled' }),
};

const name = (first: string, last: string): MappingRule[] => [
	{ fieldflow: 'contact_name', crm: first, type: 'text', transform: 'firstName' },
	{ fieldflow: 'contact_name', crm: last, type: 'text', transform: 'lastName' },
];

const TABLES: Record<CrmName, Record<string, MappingRule[]>> = {
	salesforce: {
		Lead: [
			{ fieldflow: 'company_name', crm: 'Company', type: 'text' },
			...name('FirstName', 'LastName'),
			{ fieldflow: 'email', crm: 'Email', type: 'email' },
			{ fieldflow: 'phone', crm: 'Phone', type: 'phone' },
			{ fieldflow: 'status', crm: 'Status', type: 'picklist', valueMap: 'salesforceLeadStatus' },
			{ fieldflow: 'notes', crm: 'Description', type: 'text' },
		],
		Contact: [
			...name('FirstName', 'LastName'),
			{ fieldflow: 'email', crm: 'Email', type: 'email' },
			{ fieldflow: 'phone', crm: 'Phone', type: 'phone' },
			{ fieldflow: 'notes', crm: 'Description', type: 'text' },
		],
		Account: [
			{ fieldflow: 'company_name', crm: 'Name', type: 'text' },
			{ fieldflow: 'phone', crm: 'Phone', type: 'phone' },
			{ fieldflow: 'notes', crm: 'Description', type: 'text' },
		],
		Opportunity: [
			{ fieldflow: 'company_name', crm: 'Name', type: 'text', direction: 'toCrm' },
			{ fieldflow: 'status', crm: 'StageName', type: 'picklist', valueMap: 'salesforceOpportunityStage' },
			{ fieldflow: 'estimated_value', crm: 'Amount', type: 'number' },
			{ fieldflow: 'notes', crm: 'Description', type: 'text' },
		],
		Event: [
			{ fieldflow: 'title', crm: 'Subject', type: 'text' },
			{ fieldflow: 'start_time', crm: 'StartDateTime', type: 'datetime' },
			{ fieldflow: 'duration_minutes', crm: 'DurationInMinutes', type: 'number' },
			{ fieldflow: 'notes', crm: 'Description', type: 'text' },
		],
		Task: [
			{ fieldflow: 'title', crm: 'Subject', type: 'text' },
			{ fieldflow: 'start_time', crm: 'ActivityDate', type: 'date', direction: 'toCrm' },
			{ fieldflow: 'notes', crm: 'Description', type: 'text' },
		],
	},
	hubspot: {
		contacts: [
			...name('firstname', 'lastname'),
			{ fieldflow: 'email', crm: 'email', type: 'email' },
			{ fieldflow: 'phone', crm: 'phone', type: 'phone' },
			{ fieldflow: 'company_name', crm: 'company', type: 'text' },
		],
		companies: [
			{ fieldflow: 'company_name', crm: 'name', type: 'text' },
			{ fieldflow: 'phone', crm: 'phone', type: 'phone' },
		],
		deals: [
			{ fieldflow: 'company_name', crm: 'dealname', type: 'text', direction: 'toCrm' },
			{ fieldflow: 'status', crm: 'dealstage', type: 'picklist', valueMap: 'hubspotDealStage' },
			{ fieldflow: 'estimated_value', crm: 'amount', type: 'number' },
		],
		meetings: [
			{ fieldflow: 'title', crm: 'hs_meeting_title', type: 'text' },
			{ fieldflow: 'start_time', crm: 'hs_meeting_start_time', type: 'datetime' },
			{ fieldflow: 'notes', crm: 'hs_meeting_body', type: 'text' },
			{ fieldflow: 'status', crm: 'hs_meeting_outcome', type: 'picklist', valueMap: 'hubspotMeetingOutcome' },
		],
	},
	pipedrive: {
		persons: [
			{ fieldflow: 'contact_name', crm: 'name', type: 'text' },
			{ fieldflow: 'email', crm: 'email', type: 'email' },
			{ fieldflow: 'phone', crm: 'phone', type: 'phone' },
		],
		organizations: [{ fieldflow: 'company_name', crm: 'name', type: 'text' }],
		deals: [
			{ fieldflow: 'company_name', crm: 'title', type: 'text', direction: 'toCrm' },
			{ fieldflow: 'status', crm: 'status', type: 'picklist', valueMap: 'pipedriveDealStatus' },
			{ fieldflow: 'status', crm: 'stage_id', type: 'picklist', valueMap: 'pipedriveStage' },
			{ fieldflow: 'estimated_value', crm: 'value', type: 'number' },
		],
		activities: [
			{ fieldflow: 'title', crm: 'subject', type: 'text' },
			{ fieldflow: 'start_time', crm: 'due_date', type: 'date', transform: 'datePart' },
			{ fieldflow: 'start_time', crm: 'due_time', type: 'text', transform: 'timePart' },
			{ fieldflow: 'duration_minutes', crm: 'duration', type: 'text', transform: 'durationHhmm' },
			{ fieldflow: 'notes', crm: 'note', type: 'text' },
			{ fieldflow: 'outcome', crm: 'public_description', type: 'text' },
		],
	},
};

/** CRM objects with a default mapping table, in the order the UI offers them. */
export function supportedObjects(crm: CrmName): string[] {
	return Object.keys(TABLES[crm] ?? {});
}

/**
 * A fresh copy of the default mapping table for one CRM object ([] for an unknown object). With
 * `members` (a record group, see crm/group): the primary's table plus each member's, the member's
 * CRM fields under `<member>.<field>`; a FieldFlow field a member carries back (Company Name from
 * the organization) is then written to the primary's own copy of it (HubSpot's contact `company`
 * text) but no longer read from it; a field the primary maps itself (phone, notes) stays the
 * primary's only.
 */
export function defaultMappings(crm: CrmName, object: string, members: readonly string[] = []): MappingRule[] {
	const t = TABLES[crm]?.[object];
	const own = t ? t.map((m) => ({ ...m })) : [];
	// A Lead's Linked Records are its conversion's (crm/group spec.ts): the Lead keeps its own table.
	if (!members.length || groupSpec(crm, object, members)?.convertsTo) return own;
	// The person's own fields stay the person's: a shared company's phone is not each prospect's
	// phone. Company Name is the company's (and names the deal).
	const ownFields = new Set(own.map((m) => m.fieldflow));
	const fromMembers: MappingRule[] = [];
	for (const member of members) {
		for (const m of TABLES[crm]?.[member] ?? []) if (!ownFields.has(m.fieldflow) || m.fieldflow === 'company_name') fromMembers.push({ ...m, crm: `${member}.${m.crm}` });
	}
	const readFromMembers = new Set(fromMembers.filter((m) => m.direction !== 'toCrm').map((m) => m.fieldflow));
	for (const m of own) if (readFromMembers.has(m.fieldflow) && !m.direction) m.direction = 'toCrm';
	return [...own, ...fromMembers];
}
