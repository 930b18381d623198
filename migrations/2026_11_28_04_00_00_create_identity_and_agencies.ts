// Agencies, units, users, roles, sessions and the audit log (issue: foundation).
// Frozen in time: no imports from server/ (STYLE.md convention 3).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // Levels are data (DOMAIN.md §2): the two-level reform of 2025 removed districts without a code change.
  await db.schema
    .createTable('agency_level')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('rank', 'integer', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('agency')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('qcvn_code', 'text', (c) => c.unique())
    .addColumn('d20_code', 'text', (c) => c.unique())
    .addColumn('level_code', 'text', (c) => c.notNull().references('agency_level.code'))
    .addColumn('parent_id', 'bigint', (c) => c.references('agency.id'))
    .addColumn('abbreviation', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
    .addColumn('successor_id', 'bigint', (c) => c.references('agency.id'))
    .addColumn('ended_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('agency_status_check', sql`status in ('active', 'merged', 'dissolved')`)
    .addCheckConstraint('agency_not_own_parent', sql`parent_id is null or parent_id <> id`)
    .execute();
  await db.schema.createIndex('agency_parent_idx').on('agency').column('parent_id').execute();

  // Names are effective-dated so that an old document keeps the issuer's name as it was.
  await db.schema
    .createTable('agency_name')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('agency_id', 'bigint', (c) => c.notNull().references('agency.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('valid_from', 'timestamptz', (c) => c.notNull())
    .addColumn('valid_to', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('agency_name_agency_idx')
    .on('agency_name')
    .columns(['agency_id', 'valid_from'])
    .execute();

  await db.schema
    .createTable('unit')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('agency_id', 'bigint', (c) => c.notNull().references('agency.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('abbreviation', 'text', (c) => c.notNull())
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('unit_agency_abbreviation_unique', ['agency_id', 'abbreviation'])
    .execute();

  await db.schema
    .createTable('app_user')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('full_name', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('position', 'text')
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('failed_logins', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_until', 'timestamptz')
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('password_changed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create unique index app_user_username_unique on app_user (lower(username))`.execute(db);

  // A person may hold several roles in several agencies and units (cán bộ kiêm nhiệm, DOMAIN.md §1).
  await db.schema
    .createTable('user_role')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('app_user.id').onDelete('cascade'))
    .addColumn('agency_id', 'bigint', (c) => c.notNull().references('agency.id'))
    .addColumn('unit_id', 'bigint', (c) => c.references('unit.id'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addCheckConstraint('user_role_role_check', sql`role in ('admin', 'clerk', 'specialist', 'head', 'leader')`)
    .execute();
  await sql`create unique index user_role_unique on user_role (user_id, agency_id, coalesce(unit_id, 0), role)`.execute(db);
  await db.schema.createIndex('user_role_agency_idx').on('user_role').columns(['agency_id', 'role']).execute();

  // Sessions: only the SHA-256 of the cookie value is stored, so a database leak gives no session.
  await db.schema
    .createTable('session')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('app_user.id').onDelete('cascade'))
    .addColumn('active_agency_id', 'bigint', (c) => c.references('agency.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('user_agent', 'text')
    .addColumn('ip', 'text')
    .execute();
  await db.schema.createIndex('session_user_idx').on('session').column('user_id').execute();
  await db.schema.createIndex('session_expires_idx').on('session').column('expires_at').execute();

  // Bearer tokens for other systems (API): stored hashed, shown once.
  await db.schema
    .createTable('api_token')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('app_user.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('last_used_at', 'timestamptz')
    .execute();

  // Append-only audit log, each entry chained to the previous by SHA-256.
  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('actor_user_id', 'bigint')
    .addColumn('actor_label', 'text', (c) => c.notNull())
    .addColumn('agency_id', 'bigint')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('entity_type', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text', (c) => c.notNull())
    .addColumn('before', 'jsonb')
    .addColumn('after', 'jsonb')
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await sql`create sequence audit_log_id_seq owned by audit_log.id`.execute(db);
  await db.schema.createIndex('audit_log_entity_idx').on('audit_log').columns(['entity_type', 'entity_id']).execute();
  await sql`
    create function audit_log_refuse_change() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_log is append-only';
    end $$`.execute(db);
  await sql`
    create trigger audit_log_append_only before update or delete on audit_log
    for each row execute function audit_log_refuse_change()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('audit_log').execute();
  await sql`drop function if exists audit_log_refuse_change()`.execute(db);
  for (const t of ['api_token', 'session', 'user_role', 'app_user', 'unit', 'agency_name', 'agency', 'agency_level']) {
    await db.schema.dropTable(t).execute();
  }
}
