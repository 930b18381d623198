// document_access and document.access_keys (issue 3 item 6): the denormalised relations that inbox
// lists and search read for people without an agency-wide role. They are kept by triggers; these
// tests drive the real services (receive, register, present, direct, forward, extension, complete,
// drafts and review, agency merge) and direct SQL writers, and after each step compare the table and
// the keys with their source (document_access_source) and the lists with the access decision the
// document page takes (loadVisibleDocument).
import { expect } from 'chai';
import { sql } from 'kysely';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { userRepository } from '../../server/repositories/user.repository.ts';
import { documentRepository } from '../../server/repositories/document.repository.ts';
import { receiveIncoming } from '../../server/services/incoming.service.ts';
import { createDraft } from '../../server/services/outgoing.service.ts';
import { performAction } from '../../server/services/document-actions.ts';
import { booksFor } from '../../server/services/book.service.ts';
import { loadVisibleDocument } from '../../server/services/document-access.ts';
import { mergeAgency } from '../../server/services/agency.service.ts';
import { INCOMING_TABS } from '../../server/domain/incoming-workflow.ts';
import { OUTGOING_TABS } from '../../server/domain/outgoing-workflow.ts';
import { hashPassword } from '../../server/services/auth.service.ts';
import type { Actor } from '../../server/domain/actor.ts';
import { makePdf } from '../helpers/pdf.ts';

const META = {
  typeCode: 'cong_van',
  numberAndNotation: 'Số: 77/UBND-TH',
  promulgationDate: '2026-11-20',
  issuerName: 'Ủy ban nhân dân tỉnh Hà Tĩnh',
  subject: 'V/v phối hợp phòng, chống thiên tai',
  urgency: '0',
};

describe('document_access: the relations inbox lists and search read, kept in the same transaction', function () {
  this.timeout(120_000);
  let t: TestApp;
  const a: Record<string, Actor> = {};
  let province: string;
  let th: string;
  let vx: string;

  const actorFor = async (username: string): Promise<Actor> => {
    const u = (await userRepository.findByUsername(t.ctx.db, username))!;
    const roles = await userRepository.rolesOf(t.ctx.db, u.id);
    return { userId: u.id, username: u.username, fullName: u.fullName, position: u.position, roles, activeAgencyId: roles[0]!.agencyId };
  };

  /** The table and the keys equal what the source relations say, row for row. */
  async function expectInSync(step: string): Promise<void> {
    const db = t.ctx.db;
    const source = await sql<Record<string, unknown>>`
      select s.principal_kind, s.principal_id::text, s.document_id::text, d.agency_id::text, d.direction, d.state, d.urgency, d.handling_deadline::text
      from document_access_source s join document d on d.id = s.document_id order by 1, 2, 3`.execute(db);
    const table = await sql<Record<string, unknown>>`
      select principal_kind, principal_id::text, document_id::text, agency_id::text, direction, state, urgency, handling_deadline::text
      from document_access order by 1, 2, 3`.execute(db);
    expect(table.rows, `document_access after ${step}`).to.deep.equal(source.rows);
    const keys = await sql<{ id: string }>`
      select d.id::text from document d
      where d.access_keys is distinct from coalesce((
        select array_agg(k order by k) from (
          select case s.principal_kind when 'user' then 'u:' when 'unit' then 'n:' else 'd:' end || s.principal_id as k
          from document_access_source s where s.document_id = d.id) x), '{}')`.execute(db);
    expect(keys.rows, `documents whose access_keys are stale after ${step}`).to.deep.equal([]);
    // Search reads the keys beside the text (document_search_text): the same, for every document.
    const copies = await sql<{ id: string }>`
      select d.id::text from document d left join document_search_text s on s.document_id = d.id
      where s.access_keys is distinct from d.access_keys or s.search_folded is distinct from d.search_folded`.execute(db);
    expect(copies.rows, `documents whose searched text or keys differ from document_search_text after ${step}`).to.deep.equal([]);
  }

  /** Ids a person finds in a tab, every page followed by its keyset cursor (pages of 2). */
  async function listed(actor: Actor, agencyId: string, direction: 'incoming' | 'outgoing', tab: { states: readonly string[]; overdue?: boolean }): Promise<string[]> {
    const ids: string[] = [];
    let after: { urgency: number; id: string } | undefined;
    for (;;) {
      const rows = await documentRepository.list(t.ctx.db, actor, { agencyId, direction, states: [...tab.states], overdueOn: tab.overdue ? '2100-01-01' : undefined, after, limit: 3 });
      ids.push(...rows.slice(0, 2).map((r) => r.id));
      if (rows.length <= 2) return ids;
      const last = rows[1]!;
      after = { urgency: last.urgency, id: last.id };
    }
  }

  /** What the document page would let the person open: the reference for every list. */
  async function canOpen(actor: Actor, id: string): Promise<boolean> {
    try {
      await loadVisibleDocument(t.ctx.db, actor, id);
      return true;
    } catch {
      return false;
    }
  }

  /** Every tab of both lists, for each person, equals the documents they can open in that tab — in list order. */
  async function expectListsMatchAccess(step: string): Promise<void> {
    const db = t.ctx.db;
    for (const actor of Object.values(a)) {
      for (const [direction, tabs] of [['incoming', INCOMING_TABS], ['outgoing', OUTGOING_TABS]] as const) {
        for (const [key, tab] of Object.entries(tabs) as [string, { states: readonly string[]; overdue?: boolean }][]) {
          const candidates = await db
            .selectFrom('document')
            .select(['id', 'handlingDeadline'])
            .where('agencyId', '=', province)
            .where('direction', '=', direction)
            .where('state', 'in', [...tab.states])
            .orderBy('urgency', 'desc')
            .orderBy('id', 'desc')
            .execute();
          const expected: string[] = [];
          for (const c of candidates) if ((!tab.overdue || c.handlingDeadline) && (await canOpen(actor, c.id))) expected.push(c.id);
          expect(await listed(actor, province, direction, tab), `${actor.username} ${direction}/${key} after ${step}`).to.deep.equal(expected);
        }
      }
    }
  }

  before(async () => {
    t = await createTestApp();
    const db = t.ctx.db;
    province = (await db.selectFrom('agency').select('id').where('d20Code', '=', 'H41').executeTakeFirstOrThrow()).id;
    th = (await db.selectFrom('unit').select('id').where('agencyId', '=', province).where('abbreviation', '=', 'TH').executeTakeFirstOrThrow()).id;
    vx = (await db.selectFrom('unit').select('id').where('agencyId', '=', province).where('abbreviation', '=', 'VX').executeTakeFirstOrThrow()).id;
    // A specialist of Phòng Văn xã, to receive a forwarded document.
    const u = await db.insertInto('appUser').values({ username: 'tinh.chuyenvien.vx', fullName: 'Đinh Thị Thu Trang', email: null, position: 'Chuyên viên', passwordHash: await hashPassword('VanThu@2026') }).returning('id').executeTakeFirstOrThrow();
    await db.insertInto('userRole').values({ userId: u.id, agencyId: province, unitId: vx, role: 'specialist' }).execute();
    for (const name of ['tinh.vanthu', 'tinh.lanhdao', 'tinh.truongphong', 'tinh.chuyenvien', 'tinh.chuyenvien.vx', 'xa1.vanthu']) a[name] = await actorFor(name);
  });
  after(async () => t.close());

  it('follows an incoming document through receive, register, present, direct, start, forward, extension and completion', async () => {
    const clerk = a['tinh.vanthu']!;
    const leader = a['tinh.lanhdao']!;
    const specialist = a['tinh.chuyenvien']!;
    const vxSpecialist = a['tinh.chuyenvien.vx']!;
    const d = await receiveIncoming(t.ctx, clerk, province, { ...META, urgency: '1' }, []);
    await expectInSync('receive');
    expect(await listed(specialist, province, 'incoming', INCOMING_TABS.cho_xu_ly)).to.not.include(d.id);
    const book = (await booksFor(t.ctx.db, province, 'incoming'))[0]!;
    await performAction(t.ctx, clerk, d.id, 'register', { bookId: book.id });
    await performAction(t.ctx, clerk, d.id, 'present', { note: 'Kính trình' });
    await expectInSync('register and present');
    await performAction(t.ctx, leader, d.id, 'direct', { direction: 'Giao Phòng Tổng hợp chủ trì', lead: `u:${th}`, co: [`u:${vx}`], info: [`p:${clerk.userId}`], workingDays: '5' });
    await expectInSync('direct');
    // The unit's members see it in their tab; so does the co-handling unit's specialist.
    expect(await listed(specialist, province, 'incoming', INCOMING_TABS.cho_xu_ly)).to.include(d.id);
    expect(await listed(vxSpecialist, province, 'incoming', INCOMING_TABS.cho_xu_ly)).to.include(d.id);
    await performAction(t.ctx, specialist, d.id, 'start', {});
    await expectInSync('start');
    expect(await listed(specialist, province, 'incoming', INCOMING_TABS.dang_xu_ly)).to.include(d.id);
    expect(await listed(specialist, province, 'incoming', INCOMING_TABS.cho_xu_ly)).to.not.include(d.id);
    await expectListsMatchAccess('start');

    // Re-assignment to a person of the other unit: Phòng Tổng hợp loses it, the person keeps it.
    await performAction(t.ctx, leader, d.id, 'forward', { lead: `p:${vxSpecialist.userId}`, note: 'Chuyển Phòng Văn xã' });
    await expectInSync('forward');
    expect(await listed(specialist, province, 'incoming', INCOMING_TABS.cho_xu_ly)).to.not.include(d.id);
    expect(await canOpen(specialist, d.id)).to.equal(false);
    expect(await listed(vxSpecialist, province, 'incoming', INCOMING_TABS.cho_xu_ly)).to.include(d.id);
    await expectListsMatchAccess('forward');

    // A new handling deadline is copied to the rows (the Quá hạn tab reads it there).
    await performAction(t.ctx, vxSpecialist, d.id, 'start', {});
    const before = (await t.ctx.db.selectFrom('document').select('handlingDeadline').where('id', '=', d.id).executeTakeFirstOrThrow()).handlingDeadline!;
    const later = new Date(Date.parse(`${before}T00:00:00Z`) + 30 * 86_400_000).toISOString().slice(0, 10);
    await performAction(t.ctx, vxSpecialist, d.id, 'request_extension', { until: later, reason: 'Cần thêm số liệu của các huyện' });
    await performAction(t.ctx, leader, d.id, 'approve_extension', { approve: 'yes' });
    await expectInSync('extension');
    const rows = await t.ctx.db.selectFrom('documentAccess').select('handlingDeadline').where('documentId', '=', d.id).execute();
    expect(rows.length).to.be.greaterThan(0);
    expect(rows.every((r) => r.handlingDeadline === later)).to.equal(true);
    expect(await listed(vxSpecialist, province, 'incoming', INCOMING_TABS.qua_han)).to.include(d.id);

    await performAction(t.ctx, vxSpecialist, d.id, 'complete', { note: 'Đã xong' });
    await expectInSync('complete');
    expect(await listed(vxSpecialist, province, 'incoming', INCOMING_TABS.da_xu_ly)).to.include(d.id);
    await expectListsMatchAccess('complete');
  });

  it('shows a head the drafts of their unit once submitted, never while still a draft', async () => {
    const specialist = a['tinh.chuyenvien']!;
    const head = a['tinh.truongphong']!;
    const d = await createDraft(t.ctx, specialist, province, { typeCode: 'cong_van', subject: 'Công văn góp ý dự thảo quy hoạch' }, [{ fileName: 'du-thao.pdf', bytes: await makePdf(['Du thao']) }]);
    await expectInSync('draft');
    expect(await listed(specialist, province, 'outgoing', OUTGOING_TABS.du_thao)).to.include(d.id);
    expect(await listed(head, province, 'outgoing', OUTGOING_TABS.du_thao)).to.not.include(d.id);
    await performAction(t.ctx, specialist, d.id, 'submit', {});
    await expectInSync('submit');
    expect(await listed(head, province, 'outgoing', OUTGOING_TABS.cho_duyet)).to.include(d.id);
    await expectListsMatchAccess('submit');
  });

  it('keeps rows for assignments written straight in SQL, drops them with the assignment or the document, and lists nothing of another agency', async () => {
    const db = t.ctx.db;
    const specialist = a['tinh.chuyenvien']!;
    const d = await db.insertInto('document').values({ agencyId: province, direction: 'incoming', state: 'assigned', typeCode: 'cong_van', typeName: 'Công văn', subject: 'Văn bản giao thẳng bằng SQL', urgency: 3 }).returning('id').executeTakeFirstOrThrow();
    const asg = await db.insertInto('documentAssignment').values({ documentId: d.id, kind: 'info', userId: specialist.userId }).returning('id').executeTakeFirstOrThrow();
    await expectInSync('insert');
    expect((await listed(specialist, province, 'incoming', INCOMING_TABS.cho_xu_ly))[0]).to.equal(d.id); // Hỏa tốc first
    await db.updateTable('documentAssignment').set({ active: false }).where('id', '=', asg.id).execute();
    await expectInSync('deactivate');
    expect(await listed(specialist, province, 'incoming', INCOMING_TABS.cho_xu_ly)).to.not.include(d.id);
    await db.updateTable('documentAssignment').set({ active: true }).where('id', '=', asg.id).execute();
    await db.deleteFrom('documentAssignment').where('id', '=', asg.id).execute();
    await expectInSync('delete of the assignment');
    // A relation in an agency where the person holds no role shows nothing there.
    const xa1 = a['xa1.vanthu']!.activeAgencyId!;
    const other = await db.insertInto('document').values({ agencyId: xa1, direction: 'incoming', state: 'assigned', typeCode: 'cong_van', typeName: 'Công văn', subject: 'Văn bản của xã' }).returning('id').executeTakeFirstOrThrow();
    await db.insertInto('documentAssignment').values({ documentId: other.id, kind: 'lead', userId: specialist.userId }).execute();
    await expectInSync('assignment in another agency');
    expect(await listed(specialist, xa1, 'incoming', INCOMING_TABS.cho_xu_ly)).to.deep.equal([]);
    expect(await listed(specialist, province, 'incoming', INCOMING_TABS.cho_xu_ly)).to.not.include(other.id);
    await db.deleteFrom('documentAssignment').where('documentId', '=', other.id).execute();
    await db.deleteFrom('document').where('id', '=', other.id).execute();
    await db.deleteFrom('document').where('id', '=', d.id).execute();
    await expectInSync('delete of the documents');
  });

  it('counts per state, for the home page, exactly what each person finds in the lists', async () => {
    const today = '2100-01-01';
    for (const actor of Object.values(a)) {
      for (const direction of ['incoming', 'outgoing'] as const) {
        const counts = await documentRepository.countsByState(t.ctx.db, actor, province, direction, today);
        const states = [...new Set((await t.ctx.db.selectFrom('document').select('state').where('agencyId', '=', province).where('direction', '=', direction).execute()).map((r) => r.state))];
        for (const state of states) {
          const all = await listed(actor, province, direction, { states: [state] });
          const late = await listed(actor, province, direction, { states: [state], overdue: true });
          const c = counts.find((x) => x.state === state);
          expect({ count: c?.count ?? 0, overdue: c?.overdue ?? 0 }, `${actor.username} ${direction} ${state}`).to.deep.equal({ count: all.length, overdue: late.length });
        }
      }
    }
  });

  it('moves the rows with the open documents when an agency merges into its successor', async () => {
    const db = t.ctx.db;
    const huyen = (await db.selectFrom('agency').select('id').where('d20Code', '=', 'H41.31').executeTakeFirstOrThrow()).id;
    const nv = (await db.selectFrom('unit').select('id').where('agencyId', '=', huyen).executeTakeFirstOrThrow()).id;
    const open = await db.insertInto('document').values({ agencyId: huyen, direction: 'incoming', state: 'in_progress', typeCode: 'cong_van', typeName: 'Công văn', subject: 'Văn bản huyện đang xử lý' }).returning('id').executeTakeFirstOrThrow();
    const done = await db.insertInto('document').values({ agencyId: huyen, direction: 'incoming', state: 'done', typeCode: 'cong_van', typeName: 'Công văn', subject: 'Văn bản huyện đã xong' }).returning('id').executeTakeFirstOrThrow();
    await db.insertInto('documentAssignment').values([{ documentId: open.id, kind: 'lead', unitId: nv }, { documentId: done.id, kind: 'lead', unitId: nv }]).execute();
    await mergeAgency(db, await actorFor('quantri'), huyen, province);
    await expectInSync('merge');
    const agencyOf = async (id: string) => (await db.selectFrom('documentAccess').select('agencyId').where('documentId', '=', id).executeTakeFirstOrThrow()).agencyId;
    expect(await agencyOf(open.id)).to.equal(province);
    expect(await agencyOf(done.id)).to.equal(huyen);
  });
});
