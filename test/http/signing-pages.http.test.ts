import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import request from 'supertest';
import type { Express } from 'express';
import { createTestApp, csrfFrom, type TestApp } from '../helpers/app.ts';
import { createApp } from '../../server/app.ts';
import { userRepository } from '../../server/repositories/user.repository.ts';
import { createDraft } from '../../server/services/outgoing.service.ts';
import { performAction } from '../../server/services/document-actions.ts';
import { startWorkers } from '../../workers/host.ts';
import type { WorkerHost } from '../../server/bootstrap.ts';
import type { AppContext } from '../../server/app-context.ts';
import type { Actor } from '../../server/domain/actor.ts';
import { makeDecree30Pdf } from '../fixtures/signing/decree30-pdf.ts';
import { CERTS, PASS } from '../unit/signing/helpers.ts';

const read = (rel: string) => readFileSync(join(CERTS, rel));
type Agent = ReturnType<typeof request.agent>;

async function login(app: Express, username: string): Promise<Agent> {
  const agent = request.agent(app);
  const page = await agent.get('/login').expect(200);
  const res = await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), username, password: 'VanThu@2026' });
  expect(res.status, res.text.slice(0, 200)).to.equal(303);
  return agent;
}

async function poll<T>(fn: () => Promise<T | undefined | false>, ms = 30_000): Promise<T> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error('timed out');
}

describe('signing pages over HTTP: credentials, sign with a passphrase, progress and verdict without reload, bulk', function () {
  this.timeout(120_000);
  let t: TestApp;
  let app: Express;
  let ctx: AppContext;
  let host: WorkerHost;
  const logs: string[] = [];
  let docA: string, docB: string, docC: string;

  async function actorFor(username: string): Promise<Actor> {
    const u = (await userRepository.findByUsername(t.ctx.db, username))!;
    const roles = await userRepository.rolesOf(t.ctx.db, u.id);
    return { userId: u.id, username: u.username, fullName: u.fullName, position: u.position, roles, activeAgencyId: roles[0]!.agencyId };
  }
  async function awaitingSignature(subject: string): Promise<string> {
    const specialist = await actorFor('tinh.chuyenvien');
    const d = await createDraft(ctx, specialist, specialist.activeAgencyId!, { typeCode: 'quyet_dinh', subject, urgency: '0' }, [{ fileName: 'du-thao.pdf', bytes: Buffer.from(await makeDecree30Pdf()) }]);
    await performAction(ctx, specialist, d.id, 'submit', {});
    await performAction(ctx, await actorFor('tinh.truongphong'), d.id, 'approve', {});
    await performAction(ctx, await actorFor('tinh.lanhdao'), d.id, 'approve', {});
    return d.id;
  }

  before(async () => {
    t = await createTestApp();
    const capture = new Writable({
      write(chunk, _e, cb) {
        logs.push(String(chunk));
        cb();
      },
    });
    ctx = { ...t.ctx, logger: pino({ level: 'debug' }, capture) as unknown as AppContext['logger'] };
    app = createApp(ctx);
    host = await startWorkers(ctx);
    docA = await awaitingSignature('Quyết định ký qua trang web');
    docB = await awaitingSignature('Quyết định ký hàng loạt một');
    docC = await awaitingSignature('Quyết định ký hàng loạt hai');
  });
  after(async () => {
    await host?.close();
    await t?.close();
  });

  it('lets an administrator upload a PKCS#12 with its image and shows the certificate details, never the passphrase', async () => {
    const admin = await login(app, 'quantri');
    const page = await admin.get('/credentials').expect(200);
    expect(page.text).to.contain('Tải lên chứng thư số');
    const bad = await admin.post('/credentials').field('_csrf', csrfFrom(page.text)).field('ownerKind', 'user').field('username', 'tinh.lanhdao').field('passphrase', 'sai').attach('p12', read('persons/nguyen-thi-lap-lanh-anh.p12'), 'lanh-dao.p12').attach('image', read('images/signature-nguyen-thi-lap-lanh-anh.png'), 'chu-ky.png');
    expect(bad.status).to.equal(422);
    expect(bad.text).to.contain('Mật khẩu chứng thư số không đúng');
    for (const [kind, owner, p12, png] of [
      ['user', 'tinh.lanhdao', 'persons/nguyen-thi-lap-lanh-anh.p12', 'images/signature-nguyen-thi-lap-lanh-anh.png'],
      ['agency', '', 'agencies/uy-ban-nhan-dan-tinh-nghe-an.p12', 'images/seal-uy-ban-nhan-dan-tinh-nghe-an.png'],
    ] as const) {
      const p = await admin.get('/credentials');
      const agencyId = kind === 'agency' ? (await actorFor('tinh.vanthu')).activeAgencyId! : '';
      const res = await admin.post('/credentials').field('_csrf', csrfFrom(p.text)).field('ownerKind', kind).field('username', owner).field('agencyId', agencyId).field('passphrase', PASS).attach('p12', read(p12), 'cts.p12').attach('image', read(png), 'anh.png');
      expect(res.status, res.text.slice(0, 300)).to.equal(303);
    }
    const list = await admin.get('/credentials').expect(200);
    expect(list.text).to.contain('Nguyễn Thị Lấp Lánh Ánh');
    expect(list.text).to.contain('Test CA phục vụ các cơ quan Nhà nước G2');
    expect(list.text).to.contain('digitalSignature');
    expect(list.text).not.to.contain(PASS);
    const img = await admin.get(list.text.match(/src="(\/credentials\/\d+\/image)"/)![1]!).expect(200);
    expect(img.headers['content-type']).to.match(/image\/png/);
  });

  it('lets a leader see and replace only their own credential', async () => {
    const leader = await login(app, 'tinh.lanhdao');
    const page = await leader.get('/credentials').expect(200);
    expect(page.text).to.contain('Chứng thư số của chính bạn');
    expect(page.text).not.to.contain('id="cr-user"');
    expect(page.text).not.to.contain('Ủy ban nhân dân tỉnh Nghệ An</td>');
    const forOther = await leader.post('/credentials').field('_csrf', csrfFrom(page.text)).field('ownerKind', 'agency').field('agencyId', (await actorFor('tinh.vanthu')).activeAgencyId!).field('passphrase', PASS).attach('p12', read('agencies/uy-ban-nhan-dan-tinh-nghe-an.p12'), 'cts.p12').attach('image', read('images/seal-uy-ban-nhan-dan-tinh-nghe-an.png'), 'dau.png');
    expect(forOther.status).to.equal(403);
    const agencyCred = await t.ctx.db.selectFrom('signingCredential').select('id').where('ownerKind', '=', 'agency').where('active', '=', true).executeTakeFirstOrThrow();
    await leader.post(`/credentials/${agencyCred.id}/deactivate`).type('form').send({ _csrf: csrfFrom(page.text) }).expect(403);
    await leader.get(`/credentials/${agencyCred.id}/image`).expect(200); // the agency's leader may see its seal
    await (await login(app, 'xa2.vanthu')).get(`/credentials/${agencyCred.id}/image`).expect(404);
  });

  it('shows the passphrase field and the status script on the document page, with no inline script', async () => {
    const leader = await login(app, 'tinh.lanhdao');
    const page = await leader.get(`/documents/${docA}`).expect(200);
    expect(page.text).to.contain('name="passphrase"');
    expect(page.text).to.contain(`data-signing-status="/signing/documents/${docA}/status"`);
    expect(page.text).to.contain(`data-signing-verdict="/signing/documents/${docA}/verification"`);
    expect(page.text).to.contain('<script src="/assets/signing-status.js" defer></script>');
    expect(page.text.match(/<script(?![^>]*\bsrc=)[^>]*>/g) ?? []).to.deep.equal([]);
    const js = await leader.get('/assets/signing-status.js').expect(200);
    expect(js.headers['content-type']).to.match(/javascript/);
    expect(js.text).to.contain('Đang tải lại trang');
  });

  it('refuses a wrong passphrase on the page, then signs: the status endpoint reports progress and the verdict becomes "hợp lệ"', async () => {
    const leader = await login(app, 'tinh.lanhdao');
    const page = await leader.get(`/documents/${docA}`);
    const wrong = await leader.post(`/documents/${docA}/actions/sign`).type('form').send({ _csrf: csrfFrom(page.text), passphrase: 'khong-dung' });
    expect(wrong.status).to.equal(422);
    expect(wrong.text).to.contain('Mật khẩu chứng thư số không đúng');
    expect(wrong.text).not.to.contain('khong-dung');
    const ok = await leader.post(`/documents/${docA}/actions/sign`).type('form').send({ _csrf: csrfFrom(page.text), passphrase: PASS, competence: 'TM.' });
    expect(ok.status).to.equal(303);
    const done = await poll(async () => {
      const s = (await leader.get(`/signing/documents/${docA}/status`).expect(200)).body as { busy: boolean; state: string; requests: { status: string; label: string }[] };
      expect(s.requests.length).to.be.greaterThan(0);
      return !s.busy && s.state === 'signed' ? s : undefined;
    });
    expect(done.requests[0]!.label).to.equal('Đã ký số');
    const v = await poll(async () => {
      const r = (await leader.get(`/signing/documents/${docA}/verification`).expect(200)).body as { files: { verdict: string; label: string; signatures: { signer: string; valid: boolean; revocation: string }[] }[] };
      return r.files.length && r.files.every((f) => f.verdict !== 'pending') ? r : undefined;
    });
    expect(v.files.map((f) => f.label)).to.deep.equal(['Chữ ký số hợp lệ']);
    expect(v.files[0]!.signatures[0]!.signer).to.contain('Nguyễn Thị Lấp Lánh Ánh');
    // Outside production the sample CA's CRL is configured: the stored verdict says where revocation was checked.
    expect(v.files[0]!.signatures[0]!.revocation).to.equal('chưa bị thu hồi (kiểm tra qua CRL)');
  });

  it('numbers without a seal when the agency has no credential, then lets the clerk stamp and seal the numbered document', async () => {
    const admin = await login(app, 'quantri');
    const agencyCred = await t.ctx.db.selectFrom('signingCredential').select('id').where('ownerKind', '=', 'agency').where('active', '=', true).executeTakeFirstOrThrow();
    const credPage = await admin.get('/credentials');
    await admin.post(`/credentials/${agencyCred.id}/deactivate`).type('form').send({ _csrf: csrfFrom(credPage.text) }).expect(303);
    const clerk = await login(app, 'tinh.vanthu');
    let page = await clerk.get(`/documents/${docA}`).expect(200);
    const bookId = page.text.match(/<select id="nb-book" name="bookId"><option value="(\d+)"/)![1]!;
    await clerk.post(`/documents/${docA}/actions/number`).type('form').send({ _csrf: csrfFrom(page.text), bookId, promulgationDate: '2026-12-05', passphrase: PASS }).expect(303);
    let s = (await clerk.get(`/signing/documents/${docA}/status`).expect(200)).body as { state: string; canReseal: boolean; sealMode: string };
    expect(s.state).to.equal('numbered');
    expect(s.canReseal).to.equal(false);
    const p = await admin.get('/credentials');
    await admin.post('/credentials').field('_csrf', csrfFrom(p.text)).field('ownerKind', 'agency').field('agencyId', (await actorFor('tinh.vanthu')).activeAgencyId!).field('passphrase', PASS).attach('p12', read('agencies/uy-ban-nhan-dan-tinh-nghe-an.p12'), 'cts.p12').attach('image', read('images/seal-uy-ban-nhan-dan-tinh-nghe-an.png'), 'dau.png').expect(303);
    s = (await clerk.get(`/signing/documents/${docA}/status`).expect(200)).body;
    expect(s.canReseal).to.equal(true);
    page = await clerk.get(`/documents/${docA}`).expect(200);
    expect(page.text).to.contain(`action="/signing/documents/${docA}/seal"`);
    const wrong = await clerk.post(`/signing/documents/${docA}/seal`).type('form').send({ _csrf: csrfFrom(page.text), passphrase: 'sai' });
    expect(wrong.status).to.equal(422);
    expect(wrong.text).to.contain('Mật khẩu chứng thư số không đúng');
    await clerk.post(`/signing/documents/${docA}/seal`).type('form').send({ _csrf: csrfFrom(page.text), passphrase: PASS }).expect(303);
    const v = await poll(async () => {
      const r = (await clerk.get(`/signing/documents/${docA}/verification`).expect(200)).body as { files: { verdict: string; fileName: string; signatures: unknown[] }[] };
      return r.files.length === 2 && r.files.every((f) => f.verdict !== 'pending') ? r : undefined;
    });
    expect(v.files.map((f) => [f.fileName, f.verdict, f.signatures.length])).to.deep.equal([
      ['du-thao-da-ky.pdf', 'valid', 1],
      ['du-thao-da-dong-dau.pdf', 'valid', 2],
    ]);
    await clerk.post(`/signing/documents/${docA}/seal`).type('form').send({ _csrf: csrfFrom(page.text), passphrase: PASS }).expect(409);
  });

  it('answers 404 to people of another agency asking for the status or the verdict', async () => {
    const other = await login(app, 'xa2.vanthu');
    await other.get(`/signing/documents/${docA}/status`).expect(404);
    await other.get(`/signing/documents/${docA}/verification`).expect(404);
  });

  it('signs a selection with one passphrase and shows one result line per document, updated by polling', async () => {
    const leader = await login(app, 'tinh.lanhdao');
    const page = await leader.get('/signing/bulk').expect(200);
    expect(page.text).to.contain('Quyết định ký hàng loạt một');
    const res = await leader.post('/signing/bulk').type('form').send({ _csrf: csrfFrom(page.text), documentIds: [docB, docC], passphrase: PASS });
    expect(res.status).to.equal(200);
    const batch = res.text.match(/data-signing-batch="([^"]+)"/)![1]!;
    expect(res.text.match(/<tr data-document-id=/g)).to.have.length(2);
    const lines = await poll(async () => {
      const b = (await leader.get(batch).expect(200)).body as { busy: boolean; lines: { status: string }[] };
      return !b.busy ? b.lines : undefined;
    });
    expect(lines.map((l) => l.status)).to.deep.equal(['done', 'done']);
  });

  it('wrote the passphrase in no log line', () => {
    expect(logs.length).to.be.greaterThan(10);
    expect(logs.filter((l) => l.includes(PASS) || l.includes('khong-dung'))).to.deep.equal([]);
  });
});
