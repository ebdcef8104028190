/**
 * HubSpot reads: the change feed (search sorted on the modification date, restarted before the
 * 10,000-result cap; archived records from the list API), batch read by id, and the duplicate
 * check (contacts by email: batch read with idProperty, which the search lag does not touch;
 * names: search).
 */
import chunk from 'lodash/chunk';
import { SyncError } from '../../errors';
import type { ChangePage, CrmRecord, DuplicateCriteria, DuplicateMatch, ListOptions } from '../types';
import { liveThenDeleted } from '../keyset';
import { DEFAULT_FIELDS, HUBSPOT_BATCH_SIZE, HUBSPOT_SEARCH_CAP, HUBSPOT_SEARCH_LIMIT, modifiedProperty, uniqueList, type HubSpotClient, type RawObject, type SearchFilter } from './client';

export function listChangedSince(hs: HubSpotClient, object: string, since: string | undefined, options: ListOptions = {}): AsyncGenerator<ChangePage> {
	// A keyset page: search sorts on one property only, so records of one modification time are put
	// in id order (liveThenDeleted); archived records come after the live feed.
	return liveThenDeleted(changeFeed(hs, object, since, options), options, options.includeDeleted ? (cursor) => archivedSince(hs, object, since, options, cursor) : undefined, since ?? '');
}

/**
 * The live records changed since, oldest change first. A keyset read (ListOptions.after / until)
 * narrows the search itself: filter groups are ORed, the filters of a group ANDed ("up to five
 * filterGroups with up to six filters in each", search sorts: "only one sorting rule can be
 * applied", https://developers.hubspot.com/docs/api-reference/2026-03/crm/search-the-crm), so
 * "after (t, id)" is `modified > t` OR (`modified = t` AND `hs_object_id > id`), each with Since
 * and `modified < until`.
 */
async function* changeFeed(hs: HubSpotClient, object: string, since: string | undefined, options: ListOptions): AsyncGenerator<ChangePage> {
	hs.checkObject(object);
	const modProp = modifiedProperty(object);
	const wanted = options.pageSize ?? (options.limit !== undefined ? options.limit + 1 : HUBSPOT_SEARCH_LIMIT);
	const limit = Math.min(Math.max(1, wanted), HUBSPOT_SEARCH_LIMIT);
	const properties = uniqueList([...(options.fields ?? DEFAULT_FIELDS[object]), modProp]);
	let cursor = since ?? '';
	let lowerMs = since ? Date.parse(since) : undefined;
	let inclusive = false;
	/** Ids already emitted at exactly `lowerMs` (only relevant after a restart with GTE). */
	let boundary = new Set<string>();
	/** Ids emitted whose modification time is `cursor` (the newest so far). */
	let atCursor = new Set<string>();
	let after: string | undefined;
	let yielded = false;
	const untilMs = options.until ? Date.parse(options.until) : undefined;
	const upper: SearchFilter[] = untilMs !== undefined && Number.isFinite(untilMs) ? [{ propertyName: modProp, operator: 'LT', value: String(untilMs) }] : [];
	for (;;) {
		const filters: SearchFilter[] = [...(lowerMs === undefined ? [] : [{ propertyName: modProp, operator: inclusive ? 'GTE' : 'GT', value: String(lowerMs) }]), ...upper];
		// The keyset start, until a restart past the search cap moves the lower bound beyond it
		// (then keysetPages drops what is not after the position).
		const at = options.after && !inclusive ? options.after : undefined;
		const filterGroups = at
			? [
					{ filters: [...filters, { propertyName: modProp, operator: 'GT', value: String(at.time) }] },
					{ filters: [...filters, { propertyName: modProp, operator: 'EQ', value: String(at.time) }, { propertyName: 'hs_object_id', operator: 'GT', value: at.id }] },
				]
			: filters.length
				? [{ filters }]
				: [];
		const body = {
			filterGroups,
			sorts: [{ propertyName: modProp, direction: 'ASCENDING' }],
			properties,
			limit,
			after,
		};
		const res = await hs.search(object, body, `read changed ${object}`);
		const records = (res.results ?? []).map((r) => hs.toRecord(object, r)).filter((r) => !(inclusive && boundary.has(r.id) && Date.parse(r.modifiedAt) === lowerMs));
		for (const r of records) {
			if (r.modifiedAt > cursor) {
				cursor = r.modifiedAt;
				atCursor = new Set([r.id]);
			} else if (r.modifiedAt === cursor) atCursor.add(r.id);
		}
		const next = res.paging?.next?.after;
		if (records.length || !next) {
			yield { records, cursor };
			yielded = true;
		}
		if (!next) break;
		if (Number(next) >= (hs.config.searchResultCap ?? HUBSPOT_SEARCH_CAP)) {
			// The next page would be past the 10,000-result cap: restart from the newest time seen,
			// leaving out every record already emitted at that time (of any earlier page too: a run
			// of equal times can span several search pages).
			const newest = Date.parse(cursor);
			if (inclusive && newest === lowerMs && !records.length) {
				throw new SyncError({ kind: 'unknown', message: `HubSpot search for ${object}: more than ${hs.config.searchResultCap ?? HUBSPOT_SEARCH_CAP} records share the modification time ${cursor}; cannot page past the search cap.` });
			}
			boundary = new Set(atCursor);
			lowerMs = newest;
			inclusive = true;
			after = undefined;
			continue;
		}
		after = next;
	}
	if (!yielded) yield { records: [], cursor };
}

/** Archived records changed since (the list API with archived=true: search has no deletions). */
async function* archivedSince(hs: HubSpotClient, object: string, since: string | undefined, options: ListOptions, cursor: string): AsyncGenerator<ChangePage> {
	const properties = uniqueList([...(options.fields ?? DEFAULT_FIELDS[object]), modifiedProperty(object)]);
	const sinceMs = since ? Date.parse(since) : -Infinity;
	let archivedAfter: string | undefined;
	for (;;) {
		const page = await hs.call('objects.list', `read archived ${object}`, () =>
			hs.client.crm.objects.basicApi.getPage(object, 100, archivedAfter, properties, undefined, undefined, true),
		);
		const records = (page.results as unknown as RawObject[])
			.map((r) => hs.toRecord(object, r))
			.filter((r) => Date.parse(r.modifiedAt) > sinceMs);
		// Deletions do not move the cursor: the live feed decides it, and re-reading an
		// archived record next run is harmless.
		if (records.length) yield { records, cursor };
		archivedAfter = page.paging?.next?.after;
		if (!archivedAfter) break;
	}
}

export async function getByIds(hs: HubSpotClient, object: string, ids: string[], fields?: string[]): Promise<CrmRecord[]> {
	hs.checkObject(object);
	const properties = uniqueList([...(fields ?? DEFAULT_FIELDS[object]), modifiedProperty(object)]);
	const found = new Map<string, CrmRecord>();
	for (const part of chunk(uniqueList(ids), HUBSPOT_BATCH_SIZE)) {
		const raw = await hs.batchRaw('objects.batch.read', `read ${object}`, () =>
			hs.client.crm.objects.batchApi.readWithHttpInfo(object, { inputs: part.map((id) => ({ id })), properties, propertiesWithHistory: [] }),
		);
		for (const r of raw.results ?? []) found.set(r.id, hs.toRecord(object, r));
	}
	return ids.map((id) => found.get(id)).filter((r): r is CrmRecord => !!r);
}

export async function findDuplicates(hs: HubSpotClient, object: string, criteria: DuplicateCriteria[]): Promise<DuplicateMatch[]> {
	hs.checkObject(object);
	const out = new Map<string, DuplicateMatch>(criteria.map((c) => [c.ref, { ref: c.ref, matches: [] }]));
	const add = (ref: string, r: CrmRecord, on: 'email' | 'company' | 'name') => {
		const m = out.get(ref)!;
		if (!m.matches.some((x) => x.id === r.id)) m.matches.push({ id: r.id, object, matchedOn: on, record: r });
	};
	const properties = uniqueList([...DEFAULT_FIELDS[object], modifiedProperty(object)]);
	const lookups: Array<{ prop: string; on: 'email' | 'company' | 'name'; get: (c: DuplicateCriteria) => string | undefined; useIn: boolean; byIdProperty?: boolean }> = [];
	if (object === 'contacts') {
		lookups.push({ prop: 'email', on: 'email', get: (c) => c.email, useIn: true, byIdProperty: true });
		lookups.push({ prop: 'company', on: 'company', get: (c) => c.company, useIn: false });
	} else if (object === 'companies') {
		lookups.push({ prop: 'name', on: 'company', get: (c) => c.company ?? c.name, useIn: false });
	} else if (object === 'deals') {
		lookups.push({ prop: 'dealname', on: 'name', get: (c) => c.name, useIn: false });
	} else if (object === 'meetings') {
		lookups.push({ prop: 'hs_meeting_title', on: 'name', get: (c) => c.name, useIn: false });
	}
	for (const l of lookups) {
		const wanted = new Map<string, string[]>();
		for (const c of criteria) {
			const v = l.get(c)?.trim();
			if (!v) continue;
			const k = v.toLowerCase();
			wanted.set(k, [...(wanted.get(k) ?? []), c.ref]);
		}
		if (!wanted.size) continue;
		if (l.byIdProperty) {
			// Contacts by email: batch read with idProperty=email reads the records themselves, so a
			// contact written seconds ago is found (the search index lags writes by a few seconds: a
			// search would miss it and the sync would try to create it again). HubSpot: "retrieve
			// contacts by record ID, email, or custom unique identifier property" (batch read with
			// idProperty, https://developers.hubspot.com/docs/api/crm/contacts). Unknown emails are
			// the 207 answer's errors, not matches.
			for (const part of chunk([...wanted.keys()], HUBSPOT_BATCH_SIZE)) {
				const raw = await hs.batchRaw('objects.batch.read', `find duplicate ${object}`, () =>
					hs.client.crm.objects.batchApi.readWithHttpInfo(object, { inputs: part.map((id) => ({ id })), idProperty: l.prop, properties: uniqueList([...properties, l.prop]), propertiesWithHistory: [] }),
				);
				for (const r of raw.results ?? []) {
					const k = String(r.properties?.[l.prop] ?? '').trim().toLowerCase();
					for (const ref of wanted.get(k) ?? []) add(ref, hs.toRecord(object, r), l.on);
				}
			}
			continue;
		}
		// Emails: one IN filter per 100 values (IN wants lower case). Names: EQ, up to 5 filter
		// groups (OR) per search, HubSpot's maximum.
		const groups: SearchFilter[][][] = l.useIn
			? chunk([...wanted.keys()], 100).map((vals) => [[{ propertyName: l.prop, operator: 'IN', values: vals }]])
			: chunk([...wanted.keys()], 5).map((vals) => vals.map((v) => [{ propertyName: l.prop, operator: 'EQ', value: v }]));
		for (const g of groups) {
			let after: string | undefined;
			for (;;) {
				const res = await hs.search(object, { filterGroups: g.map((filters) => ({ filters })), sorts: [], properties: uniqueList([...properties, l.prop]), limit: HUBSPOT_SEARCH_LIMIT, after }, `find duplicate ${object}`);
				for (const r of res.results ?? []) {
					const rec = hs.toRecord(object, r);
					const k = String(r.properties[l.prop] ?? '').trim().toLowerCase();
					for (const ref of wanted.get(k) ?? []) add(ref, rec, l.on);
				}
				after = res.paging?.next?.after;
				if (!after) break;
			}
		}
	}
	return criteria.map((c) => out.get(c.ref)!);
}
