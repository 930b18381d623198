// Uploaded files are typed by their content, never by their name or declared type: magic bytes
// first, then a real parse (pdfjs-dist for PDF, scripting off). Refused files are never stored.
import { AppError } from '../errors.ts';

export type AcceptedType = 'application/pdf' | 'image/jpeg' | 'image/png';

export interface CheckedFile {
  contentType: AcceptedType;
  pageCount: number | null;
}

export function sniffType(bytes: Buffer): AcceptedType | null {
  if (bytes.length >= 5 && bytes.subarray(0, 1024).includes(Buffer.from('%PDF-'))) return 'application/pdf';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  return null;
}

let pdfjs: Promise<typeof import('pdfjs-dist/legacy/build/pdf.mjs')> | null = null;
export const loadPdfjs = () => (pdfjs ??= import('pdfjs-dist/legacy/build/pdf.mjs'));

// Names that make a PDF run code or act on opening: refused for documents kept as records.
const ACTIVE_CONTENT = /\/(JavaScript|JS|Launch|OpenAction\s*<<[^>]*\/S\s*\/JavaScript|RichMedia|EmbeddedFile)\b/;

export async function checkUpload(bytes: Buffer, fileName: string, maxBytes: number): Promise<CheckedFile> {
  if (bytes.length === 0) throw new AppError('validation', `Tệp "${fileName}" rỗng.`);
  if (bytes.length > maxBytes) throw new AppError('too_large', `Tệp "${fileName}" vượt quá giới hạn ${Math.round(maxBytes / 1048576)} MB.`);
  const type = sniffType(bytes);
  if (!type) throw new AppError('unsupported', `Tệp "${fileName}" không phải PDF, JPEG hoặc PNG (kiểm tra theo nội dung tệp).`);
  if (type !== 'application/pdf') return { contentType: type, pageCount: null };
  if (ACTIVE_CONTENT.test(bytes.toString('latin1'))) {
    throw new AppError('unsupported', `Tệp "${fileName}" chứa mã lệnh (JavaScript) hoặc tệp nhúng; không được lưu vào hồ sơ.`);
  }
  const { getDocument } = await loadPdfjs();
  const task = getDocument({ data: new Uint8Array(bytes), isEvalSupported: false, enableXfa: false, disableFontFace: true, useSystemFonts: false, verbosity: 0, stopAtErrors: true });
  try {
    const doc = await task.promise;
    // Encryption without a user password still opens: refuse it too, records must be readable later.
    const meta = await doc.getMetadata().catch(() => null);
    if ((meta?.info as { IsAcroFormPresent?: boolean; EncryptFilterName?: string } | undefined)?.EncryptFilterName) {
      throw new AppError('unsupported', `Tệp "${fileName}" được mã hóa; hãy gửi bản PDF không đặt mật khẩu.`);
    }
    const pageCount = doc.numPages;
    if (pageCount < 1) throw new AppError('validation', `Tệp "${fileName}" không có trang nào.`);
    await doc.getPage(1);
    return { contentType: type, pageCount };
  } catch (e) {
    if (e instanceof AppError) throw e;
    if ((e as { name?: string }).name === 'PasswordException') throw new AppError('unsupported', `Tệp "${fileName}" được đặt mật khẩu; hãy gửi bản PDF không mã hóa.`);
    throw new AppError('validation', `Tệp "${fileName}" bị hỏng hoặc không đọc được như PDF.`);
  } finally {
    await task.destroy();
  }
}
