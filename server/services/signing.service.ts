// Digital signing of outgoing documents through the signing workers (issue 4 items 3, 5, 9, 10).
//
// The split keeps CPU-heavy work out of the web process and the passphrase out of everything durable:
//   web  : opens the PKCS#12 with the typed passphrase (in memory), inserts a signing_request,
//          enqueues `signing.prepare` {id} after commit and waits for the prepared row;
//   worker (prepare): loads the PDF, stamps the number when numbering, adds the signature field and
//          appearance, stores the prepared PDF (blob) and its metadata (row) — no secret needed;
//   web  : signs `toBeSigned` (one RSA/ECDSA operation), writes the signature value (not secret) and
//          enqueues `signing.complete` {id};
//   worker (complete): embeds the CMS, stores the signed PDF as a new file version and records the
//          transition in one transaction.
// Every step moves the row from one status to the next with a conditional update, so a duplicated or
// retried job finds nothing to do: a file is never signed, stamped or numbered twice.
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../app-context.ts';
import type { Executor } from '../db/database.ts';
import type { DocumentRow } from '../db/types.ts';
import type { SigningAction, SigningKind } from '../db/tables/signing.tables.ts';
import { AppError } from '../errors.ts';
import { actorLabel, hasRole, type Actor } from '../domain/actor.ts';
import { decide } from '../domain/workflow.ts';
import { OUTGOING_WORKFLOW, type OutgoingState } from '../domain/outgoing-workflow.ts';
import { sha256Of } from '../files/blob-store.ts';
import { completeExternalSignature, exportPrepared, importPrepared, prepareExternalSignature, stampNumber, type KeySource } from '../signing/index.ts';
import type { ExternalOperation, FallbackPosition } from '../signing/operations.ts';
import { completeJobId, prepareJobId, verifyJobId } from '../jobs/signing.jobs.ts';
import { extractTextJobId } from '../jobs/documents.jobs.ts';
import { documentRepository } from '../repositories/document.repository.ts';
import { agencyRepository } from '../repositories/agency.repository.ts';
import { credentialRepository } from '../repositories/credential.repository.ts';
import { signingRepository } from '../repositories/signing.repository.ts';
import { loadVisibleDocument } from './document-access.ts';
import { recordTransition } from './document-transition.ts';
import { appendAudit } from './audit.service.ts';
import { openCredential } from './credential.service.ts';
import { signingCrls } from './signature-verification.service.ts';
import { deploymentNow } from '../domain/vietnam-time.ts';

/** How long the web request holding the passphrase waits for the worker to prepare the PDF. */
export const PREPARE_WAIT_MS = 45_000;
const POLL_MS = 100;
/** A prepared request whose signature value never came (the web request died) fails after this. */
const PREPARED_EXPIRY_MS = 10 * 60_000;
/** Requests untouched this long are re-enqueued by the sweep (a lost job, a restarted worker). */
const STUCK_AFTER_MS = 60_000;

/**
 * Where the leader's image goes when the position line and the name are not found in the PDF: the
 * lower right of the last page, the usual place of the signature block (Decree 30/2020 Appendix I).
 */
/** Default leader box on the last page when the name is not found; LEADER_FALLBACK in the environment overrides it. */
export const LEADER_FALLBACK: FallbackPosition = { pageIndex: -1, x: 320, y: 110, width: 220, height: 120 };

const PDF = 'application/pdf';

/** Opens credentials with one typed passphrase, each at most once; the passphrase stays in this closure. */
export type Unlocker = (credentialId: string) => Promise<KeySource>;

export function unlockerFor(ctx: AppContext, passphrase: string | undefined): Unlocker {
  const opened = new Map<string, Promise<KeySource>>();
  return (credentialId) => {
    if (!passphrase) return Promise.reject(new AppError('validation', 'Hãy nhập mật khẩu chứng thư số để ký số.'));
    let p = opened.get(credentialId);
    if (!p) {
      p = openCredential(ctx, ctx.db, credentialId, passphrase);
      opened.set(credentialId, p);
    }
    return p;
  };
}

export interface SigningOutcome {
  documentId: string;
  requestIds: string[];
  ok: boolean;
  message: string;
}

const isUniqueViolation = (e: unknown): boolean => (e as { code?: string })?.code === '23505';

async function latestDraftPdf(db: Executor, documentId: string) {
  const files = await documentRepository.files(db, documentId);
  const latest = files.filter((f) => f.role === 'draft').sort((a, b) => b.version - a.version)[0];
  return latest && latest.contentType === PDF ? latest : undefined;
}

async function latestMainPdf(db: Executor, documentId: string) {
  const files = await documentRepository.files(db, documentId);
  const main = files.filter((f) => f.role === 'main' && f.contentType === PDF).sort((a, b) => b.version - a.version)[0];
  const attachments = files.filter((f) => f.role === 'attachment' && f.contentType === PDF);
  // One signed version per attachment: the newest file of each name.
  const byName = new Map<string, (typeof attachments)[number]>();
  for (const a of attachments) if (!byName.has(a.fileName) || Number(byName.get(a.fileName)!.id) < Number(a.id)) byName.set(a.fileName, a);
  return { main, attachments: [...byName.values()] };
}

/**
 * Whether the leader's `sign` action signs a PDF (true) or only records the signer (false): there is
 * no PDF draft, or the leader has no credential here (signed on paper and scanned by the clerk, the
 * way documents were signed before this module; a passphrase typed then is ignored, never kept).
 */
export async function leaderSignsPdf(ctx: AppContext, actor: Actor, documentId: string): Promise<boolean> {
  const { doc, rel } = await loadVisibleDocument(ctx.db, actor, documentId);
  if (doc.direction !== 'outgoing') throw new AppError('not_found', 'Không tìm thấy văn bản đi.');
  decide(OUTGOING_WORKFLOW, doc.state as OutgoingState, 'sign', rel);
  if (!(await latestDraftPdf(ctx.db, documentId))) return false;
  return !!(await credentialRepository.activeForUser(ctx.db, actor.userId));
}

async function insertRequest(trx: Executor, actor: Actor, doc: DocumentRow, r: { sourceFileId: string; credentialId: string; action: SigningAction; kind: SigningKind; params: Record<string, unknown>; batchId?: string }): Promise<string> {
  let id: string;
  try {
    id = await signingRepository.insertRequest(trx, { documentId: doc.id, sourceFileId: r.sourceFileId, credentialId: r.credentialId, action: r.action, kind: r.kind, params: JSON.stringify(r.params), batchId: r.batchId ?? null, requestedBy: actor.userId });
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError('conflict', 'Tệp này đang được ký số hoặc đã được ký; hãy tải lại trang.');
    throw e;
  }
  await appendAudit(trx, { actor: { userId: actor.userId, label: actorLabel(actor) }, agencyId: doc.agencyId, action: 'signing.requested', entityType: 'signing_request', entityId: id, after: { documentId: doc.id, fileId: r.sourceFileId, action: r.action, kind: r.kind } });
  return id;
}

/**
 * Ký số của lãnh đạo: the leader's signature on the latest draft PDF. Throws (document unchanged)
 * on a wrong passphrase, an unusable certificate or a PDF that cannot be signed; otherwise the
 * signed PDF and the state change follow from `signing.complete` and the page polls for them.
 */
export async function signAsLeaderDigitally(ctx: AppContext, actor: Actor, documentId: string, opts: { competence: string | null; unlock: Unlocker; batchId?: string }): Promise<SigningOutcome> {
  const cred = await credentialRepository.activeForUser(ctx.db, actor.userId);
  if (!cred) throw new AppError('validation', 'Bạn chưa có chứng thư số trên hệ thống; hãy tải tệp chứng thư số ở trang "Chứng thư số" hoặc liên hệ quản trị.');
  if (!cred.imagePng) throw new AppError('validation', 'Chưa có ảnh chữ ký của bạn; hãy tải ảnh chữ ký ở trang "Chứng thư số".');
  const key = await opts.unlock(cred.id);
  const requestId = await ctx.db.transaction().execute(async (trx) => {
    const { doc, rel } = await loadVisibleDocument(trx, actor, documentId, { lock: true });
    if (doc.direction !== 'outgoing') throw new AppError('not_found', 'Không tìm thấy văn bản đi.');
    decide(OUTGOING_WORKFLOW, doc.state as OutgoingState, 'sign', rel);
    const file = await latestDraftPdf(trx, doc.id);
    if (!file) throw new AppError('validation', 'Dự thảo không có tệp PDF để ký số.');
    return insertRequest(trx, actor, doc, { sourceFileId: file.id, credentialId: cred.id, action: 'sign', kind: 'leader', params: { competence: opts.competence }, batchId: opts.batchId });
  });
  await enqueuePrepare(ctx, [requestId]);
  const [outcome] = await finishSigning(ctx, [requestId], () => key);
  return { documentId, requestIds: [requestId], ok: outcome!.ok, message: outcome!.ok ? 'Đang ký số…' : outcome!.message };
}

export interface SealPlan {
  credentialId: string;
  key: KeySource;
}

/**
 * Before numbering: when the document has a signed main PDF, the clerk's agency credential is
 * opened with the typed passphrase (so a wrong passphrase or unusable certificate changes nothing).
 * Returns null when there is no PDF (numbering only, as before).
 */
export async function prepareAgencySeal(ctx: AppContext, actor: Actor, documentId: string, passphrase: string | undefined): Promise<SealPlan | null> {
  const { doc, rel } = await loadVisibleDocument(ctx.db, actor, documentId);
  if (doc.direction !== 'outgoing') throw new AppError('not_found', 'Không tìm thấy văn bản đi.');
  decide(OUTGOING_WORKFLOW, doc.state as OutgoingState, 'number', rel);
  const { main } = await latestMainPdf(ctx.db, doc.id);
  if (!main) return null;
  const cred = await credentialRepository.activeForAgency(ctx.db, doc.agencyId);
  // No agency credential: numbering only, as before this module (the page says so).
  if (!cred) return null;
  if (!cred.imagePng) throw new AppError('validation', 'Chưa có ảnh con dấu của cơ quan; hãy đề nghị quản trị tải ảnh con dấu.');
  const key = await unlockerFor(ctx, passphrase)(cred.id);
  return { credentialId: cred.id, key };
}

/** Inside the numbering transaction: one request for the main PDF (stamp + seal) and one per attachment. */
export async function insertSealRequests(trx: Executor, actor: Actor, doc: DocumentRow, plan: SealPlan, p: { number: string; date: string; place: string | null }): Promise<string[]> {
  const { main, attachments } = await latestMainPdf(trx, doc.id);
  if (!main) throw new AppError('conflict', 'Tệp văn bản đã thay đổi; hãy tải lại trang.');
  const ids = [await insertRequest(trx, actor, doc, { sourceFileId: main.id, credentialId: plan.credentialId, action: 'number', kind: 'agency', params: p })];
  // On a second attempt (reseal), attachments already sealed, and the sealed copies, are left alone.
  const done = await signingRepository.sealedOrProduced(trx, doc.id);
  for (const a of attachments.filter((f) => !done.has(f.id))) ids.push(await insertRequest(trx, actor, doc, { sourceFileId: a.id, credentialId: plan.credentialId, action: 'number', kind: 'attachment', params: { notation: p.number } }));
  return ids;
}

/**
 * Đóng dấu lại: when numbering succeeded but the stamp and seal did not (the worker refused the PDF,
 * or the wait ran out), the clerk applies them again to the numbered document, with its number.
 */
export async function resealNumbered(ctx: AppContext, actor: Actor, documentId: string, raw: unknown): Promise<void> {
  const passphrase = typeof (raw as Record<string, unknown>)?.passphrase === 'string' ? String((raw as Record<string, unknown>).passphrase) : undefined;
  const { doc } = await loadVisibleDocument(ctx.db, actor, documentId);
  const reseal = await resealState(ctx, actor, doc);
  if (!reseal.allowed) throw new AppError('conflict', reseal.reason);
  const cred = (await credentialRepository.activeForAgency(ctx.db, doc.agencyId))!;
  const key = await unlockerFor(ctx, passphrase)(cred.id);
  const ids = await ctx.db.transaction().execute(async (trx) => {
    const locked = (await documentRepository.lockById(trx, doc.id))!;
    if (locked.state !== 'numbered') throw new AppError('conflict', 'Văn bản đã chuyển sang trạng thái khác; hãy tải lại trang.');
    return insertSealRequests(trx, actor, locked, { credentialId: cred.id, key }, { number: `${locked.codeNumber}/${locked.codeNotation}`, date: String(locked.promulgationDate), place: locked.place });
  });
  await enqueuePrepare(ctx, ids);
  const failed = (await finishSigning(ctx, ids, () => key)).find((o) => !o.ok);
  if (failed) throw new AppError('validation', failed.message);
}

async function resealState(ctx: AppContext, actor: Actor, doc: DocumentRow): Promise<{ allowed: boolean; reason: string }> {
  if (doc.direction !== 'outgoing' || doc.state !== 'numbered') return { allowed: false, reason: 'Chỉ đóng số và chữ ký số cơ quan cho văn bản đã cấp số, chưa ban hành.' };
  if (!hasRole(actor, doc.agencyId, 'clerk')) return { allowed: false, reason: 'Chỉ văn thư của cơ quan được đóng dấu văn bản.' };
  if (!(await credentialRepository.activeForAgency(ctx.db, doc.agencyId))) return { allowed: false, reason: 'Cơ quan chưa có chứng thư số trên hệ thống.' };
  const { main } = await latestMainPdf(ctx.db, doc.id);
  if (!main) return { allowed: false, reason: 'Văn bản không có tệp PDF đã ký số.' };
  const rows = await signingRepository.forDocument(ctx.db, doc.id);
  const number = rows.filter((r) => r.action === 'number' && r.kind === 'agency');
  if (number.some((r) => r.status !== 'failed')) return { allowed: false, reason: 'Văn bản đã được đóng số và ký số cơ quan, hoặc đang được xử lý.' };
  return { allowed: true, reason: '' };
}

export async function enqueuePrepare(ctx: AppContext, ids: string[], attempt = ''): Promise<void> {
  for (const id of ids) await ctx.jobs.enqueue('signing.prepare', { signingRequestId: id }, { jobId: prepareJobId(id, attempt) });
}

/**
 * Waits for the worker to prepare each request, then signs `toBeSigned` with the opened key and hands
 * the signature value to `signing.complete`. A request not prepared in time is failed, so nothing
 * is signed later without its signer waiting for it.
 */
export async function finishSigning(ctx: AppContext, ids: string[], keyFor: (credentialId: string) => KeySource): Promise<{ id: string; ok: boolean; message: string }[]> {
  const out = new Map<string, { ok: boolean; message: string }>();
  const pending = new Set(ids);
  const deadline = Date.now() + PREPARE_WAIT_MS;
  while (pending.size && Date.now() < deadline) {
    for (const row of await signingRepository.statuses(ctx.db, [...pending])) {
      if (row.status === 'preparing') continue;
      pending.delete(row.id);
      if (row.status !== 'prepared') {
        out.set(row.id, { ok: row.status !== 'failed', message: row.error ?? '' });
        continue;
      }
      try {
        const req = (await signingRepository.findRequest(ctx.db, row.id))!;
        const prepared = importPrepared(await ctx.blobs.get(req.preparedSha256!), req.preparedMeta!);
        const value = await keyFor(req.credentialId).sign(prepared.toBeSigned);
        if (await signingRepository.transition(ctx.db, row.id, ['prepared'], { status: 'signed', signatureValue: value })) {
          await ctx.jobs.enqueue('signing.complete', { signingRequestId: row.id }, { jobId: completeJobId(row.id) });
        }
        out.set(row.id, { ok: true, message: 'Đang ký số…' });
      } catch (e) {
        const message = e instanceof AppError ? e.message : 'Không ký được tệp; hãy thử lại.';
        if (!(e instanceof AppError)) ctx.logger.warn({ signingRequestId: row.id, err: (e as Error).message }, 'signing failed in the web step');
        await signingRepository.transition(ctx.db, row.id, ['prepared'], { status: 'failed', error: message });
        out.set(row.id, { ok: false, message });
      }
    }
    if (pending.size) await new Promise((r) => setTimeout(r, POLL_MS));
  }
  for (const id of pending) {
    const message = 'Hệ thống ký số đang bận, chưa chuẩn bị kịp tệp để ký; hãy thử lại sau ít phút.';
    if (await signingRepository.transition(ctx.db, id, ['preparing'], { status: 'failed', error: message })) out.set(id, { ok: false, message });
    else out.set(id, { ok: true, message: 'Đang ký số…' });
  }
  return ids.map((id) => ({ id, ...out.get(id)! }));
}

// — worker steps —

/** `signing.prepare`: stamp (numbering) and prepare the signature field. Idempotent. */
export async function prepareRequest(ctx: AppContext, requestId: string): Promise<void> {
  const req = await signingRepository.findRequest(ctx.db, requestId);
  if (!req || req.status !== 'preparing') return;
  try {
    const cred = await credentialRepository.findById(ctx.db, req.credentialId);
    const file = await signingRepository.file(ctx.db, req.sourceFileId);
    if (!cred || !file) throw new AppError('validation', 'Không tìm thấy tệp hoặc chứng thư số.');
    let pdf: Uint8Array = await ctx.blobs.get(file.blobSha256);
    const params = req.params as unknown as Record<string, string | null>;
    // The signing time (in the signature and printed in its stamp) on the deployment's clock.
    const common = { signingTime: deploymentNow(), crls: await signingCrls(ctx) };
    let op: ExternalOperation;
    if (req.kind === 'leader') {
      const user = await signingRepository.userOf(ctx.db, req.requestedBy);
      op = { kind: 'leader', options: { ...common, position: user?.position ?? '', signerName: user?.fullName, signatureImage: cred.imagePng!, fallback: ctx.config.leaderFallback ?? LEADER_FALLBACK } };
    } else {
      const doc = (await documentRepository.findById(ctx.db, req.documentId))!;
      const agency = await agencyRepository.findById(ctx.db, doc.agencyId);
      if (req.kind === 'agency') {
        // Number and date first, as locked annotations (see stampNumber), then the seal covers them.
        pdf = await stampNumber(pdf, { number: String(params.number), date: String(params.date), place: params.place || undefined });
        op = { kind: 'agency', options: { ...common, sealImage: cred.imagePng!, agencyName: agency?.name } };
      } else {
        op = { kind: 'attachment', options: { ...common, notation: String(params.notation), agencyName: agency?.name } };
      }
    }
    const prepared = await prepareExternalSignature(pdf, cred.chainDer, op);
    const { pdf: bytes, meta } = exportPrepared(prepared);
    const sha = sha256Of(bytes);
    await ctx.blobs.put(sha, bytes);
    await ctx.db.transaction().execute(async (trx) => {
      await trx.insertInto('blob').values({ sha256: sha, size: bytes.length, contentType: PDF }).onConflict((oc) => oc.column('sha256').doNothing()).execute();
      await signingRepository.transition(trx, requestId, ['preparing'], { status: 'prepared', preparedSha256: sha, preparedMeta: JSON.stringify(meta) });
    });
  } catch (e) {
    if (!(e instanceof AppError)) throw e; // unexpected: let BullMQ retry; the sweep catches a lost job
    await signingRepository.transition(ctx.db, requestId, ['preparing'], { status: 'failed', error: e.message });
  }
}

function signedFileName(name: string, kind: SigningKind): string {
  const base = name.replace(/\.pdf$/i, '').replace(/-(da-ky|da-dong-dau)$/i, '');
  return `${base}-${kind === 'leader' ? 'da-ky' : 'da-dong-dau'}.pdf`;
}

/** `signing.complete`: embed the CMS, store the new version, record the transition. Idempotent. */
export async function completeRequest(ctx: AppContext, requestId: string): Promise<void> {
  const req = await signingRepository.findRequest(ctx.db, requestId);
  if (!req || req.status !== 'signed') return;
  let signed: { pdf: Buffer; fieldName: string; signingTime: Date; timestamped: boolean };
  try {
    const prepared = importPrepared(await ctx.blobs.get(req.preparedSha256!), req.preparedMeta!);
    signed = await completeExternalSignature(prepared, req.signatureValue!, { tsaUrl: ctx.config.tsaUrl });
  } catch (e) {
    if (!(e instanceof AppError) || e.code === 'unavailable') throw e; // TSA or store down: retry
    await signingRepository.transition(ctx.db, requestId, ['signed'], { status: 'failed', error: e.message });
    return;
  }
  const sha = sha256Of(signed.pdf);
  await ctx.blobs.put(sha, signed.pdf);
  const source = (await signingRepository.file(ctx.db, req.sourceFileId))!;
  const fileId = await ctx.db.transaction().execute(async (trx) => {
    const locked = await signingRepository.lockRequest(trx, requestId);
    if (!locked || locked.status !== 'signed') return null;
    const doc = (await documentRepository.lockById(trx, req.documentId))!;
    if (req.action === 'sign' && doc.state !== 'awaiting_signature') {
      await signingRepository.transition(trx, requestId, ['signed'], { status: 'failed', error: 'Văn bản đã chuyển sang trạng thái khác trước khi ký xong.' });
      return null;
    }
    await trx.insertInto('blob').values({ sha256: sha, size: signed.pdf.length, contentType: PDF }).onConflict((oc) => oc.column('sha256').doNothing()).execute();
    const role = req.kind === 'attachment' ? 'attachment' : 'main';
    const file = await trx
      .insertInto('documentFile')
      .values({ documentId: doc.id, role, version: await signingRepository.nextVersion(trx, doc.id, role), blobSha256: sha, fileName: signedFileName(source.fileName, req.kind), contentType: PDF, size: signed.pdf.length, textStatus: 'pending', createdBy: req.requestedBy })
      .returning('id')
      .executeTakeFirstOrThrow();
    await signingRepository.ensureVerification(trx, file.id);
    // The prepared PDF has served its purpose: its reference goes, and the blob after the commit.
    await signingRepository.transition(trx, requestId, ['signed'], { status: 'done', resultFileId: file.id, error: null, preparedSha256: null });
    const user = (await signingRepository.userOf(trx, req.requestedBy))!;
    const actor = { userId: user.id, label: `${user.fullName} (${user.username})` };
    const data = { fileId: file.id, field: signed.fieldName, signingTime: signed.signingTime.toISOString(), timestamped: signed.timestamped };
    if (req.action === 'sign') {
      const params = req.params as { competence?: string | null };
      await recordTransition(trx, { doc, actor, action: 'sign', to: 'signed', patch: { signerFullName: user.fullName, signerPosition: user.position, signerCompetence: params.competence || null }, data: { ...data, digital: true } });
    } else {
      await recordTransition(trx, { doc, actor, action: req.kind === 'attachment' ? 'sign_attachment' : 'seal', to: doc.state, data });
    }
    return file.id;
  });
  if (fileId) {
    await dropPreparedBlob(ctx, req.preparedSha256!);
    await ctx.jobs.enqueue('signing.verify', { fileId }, { jobId: verifyJobId(fileId) });
    await ctx.jobs.enqueue('documents.extract-text', { fileId }, { jobId: extractTextJobId(fileId) });
  }
}

async function dropPreparedBlob(ctx: AppContext, sha256: string): Promise<void> {
  if (await signingRepository.dropUnreferencedBlob(ctx.db, sha256)) await ctx.blobs.delete(sha256).catch(() => undefined);
}

/** `signing.sweep`: re-enqueue lost steps, expire abandoned ones, verify PDFs nobody verified yet. */
export async function sweepSigning(ctx: AppContext): Promise<{ prepare: number; complete: number; expired: number; verify: number }> {
  // Compared with updated_at (PostgreSQL's now()): the deployment's clock.
  const now = deploymentNow().getTime();
  const attempt = `-s${now}`;
  const stuck = await signingRepository.stuck(ctx.db, new Date(now - STUCK_AFTER_MS));
  const prepare = stuck.filter((r) => r.status === 'preparing').map((r) => r.id);
  const complete = stuck.filter((r) => r.status === 'signed').map((r) => r.id);
  await enqueuePrepare(ctx, prepare, attempt);
  for (const id of complete) await ctx.jobs.enqueue('signing.complete', { signingRequestId: id }, { jobId: completeJobId(id, attempt) });
  const expired = await signingRepository.expirePrepared(ctx.db, new Date(now - PREPARED_EXPIRY_MS));
  // Prepared PDFs of requests that failed (or whose cleanup was interrupted) are removed after an hour.
  for (const r of await signingRepository.endedWithPrepared(ctx.db, new Date(now - 3600_000))) {
    await signingRepository.transition(ctx.db, r.id, ['done', 'failed'], { preparedSha256: null });
    await dropPreparedBlob(ctx, r.preparedSha256!);
  }
  const files = await signingRepository.unverifiedPdfs(ctx.db, new Date(now - STUCK_AFTER_MS));
  for (const fileId of files) {
    await signingRepository.ensureVerification(ctx.db, fileId);
    await ctx.jobs.enqueue('signing.verify', { fileId }, { jobId: verifyJobId(fileId, attempt) });
  }
  return { prepare: prepare.length, complete: complete.length, expired, verify: files.length };
}

// — status for the page (signing-status.js) —

const STATUS_LABEL: Record<string, string> = { preparing: 'Đang ký số…', prepared: 'Đang ký số…', signed: 'Đang ký số…', done: 'Đã ký số', failed: 'Ký số không thành công' };
const KIND_LABEL: Record<string, string> = { leader: 'Chữ ký lãnh đạo', agency: 'Số, ngày và chữ ký cơ quan', attachment: 'Chữ ký cơ quan trên phụ lục' };

export async function documentSigningStatus(ctx: AppContext, actor: Actor, documentId: string) {
  const { doc } = await loadVisibleDocument(ctx.db, actor, documentId);
  const rows = await signingRepository.forDocument(ctx.db, doc.id);
  const hasDraftPdf = !!(await latestDraftPdf(ctx.db, doc.id));
  const hasCredential = !!(await credentialRepository.activeForUser(ctx.db, actor.userId));
  const hasMainPdf = !!(await latestMainPdf(ctx.db, doc.id)).main;
  const hasAgencyCredential = !!(await credentialRepository.activeForAgency(ctx.db, doc.agencyId));
  const latestOf = new Map<string, (typeof rows)[number]>();
  for (const r of rows) if (!latestOf.has(`${r.kind}:${r.fileName}`)) latestOf.set(`${r.kind}:${r.fileName}`, r);
  const newestDone = new Map<string, number>();
  for (const r of rows) if (r.status === 'done') newestDone.set(r.kind, Math.max(newestDone.get(r.kind) ?? 0, Number(r.id)));
  const requests = [...latestOf.values()].map((r) => ({
    id: r.id,
    kind: r.kind,
    what: `${KIND_LABEL[r.kind]} — ${r.fileName ?? ''}`,
    status: r.status,
    label: STATUS_LABEL[r.status],
    error: r.error,
    // In progress, or failed with no later success of the same kind: worth showing on the page.
    attention: r.status !== 'done' && !(r.status === 'failed' && (newestDone.get(r.kind) ?? 0) > Number(r.id)),
  }));
  return {
    documentId: doc.id,
    state: doc.state,
    fileCount: (await documentRepository.files(ctx.db, doc.id)).length,
    /** The clerk may apply the number stamp and agency seal again (numbering done, sealing failed). */
    canReseal: doc.state === 'numbered' && (await resealState(ctx, actor, doc)).allowed,
    busy: requests.some((r) => ['preparing', 'prepared', 'signed'].includes(r.status)),
    /** What the leader's `sign` does now: 'digital', or records the signer only ('no_pdf', 'no_credential'). */
    signMode: !hasDraftPdf ? 'no_pdf' : hasCredential ? 'digital' : 'no_credential',
    /** What the clerk's `number` does now: stamp and seal ('digital'), or number the book only. */
    sealMode: !hasMainPdf ? 'no_pdf' : hasAgencyCredential ? 'digital' : 'no_credential',
    requests,
  };
}

export async function batchStatus(ctx: AppContext, actor: Actor, batchId: string) {
  if (!/^[0-9a-f-]{36}$/.test(batchId)) throw new AppError('not_found', 'Không tìm thấy lượt ký.');
  const rows = await signingRepository.forBatch(ctx.db, batchId, actor.userId);
  return { batchId, busy: rows.some((r) => ['preparing', 'prepared', 'signed'].includes(r.status)), lines: rows.map((r) => ({ documentId: r.documentId, subject: r.subject, status: r.status, label: STATUS_LABEL[r.status], error: r.error })) };
}

export const newBatchId = (): string => randomUUID();
