// Load on loopback (issue 8, item 4): the inbox listing and the registration of incoming documents
// (without a file, and with a 2 MB PDF each) for LOAD_SECONDS (default 60) with 50 connections, with
// wrk (default) or autocannon (LOAD_GENERATOR=autocannon) against a real web process started here
// (`node dist/scripts/start.js`, RUN_WORKERS_IN_WEB=false) on a fresh database seeded with demo data
// and LOAD_DOCS documents. The web process's RSS is sampled every 250 ms; the CPU time of the web
// process, of its PostgreSQL backends and of the load generator is divided by the requests answered.
// Figures only; nothing is asserted. Results and how to rerun: docs/PERFORMANCE.md.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/load.bench.ts
//   LOAD_SECONDS=10 LOAD_CONNECTIONS=50 LOAD_PROFILE=1 …   (LOAD_PROFILE writes a .cpuprofile per run)
//   LOAD_WEB_PROCESSES=2 …   (npm start with WEB_PROCESSES=2: two HTTP processes on the port, as on a 2-core server)
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import jpeg from 'jpeg-js';
import pg from 'pg';
import { PDFDocument, StandardFonts } from '@cantoo/pdf-lib';
import { dropDatabase, freePort, freshDatabase, login, multipartBody, repoRoot, startWeb, waitFor, withDatabase, type Proc, type Session } from '../test/faults/cluster.ts';

const print = (s: string) => process.stdout.write(`${s}\n`);

export interface LoadResult {
  name: string;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  non2xx: number;
  rssMaxMb: number;
  cpuMsPerRequest: number;
  pgCpuMsPerRequest: number;
  generatorCpuMsPerRequest: number;
}

/** Issue 8 item 4 targets (50 connections, 60 s, loopback, this 2-core machine). */
export interface Target {
  minRps: number;
  maxP99Ms?: number;
}
const RSS_TARGET_MB = 300;
const loadAvg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** A one-page PDF of about `bytes` bytes: a noisy JPEG scan (incompressible, like a real scan). */
async function scanPdf(bytes: number): Promise<Buffer> {
  const side = Math.ceil(Math.sqrt(bytes / 1.6));
  const data = Buffer.alloc(side * side * 4);
  let x = 12345;
  for (let i = 0; i < data.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    data[i] = i % 4 === 3 ? 255 : x >>> 24;
  }
  const jpg = jpeg.encode({ data, width: side, height: side }, 90).data;
  const doc = await PDFDocument.create();
  const page = doc.addPage([595.28, 841.89]);
  const img = await doc.embedJpg(jpg);
  page.drawImage(img, { x: 20, y: 20, width: 555, height: 800 });
  page.drawText('Ban chup van ban den', { x: 40, y: 810, size: 12, font: await doc.embedFont(StandardFonts.Helvetica) });
  return Buffer.from(await doc.save());
}

async function seedDocuments(url: string, n: number): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query(`select id from agency where d20_code = 'H41'`);
    const agency = rows[0].id;
    // The inbox mixes states like a working office: most handled, some waiting.
    await c.query(
      `insert into document (agency_id, direction, state, type_code, type_name, subject, urgency, code_number, code_notation, issuer_name, search_folded)
       select $1, 'incoming', (array['received','registered','presented','assigned','in_progress','done','done','done'])[1 + g % 8],
              'cong_van', 'Công văn', 'Văn bản tải thử số ' || g || ' về việc triển khai kế hoạch chuyển đổi số', g % 4,
              g::text, 'UBND-VP', 'Ủy ban nhân dân huyện Hưng Nguyên', 'van ban tai thu so ' || g
       from generate_series(1, $2) g`,
      [agency, n],
    );
    // VACUUM (ANALYZE), not only ANALYZE: the freshly written tables (the bulk insert here, the
    // demo seed and the migrations before it) would otherwise be vacuumed by autovacuum while the
    // first phase runs, and its CPU counted as the PostgreSQL CPU of the measured requests
    // (docs/PERFORMANCE.md). It also sets the visibility map, as on a database in service, so the
    // inbox's index-only scans do not read the heap.
    await c.query('vacuum (analyze)');
  } finally {
    await c.end();
  }
}

/**
 * The measured web process, run as in production: the compiled build (`npm run build`, then
 * `node dist/scripts/start.js`, as deploy/compose.yaml does), or with LOAD_RUNTIME=tsx the sources
 * through tsx (`npm run start:dev`), which holds about 200 MB more (tsx's loader thread and source maps).
 */
async function startMeasuredWeb(env: Record<string, string>, nodeArgs: string[]): Promise<Proc> {
  if (process.env.LOAD_RUNTIME === 'tsx') return startWeb('web', env, nodeArgs);
  if (process.env.LOAD_BUILD !== '0') {
    print('building (npm run build) …');
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: repoRoot, stdio: 'inherit' });
  }
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, 'dist/scripts/start.js'], {
    cwd: repoRoot,
    env: { ...process.env, LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: String(port), RUN_WORKERS_IN_WEB: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (b: Buffer) => (out = (out + b.toString()).slice(-20_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const proc: Proc = {
    name: 'web',
    child,
    pid: child.pid!,
    url: `http://127.0.0.1:${port}`,
    output: () => out,
    rssMb() {
      try {
        const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        return m ? Number(m[1]) / 1024 : 0;
      } catch {
        return 0;
      }
    },
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
  };
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`web exited: ${out}`);
      return (await fetch(`${proc.url}/healthz`)).status === 200;
    }, 120_000, 'web /healthz');
  } catch (e) {
    await proc.stop(1000);
    throw e;
  }
  return proc;
}

/** The web process and, with LOAD_WEB_PROCESSES > 1 (WEB_PROCESSES), the HTTP processes it forked. */
function webPids(pid: number): number[] {
  try {
    return [pid, ...readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)];
  } catch {
    return [pid];
  }
}

/** CPU ms of every web process (summed), and the resident MB of the largest one (the bound is per process). */
const webCpuMs = (pid: number) => webPids(pid).reduce((a, p) => a + cpuMs(p), 0);
function webRssMaxMb(pid: number): number {
  let max = 0;
  for (const p of webPids(pid)) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) max = Math.max(max, Number(m[1]) / 1024);
    } catch {
      // gone meanwhile
    }
  }
  return max;
}

/** CPU time (user + system) the process has used so far, in ms, from /proc/<pid>/stat. */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
}

/**
 * CPU used so far by the PostgreSQL backends serving the measured database, per backend pid (read
 * from /proc: PostgreSQL must run on this machine and /proc/<pid>/stat be readable, else 0).
 */
async function pgBackendsCpu(admin: pg.Client, dbName: string): Promise<Map<number, number>> {
  const { rows } = await admin.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [dbName]);
  return new Map(rows.map((r) => [r.pid, cpuMs(r.pid)]));
}

/**
 * One phase: the same request (GET) or a request whose body is `body` with every occurrence of
 * MARKER replaced by 10 digits unique to the request (a different số ký hiệu, a different file).
 */
interface Phase {
  name: string;
  target: Target;
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  timeoutSeconds: number;
}
const MARKER = 'vanthu0000'; // 10 bytes, replaced in place by 10 digits: offsets in a PDF stay exact

interface Generated {
  requests: number;
  seconds: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  non2xx: number;
  cpuMs: number;
}

function markerOffsets(body: Buffer): number[] {
  const at: number[] = [];
  for (let i = body.indexOf(MARKER); i >= 0; i = body.indexOf(MARKER, i + MARKER.length)) at.push(i);
  if (!at.length) throw new Error('request body has no marker');
  return at;
}

async function withAutocannon(url: string, phase: Phase, connections: number, seconds: number): Promise<Generated> {
  let n = 0;
  const at = phase.body ? markerOffsets(phase.body) : [];
  const cpu0 = process.cpuUsage();
  const r = await autocannon({
    url,
    connections,
    duration: seconds,
    pipelining: 1,
    timeout: phase.timeoutSeconds,
    requests: [{
      method: phase.method,
      path: phase.path,
      headers: phase.headers,
      ...(phase.body ? {
        setupRequest: (req: autocannon.Request) => {
          const b = Buffer.from(phase.body!);
          const digits = String(++n).padStart(10, '0');
          for (const i of at) b.write(digits, i, 'latin1');
          return { ...req, body: b };
        },
      } : {}),
    }],
  });
  const cpu = process.cpuUsage(cpu0);
  return {
    requests: r.requests.total,
    seconds: r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
    // autocannon counts 3xx as non-2xx; a form post answers 303, so only 4xx/5xx count as failures.
    errors: r.errors + r.timeouts,
    non2xx: (r as unknown as Record<string, number>)['4xx']! + (r as unknown as Record<string, number>)['5xx']!,
    // autocannon runs in this process (the RSS sampler beside it costs next to nothing).
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
}

// wrk's Lua side: a request with a unique body (thread number + counter, 10 digits) when a body file
// is given, else wrk's own static request; done() prints the summary as one JSON line.
const WRK_LUA = `
local parts, tid, counter = nil, 0, 0
local nthreads = 0
function setup(thread)
  nthreads = nthreads + 1
  thread:set("tid", nthreads)
end
local file = os.getenv("WRK_BODY_FILE")
wrk.method = os.getenv("WRK_METHOD") or "GET"
if file then
  function init(args)
    local h = io.open(file, "rb")
    local body = h:read("*a")
    h:close()
    parts = {}
    local from = 1
    while true do
      local i = string.find(body, "${MARKER}", from, true)
      if not i then break end
      table.insert(parts, string.sub(body, from, i - 1))
      from = i + ${MARKER.length}
    end
    table.insert(parts, string.sub(body, from))
  end
  function request()
    counter = counter + 1
    local digits = string.format("%d%09d", tid, counter)
    return wrk.format(nil, nil, nil, table.concat(parts, digits))
  end
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK_RESULT {"requests":%d,"us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50":%d,"p99":%d,"max":%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
`;

async function withWrk(url: string, phase: Phase, connections: number, seconds: number, dir: string): Promise<Generated> {
  const script = path.join(dir, 'load.lua');
  writeFileSync(script, WRK_LUA);
  const env: Record<string, string> = { ...(process.env as Record<string, string>), WRK_METHOD: phase.method };
  if (phase.body) {
    markerOffsets(phase.body);
    env.WRK_BODY_FILE = path.join(dir, 'body.bin');
    writeFileSync(env.WRK_BODY_FILE, phase.body);
  }
  const headers = Object.entries(phase.headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
  // Two threads (one per core); `times` prints the CPU the shell's children (wrk) used.
  const args = ['-t', '2', '-c', String(connections), '-d', `${seconds}s`, '--timeout', `${phase.timeoutSeconds}s`, ...headers, '-s', script, `${url}${phase.path}`];
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn('sh', ['-c', `wrk ${quoted} && times`], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout!.on('data', (b: Buffer) => (text += b.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited ${code}: ${text}`))));
  });
  const line = /WRK_RESULT (\{.*\})/.exec(out);
  if (!line) throw new Error(`no wrk result: ${out}`);
  const w = JSON.parse(line[1]!) as Record<string, number>;
  // `times`: a line of the shell's own user/system times, then one of its children's ("0m1.230s 0m0.450s").
  const t = out.trim().split('\n').at(-1)!.match(/(\d+)m([\d.]+)s/g)!.map((x) => {
    const [, m, sec] = /(\d+)m([\d.]+)s/.exec(x)!;
    return (Number(m) * 60 + Number(sec)) * 1000;
  });
  return {
    requests: w.requests!,
    seconds: w.us! / 1e6,
    p50: Math.round(w.p50! / 100) / 10,
    p99: Math.round(w.p99! / 100) / 10,
    max: Math.round(w.max! / 100) / 10,
    // wrk's status errors are the 4xx/5xx answers (a form post's 303 is success).
    errors: w.connect! + w.read! + w.write! + w.timeout!,
    non2xx: w.status!,
    cpuMs: t[0]! + t[1]!,
  };
}

async function run(web: Proc, phase: Phase, o: { connections: number; seconds: number; admin: pg.Client; dbName: string; generator: string; dir: string }): Promise<LoadResult> {
  let rssMax = webRssMaxMb(web.pid);
  const cpu0 = webCpuMs(web.pid);
  const pg0 = await pgBackendsCpu(o.admin, o.dbName);
  const load0 = loadAvg();
  const sampler = setInterval(() => (rssMax = Math.max(rssMax, webRssMaxMb(web.pid))), 250);
  const g = o.generator === 'autocannon' ? await withAutocannon(web.url!, phase, o.connections, o.seconds) : await withWrk(web.url!, phase, o.connections, o.seconds, o.dir);
  clearInterval(sampler);
  const webCpu = webCpuMs(web.pid) - cpu0;
  // Backends that started during the run count whole; one that ended during it is missed (the pool
  // keeps its connections while busy).
  let pgCpu = 0;
  for (const [pid, ms] of await pgBackendsCpu(o.admin, o.dbName)) pgCpu += ms - (pg0.get(pid) ?? 0);
  rssMax = Math.max(rssMax, webRssMaxMb(web.pid));
  const per = (ms: number) => (g.requests ? Math.round((ms / g.requests) * 100) / 100 : 0);
  const res: LoadResult = {
    name: phase.name,
    requests: g.requests,
    // One decimal: a target is judged on the figure itself (19.9 req/s must not read as 20).
    rps: Math.round((g.requests / g.seconds) * 10) / 10,
    p50: g.p50,
    p99: g.p99,
    max: g.max,
    errors: g.errors,
    non2xx: g.non2xx,
    rssMaxMb: Math.round(rssMax),
    // CPU per answered request: comparable across noisy runs, unlike req/s.
    cpuMsPerRequest: per(webCpu),
    pgCpuMsPerRequest: per(pgCpu),
    generatorCpuMsPerRequest: per(g.cpuMs),
  };
  const { target } = phase;
  const ok = (b: boolean) => (b ? 'meets' : 'MISSES');
  print(`${res.name} [${o.generator}, ${o.seconds} s × ${o.connections} connections]: ${res.requests} requests, ${res.rps} req/s, p50 ${res.p50} ms, p99 ${res.p99} ms, max ${res.max} ms, errors ${res.errors}, 4xx/5xx ${res.non2xx}, web RSS max ${res.rssMaxMb} MB`);
  print(`  CPU per request: web ${res.cpuMsPerRequest} ms, PostgreSQL ${res.pgCpuMsPerRequest} ms, load generator ${res.generatorCpuMsPerRequest} ms`);
  print(`  target ≥ ${target.minRps} req/s: ${res.rps} (${ok(res.rps >= target.minRps)})` +
    (target.maxP99Ms ? `; p99 ≤ ${target.maxP99Ms} ms: ${res.p99} (${ok(res.p99 <= target.maxP99Ms)})` : '') +
    `; zero errors: ${res.errors + res.non2xx} (${ok(res.errors + res.non2xx === 0)}); RSS ≤ ${RSS_TARGET_MB} MB: ${res.rssMaxMb} (${ok(res.rssMaxMb <= RSS_TARGET_MB)})` +
    `; load average before ${load0}, after ${loadAvg()}`);
  return res;
}

export async function runLoadBench(): Promise<LoadResult[]> {
  const base = process.env.DATABASE_URL;
  if (!base) {
    print('(skipped: set DATABASE_URL to a PostgreSQL server; a fresh database is created on it)');
    return [];
  }
  const seconds = Number(process.env.LOAD_SECONDS ?? 60);
  const connections = Number(process.env.LOAD_CONNECTIONS ?? 50);
  const docs = Number(process.env.LOAD_DOCS ?? 20_000);
  const generator = process.env.LOAD_GENERATOR ?? 'wrk';
  if (generator !== 'wrk' && generator !== 'autocannon') throw new Error('LOAD_GENERATOR: wrk or autocannon');
  const profileDir = process.env.LOAD_PROFILE ? mkdtempSync(path.join(tmpdir(), 'vanthu-prof-')) : null;
  // LOAD_KEEP_DB=<name>: reuse (or create once) that database and keep it, to compare changes quickly.
  const keep = process.env.LOAD_KEEP_DB;
  if (keep && !/^\w+$/.test(keep)) throw new Error('LOAD_KEEP_DB: a database name');
  const dbName = keep ?? `vanthu_load_${process.pid}`;
  const blobDir = mkdtempSync(path.join(tmpdir(), 'vanthu-load-blobs-'));
  const workDir = mkdtempSync(path.join(tmpdir(), 'vanthu-load-'));
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  const exists = keep ? (await admin.query('select 1 from pg_database where datname = $1', [keep])).rowCount === 1 : false;
  const url = exists ? withDatabase(base, dbName) : await freshDatabase(base, dbName);
  const env: Record<string, string> = { DATABASE_URL: url, BLOB_DIR: blobDir, LOG_LEVEL: 'warn', ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}) };
  const results: LoadResult[] = [];
  let web: Proc | undefined;
  try {
    if (!exists) {
      // First start migrates and seeds; the bulk documents go in before the measured process starts.
      const first = await startWeb('web-seed', env);
      await first.stop();
      await seedDocuments(url, docs);
    }
    // Measured as in production: NODE_ENV=production caches compiled views (Express "view cache");
    // in development every page recompiles its Handlebars templates. Cookies without Secure (HTTP).
    const production = { NODE_ENV: 'production', SESSION_SECRET: 'load-bench-session-secret-0123456789abcdef', CREDENTIAL_KEY: '0'.repeat(64), COOKIE_SECURE: 'false' };
    // LOAD_NODE_ARGS: extra node flags for the measured process, to compare V8 settings.
    const extraArgs = (process.env.LOAD_NODE_ARGS ?? '').split(' ').filter(Boolean);
    // LOAD_WEB_PROCESSES=2: npm start's primary with two HTTP processes on the port (WEB_PROCESSES), as a
    // 2-core deployment would run; CPU is then summed over all of them, RSS is the largest one's.
    const webProcesses = process.env.LOAD_WEB_PROCESSES ?? '1';
    web = await startMeasuredWeb({ ...env, ...production, WEB_PROCESSES: webProcesses }, [...extraArgs, ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])]);
    print(`web process pid ${web.pid} (${process.env.LOAD_RUNTIME === 'tsx' ? 'tsx' : 'compiled, node dist/scripts/start.js'}) at ${web.url}; ${exists ? `database ${dbName} reused` : `${docs} seeded documents`}; ${seconds} s × ${connections} connections per run with ${generator}; queue ${process.env.REDIS_URL ? 'Redis' : 'PostgreSQL'}`);
    print(`web processes: ${webProcesses === '1' ? '1' : `a primary (start-up, no HTTP) + ${webProcesses} HTTP processes (WEB_PROCESSES=${webProcesses}; CPU summed over all, RSS of the largest)`}`);
    print(`web RSS after start: ${Math.round(webRssMaxMb(web.pid))} MB; load average ${loadAvg()}`);
    const s: Session = await login(web.url!, 'tinh.vanthu');
    const o = { connections, seconds, admin, dbName, generator, dir: workDir };
    // A browser's request: the session cookie and, as browsers do, gzip accepted (LOAD_GZIP=0: not).
    const gzip = process.env.LOAD_GZIP !== '0';
    const browser: Record<string, string> = { cookie: s.cookie, ...(gzip ? { 'accept-encoding': 'gzip, deflate' } : {}) };
    print(`requests ${gzip ? 'accept gzip (as a browser)' : 'without Accept-Encoding (LOAD_GZIP=0)'}`);

    const only = (process.env.LOAD_ONLY ?? 'inbox,register,upload').split(',');
    if (only.includes('inbox')) results.push(await run(web, { name: 'inbox listing (GET /documents/incoming?tab=da_xu_ly)', target: { minRps: 300, maxP99Ms: 250 }, method: 'GET', path: '/documents/incoming?tab=da_xu_ly', headers: browser, timeoutSeconds: 10 }, o));

    const form = Buffer.from(new URLSearchParams({ _csrf: s.csrf, typeCode: 'cong_van', numberAndNotation: `${MARKER}/UBND-TT`, promulgationDate: '2026-11-20', issuerName: 'Ủy ban nhân dân xã Hưng Tây', subject: `Công văn tải thử số ${MARKER} về việc báo cáo tình hình`, urgency: '0' }).toString());
    if (only.includes('register')) results.push(await run(web, { name: 'registration, no file (POST /documents/incoming)', target: { minRps: 100 }, method: 'POST', path: '/documents/incoming', headers: { ...browser, 'content-type': 'application/x-www-form-urlencoded' }, body: form, timeoutSeconds: 10 }, o));

    if (only.includes('upload')) {
      const pdf = await scanPdf(2 * 1024 * 1024);
      // Ten digits written into the middle of the scan's JPEG data make every upload a new blob (no
      // de-duplication) without moving any object: the xref and the startxref → %%EOF tail stay exact
      // (a comment before %%EOF is refused by the upload check). Digits are never a JPEG marker byte.
      let mid = Math.floor(pdf.length / 2);
      while (pdf.subarray(mid - 1, mid + 11).includes(0xff)) mid++;
      const pdfWithMarker = Buffer.from(pdf);
      pdfWithMarker.write(MARKER, mid, 'latin1');
      if (pdfWithMarker.indexOf(MARKER) !== mid) throw new Error('scan marker is not unique');
      const { body, contentType } = multipartBody({ _csrf: s.csrf, typeCode: 'cong_van', numberAndNotation: '1/UBND-TT', promulgationDate: '2026-11-20', issuerName: 'Ủy ban nhân dân xã Hưng Tây', subject: 'Công văn kèm bản chụp 2 MB', urgency: '0' }, { field: 'files', name: 'ban-chup.pdf', type: 'application/pdf', bytes: pdfWithMarker });
      print(`2 MB case: PDF ${(pdfWithMarker.length / 1048576).toFixed(2)} MB, body ${(body.length / 1048576).toFixed(2)} MB`);
      // A 2 MB upload takes seconds under load; a 10 s timeout would count slow answers as errors.
      results.push(await run(web, { name: 'registration with a 2 MB PDF (multipart POST /documents/incoming)', target: { minRps: 20 }, method: 'POST', path: '/documents/incoming', headers: { ...browser, 'content-type': contentType }, body, timeoutSeconds: 60 }, o));
    }
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const stored = (await c.query(`select count(*)::int as n from document where subject like 'Công văn%tải thử%' or subject = 'Công văn kèm bản chụp 2 MB'`)).rows[0].n;
    const files = (await c.query('select count(*)::int as n from document_file')).rows[0].n;
    await c.end();
    print(`rows written: ${stored} documents, ${files} files`);
  } finally {
    await web?.stop();
    await admin.end();
    if (!keep) await dropDatabase(base, dbName);
    rmSync(blobDir, { recursive: true, force: true });
    rmSync(workDir, { recursive: true, force: true });
  }
  if (profileDir) {
    for (const f of readdirSync(profileDir)) print(`CPU profile: ${path.join(profileDir, f)} (${(readFileSync(path.join(profileDir, f)).length / 1e6).toFixed(1)} MB; open in Chrome DevTools)`);
  }
  return results;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runLoadBench().then(
    () => process.exit(0),
    (e) => {
      process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
      process.exit(1);
    },
  );
}
