// Job payload schemas of the tasks area (ids only: never file bytes, keys or passphrases).
import { z } from 'zod';

export const TASKS_JOBS = {} satisfies Record<string, z.ZodType>;
