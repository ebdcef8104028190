/**
 * What n8n's editor makes of the node descriptions (issue 17, point 4), checked against the rules
 * n8n's editor applies (n8n 1.123 and 2.41 alike):
 * - nodeTypesUtils getMainAuthField / findAlternativeAuthField: a parameter that credentials show on
 *   (`displayOptions.show`) whose every option value shows one (a boolean: vacuously) is taken for the
 *   node's "authentication" field; the panel then hides it and every parameter it depends on, and the
 *   credentials depending on it share one bare "Credential" list of all their types.
 * - NodeCredentials getCredentialsFieldLabel: a credential's `displayName` is its slot's label.
 * - useActionsGeneration: the action label is the operation option's `action`.
 */
import { Expression, Workflow, type INodeProperties, type INodeTypeDescription } from 'n8n-workflow';
import { FieldFlow } from '../../../nodes/FieldFlow/FieldFlow.node';
import { FieldFlowConflictResolver } from '../../../nodes/FieldFlowConflictResolver/FieldFlowConflictResolver.node';
import { FieldFlowCrm } from '../../../nodes/FieldFlowCrm/FieldFlowCrm.node';
import { FieldFlowMapping } from '../../../nodes/FieldFlowMapping/FieldFlowMapping.node';
import { FieldFlowSyncStatus } from '../../../nodes/FieldFlowSyncStatus/FieldFlowSyncStatus.node';
import { FieldFlowTrigger } from '../../../nodes/FieldFlowTrigger/FieldFlowTrigger.node';
import * as fs from 'node:fs';
import * as path from 'node:path';

const nodes: Record<string, INodeTypeDescription> = {
	FieldFlow: new FieldFlow().description,
	FieldFlowTrigger: new FieldFlowTrigger().description,
	FieldFlowCrm: new FieldFlowCrm().description,
	FieldFlowMapping: new FieldFlowMapping().description,
	FieldFlowConflictResolver: new FieldFlowConflictResolver().description,
	FieldFlowSyncStatus: new FieldFlowSyncStatus().description,
};

/** n8n editor's getMainAuthField (no parameter is called `authentication` in this package). */
function mainAuthField(d: INodeTypeDescription): INodeProperties | undefined {
	const deps: INodeProperties[] = [];
	const values: Record<string, string[]> = {};
	for (const c of d.credentials ?? []) {
		for (const [field, vals] of Object.entries(c.displayOptions?.show ?? {})) {
			values[field] = [...(values[field] ?? []), ...(vals ?? []).map((v) => (v ? String(v) : ''))];
			for (const p of d.properties.filter((x) => x.name === field)) if (!deps.includes(p)) deps.push(p);
		}
	}
	return deps.find((p) => !(p.options ?? []).some((o) => 'value' in o && typeof o.value === 'string' && !values[p.name].includes(o.value)));
}

describe('node panels', () => {
	it.each(Object.keys(nodes))('%s: no parameter is taken for an authentication field (it would vanish from the panel)', (name) => {
		expect(mainAuthField(nodes[name])?.name).toBeUndefined();
	});

	it.each(['FieldFlowCrm', 'FieldFlowMapping', 'FieldFlowConflictResolver', 'FieldFlowSyncStatus'])('%s: every credential slot has its own label', (name) => {
		const creds = nodes[name].credentials ?? [];
		for (const c of creds) expect(c.displayName).toMatch(/Credential/);
		expect(new Set(creds.map((c) => c.displayName)).size).toBe(creds.length);
	});

	it.each(['FieldFlowCrm', 'FieldFlowMapping', 'FieldFlowConflictResolver'])("%s: the chosen CRM's credential only, of the chosen Authentication (token by default, or OAuth2)", (name) => {
		const d = nodes[name];
		const auth = d.properties.find((p) => p.name === 'authentication')!;
		expect(auth.default).toBe('accessToken');
		expect((auth.options as Array<{ value: string }>).map((o) => o.value)).toEqual(['accessToken', 'oAuth2']);
		const shown = (crm: string, authentication: string) =>
			(d.credentials ?? [])
				.filter((c) => !(c.displayOptions?.hide?.crm ?? []).includes(crm) && !(c.displayOptions?.hide?.authentication ?? []).includes(authentication) && !c.displayOptions?.show?.store)
				.map((c) => c.displayName);
		const ff = name === 'FieldFlowConflictResolver' ? ['FieldFlow API Credential'] : [];
		for (const [crm, label] of [['salesforce', 'Salesforce'], ['hubspot', 'HubSpot'], ['pipedrive', 'Pipedrive']]) {
			expect(shown(crm, 'accessToken')).toEqual([...ff, `${label} Credential`]);
			expect(shown(crm, 'oAuth2')).toEqual([...ff, `${label} OAuth2 Credential`]);
		}
	});

	it('FieldFlow CRM: the icon is the chosen CRM\'s logo (an expression n8n resolves with $parameter), FieldFlow CRM without one', () => {
		const icon = nodes.FieldFlowCrm.icon as { light: string; dark: string };
		const wf = new Workflow({ nodes: [], connections: {}, active: false, nodeTypes: { getByName: () => undefined, getByNameAndVersion: () => undefined, getKnownTypes: () => ({}) } as never });
		const resolve = (expr: string, parameters: Record<string, unknown>) =>
			(wf.expression as Expression).getParameterValue(expr, null, 0, 0, '', [], 'internal', { $parameter: parameters } as never, undefined, false);
		for (const crm of ['salesforce', 'hubspot', 'pipedrive']) {
			expect(resolve(icon.light, { crm })).toBe(`file:${crm}.svg`);
			expect(resolve(icon.dark, { crm })).toBe(`file:${crm}.dark.svg`);
			for (const f of [`${crm}.svg`, `${crm}.dark.svg`]) expect(fs.existsSync(path.join(__dirname, '../../../nodes/FieldFlowCrm', f))).toBe(true);
		}
		expect(resolve(icon.light, {})).toBe('file:fieldflowcrm.svg');
		expect(resolve(icon.dark, {})).toBe('file:fieldflowcrm.dark.svg');
	});

	it('action labels read as English ("Get many meeting summaries")', () => {
		const actions = nodes.FieldFlow.properties
			.filter((p) => p.name === 'operation')
			.flatMap((p) => (p.options ?? []).map((o) => (o as { action?: string }).action ?? ''));
		expect(actions).toContain('Get many meeting summaries');
		expect(actions).toContain('Get meeting summaries changed since a time');
		for (const a of actions) expect(a).not.toMatch(/summarys|ys\b/);
		for (const name of Object.keys(nodes)) {
			for (const p of nodes[name].properties.filter((x) => x.name === 'operation')) for (const o of p.options ?? []) expect((o as { action?: string }).action).toBeTruthy();
		}
	});

	it('the node picker entry (FieldFlow merged with its Trigger, showing the Trigger\'s description) describes both', () => {
		expect(nodes.FieldFlowTrigger.description).toMatch(/read and write/i);
		expect(nodes.FieldFlowTrigger.description).toMatch(/start a workflow/i);
	});

	it('Sync Status 1.1: Record Type is a dropdown per CRM; 1 keeps the free text; Page Size explains 0', () => {
		const d = nodes.FieldFlowSyncStatus;
		expect(d.version).toEqual([1, 1.1]);
		const objects = d.properties.filter((p) => p.name === 'object');
		expect(objects.find((p) => p.type === 'string')?.displayOptions?.show?.['@version']).toEqual([1]);
		const dropdowns = objects.filter((p) => p.type === 'options');
		expect(dropdowns.map((p) => p.displayOptions?.show?.crm?.[0]).sort()).toEqual(['hubspot', 'pipedrive', 'salesforce']);
		const sf = dropdowns.find((p) => p.displayOptions?.show?.crm?.[0] === 'salesforce')!;
		expect((sf.options as Array<{ value: string }>).map((o) => o.value)).toEqual(expect.arrayContaining(['Lead', 'Contact', 'Event', 'meetings', 'meetingSummaries']));
		expect(d.properties.find((p) => p.name === 'pageSize')?.hint).toMatch(/^0 = one pass/);
		const store = d.properties.find((p) => p.name === 'store')!;
		expect((store.options as Array<{ name: string; value: string }>).find((o) => o.value === 'sqlite')?.name).toBe('Embedded SQLite');
	});
});
