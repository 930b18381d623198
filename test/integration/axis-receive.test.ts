// The receiving end of the node-to-node transport (issue 5 items 3, 5 and "bad input"): what is
// accepted is stored once and answered with the same receipt id; what is refused is answered 422,
// recorded, logged and reported to the sender with status 02, and nothing is half-registered.
import os from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type express from 'express';
import request from 'supertest';
import { expect } from 'chai';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { makePdf } from '../helpers/pdf.ts';
import { CODES, makeIdentity, writeNetwork } from '../fixtures/axis/network.ts';
import { waitFor } from '../fixtures/axis/harness.ts';
import { parseAxisNodeConfig } from '../../server/axis/node-config.ts';
import { setAxisNode } from '../../server/axis/axis-node.ts';
import { AXIS_HEADERS, sha256Hex, signRequest } from '../../server/axis/request-signing.ts';
import { PACKAGES_PATH } from '../../server/axis/http-transport.ts';
import { buildDocumentPackage, buildStatusPackage, signPackage, toEdxmlTimestamp, type DocumentPackageInput } from '../../server/axis/edxml/index.ts';
import { deliverOutbox, flagLateRecipients, processInbox, sweepAxis } from '../../server/services/axis.service.ts';
import { loadPkcs12 } from '../../server/signing/key-source.ts';
import { signAttachment } from '../../server/signing/operations.ts';
import { repoRoot } from '../fixtures/axis/harness.ts';

describe('axis: receiving packages from a peer node (real PostgreSQL)', function () {
  this.timeout(60_000);
  let t: TestApp;
  let dir: string;
  let app: express.Express;
  let provinceNodeKey: string;
  let provinceAgency: { keyPem: string; certPem: string };
  let pdf: Buffer;
  let seq = 100;

  const model = (over: { subject?: string; to?: string; number?: string; attachment?: Buffer } = {}): DocumentPackageInput => {
    const number = over.number ?? String(seq++);
    return {
      MessageHeader: {
        From: { OrganId: CODES.province, OrganName: 'Ủy ban nhân dân tỉnh Nghệ An' },
        To: [{ OrganId: over.to ?? CODES.vpcp, OrganName: 'Văn phòng Chính phủ' }],
        Code: { CodeNumber: number, CodeNotation: 'UBND-VX' },
        PromulgationInfo: { Place: 'Nghệ An', PromulgationDate: '2026/11/27' },
        DocumentType: { Type: 1, TypeName: 'Công văn' },
        Subject: over.subject ?? 'V/v báo cáo kết quả chuyển đổi số năm 2026',
        SignerInfo: { Position: 'Chủ tịch', FullName: 'Nguyễn Thị Lấp Lánh Ánh' },
      },
      TraceHeaderList: { TraceHeader: [{ OrganId: CODES.province, Timestamp: toEdxmlTimestamp(new Date()) }], Bussiness: { BussinessDocType: 0 } },
      Attachments: [{ AttachmentName: 'cong-van.pdf', ContentType: 'application/pdf', Content: over.attachment ?? pdf }],
    };
  };
  const signed = async (m: DocumentPackageInput, key = provinceAgency) => signPackage(await buildDocumentPackage(m), key);
  const post = (body: string | Buffer, opts: { recipient?: string; trace?: unknown[]; date?: string; nodeKey?: string; nodeId?: string } = {}) => {
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
    const date = opts.date ?? new Date().toISOString();
    const trace = JSON.stringify(opts.trace ?? [{ OrganId: CODES.province, Timestamp: toEdxmlTimestamp(new Date()) }]);
    const recipient = opts.recipient ?? CODES.vpcp;
    const nodeId = opts.nodeId ?? 'province';
    const bodySha256 = sha256Hex(bytes);
    const signature = signRequest({ method: 'POST', path: PACKAGES_PATH, nodeId, date, recipient, trace, bodySha256 }, opts.nodeKey ?? provinceNodeKey);
    return request(app)
      .post(PACKAGES_PATH)
      .set('content-type', 'application/xml')
      .set(AXIS_HEADERS.node, nodeId)
      .set(AXIS_HEADERS.date, date)
      .set(AXIS_HEADERS.recipient, encodeURIComponent(recipient))
      .set(AXIS_HEADERS.trace, encodeURIComponent(trace))
      .set(AXIS_HEADERS.digest, bodySha256)
      .set(AXIS_HEADERS.signature, signature)
      .send(bytes);
  };
  const count = async (table: 'document' | 'axisInbox' | 'axisOutbox') => Number((await t.ctx.db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  const lastOutbox = () => t.ctx.db.selectFrom('axisOutbox').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();

  /** Refused: 422, a rejected inbox row (when keyed), a status 02 back to the sender, no document. */
  const expectRefused = async (res: request.Response, reason: RegExp) => {
    expect(res.status, res.text).to.equal(422);
    expect(res.body.outcome).to.equal('rejected');
    expect(res.body.reason).to.match(reason);
    const o = await lastOutbox();
    expect(o).to.include({ kind: 'status', statusCode: '02', targetCode: CODES.province });
    expect(o.description).to.match(reason);
  };

  before(async () => {
    t = await createTestApp();
    dir = await mkdtemp(path.join(os.tmpdir(), 'vanthu-axis-recv-'));
    const nodes = writeNetwork(dir, 1);
    // PDF signatures inside packages chain to the certs-sample PKI; package signatures to the network's root.
    const node = parseAxisNodeConfig({ ...nodes.vpcp.config, maxAttachmentBytes: 400_000, trustRootPaths: ['root.pem', path.join(repoRoot, 'certs-sample/root-ca.pem')] }, dir);
    setAxisNode(t.ctx, node);
    // The real app: the node endpoint is mounted before the session and CSRF middleware.
    app = t.app;
    provinceNodeKey = readFileSync(path.join(dir, 'province.node.key.pem'), 'utf8');
    provinceAgency = { keyPem: readFileSync(path.join(dir, 'province.agency.key.pem'), 'utf8'), certPem: readFileSync(path.join(dir, 'province.agency.pem'), 'utf8') };
    pdf = await makePdf(['Cong van thu nghiem']);
  });

  after(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores a valid package, answers its receipt id after commit, creates one incoming document and queues status 01', async () => {
    const xml = await signed(model({ number: '15' }));
    const res = await post(xml);
    expect(res.status, res.text).to.equal(200);
    expect(res.body).to.include({ outcome: 'accepted' });
    const inbox = await t.ctx.db.selectFrom('axisInbox').selectAll().where('receiptId', '=', res.body.receiptId).executeTakeFirstOrThrow();
    expect(inbox).to.include({ senderCode: CODES.province, recipientCode: CODES.vpcp, businessType: 'doc:0' });
    const o = await t.ctx.db.selectFrom('axisOutbox').selectAll().where('inboxId', '=', inbox.id).executeTakeFirstOrThrow();
    expect(o).to.include({ kind: 'status', statusCode: '01', fromCode: CODES.vpcp, targetCode: CODES.province });
    // Processed right after the answer; a second run (job, sweep) finds nothing left to do.
    await processInbox(t.ctx, inbox.id);
    const doc = await waitFor('the incoming document', () => t.ctx.db.selectFrom('document').selectAll().where('externalId', '=', inbox.edxmlDocumentId).executeTakeFirst());
    expect(doc).to.include({ direction: 'incoming', state: 'received', source: 'axis', codeNumber: '15', codeNotation: 'UBND-VX', promulgationDate: '2026-11-27', issuerCode: CODES.province, typeCode: 'cong_van' });

    // Redelivery (the sender never saw the answer): same receipt id, nothing new.
    const before = { doc: await count('document'), inbox: await count('axisInbox'), outbox: await count('axisOutbox') };
    const again = await post(xml);
    expect(again.status).to.equal(200);
    expect(again.body.receiptId).to.equal(res.body.receiptId);
    expect(await processInbox(t.ctx, inbox.id)).to.equal('skipped');
    expect({ doc: await count('document'), inbox: await count('axisInbox'), outbox: await count('axisOutbox') }).to.deep.equal(before);
  });

  it('stores a package delivered twice at once only once: one inbox row, one status 01, one audit entry carrying the receipt id, the same receipt id for both', async () => {
    const xml = await signed(model());
    // Two deliveries, each its own signed request: in the same millisecond the two signatures would
    // be one request, which the replay protection rightly answers 401.
    const now = Date.now();
    const [a, b] = await Promise.all([post(xml, { date: new Date(now).toISOString() }), post(xml, { date: new Date(now + 1).toISOString() })]);
    expect([a.status, b.status], a.text + b.text).to.deep.equal([200, 200]);
    expect(a.body.receiptId).to.equal(b.body.receiptId);
    const inbox = await t.ctx.db.selectFrom('axisInbox').selectAll().where('receiptId', '=', a.body.receiptId).execute();
    expect(inbox).to.have.length(1);
    const outbox = await t.ctx.db.selectFrom('axisOutbox').selectAll().where('inboxId', '=', inbox[0]!.id).execute();
    expect(outbox.map((o) => [o.kind, o.statusCode, o.fromCode, o.targetCode, o.description])).to.deep.equal([['status', '01', CODES.vpcp, CODES.province, 'Văn bản đã đến.']]);
    const audit = await t.ctx.db.selectFrom('auditLog').selectAll().where('entityType', '=', 'axis_inbox').where('entityId', '=', String(inbox[0]!.id)).where('action', '=', 'axis.inbox.stored').execute();
    expect(audit).to.have.length(1);
    expect(audit[0]!.after).to.deep.equal({ from: CODES.province, documentId: inbox[0]!.edxmlDocumentId, type: 'doc:0', receiptId: a.body.receiptId });
    expect(String(audit[0]!.agencyId)).to.equal(String(inbox[0]!.agencyId));
  });

  it('refuses a package signed by an untrusted certificate with status 02', async () => {
    await waitFor('earlier packages processed', async () => (await t.ctx.db.selectFrom('axisInbox').select('id').where('state', 'in', ['stored', 'processing']).execute()).length === 0);
    const stranger = makeIdentity({ commonName: 'Kẻ giả mạo', organization: 'Không rõ' });
    const docs = await count('document');
    await expectRefused(await post(await signed(model(), stranger)), /Chữ ký số của gói tin không hợp lệ/);
    expect(await count('document')).to.equal(docs);
  });

  it('refuses a tampered attachment (the package signature covers it)', async () => {
    const xml = await signed(model());
    const m = /<edXML:ContentTransferEncoded[^>]*>([A-Za-z0-9+/=]{40})/.exec(xml)!;
    const flipped = m[1]!.slice(0, 30) + (m[1]![30] === 'A' ? 'B' : 'A') + m[1]!.slice(31);
    await expectRefused(await post(xml.replace(m[1]!, flipped)), /Chữ ký số của gói tin không hợp lệ/);
  });

  it('checks the package signature before forwarding to another node: a forged package stops here with 02', async () => {
    const stranger = makeIdentity({ commonName: 'Kẻ giả mạo', organization: 'Không rõ' });
    const forwardsBefore = Number((await t.ctx.db.selectFrom('axisOutbox').select((eb) => eb.fn.countAll<string>().as('n')).where('kind', '=', 'forward').executeTakeFirstOrThrow()).n);
    await expectRefused(await post(await signed(model({ to: CODES.commune1 }), stranger), { recipient: CODES.commune1 }), /Chữ ký số của gói tin không hợp lệ/);
    const forwardsAfterForged = Number((await t.ctx.db.selectFrom('axisOutbox').select((eb) => eb.fn.countAll<string>().as('n')).where('kind', '=', 'forward').executeTakeFirstOrThrow()).n);
    expect(forwardsAfterForged).to.equal(forwardsBefore);
    // A genuine package for the same agency below is stored and queued for the next hop.
    const ok = await post(await signed(model({ to: CODES.commune1 })), { recipient: CODES.commune1 });
    expect(ok.status, ok.text).to.equal(200);
    const fwd = await t.ctx.db.selectFrom('axisOutbox').selectAll().where('kind', '=', 'forward').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
    expect(fwd.targetCode).to.equal(CODES.commune1);
  });

  it('refuses a package for an agency this node does not serve or know', async () => {
    const unknown = '000.09.99.H41';
    // Routed up to the parent would be legitimate; VPCP has no parent, so the code is unknown here.
    await expectRefused(await post(await signed(model({ to: '999.99.99.Z99' })), { recipient: '999.99.99.Z99' }), /Không tìm thấy nơi nhận/);
    void unknown;
  });

  it('refuses missing required fields and the wrong namespace', async () => {
    const base = await buildDocumentPackage(model());
    const noSubject = signPackage(base.replace(/<edXML:Subject>[^<]*<\/edXML:Subject>/, ''), provinceAgency);
    await expectRefused(await post(noSubject), /Subject|bắt buộc|QCVN/);
    // Our signer refuses to sign a foreign namespace; a package rewritten after signing is refused too.
    const wrongNs = signPackage(await buildDocumentPackage(model()), provinceAgency).replaceAll('http://www.mic.gov.vn/TBT/QCVN_102_2016', 'http://example.com/not-edxml');
    const res = await post(wrongNs);
    expect(res.status).to.equal(422);
    expect(res.body.reason).to.match(/QCVN|không hợp lệ|edXML/);
  });

  it('refuses an attachment over the limit', async () => {
    const big = Buffer.concat([pdf, Buffer.alloc(500_000, 0x20)]);
    await expectRefused(await post(await signed(model({ attachment: big }))), /QCVN|quá|giới hạn|lớn/);
  });

  it('refuses a replay (same sender, DocumentId and business type, other content) with status 02', async () => {
    const first = await signed(model({ number: '77', subject: 'V/v nội dung gốc của văn bản' }));
    expect((await post(first)).status).to.equal(200);
    const forged = await signed(model({ number: '77', subject: 'V/v nội dung bị thay đổi khi phát lại' }));
    await expectRefused(await post(forged), /phát lại/);
    const docs = await t.ctx.db.selectFrom('document').select('subject').where('codeNumber', '=', '77').execute();
    expect(docs.map((d) => d.subject)).to.not.include('V/v nội dung bị thay đổi khi phát lại');
  });

  it('refuses looping packages and packages past the hop limit', async () => {
    const xml = await signed(model());
    await expectRefused(await post(xml, { trace: [{ OrganId: CODES.vpcp, Timestamp: '2026/11/28 10:00:00' }, { OrganId: CODES.province, Timestamp: '2026/11/28 10:00:01' }] }), /quay vòng/);
    const hops = Array.from({ length: 6 }, (_, i) => ({ OrganId: `node-${i}`, Timestamp: '2026/11/28 10:00:00' }));
    await expectRefused(await post(await signed(model()), { trace: hops }), /vượt giới hạn/);
  });

  it('answers 401 to a request not signed by a known peer node, or signed too long ago', async () => {
    const xml = await signed(model());
    const other = makeIdentity({ commonName: 'Nút lạ' });
    expect((await post(xml, { nodeKey: other.keyPem })).status).to.equal(401);
    expect((await post(xml, { nodeId: 'unknown-node' })).status).to.equal(401);
    expect((await post(xml, { date: new Date(Date.now() - 3600_000).toISOString() })).status).to.equal(401);
  });

  it('refuses the same signed request replayed inside the clock window, and forgets it after the window', async () => {
    const xml = await signed(model());
    const date = new Date().toISOString();
    // One trace for every post: the helper's default carries a per-second timestamp, and a replay
    // that crossed a second boundary (a slow first request) would be a different signed request.
    const trace = [{ OrganId: CODES.province, Timestamp: toEdxmlTimestamp(new Date()) }];
    const first = await post(xml, { date, trace });
    expect(first.status, first.text).to.equal(200);
    const inboxBefore = await count('axisInbox');
    const replay = await post(xml, { date, trace });
    expect(replay.status).to.equal(401);
    expect(replay.body.reason).to.match(/phát lại/);
    expect(await count('axisInbox')).to.equal(inboxBefore);
    // A genuine retry is signed again (new date): the same receipt id, as for any redelivery.
    const retry = await post(xml, { date: new Date(Date.now() + 1).toISOString(), trace });
    expect(retry.status).to.equal(200);
    expect(retry.body.receiptId).to.equal(first.body.receiptId);
    // The sweep forgets requests older than twice the window; they would fail the date check anyway.
    await t.ctx.db.updateTable('axisRequestSeen').set({ seenAt: new Date(Date.now() - 3600_000) }).execute();
    await sweepAxis(t.ctx);
    expect(Number((await t.ctx.db.selectFrom('axisRequestSeen').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n)).to.equal(0);
  });

  it('applies receipts to the sender side only for documents this node sent', async () => {
    const status = signPackage(buildStatusPackage({ MessageHeader: { From: { OrganId: CODES.province, OrganName: 'UBND tỉnh' }, ResponseFor: { OrganId: CODES.vpcp, DocumentId: '000.00.00.G22,2026/11/20,5/VPCP-TH' }, StatusCode: '03', Description: 'số đến: 9', Timestamp: toEdxmlTimestamp(new Date()) } }), provinceAgency);
    const before = await count('axisOutbox');
    const res = await post(status);
    expect(res.status, res.text).to.equal(200);
    // A status is never answered with a status (no 01 for it).
    expect(await count('axisOutbox')).to.equal(before);
  });

  it('applies an update (type 2) to the copy already received and links a replacement (type 3) to the document it replaces', async () => {
    const original = model({ number: '201', subject: 'V/v kế hoạch kiểm tra công tác văn thư năm 2027' });
    const first = await post(await signed(original));
    const docOf = (externalId: string) => waitFor('copy', () => t.ctx.db.selectFrom('document').selectAll().where('externalId', '=', externalId).where('direction', '=', 'incoming').executeTakeFirst());
    const inbox = await t.ctx.db.selectFrom('axisInbox').selectAll().where('receiptId', '=', first.body.receiptId).executeTakeFirstOrThrow();
    const copy = await docOf(inbox.edxmlDocumentId);
    await waitFor('processed', async () => (await t.ctx.db.selectFrom('axisInbox').select('state').where('id', '=', inbox.id).executeTakeFirstOrThrow()).state === 'processed');

    const update: DocumentPackageInput = { ...original, MessageHeader: { ...original.MessageHeader, Subject: 'V/v kế hoạch kiểm tra công tác văn thư năm 2027 (đính chính thời gian)' }, TraceHeaderList: { ...original.TraceHeaderList, Bussiness: { BussinessDocType: 2, BussinessDocReason: 'Đính chính thời gian kiểm tra' } } };
    expect((await post(await signed(update))).status).to.equal(200);
    await waitFor('updated subject', async () => (await t.ctx.db.selectFrom('document').select('subject').where('id', '=', copy.id).executeTakeFirstOrThrow()).subject.includes('đính chính'));
    const events = await t.ctx.db.selectFrom('documentEvent').select(['action', 'note']).where('documentId', '=', copy.id).execute();
    expect(events.map((e) => e.action)).to.include('axis_update');
    expect(await t.ctx.db.selectFrom('document').select('id').where('externalId', '=', inbox.edxmlDocumentId).execute()).to.have.length(1);

    const replacement = model({ number: '202', subject: 'V/v kế hoạch kiểm tra công tác văn thư năm 2027 (thay thế)' });
    replacement.TraceHeaderList.Bussiness = { BussinessDocType: 3, BussinessDocReason: 'Thay thế văn bản số 201', ReplacementInfoList: [{ DocumentId: inbox.edxmlDocumentId, OrganIdList: [CODES.vpcp] }] };
    const r = await post(await signed(replacement));
    expect(r.status, r.text).to.equal(200);
    const newInbox = await t.ctx.db.selectFrom('axisInbox').selectAll().where('receiptId', '=', r.body.receiptId).executeTakeFirstOrThrow();
    const newCopy = await docOf(newInbox.edxmlDocumentId);
    await waitFor('replacement link', () => t.ctx.db.selectFrom('documentLink').selectAll().where('fromId', '=', newCopy.id).where('toId', '=', copy.id).where('kind', '=', 'replaces').executeTakeFirst());
  });

  it('retries an unreachable next hop with back-off and gives up after the delivery window, noting it on the row', async () => {
    const id = (await t.ctx.db.insertInto('axisOutbox').values({ kind: 'status', fromCode: CODES.vpcp, targetCode: CODES.province, edxmlDocumentId: '000.00.00.H41,2026/11/27,9/UBND-VX', statusCode: '04', description: 'Đã phân công.' }).returning('id').executeTakeFirstOrThrow()).id;
    expect(await deliverOutbox(t.ctx, id)).to.equal('retry');
    const row = await t.ctx.db.selectFrom('axisOutbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.attempts).to.equal(1);
    expect(row.lastError).to.match(/Không kết nối được nút province/);
    expect(row.package).to.not.equal(null);
    expect(new Date(row.nextAttemptAt).getTime()).to.be.greaterThan(Date.now());
    expect(await deliverOutbox(t.ctx, id)).to.equal('skipped'); // not due yet: another worker's lease
    await t.ctx.db.updateTable('axisOutbox').set({ nextAttemptAt: new Date(Date.now() - 1000), giveUpAt: new Date(Date.now() - 1000) }).where('id', '=', id).execute();
    expect(await deliverOutbox(t.ctx, id)).to.equal('expired');
    expect((await t.ctx.db.selectFrom('axisOutbox').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state).to.equal('expired');
  });

  it('flags a recipient that has not registered by the end of the next working day', async () => {
    const agency = await t.ctx.db.selectFrom('agency').select('id').where('qcvnCode', '=', CODES.vpcp).executeTakeFirstOrThrow();
    const doc = await t.ctx.db.insertInto('document').values({ agencyId: agency.id, direction: 'outgoing', state: 'released', typeCode: 'cong_van', typeName: 'Công văn', subject: 'Văn bản chờ nơi nhận vào sổ' }).returning('id').executeTakeFirstOrThrow();
    const rec = await t.ctx.db.insertInto('documentRecipient').values({ documentId: doc.id, kind: 'agency', agencyCode: CODES.province, agencyName: 'UBND tỉnh Nghệ An', status: 'arrived' }).returning('id').executeTakeFirstOrThrow();
    await t.ctx.db.insertInto('axisOutbox').values({ kind: 'document', documentId: doc.id, recipientId: rec.id, agencyId: agency.id, fromCode: CODES.vpcp, targetCode: CODES.province, edxmlDocumentId: 'late-1', state: 'sent', registerDue: '2026-11-27' }).execute();
    expect(await flagLateRecipients(t.ctx, '2026-11-27')).to.equal(0);
    expect(await flagLateRecipients(t.ctx, '2026-11-30')).to.equal(1);
    const r = await t.ctx.db.selectFrom('documentRecipient').selectAll().where('id', '=', rec.id).executeTakeFirstOrThrow();
    expect(r.statusNote).to.match(/Quá hạn: chưa vào sổ đến hết ngày 27\/11\/2026/);
    expect(await flagLateRecipients(t.ctx, '2026-11-30')).to.equal(0);
  });

  it('verifies the PDF signatures inside: a signed PDF is accepted, one altered after signing is refused with 02', async () => {
    const key = await loadPkcs12(readFileSync(path.join(repoRoot, 'certs-sample/agencies/uy-ban-nhan-dan-tinh-nghe-an.p12')), 'VanThu-Test-Only-2026');
    const signedPdf = (await signAttachment(pdf, key, { notation: '15/UBND-VX' })).pdf;
    const ok = await post(await signed(model({ attachment: signedPdf })));
    expect(ok.status, ok.text).to.equal(200);
    // One byte changed inside the signed byte range (the binary comment of the header): still a PDF.
    const altered = Buffer.from(signedPdf);
    altered[11] = altered[11] === 0xe2 ? 0xe3 : 0xe2;
    await expectRefused(await post(await signed(model({ attachment: altered }))), /Chữ ký số trong tệp cong-van.pdf không hợp lệ/);
  });
});
