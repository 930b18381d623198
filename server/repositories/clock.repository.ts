import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';

export const clockRepository = {
  /**
   * PostgreSQL's `now()`: inside a transaction, the instant the transaction started — the same
   * value every `default now()` written by that transaction gets.
   */
  async now(db: Executor): Promise<Date> {
    const r = await sql<{ now: Date }>`select now() as now`.execute(db);
    return r.rows[0]!.now;
  },
};
