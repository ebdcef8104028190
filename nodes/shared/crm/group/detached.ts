/**
 * A member unlinked because it was deleted in the CRM (the Conflict Resolver's *When a Linked
 * Company or Deal Is Deleted* = Unlink): the link keeps its id under `!<member object>`
 * (`{ organizations: '12', '!deals': '40' }`), so that
 *  - the reads do not take another record in its place (the person's oldest deal),
 *  - the writes do not create a new one from the prospect's next change,
 *  - the next runs keep it that way (the plan carries it while the CRM has no such member),
 * until the setting is Recreate (the plan recreates it then) or the CRM links a member again.
 * Such keys are never member objects: everything that reads members by object ignores them.
 */
import type { MemberIds } from '../types';

const MARK = '!';

/** The key that records member object `member` as unlinked after a deletion. */
export function detachedKey(member: string): string {
	return `${MARK}${member}`;
}

/** Whether the members name `member` as unlinked after a deletion (and name no live one). */
export function isDetached(members: MemberIds | undefined, member: string): boolean {
	return !!members?.[detachedKey(member)] && !members?.[member];
}

/** The member objects of the keys that record an unlinked member (`!deals` → `deals`). */
export function detachedMembers(members: MemberIds | undefined): string[] {
	return Object.keys(members ?? {})
		.filter((k) => k.startsWith(MARK))
		.map((k) => k.slice(MARK.length));
}

/** The member records alone, without the ones recorded as unlinked (what a meeting or note is linked to). */
export function liveMembers(members: MemberIds | undefined): MemberIds {
	const out: MemberIds = {};
	for (const [k, id] of Object.entries(members ?? {})) if (!k.startsWith(MARK)) out[k] = id;
	return out;
}
