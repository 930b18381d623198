// Integration point between the document workflow and directive tracking: called inside the
// transaction in which a leader gives direction on a document (one lead, co-handlers, deadline).
import type { Executor } from '../db/database.ts';
import type { Actor } from '../domain/actor.ts';

export interface DirectionGiven {
  documentId: string;
  agencyId: string;
  direction: string;
  lead: { unitId: string | null; userId: string | null };
  coHandlers: { unitId: string | null; userId: string | null }[];
  deadline: string | null; // YYYY-MM-DD (already moved to a working day)
  expectedResult: string | null;
  actor: Actor;
}

export interface DocumentCompleted {
  documentId: string;
  agencyId: string;
  replyDocumentId: string | null;
  note: string | null;
  actor: Actor;
}

/** Filled by directive tracking (tasks area). Must only write inside `trx`. */
export async function onDirectionGiven(trx: Executor, event: DirectionGiven): Promise<void> {
  void trx;
  void event;
}

export async function onDocumentCompleted(trx: Executor, event: DocumentCompleted): Promise<void> {
  void trx;
  void event;
}
