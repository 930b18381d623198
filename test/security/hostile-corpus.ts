// Shared by the hostile-input tests: the generated corpus, the shared corpus by path, the cases the
// committed code does not refuse yet (run only by `npm run test:security`, see test/faults/), and a
// per-file time limit so one file cannot hang the run.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const sharedPdfDir = path.resolve(repoRoot, '../shared/corpus/pdf');
export const sharedAvailable = existsSync(sharedPdfDir);
export const certs = (rel: string) => readFileSync(path.join(repoRoot, 'certs-sample', rel));
export const trust = () => ({ trustRoots: [certs('root-ca.pem')], crls: [certs('crl/issuing-ca.crl')] });
export const VIETNAMESE = /[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]/i;

/**
 * Uploads the committed checkUpload accepts (or crashes on) although they should be refused.
 * Each is a bug report; test/faults/hostile-gaps.test.ts asserts the refusal and fails until fixed.
 */
export const UPLOAD_GAPS: Record<string, string> = {
  // Empty: every generated hostile upload is refused by the default `npm test` run
  // (test/security/hostile-pdf.test.ts). A new case the code does not refuse yet goes here.
};

/** Shared-corpus files accepted although they should be refused. */
export const SHARED_UPLOAD_GAPS: Record<string, string> = {
  // Empty: minimal-startxref-hopeless{,2}.pdf are refused since the xref is checked (pdf-inspect.ts).
};

/** Attacked signed PDFs that verifyPdf calls valid. */
export const SIGNED_GAPS: Record<string, string> = {};

/** Rejects after `ms` so a hanging parser fails one case instead of the run. */
export async function withTimeout<T>(p: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${label}: no answer within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
