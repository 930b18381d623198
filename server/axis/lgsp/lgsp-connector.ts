// Connector kind 'lgsp' (issue 5 item 8): a peer that is the national axis ("Trục liên thông văn bản
// quốc gia") or a provincial LGSP. Unlike our node-to-node transport the hub does not call us: we
// post with sendEdoc / updateStatus and pull what waits for us with getReceivedEdocList + getEdoc,
// then mark each message received with updateStatus once it is stored here (the poll job,
// server/services/axis-pull.service.ts). Wire details: ./lgsp-protocol.ts; settings: the peer's
// `lgsp` entry in the node configuration.
import { readFileSync } from 'node:fs';
import type { TraceHeader } from '../edxml/index.ts';
import { TransientDeliveryError, registerConnector, type AxisConnector, type AxisDelivery, type DeliveryResult, type PollOptions, type PulledPackage } from '../connector.ts';
import type { AxisNode, AxisPeer } from '../node-config.ts';
import { LGSP_PERMANENT_ERRORS, signLgsp, verifyLgsp, type AckRequest, type LgspAnswer, type LgspEdoc, type LgspListItem, type LgspMessageType, type LgspRequest, type LgspService, type PostPackageRequest } from './lgsp-protocol.ts';

type LgspSettings = NonNullable<AxisPeer['lgsp']>;

/** Answer of the hub that we cannot use: refused, unsigned, or not what was asked. */
export class LgspError extends TransientDeliveryError {
  constructor(
    message: string,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

// The secret is read once per source and kept here only (not on the peer object, which pages and
// log lines may show).
const secrets = new Map<string, string>();
function secretOf(l: LgspSettings): string {
  const key = l.secretEnv ? `env:${l.secretEnv}` : `file:${l.secretPath}`;
  let s = secrets.get(key);
  if (s === undefined) {
    if (l.secretEnv) s = process.env[l.secretEnv] ?? '';
    else {
      try {
        s = readFileSync(l.secretPath!, 'utf8').trim();
      } catch {
        s = '';
      }
    }
    if (!s) throw new LgspError(`Chưa có khóa bí mật dùng chung với trục (${l.secretEnv ? `biến môi trường ${l.secretEnv}` : 'tệp secretPath'} trống hoặc không đọc được).`);
    secrets.set(key, s);
  }
  return s;
}

const STATUS_PACKAGE = /<(?:[\w-]+:)?StatusCode>/;
const FROM_ORGAN = /<(?:[\w-]+:)?From>[\s\S]*?<(?:[\w-]+:)?OrganId>([^<]*)</;

export class LgspConnector implements AxisConnector {
  readonly kind = 'lgsp';
  private readonly l: LgspSettings;
  constructor(
    private readonly node: AxisNode,
    readonly peer: AxisPeer,
  ) {
    if (!peer.lgsp) throw new Error(`Nút ${peer.nodeId} thiếu cấu hình lgsp.`);
    this.l = peer.lgsp;
  }

  /** One signed call; the answer is accepted only with a valid HMAC and a fresh timestamp. */
  private async call(service: LgspService, body: LgspRequest): Promise<{ http: number; answer: LgspAnswer }> {
    const secret = secretOf(this.l);
    const text = JSON.stringify(body);
    let res: Response;
    try {
      res = await fetch(new URL(service, this.peer.url.endsWith('/') ? this.peer.url : `${this.peer.url}/`), {
        method: 'POST',
        headers: { ...signLgsp(secret, this.l.systemId, text) },
        body: text,
        signal: AbortSignal.timeout(this.node.settings.requestTimeoutMs),
      });
    } catch (e) {
      throw new LgspError(`Không kết nối được trục ${this.peer.nodeId} (${service}): ${(e as Error).message}`);
    }
    const raw = Buffer.from(await res.arrayBuffer().catch(() => new ArrayBuffer(0)));
    if (res.status === 401 || res.status === 403) {
      // The hub refused our signature (secret, clock): retried, and visible in last_error.
      const desc = (tryJson(raw) as { ErrorDesc?: string } | null)?.ErrorDesc ?? '';
      throw new LgspError(`Trục ${this.peer.nodeId} từ chối xác thực yêu cầu ${service} (${res.status}) ${desc}`.trim(), 'AUTH');
    }
    const verdict = verifyLgsp({ get: (n) => res.headers.get(n) }, raw, (id) => (id === this.l.systemId ? secret : null), { skewMs: this.l.clockSkewMs });
    if (!verdict.ok) throw new LgspError(`Trả lời của trục ${this.peer.nodeId} cho ${service} không được chấp nhận: ${verdict.reason}`, 'ANSWER');
    const answer = tryJson(raw) as LgspAnswer | null;
    if (!answer || (answer.status !== 'OK' && answer.status !== 'FAIL')) throw new LgspError(`Trục ${this.peer.nodeId} trả lời ${res.status} không đúng định dạng cho ${service}.`, 'ANSWER');
    return { http: res.status, answer };
  }

  async deliver(d: AxisDelivery): Promise<DeliveryResult> {
    const head = d.packageBytes.subarray(0, 200_000).toString('utf8');
    const isStatus = STATUS_PACKAGE.test(head);
    const body: PostPackageRequest = {
      service: isStatus ? 'updateStatus' : 'sendEdoc',
      servicetype: 'eDoc',
      messagetype: isStatus ? 'status' : 'edoc',
      from: FROM_ORGAN.exec(head)?.[1]?.trim() ?? this.node.settings.organId,
      to: d.recipientCode,
      trace: d.trace,
      content: d.packageBytes.toString('base64'),
    };
    const { http, answer } = await this.call(body.service, body);
    if (answer.status === 'OK' && answer.docId) return { outcome: 'accepted', receiptId: `${this.peer.nodeId}:${answer.docId}` };
    if (answer.status === 'FAIL' && LGSP_PERMANENT_ERRORS.has(answer.ErrorCode)) return { outcome: 'rejected', receiptId: null, reason: `Trục ${this.peer.nodeId} từ chối gói tin: ${answer.ErrorDesc}` };
    const desc = answer.status === 'FAIL' ? `${answer.ErrorCode}: ${answer.ErrorDesc}` : 'thiếu mã gói tin (docId)';
    throw new LgspError(`Trục ${this.peer.nodeId} trả lời ${http} cho ${body.service}: ${desc}`, answer.status === 'FAIL' ? answer.ErrorCode : null);
  }

  /**
   * Packages waiting for this system: documents first, then status packages. A message that cannot
   * be fetched or checked is left on the hub (reported through onError) and tried on the next poll.
   */
  async poll(opts: PollOptions = {}): Promise<PulledPackage[]> {
    const out: PulledPackage[] = [];
    for (const messagetype of ['edoc', 'status'] as LgspMessageType[]) {
      const { answer } = await this.call('getReceivedEdocList', { service: 'getReceivedEdocList', servicetype: 'eDoc', messagetype, pageSize: this.l.pageSize });
      if (answer.status !== 'OK') throw new LgspError(`Trục ${this.peer.nodeId} không trả danh sách văn bản chờ nhận: ${answer.ErrorCode}: ${answer.ErrorDesc}`, answer.ErrorCode);
      const items = (Array.isArray(answer.data) ? answer.data : []).slice(0, this.l.pageSize) as LgspListItem[];
      for (const item of items) {
        try {
          out.push(await this.fetchOne(String(item.id)));
        } catch (e) {
          opts.onError?.(`Không lấy được gói tin ${item.id} từ trục ${this.peer.nodeId}: ${(e as Error).message}`);
        }
      }
    }
    return out;
  }

  private async fetchOne(docId: string): Promise<PulledPackage> {
    const { answer } = await this.call('getEdoc', { service: 'getEdoc', docId });
    if (answer.status !== 'OK') throw new LgspError(`${answer.ErrorCode}: ${answer.ErrorDesc}`, answer.ErrorCode);
    const e = answer.data as LgspEdoc | undefined;
    // The answer must be the message asked for (a signed answer to another getEdoc replayed here is not).
    if (!e || String(e.id) !== docId || typeof e.content !== 'string' || typeof e.to !== 'string') throw new LgspError('Trả lời getEdoc không khớp gói tin được yêu cầu.', 'ANSWER');
    const trace = Array.isArray(e.trace) && e.trace.every((t) => t && typeof t.OrganId === 'string' && typeof t.Timestamp === 'string') ? (e.trace as TraceHeader[]) : [];
    const ack = async (status: AckRequest['status'], description: string) => {
      const { answer: a } = await this.call('updateStatus', { service: 'updateStatus', docid: docId, status, description: description.slice(0, 2000) });
      if (a.status !== 'OK') throw new LgspError(`Trục ${this.peer.nodeId} không ghi nhận trạng thái của gói tin ${docId}: ${a.ErrorCode}: ${a.ErrorDesc}`, a.ErrorCode);
    };
    return {
      packageBytes: Buffer.from(e.content, 'base64'),
      recipientCode: e.to,
      trace,
      fromNode: this.peer.nodeId,
      remoteId: docId,
      acknowledge: (receiptId) => ack('done', receiptId),
      refuse: (reason) => ack('fail', reason),
    };
  }
}

function tryJson(b: Buffer): unknown {
  try {
    return JSON.parse(b.toString('utf8'));
  } catch {
    return null;
  }
}

registerConnector('lgsp', (node: AxisNode, peer: AxisPeer) => new LgspConnector(node, peer));
