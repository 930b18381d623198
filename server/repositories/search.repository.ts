// Search over documents, and the one place that says which documents a user may list (issue 3
// items 6 and 10). Every query here reads `document` aliased `d`.
import { sql, type Expression, type ExpressionBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely';
import type { DB } from '../db/types.ts';
import type { Executor } from '../db/database.ts';
import type { Actor } from '../domain/actor.ts';

/** Roles that see every document of their agency (DOMAIN.md §1: văn thư, lãnh đạo; and administrators). */
export const AGENCY_WIDE_ROLES = ['clerk', 'leader', 'admin'] as const;

/** An agency where the actor sees only their own relations, with the units those relations go through. */
export interface NarrowScope {
  agencyId: string;
  /** Units of the actor's roles there: documents assigned to them are visible. */
  units: string[];
  /** Units the actor heads there: their submitted outgoing drafts are visible. */
  headUnits: string[];
}

export interface AccessScope {
  /** Agencies where a role (clerk, leader, admin) covers every document. */
  wide: string[];
  narrow: NarrowScope[];
}

/** Splits the actor's roles into agency-wide ones and agencies seen through relations only. */
export function accessScopeOf(actor: Actor): AccessScope {
  const wide = new Set<string>();
  for (const r of actor.roles) if ((AGENCY_WIDE_ROLES as readonly string[]).includes(r.role)) wide.add(String(r.agencyId));
  const narrow = new Map<string, { units: Set<string>; headUnits: Set<string> }>();
  for (const r of actor.roles) {
    const a = String(r.agencyId);
    if (wide.has(a)) continue;
    const n = narrow.get(a) ?? { units: new Set<string>(), headUnits: new Set<string>() };
    if (r.unitId) n.units.add(String(r.unitId));
    if (r.unitId && r.role === 'head') n.headUnits.add(String(r.unitId));
    narrow.set(a, n);
  }
  return { wide: [...wide], narrow: [...narrow].map(([agencyId, n]) => ({ agencyId, units: [...n.units], headUnits: [...n.headUnits] })) };
}

/** One principal of document_access whose rows an actor reads in one narrow agency. */
export interface AccessPrincipal {
  kind: 'user' | 'unit' | 'drafting_unit';
  id: string;
}

/** The document_access principals of one narrow agency: the person, their units, the units they head. */
export function principalsOf(actor: Actor, n: NarrowScope): AccessPrincipal[] {
  return [
    { kind: 'user' as const, id: actor.userId },
    ...n.units.map((id) => ({ kind: 'unit' as const, id })),
    ...n.headUnits.map((id) => ({ kind: 'drafting_unit' as const, id })),
  ];
}

/**
 * The rows of document_access (aliased `x`) that make documents of narrow agencies visible: the
 * person's own rows and their units' rows in that agency, and the drafts of a unit they head once
 * submitted (outgoing, not a draft any more).
 */
export function narrowAccessFilter(actor: Actor, scope: NarrowScope[]) {
  return (eb: ExpressionBuilder<any, any>): Expression<SqlBool> => {
    const per = scope.map((n) => {
      const ors: Expression<SqlBool>[] = [eb.and([eb('x.principalKind', '=', 'user'), eb('x.principalId', '=', actor.userId)])];
      if (n.units.length) ors.push(eb.and([eb('x.principalKind', '=', 'unit'), eb('x.principalId', 'in', n.units)]));
      if (n.headUnits.length) {
        ors.push(eb.and([eb('x.principalKind', '=', 'drafting_unit'), eb('x.principalId', 'in', n.headUnits), eb('x.direction', '=', 'outgoing'), eb('x.state', '<>', 'draft')]));
      }
      return eb.and([eb('x.agencyId', '=', n.agencyId), eb.or(ors)]);
    });
    return per.length ? eb.or(per) : sql<SqlBool>`false`;
  };
}

/**
 * The same rule as narrowAccessFilter, on the access keys: 'u:' the person, 'n:' their units, 'd:'
 * the units they head (submitted outgoing drafts only). A condition on `document as d`, reading the
 * keys from `keysOf`: `s` (document_search_text, GIN-indexed beside the trigram indexes, so that the
 * planner ANDs both bitmaps) when the search has words, else `d`.
 */
export function narrowKeysFilter(actor: Actor, scope: NarrowScope[], keysOf: 'd' | 's' = 'd') {
  const keysColumn = sql.ref(`${keysOf}.access_keys`);
  return (eb: ExpressionBuilder<any, any>): Expression<SqlBool> => {
    const per = scope.map((n) => {
      const keys = [`u:${actor.userId}`, ...n.units.map((u) => `n:${u}`)];
      if (!n.headUnits.length) return eb.and([eb('d.agencyId', '=', n.agencyId), sql<SqlBool>`${keysColumn} && ${sql.val(keys)}::text[]`]);
      // One overlap with every key (an index condition the planner ANDs with the trigram bitmap),
      // then the exact rule: drafting-unit keys count only for submitted outgoing drafts.
      const all = [...keys, ...n.headUnits.map((u) => `d:${u}`)];
      return eb.and([
        eb('d.agencyId', '=', n.agencyId),
        sql<SqlBool>`${keysColumn} && ${sql.val(all)}::text[]`,
        eb.or([sql<SqlBool>`${keysColumn} && ${sql.val(keys)}::text[]`, eb.and([eb('d.direction', '=', 'outgoing'), eb('d.state', '<>', 'draft')])]),
      ]);
    });
    return per.length ? eb.or(per) : sql<SqlBool>`false`;
  };
}

/**
 * Which documents the actor may see, as a condition on `document as d`:
 * - in an agency where they are clerk, leader or admin: every document of that agency;
 * - in an agency where they hold other roles: the documents they created, those assigned to them or
 *   to one of their units there (lead, co-handling, for information; active assignments), and, for
 *   a head of unit, the outgoing documents drafted by that unit once submitted (they review them).
 * Never anything of an agency where they hold no role. Mirrors canSee in services/document-access.ts.
 * The relations are read from document_access (kept by triggers from documents and assignments).
 * Inbox lists and search do not use this general form on large agencies: they read the actor's own
 * rows of document_access first (see document.repository list and searchRepository.page).
 */
export function visibleDocumentsFilter(actor: Actor) {
  const scope = accessScopeOf(actor);
  return (eb: ExpressionBuilder<any, any>): Expression<SqlBool> => {
    const branches: Expression<SqlBool>[] = [];
    if (scope.wide.length) branches.push(eb('d.agencyId', 'in', scope.wide));
    if (scope.narrow.length) {
      branches.push(
        eb.exists(
          eb
            .selectFrom('documentAccess as x')
            .select(sql`1`.as('one'))
            .whereRef('x.documentId', '=', 'd.id')
            .where(narrowAccessFilter(actor, scope.narrow)),
        ),
      );
    }
    return branches.length ? eb.or(branches) : sql<SqlBool>`false`;
  };
}

export interface SearchCriteria {
  /** Folded tokens: each must occur in document_search_text.search_folded (trigram index). */
  foldedTokens: string[];
  /** NFC lower-case tokens with diacritics: documents containing them all rank first. */
  exactTokens: string[];
  agencyId?: string;
  direction?: 'incoming' | 'outgoing';
  typeCode?: string;
  bookId?: string;
  year?: number;
  urgency?: number;
  state?: string;
  issuer?: string;
  dateFrom?: string;
  dateTo?: string;
}

export interface SearchKey {
  /** 0: exact-diacritic matches, 1: the others. */
  phase: 0 | 1;
  id: string;
}

export interface SearchRow {
  id: string;
  agencyId: string;
  direction: string;
  state: string;
  typeCode: string;
  typeName: string;
  codeNumber: string | null;
  codeNotation: string | null;
  subject: string;
  issuerName: string | null;
  signerFullName: string | null;
  promulgationDate: string | null;
  urgency: number;
  dueDate: string | null;
  bookNumber: number | null;
  registeredAt: Date | null;
}

const likeEscape = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * The original text a person reads, lower-cased: where exact-diacritic tokens are looked for
 * (document_search_text, aliased `s`, kept by a trigger; migration 2026_11_28_12_55_00).
 */
const exactHaystack = sql<string>`s.search_exact`;

/** The words and the filters of a search, as conditions on `document as d` (and, with words, its text `s`). */
type DocumentD = DB & { d: DB['document'] };

/** Whether the search has words, hence reads document_search_text (joined as `s`). */
const hasWords = (c: SearchCriteria): boolean => c.foldedTokens.length > 0 || c.exactTokens.length > 0;

/**
 * The document's searched text joined as `s` when the search has words. The text lives in a side
 * table so that state changes of a document do not rewrite its trigram index entries; a search
 * without words does not read it.
 */
function withText<Q extends SelectQueryBuilder<any, any, object>>(q: Q, c: SearchCriteria): Q {
  return hasWords(c) ? (q.innerJoin('documentSearchText as s', 's.documentId', 'd.id') as unknown as Q) : q;
}

type AnyQuery = SelectQueryBuilder<any, any, object>;

/** The words: each folded token occurs in `s.search_folded`. */
const wordConditions = (c: SearchCriteria) =>
  // Tokens under 3 characters have no trigram: as LIKE they would make the index read everything.
  c.foldedTokens.map((t) => (t.length >= 3 ? sql<SqlBool>`s.search_folded like ${'%' + likeEscape(t) + '%'}` : sql<SqlBool>`strpos(s.search_folded, ${t}) > 0`));

function wordsFilter<Q extends AnyQuery>(query: Q, c: SearchCriteria): Q {
  let q = query as AnyQuery;
  for (const w of wordConditions(c)) q = q.where(w);
  return q as Q;
}

/**
 * The keys of document_search_text.filter_keys for a document's filters, as the migration's
 * document_search_filter_keys writes them (2026_11_28_18_30_00): agency, direction, type, urgency,
 * year and month of promulgation.
 */
export function filterKeysOf(f: { agencyId: string; direction: string; typeCode: string; urgency: number; promulgationDate: string | null }): string[] {
  const keys = [`a:${f.agencyId}`, `d:${f.direction}`, `t:${f.typeCode}`, `u:${f.urgency}`];
  if (f.promulgationDate) keys.push(`y:${Number(f.promulgationDate.slice(0, 4))}`, `m:${Number(f.promulgationDate.slice(0, 4))}-${f.promulgationDate.slice(5, 7)}`);
  return keys;
}

/** The month keys ('m:2025-01') from one date to another, both YYYY-MM-DD; null when more than `max` months. */
function monthKeys(from: string, to: string, max = 36): string[] | null {
  let y = Number(from.slice(0, 4));
  let m = Number(from.slice(5, 7));
  const ty = Number(to.slice(0, 4));
  const tm = Number(to.slice(5, 7));
  if (!(m >= 1 && m <= 12 && tm >= 1 && tm <= 12)) return null; // the date cast refuses them anyway
  const keys: string[] = [];
  while (y < ty || (y === ty && m <= tm)) {
    if (keys.length === max) return null;
    keys.push(`m:${y}-${String(m).padStart(2, '0')}`);
    if (++m === 13) [y, m] = [y + 1, 1];
  }
  return keys;
}

/** Whether an ILIKE '%x%' has a trigram to look up (a run of three letters or digits); else GIN would read every entry. */
const hasTrigram = (x: string): boolean => /[\p{L}\p{N}]{3}/u.test(x);

/**
 * The filters as conditions on the keys beside the text (`s`), which the one GIN index of
 * document_search_text ANDs with the words' trigrams in a single scan, starting from the rarest
 * (migration 2026_11_28_18_30_00). Each is implied by the filter it stands for: agency, direction,
 * type, urgency and year exactly; a date range through the months it spans (the dates themselves
 * are checked on the columns); the issuer (code = x, or name ilike '%x%', checked on document)
 * through ilike '%x%' on code and name together. `agencies`: those of the branch (agency seen whole).
 */
function filterKeyConditions(c: SearchCriteria, agencies: string[] | null): Expression<SqlBool>[] {
  const all: string[] = [];
  const out: Expression<SqlBool>[] = [];
  const agencyKeys = (c.agencyId ? [String(c.agencyId)] : (agencies ?? [])).map((a) => `a:${a}`);
  if (agencyKeys.length === 1) all.push(agencyKeys[0]!);
  else if (agencyKeys.length > 1) out.push(sql<SqlBool>`s.filter_keys && ${sql.val(agencyKeys)}::text[]`);
  if (c.direction) all.push(`d:${c.direction}`);
  if (c.typeCode) all.push(`t:${c.typeCode}`);
  if (c.urgency !== undefined) all.push(`u:${c.urgency}`);
  if (c.year !== undefined) all.push(`y:${c.year}`);
  if (all.length) out.push(sql<SqlBool>`s.filter_keys @> ${sql.val(all)}::text[]`);
  const months = c.dateFrom && c.dateTo ? monthKeys(c.dateFrom, c.dateTo) : null;
  if (months) out.push(sql<SqlBool>`s.filter_keys && ${sql.val(months)}::text[]`);
  if (c.issuer && hasTrigram(c.issuer)) out.push(sql<SqlBool>`s.issuer_search ilike ${'%' + likeEscape(c.issuer) + '%'}`);
  return out;
}

/**
 * The filters on what does not change with the workflow (agency, direction, type, dates, and on
 * `d` urgency), on `d` or on their copies beside the text, `s` (kept equal by the trigger,
 * migrations 2026_11_28_15_20_00 and 2026_11_28_18_30_00), where their keys are added for the index.
 */
function fixedFilter<Q extends AnyQuery>(query: Q, c: SearchCriteria, alias: 'd' | 's', agencies: string[] | null = null): Q {
  let q = query as AnyQuery;
  const col = (name: string) => sql.ref(`${alias}.${name}`);
  if (c.agencyId) q = q.where(sql<SqlBool>`${col('agency_id')} = ${c.agencyId}`);
  if (c.direction) q = q.where(sql<SqlBool>`${col('direction')} = ${c.direction}`);
  if (c.typeCode) q = q.where(sql<SqlBool>`${col('type_code')} = ${c.typeCode}`);
  if (c.year !== undefined) q = q.where(sql<SqlBool>`${col('promulgation_date')} >= ${`${c.year}-01-01`}::date and ${col('promulgation_date')} < ${`${c.year + 1}-01-01`}::date`);
  if (c.dateFrom) q = q.where(sql<SqlBool>`${col('promulgation_date')} >= ${c.dateFrom}::date`);
  if (c.dateTo) q = q.where(sql<SqlBool>`${col('promulgation_date')} <= ${c.dateTo}::date`);
  if (alias === 'd' && c.urgency !== undefined) q = q.where('d.urgency', '=', c.urgency);
  if (alias === 's') for (const k of filterKeyConditions(c, agencies)) q = q.where(k);
  return q as Q;
}

/** Whether the search has any filter besides the words and the agency. */
const hasFilter = (c: SearchCriteria): boolean =>
  Boolean(c.direction || c.typeCode || c.year !== undefined || c.dateFrom || c.dateTo || c.urgency !== undefined) || hasDocumentOnlyFilter(c);

/** Whether the search filters on what only `document` holds exactly (book, state, issuer). */
const hasDocumentOnlyFilter = (c: SearchCriteria): boolean => Boolean(c.bookId || c.state || c.issuer);

/** The filters only `document` holds exactly (state changes with the workflow; book; the issuer's rule). */
function documentOnlyFilter<Q extends AnyQuery>(query: Q, c: SearchCriteria): Q {
  let q = query as AnyQuery;
  if (c.bookId) q = q.where('d.bookId', '=', c.bookId);
  if (c.state) q = q.where('d.state', '=', c.state);
  if (c.issuer) {
    const issuer = c.issuer;
    q = q.where((eb) => eb.or([eb('d.issuerCode', '=', issuer), eb('d.issuerName', 'ilike', `%${likeEscape(issuer)}%`)]));
  }
  return q as Q;
}

/**
 * Words and filters on `document as d` joined with its text `s` (when the search has words). The
 * fixed filters are written on both: a walk of document checks them before reading any text, and a
 * trigram bitmap is ANDed with their index before reading any row.
 */
function criteriaFilter<Q extends AnyQuery>(query: Q, c: SearchCriteria, agencies: string[] | null = null, text = hasWords(c)): Q {
  let q = wordsFilter(fixedFilter(query, c, 'd'), c);
  if (text) q = fixedFilter(q, c, 's', agencies);
  return documentOnlyFilter(q, c);
}

/**
 * Search in the agencies an actor sees whole (clerk, leader, admin). Trigram matching has no order,
 * and the primary key knows nothing of the text: which plan is fast depends on how common the words
 * are, which the planner cannot estimate for LIKE '%…%'. So:
 * 1. walk the primary key backwards (newest first), checking the filters on each document and
 *   probing its text row by id only when they pass, and stop after one page — fast whenever matches
 *   are common ("quyết định" over a million documents), under a short statement timeout;
 * 2. if that times out, read the ids of the text's matches among the filters beside the text
 *   (agency, direction, type, urgency, dates, and the issuer's necessary condition) through the
 *   side table's one GIN index alone, at most denseMatches: fewer is all of them, and only their
 *   newest are read from document (with state, issuer, book checked there);
 * 3. else, with such a filter, the same through the bitmaps joined to document, at most
 *   denseMatches; else (or as many) the walk again, untimed.
 * The timeout bounds the cost of a wrong first guess; every plan gives the same rows.
 * In agencies seen through relations only (specialists, heads), the same two plans run on the
 * person's own documents: the first walks their rows of document_access backwards (one walk per
 * principal: the person, their units, the units they head); the second intersects the words'
 * trigrams with their access keys and the filters' keys in the side table's one GIN index. Both are bounded by what the person sees
 * (tens of thousands of documents at most), not by the agency's million.
 */
/** Timeouts of the first walk (0: none, straight to the bitmaps) and the cap of the bitmaps' ids. */
export const SEARCH_TUNING = { orderedTimeoutMs: 40, narrowOrderedTimeoutMs: 15, denseMatches: 2_000 };

type PlanMode = 'bitmap' | 'ordered';

async function withPlan<T>(db: Executor, mode: PlanMode, timeoutMs: number, fn: (trx: Executor) => Promise<T>): Promise<T> {
  const run = async (trx: Executor) => {
    // SET LOCAL lasts until the end of this transaction only. Disabled plan types count as a huge
    // cost, which would otherwise make PostgreSQL spend ~300 ms compiling the query with JIT.
    await sql`set local jit = off`.execute(trx);
    if (mode === 'bitmap') {
      await sql`set local enable_indexscan = off`.execute(trx);
      await sql`set local enable_seqscan = off`.execute(trx);
    } else {
      // The planner guesses few matches for LIKE '%…%' and would rather sort a sequential scan, or
      // sort all of a person's rows instead of walking them newest first.
      await sql`set local enable_bitmapscan = off`.execute(trx);
      await sql`set local enable_seqscan = off`.execute(trx);
      await sql`set local enable_sort = off`.execute(trx);
      // Parallel workers only add start-up time to a scan that stops after one page.
      await sql`set local max_parallel_workers_per_gather = 0`.execute(trx);
      if (timeoutMs > 0) await sql.raw(`set local statement_timeout = ${Math.trunc(timeoutMs)}`).execute(trx);
    }
    return fn(trx);
  };
  return db.transaction().execute(run);
}

const isTimeout = (e: unknown): boolean => (e as { code?: string }).code === '57014';

type RankedRow = SearchRow & { phase: 0 | 1 };

/** What one phase of a page leaves to the next: all the other phase's matches, when read with the exact ones. */
interface PhaseMemo {
  otherIds?: string[];
  /** Whether they passed every filter already (else the filters only document holds remain). */
  otherFinal?: boolean;
}

/** Agencies seen whole, or agencies seen through the person's relations only. */
type Branch = { wide: string[] } | { narrow: NarrowScope[] };

/** Result order: exact-diacritic matches first, then newest first (ids compared as numbers). */
const resultOrder = (a: RankedRow, b: RankedRow): number => a.phase - b.phase || (BigInt(b.id) > BigInt(a.id) ? 1 : BigInt(b.id) < BigInt(a.id) ? -1 : 0);

const SEARCH_COLUMNS = [
  'd.id',
  'd.agencyId',
  'd.direction',
  'd.state',
  'd.typeCode',
  'd.typeName',
  'd.codeNumber',
  'd.codeNotation',
  'd.subject',
  'd.issuerName',
  'd.signerFullName',
  'd.promulgationDate',
  'd.urgency',
  'd.dueDate',
  'd.bookNumber',
  'd.registeredAt',
] as const;

/**
 * All exact (NFC lower-case, with diacritics) tokens occur in what a person reads. Written as LIKE
 * on search_exact, under document_search_text_exact_trgm_idx (migration 2026_11_28_12_55_00), so that
 * rare exact matches among common folded ones ("Quyết định" among every "quyet dinh") come from
 * that trigram index instead of reading every folded match; tokens under 3 characters have no
 * trigram and stay strpos, as in criteriaFilter. LIKE with escaped wildcards is strpos > 0.
 */
const exactMatch = (c: SearchCriteria) => sql<SqlBool>`(${sql.join(
  c.exactTokens.map((t) => (t.length >= 3 ? sql`${exactHaystack} like ${'%' + likeEscape(t) + '%'}` : sql`strpos(${exactHaystack}, ${t}) > 0`)),
  sql` and `,
)})`;

/** One phase of a result page: exact-diacritic matches (0), the others (1), or unranked (null); and the keyset bound. */
interface Phase {
  rank: 0 | 1 | null;
  beforeId: string | null;
}

/** The phase's conditions added to a query on `document as d`. */
function phased<Q extends SelectQueryBuilder<DocumentD, 'd', object>>(q: Q, c: SearchCriteria, p: Phase): Q {
  let r = q as SelectQueryBuilder<DocumentD, 'd', object>;
  if (p.rank !== null) r = r.where(p.rank === 0 ? exactMatch(c) : sql<SqlBool>`not ${exactMatch(c)}`);
  if (p.beforeId) r = r.where('d.id', '<', p.beforeId);
  return r as Q;
}

/**
 * The words and the phase as a look-up of the document's own text row by id, for walks of
 * document newest first. OFFSET 0 keeps it a subplan run for each document that passed the other
 * filters: as a join, the planner (which guesses few matches for LIKE '%…%') walked the side
 * table's primary key instead and checked the filters after reading each text row — 2.8 s for
 * "Sở Tài chính" among released Quyết định of the province, 166 ms walking document (2026-11-28).
 */
function textProbe(c: SearchCriteria, p: Phase) {
  const conds = [...wordConditions(c), ...(p.rank === null ? [] : [p.rank === 0 ? exactMatch(c) : sql<SqlBool>`not ${exactMatch(c)}`])];
  return sql<SqlBool>`exists (select 1 from document_search_text s where s.document_id = d.id and ${sql.join(conds, sql` and `)} offset 0)`;
}

/** Every condition of the search and the phase for a walk of `document as d` (its text probed by id). */
function walkFilter<Q extends AnyQuery>(query: Q, c: SearchCriteria, p: Phase): Q {
  let q = documentOnlyFilter(fixedFilter(query, c, 'd'), c) as AnyQuery;
  if (p.beforeId) q = q.where('d.id', '<', p.beforeId);
  if (hasWords(c)) q = q.where(textProbe(c, p));
  return q as Q;
}

/** Ids as numbers, newest (largest) first. */
const newestFirst = (ids: string[]): string[] => [...ids].sort((x, y) => (BigInt(y) > BigInt(x) ? 1 : BigInt(y) < BigInt(x) ? -1 : 0));

/**
 * The newest `limit` of `ids` that `passing` keeps, asking it about the newest ids first in chunks
 * that grow fourfold (a page needs few of them when most pass, all of them when few do).
 */
async function newestPassing(ids: string[], limit: number, passing: (chunk: string[]) => Promise<SearchRow[]>): Promise<SearchRow[]> {
  const sorted = newestFirst(ids);
  const rows: SearchRow[] = [];
  let size = limit * 4;
  for (let at = 0; at < sorted.length && rows.length < limit; at += size, size *= 4) rows.push(...(await passing(sorted.slice(at, at + size))));
  return rows.slice(0, limit);
}

export const searchRepository = {
  /**
   * One page of results: exact-diacritic matches first, then the others, newest first within each
   * phase; keyset pagination on (phase, id). Agencies seen whole and agencies seen through relations
   * are searched each their own way and merged in that order.
   */
  async page(db: Executor, actor: Actor, c: SearchCriteria, after: SearchKey | null, limit: number): Promise<{ rows: SearchRow[]; next: SearchKey | null }> {
    const scope = accessScopeOf(actor);
    const wide = c.agencyId ? scope.wide.filter((a) => a === String(c.agencyId)) : scope.wide;
    const narrow = c.agencyId ? scope.narrow.filter((n) => n.agencyId === String(c.agencyId)) : scope.narrow;
    const want = limit + 1;
    const rows: RankedRow[] = [];
    if (wide.length) rows.push(...(await this.branchPage(db, actor, { wide }, c, after, want)));
    if (narrow.length) rows.push(...(await this.branchPage(db, actor, { narrow }, c, after, want)));
    rows.sort(resultOrder);
    const more = rows.length > limit;
    const pageRows = rows.slice(0, limit);
    const last = pageRows[pageRows.length - 1];
    return { rows: pageRows.map(({ phase: _p, ...r }) => r), next: more && last ? { phase: last.phase, id: last.id } : null };
  },

  /** Up to `want` matches of one branch (agencies seen whole, or seen through relations), in result order. */
  async branchPage(db: Executor, actor: Actor, branch: Branch, c: SearchCriteria, after: SearchKey | null, want: number): Promise<RankedRow[]> {
    const ranked = c.exactTokens.length > 0;
    const rows: RankedRow[] = [];
    const memo: PhaseMemo = {};
    for (const phase of (ranked ? [0, 1] : [1]) as (0 | 1)[]) {
      if (after && phase < after.phase) continue;
      const n = want - rows.length;
      if (n <= 0) break;
      const p: Phase = { rank: ranked ? phase : null, beforeId: after && after.phase === phase ? after.id : null };
      const got = await this.phaseRows(db, actor, branch, c, p, n, memo);
      for (const r of got) rows.push(Object.assign(r, { phase })); // not `{ ...r, phase }`: V8's slow path (docs/PERFORMANCE.md)
    }
    return rows;
  },

  /**
   * Up to `limit` matches of one phase, newest first. The plan is chosen per phase: the exact
   * matches of "Quyết định" are rare where its folded matches are everywhere, so judging both phases
   * by the folded words (as before) walked the whole agency looking for exact matches.
   */
  async phaseRows(db: Executor, actor: Actor, branch: Branch, c: SearchCriteria, p: Phase, limit: number, memo: PhaseMemo = {}): Promise<SearchRow[]> {
    const run = (mode: PlanMode | null) => (trx: Executor) => this.phaseQuery(trx, actor, branch, mode, c, p, limit);
    // The other matches, all of them, already read with the exact ones (below): no walk.
    if (p.rank === 1 && memo.otherIds) return memo.otherFinal ? this.documentsByIds(db, newestFirst(memo.otherIds).slice(0, limit)) : this.newestOfIds(db, c, memo.otherIds, limit);
    const narrow = 'narrow' in branch;
    // Inside a caller's transaction (no SET LOCAL of ours): a person's own rows walked newest
    // first, the planner alone for agencies seen whole. Without words or filters, the same.
    // A person's filters without words go the way of words: a walk of their rows under a
    // timeout, then the filters' keys (and access keys) in the side table's GIN index.
    if (db.isTransaction || (!c.foldedTokens.length && !(narrow && hasFilter(c)))) return run(narrow ? 'ordered' : null)(db);
    const timeoutMs = narrow ? SEARCH_TUNING.narrowOrderedTimeoutMs : SEARCH_TUNING.orderedTimeoutMs;
    // 0: no first walk (tests reach the plans after it on data too small to make a walk time out).
    if (timeoutMs > 0) {
      try {
        return await withPlan(db, 'ordered', timeoutMs, run('ordered'));
      } catch (e) {
        if (!isTimeout(e)) throw e;
      }
    }
    // A person's own documents are at most tens of thousands: intersecting the trigram bitmap with
    // their access keys is bounded by that, so no count is needed to rule out a huge bitmap.
    if (narrow && p.rank === 0 && hasFilter(c)) {
      // As for agencies seen whole below: one scan for both phases, all of it (bounded as said).
      const all = (await withPlan(db, 'bitmap', 0, (trx) =>
        this.filtered(trx, actor, branch, c).select(['d.id', exactMatch(c).as('exact')]).execute(),
      )) as { id: string; exact: boolean }[];
      memo.otherIds = all.filter((m) => !m.exact).map((m) => m.id);
      memo.otherFinal = true;
      return this.documentsByIds(db, newestFirst(all.filter((m) => m.exact && (!p.beforeId || BigInt(m.id) < BigInt(p.beforeId))).map((m) => m.id)).slice(0, limit));
    }
    if (narrow) return withPlan(db, 'bitmap', 0, run('bitmap'));
    // Too slow: either the matches are rare, or the machine was busy. The ids of the text's matches
    // among the filters beside the text (one GIN scan of the side table, no row of document read),
    // at most denseMatches of them, tell which: fewer means that is all of them, and the page is
    // their newest that pass the other filters.
    const cap = SEARCH_TUNING.denseMatches;
    if (p.rank === 0 && hasFilter(c)) {
      // The exact matches are rare among the filters (or the machine busy). When all the text's
      // matches among them, exact or not, are fewer than denseMatches, one scan gives both phases:
      // the other phase then needs neither its own walk (which would time out again when they are
      // rare too, as for any common words among hỏa tốc documents) nor its own scan. The keyset
      // bound is the exact phase's only: the other phase starts from its newest. (Without filters
      // the scan of common words alone was wasted whenever a busy machine made the walk give up:
      // "Quyết định" 82 → 154 ms of CPU.)
      const both = await withPlan(db, 'bitmap', 0, (trx) => this.textMatchIds(trx, branch, c, { rank: null, beforeId: null }, cap, true));
      if (both.length < cap) {
        memo.otherIds = both.filter((m) => !m.exact).map((m) => m.id);
        const exact = both.filter((m) => m.exact && (!p.beforeId || BigInt(m.id) < BigInt(p.beforeId))).map((m) => m.id);
        return this.newestOfIds(db, c, exact, limit);
      }
    }
    const byText = (await withPlan(db, 'bitmap', 0, (trx) => this.textMatchIds(trx, branch, c, p, cap))).map((m) => m.id);
    if (byText.length < cap) return this.newestOfIds(db, c, byText, limit);
    // The words are common among the filters beside the text. A filter only document holds (state,
    // issuer, book) may still keep few of them: at most denseMatches of those that pass it, read
    // through the same bitmaps and checked on document by id, tell whether that is all of them.
    if (hasDocumentOnlyFilter(c)) {
      const ids = await withPlan(db, 'bitmap', 0, (trx) => phased(this.filtered(trx, actor, branch, c), c, p).select('d.id').limit(cap).execute());
      if (ids.length < cap) return this.documentsByIds(db, newestFirst(ids.map((r) => r.id)).slice(0, limit));
    }
    // Common matches: the walk newest first finds a page soon; it runs without a timeout.
    return withPlan(db, 'ordered', 0, run('ordered'));
  },

  /**
   * Ids of the side table's rows matching the words, the filters beside the text, the phase and
   * the keyset, at most `cap`; with `withExact`, whether each matches the exact tokens too.
   */
  async textMatchIds(db: Executor, branch: { wide: string[] }, c: SearchCriteria, p: Phase, cap: number, withExact = false): Promise<{ id: string; exact: boolean }[]> {
    let q = fixedFilter(
      wordsFilter(
        db
          .selectFrom('documentSearchText as s')
          .select('s.documentId as id')
          .$if(withExact, (qb) => qb.select(exactMatch(c).as('exact')))
          .where(sql<SqlBool>`s.agency_id in (${sql.join(branch.wide)})`),
        c,
      ),
      c,
      's',
      branch.wide,
    );
    if (p.rank !== null) q = q.where(p.rank === 0 ? exactMatch(c) : sql<SqlBool>`not ${exactMatch(c)}`);
    if (p.beforeId) q = q.where('s.documentId', '<', p.beforeId);
    return (await q.limit(cap).execute()) as { id: string; exact: boolean }[];
  },

  /** The newest `limit` of these ids (all the text's matches among the filters beside it) that pass the filters only document holds. */
  async newestOfIds(db: Executor, c: SearchCriteria, ids: string[], limit: number): Promise<SearchRow[]> {
    if (!hasDocumentOnlyFilter(c)) return this.documentsByIds(db, newestFirst(ids).slice(0, limit));
    return newestPassing(ids, limit, (chunk) => this.documentOnlyPassing(db, c, chunk));
  },

  /** The documents with these ids (already known to match), newest first. */
  async documentsByIds(db: Executor, ids: string[]): Promise<SearchRow[]> {
    if (!ids.length) return [];
    return db.selectFrom('document as d').select([...SEARCH_COLUMNS]).where('d.id', 'in', ids).orderBy('d.id', 'desc').execute() as Promise<SearchRow[]>;
  },

  /** Of these ids (matching the words and the fixed filters), the documents passing the other filters. */
  async documentOnlyPassing(db: Executor, c: SearchCriteria, ids: string[]): Promise<SearchRow[]> {
    return documentOnlyFilter(db.selectFrom('document as d').select([...SEARCH_COLUMNS]).where('d.id', 'in', ids), c).orderBy('d.id', 'desc').execute() as Promise<SearchRow[]>;
  },

  /**
   * The documents of the branch that match the words and the filters, as conditions on `document
   * as d`, with the text `s` joined when there are words, or for a person's filters alone (their
   * access keys and the filters' keys are ANDed in the side table's GIN index).
   */
  filtered(db: Executor, actor: Actor, branch: Branch, c: SearchCriteria) {
    const text = hasWords(c) || ('narrow' in branch && hasFilter(c));
    const from = text ? db.selectFrom('document as d').innerJoin('documentSearchText as s', 's.documentId', 'd.id') : db.selectFrom('document as d');
    const scoped =
      'wide' in branch
        ? from.where('d.agencyId', 'in', branch.wide).$if(text, (q) => q.where(sql<SqlBool>`s.agency_id in (${sql.join(branch.wide)})`))
        : from.where(narrowKeysFilter(actor, branch.narrow, text ? 's' : 'd'));
    return criteriaFilter(scoped, c, 'wide' in branch ? branch.wide : null, text);
  },

  async phaseQuery(db: Executor, actor: Actor, branch: Branch, mode: PlanMode | null, c: SearchCriteria, p: Phase, limit: number): Promise<SearchRow[]> {
    if ('narrow' in branch && mode === 'ordered') {
      // Newest first through the person's own rows: one backward walk of document_access per
      // principal, each stopping after `limit` matches. The union of each walk's first `limit`
      // holds the overall first `limit`; a document reached twice is kept once.
      // With filters each document is read anyway, and its text is probed only when it passes them;
      // without, joining the text first (its primary key is small and cached) spares reading the
      // documents that do not match: the head of unit's unfiltered searches took twice the CPU
      // with the probe (71 vs 37 ms per search over 1,000,000 documents, 2026-11-28). The same
      // rule for agencies seen whole, below.
      const ownRows = <Q extends AnyQuery>(q: Q): Q => (hasFilter(c) ? walkFilter(q, c, p) : phased(criteriaFilter(withText(q, c), c), c, p));
      const walks = branch.narrow.flatMap((n) =>
        principalsOf(actor, n).map((pr) =>
          ownRows(
            db
              .selectFrom('documentAccess as x')
              .innerJoin('document as d', 'd.id', 'x.documentId')
              .where('x.principalKind', '=', pr.kind)
              .where('x.principalId', '=', pr.id)
              .where('x.agencyId', '=', n.agencyId)
              .$if(pr.kind === 'drafting_unit', (q) => q.where('x.direction', '=', 'outgoing').where('x.state', '<>', 'draft'))
              // document_access holds copies of direction, state and urgency (kept by its triggers):
              // rows that fail them are passed over without reading their document.
              .$if(Boolean(c.direction), (q) => q.where('x.direction', '=', c.direction!))
              .$if(Boolean(c.state), (q) => q.where('x.state', '=', c.state!))
              .$if(c.urgency !== undefined, (q) => q.where('x.urgency', '=', c.urgency!)),
          )
            .select([...SEARCH_COLUMNS])
            .orderBy('x.documentId', 'desc')
            .limit(limit),
        ),
      );
      const got: SearchRow[] = [];
      for (const w of walks) got.push(...((await w.execute()) as SearchRow[]));
      const seen = new Set<string>();
      return got
        .filter((r) => !seen.has(r.id) && Boolean(seen.add(r.id)))
        .sort((x, y) => (BigInt(y.id) > BigInt(x.id) ? 1 : -1))
        .slice(0, limit);
    }
    // Without filters the join, as for people: the planner then walks document or the side table.
    if ('wide' in branch && mode === 'ordered' && hasFilter(c)) {
      return walkFilter(db.selectFrom('document as d').where('d.agencyId', 'in', branch.wide), c, p).select([...SEARCH_COLUMNS]).orderBy('d.id', 'desc').limit(limit).execute() as Promise<SearchRow[]>;
    }
    return phased(this.filtered(db, actor, branch, c), c, p).select([...SEARCH_COLUMNS]).orderBy('d.id', 'desc').limit(limit).execute() as Promise<SearchRow[]>;
  },

  listSaved(db: Executor, userId: string) {
    return db.selectFrom('savedSearch').select(['id', 'name', 'query', 'createdAt']).where('userId', '=', userId).orderBy('name').execute();
  },

  findSaved(db: Executor, userId: string, id: string) {
    return db.selectFrom('savedSearch').select(['id', 'name', 'query']).where('userId', '=', userId).where('id', '=', id).executeTakeFirst();
  },

  async insertSaved(db: Executor, userId: string, name: string, query: Record<string, unknown>): Promise<string> {
    const row = await db.insertInto('savedSearch').values({ userId, name, query: JSON.stringify(query) }).returning('id').executeTakeFirstOrThrow();
    return row.id;
  },

  async countSaved(db: Executor, userId: string): Promise<number> {
    const r = await db.selectFrom('savedSearch').select((eb) => eb.fn.countAll<string>().as('n')).where('userId', '=', userId).executeTakeFirstOrThrow();
    return Number(r.n);
  },

  async deleteSaved(db: Executor, userId: string, id: string): Promise<boolean> {
    const r = await db.deleteFrom('savedSearch').where('userId', '=', userId).where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  },
};
