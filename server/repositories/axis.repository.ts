// Every SQL query of the axis area (outbox, inbox). Repositories take the executor so that the
// service owns the transaction (STYLE.md convention 2).
import { sql, type Insertable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { AxisInboxRow, AxisInboxTable, AxisOutboxRow, AxisOutboxTable } from '../db/tables/axis.tables.ts';

export const AXIS_NOTIFY_CHANNEL = 'axis_outbox';

/** An inbox row without the package bytes (read only to re-verify a stored package: `inboxPackage`). */
export type AxisInboxEntry = Omit<AxisInboxRow, 'package'>;
const INBOX_ENTRY = ['id', 'receiptId', 'senderCode', 'edxmlDocumentId', 'businessType', 'recipientCode', 'packageSha256', 'trace', 'fromNode', 'state', 'reason', 'agencyId', 'documentId', 'receivedAt', 'claimedAt', 'processedAt'] as const satisfies readonly (keyof AxisInboxEntry)[];

export const axisRepository = {
  /** Remembers a signed request; false when it was seen already (a replay inside the window). */
  async rememberRequest(db: Executor, peer: string, requestId: string): Promise<boolean> {
    const r = await db.insertInto('axisRequestSeen').values({ peer, requestId }).onConflict((oc) => oc.columns(['peer', 'requestId']).doNothing()).returning('peer').executeTakeFirst();
    return r !== undefined;
  },

  /** Forgets requests older than the window: their dates are refused by the clock check anyway. */
  async forgetRequestsBefore(db: Executor, before: Date): Promise<void> {
    await db.deleteFrom('axisRequestSeen').where('seenAt', '<', before).execute();
  },

  async insertOutbox(db: Executor, row: Insertable<AxisOutboxTable>): Promise<string> {
    const r = await db.insertInto('axisOutbox').values(row).returning('id').executeTakeFirstOrThrow();
    return r.id;
  },

  /** Wakes the delivery listener of this node when (and only if) the transaction commits. */
  async notifyOutbox(db: Executor): Promise<void> {
    await sql`select pg_notify(${AXIS_NOTIFY_CHANNEL}, '')`.execute(db);
  },

  findOutbox(db: Executor, id: string): Promise<AxisOutboxRow | undefined> {
    return db.selectFrom('axisOutbox').selectAll().where('id', '=', id).executeTakeFirst();
  },

  /**
   * Leases a pending row for one delivery attempt: only one worker wins (the row's next attempt
   * moves into the future); a worker that dies leaves the lease to expire and the sweep retries.
   */
  leaseOutbox(db: Executor, id: string, leaseMs: number): Promise<AxisOutboxRow | undefined> {
    return db
      .updateTable('axisOutbox')
      .set({ nextAttemptAt: sql<Date>`now() + ${`${leaseMs} milliseconds`}::interval` })
      .where('id', '=', id)
      .where('state', '=', 'pending')
      .where('nextAttemptAt', '<=', sql<Date>`now()`)
      .returningAll()
      .executeTakeFirst();
  },

  /** An earlier row of the same document and recipient still waiting: this one must wait for it. */
  async earlierPending(db: Executor, row: AxisOutboxRow): Promise<boolean> {
    if (!row.edxmlDocumentId) return false;
    const r = await db
      .selectFrom('axisOutbox')
      .select('id')
      .where('edxmlDocumentId', '=', row.edxmlDocumentId)
      .where('targetCode', '=', row.targetCode)
      .where('fromCode', '=', row.fromCode)
      .where('state', '=', 'pending')
      .where('id', '<', row.id)
      .limit(1)
      .executeTakeFirst();
    return !!r;
  },

  nextInGroup(db: Executor, row: AxisOutboxRow): Promise<{ id: string }[]> {
    if (!row.edxmlDocumentId) return Promise.resolve([]);
    return db
      .selectFrom('axisOutbox')
      .select('id')
      .where('edxmlDocumentId', '=', row.edxmlDocumentId)
      .where('targetCode', '=', row.targetCode)
      .where('fromCode', '=', row.fromCode)
      .where('state', '=', 'pending')
      .where('id', '>', row.id)
      .orderBy('id')
      .limit(1)
      .execute();
  },

  async updateOutbox(db: Executor, id: string, patch: Partial<Omit<Insertable<AxisOutboxTable>, 'id'>>): Promise<void> {
    await db.updateTable('axisOutbox').set(patch).where('id', '=', id).execute();
  },

  duePending(db: Executor, limit: number): Promise<{ id: string }[]> {
    return db.selectFrom('axisOutbox').select('id').where('state', '=', 'pending').where('nextAttemptAt', '<=', sql<Date>`now()`).orderBy('id').limit(limit).execute();
  },

  documentRowsOf(db: Executor, documentId: string): Promise<AxisOutboxRow[]> {
    return db.selectFrom('axisOutbox').selectAll().where('documentId', '=', documentId).where('kind', '=', 'document').orderBy('id').execute();
  },

  /** The outgoing row a status package from `fromCode` about `edxmlDocumentId` answers. */
  sentDocumentRow(db: Executor, edxmlDocumentId: string, recipientCode: string): Promise<AxisOutboxRow | undefined> {
    return db
      .selectFrom('axisOutbox')
      .selectAll()
      .where('kind', '=', 'document')
      .where('edxmlDocumentId', '=', edxmlDocumentId)
      .where('targetCode', '=', recipientCode)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
  },

  lateRecipients(db: Executor, today: string): Promise<AxisOutboxRow[]> {
    return db
      .selectFrom('axisOutbox as o')
      .innerJoin('documentRecipient as r', 'r.id', 'o.recipientId')
      .selectAll('o')
      .where('o.kind', '=', 'document')
      .where('o.flaggedAt', 'is', null)
      .where('o.registerDue', '<', today)
      .where('r.status', 'in', ['pending', 'sent', 'arrived'])
      .execute();
  },

  /**
   * An arriving package addressed here, in ONE statement (one round trip, one implicit
   * transaction, instead of BEGIN, four statements and COMMIT): the inbox row and, only when it is
   * new, the status 01 back to the sender with the wake-up of the delivery listener (delivered at
   * commit, as pg_notify in a transaction) and the audit entry — the same rows the transaction
   * wrote. Undefined when the key is stored already (a redelivery, or a concurrent one that won).
   */
  async storeArrival(
    db: Executor,
    row: { senderCode: string; edxmlDocumentId: string; businessType: string; recipientCode: string; packageSha256: string; package: Buffer; trace: string; fromNode: string; agencyId: string | null },
    status01: { description: string } | null,
    audit: { at: string; actorLabel: string; action: string; after: Record<string, unknown> },
  ): Promise<{ row: AxisInboxEntry; outboxId: string | null } | undefined> {
    const r = await sql<AxisInboxEntry & { outboxId: string | null; notified: string }>`
      with inbox as (
        insert into axis_inbox (sender_code, edxml_document_id, business_type, recipient_code, package_sha256, package, trace, from_node, state, agency_id)
        values (${row.senderCode}, ${row.edxmlDocumentId}, ${row.businessType}, ${row.recipientCode}, ${row.packageSha256}, ${row.package}, ${row.trace}, ${row.fromNode}, 'stored', ${row.agencyId})
        on conflict on constraint axis_inbox_key do nothing
        returning id, receipt_id, sender_code, edxml_document_id, business_type, recipient_code, package_sha256, trace, from_node, state, reason, agency_id, document_id, received_at, claimed_at, processed_at
      ), outbox as (
        insert into axis_outbox (kind, agency_id, from_code, target_code, edxml_document_id, status_code, description, inbox_id)
        select 'status', ${row.agencyId}::bigint, ${row.recipientCode}::text, ${row.senderCode}::text, ${row.edxmlDocumentId}::text, '01', ${status01?.description ?? ''}::text, inbox.id
        from inbox where ${status01 !== null}::boolean
        returning id
      ), audit as (
        insert into audit_log (at, actor_user_id, actor_label, agency_id, action, entity_type, entity_id, before, after)
        select ${audit.at}::timestamptz, null, ${audit.actorLabel}::text, ${row.agencyId}::bigint, ${audit.action}::text, 'axis_inbox', inbox.id::text, 'null'::jsonb,
          ${JSON.stringify(audit.after)}::jsonb || jsonb_build_object('receiptId', inbox.receipt_id)
        from inbox
      )
      select inbox.*, (select id from outbox) as outbox_id, (select count(pg_notify(${AXIS_NOTIFY_CHANNEL}::text, '')) from outbox) as notified
      from inbox`.execute(db);
    const stored = r.rows[0];
    if (!stored) return undefined;
    const { outboxId, notified: _notified, ...entry } = stored;
    return { row: entry as AxisInboxEntry, outboxId: outboxId === null ? null : String(outboxId) };
  },

  /** Insert, or return the row already stored under the same key (redelivery). */
  async insertInbox(db: Executor, row: Insertable<AxisInboxTable>): Promise<{ row: AxisInboxEntry; created: boolean }> {
    // The package goes in once; it is not sent back (returning it would copy every byte again).
    const inserted = await db
      .insertInto('axisInbox')
      .values(row)
      .onConflict((oc) => oc.constraint('axis_inbox_key').doNothing())
      .returning(INBOX_ENTRY)
      .executeTakeFirst();
    if (inserted) return { row: inserted, created: true };
    const existing = await axisRepository.inboxByKey(db, row);
    if (!existing) throw new Error('axis inbox row vanished between the insert and the read');
    return { row: existing, created: false };
  },

  /** The inbox row of (sender, DocumentId, business type, recipient), without its package. */
  inboxByKey(db: Executor, k: { senderCode: string; edxmlDocumentId: string; businessType: string; recipientCode: string }): Promise<AxisInboxEntry | undefined> {
    return db
      .selectFrom('axisInbox')
      .select(INBOX_ENTRY)
      .where('senderCode', '=', k.senderCode)
      .where('edxmlDocumentId', '=', k.edxmlDocumentId)
      .where('businessType', '=', k.businessType)
      .where('recipientCode', '=', k.recipientCode)
      .executeTakeFirst();
  },

  findInbox(db: Executor, id: string): Promise<AxisInboxRow | undefined> {
    return db.selectFrom('axisInbox').selectAll().where('id', '=', id).executeTakeFirst();
  },

  async inboxPackage(db: Executor, id: string): Promise<Buffer> {
    return (await db.selectFrom('axisInbox').select('package').where('id', '=', id).executeTakeFirstOrThrow()).package;
  },

  claimInbox(db: Executor, id: string, staleMs: number): Promise<AxisInboxEntry | undefined> {
    return db
      .updateTable('axisInbox')
      .set({ state: 'processing', claimedAt: sql<Date>`now()` })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('state', '=', 'stored'), eb.and([eb('state', '=', 'processing'), eb('claimedAt', '<', sql<Date>`now() - ${`${staleMs} milliseconds`}::interval`)])]))
      .returning(INBOX_ENTRY)
      .executeTakeFirst();
  },

  async updateInbox(db: Executor, id: string, patch: Partial<Omit<Insertable<AxisInboxTable>, 'id'>>): Promise<void> {
    await db.updateTable('axisInbox').set(patch).where('id', '=', id).execute();
  },

  unprocessedInbox(db: Executor, staleMs: number, limit: number): Promise<{ id: string }[]> {
    return db
      .selectFrom('axisInbox')
      .select('id')
      .where((eb) => eb.or([eb('state', '=', 'stored'), eb.and([eb('state', '=', 'processing'), eb('claimedAt', '<', sql<Date>`now() - ${`${staleMs} milliseconds`}::interval`)])]))
      .orderBy('id')
      .limit(limit)
      .execute();
  },

  /** The document inbox row (business type new/replace/update) of a package, processed or not. */
  documentInbox(db: Executor, senderCode: string, edxmlDocumentId: string, recipientCode: string): Promise<AxisInboxEntry[]> {
    return db
      .selectFrom('axisInbox')
      .select(INBOX_ENTRY)
      .where('senderCode', '=', senderCode)
      .where('edxmlDocumentId', '=', edxmlDocumentId)
      .where('recipientCode', '=', recipientCode)
      .where('businessType', 'like', 'doc:%')
      .orderBy('id')
      .execute();
  },

  inboxOfDocument(db: Executor, documentId: string): Promise<AxisInboxRow | undefined> {
    return db.selectFrom('axisInbox').selectAll().where('documentId', '=', documentId).where('businessType', 'like', 'doc:%').orderBy('id').limit(1).executeTakeFirst();
  },

  findAxisCopy(db: Executor, agencyId: string, externalId: string) {
    return db.selectFrom('document').selectAll().where('agencyId', '=', agencyId).where('externalId', '=', externalId).where('direction', '=', 'incoming').where('source', '=', 'axis').orderBy('id').limit(1).executeTakeFirst();
  },

  recent(db: Executor, limit: number) {
    return Promise.all([
      db.selectFrom('axisOutbox').select(['id', 'kind', 'fromCode', 'targetCode', 'edxmlDocumentId', 'statusCode', 'state', 'attempts', 'lastError', 'receiptId', 'peer', 'createdAt', 'sentAt', 'flaggedAt']).orderBy('id', 'desc').limit(limit).execute(),
      db.selectFrom('axisInbox').select(['id', 'receiptId', 'senderCode', 'recipientCode', 'edxmlDocumentId', 'businessType', 'state', 'reason', 'fromNode', 'receivedAt', 'documentId']).orderBy('id', 'desc').limit(limit).execute(),
    ]);
  },
};
