/**
 * The bench's call accounting, from the sandboxes' own call log (every HTTP request that reached
 * them): reads vs writes, and which CRM object each call was for.
 *
 * Read or write is decided by the request: GET is a read; so are the POSTs that only read (HubSpot
 * search and batch read, v4 association batch read; Salesforce SOQL and sObject Collections
 * retrieve; OAuth token requests); every other POST / PATCH / PUT / DELETE is a write.
 *
 * The object of a call comes from the request as the sandbox received it: the URL path where the
 * API names it (HubSpot `/crm/v3/objects/<type>/…`, Pipedrive `/api/v2/<entity>…`, Salesforce
 * `/sobjects/<type>…`), the SOQL `FROM` of a Salesforce query, and the `attributes.type` of the
 * records in a Salesforce sObject Collections body (one call may carry several types: they are
 * joined with `+`). HubSpot v4 association calls are `associations`.
 */
import type { Request } from 'express';
import type { Sandbox } from '../sandboxes/common';

export interface CallEntry {
	endpoint: string;
	method: string;
	path: string;
	status?: number;
	/** The CRM object the call was for (see `instrument`), when the request names one. */
	object?: string;
}

export interface Counts {
	reads: number;
	writes: number;
}

const READ_POST = /search|batch\.read$|retrieve|^query|^oauth\.token$/;

export function isWrite(c: Pick<CallEntry, 'endpoint' | 'method'>): boolean {
	if (c.method === 'GET' || c.method === 'HEAD') return false;
	return !READ_POST.test(c.endpoint);
}

export function countOf(s: Sandbox): Counts {
	let reads = 0;
	let writes = 0;
	for (const c of s.callLog) {
		if (isWrite(c)) writes++;
		else reads++;
	}
	return { reads, writes };
}

/** Reads and writes per CRM object (calls without a named object under their endpoint name). */
export function byObject(s: Sandbox): Record<string, Counts> {
	const out: Record<string, Counts> = {};
	for (const c of s.callLog as CallEntry[]) {
		const key = c.object ?? `(${c.endpoint})`;
		const o = (out[key] ??= { reads: 0, writes: 0 });
		if (isWrite(c)) o.writes++;
		else o.reads++;
	}
	return out;
}

function objectOf(sandbox: string, req: Request): string | undefined {
	const p = req.path;
	if (sandbox === 'hubspot') {
		if (/\/associations(\/|$)/.test(p)) return 'associations';
		return /^\/crm\/v3\/(?:objects|properties|pipelines)\/([^/]+)/.exec(p)?.[1];
	}
	if (sandbox === 'pipedrive') return /^\/api\/v[12]\/([a-zA-Z]+)/.exec(p)?.[1];
	if (sandbox === 'salesforce') {
		const q = typeof req.query?.q === 'string' ? req.query.q : undefined;
		if (q) return /\bFROM\s+(\w+)/i.exec(q)?.[1];
		const typed = /\/(?:sobjects|composite\/sobjects)\/([A-Za-z_]+)/.exec(p)?.[1];
		if (typed) return typed;
		if (/\/composite\/sobjects$/.test(p)) {
			const records = (req.body as { records?: Array<{ attributes?: { type?: string } }> } | undefined)?.records ?? [];
			const types = [...new Set(records.map((r) => r.attributes?.type).filter((t): t is string => !!t))];
			return types.length ? types.join('+') : undefined;
		}
	}
	return undefined;
}

/**
 * Names the object of every call a CRM sandbox logs from now on (`CallEntry.object`). It wraps the
 * sandbox's own call counter (`Sandbox.count`, called with the parsed request before the handler
 * runs); nothing the sandbox answers changes.
 */
export function instrument(s: Sandbox): void {
	const target = s as unknown as { count: (endpoint: string, req: Request) => CallEntry; __benchInstrumented?: boolean };
	if (target.__benchInstrumented) return;
	const count = target.count.bind(s);
	target.count = (endpoint, req) => {
		const entry = count(endpoint, req);
		const object = objectOf(s.name, req);
		if (object) entry.object = object;
		return entry;
	};
	target.__benchInstrumented = true;
}
