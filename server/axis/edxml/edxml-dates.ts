// Dates and timestamps as QCVN 102:2016 writes them: `yyyy/MM/dd` and `yyyy/MM/dd HH:mm:ss`, in
// Vietnam time (UTC+7, no daylight saving). Other systems send `dd/MM/yyyy`, and the official
// samples even carry `2014/02/30`: readers keep such raw text, writers refuse it.

const VN_OFFSET_MS = 7 * 60 * 60 * 1000;

export interface EdxmlDateParts {
  year: number;
  month: number;
  day: number;
}

export interface EdxmlTimestampParts extends EdxmlDateParts {
  hour: number;
  minute: number;
  second: number;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function isRealDate(y: number, m: number, d: number): boolean {
  if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1) return false;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= days;
}

/** Strict `yyyy/MM/dd`, real calendar date; null otherwise. */
export function parseEdxmlDate(text: string): EdxmlDateParts | null {
  const m = /^(\d{4})\/(\d{2})\/(\d{2})$/.exec(text);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return isRealDate(year, month, day) ? { year, month, day } : null;
}

/** Strict `yyyy/MM/dd HH:mm:ss`; null otherwise. */
export function parseEdxmlTimestamp(text: string): EdxmlTimestampParts | null {
  const m = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [
    number, number, number, number, number, number,
  ];
  if (!isRealDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return null;
  return { year, month, day, hour, minute, second };
}

export type Normalized =
  | { kind: 'ok'; value: string }
  | { kind: 'reformatted'; value: string }
  | { kind: 'invalid'; value: string };

/** Reader side: canonical text, or a `dd/MM/yyyy` / `yyyy-MM-dd` rewritten, or the raw text kept. */
export function normalizeDate(raw: string): Normalized {
  const text = raw.trim();
  if (parseEdxmlDate(text)) return { kind: 'ok', value: text };
  let m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(text);
  if (m) {
    const candidate = `${m[3]}/${pad(Number(m[2]))}/${pad(Number(m[1]))}`;
    if (parseEdxmlDate(candidate)) return { kind: 'reformatted', value: candidate };
  }
  m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (m) {
    const candidate = `${m[1]}/${m[2]}/${m[3]}`;
    if (parseEdxmlDate(candidate)) return { kind: 'reformatted', value: candidate };
  }
  return { kind: 'invalid', value: raw };
}

export function normalizeTimestamp(raw: string): Normalized {
  const text = raw.trim();
  if (parseEdxmlTimestamp(text)) return { kind: 'ok', value: text };
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(text);
  if (m) {
    const candidate =
      `${m[3]}/${pad(Number(m[2]))}/${pad(Number(m[1]))} ` +
      `${pad(Number(m[4]))}:${m[5]}:${m[6] ?? '00'}`;
    if (parseEdxmlTimestamp(candidate)) return { kind: 'reformatted', value: candidate };
  }
  return { kind: 'invalid', value: raw };
}

/** Calendar date in Vietnam of an instant, as `yyyy/MM/dd`. */
export function toEdxmlDate(at: Date): string {
  const t = new Date(at.getTime() + VN_OFFSET_MS);
  return `${t.getUTCFullYear()}/${pad(t.getUTCMonth() + 1)}/${pad(t.getUTCDate())}`;
}

/** Vietnam wall-clock time of an instant, as `yyyy/MM/dd HH:mm:ss`. */
export function toEdxmlTimestamp(at: Date): string {
  const t = new Date(at.getTime() + VN_OFFSET_MS);
  return (
    `${toEdxmlDate(at)} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}`
  );
}

/** The instant a QCVN timestamp denotes (it is Vietnam local time), or null. */
export function edxmlTimestampToDate(text: string): Date | null {
  const p = parseEdxmlTimestamp(text);
  if (!p) return null;
  return new Date(Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - VN_OFFSET_MS);
}
