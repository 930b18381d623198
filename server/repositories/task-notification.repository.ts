// In-app notifications (the bell) and the record of what was sent, keyed so nothing is sent twice.
import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';

export const notificationRepository = {
  async insert(db: Executor, n: { userId: string; taskId: string | null; kind: string; title: string; body: string }): Promise<string> {
    return (await db.insertInto('notification').values(n).returning('id').executeTakeFirstOrThrow()).id;
  },

  /** Claims a dedupe key; false when it was already sent (a second run of the job). */
  async claim(db: Executor, s: { dedupeKey: string; userId: string; taskId: string | null; emailTo: string | null; emailSubject: string | null; emailText: string | null }): Promise<string | null> {
    const r = await db.insertInto('sentNotification').values(s).onConflict((oc) => oc.column('dedupeKey').doNothing()).returning('id').executeTakeFirst();
    return r?.id ?? null;
  },

  async link(db: Executor, sentId: string, notificationId: string): Promise<void> {
    await db.updateTable('sentNotification').set({ notificationId }).where('id', '=', sentId).execute();
  },

  async unreadCount(db: Executor, userId: string): Promise<number> {
    const r = await db.selectFrom('notification').select((eb) => eb.fn.countAll<string>().as('n')).where('userId', '=', userId).where('readAt', 'is', null).executeTakeFirstOrThrow();
    return Number(r.n);
  },

  recent(db: Executor, userId: string, limit = 100) {
    return db.selectFrom('notification').selectAll().where('userId', '=', userId).orderBy('id', 'desc').limit(limit).execute();
  },

  async markRead(db: Executor, userId: string, ids: string[] | 'all'): Promise<number> {
    let q = db.updateTable('notification').set({ readAt: new Date() }).where('userId', '=', userId).where('readAt', 'is', null);
    if (ids !== 'all') q = q.where('id', 'in', ids.length ? ids : ['0']);
    return Number((await q.executeTakeFirst()).numUpdatedRows);
  },

  /** Takes a batch of e-mails to send; SKIP LOCKED lets two workers share the work. */
  async claimPendingMail(db: Executor, limit: number, maxAttempts: number) {
    const r = await sql<{ id: string; emailTo: string; emailSubject: string; emailText: string }>`
      update sent_notification s set email_attempts = email_attempts + 1
      where s.id in (select id from sent_notification where email_to is not null and email_sent_at is null
                     and email_attempts < ${maxAttempts} order by id limit ${limit} for update skip locked)
      returning s.id::text as id, s.email_to as "emailTo", s.email_subject as "emailSubject", s.email_text as "emailText"`.execute(db);
    return r.rows;
  },

  async markMailSent(db: Executor, id: string): Promise<void> {
    await db.updateTable('sentNotification').set({ emailSentAt: new Date(), emailError: null }).where('id', '=', id).execute();
  },

  async markMailFailed(db: Executor, id: string, error: string): Promise<void> {
    await db.updateTable('sentNotification').set({ emailError: error.slice(0, 500) }).where('id', '=', id).execute();
  },
};
