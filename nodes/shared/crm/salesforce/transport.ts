/**
 * jsforce's transport, wrapped: its blind retries off, the proxy skipped for loopback, and HTTP
 * errors raised here with status + headers (so every call is counted and classified by us).
 */
import { malformedAnswer } from '../../errors';
import { SalesforceHttpError } from './errors';

interface RawResponse {
	statusCode: number;
	headers: Record<string, string>;
	body: string;
}
export interface TransportLike {
	httpRequest(req: unknown, options?: Record<string, unknown>): Promise<RawResponse> & { stream(): unknown };
}

function requestPath(req: unknown): string {
	return String((req as { url?: string })?.url ?? '').replace(/^https?:\/\/[^/]+/, '').split('?')[0];
}

function toHttpError(res: RawResponse, path: string): SalesforceHttpError {
	let body: unknown = res.body;
	try {
		body = JSON.parse(res.body);
	} catch {
		/* not JSON */
	}
	const first = (Array.isArray(body) ? body[0] : body) as Record<string, unknown> | undefined;
	const code = (first?.errorCode ?? first?.error) as string | undefined;
	const fields = Array.isArray(first?.fields) ? (first!.fields as string[]) : undefined;
	const msg = Array.isArray(body)
		? (body as Array<{ message?: string }>).map((e) => e.message).filter(Boolean).join('; ')
		: String(first?.message ?? first?.error_description ?? res.body ?? '');
	return new SalesforceHttpError(res.statusCode, res.headers ?? {}, body, code, fields, msg || `HTTP ${res.statusCode}`, path);
}

function isJsonAnswer(res: RawResponse): boolean {
	const type = Object.entries(res.headers ?? {}).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '';
	return /json/i.test(String(type)) && typeof res.body === 'string' && res.body.trim() !== '';
}

function parsesAsJson(text: string): boolean {
	try {
		JSON.parse(text);
		return true;
	} catch {
		return false;
	}
}

/** Wrap a jsforce transport: no SDK retries, proxy skipped for loopback, HTTP errors keep status + headers. */
export function wrapTransport(inner: TransportLike, loopback: boolean): TransportLike {
	return {
		httpRequest(req, options = {}) {
			const sp = inner.httpRequest(req, {
				...options,
				retry: { maxRetries: 0, methods: [], statusCodes: [], errorCodes: [] },
				...(loopback ? { httpProxy: undefined } : {}),
			});
			const p = (async () => {
				const res = await sp;
				if (res && res.statusCode >= 400) throw toHttpError(res, requestPath(req));
				if (res && isJsonAnswer(res) && !parsesAsJson(res.body)) throw malformedAnswer('Salesforce', `${String((req as { method?: string })?.method ?? 'GET').toUpperCase()} ${requestPath(req)}`);
				return res;
			})();
			return Object.assign(p, { stream: () => sp.stream() });
		},
	};
}
