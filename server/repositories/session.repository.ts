import type { Executor } from '../db/database.ts';

export const sessionRepository = {
  async insert(db: Executor, s: { idHash: string; userId: string; activeAgencyId: string | null; expiresAt: Date; userAgent: string | null; ip: string | null }): Promise<void> {
    await db.insertInto('session').values(s).execute();
  },

  findValid(db: Executor, idHash: string) {
    return db
      .selectFrom('session as s')
      .innerJoin('appUser as u', 'u.id', 's.userId')
      .select(['s.idHash', 's.userId', 's.activeAgencyId', 's.expiresAt', 'u.username', 'u.fullName', 'u.position', 'u.active'])
      .where('s.idHash', '=', idHash)
      .where('s.expiresAt', '>', new Date())
      .executeTakeFirst();
  },

  async delete(db: Executor, idHash: string): Promise<void> {
    await db.deleteFrom('session').where('idHash', '=', idHash).execute();
  },

  async deleteForUser(db: Executor, userId: string, exceptIdHash?: string): Promise<void> {
    let q = db.deleteFrom('session').where('userId', '=', userId);
    if (exceptIdHash) q = q.where('idHash', '<>', exceptIdHash);
    await q.execute();
  },

  async setActiveAgency(db: Executor, idHash: string, agencyId: string): Promise<void> {
    await db.updateTable('session').set({ activeAgencyId: agencyId }).where('idHash', '=', idHash).execute();
  },

  async purgeExpired(db: Executor): Promise<number> {
    const r = await db.deleteFrom('session').where('expiresAt', '<=', new Date()).executeTakeFirst();
    return Number(r.numDeletedRows);
  },
};
