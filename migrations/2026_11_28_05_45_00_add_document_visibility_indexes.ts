// Indexes behind the visibility rule for people who see only their own documents (creator,
// assignments, drafts of the unit they head): without them a specialist's inbox scans the agency.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('document_created_by_idx').on('document').column('created_by').where('created_by', 'is not', null).execute();
  await db.schema.createIndex('document_assignment_document_idx').on('document_assignment').column('document_id').execute();
  await sql`create index document_drafting_unit_idx on document (drafting_unit_id) where drafting_unit_id is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const i of ['document_drafting_unit_idx', 'document_assignment_document_idx', 'document_created_by_idx']) await db.schema.dropIndex(i).execute();
}
