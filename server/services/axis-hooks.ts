// Integration point between the workflows and the interconnection axis: called inside the
// transaction of each step, so that what must be sent (the document to remote recipients, status
// packages 03 registered / 02 rejected / 04 assigned / 05 in progress / 06 done, recall 13 —
// DOMAIN.md §5) is written to the outbox atomically with the change. `pg_notify` inside the same
// transaction wakes the node's delivery listener exactly when the change commits.
import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { DocumentRow } from '../db/types.ts';
import { agencyRepository } from '../repositories/agency.repository.ts';
import { axisRepository } from '../repositories/axis.repository.ts';
import { documentIdOf } from './axis-package.service.ts';
import { recordTransition } from './document-transition.ts';

export type IncomingStatus = 'registered' | 'rejected' | 'assigned' | 'in_progress' | 'done';

export interface IncomingStatusEvent {
  documentId: string;
  agencyId: string;
  status: IncomingStatus;
  bookNumber: number | null;
  note: string | null;
}

const CODE_OF_STATUS: Record<IncomingStatus, string> = { registered: '03', rejected: '02', assigned: '04', in_progress: '05', done: '06' };

function descriptionOf(e: IncomingStatusEvent): string {
  switch (e.status) {
    case 'registered':
      return `Đã tiếp nhận, vào sổ văn bản đến, số đến: ${e.bookNumber ?? ''}`.trim();
    case 'rejected':
      return `Từ chối tiếp nhận: ${e.note ?? ''}`.trim();
    case 'assigned':
      return 'Đã phân công xử lý.';
    case 'in_progress':
      return 'Đang xử lý.';
    case 'done':
      return e.note ? `Hoàn thành: ${e.note}` : 'Đã hoàn thành xử lý.';
  }
}

/** Where a status of this incoming document goes: the sender's recipient row (local copy), the axis inbox row (copy from the axis), or nowhere. */
export type IncomingStatusTarget = { recipientId: string; inbox?: undefined } | { recipientId?: undefined; inbox: NonNullable<Awaited<ReturnType<typeof axisRepository.inboxOfDocument>>> } | null;

export async function incomingStatusTarget(trx: Executor, documentId: string, source?: string): Promise<IncomingStatusTarget> {
  // Only copies that arrived from a sender (delivered locally or over the axis: source 'axis') have
  // one to report to; a document entered by hand has none, and needs no lookup.
  if (source !== undefined && source !== 'axis') return null;
  // A copy delivered inside this node records the sender's recipient row on its 'receive' event
  // (outgoing.service releaseOutgoing); the status flows back through that row.
  const delivered = await trx
    .selectFrom('documentEvent')
    .select('data')
    .where('documentId', '=', documentId)
    .where('action', '=', 'receive')
    .executeTakeFirst();
  const recipientId = (delivered?.data as { recipientId?: string } | null)?.recipientId;
  if (recipientId) return { recipientId };
  const inbox = await axisRepository.inboxOfDocument(trx, documentId);
  return inbox ? { inbox } : null;
}

/** Status receipts: local copies update the sender's row directly; copies from the axis queue a status package. */
export async function onIncomingStatus(trx: Executor, e: IncomingStatusEvent): Promise<void> {
  await sendIncomingStatus(trx, await incomingStatusTarget(trx, e.documentId), e);
}

/** The writes of onIncomingStatus once the target is known (the lookup can be done before a number is taken). */
export async function sendIncomingStatus(trx: Executor, target: IncomingStatusTarget, e: IncomingStatusEvent): Promise<void> {
  const recipientId = target?.recipientId;
  if (recipientId) {
    await trx
      .updateTable('documentRecipient')
      .set({ status: e.status, statusNote: e.note, remoteNumber: e.bookNumber === null ? undefined : String(e.bookNumber), updatedAt: sql<Date>`now()` })
      .where('id', '=', recipientId)
      .execute();
    return;
  }
  // A copy that came over the axis: the status package goes back to the sender's node.
  const inbox = target?.inbox;
  if (!inbox) return;
  await axisRepository.insertOutbox(trx, {
    kind: 'status',
    agencyId: e.agencyId,
    fromCode: inbox.recipientCode,
    targetCode: inbox.senderCode,
    edxmlDocumentId: inbox.edxmlDocumentId,
    statusCode: CODE_OF_STATUS[e.status],
    description: descriptionOf(e).slice(0, 2000),
    inboxId: inbox.id,
  });
  await axisRepository.notifyOutbox(trx);
}

export interface OutgoingReleased {
  documentId: string;
  agencyId: string;
  /** Recipient rows of agencies not served by this node: to be delivered over the axis. */
  recipientIds: string[];
}

/** Called in the release transaction: one outbox row per remote recipient (store and forward). */
export async function onOutgoingReleased(trx: Executor, e: OutgoingReleased): Promise<void> {
  const doc = await trx.selectFrom('document').selectAll().where('id', '=', e.documentId).executeTakeFirstOrThrow();
  const agency = await agencyRepository.findById(trx, e.agencyId);
  const fromCode = agency?.qcvnCode ?? agency?.d20Code ?? doc.issuerCode ?? String(e.agencyId);
  const edxmlDocumentId = documentIdOf(doc, fromCode);
  const replaces = await trx.selectFrom('documentLink').select('kind').where('fromId', '=', doc.id).where('kind', 'in', ['replaces', 'updates']).executeTakeFirst();
  const businessType = replaces?.kind === 'replaces' ? 3 : replaces?.kind === 'updates' ? 2 : 0;
  for (const recipientId of e.recipientIds) {
    const r = await trx.selectFrom('documentRecipient').select(['id', 'agencyCode']).where('id', '=', recipientId).executeTakeFirstOrThrow();
    await axisRepository.insertOutbox(trx, { kind: 'document', documentId: doc.id, recipientId: r.id, agencyId: e.agencyId, fromCode, targetCode: r.agencyCode!, edxmlDocumentId, businessType });
  }
  await axisRepository.notifyOutbox(trx);
}

export interface OutgoingRecalled {
  documentId: string;
  agencyId: string;
  reason: string;
}

/**
 * Called in the recall transaction: a status 13 (lấy lại) to every remote recipient the document
 * went to; copies delivered inside this node are answered at once by the same rule as over the
 * axis (not registered yet → returned, 15; registered → kept, 16 with its số đến).
 */
export async function onOutgoingRecalled(trx: Executor, e: OutgoingRecalled): Promise<void> {
  await recallLocalCopies(trx, e);
  const rows = await axisRepository.documentRowsOf(trx, e.documentId);
  const seen = new Set<string>();
  for (const row of rows) {
    if (row.state === 'rejected' || row.state === 'expired' || seen.has(row.targetCode)) continue;
    seen.add(row.targetCode);
    await axisRepository.insertOutbox(trx, {
      kind: 'status',
      documentId: row.documentId,
      recipientId: row.recipientId,
      agencyId: e.agencyId,
      fromCode: row.fromCode,
      targetCode: row.targetCode,
      edxmlDocumentId: row.edxmlDocumentId,
      statusCode: '13',
      description: e.reason.slice(0, 2000),
    });
  }
  if (seen.size) await axisRepository.notifyOutbox(trx);
}

async function recallLocalCopies(trx: Executor, e: OutgoingRecalled): Promise<void> {
  const copies = await trx
    .selectFrom('documentEvent as ev')
    .innerJoin('document as d', 'd.id', 'ev.documentId')
    .selectAll('d')
    .select('ev.data as eventData')
    .where('ev.action', '=', 'receive')
    .where(sql<string>`ev.data->>'fromDocumentId'`, '=', String(e.documentId))
    .forUpdate()
    .execute();
  const actor = { userId: null, label: 'Trục liên thông văn bản' };
  for (const c of copies) {
    const { eventData, ...doc } = c as typeof c & { eventData: { recipientId?: string } | null };
    const recipientId = eventData?.recipientId;
    if (doc.state === 'received') {
      await recordTransition(trx, { doc: doc as DocumentRow, actor, action: 'axis_recalled', to: 'returned', note: `Bên gửi thu hồi: ${e.reason}`, patch: { returnReason: `Bên gửi thu hồi: ${e.reason}`.slice(0, 2000) } });
      if (recipientId) await trx.updateTable('documentRecipient').set({ status: 'recalled', statusNote: 'Đồng ý thu hồi: văn bản chưa vào sổ đã được trả lại.', updatedAt: sql<Date>`now()` }).where('id', '=', recipientId).execute();
    } else {
      await recordTransition(trx, { doc: doc as DocumentRow, actor, action: 'axis_recall_requested', to: doc.state, note: `Bên gửi đề nghị thu hồi: ${e.reason}` });
      // The recipient's row goes back to where the copy stands (the recall set it to recall_requested).
      const status = ({ assigned: 'assigned', in_progress: 'in_progress', done: 'done' } as Record<string, string>)[doc.state] ?? 'registered';
      if (recipientId) await trx.updateTable('documentRecipient').set({ status, statusNote: `Nơi nhận từ chối thu hồi: đã vào sổ đến số ${doc.bookNumber ?? '?'}.`, updatedAt: sql<Date>`now()` }).where('id', '=', recipientId).execute();
    }
  }
}
