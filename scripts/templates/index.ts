/**
 * Every workflow template, by file name. `npm run templates` writes them to workflows/;
 * test/unit/templates.test.ts fails when a file there differs from what this source generates.
 */
import { CRM_INFO, CRMS, type Crm, type Workflow } from './lib';
import { MORE_TEMPLATES } from './more';
import { SYNC_TEMPLATES, buildSyncTemplate } from './sync';

/** The template to start with: its name says "recommended" and it carries the "recommended" tag. */
export const RECOMMENDED_TEMPLATE = 'bidirectional-sync';

/** Each template's mode tag (n8n's workflow list filters by tag). */
export const MODE_TAGS: Record<string, string> = {
	'bidirectional-sync': 'two-way',
	'fieldflow-to-crm-sync': 'one-way',
	'crm-to-fieldflow-sync': 'one-way',
	'hourly-batch-sync': 'hourly batch',
	'sync-now': 'manual',
	'sync-all-prospects': 'manual',
	'selective-sync': 'webhook',
	'meeting-summary-sync': 'meetings',
	'error-retry': 'error retry',
	'sync-dashboard': 'dashboard',
};

/**
 * Tags by product, CRM and mode (plus "recommended"), as `[{ name }]`: n8n 1.x and 2.x both match
 * imported tags by name and create the missing ones (CLI import:workflow and the editor's import).
 */
export function templateTags(key: string, crm: Crm): Array<{ name: string }> {
	const mode = MODE_TAGS[key];
	if (!mode) throw new Error(`no mode tag for template ${key}`);
	return [{ name: 'FieldFlow' }, { name: CRM_INFO[crm].label }, { name: mode }, ...(key === RECOMMENDED_TEMPLATE ? [{ name: 'recommended' }] : [])];
}

export function allTemplates(): Record<string, Workflow> {
	const out: Record<string, Workflow> = {};
	for (const t of SYNC_TEMPLATES) for (const crm of CRMS) out[`${t.key}.${crm}.json`] = { ...buildSyncTemplate(t, crm), tags: templateTags(t.key, crm) };
	for (const t of MORE_TEMPLATES) for (const crm of CRMS) out[`${t.key}.${crm}.json`] = { ...t.build(crm), tags: templateTags(t.key, crm) };
	return out;
}

export function serialize(wf: Workflow): string {
	return `${JSON.stringify(wf, null, 2)}\n`;
}
