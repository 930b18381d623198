// Text of stored PDFs for search (issue 3 item 9). pdfjs-dist runs with eval off; the text is stored
// NFC in document.extracted_text and folded into document.search_folded in one transaction that also
// flips document_file.text_status, so running the job twice changes nothing the second time.
import type { Executor } from '../db/database.ts';
import type { AppContext } from '../app-context.ts';
import { loadPdfjs } from '../files/upload-check.ts';
import { searchFoldedOf } from '../domain/search-text.ts';
import { extractTextJobId } from '../jobs/documents.jobs.ts';

/** Pages beyond this are not read: what people search for is on the first pages. */
const MAX_PAGES = 200;
/** Text kept per document (the search index folds only the first MAX_INDEXED_TEXT characters). */
const MAX_STORED_TEXT = 200_000;
const FILE_SEPARATOR = '\n\n';

export type ExtractionOutcome = 'done' | 'failed' | 'none' | 'skipped';

interface TextItemLike {
  str?: string;
  hasEOL?: boolean;
}

/** The text of a PDF, page after page, lines kept, NFC. Throws when pdfjs cannot read the file. */
export async function extractPdfText(bytes: Uint8Array, maxPages = MAX_PAGES): Promise<string> {
  const { getDocument } = await loadPdfjs();
  const task = getDocument({ data: new Uint8Array(bytes), isEvalSupported: false, enableXfa: false, disableFontFace: true, useSystemFonts: false, verbosity: 0 });
  try {
    const pdf = await task.promise;
    const pages: string[] = [];
    let total = 0;
    for (let i = 1; i <= Math.min(pdf.numPages, maxPages) && total < MAX_STORED_TEXT; i++) {
      const page = await pdf.getPage(i);
      const content = await page.getTextContent();
      let text = '';
      for (const it of content.items as TextItemLike[]) {
        text += it.str ?? '';
        if (it.hasEOL) text += '\n';
      }
      page.cleanup();
      const clean = text.normalize('NFC').replace(/[ \t]+/g, ' ').replace(/\n{3,}/g, '\n\n').trim();
      pages.push(clean);
      total += clean.length;
    }
    return pages.filter(Boolean).join('\n\n').slice(0, MAX_STORED_TEXT);
  } finally {
    await task.destroy();
  }
}

export async function extractTextOfFile(ctx: Pick<AppContext, 'db' | 'blobs'>, fileId: string): Promise<ExtractionOutcome> {
  const { db, blobs } = ctx;
  const file = await db.selectFrom('documentFile').select(['id', 'documentId', 'blobSha256', 'contentType', 'textStatus']).where('id', '=', fileId).executeTakeFirst();
  if (!file || file.textStatus !== 'pending') return 'skipped';
  if (file.contentType !== 'application/pdf') {
    await db.updateTable('documentFile').set({ textStatus: 'none' }).where('id', '=', fileId).where('textStatus', '=', 'pending').execute();
    return 'none';
  }
  // A store outage throws here and the job is retried; only an unreadable PDF counts as failed.
  const bytes = await blobs.get(file.blobSha256);
  let text: string | null;
  try {
    text = await extractPdfText(bytes);
  } catch {
    text = null;
  }
  return db.transaction().execute(async (trx) => {
    // Lock the document first (the same order as the document services), then re-check the file.
    const doc = await trx
      .selectFrom('document')
      .select(['id', 'subject', 'codeNumber', 'codeNotation', 'issuerName', 'signerFullName', 'extractedText'])
      .where('id', '=', file.documentId)
      .forUpdate()
      .executeTakeFirst();
    const current = await trx.selectFrom('documentFile').select('textStatus').where('id', '=', fileId).forUpdate().executeTakeFirst();
    if (!doc || current?.textStatus !== 'pending') return 'skipped';
    if (text === null) {
      await trx.updateTable('documentFile').set({ textStatus: 'failed' }).where('id', '=', fileId).execute();
      return 'failed';
    }
    if (text) {
      const extractedText = [doc.extractedText, text].filter(Boolean).join(FILE_SEPARATOR).slice(0, MAX_STORED_TEXT);
      await trx
        .updateTable('document')
        .set({ extractedText, searchFolded: searchFoldedOf({ ...doc, extractedText }) })
        .where('id', '=', doc.id)
        .execute();
    }
    await trx.updateTable('documentFile').set({ textStatus: 'done' }).where('id', '=', fileId).execute();
    return 'done';
  });
}

/** Files whose extraction is still pending (oldest first). */
export async function pendingTextExtraction(db: Executor, limit = 1000): Promise<string[]> {
  const rows = await db.selectFrom('documentFile').select('id').where('textStatus', '=', 'pending').orderBy('id').limit(limit).execute();
  return rows.map((r) => r.id);
}

/** Re-enqueues every pending file; the fixed job id makes a file already queued a no-op. */
export async function enqueuePendingTextExtraction(ctx: Pick<AppContext, 'db' | 'jobs'>, limit = 1000): Promise<number> {
  const ids = await pendingTextExtraction(ctx.db, limit);
  for (const fileId of ids) await ctx.jobs.enqueue('documents.extract-text', { fileId }, { jobId: extractTextJobId(fileId) });
  return ids.length;
}

