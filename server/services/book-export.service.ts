// The registers as pages and exports (issue 3 item 11; Decree 30/2020 Appendix IV): sổ đăng ký văn bản
// đến, sổ đăng ký văn bản đi and sổ theo dõi giải quyết văn bản đến, for a book and a date range, as a
// table model rendered to HTML (by the view), CSV (UTF-8 with BOM, for Excel) and PDF (A4 landscape,
// Liberation Serif 2 embedded, every string NFC, wrapped cells, the header repeated on each page).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fontkit from '@cantoo/fontkit';
import { PDFDocument, rgb, type PDFFont, type PDFPage } from '@cantoo/pdf-lib';
import { z } from 'zod';
import type { Executor } from '../db/database.ts';
import { hasRole, type Actor } from '../domain/actor.ts';
import { todayInVietnam } from '../domain/vietnam-time.ts';
import { AppError } from '../errors.ts';
import { bookExportRepository, type BookEntryRow } from '../repositories/search-books.repository.ts';
import { parseInput } from './validation.ts';

/** Roles that keep and read the books (văn thư, lãnh đạo) and administrators. */
const BOOK_ROLES = ['clerk', 'leader', 'admin'] as const;
/** One export holds at most this many entries (a busy agency registers ~20,000 a year). */
export const MAX_BOOK_ROWS = 50_000;

export type BookView = 'register' | 'follow-up';

export interface BookColumn {
  key: string;
  label: string;
  /** Relative width in the PDF. */
  width: number;
}

export interface BookTable {
  bookId: string;
  title: string;
  agencyName: string;
  bookName: string;
  year: number;
  direction: 'incoming' | 'outgoing';
  view: BookView;
  from: string;
  to: string;
  columns: BookColumn[];
  rows: { cells: string[]; documentId: string; cancelled: boolean; urgent: boolean }[];
  truncated: boolean;
}

const nfc = (s: string | null | undefined): string => (s ?? '').normalize('NFC');
const dmy = (iso: string | null | undefined): string => {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso ?? '');
  return m ? `${m[3]}/${m[2]}/${m[1]}` : '';
};
/** Decree 30: numbers below 10 are written with a leading zero. */
const padNumber = (n: number | string | null): string => (n === null || n === '' ? '' : String(n).padStart(2, '0'));
const notation = (r: { codeNumber: string | null; codeNotation: string | null }): string => {
  const num = r.codeNumber && /^\d+$/.test(r.codeNumber) ? padNumber(r.codeNumber) : r.codeNumber;
  return [num, r.codeNotation].filter(Boolean).join('/');
};
const URGENCY = ['', 'Khẩn', 'Thượng khẩn', 'Hỏa tốc'];
const PROGRESS: Record<string, string> = {
  received: 'Chờ vào sổ',
  registered: 'Đã vào sổ',
  presented: 'Chờ ý kiến lãnh đạo',
  assigned: 'Đã giao',
  in_progress: 'Đang xử lý',
  done: 'Đã xử lý',
  returned: 'Đã trả lại',
};

// Decree 30/2020 Appendix IV column sets.
const INCOMING: BookColumn[] = [
  { key: 'entryDate', label: 'Ngày đến', width: 7 },
  { key: 'number', label: 'Số đến', width: 5 },
  { key: 'issuer', label: 'Tác giả', width: 13 },
  { key: 'notation', label: 'Số, ký hiệu', width: 10 },
  { key: 'date', label: 'Ngày tháng', width: 7 },
  { key: 'subject', label: 'Tên loại và trích yếu nội dung', width: 24 },
  { key: 'handlers', label: 'Đơn vị hoặc người nhận', width: 12 },
  { key: 'handedOn', label: 'Ngày chuyển', width: 7 },
  { key: 'sign', label: 'Ký nhận', width: 6 },
  { key: 'note', label: 'Ghi chú', width: 9 },
];
const FOLLOW_UP: BookColumn[] = [
  { key: 'number', label: 'Số đến', width: 5 },
  { key: 'entryDate', label: 'Ngày đến', width: 7 },
  { key: 'issuer', label: 'Tác giả', width: 11 },
  { key: 'notation', label: 'Số, ký hiệu', width: 9 },
  { key: 'date', label: 'Ngày tháng', width: 7 },
  { key: 'subject', label: 'Tên loại và trích yếu nội dung', width: 20 },
  { key: 'handlers', label: 'Đơn vị hoặc người nhận', width: 11 },
  { key: 'deadline', label: 'Thời hạn giải quyết', width: 8 },
  { key: 'progress', label: 'Tiến độ giải quyết', width: 9 },
  { key: 'replies', label: 'Số, ký hiệu văn bản trả lời', width: 9 },
  { key: 'note', label: 'Ghi chú', width: 7 },
];
const OUTGOING: BookColumn[] = [
  { key: 'notation', label: 'Số, ký hiệu văn bản', width: 10 },
  { key: 'date', label: 'Ngày tháng văn bản', width: 7 },
  { key: 'subject', label: 'Tên loại và trích yếu nội dung', width: 24 },
  { key: 'signer', label: 'Người ký', width: 12 },
  { key: 'recipients', label: 'Nơi nhận văn bản', width: 14 },
  { key: 'keptBy', label: 'Đơn vị, người nhận bản lưu', width: 10 },
  { key: 'copies', label: 'Số lượng bản', width: 5 },
  { key: 'handedOn', label: 'Ngày chuyển', width: 7 },
  { key: 'sign', label: 'Ký nhận', width: 6 },
  { key: 'note', label: 'Ghi chú', width: 8 },
];

function cellsOf(r: BookEntryRow, columns: BookColumn[], direction: 'incoming' | 'outgoing'): string[] {
  const cancelled = r.status === 'cancelled';
  const note = [cancelled ? `Đã hủy số${r.cancelReason ? `: ${r.cancelReason}` : ''}` : '', URGENCY[r.urgency] ?? ''].filter(Boolean).join('; ');
  const value: Record<string, string> = {
    entryDate: dmy(r.entryDate),
    number: padNumber(r.number),
    issuer: nfc(r.issuerName),
    // The outgoing book's số is the number given by this book.
    notation: direction === 'outgoing' ? notation({ codeNumber: String(r.number), codeNotation: r.codeNotation }) : notation(r),
    date: dmy(r.promulgationDate ?? (direction === 'outgoing' ? r.entryDate : null)),
    subject: nfc(`${r.typeName}: ${r.subject}`),
    handlers: nfc(r.handlers),
    handedOn: dmy(r.handedOn ?? (direction === 'outgoing' ? r.entryDate : null)),
    sign: '',
    note: nfc(note),
    deadline: dmy(r.deadline),
    progress: r.state === 'done' && r.completedAt ? `Đã xử lý ngày ${dmy(new Date(r.completedAt).toISOString())}` : (PROGRESS[r.state] ?? nfc(r.state)),
    replies: nfc(r.replies),
    signer: nfc(r.signerFullName),
    recipients: nfc(r.recipients),
    keptBy: nfc(r.draftingUnitName),
    copies: r.promulgationAmount === null ? '' : String(r.promulgationAmount),
  };
  return columns.map((c) => value[c.key] ?? '');
}

const rangeSchema = z.object({
  from: z.preprocess((v) => (v === '' ? undefined : v), z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'ngày phải có dạng YYYY-MM-DD').optional()),
  to: z.preprocess((v) => (v === '' ? undefined : v), z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'ngày phải có dạng YYYY-MM-DD').optional()),
  view: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['register', 'follow-up']).optional()),
});

/** Books the actor may read: those of the agencies where they are clerk, leader or admin. */
export async function listReadableBooks(db: Executor, actor: Actor) {
  const agencies = [...new Set(actor.roles.filter((r) => (BOOK_ROLES as readonly string[]).includes(r.role)).map((r) => String(r.agencyId)))];
  return bookExportRepository.listBooks(db, agencies);
}

export async function loadBookTable(db: Executor, actor: Actor, bookId: string, raw: unknown): Promise<BookTable> {
  if (!/^\d{1,18}$/.test(bookId)) throw new AppError('not_found', 'Không tìm thấy sổ văn bản.');
  const book = await bookExportRepository.findBook(db, bookId);
  // Someone else's book answers like a missing one: ids of other agencies leak nothing.
  if (!book || !hasRole(actor, String(book.agencyId), ...BOOK_ROLES)) throw new AppError('not_found', 'Không tìm thấy sổ văn bản.');
  const input = parseInput(rangeSchema, raw ?? {});
  const from = input.from ?? `${book.year}-01-01`;
  const to = input.to ?? (book.year === Number(todayInVietnam().slice(0, 4)) ? todayInVietnam() : `${book.year}-12-31`);
  if (from > to) throw new AppError('validation', 'Ngày bắt đầu phải trước ngày kết thúc.');
  const view: BookView = book.direction === 'incoming' && input.view === 'follow-up' ? 'follow-up' : 'register';
  const columns = book.direction === 'outgoing' ? OUTGOING : view === 'follow-up' ? FOLLOW_UP : INCOMING;
  const entries = await bookExportRepository.entries(db, bookId, from, to, MAX_BOOK_ROWS + 1);
  const title = book.direction === 'outgoing' ? 'SỔ ĐĂNG KÝ VĂN BẢN ĐI' : view === 'follow-up' ? 'SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN' : 'SỔ ĐĂNG KÝ VĂN BẢN ĐẾN';
  return {
    bookId: String(book.id),
    title,
    agencyName: nfc(book.agencyName),
    bookName: nfc(book.name),
    year: book.year,
    direction: book.direction,
    view,
    from,
    to,
    columns,
    rows: entries.slice(0, MAX_BOOK_ROWS).map((r) => ({ cells: cellsOf(r, columns, book.direction), documentId: r.documentId, cancelled: r.status === 'cancelled', urgent: r.urgency > 0 })),
    truncated: entries.length > MAX_BOOK_ROWS,
  };
}

export function exportFileName(t: BookTable, ext: 'csv' | 'pdf'): string {
  const kind = t.direction === 'outgoing' ? 'so-van-ban-di' : t.view === 'follow-up' ? 'so-theo-doi-giai-quyet' : 'so-van-ban-den';
  return `${kind}-${t.bookId}-${t.from}-${t.to}.${ext}`;
}

// ---------------------------------------------------------------------------------------------
// CSV (RFC 4180), UTF-8 with a byte-order mark so that Excel opens Vietnamese correctly.

const csvCell = (s: string): string => {
  // A leading =, +, - or @ would be a formula in a spreadsheet (CSV injection).
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

export function bookCsv(t: BookTable): Buffer {
  const lines = [t.columns.map((c) => c.label), ...t.rows.map((r) => r.cells)].map((cells) => cells.map((c) => csvCell(nfc(c))).join(','));
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(lines.join('\r\n') + '\r\n', 'utf8')]);
}

// ---------------------------------------------------------------------------------------------
// PDF

const here = path.dirname(fileURLToPath(import.meta.url));
const FONT_DIR = path.resolve(here, '..', '..', 'assets', 'fonts');
let fonts: Promise<{ regular: Buffer; bold: Buffer }> | null = null;
const loadFonts = () =>
  (fonts ??= Promise.all([readFile(path.join(FONT_DIR, 'LiberationSerif-Regular.ttf')), readFile(path.join(FONT_DIR, 'LiberationSerif-Bold.ttf'))]).then(([regular, bold]) => ({ regular, bold })));

// fontkit lays out every string it measures (~0.15 ms a call): measure each character once per font
// and add the advances. Kerning is ignored, so lines are wrapped 2 % short of the column.
const advanceCache = new WeakMap<PDFFont, Map<string, number>>();
function textWidth(font: PDFFont, text: string, size: number): number {
  let cache = advanceCache.get(font);
  if (!cache) advanceCache.set(font, (cache = new Map()));
  let w = 0;
  for (const ch of text) {
    let a = cache.get(ch);
    if (a === undefined) cache.set(ch, (a = font.widthOfTextAtSize(ch, 1000)));
    w += a;
  }
  return (w * size) / 1000;
}

/** Splits text into lines that fit `width` at `size`, breaking words longer than a line. */
export function wrapText(text: string, font: PDFFont, size: number, width: number): string[] {
  const max = width * 0.98;
  const fits = (s: string) => textWidth(font, s, size) <= max;
  const out: string[] = [];
  for (const para of nfc(text).split(/\r?\n/)) {
    let line = '';
    for (const word of para.split(/\s+/).filter(Boolean)) {
      const candidate = line ? `${line} ${word}` : word;
      if (fits(candidate)) {
        line = candidate;
        continue;
      }
      if (line) out.push(line);
      line = '';
      let rest = word;
      while (!fits(rest)) {
        let n = rest.length - 1;
        while (n > 1 && !fits(rest.slice(0, n))) n--;
        out.push(rest.slice(0, n));
        rest = rest.slice(n);
      }
      line = rest;
    }
    out.push(line);
  }
  return out.length ? out : [''];
}

export async function bookPdf(t: BookTable): Promise<Uint8Array> {
  const { regular, bold } = await loadFonts();
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  const font = await doc.embedFont(regular, { subset: true });
  const boldFont = await doc.embedFont(bold, { subset: true });
  doc.setTitle(nfc(`${t.title} — ${t.bookName} — ${t.agencyName}`));
  doc.setLanguage('vi-VN');
  doc.setProducer('VănThư');

  const [W, H] = [841.89, 595.28]; // A4 landscape
  const margin = 28;
  const size = 9;
  const lead = 11;
  const pad = 3;
  const tableWidth = W - 2 * margin;
  const total = t.columns.reduce((s, c) => s + c.width, 0);
  const widths = t.columns.map((c) => (c.width / total) * tableWidth);
  const line = rgb(0.2, 0.2, 0.2);

  let page: PDFPage;
  let y = 0;
  let pageNo = 0;
  const drawRow = (cells: string[], f: PDFFont, shade: boolean): void => {
    const wrapped = cells.map((c, i) => wrapText(c, f, size, widths[i]! - 2 * pad));
    const height = Math.max(...wrapped.map((l) => l.length)) * lead + 2 * pad;
    if (y - height < margin + 14) newPage();
    let x = margin;
    if (shade) page.drawRectangle({ x, y: y - height, width: tableWidth, height, color: rgb(0.93, 0.93, 0.93) });
    wrapped.forEach((lines, i) => {
      page.drawRectangle({ x, y: y - height, width: widths[i]!, height, borderColor: line, borderWidth: 0.5 });
      const text = lines.join('\n');
      if (text.trim()) page.drawText(text, { x: x + pad, y: y - pad - lead + 2.5, size, font: f, lineHeight: lead });
      x += widths[i]!;
    });
    y -= height;
  };
  const newPage = (): void => {
    page = doc.addPage([W, H]);
    pageNo++;
    y = H - margin;
    if (pageNo === 1) {
      const heading = (s: string, f: PDFFont, sz: number) => {
        const text = nfc(s);
        page.drawText(text, { x: (W - textWidth(f, text, sz)) / 2, y: y - sz, size: sz, font: f });
        y -= sz + 6;
      };
      heading(t.agencyName.toLocaleUpperCase('vi'), boldFont, 11);
      heading(t.title, boldFont, 15);
      heading(`${t.bookName} — năm ${t.year}`, font, 11);
      heading(`Từ ngày ${dmy(t.from)} đến ngày ${dmy(t.to)}`, font, 11);
      y -= 4;
    }
    page.drawText(`Trang ${pageNo}`, { x: W - margin - 40, y: margin - 14, size: 8, font });
    drawRow(t.columns.map((c) => c.label), boldFont, true);
  };
  newPage();
  for (const r of t.rows) drawRow(r.cells, font, false);
  if (!t.rows.length) page!.drawText('Không có văn bản nào trong khoảng thời gian này.', { x: margin, y: y - 16, size: 10, font });
  return doc.save({ useObjectStreams: true });
}
