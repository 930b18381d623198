// `npm run workers`: a worker-only process (scale it separately from the web processes).
// SIGTERM → close workers → close queues → close the database (STYLE.md convention 9).
import { configOrExit } from '../server/main.ts';
import { createLogger } from '../server/logger.ts';
import { bootstrap } from '../server/bootstrap.ts';
import { startWorkers } from './host.ts';

const config = configOrExit();
const logger = createLogger(config.logLevel).child({ process: 'workers' });
const runtime = await bootstrap(config, logger, { startWorkers, seed: false });
let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping workers');
  await runtime.stop();
  process.exit(0);
};
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
