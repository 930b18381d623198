// Processors of the signing area, one per job in server/jobs/signing.jobs.ts. Each re-reads the
// request's status and does nothing when another run already moved it on (idempotent).
import type { Job } from 'bullmq';
import type { ProcessorFactory } from '../registry.ts';
import type { AppContext } from '../../server/app-context.ts';
import type { SIGNING_JOBS } from '../../server/jobs/signing.jobs.ts';
import { completeRequest, prepareRequest, sweepSigning } from '../../server/services/signing.service.ts';
import { verifyStoredFile } from '../../server/services/signature-verification.service.ts';

export const SIGNING_PROCESSORS: Record<keyof typeof SIGNING_JOBS, ProcessorFactory> = {
  'signing.prepare': (ctx) => async (job: Job<{ signingRequestId: string }>) => prepareRequest(ctx, job.data.signingRequestId),
  'signing.complete': (ctx) => async (job: Job<{ signingRequestId: string }>) => completeRequest(ctx, job.data.signingRequestId),
  'signing.verify': (ctx) => async (job: Job<{ fileId: string }>) => verifyStoredFile(ctx, job.data.fileId),
  'signing.sweep': (ctx) => async () => sweepSigning(ctx),
};

/** Every minute: stuck signing steps are re-enqueued and unverified PDFs verified. Called by workers/host.ts. */
export const SIGNING_SWEEP_EVERY_MS = 60_000;

export async function scheduleSigningJobs(ctx: AppContext): Promise<void> {
  await ctx.jobs.queueFor('signing.sweep').upsertJobScheduler('signing-sweep', { every: SIGNING_SWEEP_EVERY_MS }, { name: 'signing.sweep', data: {} });
}
