import { expect } from 'chai';
import { createWorkingCalendar } from '../../server/domain/working-calendar.ts';
import { overridesOf } from '../../server/services/calendar.service.ts';
import { nearDueLimit, taskStateOf, TASK_STATE_LABELS } from '../../server/services/task-state.ts';
import { periodOf } from '../../server/services/dashboard.service.ts';
import { barChart } from '../../server/services/dashboard-chart.ts';

describe('task state (Decision 42/2014 report categories)', () => {
  const today = '2026-12-10'; // Thursday
  const cal = createWorkingCalendar();
  const near = nearDueLimit(cal, today, 3); // Fri, Mon, Tue

  it('puts the "sắp đến hạn" window in working days, across the weekend', () => {
    expect(near).to.equal('2026-12-15');
    expect(nearDueLimit(cal, today, 0)).to.equal(today);
  });

  const cases: [string, string | null, string][] = [
    ['2026-12-09', null, 'Đang thực hiện quá hạn'],
    ['2026-12-10', null, 'Sắp đến hạn'], // the deadline day itself is still on time
    ['2026-12-15', null, 'Sắp đến hạn'],
    ['2026-12-16', null, 'Đang thực hiện trong hạn'],
    ['2026-12-09', '2026-12-09', 'Hoàn thành đúng hạn'],
    ['2026-12-09', '2026-12-10', 'Hoàn thành quá hạn'],
    ['2026-12-31', '2026-12-01', 'Hoàn thành đúng hạn'],
  ];
  for (const [deadline, completedOn, label] of cases) {
    it(`deadline ${deadline}, completed ${completedOn ?? 'not yet'} → ${label}`, () => {
      expect(TASK_STATE_LABELS[taskStateOf({ deadline, completedOn }, today, near)]).to.equal(label);
    });
  }
});

describe('calendar overrides as stored', () => {
  const cal = createWorkingCalendar(overridesOf([
    { date: '2026-12-31', kind: 'day_off', name: 'Nghỉ cuối năm' },
    { date: '2027-01-02', kind: 'working_day', name: 'Làm bù' },
  ]));

  it('makes a declared day off skip and a make-up Saturday count', () => {
    expect(cal.isWorkingDay('2026-12-31')).to.equal(false);
    expect(cal.isWorkingDay('2027-01-02')).to.equal(true);
    expect(cal.addWorkingDays('2026-12-30', 1)).to.equal('2027-01-02');
    expect(cal.holidaysOf(2026).find((h) => h.date === '2026-12-31')?.name).to.equal('Nghỉ cuối năm');
  });

  it('moves a deadline on a day off to the next working day', () => {
    expect(cal.nextWorkingDayOnOrAfter('2026-12-31')).to.equal('2027-01-02');
  });
});

describe('dashboard periods and charts', () => {
  it('bounds months, quarters and years in Vietnamese', () => {
    expect(periodOf({ period: 'month', year: 2026, month: 2 }, '2026-11-28')).to.deep.include({ from: '2026-02-01', to: '2026-02-28', label: 'Tháng 2/2026' });
    expect(periodOf({ period: 'quarter', year: 2026, quarter: 4 }, '2026-11-28')).to.deep.include({ from: '2026-10-01', to: '2026-12-31', label: 'Quý IV năm 2026' });
    expect(periodOf({ period: 'year' }, '2026-11-28')).to.deep.include({ from: '2026-01-01', to: '2026-12-31', label: 'Năm 2026' });
  });

  it('describes every bar in text for screen readers', () => {
    const c = barChart('x', 'Tiêu đề', [{ label: 'Đúng hạn', value: 9 }, { label: 'Quá hạn', value: 0, tone: 'red' }]);
    expect(c.desc).to.equal('Đúng hạn: 9; Quá hạn: 0');
    expect(c.bars[0]!.barWidth).to.be.greaterThan(0);
    expect(c.bars[1]!.barWidth).to.equal(0);
  });
});

describe('counting working days for whole lists', () => {
  it('agrees with the calendar\'s day-by-day count, across years, weekends, Tết and overrides', async () => {
    const { countWorkingDaysBetween } = await import('../../server/services/task-state.ts');
    const cal = createWorkingCalendar(overridesOf([{ date: '2027-02-20', kind: 'working_day', name: 'Làm bù' }, { date: '2026-12-30', kind: 'day_off', name: 'Nghỉ' }]));
    const dates = ['2025-12-31', '2026-01-01', '2026-02-13', '2026-02-23', '2026-04-30', '2026-12-30', '2027-01-04', '2027-02-20', '2027-12-31', '2028-03-01'];
    for (const a of dates) for (const b of dates) expect(countWorkingDaysBetween(cal, a, b), `${a} → ${b}`).to.equal(cal.workingDaysBetween(a, b));
  });
});
