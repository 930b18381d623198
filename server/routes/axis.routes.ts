// Routes of the axis area (wiring only). Mounted by server/routes/index.ts after requireLogin.
import { Router } from 'express';
import type { AppContext } from '../app-context.ts';
import { requireAnyRole } from '../middleware/access.ts';
import { axisController } from '../controllers/axis.controller.ts';
import { h } from './handler.ts';

export function axisRoutes(ctx: AppContext): Router {
  const r = Router();
  const c = axisController(ctx);
  r.get('/axis', requireAnyRole('admin', 'clerk'), h(c.overview));
  return r;
}
