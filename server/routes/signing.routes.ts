// Routes of the signing area (wiring only). Mounted by server/routes/index.ts after requireLogin.
import { Router } from 'express';
import type { AppContext } from '../app-context.ts';
import { signingController } from '../controllers/signing.controller.ts';
import { credentialsController } from '../controllers/credentials.controller.ts';
import { h } from './handler.ts';

export function signingRoutes(ctx: AppContext): Router {
  const r = Router();
  const s = signingController(ctx);
  const c = credentialsController(ctx);
  r.get('/signing/documents/:id/status', h(s.status));
  r.get('/signing/documents/:id/verification', h(s.verification));
  r.post('/signing/documents/:id/seal', h(s.reseal));
  r.get('/signing/batches/:batchId', h(s.batch));
  r.get('/signing/bulk', h(s.bulkForm));
  r.post('/signing/bulk', h(s.bulkSubmit));
  r.get('/credentials', h(c.index));
  r.post('/credentials', h(c.upload));
  r.post('/credentials/:id/deactivate', h(c.deactivate));
  r.get('/credentials/:id/image', h(c.image));
  return r;
}
