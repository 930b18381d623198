// Real PostgreSQL for the integration and HTTP tiers: DATABASE_URL when set, otherwise an embedded
// server started once per run. Migrations run once into a template database; each suite gets a
// fresh clone (CREATE DATABASE … TEMPLATE), which takes milliseconds.
import os from 'node:os';
import path from 'node:path';
import { rm } from 'node:fs/promises';
import pg from 'pg';
import { createDatabase, createPool, type Database } from '../../server/db/database.ts';
import { migrateToLatest } from '../../server/db/migrate.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../server/db/embedded.ts';
import { ensureAgencyLevels } from '../../server/services/demo-seed.service.ts';

let serverUrl: Promise<string> | null = null;
let embedded: EmbeddedDatabase | null = null;
let template: Promise<string> | null = null;
const created: string[] = [];
let counter = 0;

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function server(): Promise<string> {
  serverUrl ??= (async () => {
    const url = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
    if (url) return url;
    const dir = path.join(os.tmpdir(), `vanthu-test-pg-${process.pid}`);
    embedded = await startEmbeddedPostgres({ dir, port: 20000 + (process.pid % 20000), database: 'postgres' });
    return embedded.url;
  })();
  return serverUrl;
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: withDatabase(await server(), 'postgres') });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function templateName(): Promise<string> {
  template ??= (async () => {
    const name = `vanthu_tpl_${process.pid}`;
    await admin(async (c) => {
      await c.query(`drop database if exists ${name}`);
      await c.query(`create database ${name}`);
    });
    created.push(name);
    const pool = createPool(withDatabase(await server(), name), 2);
    await migrateToLatest(pool);
    await ensureAgencyLevels(createDatabase(pool));
    await pool.end();
    return name;
  })();
  return template;
}

export interface TestDatabase {
  db: Database;
  pool: pg.Pool;
  url: string;
  name: string;
  close(): Promise<void>;
}

/** A fresh, migrated database for one suite. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const tpl = await templateName();
  const name = `vanthu_t_${process.pid}_${++counter}`;
  await admin((c) => c.query(`create database ${name} template ${tpl}`));
  created.push(name);
  const url = withDatabase(await server(), name);
  const pool = createPool(url, 10);
  const db = createDatabase(pool);
  return { db, pool, url, name, close: () => db.destroy() };
}

/** Called once after the whole run (root hook). */
export async function dropTestDatabases(): Promise<void> {
  if (!serverUrl) return;
  await admin(async (c) => {
    for (const name of created.reverse()) await c.query(`drop database if exists ${name} with (force)`);
  }).catch(() => undefined);
  if (embedded) {
    await embedded.stop();
    await rm(path.join(os.tmpdir(), `vanthu-test-pg-${process.pid}`), { recursive: true, force: true });
  }
}
