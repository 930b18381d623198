// Route wiring only: paths → guards → controller methods.
import { Router } from 'express';
import { h } from './handler.ts';

export { h };
import type { Registry } from 'prom-client';
import type { AppContext } from '../app-context.ts';
import { authController } from '../controllers/auth.controller.ts';
import { homeController } from '../controllers/home.controller.ts';
import { adminController } from '../controllers/admin.controller.ts';
import { healthController } from '../controllers/health.controller.ts';
import { requireAnyRole, requireLogin } from '../middleware/access.ts';
import { documentsRoutes } from './documents.routes.ts';
import { searchRoutes } from './search.routes.ts';
import { tasksRoutes } from './tasks.routes.ts';
import { signingRoutes } from './signing.routes.ts';
import { axisRoutes } from './axis.routes.ts';
import { apiRoutes } from './api.routes.ts';
import { taskBellLocals } from '../controllers/task.controller.ts';

export function operationsRoutes(ctx: AppContext, registry: Registry): Router {
  const r = Router();
  const health = healthController(ctx, registry);
  r.get('/healthz', h(health.health));
  r.get('/metrics', h(health.metrics));
  return r;
}

export function webRoutes(ctx: AppContext): Router {
  const r = Router();
  const auth = authController(ctx);
  const home = homeController(ctx);
  const admin = adminController(ctx);

  r.get('/login', h(auth.showLogin));
  r.post('/login', h(auth.doLogin));
  r.post('/logout', h(auth.doLogout));

  // The API router does its own authentication (session or bearer token) and answers JSON.
  r.use('/api/v1', apiRoutes(ctx));

  r.use(requireLogin);
  r.use(taskBellLocals(ctx));
  r.get('/', h(home.index));
  r.get('/account/password', h(auth.showPassword));
  r.post('/account/password', h(auth.doPassword));
  r.post('/account/agency', h(auth.doSwitchAgency));

  const adminOnly = requireAnyRole('admin');
  r.get('/admin/agencies', adminOnly, h(admin.agencies));
  r.post('/admin/agencies', adminOnly, h(admin.createAgency));
  r.get('/admin/agencies/:id', adminOnly, h(admin.agency));
  r.post('/admin/agencies/:id/:action', adminOnly, h(admin.agencyAction));
  r.post('/admin/units/:unitId/active', adminOnly, h(admin.unitActive));
  r.get('/admin/users', adminOnly, h(admin.users));
  r.post('/admin/users', adminOnly, h(admin.createUser));
  r.get('/admin/users/:id', adminOnly, h(admin.user));
  r.post('/admin/users/:id/:action', adminOnly, h(admin.userAction));
  r.get('/admin/audit', adminOnly, h(admin.audit));

  r.use(documentsRoutes(ctx));
  r.use(searchRoutes(ctx));
  r.use(tasksRoutes(ctx));
  r.use(signingRoutes(ctx));
  r.use(axisRoutes(ctx));
  return r;
}
