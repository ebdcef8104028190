/**
 * A throwaway Redis server for tests (n8n queue mode's job queue): Debian's `redis-server`
 * (scripts/ensure-system.js installs it), started on a free 127.0.0.1 port with its own temp dir,
 * no persistence and no system service; stop() shuts it down and deletes the dir.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './net';

export interface TestRedis {
	host: string;
	port: number;
	stop(): Promise<void>;
}

export function findRedisServer(): string | null {
	return ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p)) ?? null;
}


/** Resolves true when the server answers PING with PONG. */
function ping(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = createConnection({ host: '127.0.0.1', port });
		let answer = '';
		socket.setTimeout(1000);
		socket.on('connect', () => socket.write('PING\r\n'));
		socket.on('data', (b) => {
			answer += b.toString();
			if (answer.includes('\r\n')) {
				socket.destroy();
				resolve(answer.startsWith('+PONG'));
			}
		});
		socket.on('error', () => resolve(false));
		socket.on('timeout', () => {
			socket.destroy();
			resolve(false);
		});
	});
}

export async function startRedis(): Promise<TestRedis> {
	const bin = findRedisServer();
	if (!bin) throw new Error('redis-server was not found: install Debian\'s redis-server package (`apt-get install -y redis-server`, or run node scripts/ensure-system.js as root).');
	const dir = mkdtempSync(join(tmpdir(), 'ff-redis-'));
	const logFile = join(dir, 'redis.log');
	const port = await freePort();
	const child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--logfile', logFile, '--daemonize', 'no'], { stdio: 'ignore' });
	const onExit = () => {
		if (child.exitCode === null) child.kill('SIGKILL');
		rmSync(dir, { recursive: true, force: true });
	};
	process.once('exit', onExit);
	const deadline = Date.now() + 20_000;
	while (!(await ping(port))) {
		if (child.exitCode !== null || Date.now() > deadline) {
			const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
			onExit();
			process.removeListener('exit', onExit);
			throw new Error(`redis-server did not start on 127.0.0.1:${port}:\n${log}`);
		}
		await new Promise((r) => setTimeout(r, 100));
	}
	return {
		host: '127.0.0.1',
		port,
		stop: async () => {
			process.removeListener('exit', onExit);
			if (child.exitCode === null) {
				child.kill('SIGTERM');
				await Promise.race([new Promise((r) => child.once('exit', r)), new Promise((r) => setTimeout(r, 5000))]);
			}
			onExit();
		},
	};
}
