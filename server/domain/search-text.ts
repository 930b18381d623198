// What full-text search looks at, diacritics folded (đ → d, "Quyết định" → "quyet dinh"): kept in
// document.search_folded, copied by a trigger to document_search_text where a trigram index serves
// both words and số ký hiệu fragments (a side table, so that state changes do not rewrite it).
import { foldDiacritics } from './vietnamese-text.ts';

export interface SearchableFields {
  subject: string;
  typeName?: string | null;
  codeNumber?: string | null;
  codeNotation?: string | null;
  issuerName?: string | null;
  signerFullName?: string | null;
  extractedText?: string | null;
}

/** Extracted text beyond this is not indexed: the first pages carry what people search for. */
export const MAX_INDEXED_TEXT = 20_000;

export function searchFoldedOf(f: SearchableFields): string {
  const notation = [f.codeNumber, f.codeNotation].filter(Boolean).join('/');
  return foldDiacritics(
    [f.typeName, f.subject, notation, f.issuerName, f.signerFullName, f.extractedText?.slice(0, MAX_INDEXED_TEXT)].filter((s) => s && String(s).trim()).join(' \n '),
  ).replace(/\s+/g, ' ');
}
