/**
 * The axios adapter we give the SDK: fetch, and on a non-2xx answer a PipedriveHttpError that keeps
 * status, headers and body (the SDK's own interceptor would keep the body only).
 */
import { malformedAnswer } from '../../errors';

/** An HTTP answer outside 2xx, with what the SDK would otherwise throw away. */
export class PipedriveHttpError extends Error {
	constructor(
		readonly status: number,
		readonly headers: Record<string, string>,
		readonly body: unknown,
		/** The keys of the JSON body that was sent (custom_fields' keys too): what a 400 may be about. */
		readonly sentKeys: string[] = [],
	) {
		super(`HTTP ${status}`);
		this.name = 'PipedriveHttpError';
	}
}

interface AdapterRequest {
	url?: string;
	method?: string;
	headers?: unknown;
	data?: unknown;
	timeout?: number;
	signal?: AbortSignal;
}

/** Told about every request: when it is sent, and the headers of its answer (any status). */
export interface TransportHooks {
	sent?: () => void;
	/** `headers` undefined: no answer (network error, timeout). */
	answered?: (headers: Record<string, string> | undefined) => void;
}

/** An axios adapter (the request as axios prepared it) implemented with fetch. */
export function makeFetchAdapter(defaultTimeoutMs: number, hooks: TransportHooks = {}) {
	return async (config: AdapterRequest) => {
		hooks.sent?.();
		let answered = false;
		try {
			return await send(config, defaultTimeoutMs, (h) => {
				answered = true;
				hooks.answered?.(h);
			});
		} finally {
			if (!answered) hooks.answered?.(undefined);
		}
	};
}

async function send(config: AdapterRequest, defaultTimeoutMs: number, onHeaders: (h: Record<string, string>) => void) {
	const h = config.headers as { toJSON?: () => Record<string, unknown> } | Record<string, unknown> | undefined;
	const flat = (h && typeof (h as { toJSON?: unknown }).toJSON === 'function' ? (h as { toJSON: () => Record<string, unknown> }).toJSON() : (h ?? {})) as Record<string, unknown>;
	const headers: Record<string, string> = {};
	for (const [k, v] of Object.entries(flat)) if (v !== undefined && v !== null && v !== false) headers[k] = String(v);
	const signals = [AbortSignal.timeout(config.timeout || defaultTimeoutMs)];
	if (config.signal) signals.push(config.signal);
	const res = await fetch(String(config.url), {
		method: (config.method ?? 'get').toUpperCase(),
		headers,
		body: config.data === undefined || config.data === null ? undefined : typeof config.data === 'string' ? config.data : JSON.stringify(config.data),
		signal: AbortSignal.any(signals),
	});
	const resHeaders: Record<string, string> = {};
	res.headers.forEach((v, k) => (resHeaders[k] = v));
	onHeaders(resHeaders);
	const text = await res.text();
	let data: unknown = text;
	try {
		data = text ? JSON.parse(text) : '';
	} catch {
		if (res.ok) throw malformedAnswer('Pipedrive', `${(config.method ?? 'get').toUpperCase()} ${new URL(String(config.url)).pathname}`);
		throw new PipedriveHttpError(res.status, resHeaders, { error: `Pipedrive answered with a body that is not JSON (HTTP ${res.status})` });
	}
	if (!res.ok) throw new PipedriveHttpError(res.status, resHeaders, data, bodyKeys(config.data));
	return { data, status: res.status, statusText: res.statusText, headers: resHeaders, config, request: {} };
}

function bodyKeys(data: unknown): string[] {
	let body: unknown = data;
	if (typeof data === 'string') {
		try {
			body = JSON.parse(data);
		} catch {
			return [];
		}
	}
	if (!body || typeof body !== 'object' || Array.isArray(body)) return [];
	const keys = Object.keys(body);
	const custom = (body as { custom_fields?: unknown }).custom_fields;
	if (custom && typeof custom === 'object') for (const k of Object.keys(custom)) keys.push(k, `custom_fields.${k}`);
	return keys;
}
