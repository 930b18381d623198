// Load on loopback (issue 8, item 4): the inbox listing and the registration of incoming documents
// (without a file, and with a 2 MB PDF each) for LOAD_SECONDS (default 60) with 50 connections, with
// autocannon against a real web process started here (`scripts/start.ts`, RUN_WORKERS_IN_WEB=false)
// on a fresh database seeded with demo data and LOAD_DOCS documents. The web process's RSS is sampled
// every 250 ms. Figures only; nothing is asserted. Results and how to rerun: docs/PERFORMANCE.md.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/load.bench.ts
//   LOAD_SECONDS=10 LOAD_CONNECTIONS=50 LOAD_PROFILE=1 …   (LOAD_PROFILE writes a .cpuprofile per run)
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import jpeg from 'jpeg-js';
import pg from 'pg';
import { PDFDocument, StandardFonts } from '@cantoo/pdf-lib';
import { dropDatabase, freePort, freshDatabase, login, multipartBody, repoRoot, startWeb, waitFor, type Proc, type Session } from '../test/faults/cluster.ts';

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
    await c.query('analyze');
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
  print('building (npm run build) …');
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: repoRoot, stdio: 'inherit' });
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

/** CPU time (user + system) the process has used so far, in ms, from /proc/<pid>/stat. */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
}

async function run(name: string, web: Proc, target: Target, opts: autocannon.Options): Promise<LoadResult> {
  let rssMax = web.rssMb();
  const cpu0 = cpuMs(web.pid);
  const load0 = loadAvg();
  const sampler = setInterval(() => (rssMax = Math.max(rssMax, web.rssMb())), 250);
  const r = await autocannon(opts);
  clearInterval(sampler);
  rssMax = Math.max(rssMax, web.rssMb());
  const res: LoadResult = {
    name,
    requests: r.requests.total,
    rps: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
    // autocannon counts 3xx as non-2xx; a form post answers 303, so only 4xx/5xx count as failures.
    errors: r.errors + r.timeouts,
    non2xx: (r as unknown as Record<string, number>)['4xx']! + (r as unknown as Record<string, number>)['5xx']!,
    rssMaxMb: Math.round(rssMax),
    // The web process's own CPU per answered request: comparable across noisy runs, unlike req/s.
    cpuMsPerRequest: r.requests.total ? Math.round(((cpuMs(web.pid) - cpu0) / r.requests.total) * 100) / 100 : 0,
  };
  const ok = (b: boolean) => (b ? 'meets' : 'MISSES');
  print(`${name}: ${res.requests} requests, ${res.rps} req/s, p50 ${res.p50} ms, p99 ${res.p99} ms, max ${res.max} ms, errors ${res.errors}, 4xx/5xx ${res.non2xx}, web RSS max ${res.rssMaxMb} MB, web CPU ${res.cpuMsPerRequest} ms/request`);
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
  const profileDir = process.env.LOAD_PROFILE ? mkdtempSync(path.join(tmpdir(), 'vanthu-prof-')) : null;
  const dbName = `vanthu_load_${process.pid}`;
  const blobDir = mkdtempSync(path.join(tmpdir(), 'vanthu-load-blobs-'));
  const url = await freshDatabase(base, dbName);
  const env: Record<string, string> = { DATABASE_URL: url, BLOB_DIR: blobDir, LOG_LEVEL: 'warn', ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}) };
  const results: LoadResult[] = [];
  let web: Proc | undefined;
  try {
    // First start migrates and seeds; the bulk documents go in before the measured process starts.
    const first = await startWeb('web-seed', env);
    await first.stop();
    await seedDocuments(url, docs);
    // Measured as in production: NODE_ENV=production caches compiled views (Express "view cache");
    // in development every page recompiles its Handlebars templates. Cookies without Secure (HTTP).
    const production = { NODE_ENV: 'production', SESSION_SECRET: 'load-bench-session-secret-0123456789abcdef', CREDENTIAL_KEY: '0'.repeat(64), COOKIE_SECURE: 'false' };
    // LOAD_NODE_ARGS: extra node flags for the measured process, to compare V8 settings.
    const extraArgs = (process.env.LOAD_NODE_ARGS ?? '').split(' ').filter(Boolean);
    web = await startMeasuredWeb({ ...env, ...production }, [...extraArgs, ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])]);
    print(`web process pid ${web.pid} (${process.env.LOAD_RUNTIME === 'tsx' ? 'tsx' : 'compiled, node dist/scripts/start.js'}) at ${web.url}; ${docs} seeded documents; ${seconds} s × ${connections} connections per run; queue ${process.env.REDIS_URL ? 'Redis' : 'PostgreSQL'}`);
    print(`web RSS after start: ${Math.round(web.rssMb())} MB`);
    const s: Session = await login(web.url!, 'tinh.vanthu');
    const common = { url: web.url!, connections, duration: seconds, pipelining: 1 };

    const only = (process.env.LOAD_ONLY ?? 'inbox,register,upload').split(',');
    if (only.includes('inbox')) results.push(await run('inbox listing (GET /documents/incoming?tab=da_xu_ly)', web, { minRps: 300, maxP99Ms: 250 }, { ...common, url: `${web.url}/documents/incoming?tab=da_xu_ly`, method: 'GET', headers: { cookie: s.cookie } }));

    let n = 0;
    const form = (i: number) => new URLSearchParams({ _csrf: s.csrf, typeCode: 'cong_van', numberAndNotation: `${i}/UBND-TT`, promulgationDate: '2026-11-20', issuerName: 'Ủy ban nhân dân xã Hưng Tây', subject: `Công văn tải thử số ${i} về việc báo cáo tình hình`, urgency: '0' }).toString();
    if (only.includes('register')) results.push(await run('registration, no file (POST /documents/incoming)', web, { minRps: 100 }, {
      ...common,
      requests: [{ method: 'POST', path: '/documents/incoming', headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' }, setupRequest: (req: autocannon.Request) => ({ ...req, body: form(++n) }) }],
    }));

    const pdf = await scanPdf(2 * 1024 * 1024);
    // Ten digits written into the middle of the scan's JPEG data make every upload a new blob (no
    // de-duplication) without moving any object: the xref and the startxref → %%EOF tail stay exact
    // (a comment before %%EOF is refused by the upload check). Digits are never a JPEG marker byte.
    let mid = Math.floor(pdf.length / 2);
    while (pdf.subarray(mid - 1, mid + 11).includes(0xff)) mid++;
    const marker = 'vanthu0000';
    const pdfWithMarker = Buffer.from(pdf);
    pdfWithMarker.write(marker, mid, 'latin1');
    if (pdfWithMarker.indexOf(marker) !== mid) throw new Error('scan marker is not unique');
    const { body, contentType } = multipartBody({ _csrf: s.csrf, typeCode: 'cong_van', numberAndNotation: '1/UBND-TT', promulgationDate: '2026-11-20', issuerName: 'Ủy ban nhân dân xã Hưng Tây', subject: 'Công văn kèm bản chụp 2 MB', urgency: '0' }, { field: 'files', name: 'ban-chup.pdf', type: 'application/pdf', bytes: pdfWithMarker });
    const at = body.indexOf(Buffer.from(marker));
    print(`2 MB case: PDF ${(pdfWithMarker.length / 1048576).toFixed(2)} MB, body ${(body.length / 1048576).toFixed(2)} MB`);
    if (only.includes('upload')) results.push(await run('registration with a 2 MB PDF (multipart POST /documents/incoming)', web, { minRps: 20 }, {
      ...common,
      // A 2 MB upload takes seconds under load; autocannon's default 10 s timeout would count slow answers as errors.
      timeout: 60,
      requests: [{
        method: 'POST', path: '/documents/incoming', headers: { cookie: s.cookie, 'content-type': contentType },
        setupRequest: (req: autocannon.Request) => {
          const b = Buffer.from(body);
          b.write(String(++n).padStart(10, '0'), at, 'latin1');
          return { ...req, body: b };
        },
      }],
    }));

    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const stored = (await c.query(`select count(*)::int as n from document where subject like 'Công văn%tải thử%' or subject = 'Công văn kèm bản chụp 2 MB'`)).rows[0].n;
    const files = (await c.query('select count(*)::int as n from document_file')).rows[0].n;
    await c.end();
    print(`rows written: ${stored} documents, ${files} files`);
  } finally {
    await web?.stop();
    await dropDatabase(base, dbName);
    rmSync(blobDir, { recursive: true, force: true });
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
