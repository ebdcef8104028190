/**
 * A throwaway PostgreSQL server for tests: initdb into a temp dir, start on a free 127.0.0.1 port
 * (unix socket in the temp dir too), create a database, hand back its connection string; stop()
 * shuts it down and deletes everything.
 *
 * Needs the server binaries (Debian: `apt-get install postgresql`, found under
 * /usr/lib/postgresql/<version>/bin; or set PG_BIN to the directory holding initdb and pg_ctl).
 * PostgreSQL refuses to run as root, so when we are root the server runs as the `postgres` OS user
 * (runuser) and the temp dir is chowned to it.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from './net';

export interface TestPostgres {
	connectionString: string;
	host: string;
	port: number;
	database: string;
	user: string;
	/** Milliseconds from start to ready (initdb + start + create database). */
	startupMs: number;
	stop(): Promise<void>;
}

/** The directory holding initdb and pg_ctl, or null. */
export function findPostgresBin(): string | null {
	const candidates: string[] = [];
	if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
	const root = '/usr/lib/postgresql';
	if (existsSync(root)) {
		const versions = readdirSync(root)
			.filter((v) => /^\d+(\.\d+)?$/.test(v))
			.sort((a, b) => Number(b) - Number(a));
		for (const v of versions) candidates.push(join(root, v, 'bin'));
	}
	for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir) candidates.push(dir);
	return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) ?? null;
}


function run(cmd: string, args: string[], asUser: string | null): Promise<{ stdout: string; stderr: string }> {
	const [file, argv] = asUser ? ['runuser', ['-u', asUser, '--', cmd, ...args]] : [cmd, args];
	return new Promise((resolve, reject) => {
		execFile(file, argv, { encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
			if (error) {
				reject(new Error(`${cmd} ${args.join(' ')} failed: ${error.message}\n${stdout}\n${stderr}`));
			} else resolve({ stdout, stderr });
		});
	});
}

export async function startPostgres(options: { database?: string } = {}): Promise<TestPostgres> {
	const started = Date.now();
	const bin = findPostgresBin();
	if (!bin) {
		throw new Error(
			'PostgreSQL server binaries (initdb, pg_ctl) were not found in /usr/lib/postgresql/*/bin, PG_BIN or PATH. ' +
				'Install them (Debian/Ubuntu: `apt-get install -y postgresql`) to run the PostgreSQL store tests.',
		);
	}
	const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
	let runAs: string | null = null;
	let uid = -1;
	let gid = -1;
	if (isRoot) {
		try {
			uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
			gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
		} catch {
			throw new Error(
				'Running as root, and PostgreSQL refuses to run as root: the `postgres` OS user is needed ' +
					'(Debian\'s postgresql package creates it) or run the tests as a normal user.',
			);
		}
		runAs = 'postgres';
	}

	const dir = mkdtempSync(join(tmpdir(), 'ff-pg-'));
	const data = join(dir, 'data');
	const logFile = join(dir, 'server.log');
	if (runAs) {
		chownSync(dir, uid, gid);
		chmodSync(dir, 0o700);
	}
	const user = 'fieldflow';
	const database = options.database ?? 'fieldflow_test';
	let port = 0;
	let running = false;

	const pgCtl = (args: string[]) => run(join(bin, 'pg_ctl'), args, runAs);
	const stopServer = () => {
		if (!running) return;
		running = false;
		try {
			execFileSync(
				runAs ? 'runuser' : join(bin, 'pg_ctl'),
				runAs
					? ['-u', runAs, '--', join(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', '-w', 'stop']
					: ['-D', data, '-m', 'immediate', '-w', 'stop'],
				{ stdio: 'ignore', timeout: 30_000 },
			);
		} catch {
			// already gone
		}
	};
	// If the test process dies without teardown, don't leave a server behind.
	const onExit = () => {
		stopServer();
		rmSync(dir, { recursive: true, force: true });
	};
	process.once('exit', onExit);

	try {
		await run(
			join(bin, 'initdb'),
			['-D', data, '-U', user, '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'],
			runAs,
		);
		for (let attempt = 1; ; attempt++) {
			port = await freePort();
			const serverOptions = [
				`-p ${port}`,
				`-k ${dir}`,
				'-c listen_addresses=127.0.0.1',
				'-c fsync=off',
				'-c synchronous_commit=off',
				'-c full_page_writes=off',
				'-c max_connections=50',
			].join(' ');
			try {
				await pgCtl(['-D', data, '-o', serverOptions, '-l', logFile, '-w', '-t', '30', 'start']);
				running = true;
				break;
			} catch (error) {
				if (attempt >= 3) {
					const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
					throw new Error(`${(error as Error).message}\nserver log:\n${log}`);
				}
			}
		}
		const { Client } = require('pg') as typeof import('pg');
		const admin = new Client({ host: '127.0.0.1', port, user, database: 'postgres' });
		await admin.connect();
		try {
			await admin.query(`CREATE DATABASE ${database}`);
		} finally {
			await admin.end();
		}
	} catch (error) {
		onExit();
		process.removeListener('exit', onExit);
		throw error;
	}

	return {
		connectionString: `postgresql://${user}@127.0.0.1:${port}/${database}`,
		host: '127.0.0.1',
		port,
		database,
		user,
		startupMs: Date.now() - started,
		stop: async () => {
			process.removeListener('exit', onExit);
			if (running) {
				running = false;
				await pgCtl(['-D', data, '-m', 'fast', '-w', 'stop']).catch(() => {
					running = true;
					stopServer();
				});
			}
			rmSync(dir, { recursive: true, force: true });
		},
	};
}
