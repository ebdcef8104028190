/** Record groups: a prospect as a primary CRM record with its linked member records (see spec.ts). */
export { groupMembers, groupSpec, memberField, membersCarried, splitFields, type CompanyMember, type DealMember, type GroupSpec } from './spec';
export { assembleGroups, getGroupsByIds, listGroupChanges, type GroupReadOptions } from './read';
export { forecastGroupWrites, writeGroups } from './write';
