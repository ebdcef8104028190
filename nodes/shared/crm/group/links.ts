/**
 * How a group's members are found from its primaries and back, whatever links them (see LinkKind
 * in spec.ts): the reads and the company-change rule ask these four questions, each answered per
 * page of records (one look-up per 1,000 ids for associations, per reference list call otherwise).
 */
import { SyncError } from '../../errors';
import type { CrmAdapter, CrmRecord, MemberIds } from '../types';
import { compareIds, idOf, type GroupSpec } from './spec';

export interface GroupLinks {
	/** Primary id → its company id (the one the hint names while it is still linked, else the primary company, else the oldest). */
	companiesOf(primaries: CrmRecord[], hints?: ReadonlyMap<string, MemberIds>): Promise<Map<string, string>>;
	/** Company id → the ids of the primaries linked to it. */
	primariesOfCompanies(companyIds: string[]): Promise<Map<string, string[]>>;
	/** Primary id → its deals, oldest (lowest id) first (through a junction: the primary's own role first). */
	dealsOfPrimaries(primaryIds: string[]): Promise<Map<string, CrmRecord[]>>;
	/** Deal id → the ids of the primaries it is linked to (a deleted deal: where the CRM still names them). */
	primariesOfDeals(deals: CrmRecord[]): Promise<Map<string, string[]>>;
}

export function groupLinks(a: CrmAdapter, spec: GroupSpec): GroupLinks {
	return spec.link === 'association' ? associationLinks(a, spec) : referenceLinks(a, spec);
}

export function related(a: CrmAdapter, object: string, field: string, ids: string[], includeDeleted = false): Promise<CrmRecord[]> {
	if (!a.listRelated) throw new SyncError({ kind: 'validation', message: `${a.crm} has no reference look-up for ${object}.${field}: record groups of this CRM are read through associations.` });
	return a.listRelated({ object, field, ids, ...(includeDeleted ? { includeDeleted } : {}) });
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
	const list = m.get(k);
	if (list) list.push(v);
	else m.set(k, [v]);
}

function byOldest(m: Map<string, CrmRecord[]>): Map<string, CrmRecord[]> {
	for (const list of m.values()) list.sort((x, y) => compareIds(x.id, y.id));
	return m;
}

function referenceLinks(a: CrmAdapter, spec: GroupSpec): GroupLinks {
	const company = spec.company;
	const deal = spec.deal;
	return {
		async companiesOf(primaries) {
			const out = new Map<string, string>();
			for (const p of primaries) {
				const id = company?.primaryRef ? idOf(p.fields[company.primaryRef]) : undefined;
				if (id) out.set(p.id, id);
			}
			return out;
		},
		async primariesOfCompanies(companyIds) {
			const out = new Map<string, string[]>();
			if (!company?.primaryRef || !companyIds.length) return out;
			for (const p of await related(a, spec.primary, company.primaryRef, companyIds)) {
				const c = idOf(p.fields[company.primaryRef]);
				if (c) push(out, c, p.id);
			}
			return out;
		},
		async dealsOfPrimaries(primaryIds) {
			const out = new Map<string, CrmRecord[]>();
			if (!deal || !primaryIds.length) return out;
			if (deal.junction) {
				const j = deal.junction;
				// A contact's own deals (its junction as the group writes it: the primary contact role)
				// come before deals it only has another role on; oldest first within each.
				const ours = (r: CrmRecord) => Object.entries(j.fields ?? {}).every(([k, v]) => r.fields[k] === v);
				const dealsOf = new Map<string, Array<{ id: string; ours: boolean }>>();
				for (const r of await related(a, j.object, j.primaryField, primaryIds)) {
					const owner = idOf(r.fields[j.primaryField]);
					const d = idOf(r.fields[j.dealField]);
					if (owner && d && !r.deleted) push(dealsOf, owner, { id: d, ours: ours(r) });
				}
				const ids = [...new Set([...dealsOf.values()].flat().map((d) => d.id))];
				const records = new Map((ids.length ? await a.getByIds(deal.object, ids) : []).map((r) => [r.id, r]));
				for (const [owner, ds] of dealsOf) {
					ds.sort((x, y) => Number(y.ours) - Number(x.ours) || compareIds(x.id, y.id));
					for (const d of ds) if (records.has(d.id) && !out.get(owner)?.some((r) => r.id === d.id)) push(out, owner, records.get(d.id)!);
				}
				return out;
			}
			for (const r of await related(a, deal.object, deal.primaryRef!, primaryIds)) {
				const owner = idOf(r.fields[deal.primaryRef!]);
				if (owner) push(out, owner, r);
			}
			return byOldest(out);
		},
		async primariesOfDeals(deals) {
			const out = new Map<string, string[]>();
			if (!deal || !deals.length) return out;
			if (deal.junction) {
				const j = deal.junction;
				// A deleted deal's junction rows were deleted with it (Salesforce: an Opportunity takes
				// its contact roles to the Recycle Bin): they are read with the deleted rows (queryAll)
				// and still name the primary; a live deal's deleted rows are no link.
				const gone = new Set(deals.filter((d) => d.deleted).map((d) => d.id));
				const live = deals.filter((d) => !gone.has(d.id)).map((d) => d.id);
				const rows = [...(live.length ? await related(a, j.object, j.dealField, live) : []), ...(gone.size ? await related(a, j.object, j.dealField, [...gone], true) : [])];
				for (const r of rows) {
					const d = idOf(r.fields[j.dealField]);
					const owner = idOf(r.fields[j.primaryField]);
					if (d && owner && (!r.deleted || gone.has(d))) push(out, d, owner);
				}
				return out;
			}
			for (const d of deals) {
				const owner = idOf(d.fields[deal.primaryRef!]);
				if (owner) out.set(d.id, [owner]);
			}
			return out;
		},
	};
}

function associationLinks(a: CrmAdapter, spec: GroupSpec): GroupLinks {
	const list = a.listAssociations;
	if (!list) throw new SyncError({ kind: 'validation', message: `${a.crm} has no association look-up: record groups of this CRM are read through reference fields.` });
	const ids = async (from: string, to: string, of: string[]) => {
		const out = new Map<string, string[]>();
		if (!of.length) return out;
		for (const [id, targets] of await list(from, to, of)) out.set(id, targets.map((t) => t.id).sort(compareIds));
		return out;
	};
	return {
		async companiesOf(primaries, hints) {
			const out = new Map<string, string>();
			if (!spec.company || !primaries.length) return out;
			const found = await list(spec.primary, spec.company.object, primaries.map((p) => p.id));
			for (const [id, targets] of found) {
				const hinted = hints?.get(id)?.[spec.company.object];
				const pick = targets.find((t) => t.id === hinted) ?? targets.find((t) => t.primary) ?? [...targets].sort((x, y) => compareIds(x.id, y.id))[0];
				if (pick) out.set(id, pick.id);
			}
			return out;
		},
		primariesOfCompanies: (companyIds) => ids(spec.company!.object, spec.primary, companyIds),
		async dealsOfPrimaries(primaryIds) {
			const out = new Map<string, CrmRecord[]>();
			if (!spec.deal) return out;
			const dealIds = await ids(spec.primary, spec.deal.object, primaryIds);
			const all = [...new Set([...dealIds.values()].flat())];
			const records = new Map((all.length ? await a.getByIds(spec.deal.object, all) : []).map((r) => [r.id, r]));
			for (const [owner, ds] of dealIds) for (const d of ds) if (records.has(d)) push(out, owner, records.get(d)!);
			return out;
		},
		// An archived record has no associations (HubSpot unassociates a deleted record): none to ask.
		primariesOfDeals: (deals) => ids(spec.deal!.object, spec.primary, deals.filter((d) => !d.deleted).map((d) => d.id)),
	};
}
