// Routes of the api area (wiring only). Mounted by server/routes/index.ts after requireLogin.
import { Router } from 'express';
import type { AppContext } from '../app-context.ts';

export function apiRoutes(ctx: AppContext): Router {
  const r = Router();
  void ctx;
  return r;
}
