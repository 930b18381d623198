import { expect } from 'chai';
import {
  addDays,
  dayOfWeek,
  formatVietnamIso,
  isDateString,
  todayInVietnam,
  vietnamDateOf,
  vietnameseDateLine,
  vietnamYearOf,
} from '../../../server/domain/vietnam-time.ts';
import { AppError } from '../../../server/errors.ts';

// Reference: the host's time-zone database through Intl, independent of our fixed-offset arithmetic.
const intlDate = (d: Date): string =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh', year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);

describe('Vietnam time', () => {
  it('turns the numbering year over at midnight Vietnam time, 17:00 UTC on 31 December', () => {
    expect(vietnamYearOf('2026-12-31T16:59:59Z')).to.equal(2026);
    expect(vietnamYearOf('2026-12-31T17:00:00Z')).to.equal(2027);
    expect(vietnamYearOf(new Date('2027-01-01T00:30:00+07:00'))).to.equal(2027);
    expect(vietnamYearOf(Date.parse('2026-12-31T23:59:00+07:00'))).to.equal(2026);
  });

  it("gives today's date in Vietnam, matching the Asia/Ho_Chi_Minh zone database", () => {
    for (const iso of ['2026-02-16T16:59:59Z', '2026-02-16T17:00:00Z', '2026-06-30T23:00:00Z', '2026-12-31T17:00:00Z']) {
      const d = new Date(iso);
      expect(todayInVietnam(d), iso).to.equal(intlDate(d));
      expect(vietnamDateOf(d), iso).to.equal(intlDate(d));
    }
  });

  it('formats timestamps as ISO 8601 with the +07:00 offset', () => {
    expect(formatVietnamIso('2026-12-05T02:14:03Z')).to.equal('2026-12-05T09:14:03+07:00');
    expect(formatVietnamIso(new Date('2026-12-31T17:00:00.999Z'))).to.equal('2027-01-01T00:00:00+07:00');
    const s = formatVietnamIso(Date.UTC(2026, 5, 1, 20, 5, 9));
    expect(Date.parse(s)).to.equal(Date.UTC(2026, 5, 1, 20, 5, 9));
  });

  it('writes the document date line with leading zeros for days below 10 and for months 1 and 2 (Decree 30/2020 Appendix I)', () => {
    expect(vietnameseDateLine('2026-12-05')).to.equal('ngày 05 tháng 12 năm 2026');
    expect(vietnameseDateLine('2026-01-15')).to.equal('ngày 15 tháng 01 năm 2026');
    expect(vietnameseDateLine('2026-02-09')).to.equal('ngày 09 tháng 02 năm 2026');
    expect(vietnameseDateLine('2026-03-20')).to.equal('ngày 20 tháng 3 năm 2026');
  });

  it('validates YYYY-MM-DD dates including leap years', () => {
    expect(isDateString('2028-02-29')).to.equal(true);
    expect(isDateString('2026-02-29')).to.equal(false);
    expect(isDateString('2026-2-1')).to.equal(false);
    expect(() => vietnameseDateLine('2026-04-31')).to.throw(AppError, /Ngày không hợp lệ/);
    expect(() => formatVietnamIso('not a date')).to.throw(AppError);
  });

  it('does date arithmetic across month and year ends and agrees with the engine on weekdays', () => {
    expect(addDays('2026-12-31', 1)).to.equal('2027-01-01');
    expect(addDays('2028-03-01', -1)).to.equal('2028-02-29');
    for (let d = '2026-01-01'; d < '2027-01-01'; d = addDays(d, 13)) {
      expect(dayOfWeek(d), d).to.equal(new Date(`${d}T12:00:00Z`).getUTCDay());
    }
  });
});
