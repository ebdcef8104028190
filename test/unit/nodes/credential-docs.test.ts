/**
 * Every credential's "Read our docs" link lands on a README section: its anchor is the GitHub
 * anchor of one of README.md's headings (lower case, punctuation dropped, spaces → hyphens).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ICredentialType } from 'n8n-workflow';

const ROOT = path.join(__dirname, '..', '..', '..');

function githubAnchor(heading: string): string {
	return heading
		.trim()
		.toLowerCase()
		.replace(/[^\p{L}\p{N}\s_-]/gu, '')
		.replace(/\s/g, '-');
}

const anchors = new Set(
	fs
		.readFileSync(path.join(ROOT, 'README.md'), 'utf8')
		.split('\n')
		.filter((l) => /^#{1,6} /.test(l))
		.map((l) => githubAnchor(l.replace(/^#+ /, ''))),
);

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { n8n: { credentials: string[] } };
const sources = pkg.n8n.credentials.map((f) => f.replace(/^dist\//, '').replace(/\.js$/, '.ts'));

test.each(sources)('%s: documentationUrl points at an existing README section', async (file) => {
	const mod = (await import(path.join(ROOT, file))) as Record<string, new () => ICredentialType>;
	const [Type] = Object.values(mod).filter((v) => typeof v === 'function');
	const url = new Type().documentationUrl!;
	expect(url).toMatch(/^https:\/\/github\.com\/fieldflow\/n8n-nodes-fieldflow#/);
	expect(anchors).toContain(url.split('#')[1]);
});

test('the OAuth2 credentials are registered and extend n8n\'s oAuth2Api', async () => {
	const oauth = sources.filter((f) => /OAuth2Api/.test(f));
	expect(oauth).toHaveLength(3);
	for (const file of oauth) {
		const mod = (await import(path.join(ROOT, file))) as Record<string, new () => ICredentialType>;
		const [Type] = Object.values(mod).filter((v) => typeof v === 'function');
		expect(new Type().extends).toEqual(['oAuth2Api']);
	}
});
