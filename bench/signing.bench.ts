// Signing benchmarks: node:crypto primitives, one signature on a 20 MB PDF against the target
// 3 × (hash + one RSA sign), throughput on 200 KB PDFs across all cores (worker_threads), and the
// `vanthu sign` command against poppler's `pdfsig -add-signature`.
// Run standalone: npx tsx bench/signing.bench.ts
import { createHash, sign as nodeSign, createPrivateKey } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { loadPkcs12 } from '../server/signing/key-source.ts';
import { signAttachment } from '../server/signing/operations.ts';
import { verifyPdf } from '../server/signing/verify.ts';
import { makeDecree30Pdf } from '../test/fixtures/signing/decree30-pdf.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const P12 = join(root, 'certs-sample/agencies/van-phong-chinh-phu.p12');
const PASS = 'VanThu-Test-Only-2026';
const print = (s: string) => process.stdout.write(`${s}\n`);
const ms = (v: number) => `${v.toFixed(1)} ms`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function rate(fn: () => void, seconds = 1): number {
  let n = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    fn();
    n++;
  }
  return n / seconds;
}

async function workerMain(): Promise<void> {
  const { pdf, seconds } = workerData as { pdf: Uint8Array; seconds: number };
  const key = await loadPkcs12(readFileSync(P12), PASS);
  // Warm-up for a second, as a long-running signing worker is: the optimising compiler's threads
  // count in the process CPU, and with one warm-up signature they ran during the timed loop.
  const warm = performance.now() + 1000;
  while (performance.now() < warm) await signAttachment(pdf, key, { notation: '15/QĐ-UBND' });
  let n = 0;
  const end = performance.now() + seconds * 1000;
  // CPU of the whole process (every thread, GC included) over this worker's loop: per signature
  // when this is the only worker, the figure to compare between noisy runs.
  const cpu = process.cpuUsage();
  while (performance.now() < end) {
    await signAttachment(pdf, key, { notation: '15/QĐ-UBND' });
    n++;
  }
  const used = process.cpuUsage(cpu);
  parentPort!.postMessage({ n, cpuMs: (used.user + used.system) / 1000 });
}

/** Signatures per second over all workers, and the process CPU per signature each worker saw. */
async function parallelThroughput(pdf: Uint8Array, threads: number, seconds: number): Promise<{ rate: number; cpuPerSignature: number }> {
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const self = pathToFileURL(fileURLToPath(import.meta.url)).href;
  // Workers run this TypeScript file through tsx, registered from a tiny ESM bootstrap.
  const boot = `const { register } = await import(${JSON.stringify(tsxApi)}); register(); await import(${JSON.stringify(self)});`;
  const counts = await Promise.all(
    Array.from(
      { length: threads },
      () =>
        new Promise<{ n: number; cpuMs: number }>((res, rej) => {
          const w = new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`), { workerData: { pdf, seconds } });
          w.once('message', (m: { n: number; cpuMs: number }) => {
            res(m);
            void w.terminate();
          });
          w.once('error', rej);
        }),
    ),
  );
  const n = counts.reduce((a, c) => a + c.n, 0);
  return { rate: n / seconds, cpuPerSignature: counts[0]!.cpuMs / counts[0]!.n };
}

/** CPU milliseconds (user + system) of this process spent in `fn`. */
async function cpuOf(fn: () => Promise<unknown>): Promise<{ cpu: number; wall: number }> {
  const c = process.cpuUsage();
  const t = performance.now();
  await fn();
  const d = process.cpuUsage(c);
  return { cpu: (d.user + d.system) / 1000, wall: performance.now() - t };
}

const load = () => `load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`;

const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/**
 * Wall time and, when GNU time is installed, the CPU time (user + system) of the command and every
 * process it waited for (npx's children included): under load only the CPU figure means anything.
 */
function timeCommand(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): { ms: number; cpu?: number; ok: boolean; out: string } {
  const cpuFile = join(tmpdir(), `vanthu-bench-time-${process.pid}.txt`);
  const t = performance.now();
  const r = GNU_TIME ? spawnSync(GNU_TIME, ['-f', '%U %S', '-o', cpuFile, cmd, ...args], { env, encoding: 'utf8', cwd: root }) : spawnSync(cmd, args, { env, encoding: 'utf8', cwd: root });
  const wall = performance.now() - t;
  let cpu: number | undefined;
  if (GNU_TIME) {
    const m = /([\d.]+) ([\d.]+)\s*$/.exec(readFileSync(cpuFile, 'utf8'));
    if (m) cpu = (Number(m[1]) + Number(m[2])) * 1000;
  }
  return { ms: wall, cpu, ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

/** "615.0 ms wall / 412.0 ms CPU (median of 3)" for a series of runs. */
function figure(runs: { ms: number; cpu?: number; ok: boolean; out: string }[], what: string): string {
  const cpu = runs.every((r) => r.cpu !== undefined) ? ` / ${ms(median(runs.map((r) => r.cpu!)))} CPU` : '';
  const failed = runs.every((r) => r.ok) ? '' : ` (FAILED: ${runs.find((r) => !r.ok)!.out.trim().slice(0, 160)})`;
  return `${what} ${ms(median(runs.map((r) => r.ms)))} wall${cpu}${failed}`;
}

export async function runSigningBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vanthu-bench-'));
  const key = await loadPkcs12(readFileSync(P12), PASS);
  const pem = createPrivateKey(readFileSync(join(root, 'certs-sample/tsa/tsa.key.pem'))); // an RSA-2048 key
  print(`(${availableParallelism()} cores, ${load()}: wall times are only comparable on a quiet machine; CPU times are printed beside them)`);
  print('— node:crypto primitives');
  const digest = createHash('sha256').update('x').digest();
  const rsaRate = rate(() => nodeSign('sha256', digest, pem));
  print(`RSA-2048 sign (SHA-256, PKCS#1 v1.5): ${rsaRate.toFixed(0)} signatures/s`);
  const block = Buffer.alloc(64 * 1024 * 1024, 7);
  const t0 = performance.now();
  for (let i = 0; i < 4; i++) createHash('sha256').update(block).digest();
  const shaMBs = (4 * 64) / ((performance.now() - t0) / 1000);
  print(`SHA-256: ${shaMBs.toFixed(0)} MB/s`);

  print('— one signature on a 20 MB PDF');
  const big = await makeDecree30Pdf({ padToBytes: 20 * 1024 * 1024 });
  writeFileSync(join(dir, 'big.pdf'), big);
  const hashTimes: number[] = [];
  const hashCpu: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const c = process.cpuUsage();
    createHash('sha256').update(big).digest();
    const d = process.cpuUsage(c);
    hashCpu.push((d.user + d.system) / 1000);
    hashTimes.push(performance.now() - t);
  }
  const signOnce = 1000 / rsaRate;
  const target = 3 * (median(hashTimes) + signOnce);
  const runs: { cpu: number; wall: number }[] = [];
  const joined: number[] = [];
  for (let i = 0; i < 7; i++) {
    let res: Awaited<ReturnType<typeof signAttachment>> | undefined;
    runs.push(await cpuOf(async () => (res = await signAttachment(big, key, { notation: '15/QĐ-UBND' }))));
    // The result is the input, untouched, plus the appended update (`parts`); `.pdf` joins them
    // into one new buffer on first access — a 20 MB copy a caller writing to a file never needs.
    const t = performance.now();
    void res!.pdf.length;
    joined.push(performance.now() - t);
  }
  const wall = median(runs.map((r) => r.wall));
  const cpu = median(runs.map((r) => r.cpu));
  print(`file ${(big.length / 1048576).toFixed(1)} MiB: hash ${ms(median(hashTimes))}, one RSA sign ${ms(signOnce)}, target 3×(hash+sign) = ${ms(target)}`);
  const cpuTarget = 3 * (median(hashCpu) + signOnce);
  print(`signAttachment median of 7: ${ms(wall)} wall, ${ms(cpu)} CPU (min ${ms(Math.min(...runs.map((r) => r.wall)))} wall) = ${(wall / (target / 3)).toFixed(2)}× (hash+sign) by wall, ${(cpu / (cpuTarget / 3)).toFixed(2)}× by CPU (hash ${ms(median(hashCpu))} CPU); target ≤ 3×`);
  print(`  joining the result into one Buffer (.pdf) afterwards: +${ms(median(joined))} (not part of the signature; the CLI writes the parts)`);

  print('— throughput on 200 KB PDFs (signAttachment, all cores)');
  const mid = await makeDecree30Pdf({ padToBytes: 160 * 1024 });
  print(`file ${(mid.length / 1024).toFixed(0)} KiB`);
  const one = await parallelThroughput(mid, 1, 3);
  const threads = availableParallelism();
  const all = await parallelThroughput(mid, threads, 3);
  print(`1 worker: ${one.rate.toFixed(1)} signatures/s; ${threads} workers: ${all.rate.toFixed(1)} signatures/s (target ≥ 300/s on both cores) — ${load()}`);
  // Under load the wall rates measure the others as much as this code; the CPU per signature of
  // the one-worker run does not, and bounds what the cores can do: RSA-2048 rate above for scale.
  print(
    `1 worker: ${ms(one.cpuPerSignature)} CPU per signature (process, all threads; one RSA sign ${ms(1000 / rsaRate)}) → at most ${((threads * 1000) / one.cpuPerSignature).toFixed(0)} signatures/s on ${threads} cores`,
  );

  print('— verifyPdf of a once-signed 200 KB PDF (target ≈ 1–2 ms CPU each, for ≥ 300 packages/s on the axis)');
  const signedMid = (await signAttachment(mid, key, { notation: '15/QĐ-UBND' })).pdf;
  const trust = { trustRoots: [readFileSync(join(root, 'certs-sample/root-ca.pem'))], crls: [readFileSync(join(root, 'certs-sample/crl/issuing-ca.crl'))] };
  for (let i = 0; i < 20; i++) await verifyPdf(signedMid, trust); // warm-up (caches of roots, CRL, CA signatures)
  const nVerify = 300;
  let verdict = '';
  const v = await cpuOf(async () => {
    for (let i = 0; i < nVerify; i++) verdict = (await verifyPdf(signedMid, trust)).verdict;
  });
  print(`verifyPdf: ${ms(v.cpu / nVerify)} CPU, ${ms(v.wall / nVerify)} wall per document (${verdict}); one core ≈ ${((1000 * nVerify) / v.cpu).toFixed(0)}/s by CPU`);

  print('— command line: `vanthu sign` vs `pdfsig -add-signature` (whole processes; median of 3; CPU = user + system of the process tree)');
  const small = await makeDecree30Pdf({ padToBytes: 14 * 1024 });
  writeFileSync(join(dir, 'small.pdf'), small);
  const env = { ...process.env, BENCH_PASS: PASS };
  const havePdfsig = spawnSync('sh', ['-c', 'command -v pdfsig && command -v pk12util']).status === 0;
  let nss = '';
  if (havePdfsig) {
    nss = join(dir, 'nss');
    mkdirSync(nss);
    spawnSync('certutil', ['-N', '-d', `sql:${nss}`, '--empty-password']);
    spawnSync('pk12util', ['-i', P12, '-d', `sql:${nss}`, '-W', PASS, '-K', '']);
  }
  const nick = havePdfsig ? (spawnSync('certutil', ['-L', '-d', `sql:${nss}`], { encoding: 'utf8' }).stdout.split('\n').find((l) => /u,u,u/.test(l))?.replace(/\s+u,u,u\s*$/, '').trim() ?? '') : '';
  const signArgs = (file: string) => ['sign', '--in', file, '--out', join(dir, 'out-vanthu.pdf'), '--p12', P12, '--passphrase-env', 'BENCH_PASS', '--as', 'attachment', '--notation', '15/QĐ-UBND'];
  // Not timed: the first runs build the cached CLI bundle, its startup snapshot and the bundle's V8
  // code cache (bin/vanthu.mjs), and let npx link this package into its cache. bin/vanthu is the npm
  // bin (the launcher that starts Node from the snapshot); npx runs it too, unless its cache still
  // links the older bin/vanthu.mjs (then remove that entry from ~/.npm/_npx).
  timeCommand(join(root, 'bin/vanthu.mjs'), ['verify', '--in', join(dir, 'small.pdf'), '--json'], env);
  timeCommand(join(root, 'bin/vanthu.mjs'), signArgs(join(dir, 'small.pdf')), env);
  timeCommand(join(root, 'bin/vanthu'), signArgs(join(dir, 'small.pdf')), env);
  timeCommand('npx', ['--yes', 'vanthu', ...signArgs(join(dir, 'small.pdf'))], env);
  print(`(${load()}${GNU_TIME ? '' : '; /usr/bin/time not installed: wall times only'})`);
  for (const [label, file] of [
    [`~${(small.length / 1024).toFixed(0)} KB`, join(dir, 'small.pdf')],
    [`${(big.length / 1048576).toFixed(0)} MiB`, join(dir, 'big.pdf')],
  ] as const) {
    const launcher = [0, 1, 2].map(() => timeCommand(join(root, 'bin/vanthu'), signArgs(file), env));
    const ours = [0, 1, 2].map(() => timeCommand(join(root, 'bin/vanthu.mjs'), signArgs(file), env));
    const viaNpx = [0, 1, 2].map(() => timeCommand('npx', ['vanthu', ...signArgs(file)], env));
    let line = `${label}: ${figure(launcher, 'bin/vanthu sign (snapshot)')}; ${figure(ours, 'bin/vanthu.mjs sign (bundle)')}; ${figure(viaNpx, 'npx vanthu sign')}`;
    if (havePdfsig && nick) {
      const theirs = [0, 1, 2].map(() => timeCommand('pdfsig', ['-add-signature', '-nssdir', `sql:${nss}`, '-nick', nick, '-digest', 'SHA256', file, join(dir, `out-pdfsig-${Math.random()}.pdf`)]));
      line += `; ${figure(theirs, 'pdfsig -add-signature')}`;
    } else {
      line += '; pdfsig/pk12util not available';
    }
    print(`${line} (target: vanthu sign no slower than pdfsig, ≈ 0.09 s and 0.32 s on a quiet machine)`);
  }
}

if (!isMainThread) {
  await workerMain();
} else if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await runSigningBench();
}
