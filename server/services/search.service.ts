// Vietnamese full-text search over documents (issue 3 item 10): diacritic-insensitive (đ = d),
// exact-diacritic matches first, số ký hiệu fragments, filters, keyset pagination, saved searches.
import { z } from 'zod';
import type { Executor } from '../db/database.ts';
import type { Actor } from '../domain/actor.ts';
import { foldDiacritics } from '../domain/vietnamese-text.ts';
import { AppError } from '../errors.ts';
import { searchRepository, type SearchCriteria, type SearchKey, type SearchRow } from '../repositories/search.repository.ts';
import { parseInput } from './validation.ts';

const optionalText = (max: number) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), z.string().trim().max(max, `tối đa ${max} ký tự`).optional());
const optionalInt = (min: number, max: number) =>
  z.preprocess((v) => (v === '' || v === undefined || v === null ? undefined : Number(v)), z.number().int('phải là số nguyên').min(min).max(max).optional());
const optionalDate = z.preprocess(
  (v) => (v === '' ? undefined : v),
  z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'ngày phải có dạng YYYY-MM-DD').optional(),
);
const optionalId = z.preprocess((v) => (v === '' ? undefined : v), z.string().regex(/^\d{1,18}$/, 'mã không hợp lệ').optional());

/** What a search form, a saved search and the JSON API accept. */
export const searchQuerySchema = z.object({
  q: optionalText(200),
  direction: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['incoming', 'outgoing']).optional()),
  type: optionalText(10),
  bookId: optionalId,
  year: optionalInt(1945, 2100),
  urgency: optionalInt(0, 3),
  state: optionalText(40),
  issuer: optionalText(200),
  from: optionalDate,
  to: optionalDate,
});
export type SearchQuery = z.output<typeof searchQuerySchema>;

export const SEARCH_PAGE_SIZE = 20;

export interface SearchResult {
  query: SearchQuery;
  items: SearchRow[];
  nextCursor: string | null;
}

const encodeCursor = (k: SearchKey): string => Buffer.from(`${k.phase}.${k.id}`).toString('base64url');

function decodeCursor(raw: unknown): SearchKey | null {
  if (raw === undefined || raw === null || raw === '') return null;
  const m = /^([01])\.(\d{1,18})$/.exec(Buffer.from(String(raw), 'base64url').toString('latin1'));
  if (!m) throw new AppError('validation', 'Con trỏ trang kết quả không hợp lệ.');
  return { phase: Number(m[1]) as 0 | 1, id: m[2]! };
}

/** Splits the query into folded tokens (matched) and, when it carries diacritics, exact tokens (ranked). */
export function tokensOf(q: string | undefined): { foldedTokens: string[]; exactTokens: string[] } {
  const nfc = (q ?? '').normalize('NFC').trim();
  if (!nfc) return { foldedTokens: [], exactTokens: [] };
  const raw = nfc.split(/\s+/).slice(0, 12);
  const foldedTokens = [...new Set(raw.map((t) => foldDiacritics(t)).filter(Boolean))];
  // Without any diacritic in the query every match is equally "exact": skip the ranking pass.
  const hasMarks = foldDiacritics(nfc) !== nfc.toLowerCase().replace(/\s+/g, ' ');
  const exactTokens = hasMarks ? [...new Set(raw.map((t) => t.toLowerCase()))] : [];
  return { foldedTokens, exactTokens };
}

export function criteriaOf(query: SearchQuery): SearchCriteria {
  const c: SearchCriteria = { ...tokensOf(query.q) };
  if (query.direction) c.direction = query.direction;
  if (query.type) c.typeCode = query.type;
  if (query.bookId) c.bookId = query.bookId;
  if (query.year !== undefined) c.year = query.year;
  if (query.urgency !== undefined) c.urgency = query.urgency;
  if (query.state) c.state = query.state;
  if (query.issuer) c.issuer = query.issuer.normalize('NFC');
  if (query.from) c.dateFrom = query.from;
  if (query.to) c.dateTo = query.to;
  return c;
}

/** Searches what the actor may see. `raw` is a form, a query string or a saved search. */
export async function searchDocuments(db: Executor, actor: Actor, raw: unknown, cursor?: unknown, limit = SEARCH_PAGE_SIZE): Promise<SearchResult> {
  const query = parseInput(searchQuerySchema, raw ?? {});
  const after = decodeCursor(cursor);
  const size = Math.min(Math.max(1, Math.trunc(limit) || SEARCH_PAGE_SIZE), 100);
  const { rows, next } = await searchRepository.page(db, actor, criteriaOf(query), after, size);
  return { query, items: rows, nextCursor: next ? encodeCursor(next) : null };
}

/** The query as URL parameters (links to the next page, saved searches). */
export function queryString(query: SearchQuery, extra: Record<string, string> = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') p.set(k, String(v));
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  return p.toString();
}

const MAX_SAVED = 50;

const saveSchema = z.object({ name: z.string().trim().min(1, 'không được để trống').max(100, 'tối đa 100 ký tự') });

export async function saveSearch(db: Executor, actor: Actor, raw: Record<string, unknown>): Promise<string> {
  const { name } = parseInput(saveSchema, raw);
  const query = parseInput(searchQuerySchema, raw);
  return db.transaction().execute(async (trx) => {
    if ((await searchRepository.countSaved(trx, actor.userId)) >= MAX_SAVED) {
      throw new AppError('conflict', `Mỗi người chỉ lưu được tối đa ${MAX_SAVED} tìm kiếm; hãy xóa bớt.`);
    }
    const clean = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined));
    return searchRepository.insertSaved(trx, actor.userId, name.normalize('NFC'), clean);
  });
}

export function listSavedSearches(db: Executor, actor: Actor) {
  return searchRepository.listSaved(db, actor.userId);
}

export async function loadSavedSearch(db: Executor, actor: Actor, id: string): Promise<SearchQuery> {
  if (!/^\d{1,18}$/.test(id)) throw new AppError('not_found', 'Không tìm thấy tìm kiếm đã lưu.');
  const row = await searchRepository.findSaved(db, actor.userId, id);
  if (!row) throw new AppError('not_found', 'Không tìm thấy tìm kiếm đã lưu.');
  return parseInput(searchQuerySchema, row.query);
}

export async function deleteSavedSearch(db: Executor, actor: Actor, id: string): Promise<void> {
  if (!/^\d{1,18}$/.test(id) || !(await searchRepository.deleteSaved(db, actor.userId, id))) {
    throw new AppError('not_found', 'Không tìm thấy tìm kiếm đã lưu.');
  }
}
