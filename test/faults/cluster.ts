// Real processes for the fault, multi-process and load runs: web processes (`scripts/start.ts`) and
// worker processes (`workers/main.ts`) started as `node --import tsx …` (so the pid is the process
// itself, for RSS and kill -9), a fresh database per run, and a tiny HTTP client that logs in like a
// browser (pre-session cookie + CSRF token, then the session cookie).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import pg from 'pg';
import type { AxisNodeConfigInput } from '../../server/axis/node-config.ts';
import { testPortBase, writeNetwork } from '../fixtures/axis/network.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface Proc {
  name: string;
  child: ChildProcess;
  pid: number;
  url?: string;
  output(): string;
  /** Resident set size in MB, read from /proc (0 when the process is gone). */
  rssMb(): number;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  kill9(): Promise<void>;
}

/** The PostgreSQL server on which the tests create and drop their databases. */
export const BASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Runs `fn` over `items` with at most `width` at once. */
export async function pool<T, R>(items: T[], width: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function adminQuery(baseUrl: string, text: string): Promise<void> {
  const c = new pg.Client({ connectionString: withDatabase(baseUrl, 'postgres') });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

/** A new empty database on the server of `baseUrl`; the web process migrates and seeds it. */
export async function freshDatabase(baseUrl: string, name: string): Promise<string> {
  await adminQuery(baseUrl, `drop database if exists ${name} with (force)`);
  await adminQuery(baseUrl, `create database ${name}`);
  return withDatabase(baseUrl, name);
}

export async function dropDatabase(baseUrl: string, name: string): Promise<void> {
  await adminQuery(baseUrl, `drop database if exists ${name} with (force)`).catch(() => undefined);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** `wrap` runs node under another program, e.g. ['faketime', '-f', '+3d'] for a skewed clock. */
function spawnNode(name: string, script: string, env: Record<string, string>, nodeArgs: string[] = [], wrap: string[] = []): Proc {
  const argv = [process.execPath, ...nodeArgs, '--import', 'tsx', script];
  const [cmd, ...args] = [...wrap, ...argv];
  const child = spawn(cmd!, args, {
    cwd: repoRoot,
    env: { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const proc: Proc = {
    name,
    child,
    pid: child.pid!,
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
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
  return proc;
}

/** Thrown by a waitFor check to stop waiting at once (e.g. the process being waited for has exited). */
export class GiveUp extends Error {}

export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const ok = await check().catch((e: unknown) => {
      if (e instanceof GiveUp) throw e;
      return false;
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/**
 * Starts `scripts/start.ts` on a free port and waits until /healthz answers 200. A process that
 * exits while starting is reported at once; one that found the shared PostgreSQL out of connection
 * slots (other suites running on the machine) is started again, up to 3 times.
 */
export async function startWeb(name: string, env: Record<string, string>, nodeArgs: string[] = [], wrap: string[] = []): Promise<Proc> {
  // A fixed PORT in `env` (an axis node listens where its configuration says) wins over a free one.
  const port = env.PORT ? Number(env.PORT) : await freePort();
  for (let attempt = 1; ; attempt++) {
    const proc = spawnNode(name, 'scripts/start.ts', { HOST: '127.0.0.1', RUN_WORKERS_IN_WEB: 'false', ...env, PORT: String(port) }, nodeArgs, wrap);
    proc.url = `http://127.0.0.1:${port}`;
    try {
      await waitFor(async () => {
        if (proc.child.exitCode !== null || proc.child.signalCode !== null) throw new GiveUp(`${name} exited while starting`);
        return (await fetch(`${proc.url}/healthz`)).status === 200;
      }, 600_000, `${name} /healthz`);
      return proc;
    } catch (e) {
      await proc.stop(1000);
      if (e instanceof GiveUp && attempt < 3 && /too many clients/.test(proc.output())) {
        await new Promise((r) => setTimeout(r, 5000));
        continue;
      }
      throw new Error(`${(e as Error).message}\n${proc.output()}`);
    }
  }
}

export function startWorker(name: string, env: Record<string, string>, wrap: string[] = []): Proc {
  return spawnNode(name, 'workers/main.ts', env, [], wrap);
}

export interface Session {
  base: string;
  cookie: string;
  csrf: string;
}

const csrfIn = (html: string): string => {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF token in page');
  return m[1]!;
};
const cookiesOf = (res: Response): string[] => res.headers.getSetCookie().map((c) => c.split(';')[0]!);

/** Logs in through the form, as a browser does; returns the session cookie and its CSRF token. */
export async function login(base: string, username: string, password = 'VanThu@2026'): Promise<Session> {
  const page = await fetch(`${base}/login`);
  const pre = cookiesOf(page).join('; ');
  const res = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: pre },
    body: new URLSearchParams({ _csrf: csrfIn(await page.text()), username, password }).toString(),
  });
  if (res.status !== 303) throw new Error(`login ${username} at ${base}: ${res.status}`);
  const cookie = cookiesOf(res).find((c) => c.startsWith('vt_sid='))!;
  const home = await fetch(`${base}/`, { headers: { cookie } });
  return { base, cookie, csrf: csrfIn(await home.text()) };
}

/** Posts a form as the session; returns status and Location. */
export async function postForm(s: Session, path: string, fields: Record<string, string>): Promise<{ status: number; location: string | null; text: string }> {
  const res = await fetch(`${s.base}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: s.cookie },
    body: new URLSearchParams({ _csrf: s.csrf, ...fields }).toString(),
  });
  return { status: res.status, location: res.headers.get('location'), text: await res.text() };
}

/** Posts a multipart form (fields and files) as the session; the Response is not read. */
export async function postMultipart(s: Session, url: string, fields: Record<string, string>, files: { field: string; name: string; type: string; bytes: Uint8Array }[]): Promise<Response> {
  const form = new FormData();
  form.append('_csrf', s.csrf);
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  for (const f of files) form.append(f.field, new Blob([f.bytes], { type: f.type }), f.name);
  return fetch(`${s.base}${url}`, { method: 'POST', body: form, headers: { cookie: s.cookie }, redirect: 'manual' });
}

/** A new outgoing draft with its PDF (a draft is submitted only with a file); returns its id. */
export async function createDraftWithPdf(s: Session, subject: string, pdf: Uint8Array): Promise<string> {
  const res = await postMultipart(s, '/documents/outgoing', { typeCode: 'cong_van', subject }, [{ field: 'files', name: 'du-thao.pdf', type: 'application/pdf', bytes: pdf }]);
  if (res.status !== 303) throw new Error(`draft "${subject}": ${res.status} ${(await res.text()).slice(0, 300)}`);
  return /\/documents\/(\d+)/.exec(res.headers.get('location')!)![1]!;
}

/** A multipart/form-data body built once (autocannon sends raw bodies). */
export function multipartBody(fields: Record<string, string>, file?: { field: string; name: string; type: string; bytes: Buffer }): { body: Buffer; contentType: string } {
  const boundary = `----vanthu${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  if (file) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`));
    parts.push(file.bytes, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** Runs a command as the `postgres` user when the tests run as root (initdb and postgres refuse root). */
export function asPostgres(cmd: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
}

/** Runs a command to completion (extra environment variables pass through runuser); throws with its output on failure. */
export function run(cmd: string, args: string[], env: Record<string, string> = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.status} ${r.stderr || r.stdout}`);
  return r.stdout;
}

/**
 * The commune and district nodes of the axis test network for a fault test: the network's files,
 * and for each node a fresh database on `pgUrl`, a blob folder and the environment of a web process
 * that serves it with its workers (queue on PostgreSQL). Every folder made goes to `dirs`, for the
 * after hook. PORT is the caller's: a node reached by its peer listens on `net[name].port`.
 */
export async function twoAxisNodes(label: string, pgUrl: string, portSlot: number, tweak: Partial<AxisNodeConfigInput>, dirs: string[]) {
  const networkDir = mkdtempSync(path.join(tmpdir(), `vanthu-${label}-axis-`));
  dirs.push(networkDir);
  const net = writeNetwork(networkDir, testPortBase(portSlot), tweak);
  const envOf = async (name: 'commune' | 'district', db: string): Promise<Record<string, string>> => {
    const blobDir = mkdtempSync(path.join(tmpdir(), `vanthu-${label}-${name}-`));
    dirs.push(blobDir);
    const url = await freshDatabase(pgUrl, `vanthu_${label}_${db}_${process.pid}`);
    return { DATABASE_URL: url, BLOB_DIR: blobDir, AXIS_NODE_CONFIG: net[name].configPath, RUN_WORKERS_IN_WEB: 'true', REDIS_URL: '' };
  };
  // One after the other: the databases are made on one server connection at a time.
  const commune = await envOf('commune', 'xa');
  const district = await envOf('district', 'huyen');
  return { net, env: { commune, district } };
}

/** The commune's people who take an outgoing document from draft to number, signed in on `base`. */
export async function communeIssuers(base: string): Promise<Record<'specialist' | 'head' | 'leader' | 'clerk', Session>> {
  const [specialist, head, leader, clerk] = await Promise.all(['xa1.chuyenvien', 'xa1.truongphong', 'xa1.lanhdao', 'xa1.vanthu'].map((u) => login(base, u)));
  return { specialist: specialist!, head: head!, leader: leader!, clerk: clerk! };
}

/**
 * An outgoing document drafted with `pdf` and taken over HTTP through review, the leader's approval
 * and signature, and numbering in `bookId` (every form answered 303), then released to `releaseTo`
 * when given. Without an uploaded credential the signature is recorded without a digital one.
 */
export async function issueOverHttp(p: Awaited<ReturnType<typeof communeIssuers>>, subject: string, pdf: Uint8Array, bookId: string, releaseTo?: string): Promise<string> {
  const id = await createDraftWithPdf(p.specialist, subject, pdf);
  const steps: [Session, string, Record<string, string>][] = [
    [p.specialist, 'submit', {}],
    [p.head, 'approve', {}],
    [p.leader, 'approve', {}],
    [p.leader, 'sign', { competence: '' }],
    [p.clerk, 'number', { bookId }],
    ...(releaseTo ? [[p.clerk, 'release', { externalCodes: releaseTo }] as [Session, string, Record<string, string>]] : []),
  ];
  for (const [s, action, fields] of steps) expect((await postForm(s, `/documents/${id}/actions/${action}`, fields)).status, action).to.equal(303);
  return id;
}

export interface OwnPostgres {
  port: number;
  /** `postgres://postgres@127.0.0.1:PORT/postgres` */
  url: string;
  /** `pg_ctl restart`; mode `immediate` is a crash (no checkpoint; WAL replayed at start). */
  restart(mode?: 'fast' | 'immediate'): void;
  stop(): void;
}

/**
 * A PostgreSQL instance of the test's own (initdb in a temp folder, its own port, trust on loopback),
 * so restarting it never cuts off anyone else using the machine's PostgreSQL.
 */
export async function startOwnPostgres(): Promise<OwnPostgres> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'vanthu-ownpg-'));
  const data = path.join(dir, 'data');
  if (process.getuid?.() === 0) chownSync(dir, Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim()), Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim()));
  run(...asPostgres('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-instructions']));
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200`;
  const ctl = (...args: string[]) => run(...asPostgres('pg_ctl', ['-D', data, '-w', '-t', '60', '-l', path.join(dir, 'log'), ...args]));
  ctl('-o', opts, 'start');
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    restart(mode = 'immediate') {
      ctl('-m', mode, '-o', opts, 'restart');
    },
    stop() {
      try {
        ctl('-m', 'immediate', 'stop');
      } catch {
        /* already stopped */
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface OwnRedis {
  port: number;
  url: string;
  /** SIGKILL (no persistence configured: the data is gone), then start again on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** A redis-server of the test's own on a free port, without persistence, so flushing it touches nobody. */
export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  let child: ChildProcess;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], { stdio: 'ignore' });
    await waitFor(async () => {
      const r = spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' });
      return r.stdout.trim() === 'PONG';
    }, 20_000, `redis-server on ${port}`);
  };
  const halt = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async restart() {
      await halt('SIGKILL');
      await start();
    },
    stop: () => halt('SIGTERM'),
  };
}
