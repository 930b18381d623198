// Arrival checks in worker threads (server/services/axis-check-pool.ts): the same verdicts as in
// the main thread, and a pool that outlives a dead worker. The receiving path through HTTP with
// the pool (its default) is covered by axis-receive.test.ts; here the pool itself, and the node
// answering through it after a worker died.
import os from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import request from 'supertest';
import { expect } from 'chai';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { makePdf } from '../helpers/pdf.ts';
import { CODES, makeIdentity, writeNetwork } from '../fixtures/axis/network.ts';
import { repoRoot } from '../fixtures/axis/harness.ts';
import { parseAxisNodeConfig, type AxisNode } from '../../server/axis/node-config.ts';
import { setAxisNode } from '../../server/axis/axis-node.ts';
import { AXIS_HEADERS, sha256Hex, signRequest } from '../../server/axis/request-signing.ts';
import { PACKAGES_PATH } from '../../server/axis/http-transport.ts';
import { buildDocumentPackage, buildStatusPackage, signPackage, toEdxmlTimestamp, type DocumentPackageInput } from '../../server/axis/edxml/index.ts';
import { arrivalCheckPoolOf, checkThreadsFor, createArrivalCheckPool, type ArrivalCheckPool } from '../../server/services/axis-check-pool.ts';
import { loadPkcs12 } from '../../server/signing/key-source.ts';
import { signAttachment } from '../../server/signing/operations.ts';

describe('axis: arrival checks in worker threads', function () {
  this.timeout(120_000);
  let dir: string;
  let node: AxisNode;
  let provinceAgency: { keyPem: string; certPem: string };
  let pdf: Buffer;
  let signedPdf: Buffer;
  let inWorker: ArrivalCheckPool;
  let inThread: ArrivalCheckPool;
  let seq = 500;

  const model = (over: { to?: string; attachment?: Buffer; subject?: string } = {}): DocumentPackageInput => ({
    MessageHeader: {
      From: { OrganId: CODES.province, OrganName: 'Ủy ban nhân dân tỉnh Nghệ An' },
      To: [{ OrganId: over.to ?? CODES.vpcp, OrganName: 'Văn phòng Chính phủ' }],
      Code: { CodeNumber: String(seq++), CodeNotation: 'UBND-VX' },
      PromulgationInfo: { Place: 'Nghệ An', PromulgationDate: '2026/11/27' },
      DocumentType: { Type: 1, TypeName: 'Công văn' },
      Subject: over.subject ?? 'V/v kiểm tra gói tin trong luồng phụ',
    },
    TraceHeaderList: { TraceHeader: [{ OrganId: CODES.province, Timestamp: toEdxmlTimestamp(new Date()) }], Bussiness: { BussinessDocType: 0 } },
    Attachments: [{ AttachmentName: 'cong-van.pdf', ContentType: 'application/pdf', Content: over.attachment ?? pdf }],
  });
  const signed = async (m: DocumentPackageInput) => Buffer.from(signPackage(await buildDocumentPackage(m), provinceAgency), 'utf8');

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vanthu-axis-pool-'));
    const nodes = writeNetwork(dir, 1);
    node = parseAxisNodeConfig({ ...nodes.vpcp.config, maxAttachmentBytes: 400_000, trustRootPaths: ['root.pem', path.join(repoRoot, 'certs-sample/root-ca.pem')] }, dir);
    provinceAgency = { keyPem: readFileSync(path.join(dir, 'province.agency.key.pem'), 'utf8'), certPem: readFileSync(path.join(dir, 'province.agency.pem'), 'utf8') };
    pdf = await makePdf(['Cong van thu nghiem']);
    const key = await loadPkcs12(readFileSync(path.join(repoRoot, 'certs-sample/agencies/uy-ban-nhan-dan-tinh-nghe-an.p12')), 'VanThu-Test-Only-2026');
    signedPdf = (await signAttachment(pdf, key, { notation: '15/UBND-VX' })).pdf;
    inWorker = createArrivalCheckPool(node, 1);
    inThread = createArrivalCheckPool(node, 0);
  });

  after(async () => {
    await inWorker?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('uses one thread per core but the main thread, at least one, unless the node sets checkThreads (0: in the main thread)', () => {
    expect(checkThreadsFor(node, 2)).to.equal(1);
    expect(checkThreadsFor(node, 1)).to.equal(1);
    expect(checkThreadsFor(node, 8)).to.equal(7);
    expect(checkThreadsFor({ ...node, settings: { ...node.settings, checkThreads: 0 } }, 8)).to.equal(0);
    expect(checkThreadsFor({ ...node, settings: { ...node.settings, checkThreads: 3 } }, 2)).to.equal(3);
    expect(inWorker.pool).to.not.equal(null);
    expect(inThread.pool).to.equal(null);
  });

  it('gives the same verdict in a worker as in the main thread: accepted, tampered, untrusted, altered PDF signature, wrong recipient, status package, hostile XML', async () => {
    const valid = await signed(model({ attachment: signedPdf }));
    // One character of the signed content changed after signing.
    const tampered = Buffer.from(valid.toString('utf8').replace('V/v kiểm tra', 'V/v kiểm trA'), 'utf8');
    const stranger = signPackage(await buildDocumentPackage(model()), makeIdentity({ commonName: 'Kẻ giả mạo', organization: 'Không rõ' }));
    const altered = Buffer.from(signedPdf);
    altered[11] = altered[11] === 0xe2 ? 0xe3 : 0xe2;
    const status = signPackage(buildStatusPackage({ MessageHeader: { From: { OrganId: CODES.province, OrganName: 'UBND tỉnh' }, ResponseFor: { OrganId: CODES.vpcp, DocumentId: 'abc' }, StatusCode: '03', Description: 'Đã vào sổ, số đến: 7', Timestamp: toEdxmlTimestamp(new Date()) } }), provinceAgency);
    const cases: [string, Buffer | string, RegExp | string][] = [
      ['valid', valid, 'document'],
      ['tampered', tampered, /Chữ ký số của gói tin không hợp lệ/],
      ['untrusted', stranger, /Chữ ký số của gói tin không hợp lệ/],
      ['altered PDF', await signed(model({ attachment: altered })), /Chữ ký số trong tệp cong-van.pdf không hợp lệ/],
      ['not a recipient', await signed(model({ to: CODES.commune1 })), /không có trong danh sách nơi nhận/],
      ['status', status, 'status'],
      ['hostile', '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', 'error'],
    ];
    const at = new Date();
    for (const [name, bytes, expected] of cases) {
      const b = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
      const [w, m] = [await inWorker.check(b, CODES.vpcp, at), await inThread.check(b, CODES.vpcp, at)];
      expect(w, name).to.deep.equal(m);
      const said = w.kind === 'refused' ? w.reason : w.kind === 'document' && w.refusal ? w.refusal : w.kind;
      if (typeof expected === 'string') expect(said, name).to.equal(expected);
      else expect(said, name).to.match(expected);
    }
    // The attachments come back as Buffers (the incoming document stores them as such).
    const v = await inWorker.check(valid, CODES.vpcp, at);
    expect(v.kind).to.equal('document');
    if (v.kind !== 'document') return;
    expect(Buffer.isBuffer(v.parsed.attachments[0]!.content)).to.equal(true);
    expect(v.parsed.attachments[0]!.content!.equals(signedPdf)).to.equal(true);
    expect(v.files).to.deep.equal([{ fileName: 'cong-van.pdf', sha256: sha256Hex(signedPdf), contentType: 'application/pdf', pageCount: 1 }]);
  });

  it('replaces a worker that died: the check it was running fails, the package queued behind it and later ones get their verdicts', async () => {
    // The real checks in a worker module that ends its thread on a package for "CRASH".
    const crashing = createArrivalCheckPool(node, 1, { entry: new URL('../fixtures/axis/crashing-check.worker.ts', import.meta.url) });
    try {
      const ordinary = await signed(model());
      const dying = crashing.check(ordinary, 'CRASH', new Date());
      const queued = crashing.check(ordinary, CODES.vpcp, new Date());
      let failed: unknown = null;
      await dying.catch((e: unknown) => (failed = e));
      expect(failed, 'the check whose worker died').to.be.instanceOf(Error);
      // Settles with no other arrival to dispatch it (workerpool alone would leave it queued).
      expect((await queued).kind).to.equal('document');
      expect((await crashing.check(await signed(model({ attachment: signedPdf })), CODES.vpcp, new Date())).kind).to.equal('document');
    } finally {
      await crashing.close();
    }
  });

  describe('a node whose check worker died', () => {
    let t: TestApp;
    let provinceNodeKey: string;
    const post = (bytes: Buffer) => {
      const date = new Date().toISOString();
      const trace = JSON.stringify([{ OrganId: CODES.province, Timestamp: toEdxmlTimestamp(new Date()) }]);
      const bodySha256 = sha256Hex(bytes);
      const signature = signRequest({ method: 'POST', path: PACKAGES_PATH, nodeId: 'province', date, recipient: CODES.vpcp, trace, bodySha256 }, provinceNodeKey);
      return request(t.app)
        .post(PACKAGES_PATH)
        .set('content-type', 'application/xml')
        .set(AXIS_HEADERS.node, 'province')
        .set(AXIS_HEADERS.date, date)
        .set(AXIS_HEADERS.recipient, encodeURIComponent(CODES.vpcp))
        .set(AXIS_HEADERS.trace, encodeURIComponent(trace))
        .set(AXIS_HEADERS.digest, bodySha256)
        .set(AXIS_HEADERS.signature, signature)
        .send(bytes);
    };

    before(async () => {
      t = await createTestApp();
      setAxisNode(t.ctx, node);
      provinceNodeKey = readFileSync(path.join(dir, 'province.node.key.pem'), 'utf8');
    });
    after(async () => {
      await arrivalCheckPoolOf(node).close();
      await t.close();
    });

    it('still stores a valid package with its receipt id and answers a tampered one 422 with status 02 and its reason', async () => {
      expect(arrivalCheckPoolOf(node).threads).to.equal(checkThreadsFor(node));
      const pool = arrivalCheckPoolOf(node).pool!;
      await pool.exec(() => process.exit(1), []).catch(() => undefined);
      const ok = await post(await signed(model({ attachment: signedPdf })));
      expect(ok.status, ok.text).to.equal(200);
      const inbox = await t.ctx.db.selectFrom('axisInbox').selectAll().where('receiptId', '=', ok.body.receiptId).executeTakeFirstOrThrow();
      expect(inbox.state).to.be.oneOf(['stored', 'processing', 'processed']);
      const tampered = Buffer.from((await signed(model({ subject: 'V/v gói tin bị sửa sau khi ký' }))).toString('utf8').replace('bị sửa', 'bị xửa'), 'utf8');
      const bad = await post(tampered);
      expect(bad.status, bad.text).to.equal(422);
      expect(bad.body.reason).to.match(/Chữ ký số của gói tin không hợp lệ/);
      const o = await t.ctx.db.selectFrom('axisOutbox').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
      expect(o).to.include({ kind: 'status', statusCode: '02', targetCode: CODES.province });
      expect(o.description).to.match(/Chữ ký số của gói tin không hợp lệ/);
    });
  });
});
