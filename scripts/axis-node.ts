// One node of the interconnection axis as its own process (test network, demo, benchmark):
// web app + the node-to-node endpoint + workers + the axis schedule, on the database of
// DATABASE_URL and the node configuration of AXIS_NODE_CONFIG.
//   AXIS_NODE_CONFIG=node.json DATABASE_URL=postgres://… BLOB_DIR=… [REDIS_URL=…] npx tsx scripts/axis-node.ts
// Several nodes share one Redis safely: each node's queues live under its own key prefix.
import { loadConfig } from '../server/config.ts';
import { createLogger } from '../server/logger.ts';
import { createDatabase, createPool } from '../server/db/database.ts';
import { migrateToLatest } from '../server/db/migrate.ts';
import { createQueueConnection } from '../server/jobs/queue-connection.ts';
import { createJobQueue } from '../server/jobs/jobs.ts';
import { LocalBlobStore } from '../server/files/blob-store.ts';
import { ensureAgencyLevels, seedDemoIfEmpty } from '../server/services/demo-seed.service.ts';
import type { AppContext } from '../server/app-context.ts';
import { createApp } from '../server/app.ts';
import { setAxisNode } from '../server/axis/axis-node.ts';
import { loadAxisNode } from '../server/axis/node-config.ts';
import { ensureAxisAgencies } from '../server/services/axis.service.ts';
import { startWorkers } from '../workers/host.ts';

const config = loadConfig();
const logger = createLogger(config.logLevel).child({ process: 'axis-node' });
const node = loadAxisNode(config.axisNodeConfig);
if (!node) throw new Error('AXIS_NODE_CONFIG chưa được đặt.');
if (!config.databaseUrl) throw new Error('DATABASE_URL chưa được đặt.');
const pool = createPool(config.databaseUrl, config.databasePoolSize);
const db = createDatabase(pool);
await migrateToLatest(pool);
await ensureAgencyLevels(db);
if (config.seedDemo) await seedDemoIfEmpty(db);
const dbName = new URL(config.databaseUrl).pathname.slice(1);
const queues = createQueueConnection({ redisUrl: config.redisUrl, databaseUrl: config.databaseUrl, prefix: `vanthu-axis-${dbName}` });
const ctx: AppContext = { config, db, logger, jobs: createJobQueue(queues), blobs: new LocalBlobStore(config.blobDir), databaseUrl: config.databaseUrl };
setAxisNode(ctx, node);
await ensureAxisAgencies(ctx, node);
// startWorkers also starts the axis sweep and its LISTEN on the outbox channel.
const workers = await startWorkers(ctx, queues);
// createApp mounts the node-to-node endpoint (server/routes/axis-node.routes.ts) before the session.
const app = createApp(ctx);
const listen = node.settings.listen ?? { host: '127.0.0.1', port: config.port };
const server = app.listen(listen.port, listen.host, () => {
  logger.info({ nodeId: node.settings.nodeId, port: listen.port, queue: queues.engine }, 'axis node ready');
  process.send?.({ ready: true, nodeId: node.settings.nodeId, port: listen.port });
});
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  server.close();
  server.closeAllConnections();
  await workers.close();
  await queues.close();
  await db.destroy();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
