/**
 * The Conflict Resolver's run, without n8n: read → plan → reserve. Records of both inputs
 * (MappedRecords from the Mapping node) become routed output items (To CRM, To FieldFlow,
 * Conflict, Unchanged) in the protocol (protocol.ts):
 *
 * 1. read: links for every id of both inputs (one store call); linked records whose counterpart is
 *    not in this run's input read by id (not found = deleted); lookups.ts
 * 2. plan: pair, decide per pair (the three-way merge), duplicate check of the planned CRM creates
 *    (a prospect that already exists in the CRM is linked, never duplicated), a record group's
 *    company or deal gone from the CRM unlinked or recreated (the setting); plan.ts, pure
 * 3. reserve: each CRM create reserves its prospect (reserve.ts), so two concurrent runs never
 *    create the same record; one another run holds goes out on Unchanged.
 *
 * Nothing else is written here: links of matched pairs, conflicts, statuses and logs travel on the
 * items and are written by the commit (Sync Status "Record Results", commit.ts).
 */
import type { ObjectInfo } from '../crm/types';
import { checkDuplicates, readCounterparts, type BulkMatchCost, type LookupDeps } from './lookups';
import { addCounterparts, applyConversions, applyDuplicates, followConvertedLinks, restoreLinks, applyMemberLosses, applyReservations, createChecks, decideAll, decideOptionsOf, pairRecords, planRoutes, type InputRecord, type PlanOptions, type Routed } from './plan';
import { releaseReservations, reserveCreates, type ReserveOptions } from './reserve';

export interface ResolveOptions extends PlanOptions, ReserveOptions {
	/** List the CRM object once for the duplicate check of many new people (needs deps.listCrm). */
	bulkMatch?: BulkMatchCost;
}

export interface ResolveStats {
	crmFetched: number;
	fieldflowFetched: number;
	duplicatesLinked: number;
	duplicateChecks: number;
	duplicateListPages: number;
	/** Matched pairs whose link the commit saves. */
	linksSaved: number;
}

export interface ResolveResult {
	routed: Routed[];
	/** FieldFlow ids reserved for a CRM create in this run (the commit replaces or releases them). */
	reserved: string[];
	stats: ResolveStats;
}

/** read → plan: the routed items of the run, nothing written. */
export async function planRun(ffIn: InputRecord[], crmIn: InputRecord[], deps: LookupDeps, options: ResolveOptions): Promise<{ routed: Routed[]; stats: ResolveStats }> {
	const { eff } = options;
	const stats: ResolveStats = { crmFetched: 0, fieldflowFetched: 0, duplicatesLinked: 0, duplicateChecks: 0, duplicateListPages: 0, linksSaved: 0 };
	// A converted Lead's Contact group (convertedFrom) finds the link that still names the Lead.
	const crmIds = crmIn.flatMap((r) => (r.record.convertedFrom ? [r.record.id, r.record.convertedFrom] : [r.record.id]));
	const stored = ffIn.length || crmIn.length ? await deps.store.getLinks(eff.crm, eff.object, { fieldflowIds: ffIn.map((r) => r.record.id), crmIds }) : [];
	const { links, originals } = followConvertedLinks(stored, crmIn);
	const pairing = pairRecords(ffIn, crmIn, links, options.matchBy);
	restoreLinks(pairing, originals);
	const counterparts = await readCounterparts(pairing, deps);
	stats.crmFetched = counterparts.crm.size;
	stats.fieldflowFetched = pairing.needFieldflow.filter((w) => counterparts.fieldflow.has(w.link!.fieldflowId)).length;
	addCounterparts(pairing, counterparts.crm, counterparts.fieldflow, eff);
	applyConversions(pairing, options);
	const decideOpts = decideOptionsOf(options);
	decideAll(pairing.work, decideOpts);
	const { creates, criteria } = createChecks(pairing.work, options.role);
	if (criteria.length) {
		stats.duplicateChecks = criteria.length;
		const lookup = await checkDuplicates(criteria, deps, { eff, person: isPerson(options.role), bulkMatch: options.bulkMatch });
		stats.duplicateListPages = lookup.listPages;
		stats.duplicatesLinked = applyDuplicates(pairing, creates, lookup, options, decideOpts);
	}
	decideAll(pairing.crmOnly, decideOpts);
	applyMemberLosses(pairing.work, options, decideOpts);
	const routed = planRoutes([...pairing.work, ...pairing.crmOnly], eff);
	stats.linksSaved = routed.filter((r) => (r.json._sync as { link?: unknown } | undefined)?.link).length;
	return { routed, stats };
}

/** read → plan → reserve. */
export async function resolve(ffIn: InputRecord[], crmIn: InputRecord[], deps: LookupDeps, options: ResolveOptions): Promise<ResolveResult> {
	const { routed, stats } = await planRun(ffIn, crmIn, deps, options);
	const { crm, object } = options.eff;
	const reservations = routed.flatMap((r) => (r.reserve ? [r.reserve] : []));
	const granted = await reserveCreates(deps.store, crm, object, reservations, options);
	try {
		return { routed: applyReservations(routed, granted, crm, object), reserved: [...granted], stats };
	} catch (error) {
		await releaseReservations(deps.store, crm, object, [...granted]);
		throw error;
	}
}

function isPerson(role: ObjectInfo['role']): boolean {
	return role === 'person';
}

