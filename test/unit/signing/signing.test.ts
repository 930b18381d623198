import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readFileSync, existsSync } from 'node:fs';
import { PDFDocument, PDFName, StandardFonts } from '@cantoo/pdf-lib';
import { loadPkcs12 } from '../../../server/signing/key-source.ts';
import { AppError } from '../../../server/errors.ts';
import {
  completeExternalSignature,
  exportPrepared,
  importPrepared,
  prepareExternalSignature,
  signAsAgency,
  signAsLeader,
  signAttachment,
  stampNumber,
  verifyPdf,
} from '../../../server/signing/index.ts';
import { extractLines } from '../../../server/signing/text-locator.ts';
import { makeDecree30Pdf } from '../../fixtures/signing/decree30-pdf.ts';
import { makeCertifiedPdf } from '../../fixtures/signing/certified-pdf.ts';
import { startTestTsa, type TestTsa } from '../../fixtures/signing/test-tsa.ts';
import { CERTS, PASS, cert, extractSignatures, has, key, nssDbWithTestRoot, opensslCmsVerify, pdfsig, qpdfCheck, read, repoRoot, tmp, trust } from './helpers.ts';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const LEADER_IMG = () => read('images/signature-nguyen-thi-lap-lanh-anh.png');
const SEAL_IMG = () => read('images/seal-uy-ban-nhan-dan-tinh-nghe-an.png');
const leaderOpts = (extra: object = {}) => ({ position: 'CHỦ TỊCH', signatureImage: LEADER_IMG(), ...extra });

async function expectAppError(p: Promise<unknown>, pattern: RegExp): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    expect(e, String(e)).to.be.instanceOf(AppError);
    expect((e as AppError).message).to.match(pattern);
    return e as AppError;
  }
  throw new Error('expected an AppError');
}

describe('Signing an outgoing decision (Decree 30 flow: leader → number → agency seal)', function () {
  this.timeout(60000);
  const dir = tmp();
  let original: Uint8Array;
  let leaderSigned: Buffer;
  let stamped: Uint8Array;
  let sealed: Buffer;
  let finalPath: string;
  let nssDb: string | undefined;

  before(async () => {
    original = await makeDecree30Pdf();
    const leader = await key('persons/nguyen-thi-lap-lanh-anh.p12');
    const agency = await key('agencies/uy-ban-nhan-dan-tinh-nghe-an.p12');
    leaderSigned = (await signAsLeader(original, leader, leaderOpts({ signingTime: new Date('2026-12-05T02:10:00Z') }))).pdf;
    stamped = await stampNumber(leaderSigned, { number: '15/QĐ-UBND', date: '2026-12-05' });
    sealed = (await signAsAgency(stamped, agency, { sealImage: SEAL_IMG(), signingTime: new Date('2026-12-05T02:14:03Z') })).pdf;
    finalPath = join(dir, 'sealed.pdf');
    writeFileSync(finalPath, sealed);
    if (has('certutil')) nssDb = nssDbWithTestRoot(dir);
  });

  it('keeps every earlier byte: each step only appends an incremental update', () => {
    expect(Buffer.from(leaderSigned.subarray(0, original.length)).equals(Buffer.from(original))).to.equal(true);
    expect(Buffer.from(stamped.subarray(0, leaderSigned.length)).equals(leaderSigned)).to.equal(true);
    expect(Buffer.from(sealed.subarray(0, stamped.length)).equals(Buffer.from(stamped))).to.equal(true);
  });

  it('is reported valid by pdfsig for both signatures, the last one covering the whole file', function () {
    if (!has('pdfsig')) return this.skip();
    const text = pdfsig(finalPath, nssDb);
    expect(text.match(/Signature Validation: Signature is Valid\./g) ?? [], text).to.have.length(2);
    expect(text).to.match(/Signature #2:[\s\S]*Total document signed/);
    expect(text).to.include('Nguyễn Thị Lấp Lánh Ánh');
    expect(text).to.include('ETSI.CAdES.detached');
    if (nssDb) expect(text.match(/Certificate Validation: Certificate is Trusted\./g) ?? [], text).to.have.length(2);
  });

  it('produces CMS signatures that openssl verifies against the test root', function () {
    if (!has('openssl')) return this.skip();
    const sigs = extractSignatures(sealed);
    expect(sigs).to.have.length(2);
    sigs.forEach((s, i) => {
      const r = opensslCmsVerify(dir, s, i);
      expect(r.ok, r.text).to.equal(true);
    });
  });

  it('leaves a file qpdf --check finds clean', function () {
    if (!has('qpdf')) return this.skip();
    const r = qpdfCheck(finalPath);
    expect(r.ok, r.text).to.equal(true);
    expect(r.text).to.include('No syntax or stream encoding errors');
  });

  it('is judged valid by verifyPdf, the leader signature followed only by annotation changes', async () => {
    const report = await verifyPdf(sealed, trust());
    expect(report.verdict, report.message).to.equal('valid');
    const [l, a] = report.signatures;
    expect(l!.signerName).to.equal('Nguyễn Thị Lấp Lánh Ánh');
    expect(l!.organization).to.equal('Ủy ban nhân dân tỉnh Nghệ An');
    expect(l!.signingTime).to.equal('2026-12-05T09:10:00+07:00');
    expect(l!.modificationsAfter).to.equal('annotations_or_forms');
    expect(l!.coversWholeFile).to.equal(false);
    expect(a!.coversWholeFile).to.equal(true);
    expect(a!.modificationsAfter).to.equal('none');
    for (const s of report.signatures) {
      expect(s).to.include({ byteRangeIntact: true, chainTrusted: true, certValidAtSigningTime: true, revoked: false, algorithmsAllowed: true, keyUsageOk: true });
    }
  });

  it('centres the leader image between "CHỦ TỊCH" and the full name, and puts the seal over its left third', async () => {
    const doc = await PDFDocument.load(sealed);
    const rects = doc.getForm().getFields().map((f) => ({ name: f.getName(), r: f.acroField.getWidgets()[0]!.getRectangle() }));
    const leader = rects.find((x) => x.name.startsWith('LanhDao_'))!.r;
    const seal = rects.find((x) => x.name.startsWith('CoQuan_'))!.r;
    // Fixture: position baseline y=314, name baseline y=230, both centred on x=420.
    expect(leader.y).to.be.greaterThan(230 + 9);
    expect(leader.y + leader.height).to.be.lessThan(314);
    expect(leader.x + leader.width / 2).to.be.closeTo(420, 3);
    const sealImageRight = seal.x + seal.width / 2 + (36 * 72) / 25.4 / 2;
    expect(sealImageRight).to.be.closeTo(leader.x + leader.width / 3, 1);
  });

  it('draws the number and the date line as locked annotations over the template blanks', async () => {
    const doc = await PDFDocument.load(stamped);
    const annots = doc.getPage(0).node.Annots()!;
    const texts: string[] = [];
    for (let i = 0; i < annots.size(); i++) {
      const a = doc.context.lookup(annots.get(i)) as unknown as { get(n: unknown): { decodeText?(): string; asNumber?(): number } | undefined };
      if (String(a.get(PDFName.of('Subtype'))) !== '/FreeText') continue;
      texts.push(a.get(PDFName.of('Contents'))!.decodeText!());
      expect(a.get(PDFName.of('F'))!.asNumber!() & 128).to.equal(128);
    }
    expect(texts).to.deep.equal(['Số: 15/QĐ-UBND', 'Nghệ An, ngày 05 tháng 12 năm 2026']);
  });

  it('reports the signatures broken after one signed byte is changed', async function () {
    const tampered = Buffer.from(sealed);
    const idx = tampered.indexOf('Decree') > 0 ? tampered.indexOf('Decree') : 200;
    tampered[idx] = tampered[idx]! ^ 0x01;
    const report = await verifyPdf(tampered, trust());
    expect(report.verdict).to.equal('invalid');
    expect(report.signatures.every((s) => !s.byteRangeIntact)).to.equal(true);
    expect(report.message).to.match(/không hợp lệ/);
    if (has('pdfsig')) {
      const p = join(dir, 'tampered.pdf');
      writeFileSync(p, tampered);
      expect(pdfsig(p)).to.not.match(/Signature is Valid/);
    }
  });

  it('flags page content drawn after the leader signed as a content modification', async () => {
    const doc = await PDFDocument.load(leaderSigned, { forIncrementalUpdate: true });
    const page = doc.getPage(0);
    page.drawText('SUA', { x: 100, y: 100, font: await doc.embedFont(StandardFonts.Courier), size: 12 });
    const changed = await doc.commit({ useObjectStreams: false });
    const report = await verifyPdf(changed, trust());
    expect(report.signatures[0]!.byteRangeIntact).to.equal(true);
    expect(report.signatures[0]!.modificationsAfter).to.equal('content');
    expect(report.verdict).to.equal('invalid');
  });
});

describe('Signing variants', function () {
  this.timeout(60000);
  let tsa: TestTsa;
  before(async () => {
    tsa = await startTestTsa(CERTS);
  });
  after(() => tsa.close());

  it('adds an RFC 3161 signature timestamp (PAdES B-T) from a TSA and verification uses its time', async () => {
    const leader = await key('persons/nguyen-thi-lap-lanh-anh.p12');
    const res = await signAsLeader(await makeDecree30Pdf(), leader, leaderOpts({ tsaUrl: tsa.url }));
    expect(res.timestamped).to.equal(true);
    expect(tsa.requests).to.be.greaterThan(0);
    const report = await verifyPdf(res.pdf, trust());
    expect(report.verdict, report.message).to.equal('valid');
    expect(report.signatures[0]).to.include({ timestamped: true, signingTimeSource: 'timestamp' });
    const dir = tmp();
    const s = extractSignatures(res.pdf)[0]!;
    if (has('openssl')) expect(opensslCmsVerify(dir, s, 0).ok).to.equal(true);
    if (has('pdfsig')) {
      writeFileSync(join(dir, 'ts.pdf'), res.pdf);
      expect(pdfsig(join(dir, 'ts.pdf'))).to.include('Signature is Valid');
    }
  });

  it('completes a signature whose private key is held by another process (prepare → sign elsewhere → complete)', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'test/fixtures/signing/external-signer.ts')], {
      env: { ...process.env, P12_PATH: cert('persons/tran-van-hung.p12'), P12_PASSPHRASE: PASS },
      stdio: ['pipe', 'pipe', 'inherit'],
      cwd: repoRoot,
    });
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    try {
      expect((await lines.next()).value).to.equal('ready');
      // The parent only knows the public certificate chain.
      const chain = await (await key('persons/tran-van-hung.p12')).certificateChain();
      const pdf = await makeDecree30Pdf({ signerName: 'Trần Văn Hùng' });
      const prepared = await prepareExternalSignature(pdf, chain, {
        kind: 'leader',
        options: { position: 'CHỦ TỊCH', signatureImage: read('images/signature-tran-van-hung.png') },
      });
      expect(prepared.toBeSignedDigest).to.have.length(32);
      // Between the two requests the web layer stores the PDF as a blob and the rest as JSON.
      const stored = exportPrepared(prepared);
      const restored = importPrepared(stored.pdf, JSON.parse(JSON.stringify(stored.meta)) as Record<string, unknown>);
      child.stdin!.write(`${restored.toBeSigned.toString('base64')}\n`);
      const signature = Buffer.from((await lines.next()).value as string, 'base64');
      const done = await completeExternalSignature(restored, signature, { tsaUrl: tsa.url });
      const report = await verifyPdf(done.pdf, trust());
      expect(report.verdict, report.message).to.equal('valid');
      expect(report.signatures[0]!.signerName).to.equal('Trần Văn Hùng');
    } finally {
      child.kill();
    }
  });

  it('signs an attachment with the notation and time at the top right of page 1 and no image', async () => {
    const agency = await key('agencies/van-phong-chinh-phu.p12');
    const res = await signAttachment(await makeDecree30Pdf({ pages: 2 }), agency, { notation: '15/QĐ-UBND', signingTime: new Date('2026-12-05T02:14:03Z') });
    const report = await verifyPdf(res.pdf, trust());
    expect(report.verdict, report.message).to.equal('valid');
    const doc = await PDFDocument.load(res.pdf);
    const w = doc.getForm().getFields()[0]!.acroField.getWidgets()[0]!.getRectangle();
    expect(w.x).to.be.greaterThan(595 / 2);
    expect(w.y).to.be.greaterThan(841 - 80);
    const xo = doc.context.lookup(doc.getForm().getFields()[0]!.acroField.getWidgets()[0]!.getNormalAppearance() as never) as unknown as { dict: { get(n: unknown): unknown } };
    expect(String(xo.dict.get(PDFName.of('Resources')))).to.not.include('XObject');
  });

  it('finds the signature block on the last page of a multi-page document', async () => {
    const res = await signAsLeader(await makeDecree30Pdf({ pages: 3 }), await key('persons/nguyen-thi-lap-lanh-anh.p12'), leaderOpts());
    const doc = await PDFDocument.load(res.pdf);
    const widget = doc.getForm().getFields()[0]!.acroField.getWidgets()[0]!;
    expect(doc.getPages().findIndex((p) => p.ref === widget.P())).to.equal(2);
  });

  it('signs with ECDSA P-256 and RSA-3072 keys', async () => {
    const ec = await key('agencies/uy-ban-nhan-dan-xa-hung-loc.p12');
    const rsa3072 = await key('persons/dang-quoc-khanh.p12');
    const a = await signAttachment(await makeDecree30Pdf(), ec, { notation: '01/UBND-VP' });
    const b = await signAttachment(a.pdf, rsa3072, { notation: '01/UBND-VP' });
    const report = await verifyPdf(b.pdf, trust());
    expect(report.verdict, report.message).to.equal('valid');
    expect(report.signatures).to.have.length(2);
  });
});

describe('Refusing bad input with a Vietnamese message and the input untouched', function () {
  this.timeout(60000);
  let pdf: Uint8Array;
  let before_: string;
  before(async () => {
    pdf = await makeDecree30Pdf();
    before_ = sha(pdf);
  });
  afterEach(() => expect(sha(pdf)).to.equal(before_));

  it('refuses a wrong PKCS#12 passphrase', async () => {
    await expectAppError(loadPkcs12(read('persons/nguyen-thi-lap-lanh-anh.p12'), 'sai-mat-khau'), /Mật khẩu chứng thư số không đúng/);
  });

  it('refuses an expired certificate', async () => {
    await expectAppError(signAsLeader(pdf, await key('invalid/le-van-het-han.p12'), leaderOpts({ signerName: 'Nguyễn Thị Lấp Lánh Ánh' })), /đã hết hạn/);
  });

  it('refuses a certificate revoked in the CRL', async () => {
    await expectAppError(
      signAsLeader(pdf, await key('invalid/pham-thi-thu-hoi.p12'), leaderOpts({ signerName: 'Nguyễn Thị Lấp Lánh Ánh', crls: [read('crl/issuing-ca.crl')] })),
      /đã bị thu hồi/,
    );
  });

  it('refuses a certificate without the digitalSignature key usage', async () => {
    await expectAppError(signAttachment(pdf, await key('invalid/hoang-van-khong-ky.p12'), { notation: '15/QĐ-UBND' }), /không được phép dùng để ký số/);
  });

  it('refuses an encrypted PDF', async () => {
    const enc = join(repoRoot, '../shared/corpus/pdf/minimal-aes256.pdf');
    if (!existsSync(enc)) return;
    await expectAppError(signAttachment(readFileSync(enc), await key('agencies/van-phong-chinh-phu.p12'), { notation: '15/QĐ-UBND' }), /mã hóa/);
  });

  it('refuses a document certified with DocMDP P=1 (no changes allowed)', async () => {
    const certified = await makeCertifiedPdf(pdf, 1);
    await expectAppError(signAsLeader(certified, await key('persons/nguyen-thi-lap-lanh-anh.p12'), leaderOpts()), /DocMDP P=1/);
    await expectAppError(stampNumber(await makeCertifiedPdf(pdf, 2), { number: '15/QĐ-UBND', date: '2026-12-05' }), /DocMDP P=2/);
  });

  it('refuses to place the leader signature when the signer name is not in the document and no fallback is configured', async () => {
    await expectAppError(signAsLeader(pdf, await key('persons/nguyen-thi-lap-lanh-anh.p12'), leaderOpts({ signerName: 'Lê Thị Không Có' })), /Không tìm thấy họ tên người ký "Lê Thị Không Có"/);
  });

  it('uses the configured fallback position on the last page when the name is missing', async () => {
    const res = await signAsLeader(pdf, await key('persons/nguyen-thi-lap-lanh-anh.p12'), leaderOpts({ signerName: 'Lê Thị Không Có', fallback: { x: 350, y: 250, width: 120, height: 48 } }));
    expect((await verifyPdf(res.pdf, trust())).verdict).to.equal('valid');
  });

  it('refuses to seal when there is no leader signature to overlap', async () => {
    await expectAppError(signAsAgency(pdf, await key('agencies/uy-ban-nhan-dan-tinh-nghe-an.p12'), { sealImage: SEAL_IMG() }), /Không tìm thấy chữ ký của lãnh đạo/);
  });

  it('refuses a file that is not a PDF', async () => {
    await expectAppError(signAttachment(Buffer.from('hello'), await key('agencies/van-phong-chinh-phu.p12'), { notation: '1/UBND' }), /không phải là PDF/);
  });

  it('still finds the Decree 30 template lines with pdfjs', async () => {
    const { lines } = await extractLines(pdf, [0]);
    expect(lines.map((l) => l.text)).to.include.members(['Số: /QĐ-UBND', 'Nghệ An, ngày tháng năm 2026']);
  });
});
