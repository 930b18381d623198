// Signed node-to-node requests (issue 5 item 5; reasons in docs/AXIS.md): the sending node signs
// method, path, date, recipient, hop trace and the SHA-256 of the body with its node key; the
// receiver checks the signature against the certificate configured for that peer and the date
// against its clock. The package inside carries its own XML signature by the sending agency.
import { X509Certificate, createHash, createPrivateKey, sign, verify, type KeyObject } from 'node:crypto';

export const AXIS_HEADERS = {
  node: 'x-axis-node',
  date: 'x-axis-date',
  recipient: 'x-axis-recipient',
  trace: 'x-axis-trace',
  digest: 'x-axis-content-sha256',
  signature: 'x-axis-signature',
} as const;

export interface SignedRequestParts {
  method: string;
  path: string;
  nodeId: string;
  date: string;
  recipient: string;
  /** JSON of the hop TraceHeaders, exactly as sent. */
  trace: string;
  bodySha256: string;
}

export function canonicalRequest(p: SignedRequestParts): string {
  return ['AXIS1', p.method.toUpperCase(), p.path, p.nodeId, p.date, p.recipient, p.trace, p.bodySha256].join('\n');
}

const keyCache = new Map<string, KeyObject>();
function privateKeyOf(pem: string): KeyObject {
  let k = keyCache.get(pem);
  if (!k) {
    k = createPrivateKey(pem);
    keyCache.set(pem, k);
  }
  return k;
}

const certCache = new Map<string, X509Certificate>();
function certOf(pem: string): X509Certificate {
  let c = certCache.get(pem);
  if (!c) {
    c = new X509Certificate(pem);
    certCache.set(pem, c);
  }
  return c;
}

export const sha256Hex = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

export function signRequest(p: SignedRequestParts, keyPem: string): string {
  return sign('sha256', Buffer.from(canonicalRequest(p), 'utf8'), privateKeyOf(keyPem)).toString('base64');
}

export type RequestVerdict = { ok: true } | { ok: false; reason: string };

export function verifyRequest(p: SignedRequestParts, signature: string, peerCertPem: string, opts: { now?: Date; skewMs: number }): RequestVerdict {
  const cert = certOf(peerCertPem);
  const now = opts.now ?? new Date();
  if (now < new Date(cert.validFrom) || now > new Date(cert.validTo)) return { ok: false, reason: 'Chứng thư số của nút gửi đã hết hạn hoặc chưa có hiệu lực.' };
  const at = Date.parse(p.date);
  if (!Number.isFinite(at) || Math.abs(now.getTime() - at) > opts.skewMs) return { ok: false, reason: 'Thời điểm ký yêu cầu lệch quá giới hạn (yêu cầu cũ bị phát lại?).' };
  let good = false;
  try {
    good = verify('sha256', Buffer.from(canonicalRequest(p), 'utf8'), cert.publicKey, Buffer.from(signature, 'base64'));
  } catch {
    good = false;
  }
  return good ? { ok: true } : { ok: false, reason: 'Chữ ký yêu cầu của nút gửi không hợp lệ.' };
}
