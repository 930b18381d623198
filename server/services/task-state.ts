// Report categories of Decision 42/2014/QĐ-TTg (amended 23/2018), plus "sắp đến hạn". The same rule
// is written twice: here for one task in memory, and as a CASE expression over indexed columns in
// task.repository.ts (stateSql) so that lists and counts stay in SQL. Tests check they agree.
import type { WorkingCalendar } from '../domain/working-calendar.ts';

export type TaskState = 'in_progress' | 'near_due' | 'overdue' | 'done_on_time' | 'done_late';

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
