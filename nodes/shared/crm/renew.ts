/**
 * OAuth access renewal for the adapters. The SDKs make their own HTTP calls, so whoever stores the
 * credential (n8n) never sees a 401: the adapter asks `RenewAccess` for a new access token when a
 * call is refused as expired, then sends that call once more. No n8n imports.
 */

/** A fresh access token (and the API base, when the token answer names one: Salesforce instance_url, Pipedrive api_domain). */
export interface RenewedAccess {
	accessToken: string;
	apiBase?: string;
}

/**
 * Get a valid access token other than `expiredToken`, stored where the credential lives (never in
 * memory only). Throws a SyncError (auth_expired) when the grant is gone (revoked or expired
 * refresh token): the user has to reconnect.
 */
export type RenewAccess = (expiredToken: string) => Promise<RenewedAccess>;

/**
 * One renewal at a time per adapter: concurrent calls refused with the same expired token share
 * it, and a call refused with a token that was already replaced just uses the current one.
 */
export class AccessRenewal {
	private pending?: Promise<RenewedAccess>;
	private current?: RenewedAccess;

	constructor(private readonly renew: RenewAccess) {}

	async next(failedToken: string): Promise<RenewedAccess> {
		if (this.current && this.current.accessToken !== failedToken) return this.current;
		if (!this.pending) {
			this.pending = this.renew(failedToken)
				.then((r) => {
					this.current = r;
					return r;
				})
				.finally(() => {
					this.pending = undefined;
				});
		}
		return this.pending;
	}
}
