import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { availableRedisUrl } from '../helpers/redis.ts';
import { createQueueConnection, type QueueConnection } from '../../server/jobs/queue-connection.ts';
import { createJobQueue } from '../../server/jobs/jobs.ts';
import { checkRegistry, PROCESSORS } from '../../workers/registry.ts';
import { startWorkers } from '../../workers/host.ts';
import { createLogger } from '../../server/logger.ts';
import { loadConfig } from '../../server/config.ts';
import { LocalBlobStore } from '../../server/files/blob-store.ts';

async function waitFor(check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out waiting');
}

describe('worker registry', () => {
  it('refuses to start when a job has no processor or an unknown one', () => {
    expect(() => checkRegistry()).not.to.throw();
    const { ['maintenance.purge-sessions']: _gone, ...missing } = PROCESSORS;
    expect(() => checkRegistry(missing)).to.throw(/missing: \[maintenance.purge-sessions\]/);
    expect(() => checkRegistry({ ...PROCESSORS, 'nobody.knows': () => undefined })).to.throw(/unknown: \[nobody.knows\]/);
  });
});

for (const engine of ['postgres', 'redis'] as const) {
  describe(`BullMQ on ${engine === 'postgres' ? 'its PostgreSQL backend' : 'Redis'}`, function () {
    this.timeout(60_000);
    let t: TestDatabase;
    let conn: QueueConnection;
    let redisUrl: string | null = null;

    before(async function () {
      if (engine === 'redis') {
        redisUrl = await availableRedisUrl();
        if (!redisUrl) {
          process.stdout.write('      (skipped: no Redis at REDIS_URL or 127.0.0.1:6379 — queue tests ran on PostgreSQL only)\n');
          this.skip();
        }
      }
      t = await createTestDatabase();
      conn = createQueueConnection({ databaseUrl: t.url, redisUrl: redisUrl ?? undefined, prefix: `vt-test-${randomUUID()}` });
    });
    after(async () => {
      await conn?.close();
      await t?.close();
    });

    it('delivers a job to a worker once, even when enqueued twice with the same id', async () => {
      const seen: unknown[] = [];
      const q = conn.queue('probe');
      const w = conn.worker('probe', async (job) => {
        seen.push(job.data);
      });
      await q.add('probe', { documentId: '42' }, { jobId: 'doc-42' });
      await q.add('probe', { documentId: '42' }, { jobId: 'doc-42' });
      await waitFor(async () => seen.length >= 1);
      await new Promise((r) => setTimeout(r, 300));
      expect(seen).to.deep.equal([{ documentId: '42' }]);
      await w.close();
    });

    it('refuses a payload that does not match the job schema before it reaches the queue', async () => {
      const jobs = createJobQueue(conn);
      let err: unknown;
      await jobs.enqueue('maintenance.purge-sessions', { pdfBytes: 'AAAA' } as never).catch((e) => (err = e));
      expect(String(err)).to.match(/Unrecognized key|unrecognized/i);
    });

    it('runs the registered processors: expired sessions are purged by the worker', async () => {
      const user = await t.db.insertInto('appUser').values({ username: `u${Date.now()}`, fullName: 'Thử', email: null, position: null, passwordHash: 'x' }).returning('id').executeTakeFirstOrThrow();
      await t.db.insertInto('session').values({ idHash: randomUUID(), userId: user.id, activeAgencyId: null, expiresAt: new Date(Date.now() - 1000), userAgent: null, ip: null }).execute();
      const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: t.url, ...(redisUrl ? { REDIS_URL: redisUrl } : {}) });
      const jobs = createJobQueue(conn);
      const host = await startWorkers({ config, db: t.db, logger: createLogger('silent'), jobs, databaseUrl: t.url, blobs: new LocalBlobStore('/nonexistent') }, conn);
      try {
        await jobs.enqueue('maintenance.purge-sessions', {});
        await waitFor(async () => (await t.db.selectFrom('session').select('idHash').execute()).length === 0);
      } finally {
        await host.close();
      }
    });
  });
}
