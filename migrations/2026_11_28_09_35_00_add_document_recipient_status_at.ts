// A receipt's own time: the sender of a status package (edXML MessageHeader/Timestamp, QCVN
// 102:2016) says when the step happened on its side — `status_at`, kept as the recipient's word —
// while `updated_at` stays the time the receipt reached us, on our clock. Both are shown. Frozen in
// time: no imports from server/.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('document_recipient').addColumn('status_at', 'timestamptz').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('document_recipient').dropColumn('status_at').execute();
}
