// Processors of the axis area, one per job in server/jobs/axis.jobs.ts, and the schedule of the
// sweep. Every processor re-reads the row and is idempotent (the sweep may enqueue it twice).
import pg from 'pg';
import type { ProcessorFactory } from '../registry.ts';
import type { AppContext } from '../../server/app-context.ts';
import type { AXIS_JOBS } from '../../server/jobs/axis.jobs.ts';
import { deliverOutbox, processInbox, sweepAxis } from '../../server/services/axis.service.ts';
import { axisNodeOf } from '../../server/axis/axis-node.ts';
import { pollEveryMs, pollPullPeers } from '../../server/services/axis-pull.service.ts';
import { AXIS_NOTIFY_CHANNEL } from '../../server/repositories/axis.repository.ts';

export const AXIS_PROCESSORS: Record<keyof typeof AXIS_JOBS, ProcessorFactory> = {
  'axis.deliver': (ctx) => async (job) => deliverOutbox(ctx, (job.data as { outboxId: string }).outboxId),
  'axis.process-inbox': (ctx) => async (job) => processInbox(ctx, (job.data as { inboxId: string }).inboxId),
  'axis.sweep': (ctx) => async () => sweepAxis(ctx),
  'axis.poll': (ctx) => async () => pollPullPeers(ctx),
};

/** The poll of pull peers as a repeatable job (a no-op on a node without such peers). */
export async function scheduleAxisPoll(ctx: AppContext): Promise<void> {
  await ctx.jobs.queueFor('axis.poll').upsertJobScheduler('axis-poll', { every: pollEveryMs(ctx) }, { name: 'axis.poll', data: {} });
}

export interface AxisSchedule {
  close(): Promise<void>;
}

/**
 * The sweep as a repeatable job (fixed scheduler id: repeated start-ups converge on one schedule),
 * plus a LISTEN on the outbox channel: the workflow hooks only see the transaction, so they
 * `pg_notify` inside it and the notification arrives exactly when the release commits.
 */
export async function scheduleAxisJobs(ctx: AppContext): Promise<AxisSchedule> {
  const every = axisNodeOf(ctx)?.settings.sweepEveryMs ?? 60_000;
  await ctx.jobs.queueFor('axis.sweep').upsertJobScheduler('axis-sweep', { every }, { name: 'axis.sweep', data: {} });
  await scheduleAxisPoll(ctx);
  let client: pg.Client | null = null;
  let closed = false;
  let timer: NodeJS.Timeout | null = null;
  const sweepSoon = () => {
    if (timer || closed) return;
    // Coalesce a burst of notifications (one release with many recipients) into one sweep.
    timer = setTimeout(() => {
      timer = null;
      void sweepAxis(ctx, { limit: 200 }).catch((e) => ctx.logger.warn({ err: (e as Error).message }, 'axis: sweep after notify failed'));
    }, 20);
  };
  const listen = async () => {
    if (closed) return;
    const c = new pg.Client({ connectionString: ctx.databaseUrl });
    c.on('error', () => undefined);
    c.on('end', () => {
      client = null;
      if (!closed) setTimeout(() => void listen().catch(() => undefined), 1000);
    });
    c.on('notification', sweepSoon);
    await c.connect();
    await c.query(`listen ${AXIS_NOTIFY_CHANNEL}`);
    client = c;
  };
  await listen().catch((e) => ctx.logger.warn({ err: (e as Error).message }, 'axis: LISTEN failed; relying on the periodic sweep'));
  sweepSoon();
  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await client?.end().catch(() => undefined);
    },
  };
}
