// The registers (sổ văn bản) as read for their pages and exports (Decree 30/2020 Appendix IV): every
// number a book gave out in a period, cancelled ones included, with what each column shows.
import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';
import { agencyRepository } from './agency.repository.ts';

export interface BookEntryRow {
  number: number;
  status: 'active' | 'cancelled';
  cancelReason: string | null;
  entryDate: string; // Vietnam date of the registration
  documentId: string;
  typeName: string;
  codeNumber: string | null;
  codeNotation: string | null;
  promulgationDate: string | null;
  subject: string;
  issuerName: string | null;
  signerFullName: string | null;
  urgency: number;
  state: string;
  dueDate: string | null;
  completedAt: Date | null;
  promulgationAmount: number | null;
  draftingUnitName: string | null;
  handlers: string | null; // đơn vị/người nhận: the lead first, then co-handlers
  handedOn: string | null; // ngày chuyển: the day the lead was assigned
  deadline: string | null; // thời hạn giải quyết: the lead's deadline, else the document's due date
  recipients: string | null; // nơi nhận of an outgoing document
  replies: string | null; // số ký hiệu of the documents that reply to it
}

export const bookExportRepository = {
  listBooks(db: Executor, agencyIds: string[]) {
    if (!agencyIds.length) return Promise.resolve([]);
    return db
      .selectFrom('registerBook as b')
      .innerJoin('agency as a', 'a.id', 'b.agencyId')
      .select(['b.id', 'b.agencyId', 'b.direction', 'b.year', 'b.name', 'b.closed', 'b.nextNumber', agencyRepository.nameAt(new Date()).as('agencyName')])
      .where('b.agencyId', 'in', agencyIds)
      .orderBy('b.year', 'desc')
      .orderBy('b.direction')
      .orderBy('b.name')
      .execute();
  },

  findBook(db: Executor, id: string) {
    return db
      .selectFrom('registerBook as b')
      .innerJoin('agency as a', 'a.id', 'b.agencyId')
      .select(['b.id', 'b.agencyId', 'b.direction', 'b.year', 'b.name', 'b.closed', agencyRepository.nameAt(new Date()).as('agencyName')])
      .where('b.id', '=', id)
      .executeTakeFirst();
  },

  /**
   * Entries of one book whose registration day (Vietnam time) lies in [from, to], by number. The
   * per-document columns are aggregated once for the entries' documents (hash joins), not by one
   * correlated subquery per row: document_assignment and document_link have no index by document.
   */
  async entries(db: Executor, bookId: string, from: string, to: string, limit: number): Promise<BookEntryRow[]> {
    // Registration instants of the period: the book's entries are found by (book_id, created_at).
    const start = sql`(${from}::date::timestamp at time zone 'Asia/Ho_Chi_Minh')`;
    const end = sql`((${to}::date + 1)::timestamp at time zone 'Asia/Ho_Chi_Minh')`;
    const r = await sql<BookEntryRow>`
      with e as (
        select e.number, e.status, e.cancel_reason, e.created_at, e.document_id
        from book_entry e
        where e.book_id = ${bookId} and e.created_at >= ${start} and e.created_at < ${end}
        order by e.number
        limit ${limit}
      ), a as (
        select a.document_id,
          string_agg(coalesce(u.name, p.full_name), '; ' order by (a.kind <> 'lead'), a.id) filter (where a.active and a.kind in ('lead', 'co')) as handlers,
          to_char(min(a.created_at) filter (where a.kind = 'lead') at time zone 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD') as handed_on,
          to_char(min(a.deadline) filter (where a.kind = 'lead' and a.active), 'YYYY-MM-DD') as lead_deadline
        from document_assignment a
        left join unit u on u.id = a.unit_id
        left join app_user p on p.id = a.user_id
        where a.document_id in (select document_id from e)
        group by a.document_id
      ), r as (
        select r.document_id, string_agg(r.agency_name, '; ' order by r.id) as recipients
        from document_recipient r where r.document_id in (select document_id from e)
        group by r.document_id
      ), l as (
        select l.to_id as document_id, string_agg(concat_ws('/', x.code_number, x.code_notation), '; ' order by x.id) as replies
        from document_link l join document x on x.id = l.from_id
        where l.kind = 'reply_to' and l.to_id in (select document_id from e)
        group by l.to_id
      )
      select e.number, e.status, e.cancel_reason as "cancelReason",
        to_char(e.created_at at time zone 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD') as "entryDate",
        d.id as "documentId", d.type_name as "typeName", d.code_number as "codeNumber", d.code_notation as "codeNotation",
        d.promulgation_date as "promulgationDate", d.subject, d.issuer_name as "issuerName", d.signer_full_name as "signerFullName",
        d.urgency, d.state, d.due_date as "dueDate", d.completed_at as "completedAt", d.promulgation_amount as "promulgationAmount",
        du.name as "draftingUnitName", a.handlers, a.handed_on as "handedOn",
        coalesce(a.lead_deadline, to_char(d.due_date, 'YYYY-MM-DD')) as deadline,
        r.recipients, l.replies
      from e
      join document d on d.id = e.document_id
      left join unit du on du.id = d.drafting_unit_id
      left join a on a.document_id = e.document_id
      left join r on r.document_id = e.document_id
      left join l on l.document_id = e.document_id
      order by e.number`.execute(db);
    return r.rows;
  },
};
