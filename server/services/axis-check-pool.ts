// Arrival checks off the event loop (issue 5 "Benchmarks"; docs/PERFORMANCE.md, "one hop"): the
// node is one JavaScript thread, and the checks before the receipt (package signature, parse and
// unzip, file check, PDF signatures: ~25–30 ms per package with a signed 200 KB PDF) kept it from
// using a second core. A pool of worker threads (workerpool) runs them; the database, the receipt
// and everything after it stay on the main thread. A worker that dies (a hostile file exhausting its
// heap, a native crash) fails only the check it was running — the package is not answered, so
// the sender retries — and the pool starts another for the next one.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import workerpool from 'workerpool';
import type { AxisNode } from '../axis/node-config.ts';
import { createArrivalChecker, type ArrivalCheckSettings, type ArrivalChecker, type ArrivalVerdict } from './axis-check.ts';

/** Threads for a node: its `checkThreads`, else one per core but the main thread's, at least one; 0 = in this thread. */
export function checkThreadsFor(node: AxisNode, cores = availableParallelism()): number {
  return node.settings.checkThreads ?? Math.max(1, cores - 1);
}

export interface ArrivalCheckPool extends ArrivalChecker {
  readonly threads: number;
  /** The workerpool behind it (tests), null when checking in this thread. */
  readonly pool: workerpool.Pool | null;
  close(): Promise<void>;
}

const settingsOf = (node: AxisNode, ocsp: ArrivalCheckSettings['ocsp']): ArrivalCheckSettings => ({
  trustRoots: node.trustRoots,
  crls: node.crls,
  maxPackageBytes: node.settings.maxPackageBytes,
  maxAttachmentBytes: node.settings.maxAttachmentBytes,
  verifyPdfSignatures: node.settings.verifyPdfSignatures,
  ocsp,
});

/**
 * Under tsx (development, tests) the worker runs the TypeScript entry through tsx registered by a
 * small bootstrap (worker threads do not inherit the parent's loader hooks on Node 20); the build
 * runs the compiled .js directly.
 */
function workerScript(entry: URL): { script: string; evalScript: boolean } {
  if (!entry.pathname.endsWith('.ts')) return { script: entry.pathname, evalScript: false };
  // tsx's ESM API, found from its package.json: mocha loads the sources through tsx as CommonJS
  // (no import.meta.resolve), and require.resolve would give the CommonJS build.
  const pkg = createRequire(import.meta.url).resolve('tsx/package.json');
  const exported = (JSON.parse(readFileSync(pkg, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api']!.import.default;
  const tsx = new URL(exported, pathToFileURL(pkg)).href;
  return { script: `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(entry.href)}); });`, evalScript: true };
}

const WORKER_ENTRY = new URL(import.meta.url.endsWith('.ts') ? './axis-check.worker.ts' : './axis-check.worker.js', import.meta.url);

/** `entry`: another worker module registering `check` (tests: one that crashes on demand). */
export function createArrivalCheckPool(node: AxisNode, threads = checkThreadsFor(node), opts: { entry?: URL; ocsp?: ArrivalCheckSettings['ocsp'] } = {}): ArrivalCheckPool {
  const settings = settingsOf(node, opts.ocsp);
  if (threads === 0) {
    const inline = createArrivalChecker(settings);
    return { threads, pool: null, check: inline.check, close: async () => undefined };
  }
  const { script, evalScript } = workerScript(opts.entry ?? WORKER_ENTRY);
  // All threads start with the pool (minWorkers 'max'), and each loads pdfjs at once: the first
  // package would otherwise wait seconds for a thread's start-up (modules, pdfjs).
  const pool = workerpool.pool(script, { minWorkers: 'max', maxWorkers: threads, workerType: 'thread', workerThreadOpts: { eval: evalScript, workerData: settings } });
  return {
    threads,
    pool,
    async check(bytes, recipientCode, at) {
      // The package bytes are copied to the worker (the caller stores them afterwards).
      const v = (await pool.exec('check', [bytes, recipientCode, at]).catch((e: unknown) => {
        // workerpool 10 replaces a worker that died but dispatches the tasks queued meanwhile only
        // on the next exec: one is made here (a no-op listing the worker's methods) so that the
        // packages waiting behind a crash are checked without waiting for another arrival.
        void pool.exec('methods', []).catch(() => undefined);
        throw e;
      })) as ArrivalVerdict;
      // Buffers come back as Uint8Arrays (structured clone).
      if (v.kind === 'document') for (const f of v.parsed.attachments) if (f.content) f.content = Buffer.from(f.content.buffer, f.content.byteOffset, f.content.byteLength);
      return v;
    },
    close: () => pool.terminate().then(() => undefined),
  };
}

const pools = new WeakMap<AxisNode, ArrivalCheckPool>();

/** The pool of a node configuration, started on first use (the node routes ask for it when mounted). */
export function arrivalCheckPoolOf(node: AxisNode, ocsp?: ArrivalCheckSettings['ocsp']): ArrivalCheckPool {
  let p = pools.get(node);
  if (!p) pools.set(node, (p = createArrivalCheckPool(node, undefined, { ocsp })));
  return p;
}
