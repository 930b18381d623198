// Agency identifiers (mã định danh), two schemes carried side by side on the national axis:
//  - QCVN 102:2016/BTTTT (edXML OrganId): 13 characters "DDD.CC.BB.Lnn", level 1 on the RIGHT —
//    Lnn = level 1 (letter + 2 digits), BB = level 2, CC = level 3, DDD = level 4; 00/000 = none.
//  - Decision 20/2020/QĐ-TTg (amended by 09/2025/QĐ-TTg): up to 35 characters 0-9A-Z in
//    dot-separated groups, level 1 on the LEFT, each further group a unit under the previous one.
// Our own agencies' codes are validated strictly; codes from other systems are kept as text.
import { AppError } from '../errors.ts';

export type Level1Letter = 'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'G' | 'H' | 'I' | 'J' | 'K';

/** Meaning of the level-1 letter, shared by both schemes (QCVN 102:2016, Decision 20/2020). */
export const LEVEL1_MEANINGS: Readonly<Record<Level1Letter, string>> = Object.freeze({
  A: 'Cơ quan của Đảng',
  B: 'Văn phòng Chủ tịch nước',
  C: 'Quốc hội và các cơ quan của Quốc hội',
  D: 'Tòa án nhân dân tối cao',
  E: 'Viện Kiểm sát nhân dân tối cao',
  F: 'Kiểm toán nhà nước',
  G: 'Bộ, cơ quan ngang bộ, cơ quan thuộc Chính phủ',
  H: 'Ủy ban nhân dân tỉnh, thành phố trực thuộc trung ương',
  I: 'Tổ chức chính trị - xã hội, tổ chức khác',
  J: 'Tổ chức chính trị - xã hội, tổ chức khác',
  K: 'Hội đồng nhân dân tỉnh, thành phố trực thuộc trung ương',
});

const LEVEL1_RE = /^[A-K]\d{2}$/;
const QCVN_RE = /^(\d{3})\.(\d{2})\.(\d{2})\.([A-Z])(\d{2})$/;
const DECISION20_MAX = 35;

export interface QcvnCode {
  code: string;
  level1: string; // "G22"
  level2: string; // "04" ("00" = none)
  level3: string;
  level4: string; // "000" = none
  /** 1 for a level-1 agency (000.00.00.G22), up to 4. */
  depth: number;
}

/** Vietnamese reason why `code` is not a valid QCVN 102:2016 code, or null when it is. */
export function qcvnCodeError(code: string): string | null {
  if (typeof code !== 'string' || code.length !== 13) {
    return `Mã định danh QCVN 102:2016 phải gồm đúng 13 ký tự dạng DDD.CC.BB.Lnn: "${String(code)}"`;
  }
  const m = QCVN_RE.exec(code);
  if (!m) return `Mã định danh QCVN 102:2016 phải có dạng DDD.CC.BB.Lnn (chữ số, dấu chấm, chữ in hoa): "${code}"`;
  const [, l4, l3, l2, letter] = m as unknown as [string, string, string, string, string];
  if (!(letter in LEVEL1_MEANINGS)) return `Chữ cái cấp 1 "${letter}" không thuộc bảng mã (A–K): "${code}"`;
  // "00"/"000" means no lower level: a level cannot be set below an empty one.
  if (l2 === '00' && (l3 !== '00' || l4 !== '000')) return `Có mã cấp 3 hoặc cấp 4 nhưng mã cấp 2 bằng 00: "${code}"`;
  if (l3 === '00' && l4 !== '000') return `Có mã cấp 4 nhưng mã cấp 3 bằng 00: "${code}"`;
  return null;
}

export function isStrictQcvnCode(code: string): boolean {
  return qcvnCodeError(code) === null;
}

/** Parses a strict QCVN 102:2016 code; throws a validation AppError with the reason otherwise. */
export function parseQcvnCode(code: string): QcvnCode {
  const error = qcvnCodeError(code);
  if (error) throw new AppError('validation', error);
  const [, level4, level3, level2, letter, nn] = QCVN_RE.exec(code) as unknown as string[];
  const depth = level2 === '00' ? 1 : level3 === '00' ? 2 : level4 === '000' ? 3 : 4;
  return { code, level1: `${letter}${nn}`, level2: level2!, level3: level3!, level4: level4!, depth };
}

/** The code of the agency directly above, or null for a level-1 agency: 000.00.04.G14 → 000.00.00.G14. */
export function qcvnParentCode(code: string): string | null {
  const c = parseQcvnCode(code);
  switch (c.depth) {
    case 1:
      return null;
    case 2:
      return `000.00.00.${c.level1}`;
    case 3:
      return `000.00.${c.level2}.${c.level1}`;
    default:
      return `000.${c.level3}.${c.level2}.${c.level1}`;
  }
}

/** Vietnamese reason why `code` is not a valid Decision 20/2020 code, or null when it is. */
export function decision20CodeError(code: string): string | null {
  if (typeof code !== 'string' || code.length === 0) return 'Mã định danh không được để trống';
  if (code.length > DECISION20_MAX) {
    return `Mã định danh theo Quyết định 20/2020/QĐ-TTg dài tối đa ${DECISION20_MAX} ký tự: "${code}"`;
  }
  const groups = code.split('.');
  if (groups.some((g) => !/^[0-9A-Z]+$/.test(g))) {
    return `Mã định danh chỉ gồm chữ số, chữ in hoa không dấu và dấu chấm ngăn các cấp: "${code}"`;
  }
  if (!LEVEL1_RE.test(groups[0]!)) {
    return `Mã cấp 1 phải gồm một chữ cái A–K và hai chữ số (ví dụ G22): "${code}"`;
  }
  return null;
}

export function isStrictDecision20Code(code: string): boolean {
  return decision20CodeError(code) === null;
}

/** Throws a validation AppError unless `code` is a valid Decision 20/2020 code. */
export function assertDecision20Code(code: string): void {
  const error = decision20CodeError(code);
  if (error) throw new AppError('validation', error);
}

/** The code of the agency directly above: G12.18.01 → G12.18; null for a level-1 code (G22). */
export function decision20ParentCode(code: string): string | null {
  assertDecision20Code(code);
  const i = code.lastIndexOf('.');
  return i < 0 ? null : code.slice(0, i);
}

export type AgencyCodeScheme = 'qcvn102' | 'decision20';

/** Which strict scheme a code follows, or null for a code from another system. */
export function agencyCodeScheme(code: string): AgencyCodeScheme | null {
  if (isStrictQcvnCode(code)) return 'qcvn102';
  if (isStrictDecision20Code(code)) return 'decision20';
  return null;
}

/** Level-1 letter and its meaning for a strict code of either scheme, or null. */
export function level1Of(code: string): { letter: Level1Letter; meaning: string } | null {
  const scheme = agencyCodeScheme(code);
  if (!scheme) return null;
  const letter = (scheme === 'qcvn102' ? code.charAt(10) : code.charAt(0)) as Level1Letter;
  return { letter, meaning: LEVEL1_MEANINGS[letter] };
}

/** Either scheme's parent code, or null (level 1, or not a strict code). */
export function parentCode(code: string): string | null {
  const scheme = agencyCodeScheme(code);
  if (scheme === 'qcvn102') return qcvnParentCode(code);
  if (scheme === 'decision20') return decision20ParentCode(code);
  return null;
}

const FOREIGN_MAX = 100;

/**
 * Lenient form of a code arriving from another system (real packages carry "28.22.H17",
 * "vxp.saas.03"): trimmed, inner whitespace and zero-width characters removed, case kept (it is the
 * sender's identifier). Throws only when nothing usable remains or it is implausibly long.
 */
export function normaliseForeignCode(code: string): string {
  const v = String(code ?? '')
    .normalize('NFC')
    .replace(/[\s\u200B-\u200D\uFEFF]+/g, '');
  if (v.length === 0) throw new AppError('validation', 'Mã định danh của cơ quan gửi bị trống');
  if (v.length > FOREIGN_MAX) throw new AppError('validation', `Mã định danh dài quá ${FOREIGN_MAX} ký tự`);
  if (/\p{Cc}/u.test(v)) throw new AppError('validation', 'Mã định danh chứa ký tự điều khiển');
  return v;
}
