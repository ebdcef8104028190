#!/usr/bin/env node
/**
 * System packages the test suite needs, from Debian's archive: PostgreSQL (the store's second
 * backend is tested against a real server the tests start themselves), Redis (n8n queue mode's job
 * queue, a private server the queue-mode test starts) and Chromium (the dashboard page). Installed with apt-get when missing and we are
 * root (CI, a fresh dev container); otherwise it says what to install.
 */
'use strict';
const { execSync } = require('node:child_process');
const fs = require('node:fs');

const NEEDS = [
	// The dashboard template's page is tested in headless Chromium (driven by playwright-core; no browser download).
	{ pkg: 'chromium', present: () => fs.existsSync('/usr/bin/chromium') },
	// n8n queue mode (main + workers) needs Redis; test/support/redis.ts starts a private redis-server.
	{ pkg: 'redis-server', present: () => fs.existsSync('/usr/bin/redis-server') },
	{ pkg: 'postgresql', present: () => fs.existsSync('/usr/lib/postgresql') && fs.readdirSync('/usr/lib/postgresql').some((v) => fs.existsSync(`/usr/lib/postgresql/${v}/bin/initdb`)) },
];

const missing = NEEDS.filter((n) => !n.present()).map((n) => n.pkg);
if (missing.length === 0) {
	process.stdout.write(`[ensure-system] present: ${NEEDS.map((n) => n.pkg).join(', ')}\n`);
	process.exit(0);
}
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot || !fs.existsSync('/usr/bin/apt-get')) {
	process.stderr.write(`[ensure-system] missing Debian packages: ${missing.join(' ')}. Install them: sudo apt-get install -y ${missing.join(' ')}\n`);
	process.exit(1);
}
process.stdout.write(`[ensure-system] apt-get install ${missing.join(' ')} ...\n`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execSync('apt-get update -qq', { stdio: 'inherit', env });
execSync(`apt-get install -y -qq --no-install-recommends ${missing.join(' ')}`, { stdio: 'inherit', env });
