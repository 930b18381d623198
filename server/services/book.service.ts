// Sổ văn bản đến / đi. Numbers run from 01 each year in Vietnam time, continuous and unique per
// book (Decree 30/2020 Art. 15, 22); a closed year's book takes no more numbers.
import { z } from 'zod';
import type { Database, Executor } from '../db/database.ts';
import type { Updateable } from 'kysely';
import type { Direction, DocumentRow, DocumentTable, RegisterBook } from '../db/types.ts';
import { AppError } from '../errors.ts';
import { bookRepository } from '../repositories/book.repository.ts';
import { documentRepository } from '../repositories/document.repository.ts';
import { clockRepository } from '../repositories/clock.repository.ts';
import { deploymentNow, vietnamYearOf } from '../domain/vietnam-time.ts';
import { actorLabel, hasRole, type Actor } from '../domain/actor.ts';
import { appendAudit, auditRowOf } from './audit.service.ts';
import { parseInput } from './validation.ts';

export const DEFAULT_BOOK_NAMES: Record<Direction, string> = { incoming: 'Sổ văn bản đến', outgoing: 'Sổ văn bản đi' };

/** Each agency has at least the default incoming and outgoing book of the current year. */
export async function ensureDefaultBooks(db: Executor, agencyId: string, now = deploymentNow()): Promise<void> {
  const year = vietnamYearOf(now);
  for (const direction of ['incoming', 'outgoing'] as const) {
    await bookRepository.insertIfMissing(db, { agencyId, direction, year, name: `${DEFAULT_BOOK_NAMES[direction]} năm ${year}` });
  }
}

export async function booksFor(db: Database, agencyId: string, direction: Direction, now = deploymentNow()): Promise<RegisterBook[]> {
  await ensureDefaultBooks(db, agencyId, now);
  return bookRepository.listForAgency(db, agencyId, direction);
}

/**
 * The book a document is to be numbered in, checked without locking it: refuses a book of another
 * agency or direction, a closed book, and a book of a year other than the current one (Vietnam
 * time, on PostgreSQL's clock unless `now` is given: a process whose clock is past New Year's Eve
 * must not number into next year's book). Do every other check and write first; take the number
 * last (takeNumber / numberDocument).
 */
export async function bookForNumbering(
  trx: Executor,
  opts: { bookId: string; agencyId: string; direction: Direction; now?: Date; /** The book row when the caller read it already (lockForTransition). */ book?: RegisterBook | null },
): Promise<{ book: RegisterBook; year: number }> {
  const book = opts.book !== undefined && (opts.book === null || String(opts.book.id) === String(opts.bookId)) ? opts.book : await bookRepository.findById(trx, opts.bookId);
  if (!book || String(book.agencyId) !== String(opts.agencyId) || book.direction !== opts.direction) {
    throw new AppError('validation', 'Sổ văn bản không hợp lệ cho văn bản này.');
  }
  const year = vietnamYearOf(opts.now ?? (await clockRepository.now(trx)));
  if (book.closed || book.year !== year) throw new AppError('conflict', `${book.name} (năm ${book.year}) đã khóa sổ; hãy chọn sổ của năm ${year}.`);
  return { book, year };
}

const closedMeanwhile = (book: RegisterBook) => new AppError('conflict', `${book.name} đã khóa sổ.`);

/**
 * Takes the book's next number inside the caller's transaction and records the entry (one
 * statement). The book row stays locked from here to COMMIT: call it after every check and every
 * write that does not need the number.
 */
export async function takeNumber(trx: Executor, opts: { bookId: string; agencyId: string; direction: Direction; documentId: string; actorUserId: string | null; now?: Date; checked?: { book: RegisterBook; year: number } }): Promise<{ book: RegisterBook; number: number }> {
  const { book, year } = opts.checked ?? (await bookForNumbering(trx, opts));
  // The year and closed flag are checked again in the statement: the book may have been closed since.
  const number = await bookRepository.takeNumber(trx, { bookId: book.id, year, documentId: opts.documentId, createdBy: opts.actorUserId });
  if (number === null) throw closedMeanwhile(book);
  return { book, number };
}

/**
 * A document's numbered transition (vào sổ) in two writes, the second being the LAST statement of
 * the transaction: first the document's new state, book and `patch` (its new entries in every index
 * of document are made here, before the book is locked); then number, book entry, `book_number`,
 * timeline event and audit entry in one round trip (bookRepository.numberDocument) — the same rows
 * recordTransition writes, with `number` added to the event's data and the audit entry. The book
 * row is locked only for that statement and the COMMIT, which is what lets registrations into one
 * book run at commit speed.
 */
export async function numberDocument(
  trx: Executor,
  t: { checked: { book: RegisterBook; year: number }; doc: DocumentRow; actor: Actor; action: string; to: string; note?: string | null; data?: Record<string, unknown>; patch?: Updateable<DocumentTable>; /** The audit entry's time (PostgreSQL's now() of the transaction when the caller has it). */ at?: Date },
): Promise<number> {
  const label = actorLabel(t.actor);
  const { book, year } = t.checked;
  const data = { ...(t.data ?? {}) };
  await documentRepository.update(trx, t.doc.id, { ...(t.patch ?? {}), bookId: book.id, ...(t.to !== t.doc.state ? { state: t.to } : {}) });
  const number = await bookRepository.numberDocument(trx, {
    bookId: book.id,
    year,
    documentId: t.doc.id,
    createdBy: t.actor.userId,
    event: { actorUserId: t.actor.userId, actorLabel: label, action: t.action, fromState: t.doc.state, toState: t.to, note: t.note ?? null, data },
    audit: auditRowOf(
      {
        actor: { userId: t.actor.userId, label },
        agencyId: t.doc.agencyId,
        action: `document.${t.action}`,
        entityType: 'document',
        entityId: t.doc.id,
        before: { state: t.doc.state },
        after: { state: t.to, ...data, ...(t.note ? { note: t.note } : {}) },
      },
      t.at,
    ) as Parameters<typeof bookRepository.numberDocument>[1]['audit'],
  });
  if (number === null) throw closedMeanwhile(book);
  return number;
}

export const createBookSchema = z.object({
  direction: z.enum(['incoming', 'outgoing']),
  name: z.string().trim().min(3, 'quá ngắn').max(200),
  year: z.coerce.number().int().min(2000).max(2200).optional(),
  typeCodes: z.array(z.string()).optional(),
});

export async function createBook(db: Database, actor: Actor, agencyId: string, raw: unknown): Promise<RegisterBook> {
  const input = parseInput(createBookSchema, raw);
  if (!hasRole(actor, agencyId, 'clerk', 'admin')) throw new AppError('forbidden', 'Chỉ văn thư hoặc quản trị mới mở sổ văn bản.');
  return db.transaction().execute(async (trx) => {
    const book = await bookRepository
      .insert(trx, { agencyId, direction: input.direction, year: input.year ?? vietnamYearOf(deploymentNow()), name: input.name, typeCodes: input.typeCodes?.length ? input.typeCodes : null })
      .catch((e: { code?: string }) => {
        if (e.code === '23505') throw new AppError('conflict', `Đã có sổ "${input.name}" trong năm này.`);
        throw e;
      });
    await appendAudit(trx, { actor: { userId: actor.userId, label: actorLabel(actor) }, agencyId, action: 'book.created', entityType: 'register_book', entityId: book.id, after: book });
    return book;
  });
}

export async function cancelNumber(db: Database, actor: Actor, bookId: string, number: number, reason: string): Promise<void> {
  const book = await bookRepository.findById(db, bookId);
  if (!book || !hasRole(actor, book.agencyId, 'clerk')) throw new AppError('not_found', 'Không tìm thấy sổ văn bản.');
  if (!reason.trim()) throw new AppError('validation', 'Cần ghi lý do hủy số.');
  await db.transaction().execute(async (trx) => {
    // The number stays in the book, marked cancelled: it is never silently reused (DOMAIN.md §3).
    if ((await bookRepository.cancelEntry(trx, bookId, number, reason.trim())) === 0) throw new AppError('not_found', 'Không có số này trong sổ hoặc số đã bị hủy.');
    await appendAudit(trx, { actor: { userId: actor.userId, label: actorLabel(actor) }, agencyId: book.agencyId, action: 'book.number_cancelled', entityType: 'register_book', entityId: bookId, after: { number, reason } });
  });
}
