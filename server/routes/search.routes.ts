// Routes of search and the registers (wiring only). Mounted by server/routes/index.ts after requireLogin.
import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { AppContext } from '../app-context.ts';
import { searchController } from '../controllers/search.controller.ts';
import { bookController } from '../controllers/book.controller.ts';
import { requireAnyRole } from '../middleware/access.ts';

// Express 5 forwards rejected promises; the wrapper keeps the handler types honest (as in index.ts).
const h = (fn: (req: Request, res: Response) => unknown): RequestHandler => (req: Request, res: Response, next: NextFunction) => {
  Promise.resolve(fn(req, res)).catch(next);
};

export function searchRoutes(ctx: AppContext): Router {
  const r = Router();
  const search = searchController(ctx);
  r.get('/search', h(search.page));
  r.post('/search/saved', h(search.save));
  r.get('/search/saved/:id', h(search.openSaved));
  r.post('/search/saved/:id/delete', h(search.deleteSaved));

  // The books: clerk, leader or admin; each book is checked against the agency of the role.
  const books = bookController(ctx);
  const bookRoles = requireAnyRole('clerk', 'leader', 'admin');
  r.get('/books', bookRoles, h(books.index));
  r.get('/books/:id', bookRoles, h(books.show));
  r.get('/books/:id/csv', bookRoles, h(books.csv));
  r.get('/books/:id/pdf', bookRoles, h(books.pdf));
  return r;
}
