/**
 * Keyset positions: where a paged read continues. Both sides of a bulk sync are read in pages in
 * (modification time, id) order, and a page continues strictly after the last record of the one
 * before: FieldFlow by (updated_at, id), a CRM by (modifiedAt, id). The position travels between
 * pages as "<time>|<id>" (e.g. "2026-11-24T09:30:00.000Z|pr_000123"). Plain TypeScript.
 */

export interface FeedPosition {
	/** Modification time, epoch ms. */
	time: number;
	id: string;
}

/** "<time>|<id>" of a record (its ISO modification time and its id). */
export function formatPosition(time: string, id: string): string {
	return `${time}|${id}`;
}

/** A "<time>|<id>" position; undefined when it is not one (the caller says what to do about it). */
export function parsePosition(raw: string): FeedPosition | undefined {
	const bar = raw.indexOf('|');
	if (bar < 1) return undefined;
	const time = Date.parse(raw.slice(0, bar));
	const id = raw.slice(bar + 1);
	return Number.isFinite(time) && id ? { time, id } : undefined;
}

/**
 * Id order within one modification time: numerically when both ids are whole numbers (HubSpot
 * hs_object_id, Pipedrive ids: "9" before "10", as the APIs compare them), else by code point.
 */
export function compareIds(a: string, b: string): number {
	if (/^\d+$/.test(a) && /^\d+$/.test(b)) {
		const [x, y] = [a.replace(/^0+(?=\d)/, ''), b.replace(/^0+(?=\d)/, '')];
		if (x.length !== y.length) return x.length - y.length;
		return x < y ? -1 : x > y ? 1 : 0;
	}
	return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether (time, id) comes strictly after `after` in (time, id) order. */
export function isAfter(time: number, id: string, after: FeedPosition, compare: (a: string, b: string) => number = compareIds): boolean {
	return time > after.time || (time === after.time && compare(id, after.id) > 0);
}
