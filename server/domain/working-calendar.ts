// Working-day calendar for deadlines (DOMAIN §6). Working days exclude Saturdays, Sundays and the
// public holidays of Labour Code 2019 Art. 112, computed here (lunar dates at UTC+7) and then
// corrected by administrators per year, because the Government declares the exact Tết and 2/9
// days, swaps and make-up Saturdays each year.
import { AppError } from '../errors.ts';
import { lunarNewYear, lunarToSolar, solarToLunar } from './lunar-calendar.ts';
import { addDays, dayNumber, dayOfWeek, formatDateString, parseDateString } from './vietnam-time.ts';

export type HolidayKind =
  | 'holiday' // a statutory holiday of Art. 112 clause 1
  | 'compensatory' // nghỉ bù: Art. 112 clause 3
  | 'declared'; // declared by the administrator (Government's yearly decision, agency leave)

export interface Holiday {
  date: string; // 'YYYY-MM-DD', Vietnam time
  name: string; // Vietnamese
  lunar: boolean; // fixed by the lunar calendar
  kind: HolidayKind;
}

/**
 * Administrators' corrections, for any number of years. A date listed in `workingDays` is a
 * working day whatever else says (a make-up Saturday, or a computed holiday the Government moved);
 * a date in `daysOff` is a day off.
 */
export interface CalendarOverrides {
  daysOff?: readonly { date: string; name: string }[];
  workingDays?: readonly { date: string; name?: string }[];
}

export type Overrides = CalendarOverrides;

/** Combines several override sets (e.g. one per year, as stored) into one. */
export function mergeOverrides(...sets: readonly CalendarOverrides[]): CalendarOverrides {
  return {
    daysOff: sets.flatMap((o) => o.daysOff ?? []),
    workingDays: sets.flatMap((o) => o.workingDays ?? []),
  };
}

export interface WorkingCalendar {
  isWorkingDay(date: string): boolean;
  /** Every day off of the year other than ordinary weekends, sorted by date. */
  holidaysOf(year: number): Holiday[];
  /** Saturdays/Sundays declared working days in the year. */
  makeUpWorkingDaysOf(year: number): string[];
  /**
   * The date n working days after `date` (n > 0), counting from the next day; n < 0 goes back;
   * n = 0 gives the next working day on or after `date`.
   */
  addWorkingDays(date: string, n: number): string;
  /** A deadline falling on a day off moves to the next working day. */
  nextWorkingDayOnOrAfter(date: string): string;
  /**
   * Working days in (a, b]: "overdue by N working days" when a is the deadline and b today.
   * Negative when b is before a; 0 when equal.
   */
  workingDaysBetween(a: string, b: string): number;
}

// Labour Code 2019 Art. 112 clause 1: a) 1 Jan; b) Tết 5 days; c) 30 Apr; d) 1 May; đ) 2 Sep and one
// adjacent day; e) Giỗ Tổ Hùng Vương, lunar 10/3.

/**
 * Tết's 5 days. Default: the last day of the lunar year (30 Tết, or 29 in a short month Chạp) and
 * mùng 1–4, the split most often chosen (1 day before, 4 after). The Government decides each year
 * and usually adds swapped days: administrators record them as overrides.
 */
function tetDays(year: number): Holiday[] {
  const mung1 = lunarNewYear(year);
  const eve = addDays(mung1, -1);
  const eveDay = solarToLunar(eve).day;
  const days: Holiday[] = [{ date: eve, name: `Tết Nguyên Đán (${eveDay} tháng Chạp)`, lunar: true, kind: 'holiday' }];
  for (let i = 0; i < 4; i++) {
    days.push({ date: addDays(mung1, i), name: `Tết Nguyên Đán (mùng ${i + 1} Tết)`, lunar: true, kind: 'holiday' });
  }
  return days;
}

/**
 * The day next to 2 Sep (Art. 112 clause 1 đ: "01 ngày liền kề trước hoặc sau"). Default: the
 * adjacent weekday that joins the break to a weekend, as the Government has chosen since 2021
 * (2021 Thu→3/9, 2022 Fri→1/9, 2023 Sat→1/9, 2024 Mon→3/9, 2025 Tue→1/9); 2 Sep on a Wednesday
 * joins no weekend: the day before; on a Sunday: 3 Sep (1 Sep is a Saturday).
 */
function nationalDayCompanion(year: number): string {
  const sep2 = formatDateString(year, 9, 2);
  const dow = dayOfWeek(sep2); // 0 Sunday … 6 Saturday
  const after = dow === 1 || dow === 4 || dow === 0; // Monday, Thursday, Sunday
  return addDays(sep2, after ? 1 : -1);
}

export function statutoryHolidaysOf(year: number): Holiday[] {
  const d = (m: number, day: number): string => formatDateString(year, m, day);
  const companion = nationalDayCompanion(year);
  const list: Holiday[] = [
    { date: d(1, 1), name: 'Tết Dương lịch', lunar: false, kind: 'holiday' },
    ...tetDays(year),
    { date: lunarToSolar({ year, month: 3, day: 10, leap: false }), name: 'Giỗ Tổ Hùng Vương (10/3)', lunar: true, kind: 'holiday' },
    { date: d(4, 30), name: 'Ngày Chiến thắng (30/4)', lunar: false, kind: 'holiday' },
    { date: d(5, 1), name: 'Ngày Quốc tế Lao động (1/5)', lunar: false, kind: 'holiday' },
    { date: d(9, 2), name: 'Quốc khánh (2/9)', lunar: false, kind: 'holiday' },
    { date: companion, name: `Quốc khánh (ngày liền kề ${companion.slice(8, 10).replace(/^0/, '')}/9)`, lunar: false, kind: 'holiday' },
  ];
  return list.sort((a, b) => a.date.localeCompare(b.date));
}

const isWeekend = (date: string): boolean => {
  const dow = dayOfWeek(date);
  return dow === 0 || dow === 6;
};

// The lunar algorithm is reliable well beyond this; the bound only catches typing mistakes.
function checkYear(year: number): void {
  if (!Number.isInteger(year) || year < 1900 || year > 2199) {
    throw new AppError('validation', `Năm không hợp lệ (1900–2199): ${String(year)}`);
  }
}

function checkInteger(n: number): void {
  if (!Number.isInteger(n)) throw new AppError('validation', `Số ngày làm việc phải là số nguyên: ${String(n)}`);
}

export function createWorkingCalendar(overrides: CalendarOverrides = {}): WorkingCalendar {
  const declaredOff = new Map<string, string>();
  for (const o of overrides.daysOff ?? []) {
    parseDateString(o.date);
    declaredOff.set(o.date, o.name);
  }
  const declaredWorking = new Set<string>();
  for (const o of overrides.workingDays ?? []) {
    parseDateString(o.date);
    declaredWorking.add(o.date);
  }
  for (const date of declaredWorking) {
    if (declaredOff.has(date)) {
      throw new AppError('validation', `Ngày ${date} vừa được khai báo là ngày nghỉ vừa là ngày làm việc`);
    }
  }

  const cache = new Map<number, Map<string, Holiday>>();

  /** Days off of a year (not counting plain weekends), keyed by date. */
  function daysOffOf(year: number): Map<string, Holiday> {
    const cached = cache.get(year);
    if (cached) return cached;
    checkYear(year);
    const off = new Map<string, Holiday>();
    const statutory = statutoryHolidaysOf(year).filter((h) => !declaredWorking.has(h.date));
    for (const h of statutory) off.set(h.date, h);
    for (const [date, name] of declaredOff) {
      if (date.startsWith(`${year}-`) && !off.has(date)) off.set(date, { date, name, lunar: false, kind: 'declared' });
    }
    // Labour Code 2019 Art. 112 clause 3: a holiday falling on the weekly rest day is taken on the
    // next working day. Holidays are handled in date order, so two weekend holidays in a row (e.g.
    // 30 Tết on Saturday, mùng 1 on Sunday) get two consecutive compensatory days after the break.
    for (const h of statutory) {
      if (!isWeekend(h.date)) continue;
      let d = addDays(h.date, 1);
      // A date the administrator declared a working day is never silently turned into a day off.
      while (off.has(d) || isWeekend(d) || declaredWorking.has(d)) d = addDays(d, 1);
      off.set(d, { date: d, name: `Nghỉ bù ${h.name}`, lunar: false, kind: 'compensatory' });
    }
    cache.set(year, off);
    return off;
  }

  function isWorkingDay(date: string): boolean {
    const { year } = parseDateString(date);
    if (declaredWorking.has(date)) return true;
    if (daysOffOf(year).has(date)) return false;
    return !isWeekend(date);
  }

  function nextWorkingDayOnOrAfter(date: string): string {
    let d = date;
    while (!isWorkingDay(d)) d = addDays(d, 1);
    return d;
  }

  function addWorkingDays(date: string, n: number): string {
    checkInteger(n);
    parseDateString(date);
    if (n === 0) return nextWorkingDayOnOrAfter(date);
    const step = n > 0 ? 1 : -1;
    let d = date;
    for (let left = Math.abs(n); left > 0; ) {
      d = addDays(d, step);
      if (isWorkingDay(d)) left--;
    }
    return d;
  }

  function workingDaysBetween(a: string, b: string): number {
    const from = dayNumber(a);
    const to = dayNumber(b);
    if (from === to) return 0;
    const [lo, hi, sign] = from < to ? [a, b, 1] : [b, a, -1];
    let count = 0;
    for (let d = addDays(lo, 1); d <= hi; d = addDays(d, 1)) if (isWorkingDay(d)) count++;
    return sign * count;
  }

  function holidaysOf(year: number): Holiday[] {
    return [...daysOffOf(year).values()].sort((x, y) => x.date.localeCompare(y.date));
  }

  function makeUpWorkingDaysOf(year: number): string[] {
    return [...declaredWorking].filter((d) => d.startsWith(`${year}-`) && isWeekend(d)).sort();
  }

  return { isWorkingDay, holidaysOf, makeUpWorkingDaysOf, addWorkingDays, nextWorkingDayOnOrAfter, workingDaysBetween };
}
