// /api/v1 (wiring only). Mounted before the page routes; answers JSON, including errors.
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { AppContext } from '../app-context.ts';
import { apiController } from '../controllers/api.controller.ts';
import { AppError } from '../errors.ts';
import { h } from './handler.ts';
import { searchApiHandler } from '../controllers/search.controller.ts';

export function apiRoutes(ctx: AppContext): Router {
  const r = Router();
  const c = apiController(ctx);
  r.get('/openapi.json', h(c.openapi));
  r.use((req: Request, _res: Response, next: NextFunction) => (req.actor ? next() : next(new AppError('unauthenticated', 'Cần đăng nhập hoặc mã truy cập (Authorization: Bearer …).'))));
  r.get('/me', h(c.me));
  r.get('/documents', h(c.list));
  r.post('/documents/incoming', h(c.createIncoming));
  r.post('/documents/outgoing', h(c.createOutgoing));
  r.get('/documents/:id', h(c.show));
  r.post('/documents/:id/actions/:action', h(c.act));
  r.get('/documents/:id/files/:fileId', h(c.file));
  r.get('/search', searchApiHandler(ctx));
  r.get('/books', h(c.books));
  r.post('/books', h(c.createBook));
  r.use((_req: Request, _res: Response, next: NextFunction) => next(new AppError('not_found', 'Không có đường dẫn API này.')));
  return r;
}
