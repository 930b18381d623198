// Structural inspection of an uploaded PDF before it becomes a record (issue 8 item 2, issue 3 "bad
// input"). A registered file must read the same in every reader for decades, so this module refuses
// what readers would have to guess at (broken cross-reference data, lying /Length and /Count, loops)
// and anything that runs or carries code (DOMAIN.md §3: records are shown, never executed).
//
// Nothing here tokenizes PDF: @cantoo/pdf-lib parses the file. Its parser reads the objects in file
// order and ignores the xref offsets, so we drive it through its own methods (pinned version 2.11,
// see TOOLCHAIN.md) to learn where each object and each xref section begins; then we compare the xref
// tables with those offsets, and walk the object graph pdf-lib built. If a pdf-lib upgrade renames
// these internals, the hooks stop firing and every PDF is refused: the tests fail loudly, not open.
import {
  PDFArray,
  PDFDict,
  PDFHexString,
  PDFName,
  PDFNumber,
  PDFObjectStreamParser,
  PDFParser,
  PDFRawStream,
  PDFRef,
  PDFStream,
  PDFString,
  PDFXRefStreamParser,
  type PDFContext,
  type PDFCrossRefSection,
  type PDFObject,
} from '@cantoo/pdf-lib';
import { createRequire } from 'node:module';
import { inflateSync } from 'node:zlib';

export type PdfRefusalKind = 'broken' | 'truncated' | 'encrypted' | 'active' | 'structure' | 'pages' | 'tooManyPages' | 'slow' | 'polyglot';

/** A reason to refuse; `detail` is a Vietnamese clause shown to the clerk after the file name. */
export class PdfRefusal extends Error {
  constructor(
    readonly kind: PdfRefusalKind,
    readonly detail: string,
  ) {
    super(detail);
    this.name = 'PdfRefusal';
  }
}

export interface PdfInspection {
  context: PDFContext;
  catalog: PDFDict;
  /** Leaf pages counted by walking the page tree (equal to every /Count on the way). */
  pageCount: number;
}

/** The time a check may take. A hostile file must not pin a core, but a machine busy with other
 *  work must not make honest files fail: the budget is spent when this process has used `limitMs`
 *  of CPU since the check began AND `limitMs` of wall time have passed, or at 4 × `limitMs` of wall
 *  time whatever happens (process CPU includes concurrent checks, which only makes it stricter). */
export class CheckBudget {
  private readonly wallStart = Date.now();
  private readonly cpuStart = process.cpuUsage();
  constructor(readonly limitMs: number) {}

  expired(): boolean {
    const wall = Date.now() - this.wallStart;
    if (wall < this.limitMs) return false;
    if (wall > 4 * this.limitMs) return true;
    const cpu = process.cpuUsage(this.cpuStart);
    return (cpu.user + cpu.system) / 1000 > this.limitMs;
  }
}

export const slowRefusal = () => new PdfRefusal('slow', 'quá phức tạp để kiểm tra trong thời gian cho phép');

export interface InspectOptions {
  budget: CheckBudget;
  maxPages: number;
}

// ISO 32000-1 Annex C (implementation limits): at most 8 388 607 indirect objects; generation
// numbers are at most 65 535 (§7.3.10). Numbers beyond these are the "object number 2^31 / 2^53"
// attacks: readers wrap, clamp or reject them differently.
const MAX_OBJECT_NUMBER = 8_388_607;
const MAX_GENERATION = 65_535;
/** Direct arrays/dictionaries nested deeper than this are no document, only a parser attack. */
const MAX_NESTING = 256;
/** A balanced page tree of 10 kids per node holds 10^64 pages at this depth; real files stay under 10. */
const MAX_PAGE_TREE_DEPTH = 64;
/** Off-by-a-few startxref values written by real producers (pyHanko's obo samples): every reader
 *  finds the one xref that starts this close, so the file still reads one way. Further is a guess. */
const STARTXREF_SLACK = 4;
/** A declared stream /Length may count the end-of-line before `endstream` or not (ISO 32000-1
 *  §7.3.8.1 is often misread by writers); readers agree on the data either way. More is a lie. */
const LENGTH_SLACK = 2;
/** Decoded size of one object or xref stream that pdf-lib must inflate to read the objects. */
const MAX_INDEX_STREAM_BYTES = 32 * 1024 * 1024;

const ENDOBJ = [...Buffer.from('endobj', 'latin1')];
const N = (s: string) => PDFName.of(s);

// ---------------------------------------------------------------------------------------------
// Active content (ISO 32000-1 §12.6 actions, §12.5.6 annotations, §7.11 file specifications,
// §12.7.8 XFA). Matched on decoded names, so /Java#53cript is JavaScript.

/** Action types that run code, leave the reader, or play media (§12.6.4). */
const FORBIDDEN_ACTIONS = new Set(['JavaScript', 'Launch', 'ImportData', 'SubmitForm', 'RichMediaExecute', 'Rendition', 'GoToE', 'GoTo3DView', 'Movie', 'Sound']);
/** Keys that only exist to hold scripts, embedded files, XFA or RichMedia. */
const FORBIDDEN_KEYS = new Set(['JS', 'JavaScript', 'EF', 'EmbeddedFile', 'EmbeddedFiles', 'RichMediaContent', 'RichMediaSettings', 'XFA']);
/** Annotation subtypes that are players or 3D scenes (both can hold JavaScript). */
const FORBIDDEN_SUBTYPES = new Set(['RichMedia', '3D', 'Movie', 'Sound']);

function activeIn(dict: PDFDict): string | null {
  for (const [key, value] of dict.entries()) {
    const k = key.decodeText();
    if (FORBIDDEN_KEYS.has(k)) return `/${k}`;
    if (!(value instanceof PDFName)) continue;
    const v = value.decodeText();
    if (k === 'S' && FORBIDDEN_ACTIONS.has(v)) return `/S /${v}`;
    if (k === 'Type' && v === 'EmbeddedFile') return '/Type /EmbeddedFile';
    if (k === 'Subtype' && FORBIDDEN_SUBTYPES.has(v)) return `/Subtype /${v}`;
    // A URI action is a link; one whose scheme is not the web or mail (javascript:, file:, data:)
    // runs or opens something on the reader's machine.
    if (k === 'S' && v === 'URI') {
      const uri = dict.lookup(N('URI'));
      const text = uri instanceof PDFString || uri instanceof PDFHexString ? uri.decodeText().trim() : null;
      const scheme = text === null ? 'unreadable' : (/^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase() ?? '');
      if (!['', 'http', 'https', 'mailto', 'tel'].includes(scheme)) return '/URI không phải liên kết web hoặc thư điện tử';
    }
  }
  return null;
}

/** Walks one object and the direct dictionaries and arrays inside it (references are separate
 *  indirect objects, each walked on its own), iteratively and with a depth bound. */
export function findActiveContent(root: PDFObject): string | null {
  const stack: [PDFObject, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [obj, depth] = stack.pop()!;
    if (depth > MAX_NESTING) throw new PdfRefusal('structure', `có mảng hoặc từ điển lồng nhau quá ${MAX_NESTING} cấp`);
    const dict = obj instanceof PDFDict ? obj : obj instanceof PDFStream ? obj.dict : null;
    if (dict) {
      const why = activeIn(dict);
      if (why) return why;
      for (const v of dict.values()) if (v instanceof PDFDict || v instanceof PDFArray) stack.push([v, depth + 1]);
    } else if (obj instanceof PDFArray) {
      for (const v of obj.asArray()) if (v instanceof PDFDict || v instanceof PDFArray) stack.push([v, depth + 1]);
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Parsing with pdf-lib while recording where things are.

/** The pdf-lib 2.11 parser members we drive (private in its typings, stable in its code). */
interface ParserInternals {
  bytes: { offset(): number };
  context: PDFContext;
  parseDocument(): Promise<PDFContext>;
  parseIndirectObject(): Promise<PDFRef>;
  parseIndirectObjectHeader(): PDFRef;
  parseObject(ref?: PDFRef): PDFObject;
  skipWhitespaceAndComments(): void;
  matchKeyword(keyword: number[]): boolean;
  maybeParseCrossRefSection(): PDFCrossRefSection | undefined;
  shouldWaitForTick(): boolean;
  maybeRecoverRoot(): void;
}

interface XRefEntry {
  ref: PDFRef;
  offset: number;
  deleted: boolean;
  inObjectStream?: boolean;
}

interface Recording {
  /** File offset of each top-level "N G obj" header → the object it starts (every revision). */
  objects: Map<number, PDFRef>;
  /** Classic xref tables: where the keyword is, their rows, and whether the rows ran cleanly into `trailer`. */
  tables: { at: number; entries: XRefEntry[]; clean: boolean }[];
  /** Cross-reference streams: the offset of their object header and their rows. */
  streams: { at: number; entries: XRefEntry[] }[];
  /** First reason found while parsing (pdf-lib wraps later errors in its own). */
  problem: PdfRefusal | null;
  activeWhy: string | null;
}

const isWhite = (b: number | undefined) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09 || b === 0x0c || b === 0x00;

function integer(obj: PDFObject | undefined): number | null {
  if (!(obj instanceof PDFNumber)) return null;
  const n = obj.asNumber();
  return Number.isSafeInteger(n) ? n : null;
}

function checkRef(ref: PDFRef): void {
  if (!Number.isSafeInteger(ref.objectNumber) || ref.objectNumber < 0 || ref.objectNumber > MAX_OBJECT_NUMBER) {
    throw new PdfRefusal('structure', `có số hiệu đối tượng vượt giới hạn của định dạng PDF (${MAX_OBJECT_NUMBER})`);
  }
  if (!Number.isSafeInteger(ref.generationNumber) || ref.generationNumber < 0 || ref.generationNumber > MAX_GENERATION) {
    throw new PdfRefusal('structure', 'có số thế hệ đối tượng vượt giới hạn của định dạng PDF (65 535)');
  }
}

/** Before pdf-lib reads the rows of an xref stream or the header of an object stream: their
 *  declared sizes must be possible, or a few bytes could make it loop billions of times. */
function checkIndexStream(stream: PDFRawStream, kind: 'XRef' | 'ObjStm'): void {
  const dict = stream.dict;
  const filter = dict.get(N('Filter'));
  // Raw byte size bounds the rows; a Flate bomb is bounded by decoding with a cap below.
  if (filter !== undefined && filter !== N('FlateDecode') && !(filter instanceof PDFArray && filter.size() === 1 && filter.get(0) === N('FlateDecode'))) {
    throw new PdfRefusal('structure', `có luồng ${kind === 'XRef' ? 'tham chiếu chéo' : 'đối tượng'} dùng bộ lọc nén không được hỗ trợ`);
  }
  if (kind === 'ObjStm') {
    const n = integer(dict.get(N('N')));
    const first = integer(dict.get(N('First')));
    if (n === null || first === null || n < 0 || first < 0 || n > MAX_OBJECT_NUMBER || first > stream.contents.length * 1032 || n * 4 > first + 4) {
      throw new PdfRefusal('structure', 'có luồng đối tượng (ObjStm) khai báo sai số lượng hoặc vị trí');
    }
    return;
  }
  const w = dict.get(N('W'));
  const widths = w instanceof PDFArray && w.size() === 3 ? w.asArray().map((x) => integer(x)) : [];
  if (widths.length !== 3 || widths.some((x) => x === null || x < 0 || x > 8) || widths[1] === 0) {
    throw new PdfRefusal('structure', 'có luồng tham chiếu chéo với độ rộng cột /W không hợp lệ');
  }
  const size = integer(dict.get(N('Size')));
  if (size === null || size < 1 || size > MAX_OBJECT_NUMBER + 1) throw new PdfRefusal('structure', 'có /Size của bảng tham chiếu chéo không hợp lệ hoặc vượt giới hạn');
  const index = dict.get(N('Index'));
  let rows = size;
  if (index !== undefined) {
    const pairs = index instanceof PDFArray ? index.asArray().map((x) => integer(x)) : [null];
    if (pairs.length % 2 !== 0 || pairs.some((x) => x === null || x < 0 || x > MAX_OBJECT_NUMBER + 1)) throw new PdfRefusal('structure', 'có /Index của luồng tham chiếu chéo không hợp lệ');
    rows = 0;
    for (let i = 0; i < pairs.length; i += 2) rows += pairs[i + 1]!;
  }
  const rowBytes = widths.reduce<number>((a, b) => a + b!, 0);
  // Each row needs rowBytes decoded bytes; Flate cannot expand more than ~1032:1.
  if (rows * rowBytes > Math.max(stream.contents.length, 1) * 1032 || rows > MAX_OBJECT_NUMBER + 1) {
    throw new PdfRefusal('structure', 'có luồng tham chiếu chéo khai báo nhiều dòng hơn dữ liệu chứa');
  }
}

/** Decodes with a cap first, so a 64 MB Flate bomb in an index stream is refused at the cap. */
function inflateCapped(stream: PDFRawStream): Buffer {
  if (stream.dict.get(N('Filter')) === undefined) return Buffer.from(stream.contents.buffer, stream.contents.byteOffset, stream.contents.length);
  try {
    return inflateSync(stream.contents, { maxOutputLength: MAX_INDEX_STREAM_BYTES });
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new PdfRefusal('structure', 'có luồng nén giải ra quá lớn (bom giải nén)');
    throw new PdfRefusal('broken', 'có luồng nén không giải được');
  }
}

// pngjs's own PNG un-filtering (sub, up, average, paeth), which PDF predictors 10–15 are (ISO 32000-1
// §7.4.4.4). pdf-lib applies no predictor, so it misreads most real xref streams' rows; it does not
// need them, we do.
const requireCjs = createRequire(import.meta.url);
const pngUnfilter = requireCjs('pngjs/lib/filter-parse-sync.js') as { process(data: Buffer, info: { width: number; height: number; depth: number; bpp: number; interlace: boolean }): Buffer };

/** The rows of a cross-reference stream, decoded (Flate, PNG predictor) and read by pdf-lib. */
function xrefStreamEntries(stream: PDFRawStream, context: PDFContext): XRefEntry[] {
  let data = inflateCapped(stream);
  const parms = stream.dict.lookup(N('DecodeParms'));
  const predictor = parms instanceof PDFDict ? (integer(parms.get(N('Predictor'))) ?? 1) : 1;
  if (predictor >= 10) {
    const columns = parms instanceof PDFDict ? (integer(parms.get(N('Columns'))) ?? 1) : 1;
    const colors = parms instanceof PDFDict ? (integer(parms.get(N('Colors'))) ?? 1) : 1;
    const bpc = parms instanceof PDFDict ? (integer(parms.get(N('BitsPerComponent'))) ?? 8) : 8;
    if (columns < 1 || colors !== 1 || bpc !== 8 || data.length % (columns + 1) !== 0) {
      throw new PdfRefusal('structure', 'có luồng tham chiếu chéo với tham số giải mã (/DecodeParms) không khớp dữ liệu');
    }
    data = pngUnfilter.process(data, { width: columns, height: data.length / (columns + 1), depth: 8, bpp: 1, interlace: false });
  } else if (predictor !== 1) {
    throw new PdfRefusal('structure', 'có luồng tham chiếu chéo dùng bộ dự đoán (/Predictor) không được hỗ trợ');
  }
  const dict = stream.dict.clone(context);
  dict.delete(N('Filter'));
  dict.delete(N('DecodeParms'));
  return PDFXRefStreamParser.forStream(PDFRawStream.of(dict, data)).parseIntoContext() as XRefEntry[];
}

async function parseRecording(bytes: Buffer, budget: CheckBudget): Promise<{ context: PDFContext; rec: Recording }> {
  const rec: Recording = { objects: new Map(), tables: [], streams: [], problem: null, activeWhy: null };
  const parser = PDFParser.forBytesWithOptions(bytes, Infinity, true) as unknown as ParserInternals;
  const fail = (r: PdfRefusal): never => {
    rec.problem ??= r;
    throw r;
  };
  let parsed = 0;
  // pdf-lib yields to the event loop when this says so; we also stop when the budget is spent.
  parser.shouldWaitForTick = () => {
    parsed++;
    if (parsed % 200 !== 0) return false;
    if (budget.expired()) fail(slowRefusal());
    return true;
  };
  // Same steps as pdf-lib's own parseIndirectObject, plus: record the header offset, bound the
  // numbers, look for active content in every revision of every object (a later update may hide
  // an earlier definition from the final graph), and check index streams before expanding them.
  parser.parseIndirectObject = async () => {
    const at = parser.bytes.offset();
    const ref = parser.parseIndirectObjectHeader();
    try {
      checkRef(ref);
      parser.skipWhitespaceAndComments();
      const object = parser.parseObject(ref);
      parser.skipWhitespaceAndComments();
      parser.matchKeyword(ENDOBJ);
      rec.objects.set(at, ref);
      rec.activeWhy ??= findActiveContent(object);
      if (object instanceof PDFRawStream) {
        const type = object.dict.get(N('Type'));
        if (type === N('ObjStm') || type === N('XRef')) {
          checkIndexStream(object, type === N('ObjStm') ? 'ObjStm' : 'XRef');
          if (type === N('ObjStm')) {
            inflateCapped(object);
            await PDFObjectStreamParser.forStream(object, parser.shouldWaitForTick).parseIntoContext();
          } else rec.streams.push({ at, entries: xrefStreamEntries(object, parser.context) });
        }
      }
      parser.context.assign(ref, object);
      return ref;
    } catch (e) {
      if (e instanceof PdfRefusal) fail(e);
      throw e;
    }
  };
  // pdf-lib replaces a /Root that is no catalog by any catalog it finds: a guess we do not make.
  parser.maybeRecoverRoot = () => undefined;
  const readTable = parser.maybeParseCrossRefSection.bind(parser);
  parser.maybeParseCrossRefSection = () => {
    parser.skipWhitespaceAndComments();
    const at = parser.bytes.offset();
    const section = readTable();
    if (section) {
      parser.skipWhitespaceAndComments();
      const end = parser.bytes.offset();
      // pdf-lib stops reading rows at the first thing that is not one; a clean table runs into `trailer`.
      const clean = bytes.toString('latin1', end, end + 7) === 'trailer';
      const sub = (section as unknown as { subsections: XRefEntry[][] }).subsections;
      rec.tables.push({ at, entries: sub.flat(), clean });
    }
    return section;
  };
  try {
    const context = await parser.parseDocument();
    return { context, rec };
  } catch (e) {
    if (rec.problem) throw rec.problem;
    if (e instanceof PdfRefusal) throw e;
    throw new PdfRefusal('broken', 'bị hỏng hoặc không đọc được như PDF');
  }
}

// ---------------------------------------------------------------------------------------------
// The checks.

/** The file must end with `startxref <offset> %%EOF` (whitespace after it at most): readers find
 *  the last revision from there. Anything else after %%EOF would make the file a carrier for a
 *  second format (a ZIP read from its end, a script) — a polyglot. Returns the startxref value. */
function finalStartxref(bytes: Buffer): number {
  const truncated = () => new PdfRefusal('truncated', 'không trọn vẹn (bị cắt cụt); hãy tải lên lại bản đầy đủ');
  const at = bytes.lastIndexOf('startxref', bytes.length, 'latin1');
  if (at < 0) {
    if (bytes.lastIndexOf('%%EOF', bytes.length, 'latin1') < 0) throw truncated();
    throw new PdfRefusal('structure', 'không có dòng startxref ở cuối tệp (bảng tham chiếu chéo bị mất)');
  }
  // Locating the final trailer's bytes (not tokenizing): one integer, then %%EOF, then only whitespace.
  const m = /^startxref[\0\t\n\f\r ]+(\d{1,12})[\0\t\n\f\r ]+%%EOF/.exec(bytes.toString('latin1', at, Math.min(bytes.length, at + 64)));
  if (!m) {
    if (!bytes.includes('%%EOF', at, 'latin1')) throw truncated();
    throw new PdfRefusal('structure', 'có dòng startxref không đọc được (phải là một số rồi đến %%EOF)');
  }
  for (let i = at + m[0].length; i < bytes.length; i++) {
    if (!isWhite(bytes[i])) {
      throw new PdfRefusal('polyglot', 'có dữ liệu lạ nối sau dấu kết thúc %%EOF (tệp bị cắt cụt giữa một lần cập nhật, hoặc lai ghép thêm định dạng khác)');
    }
  }
  return Number(m[1]);
}

/** The last startxref must lead to an xref table or stream pdf-lib actually found, and every
 *  in-use row of every xref section must point at the header of that very object. Readers that
 *  follow the xref (pdfjs, Acrobat, poppler) and readers that scan the file (pdf-lib, repair
 *  modes) then see the same objects; otherwise each reader "repairs" in its own way. */
function checkXref(bytes: Buffer, rec: Recording, startxref: number): void {
  const starts = [...rec.tables.map((t) => t.at), ...rec.streams.map((s) => s.at)];
  if (starts.length === 0) throw new PdfRefusal('structure', 'không có bảng tham chiếu chéo (xref)');
  if (startxref > bytes.length || !starts.some((s) => Math.abs(s - startxref) <= STARTXREF_SLACK)) {
    throw new PdfRefusal('structure', 'có startxref không trỏ tới bảng tham chiếu chéo (xref) nào');
  }
  if (rec.tables.some((t) => !t.clean)) throw new PdfRefusal('structure', 'có dòng không hợp lệ trong bảng tham chiếu chéo (xref)');
  const defined = new Set<number>();
  for (const ref of rec.objects.values()) defined.add(ref.objectNumber);
  const check = (e: XRefEntry) => {
    if (e.deleted || e.inObjectStream || e.ref.objectNumber === 0) return;
    // Offset 0 for an object the file never defines (some writers mark missing objects so): every
    // reader ends up with no object there, as for a free entry (qpdf only warns).
    if (e.offset === 0 && !defined.has(e.ref.objectNumber)) return;
    let pos = e.offset;
    // The row may point at whitespace before the header: readers skip it the same way.
    while (pos < bytes.length && pos - e.offset < 64 && isWhite(bytes[pos])) pos++;
    const found = rec.objects.get(pos);
    if (!found || found.objectNumber !== e.ref.objectNumber || found.generationNumber !== e.ref.generationNumber) {
      throw new PdfRefusal('structure', `có bảng tham chiếu chéo (xref) chỉ sai vị trí đối tượng ${e.ref.objectNumber}`);
    }
  };
  for (const t of rec.tables) for (const e of t.entries) check(e);
  for (const s of rec.streams) for (const e of s.entries) check(e);
}

function checkObjects(context: PDFContext): void {
  const size = integer(context.trailerInfo.Size);
  if (context.trailerInfo.Size !== undefined && (size === null || size < 1 || size > MAX_OBJECT_NUMBER + 1)) {
    throw new PdfRefusal('structure', 'có /Size trong trailer không hợp lệ hoặc vượt giới hạn của định dạng PDF');
  }
  for (const [ref, obj] of context.enumerateIndirectObjects()) {
    checkRef(ref);
    // A reference that only leads to another reference, in a loop or a long chain (/Contents 6 0 R
    // where 6 is "6 0 R"): readers recurse until their stack breaks, or give up differently.
    let hops = 0;
    let cur: PDFObject | undefined = obj;
    while (cur instanceof PDFRef) {
      if (++hops > 8) throw new PdfRefusal('structure', `có đối tượng ${ref.objectNumber} chỉ là tham chiếu vòng lặp`);
      cur = context.lookup(cur);
    }
    if (obj instanceof PDFRawStream) {
      // /Length must match the data pdf-lib found before `endstream` (see LENGTH_SLACK).
      const raw = obj.dict.get(N('Length'));
      const len = raw instanceof PDFRef ? integer(context.lookup(raw)) : integer(raw);
      if (len === null || len < 0 || Math.abs(len - obj.contents.length) > LENGTH_SLACK) {
        throw new PdfRefusal('structure', `có độ dài luồng (/Length) của đối tượng ${ref.objectNumber} không khớp với dữ liệu`);
      }
    }
  }
}

/** Counts leaf pages by walking /Kids (depth-bounded, each node once). Every /Count must be an
 *  integer equal to the leaves below it (ISO 32000-1 §7.7.3.2): readers take the page count from
 *  /Count (pdfjs) or from the walk (pdf-lib), so a lie shows different documents. */
function countPages(context: PDFContext, catalog: PDFDict, maxPages: number): number {
  const root = catalog.lookup(N('Pages'));
  if (!(root instanceof PDFDict)) throw new PdfRefusal('broken', 'không có cây trang (/Pages)');
  const seen = new Set<PDFDict>();
  let total = 0;
  const walk = (node: PDFDict, depth: number): number => {
    if (depth > MAX_PAGE_TREE_DEPTH) throw new PdfRefusal('pages', `có cây trang sâu quá ${MAX_PAGE_TREE_DEPTH} cấp`);
    if (seen.has(node)) throw new PdfRefusal('pages', 'có cây trang lặp vòng hoặc một trang xuất hiện nhiều lần');
    seen.add(node);
    const kids = node.lookup(N('Kids'));
    if (kids === undefined && node.get(N('Type')) !== N('Pages')) {
      if (++total > maxPages) throw new PdfRefusal('tooManyPages', `có quá nhiều trang (hơn ${maxPages})`);
      return 1;
    }
    if (!(kids instanceof PDFArray)) throw new PdfRefusal('pages', 'có nút cây trang không có danh sách /Kids');
    let leaves = 0;
    for (const kid of kids.asArray()) {
      // Kids are indirect references (ISO 32000-1 §7.7.3.2, Table 29): readers that only follow
      // references count a direct page dictionary differently (pdf-lib and pdfjs disagree on it).
      const k = kid instanceof PDFRef ? context.lookup(kid) : undefined;
      if (!(k instanceof PDFDict)) throw new PdfRefusal('pages', 'có phần tử /Kids không phải là tham chiếu tới một trang');
      leaves += walk(k, depth + 1);
    }
    const count = integer(node.get(N('Count')) instanceof PDFRef ? context.lookup(node.get(N('Count'))) : node.get(N('Count')));
    if (count !== leaves) throw new PdfRefusal('pages', `khai báo số trang (/Count) không đúng với số trang thật (${leaves})`);
    return leaves;
  };
  return walk(root, 0);
}

/** Outline items (bookmarks) are linked lists: a loop makes a reader build its bookmark panel forever. */
function checkOutlines(context: PDFContext, catalog: PDFDict): void {
  const outlines = catalog.lookup(N('Outlines'));
  if (!(outlines instanceof PDFDict)) return;
  const seen = new Set<PDFDict>([outlines]);
  const firsts: PDFObject[] = [outlines.get(N('First'))].filter((x) => x !== undefined) as PDFObject[];
  while (firsts.length > 0) {
    let item: PDFObject | undefined = firsts.pop();
    while (item !== undefined) {
      const d = item instanceof PDFRef ? context.lookup(item) : item;
      if (!(d instanceof PDFDict)) break;
      if (seen.has(d)) throw new PdfRefusal('structure', 'có mục lục (bookmark) lặp vòng');
      seen.add(d);
      const first = d.get(N('First'));
      if (first !== undefined) firsts.push(first);
      item = d.get(N('Next'));
    }
  }
}

/** Everything pdf-lib can tell about the file, or a PdfRefusal. pdfjs is run by the caller. */
export async function inspectPdf(bytes: Buffer, options: InspectOptions): Promise<PdfInspection> {
  const startxref = finalStartxref(bytes);
  let parsed: Awaited<ReturnType<typeof parseRecording>>;
  try {
    parsed = await parseRecording(bytes, options.budget);
  } catch (e) {
    // A file pdf-lib cannot parse may still be recognisably encrypted (its object streams are
    // ciphertext): say that, it is actionable. Only the message changes; it is refused either way.
    if (e instanceof PdfRefusal && e.kind !== 'slow' && bytes.includes('/Encrypt', 0, 'latin1')) throw new PdfRefusal('encrypted', 'mã hóa');
    throw e;
  }
  const { context, rec } = parsed;
  // Encrypted objects cannot be read without the key: the rest of the checks would read ciphertext.
  if (context.trailerInfo.Encrypt) throw new PdfRefusal('encrypted', 'mã hóa');
  if (rec.activeWhy) throw new PdfRefusal('active', rec.activeWhy);
  checkXref(bytes, rec, startxref);
  checkObjects(context);
  // Objects that came out of object streams were not seen by the per-revision walk above.
  for (const [, obj] of context.enumerateIndirectObjects()) {
    const why = findActiveContent(obj);
    if (why) throw new PdfRefusal('active', why);
  }
  const root = context.trailerInfo.Root;
  const catalog = root instanceof PDFRef ? context.lookup(root) : root;
  if (!(catalog instanceof PDFDict) || catalog.get(N('Type')) !== N('Catalog')) throw new PdfRefusal('broken', 'không có danh mục tài liệu (/Root)');
  const pageCount = countPages(context, catalog, options.maxPages);
  checkOutlines(context, catalog);
  if (options.budget.expired()) throw slowRefusal();
  return { context, catalog, pageCount };
}
