// Job payload schemas of the axis area (ids only: never file bytes, keys or passphrases).
import { z } from 'zod';

export const AXIS_JOBS = {} satisfies Record<string, z.ZodType>;
