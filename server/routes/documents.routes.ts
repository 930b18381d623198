// Routes of Văn bản đến / đi (wiring only). Mounted by server/routes/index.ts after requireLogin.
import { Router } from 'express';
import type { AppContext } from '../app-context.ts';
import { documentsController } from '../controllers/documents.controller.ts';
import { h } from './handler.ts';

export function documentsRoutes(ctx: AppContext): Router {
  const r = Router();
  const c = documentsController(ctx);
  r.get('/documents/incoming', h(c.incoming));
  r.get('/documents/incoming/new', h(c.newIncoming));
  r.post('/documents/incoming', h(c.createIncoming));
  r.get('/documents/outgoing', h(c.outgoing));
  r.get('/documents/outgoing/new', h(c.newOutgoing));
  r.post('/documents/outgoing', h(c.createOutgoing));
  r.get('/documents/:id', h(c.show));
  r.post('/documents/:id/actions/:action', h(c.act));
  r.get('/documents/:id/files/:fileId', h(c.file));
  return r;
}
