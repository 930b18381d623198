// Opening a PKCS#12 file (RFC 7292) with libraries only, each doing what it does best:
// - the structures (PFX, AuthenticatedSafe, SafeContents, bags, PBES2 parameters) are read by
//   asn1js/pkijs's schema classes;
// - the integrity MAC, whose key comes from the PKCS#12 key derivation (RFC 7292 appendix B), is
//   checked by OpenSSL (PKCS12_parse, reached through tls.createSecureContext({ pfx })), or by pkijs
//   (`verifyDataStampedWithPassword`) when OpenSSL stops on something other than the MAC;
// - the private key bag (EncryptedPrivateKeyInfo) is decrypted by OpenSSL through
//   `crypto.createPrivateKey({ passphrase })`, which knows PBES2 and the older PKCS#12 PBEs (3DES);
// - encrypted certificate bags under PBES2 (OpenSSL 3, Windows "AES256-SHA256", our sample
//   generator) are decrypted with node:crypto's PBKDF2 and AES/3DES-CBC (RFC 8018 §6.2).
// pkijs's own `parseInternalValues` does the last two through WebCrypto, one async round trip per
// bag, and was most of the CPU of a one-shot `vanthu sign` process. Certificate bags under a
// PKCS#12 PBE (3DES, RC2 of `openssl -legacy`) need the PKCS#12 derivation with ids 1 and 2, which
// no library here exposes (pkijs cannot read them either): Pkcs12LegacyEncryption, and the user is told
// to export the file again with AES; other unknown variants go to the pkijs reader (key-source.ts).
// Nothing here logs or keeps the passphrase.
import { createDecipheriv, createPrivateKey, pbkdf2Sync, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import v8 from 'node:v8';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { ensurePkijsEngine, toArrayBuffer } from './pki-util.ts';

export class Pkcs12Unsupported extends Error {}
/** Certificates encrypted with a PKCS#12 PBE (3DES, RC2): the file must be exported again with PBES2. */
export class Pkcs12LegacyEncryption extends Pkcs12Unsupported {}
/** The passphrase does not open the file (MAC mismatch or undecryptable contents). */
export class Pkcs12WrongPassphrase extends Error {}

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
};
/** MAC digests pkijs's PKCS#12 key derivation knows (RFC 7292 appendix B). */
const MAC_DIGESTS: Record<string, string> = {
  '1.3.14.3.2.26': 'SHA-1',
  '2.16.840.1.101.3.4.2.1': 'SHA-256',
  '2.16.840.1.101.3.4.2.2': 'SHA-384',
  '2.16.840.1.101.3.4.2.3': 'SHA-512',
};
/** PBKDF2 pseudo-random functions (RFC 8018 appendix B.1) → node:crypto digest names. */
const PRFS: Record<string, string> = {
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

function parse<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch {
    throw new Pkcs12Unsupported(`unreadable ${what}`);
  }
}

/**
 * pkijs's `Type.fromBER(der)`, except that asn1js does not also decode the contents of every OCTET
 * STRING it meets (`parseEmbedded`, on by default): the authenticated safe is inside one, the safe
 * contents inside others, so PFX.fromBER decoded the whole file, AuthenticatedSafe.fromBER all of it
 * again and SafeContents.fromBER its part a third time. Here each level is decoded once, when it is
 * opened below; pkijs's schemas read the same structures either way.
 */
function fromDer<T>(Type: new (p: { schema: asn1js.AsnType }) => T, der: ArrayBuffer): T {
  const asn1 = asn1js.fromBER(der, { parseEmbedded: false });
  if (asn1.offset === -1) throw new Error(asn1.result.error);
  return new Type({ schema: asn1.result });
}

/** Decrypts PBES2 content (RFC 8018 §6.2) under the algorithm identifier `alg`. */
function decryptPbes2(alg: pkijs.AlgorithmIdentifier, data: ArrayBuffer, utf8: Buffer): Buffer {
  // 1.2.840.113549.1.12.1.x: pbeWithSHAAnd… (RFC 7292 appendix C), keys derived by the PKCS#12 KDF.
  if (alg.algorithmId.startsWith('1.2.840.113549.1.12.1.')) throw new Pkcs12LegacyEncryption(`encryption ${alg.algorithmId}`);
  if (alg.algorithmId !== OIDS.pbes2) throw new Pkcs12Unsupported(`encryption ${alg.algorithmId}`);
  const pbes2 = parse('PBES2-params', () => new pkijs.PBES2Params({ schema: alg.algorithmParams }));
  if (pbes2.keyDerivationFunc.algorithmId !== OIDS.pbkdf2) throw new Pkcs12Unsupported('KDF');
  const kdf = parse('PBKDF2-params', () => new pkijs.PBKDF2Params({ schema: pbes2.keyDerivationFunc.algorithmParams }));
  const prf = kdf.prf ? PRFS[kdf.prf.algorithmId] : 'sha1';
  const cipher = CIPHERS[pbes2.encryptionScheme.algorithmId];
  const iv = pbes2.encryptionScheme.algorithmParams;
  if (!prf || !cipher || !(iv instanceof asn1js.OctetString) || !(kdf.salt instanceof asn1js.OctetString)) throw new Pkcs12Unsupported('PBES2 variant');
  const key = pbkdf2Sync(utf8, Buffer.from(kdf.salt.valueBlock.valueHexView), kdf.iterationCount, kdf.keyLength ?? cipher.keyLength, prf);
  try {
    const d = createDecipheriv(cipher.name, key, Buffer.from(iv.valueBlock.valueHexView));
    return Buffer.concat([d.update(Buffer.from(data)), d.final()]);
  } catch {
    throw new Pkcs12WrongPassphrase('decryption failed');
  }
}

/**
 * The MAC as OpenSSL sees it. tls.createSecureContext({ pfx }) runs PKCS12_parse, which verifies the
 * MAC (PKCS12_verify_mac) before it reads any bag: the same check as pkijs's, in C. pkijs derives the
 * MAC key with a JavaScript SHA-256 and an async step per iteration: in a fresh process (one
 * `vanthu sign`) that was ~75 ms of CPU at 2,048 iterations, against ~8 ms here, most of which is the
 * SSL_CTX and the bags OpenSSL decrypts too (warm, in a server, both cost ~7–12 ms).
 * true: it matches; false: OpenSSL says it does not;
 * undefined: OpenSSL stopped on something else (a bag its default provider cannot decrypt, such as
 * RC2, or a certificate it will not use), so pkijs decides. An empty passphrase is left to pkijs:
 * OpenSSL also tries the absent password there, which pkijs does not, and the answers must not differ.
 * `ca: []` keeps Node from loading its bundled root certificates into a context used only for this.
 * node:tls is loaded on first use, and not at all while a V8 startup snapshot is built (bin/vanthu):
 * its native functions cannot be serialised into one, so the builder's warm-up uses pkijs.
 */
function macVerifiedByOpenSsl(p12: Uint8Array, passphrase: string): boolean | undefined {
  if (passphrase === '' || v8.startupSnapshot.isBuildingSnapshot()) return undefined;
  const { createSecureContext } = createRequire(import.meta.url)('node:tls') as typeof import('node:tls');
  try {
    createSecureContext({ pfx: Buffer.from(p12.buffer, p12.byteOffset, p12.byteLength), passphrase, ca: [] });
    return true;
  } catch (e) {
    return /mac verify fail/i.test(e instanceof Error ? e.message : '') ? false : undefined;
  }
}

export interface OpenedPkcs12 {
  privateKey: KeyObject;
  /** DER certificates in file order. */
  certs: Buffer[];
  /** The certificate whose localKeyId matches the key's, when the file says. */
  keyCert?: Buffer;
}

function localKeyIdOf(bag: pkijs.SafeBag): string | undefined {
  const attr = bag.bagAttributes?.find((a) => a.type === OIDS.localKeyId);
  const v = attr?.values[0];
  return v instanceof asn1js.OctetString ? Buffer.from(v.valueBlock.valueHexView).toString('hex') : undefined;
}

/**
 * Opens `p12` with `passphrase` (NFC, as the caller normalised it). Throws Pkcs12WrongPassphrase
 * when the passphrase does not open it and Pkcs12Unsupported for anything outside what is above.
 */
export async function openPkcs12(p12: Uint8Array, passphrase: string): Promise<OpenedPkcs12> {
  ensurePkijsEngine();
  const utf8 = Buffer.from(passphrase, 'utf8');
  const pfx = parse('PFX', () => fromDer(pkijs.PFX, toArrayBuffer(p12)));
  if (pfx.version !== 3) throw new Pkcs12Unsupported('version');
  if (pfx.authSafe.contentType !== OIDS.data) throw new Pkcs12Unsupported('public-key integrity mode');
  const content = pfx.authSafe.content;
  if (!(content instanceof asn1js.OctetString)) throw new Pkcs12Unsupported('authSafe data');
  const safeBytes = content.getValue();
  const mac = pfx.macData;
  if (!mac) throw new Pkcs12Unsupported('no MAC');
  const hashAlgorithm = MAC_DIGESTS[mac.mac.digestAlgorithm.algorithmId];
  if (!hashAlgorithm) throw new Pkcs12Unsupported('MAC digest');
  let macOk = macVerifiedByOpenSsl(p12, passphrase);
  if (macOk === undefined) {
    const engine = pkijs.getEngine().crypto;
    if (!engine) throw new Pkcs12Unsupported('no pkijs engine');
    macOk = await engine.verifyDataStampedWithPassword({
      password: toArrayBuffer(utf8),
      hashAlgorithm,
      salt: mac.macSalt.valueBlock.valueHexView.slice().buffer,
      iterationCount: mac.iterations ?? 1,
      contentToVerify: safeBytes,
      signatureToVerify: mac.mac.digest.valueBlock.valueHexView.slice().buffer,
    });
  }
  if (!macOk) throw new Pkcs12WrongPassphrase('MAC mismatch');

  const safe = parse('AuthenticatedSafe', () => fromDer(pkijs.AuthenticatedSafe, safeBytes));
  const certs: Buffer[] = [];
  const certIds = new Map<string, Buffer>();
  let privateKey: KeyObject | undefined;
  let keyId: string | undefined;
  for (const ci of safe.safeContents) {
    let bagsDer: ArrayBuffer;
    if (ci.contentType === OIDS.data) {
      if (!(ci.content instanceof asn1js.OctetString)) throw new Pkcs12Unsupported('SafeContents');
      bagsDer = ci.content.getValue();
    } else if (ci.contentType === OIDS.encryptedData) {
      const eci = parse('EncryptedData', () => new pkijs.EncryptedData({ schema: ci.content })).encryptedContentInfo;
      const plain = decryptPbes2(eci.contentEncryptionAlgorithm, eci.getEncryptedContent(), utf8);
      bagsDer = toArrayBuffer(plain);
    } else {
      throw new Pkcs12Unsupported(`content ${ci.contentType}`);
    }
    let contents: pkijs.SafeContents;
    try {
      contents = fromDer(pkijs.SafeContents, bagsDer);
    } catch {
      // Garbage behind a padding that happened to look valid: a wrong passphrase.
      if (ci.contentType === OIDS.encryptedData) throw new Pkcs12WrongPassphrase('undecodable contents');
      throw new Pkcs12Unsupported('SafeContents');
    }
    for (const bag of contents.safeBags) {
      const localId = localKeyIdOf(bag);
      if (bag.bagId === OIDS.shroudedKeyBag) {
        const shrouded = bag.bagValue as pkijs.PKCS8ShroudedKeyBag;
        // OpenSSL decrypts the EncryptedPrivateKeyInfo (PBES2 or PKCS#12 PBE) and reads the PKCS#8.
        try {
          privateKey = createPrivateKey({ key: Buffer.from(shrouded.toSchema().toBER(false)), format: 'der', type: 'pkcs8', passphrase: utf8 });
        } catch {
          throw new Pkcs12WrongPassphrase('undecryptable key');
        }
        keyId = localId;
      } else if (bag.bagId === OIDS.keyBag) {
        privateKey = createPrivateKey({ key: Buffer.from((bag.bagValue as pkijs.PrivateKeyInfo).toSchema().toBER(false)), format: 'der', type: 'pkcs8' });
        keyId = localId;
      } else if (bag.bagId === OIDS.certBag) {
        const cb = bag.bagValue as pkijs.CertBag;
        if (cb.certId !== OIDS.x509Certificate || !(cb.certValue instanceof asn1js.OctetString)) continue;
        const der = Buffer.from(cb.certValue.getValue());
        certs.push(der);
        if (localId) certIds.set(localId, der);
      }
    }
  }
  if (!privateKey) throw new Pkcs12Unsupported('no private key bag this reader knows');
  return { privateKey, certs, keyCert: keyId ? certIds.get(keyId) : undefined };
}
