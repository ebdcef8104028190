/**
 * n8n side of the sync state store: the "Store" parameters every sync node shows, and opening the
 * store they point at. Embedded SQLite in the n8n user folder by default; PostgreSQL (n8n's own
 * Postgres credential) for queue mode, where several workers must share one store.
 */
import type { IExecuteFunctions, ILoadOptionsFunctions, INodeCredentialDescription, INodeProperties } from 'n8n-workflow';
import { defaultSqlitePath, sharedStore, type StoreConfig, type SyncStore } from '../shared/store';

export const storeProperties: INodeProperties[] = [
	{
		displayName: 'Sync Store',
		name: 'store',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Embedded SQLite',
				value: 'sqlite',
				description: 'A SQLite file in the n8n user folder (~/.n8n): nothing to set up; right for one n8n instance',
			},
			{
				name: 'PostgreSQL',
				value: 'postgres',
				description: 'Required for n8n queue mode (several workers) so every worker shares one store',
			},
		],
		default: 'sqlite',
		description: 'Where links, baselines, cursors, logs, errors and conflicts are kept. Every sync node of one integration must use the same store.',
	},
	{
		displayName: 'SQLite File Path',
		name: 'sqlitePath',
		type: 'string',
		default: '',
		placeholder: '/home/node/.n8n/fieldflow-sync.sqlite',
		description: 'Path of the SQLite file. Leave empty for fieldflow-sync.sqlite in the n8n user folder (~/.n8n, or N8N_USER_FOLDER/.n8n).',
		displayOptions: { show: { store: ['sqlite'] } },
	},
];

export const storeCredentials: INodeCredentialDescription[] = [
	{ name: 'postgres', required: true, displayName: 'PostgreSQL Store Credential', displayOptions: { show: { store: ['postgres'] } } },
];

/** The store the node's parameters point at (one per config for the life of the process). */
export async function getSyncStore(this: IExecuteFunctions | ILoadOptionsFunctions, itemIndex = 0): Promise<SyncStore> {
	const kind = this.getNodeParameter('store', itemIndex, 'sqlite') as string;
	let config: StoreConfig;
	if (kind === 'postgres') {
		const c = await this.getCredentials('postgres');
		const sslMode = String(c.ssl ?? 'disable');
		config = {
			kind: 'postgres',
			host: String(c.host ?? 'localhost'),
			port: Number(c.port ?? 5432),
			database: String(c.database ?? 'postgres'),
			user: String(c.user ?? 'postgres'),
			password: String(c.password ?? ''),
			ssl: sslMode === 'disable' ? false : { rejectUnauthorized: !(c.allowUnauthorizedCerts as boolean) },
		};
	} else {
		const path = String(this.getNodeParameter('sqlitePath', itemIndex, '') ?? '').trim();
		config = { kind: 'sqlite', path: path || defaultSqlitePath(process.env) };
	}
	return sharedStore(config);
}
