// Routes of the tasks area (wiring only). Mounted by server/routes/index.ts after requireLogin.
import { Router } from 'express';
import type { AppContext } from '../app-context.ts';
import { requireAnyRole, requireRole } from '../middleware/access.ts';
import { taskBellLocals, taskController } from '../controllers/task.controller.ts';
import { calendarController } from '../controllers/calendar.controller.ts';
import { dashboardController } from '../controllers/dashboard.controller.ts';
import { h } from './handler.ts';

export function tasksRoutes(ctx: AppContext): Router {
  const r = Router();
  const tasks = taskController(ctx);
  const calendar = calendarController(ctx);
  const dashboard = dashboardController(ctx);
  const member = requireRole('admin', 'clerk', 'specialist', 'head', 'leader');
  const paths = ['/tasks', '/dashboard', '/calendar', '/notifications'];
  r.use(paths, taskBellLocals(ctx));

  r.get('/tasks', member, h(tasks.list));
  r.post('/tasks/settings', member, h(tasks.settings));
  r.get('/tasks/new', member, h(tasks.newForm));
  r.post('/tasks', member, h(tasks.create));
  r.get('/tasks/debts', member, h(tasks.debts));
  r.get('/tasks/:id', member, h(tasks.show));
  r.post('/tasks/:id/extensions/:extensionId', member, h(tasks.decide));
  r.post('/tasks/:id/:action', member, h(tasks.action));

  r.get('/notifications', h(tasks.notifications));
  r.post('/notifications/read', h(tasks.markRead));

  r.get('/dashboard', member, h(dashboard.show));
  r.get('/dashboard/export.csv', member, h(dashboard.csv));
  r.get('/dashboard/export.xlsx', member, h(dashboard.xlsx));

  const admin = requireAnyRole('admin');
  r.get('/calendar', admin, h(calendar.show));
  r.post('/calendar', admin, h(calendar.add));
  r.post('/calendar/:id/delete', admin, h(calendar.remove));
  return r;
}
