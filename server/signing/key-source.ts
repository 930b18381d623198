// Key sources: where the signer's private key lives. The PDF code only needs the certificate chain
// and a function that signs the DER of the CMS signed attributes (STYLE.md §10: P12 file now, USB
// token / remote signing later). The PKCS#12 passphrase is used once here and never stored or logged.
import { createPrivateKey, createPublicKey, sign as nodeSign, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { AppError } from '../errors.ts';
import { ensurePkijsEngine, parseCertificate, pemOrDerBlocks, toArrayBuffer, keyUsageOf, readName } from './pki-util.ts';
import { openPkcs12, Pkcs12LegacyEncryption, Pkcs12Unsupported, Pkcs12WrongPassphrase } from './pkcs12.ts';

ensurePkijsEngine();

export interface SignerCertificateInfo {
  commonName: string;
  organization?: string;
  title?: string;
  notBefore: Date;
  notAfter: Date;
  serialHex: string;
}

export interface KeySource {
  /** DER certificates: the signer first, then its issuers (the root may be included). */
  certificateChain(): Promise<Buffer[]>;
  /**
   * Signs `signedAttributesDer` (the DER SET of CMS signed attributes) with SHA-256 and returns the
   * signature value: PKCS#1 v1.5 for RSA, DER ECDSA-Sig-Value for EC (RFC 5652 §5.4, RFC 5753).
   */
  sign(signedAttributesDer: Buffer): Promise<Buffer>;
}

/** A key held in this process (decrypted from a PKCS#12 file). */
export class LocalKeySource implements KeySource {
  constructor(
    private readonly privateKey: KeyObject,
    private readonly chain: Buffer[],
  ) {}
  async certificateChain(): Promise<Buffer[]> {
    return this.chain;
  }
  async sign(signedAttributesDer: Buffer): Promise<Buffer> {
    return nodeSign('sha256', signedAttributesDer, this.privateKey);
  }
}

/** Wraps any async signing function, e.g. a token in another process or a remote signing service. */
export class CallbackKeySource implements KeySource {
  constructor(
    private readonly chain: Buffer[],
    private readonly signFn: (signedAttributesDer: Buffer) => Promise<Uint8Array>,
  ) {}
  async certificateChain(): Promise<Buffer[]> {
    return this.chain;
  }
  async sign(signedAttributesDer: Buffer): Promise<Buffer> {
    return Buffer.from(await this.signFn(signedAttributesDer));
  }
}

const P12_WRONG = 'Mật khẩu chứng thư số không đúng';
const P12_LEGACY =
  'Tệp PKCS#12 mã hóa chứng thư số bằng thuật toán cũ (3DES hoặc RC2). Hãy xuất lại tệp với mã hóa AES-256 (Windows: chọn “AES256-SHA256”; OpenSSL 3: mặc định) rồi tải lên lại';

/**
 * Opens a PKCS#12 (.p12/.pfx) file. Supports PBES2 (AES/3DES via PBKDF2) as written by OpenSSL 3,
 * Windows and our sample generator; a key under the PKCS#12 3DES PBE of older exports, but not
 * certificates under it (a clear message asks for a new export). Wrong passphrase →
 * AppError('validation'). pkcs12.ts reads the usual files (pkijs for the structures and the MAC,
 * OpenSSL for the key, node:crypto for PBES2 certificate bags); what it does not know goes through
 * pkijs alone (loadPkcs12WithPkijs).
 */
export async function loadPkcs12(p12: Uint8Array, passphrase: string): Promise<LocalKeySource> {
  let opened: Awaited<ReturnType<typeof openPkcs12>>;
  try {
    opened = await openPkcs12(p12, passphrase.normalize('NFC'));
  } catch (e) {
    if (e instanceof Pkcs12WrongPassphrase) throw new AppError('validation', P12_WRONG);
    if (e instanceof Pkcs12LegacyEncryption) throw new AppError('unsupported', P12_LEGACY);
    if (e instanceof Pkcs12Unsupported) return loadPkcs12WithPkijs(p12, passphrase);
    throw e;
  }
  if (opened.certs.length === 0) throw new AppError('validation', 'Tệp PKCS#12 không chứa chứng thư số');
  const signerDer = opened.keyCert ?? findCertForKey(opened.certs, opened.privateKey);
  return new LocalKeySource(opened.privateKey, orderChain(signerDer, opened.certs));
}

/** The same through pkijs (WebCrypto): slower, kept for the PKCS#12 variants pkcs12.ts does not read. */
export async function loadPkcs12WithPkijs(p12: Uint8Array, passphrase: string): Promise<LocalKeySource> {
  const password = toArrayBuffer(Buffer.from(passphrase.normalize('NFC'), 'utf8'));
  let pfx: pkijs.PFX;
  try {
    pfx = pkijs.PFX.fromBER(toArrayBuffer(p12));
  } catch {
    throw new AppError('validation', 'Tệp chứng thư số (PKCS#12) không đọc được');
  }
  try {
    await pfx.parseInternalValues({ password, checkIntegrity: true });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/integrity|MAC|password/i.test(msg)) throw new AppError('validation', P12_WRONG);
    throw new AppError('unsupported', 'Định dạng tệp PKCS#12 không được hỗ trợ');
  }
  const safe = pfx.parsedValue?.authenticatedSafe;
  if (!safe) throw new AppError('validation', 'Tệp PKCS#12 không chứa dữ liệu');
  try {
    await safe.parseInternalValues({ safeContents: safe.safeContents.map(() => ({ password })) });
  } catch {
    throw new AppError('validation', P12_WRONG);
  }
  if (!safe.parsedValue) throw new AppError('validation', 'Tệp PKCS#12 không chứa dữ liệu');
  const certs: Buffer[] = [];
  let keyDer: Buffer | undefined;
  let keyId: Buffer | undefined;
  const certIds = new Map<string, Buffer>();
  for (const sc of safe.parsedValue.safeContents) {
    for (const bag of (sc.value as pkijs.SafeContents).safeBags) {
      const localId = bag.bagAttributes?.find((a) => a.type === '1.2.840.113549.1.9.21');
      const idHex = localId ? Buffer.from((localId.values[0] as asn1js.OctetString).valueBlock.valueHexView).toString('hex') : undefined;
      if (bag.bagId === '1.2.840.113549.1.12.10.1.2') {
        const shrouded = bag.bagValue as pkijs.PKCS8ShroudedKeyBag;
        try {
          // parseInternalValues is protected in the typings but is the documented way to decrypt the bag.
          await (shrouded as unknown as { parseInternalValues(p: { password: ArrayBuffer }): Promise<void> }).parseInternalValues({ password });
        } catch {
          throw new AppError('validation', P12_WRONG);
        }
        keyDer = Buffer.from(shrouded.parsedValue!.toSchema().toBER(false));
        keyId = idHex ? Buffer.from(idHex, 'hex') : undefined;
      } else if (bag.bagId === '1.2.840.113549.1.12.10.1.1') {
        keyDer = Buffer.from((bag.bagValue as pkijs.PrivateKeyInfo).toSchema().toBER(false));
        keyId = idHex ? Buffer.from(idHex, 'hex') : undefined;
      } else if (bag.bagId === '1.2.840.113549.1.12.10.1.3') {
        const cb = bag.bagValue as pkijs.CertBag;
        const cert = cb.parsedValue as pkijs.Certificate;
        const der = Buffer.from(cert.toSchema(true).toBER(false));
        certs.push(der);
        if (idHex) certIds.set(idHex, der);
      }
    }
  }
  if (!keyDer) throw new AppError('validation', 'Tệp PKCS#12 không chứa khóa bí mật');
  if (certs.length === 0) throw new AppError('validation', 'Tệp PKCS#12 không chứa chứng thư số');
  const privateKey = createPrivateKey({ key: keyDer, format: 'der', type: 'pkcs8' });
  const signerDer = (keyId && certIds.get(keyId.toString('hex'))) || findCertForKey(certs, privateKey);
  const chain = orderChain(signerDer, certs);
  return new LocalKeySource(privateKey, chain);
}

function findCertForKey(certs: Buffer[], key: KeyObject): Buffer {
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' }) as Buffer;
  for (const der of certs) {
    const c = parseCertificate(der);
    if (Buffer.from(c.subjectPublicKeyInfo.toSchema().toBER(false)).equals(spki)) return der;
  }
  throw new AppError('validation', 'Không tìm thấy chứng thư số ứng với khóa bí mật trong tệp PKCS#12');
}

/** Signer first, then each issuer found among `certs`. */
export function orderChain(signer: Buffer, certs: Buffer[]): Buffer[] {
  const parsed = certs.map((der) => ({ der, c: parseCertificate(der) }));
  const out = [signer];
  let current = parseCertificate(signer);
  for (let i = 0; i < 8; i++) {
    if (current.issuer.isEqual(current.subject)) break;
    const next = parsed.find((p) => p.c.subject.isEqual(current.issuer) && !out.some((o) => o.equals(p.der)));
    if (!next) break;
    out.push(next.der);
    current = next.c;
  }
  return out;
}

export function certificateInfo(der: Buffer): SignerCertificateInfo {
  const c = parseCertificate(der);
  const n = readName(c.subject);
  return {
    commonName: n.commonName ?? '',
    organization: n.organization,
    title: n.title,
    notBefore: c.notBefore.value,
    notAfter: c.notAfter.value,
    serialHex: Buffer.from(c.serialNumber.valueBlock.valueHexView).toString('hex'),
  };
}

/**
 * Refuses a certificate that cannot make a valid signature now: outside its validity period, without
 * digitalSignature/nonRepudiation key usage, or revoked according to the given CRLs. Law 20/2023
 * (Electronic Transactions) Art. 22: a signature counts only if made while the certificate is valid.
 */
export function assertCertificateUsable(der: Buffer, at: Date, revokedSerials?: Set<string>): void {
  const c = parseCertificate(der);
  const name = readName(c.subject).commonName ?? '';
  if (at < c.notBefore.value) throw new AppError('validation', `Chứng thư số của "${name}" chưa có hiệu lực`);
  if (at > c.notAfter.value) {
    const d = c.notAfter.value.toISOString().slice(0, 10);
    throw new AppError('validation', `Chứng thư số của "${name}" đã hết hạn (ngày ${d})`);
  }
  const ku = keyUsageOf(c);
  if (ku.present && !ku.digitalSignature && !ku.nonRepudiation) {
    throw new AppError('validation', `Chứng thư số của "${name}" không được phép dùng để ký số (thiếu digitalSignature)`);
  }
  const serial = Buffer.from(c.serialNumber.valueBlock.valueHexView).toString('hex').replace(/^(00)+/, '');
  if (revokedSerials?.has(serial)) throw new AppError('validation', `Chứng thư số của "${name}" đã bị thu hồi`);
}

/**
 * Serial numbers (hex) revoked by those of `crls` that the signer's issuer really signed, so signing
 * can refuse a revoked certificate before anything is written.
 */
export async function revokedSerialsFor(chain: Buffer[], crls: (Uint8Array | string)[]): Promise<Set<string>> {
  const out = new Set<string>();
  if (!crls.length || chain.length < 2) return out;
  const signer = parseCertificate(chain[0]!);
  const issuer = chain.map((d) => parseCertificate(d)).find((c) => c.subject.isEqual(signer.issuer));
  if (!issuer) return out;
  for (const input of crls) {
    for (const der of pemOrDerBlocks(input, 'X509 CRL')) {
      let crl: pkijs.CertificateRevocationList;
      try {
        crl = pkijs.CertificateRevocationList.fromBER(toArrayBuffer(der));
      } catch {
        throw new AppError('validation', 'Tệp danh sách thu hồi (CRL) không đọc được');
      }
      if (!crl.issuer.isEqual(issuer.subject)) continue;
      if (!(await crl.verify({ issuerCertificate: issuer }).catch(() => false))) continue;
      for (const r of crl.revokedCertificates ?? []) out.add(Buffer.from(r.userCertificate.valueBlock.valueHexView).toString('hex').replace(/^(00)+/, ''));
    }
  }
  return out;
}
