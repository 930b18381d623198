// Starts one BullMQ worker per job queue with the registered processors, plus the repeatable
// maintenance jobs. Payloads are validated against the job's schema before processing.
import type { Worker } from 'bullmq';
import type { AppContext } from '../server/app-context.ts';
import type { WorkerHost } from '../server/bootstrap.ts';
import { JOB_NAMES, JOB_SCHEMAS, queueNameOf } from '../server/jobs/jobs.ts';
import { createQueueConnection, type QueueConnection } from '../server/jobs/queue-connection.ts';
import { PROCESSORS, checkRegistry } from './registry.ts';
import { SEAL_AUDIT_EVERY_MS } from './processors/seal-audit.processor.ts';
import { scheduleDocumentsJobs } from './processors/documents.processors.ts';
import { scheduleSigningJobs } from './processors/signing.processors.ts';
import { scheduleTaskReminders } from './processors/tasks.processors.ts';
import { scheduleAxisJobs } from './processors/axis.processors.ts';

export async function startWorkers(ctx: AppContext, shared?: QueueConnection): Promise<WorkerHost> {
  checkRegistry();
  const conn = shared ?? createQueueConnection({ redisUrl: ctx.config.redisUrl, databaseUrl: ctx.databaseUrl, prefix: ctx.config.queuePrefix });
  const workers: Worker[] = [];
  for (const name of JOB_NAMES) {
    const process = PROCESSORS[name](ctx);
    const w = conn.worker(
      queueNameOf(name),
      async (job, token) => {
        JOB_SCHEMAS[name].parse(job.data);
        return process(job, token);
      },
      { concurrency: 2 },
    );
    w.on('failed', (job, err) => ctx.logger.warn({ jobId: job?.id, job: name, err: err.message }, 'job failed'));
    w.on('error', (err) => ctx.logger.warn({ job: name, err: err.message }, 'worker error'));
    workers.push(w);
  }
  // Daily housekeeping; the fixed scheduler id makes repeated start-ups converge on one schedule.
  await ctx.jobs.queueFor('maintenance.purge-sessions').upsertJobScheduler('purge-sessions-hourly', { every: 3600_000 }, { name: 'maintenance.purge-sessions', data: {} });
  await ctx.jobs.queueFor('maintenance.seal-audit').upsertJobScheduler('seal-audit', { every: SEAL_AUDIT_EVERY_MS }, { name: 'maintenance.seal-audit', data: {} });
  // Each area's periodic sweeps re-enqueue whatever the database says is still pending, so that
  // losing the queue (Redis flushed, a job lost) loses no work.
  await scheduleDocumentsJobs(ctx);
  await scheduleSigningJobs(ctx);
  await scheduleTaskReminders(ctx);
  const axis = await scheduleAxisJobs(ctx);
  ctx.logger.info({ queues: JOB_NAMES.length, engine: conn.engine }, 'workers started');
  return {
    async close() {
      await axis.close();
      await Promise.allSettled(workers.map((w) => w.close()));
      if (!shared) await conn.close();
    },
  };
}
