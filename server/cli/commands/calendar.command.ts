// `vanthu calendar …`: the working-day calendar from the command line. Overrides (the Government's
// yearly Tết/2-9 decisions, make-up Saturdays) come from a loader so that the database-backed one
// can be plugged in later; without it the computed statutory calendar is used.
import { Command } from 'commander';
import { AppError } from '../../errors.ts';
import {
  createWorkingCalendar,
  mergeOverrides,
  type CalendarOverrides,
  type WorkingCalendar,
} from '../../domain/working-calendar.ts';
import { dayOfWeek, parseDateString } from '../../domain/vietnam-time.ts';

export type OverridesLoader = (year: number) => Promise<CalendarOverrides>;

const WEEKDAYS = ['Chủ nhật', 'Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy'];

function parseYear(text: string): number {
  const year = Number(text);
  if (!/^\d{4}$/.test(text) || year < 1900 || year > 2199) {
    throw new AppError('validation', `Năm không hợp lệ (1900–2199): ${text}`);
  }
  return year;
}

function parseCount(text: string): number {
  if (!/^[-+]?\d+$/.test(text)) throw new AppError('validation', `Số ngày làm việc phải là số nguyên: ${text}`);
  return Number(text);
}

/** One calendar holding every year's overrides in [from, to]. */
export async function loadCalendar(from: number, to: number, loadOverrides?: OverridesLoader): Promise<WorkingCalendar> {
  const sets: CalendarOverrides[] = [];
  if (loadOverrides) for (let year = from; year <= to; year++) sets.push(await loadOverrides(year));
  return createWorkingCalendar(mergeOverrides(...sets));
}

export function buildCalendarCommand(loadOverrides?: OverridesLoader): Command {
  const calendar = new Command('calendar').description('Lịch ngày làm việc, ngày nghỉ lễ (Bộ luật Lao động 2019, Điều 112)');

  calendar
    .command('holidays')
    .description('Liệt kê các ngày nghỉ lễ, Tết, nghỉ bù của một năm')
    .argument('<year>', 'năm, ví dụ 2026')
    .option('--json', 'in ra JSON')
    .action(async (yearText: string, opts: { json?: boolean }) => {
      const year = parseYear(yearText);
      const cal = await loadCalendar(year, year, loadOverrides);
      const holidays = cal.holidaysOf(year);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(holidays, null, 2)}\n`);
        return;
      }
      const lines = holidays.map(
        (h) => `${h.date}  ${WEEKDAYS[dayOfWeek(h.date)]!.padEnd(8)}  ${h.name}${h.lunar ? '  (âm lịch)' : ''}`,
      );
      for (const d of cal.makeUpWorkingDaysOf(year)) lines.push(`${d}  ${WEEKDAYS[dayOfWeek(d)]!.padEnd(8)}  Làm việc bù`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  calendar
    .command('add-working-days')
    .description('Ngày sau N ngày làm việc kể từ DATE (N âm: lùi lại; N = 0: ngày làm việc gần nhất từ DATE)')
    .argument('<date>', 'ngày bắt đầu, dạng YYYY-MM-DD')
    .argument('<n>', 'số ngày làm việc')
    .allowUnknownOption() // lets a negative N ("-3") through as an argument
    .action(async (date: string, nText: string) => {
      const { year } = parseDateString(date);
      const n = parseCount(nText);
      // About 250 working days a year: load enough years of overrides for the whole span.
      const span = Math.ceil(Math.abs(n) / 240) + 1;
      const cal = await loadCalendar(n < 0 ? year - span : year, n < 0 ? year : year + span, loadOverrides);
      process.stdout.write(`${cal.addWorkingDays(date, n)}\n`);
    });

  return calendar;
}

export function registerCalendarCommands(program: Command, loadOverrides?: OverridesLoader): void {
  program.addCommand(buildCalendarCommand(loadOverrides));
}
