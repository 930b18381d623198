import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeDecree30Pdf } from '../../fixtures/signing/decree30-pdf.ts';
import { PASS, cert, has, nssDbWithTestRoot, pdfsig, repoRoot, tmp } from './helpers.ts';

const vanthu = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(join(repoRoot, 'bin/vanthu.mjs'), args, { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, ...env } });

describe('The vanthu signing commands', function () {
  // Each step spawns the CLI through tsx (a few seconds each on a busy 2-core machine).
  this.timeout(240_000);
  const dir = tmp();

  it('signs as leader, numbers and seals as agency, then verify --json prints one line per signature and exits 0', async () => {
    writeFileSync(join(dir, 'a.pdf'), await makeDecree30Pdf());
    const env = { VT_PASS: PASS };
    const leader = vanthu(['sign', '--in', join(dir, 'a.pdf'), '--out', join(dir, 'b.pdf'), '--p12', cert('persons/nguyen-thi-lap-lanh-anh.p12'), '--passphrase-env', 'VT_PASS', '--as', 'leader', '--position', 'CHỦ TỊCH'], env);
    expect(leader.status, leader.stderr).to.equal(0);
    const agency = vanthu(['sign', '--in', join(dir, 'b.pdf'), '--out', join(dir, 'c.pdf'), '--p12', cert('agencies/uy-ban-nhan-dan-tinh-nghe-an.p12'), '--passphrase-env', 'VT_PASS', '--as', 'agency', '--number', '15/QĐ-UBND', '--date', '2026-12-05'], env);
    expect(agency.status, agency.stderr).to.equal(0);
    const verify = vanthu(['verify', '--in', join(dir, 'c.pdf'), '--trust', cert('root-ca.pem'), '--crl', cert('crl/issuing-ca.crl'), '--json']);
    expect(verify.status, verify.stdout + verify.stderr).to.equal(0);
    const lines = verify.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).to.have.length(3);
    expect(lines[0]).to.include({ signerName: 'Nguyễn Thị Lấp Lánh Ánh', valid: true });
    expect(lines[2]).to.include({ verdict: 'valid', count: 2 });
    const untrusted = vanthu(['verify', '--in', join(dir, 'c.pdf'), '--json']);
    expect(untrusted.status).to.equal(1);
  });

  it('generates a sample PKI with `certs sample --out DIR`', () => {
    const out = join(dir, 'pki');
    const r = vanthu(['certs', 'sample', '--out', out]);
    expect(r.status, r.stderr).to.equal(0);
    for (const f of ['root-ca.pem', 'issuing-ca.pem', 'crl/issuing-ca.crl', 'persons/nguyen-thi-lap-lanh-anh.p12', 'images/seal-uy-ban-nhan-dan-tinh-nghe-an.png', 'manifest.json']) {
      expect(existsSync(join(out, f)), f).to.equal(true);
    }
  });

  it('refuses to sign with a certificate revoked in the given CRL', () => {
    const r = vanthu(['sign', '--in', join(dir, 'a.pdf'), '--out', join(dir, 'r.pdf'), '--p12', cert('invalid/pham-thi-thu-hoi.p12'), '--passphrase-env', 'VT_PASS', '--as', 'attachment', '--notation', '15/QĐ-UBND', '--crl', cert('crl/issuing-ca.crl')], { VT_PASS: PASS });
    expect(r.status).to.equal(1);
    expect(r.stderr).to.include('đã bị thu hồi');
    expect(existsSync(join(dir, 'r.pdf'))).to.equal(false);
  });

  it('refuses a wrong passphrase with a Vietnamese message, exit 1 and no output file', () => {
    const before = readFileSync(join(dir, 'a.pdf'));
    const r = vanthu(['sign', '--in', join(dir, 'a.pdf'), '--out', join(dir, 'x.pdf'), '--p12', cert('persons/nguyen-thi-lap-lanh-anh.p12'), '--passphrase-env', 'VT_WRONG', '--as', 'leader'], { VT_WRONG: 'sai' });
    expect(r.status).to.equal(1);
    expect(r.stderr).to.include('Mật khẩu chứng thư số không đúng');
    expect(existsSync(join(dir, 'x.pdf'))).to.equal(false);
    expect(readFileSync(join(dir, 'a.pdf')).equals(before)).to.equal(true);
  });

  it('runs sign/verify from a cached bundle (with its V8 code cache) that is rebuilt when one of its sources changes', async () => {
    const cache = join(dir, 'cli-cache');
    const env = { VANTHU_CLI_CACHE: cache };
    writeFileSync(join(dir, 'u.pdf'), await makeDecree30Pdf());
    const first = vanthu(['verify', '--in', join(dir, 'u.pdf'), '--json'], env);
    expect(first.status).to.equal(1); // unsigned: not "valid"
    expect(first.stdout).to.include('"verdict":"unsigned"');
    const bundle = join(cache, 'signing-main.cjs');
    expect(existsSync(bundle)).to.equal(true);
    // Written when the first run exits, read by the next ones.
    expect(existsSync(`${bundle}.verify.v8cache`), 'code cache').to.equal(true);
    const codeCache = statSync(`${bundle}.verify.v8cache`).mtimeMs;
    const inputs = (JSON.parse(readFileSync(join(cache, 'inputs.json'), 'utf8')) as { inputs: [string, string][] }).inputs.map(([p]) => p);
    const source = join(repoRoot, 'server/signing/vn-format.ts');
    expect(inputs).to.include(source);
    const built = statSync(bundle).mtimeMs;
    const again = vanthu(['verify', '--in', join(dir, 'u.pdf'), '--json'], env);
    expect(again.status).to.equal(1);
    expect(statSync(bundle).mtimeMs, 'fresh bundle reused').to.equal(built);
    expect(statSync(`${bundle}.verify.v8cache`).mtimeMs, 'code cache accepted, not rewritten').to.equal(codeCache);
    const s = statSync(source);
    utimesSync(source, s.atime, new Date(Date.now() + 2000));
    const rebuilt = vanthu(['verify', '--in', join(dir, 'u.pdf'), '--json'], env);
    expect(rebuilt.status).to.equal(1);
    expect(statSync(bundle).mtimeMs, 'stale bundle rebuilt').to.be.greaterThan(built);
  });

  describe('through the npm bin (bin/vanthu) and its startup snapshot', () => {
    const cache = join(dir, 'snapshot-cache');
    // Linked the way npm links a bin; no NODE_OPTIONS, which makes the launcher leave the snapshot alone.
    const links = join(dir, 'links');
    const launcher = (args: string[], env: Record<string, string> = {}) => {
      const e: Record<string, string | undefined> = { ...process.env, VANTHU_CLI_CACHE: cache, ...env };
      delete e.NODE_OPTIONS;
      return spawnSync(join(links, 'vanthu'), args, { cwd: dir, encoding: 'utf8', env: e });
    };
    const blobs = () => readdirSync(cache).filter((f) => /^signing-.*\.blob$/.test(f));

    before(async () => {
      mkdirSync(links);
      symlinkSync(join(repoRoot, 'bin', 'vanthu'), join(links, 'vanthu'));
      writeFileSync(join(dir, 's.pdf'), await makeDecree30Pdf());
    });

    it('signs from the snapshot (not through bin/vanthu.mjs), and pdfsig finds the signature valid and trusted', function () {
      // The first signing command builds the bundle and the snapshot for this Node binary.
      const first = launcher(['verify', '--in', join(dir, 's.pdf'), '--json']);
      expect(first.status, first.stderr).to.equal(1);
      expect(blobs(), readdirSync(cache).join(', ')).to.have.length(1);
      const sign = launcher(['sign', '--in', join(dir, 's.pdf'), '--out', join(dir, 's-signed.pdf'), '--p12', cert('agencies/van-phong-chinh-phu.p12'), '--passphrase-env', 'VT_PASS', '--as', 'attachment', '--notation', '15/QĐ-UBND'], { VT_PASS: PASS });
      expect(sign.status, sign.stderr).to.equal(0);
      expect(sign.stdout).to.match(/^Đã ký: .*s-signed\.pdf \(trường DinhKem_/);
      // bin/vanthu.mjs writes a V8 code cache for each command it runs from the bundle: none for sign.
      expect(existsSync(join(cache, 'signing-main.cjs.sign.v8cache')), 'sign ran through bin/vanthu.mjs').to.equal(false);
      const verify = launcher(['verify', '--in', join(dir, 's-signed.pdf'), '--trust', cert('root-ca.pem'), '--json']);
      expect(verify.status, verify.stdout + verify.stderr).to.equal(0);
      expect(verify.stdout).to.include('"signerName":"Văn phòng Chính phủ"');
      if (!has('pdfsig') || !has('certutil')) {
        console.log('      (pdfsig/certutil not installed: the pdfsig check is not run)');
        return;
      }
      const report = pdfsig(join(dir, 's-signed.pdf'), nssDbWithTestRoot(join(dir, 'pdfsig')));
      expect(report).to.include('Signature is Valid.');
      expect(report).to.include('Certificate is Trusted.');
    });

    it('signs as leader and numbers as agency from the snapshot, where pdfjs (an ES module) finds the text lines', () => {
      const env = { VT_PASS: PASS };
      const leader = launcher(['sign', '--in', join(dir, 's.pdf'), '--out', join(dir, 's-leader.pdf'), '--p12', cert('persons/nguyen-thi-lap-lanh-anh.p12'), '--passphrase-env', 'VT_PASS', '--as', 'leader'], env);
      expect(leader.status, leader.stderr).to.equal(0);
      expect(leader.stderr, 'no warning on stderr').to.equal('');
      const agency = launcher(['sign', '--in', join(dir, 's-leader.pdf'), '--out', join(dir, 's-agency.pdf'), '--p12', cert('agencies/uy-ban-nhan-dan-tinh-nghe-an.p12'), '--passphrase-env', 'VT_PASS', '--as', 'agency', '--number', '15/QĐ-UBND', '--date', '2026-12-05'], env);
      expect(agency.status, agency.stderr).to.equal(0);
      expect(existsSync(join(cache, 'signing-main.cjs.sign.v8cache')), 'sign ran through bin/vanthu.mjs').to.equal(false);
      const verify = launcher(['verify', '--in', join(dir, 's-agency.pdf'), '--trust', cert('root-ca.pem'), '--crl', cert('crl/issuing-ca.crl'), '--json']);
      expect(verify.status, verify.stdout + verify.stderr).to.equal(0);
      expect(verify.stdout).to.include('"verdict":"valid"').and.include('"count":2');
    });

    it('rebuilds the snapshot when one of its sources changed instead of running the stale one', () => {
      const [blob] = blobs();
      expect(blob).to.be.a('string');
      const before = statSync(join(cache, blob!)).mtimeMs;
      const source = join(repoRoot, 'server/signing/vn-format.ts');
      const s = statSync(source);
      // An older mtime than before: a file saved during a build (mtime after its start) is rebuilt on every run.
      utimesSync(source, s.atime, new Date(Math.min(s.mtimeMs, Date.now()) - 5000));
      const r = launcher(['verify', '--in', join(dir, 's.pdf'), '--json']);
      expect(r.status, r.stderr).to.equal(1);
      expect(r.stdout).to.include('"verdict":"unsigned"');
      expect(blobs()).to.deep.equal([blob]);
      expect(statSync(join(cache, blob!)).mtimeMs, 'snapshot rebuilt').to.be.greaterThan(before);
      // The rebuilt snapshot records the new mtime: the next run starts from it without a rebuild.
      const rebuilt = statSync(join(cache, blob!)).mtimeMs;
      const again = launcher(['verify', '--in', join(dir, 's.pdf'), '--json']);
      expect(again.status).to.equal(1);
      expect(statSync(join(cache, blob!)).mtimeMs).to.equal(rebuilt);
    });
  });
});
