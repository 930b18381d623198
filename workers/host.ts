// Starts one BullMQ worker per job queue with the registered processors, plus the repeatable
// maintenance jobs. Payloads are validated against the job's schema before processing.
import type { Worker } from 'bullmq';
import type { AppContext } from '../server/app-context.ts';
import type { WorkerHost } from '../server/bootstrap.ts';
import { JOB_NAMES, JOB_SCHEMAS, queueNameOf, type JobName } from '../server/jobs/jobs.ts';
import { axisNodeOf } from '../server/axis/axis-node.ts';
import { createQueueConnection, type QueueConnection } from '../server/jobs/queue-connection.ts';
import { PROCESSORS, checkRegistry } from './registry.ts';
import { SEAL_AUDIT_EVERY_MS } from './processors/seal-audit.processor.ts';
import { scheduleDocumentsJobs } from './processors/documents.processors.ts';
import { scheduleSigningJobs } from './processors/signing.processors.ts';
import { scheduleTaskReminders } from './processors/tasks.processors.ts';
import { scheduleAxisJobs, scheduleAxisPoll } from './processors/axis.processors.ts';

/** The job schedulers the workers keep alive: queue of the job, scheduler id. */
export const SCHEDULERS: ReadonlyArray<readonly [JobName, string]> = [
  ['maintenance.purge-sessions', 'purge-sessions-hourly'],
  ['maintenance.seal-audit', 'seal-audit'],
  ['documents.sweep-text-extraction', 'documents-text-sweep'],
  ['signing.sweep', 'signing-sweep'],
  ['tasks.reminders', 'tasks-reminders-working-hours'],
  ['axis.sweep', 'axis-sweep'],
  ['axis.poll', 'axis-poll'],
];

async function scheduleAll(ctx: AppContext): Promise<void> {
  // Hourly housekeeping; the fixed scheduler id makes repeated start-ups converge on one schedule.
  await ctx.jobs.queueFor('maintenance.purge-sessions').upsertJobScheduler('purge-sessions-hourly', { every: 3600_000 }, { name: 'maintenance.purge-sessions', data: {} });
  await ctx.jobs.queueFor('maintenance.seal-audit').upsertJobScheduler('seal-audit', { every: SEAL_AUDIT_EVERY_MS }, { name: 'maintenance.seal-audit', data: {} });
  // Each area's periodic sweeps re-enqueue whatever the database says is still pending, so that
  // losing the queue (Redis flushed, a job lost) loses no work.
  await scheduleDocumentsJobs(ctx);
  await scheduleSigningJobs(ctx);
  await scheduleTaskReminders(ctx);
  await ctx.jobs.queueFor('axis.sweep').upsertJobScheduler('axis-sweep', { every: axisNodeOf(ctx)?.settings.sweepEveryMs ?? 60_000 }, { name: 'axis.sweep', data: {} });
  await scheduleAxisPoll(ctx);
}

/**
 * Schedulers live in the queue store: when Redis loses its data (FLUSHALL, a restart without AOF, an
 * eviction) they are gone, and with them the sweeps that rebuild every pending job from PostgreSQL.
 * Each worker process checks them periodically and re-creates the missing ones (upserting is
 * idempotent, so several worker processes converge on one schedule); an `every` scheduler runs its
 * first job at once, so the sweeps re-enqueue the lost work without waiting for a restart.
 */
export async function ensureSchedulers(ctx: AppContext): Promise<string[]> {
  const missing: string[] = [];
  for (const [job, id] of SCHEDULERS) if (!(await ctx.jobs.queueFor(job).getJobScheduler(id))) missing.push(id);
  if (missing.length) {
    ctx.logger.warn({ missing }, 'job schedulers missing from the queue store (data lost?); re-creating them');
    await scheduleAll(ctx);
  }
  return missing;
}

function watchSchedulers(ctx: AppContext): NodeJS.Timeout {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    ensureSchedulers(ctx)
      .catch((e: Error) => ctx.logger.warn({ err: e.message }, 'could not check the job schedulers (queue store down?)'))
      .finally(() => (running = false));
  }, ctx.config.schedulerCheckMs);
  timer.unref();
  return timer;
}

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
  await scheduleAll(ctx);
  const axis = await scheduleAxisJobs(ctx);
  const watch = watchSchedulers(ctx);
  ctx.logger.info({ queues: JOB_NAMES.length, engine: conn.engine }, 'workers started');
  return {
    async close() {
      clearInterval(watch);
      await axis.close();
      await Promise.allSettled(workers.map((w) => w.close()));
      if (!shared) await conn.close();
    },
  };
}
