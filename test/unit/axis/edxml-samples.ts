// Models shared by the edXML tests: a realistic outgoing document and a status receipt, in NFC,
// with Vietnamese text that exercises every diacritic class.
import type { DocumentPackageInput, StatusPackageInput } from '../../../server/axis/edxml/index.ts';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const corpusDir = path.resolve(repoRoot, '../shared/corpus/edxml');
export const corpusAvailable = existsSync(corpusDir);

/** Deterministic pseudo-random bytes (incompressible, like a PDF's streams). */
export function pseudoRandomBytes(size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

export function samplePdf(size = 4096): Buffer {
  const head = Buffer.from('%PDF-1.7\n%âãÏÓ\n');
  return Buffer.concat([head, pseudoRandomBytes(Math.max(0, size - head.length))]);
}

export function sampleDocument(overrides: Partial<DocumentPackageInput> = {}): DocumentPackageInput {
  return {
    MessageHeader: {
      From: {
        OrganId: '000.00.00.H41',
        OrganizationInCharge: 'UBND Tỉnh Nghệ An',
        OrganName: 'UBND Tỉnh Nghệ An',
        OrganAdd: 'Số 03, đường Trường Thi, Thành phố Vinh, Tỉnh Nghệ An',
        Email: 'nghean@gov.vn',
        Telephone: '0383 840418',
        Fax: '0383 843049',
        Website: 'www.nghean.vn',
      },
      To: [
        { OrganId: '000.00.00.G22', OrganName: 'Văn phòng Chính phủ' },
        { OrganId: 'vxp.saas.03', OrganName: 'Hệ thống SaaS thử nghiệm' },
      ],
      Code: { CodeNumber: '05', CodeNotation: 'QĐ-UBND' },
      PromulgationInfo: { Place: 'Nghệ An', PromulgationDate: '2026/11/27' },
      DocumentType: { Type: 1, TypeDetail: 2, TypeName: 'Quyết định' },
      Subject: 'V/v phê duyệt kế hoạch chuyển đổi số năm 2027 — Nguyễn Thị Lấp Lánh Ánh',
      Content: 'Nội dung tóm tắt: "kế hoạch" & <phụ lục> kèm theo.',
      SignerInfo: { Competence: 'KT. CHỦ TỊCH', Position: 'PHÓ CHỦ TỊCH', FullName: 'Nguyễn Thị Lấp Lánh Ánh' },
      DueDate: '2026/12/31',
      OtherInfo: {
        Priority: 1,
        SphereOfPromulgation: 'Liên thông văn bản quốc gia',
        TyperNotation: 'VT',
        PromulgationAmount: 3,
        PageAmount: 4,
        Direction: false,
        Appendixes: ['Phụ lục I: Danh mục nhiệm vụ', 'Phụ lục II: Kinh phí'],
      },
      ResponseFor: [
        {
          OrganId: '000.00.00.G22',
          Code: '7816/VPCP-TTĐT',
          PromulgationDate: '2026/10/01',
          DocumentId: '000.00.00.G22,2026/10/01,7816/VPCP-TTĐT',
        },
      ],
      SteeringType: 1,
      ToPlaces: ['Như trên', 'Lưu: VT, VX'],
    },
    TraceHeaderList: {
      TraceHeader: [{ OrganId: '000.00.00.H41', Timestamp: '2026/11/27 09:14:03' }],
      Bussiness: {
        DocumentId: '000.00.00.H41,2026/11/27,05/QĐ-UBND',
        BussinessDocType: 0,
        BussinessDocReason: 'Văn bản điện tử mới',
        Paper: 0,
        StaffInfo: { Department: 'Văn phòng', Staff: 'Trần Văn Thư', Email: 'vanthu@nghean.gov.vn', Mobile: '0912000001' },
      },
    },
    Attachments: [
      { AttachmentName: '05_QĐ-UBND.pdf', Description: 'Quyết định số 05/QĐ-UBND', Content: samplePdf(8192) },
      { AttachmentName: 'Phụ lục kèm theo.docx', ContentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', Content: Buffer.from('PK tài liệu Word giả') },
    ],
    ...overrides,
  };
}

export function sampleStatus(code = '03'): StatusPackageInput {
  return {
    MessageHeader: {
      From: { OrganId: '000.00.00.H41', OrganName: 'UBND Tỉnh Nghệ An', OrganizationInCharge: 'UBND Tỉnh Nghệ An' },
      ResponseFor: {
        OrganId: '000.00.00.G22',
        Code: '7816/VPCP-TTĐT',
        PromulgationDate: '2026/10/01',
        DocumentId: '000.00.00.G22,2026/10/01,7816/VPCP-TTĐT',
      },
      StaffInfo: { Department: 'Phòng Hành chính', Staff: 'Nguyễn Thị Ngọc Trâm', Mobile: '84912000001', Email: 'ngoctram@nghean.vn' },
      StatusCode: code,
      Description: 'Văn thư: Tiếp nhận văn bản điện tử, vào sổ văn bản đến',
      Timestamp: '2026/11/27 10:00:00',
    },
  };
}
