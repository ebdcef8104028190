/**
 * HubSpot activities: meetings and notes (meeting summaries), idempotent by a marker (the meeting's
 * external URL; a search token in the note body) and linked with HubSpot's default associations.
 *
 * A prospect's record group: the meeting / note is associated with the contact and with each
 * member (company, deal), inline on create (one call: Create a meeting with `associations`,
 * https://developers.hubspot.com/docs/api/crm/meetings#create-meetings; notes likewise,
 * https://developers.hubspot.com/docs/api/crm/notes), with the default types of associations.ts
 * (meeting → contact 200, company 188, deal 212; note → contact 202, company 190, deal 214). An
 * existing one found again is updated and gets each association with the default PUT (creating an
 * association that exists changes nothing), so an activity logged before its prospect had a
 * company or a deal gains them.
 */
import { createHash } from 'node:crypto';
import { SyncError } from '../../errors';
import { errorFor, failure } from '../batch';
import type { MeetingInput, NoteInput, WriteResult } from '../types';
import type { HubSpotClient, SearchFilter } from './client';
import { HUBSPOT_ASSOCIATION_TYPES } from './associations';

const SINGULAR: Record<string, string> = { contacts: 'contact', companies: 'company', deals: 'deal' };

const MEETING_OUTCOMES: Record<string, string> = {
	scheduled: 'SCHEDULED',
	completed: 'COMPLETED',
	done: 'COMPLETED',
	rescheduled: 'RESCHEDULED',
	no_show: 'NO_SHOW',
	noshow: 'NO_SHOW',
	canceled: 'CANCELED',
	cancelled: 'CANCELED',
};

export async function logMeeting(hs: HubSpotClient, m: MeetingInput): Promise<WriteResult> {
	const start = Date.parse(m.startTime);
	if (!Number.isFinite(start)) {
		return failure(m.meetingId, new SyncError({ kind: 'validation', message: `Meeting ${m.meetingId}: start time "${m.startTime}" is not a valid date.`, fields: ['hs_meeting_start_time'], recordRef: m.meetingId }));
	}
	const url = meetingUrl(m.meetingId);
	const end = start + Math.max(0, m.durationMinutes || 0) * 60_000;
	const properties: Record<string, string> = {
		hs_meeting_title: m.subject,
		hs_meeting_body: `${m.notes ? `${m.notes}\n` : ''}[FieldFlow meeting ${m.meetingId}]`,
		hs_timestamp: new Date(start).toISOString(),
		hs_meeting_start_time: new Date(start).toISOString(),
		hs_meeting_end_time: new Date(end).toISOString(),
		hs_meeting_external_url: url,
	};
	const outcome = meetingOutcome(m.outcome);
	if (outcome) properties.hs_meeting_outcome = outcome;
	return idempotentActivity(hs, 'meetings', m.meetingId, m.existingId, linkTargets(m.linkTo, m.members), properties, async () => {
		const res = await hs.search('meetings', {
			filterGroups: [{ filters: [{ propertyName: 'hs_meeting_external_url', operator: 'EQ', value: url }] }],
			sorts: [],
			properties: ['hs_meeting_external_url'],
			limit: 10,
		}, `find meeting ${m.meetingId}`);
		return (res.results ?? []).find((r) => r.properties.hs_meeting_external_url === url)?.id;
	});
}

export async function addNote(hs: HubSpotClient, n: NoteInput): Promise<WriteResult> {
	const token = summaryToken(n.summaryId);
	const marker = `[FieldFlow summary ${n.summaryId} ${token}]`;
	const properties: Record<string, string> = {
		hs_note_body: `${n.body}\n<p>${escapeHtml(marker)}</p>`,
		hs_timestamp: new Date().toISOString(),
	};
	return idempotentActivity(hs, 'notes', n.summaryId, n.existingId, linkTargets(n.linkTo, n.members), properties, async () => {
		const filters: SearchFilter[] = [{ propertyName: 'hs_note_body', operator: 'CONTAINS_TOKEN', value: token }];
		const singular = SINGULAR[n.linkTo.object];
		if (singular) filters.unshift({ propertyName: `associations.${singular}`, operator: 'EQ', value: n.linkTo.id });
		const res = await hs.search('notes', { filterGroups: [{ filters }], sorts: [], properties: ['hs_note_body'], limit: 10 }, `find note ${n.summaryId}`);
		return (res.results ?? []).find((r) => String(r.properties.hs_note_body ?? '').includes(escapeHtml(marker)))?.id;
	});
}

/**
 * Update the known activity (existingId, else one found by its marker) or create it with its
 * association. Note: the search index lags writes by seconds in HubSpot, so the marker lookup is
 * the second line of defence; callers pass existingId from their link table whenever they can.

/** The record the activity belongs to, then its group's members (without empty ids or repeats). */
function linkTargets(linkTo: { object: string; id: string }, members: Record<string, string> | undefined): Array<{ object: string; id: string }> {
	const out = [linkTo];
	for (const [object, id] of Object.entries(members ?? {})) {
		const v = String(id ?? '').trim();
		if (v && !out.some((t) => t.object === object && t.id === v)) out.push({ object, id: v });
	}
	return out;
}

/**
 * Update the known activity (existingId, else one found by its marker) or create it with its
 * associations. Note: the search index lags writes by seconds in HubSpot, so the marker lookup is
 * the second line of defence; callers pass existingId from their link table whenever they can.
 */
async function idempotentActivity(
	hs: HubSpotClient,
	type: 'meetings' | 'notes',
	key: string,
	existingId: string | undefined,
	targets: Array<{ object: string; id: string }>,
	properties: Record<string, string>,
	find: () => Promise<string | undefined>,
): Promise<WriteResult> {
	const typed: Array<{ object: string; id: string; typeId: number }> = [];
	for (const t of targets) {
		const typeId = HUBSPOT_ASSOCIATION_TYPES[`${type}->${t.object}`];
		if (typeId === undefined) {
			return failure(key, new SyncError({ kind: 'validation', message: `HubSpot ${type} cannot be linked to "${t.object}" (use contacts, companies or deals).`, recordRef: key }));
		}
		typed.push({ ...t, typeId });
	}
	try {
		let id = existingId;
		if (id) {
			try {
				await hs.call('objects.update', `update ${type} ${id}`, () => hs.client.crm.objects.basicApi.update(type, id!, { properties }), key);
			} catch (e) {
				if ((e as SyncError).kind !== 'not_found') throw e;
				id = undefined;
			}
		}
		if (!id) {
			id = await find();
			if (id) {
				const found = id;
				await hs.call('objects.update', `update ${type} ${found}`, () => hs.client.crm.objects.basicApi.update(type, found, { properties }), key);
			}
		}
		if (id) {
			const found = id;
			for (const t of typed) {
				await hs.call('associations.default.create', `link ${type} ${found} to ${t.object} ${t.id}`, () =>
					hs.client.crm.associations.v4.basicApi.createDefault(type, found, t.object, t.id),
				key);
			}
			return { ref: key, success: true, id: found, created: false };
		}
		const created = await hs.call(
			'objects.create',
			`create ${type}`,
			() =>
				hs.client.crm.objects.basicApi.create(type, {
					properties,
					associations: typed.map((t) => ({ to: { id: t.id }, types: [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: t.typeId }] })),
				}),
			key,
			'creates',
		);
		return { ref: key, success: true, id: created.id, created: true };
	} catch (e) {
		const err = e as SyncError;
		if (err.kind === 'auth_expired') throw err;
		return failure(key, errorFor(err, key));
	}
}

function meetingOutcome(o: string | undefined): string | undefined {
	if (!o) return undefined;
	const k = o.trim().toLowerCase().replace(/[\s-]+/g, '_');
	return MEETING_OUTCOMES[k] ?? o.trim().toUpperCase();
}

export function meetingUrl(meetingId: string): string {
	return `fieldflow://meeting/${encodeURIComponent(meetingId)}`;
}

/** One alphanumeric search token per summary id (HubSpot tokenises text on punctuation). */
export function summaryToken(summaryId: string): string {
	return `ffsummary${createHash('sha1').update(summaryId).digest('hex').slice(0, 20)}`;
}

function escapeHtml(s: string): string {
	return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
