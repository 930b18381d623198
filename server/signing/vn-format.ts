// Vietnamese formatting for what we draw and store: NFC text, Vietnam time (UTC+7, no DST).

const VN_OFFSET_MS = 7 * 3600 * 1000;

function parts(d: Date) {
  const v = new Date(d.getTime() + VN_OFFSET_MS);
  const p = (x: number, l = 2) => String(x).padStart(l, '0');
  return {
    y: p(v.getUTCFullYear(), 4),
    m: p(v.getUTCMonth() + 1),
    d: p(v.getUTCDate()),
    hh: p(v.getUTCHours()),
    mm: p(v.getUTCMinutes()),
    ss: p(v.getUTCSeconds()),
  };
}

/** ISO 8601 with the Vietnam offset, e.g. 2026-12-05T09:14:03+07:00 (Decree 30/2020 Appendix I). */
export function isoVietnam(d: Date): string {
  const p = parts(d);
  return `${p.y}-${p.m}-${p.d}T${p.hh}:${p.mm}:${p.ss}+07:00`;
}

/** PDF date string (ISO 32000-1 §7.9.4) in Vietnam time. */
export function pdfDate(d: Date): string {
  const p = parts(d);
  return `D:${p.y}${p.m}${p.d}${p.hh}${p.mm}${p.ss}+07'00'`;
}

/**
 * "Nghệ An, ngày 05 tháng 12 năm 2026". Decree 30/2020 Appendix I §II.5: day below 10 and months 1–2
 * get a leading zero ("ngày 05 tháng 02"); other months are written as is.
 */
export function placeDateLine(place: string, date: string | Date): string {
  const [y, m, d] = typeof date === 'string' ? date.split('-').map(Number) : [date.getFullYear(), date.getMonth() + 1, date.getDate()];
  const day = String(d).padStart(2, '0');
  const month = m! < 3 ? String(m).padStart(2, '0') : String(m);
  return `${place.normalize('NFC')}, ngày ${day} tháng ${month} năm ${y}`;
}

export const nfc = (s: string) => s.normalize('NFC');

/** Case- and space-insensitive comparison key for finding names and positions in page text. */
export function searchKey(s: string): string {
  return s.normalize('NFC').toLocaleLowerCase('vi').replace(/\s+/g, ' ').trim();
}
