/**
 * Salesforce activities: completed meetings become Events, meeting summaries Tasks, linked by
 * WhoId (Lead, Contact) or WhatId, idempotent by a marker in the Description.
 */
import type { MeetingInput, NoteInput, WriteResult } from '../types';
import { PERSON_OBJECTS, type SalesforceClient } from './client';
import { soqlDateTime, soqlString } from './soql';
import type { SaveResult } from './write';

function linkField(linkTo: { object: string }): 'WhoId' | 'WhatId' {
	return PERSON_OBJECTS.has(linkTo.object) ? 'WhoId' : 'WhatId';
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
	const marker = `[FieldFlow summary ${n.summaryId}]`;
	const link = linkField(n.linkTo);
	const subject = `FieldFlow meeting summary ${n.summaryId}`.slice(0, 255);
	const fields = {
		Subject: subject,
		Status: 'Completed',
		Priority: 'Normal',
		ActivityDate: new Date().toISOString().slice(0, 10),
		Description: `${n.body}\n\n${marker}`,
		[link]: n.linkTo.id,
	};
	return writeActivity(sf, 'Task', n.summaryId, fields, n.existingId, async () => {
		const soql = `SELECT Id, Description FROM Task WHERE ${link} = ${soqlString(n.linkTo.id)} AND Subject = ${soqlString(subject)} ORDER BY CreatedDate ASC LIMIT 200`;
		const rows = await sf.queryAllPages(soql);
		return rows.find((r) => String(r.Description ?? '').includes(marker))?.Id as string | undefined;
	});
}
