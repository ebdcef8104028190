import type { ILoadOptionsFunctions, INodeListSearchItems, INodeListSearchResult } from 'n8n-workflow';
import type { FieldFlowRecord, FieldFlowResource } from '../../shared/fieldflow/client';
import { getFieldFlowClient } from '../../n8nSide/transport/fieldflow';
import { APP_URL } from '../actions/descriptions';

const LABEL: Record<FieldFlowResource, (r: FieldFlowRecord) => string> = {
	prospects: (r) => [r.contact_name, r.company_name].filter(Boolean).join(' · ') || String(r.email ?? r.id),
	meetings: (r) => `${String(r.title ?? r.id)}${r.start_time ? ` (${String(r.start_time).slice(0, 10)})` : ''}`,
	'meeting-summaries': (r) => String(r.summary ?? r.id).slice(0, 80),
};

/** One page of records for the "From List" picker; the filter matches the label (and an email exactly). */
async function search(this: ILoadOptionsFunctions, resource: FieldFlowResource, filter?: string, paginationToken?: string): Promise<INodeListSearchResult> {
	const client = await getFieldFlowClient.call(this);
	const email = resource === 'prospects' && filter && filter.includes('@') ? filter.trim() : undefined;
	const page = await client.list(resource, { limit: 100, cursor: paginationToken, filters: email ? { email } : undefined });
	const needle = (filter ?? '').toLowerCase();
	const results: INodeListSearchItems[] = page.data
		.map((r) => ({ name: LABEL[resource](r), value: r.id, url: `${APP_URL}/${resource}/${r.id}` }))
		.filter((r) => email || !needle || r.name.toLowerCase().includes(needle) || r.value.toLowerCase().includes(needle));
	return { results, paginationToken: page.nextCursor ?? undefined };
}

export async function searchProspects(this: ILoadOptionsFunctions, filter?: string, paginationToken?: string): Promise<INodeListSearchResult> {
	return search.call(this, 'prospects', filter, paginationToken);
}

export async function searchMeetings(this: ILoadOptionsFunctions, filter?: string, paginationToken?: string): Promise<INodeListSearchResult> {
	return search.call(this, 'meetings', filter, paginationToken);
}

export async function searchMeetingSummaries(this: ILoadOptionsFunctions, filter?: string, paginationToken?: string): Promise<INodeListSearchResult> {
	return search.call(this, 'meeting-summaries', filter, paginationToken);
}
