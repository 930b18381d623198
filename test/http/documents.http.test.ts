import { expect } from 'chai';
import { createTestApp, csrfFrom, loginAs, postForm, type Agent, type TestApp } from '../helpers/app.ts';
import { makePdf } from '../helpers/pdf.ts';
import { hashPassword } from '../../server/services/auth.service.ts';

describe('documents over HTTP: pages, uploads and the access matrix', function () {
  this.timeout(120_000);
  let t: TestApp;
  const agents: Record<string, Agent> = {};
  let docId: string;
  const agencyId = async (d20: string) => (await t.ctx.db.selectFrom('agency').select('id').where('d20Code', '=', d20).executeTakeFirstOrThrow()).id;
  const count = async (table: 'document' | 'documentFile' | 'blob' | 'documentEvent') => Number((await t.ctx.db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);

  before(async () => {
    t = await createTestApp();
    // A second specialist of the province, in another unit, with no relation to the document.
    const u = await t.ctx.db.insertInto('appUser').values({ username: 'tinh.chuyenvien2', fullName: 'Đinh Thị Thu Trang', email: null, position: 'Chuyên viên', passwordHash: await hashPassword('VanThu@2026') }).returning('id').executeTakeFirstOrThrow();
    const vx = await t.ctx.db.selectFrom('unit').select('id').where('agencyId', '=', await agencyId('H41')).where('abbreviation', '=', 'VX').executeTakeFirstOrThrow();
    await t.ctx.db.insertInto('userRole').values({ userId: u.id, agencyId: await agencyId('H41'), unitId: vx.id, role: 'specialist' }).execute();
    for (const name of ['tinh.vanthu', 'tinh.lanhdao', 'tinh.truongphong', 'tinh.chuyenvien', 'tinh.chuyenvien2', 'xa1.vanthu', 'xa1.lanhdao', 'quantri']) agents[name] = await loginAs(t.app, name);
  });
  after(async () => t.close());

  it('lets a clerk receive a document with a scanned PDF through the multipart form, then shows it with its file', async () => {
    const clerk = agents['tinh.vanthu']!;
    const page = await clerk.get('/documents/incoming/new').expect(200);
    expect(page.text).to.contain('Tiếp nhận văn bản đến');
    const pdf = await makePdf(['Cong van so 45']);
    const res = await clerk
      .post('/documents/incoming')
      .field('_csrf', csrfFrom(page.text))
      .field('typeCode', 'cong_van')
      .field('numberAndNotation', '45/UBND-KT')
      .field('promulgationDate', '2026-11-25')
      .field('issuerName', 'Ủy ban nhân dân tỉnh Hà Tĩnh')
      .field('subject', 'V/v phối hợp triển khai nền tảng số dùng chung')
      .field('urgency', '1')
      .attach('files', pdf, { filename: 'Công văn 45.pdf', contentType: 'application/pdf' });
    expect(res.status, res.text.slice(0, 300)).to.equal(303);
    docId = /\/documents\/(\d+)/.exec(res.headers.location!)![1]!;
    const show = await clerk.get(`/documents/${docId}`).expect(200);
    expect(show.text).to.contain('V/v phối hợp triển khai nền tảng số dùng chung').and.contain('Công văn 45.pdf').and.contain('Vào sổ văn bản đến');
    const file = await clerk.get(`/documents/${docId}/files/${/files\/(\d+)/.exec(show.text)![1]}`).expect(200);
    expect(file.headers['content-type']).to.equal('application/pdf');
    expect(file.headers['content-security-policy']).to.contain('sandbox');
    const list = await clerk.get('/documents/incoming?tab=cho_vao_so').expect(200);
    expect(list.text).to.contain('45/UBND-KT');
  });

  it('refuses an upload without its CSRF token, a spoofed content type, and an anonymous upload — storing nothing', async () => {
    const clerk = agents['tinh.vanthu']!;
    const before = { d: await count('document'), f: await count('documentFile'), b: await count('blob') };
    const noToken = await clerk.post('/documents/incoming').field('typeCode', 'cong_van').field('subject', 'Thử không có mã CSRF').attach('files', await makePdf(), 'a.pdf');
    expect(noToken.status).to.equal(403);
    const page = await clerk.get('/documents/incoming/new');
    const spoofed = await clerk
      .post('/documents/incoming')
      .field('_csrf', csrfFrom(page.text))
      .field('typeCode', 'cong_van')
      .field('subject', 'Tệp giả mạo định dạng')
      .attach('files', Buffer.from('<html><script>alert(1)</script></html>'), { filename: 'van-ban.pdf', contentType: 'application/pdf' });
    expect(spoofed.status).to.equal(415);
    expect(spoofed.text).to.contain('không phải PDF');
    expect(spoofed.text, 'the form keeps what was typed').to.contain('Tệp giả mạo định dạng');
    const { default: request } = await import('supertest');
    const anon = await request(t.app).post('/documents/incoming').attach('files', await makePdf(), 'a.pdf');
    expect(anon.status).to.be.oneOf([401, 403]);
    expect({ d: await count('document'), f: await count('documentFile'), b: await count('blob') }).to.deep.equal(before);
  });

  it('escapes user-written text (stored XSS) in lists and the document page', async () => {
    const clerk = agents['tinh.vanthu']!;
    const res = await postForm(clerk, '/documents/incoming/new', '/documents/incoming', { typeCode: 'cong_van', subject: '<script>alert("xss")</script> Trích yếu', issuerName: '<img src=x onerror=alert(1)>' });
    expect(res.status).to.equal(303);
    const page = await clerk.get(res.headers.location!).expect(200);
    expect(page.text).not.to.contain('<script>alert("xss")</script>');
    expect(page.text).to.contain('&lt;script&gt;');
    expect(page.text).not.to.contain('<img src=x');
  });

  it('walks the register → present → direct steps through the forms, each guarded by role', async () => {
    const clerk = agents['tinh.vanthu']!;
    const show = await clerk.get(`/documents/${docId}`);
    const bookId = /name="bookId">\s*<option value="(\d+)"/.exec(show.text)![1]!;
    expect((await postForm(clerk, `/documents/${docId}`, `/documents/${docId}/actions/register`, { bookId })).status).to.equal(303);
    expect((await postForm(clerk, `/documents/${docId}`, `/documents/${docId}/actions/present`, { note: 'Kính trình' })).status).to.equal(303);
    // The specialist may not direct; the leader may; a second direct is refused as an illegal transition.
    const spec = await postForm(agents['tinh.chuyenvien']!, '/documents/incoming', `/documents/${docId}/actions/direct`, { direction: 'x', lead: 'u:1' });
    expect(spec.status).to.equal(404);
    const unit = await t.ctx.db.selectFrom('unit').select('id').where('agencyId', '=', await agencyId('H41')).where('abbreviation', '=', 'TH').executeTakeFirstOrThrow();
    const ok = await postForm(agents['tinh.lanhdao']!, `/documents/${docId}`, `/documents/${docId}/actions/direct`, { direction: 'Giao Phòng Tổng hợp chủ trì', lead: `u:${unit.id}`, workingDays: '3' });
    expect(ok.status).to.equal(303);
    const again = await postForm(agents['tinh.lanhdao']!, `/documents/${docId}`, `/documents/${docId}/actions/direct`, { direction: 'Lần hai', lead: `u:${unit.id}` });
    expect(again.status).to.equal(409);
  });

  it('answers the access matrix: who sees the document, who may act, and others get 404 for guessed ids', async () => {
    // role × relation → [GET page, POST start]
    const matrix: [string, string, number, number][] = [
      ['tinh.vanthu', 'clerk of the agency', 200, 403],
      ['tinh.lanhdao', 'leader of the agency', 200, 403],
      ['quantri', 'administrator of the agency', 200, 403],
      ['tinh.truongphong', 'head of the lead unit', 200, 303],
      ['tinh.chuyenvien', 'specialist of the lead unit', 200, 409],
      ['tinh.chuyenvien2', 'specialist with no relation', 404, 404],
      ['xa1.vanthu', 'clerk of another agency', 404, 404],
      ['xa1.lanhdao', 'leader of another agency', 404, 404],
    ];
    for (const [user, relation, view, act] of matrix) {
      const agent = agents[user]!;
      const page = await agent.get(`/documents/${docId}`);
      expect(page.status, `${relation} viewing`).to.equal(view);
      const res = await postForm(agent, '/documents/incoming', `/documents/${docId}/actions/start`, {});
      expect(res.status, `${relation} acting`).to.equal(act);
      const file = await agent.get(`/documents/${docId}/files/1`);
      expect(file.status === 404, `${relation} file`).to.equal(view === 404);
    }
    await agents['xa1.vanthu']!.get('/documents/999999999').expect(404);
    await agents['xa1.vanthu']!.get('/documents/abc').expect(404);
    await agents['xa1.vanthu']!.get('/documents/1%27%20or%201=1').expect(404);
  });

  it('lists urgent documents first and pages with a keyset cursor', async () => {
    const clerk = agents['tinh.vanthu']!;
    for (let i = 0; i < 55; i++) {
      await t.ctx.db.insertInto('document').values({ agencyId: await agencyId('H41'), direction: 'incoming', state: 'received', typeCode: 'cong_van', typeName: 'Công văn', subject: `Văn bản thường số ${i}`, urgency: 0 }).execute();
    }
    // Entered before the others, yet listed first because it is Hỏa tốc.
    await t.ctx.db.insertInto('document').values({ agencyId: await agencyId('H41'), direction: 'incoming', state: 'received', typeCode: 'cong_dien', typeName: 'Công điện', subject: 'Công điện hỏa tốc về ứng phó bão', urgency: 3, id: '1000000' } as never).execute();
    const first = await clerk.get('/documents/incoming?tab=cho_vao_so').expect(200);
    const rows = first.text.split('<tbody>')[1]!.match(/<tr( class="urgent")?>/g) ?? [];
    expect(rows[0]).to.equal('<tr class="urgent">');
    expect(first.text.split('<tbody>')[1]!.indexOf('Công điện hỏa tốc')).to.be.lessThan(first.text.split('<tbody>')[1]!.indexOf('Văn bản thường'));
    const next = /href="\?tab=cho_vao_so&(?:amp;)?after=([^"]+)"/.exec(first.text);
    expect(next, 'a next-page link').to.not.equal(null);
    const second = await clerk.get(`/documents/incoming?tab=cho_vao_so&after=${next![1]}`).expect(200);
    expect(second.text).to.contain('Văn bản thường');
  });
});
