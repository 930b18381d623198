// Every state change writes one audit entry inside the same transaction as the change itself.
import type { Executor } from '../db/database.ts';
import { auditRepository } from '../repositories/audit.repository.ts';
import { GENESIS_HASH, auditHash, verifyChainSegment, type AuditContent, type ChainVerdict } from '../domain/audit-chain.ts';

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

/** JSON round trip so that what is hashed is exactly what jsonb will give back (Dates → strings). */
const plain = (v: unknown): unknown => (v === undefined ? null : JSON.parse(JSON.stringify(v)));

/**
 * Appends one entry. Call it last in the transaction: the chain lock is held until commit, so the
 * shorter the time after it, the less concurrent transactions wait.
 */
export async function appendAudit(trx: Executor, input: AuditInput): Promise<void> {
  await auditRepository.lockChain(trx);
  const prevHash = (await auditRepository.lastHash(trx)) ?? GENESIS_HASH;
  const content: AuditContent = {
    id: await auditRepository.nextId(trx),
    at: new Date().toISOString(),
    actorUserId: input.actor.userId,
    actorLabel: input.actor.label,
    agencyId: input.agencyId ?? null,
    action: input.action,
    entityType: input.entityType,
    entityId: String(input.entityId),
    before: plain(input.before),
    after: plain(input.after),
  };
  await auditRepository.insert(trx, { ...content, prevHash, hash: auditHash(prevHash, content) });
}

/** Walks the whole chain in pages; names the first broken entry. */
export async function verifyAuditChain(db: Executor): Promise<ChainVerdict> {
  let prev = GENESIS_HASH;
  let afterId: string | null = null;
  let count = 0;
  for (;;) {
    const rows = await auditRepository.page(db, afterId, 5000);
    if (rows.length === 0) return { ok: true, count };
    const verdict = verifyChainSegment(
      rows.map((r) => ({
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
        prevHash: r.prevHash,
        hash: r.hash,
      })),
      prev,
      count,
    );
    if (!verdict.ok) return { ok: false, count: verdict.count, brokenId: verdict.brokenId, reason: verdict.reason };
    prev = verdict.lastHash;
    count = verdict.count;
    afterId = String(rows[rows.length - 1]!.id);
  }
}
