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

  /** Entries of one book whose registration day (Vietnam time) lies in [from, to], by number. */
  entries(db: Executor, bookId: string, from: string, to: string, limit: number): Promise<BookEntryRow[]> {
    const vnDate = sql<string>`to_char(e.created_at at time zone 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD')`;
    return db
      .selectFrom('bookEntry as e')
      .innerJoin('document as d', 'd.id', 'e.documentId')
      .leftJoin('unit as du', 'du.id', 'd.draftingUnitId')
      .select([
        'e.number',
        'e.status',
        'e.cancelReason',
        vnDate.as('entryDate'),
        'd.id as documentId',
        'd.typeName',
        'd.codeNumber',
        'd.codeNotation',
        'd.promulgationDate',
        'd.subject',
        'd.issuerName',
        'd.signerFullName',
        'd.urgency',
        'd.state',
        'd.dueDate',
        'd.completedAt',
        'd.promulgationAmount',
        'du.name as draftingUnitName',
        sql<string | null>`(select string_agg(coalesce(u.name, p.full_name), '; ' order by (a.kind <> 'lead'), a.id)
          from document_assignment a left join unit u on u.id = a.unit_id left join app_user p on p.id = a.user_id
          where a.document_id = d.id and a.active and a.kind in ('lead', 'co'))`.as('handlers'),
        sql<string | null>`(select to_char(min(a.created_at) at time zone 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD')
          from document_assignment a where a.document_id = d.id and a.kind = 'lead')`.as('handedOn'),
        sql<string | null>`coalesce((select to_char(a.deadline, 'YYYY-MM-DD') from document_assignment a
          where a.document_id = d.id and a.kind = 'lead' and a.active limit 1), to_char(d.due_date, 'YYYY-MM-DD'))`.as('deadline'),
        sql<string | null>`(select string_agg(r.agency_name, '; ' order by r.id) from document_recipient r where r.document_id = d.id)`.as('recipients'),
        sql<string | null>`(select string_agg(concat_ws('/', x.code_number, x.code_notation), '; ' order by x.id)
          from document_link l join document x on x.id = l.from_id where l.to_id = d.id and l.kind = 'reply_to')`.as('replies'),
      ])
      .where('e.bookId', '=', bookId)
      .where(vnDate, '>=', from)
      .where(vnDate, '<=', to)
      .orderBy('e.number')
      .limit(limit)
      .execute() as Promise<BookEntryRow[]>;
  },
};
