/**
 * The fault-injection suite's fixture: the four sandboxes, one real n8n with the generated
 * bidirectional templates, and the one check every case ends with — the EXACT final state of both
 * systems and the store:
 *
 *  - every live FieldFlow prospect has exactly one CRM record with its mapped values (email,
 *    contact name, phone, company where the CRM has it), linked to it in the store — or it is in
 *    the error queue with the expected kind;
 *  - no CRM record without a FieldFlow prospect;
 *  - no duplicate emails on either side;
 *  - no pending reservation left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { N8n, freePort, type RunResult } from '../harness';
import { clearSqliteStore } from '../../support/store';
import { startSandboxes, sandboxCredentials, HUBSPOT_SANDBOX_TOKEN, PIPEDRIVE_SANDBOX_TOKEN, type Sandboxes } from '../../sandboxes';
import { FIELDFLOW_SANDBOX_KEY } from '../../sandboxes/fieldflow';
import { createAdapter, type CrmAdapter } from '../../../nodes/shared/crm';
import { groupSpec, listGroupChanges } from '../../../nodes/shared/crm/group';
import { defaultMappings, DEFAULT_VALUE_MAPS } from '../../../nodes/shared/mapping/defaults';
import { mapToFieldflow } from '../../../nodes/shared/mapping/engine';
import { openStore, defaultSqlitePath, type StoreConfig, type SyncStore } from '../../../nodes/shared/store';
import { CRMS, CRM_INFO, type Crm } from '../../../scripts/templates/lib';
import { buildSyncTemplate, SYNC_TEMPLATES } from '../../../scripts/templates/sync';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runtimeDir, nodeBinDir } = require('../../../scripts/ensure-n8n.js') as {
	runtimeDir: (line: string) => string;
	nodeBinDir: (line: string) => string;
};

export { CRMS, CRM_INFO, type Crm };

export interface Person {
	id: string;
	fields: Record<string, unknown>;
	/** A record group's member ids (object → id), when the templates sync groups. */
	members?: Record<string, string>;
}

const WORKFLOWS = path.join(__dirname, '..', '..', '..', 'workflows');

/**
 * How a template run ended: the templates' Finish Run has Fail Execution When Records Fail on, so a
 * run that queued failed records ends in error — after recording everything (Finish Run is the
 * last node, its message counts the records) — and a run without failed records ends in success.
 * `failed`: how many records the run failed, or 'some' when the case does not pin the number.
 */
export function expectRunOutcome(r: RunResult, failed: number | 'some'): void {
	if (failed === 0) {
		expect(r.error).toBeUndefined();
		return;
	}
	expect(r.lastNodeExecuted).toBe('Finish Run');
	expect(r.error).toMatch(failed === 'some' ? /^\d+ records? failed in this \w+ \w+ sync run$/ : new RegExp(`^${failed} records? failed in this \\w+ \\w+ sync run$`));
}

export class FaultEnv {
	sb!: Sandboxes;
	n8n!: N8n;
	/** Workflow ids by `<template>.<crm>`. */
	readonly ids: Record<string, string> = {};
	/** Every run's raw run data, for the secrets grep. */
	readonly runData: string[] = [];
	/** Every Salesforce access token the sandbox issued. */
	readonly sfTokens = new Set<string>();
	/** The store the workflows use when it is not the default SQLite file (queue mode: PostgreSQL). */
	storeConfig?: StoreConfig;

	/**
	 * Sandboxes, an n8n user folder with the sandbox credentials and the bidirectional templates.
	 * `server`: also start one n8n server for the file, so runs are manual runs over REST (no n8n
	 * boot per run); the kill and concurrency cases still spawn `n8n execute` children beside it.
	 * `oauth`: the sandboxes' authorization servers too (`sb.oauth`).
	 */
	async start(env: Record<string, string> = {}, options: { server?: boolean; oauth?: boolean } = {}): Promise<this> {
		delete process.env.HTTP_PROXY;
		delete process.env.HTTPS_PROXY;
		this.sb = await startSandboxes({ oauth: options.oauth });
		const sf = this.sb.salesforce;
		this.sfTokens.add(sf.accessToken);
		const issue = sf.issueAccessToken.bind(sf);
		sf.issueAccessToken = () => {
			const t = issue();
			this.sfTokens.add(t);
			return t;
		};
		// n8n rotates its log file at 16 MB by default; the harness reads run data from the log, and a
		// 2,000-record run prints more than that.
		this.n8n = await new N8n({ env: { N8N_LOG_FILE_SIZE_MAX: '2048', ...env } }).prepare();
		await this.n8n.importCredentials(sandboxCredentials(this.sb));
		const dir = fs.mkdtempSync(path.join(this.n8n.userFolder, 'wf-'));
		for (const crm of CRMS) {
			const wf = JSON.parse(fs.readFileSync(path.join(WORKFLOWS, `bidirectional-sync.${crm}.json`), 'utf8'));
			this.add(dir, `bidirectional-sync.${crm}`, `fbidir${crm.slice(0, 2)}`, wf);
		}
		await this.n8n.cli(['import:workflow', '--separate', `--input=${dir}`]);
		fs.rmSync(dir, { recursive: true, force: true });
		if (options.server) {
			await this.n8n.start();
			await this.n8n.setupOwner();
		}
		return this;
	}

	private add(dir: string, key: string, id: string, wf: Record<string, unknown>): void {
		this.ids[key] = id;
		fs.writeFileSync(path.join(dir, `${id}.json`), JSON.stringify({ ...wf, id, active: false }));
	}

	/** Import more workflows (objects) under keys. */
	async importWorkflows(list: Array<{ key: string; id: string; workflow: Record<string, unknown> }>): Promise<void> {
		const dir = fs.mkdtempSync(path.join(this.n8n.userFolder, 'wf-'));
		for (const w of list) this.add(dir, w.key, w.id, w.workflow);
		await this.n8n.cli(['import:workflow', '--separate', `--input=${dir}`]);
		fs.rmSync(dir, { recursive: true, force: true });
	}

	/** A variant of the bidirectional template (e.g. another strategy). */
	static variant(crm: Crm, patch: Partial<(typeof SYNC_TEMPLATES)[number]> = {}): Record<string, unknown> {
		return buildSyncTemplate({ ...SYNC_TEMPLATES[0], ...patch }, crm) as unknown as Record<string, unknown>;
	}

	async stop(): Promise<void> {
		await this.n8n?.stop();
		await this.sb?.stop();
	}

	storePath(): string {
		return defaultSqlitePath({ N8N_USER_FOLDER: this.n8n.userFolder });
	}

	async withStore<T>(fn: (s: SyncStore) => Promise<T>): Promise<T> {
		const s = await openStore(this.storeConfig ?? { kind: 'sqlite', path: this.storePath() });
		try {
			return await fn(s);
		} finally {
			await s.close();
		}
	}

	/** Fresh sandboxes and an empty store; `keepStore`: the store keeps what earlier tests synced (other CRMs' links, logs). */
	resetAll(o: { keepStore?: boolean } = {}): void {
		for (const s of [this.sb.fieldflow, this.sb.salesforce, this.sb.hubspot, this.sb.pipedrive]) s.reset();
		this.sb.hubspot.setValidTokens([HUBSPOT_SANDBOX_TOKEN]);
		// Emptied in place: a running n8n server holds the store open (one per process).
		if (!o.keepStore) clearSqliteStore(this.storePath());
	}

	/** Run the bidirectional template (or another key): a manual run on the server when it runs, else `n8n execute`; never throws on a failed run. */
	async run(crm: Crm, key = 'bidirectional-sync'): Promise<RunResult> {
		const r = await this.n8n.execute(this.ids[`${key}.${crm}`]);
		this.runData.push(JSON.stringify(r.raw));
		return r;
	}

	/** `n8n execute` as a child process the test controls (to kill it). */
	spawnRun(crm: Crm, brokerPort: number, key = 'bidirectional-sync'): ChildProcess {
		const node = path.join(nodeBinDir(this.n8n.line), 'node');
		const bin = path.join(runtimeDir(this.n8n.line), 'node_modules', 'n8n', 'bin', 'n8n');
		// Each n8n process needs its own task-broker port (two at once would collide on the instance's).
		const child = spawn(node, [bin, 'execute', `--id=${this.ids[`${key}.${crm}`]}`, '--rawOutput'], {
			env: { ...this.n8n.env(), N8N_LOG_LEVEL: 'info', N8N_RUNNERS_BROKER_PORT: String(brokerPort) },
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let out = '';
		child.stdout!.on('data', (b: Buffer) => (out = (out + b.toString()).slice(-4_000_000)));
		child.stderr!.on('data', (b: Buffer) => (out = (out + b.toString()).slice(-4_000_000)));
		child.once('exit', () => this.runData.push(out));
		return child;
	}

	/** Run in a child process with its own broker port; resolves with the exit code. */
	async runChild(crm: Crm): Promise<number | null> {
		const child = this.spawnRun(crm, await freePort());
		return new Promise((r) => child.once('exit', (code) => r(code)));
	}

	adapter(crm: Crm): CrmAdapter {
		const cred = sandboxCredentials(this.sb).find((c) => c.type === CRM_INFO[crm].credentialType)!;
		const data = { ...cred.data };
		if (crm === 'salesforce') data.accessToken = this.sb.salesforce.accessToken;
		return createAdapter(crm, data, { [crm]: { ratePerSecond: 10_000 } });
	}

	/**
	 * Live CRM records of the template's object, in FieldFlow's field names. Where the templates sync
	 * a record group (CRM_INFO.linked), each person is read with its members (company, deal), as the
	 * template reads it, so Company Name, Status and Estimated Value come from the members; `members`
	 * says which members exist.
	 */
	async crmPeople(crm: Crm): Promise<Person[]> {
		const { object, linked } = CRM_INFO[crm];
		const spec = groupSpec(crm, object, linked);
		const adapter = this.adapter(crm);
		const out: Person[] = [];
		for await (const page of spec ? listGroupChanges(adapter, spec, undefined) : adapter.listChangedSince(object, undefined)) {
			for (const r of page.records) {
				if (r.deleted) continue;
				out.push({ id: r.id, fields: mapToFieldflow(r.fields, defaultMappings(crm, object, linked), DEFAULT_VALUE_MAPS).fields, ...(spec ? { members: r.members ?? {} } : {}) });
			}
		}
		return out;
	}

	prospects(): Person[] {
		return this.sb.fieldflow.prospects.live().map((r) => ({ id: r.id, fields: r.data }));
	}

	/** Seed n prospects with unique emails `<tag>-<i>@<crm>.example`. */
	seedProspects(crm: Crm, n: number, tag: string, extra: (i: number) => Record<string, unknown> = () => ({})): void {
		const prospects = Array.from({ length: n }, (_, i) => ({
			company_name: `${tag} Co ${i}`,
			contact_name: `Pat ${tag}${i} Lee`,
			email: `${tag}-${i}@${crm}.example`,
			phone: `+1 555 ${String(1000 + (i % 9000)).padStart(4, '0')}`,
			status: 'new',
			...extra(i),
		}));
		this.sb.fieldflow.seed({ prospects });
	}

	/**
	 * The exact final state. `errors`: FieldFlow ids expected in the error queue with their kind
	 * (no CRM record for them); everything else must be synced. Returns the numbers for the report.
	 */
	async expectFinalState(crm: Crm, o: { errors?: Record<string, string>; partial?: Record<string, string>; values?: boolean } = {}): Promise<{ prospects: number; crmRecords: number; links: number; errors: number }> {
		const object = CRM_INFO[crm].object;
		const expectedErrors = o.errors ?? {};
		const ff = this.prospects();
		const people = await this.crmPeople(crm);
		const { links, errors } = await this.withStore(async (s) => ({ links: await s.getLinks(crm, object), errors: await s.listErrors({ crm }) }));
		const problems: string[] = [];
		const email = (v: unknown) => String(v ?? '').trim().toLowerCase();
		// No duplicate emails on either side.
		const dupes = (list: Person[], side: string) => {
			const seen = new Map<string, number>();
			for (const p of list) if (email(p.fields.email)) seen.set(email(p.fields.email), (seen.get(email(p.fields.email)) ?? 0) + 1);
			for (const [e, n] of seen) if (n > 1) problems.push(`${side}: ${n} records with email ${e}`);
		};
		dupes(ff, 'FieldFlow');
		dupes(people, crm);
		const crmByEmail = new Map(people.map((p) => [email(p.fields.email), p]));
		const linkByFf = new Map(links.map((l) => [l.fieldflowId, l]));
		const openErrorsByFf = new Map<string, string[]>();
		for (const e of errors) if (e.fieldflowId) openErrorsByFf.set(e.fieldflowId, [...(openErrorsByFf.get(e.fieldflowId) ?? []), e.kind]);
		const ffEmails = new Set(ff.map((p) => email(p.fields.email)));
		for (const p of ff) {
			const c = crmByEmail.get(email(p.fields.email));
			const want = expectedErrors[p.id];
			if (want) {
				if (c) problems.push(`${p.id} (${email(p.fields.email)}) expected in the error queue (${want}) but has CRM record ${c.id}`);
				if (!(openErrorsByFf.get(p.id) ?? []).includes(want)) problems.push(`${p.id}: expected an open ${want} error, found [${openErrorsByFf.get(p.id) ?? []}]`);
				continue;
			}
			if (!c) {
				problems.push(`${p.id} (${email(p.fields.email)}): no CRM record (errors: [${openErrorsByFf.get(p.id) ?? []}])`);
				continue;
			}
			const link = linkByFf.get(p.id);
			if (!link || link.crmId !== c.id) problems.push(`${p.id}: link is ${link ? `${link.crmId} (${link.status})` : 'missing'}, CRM record is ${c.id}`);
			const partial = o.partial?.[p.id];
			if (partial) {
				// A record group written only in part (the person, not all its members): queued.
				if (!(openErrorsByFf.get(p.id) ?? []).includes(partial)) problems.push(`${p.id}: written in part, expected an open ${partial} error, found [${openErrorsByFf.get(p.id) ?? []}]`);
				continue;
			}
			if (openErrorsByFf.has(p.id)) problems.push(`${p.id}: synced but still has open errors [${openErrorsByFf.get(p.id)}]`);
			if (o.values !== false) {
				// Pipedrive persons hold no company name: it is on the organization, in a group.
				const keys = ['contact_name', 'phone', ...(crm === 'pipedrive' && !CRM_INFO[crm].linked.length ? [] : ['company_name'])];
				for (const k of keys) if (String(c.fields[k] ?? '') !== String(p.fields[k] ?? '')) problems.push(`${p.id}.${k}: FieldFlow "${String(p.fields[k])}" vs ${crm} "${String(c.fields[k])}"`);
			}
		}
		for (const c of people) if (!ffEmails.has(email(c.fields.email))) problems.push(`${crm} record ${c.id} (${email(c.fields.email)}) has no FieldFlow prospect`);
		for (const l of links) if (l.crmId === null) problems.push(`pending reservation left for ${l.fieldflowId}`);
		expect(problems.slice(0, 30)).toEqual([]);
		return { prospects: ff.length, crmRecords: people.length, links: links.length, errors: errors.length };
	}

	/** Resolves when the sandbox has seen `n` calls of `endpoint` (its name, or its name and a path pattern; answered when `answered`). */
	async whenCalls(crm: Crm | 'fieldflow', endpoint: string | CallMatch, n: number, answered = false, timeoutMs = 240_000): Promise<void> {
		const s = crm === 'fieldflow' ? this.sb.fieldflow : this.sb[crm];
		const match = typeof endpoint === 'string' ? { endpoint } : endpoint;
		const deadline = Date.now() + timeoutMs;
		while (s.callLog.filter((c) => c.endpoint === match.endpoint && (!match.path || match.path.test(c.path)) && (!answered || c.status !== undefined)).length < n) {
			if (Date.now() > deadline) throw new Error(`${crm}: ${match.endpoint} ${match.path ?? ''} not called ${n} times within ${timeoutMs} ms`);
			await sleep(10);
		}
	}

	/** Every secret the sandboxes hand out. */
	secrets(): Record<string, string> {
		const out: Record<string, string> = {
			fieldflowKey: FIELDFLOW_SANDBOX_KEY,
			salesforceRefreshToken: this.sb.salesforce.refreshToken,
			salesforceClientSecret: this.sb.salesforce.clientSecret,
			hubspotToken: HUBSPOT_SANDBOX_TOKEN,
			pipedriveToken: PIPEDRIVE_SANDBOX_TOKEN,
		};
		[...this.sfTokens].forEach((t, i) => (out[`salesforceAccessToken${i}`] = t));
		return out;
	}
}

/** Create endpoints per CRM sandbox (where a lost answer hurts, and where a test waits for writes to be under way). */
export const CREATE_ENDPOINT: Record<Crm, string> = { salesforce: 'collections.create', hubspot: 'objects.batch.create', pipedrive: 'persons.create' };

/** A sandbox call by endpoint name and, where one endpoint serves several objects, its path. */
export interface CallMatch {
	endpoint: string;
	path?: RegExp;
}

/**
 * The call that creates the template's people (Leads, contacts, persons). HubSpot's batch create
 * serves every object: with record groups the companies' batches come first (written in dependency
 * order), so "the people's creates are under way" is the contacts' path.
 */
export const PERSON_CREATE: Record<Crm, CallMatch> = {
	salesforce: { endpoint: 'collections.create' },
	hubspot: { endpoint: 'objects.batch.create', path: /\/objects\/contacts\/batch\/create$/ },
	pipedrive: { endpoint: 'persons.create' },
};

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Records the numbers of each case for the summary printed at the end. */
export const REPORT: Array<Record<string, unknown>> = [];

/** A person's fields in the CRM's own names (what a user would type in the CRM), for seeding CRM records. */
export function crmPersonFields(crm: Crm, p: { first: string; last: string; email: string; phone: string; company: string }): Record<string, unknown> {
	if (crm === 'salesforce') return { FirstName: p.first, LastName: p.last, Email: p.email, Phone: p.phone, Company: p.company, Status: 'Open - Not Contacted' };
	if (crm === 'hubspot') return { firstname: p.first, lastname: p.last, email: p.email, phone: p.phone, company: p.company };
	return { name: `${p.first} ${p.last}`, email: p.email, phone: p.phone };
}

/** The CRM's own name of its phone field (for edits made "in the CRM"). */
export const CRM_PHONE_FIELD: Record<Crm, string> = { salesforce: 'Phone', hubspot: 'phone', pipedrive: 'phone' };
