// Reminders of directive tracking (issue 6, deliverable 4), run by a repeatable job: a task nearing
// its deadline reminds its lead and co-handlers; an overdue task reminds its lead every working day
// and escalates once (per deadline) to the head of the unit. Each message has a key (kind, task, deadline, recipient): a second run, or
// two workers at once, claim nothing new, and an extended deadline earns a fresh reminder.
import type { Database } from '../db/database.ts';
import { todayInVietnam } from '../domain/vietnam-time.ts';
import { taskPeopleRepository as people, taskRepository } from '../repositories/task.repository.ts';
import { appendAudit, SYSTEM_ACTOR } from './audit.service.ts';
import { loadWorkingCalendar } from './calendar.service.ts';
import { leadRecipients } from './task.service.ts';
import { notifyUsers } from './task-notification.service.ts';
import { countWorkingDaysBetween, nearDueLimit } from './task-state.ts';

const MAX_WINDOW = 30;
const DEFAULT_WINDOW = 3;

export interface ReminderRun {
  nearDue: number;
  overdue: number;
  escalated: number;
}

export async function runReminders(db: Database, opts: { today?: string } = {}): Promise<ReminderRun> {
  const today = opts.today ?? todayInVietnam();
  const cal = await loadWorkingCalendar(db);
  const result: ReminderRun = { nearDue: 0, overdue: 0, escalated: 0 };
  // Nobody is reminded on a day off; the next working day's run catches up.
  if (!cal.isWorkingDay(today)) return result;
  const windows = await taskRepository.allSettings(db);
  const maxLimit = nearDueLimit(cal, today, Math.min(MAX_WINDOW, Math.max(DEFAULT_WINDOW, ...windows.values())));
  const candidates = await taskRepository.openDueBy(db, maxLimit);
  const limits = new Map<string, string>();
  const limitOf = (agencyId: string) => {
    let l = limits.get(agencyId);
    if (!l) limits.set(agencyId, (l = nearDueLimit(cal, today, windows.get(agencyId) ?? DEFAULT_WINDOW)));
    return l;
  };
  const co = await taskRepository.coHandlersOf(db, candidates.map((t) => t.id));

  await db.transaction().execute(async (trx) => {
    for (const t of candidates) {
      const agencyId = String(t.agencyId);
      const lead = await leadRecipients(trx, t);
      if (t.deadline < today) {
        const lateBy = countWorkingDaysBetween(cal, t.deadline, today);
        result.overdue += await notifyUsers(trx, lead, {
          taskId: t.id,
          kind: 'overdue',
          title: `Quá hạn: ${t.title}`,
          body: `Nhiệm vụ đã quá hạn ${lateBy} ngày làm việc (hạn ${t.deadline}).`,
          dedupeKey: (u) => `overdue:${t.id}:${today}:${u}`, // daily while overdue
        });
        // Escalation to the head of the unit: the lead unit's heads, or the heads of the lead
        // person's units; the agency's leaders when the unit has no head.
        const units = t.leadUnitId ? [String(t.leadUnitId)] : await people.unitsOfUser(trx, String(t.leadUserId), agencyId);
        let heads = (await Promise.all(units.map((u) => people.headsOfUnit(trx, u)))).flat();
        if (heads.length === 0) heads = await people.leadersOf(trx, agencyId);
        result.escalated += await notifyUsers(trx, heads, {
          taskId: t.id,
          kind: 'escalated',
          title: `Báo cáo quá hạn: ${t.title}`,
          body: `Nhiệm vụ do đơn vị/cá nhân thuộc quyền quản lý chủ trì đã quá hạn ${lateBy} ngày làm việc (hạn ${t.deadline}).`,
          dedupeKey: (u) => `escalated:${t.id}:${t.deadline}:${u}`,
        });
      } else if (t.deadline <= limitOf(agencyId)) {
        const coUsers: string[] = [];
        for (const c of co.filter((x) => String(x.taskId) === t.id)) {
          if (c.userId) coUsers.push(String(c.userId));
          else if (c.unitId) coUsers.push(...(await people.headsOfUnit(trx, String(c.unitId))));
        }
        const left = countWorkingDaysBetween(cal, today, t.deadline);
        result.nearDue += await notifyUsers(trx, [...lead, ...coUsers], {
          taskId: t.id,
          kind: 'near_due',
          title: `Sắp đến hạn: ${t.title}`,
          body: left === 0 ? `Hôm nay (${t.deadline}) là hạn xử lý.` : `Còn ${left} ngày làm việc đến hạn ${t.deadline}.`,
          dedupeKey: (u) => `near:${t.id}:${t.deadline}:${u}`,
        });
      }
    }
    const total = result.nearDue + result.overdue + result.escalated;
    if (total > 0) await appendAudit(trx, { actor: SYSTEM_ACTOR, action: 'task.reminders.sent', entityType: 'reminder_run', entityId: today, after: { ...result } });
  });
  return result;
}
