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
import { createDatabase, createPool, type Database } from '../../server/db/database.ts';
import { verifyAuditChain } from '../../server/services/audit.service.ts';
import { booksFor } from '../../server/services/book.service.ts';
import { queueNameOf } from '../../server/jobs/jobs.ts';
import { todayInVietnam } from '../../server/domain/vietnam-time.ts';
import { SCHEDULERS } from '../../workers/host.ts';
import { dropDatabase, freshDatabase, login, postForm, startOwnPostgres, startOwnRedis, startWeb, startWorker, waitFor, type OwnPostgres, type OwnRedis, type Proc, type Session } from './cluster.ts';
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
        const q = new Queue(queueNameOf(job), { connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }), prefix: 'redisflush' });
        expect(await q.getJobScheduler(id), `scheduler ${id} re-created`).to.not.equal(undefined);
        await q.close();
      }
      redis.disconnect();
      expect((await verifyAuditChain(db!)).ok).to.equal(true);
    });
  });

  describe('a web process with a skewed clock (faketime)', function () {
    const dbName = `vanthu_clock_${process.pid}`;
    const procs: Proc[] = [];
    let db: Database | undefined;
    let blobDir: string;

    before(async function () {
      if (!existsSync(FAKETIME_LIB)) {
        process.stdout.write('      (needs faketime: apt-get install -y faketime)\n');
        this.skip();
      }
      blobDir = mkdtempSync(path.join(tmpdir(), 'vanthu-clock-'));
      const url = await freshDatabase(BASE_URL, dbName);
      const env = { DATABASE_URL: url, REDIS_URL, BLOB_DIR: blobDir };
      procs.push(await startWeb('web-true-clock', env));
      // Ten days ahead: a node whose NTP failed, or a VM restored from a snapshot.
      // libfaketime preloaded into node itself (not the `faketime` wrapper script, whose child would
      // outlive a SIGTERM sent to the wrapper).
      procs.push(await startWeb('web-skewed', { ...env, LD_PRELOAD: FAKETIME_LIB, FAKETIME: '+10d', FAKETIME_DONT_RESET: '1' }));
      db = createDatabase(createPool(url, 2));
    });

    after(async () => {
      await Promise.all(procs.map((p) => p.stop()));
      await db?.destroy();
      await dropDatabase(BASE_URL, dbName);
      if (blobDir) rmSync(blobDir, { recursive: true, force: true });
    });

    it('gives the same handling deadline and registration date whichever node computes them', async () => {
      const clerk = [await login(procs[0]!.url!, 'tinh.vanthu'), await login(procs[1]!.url!, 'tinh.vanthu')];
      const leader = [await login(procs[0]!.url!, 'tinh.lanhdao'), await login(procs[1]!.url!, 'tinh.lanhdao')];
      const province = await db!.selectFrom('agency').select('id').where('d20Code', '=', 'H41').executeTakeFirstOrThrow();
      const book = (await booksFor(db!, province.id, 'incoming'))[0]!;
      const unit = await db!.selectFrom('unit').select('id').where('agencyId', '=', province.id).where('abbreviation', '=', 'TH').executeTakeFirstOrThrow();
      const outcome: { deadline: unknown; registeredOn: string; registerEventOn: string }[] = [];
      for (const node of [0, 1]) {
        const id = await receive(clerk[node]!, `CK${node}`);
        expect((await postForm(clerk[node]!, `/documents/${id}/actions/register`, { bookId: book.id, acceptDuplicate: '1' })).status).to.equal(303);
        expect((await postForm(clerk[node]!, `/documents/${id}/actions/present`, { note: 'Kính trình' })).status).to.equal(303);
        expect((await postForm(leader[node]!, `/documents/${id}/actions/direct`, { direction: 'Giao Phòng Tổng hợp xử lý', lead: `u:${unit.id}`, workingDays: '5' })).status).to.equal(303);
        const d = await db!.selectFrom('document').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
        const row = d as unknown as Record<string, unknown>;
        // The timeline's time comes from PostgreSQL (`at default now()`): the deployment's one clock.
        const ev = await db!.selectFrom('documentEvent').select('at').where('documentId', '=', id).where('action', '=', 'register').executeTakeFirstOrThrow();
        outcome.push({ deadline: row.handlingDeadline ?? row.deadline ?? null, registeredOn: todayInVietnam(new Date(row.registeredAt as string)), registerEventOn: todayInVietnam(ev.at) });
      }
      process.stdout.write(`      true clock: ${JSON.stringify(outcome[0])}; skewed +10 days: ${JSON.stringify(outcome[1])}\n`);
      // Decided (docs/RELIABILITY.md): PostgreSQL's clock is the deployment's clock. Every date of a
      // record — the registration date, the deadline counted from the day of the direction, the
      // timeline — must agree with it whichever process wrote it. Fails today (known gap: the
      // services take "today" from the process clock); kept out of `npm test`.
      expect(outcome[0]!.registeredOn, 'registration date = the day of its timeline event (true clock)').to.equal(outcome[0]!.registerEventOn);
      expect(outcome[1]!.registeredOn, 'registration date = the day of its timeline event (skewed process)').to.equal(outcome[1]!.registerEventOn);
      expect(outcome[1]).to.deep.equal(outcome[0]);
    });
  });
});
