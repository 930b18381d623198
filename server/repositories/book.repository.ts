import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { Direction, RegisterBook } from '../db/types.ts';

export const bookRepository = {
  listForAgency(db: Executor, agencyId: string, direction?: Direction, year?: number): Promise<RegisterBook[]> {
    let q = db.selectFrom('registerBook').selectAll().where('agencyId', '=', agencyId);
    if (direction) q = q.where('direction', '=', direction);
    if (year) q = q.where('year', '=', year);
    return q.orderBy('year', 'desc').orderBy('direction').orderBy('name').execute();
  },

  findById(db: Executor, id: string): Promise<RegisterBook | undefined> {
    return db.selectFrom('registerBook').selectAll().where('id', '=', id).executeTakeFirst();
  },

  async insert(db: Executor, b: { agencyId: string; direction: Direction; year: number; name: string; typeCodes: string[] | null }): Promise<RegisterBook> {
    return db.insertInto('registerBook').values(b).returningAll().executeTakeFirstOrThrow();
  },

  async insertIfMissing(db: Executor, b: { agencyId: string; direction: Direction; year: number; name: string }): Promise<void> {
    await db.insertInto('registerBook').values({ ...b, typeCodes: null }).onConflict((oc) => oc.constraint('register_book_unique_name').doNothing()).execute();
  },

  /**
   * Takes the next number of an open book. The UPDATE locks the book row until the transaction
   * ends, so concurrent registrations queue here and numbers come out continuous: a rolled-back
   * registration rolls its increment back too (Decree 30/2020 Art. 15: no gap, no duplicate).
   */
  async takeNumber(db: Executor, bookId: string): Promise<number | null> {
    const r = await sql<{ number: number }>`
      update register_book set next_number = next_number + 1
      where id = ${bookId} and not closed
      returning next_number - 1 as number`.execute(db);
    return r.rows[0]?.number ?? null;
  },

  async addEntry(db: Executor, e: { bookId: string; number: number; documentId: string; createdBy: string | null }): Promise<void> {
    await db.insertInto('bookEntry').values(e).execute();
  },

  async cancelEntry(db: Executor, bookId: string, number: number, reason: string): Promise<number> {
    const r = await db.updateTable('bookEntry').set({ status: 'cancelled', cancelReason: reason }).where('bookId', '=', bookId).where('number', '=', number).where('status', '=', 'active').executeTakeFirst();
    return Number(r.numUpdatedRows);
  },

  async setClosed(db: Executor, id: string, closed: boolean): Promise<void> {
    await db.updateTable('registerBook').set({ closed }).where('id', '=', id).execute();
  },

  entries(db: Executor, bookId: string) {
    return db.selectFrom('bookEntry').selectAll().where('bookId', '=', bookId).orderBy('number').execute();
  },
};
