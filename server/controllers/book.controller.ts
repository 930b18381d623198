// The registers (sổ văn bản) as pages, CSV and PDF: parse input, call the book-export service, render.
import type { Request, Response } from 'express';
import type { AppContext } from '../app-context.ts';
import { AppError, isAppError } from '../errors.ts';
import type { Actor } from '../domain/actor.ts';
import { bookCsv, bookPdf, exportFileName, listReadableBooks, loadBookTable, MAX_BOOK_ROWS, type BookTable } from '../services/book-export.service.ts';

const actorOf = (req: Request): Actor => {
  if (!req.actor) throw new AppError('unauthenticated', 'Vui lòng đăng nhập.');
  return req.actor;
};

const attachment = (name: string): string => `attachment; filename="${name}"; filename*=UTF-8''${encodeURIComponent(name)}`;

function rangeQuery(t: BookTable): string {
  const p = new URLSearchParams({ from: t.from, to: t.to });
  if (t.view === 'follow-up') p.set('view', 'follow-up');
  return p.toString();
}

export function bookController(ctx: AppContext) {
  const { db } = ctx;
  const table = (req: Request) => loadBookTable(db, actorOf(req), String(req.params.id), req.query);

  return {
    async index(req: Request, res: Response): Promise<void> {
      const books = (await listReadableBooks(db, actorOf(req))).map((b) => ({
        ...b,
        directionLabel: b.direction === 'incoming' ? 'Văn bản đến' : 'Văn bản đi',
        incoming: b.direction === 'incoming',
        used: Number(b.nextNumber) - 1,
      }));
      res.render('books/index', { title: 'Sổ văn bản', books });
    },

    async show(req: Request, res: Response): Promise<void> {
      try {
        const t = await table(req);
        const q = rangeQuery(t);
        res.render('books/show', {
          title: t.title.charAt(0) + t.title.slice(1).toLowerCase(),
          t,
          csvHref: `/books/${t.bookId}/csv?${q}`,
          pdfHref: `/books/${t.bookId}/pdf?${q}`,
          followUp: t.direction === 'incoming',
          isFollowUp: t.view === 'follow-up',
          maxRows: MAX_BOOK_ROWS,
        });
      } catch (e) {
        if (!isAppError(e) || e.code !== 'validation') throw e;
        res.status(e.status).render('books/show', { title: 'Sổ văn bản', error: e.message, bookId: String(req.params.id) });
      }
    },

    async csv(req: Request, res: Response): Promise<void> {
      const t = await table(req);
      res.set('Content-Type', 'text/csv; charset=utf-8').set('Content-Disposition', attachment(exportFileName(t, 'csv'))).send(bookCsv(t));
    },

    async pdf(req: Request, res: Response): Promise<void> {
      const t = await table(req);
      res.set('Content-Type', 'application/pdf').set('Content-Disposition', attachment(exportFileName(t, 'pdf'))).send(Buffer.from(await bookPdf(t)));
    },
  };
}
