// Dashboards (agency with its subtree, unit, person) with month/quarter/year filters; the same
// model is exported as CSV and XLSX.
import type { Request, Response } from 'express';
import type { AppContext } from '../app-context.ts';
import type { Actor } from '../domain/actor.ts';
import { dashboardCsv, dashboardModel, dashboardXlsx } from '../services/dashboard.service.ts';

const exportName = (m: { period: { from: string; to: string } }, ext: string) => `bao-cao-nhiem-vu-${m.period.from}-${m.period.to}.${ext}`;

export function dashboardController(ctx: AppContext) {
  const { db } = ctx;
  return {
    async show(req: Request, res: Response): Promise<void> {
      const m = await dashboardModel(db, req.actor as Actor, req.query);
      const qs = new URLSearchParams(Object.entries(m.query).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)] as [string, string])).toString();
      res.render('dashboard/index', {
        title: 'Bảng điều hành',
        ...m,
        qs,
        months: Array.from({ length: 12 }, (_, i) => ({ value: i + 1, selected: m.query.month === i + 1 })),
        quarters: [1, 2, 3, 4].map((q) => ({ value: q, label: ['I', 'II', 'III', 'IV'][q - 1], selected: m.query.quarter === q })),
        periods: [
          { value: 'month', label: 'Tháng', selected: m.period.kind === 'month' },
          { value: 'quarter', label: 'Quý', selected: m.period.kind === 'quarter' },
          { value: 'year', label: 'Năm', selected: m.period.kind === 'year' },
        ],
        scopes: [
          { value: 'agency', label: 'Cơ quan (gồm cơ quan trực thuộc)', selected: m.query.scope === 'agency' },
          { value: 'unit', label: 'Đơn vị', selected: m.query.scope === 'unit' },
          { value: 'person', label: 'Cá nhân', selected: m.query.scope === 'person' },
        ],
        unitOptions: m.units.map((u) => ({ ...u, selected: u.id === m.query.unitId })),
      });
    },

    async csv(req: Request, res: Response): Promise<void> {
      const m = await dashboardModel(db, req.actor as Actor, req.query);
      res.type('text/csv; charset=utf-8').attachment(exportName(m, 'csv')).send(dashboardCsv(m));
    },

    async xlsx(req: Request, res: Response): Promise<void> {
      const m = await dashboardModel(db, req.actor as Actor, req.query);
      res.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').attachment(exportName(m, 'xlsx')).send(await dashboardXlsx(m));
    },
  };
}
