// One entry for every workflow action, used by the web forms, the JSON API and the tests: the
// action name is the state machine's (server/domain/*-workflow.ts).
import type { AppContext } from '../app-context.ts';
import type { Actor } from '../domain/actor.ts';
import type { IncomingAction } from '../domain/incoming-workflow.ts';
import type { OutgoingAction } from '../domain/outgoing-workflow.ts';
import { AppError } from '../errors.ts';
import { decide } from '../domain/workflow.ts';
import { INCOMING_WORKFLOW, type IncomingState } from '../domain/incoming-workflow.ts';
import { OUTGOING_WORKFLOW, type OutgoingState } from '../domain/outgoing-workflow.ts';
import { loadVisibleDocument } from './document-access.ts';
import type { Upload } from './file.service.ts';
import * as incoming from './incoming.service.ts';
import * as outgoing from './outgoing.service.ts';

type Handler = (ctx: AppContext, actor: Actor, id: string, raw: unknown, uploads: Upload[]) => Promise<unknown>;

export const INCOMING_HANDLERS: Record<IncomingAction, Handler> = {
  register: (c, a, id, raw) => incoming.registerIncoming(c, a, id, raw),
  return: (c, a, id, raw) => incoming.returnIncoming(c, a, id, raw),
  present: (c, a, id, raw) => incoming.presentIncoming(c, a, id, raw),
  direct: (c, a, id, raw) => incoming.directIncoming(c, a, id, raw),
  start: (c, a, id) => incoming.startIncoming(c, a, id),
  progress: (c, a, id, raw, up) => incoming.reportProgress(c, a, id, raw, up),
  forward: (c, a, id, raw) => incoming.forwardIncoming(c, a, id, raw),
  request_extension: (c, a, id, raw) => incoming.requestExtension(c, a, id, raw),
  approve_extension: (c, a, id, raw) => incoming.approveExtension(c, a, id, raw),
  complete: (c, a, id, raw, up) => incoming.completeIncoming(c, a, id, raw, up),
};

export const OUTGOING_HANDLERS: Record<OutgoingAction, Handler> = {
  submit: (c, a, id, raw) => outgoing.submitDraft(c, a, id, raw),
  approve: (c, a, id, raw) => outgoing.approveDraft(c, a, id, raw),
  return_for_revision: (c, a, id, raw) => outgoing.returnDraft(c, a, id, raw),
  new_version: (c, a, id, raw, up) => outgoing.newDraftVersion(c, a, id, raw, up),
  comment: (c, a, id, raw) => outgoing.commentDraft(c, a, id, raw),
  sign: (c, a, id, raw) => outgoing.signDraft(c, a, id, raw),
  number: (c, a, id, raw) => outgoing.numberOutgoing(c, a, id, raw),
  release: (c, a, id, raw) => outgoing.releaseOutgoing(c, a, id, raw),
  recall: (c, a, id, raw) => outgoing.recallOutgoing(c, a, id, raw),
};

export async function performAction(ctx: AppContext, actor: Actor, id: string, action: string, raw: unknown, uploads: Upload[] = []): Promise<unknown> {
  // Visibility first (404 for others' documents), then the state and the right to act (409, 403),
  // and only then the form's content: an impossible action is named as such, not as a bad form.
  // The handler checks state and rights again under the row lock.
  const { doc, rel } = await loadVisibleDocument(ctx.db, actor, id);
  const handlers: Record<string, Handler> = doc.direction === 'outgoing' ? OUTGOING_HANDLERS : INCOMING_HANDLERS;
  const handler = Object.hasOwn(handlers, action) ? handlers[action] : undefined;
  if (!handler) throw new AppError('not_found', 'Thao tác không tồn tại.');
  if (doc.direction === 'outgoing') decide(OUTGOING_WORKFLOW, doc.state as OutgoingState, action, rel);
  else decide(INCOMING_WORKFLOW, doc.state as IncomingState, action, rel);
  return handler(ctx, actor, id, raw, uploads);
}
