// Văn bản đi: draft with versions → review chain (per agency, e.g. head → leader) → leader's
// signature → number and date by the clerk → release to units and agencies → recall
// (Decree 30/2020 Art. 11–19, DOMAIN.md §3). One transaction per action, with event and audit.
import { z } from 'zod';
import type { AppContext } from '../app-context.ts';
import type { Executor } from '../db/database.ts';
import type { DocumentRow } from '../db/types.ts';
import { AppError } from '../errors.ts';
import { hasRole, type Actor } from '../domain/actor.ts';
import { decide } from '../domain/workflow.ts';
import { OUTGOING_WORKFLOW, type OutgoingState } from '../domain/outgoing-workflow.ts';
import { searchFoldedOf } from '../domain/search-text.ts';
import { documentTypeByCode } from '../domain/document-types.ts';
import { formatCodeNumber, formatCodeNotation } from '../domain/document-number.ts';
import { isDateString, todayInVietnam } from '../domain/vietnam-time.ts';
import { toNfc } from '../domain/vietnamese-text.ts';
import { documentRepository } from '../repositories/document.repository.ts';
import { agencyRepository } from '../repositories/agency.repository.ts';
import { clockRepository } from '../repositories/clock.repository.ts';
import { parseDocumentMetadata } from './document-input.ts';
import { recordTransition } from './document-transition.ts';
import { loadVisibleDocument } from './document-access.ts';
import { bookForNumbering, takeNumber } from './book.service.ts';
import { enqueueTextExtraction, linkFiles, prepareUploads, withStoredFiles, type Upload } from './file.service.ts';
import { parseInput } from './validation.ts';
import { onOutgoingRecalled, onOutgoingReleased } from './axis-hooks.ts';
import { enqueuePrepare, finishSigning, insertSealRequests, leaderSignsPdf, prepareAgencySeal, signAsLeaderDigitally, unlockerFor } from './signing.service.ts';

/** A specialist (or head, leader, clerk) drafts a document with its file (dự thảo, version 1). */
export async function createDraft(ctx: AppContext, actor: Actor, agencyId: string, raw: unknown, uploads: Upload[]): Promise<DocumentRow> {
  if (!hasRole(actor, agencyId, 'specialist', 'head', 'leader', 'clerk')) throw new AppError('forbidden', 'Bạn không có quyền soạn thảo văn bản tại cơ quan này.');
  const m = parseDocumentMetadata(raw);
  const replyTo = (raw as Record<string, unknown>)?.replyToId;
  const files = await prepareUploads(uploads, ctx.config.uploadMaxBytes);
  const unitId = actor.roles.find((r) => r.agencyId === agencyId && r.unitId)?.unitId ?? null;
  const linked: string[] = [];
  const created = await withStoredFiles(ctx.db, ctx.blobs, files, () =>
    ctx.db.transaction().execute(async (trx) => {
      const agency = await agencyRepository.findById(trx, agencyId);
      const { numberAndNotation: _n, confidentiality: _c, codeNumber: _cn, codeNotation: _co, ...fields } = m;
      const doc = await documentRepository.insert(trx, {
        ...fields,
        agencyId,
        direction: 'outgoing',
        state: 'draft',
        issuerCode: agency?.qcvnCode ?? agency?.d20Code ?? null,
        issuerName: agency?.name ?? null,
        draftingUnitId: unitId,
        createdBy: actor.userId,
        searchFolded: searchFoldedOf({ ...fields, issuerName: agency?.name }),
      });
      linked.push(...(await linkFiles(trx, doc.id, 'draft', files, actor.userId)));
      if (typeof replyTo === 'string' && /^\d+$/.test(replyTo)) {
        const original = await documentRepository.findById(trx, replyTo);
        if (!original || String(original.agencyId) !== String(agencyId)) throw new AppError('validation', 'Văn bản được trả lời không hợp lệ.');
        await documentRepository.addLink(trx, doc.id, original.id, 'reply_to');
      }
      await recordTransition(trx, { doc, actor, action: 'draft', to: 'draft', data: { files: files.length } });
      return doc;
    }),
  );
  await enqueueTextExtraction(ctx, linked);
  return created;
}

async function withDraft<T>(ctx: AppContext, actor: Actor, id: string, action: string, fn: (trx: Executor, doc: DocumentRow, to: OutgoingState, chain: string[]) => Promise<T>): Promise<T> {
  return ctx.db.transaction().execute(async (trx) => {
    const { doc, rel, chain } = await loadVisibleDocument(trx, actor, id, { lock: true });
    if (doc.direction !== 'outgoing') throw new AppError('not_found', 'Không tìm thấy văn bản đi.');
    const { to } = decide(OUTGOING_WORKFLOW, doc.state as OutgoingState, action, rel);
    return fn(trx, doc, to, [...chain]);
  });
}

const noteSchema = z.object({ note: z.union([z.literal(''), z.string().transform((s) => toNfc(s).trim()).pipe(z.string().max(5000))]).optional() });

export async function newDraftVersion(ctx: AppContext, actor: Actor, id: string, raw: unknown, uploads: Upload[]): Promise<void> {
  const { note } = parseInput(noteSchema, raw);
  if (uploads.length !== 1) throw new AppError('validation', 'Hãy chọn đúng một tệp dự thảo mới.');
  const files = await prepareUploads(uploads, ctx.config.uploadMaxBytes);
  const linked: string[] = [];
  await withStoredFiles(ctx.db, ctx.blobs, files, () =>
    withDraft(ctx, actor, id, 'new_version', async (trx, doc, to) => {
      linked.push(...(await linkFiles(trx, doc.id, 'draft', files, actor.userId)));
      await recordTransition(trx, { doc, actor, action: 'new_version', to, note: note || null, data: { fileName: files[0]!.fileName } });
    }),
  );
  await enqueueTextExtraction(ctx, linked);
}

export async function submitDraft(ctx: AppContext, actor: Actor, id: string, raw: unknown): Promise<void> {
  const { note } = parseInput(noteSchema, raw);
  await withDraft(ctx, actor, id, 'submit', async (trx, doc, to) => {
    const drafts = await documentRepository.files(trx, doc.id);
    if (!drafts.some((f) => f.role === 'draft')) throw new AppError('validation', 'Dự thảo chưa có tệp nội dung; hãy tải tệp lên trước khi trình.');
    await recordTransition(trx, { doc, actor, action: 'submit', to, note: note || null, patch: { reviewStep: 0 } });
  });
}

/** Approval by the current reviewer moves to the next step of the agency's chain, or to signing. */
export async function approveDraft(ctx: AppContext, actor: Actor, id: string, raw: unknown): Promise<void> {
  const { note } = parseInput(noteSchema, raw);
  await withDraft(ctx, actor, id, 'approve', async (trx, doc, _to, chain) => {
    const next = doc.reviewStep + 1;
    const done = next >= chain.length;
    await recordTransition(trx, {
      doc,
      actor,
      action: 'approve',
      to: done ? 'awaiting_signature' : 'in_review',
      note: note || null,
      patch: { reviewStep: done ? doc.reviewStep : next },
      data: { step: chain[doc.reviewStep] ?? 'leader' },
    });
  });
}

const reasonSchema = z.object({ reason: z.string().transform((s) => toNfc(s).trim()).pipe(z.string().min(5, 'hãy ghi rõ nội dung cần sửa').max(5000)) });

export async function returnDraft(ctx: AppContext, actor: Actor, id: string, raw: unknown): Promise<void> {
  const { reason } = parseInput(reasonSchema, raw);
  await withDraft(ctx, actor, id, 'return_for_revision', (trx, doc, to) => recordTransition(trx, { doc, actor, action: 'return_for_revision', to, note: reason, patch: { reviewStep: 0 } }));
}

export async function commentDraft(ctx: AppContext, actor: Actor, id: string, raw: unknown): Promise<void> {
  const { reason } = parseInput(reasonSchema, { reason: (raw as Record<string, unknown>)?.note ?? (raw as Record<string, unknown>)?.reason });
  await withDraft(ctx, actor, id, 'comment', (trx, doc, to) => recordTransition(trx, { doc, actor, action: 'comment', to, note: reason }));
}

/**
 * Ký duyệt: the leader approves the final text for issuance. When the latest draft is a PDF, the
 * leader's digital signature is applied through the signing workers (signing.service.ts) with the
 * passphrase typed now, and the state changes when the signed PDF is stored; without a PDF or
 * without a credential (signed on paper) this records the signer (SignerInfo) as before.
 */
export async function signDraft(ctx: AppContext, actor: Actor, id: string, raw: unknown): Promise<void> {
  const input = parseInput(
    z.object({ competence: z.union([z.literal(''), z.enum(['TM.', 'KT.', 'TL.', 'TUQ.', 'Q.'])]).optional(), passphrase: z.string().max(200).optional() }),
    raw,
  );
  if (await leaderSignsPdf(ctx, actor, id)) {
    const outcome = await signAsLeaderDigitally(ctx, actor, id, { competence: input.competence || null, unlock: unlockerFor(ctx, input.passphrase) });
    if (!outcome.ok) throw new AppError('validation', outcome.message);
    return;
  }
  await withDraft(ctx, actor, id, 'sign', (trx, doc, to) =>
    recordTransition(trx, {
      doc,
      actor,
      action: 'sign',
      to,
      patch: { signerFullName: actor.fullName, signerPosition: actor.position, signerCompetence: input.competence || null },
    }),
  );
}

const numberSchema = z.object({
  bookId: z.string().regex(/^\d+$/, 'chọn sổ văn bản đi'),
  promulgationDate: z.union([z.literal(''), z.string().refine(isDateString, 'ngày không hợp lệ')]).optional(),
  place: z.string().max(200).optional(),
  passphrase: z.string().max(200).optional(),
});

/**
 * Cấp số: the next number of the outgoing book and the ký hiệu (Decree 30/2020 Art. 8, 15). When the
 * leader signed a PDF, the number and date are stamped on it and the agency's seal signature follows
 * (and attachments are signed): the agency credential is opened first, so a wrong passphrase or an
 * unusable certificate changes nothing; the number is taken in the same transaction as the signing
 * requests, and the stamped, sealed PDF follows from the signing workers.
 */
export async function numberOutgoing(ctx: AppContext, actor: Actor, id: string, raw: unknown): Promise<{ codeNumber: string; codeNotation: string }> {
  const input = parseInput(numberSchema, raw);
  const seal = await prepareAgencySeal(ctx, actor, id, input.passphrase);
  const result = await withDraft(ctx, actor, id, 'number', async (trx, doc, to) => {
    // Every check and read first; the number last (the book row is locked from there to COMMIT).
    // The date of issue (stamped on the PDF), the registration time and the book's year are
    // PostgreSQL's, not this process's clock (docs/RELIABILITY.md, "Clocks").
    const now = await clockRepository.now(trx);
    const checked = await bookForNumbering(trx, { bookId: input.bookId, agencyId: doc.agencyId, direction: 'outgoing', now });
    const { book } = checked;
    if (book.typeCodes?.length && !book.typeCodes.includes(doc.typeCode)) throw new AppError('validation', `Sổ "${book.name}" không dùng cho loại ${doc.typeName}.`);
    const agency = (await agencyRepository.findById(trx, doc.agencyId))!;
    const type = documentTypeByCode(doc.typeCode);
    const unit = doc.draftingUnitId ? await trx.selectFrom('unit').select('abbreviation').where('id', '=', doc.draftingUnitId).executeTakeFirst() : undefined;
    // Công văn: issuer + drafting unit ("12/UBND-VX"); other types: type + issuer ("15/QĐ-UBND").
    const codeNotation = formatCodeNotation(type?.abbreviation ? { issuer: agency.abbreviation, typeAbbreviation: type.abbreviation } : { issuer: agency.abbreviation, unit: unit?.abbreviation });
    const promulgationDate = input.promulgationDate || todayInVietnam(now);
    const place = input.place || doc.place;
    const { number } = await takeNumber(trx, { bookId: book.id, agencyId: doc.agencyId, direction: 'outgoing', documentId: doc.id, actorUserId: actor.userId, checked });
    const codeNumber = formatCodeNumber(number);
    await recordTransition(trx, {
      doc,
      actor,
      action: 'number',
      to,
      patch: { bookId: book.id, bookNumber: number, codeNumber, codeNotation, promulgationDate, place, registeredAt: now, searchFolded: searchFoldedOf({ ...doc, codeNumber, codeNotation }) },
      data: { book: book.name, number: `${codeNumber}/${codeNotation}`, promulgationDate },
    });
    const requestIds = seal ? await insertSealRequests(trx, actor, doc, seal, { number: `${codeNumber}/${codeNotation}`, date: promulgationDate, place: place || null }) : [];
    return { codeNumber, codeNotation, requestIds };
  });
  if (seal && result.requestIds.length) {
    await enqueuePrepare(ctx, result.requestIds);
    const outcomes = await finishSigning(ctx, result.requestIds, () => seal.key);
    const failed = outcomes.find((o) => !o.ok);
    if (failed) throw new AppError('validation', `Đã cấp số ${result.codeNumber}/${result.codeNotation} nhưng chưa đóng được số và chữ ký số của cơ quan lên tệp: ${failed.message}`);
  }
  return { codeNumber: result.codeNumber, codeNotation: result.codeNotation };
}

const ids = z
  .union([z.string().regex(/^\d+$/), z.array(z.string().regex(/^\d+$/))])
  .optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]));

const releaseSchema = z.object({
  agencyIds: ids,
  unitIds: ids,
  /** Agencies not served here, by code (sent over the axis). */
  externalCodes: z.string().max(2000).optional(),
});

/**
 * Ban hành: recipients are recorded; internal units receive it at once; agencies on this node get
 * an incoming copy in the same transaction (the same code path as the axis, without HTTP); others
 * wait in the outbox of the interconnection axis.
 */
export async function releaseOutgoing(ctx: AppContext, actor: Actor, id: string, raw: unknown): Promise<void> {
  const input = parseInput(releaseSchema, raw);
  const external = (input.externalCodes ?? '').split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean);
  if (!input.agencyIds.length && !input.unitIds.length && !external.length) throw new AppError('validation', 'Hãy chọn ít nhất một nơi nhận.');
  await withDraft(ctx, actor, id, 'release', async (trx, doc, to) => {
    // The signed and sealed file must be final before it goes out: wait for signing in progress.
    const pending = await trx.selectFrom('signingRequest').select('id').where('documentId', '=', doc.id).where('status', 'not in', ['done', 'failed']).executeTakeFirst();
    if (pending) throw new AppError('conflict', 'Văn bản đang được ký số, đóng số và ngày; hãy chờ hoàn tất rồi ban hành.');
    for (const unitId of input.unitIds) {
      const unit = await trx.selectFrom('unit').select(['id', 'name']).where('id', '=', unitId).where('agencyId', '=', doc.agencyId).executeTakeFirst();
      if (!unit) throw new AppError('validation', 'Đơn vị nhận không thuộc cơ quan.');
      await documentRepository.addRecipient(trx, { documentId: doc.id, kind: 'unit', unitId: unit.id, agencyCode: null, agencyName: unit.name, status: 'delivered' });
    }
    const toSend = await documentRepository.filesToSend(trx, doc.id);
    for (const agencyId of input.agencyIds) {
      if (String(agencyId) === String(doc.agencyId)) throw new AppError('validation', 'Nơi nhận không được là chính cơ quan ban hành.');
      const target = await agencyRepository.findById(trx, agencyId);
      if (!target || target.status !== 'active') throw new AppError('validation', 'Cơ quan nhận không tồn tại hoặc đã ngừng hoạt động.');
      const recipientId = await documentRepository.addRecipient(trx, { documentId: doc.id, kind: 'agency', unitId: null, agencyCode: target.qcvnCode ?? target.d20Code, agencyName: target.name, status: 'delivered' });
      await deliverLocally(trx, doc, target.id, recipientId, toSend);
    }
    const remote: string[] = [];
    for (const code of external) {
      remote.push(await documentRepository.addRecipient(trx, { documentId: doc.id, kind: 'agency', unitId: null, agencyCode: code, agencyName: code, status: 'pending' }));
    }
    if (remote.length) await onOutgoingReleased(trx, { documentId: doc.id, agencyId: doc.agencyId, recipientIds: remote });
    await recordTransition(trx, { doc, actor, action: 'release', to, data: { units: input.unitIds.length, agencies: input.agencyIds.length, external: external.length } });
  });
}

/** The receiving agency's copy: an incoming document waiting to be registered (chờ vào sổ). */
async function deliverLocally(trx: Executor, doc: DocumentRow, agencyId: string, recipientId: string, files: { blobSha256: string; fileName: string; contentType: string; size: string }[]): Promise<void> {
  const copy = await documentRepository.insert(trx, {
    agencyId,
    direction: 'incoming',
    state: 'received',
    source: 'axis',
    typeCode: doc.typeCode,
    typeName: doc.typeName,
    codeNumber: doc.codeNumber,
    codeNotation: doc.codeNotation,
    promulgationDate: doc.promulgationDate,
    place: doc.place,
    subject: doc.subject,
    content: doc.content,
    issuerCode: doc.issuerCode,
    issuerName: doc.issuerName,
    signerCompetence: doc.signerCompetence,
    signerPosition: doc.signerPosition,
    signerFullName: doc.signerFullName,
    urgency: doc.urgency,
    dueDate: doc.dueDate,
    externalId: `${doc.issuerCode ?? doc.agencyId},${doc.promulgationDate ?? ''},${doc.codeNumber}/${doc.codeNotation}`,
    searchFolded: doc.searchFolded,
  });
  for (const f of files) {
    await trx.insertInto('documentFile').values({ documentId: copy.id, role: 'main', blobSha256: f.blobSha256, fileName: f.fileName, contentType: f.contentType, size: f.size, textStatus: 'none' }).execute();
  }
  await documentRepository.addEvent(trx, { documentId: copy.id, actorUserId: null, actorLabel: doc.issuerName ?? 'cơ quan gửi', action: 'receive', fromState: null, toState: 'received', data: { recipientId, fromDocumentId: doc.id } });
}

export async function recallOutgoing(ctx: AppContext, actor: Actor, id: string, raw: unknown): Promise<void> {
  const { reason } = parseInput(reasonSchema, raw);
  await withDraft(ctx, actor, id, 'recall', async (trx, doc, to) => {
    await trx.updateTable('documentRecipient').set({ status: 'recall_requested', statusNote: reason, updatedAt: await clockRepository.now(trx) }).where('documentId', '=', doc.id).where('kind', '=', 'agency').execute();
    await recordTransition(trx, { doc, actor, action: 'recall', to, note: reason });
    await onOutgoingRecalled(trx, { documentId: doc.id, agencyId: doc.agencyId, reason });
  });
}

