/**
 * Pipedrive activities: meetings become activities (type meeting), summaries notes (v1), linked
 * to the person / organization / deal, idempotent by a marker in the note text.
 *
 * A prospect's record group: the activity / note carries the person and its group's members at once
 * (`person_id`, `org_id`, `deal_id` on one activity: Add an activity, v2,
 * https://developers.pipedrive.com/docs/api/v1/Activities#addActivity; on one note: Add a note,
 * https://developers.pipedrive.com/docs/api/v1/Notes#addNote). The marker search lists the
 * activities / notes of the primary record alone, so an activity logged before it had members is
 * still found, and the update links it to them.
 */
import { SyncError } from '../../errors';
import type { MeetingInput, NoteInput, WriteResult } from '../types';
import { OBJECTS, PAGE_MAX, type PipedriveClient } from './client';

export async function logMeeting(pd: PipedriveClient, m: MeetingInput): Promise<WriteResult> {
	const ref = m.meetingId;
	const marker = `[FieldFlow meeting ${m.meetingId}]`;
	try {
		const primary = linkParams(pd, m.linkTo, ref);
		const link = { ...membersParams(pd, m.members, ref), ...primary };
		const start = new Date(m.startTime);
		if (isNaN(start.getTime())) throw new SyncError({ kind: 'validation', recordRef: ref, fields: ['startTime'], code: 'INVALID_DATE', message: `Meeting ${m.meetingId} has no valid start time ("${m.startTime}").` });
		const minutes = Math.max(0, Math.round(m.durationMinutes || 0));
		const note = [m.notes, m.outcome ? `Outcome: ${m.outcome}` : undefined, marker].filter((x) => x && String(x).trim()).join('\n\n');
		const body: Record<string, unknown> = {
			subject: m.subject,
			type: 'meeting',
			due_date: start.toISOString().slice(0, 10),
			due_time: start.toISOString().slice(11, 16),
			duration: `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`,
			note,
			done: true,
			...link,
		};
		if (link.person_id) body.participants = [{ person_id: link.person_id, primary: true }];

		let id = m.existingId;
		if (id) {
			const n = pd.numericId(id, 'activity', ref);
			try {
				await pd.call('activities.update', () => pd.ops.activities.update(n, body), { what: `update activity ${id}`, ref, safety: 'idempotent' });
				return { ref, success: true, id, created: false };
			} catch (e) {
				if (!(e instanceof SyncError && e.kind === 'not_found' && /activity/i.test(e.message))) throw e;
				id = undefined; // deleted in Pipedrive: find by marker or recreate
			}
		}
		// The API cannot filter on note text: list the linked record's activities and look for the marker.
		let cursor: string | undefined;
		do {
			const page = await pd.call('activities.list', () => pd.ops.activities.list({ ...primary, limit: PAGE_MAX, cursor }), { what: 'find a previously logged meeting', ref });
			const hit = (page.data ?? []).find((a) => typeof a.note === 'string' && a.note.includes(marker));
			if (hit) {
				await pd.call('activities.update', () => pd.ops.activities.update(hit.id!, body), { what: `update activity ${hit.id}`, ref, safety: 'idempotent' });
				return { ref, success: true, id: String(hit.id), created: false };
			}
			cursor = page.additional_data?.next_cursor ?? undefined;
		} while (cursor);
		const res = await pd.call('activities.create', () => pd.ops.activities.create(body), { what: 'create meeting activity', ref, safety: 'creates' });
		return { ref, success: true, id: String(res.data?.id), created: true };
	} catch (e) {
		return { ref, success: false, error: pd.classify(e, 'log meeting', ref) };
	}
}

export async function addNote(pd: PipedriveClient, n: NoteInput): Promise<WriteResult> {
	const ref = n.summaryId;
	const marker = `[FieldFlow summary ${n.summaryId}]`;
	try {
		const primary = linkParams(pd, n.linkTo, ref);
		const link = { ...membersParams(pd, n.members, ref), ...primary };
		const content = `${n.body}\n\n${marker}`;
		const note = { content, ...link };
		if (n.existingId) {
			const id = pd.numericId(n.existingId, 'note', ref);
			try {
				await pd.call('notes.update', () => pd.notes.updateNote({ id, NoteRequest: note as never }), { what: `update note ${id}`, ref, safety: 'idempotent' });
				return { ref, success: true, id: String(id), created: false };
			} catch (e) {
				if (!(e instanceof SyncError && e.kind === 'not_found' && /note/i.test(e.message))) throw e;
			}
		}
		for (let start = 0; ; ) {
			const page = (await pd.call('notes.list', () => pd.notes.getNotes({ ...primary, start, limit: PAGE_MAX }), { what: 'find a previously added note', ref })) as {
				data?: Array<{ id?: number; content?: string }> | null;
				additional_data?: { pagination?: { more_items_in_collection?: boolean; next_start?: number } };
			};
			const hit = (page.data ?? []).find((x) => typeof x.content === 'string' && x.content.includes(marker));
			if (hit) {
				await pd.call('notes.update', () => pd.notes.updateNote({ id: hit.id!, NoteRequest: note as never }), { what: `update note ${hit.id}`, ref, safety: 'idempotent' });
				return { ref, success: true, id: String(hit.id), created: false };
			}
			const p = page.additional_data?.pagination;
			if (!p?.more_items_in_collection) break;
			start = p.next_start ?? start + PAGE_MAX;
		}
		const res = (await pd.call('notes.create', () => pd.notes.addNote({ AddNoteRequest: note }), { what: 'create note', ref, safety: 'creates' })) as { data?: { id?: number } };
		return { ref, success: true, id: String(res.data?.id), created: true };
	} catch (e) {
		return { ref, success: false, error: pd.classify(e, 'add note', ref) };
	}
}

function linkParams(pd: PipedriveClient, linkTo: { object: string; id: string }, ref: string): { person_id?: number; org_id?: number; deal_id?: number } {
	const o = pd.obj(linkTo.object);
	const id = pd.numericId(linkTo.id, OBJECTS[o].singular, ref);
	if (o === 'persons') return { person_id: id };
	if (o === 'organizations') return { org_id: id };
	if (o === 'deals') return { deal_id: id };
	throw new SyncError({ kind: 'validation', recordRef: ref, code: 'INVALID_LINK', message: 'Meetings and notes link to a person, an organization or a deal, not to an activity.' });
}

/** The link fields of a group's member records (`{ organizations: '12', deals: '40' }` → org_id, deal_id); empty ids are skipped. */
function membersParams(pd: PipedriveClient, members: Record<string, string> | undefined, ref: string): { person_id?: number; org_id?: number; deal_id?: number } {
	const out: { person_id?: number; org_id?: number; deal_id?: number } = {};
	for (const [object, id] of Object.entries(members ?? {})) {
		if (id === undefined || id === null || String(id).trim() === '') continue;
		Object.assign(out, linkParams(pd, { object, id: String(id).trim() }, ref));
	}
	return out;
}
