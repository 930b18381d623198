import express from 'express';
import request from 'supertest';
import { expect } from 'chai';
import { sql } from 'kysely';
import { createTestApp, loginAs, postForm, csrfFrom, type TestApp } from '../helpers/app.ts';
import { actorFor, agencyIdOf, insertDocument, unitIdOf } from '../fixtures/pdf/documents.ts';
import { vietnamesePdf } from '../fixtures/pdf/make-pdfs.ts';
import { searchDocuments, tokensOf } from '../../server/services/search.service.ts';
import { searchApiHandler } from '../../server/controllers/search.controller.ts';
import { SEARCH_TUNING, filterKeysOf, visibleDocumentsFilter } from '../../server/repositories/search.repository.ts';
import { extractTextOfFile, enqueuePendingTextExtraction } from '../../server/services/text-extraction.service.ts';
import { linkFiles, prepareUploads, withStoredFiles } from '../../server/services/file.service.ts';
import type { Actor } from '../../server/domain/actor.ts';

/** The ids of every page of one search, `pageSize` rows a page, following the keyset cursor. */
async function everyPage(db: Parameters<typeof searchDocuments>[0], actor: Actor, raw: Record<string, string>, pageSize: number): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await searchDocuments(db, actor, raw, cursor ?? undefined, pageSize);
    seen.push(...page.items.map((i) => i.id));
    cursor = page.nextCursor;
  } while (cursor);
  return seen;
}

describe('search over documents', function () {
  this.timeout(60_000);
  let t: TestApp;
  let tinh: string;
  let huyen: string;
  let th: string;
  const ids: Record<string, string> = {};
  const actors: Record<string, Actor> = {};

  const subjects = async (actor: Actor, raw: Record<string, unknown>) => (await searchDocuments(t.ctx.db, actor, raw, undefined, 100)).items.map((i) => i.subject);

  before(async () => {
    t = await createTestApp();
    const db = t.ctx.db;
    tinh = await agencyIdOf(db, 'H41');
    huyen = await agencyIdOf(db, 'H41.31');
    th = await unitIdOf(db, tinh, 'TH');
    for (const u of ['tinh.vanthu', 'tinh.lanhdao', 'tinh.truongphong', 'tinh.chuyenvien', 'huyen.vanthu', 'quantri']) actors[u] = await actorFor(db, u);
    ids.qd = await insertDocument(db, {
      agencyId: tinh,
      typeCode: 'quyet_dinh',
      typeName: 'Quyết định',
      codeNumber: '123',
      codeNotation: 'QĐ-UBND',
      subject: 'Quyết định phê duyệt kế hoạch phòng chống thiên tai năm 2026',
      issuerName: 'Ủy ban nhân dân tỉnh Hà Tĩnh',
      signerFullName: 'Nguyễn Thị Lấp Lánh Ánh',
      promulgationDate: '2026-03-02',
      urgency: 2,
    });
    ids.lua = await insertDocument(db, { agencyId: tinh, subject: 'Báo cáo tình hình sản xuất lúa vụ đông xuân', promulgationDate: '2025-12-01', state: 'done' });
    ids.lua2 = await insertDocument(db, { agencyId: tinh, subject: 'Kế hoạch phòng cháy chữa cháy, lửa rừng mùa khô', promulgationDate: '2026-04-01' });
    ids.dat = await insertDocument(db, { agencyId: tinh, direction: 'outgoing', state: 'released', subject: 'Công văn về đất đai', codeNumber: '45', codeNotation: 'UBND-TNMT', promulgationDate: '2026-05-05' });
    ids.huyen = await insertDocument(db, { agencyId: huyen, subject: 'Quyết định của huyện về giải phóng mặt bằng', codeNumber: '123', codeNotation: 'QĐ-UBND' });
    // Relations of the specialist and the head of Phòng Tổng hợp.
    const me = actors['tinh.chuyenvien']!.userId;
    ids.created = await insertDocument(db, { agencyId: tinh, subject: 'Tờ trình do chuyên viên soạn', createdBy: me });
    ids.assignedUser = await insertDocument(db, { agencyId: tinh, subject: 'Văn bản giao chuyên viên chủ trì' });
    ids.assignedUnit = await insertDocument(db, { agencyId: tinh, subject: 'Văn bản giao Phòng Tổng hợp phối hợp' });
    ids.info = await insertDocument(db, { agencyId: tinh, subject: 'Văn bản gửi để biết' });
    ids.inactive = await insertDocument(db, { agencyId: tinh, subject: 'Văn bản đã chuyển cho người khác' });
    ids.unitDraft = await insertDocument(db, { agencyId: tinh, direction: 'outgoing', state: 'draft', draftingUnitId: th, subject: 'Dự thảo chưa trình của phòng' });
    ids.unitReview = await insertDocument(db, { agencyId: tinh, direction: 'outgoing', state: 'in_review', draftingUnitId: th, subject: 'Dự thảo chờ trưởng phòng duyệt' });
    await db
      .insertInto('documentAssignment')
      .values([
        { documentId: ids.assignedUser, kind: 'lead', userId: me },
        { documentId: ids.assignedUnit, kind: 'co', unitId: th },
        { documentId: ids.info, kind: 'info', userId: me },
        { documentId: ids.inactive, kind: 'lead', userId: me, active: false },
      ])
      .execute();
  });
  after(async () => t.close());

  it('folds diacritics: "quyet dinh" finds "Quyết định", and d finds đ', async () => {
    const clerk = actors['tinh.vanthu']!;
    expect(await subjects(clerk, { q: 'quyet dinh' })).to.deep.equal(['Quyết định phê duyệt kế hoạch phòng chống thiên tai năm 2026']);
    expect(await subjects(clerk, { q: 'QUYET DINH phe duyet' })).to.have.length(1);
    expect(await subjects(clerk, { q: 'dat dai' })).to.deep.equal(['Công văn về đất đai']);
    expect(await subjects(clerk, { q: 'đất đai' })).to.deep.equal(['Công văn về đất đai']);
    // Decomposed (NFD) input, as some input methods send it.
    expect(await subjects(clerk, { q: 'Quyết định'.normalize('NFD') })).to.have.length(1);
  });

  it('ranks exact-diacritic matches first, then the others newest first', async () => {
    const clerk = actors['tinh.vanthu']!;
    // "lúa" (rice, older) and "lửa" (fire, newer) fold to the same "lua".
    expect(await subjects(clerk, { q: 'lúa' })).to.deep.equal(['Báo cáo tình hình sản xuất lúa vụ đông xuân', 'Kế hoạch phòng cháy chữa cháy, lửa rừng mùa khô']);
    expect(await subjects(clerk, { q: 'lửa' })).to.deep.equal(['Kế hoạch phòng cháy chữa cháy, lửa rừng mùa khô', 'Báo cáo tình hình sản xuất lúa vụ đông xuân']);
    expect(await subjects(clerk, { q: 'lua' })).to.deep.equal(['Kế hoạch phòng cháy chữa cháy, lửa rừng mùa khô', 'Báo cáo tình hình sản xuất lúa vụ đông xuân']);
  });

  it('finds fragments of số ký hiệu, the issuer and the signer', async () => {
    const clerk = actors['tinh.vanthu']!;
    for (const q of ['123/QĐ', '123/qd', 'QĐ-UBND', '123/QĐ-UBND', 'Hà Tĩnh', 'Lấp Lánh', 'lap lanh anh']) {
      expect(await subjects(clerk, { q }), q).to.deep.equal(['Quyết định phê duyệt kế hoạch phòng chống thiên tai năm 2026']);
    }
    expect(await subjects(clerk, { q: '45/UBND' })).to.deep.equal(['Công văn về đất đai']);
    expect(await subjects(clerk, { q: '%' })).to.deep.equal([]);
  });

  it('applies the filters: type, year, urgency, state, direction, issuer, dates', async () => {
    const clerk = actors['tinh.vanthu']!;
    expect(await subjects(clerk, { type: 'quyet_dinh' })).to.have.length(1);
    expect(await subjects(clerk, { year: '2025' })).to.deep.equal(['Báo cáo tình hình sản xuất lúa vụ đông xuân']);
    expect(await subjects(clerk, { urgency: '2' })).to.have.length(1);
    expect(await subjects(clerk, { state: 'done' })).to.deep.equal(['Báo cáo tình hình sản xuất lúa vụ đông xuân']);
    expect(await subjects(clerk, { direction: 'outgoing', q: 'cong van' })).to.deep.equal(['Công văn về đất đai']);
    expect(await subjects(clerk, { issuer: 'hà tĩnh' })).to.have.length(1);
    expect(await subjects(clerk, { from: '2026-04-01', to: '2026-04-30' })).to.deep.equal(['Kế hoạch phòng cháy chữa cháy, lửa rừng mùa khô']);
  });

  it('refuses a malformed filter with a Vietnamese message', async () => {
    let msg = '';
    await searchDocuments(t.ctx.db, actors['tinh.vanthu']!, { from: '02/03/2026' }).catch((e: Error) => (msg = e.message));
    expect(msg).to.contain('ngày phải có dạng YYYY-MM-DD');
  });

  it('shows each user only what they may see', async () => {
    const all = (a: string) => subjects(actors[a]!, {});
    const clerkSees = await all('tinh.vanthu');
    expect(clerkSees).to.include('Văn bản gửi để biết').and.to.include('Dự thảo chưa trình của phòng');
    expect(clerkSees).to.not.include('Quyết định của huyện về giải phóng mặt bằng');
    expect(await all('tinh.lanhdao')).to.have.members(clerkSees);
    expect(await all('tinh.chuyenvien')).to.have.members([
      'Tờ trình do chuyên viên soạn',
      'Văn bản giao chuyên viên chủ trì',
      'Văn bản giao Phòng Tổng hợp phối hợp',
      'Văn bản gửi để biết',
    ]);
    expect(await all('tinh.truongphong')).to.have.members(['Văn bản giao Phòng Tổng hợp phối hợp', 'Dự thảo chờ trưởng phòng duyệt']);
    expect(await all('huyen.vanthu')).to.deep.equal(['Quyết định của huyện về giải phóng mặt bằng']);
    expect(await subjects(actors['huyen.vanthu']!, { q: '123/QĐ' })).to.deep.equal(['Quyết định của huyện về giải phóng mặt bằng']);
    const nobody: Actor = { ...actors['tinh.chuyenvien']!, roles: [] };
    // An administrator sees the agencies where the role is held, not their subordinate agencies.
    expect(await all('quantri')).to.include('Văn bản gửi để biết').and.not.include('Quyết định của huyện về giải phóng mặt bằng');
    expect(await subjects(nobody, {})).to.deep.equal([]);
  });

  it('exposes the visibility rule as one reusable where-clause on document d', async () => {
    const rows = await t.ctx.db.selectFrom('document as d').select('d.id').where(visibleDocumentsFilter(actors['tinh.chuyenvien']!)).execute();
    expect(rows.map((r) => r.id)).to.have.members([ids.created, ids.assignedUser, ids.assignedUnit, ids.info]);
  });

  it('pages with a keyset cursor across the exact and the folded matches, without repeats', async () => {
    const db = t.ctx.db;
    for (let i = 0; i < 23; i++) await insertDocument(db, { agencyId: tinh, subject: `Thông báo họp giao ban số ${i}` });
    for (let i = 0; i < 22; i++) await insertDocument(db, { agencyId: tinh, subject: `Thong bao hop khong dau so ${i}` });
    const clerk = actors['tinh.vanthu']!;
    const seen: string[] = [];
    let cursor: string | null | undefined;
    const sizes: number[] = [];
    do {
      const page = await searchDocuments(db, clerk, { q: 'Thông báo họp' }, cursor ?? undefined, 20);
      sizes.push(page.items.length);
      seen.push(...page.items.map((i) => i.subject));
      cursor = page.nextCursor;
    } while (cursor);
    expect(sizes).to.deep.equal([20, 20, 5]);
    expect(new Set(seen).size).to.equal(45);
    expect(seen.slice(0, 23).every((s) => s.startsWith('Thông báo họp'))).to.equal(true);
    expect(seen[0]).to.equal('Thông báo họp giao ban số 22');
    let msg = '';
    await searchDocuments(db, clerk, { q: 'x' }, 'not-a-cursor').catch((e: Error) => (msg = e.message));
    expect(msg).to.contain('Con trỏ trang');
  });

  it('keeps the searched text beside the document in the writer’s transaction, and leaves it alone on a change of state', async () => {
    const text = (id: string) =>
      t.ctx.db
        .selectFrom('documentSearchText as s')
        .innerJoin('document as d', 'd.id', 's.documentId')
        .select(['s.searchFolded', 's.searchExact', 'd.searchFolded as documentFolded', sql<string>`s.xmin::text`.as('version')])
        .where('s.documentId', '=', id)
        .executeTakeFirstOrThrow();
    const id = await insertDocument(t.ctx.db, { agencyId: tinh, subject: 'Kế hoạch Phòng chống Lụt bão', codeNumber: '12', codeNotation: 'KH-UBND', issuerName: 'UBND tỉnh', signerFullName: 'Đặng Văn Ân' });
    const made = await text(id);
    expect(made.searchFolded).to.equal(made.documentFolded);
    expect(made.searchExact).to.equal('kế hoạch phòng chống lụt bão 12/kh-ubnd ubnd tỉnh đặng văn ân ');
    // A change of state (vào sổ, trình, giao…) does not rewrite the text nor its trigram entries.
    await t.ctx.db.updateTable('document').set({ state: 'presented', bookNumber: 7 }).where('id', '=', id).execute();
    expect((await text(id)).version).to.equal(made.version);
    // An edit of the text does, in the same statement's transaction; a rolled-back edit leaves the old text.
    await t.ctx.db
      .transaction()
      .execute(async (trx) => {
        await trx.updateTable('document').set({ subject: 'Bỏ dở', searchFolded: 'bo do' }).where('id', '=', id).execute();
        throw new Error('rollback');
      })
      .catch(() => undefined);
    expect((await text(id)).searchExact).to.contain('lụt bão');
    await t.ctx.db.updateTable('document').set({ extractedText: 'Nội dung Tệp', searchFolded: `${made.documentFolded} noi dung tep` }).where('id', '=', id).execute();
    const edited = await text(id);
    expect(edited.searchFolded).to.equal(`${made.documentFolded} noi dung tep`);
    expect(edited.searchExact).to.equal('kế hoạch phòng chống lụt bão 12/kh-ubnd ubnd tỉnh đặng văn ân nội dung tệp');
    expect(await subjects(actors['tinh.vanthu']!, { q: 'noi dung tep' })).to.deep.equal(['Kế hoạch Phòng chống Lụt bão']);
    // Deleting the document deletes its text.
    await t.ctx.db.deleteFrom('documentAccess').where('documentId', '=', id).execute();
    await t.ctx.db.deleteFrom('document').where('id', '=', id).execute();
    expect(await t.ctx.db.selectFrom('documentSearchText').select('documentId').where('documentId', '=', id).execute()).to.deep.equal([]);
  });

  it('copies agency, direction, type and promulgation date beside the text, and filters on the copies as on the document', async () => {
    const db = t.ctx.db;
    const copy = (id: string) =>
      db.selectFrom('documentSearchText as s').select(['s.agencyId', 's.direction', 's.typeCode', 's.promulgationDate', sql<string>`s.xmin::text`.as('version')]).where('s.documentId', '=', id).executeTakeFirstOrThrow();
    const id = await insertDocument(db, { agencyId: tinh, typeCode: 'thong_bao', typeName: 'Thông báo', subject: 'Thông báo lịch tiếp công dân định kỳ', promulgationDate: '2024-07-15' });
    const made = await copy(id);
    expect({ ...made, version: undefined }).to.deep.equal({ agencyId: tinh, direction: 'incoming', typeCode: 'thong_bao', promulgationDate: '2024-07-15', version: undefined });
    const clerk = actors['tinh.vanthu']!;
    const found = (raw: Record<string, unknown>) => subjects(clerk, { q: 'tiep cong dan dinh ky', ...raw });
    expect(await found({ year: '2024', type: 'thong_bao', direction: 'incoming' })).to.deep.equal(['Thông báo lịch tiếp công dân định kỳ']);
    expect(await found({ year: '2025' })).to.deep.equal([]);
    // A correction of the date or the type (before registration) moves the copy in the same statement.
    await db.updateTable('document').set({ promulgationDate: '2025-02-03', typeCode: 'ke_hoach' }).where('id', '=', id).execute();
    expect((await copy(id)).promulgationDate).to.equal('2025-02-03');
    expect(await found({ year: '2024' })).to.deep.equal([]);
    expect(await found({ year: '2025', type: 'ke_hoach', from: '2025-02-03', to: '2025-02-03' })).to.deep.equal(['Thông báo lịch tiếp công dân định kỳ']);
    expect(await found({ type: 'thong_bao' })).to.deep.equal([]);
    // State is not copied: changing it leaves the row (and its trigram entries) alone.
    const before = (await copy(id)).version;
    await db.updateTable('document').set({ state: 'done' }).where('id', '=', id).execute();
    expect((await copy(id)).version).to.equal(before);
    // Urgency (an edit before registration, like the text) moves its key in the same statement.
    await db.updateTable('document').set({ urgency: 3 }).where('id', '=', id).execute();
    expect(await found({ urgency: '3', state: 'done', year: '2025' })).to.deep.equal(['Thông báo lịch tiếp công dân định kỳ']);
    expect(await found({ urgency: '0' })).to.deep.equal([]);
    await db.deleteFrom('documentAccess').where('documentId', '=', id).execute();
    await db.deleteFrom('document').where('id', '=', id).execute();
  });

  it('gives the same pages when the newest-first plan times out and the trigram plan takes over', async () => {
    const clerk = actors['tinh.vanthu']!;
    const specialist = actors['tinh.chuyenvien']!;
    const queries = ['Thông báo họp', 'thong bao', 'lúa', '123/QĐ', 'giao', 'd'];
    const normal = [];
    for (const q of queries) normal.push(await subjects(clerk, { q }), await subjects(specialist, { q }));
    const saved = { ...SEARCH_TUNING };
    Object.assign(SEARCH_TUNING, { orderedTimeoutMs: 1, narrowOrderedTimeoutMs: 1, denseMatches: 3 });
    try {
      const forced = [];
      for (const q of queries) forced.push(await subjects(clerk, { q }), await subjects(specialist, { q }));
      expect(forced).to.deep.equal(normal);
    } finally {
      Object.assign(SEARCH_TUNING, saved);
    }
  });

  it('gives the same pages through the text’s ids (other filters checked by id) as through the walk, whichever the count chooses', async () => {
    const db = t.ctx.db;
    // Twelve "Kiểm tra" documents, exact and unaccented, spread over states, urgency, types, dates
    // and directions, and four the head's unit leads (the narrow branch, through its keys; two of
    // them with the exact diacritics, so that the head's exact phase pages by keyset too).
    for (let i = 0; i < 12; i++) {
      const id = await insertDocument(db, {
        agencyId: tinh,
        direction: i % 4 === 3 ? 'outgoing' : 'incoming',
        state: i % 4 === 3 ? 'released' : i % 3 === 0 ? 'done' : 'registered',
        typeCode: i % 2 ? 'ke_hoach' : 'cong_van',
        typeName: i % 2 ? 'Kế hoạch' : 'Công văn',
        urgency: i % 5 === 0 ? 3 : 0,
        issuerName: i % 3 === 1 ? 'Sở Tài chính tỉnh Nghệ An' : 'Bộ Nội vụ',
        promulgationDate: `${2024 + (i % 3)}-0${1 + (i % 6)}-1${i % 10}`,
        subject: i % 2 ? `Kiểm tra định kỳ công tác văn thư đợt ${i}` : `Kiem tra dinh ky cong tac luu tru dot ${i}`,
      });
      if (i < 4) await db.insertInto('documentAssignment').values({ documentId: id, kind: 'lead', unitId: th }).execute();
    }
    const searches: Record<string, string>[] = [
      { q: 'Kiểm tra định kỳ' },
      { q: 'kiem tra', urgency: '3' },
      { q: 'Kiểm tra', state: 'done' },
      { q: 'Kiểm tra định kỳ', type: 'ke_hoach', state: 'registered' },
      { q: 'kiem tra dinh ky', issuer: 'Sở Tài chính', from: '2024-01-01', to: '2025-12-31' },
      { q: 'Kiểm tra', year: '2025', direction: 'incoming', urgency: '0' },
      { q: 'kiem tra', state: 'released', direction: 'outgoing' },
      { q: 'kiem tra', urgency: '2' },
      { q: 'Kiểm tra', type: 'ke_hoach' },
      // Filters without words: the head's go the same two ways (a walk of their rows checking the
      // copies in document_access first, or the keys in the side table's GIN index).
      { state: 'registered', direction: 'incoming' },
      { type: 'ke_hoach', year: '2024' },
      { urgency: '3' },
      { issuer: 'Sở Tài chính', from: '2024-01-01', to: '2025-12-31' },
    ];
    // Every page of one row (the newest ids are asked about in chunks of 8, then 32), by keyset
    // cursor, for the clerk (whole agency) and the head (keys).
    const allPages = (actor: Actor, raw: Record<string, string>) => everyPage(db, actor, raw, 1);
    const run = async () => {
      const out: string[][] = [];
      for (const raw of searches) out.push(await allPages(actors['tinh.vanthu']!, raw), await allPages(actors['tinh.truongphong']!, raw));
      return out;
    };
    const walked = await run();
    expect(walked[0], 'clerk, no filter').to.have.length(12);
    expect(walked[1], 'head, no filter').to.have.length(4);
    expect(walked.slice(2).some((r) => r.length > 0) && walked.slice(2).some((r) => r.length === 0)).to.equal(true);
    const saved = { ...SEARCH_TUNING };
    try {
      // No first walk; then every text match among the fixed filters counted (1,000: state,
      // urgency and issuer checked on document by id, newest ids first in growing chunks), or too
      // many of them (5, 3, 1: the walk, untimed, with its text probed by id).
      for (const denseMatches of [1_000, 5, 3, 1]) {
        Object.assign(SEARCH_TUNING, { orderedTimeoutMs: 0, narrowOrderedTimeoutMs: 0, denseMatches });
        expect(await run(), `denseMatches ${denseMatches}`).to.deep.equal(walked);
      }
    } finally {
      Object.assign(SEARCH_TUNING, saved);
    }
  });

  it('finds through the filter keys beside the text exactly what the filters on the document keep: month ranges, issuer codes, several agencies', async () => {
    const db = t.ctx.db;
    const vpcp = await agencyIdOf(db, 'G22');
    // "Rà soát" documents across a year's end, of two agencies seen whole by the administrator,
    // with issuer codes and names (the issuer filter is code = x or name ilike '%x%').
    const made: string[] = [];
    for (let i = 0; i < 10; i++) {
      const id = await insertDocument(db, {
        agencyId: i % 5 === 4 ? vpcp : tinh,
        direction: i % 3 === 2 ? 'outgoing' : 'incoming',
        state: i % 3 === 2 ? 'released' : 'done',
        typeCode: i % 2 ? 'ke_hoach' : 'cong_van',
        typeName: i % 2 ? 'Kế hoạch' : 'Công văn',
        urgency: i % 4 === 0 ? 3 : i % 4,
        issuerName: i % 3 === 0 ? 'Sở Tài chính tỉnh Nghệ An' : i % 3 === 1 ? 'Bộ Nội vụ' : null,
        promulgationDate: i === 9 ? null : ['2024-11-30', '2024-12-01', '2024-12-31', '2025-01-01', '2025-01-31', '2025-02-01', '2025-12-31', '2026-01-01', '2026-03-15'][i],
        subject: i % 2 ? `Rà soát thủ tục hành chính đợt ${i}` : `Ra soat thu tuc hanh chinh dot ${i}`,
      });
      if (i % 3 !== 1) await db.updateTable('document').set({ issuerCode: i % 3 === 0 ? 'STC' : 'SNV' }).where('id', '=', id).execute();
      made.push(id);
    }
    // The trigger writes the keys the application asks for (filterKeysOf mirrors the migration's function).
    const rows = await db
      .selectFrom('documentSearchText as s')
      .innerJoin('document as d', 'd.id', 's.documentId')
      .select(['d.agencyId', 'd.direction', 'd.typeCode', 'd.urgency', 'd.promulgationDate', 'd.issuerCode', 'd.issuerName', 's.filterKeys', 's.issuerSearch'])
      .where('s.documentId', 'in', made)
      .orderBy('s.documentId')
      .execute();
    for (const r of rows) {
      expect([...r.filterKeys].sort()).to.deep.equal(filterKeysOf(r).sort());
      expect(r.issuerSearch).to.equal(`${r.issuerCode ?? ''} ${r.issuerName ?? ''}`);
    }
    expect(rows[1]!.filterKeys).to.include.members(['y:2024', 'm:2024-12', 'u:1']);
    const searches: Record<string, string>[] = [
      { q: 'rà soát', from: '2024-12-01', to: '2025-01-31' },
      { q: 'ra soat thu tuc', from: '2024-12-31', to: '2025-01-01', urgency: '3' },
      { q: 'ra soat', from: '2025-02-01', to: '2024-12-01' },
      { q: 'ra soat', from: '2020-01-01', to: '2026-12-31' },
      { q: 'Rà soát', year: '2025', type: 'cong_van' },
      { q: 'ra soat', issuer: 'STC' },
      { q: 'ra soat', issuer: 'Tài chính', state: 'done' },
      // The keys' issuer text holds the code too: 'stc' passes it, and the rule on document refuses it.
      { q: 'ra soat', issuer: 'stc', from: '2024-11-01', to: '2025-12-31' },
      { q: 'ra soat', issuer: 'SNV' },
      { q: 'ra soat', issuer: 'Nội vụ', direction: 'incoming' },
      { q: 'ra soat', urgency: '0' },
      // Two letters: no trigram to look up, the rule on document alone.
      { q: 'ra soat', issuer: 'vụ' },
    ];
    // What the clerk (the province only) finds, worked out by hand from the ten documents above.
    const expected = [3, 1, 0, 8, 1, 3, 3, 0, 3, 2, 0, 2];
    const allPages = (actor: Actor, raw: Record<string, string>) => everyPage(db, actor, raw, 2);
    const run = async () => {
      const out: string[][] = [];
      for (const raw of searches) out.push(await allPages(actors['tinh.vanthu']!, raw), await allPages(actors['quantri']!, raw));
      return out;
    };
    const walked = await run();
    expect(walked.filter((_, i) => i % 2 === 0).map((r) => r.length)).to.deep.equal(expected);
    // The administrator sees the other agency's two as well (several agencies: keys overlapped).
    expect(walked[7]!.length - walked[6]!.length).to.equal(made.filter((_, i) => i % 5 === 4 && i !== 9).length);
    const saved = { ...SEARCH_TUNING };
    try {
      for (const denseMatches of [1_000, 3, 1]) {
        Object.assign(SEARCH_TUNING, { orderedTimeoutMs: 0, narrowOrderedTimeoutMs: 0, denseMatches });
        expect(await run(), `denseMatches ${denseMatches}`).to.deep.equal(walked);
      }
    } finally {
      Object.assign(SEARCH_TUNING, saved);
    }
    await db.deleteFrom('documentAccess').where('documentId', 'in', made).execute();
    await db.deleteFrom('document').where('id', 'in', made).execute();
  });

  it('splits queries into folded tokens, and exact tokens only when diacritics were typed', () => {
    expect(tokensOf('  Quyết   định ')).to.deep.equal({ foldedTokens: ['quyet', 'dinh'], exactTokens: ['quyết', 'định'] });
    expect(tokensOf('quyet dinh')).to.deep.equal({ foldedTokens: ['quyet', 'dinh'], exactTokens: [] });
    expect(tokensOf('Đ')).to.deep.equal({ foldedTokens: ['d'], exactTokens: ['đ'] });
  });

  describe('text of PDFs (documents.extract-text)', () => {
    async function attachPdf(documentId: string, bytes: Buffer): Promise<string> {
      const files = await prepareUploads([{ fileName: 'van-ban.pdf', bytes }], 50 * 1024 * 1024);
      const [id] = await withStoredFiles(t.ctx.db, t.ctx.blobs, files, () => t.ctx.db.transaction().execute((trx) => linkFiles(trx, documentId, 'main', files, null)));
      return id!;
    }

    it('extracts the Vietnamese text, refreshes the search text, and does nothing the second time', async () => {
      const docId = await insertDocument(t.ctx.db, { agencyId: tinh, subject: 'Công văn có tệp đính kèm' });
      const pdf = await vietnamesePdf([['V/v tổ chức Hội nghị tổng kết công tác văn thư, lưu trữ'], ['Trang hai: Nguyễn Thị Lấp Lánh Ánh']]);
      const fileId = await attachPdf(docId, pdf);
      expect(await subjects(actors['tinh.vanthu']!, { q: 'hoi nghi tong ket' })).to.deep.equal([]);
      expect(await extractTextOfFile(t.ctx, fileId)).to.equal('done');
      const doc = await t.ctx.db.selectFrom('document').select(['extractedText', 'searchFolded']).where('id', '=', docId).executeTakeFirstOrThrow();
      expect(doc.extractedText).to.contain('Hội nghị tổng kết công tác văn thư').and.to.contain('Nguyễn Thị Lấp Lánh Ánh');
      expect(doc.extractedText).to.equal(doc.extractedText!.normalize('NFC'));
      expect(await subjects(actors['tinh.vanthu']!, { q: 'hoi nghi tong ket' })).to.deep.equal(['Công văn có tệp đính kèm']);
      expect(await subjects(actors['tinh.vanthu']!, { q: 'Lấp Lánh Ánh' })).to.include('Công văn có tệp đính kèm');
      expect(await extractTextOfFile(t.ctx, fileId)).to.equal('skipped');
      const again = await t.ctx.db.selectFrom('document').select('extractedText').where('id', '=', docId).executeTakeFirstOrThrow();
      expect(again.extractedText).to.equal(doc.extractedText);
      const f = await t.ctx.db.selectFrom('documentFile').select('textStatus').where('id', '=', fileId).executeTakeFirstOrThrow();
      expect(f.textStatus).to.equal('done');
    });

    it('marks a file pdfjs cannot read as failed, an image as none, and a missing file as skipped', async () => {
      const docId = await insertDocument(t.ctx.db, { agencyId: tinh, subject: 'Văn bản có tệp hỏng' });
      const fileId = await attachPdf(docId, await vietnamesePdf());
      const { sha256Of } = await import('../../server/files/blob-store.ts');
      const garbage = Buffer.from('%PDF-1.4 not really');
      await t.ctx.blobs.put(sha256Of(garbage), garbage);
      await t.ctx.db.insertInto('blob').values({ sha256: sha256Of(garbage), size: garbage.length, contentType: 'application/pdf' }).execute();
      await t.ctx.db.updateTable('documentFile').set({ blobSha256: sha256Of(garbage) }).where('id', '=', fileId).execute();
      expect(await extractTextOfFile(t.ctx, fileId)).to.equal('failed');
      expect(await extractTextOfFile(t.ctx, '999999999')).to.equal('skipped');
    });

    it('re-enqueues every file still pending, once per file', async () => {
      const docId = await insertDocument(t.ctx.db, { agencyId: tinh, subject: 'Văn bản chờ trích xuất' });
      await attachPdf(docId, await vietnamesePdf([['chờ trích xuất']]));
      const queue = t.ctx.jobs.queueFor('documents.extract-text');
      const before = await queue.getJobCountByTypes('waiting', 'delayed', 'active');
      const n = await enqueuePendingTextExtraction(t.ctx);
      expect(n).to.be.greaterThan(0);
      await enqueuePendingTextExtraction(t.ctx);
      expect(await queue.getJobCountByTypes('waiting', 'delayed', 'active')).to.equal(before + n);
    });
  });

  describe('search page and API', () => {
    it('shows results with the urgency flag and links to the documents', async () => {
      const agent = await loginAs(t.app, 'tinh.vanthu');
      const res = await agent.get('/search').query({ q: 'quyet dinh' }).expect(200);
      expect(res.text).to.contain(`href="/documents/${ids.qd}"`);
      expect(res.text).to.contain('Thượng khẩn');
      expect(res.text).to.contain('123/QĐ-UBND');
      expect(res.text).to.not.contain('giải phóng mặt bằng');
      const bad = await agent.get('/search').query({ year: 'abc' });
      expect(bad.status).to.equal(422);
    });

    it('saves a search with the CSRF token, refuses one without, and deletes it', async () => {
      const agent = await loginAs(t.app, 'tinh.chuyenvien');
      const count = async () => Number((await t.ctx.db.selectFrom('savedSearch').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
      const before = await count();
      const forged = await agent.post('/search/saved').type('form').send({ name: 'Giả mạo', q: 'x' });
      expect(forged.status).to.equal(403);
      expect(await count()).to.equal(before);
      const res = await postForm(agent, '/search?q=giao', '/search/saved', { name: 'Việc được giao', q: 'giao', direction: 'incoming' });
      expect(res.status).to.equal(303);
      expect(res.headers.location).to.equal('/search?q=giao&direction=incoming');
      expect(await count()).to.equal(before + 1);
      const page = await agent.get('/search').expect(200);
      expect(page.text).to.contain('Việc được giao');
      const saved = await t.ctx.db.selectFrom('savedSearch').select('id').where('name', '=', 'Việc được giao').executeTakeFirstOrThrow();
      // Another user can neither open nor delete it.
      const other = await loginAs(t.app, 'tinh.vanthu');
      await other.get(`/search/saved/${saved.id}`).expect(404);
      const otherPage = await other.get('/search');
      await other.post(`/search/saved/${saved.id}/delete`).type('form').send({ _csrf: csrfFrom(otherPage.text) }).expect(404);
      const del = await postForm(agent, '/search', `/search/saved/${saved.id}/delete`, {});
      expect(del.status).to.equal(303);
      expect(await count()).to.equal(before);
    });

    it('answers GET /api/v1/search with { items, nextCursor } in the edXML field names', async () => {
      const api = express();
      api.use((req, _res, next) => {
        req.actor = actors['tinh.vanthu'];
        next();
      });
      api.get('/api/v1/search', searchApiHandler(t.ctx));
      const res = await request(api).get('/api/v1/search').query({ q: '123/QĐ', limit: '5' }).expect(200);
      expect(res.body.nextCursor).to.equal(null);
      expect(res.body.items).to.have.length(1);
      expect(res.body.items[0]).to.include({
        codeNumber: '123',
        codeNotation: 'QĐ-UBND',
        subject: 'Quyết định phê duyệt kế hoạch phòng chống thiên tai năm 2026',
        issuerName: 'Ủy ban nhân dân tỉnh Hà Tĩnh',
        signerFullName: 'Nguyễn Thị Lấp Lánh Ánh',
        promulgationDate: '2026-03-02',
        urgency: 2,
        state: 'registered',
      });
    });
  });
});
