/**
 * The store never receives credentials. This guard makes sure a bug can't persist one anyway:
 * any JSON the store writes (link baselines, error payloads, conflict values) is checked for keys
 * that name a secret, and the write is refused.
 */

/** Key names (compared case-insensitively, ignoring '_' and '-') that hold secrets. */
export const SECRET_KEYS = ['accessToken', 'refreshToken', 'apiKey', 'password', 'clientSecret', 'apiToken'];

const normalized = new Set(SECRET_KEYS.map(normalizeKey));

function normalizeKey(key: string): string {
	return key.replace(/[_\-\s]/g, '').toLowerCase();
}

export class SecretInPayloadError extends Error {
	constructor(
		readonly what: string,
		readonly keyPath: string,
	) {
		super(
			`Refusing to store ${what}: it contains the key "${keyPath}", which looks like a credential. ` +
				'Secrets must never be written to the sync store; remove the field before saving.',
		);
		this.name = 'SecretInPayloadError';
	}
}

/** Throws SecretInPayloadError if value (recursively) has a key naming a secret. */
export function assertNoSecrets(value: unknown, what: string): void {
	const seen = new Set<unknown>();
	const visit = (v: unknown, path: string, depth: number): void => {
		if (v === null || typeof v !== 'object' || depth > 64 || seen.has(v)) return;
		seen.add(v);
		if (Array.isArray(v)) {
			v.forEach((item, i) => visit(item, `${path}[${i}]`, depth + 1));
			return;
		}
		for (const [key, child] of Object.entries(v as Record<string, unknown>)) {
			const childPath = path ? `${path}.${key}` : key;
			if (normalized.has(normalizeKey(key))) throw new SecretInPayloadError(what, childPath);
			visit(child, childPath, depth + 1);
		}
	};
	visit(value, '', 0);
}
