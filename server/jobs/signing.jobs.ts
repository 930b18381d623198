// Job payload schemas of the signing area (ids only: never file bytes, keys or passphrases).
import { z } from 'zod';

export const SIGNING_JOBS = {} satisfies Record<string, z.ZodType>;
