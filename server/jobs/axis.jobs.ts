// Job payload schemas of the axis area (ids only: never file bytes, keys or passphrases).
import { z } from 'zod';

const id = z.string().regex(/^\d+$/);

export const AXIS_JOBS = {
  /** One delivery attempt of one outbox row (back-off and give-up are kept on the row). */
  'axis.deliver': z.object({ outboxId: id }).strict(),
  /** Turns a stored inbox package into workflow changes. */
  'axis.process-inbox': z.object({ inboxId: id }).strict(),
  /** Periodic: re-enqueue due outbox rows and stored packages, flag late recipients. */
  'axis.sweep': z.object({}).strict(),
  /** Periodic: fetch what waits on pull peers (national axis / LGSP) into the inbox. */
  'axis.poll': z.object({}).strict(),
} satisfies Record<string, z.ZodType>;
