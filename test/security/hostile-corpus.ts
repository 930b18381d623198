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
  // TypeError instead of an AppError (500 instead of a clear refusal): pdf-lib loads these without
  // a catalog and hasActiveContent(doc.catalog) dereferences undefined.
  'header-only.pdf': 'crash: TypeError reading .has of an undefined catalog',
  'exe-with-pdf-marker.pdf': 'crash: TypeError reading .has of an undefined catalog',
  'random-bytes.pdf': 'crash: TypeError reading .has of an undefined catalog',
  'pdf-header-only-no-objects.pdf': 'crash: TypeError reading .has of an undefined catalog',
  // Active content in direct (inline) dictionaries: hasActiveContent only looks at the top-level keys
  // of indirect objects and at OpenAction/AA/Next, never at /A, /Names, /AcroForm or /FS values.
  'js-names-tree.pdf': 'accepted: /Names /JavaScript is a direct dictionary in the catalog',
  'js-link-annotation-direct.pdf': 'accepted: direct /A << /S /JavaScript >> on a link annotation',
  'js-annotation-inline-in-page.pdf': 'accepted: annotation written inline in /Annots',
  'launch-link.pdf': 'accepted: direct /A << /S /Launch >> on a link annotation',
  'xfa-form.pdf': 'accepted: /XFA inside the direct /AcroForm dictionary',
  'richmedia.pdf': 'accepted: /Subtype /RichMedia annotation',
  'embedded-file-untyped-stream.pdf': 'accepted: direct /FS with /EF, file stream without /Type',
  'gotoe-embedded.pdf': 'accepted: /S /GoToE (go to an embedded document)',
  // Structurally broken files that pdf-lib and pdfjs silently repair: the record then depends on
  // the reader's guess, as with truncated files (refused).
  'xref-startxref-zero.pdf': 'accepted after repair: startxref 0',
  'xref-startxref-beyond-eof.pdf': 'accepted after repair: startxref beyond EOF',
  'xref-missing.pdf': 'accepted after repair: no xref, no startxref',
  'xref-garbage-entries.pdf': 'accepted after repair: garbage xref rows',
  'xref-offsets-shifted.pdf': 'accepted after repair: wrong xref offsets',
  'xref-stream-garbage.pdf': 'accepted after repair: broken xref stream',
  'stream-length-huge.pdf': 'accepted after repair: /Length 99 999 999 999',
  'xref-size-huge.pdf': 'accepted: xref subsection of 4 294 967 295 entries',
  'object-number-huge.pdf': 'accepted: object number 2 147 483 647',
  'object-number-beyond-int.pdf': 'accepted: object number beyond 2^53',
  'pages-count-1000000.pdf': 'accepted as 1 page: /Count 1000000 lies',
  'pages-count-2147483647.pdf': 'accepted as 1 page: /Count 2147483647 lies',
  'pages-count-9007199254740993.pdf': 'accepted as 1 page: /Count beyond 2^53',
  'pages-count-many.pdf': 'accepted as 1 page: /Count is a string',
  'page-tree-depth-5000.pdf': 'accepted: page tree 5 000 levels deep',
  'nested-outlines-circular.pdf': 'accepted: outline items in a loop',
  'reference-loop.pdf': 'accepted: /Contents refers to itself',
  'html-pdf-polyglot.pdf': 'accepted: HTML with <script> before the %PDF- header (polyglot)',
  'pdf-then-script-polyglot.pdf': 'accepted: <script> in a comment before the header (polyglot)',
};

/** Shared-corpus files accepted although they should be refused. */
export const SHARED_UPLOAD_GAPS: Record<string, string> = {
  'minimal-startxref-hopeless.pdf': 'accepted after repair: unusable startxref',
  'minimal-startxref-hopeless2.pdf': 'accepted after repair: unusable startxref',
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
