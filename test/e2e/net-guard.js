/**
 * Preloaded into the n8n process under test (NODE_OPTIONS=--require): any TCP connection to an
 * address that is not loopback is refused before DNS, and written to FF_NET_GUARD_LOG so the tests
 * can assert that n8n with our package never tried to reach the internet.
 */
'use strict';
const net = require('node:net');
const fs = require('node:fs');

const logFile = process.env.FF_NET_GUARD_LOG;
const original = net.Socket.prototype.connect;

function isLoopback(host) {
	if (!host || host === 'localhost') return true;
	const h = String(host).replace(/^\[|\]$/g, '');
	return h === '::1' || /^127\./.test(h) || /^::ffff:127\./.test(h);
}

net.Socket.prototype.connect = function guardedConnect(...args) {
	let opts = args[0];
	if (Array.isArray(opts)) opts = opts[0];
	let host;
	let port;
	if (opts && typeof opts === 'object') {
		if (opts.path) return original.apply(this, args);
		host = opts.host;
		port = opts.port;
	} else {
		port = args[0];
		host = typeof args[1] === 'string' ? args[1] : undefined;
	}
	if (!isLoopback(host)) {
		if (logFile) {
			try {
				fs.appendFileSync(logFile, `${new Date().toISOString()} pid=${process.pid} ${host}:${port}\n`);
			} catch {}
		}
		const err = Object.assign(new Error(`network guard: connection to ${host}:${port} blocked (tests use 127.0.0.1 only)`), { code: 'ECONNREFUSED' });
		process.nextTick(() => this.destroy(err));
		return this;
	}
	return original.apply(this, args);
};
