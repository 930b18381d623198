// Job payload schemas of the documents area (ids only: never file bytes, keys or passphrases).
import { z } from 'zod';

export const DOCUMENTS_JOBS = {
  /** Extract the text of one stored PDF into its document's search text (issue 3 item 9). */
  'documents.extract-text': z.object({ fileId: z.string().regex(/^\d{1,18}$/) }).strict(),
  /** Periodic sweep: re-enqueue files whose text extraction is still pending (lost or failed jobs). */
  'documents.sweep-text-extraction': z.object({}).strict(),
} satisfies Record<string, z.ZodType>;

/** BullMQ job id for a file's extraction: enqueuing twice while one is waiting adds nothing. */
export const extractTextJobId = (fileId: string): string => `extract-text-${fileId}`;
