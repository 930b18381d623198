// The metadata of a document as typed by a clerk or sent by another system, validated once. Field
// names follow Decree 30/2020 Appendix VI / edXML (CodeNumber, CodeNotation, Subject, SignerInfo…).
import { z } from 'zod';
import { ADMINISTRATIVE_DOCUMENT_TYPES, COPY_FORMS, assertNotClassified, documentTypeByCode } from '../domain/document-types.ts';
import { parseDocumentNumber } from '../domain/document-number.ts';
import { isDateString } from '../domain/vietnam-time.ts';
import { toNfc } from '../domain/vietnamese-text.ts';
import { AppError } from '../errors.ts';
import { parseInput } from './validation.ts';

export const DOCUMENT_TYPE_OPTIONS = [...ADMINISTRATIVE_DOCUMENT_TYPES, ...COPY_FORMS];

const text = (max: number) => z.string().transform((s) => toNfc(s).trim()).pipe(z.string().max(max, `tối đa ${max} ký tự`));
const optionalText = (max: number) => z.union([z.literal(''), text(max)]).optional().nullable().transform((v) => (v ? v : null));
const optionalDate = z
  .union([z.literal(''), z.string().refine(isDateString, 'ngày không hợp lệ (YYYY-MM-DD)')])
  .optional()
  .nullable()
  .transform((v) => (v ? v : null));
const optionalInt = z
  .union([z.literal(''), z.coerce.number().int().min(0).max(100000)])
  .optional()
  .nullable()
  .transform((v) => (v === '' || v === undefined || v === null ? null : Number(v)));

export const documentMetadataSchema = z.object({
  typeCode: z.string().refine((c) => documentTypeByCode(c) !== null, 'loại văn bản không hợp lệ'),
  codeNumber: optionalText(20),
  codeNotation: optionalText(60),
  /** "Số, ký hiệu" in one field, as clerks type it ("Số: 15/QĐ-UBND"); split when the parts are empty. */
  numberAndNotation: optionalText(80),
  promulgationDate: optionalDate,
  place: optionalText(200),
  subject: text(500).pipe(z.string().min(3, 'trích yếu quá ngắn')),
  content: optionalText(20000),
  issuerCode: optionalText(40),
  issuerName: optionalText(300),
  signerCompetence: optionalText(20),
  signerPosition: optionalText(200),
  signerFullName: optionalText(200),
  urgency: z.coerce.number().int().min(0).max(3).default(0),
  dueDate: optionalDate,
  pageAmount: optionalInt,
  promulgationAmount: optionalInt,
  externalId: optionalText(200),
  /** Độ mật: any classification is refused before anything is stored (DOMAIN.md §3). */
  confidentiality: optionalText(40),
});

export type DocumentMetadata = z.output<typeof documentMetadataSchema> & { typeName: string };

export function parseDocumentMetadata(raw: unknown): DocumentMetadata {
  const rawConf = (raw as Record<string, unknown> | null)?.confidentiality;
  assertNotClassified(typeof rawConf === 'string' ? rawConf : null);
  const m = parseInput(documentMetadataSchema, raw);
  if (m.numberAndNotation && !m.codeNumber && !m.codeNotation) {
    const parsed = parseDocumentNumber(m.numberAndNotation);
    if (!parsed) throw new AppError('validation', `Số, ký hiệu "${m.numberAndNotation}" không đúng dạng (ví dụ 15/QĐ-UBND).`);
    m.codeNumber = parsed.numberText;
    m.codeNotation = parsed.notation;
  }
  return { ...m, typeName: documentTypeByCode(m.typeCode)!.name };
}
