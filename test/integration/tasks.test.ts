import { expect } from 'chai';
import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { seedDemoIfEmpty } from '../../server/services/demo-seed.service.ts';
import { completeTask, createTask, decideExtension, directiveDebts, listTasks, reportProgress, requestExtension, taskDetail, urgeTask } from '../../server/services/task.service.ts';
import { addCalendarOverride, removeCalendarOverride } from '../../server/services/calendar.service.ts';
import { onAgencyMerged, onDirectionGiven, onDocumentCompleted } from '../../server/services/task-hooks.ts';
import { stateSql } from '../../server/repositories/task.repository.ts';
import { taskStateOf } from '../../server/services/task-state.ts';
import { verifyAuditChain } from '../../server/services/audit.service.ts';
import type { Actor } from '../../server/domain/actor.ts';
import { actorOf, agencyIdOf, counts, insertDocument, unitIdOf } from './tasks-fixtures.test.ts';

const TODAY = '2026-12-01'; // a Tuesday
const clock = { today: TODAY };

describe('directive tracking (tasks) on PostgreSQL', function () {
  this.timeout(60_000);
  let t: TestDatabase;
  let leader: Actor;
  let clerk: Actor;
  let head: Actor;
  let specialist: Actor;
  let admin: Actor;
  let province: string;
  let docId: string;
  let unitTH: string;
  let unitVX: string;

  before(async () => {
    t = await createTestDatabase();
    await seedDemoIfEmpty(t.db);
    province = await agencyIdOf(t.db, 'H41');
    leader = await actorOf(t.db, 'tinh.lanhdao');
    clerk = await actorOf(t.db, 'tinh.vanthu');
    head = await actorOf(t.db, 'tinh.truongphong');
    specialist = await actorOf(t.db, 'tinh.chuyenvien');
    admin = await actorOf(t.db, 'quantri', 'H41');
    unitTH = await unitIdOf(t.db, 'H41', 'TH');
    unitVX = await unitIdOf(t.db, 'H41', 'VX');
    docId = await insertDocument(t.db, province);
  });
  after(async () => t.close());

  it('creates a task with N working days, skipping the weekend, with its co-handlers', async () => {
    const task = await createTask(t.db, clerk, { documentId: docId, leadUnitId: unitTH, coUnitIds: [unitVX], workingDays: '5', expectedResult: 'Báo cáo kết quả' }, clock);
    expect(task.deadline).to.equal('2026-12-08'); // Wed, Thu, Fri, Mon, Tue
    expect(task.deadlineWorkingDays).to.equal(5);
    const d = await taskDetail(t.db, head, task.id, clock);
    expect(d.stateLabel).to.equal('Đang thực hiện trong hạn');
    expect(d.coHandlers.map((c) => c.name)).to.deep.equal(['Phòng Văn xã']);
    // the heads of the lead unit were told
    const n = await t.db.selectFrom('notification').select('title').where('userId', '=', head.userId).execute();
    expect(n.map((x) => x.title)).to.include(`Nhiệm vụ mới: ${task.title}`);
  });

  it('moves a date deadline that falls on a day off to the next working day', async () => {
    const task = await createTask(t.db, leader, { documentId: docId, leadUserId: specialist.userId, deadline: '2026-12-05' }, clock); // Saturday
    expect(task.deadline).to.equal('2026-12-07');
  });

  const badInputs: [string, Record<string, unknown>, string][] = [
    ['a deadline before the assignment date', { deadline: '2026-11-30', leadUnitId: 'TH' }, 'trước ngày giao nhiệm vụ'],
    ['no lead', { deadline: '2026-12-10' }, 'Chưa giao đơn vị hoặc cá nhân chủ trì'],
    ['a lead unit and a lead person', { deadline: '2026-12-10', leadUnitId: 'TH', leadUserId: 'ME' }, 'chỉ có một đầu mối chủ trì'],
    ['two lead units', { deadline: '2026-12-10', leadUnitId: ['TH', 'VX'] }, 'chỉ có một đầu mối chủ trì'],
    ['the lead also a co-handler', { deadline: '2026-12-10', leadUnitId: 'TH', coUnitIds: ['TH'] }, 'không đồng thời là'],
    ['both a date and working days', { deadline: '2026-12-10', workingDays: '3', leadUnitId: 'TH' }, 'không chọn cả hai'],
    ['a malformed date', { deadline: '2026-02-30', leadUnitId: 'TH' }, 'ngày không hợp lệ'],
  ];
  for (const [name, fields, message] of badInputs) {
    it(`refuses ${name} with a Vietnamese message and writes nothing`, async () => {
      const resolve = (v: unknown): unknown => (v === 'TH' ? unitTH : v === 'VX' ? unitVX : v === 'ME' ? specialist.userId : Array.isArray(v) ? v.map(resolve) : v);
      const input = Object.fromEntries(Object.entries({ documentId: docId, ...fields }).map(([k, v]) => [k, resolve(v)]));
      const before = await counts(t.db);
      const err = await createTask(t.db, leader, input, clock).then(() => null, (e: Error) => e);
      expect(err?.message).to.contain(message);
      expect(await counts(t.db)).to.deep.equal(before);
    });
  }

  it('refuses a task on another agency\'s document, and a specialist giving tasks', async () => {
    const commune = await agencyIdOf(t.db, 'H41.31.01');
    const foreignDoc = await insertDocument(t.db, commune);
    const before = await counts(t.db);
    const e1 = await createTask(t.db, leader, { documentId: foreignDoc, leadUnitId: unitTH, deadline: '2026-12-10' }, clock).catch((e: Error) => e);
    expect((e1 as Error).message).to.contain('không thuộc cơ quan');
    const e2 = await createTask(t.db, specialist, { documentId: docId, leadUnitId: unitTH, deadline: '2026-12-10' }, clock).catch((e: { code: string }) => e);
    expect((e2 as { code: string }).code).to.equal('forbidden');
    expect(await counts(t.db)).to.deep.equal(before);
  });

  it('takes progress, an extension request, and lets only a leader of the agency approve it', async () => {
    const task = await createTask(t.db, leader, { documentId: docId, leadUserId: specialist.userId, deadline: '2026-12-04' }, clock);
    await reportProgress(t.db, specialist, task.id, { progress: '40', content: 'Đã họp với các sở, ngành' });
    await requestExtension(t.db, specialist, task.id, { requestedDeadline: '2026-12-12', reason: 'Chờ số liệu của các huyện' }); // Saturday → Monday 14
    const ext = await t.db.selectFrom('taskExtension').selectAll().where('taskId', '=', task.id).executeTakeFirstOrThrow();
    expect(ext.requestedDeadline).to.equal('2026-12-14');

    for (const who of [specialist, head, clerk]) {
      const before = await counts(t.db);
      const err = await decideExtension(t.db, who, task.id, ext.id, { decision: 'approve' }).catch((e: { code: string; message: string }) => e);
      expect((err as { code: string }).code).to.equal('forbidden');
      expect((err as { message: string }).message).to.equal('Chỉ lãnh đạo cơ quan giao nhiệm vụ được duyệt gia hạn.');
      expect(await counts(t.db)).to.deep.equal(before);
    }
    await decideExtension(t.db, leader, task.id, ext.id, { decision: 'approve', note: 'Đồng ý' });
    const after = await t.db.selectFrom('task').selectAll().where('id', '=', task.id).executeTakeFirstOrThrow();
    expect(after.deadline).to.equal('2026-12-14');
    expect(after.originalDeadline).to.equal('2026-12-04');
    expect(after.progress).to.equal(40);
    const again = await decideExtension(t.db, leader, task.id, ext.id, { decision: 'reject' }).catch((e: Error) => e);
    expect((again as Error).message).to.contain('đã được xử lý');
  });

  it('completes with evidence only, on time or late', async () => {
    const task = await createTask(t.db, leader, { documentId: docId, leadUserId: specialist.userId, deadline: '2026-12-02' }, clock);
    const before = await counts(t.db);
    const noEvidence = await completeTask(t.db, specialist, task.id, {}, clock).catch((e: Error) => e);
    expect((noEvidence as Error).message).to.contain('Cần văn bản trả lời hoặc ghi chú');
    expect(await counts(t.db)).to.deep.equal(before);
    await completeTask(t.db, specialist, task.id, { note: 'Đã báo cáo UBND tỉnh' }, { today: '2026-12-03' });
    const d = await taskDetail(t.db, leader, task.id, { today: '2026-12-03' });
    expect(d.state).to.equal('done_late');
    expect(d.stateLabel).to.equal('Hoàn thành quá hạn');
    const reply = await insertDocument(t.db, province, { subject: 'Báo cáo kết quả' });
    const task2 = await createTask(t.db, leader, { documentId: docId, leadUserId: specialist.userId, deadline: '2026-12-02' }, clock);
    await completeTask(t.db, specialist, task2.id, { replyDocumentId: reply }, clock);
    expect((await taskDetail(t.db, leader, task2.id, clock)).state).to.equal('done_on_time');
  });

  it('urges a unit (reaching its head) and a person, in three grades, counted per unit and person', async () => {
    const task = await createTask(t.db, leader, { documentId: docId, leadUnitId: unitTH, deadline: '2026-12-03' }, clock);
    const r1 = await urgeTask(t.db, leader, task.id, { grade: 'criticism', target: 'lead', note: 'Khẩn trương báo cáo' }, clock);
    expect(r1).to.deep.equal([head.userId]);
    const r2 = await urgeTask(t.db, clerk, task.id, { grade: 'reminder', target: `user:${specialist.userId}` }, clock);
    expect(r2).to.deep.equal([specialist.userId]);
    const rows = await t.db.selectFrom('taskUrge').select(['grade', 'unitId', 'userId']).where('taskId', '=', task.id).orderBy('id').execute();
    expect(rows).to.deep.equal([
      { grade: 'criticism', unitId: unitTH, userId: null },
      { grade: 'reminder', unitId: unitTH, userId: specialist.userId },
    ]);
    const before = await counts(t.db);
    const bad = await urgeTask(t.db, specialist, task.id, { grade: 'review', target: 'lead' }, clock).catch((e: { code: string }) => e);
    expect((bad as { code: string }).code).to.equal('forbidden');
    const badGrade = await urgeTask(t.db, leader, task.id, { grade: 'scold', target: 'lead' }, clock).catch((e: Error) => e);
    expect((badGrade as Error).message).to.contain('chọn nhắc nhở, phê bình hoặc kiểm điểm');
    expect(await counts(t.db)).to.deep.equal(before);
  });

  it('computes the same state in SQL as in memory, at every boundary', async () => {
    const today = '2026-12-10';
    const nearLimit = '2026-12-14';
    const cases = [
      { deadline: '2026-12-09', completedOn: null },
      { deadline: '2026-12-10', completedOn: null },
      { deadline: '2026-12-14', completedOn: null },
      { deadline: '2026-12-15', completedOn: null },
      { deadline: '2026-12-09', completedOn: '2026-12-09' },
      { deadline: '2026-12-09', completedOn: '2026-12-10' },
    ];
    for (const c of cases) {
      const r = await sql<{ state: string }>`select ${stateSql(today, nearLimit, 't')} as state from (select ${c.deadline}::date as deadline, ${c.completedOn}::date as completed_on) t`.execute(t.db);
      expect(r.rows[0]!.state, JSON.stringify(c)).to.equal(taskStateOf(c, today, nearLimit));
    }
  });

  it('lists tasks by state with working days overdue, and hides them from another agency', async () => {
    const overdue = await listTasks(t.db, leader, { state: 'overdue' }, { today: '2026-12-09' });
    expect(overdue.total).to.be.greaterThan(0);
    expect(overdue.items.every((i) => i.stateLabel === 'Đang thực hiện quá hạn' && i.overdueDays > 0)).to.equal(true);
    const other = await actorOf(t.db, 'vpcp.lanhdao');
    expect((await listTasks(t.db, other, {}, clock)).total).to.equal(0);
    const err = await taskDetail(t.db, other, overdue.items[0]!.id, clock).catch((e: { code: string }) => e);
    expect((err as { code: string }).code).to.equal('not_found');
  });

  it('moves open working-day deadlines when a future day off is declared, and refuses a past one that would move them', async () => {
    const task = await createTask(t.db, leader, { documentId: docId, leadUnitId: unitVX, workingDays: '3' }, clock);
    expect(task.deadline).to.equal('2026-12-04');
    const res = await addCalendarOverride(t.db, admin, { date: '2026-12-03', kind: 'day_off', name: 'Nghỉ bù theo quyết định của UBND tỉnh' }, clock);
    expect(res.movedTasks).to.be.greaterThan(0);
    expect((await t.db.selectFrom('task').select('deadline').where('id', '=', task.id).executeTakeFirstOrThrow()).deadline).to.equal('2026-12-07');

    // Two days later 2026-12-02 has passed: declaring it a day off would move the deadline again.
    const before = await counts(t.db);
    const err = await addCalendarOverride(t.db, admin, { date: '2026-12-02', kind: 'day_off', name: 'Sửa lịch' }, { today: '2026-12-04' }).catch((e: Error) => e);
    expect((err as Error).message).to.match(/^Ngày 2026-12-02 đã qua và đã được tính vào thời hạn của \d+ nhiệm vụ đang thực hiện/);
    expect(await counts(t.db)).to.deep.equal(before);
    const rm = await removeCalendarOverride(t.db, admin, String(res.override!.id), { today: '2026-12-04' }).catch((e: Error) => e);
    expect((rm as Error).message).to.contain('đã qua');
    expect(await counts(t.db)).to.deep.equal(before);

    // A past date that no open task counted is accepted; a non-admin is refused.
    await addCalendarOverride(t.db, admin, { date: '2026-11-21', kind: 'working_day', name: 'Làm bù' }, clock);
    const forbidden = await addCalendarOverride(t.db, leader, { date: '2026-12-24', kind: 'day_off', name: 'x' }, clock).catch((e: { code: string }) => e);
    expect((forbidden as { code: string }).code).to.equal('forbidden');
    const dup = await addCalendarOverride(t.db, admin, { date: '2026-12-05', kind: 'day_off', name: 'x' }, clock).catch((e: Error) => e);
    expect((dup as Error).message).to.equal('Ngày 2026-12-05 đã là ngày nghỉ.');
  });

  it('creates the task inside the workflow transaction and closes it when the document is completed', async () => {
    const incoming = await insertDocument(t.db, province, { direction: 'incoming', subject: 'Công văn của Bộ Nội vụ' });
    const before = (await counts(t.db, ['task'])).task;
    await t.db.transaction().execute(async (trx) => {
      await onDirectionGiven(trx, { documentId: incoming, agencyId: province, direction: 'Giao Phòng Tổng hợp chủ trì', lead: { unitId: unitTH, userId: null }, coHandlers: [{ unitId: unitVX, userId: null }], deadline: null, expectedResult: 'Dự thảo báo cáo', actor: leader });
    });
    const created = await t.db.selectFrom('task').selectAll().where('documentId', '=', incoming).execute();
    expect(created).to.have.length(1);
    expect(created[0]!.deadlineWorkingDays).to.equal(10);
    // A second direction on the same document re-directs the open task: no second task.
    await t.db.transaction().execute((trx) =>
      onDirectionGiven(trx, { documentId: incoming, agencyId: province, direction: 'Giao lại Phòng Văn xã chủ trì', lead: { unitId: unitVX, userId: null }, coHandlers: [{ unitId: unitTH, userId: null }], deadline: '2099-01-05', expectedResult: null, actor: leader }),
    );
    const redirected = await t.db.selectFrom('task').selectAll().where('documentId', '=', incoming).execute();
    expect(redirected).to.have.length(1);
    expect(redirected[0]).to.deep.include({ leadUnitId: unitVX, deadline: '2099-01-05', deadlineWorkingDays: null, direction: 'Giao lại Phòng Văn xã chủ trì' });
    // A bad direction rolls the workflow transaction back.
    const err = await t.db.transaction().execute(async (trx) => {
      await onDirectionGiven(trx, { documentId: incoming, agencyId: province, direction: '', lead: { unitId: null, userId: null }, coHandlers: [], deadline: '2026-12-20', expectedResult: null, actor: leader });
    }).catch((e: Error) => e);
    expect((err as Error).message).to.contain('Chưa giao');
    expect((await counts(t.db, ['task'])).task).to.equal(before + 1);
    await t.db.transaction().execute((trx) => onDocumentCompleted(trx, { documentId: incoming, agencyId: province, replyDocumentId: null, note: 'Đã trả lời Bộ', actor: leader }));
    const closed = await t.db.selectFrom('task').selectAll().where('documentId', '=', incoming).executeTakeFirstOrThrow();
    expect(closed.completionNote).to.equal('Đã trả lời Bộ');
    expect(closed.completedOn).to.not.equal(null);
  });

  it('shows the "nợ văn bản chỉ đạo": units still owing, since when, how many working days late', async () => {
    const debts = await directiveDebts(t.db, leader, { today: '2026-12-15' });
    const d = debts.find((x) => x.documentId === docId)!;
    expect(d.notation).to.equal('05/CT-UBND');
    const owing = d.owing as { leadName: string; since: string; lateBy: number }[];
    expect(owing.some((o) => o.leadName === 'Phòng Tổng hợp' && o.since === TODAY && o.lateBy > 0)).to.equal(true);
  });

  it('keeps the monthly counters (trigger-maintained) equal to a recount of the tasks', async () => {
    const read = async () =>
      (await sql<{ k: string }>`select agency_id || '/' || lead_unit_id || '/' || month || '/' || received || '/' || on_time || '/' || late as k
                                from task_month_stat where received <> 0 or on_time <> 0 or late <> 0 order by 1`.execute(t.db)).rows.map((r) => r.k);
    const kept = await read();
    expect(kept.length).to.be.greaterThan(0);
    await sql`select task_month_stat_rebuild()`.execute(t.db);
    expect(await read()).to.deep.equal(kept);
  });

  it('moves open tasks, not finished ones, to the successor of a merged agency', async () => {
    const commune = await agencyIdOf(t.db, 'H41.31.02');
    const successor = await agencyIdOf(t.db, 'H41.31.01');
    const doc = await insertDocument(t.db, commune);
    const xa2 = await actorOf(t.db, 'xa2.lanhdao');
    const open = await createTask(t.db, xa2, { documentId: doc, leadUnitId: await unitIdOf(t.db, 'H41.31.02', 'VX'), deadline: '2026-12-10' }, clock);
    const done = await createTask(t.db, xa2, { documentId: doc, leadUnitId: await unitIdOf(t.db, 'H41.31.02', 'VX'), deadline: '2026-12-10' }, clock);
    await completeTask(t.db, xa2, done.id, { note: 'Xong' }, clock);
    await t.db.transaction().execute((trx) => onAgencyMerged(trx, { agencyId: commune, successorId: successor, actor: admin }));
    const rows = await t.db.selectFrom('task').select(['id', 'agencyId']).where('id', 'in', [open.id, done.id]).orderBy('id').execute();
    expect(rows.map((r) => String(r.agencyId))).to.deep.equal([successor, commune]);
  });

  it('keeps the audit chain whole', async () => {
    expect((await verifyAuditChain(t.db)).ok).to.equal(true);
  });
});
