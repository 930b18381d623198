// Node-to-node endpoints of the interconnection axis. Mounted BEFORE the session, CSRF and body
// middleware: peers authenticate with signed requests (server/axis/request-signing.ts), not users.
import express, { Router } from 'express';
import type { AppContext } from '../app-context.ts';
import { axisNodeController } from '../controllers/axis.controller.ts';
import { axisNodeOf } from '../axis/axis-node.ts';
import { PACKAGES_PATH } from '../axis/http-transport.ts';
import { h } from './handler.ts';

export function axisNodeRoutes(ctx: AppContext): Router {
  const r = Router();
  const c = axisNodeController(ctx);
  const limit = axisNodeOf(ctx)?.settings.maxPackageBytes ?? 64 * 1024 * 1024;
  r.post(PACKAGES_PATH, express.raw({ type: () => true, limit }), h(c.receive));
  r.get('/axis/v1/node', h(c.info));
  return r;
}
