/**
 * One page of a CRM change feed by keyset: records in (modifiedAt, id) order, strictly after a
 * position, before an end time, at most a number of them. The adapters start their API read at the
 * position (Salesforce: a SOQL keyset WHERE; HubSpot: search filter groups; Pipedrive:
 * updated_since) and hand the answer to `keysetPages`, which does what the API cannot: HubSpot's
 * search takes one sort and Pipedrive's lists one sort_by, so records that share a modification
 * time come in no promised order; each run of equal times is held until a later time (or the end)
 * comes and is then sorted by id, so the order, and "strictly after", are the same on every page.
 */
import { compareIds, isAfter, type FeedPosition } from '../keyset';
import type { ChangePage, CrmRecord, ListOptions } from './types';

/** Whether a read asks for the keyset order (a page of a paged read). */
export function isKeysetRead(options: ListOptions): boolean {
	return options.after !== undefined || options.limit !== undefined || options.until !== undefined;
}

/** A record's modification time in epoch ms (no time: before everything). */
export function timeOf(r: CrmRecord): number {
	const t = Date.parse(r.modifiedAt);
	return Number.isFinite(t) ? t : -Infinity;
}

export interface KeysetWindow {
	after?: FeedPosition;
	/** Epoch ms: records changed at or after it are left out (and end the feed). */
	until?: number;
	limit?: number;
	/**
	 * The API itself orders by (time, id) and filters the position (Salesforce's ORDER BY
	 * SystemModstamp, Id): records are not re-sorted (the API's id collation decides).
	 */
	apiOrdered?: boolean;
}

/** The window of a ListOptions (its after / until / limit). */
export function keysetWindow(options: ListOptions, apiOrdered = false): KeysetWindow {
	const until = options.until ? Date.parse(options.until) : undefined;
	return { after: options.after, until: until !== undefined && Number.isFinite(until) ? until : undefined, limit: options.limit, apiOrdered };
}

/**
 * The records of `feed` (ordered by modification time) in (time, id) order within the window.
 * Pages are the feed's pages (a held run of equal times moves to a later page); each page's cursor
 * is the newest time of the records yielded so far, the last page the feed's own final cursor
 * when the feed was read to its end.
 */
export async function* keysetPages(feed: AsyncIterable<ChangePage>, window: KeysetWindow): AsyncGenerator<ChangePage> {
	const limit = window.limit ?? Infinity;
	let held: CrmRecord[] = [];
	let heldTime = -Infinity;
	let emitted = 0;
	let high = '';
	let yielded = false;
	const take = (out: CrmRecord[]) => {
		if (!window.apiOrdered) held.sort((a, b) => compareIds(a.id, b.id));
		for (const r of held) {
			if (emitted >= limit) break;
			out.push(r);
			emitted++;
			if (r.modifiedAt > high) high = r.modifiedAt;
		}
		held = [];
	};
	let finalCursor: string | undefined;
	let ended = false;
	for await (const page of feed) {
		const out: CrmRecord[] = [];
		finalCursor = page.cursor;
		for (const r of page.records) {
			const t = timeOf(r);
			if (window.until !== undefined && t >= window.until) {
				ended = true;
				break;
			}
			if (window.after && !window.apiOrdered && !isAfter(t, r.id, window.after)) continue;
			if (held.length && t !== heldTime) take(out);
			if (emitted >= limit) break;
			held.push(r);
			heldTime = t;
		}
		// The last run of equal times may go on in the next API page: held back, unless the
		// feed ends here.
		if (ended) take(out);
		if (out.length || ended) {
			yield { records: out, cursor: high || page.cursor };
			yielded = true;
		}
		if (ended || emitted >= limit) return;
	}
	const out: CrmRecord[] = [];
	take(out);
	if (out.length || !yielded) yield { records: out, cursor: finalCursor !== undefined && finalCursor > high ? finalCursor : high };
}

/**
 * A change feed with its deletions after it: the live feed (by keyset when `options` ask for a page,
 * records of one modification time in id order), then, when `deletions` is given, the deleted
 * records since the live feed's last cursor. In a keyset page the deletions (no place in the
 * (time, id) order) come unordered, and only once the live feed has ended within the page.
 */
export async function* liveThenDeleted(
	live: AsyncIterable<ChangePage>,
	options: ListOptions,
	deletions: ((cursor: string) => AsyncIterable<ChangePage>) | undefined,
	start: string,
): AsyncGenerator<ChangePage> {
	let cursor = start;
	const keyset = isKeysetRead(options);
	let read = 0;
	for await (const page of keyset ? keysetPages(live, keysetWindow(options)) : live) {
		read += page.records.length;
		cursor = page.cursor;
		yield page;
	}
	if (!deletions || (keyset && options.limit !== undefined && read >= options.limit)) return;
	for await (const page of deletions(cursor)) yield keyset ? { ...page, unordered: true } : page;
}
