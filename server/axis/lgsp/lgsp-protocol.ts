// The wire protocol of the national axis / provincial LGSP connector (issue 5 item 8), in one
// place: service names, headers, what is signed, the timestamp format, the JSON bodies. Used by
// the connector (client side, and to check the hub's answers) and by the fake LGSP of the tests.
//
// From public material (the VXP/VDXP SDK "KnobstickService" and its signature example):
// services getReceivedEdocList / getEdoc / sendEdoc / updateStatus; a list request carries
// `servicetype: "eDoc"` and `messagetype: "edoc" | "status"`; answers carry `status: "OK" | "FAIL"`
// with `ErrorCode` / `ErrorDesc`; each system has a `systemId` and a shared secret; the signature is
// HMAC-SHA256 (hex) over systemId + timestamp + content type + request body, the timestamp written
// `ddMMyyyyTHHmmss+SSSS` (local time — Vietnam, UTC+7 — and the last four digits of the epoch
// milliseconds). Not public, chosen here (docs/AXIS.md "LGSP connector"): the header names below,
// JSON bodies for every service (the package Base64 in `content`, so the HMAC covers it), a
// `service` field in every body (a signature binds the operation), the hub signing its answers the
// same way with the same secret, status packages posted to updateStatus, and the 5-minute window.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { TraceHeader } from '../edxml/index.ts';

export const LGSP_SERVICES = ['getReceivedEdocList', 'getEdoc', 'sendEdoc', 'updateStatus'] as const;
export type LgspService = (typeof LGSP_SERVICES)[number];

export const LGSP_HEADERS = { systemId: 'systemid', timestamp: 'timestamp', signature: 'signature' } as const;
export const LGSP_CONTENT_TYPE = 'application/json';

/** Vietnam has no daylight saving time: local time is UTC+7 all year. */
const VN_OFFSET_MS = 7 * 3600_000;
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `ddMMyyyyTHHmmss+SSSS` in Vietnam time, as the SDK writes it. */
export function lgspTimestamp(at: Date = new Date()): string {
  const v = new Date(at.getTime() + VN_OFFSET_MS);
  return `${pad(v.getUTCDate())}${pad(v.getUTCMonth() + 1)}${v.getUTCFullYear()}T${pad(v.getUTCHours())}${pad(v.getUTCMinutes())}${pad(v.getUTCSeconds())}+${pad(at.getTime() % 10000, 4)}`;
}

/** The instant of a timestamp (to the second; the `+SSSS` part only makes it unique), or null. */
export function parseLgspTimestamp(ts: string): Date | null {
  const m = /^(\d{2})(\d{2})(\d{4})T(\d{2})(\d{2})(\d{2})\+(\d{4})$/.exec(ts);
  if (!m) return null;
  const [, dd, mm, yyyy, hh, mi, ss] = m.map(Number) as number[];
  const utc = Date.UTC(yyyy!, mm! - 1, dd!, hh!, mi!, ss!);
  const d = new Date(utc);
  // Refuses 31/02 and the like instead of letting Date roll them over.
  if (d.getUTCDate() !== dd || d.getUTCMonth() !== mm! - 1 || hh! > 23 || mi! > 59 || ss! > 59) return null;
  return new Date(utc - VN_OFFSET_MS);
}

export function lgspSignature(secret: string, systemId: string, timestamp: string, contentType: string, body: string | Buffer): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(systemId + timestamp + contentType, 'utf8').update(body).digest('hex');
}

export interface SignedLgspHeaders {
  systemid: string;
  timestamp: string;
  signature: string;
  'content-type': string;
}

/** Headers of one request (or answer) signed with the shared secret. */
export function signLgsp(secret: string, systemId: string, body: string | Buffer, at: Date = new Date()): SignedLgspHeaders {
  const timestamp = lgspTimestamp(at);
  return { systemid: systemId, timestamp, signature: lgspSignature(secret, systemId, timestamp, LGSP_CONTENT_TYPE, body), 'content-type': LGSP_CONTENT_TYPE };
}

export type LgspVerdict = { ok: true; at: Date } | { ok: false; reason: string };

/**
 * Checks a request or an answer: known system, timestamp inside the window (replay), HMAC compared
 * in constant time. `secretOf` returns the secret of a system id, or null when it is unknown.
 */
export function verifyLgsp(
  headers: { get(name: string): string | null | undefined },
  body: string | Buffer,
  secretOf: (systemId: string) => string | null,
  opts: { skewMs: number; now?: Date },
): LgspVerdict {
  const systemId = headers.get(LGSP_HEADERS.systemId) ?? '';
  const timestamp = headers.get(LGSP_HEADERS.timestamp) ?? '';
  const signature = headers.get(LGSP_HEADERS.signature) ?? '';
  const contentType = (headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const secret = systemId ? secretOf(systemId) : null;
  if (!secret) return { ok: false, reason: `Hệ thống "${systemId}" không được đăng ký với trục.` };
  const at = parseLgspTimestamp(timestamp);
  if (!at) return { ok: false, reason: 'Thời điểm ký (timestamp) không đúng định dạng ddMMyyyyTHHmmss+SSSS.' };
  const now = opts.now ?? new Date();
  if (Math.abs(now.getTime() - at.getTime()) > opts.skewMs) return { ok: false, reason: 'Thời điểm ký lệch quá giới hạn cho phép (yêu cầu cũ bị phát lại hoặc lệch đồng hồ).' };
  if (!/^[0-9a-f]{64}$/i.test(signature)) return { ok: false, reason: 'Chữ ký HMAC không hợp lệ.' };
  const expected = Buffer.from(lgspSignature(secret, systemId, timestamp, contentType, body), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) return { ok: false, reason: 'Chữ ký HMAC không hợp lệ.' };
  return { ok: true, at };
}

// ───────────── bodies ─────────────

export type LgspMessageType = 'edoc' | 'status';

export interface ListRequest {
  service: 'getReceivedEdocList';
  servicetype: 'eDoc';
  messagetype: LgspMessageType;
  pageSize: number;
}
export interface GetRequest {
  service: 'getEdoc';
  docId: string;
}
/** sendEdoc (a document package) or updateStatus carrying a status package. */
export interface PostPackageRequest {
  service: 'sendEdoc' | 'updateStatus';
  servicetype: 'eDoc';
  messagetype: LgspMessageType;
  from: string;
  to: string;
  trace: TraceHeader[];
  /** The signed edXML package, Base64. */
  content: string;
}
/** updateStatus marking a message received ("done") or refused ("fail"): it leaves the list. */
export interface AckRequest {
  service: 'updateStatus';
  docid: string;
  status: 'done' | 'fail';
  /** Our receipt id, or the reason of the refusal. */
  description: string;
}
export type LgspRequest = ListRequest | GetRequest | PostPackageRequest | AckRequest;

export interface LgspListItem {
  id: string;
  from: string;
  to: string;
  messagetype: LgspMessageType;
  created_time: string;
}
export interface LgspEdoc extends LgspListItem {
  trace: TraceHeader[];
  content: string;
}

export type LgspAnswer =
  | { status: 'OK'; data?: LgspListItem[] | LgspEdoc; docId?: string }
  | { status: 'FAIL'; ErrorCode: string; ErrorDesc: string };

/**
 * Error codes of FAIL answers that will not get better by retrying (the package itself is refused);
 * any other FAIL, 401/403 (secret, clock), 5xx and network errors are retried with back-off.
 */
export const LGSP_PERMANENT_ERRORS: ReadonlySet<string> = new Set(['INVALID_PACKAGE', 'UNKNOWN_RECIPIENT', 'TOO_LARGE']);
