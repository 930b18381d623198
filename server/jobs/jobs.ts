// Typed jobs (STYLE.md convention 7): one queue per job name, one zod payload schema per job.
// Payloads carry ids only — never PDF bytes, keys, passphrases or PINs.
import { z } from 'zod';
import type { JobsOptions, Queue } from 'bullmq';
import type { QueueConnection } from './queue-connection.ts';
import { DOCUMENTS_JOBS } from './documents.jobs.ts';
import { TASKS_JOBS } from './tasks.jobs.ts';
import { SIGNING_JOBS } from './signing.jobs.ts';
import { AXIS_JOBS } from './axis.jobs.ts';

export const MAINTENANCE_JOBS = {
  'maintenance.purge-sessions': z.object({}).strict(),
  /** Chains finished audit entries (audit.service.ts sealAuditChain); repeatable, idempotent. */
  'maintenance.seal-audit': z.object({}).strict(),
};

/** Every job of every area; each area declares its own in server/jobs/<area>.jobs.ts. */
export const JOB_SCHEMAS = {
  ...MAINTENANCE_JOBS,
  ...DOCUMENTS_JOBS,
  ...TASKS_JOBS,
  ...SIGNING_JOBS,
  ...AXIS_JOBS,
} as const;

export type JobName = keyof typeof JOB_SCHEMAS;
export type JobPayload<N extends JobName> = z.infer<(typeof JOB_SCHEMAS)[N]>;
export const JOB_NAMES = Object.keys(JOB_SCHEMAS) as JobName[];

/** BullMQ queue names may not contain ':'; ours are the job names themselves. */
export const queueNameOf = (job: JobName): string => job.replace(/\./g, '-');

export interface JobQueue {
  enqueue<N extends JobName>(name: N, payload: JobPayload<N>, opts?: JobsOptions): Promise<void>;
  queueFor(name: JobName): Queue;
  engine: QueueConnection['engine'];
  ping(): Promise<boolean>;
}

export function createJobQueue(conn: QueueConnection): JobQueue {
  const queues = new Map<JobName, Queue>();
  const queueFor = (name: JobName): Queue => {
    let q = queues.get(name);
    if (!q) {
      q = conn.queue(queueNameOf(name), {
        defaultJobOptions: { attempts: 5, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: 1000, removeOnFail: 5000 },
      });
      queues.set(name, q);
    }
    return q;
  };
  return {
    engine: conn.engine,
    queueFor,
    ping: () => conn.ping(),
    async enqueue(name, payload, opts) {
      const data = JOB_SCHEMAS[name].parse(payload);
      await queueFor(name).add(name, data, opts);
    },
  };
}
