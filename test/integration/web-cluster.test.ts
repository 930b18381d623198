// WEB_PROCESSES > 1 (issue 8: one Node process uses one core for JavaScript): `npm start`'s primary does
// the start-up once and keeps N HTTP processes on one port. Checked with real processes on a real
// database: both serve (a login made through one is honoured by the other), a killed one is replaced,
// one that cannot start stops the whole start, and SIGTERM leaves no process behind.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { BASE_URL, repoRoot, dropDatabase, freshDatabase, login, postForm, startWeb, waitFor, type Proc } from '../faults/cluster.ts';

/** The pids of a process's children, from /proc (Linux). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('npm start with WEB_PROCESSES=2: one primary, two HTTP processes on one port', function () {
  this.timeout(240_000);
  const dbName = `vanthu_webcluster_${process.pid}`;
  let dbUrl: string;
  let web: Proc;

  before(async () => {
    dbUrl = await freshDatabase(BASE_URL, dbName);
    web = await startWeb('web-cluster', { DATABASE_URL: dbUrl, WEB_PROCESSES: '2', SEED_DEMO: 'true' });
  });
  after(async () => {
    await web?.stop();
    await dropDatabase(BASE_URL, dbName);
  });

  it('serves from two processes that share sessions and CSRF tokens, and replaces one that is killed', async () => {
    await waitFor(async () => childrenOf(web.pid).length === 2, 60_000, 'two web processes');
    const first = childrenOf(web.pid);
    // Each new connection goes to the next process: a login through one, forms through both.
    const s = await login(web.url!, 'tinh.vanthu');
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${web.url}/documents/incoming`, { headers: { cookie: s.cookie, connection: 'close' } });
      expect(res.status, `page ${i}`).to.equal(200);
      await res.text();
    }
    for (let i = 0; i < 4; i++) {
      const r = await postForm(s, '/documents/incoming', { typeCode: 'cong_van', numberAndNotation: `${70 + i}/UBND-VP`, promulgationDate: '2026-11-20', issuerName: 'Ủy ban nhân dân xã Hưng Lộc', subject: `Công văn thử cụm tiến trình ${i}`, urgency: '0' });
      expect(r.status, r.text.slice(0, 300)).to.equal(303);
    }
    const victim = first[0]!;
    process.kill(victim, 'SIGKILL');
    await waitFor(async () => {
      const now = childrenOf(web.pid);
      return now.length === 2 && !now.includes(victim);
    }, 60_000, 'a new web process in place of the killed one');
    await waitFor(async () => (await fetch(`${web.url}/healthz`, { headers: { connection: 'close' } })).status === 200, 60_000, '/healthz after the replacement');
    for (let i = 0; i < 4; i++) expect((await fetch(`${web.url}/login`, { headers: { connection: 'close' } })).status).to.equal(200);
  });

  it('stops every process on SIGTERM', async () => {
    const kids = childrenOf(web.pid);
    expect(kids).to.have.length(2);
    await web.stop(20_000);
    expect(web.child.signalCode, web.output()).to.equal(null);
    expect(web.child.exitCode, web.output()).to.equal(0);
    for (const pid of kids) expect(alive(pid), `web process ${pid}`).to.equal(false);
  });

  it('exits with a message when its port is taken — one process, or a primary whose HTTP processes cannot listen (no forking again and again)', async () => {
    const blocker = await startWeb('port-holder', { DATABASE_URL: dbUrl, SEED_DEMO: 'false' });
    try {
      for (const processes of ['1', '2']) {
      const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
        cwd: repoRoot,
        env: { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: new URL(blocker.url!).port, DATABASE_URL: dbUrl, WEB_PROCESSES: processes, RUN_WORKERS_IN_WEB: 'false', SEED_DEMO: 'false' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
      const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
      clearTimeout(timer);
      expect(code, out).to.equal(1);
      expect(out).to.match(/Không mở được cổng \d+: .*EADDRINUSE/);
      if (processes === '2') expect(out).to.match(/before it listened/);
      }
    } finally {
      await blocker.stop();
    }
  });
});
