// Every state change writes one audit entry inside the same transaction as the change itself.
//
// How the chain stays tamper-evident without serialising the writers (issue 3 benchmark):
// - A writer only INSERTs its entry (content, id from a sequence, xid = pg_current_xact_id()). No
//   lock and no read of the chain: concurrent writers never wait for each other here.
// - The sealer (sealAuditChain: a periodic job, and before every verification) links entries after
//   their transactions have finished. Under its own advisory lock it takes the unsealed rows whose
//   xid is below the oldest transaction still running in this database (pg_current_snapshot()'s
//   in-progress list, minus those of other databases; audit.repository.ts unsealedFinished) — those
//   transactions have surely committed or aborted, and every transaction that may still write here
//   has a larger xid, so nothing can appear below that horizon later — and chains them in id order after the last sealed entry: seq = last + 1,
//   prev_hash = the last hash, hash = SHA-256(prev_hash, canonical content). That is the only
//   update a row ever gets; the append-only trigger refuses any other (migration 2026_11_28_06_45).
// - Verification walks the sealed order (seq) and names the first broken entry; entries not yet
//   sealed (their transaction still running) are counted as such. Rows chained before this design
//   kept their hashes: they were sealed in id order with the same formula.
// A long transaction only delays the sealing of later entries; it never blocks a writer.
import type { Database, Executor } from '../db/database.ts';
import type { AuditLogEntry } from '../db/types.ts';
import { auditRepository } from '../repositories/audit.repository.ts';
import { deploymentNow } from '../domain/vietnam-time.ts';
import { GENESIS_HASH, auditHash, verifyChainSegment, type AuditContent, type ChainVerdict, type ChainedEntry } from '../domain/audit-chain.ts';

export interface AuditActor {
  userId: string | null;
  label: string;
}

export const SYSTEM_ACTOR: AuditActor = { userId: null, label: 'hệ thống' };

export interface AuditInput {
  actor: AuditActor;
  agencyId?: string | null;
  action: string;
  entityType: string;
  entityId: string | number;
  before?: unknown;
  after?: unknown;
}

/** JSON round trip so that what is stored is exactly what jsonb will give back (Dates → strings). */
const plain = (v: unknown): unknown => (v === undefined ? null : JSON.parse(JSON.stringify(v)));

/** The row values of an entry (without id, xid and the chain columns, which the database and the sealer fill in). */
export function auditRowOf(input: AuditInput, at = deploymentNow()) {
  return {
    at: at.toISOString(),
    actorUserId: input.actor.userId,
    actorLabel: input.actor.label,
    agencyId: input.agencyId ?? null,
    action: input.action,
    entityType: input.entityType,
    entityId: String(input.entityId),
    before: plain(input.before),
    after: plain(input.after),
  };
}

/** Appends one entry: a single INSERT, no lock. The sealer chains it after the transaction ends. */
export async function appendAudit(trx: Executor, input: AuditInput): Promise<void> {
  await auditRepository.insert(trx, auditRowOf(input));
}

/** The hashed content of a stored row (what jsonb and timestamptz give back). */
function contentOf(r: AuditLogEntry): AuditContent {
  return {
    id: String(r.id),
    at: new Date(r.at).toISOString(),
    actorUserId: r.actorUserId === null ? null : String(r.actorUserId),
    actorLabel: r.actorLabel,
    agencyId: r.agencyId === null ? null : String(r.agencyId),
    action: r.action,
    entityType: r.entityType,
    entityId: r.entityId,
    before: r.before,
    after: r.after,
  };
}

/**
 * Chains every entry whose transaction has finished, in batches (one transaction each). Safe to run
 * from several processes at once: the sealer lock orders them, and a row is sealed only while its
 * seq is null. Returns the number of entries sealed.
 */
export async function sealAuditChain(db: Database, batch = 5000): Promise<number> {
  let total = 0;
  for (;;) {
    const sealed = await db.transaction().execute(async (trx) => {
      await auditRepository.lockSealer(trx);
      const rows = await auditRepository.unsealedFinished(trx, batch);
      if (!rows.length) return 0;
      const last = await auditRepository.lastSealed(trx);
      let prev = last?.hash ?? GENESIS_HASH;
      let seq = BigInt(last?.seq ?? 0);
      const links = rows.map((r) => {
        seq += 1n;
        const hash = auditHash(prev, contentOf(r));
        const link = { id: String(r.id), seq: String(seq), prevHash: prev, hash };
        prev = hash;
        return link;
      });
      const n = await auditRepository.seal(trx, links);
      // Another sealer cannot have sealed them (lock), so a shortfall means the rows changed under us.
      if (n !== links.length) throw new Error(`audit sealing: ${n} of ${links.length} rows sealed`);
      return n;
    });
    total += sealed;
    if (sealed < batch) return total;
  }
}

/** Seals what can be sealed, then walks the sealed chain in pages; names the first broken entry. */
export async function verifyAuditChain(db: Database): Promise<ChainVerdict> {
  // A hot standby (docs/DEPLOYMENT.md: checking the chain on the replica spares the primary) is
  // read-only: verify what the primary sealed; its unsealed rows are reported as such.
  if (!(await auditRepository.onStandby(db))) await sealAuditChain(db);
  let prev = GENESIS_HASH;
  let afterSeq: string | null = null;
  let count = 0;
  for (;;) {
    const rows = await auditRepository.sealedPage(db, afterSeq, 5000);
    if (rows.length === 0) return { ok: true, count, unsealed: await auditRepository.countUnsealed(db) };
    const entries: ChainedEntry[] = rows.map((r) => ({ ...contentOf(r), prevHash: r.prevHash ?? '', hash: r.hash ?? '' }));
    const verdict = verifyChainSegment(entries, prev, count);
    if (!verdict.ok) return { ok: false, count: verdict.count, brokenId: verdict.brokenId, reason: verdict.reason, unsealed: await auditRepository.countUnsealed(db) };
    prev = verdict.lastHash;
    count = verdict.count;
    afterSeq = String(rows[rows.length - 1]!.seq);
  }
}
