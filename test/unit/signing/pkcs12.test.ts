import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../../server/errors.ts';
import { loadPkcs12, loadPkcs12WithPkijs, type LocalKeySource } from '../../../server/signing/key-source.ts';
import { openPkcs12, Pkcs12Unsupported, Pkcs12WrongPassphrase } from '../../../server/signing/pkcs12.ts';
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

describe('PKCS#12 opened with node:crypto (pkcs12.ts)', function () {
  this.timeout(60_000);
  const samples = ['agencies', 'persons', 'invalid'].flatMap((d) =>
    readdirSync(join(CERTS, d))
      .filter((f) => f.endsWith('.p12'))
      .map((f) => `${d}/${f}`),
  );

  it('reads every sample file itself and gets the same key and ordered chain as the pkijs reader', async () => {
    expect(samples.length).to.be.greaterThan(5);
    for (const rel of samples) {
      expect(() => openPkcs12(read(rel), PASS), rel).not.to.throw();
      const fast = await loadPkcs12(read(rel), PASS);
      const slow = await loadPkcs12WithPkijs(read(rel), PASS);
      expect(keyDer(fast).equals(keyDer(slow)), rel).to.equal(true);
      expect(chainOf(fast).map((c) => c.toString('hex')), rel).to.deep.equal(chainOf(slow).map((c) => c.toString('hex')));
    }
  });

  it('refuses a wrong passphrase and a file whose MAC was tampered with, in Vietnamese', async () => {
    const p12 = read('persons/nguyen-thi-lap-lanh-anh.p12');
    expect(() => openPkcs12(p12, 'sai')).to.throw(Pkcs12WrongPassphrase);
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

    it('opens the OpenSSL 3 default (PBES2/AES-256, SHA-256 MAC) with a Vietnamese passphrase, and the 3DES/SHA-1 legacy export', async () => {
      ossl(['pkcs12', '-in', cert('agencies/van-phong-chinh-phu.p12'), '-passin', `pass:${PASS}`, '-nodes', '-out', pem]);
      const expected = await keyOf('agencies/van-phong-chinh-phu.p12');
      const cases: [string, string, string[]][] = [
        ['default.p12', 'Mật khẩu thử ĐĂNG', []],
        ['3des.p12', 'abc123', ['-keypbe', 'PBE-SHA1-3DES', '-certpbe', 'PBE-SHA1-3DES', '-macalg', 'sha1']],
        ['plain-certs.p12', 'abc123', ['-certpbe', 'NONE']],
      ];
      for (const [name, pass, extra] of cases) {
        const file = join(dir, name);
        ossl(['pkcs12', '-export', '-in', pem, '-out', file, '-passout', `pass:${pass}`, ...extra]);
        const opened = openPkcs12(readFileSync(file), pass);
        expect(opened.certs, name).to.have.length(3);
        const k = await loadPkcs12(readFileSync(file), pass);
        expect(keyDer(k).equals(keyDer(expected)), name).to.equal(true);
        expect(chainOf(k).map((c) => c.toString('hex')), name).to.deep.equal(chainOf(expected).map((c) => c.toString('hex')));
        await wrongPassphrase(loadPkcs12(readFileSync(file), `${pass}x`));
      }
    });

    it('hands what it does not read (RC2-40 certificates of -legacy) to the pkijs reader, which answers as before', async function () {
      const file = join(dir, 'legacy.p12');
      try {
        ossl(['pkcs12', '-export', '-legacy', '-in', pem, '-out', file, '-passout', 'pass:abc123']);
      } catch {
        console.log('    (this OpenSSL cannot write -legacy files: case not run)');
        this.skip();
      }
      expect(() => openPkcs12(readFileSync(file), 'abc123')).to.throw(Pkcs12Unsupported);
      const viaFallback = await loadPkcs12(readFileSync(file), 'abc123').then(
        () => 'opened',
        (e: unknown) => (e instanceof AppError ? e.message : String(e)),
      );
      const viaPkijs = await loadPkcs12WithPkijs(readFileSync(file), 'abc123').then(
        () => 'opened',
        (e: unknown) => (e instanceof AppError ? e.message : String(e)),
      );
      expect(viaFallback).to.equal(viaPkijs);
    });
  });
});
