import { createServer } from 'node:net';

/** A TCP port on 127.0.0.1 that nothing listens on right now (for sandboxes, n8n, PostgreSQL, Redis). */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.unref();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			server.close(() => resolve(port));
		});
	});
}

/** Whether `port` on 127.0.0.1 can be listened on right now. */
function canListen(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const server = createServer();
		server.unref();
		server.once('error', () => resolve(false));
		server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
	});
}

/**
 * The first of `count` consecutive free ports on 127.0.0.1, below Linux's ephemeral range (32768 up,
 * where the kernel hands out the ports of outgoing connections and `listen(0)`): for a program that
 * takes a base port and opens base, base + 1, … (the demo's sandboxes).
 */
export async function freePortRange(count: number, low = 20000, high = 32000): Promise<number> {
	for (let attempt = 0; attempt < 50; attempt++) {
		const base = low + Math.floor(Math.random() * (high - low - count));
		let free = true;
		for (let p = base; p < base + count && free; p++) free = await canListen(p);
		if (free) return base;
	}
	throw new Error(`no ${count} consecutive free ports between ${low} and ${high}`);
}
