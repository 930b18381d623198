// Opening a PDF through its cross-reference data instead of parsing every object.
//
// pdf-lib's PDFDocument.load() tokenises the whole file from the header to the end; on a 20 MB scan
// that is most of a signature's cost, and on a 200 KB decision it is still several milliseconds per
// signature. An incremental update only needs the trailer, the catalog, the page tree, one page, the
// AcroForm — so this module reads the last trailer and the /Prev chain of xref sections (tables or
// streams), and hands pdf-lib a PDFContext whose object map parses an object the first time it is
// looked up, with pdf-lib's own object parser (PDFObjectParser, PDFXRefStreamParser,
// PDFObjectStreamParser): no PDF syntax is parsed here by hand. Everything else (PDFDocument, pages,
// commit() with its incremental writer) is pdf-lib unchanged.
//
// Any inconsistency (an xref offset that does not point at the object it names, a hybrid file, a
// missing trailer) throws LazyXrefError; callers then fall back to the full parse, which tolerates
// broken cross-reference data because it ignores it.
import { PDFContext, PDFDict, PDFDocument, PDFName, PDFNumber, PDFObjectParser, PDFObjectStreamParser, PDFRawStream, PDFRef, PDFXRefStreamParser, decodePDFRawStream, type PDFObject } from '@cantoo/pdf-lib';

export class LazyXrefError extends Error {}

type Entry = { offset: number } | { stream: number } | { free: true };

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
const OBJ = ascii('obj');
const XREF = ascii('xref');
const TRAILER = ascii('trailer');
const ENDOBJ = ascii('endobj');
const STARTXREF = ascii('startxref');
const isDigit = (b: number) => b >= 0x30 && b <= 0x39;

interface ByteStreamLike {
  moveTo(offset: number): void;
  peek(): number;
  next(): number;
  done(): boolean;
  offset(): number;
}

/** pdf-lib's object parser, positioned at byte offsets taken from the cross-reference data. */
class OffsetReader extends PDFObjectParser {
  static over(bytes: Uint8Array, ctx: PDFContext): OffsetReader {
    // ByteStream is not exported from the package root: borrow the one forBytes() builds.
    const stream = (PDFObjectParser.forBytes(bytes, ctx) as unknown as { bytes: ByteStreamLike }).bytes;
    return new OffsetReader(stream as never, ctx);
  }

  private get stream(): ByteStreamLike {
    return this.bytes as unknown as ByteStreamLike;
  }

  /** `N G obj <object>` at `offset`. */
  indirectAt(offset: number): { ref: PDFRef; object: PDFObject } {
    this.stream.moveTo(offset);
    this.skipWhitespaceAndComments();
    const num = this.parseRawInt();
    this.skipWhitespaceAndComments();
    const gen = this.parseRawInt();
    this.skipWhitespaceAndComments();
    if (!this.matchKeyword(OBJ)) throw new LazyXrefError(`no object at ${offset}`);
    const ref = PDFRef.of(num, gen);
    return { ref, object: this.parseObject(ref) };
  }

  /**
   * A classic `xref … trailer <<…>>` section at `offset` (the same reading as pdf-lib's
   * PDFParser.maybeParseCrossRefSection), or undefined when the offset holds something else.
   */
  tableAt(offset: number): { entries: [number, Entry][]; trailer: PDFDict; end: number } | undefined {
    const s = this.stream;
    s.moveTo(offset);
    this.skipWhitespaceAndComments();
    if (!this.matchKeyword(XREF)) return undefined;
    this.skipWhitespaceAndComments();
    const entries: [number, Entry][] = [];
    let objectNumber = -1;
    while (!s.done() && isDigit(s.peek())) {
      const first = this.parseRawInt();
      this.skipWhitespaceAndComments();
      if (!isDigit(s.peek())) throw new LazyXrefError('bad xref subsection');
      this.parseRawInt();
      this.skipWhitespaceAndComments();
      const b = s.peek();
      if (b === 0x6e /* n */ || b === 0x66 /* f */) {
        s.next();
        if (objectNumber < 0) throw new LazyXrefError('xref entry before subsection');
        entries.push([objectNumber, b === 0x6e ? { offset: first } : { free: true }]);
        objectNumber += 1;
      } else {
        objectNumber = first;
      }
      this.skipWhitespaceAndComments();
    }
    if (!this.matchKeyword(TRAILER)) throw new LazyXrefError('xref table without trailer');
    this.skipWhitespaceAndComments();
    const trailer = this.parseDict();
    return { entries, trailer, end: this.stream.offset() };
  }

  /** Where the indirect object at `offset` ends (after its `endobj` when present). */
  objectEndAt(offset: number, objectNumber: number): number {
    if (this.indirectAt(offset).ref.objectNumber !== objectNumber) throw new LazyXrefError(`xref points ${objectNumber} at another object`);
    this.skipWhitespaceAndComments();
    const end = this.stream.offset();
    return this.matchKeyword(ENDOBJ) ? this.stream.offset() : end;
  }

  /**
   * The first byte in [from, to) that is neither whitespace, a comment nor `startxref <offset>`
   * (what separates one revision's objects and xref data from the next), or undefined.
   */
  firstStrayByte(from: number, to: number): number | undefined {
    const s = this.stream;
    s.moveTo(from);
    for (;;) {
      this.skipWhitespaceAndComments();
      if (s.done() || s.offset() >= to) return undefined;
      const at = s.offset();
      if (!this.matchKeyword(STARTXREF)) return at;
      this.skipWhitespaceAndComments();
      if (!isDigit(s.peek())) return at;
      this.parseRawInt();
    }
  }
}

/** Object map that parses an object from the file the first time it is asked for. */
class LazyObjects extends Map<PDFRef, PDFObject> {
  private readonly tried = new Set<PDFRef>();
  /** While an object stream is being unpacked: its number (only its current members are taken). */
  private unpacking: number | undefined;

  constructor(
    private readonly xref: Map<number, Entry>,
    private readonly reader: OffsetReader,
  ) {
    super();
  }

  override get(ref: PDFRef): PDFObject | undefined {
    const v = super.get(ref);
    if (v !== undefined || this.tried.has(ref)) return v;
    this.tried.add(ref);
    this.load(ref);
    return super.get(ref);
  }

  override has(ref: PDFRef): boolean {
    return this.get(ref) !== undefined;
  }

  override set(ref: PDFRef, obj: PDFObject): this {
    if (this.unpacking !== undefined) {
      // An old object stream may still hold superseded versions: keep only the current ones.
      const e = this.xref.get(ref.objectNumber);
      if (!e || !('stream' in e) || e.stream !== this.unpacking || super.get(ref) !== undefined) return this;
    }
    this.tried.add(ref);
    return super.set(ref, obj);
  }

  private load(ref: PDFRef): void {
    try {
      this.loadFromFile(ref);
    } catch (err) {
      // Whatever went wrong, the caller retries with the full parse; never a half-read object.
      throw err instanceof LazyXrefError ? err : new LazyXrefError(`object ${ref.objectNumber}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private loadFromFile(ref: PDFRef): void {
    const e = this.xref.get(ref.objectNumber);
    if (!e || 'free' in e) return;
    if ('offset' in e) {
      const { ref: found, object } = this.reader.indirectAt(e.offset);
      if (found.objectNumber !== ref.objectNumber) throw new LazyXrefError(`xref points ${ref.objectNumber} at object ${found.objectNumber}`);
      this.set(found, object);
      return;
    }
    const container = this.xref.get(e.stream);
    if (!container || !('offset' in container)) throw new LazyXrefError('object stream not found');
    const { ref: sref, object } = this.reader.indirectAt(container.offset);
    if (sref.objectNumber !== e.stream || !(object instanceof PDFRawStream) || object.dict.get(PDFName.of('Type')) !== PDFName.of('ObjStm')) {
      throw new LazyXrefError('not an object stream');
    }
    this.unpacking = e.stream;
    let failed: unknown;
    try {
      // Without a tick callback the parser never awaits: the whole stream is unpacked before this returns.
      PDFObjectStreamParser.forStream(object)
        .parseIntoContext()
        .catch((err: unknown) => (failed = err));
    } finally {
      this.unpacking = undefined;
    }
    if (failed) throw new LazyXrefError('unreadable object stream');
  }
}

function trailerValue(t: PDFDict, key: string): PDFObject | undefined {
  return t.get(PDFName.of(key));
}

/** Offset after `startxref` in the last 2 KB (assertXrefUsable has already checked its shape). */
export function lastStartXref(pdf: Uint8Array): number {
  const tail = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength).subarray(Math.max(0, pdf.length - 2048)).toString('latin1');
  const m = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(tail);
  if (!m) throw new LazyXrefError('no startxref');
  return Number(m[1]);
}

/** One cross-reference section of the /Prev chain, as pdf-lib's parsers read it. */
interface XrefSection {
  at: number;
  entries: [number, Entry][];
  trailer: PDFDict;
  /** A classic table: where its trailer ends. An xref stream: its object number (its end is read on demand). */
  end?: number;
  streamObject?: number;
  /** The /XRefStm stream of a hybrid-reference file (ISO 32000-1 §7.5.8.4), read after its table. */
  hybrid?: boolean;
}

/**
 * Every xref section of the chain from the last `startxref`, newest first: classic tables (with a
 * hybrid file's /XRefStm stream after its table) and xref streams, whose PNG predictor is undone
 * first (withoutPredictor). Throws LazyXrefError on a loop, an offset outside the file or a section
 * that is neither.
 */
function* xrefChain(pdf: Uint8Array, reader: OffsetReader, ctx: PDFContext): Generator<XrefSection> {
  const streamAt = (at: number, hybrid: boolean): XrefSection => {
    const { ref, object } = reader.indirectAt(at);
    if (!(object instanceof PDFRawStream) || object.dict.get(PDFName.of('Type')) !== PDFName.of('XRef')) throw new LazyXrefError('startxref is neither a table nor a stream');
    const saved = ctx.trailerInfo;
    const parsed = PDFXRefStreamParser.forStream(withoutPredictor(object)).parseIntoContext();
    ctx.trailerInfo = saved;
    const entries = parsed.map((e): [number, Entry] => [e.ref.objectNumber, e.deleted ? { free: true } : e.inObjectStream ? { stream: e.offset } : { offset: e.offset }]);
    return { at, entries, trailer: object.dict, streamObject: ref.objectNumber, hybrid };
  };
  const seen = new Set<number>();
  let at: number | undefined = lastStartXref(pdf);
  while (at !== undefined) {
    if (seen.has(at) || seen.size > 4096 || !(at > 0 && at < pdf.length)) throw new LazyXrefError('bad /Prev chain');
    seen.add(at);
    const table = reader.tableAt(at);
    const section: XrefSection = table ? { at, ...table } : streamAt(at, false);
    yield section;
    const hybrid = section.trailer.get(PDFName.of('XRefStm'));
    if (table && hybrid instanceof PDFNumber) yield streamAt(hybrid.asNumber(), true);
    const prev: PDFObject | undefined = section.trailer.get(PDFName.of('Prev'));
    at = prev instanceof PDFNumber ? prev.asNumber() : undefined;
  }
}

export interface LazyPdf {
  doc: PDFDocument;
  /** Offsets of every xref section of the chain, newest first. */
  sections: number[];
}

/**
 * A PDFDocument over `pdf` that parses objects on demand. `forIncrementalUpdate` matches
 * PDFDocument.load's option of the same name (snapshot taken, commit() available).
 */
export function openLazy(pdf: Uint8Array, forIncrementalUpdate: boolean): LazyPdf {
  const ctx = PDFContext.create();
  // As PDFParser does without a decryption key: an /Encrypt entry then stays visible to callers.
  ctx.isDecrypted = false;
  const reader = OffsetReader.over(pdf, ctx);
  const xref = new Map<number, Entry>();
  const sections: number[] = [];
  const trailer: PDFContext['trailerInfo'] = {};
  let size = 0;
  for (const section of xrefChain(pdf, reader, ctx)) {
    // Hybrid-reference files: rare, and the full parse handles them.
    if (section.hybrid) throw new LazyXrefError('hybrid xref');
    sections.push(section.at);
    for (const [n, e] of section.entries) if (!xref.has(n)) xref.set(n, e);
    const t = section.trailer;
    for (const k of ['Root', 'Encrypt', 'Info', 'ID'] as const) if (trailer[k] === undefined && trailerValue(t, k) !== undefined) trailer[k] = trailerValue(t, k);
    const s = t.get(PDFName.of('Size'));
    if (s instanceof PDFNumber) {
      if (!trailer.Size) trailer.Size = s;
      size = Math.max(size, s.asNumber());
    }
  }
  if (!trailer.Root) throw new LazyXrefError('no /Root');
  const objects = new LazyObjects(xref, reader);
  (ctx as unknown as { indirectObjects: Map<PDFRef, PDFObject> }).indirectObjects = objects;
  ctx.trailerInfo = trailer;
  ctx.largestObjectNumber = Math.max(size - 1, ...xref.keys());
  ctx.pdfFileDetails.pdfSize = pdf.length;
  ctx.pdfFileDetails.prevStartXRef = sections[0]!;
  if (forIncrementalUpdate) ctx.pdfFileDetails.originalBytes = pdf;
  // The constructor is private in the typings only; load() does the same after its full parse.
  const Doc = PDFDocument as unknown as new (c: PDFContext, ignoreEncryption: boolean, updateMetadata: boolean, preserveXFA: boolean) => PDFDocument;
  const doc = new Doc(ctx, true, false, false);
  if (!(doc.catalog instanceof PDFDict)) throw new LazyXrefError('/Root is not a dictionary');
  if (forIncrementalUpdate) doc.takeSnapshot();
  return { doc, sections };
}

/**
 * The first byte at or after `from` (up to the last %%EOF) that no revision accounts for, or
 * undefined. Accounted for: every xref section of the /Prev chain (a table with its trailer, an xref
 * stream, a hybrid file's /XRefStm) and every object an in-use entry of any section points at, each
 * read with pdf-lib's parsers as openLazy reads them; between them only whitespace, comments and
 * `startxref <n>`. Bytes outside all of these are ignored by a reader that follows the xref data,
 * yet a reader that rebuilds a damaged file by scanning would take an object hidden there: they are
 * not part of any revision, so nobody signed or updated them. Throws LazyXrefError when the chain
 * cannot be read.
 */
export function firstStrayByte(pdf: Uint8Array, from: number): number | undefined {
  const to = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength).lastIndexOf('%%EOF');
  if (to < from) return undefined;
  const ctx = PDFContext.create();
  ctx.isDecrypted = false;
  const reader = OffsetReader.over(pdf, ctx);
  try {
    const spans: [number, number][] = [];
    // offset → the object number an xref entry says is there (checked when read).
    const offsets = new Map<number, number>();
    for (const section of xrefChain(pdf, reader, ctx)) {
      for (const [n, e] of section.entries) if ('offset' in e) offsets.set(e.offset, n);
      if (section.at >= from) spans.push([section.at, section.end ?? reader.objectEndAt(section.at, section.streamObject!)]);
    }
    for (const [o, n] of offsets) {
      if (o >= pdf.length) throw new LazyXrefError(`object ${n} beyond the end of the file`);
      if (o >= from) spans.push([o, reader.objectEndAt(o, n)]);
    }
    spans.sort((a, b) => a[0] - b[0]);
    let cursor = from;
    for (const [start, end] of [...spans, [to, to] as [number, number]]) {
      if (start > cursor) {
        const stray = reader.firstStrayByte(cursor, start);
        if (stray !== undefined) return stray;
      }
      cursor = Math.max(cursor, end);
    }
    return undefined;
  } catch (err) {
    throw err instanceof LazyXrefError ? err : new LazyXrefError(err instanceof Error ? err.message : String(err));
  }
}

/**
 * An xref stream with its PNG predictor undone (ISO 32000-1 §7.4.4.4, the PNG filter types of
 * RFC 2083 §6): pdf-lib decodes FlateDecode but ignores /DecodeParms, and Acrobat and Word write
 * their xref streams with /Predictor 12 — read as is, the offsets would be made up. This is the
 * filter's arithmetic only; the stream is still parsed by pdf-lib's PDFXRefStreamParser. Other
 * predictors (TIFF) or sample sizes throw LazyXrefError.
 */
function withoutPredictor(stream: PDFRawStream): PDFRawStream {
  const parms = stream.dict.lookup(PDFName.of('DecodeParms'));
  const predictor = parms instanceof PDFDict ? parms.lookup(PDFName.of('Predictor')) : undefined;
  if (!(predictor instanceof PDFNumber) || predictor.asNumber() === 1) return stream;
  if (predictor.asNumber() < 10) throw new LazyXrefError('xref stream with a TIFF predictor');
  const num = (key: string, fallback: number) => {
    const v = (parms as PDFDict).lookup(PDFName.of(key));
    return v instanceof PDFNumber ? v.asNumber() : fallback;
  };
  const columns = num('Columns', 1);
  if (num('Colors', 1) !== 1 || num('BitsPerComponent', 8) !== 8 || !(columns >= 1 && columns <= 64)) throw new LazyXrefError('xref stream predictor parameters');
  const data = decodePDFRawStream(stream).decode();
  const rows = Math.floor(data.length / (columns + 1));
  const out = new Uint8Array(rows * columns);
  let prev = new Uint8Array(columns);
  for (let r = 0; r < rows; r++) {
    const type = data[r * (columns + 1)]!;
    const src = data.subarray(r * (columns + 1) + 1, (r + 1) * (columns + 1));
    const cur = out.subarray(r * columns, (r + 1) * columns);
    for (let x = 0; x < columns; x++) {
      const a = x > 0 ? cur[x - 1]! : 0;
      const b = prev[x]!;
      const c = x > 0 ? prev[x - 1]! : 0;
      let v = src[x]!;
      if (type === 1) v += a;
      else if (type === 2) v += b;
      else if (type === 3) v += (a + b) >> 1;
      else if (type === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (type !== 0) throw new LazyXrefError('bad PNG predictor row');
      cur[x] = v & 0xff;
    }
    prev = cur;
  }
  const dict = stream.dict.clone(stream.dict.context);
  dict.delete(PDFName.of('Filter'));
  dict.delete(PDFName.of('DecodeParms'));
  return PDFRawStream.of(dict, out);
}
