// The web process: configuration, database (embedded when DATABASE_URL is unset), migrations, demo
// data, the HTTP server, optionally the workers in the same process, and graceful shutdown; or, with
// WEB_PROCESSES > 1, a primary that does the start-up once and keeps that many HTTP processes running.
import cluster, { type Worker } from 'node:cluster';
import { loadConfig, ConfigError, type Config } from './config.ts';
import { createLogger } from './logger.ts';
import { bootstrap, type StartWorkers } from './bootstrap.ts';
import { createApp } from './app.ts';

export function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(78);
    }
    throw e;
  }
}

export async function runWeb(config: Config, startWorkers?: StartWorkers, opts: { migrate?: boolean; seed?: boolean } = {}): Promise<void> {
  const logger = createLogger(config.logLevel);
  const runtime = await bootstrap(config, logger, { startWorkers, ...opts });
  const app = createApp(runtime.context);
  // Express 5 calls back with the error too (a port in use): without this check the process
  // announced itself and stayed up without listening.
  const server = app.listen(config.port, config.host, (err?: Error) => {
    if (err) {
      logger.fatal({ err, port: config.port, host: config.host }, `Không mở được cổng ${config.port}: ${err.message}`);
      void runtime.stop().finally(() => process.exit(1));
      return;
    }
    logger.info(
      { port: config.port, db: runtime.embedded ? 'embedded' : 'external', queue: runtime.context.jobs.engine, workers: Boolean(startWorkers) },
      `VănThư đang chạy tại http://localhost:${config.port}`,
    );
  });
  server.keepAliveTimeout = 65_000;

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    const force = setTimeout(() => process.exit(1), 15_000).unref();
    await new Promise<void>((r) => server.close(() => r()));
    server.closeAllConnections();
    await runtime.stop();
    clearTimeout(force);
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/**
 * WEB_PROCESSES > 1 (issue 8: Node runs JavaScript on one core per process; on a 2-core machine one web
 * process leaves a core idle while its own is saturated). This primary starts the embedded PostgreSQL
 * if any, applies the migrations, seeds the demo, hosts the workers when asked, then forks the HTTP
 * processes with node:cluster: they share the listening port (the primary hands each new connection
 * to one of them in turn) and connect to the same database, without migrating or seeding again. A
 * process that dies is replaced; one that dies before it listened stops the whole start (a wrong
 * port or configuration would otherwise fork forever). SIGTERM/SIGINT stop the HTTP processes first
 * (each finishes its requests), then the workers and the database.
 */
export async function runWebCluster(config: Config, startWorkers?: StartWorkers): Promise<void> {
  const logger = createLogger(config.logLevel);
  const runtime = await bootstrap(config, logger, { startWorkers });
  const env = { DATABASE_URL: runtime.databaseUrl };
  let stopping = false;
  const listening = new WeakSet<Worker>();
  const shutdown = async (signal: string, code = 0): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    const force = setTimeout(() => process.exit(1), 20_000).unref();
    const children = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
    await Promise.all(
      children.map(
        (w) =>
          new Promise<void>((r) => {
            if (w.isDead()) return r();
            w.once('exit', () => r());
            w.process.kill('SIGTERM');
          }),
      ),
    );
    await runtime.stop();
    clearTimeout(force);
    process.exit(code);
  };
  cluster.on('listening', (w) => listening.add(w));
  cluster.on('exit', (w, code, signal) => {
    if (stopping) return;
    if (!listening.has(w)) {
      logger.error({ pid: w.process.pid, code, signal }, 'a web process stopped before it listened');
      void shutdown('start-up failed', 1);
      return;
    }
    logger.error({ pid: w.process.pid, code, signal }, 'a web process stopped; starting another');
    cluster.fork(env);
  });
  for (let i = 0; i < config.webProcesses; i++) cluster.fork(env);
  logger.info({ processes: config.webProcesses, port: config.port, workers: Boolean(startWorkers) }, `VănThư đang chạy tại http://localhost:${config.port} (${config.webProcesses} tiến trình web)`);
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
