// Vào sổ writes the document in two steps (server/services/book.service.ts numberDocument): its
// new state and book before the book's number is taken, then only `book_number` in the statement
// that takes the number, while the book row is locked until COMMIT. That last write must be cheap:
// a HOT update (no index entries), which needs `book_number` in no index and free room on the
// row's page.
// - document_book_number_unique (book_id, book_number) goes: the uniqueness of a number in a book
//   is book_entry's primary key (book_id, number), and book_number is copied from that very row
//   in the same statement. `book_id` alone stays indexed for the search filter by book.
// - fillfactor 90 leaves room on each page for a row's next version (new pages only; existing
//   pages gain it as VACUUM frees them).
// Frozen in time: no imports from server/.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index if not exists document_book_idx on document (book_id) where book_id is not null`.execute(db);
  await sql`drop index if exists document_book_number_unique`.execute(db);
  await sql`alter table document set (fillfactor = 90)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table document reset (fillfactor)`.execute(db);
  await sql`create unique index if not exists document_book_number_unique on document (book_id, book_number) where book_number is not null`.execute(db);
  await sql`drop index if exists document_book_idx`.execute(db);
}
