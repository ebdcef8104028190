/**
 * Writing record groups in dependency order: companies (matched by normalised name, each distinct
 * company created once, shared by every prospect of it), then the primaries with their company
 * link, then the deals with their links to both (then, where a junction record links a deal to its
 * primary, the junctions). Each step is one adapter upsert over the whole batch, so the vendor's
 * batch sizes hold per member object.
 *
 * Links: reference fields are written with the record (person.org_id, deal.person_id / org_id,
 * Contact.AccountId, Opportunity.AccountId). Associations (HubSpot) go inline into the create of a
 * new record (`WriteInput.associations`: no association call at all for new records); an existing
 * record that moves to another company is associated with the new one and dissociated from the old
 * one in batch calls (`CrmAdapter.associate` / `dissociate`).
 *
 * The company-change rule (a prospect's Company Name changes while it is linked to a company):
 *  - the company is linked to that prospect's primary alone → the company is renamed;
 *  - other primaries share it → nothing is renamed for them: the prospect is relinked to the
 *    company of the new name (found by name, or created), and its deal follows.
 * An empty Company Name unlinks the company (the company itself is kept).
 *
 * One bad member fails only its own prospect's group; the error names the member and its field
 * (`organizations.name`). A failure after the primary was written still reports the primary's id
 * and members (`WriteResult.id`/`members` with `success: false`), so a retry updates, never
 * creates a second one.
 */
import { SyncError } from '../../errors';
import { normalizeName } from '../../sync/match';
import type { AssociationPair, CallForecast, CrmAdapter, MemberIds, WriteCounts, WriteInput, WriteResult } from '../types';
import { forecastLeadGroupWrites, writeLeadGroups } from './convert';
import { isDetached } from './detached';
import { groupLinks } from './links';
import { compareIds, splitFields, type CompanyMember, type GroupSpec } from './spec';

interface GroupWrite {
	input: WriteInput;
	primary: Record<string, unknown>;
	byMember: Record<string, Record<string, unknown>>;
	members: MemberIds;
	primaryId?: string;
	created?: boolean;
	error?: SyncError;
	/** The primary's company link changes: from the company it was linked to, to another one or none. */
	relink?: { from?: string; to: string | null };
}

export async function writeGroups(a: CrmAdapter, spec: GroupSpec, inputs: WriteInput[]): Promise<WriteResult[]> {
	// Leads mode: converted prospects written as their Contact groups, the others as Leads (convert.ts).
	if (spec.convertsTo) return writeLeadGroups(a, spec, inputs);
	const writes: GroupWrite[] = inputs.map((input) => {
		const { primary, byMember } = splitFields(spec, input.fields);
		return { input, primary, byMember, members: { ...(input.members ?? {}) }, primaryId: input.id };
	});
	try {
		if (spec.company) await writeCompanies(a, spec, writes);
		await writePrimaries(a, spec, writes);
		if (spec.deal) await writeDeals(a, spec, writes);
	} catch (error) {
		// A whole call failed (the token expired between two steps, say): every group not finished
		// fails with it, and what was written keeps its ids, so the retry updates it, never creates it twice.
		const err = error instanceof SyncError ? error : new SyncError({ kind: 'unknown', message: (error as Error)?.message ?? String(error), cause: error });
		for (const w of writes) w.error ??= err;
	}
	return writes.map((w) => {
		const out: WriteResult = { ref: w.input.ref, success: !w.error, members: w.members };
		if (w.primaryId) out.id = w.primaryId;
		if (w.created !== undefined) out.created = w.created;
		if (w.error) out.error = w.error;
		return out;
	});
}

/** The error of one member of one group: names the member object and the field as the group record has it. */
function memberError(e: SyncError | undefined, member: string, label: string, ref: string): SyncError {
	return new SyncError({
		kind: e?.kind ?? 'unknown',
		status: e?.status,
		code: e?.code,
		fields: e?.fields?.map((f) => `${member}.${f}`),
		recordRef: ref,
		retryAfterMs: e?.retryAfterMs,
		hint: e?.hint,
		message: `${label}: ${e?.message ?? 'not written'}`,
		cause: e,
	});
}

/**
 * What one write does to its company (writeGroups and its forecast share it):
 *  - unlink: Company Name emptied (the company is kept);
 *  - byName: no company linked yet: the company of that name (found, or created);
 *  - sharedCheck: the linked company's name changes: renamed if no other primary shares it, else relinked by name;
 *  - update: other fields of the linked company;
 *  - none: no company fields.
 */
type CompanyStep = 'unlink' | 'byName' | 'sharedCheck' | 'update' | 'none';

function companyStep(company: CompanyMember, fields: Record<string, unknown> | undefined, linked: string | undefined, detached = false): CompanyStep {
	if (!fields) return 'none';
	// Unlinked after a deletion in the CRM (detached.ts): not linked again, nor created, by a write.
	if (detached) return 'none';
	const hasName = company.nameField in fields;
	const name = String(fields[company.nameField] ?? '').trim();
	if (hasName && !name) return 'unlink';
	if (!linked) return name ? 'byName' : 'none';
	return hasName ? 'sharedCheck' : 'update';
}

/** What one write does to its deal: update the linked one (with fields to write), create one (with a value to carry), or nothing. */
function dealStep(fields: Record<string, unknown>, linked: string | undefined, detached = false): 'update' | 'create' | 'none' {
	if (linked) return Object.keys(fields).length ? 'update' : 'none';
	// Unlinked after a deletion in the CRM (detached.ts): no new deal from the prospect's changes.
	if (detached) return 'none';
	return Object.values(fields).some((v) => v !== undefined && v !== null && v !== '') ? 'create' : 'none';
}

async function writeCompanies(a: CrmAdapter, spec: GroupSpec, writes: GroupWrite[]): Promise<void> {
	const company = spec.company!;
	const byName: GroupWrite[] = [];
	const renames: GroupWrite[] = [];
	const sharedCheck: GroupWrite[] = [];
	for (const w of writes) {
		const step = companyStep(company, w.byMember[company.object], w.members[company.object], isDetached(w.members, company.object));
		if (step === 'unlink') {
			relink(spec, w, null);
			delete w.members[company.object];
		} else if (step === 'byName') byName.push(w);
		else if (step === 'sharedCheck') sharedCheck.push(w);
		else if (step === 'update') renames.push(w);
	}
	if (sharedCheck.length) {
		const primariesOf = await groupLinks(a, spec).primariesOfCompanies([...new Set(sharedCheck.map((w) => w.members[company.object]))]);
		for (const w of sharedCheck) {
			const others = [...(primariesOf.get(w.members[company.object]) ?? [])].filter((id) => id !== w.primaryId);
			if (others.length === 0) renames.push(w);
			else byName.push(w);
		}
	}
	if (renames.length) {
		const results = await a.upsert(company.object, renames.map((w) => ({ ref: w.input.ref, id: w.members[company.object], fields: w.byMember[company.object] })));
		results.forEach((r, i) => {
			if (!r.success) renames[i].error = memberError(r.error, company.object, `${company.object} ${renames[i].members[company.object]}`, renames[i].input.ref);
		});
	}
	if (byName.length) await linkByName(a, spec, byName);
}

/** Each write to the company of its name: an existing one (normalised name, lowest id) or one created per distinct name. */
async function linkByName(a: CrmAdapter, spec: GroupSpec, writes: GroupWrite[]): Promise<void> {
	const company = spec.company!;
	const groups = new Map<string, GroupWrite[]>();
	for (const w of writes) {
		const key = normalizeName(w.byMember[company.object][company.nameField]);
		(groups.get(key) ?? groups.set(key, []).get(key)!).push(w);
	}
	const keys = [...groups.keys()];
	const found = new Map<string, string>();
	const matches = await a.findDuplicates(company.object, keys.map((k) => ({ ref: k, company: String(groups.get(k)![0].byMember[company.object][company.nameField]) })));
	for (const m of matches) {
		const ids = m.matches.filter((x) => x.object === company.object && normalizeName(x.record.fields[company.nameField]) === m.ref).map((x) => x.id);
		ids.sort(compareIds);
		if (ids[0]) found.set(m.ref, ids[0]);
	}
	const toCreate = keys.filter((k) => !found.has(k));
	if (toCreate.length) {
		const results = await a.upsert(company.object, toCreate.map((k) => ({ ref: k, fields: groups.get(k)![0].byMember[company.object] })));
		results.forEach((r, i) => {
			const k = toCreate[i];
			if (r.success && r.id) found.set(k, r.id);
			else for (const w of groups.get(k)!) w.error = memberError(r.error, company.object, `${company.object} "${String(w.byMember[company.object][company.nameField])}"`, w.input.ref);
		});
	}
	for (const [k, ws] of groups) {
		const id = found.get(k);
		if (!id) continue;
		for (const w of ws) {
			if (w.members[company.object] !== id) relink(spec, w, id);
			w.members[company.object] = id;
		}
	}
}

/** Record that the write moves its primary to company `to` (null: none); a reference link is a field of the primary's write. */
function relink(spec: GroupSpec, w: GroupWrite, to: string | null): void {
	w.relink = { from: w.members[spec.company!.object], to };
	if (spec.link === 'reference') w.primary[spec.company!.primaryRef!] = to;
}

/**
 * Associations of existing records moved from one company to another: the new association
 * first, then (when it was made) the old one removed, each in batch calls. A failure fails the
 * group of that record, naming the association.
 */
async function moveAssociations(a: CrmAdapter, from: string, to: string, moves: Array<{ w: GroupWrite; fromId: string; old?: string; next: string | null }>): Promise<void> {
	const pair = (m: (typeof moves)[number], toId: string): AssociationPair => ({ ref: m.w.input.ref, fromId: m.fromId, toId });
	const fail = (m: (typeof moves)[number], r: WriteResult, what: string) => {
		m.w.error = memberError(r.error, to, `${what} ${from} ${m.fromId} and ${to}`, m.w.input.ref);
	};
	const adding = moves.filter((m) => m.next && m.next !== m.old);
	if (adding.length) {
		const results = await a.associate!(from, to, adding.map((m) => pair(m, m.next!)));
		results.forEach((r, i) => {
			if (!r.success) fail(adding[i], r, 'associating');
		});
	}
	const removing = moves.filter((m) => m.old && m.old !== m.next && !m.w.error);
	if (removing.length) {
		const results = await a.dissociate!(from, to, removing.map((m) => pair(m, m.old!)));
		results.forEach((r, i) => {
			if (!r.success) fail(removing[i], r, 'dissociating');
		});
	}
}

async function writePrimaries(a: CrmAdapter, spec: GroupSpec, writes: GroupWrite[]): Promise<void> {
	// A group whose primary has nothing to write (only its deal changed) makes no primary call.
	const todo = writes.filter((w) => !w.error && (!w.primaryId || Object.keys(w.primary).length > 0));
	const association = spec.link === 'association' && spec.company;
	const inputs = todo.map((w): WriteInput => {
		const input: WriteInput = { ref: w.input.ref, id: w.primaryId, fields: w.primary };
		// A new primary is associated with its company in its own create call.
		if (association && !w.primaryId && w.relink?.to) input.associations = [{ object: spec.company!.object, id: w.relink.to }];
		return input;
	});
	if (todo.length) {
		const results = await a.upsert(spec.primary, inputs);
		results.forEach((r, i) => {
			const w = todo[i];
			if (r.success) {
				w.primaryId = r.id ?? w.primaryId;
				w.created = r.created;
			} else w.error = r.error ?? memberError(undefined, spec.primary, spec.primary, w.input.ref);
		});
	}
	if (association) {
		const moves = writes.filter((w) => !w.error && w.input.id && w.relink).map((w) => ({ w, fromId: w.input.id!, old: w.relink!.from, next: w.relink!.to }));
		if (moves.length) await moveAssociations(a, spec.primary, spec.company!.object, moves);
	}
	// A primary not moved (its write or its association failed): the result names the company it
	// is still linked to, so a retry moves it (and is not taken for a rename of the new one).
	for (const w of writes) {
		if (!w.error || !w.relink || !spec.company) continue;
		if (w.relink.from) w.members[spec.company.object] = w.relink.from;
		else delete w.members[spec.company.object];
		w.relink = undefined;
	}
}

async function writeDeals(a: CrmAdapter, spec: GroupSpec, writes: GroupWrite[]): Promise<void> {
	const deal = spec.deal!;
	const association = spec.link === 'association';
	const todo: Array<{ w: GroupWrite; input: WriteInput }> = [];
	const moves: Array<{ w: GroupWrite; fromId: string; old?: string; next: string | null }> = [];
	for (const w of writes) {
		if (w.error || !w.primaryId) continue;
		const fields = { ...(w.byMember[deal.object] ?? {}) };
		const linked = w.members[deal.object];
		const companyId = spec.company ? w.members[spec.company.object] : undefined;
		// The deal follows its primary to another company (or to none).
		if (w.relink && linked) {
			if (association) moves.push({ w, fromId: linked, old: w.relink.from, next: w.relink.to });
			else if (deal.companyRef) fields[deal.companyRef] = companyId ?? null;
		}
		const step = dealStep(fields, linked, isDetached(w.members, deal.object));
		if (step === 'update') todo.push({ w, input: { ref: w.input.ref, id: linked, fields } });
		if (step !== 'create') continue;
		const input: WriteInput = { ref: w.input.ref, fields: { ...(deal.createDefaults?.(new Date()) ?? {}), ...fields } };
		if (association) input.associations = [{ object: spec.primary, id: w.primaryId }, ...(spec.company && companyId ? [{ object: spec.company.object, id: companyId }] : [])];
		else {
			if (deal.primaryRef) input.fields[deal.primaryRef] = w.primaryId;
			if (deal.companyRef && companyId) input.fields[deal.companyRef] = companyId;
		}
		if (input.fields[deal.titleField] === undefined || input.fields[deal.titleField] === null || input.fields[deal.titleField] === '') {
			const companyName = spec.company ? w.byMember[spec.company.object]?.[spec.company.nameField] : undefined;
			const fallback = deal.titleFallback.map((f) => w.primary[f]).filter((v) => v !== undefined && v !== null && v !== '').join(' ');
			input.fields[deal.titleField] = String(companyName || fallback || `${spec.primary} ${w.primaryId}`);
		}
		todo.push({ w, input });
	}
	if (moves.length) await moveAssociations(a, deal.object, spec.company!.object, moves);
	if (!todo.length) return;
	const results = await a.upsert(deal.object, todo.map((t) => t.input));
	const created: Array<{ w: GroupWrite; dealId: string }> = [];
	results.forEach((r, i) => {
		const { w, input } = todo[i];
		if (r.success && r.id) {
			w.members[deal.object] = r.id;
			if (!input.id) created.push({ w, dealId: r.id });
		} else w.error = memberError(r.error, deal.object, input.id ? `${deal.object} ${input.id}` : `the new ${deal.object} record`, w.input.ref);
	});
	if (deal.junction && created.length) await writeJunctions(a, spec, created);
}

/** The junction record of each new deal (Salesforce OpportunityContactRole), in one upsert. */
async function writeJunctions(a: CrmAdapter, spec: GroupSpec, created: Array<{ w: GroupWrite; dealId: string }>): Promise<void> {
	const j = spec.deal!.junction!;
	const results = await a.upsert(j.object, created.map(({ w, dealId }) => ({ ref: w.input.ref, fields: { ...(j.fields ?? {}), [j.dealField]: dealId, [j.primaryField]: w.primaryId } })));
	results.forEach((r, i) => {
		if (!r.success) created[i].w.error = memberError(r.error, j.object, `the ${j.object} of ${spec.deal!.object} ${created[i].dealId}`, created[i].w.input.ref);
	});
}

/**
 * Pure: the calls writeGroups makes for these inputs when none is retried, no company of a new
 * name exists yet (each distinct name is looked up once and created once) and a changed company
 * name renames (the look-up of who shares it included). `forecast` is the CRM's per-object write
 * forecast (CrmAdapter.forecastWrites; association writes as the object `<from>-><to>`). For a Preview.
 */
export function forecastGroupWrites(spec: GroupSpec, inputs: WriteInput[], forecast: (object: string, counts: WriteCounts) => CallForecast): CallForecast {
	// Leads mode: converted prospects are written as their Contact groups, the others as Leads.
	if (spec.convertsTo) return forecastLeadGroupWrites(spec, inputs, forecast);
	const out: CallForecast = {};
	const add = (f: CallForecast) => {
		for (const [k, n] of Object.entries(f)) if (n > 0) out[k] = (out[k] ?? 0) + n;
	};
	const addMoves = (object: string, m: { creates: number; deletes: number }) => {
		if (m.creates || m.deletes) add(forecast(object, m));
	};
	const association = spec.link === 'association';
	const names = new Set<string>();
	let companyUpdates = 0;
	let sharedChecks = 0;
	const primary: WriteCounts = { creates: 0, updates: 0 };
	const deals: WriteCounts = { creates: 0, updates: 0 };
	const moved = { primary: { creates: 0, deletes: 0 }, deal: { creates: 0, deletes: 0 } };
	for (const input of inputs) {
		const { primary: own, byMember } = splitFields(spec, input.fields);
		const linkedCompany = spec.company ? input.members?.[spec.company.object] : undefined;
		const linkedDeal = spec.deal ? input.members?.[spec.deal.object] : undefined;
		// The primary's company link is written when it gets a company or loses one.
		let relinks = false;
		let step: CompanyStep = 'none';
		if (spec.company) {
			const fields = byMember[spec.company.object];
			step = companyStep(spec.company, fields, linkedCompany, isDetached(input.members, spec.company.object));
			if (step === 'byName') names.add(normalizeName(fields![spec.company.nameField]));
			if (step === 'sharedCheck') sharedChecks++;
			if (step === 'sharedCheck' || step === 'update') companyUpdates++;
			relinks = step === 'byName' || step === 'unlink';
		}
		// Associations of an existing record move in batch calls (a new record's go inline).
		const move = (m: { creates: number; deletes: number }) => {
			if (step === 'byName') m.creates++;
			if (step === 'unlink' && linkedCompany) m.deletes++;
		};
		if (!input.id) primary.creates!++;
		else if (Object.keys(own).length || (relinks && !association)) primary.updates!++;
		if (association && input.id && relinks) move(moved.primary);
		if (spec.deal) {
			const fields = { ...(byMember[spec.deal.object] ?? {}) };
			if (relinks && linkedDeal && !association && spec.deal.companyRef) fields[spec.deal.companyRef] = null;
			if (relinks && linkedDeal && association) move(moved.deal);
			const dealStepIs = dealStep(fields, linkedDeal, isDetached(input.members, spec.deal.object));
			if (dealStepIs === 'update') deals.updates!++;
			if (dealStepIs === 'create') deals.creates!++;
		}
	}
	if (spec.company) {
		if (names.size) add({ [spec.company.search.endpoint]: Math.ceil(names.size / spec.company.search.perCall) });
		if (sharedChecks) add({ [spec.primariesLookup.endpoint]: Math.ceil(sharedChecks / spec.primariesLookup.perCall) });
		add(forecast(spec.company.object, { creates: names.size, updates: companyUpdates }));
	}
	add(forecast(spec.primary, primary));
	if (spec.company) addMoves(`${spec.primary}->${spec.company.object}`, moved.primary);
	if (spec.deal) {
		add(forecast(spec.deal.object, deals));
		if (spec.company) addMoves(`${spec.deal.object}->${spec.company.object}`, moved.deal);
		if (spec.deal.junction && deals.creates) add(forecast(spec.deal.junction.object, { creates: deals.creates }));
	}
	return out;
}
