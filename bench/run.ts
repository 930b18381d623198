// `npm run bench`: runs every bench/*.bench.ts that exports a run…Bench function, each on its own
// (a failing benchmark is reported and the others still run). Figures only; nothing is asserted.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const print = (s: string) => process.stdout.write(`${s}\n`);
const only = process.argv.slice(2);

const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => !only.length || only.some((o) => f.startsWith(o)))
  .sort();
let failed = 0;
for (const f of files) {
  print(`\n=== ${f}`);
  const t0 = performance.now();
  try {
    const mod = (await import(pathToFileURL(path.join(here, f)).href)) as Record<string, unknown>;
    const runners = Object.entries(mod).filter(([name, v]) => /^run\w*Bench$/.test(name) && typeof v === 'function') as [string, () => Promise<void>][];
    if (!runners.length) {
      print(`(no run…Bench export in ${f})`);
      continue;
    }
    for (const [name, run] of runners) {
      print(`--- ${name}`);
      await run();
    }
  } catch (e) {
    failed++;
    print(`FAILED: ${(e as Error).stack ?? String(e)}`);
  }
  print(`(${f}: ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}
print(`\n${files.length} benchmark file(s), ${failed} failed`);
process.exit(0);
