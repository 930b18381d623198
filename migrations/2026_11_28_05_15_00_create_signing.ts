// Signing credentials (PKCS#12 encrypted at rest), signing requests driven by the signing workers,
// and stored signature verifications per file (issue 4 items 2, 7, 9).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // One active credential per person and per agency. The PKCS#12 is AES-256-GCM encrypted under the
  // configured credential key; the passphrase is never stored. The certificate chain is public and
  // kept in clear so workers can prepare a signature without any secret.
  await db.schema
    .createTable('signing_credential')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('owner_kind', 'text', (c) => c.notNull())
    .addColumn('user_id', 'bigint', (c) => c.references('app_user.id'))
    .addColumn('agency_id', 'bigint', (c) => c.references('agency.id'))
    .addColumn('p12_encrypted', 'bytea', (c) => c.notNull())
    .addColumn('chain_der', sql`bytea[]`, (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('serial_hex', 'text', (c) => c.notNull())
    .addColumn('not_before', 'timestamptz', (c) => c.notNull())
    .addColumn('not_after', 'timestamptz', (c) => c.notNull())
    .addColumn('key_usage', sql`text[]`, (c) => c.notNull())
    .addColumn('image_png', 'bytea')
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_by', 'bigint', (c) => c.references('app_user.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('signing_credential_owner_check', sql`(owner_kind = 'user' and user_id is not null and agency_id is null) or (owner_kind = 'agency' and agency_id is not null and user_id is null)`)
    .execute();
  await sql`create unique index signing_credential_one_user on signing_credential (user_id) where active and owner_kind = 'user'`.execute(db);
  await sql`create unique index signing_credential_one_agency on signing_credential (agency_id) where active and owner_kind = 'agency'`.execute(db);

  // One row per signature to make on one file. Status: preparing → prepared → signed (signature
  // value written by the web request that held the passphrase) → done | failed.
  await db.schema
    .createTable('signing_request')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('document_id', 'bigint', (c) => c.notNull().references('document.id'))
    .addColumn('source_file_id', 'bigint', (c) => c.notNull().references('document_file.id'))
    .addColumn('credential_id', 'bigint', (c) => c.notNull().references('signing_credential.id'))
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('params', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('preparing'))
    .addColumn('prepared_sha256', 'text', (c) => c.references('blob.sha256'))
    .addColumn('prepared_meta', 'jsonb')
    .addColumn('signature_value', 'bytea')
    .addColumn('result_file_id', 'bigint', (c) => c.references('document_file.id'))
    .addColumn('error', 'text')
    .addColumn('batch_id', 'uuid')
    .addColumn('requested_by', 'bigint', (c) => c.notNull().references('app_user.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('signing_request_status_check', sql`status in ('preparing', 'prepared', 'signed', 'done', 'failed')`)
    .addCheckConstraint('signing_request_kind_check', sql`kind in ('leader', 'agency', 'attachment')`)
    .addCheckConstraint('signing_request_action_check', sql`action in ('sign', 'number')`)
    .execute();
  // A file is signed at most once per action: a second request while one is open or done is refused.
  await sql`create unique index signing_request_one_open on signing_request (source_file_id, action) where status <> 'failed'`.execute(db);
  // A result file belongs to exactly one request: a duplicated completion cannot add a second version.
  await sql`create unique index signing_request_result_unique on signing_request (result_file_id) where result_file_id is not null`.execute(db);
  await sql`create index signing_request_document_idx on signing_request (document_id, id desc)`.execute(db);
  await sql`create index signing_request_pending_idx on signing_request (status, updated_at) where status in ('preparing', 'signed')`.execute(db);

  await db.schema
    .createTable('signature_verification')
    .addColumn('file_id', 'bigint', (c) => c.primaryKey().references('document_file.id'))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('verdict', 'text')
    .addColumn('message', 'text')
    .addColumn('signatures', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('verified_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('signature_verification_status_check', sql`status in ('pending', 'done')`)
    .addCheckConstraint('signature_verification_verdict_check', sql`verdict is null or verdict in ('valid', 'invalid', 'unsigned', 'error')`)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('signature_verification').execute();
  await db.schema.dropTable('signing_request').execute();
  await db.schema.dropTable('signing_credential').execute();
}
