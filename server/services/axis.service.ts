// The interconnection axis (issue 5; DOMAIN.md §5): outbox delivery with back-off, the receiving
// side (verify, store durably, answer the receipt id after commit, status 01), processing of what
// arrived into incoming documents, receipts 01–06, recall 13 → 15/16, update and replace.
// Every write is one transaction with its audit entry; jobs are enqueued after commit and every
// step is idempotent (a redelivered package or a re-run job changes nothing).
import type { AppContext } from '../app-context.ts';
import type { Executor } from '../db/database.ts';
import type { AxisOutboxRow } from '../db/tables/axis.tables.ts';
import type { DocumentRow } from '../db/types.ts';
import type { Actor } from '../domain/actor.ts';
import { AppError } from '../errors.ts';
import { deploymentNow, todayInVietnam } from '../domain/vietnam-time.ts';
import { createWorkingCalendar } from '../domain/working-calendar.ts';
import { edxmlTimestampToDate, toEdxmlTimestamp, verifyPackageSignature, type ParsedEdxml, type ParsedDocumentPackage, type TraceHeader } from '../axis/edxml/index.ts';
import { axisNodeOf, routeTableOf } from '../axis/axis-node.ts';
import { checkTrace, routeFor } from '../axis/routing.ts';
import { connectorFor, TransientDeliveryError } from '../axis/connector.ts';
import type { AxisNode } from '../axis/node-config.ts';
import { sha256Hex } from '../axis/request-signing.ts';
import { agencyRepository } from '../repositories/agency.repository.ts';
import { documentRepository } from '../repositories/document.repository.ts';
import { axisRepository, type AxisInboxEntry } from '../repositories/axis.repository.ts';
import { appendAudit } from './audit.service.ts';
import { recordTransition } from './document-transition.ts';
import { receiveIncoming } from './incoming.service.ts';
import { linkFiles, prepareUploads, withStoredFiles, type PreparedFile, type Upload } from './file.service.ts';
import { metadataOf, parseSigned } from './axis-check.ts';
import { arrivalCheckPoolOf } from './axis-check-pool.ts';
import { buildOutboxPackage } from './axis-package.service.ts';

const AXIS_ACTOR = { userId: null, label: 'Trục liên thông văn bản' } as const;
/** receiveIncoming wants an Actor; the system one is recorded by its label (recordTransition). */
const SYSTEM_ACTOR = { ...AXIS_ACTOR, username: 'truc-lien-thong', fullName: AXIS_ACTOR.label, position: null, roles: [], activeAgencyId: null } as unknown as Actor;
const LEASE_MS = 120_000;
const STALE_PROCESSING_MS = 120_000;

/** Recipient status of the sender's table for each status code (monotonic up to 'done'). */
const STATUS_OF_CODE: Record<string, string> = { '01': 'arrived', '02': 'rejected', '03': 'registered', '04': 'assigned', '05': 'in_progress', '06': 'done', '15': 'recalled' };
const RANK: Record<string, number> = { pending: 0, sent: 1, delivered: 2, arrived: 2, registered: 3, assigned: 4, in_progress: 5, done: 6 };

export type Enqueue = (ctx: AppContext, ids: { outbox?: string[]; inbox?: string[] }) => Promise<void>;

/** Jobs after commit; a failure (Redis down) is only logged: the sweep finds the rows again. */
export async function enqueueAxis(ctx: AppContext, ids: { outbox?: string[]; inbox?: string[] }, opts: { now?: boolean } = {}): Promise<void> {
  // Fast path for rows written by this process (forwarded packages, receipts): tried at once, with
  // no job beside it — that job would only find the row leased (a Redis round trip and a query per
  // row for nothing). The attempt schedules its own retry; if it cannot even start, a job is queued
  // then; if the process dies, the lease runs out and the sweep re-enqueues the row.
  if (opts.now) {
    for (const id of ids.outbox ?? []) {
      void deliverOutbox(ctx, String(id)).catch(async (e) => {
        ctx.logger.warn({ err: (e as Error).message, outboxId: id }, 'axis: immediate delivery failed');
        await enqueueAxis(ctx, { outbox: [id] });
      });
    }
  }
  try {
    for (const id of opts.now ? [] : (ids.outbox ?? [])) await ctx.jobs.enqueue('axis.deliver', { outboxId: String(id) });
    for (const id of ids.inbox ?? []) await ctx.jobs.enqueue('axis.process-inbox', { inboxId: String(id) });
  } catch (e) {
    ctx.logger.warn({ err: (e as Error).message }, 'axis: enqueue failed, the sweep will pick the rows up');
  }
}

// ───────────────────────────── sending ─────────────────────────────

/** Exponential back-off with jitter (half fixed, half random), capped. */
export function backoffMs(attempt: number, base: number, max: number, random = Math.random): number {
  const exp = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}

/** End of the next working day after `date`: a recipient that has not registered by then is flagged. */
export function registerDueAfter(date: string): string {
  return createWorkingCalendar().addWorkingDays(date, 1);
}

function myHop(node: AxisNode): TraceHeader {
  return { OrganId: node.settings.organId, Timestamp: toEdxmlTimestamp(deploymentNow()) };
}

export type DeliverOutcome = 'sent' | 'rejected' | 'retry' | 'expired' | 'skipped' | 'waiting';

/** One delivery attempt of one outbox row (the processor of 'axis.deliver'). */
export async function deliverOutbox(ctx: AppContext, outboxId: string): Promise<DeliverOutcome> {
  const node = axisNodeOf(ctx);
  let row = await axisRepository.leaseOutbox(ctx.db, outboxId, LEASE_MS);
  if (!row) return 'skipped';
  if (!node) {
    await axisRepository.updateOutbox(ctx.db, row.id, { lastError: 'Chưa cấu hình nút trục liên thông (AXIS_NODE_CONFIG).', nextAttemptAt: new Date(deploymentNow().getTime() + 60_000) });
    return 'retry';
  }
  // In order per document and recipient: a later row (recall, status) waits for the earlier one.
  if (await axisRepository.earlierPending(ctx.db, row)) {
    await axisRepository.updateOutbox(ctx.db, row.id, { nextAttemptAt: new Date(deploymentNow().getTime() + 5_000) });
    return 'waiting';
  }
  const retry = node.settings.retry;
  if (!row.package) {
    try {
      const bytes = await buildOutboxPackage(ctx, node, row);
      const giveUpAt = new Date(new Date(row.createdAt).getTime() + retry.maxAgeMs);
      const frozen = await ctx.db.updateTable('axisOutbox').set({ package: bytes, giveUpAt }).where('id', '=', row.id).where('package', 'is', null).executeTakeFirst();
      // Read back only when another attempt froze its bytes first (those are the ones to send).
      row = frozen.numUpdatedRows === 1n ? { ...row, package: bytes, giveUpAt } : (await axisRepository.findOutbox(ctx.db, row.id))!;
    } catch (e) {
      // A package we cannot build (missing number, builder refusal) will not build better later.
      await finishRejected(ctx, row, `Không lập được gói tin: ${(e as Error).message}`);
      return 'rejected';
    }
  }
  const table = routeTableOf(node);
  const route = routeFor(table, row.targetCode);
  const trace: TraceHeader[] = [...((row.trace as TraceHeader[] | null) ?? [])];
  if (trace[trace.length - 1]?.OrganId !== node.settings.organId) trace.push(myHop(node));
  try {
    let result: { outcome: 'accepted'; receiptId: string } | { outcome: 'rejected'; receiptId: string | null; reason: string };
    let peer: string;
    if (route.kind === 'local') {
      // Agencies served by this node: the same receiving path as a remote package, without HTTP.
      const r = await receivePackage(ctx, { bytes: row.package!, recipientCode: row.targetCode, trace, fromNode: node.settings.nodeId, local: true });
      result = r.outcome === 'accepted' ? { outcome: 'accepted', receiptId: r.receiptId } : { outcome: 'rejected', receiptId: r.receiptId, reason: r.reason };
      peer = node.settings.nodeId;
    } else if (route.kind === 'peer') {
      const p = node.peers.find((x) => x.nodeId === route.nodeId)!;
      result = await connectorFor(node, p).deliver({ packageBytes: row.package!, recipientCode: row.targetCode, trace });
      peer = p.nodeId;
    } else {
      result = { outcome: 'rejected', receiptId: null, reason: `Không có tuyến tới cơ quan ${row.targetCode}.` };
      peer = '';
    }
    if (result.outcome === 'accepted') {
      await finishSent(ctx, row, result.receiptId, peer);
      // The next row of this document and recipient (a recall, a receipt) may go now.
      const next = await axisRepository.nextInGroup(ctx.db, row);
      for (const n of next) await axisRepository.updateOutbox(ctx.db, n.id, { nextAttemptAt: deploymentNow() });
      await enqueueAxis(ctx, { outbox: next.map((n) => n.id) });
      return 'sent';
    }
    await finishRejected(ctx, row, result.reason, result.receiptId);
    return 'rejected';
  } catch (e) {
    if (!(e instanceof TransientDeliveryError)) ctx.logger.error({ err: e, outboxId: row.id }, 'axis: delivery failed unexpectedly');
    const attempts = row.attempts + 1;
    const giveUp = row.giveUpAt ? new Date(row.giveUpAt) : new Date(new Date(row.createdAt).getTime() + retry.maxAgeMs);
    const delay = backoffMs(attempts, retry.baseDelayMs, retry.maxDelayMs);
    if (deploymentNow().getTime() + delay > giveUp.getTime()) {
      await ctx.db.transaction().execute(async (trx) => {
        await axisRepository.updateOutbox(trx, row.id, { state: 'expired', attempts, lastError: (e as Error).message });
        if (row.recipientId) await setRecipient(trx, row.recipientId, { statusNote: `Không chuyển được qua trục sau ${attempts} lần thử: ${(e as Error).message}` });
        await appendAudit(trx, { actor: AXIS_ACTOR, agencyId: row.agencyId, action: 'axis.outbox.expired', entityType: 'axis_outbox', entityId: row.id, after: { attempts } });
      });
      ctx.logger.warn({ outboxId: row.id, attempts }, 'axis: delivery window over, giving up');
      return 'expired';
    }
    await axisRepository.updateOutbox(ctx.db, row.id, { attempts, lastError: (e as Error).message.slice(0, 1000), nextAttemptAt: new Date(deploymentNow().getTime() + delay) });
    ctx.logger.info({ outboxId: row.id, attempts, delayMs: delay, err: (e as Error).message }, 'axis: delivery will be retried');
    try {
      await ctx.jobs.enqueue('axis.deliver', { outboxId: String(row.id) }, { delay });
    } catch {
      /* the sweep re-enqueues rows whose time has come */
    }
    return 'retry';
  }
}

async function setRecipient(trx: Executor, recipientId: string, patch: { status?: string; statusNote?: string | null; remoteNumber?: string | null; statusAt?: Date | null }): Promise<void> {
  await trx.updateTable('documentRecipient').set({ ...patch, updatedAt: deploymentNow() }).where('id', '=', recipientId).execute();
}

async function finishSent(ctx: AppContext, row: AxisOutboxRow, receiptId: string, peer: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    await axisRepository.updateOutbox(trx, row.id, { state: 'sent', receiptId, peer, sentAt: deploymentNow(), attempts: row.attempts + 1, lastError: null, registerDue: row.kind === 'document' ? registerDueAfter(todayInVietnam()) : null });
    if (row.kind === 'document' && row.recipientId) {
      const r = await trx.selectFrom('documentRecipient').select('status').where('id', '=', row.recipientId).forUpdate().executeTakeFirst();
      if (r && r.status === 'pending') await setRecipient(trx, row.recipientId, { status: 'sent' });
    }
    await appendAudit(trx, { actor: AXIS_ACTOR, agencyId: row.agencyId, action: `axis.outbox.sent`, entityType: 'axis_outbox', entityId: row.id, after: { kind: row.kind, target: row.targetCode, statusCode: row.statusCode, receiptId, peer } });
  });
}

async function finishRejected(ctx: AppContext, row: AxisOutboxRow, reason: string, receiptId: string | null = null): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    await axisRepository.updateOutbox(trx, row.id, { state: 'rejected', receiptId, lastError: reason.slice(0, 2000), attempts: row.attempts + 1 });
    if (row.kind === 'document' && row.recipientId) await setRecipient(trx, row.recipientId, { status: 'rejected', statusNote: reason.slice(0, 2000) });
    await appendAudit(trx, { actor: AXIS_ACTOR, agencyId: row.agencyId, action: 'axis.outbox.rejected', entityType: 'axis_outbox', entityId: row.id, after: { reason } });
  });
  ctx.logger.warn({ outboxId: row.id, target: row.targetCode, reason }, 'axis: package refused');
}

// ───────────────────────────── receiving ─────────────────────────────

export interface ArrivingPackage {
  bytes: Buffer;
  recipientCode: string;
  /** Hops so far (the sending node's TraceHeader last). */
  trace: TraceHeader[];
  fromNode: string;
  /** From this node's own outbox (same code path, no HTTP). */
  local?: boolean;
}

export type ReceiveResult = { outcome: 'accepted'; receiptId: string } | { outcome: 'rejected'; receiptId: string | null; reason: string };

/** Header fields read without parsing attachments: enough to key and route a package we forward. */
export function peekPackage(xml: string): { from: string | null; documentId: string | null; businessType: string | null } {
  const head = xml.slice(0, Math.min(xml.length, 200_000));
  const pick = (re: RegExp) => re.exec(head)?.[1]?.trim() ?? null;
  const status = pick(/<(?:\w+:)?StatusCode>([^<]*)</);
  const from = pick(/<(?:\w+:)?From>[\s\S]*?<(?:\w+:)?OrganId>([^<]*)</);
  const documentId = status ? pick(/<(?:\w+:)?ResponseFor>[\s\S]*?<(?:\w+:)?DocumentId>([^<]*)</) : pick(/<(?:\w+:)?MessageHeader>[\s\S]*?<(?:\w+:)?DocumentId>([^<]*)</);
  const type = pick(/<(?:\w+:)?Bus+iness?DocType>([^<]*)</);
  return { from, documentId: documentId ? unescapeXml(documentId) : null, businessType: status ? `status:${status}` : `doc:${type ?? '0'}` };
}

/**
 * The text before the attachments (where QCVN 102:2016 puts every header field): the key is read
 * from it without decoding the Base64 attachments into a string; the full, strict decode happens
 * once, in the signature check, and the key is compared with the signed content afterwards.
 */
export const peekPackageBytes = (bytes: Buffer) => peekPackage(headOf(bytes));

function headOf(bytes: Buffer): string {
  const end = Math.min(bytes.length, 200_000);
  const nameChar = (c: number | undefined) => c !== undefined && ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x2d || c === 0x2e);
  // The start tag `<AttachmentEncoded` or `<prefix:AttachmentEncoded` (text cannot hold a raw `<`).
  for (let at = bytes.indexOf('AttachmentEncoded'); at > 0 && at < end; at = bytes.indexOf('AttachmentEncoded', at + 1)) {
    let i = at - 1;
    if (bytes[i] === 0x3a) for (i--; i >= 0 && i > at - 64 && nameChar(bytes[i]); ) i--;
    if (i >= 0 && bytes[i] === 0x3c) return bytes.toString('utf8', 0, i);
  }
  return bytes.toString('utf8', 0, end);
}

const unescapeXml = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

class Refusal extends Error {}

interface Checked {
  parsed: ParsedEdxml;
  agencyId: string | null;
  /** The attachments as checked files, handed on to the incoming document (not checked twice). */
  files: PreparedFile[];
}

/**
 * Full check of a package addressed to an agency of this node: package signature (trusted agency
 * certificate), namespace and required fields (parser), recipient known here, attachments within
 * limits and acceptable as files, PDF signatures valid. The CPU-bound checks run in a worker
 * thread (axis-check-pool.ts) while the recipient is looked up; the verdicts are taken in the
 * order of the checks, so a package with several faults is refused for the same one as before.
 */
async function checkPackage(ctx: AppContext, node: AxisNode, a: ArrivingPackage): Promise<Checked> {
  const [v, agency] = await Promise.all([arrivalCheckPoolOf(node, ctx.config.ocsp).check(a.bytes, a.recipientCode, deploymentNow()), agencyRepository.findByCode(ctx.db, a.recipientCode)]);
  if (v.kind === 'error') throw new AppError(v.code, v.message);
  if (v.kind === 'refused') throw new Refusal(v.reason);
  if (v.kind === 'status') return { parsed: v.parsed, agencyId: agency?.id ?? null, files: [] };
  if (!agency || agency.status !== 'active') throw new Refusal(`Không có cơ quan nhận mã ${a.recipientCode} tại nút này.`);
  if (v.refusal) throw new Refusal(v.refusal);
  const files = v.files.map((f, i) => ({ ...f, bytes: v.parsed.attachments[i]!.content! }));
  return { parsed: v.parsed, agencyId: agency.id, files };
}

/**
 * The receiving end of the transport: routes, checks, stores durably and answers. The receipt id
 * is returned only once the inbox row is committed; a redelivery of the same package gets the same
 * receipt id; a refused package is recorded, answered with status 02 to its sender and logged.
 */
export async function receivePackage(ctx: AppContext, a: ArrivingPackage): Promise<ReceiveResult> {
  const node = axisNodeOf(ctx);
  if (!node) throw new AppError('unavailable', 'Nút trục liên thông chưa được cấu hình.');
  const key = peekPackageBytes(a.bytes);
  const sha = sha256Hex(a.bytes);
  const table = routeTableOf(node);
  const refuse = async (reason: string): Promise<ReceiveResult> => {
    ctx.logger.warn({ from: key.from, documentId: key.documentId, recipient: a.recipientCode, fromNode: a.fromNode, reason }, 'axis: package refused');
    if (!key.from || !key.documentId) return { outcome: 'rejected', receiptId: null, reason };
    const { receiptId, outbox } = await ctx.db.transaction().execute(async (trx) => {
      const { row, created } = await axisRepository.insertInbox(trx, {
        senderCode: key.from!,
        edxmlDocumentId: key.documentId!,
        businessType: key.businessType!,
        recipientCode: a.recipientCode,
        packageSha256: sha,
        package: a.bytes,
        trace: JSON.stringify(a.trace),
        fromNode: a.fromNode,
        state: 'rejected',
        reason,
      });
      const ids: string[] = [];
      // Status packages are never answered with a status (no ping-pong between two nodes).
      if (created && !key.businessType!.startsWith('status:')) {
        const fromCode = routeFor(table, a.recipientCode).kind === 'local' ? a.recipientCode : node.settings.organId;
        ids.push(await axisRepository.insertOutbox(trx, { kind: 'status', fromCode, targetCode: key.from!, edxmlDocumentId: key.documentId!, statusCode: '02', description: reason.slice(0, 2000), inboxId: row.id }));
        await axisRepository.notifyOutbox(trx);
      }
      if (created) await appendAudit(trx, { actor: AXIS_ACTOR, action: 'axis.inbox.rejected', entityType: 'axis_inbox', entityId: row.id, after: { from: key.from, documentId: key.documentId, reason } });
      return { receiptId: row.receiptId, outbox: ids };
    });
    await enqueueAxis(ctx, { outbox });
    return { outcome: 'rejected', receiptId, reason };
  };

  const traceVerdict = checkTrace(table, a.local ? [] : a.trace);
  if (!traceVerdict.ok) return refuse(traceVerdict.reason);
  if (!key.from || !key.documentId) return refuse('Gói tin thiếu From/OrganId hoặc DocumentId.');
  const route = routeFor(table, a.recipientCode);
  if (route.kind === 'none') return refuse(`Không tìm thấy nơi nhận mã ${a.recipientCode}.`);

  if (route.kind === 'peer') {
    // Store and forward: the package is kept as received. Its signature is checked here too, so a
    // forged or tampered package stops at the first node (answered with 02) instead of travelling
    // on; the final node checks everything again (fields, recipient, files, PDF signatures).
    if (!a.local) {
      let reason: string | null;
      try {
        const verdict = verifyPackageSignature(a.bytes, { trustRoots: node.trustRoots, limits: { maxPackageBytes: node.settings.maxPackageBytes } });
        reason = verdict.valid && verdict.trusted ? null : `Chữ ký số của gói tin không hợp lệ: ${verdict.reason}`;
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        reason = `Gói tin không đúng QCVN 102:2016: ${e.message}`;
      }
      if (reason) return refuse(reason);
    }
    const trace = [...a.trace, myHop(node)];
    const res = await ctx.db.transaction().execute(async (trx) => {
      const { row, created } = await axisRepository.insertInbox(trx, { senderCode: key.from!, edxmlDocumentId: key.documentId!, businessType: key.businessType!, recipientCode: a.recipientCode, packageSha256: sha, package: a.bytes, trace: JSON.stringify(a.trace), fromNode: a.fromNode, state: 'forwarded' });
      if (!created) return { row, outbox: [] as string[] };
      const id = await axisRepository.insertOutbox(trx, { kind: 'forward', fromCode: key.from!, targetCode: a.recipientCode, edxmlDocumentId: key.documentId!, statusCode: key.businessType!.startsWith('status:') ? key.businessType!.slice(7) : null, package: a.bytes, trace: JSON.stringify(trace), inboxId: row.id, giveUpAt: new Date(deploymentNow().getTime() + node.settings.retry.maxAgeMs) });
      await axisRepository.notifyOutbox(trx);
      return { row, outbox: [id] };
    });
    await enqueueAxis(ctx, { outbox: res.outbox }, { now: true });
    return answerPrior(ctx, node, res.row, sha);
  }

  // Addressed to an agency of this node. A redelivery is answered from the inbox before any work.
  const prior = await axisRepository.inboxByKey(ctx.db, { senderCode: key.from, edxmlDocumentId: key.documentId, businessType: key.businessType!, recipientCode: a.recipientCode });
  if (prior) return answerPrior(ctx, node, prior, sha);
  let checked: Checked;
  try {
    checked = await checkPackage(ctx, node, a);
  } catch (e) {
    if (e instanceof Refusal) return refuse(e.message);
    throw e;
  }
  const parsedKey = keyOf(checked.parsed);
  if (parsedKey.from !== key.from || parsedKey.documentId !== key.documentId || parsedKey.businessType !== key.businessType) return refuse('Phần đầu gói tin không khớp với nội dung đã ký.');
  // Status 01 (đã đến) goes back as soon as the package is safely stored: written with it.
  const stored = await axisRepository.storeArrival(
    ctx.db,
    { senderCode: key.from, edxmlDocumentId: key.documentId, businessType: key.businessType!, recipientCode: a.recipientCode, packageSha256: sha, package: a.bytes, trace: JSON.stringify(a.trace), fromNode: a.fromNode, agencyId: checked.agencyId },
    checked.parsed.kind === 'document' ? { description: 'Văn bản đã đến.' } : null,
    { at: deploymentNow().toISOString(), actorLabel: AXIS_ACTOR.label, action: 'axis.inbox.stored', after: { from: key.from, documentId: key.documentId, type: key.businessType } },
  );
  if (!stored) {
    const prior = await axisRepository.inboxByKey(ctx.db, { senderCode: key.from, edxmlDocumentId: key.documentId, businessType: key.businessType!, recipientCode: a.recipientCode });
    if (!prior) throw new Error('axis inbox row vanished between the insert and the read');
    return answerPrior(ctx, node, prior, sha);
  }
  const res = { row: stored.row, outbox: stored.outboxId ? [stored.outboxId] : [] };
  await enqueueAxis(ctx, { outbox: res.outbox }, { now: true });
  // Registered into the workflow right away from what was verified; if this process dies first,
  // the 'axis.process-inbox' job or the sweep does it from the stored package.
  void processInbox(ctx, res.row.id, checked.parsed, checked.files).catch((e) => ctx.logger.error({ err: e, inboxId: res.row.id }, 'axis: processing failed, will be retried'));
  return { outcome: 'accepted', receiptId: res.row.receiptId };
}

async function answerPrior(ctx: AppContext, node: AxisNode, prior: AxisInboxEntry, sha: string): Promise<ReceiveResult> {
  if (prior.packageSha256 !== sha) {
    // Same (sender, DocumentId, business type, recipient) with other content: a replay or a forgery.
    const reason = 'Gói tin khác nội dung nhưng trùng khóa (bên gửi, DocumentId, nghiệp vụ) với gói đã nhận: phát lại bị từ chối.';
    ctx.logger.warn({ inboxId: prior.id, from: prior.senderCode, documentId: prior.edxmlDocumentId }, 'axis: replayed package refused');
    if (!prior.businessType.startsWith('status:')) {
      const fromCode = routeFor(routeTableOf(node), prior.recipientCode).kind === 'local' ? prior.recipientCode : node.settings.organId;
      const id = await ctx.db.transaction().execute(async (trx) => {
        const outboxId = await axisRepository.insertOutbox(trx, { kind: 'status', fromCode, targetCode: prior.senderCode, edxmlDocumentId: prior.edxmlDocumentId, statusCode: '02', description: reason, inboxId: prior.id });
        await axisRepository.notifyOutbox(trx);
        await appendAudit(trx, { actor: AXIS_ACTOR, agencyId: prior.agencyId, action: 'axis.inbox.replay_refused', entityType: 'axis_inbox', entityId: prior.id, after: { sha256: sha } });
        return outboxId;
      });
      await enqueueAxis(ctx, { outbox: [id] });
    }
    return { outcome: 'rejected', receiptId: null, reason };
  }
  if (prior.state === 'rejected') return { outcome: 'rejected', receiptId: prior.receiptId, reason: prior.reason ?? 'Gói tin đã bị từ chối.' };
  return { outcome: 'accepted', receiptId: prior.receiptId };
}

function keyOf(p: ParsedEdxml): { from: string; documentId: string; businessType: string } {
  if (p.kind === 'status') {
    const h = p.package.MessageHeader;
    return { from: h.From.OrganId, documentId: h.ResponseFor.DocumentId, businessType: `status:${h.StatusCode}` };
  }
  const h = p.package.MessageHeader;
  return { from: h.From.OrganId, documentId: h.DocumentId, businessType: `doc:${p.package.TraceHeaderList?.Bussiness?.BussinessDocType ?? 0}` };
}

// ───────────────────────────── processing ─────────────────────────────

/** Re-reads a stored package (after a restart): verified again, then parsed from the signed content. */
async function reparse(ctx: AppContext, node: AxisNode, row: AxisInboxEntry): Promise<ParsedEdxml> {
  const v = verifyPackageSignature(await axisRepository.inboxPackage(ctx.db, row.id), { trustRoots: node.trustRoots, includeDocument: true, limits: { maxPackageBytes: node.settings.maxPackageBytes } });
  if (!v.valid || !(v.document || v.signedContent)) throw new AppError('validation', `Gói tin đã lưu không còn hợp lệ: ${v.reason}`);
  return parseSigned(node.settings, v);
}

/** Turns a stored package into workflow changes (the processor of 'axis.process-inbox'). Idempotent. */
export async function processInbox(ctx: AppContext, inboxId: string, parsed?: ParsedEdxml, files?: PreparedFile[]): Promise<'processed' | 'skipped'> {
  const node = axisNodeOf(ctx);
  if (!node) return 'skipped';
  const row = await axisRepository.claimInbox(ctx.db, inboxId, STALE_PROCESSING_MS);
  if (!row) return 'skipped';
  try {
    const p = parsed ?? (await reparse(ctx, node, row));
    if (p.kind === 'document') await applyDocument(ctx, row, p, parsed ? files : undefined);
    else await applyStatus(ctx, node, row, p.package.MessageHeader.StatusCode, p.package.MessageHeader.Description ?? '', edxmlTimestampToDate(p.package.MessageHeader.Timestamp));
    return 'processed';
  } catch (e) {
    if (e instanceof AppError && (e.code === 'validation' || e.code === 'too_large' || e.code === 'unsupported')) {
      // Will not get better on a retry: refused for good, the sender told with 02.
      await rejectStored(ctx, row, `Không tiếp nhận được văn bản: ${e.message}`);
      return 'processed';
    }
    // Back to 'stored' so that the job's retry or the sweep tries again.
    await axisRepository.updateInbox(ctx.db, row.id, { state: 'stored', claimedAt: null });
    throw e;
  }
}

async function rejectStored(ctx: AppContext, row: AxisInboxEntry, reason: string): Promise<void> {
  ctx.logger.warn({ inboxId: row.id, from: row.senderCode, documentId: row.edxmlDocumentId, reason }, 'axis: stored package refused while processing');
  const ids = await ctx.db.transaction().execute(async (trx) => {
    await axisRepository.updateInbox(trx, row.id, { state: 'rejected', reason: reason.slice(0, 2000), processedAt: deploymentNow() });
    const out: string[] = [];
    if (!row.businessType.startsWith('status:')) {
      out.push(await axisRepository.insertOutbox(trx, { kind: 'status', agencyId: row.agencyId, fromCode: row.recipientCode, targetCode: row.senderCode, edxmlDocumentId: row.edxmlDocumentId, statusCode: '02', description: reason.slice(0, 2000), inboxId: row.id }));
      await axisRepository.notifyOutbox(trx);
    }
    await appendAudit(trx, { actor: AXIS_ACTOR, agencyId: row.agencyId, action: 'axis.inbox.rejected', entityType: 'axis_inbox', entityId: row.id, after: { reason } });
    return out;
  });
  await enqueueAxis(ctx, { outbox: ids }, { now: true });
}

async function markProcessed(trx: Executor, row: AxisInboxEntry, documentId: string | null, action: string): Promise<void> {
  await axisRepository.updateInbox(trx, row.id, { state: 'processed', processedAt: deploymentNow(), documentId });
  await appendAudit(trx, { actor: AXIS_ACTOR, agencyId: row.agencyId, action, entityType: 'axis_inbox', entityId: row.id, after: { documentId, from: row.senderCode, edxmlDocumentId: row.edxmlDocumentId, type: row.businessType } });
}

async function applyDocument(ctx: AppContext, row: AxisInboxEntry, p: ParsedDocumentPackage, checkedFiles?: PreparedFile[]): Promise<void> {
  const agencyId = row.agencyId!;
  const h = p.package.MessageHeader;
  const type = p.package.TraceHeaderList?.Bussiness?.BussinessDocType ?? 0;
  const uploads: Upload[] = p.attachments.map((f) => ({ fileName: f.AttachmentName || f.fileName, bytes: f.content! }));
  const existing = await axisRepository.findAxisCopy(ctx.db, agencyId, h.DocumentId);
  if (type === 2 && existing) {
    // Cập nhật (BussinessDocType 2): the sender corrected the metadata or the files of a document
    // already sent; the copy keeps its number and history, the change is on its timeline.
    const m = metadataOf(p);
    const files = checkedFiles ?? (await prepareUploads(uploads, Number.MAX_SAFE_INTEGER));
    await withStoredFiles(ctx.db, ctx.blobs, files, () =>
      ctx.db.transaction().execute(async (trx) => {
        const doc = (await trx.selectFrom('document').selectAll().where('id', '=', existing.id).forUpdate().executeTakeFirstOrThrow()) as DocumentRow;
        const patch = { subject: String(m.subject), content: (m.content as string) || null, dueDate: (m.dueDate as string) || null, signerFullName: (m.signerFullName as string) || null, signerPosition: (m.signerPosition as string) || null, urgency: Number(m.urgency) };
        if (files.length) await linkFiles(trx, doc.id, 'main', files, null);
        await recordTransition(trx, { doc, actor: AXIS_ACTOR, action: 'axis_update', to: doc.state, note: p.package.TraceHeaderList?.Bussiness?.BussinessDocReason ?? 'Bên gửi cập nhật văn bản.', patch, data: { inboxId: row.id, files: files.length } });
        await markProcessed(trx, row, doc.id, 'axis.inbox.updated');
      }),
    );
    return;
  }
  if (type === 1) {
    await applyStatus(ctx, axisNodeOf(ctx)!, row, '13', p.package.TraceHeaderList?.Bussiness?.BussinessDocReason ?? 'Bên gửi thu hồi văn bản.');
    return;
  }
  // New (0) or replacing (3): one incoming copy, created in the same transaction that marks the
  // inbox row processed with it. A registration looks the copy's sender up through that row
  // (incomingStatusTarget): committed separately, a clerk registering in between sent no status
  // 03 at all. A copy already there (an older run that committed the copy but not the row) is
  // found by its DocumentId, so the package never produces two documents.
  const finish = async (trx: Executor, doc: { id: string }) => {
    if (type === 3) {
      for (const r of p.package.TraceHeaderList?.Bussiness?.ReplacementInfoList ?? []) {
        const old = await axisRepository.findAxisCopy(trx, agencyId, r.DocumentId);
        if (old && String(old.id) !== String(doc.id)) {
          await trx.insertInto('documentLink').values({ fromId: doc.id, toId: old.id, kind: 'replaces' }).onConflict((oc) => oc.doNothing()).execute();
          await documentRepository.addEvent(trx, { documentId: old.id, actorUserId: null, actorLabel: AXIS_ACTOR.label, action: 'axis_replaced', fromState: old.state, toState: old.state, note: `Được thay thế bởi văn bản ${h.Code.CodeNumber}/${h.Code.CodeNotation}.`, data: { replacedBy: doc.id } });
        }
      }
    }
    await markProcessed(trx, row, doc.id, 'axis.inbox.processed');
  };
  if (existing) await ctx.db.transaction().execute((trx) => finish(trx, existing));
  else await receiveIncoming(ctx, SYSTEM_ACTOR, agencyId, metadataOf(p), uploads, { source: 'axis', system: true, prepared: checkedFiles, within: finish });
}

/**
 * Status packages: receipts about our documents (01–06, 15, 16), or a recall request (13) for a copy
 * we hold. `sentAt` is the package's Timestamp — the recipient's time of the step, on its clock — and
 * is stored beside our own arrival time (updated_at), never instead of it.
 */
async function applyStatus(ctx: AppContext, node: AxisNode, row: AxisInboxEntry, code: string, description: string, sentAt: Date | null = null): Promise<void> {
  if (code === '13') {
    await applyRecallRequest(ctx, row, description);
    return;
  }
  await ctx.db.transaction().execute(async (trx) => {
    const sent = await axisRepository.sentDocumentRow(trx, row.edxmlDocumentId, row.senderCode);
    if (sent?.recipientId) {
      const r = await trx.selectFrom('documentRecipient').selectAll().where('id', '=', sent.recipientId).forUpdate().executeTakeFirst();
      if (r) {
        const next = STATUS_OF_CODE[code];
        if (code === '16') {
          await setRecipient(trx, r.id, { status: r.status === 'recall_requested' ? 'registered' : r.status, statusNote: `Nơi nhận từ chối thu hồi: ${description}`, statusAt: sentAt });
        } else if (next === 'rejected' || next === 'recalled') {
          await setRecipient(trx, r.id, { status: next, statusNote: description || null, statusAt: sentAt });
        } else if (next && r.status !== 'rejected' && r.status !== 'recalled' && r.status !== 'recall_requested' && (RANK[next] ?? 0) > (RANK[r.status] ?? 0)) {
          const number = code === '03' ? /số đến:?\s*(\d+)/i.exec(description)?.[1] ?? null : undefined;
          await setRecipient(trx, r.id, { status: next, ...(number !== undefined ? { remoteNumber: number } : {}), statusNote: code === '03' ? null : r.statusNote, statusAt: sentAt });
        }
        if (code === '03' && sent.flaggedAt) await axisRepository.updateOutbox(trx, sent.id, { flaggedAt: null });
      }
    } else {
      ctx.logger.info({ inboxId: row.id, code, documentId: row.edxmlDocumentId }, 'axis: status for a document this node did not send');
    }
    await markProcessed(trx, row, sent?.documentId ?? null, `axis.status.${code}`);
  });
  void node;
}

/**
 * Thu hồi (13): a copy not yet registered is withdrawn (returned, 15); a copy already registered
 * stays in the book and the clerk is told (16, with the số đến), as the book is gapless.
 */
async function applyRecallRequest(ctx: AppContext, row: AxisInboxEntry, reason: string): Promise<void> {
  const docRows = await axisRepository.documentInbox(ctx.db, row.senderCode, row.edxmlDocumentId, row.recipientCode);
  for (const d of docRows) if (d.state === 'stored' || d.state === 'processing') await processInbox(ctx, d.id).catch(() => undefined);
  const outbox = await ctx.db.transaction().execute(async (trx) => {
    const agencyId = row.agencyId ?? (await agencyRepository.findByCode(trx, row.recipientCode))?.id;
    const copy = agencyId ? await axisRepository.findAxisCopy(trx, agencyId, row.edxmlDocumentId) : undefined;
    let code: '15' | '16';
    let description: string;
    if (!copy) {
      code = '15';
      description = 'Không còn bản nào của văn bản tại nơi nhận.';
    } else {
      const doc = (await trx.selectFrom('document').selectAll().where('id', '=', copy.id).forUpdate().executeTakeFirstOrThrow()) as DocumentRow;
      if (doc.state === 'received' || doc.state === 'returned') {
        code = '15';
        description = 'Đồng ý thu hồi: văn bản chưa vào sổ đã được trả lại.';
        await recordTransition(trx, { doc, actor: AXIS_ACTOR, action: 'axis_recalled', to: 'returned', note: `Bên gửi thu hồi: ${reason}`, patch: { returnReason: `Bên gửi thu hồi: ${reason}`.slice(0, 2000) } });
      } else {
        code = '16';
        description = `Văn bản đã vào sổ đến số ${doc.bookNumber ?? '?'}; không thu hồi tự động, văn thư sẽ liên hệ bên gửi.`;
        await documentRepository.addEvent(trx, { documentId: doc.id, actorUserId: null, actorLabel: AXIS_ACTOR.label, action: 'axis_recall_requested', fromState: doc.state, toState: doc.state, note: `Bên gửi đề nghị thu hồi: ${reason}`, data: { inboxId: row.id } });
      }
    }
    const id = await axisRepository.insertOutbox(trx, { kind: 'status', agencyId: agencyId ?? null, fromCode: row.recipientCode, targetCode: row.senderCode, edxmlDocumentId: row.edxmlDocumentId, statusCode: code, description, inboxId: row.id });
    await axisRepository.notifyOutbox(trx);
    await markProcessed(trx, row, copy?.id ?? null, `axis.recall.${code}`);
    return [id];
  });
  await enqueueAxis(ctx, { outbox });
}

// ───────────────────────────── sweep ─────────────────────────────

/** Re-enqueues what is due (Redis may have lost it), processes stored packages, flags late recipients. */
/** Replay protection beyond the clock window: false when this signed request was seen already. */
export function rememberNodeRequest(ctx: AppContext, peer: string, requestId: string): Promise<boolean> {
  return axisRepository.rememberRequest(ctx.db, peer, requestId);
}

export async function sweepAxis(ctx: AppContext, opts: { limit?: number } = {}): Promise<{ outbox: number; inbox: number; flagged: number }> {
  const limit = opts.limit ?? 500;
  const due = await axisRepository.duePending(ctx.db, limit);
  const inbox = await axisRepository.unprocessedInbox(ctx.db, STALE_PROCESSING_MS, limit);
  await enqueueAxis(ctx, { outbox: due.map((d) => d.id), inbox: inbox.map((d) => d.id) });
  const flagged = await flagLateRecipients(ctx);
  // Signed requests older than twice the clock window can no longer pass the date check.
  const node = axisNodeOf(ctx);
  if (node) await axisRepository.forgetRequestsBefore(ctx.db, new Date(deploymentNow().getTime() - 2 * node.settings.clockSkewMs));
  return { outbox: due.length, inbox: inbox.length, flagged };
}

/** Decree 30/2020: the recipient registers the day it arrives or the next working day at the latest. */
export async function flagLateRecipients(ctx: AppContext, today = todayInVietnam()): Promise<number> {
  const late = await axisRepository.lateRecipients(ctx.db, today);
  for (const row of late) {
    await ctx.db.transaction().execute(async (trx) => {
      await axisRepository.updateOutbox(trx, row.id, { flaggedAt: deploymentNow() });
      await setRecipient(trx, row.recipientId!, { statusNote: `Quá hạn: chưa vào sổ đến hết ngày ${row.registerDue!.split('-').reverse().join('/')}.` });
      await appendAudit(trx, { actor: AXIS_ACTOR, agencyId: row.agencyId, action: 'axis.recipient.late', entityType: 'axis_outbox', entityId: row.id, after: { target: row.targetCode, registerDue: row.registerDue } });
    });
  }
  return late.length;
}

/** The clerk's and administrator's view of the node: what waits, what was refused, who is late. */
export async function axisOverview(ctx: AppContext) {
  const node = axisNodeOf(ctx);
  const [outbox, inbox] = await axisRepository.recent(ctx.db, 100);
  const fmt = (d: Date | null) => (d ? new Date(d).toISOString().replace('T', ' ').slice(0, 19) : '');
  return {
    node: node ? { nodeId: node.settings.nodeId, organId: node.settings.organId, agencies: node.settings.agencies.join(', '), peers: node.peers.map((p) => ({ nodeId: p.nodeId, role: p.role === 'parent' ? 'Nút cấp trên' : 'Nút cấp dưới', url: p.url, codes: p.codes.join(', ') })) } : null,
    outbox: outbox.map((o) => ({ ...o, createdAt: fmt(o.createdAt), sentAt: fmt(o.sentAt), flagged: !!o.flaggedAt })),
    inbox: inbox.map((i) => ({ ...i, receivedAt: fmt(i.receivedAt) })),
  };
}

/** Level of a QCVN 102:2016 code (level 1 on the right; `00` means "no lower level"). */
export function levelOfCode(code: string): 'central' | 'province' | 'district' | 'commune' {
  const g = code.split('.');
  if (g.length === 4 && g[1] !== '00') return 'commune';
  if (g.length === 4 && g[2] !== '00') return 'district';
  return /^[A-G]/.test(g[g.length - 1] ?? '') ? 'central' : 'province';
}

/** Agencies named in the node configuration are created under the node's own agency when missing. */
export async function ensureAxisAgencies(ctx: AppContext, node: AxisNode): Promise<string[]> {
  const created: string[] = [];
  for (const [code, name] of Object.entries(node.settings.agencyNames)) {
    await ctx.db.transaction().execute(async (trx) => {
      if (await agencyRepository.findByCode(trx, code)) return;
      const parent = await agencyRepository.findByCode(trx, node.settings.organId);
      const a = await agencyRepository.insert(trx, { qcvnCode: code, d20Code: null, levelCode: levelOfCode(code), parentId: parent?.id ?? null, abbreviation: 'UBND' });
      await agencyRepository.addName(trx, a.id, name, new Date('2000-01-01'));
      await appendAudit(trx, { actor: AXIS_ACTOR, agencyId: a.id, action: 'axis.agency.created', entityType: 'agency', entityId: a.id, after: { code, name } });
      created.push(code);
    });
  }
  return created;
}

export async function axisCounts(ctx: AppContext) {
  const outbox = await ctx.db.selectFrom('axisOutbox').select(['kind', 'state']).select((eb) => eb.fn.countAll<string>().as('n')).groupBy(['kind', 'state']).orderBy('kind').execute();
  const inbox = await ctx.db.selectFrom('axisInbox').select('state').select((eb) => eb.fn.countAll<string>().as('n')).groupBy('state').orderBy('state').execute();
  const late = await ctx.db.selectFrom('axisOutbox').select((eb) => eb.fn.countAll<string>().as('n')).where('flaggedAt', 'is not', null).executeTakeFirstOrThrow();
  return { outbox: outbox.map((r) => ({ ...r, n: Number(r.n) })), inbox: inbox.map((r) => ({ ...r, n: Number(r.n) })), late: Number(late.n) };
}
