import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { AppUser, Role } from '../db/types.ts';

export interface RoleGrant {
  agencyId: string;
  unitId: string | null;
  role: Role;
}

export const userRepository = {
  findByUsername(db: Executor, username: string): Promise<AppUser | undefined> {
    return db.selectFrom('appUser').selectAll().where(sql<string>`lower(username)`, '=', username.toLowerCase()).executeTakeFirst();
  },

  findById(db: Executor, id: string): Promise<AppUser | undefined> {
    return db.selectFrom('appUser').selectAll().where('id', '=', id).executeTakeFirst();
  },

  /** Row lock for login accounting: concurrent wrong guesses must all count. */
  lockById(db: Executor, id: string): Promise<AppUser | undefined> {
    return db.selectFrom('appUser').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  },

  async insert(db: Executor, u: { username: string; fullName: string; email: string | null; position: string | null; passwordHash: string }): Promise<AppUser> {
    return db.insertInto('appUser').values(u).returningAll().executeTakeFirstOrThrow();
  },

  async update(db: Executor, id: string, patch: Partial<Pick<AppUser, 'fullName' | 'email' | 'position' | 'active' | 'failedLogins' | 'lockedUntil' | 'passwordHash' | 'passwordChangedAt'>>): Promise<void> {
    await db.updateTable('appUser').set(patch).where('id', '=', id).execute();
  },

  rolesOf(db: Executor, userId: string): Promise<RoleGrant[]> {
    return db
      .selectFrom('userRole')
      .select(['agencyId', 'unitId', 'role'])
      .where('userId', '=', userId)
      .orderBy('agencyId')
      .orderBy('role')
      .execute() as Promise<RoleGrant[]>;
  },

  async addRole(db: Executor, userId: string, g: RoleGrant): Promise<boolean> {
    const r = await db
      .insertInto('userRole')
      .values({ userId, agencyId: g.agencyId, unitId: g.unitId, role: g.role })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  },

  async removeRole(db: Executor, userId: string, g: RoleGrant): Promise<number> {
    let q = db.deleteFrom('userRole').where('userId', '=', userId).where('agencyId', '=', g.agencyId).where('role', '=', g.role);
    q = g.unitId === null ? q.where('unitId', 'is', null) : q.where('unitId', '=', g.unitId);
    const r = await q.executeTakeFirst();
    return Number(r.numDeletedRows);
  },

  listForAgencies(db: Executor, agencyIds: string[]) {
    return db
      .selectFrom('appUser as u')
      .select(['u.id', 'u.username', 'u.fullName', 'u.email', 'u.position', 'u.active', 'u.lockedUntil'])
      .where((eb) => eb.exists(eb.selectFrom('userRole as r').select('r.id').whereRef('r.userId', '=', 'u.id').where('r.agencyId', 'in', agencyIds.length ? agencyIds : ['-1'])))
      .orderBy('u.username')
      .execute();
  },

  count(db: Executor): Promise<number> {
    return db.selectFrom('appUser').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow().then((r) => Number(r.n));
  },
};
