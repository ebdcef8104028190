/** SOQL literals and Salesforce times. */
import { SyncError } from '../../errors';

/** Escape a value for a SOQL string literal. */
export function soqlString(v: string): string {
	return `'${String(v).replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}'`;
}
/** Escape a value for a SOQL LIKE pattern (wildcards taken literally). */
export function soqlLike(v: string): string {
	return soqlString(v).replace(/%/g, '\\%').replace(/_/g, '\\_');
}
/** ISO time → SOQL datetime literal (UTC, with milliseconds). */
export function soqlDateTime(iso: string): string {
	const t = Date.parse(iso);
	if (!Number.isFinite(t)) throw new SyncError({ kind: 'validation', message: `Invalid cursor time: ${iso}` });
	return new Date(t).toISOString();
}
/** Salesforce's 2024-05-01T10:00:00.000+0000 → ISO. */
export function sfTimeToIso(v: unknown): string {
	if (typeof v !== 'string') return '';
	const t = Date.parse(v.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
	return Number.isFinite(t) ? new Date(t).toISOString() : v;
}
