import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { Insertable } from 'kysely';
import type { AuditLogEntry, AuditLogTable } from '../db/types.ts';

/** The sealer's own lock: only sealers wait for it, never the writers (audit.service.ts). */
const SEALER_LOCK = 7346502;

export const auditRepository = {
  /**
   * One plain INSERT in the writer's transaction: no lock, no read of the chain. `id` comes from
   * the sequence, `xid` is pg_current_xact_id() (column defaults); seq/prev_hash/hash stay null
   * until the sealer chains the row after its transaction has finished.
   */
  async insert(db: Executor, row: Insertable<AuditLogTable>): Promise<void> {
    // jsonb values go as JSON text: pg would turn a top-level array into a PostgreSQL array.
    await db
      .insertInto('auditLog')
      .values({ ...row, before: JSON.stringify(row.before ?? null), after: JSON.stringify(row.after ?? null) })
      .execute();
  },

  async lockSealer(db: Executor): Promise<void> {
    await sql`select pg_advisory_xact_lock(${SEALER_LOCK})`.execute(db);
  },

  async lastSealed(db: Executor): Promise<{ seq: string; hash: string } | undefined> {
    const row = await db.selectFrom('auditLog').select(['seq', 'hash']).where('seq', 'is not', null).orderBy('seq', 'desc').limit(1).executeTakeFirst();
    return row ? { seq: String(row.seq), hash: row.hash! } : undefined;
  },

  /**
   * Unsealed rows written by transactions that have surely finished. The horizon is the smallest
   * transaction id still running in THIS database according to the statement's own snapshot (or
   * the snapshot's xmax when none is): every smaller id belongs to a committed or aborted
   * transaction, or to one running in another database of the server, which cannot have written
   * here; every transaction that may still write here has a larger id, so no row can later appear
   * below the horizon. Plain pg_snapshot_xmin would let any long transaction anywhere on the
   * server hold sealing back. A running id whose database is unknown (subtransaction, the session
   * just ended, statistics hidden) counts as ours: that only delays sealing. Rows of aborted
   * transactions are invisible and never sealed.
   */
  unsealedFinished(db: Executor, limit: number): Promise<AuditLogEntry[]> {
    return db
      .selectFrom('auditLog')
      .selectAll()
      .where('seq', 'is', null)
      .where(
        sql<boolean>`xid < (
          with snap as (select pg_current_snapshot() as s),
          elsewhere as (
            select backend_xid::text::bigint as x from pg_stat_activity where backend_xid is not null and datname is distinct from current_database()
            union all
            select transaction::text::bigint from pg_prepared_xacts where database <> current_database()
          )
          select coalesce(
            (select min(r) from snap, pg_snapshot_xip(snap.s) as r where (r::text::numeric % 4294967296)::bigint not in (select x from elsewhere)),
            (select pg_snapshot_xmax(snap.s) from snap)))`,
      )
      .orderBy('id', 'asc')
      .limit(limit)
      .execute();
  },

  /** The one update a row ever gets (the append-only trigger allows exactly this). */
  async seal(db: Executor, rows: { id: string; seq: string; prevHash: string; hash: string }[]): Promise<number> {
    if (!rows.length) return 0;
    const r = await sql`
      update audit_log a set seq = v.seq, prev_hash = v.prev_hash, hash = v.hash
      from (select unnest(${rows.map((x) => x.id)}::bigint[]) as id, unnest(${rows.map((x) => x.seq)}::bigint[]) as seq,
                   unnest(${rows.map((x) => x.prevHash)}::text[]) as prev_hash, unnest(${rows.map((x) => x.hash)}::text[]) as hash) v
      where a.id = v.id and a.seq is null`.execute(db);
    return Number(r.numAffectedRows ?? 0);
  },

  /** Sealed entries in chain order, after position `afterSeq`. */
  async sealedPage(db: Executor, afterSeq: string | null, limit: number): Promise<AuditLogEntry[]> {
    let q = db.selectFrom('auditLog').selectAll().where('seq', 'is not', null).orderBy('seq', 'asc').limit(limit);
    if (afterSeq !== null) q = q.where('seq', '>', afterSeq);
    return q.execute();
  },

  /** True on a hot standby (read-only, replaying the primary's WAL): nothing can be sealed there. */
  async onStandby(db: Executor): Promise<boolean> {
    const r = await sql<{ standby: boolean }>`select pg_is_in_recovery() as standby`.execute(db);
    return r.rows[0]!.standby;
  },

  async countUnsealed(db: Executor): Promise<number> {
    const r = await db.selectFrom('auditLog').select((eb) => eb.fn.countAll<string>().as('n')).where('seq', 'is', null).executeTakeFirstOrThrow();
    return Number(r.n);
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
