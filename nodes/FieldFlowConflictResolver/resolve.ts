/**
 * The Conflict Resolver's work, without n8n: records of both inputs (MappedRecords from the Mapping
 * node) → routed output items (To CRM, To FieldFlow, Conflict, Unchanged) in the `_sync` envelope.
 *
 * 1. Links for every id of both inputs, one store call.
 * 2. matchRecords (link first, then the chosen keys).
 * 3. Linked records whose counterpart is not in this run's input are completed by reading the
 *    counterpart by id (CRM getByIds and FieldFlow ids= reads, batched). Not found = deleted.
 * 4. decide() per pair, with the lossy value maps as crmEquivalent.
 * 5. Creates in the CRM: findDuplicates first (email; company for company/deal objects; company +
 *    contact name for people), so a prospect that already exists in the CRM is linked, never
 *    duplicated; then store.reserveLink, so two concurrent runs never create the same record.
 * 6. Conflicts (manual strategy) are recorded in the store for the dashboard. A matched pair with
 *    nothing to write (equal on both sides, or only in conflict) gets its link saved here, since no
 *    write (and so no Sync Status "Record Results") follows for it.
 *
 * Reads FieldFlow and the CRM only: writing them is the next nodes' job (FieldFlow CRM upsert/delete, FieldFlow upsert/delete,
 * Sync Status "Record Results").
 */
import type { ChangePage, CrmName, CrmRecord, DuplicateCriteria, DuplicateMatch, ObjectInfo } from '../shared/crm/types';
import { fieldflowPayload, lossyEquivalence, mapToCrm, sameValue } from '../shared/mapping/engine';
import { hostname } from 'node:os';
import { reservationHolder, type ConflictInput, type SyncStore } from '../shared/store';
import type { ConflictMeta, MappedRecord, UnchangedMeta, WriteMeta } from '../shared/sync/envelope';
import { SYNC_KEY } from '../shared/sync/envelope';
import { decide, type Decision } from '../shared/sync/merge';
import { findDuplicatesIn, matchRecords, normalizeEmail, normalizeName, type MatchKey } from '../shared/sync/match';
import type { ConflictStrategy, Link, NotFoundPolicy, SyncAction, SyncDirection, SyncRecord } from '../shared/sync/types';
import type { EffectiveMapping } from '../shared/mapping/effective';
import { mapCrmRecord, mapFieldflowRecord } from '../shared/mapping/records';

export const OUTPUT = { toCrm: 0, toFieldflow: 1, conflict: 2, unchanged: 3 } as const;
export type OutputIndex = (typeof OUTPUT)[keyof typeof OUTPUT];

export interface InputRecord {
	record: MappedRecord;
	/** 0 = FieldFlow input, 1 = CRM input. */
	input: 0 | 1;
	item: number;
}

export interface ResolveDeps {
	store: SyncStore;
	getCrmByIds(ids: string[]): Promise<CrmRecord[]>;
	findDuplicates(criteria: DuplicateCriteria[]): Promise<DuplicateMatch[]>;
	/** FieldFlow records by id, batched; a missing id means the record does not exist (deleted). */
	getFieldflowByIds(ids: string[]): Promise<Array<Record<string, unknown>>>;
	/**
	 * Every record of the CRM object, page by page (the adapter's listChangedSince(object,
	 * undefined)). Optional: without it the duplicate check always searches.
	 */
	listCrm?(): AsyncIterable<ChangePage>;
}

/**
 * When the duplicate check of many new people lists the CRM object once instead of searching: more
 * creates than `listPageSize` (a page's worth), and only while the listing costs no more calls than
 * the searches it replaces (`recordsPerSearch` people per search call). A listing that would cost
 * more is abandoned at the first page past that budget and the searches run (so at worst about
 * twice the searches' calls).
 */
export interface BulkMatchCost {
	listPageSize: number;
	recordsPerSearch: number;
}

/** Per CRM: records per listing page and people per duplicate-search call (the adapters' sizes). */
export const BULK_MATCH_COST: Record<CrmName, BulkMatchCost> = {
	salesforce: { listPageSize: 2000, recordsPerSearch: 100 }, // SOQL page; Email IN (100 values)
	hubspot: { listPageSize: 200, recordsPerSearch: 100 }, // search page; IN filter of 100 emails
	pipedrive: { listPageSize: 500, recordsPerSearch: 1 }, // v2 list page; one search per person
};

export interface ResolveOptions {
	eff: EffectiveMapping;
	role: ObjectInfo['role'];
	direction: SyncDirection;
	strategy: ConflictStrategy;
	notFound: NotFoundPolicy;
	/** Keys after the link (always first). */
	matchBy: MatchKey[];
	/** List the CRM object once for the duplicate check of many new people (needs deps.listCrm). */
	bulkMatch?: BulkMatchCost;
	/** A create reservation older than this is taken over (crashed run). Default 15 minutes. */
	reservationStaleAfterMs?: number;
	/** Who reserves (default: this n8n process, `<host>#<pid>`). */
	holder?: string;
	/** Whether a reservation holder is a process that no longer runs (default: same host and its pid is gone). */
	isHolderDead?: (holder: string) => boolean;
}

export interface Routed {
	output: OutputIndex;
	json: Record<string, unknown>;
	paired: Array<{ item: number; input: number }>;
}

export interface ResolveResult {
	routed: Routed[];
	conflicts: ConflictInput[];
	/** FieldFlow ids reserved for a CRM create in this run (release them if the run fails). */
	reserved: string[];
	stats: { crmFetched: number; fieldflowFetched: number; duplicatesLinked: number; duplicateChecks: number; duplicateListPages: number; linksSaved: number };
}

/** Canonical fields used to match, never synced as data. */
const MATCH_ONLY_FIELDS = ['fieldflow_id', 'crm_id'];

interface Work {
	ff?: SyncRecord & MappedRecord;
	crm?: SyncRecord;
	link?: Link;
	refs: Array<{ item: number; input: number }>;
	note?: string;
	decision?: Decision;
}

function dataOnly<T extends SyncRecord>(r: T): T {
	if (!MATCH_ONLY_FIELDS.some((f) => f in r.fields)) return r;
	const fields = { ...r.fields };
	for (const f of MATCH_ONLY_FIELDS) delete fields[f];
	return { ...r, fields };
}

export async function resolve(ffIn: InputRecord[], crmIn: InputRecord[], deps: ResolveDeps, options: ResolveOptions): Promise<ResolveResult> {
	const { eff } = options;
	const { crm, object } = eff;
	const stats = { crmFetched: 0, fieldflowFetched: 0, duplicatesLinked: 0, duplicateChecks: 0, duplicateListPages: 0, linksSaved: 0 };
	const decideOptions = {
		direction: options.direction,
		strategy: options.strategy,
		notFound: options.notFound,
		crmEquivalent: lossyEquivalence(eff.mappings, eff.valueMaps),
	};

	// 1. links, one store call
	const links =
		ffIn.length || crmIn.length
			? await deps.store.getLinks(crm, object, { fieldflowIds: ffIn.map((r) => r.record.id), crmIds: crmIn.map((r) => r.record.id) })
			: [];

	// 2. match
	const refOf = new Map<SyncRecord, InputRecord>();
	for (const r of [...ffIn, ...crmIn]) refOf.set(r.record, r);
	const order: MatchKey[] = ['link', ...options.matchBy.filter((k) => k !== 'link')];
	const match = matchRecords(
		ffIn.map((r) => r.record),
		crmIn.map((r) => r.record),
		{ order, links },
	);
	const ref = (r: SyncRecord) => {
		const x = refOf.get(r)!;
		return { item: x.item, input: x.input };
	};

	const work: Work[] = [];
	for (const p of match.pairs) {
		work.push({ ff: p.fieldflow as MappedRecord, crm: p.crm, link: p.link, refs: [ref(p.fieldflow), ref(p.crm)], note: p.matchedBy === 'link' ? undefined : `Matched by ${p.matchedBy}` });
	}

	// 3. complete linked records whose counterpart is missing from this run's input
	const needCrm: Work[] = [];
	const needFf: Work[] = [];
	for (const u of match.unmatchedFieldflow) {
		const w: Work = { ff: u.record as MappedRecord, link: u.link, refs: [ref(u.record)] };
		work.push(w);
		if (u.link?.crmId) needCrm.push(w);
	}
	const crmOnly: Work[] = [];
	for (const u of match.unmatchedCrm) {
		const w: Work = { crm: u.record, link: u.link, refs: [ref(u.record)] };
		if (u.link) {
			needFf.push(w);
			work.push(w);
		} else crmOnly.push(w);
	}
	if (needCrm.length) {
		const ids = [...new Set(needCrm.map((w) => w.link!.crmId!))];
		const found = new Map((await deps.getCrmByIds(ids)).map((r) => [r.id, r]));
		stats.crmFetched = found.size;
		for (const w of needCrm) {
			const r = found.get(w.link!.crmId!);
			if (r) {
				w.crm = mapCrmRecord(r, eff).record;
				w.note = 'CRM record read by id (not changed in this run)';
			}
		}
	}
	if (needFf.length) {
		const byId = new Map((await deps.getFieldflowByIds([...new Set(needFf.map((w) => w.link!.fieldflowId))])).map((r) => [String(r.id), r]));
		needFf.forEach((w) => {
			const raw = byId.get(w.link!.fieldflowId);
			if (!raw) return;
			stats.fieldflowFetched++;
			w.ff = mapFieldflowRecord(raw, eff).record;
			w.note = 'FieldFlow record read by id (not changed in this run)';
		});
	}

	// 4. decide
	const run = (w: Work) => {
		w.decision = decide({ fieldflow: w.ff && dataOnly(w.ff), crm: w.crm && dataOnly(w.crm), link: w.link }, decideOptions);
	};
	for (const w of work) run(w);

	// 5a. duplicates before any CRM create
	const creates = work.filter((w) => w.decision!.action === 'createInCrm' && w.ff && !w.ff.deleted);
	if (creates.length) {
		// People are identified by email; company + name is the fallback only for a prospect without
		// an email (each extra criterion is an extra search on some CRMs).
		const person = options.role !== 'company' && options.role !== 'deal';
		const criteria: DuplicateCriteria[] = creates.map((w, i) => {
			const email = str(w.ff!.fields.email);
			const fallback = !person || !email;
			return {
				ref: String(i),
				email,
				company: fallback ? str(w.ff!.fields.company_name) : undefined,
				name: fallback ? str(w.ff!.fields.contact_name) : undefined,
			};
		});
		const withKey = criteria.filter((c) => c.email || c.company || c.name);
		if (withKey.length) {
			stats.duplicateChecks = withKey.length;
			let found: DuplicateMatch[] | undefined;
			const cost = options.bulkMatch;
			const maxPages = cost ? Math.ceil(withKey.length / cost.recordsPerSearch) : 0;
			// Already more linked records than the budget's pages can list: the listing cannot win
			// (a paged bulk sync's later pages), so search without trying it.
			if (options.role === 'person' && deps.listCrm && cost && withKey.length > cost.listPageSize && (await deps.store.countLinks(crm, object)) < cost.listPageSize * maxPages) {
				const listed = await duplicatesFromListing(withKey, deps.listCrm(), maxPages, eff);
				stats.duplicateListPages = listed.pages;
				found = listed.found;
			}
			found ??= await deps.findDuplicates(withKey);
			const byRef = new Map(found.map((m) => [m.ref, m.matches]));
			// CRM ids already linked (to anyone) or used in this run are not free to link.
			const candidateIds = [...new Set(found.flatMap((m) => m.matches.map((x) => x.id)))];
			const linkedElsewhere = new Map(
				(candidateIds.length ? await deps.store.getLinks(crm, object, { crmIds: candidateIds }) : []).map((l) => [l.crmId ?? '', l.fieldflowId]),
			);
			const taken = new Set<string>();
			for (const w of work) if (w.crm && w.ff) taken.add(w.crm.id);
			const crmOnlyById = new Map(crmOnly.map((w) => [w.crm!.id, w]));
			creates.forEach((w, i) => {
				const matches = byRef.get(String(i)) ?? [];
				const ffName = normalizeName(w.ff!.fields.contact_name);
				const pick = matches.find((m) => {
					if (taken.has(m.id)) return false;
					const owner = linkedElsewhere.get(m.id);
					if (owner && owner !== w.ff!.id) return false;
					if (m.matchedOn === 'email') return normalizeEmail(w.ff!.fields.email) !== '';
					if (options.role === 'company' || options.role === 'deal') return m.matchedOn === 'company';
					// People: a company match counts only with the same contact name.
					if (!ffName) return false;
					const mapped = mapCrmRecord(m.record, eff).record;
					return normalizeName(mapped.fields.contact_name) === ffName;
				});
				if (!pick) return;
				taken.add(pick.id);
				stats.duplicatesLinked++;
				const inRun = crmOnlyById.get(pick.id);
				if (inRun) {
					w.crm = inRun.crm;
					w.refs.push(...inRun.refs);
					crmOnlyById.delete(pick.id);
					crmOnly.splice(crmOnly.indexOf(inRun), 1);
				} else {
					w.crm = mapCrmRecord(pick.record, eff).record;
				}
				// First sync of the pair: no baseline (a pending-create link row is replaced by the write path).
				w.link = w.link?.crmId === null ? undefined : w.link;
				w.note = `Already in the CRM: matched existing record ${pick.id} by ${pick.matchedOn} (no create)`;
				run(w);
			});
		}
	}
	for (const w of crmOnly) {
		run(w);
		work.push(w);
	}

	// 5b. reserve creates
	const reserved: string[] = [];
	const staleAfterMs = options.reservationStaleAfterMs ?? 15 * 60_000;
	const holder = options.holder ?? processHolder();
	const blocked = new Set<Work>();
	for (const w of work) {
		if (w.decision!.action !== 'createInCrm' || !w.ff) continue;
		if (w.link?.crmId) continue; // recreate after a CRM deletion: the link row exists and is updated by the write path
		// A reservation left by a process that is gone (n8n killed mid-run) is taken over at once:
		// the duplicate check above already linked whatever that process managed to create.
		const previous = w.link ? reservationHolder(w.link.message) : null;
		const takeOverFrom = previous && previous !== holder && (options.isHolderDead ?? isDeadHolder)(previous) ? previous : undefined;
		const ok = await deps.store.reserveLink(crm, object, w.ff.id, w.link ? { staleAfterMs, holder, takeOverFrom } : { holder });
		if (ok) reserved.push(w.ff.id);
		else blocked.add(w);
	}

	// 6. route
	const routed: Routed[] = [];
	const conflicts: ConflictInput[] = [];
	const linkSaves: Link[] = [];
	for (const w of work) {
		const d = w.decision!;
		const ffId = w.ff?.id ?? w.link?.fieldflowId ?? null;
		const crmId = w.crm?.id ?? w.link?.crmId ?? null;
		const reason = w.note ? `${w.note}. ${d.reason}` : d.reason;
		const common = { crm, object, fieldflowModifiedAt: w.ff?.modifiedAt ?? null, crmModifiedAt: w.crm?.modifiedAt ?? null };
		if (blocked.has(w)) {
			const meta: UnchangedMeta = { kind: 'unchanged', crm, object, fieldflowId: ffId, crmId: null, action: 'unchanged', reason: `Not created: being created by another run (a create for this prospect is already reserved).` };
			routed.push({ output: OUTPUT.unchanged, json: { fieldflowId: ffId, crmId: null, action: 'unchanged', reason: meta.reason, [SYNC_KEY]: meta }, paired: w.refs });
			continue;
		}
		const actions = new Set<SyncAction>(d.actions);
		let wrote = false;
		if (d.conflicts?.length && ffId && crmId) {
			const meta: ConflictMeta = { kind: 'conflict', crm, object, fieldflowId: ffId, crmId, conflicts: d.conflicts, baseline: d.baseline, reason };
			const json: Record<string, unknown> = { fieldflowId: ffId, crmId, conflictFields: d.conflicts.map((c) => c.field) };
			for (const c of d.conflicts) json[c.field] = { fieldflow: c.fieldflow, crm: c.crm, baseline: c.baseline };
			json[SYNC_KEY] = meta;
			routed.push({ output: OUTPUT.conflict, json, paired: w.refs });
			conflicts.push({ crm, object, fieldflowId: ffId, crmId, fields: d.conflicts });
			wrote = true;
		}
		if (d.toCrm && (actions.has('updateCrm') || actions.has('createInCrm'))) {
			const create = actions.has('createInCrm');
			const meta: WriteMeta = {
				kind: 'write',
				target: 'crm',
				action: create ? 'createInCrm' : 'updateCrm',
				...common,
				fieldflowId: ffId,
				crmId: create ? null : crmId,
				baseline: d.baseline,
				fields: d.toCrm,
				reason,
			};
			if (d.conflicts?.length) meta.conflicts = d.conflicts;
			routed.push({ output: OUTPUT.toCrm, json: { ...crmPayloadFor(w.ff, d.toCrm, create, eff), [SYNC_KEY]: meta }, paired: w.refs });
			wrote = true;
		}
		if (d.toFieldflow && (actions.has('updateFieldflow') || actions.has('createInFieldflow'))) {
			const create = actions.has('createInFieldflow');
			const meta: WriteMeta = {
				kind: 'write',
				target: 'fieldflow',
				action: create ? 'createInFieldflow' : 'updateFieldflow',
				...common,
				fieldflowId: create ? null : ffId,
				crmId,
				baseline: d.baseline,
				fields: d.toFieldflow,
				reason,
			};
			if (d.conflicts?.length) meta.conflicts = d.conflicts;
			routed.push({ output: OUTPUT.toFieldflow, json: { ...fieldflowPayload(d.toFieldflow), [SYNC_KEY]: meta }, paired: w.refs });
			wrote = true;
		}
		if (actions.has('deleteInCrm') || actions.has('deleteInFieldflow')) {
			const target = actions.has('deleteInCrm') ? 'crm' : 'fieldflow';
			const meta: WriteMeta = {
				kind: 'write',
				target,
				action: target === 'crm' ? 'deleteInCrm' : 'deleteInFieldflow',
				...common,
				fieldflowId: ffId,
				crmId,
				baseline: {},
				fields: {},
				reason,
			};
			routed.push({ output: target === 'crm' ? OUTPUT.toCrm : OUTPUT.toFieldflow, json: { [SYNC_KEY]: meta }, paired: w.refs });
			wrote = true;
		}
		// A pair with nothing to write has no write path to save its link: keep it here (first match
		// by email/name/duplicate, a pending reservation replaced, or a baseline that moved).
		if (!d.toCrm && !d.toFieldflow && w.ff && w.crm && !w.ff.deleted && !w.crm.deleted && (actions.has('unchanged') || actions.has('conflict'))) {
			if (!w.link || w.link.crmId !== w.crm.id || !sameBaseline(w.link.baseline, d.baseline)) {
				linkSaves.push({
					crm,
					object,
					fieldflowId: w.ff.id,
					crmId: w.crm.id,
					baseline: d.baseline,
					status: d.conflicts?.length ? 'conflict' : w.link?.crmId ? w.link.status : 'synced',
					fieldflowModifiedAt: w.ff.modifiedAt || null,
					crmModifiedAt: w.crm.modifiedAt || null,
					lastSyncedAt: w.link?.crmId ? (w.link.lastSyncedAt ?? null) : new Date().toISOString(),
					message: w.link?.crmId ? (w.link.message ?? null) : null,
				});
			}
		}
		if (!wrote) {
			const action: SyncAction = actions.has('unlink') ? 'unlink' : 'unchanged';
			const meta: UnchangedMeta = { kind: 'unchanged', crm, object, fieldflowId: ffId, crmId, action, reason };
			if (action !== 'unlink') meta.baseline = d.baseline;
			routed.push({ output: OUTPUT.unchanged, json: { fieldflowId: ffId, crmId, action, reason, [SYNC_KEY]: meta }, paired: w.refs });
		}
	}
	if (linkSaves.length) {
		await deps.store.saveLinks(linkSaves);
		// Both sides are equal now: older queued errors of these records (a create whose answer was
		// lost, then linked here by email) are settled, and retrying them would create a duplicate.
		const settled = linkSaves.filter((l) => l.status === 'synced');
		if (settled.length) await deps.store.resolveErrorsForRecords(crm, object, settled);
	}
	stats.linksSaved = linkSaves.length;
	return { routed, conflicts, reserved, stats };
}

/**
 * The duplicate check from a listing of the whole CRM object, matched locally with the rules of
 * the searches (findDuplicatesIn: email, any of a record's emails; company + contact name without
 * an email). `found` is undefined when the listing passed `maxPages` (searching is cheaper then).
 */
async function duplicatesFromListing(
	criteria: DuplicateCriteria[],
	pages: AsyncIterable<ChangePage>,
	maxPages: number,
	eff: EffectiveMapping,
): Promise<{ found?: DuplicateMatch[]; pages: number }> {
	const raw: CrmRecord[] = [];
	let n = 0;
	for await (const page of pages) {
		if (++n > maxPages) return { pages: n };
		for (const r of page.records) raw.push(r);
	}
	const mapped = raw.map((r) => mapCrmRecord(r, eff).record);
	const local = findDuplicatesIn(criteria, mapped, (m, i) => [m.fields.email, ...otherEmails(raw[i].fields.emails)]);
	return { pages: n, found: local.map((d) => ({ ref: d.ref, matches: d.matches.map((x) => ({ id: raw[x.index].id, object: raw[x.index].object, matchedOn: x.matchedOn, record: raw[x.index] })) })) };
}

/** A record's further emails (Pipedrive persons: `emails: [{ value, primary }]`), which its searches also find. */
function otherEmails(v: unknown): unknown[] {
	return Array.isArray(v) ? v.map((e) => (e && typeof e === 'object' ? (e as { value?: unknown }).value : e)) : [];
}

/** This n8n process as a reservation holder. */
export function processHolder(): string {
	return `${hostname()}#${process.pid}`;
}

/**
 * A holder is dead when it ran on this host and its process is gone. A holder on another host (a
 * queue-mode worker elsewhere) cannot be checked: its reservation waits for the stale window.
 */
export function isDeadHolder(holder: string): boolean {
	const m = /^(.*)#(\d+)$/.exec(holder);
	if (!m || m[1] !== hostname()) return false;
	const pid = Number(m[2]);
	if (pid === process.pid) return false;
	try {
		process.kill(pid, 0);
		return false;
	} catch (err) {
		return (err as NodeJS.ErrnoException).code === 'ESRCH';
	}
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
