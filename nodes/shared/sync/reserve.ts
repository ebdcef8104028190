/**
 * Create reservations: before the write phase creates a record in the CRM, its prospect is
 * reserved in the store (a link row without a CRM id), so two concurrent runs (queue-mode workers)
 * never create the same record. The commit replaces a reservation with the link, or releases it
 * when the create failed.
 */
import { hostname } from 'node:os';
import type { CrmName } from '../crm/types';
import { reservationHolder, type SyncStore } from '../store';
import type { Reservation } from './plan';

export interface ReserveOptions {
	/** A reservation older than this is taken over (crashed run). Default 15 minutes. */
	staleAfterMs?: number;
	/** Who reserves (default: this n8n process, `<host>#<pid>`). */
	holder?: string;
	/** Whether a reservation holder is a process that no longer runs (default: same host and its pid is gone). */
	isHolderDead?: (holder: string) => boolean;
}

/**
 * Takes the reservations; returns the FieldFlow ids granted. If the store fails midway, the ones
 * already granted are released before the error is passed on.
 */
export async function reserveCreates(store: SyncStore, crm: CrmName, object: string, reservations: Reservation[], options: ReserveOptions = {}): Promise<Set<string>> {
	const staleAfterMs = options.staleAfterMs ?? 15 * 60_000;
	const holder = options.holder ?? processHolder();
	const granted = new Set<string>();
	try {
		for (const r of reservations) {
			// A reservation left by a process that is gone (n8n killed mid-run) is taken over at once:
			// the duplicate check already linked whatever that process managed to create.
			const previous = r.pending ? reservationHolder(r.pending.message) : null;
			const takeOverFrom = previous && previous !== holder && (options.isHolderDead ?? isDeadHolder)(previous) ? previous : undefined;
			if (await store.reserveLink(crm, object, r.fieldflowId, r.pending ? { staleAfterMs, holder, takeOverFrom } : { holder })) granted.add(r.fieldflowId);
		}
	} catch (error) {
		await releaseReservations(store, crm, object, [...granted]);
		throw error;
	}
	return granted;
}

/** Releases reservations (a run that fails before its writes); never throws. */
export async function releaseReservations(store: SyncStore, crm: CrmName, object: string, fieldflowIds: string[]): Promise<void> {
	for (const id of fieldflowIds) await store.releaseReservation(crm, object, id).catch(() => false);
}

/** This n8n process as a reservation holder. */
export function processHolder(): string {
	return `${hostname()}#${process.pid}`;
}

/**
 * A holder is dead when it ran on this host and its process is gone. A holder on another host (a
 * queue-mode worker elsewhere) cannot be checked: its reservation waits for the stale window.
 */
export function isDeadHolder(holder: string): boolean {
	const m = /^(.*)#(\d+)$/.exec(holder);
	if (!m || m[1] !== hostname()) return false;
	const pid = Number(m[2]);
	if (pid === process.pid) return false;
	try {
		process.kill(pid, 0);
		return false;
	} catch (err) {
		return (err as NodeJS.ErrnoException).code === 'ESRCH';
	}
}
