/**
 * The README's demo command works: scripts/demo.ts (what `npm run demo` runs after the build)
 * brings up the sandboxes and a real n8n with our nodes, the credentials and every template, and
 * the owner can sign in and see them.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEMO_OWNER, REPO_ROOT, freePort } from './harness';

describe('npm run demo', () => {
	it('starts n8n with our nodes, the sandbox credentials and every template, ready to sign in', async () => {
		const port = await freePort();
		const sandboxBase = 20000 + Math.floor(Math.random() * 20000);
		const child = spawn(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/demo.ts'], {
			cwd: REPO_ROOT,
			env: { ...process.env, DEMO_PORT: String(port), SANDBOX_BASE_PORT: String(sandboxBase) },
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let out = '';
		child.stdout.on('data', (b) => (out += b.toString()));
		child.stderr.on('data', (b) => (out += b.toString()));
		try {
			const deadline = Date.now() + 240_000;
			while (!out.includes('Press Ctrl-C') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 500));
			expect(out).toContain('Press Ctrl-C');
			expect(out).toContain('n8n-nodes-fieldflow.fieldFlow,');
			const url = `http://127.0.0.1:${port}`;
			const login = await fetch(`${url}/rest/login`, {
				method: 'POST',
				headers: { 'Content-Type': 'application/json' },
				body: JSON.stringify({ emailOrLdapLoginId: DEMO_OWNER.email, email: DEMO_OWNER.email, password: DEMO_OWNER.password }),
			});
			expect(login.status).toBe(200);
			const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
			const list = (await (await fetch(`${url}/rest/workflows`, { headers: { Cookie: cookie } })).json()) as { data: Array<{ name: string }> };
			const files = fs.readdirSync(path.join(REPO_ROOT, 'workflows')).filter((f) => f.endsWith('.json'));
			expect(list.data.length).toBe(files.length);
			expect(list.data.map((w) => w.name)).toContain('FieldFlow ⇄ Salesforce: two-way sync (recommended, every 5 minutes)');
			const creds = (await (await fetch(`${url}/rest/credentials`, { headers: { Cookie: cookie } })).json()) as { data: Array<{ type: string }> };
			expect(creds.data.map((c) => c.type).sort()).toEqual(['fieldFlowApi', 'fieldFlowHubSpotApi', 'fieldFlowPipedriveApi', 'fieldFlowSalesforceApi']);
			// The demo's FieldFlow sandbox answers with sample data.
			const state = (await (await fetch(`http://127.0.0.1:${sandboxBase}/__sandbox/state`)).json()) as { prospects: unknown[] };
			expect(state.prospects.length).toBeGreaterThanOrEqual(20);
		} finally {
			child.kill('SIGTERM');
			await new Promise((r) => child.once('exit', r));
		}
	}, 300_000);
});
