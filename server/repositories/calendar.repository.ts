// Administrators' calendar overrides (days off, make-up working days), one row per date.
import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { CalendarOverrideKind, CalendarOverrideRow } from '../db/tables/tasks.tables.ts';

export const calendarRepository = {
  listAll(db: Executor): Promise<CalendarOverrideRow[]> {
    return db.selectFrom('calendarOverride').selectAll().orderBy('date').execute();
  },

  listYear(db: Executor, year: number): Promise<CalendarOverrideRow[]> {
    return db.selectFrom('calendarOverride').selectAll().where('year', '=', year).orderBy('date').execute();
  },

  findById(db: Executor, id: string): Promise<CalendarOverrideRow | undefined> {
    return db.selectFrom('calendarOverride').selectAll().where('id', '=', id).executeTakeFirst();
  },

  findByDate(db: Executor, date: string): Promise<CalendarOverrideRow | undefined> {
    return db.selectFrom('calendarOverride').selectAll().where('date', '=', date).executeTakeFirst();
  },

  /** Serialises calendar changes: a change and the deadline recomputation it causes are one step. */
  async lock(db: Executor): Promise<void> {
    await sql`lock table calendar_override in share row exclusive mode`.execute(db);
  },

  insert(db: Executor, o: { date: string; kind: CalendarOverrideKind; name: string; createdBy: string | null }): Promise<CalendarOverrideRow> {
    return db
      .insertInto('calendarOverride')
      .values({ ...o, year: Number(o.date.slice(0, 4)) })
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  async delete(db: Executor, id: string): Promise<void> {
    await db.deleteFrom('calendarOverride').where('id', '=', id).execute();
  },
};
