// Builds the real Express app on a test database, with queues on the PostgreSQL backend, and a
// supertest agent that keeps cookies and knows how to fetch a page's CSRF token.
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import request from 'supertest';
import { LocalBlobStore } from '../../server/files/blob-store.ts';
import type { Express } from 'express';
import { createApp } from '../../server/app.ts';
import { loadConfig, type Config } from '../../server/config.ts';
import { createLogger } from '../../server/logger.ts';
import { createQueueConnection, type QueueConnection } from '../../server/jobs/queue-connection.ts';
import { createJobQueue } from '../../server/jobs/jobs.ts';
import { seedDemoIfEmpty } from '../../server/services/demo-seed.service.ts';
import type { AppContext } from '../../server/app-context.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

export interface TestApp {
  app: Express;
  ctx: AppContext;
  tdb: TestDatabase;
  close(): Promise<void>;
}

export async function createTestApp(env: Record<string, string> = {}, opts: { seed?: boolean } = {}): Promise<TestApp> {
  const tdb = await createTestDatabase();
  const config: Config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: tdb.url, ...env });
  if (opts.seed !== false) await seedDemoIfEmpty(tdb.db);
  const conn: QueueConnection = createQueueConnection({ databaseUrl: tdb.url });
  const blobDir = await mkdtemp(path.join(os.tmpdir(), 'vanthu-blobs-'));
  const ctx: AppContext = { config: { ...config, blobDir }, db: tdb.db, logger: createLogger('silent'), jobs: createJobQueue(conn), databaseUrl: tdb.url, blobs: new LocalBlobStore(blobDir) };
  return {
    app: createApp(ctx),
    ctx,
    tdb,
    async close() {
      await conn.close();
      await tdb.close();
      await rm(blobDir, { recursive: true, force: true });
    },
  };
}

export function csrfFrom(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF token in page');
  return m[1]!;
}

export type Agent = ReturnType<typeof request.agent>;

/** Logs in through the real form (GET for the token, POST with it); returns the agent. */
export async function loginAs(app: Express, username: string, password = 'VanThu@2026'): Promise<Agent> {
  const agent = request.agent(app);
  const page = await agent.get('/login').expect(200);
  const res = await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), username, password });
  if (res.status !== 303) throw new Error(`login as ${username} failed: ${res.status} ${res.text.slice(0, 200)}`);
  return agent;
}

/** GETs a page and POSTs a form with that page's CSRF token. */
export async function postForm(agent: Agent, pageUrl: string, action: string, fields: Record<string, string>) {
  const page = await agent.get(pageUrl);
  return agent.post(action).type('form').send({ _csrf: csrfFrom(page.text), ...fields });
}
