import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { assertTransparentPng, certificateDetails, decryptSecret, encryptSecret } from '../../server/services/credential.service.ts';
import { CERTS } from './signing/helpers.ts';
import { pemOrDerBlocks } from '../../server/signing/pki-util.ts';

describe('signing credentials at rest', () => {
  const key = randomBytes(32);

  it('encrypts with AES-256-GCM: a fresh IV each time, and the plaintext comes back only with the right key', () => {
    const secret = Buffer.from('PKCS#12 bytes');
    const a = encryptSecret(key, secret);
    const b = encryptSecret(key, secret);
    expect(a.equals(b)).to.equal(false);
    expect(a.includes(secret)).to.equal(false);
    expect(decryptSecret(key, a).equals(secret)).to.equal(true);
    expect(() => decryptSecret(randomBytes(32), a)).to.throw(/Không giải mã được/);
  });

  it('refuses a ciphertext altered by one bit (authenticated encryption)', () => {
    const sealed = encryptSecret(key, Buffer.from('khóa bí mật'));
    sealed[sealed.length - 1]! ^= 1;
    expect(() => decryptSecret(key, sealed)).to.throw(/Không giải mã được/);
  });

  it('refuses a credential key that is not 32 bytes', () => {
    expect(() => encryptSecret(randomBytes(16), Buffer.from('x'))).to.throw(/CREDENTIAL_KEY/);
  });

  it('reads subject, issuer, validity and key usage of a certificate with Vietnamese names', () => {
    const der = pemOrDerBlocks(readFileSync(join(CERTS, 'persons/nguyen-thi-lap-lanh-anh.pem')))[0]!;
    const d = certificateDetails(der);
    expect(d.subject).to.contain('Nguyễn Thị Lấp Lánh Ánh');
    expect(d.issuer).to.contain('Test CA phục vụ các cơ quan Nhà nước G2');
    expect(d.keyUsage).to.include('digitalSignature');
    expect(d.notAfter.getTime()).to.be.greaterThan(d.notBefore.getTime());
    const noSign = certificateDetails(pemOrDerBlocks(readFileSync(join(CERTS, 'invalid/hoang-van-khong-ky.pem')))[0]!);
    expect(noSign.keyUsage).to.deep.equal(['keyEncipherment']);
  });

  it('accepts the sample signature and seal images, refuses an opaque PNG', () => {
    expect(() => assertTransparentPng(readFileSync(join(CERTS, 'images/signature-nguyen-thi-lap-lanh-anh.png')))).not.to.throw();
    expect(() => assertTransparentPng(readFileSync(join(CERTS, 'images/seal-uy-ban-nhan-dan-tinh-nghe-an.png')))).not.to.throw();
    const opaque = new PNG({ width: 2, height: 2 });
    expect(() => assertTransparentPng(PNG.sync.write(opaque, { colorType: 2 }))).to.throw(/nền trong suốt/);
  });
});
