/** Cursors: where each side's next read starts; they only move forward when asked to. */
import type { CrmName } from '../crm/types';
import { toIso, normalizeTime, requireText, StorePart } from './sql';
import type { SetCursorOptions } from './types';

export class Cursors extends StorePart {

	async getCursor(crm: CrmName, key: string): Promise<string | null> {
		const rows = await this.db.all<{ value: unknown }>(
			'SELECT value FROM ff_cursors WHERE crm = ? AND cursor_key = ?',
			[crm, key],
		);
		return rows.length ? String(rows[0].value) : null;
	}

	async setCursor(crm: CrmName, key: string, value: string, options: SetCursorOptions = {}): Promise<boolean> {
		requireText(key, 'cursor key');
		let stored = normalizeTime(requireText(value, 'cursor value')) as string;
		if (options.onlyForward) stored = toIso(value, `cursor value for ${crm} ${key}`);
		// The comparison happens inside the upsert, so two workers can't move a cursor backwards.
		return (
			(await this.db.run(
				`INSERT INTO ff_cursors (crm, cursor_key, value, updated_at) VALUES (?, ?, ?, ?)
				 ON CONFLICT (crm, cursor_key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
				 ${options.onlyForward ? 'WHERE ff_cursors.value < excluded.value' : ''}`,
				[crm, key, stored, this.nowIso()],
			)) > 0
		);
	}
}
