/**
 * The three-way decision for one matched pair (FieldFlow record, CRM record, link with baseline),
 * in canonical space. Pure and allocation-light: the Conflict Resolver calls it once per pair.
 *
 * Per field (values compared normalised: trimmed strings, '' = null, emails case-insensitive,
 * numeric strings = numbers, ISO dates in UTC):
 * - changed on one side only → flows to the other side (when the direction allows it);
 * - changed on both sides to the same value → nothing to write, baseline takes the value;
 * - changed on both sides differently → a conflict, settled by the strategy: newestWins (the record
 *   with the later modifiedAt; a tie goes to FieldFlow), fieldflowWins, crmWins, or manual (no write
 *   for that field, action 'conflict'; non-conflicting fields still flow). One-way directions
 *   override the strategy: fieldflowToCrm always takes FieldFlow's value, crmToFieldflow the CRM's.
 * - A field absent (undefined) from one side's record is "not carried" by that side (e.g. a
 *   toCrm-only mapping such as the deal name): it never counts as a change on that side.
 * - Echo suppression: a value that equals the baseline (what the last sync wrote) is unchanged, so a
 *   two-way flow never loops.
 * - No link baseline yet (a pair matched by external id/email/name on the first sync), or a field
 *   the baseline lacks that both sides carry (mapped since the last sync): equal values are
 *   settled, a value on one side only fills the other side, two different values conflict (for a
 *   linked pair, the side changed since the last sync wins over a stale one).
 * - Stale reads (runs that overlap: two executions, queue-mode workers): a side whose record is no
 *   newer than the version the synced link last recorded for that side (link.fieldflowModifiedAt /
 *   crmModifiedAt) has not changed since, whatever its values: another run wrote the baseline after
 *   this run read the record. Without this, run B (read FieldFlow before run A wrote an edit there,
 *   read the link after A saved it) would see "FieldFlow changed back" and write the old value over
 *   the edit. Applies to links in status synced (a conflict stays a conflict).
 *
 * Records: a FieldFlow record with no link and no counterpart is created in the CRM (unless the
 * direction is crmToFieldflow), and vice versa. A record deleted on one side (SyncRecord.deleted, or
 * linked but missing) follows the NotFoundPolicy: unlink; recreate (create it again on the side that
 * lost it, from the survivor); deleteOther (delete the survivor). When the direction forbids the
 * write that policy needs, the pair is unlinked. Both deleted → unlink.
 *
 * `action` is the main action; when one decision writes both sides (bidirectional, different fields
 * changed on each side) `actions` lists both ('updateCrm', 'updateFieldflow'): route by `toCrm` /
 * `toFieldflow` presence.
 */
import { createHash } from 'node:crypto';
import { normalizeValue, sameValue } from '../mapping/engine';
import type { CanonicalFields, ConflictStrategy, FieldConflict, Link, NotFoundPolicy, SyncAction, SyncDirection, SyncRecord } from './types';

export interface DecideInput {
	fieldflow?: SyncRecord;
	crm?: SyncRecord;
	link?: Link;
}

export interface DecideOptions {
	direction: SyncDirection;
	strategy: ConflictStrategy;
	notFound: NotFoundPolicy;
	/** Only these canonical fields are compared and written (default: every field either side carries). */
	fields?: readonly string[];
	/**
	 * Optional: two canonical values the CRM cannot tell apart (a lossy value map, see
	 * engine.lossyEquivalence). Used when comparing a CRM-side value with the baseline / FieldFlow value.
	 */
	crmEquivalent?: (field: string, a: unknown, b: unknown) => boolean;
}

export interface Decision {
	action: SyncAction;
	/** Every action this decision implies (usually one; two when both sides are written). */
	actions: SyncAction[];
	/** Fields to write to the CRM (only changed fields; all fields on create). */
	toCrm?: CanonicalFields;
	/** Fields to write to FieldFlow (only changed fields; all fields on create). */
	toFieldflow?: CanonicalFields;
	conflicts?: FieldConflict[];
	/** The link's baseline once the writes succeed ({} when the link goes away). */
	baseline: CanonicalFields;
	reason: string;
}

const canWriteCrm = (d: SyncDirection) => d !== 'crmToFieldflow';
const canWriteFieldflow = (d: SyncDirection) => d !== 'fieldflowToCrm';

function pickFields(fields: CanonicalFields, only?: readonly string[]): CanonicalFields {
	if (!only) return { ...fields };
	const out: CanonicalFields = {};
	for (const f of only) if (fields[f] !== undefined) out[f] = fields[f];
	return out;
}

function one(action: SyncAction, baseline: CanonicalFields, reason: string, extra: Partial<Decision> = {}): Decision {
	return { action, actions: [action], baseline, reason, ...extra };
}

/** A record time in ms, NaN when missing or unparseable. */
function time(v: string | null | undefined): number {
	return v ? Date.parse(v) : NaN;
}

function newer(a: string | undefined, b: string | undefined): number {
	const ta = time(a);
	const tb = time(b);
	if (Number.isNaN(ta) && Number.isNaN(tb)) return 0;
	if (Number.isNaN(tb)) return 1;
	if (Number.isNaN(ta)) return -1;
	return ta === tb ? 0 : ta > tb ? 1 : -1;
}

/** `a` is a time no later than `b` (both parseable); false when either is missing. */
function notNewer(a: string | undefined, b: string | null | undefined): boolean {
	const ta = time(a);
	const tb = time(b);
	return !Number.isNaN(ta) && !Number.isNaN(tb) && ta <= tb;
}

/**
 * The CRM values of one version, as a short fingerprint (canonical fields, normalised, sorted).
 * Not reversible; holds no value.
 */
export function versionFingerprint(fields: CanonicalFields): string {
	const keys = Object.keys(fields).sort();
	const norm = keys.map((k) => [k, normalizeValue(fields[k])]);
	return createHash('sha256').update(JSON.stringify(norm)).digest('base64url').slice(0, 22);
}

/**
 * A read stamped with the very whole second the link recorded, but with other values than that
 * version had: a later edit in the same second (Salesforce SystemModstamp and Pipedrive
 * update_time keep whole seconds: an edit right after the sync read the record, a flow updating it
 * on save), so not stale: its values are compared with the baseline. Links saved without a
 * fingerprint keep the plain rule.
 */
function laterInSameSecond(crm: SyncRecord, link: Link): boolean {
	if (!link.crmVersion) return false;
	const t = time(crm.modifiedAt);
	if (Number.isNaN(t) || t % 1000 !== 0 || t !== time(link.crmModifiedAt ?? undefined)) return false;
	return versionFingerprint(crm.fields) !== link.crmVersion;
}

export function decide(input: DecideInput, options: DecideOptions): Decision {
	const { link, direction, notFound } = { ...input, ...options };
	const ff = input.fieldflow;
	const crm = input.crm;
	const linked = !!link;
	const ffGone = ff ? !!ff.deleted : linked;
	// A link whose CRM create never completed (crmId null) has no CRM record to miss.
	const crmGone = crm ? !!crm.deleted : linked && link!.crmId !== null;
	if (linked && link!.crmId === null && !crm && ffGone) return one('unlink', {}, 'Deleted in FieldFlow before its CRM record was created: link removed.');
	const base = link?.baseline ?? {};

	// ---------------------------------------------------------------- existence
	if (!ff && !crm) return one(linked ? 'unlink' : 'unchanged', {}, linked ? 'Deleted on both sides: link removed.' : 'Nothing to compare.');
	if (ffGone && crmGone) {
		return linked ? one('unlink', {}, 'Deleted in FieldFlow and in the CRM: link removed.') : one('unchanged', {}, 'Deleted record that was never synced: nothing to do.');
	}
	if (linked && link!.crmId === null && !crm && ff && !ffGone) {
		// A create in the CRM was reserved but not confirmed: try the create again (the writer checks for duplicates first).
		if (!canWriteCrm(direction)) return one('unchanged', base, 'Pending CRM create, but the direction (CRM → FieldFlow) does not write the CRM.');
		const fields = pickFields(ff.fields, options.fields);
		return one('createInCrm', fields, 'Linked, but the CRM create never completed: create in the CRM (check for duplicates first).', { toCrm: fields });
	}
	if (ffGone || crmGone) {
		if (!linked) {
			return one('unchanged', {}, `Deleted in ${ffGone ? 'FieldFlow' : 'the CRM'} and never synced: nothing to do.`);
		}
		const survivor = (ffGone ? crm : ff)!;
		const lostSide = ffGone ? 'FieldFlow' : 'the CRM';
		const how = (ffGone ? ff : crm) ? 'deleted' : 'not found';
		if (notFound === 'recreate') {
			const fields = pickFields(survivor.fields, options.fields);
			if (ffGone && canWriteFieldflow(direction)) return one('createInFieldflow', fields, `Record ${how} in FieldFlow: recreated from the CRM (policy: recreate).`, { toFieldflow: fields });
			if (crmGone && canWriteCrm(direction)) return one('createInCrm', fields, `Record ${how} in the CRM: recreated from FieldFlow (policy: recreate).`, { toCrm: fields });
			return one('unlink', {}, `Record ${how} in ${lostSide}; the direction (${direction}) does not allow recreating it there: link removed.`);
		}
		if (notFound === 'deleteOther') {
			if (ffGone && canWriteCrm(direction)) return one('deleteInCrm', {}, `Record ${how} in FieldFlow: deleting the CRM record too (policy: delete other).`);
			if (crmGone && canWriteFieldflow(direction)) return one('deleteInFieldflow', {}, `Record ${how} in the CRM: deleting the FieldFlow record too (policy: delete other).`);
			return one('unlink', {}, `Record ${how} in ${lostSide}; the direction (${direction}) does not allow deleting the other record: link removed.`);
		}
		return one('unlink', {}, `Record ${how} in ${lostSide}: link removed, the other record is kept (policy: unlink).`);
	}
	if (ff && !crm) {
		if (!canWriteCrm(direction)) return one('unchanged', {}, 'New in FieldFlow; the direction (CRM → FieldFlow) does not create CRM records.');
		const fields = pickFields(ff.fields, options.fields);
		return one('createInCrm', fields, 'New in FieldFlow: create in the CRM.', { toCrm: fields });
	}
	if (crm && !ff) {
		if (!canWriteFieldflow(direction)) return one('unchanged', {}, 'New in the CRM; the direction (FieldFlow → CRM) does not create FieldFlow records.');
		const fields = pickFields(crm.fields, options.fields);
		return one('createInFieldflow', fields, 'New in the CRM: create in FieldFlow.', { toFieldflow: fields });
	}

	// ---------------------------------------------------------------- both present: three-way per field
	return compare(ff!, crm!, link, options);
}

/** How one compare() reads its pair: the records, the baseline, which side is newer, which side is stale. */
interface Comparing {
	ff: SyncRecord;
	crm: SyncRecord;
	hasBase: boolean;
	base: CanonicalFields;
	ffIsNewer: boolean;
	ffStale: boolean;
	crmStale: boolean;
	options: DecideOptions;
	/** Equal values as the CRM sees them (crmEquivalent included). */
	crmSame: (f: string, a: unknown, b: unknown) => boolean;
}

/** What compare() gathers field by field. */
interface Compared {
	baseline: CanonicalFields;
	toCrm?: CanonicalFields;
	toFieldflow?: CanonicalFields;
	conflicts?: FieldConflict[];
	/** Changes the direction does not let through. */
	ignored: number;
	/** Conflicts settled by the strategy or by a one-way direction. */
	settledConflicts: number;
}

function comparing(ff: SyncRecord, crm: SyncRecord, link: Link | undefined, options: DecideOptions): Comparing {
	const eqCrm = options.crmEquivalent;
	const hasBase = !!link;
	// A read no newer than the version the synced link recorded is stale for that side (see above).
	const guard = hasBase && link!.status === 'synced';
	return {
		ff,
		crm,
		hasBase,
		base: link?.baseline ?? {},
		ffIsNewer: newer(ff.modifiedAt, crm.modifiedAt) >= 0,
		ffStale: guard && notNewer(ff.modifiedAt, link!.fieldflowModifiedAt),
		crmStale: guard && notNewer(crm.modifiedAt, link!.crmModifiedAt) && !laterInSameSecond(crm, link!),
		options,
		crmSame: (f, a, b) => sameValue(a, b) || (!!eqCrm && eqCrm(f, a, b)),
	};
}

/** The side whose value a conflict takes; undefined for manual (hold the conflict). One-way directions override the strategy. */
function conflictWinner({ direction, strategy }: DecideOptions, ffIsNewer: boolean): 'fieldflow' | 'crm' | undefined {
	if (direction === 'fieldflowToCrm') return 'fieldflow';
	if (direction === 'crmToFieldflow') return 'crm';
	if (strategy === 'fieldflowWins') return 'fieldflow';
	if (strategy === 'crmWins') return 'crm';
	if (strategy === 'newestWins') return ffIsNewer ? 'fieldflow' : 'crm';
	return undefined;
}

/** The winner's value goes to the other side, when the direction writes that side. */
function takeWinner(out: Compared, direction: SyncDirection, f: string, winner: 'fieldflow' | 'crm', fv: unknown, cv: unknown): void {
	if (winner === 'fieldflow') {
		if (!canWriteCrm(direction)) {
			out.ignored++;
			return;
		}
		(out.toCrm ??= {})[f] = fv;
		out.baseline[f] = fv;
	} else {
		if (!canWriteFieldflow(direction)) {
			out.ignored++;
			return;
		}
		(out.toFieldflow ??= {})[f] = cv;
		out.baseline[f] = cv;
	}
}

/** The three-way comparison of one field. */
function compareField(c: Comparing, out: Compared, f: string): void {
	const { crmSame } = c;
	const fv = c.ff.fields[f];
	const cv = c.crm.fields[f];
	const fHas = fv !== undefined;
	const cHas = cv !== undefined;
	if (!fHas && !cHas) return;
	const bv = c.base[f];
	let fChanged: boolean;
	let cChanged: boolean;
	// A field the link's baseline lacks, carried by both sides, was never synced for this pair (mapped
	// since: a converted Lead's Opportunity, a custom mapping): compared as on a first sync. A side
	// that does not carry it (a company or deal the CRM has none of) leaves it to the three-way rule.
	if (c.hasBase && (f in c.base || !fHas || !cHas)) {
		fChanged = !c.ffStale && fHas && !sameValue(fv, bv);
		cChanged = !c.crmStale && cHas && !crmSame(f, cv, bv);
	} else {
		// First sync of a matched pair: no baseline. Equal → settled; a value on one side only fills the other.
		const fEmpty = !fHas || sameValue(fv, null);
		const cEmpty = !cHas || sameValue(cv, null);
		if ((fEmpty && cEmpty) || (!fEmpty && !cEmpty && crmSame(f, cv, fv))) {
			out.baseline[f] = fHas ? fv : cv;
			return;
		}
		fChanged = !fEmpty;
		cChanged = !cEmpty;
		// A field new to a linked pair, with two different values: the side that changed since the
		// last sync has the news (the other read is stale); otherwise a conflict, as on a first sync.
		if (fChanged && cChanged && c.ffStale !== c.crmStale) {
			if (c.ffStale) fChanged = false;
			else cChanged = false;
		}
	}
	if (!fChanged && !cChanged) return;
	if (fChanged && cChanged && crmSame(f, cv, fv)) {
		out.baseline[f] = fv;
		return;
	}
	let winner: 'fieldflow' | 'crm' | undefined;
	if (fChanged && !cChanged) winner = 'fieldflow';
	else if (cChanged && !fChanged) winner = 'crm';
	else {
		// Conflict.
		winner = conflictWinner(c.options, c.ffIsNewer);
		if (!winner) {
			(out.conflicts ??= []).push({ field: f, fieldflow: fv ?? null, crm: cv ?? null, baseline: bv ?? null });
			return;
		}
		out.settledConflicts++;
	}
	takeWinner(out, c.options.direction, f, winner, fv, cv);
}

/** The decision from what the fields gave: its actions, in order, and the reason that sums them up. */
function decisionOf(out: Compared, { direction, strategy }: DecideOptions): Decision {
	const { baseline, toCrm, toFieldflow, conflicts, ignored, settledConflicts } = out;
	const actions: SyncAction[] = [];
	if (conflicts) actions.push('conflict');
	if (toCrm) actions.push('updateCrm');
	if (toFieldflow) actions.push('updateFieldflow');
	if (!actions.length) actions.push('unchanged');
	const parts: string[] = [];
	if (conflicts) parts.push(`conflict on ${conflicts.map((c) => c.field).join(', ')} (strategy: manual)`);
	if (toCrm) parts.push(`to CRM: ${Object.keys(toCrm).join(', ')}`);
	if (toFieldflow) parts.push(`to FieldFlow: ${Object.keys(toFieldflow).join(', ')}`);
	if (settledConflicts) parts.push(`${settledConflicts} conflict(s) settled by ${direction === 'bidirectional' ? strategy : direction}`);
	if (ignored) parts.push(`${ignored} change(s) ignored by direction ${direction}`);
	const reason = parts.length ? parts.join('; ') : 'No changes since the last sync.';
	const d: Decision = { action: actions[0], actions, baseline, reason: reason.charAt(0).toUpperCase() + reason.slice(1) + (parts.length ? '.' : '') };
	if (toCrm) d.toCrm = toCrm;
	if (toFieldflow) d.toFieldflow = toFieldflow;
	if (conflicts) d.conflicts = conflicts;
	return d;
}

function compare(ff: SyncRecord, crm: SyncRecord, link: Link | undefined, options: DecideOptions): Decision {
	const c = comparing(ff, crm, link, options);
	const out: Compared = { baseline: { ...c.base }, ignored: 0, settledConflicts: 0 };
	if (options.fields) for (const f of options.fields) compareField(c, out, f);
	else {
		for (const f in ff.fields) compareField(c, out, f);
		for (const f in crm.fields) if (ff.fields[f] === undefined) compareField(c, out, f);
	}
	return decisionOf(out, options);
}
