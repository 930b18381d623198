// Ký số hàng loạt (issue 4 item 10): the leader selects documents awaiting signature, types the
// passphrase once, and gets one result line per document. The credential is opened once (the
// passphrase stays in one closure for this call); each document is its own signing request.
import { z } from 'zod';
import type { AppContext } from '../app-context.ts';
import { AppError } from '../errors.ts';
import type { Actor } from '../domain/actor.ts';
import { decide } from '../domain/workflow.ts';
import { OUTGOING_WORKFLOW, type OutgoingState } from '../domain/outgoing-workflow.ts';
import { documentRepository } from '../repositories/document.repository.ts';
import { loadVisibleDocument } from './document-access.ts';
import { signDraft } from './outgoing.service.ts';
import { leaderSignsPdf, newBatchId, signAsLeaderDigitally, unlockerFor } from './signing.service.ts';
import { parseInput } from './validation.ts';

const MAX_BULK = 50;
const PARALLEL = 4;

/** Documents of the active agency waiting for this leader's signature. */
export async function bulkCandidates(ctx: AppContext, actor: Actor) {
  if (!actor.activeAgencyId) return [];
  const rows = await documentRepository.list(ctx.db, actor, { agencyId: actor.activeAgencyId, direction: 'outgoing', states: ['awaiting_signature'], limit: 200 });
  const out = [];
  for (const d of rows) {
    try {
      const { rel } = await loadVisibleDocument(ctx.db, actor, d.id);
      decide(OUTGOING_WORKFLOW, d.state as OutgoingState, 'sign', rel);
      out.push({ id: d.id, subject: d.subject, typeName: d.typeName, hasPdf: await leaderSignsPdf(ctx, actor, d.id) });
    } catch {
      // not this leader's to sign
    }
  }
  return out;
}

const ids = z
  .union([z.string().regex(/^\d{1,18}$/), z.array(z.string().regex(/^\d{1,18}$/))])
  .optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]));

const bulkSchema = z.object({
  documentIds: ids,
  competence: z.union([z.literal(''), z.enum(['TM.', 'KT.', 'TL.', 'TUQ.', 'Q.'])]).optional(),
  passphrase: z.string().max(200).optional(),
});

export interface BulkLine {
  documentId: string;
  subject: string;
  ok: boolean;
  pending: boolean;
  message: string;
}

export async function bulkSign(ctx: AppContext, actor: Actor, raw: unknown): Promise<{ batchId: string; lines: BulkLine[] }> {
  const input = parseInput(bulkSchema, raw);
  const documentIds = [...new Set(input.documentIds)];
  if (!documentIds.length) throw new AppError('validation', 'Hãy chọn ít nhất một văn bản để ký.');
  if (documentIds.length > MAX_BULK) throw new AppError('validation', `Mỗi lần ký tối đa ${MAX_BULK} văn bản.`);
  const batchId = newBatchId();
  const unlock = unlockerFor(ctx, input.passphrase);
  const competence = input.competence || null;
  const lines: BulkLine[] = new Array(documentIds.length);
  let next = 0;
  const worker = async () => {
    while (next < documentIds.length) {
      const i = next++;
      const id = documentIds[i]!;
      // The subject is shown only once the document is known to be visible to this leader.
      let subject = `Văn bản #${id}`;
      try {
        subject = (await loadVisibleDocument(ctx.db, actor, id)).doc.subject;
        if (await leaderSignsPdf(ctx, actor, id)) {
          const o = await signAsLeaderDigitally(ctx, actor, id, { competence, unlock, batchId });
          lines[i] = { documentId: id, subject, ok: o.ok, pending: o.ok, message: o.message };
        } else {
          await signDraft(ctx, actor, id, { competence: competence ?? '' });
          lines[i] = { documentId: id, subject, ok: true, pending: false, message: 'Đã ký duyệt, chỉ ghi nhận người ký (văn bản không có tệp PDF, hoặc bạn chưa có chứng thư số): không ký số trên tệp.' };
        }
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        lines[i] = { documentId: id, subject, ok: false, pending: false, message: e.message };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, documentIds.length) }, worker));
  return { batchId, lines };
}
