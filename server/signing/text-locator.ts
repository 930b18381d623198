// Finds lines of text and their positions with pdfjs-dist (legacy build for Node 20,
// isEvalSupported:false per TOOLCHAIN.md). pdfjs splits runs of spaces into separate items, so a
// "line" is the union of the items sharing a baseline on one page.
import { searchKey } from './vn-format.ts';
import { restoreNativeBuiltins } from '../files/pdfjs-runtime.ts';

export interface TextLine {
  pageIndex: number;
  text: string;
  x: number;
  /** Baseline y in PDF user space. */
  y: number;
  width: number;
  /** Font size (approximate, from the text matrix). */
  size: number;
  /** Items with their own x ranges, to locate a part of the line (e.g. the blank after "Số:"). */
  items: { str: string; x: number; width: number }[];
}

interface RawItem {
  str: string;
  transform: number[];
  width: number;
  height: number;
}

type Pdfjs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');

/**
 * pdfjs through the host's loader when there is one: bin/vanthu.mjs runs the signing bundle with
 * vm.Script (for its V8 code cache), and code compiled that way cannot call import() itself.
 */
function loadPdfjs(): Promise<Pdfjs> {
  const host = (globalThis as { __vanthuImportPdfjs?: () => Promise<Pdfjs> }).__vanthuImportPdfjs;
  // Its legacy build replaces Array.prototype.push and JSON of the whole process (pdfjs-runtime.ts).
  return (host ? host() : import('pdfjs-dist/legacy/build/pdf.mjs')).then((lib) => {
    restoreNativeBuiltins();
    return lib;
  });
}

/**
 * Text lines of the given pages (default: all, in order). With `lastPageFirst` the pages are read
 * from the end and reading stops at the first page for which `stopWhen` is true: the signature block
 * is on the last page, so a long document is not fully parsed.
 */
export async function extractLines(
  pdf: Uint8Array,
  pageIndexes?: number[],
  opts: { lastPageFirst?: boolean; stopWhen?: (pageLines: TextLine[]) => boolean } = {},
): Promise<{ pageCount: number; lines: TextLine[] }> {
  // pdfjs may transfer/detach the buffer it is given: always hand it a copy.
  // pdfjs (≈ 1 s to load on a busy machine) loads only when text positions are needed: signing an
  // attachment or verifying never does.
  const { getDocument } = await loadPdfjs();
  const task = getDocument({ data: new Uint8Array(pdf), isEvalSupported: false, useSystemFonts: false, disableFontFace: true, verbosity: 0 });
  const doc = await task.promise;
  restoreNativeBuiltins(); // the first getDocument imports pdfjs's worker half, which patches them again
  try {
    const lines: TextLine[] = [];
    const all = Array.from({ length: doc.numPages }, (_, i) => i);
    const pages = pageIndexes ?? (opts.lastPageFirst ? all.reverse() : all);
    for (const pageIndex of pages) {
      const firstOfPage = lines.length;
      if (pageIndex < 0 || pageIndex >= doc.numPages) continue;
      const page = await doc.getPage(pageIndex + 1);
      const content = await page.getTextContent();
      const items = (content.items as RawItem[]).filter((it) => typeof it.str === 'string' && it.transform);
      const rows: RawItem[][] = [];
      for (const it of items) {
        const y = it.transform[5]!;
        const size = Math.hypot(it.transform[2]!, it.transform[3]!) || it.height || 10;
        const row = rows.find((r) => Math.abs(r[0]!.transform[5]! - y) < Math.max(1.5, size * 0.2));
        if (row) row.push(it);
        else rows.push([it]);
      }
      // A row may hold two columns on one baseline (Decree 30 header: "Số: …" left, place and date
      // right). Split where printed items leave a gap wider than 3.5 font sizes; the blanks of a template
      // line are space items, so they do not split it.
      const segments: RawItem[][] = [];
      for (const row of rows) {
        row.sort((a, b) => a.transform[4]! - b.transform[4]!);
        let cur: RawItem[] = [];
        let end = -Infinity;
        for (const it of row) {
          const size = Math.hypot(it.transform[2]!, it.transform[3]!) || 10;
          const blank = it.str.trim() === '';
          if (!blank && cur.length && it.transform[4]! - end > 3.5 * size) {
            segments.push(cur);
            cur = [];
          }
          cur.push(it);
          // pdfjs bridges column gaps with space items: only printed items extend the segment.
          if (!blank) end = it.transform[4]! + it.width;
        }
        if (cur.length) segments.push(cur);
      }
      for (const row of segments) {
        const nonEmpty = row.filter((r) => r.str.trim() !== '');
        if (!nonEmpty.length) continue;
        let text = '';
        let lastEnd = -Infinity;
        for (const it of row) {
          const x = it.transform[4]!;
          const size = Math.hypot(it.transform[2]!, it.transform[3]!) || 10;
          if (text && !text.endsWith(' ') && !it.str.startsWith(' ') && x - lastEnd > size * 0.15) text += ' ';
          text += it.str;
          lastEnd = Math.max(lastEnd, x + it.width);
        }
        const first = nonEmpty[0]!;
        const x0 = first.transform[4]!;
        const last = nonEmpty[nonEmpty.length - 1]!;
        lines.push({
          pageIndex,
          text: text.normalize('NFC').replace(/\s+/g, ' ').trim(),
          x: x0,
          y: first.transform[5]!,
          width: last.transform[4]! + last.width - x0,
          size: Math.hypot(first.transform[2]!, first.transform[3]!) || first.height || 12,
          items: row.map((it) => ({ str: it.str.normalize('NFC'), x: it.transform[4]!, width: it.width })),
        });
      }
      if (opts.stopWhen?.(lines.slice(firstOfPage))) break;
    }
    return { pageCount: doc.numPages, lines };
  } finally {
    await doc.destroy();
  }
}

/** Lines whose text equals `needle` (case/space-insensitive), last page first, bottom-most first. */
export function findLines(lines: TextLine[], needle: string, mode: 'equals' | 'contains' = 'equals'): TextLine[] {
  const key = searchKey(needle);
  return lines
    .filter((l) => (mode === 'equals' ? searchKey(l.text) === key : searchKey(l.text).includes(key)))
    .sort((a, b) => b.pageIndex - a.pageIndex || a.y - b.y);
}
