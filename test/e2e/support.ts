// End-to-end support: a real VănThư process on its own database and port, and Debian's Chromium
// driven by playwright-core (Playwright's own browser download does not work here).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { chromium, type Browser, type Page } from 'playwright-core';

export const SCREENSHOT_DIR = path.resolve('test/e2e/screenshots');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export interface RunningNode {
  url: string;
  databaseUrl: string;
  stop(): Promise<void>;
}

function serverUrl(): string {
  return process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
}

export async function startNode(name: string, port: number, env: Record<string, string> = {}): Promise<RunningNode> {
  const base = new URL(serverUrl());
  const dbName = `vanthu_e2e_${name}_${process.pid}`;
  const admin = new pg.Client({ connectionString: serverUrl() });
  await admin.connect();
  await admin.query(`drop database if exists ${dbName} with (force)`);
  await admin.query(`create database ${dbName}`);
  await admin.end();
  base.pathname = `/${dbName}`;
  const blobDir = await mkdtemp(path.join(os.tmpdir(), `vanthu-e2e-${name}-`));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    env: { ...process.env, DATABASE_URL: base.toString(), PORT: String(port), HOST: '127.0.0.1', BLOB_DIR: blobDir, LOG_LEVEL: 'warn', NODE_ENV: 'development', REDIS_URL: '', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  // Generous: on a 2-core machine shared with other test runs (load average 40-60), migrating and
  // seeding takes minutes.
  const until = Date.now() + 600_000;
  const failed = async (why: string): Promise<never> => {
    // Never leave the process behind (it holds the test runner's stdout open), nor its database.
    child.kill('SIGKILL');
    await rm(blobDir, { recursive: true, force: true });
    const a = new pg.Client({ connectionString: serverUrl() });
    await a.connect().then(() => a.query(`drop database if exists ${dbName} with (force)`)).catch(() => undefined);
    await a.end().catch(() => undefined);
    throw new Error(`node ${name} ${why}`);
  };
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) await failed(`exited with ${child.exitCode ?? child.signalCode}`);
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > until) await failed('did not start within 600 s');
    await new Promise((r) => setTimeout(r, 300));
  }
  return {
    url,
    databaseUrl: base.toString(),
    async stop() {
      // A process that already exited (crashed, or killed by a test) emits no more 'exit'.
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(blobDir, { recursive: true, force: true });
      const a = new pg.Client({ connectionString: serverUrl() });
      await a.connect();
      await a.query(`drop database if exists ${dbName} with (force)`);
      await a.end();
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

let shot = 0;
export async function screenshot(page: Page, label: string): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  shot++;
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${String(shot).padStart(2, '0')}-${label}.png`), fullPage: true });
}

/** Signs in through the login form with the keyboard only. */
export async function login(page: Page, base: string, username: string, password = 'VanThu@2026'): Promise<void> {
  await page.context().clearCookies();
  await page.goto(`${base}/login`);
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.locator('#password').press('Enter')]);
}

export async function logout(page: Page): Promise<void> {
  await Promise.all([page.waitForURL(/\/login/), page.getByRole('button', { name: 'Đăng xuất' }).click()]);
}
