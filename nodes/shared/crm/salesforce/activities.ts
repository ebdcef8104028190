/**
 * Salesforce activities: completed meetings become Events, meeting summaries Tasks, linked by
 * WhoId (Lead, Contact) or WhatId, idempotent by a marker in the Description.
 *
 * A prospect's record group (Contacts mode): WhoId is the Contact and WhatId ("Related To") its
 * group's Opportunity, else its Account (Event and Task objects,
 * https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_event.htm,
 * https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_task.htm).
 * A Lead as WhoId takes no WhatId: Salesforce rejects a Related To with a Lead ("If whoId is
 * related to lead, Salesforce does not allow the whatId field to contain any value",
 * https://rioeducation.com/salesforce-activity-whatid-whoid/), so a Lead's activity keeps WhoId only.
 * Summaries stay Tasks (the note of today's sync) with the same WhoId / WhatId: a Task is one record
 * linked to both, where a ContentNote would need a ContentDocumentLink per record.
 */
import { SyncError } from '../../errors';
import { failure } from '../batch';
import type { MeetingInput, NoteInput, WriteResult } from '../types';
import { PERSON_OBJECTS, type SalesforceClient } from './client';
import { soqlDateTime, soqlString } from './soql';
import type { SaveResult } from './write';

function linkField(linkTo: { object: string }): 'WhoId' | 'WhatId' {
	return PERSON_OBJECTS.has(linkTo.object) ? 'WhoId' : 'WhatId';
}

/** Members an activity cannot be related to (only a group's Account and Opportunity can be its WhatId): a failure naming them. */
function unknownMembers(ref: string, members: Record<string, string> | undefined): WriteResult | undefined {
	const bad = Object.keys(members ?? {}).filter((k) => k !== 'Account' && k !== 'Opportunity' && String(members![k] ?? '').trim() !== '');
	if (!bad.length) return undefined;
	return failure(ref, new SyncError({ kind: 'validation', recordRef: ref, fields: ['WhatId'], message: `A Salesforce activity is related to an Account or an Opportunity (Related To), not to ${bad.join(', ')}.`, hint: 'Linked Record IDs take Account and Opportunity, e.g. {"Account": "001…", "Opportunity": "006…"}' }));
}

/** The WhatId a Contact's activity takes from its group: the Opportunity, else the Account (none for a Lead or without members). */
function relatedTo(linkTo: { object: string }, members: Record<string, string> | undefined): { WhatId?: string } {
	if (linkTo.object !== 'Contact') return {};
	const what = String(members?.Opportunity ?? '').trim() || String(members?.Account ?? '').trim();
	return what ? { WhatId: what } : {};
}

/** Create or update one activity; `existing` first, then a search result, else create. */
async function writeActivity(sf: SalesforceClient, type: 'Event' | 'Task', ref: string, fields: Record<string, unknown>, existingId: string | undefined, find: () => Promise<string | undefined>): Promise<WriteResult> {
	try {
		if (existingId) {
			try {
				await sf.call(`sobject.update`, () => sf.conn.update(type, { Id: existingId, ...fields }));
				return { ref, success: true, id: existingId, created: false };
			} catch (e) {
				if (sf.classify(e).kind !== 'not_found') throw e;
			}
		}
		const found = await find();
		if (found) {
			await sf.call('sobject.update', () => sf.conn.update(type, { Id: found, ...fields }));
			return { ref, success: true, id: found, created: false };
		}
		const res = (await sf.call('sobject.create', () => sf.conn.create(type, fields), 'creates')) as SaveResult;
		return { ref, success: true, id: res.id, created: true };
	} catch (e) {
		const err = sf.classify(e, ref);
		err.recordRef = ref;
		return { ref, success: false, error: err };
	}
}

export async function logMeeting(sf: SalesforceClient, m: MeetingInput): Promise<WriteResult> {
	const bad = unknownMembers(m.meetingId, m.members);
	if (bad) return bad;
	const marker = `[FieldFlow meeting ${m.meetingId}]`;
	const link = linkField(m.linkTo);
	const start = soqlDateTime(m.startTime);
	const description = [m.notes, m.outcome ? `Outcome: ${m.outcome}` : undefined, marker].filter(Boolean).join('\n\n');
	const fields = {
		Subject: m.subject.slice(0, 255),
		StartDateTime: start,
		DurationInMinutes: Math.max(0, Math.round(m.durationMinutes)),
		Type: 'Meeting',
		Description: description,
		...relatedTo(m.linkTo, m.members),
		[link]: m.linkTo.id,
	};
	return writeActivity(sf, 'Event', m.meetingId, fields, m.existingId, async () => {
		// Description cannot be filtered in SOQL: narrow by link + subject/start, then check the marker.
		const soql = `SELECT Id, Description FROM Event WHERE ${link} = ${soqlString(m.linkTo.id)} AND (Subject = ${soqlString(fields.Subject)} OR StartDateTime = ${start}) ORDER BY CreatedDate ASC LIMIT 200`;
		const rows = await sf.queryAllPages(soql);
		return rows.find((r) => String(r.Description ?? '').includes(marker))?.Id as string | undefined;
	});
}

export async function addNote(sf: SalesforceClient, n: NoteInput): Promise<WriteResult> {
	const bad = unknownMembers(n.summaryId, n.members);
	if (bad) return bad;
	const marker = `[FieldFlow summary ${n.summaryId}]`;
	const link = linkField(n.linkTo);
	const subject = `FieldFlow meeting summary ${n.summaryId}`.slice(0, 255);
	const fields = {
		Subject: subject,
		Status: 'Completed',
		Priority: 'Normal',
		ActivityDate: new Date().toISOString().slice(0, 10),
		Description: `${n.body}\n\n${marker}`,
		...relatedTo(n.linkTo, n.members),
		[link]: n.linkTo.id,
	};
	return writeActivity(sf, 'Task', n.summaryId, fields, n.existingId, async () => {
		const soql = `SELECT Id, Description FROM Task WHERE ${link} = ${soqlString(n.linkTo.id)} AND Subject = ${soqlString(subject)} ORDER BY CreatedDate ASC LIMIT 200`;
		const rows = await sf.queryAllPages(soql);
		return rows.find((r) => String(r.Description ?? '').includes(marker))?.Id as string | undefined;
	});
}
