// Our node-to-node transport (connector kind 'node'): POST the signed package to the peer's
// /axis/v1/packages with a signed request. The answer carries the receipt id, given by the peer
// only after the package is committed to its inbox.
import type { TraceHeader } from './edxml/index.ts';
import { TransientDeliveryError, registerConnector, type AxisConnector, type AxisDelivery, type DeliveryResult } from './connector.ts';
import type { AxisNode, AxisPeer } from './node-config.ts';
import { AXIS_HEADERS, sha256Hex, signRequest, verifyRequest } from './request-signing.ts';
import { deploymentNow } from '../domain/vietnam-time.ts';

export const PACKAGES_PATH = '/axis/v1/packages';

export class HttpNodeConnector implements AxisConnector {
  readonly kind = 'node';
  constructor(
    private readonly node: AxisNode,
    readonly peer: AxisPeer,
  ) {}

  async deliver(d: AxisDelivery): Promise<DeliveryResult> {
    // The deployment's clock (PostgreSQL's), not this process's: a node whose clock drifted still signs
    // dates its peers accept (docs/RELIABILITY.md, "Clocks").
    const date = deploymentNow().toISOString();
    const trace = JSON.stringify(d.trace);
    const bodySha256 = sha256Hex(d.packageBytes);
    const nodeId = this.node.settings.nodeId;
    const signature = signRequest({ method: 'POST', path: PACKAGES_PATH, nodeId, date, recipient: d.recipientCode, trace, bodySha256 }, this.node.node.keyPem);
    let res: Response;
    try {
      res = await fetch(new URL(PACKAGES_PATH, this.peer.url), {
        method: 'POST',
        headers: {
          'content-type': 'application/xml',
          [AXIS_HEADERS.node]: nodeId,
          [AXIS_HEADERS.date]: date,
          [AXIS_HEADERS.recipient]: encodeURIComponent(d.recipientCode),
          [AXIS_HEADERS.trace]: encodeURIComponent(trace),
          [AXIS_HEADERS.digest]: bodySha256,
          [AXIS_HEADERS.signature]: signature,
        },
        body: d.packageBytes,
        signal: AbortSignal.timeout(this.node.settings.requestTimeoutMs),
      });
    } catch (e) {
      throw new TransientDeliveryError(`Không kết nối được nút ${this.peer.nodeId}: ${(e as Error).message}`);
    }
    const body = (await res.json().catch(() => null)) as { receiptId?: string; outcome?: string; reason?: string } | null;
    if (res.status === 200 && body?.receiptId && body.outcome === 'accepted') return { outcome: 'accepted', receiptId: body.receiptId };
    if (res.status === 422 && body?.outcome === 'rejected') return { outcome: 'rejected', receiptId: body.receiptId ?? null, reason: body.reason ?? 'Nút nhận từ chối gói tin.' };
    // 401 (clock, certificate rotation), 413, 5xx…: retried with back-off, visible in last_error.
    throw new TransientDeliveryError(`Nút ${this.peer.nodeId} trả lời ${res.status}: ${body?.reason ?? ''}`.trim());
  }
}

registerConnector('node', (node: AxisNode, peer: AxisPeer) => new HttpNodeConnector(node, peer));

export interface NodeRequestHeaders {
  get(name: string): string | undefined;
}

/** `requestId`: SHA-256 of the request signature, remembered for the clock window (replay protection). */
export type NodeAuth = { ok: true; peer: AxisPeer; recipientCode: string; trace: TraceHeader[]; requestId: string } | { ok: false; reason: string };

/** The receiving side of the signed request: which peer sent it, and is the signature good. */
export function authenticateNodeRequest(node: AxisNode, method: string, path: string, headers: NodeRequestHeaders, body: Buffer): NodeAuth {
  const nodeId = headers.get(AXIS_HEADERS.node) ?? '';
  // Only peers of our own transport sign node requests (an LGSP peer has no certificate).
  const peer = node.peers.find((p) => p.nodeId === nodeId && p.connector === 'node' && p.certPem);
  if (!peer) return { ok: false, reason: `Nút "${nodeId}" không có trong bảng định tuyến của nút này.` };
  const date = headers.get(AXIS_HEADERS.date) ?? '';
  const recipientRaw = headers.get(AXIS_HEADERS.recipient) ?? '';
  const traceRaw = headers.get(AXIS_HEADERS.trace) ?? '';
  const signature = headers.get(AXIS_HEADERS.signature) ?? '';
  let recipientCode: string;
  let trace: string;
  try {
    recipientCode = decodeURIComponent(recipientRaw);
    trace = decodeURIComponent(traceRaw);
  } catch {
    return { ok: false, reason: 'Tiêu đề yêu cầu không hợp lệ.' };
  }
  const bodySha256 = sha256Hex(body);
  if (headers.get(AXIS_HEADERS.digest) !== bodySha256) return { ok: false, reason: 'Nội dung yêu cầu không khớp mã băm đã ký.' };
  const v = verifyRequest({ method, path, nodeId, date, recipient: recipientCode, trace, bodySha256 }, signature, peer.certPem, { now: deploymentNow(), skewMs: node.settings.clockSkewMs });
  if (!v.ok) return v;
  let parsedTrace: unknown;
  try {
    parsedTrace = JSON.parse(trace || '[]');
  } catch {
    return { ok: false, reason: 'Danh sách TraceHeader không hợp lệ.' };
  }
  if (!Array.isArray(parsedTrace) || !parsedTrace.every((t) => t && typeof t.OrganId === 'string' && typeof t.Timestamp === 'string')) return { ok: false, reason: 'Danh sách TraceHeader không hợp lệ.' };
  if (!recipientCode) return { ok: false, reason: 'Thiếu mã cơ quan nhận.' };
  return { ok: true, peer, recipientCode, trace: parsedTrace, requestId: sha256Hex(signature) };
}
