import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import request from 'supertest';
import { createTestApp, loginAs, type TestApp } from '../helpers/app.ts';
import { makePdf } from '../helpers/pdf.ts';
import { createApiToken } from '../../server/services/api-token.service.ts';

describe('JSON API /api/v1', function () {
  this.timeout(120_000);
  let t: TestApp;
  let clerkToken: string;
  let leaderToken: string;
  before(async () => {
    t = await createTestApp();
    clerkToken = await createApiToken(t.ctx.db, 'tinh.vanthu', 'test');
    leaderToken = await createApiToken(t.ctx.db, 'tinh.lanhdao', 'test');
  });
  after(async () => t.close());
  const api = (token: string) => ({
    get: (p: string) => request(t.app).get(`/api/v1${p}`).set('Authorization', `Bearer ${token}`),
    post: (p: string) => request(t.app).post(`/api/v1${p}`).set('Authorization', `Bearer ${token}`),
  });

  it('serves an OpenAPI 3.1 document describing every route', async () => {
    const res = await request(t.app).get('/api/v1/openapi.json').expect(200);
    expect(res.body.openapi).to.equal('3.1.0');
    for (const p of ['/documents', '/documents/incoming', '/documents/outgoing', '/documents/{id}', '/documents/{id}/actions/{action}', '/books']) expect(res.body.paths).to.have.property(p);
  });

  it('answers 401 in JSON without credentials, and with a revoked or unknown token', async () => {
    const res = await request(t.app).get('/api/v1/documents').expect(401);
    expect(res.body.error.message).to.contain('Bearer');
    await request(t.app).get('/api/v1/me').set('Authorization', 'Bearer vt_not-a-token').expect(401);
  });

  it('lets another system register and direct a document with a bearer token, no CSRF needed', async () => {
    const created = await api(clerkToken).post('/documents/incoming').send({ typeCode: 'quyet_dinh', numberAndNotation: '15/QĐ-UBND', promulgationDate: '2026-12-05', issuerName: 'UBND tỉnh Hà Tĩnh', subject: 'Quyết định ban hành quy chế làm việc', urgency: 1 }).expect(201);
    expect(created.body).to.deep.include({ subject: 'Quyết định ban hành quy chế làm việc', priority: 1 });
    expect(created.body.code).to.deep.equal({ codeNumber: '15', codeNotation: 'QĐ-UBND' });
    const id = created.body.id as string;
    const books = await api(clerkToken).get('/books?direction=incoming').expect(200);
    const reg = await api(clerkToken).post(`/documents/${id}/actions/register`).send({ bookId: books.body.items[0].id }).expect(200);
    expect(reg.body.bookNumber).to.equal(1);
    const detail = await api(leaderToken).get(`/documents/${id}`).expect(200);
    expect(detail.body.allowedActions).to.include('direct');
    const units = await t.ctx.db.selectFrom('unit').innerJoin('agency', 'agency.id', 'unit.agencyId').select('unit.id').where('agency.d20Code', '=', 'H41').where('unit.abbreviation', '=', 'TH').executeTakeFirstOrThrow();
    await api(leaderToken).post(`/documents/${id}/actions/direct`).send({ direction: 'Giao Phòng Tổng hợp', lead: `u:${units.id}`, workingDays: 5 }).expect(200);
    const again = await api(leaderToken).post(`/documents/${id}/actions/direct`).send({ direction: 'Lần hai', lead: `u:${units.id}` }).expect(409);
    expect(again.body.error.message).to.contain('Không thể');
    const list = await api(clerkToken).get('/documents?direction=incoming&tab=cho_xu_ly').expect(200);
    expect(list.body.items.map((d: { id: string }) => d.id)).to.include(id);
    // A page size that is not a whole number is cut to one, never sent to PostgreSQL as it is.
    for (const [limit, expected] of [['1.5', 1], ['abc', 50], ['1e3', 200], ['-4', 1]] as const) {
      const page = await api(clerkToken).get(`/documents?direction=incoming&tab=cho_xu_ly&limit=${limit}`).expect(200);
      expect(page.body.items.length, `limit=${limit}`).to.be.at.most(expected).and.at.least(1);
    }
  });

  it('takes a multipart upload and refuses a classified document with 403 and nothing stored', async () => {
    const before = await t.ctx.db.selectFrom('document').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    const secret = await api(clerkToken).post('/documents/incoming').send({ typeCode: 'cong_van', subject: 'Văn bản mật', confidentiality: 'Tối mật' }).expect(403);
    expect(secret.body.error.message).to.contain('Tối mật');
    const up = await api(clerkToken).post('/documents/incoming').field('typeCode', 'cong_van').field('subject', 'Có tệp đính kèm').attach('files', await makePdf(), 'scan.pdf').expect(201);
    const detail = await api(clerkToken).get(`/documents/${up.body.id}`).expect(200);
    expect(detail.body.files[0]).to.include({ fileName: 'scan.pdf', contentType: 'application/pdf' });
    const after = await t.ctx.db.selectFrom('document').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).to.equal(Number(before.n) + 1);
  });

  it('requires the CSRF header for writes made with a session cookie', async () => {
    const agent = await loginAs(t.app, 'tinh.vanthu');
    const res = await agent.post('/api/v1/documents/incoming').send({ typeCode: 'cong_van', subject: 'Không có CSRF' });
    expect(res.status).to.equal(403);
    const me = await agent.get('/api/v1/me').expect(200);
    expect(me.body.username).to.equal('tinh.vanthu');
  });

  it('hides other agencies’ documents from tokens too (404)', async () => {
    const other = await createApiToken(t.ctx.db, 'xa1.vanthu', 'test');
    const mine = await api(clerkToken).post('/documents/incoming').send({ typeCode: 'cong_van', subject: 'Chỉ của tỉnh' }).expect(201);
    await api(other).get(`/documents/${mine.body.id}`).expect(404);
    await api(other).post(`/documents/${mine.body.id}/actions/register`).send({ bookId: '1' }).expect(404);
  });

  it('`npx vanthu token create` prints a working token', () => {
    const r = spawnSync(process.execPath, ['bin/vanthu.mjs', 'token', 'create', '--user', 'xa2.vanthu', '--label', 'LGSP'], { env: { ...process.env, DATABASE_URL: t.tdb.url, VANTHU_FROM_SOURCE: '1', LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).to.equal(0);
    const token = r.stdout.trim();
    expect(token).to.match(/^vt_[\w-]{40,}$/);
    return api(token).get('/me').expect(200).then((res) => expect(res.body.username).to.equal('xa2.vanthu'));
  });
});
