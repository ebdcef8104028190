/**
 * The plan phase of a sync run: pure functions from the records read on both sides, their links
 * and the look-ups (counterparts read by id, duplicate matches) to a Plan — what to create, update
 * or delete on each side, what is held as a conflict, which creates need a reservation, which links
 * to save — as items routed to the Conflict Resolver's outputs. No store, no API: the read phase
 * (lookups.ts) feeds it, reserve.ts and the write nodes carry it out, commit.ts records it.
 *
 *   pairRecords    link first, then the chosen keys; which counterparts must be read by id
 *   decideAll      the three-way merge (merge.ts decide) per pair
 *   createChecks   the duplicate look-ups the planned CRM creates need
 *   applyDuplicates  a create that matches an existing CRM record becomes a link to it
 *   applyMemberLosses  a record group's company or deal gone from the CRM: unlinked or recreated, by setting
 *   planRoutes     decisions → output items (To CRM, To FieldFlow, Conflict, Unchanged) + reservations
 *   applyReservations  creates another run holds become Unchanged
 */
import { detachedKey, detachedMembers, groupSpec } from '../crm/group';
import type { CrmName, CrmRecord, DuplicateCriteria, DuplicateMatch, ObjectInfo } from '../crm/types';
import type { EffectiveMapping } from '../mapping/effective';
import { isEmpty, lossyEquivalence, mapToCrm, sameValue, fieldflowPayload } from '../mapping/engine';
import { mapCrmRecord, mapFieldflowRecord } from '../mapping/records';
import { decide, versionFingerprint, type Decision, type DecideOptions } from './merge';
import { matchRecords, normalizeEmail, normalizeName, type MatchKey } from './match';
import { SYNC_KEY, type ConflictMeta, type MappedRecord, type UnchangedMeta, type WriteMeta } from './protocol';
import type { CanonicalFields, ConflictStrategy, Link, MemberDeletedPolicy, NotFoundPolicy, SyncAction, SyncDirection, SyncRecord } from './types';

export const OUTPUT = { toCrm: 0, toFieldflow: 1, conflict: 2, unchanged: 3 } as const;
export type OutputIndex = (typeof OUTPUT)[keyof typeof OUTPUT];

export interface InputRecord {
	record: MappedRecord;
	/** 0 = FieldFlow input, 1 = CRM input. */
	input: 0 | 1;
	item: number;
}

export interface PlanOptions {
	eff: EffectiveMapping;
	role: ObjectInfo['role'];
	direction: SyncDirection;
	strategy: ConflictStrategy;
	notFound: NotFoundPolicy;
	/**
	 * Record groups: a linked company or deal gone from the CRM (applyMemberLosses). Undefined (the
	 * Conflict Resolver before 1.2): the link just stops naming it, as before the setting existed.
	 */
	onMemberDeleted?: MemberDeletedPolicy;
	/**
	 * Record groups: the first run after Linked Records were added (Start Run's linkedAdded, or a
	 * store from before groups): a linked prospect's company or deal the link never had is created
	 * from its FieldFlow values. Other runs leave a person the CRM keeps without one as it is.
	 */
	addMissingMembers?: boolean;
	/** Keys after the link (always first). */
	matchBy: MatchKey[];
}

export interface Routed {
	output: OutputIndex;
	json: Record<string, unknown>;
	paired: Array<{ item: number; input: number }>;
	/** A CRM create: the reservation it must hold before it is written. */
	reserve?: Reservation;
	/** Who the record is (name, company, email), for a preview. */
	label?: string;
	/** A write's target side as it is now (canonical fields), for a preview's from → to. */
	current?: CanonicalFields;
}

/** A create in the CRM reserves its prospect, so two concurrent runs never create the same record. */
export interface Reservation {
	fieldflowId: string;
	/** An earlier run's reservation row is there: its message names the holder. */
	pending?: { message: string | null };
}

/** One record (or matched pair) as it goes through the plan. */
export interface Work {
	ff?: SyncRecord & MappedRecord;
	crm?: SyncRecord;
	link?: Link;
	refs: Array<{ item: number; input: number }>;
	note?: string;
	decision?: Decision;
	/** Record groups: the members the link names after this run, as applyMemberLosses settled them (unlinked ones included). */
	members?: Record<string, string>;
	/** A member gone from the CRM, recreated from the prospect: its canonical fields and its CRM fields (`deals.value`). */
	recreate?: { fields: CanonicalFields; payload: Record<string, unknown> };
	/** A member gone from the CRM was unlinked in this run: logged even when nothing is written. */
	unlinkedMembers?: boolean;
	/**
	 * Salesforce Leads with Linked Records: the pair's CRM side is the Contact group its Lead was
	 * converted into (applyConversions): decided and written with the converted mapping.
	 */
	converted?: { eff: EffectiveMapping; decide: DecideOptions; movedFrom?: string };
}

export interface Pairing {
	work: Work[];
	/** CRM records of this run with no link and no FieldFlow match (decided after the duplicate check). */
	crmOnly: Work[];
	/** Linked records whose counterpart must be read by id. */
	needCrm: Work[];
	needFieldflow: Work[];
}

/** Canonical fields used to match, never synced as data. */
const MATCH_ONLY_FIELDS = ['fieldflow_id', 'crm_id'];

function dataOnly<T extends SyncRecord>(r: T): T {
	if (!MATCH_ONLY_FIELDS.some((f) => f in r.fields)) return r;
	const fields = { ...r.fields };
	for (const f of MATCH_ONLY_FIELDS) delete fields[f];
	return { ...r, fields };
}

/** Pairs the records of both inputs: the stored link first, then `matchBy`. */
export function pairRecords(ffIn: InputRecord[], crmIn: InputRecord[], links: Link[], matchBy: MatchKey[]): Pairing {
	const refOf = new Map<SyncRecord, InputRecord>();
	for (const r of [...ffIn, ...crmIn]) refOf.set(r.record, r);
	const ref = (r: SyncRecord) => ({ item: refOf.get(r)!.item, input: refOf.get(r)!.input });
	const order: MatchKey[] = ['link', ...matchBy.filter((k) => k !== 'link')];
	const match = matchRecords(
		ffIn.map((r) => r.record),
		crmIn.map((r) => r.record),
		{ order, links },
	);
	const out: Pairing = { work: [], crmOnly: [], needCrm: [], needFieldflow: [] };
	for (const p of match.pairs) {
		out.work.push({ ff: p.fieldflow as MappedRecord, crm: p.crm, link: p.link, refs: [ref(p.fieldflow), ref(p.crm)], note: p.matchedBy === 'link' ? undefined : `Matched by ${p.matchedBy}` });
	}
	for (const u of match.unmatchedFieldflow) {
		const w: Work = { ff: u.record as MappedRecord, link: u.link, refs: [ref(u.record)] };
		out.work.push(w);
		if (u.link?.crmId) out.needCrm.push(w);
	}
	for (const u of match.unmatchedCrm) {
		const w: Work = { crm: u.record, link: u.link, refs: [ref(u.record)] };
		if (u.link) {
			out.needFieldflow.push(w);
			out.work.push(w);
		} else out.crmOnly.push(w);
	}
	return out;
}

/** The counterparts read by id: a linked record's other side that did not change in this run. */
export function addCounterparts(pairing: Pairing, crmById: Map<string, CrmRecord>, ffById: Map<string, Record<string, unknown>>, eff: EffectiveMapping): void {
	for (const w of pairing.needCrm) {
		const r = crmById.get(w.link!.crmId!);
		if (!r) continue; // not found: deleted
		w.crm = mapCrmRecord(r, eff).record;
		w.note = 'CRM record read by id (not changed in this run)';
	}
	for (const w of pairing.needFieldflow) {
		const raw = ffById.get(w.link!.fieldflowId);
		if (!raw) continue;
		w.ff = mapFieldflowRecord(raw, eff).record;
		w.note = 'FieldFlow record read by id (not changed in this run)';
	}
}

export function decideOptionsOf(options: PlanOptions): DecideOptions {
	const { eff } = options;
	return { direction: options.direction, strategy: options.strategy, notFound: options.notFound, crmEquivalent: lossyEquivalence(eff.mappings, eff.valueMaps) };
}

export function decideWork(w: Work, options: DecideOptions): void {
	if (w.converted) options = w.converted.decide;
	w.decision = decide({ fieldflow: w.ff && dataOnly(w.ff), crm: w.crm && dataOnly(w.crm), link: w.link }, options);
}

export function decideAll(work: Work[], options: DecideOptions): void {
	for (const w of work) decideWork(w, options);
}

/**
 * Salesforce Leads with Linked Records: the stored links that name a Lead this run read as the
 * Contact group it was converted into (a CRM record with `convertedFrom`), seen as naming that
 * Contact, so the pair is made by its link (pairRecords); `originals` gives back each stored link
 * (restoreLinks after pairing), so the commit moves it to the Contact.
 */
export function followConvertedLinks(links: Link[], crmIn: InputRecord[]): { links: Link[]; originals: Map<Link, Link> } {
	const contactOf = new Map<string, string>();
	for (const r of crmIn) if (r.record.convertedFrom) contactOf.set(r.record.convertedFrom, r.record.id);
	const originals = new Map<Link, Link>();
	if (!contactOf.size) return { links, originals };
	const out = links.map((l) => {
		const contact = l.crmId ? contactOf.get(l.crmId) : undefined;
		if (!contact) return l;
		const view = { ...l, crmId: contact };
		originals.set(view, l);
		return view;
	});
	return { links: out, originals };
}

/** After pairRecords: each pair keeps the link as stored (followConvertedLinks). */
export function restoreLinks(pairing: Pairing, originals: Map<Link, Link>): void {
	if (!originals.size) return;
	for (const w of [...pairing.work, ...pairing.crmOnly]) if (w.link && originals.has(w.link)) w.link = originals.get(w.link);
}

/**
 * Salesforce Leads with Linked Records (EffectiveMapping.converted): a pair whose CRM side is the
 * Contact group of a converted Lead is decided and written with the converted mapping (its
 * FieldFlow side is the record as that mapping maps it: MappedRecord.converted; the Lead's lossy
 * Status equivalence does not apply), its link moves to the Contact and the members it read (the
 * commit saves it; nothing is created), and the move is logged. Call before deciding.
 */
export function applyConversions(pairing: Pairing, options: PlanOptions): void {
	const conv = options.eff.converted;
	if (!conv) return;
	for (const w of [...pairing.work, ...pairing.crmOnly]) convertWork(w, options);
}

/** One pair of applyConversions (also a create linked to a converted Lead's Contact by the duplicate check). */
function convertWork(w: Work, options: PlanOptions): void {
	const conv = options.eff.converted;
	if (!conv || !w.crm || (w.crm as MappedRecord).crmObject !== conv.object || w.converted) return;
	w.converted = { eff: conv, decide: decideOptionsOf({ ...options, eff: conv }) };
	if (w.ff?.converted) w.ff = { ...w.ff, fields: w.ff.converted.fields, crmPayload: w.ff.converted.crmPayload };
	const was = w.link?.crmId;
	if (was && was !== w.crm.id) {
		w.converted.movedFrom = was;
		w.note = [`Lead ${was} converted in Salesforce: now synced with Contact ${w.crm.id}${memberText(w.crm.members)} (the Lead is not written again, nothing created)`, w.note].filter(Boolean).join('. ');
	}
}

function memberText(members: Record<string, string> | undefined): string {
	const parts = Object.entries(members ?? {}).map(([o, id]) => `${memberWord(o)} ${id}`);
	return parts.length ? ` (${parts.join(', ')})` : '';
}

/** The planned CRM creates of live FieldFlow records, and the duplicate look-up of each (`ref` = index). */
export function createChecks(work: Work[], role: ObjectInfo['role']): { creates: Work[]; criteria: DuplicateCriteria[] } {
	const creates = work.filter((w) => w.decision!.action === 'createInCrm' && w.ff && !w.ff.deleted);
	// People are identified by email; company + name is the fallback only for a prospect without
	// an email (each extra criterion is an extra search on some CRMs).
	const person = role !== 'company' && role !== 'deal';
	const criteria = creates.map((w, i) => {
		const email = str(w.ff!.fields.email);
		const fallback = !person || !email;
		return { ref: String(i), email, company: fallback ? str(w.ff!.fields.company_name) : undefined, name: fallback ? str(w.ff!.fields.contact_name) : undefined };
	});
	return { creates, criteria: criteria.filter((c) => c.email || c.company || c.name) };
}

/** What the duplicate look-up found, with the CRM ids already linked to a FieldFlow record. */
export interface DuplicateLookup {
	found: DuplicateMatch[];
	/** CRM id → the FieldFlow id it is linked to. */
	linkedElsewhere: Map<string, string>;
}

/**
 * A planned create whose prospect already exists in the CRM (a free match by email, or by company
 * + contact name for a prospect without one) is linked to that record instead, and decided again
 * as a first sync of the pair. Returns how many were linked.
 */
export function applyDuplicates(pairing: Pairing, creates: Work[], lookup: DuplicateLookup, options: PlanOptions, decideOpts: DecideOptions): number {
	const byRef = new Map(lookup.found.map((m) => [m.ref, m.matches]));
	const taken = new Set<string>();
	for (const w of pairing.work) if (w.crm && w.ff) taken.add(w.crm.id);
	const crmOnlyById = new Map(pairing.crmOnly.map((w) => [w.crm!.id, w]));
	let linked = 0;
	creates.forEach((w, i) => {
		const pick = (byRef.get(String(i)) ?? []).find((m) => !taken.has(m.id) && isFreeMatch(w, m, lookup, options));
		if (!pick) return;
		taken.add(pick.id);
		linked++;
		const inRun = crmOnlyById.get(pick.id);
		if (inRun) {
			w.crm = inRun.crm;
			w.refs.push(...inRun.refs);
			crmOnlyById.delete(pick.id);
			pairing.crmOnly.splice(pairing.crmOnly.indexOf(inRun), 1);
		} else {
			w.crm = mapCrmRecord(pick.record, options.eff).record;
		}
		// First sync of the pair: no baseline (a pending-create link row is replaced by the commit).
		w.link = w.link?.crmId === null ? undefined : w.link;
		w.note = `Already in the CRM: matched existing record ${pick.id} by ${pick.matchedOn} (no create)`;
		convertWork(w, options);
		decideWork(w, decideOpts);
	});
	return linked;
}

function isFreeMatch(w: Work, m: DuplicateMatch['matches'][number], lookup: DuplicateLookup, options: PlanOptions): boolean {
	const owner = lookup.linkedElsewhere.get(m.id);
	if (owner && owner !== w.ff!.id) return false;
	if (m.matchedOn === 'email') return normalizeEmail(w.ff!.fields.email) !== '';
	if (options.role === 'company' || options.role === 'deal') return m.matchedOn === 'company';
	// People: a company match counts only with the same contact name.
	const ffName = normalizeName(w.ff!.fields.contact_name);
	if (!ffName) return false;
	return normalizeName(mapCrmRecord(m.record, options.eff).record.fields.contact_name) === ffName;
}

/** `deals` → `Deal`, `companies` → `Company`, `Opportunity` → `Opportunity`: one member record, in words. */
function memberWord(object: string): string {
	const w = object.charAt(0).toUpperCase() + object.slice(1);
	return w.endsWith('ies') ? `${w.slice(0, -3)}y` : w.endsWith('s') ? w.slice(0, -1) : w;
}

/**
 * Record groups: the company or deal a pair's link names that the CRM no longer has for the
 * primary (deleted, archived, or no longer linked to it; a read without link hints that brought
 * another deal of the person in its place counts too, and that deal's values are not taken as the
 * prospect's). Per `onMemberDeleted`:
 *  - unlink: the link records the member as unlinked (detached.ts), so no later write recreates it
 *    and no read takes another record in its place; the prospect and its values stay in FieldFlow
 *    (a member's fields absent from the CRM record never count as a change); the item is logged;
 *  - recreate: a CRM write carries the member's fields from the prospect's values (the member
 *    created, linked in the same write, as a first sync creates it; a company found by its name
 *    is linked, never duplicated), and the link names the new member. A member unlinked by an
 *    earlier run is recreated too; one the prospect has no values for is only dropped.
 * Recreating needs a CRM write: under CRM → FieldFlow only it unlinks. Pairs with no setting, no
 * group, or deleted / unlinked / created in this run are left alone.
 */
export function applyMemberLosses(work: Work[], options: PlanOptions, decideOpts: DecideOptions): void {
	const policy = options.onMemberDeleted;
	// Leads mode: members are a converted Lead's (its Contact group and that group's mapping).
	const eff = options.eff.converted ?? options.eff;
	const lane = policy ? groupSpec(options.eff.crm, options.eff.object, options.eff.members ?? []) : undefined;
	const spec = lane?.convertsTo ?? lane;
	if (!policy || !spec) return;
	const deal = spec.deal?.object;
	const objects = [spec.company?.object, deal].filter((o): o is string => !!o);
	// The canonical fields a deal sets in FieldFlow (Status, Estimated Value).
	const dealFields = new Set(eff.mappings.filter((m) => deal && m.crm.startsWith(`${deal}.`) && m.direction !== 'toCrm').map((m) => m.fieldflow));
	const settled: SyncAction[] = ['unlink', 'deleteInCrm', 'deleteInFieldflow', 'createInCrm', 'createInFieldflow'];
	for (const w of work) {
		if (!w.link?.crmId || !w.crm || w.crm.deleted || !w.ff || w.ff.deleted || !w.decision) continue;
		if (w.decision.actions.some((a) => settled.includes(a))) continue;
		if (options.eff.converted && !w.converted) continue;
		// A link from before record groups names no member at all.
		const had = w.link.members ?? {};
		const now: Record<string, string> = { ...(w.crm.members ?? {}) };
		if (deal && had[deal] && now[deal] && now[deal] !== had[deal]) {
			// Another deal of the person in place of the linked one: not the prospect's.
			delete now[deal];
			const fields = { ...w.crm.fields };
			for (const f of dealFields) delete fields[f];
			w.crm = { ...w.crm, fields, members: now };
			decideWork(w, decideOpts);
			if (w.decision.actions.some((a) => settled.includes(a))) continue;
		}
		const members: Record<string, string> = { ...now };
		const notes: string[] = [];
		const recreate: NonNullable<Work['recreate']> = { fields: {}, payload: {} };
		const take = (add: NonNullable<ReturnType<typeof memberPayload>>) => {
			Object.assign(recreate.payload, add.payload);
			Object.assign(recreate.fields, add.fields);
		};
		for (const m of objects) {
			if (now[m]) continue; // there (another company is a move, not a loss)
			const gone = had[m] ?? had[detachedKey(m)];
			if (!gone) {
				// A member the link never had, on the first run after Linked Records were added (a link
				// made before record groups): the prospect's values make it, as on a first sync.
				if (!options.addMissingMembers || options.direction === 'crmToFieldflow') continue;
				const add = memberPayload(w.ff, m);
				if (!add) continue;
				take(add);
				notes.push(`${memberWord(m)}: none linked yet, added from FieldFlow`);
				continue;
			}
			const what = `${memberWord(m)} ${gone}`;
			const lost = had[m] ? `${what} is gone from the CRM (deleted, or no longer linked to this record)` : `${what} was unlinked after it was deleted in the CRM`;
			if (policy === 'recreate' && options.direction !== 'crmToFieldflow') {
				const add = memberPayload(w.ff, m);
				if (!add) {
					notes.push(`${lost}: nothing to recreate it from (the prospect has no values for it): dropped from the link`);
					continue;
				}
				take(add);
				notes.push(`${lost}: recreated from FieldFlow (setting: recreate)`);
				continue;
			}
			members[detachedKey(m)] = gone;
			if (!had[m]) continue; // unlinked by an earlier run: kept so
			const kept = [...new Set(eff.mappings.filter((r) => r.crm.startsWith(`${m}.`) && r.direction !== 'toCrm').map((r) => r.fieldflow))];
			notes.push(`${lost}: unlinked; FieldFlow keeps the prospect's ${kept.join(', ') || 'values'} (setting: unlink${policy === 'recreate' ? `, the direction (${options.direction}) does not write the CRM` : ''})`);
			w.unlinkedMembers = true;
		}
		w.members = members;
		if (Object.keys(recreate.payload).length) {
			w.recreate = recreate;
			// Once written, the new member holds the prospect's values: they are the baseline.
			w.decision = { ...w.decision, baseline: { ...w.decision.baseline, ...recreate.fields } };
		}
		// The member's fate first: it is what the log entry is about.
		if (notes.length) w.note = [...notes, w.note].filter(Boolean).join('. ');
	}
}

/** Member `m`'s CRM fields (`<m>.<field>`) from the prospect's mapped payload and the canonical fields they carry; undefined when all are empty. */
function memberPayload(ff: MappedRecord, m: string): { payload: Record<string, unknown>; fields: CanonicalFields } | undefined {
	const payload: Record<string, unknown> = {};
	const fields: CanonicalFields = {};
	for (const [f, group] of Object.entries(ff.crmPayload ?? {})) {
		for (const [k, v] of Object.entries(group)) {
			if (!k.startsWith(`${m}.`)) continue;
			payload[k] = v;
			fields[f] = ff.fields[f] ?? null;
		}
	}
	return Object.values(payload).every(isEmpty) ? undefined : { payload, fields };
}

/** Every decided record → its output items; CRM creates carry the reservation they need. */
export function planRoutes(work: Work[], eff: EffectiveMapping): Routed[] {
	const routed: Routed[] = [];
	for (const w of work) {
		const label = labelOf(w);
		for (const r of routesOf(w, eff)) routed.push(label ? { ...r, label } : r);
	}
	return routed;
}

/** "Ada Lovelace (Ada Analytics) <ada@example.com>" from whichever side has the fields. */
function labelOf(w: Work): string | undefined {
	const f = { ...(w.crm?.fields ?? {}), ...(w.ff?.fields ?? {}) };
	const name = str(f.contact_name);
	const company = str(f.company_name);
	const email = str(f.email);
	const text = [name, company && (name ? `(${company})` : company), email && `<${email}>`].filter(Boolean).join(' ');
	return text || undefined;
}

function routesOf(w: Work, eff: EffectiveMapping): Routed[] {
	const { crm, object } = eff;
	const d = w.decision!;
	const ffId = w.ff?.id ?? w.link?.fieldflowId ?? null;
	const crmId = w.crm?.id ?? w.link?.crmId ?? null;
	const reason = w.note ? `${w.note}. ${d.reason}` : d.reason;
	const actions = new Set<SyncAction>(d.actions);
	const link = matchedLink(w, crm, object);
	const out: Routed[] = [];
	if (d.conflicts?.length && ffId && crmId) {
		const meta: ConflictMeta = { kind: 'conflict', crm, object, fieldflowId: ffId, crmId, conflicts: d.conflicts, baseline: d.baseline, reason };
		if (link && !d.toCrm && !d.toFieldflow) meta.link = link;
		const json: Record<string, unknown> = { fieldflowId: ffId, crmId, conflictFields: d.conflicts.map((c) => c.field) };
		for (const c of d.conflicts) json[c.field] = { fieldflow: c.fieldflow, crm: c.crm, baseline: c.baseline };
		out.push({ output: OUTPUT.conflict, json: { ...json, [SYNC_KEY]: meta }, paired: w.refs });
	}
	out.push(...writeRoutes(w, actions, ffId, crmId, reason, eff));
	if (!out.length) {
		const action: SyncAction = actions.has('unlink') ? 'unlink' : 'unchanged';
		const meta: UnchangedMeta = { kind: 'unchanged', crm, object, fieldflowId: ffId, crmId, action, reason };
		if (action !== 'unlink') meta.baseline = d.baseline;
		if (link) meta.link = link;
		if (w.unlinkedMembers || w.converted?.movedFrom) meta.log = true;
		out.push({ output: OUTPUT.unchanged, json: { fieldflowId: ffId, crmId, action, reason, [SYNC_KEY]: meta }, paired: w.refs });
	}
	return out;
}

function writeRoutes(w: Work, actions: Set<SyncAction>, ffId: string | null, crmId: string | null, reason: string, eff: EffectiveMapping): Routed[] {
	const { crm, object } = eff;
	const d = w.decision!;
	const members = membersOf(w);
	const crmVersion = w.crm && !w.crm.deleted ? versionFingerprint(w.crm.fields) : null;
	const common = { kind: 'write' as const, crm, object, fieldflowModifiedAt: w.ff?.modifiedAt ?? null, crmModifiedAt: w.crm?.modifiedAt ?? null, crmVersion, baseline: d.baseline, reason, ...(members ? { members } : {}) };
	const withConflicts = (m: WriteMeta): WriteMeta => (d.conflicts?.length ? { ...m, conflicts: d.conflicts } : m);
	const out: Routed[] = [];
	const writesCrm = !!d.toCrm && (actions.has('updateCrm') || actions.has('createInCrm'));
	if (writesCrm || w.recreate) {
		const create = writesCrm && actions.has('createInCrm');
		const toCrm = writesCrm ? d.toCrm! : {};
		// A member recreated (applyMemberLosses) goes with the prospect's other changes, in one write.
		const meta = withConflicts({ ...common, target: 'crm', action: create ? 'createInCrm' : 'updateCrm', fieldflowId: ffId, crmId: create ? null : crmId, fields: { ...toCrm, ...(w.recreate?.fields ?? {}) } });
		// A recreate after a CRM deletion keeps its link row (the commit updates it): no reservation.
		const reserve: Reservation | undefined = create && w.ff && !w.link?.crmId ? { fieldflowId: w.ff.id, pending: w.link ? { message: w.link.message ?? null } : undefined } : undefined;
		const payload = { ...(writesCrm ? crmPayloadFor(w.ff, toCrm, create, w.converted?.eff ?? eff) : {}), ...(w.recreate?.payload ?? {}) };
		out.push({ output: OUTPUT.toCrm, json: { ...payload, [SYNC_KEY]: meta }, paired: w.refs, reserve, current: w.crm?.fields ?? {} });
	}
	if (d.toFieldflow && (actions.has('updateFieldflow') || actions.has('createInFieldflow'))) {
		const create = actions.has('createInFieldflow');
		const meta = withConflicts({ ...common, target: 'fieldflow', action: create ? 'createInFieldflow' : 'updateFieldflow', fieldflowId: create ? null : ffId, crmId, fields: d.toFieldflow });
		out.push({ output: OUTPUT.toFieldflow, json: { ...fieldflowPayload(d.toFieldflow), [SYNC_KEY]: meta }, paired: w.refs, current: w.ff?.fields ?? {} });
	}
	if (actions.has('deleteInCrm') || actions.has('deleteInFieldflow')) {
		const target = actions.has('deleteInCrm') ? 'crm' : 'fieldflow';
		const meta: WriteMeta = { ...common, target, action: target === 'crm' ? 'deleteInCrm' : 'deleteInFieldflow', fieldflowId: ffId, crmId, baseline: {}, fields: {} };
		out.push({ output: target === 'crm' ? OUTPUT.toCrm : OUTPUT.toFieldflow, json: { [SYNC_KEY]: meta }, paired: w.refs });
	}
	return out;
}

/**
 * A pair with nothing to write has no write to record its link: the link to save with its
 * Unchanged / Conflict item (a first match by email, name or duplicate check, a pending reservation
 * replaced, or a baseline that moved). Undefined when the stored link is already right.
 */
function matchedLink(w: Work, crm: CrmName, object: string): Link | undefined {
	const d = w.decision!;
	const actions = new Set<SyncAction>(d.actions);
	if (d.toCrm || d.toFieldflow || !w.ff || !w.crm || w.ff.deleted || w.crm.deleted) return undefined;
	if (!actions.has('unchanged') && !actions.has('conflict')) return undefined;
	const members = membersOf(w);
	if (w.link && w.link.crmId === w.crm.id && sameBaseline(w.link.baseline, d.baseline) && sameMembers(w.link.members, members)) return undefined;
	const kept = !!w.link?.crmId;
	return {
		...(members ? { members } : {}),
		crm,
		object,
		fieldflowId: w.ff.id,
		crmId: w.crm.id,
		baseline: d.baseline,
		status: d.conflicts?.length ? 'conflict' : kept ? w.link!.status : 'synced',
		fieldflowModifiedAt: w.ff.modifiedAt || null,
		crmModifiedAt: w.crm.modifiedAt || null,
		crmVersion: versionFingerprint(w.crm.fields),
		lastSyncedAt: kept ? (w.link!.lastSyncedAt ?? null) : new Date().toISOString(),
		message: kept ? (w.link!.message ?? null) : null,
	};
}

/** Creates whose reservation another run holds are not written: they go out on Unchanged. */
export function applyReservations(routed: Routed[], granted: ReadonlySet<string>, crm: CrmName, object: string): Routed[] {
	return routed.map((r) => {
		if (!r.reserve || granted.has(r.reserve.fieldflowId)) return r;
		const { fieldflowId } = r.reserve;
		const reason = 'Not created: being created by another run (a create for this prospect is already reserved).';
		const meta: UnchangedMeta = { kind: 'unchanged', crm, object, fieldflowId, crmId: null, action: 'unchanged', reason };
		return { output: OUTPUT.unchanged, json: { fieldflowId, crmId: null, action: 'unchanged', reason, [SYNC_KEY]: meta }, paired: r.paired };
	});
}

/**
 * A record group's member records for the pair: as the CRM side was read (the members it has now:
 * a person moved to another organization), else as the link names them; a member the link records
 * as unlinked after a deletion (detached.ts) stays so while the CRM has no such member. As
 * applyMemberLosses settled them when it did.
 */
function membersOf(w: Work): Record<string, string> | undefined {
	if (w.members) return w.members;
	const now = w.crm?.members ?? w.link?.members;
	const had = w.link?.members;
	const carried = detachedMembers(had).filter((m) => !now?.[m] && !now?.[detachedKey(m)]);
	if (!carried.length) return now;
	const out = { ...(now ?? {}) };
	for (const m of carried) out[detachedKey(m)] = had![detachedKey(m)];
	return out;
}

function sameMembers(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
	const keys = new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})]);
	for (const k of keys) if ((a ?? {})[k] !== (b ?? {})[k]) return false;
	return true;
}

function sameBaseline(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
	const keys = new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})]);
	for (const k of keys) if (!sameValue(a?.[k], b?.[k])) return false;
	return true;
}

/** CRM fields to send: the groups of the changed canonical fields (all groups on create). */
export function crmPayloadFor(ff: MappedRecord | undefined, toCrm: Record<string, unknown>, create: boolean, eff: EffectiveMapping): Record<string, unknown> {
	const groups = ff?.crmPayload ?? {};
	const out: Record<string, unknown> = {};
	const missing: Record<string, unknown> = {};
	if (create && ff?.crmPayload) for (const g of Object.values(groups)) Object.assign(out, g);
	for (const f of Object.keys(toCrm)) {
		if (groups[f]) Object.assign(out, groups[f]);
		else if (!create || !ff?.crmPayload) missing[f] = toCrm[f];
	}
	if (Object.keys(missing).length) Object.assign(out, mapToCrm(missing, eff.mappings, eff.valueMaps, { id: ff?.id }).fields);
	return out;
}

function str(v: unknown): string | undefined {
	if (v === undefined || v === null) return undefined;
	const s = String(v).trim();
	return s || undefined;
}
