// Report categories of Decision 42/2014/QĐ-TTg (amended 23/2018), plus "sắp đến hạn". The same rule
// is written twice: here for one task in memory, and as a CASE expression over indexed columns in
// task.repository.ts (stateSql) so that lists and counts stay in SQL. Tests check they agree.
import type { WorkingCalendar } from '../domain/working-calendar.ts';
import { dayNumber, formatDateString, fromDayNumber } from '../domain/vietnam-time.ts';
import type { TaskState } from '../db/tables/tasks.tables.ts';

export type { TaskState };

export const TASK_STATES: readonly TaskState[] = ['in_progress', 'near_due', 'overdue', 'done_on_time', 'done_late'];

export const TASK_STATE_LABELS: Record<TaskState, string> = {
  in_progress: 'Đang thực hiện trong hạn',
  near_due: 'Sắp đến hạn',
  overdue: 'Đang thực hiện quá hạn',
  done_on_time: 'Hoàn thành đúng hạn',
  done_late: 'Hoàn thành quá hạn',
};

export const TASK_STATE_BADGES: Record<TaskState, string> = {
  in_progress: 'green',
  near_due: 'amber',
  overdue: 'red',
  done_on_time: 'green',
  done_late: 'red',
};

/**
 * The last date still "sắp đến hạn": `window` working days after today. A deadline on the day itself
 * is still on time (the task is overdue from the next day).
 */
export function nearDueLimit(cal: WorkingCalendar, today: string, window: number): string {
  return window <= 0 ? today : cal.addWorkingDays(today, window);
}

export function taskStateOf(t: { deadline: string; completedOn: string | null }, today: string, nearLimit: string): TaskState {
  if (t.completedOn !== null) return t.completedOn <= t.deadline ? 'done_on_time' : 'done_late';
  if (t.deadline < today) return 'overdue';
  if (t.deadline <= nearLimit) return 'near_due';
  return 'in_progress';
}

// Working days between two dates for whole lists (overdue by N working days on every row): one pass
// per year builds a prefix count, then each pair is two lookups instead of a walk day by day.
const prefixes = new WeakMap<WorkingCalendar, Map<number, Int32Array>>();

function prefixOf(cal: WorkingCalendar, year: number): Int32Array {
  let byYear = prefixes.get(cal);
  if (!byYear) prefixes.set(cal, (byYear = new Map()));
  let p = byYear.get(year);
  if (!p) {
    const first = dayNumber(formatDateString(year, 1, 1));
    const days = dayNumber(formatDateString(year, 12, 31)) - first + 1;
    p = new Int32Array(days);
    let n = 0;
    for (let i = 0; i < days; i++) {
      if (cal.isWorkingDay(fromDayNumber(first + i))) n++;
      p[i] = n;
    }
    byYear.set(year, p);
  }
  return p;
}

/** Same result as cal.workingDaysBetween(a, b): working days in (a, b], negative when b < a. */
export function countWorkingDaysBetween(cal: WorkingCalendar, a: string, b: string): number {
  if (a === b) return 0;
  if (b < a) return -countWorkingDaysBetween(cal, b, a);
  const ya = Number(a.slice(0, 4));
  const yb = Number(b.slice(0, 4));
  const doy = (d: string, y: number) => dayNumber(d) - dayNumber(formatDateString(y, 1, 1));
  let total = 0;
  for (let y = ya; y < yb; y++) {
    const p = prefixOf(cal, y);
    total += p[p.length - 1]!;
  }
  return total + prefixOf(cal, yb)[doy(b, yb)]! - prefixOf(cal, ya)[doy(a, ya)]!;
}
