// What createApp needs, injected so that tests pass their own (STYLE.md convention 5).
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import type { Logger } from './logger.ts';
import type { JobQueue } from './jobs/jobs.ts';
import type { BlobStore } from './files/blob-store.ts';

export interface AppContext {
  config: Config;
  db: Database;
  logger: Logger;
  jobs: JobQueue;
  blobs: BlobStore;
  /** The database actually in use (the embedded one has no DATABASE_URL). */
  databaseUrl: string;
}
