// Shared PKI helpers for the signing module: pkijs engine set-up on node:crypto's WebCrypto, DER/PEM
// conversion and reading Vietnamese distinguished names. pkijs is used instead of node-forge because
// forge double-encodes UTF-8 issuer names (TOOLCHAIN.md), which real Vietnamese CAs always have.
import { webcrypto, createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

let engineReady = false;
export function ensurePkijsEngine(): void {
  if (engineReady) return;
  installPkijsEngine();
  engineReady = true;
}

/**
 * Sets pkijs's engine again. pkijs keeps it in `global[process.pid]`, so a process started from a V8
 * startup snapshot (bin/vanthu, server/cli/signing-snapshot.ts) calls this once it runs under its
 * own pid.
 */
export function installPkijsEngine(): void {
  pkijs.setEngine('node-webcrypto', new pkijs.CryptoEngine({ name: 'node-webcrypto', crypto: webcrypto as unknown as pkijs.ICryptoEngine }));
}
ensurePkijsEngine();

export const OID = {
  commonName: '2.5.4.3',
  country: '2.5.4.6',
  locality: '2.5.4.7',
  state: '2.5.4.8',
  organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
  title: '2.5.4.12',
  uid: '0.9.2342.19200300.100.1.1',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  crlNumber: '2.5.29.20',
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  signatureTimeStampToken: '1.2.840.113549.1.9.16.2.14',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  timeStamping: '1.3.6.1.5.5.7.3.8',
} as const;

export const DIGEST_BY_OID: Record<string, string> = {
  [OID.sha1]: 'sha1',
  [OID.sha256]: 'sha256',
  [OID.sha384]: 'sha384',
  [OID.sha512]: 'sha512',
};

export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

export function derOf(obj: { toSchema(): asn1js.BaseBlock }): Buffer {
  return Buffer.from(obj.toSchema().toBER(false));
}

export function pemEncode(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** Accepts DER or one-or-many PEM blocks; returns the DER of every block. */
export function pemOrDerBlocks(input: Uint8Array | string, label = 'CERTIFICATE'): Buffer[] {
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
  if (text.includes('-----BEGIN')) {
    const re = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`, 'g');
    return [...text.matchAll(re)].map((m) => Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
  }
  return [Buffer.from(typeof input === 'string' ? Buffer.from(input, 'latin1') : input)];
}

// asn1js parsing costs ~1.5 ms per certificate and a signature touches the chain several times:
// keep a small cache keyed by the DER (parsed certificates are never mutated here).
const certCache = new Map<string, pkijs.Certificate>();
export function parseCertificate(der: Uint8Array): pkijs.Certificate {
  const key = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  let cert = certCache.get(key);
  if (!cert) {
    cert = pkijs.Certificate.fromBER(toArrayBuffer(der));
    if (certCache.size >= 256) certCache.delete(certCache.keys().next().value!);
    certCache.set(key, cert);
  }
  return cert;
}

export function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

/** Readable fields of a distinguished name, UTF-8/BMP decoded and NFC-normalised. */
export interface NameInfo {
  commonName?: string;
  organization?: string;
  organizationalUnit?: string;
  title?: string;
  locality?: string;
  state?: string;
  country?: string;
}

export function readName(rdn: pkijs.RelativeDistinguishedNames): NameInfo {
  const out: NameInfo = {};
  const keyByOid: Record<string, keyof NameInfo> = {
    [OID.commonName]: 'commonName',
    [OID.organization]: 'organization',
    [OID.organizationalUnit]: 'organizationalUnit',
    [OID.title]: 'title',
    [OID.locality]: 'locality',
    [OID.state]: 'state',
    [OID.country]: 'country',
  };
  for (const tv of rdn.typesAndValues) {
    const key = keyByOid[tv.type];
    if (!key || out[key]) continue;
    const v = tv.value as { valueBlock?: { value?: unknown } };
    const value = typeof v.valueBlock?.value === 'string' ? v.valueBlock.value : '';
    out[key] = value.normalize('NFC');
  }
  return out;
}

/** "CN=…, O=…" for messages; the values stay Vietnamese. */
export function describeName(rdn: pkijs.RelativeDistinguishedNames): string {
  const n = readName(rdn);
  return [n.commonName && `CN=${n.commonName}`, n.organization && `O=${n.organization}`].filter(Boolean).join(', ');
}

export function subjectKeyIdentifier(cert: pkijs.Certificate): Buffer | undefined {
  const ext = cert.extensions?.find((e) => e.extnID === OID.subjectKeyIdentifier);
  if (!ext) return undefined;
  const parsed = ext.parsedValue as asn1js.OctetString | undefined;
  return parsed ? Buffer.from(parsed.valueBlock.valueHexView) : undefined;
}

export interface KeyUsageFlags {
  present: boolean;
  digitalSignature: boolean;
  nonRepudiation: boolean;
  keyCertSign: boolean;
}

export function keyUsageOf(cert: pkijs.Certificate): KeyUsageFlags {
  const ext = cert.extensions?.find((e) => e.extnID === OID.keyUsage);
  if (!ext) return { present: false, digitalSignature: true, nonRepudiation: true, keyCertSign: false };
  const bits = ext.parsedValue as asn1js.BitString;
  const first = bits.valueBlock.valueHexView[0] ?? 0;
  return {
    present: true,
    digitalSignature: (first & 0x80) !== 0,
    nonRepudiation: (first & 0x40) !== 0,
    keyCertSign: (first & 0x04) !== 0,
  };
}

export function serialHex(cert: pkijs.Certificate | pkijs.RevokedCertificate): string {
  const integer = cert instanceof pkijs.Certificate ? cert.serialNumber : cert.userCertificate;
  return Buffer.from(integer.valueBlock.valueHexView).toString('hex').replace(/^(00)+/, '');
}

export function sameName(a: pkijs.RelativeDistinguishedNames, b: pkijs.RelativeDistinguishedNames): boolean {
  return Buffer.from(a.toSchema().toBER(false)).equals(Buffer.from(b.toSchema().toBER(false))) || a.isEqual(b);
}
