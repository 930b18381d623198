import { expect } from 'chai';
import { createTestApp, loginAs, type TestApp } from '../helpers/app.ts';
import { actorFor, agencyIdOf, insertDocument, unitIdOf } from '../fixtures/pdf/documents.ts';
import { loadPdfjs } from '../../server/files/upload-check.ts';
import { bookCsv, bookPdf, loadBookTable, wrapText } from '../../server/services/book-export.service.ts';

async function pdfText(bytes: Uint8Array): Promise<{ text: string; pages: number; width: number; height: number }> {
  const { getDocument } = await loadPdfjs();
  const task = getDocument({ data: new Uint8Array(bytes), isEvalSupported: false, verbosity: 0 });
  const pdf = await task.promise;
  const parts: string[] = [];
  for (let i = 1; i <= pdf.numPages; i++) {
    const c = await (await pdf.getPage(i)).getTextContent();
    parts.push(c.items.map((it) => ('str' in it ? it.str : '')).join(' '));
  }
  const [, , width, height] = (await pdf.getPage(1)).view as number[];
  await task.destroy();
  return { text: parts.join(' ').replace(/\s+/g, ' ').normalize('NFC'), pages: pdf.numPages, width: width!, height: height! };
}

describe('books as pages, CSV and PDF (Appendix IV)', function () {
  this.timeout(60_000);
  let t: TestApp;
  let incomingBook: string;
  let outgoingBook: string;
  let otherBook: string;
  let replyId: string;

  before(async () => {
    t = await createTestApp();
    const db = t.ctx.db;
    const tinh = await agencyIdOf(db, 'H41');
    const huyen = await agencyIdOf(db, 'H41.31');
    const th = await unitIdOf(db, tinh, 'TH');
    const leader = await actorFor(db, 'tinh.lanhdao');
    const book = (agencyId: string, direction: 'incoming' | 'outgoing', name: string) =>
      db.insertInto('registerBook').values({ agencyId, direction, year: 2026, name, typeCodes: null }).returning('id').executeTakeFirstOrThrow();
    incomingBook = (await book(tinh, 'incoming', 'Sổ văn bản đến')).id;
    outgoingBook = (await book(tinh, 'outgoing', 'Sổ văn bản đi')).id;
    otherBook = (await book(huyen, 'incoming', 'Sổ văn bản đến của huyện')).id;

    const entry = async (bookId: string, number: number, documentId: string, at: string, status: 'active' | 'cancelled' = 'active', cancelReason: string | null = null) => {
      await db.insertInto('bookEntry').values({ bookId, number, documentId, createdAt: new Date(at), status, cancelReason, createdBy: null }).execute();
      await db.updateTable('document').set({ bookId, bookNumber: status === 'active' ? number : null }).where('id', '=', documentId).execute();
    };
    const d1 = await insertDocument(db, {
      agencyId: tinh,
      typeName: 'Công văn',
      codeNumber: '7',
      codeNotation: 'BNN-TT',
      subject: 'Về việc hướng dẫn sản xuất vụ Đông Xuân 2026',
      issuerName: 'Bộ Nông nghiệp và Môi trường',
      promulgationDate: '2026-01-05',
      urgency: 1,
      state: 'in_progress',
      dueDate: '2026-02-15',
    });
    await entry(incomingBook, 1, d1, '2026-01-06T02:00:00Z');
    await db.insertInto('documentAssignment').values([
      { documentId: d1, kind: 'lead', unitId: th, deadline: '2026-01-31', createdAt: new Date('2026-01-06T08:00:00Z') },
      { documentId: d1, kind: 'co', userId: leader.userId },
    ]).execute();
    replyId = await insertDocument(db, { agencyId: tinh, direction: 'outgoing', state: 'released', codeNumber: '15', codeNotation: 'UBND-NN', subject: 'Trả lời' });
    await db.insertInto('documentLink').values({ fromId: replyId, toId: d1, kind: 'reply_to' }).execute();
    const d2 = await insertDocument(db, { agencyId: tinh, subject: '=HYPERLINK("http://x") đăng ký nhầm', issuerName: 'Sở Tài chính' });
    await entry(incomingBook, 2, d2, '2026-01-07T02:00:00Z', 'cancelled', 'Đăng ký trùng');
    const d3 = await insertDocument(db, { agencyId: tinh, subject: 'Văn bản tháng hai', issuerName: 'Sở Nội vụ', state: 'done' });
    await entry(incomingBook, 3, d3, '2026-02-10T02:00:00Z');

    for (let i = 1; i <= 60; i++) {
      const id = await insertDocument(db, {
        agencyId: tinh,
        direction: 'outgoing',
        state: 'released',
        typeName: 'Quyết định',
        codeNumber: String(i),
        codeNotation: 'QĐ-UBND',
        subject: `Quyết định số ${i} về việc phê duyệt dự án đầu tư xây dựng công trình trường mầm non xã Hưng Lộc, huyện Hưng Nguyên, tỉnh Nghệ An`,
        signerFullName: 'Nguyễn Thị Lấp Lánh Ánh',
        promulgationDate: '2026-03-01',
        draftingUnitId: th,
      });
      await db.insertInto('documentRecipient').values({ documentId: id, kind: 'agency', agencyName: 'Sở Giáo dục và Đào tạo', agencyCode: null, unitId: null, statusNote: null, remoteNumber: null }).execute();
      await entry(outgoingBook, i, id, '2026-03-01T03:00:00Z');
    }
  });
  after(async () => t.close());

  it('lists the incoming book with the Appendix IV columns, numbers with a leading zero and cancelled numbers kept', async () => {
    const clerk = await actorFor(t.ctx.db, 'tinh.vanthu');
    const table = await loadBookTable(t.ctx.db, clerk, incomingBook, { from: '2026-01-01', to: '2026-01-31' });
    expect(table.columns.map((c) => c.label)).to.deep.equal(['Ngày đến', 'Số đến', 'Tác giả', 'Số, ký hiệu', 'Ngày tháng', 'Tên loại và trích yếu nội dung', 'Đơn vị hoặc người nhận', 'Ngày chuyển', 'Ký nhận', 'Ghi chú']);
    expect(table.rows.map((r) => r.cells[1])).to.deep.equal(['01', '02']);
    expect(table.rows[0]!.cells).to.deep.equal(['06/01/2026', '01', 'Bộ Nông nghiệp và Môi trường', '07/BNN-TT', '05/01/2026', 'Công văn: Về việc hướng dẫn sản xuất vụ Đông Xuân 2026', 'Phòng Tổng hợp; Nguyễn Thị Lấp Lánh Ánh', '06/01/2026', '', 'Khẩn']);
    expect(table.rows[1]!.cancelled).to.equal(true);
    expect(table.rows[1]!.cells[9]).to.equal('Đã hủy số: Đăng ký trùng');
  });

  it('adds deadline, progress and the reply number in the follow-up book', async () => {
    const clerk = await actorFor(t.ctx.db, 'tinh.vanthu');
    const table = await loadBookTable(t.ctx.db, clerk, incomingBook, { view: 'follow-up', from: '2026-01-01', to: '2026-12-31' });
    const labels = table.columns.map((c) => c.label);
    expect(labels).to.include.members(['Thời hạn giải quyết', 'Tiến độ giải quyết', 'Số, ký hiệu văn bản trả lời']);
    const row = Object.fromEntries(labels.map((l, i) => [l, table.rows[0]!.cells[i]]));
    expect(row).to.include({ 'Thời hạn giải quyết': '31/01/2026', 'Tiến độ giải quyết': 'Đang xử lý', 'Số, ký hiệu văn bản trả lời': '15/UBND-NN' });
    expect(table.rows).to.have.length(3);
  });

  it('exports CSV in UTF-8 with a BOM, quoted cells and no spreadsheet formulas', async () => {
    const clerk = await actorFor(t.ctx.db, 'tinh.vanthu');
    const csv = bookCsv(await loadBookTable(t.ctx.db, clerk, incomingBook, { from: '2026-01-01', to: '2026-01-31' }));
    expect([...csv.subarray(0, 3)]).to.deep.equal([0xef, 0xbb, 0xbf]);
    const text = csv.subarray(3).toString('utf8');
    const lines = text.trimEnd().split('\r\n');
    expect(lines[0]).to.equal('Ngày đến,Số đến,Tác giả,"Số, ký hiệu",Ngày tháng,Tên loại và trích yếu nội dung,Đơn vị hoặc người nhận,Ngày chuyển,Ký nhận,Ghi chú');
    expect(lines[1]).to.contain('Bộ Nông nghiệp và Môi trường');
    expect(lines[2]).to.contain(`"Công văn: =HYPERLINK(""http://x"") đăng ký nhầm"`);
    expect(lines).to.have.length(3);
    const injected = bookCsv({ ...(await loadBookTable(t.ctx.db, clerk, incomingBook, {})), rows: [{ cells: ['=1+1', '@SUM(A1)', '-2', 'bình thường'], documentId: '1', cancelled: false, urgent: false }] });
    expect(injected.toString('utf8').trimEnd().split('\r\n')[1]).to.equal("'=1+1,'@SUM(A1),'-2,bình thường");
  });

  it('renders an A4 landscape PDF whose Vietnamese text reads back intact with pdfjs', async () => {
    const clerk = await actorFor(t.ctx.db, 'tinh.vanthu');
    const pdf = await bookPdf(await loadBookTable(t.ctx.db, clerk, outgoingBook, {}));
    const { text, pages, width, height } = await pdfText(pdf);
    expect(Math.round(width)).to.equal(842);
    expect(Math.round(height)).to.equal(595);
    expect(pages).to.be.greaterThan(2);
    expect(text).to.contain('Nguyễn Thị Lấp Lánh Ánh');
    expect(text).to.contain('SỔ ĐĂNG KÝ VĂN BẢN ĐI');
    expect(text).to.contain('ỦY BAN NHÂN DÂN TỈNH NGHỆ AN');
    expect(text).to.contain('60/QĐ-UBND');
    expect(text).to.contain('Sở Giáo dục và Đào tạo');
    // The header repeats on every page.
    expect(text.split('Tên loại và trích yếu nội dung').length - 1).to.equal(pages);
  });

  it('wraps long cells inside their column, breaking words longer than a line', async () => {
    // widths here are exact (Helvetica has no kerning in pdf-lib's measure): lines stay inside.
    const { PDFDocument, StandardFonts } = await import('@cantoo/pdf-lib');
    const doc = await PDFDocument.create();
    const font = await doc.embedFont(StandardFonts.Helvetica);
    const lines = wrapText('aaaa bbbb cccc ' + 'x'.repeat(40), font, 10, 60);
    expect(lines.length).to.be.greaterThan(3);
    for (const l of lines) expect(font.widthOfTextAtSize(l, 10)).to.be.at.most(60);
  });

  it('serves the books over HTTP to clerks and leaders of the agency only', async () => {
    const clerk = await loginAs(t.app, 'tinh.vanthu');
    const page = await clerk.get(`/books/${incomingBook}`).query({ from: '2026-01-01', to: '2026-12-31' }).expect(200);
    expect(page.text).to.contain('SỔ ĐĂNG KÝ VĂN BẢN ĐẾN').and.to.contain('Bộ Nông nghiệp và Môi trường').and.to.contain('Đã hủy số: Đăng ký trùng');
    const list = await clerk.get('/books').expect(200);
    expect(list.text).to.contain('Sổ văn bản đi').and.not.contain('Sổ văn bản đến của huyện');
    const csv = await clerk.get(`/books/${incomingBook}/csv`).expect(200);
    expect(csv.headers['content-type']).to.match(/^text\/csv; charset=utf-8/);
    expect(csv.headers['content-disposition']).to.contain('so-van-ban-den');
    const pdf = await clerk.get(`/books/${outgoingBook}/pdf`).buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    }).expect(200);
    expect((pdf.body as Buffer).subarray(0, 5).toString()).to.equal('%PDF-');
    const leader = await loginAs(t.app, 'tinh.lanhdao');
    await leader.get(`/books/${outgoingBook}`).expect(200);
    const bad = await clerk.get(`/books/${incomingBook}`).query({ from: '31/01/2026' });
    expect(bad.status).to.equal(422);

    const specialist = await loginAs(t.app, 'tinh.chuyenvien');
    await specialist.get('/books').expect(403);
    await specialist.get(`/books/${incomingBook}/csv`).expect(403);
    // Another agency's clerk: the book does not exist for them.
    const other = await loginAs(t.app, 'huyen.vanthu');
    await other.get(`/books/${incomingBook}`).expect(404);
    await other.get(`/books/${incomingBook}/pdf`).expect(404);
    await other.get(`/books/${otherBook}`).expect(200);
    await clerk.get('/books/abc').expect(404);
    void replyId;
  });
});
