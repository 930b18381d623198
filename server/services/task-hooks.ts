// Integration point between the document workflow and directive tracking: called inside the
// transaction in which a leader gives direction on a document (one lead, co-handlers, deadline).
import type { Executor } from '../db/database.ts';
import type { Actor } from '../domain/actor.ts';
import { closeTasksOfDocument, moveOpenTasksToSuccessor, tasksFromDirection } from './task.service.ts';

export interface DirectionGiven {
  documentId: string;
  agencyId: string;
  direction: string;
  lead: { unitId: string | null; userId: string | null };
  coHandlers: { unitId: string | null; userId: string | null }[];
  deadline: string | null; // YYYY-MM-DD (already moved to a working day)
  expectedResult: string | null;
  actor: Actor;
  /** The day of the direction on PostgreSQL's clock (YYYY-MM-DD); the task counts from it. */
  today?: string;
}

export interface DocumentCompleted {
  documentId: string;
  agencyId: string;
  replyDocumentId: string | null;
  note: string | null;
  actor: Actor;
}

/**
 * Creates the task of the direction (one lead, co-handlers; without a deadline the agency's default
 * number of working days applies). Must only write inside `trx`; a bad lead or a deadline before
 * today throws a Vietnamese AppError, which rolls the whole direction back.
 */
export async function onDirectionGiven(trx: Executor, event: DirectionGiven): Promise<void> {
  await tasksFromDirection(trx, event, { today: event.today });
}

/** Completes every open task of the document, with the reply document or the note as evidence. */
export async function onDocumentCompleted(trx: Executor, event: DocumentCompleted): Promise<void> {
  await closeTasksOfDocument(trx, event);
}

/**
 * For the agency merge (agency.service.ts endAgency, inside its transaction, when a successor is
 * given): open tasks move to the successor with one audit entry; completed ones stay as they were.
 */
export async function onAgencyMerged(trx: Executor, event: { agencyId: string; successorId: string; actor: Actor }): Promise<void> {
  await moveOpenTasksToSuccessor(trx, event);
}
