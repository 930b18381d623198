// Uploaded files are typed by their content, never by their name or declared type: magic bytes
// first, then a real parse (pdfjs-dist and pdf-lib for PDF, scripting off; jpeg-js and pngjs for
// scans). Refused files are never stored. Records must stay readable for decades without running
// anything: encrypted PDFs and PDFs that carry scripts, launch actions or embedded files are refused.
import { availableParallelism } from 'node:os';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { AppError } from '../errors.ts';
import { Semaphore } from './semaphore.ts';
import { restoreNativeBuiltins } from './pdfjs-runtime.ts';
import { CheckBudget, inspectPdf, PdfRefusal, slowRefusal, type PdfInspection } from './pdf-inspect.ts';

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
  // Readers tolerate junk before %PDF- (within 1 024 bytes); a record does not: whatever comes
  // first is what a browser or a mail filter sniffs, so a PDF must start with its header (polyglots).
  if (bytes.length >= 5 && bytes.toString('latin1', 0, 5) === '%PDF-') return 'application/pdf';
  if (bytes.length >= 5 && bytes.subarray(0, 1024).includes('%PDF-', 0, 'latin1')) return 'application/pdf';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return 'image/png';
  return null;
}

let pdfjs: Promise<typeof import('pdfjs-dist/legacy/build/pdf.mjs')> | null = null;
/** pdfjs and its worker code, loaded once. In Node pdfjs runs its "worker" in this thread and would
 *  import the worker module on the first getDocument; setting globalThis.pdfjsWorker (pdfjs's
 *  documented hook) loads it here instead, so the first upload's time budget is not spent on it. */
export const loadPdfjs = () =>
  (pdfjs ??= (async () => {
    // pdfjs inflates FlateDecode streams through the web DecompressionStream whenever the global
    // exists; in Node that is zlib behind the WHATWG stream adapters, whose overhead costs more than
    // the inflation (fonts, content streams): text extraction of a one-page decision with three
    // embedded fonts ~27 → ~19 ms CPU, the upload check too. Without the global pdfjs uses its own
    // synchronous inflater (its path for engines without it), reading streams on demand. Nothing
    // else in this server uses DecompressionStream (body-parser and undici call zlib directly).
    delete (globalThis as { DecompressionStream?: unknown }).DecompressionStream;
    const workerModule = 'pdfjs-dist/legacy/build/pdf.worker.mjs'; // untyped module: imported by name
    const worker: unknown = await import(workerModule);
    (globalThis as { pdfjsWorker?: unknown }).pdfjsWorker ??= worker;
    const lib = await import('pdfjs-dist/legacy/build/pdf.mjs');
    restoreNativeBuiltins();
    return lib;
  })());

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

/** At most this many files are parsed at once in this process (2 × cores): each check holds the
 *  parsed object graph and pdfjs's copy of the bytes, so unbounded concurrency is unbounded memory.
 *  Others wait their turn (the request stays open; the HTTP layer's own limits still apply). */
export const uploadCheckSlots = new Semaphore(2 * availableParallelism());

export async function checkUpload(bytes: Buffer, fileName: string, maxBytes: number = DEFAULT_UPLOAD_MAX_BYTES): Promise<CheckedFile> {
  if (bytes.length === 0) throw refuse.empty(fileName);
  if (bytes.length > maxBytes) throw refuse.tooLarge(fileName, maxBytes);
  const type = sniffType(bytes);
  if (!type) throw refuse.type(fileName);
  return uploadCheckSlots.run(() => {
    if (type === 'image/jpeg') return checkJpeg(bytes, fileName);
    if (type === 'image/png') return checkPng(bytes, fileName);
    return checkPdf(bytes, fileName);
  });
}

// ---------------------------------------------------------------------------------------------
// PDF

/** Per-check time limit (see CheckBudget): a hostile file must not pin a core (pdf-lib parse,
 *  graph walks and the pdfjs pass all stop there; pdfjs is given its pages one at a time). */
export const PDF_CHECK_TIME_LIMIT_MS = 15_000;

function refusePdf(r: PdfRefusal, n: string): AppError {
  switch (r.kind) {
    case 'encrypted':
      return refuse.encrypted(n);
    case 'truncated':
      return refuse.truncated(n);
    case 'active':
      return new AppError('unsupported', `Tệp "${n}" chứa mã lệnh (JavaScript), lệnh tự chạy hoặc tệp nhúng (${r.detail}); không được lưu vào hồ sơ.`);
    case 'polyglot':
      return new AppError('unsupported', `Tệp "${n}" ${r.detail}; không được lưu vào hồ sơ.`);
    case 'tooManyPages':
    case 'slow':
      return new AppError('validation', `Tệp "${n}" ${r.detail}.`);
    case 'broken':
      return r.detail === 'bị hỏng hoặc không đọc được như PDF' ? refuse.broken(n) : new AppError('validation', `Tệp "${n}" bị hỏng: ${r.detail}.`);
    default:
      // Structure and page-tree problems: each reader would repair the file its own way.
      return new AppError('validation', `Tệp "${n}" bị hỏng về cấu trúc PDF: ${r.detail}. Hãy xuất lại tệp từ phần mềm gốc hoặc quét lại.`);
  }
}

// HTML a browser would recognise when sniffing the first bytes (WHATWG MIME sniffing reads 512;
// we look at 1 024, the span in which readers accept the %PDF- header).
const HTML_MARKERS = ['<script', '<html', '<!doctype', '<svg', '<iframe', '<body', '<head'];

async function checkPdf(bytes: Buffer, fileName: string): Promise<CheckedFile> {
  // Loading pdfjs (once per process, seconds on a busy machine) is not the file's fault: before the clock.
  const { getDocument } = await loadPdfjs();
  const budget = new CheckBudget(PDF_CHECK_TIME_LIMIT_MS);
  // Polyglots: the file must be a PDF from its first byte, with no HTML a browser could sniff
  // (checked after the structure, whose reasons — XFA, scripts — are more precise when both apply).
  const head = bytes.toString('latin1', 0, Math.min(bytes.length, 1024)).toLowerCase();
  const polyglot = () => new AppError('unsupported', `Tệp "${fileName}" không phải PDF thuần: có nội dung khác (HTML, mã lệnh) trước hoặc trong phần đầu tệp; không được lưu vào hồ sơ.`);
  if (!head.startsWith('%pdf-')) throw polyglot();
  let inspected: PdfInspection;
  try {
    inspected = await inspectPdf(bytes, { budget, maxPages: MAX_PDF_PAGES });
  } catch (e) {
    if (e instanceof PdfRefusal) throw refusePdf(e, fileName);
    throw refuse.broken(fileName);
  }
  if (HTML_MARKERS.some((m) => head.includes(m))) throw polyglot();
  if (inspected.pageCount < 1) throw new AppError('validation', `Tệp "${fileName}" không có trang nào.`);

  // pdfjs is what shows the file to users and what extracts its text: it must open every page and
  // agree with the page tree. It needs its own copy (it transfers the buffer to its worker).
  const task = getDocument({
    data: new Uint8Array(bytes),
    isEvalSupported: false,
    enableXfa: false,
    disableFontFace: true,
    useSystemFonts: false,
    verbosity: 0,
    stopAtErrors: true,
  });
  // pdfjs works asynchronously: the budget is polled beside it, and its pages are asked one by one.
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      if (budget.expired()) reject(slowRefusal());
    }, 200);
  });
  try {
    const pdf = await Promise.race([task.promise, timeout]);
    const pageCount = pdf.numPages;
    if (pageCount !== inspected.pageCount) throw refuse.broken(fileName);
    for (let i = 1; i <= pageCount; i++) {
      await Promise.race([pdf.getPage(i), timeout]);
      if (budget.expired()) throw slowRefusal();
    }
    return { contentType: 'application/pdf', pageCount };
  } catch (e) {
    if (e instanceof AppError) throw e;
    if (e instanceof PdfRefusal) throw refusePdf(e, fileName);
    if ((e as { name?: string }).name === 'PasswordException') throw refuse.encrypted(fileName);
    throw refuse.broken(fileName);
  } finally {
    clearInterval(timer);
    await task.destroy();
  }
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
