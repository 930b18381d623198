// Faults (issue 8, item 1) with real processes: PostgreSQL restarted (crash-restarted) under load,
// Redis flushed and restarted under load, a node with a skewed clock. Each test restores what it
// stops. Run by `npm run test:faults`.
//
// PostgreSQL: an instance of the test's own (initdb in a temp folder, pg_ctl, a free port; run as the
// `postgres` user when the tests run as root), restarted with `pg_ctl restart -m immediate` — a
// crash: no checkpoint, WAL replayed at start — so the machine's PostgreSQL is never touched.
// Redis: a redis-server of the test's own on a free port, without persistence (a restart loses
// everything), so FLUSHALL touches nobody else's queues.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { createDatabase, createPool, type Database } from '../../server/db/database.ts';
import { verifyAuditChain } from '../../server/services/audit.service.ts';
import { booksFor } from '../../server/services/book.service.ts';
import { queueNameOf } from '../../server/jobs/jobs.ts';
import { todayInVietnam, vietnamYearOf } from '../../server/domain/vietnam-time.ts';
import { loadWorkingCalendar } from '../../server/services/calendar.service.ts';
import { CODES } from '../fixtures/axis/network.ts';
import { SCHEDULERS } from '../../workers/host.ts';
import { makePdf } from '../helpers/pdf.ts';
import { communeIssuers, dropDatabase, freshDatabase, issueOverHttp, login, twoAxisNodes, postForm, startOwnPostgres, startOwnRedis, startWeb, startWorker, waitFor, type OwnPostgres, type OwnRedis, type Proc, type Session } from './cluster.ts';
import { BASE_URL, pool, receive } from './multi-process.test.ts';

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const FAKETIME_LIB = process.env.FAKETIME_LIB ?? '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';

const pendingFiles = async (db: Database) => Number((await db.selectFrom('documentFile').select((eb) => eb.fn.countAll<string>().as('n')).where('textStatus', '=', 'pending').executeTakeFirstOrThrow()).n);

describe('Faults', function () {
  this.timeout(600_000);
  let redisServer: OwnRedis | undefined;
  let REDIS_URL = '';

  before(async function () {
    if (!has('redis-server')) {
      process.stdout.write('      (needs redis-server: apt-get install -y redis-server)\n');
      this.skip();
    }
    redisServer = await startOwnRedis();
    REDIS_URL = redisServer.url;
  });
  after(async () => {
    await redisServer?.stop();
  });

  describe('PostgreSQL crash-restarted under load', function () {
    const dbName = 'vanthu_pgrestart';
    let ownPg: OwnPostgres | undefined;
    let web: Proc | undefined;
    let db: Database | undefined;
    let blobDir: string;
    let env: Record<string, string>;

    before(async function () {
      if (!has('initdb') || !has('pg_ctl')) {
        process.stdout.write('      (needs initdb and pg_ctl on the PATH)\n');
        this.skip();
      }
      ownPg = await startOwnPostgres();
      blobDir = mkdtempSync(path.join(tmpdir(), 'vanthu-pgrestart-'));
      const url = await freshDatabase(ownPg.url, dbName);
      env = { DATABASE_URL: url, REDIS_URL, QUEUE_PREFIX: 'pgrestart', BLOB_DIR: blobDir };
      web = await startWeb('web', env);
      db = createDatabase(createPool(url, 2));
    });

    after(async () => {
      await web?.stop();
      await db?.destroy();
      ownPg?.stop();
      if (blobDir) rmSync(blobDir, { recursive: true, force: true });
    });

    it('answers again after the restart, and every write it acknowledged (303) is in the database', async () => {
      const s: Session = await login(web!.url!, 'tinh.vanthu');
      const acknowledged: { id: string; marker: string }[] = [];
      const refused: string[] = [];
      let stop = false;
      let i = 0;
      const load = pool(Array.from({ length: 8 }), 8, async () => {
        while (!stop) {
          const marker = `PG${String(++i).padStart(5, '0')}`;
          try {
            acknowledged.push({ id: await receive(s, marker), marker });
          } catch (e) {
            refused.push(`${marker}: ${(e as Error).message.slice(0, 80)}`);
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      });
      await waitFor(async () => acknowledged.length >= 20, 60_000, 'load before the restart');
      const beforeRestart = acknowledged.length;
      const t0 = Date.now();
      ownPg!.restart('immediate');
      const restartMs = Date.now() - t0;
      // Keep the load on until the app has acknowledged 20 more writes after the restart.
      // Should the web process die, a supervisor (compose "restart: unless-stopped") would restart
      // it; the test does the same so it can still check the acknowledged writes, and reports it.
      let crashed = '';
      let firstAfter = 0;
      const deadline = Date.now() + 120_000;
      while (acknowledged.length < beforeRestart + 20 && Date.now() < deadline) {
        if (!firstAfter && acknowledged.length > beforeRestart) firstAfter = Date.now() - t0;
        if (web!.child.exitCode !== null && !crashed) {
          crashed = web!.output().split('\n').filter((l) => /error|57P01|terminat/i.test(l)).slice(0, 3).join(' | ').slice(0, 400) || 'exited';
          web = await startWeb('web-restarted', env);
          const session = await login(web.url!, 'tinh.vanthu');
          Object.assign(s, session);
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      stop = true;
      await load;
      expect(acknowledged.length, `writes acknowledged after the restart; last refusals: ${refused.slice(-3).join(' | ')}`).to.be.at.least(beforeRestart + 20);
      process.stdout.write(`      ${beforeRestart} writes acknowledged before the restart (pg_ctl restart -m immediate took ${restartMs} ms), ${acknowledged.length - beforeRestart} after; ${refused.length} refused; first acknowledged write ${firstAfter} ms after the restart began\n`);

      expect((await fetch(`${web!.url}/healthz`)).status).to.equal(200);
      const rows = await db!.selectFrom('document').select(['id', 'subject']).where('id', 'in', acknowledged.map((a) => a.id)).execute();
      const byId = new Map(rows.map((r) => [String(r.id), r.subject]));
      const lost = acknowledged.filter((a) => byId.get(a.id) !== `Công văn ${a.marker}`);
      expect(lost, 'acknowledged writes missing after the restart').to.deep.equal([]);
      const chain = await verifyAuditChain(db!);
      expect(chain.ok, JSON.stringify(chain)).to.equal(true);
      expect(crashed, 'the web process kept running through the PostgreSQL restart').to.equal('');
    });
  });

  describe('Redis flushed, then restarted empty, under load', function () {
    const dbName = `vanthu_redisflush_${process.pid}`;
    const procs: Proc[] = [];
    let db: Database | undefined;
    let blobDir: string;

    before(async function () {
      blobDir = mkdtempSync(path.join(tmpdir(), 'vanthu-redisflush-'));
      const url = await freshDatabase(BASE_URL, dbName);
      // Workers check their schedulers every 3 s here (30 s by default).
      const env = { DATABASE_URL: url, REDIS_URL, QUEUE_PREFIX: 'redisflush', BLOB_DIR: blobDir, SCHEDULER_CHECK_MS: '3000' };
      procs.push(await startWeb('web', env));
      procs.push(startWorker('worker', env));
      db = createDatabase(createPool(url, 2));
    });

    after(async () => {
      await Promise.all(procs.map((p) => p.stop()));
      await db?.destroy();
      await dropDatabase(BASE_URL, dbName);
      if (blobDir) rmSync(blobDir, { recursive: true, force: true });
    });

    it('completes every pending job from PostgreSQL without restarting any process', async () => {
      const s = await login(procs[0]!.url!, 'tinh.vanthu');
      const redis = new Redis(REDIS_URL);
      redis.on('error', () => undefined);
      let refused = 0;
      const ids = (
        await pool(Array.from({ length: 90 }, (_, i) => `RF${String(i + 1).padStart(4, '0')}`), 8, async (m, i) => {
          if (i === 30) await redis.flushall();
          if (i === 60) await redisServer!.restart(); // killed: everything in it is gone
          // While Redis is down the web refuses nothing it can do from PostgreSQL alone.
          for (let attempt = 0; ; attempt++) {
            try {
              return await receive(s, m);
            } catch (e) {
              if (attempt >= 20) throw e;
              refused++;
              await new Promise((r) => setTimeout(r, 500));
            }
          }
        })
      ).filter(Boolean);
      await redis.flushall(); // and once more after the load: nothing left in the queues at all
      expect(ids).to.have.length(90);
      const stranded = await pendingFiles(db!);
      const t0 = Date.now();
      process.stdout.write(`      ${stranded} of 90 files pending right after the last flush; ${refused} receipts retried\n`);
      await waitFor(async () => (await pendingFiles(db!)) === 0, 120_000, 'pending text extraction (no process restarted)');
      process.stdout.write(`      all extracted ${Date.now() - t0} ms later, no process restarted\n`);
      for (const p of procs) expect(p.child.exitCode, `${p.name} still running`).to.equal(null);
      const docs = await db!.selectFrom('document').select(['subject', 'extractedText']).where('id', 'in', ids).execute();
      expect(docs).to.have.length(90);
      for (const d of docs) {
        const marker = /RF\d{4}/.exec(d.subject)![0];
        expect(d.extractedText?.split(marker).length, `${marker} extracted exactly once`).to.equal(2);
      }
      // The workers re-created every scheduler in the emptied Redis.
      for (const [job, id] of SCHEDULERS) {
        // A connection of our own: Queue.close() leaves a connection it was given open, and once the
        // test's redis-server is stopped it would try to reconnect for the rest of the run.
        const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
        const q = new Queue(queueNameOf(job), { connection, prefix: 'redisflush' });
        try {
          expect(await q.getJobScheduler(id), `scheduler ${id} re-created`).to.not.equal(undefined);
        } finally {
          await q.close();
          connection.disconnect();
        }
      }
      redis.disconnect();
      expect((await verifyAuditChain(db!)).ok).to.equal(true);
    });
  });

  describe('nodes with skewed clocks (faketime): hours across midnight, and past New Year', function () {
    this.timeout(1_800_000);
    // Two axis nodes, each with its own database on the same PostgreSQL (so both databases share the
    // true clock): the commune's node with a true clock, the district's served by two processes on one
    // database, one skewed by hours to past midnight in Vietnam and one skewed past the next
    // 1 January (Vietnam time). Decided (docs/RELIABILITY.md, "Clocks"): PostgreSQL's clock is the
    // deployment's clock; the receipt's own time is the recipient's, shown beside our arrival time.
    const dirs: string[] = [];
    const procs: Proc[] = [];
    let communeDb: Database | undefined;
    let districtDb: Database | undefined;
    let commune: Proc;
    let districtHours: Proc;
    let districtYear: Proc;
    let skew = { hoursS: 0, yearS: 0 };
    let ownPg: OwnPostgres | undefined;

    before(async function () {
      if (!existsSync(FAKETIME_LIB)) {
        process.stdout.write('      (needs faketime: apt-get install -y faketime)\n');
        this.skip();
      }
      // Both nodes' databases on a PostgreSQL of the test's own (same machine, same clock): three
      // processes on the queue's PostgreSQL backend hold ~100 connections, which is every slot of
      // the machine's shared server ("too many clients" answered 500 to the clerk in the first runs).
      ownPg = await startOwnPostgres();
      // Skews computed from the database's clock, so that whenever the test runs the first process is
      // hours ahead and past the next midnight in Vietnam, and the second past the next New Year.
      const probe = createDatabase(createPool(ownPg.url, 1));
      const now = (await sql<{ now: Date }>`select now() as now`.execute(probe)).rows[0]!.now.getTime();
      await probe.destroy();
      const VN = 7 * 3600_000;
      const nextMidnight = Math.floor((now + VN) / 86_400_000 + 1) * 86_400_000 - VN;
      const nextNewYear = Date.UTC(vietnamYearOf(now) + 1, 0, 1) - VN;
      skew = { hoursS: Math.ceil((nextMidnight - now) / 3600_000 + 1) * 3600, yearS: Math.ceil((nextNewYear - now) / 1000) + 2 * 3600 };
      const { net, env } = await twoAxisNodes('clock', ownPg.url, 3, { retry: { baseDelayMs: 1000, maxDelayMs: 10_000, maxAgeMs: 7 * 24 * 3600_000 }, sweepEveryMs: 3000 }, dirs);
      const { commune: communeEnv, district: districtEnv } = env;
      // libfaketime preloaded into node itself (not the `faketime` wrapper script, whose child would
      // outlive a SIGTERM sent to the wrapper); "+N" is an offset in seconds.
      const skewed = (seconds: number) => ({ LD_PRELOAD: FAKETIME_LIB, FAKETIME: `+${seconds}`, FAKETIME_DONT_RESET: '1' });
      // One after the other, each kept for the after hook as soon as it answers: a process that
      // fails to start never leaves an earlier one running.
      commune = await startWeb('commune-true-clock', { ...communeEnv, PORT: String(net.commune.port) });
      procs.push(commune);
      // The district's axis address and its workers (deliveries, receipts) run in the hours-skewed process.
      districtHours = await startWeb('district-skewed-hours', { ...districtEnv, PORT: String(net.district.port), ...skewed(skew.hoursS) });
      procs.push(districtHours);
      districtYear = await startWeb('district-skewed-past-new-year', { ...districtEnv, RUN_WORKERS_IN_WEB: 'false', ...skewed(skew.yearS) });
      procs.push(districtYear);
      communeDb = createDatabase(createPool(communeEnv.DATABASE_URL, 2));
      districtDb = createDatabase(createPool(districtEnv.DATABASE_URL, 2));
    });

    after(async () => {
      await Promise.all(procs.map((p) => p.stop()));
      await communeDb?.destroy();
      await districtDb?.destroy();
      ownPg?.stop(); // and its databases with it
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });

    it('gives registration dates, book years, working-day deadlines and receipt times of the database clock', async () => {
      // The skewed processes do see a skewed clock (else the test proves nothing).
      for (const [p, s] of [[districtHours, skew.hoursS], [districtYear, skew.yearS]] as const) {
        const date = Date.parse((await fetch(`${p.url}/healthz`)).headers.get('date') ?? '');
        expect(date - Date.now(), `${p.name}'s own clock`).to.be.greaterThan((s - 600) * 1000);
        const health = (await (await fetch(`${p.url}/healthz`)).json()) as { clockOffsetMs: number };
        expect(Math.abs(health.clockOffsetMs + s * 1000), `${p.name}: offset to PostgreSQL's clock in /healthz`).to.be.lessThan(600_000);
      }
      // Two numbered documents of the commune, released to the district over the axis.
      const issuers = await communeIssuers(commune.url!);
      const communeId = (await communeDb!.selectFrom('agency').select('id').where('qcvnCode', '=', CODES.commune1).executeTakeFirstOrThrow()).id;
      const outBook = (await booksFor(communeDb!, communeId, 'outgoing'))[0]!;
      const subjects = ['V/v đồng hồ lệch vài giờ qua nửa đêm', 'V/v đồng hồ lệch qua năm mới'];
      const sent: string[] = [];
      const pdf = await makePdf(['Dong ho lech']);
      for (const subject of subjects) sent.push(await issueOverHttp(issuers, subject, pdf, String(outBook.id), CODES.district));
      const incomingOf = async (subject: string) => districtDb!.selectFrom('document').selectAll().where('direction', '=', 'incoming').where('subject', '=', subject).executeTakeFirst();
      await waitFor(async () => !!(await incomingOf(subjects[0]!)) && !!(await incomingOf(subjects[1]!)), 300_000, 'both documents at the district');

      // The district registers and directs one on each skewed process (5 working days).
      const districtId = (await districtDb!.selectFrom('agency').select('id').where('qcvnCode', '=', CODES.district).executeTakeFirstOrThrow()).id;
      const inBook = (await booksFor(districtDb!, districtId, 'incoming'))[0]!;
      const unit = await districtDb!.selectFrom('unit').select('id').where('agencyId', '=', districtId).where('abbreviation', '=', 'VP').executeTakeFirstOrThrow();
      const nodes = [districtHours, districtYear];
      const incoming: string[] = [];
      for (const [i, p] of nodes.entries()) {
        const [dClerk, dLeader] = [await login(p.url!, 'huyen.vanthu'), await login(p.url!, 'huyen.lanhdao')];
        const id = (await incomingOf(subjects[i]!))!.id;
        incoming.push(id);
        // The page the clerk registers from (it lists the books, creating the year's defaults if missing).
        const view = await fetch(`${p.url}/documents/${id}`, { headers: { cookie: dClerk.cookie } });
        expect(view.status, `document page on ${p.name}: ${(await view.text()).slice(0, 300)}\n${p.output().slice(-3000)}`).to.equal(200);
        const reg = await postForm(dClerk, `/documents/${id}/actions/register`, { bookId: String(inBook.id), acceptDuplicate: '1' });
        expect(reg.status, `register on ${p.name}: ${reg.text.slice(0, 300)}`).to.equal(303);
        expect((await postForm(dClerk, `/documents/${id}/actions/present`, { note: 'Kính trình' })).status).to.equal(303);
        const dir = await postForm(dLeader, `/documents/${id}/actions/direct`, { direction: 'Giao Văn phòng xử lý', lead: `u:${unit.id}`, workingDays: '5' });
        expect(dir.status, `direct on ${p.name}: ${dir.text.slice(0, 300)}`).to.equal(303);
      }

      const calendar = await loadWorkingCalendar(districtDb!);
      const eventAt = async (id: string, action: string) => (await districtDb!.selectFrom('documentEvent').select('at').where('documentId', '=', id).where('action', '=', action).executeTakeFirstOrThrow()).at;
      const outcome = [];
      for (const [i, id] of incoming.entries()) {
        const d = await districtDb!.selectFrom('document').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
        const registeredEvent = await eventAt(id, 'register');
        const directedOn = todayInVietnam(await eventAt(id, 'direct'));
        const task = await districtDb!.selectFrom('task').select('deadline').where('documentId', '=', id).executeTakeFirstOrThrow();
        outcome.push({ node: nodes[i]!.name, registeredOn: todayInVietnam(d.registeredAt!), registerEventOn: todayInVietnam(registeredEvent), bookId: String(d.bookId), bookNumber: d.bookNumber, deadline: d.handlingDeadline, taskDeadline: task.deadline, expectedDeadline: calendar.addWorkingDays(directedOn, 5) });
        // Registration time = the timeline's (PostgreSQL's now() of the same transaction).
        expect(new Date(d.registeredAt!).getTime(), `${nodes[i]!.name}: registered_at`).to.equal(new Date(registeredEvent).getTime());
      }
      process.stdout.write(`      skews: +${(skew.hoursS / 3600).toFixed(0)} h, +${(skew.yearS / 86_400).toFixed(1)} days; ${JSON.stringify(outcome)}\n`);
      for (const o of outcome) {
        expect(o.registeredOn, `${o.node}: registration date = the day of its timeline event`).to.equal(o.registerEventOn);
        expect(o.bookId, `${o.node}: numbered in this year's book`).to.equal(String(inBook.id));
        expect(o.deadline, `${o.node}: 5 working days from the day of the direction`).to.equal(o.expectedDeadline);
        expect(o.taskDeadline, `${o.node}: the task's deadline`).to.equal(o.expectedDeadline);
      }
      expect(outcome.map((o) => o.bookNumber)).to.deep.equal([1, 2]);
      const thisYear = vietnamYearOf((await sql<{ now: Date }>`select now() as now`.execute(districtDb!)).rows[0]!.now);
      expect(await districtDb!.selectFrom('registerBook').select(['year', 'name']).where('year', '!=', thisYear).execute(), 'books of another year opened by a skewed process').to.deep.equal([]);

      // Receipts back at the commune: 04 (assigned) with the district's time of the step (the status
      // package's Timestamp, written by the district from its database's clock) beside the time it
      // reached the commune.
      const recipientOf = (docId: string) => communeDb!.selectFrom('documentRecipient').selectAll().where('documentId', '=', docId).where('agencyCode', '=', CODES.district).executeTakeFirstOrThrow();
      await waitFor(async () => (await Promise.all(sent.map(recipientOf))).every((r) => r.status === 'assigned'), 300_000, 'receipts 04 (assigned) at the commune');
      for (const [i, docId] of sent.entries()) {
        const r = await recipientOf(docId);
        const directedAt = new Date(await eventAt(incoming[i]!, 'direct')).getTime();
        expect(r.statusAt, `receipt ${i}: the district's time of the step`).to.not.equal(null);
        // Timestamp has seconds precision, in Vietnam time.
        expect(Math.abs(new Date(r.statusAt!).getTime() - directedAt), `receipt ${i}: Timestamp vs the direction's event`).to.be.lessThan(2000);
        expect(new Date(r.updatedAt).getTime(), `receipt ${i}: arrived after it was sent`).to.be.at.least(new Date(r.statusAt!).getTime() - 1000);
        expect(new Date(r.updatedAt).getTime() - new Date(r.statusAt!).getTime(), `receipt ${i}: arrived within minutes, not hours`).to.be.lessThan(600_000);
      }
      const page = await (await fetch(`${commune.url}/documents/${sent[0]}`, { headers: { cookie: issuers.clerk.cookie } })).text();
      expect(page, 'the receipt time is shown as the recipient\'s').to.include('giờ của nơi nhận');
      expect((await verifyAuditChain(communeDb!)).ok).to.equal(true);
      expect((await verifyAuditChain(districtDb!)).ok).to.equal(true);
    });
  });
});
