// Opening a PKCS#12 file (RFC 7292) with Node's crypto only: a DER walk over the few structures a
// .p12 has, the integrity MAC, PBES2/PBKDF2 (RFC 8018) or the PKCS#12 3DES PBE for the encrypted
// parts. pkijs does the same through WebCrypto with its key-derivation loop in JavaScript, one
// awaited digest per iteration: most of the CPU of a one-shot `vanthu sign` process went there.
// Anything this reader does not know (BER indefinite lengths, PBMAC1, RC2, other ciphers) throws
// Pkcs12Unsupported and key-source.ts opens the file with pkijs as before. Nothing here logs or
// keeps the passphrase.
import { createDecipheriv, createHash, createHmac, createPrivateKey, pbkdf2Sync, timingSafeEqual, type KeyObject } from 'node:crypto';

export class Pkcs12Unsupported extends Error {}
/** The passphrase does not open the file (MAC mismatch or undecryptable contents). */
export class Pkcs12WrongPassphrase extends Error {}

interface Tlv {
  tag: number;
  /** Contents octets. */
  value: Buffer;
  /** The whole element (tag, length, contents). */
  raw: Buffer;
}

function readTlv(buf: Buffer, at: number): Tlv & { end: number } {
  if (at + 2 > buf.length) throw new Pkcs12Unsupported('truncated DER');
  const tag = buf[at]!;
  if ((tag & 0x1f) === 0x1f) throw new Pkcs12Unsupported('multi-byte tag');
  let len = buf[at + 1]!;
  let p = at + 2;
  if (len === 0x80) {
    // BER indefinite length (pkijs writes them): constructed contents up to an end-of-contents 00 00.
    if (!(tag & 0x20)) throw new Pkcs12Unsupported('indefinite primitive');
    let q = p;
    for (;;) {
      if (q + 2 > buf.length) throw new Pkcs12Unsupported('truncated BER');
      if (buf[q] === 0 && buf[q + 1] === 0) break;
      q = readTlv(buf, q).end;
    }
    return { tag, value: buf.subarray(p, q), raw: buf.subarray(at, q + 2), end: q + 2 };
  }
  if (len > 0x80) {
    const n = len & 0x7f;
    if (n > 4 || p + n > buf.length) throw new Pkcs12Unsupported('bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p + i]!;
    p += n;
  }
  const end = p + len;
  if (end > buf.length) throw new Pkcs12Unsupported('truncated DER');
  return { tag, value: buf.subarray(p, end), raw: buf.subarray(at, end), end };
}

function children(t: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = 0; at < t.value.length; ) {
    const c = readTlv(t.value, at);
    out.push(c);
    at = c.end;
  }
  return out;
}

/** Contents of a primitive string, or of a BER constructed one (its segments joined). */
function stringValue(t: Tlv): Buffer {
  if (!(t.tag & 0x20)) return t.value;
  return Buffer.concat(children(t).map((c) => {
    if (c.tag !== 0x04 && c.tag !== 0x24) throw new Pkcs12Unsupported('bad string segment');
    return stringValue(c);
  }));
}

function expect(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (!t || t.tag !== tag) throw new Pkcs12Unsupported(`unexpected ${what}`);
  return t;
}
const seq = (t: Tlv | undefined, what: string) => children(expect(t, 0x30, what));
function octets(t: Tlv | undefined, what: string): Buffer {
  if (t?.tag === 0x24) return stringValue(t);
  return expect(t, 0x04, what).value;
}

function oid(t: Tlv | undefined): string {
  const v = expect(t, 0x06, 'OID').value;
  const parts: number[] = [];
  let n = 0;
  for (const b of v) {
    n = n * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      if (parts.length === 0) parts.push(n < 80 ? Math.floor(n / 40) : 2, n < 80 ? n % 40 : n - 80);
      else parts.push(n);
      n = 0;
    }
  }
  return parts.join('.');
}

function int(t: Tlv | undefined): number {
  const v = expect(t, 0x02, 'INTEGER').value;
  if (v.length > 6) throw new Pkcs12Unsupported('integer too large');
  let n = 0;
  for (const b of v) n = n * 256 + b;
  return n;
}

/** [0] EXPLICIT wrapper → the element inside. */
function explicit0(t: Tlv | undefined, what: string): Tlv {
  const inner = children(expect(t, 0xa0, what));
  if (inner.length !== 1) throw new Pkcs12Unsupported(`unexpected ${what}`);
  return inner[0]!;
}

const OIDS = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  localKeyId: '1.2.840.113549.1.9.21',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  pbeSha1Des3: '1.2.840.113549.1.12.1.3',
};
const DIGESTS: Record<string, { name: string; block: number }> = {
  '1.3.14.3.2.26': { name: 'sha1', block: 64 },
  '2.16.840.1.101.3.4.2.4': { name: 'sha224', block: 64 },
  '2.16.840.1.101.3.4.2.1': { name: 'sha256', block: 64 },
  '2.16.840.1.101.3.4.2.2': { name: 'sha384', block: 128 },
  '2.16.840.1.101.3.4.2.3': { name: 'sha512', block: 128 },
};
const HMACS: Record<string, string> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.8': 'sha224',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
};
const CIPHERS: Record<string, { name: string; keyLength: number }> = {
  '2.16.840.1.101.3.4.1.2': { name: 'aes-128-cbc', keyLength: 16 },
  '2.16.840.1.101.3.4.1.22': { name: 'aes-192-cbc', keyLength: 24 },
  '2.16.840.1.101.3.4.1.42': { name: 'aes-256-cbc', keyLength: 32 },
  '1.2.840.113549.3.7': { name: 'des-ede3-cbc', keyLength: 24 },
};

/** The passphrase as PKCS#12 wants it for its own KDF: BMPString (UTF-16BE) with a 0x0000 terminator. */
function bmpPassword(passphrase: string): Buffer {
  const b = Buffer.alloc(passphrase.length * 2 + 2);
  for (let i = 0; i < passphrase.length; i++) b.writeUInt16BE(passphrase.charCodeAt(i), i * 2);
  return b;
}

/** What pkijs feeds its PKCS#12 KDF (each UTF-8 byte widened to 16 bits): files it wrote use that. */
function pkijsPassword(utf8: Buffer): Buffer {
  const b = Buffer.alloc(utf8.length * 2 + 2);
  for (let i = 0; i < utf8.length; i++) b[i * 2 + 1] = utf8[i]!;
  return b;
}

/** RFC 7292 Appendix B.2: the PKCS#12 key derivation (id 1 = key, 2 = IV, 3 = MAC key). */
function pkcs12Kdf(digest: { name: string; block: number }, password: Buffer, salt: Buffer, iterations: number, id: number, n: number): Buffer {
  const v = digest.block;
  const fill = (src: Buffer) => {
    if (src.length === 0) return Buffer.alloc(0);
    const out = Buffer.alloc(v * Math.ceil(src.length / v));
    for (let i = 0; i < out.length; i++) out[i] = src[i % src.length]!;
    return out;
  };
  const D = Buffer.alloc(v, id);
  const I = Buffer.concat([fill(salt), fill(password)]);
  const out: Buffer[] = [];
  let got = 0;
  while (got < n) {
    let A = createHash(digest.name).update(D).update(I).digest();
    for (let r = 1; r < iterations; r++) A = createHash(digest.name).update(A).digest();
    out.push(A);
    got += A.length;
    if (got >= n) break;
    const B = fill(A).subarray(0, v);
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const s = I[j + k]! + B[k]! + carry;
        I[j + k] = s & 0xff;
        carry = s >> 8;
      }
    }
  }
  return Buffer.concat(out).subarray(0, n);
}

/** Decrypts `data` encrypted under the algorithm identifier `alg` (PBES2 or PBE-SHA1-3DES). */
function decrypt(alg: Tlv, data: Buffer, utf8: Buffer, passphrase: string): Buffer {
  const [algOid, params] = seq(alg, 'AlgorithmIdentifier');
  const id = oid(algOid);
  let cipher: string;
  let key: Buffer;
  let iv: Buffer;
  if (id === OIDS.pbes2) {
    const [kdf, scheme] = seq(params, 'PBES2-params');
    const [kdfOid, kdfParams] = seq(kdf, 'keyDerivationFunc');
    if (oid(kdfOid) !== OIDS.pbkdf2) throw new Pkcs12Unsupported('KDF');
    const p = seq(kdfParams, 'PBKDF2-params');
    const salt = octets(p[0], 'salt');
    const iterations = int(p[1]);
    let i = 2;
    const keyLength = p[i]?.tag === 0x02 ? int(p[i++]) : undefined;
    const prf = p[i] ? HMACS[oid(seq(p[i], 'prf')[0])] : 'sha1';
    if (!prf) throw new Pkcs12Unsupported('PRF');
    const [schemeOid, ivTlv] = seq(scheme, 'encryptionScheme');
    const c = CIPHERS[oid(schemeOid)];
    if (!c) throw new Pkcs12Unsupported('cipher');
    cipher = c.name;
    iv = octets(ivTlv, 'IV');
    key = pbkdf2Sync(utf8, salt, iterations, keyLength ?? c.keyLength, prf);
  } else if (id === OIDS.pbeSha1Des3) {
    const [saltTlv, iterTlv] = seq(params, 'pkcs-12PbeParams');
    const salt = octets(saltTlv, 'salt');
    const iterations = int(iterTlv);
    const sha1 = DIGESTS['1.3.14.3.2.26']!;
    cipher = 'des-ede3-cbc';
    key = pkcs12Kdf(sha1, bmpPassword(passphrase), salt, iterations, 1, 24);
    iv = pkcs12Kdf(sha1, bmpPassword(passphrase), salt, iterations, 2, 8);
  } else {
    throw new Pkcs12Unsupported(`encryption ${id}`);
  }
  try {
    const d = createDecipheriv(cipher, key, iv);
    return Buffer.concat([d.update(data), d.final()]);
  } catch {
    throw new Pkcs12WrongPassphrase('decryption failed');
  }
}

export interface OpenedPkcs12 {
  privateKey: KeyObject;
  /** DER certificates in file order. */
  certs: Buffer[];
  /** The certificate whose localKeyId matches the key's, when the file says. */
  keyCert?: Buffer;
}

/**
 * Opens `p12` with `passphrase` (NFC, as the caller normalised it). Throws Pkcs12WrongPassphrase
 * when the passphrase does not open it and Pkcs12Unsupported for anything outside the subset above.
 */
export function openPkcs12(p12: Uint8Array, passphrase: string): OpenedPkcs12 {
  const buf = Buffer.from(p12.buffer, p12.byteOffset, p12.byteLength);
  const utf8 = Buffer.from(passphrase, 'utf8');
  const top = readTlv(buf, 0);
  if (top.end !== buf.length) throw new Pkcs12Unsupported('trailing data');
  const [version, authSafe, macData] = seq(top, 'PFX');
  if (int(version) !== 3) throw new Pkcs12Unsupported('version');
  const [ctype, content] = seq(authSafe, 'authSafe');
  if (oid(ctype) !== OIDS.data) throw new Pkcs12Unsupported('public-key integrity mode');
  const safeDer = octets(explicit0(content, 'authSafe content'), 'authSafe data');
  if (!macData) throw new Pkcs12Unsupported('no MAC');
  const [digestInfo, macSalt, macIter] = seq(macData, 'MacData');
  const [macAlg, macValue] = seq(digestInfo, 'DigestInfo');
  const digest = DIGESTS[oid(seq(macAlg, 'digestAlgorithm')[0])];
  if (!digest) throw new Pkcs12Unsupported('MAC digest');
  const salt = octets(macSalt, 'macSalt');
  const iterations = macIter ? int(macIter) : 1;
  const expected = octets(macValue, 'MAC');
  const macOk = (password: Buffer) => {
    const key = pkcs12Kdf(digest, password, salt, iterations, 3, expected.length);
    const mac = createHmac(digest.name, key).update(safeDer).digest();
    return mac.length === expected.length && timingSafeEqual(mac, expected);
  };
  if (!macOk(bmpPassword(passphrase)) && !(/[^\x00-\x7f]/.test(passphrase) && macOk(pkijsPassword(utf8)))) {
    throw new Pkcs12WrongPassphrase('MAC mismatch');
  }

  const certs: Buffer[] = [];
  const certIds = new Map<string, Buffer>();
  let privateKey: KeyObject | undefined;
  let keyId: string | undefined;
  for (const ci of seq(readTlv(safeDer, 0), 'AuthenticatedSafe')) {
    const [t, c] = seq(ci, 'ContentInfo');
    const type = oid(t);
    let bagsDer: Buffer;
    if (type === OIDS.data) {
      bagsDer = octets(explicit0(c, 'data'), 'SafeContents');
    } else if (type === OIDS.encryptedData) {
      const [, eci] = seq(explicit0(c, 'EncryptedData'), 'EncryptedData');
      const [, alg, enc] = seq(eci, 'EncryptedContentInfo');
      // [0] IMPLICIT OCTET STRING: primitive (0x80) or, in BER, constructed from segments (0xa0).
      if (!enc || (enc.tag !== 0x80 && enc.tag !== 0xa0)) throw new Pkcs12Unsupported('encryptedContent');
      bagsDer = decrypt(alg!, stringValue(enc), utf8, passphrase);
    } else {
      throw new Pkcs12Unsupported(`content ${type}`);
    }
    let bags: Tlv[];
    try {
      bags = seq(readTlv(bagsDer, 0), 'SafeContents');
    } catch (e) {
      // Garbage after a padding that happened to look valid: a wrong passphrase.
      if (type === OIDS.encryptedData) throw new Pkcs12WrongPassphrase('undecodable contents');
      throw e;
    }
    for (const bag of bags) {
      const [bagIdTlv, valueTlv, attrs] = seq(bag, 'SafeBag');
      const bagId = oid(bagIdTlv);
      let localId: string | undefined;
      for (const a of attrs ? children(expect(attrs, 0x31, 'bagAttributes')) : []) {
        const [aType, aValues] = seq(a, 'Attribute');
        if (oid(aType) === OIDS.localKeyId) localId = octets(children(expect(aValues, 0x31, 'values'))[0], 'localKeyId').toString('hex');
      }
      const value = explicit0(valueTlv, 'bagValue');
      if (bagId === OIDS.shroudedKeyBag) {
        const [alg, data] = seq(value, 'EncryptedPrivateKeyInfo');
        const der = decrypt(alg!, octets(data, 'encryptedData'), utf8, passphrase);
        try {
          privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
        } catch {
          throw new Pkcs12WrongPassphrase('undecodable key');
        }
        keyId = localId;
      } else if (bagId === OIDS.keyBag) {
        privateKey = createPrivateKey({ key: value.raw, format: 'der', type: 'pkcs8' });
        keyId = localId;
      } else if (bagId === OIDS.certBag) {
        const [certType, certValue] = seq(value, 'CertBag');
        if (oid(certType) !== OIDS.x509Certificate) continue;
        const der = Buffer.from(octets(explicit0(certValue, 'certValue'), 'certificate'));
        certs.push(der);
        if (localId) certIds.set(localId, der);
      }
    }
  }
  if (!privateKey) throw new Pkcs12Unsupported('no private key bag this reader knows');
  return { privateKey, certs, keyCert: keyId ? certIds.get(keyId) : undefined };
}
