// Signing pages and the small JSON status endpoints polled by views/assets/signing-status.js.
import type { Request, Response } from 'express';
import type { AppContext } from '../app-context.ts';
import type { Actor } from '../domain/actor.ts';
import { isAppError } from '../errors.ts';
import { batchStatus, documentSigningStatus, resealNumbered } from '../services/signing.service.ts';
import { documentVerifications } from '../services/signature-verification.service.ts';
import { bulkCandidates, bulkSign } from '../services/signing-bulk.service.ts';

const actorOf = (req: Request) => req.actor as Actor;

export function signingController(ctx: AppContext) {
  return {
    async status(req: Request, res: Response) {
      res.set('Cache-Control', 'no-store').json(await documentSigningStatus(ctx, actorOf(req), String(req.params.id)));
    },
    async verification(req: Request, res: Response) {
      res.set('Cache-Control', 'no-store').json({ files: await documentVerifications(ctx, actorOf(req), String(req.params.id)) });
    },
    async batch(req: Request, res: Response) {
      res.set('Cache-Control', 'no-store').json(await batchStatus(ctx, actorOf(req), String(req.params.batchId)));
    },
    async reseal(req: Request, res: Response) {
      const id = String(req.params.id);
      try {
        await resealNumbered(ctx, actorOf(req), id, req.body);
        res.redirect(303, `/documents/${id}?ok=done`);
      } catch (e) {
        if (!isAppError(e)) throw e;
        res.status(e.status).render('signing/error', { title: 'Ký số', documentId: /^\d+$/.test(id) ? id : '', error: e.message });
      }
    },
    async bulkForm(req: Request, res: Response) {
      res.render('signing/bulk', { title: 'Ký số hàng loạt', documents: await bulkCandidates(ctx, actorOf(req)) });
    },
    async bulkSubmit(req: Request, res: Response) {
      try {
        const result = await bulkSign(ctx, actorOf(req), req.body);
        res.render('signing/bulk-result', { title: 'Kết quả ký số hàng loạt', ...result, anyPending: result.lines.some((l) => l.pending) });
      } catch (e) {
        if (!isAppError(e)) throw e;
        res.status(e.status).render('signing/bulk', { title: 'Ký số hàng loạt', documents: await bulkCandidates(ctx, actorOf(req)), error: e.message });
      }
    },
  };
}
