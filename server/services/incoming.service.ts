// Văn bản đến: receive → register (số đến) or return → present → direction → handling → done
// (Decree 30/2020 Art. 20–24, DOMAIN.md §3). Every action is one transaction with its timeline event
// and audit entry; the document row is locked first, so a form submitted twice at once is refused
// the second time (409) instead of acting twice.
import { z } from 'zod';
import type { AppContext } from '../app-context.ts';
import type { Executor } from '../db/database.ts';
import type { DocumentRow, RegisterBook } from '../db/types.ts';
import { AppError } from '../errors.ts';
import { actorLabel, hasRole, type Actor } from '../domain/actor.ts';
import { decide } from '../domain/workflow.ts';
import { INCOMING_WORKFLOW, type IncomingState } from '../domain/incoming-workflow.ts';
import { searchFoldedOf } from '../domain/search-text.ts';
import { todayInVietnam, isDateString } from '../domain/vietnam-time.ts';
import { toNfc } from '../domain/vietnamese-text.ts';
import { documentRepository } from '../repositories/document.repository.ts';
import { parseDocumentMetadata } from './document-input.ts';
import { recordTransition } from './document-transition.ts';
import { lockVisibleDocument } from './document-access.ts';
import { bookForNumbering, numberDocument } from './book.service.ts';
import { registerInBook } from './book-registration-queue.ts';
import { enqueueTextExtraction, linkFiles, prepareUploads, reusePrepared, withStoredFiles, type PreparedFile, type Upload } from './file.service.ts';
import { parseInput } from './validation.ts';
import { onDirectionGiven, onDocumentCompleted } from './task-hooks.ts';
import { incomingStatusTarget, onIncomingStatus, sendIncomingStatus } from './axis-hooks.ts';
import { loadWorkingCalendar } from './calendar.service.ts';

export interface ReceiveOptions {
  source?: 'manual' | 'axis';
  /** The system actor when a package arrives from the axis. */
  system?: boolean;
  /** The same files as `uploads`, already through prepareUploads in this process (axis receive). */
  prepared?: PreparedFile[];
  /** The caller's own writes about the new document, in the same transaction (the axis marks its inbox row). */
  within?: (trx: Executor, doc: DocumentRow) => Promise<void>;
}

/** Clerk enters a document that arrived on paper or by e-mail, with its scan (state: chờ vào sổ). */
export async function receiveIncoming(ctx: AppContext, actor: Actor, agencyId: string, raw: unknown, uploads: Upload[], opts: ReceiveOptions = {}): Promise<DocumentRow> {
  if (!opts.system && !hasRole(actor, agencyId, 'clerk')) throw new AppError('forbidden', 'Chỉ văn thư mới tiếp nhận văn bản đến.');
  const m = parseDocumentMetadata(raw);
  const files = opts.prepared ? reusePrepared(opts.prepared, ctx.config.uploadMaxBytes) : await prepareUploads(uploads, ctx.config.uploadMaxBytes);
  const linked: string[] = [];
  const created = await withStoredFiles(ctx.db, ctx.blobs, files, () =>
    ctx.db.transaction().execute(async (trx) => {
      const { numberAndNotation: _n, confidentiality: _c, ...fields } = m;
      const doc = await documentRepository.insert(trx, {
        ...fields,
        agencyId,
        direction: 'incoming',
        state: 'received',
        source: opts.source ?? 'manual',
        createdBy: opts.system ? null : actor.userId,
        searchFolded: searchFoldedOf(fields),
      });
      linked.push(...(await linkFiles(trx, doc.id, 'main', files, opts.system ? null : actor.userId)));
      await recordTransition(trx, { doc: { ...doc, state: 'received' }, actor, action: 'receive', to: 'received', data: { files: files.length, source: doc.source } });
      if (opts.within) await opts.within(trx, doc);
      return doc;
    }),
  );
  await enqueueTextExtraction(ctx, linked);
  return created;
}

const registerSchema = z.object({
  bookId: z.string().regex(/^\d{1,18}$/, 'chọn sổ văn bản đến'), // a bigint: a longer one would reach PostgreSQL as an error
  acceptDuplicate: z.union([z.literal('1'), z.literal('true'), z.boolean()]).optional(),
});

/** What the transaction read with the document's lock: its clock, and the book asked for. */
interface LockedContext {
  now: Date;
  book: RegisterBook | null;
}

async function withDocument<T>(
  ctx: AppContext,
  actor: Actor,
  id: string,
  action: string,
  fn: (trx: Executor, doc: DocumentRow, to: IncomingState, locked: LockedContext) => Promise<T>,
  opts: { bookId?: string } = {},
): Promise<T> {
  return ctx.db.transaction().execute(async (trx) => {
    // The review chain only matters for outgoing drafts; an outgoing id is answered 404 below anyway.
    const { doc, rel, now, book } = await lockVisibleDocument(trx, actor, id, { reviewChain: [], bookId: opts.bookId });
    if (doc.direction !== 'incoming') throw new AppError('not_found', 'Không tìm thấy văn bản đến.');
    const { to } = decide(INCOMING_WORKFLOW, doc.state as IncomingState, action, rel);
    return fn(trx, doc, to, { now, book });
  });
}

/** What a registration gives back: the document's new state, book and số đến. */
export interface Registered {
  id: string;
  state: IncomingState;
  bookId: string;
  bookNumber: number;
}

/**
 * Vào sổ: gives the next số đến of the chosen book; possible duplicates must be confirmed first.
 *
 * A document entered here (not a copy that must report its number back to its sender) is registered
 * by ONE statement that holds no lock across a client round trip (bookRepository.registerAtOnce,
 * shared with the registrations into the same book arriving meanwhile: book-registration-queue.ts):
 * it checks in SQL what the state machine and the access rules ask (state, the actor's role in the
 * document's agency — INCOMING_WORKFLOW's `register` — and the book: same agency, open, this year)
 * and writes everything. With 8 clerks registering into one book, each used to wait for the others'
 * COMMIT to come back from Node (issue 3 benchmark; docs/PERFORMANCE.md). When the duplicate
 * warning has not been confirmed, the document is read first and its possible duplicates listed.
 * When a condition does not hold, or for copies from the axis (status 03 goes back in the same
 * transaction), the transactional path below runs and answers — or registers — as before.
 */
export async function registerIncoming(ctx: AppContext, actor: Actor, id: string, raw: unknown): Promise<Registered> {
  const input = parseInput(registerSchema, raw);
  return (await registerAtOnce(ctx, actor, id, input)) ?? registerInTransaction(ctx, actor, id, input);
}

type RegisterInput = z.infer<typeof registerSchema>;

function duplicateWarning(dups: Awaited<ReturnType<typeof documentRepository.findDuplicates>>): AppError {
  const list = dups.map((d) => `${[d.codeNumber, d.codeNotation].filter(Boolean).join('/')} — ${d.subject}${d.bookNumber ? ` (số đến ${d.bookNumber})` : ''}`).join('; ');
  return new AppError('conflict', `Văn bản có thể bị trùng với: ${list}. Kiểm tra lại, nếu vẫn vào sổ hãy xác nhận.`, { duplicates: dups.map((d) => d.id) });
}

/** The one-statement registration, or undefined when the transactional path must decide. */
async function registerAtOnce(ctx: AppContext, actor: Actor, id: string, input: RegisterInput): Promise<Registered | undefined> {
  if (!/^\d{1,18}$/.test(String(id))) return undefined;
  const rule = INCOMING_WORKFLOW.actions.register;
  // Who may register is a role in the document's agency (an agency-wide role: they see it too).
  let agencyIds = actor.roles.filter((r) => (rule.who as readonly string[]).includes(r.role)).map((r) => String(r.agencyId));
  let fromStates: readonly string[] = rule.from;
  if (!agencyIds.length) return undefined;
  if (!input.acceptDuplicate) {
    const doc = await documentRepository.findById(ctx.db, id);
    if (!doc || !agencyIds.includes(String(doc.agencyId)) || doc.direction !== 'incoming' || !fromStates.includes(doc.state)) return undefined;
    const dups = await documentRepository.findDuplicates(ctx.db, doc.agencyId, doc);
    if (dups.length) throw duplicateWarning(dups);
    // The statement then registers it only if it is still in the state this check saw.
    agencyIds = [String(doc.agencyId)];
    fromStates = [doc.state];
  }
  const number = await registerInBook(ctx.db, input.bookId, { documentId: String(id), agencyIds, fromStates, toState: rule.to!, actorUserId: actor.userId, actorLabel: actorLabel(actor) });
  return number === null ? undefined : { id: String(id), state: rule.to as IncomingState, bookId: input.bookId, bookNumber: number };
}

/**
 * The transactional registration: the document's lock, its assignments, the clock and the book are
 * read in one round trip; every check comes next, then the document's new state; the number is taken
 * by the last statement before COMMIT (numberDocument: number, entry, timeline and audit in one round
 * trip). A copy that must report its number back (local delivery or the axis) writes once more after it.
 */
async function registerInTransaction(ctx: AppContext, actor: Actor, id: string, input: RegisterInput): Promise<Registered> {
  return withDocument(
    ctx,
    actor,
    id,
    'register',
    async (trx, doc, to, { now, book }) => {
      // A confirmed registration does not need the list of possible duplicates.
      const dups = input.acceptDuplicate ? [] : await documentRepository.findDuplicates(trx, doc.agencyId, doc);
      if (dups.length) throw duplicateWarning(dups);
      // The registration date and the book's year are PostgreSQL's (the transaction's now(), read
      // with the lock), not this process's clock: one clock for the deployment (docs/RELIABILITY.md,
      // "Clocks"). The book was read with the lock too, and is checked here.
      const checked = await bookForNumbering(trx, { bookId: input.bookId, agencyId: doc.agencyId, direction: 'incoming', now, book });
      const statusTarget = await incomingStatusTarget(trx, doc.id, doc.source);
      const number = await numberDocument(trx, { checked, doc, actor, action: 'register', to, data: { book: checked.book.name }, patch: { registeredAt: now }, at: now });
      if (statusTarget) await sendIncomingStatus(trx, statusTarget, { documentId: doc.id, agencyId: doc.agencyId, status: 'registered', bookNumber: number, note: null });
      return { id: doc.id, state: to, bookId: checked.book.id, bookNumber: number };
    },
    { bookId: input.bookId },
  );
}

const reasonSchema = z.object({ reason: z.string().transform((s) => toNfc(s).trim()).pipe(z.string().min(5, 'hãy ghi rõ lý do').max(2000)) });

/** Trả lại: refused with a reason, which goes back to the sender (status 02 over the axis). */
export async function returnIncoming(ctx: AppContext, actor: Actor, id: string, raw: unknown): Promise<void> {
  const { reason } = parseInput(reasonSchema, raw);
  await withDocument(ctx, actor, id, 'return', async (trx, doc, to) => {
    await recordTransition(trx, { doc, actor, action: 'return', to, note: reason, patch: { returnReason: reason } });
    await onIncomingStatus(trx, { documentId: doc.id, agencyId: doc.agencyId, status: 'rejected', bookNumber: null, note: reason });
  });
}

const noteSchema = z.object({ note: z.union([z.literal(''), z.string().transform((s) => toNfc(s).trim()).pipe(z.string().max(5000))]).optional() });

export async function presentIncoming(ctx: AppContext, actor: Actor, id: string, raw: unknown): Promise<void> {
  const { note } = parseInput(noteSchema, raw);
  await withDocument(ctx, actor, id, 'present', (trx, doc, to) => recordTransition(trx, { doc, actor, action: 'present', to, note: note || null }));
}

const target = z.string().regex(/^[up]:\d+$/, 'người hoặc đơn vị không hợp lệ');
const targets = z
  .union([target, z.array(target)])
  .optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]));

const directSchema = z.object({
  direction: z.string().transform((s) => toNfc(s).trim()).pipe(z.string().min(2, 'hãy ghi ý kiến chỉ đạo').max(5000)),
  lead: z.union([target, z.array(target)], { message: 'phải chọn một đơn vị hoặc người chủ trì' }),
  co: targets,
  info: targets,
  deadline: z.union([z.literal(''), z.string().refine(isDateString, 'ngày không hợp lệ')]).optional(),
  workingDays: z.union([z.literal(''), z.coerce.number().int().min(1).max(365)]).optional(),
  expectedResult: z.union([z.literal(''), z.string().max(2000)]).optional(),
});

function splitTarget(t: string): { unitId: string | null; userId: string | null } {
  const [kind, id] = t.split(':') as ['u' | 'p', string];
  return kind === 'u' ? { unitId: id, userId: null } : { unitId: null, userId: id };
}

async function assertTargetsInAgency(trx: Executor, agencyId: string, list: string[]): Promise<void> {
  for (const t of list) {
    const { unitId, userId } = splitTarget(t);
    const ok = unitId
      ? await trx.selectFrom('unit').select('id').where('id', '=', unitId).where('agencyId', '=', agencyId).where('active', '=', true).executeTakeFirst()
      : await trx.selectFrom('userRole').select('id').where('userId', '=', userId!).where('agencyId', '=', agencyId).executeTakeFirst();
    if (!ok) throw new AppError('validation', 'Người hoặc đơn vị được giao không thuộc cơ quan.');
  }
}

/**
 * Bút phê: the leader's direction with exactly one lead (chủ trì), co-handlers (phối hợp), those
 * informed (để biết) and a deadline, given as a date or as N working days (DOMAIN.md §6).
 */
export async function directIncoming(ctx: AppContext, actor: Actor, id: string, raw: unknown): Promise<void> {
  const input = parseInput(directSchema, raw);
  if (Array.isArray(input.lead)) {
    if (input.lead.length !== 1) throw new AppError('validation', 'Phải có đúng một đơn vị hoặc người chủ trì.');
  }
  const lead = Array.isArray(input.lead) ? input.lead[0]! : input.lead;
  if (input.co.includes(lead) || input.info.includes(lead)) throw new AppError('validation', 'Đơn vị chủ trì không đồng thời là phối hợp hoặc để biết.');
  await withDocument(ctx, actor, id, 'direct', async (trx, doc, to, { now }) => {
    // "Today" is the day of the direction on PostgreSQL's clock (that of its timeline event): N working
    // days count from there whichever process computes them (docs/RELIABILITY.md, "Clocks").
    const today = todayInVietnam(now);
    // The calendar with the administrators' declared days off and make-up days (DOMAIN.md §6).
    const calendar = await loadWorkingCalendar(trx);
    let deadline: string | null = null;
    if (input.deadline) deadline = calendar.nextWorkingDayOnOrAfter(input.deadline);
    else if (input.workingDays) deadline = calendar.addWorkingDays(today, Number(input.workingDays));
    if (deadline && deadline < today) throw new AppError('validation', 'Hạn xử lý không được trước ngày giao.');
    await assertTargetsInAgency(trx, doc.agencyId, [lead, ...input.co, ...input.info]);
    await documentRepository.deactivateAssignments(trx, doc.id, ['lead', 'co', 'info']);
    await documentRepository.addAssignment(trx, { documentId: doc.id, kind: 'lead', ...splitTarget(lead), deadline, assignedBy: actor.userId });
    for (const t of input.co) await documentRepository.addAssignment(trx, { documentId: doc.id, kind: 'co', ...splitTarget(t), deadline, assignedBy: actor.userId });
    for (const t of input.info) await documentRepository.addAssignment(trx, { documentId: doc.id, kind: 'info', ...splitTarget(t), deadline: null, assignedBy: actor.userId });
    await recordTransition(trx, { doc, actor, action: 'direct', to, note: input.direction, patch: { directionText: input.direction, handlingDeadline: deadline }, data: { lead, co: input.co, info: input.info, deadline } });
    await onDirectionGiven(trx, {
      documentId: doc.id,
      agencyId: doc.agencyId,
      direction: input.direction,
      lead: splitTarget(lead),
      coHandlers: input.co.map(splitTarget),
      deadline,
      expectedResult: input.expectedResult || null,
      actor,
      today,
    });
    await onIncomingStatus(trx, { documentId: doc.id, agencyId: doc.agencyId, status: 'assigned', bookNumber: doc.bookNumber, note: null });
  });
}

/** Re-assignment (chuyển xử lý) by a leader or head: a new lead, the old one released. */
export async function forwardIncoming(ctx: AppContext, actor: Actor, id: string, raw: unknown): Promise<void> {
  const input = parseInput(z.object({ lead: target, note: z.string().max(2000).optional() }), raw);
  await withDocument(ctx, actor, id, 'forward', async (trx, doc, to) => {
    await assertTargetsInAgency(trx, doc.agencyId, [input.lead]);
    await documentRepository.deactivateAssignments(trx, doc.id, ['lead']);
    await documentRepository.addAssignment(trx, { documentId: doc.id, kind: 'lead', ...splitTarget(input.lead), deadline: doc.handlingDeadline, assignedBy: actor.userId });
    await recordTransition(trx, { doc, actor, action: 'forward', to, note: input.note || null, data: { lead: input.lead } });
  });
}

export async function startIncoming(ctx: AppContext, actor: Actor, id: string): Promise<void> {
  await withDocument(ctx, actor, id, 'start', async (trx, doc, to) => {
    await recordTransition(trx, { doc, actor, action: 'start', to });
    await onIncomingStatus(trx, { documentId: doc.id, agencyId: doc.agencyId, status: 'in_progress', bookNumber: doc.bookNumber, note: null });
  });
}

export async function reportProgress(ctx: AppContext, actor: Actor, id: string, raw: unknown, uploads: Upload[]): Promise<void> {
  const { note } = parseInput(z.object({ note: z.string().transform((s) => toNfc(s).trim()).pipe(z.string().min(2, 'hãy ghi nội dung tiến độ').max(5000)) }), raw);
  const files = await prepareUploads(uploads, ctx.config.uploadMaxBytes);
  const linked: string[] = [];
  await withStoredFiles(ctx.db, ctx.blobs, files, () =>
    withDocument(ctx, actor, id, 'progress', async (trx, doc, to) => {
      linked.push(...(await linkFiles(trx, doc.id, 'evidence', files, actor.userId)));
      await recordTransition(trx, { doc, actor, action: 'progress', to, note, data: { files: files.length } });
    }),
  );
  await enqueueTextExtraction(ctx, linked);
}

export async function requestExtension(ctx: AppContext, actor: Actor, id: string, raw: unknown): Promise<void> {
  const input = parseInput(z.object({ until: z.string().refine(isDateString, 'ngày không hợp lệ'), reason: z.string().trim().min(5, 'hãy ghi lý do').max(2000) }), raw);
  await withDocument(ctx, actor, id, 'request_extension', async (trx, doc, to) => {
    if (doc.handlingDeadline && input.until <= doc.handlingDeadline) throw new AppError('validation', 'Ngày xin gia hạn phải sau hạn xử lý hiện tại.');
    await recordTransition(trx, { doc, actor, action: 'request_extension', to, note: input.reason, patch: { extensionRequestedTo: input.until, extensionReason: input.reason }, data: { until: input.until } });
  });
}

export async function approveExtension(ctx: AppContext, actor: Actor, id: string, raw: unknown): Promise<void> {
  const { approve } = parseInput(z.object({ approve: z.enum(['yes', 'no']) }), raw);
  await withDocument(ctx, actor, id, 'approve_extension', async (trx, doc, to) => {
    if (!doc.extensionRequestedTo) throw new AppError('conflict', 'Không có đề nghị gia hạn nào đang chờ duyệt.');
    const patch = approve === 'yes' ? { handlingDeadline: doc.extensionRequestedTo, extensionRequestedTo: null, extensionReason: null } : { extensionRequestedTo: null, extensionReason: null };
    if (approve === 'yes') await trx.updateTable('documentAssignment').set({ deadline: doc.extensionRequestedTo }).where('documentId', '=', doc.id).where('active', '=', true).where('kind', 'in', ['lead', 'co']).execute();
    await recordTransition(trx, { doc, actor, action: approve === 'yes' ? 'extension_approved' : 'extension_refused', to, patch, data: { until: doc.extensionRequestedTo } });
  });
}

/** Done, optionally with the reply document (văn bản trả lời) and evidence files. */
export async function completeIncoming(ctx: AppContext, actor: Actor, id: string, raw: unknown, uploads: Upload[]): Promise<void> {
  const input = parseInput(z.object({ note: z.string().max(5000).optional(), replyDocumentId: z.union([z.literal(''), z.string().regex(/^\d+$/)]).optional() }), raw);
  const files = await prepareUploads(uploads, ctx.config.uploadMaxBytes);
  const linked: string[] = [];
  await withStoredFiles(ctx.db, ctx.blobs, files, () =>
    withDocument(ctx, actor, id, 'complete', async (trx, doc, to, { now }) => {
      if (input.replyDocumentId) {
        const reply = await documentRepository.findById(trx, input.replyDocumentId);
        if (!reply || String(reply.agencyId) !== String(doc.agencyId) || reply.direction !== 'outgoing') throw new AppError('validation', 'Văn bản trả lời không hợp lệ.');
        await documentRepository.addLink(trx, reply.id, doc.id, 'reply_to');
      }
      linked.push(...(await linkFiles(trx, doc.id, 'evidence', files, actor.userId)));
      await recordTransition(trx, { doc, actor, action: 'complete', to, note: input.note || null, patch: { completedAt: now }, data: { replyDocumentId: input.replyDocumentId || null } });
      await onDocumentCompleted(trx, { documentId: doc.id, agencyId: doc.agencyId, replyDocumentId: input.replyDocumentId || null, note: input.note || null, actor });
      await onIncomingStatus(trx, { documentId: doc.id, agencyId: doc.agencyId, status: 'done', bookNumber: doc.bookNumber, note: input.note || null });
    }),
  );
  await enqueueTextExtraction(ctx, linked);
}
