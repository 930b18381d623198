import { sql } from 'kysely';
import { prepared, type Executor } from '../db/database.ts';
import type { Direction, RegisterBook } from '../db/types.ts';

/**
 * The CTEs `n` (the next number of an open book of `year`, locking the book row until the
 * transaction ends) and `entry` (its book entry), shared by takeNumber and numberDocument.
 */
function numberAndEntry(e: { bookId: string; year: number; documentId: string; createdBy: string | null }) {
  return sql`n as (
        update register_book set next_number = next_number + 1
        where id = ${e.bookId} and not closed and year = ${e.year}
        returning id, next_number - 1 as number
      ), entry as (
        insert into book_entry (book_id, number, document_id, created_by)
        select id, number, ${e.documentId}, ${e.createdBy} from n
      )`;
}

export const bookRepository = {
  listForAgency(db: Executor, agencyId: string, direction?: Direction, year?: number): Promise<RegisterBook[]> {
    let q = db.selectFrom('registerBook').selectAll().where('agencyId', '=', agencyId);
    if (direction) q = q.where('direction', '=', direction);
    if (year) q = q.where('year', '=', year);
    return q.orderBy('year', 'desc').orderBy('direction').orderBy('name').execute();
  },

  findById(db: Executor, id: string): Promise<RegisterBook | undefined> {
    return db.selectFrom('registerBook').selectAll().where('id', '=', id).executeTakeFirst();
  },

  async insert(db: Executor, b: { agencyId: string; direction: Direction; year: number; name: string; typeCodes: string[] | null }): Promise<RegisterBook> {
    return db.insertInto('registerBook').values(b).returningAll().executeTakeFirstOrThrow();
  },

  async insertIfMissing(db: Executor, b: { agencyId: string; direction: Direction; year: number; name: string }): Promise<void> {
    await db.insertInto('registerBook').values({ ...b, typeCodes: null }).onConflict((oc) => oc.constraint('register_book_unique_name').doNothing()).execute();
  },

  /**
   * Takes the next number of an open book of `year` and records the entry, in one statement. The
   * UPDATE locks the book row until the transaction ends, so concurrent registrations queue here
   * and numbers come out continuous: a rolled-back registration rolls its increment back too
   * (Decree 30/2020 Art. 15: no gap, no duplicate). Call it as late as possible in the transaction:
   * everything after it, up to COMMIT, is done while the other registrations into this book wait.
   */
  async takeNumber(db: Executor, e: { bookId: string; year: number; documentId: string; createdBy: string | null }): Promise<number | null> {
    const r = await sql<{ number: number }>`
      with ${numberAndEntry(e)}
      select number from n`.execute(db);
    return r.rows[0]?.number ?? null;
  },

  /**
   * The numbered step of a document in ONE statement, meant to be the last before COMMIT so the
   * book row stays locked only for this statement and the commit: takes the next number (as
   * takeNumber) and records the entry, writes the number onto the document, and inserts the
   * timeline event and the audit entry, each with the number merged into its JSON (`number`).
   * Only `book_number` is written to the document here: the state and the book were written
   * before the lock (book.service numberDocument), and `book_number` is in no index, so this is a
   * HOT update (migration 2026_11_28_12_40_00) instead of new entries in every index of document.
   */
  async numberDocument(
    db: Executor,
    e: {
      bookId: string;
      year: number;
      documentId: string;
      createdBy: string | null;
      event: { actorUserId: string | null; actorLabel: string; action: string; fromState: string; toState: string; note: string | null; data: Record<string, unknown> };
      audit: { at: string; actorUserId: string | null; actorLabel: string; agencyId: string | null; action: string; entityType: string; entityId: string; before: unknown; after: Record<string, unknown> };
    },
  ): Promise<number | null> {
    const a = e.audit;
    const ev = e.event;
    const r = await sql<{ number: number }>`
      with ${numberAndEntry(e)}, doc as (
        update document set book_number = n.number from n where document.id = ${e.documentId}
      ), event as (
        insert into document_event (document_id, actor_user_id, actor_label, action, from_state, to_state, note, data)
        select ${e.documentId}, ${ev.actorUserId}, ${ev.actorLabel}, ${ev.action}, ${ev.fromState}, ${ev.toState}, ${ev.note},
               ${JSON.stringify(ev.data)}::jsonb || jsonb_build_object('number', n.number) from n
      ), audit as (
        insert into audit_log (at, actor_user_id, actor_label, agency_id, action, entity_type, entity_id, before, after)
        select ${a.at}, ${a.actorUserId}, ${a.actorLabel}, ${a.agencyId}, ${a.action}, ${a.entityType}, ${a.entityId},
               ${JSON.stringify(a.before ?? null)}::jsonb, ${JSON.stringify(a.after)}::jsonb || jsonb_build_object('number', n.number) from n
      )
      select number from n`.execute(db);
    return r.rows[0]?.number ?? null;
  },

  /**
   * The registration (vào sổ) of an incoming document as ONE statement run on its own — its own
   * transaction, no BEGIN/COMMIT round trips. It locks the document if it is still in one of
   * `fromStates`, in one of `agencyIds` (those where the actor holds a role allowed to register) and
   * not a copy from the axis; takes the next number of the book if the book is of that agency, for
   * incoming documents, open and of the current year (Vietnam time, on PostgreSQL's clock at this
   * statement); records the entry; writes state, book, number and `registered_at` onto the document;
   * and inserts the timeline event and the audit entry (the rows of the transactional path:
   * book.service numberDocument, with the book's name and the number in their data). The book row
   * is locked from here to the end of this statement's own commit, with no client round trip in
   * between — what lets registrations into one book run near commit speed (issue 3 benchmark).
   * Null when a condition did not hold: nothing was written, and the caller takes the
   * transactional path, which says why (or registers a copy from the axis).
   */
  async registerAtOnce(
    db: Executor,
    e: {
      documentId: string;
      agencyIds: readonly string[];
      bookId: string;
      fromStates: readonly string[];
      toState: string;
      actorUserId: string | null;
      actorLabel: string;
    },
  ): Promise<{ number: number; agencyId: string; fromState: string } | null> {
    // `d` is materialised so that the document's row lock is taken once and before the book's (the
    // order every transition takes them in), and the book is only touched when the document matched.
    const r = await sql<{ number: number; agencyId: string; fromState: string }>`${prepared('book.register_at_once')}
      with d as materialized (
        select id, agency_id, state from document
        where id = ${e.documentId} and agency_id = any(${e.agencyIds}::bigint[]) and direction = 'incoming'
          and state = any(${e.fromStates}::text[]) and source <> 'axis'
        for update
      ), n as (
        update register_book b set next_number = next_number + 1
        from d
        where b.id = ${e.bookId} and b.agency_id = d.agency_id and b.direction = 'incoming' and not b.closed
          and b.year = extract(year from now() at time zone 'Asia/Ho_Chi_Minh')::int
        returning b.id, b.name, b.next_number - 1 as number, d.agency_id, d.state as from_state
      ), entry as (
        insert into book_entry (book_id, number, document_id, created_by)
        select id, number, ${e.documentId}, ${e.actorUserId} from n
      ), doc as (
        update document set state = ${e.toState}, book_id = n.id, book_number = n.number, registered_at = now(), updated_at = now()
        from n where document.id = ${e.documentId}
      ), event as (
        insert into document_event (document_id, actor_user_id, actor_label, action, from_state, to_state, note, data)
        select ${e.documentId}, ${e.actorUserId}, ${e.actorLabel}, 'register', n.from_state, ${e.toState}, null,
               jsonb_build_object('book', n.name, 'number', n.number) from n
      ), audit as (
        insert into audit_log (at, actor_user_id, actor_label, agency_id, action, entity_type, entity_id, before, after)
        select now(), ${e.actorUserId}, ${e.actorLabel}, n.agency_id, 'document.register', 'document', ${e.documentId},
               jsonb_build_object('state', n.from_state), jsonb_build_object('state', ${e.toState}::text, 'book', n.name, 'number', n.number) from n
      )
      select number, agency_id::text as agency_id, from_state from n`.execute(db);
    return r.rows[0] ?? null;
  },

  async cancelEntry(db: Executor, bookId: string, number: number, reason: string): Promise<number> {
    const r = await db.updateTable('bookEntry').set({ status: 'cancelled', cancelReason: reason }).where('bookId', '=', bookId).where('number', '=', number).where('status', '=', 'active').executeTakeFirst();
    return Number(r.numUpdatedRows);
  },

  async setClosed(db: Executor, id: string, closed: boolean): Promise<void> {
    await db.updateTable('registerBook').set({ closed }).where('id', '=', id).execute();
  },

  entries(db: Executor, bookId: string) {
    return db.selectFrom('bookEntry').selectAll().where('bookId', '=', bookId).orderBy('number').execute();
  },
};
