// OCSP (RFC 6960) for a signer's certificate when no CRL of its issuer answers (DOMAIN.md §4:
// "revocation (CRL/OCSP)"). The responder comes from the certificate's Authority Information Access;
// request and response are pkijs's OCSPRequest / OCSPResponse / BasicOCSPResponse, and the response
// must be signed by the issuer itself or by a responder the issuer delegated with id-kp-OCSPSigning
// (RFC 6960 §4.2.2.2, checked by BasicOCSPResponse.verify). Answers are cached per (issuer, serial)
// until the response's nextUpdate; a response without nextUpdate is not cached (RFC 6960 §4.2.2.1:
// newer information is always available).
import { createHash, randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { ensurePkijsEngine, toArrayBuffer } from './pki-util.ts';

ensurePkijsEngine();

export interface OcspSettings {
  enabled: boolean;
  /** Per request; a responder that does not answer in time leaves revocation unchecked. */
  timeoutMs: number;
}

export const OCSP_DEFAULTS: OcspSettings = { enabled: true, timeoutMs: 5000 };

/** An OCSP answer for one certificate is a few kilobytes; more is not an answer. */
const MAX_RESPONSE_BYTES = 256 * 1024;

export type OcspAnswer = { status: 'good' | 'unknown' | 'revoked'; revocationTime?: Date; thisUpdate: Date; nextUpdate?: Date; url: string };

/** An answer, or why there is none (a Vietnamese phrase for the verdict). */
export type OcspOutcome = { answer: OcspAnswer } | { failure: string };

const OID_AIA = '1.3.6.1.5.5.7.1.1';
const OID_AD_OCSP = '1.3.6.1.5.5.7.48.1';
const OID_BASIC = '1.3.6.1.5.5.7.48.1.1';
const OID_NONCE = '1.3.6.1.5.5.7.48.1.2';
// DOMAIN.md §4: no SHA-1 — for the responder's signature as for the document's.
const SHA1_SIGNATURES = new Set(['1.2.840.113549.1.1.5', '1.2.840.10045.4.1', '1.2.840.10040.4.3']);
// Clock difference tolerated between us and the responder.
const SKEW_MS = 5 * 60_000;

/** OCSP responder URLs (http/https) from the certificate's Authority Information Access. */
export function ocspUrls(cert: pkijs.Certificate): string[] {
  const ext = cert.extensions?.find((e) => e.extnID === OID_AIA);
  const aia = ext?.parsedValue instanceof pkijs.InfoAccess ? ext.parsedValue : undefined;
  return (aia?.accessDescriptions ?? [])
    .filter((d) => d.accessMethod === OID_AD_OCSP && d.accessLocation.type === 6)
    .map((d) => String(d.accessLocation.value))
    .filter((u) => /^https?:\/\//i.test(u));
}

const cache = new Map<string, { answer: OcspAnswer; until: number }>();
// Issuer ids by certificate object (verify.ts hands the same parsed trust roots every time):
// re-encoding the issuer for each lookup cost about as much as the rest of a cached check.
const issuerIds = new WeakMap<pkijs.Certificate, string>();
function keyOf(cert: pkijs.Certificate, issuer: pkijs.Certificate): string {
  let id = issuerIds.get(issuer);
  if (!id) {
    id = createHash('sha256').update(Buffer.from(issuer.toSchema(true).toBER(false))).digest('base64');
    issuerIds.set(issuer, id);
  }
  return `${id}:${Buffer.from(cert.serialNumber.valueBlock.valueHexView).toString('hex')}`;
}

/** Forgets cached answers (tests; an administrator's "check again"). */
export function clearOcspCache(): void {
  cache.clear();
}

/**
 * The responder's answer for `cert` issued by `issuer`, or undefined when the certificate names no
 * OCSP responder. Never throws for network or protocol trouble: that is a `failure`.
 */
export async function checkOcsp(cert: pkijs.Certificate, issuer: pkijs.Certificate, settings: OcspSettings, now = new Date()): Promise<OcspOutcome | undefined> {
  const urls = ocspUrls(cert);
  if (!urls.length) return undefined;
  const key = keyOf(cert, issuer);
  const hit = cache.get(key);
  if (hit && hit.until > now.getTime()) return { answer: hit.answer };
  const certId = await pkijs.CertID.create(cert, { hashAlgorithm: 'SHA-256', issuerCertificate: issuer });
  let failure = '';
  for (const url of urls) {
    const outcome = await ask(url, certId, issuer, settings.timeoutMs, now);
    if ('answer' in outcome) {
      const { nextUpdate } = outcome.answer;
      if (nextUpdate) {
        if (cache.size >= 4096) cache.delete(cache.keys().next().value!);
        cache.set(key, { answer: outcome.answer, until: nextUpdate.getTime() });
      }
      return outcome;
    }
    failure = outcome.failure;
  }
  return { failure };
}

async function ask(url: string, certId: pkijs.CertID, issuer: pkijs.Certificate, timeoutMs: number, now: Date): Promise<OcspOutcome> {
  // Nonce (RFC 8954): an OCTET STRING of 16 random bytes, so an old answer cannot be replayed.
  const nonceValue = Buffer.from(new asn1js.OctetString({ valueHex: toArrayBuffer(randomBytes(16)) }).toBER(false));
  const req = new pkijs.OCSPRequest();
  req.tbsRequest.requestList = [new pkijs.Request({ reqCert: certId })];
  req.tbsRequest.requestExtensions = [new pkijs.Extension({ extnID: OID_NONCE, critical: false, extnValue: toArrayBuffer(nonceValue) })];
  let body: Buffer;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/ocsp-request', Accept: 'application/ocsp-response' },
      body: Buffer.from(req.toSchema(true).toBER(false)),
      signal: AbortSignal.timeout(timeoutMs),
      // The URL comes from a certificate: no redirect to another host, no unbounded answer.
      redirect: 'manual',
    });
    if (!res.ok) return { failure: `máy chủ OCSP ${url} trả lỗi HTTP ${res.status}` };
    if (Number(res.headers.get('content-length') ?? 0) > MAX_RESPONSE_BYTES) return { failure: `phản hồi của máy chủ OCSP ${url} quá lớn` };
    body = Buffer.from(await res.arrayBuffer());
    if (body.length > MAX_RESPONSE_BYTES) return { failure: `phản hồi của máy chủ OCSP ${url} quá lớn` };
  } catch (e) {
    const timedOut = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
    return { failure: timedOut ? `máy chủ OCSP ${url} không trả lời trong ${timeoutMs} ms` : `không kết nối được máy chủ OCSP ${url}` };
  }
  let basic: pkijs.BasicOCSPResponse;
  try {
    const resp = pkijs.OCSPResponse.fromBER(toArrayBuffer(body));
    const status = resp.responseStatus.valueBlock.valueDec;
    if (status !== 0) return { failure: `máy chủ OCSP ${url} từ chối yêu cầu (mã ${status})` };
    if (!resp.responseBytes || resp.responseBytes.responseType !== OID_BASIC) return { failure: `phản hồi của máy chủ OCSP ${url} không đúng định dạng` };
    basic = pkijs.BasicOCSPResponse.fromBER(resp.responseBytes.response.valueBlock.valueHexView);
  } catch {
    return { failure: `phản hồi của máy chủ OCSP ${url} không đọc được` };
  }
  let signedOk = false;
  try {
    signedOk = !SHA1_SIGNATURES.has(basic.signatureAlgorithm.algorithmId) && (await basic.verify({ trustedCerts: [issuer], issuerCerts: [issuer] }));
  } catch {
    signedOk = false;
  }
  if (!signedOk) return { failure: `phản hồi OCSP từ ${url} không được ký bởi đơn vị cấp hoặc máy chủ OCSP được đơn vị cấp ủy quyền` };
  const data = basic.tbsResponseData;
  const nonce = data.responseExtensions?.find((e) => e.extnID === OID_NONCE);
  // A responder may ignore the nonce (RFC 8954 §2.1); one it returns must be ours.
  if (nonce && !Buffer.from(nonce.extnValue.valueBlock.valueHexView).equals(nonceValue)) return { failure: `phản hồi OCSP từ ${url} không khớp yêu cầu (nonce)` };
  const single = data.responses.find((r) => r.certID.isEqual(certId));
  if (!single) return { failure: `phản hồi OCSP từ ${url} không nói về chứng thư số được hỏi` };
  const { thisUpdate, nextUpdate } = single;
  if (thisUpdate.getTime() > now.getTime() + SKEW_MS || (nextUpdate && nextUpdate.getTime() < now.getTime() - SKEW_MS)) {
    return { failure: `phản hồi OCSP từ ${url} đã cũ hoặc chưa đến hiệu lực` };
  }
  // CertStatus ::= CHOICE { good [0] NULL, revoked [1] RevokedInfo, unknown [2] NULL }
  const status = single.certStatus as asn1js.BaseBlock;
  const tag = status.idBlock.tagNumber;
  if (status.idBlock.tagClass !== 3 || tag > 2) return { failure: `phản hồi OCSP từ ${url} không đọc được` };
  const answer: OcspAnswer = { status: tag === 0 ? 'good' : tag === 1 ? 'revoked' : 'unknown', thisUpdate, nextUpdate, url };
  if (tag === 1) {
    const time = (status as asn1js.Constructed).valueBlock.value?.[0];
    if (!(time instanceof asn1js.GeneralizedTime)) return { failure: `phản hồi OCSP từ ${url} không đọc được` };
    answer.revocationTime = time.toDate();
  }
  return { answer };
}
