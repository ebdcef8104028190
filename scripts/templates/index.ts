/**
 * Every workflow template, by file name. `npm run templates` writes them to workflows/;
 * test/unit/templates.test.ts fails when a file there differs from what this source generates.
 */
import { CRMS, type Workflow } from './lib';
import { MORE_TEMPLATES } from './more';
import { SALESFORCE_CONTACTS, SYNC_TEMPLATES, buildSyncTemplate } from './sync';

/**
 * The template to start with: its name says "recommended". The files carry no n8n tags: importing
 * several workflows that share a new tag in one `n8n import:workflow` call fails on n8n 2.41
 * ("UNIQUE constraint failed: tag_entity.name"), and the demo and the tests import them that way.
 */
export const RECOMMENDED_TEMPLATE = 'bidirectional-sync';

export function allTemplates(): Record<string, Workflow> {
	const out: Record<string, Workflow> = {};
	for (const t of SYNC_TEMPLATES) for (const crm of CRMS) out[`${t.key}.${crm}.json`] = buildSyncTemplate(t, crm);
	// Salesforce Contacts mode (Contact + Account + Opportunity), next to the Leads templates: every sync mode.
	for (const t of SYNC_TEMPLATES) out[`${t.key}.salesforce-${SALESFORCE_CONTACTS.suffix}.json`] = buildSyncTemplate(t, 'salesforce', SALESFORCE_CONTACTS);
	for (const t of MORE_TEMPLATES) {
		for (const crm of CRMS) out[`${t.key}.${crm}.json`] = t.build(crm);
		if (t.perObject) out[`${t.key}.salesforce-${SALESFORCE_CONTACTS.suffix}.json`] = t.build('salesforce', SALESFORCE_CONTACTS);
	}
	return out;
}

export function serialize(wf: Workflow): string {
	return `${JSON.stringify(wf, null, 2)}\n`;
}
