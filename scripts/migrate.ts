// `npm run migrate` / `npm run migrate:down`: the same as `npx vanthu migrate up|down`.
import { loadConfig } from '../server/config.ts';
import { createPool } from '../server/db/database.ts';
import { migrateDown, migrateToLatest } from '../server/db/migrate.ts';
import { startEmbeddedPostgres } from '../server/db/embedded.ts';

const config = loadConfig();
const embedded = config.databaseUrl ? null : await startEmbeddedPostgres(config.embeddedPg);
const pool = createPool(config.databaseUrl ?? embedded!.url, 2);
try {
  const done = process.argv[2] === 'down' ? await migrateDown(pool) : await migrateToLatest(pool);
  process.stdout.write(done.length ? `${done.join('\n')}\n` : 'Không có migration nào cần chạy.\n');
} finally {
  await pool.end();
  await embedded?.stop();
}
