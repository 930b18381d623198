// Processors of the tasks area, one per job in server/jobs/tasks.jobs.ts, and the repeatable
// scheduler of the reminders (upserted when the reminders processor is built at worker start-up).
import type { Job } from 'bullmq';
import type { ProcessorFactory } from '../registry.ts';
import type { TASKS_JOBS } from '../../server/jobs/tasks.jobs.ts';
import type { AppContext } from '../../server/app-context.ts';
import { runReminders } from '../../server/services/reminder.service.ts';
import { createMailer, flushMail } from '../../server/services/mail.service.ts';

const remindersProcessor: ProcessorFactory = (ctx) => {
  // The factory runs once when the workers start: that is when the repeatable schedule is upserted
  // (idempotent, so workers/host.ts may call scheduleTaskReminders as well).
  scheduleTaskReminders(ctx).catch((e: Error) => ctx.logger.warn({ err: e.message }, 'could not schedule task reminders'));
  return runRemindersJob(ctx);
};

const runRemindersJob = (ctx: AppContext) => async (job: Job) => {
  const data = job.data as { today?: string };
  const run = await runReminders(ctx.db, data.today ? { today: data.today } : {});
  const mail = await sendPending(ctx);
  ctx.logger.info({ jobId: job.id, ...run, ...mail }, 'task reminders');
  return { ...run, ...mail };
};

const sendMailProcessor: ProcessorFactory = (ctx) => async (job) => {
  const mail = await sendPending(ctx);
  ctx.logger.info({ jobId: job.id, ...mail }, 'task mail');
  return mail;
};

async function sendPending(ctx: AppContext) {
  const mailer = createMailer(ctx.config);
  try {
    return await flushMail(ctx.db, mailer, ctx.logger);
  } finally {
    mailer?.close();
  }
}

export const TASKS_PROCESSORS: Record<keyof typeof TASKS_JOBS, ProcessorFactory> = {
  'tasks.reminders': remindersProcessor,
  'tasks.send-mail': sendMailProcessor,
};

/**
 * Every hour of the working day (07:00–17:00, Monday–Saturday, Vietnam time): near-due reminders
 * go out the morning a task enters the window, overdue ones daily. The fixed scheduler id makes
 * repeated start-ups converge on one schedule; the dedupe keys make extra runs harmless.
 */
export async function scheduleTaskReminders(ctx: AppContext): Promise<void> {
  await ctx.jobs
    .queueFor('tasks.reminders')
    .upsertJobScheduler('tasks-reminders-working-hours', { pattern: '0 0 7-17 * * 1-6', tz: 'Asia/Ho_Chi_Minh' }, { name: 'tasks.reminders', data: {} });
}
