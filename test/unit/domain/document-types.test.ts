import { expect } from 'chai';
import {
  ADMINISTRATIVE_DOCUMENT_TYPES,
  COPY_FORMS,
  assertNotClassified,
  detectConfidentiality,
  documentTypeByAbbreviation,
  documentTypeByName,
  priorityOfUrgency,
  urgencyFromLabel,
  urgencyFromPriority,
} from '../../../server/domain/document-types.ts';
import { AppError } from '../../../server/errors.ts';

// DOMAIN.md §3, Decree 30/2020 Appendix III, transcribed independently of the module.
const APPENDIX_III = `Nghị quyết NQ, Quyết định QĐ, Chỉ thị CT, Quy chế QC, Quy định QyĐ, Thông cáo TC, Thông báo TB,
Hướng dẫn HD, Chương trình CTr, Kế hoạch KH, Phương án PA, Đề án ĐA, Dự án DA, Báo cáo BC, Biên bản BB,
Tờ trình TTr, Hợp đồng HĐ, Công văn -, Công điện CĐ, Bản ghi nhớ BGN, Bản thỏa thuận BTT, Giấy ủy quyền GUQ,
Giấy mời GM, Giấy giới thiệu GGT, Giấy nghỉ phép GNP, Phiếu gửi PG, Phiếu chuyển PC, Phiếu báo PB, Thư công -`
  .split(',')
  .map((s) => s.trim().replace(/\s+/g, ' '))
  .map((s) => {
    const i = s.lastIndexOf(' ');
    return { name: s.slice(0, i), abbreviation: s.slice(i + 1) === '-' ? null : s.slice(i + 1) };
  });

describe('document types (Decree 30/2020 Appendix III)', () => {
  it('lists the 29 administrative types with the Appendix III abbreviations, in order', () => {
    expect(APPENDIX_III).to.have.length(29);
    expect(ADMINISTRATIVE_DOCUMENT_TYPES.map(({ name, abbreviation }) => ({ name, abbreviation }))).to.deep.equal(APPENDIX_III);
  });

  it('gives Công văn and Thư công no abbreviation', () => {
    expect(documentTypeByName('Công văn')?.abbreviation).to.equal(null);
    expect(documentTypeByName('thu cong')?.abbreviation).to.equal(null);
  });

  it('has the copy forms SY, TrS and SL', () => {
    expect(COPY_FORMS.map((c) => c.abbreviation)).to.deep.equal(['SY', 'TrS', 'SL']);
    expect(documentTypeByAbbreviation('TRS')?.name).to.equal('Trích sao');
  });

  it('finds types by abbreviation case-insensitively but keeps Đ distinct from D', () => {
    expect(documentTypeByAbbreviation('qđ')?.name).to.equal('Quyết định');
    expect(documentTypeByAbbreviation('ĐA')?.name).to.equal('Đề án');
    expect(documentTypeByAbbreviation('DA')?.name).to.equal('Dự án');
    expect(documentTypeByAbbreviation('HĐ')?.name).to.equal('Hợp đồng');
    expect(documentTypeByAbbreviation('HD')?.name).to.equal('Hướng dẫn');
    expect(documentTypeByAbbreviation('QyĐ'.normalize('NFD'))?.name).to.equal('Quy định');
    expect(documentTypeByAbbreviation('XYZ')).to.equal(null);
  });

  it('has unique codes and abbreviations', () => {
    const all = [...ADMINISTRATIVE_DOCUMENT_TYPES, ...COPY_FORMS];
    expect(new Set(all.map((t) => t.code)).size).to.equal(all.length);
    const abbr = all.flatMap((t) => (t.abbreviation ? [t.abbreviation.toUpperCase()] : []));
    expect(new Set(abbr).size).to.equal(abbr.length);
  });
});

describe('urgency (độ khẩn) and edXML Priority', () => {
  it('maps edXML Priority 0–3 to Thường, Khẩn, Thượng khẩn, Hỏa tốc and back', () => {
    expect([0, 1, 2, 3].map((p) => urgencyFromPriority(p))).to.deep.equal(['normal', 'urgent', 'very_urgent', 'immediate']);
    for (const p of [0, 1, 2, 3]) expect(priorityOfUrgency(urgencyFromPriority(p))).to.equal(p);
  });

  it('accepts Priority 4 (hỏa tốc hẹn giờ) from older data as Hỏa tốc, and never sends 4', () => {
    expect(urgencyFromPriority(4)).to.equal('immediate');
    expect(urgencyFromPriority(' 4 ')).to.equal('immediate');
    expect(priorityOfUrgency(urgencyFromPriority(4))).to.equal(3);
  });

  it('refuses other Priority values', () => {
    for (const bad of [5, -1, 1.5, 'x', '']) expect(() => urgencyFromPriority(bad), String(bad)).to.throw(AppError);
  });

  it('reads Vietnamese urgency labels whatever the case and diacritics', () => {
    expect(urgencyFromLabel('KHẨN')).to.equal('urgent');
    expect(urgencyFromLabel('Thượng khẩn')).to.equal('very_urgent');
    expect(urgencyFromLabel('thuong khan')).to.equal('very_urgent');
    expect(urgencyFromLabel('Hoả tốc')).to.equal('immediate');
    expect(urgencyFromLabel('Thường')).to.equal('normal');
    expect(urgencyFromLabel('rất gấp')).to.equal(null);
  });
});

describe('confidentiality (độ mật)', () => {
  it('detects Mật, Tối mật and Tuyệt mật in any case or composition', () => {
    expect(detectConfidentiality('MẬT')).to.equal('mat');
    expect(detectConfidentiality('Tối mật')).to.equal('toi_mat');
    expect(detectConfidentiality('TUYỆT MẬT'.normalize('NFD'))).to.equal('tuyet_mat');
    expect(detectConfidentiality('Độ mật: Tối mật')).to.equal('toi_mat');
  });

  it('does not mistake ordinary words or empty fields for a classification', () => {
    for (const s of ['', 'Thường', 'Bảo mật thông tin', 'mật khẩu', 'Mật độ dân số']) expect(detectConfidentiality(s), s).to.equal(null);
    expect(detectConfidentiality(null)).to.equal(null);
  });

  it('refuses a classified document with a Vietnamese message', () => {
    expect(() => assertNotClassified('Tuyệt mật')).to.throw(AppError, /bí mật nhà nước/);
    try {
      assertNotClassified('Mật');
    } catch (e) {
      expect((e as AppError).code).to.equal('forbidden');
    }
    expect(() => assertNotClassified('Thường')).not.to.throw();
  });
});
