/**
 * What the editor shows when records fail: n8n execution hints (NodeExecutionHint, the notice
 * above a node's output after a run) and the record names they list, worded for the ops user who
 * opens the node: how many records, which ones, what to do. The one place for that wording: the
 * write nodes (FieldFlow CRM and FieldFlow Prospect writes), Record Results and Finish Run use it.
 */
import type { IExecuteFunctions, NodeExecutionHint } from 'n8n-workflow';
import { readOutcome, readSync, withoutSync } from '../shared/sync/protocol';
import { userErrorMessage } from '../shared/errors';

/** Vendor and FieldFlow fields that name a record, in the order they are tried (people, companies, deals, activities). */
const NAME_FIELDS = [['FirstName', 'LastName'], ['firstname', 'lastname'], ['contact_name'], ['Name'], ['name'], ['dealname'], ['Subject'], ['subject'], ['hs_meeting_title'], ['title']];
const COMPANY_FIELDS = ['Company', 'company', 'company_name', 'org_name'];
const EMAIL_FIELDS = ['Email', 'email', 'emails'];

/** How many failed records a hint or error message names (the rest are counted). */
export const NAMED_RECORDS = 3;

function text(value: unknown): string {
	if (Array.isArray(value)) return text(value.find((v) => (v as { primary?: boolean })?.primary) ?? value[0]);
	if (value && typeof value === 'object') return text((value as { value?: unknown; name?: unknown }).value ?? (value as { name?: unknown }).name);
	return value === null || value === undefined ? '' : String(value).trim();
}

/** "Ada Lovelace · Analytical Engines (ada@example.com)" from a record's fields (CRM or FieldFlow names); '' when nothing names it. */
export function recordLabel(fields: Record<string, unknown>): string {
	const name = NAME_FIELDS.map((keys) => keys.map((k) => text(fields[k])).filter(Boolean).join(' ')).find(Boolean) ?? '';
	const company = COMPANY_FIELDS.map((k) => text(fields[k])).find(Boolean) ?? '';
	const email = EMAIL_FIELDS.map((k) => text(fields[k])).find(Boolean) ?? '';
	const main = [name, company && company !== name ? company : ''].filter(Boolean).join(' · ');
	if (main && email) return `${main} (${email})`;
	return main || email;
}

/** A record that failed, as a hint or error message names it. */
export interface FailedRecord {
	/** recordLabel of its fields ('' when nothing names it). */
	name: string;
	/** Its FieldFlow and CRM ids, when known. */
	ids: Array<string | null | undefined>;
	error: string;
	/** What to do about it. */
	hint?: string;
}

/**
 * A failed item as a hint names it: a write node's output item (the input plus its write outcome,
 * with `_sync`), or an item reaching Record Results; `known` overrides what the item says (Record
 * Results knows the message of records that were never written).
 */
export function failedRecord(json: Record<string, unknown>, known: Partial<FailedRecord> = {}): FailedRecord {
	const meta = readSync(json);
	const outcome = readOutcome(json);
	const synced = meta && meta.kind !== 'record' && meta.kind !== 'preview' ? meta : undefined;
	const canonical = meta?.kind === 'write' ? meta.fields : meta?.kind === 'record' ? meta.record.fields : undefined;
	const fields = outcome?.errorFields?.length ? ` (field ${outcome.errorFields.join(', ')})` : '';
	return {
		name: recordLabel(withoutSync(json)) || recordLabel(canonical ?? {}),
		ids: meta?.kind === 'record' ? [meta.record.id] : [synced?.fieldflowId, synced?.crmId, outcome?.id],
		// Without the batch position ("Salesforce Lead 0: ") and the vendor code: the record is named.
		error: outcome?.error ? `${userErrorMessage(outcome.error)}${fields}` : 'Failed',
		hint: outcome?.hint,
		...known,
	};
}

/** Hints are shown as HTML by the editor: record data stays text. */
function esc(s: string): string {
	return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function short(s: string, max: number): string {
	return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** `"Pat Quinn · Orchard Tools" (pr_000012): Required fields are missing: [Company]` */
export function describeFailed(r: FailedRecord): string {
	const ids = [...new Set(r.ids.filter((x): x is string => !!x))].join(' / ');
	const who = r.name ? `"${short(r.name, 80)}"${ids ? ` (${ids})` : ''}` : ids || 'a new record';
	return `${who}: ${short(r.error, 200)}`;
}

/** The first few failed records, "; and N more" for the rest. */
export function failedList(failed: FailedRecord[], max = NAMED_RECORDS): string {
	const named = failed.slice(0, max).map(describeFailed).join('; ');
	return failed.length > max ? `${named}; and ${failed.length - max} more` : named;
}

/** The distinct things to do, most common first (at most two). */
export function whatToDo(failed: FailedRecord[]): string {
	const counts = new Map<string, number>();
	for (const r of failed) if (r.hint) counts.set(r.hint, (counts.get(r.hint) ?? 0) + 1);
	return [...counts.entries()]
		.sort((a, b) => b[1] - a[1])
		.slice(0, 2)
		.map(([h]) => h)
		.join(' ');
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Where a user finds and retries the failed records after the run. */
export const RETRY_PLACES = 'the sync dashboard, Sync Status → Get Errors / Retry Errors, or the Error retry template';

/**
 * A write node's hint: "3 of 40 records were rejected by Salesforce: … What to do: … ". The failed
 * items stay in the output (On Error → Continue); `sync`: they are sync items (with `_sync`), which
 * Record Results puts in the error queue.
 */
export function writeFailuresHint(o: { system: string; total: number; failed: FailedRecord[]; sync: boolean }): NodeExecutionHint {
	const n = o.failed.length;
	const todo = whatToDo(o.failed);
	return {
		type: 'warning',
		location: 'outputPane',
		message: esc(
			`${n} of ${plural(o.total, 'record')} ${n === 1 ? 'was' : 'were'} rejected by ${o.system}: ${failedList(o.failed)}.` +
				`${todo ? ` What to do: ${todo}` : ''}` +
				` Each failed item is in the output with success false, its error and hint` +
				(o.sync ? `; Record Results puts them in the error queue, to retry from ${RETRY_PLACES}.` : '.'),
		),
	};
}

/** Record Results' hint: the run's failed records, now in the error queue. */
export function recordedFailuresHint(o: { total: number; failed: FailedRecord[] }): NodeExecutionHint {
	const n = o.failed.length;
	const todo = whatToDo(o.failed);
	return {
		type: 'warning',
		location: 'outputPane',
		message: esc(
			`${n} of ${plural(o.total, 'record')} failed in this run and ${n === 1 ? 'is' : 'are'} in the error queue: ${failedList(o.failed)}.` +
				`${todo ? ` What to do: ${todo}` : ''} Then retry them from ${RETRY_PLACES}.`,
		),
	};
}

/**
 * Finish Run's message and description when `errors` records failed in the run (`named`: the first
 * few of them): its hint, or the error that fails the execution.
 */
export function runFailuresText(o: { errors: number; run: string; named: FailedRecord[] }): { message: string; description: string } {
	const todo = whatToDo(o.named);
	const shown = o.named.slice(0, NAMED_RECORDS);
	const more = o.errors - shown.length;
	const list = shown.length ? ` ${shown.map(describeFailed).join('; ')}${more > 0 ? `; and ${more} more` : ''}.` : '';
	return {
		message: `${plural(o.errors, 'record')} failed in this ${o.run} sync run`,
		description:
			`The run is recorded and its cursors moved on; the failed records wait in the error queue.${list}` +
			`${todo ? ` What to do: ${todo}` : ''} Then retry them from ${RETRY_PLACES}.`,
	};
}

/** Finish Run's hint (Fail Execution When Records Fail off): the same text, and how to make such runs fail. */
export function runFailuresHint(text: { message: string; description: string }): NodeExecutionHint {
	return {
		type: 'warning',
		location: 'outputPane',
		message: esc(`${text.message}. ${text.description} Turn on Fail Execution When Records Fail to end such runs in error, so n8n's Executions list and the workflow's error workflow catch them.`),
	};
}

/**
 * Adds execution hints when the host has them (n8n's IExecuteFunctions.addExecutionHints: n8n 1.x
 * and 2.x); a host without it shows none, and the output items still carry every error.
 */
export function addHints(this: IExecuteFunctions, ...hints: NodeExecutionHint[]): void {
	const add = (this as Partial<Pick<IExecuteFunctions, 'addExecutionHints'>>).addExecutionHints;
	if (hints.length && typeof add === 'function') add.call(this, ...hints);
}
