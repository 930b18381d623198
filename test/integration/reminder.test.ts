import { expect } from 'chai';
import { SMTPServer } from 'smtp-server';
import type { Job } from 'bullmq';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { loadConfig } from '../../server/config.ts';
import { createTask } from '../../server/services/task.service.ts';
import { runReminders } from '../../server/services/reminder.service.ts';
import { createMailer, flushMail } from '../../server/services/mail.service.ts';
import { unreadNotificationCount } from '../../server/services/task-notification.service.ts';
import { TASKS_PROCESSORS, scheduleTaskReminders } from '../../workers/processors/tasks.processors.ts';
import type { Actor } from '../../server/domain/actor.ts';
import { actorOf, agencyIdOf, counts, insertDocument, unitIdOf } from './tasks-fixtures.test.ts';

interface Received {
  to: string[];
  raw: string;
}

/** Quoted-printable and encoded-word decoding, enough to read what nodemailer sent. */
function readable(raw: string): string {
  const qp = raw.replace(/=\r?\n/g, '');
  const bytes = qp.replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  const text = Buffer.from(bytes, 'latin1').toString('utf8');
  return text.replace(/=\?UTF-8\?([QB])\?([^?]*)\?=/gi, (_m, enc: string, s: string) =>
    enc.toUpperCase() === 'B' ? Buffer.from(s, 'base64').toString('utf8') : Buffer.from(s.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/g, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'),
  );
}

describe('reminders: repeatable job, in-app bell, e-mail over a real SMTP server', function () {
  this.timeout(60_000);
  let t: TestApp;
  let smtp: SMTPServer;
  let port: number;
  const received: Received[] = [];
  let leader: Actor;
  let specialist: Actor;
  let head: Actor;

  before(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: readable(Buffer.concat(chunks).toString('latin1')) });
          cb();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    port = (smtp.server.address() as { port: number }).port;
    t = await createTestApp({ SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_FROM: 'VănThư <vanthu@tinh.local>' });
    leader = await actorOf(t.ctx.db, 'tinh.lanhdao');
    specialist = await actorOf(t.ctx.db, 'tinh.chuyenvien');
    head = await actorOf(t.ctx.db, 'tinh.truongphong');
    const province = await agencyIdOf(t.ctx.db, 'H41');
    const doc = await insertDocument(t.ctx.db, province);
    const clock = { today: '2026-12-01' };
    await createTask(t.ctx.db, leader, { documentId: doc, leadUserId: specialist.userId, deadline: '2026-12-03', title: 'Báo cáo tình hình mưa lũ' }, clock);
    await createTask(t.ctx.db, leader, { documentId: doc, leadUnitId: await unitIdOf(t.ctx.db, 'H41', 'TH'), deadline: '2026-12-02', title: 'Tổng hợp thiệt hại' }, clock);
    await createTask(t.ctx.db, leader, { documentId: doc, leadUnitId: await unitIdOf(t.ctx.db, 'H41', 'VX'), deadline: '2026-12-31', title: 'Kế hoạch năm sau' }, clock);
  });
  after(async () => {
    await t.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  it('reminds near due, reminds and escalates overdue; a second run sends nothing', async () => {
    const bellBefore = await unreadNotificationCount(t.ctx.db, specialist.userId);
    const first = await runReminders(t.ctx.db, { today: '2026-12-03' });
    expect(first).to.deep.equal({ nearDue: 1, overdue: 1, escalated: 1 });
    expect(await unreadNotificationCount(t.ctx.db, specialist.userId)).to.equal(bellBefore + 1);
    const before = await counts(t.ctx.db, ['notification', 'sentNotification', 'auditLog']);
    const [a, b] = await Promise.all([runReminders(t.ctx.db, { today: '2026-12-03' }), runReminders(t.ctx.db, { today: '2026-12-03' })]);
    expect(a).to.deep.equal({ nearDue: 0, overdue: 0, escalated: 0 });
    expect(b).to.deep.equal({ nearDue: 0, overdue: 0, escalated: 0 });
    expect(await counts(t.ctx.db, ['notification', 'sentNotification', 'auditLog'])).to.deep.equal(before);
    const heads = await t.ctx.db.selectFrom('notification').select(['kind', 'title']).where('userId', '=', head.userId).where('kind', 'in', ['overdue', 'escalated']).execute();
    expect(heads.map((h) => h.kind).sort()).to.deep.equal(['escalated', 'overdue']);
  });

  it('delivers each e-mail once through SMTP, through the job processor', async () => {
    const job = { id: 'test-1', data: {} } as unknown as Job;
    const run = TASKS_PROCESSORS['tasks.reminders'](t.ctx);
    const out = (await run(job)) as { sent: number };
    const pending = await t.ctx.db.selectFrom('sentNotification').select((eb) => eb.fn.countAll<string>().as('n')).where('emailTo', 'is not', null).executeTakeFirstOrThrow();
    expect(out.sent).to.be.greaterThan(0);
    expect(received).to.have.length(Number(pending.n));
    await run(job);
    expect(received).to.have.length(Number(pending.n));
    const near = received.find((m) => m.raw.includes('Sắp đến hạn: Báo cáo tình hình mưa lũ'));
    expect(near?.to).to.deep.equal(['tinh.chuyenvien@vanthu.local']);
    expect(near?.raw).to.contain('Hôm nay (2026-12-03) là hạn xử lý.');
    const escalated = received.find((m) => m.raw.includes('Báo cáo quá hạn: Tổng hợp thiệt hại'));
    expect(escalated?.to).to.deep.equal(['tinh.truongphong@vanthu.local']);
    expect(escalated?.raw).to.contain('quá hạn 1 ngày làm việc');
  });

  it('keeps failed e-mails pending and sends them when the server is back', async () => {
    const broken = createMailer(loadConfig({ SMTP_URL: 'smtp://127.0.0.1:1', NODE_ENV: 'test' }));
    await runReminders(t.ctx.db, { today: '2026-12-04' }); // a new day: daily overdue reminder
    const r = await flushMail(t.ctx.db, broken);
    broken?.close();
    expect(r.sent).to.equal(0);
    expect(r.failed).to.be.greaterThan(0);
    const good = createMailer(t.ctx.config);
    const count = received.length;
    const again = await flushMail(t.ctx.db, good);
    good?.close();
    expect(again.sent).to.be.greaterThan(0);
    expect(received.length).to.equal(count + again.sent);
  });

  it('sends nothing on a day off', async () => {
    expect(await runReminders(t.ctx.db, { today: '2026-12-05' })).to.deep.equal({ nearDue: 0, overdue: 0, escalated: 0 });
  });

  it('registers one repeatable scheduler however often the workers start', async () => {
    await scheduleTaskReminders(t.ctx);
    await scheduleTaskReminders(t.ctx);
    const schedulers = await t.ctx.jobs.queueFor('tasks.reminders').getJobSchedulers();
    expect(schedulers.map((s) => s.key ?? s.id)).to.deep.equal(['tasks-reminders-working-hours']);
    expect(schedulers[0]!.pattern).to.equal('0 0 7-17 * * 1-6');
  });
});
