// Interconnection axis (issue 5; DOMAIN.md §5, QCVN 102:2016): a durable outbox written in the same
// transaction as the workflow step that causes it, and an inbox keyed so that a redelivered package
// gets the same receipt id. Frozen in time: no imports from server/ (STYLE.md convention 3).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // One row per package to send to one recipient agency (document, status receipt, recall, or a
  // package forwarded for another node). The signed bytes are frozen at the first attempt, so every
  // retry sends exactly the same package; rows of one (edxml_document_id, target_code) are sent in
  // id order (ordered per document: a recall never overtakes the document it recalls).
  await db.schema
    .createTable('axis_outbox')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('document_id', 'bigint', (c) => c.references('document.id'))
    .addColumn('recipient_id', 'bigint', (c) => c.references('document_recipient.id'))
    .addColumn('agency_id', 'bigint', (c) => c.references('agency.id'))
    .addColumn('from_code', 'text', (c) => c.notNull())
    .addColumn('target_code', 'text', (c) => c.notNull())
    .addColumn('edxml_document_id', 'text')
    .addColumn('business_type', 'integer')
    .addColumn('status_code', 'text')
    .addColumn('description', 'text')
    .addColumn('inbox_id', 'bigint')
    .addColumn('package', 'bytea')
    .addColumn('trace', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('give_up_at', 'timestamptz')
    .addColumn('last_error', 'text')
    .addColumn('receipt_id', 'text')
    .addColumn('peer', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('sent_at', 'timestamptz')
    .addColumn('register_due', 'date')
    .addColumn('flagged_at', 'timestamptz')
    .addCheckConstraint('axis_outbox_kind_check', sql`kind in ('document', 'status', 'forward')`)
    .addCheckConstraint('axis_outbox_state_check', sql`state in ('pending', 'sent', 'rejected', 'expired')`)
    .execute();
  await db.schema.createIndex('axis_outbox_pending_idx').on('axis_outbox').columns(['state', 'next_attempt_at']).where(sql.ref('state'), '=', 'pending').execute();
  await db.schema.createIndex('axis_outbox_group_idx').on('axis_outbox').columns(['edxml_document_id', 'target_code', 'id']).execute();
  await db.schema.createIndex('axis_outbox_document_idx').on('axis_outbox').column('document_id').execute();

  // Every package that arrived, stored before the receipt is answered. The unique key is the
  // idempotency key of the transport: (sender, DocumentId, business type, recipient).
  await db.schema
    .createTable('axis_inbox')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('receipt_id', 'uuid', (c) => c.notNull().unique().defaultTo(sql`gen_random_uuid()`))
    .addColumn('sender_code', 'text', (c) => c.notNull())
    .addColumn('edxml_document_id', 'text', (c) => c.notNull())
    .addColumn('business_type', 'text', (c) => c.notNull())
    .addColumn('recipient_code', 'text', (c) => c.notNull())
    .addColumn('package_sha256', 'text', (c) => c.notNull())
    .addColumn('package', 'bytea', (c) => c.notNull())
    .addColumn('trace', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('from_node', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('agency_id', 'bigint', (c) => c.references('agency.id'))
    .addColumn('document_id', 'bigint', (c) => c.references('document.id'))
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('claimed_at', 'timestamptz')
    .addColumn('processed_at', 'timestamptz')
    .addUniqueConstraint('axis_inbox_key', ['sender_code', 'edxml_document_id', 'business_type', 'recipient_code'])
    .addCheckConstraint('axis_inbox_state_check', sql`state in ('stored', 'processing', 'processed', 'forwarded', 'rejected')`)
    .execute();
  await db.schema.createIndex('axis_inbox_document_idx').on('axis_inbox').column('document_id').execute();
  await db.schema.createIndex('axis_inbox_pending_idx').on('axis_inbox').column('state').where(sql.ref('state'), 'in', ['stored', 'processing']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('axis_inbox').execute();
  await db.schema.dropTable('axis_outbox').execute();
}
