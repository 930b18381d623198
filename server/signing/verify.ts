// Verification of PDF signatures (DOMAIN.md §4 "Verification checks"): integrity of the signed byte
// range, chain to a configured trusted root, certificate valid at signing time, revocation by CRL
// (then OCSP when no CRL of the issuer answers: ocsp-client.ts), key usage, allowed algorithms
// (Circular 15/2025: RSA ≥ 2048, ECDSA ≥ 256, no SHA-1) and what changed after each signature. Signature dictionaries and revisions are read with pdf-lib (no hand-written
// PDF parser); CMS with pkijs; every cryptographic check with node:crypto.
import { createHash, createPublicKey, verify as nodeVerify, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFNumber, PDFRawStream, PDFRef, PDFStream, PDFString, type PDFObject } from '@cantoo/pdf-lib';
import { AppError } from '../errors.ts';
import { DIGEST_BY_OID, OID, ensurePkijsEngine, keyUsageOf, parseCertificate, pemOrDerBlocks, readName, toArrayBuffer } from './pki-util.ts';
import { readTimestampToken } from './tsa-client.ts';
import { OCSP_DEFAULTS, checkOcsp, type OcspSettings } from './ocsp-client.ts';
import { assertXrefUsable, lookupArray, lookupDict } from './pdf-document.ts';
import { LazyXrefError, firstStrayByte, openLazy } from './pdf-lazy.ts';
import { isoVietnam } from './vn-format.ts';

ensurePkijsEngine();

export type Modifications = 'none' | 'annotations_or_forms' | 'content';

export interface SignatureReport {
  fieldName: string;
  signerName: string;
  organization?: string;
  /** ISO 8601 with +07:00; the timestamp's time when present, else the claimed time. */
  signingTime?: string;
  signingTimeSource: 'timestamp' | 'claimed' | 'unknown';
  subFilter?: string;
  byteRangeIntact: boolean;
  coversWholeFile: boolean;
  chainTrusted: boolean;
  certValidAtSigningTime: boolean;
  /** true/false after a CRL or OCSP check; null when neither answered. */
  revoked: boolean | null;
  /** Where the revocation answer came from: a configured CRL, the certificate's OCSP responder, or none. */
  revocationSource: 'crl' | 'ocsp' | 'none';
  /** Why revocation is unchecked when it is (Vietnamese), e.g. the OCSP responder did not answer. */
  revocationNote?: string;
  algorithmsAllowed: boolean;
  keyUsageOk: boolean;
  timestamped: boolean;
  modificationsAfter: Modifications;
  valid: boolean;
  problems: string[];
}

export interface VerifyReport {
  verdict: 'valid' | 'invalid' | 'unsigned';
  message: string;
  signatures: SignatureReport[];
}

export interface VerifyOptions {
  /** Trusted roots (PEM or DER). Government roots are configuration, never hard-coded. */
  trustRoots: (Uint8Array | string)[];
  /** CRLs (DER or PEM). */
  crls?: (Uint8Array | string)[];
  /** OCSP when no CRL of the issuer answers (on by default; OCSP_ENABLED, OCSP_TIMEOUT_MS). */
  ocsp?: Partial<OcspSettings>;
}

interface SigField {
  name: string;
  byteRange: number[];
  contents: Buffer;
  subFilter?: string;
  claimedTime?: Date;
}

function decodeText(o: PDFObject | undefined): string | undefined {
  if (o instanceof PDFHexString || o instanceof PDFString) return o.decodeText();
  return undefined;
}

/** /Contents of a signature: ~16 KB of hex, mostly zero padding. pdf-lib's asBytes() decodes it
 *  pair by pair with parseInt; Buffer's decoder gives the same bytes when the text is plain hex
 *  (the usual case), and asBytes() keeps its reading of anything else (odd length, stray bytes). */
function hexStringBytes(s: PDFHexString): Buffer {
  const hex = s.asString().replace(/[\0\t\n\f\r ]/g, '');
  return hex.length % 2 === 0 && /^[0-9a-fA-F]*$/.test(hex) ? Buffer.from(hex, 'hex') : Buffer.from(s.asBytes());
}

function collectSignatureFields(doc: PDFDocument): SigField[] {
  const ctx = doc.context;
  const out: SigField[] = [];
  const seen = new Set<PDFDict>();
  const visit = (obj: PDFObject | undefined, parentName: string, depth: number) => {
    const field = lookupDict(ctx, obj);
    if (!field || seen.has(field) || depth > 32) return;
    seen.add(field);
    const t = decodeText(field.get(PDFName.of('T')));
    const name = t ? (parentName ? `${parentName}.${t}` : t) : parentName;
    const v = lookupDict(ctx, field.get(PDFName.of('V')));
    if (v && v.get(PDFName.of('ByteRange'))) {
      const br = lookupArray(ctx, v.get(PDFName.of('ByteRange')));
      const contents = v.get(PDFName.of('Contents'));
      const bytes = contents instanceof PDFHexString ? hexStringBytes(contents) : contents instanceof PDFString ? Buffer.from(contents.asBytes()) : Buffer.alloc(0);
      const m = decodeText(v.get(PDFName.of('M')));
      out.push({
        name,
        byteRange: br ? br.asArray().map((x) => (x instanceof PDFNumber ? x.asNumber() : NaN)) : [],
        contents: bytes,
        subFilter: v.get(PDFName.of('SubFilter'))?.toString().replace(/^\//, ''),
        claimedTime: m ? parsePdfDate(m) : undefined,
      });
    }
    const kids = lookupArray(ctx, field.get(PDFName.of('Kids')));
    for (let i = 0; kids && i < kids.size(); i++) visit(kids.get(i), name, depth + 1);
  };
  const form = lookupDict(ctx, doc.catalog.get(PDFName.of('AcroForm')));
  const fields = form && lookupArray(ctx, form.get(PDFName.of('Fields')));
  for (let i = 0; fields && i < fields.size(); i++) visit(fields.get(i), '', 0);
  return out.sort((a, b) => (a.byteRange[2] ?? 0) + (a.byteRange[3] ?? 0) - ((b.byteRange[2] ?? 0) + (b.byteRange[3] ?? 0)));
}

export function parsePdfDate(s: string): Date | undefined {
  const m = /^D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Z+-])?(\d{2})?'?(\d{2})?/.exec(s);
  if (!m) return undefined;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', se = '00', z, oh = '00', om = '00'] = m;
  const utc = Date.UTC(+y!, +mo - 1, +d, +h, +mi, +se);
  const off = z === '+' || z === '-' ? (z === '+' ? 1 : -1) * (+oh * 60 + +om) * 60000 : 0;
  return new Date(utc - off);
}

interface CmsCheck {
  signatureOk: boolean;
  digestOk: boolean;
  signer?: pkijs.Certificate;
  signerDer?: Buffer;
  certs: pkijs.Certificate[];
  digestAlg?: string;
  keyOk: boolean;
  signerInfo?: pkijs.SignerInfo;
  problem?: string;
}

// DER of certificates as they arrived (in the CMS, the trust list): re-encoding a parsed
// certificate with pkijs costs more than the whole signature check.
const derOf = new WeakMap<pkijs.Certificate, Buffer>();
function certDer(c: pkijs.Certificate): Buffer {
  let der = derOf.get(c);
  if (!der) {
    der = Buffer.from(c.toSchema(true).toBER(false));
    derOf.set(c, der);
  }
  return der;
}
function certificateFromDer(der: Buffer): pkijs.Certificate {
  const c = parseCertificate(der);
  if (!derOf.has(c)) derOf.set(c, der);
  return c;
}

/** Bounded memo of pure results (a certificate's signature under an issuer key, a CRL's signature). */
const verified = new Map<string, boolean>();
async function memoVerify(key: string, check: () => Promise<boolean>): Promise<boolean> {
  const hit = verified.get(key);
  if (hit !== undefined) return hit;
  const ok = await check();
  if (verified.size >= 4096) verified.delete(verified.keys().next().value!);
  verified.set(key, ok);
  return ok;
}
const idOf = (der: Buffer) => createHash('sha256').update(der).digest('base64');

/**
 * ContentInfo → the SignerInfos and certificates of its SignedData, all read by asn1js. Certificates
 * are taken as raw DER from the parsed CMS and parsed through the certificate cache (the same signer
 * and CA certificates arrive on every document). The SignerInfos are built by pkijs from their own
 * schema, as pkijs.SignedData builds them, without pkijs.SignedData's schema — whose CertificateSet
 * and RevocationInfoChoices parts alone cost more than the signature check; the other fields are
 * still checked against their pkijs schemas, and any other shape goes through pkijs.SignedData.
 * (The DER is not walked by hand to skip the certificates: a second reader of signature bytes is
 * what signature-bypass bugs are made of.)
 */
function parseSignedData(cmsDer: Buffer): { signerInfos: pkijs.SignerInfo[]; certs: pkijs.Certificate[] } {
  const ci = pkijs.ContentInfo.fromBER(toArrayBuffer(cmsDer));
  if (ci.contentType !== OID.signedData) throw new Error('not signed-data');
  const schema = ci.content as asn1js.Sequence;
  const items = schema.valueBlock.value;
  const certs: pkijs.Certificate[] = [];
  const at = items.findIndex((b) => b.idBlock.tagClass === 3 && b.idBlock.tagNumber === 0);
  if (at >= 0) {
    for (const c of (items[at] as asn1js.Constructed).valueBlock.value) {
      // Only plain certificates (SEQUENCE); other choices (attribute certificates) are not used here.
      if (c.idBlock.tagClass !== 1 || c.idBlock.tagNumber !== 16) continue;
      certs.push(certificateFromDer(Buffer.from(c.valueBeforeDecodeView)));
    }
    items.splice(at, 1);
  }
  return { signerInfos: signerInfosOf(items) ?? new pkijs.SignedData({ schema }).signerInfos, certs };
}

/** SignedData without certificates and CRLs: version, digestAlgorithms, encapContentInfo, signerInfos (RFC 5652 §5.1). */
function signerInfosOf(items: asn1js.AsnType[]): pkijs.SignerInfo[] | null {
  const [version, digestAlgorithms, encap, signerInfos] = items;
  if (items.length !== 4 || !(version instanceof asn1js.Integer) || !(digestAlgorithms instanceof asn1js.Set) || !(encap instanceof asn1js.Sequence) || !(signerInfos instanceof asn1js.Set)) return null;
  for (const a of digestAlgorithms.valueBlock.value) new pkijs.AlgorithmIdentifier({ schema: a });
  new pkijs.EncapsulatedContentInfo({ schema: encap });
  return signerInfos.valueBlock.value.map((si) => new pkijs.SignerInfo({ schema: si }));
}

function publicKeyOf(c: pkijs.Certificate): KeyObject {
  return createPublicKey({ key: Buffer.from(c.subjectPublicKeyInfo.toSchema().toBER(false)), format: 'der', type: 'spki' });
}

function keyStrengthOk(key: KeyObject): boolean {
  const d = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') return (d.modulusLength ?? 0) >= 2048;
  if (key.asymmetricKeyType === 'ec') return ['prime256v1', 'secp384r1', 'secp521r1', 'P-256', 'P-384', 'P-521'].includes(d.namedCurve ?? '');
  return false; // Ed25519/Ed448 and others are not in the Vietnamese profile.
}

/** Verifies one SignerInfo of a SignedData over `content` (detached) or its encapsulated content. */
function checkCms(cmsDer: Buffer, content: Buffer | ((alg: string) => Buffer)): CmsCheck {
  let signerInfos: pkijs.SignerInfo[];
  let certs: pkijs.Certificate[];
  try {
    ({ signerInfos, certs } = parseSignedData(cmsDer));
  } catch {
    return { signatureOk: false, digestOk: false, certs: [], keyOk: false, problem: 'Không đọc được dữ liệu chữ ký (CMS)' };
  }
  const si = signerInfos[0];
  if (!si) return { signatureOk: false, digestOk: false, certs, keyOk: false, problem: 'Chữ ký không có thông tin người ký' };
  let signer: pkijs.Certificate | undefined;
  if (si.sid instanceof pkijs.IssuerAndSerialNumber) {
    const sid = si.sid;
    signer = certs.find((c) => c.issuer.isEqual(sid.issuer) && c.serialNumber.isEqual(sid.serialNumber));
  } else {
    const ski = Buffer.from((si.sid as asn1js.OctetString).valueBlock.valueHexView);
    signer = certs.find((c) => {
      const id = createHash('sha1').update(Buffer.from(c.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView)).digest();
      const ext = c.extensions?.find((e) => e.extnID === OID.subjectKeyIdentifier);
      const own = ext ? Buffer.from((ext.parsedValue as asn1js.OctetString).valueBlock.valueHexView) : id;
      return own.equals(ski) || id.equals(ski);
    });
  }
  const digestAlg = DIGEST_BY_OID[si.digestAlgorithm.algorithmId];
  if (!signer) return { signatureOk: false, digestOk: false, certs, digestAlg, keyOk: false, signerInfo: si, problem: 'Không tìm thấy chứng thư số của người ký trong chữ ký' };
  const key = publicKeyOf(signer);
  const keyOk = keyStrengthOk(key);
  if (!digestAlg) return { signatureOk: false, digestOk: false, certs, signer, signerDer: certDer(signer), keyOk, signerInfo: si, problem: 'Thuật toán băm không được hỗ trợ' };
  const data = typeof content === 'function' ? content(digestAlg) : content;
  const digest = createHash(digestAlg).update(data).digest();
  let digestOk: boolean;
  let toVerify: Buffer;
  if (si.signedAttrs) {
    const md = si.signedAttrs.attributes.find((a) => a.type === OID.messageDigest);
    const mdValue = md ? Buffer.from((md.values[0] as asn1js.OctetString).valueBlock.valueHexView) : Buffer.alloc(0);
    digestOk = mdValue.equals(digest);
    toVerify = Buffer.from(si.signedAttrs.encodedValue);
    toVerify[0] = 0x31;
  } else {
    digestOk = true;
    toVerify = data;
  }
  let signatureOk = false;
  try {
    const sigAlg = si.signatureAlgorithm.algorithmId;
    const sig = Buffer.from(si.signature.valueBlock.valueHexView);
    if (key.asymmetricKeyType === 'ed25519' || key.asymmetricKeyType === 'ed448') {
      signatureOk = nodeVerify(null, toVerify, key, sig);
    } else if (sigAlg === '1.2.840.113549.1.1.10') {
      signatureOk = nodeVerify(digestAlg, toVerify, { key, padding: 6 /* RSA_PKCS1_PSS_PADDING */ }, sig);
    } else {
      signatureOk = nodeVerify(digestAlg, toVerify, key, sig);
    }
  } catch {
    signatureOk = false;
  }
  return { signatureOk: signatureOk && digestOk, digestOk, signer, signerDer: certDer(signer), certs, digestAlg, keyOk, signerInfo: si };
}

/** Builds the path signer → … → trusted root, verifying each certificate's signature. */
async function buildTrustedChain(signer: pkijs.Certificate, pool: pkijs.Certificate[], roots: pkijs.Certificate[]): Promise<pkijs.Certificate[] | undefined> {
  const rootDers = new Set(roots.map((r) => certDer(r).toString('hex')));
  const path = [signer];
  let current = signer;
  for (let depth = 0; depth < 8; depth++) {
    if (rootDers.has(certDer(current).toString('hex'))) return path;
    const candidates = [...roots, ...pool].filter((c) => c.subject.isEqual(current.issuer));
    let next: pkijs.Certificate | undefined;
    for (const cand of candidates) {
      if (!isCaCertificate(cand)) continue; // RFC 5280 §4.2.1.9: only CA certificates may issue
      const issuer = cand;
      const subject = current;
      const ok = await memoVerify(`cert:${idOf(certDer(subject))}:${idOf(certDer(issuer))}`, async () => {
        try {
          return await subject.verify(issuer);
        } catch {
          return false;
        }
      });
      if (ok) {
        next = cand;
        break;
      }
    }
    if (!next) return undefined;
    if (next === current) return rootDers.has(certDer(current).toString('hex')) ? path : undefined;
    path.push(next);
    current = next;
  }
  return undefined;
}

function isCaCertificate(c: pkijs.Certificate): boolean {
  const bc = c.extensions?.find((e) => e.extnID === OID.basicConstraints)?.parsedValue as pkijs.BasicConstraints | undefined;
  const ku = keyUsageOf(c);
  // Old self-signed roots without extensions are accepted only when explicitly trusted (v1 roots).
  if (!c.extensions?.length) return true;
  return !!bc?.cA && (!ku.present || ku.keyCertSign);
}

/** ESS signing-certificate(-v2) must name the certificate that made the signature (RFC 5035). */
function essCertMatches(si: pkijs.SignerInfo | undefined, signerDer: Buffer | undefined): boolean | undefined {
  const attr = si?.signedAttrs?.attributes.find((a) => a.type === OID.signingCertificateV2 || a.type === '1.2.840.113549.1.9.16.2.12');
  if (!attr || !signerDer) return undefined;
  try {
    const certs = (attr.values[0] as asn1js.Sequence).valueBlock.value[0] as asn1js.Sequence;
    const first = certs.valueBlock.value[0] as asn1js.Sequence;
    const parts = first.valueBlock.value;
    let alg = attr.type === OID.signingCertificateV2 ? 'sha256' : 'sha1';
    let hashBlock = parts[0];
    if (attr.type === OID.signingCertificateV2 && parts[0] instanceof asn1js.Sequence) {
      alg = DIGEST_BY_OID[new pkijs.AlgorithmIdentifier({ schema: parts[0] }).algorithmId] ?? 'sha256';
      hashBlock = parts[1];
    }
    const expected = Buffer.from((hashBlock as asn1js.OctetString).valueBlock.valueHexView);
    return createHash(alg).update(signerDer).digest().equals(expected);
  } catch {
    return false;
  }
}

async function revocationOf(cert: pkijs.Certificate, issuer: pkijs.Certificate | undefined, crls: pkijs.CertificateRevocationList[], at: Date, trustedTime: boolean): Promise<boolean | null> {
  let checked = false;
  for (const crl of crls) {
    if (!crl.issuer.isEqual(cert.issuer) || !issuer) continue;
    const ok = await memoVerify(`crl:${crlIds.get(crl) ?? Math.random()}:${idOf(certDer(issuer))}`, async () => {
      try {
        return await crl.verify({ issuerCertificate: issuer });
      } catch {
        return false;
      }
    });
    if (!ok) continue;
    checked = true;
    const entry = crl.revokedCertificates?.find((r) => r.userCertificate.isEqual(cert.serialNumber));
    // With a trusted timestamp before the revocation, the signature was made while the cert was good.
    if (entry && (!trustedTime || entry.revocationDate.value <= at)) return true;
  }
  return checked ? false : null;
}

function valueEqual(a: PDFObject | undefined, b: PDFObject | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  if (a instanceof PDFRawStream && b instanceof PDFRawStream) {
    return a.dict.toString() === b.dict.toString() && Buffer.from(a.contents).equals(Buffer.from(b.contents));
  }
  if (a instanceof PDFStream || b instanceof PDFStream) {
    try {
      return Buffer.from((a as PDFStream).getContents()).equals(Buffer.from((b as PDFStream).getContents())) && (a as PDFStream).dict.toString() === (b as PDFStream).dict.toString();
    } catch {
      return false;
    }
  }
  return a.toString() === b.toString();
}

/**
 * What changed between the signed revision and the final file. Changed old objects are classified:
 * annotations, their appearance streams, form fields, signature dictionaries, the AcroForm, a
 * page's /Annots and the catalog's /AcroForm, /DSS, /Perms → 'annotations_or_forms' (ISO 32000-1
 * §12.8.2.2 allows these after signing); anything else (page content, resources, fonts) → 'content'.
 */
async function classifyChanges(signedRevision: Uint8Array, whole: PDFDocument): Promise<Modifications> {
  let before: PDFDocument;
  try {
    before = await PDFDocument.load(signedRevision, { ignoreEncryption: true, updateMetadata: false, throwOnInvalidObject: false });
  } catch {
    return 'content';
  }
  const b = before.context;
  const a = whole.context;
  // Shadow "hide-and-replace": an update whose trailer names another catalog (with its own page
  // tree) changes everything shown while leaving every signed object untouched.
  if (String(b.trailerInfo.Root) !== String(a.trailerInfo.Root)) return 'content';
  if (before.getPageCount() !== whole.getPageCount()) return 'content';
  const appearanceRefs = new Set<string>();
  const annotRefs = new Set<string>();
  const annotsArrays = new Set<string>();
  for (const page of before.getPages()) {
    const raw = page.node.get(PDFName.of('Annots'));
    if (raw instanceof PDFRef) annotsArrays.add(raw.toString());
    const annots = page.node.Annots();
    for (let i = 0; annots && i < annots.size(); i++) {
      const ref = annots.get(i);
      if (ref instanceof PDFRef) annotRefs.add(ref.toString());
      const ad = lookupDict(b, ref);
      const ap = ad && lookupDict(b, ad.get(PDFName.of('AP')));
      for (const key of ['N', 'R', 'D']) {
        const v = ap?.get(PDFName.of(key));
        if (v instanceof PDFRef) appearanceRefs.add(v.toString());
        const sub = lookupDict(b, v);
        if (sub && !(sub instanceof PDFStream)) for (const [, s] of sub.entries()) if (s instanceof PDFRef) appearanceRefs.add(s.toString());
      }
    }
  }
  const infoRef = b.trailerInfo.Info instanceof PDFRef ? b.trailerInfo.Info.toString() : '';
  // Validation data added for long-term validation (PAdES B-LT/LTA, ETSI EN 319 142-1 §5.4.2):
  // the /DSS dictionary and the arrays/dictionaries hanging from it.
  const dssRefs = new Set<string>();
  const catalogBefore = lookupDict(b, b.trailerInfo.Root);
  const dssRaw = catalogBefore?.get(PDFName.of('DSS'));
  if (dssRaw instanceof PDFRef) dssRefs.add(dssRaw.toString());
  // The developer extensions dictionary (ISO 32000-2 §7.12) is metadata about the file's syntax.
  const extRaw = catalogBefore?.get(PDFName.of('Extensions'));
  if (extRaw instanceof PDFRef) dssRefs.add(extRaw.toString());
  for (const [, v] of lookupDict(b, extRaw)?.entries() ?? []) if (v instanceof PDFRef) dssRefs.add(v.toString());
  const dss = lookupDict(b, dssRaw);
  for (const [, v] of dss?.entries() ?? []) {
    if (v instanceof PDFRef) dssRefs.add(v.toString());
    const vri = lookupDict(b, v);
    for (const [, w] of vri?.entries() ?? []) if (w instanceof PDFRef) dssRefs.add(w.toString());
  }
  let result: Modifications = 'none';
  for (const [ref, oldObj] of b.enumerateIndirectObjects()) {
    const newObj = a.lookup(ref);
    if (valueEqual(oldObj, newObj)) continue;
    const key = ref.toString();
    if (key === infoRef) continue;
    if (!newObj) return 'content';
    // XMP metadata refreshed by the signing tool (pyHanko, Acrobat) does not change what is shown.
    const isXmp = oldObj instanceof PDFStream && oldObj.dict.get(PDFName.of('Type'))?.toString() === '/Metadata';
    if (annotRefs.has(key) || appearanceRefs.has(key) || annotsArrays.has(key) || isXmp || dssRefs.has(key)) {
      result = 'annotations_or_forms';
      continue;
    }
    if (oldObj instanceof PDFDict && newObj instanceof PDFDict && !(oldObj instanceof PDFStream)) {
      const type = oldObj.get(PDFName.of('Type'))?.toString();
      const keys = new Set([...oldObj.keys(), ...newObj.keys()].map((k) => k.toString()));
      const changed = [...keys].filter((k) => !valueEqual(oldObj.get(PDFName.of(k.slice(1))), newObj.get(PDFName.of(k.slice(1)))));
      const allowed = (list: string[]) => changed.every((k) => list.includes(k));
      if (type === '/Page' && allowed(['/Annots'])) result = 'annotations_or_forms';
      else if (type === '/Catalog' && allowed(['/AcroForm', '/DSS', '/Perms', '/Metadata', '/Extensions', '/Version'])) result = 'annotations_or_forms';
      else if (oldObj.get(PDFName.of('Fields')) || oldObj.get(PDFName.of('FT')) || type === '/Annot' || type === '/Sig') result = 'annotations_or_forms';
      else return 'content';
      continue;
    }
    if (oldObj instanceof PDFArray) {
      // An AcroForm /Fields array kept as its own object.
      const form = lookupDict(b, lookupDict(b, b.trailerInfo.Root)?.get(PDFName.of('AcroForm')));
      const fieldsRef = form?.get(PDFName.of('Fields'));
      if (fieldsRef instanceof PDFRef && fieldsRef.toString() === key) {
        result = 'annotations_or_forms';
        continue;
      }
    }
    return 'content';
  }
  return result;
}

// Parsed CRLs by the SHA-256 of their DER: the same configured CRLs come with every verification.
const crlCache = new Map<string, pkijs.CertificateRevocationList>();
const crlIds = new WeakMap<pkijs.CertificateRevocationList, string>();
function loadCrls(inputs: (Uint8Array | string)[]): pkijs.CertificateRevocationList[] {
  const out: pkijs.CertificateRevocationList[] = [];
  for (const input of inputs) {
    for (const der of pemOrDerBlocks(input, 'X509 CRL')) {
      const id = idOf(der);
      let crl = crlCache.get(id);
      if (!crl) {
        try {
          crl = pkijs.CertificateRevocationList.fromBER(toArrayBuffer(der));
        } catch {
          throw new AppError('validation', 'Tệp danh sách thu hồi (CRL) không đọc được');
        }
        if (crlCache.size >= 256) crlCache.delete(crlCache.keys().next().value!);
        crlCache.set(id, crl);
        crlIds.set(crl, id);
      }
      out.push(crl);
    }
  }
  return out;
}

export async function verifyPdf(pdf: Uint8Array, options: VerifyOptions): Promise<VerifyReport> {
  const bytes = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength);
  const roots = options.trustRoots.flatMap((r) => pemOrDerBlocks(r)).map((der) => {
    try {
      return certificateFromDer(der);
    } catch {
      throw new AppError('validation', 'Chứng thư gốc tin cậy không đọc được');
    }
  });
  const crls = loadCrls(options.crls ?? []);
  const ocsp: OcspSettings = { ...OCSP_DEFAULTS, ...options.ocsp };
  // Through the cross-reference data first (pdf-lazy.ts): only the AcroForm, its fields and their
  // signature dictionaries are parsed; the full parse when that data is inconsistent.
  let doc: PDFDocument | undefined;
  let fields: SigField[] | undefined;
  try {
    assertXrefUsable(bytes);
    doc = openLazy(bytes, false).doc;
    fields = collectSignatureFields(doc);
  } catch {
    doc = undefined;
  }
  if (!doc || !fields) {
    try {
      doc = await PDFDocument.load(bytes, { ignoreEncryption: true, updateMetadata: false, throwOnInvalidObject: false });
    } catch {
      throw new AppError('validation', 'Tệp PDF bị lỗi cấu trúc, không đọc được');
    }
    fields = collectSignatureFields(doc);
  }
  let whole = doc;
  const reports: SignatureReport[] = [];
  for (const f of fields) {
    const problems: string[] = [];
    const [o1, l1, o2, l2] = f.byteRange;
    const rangeShapeOk =
      f.byteRange.length === 4 &&
      o1 === 0 &&
      [l1, o2, l2].every((v) => Number.isInteger(v) && v! >= 0) &&
      o2! > l1! &&
      o2! + l2! <= bytes.length &&
      bytes[l1!] === 0x3c &&
      bytes[o2! - 1] === 0x3e;
    const covered = rangeShapeOk ? Buffer.concat([bytes.subarray(0, l1), bytes.subarray(o2!, o2! + l2!)]) : Buffer.alloc(0);
    const token = f.contents.subarray(0, derLength(f.contents));
    const isDocTimestamp = f.subFilter === 'ETSI.RFC3161';
    let docTsTime: Date | undefined;
    let cms: CmsCheck | undefined;
    if (rangeShapeOk && isDocTimestamp) {
      // Document timestamp (PAdES B-LTA): a TSA token whose imprint is the hash of the byte range.
      try {
        const info = readTimestampToken(token);
        cms = checkCms(token, info.tstInfoDer);
        const imprintOk = createHash(DIGEST_BY_OID[info.hashOid] ?? 'sha256').update(covered).digest().equals(info.messageImprint);
        if (!imprintOk) cms = { ...cms, signatureOk: false, digestOk: false };
        docTsTime = info.genTime;
      } catch {
        cms = { signatureOk: false, digestOk: false, certs: [], keyOk: false, problem: 'Không đọc được dấu thời gian của tài liệu' };
      }
    } else if (rangeShapeOk) {
      cms = checkCms(token, covered);
    }
    if (!rangeShapeOk) problems.push('Vùng dữ liệu được ký (ByteRange) không hợp lệ');
    if (cms?.problem) problems.push(cms.problem);
    const byteRangeIntact = rangeShapeOk && !!cms?.signatureOk;
    if (essCertMatches(cms?.signerInfo, cms?.signerDer) === false) problems.push('Thuộc tính signing-certificate không khớp chứng thư số của người ký');
    if (rangeShapeOk && cms && !cms.problem && !cms.signatureOk) problems.push(cms.digestOk ? 'Giá trị chữ ký không đúng' : 'Nội dung đã bị thay đổi sau khi ký');
    const coversWholeFile = rangeShapeOk && o2! + l2! === bytes.length;
    const names = cms?.signer ? readName(cms.signer.subject) : {};

    // Timestamp (PAdES B-T): trusted time if its imprint and its signature check out.
    let tsTime: Date | undefined;
    let timestamped = false;
    const tsAttr = cms?.signerInfo?.unsignedAttrs?.attributes.find((a) => a.type === OID.signatureTimeStampToken);
    if (tsAttr && cms?.signerInfo) {
      timestamped = true;
      try {
        const token = Buffer.from(tsAttr.values[0]!.toBER(false));
        const info = readTimestampToken(token);
        const sigValue = Buffer.from(cms.signerInfo.signature.valueBlock.valueHexView);
        const alg = DIGEST_BY_OID[info.hashOid] ?? 'sha256';
        const imprintOk = createHash(alg).update(sigValue).digest().equals(info.messageImprint);
        const tsCheck = checkCms(token, info.tstInfoDer);
        const tsChain = tsCheck.signer ? await buildTrustedChain(tsCheck.signer, tsCheck.certs, roots) : undefined;
        if (imprintOk && tsCheck.signatureOk && tsChain) tsTime = info.genTime;
        else problems.push('Dấu thời gian không hợp lệ hoặc không được tin cậy');
      } catch {
        problems.push('Dấu thời gian không đọc được');
      }
    }
    if (docTsTime && cms?.signatureOk) {
      tsTime = docTsTime;
      timestamped = true;
    }
    const at = tsTime ?? f.claimedTime ?? signingTimeAttr(cms?.signerInfo);
    const signingTimeSource = tsTime ? 'timestamp' : at ? 'claimed' : 'unknown';
    const checkAt = at ?? new Date();

    let chainTrusted = false;
    let certValidAtSigningTime = false;
    let revoked: boolean | null = null;
    let revocationSource: SignatureReport['revocationSource'] = 'none';
    let revocationNote: string | undefined;
    let keyUsageOk = false;
    if (cms?.signer) {
      const chain = await buildTrustedChain(cms.signer, cms.certs, roots);
      chainTrusted = !!chain;
      if (!chainTrusted) problems.push('Chứng thư số không thuộc chuỗi tin cậy (không dẫn tới chứng thư gốc được cấu hình)');
      const path = chain ?? [cms.signer];
      certValidAtSigningTime = path.every((c) => c.notBefore.value <= checkAt && checkAt <= c.notAfter.value);
      if (!certValidAtSigningTime) problems.push('Chứng thư số không còn hiệu lực tại thời điểm ký');
      revoked = await revocationOf(cms.signer, chain?.[1], crls, checkAt, !!tsTime);
      if (revoked !== null) revocationSource = 'crl';
      else if (ocsp.enabled && chain?.[1]) {
        const o = await checkOcsp(cms.signer, chain[1], ocsp);
        if (o && 'answer' in o) {
          revocationSource = 'ocsp';
          const { status, revocationTime } = o.answer;
          // The time rule of the CRL check: revoked after a trusted signing time → signed while good.
          if (status === 'good') revoked = false;
          else if (status === 'revoked') revoked = !tsTime || !revocationTime || revocationTime <= checkAt;
          else revocationNote = `máy chủ OCSP ${o.answer.url} không biết chứng thư số này (trạng thái "unknown")`;
        } else if (o) revocationNote = o.failure;
      }
      if (revoked) problems.push('Chứng thư số đã bị thu hồi');
      const ku = keyUsageOf(cms.signer);
      keyUsageOk = !ku.present || ku.digitalSignature || ku.nonRepudiation;
      if (!keyUsageOk) problems.push('Chứng thư số không được phép dùng để ký số (keyUsage)');
    }
    const algorithmsAllowed = !!cms && !!cms.digestAlg && cms.digestAlg !== 'sha1' && cms.keyOk;
    if (cms?.signer && !algorithmsAllowed) problems.push('Thuật toán không được phép (yêu cầu SHA-256 trở lên, RSA ≥ 2048 bit hoặc ECDSA ≥ 256 bit)');

    let modificationsAfter: Modifications = 'none';
    if (rangeShapeOk && !coversWholeFile) {
      try {
        modificationsAfter = await classifyChanges(bytes.subarray(0, o2! + l2!), whole);
      } catch (e) {
        if (!(e instanceof LazyXrefError)) throw e;
        whole = await PDFDocument.load(bytes, { ignoreEncryption: true, updateMetadata: false, throwOnInvalidObject: false });
        modificationsAfter = await classifyChanges(bytes.subarray(0, o2! + l2!), whole);
      }
      // Bytes after the last %%EOF belong to no revision: readers ignore them, so the comparison
      // above cannot see them, but the file is not what was signed (nor a valid update of it).
      if (rangeShapeOk && trailingJunk(bytes)) problems.push('Có dữ liệu ghi thêm sau chữ ký, chưa được ký và không thuộc bản cập nhật hợp lệ nào của tệp PDF');
      // Bytes between the signed revision and the end that belong to no object or xref section of
      // any later revision (pdf-lazy.ts firstStrayByte): invisible to xref-following readers, seen
      // by readers that rebuild the file by scanning. When the xref chain itself cannot be read,
      // the comparison above already ran on the full parse, which takes every object it scans.
      const stray = strayByteAfter(bytes, o2! + l2!);
      if (stray !== undefined) problems.push(`Có dữ liệu chen giữa các bản cập nhật sau chữ ký (từ byte ${stray}), không thuộc đối tượng nào của tệp PDF`);
    }
    if (modificationsAfter === 'content') problems.push('Nội dung văn bản bị thay đổi sau khi ký');

    const valid = byteRangeIntact && chainTrusted && certValidAtSigningTime && revoked !== true && algorithmsAllowed && keyUsageOk && modificationsAfter !== 'content' && !problems.length;
    reports.push({
      fieldName: f.name,
      signerName: names.commonName ?? '',
      organization: names.organization,
      signingTime: at ? isoVietnam(at) : undefined,
      signingTimeSource,
      subFilter: f.subFilter,
      byteRangeIntact,
      coversWholeFile,
      chainTrusted,
      certValidAtSigningTime,
      revoked,
      revocationSource,
      ...(revocationNote ? { revocationNote } : {}),
      algorithmsAllowed,
      keyUsageOk,
      timestamped,
      modificationsAfter,
      valid,
      problems,
    });
  }
  if (!reports.length) return { verdict: 'unsigned', message: 'Văn bản không có chữ ký số', signatures: [] };
  const bad = reports.filter((r) => !r.valid);
  if (bad.length) {
    const first = bad[0]!;
    return {
      verdict: 'invalid',
      message: `${bad.length}/${reports.length} chữ ký số không hợp lệ. Chữ ký của "${first.signerName || first.fieldName}": ${first.problems.join('; ') || 'không hợp lệ'}`,
      signatures: reports,
    };
  }
  const unchecked = reports.filter((r) => r.revoked === null);
  const notes = [...new Set(unchecked.flatMap((r) => (r.revocationNote ? [r.revocationNote] : [])))];
  if (notes.length && unchecked.some((r) => !r.revocationNote)) notes.push('không có CRL của đơn vị cấp');
  const remark = !unchecked.length ? '' : notes.length ? ` (chưa kiểm tra được tình trạng thu hồi: ${notes.join('; ')})` : ' (chưa kiểm tra thu hồi: không có CRL của đơn vị cấp)';
  return {
    verdict: 'valid',
    message: `Tất cả ${reports.length} chữ ký số hợp lệ${remark}`,
    signatures: reports,
  };
}

function strayByteAfter(bytes: Buffer, signedEnd: number): number | undefined {
  try {
    return firstStrayByte(bytes, signedEnd);
  } catch (e) {
    if (e instanceof LazyXrefError) return undefined;
    throw e;
  }
}

/** Anything but whitespace (or a lone NUL padding) after the last %%EOF marker. */
function trailingJunk(bytes: Buffer): boolean {
  const eof = bytes.lastIndexOf('%%EOF');
  if (eof < 0) return true;
  const rest = bytes.subarray(eof + 5);
  return rest.some((c) => !(c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x0c || c === 0x00));
}

function signingTimeAttr(si: pkijs.SignerInfo | undefined): Date | undefined {
  const a = si?.signedAttrs?.attributes.find((x) => x.type === OID.signingTime);
  const v = a?.values[0] as asn1js.UTCTime | asn1js.GeneralizedTime | undefined;
  return v ? v.toDate() : undefined;
}

/** Length of the DER object at the start of the zero-padded /Contents. */
function derLength(buf: Buffer): number {
  if (buf.length < 2 || buf[0] !== 0x30) return buf.length;
  const l = buf[1]!;
  if (l < 0x80) return 2 + l;
  const n = l & 0x7f;
  if (n === 0) return buf.length; // indefinite length (BER): let the parser find the end
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + buf[2 + i]!;
  return Math.min(buf.length, 2 + n + len);
}
