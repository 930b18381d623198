// Job payload schemas of the documents area (ids only: never file bytes, keys or passphrases).
import { z } from 'zod';

export const DOCUMENTS_JOBS = {} satisfies Record<string, z.ZodType>;
