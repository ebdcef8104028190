/**
 * Writes each node's description (what a saved workflow depends on: name, version, parameter
 * names, types, defaults, options, displayOptions) as JSON, one file per node, so a refactor can be
 * checked for byte-identical output:
 *
 *   npx tsx scripts/dump-descriptions.ts .tmp/before
 *   ...refactor...
 *   npx tsx scripts/dump-descriptions.ts .tmp/after && diff -r .tmp/before .tmp/after
 *
 * Loads the TypeScript sources (no build needed). Methods are listed by name.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..');
const outDir = resolve(process.argv[2] ?? '.tmp/descriptions');
mkdirSync(outDir, { recursive: true });

for (const folder of readdirSync(join(root, 'nodes')).sort()) {
	const file = join(root, 'nodes', folder, `${folder}.node.ts`);
	let mod: Record<string, unknown>;
	try {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		mod = require(file) as Record<string, unknown>;
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && String((error as Error).message).includes(file)) continue;
		throw error;
	}
	const NodeClass = mod[folder] as new () => { description: unknown; methods?: Record<string, Record<string, unknown>> };
	const node = new NodeClass();
	const methods = Object.fromEntries(Object.entries(node.methods ?? {}).map(([kind, fns]) => [kind, Object.keys(fns).sort()]));
	writeFileSync(join(outDir, `${folder}.json`), `${JSON.stringify({ description: node.description, methods }, null, '\t')}\n`);
	console.log(`${folder}: ${join(outDir, `${folder}.json`)}`);
}
