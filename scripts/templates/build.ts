/** `npm run templates`: (re)generate workflows/*.json from scripts/templates. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allTemplates, serialize } from './index';

const dir = path.resolve(__dirname, '..', '..', 'workflows');
const templates = allTemplates();
for (const [file, wf] of Object.entries(templates)) fs.writeFileSync(path.join(dir, file), serialize(wf));
process.stdout.write(`wrote ${Object.keys(templates).length} templates to workflows/\n`);
