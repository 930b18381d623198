// One place where a document changes state: the row update, the timeline event and the audit entry
// are written together inside the caller's transaction (issue 3 item 5).
import type { Updateable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { DocumentRow, DocumentTable } from '../db/types.ts';
import { actorLabel, type Actor } from '../domain/actor.ts';
import { documentRepository } from '../repositories/document.repository.ts';
import { appendAudit } from './audit.service.ts';

export interface TransitionRecord {
  doc: DocumentRow;
  actor: Actor | { userId: string | null; label: string };
  action: string;
  to: string;
  note?: string | null;
  data?: Record<string, unknown>;
  patch?: Updateable<DocumentTable>;
}

const labelOf = (a: TransitionRecord['actor']) => ('label' in a ? a.label : actorLabel(a));

export async function recordTransition(trx: Executor, r: TransitionRecord): Promise<void> {
  const patch = { ...(r.patch ?? {}), ...(r.to !== r.doc.state ? { state: r.to } : {}) };
  if (Object.keys(patch).length) await documentRepository.update(trx, r.doc.id, patch);
  await documentRepository.addEvent(trx, {
    documentId: r.doc.id,
    actorUserId: r.actor.userId,
    actorLabel: labelOf(r.actor),
    action: r.action,
    fromState: r.doc.state,
    toState: r.to,
    note: r.note ?? null,
    data: r.data,
  });
  await appendAudit(trx, {
    actor: { userId: r.actor.userId, label: labelOf(r.actor) },
    agencyId: r.doc.agencyId,
    action: `document.${r.action}`,
    entityType: 'document',
    entityId: r.doc.id,
    before: { state: r.doc.state },
    after: { state: r.to, ...(r.data ?? {}), ...(r.note ? { note: r.note } : {}) },
  });
}
