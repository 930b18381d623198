// Job payload schemas of the signing area (ids only: never file bytes, keys or passphrases).
import { z } from 'zod';

const id = z.string().regex(/^\d{1,18}$/);

export const SIGNING_JOBS = {
  /** Stamp (when numbering) and prepare the signature field of one request; stores the prepared PDF. */
  'signing.prepare': z.object({ signingRequestId: id }).strict(),
  /** Embed the CMS around the signature value, store the signed PDF as a new version, flip the state. */
  'signing.complete': z.object({ signingRequestId: id }).strict(),
  /** Verify the signatures of one stored PDF and store the verdict. */
  'signing.verify': z.object({ fileId: id }).strict(),
  /** Periodic sweep: re-enqueue stuck requests and unverified PDFs. */
  'signing.sweep': z.object({}).strict(),
} satisfies Record<string, z.ZodType>;

/** One job id per request and step: a duplicate enqueue while one is waiting adds nothing. */
export const prepareJobId = (requestId: string, attempt = ''): string => `signing-prepare-${requestId}${attempt}`;
export const completeJobId = (requestId: string, attempt = ''): string => `signing-complete-${requestId}${attempt}`;
export const verifyJobId = (fileId: string, attempt = ''): string => `signing-verify-${fileId}${attempt}`;
