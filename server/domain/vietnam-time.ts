// Civil dates and times in Vietnam (Asia/Ho_Chi_Minh, UTC+7 all year, no daylight saving since 1975).
// Dates travel as 'YYYY-MM-DD' strings meaning a day in Vietnam; arithmetic on them is done on the
// proleptic Gregorian calendar in UTC so that the host's time zone never leaks in.
import { AppError } from '../errors.ts';

/** Vietnam's offset from UTC, in minutes. */
export const VIETNAM_OFFSET_MINUTES = 7 * 60;
const OFFSET_MS = VIETNAM_OFFSET_MINUTES * 60_000;
const DAY_MS = 86_400_000;

export type Timestamp = Date | number | string;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

const pad2 = (n: number): string => String(n).padStart(2, '0');

function toDate(ts: Timestamp): Date {
  const d = ts instanceof Date ? ts : new Date(ts);
  if (Number.isNaN(d.getTime())) throw new AppError('validation', `Thời điểm không hợp lệ: ${String(ts)}`);
  return d;
}

/** The parts of a timestamp as read on a clock in Vietnam. */
function vietnamParts(ts: Timestamp): Date {
  return new Date(toDate(ts).getTime() + OFFSET_MS);
}

/** True for an existing calendar day written 'YYYY-MM-DD'. */
export function isDateString(s: string): boolean {
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  return d <= daysInMonth(y, mo);
}

/** Parses 'YYYY-MM-DD' into numbers; throws a Vietnamese validation error otherwise. */
export function parseDateString(s: string): { year: number; month: number; day: number } {
  if (typeof s !== 'string' || !isDateString(s)) {
    throw new AppError('validation', `Ngày không hợp lệ (cần dạng YYYY-MM-DD): ${String(s)}`);
  }
  const [y, m, d] = s.split('-').map(Number) as [number, number, number];
  return { year: y, month: m, day: d };
}

export function formatDateString(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(day)}`;
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Days since 1970-01-01 of a civil date (used for date arithmetic). */
export function dayNumber(date: string): number {
  const { year, month, day } = parseDateString(date);
  return Math.round(Date.UTC(year, month - 1, day) / DAY_MS);
}

export function fromDayNumber(n: number): string {
  const d = new Date(n * DAY_MS);
  return formatDateString(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

export function addDays(date: string, n: number): string {
  return fromDayNumber(dayNumber(date) + n);
}

/** 0 = Sunday … 6 = Saturday. */
export function dayOfWeek(date: string): number {
  return new Date(dayNumber(date) * DAY_MS).getUTCDay();
}

/**
 * The deployment's clock: PostgreSQL's (docs/RELIABILITY.md). A process whose own clock is off (NTP
 * failed, a VM restored from a snapshot) corrects it by the offset it measured against the database
 * (server/services/clock.service.ts keeps it up to date); until then, and in tests, the offset is 0.
 */
let clockOffsetMs = 0;

export function setClockOffset(ms: number): void {
  clockOffsetMs = ms;
}

export function clockOffset(): number {
  return clockOffsetMs;
}

/** Now on the deployment's clock: use it for every time that is stored, sent or compared with the database's. */
export function deploymentNow(): Date {
  return new Date(Date.now() + clockOffsetMs);
}

/** Today's date in Vietnam on the deployment's clock, 'YYYY-MM-DD'. */
export function todayInVietnam(now: Timestamp = deploymentNow()): string {
  return vietnamDateOf(now);
}

/** The Vietnamese calendar day a timestamp falls on. */
export function vietnamDateOf(ts: Timestamp): string {
  const p = vietnamParts(ts);
  return formatDateString(p.getUTCFullYear(), p.getUTCMonth() + 1, p.getUTCDate());
}

/**
 * The year of a timestamp in Vietnam time. Document numbers restart at 01 on 1 January Vietnam time
 * (Decree 30/2020 Art. 15), so 2026-12-31T17:00:00Z already belongs to 2027.
 */
export function vietnamYearOf(ts: Timestamp): number {
  return vietnamParts(ts).getUTCFullYear();
}

/** ISO 8601 with the Vietnam offset, seconds precision: `2026-12-05T09:14:03+07:00`. */
export function formatVietnamIso(ts: Timestamp): string {
  const p = vietnamParts(ts);
  return (
    `${vietnamDateOf(ts)}T${pad2(p.getUTCHours())}:${pad2(p.getUTCMinutes())}:${pad2(p.getUTCSeconds())}+07:00`
  );
}

/**
 * The date line of an administrative document: "ngày 05 tháng 12 năm 2026". Decree 30/2020
 * Appendix I (thời gian ban hành văn bản): days below 10 and the months 1 and 2 take a leading
 * zero ("ngày 05 tháng 01", "tháng 02"); other months do not ("tháng 3").
 */
export function vietnameseDateLine(date: string): string {
  const { year, month, day } = parseDateString(date);
  const mm = month <= 2 ? pad2(month) : String(month);
  return `ngày ${pad2(day)} tháng ${mm} năm ${year}`;
}
