// Real processes for the fault, multi-process and load runs: web processes (`scripts/start.ts`) and
// worker processes (`workers/main.ts`) started as `node --import tsx …` (so the pid is the process
// itself, for RSS and kill -9), a fresh database per run, and a tiny HTTP client that logs in like a
// browser (pre-session cookie + CSRF token, then the session cookie).
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

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

export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Starts `scripts/start.ts` on a free port and waits until /healthz answers 200. */
export async function startWeb(name: string, env: Record<string, string>, nodeArgs: string[] = [], wrap: string[] = []): Promise<Proc> {
  const port = await freePort();
  const proc = spawnNode(name, 'scripts/start.ts', { HOST: '127.0.0.1', PORT: String(port), RUN_WORKERS_IN_WEB: 'false', ...env }, nodeArgs, wrap);
  proc.url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(async () => {
      if (proc.child.exitCode !== null) throw new Error(`${name} exited: ${proc.output()}`);
      return (await fetch(`${proc.url}/healthz`)).status === 200;
    }, 90_000, `${name} /healthz`);
  } catch (e) {
    await proc.stop(1000);
    throw new Error(`${(e as Error).message}\n${proc.output()}`);
  }
  return proc;
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
