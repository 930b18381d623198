// SQL of signing credentials. The encrypted PKCS#12 is selected only by `findSecretById`.
import type { Insertable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { SigningCredentialTable } from '../db/tables/signing.tables.ts';
import { agencyRepository } from './agency.repository.ts';

const PUBLIC_COLUMNS = ['id', 'ownerKind', 'userId', 'agencyId', 'subject', 'issuer', 'serialHex', 'notBefore', 'notAfter', 'keyUsage', 'active', 'createdAt'] as const;

export const credentialRepository = {
  /** Deactivates the owner's current credential and inserts the new one (the caller's transaction). */
  async replaceActive(trx: Executor, row: Insertable<SigningCredentialTable>): Promise<string> {
    let q = trx.updateTable('signingCredential').set({ active: false }).where('active', '=', true).where('ownerKind', '=', row.ownerKind);
    q = row.ownerKind === 'user' ? q.where('userId', '=', String(row.userId)) : q.where('agencyId', '=', String(row.agencyId));
    await q.execute();
    const r = await trx.insertInto('signingCredential').values(row).returning('id').executeTakeFirstOrThrow();
    return r.id;
  },
  activeForUser(db: Executor, userId: string) {
    return db.selectFrom('signingCredential').select([...PUBLIC_COLUMNS, 'chainDer', 'imagePng']).where('ownerKind', '=', 'user').where('userId', '=', userId).where('active', '=', true).executeTakeFirst();
  },
  activeForAgency(db: Executor, agencyId: string) {
    return db.selectFrom('signingCredential').select([...PUBLIC_COLUMNS, 'chainDer', 'imagePng']).where('ownerKind', '=', 'agency').where('agencyId', '=', agencyId).where('active', '=', true).executeTakeFirst();
  },
  findById(db: Executor, id: string) {
    return db.selectFrom('signingCredential').select([...PUBLIC_COLUMNS, 'chainDer', 'imagePng']).where('id', '=', id).executeTakeFirst();
  },
  findSecretById(db: Executor, id: string) {
    return db.selectFrom('signingCredential').select(['id', 'p12Encrypted', 'chainDer', 'active']).where('id', '=', id).executeTakeFirst();
  },
  async deactivate(db: Executor, id: string): Promise<boolean> {
    const r = await db.updateTable('signingCredential').set({ active: false }).where('id', '=', id).where('active', '=', true).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  },
  /** Active credentials with their owners' names, for the credentials page. */
  listActive(db: Executor, filter: { userId?: string; agencyIds?: string[] }) {
    let q = db
      .selectFrom('signingCredential as c')
      .leftJoin('appUser as u', 'u.id', 'c.userId')
      .leftJoin('agency as a', 'a.id', 'c.agencyId')
      .select(['c.id', 'c.ownerKind', 'c.userId', 'c.agencyId', 'c.subject', 'c.issuer', 'c.serialHex', 'c.notBefore', 'c.notAfter', 'c.keyUsage', 'c.createdAt', 'u.fullName as userName', 'u.username', agencyRepository.nameAt(new Date()).as('agencyName')])
      .select((eb) => eb('c.imagePng', 'is not', null).as('hasImage'))
      .where('c.active', '=', true);
    if (filter.userId !== undefined || filter.agencyIds !== undefined) {
      q = q.where((eb) => {
        const ors = [];
        if (filter.userId !== undefined) ors.push(eb('c.userId', '=', filter.userId));
        if (filter.agencyIds?.length) ors.push(eb('c.agencyId', 'in', filter.agencyIds));
        return ors.length ? eb.or(ors) : eb.val(false);
      });
    }
    return q.orderBy('c.ownerKind').orderBy('c.id', 'desc').limit(500).execute();
  },
  usersForForm(db: Executor) {
    return db.selectFrom('appUser').select(['id', 'username', 'fullName']).orderBy('username').limit(2000).execute();
  },
  async agenciesForForm(db: Executor) {
    return (await agencyRepository.list(db)).filter((a) => a.status === 'active').map((a) => ({ id: a.id, name: a.name }));
  },
  findUserByUsername(db: Executor, username: string) {
    return db.selectFrom('appUser').select(['id', 'fullName']).where('username', '=', username).executeTakeFirst();
  },
};
