// Số, ký hiệu của văn bản (Decree 30/2020/NĐ-CP Art. 8 and Appendix I): "Số: 15/QĐ-UBND" is the number,
// "/", the type abbreviation, "-", the issuer abbreviation. A Công văn has no type abbreviation: its
// ký hiệu is the issuer's abbreviation, "-", the drafting unit's or field's ("12/UBND-VX"). Numbers
// below 10 get a leading zero ("05"). In edXML the two parts are Code/CodeNumber and Code/CodeNotation.
import { AppError } from '../errors.ts';
import { documentTypeByAbbreviation, type DocumentType } from './document-types.ts';
import { toNfc } from './vietnamese-text.ts';

export interface DocumentNumberParts {
  number: number;
  /** Issuer abbreviation (chữ viết tắt tên cơ quan, tổ chức hoặc chức danh nhà nước ban hành). */
  issuer: string;
  /** Type abbreviation (QĐ, TB, …); absent for Công văn and Thư công. */
  typeAbbreviation?: string;
  /** Drafting unit or field (Công văn only), e.g. "VX". */
  unit?: string;
}

export interface ParsedDocumentNumber {
  number: number | null; // null when the number part is not numeric (seen in real edXML data)
  numberText: string; // as written, e.g. "05"
  /** Year part of legal normative documents: "15/2020/NĐ-CP". */
  year?: number;
  notation: string; // ký hiệu, e.g. "QĐ-UBND"
  type: DocumentType | null; // administrative type recognised from the first group of the notation
  /** First group when it names a type: a known abbreviation, or any in "số/năm/ký hiệu" form (NĐ, TT). */
  typeAbbreviation?: string;
  issuer: string;
  unit?: string;
}

const ABBREVIATION_RE = /^[\p{L}\p{N}&.]+$/u;

function checkAbbreviation(value: string, what: string): string {
  const v = toNfc(value).trim();
  if (!v || !ABBREVIATION_RE.test(v)) {
    throw new AppError('validation', `Chữ viết tắt ${what} không hợp lệ: "${value}"`);
  }
  return v;
}

/** CodeNumber: the number with a leading zero below 10 ("05", "15", "123"). */
export function formatCodeNumber(n: number): string {
  if (!Number.isInteger(n) || n < 1) throw new AppError('validation', `Số văn bản phải là số nguyên dương: ${String(n)}`);
  return String(n).padStart(2, '0');
}

/** CodeNotation (ký hiệu): "QĐ-UBND", or for a Công văn "UBND-VX". */
export function formatCodeNotation(parts: Omit<DocumentNumberParts, 'number'>): string {
  const issuer = checkAbbreviation(parts.issuer, 'cơ quan ban hành');
  if (parts.typeAbbreviation) {
    const type = checkAbbreviation(parts.typeAbbreviation, 'loại văn bản');
    if (parts.unit) throw new AppError('validation', 'Chỉ công văn mới ghi đơn vị soạn thảo trong ký hiệu');
    return `${type}-${issuer}`;
  }
  // Công văn: issuer + drafting unit or field. A commune with no units may issue "12/UBND".
  return parts.unit ? `${issuer}-${checkAbbreviation(parts.unit, 'đơn vị soạn thảo')}` : issuer;
}

/** Số, ký hiệu as printed after "Số:": "15/QĐ-UBND", "05/QĐ-UBND", "12/UBND-VX". */
export function formatDocumentNumber(parts: DocumentNumberParts): string {
  return `${formatCodeNumber(parts.number)}/${formatCodeNotation(parts)}`;
}

const PREFIX_RE = /^\s*(?:s[oố]\s*(?:ký hiệu|ky hieu|kh)?\s*[:.]?\s*)/iu;

/**
 * Parses a số ký hiệu as clerks type it: tolerant of "Số:" prefixes, spaces around "/" and "-",
 * lower case and NFD text. Returns null when there is no "number/notation" shape at all.
 */
export function parseDocumentNumber(input: string): ParsedDocumentNumber | null {
  const s = toNfc(input).replace(PREFIX_RE, '').replace(/\s*([/-])\s*/g, '$1').trim();
  const m = /^([^/\s]+)\/(?:(\d{4})\/)?([^/\s]+(?:-[^/\s]+)*)$/u.exec(s);
  if (!m) return null;
  const numberText = m[1]!;
  const groups = m[3]!.split('-').filter((g) => g !== '');
  if (groups.length === 0) return null;
  const number = /^\d+$/.test(numberText) ? Number(numberText) : null;
  const first = documentTypeByAbbreviation(groups[0]!);
  const result: ParsedDocumentNumber = {
    number,
    numberText,
    notation: groups.join('-'),
    type: null,
    issuer: '',
  };
  if (m[2]) result.year = Number(m[2]);
  if (groups.length >= 2 && (first || result.year !== undefined)) {
    // "QĐ-UBND"; legal normative documents carry a year and their own type abbreviations
    // ("30/2020/NĐ-CP", joint "…/TTLT-BTC-BNV" with several issuers kept together).
    result.type = first;
    result.typeAbbreviation = groups[0]!;
    result.issuer = groups.slice(1).join('-');
  } else {
    result.issuer = groups[0]!;
    if (groups.length >= 2) result.unit = groups.slice(1).join('-');
  }
  return result;
}

/**
 * Search key for a số ký hiệu: "Số: 05 / qđ - ubnd", "5/QĐ-UBND" and "5/QD-UBND" all give "5/QD-UBND".
 * Upper case, no spaces, no "Số:" prefix, no leading zeros in the number, and Đ folded to D because
 * people type "QD" for "QĐ" (this folds HĐ into HD too: acceptable for search, never for storage).
 */
export function normaliseDocumentNumber(input: string): string {
  return toNfc(input)
    .replace(PREFIX_RE, '')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'D')
    .replace(/\s+/g, '')
    .toUpperCase()
    .replace(/^0+(?=\d)/, '');
}
