// OCSP when no CRL answers (issue 4 item 7, DOMAIN.md §4 "revocation (CRL/OCSP)"), against real
// `openssl ocsp` responders for a CA the test makes with openssl (test/fixtures/signing/ocsp-pki.ts).
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, ConfigError } from '../../../server/config.ts';
import { loadPkcs12 } from '../../../server/signing/key-source.ts';
import { signAttachment, verifyPdf, type VerifyOptions, type VerifyReport } from '../../../server/signing/index.ts';
import { clearOcspCache } from '../../../server/signing/ocsp-client.ts';
import { revocationLabel } from '../../../server/services/signature-verification.service.ts';
import { makeDecree30Pdf } from '../../fixtures/signing/decree30-pdf.ts';
import { startOcspPki, type Leaf, type OcspPki } from '../../fixtures/signing/ocsp-pki.ts';
import { testPortBase } from '../../fixtures/axis/network.ts';
import { startTestTsa, type TestTsa } from '../../fixtures/signing/test-tsa.ts';
import { CERTS, has, read, repoRoot, tmp } from './helpers.ts';

describe('Revocation by OCSP when no CRL of the issuer answers', function () {
  this.timeout(120_000);
  let pki: OcspPki;
  let tsa: TestTsa;
  const signed = {} as Record<Leaf, Buffer>;
  const timestamped = {} as Partial<Record<Leaf, Buffer>>;
  const dir = tmp();

  before(async function () {
    if (!has('openssl')) {
      process.stdout.write('      (openssl not installed: the OCSP tests need its responder)\n');
      this.skip();
    }
    pki = await startOcspPki(join(dir, 'pki'), testPortBase(4));
    tsa = await startTestTsa(CERTS);
    const pdf = await makeDecree30Pdf();
    for (const leaf of Object.keys(pki.p12) as Leaf[]) {
      const key = await loadPkcs12(readFileSync(pki.p12[leaf]), pki.passphrase);
      signed[leaf] = Buffer.from((await signAttachment(pdf, key, { notation: '15/QĐ-UBND' })).pdf);
      // PAdES B-T (the sample TSA): the signing time is then a trusted one.
      if (leaf === 'revoked' || leaf === 'revokedLater') timestamped[leaf] = Buffer.from((await signAttachment(pdf, key, { notation: '15/QĐ-UBND', tsaUrl: tsa.url })).pdf);
    }
  });

  after(async () => {
    await pki?.close();
    await tsa?.close();
  });

  beforeEach(() => clearOcspCache());

  const verify = (leaf: Leaf, extra: Partial<VerifyOptions> = {}): Promise<VerifyReport> =>
    verifyPdf(signed[leaf], { trustRoots: [readFileSync(pki.caPem)], ocsp: { timeoutMs: 3000 }, ...extra });

  it('takes "good" from the delegated responder (id-kp-OCSPSigning) as not revoked', async () => {
    const r = await verify('good');
    expect(r.verdict, r.message).to.equal('valid');
    expect(r.message).to.equal('Tất cả 1 chữ ký số hợp lệ');
    expect(r.signatures[0]).to.include({ revoked: false, revocationSource: 'ocsp' });
    expect(r.signatures[0]!.revocationNote).to.equal(undefined);
  });

  it('takes "good" from a responder that is the CA itself', async () => {
    const r = await verify('direct');
    expect(r.verdict, r.message).to.equal('valid');
    expect(r.signatures[0]).to.include({ revoked: false, revocationSource: 'ocsp' });
  });

  it('calls a certificate the responder says is revoked (before signing, no trusted time) invalid', async () => {
    const r = await verify('revoked');
    expect(r.verdict).to.equal('invalid');
    expect(r.signatures[0]).to.include({ revoked: true, revocationSource: 'ocsp', valid: false });
    expect(r.signatures[0]!.problems).to.include('Chứng thư số đã bị thu hồi');
  });

  it('applies the CRL time rule: revoked after a trusted timestamp is good for that signature, before it is not', async () => {
    const opts = { trustRoots: [readFileSync(pki.caPem), read('root-ca.pem')], ocsp: { timeoutMs: 3000 } };
    const later = await verifyPdf(timestamped.revokedLater!, opts);
    expect(later.signatures[0]).to.include({ timestamped: true, signingTimeSource: 'timestamp', revoked: false, revocationSource: 'ocsp' });
    expect(later.verdict, later.message).to.equal('valid');
    const before = await verifyPdf(timestamped.revoked!, opts);
    expect(before.signatures[0]).to.include({ timestamped: true, revoked: true, revocationSource: 'ocsp' });
    // Without a trusted time, the claimed time proves nothing: revoked is revoked.
    expect((await verify('revokedLater')).signatures[0]).to.include({ revoked: true, revocationSource: 'ocsp' });
  });

  it('reports "unknown" as revocation not checked, naming the responder', async () => {
    const r = await verify('unknown');
    expect(r.signatures[0]).to.include({ revoked: null, revocationSource: 'ocsp' });
    expect(r.signatures[0]!.revocationNote).to.match(/^máy chủ OCSP http:\/\/127\.0\.0\.1:\d+\/ không biết chứng thư số này \(trạng thái "unknown"\)$/);
    expect(r.verdict).to.equal('valid');
    expect(r.message).to.match(/^Tất cả 1 chữ ký số hợp lệ \(chưa kiểm tra được tình trạng thu hồi: máy chủ OCSP .* không biết chứng thư số này/);
  });

  it('refuses an answer signed by a certificate the CA issued without id-kp-OCSPSigning', async () => {
    const r = await verify('undelegated');
    expect(r.signatures[0]).to.include({ revoked: null, revocationSource: 'none' });
    expect(r.signatures[0]!.revocationNote).to.match(/không được ký bởi đơn vị cấp hoặc máy chủ OCSP được đơn vị cấp ủy quyền$/);
  });

  it('refuses a replayed answer: the nonce of the first request does not match the next one', async () => {
    const first = await verify('replayed');
    expect(first.signatures[0]).to.include({ revoked: false, revocationSource: 'ocsp' });
    clearOcspCache();
    const again = await verify('replayed');
    expect(again.signatures[0]).to.include({ revoked: null, revocationSource: 'none' });
    expect(again.signatures[0]!.revocationNote).to.match(/không khớp yêu cầu \(nonce\)$/);
  });

  it('follows no redirect and reads no oversized answer: the URL comes from a certificate', async () => {
    const moved = await verify('redirected');
    expect(moved.signatures[0]).to.include({ revoked: null, revocationSource: 'none' });
    expect(moved.signatures[0]!.revocationNote).to.match(/^máy chủ OCSP http:\/\/127\.0\.0\.1:\d+\/ trả lỗi HTTP 307$/);
    const big = await verify('oversized');
    expect(big.signatures[0]).to.include({ revoked: null, revocationSource: 'none' });
    expect(big.signatures[0]!.revocationNote).to.match(/^phản hồi của máy chủ OCSP http:\/\/127\.0\.0\.1:\d+\/ quá lớn$/);
  });

  it('says revocation could not be checked when the responder is down', async () => {
    const r = await verify('down');
    expect(r.signatures[0]).to.include({ revoked: null, revocationSource: 'none' });
    expect(r.signatures[0]!.revocationNote).to.match(/^không kết nối được máy chủ OCSP http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(r.message).to.match(/\(chưa kiểm tra được tình trạng thu hồi: không kết nối được máy chủ OCSP/);
  });

  it('gives up on a responder that does not answer after the configured timeout', async () => {
    const before = pki.silentConnections();
    const r = await verify('silent', { ocsp: { timeoutMs: 400 } });
    expect(pki.silentConnections()).to.equal(before + 1);
    expect(r.signatures[0]!.revocationNote).to.match(/không trả lời trong 400 ms$/);
    expect(r.signatures[0]!.revocationSource).to.equal('none');
  });

  it('asks no responder when OCSP is turned off', async () => {
    const before = pki.silentConnections();
    const r = await verify('silent', { ocsp: { enabled: false } });
    expect(pki.silentConnections()).to.equal(before);
    expect(r.signatures[0]).to.include({ revoked: null, revocationSource: 'none' });
    expect(r.message).to.equal('Tất cả 1 chữ ký số hợp lệ (chưa kiểm tra thu hồi: không có CRL của đơn vị cấp)');
  });

  it('asks no responder when a CRL of the issuer answers, and reports the CRL as the source', async () => {
    const before = pki.silentConnections();
    const crls = [readFileSync(pki.crlPem)];
    const silent = await verify('silent', { crls });
    expect(pki.silentConnections()).to.equal(before);
    expect(silent.signatures[0]).to.include({ revoked: false, revocationSource: 'crl' });
    const revoked = await verify('revoked', { crls });
    expect(revoked.signatures[0]).to.include({ revoked: true, revocationSource: 'crl' });
  });

  it('prints the source of the revocation answer in `vanthu verify --json`, and asks none with --no-ocsp', () => {
    const file = join(dir, 'good.pdf');
    writeFileSync(file, signed.good);
    const run = (...extra: string[]) => spawnSync(join(repoRoot, 'bin/vanthu.mjs'), ['verify', '--in', file, '--trust', pki.caPem, '--json', ...extra], { cwd: repoRoot, encoding: 'utf8' });
    const withOcsp = run('--ocsp-timeout', '3000');
    expect(withOcsp.status, withOcsp.stdout + withOcsp.stderr).to.equal(0);
    expect(JSON.parse(withOcsp.stdout.split('\n')[0]!)).to.include({ revoked: false, revocationSource: 'ocsp' });
    const without = run('--no-ocsp');
    expect(without.status, without.stdout + without.stderr).to.equal(0);
    expect(JSON.parse(without.stdout.split('\n')[0]!)).to.include({ revoked: null, revocationSource: 'none' });
    const bad = run('--ocsp-timeout', 'nhanh');
    expect(bad.status).to.equal(1);
    expect(bad.stderr).to.include('--ocsp-timeout phải là số nguyên');
  });

  it('keeps an answer until its nextUpdate: the stopped responder is not asked again', async () => {
    expect((await verify('good')).signatures[0]!.revocationSource).to.equal('ocsp');
    await pki.stopMainResponder();
    const cached = await verify('good');
    expect(cached.signatures[0]).to.include({ revoked: false, revocationSource: 'ocsp' });
    clearOcspCache();
    const asked = await verify('good');
    expect(asked.signatures[0]).to.include({ revoked: null, revocationSource: 'none' });
    expect(asked.signatures[0]!.revocationNote).to.match(/^không kết nối được máy chủ OCSP/);
  });
});

describe('OCSP configuration', () => {
  it('reads OCSP_ENABLED and OCSP_TIMEOUT_MS (on, 5000 ms by default)', () => {
    expect(loadConfig({}).ocsp).to.deep.equal({ enabled: true, timeoutMs: 5000 });
    expect(loadConfig({ OCSP_ENABLED: 'false', OCSP_TIMEOUT_MS: '800' }).ocsp).to.deep.equal({ enabled: false, timeoutMs: 800 });
  });

  it('refuses a timeout that is not a whole number of milliseconds in range', () => {
    expect(() => loadConfig({ OCSP_TIMEOUT_MS: '10' })).to.throw(ConfigError, /OCSP_TIMEOUT_MS/);
    expect(() => loadConfig({ OCSP_ENABLED: 'có lẽ' })).to.throw(ConfigError, /OCSP_ENABLED/);
  });
});

describe('The revocation line of a stored signature on the document page', () => {
  it('names the source of the answer, the reason it is missing, and reads verdicts stored before OCSP', () => {
    expect(revocationLabel({ revoked: false, revocationSource: 'ocsp' })).to.equal('chưa bị thu hồi (kiểm tra qua OCSP)');
    expect(revocationLabel({ revoked: true, revocationSource: 'crl' })).to.equal('đã bị thu hồi (theo CRL)');
    expect(revocationLabel({ revoked: null, revocationSource: 'none', revocationNote: 'không kết nối được máy chủ OCSP http://ocsp.example/' })).to.equal('chưa kiểm tra được: không kết nối được máy chủ OCSP http://ocsp.example/');
    expect(revocationLabel({ revoked: null, revocationSource: 'none' })).to.equal('chưa kiểm tra (không có CRL hay OCSP của đơn vị cấp)');
    // Stored before this change: no source.
    expect(revocationLabel({ revoked: false })).to.equal('chưa bị thu hồi');
  });
});
