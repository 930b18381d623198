import { expect } from 'chai';
import { documentRepository } from '../../server/repositories/document.repository.ts';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { PNG } from 'pngjs';
import { sql } from 'kysely';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { userRepository } from '../../server/repositories/user.repository.ts';
import { createDraft } from '../../server/services/outgoing.service.ts';
import { receiveIncoming } from '../../server/services/incoming.service.ts';
import { performAction } from '../../server/services/document-actions.ts';
import { booksFor } from '../../server/services/book.service.ts';
import { uploadCredential } from '../../server/services/credential.service.ts';
import { bulkSign } from '../../server/services/signing-bulk.service.ts';
import { completeRequest, prepareRequest, sweepSigning } from '../../server/services/signing.service.ts';
import { startWorkers } from '../../workers/host.ts';
import type { WorkerHost } from '../../server/bootstrap.ts';
import type { AppContext } from '../../server/app-context.ts';
import type { LocalBlobStore } from '../../server/files/blob-store.ts';
import { AppError } from '../../server/errors.ts';
import type { Actor } from '../../server/domain/actor.ts';
import { makeDecree30Pdf } from '../fixtures/signing/decree30-pdf.ts';
import { makePdf } from '../helpers/pdf.ts';
import { sha256Of } from '../../server/files/blob-store.ts';
import { CERTS, PASS, has, nssDbWithTestRoot, pdfsig, tmp } from '../unit/signing/helpers.ts';

const read = (rel: string) => readFileSync(join(CERTS, rel));

async function actorFor(t: TestApp, username: string): Promise<Actor> {
  const u = (await userRepository.findByUsername(t.ctx.db, username))!;
  const roles = await userRepository.rolesOf(t.ctx.db, u.id);
  return { userId: u.id, username: u.username, fullName: u.fullName, position: u.position, roles, activeAgencyId: roles[0]!.agencyId };
}

async function rejects(p: Promise<unknown>, message: RegExp): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    expect(e, String(e)).to.be.instanceOf(AppError);
    expect((e as AppError).message).to.match(message);
    return e as AppError;
  }
  return expect.fail(`expected an AppError matching ${message}`);
}

async function waitFor<T>(check: () => Promise<T | undefined | null | false>, ms = 30_000): Promise<T> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const v = await check();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('timed out waiting');
}

describe('signing-workflow: digital signatures through the signing workers (real PostgreSQL, BullMQ on PostgreSQL)', function () {
  this.timeout(120_000);
  let t: TestApp;
  let ctx: AppContext;
  let host: WorkerHost;
  const logLines: string[] = [];
  let admin: Actor, leader: Actor, clerk: Actor, head: Actor, specialist: Actor;
  let province: string;
  let nss: string | undefined;
  const dir = tmp();

  const counts = async () => {
    const c = async (table: 'document' | 'documentFile' | 'blob' | 'documentEvent' | 'auditLog' | 'bookEntry' | 'signingRequest') =>
      Number((await t.ctx.db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
    return { document: await c('document'), files: await c('documentFile'), blob: await c('blob'), events: await c('documentEvent'), audit: await c('auditLog'), entries: await c('bookEntry'), requests: await c('signingRequest'), stored: await (t.ctx.blobs as LocalBlobStore).count() };
  };

  async function awaitingSignature(subject: string, withPdf = true): Promise<string> {
    const files = withPdf ? [{ fileName: 'du-thao-quyet-dinh.pdf', bytes: Buffer.from(await makeDecree30Pdf()) }] : [];
    const d = await createDraft(ctx, specialist, province, { typeCode: 'quyet_dinh', subject, urgency: '0' }, files.length ? files : [{ fileName: 'du-thao.png', bytes: read('images/signature-tran-van-hung.png') }]);
    await performAction(ctx, specialist, d.id, 'submit', {});
    await performAction(ctx, head, d.id, 'approve', {});
    await performAction(ctx, leader, d.id, 'approve', {});
    return d.id;
  }

  const stateOf = async (id: string) => (await t.ctx.db.selectFrom('document').select(['state', 'codeNumber', 'codeNotation', 'signerFullName']).where('id', '=', id).executeTakeFirstOrThrow());
  const mainFiles = async (id: string) => t.ctx.db.selectFrom('documentFile').selectAll().where('documentId', '=', id).where('role', '=', 'main').orderBy('version').execute();

  function checkPdfsig(bytes: Buffer, signatures: number): string {
    const f = join(dir, `check-${Date.now()}.pdf`);
    writeFileSync(f, bytes);
    const text = pdfsig(f, nss);
    expect(text.match(/Signature Validation: Signature is Valid\./g)?.length ?? 0, text).to.equal(signatures);
    return text;
  }

  before(async () => {
    t = await createTestApp();
    const capture = new Writable({
      write(chunk, _enc, cb) {
        logLines.push(String(chunk));
        cb();
      },
    });
    ctx = { ...t.ctx, logger: pino({ level: 'debug' }, capture) as unknown as AppContext['logger'] };
    host = await startWorkers(ctx);
    admin = await actorFor(t, 'quantri');
    leader = await actorFor(t, 'tinh.lanhdao');
    clerk = await actorFor(t, 'tinh.vanthu');
    head = await actorFor(t, 'tinh.truongphong');
    specialist = await actorFor(t, 'tinh.chuyenvien');
    province = clerk.activeAgencyId!;
    if (has('certutil')) nss = nssDbWithTestRoot(dir);
  });
  after(async () => {
    await host?.close();
    await t?.close();
  });

  it('refuses a credential with a wrong passphrase or an opaque image, and stores none', async () => {
    const before = await t.ctx.db.selectFrom('signingCredential').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    await rejects(uploadCredential(ctx, admin, { ownerKind: 'user', username: 'tinh.lanhdao', passphrase: 'sai-mat-khau' }, { p12: read('persons/nguyen-thi-lap-lanh-anh.p12'), image: read('images/signature-nguyen-thi-lap-lanh-anh.png') }), /Mật khẩu chứng thư số không đúng/);
    await rejects(uploadCredential(ctx, leader, { ownerKind: 'agency', agencyId: province, passphrase: PASS }, { p12: read('agencies/uy-ban-nhan-dan-tinh-nghe-an.p12'), image: read('images/seal-uy-ban-nhan-dan-tinh-nghe-an.png') }), /quản trị/);
    await rejects(uploadCredential(ctx, clerk, { ownerKind: 'user', username: 'tinh.lanhdao', passphrase: PASS }, { p12: read('persons/nguyen-thi-lap-lanh-anh.p12'), image: read('images/signature-nguyen-thi-lap-lanh-anh.png') }), /quản trị/);
    const opaque = new PNG({ width: 4, height: 4 });
    opaque.data.fill(255);
    await rejects(uploadCredential(ctx, admin, { ownerKind: 'user', username: 'tinh.lanhdao', passphrase: PASS }, { p12: read('persons/nguyen-thi-lap-lanh-anh.p12'), image: PNG.sync.write(opaque, { colorType: 2 }) }), /nền trong suốt/);
    await rejects(uploadCredential(ctx, admin, { ownerKind: 'user', username: 'tinh.lanhdao', passphrase: PASS }, { p12: read('persons/nguyen-thi-lap-lanh-anh.p12'), image: Buffer.from('GIF89a') }), /phải là tệp PNG/);
    const after = await t.ctx.db.selectFrom('signingCredential').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(after.n).to.equal(before.n);
  });

  it('refuses to sign with an expired, a revoked or a non-signing certificate, and leaves the document exactly as it was', async () => {
    const id = await awaitingSignature('Quyết định thử chứng thư không hợp lệ');
    const cases: [string, RegExp][] = [
      ['invalid/le-van-het-han.p12', /đã hết hạn/],
      ['invalid/pham-thi-thu-hoi.p12', /đã bị thu hồi/],
      ['invalid/hoang-van-khong-ky.p12', /không được phép dùng để ký số/],
    ];
    for (const [p12, message] of cases) {
      await uploadCredential(ctx, admin, { ownerKind: 'user', username: 'tinh.lanhdao', passphrase: PASS }, { p12: read(p12), image: read('images/signature-nguyen-thi-lap-lanh-anh.png') });
      const before = await counts();
      await rejects(performAction(ctx, leader, id, 'sign', { passphrase: PASS }), message);
      expect(await counts()).to.deep.equal(before);
      expect((await stateOf(id)).state).to.equal('awaiting_signature');
    }
  });

  let signedId: string;

  it('stores the leader credential encrypted: the PKCS#12 bytes are nowhere in clear', async () => {
    const p12 = read('persons/nguyen-thi-lap-lanh-anh.p12');
    await uploadCredential(ctx, admin, { ownerKind: 'user', username: 'tinh.lanhdao', passphrase: PASS }, { p12, image: read('images/signature-nguyen-thi-lap-lanh-anh.png') });
    await uploadCredential(ctx, admin, { ownerKind: 'agency', agencyId: province, passphrase: PASS }, { p12: read('agencies/uy-ban-nhan-dan-tinh-nghe-an.p12'), image: read('images/seal-uy-ban-nhan-dan-tinh-nghe-an.png') });
    const rows = await t.ctx.db.selectFrom('signingCredential').selectAll().where('active', '=', true).execute();
    expect(rows).to.have.length(2);
    for (const r of rows) {
      expect(r.p12Encrypted.includes(p12.subarray(100, 164))).to.equal(false);
      expect(r.notAfter.getTime()).to.be.greaterThan(Date.now());
      expect(r.keyUsage).to.include('digitalSignature');
    }
    const person = rows.find((r) => r.ownerKind === 'user')!;
    expect(person.subject).to.contain('Nguyễn Thị Lấp Lánh Ánh');
    expect(person.issuer).to.contain('Test CA phục vụ các cơ quan Nhà nước G2');
  });

  it('refuses a wrong passphrase at signing time with a Vietnamese message and changes nothing', async () => {
    signedId = await awaitingSignature('Quyết định phê duyệt kế hoạch chuyển đổi số năm 2027');
    const before = await counts();
    await rejects(performAction(ctx, leader, signedId, 'sign', { passphrase: 'khong-dung' }), /Mật khẩu chứng thư số không đúng/);
    await rejects(performAction(ctx, leader, signedId, 'sign', {}), /nhập mật khẩu/);
    expect(await counts()).to.deep.equal(before);
  });

  it('signs the latest draft PDF as the leader in the workers, stores it as the main file and moves the document to "signed"; pdfsig says valid', async () => {
    await performAction(ctx, leader, signedId, 'sign', { passphrase: PASS, competence: 'TM.' });
    const doc = await waitFor(async () => {
      const s = await stateOf(signedId);
      return s.state === 'signed' ? s : undefined;
    });
    expect(doc.signerFullName).to.equal('Nguyễn Thị Lấp Lánh Ánh');
    const mains = await mainFiles(signedId);
    expect(mains).to.have.length(1);
    expect(mains[0]!.fileName).to.equal('du-thao-quyet-dinh-da-ky.pdf');
    const text = checkPdfsig(await t.ctx.blobs.get(mains[0]!.blobSha256), 1);
    expect(text).to.contain('Nguyễn Thị Lấp Lánh Ánh');
    const events = await t.ctx.db.selectFrom('documentEvent').select(['action', 'data']).where('documentId', '=', signedId).where('action', '=', 'sign').execute();
    expect(events).to.have.length(1);
    // The intermediate prepared PDF is not kept: only the draft and the signed file remain stored.
    const req = await t.ctx.db.selectFrom('signingRequest').selectAll().where('documentId', '=', signedId).executeTakeFirstOrThrow();
    expect(req.preparedSha256).to.equal(null);
    expect(req.preparedMeta).to.not.equal(null);
  });

  it('never signs twice: duplicated prepare and complete jobs and a second sign request add nothing', async () => {
    const req = await t.ctx.db.selectFrom('signingRequest').selectAll().where('documentId', '=', signedId).executeTakeFirstOrThrow();
    expect(req.status).to.equal('done');
    const before = await counts();
    await Promise.all([completeRequest(ctx, req.id), completeRequest(ctx, req.id), prepareRequest(ctx, req.id)]);
    await ctx.jobs.enqueue('signing.complete', { signingRequestId: req.id }, { jobId: `dup-${req.id}` });
    await new Promise((r) => setTimeout(r, 500));
    await rejects(performAction(ctx, leader, signedId, 'sign', { passphrase: PASS }), /Không thể "ký duyệt"/);
    const after = await counts();
    expect({ ...after, audit: before.audit }).to.deep.equal(before);
  });

  it('numbers with the agency credential: stamps "Số" and the date, adds the seal signature; both signatures stay valid', async () => {
    const book = (await booksFor(t.ctx.db, province, 'outgoing'))[0]!;
    const before = await counts();
    await rejects(performAction(ctx, clerk, signedId, 'number', { bookId: book.id, passphrase: 'sai' }), /Mật khẩu chứng thư số không đúng/);
    expect(await counts()).to.deep.equal(before);
    // An attachment (phụ lục) in its own file: signed by the agency, no image (DOMAIN.md §4).
    const appendix = await makePdf(['Phu luc kem theo Quyet dinh']);
    const appendixSha = sha256Of(appendix);
    await t.ctx.blobs.put(appendixSha, appendix);
    await t.ctx.db.insertInto('blob').values({ sha256: appendixSha, size: appendix.length, contentType: 'application/pdf' }).execute();
    await t.ctx.db.insertInto('documentFile').values({ documentId: signedId, role: 'attachment', blobSha256: appendixSha, fileName: 'phu-luc.pdf', contentType: 'application/pdf', size: appendix.length, textStatus: 'none' }).execute();
    await performAction(ctx, clerk, signedId, 'number', { bookId: book.id, promulgationDate: '2026-12-05', passphrase: PASS });
    const attachments = await waitFor(async () => {
      const a = await t.ctx.db.selectFrom('documentFile').selectAll().where('documentId', '=', signedId).where('role', '=', 'attachment').orderBy('id').execute();
      return a.length === 2 ? a : undefined;
    });
    expect(attachments[1]!.fileName).to.equal('phu-luc-da-dong-dau.pdf');
    checkPdfsig(await t.ctx.blobs.get(attachments[1]!.blobSha256), 1);
    const mains = await waitFor(async () => {
      const m = await mainFiles(signedId);
      return m.length === 2 ? m : undefined;
    });
    const doc = await stateOf(signedId);
    expect(doc.state).to.equal('numbered');
    expect(doc.codeNotation).to.equal('QĐ-UBND');
    expect((await counts()).entries).to.equal(before.entries + 1);
    const text = checkPdfsig(await t.ctx.blobs.get(mains[1]!.blobSha256), 2);
    expect(text).to.match(/Ủy ban nhân dân tỉnh Nghệ An|UBND|Nghệ An/i);
    // Released, only the final versions go out: the sealed main file and the sealed attachment.
    const sent = await documentRepository.filesToSend(t.ctx.db, signedId);
    expect(sent.map((f) => f.blobSha256).sort()).to.deep.equal([mains[1]!.blobSha256, attachments[1]!.blobSha256].sort());
  });

  it('stores one verdict per signed or arriving PDF, computed by the verify job and the sweep', async () => {
    const mains = await mainFiles(signedId);
    const verdicts = await waitFor(async () => {
      const v = await t.ctx.db.selectFrom('signatureVerification').selectAll().where('fileId', 'in', mains.map((m) => m.id)).where('status', '=', 'done').execute();
      return v.length === 2 ? v : undefined;
    });
    expect(verdicts.map((v) => v.verdict)).to.deep.equal(['valid', 'valid']);
    // An incoming document with the signed PDF, and one with an unsigned scan.
    const signedBytes = await t.ctx.blobs.get(mains[1]!.blobSha256);
    const meta = { typeCode: 'cong_van', numberAndNotation: '9/UBND-VX', promulgationDate: '2026-11-20', issuerName: 'UBND tỉnh Nghệ An', subject: 'Văn bản đến có chữ ký số', urgency: '0' };
    const inA = await receiveIncoming(ctx, clerk, province, meta, [{ fileName: 'den.pdf', bytes: signedBytes }]);
    const inB = await receiveIncoming(ctx, clerk, province, { ...meta, numberAndNotation: '10/UBND-VX' }, [{ fileName: 'scan.pdf', bytes: await makePdf(['Ban scan']) }]);
    const swept = await sweepSigning(ctx);
    expect(swept.verify).to.be.greaterThanOrEqual(2);
    const verdictOf = (docId: string) =>
      waitFor(async () => {
        const v = await t.ctx.db.selectFrom('signatureVerification as v').innerJoin('documentFile as f', 'f.id', 'v.fileId').select(['v.verdict', 'v.signatures']).where('f.documentId', '=', docId).where('v.status', '=', 'done').executeTakeFirst();
        return v;
      });
    expect((await verdictOf(inA.id)).verdict).to.equal('valid');
    expect(((await verdictOf(inA.id)).signatures as unknown[]).length).to.equal(2);
    expect((await verdictOf(inB.id)).verdict).to.equal('unsigned');
  });

  it('signs several documents with one passphrase entry and reports one line per document', async () => {
    const a = await awaitingSignature('Quyết định hàng loạt thứ nhất');
    const b = await awaitingSignature('Quyết định hàng loạt thứ hai');
    const c = await awaitingSignature('Quyết định không có tệp PDF', false);
    const result = await bulkSign(ctx, leader, { documentIds: [a, b, c], passphrase: PASS });
    expect(result.lines.map((l) => l.ok)).to.deep.equal([true, true, true]);
    expect(result.lines[2]!.message).to.match(/không có tệp PDF/);
    for (const id of [a, b, c]) await waitFor(async () => (await stateOf(id)).state === 'signed');
    for (const id of [a, b]) checkPdfsig(await t.ctx.blobs.get((await mainFiles(id))[0]!.blobSha256), 1);
    expect(await mainFiles(c)).to.have.length(0);
    const wrong = await bulkSign(ctx, leader, { documentIds: [await awaitingSignature('Quyết định mật khẩu sai')], passphrase: 'sai' });
    expect(wrong.lines[0]!.ok).to.equal(false);
    expect(wrong.lines[0]!.message).to.match(/Mật khẩu chứng thư số không đúng/);
  });

  it('re-enqueues a step whose job was lost, and the re-run finds the request where it stopped (sweep)', async () => {
    const id = await awaitingSignature('Quyết định thử công việc bị mất');
    await host.close(); // no worker: the jobs enqueued now wait, as if lost
    const signing = performAction(ctx, leader, id, 'sign', { passphrase: PASS });
    const req = await waitFor(() => t.ctx.db.selectFrom('signingRequest').selectAll().where('documentId', '=', id).executeTakeFirst());
    await prepareRequest(ctx, req.id); // what the worker would have done
    await signing;
    expect((await t.ctx.db.selectFrom('signingRequest').select('status').where('id', '=', req.id).executeTakeFirstOrThrow()).status).to.equal('signed');
    await t.ctx.db.updateTable('signingRequest').set({ updatedAt: new Date(Date.now() - 5 * 60_000) }).where('id', '=', req.id).execute();
    const swept = await sweepSigning(ctx);
    expect(swept.complete).to.equal(1);
    host = await startWorkers(ctx);
    await waitFor(async () => (await stateOf(id)).state === 'signed');
    expect(await mainFiles(id)).to.have.length(1);
    expect((await sweepSigning(ctx)).complete).to.equal(0);
  });

  it('keeps the passphrase out of every database row, job payload and log line', async () => {
    const needle = PASS;
    const tables = await sql<{ schema: string; name: string }>`select table_schema as schema, table_name as name from information_schema.tables where table_schema in ('public', 'bullmq') and table_type = 'BASE TABLE'`.execute(t.ctx.db);
    expect(tables.rows.some((r) => r.schema === 'bullmq')).to.equal(true);
    for (const { schema, name } of tables.rows) {
      const hit = await sql<{ n: string }>`select count(*) as n from ${sql.table(`${schema}.${name}`)} x where x::text like ${'%' + needle + '%'}`.execute(t.ctx.db);
      expect(Number(hit.rows[0]!.n), `${schema}.${name}`).to.equal(0);
    }
    expect(logLines.length).to.be.greaterThan(0);
    expect(logLines.filter((l) => l.includes(needle))).to.deep.equal([]);
  });
});
