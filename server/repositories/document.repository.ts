import { createHash } from 'node:crypto';
import { CompiledQuery, sql, type Insertable, type Updateable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { AssignmentKind, DocumentRow, DocumentTable, RegisterBook } from '../db/types.ts';
import type { Actor } from '../domain/actor.ts';
import { accessScopeOf, narrowAccessFilter, principalsOf } from './search.repository.ts';

/** An active assignment as relationsOf reads it. */
export interface ActiveAssignment {
  kind: AssignmentKind;
  unitId: string | null;
  userId: string | null;
}

export interface TransitionContext {
  doc: DocumentRow;
  /** PostgreSQL's now(): the instant the transaction started. */
  now: Date;
  assignments: ActiveAssignment[];
  /** The book asked for, or null (no such book, or none asked for). */
  book: RegisterBook | null;
}

export interface EventInput {
  documentId: string;
  actorUserId: string | null;
  actorLabel: string;
  action: string;
  fromState: string | null;
  toState: string | null;
  note?: string | null;
  data?: unknown;
}

export interface ListFilter {
  agencyId: string;
  direction: 'incoming' | 'outgoing';
  states: string[];
  overdueOn?: string; // YYYY-MM-DD: only those whose handling deadline is before this day
  after?: { urgency: number; id: string }; // keyset: the last row of the previous page
  limit: number;
}

/** A row of the lists of Văn bản đến / đi (documentRepository.list). */
export type ListedDocument = Pick<
  DocumentRow,
  'id' | 'direction' | 'state' | 'typeCode' | 'typeName' | 'codeNumber' | 'codeNotation' | 'subject' | 'issuerName' | 'urgency' | 'promulgationDate' | 'bookNumber' | 'handlingDeadline' | 'signerFullName'
>;
// Under the names of ListedDocument. DATE columns come back as 'YYYY-MM-DD' strings (db/database.ts).
const LIST_COLUMNS = [
  'd.id',
  'd.direction',
  'd.state',
  'd.type_code as "typeCode"',
  'd.type_name as "typeName"',
  'd.code_number as "codeNumber"',
  'd.code_notation as "codeNotation"',
  'd.subject',
  'd.issuer_name as "issuerName"',
  'd.urgency',
  'd.promulgation_date as "promulgationDate"',
  'd.book_number as "bookNumber"',
  'd.handling_deadline as "handlingDeadline"',
  'd.signer_full_name as "signerFullName"',
].join(', ');
/** The list's statement texts met so far → their prepared statement names. */
const LIST_STATEMENTS = new Map<string, string>();

export const documentRepository = {
  async insert(db: Executor, d: Insertable<DocumentTable>): Promise<DocumentRow> {
    return db.insertInto('document').values(d).returningAll().executeTakeFirstOrThrow();
  },

  findById(db: Executor, id: string): Promise<DocumentRow | undefined> {
    return db.selectFrom('document').selectAll().where('id', '=', id).executeTakeFirst();
  },

  /** Row lock for a transition: a second submission of the same form waits, then sees the new state. */
  lockById(db: Executor, id: string): Promise<DocumentRow | undefined> {
    return db.selectFrom('document').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  },

  /**
   * lockById and what a transition reads next, in one round trip: the document's active
   * assignments (kind, unit, person — what relationsOf needs), PostgreSQL's now() (the
   * transaction's clock, docs/RELIABILITY.md "Clocks") and, when `bookId` is given, that book's row
   * (not locked; checked against the document's agency by book.service bookForNumbering).
   */
  async lockForTransition(db: Executor, id: string, bookId?: string): Promise<TransitionContext | undefined> {
    const r = await sql<DocumentRow & { txNow: Date; activeAssignments: ActiveAssignment[]; book: (Omit<RegisterBook, 'createdAt'> & { createdAt: string }) | null }>`
      select d.*, now() as tx_now,
        coalesce((select json_agg(json_build_object('kind', a.kind, 'unitId', a.unit_id::text, 'userId', a.user_id::text) order by a.id)
                  from document_assignment a where a.document_id = d.id and a.active), '[]'::json) as active_assignments,
        ${bookId === undefined ? sql`null::json` : sql`(select json_build_object('id', b.id::text, 'agencyId', b.agency_id::text, 'direction', b.direction, 'year', b.year, 'name', b.name, 'typeCodes', b.type_codes, 'nextNumber', b.next_number, 'closed', b.closed, 'createdAt', b.created_at) from register_book b where b.id = ${bookId})`} as book
      from document d where d.id = ${id}
      for update of d`.execute(db);
    const row = r.rows[0];
    if (!row) return undefined;
    const { txNow, activeAssignments, book, ...doc } = row;
    return { doc: doc as DocumentRow, now: txNow, assignments: activeAssignments, book: book ? { ...book, createdAt: new Date(book.createdAt) } : null };
  },

  async update(db: Executor, id: string, patch: Updateable<DocumentTable>): Promise<void> {
    await db.updateTable('document').set({ ...patch, updatedAt: sql<Date>`now()` }).where('id', '=', id).execute();
  },

  async addEvent(db: Executor, e: EventInput): Promise<void> {
    await db
      .insertInto('documentEvent')
      .values({ ...e, note: e.note ?? null, data: e.data === undefined ? null : JSON.stringify(e.data) })
      .execute();
  },

  events(db: Executor, documentId: string) {
    return db.selectFrom('documentEvent').selectAll().where('documentId', '=', documentId).orderBy('id').execute();
  },

  files(db: Executor, documentId: string) {
    return db.selectFrom('documentFile').selectAll().where('documentId', '=', documentId).orderBy('role').orderBy('version', 'desc').orderBy('id').execute();
  },

  /**
   * The files a released document is sent with: the final versions of the main file and the
   * attachments (a file that a finished signature step replaced is left out), or else the newest
   * draft when nothing was issued as a main file.
   */
  async filesToSend(db: Executor, documentId: string) {
    const files = await db
      .selectFrom('documentFile as f')
      .selectAll('f')
      .where('f.documentId', '=', documentId)
      .where('f.role', 'in', ['main', 'attachment'])
      .where((eb) => eb.not(eb.exists(eb.selectFrom('signingRequest as s').select('s.id').whereRef('s.sourceFileId', '=', 'f.id').where('s.status', '=', 'done'))))
      .orderBy('f.role', 'desc')
      .orderBy('f.id')
      .execute();
    if (files.length) return files;
    const draft = await db.selectFrom('documentFile').selectAll().where('documentId', '=', documentId).where('role', '=', 'draft').orderBy('version', 'desc').limit(1).execute();
    return draft;
  },

  file(db: Executor, documentId: string, fileId: string) {
    return db.selectFrom('documentFile').selectAll().where('documentId', '=', documentId).where('id', '=', fileId).executeTakeFirst();
  },

  assignments(db: Executor, documentId: string, activeOnly = true) {
    let q = db
      .selectFrom('documentAssignment as a')
      .leftJoin('unit as u', 'u.id', 'a.unitId')
      .leftJoin('appUser as p', 'p.id', 'a.userId')
      .select(['a.id', 'a.kind', 'a.unitId', 'a.userId', 'a.deadline', 'a.active', 'a.createdAt', 'u.name as unitName', 'p.fullName as userName'])
      .where('a.documentId', '=', documentId);
    if (activeOnly) q = q.where('a.active', '=', true);
    return q.orderBy('a.id').execute();
  },

  async deactivateAssignments(db: Executor, documentId: string, kinds: string[]): Promise<void> {
    await db.updateTable('documentAssignment').set({ active: false }).where('documentId', '=', documentId).where('kind', 'in', kinds as never).where('active', '=', true).execute();
  },

  async addAssignment(db: Executor, a: { documentId: string; kind: 'lead' | 'co' | 'info'; unitId: string | null; userId: string | null; deadline: string | null; assignedBy: string }): Promise<void> {
    await db.insertInto('documentAssignment').values(a).execute();
  },

  recipients(db: Executor, documentId: string) {
    return db.selectFrom('documentRecipient').selectAll().where('documentId', '=', documentId).orderBy('id').execute();
  },

  async addRecipient(db: Executor, r: { documentId: string; kind: 'unit' | 'agency'; unitId: string | null; agencyCode: string | null; agencyName: string; status: string }): Promise<string> {
    const row = await db.insertInto('documentRecipient').values(r).returning('id').executeTakeFirstOrThrow();
    return row.id;
  },

  async addLink(db: Executor, fromId: string, toId: string, kind: 'reply_to' | 'replaces' | 'revokes' | 'updates'): Promise<void> {
    await db.insertInto('documentLink').values({ fromId, toId, kind }).onConflict((oc) => oc.doNothing()).execute();
  },

  links(db: Executor, documentId: string) {
    return db
      .selectFrom('documentLink as l')
      .innerJoin('document as d', (j) => j.on((eb) => eb.or([eb('d.id', '=', eb.ref('l.toId')), eb('d.id', '=', eb.ref('l.fromId'))])))
      .select(['l.fromId', 'l.toId', 'l.kind', 'd.id', 'd.codeNumber', 'd.codeNotation', 'd.subject', 'd.direction'])
      .where((eb) => eb.or([eb('l.fromId', '=', documentId), eb('l.toId', '=', documentId)]))
      .where('d.id', '<>', documentId)
      .execute();
  },

  /** Possible duplicates (DOMAIN.md §3): same identifier, or same số ký hiệu + issuer + date. */
  findDuplicates(db: Executor, agencyId: string, d: { id?: string; externalId: string | null; codeNumber: string | null; codeNotation: string | null; issuerName: string | null; promulgationDate: string | null }) {
    return db
      .selectFrom('document')
      .select(['id', 'codeNumber', 'codeNotation', 'issuerName', 'promulgationDate', 'subject', 'state', 'bookNumber'])
      .where('agencyId', '=', agencyId)
      .where('direction', '=', 'incoming')
      .where('state', '<>', 'returned')
      .$if(Boolean(d.id), (q) => q.where('id', '<>', d.id!))
      .where((eb) => {
        const ors = [];
        if (d.externalId) ors.push(eb('externalId', '=', d.externalId));
        if (d.codeNumber && d.codeNotation && d.promulgationDate) {
          ors.push(
            eb.and([
              eb(sql`lower(code_number)`, '=', d.codeNumber.toLowerCase()),
              eb(sql`upper(code_notation)`, '=', d.codeNotation.toUpperCase()),
              eb('promulgationDate', '=', d.promulgationDate),
              eb(sql`lower(coalesce(issuer_name, ''))`, '=', (d.issuerName ?? '').toLowerCase()),
            ]),
          );
        }
        return ors.length ? eb.or(ors) : eb.val(false);
      })
      .limit(5)
      .execute();
  },

  /**
   * The lists of Văn bản đến / đi. Visibility (issue 3 item 6): clerks, leaders and administrators see
   * the whole agency; others what they created, are assigned to (personally or through their unit),
   * co-handle or are informed of. Urgent first, then newest; keyset pagination on (urgency, id).
   *
   * Each (state, principal) pair is read on its own from an index already in list order and stops
   * after one page, so a page costs at most states × principals × limit index entries, however many
   * documents the agency holds: the agency's inbox index for the whole agency, document_access for a
   * person's own relations (1,000,000 documents: 160 ms → a few ms for a specialist).
   *
   * Written as SQL text with its parameters rather than with the query builder: this is the query of
   * the busiest page (issue 8 item 4), where building, transforming and compiling the builder's tree
   * and renaming every column of every row (CamelCasePlugin) were ~10 % of the web process's CPU per
   * page. The columns are selected under their camelCase names, so the rows need no renaming and run
   * without the plugins. Only what a list shows or the API returns is selected (no timestamps: each
   * would be parsed into a Date for nothing).
   */
  async list(db: Executor, actor: Actor, f: ListFilter): Promise<ListedDocument[]> {
    const scope = accessScopeOf(actor);
    const states = [...new Set(f.states)];
    const params: unknown[] = [String(f.agencyId), f.direction];
    const param = (v: unknown) => `$${params.push(v)}`;
    // The page size is written into the text when it is a plain count (the inbox's is always 51):
    // with it known, PostgreSQL settles on one generic plan for the prepared statement below instead
    // of planning every call again (with `limit $n` it kept choosing custom plans).
    const limit = Number.isSafeInteger(f.limit) && f.limit > 0 ? String(f.limit) : param(f.limit);
    // Optional conditions shared by every per-state read, on the alias `t` of its table.
    const deadline = f.overdueOn ? param(f.overdueOn) : null;
    const keyset = f.after ? `(${param(f.after.urgency)}, ${param(f.after.id)})` : null;
    const tail = (t: string, id: string) =>
      `${deadline ? ` and ${t}.handling_deadline < ${deadline}` : ''}${keyset ? ` and (${t}.urgency, ${t}.${id}) < ${keyset}` : ''} order by ${t}.urgency desc, ${t}.${id} desc limit ${limit}`;
    const pages: string[] = [];
    if (scope.wide.includes(String(f.agencyId))) {
      for (const state of states) {
        pages.push(`(select d.id from document d where d.agency_id = $1 and d.direction = $2 and d.state = ${param(state)}${tail('d', 'id')})`);
      }
    } else {
      const narrow = scope.narrow.find((n) => n.agencyId === String(f.agencyId));
      for (const p of narrow ? principalsOf(actor, narrow) : []) {
        // A head sees the drafts of their unit once submitted: never in the draft state.
        if (p.kind === 'drafting_unit' && f.direction !== 'outgoing') continue;
        let principal = ''; // its parameters only once a read uses them (PostgreSQL refuses unused ones)
        for (const state of states) {
          if (p.kind === 'drafting_unit' && state === 'draft') continue;
          principal ||= `x.principal_kind = ${param(p.kind)} and x.principal_id = ${param(p.id)}`;
          pages.push(`(select x.document_id from document_access x where ${principal} and x.agency_id = $1 and x.direction = $2 and x.state = ${param(state)}${tail('x', 'document_id')})`);
        }
      }
    }
    if (!pages.length) return [];
    // The same document reached through two principals (e.g. assigned to the person and their unit)
    // is listed once: IN is a semi-join. The agency is checked again on the document itself.
    const text = `select ${LIST_COLUMNS} from document d where d.id in (${pages.join(' union all ')}) and d.agency_id = $1 and d.direction = $2 order by d.urgency desc, d.id desc limit ${limit}`;
    // Prepared once per connection and shape (db/database.ts): PostgreSQL took as long to parse and
    // plan this statement as to run it (~0.3 ms each, EXPLAIN ANALYZE). The shapes are few (tab's
    // states × the person's principals × cursor and deadline present or not), each named by its text.
    let name = LIST_STATEMENTS.get(text);
    if (!name) {
      name = `document.list.${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
      if (LIST_STATEMENTS.size < 1000) LIST_STATEMENTS.set(text, name);
    }
    const { rows } = await db.withoutPlugins().executeQuery<ListedDocument>(CompiledQuery.raw(`/* prepared:${name} */ ${text}`, params));
    return rows;
  },

  /** Counts per state of what the person sees (home page), plus overdue ones. */
  async countsByState(db: Executor, actor: Actor, agencyId: string, direction: 'incoming' | 'outgoing', today: string) {
    const scope = accessScopeOf(actor);
    if (!scope.wide.includes(String(agencyId))) {
      const narrow = scope.narrow.find((n) => n.agencyId === String(agencyId));
      if (!narrow) return [];
      // Each visible document once, whichever relations make it visible.
      const mine = db
        .selectFrom('documentAccess as x')
        .select(['x.documentId', 'x.state', 'x.handlingDeadline'])
        .distinct()
        .where('x.direction', '=', direction)
        .where(narrowAccessFilter(actor, [narrow]));
      const rows = await db
        .selectFrom(mine.as('m'))
        .select(['m.state', (eb) => eb.fn.countAll<string>().as('n'), (eb) => eb.fn.sum<string>(eb.case().when('m.handlingDeadline', '<', today).then(1).else(0).end()).as('overdue')])
        .groupBy('m.state')
        .execute();
      return rows.map((r) => ({ state: r.state, count: Number(r.n), overdue: Number(r.overdue ?? 0) }));
    }
    // The whole agency: counts from the inbox index alone (index-only scan, no table read), and the
    // overdue ones from the deadline index, which holds only documents with a handling deadline.
    const [rows, overdue] = await Promise.all([
      db.selectFrom('document as d').where('d.agencyId', '=', agencyId).where('d.direction', '=', direction).select(['d.state', (eb) => eb.fn.countAll<string>().as('n')]).groupBy('d.state').execute(),
      db
        .selectFrom('document as d')
        .where('d.agencyId', '=', agencyId)
        .where('d.direction', '=', direction)
        .where('d.handlingDeadline', '<', today)
        .select(['d.state', (eb) => eb.fn.countAll<string>().as('n')])
        .groupBy('d.state')
        .execute(),
    ]);
    const late = new Map(overdue.map((r) => [r.state, Number(r.n)]));
    return rows.map((r) => ({ state: r.state, count: Number(r.n), overdue: late.get(r.state) ?? 0 }));
  },

  count(db: Executor) {
    return db.selectFrom('document').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow().then((r) => Number(r.n));
  },
};
