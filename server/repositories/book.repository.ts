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

/** One document of bookRepository.registerAtOnce, with what its actor may do. */
export interface RegistrationItem {
  documentId: string;
  /** Agencies where the actor holds a role allowed to register. */
  agencyIds: readonly string[];
  fromStates: readonly string[];
  toState: string;
  actorUserId: string | null;
  actorLabel: string;
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
   * The registration (vào sổ) of one or more incoming documents into one book as ONE statement run on
   * its own — its own transaction, no BEGIN/COMMIT round trips. For each document it locks it (in id
   * order, as every batch does, so two batches never wait for each other crosswise) if it is still in
   * one of its `fromStates`, in one of its `agencyIds` (those where that actor holds a role allowed to
   * register) and not a copy from the axis; keeps those of the book's agency; takes as many numbers as
   * are left if the book is for incoming documents, open and of the current year (Vietnam time, on
   * PostgreSQL's clock at this statement), in the items' order; records the entries; writes state,
   * book, number and `registered_at` onto the documents; and inserts their timeline events and audit
   * entries (the rows of the transactional path: book.service numberDocument, with the book's name and
   * the number in their data). The book row is locked from here to the end of this statement's own
   * commit, with no client round trip in between, and once for the whole batch (issue 3 benchmark).
   * Returns the number of each document registered; a document missing from the map was not touched
   * (a condition did not hold), and the caller takes the transactional path for it, which says why.
   * Every documentId must appear once.
   */
  async registerAtOnce(db: Executor, bookId: string, items: readonly RegistrationItem[]): Promise<Map<string, number>> {
    const rows = items.map((e, pos) => ({ pos, document_id: e.documentId, agency_ids: e.agencyIds, from_states: e.fromStates, to_state: e.toState, actor_user_id: e.actorUserId, actor_label: e.actorLabel }));
    const r = await sql<{ documentId: string; number: number }>`${prepared('book.register_at_once')}
      with i as (
        select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
          as i(pos int, document_id bigint, agency_ids bigint[], from_states text[], to_state text, actor_user_id bigint, actor_label text)
      ), d as materialized (
        select doc.id, doc.agency_id, doc.state as from_state, i.pos, i.to_state, i.actor_user_id, i.actor_label
        from document doc join i on i.document_id = doc.id
        where doc.agency_id = any(i.agency_ids) and doc.direction = 'incoming' and doc.state = any(i.from_states) and doc.source <> 'axis'
        order by doc.id
        for update of doc
      ), ok as materialized (
        select d.* from d join register_book b on b.id = ${bookId} and b.agency_id = d.agency_id
      ), n as (
        update register_book b set next_number = next_number + (select count(*) from ok)
        where b.id = ${bookId} and b.direction = 'incoming' and not b.closed
          and b.year = extract(year from now() at time zone 'Asia/Ho_Chi_Minh')::int
          and exists (select 1 from ok)
        returning b.id, b.name, b.next_number - (select count(*) from ok) as first
      ), numbered as materialized (
        select ok.*, n.id as book_id, n.name as book_name, (n.first + row_number() over (order by ok.pos) - 1)::int as number
        from ok cross join n
      ), entry as (
        insert into book_entry (book_id, number, document_id, created_by)
        select book_id, number, id, actor_user_id from numbered
      ), doc as (
        update document set state = numbered.to_state, book_id = numbered.book_id, book_number = numbered.number, registered_at = now(), updated_at = now()
        from numbered where document.id = numbered.id
      ), event as (
        insert into document_event (document_id, actor_user_id, actor_label, action, from_state, to_state, note, data)
        select id, actor_user_id, actor_label, 'register', from_state, to_state, null, jsonb_build_object('book', book_name, 'number', number)
        from numbered
      ), audit as (
        insert into audit_log (at, actor_user_id, actor_label, agency_id, action, entity_type, entity_id, before, after)
        select now(), actor_user_id, actor_label, agency_id, 'document.register', 'document', id::text,
               jsonb_build_object('state', from_state), jsonb_build_object('state', to_state, 'book', book_name, 'number', number)
        from numbered
      )
      select id::text as document_id, number from numbered`.execute(db);
    return new Map(r.rows.map((x) => [String(x.documentId), x.number]));
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
