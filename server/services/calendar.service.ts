// The working calendar as the application uses it: computed statutory holidays (server/domain)
// corrected by the administrators' overrides stored in calendar_override. A change of the calendar
// moves the deadlines of open tasks given in working days, in the same transaction; a change on a
// date already passed that would move such a deadline is refused (issue 6, bad input).
import { z } from 'zod';
import type { Database, Executor } from '../db/database.ts';
import type { CalendarOverrideRow } from '../db/tables/tasks.tables.ts';
import { createPool, createDatabase } from '../db/database.ts';
import { loadConfig } from '../config.ts';
import { AppError } from '../errors.ts';
import { hasAnyRole, actorLabel, type Actor } from '../domain/actor.ts';
import { createWorkingCalendar, type CalendarOverrides, type WorkingCalendar } from '../domain/working-calendar.ts';
import { isDateString, todayInVietnam } from '../domain/vietnam-time.ts';
import { calendarRepository } from '../repositories/calendar.repository.ts';
import { taskRepository } from '../repositories/task.repository.ts';
import { appendAudit } from './audit.service.ts';
import { parseInput } from './validation.ts';

export function overridesOf(rows: readonly Pick<CalendarOverrideRow, 'date' | 'kind' | 'name'>[]): CalendarOverrides {
  return {
    daysOff: rows.filter((r) => r.kind === 'day_off').map((r) => ({ date: r.date, name: r.name })),
    workingDays: rows.filter((r) => r.kind === 'working_day').map((r) => ({ date: r.date, name: r.name })),
  };
}

let cached: { key: string; cal: WorkingCalendar } | null = null;

/**
 * The calendar with every stored override. The rows (a few dozen) are read on every call, so a
 * change made by another process is seen at once; the computed calendar is reused while they are
 * unchanged, keeping its per-year holiday caches warm.
 */
export async function loadWorkingCalendar(db: Executor): Promise<WorkingCalendar> {
  const rows = await calendarRepository.listAll(db);
  const key = JSON.stringify(rows.map((r) => [r.date, r.kind, r.name]));
  if (cached?.key === key) return cached.cal;
  const cal = createWorkingCalendar(overridesOf(rows));
  cached = { key, cal };
  return cal;
}

export async function overridesForYear(db: Executor, year: number): Promise<CalendarOverrides> {
  return overridesOf(await calendarRepository.listYear(db, year));
}

/**
 * The loader for `vanthu calendar …`: reads the overrides from DATABASE_URL when one is configured;
 * undefined (statutory calendar only) otherwise. A database not yet migrated gives no overrides.
 */
export function databaseOverridesLoader(databaseUrl: string | undefined): ((year: number) => Promise<CalendarOverrides>) | undefined {
  if (!databaseUrl) return undefined;
  return async (year: number) => {
    const pool = createPool(databaseUrl, 1);
    try {
      return await overridesForYear(createDatabase(pool), year);
    } catch (e) {
      if ((e as { code?: string }).code === '42P01') return {}; // relation does not exist yet
      throw new AppError('unavailable', `Không đọc được lịch làm việc từ cơ sở dữ liệu: ${(e as Error).message}`);
    } finally {
      await pool.end();
    }
  };
}

const dateField = z.string().trim().refine(isDateString, 'ngày không hợp lệ (cần dạng YYYY-MM-DD)');

const overrideInput = z.object({
  date: dateField,
  kind: z.enum(['day_off', 'working_day'], { message: 'chọn "ngày nghỉ" hoặc "ngày làm việc bù"' }),
  name: z.string().trim().min(1, 'cần ghi rõ lý do').max(200, 'tối đa 200 ký tự'),
});

function assertAdmin(actor: Actor): void {
  if (!hasAnyRole(actor, 'admin')) throw new AppError('forbidden', 'Chỉ quản trị hệ thống được sửa lịch làm việc.');
}

export interface CalendarChangeResult {
  override: CalendarOverrideRow | null;
  movedTasks: number;
}

/**
 * Applies a calendar change: tasks whose deadline was given in working days and not extended get
 * their deadline recomputed. A date before today that would move such a deadline is refused: the
 * count of working days already elapsed for open tasks must not change behind their backs.
 */
async function applyChange(trx: Executor, next: WorkingCalendar, date: string, today: string): Promise<{ id: string; deadline: string }[]> {
  const affected = await taskRepository.openWorkingDayTasksSpanning(trx, date);
  const moves = affected
    .map((t) => ({ id: t.id, from: t.deadline, deadline: next.addWorkingDays(t.assignedOn, t.deadlineWorkingDays) }))
    .filter((m) => m.deadline !== m.from);
  if (moves.length && date < today) {
    throw new AppError(
      'conflict',
      `Ngày ${date} đã qua và đã được tính vào thời hạn của ${moves.length} nhiệm vụ đang thực hiện; không thể thay đổi lịch của ngày này.`,
    );
  }
  for (const m of moves) await taskRepository.recomputeDeadline(trx, m.id, m.deadline);
  return moves;
}

export async function addCalendarOverride(db: Database, actor: Actor, raw: unknown, opts: { today?: string } = {}): Promise<CalendarChangeResult> {
  assertAdmin(actor);
  const input = parseInput(overrideInput, raw);
  const today = opts.today ?? todayInVietnam();
  return db.transaction().execute(async (trx) => {
    await calendarRepository.lock(trx);
    if (await calendarRepository.findByDate(trx, input.date)) {
      throw new AppError('conflict', `Ngày ${input.date} đã có trong danh sách điều chỉnh; hãy xóa mục cũ trước.`);
    }
    const current = await loadWorkingCalendar(trx);
    const isWorking = current.isWorkingDay(input.date);
    if (input.kind === 'day_off' && !isWorking) throw new AppError('validation', `Ngày ${input.date} đã là ngày nghỉ.`);
    if (input.kind === 'working_day' && isWorking) throw new AppError('validation', `Ngày ${input.date} đã là ngày làm việc.`);
    const rows = [...(await calendarRepository.listAll(trx)), { date: input.date, kind: input.kind, name: input.name }];
    const next = createWorkingCalendar(overridesOf(rows));
    const moves = await applyChange(trx, next, input.date, today);
    const override = await calendarRepository.insert(trx, { ...input, createdBy: actor.userId });
    await appendAudit(trx, {
      actor: { userId: actor.userId, label: actorLabel(actor) },
      action: 'calendar.override.added',
      entityType: 'calendar_override',
      entityId: override.id,
      after: { date: input.date, kind: input.kind, name: input.name, movedTasks: moves.map((m) => m.id) },
    });
    return { override, movedTasks: moves.length };
  });
}

export async function removeCalendarOverride(db: Database, actor: Actor, id: string, opts: { today?: string } = {}): Promise<CalendarChangeResult> {
  assertAdmin(actor);
  const today = opts.today ?? todayInVietnam();
  return db.transaction().execute(async (trx) => {
    await calendarRepository.lock(trx);
    const row = await calendarRepository.findById(trx, id);
    if (!row) throw new AppError('not_found', 'Không tìm thấy ngày điều chỉnh.');
    const rows = (await calendarRepository.listAll(trx)).filter((r) => r.id !== row.id);
    const moves = await applyChange(trx, createWorkingCalendar(overridesOf(rows)), row.date, today);
    await calendarRepository.delete(trx, row.id);
    await appendAudit(trx, {
      actor: { userId: actor.userId, label: actorLabel(actor) },
      action: 'calendar.override.removed',
      entityType: 'calendar_override',
      entityId: row.id,
      before: { date: row.date, kind: row.kind, name: row.name },
      after: { movedTasks: moves.map((m) => m.id) },
    });
    return { override: null, movedTasks: moves.length };
  });
}

export async function calendarYearModel(db: Executor, year: number) {
  const cal = await loadWorkingCalendar(db);
  return {
    holidays: cal.holidaysOf(year),
    makeUpDays: cal.makeUpWorkingDaysOf(year),
    overrides: await calendarRepository.listYear(db, year),
  };
}

/**
 * The loader wired into `vanthu calendar …`: reads DATABASE_URL at the time of the command (not at
 * start-up, so that other commands are not affected), and uses the statutory calendar without it.
 */
export async function cliCalendarOverrides(year: number): Promise<CalendarOverrides> {
  const load = databaseOverridesLoader(loadConfig().databaseUrl);
  return load ? load(year) : {};
}
