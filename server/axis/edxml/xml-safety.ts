// Guards that run before any XML parser sees an incoming package. edXML packages come from other
// agencies' systems over the national axis, so they are untrusted input: no DTD or entity is ever
// resolved (XXE, billion laughs), nesting and element counts are bounded, and the text must be UTF-8
// (QCVN 102:2016 packages declare encoding="UTF-8").
import { DOMParser, type Document } from '@xmldom/xmldom';
import { AppError } from '../../errors.ts';
import type { EdxmlLimits, EdxmlWarning } from './edxml-model.ts';

/** Junk we tolerate before `<?xml` (edoc_new.edxml in the official samples starts with `1212`). */
const MAX_STRAY_PREFIX = 4096;

// eslint-disable-next-line no-control-regex
const FORBIDDEN_RAW = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const FORBIDDEN_REF = /&#(?:x0*(?:[0-8bcef]|1[0-9a-f]|fff[ef])|0*(?:[0-8]|1[12]|1[4-9]|2\d|3[01]|6553[45]));/i;

const refuse = (message: string, details?: Record<string, unknown>): never => {
  throw new AppError('validation', message, details);
};

export interface DecodedXml {
  text: string;
  warnings: EdxmlWarning[];
}

/** Bytes to text: BOM handling, strict UTF-8, stray bytes before the XML declaration removed. */
export function decodePackageText(input: Uint8Array | string, maxBytes: number): DecodedXml {
  const warnings: EdxmlWarning[] = [];
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.byteLength;
  if (size > maxBytes) {
    throw new AppError(
      'too_large',
      `Gói tin edXML quá lớn (${size} byte, tối đa ${maxBytes} byte).`,
      { size, maxBytes },
    );
  }
  if (size === 0) refuse('Gói tin edXML rỗng.');
  let text: string;
  if (typeof input === 'string') {
    text = input;
  } else {
    const bytes = input;
    let encoding = 'utf-8';
    if (bytes[0] === 0xff && bytes[1] === 0xfe) encoding = 'utf-16le';
    else if (bytes[0] === 0xfe && bytes[1] === 0xff) encoding = 'utf-16be';
    try {
      // TextDecoder drops the BOM itself.
      text = new TextDecoder(encoding, { fatal: true }).decode(bytes);
    } catch {
      return refuse('Gói tin edXML không được mã hóa UTF-8 hợp lệ.');
    }
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);

  const decl = text.indexOf('<?xml');
  const start = decl >= 0 && decl <= MAX_STRAY_PREFIX ? decl : text.indexOf('<');
  if (start < 0 || start > MAX_STRAY_PREFIX) refuse('Không tìm thấy nội dung XML trong gói tin edXML.');
  if (start > 0) {
    const prefix = text.slice(0, start);
    if (prefix.trim() !== '') {
      warnings.push({
        code: 'stray_bytes',
        path: '/',
        message: `Bỏ qua ${start} ký tự thừa trước phần khai báo XML.`,
        raw: prefix.slice(0, 64),
      });
    }
    text = text.slice(start);
  }
  // XML 1.0 §2.2 forbids these characters, raw or as character references; xmldom lets some through.
  if (FORBIDDEN_RAW.test(text) || FORBIDDEN_REF.test(text)) {
    refuse('Gói tin edXML chứa ký tự điều khiển không hợp lệ trong XML.', { reason: 'invalid_char' });
  }
  const encodingDecl = /^<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']/.exec(text);
  if (encodingDecl && !/^utf-?8$/i.test(encodingDecl[1]!) && !/^utf-?16/i.test(encodingDecl[1]!)) {
    refuse(`Gói tin edXML khai báo bảng mã "${encodingDecl[1]}"; chỉ chấp nhận UTF-8.`);
  }
  return { text, warnings };
}

/**
 * One linear pass over the markup: refuses DOCTYPE/ENTITY declarations and bounds depth and element
 * count, so that nothing expensive happens before a hostile package is refused.
 */
export function scanMarkup(text: string, limits: Pick<EdxmlLimits, 'maxDepth' | 'maxElements'>): void {
  let depth = 0;
  let elements = 0;
  let i = text.indexOf('<');
  const n = text.length;
  while (i >= 0 && i < n) {
    const next = text.charCodeAt(i + 1);
    if (next === 0x21 /* ! */) {
      if (text.startsWith('<!--', i)) {
        const end = text.indexOf('-->', i + 4);
        if (end < 0) refuse('Gói tin edXML bị lỗi cú pháp XML (chú thích không đóng).');
        i = text.indexOf('<', end + 3);
        continue;
      }
      if (text.startsWith('<![CDATA[', i)) {
        const end = text.indexOf(']]>', i + 9);
        if (end < 0) refuse('Gói tin edXML bị lỗi cú pháp XML (CDATA không đóng).');
        i = text.indexOf('<', end + 3);
        continue;
      }
      // <!DOCTYPE, <!ENTITY, <!ELEMENT…: DTDs are never processed (XXE, billion laughs).
      refuse(
        'Gói tin edXML chứa khai báo DOCTYPE/ENTITY; hệ thống không xử lý DTD và thực thể vì lý do an toàn.',
        { reason: 'doctype' },
      );
    }
    if (next === 0x3f /* ? */) {
      const end = text.indexOf('?>', i + 2);
      if (end < 0) refuse('Gói tin edXML bị lỗi cú pháp XML (chỉ thị xử lý không đóng).');
      i = text.indexOf('<', end + 2);
      continue;
    }
    if (next === 0x2f /* / */) {
      depth--;
      const end = text.indexOf('>', i);
      if (end < 0) break;
      i = text.indexOf('<', end + 1);
      continue;
    }
    // Start tag: find its end, skipping quoted attribute values that may contain '>'.
    let j = i + 1;
    let quote = 0;
    for (; j < n; j++) {
      const c = text.charCodeAt(j);
      if (quote) {
        if (c === quote) quote = 0;
      } else if (c === 0x22 || c === 0x27) {
        quote = c;
      } else if (c === 0x3e /* > */) {
        break;
      }
    }
    if (j >= n) break; // the real parser reports the syntax error
    elements++;
    if (elements > limits.maxElements) {
      refuse(`Gói tin edXML có quá nhiều phần tử (tối đa ${limits.maxElements}).`, {
        maxElements: limits.maxElements,
      });
    }
    if (text.charCodeAt(j - 1) !== 0x2f /* self-closing */) {
      depth++;
      if (depth > limits.maxDepth) {
        refuse(`Gói tin edXML lồng quá sâu (tối đa ${limits.maxDepth} cấp).`, {
          maxDepth: limits.maxDepth,
        });
      }
    }
    i = text.indexOf('<', j + 1);
  }
}

/** Namespace-aware DOM of text that passed scanMarkup; any parser error refuses the package. */
export function parseXmlDocument(text: string): Document {
  const parser = new DOMParser({
    onError: (level, message) => {
      if (level === 'warning') return;
      throw new Error(message);
    },
  });
  let doc: Document;
  try {
    doc = parser.parseFromString(text, 'text/xml');
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    return refuse(`Gói tin edXML bị lỗi cú pháp XML: ${msg}`, { reason: 'syntax' });
  }
  if (doc.doctype) refuse('Gói tin edXML chứa khai báo DOCTYPE; không được chấp nhận.', { reason: 'doctype' });
  if (!doc.documentElement) refuse('Gói tin edXML không có phần tử gốc.');
  return doc;
}
