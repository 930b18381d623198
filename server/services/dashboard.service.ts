// Dashboards of directive tracking (issue 6, deliverable 5; DOMAIN.md §6): for an agency (with its
// whole subtree: province → districts → communes), a unit or a person — received, processed, on
// time, late, overdue, near due; the monthly ranking of units, lowest first; urges per unit and
// person; the share of documents exchanged electronically (target ≥ 90 %). Exports in CSV and XLSX.
import { z } from 'zod';
import type { Executor } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { hasRole, unitsIn, type Actor } from '../domain/actor.ts';
import { daysInMonth, formatDateString, todayInVietnam } from '../domain/vietnam-time.ts';
import { dashboardRepository, type Figures } from '../repositories/dashboard.repository.ts';
import { taskPeopleRepository } from '../repositories/task.repository.ts';
import { loadWorkingCalendar } from './calendar.service.ts';
import { barChart } from './dashboard-chart.ts';
import { nearLimitFor, visibleAgencyIds, type Clock } from './task.service.ts';
import { parseInput } from './validation.ts';

export interface Period {
  kind: 'month' | 'quarter' | 'year';
  year: number;
  month: number;
  quarter: number;
  from: string;
  to: string;
  label: string;
}

const queryShape = z.object({
  scope: z.enum(['agency', 'unit', 'person'], { message: 'phạm vi không hợp lệ' }).default('agency'),
  unitId: z.preprocess((v) => (v === '' ? undefined : v), z.string().regex(/^\d{1,18}$/, 'không hợp lệ').optional()),
  userId: z.preprocess((v) => (v === '' ? undefined : v), z.string().regex(/^\d{1,18}$/, 'không hợp lệ').optional()),
  period: z.enum(['month', 'quarter', 'year'], { message: 'chọn tháng, quý hoặc năm' }).default('month'),
  year: z.preprocess((v) => (v === '' || v === undefined ? undefined : Number(v)), z.number({ message: 'năm không hợp lệ' }).int('năm không hợp lệ').min(2000, 'năm không hợp lệ').max(2100, 'năm không hợp lệ').optional()),
  month: z.preprocess((v) => (v === '' || v === undefined ? undefined : Number(v)), z.number({ message: 'tháng không hợp lệ' }).int('tháng không hợp lệ').min(1, 'tháng từ 1 đến 12').max(12, 'tháng từ 1 đến 12').optional()),
  quarter: z.preprocess((v) => (v === '' || v === undefined ? undefined : Number(v)), z.number({ message: 'quý không hợp lệ' }).int('quý không hợp lệ').min(1, 'quý từ 1 đến 4').max(4, 'quý từ 1 đến 4').optional()),
});

export type DashboardQuery = z.input<typeof queryShape>;

export function periodOf(q: { period: Period['kind']; year?: number | undefined; month?: number | undefined; quarter?: number | undefined }, today: string): Period {
  const year = q.year ?? Number(today.slice(0, 4));
  const month = q.month ?? Number(today.slice(5, 7));
  const quarter = q.quarter ?? Math.ceil(month / 3);
  if (q.period === 'year') return { kind: 'year', year, month, quarter, from: formatDateString(year, 1, 1), to: formatDateString(year, 12, 31), label: `Năm ${year}` };
  if (q.period === 'quarter') {
    const m1 = (quarter - 1) * 3 + 1;
    return { kind: 'quarter', year, month, quarter, from: formatDateString(year, m1, 1), to: formatDateString(year, m1 + 2, daysInMonth(year, m1 + 2)), label: `Quý ${['I', 'II', 'III', 'IV'][quarter - 1]} năm ${year}` };
  }
  return { kind: 'month', year, month, quarter, from: formatDateString(year, month, 1), to: formatDateString(year, month, daysInMonth(year, month)), label: `Tháng ${month}/${year}` };
}

const pct = (n: number, d: number): number | null => (d === 0 ? null : Math.round((n / d) * 1000) / 10);

export const FIGURE_LABELS: [keyof Figures, string][] = [
  ['received', 'Được giao trong kỳ'],
  ['processed', 'Đã xử lý trong kỳ'],
  ['onTime', 'Hoàn thành đúng hạn'],
  ['late', 'Hoàn thành quá hạn'],
  ['overdue', 'Đang thực hiện quá hạn'],
  ['nearDue', 'Sắp đến hạn'],
  ['inProgress', 'Đang thực hiện trong hạn'],
];

export async function dashboardModel(db: Executor, actor: Actor, raw: unknown, clock: Clock = {}) {
  const q = parseInput(queryShape, raw);
  const agencyId = actor.activeAgencyId;
  if (!agencyId) throw new AppError('forbidden', 'Chưa chọn cơ quan làm việc.');
  const today = clock.today ?? todayInVietnam();
  const period = periodOf(q, today);
  const [agencyIds, cal] = await Promise.all([visibleAgencyIds(db, actor), loadWorkingCalendar(db)]);
  const [nearLimit, units] = await Promise.all([nearLimitFor(db, agencyId, cal, today), dashboardRepository.unitsOfAgencies(db, agencyIds)]);

  let scopeLabel = 'Toàn cơ quan và các cơ quan trực thuộc';
  let leadUnitId: string | undefined;
  let leadUserId: string | undefined;
  if (q.scope === 'unit') {
    const unitId = q.unitId ?? unitsIn(actor, agencyId)[0];
    const unit = units.find((u) => u.id === unitId);
    if (!unit) throw new AppError('not_found', 'Không tìm thấy đơn vị.');
    leadUnitId = unit.id;
    scopeLabel = `Đơn vị: ${unit.name}`;
  } else if (q.scope === 'person') {
    const userId = q.userId ?? actor.userId;
    if (userId !== actor.userId && !hasRole(actor, agencyId, 'leader', 'head', 'clerk', 'admin')) throw new AppError('forbidden', 'Bạn chỉ xem được số liệu của chính mình.');
    const person = (await taskPeopleRepository.usersOf(db, agencyId)).find((u) => u.id === userId);
    if (!person) throw new AppError('not_found', 'Không tìm thấy cán bộ.');
    leadUserId = person.id;
    scopeLabel = `Cá nhân: ${person.fullName}`;
  }
  const filter = { agencyIds, leadUnitId, leadUserId, from: period.from, to: period.to, today, nearLimit };
  const [figures, rankingRows, urges, docs] = await Promise.all([
    dashboardRepository.figures(db, filter),
    q.scope === 'agency' ? dashboardRepository.ranking(db, { agencyIds, from: period.from, to: period.to, today }) : Promise.resolve([]),
    dashboardRepository.urges(db, { agencyIds, from: period.from, to: period.to }),
    dashboardRepository.documentsBySource(db, { agencyIds, from: period.from, to: period.to }),
  ]);
  const ranking = rankingRows
    .map((r) => ({ ...r, score: pct(r.onTime, r.onTime + r.late + r.overdue) }))
    // Lowest first, as provinces publish it; units with nothing to judge come last.
    .sort((a, b) => (a.score ?? 101) - (b.score ?? 101) || b.overdue - a.overdue || a.unitName.localeCompare(b.unitName, 'vi'))
    .map((r, i) => ({ ...r, rank: i + 1, scoreText: r.score === null ? '—' : `${r.score.toLocaleString('vi-VN')} %` }));
  const onTimeRate = pct(figures.onTime, figures.processed);
  const electronicRate = pct(docs.electronic, docs.total);
  return {
    query: { ...q, year: period.year, month: period.month, quarter: period.quarter },
    period,
    scopeLabel,
    today,
    figures: FIGURE_LABELS.map(([key, label]) => ({ key, label, value: figures[key] })),
    raw: figures,
    onTimeRate,
    onTimeText: onTimeRate === null ? '—' : `${onTimeRate.toLocaleString('vi-VN')} %`,
    documents: docs,
    electronicRate,
    electronicText: electronicRate === null ? '—' : `${electronicRate.toLocaleString('vi-VN')} %`,
    electronicTargetMet: electronicRate !== null && electronicRate >= 90,
    ranking,
    urges,
    units,
    charts: {
      states: barChart('bd-trang-thai', `Tình hình thực hiện nhiệm vụ — ${period.label}`, [
        { label: 'Hoàn thành đúng hạn', value: figures.onTime, tone: 'green' },
        { label: 'Hoàn thành quá hạn', value: figures.late, tone: 'red' },
        { label: 'Đang thực hiện trong hạn', value: figures.inProgress, tone: 'blue' },
        { label: 'Sắp đến hạn', value: figures.nearDue, tone: 'amber' },
        { label: 'Đang thực hiện quá hạn', value: figures.overdue, tone: 'red' },
      ]),
      ranking: ranking.length
        ? barChart(
            'bd-xep-hang',
            `Tỷ lệ hoàn thành đúng hạn theo đơn vị — ${period.label} (thấp nhất trước)`,
            ranking.filter((r) => r.score !== null).slice(0, 15).map((r) => ({ label: r.unitName, value: r.score ?? 0, suffix: ' %', tone: (r.score ?? 0) < 80 ? 'red' : 'green' })),
            100,
          )
        : null,
    },
  };
}

export type DashboardModel = Awaited<ReturnType<typeof dashboardModel>>;

function exportRows(m: DashboardModel): (string | number)[][] {
  const rows: (string | number)[][] = [
    ['Báo cáo tình hình thực hiện nhiệm vụ', m.period.label],
    ['Phạm vi', m.scopeLabel],
    ['Ngày lập', m.today],
    [],
    ['Chỉ tiêu', 'Số lượng'],
    ...m.figures.map((f) => [f.label, f.value]),
    ['Tỷ lệ hoàn thành đúng hạn (%)', m.onTimeRate ?? ''],
    ['Văn bản trong kỳ', m.documents.total],
    ['Văn bản điện tử qua trục liên thông', m.documents.electronic],
    ['Tỷ lệ văn bản điện tử (%)', m.electronicRate ?? ''],
  ];
  if (m.ranking.length) {
    rows.push([], ['Xếp hạng', 'Đơn vị', 'Cơ quan', 'Được giao', 'Đúng hạn', 'Quá hạn (đã xong)', 'Đang quá hạn', 'Số lần bị đôn đốc', 'Tỷ lệ đúng hạn (%)']);
    for (const r of m.ranking) rows.push([r.rank, r.unitName, r.agencyName, r.received, r.onTime, r.late, r.overdue, r.urges, r.score ?? '']);
  }
  if (m.urges.length) {
    rows.push([], ['Đôn đốc', 'Đơn vị / cá nhân', 'Nhắc nhở', 'Phê bình', 'Kiểm điểm']);
    for (const u of m.urges) rows.push([u.kind === 'unit' ? 'Đơn vị' : 'Cá nhân', u.name, u.reminder, u.criticism, u.review]);
  }
  return rows;
}

/** CSV in UTF-8 with a BOM so that Excel shows the diacritics. */
export function dashboardCsv(m: DashboardModel): string {
  const cell = (v: string | number) => {
    const s = String(v);
    // A leading = + - @ would be a formula in a spreadsheet (CSV injection).
    const safe = /^[=+\-@]/.test(s) && typeof v === 'string' ? `'${s}` : s;
    return /[",\n;]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  return `\uFEFF${exportRows(m).map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`;
}

export async function dashboardXlsx(m: DashboardModel): Promise<Buffer> {
  // Loaded on first export only: exceljs costs the web process ~12 MB resident (docs/PERFORMANCE.md).
  const { default: ExcelJS } = await import('exceljs');
  const wb = new ExcelJS.Workbook();
  wb.creator = 'VănThư';
  const sheet = wb.addWorksheet('Tổng hợp');
  sheet.addRow(['Báo cáo tình hình thực hiện nhiệm vụ', m.period.label]).font = { bold: true };
  sheet.addRow(['Phạm vi', m.scopeLabel]);
  sheet.addRow(['Ngày lập', m.today]);
  sheet.addRow([]);
  sheet.addRow(['Chỉ tiêu', 'Số lượng']).font = { bold: true };
  for (const f of m.figures) sheet.addRow([f.label, f.value]);
  sheet.addRow(['Tỷ lệ hoàn thành đúng hạn (%)', m.onTimeRate ?? '']);
  sheet.addRow(['Văn bản trong kỳ', m.documents.total]);
  sheet.addRow(['Văn bản điện tử qua trục liên thông', m.documents.electronic]);
  sheet.addRow(['Tỷ lệ văn bản điện tử (%)', m.electronicRate ?? '']);
  sheet.getColumn(1).width = 42;
  sheet.getColumn(2).width = 30;
  if (m.ranking.length) {
    const rank = wb.addWorksheet('Xếp hạng');
    rank.addRow(['Xếp hạng', 'Đơn vị', 'Cơ quan', 'Được giao', 'Đúng hạn', 'Quá hạn (đã xong)', 'Đang quá hạn', 'Số lần bị đôn đốc', 'Tỷ lệ đúng hạn (%)']).font = { bold: true };
    for (const r of m.ranking) rank.addRow([r.rank, r.unitName, r.agencyName, r.received, r.onTime, r.late, r.overdue, r.urges, r.score ?? '']);
    rank.getColumn(2).width = 36;
    rank.getColumn(3).width = 40;
  }
  if (m.urges.length) {
    const urge = wb.addWorksheet('Đôn đốc');
    urge.addRow(['Loại', 'Đơn vị / cá nhân', 'Nhắc nhở', 'Phê bình', 'Kiểm điểm']).font = { bold: true };
    for (const u of m.urges) urge.addRow([u.kind === 'unit' ? 'Đơn vị' : 'Cá nhân', u.name, u.reminder, u.criticism, u.review]);
    urge.getColumn(2).width = 36;
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}
