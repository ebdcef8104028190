/**
 * Writing record groups in dependency order: companies (matched by normalised name, each distinct
 * company created once, shared by every prospect of it), then the primaries with their company
 * reference, then the deals with their references to both. Each step is one adapter upsert over
 * the whole batch, so the vendor's batch sizes hold per member object.
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
import type { CallForecast, CrmAdapter, MemberIds, WriteCounts, WriteInput, WriteResult } from '../types';
import { related } from './read';
import { splitFields, type CompanyMember, type GroupSpec } from './spec';

interface GroupWrite {
	input: WriteInput;
	primary: Record<string, unknown>;
	byMember: Record<string, Record<string, unknown>>;
	members: MemberIds;
	primaryId?: string;
	created?: boolean;
	error?: SyncError;
}

export async function writeGroups(a: CrmAdapter, spec: GroupSpec, inputs: WriteInput[]): Promise<WriteResult[]> {
	const writes: GroupWrite[] = inputs.map((input) => {
		const { primary, byMember } = splitFields(spec, input.fields);
		return { input, primary, byMember, members: { ...(input.members ?? {}) }, primaryId: input.id };
	});
	if (spec.company) await writeCompanies(a, spec, writes);
	await writePrimaries(a, spec, writes);
	if (spec.deal) await writeDeals(a, spec, writes);
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

function companyStep(company: CompanyMember, fields: Record<string, unknown> | undefined, linked: string | undefined): CompanyStep {
	if (!fields) return 'none';
	const hasName = company.nameField in fields;
	const name = String(fields[company.nameField] ?? '').trim();
	if (hasName && !name) return 'unlink';
	if (!linked) return name ? 'byName' : 'none';
	return hasName ? 'sharedCheck' : 'update';
}

/** What one write does to its deal: update the linked one (with fields to write), create one (with a value to carry), or nothing. */
function dealStep(fields: Record<string, unknown>, linked: string | undefined): 'update' | 'create' | 'none' {
	if (linked) return Object.keys(fields).length ? 'update' : 'none';
	return Object.values(fields).some((v) => v !== undefined && v !== null && v !== '') ? 'create' : 'none';
}

async function writeCompanies(a: CrmAdapter, spec: GroupSpec, writes: GroupWrite[]): Promise<void> {
	const company = spec.company!;
	const byName: GroupWrite[] = [];
	const renames: GroupWrite[] = [];
	const sharedCheck: GroupWrite[] = [];
	for (const w of writes) {
		const step = companyStep(company, w.byMember[company.object], w.members[company.object]);
		if (step === 'unlink') {
			w.primary[company.primaryRef] = null;
			delete w.members[company.object];
		} else if (step === 'byName') byName.push(w);
		else if (step === 'sharedCheck') sharedCheck.push(w);
		else if (step === 'update') renames.push(w);
	}
	if (sharedCheck.length) {
		const primariesOf = new Map<string, Set<string>>();
		for (const p of await related(a, spec.primary, company.primaryRef, sharedCheck.map((w) => w.members[company.object]))) {
			const c = String(p.fields[company.primaryRef] ?? '');
			(primariesOf.get(c) ?? primariesOf.set(c, new Set()).get(c)!).add(p.id);
		}
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
		ids.sort((x, y) => (x.length - y.length) || (x < y ? -1 : x > y ? 1 : 0));
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
			if (w.members[company.object] !== id) w.primary[company.primaryRef] = id;
			w.members[company.object] = id;
		}
	}
}

async function writePrimaries(a: CrmAdapter, spec: GroupSpec, writes: GroupWrite[]): Promise<void> {
	// A group whose primary has nothing to write (only its deal changed) makes no primary call.
	const todo = writes.filter((w) => !w.error && (!w.primaryId || Object.keys(w.primary).length > 0));
	if (!todo.length) return;
	const results = await a.upsert(spec.primary, todo.map((w) => ({ ref: w.input.ref, id: w.primaryId, fields: w.primary })));
	results.forEach((r, i) => {
		const w = todo[i];
		if (r.success) {
			w.primaryId = r.id ?? w.primaryId;
			w.created = r.created;
		} else w.error = r.error ?? memberError(undefined, spec.primary, spec.primary, w.input.ref);
	});
}

async function writeDeals(a: CrmAdapter, spec: GroupSpec, writes: GroupWrite[]): Promise<void> {
	const deal = spec.deal!;
	const todo: Array<{ w: GroupWrite; input: WriteInput }> = [];
	for (const w of writes) {
		if (w.error || !w.primaryId) continue;
		const fields = { ...(w.byMember[deal.object] ?? {}) };
		const linked = w.members[deal.object];
		const companyId = spec.company ? w.members[spec.company.object] : undefined;
		const companyMoved = spec.company && deal.companyRef && companyChanged(w, spec);
		if (companyMoved) fields[deal.companyRef!] = companyId ?? null;
		const step = dealStep(fields, linked);
		if (step === 'update') todo.push({ w, input: { ref: w.input.ref, id: linked, fields } });
		if (step !== 'create') continue;
		fields[deal.primaryRef] = w.primaryId;
		if (deal.companyRef && companyId) fields[deal.companyRef] = companyId;
		if (fields[deal.titleField] === undefined || fields[deal.titleField] === null || fields[deal.titleField] === '') {
			const companyName = spec.company ? w.byMember[spec.company.object]?.[spec.company.nameField] : undefined;
			const fallback = w.primary[deal.titleFallback];
			fields[deal.titleField] = String(companyName || fallback || `${spec.primary} ${w.primaryId}`);
		}
		todo.push({ w, input: { ref: w.input.ref, fields } });
	}
	if (!todo.length) return;
	const results = await a.upsert(deal.object, todo.map((t) => t.input));
	results.forEach((r, i) => {
		const { w, input } = todo[i];
		if (r.success && r.id) w.members[deal.object] = r.id;
		else w.error = memberError(r.error, deal.object, input.id ? `${deal.object} ${input.id}` : `the new ${deal.object} record`, w.input.ref);
	});
}

/** Did this write change the primary's company (relinked or unlinked)? */
function companyChanged(w: GroupWrite, spec: GroupSpec): boolean {
	return spec.company!.primaryRef in w.primary;
}

/**
 * Pure: the calls writeGroups makes for these inputs when none is retried, no company of a new
 * name exists yet (each distinct name is looked up once and created once) and a changed company
 * name renames (the look-up of who shares it included). `forecast` is the CRM's per-object write
 * forecast (CrmAdapter.forecastWrites). For a Preview.
 */
export function forecastGroupWrites(spec: GroupSpec, inputs: WriteInput[], forecast: (object: string, counts: WriteCounts) => CallForecast): CallForecast {
	const out: CallForecast = {};
	const add = (f: CallForecast) => {
		for (const [k, n] of Object.entries(f)) if (n > 0) out[k] = (out[k] ?? 0) + n;
	};
	const names = new Set<string>();
	let companyUpdates = 0;
	let sharedChecks = 0;
	const primary: WriteCounts = { creates: 0, updates: 0 };
	const deals: WriteCounts = { creates: 0, updates: 0 };
	for (const input of inputs) {
		const { primary: own, byMember } = splitFields(spec, input.fields);
		// The person's company reference is written when it gets a company or loses one.
		let relinks = false;
		if (spec.company) {
			const fields = byMember[spec.company.object];
			const step = companyStep(spec.company, fields, input.members?.[spec.company.object]);
			if (step === 'byName') names.add(normalizeName(fields![spec.company.nameField]));
			if (step === 'sharedCheck') sharedChecks++;
			if (step === 'sharedCheck' || step === 'update') companyUpdates++;
			relinks = step === 'byName' || step === 'unlink';
		}
		if (!input.id) primary.creates!++;
		else if (Object.keys(own).length || relinks) primary.updates!++;
		if (spec.deal) {
			const step = dealStep(byMember[spec.deal.object] ?? {}, input.members?.[spec.deal.object]);
			if (step === 'update') deals.updates!++;
			if (step === 'create') deals.creates!++;
		}
	}
	if (spec.company) {
		if (names.size) add({ [spec.company.searchEndpoint]: names.size });
		if (sharedChecks) add({ [`${spec.primary}.list`]: sharedChecks });
		add(forecast(spec.company.object, { creates: names.size, updates: companyUpdates }));
	}
	add(forecast(spec.primary, primary));
	if (spec.deal) add(forecast(spec.deal.object, deals));
	return out;
}
