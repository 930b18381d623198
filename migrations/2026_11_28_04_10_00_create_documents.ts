// Documents, books and their numbering, files, workflow history (issue: documents; DOMAIN.md §3).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create extension if not exists pg_trgm`.execute(db);

  // Content-addressed blobs: the same bytes are stored once, a stored blob is never overwritten.
  await db.schema
    .createTable('blob')
    .addColumn('sha256', 'text', (c) => c.primaryKey())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // Sổ văn bản: per agency, per direction, per year; several per agency allowed (Decree 30 Art. 15, 22).
  await db.schema
    .createTable('register_book')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('agency_id', 'bigint', (c) => c.notNull().references('agency.id'))
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('type_codes', sql`text[]`)
    .addColumn('next_number', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('closed', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('register_book_direction_check', sql`direction in ('incoming', 'outgoing')`)
    .addUniqueConstraint('register_book_unique_name', ['agency_id', 'direction', 'year', 'name'])
    .execute();

  await db.schema
    .createTable('document')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('agency_id', 'bigint', (c) => c.notNull().references('agency.id'))
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('manual'))
    .addColumn('type_code', 'text', (c) => c.notNull())
    .addColumn('type_name', 'text', (c) => c.notNull())
    .addColumn('code_number', 'text')
    .addColumn('code_notation', 'text')
    .addColumn('promulgation_date', 'date')
    .addColumn('place', 'text')
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('content', 'text')
    .addColumn('issuer_code', 'text')
    .addColumn('issuer_name', 'text')
    .addColumn('signer_competence', 'text')
    .addColumn('signer_position', 'text')
    .addColumn('signer_full_name', 'text')
    .addColumn('urgency', 'smallint', (c) => c.notNull().defaultTo(0))
    .addColumn('due_date', 'date')
    .addColumn('page_amount', 'integer')
    .addColumn('promulgation_amount', 'integer')
    .addColumn('external_id', 'text')
    .addColumn('book_id', 'bigint', (c) => c.references('register_book.id'))
    .addColumn('book_number', 'integer')
    .addColumn('registered_at', 'timestamptz')
    .addColumn('drafting_unit_id', 'bigint', (c) => c.references('unit.id'))
    .addColumn('created_by', 'bigint', (c) => c.references('app_user.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('completed_at', 'timestamptz')
    // Diacritic-folded text of every searched field (filled by the service with foldDiacritics).
    .addColumn('search_folded', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('extracted_text', 'text')
    .addCheckConstraint('document_direction_check', sql`direction in ('incoming', 'outgoing')`)
    .addCheckConstraint('document_urgency_check', sql`urgency between 0 and 3`)
    .addCheckConstraint('document_subject_length', sql`char_length(subject) <= 1000`)
    .execute();
  await sql`create index document_inbox_idx on document (agency_id, direction, state, urgency desc, id desc)`.execute(db);
  await sql`create index document_list_idx on document (agency_id, direction, id desc)`.execute(db);
  await sql`create unique index document_book_number_unique on document (book_id, book_number) where book_number is not null`.execute(db);
  await sql`create index document_external_idx on document (agency_id, external_id) where external_id is not null`.execute(db);
  await sql`create index document_dup_idx on document (agency_id, code_number, code_notation, promulgation_date)`.execute(db);
  await sql`create index document_search_trgm_idx on document using gin (search_folded gin_trgm_ops)`.execute(db);

  // Every number given out by a book, including cancelled ones: a cancelled number stays recorded.
  await db.schema
    .createTable('book_entry')
    .addColumn('book_id', 'bigint', (c) => c.notNull().references('register_book.id'))
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('document_id', 'bigint', (c) => c.notNull().references('document.id'))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
    .addColumn('cancel_reason', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('created_by', 'bigint', (c) => c.references('app_user.id'))
    .addPrimaryKeyConstraint('book_entry_pk', ['book_id', 'number'])
    .addCheckConstraint('book_entry_status_check', sql`status in ('active', 'cancelled')`)
    .execute();

  await db.schema
    .createTable('document_file')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('document_id', 'bigint', (c) => c.notNull().references('document.id'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('blob_sha256', 'text', (c) => c.notNull().references('blob.sha256'))
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('text_status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('created_by', 'bigint', (c) => c.references('app_user.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('document_file_role_check', sql`role in ('main', 'attachment', 'scan', 'draft', 'evidence')`)
    .execute();
  await db.schema.createIndex('document_file_document_idx').on('document_file').column('document_id').execute();

  // Who handles an incoming document: one lead (chủ trì), co-handlers (phối hợp), for information (để biết).
  await db.schema
    .createTable('document_assignment')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('document_id', 'bigint', (c) => c.notNull().references('document.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('unit_id', 'bigint', (c) => c.references('unit.id'))
    .addColumn('user_id', 'bigint', (c) => c.references('app_user.id'))
    .addColumn('deadline', 'date')
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('assigned_by', 'bigint', (c) => c.references('app_user.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('document_assignment_kind_check', sql`kind in ('lead', 'co', 'info')`)
    .addCheckConstraint('document_assignment_target_check', sql`(unit_id is null) <> (user_id is null)`)
    .execute();
  // Exactly one active lead per document (Decision 42/2014: one lead per task).
  await sql`create unique index document_assignment_one_lead on document_assignment (document_id) where kind = 'lead' and active`.execute(db);
  await sql`create index document_assignment_user_idx on document_assignment (user_id, active) where user_id is not null`.execute(db);
  await sql`create index document_assignment_unit_idx on document_assignment (unit_id, active) where unit_id is not null`.execute(db);

  // Recipients of an outgoing document (nơi nhận): internal units or other agencies.
  await db.schema
    .createTable('document_recipient')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('document_id', 'bigint', (c) => c.notNull().references('document.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('unit_id', 'bigint', (c) => c.references('unit.id'))
    .addColumn('agency_code', 'text')
    .addColumn('agency_name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('status_note', 'text')
    .addColumn('remote_number', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('document_recipient_kind_check', sql`kind in ('unit', 'agency')`)
    .execute();
  await db.schema.createIndex('document_recipient_document_idx').on('document_recipient').column('document_id').execute();

  // Timeline (luồng xử lý): one row per transition, written in the transition's transaction.
  await db.schema
    .createTable('document_event')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('document_id', 'bigint', (c) => c.notNull().references('document.id'))
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('actor_user_id', 'bigint', (c) => c.references('app_user.id'))
    .addColumn('actor_label', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('from_state', 'text')
    .addColumn('to_state', 'text')
    .addColumn('note', 'text')
    .addColumn('data', 'jsonb')
    .execute();
  await db.schema.createIndex('document_event_document_idx').on('document_event').columns(['document_id', 'id']).execute();

  await db.schema
    .createTable('document_link')
    .addColumn('from_id', 'bigint', (c) => c.notNull().references('document.id'))
    .addColumn('to_id', 'bigint', (c) => c.notNull().references('document.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('document_link_pk', ['from_id', 'to_id', 'kind'])
    .addCheckConstraint('document_link_kind_check', sql`kind in ('reply_to', 'replaces', 'revokes', 'updates')`)
    .execute();

  // Review chain for outgoing drafts, per agency (e.g. ['head', 'leader']).
  await db.schema
    .createTable('agency_setting')
    .addColumn('agency_id', 'bigint', (c) => c.primaryKey().references('agency.id'))
    .addColumn('review_chain', sql`text[]`, (c) => c.notNull().defaultTo(sql`array['head','leader']::text[]`))
    .execute();

  await db.schema
    .createTable('saved_search')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('app_user.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('query', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['saved_search', 'agency_setting', 'document_link', 'document_event', 'document_recipient', 'document_assignment', 'document_file', 'book_entry', 'document', 'register_book', 'blob']) {
    await db.schema.dropTable(t).execute();
  }
}
