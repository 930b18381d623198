// The audit log is a hash chain: each entry's hash covers the previous entry's hash and the entry's
// own content in a canonical JSON form, so any edit, deletion or reordering breaks every later link.
// Entries are chained by the sealer after their transaction has finished, in sealing order (`seq`);
// see server/services/audit.service.ts.
import { createHash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditContent {
  id: string;
  at: string; // ISO 8601 UTC with milliseconds
  actorUserId: string | null;
  actorLabel: string;
  agencyId: string | null;
  action: string;
  entityType: string;
  entityId: string;
  before: unknown;
  after: unknown;
}

/** JSON with object keys sorted at every depth: jsonb reorders keys, so order must not matter. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function auditHash(prevHash: string, content: AuditContent): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalJson(content)).digest('hex');
}

export interface ChainedEntry extends AuditContent {
  prevHash: string;
  hash: string;
}

/** `count`: sealed entries checked; `unsealed`: entries of transactions still running when checked. */
export type ChainVerdict = { ok: true; count: number; unsealed: number } | { ok: false; count: number; brokenId: string; reason: string; unsealed: number };
type SegmentVerdict = { ok: true; count: number } | { ok: false; count: number; brokenId: string; reason: string };

/** Checks a run of entries in id order, starting from `expectedPrev` (the hash before the first). */
export function verifyChainSegment(entries: Iterable<ChainedEntry>, expectedPrev = GENESIS_HASH, countSoFar = 0): SegmentVerdict & { lastHash: string } {
  let prev = expectedPrev;
  let count = countSoFar;
  for (const e of entries) {
    count++;
    if (e.prevHash !== prev) return { ok: false, count, brokenId: e.id, reason: 'prev_hash không khớp với mục trước', lastHash: prev };
    const { prevHash: _p, hash, ...content } = e;
    if (auditHash(prev, content) !== hash) return { ok: false, count, brokenId: e.id, reason: 'nội dung đã bị sửa (hash không khớp)', lastHash: prev };
    prev = hash;
  }
  return { ok: true, count, lastHash: prev };
}
