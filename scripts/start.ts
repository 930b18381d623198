// `npm start`: the web process, hosting the workers too unless RUN_WORKERS_IN_WEB=false; with
// WEB_PROCESSES > 1, a primary (start-up, workers) and that many HTTP processes (server/main.ts).
import cluster from 'node:cluster';
import { setFlagsFromString } from 'node:v8';
import { configOrExit, runWeb, runWebCluster } from '../server/main.ts';
import { startWorkers } from '../workers/host.ts';

// Resident memory (issue 8: ≤ 300 MB under load; docs/PERFORMANCE.md): by default V8 lets the old
// generation grow up to 4× between full collections when a server allocates fast, so a process
// whose live heap is ~60 MB sat at 160–270 MB of heap under load. Growing by 20 % at a time keeps
// it near the live size at a small CPU cost — a heuristic, not a cap: no out-of-memory crash on a
// large export or upload (a --max-old-space-size bound would risk one). Read by V8 at every heap
// limit update, so setting it here, before the first request, is enough.
setFlagsFromString('--heap-growing-percent=20');

const config = configOrExit();
const workers = config.runWorkersInWeb ? startWorkers : undefined;
if (cluster.isWorker) await runWeb(config, undefined, { migrate: false, seed: false }); // forked by runWebCluster
else if (config.webProcesses > 1) await runWebCluster(config, workers);
else await runWeb(config, workers);
