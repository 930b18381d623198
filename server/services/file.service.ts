// Files of documents: checked by content before anything is written, stored content-addressed,
// and linked to the document inside the caller's transaction. If that transaction rolls back, the
// blobs it created are removed again, so a rejected request leaves no file behind.
import path from 'node:path';
import type { Executor } from '../db/database.ts';
import type { FileRole } from '../db/types.ts';
import type { BlobStore } from '../files/blob-store.ts';
import { sha256Of } from '../files/blob-store.ts';
import { checkUpload, type AcceptedType } from '../files/upload-check.ts';
import { AppError } from '../errors.ts';
import type { AppContext } from '../app-context.ts';
import { extractTextJobId } from '../jobs/documents.jobs.ts';

export interface Upload {
  fileName: string;
  bytes: Buffer;
}

export interface PreparedFile {
  fileName: string;
  bytes: Buffer;
  sha256: string;
  contentType: AcceptedType;
  pageCount: number | null;
}

/** Keeps the base name only, without control characters: no path can come from a file name. */
export function safeFileName(raw: string): string {
  const base = path.posix.basename(path.win32.basename(String(raw ?? ''))).normalize('NFC');
  // eslint-disable-next-line no-control-regex
  const cleaned = base.replace(/[\u0000-\u001f\u007f<>:"|?*\\/]/g, '_').replace(/^\.+/, '').trim().slice(0, 200);
  return cleaned || 'tep-dinh-kem';
}

export async function prepareUploads(uploads: Upload[], maxBytes: number, maxFiles = 20): Promise<PreparedFile[]> {
  if (uploads.length > maxFiles) throw new AppError('validation', `Chỉ được gửi tối đa ${maxFiles} tệp mỗi lần.`);
  const out: PreparedFile[] = [];
  for (const u of uploads) {
    const fileName = safeFileName(u.fileName);
    const checked = await checkUpload(u.bytes, fileName, maxBytes);
    out.push({ fileName, bytes: u.bytes, sha256: sha256Of(u.bytes), ...checked });
  }
  return out;
}

/**
 * Files this process has just checked with prepareUploads (the axis checks every attachment before
 * its receipt, DOMAIN.md §5): a later use of the same bytes applies its own limits of count and
 * size, not the content check again (pdf-lib and pdfjs over the whole file).
 */
export function reusePrepared(files: PreparedFile[], maxBytes: number, maxFiles = 20): PreparedFile[] {
  if (files.length > maxFiles) throw new AppError('validation', `Chỉ được gửi tối đa ${maxFiles} tệp mỗi lần.`);
  for (const f of files) if (f.bytes.length > maxBytes) throw new AppError('too_large', `Tệp "${f.fileName}" vượt quá giới hạn ${Math.round(maxBytes / 1048576)} MB.`);
  return files;
}

/**
 * Writes the blobs, runs `work` (which must do all its database writes in one transaction and link
 * the files with `linkFiles`), and removes the blobs this call created if `work` fails.
 */
export async function withStoredFiles<T>(db: Executor, blobs: BlobStore, files: PreparedFile[], work: () => Promise<T>): Promise<T> {
  const created: string[] = [];
  try {
    for (const f of files) if (await blobs.put(f.sha256, f.bytes)) created.push(f.sha256);
    return await work();
  } catch (e) {
    for (const sha of created) {
      // Another request may have committed the same bytes meanwhile: keep what a row references.
      const referenced = await db.selectFrom('blob').select('sha256').where('sha256', '=', sha).executeTakeFirst().catch(() => undefined);
      if (!referenced) await blobs.delete(sha).catch(() => undefined);
    }
    throw e;
  }
}

export async function linkFiles(trx: Executor, documentId: string, role: FileRole, files: PreparedFile[], actorUserId: string | null): Promise<string[]> {
  const ids: string[] = [];
  for (const f of files) {
    await trx.insertInto('blob').values({ sha256: f.sha256, size: f.bytes.length, contentType: f.contentType }).onConflict((oc) => oc.column('sha256').doNothing()).execute();
    const prev = await trx
      .selectFrom('documentFile')
      .select((eb) => eb.fn.max<number>('version').as('v'))
      .where('documentId', '=', documentId)
      .where('role', '=', role)
      .executeTakeFirst();
    const row = await trx
      .insertInto('documentFile')
      .values({
        documentId,
        role,
        version: role === 'draft' ? Number(prev?.v ?? 0) + 1 : 1,
        blobSha256: f.sha256,
        fileName: f.fileName,
        contentType: f.contentType,
        size: f.bytes.length,
        textStatus: f.contentType === 'application/pdf' ? 'pending' : 'none',
        createdBy: actorUserId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    ids.push(row.id);
  }
  return ids;
}

/**
 * After commit: queue text extraction of the new files (for search). A failure here loses nothing:
 * the files stay 'pending' and the periodic sweep queues them again.
 */
export async function enqueueTextExtraction(ctx: AppContext, fileIds: string[]): Promise<void> {
  for (const fileId of fileIds) {
    await ctx.jobs.enqueue('documents.extract-text', { fileId }, { jobId: extractTextJobId(fileId) }).catch((e: Error) => ctx.logger.warn({ fileId, err: e.message }, 'text extraction not queued; the sweep will'));
  }
}
