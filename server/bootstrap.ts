// Start-up shared by the web process, the worker process and the CLI: database (embedded when
// DATABASE_URL is unset), migrations, queues, demo data, and the matching shutdown.
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import { createDatabase, createPool } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './db/embedded.ts';
import { createQueueConnection, type QueueConnection } from './jobs/queue-connection.ts';
import { createJobQueue } from './jobs/jobs.ts';
import { ensureAgencyLevels, seedDemoIfEmpty } from './services/demo-seed.service.ts';
import type { AppContext } from './app-context.ts';
import { createBlobStore } from './files/create-blob-store.ts';
import { startClockSync } from './services/clock.service.ts';

export interface Runtime {
  context: AppContext;
  embedded: EmbeddedDatabase | null;
  databaseUrl: string;
  stop(): Promise<void>;
}

export interface WorkerHost {
  close(): Promise<void>;
}

/** Passed in by the entry scripts; server/ never imports workers/ (STYLE.md: imports flow one way). */
export type StartWorkers = (ctx: AppContext, shared?: QueueConnection) => Promise<WorkerHost>;

export async function bootstrap(config: Config, logger: Logger, opts: { startWorkers?: StartWorkers; migrate?: boolean; seed?: boolean } = {}): Promise<Runtime> {
  let embedded: EmbeddedDatabase | null = null;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres({ dir: config.embeddedPg.dir, port: config.embeddedPg.port, logger });
    databaseUrl = embedded.url;
    logger.info({ dir: config.embeddedPg.dir, port: config.embeddedPg.port }, 'embedded PostgreSQL started');
  }
  const pool = createPool(databaseUrl, config.databasePoolSize);
  const db = createDatabase(pool);
  if (opts.migrate !== false) {
    const applied = await migrateToLatest(pool);
    if (applied.length) logger.info({ applied }, 'migrations applied');
  }
  // Before anything is dated (the demo seed's books are of the current year): PostgreSQL's clock.
  const stopClockSync = await startClockSync(db, logger);
  await ensureAgencyLevels(db);
  if (opts.seed !== false && config.seedDemo && (await seedDemoIfEmpty(db))) logger.info('demo agency tree and users seeded');
  const queueConnection = createQueueConnection({ redisUrl: config.redisUrl, databaseUrl, prefix: config.queuePrefix });
  const jobs = createJobQueue(queueConnection);
  const context: AppContext = { config, db, logger, jobs, databaseUrl, blobs: createBlobStore(config.blobStore.kind === 'local' ? { kind: 'local', dir: config.blobDir } : config.blobStore) };
  const workers: WorkerHost | null = opts.startWorkers ? await opts.startWorkers(context, queueConnection) : null;
  return {
    context,
    embedded,
    databaseUrl,
    async stop() {
      stopClockSync();
      await workers?.close();
      await queueConnection.close();
      await db.destroy();
      await embedded?.stop();
    },
  };
}
