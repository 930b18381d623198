import { expect } from 'chai';
import { createWorkingCalendar, mergeOverrides, statutoryHolidaysOf, type CalendarOverrides } from '../../../server/domain/working-calendar.ts';
import { AppError } from '../../../server/errors.ts';

// Weekday from the JavaScript engine, independent of our date arithmetic.
const weekday = (date: string): number => new Date(`${date}T00:00:00Z`).getUTCDay();
const isWeekend = (date: string): boolean => weekday(date) === 0 || weekday(date) === 6;
const range = (from: string, to: string): string[] => {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
};

// DOMAIN.md §6: Tết 2026 leave for civil servants ran 14–22 Feb 2026.
const tet2026Leave: CalendarOverrides = {
  daysOff: range('2026-02-14', '2026-02-22').map((date) => ({ date, name: 'Nghỉ Tết Nguyên Đán 2026' })),
};

describe('working calendar (Labour Code 2019 Art. 112)', () => {
  const cal = createWorkingCalendar();

  it('treats Saturdays and Sundays as days off and ordinary weekdays as working days', () => {
    expect(cal.isWorkingDay('2026-03-07')).to.equal(false); // Saturday
    expect(cal.isWorkingDay('2026-03-08')).to.equal(false); // Sunday
    expect(cal.isWorkingDay('2026-03-09')).to.equal(true); // Monday
    expect(weekday('2026-03-07')).to.equal(6);
  });

  it('lists eleven statutory holiday days every year: 1/1, five Tết days, Giỗ Tổ, 30/4, 1/5, 2/9 and one adjacent day', () => {
    for (let year = 2021; year <= 2050; year++) {
      const statutory = statutoryHolidaysOf(year);
      expect(statutory, String(year)).to.have.length(11);
      expect(new Set(statutory.map((h) => h.date)).size, String(year)).to.equal(11);
      const dates = statutory.map((h) => h.date);
      expect(dates).to.include.members([`${year}-01-01`, `${year}-04-30`, `${year}-05-01`, `${year}-09-02`]);
      expect(dates.filter((d) => d === `${year}-09-01` || d === `${year}-09-03`), String(year)).to.have.length(1);
    }
  });

  it('gives Tết 2026 as the last day of the lunar year and mùng 1–4: 16–20 Feb 2026, flagged as lunar', () => {
    const tet = cal.holidaysOf(2026).filter((h) => h.name.startsWith('Tết Nguyên Đán'));
    expect(tet.map((h) => h.date)).to.deep.equal(range('2026-02-16', '2026-02-20'));
    expect(tet.every((h) => h.lunar && h.kind === 'holiday')).to.equal(true);
    expect(tet.find((h) => h.date === '2026-02-17')?.name).to.match(/mùng 1/);
  });

  it('puts Giỗ Tổ on lunar 10/3 for each year DOMAIN.md lists', () => {
    const expected: Record<number, string> = { 2026: '2026-04-26', 2027: '2027-04-16', 2028: '2028-04-04', 2029: '2029-04-23', 2030: '2030-04-12' };
    for (const [year, date] of Object.entries(expected)) {
      const gioTo = cal.holidaysOf(Number(year)).find((h) => h.name.startsWith('Giỗ Tổ'));
      expect(gioTo, year).to.deep.include({ date, lunar: true, kind: 'holiday' });
    }
  });

  it('gives a compensatory day on the next working day when Giỗ Tổ 2026 falls on a Sunday', () => {
    expect(weekday('2026-04-26')).to.equal(0);
    const bu = cal.holidaysOf(2026).filter((h) => h.kind === 'compensatory');
    expect(bu.map((h) => h.date)).to.deep.equal(['2026-04-27']);
    expect(bu[0]!.name).to.match(/^Nghỉ bù Giỗ Tổ/);
    expect(cal.isWorkingDay('2026-04-27')).to.equal(false);
    expect(cal.isWorkingDay('2026-04-28')).to.equal(true);
  });

  it('moves 1 Jan 2028, a Saturday, to Monday 3 Jan', () => {
    expect(weekday('2028-01-01')).to.equal(6);
    const bu = cal.holidaysOf(2028).filter((h) => h.kind === 'compensatory' && h.name.includes('Tết Dương lịch'));
    expect(bu.map((h) => h.date)).to.deep.equal(['2028-01-03']);
  });

  it('gives every weekend holiday exactly one compensatory weekday after it, never on another day off (2021–2050)', () => {
    for (let year = 2021; year <= 2050; year++) {
      const all = cal.holidaysOf(year);
      const statutory = all.filter((h) => h.kind === 'holiday');
      const bu = all.filter((h) => h.kind === 'compensatory');
      expect(bu, String(year)).to.have.length(statutory.filter((h) => isWeekend(h.date)).length);
      for (const b of bu) {
        expect(isWeekend(b.date), b.date).to.equal(false);
        expect(statutory.map((h) => h.date), b.date).not.to.include(b.date);
      }
    }
  });

  it('chooses the day next to 2 Sep as the Government did in 2021–2025', () => {
    // 2021: 2–5 Sep; 2022: 1–4 Sep; 2023: 1–4 Sep (nghỉ bù 4 Sep); 2024: 31 Aug–3 Sep; 2025: 30 Aug–2 Sep.
    const companion = (year: number): string =>
      statutoryHolidaysOf(year).map((h) => h.date).find((d) => d === `${year}-09-01` || d === `${year}-09-03`)!;
    expect(companion(2021)).to.equal('2021-09-03');
    expect(companion(2022)).to.equal('2022-09-01');
    expect(companion(2023)).to.equal('2023-09-01');
    expect(companion(2024)).to.equal('2024-09-03');
    expect(companion(2025)).to.equal('2025-09-01');
    expect(cal.holidaysOf(2023).filter((h) => h.kind === 'compensatory').map((h) => h.date)).to.include('2023-09-04');
    for (const d of range('2023-09-01', '2023-09-04')) expect(cal.isWorkingDay(d), d).to.equal(false);
    for (const d of range('2024-08-31', '2024-09-03')) expect(cal.isWorkingDay(d), d).to.equal(false);
    expect(cal.isWorkingDay('2024-09-04')).to.equal(true);
  });

  it('always picks a weekday next to 2 Sep', () => {
    for (let year = 2021; year <= 2060; year++) {
      const d = statutoryHolidaysOf(year).find((h) => h.date === `${year}-09-01` || h.date === `${year}-09-03`)!.date;
      expect(isWeekend(d), d).to.equal(false);
    }
  });

  it("applies the administrators' Tết 2026 leave of 14–22 Feb", () => {
    const withLeave = createWorkingCalendar(tet2026Leave);
    for (const d of range('2026-02-14', '2026-02-22')) expect(withLeave.isWorkingDay(d), d).to.equal(false);
    expect(withLeave.isWorkingDay('2026-02-13')).to.equal(true);
    expect(withLeave.isWorkingDay('2026-02-23')).to.equal(true);
    expect(withLeave.addWorkingDays('2026-02-13', 1)).to.equal('2026-02-23');
    const declared = withLeave.holidaysOf(2026).filter((h) => h.kind === 'declared').map((h) => h.date);
    // 16–20 Feb are statutory already; the other leave days are listed as declared.
    expect(declared).to.deep.equal(['2026-02-14', '2026-02-15', '2026-02-21', '2026-02-22']);
  });

  it('makes a declared make-up Saturday a working day', () => {
    const c = createWorkingCalendar({ workingDays: [{ date: '2026-02-07', name: 'Làm bù' }] });
    expect(weekday('2026-02-07')).to.equal(6);
    expect(c.isWorkingDay('2026-02-07')).to.equal(true);
    expect(c.makeUpWorkingDaysOf(2026)).to.deep.equal(['2026-02-07']);
    expect(c.addWorkingDays('2026-02-06', 1)).to.equal('2026-02-07');
    expect(cal.addWorkingDays('2026-02-06', 1)).to.equal('2026-02-09');
  });

  it('lets an administrator move the day next to 2 Sep by declaring one a working day and another off', () => {
    const c = createWorkingCalendar({ workingDays: [{ date: '2026-09-01' }], daysOff: [{ date: '2026-09-03', name: 'Quốc khánh' }] });
    expect(c.isWorkingDay('2026-09-01')).to.equal(true);
    expect(c.isWorkingDay('2026-09-03')).to.equal(false);
    expect(c.holidaysOf(2026).map((h) => h.date)).not.to.include('2026-09-01');
  });

  it('refuses a date declared both off and working, and malformed dates', () => {
    expect(() => createWorkingCalendar({ daysOff: [{ date: '2026-05-04', name: 'x' }], workingDays: [{ date: '2026-05-04' }] })).to.throw(AppError);
    expect(() => createWorkingCalendar({ daysOff: [{ date: '2026-13-01', name: 'x' }] })).to.throw(AppError);
    expect(() => cal.isWorkingDay('04/05/2026')).to.throw(AppError);
    expect(() => cal.addWorkingDays('2026-05-04', 1.5)).to.throw(AppError);
  });

  it('moves a deadline falling on a day off to the next working day', () => {
    expect(cal.nextWorkingDayOnOrAfter('2026-03-09')).to.equal('2026-03-09');
    expect(cal.nextWorkingDayOnOrAfter('2026-03-07')).to.equal('2026-03-09');
    // 26/4 Giỗ Tổ (Sunday), 27/4 nghỉ bù, 28–29/4 working, 30/4 and 1/5 holidays, then the weekend.
    expect(cal.nextWorkingDayOnOrAfter('2026-04-26')).to.equal('2026-04-28');
    expect(cal.nextWorkingDayOnOrAfter('2026-04-30')).to.equal('2026-05-04');
  });

  it('adds working days skipping weekends and holidays, forwards and backwards', () => {
    expect(cal.addWorkingDays('2026-03-09', 5)).to.equal('2026-03-16');
    expect(cal.addWorkingDays('2026-03-16', -5)).to.equal('2026-03-09');
    expect(cal.addWorkingDays('2026-04-29', 1)).to.equal('2026-05-04');
    expect(cal.addWorkingDays('2026-03-07', 0)).to.equal('2026-03-09');
    expect(cal.addWorkingDays('2026-12-31', 1)).to.equal('2027-01-04'); // 1 Jan 2027 is a Friday holiday
  });

  it('counts working days between two dates as the inverse of adding them', () => {
    expect(cal.workingDaysBetween('2026-03-09', '2026-03-16')).to.equal(5);
    expect(cal.workingDaysBetween('2026-03-16', '2026-03-09')).to.equal(-5);
    expect(cal.workingDaysBetween('2026-03-09', '2026-03-09')).to.equal(0);
    // Overdue across Tết 2026: deadline Friday 13 Feb, today Monday 23 Feb: one working day late.
    expect(createWorkingCalendar(tet2026Leave).workingDaysBetween('2026-02-13', '2026-02-23')).to.equal(1);
    let seed = 7;
    const rand = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let i = 0; i < 200; i++) {
      const start = `2026-${String(1 + rand(12)).padStart(2, '0')}-${String(1 + rand(28)).padStart(2, '0')}`;
      const n = 1 + rand(60);
      const end = cal.addWorkingDays(start, n);
      expect(cal.workingDaysBetween(start, end), `${start} + ${n}`).to.equal(n);
      expect(cal.isWorkingDay(end)).to.equal(true);
    }
  });

  it('rejects a year outside the supported range', () => {
    expect(() => cal.holidaysOf(1800)).to.throw(AppError, /Năm/);
    expect(() => cal.isWorkingDay('0001-01-01')).to.throw(AppError, /Năm/);
  });

  it('merges override sets stored per year into one calendar', () => {
    const merged = mergeOverrides(tet2026Leave, { workingDays: [{ date: '2027-01-09' }] }, {});
    const c = createWorkingCalendar(merged);
    expect(c.isWorkingDay('2026-02-14')).to.equal(false);
    expect(c.isWorkingDay('2027-01-09')).to.equal(true); // a Saturday declared a working day
    expect(merged.daysOff).to.have.length(9);
  });
});
