// Routes of the signing area (wiring only). Mounted by server/routes/index.ts after requireLogin.
import { Router } from 'express';
import type { AppContext } from '../app-context.ts';

export function signingRoutes(ctx: AppContext): Router {
  const r = Router();
  void ctx;
  return r;
}
