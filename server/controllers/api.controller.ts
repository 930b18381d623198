// JSON API /api/v1 for other systems and scripts: the same services as the pages. Authenticated by
// the session cookie (with the X-CSRF-Token header for writes) or by a bearer token
// (`npx vanthu token create --user NAME`). Field names follow Decree 30/2020 Appendix VI / edXML.
import type { Request, Response } from 'express';
import type { AppContext } from '../app-context.ts';
import { AppError } from '../errors.ts';
import type { Actor } from '../domain/actor.ts';
import { INCOMING_TABS } from '../domain/incoming-workflow.ts';
import { OUTGOING_TABS } from '../domain/outgoing-workflow.ts';
import { todayInVietnam } from '../domain/vietnam-time.ts';
import { documentRepository } from '../repositories/document.repository.ts';
import { receiveIncoming } from '../services/incoming.service.ts';
import { createDraft } from '../services/outgoing.service.ts';
import { performAction } from '../services/document-actions.ts';
import { documentDetail } from '../services/document-view.service.ts';
import { booksFor, createBook } from '../services/book.service.ts';
import { loadVisibleDocument } from '../services/document-access.ts';
import { uploadsOf } from '../middleware/multipart.ts';
import type { DocumentRow } from '../db/types.ts';
import { OPENAPI_DOCUMENT } from '../rendering/openapi.ts';

const actorOf = (req: Request): Actor => {
  if (!req.actor) throw new AppError('unauthenticated', 'Cần đăng nhập hoặc mã truy cập (Authorization: Bearer …).');
  return req.actor;
};

function agencyOf(req: Request): string {
  const actor = actorOf(req);
  const asked = typeof req.query.agencyId === 'string' ? req.query.agencyId : typeof (req.body as Record<string, unknown>)?.agencyId === 'string' ? String((req.body as Record<string, unknown>).agencyId) : null;
  const id = asked ?? actor.activeAgencyId;
  if (!id || !actor.roles.some((r) => String(r.agencyId) === String(id))) throw new AppError('forbidden', 'Bạn không thuộc cơ quan này.');
  return String(id);
}

/** A document as the API shows it: edXML / Appendix VI names, camelCase. */
export function documentJson(d: Pick<DocumentRow, 'id' | 'direction' | 'state' | 'typeCode' | 'typeName' | 'codeNumber' | 'codeNotation' | 'promulgationDate' | 'subject' | 'issuerName' | 'urgency' | 'bookNumber' | 'handlingDeadline'> & Partial<DocumentRow>) {
  return {
    id: d.id,
    direction: d.direction,
    state: d.state,
    documentType: { type: d.typeCode, typeName: d.typeName },
    code: { codeNumber: d.codeNumber, codeNotation: d.codeNotation },
    promulgationInfo: { place: d.place ?? null, promulgationDate: d.promulgationDate },
    subject: d.subject,
    organization: { organId: d.issuerCode ?? null, organName: d.issuerName },
    signerInfo: { competence: d.signerCompetence ?? null, position: d.signerPosition ?? null, fullName: d.signerFullName ?? null },
    priority: d.urgency,
    dueDate: d.dueDate ?? null,
    bookNumber: d.bookNumber,
    handlingDeadline: d.handlingDeadline,
    externalDocumentId: d.externalId ?? null,
  };
}

export function apiController(ctx: AppContext) {
  return {
    openapi(_req: Request, res: Response): void {
      res.json(OPENAPI_DOCUMENT);
    },

    me(req: Request, res: Response): void {
      const a = actorOf(req);
      res.json({ userId: a.userId, username: a.username, fullName: a.fullName, position: a.position, activeAgencyId: a.activeAgencyId, roles: a.roles });
    },

    async list(req: Request, res: Response): Promise<void> {
      const actor = actorOf(req);
      const agencyId = agencyOf(req);
      const direction = req.query.direction === 'outgoing' ? 'outgoing' : 'incoming';
      const tabs = (direction === 'incoming' ? INCOMING_TABS : OUTGOING_TABS) as Record<string, { states: string[]; overdue?: boolean }>;
      const tabKey = String(req.query.tab ?? Object.keys(tabs)[0]);
      const tab = tabs[tabKey];
      if (!tab) throw new AppError('validation', `tab phải là một trong: ${Object.keys(tabs).join(', ')}`);
      // A whole number of rows, 1–200, whatever the query says (10.5 or 1e3 must not reach PostgreSQL as a bigint).
      const limit = Math.min(Math.max(Math.trunc(Number(req.query.limit ?? 50)) || 50, 1), 200);
      const after = /^\d+:\d+$/.test(String(req.query.after ?? '')) ? String(req.query.after).split(':') : null;
      const rows = await documentRepository.list(ctx.db, actor, {
        agencyId,
        direction,
        states: tab.states,
        overdueOn: tab.overdue ? todayInVietnam() : undefined,
        after: after ? { urgency: Number(after[0]), id: after[1]! } : undefined,
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      res.json({ items: page.map((d) => documentJson(d)), nextCursor: rows.length > limit && last ? `${last.urgency}:${last.id}` : null });
    },

    async show(req: Request, res: Response): Promise<void> {
      const d = await documentDetail(ctx, actorOf(req), String(req.params.id));
      res.json({
        ...documentJson(d.document),
        stateLabel: d.document.stateLabel,
        directionText: d.document.directionText,
        files: d.files.map((f) => ({ id: f.id, role: f.role, version: f.version, fileName: f.fileName, contentType: f.contentType, size: Number(f.size), sha256: f.blobSha256 })),
        assignments: d.assignments.map((a) => ({ kind: a.kind, unitId: a.unitId, userId: a.userId, name: a.unitName ?? a.userName, deadline: a.deadline })),
        recipients: d.recipients.map((r) => ({ id: r.id, kind: r.kind, organId: r.agencyCode, organName: r.agencyName, status: r.status, statusNote: r.statusNote, remoteNumber: r.remoteNumber })),
        timeline: d.events.map((e) => ({ at: e.at, action: e.action, label: e.label, actor: e.actorLabel, fromState: e.fromState, toState: e.toState, note: e.note })),
        allowedActions: d.actions,
      });
    },

    async createIncoming(req: Request, res: Response): Promise<void> {
      const doc = await receiveIncoming(ctx, actorOf(req), agencyOf(req), req.body, uploadsOf(req));
      res.status(201).location(`/api/v1/documents/${doc.id}`).json(documentJson(doc));
    },

    async createOutgoing(req: Request, res: Response): Promise<void> {
      const doc = await createDraft(ctx, actorOf(req), agencyOf(req), req.body, uploadsOf(req));
      res.status(201).location(`/api/v1/documents/${doc.id}`).json(documentJson(doc));
    },

    async act(req: Request, res: Response): Promise<void> {
      const id = String(req.params.id);
      const result = await performAction(ctx, actorOf(req), id, String(req.params.action), req.body ?? {}, uploadsOf(req));
      const doc = (await documentRepository.findById(ctx.db, id))!;
      res.json({ ...documentJson(doc), result: result ?? null });
    },

    async file(req: Request, res: Response): Promise<void> {
      const { doc } = await loadVisibleDocument(ctx.db, actorOf(req), String(req.params.id));
      const f = /^\d{1,18}$/.test(String(req.params.fileId)) ? await documentRepository.file(ctx.db, doc.id, String(req.params.fileId)) : undefined;
      if (!f) throw new AppError('not_found', 'Không tìm thấy tệp.');
      res.setHeader('Content-Type', f.contentType);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(f.fileName)}`);
      res.end(await ctx.blobs.get(f.blobSha256));
    },

    async books(req: Request, res: Response): Promise<void> {
      const direction = req.query.direction === 'outgoing' ? 'outgoing' : 'incoming';
      res.json({ items: await booksFor(ctx.db, agencyOf(req), direction) });
    },

    async createBook(req: Request, res: Response): Promise<void> {
      res.status(201).json(await createBook(ctx.db, actorOf(req), agencyOf(req), req.body));
    },
  };
}
