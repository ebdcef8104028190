/** Record groups: a prospect as a primary CRM record with its linked member records (see spec.ts). */
export { groupMembers, groupSpec, memberField, membersCarried, splitFields, type CompanyMember, type DealMember, type GroupSpec, type LinkKind } from './spec';
export { groupLinks, type GroupLinks } from './links';
export { assembleGroups, getGroupsByIds, listGroupChanges, type GroupReadOptions } from './read';
export { forecastGroupWrites, writeGroups } from './write';
export { LEAD_CONVERSION_FIELDS, SALESFORCE_KEY_PREFIX, convertedLeadsOf, followConversions, followLeads, isConvertedId, linkedObjectOf, leadConversions, leadGroupChanges, leadGroupsByIds, salesforceObjectOf, writeLeadGroups, type LeadConversion } from './convert';
export { detachedKey, detachedMembers, isDetached, liveMembers } from './detached';
