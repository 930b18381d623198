// `npm start`: the web process, hosting the workers too unless RUN_WORKERS_IN_WEB=false.
import { configOrExit, runWeb } from '../server/main.ts';
import { startWorkers } from '../workers/host.ts';

const config = configOrExit();
await runWeb(config, config.runWorkersInWeb ? startWorkers : undefined);
