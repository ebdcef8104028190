import { SyncError } from '../../nodes/shared/errors';

/** The SyncError a promise rejects with (fails the test when it resolves or rejects otherwise). */
export async function rejection(p: Promise<unknown>): Promise<SyncError> {
	try {
		await p;
	} catch (e) {
		expect(e).toBeInstanceOf(SyncError);
		return e as SyncError;
	}
	throw new Error('expected a rejection');
}
