// Job payload schemas of the tasks area (ids only: never file bytes, keys or passphrases).
import { z } from 'zod';

export const TASKS_JOBS = {
  /** Near-due and overdue reminders, then the pending e-mails (repeatable; idempotent by key). */
  'tasks.reminders': z.object({ today: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional() }).strict(),
  /** Sends pending notification e-mails (enqueued after commit of an urge or an assignment). */
  'tasks.send-mail': z.object({}).strict(),
} satisfies Record<string, z.ZodType>;
