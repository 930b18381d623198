// The PAdES core: add a signature field (with its appearance) as an incremental update, reserve a
// /Contents placeholder, splice the byte range with @signpdf/signpdf, then embed a CMS built by
// cms.ts. Baseline B-B (ETSI EN 319 142-1): SubFilter ETSI.CAdES.detached, SHA-256, ESS
// signing-certificate-v2, claimed time in /M; B-T when a TSA adds a signature timestamp.
// Split into prepare/complete so an external signer (USB token, remote service) can sign the
// signed-attributes in between; local keys just run both halves.
import { createHash } from 'node:crypto';
import { PDFHexString, PDFName, PDFRef, PDFString } from '@cantoo/pdf-lib';
import { embedPngCached } from './appearance-cache.ts';
import { SignPdf, Signer } from '@signpdf/signpdf';
import { AppError } from '../errors.ts';
import { buildSignedData, signedAttributesDer, signatureValueOf } from './cms.ts';
import type { KeySource } from './key-source.ts';
import { assertCertificateUsable } from './key-source.ts';
import { acroForm, appendToArray, creatingObjects, font, saveUpdate, lookupArray, lookupDict, lookupNumber, openForUpdate, uniqueFieldName, type FontStyle, type OpenedPdf } from './pdf-document.ts';
import { requestTimestamp } from './tsa-client.ts';
import { pdfDate } from './vn-format.ts';
import { parseCertificate, readName } from './pki-util.ts';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** What to draw in a widget appearance; coordinates relative to the widget's lower-left corner. */
export type AppearanceItem =
  | { kind: 'image'; png: Uint8Array; x: number; y: number; width: number; height: number }
  | { kind: 'text'; text: string; font: FontStyle; size: number; x: number; y: number; color?: [number, number, number]; align?: 'left' | 'right' | 'center' }
  | { kind: 'rect'; x: number; y: number; width: number; height: number; fill: [number, number, number] };

export interface SignatureFieldSpec {
  pageIndex: number;
  rect: Rect;
  appearance: AppearanceItem[];
  /** Field name prefix: the role, e.g. "LanhDao", "CoQuan", "DinhKem". A unique suffix is added. */
  fieldPrefix: string;
  reason: string;
  location?: string;
  contactInfo?: string;
  signingTime: Date;
  /** Bytes reserved for the CMS (hex doubles it). 16 KB fits a 3-certificate chain plus a timestamp. */
  placeholderBytes?: number;
  /** Serials (hex) known to be revoked: signing with one of them is refused. */
  revokedSerials?: Set<string>;
}

export interface PreparedSignature {
  /** The PDF with the field added, ByteRange filled and /Contents zeroed. */
  pdf: Buffer;
  /** The same bytes as `pdf` in order (the untouched original, then the update). */
  parts: Uint8Array[];
  fieldName: string;
  contentsOffset: number; // index of the first hex digit inside <...>
  contentsHexLength: number;
  byteRange: [number, number, number, number];
  contentDigest: Buffer; // SHA-256 over the byte range
  chain: Buffer[];
  /** DER (SET) of the CMS signed attributes: the bytes to sign with SHA-256. */
  toBeSigned: Buffer;
  /** SHA-256 of toBeSigned, for signers that take a pre-computed hash (raw PKCS#1/ECDSA over digest). */
  toBeSignedDigest: Buffer;
  signingTime: Date;
}

export interface SignResult {
  /** The signed PDF as one buffer (built on first access when the result is kept in parts). */
  pdf: Buffer;
  /**
   * The same bytes in order: the input, untouched, then the appended update. Write these one after
   * the other (CLI, blob store) to avoid copying a large file into a new buffer.
   */
  parts: Uint8Array[];
  fieldName: string;
  signingTime: Date;
  timestamped: boolean;
}

const DEFAULT_PLACEHOLDER = 16384;

function colorOps(c: [number, number, number] | undefined, stroke = false): string {
  const [r, g, b] = c ?? [0, 0, 0];
  return `${r} ${g} ${b} ${stroke ? 'RG' : 'rg'}`;
}
const n = (v: number) => (Math.round(v * 1000) / 1000).toString();

/**
 * The /Contents placeholder: `digits` zeros between < and >, as PDFHexString.of('0'.repeat(digits))
 * writes it (same value, same bytes), filled with one memset instead of pdf-lib's character-by-
 * character copy of a 32 KB string into every update.
 */
class ZeroHexPlaceholder extends PDFHexString {
  constructor(private readonly digits: number) {
    super('0'.repeat(digits));
  }

  override copyBytesInto(buffer: Uint8Array, offset: number): number {
    buffer[offset] = 0x3c; // <
    buffer.fill(0x30, offset + 1, offset + 1 + this.digits); // 0
    buffer[offset + 1 + this.digits] = 0x3e; // >
    return this.digits + 2;
  }
}

/** Builds a Form XObject for the items and returns its ref. Text is NFC: pdf-lib does not position combining marks. */
export async function buildAppearance(o: OpenedPdf, width: number, height: number, items: AppearanceItem[]): Promise<PDFRef> {
  return creatingObjects(o.doc, () => buildAppearanceObjects(o, width, height, items));
}

async function buildAppearanceObjects(o: OpenedPdf, width: number, height: number, items: AppearanceItem[]): Promise<PDFRef> {
  const { doc } = o;
  const xobjects: Record<string, PDFRef> = {};
  const fonts: Record<string, PDFRef> = {};
  const ops: string[] = [];
  let imgNo = 0;
  for (const item of items) {
    if (item.kind === 'rect') {
      ops.push(`q ${colorOps(item.fill)} ${n(item.x)} ${n(item.y)} ${n(item.width)} ${n(item.height)} re f Q`);
    } else if (item.kind === 'image') {
      const name = `Im${++imgNo}`;
      xobjects[name] = await embedPngCached(doc.context, item.png);
      ops.push(`q ${n(item.width)} 0 0 ${n(item.height)} ${n(item.x)} ${n(item.y)} cm /${name} Do Q`);
    } else {
      const f = await font(o, item.font);
      const name = `F${item.font[0]!.toUpperCase()}`;
      fonts[name] = f.ref;
      const text = item.text.normalize('NFC');
      const w = f.widthOfTextAtSize(text, item.size);
      const x = item.align === 'right' ? item.x - w : item.align === 'center' ? item.x - w / 2 : item.x;
      ops.push(`BT ${colorOps(item.color)} /${name} ${n(item.size)} Tf ${n(x)} ${n(item.y)} Td ${f.encodeText(text).toString()} Tj ET`);
    }
  }
  const resources: Record<string, unknown> = {};
  if (Object.keys(xobjects).length) resources.XObject = xobjects;
  if (Object.keys(fonts).length) resources.Font = fonts;
  // Not compressed: these are a few hundred bytes of operators (text as glyph ids in hex), and
  // deflating them (pdf-lib's fflate sets up its tables on every call; zlib allocates its window)
  // cost more than the rest of the appearance while saving about a hundred bytes.
  const stream = doc.context.stream(ops.join('\n'), {
    Type: 'XObject',
    Subtype: 'Form',
    BBox: [0, 0, width, height],
    Resources: resources as never,
  });
  return doc.context.register(stream);
}

/** Adds the signature field + widget + placeholder to an opened document and commits the update. */
async function addSignatureField(o: OpenedPdf, spec: SignatureFieldSpec, signerName: string): Promise<{ original: Uint8Array; update: Buffer; fieldName: string }> {
  const fieldName = await creatingObjects(o.doc, () => addFieldObjects(o, spec, signerName));
  // Object streams would hide /Contents from the splicer; keep the update as a classic xref section.
  return { ...(await saveUpdate(o)), fieldName };
}

/** The signature dictionary, widget and appearance; the page's /Annots and the form's /Fields marked changed. */
async function addFieldObjects(o: OpenedPdf, spec: SignatureFieldSpec, signerName: string): Promise<string> {
  const { doc } = o;
  const page = doc.getPage(spec.pageIndex);
  const fieldName = uniqueFieldName(doc, spec.fieldPrefix, spec.signingTime);
  const size = spec.placeholderBytes ?? DEFAULT_PLACEHOLDER;
  const ctx = doc.context;
  // ByteRange before Contents: @signpdf looks for "/Contents " after the ByteRange placeholder.
  const sig = ctx.obj({
    Type: 'Sig',
    Filter: 'Adobe.PPKLite',
    SubFilter: 'ETSI.CAdES.detached',
    ByteRange: [0, PDFName.of('**********'), PDFName.of('**********'), PDFName.of('**********')],
    Contents: new ZeroHexPlaceholder(size * 2),
    M: PDFString.of(pdfDate(spec.signingTime)),
    // Text strings as UTF-16BE hex (FEFF…) so Vietnamese names survive every reader.
    Name: PDFHexString.fromText(signerName.normalize('NFC')),
    Reason: PDFHexString.fromText(spec.reason.normalize('NFC')),
    ...(spec.location ? { Location: PDFHexString.fromText(spec.location.normalize('NFC')) } : {}),
    ...(spec.contactInfo ? { ContactInfo: PDFHexString.fromText(spec.contactInfo.normalize('NFC')) } : {}),
    Prop_Build: { App: { Name: PDFName.of('VanThu') } },
  });
  const sigRef = ctx.register(sig);
  const { x, y, width, height } = spec.rect;
  const ap = spec.appearance.length ? await buildAppearance(o, width, height, spec.appearance) : await buildAppearance(o, 0, 0, []);
  const widget = ctx.obj({
    Type: 'Annot',
    Subtype: 'Widget',
    FT: 'Sig',
    T: PDFHexString.fromText(fieldName),
    V: sigRef,
    // Print (4) + Locked (128): the appearance must not be moved or deleted.
    F: 132,
    Rect: spec.appearance.length ? [x, y, x + width, y + height] : [0, 0, 0, 0],
    P: page.ref,
    AP: { N: ap },
  });
  const widgetRef = ctx.register(widget);
  appendToArray(doc, page.node, page.ref, 'Annots', widgetRef);
  const form = acroForm(doc, true);
  appendToArray(doc, form.dict, form.ref, 'Fields', widgetRef);
  return fieldName;
}

class DigestCapturingSigner extends Signer {
  digest?: Buffer;
  override async sign(pdfBuffer: Buffer): Promise<Buffer> {
    this.digest = createHash('sha256').update(pdfBuffer).digest();
    // Placeholder content; the real CMS is written in place by completeSignature.
    return Buffer.alloc(1);
  }
}

/** Files from this size on are spliced in place instead of through SignPdf (see spliceInPlace). */
export const IN_PLACE_SPLICE_FROM_BYTES = 4 * 1024 * 1024;

interface Spliced {
  pdf: Buffer;
  byteRange: [number, number, number, number];
  contentDigest: Buffer;
}

/** @signpdf/signpdf: fills /ByteRange and hands the covered bytes to a signer (3 full-file copies). */
export async function spliceWithSignPdf(withField: Buffer): Promise<Spliced> {
  const capturing = new DigestCapturingSigner();
  const pdf = await new SignPdf().sign(withField, capturing);
  const brAt = pdf.lastIndexOf('/ByteRange [');
  const brEnd = pdf.indexOf(']', brAt);
  const byteRange = pdf
    .subarray(brAt + 12, brEnd)
    .toString('latin1')
    .trim()
    .split(/\s+/)
    .map(Number) as [number, number, number, number];
  return { pdf, byteRange, contentDigest: capturing.digest! };
}

/**
 * The same splice as SignPdf.sign (same trailing-newline handling, same ByteRange text and
 * padding, zero-filled /Contents), done in place on the update section saveUpdate() just produced
 * (the placeholder is always in it), hashing the original bytes and the two ranges of the update
 * without concatenating anything. SignPdf copies the whole file three times, which costs ≈ 100 ms
 * and most of the GC time on a 20 MB PDF; here the original is only hashed, never copied.
 * A unit test checks the result is byte-identical to SignPdf's.
 */
export function spliceParts(original: Uint8Array, withField: Buffer): Spliced & { update: Buffer } {
  let end = withField.length;
  if (withField[end - 1] === 0x0a) end--;
  if (withField[end - 1] === 0x0d) end--;
  const pdf = withField.subarray(0, end);
  if (pdf.subarray(end - 6).toString('latin1') !== '\n%%EOF' && pdf.subarray(end - 6).toString('latin1') !== '\r%%EOF') {
    throw new Error('A PDF file must end with an EOF line.');
  }
  const pos = pdf.lastIndexOf('/ByteRange');
  const rangeEnd = pdf.indexOf(']', pos);
  const placeholder = pdf.subarray(pos, rangeEnd + 1).toString('latin1');
  if (pos < 0 || !/^\/ByteRange\s*\[\s*0\s+\/\*{10}\s+\/\*{10}\s+\/\*{10}\s*\]$/.test(placeholder)) {
    throw new Error('No ByteRange placeholder found.');
  }
  const contentsTag = pdf.indexOf('/Contents ', rangeEnd);
  const open = pdf.indexOf('<', contentsTag);
  const close = pdf.indexOf('>', open);
  const base = original.length;
  const byteRange: [number, number, number, number] = [0, base + open, base + close + 1, end - (close + 1)];
  const actual = `/ByteRange [${byteRange.join(' ')}]`;
  if (actual.length > placeholder.length) throw new Error('ByteRange placeholder too short.');
  pdf.write(actual.padEnd(placeholder.length, ' '), pos, 'latin1');
  const contentDigest = createHash('sha256').update(original).update(pdf.subarray(0, open)).update(pdf.subarray(close + 1)).digest();
  return { pdf, update: pdf, byteRange, contentDigest };
}

/** spliceParts on a whole file (the placeholder update already appended). */
export function spliceInPlace(withField: Buffer): Spliced {
  const { pdf, byteRange, contentDigest } = spliceParts(new Uint8Array(0), withField);
  return { pdf, byteRange, contentDigest };
}

/** A result kept as parts, materialised into one buffer only if someone asks for `.pdf`. */
function joinedLazily<T extends object>(target: T, parts: Uint8Array[]): T & { pdf: Buffer; parts: Uint8Array[] } {
  let joined: Buffer | undefined;
  return Object.defineProperties(target, {
    parts: { value: parts, enumerable: true },
    pdf: {
      enumerable: true,
      get: () => (joined ??= parts.length === 1 ? Buffer.from(parts[0]!.buffer, parts[0]!.byteOffset, parts[0]!.byteLength) : Buffer.concat(parts)),
    },
  }) as T & { pdf: Buffer; parts: Uint8Array[] };
}

/**
 * First half: adds the field, fills the ByteRange, hashes the covered bytes and builds the signed
 * attributes. Nothing is signed yet.
 */
export async function prepareSignature(pdf: Uint8Array, spec: SignatureFieldSpec, chain: Buffer[], opened?: OpenedPdf): Promise<PreparedSignature> {
  const signerCert = chain[0];
  if (!signerCert) throw new AppError('validation', 'Thiếu chứng thư số của người ký');
  assertCertificateUsable(signerCert, spec.signingTime, spec.revokedSerials);
  const o = opened ?? (await openForUpdate(pdf, 'sign'));
  const signerName = readName(parseCertificate(signerCert).subject).commonName ?? '';
  const { original, update: withField, fieldName } = await addSignatureField(o, spec, signerName);
  let spliced: ReturnType<typeof spliceParts>;
  try {
    spliced = spliceParts(original, withField);
  } catch (e) {
    throw new AppError('validation', `Không tạo được chỗ ký trong tệp PDF: ${e instanceof Error ? e.message : String(e)}`);
  }
  const { byteRange, contentDigest } = spliced;
  const toBeSigned = signedAttributesDer({ contentDigest, signerCertDer: signerCert });
  return joinedLazily({
    fieldName,
    contentsOffset: byteRange[1] + 1,
    contentsHexLength: byteRange[2] - byteRange[1] - 2,
    byteRange,
    contentDigest,
    chain,
    toBeSigned,
    toBeSignedDigest: createHash('sha256').update(toBeSigned).digest(),
    signingTime: spec.signingTime,
  }, [original, spliced.update]);
}

export interface CompleteOptions {
  /** RFC 3161 TSA URL: adds a signature timestamp (PAdES B-T). */
  tsaUrl?: string;
}

/** Second half: wraps the signature value into CMS (+ timestamp) and writes it into /Contents. */
export async function completeSignature(prepared: PreparedSignature, signatureValue: Uint8Array, opts: CompleteOptions = {}, inPlace = false): Promise<SignResult> {
  const signature = Buffer.from(signatureValue);
  const base = { contentDigest: prepared.contentDigest, signerCertDer: prepared.chain[0]!, chain: prepared.chain, signature, signedAttributes: prepared.toBeSigned };
  let cms = buildSignedData(base);
  let timestamped = false;
  if (opts.tsaUrl) {
    const token = await requestTimestamp(opts.tsaUrl, signatureValueOf(cms));
    cms = buildSignedData({ ...base, timestampToken: token });
    timestamped = true;
  }
  const hex = cms.toString('hex');
  if (hex.length > prepared.contentsHexLength) {
    throw new AppError('validation', `Chữ ký số (${cms.length} byte) vượt quá chỗ dành sẵn trong tệp PDF`);
  }
  // A prepared signature handed to a caller may be kept or retried: write into a copy. Our own
  // one-shot path (signWithKey) writes in place, into the update part only (the CMS is always in it).
  const result = { fieldName: prepared.fieldName, signingTime: prepared.signingTime, timestamped };
  const last = prepared.parts[prepared.parts.length - 1]!;
  const lastStart = prepared.parts.slice(0, -1).reduce((a, p) => a + p.length, 0);
  if (inPlace && prepared.contentsOffset >= lastStart) {
    Buffer.from(last.buffer, last.byteOffset, last.byteLength).write(hex, prepared.contentsOffset - lastStart, 'latin1');
    return joinedLazily(result, prepared.parts);
  }
  const out = Buffer.from(prepared.pdf);
  out.write(hex, prepared.contentsOffset, 'latin1');
  return joinedLazily(result, [out]);
}

/** One call for keys we can use directly (local PKCS#12 or any KeySource). */
export async function signWithKey(pdf: Uint8Array, spec: SignatureFieldSpec, key: KeySource, opts: CompleteOptions = {}, opened?: OpenedPdf): Promise<SignResult> {
  const chain = await key.certificateChain();
  const prepared = await prepareSignature(pdf, spec, chain, opened);
  const signature = await key.sign(prepared.toBeSigned);
  return completeSignature(prepared, signature, opts, true);
}

/** Existing signature widgets (for placing the seal over the leader's signature). */
export function findSignatureWidgets(o: OpenedPdf): { name: string; pageIndex: number; rect: Rect }[] {
  const out: { name: string; pageIndex: number; rect: Rect }[] = [];
  const pages = o.doc.getPages();
  pages.forEach((page, pageIndex) => {
    const annots = page.node.Annots();
    for (let i = 0; annots && i < annots.size(); i++) {
      const a = lookupDict(o.doc.context, annots.get(i));
      if (!a || a.get(PDFName.of('FT'))?.toString() !== '/Sig') continue;
      const t = a.get(PDFName.of('T'));
      const name = t && 'decodeText' in t ? (t as unknown as { decodeText(): string }).decodeText() : '';
      const r = lookupArray(o.doc.context, a.get(PDFName.of('Rect')));
      if (!r) continue;
      const nums = [0, 1, 2, 3].map((k) => (lookupNumber(o.doc.context, r.get(k))?.asNumber() ?? 0));
      out.push({ name, pageIndex, rect: { x: Math.min(nums[0]!, nums[2]!), y: Math.min(nums[1]!, nums[3]!), width: Math.abs(nums[2]! - nums[0]!), height: Math.abs(nums[3]! - nums[1]!) } });
    }
  });
  return out;
}

/**
 * Splits a prepared signature for storage between the two requests of an external signing
 * round-trip: the PDF bytes (for the blob store) and small JSON metadata (for the database).
 */
export function exportPrepared(p: PreparedSignature): { pdf: Buffer; meta: Record<string, unknown> } {
  const b64 = (b: Buffer) => b.toString('base64');
  return {
    pdf: p.pdf,
    meta: {
      fieldName: p.fieldName,
      contentsOffset: p.contentsOffset,
      contentsHexLength: p.contentsHexLength,
      byteRange: p.byteRange,
      contentDigest: b64(p.contentDigest),
      chain: p.chain.map(b64),
      toBeSigned: b64(p.toBeSigned),
      toBeSignedDigest: b64(p.toBeSignedDigest),
      signingTime: p.signingTime.toISOString(),
    },
  };
}

export function importPrepared(pdf: Uint8Array, meta: Record<string, unknown>): PreparedSignature {
  const buf = (v: unknown) => Buffer.from(String(v), 'base64');
  const m = meta as Record<string, never>;
  const whole = Buffer.from(pdf);
  const prepared: PreparedSignature = {
    pdf: whole,
    parts: [whole],
    fieldName: String(m.fieldName),
    contentsOffset: Number(m.contentsOffset),
    contentsHexLength: Number(m.contentsHexLength),
    byteRange: (m.byteRange as unknown as number[]).map(Number) as [number, number, number, number],
    contentDigest: buf(m.contentDigest),
    chain: (m.chain as unknown as string[]).map(buf),
    toBeSigned: buf(m.toBeSigned),
    toBeSignedDigest: buf(m.toBeSignedDigest),
    signingTime: new Date(String(m.signingTime)),
  };
  // The stored PDF must still hash to the digest the signer is about to sign.
  const [a, b, c, d] = prepared.byteRange;
  const digest = createHash('sha256').update(prepared.pdf.subarray(a, a + b)).update(prepared.pdf.subarray(c, c + d)).digest();
  if (!digest.equals(prepared.contentDigest) || c + d !== prepared.pdf.length) {
    throw new AppError('validation', 'Tệp PDF đang chờ ký đã bị thay đổi; hãy chuẩn bị ký lại');
  }
  return prepared;
}
