// Interconnection axis: replay protection of signed node-to-node requests beyond the clock window
// (issue 5). Every accepted request is remembered by the SHA-256 of its signature (RSA PKCS#1 v1.5
// signatures are deterministic: the same request signed again gives the same value, and the signed
// text carries the date to the millisecond and the body hash) for as long as its date is inside
// the window; the sweep forgets older ones. Frozen in time: no imports from server/.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('axis_request_seen')
    .addColumn('peer', 'text', (c) => c.notNull())
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('axis_request_seen_pkey', ['peer', 'request_id'])
    .execute();
  await db.schema.createIndex('axis_request_seen_seen_at').on('axis_request_seen').column('seen_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('axis_request_seen').execute();
}
