// The web process: configuration, database (embedded when DATABASE_URL is unset), migrations, demo
// data, the HTTP server, optionally the workers in the same process, and graceful shutdown.
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

export async function runWeb(config: Config, startWorkers?: StartWorkers): Promise<void> {
  const logger = createLogger(config.logLevel);
  const runtime = await bootstrap(config, logger, { startWorkers });
  const app = createApp(runtime.context);
  const server = app.listen(config.port, config.host, () => {
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
