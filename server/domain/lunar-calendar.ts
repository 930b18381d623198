// Vietnamese lunisolar calendar (âm lịch), after Hồ Ngọc Đức's "Thuật toán tính âm lịch": new moons
// and the sun's longitude from Jean Meeus' "Astronomical Algorithms" series, evaluated at UTC+7.
// Vietnam has reckoned at UTC+7 since 1968, so dates differ from the Chinese calendar (UTC+8) when a
// new moon falls between 16:00 and 17:00 UTC — e.g. Tết 2030 is 2 Feb here, 3 Feb in China.
// Rules: a month starts on the day of a new moon; month 11 contains the winter solstice; a year
// with 13 months repeats (leap, "nhuận") the first month after month 11 that contains no major
// solar term (trung khí).
import { AppError } from '../errors.ts';
import { formatDateString, parseDateString } from './vietnam-time.ts';

/** Hours east of UTC used for the Vietnamese calendar. */
export const VIETNAM_TIME_ZONE = 7;

export interface LunarDate {
  year: number;
  month: number; // 1..12
  day: number; // 1..30
  leap: boolean; // tháng nhuận
}

const INT = Math.floor;
const PI = Math.PI;
const DR = PI / 180;

/** Julian day number of a Gregorian date (Julian calendar before 15 Oct 1582). */
export function jdFromDate(dd: number, mm: number, yy: number): number {
  const a = INT((14 - mm) / 12);
  const y = yy + 4800 - a;
  const m = mm + 12 * a - 3;
  let jd = dd + INT((153 * m + 2) / 5) + 365 * y + INT(y / 4) - INT(y / 100) + INT(y / 400) - 32045;
  if (jd < 2299161) jd = dd + INT((153 * m + 2) / 5) + 365 * y + INT(y / 4) - 32083;
  return jd;
}

/** Gregorian (or Julian before 1582) date of a Julian day number. */
export function jdToDate(jd: number): [day: number, month: number, year: number] {
  let b: number;
  let c: number;
  if (jd > 2299160) {
    const a = jd + 32044;
    b = INT((4 * a + 3) / 146097);
    c = a - INT((b * 146097) / 4);
  } else {
    b = 0;
    c = jd + 32082;
  }
  const d = INT((4 * c + 3) / 1461);
  const e = c - INT((1461 * d) / 4);
  const m = INT((5 * e + 2) / 153);
  const day = e - INT((153 * m + 2) / 5) + 1;
  const month = m + 3 - 12 * INT(m / 10);
  const year = b * 100 + d - 4800 + INT(m / 10);
  return [day, month, year];
}

/** Julian day (UT, fractional) of the k-th new moon after 1900-01-01 (Meeus, ch. 49 simplified). */
export function newMoon(k: number): number {
  const T = k / 1236.85;
  const T2 = T * T;
  const T3 = T2 * T;
  let jd1 = 2415020.75933 + 29.53058868 * k + 0.0001178 * T2 - 0.000000155 * T3;
  jd1 += 0.00033 * Math.sin((166.56 + 132.87 * T - 0.009173 * T2) * DR);
  const M = 359.2242 + 29.10535608 * k - 0.0000333 * T2 - 0.00000347 * T3; // sun's mean anomaly
  const Mpr = 306.0253 + 385.81691806 * k + 0.0107306 * T2 + 0.00001236 * T3; // moon's mean anomaly
  const F = 21.2964 + 390.67050646 * k - 0.0016528 * T2 - 0.00000239 * T3; // moon's argument of latitude
  let C1 = (0.1734 - 0.000393 * T) * Math.sin(M * DR) + 0.0021 * Math.sin(2 * DR * M);
  C1 = C1 - 0.4068 * Math.sin(Mpr * DR) + 0.0161 * Math.sin(DR * 2 * Mpr);
  C1 = C1 - 0.0004 * Math.sin(DR * 3 * Mpr);
  C1 = C1 + 0.0104 * Math.sin(DR * 2 * F) - 0.0051 * Math.sin(DR * (M + Mpr));
  C1 = C1 - 0.0074 * Math.sin(DR * (M - Mpr)) + 0.0004 * Math.sin(DR * (2 * F + M));
  C1 = C1 - 0.0004 * Math.sin(DR * (2 * F - M)) - 0.0006 * Math.sin(DR * (2 * F + Mpr));
  C1 = C1 + 0.001 * Math.sin(DR * (2 * F - Mpr)) + 0.0005 * Math.sin(DR * (2 * Mpr + M));
  let deltaT: number;
  if (T < -11) {
    deltaT = 0.001 + 0.000839 * T + 0.0002261 * T2 - 0.00000845 * T3 - 0.000000081 * T * T3;
  } else {
    deltaT = -0.000278 + 0.000265 * T + 0.000262 * T2;
  }
  return jd1 + C1 - deltaT;
}

/** Sun's apparent longitude in radians, 0..2π, at a Julian day (Meeus, ch. 25 low precision). */
export function sunLongitude(jdn: number): number {
  const T = (jdn - 2451545.0) / 36525;
  const T2 = T * T;
  const M = 357.5291 + 35999.0503 * T - 0.0001559 * T2 - 0.00000048 * T * T2;
  const L0 = 280.46645 + 36000.76983 * T + 0.0003032 * T2;
  let DL = (1.9146 - 0.004817 * T - 0.000014 * T2) * Math.sin(DR * M);
  DL += (0.019993 - 0.000101 * T) * Math.sin(DR * 2 * M) + 0.00029 * Math.sin(DR * 3 * M);
  let L = (L0 + DL) * DR;
  L = L - PI * 2 * INT(L / (PI * 2));
  return L;
}

/** Day number of the k-th new moon, as a local date at `tz`. */
function newMoonDay(k: number, tz: number): number {
  return INT(newMoon(k) + 0.5 + tz / 24);
}

/** Index 0..11 of the major term (30° sector of solar longitude) at the start of a local day. */
function sunSector(dayNumber: number, tz: number): number {
  return INT((sunLongitude(dayNumber - 0.5 - tz / 24) / PI) * 6);
}

/** Day number on which lunar month 11 (the month holding the winter solstice) of year yy starts. */
function lunarMonth11(yy: number, tz: number): number {
  const off = jdFromDate(31, 12, yy) - 2415021;
  const k = INT(off / 29.530588853);
  let nm = newMoonDay(k, tz);
  if (sunSector(nm, tz) >= 9) nm = newMoonDay(k - 1, tz);
  return nm;
}

/** Position (after month 11) of the leap month in a 13-month year: the first month with no major term. */
function leapMonthOffset(a11: number, tz: number): number {
  const k = INT((a11 - 2415021.076998695) / 29.530588853 + 0.5);
  let last: number;
  let i = 1;
  let arc = sunSector(newMoonDay(k + i, tz), tz);
  do {
    last = arc;
    i++;
    arc = sunSector(newMoonDay(k + i, tz), tz);
  } while (arc !== last && i < 14);
  return i - 1;
}

/** Solar (Gregorian) 'YYYY-MM-DD' → lunar date, at UTC+7 unless told otherwise. */
export function solarToLunar(date: string, tz: number = VIETNAM_TIME_ZONE): LunarDate {
  const { year: yy, month: mm, day: dd } = parseDateString(date);
  const dayNumber = jdFromDate(dd, mm, yy);
  // The mean-lunation estimate of k can be one off near a month boundary (the original algorithm
  // then yields "day 0", e.g. on 2054-05-07): step until the month containing dayNumber is found.
  let k = INT((dayNumber - 2415021.076998695) / 29.530588853) + 1;
  while (newMoonDay(k, tz) > dayNumber) k--;
  while (newMoonDay(k + 1, tz) <= dayNumber) k++;
  const monthStart = newMoonDay(k, tz);
  let a11 = lunarMonth11(yy, tz);
  let b11 = a11;
  let lunarYear: number;
  if (a11 >= monthStart) {
    lunarYear = yy;
    a11 = lunarMonth11(yy - 1, tz);
  } else {
    lunarYear = yy + 1;
    b11 = lunarMonth11(yy + 1, tz);
  }
  const lunarDay = dayNumber - monthStart + 1;
  const diff = INT((monthStart - a11) / 29);
  let leap = false;
  let lunarMonth = diff + 11;
  if (b11 - a11 > 365) {
    const leapDiff = leapMonthOffset(a11, tz);
    if (diff >= leapDiff) {
      lunarMonth = diff + 10;
      if (diff === leapDiff) leap = true;
    }
  }
  if (lunarMonth > 12) lunarMonth -= 12;
  if (lunarMonth >= 11 && diff < 4) lunarYear -= 1;
  return { year: lunarYear, month: lunarMonth, day: lunarDay, leap };
}

/** Day numbers on which a lunar month starts and the next one starts. */
function monthBounds(year: number, month: number, leap: boolean, tz: number): [start: number, next: number] {
  if (!Number.isInteger(year) || !Number.isInteger(month) || month < 1 || month > 12) {
    throw new AppError('validation', `Tháng âm lịch không hợp lệ: ${month}/${year}`);
  }
  let a11: number;
  let b11: number;
  if (month < 11) {
    a11 = lunarMonth11(year - 1, tz);
    b11 = lunarMonth11(year, tz);
  } else {
    a11 = lunarMonth11(year, tz);
    b11 = lunarMonth11(year + 1, tz);
  }
  const k = INT(0.5 + (a11 - 2415021.076998695) / 29.530588853);
  let off = month - 11;
  if (off < 0) off += 12;
  if (b11 - a11 > 365) {
    const leapOff = leapMonthOffset(a11, tz);
    let leapMonth = leapOff - 2;
    if (leapMonth < 0) leapMonth += 12;
    if (leap && month !== leapMonth) {
      throw new AppError('validation', `Năm âm lịch ${year} không có tháng ${month} nhuận`);
    }
    if (leap || off >= leapOff) off += 1;
  } else if (leap) {
    throw new AppError('validation', `Năm âm lịch ${year} không có tháng nhuận`);
  }
  return [newMoonDay(k + off, tz), newMoonDay(k + off + 1, tz)];
}

/**
 * Lunar date → solar 'YYYY-MM-DD'. Throws a validation error for a leap month the year does not
 * have, or a day 30 in a 29-day month.
 */
export function lunarToSolar(lunar: LunarDate | Omit<LunarDate, 'leap'>, tz: number = VIETNAM_TIME_ZONE): string {
  const { year, month, day } = lunar;
  const leap = 'leap' in lunar ? lunar.leap : false;
  if (!Number.isInteger(day) || day < 1 || day > 30) {
    throw new AppError('validation', `Ngày âm lịch không hợp lệ: ${day}/${month}/${year}`);
  }
  const [start, next] = monthBounds(year, month, leap, tz);
  if (start + day - 1 >= next) {
    throw new AppError('validation', `Tháng ${month} âm lịch năm ${year} chỉ có ${next - start} ngày`);
  }
  const [d, m, y] = jdToDate(start + day - 1);
  return formatDateString(y, m, d);
}

/** Length (29 or 30 days) of a lunar month. */
export function lunarMonthLength(year: number, month: number, leap = false, tz: number = VIETNAM_TIME_ZONE): number {
  const [start, next] = monthBounds(year, month, leap, tz);
  return next - start;
}

/** Mùng 1 Tết (lunar 1/1) of a lunar year, as a solar date. */
export function lunarNewYear(year: number, tz: number = VIETNAM_TIME_ZONE): string {
  return lunarToSolar({ year, month: 1, day: 1, leap: false }, tz);
}
