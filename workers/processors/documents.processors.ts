// Processors of the documents area, one per job in server/jobs/documents.jobs.ts.
import type { ProcessorFactory } from '../registry.ts';
import type { AppContext } from '../../server/app-context.ts';
import type { DOCUMENTS_JOBS } from '../../server/jobs/documents.jobs.ts';
import { extractTextProcessor, sweepTextExtractionProcessor } from './extract-text.processor.ts';

export const DOCUMENTS_PROCESSORS: Record<keyof typeof DOCUMENTS_JOBS, ProcessorFactory> = {
  'documents.extract-text': extractTextProcessor,
  'documents.sweep-text-extraction': sweepTextExtractionProcessor,
};

/** Every 10 minutes, pending text extractions are enqueued again (lost jobs, restarts). Called by workers/host.ts. */
export const TEXT_SWEEP_EVERY_MS = 10 * 60_000;

export async function scheduleDocumentsJobs(ctx: AppContext): Promise<void> {
  await ctx.jobs
    .queueFor('documents.sweep-text-extraction')
    .upsertJobScheduler('documents-text-sweep', { every: TEXT_SWEEP_EVERY_MS }, { name: 'documents.sweep-text-extraction', data: {} });
}
