import { expect } from 'chai';
import { createRequire } from 'node:module';
import {
  lunarMonthLength,
  lunarNewYear,
  lunarToSolar,
  solarToLunar,
} from '../../../server/domain/lunar-calendar.ts';
import { addDays, dayNumber } from '../../../server/domain/vietnam-time.ts';
import { AppError } from '../../../server/errors.ts';

// Second, independent implementation: lunar-javascript (6tail), the Chinese calendar computed with
// the high-precision ShouXing (寿星) ephemeris at UTC+8. Our algorithm (Hồ Ngọc Đức, Meeus series)
// works at UTC+7, so the two may legitimately differ by one day when a new moon falls in the hour
// between midnight UTC+7 and midnight UTC+8; everything else must agree.
const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const lj = require('lunar-javascript') as any;

const J2000 = 2451545;
const UNIX_EPOCH_JDN = 2440588; // JDN of 1970-01-01

function chineseSolar(year: number, month: number, day: number): string {
  return lj.Lunar.fromYmd(year, month, day).getSolar().toYmd();
}

/** Civil JDN on which the ShouXing new moon nearest to `jdn` falls at a given UTC offset (hours). */
function shouXingNewMoonDay(jdn: number, offsetHours: number): number {
  const k = Math.round((jdn - 2451551) / 29.5306);
  const beijing = lj.ShouXingUtil.shuoHigh(k * Math.PI * 2) as number; // days from J2000, UTC+8
  const ut = beijing - 8 / 24;
  return Math.floor(J2000 + ut + offsetHours / 24 + 0.5);
}

const jdn = (date: string): number => dayNumber(date) + UNIX_EPOCH_JDN;

/**
 * Asserts our solar date for a lunar date equals lunar-javascript's, or differs only because the month
 * began with a new moon that falls on different civil days at UTC+7 and UTC+8.
 */
function expectAgreesOrTimeZoneExplained(year: number, month: number, day: number): void {
  const ours = lunarToSolar({ year, month, day, leap: false });
  const theirs = chineseSolar(year, month, day);
  if (ours === theirs) return;
  const ourMonthStart = jdn(addDays(ours, -(day - 1)));
  const theirMonthStart = jdn(addDays(theirs, -(day - 1)));
  expect(shouXingNewMoonDay(theirMonthStart, 8), `${year} ${month}/${day}: UTC+8 new moon`).to.equal(theirMonthStart);
  expect(shouXingNewMoonDay(theirMonthStart, 7), `${year} ${month}/${day}: UTC+7 new moon`).to.equal(ourMonthStart);
}

describe('lunar calendar (UTC+7)', () => {
  const tet: Record<number, string> = {
    2026: '2026-02-17',
    2027: '2027-02-06',
    2028: '2028-01-26',
    2029: '2029-02-13',
    2030: '2030-02-02',
  };
  const gioTo: Record<number, string> = {
    2026: '2026-04-26',
    2027: '2027-04-16',
    2028: '2028-04-04',
    2029: '2029-04-23',
    2030: '2030-04-12',
  };

  for (const [year, date] of Object.entries(tet)) {
    it(`puts mùng 1 Tết ${year} on ${date} as DOMAIN.md says`, () => {
      expect(lunarNewYear(Number(year))).to.equal(date);
      expect(solarToLunar(date)).to.deep.equal({ year: Number(year), month: 1, day: 1, leap: false });
    });
  }

  for (const [year, date] of Object.entries(gioTo)) {
    it(`puts Giỗ Tổ Hùng Vương (10/3) ${year} on ${date} as DOMAIN.md says`, () => {
      expect(lunarToSolar({ year: Number(year), month: 3, day: 10, leap: false })).to.equal(date);
      expect(solarToLunar(date)).to.deep.equal({ year: Number(year), month: 3, day: 10, leap: false });
    });
  }

  it('agrees with lunar-javascript on Tết and Giỗ Tổ for 2000–2050, except for time-zone-explained days', () => {
    let agreed = 0;
    for (let year = 2000; year <= 2050; year++) {
      expectAgreesOrTimeZoneExplained(year, 1, 1);
      expectAgreesOrTimeZoneExplained(year, 3, 10);
      if (lunarNewYear(year) === chineseSolar(year, 1, 1)) agreed++;
    }
    // The time-zone hour matters rarely: most years must agree outright.
    expect(agreed).to.be.greaterThan(45);
  });

  it('differs from the Chinese calendar for Tết 2030 because the new moon falls between 16:00 and 17:00 UTC', () => {
    expect(chineseSolar(2030, 1, 1)).to.equal('2030-02-03');
    expect(lunarNewYear(2030)).to.equal('2030-02-02');
  });

  it('converts every day of 2000–2060 to the same lunar day as lunar-javascript or explains the difference', () => {
    let mismatches = 0;
    for (let d = '2000-01-01'; d <= '2060-12-31'; d = addDays(d, 1)) {
      const ours = solarToLunar(d);
      const theirs = lj.Solar.fromYmd(...(d.split('-').map(Number) as [number, number, number])).getLunar();
      expect(ours.day, d).to.be.within(1, 30);
      if (ours.day === theirs.getDay()) {
        // Same month start: the month's number, leap flag and year must agree too.
        expect([ours.year, ours.month, ours.leap], d).to.deep.equal([theirs.getYear(), Math.abs(theirs.getMonth()), theirs.getMonth() < 0]);
        continue;
      }
      mismatches++;
      // Different month starts: the new moon at the boundary falls on day X at UTC+7 and X+1 at UTC+8.
      const ourStart = jdn(addDays(d, -(ours.day - 1)));
      const theirStart = jdn(addDays(d, -((theirs.getDay() as number) - 1)));
      const boundary = Math.max(ourStart, theirStart);
      const at7 = shouXingNewMoonDay(boundary, 7);
      const at8 = shouXingNewMoonDay(boundary, 8);
      expect(at8 - at7, `${d}: straddling new moon`).to.equal(1);
      // Whichever calendar starts its month at the boundary does so on its own zone's new-moon day.
      if (ourStart === boundary) expect(ourStart, `${d}: our month starts at the UTC+7 new moon`).to.equal(at7);
      if (theirStart === boundary) expect(theirStart, `${d}: their month starts at the UTC+8 new moon`).to.equal(at8);
    }
    expect(mismatches, 'days that differ').to.be.lessThan(1000);
  });

  it('reproduces the historical Vietnamese Tết dates that differ from China: 1985-01-21 and 2007-02-17', () => {
    // 1985: at UTC+7 the winter solstice fell in a different lunar month, so Vietnam celebrated Tết
    // a whole month before China; 2007: the new moon fell between 16:00 and 17:00 UTC.
    expect(lunarNewYear(1985)).to.equal('1985-01-21');
    expect(chineseSolar(1985, 1, 1)).to.equal('1985-02-20');
    expect(lunarNewYear(2007)).to.equal('2007-02-17');
    expect(chineseSolar(2007, 1, 1)).to.equal('2007-02-18');
  });

  it('agrees with lunar-javascript when both compute at UTC+8 (same astronomy, different code)', () => {
    for (let year = 2000; year <= 2050; year++) {
      expect(lunarToSolar({ year, month: 1, day: 1, leap: false }, 8), String(year)).to.equal(chineseSolar(year, 1, 1));
      expect(lunarToSolar({ year, month: 3, day: 10, leap: false }, 8), String(year)).to.equal(chineseSolar(year, 3, 10));
    }
  });

  it('gives month lengths of 29 or 30 days equal to lunar-javascript at UTC+8, leap months included', () => {
    for (let year = 2000; year <= 2050; year++) {
      for (let month = 1; month <= 12; month++) {
        expect(lunarMonthLength(year, month, false, 8), `${month}/${year}`).to.equal(lj.LunarMonth.fromYm(year, month).getDayCount());
      }
      const leapMonth = lj.LunarYear.fromYear(year).getLeapMonth() as number;
      if (leapMonth > 0) {
        expect(lunarMonthLength(year, leapMonth, true, 8), `${leapMonth}L/${year}`).to.equal(lj.LunarMonth.fromYm(year, -leapMonth).getDayCount());
      }
    }
  });

  it('round-trips solar → lunar → solar for every day of 2000–2050', () => {
    for (let d = '2000-01-01'; d <= '2050-12-31'; d = addDays(d, 7)) {
      expect(lunarToSolar(solarToLunar(d))).to.equal(d);
    }
  });

  it('knows the leap second month of 2023 (tháng 2 nhuận, from 2023-03-22)', () => {
    expect(solarToLunar('2023-03-22')).to.deep.equal({ year: 2023, month: 2, day: 1, leap: true });
    expect(lunarToSolar({ year: 2023, month: 2, day: 1, leap: true })).to.equal('2023-03-22');
    expect(lj.Solar.fromYmd(2023, 3, 22).getLunar().getMonth()).to.equal(-2);
  });

  it('refuses a leap month the year does not have', () => {
    expect(() => lunarToSolar({ year: 2026, month: 5, day: 1, leap: true })).to.throw(AppError);
    expect(() => lunarToSolar({ year: 2023, month: 5, day: 1, leap: true })).to.throw(AppError, /nhuận/);
  });

  it('refuses day 30 in a 29-day month and accepts it in a 30-day month', () => {
    // Lunar 12/2025 ends on 2026-02-16, the eve of Tết 2026 (mùng 1 is 2026-02-17).
    const first = lunarToSolar({ year: 2025, month: 12, day: 1, leap: false });
    const length = dayNumber('2026-02-17') - dayNumber(first);
    expect(lunarMonthLength(2025, 12)).to.equal(length);
    if (length === 29) expect(() => lunarToSolar({ year: 2025, month: 12, day: 30, leap: false })).to.throw(AppError);
    else expect(lunarToSolar({ year: 2025, month: 12, day: 30, leap: false })).to.equal('2026-02-16');
  });

  it('rejects malformed solar dates with a Vietnamese message', () => {
    expect(() => solarToLunar('2026-02-30')).to.throw(AppError, /Ngày không hợp lệ/);
    expect(() => solarToLunar('17/02/2026')).to.throw(AppError);
  });
});
