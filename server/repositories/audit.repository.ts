import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { Insertable } from 'kysely';
import type { AuditLogEntry, AuditLogTable } from '../db/types.ts';

export const auditRepository = {
  /** Serialises chain appends: held until the surrounding transaction commits. */
  async lockChain(db: Executor): Promise<void> {
    await sql`select pg_advisory_xact_lock(7346501)`.execute(db);
  },

  async lastHash(db: Executor): Promise<string | null> {
    const row = await db.selectFrom('auditLog').select('hash').orderBy('id', 'desc').limit(1).executeTakeFirst();
    return row?.hash ?? null;
  },

  async nextId(db: Executor): Promise<string> {
    const r = await sql<{ id: string }>`select nextval('audit_log_id_seq')::text as id`.execute(db);
    return r.rows[0]!.id;
  },

  async insert(db: Executor, row: Insertable<AuditLogTable>): Promise<void> {
    // jsonb values go as JSON text: pg would turn a top-level array into a PostgreSQL array.
    await db
      .insertInto('auditLog')
      .values({ ...row, before: JSON.stringify(row.before ?? null), after: JSON.stringify(row.after ?? null) })
      .execute();
  },

  async page(db: Executor, afterId: string | null, limit: number): Promise<AuditLogEntry[]> {
    let q = db.selectFrom('auditLog').selectAll().orderBy('id', 'asc').limit(limit);
    if (afterId !== null) q = q.where('id', '>', afterId);
    return q.execute();
  },

  async listForEntity(db: Executor, entityType: string, entityId: string): Promise<AuditLogEntry[]> {
    return db.selectFrom('auditLog').selectAll().where('entityType', '=', entityType).where('entityId', '=', entityId).orderBy('id', 'asc').execute();
  },

  async recent(db: Executor, limit: number, agencyIds?: string[]): Promise<AuditLogEntry[]> {
    let q = db.selectFrom('auditLog').selectAll().orderBy('id', 'desc').limit(limit);
    if (agencyIds) q = q.where('agencyId', 'in', agencyIds.length ? agencyIds : ['-1']);
    return q.execute();
  },
};
