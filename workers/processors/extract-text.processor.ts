// documents.extract-text: the text of one PDF into its document's search text. Idempotent: a file
// no longer pending is skipped.
import type { Job } from 'bullmq';
import type { AppContext } from '../../server/app-context.ts';
import { enqueuePendingTextExtraction, extractTextOfFile } from '../../server/services/text-extraction.service.ts';

export const extractTextProcessor = (ctx: AppContext) => async (job: Job<{ fileId: string }>) => {
  const outcome = await extractTextOfFile(ctx, job.data.fileId);
  return { outcome };
};

export const sweepTextExtractionProcessor = (ctx: AppContext) => async () => ({ enqueued: await enqueuePendingTextExtraction(ctx) });
