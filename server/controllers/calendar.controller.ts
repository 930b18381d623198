// The administrators' working calendar page: the year's days off (computed and declared), make-up
// working days, and the overrides they may add or remove.
import type { Request, Response } from 'express';
import type { AppContext } from '../app-context.ts';
import { isAppError } from '../errors.ts';
import type { Actor } from '../domain/actor.ts';
import { dayOfWeek, todayInVietnam } from '../domain/vietnam-time.ts';
import { addCalendarOverride, calendarYearModel, removeCalendarOverride } from '../services/calendar.service.ts';

const WEEKDAYS = ['Chủ nhật', 'Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy'];
const KIND_LABELS: Record<string, string> = { holiday: 'Nghỉ lễ, Tết', compensatory: 'Nghỉ bù', declared: 'Nghỉ theo quyết định' };

export function calendarController(ctx: AppContext) {
  const { db } = ctx;

  async function model(req: Request) {
    const q = Number.parseInt(String(req.query.year ?? req.body?.date?.slice?.(0, 4) ?? ''), 10);
    const year = q >= 1900 && q <= 2199 ? q : Number(todayInVietnam().slice(0, 4));
    const m = await calendarYearModel(db, year);
    return {
      title: `Lịch làm việc năm ${year}`,
      year,
      prevYear: year - 1,
      nextYear: year + 1,
      holidays: m.holidays.map((h) => ({ ...h, weekday: WEEKDAYS[dayOfWeek(h.date)], kindLabel: KIND_LABELS[h.kind] })),
      makeUpDays: m.makeUpDays.map((d) => ({ date: d, weekday: WEEKDAYS[dayOfWeek(d)] })),
      overrides: m.overrides.map((o) => ({ ...o, kindLabel: o.kind === 'day_off' ? 'Ngày nghỉ' : 'Ngày làm việc bù', weekday: WEEKDAYS[dayOfWeek(o.date)] })),
    };
  }

  return {
    async show(req: Request, res: Response): Promise<void> {
      const moved = req.query.moved ? Number(req.query.moved) : null;
      res.render('calendar/index', { ...(await model(req)), flash: req.query.ok ? `Đã cập nhật lịch làm việc${moved ? `; thời hạn của ${moved} nhiệm vụ đã được tính lại` : ''}.` : undefined });
    },

    async add(req: Request, res: Response): Promise<void> {
      try {
        const r = await addCalendarOverride(db, req.actor as Actor, req.body);
        res.redirect(303, `/calendar?year=${String(r.override!.year)}&ok=1&moved=${r.movedTasks}`);
      } catch (e) {
        if (!isAppError(e)) throw e;
        res.status(e.status).render('calendar/index', { ...(await model(req)), error: e.message, form: req.body });
      }
    },

    async remove(req: Request, res: Response): Promise<void> {
      try {
        const r = await removeCalendarOverride(db, req.actor as Actor, String(req.params.id));
        res.redirect(303, `/calendar?year=${String(req.body?.year ?? '')}&ok=1&moved=${r.movedTasks}`);
      } catch (e) {
        if (!isAppError(e) || e.code === 'not_found') throw e;
        res.status(e.status).render('calendar/index', { ...(await model(req)), error: e.message });
      }
    },
  };
}
