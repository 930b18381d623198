// Search page, saved searches and the JSON search endpoint: parse input, call the search service,
// render or answer JSON. No SQL here.
import type { Request, Response } from 'express';
import type { AppContext } from '../app-context.ts';
import { AppError, isAppError } from '../errors.ts';
import type { Actor } from '../domain/actor.ts';
import { ADMINISTRATIVE_DOCUMENT_TYPES } from '../domain/document-types.ts';
import {
  deleteSavedSearch,
  listSavedSearches,
  loadSavedSearch,
  queryString,
  saveSearch,
  searchDocuments,
  type SearchQuery,
  type SearchResult,
} from '../services/search.service.ts';
import type { SearchRow } from '../repositories/search.repository.ts';

const actorOf = (req: Request): Actor => {
  if (!req.actor) throw new AppError('unauthenticated', 'Vui lòng đăng nhập.');
  return req.actor;
};
const queryOf = (req: Request): Record<string, unknown> => req.query as Record<string, unknown>;
const bodyOf = (req: Request): Record<string, unknown> => (req.body ?? {}) as Record<string, unknown>;

// Labels of the workflow states (the workflows' own labels, repeated here for display only).
export const STATE_LABELS: Record<string, string> = {
  received: 'Chờ vào sổ',
  returned: 'Đã trả lại',
  registered: 'Đã vào sổ',
  presented: 'Chờ lãnh đạo cho ý kiến',
  assigned: 'Đã giao xử lý',
  in_progress: 'Đang xử lý',
  done: 'Đã xử lý',
  draft: 'Dự thảo',
  in_review: 'Chờ duyệt',
  awaiting_signature: 'Chờ ký',
  signed: 'Chờ cấp số',
  numbered: 'Đã cấp số',
  released: 'Đã ban hành',
  recalled: 'Đã thu hồi',
};
export const URGENCY_NAMES = ['Thường', 'Khẩn', 'Thượng khẩn', 'Hỏa tốc'];

export const notationOf = (r: { codeNumber: string | null; codeNotation: string | null }): string =>
  [r.codeNumber, r.codeNotation].filter(Boolean).join('/');

function rowView(r: SearchRow) {
  return {
    id: r.id,
    notation: notationOf(r),
    subject: r.subject,
    typeName: r.typeName,
    issuerName: r.issuerName ?? '',
    signerFullName: r.signerFullName ?? '',
    promulgationDate: r.promulgationDate,
    direction: r.direction === 'incoming' ? 'Đến' : 'Đi',
    state: STATE_LABELS[r.state] ?? r.state,
    urgent: r.urgency > 0,
    urgency: URGENCY_NAMES[r.urgency] ?? '',
  };
}

/** The JSON shape of a search hit: Appendix VI / edXML names in camelCase. */
export function searchItemJson(r: SearchRow) {
  return {
    id: r.id,
    direction: r.direction,
    typeCode: r.typeCode,
    typeName: r.typeName,
    codeNumber: r.codeNumber,
    codeNotation: r.codeNotation,
    subject: r.subject,
    issuerName: r.issuerName,
    signerFullName: r.signerFullName,
    promulgationDate: r.promulgationDate,
    dueDate: r.dueDate,
    urgency: r.urgency,
    state: r.state,
    bookNumber: r.bookNumber,
  };
}

function formModel(query: SearchQuery) {
  const sel = (list: { value: string; label: string }[], current: unknown) => list.map((o) => ({ ...o, selected: current !== undefined && String(current) === o.value }));
  return {
    query,
    types: sel(ADMINISTRATIVE_DOCUMENT_TYPES.map((t) => ({ value: t.code, label: t.name })), query.type),
    urgencies: sel(URGENCY_NAMES.map((label, i) => ({ value: String(i), label })), query.urgency),
    states: sel(Object.entries(STATE_LABELS).map(([value, label]) => ({ value, label })), query.state),
    directions: sel([{ value: 'incoming', label: 'Văn bản đến' }, { value: 'outgoing', label: 'Văn bản đi' }], query.direction),
  };
}

export function searchController(ctx: AppContext) {
  const { db } = ctx;

  async function pageModel(actor: Actor, result: SearchResult | null, error?: string, fallback: SearchQuery = {}) {
    const query = result?.query ?? fallback;
    return {
      title: 'Tra cứu văn bản',
      ...formModel(query),
      searched: Boolean(result),
      items: result?.items.map(rowView) ?? [],
      nextHref: result?.nextCursor ? `/search?${queryString(query, { cursor: result.nextCursor })}` : null,
      saveQuery: Object.entries(query).filter(([, v]) => v !== undefined).map(([name, value]) => ({ name, value: String(value) })),
      saved: (await listSavedSearches(db, actor)).map((s) => ({ id: s.id, name: s.name, href: `/search?${queryString(s.query as SearchQuery)}` })),
      error,
    };
  }

  return {
    async page(req: Request, res: Response): Promise<void> {
      const actor = actorOf(req);
      const raw = queryOf(req);
      const { cursor, ...fields } = raw;
      const hasInput = Object.values(fields).some((v) => v !== undefined && v !== '');
      try {
        const result = hasInput || cursor ? await searchDocuments(db, actor, fields, cursor) : null;
        res.render('search/index', await pageModel(actor, result));
      } catch (e) {
        if (!isAppError(e) || e.code !== 'validation') throw e;
        res.status(e.status).render('search/index', await pageModel(actor, null, e.message));
      }
    },

    async openSaved(req: Request, res: Response): Promise<void> {
      const query = await loadSavedSearch(db, actorOf(req), String(req.params.id));
      res.redirect(303, `/search?${queryString(query)}`);
    },

    async save(req: Request, res: Response): Promise<void> {
      const actor = actorOf(req);
      const { _csrf: _t, ...fields } = bodyOf(req);
      try {
        const id = await saveSearch(db, actor, fields);
        const query = await loadSavedSearch(db, actor, id);
        res.redirect(303, `/search?${queryString(query)}`);
      } catch (e) {
        if (!isAppError(e)) throw e;
        res.status(e.status).render('search/index', await pageModel(actor, null, e.message));
      }
    },

    async deleteSaved(req: Request, res: Response): Promise<void> {
      await deleteSavedSearch(db, actorOf(req), String(req.params.id));
      res.redirect(303, '/search');
    },
  };
}

/** GET /api/v1/search?q=…&cursor=…&limit=… → { items, nextCursor }. Mounted by the API router. */
export function searchApiHandler(ctx: AppContext) {
  return async (req: Request, res: Response): Promise<void> => {
    const { cursor, limit, ...fields } = queryOf(req);
    const result = await searchDocuments(ctx.db, actorOf(req), fields, cursor, limit === undefined ? undefined : Number(limit));
    res.json({ items: result.items.map(searchItemJson), nextCursor: result.nextCursor });
  };
}
