// Enveloped XML signature of an edXML package by the sending agency (QCVN 102:2016: XMLDSig in
// edXMLHeader/Signature). One Reference with URI="" covers the whole document (header, manifest and
// AttachmentEncoded), so changing any header field or any attachment breaks it. Algorithms follow
// circular 15/2025/TT-BKHCN via DOMAIN.md §4: RSA ≥ 2048 with SHA-256 or stronger, never SHA-1.
import { X509Certificate, createHash, createPrivateKey, randomBytes, timingSafeEqual, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import type { Document, Element, Node as XmlNode, Text } from '@xmldom/xmldom';
import { ExclusiveCanonicalization, SignedXml } from 'xml-crypto';
import { AppError } from '../../errors.ts';
import { DEFAULT_LIMITS, EDXML_NS, XMLDSIG_NS, type EdxmlLimits } from './edxml-model.ts';
import { decodePackageText, parseXmlDocument, scanMarkup } from './xml-safety.ts';

const ALG = {
  rsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  rsaSha512: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
  sha512: 'http://www.w3.org/2001/04/xmlenc#sha512',
  excC14n: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  c14n: 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315',
  enveloped: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
} as const;

const ALLOWED_SIGNATURE_METHODS = new Set<string>([ALG.rsaSha256, ALG.rsaSha512]);
const ALLOWED_DIGEST_METHODS = new Set<string>([ALG.sha256, ALG.sha512]);
const ALLOWED_C14N = new Set<string>([
  ALG.excC14n,
  'http://www.w3.org/2001/10/xml-exc-c14n#WithComments',
  ALG.c14n,
  'http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments',
]);
const MIN_RSA_BITS = 2048;

export interface SignPackageOptions {
  /** PEM private key of the sending agency (RSA ≥ 2048). */
  keyPem: string | Buffer;
  /** PEM certificate matching the key; intermediate certificates may follow it in the same PEM. */
  certPem: string | Buffer;
  /** Default rsa-sha256. */
  algorithm?: 'rsa-sha256' | 'rsa-sha512';
}

export interface VerifyPackageOptions {
  /** PEM roots the signer's certificate must chain to; without them only integrity is checked. */
  trustRoots?: (string | Buffer)[];
  /** Time at which the certificate must be valid (default: now). */
  at?: Date;
  limits?: Partial<EdxmlLimits>;
  /**
   * Return the canonical XML the signature covers (`signedContent`). xml-crypto parses with its own
   * xmldom 0.8; parsing this text, rather than the received bytes, guarantees that what we register
   * is exactly what was signed, whatever the two parser versions might disagree on.
   */
  includeSignedContent?: boolean;
  /** Return the verified DOM (`document`) instead of the canonical text when the fast path applies. */
  includeDocument?: boolean;
  /** Always use xml-crypto's general verifier (tests compare it with the fast path). */
  generalVerifier?: boolean;
}

export interface VerifyPackageResult {
  /** Signature intact, allowed algorithms, certificate in its validity period and, if roots were given, trusted. */
  valid: boolean;
  /** One-line subject of the signing certificate (`CN=…, O=…`), when one was found. */
  signerSubject: string | null;
  /** Vietnamese explanation, shown to the clerk checking the package. */
  reason: string;
  /** True only when trustRoots were given and the certificate chains to one of them. */
  trusted: boolean;
  signatureMethod?: string;
  digestMethod?: string;
  certificate?: { serialNumber: string; issuer: string; validFrom: string; validTo: string; fingerprint256: string };
  /** Only when valid and asked for: the signed document, canonicalised, without the signature. */
  signedContent?: string;
  /**
   * Only when valid and asked for (`includeDocument`): the parsed document whose canonical form
   * (without the Signature element) produced the signed digest. Reading the package from this DOM
   * is reading exactly what was signed, without serialising and parsing it a second time.
   */
  document?: Document;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function splitPemCertificates(pem: string | Buffer): X509Certificate[] {
  const text = typeof pem === 'string' ? pem : pem.toString('utf8');
  return (text.match(PEM_CERT) ?? []).map((p) => new X509Certificate(p));
}

/** Node prints distinguished names one attribute per line; show them on one line, most specific first. */
export function oneLineName(name: string): string {
  return name
    .split('\n')
    .filter((l) => l !== '')
    .reverse()
    .join(', ');
}

function escapeXml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}

function checkRsaKey(key: KeyObject, what: string): void {
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (key.asymmetricKeyType !== 'rsa' || bits < MIN_RSA_BITS) {
    throw new AppError(
      'validation',
      `${what} phải là khóa RSA từ ${MIN_RSA_BITS} bit trở lên (hiện: ${key.asymmetricKeyType ?? '?'} ${bits} bit).`,
      { keyType: key.asymmetricKeyType, bits },
    );
  }
}

function findChild(el: Element | null | undefined, ns: string, name: string): Element | undefined {
  if (!el) return undefined;
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).localName === name && (n as Element).namespaceURI === ns) return n as Element;
  }
  return undefined;
}

function findChildren(el: Element | null | undefined, ns: string, name: string): Element[] {
  const out: Element[] = [];
  if (!el) return out;
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).localName === name && (n as Element).namespaceURI === ns) out.push(n as Element);
  }
  return out;
}

/**
 * Sign a built package (enveloped XMLDSig, RSA-SHA256, SHA-256 digest, exclusive C14N) and return the
 * signed XML. The package must not be signed already.
 */
export function signPackage(xml: string, opts: SignPackageOptions): string {
  const { text } = decodePackageText(xml, DEFAULT_LIMITS.maxPackageBytes);
  scanMarkup(text, DEFAULT_LIMITS);
  const doc = parseXmlDocument(text);
  const root = doc.documentElement as Element;
  const header = findChild(findChild(root, EDXML_NS, 'edXMLEnvelope'), EDXML_NS, 'edXMLHeader');
  if (root.localName !== 'edXML' || root.namespaceURI !== EDXML_NS || !header) {
    throw new AppError('validation', 'Không ký được: nội dung không phải gói tin edXML QCVN 102:2016.');
  }
  for (let n = header.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).localName === 'Signature') {
      throw new AppError('conflict', 'Gói tin edXML đã có chữ ký; không ký chồng.');
    }
  }
  const { key, cert, certBodies } = signingIdentity(opts);
  const now = Date.now();
  if (now < Date.parse(cert.validFrom) || now > Date.parse(cert.validTo)) {
    throw new AppError('validation', `Chứng thư số không còn hiệu lực (${cert.validFrom} – ${cert.validTo}).`);
  }
  const sha512 = opts.algorithm === 'rsa-sha512';
  // What xml-crypto's SignedXml produced for this one shape (enveloped + exclusive C14N over
  // URI="", appended to edXMLHeader), computed directly: the digest is the same exclusive canonical
  // form the verifier checks (big Base64 text nodes hashed beside the canonicaliser, see
  // envelopedDigest), and SignedInfo is written in its canonical form, so the text signed is the
  // text in the package. The general verifier (xml-crypto) accepts it; a unit test holds both.
  const digest = envelopedDigest(root, null, sha512 ? 'sha512' : 'sha256').toString('base64');
  const signedInfo =
    `<SignedInfo xmlns="${XMLDSIG_NS}"><CanonicalizationMethod Algorithm="${ALG.excC14n}"></CanonicalizationMethod>` +
    `<SignatureMethod Algorithm="${sha512 ? ALG.rsaSha512 : ALG.rsaSha256}"></SignatureMethod>` +
    `<Reference URI=""><Transforms><Transform Algorithm="${ALG.enveloped}"></Transform><Transform Algorithm="${ALG.excC14n}"></Transform></Transforms>` +
    `<DigestMethod Algorithm="${sha512 ? ALG.sha512 : ALG.sha256}"></DigestMethod><DigestValue>${digest}</DigestValue></Reference></SignedInfo>`;
  const value = cryptoSign(sha512 ? 'sha512' : 'sha256', Buffer.from(signedInfo, 'utf8'), key).toString('base64');
  // In the package, as xml-crypto wrote it: empty elements closed short, the namespace inherited
  // from Signature (exclusive C14N gives back exactly `signedInfo`).
  const signedInfoInPackage = signedInfo.replace(` xmlns="${XMLDSIG_NS}"`, '').replace(/<(\w+) Algorithm="([^"]*)"><\/\1>/g, '<$1 Algorithm="$2"/>');
  const signature =
    `<Signature xmlns="${XMLDSIG_NS}">${signedInfoInPackage}<SignatureValue>${value}</SignatureValue><KeyInfo>` +
    // Subject name as in the official samples, then the signer's certificate and its chain.
    `<X509Data><X509SubjectName>${escapeXml(oneLineName(cert.subject))}</X509SubjectName>` +
    certBodies.map((b) => `<X509Certificate>${b}</X509Certificate>`).join('') +
    '</X509Data></KeyInfo></Signature>';
  // Appended as the last child of edXMLHeader: its end tag must be found exactly once in the text
  // (a comment or CDATA quoting it would make the place ambiguous; refused rather than guessed).
  const endTag = `</${header.tagName}>`;
  const at = text.indexOf(endTag);
  if (at < 0 || text.indexOf(endTag, at + endTag.length) >= 0) {
    throw new AppError('validation', 'Không ký được: không xác định được vị trí kết thúc của edXMLHeader.');
  }
  return text.slice(0, at) + signature + text.slice(at);
}

/**
 * Key and certificates of a signing identity, read and checked once per PEM pair (every status
 * receipt of an agency is signed with the same pair; parsing the PEM and matching key and
 * certificate cost more than the signature itself). Validity in time is checked on every call.
 */
const identities = new Map<string, { key: KeyObject; cert: X509Certificate; certBodies: string[] }>();
function signingIdentity(opts: SignPackageOptions): { key: KeyObject; cert: X509Certificate; certBodies: string[] } {
  const keyText = typeof opts.keyPem === 'string' ? opts.keyPem : opts.keyPem.toString('utf8');
  const certText = typeof opts.certPem === 'string' ? opts.certPem : opts.certPem.toString('utf8');
  const id = `${keyText}\u0000${certText}`;
  const known = identities.get(id);
  if (known) return known;
  let key: KeyObject;
  let certs: X509Certificate[];
  try {
    key = createPrivateKey(keyText);
    certs = splitPemCertificates(certText);
  } catch (e) {
    throw new AppError('validation', 'Không đọc được khóa bí mật hoặc chứng thư số (PEM).', {
      cause: e instanceof Error ? e.message : String(e),
    });
  }
  const cert = certs[0];
  if (!cert) throw new AppError('validation', 'Không tìm thấy chứng thư số trong tệp PEM.');
  checkRsaKey(key, 'Khóa ký');
  if (!cert.checkPrivateKey(key)) {
    throw new AppError('validation', 'Khóa bí mật không khớp với chứng thư số.');
  }
  return remember(identities, id, { key, cert, certBodies: certs.map((c) => c.raw.toString('base64')) }, 32);
}

const hasElementChild = (el: Element | undefined): boolean => {
  for (let n = el?.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) return true;
  return false;
};

/** Text nodes at least this long (the Base64 attachments) are hashed beside the canonical text. */
const BIG_TEXT = 2048;
/** Characters that C14N escapes in text (https://www.w3.org/TR/xml-c14n#ProcessingModel). */
const ESCAPED_IN_TEXT = /[&<>\r]/;

/**
 * SHA digest of the exclusive canonical form of the document without `sigEl` (the enveloped
 * transform), computed with xml-crypto's canonicaliser. Large text nodes that C14N leaves unchanged
 * (Base64 attachments: no `&`, `<`, `>` or CR) are swapped for unique random markers while the
 * canonicaliser runs and hashed in place afterwards: the digest is that of the same canonical
 * text, without the canonicaliser building and copying a string of the whole attachment (most of
 * the cost of verifying a package with a 200 KB PDF). The DOM is restored before returning.
 */
function envelopedDigest(root: Element, sigEl: Element | null, algorithm: 'sha256' | 'sha512'): Buffer {
  const hash = createHash(algorithm);
  withoutSignature(root, sigEl, (canonical, swapped) => {
    let pos = 0;
    for (const { marker, data } of swapped) {
      const at = canonical.indexOf(marker, pos);
      // The marker is random and generated here, so it cannot come from the package; be strict anyway.
      if (at < 0 || canonical.indexOf(marker, at + marker.length) >= 0) throw new Error('canonical marker not unique');
      hash.update(canonical.slice(pos, at), 'utf8');
      hash.update(data, 'utf8');
      pos = at + marker.length;
    }
    hash.update(canonical.slice(pos), 'utf8');
  }, true);
  return hash.digest();
}

/** The canonical text of the document without the signature (slow: whole attachments in one string). */
function canonicalWithoutSignature(root: Element, sigEl: Element): string {
  let out = '';
  withoutSignature(root, sigEl, (canonical) => (out = canonical), false);
  return out;
}

function withoutSignature(root: Element, sigEl: Element | null, use: (canonical: string, swapped: { marker: string; data: string }[]) => void, swapBig: boolean): void {
  const parent = sigEl?.parentNode ?? null;
  const next = sigEl?.nextSibling ?? null;
  const swapped: { node: Text; marker: string; data: string }[] = [];
  if (sigEl) parent!.removeChild(sigEl);
  try {
    if (swapBig) {
      const nonce = randomBytes(16).toString('hex');
      // Document order, so the markers appear in the canonical text in the order of `swapped`.
      const visit = (n: XmlNode): void => {
        for (let c = n.firstChild; c; c = c.nextSibling) {
          if (c.nodeType === 1) visit(c);
          else if (c.nodeType === 3) {
            const t = c as Text;
            if (t.data.length >= BIG_TEXT && !ESCAPED_IN_TEXT.test(t.data)) swapped.push({ node: t, marker: `vanthu${nonce}m${swapped.length}x`, data: t.data });
          }
        }
      };
      visit(root);
      for (const s of swapped) s.node.data = s.marker;
    }
    const canonical = new ExclusiveCanonicalization().process(root as unknown as Parameters<ExclusiveCanonicalization['process']>[0], {});
    use(canonical, swapped);
  } finally {
    for (const s of swapped) s.node.data = s.data;
    if (sigEl) parent!.insertBefore(sigEl, next);
  }
}

/**
 * Core validation (XMLDSig §3.2) of an enveloped, exclusive-C14N signature over the whole document:
 * reference digest, then the RSA signature over the canonical SignedInfo. Null when both hold,
 * otherwise the reason.
 */
function verifyEnvelopedExcC14n(root: Element, sigEl: Element, signedInfo: Element, ref: Element, publicKey: KeyObject, signatureMethod: string, digestMethod: string): string | null {
  const expected = Buffer.from((findChild(ref, XMLDSIG_NS, 'DigestValue')?.textContent ?? '').replace(/\s+/g, ''), 'base64');
  let actual: Buffer;
  try {
    actual = envelopedDigest(root, sigEl, digestMethod === ALG.sha512 ? 'sha512' : 'sha256');
  } catch (e) {
    return `Không kiểm tra được chữ ký: ${e instanceof Error ? e.message : String(e)}`;
  }
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return 'Nội dung gói tin đã bị thay đổi sau khi ký (giá trị băm không khớp).';
  const canonicalSignedInfo = new ExclusiveCanonicalization().process(signedInfo as unknown as Parameters<ExclusiveCanonicalization['process']>[0], {});
  const value = Buffer.from((findChild(sigEl, XMLDSIG_NS, 'SignatureValue')?.textContent ?? '').replace(/\s+/g, ''), 'base64');
  let good = false;
  try {
    good = cryptoVerify(signatureMethod === ALG.rsaSha512 ? 'sha512' : 'sha256', Buffer.from(canonicalSignedInfo, 'utf8'), publicKey, value);
  } catch {
    good = false;
  }
  return good ? null : 'Giá trị chữ ký không đúng: phần thông tin ký đã bị sửa hoặc chứng thư không phải của người ký.';
}

/** The certificates above `signer` up to a trust root (empty when it is a root), or null. */
function chainToRoot(signer: X509Certificate, extra: X509Certificate[], roots: X509Certificate[], at: number): X509Certificate[] | null {
  let current = signer;
  const path: X509Certificate[] = [];
  for (let depth = 0; depth < 6; depth++) {
    if (roots.some((r) => r.fingerprint256 === current.fingerprint256)) return path;
    const root = roots.find((r) => current.checkIssued(r) && current.verify(r.publicKey) && validAt(r, at));
    if (root) return [...path, root];
    const next = extra.find(
      (i) => i.fingerprint256 !== current.fingerprint256 && current.checkIssued(i) && current.verify(i.publicKey) && i.ca && validAt(i, at),
    );
    if (!next) return null;
    path.push(next);
    current = next;
  }
  return null;
}

const validAt = (c: X509Certificate, at: number): boolean => at >= Date.parse(c.validFrom) && at <= Date.parse(c.validTo);

/** Bounded insertion-order memo (oldest dropped first). */
function remember<V>(m: Map<string, V>, key: string, value: V, max: number): V {
  if (m.size >= max) m.delete(m.keys().next().value!);
  m.set(key, value);
  return value;
}

/**
 * Parsed trust roots by their PEM text, and chains already built, keyed by the certificates
 * themselves (signer, chain sent with it, roots — by SHA-256 fingerprint), never by package bytes:
 * the same agency signs every package it sends, and parsing the roots and verifying each link
 * (RSA) cost more than the rest of the package signature check. A cached chain holds only the
 * pure part (who issued whom, signatures); validity at the time asked is checked again on every
 * call.
 */
const parsedRoots = new Map<string, X509Certificate[]>();
const chains = new Map<string, X509Certificate[]>();
const parsedCerts = new Map<string, X509Certificate>();

function rootsOf(trustRoots: (string | Buffer)[]): X509Certificate[] {
  return trustRoots.flatMap((r) => {
    const pem = typeof r === 'string' ? r : r.toString('utf8');
    return parsedRoots.get(pem) ?? remember(parsedRoots, pem, splitPemCertificates(pem), 64);
  });
}

/** X509Certificate of the Base64 DER in KeyInfo (the certificate's own bytes are the key). */
function certificateOf(base64: string): X509Certificate {
  return parsedCerts.get(base64) ?? remember(parsedCerts, base64, new X509Certificate(Buffer.from(base64, 'base64')), 256);
}

function chainsToRoot(signer: X509Certificate, extra: X509Certificate[], roots: X509Certificate[], at: number): boolean {
  const key = [signer, ...extra, ...roots].map((c) => c.fingerprint256).join('|');
  const cached = chains.get(key);
  if (cached && cached.every((c) => validAt(c, at))) return true;
  const path = chainToRoot(signer, extra, roots, at);
  // Only found chains are kept: a failure may be a validity period, which depends on `at`.
  if (path) remember(chains, key, path, 256);
  return path !== null;
}

/**
 * Verify the sending agency's signature on a package. Hostile XML (DOCTYPE, depth, size, syntax)
 * is refused with an AppError exactly as parseEdxml refuses it; every signature problem gives
 * `valid: false` with a reason.
 */
export function verifyPackageSignature(xml: string | Uint8Array, opts: VerifyPackageOptions = {}): VerifyPackageResult {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const { text } = decodePackageText(xml, limits.maxPackageBytes);
  scanMarkup(text, limits);
  const doc = parseXmlDocument(text);
  const result = (reason: string, extra: Partial<VerifyPackageResult> = {}): VerifyPackageResult => ({
    valid: false,
    signerSubject: null,
    reason,
    trusted: false,
    ...extra,
  });

  const all = Array.from(doc.getElementsByTagNameNS(XMLDSIG_NS, 'Signature')) as Element[];
  if (all.length === 0) {
    const legacy = doc.getElementsByTagNameNS(EDXML_NS, 'Signature').length > 0;
    return result(
      legacy
        ? 'Chữ ký không theo chuẩn XMLDSig (phần tử Signature không thuộc không gian tên http://www.w3.org/2000/09/xmldsig#).'
        : 'Gói tin chưa được ký.',
    );
  }
  // One signature only: a second one is how signature-wrapping attacks smuggle content.
  if (all.length > 1) return result('Gói tin có nhiều hơn một chữ ký XMLDSig; không chấp nhận.');
  const sigEl = all[0]!;
  const root = doc.documentElement as Element;
  const header = findChild(findChild(root, EDXML_NS, 'edXMLEnvelope'), EDXML_NS, 'edXMLHeader');
  if (root.localName !== 'edXML' || root.namespaceURI !== EDXML_NS || !header || sigEl.parentNode !== header) {
    return result('Chữ ký không nằm ở edXMLEnvelope/edXMLHeader như QCVN 102:2016 quy định.');
  }

  const signedInfo = findChild(sigEl, XMLDSIG_NS, 'SignedInfo');
  const c14n = findChild(signedInfo, XMLDSIG_NS, 'CanonicalizationMethod')?.getAttribute('Algorithm') ?? '';
  const signatureMethod = findChild(signedInfo, XMLDSIG_NS, 'SignatureMethod')?.getAttribute('Algorithm') ?? '';
  const refs = findChildren(signedInfo, XMLDSIG_NS, 'Reference');
  const digestMethod = findChild(refs[0], XMLDSIG_NS, 'DigestMethod')?.getAttribute('Algorithm') ?? '';
  const algs = { signatureMethod, digestMethod };
  if (!ALLOWED_C14N.has(c14n)) return result(`Phương pháp chuẩn hóa "${c14n}" không được chấp nhận.`, algs);
  if (!ALLOWED_SIGNATURE_METHODS.has(signatureMethod)) {
    return result(`Thuật toán ký "${signatureMethod}" không được chấp nhận (yêu cầu RSA-SHA256 trở lên).`, algs);
  }
  if (refs.length !== 1) return result('Chữ ký phải có đúng một tham chiếu tới toàn bộ gói tin.', algs);
  const ref = refs[0]!;
  if (ref.getAttribute('URI') !== '') return result('Chữ ký không bao trùm toàn bộ gói tin (URI phải rỗng).', algs);
  const transforms = findChildren(findChild(ref, XMLDSIG_NS, 'Transforms'), XMLDSIG_NS, 'Transform').map(
    (t) => t.getAttribute('Algorithm') ?? '',
  );
  if (!transforms.includes(ALG.enveloped) || transforms.some((t) => t !== ALG.enveloped && !ALLOWED_C14N.has(t))) {
    return result('Các phép biến đổi của chữ ký không được chấp nhận (chỉ enveloped-signature và C14N).', algs);
  }
  if (!ALLOWED_DIGEST_METHODS.has(digestMethod)) {
    return result(`Thuật toán băm "${digestMethod}" không được chấp nhận (yêu cầu SHA-256 trở lên).`, algs);
  }

  const x509Data = findChild(findChild(sigEl, XMLDSIG_NS, 'KeyInfo'), XMLDSIG_NS, 'X509Data');
  const certEls = findChildren(x509Data, XMLDSIG_NS, 'X509Certificate');
  if (certEls.length === 0) return result('Chữ ký không kèm chứng thư số (KeyInfo/X509Data/X509Certificate).', algs);
  let certs: X509Certificate[];
  try {
    certs = certEls.map((e) => certificateOf((e.textContent ?? '').replace(/\s+/g, '')));
  } catch {
    return result('Không đọc được chứng thư số kèm chữ ký.', algs);
  }
  const cert = certs[0]!;
  const signerSubject = oneLineName(cert.subject);
  const certificate = {
    serialNumber: cert.serialNumber,
    issuer: oneLineName(cert.issuer),
    validFrom: cert.validFrom,
    validTo: cert.validTo,
    fingerprint256: cert.fingerprint256,
  };
  const withCert = { ...algs, signerSubject, certificate };
  try {
    checkRsaKey(cert.publicKey, 'Khóa của chứng thư số');
  } catch (e) {
    return result(e instanceof Error ? e.message : String(e), withCert);
  }

  let signedContent: { signedContent?: string; document?: Document } = {};
  const transformEls = findChildren(findChild(ref, XMLDSIG_NS, 'Transforms'), XMLDSIG_NS, 'Transform');
  const c14nEl = findChild(signedInfo, XMLDSIG_NS, 'CanonicalizationMethod');
  // What we sign (and what most systems send): enveloped + exclusive C14N, no InclusiveNamespaces.
  const fastPath =
    !opts.generalVerifier &&
    c14n === ALG.excC14n &&
    transforms.length === 2 &&
    transforms[0] === ALG.enveloped &&
    transforms[1] === ALG.excC14n &&
    !hasElementChild(c14nEl) &&
    !transformEls.some(hasElementChild);
  if (fastPath) {
    const fail = verifyEnvelopedExcC14n(root, sigEl, signedInfo!, ref, cert.publicKey, signatureMethod, digestMethod);
    if (fail) return result(fail, withCert);
    if (opts.includeDocument) signedContent = { document: doc };
    else if (opts.includeSignedContent) signedContent = { signedContent: canonicalWithoutSignature(root, sigEl) };
  } else {
    const verifier = new SignedXml({ publicCert: cert.publicKey.export({ format: 'pem', type: 'spki' }), getCertFromKeyInfo: () => null });
    // Defence in depth: the library itself must not accept anything weaker than we checked above.
    verifier.SignatureAlgorithms = {
      [ALG.rsaSha256]: verifier.SignatureAlgorithms[ALG.rsaSha256]!,
      [ALG.rsaSha512]: verifier.SignatureAlgorithms[ALG.rsaSha512]!,
    };
    verifier.HashAlgorithms = {
      [ALG.sha256]: verifier.HashAlgorithms[ALG.sha256]!,
      [ALG.sha512]: verifier.HashAlgorithms[ALG.sha512]!,
    };
    try {
      verifier.loadSignature(sigEl as unknown as Parameters<SignedXml['loadSignature']>[0]);
      if (!verifier.checkSignature(text)) {
        return result('Nội dung gói tin đã bị thay đổi sau khi ký (giá trị băm không khớp).', withCert);
      }
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      return result(
        msg.includes('signature value')
          ? 'Giá trị chữ ký không đúng: phần thông tin ký đã bị sửa hoặc chứng thư không phải của người ký.'
          : `Không kiểm tra được chữ ký: ${msg}`,
        withCert,
      );
    }
    if (opts.includeSignedContent || opts.includeDocument) signedContent = { signedContent: verifier.getSignedReferences()[0] };
  }

  const at = (opts.at ?? new Date()).getTime();
  if (at < Date.parse(cert.validFrom) || at > Date.parse(cert.validTo)) {
    return result(`Chứng thư số không có hiệu lực tại thời điểm kiểm tra (${cert.validFrom} – ${cert.validTo}).`, withCert);
  }
  if (opts.trustRoots && opts.trustRoots.length > 0) {
    const roots = rootsOf(opts.trustRoots);
    if (!chainsToRoot(cert, certs.slice(1), roots, at)) {
      return result('Chứng thư số của bên ký không được cấp bởi tổ chức cung cấp dịch vụ tin cậy đã cấu hình.', withCert);
    }
    return { valid: true, trusted: true, reason: 'Chữ ký hợp lệ; chứng thư số thuộc chuỗi tin cậy.', ...withCert, ...signedContent };
  }
  return {
    valid: true,
    trusted: false,
    reason: 'Chữ ký hợp lệ, nội dung toàn vẹn; chưa kiểm tra chuỗi tin cậy (không cấu hình chứng thư gốc).',
    ...withCert,
    ...signedContent,
  };
}
