import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../../server/errors.ts';
import { loadPkcs12, loadPkcs12WithPkijs, type LocalKeySource } from '../../../server/signing/key-source.ts';
import { openPkcs12, Pkcs12LegacyEncryption, Pkcs12WrongPassphrase } from '../../../server/signing/pkcs12.ts';
import { CERTS, PASS, cert, has, read, tmp } from './helpers.ts';

type Opened = { privateKey: { export(o: object): Buffer }; chain: Buffer[] };
const keyDer = (k: LocalKeySource) => (k as unknown as Opened).privateKey.export({ format: 'der', type: 'pkcs8' });
const chainOf = (k: LocalKeySource) => (k as unknown as Opened).chain;

async function wrongPassphrase(p: Promise<unknown>): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).to.be.instanceOf(AppError);
  expect((e as AppError).message).to.equal('Mật khẩu chứng thư số không đúng');
}

describe('PKCS#12 opened by pkcs12.ts (pkijs structures, OpenSSL MAC and key, node:crypto PBES2)', function () {
  this.timeout(60_000);
  const samples = ['agencies', 'persons', 'invalid'].flatMap((d) =>
    readdirSync(join(CERTS, d))
      .filter((f) => f.endsWith('.p12'))
      .map((f) => `${d}/${f}`),
  );

  it('reads every sample file itself and gets the same key and ordered chain as the pkijs reader', async () => {
    expect(samples.length).to.be.greaterThan(5);
    for (const rel of samples) {
      expect((await openPkcs12(read(rel), PASS)).certs.length, rel).to.be.greaterThan(1);
      const fast = await loadPkcs12(read(rel), PASS);
      const slow = await loadPkcs12WithPkijs(read(rel), PASS);
      expect(keyDer(fast).equals(keyDer(slow)), rel).to.equal(true);
      expect(chainOf(fast).map((c) => c.toString('hex')), rel).to.deep.equal(chainOf(slow).map((c) => c.toString('hex')));
    }
  });

  it('refuses a wrong passphrase and a file whose MAC was tampered with, in Vietnamese', async () => {
    const p12 = read('persons/nguyen-thi-lap-lanh-anh.p12');
    expect(await openPkcs12(p12, 'sai').catch((e: unknown) => e)).to.be.instanceOf(Pkcs12WrongPassphrase);
    await wrongPassphrase(loadPkcs12(p12, 'sai'));
    const tampered = Buffer.from(p12);
    tampered[tampered.length - 40]! ^= 0x01; // in the MAC data at the end of the file
    await wrongPassphrase(loadPkcs12(tampered, PASS));
    // A file that is not PKCS#12 at all: the same message as before (from the pkijs reader).
    const e = await loadPkcs12(Buffer.from('not a p12'), PASS).catch((err: unknown) => err);
    expect(e).to.be.instanceOf(AppError);
    expect((e as AppError).message).to.equal('Tệp chứng thư số (PKCS#12) không đọc được');
  });

  describe('files written by OpenSSL', function () {
    before(function () {
      if (!has('openssl')) {
        console.log('    (openssl not installed: OpenSSL-written PKCS#12 cases not run)');
        this.skip();
      }
    });
    const dir = tmp();
    const pem = join(dir, 'all.pem');
    const ossl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const keyOf = (rel: string) => loadPkcs12WithPkijs(read(rel), PASS);

    it('opens the OpenSSL 3 default (PBES2/AES-256, SHA-256 MAC) with a Vietnamese passphrase, a 3DES key with AES certificates, and unencrypted certificates', async () => {
      ossl(['pkcs12', '-in', cert('agencies/van-phong-chinh-phu.p12'), '-passin', `pass:${PASS}`, '-nodes', '-out', pem]);
      const expected = await keyOf('agencies/van-phong-chinh-phu.p12');
      const cases: [string, string, string[]][] = [
        ['default.p12', 'Mật khẩu thử ĐĂNG', []],
        ['3des-key.p12', 'Mật khẩu cũ', ['-keypbe', 'PBE-SHA1-3DES', '-macalg', 'sha1']],
        ['plain-certs.p12', 'abc123', ['-certpbe', 'NONE']],
      ];
      for (const [name, pass, extra] of cases) {
        const file = join(dir, name);
        ossl(['pkcs12', '-export', '-in', pem, '-out', file, '-passout', `pass:${pass}`, ...extra]);
        const opened = await openPkcs12(readFileSync(file), pass);
        expect(opened.certs, name).to.have.length(3);
        const k = await loadPkcs12(readFileSync(file), pass);
        expect(keyDer(k).equals(keyDer(expected)), name).to.equal(true);
        expect(chainOf(k).map((c) => c.toString('hex')), name).to.deep.equal(chainOf(expected).map((c) => c.toString('hex')));
        await wrongPassphrase(loadPkcs12(readFileSync(file), `${pass}x`));
      }
    });

    it('asks for a new export, in Vietnamese, when the certificates are under a PKCS#12 PBE (3DES, or RC2 of -legacy)', async function () {
      const cases: [string, string[]][] = [['3des-all.p12', ['-keypbe', 'PBE-SHA1-3DES', '-certpbe', 'PBE-SHA1-3DES', '-macalg', 'sha1']]];
      try {
        ossl(['pkcs12', '-export', '-legacy', '-in', pem, '-out', join(dir, 'legacy.p12'), '-passout', 'pass:abc123']);
        cases.push(['legacy.p12', []]);
      } catch {
        console.log('    (this OpenSSL cannot write -legacy files: RC2 case not run)');
      }
      for (const [name, extra] of cases) {
        const file = join(dir, name);
        if (extra.length) ossl(['pkcs12', '-export', '-in', pem, '-out', file, '-passout', 'pass:abc123', ...extra]);
        expect(await openPkcs12(readFileSync(file), 'abc123').catch((e: unknown) => e), name).to.be.instanceOf(Pkcs12LegacyEncryption);
        const e = await loadPkcs12(readFileSync(file), 'abc123').catch((err: unknown) => err);
        expect(e, name).to.be.instanceOf(AppError);
        expect((e as AppError).message, name).to.match(/thuật toán cũ \(3DES hoặc RC2\).*AES-256/);
        // The wrong passphrase is still told apart: the MAC is checked first.
        await wrongPassphrase(loadPkcs12(readFileSync(file), 'abc124'));
      }
    });
  });
});
