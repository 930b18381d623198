import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { Agency } from '../db/types.ts';

export interface AgencyView extends Agency {
  name: string;
  levelName: string;
  levelRank: number;
}

/** The agency's name in force at `at` (names are effective-dated, DOMAIN.md §2). */
const nameAt = (at: Date) =>
  sql<string>`(select n.name from agency_name n where n.agency_id = a.id and n.valid_from <= ${at}
    and (n.valid_to is null or n.valid_to > ${at}) order by n.valid_from desc limit 1)`;

export const agencyRepository = {
  nameAt,

  list(db: Executor, at = new Date()): Promise<AgencyView[]> {
    return db
      .selectFrom('agency as a')
      .innerJoin('agencyLevel as l', 'l.code', 'a.levelCode')
      .selectAll('a')
      .select([nameAt(at).as('name'), 'l.name as levelName', 'l.rank as levelRank'])
      .orderBy('l.rank')
      .orderBy('a.id')
      .execute() as Promise<AgencyView[]>;
  },

  findById(db: Executor, id: string, at = new Date()): Promise<AgencyView | undefined> {
    return db
      .selectFrom('agency as a')
      .innerJoin('agencyLevel as l', 'l.code', 'a.levelCode')
      .selectAll('a')
      .select([nameAt(at).as('name'), 'l.name as levelName', 'l.rank as levelRank'])
      .where('a.id', '=', id)
      .executeTakeFirst() as Promise<AgencyView | undefined>;
  },

  lockById(db: Executor, id: string): Promise<Agency | undefined> {
    return db.selectFrom('agency').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  },

  findByCode(db: Executor, code: string): Promise<Agency | undefined> {
    return db.selectFrom('agency').selectAll().where((eb) => eb.or([eb('qcvnCode', '=', code), eb('d20Code', '=', code)])).executeTakeFirst();
  },

  /** The agency and every agency below it. */
  async subtreeIds(db: Executor, rootIds: string[]): Promise<string[]> {
    if (rootIds.length === 0) return [];
    const r = await sql<{ id: string }>`
      with recursive t(id) as (
        select id from agency where id = any(${rootIds}::bigint[])
        union
        select a.id from agency a join t on a.parent_id = t.id
      ) select id::text as id from t`.execute(db);
    return r.rows.map((x) => x.id);
  },

  /** Ids from the agency up to the root; used to refuse moves that would create a cycle. */
  async ancestorIds(db: Executor, id: string): Promise<string[]> {
    const r = await sql<{ id: string }>`
      with recursive t(id, parent_id, depth) as (
        select id, parent_id, 0 from agency where id = ${id}
        union all
        select a.id, a.parent_id, t.depth + 1 from agency a join t on a.id = t.parent_id where t.depth < 64
      ) select id::text as id from t`.execute(db);
    return r.rows.map((x) => x.id);
  },

  async insert(db: Executor, a: { qcvnCode: string | null; d20Code: string | null; levelCode: string; parentId: string | null; abbreviation: string }): Promise<Agency> {
    return db.insertInto('agency').values(a).returningAll().executeTakeFirstOrThrow();
  },

  async update(db: Executor, id: string, patch: Partial<Pick<Agency, 'parentId' | 'status' | 'successorId' | 'endedAt' | 'abbreviation' | 'qcvnCode' | 'd20Code' | 'levelCode'>>): Promise<void> {
    await db.updateTable('agency').set(patch).where('id', '=', id).execute();
  },

  async addName(db: Executor, agencyId: string, name: string, validFrom: Date): Promise<void> {
    await db.updateTable('agencyName').set({ validTo: validFrom }).where('agencyId', '=', agencyId).where('validTo', 'is', null).execute();
    await db.insertInto('agencyName').values({ agencyId, name, validFrom }).execute();
  },

  nameHistory(db: Executor, agencyId: string) {
    return db.selectFrom('agencyName').select(['name', 'validFrom', 'validTo']).where('agencyId', '=', agencyId).orderBy('validFrom', 'desc').execute();
  },

  async reparentChildren(db: Executor, fromId: string, toId: string): Promise<number> {
    const r = await db.updateTable('agency').set({ parentId: toId }).where('parentId', '=', fromId).executeTakeFirst();
    return Number(r.numUpdatedRows);
  },

  /** Documents still in handling (not done, returned, released or recalled) move to the successor. */
  async moveOpenDocuments(db: Executor, fromId: string, toId: string): Promise<number> {
    const r = await db
      .updateTable('document')
      .set({ agencyId: toId, updatedAt: new Date() })
      .where('agencyId', '=', fromId)
      .where('state', 'not in', ['done', 'returned', 'released', 'recalled'])
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  },

  async closeBooks(db: Executor, agencyId: string): Promise<number> {
    const r = await db.updateTable('registerBook').set({ closed: true }).where('agencyId', '=', agencyId).where('closed', '=', false).executeTakeFirst();
    return Number(r.numUpdatedRows);
  },

  levels(db: Executor) {
    return db.selectFrom('agencyLevel').selectAll().orderBy('rank').execute();
  },

  async upsertLevel(db: Executor, l: { code: string; name: string; rank: number }): Promise<void> {
    await db.insertInto('agencyLevel').values(l).onConflict((oc) => oc.column('code').doUpdateSet({ name: l.name, rank: l.rank })).execute();
  },

  count(db: Executor): Promise<number> {
    return db.selectFrom('agency').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow().then((r) => Number(r.n));
  },
};

export const unitRepository = {
  listForAgency(db: Executor, agencyId: string) {
    return db.selectFrom('unit').selectAll().where('agencyId', '=', agencyId).orderBy('name').execute();
  },
  findById(db: Executor, id: string) {
    return db.selectFrom('unit').selectAll().where('id', '=', id).executeTakeFirst();
  },
  insert(db: Executor, u: { agencyId: string; name: string; abbreviation: string }) {
    return db.insertInto('unit').values(u).returningAll().executeTakeFirstOrThrow();
  },
  async update(db: Executor, id: string, patch: { name?: string; abbreviation?: string; active?: boolean; agencyId?: string }): Promise<void> {
    await db.updateTable('unit').set(patch).where('id', '=', id).execute();
  },
  async moveAll(db: Executor, fromAgencyId: string, toAgencyId: string): Promise<number> {
    const r = await db.updateTable('unit').set({ agencyId: toAgencyId }).where('agencyId', '=', fromAgencyId).executeTakeFirst();
    return Number(r.numUpdatedRows);
  },
};
