// Opening a PDF for an incremental update, with the refusals every signing operation shares:
// encrypted files, files certified "no changes allowed" (DocMDP P=1), broken cross-reference data.
// @cantoo/pdf-lib writes only changed objects after the original bytes (commit()), so earlier
// signatures stay valid; plain pdf-lib save() would rewrite the file and break them (TOOLCHAIN.md).
import { AsyncLocalStorage } from 'node:async_hooks';
import { readFileSync } from 'node:fs';
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFNumber, PDFRef, type PDFObject } from '@cantoo/pdf-lib';
import fontkit from '@cantoo/fontkit';
import { AppError } from '../errors.ts';
import { FONT_BOLD, FONT_ITALIC, FONT_REGULAR } from './sample-images.ts';
import { LazyXrefError, openLazy } from './pdf-lazy.ts';
import { DocumentFonts, type AppearanceFont } from './appearance-cache.ts';

export type FontStyle = 'regular' | 'bold' | 'italic';
const FONT_FILES: Record<FontStyle, string> = { regular: FONT_REGULAR, bold: FONT_BOLD, italic: FONT_ITALIC };
const fontBytes = new Map<FontStyle, Buffer>();
function fontFile(style: FontStyle): Buffer {
  let b = fontBytes.get(style);
  if (!b) {
    b = readFileSync(FONT_FILES[style]);
    fontBytes.set(style, b);
  }
  return b;
}

export interface OpenedPdf {
  doc: PDFDocument;
  /** DocMDP permission of a certification signature, if the document is certified. */
  docMdp?: number;
  fonts: DocumentFonts;
}

const BROKEN = 'Tệp PDF bị lỗi cấu trúc, không thể ký an toàn. Hãy mở và lưu lại tệp bằng phần mềm PDF rồi thử lại';

/** Cheap sanity check: startxref must point at an xref table or an xref stream object. */
export function assertXrefUsable(pdf: Uint8Array): void {
  const tail = Buffer.from(pdf.subarray(Math.max(0, pdf.length - 2048))).toString('latin1');
  const m = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(tail);
  if (!m) throw new AppError('validation', BROKEN);
  const at = Number(m[1]);
  if (!(at > 0 && at < pdf.length)) throw new AppError('validation', BROKEN);
  const head = Buffer.from(pdf.subarray(at, at + 40)).toString('latin1');
  if (!/^\s*(xref\b|\d+\s+\d+\s+obj\b)/.test(head)) throw new AppError('validation', BROKEN);
}

const fullParse = new AsyncLocalStorage<boolean>();

/**
 * Runs `fn`, whose openForUpdate() reads the file through its cross-reference data (pdf-lazy.ts);
 * when that data turns out inconsistent, runs `fn` again from scratch with pdf-lib's full parse.
 * Nothing is written before `fn` returns, so the first attempt leaves nothing behind.
 */
export async function withParseFallback<T>(fn: () => Promise<T>): Promise<T> {
  if (fullParse.getStore()) return fn();
  try {
    return await fn();
  } catch (e) {
    if (!(e instanceof LazyXrefError)) throw e;
    return fullParse.run(true, fn);
  }
}

export async function openForUpdate(pdf: Uint8Array, purpose: 'sign' | 'annotate'): Promise<OpenedPdf> {
  if (!(pdf.length > 8 && Buffer.from(pdf.subarray(0, 1024)).includes('%PDF-'))) {
    throw new AppError('validation', 'Tệp không phải là PDF');
  }
  assertXrefUsable(pdf);
  let doc: PDFDocument | undefined;
  if (!fullParse.getStore()) {
    try {
      doc = openLazy(pdf, true).doc;
    } catch (e) {
      if (!(e instanceof LazyXrefError)) throw e;
    }
  }
  try {
    doc ??= await PDFDocument.load(pdf, { forIncrementalUpdate: true, updateMetadata: false, ignoreEncryption: true, throwOnInvalidObject: false });
  } catch {
    throw new AppError('validation', BROKEN);
  }
  if (doc.context.trailerInfo.Encrypt) {
    throw new AppError('unsupported', 'Tệp PDF đã được mã hóa (đặt mật khẩu); hãy gỡ mã hóa trước khi ký');
  }
  let pageCount = 0;
  try {
    pageCount = doc.getPageCount();
  } catch (e) {
    if (e instanceof LazyXrefError) throw e;
    throw new AppError('validation', BROKEN);
  }
  if (pageCount === 0) throw new AppError('validation', 'Tệp PDF không có trang nào');
  doc.registerFontkit(fontkit);
  const docMdp = readDocMdp(doc);
  // ISO 32000-1 §12.8.2.2: P=1 no changes at all; P=2 form filling and signing only (no annotations).
  if (docMdp === 1) {
    throw new AppError('validation', 'Văn bản đã được chứng thực ở chế độ "không cho phép thay đổi" (DocMDP P=1); không thể ký thêm');
  }
  if (docMdp === 2 && purpose === 'annotate') {
    throw new AppError('validation', 'Văn bản đã được chứng thực chỉ cho phép ký và điền biểu mẫu (DocMDP P=2); không thể thêm số, ngày');
  }
  return { doc, docMdp, fonts: new DocumentFonts(doc.context) };
}

/** The shipped font of that style, subset (appearance-cache.ts keeps one subset per process). */
export async function font(o: OpenedPdf, style: FontStyle): Promise<AppearanceFont> {
  return o.fonts.font(style, () => fontFile(style));
}

function readDocMdp(doc: PDFDocument): number | undefined {
  const perms = lookupDict(doc.context, doc.catalog.get(PDFName.of('Perms')));
  const sig = perms && lookupDict(doc.context, perms.get(PDFName.of('DocMDP')));
  if (!sig) return undefined;
  const refs = lookupArray(doc.context, sig.get(PDFName.of('Reference')));
  for (let i = 0; refs && i < refs.size(); i++) {
    const ref = lookupDict(doc.context, refs.get(i));
    const params = ref && lookupDict(doc.context, ref.get(PDFName.of('TransformParams')));
    const p = params && lookupNumber(doc.context, params.get(PDFName.of('P')));
    if (p) return p.asNumber();
    if (params) return 2; // default P is 2 (ISO 32000-1 Table 254)
  }
  return 2;
}

/**
 * The incremental update section for the document's changes, and the original bytes it follows.
 * commit() would also build original + update as a new array: on a 20 MB file that fresh
 * allocation and copy cost several times the SHA-256 pass, so signing keeps the two parts apart.
 */
export async function saveUpdate(o: OpenedPdf): Promise<{ original: Uint8Array; update: Buffer }> {
  const { doc } = o;
  const { snapshot, pdfFileDetails } = doc.context;
  const original = pdfFileDetails.originalBytes;
  if (!snapshot || !original) throw new Error('saveUpdate() needs a document opened for an incremental update');
  const update = await creatingObjects(doc, async () => {
    await o.fonts.flush();
    return doc.saveIncremental(snapshot, { useObjectStreams: false, objectsPerTick: Infinity });
  });
  return { original, update: Buffer.from(update.buffer, update.byteOffset, update.byteLength) };
}

/** Original bytes followed by the update, as one buffer (what commit() returns). */
export async function commitIncremental(o: OpenedPdf): Promise<Buffer> {
  const { original, update } = await saveUpdate(o);
  return Buffer.concat([original, update]);
}

/**
 * Runs `fn`, which creates new objects and marks any existing object it changes with markChanged
 * (appendToArray and acroForm do), or writes the update, with pdf-lib's implicit change tracking
 * switched off for this document. Opened for an incremental update, pdf-lib answers every set/push
 * on any dictionary or array — new ones included, and the writer's own trailer and stream lengths —
 * by searching every indirect object, recursively, for the one holding it: building and writing a
 * signature's field, appearance and font objects cost about a tenth of a 200 KB attachment
 * signature's CPU that way. New objects need no tracking (the update writes every object numbered
 * above the snapshot's last), so the update section is byte-identical.
 */
export async function creatingObjects<T>(doc: PDFDocument, fn: () => Promise<T>): Promise<T> {
  const ctx = doc.context as unknown as { registerObjectChange: (obj: unknown) => void };
  if (Object.prototype.hasOwnProperty.call(ctx, 'registerObjectChange')) return fn(); // already inside
  ctx.registerObjectChange = () => {};
  try {
    return await fn();
  } finally {
    delete (ctx as { registerObjectChange?: unknown }).registerObjectChange;
  }
}

/** Marks an existing indirect object as changed so commit() writes it in the update section. */
export function markChanged(doc: PDFDocument, ref: PDFRef | undefined): void {
  if (ref) doc.context.snapshot?.markRefForSave(ref);
}

/** Appends `item` to the array stored at `dict[key]` (direct or indirect), marking what changed. */
export function appendToArray(doc: PDFDocument, dict: PDFDict, dictRef: PDFRef | undefined, key: string, item: PDFObject): void {
  const raw = dict.get(PDFName.of(key));
  if (raw instanceof PDFRef) {
    const arr = lookupArray(doc.context, raw);
    if (arr) {
      arr.push(item);
      markChanged(doc, raw);
      return;
    }
  }
  if (raw instanceof PDFArray) {
    raw.push(item);
  } else {
    dict.set(PDFName.of(key), doc.context.obj([item]));
  }
  markChanged(doc, dictRef);
}

/** The AcroForm dictionary, created if missing; SigFlags 3 = signatures exist, append only. */
export function acroForm(doc: PDFDocument, withSigFlags: boolean): { dict: PDFDict; ref?: PDFRef } {
  const rootRef = doc.context.trailerInfo.Root as PDFRef;
  const raw = doc.catalog.get(PDFName.of('AcroForm'));
  let dict: PDFDict;
  let ref: PDFRef | undefined;
  if (raw instanceof PDFRef) {
    dict = doc.context.lookup(raw, PDFDict);
    ref = raw;
  } else if (raw instanceof PDFDict) {
    dict = raw;
    ref = rootRef;
  } else {
    dict = doc.context.obj({ Fields: [] });
    ref = doc.context.register(dict);
    doc.catalog.set(PDFName.of('AcroForm'), ref);
    markChanged(doc, rootRef);
  }
  if (withSigFlags) {
    dict.set(PDFName.of('SigFlags'), PDFNumber.of(3));
    markChanged(doc, ref);
  }
  return { dict, ref };
}

/** Unique field name among the document's fields (each signature needs its own field). */
export function uniqueFieldName(doc: PDFDocument, prefix: string, at: Date): string {
  const existing = new Set<string>();
  // Walk /Fields by hand: doc.getForm() would create an AcroForm behind the snapshot's back.
  const form = lookupDict(doc.context, doc.catalog.get(PDFName.of('AcroForm')));
  const fields = form && lookupArray(doc.context, form.get(PDFName.of('Fields')));
  for (let i = 0; fields && i < fields.size(); i++) {
    const f = lookupDict(doc.context, fields.get(i));
    const t = f?.get(PDFName.of('T'));
    if (t && 'decodeText' in t) existing.add((t as unknown as { decodeText(): string }).decodeText());
  }
  const stamp = at.toISOString().replace(/[-:]/g, '').slice(0, 15);
  for (;;) {
    const name = `${prefix}_${stamp}_${Math.random().toString(36).slice(2, 8)}`;
    if (!existing.has(name)) return name;
  }
}

// Safe lookups: pdf-lib's lookupMaybe(x, Type) throws on a type mismatch, which malformed files have.
type Ctx = PDFDocument['context'];
export function lookupDict(ctx: Ctx, o: PDFObject | undefined): PDFDict | undefined {
  const v = o === undefined ? undefined : ctx.lookup(o);
  return v instanceof PDFDict ? v : undefined;
}
export function lookupArray(ctx: Ctx, o: PDFObject | undefined): PDFArray | undefined {
  const v = o === undefined ? undefined : ctx.lookup(o);
  return v instanceof PDFArray ? v : undefined;
}
export function lookupNumber(ctx: Ctx, o: PDFObject | undefined): PDFNumber | undefined {
  const v = o === undefined ? undefined : ctx.lookup(o);
  return v instanceof PDFNumber ? v : undefined;
}
