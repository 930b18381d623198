// One entry point per signing operation of the outgoing-document flow (DOMAIN.md §3 "Outgoing",
// §4): leader signs → clerk stamps number and date → agency seal signature; attachments get an
// agency signature without image. Every step is an incremental update: earlier signatures stay valid.
import { PNG } from 'pngjs';
import { PDFHexString, PDFString, type PDFDocument } from '@cantoo/pdf-lib';
import { AppError } from '../errors.ts';
import { revokedSerialsFor, type KeySource } from './key-source.ts';
import { appendToArray, commitIncremental, openForUpdate, font, withParseFallback, type OpenedPdf } from './pdf-document.ts';
import {
  buildAppearance,
  completeSignature,
  findSignatureWidgets,
  prepareSignature,
  signWithKey,
  type AppearanceItem,
  type PreparedSignature,
  type Rect,
  type SignResult,
  type SignatureFieldSpec,
} from './pades-signer.ts';
import { parseCertificate, readName } from './pki-util.ts';
import { extractLines, findLines, type TextLine } from './text-locator.ts';
import { isoVietnam, pdfDate, placeDateLine, searchKey } from './vn-format.ts';

const MM = 72 / 25.4;

export const FIELD_PREFIX = { leader: 'LanhDao', agency: 'CoQuan', attachment: 'DinhKem' } as const;

/** A fixed place on a page, used when the text layout cannot be found. Page -1 = last page. */
export interface FallbackPosition {
  pageIndex?: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface CommonSignOptions {
  /** Claimed signing time (/M); defaults to now. */
  signingTime?: Date;
  /** RFC 3161 TSA URL: PAdES B-T instead of B-B. */
  tsaUrl?: string;
  reason?: string;
  location?: string;
  /** CRLs of the issuing CA: a revoked signer certificate is refused before anything is written. */
  crls?: (Uint8Array | string)[];
}

export interface LeaderSignOptions extends CommonSignOptions {
  /** Chức vụ line above the signature, e.g. "CHỦ TỊCH" (Decree 30/2020 Appendix I, item 7). */
  position: string;
  /** Full name printed under the signature; defaults to the certificate's common name. */
  signerName?: string;
  /** Blue PNG with transparent background. */
  signatureImage: Uint8Array;
  /** Largest width of the drawn image; it also shrinks to fit between the two lines. */
  maxImageWidthMm?: number;
  fallback?: FallbackPosition;
}

export interface AgencySignOptions extends CommonSignOptions {
  /** Red round seal PNG with transparent background. */
  sealImage: Uint8Array;
  /** Real diameter of the seal (Decree 99/2016 seal sizes: 34–36 mm for most agencies). */
  sealDiameterMm?: number;
  /** Name drawn with the time; defaults to the certificate's O or CN. */
  agencyName?: string;
  /** Field name of the leader's signature to overlap; defaults to the last leader signature. */
  leaderFieldName?: string;
  fallback?: FallbackPosition;
}

export interface AttachmentSignOptions extends CommonSignOptions {
  /** Số ký hiệu of the main document, e.g. "15/QĐ-UBND". */
  notation: string;
  agencyName?: string;
}

export interface StampNumberOptions {
  /** Full number and notation, e.g. "15/QĐ-UBND". */
  number: string;
  /** Date of issue, YYYY-MM-DD (Vietnam calendar date). */
  date: string;
  /** Place name for the date line ("Nghệ An"); defaults to the one already in the template line. */
  place?: string;
  /** Overrides when the template lines are not found: baseline of each line on page 1. */
  numberAt?: { x: number; y: number; size?: number };
  dateAt?: { x: number; y: number; size?: number };
}

function pngSize(png: Uint8Array): { width: number; height: number } {
  try {
    const meta = PNG.sync.read(Buffer.from(png));
    return { width: meta.width, height: meta.height };
  } catch {
    throw new AppError('validation', 'Ảnh chữ ký/con dấu không phải tệp PNG hợp lệ');
  }
}

function certNames(chain: Buffer[]): { commonName: string; organization?: string } {
  const n = readName(parseCertificate(chain[0]!).subject);
  return { commonName: n.commonName ?? '', organization: n.organization };
}

function resolveFallback(doc: PDFDocument, f: FallbackPosition): { pageIndex: number; rect: Rect } {
  const count = doc.getPageCount();
  const pageIndex = f.pageIndex === undefined || f.pageIndex < 0 ? count - 1 : Math.min(f.pageIndex, count - 1);
  return { pageIndex, rect: { x: f.x, y: f.y, width: f.width, height: f.height } };
}

type Plan = { spec: SignatureFieldSpec; opened: OpenedPdf };

async function withRevocation(plan: Plan, chain: Buffer[], o: CommonSignOptions): Promise<Plan> {
  if (o.crls?.length) plan.spec.revokedSerials = await revokedSerialsFor(chain, o.crls);
  return plan;
}

async function planLeader(pdf: Uint8Array, o: LeaderSignOptions, chain: Buffer[]): Promise<Plan> {
  const opened = await openForUpdate(pdf, 'sign');
  const signingTime = o.signingTime ?? new Date();
  const name = (o.signerName ?? certNames(chain).commonName).normalize('NFC');
  const img = pngSize(o.signatureImage);
  const aspect = img.width / img.height;
  let pageIndex: number;
  let rect: Rect;
  const { lines } = await extractLines(pdf, undefined, {
    lastPageFirst: true,
    stopWhen: (pageLines) => findLines(pageLines, name, 'contains').length > 0,
  }).catch(() => ({ lines: [] as TextLine[] }));
  const nameLine = findLines(lines, name)[0] ?? findLines(lines, name, 'contains')[0];
  if (nameLine) {
    pageIndex = nameLine.pageIndex;
    const above = lines.filter(
      (l) => l.pageIndex === nameLine.pageIndex && l.y > nameLine.y + nameLine.size && l.y - nameLine.y < 250 && Math.abs(l.x + l.width / 2 - (nameLine.x + nameLine.width / 2)) < 120,
    );
    const position =
      findLines(above, o.position).sort((a, b) => a.y - b.y)[0] ?? findLines(above, o.position, 'contains').sort((a, b) => a.y - b.y)[0];
    const bottom = nameLine.y + nameLine.size * 0.95;
    const top = position ? position.y - position.size * 0.3 : bottom + 75;
    const gap = Math.max(20, top - bottom);
    const cx = position ? (position.x + position.width / 2 + nameLine.x + nameLine.width / 2) / 2 : nameLine.x + nameLine.width / 2;
    let h = gap * 0.92;
    let w = h * aspect;
    const maxW = (o.maxImageWidthMm ?? 45) * MM;
    if (w > maxW) {
      w = maxW;
      h = w / aspect;
    }
    // Decree 30/2020 Appendix I: the image sits centred between the position line and the full name.
    rect = { x: cx - w / 2, y: bottom + (gap - h) / 2, width: w, height: h };
  } else if (o.fallback) {
    ({ pageIndex, rect } = resolveFallback(opened.doc, o.fallback));
  } else {
    throw new AppError('validation', `Không tìm thấy họ tên người ký "${name}" trong văn bản để đặt chữ ký; hãy kiểm tra lại văn bản hoặc cấu hình vị trí ký`);
  }
  return {
    opened,
    spec: {
      pageIndex,
      rect,
      appearance: [{ kind: 'image', png: o.signatureImage, x: 0, y: 0, width: rect.width, height: rect.height }],
      fieldPrefix: FIELD_PREFIX.leader,
      reason: o.reason ?? `${o.position.normalize('NFC')} ký ban hành văn bản`,
      location: o.location,
      signingTime,
    },
  };
}

async function planAgency(pdf: Uint8Array, o: AgencySignOptions, chain: Buffer[]): Promise<Plan> {
  const opened = await openForUpdate(pdf, 'sign');
  const signingTime = o.signingTime ?? new Date();
  const names = certNames(chain);
  const agency = (o.agencyName ?? names.organization ?? names.commonName).normalize('NFC');
  const d = (o.sealDiameterMm ?? 36) * MM;
  const widgets = findSignatureWidgets(opened).filter((w) => w.rect.width > 0);
  const leader = o.leaderFieldName
    ? widgets.find((w) => w.name === o.leaderFieldName)
    : [...widgets].reverse().find((w) => w.name.startsWith(`${FIELD_PREFIX.leader}_`));
  let pageIndex: number;
  let sealX: number;
  let sealY: number;
  if (leader) {
    pageIndex = leader.pageIndex;
    // Decree 30/2020 Appendix I: the seal covers about the left third of the leader's signature image.
    sealX = leader.rect.x + leader.rect.width / 3 - d;
    sealY = leader.rect.y + leader.rect.height / 2 - d / 2;
  } else if (o.fallback) {
    const f = resolveFallback(opened.doc, o.fallback);
    pageIndex = f.pageIndex;
    sealX = f.rect.x;
    sealY = f.rect.y;
  } else {
    throw new AppError('validation', 'Không tìm thấy chữ ký của lãnh đạo trong văn bản để đóng dấu (cần ký lãnh đạo trước, hoặc cấu hình vị trí dấu)');
  }
  const timeText = isoVietnam(signingTime);
  const f = await font(opened, 'regular');
  const size = 6.5;
  const textW = Math.max(f.widthOfTextAtSize(agency, size), f.widthOfTextAtSize(timeText, size));
  const width = Math.max(d, textW + 2);
  const textBlock = size * 2.4;
  const red: [number, number, number] = [0.84, 0.09, 0.13];
  const items: AppearanceItem[] = [
    { kind: 'image', png: o.sealImage, x: (width - d) / 2, y: textBlock, width: d, height: d },
    { kind: 'text', text: agency, font: 'regular', size, x: width / 2, y: size * 1.3, color: red, align: 'center' },
    { kind: 'text', text: timeText, font: 'regular', size, x: width / 2, y: size * 0.2, color: red, align: 'center' },
  ];
  return {
    opened,
    spec: {
      pageIndex,
      rect: { x: sealX - (width - d) / 2, y: sealY - textBlock, width, height: d + textBlock },
      appearance: items,
      fieldPrefix: FIELD_PREFIX.agency,
      reason: o.reason ?? 'Văn thư đóng dấu, phát hành văn bản',
      location: o.location,
      signingTime,
    },
  };
}

async function planAttachment(pdf: Uint8Array, o: AttachmentSignOptions, _chain: Buffer[]): Promise<Plan> {
  const opened = await openForUpdate(pdf, 'sign');
  const signingTime = o.signingTime ?? new Date();
  const page = opened.doc.getPage(0);
  let box: { x: number; y: number; width: number; height: number };
  try {
    box = page.getCropBox();
  } catch {
    // No (inherited) MediaBox: readers assume A4 portrait, the Decree 30 paper size.
    box = { x: 0, y: 0, width: 595.28, height: 841.89 };
  }
  const f = await font(opened, 'regular');
  // Decree 30/2020 Appendix I: attachments carry no image; the main document's số ký hiệu and the
  // signing time go at the top right of page 1 in Times New Roman 10 pt, black.
  const size = 10;
  const lines = [o.notation.normalize('NFC'), isoVietnam(signingTime)];
  const w = Math.max(...lines.map((l) => f.widthOfTextAtSize(l, size))) + 2;
  const h = size * 2.5;
  const rect = { x: box.x + box.width - 15 * MM - w, y: box.y + box.height - 8 * MM - h, width: w, height: h };
  return {
    opened,
    spec: {
      pageIndex: 0,
      rect,
      appearance: [
        { kind: 'text', text: lines[0]!, font: 'regular', size, x: w - 1, y: size * 1.35, align: 'right' },
        { kind: 'text', text: lines[1]!, font: 'regular', size, x: w - 1, y: size * 0.25, align: 'right' },
      ],
      fieldPrefix: FIELD_PREFIX.attachment,
      reason: o.reason ?? `Tài liệu kèm theo văn bản số ${o.notation.normalize('NFC')}`,
      location: o.location,
      signingTime,
    },
  };
}

/**
 * Malformed PDFs make pdf-lib throw plain errors from deep inside; callers get one Vietnamese
 * AppError instead (the cause kept in details for the log), and nothing is ever written.
 */
async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await withParseFallback(fn);
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new AppError('validation', 'Tệp PDF bị lỗi cấu trúc, không thể xử lý an toàn. Hãy mở và lưu lại tệp bằng phần mềm PDF rồi thử lại', {
      cause: e instanceof Error ? e.message : String(e),
    });
  }
}

/** Leader's signature: blue image between the position line and the full name. */
export async function signAsLeader(pdf: Uint8Array, key: KeySource, options: LeaderSignOptions): Promise<SignResult> {
  return guarded(async () => {
    const chain = await key.certificateChain();
    const { spec, opened } = await withRevocation(await planLeader(pdf, options, chain), chain, options);
    return signWithKey(pdf, spec, key, { tsaUrl: options.tsaUrl }, opened);
  });
}

/** Agency's seal signature over the left third of the leader's image, with name and time. */
export async function signAsAgency(pdf: Uint8Array, key: KeySource, options: AgencySignOptions): Promise<SignResult> {
  return guarded(async () => {
    const chain = await key.certificateChain();
    const { spec, opened } = await withRevocation(await planAgency(pdf, options, chain), chain, options);
    return signWithKey(pdf, spec, key, { tsaUrl: options.tsaUrl }, opened);
  });
}

/** Agency's signature on an attachment: no image, notation + time at the top right of page 1. */
export async function signAttachment(pdf: Uint8Array, key: KeySource, options: AttachmentSignOptions): Promise<SignResult> {
  return guarded(async () => {
    const chain = await key.certificateChain();
    const { spec, opened } = await withRevocation(await planAttachment(pdf, options, chain), chain, options);
    return signWithKey(pdf, spec, key, { tsaUrl: options.tsaUrl }, opened);
  });
}

export type ExternalOperation =
  | { kind: 'leader'; options: LeaderSignOptions }
  | { kind: 'agency'; options: AgencySignOptions }
  | { kind: 'attachment'; options: AttachmentSignOptions };

/**
 * External signing, first step: returns the bytes to sign (`toBeSigned`, or its SHA-256
 * `toBeSignedDigest` for hash-only tokens). Keep the returned object (it is plain data) and call
 * `completeExternalSignature` with the signature value made elsewhere.
 */
export async function prepareExternalSignature(pdf: Uint8Array, certificateChain: Buffer[], op: ExternalOperation): Promise<PreparedSignature> {
  return guarded(() => prepareExternalInner(pdf, certificateChain, op));
}

async function prepareExternalInner(pdf: Uint8Array, certificateChain: Buffer[], op: ExternalOperation): Promise<PreparedSignature> {
  const plan =
    op.kind === 'leader'
      ? await planLeader(pdf, op.options, certificateChain)
      : op.kind === 'agency'
        ? await planAgency(pdf, op.options, certificateChain)
        : await planAttachment(pdf, op.options, certificateChain);
  await withRevocation(plan, certificateChain, op.options);
  return prepareSignature(pdf, plan.spec, certificateChain, plan.opened);
}

/** External signing, second step: embeds the CMS around `signatureValue` (PKCS#1 v1.5 or DER ECDSA). */
export async function completeExternalSignature(prepared: PreparedSignature, signatureValue: Uint8Array, options: { tsaUrl?: string } = {}): Promise<SignResult> {
  return completeSignature(prepared, signatureValue, options);
}

/**
 * Clerk's number and date (Decree 30/2020 Art. 15, Appendix I items 3 and 4) written after the
 * leader has signed.
 *
 * Why locked FreeText annotations and not page content: changing a page's content stream after a
 * signature is a "content" change that validators (Adobe, EU DSS) flag as invalidating the signed
 * document, while adding annotations in an incremental update is allowed (ISO 32000-1 §12.8.2.2,
 * DocMDP P=3 and uncertified documents) and leaves the leader's signature valid. Each annotation has
 * its own appearance (white background over the template blank, then the text), is flagged
 * Print|ReadOnly|Locked|LockedContents, and is covered by the agency signature that follows.
 * Annotation text is not page text: the number is kept in the database and indexed from there.
 */
export async function stampNumber(pdf: Uint8Array, o: StampNumberOptions): Promise<Uint8Array> {
  return guarded(() => stampNumberInner(pdf, o));
}

async function stampNumberInner(pdf: Uint8Array, o: StampNumberOptions): Promise<Uint8Array> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(o.date)) throw new AppError('validation', 'Ngày ban hành phải có dạng YYYY-MM-DD');
  if (!o.number.trim()) throw new AppError('validation', 'Thiếu số, ký hiệu văn bản');
  const opened = await openForUpdate(pdf, 'annotate');
  const { doc } = opened;
  const { lines } = await extractLines(pdf, [0]).catch(() => ({ lines: [] as TextLine[] }));
  const numberLine = lines.filter((l) => /^số\s*[:.]/.test(searchKey(l.text))).sort((a, b) => b.y - a.y)[0];
  const dateLine = lines
    .filter((l) => {
      const k = searchKey(l.text);
      return k.includes('ngày') && k.includes('tháng') && k.includes('năm');
    })
    .sort((a, b) => b.y - a.y)[0];
  const numberText = `Số: ${o.number.normalize('NFC').replace(/^số\s*:\s*/i, '')}`;
  const templatePlace = dateLine ? dateLine.text.split(',')[0]!.trim() : undefined;
  const place = o.place ?? (templatePlace && !/^ngày/i.test(templatePlace) ? templatePlace : undefined);
  if (!place) throw new AppError('validation', 'Thiếu địa danh cho dòng ngày tháng (ví dụ "Nghệ An")');
  const dateText = placeDateLine(place, o.date);

  const numAt = numberLine ? { x: numberLine.x, y: numberLine.y, size: numberLine.size, width: numberLine.width } : o.numberAt && { size: 13, width: 0, ...o.numberAt };
  const dateAt = dateLine ? { x: dateLine.x, y: dateLine.y, size: dateLine.size, width: dateLine.width } : o.dateAt && { size: 14, width: 0, ...o.dateAt };
  if (!numAt) throw new AppError('validation', 'Không tìm thấy dòng "Số: …" trong trang đầu văn bản; hãy cấu hình vị trí ghi số');
  if (!dateAt) throw new AppError('validation', 'Không tìm thấy dòng "…, ngày … tháng … năm …" trong trang đầu văn bản; hãy cấu hình vị trí ghi ngày');

  const page = doc.getPage(0);
  const now = new Date();
  const addOverlay = async (at: { x: number; y: number; size: number; width: number }, text: string, style: 'regular' | 'italic', tag: string) => {
    const f = await font(opened, style);
    const tw = f.widthOfTextAtSize(text, at.size);
    const pad = 1;
    const width = Math.max(tw, at.width) + 2 * pad;
    const height = at.size * 1.3;
    const rect = { x: at.x - pad, y: at.y - at.size * 0.3, width, height };
    const ap = await buildAppearance(opened, width, height, [
      { kind: 'rect', x: 0, y: 0, width, height, fill: [1, 1, 1] },
      { kind: 'text', text, font: style, size: at.size, x: pad, y: at.size * 0.3 },
    ]);
    const annot = doc.context.obj({
      Type: 'Annot',
      Subtype: 'FreeText',
      Rect: [rect.x, rect.y, rect.x + rect.width, rect.y + rect.height],
      Contents: PDFHexString.fromText(text),
      NM: PDFString.of(`VanThu-${tag}-${now.getTime()}`),
      M: PDFString.of(pdfDate(now)),
      DA: PDFString.of(`/Helv ${Math.round(at.size)} Tf 0 g`),
      F: 4 | 64 | 128 | 512,
      Border: [0, 0, 0],
      P: page.ref,
      AP: { N: ap },
    });
    appendToArray(doc, page.node, page.ref, 'Annots', doc.context.register(annot));
  };
  await addOverlay(numAt, numberText, 'regular', 'so');
  await addOverlay(dateAt, dateText, 'italic', 'ngay');
  return commitIncremental(opened);
}

export { completeSignature };
