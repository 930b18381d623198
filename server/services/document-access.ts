// Who may see a document and what their relation to it is (issue 3 item 6). A document is visible to
// clerks, leaders and administrators of its agency; to others only through a relation: creator,
// assignment (personal or through their unit), co-handling, for-information, or reviewing a draft.
import type { Executor } from '../db/database.ts';
import type { DocumentRow } from '../db/types.ts';
import { AppError } from '../errors.ts';
import type { Actor } from '../domain/actor.ts';
import type { Relation } from '../domain/workflow.ts';
import { documentRepository, type ActiveAssignment } from '../repositories/document.repository.ts';
import { AGENCY_WIDE_ROLES } from '../repositories/search.repository.ts';

export async function relationsOf(
  db: Executor,
  actor: Actor,
  doc: DocumentRow,
  reviewChain: readonly string[] = [],
  /** The document's active assignments when the caller read them already (lockForTransition). */
  activeAssignments?: readonly ActiveAssignment[],
): Promise<Set<Relation>> {
  const rel = new Set<Relation>();
  const here = actor.roles.filter((r) => String(r.agencyId) === String(doc.agencyId));
  for (const r of here) rel.add(r.role);
  if (doc.createdBy && String(doc.createdBy) === actor.userId) rel.add('creator');
  const myUnits = new Set(here.filter((r) => r.unitId).map((r) => String(r.unitId)));
  const assignments = activeAssignments ?? (await documentRepository.assignments(db, doc.id));
  for (const a of assignments) {
    const mine = (a.userId && String(a.userId) === actor.userId) || (a.unitId && myUnits.has(String(a.unitId)));
    if (mine) rel.add(a.kind);
  }
  // The reviewer of the current step of an outgoing draft: the head of the drafting unit, or a leader.
  if (doc.direction === 'outgoing' && doc.state === 'in_review') {
    const step = reviewChain[doc.reviewStep] ?? 'leader';
    const isHead = here.some((r) => r.role === 'head' && (!doc.draftingUnitId || String(r.unitId) === String(doc.draftingUnitId)));
    if ((step === 'head' && isHead) || (step === 'leader' && rel.has('leader'))) rel.add('reviewer');
  }
  if (doc.direction === 'outgoing' && doc.state === 'awaiting_signature' && rel.has('leader')) rel.add('reviewer');
  return rel;
}


export function canSee(doc: DocumentRow, rel: ReadonlySet<Relation>, actor: Actor): boolean {
  if (AGENCY_WIDE_ROLES.some((r) => rel.has(r))) return true;
  if (rel.has('creator') || rel.has('lead') || rel.has('co') || rel.has('info') || rel.has('reviewer')) return true;
  // A head sees the drafts submitted from their unit.
  if (doc.direction === 'outgoing' && doc.state !== 'draft' && rel.has('head') && doc.draftingUnitId) {
    return actor.roles.some((r) => r.role === 'head' && String(r.unitId) === String(doc.draftingUnitId));
  }
  return false;
}

/** Loads a document the actor may see, or answers 404 — never 403, so ids of others leak nothing. */
export async function loadVisibleDocument(db: Executor, actor: Actor, id: string, opts: { lock?: boolean; reviewChain?: readonly string[] } = {}) {
  if (!/^\d{1,18}$/.test(String(id))) throw new AppError('not_found', 'Không tìm thấy văn bản.');
  const doc = opts.lock ? await documentRepository.lockById(db, id) : await documentRepository.findById(db, id);
  if (!doc) throw new AppError('not_found', 'Không tìm thấy văn bản.');
  // The agency's review chain only decides relations to outgoing drafts (relationsOf).
  const chain = opts.reviewChain ?? (doc.direction === 'outgoing' ? await reviewChainOf(db, doc.agencyId) : []);
  const rel = await relationsOf(db, actor, doc, chain);
  if (!canSee(doc, rel, actor)) throw new AppError('not_found', 'Không tìm thấy văn bản.');
  return { doc, rel, chain };
}

/**
 * loadVisibleDocument with the row lock, for a transition inside `db`'s transaction, reading in
 * the same round trip what the transition needs next: the assignments for the relations, the
 * transaction's now() and, when `bookId` is given, that book (documentRepository.lockForTransition).
 */
export async function lockVisibleDocument(db: Executor, actor: Actor, id: string, opts: { reviewChain: readonly string[]; bookId?: string }) {
  if (!/^\d{1,18}$/.test(String(id))) throw new AppError('not_found', 'Không tìm thấy văn bản.');
  const got = await documentRepository.lockForTransition(db, id, opts.bookId);
  if (!got) throw new AppError('not_found', 'Không tìm thấy văn bản.');
  const rel = await relationsOf(db, actor, got.doc, opts.reviewChain, got.assignments);
  if (!canSee(got.doc, rel, actor)) throw new AppError('not_found', 'Không tìm thấy văn bản.');
  return { doc: got.doc, rel, now: got.now, book: got.book };
}

export async function reviewChainOf(db: Executor, agencyId: string): Promise<string[]> {
  const s = await db.selectFrom('agencySetting').select('reviewChain').where('agencyId', '=', agencyId).executeTakeFirst();
  return s?.reviewChain ?? ['head', 'leader'];
}
