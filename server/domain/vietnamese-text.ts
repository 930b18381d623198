// Vietnamese text helpers. Vietnamese arrives in two Unicode shapes: precomposed (NFC, "ế" = U+1EBF)
// from most keyboards and decomposed (NFD, "e" + U+0302 + U+0301) from some legacy input methods,
// Word/PDF extraction and macOS file names. We store NFC and compare folded text.

/** Precomposed (NFC) form: what we store and render. */
export function toNfc(s: string): string {
  return s.normalize('NFC');
}

/** True when two strings are the same text whatever their Unicode composition. */
export function sameText(a: string, b: string): boolean {
  return toNfc(a) === toNfc(b);
}

/**
 * Diacritic-insensitive search key: tone and vowel marks removed, đ→d, Đ→D, lower case, whitespace
 * collapsed. "Quyết định" and "QUYET DINH" both fold to "quyet dinh". Đ/đ is a separate letter in
 * Unicode (no decomposition), so it is mapped explicitly.
 */
export function foldDiacritics(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** Diacritic- and case-insensitive "contains", for search boxes. */
export function includesFolded(haystack: string, needle: string): boolean {
  return foldDiacritics(haystack).includes(foldDiacritics(needle));
}

/** Diacritic- and case-insensitive equality. */
export function equalsFolded(a: string, b: string): boolean {
  return foldDiacritics(a) === foldDiacritics(b);
}
