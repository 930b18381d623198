import { expect } from 'chai';
import ExcelJS from 'exceljs';
import { createTestApp, loginAs, postForm, type TestApp } from '../helpers/app.ts';
import { actorOf, agencyIdOf, counts, insertDocument, unitIdOf } from '../integration/tasks-fixtures.test.ts';
import { createTask, requestExtension } from '../../server/services/task.service.ts';
import { todayInVietnam } from '../../server/domain/vietnam-time.ts';
import { createWorkingCalendar } from '../../server/domain/working-calendar.ts';

describe('directive tracking pages over HTTP', function () {
  this.timeout(60_000);
  let t: TestApp;
  let province: string;
  let doc: string;
  let unitTH: string;
  const later = (n: number) => createWorkingCalendar().addWorkingDays(todayInVietnam(), n);

  before(async () => {
    t = await createTestApp();
    province = await agencyIdOf(t.ctx.db, 'H41');
    doc = await insertDocument(t.ctx.db, province, { subject: 'Chỉ thị về phòng, chống dịch bệnh', source: 'axis' });
    await insertDocument(t.ctx.db, province, { subject: 'Công văn giấy', source: 'manual', direction: 'incoming' });
    unitTH = await unitIdOf(t.ctx.db, 'H41', 'TH');
  });
  after(async () => t.close());

  it('lets a leader give a task from the form and shows it in the list with its state', async () => {
    const leader = await loginAs(t.app, 'tinh.lanhdao');
    const form = await leader.get('/tasks/new').expect(200);
    expect(form.text).to.contain('name="_csrf"');
    expect(form.text).to.contain('Chỉ thị về phòng, chống dịch bệnh');
    const res = await postForm(leader, '/tasks/new', '/tasks', { documentId: doc, leadUnitId: unitTH, workingDays: '5', expectedResult: 'Báo cáo UBND tỉnh' });
    expect(res.status).to.equal(303);
    const page = await leader.get(res.headers.location!).expect(200);
    expect(page.text).to.contain('Đang thực hiện trong hạn');
    expect(page.text).to.contain('Phòng Tổng hợp');
    const list = await leader.get('/tasks').expect(200);
    expect(list.text).to.contain('Chỉ thị về phòng, chống dịch bệnh');
  });

  it('answers bad input with a Vietnamese message, the form kept, nothing written', async () => {
    const leader = await loginAs(t.app, 'tinh.lanhdao');
    const before = await counts(t.ctx.db);
    const specialist = await actorOf(t.ctx.db, 'tinh.chuyenvien');
    const twice = await postForm(leader, '/tasks/new', '/tasks', { documentId: doc, leadUnitId: unitTH, leadUserId: specialist.userId, deadline: later(3), expectedResult: 'Giữ nguyên nội dung' });
    expect(twice.status).to.equal(422);
    expect(twice.text).to.contain('Mỗi nhiệm vụ chỉ có một đầu mối chủ trì');
    expect(twice.text).to.contain('Giữ nguyên nội dung');
    const past = await postForm(leader, '/tasks/new', '/tasks', { documentId: doc, leadUnitId: unitTH, deadline: '2020-01-02' });
    expect(past.status).to.equal(422);
    expect(past.text).to.contain('trước ngày giao nhiệm vụ');
    const none = await postForm(leader, '/tasks/new', '/tasks', { documentId: doc, deadline: later(3) });
    expect(none.text).to.contain('Chưa giao đơn vị hoặc cá nhân chủ trì');
    expect(await counts(t.ctx.db)).to.deep.equal(before);
  });

  it('refuses an extension approval by a specialist (403, nothing changed) and accepts the leader\'s', async () => {
    const leaderActor = await actorOf(t.ctx.db, 'tinh.lanhdao');
    const specialistActor = await actorOf(t.ctx.db, 'tinh.chuyenvien');
    const task = await createTask(t.ctx.db, leaderActor, { documentId: doc, leadUserId: specialistActor.userId, deadline: later(2) });
    await requestExtension(t.ctx.db, specialistActor, task.id, { requestedDeadline: later(6), reason: 'Chờ ý kiến các sở' });
    const ext = await t.ctx.db.selectFrom('taskExtension').select('id').where('taskId', '=', task.id).executeTakeFirstOrThrow();

    const specialist = await loginAs(t.app, 'tinh.chuyenvien');
    const page = await specialist.get(`/tasks/${task.id}`).expect(200);
    expect(page.text).not.to.contain('value="approve"');
    const before = await counts(t.ctx.db);
    const res = await postForm(specialist, `/tasks/${task.id}`, `/tasks/${task.id}/extensions/${ext.id}`, { decision: 'approve' });
    expect(res.status).to.equal(403);
    expect(res.text).to.contain('Chỉ lãnh đạo cơ quan giao nhiệm vụ được duyệt gia hạn.');
    expect(await counts(t.ctx.db)).to.deep.equal(before);

    const leader = await loginAs(t.app, 'tinh.lanhdao');
    const ok = await postForm(leader, `/tasks/${task.id}`, `/tasks/${task.id}/extensions/${ext.id}`, { decision: 'approve', note: 'Đồng ý' });
    expect(ok.status).to.equal(303);
    const row = await t.ctx.db.selectFrom('task').select('deadline').where('id', '=', task.id).executeTakeFirstOrThrow();
    expect(row.deadline).to.equal(later(6));
  });

  it('answers 404 for another agency\'s task, for pages and actions alike', async () => {
    const leaderActor = await actorOf(t.ctx.db, 'tinh.lanhdao');
    const task = await createTask(t.ctx.db, leaderActor, { documentId: doc, leadUnitId: unitTH, deadline: later(4) });
    const other = await loginAs(t.app, 'vpcp.lanhdao');
    await other.get(`/tasks/${task.id}`).expect(404);
    const before = await counts(t.ctx.db);
    const res = await postForm(other, '/tasks', `/tasks/${task.id}/urge`, { grade: 'criticism', target: 'lead' });
    expect(res.status).to.equal(404);
    expect(await counts(t.ctx.db)).to.deep.equal(before);
    await other.get('/tasks/999999999').expect(404);
    await other.get('/tasks/abc').expect(404);
    // A superior agency sees the task of its own agency; a commune does not see the province's.
    const commune = await loginAs(t.app, 'xa1.lanhdao');
    await commune.get(`/tasks/${task.id}`).expect(404);
  });

  it('urges from the page, and the head of the unit sees it unread until marked read', async () => {
    const leaderActor = await actorOf(t.ctx.db, 'tinh.lanhdao');
    const task = await createTask(t.ctx.db, leaderActor, { documentId: doc, leadUnitId: unitTH, deadline: later(1) });
    const head = await loginAs(t.app, 'tinh.truongphong');
    // The bell partial is included by the layout; the notifications page lists the same unread ones.
    const count = async () => ((await head.get('/notifications')).text.match(/<span class="badge">mới<\/span>/g) ?? []).length;
    const before = await count();
    const leader = await loginAs(t.app, 'tinh.lanhdao');
    const res = await postForm(leader, `/tasks/${task.id}`, `/tasks/${task.id}/urge`, { grade: 'review', target: 'lead', note: 'Đề nghị kiểm điểm' });
    expect(res.status).to.equal(303);
    expect(await count()).to.equal(before + 1);
    const notes = await head.get('/notifications').expect(200);
    expect(notes.text).to.contain('Kiểm điểm: Chỉ thị về phòng, chống dịch bệnh');
    await postForm(head, '/notifications', '/notifications/read', { all: '1' });
    expect(await count()).to.equal(0);
  });

  it('shows the province dashboard with SVG charts, the ranking and the electronic share, and exports CSV and XLSX', async () => {
    const leader = await loginAs(t.app, 'tinh.lanhdao');
    const res = await leader.get('/dashboard?period=year').expect(200);
    expect(res.text).to.contain('Bảng điều hành — Năm');
    expect(res.text).to.contain('<svg role="img"');
    expect(res.text).to.contain('Xếp hạng đơn vị');
    expect(res.text).to.contain('Văn bản gửi, nhận qua trục liên thông: <strong>1</strong> / 2 — <strong>50 %</strong>');
    expect(res.text).not.to.match(/<script(?![^>]*src=)/);
    expect(res.text).not.to.match(/\son[a-z]+="/);
    const csv = await leader.get('/dashboard/export.csv?period=year').expect(200);
    expect(csv.headers['content-type']).to.contain('text/csv');
    expect(csv.text.startsWith('\uFEFF')).to.equal(true);
    expect(csv.text).to.contain('Được giao trong kỳ');
    const xlsx = await leader.get('/dashboard/export.xlsx?period=year').buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    }).expect(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.body as Parameters<typeof wb.xlsx.load>[0]);
    expect(wb.worksheets.map((w) => w.name)).to.include.members(['Tổng hợp', 'Xếp hạng']);
    expect(wb.getWorksheet('Tổng hợp')!.getCell('A6').value).to.equal('Được giao trong kỳ');
    const bad = await leader.get('/dashboard?period=month&month=13').expect(422);
    expect(bad.text).to.contain('tháng từ 1 đến 12');
  });

  it('shows unit and person dashboards; a specialist cannot see a colleague\'s', async () => {
    const head = await loginAs(t.app, 'tinh.truongphong');
    const unit = await head.get(`/dashboard?scope=unit&unitId=${unitTH}`).expect(200);
    expect(unit.text).to.contain('Đơn vị: Phòng Tổng hợp');
    const specialist = await loginAs(t.app, 'tinh.chuyenvien');
    const mine = await specialist.get('/dashboard?scope=person').expect(200);
    expect(mine.text).to.contain('Cá nhân: Bùi Thị Ngọc Ánh');
    const headActor = await actorOf(t.ctx.db, 'tinh.truongphong');
    await specialist.get(`/dashboard?scope=person&userId=${headActor.userId}`).expect(403);
  });

  it('shows the "nợ văn bản chỉ đạo" view', async () => {
    const leader = await loginAs(t.app, 'tinh.lanhdao');
    const res = await leader.get('/tasks/debts').expect(200);
    expect(res.text).to.contain('Nợ văn bản chỉ đạo');
    expect(res.text).to.contain('05/CT-UBND — Chỉ thị về phòng, chống dịch bệnh');
    expect(res.text).to.contain('Phòng Tổng hợp');
  });

  it('keeps the calendar page for administrators, with a Vietnamese refusal for a bad entry', async () => {
    const clerk = await loginAs(t.app, 'tinh.vanthu');
    await clerk.get('/calendar').expect(403);
    const admin = await loginAs(t.app, 'quantri');
    const page = await admin.get('/calendar?year=2027').expect(200);
    expect(page.text).to.contain('Giỗ Tổ Hùng Vương');
    expect(page.text).to.contain('2027-04-16');
    const before = await counts(t.ctx.db);
    const bad = await postForm(admin, '/calendar?year=2027', '/calendar', { date: '2027-02-30', kind: 'day_off', name: 'Sai ngày' });
    expect(bad.status).to.equal(422);
    expect(bad.text).to.contain('ngày không hợp lệ');
    expect(await counts(t.ctx.db)).to.deep.equal(before);
    const ok = await postForm(admin, '/calendar?year=2027', '/calendar', { date: '2027-02-13', kind: 'working_day', name: 'Làm bù cho ngày 12/02/2027' });
    expect(ok.status).to.equal(303);
    const after = await admin.get('/calendar?year=2027').expect(200);
    expect(after.text).to.contain('Làm bù cho ngày 12/02/2027');
  });
});

describe('the notification bell partial', () => {
  it('renders the unread count with an accessible label, and nothing alarming at zero', async () => {
    const { readFile } = await import('node:fs/promises');
    const Handlebars = (await import('handlebars')).default;
    const tpl = Handlebars.compile(await readFile(new URL('../../views/partials/task-bell.hbs', import.meta.url), 'utf8'));
    const three = tpl({ taskBell: { count: 3 } });
    expect(three).to.contain('aria-label="Thông báo: 3 chưa đọc"');
    expect(three).to.contain('<span class="badge red">3</span>');
    expect(tpl({ taskBell: { count: 0 } })).to.contain('không có thông báo mới');
  });
});
