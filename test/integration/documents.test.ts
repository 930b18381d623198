import { expect } from 'chai';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { makePdf } from '../helpers/pdf.ts';
import { userRepository } from '../../server/repositories/user.repository.ts';
import { bookRepository } from '../../server/repositories/book.repository.ts';
import { receiveIncoming } from '../../server/services/incoming.service.ts';
import { createDraft } from '../../server/services/outgoing.service.ts';
import { performAction, INCOMING_HANDLERS, OUTGOING_HANDLERS } from '../../server/services/document-actions.ts';
import { bookForNumbering, booksFor, takeNumber } from '../../server/services/book.service.ts';
import { registerInBook } from '../../server/services/book-registration-queue.ts';
import { documentDetail } from '../../server/services/document-view.service.ts';
import { verifyAuditChain } from '../../server/services/audit.service.ts';
import { INCOMING_WORKFLOW } from '../../server/domain/incoming-workflow.ts';
import { OUTGOING_WORKFLOW } from '../../server/domain/outgoing-workflow.ts';
import { AppError } from '../../server/errors.ts';
import { vietnamYearOf } from '../../server/domain/vietnam-time.ts';
import type { Actor } from '../../server/domain/actor.ts';
import type { LocalBlobStore } from '../../server/files/blob-store.ts';

async function actorFor(t: TestApp, username: string, agencyD20?: string): Promise<Actor> {
  const u = (await userRepository.findByUsername(t.ctx.db, username))!;
  const roles = await userRepository.rolesOf(t.ctx.db, u.id);
  const active = agencyD20 ? (await t.ctx.db.selectFrom('agency').select('id').where('d20Code', '=', agencyD20).executeTakeFirstOrThrow()).id : roles[0]!.agencyId;
  return { userId: u.id, username: u.username, fullName: u.fullName, position: u.position, roles, activeAgencyId: active };
}

async function expectAppError(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect(e, String(e)).to.be.instanceOf(AppError);
    expect((e as AppError).code, (e as AppError).message).to.equal(code);
    if (message) expect((e as AppError).message).to.match(message);
    return;
  }
  expect.fail(`expected AppError ${code}`);
}

const META = {
  typeCode: 'cong_van',
  numberAndNotation: 'Số: 123/UBND-VX',
  promulgationDate: '2026-11-20',
  issuerName: 'Ủy ban nhân dân tỉnh Hà Tĩnh',
  subject: 'V/v triển khai Quyết định về chuyển đổi số',
  signerFullName: 'Nguyễn Thị Lấp Lánh Ánh',
  urgency: '0',
};

describe('documents: books, numbering and workflows (real PostgreSQL)', function () {
  this.timeout(120_000);
  let t: TestApp;
  let clerk: Actor, leader: Actor, head: Actor, specialist: Actor, otherClerk: Actor;
  let province: string;
  const counts = async () => {
    const c = async (table: 'document' | 'documentFile' | 'blob' | 'documentEvent' | 'auditLog' | 'bookEntry') =>
      Number((await t.ctx.db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
    return { document: await c('document'), files: await c('documentFile'), blob: await c('blob'), events: await c('documentEvent'), audit: await c('auditLog'), entries: await c('bookEntry'), stored: await (t.ctx.blobs as LocalBlobStore).count() };
  };

  /** Removes books a test opened, with their entries (the later tests take the agency's first book). */
  const dropBooks = async (...ids: string[]) => {
    await t.ctx.db.deleteFrom('bookEntry').where('bookId', 'in', ids).execute();
    await t.ctx.db.updateTable('document').set({ bookId: null }).where('bookId', 'in', ids).execute();
    await t.ctx.db.deleteFrom('registerBook').where('id', 'in', ids).execute();
  };

  before(async () => {
    t = await createTestApp();
    clerk = await actorFor(t, 'tinh.vanthu');
    leader = await actorFor(t, 'tinh.lanhdao');
    head = await actorFor(t, 'tinh.truongphong');
    specialist = await actorFor(t, 'tinh.chuyenvien');
    otherClerk = await actorFor(t, 'xa2.vanthu');
    province = clerk.activeAgencyId!;
  });
  after(async () => t.close());

  it('numbers 50 concurrent registrations into one book exactly 1..50, with no gap and no duplicate', async () => {
    const book = (await booksFor(t.ctx.db, province, 'incoming'))[0]!;
    const docs = await Promise.all(Array.from({ length: 50 }, (_, i) => receiveIncoming(t.ctx, clerk, province, { ...META, numberAndNotation: `${i + 1}/BC-UBND`, subject: `Báo cáo số ${i + 1} về tình hình kinh tế` }, [])));
    await Promise.all(docs.map((d) => performAction(t.ctx, clerk, d.id, 'register', { bookId: book.id })));
    const numbers = (await bookRepository.entries(t.ctx.db, book.id)).map((e) => e.number).sort((a, b) => a - b);
    expect(numbers).to.deep.equal(Array.from({ length: 50 }, (_, i) => i + 1));
    const onDocs = (await t.ctx.db.selectFrom('document').select('bookNumber').where('bookId', '=', book.id).execute()).map((d) => d.bookNumber).sort((a, b) => a! - b!);
    expect(onDocs).to.deep.equal(numbers);
    expect((await verifyAuditChain(t.ctx.db)).ok).to.equal(true);
  });

  it('refuses the same register form submitted twice at once: one number is given, the other gets 409', async () => {
    const book = (await booksFor(t.ctx.db, province, 'incoming'))[0]!;
    const d = await receiveIncoming(t.ctx, clerk, province, { ...META, numberAndNotation: '77/TB-UBND', subject: 'Thông báo lịch tiếp công dân' }, []);
    const before = await counts();
    const results = await Promise.allSettled([performAction(t.ctx, clerk, d.id, 'register', { bookId: book.id }), performAction(t.ctx, clerk, d.id, 'register', { bookId: book.id })]);
    expect(results.map((r) => r.status).sort()).to.deep.equal(['fulfilled', 'rejected']);
    const err = (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason as AppError;
    expect(err.code).to.equal('conflict');
    expect((await counts()).entries).to.equal(before.entries + 1);
  });

  it('refuses a document marked Mật, Tối mật or Tuyệt mật and stores nothing, not even its file', async () => {
    const pdf = await makePdf(['secret']);
    const before = await counts();
    for (const level of ['Mật', 'Tối mật', 'TUYỆT MẬT']) {
      await expectAppError(receiveIncoming(t.ctx, clerk, province, { ...META, confidentiality: level }, [{ fileName: 'mat.pdf', bytes: pdf }]), 'forbidden', /độ mật/);
    }
    expect(await counts()).to.deep.equal(before);
  });

  it('stores a scanned PDF once by content and leaves nothing when the metadata is rejected', async () => {
    const pdf = await makePdf(['Quyet dinh so 15']);
    const before = await counts();
    await expectAppError(receiveIncoming(t.ctx, clerk, province, { ...META, subject: '' }, [{ fileName: 'scan.pdf', bytes: pdf }]), 'validation');
    await expectAppError(receiveIncoming(t.ctx, clerk, province, META, [{ fileName: 'x.pdf', bytes: Buffer.from('%PDF-1.7\nnot really a pdf') }]), 'validation', /Tệp "x.pdf"/);
    await expectAppError(receiveIncoming(t.ctx, clerk, province, META, [{ fileName: 'x.pdf', bytes: Buffer.from('MZ\x90\x00 executable') }]), 'unsupported');
    expect(await counts()).to.deep.equal(before);
    const a = await receiveIncoming(t.ctx, clerk, province, { ...META, numberAndNotation: '01/GM-UBND' }, [{ fileName: '../../etc/passwd.pdf', bytes: pdf }]);
    await receiveIncoming(t.ctx, clerk, province, { ...META, numberAndNotation: '02/GM-UBND' }, [{ fileName: 'ban-sao.pdf', bytes: pdf }]);
    const after = await counts();
    expect(after.files).to.equal(before.files + 2);
    expect(after.blob).to.equal(before.blob + 1);
    expect(after.stored).to.equal(before.stored + 1);
    const detail = await documentDetail(t.ctx, clerk, a.id);
    expect(detail.files[0]!.fileName).to.equal('passwd.pdf');
  });

  it('flags a duplicate (same số ký hiệu, issuer and date) before registering, and registers it once confirmed', async () => {
    const book = (await booksFor(t.ctx.db, province, 'incoming'))[0]!;
    const first = await receiveIncoming(t.ctx, clerk, province, { ...META, numberAndNotation: '555/UBND-KT' }, []);
    await performAction(t.ctx, clerk, first.id, 'register', { bookId: book.id });
    const again = await receiveIncoming(t.ctx, clerk, province, { ...META, numberAndNotation: '555/ubnd-kt' }, []);
    await expectAppError(performAction(t.ctx, clerk, again.id, 'register', { bookId: book.id }), 'conflict', /trùng/);
    await performAction(t.ctx, clerk, again.id, 'register', { bookId: book.id, acceptDuplicate: '1' });
  });

  it('refuses a closed year’s book', async () => {
    const old = await bookRepository.insert(t.ctx.db, { agencyId: province, direction: 'incoming', year: 2025, name: 'Sổ văn bản đến năm 2025', typeCodes: null });
    const d = await receiveIncoming(t.ctx, clerk, province, { ...META, numberAndNotation: '9/TB-UBND' }, []);
    await expectAppError(performAction(t.ctx, clerk, d.id, 'register', { bookId: old.id }), 'conflict', /khóa sổ/);
    expect((await bookRepository.findById(t.ctx.db, old.id))!.nextNumber).to.equal(1);
  });

  it('refuses to register into another agency’s book, an outgoing book or a book that does not exist, writing nothing', async () => {
    const theirs = (await booksFor(t.ctx.db, otherClerk.activeAgencyId!, 'incoming'))[0]!;
    const outgoing = (await booksFor(t.ctx.db, province, 'outgoing'))[0]!;
    const d = await receiveIncoming(t.ctx, clerk, province, { ...META, numberAndNotation: '977/TB-UBND', subject: 'Thông báo về sổ không hợp lệ' }, []);
    const before = await counts();
    for (const bookId of [theirs.id, outgoing.id, '987654321']) {
      await expectAppError(performAction(t.ctx, clerk, d.id, 'register', { bookId, acceptDuplicate: true }), 'validation', /Sổ văn bản không hợp lệ/);
    }
    // A book id too long for a bigint is a bad form, not a database error.
    await expectAppError(performAction(t.ctx, clerk, d.id, 'register', { bookId: '9'.repeat(25), acceptDuplicate: true }), 'validation', /chọn sổ văn bản đến/);
    expect(await counts()).to.deep.equal(before);
    const doc = await t.ctx.db.selectFrom('document').select(['state', 'bookId', 'bookNumber']).where('id', '=', d.id).executeTakeFirstOrThrow();
    expect(doc).to.deep.equal({ state: 'received', bookId: null, bookNumber: null });
    expect((await bookRepository.findById(t.ctx.db, theirs.id))!.nextNumber).to.equal(theirs.nextNumber);
  });

  it('writes the number onto the document, its timeline event and its chained audit entry in the last statement', async () => {
    const book = (await booksFor(t.ctx.db, province, 'incoming'))[0]!;
    const d = await receiveIncoming(t.ctx, clerk, province, { ...META, numberAndNotation: '141/BC-UBND', subject: 'Báo cáo kiểm tra số đến' }, []);
    await performAction(t.ctx, clerk, d.id, 'register', { bookId: book.id });
    const doc = await t.ctx.db.selectFrom('document').select(['state', 'bookId', 'bookNumber', 'registeredAt']).where('id', '=', d.id).executeTakeFirstOrThrow();
    expect(doc.state).to.equal('registered');
    expect(String(doc.bookId)).to.equal(String(book.id));
    expect(doc.registeredAt).to.not.equal(null);
    const entry = (await bookRepository.entries(t.ctx.db, book.id)).find((e) => String(e.documentId) === String(d.id))!;
    expect(entry.number).to.equal(doc.bookNumber);
    const event = await t.ctx.db.selectFrom('documentEvent').select(['data', 'fromState', 'toState']).where('documentId', '=', d.id).where('action', '=', 'register').executeTakeFirstOrThrow();
    expect(event).to.deep.include({ fromState: 'received', toState: 'registered' });
    expect(event.data).to.deep.equal({ book: book.name, number: doc.bookNumber });
    const audit = await t.ctx.db.selectFrom('auditLog').select(['after', 'before', 'actorUserId']).where('entityType', '=', 'document').where('entityId', '=', String(d.id)).where('action', '=', 'document.register').executeTakeFirstOrThrow();
    expect(audit.after).to.deep.equal({ state: 'registered', book: book.name, number: doc.bookNumber });
    expect(audit.before).to.deep.equal({ state: 'received' });
    expect(String(audit.actorUserId)).to.equal(clerk.userId);
    expect(await verifyAuditChain(t.ctx.db)).to.include({ ok: true, unsealed: 0 });
  });

  it('refuses a number from a book closed after it was checked, writing nothing', async () => {
    const book = await bookRepository.insert(t.ctx.db, { agencyId: province, direction: 'incoming', year: vietnamYearOf(new Date()), name: `Sổ khóa giữa chừng ${Date.now()}`, typeCodes: null });
    const d = await receiveIncoming(t.ctx, clerk, province, { ...META, numberAndNotation: '42/TB-UBND' }, []);
    const checked = await bookForNumbering(t.ctx.db, { bookId: book.id, agencyId: province, direction: 'incoming' });
    await bookRepository.setClosed(t.ctx.db, book.id, true);
    const before = await counts();
    await expectAppError(
      t.ctx.db.transaction().execute((trx) => takeNumber(trx, { bookId: book.id, agencyId: province, direction: 'incoming', documentId: d.id, actorUserId: clerk.userId, checked })),
      'conflict',
      /khóa sổ/,
    );
    expect(await counts()).to.deep.equal(before);
    expect((await bookRepository.findById(t.ctx.db, book.id))!.nextNumber).to.equal(1);
    await t.ctx.db.deleteFrom('registerBook').where('id', '=', book.id).execute(); // the later tests take the agency's first book
  });

  it('registers in one statement only when every condition still holds; otherwise writes nothing and leaves the answer to the transactional path', async () => {
    const year = vietnamYearOf(new Date());
    const open = await bookRepository.insert(t.ctx.db, { agencyId: province, direction: 'incoming', year, name: `Sổ một câu lệnh ${Date.now()}`, typeCodes: null });
    const closed = await bookRepository.insert(t.ctx.db, { agencyId: province, direction: 'incoming', year, name: `Sổ đã khóa ${Date.now()}`, typeCodes: null });
    await bookRepository.setClosed(t.ctx.db, closed.id, true);
    const lastYear = await bookRepository.insert(t.ctx.db, { agencyId: province, direction: 'incoming', year: year - 1, name: `Sổ năm trước ${Date.now()}`, typeCodes: null });
    const outgoing = (await booksFor(t.ctx.db, province, 'outgoing'))[0]!;
    const theirs = (await booksFor(t.ctx.db, otherClerk.activeAgencyId!, 'incoming'))[0]!;
    const d = await receiveIncoming(t.ctx, clerk, province, { ...META, numberAndNotation: '313/TB-UBND', subject: 'Thông báo thử điều kiện vào sổ' }, []);
    const copy = await receiveIncoming(t.ctx, clerk, province, { ...META, numberAndNotation: '314/TB-UBND', subject: 'Bản sao nhận qua trục' }, []);
    await t.ctx.db.updateTable('document').set({ source: 'axis' }).where('id', '=', copy.id).execute();
    const base = { documentId: d.id, agencyIds: [province], fromStates: ['received'], toState: 'registered', actorUserId: clerk.userId, actorLabel: 'Văn thư' };
    const at = async (over: Partial<typeof base> & { bookId?: string }) => {
      const { bookId = open.id, ...item } = over;
      const item2 = { ...base, ...item };
      return (await bookRepository.registerAtOnce(t.ctx.db, bookId, [item2])).get(item2.documentId) ?? null;
    };
    const before = await counts();
    expect(await at({ bookId: closed.id }), 'closed book').to.equal(null);
    expect(await at({ bookId: lastYear.id }), 'last year’s book').to.equal(null);
    expect(await at({ bookId: outgoing.id }), 'outgoing book').to.equal(null);
    expect(await at({ bookId: theirs.id }), 'another agency’s book').to.equal(null);
    expect(await at({ agencyIds: [otherClerk.activeAgencyId!] }), 'a clerk of another agency').to.equal(null);
    expect(await at({ fromStates: ['registered'] }), 'a state it is not in').to.equal(null);
    expect(await at({ documentId: copy.id }), 'a copy from the axis').to.equal(null);
    expect(await counts(), 'nothing written').to.deep.equal(before);
    for (const b of [open, closed, lastYear, outgoing, theirs]) expect((await bookRepository.findById(t.ctx.db, b.id))!.nextNumber).to.equal(b.nextNumber);
    expect(await at({})).to.equal(1);
    expect(await at({}), 'a second time: no longer received').to.equal(null);
    const after = await counts();
    expect([after.entries, after.events, after.audit]).to.deep.equal([before.entries + 1, before.events + 1, before.audit + 1]);
    // The copy is registered by the transactional path (which sends status 03 back).
    const registered = await performAction(t.ctx, clerk, copy.id, 'register', { bookId: open.id, acceptDuplicate: true });
    expect(registered).to.deep.include({ state: 'registered', bookNumber: 2 });
    await dropBooks(open.id, closed.id, lastYear.id);
  });

  it('registers a batch in one statement: numbers in the order asked, each with its own rows, and leaves out only the one whose condition failed', async () => {
    const book = await bookRepository.insert(t.ctx.db, { agencyId: province, direction: 'incoming', year: vietnamYearOf(new Date()), name: `Sổ ghi theo lô ${Date.now()}`, typeCodes: null });
    const docs = [];
    for (const n of [501, 502, 503, 504]) docs.push(await receiveIncoming(t.ctx, clerk, province, { ...META, numberAndNotation: `${n}/TB-UBND`, subject: `Thông báo ghi theo lô ${n}` }, []));
    const item = (id: string, actor: Actor, agencyIds: string[]) => ({ documentId: id, agencyIds, fromStates: ['received'], toState: 'registered', actorUserId: actor.userId, actorLabel: actor.fullName });
    const before = await counts();
    // Asked in the order 3, 1, (2 by a clerk of another agency), 4.
    const numbers = await bookRepository.registerAtOnce(t.ctx.db, book.id, [item(docs[2]!.id, clerk, [province]), item(docs[0]!.id, clerk, [province]), item(docs[1]!.id, otherClerk, [otherClerk.activeAgencyId!]), item(docs[3]!.id, clerk, [province])]);
    expect(Object.fromEntries(numbers)).to.deep.equal({ [docs[2]!.id]: 1, [docs[0]!.id]: 2, [docs[3]!.id]: 3 });
    const after = await counts();
    expect([after.entries, after.events, after.audit]).to.deep.equal([before.entries + 3, before.events + 3, before.audit + 3]);
    const rows = await t.ctx.db.selectFrom('document').select(['id', 'state', 'bookNumber']).where('id', 'in', docs.map((x) => x.id)).orderBy('id').execute();
    expect(rows.map((r) => [r.state, r.bookNumber])).to.deep.equal([['registered', 2], ['received', null], ['registered', 1], ['registered', 3]]);
    for (const [id, number] of numbers) {
      const ev = await t.ctx.db.selectFrom('documentEvent').select(['data', 'actorLabel']).where('documentId', '=', id).where('action', '=', 'register').executeTakeFirstOrThrow();
      expect(ev).to.deep.equal({ data: { book: book.name, number }, actorLabel: clerk.fullName });
      const entry = (await bookRepository.entries(t.ctx.db, book.id)).find((e) => e.number === number)!;
      expect(String(entry.documentId)).to.equal(id);
    }
    expect(await verifyAuditChain(t.ctx.db)).to.include({ ok: true, unsealed: 0 });
    await dropBooks(book.id);
  });

  it('writes registrations that arrive together in one statement, and when that statement fails retries them one by one so only the bad one fails', async () => {
    const book = await bookRepository.insert(t.ctx.db, { agencyId: province, direction: 'incoming', year: vietnamYearOf(new Date()), name: `Sổ hàng đợi ${Date.now()}`, typeCodes: null });
    const docs = [];
    for (const n of [601, 602, 603, 604, 605]) docs.push(await receiveIncoming(t.ctx, clerk, province, { ...META, numberAndNotation: `${n}/TB-UBND`, subject: `Thông báo hàng đợi ${n}` }, []));
    const item = (id: string, actorUserId: string) => ({ documentId: id, agencyIds: [province], fromStates: ['received'], toState: 'registered', actorUserId, actorLabel: 'Văn thư' });
    // The first two start the book's two writers at once; the other three wait and go together into
    // the next statement, which fails on the third (no such user: its timeline event's foreign key).
    const results = await Promise.allSettled(docs.map((d, i) => registerInBook(t.ctx.db, book.id, item(d.id, i === 2 ? '987654321' : clerk.userId))));
    expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const got = results.map((r) => (r.status === 'fulfilled' ? r.value : null));
    // The two first statements and the retried ones may commit in either order; the numbers are
    // 1..4 without a gap, and the two retried documents keep their order.
    expect(got.filter((n) => n !== null).sort()).to.deep.equal([1, 2, 3, 4]);
    expect(got[3]!).to.be.lessThan(got[4]!);
    expect((await bookRepository.entries(t.ctx.db, book.id)).map((e) => e.number).sort()).to.deep.equal([1, 2, 3, 4]);
    const bad = await t.ctx.db.selectFrom('document').select(['state', 'bookNumber']).where('id', '=', docs[2]!.id).executeTakeFirstOrThrow();
    expect(bad).to.deep.equal({ state: 'received', bookNumber: null });
    await dropBooks(book.id);
  });

  it('takes an incoming document from receipt to done, with one lead, a working-day deadline and its timeline', async () => {
    const book = (await booksFor(t.ctx.db, province, 'incoming'))[0]!;
    const d = await receiveIncoming(t.ctx, clerk, province, { ...META, numberAndNotation: '31/KH-UBND', urgency: '2' }, []);
    await performAction(t.ctx, clerk, d.id, 'register', { bookId: book.id });
    await performAction(t.ctx, clerk, d.id, 'present', { note: 'Kính trình Chủ tịch' });
    const unit = specialist.roles[0]!.unitId!;
    await expectAppError(performAction(t.ctx, leader, d.id, 'direct', { direction: 'Giao', lead: [`u:${unit}`, `p:${specialist.userId}`] }), 'validation', /đúng một/);
    await expectAppError(performAction(t.ctx, leader, d.id, 'direct', { direction: 'Giao', lead: `u:${unit}`, deadline: '2020-01-01' }), 'validation', /trước ngày giao/);
    await performAction(t.ctx, leader, d.id, 'direct', { direction: 'Giao Phòng Tổng hợp chủ trì tham mưu', lead: `u:${unit}`, info: [`p:${clerk.userId}`], workingDays: '5' });
    await expectAppError(performAction(t.ctx, clerk, d.id, 'complete', { note: 'x' }), 'forbidden');
    await performAction(t.ctx, specialist, d.id, 'start', {});
    await performAction(t.ctx, specialist, d.id, 'progress', { note: 'Đã dự thảo báo cáo' });
    await performAction(t.ctx, specialist, d.id, 'complete', { note: 'Đã trả lời bằng công văn' });
    const detail = await documentDetail(t.ctx, leader, d.id);
    expect(detail.document.state).to.equal('done');
    expect(detail.events.map((e) => e.action)).to.deep.equal(['receive', 'register', 'present', 'direct', 'start', 'progress', 'complete']);
    expect(detail.document.handlingDeadline).to.match(/^\d{4}-\d{2}-\d{2}$/);
    expect(detail.assignments.filter((a) => a.kind === 'lead')).to.have.length(1);
  });

  it('takes an outgoing draft through head and leader review, signing, numbering and release to another agency', async () => {
    const pdf = await makePdf(['Du thao cong van']);
    const d = await createDraft(t.ctx, specialist, province, { typeCode: 'quyet_dinh', subject: 'Quyết định phê duyệt kế hoạch chuyển đổi số năm 2027' }, [{ fileName: 'du-thao.pdf', bytes: pdf }]);
    await performAction(t.ctx, specialist, d.id, 'submit', {});
    await expectAppError(performAction(t.ctx, leader, d.id, 'approve', {}), 'forbidden');
    await performAction(t.ctx, head, d.id, 'approve', { note: 'Đồng ý' });
    await performAction(t.ctx, leader, d.id, 'approve', {});
    await performAction(t.ctx, leader, d.id, 'sign', {});
    const book = (await booksFor(t.ctx.db, province, 'outgoing'))[0]!;
    await performAction(t.ctx, clerk, d.id, 'number', { bookId: book.id, promulgationDate: '2026-12-05' });
    const xa2 = otherClerk.activeAgencyId!;
    await performAction(t.ctx, clerk, d.id, 'release', { agencyIds: [xa2], unitIds: [clerk.roles[0]!.unitId!] });
    const detail = await documentDetail(t.ctx, clerk, d.id);
    expect(detail.document.numberAndNotation).to.match(/^\d{2,}\/QĐ-UBND$/);
    expect(detail.document.signerFullName).to.equal('Nguyễn Thị Lấp Lánh Ánh');
    expect(detail.recipients.map((r) => r.status).sort()).to.deep.equal(['delivered', 'delivered']);
    // The commune's copy waits in its incoming list and its registration flows back to the sender.
    const copy = await t.ctx.db.selectFrom('document').selectAll().where('agencyId', '=', xa2).where('direction', '=', 'incoming').where('subject', '=', d.subject).executeTakeFirstOrThrow();
    const xaBook = (await booksFor(t.ctx.db, xa2, 'incoming'))[0]!;
    await performAction(t.ctx, otherClerk, copy.id, 'register', { bookId: xaBook.id });
    const after = await documentDetail(t.ctx, clerk, d.id);
    expect(after.recipients.find((r) => r.kind === 'agency')).to.include({ status: 'registered', remoteNumber: '1' });
  });

  it('hides a document from people of another agency (404, not 403) and from unrelated specialists', async () => {
    const d = await receiveIncoming(t.ctx, clerk, province, { ...META, numberAndNotation: '88/TB-UBND' }, []);
    await expectAppError(documentDetail(t.ctx, otherClerk, d.id), 'not_found');
    await expectAppError(performAction(t.ctx, otherClerk, d.id, 'register', { bookId: '1' }), 'not_found');
    await expectAppError(documentDetail(t.ctx, specialist, d.id), 'not_found');
    await expectAppError(documentDetail(t.ctx, clerk, '99999999'), 'not_found');
  });

  describe('every state × action of both workflows', () => {
    it('refuses each illegal transition with 409 and changes nothing', async () => {
      // A document is put in each state directly; every action not allowed from that state must
      // answer 409 whoever tries (the leader/clerk/lead all hold rights), and leave the row as it was.
      const everyone: Actor = { ...leader, roles: [...leader.roles, ...clerk.roles, ...head.roles, ...specialist.roles] };
      for (const [machine, handlers, direction] of [
        [INCOMING_WORKFLOW, INCOMING_HANDLERS, 'incoming'],
        [OUTGOING_WORKFLOW, OUTGOING_HANDLERS, 'outgoing'],
      ] as const) {
        for (const state of Object.keys(machine.states)) {
          const doc = await t.ctx.db
            .insertInto('document')
            .values({ agencyId: province, direction, state, typeCode: 'cong_van', typeName: 'Công văn', subject: `Thử trạng thái ${state}`, createdBy: everyone.userId })
            .returningAll()
            .executeTakeFirstOrThrow();
          for (const action of Object.keys(handlers)) {
            const legal = (machine.actions as Record<string, { from: readonly string[] }>)[action]!.from.includes(state);
            if (legal) continue;
            const before = await t.ctx.db.selectFrom('document').selectAll().where('id', '=', doc.id).executeTakeFirstOrThrow();
            await expectAppError(performAction(t.ctx, everyone, doc.id, action, {}), 'conflict');
            const after = await t.ctx.db.selectFrom('document').selectAll().where('id', '=', doc.id).executeTakeFirstOrThrow();
            expect(after, `${direction} ${state} × ${action}`).to.deep.equal(before);
          }
        }
      }
    });
  });
});
