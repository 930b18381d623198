import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeDecree30Pdf } from '../../fixtures/signing/decree30-pdf.ts';
import { PASS, cert, repoRoot, tmp } from './helpers.ts';

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
});
