// One clock for the deployment (docs/RELIABILITY.md, "Clocks"): what a process stores as a business
// date — the registration date, the book's year, "today" for a deadline in working days — comes from
// PostgreSQL, so a process whose own clock is hours or weeks off still writes the right ones. The
// process clock is skewed here by swapping the global Date for one running ahead (what faketime does
// to a whole process in test/faults/faults.test.ts).
import { expect } from 'chai';
import { sql } from 'kysely';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { userRepository } from '../../server/repositories/user.repository.ts';
import { receiveIncoming } from '../../server/services/incoming.service.ts';
import { performAction } from '../../server/services/document-actions.ts';
import { booksFor } from '../../server/services/book.service.ts';
import { loadWorkingCalendar } from '../../server/services/calendar.service.ts';
import { syncClock } from '../../server/services/clock.service.ts';
import { deploymentNow, setClockOffset, todayInVietnam, vietnamYearOf } from '../../server/domain/vietnam-time.ts';
import type { Actor } from '../../server/domain/actor.ts';

const HOUR = 3600_000;
const RealDate = Date;

/** Makes `new Date()` and `Date.now()` of this process run `ms` ahead; returns the undo. */
function skewProcessClock(ms: number): () => void {
  class SkewedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(RealDate.now() + ms);
      else super(...(args as [string]));
    }
    static override now(): number {
      return RealDate.now() + ms;
    }
  }
  globalThis.Date = SkewedDate as DateConstructor;
  return () => {
    globalThis.Date = RealDate;
  };
}

async function actorFor(t: TestApp, username: string): Promise<Actor> {
  const u = (await userRepository.findByUsername(t.ctx.db, username))!;
  const roles = await userRepository.rolesOf(t.ctx.db, u.id);
  return { userId: u.id, username: u.username, fullName: u.fullName, position: u.position, roles, activeAgencyId: roles[0]!.agencyId };
}

const META = {
  typeCode: 'cong_van',
  promulgationDate: '2026-11-20',
  issuerName: 'Ủy ban nhân dân tỉnh Hà Tĩnh',
  signerFullName: 'Nguyễn Thị Lấp Lánh Ánh',
  urgency: '0',
};

describe('one clock for the deployment: a process whose clock is off (real PostgreSQL)', function () {
  this.timeout(120_000);
  let t: TestApp;
  let clerk: Actor, leader: Actor;
  let province: string;
  let undo = () => {};
  const dbNow = async () => (await sql<{ now: Date }>`select now() as now`.execute(t.ctx.db)).rows[0]!.now;

  before(async () => {
    t = await createTestApp();
    clerk = await actorFor(t, 'tinh.vanthu');
    leader = await actorFor(t, 'tinh.lanhdao');
    province = clerk.activeAgencyId!;
  });
  afterEach(() => {
    undo();
    setClockOffset(0);
  });
  after(async () => t.close());

  // 40 days ahead crosses New Year's Eve from any day after 21 November: the book year is checked then.
  for (const skewMs of [10 * HOUR, 40 * 24 * HOUR]) {
    it(`registers with PostgreSQL's date and book year while the process clock is ${skewMs / HOUR} h ahead`, async () => {
      const book = (await booksFor(t.ctx.db, province, 'incoming'))[0]!;
      const d = await receiveIncoming(t.ctx, clerk, province, { ...META, numberAndNotation: `${skewMs / HOUR}/UBND-VP`, subject: `V/v thử đồng hồ lệch ${skewMs / HOUR} giờ` }, []);
      undo = skewProcessClock(skewMs);
      await performAction(t.ctx, clerk, d.id, 'register', { bookId: book.id, acceptDuplicate: '1' });
      undo();
      const row = await t.ctx.db.selectFrom('document').select(['registeredAt', 'bookId']).where('id', '=', d.id).executeTakeFirstOrThrow();
      const event = await t.ctx.db.selectFrom('documentEvent').select('at').where('documentId', '=', d.id).where('action', '=', 'register').executeTakeFirstOrThrow();
      // The same instant as the timeline event: PostgreSQL's now() of the registering transaction.
      expect(new RealDate(row.registeredAt!).getTime()).to.equal(new RealDate(event.at).getTime());
      expect(Math.abs(new RealDate(row.registeredAt!).getTime() - (await dbNow()).getTime())).to.be.lessThan(60_000);
      expect(String(row.bookId)).to.equal(String(book.id));
      expect(book.year).to.equal(vietnamYearOf(await dbNow()));
    });
  }

  it("counts N working days from the day of the direction on PostgreSQL's clock, not the process's", async () => {
    const book = (await booksFor(t.ctx.db, province, 'incoming'))[0]!;
    const unit = (await t.ctx.db.selectFrom('unit').select('id').where('agencyId', '=', province).where('abbreviation', '=', 'TH').executeTakeFirstOrThrow()).id;
    const d = await receiveIncoming(t.ctx, clerk, province, { ...META, numberAndNotation: '88/UBND-VP', subject: 'V/v thử hạn xử lý khi đồng hồ lệch' }, []);
    await performAction(t.ctx, clerk, d.id, 'register', { bookId: book.id, acceptDuplicate: '1' });
    await performAction(t.ctx, clerk, d.id, 'present', { note: 'Kính trình' });
    undo = skewProcessClock(10 * 24 * HOUR);
    await performAction(t.ctx, leader, d.id, 'direct', { direction: 'Giao Phòng Tổng hợp chủ trì', lead: `u:${unit}`, workingDays: '5' });
    undo();
    const row = await t.ctx.db.selectFrom('document').select('handlingDeadline').where('id', '=', d.id).executeTakeFirstOrThrow();
    const directed = await t.ctx.db.selectFrom('documentEvent').select('at').where('documentId', '=', d.id).where('action', '=', 'direct').executeTakeFirstOrThrow();
    const expected = (await loadWorkingCalendar(t.ctx.db)).addWorkingDays(todayInVietnam(directed.at), 5);
    expect(row.handlingDeadline).to.equal(expected);
    const task = await t.ctx.db.selectFrom('task').select('deadline').where('documentId', '=', d.id).executeTakeFirstOrThrow();
    expect(task.deadline).to.equal(expected);
  });

  it("measures the process clock's offset to PostgreSQL's and corrects deploymentNow() by it", async () => {
    undo = skewProcessClock(-3 * HOUR);
    const offset = await syncClock(t.ctx.db);
    const now = deploymentNow().getTime();
    const today = todayInVietnam();
    undo();
    expect(Math.abs(offset - 3 * HOUR)).to.be.lessThan(5000);
    const db = (await dbNow()).getTime();
    expect(Math.abs(now - db)).to.be.lessThan(5000);
    expect(today).to.equal(todayInVietnam(db));
  });
});
