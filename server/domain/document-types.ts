// Document types, urgency and confidentiality (Decree 30/2020/NĐ-CP).
import { AppError } from '../errors.ts';
import { foldDiacritics, toNfc } from './vietnamese-text.ts';

export interface DocumentType {
  code: string; // stable identifier for storage
  name: string; // tên loại, as printed
  abbreviation: string | null; // chữ viết tắt in the ký hiệu; none for Công văn and Thư công
}

// Decree 30/2020 Art. 7 and Appendix III: the 29 administrative document types, in the Appendix's order.
export const ADMINISTRATIVE_DOCUMENT_TYPES: readonly DocumentType[] = Object.freeze([
  { code: 'nghi_quyet', name: 'Nghị quyết', abbreviation: 'NQ' },
  { code: 'quyet_dinh', name: 'Quyết định', abbreviation: 'QĐ' },
  { code: 'chi_thi', name: 'Chỉ thị', abbreviation: 'CT' },
  { code: 'quy_che', name: 'Quy chế', abbreviation: 'QC' },
  { code: 'quy_dinh', name: 'Quy định', abbreviation: 'QyĐ' },
  { code: 'thong_cao', name: 'Thông cáo', abbreviation: 'TC' },
  { code: 'thong_bao', name: 'Thông báo', abbreviation: 'TB' },
  { code: 'huong_dan', name: 'Hướng dẫn', abbreviation: 'HD' },
  { code: 'chuong_trinh', name: 'Chương trình', abbreviation: 'CTr' },
  { code: 'ke_hoach', name: 'Kế hoạch', abbreviation: 'KH' },
  { code: 'phuong_an', name: 'Phương án', abbreviation: 'PA' },
  { code: 'de_an', name: 'Đề án', abbreviation: 'ĐA' },
  { code: 'du_an', name: 'Dự án', abbreviation: 'DA' },
  { code: 'bao_cao', name: 'Báo cáo', abbreviation: 'BC' },
  { code: 'bien_ban', name: 'Biên bản', abbreviation: 'BB' },
  { code: 'to_trinh', name: 'Tờ trình', abbreviation: 'TTr' },
  { code: 'hop_dong', name: 'Hợp đồng', abbreviation: 'HĐ' },
  { code: 'cong_van', name: 'Công văn', abbreviation: null },
  { code: 'cong_dien', name: 'Công điện', abbreviation: 'CĐ' },
  { code: 'ban_ghi_nho', name: 'Bản ghi nhớ', abbreviation: 'BGN' },
  { code: 'ban_thoa_thuan', name: 'Bản thỏa thuận', abbreviation: 'BTT' },
  { code: 'giay_uy_quyen', name: 'Giấy ủy quyền', abbreviation: 'GUQ' },
  { code: 'giay_moi', name: 'Giấy mời', abbreviation: 'GM' },
  { code: 'giay_gioi_thieu', name: 'Giấy giới thiệu', abbreviation: 'GGT' },
  { code: 'giay_nghi_phep', name: 'Giấy nghỉ phép', abbreviation: 'GNP' },
  { code: 'phieu_gui', name: 'Phiếu gửi', abbreviation: 'PG' },
  { code: 'phieu_chuyen', name: 'Phiếu chuyển', abbreviation: 'PC' },
  { code: 'phieu_bao', name: 'Phiếu báo', abbreviation: 'PB' },
  { code: 'thu_cong', name: 'Thư công', abbreviation: null },
] satisfies DocumentType[]);

// Decree 30/2020 Art. 25 and Appendix III: copy forms (hình thức bản sao).
export const COPY_FORMS: readonly DocumentType[] = Object.freeze([
  { code: 'sao_y', name: 'Sao y', abbreviation: 'SY' },
  { code: 'trich_sao', name: 'Trích sao', abbreviation: 'TrS' },
  { code: 'sao_luc', name: 'Sao lục', abbreviation: 'SL' },
] satisfies DocumentType[]);

/** Abbreviations are compared case-insensitively but with Đ kept: ĐA (Đề án) ≠ DA (Dự án), HĐ ≠ HD. */
const abbreviationKey = (s: string): string => toNfc(s).trim().toLocaleUpperCase('vi');

const byAbbreviation = new Map<string, DocumentType>();
for (const t of [...ADMINISTRATIVE_DOCUMENT_TYPES, ...COPY_FORMS]) {
  if (t.abbreviation) byAbbreviation.set(abbreviationKey(t.abbreviation), t);
}

/** The document type or copy form with this abbreviation ("QĐ", "qđ", "CTr"), or null. */
export function documentTypeByAbbreviation(abbreviation: string): DocumentType | null {
  return byAbbreviation.get(abbreviationKey(abbreviation)) ?? null;
}

/** The administrative type with this name, ignoring case and diacritics ("quyet dinh"), or null. */
export function documentTypeByName(name: string): DocumentType | null {
  const key = foldDiacritics(name);
  return ADMINISTRATIVE_DOCUMENT_TYPES.find((t) => foldDiacritics(t.name) === key) ?? null;
}

export function documentTypeByCode(code: string): DocumentType | null {
  return [...ADMINISTRATIVE_DOCUMENT_TYPES, ...COPY_FORMS].find((t) => t.code === code) ?? null;
}

// ---- Urgency (độ khẩn), Decree 30/2020 Appendix I; edXML OtherInfo/Priority (QCVN 102:2016). ----

export type Urgency = 'normal' | 'urgent' | 'very_urgent' | 'immediate';

export const URGENCY_LABELS: Readonly<Record<Urgency, string>> = Object.freeze({
  normal: 'Thường',
  urgent: 'Khẩn',
  very_urgent: 'Thượng khẩn',
  immediate: 'Hỏa tốc',
});

const PRIORITY_OF: Readonly<Record<Urgency, number>> = { normal: 0, urgent: 1, very_urgent: 2, immediate: 3 };

/** The edXML Priority we send (0–3). */
export function priorityOfUrgency(urgency: Urgency): number {
  return PRIORITY_OF[urgency];
}

/**
 * Urgency of an edXML Priority. 4 ("hỏa tốc hẹn giờ") appears in older data and is read as Hỏa tốc;
 * anything else is refused.
 */
export function urgencyFromPriority(priority: number | string): Urgency {
  const p = typeof priority === 'string' ? (/^\d+$/.test(priority.trim()) ? Number(priority.trim()) : NaN) : priority;
  switch (p) {
    case 0:
      return 'normal';
    case 1:
      return 'urgent';
    case 2:
      return 'very_urgent';
    case 3:
    case 4:
      return 'immediate';
    default:
      throw new AppError('validation', `Độ khẩn (Priority) không hợp lệ: ${String(priority)}`);
  }
}

/** Urgency from its Vietnamese label ("KHẨN", "thuong khan", "Hoả tốc"), or null when unknown. */
export function urgencyFromLabel(label: string): Urgency | null {
  const key = foldDiacritics(label).replace(/^do khan:?\s*/, '');
  if (key === '' || key === 'thuong' || key === 'binh thuong') return 'normal';
  if (key === 'khan') return 'urgent';
  if (key === 'thuong khan') return 'very_urgent';
  if (key === 'hoa toc' || key === 'hoa toc hen gio') return 'immediate';
  return null;
}

/** Urgent documents are registered, presented and sent at once (Decree 30/2020, văn bản đến and đi). */
export const isUrgent = (urgency: Urgency): boolean => urgency !== 'normal';

// ---- Confidentiality (độ mật): Law on Protection of State Secrets 2018, Art. 8. ----
// State secrets must not be stored or sent on an Internet-connected system, so VănThư refuses them.

export type Confidentiality = 'mat' | 'toi_mat' | 'tuyet_mat';

export const CONFIDENTIALITY_LABELS: Readonly<Record<Confidentiality, string>> = Object.freeze({
  mat: 'Mật',
  toi_mat: 'Tối mật',
  tuyet_mat: 'Tuyệt mật',
});

/**
 * The secrecy level a field or stamp announces ("MẬT", "Tối mật", "Độ mật: Tuyệt mật"), or null.
 * Only a whole field is examined, so words such as "bảo mật" or "mật khẩu" in a subject are not
 * mistaken for a classification.
 */
export function detectConfidentiality(label: string | null | undefined): Confidentiality | null {
  if (!label) return null;
  const key = foldDiacritics(label).replace(/^do mat:?\s*/, '').replace(/[.!]$/, '').trim();
  if (key === 'mat') return 'mat';
  if (key === 'toi mat') return 'toi_mat';
  if (key === 'tuyet mat') return 'tuyet_mat';
  return null;
}

/** Throws before anything is written when a document is classified. */
export function assertNotClassified(label: string | null | undefined): void {
  const level = detectConfidentiality(label);
  if (level) {
    throw new AppError(
      'forbidden',
      `Văn bản có độ mật "${CONFIDENTIALITY_LABELS[level]}" không được lưu trữ hoặc gửi trên hệ thống kết nối Internet; ` +
        'hãy xử lý theo quy định bảo vệ bí mật nhà nước.',
      { confidentiality: level },
    );
  }
}
