// Attachments travel zipped, then Base64-encoded in ContentTransferEncoded (QCVN 102:2016,
// AttachmentEncoded). Reading them is where a hostile package can cost the most (zip bombs, huge
// Base64), so every size is checked before and while inflating, never after.
import { createHash } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { extname } from 'node:path';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { AppError } from '../../errors.ts';

const MIME_BY_EXT: Record<string, string> = {
  '.pdf': 'application/pdf',
  '.doc': 'application/msword',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.xls': 'application/vnd.ms-excel',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.ppt': 'application/vnd.ms-powerpoint',
  '.pptx': 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  '.odt': 'application/vnd.oasis.opendocument.text',
  '.rtf': 'application/rtf',
  '.txt': 'text/plain',
  '.xml': 'application/xml',
  '.edxml': 'application/xml',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.zip': 'application/zip',
  '.rar': 'application/vnd.rar',
};

export function guessContentType(fileName: string): string {
  return MIME_BY_EXT[extname(fileName).toLowerCase()] ?? 'application/octet-stream';
}

/** Zip one file (deflate) the way the axis expects: a single entry named after the attachment. */
export function zipSingleFile(name: string, content: Uint8Array, mtime = new Date()): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const zip = new yazl.ZipFile();
    zip.addBuffer(Buffer.from(content.buffer, content.byteOffset, content.byteLength), name, {
      mtime,
      compress: true,
    });
    zip.end();
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

/** Strict Base64 (whitespace allowed between lines): Buffer.from alone silently skips junk. */
export function decodeBase64Strict(text: string, label: string): Buffer {
  const compact = text.replace(/[\s]+/g, '');
  if (compact.length === 0) {
    throw new AppError('validation', `Tệp đính kèm "${label}" không có nội dung.`, { attachment: label });
  }
  if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) {
    throw new AppError('validation', `Tệp đính kèm "${label}" không được mã hóa Base64 hợp lệ.`, {
      attachment: label,
      reason: 'base64',
    });
  }
  return Buffer.from(compact, 'base64');
}

export interface UnzippedFile {
  fileName: string;
  size: number;
  sha256: string;
  content?: Buffer;
  entryCount: number;
}

export interface UnzipLimits {
  /** Maximum decompressed bytes for this attachment. */
  maxBytes: number;
  maxEntries: number;
}

function safeClose(zip: yauzl.ZipFile): void {
  try {
    zip.close();
  } catch {
    // already closed by autoClose
  }
}

const brokenZip = (label: string, cause?: unknown): AppError =>
  new AppError('validation', `Tệp đính kèm "${label}" không phải tệp nén ZIP hợp lệ.`, {
    attachment: label,
    reason: 'zip',
    cause: cause instanceof Error ? cause.message : cause,
  });

const zipTooLarge = (label: string, maxBytes: number): AppError =>
  new AppError(
    'too_large',
    `Tệp đính kèm "${label}" khi giải nén vượt quá giới hạn ${maxBytes} byte.`,
    { attachment: label, maxBytes, reason: 'zip_bomb' },
  );

/** The file data of `entry` (local header read from the buffer), inflated with a bound. */
function entryContent(zipBytes: Buffer, entry: yauzl.Entry, maxBytes: number): Buffer {
  if (entry.isEncrypted()) throw new Error('entry is encrypted');
  const at = entry.relativeOffsetOfLocalHeader;
  if (at + 30 > zipBytes.length || zipBytes.readUInt32LE(at) !== 0x04034b50) throw new Error('invalid local file header');
  const start = at + 30 + zipBytes.readUInt16LE(at + 26) + zipBytes.readUInt16LE(at + 28);
  const end = start + entry.compressedSize;
  if (end > zipBytes.length) throw new Error('file data overflows the zip');
  const data = zipBytes.subarray(start, end);
  if (entry.compressionMethod === 0) {
    if (data.length > maxBytes) throw new RangeError('stored entry over the limit');
    return Buffer.from(data); // a copy: the content must not keep the whole zip alive
  }
  if (entry.compressionMethod !== 8) throw new Error(`unsupported compression method: ${entry.compressionMethod}`);
  return inflateRawSync(data, { maxOutputLength: Math.max(1, maxBytes) });
}

/**
 * Inflate the first file of an attachment's zip and hash it. Stops reading as soon as the
 * output passes the limit, whatever the zip headers claim (zip-bomb guard).
 */
export function unzipFirstFile(
  zipBytes: Buffer,
  label: string,
  limits: UnzipLimits,
  keepContent: boolean,
): Promise<UnzippedFile> {
  if (zipBytes.length < 22 || zipBytes.readUInt32LE(0) !== 0x04034b50) {
    return Promise.reject(brokenZip(label, 'missing local file header'));
  }
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(
      zipBytes,
      { lazyEntries: true, validateEntrySizes: true, decodeStrings: true, strictFileNames: false },
      (err, zip) => {
        if (err || !zip) return reject(brokenZip(label, err));
        if (zip.entryCount > limits.maxEntries) {
          safeClose(zip);
          return reject(
            new AppError(
              'validation',
              `Tệp đính kèm "${label}" chứa quá nhiều tệp bên trong (tối đa ${limits.maxEntries}).`,
              { attachment: label, entryCount: zip.entryCount },
            ),
          );
        }
        let settled = false;
        const fail = (e: AppError): void => {
          if (settled) return;
          settled = true;
          safeClose(zip);
          reject(e);
        };
        zip.on('error', (e: unknown) => fail(brokenZip(label, e)));
        zip.on('end', () => fail(brokenZip(label, 'no file entry')));
        zip.on('entry', (entry: yauzl.Entry) => {
          if (entry.fileName.endsWith('/')) return zip.readEntry();
          if (entry.uncompressedSize > limits.maxBytes) return fail(zipTooLarge(label, limits.maxBytes));
          // The entry's bytes are already in memory: inflate them in one call, bounded by the
          // limit (zlib stops and throws past maxOutputLength, so a bomb never allocates more),
          // instead of yauzl's read stream (streams, chunk copies and a hash per chunk cost
          // several times the inflation itself on a 200 KB PDF).
          let content: Buffer;
          try {
            content = entryContent(zipBytes, entry, limits.maxBytes);
          } catch (e) {
            return fail(e instanceof AppError ? e : e instanceof RangeError ? zipTooLarge(label, limits.maxBytes) : brokenZip(label, e));
          }
          if (content.length !== entry.uncompressedSize) return fail(brokenZip(label, 'size mismatch'));
          settled = true;
          safeClose(zip);
          resolve({
            fileName: entry.fileName,
            size: content.length,
            sha256: createHash('sha256').update(content).digest('hex'),
            ...(keepContent ? { content } : {}),
            entryCount: zip.entryCount,
          });
        });
        zip.readEntry();
      },
    );
  });
}
