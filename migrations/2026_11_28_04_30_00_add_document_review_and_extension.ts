// Review-chain position of an outgoing draft, and pending extension requests of incoming documents.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('document').addColumn('review_step', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('document').addColumn('direction_text', 'text').execute();
  await db.schema.alterTable('document').addColumn('handling_deadline', 'date').execute();
  await db.schema.alterTable('document').addColumn('extension_requested_to', 'date').execute();
  await db.schema.alterTable('document').addColumn('extension_reason', 'text').execute();
  await db.schema.alterTable('document').addColumn('return_reason', 'text').execute();
  await db.schema.createIndex('document_deadline_idx').on('document').columns(['agency_id', 'direction', 'handling_deadline']).where('handling_deadline', 'is not', null).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('document_deadline_idx').execute();
  for (const c of ['return_reason', 'extension_reason', 'extension_requested_to', 'handling_deadline', 'direction_text', 'review_step']) {
    await db.schema.alterTable('document').dropColumn(c).execute();
  }
}
