// Registrations into one book that arrive while this process is writing others into it are written
// together, by the next single statement (bookRepository.registerAtOnce): one lock of the book row,
// one statement and one commit for the batch instead of one each (issue 3 benchmark: registrations
// into one book by 8 clerks at once). A registration waits at most for the statement in flight; each
// document is still registered exactly once, numbered in the order the requests arrived, with its own
// timeline event and audit entry, and the batch commits or fails as a whole. A batch that fails is
// retried one document at a time, so a document that cannot be written fails alone.
import type { Database } from '../db/database.ts';
import { bookRepository, type RegistrationItem } from '../repositories/book.repository.ts';

interface Waiting {
  item: RegistrationItem;
  resolve(number: number | null): void;
  reject(e: unknown): void;
}

/** Documents per statement at most (the statement's JSON parameter and lock hold stay small). */
const MAX_BATCH = 64;
/**
 * Statements in flight per book: while one holds the book's lock and commits, the next one is sent,
 * parsed and takes its documents' locks, and Node prepares the one after — one at a time left the
 * process and PostgreSQL waiting for each other.
 */
const WRITERS = 2;

interface Queue {
  waiting: Waiting[];
  writers: number;
}

const queues = new WeakMap<Database, Map<string, Queue>>();

/** The number the document got in `bookId`, or null when a condition did not hold (nothing written). */
export function registerInBook(db: Database, bookId: string, item: RegistrationItem): Promise<number | null> {
  let books = queues.get(db);
  if (!books) queues.set(db, (books = new Map()));
  let queue = books.get(bookId);
  if (!queue) books.set(bookId, (queue = { waiting: [], writers: 0 }));
  const q = queue;
  const done = new Promise<number | null>((resolve, reject) => q.waiting.push({ item, resolve, reject }));
  if (q.writers < WRITERS) void drain(db, bookId, q, books);
  return done;
}

async function drain(db: Database, bookId: string, q: Queue, books: Map<string, Queue>): Promise<void> {
  q.writers++;
  try {
    while (q.waiting.length) {
      // A document asked twice (the same form sent twice) goes into the next batch: the second
      // request then finds it registered and is answered by the transactional path.
      const batch: Waiting[] = [];
      const seen = new Set<string>();
      for (let i = 0; i < q.waiting.length && batch.length < MAX_BATCH; ) {
        const w = q.waiting[i]!;
        if (seen.has(w.item.documentId)) {
          i++;
          continue;
        }
        seen.add(w.item.documentId);
        batch.push(w);
        q.waiting.splice(i, 1);
      }
      await write(db, bookId, batch);
    }
  } finally {
    q.writers--;
    if (!q.waiting.length && !q.writers) books.delete(bookId);
  }
}

async function write(db: Database, bookId: string, batch: Waiting[]): Promise<void> {
  try {
    const numbers = await bookRepository.registerAtOnce(db, bookId, batch.map((w) => w.item));
    for (const w of batch) w.resolve(numbers.get(w.item.documentId) ?? null);
  } catch (e) {
    if (batch.length === 1) return batch[0]!.reject(e);
    for (const w of batch) await write(db, bookId, [w]);
  }
}
