// Uploaded files are typed by their content, never by their name or declared type: magic bytes
// first, then a real parse (pdfjs-dist and pdf-lib for PDF, scripting off; jpeg-js and pngjs for
// scans). Refused files are never stored. Records must stay readable for decades without running
// anything: encrypted PDFs and PDFs that carry scripts, launch actions or embedded files are refused.
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRawStream, PDFStream } from '@cantoo/pdf-lib';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { AppError } from '../errors.ts';

export type AcceptedType = 'application/pdf' | 'image/jpeg' | 'image/png';

export interface CheckedFile {
  contentType: AcceptedType;
  pageCount: number | null;
}

/** Default upload limit (issue 3: 50 MB); the configured `uploadMaxBytes` is passed in by callers. */
export const DEFAULT_UPLOAD_MAX_BYTES = 50 * 1024 * 1024;

/** Scans above this many pixels are checked structurally but not decoded (memory of the web process). */
const MAX_DECODED_PIXELS = 40_000_000;
/** Decompression bombs: no scan of a paper document needs more. */
const MAX_IMAGE_PIXELS = 200_000_000;
const MAX_PDF_PAGES = 5_000;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function sniffType(bytes: Buffer): AcceptedType | null {
  // ISO 32000 allows junk before the header; readers accept it within the first 1024 bytes.
  if (bytes.length >= 5 && bytes.subarray(0, 1024).includes(Buffer.from('%PDF-'))) return 'application/pdf';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return 'image/png';
  return null;
}

let pdfjs: Promise<typeof import('pdfjs-dist/legacy/build/pdf.mjs')> | null = null;
export const loadPdfjs = () => (pdfjs ??= import('pdfjs-dist/legacy/build/pdf.mjs'));

const refuse = {
  empty: (n: string) => new AppError('validation', `Tệp "${n}" rỗng.`),
  tooLarge: (n: string, max: number) => new AppError('too_large', `Tệp "${n}" vượt quá giới hạn ${Math.round(max / 1048576)} MB.`),
  type: (n: string) => new AppError('unsupported', `Tệp "${n}" không phải PDF, JPEG hoặc PNG (kiểm tra theo nội dung tệp).`),
  active: (n: string) => new AppError('unsupported', `Tệp "${n}" chứa mã lệnh (JavaScript), lệnh tự chạy hoặc tệp nhúng; không được lưu vào hồ sơ.`),
  encrypted: (n: string) => new AppError('unsupported', `Tệp "${n}" được mã hóa hoặc đặt mật khẩu; hãy gửi bản PDF không mã hóa.`),
  broken: (n: string) => new AppError('validation', `Tệp "${n}" bị hỏng hoặc không đọc được như PDF.`),
  truncated: (n: string) => new AppError('validation', `Tệp "${n}" không trọn vẹn (bị cắt cụt); hãy tải lên lại bản đầy đủ.`),
  image: (n: string, kind: string) => new AppError('validation', `Tệp "${n}" bị hỏng hoặc không đọc được như ảnh ${kind}.`),
  imageSize: (n: string) => new AppError('validation', `Ảnh "${n}" có kích thước điểm ảnh bất thường.`),
};

export async function checkUpload(bytes: Buffer, fileName: string, maxBytes: number = DEFAULT_UPLOAD_MAX_BYTES): Promise<CheckedFile> {
  if (bytes.length === 0) throw refuse.empty(fileName);
  if (bytes.length > maxBytes) throw refuse.tooLarge(fileName, maxBytes);
  const type = sniffType(bytes);
  if (!type) throw refuse.type(fileName);
  if (type === 'image/jpeg') return checkJpeg(bytes, fileName);
  if (type === 'image/png') return checkPng(bytes, fileName);
  return checkPdf(bytes, fileName);
}

// ---------------------------------------------------------------------------------------------
// PDF

// Action types that run code or leave the reader (ISO 32000-1 §12.6.4).
const FORBIDDEN_ACTIONS = new Set(['JavaScript', 'Launch', 'ImportData', 'RichMediaExecute', 'SubmitForm', 'Rendition']);
// Keys whose mere presence means scripts, embedded payloads or XFA forms.
const FORBIDDEN_KEYS = ['JS', 'JavaScript', 'EmbeddedFile', 'EmbeddedFiles', 'RichMedia', 'XFA'];
async function checkPdf(bytes: Buffer, fileName: string): Promise<CheckedFile> {
  const latin1 = bytes.toString('latin1');
  // A complete PDF ends with %%EOF (after the last incremental update); readers "repair" truncated
  // files by guessing, which a record must not depend on.
  if (!latin1.slice(-1024).includes('%%EOF')) throw refuse.truncated(fileName);
  if (/\/Encrypt\s*(\d+\s+\d+\s+R|<<)/.test(latin1)) throw refuse.encrypted(fileName);

  // pdf-lib decompresses object streams, where the byte scan cannot see: walk every object.
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(bytes, { ignoreEncryption: true, updateMetadata: false, throwOnInvalidObject: true });
  } catch {
    throw refuse.broken(fileName);
  }
  if (doc.isEncrypted || doc.context.trailerInfo.Encrypt) throw refuse.encrypted(fileName);
  for (const [, obj] of doc.context.enumerateIndirectObjects()) {
    const dict = obj instanceof PDFDict ? obj : obj instanceof PDFStream ? obj.dict : null;
    if (dict && hasActiveContent(dict)) throw refuse.active(fileName);
    if (obj instanceof PDFRawStream && obj.dict.get(PDFName.of('Type')) === PDFName.of('EmbeddedFile')) throw refuse.active(fileName);
  }
  // A file pdf-lib opens without a catalog (a header and nothing else) is no document at all.
  const catalog = doc.context.trailerInfo.Root ? (doc.catalog as PDFDict | undefined) : undefined;
  if (!catalog) throw refuse.broken(fileName);
  if (hasActiveContent(catalog)) throw refuse.active(fileName);

  // pdfjs is what shows the file to users and what extracts its text: it must open every page.
  const { getDocument } = await loadPdfjs();
  const task = getDocument({
    data: new Uint8Array(bytes),
    isEvalSupported: false,
    enableXfa: false,
    disableFontFace: true,
    useSystemFonts: false,
    verbosity: 0,
    stopAtErrors: true,
  });
  try {
    const pdf = await task.promise;
    const pageCount = pdf.numPages;
    if (pageCount < 1) throw new AppError('validation', `Tệp "${fileName}" không có trang nào.`);
    if (pageCount > MAX_PDF_PAGES) throw new AppError('validation', `Tệp "${fileName}" có quá nhiều trang (${pageCount}).`);
    for (let i = 1; i <= pageCount; i++) await pdf.getPage(i);
    if (pageCount !== doc.getPageCount()) throw refuse.broken(fileName);
    return { contentType: 'application/pdf', pageCount };
  } catch (e) {
    if (e instanceof AppError) throw e;
    if ((e as { name?: string }).name === 'PasswordException') throw refuse.encrypted(fileName);
    throw refuse.broken(fileName);
  } finally {
    await task.destroy();
  }
}

function hasActiveContent(dict: PDFDict): boolean {
  for (const key of FORBIDDEN_KEYS) if (dict.has(PDFName.of(key))) return true;
  const s = dict.get(PDFName.of('S'));
  if (s instanceof PDFName && FORBIDDEN_ACTIONS.has(s.decodeText())) return true;
  // OpenAction / AA may hold an inline action dictionary or an array of them.
  for (const key of ['OpenAction', 'AA', 'Next']) {
    const v = dict.get(PDFName.of(key));
    const items = v instanceof PDFArray ? v.asArray() : [v];
    for (const it of items) {
      const d = it instanceof PDFDict ? it : null;
      if (d && (hasActiveContent(d) || [...d.values()].some((x) => x instanceof PDFDict && hasActiveContent(x)))) return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Images

/** Walks the JPEG segments (ITU T.81 Annex B): SOI, marker segments with valid lengths, a frame
 *  header with sane dimensions, at least one scan, and EOI at the end. */
function jpegFrame(bytes: Buffer): { width: number; height: number } | null {
  let p = 2;
  let frame: { width: number; height: number } | null = null;
  let scans = 0;
  while (p + 4 <= bytes.length) {
    if (bytes[p] !== 0xff) return null;
    let marker = bytes[p + 1]!;
    while (marker === 0xff && p + 2 < bytes.length) marker = bytes[++p + 1]!;
    if (marker === 0xd9) return null; // EOI before any scan
    if (marker >= 0xd0 && marker <= 0xd7) return null; // RST outside a scan
    const len = bytes.readUInt16BE(p + 2);
    if (len < 2 || p + 2 + len > bytes.length) return null;
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof && len >= 8) frame = { height: bytes.readUInt16BE(p + 5), width: bytes.readUInt16BE(p + 7) };
    p += 2 + len;
    if (marker === 0xda) {
      scans++;
      // Entropy-coded data: skip stuffed bytes (FF 00), restart markers (FF D0–D7) and fill (FF FF).
      while (p + 1 < bytes.length) {
        const next = bytes[p + 1]!;
        if (bytes[p] === 0xff && next !== 0x00 && next !== 0xff && !(next >= 0xd0 && next <= 0xd7)) break;
        p++;
      }
      if (p + 1 < bytes.length && bytes[p + 1] === 0xd9) return frame && scans > 0 ? frame : null;
    }
  }
  return null;
}

function checkJpeg(bytes: Buffer, fileName: string): CheckedFile {
  const frame = jpegFrame(bytes);
  if (!frame || frame.width < 1 || frame.height < 1) throw refuse.image(fileName, 'JPEG');
  const pixels = frame.width * frame.height;
  if (pixels > MAX_IMAGE_PIXELS) throw refuse.imageSize(fileName);
  if (pixels <= MAX_DECODED_PIXELS) {
    try {
      jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, tolerantDecoding: false, maxResolutionInMP: MAX_DECODED_PIXELS / 1e6, maxMemoryUsageInMB: 512 });
    } catch {
      throw refuse.image(fileName, 'JPEG');
    }
  }
  return { contentType: 'image/jpeg', pageCount: null };
}

function checkPng(bytes: Buffer, fileName: string): CheckedFile {
  // IHDR first (PNG spec §11.2.2): width and height before anything is inflated.
  if (bytes.length < 33 || bytes.toString('latin1', 12, 16) !== 'IHDR') throw refuse.image(fileName, 'PNG');
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  if (width < 1 || height < 1) throw refuse.image(fileName, 'PNG');
  if (width * height > MAX_IMAGE_PIXELS) throw refuse.imageSize(fileName);
  if (!bytes.subarray(-12).equals(Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]))) throw refuse.image(fileName, 'PNG');
  if (width * height <= MAX_DECODED_PIXELS) {
    try {
      PNG.sync.read(bytes, { checkCRC: true });
    } catch {
      throw refuse.image(fileName, 'PNG');
    }
  }
  return { contentType: 'image/png', pageCount: null };
}
