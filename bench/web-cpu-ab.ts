// CPU per inbox page of two (or more) compiled builds, started in turn on one kept database and
// measured alternately, so that a machine shared with other work affects each build alike: the web
// process's CPU (/proc/<pid>/stat) and its PostgreSQL backends' CPU, divided by the requests wrk got
// answered. Figures only, for before/after comparisons (docs/PERFORMANCE.md); the absolute values
// rise with the machine's load, the differences between builds measured in the same round hold.
//
//   # once: a database seeded by the load bench and kept
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres LOAD_ONLY=inbox LOAD_SECONDS=5 LOAD_KEEP_DB=vanthu_inbox_ab npx tsx bench/load.bench.ts
//   # each directory a checkout with node_modules and `npm run build` done (dist/)
//   AB_DB=postgres://postgres@127.0.0.1:5432/vanthu_inbox_ab ROUNDS=3 SECS=15 npx tsx bench/web-cpu-ab.ts /tmp/before /path/to/after
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { freePort, login, waitFor } from '../test/faults/cluster.ts';

const dirs = process.argv.slice(2);
const rounds = Number(process.env.ROUNDS ?? 3);
const seconds = Number(process.env.SECS ?? 15);
const connections = Number(process.env.CONNS ?? 50);
const db = process.env.AB_DB;
const page = process.env.AB_PATH ?? '/documents/incoming?tab=da_xu_ly';
if (!db || !dirs.length) throw new Error('AB_DB=<database url> npx tsx bench/web-cpu-ab.ts <build dir> [<build dir> …]');
const dbName = new URL(db).pathname.slice(1);

/** utime + stime of a process so far, in ms (USER_HZ = 100). */
const cpuMs = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};
const admin = new pg.Client({ connectionString: db });
await admin.connect();
async function backendsCpu(): Promise<Map<number, number>> {
  const { rows } = await admin.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [dbName]);
  const m = new Map<number, number>();
  for (const r of rows) {
    try {
      m.set(r.pid, cpuMs(r.pid));
    } catch {
      // a backend that ended meanwhile
    }
  }
  return m;
}

const web: Record<string, number[]> = {};
const pgPer: Record<string, number[]> = {};
for (let round = 0; round < rounds; round++) {
  for (const dir of dirs) {
    const port = await freePort();
    const child = spawn(process.execPath, ['dist/scripts/start.js'], {
      cwd: dir,
      env: { ...process.env, DATABASE_URL: db, LOG_LEVEL: 'silent', HOST: '127.0.0.1', PORT: String(port), RUN_WORKERS_IN_WEB: 'false', NODE_ENV: 'production', SESSION_SECRET: 'load-bench-session-secret-0123456789abcdef', CREDENTIAL_KEY: '0'.repeat(64), COOKIE_SECURE: 'false' },
      stdio: 'ignore',
    });
    const url = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${url}/healthz`).catch(() => ({ status: 0 }))).status === 200, 60_000, 'web /healthz');
    const s = await login(url, 'tinh.vanthu');
    const wrk = (secs: number) => execFileSync('wrk', ['-t', '2', '-c', String(connections), '-d', `${secs}s`, '-H', `cookie: ${s.cookie}`, '-H', 'accept-encoding: gzip, deflate', `${url}${page}`]).toString();
    wrk(5); // warm-up: JIT, pool, prepared statements
    const c0 = cpuMs(child.pid!);
    const p0 = await backendsCpu();
    const out = wrk(seconds);
    const webMs = cpuMs(child.pid!) - c0;
    let pgMs = 0;
    for (const [pid, ms] of await backendsCpu()) pgMs += ms - (p0.get(pid) ?? 0);
    const n = Number(/(\d+) requests in/.exec(out)![1]);
    const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024;
    (web[dir] ??= []).push(webMs / n);
    (pgPer[dir] ??= []).push(pgMs / n);
    console.log(`${dir}: ${n} requests, ${Math.round(n / seconds)} req/s, CPU per request web ${(webMs / n).toFixed(2)} ms, PostgreSQL ${(pgMs / n).toFixed(2)} ms, RSS ${Math.round(rss)} MB, load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}
await admin.end();
const mean = (v: number[]) => (v.reduce((a, b) => a + b, 0) / v.length).toFixed(2);
for (const dir of dirs) console.log(`${dir}: web ${mean(web[dir]!)} ms [${web[dir]!.map((x) => x.toFixed(2)).join(' ')}], PostgreSQL ${mean(pgPer[dir]!)} ms [${pgPer[dir]!.map((x) => x.toFixed(2)).join(' ')}]`);
