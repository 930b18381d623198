#!/usr/bin/env node
// `npx vanthu …`: the administrators' command line. Runs the compiled build (`npm run build`) in
// production or with VANTHU_COMPILED=1 — faster start-up for scripts — otherwise the TypeScript
// sources through tsx, so that a stale build is never run by mistake during development.
//
// The signing commands (sign, stamp-number, verify) are used by scripts on many files, so they run
// from an esbuild bundle of server/cli/signing-main.ts (esbuild ships with tsx) cached under
// node_modules/.cache: one file to load instead of tsx compiling hundreds of modules. The bundle
// records every input file with its size and mtime and is rebuilt before it runs whenever one of
// them changed, so it never runs stale code. VANTHU_FROM_SOURCE=1 skips it.
//
// The bundle is CommonJS run through vm.Script with a V8 code cache per command stored beside it
// (written at the end of the first run, so it also holds the functions that run compiled lazily): later processes
// skip parsing and compiling ~2 MB of JavaScript. V8 rejects a cache that does not match the source
// or the Node build, and then this run compiles as usual and writes a new one.
//
// With the bundle, a second one of server/cli/signing-snapshot.ts is built, and from it a V8 startup
// snapshot (`node --snapshot-blob … --build-snapshot`): the signing modules initialised, the fonts
// parsed, the code compiled by one warm-up signature. The npm bin is the shell launcher bin/vanthu,
// which starts `node --snapshot-blob <blob> -- sign …` when that snapshot exists, and this file
// otherwise. A blob only loads into the Node binary that built it, so its name carries that binary's
// inode, size, mtime and ctime (the launcher reads them with stat(1)); the snapshot itself checks its
// inputs and hands the command back here when one changed (signing-snapshot.ts). The snapshot is
// built here, synchronously, the first time a signing command runs after the bundle was (re)built;
// VANTHU_NO_SNAPSHOT=1 skips it. A failed build is logged to snapshot-build.log beside it and not
// retried until the bundle changes: the commands then run from the bundle as before.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import Module, { createRequire } from 'node:module';
import vm from 'node:vm';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, extname, join, resolve } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'server', 'cli', 'main.js');
const wantCompiled = process.env.VANTHU_COMPILED === '1' || process.env.NODE_ENV === 'production';
const SIGNING_COMMANDS = new Set(['sign', 'stamp-number', 'verify']);

/**
 * The cache folder of this checkout: bin/vanthu computes the same path in sh (no hashing there), so
 * checkouts sharing one node_modules (worktrees) each get their own, named after their own path.
 */
const cacheDir = process.env.VANTHU_CLI_CACHE || join(root, 'node_modules', '.cache', 'vanthu-cli', 'roots', root);

/** The running Node binary, as bin/vanthu names it: `stat -L -c '%i-%s-%Y-%Z' "$(command -v node)"`. */
function nodeBinaryId() {
  const s = statSync(process.execPath);
  return `${s.ino}-${s.size}-${Math.trunc(s.mtimeMs / 1000)}-${Math.trunc(s.ctimeMs / 1000)}`;
}

const stamp = (p) => {
  try {
    const s = statSync(p);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return 'missing';
  }
};

/** Path of an up-to-date bundle of the signing CLI, building it if needed; undefined if esbuild is unavailable. */
async function signingBundle() {
  const dir = cacheDir;
  const out = join(dir, 'signing-main.cjs');
  const manifest = join(dir, 'inputs.json');
  try {
    const m = JSON.parse(readFileSync(manifest, 'utf8'));
    if (m.node === process.version && existsSync(out) && existsSync(join(dir, 'signing-snapshot.cjs')) && m.inputs.every(([p, s]) => stamp(p) === s)) return out;
  } catch {
    // no bundle yet, or an unreadable manifest: build
  }
  let esbuild;
  try {
    const fromTsx = createRequire(createRequire(join(root, 'package.json')).resolve('tsx'));
    esbuild = await import(pathToFileURL(fromTsx.resolve('esbuild')).href);
  } catch {
    return undefined;
  }
  const build = esbuild.build ?? esbuild.default?.build;
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `build.${process.pid}.tmp`);
  const started = Date.now();
  const result = await build({
    absWorkingDir: root,
    entryPoints: [join(root, 'server', 'cli', 'signing-main.ts'), join(root, 'server', 'cli', 'signing-snapshot.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    outdir: tmp,
    outExtension: { '.js': '.cjs' },
    metafile: true,
    logLevel: 'silent',
    // pdfjs is large, loaded on demand (text positions only) and must keep its own files around it.
    external: ['pdfjs-dist', 'pdfjs-dist/*'],
    plugins: [
      {
        // Files find their neighbours (fonts, images) from import.meta.url: keep each file's own URL.
        name: 'original-import-meta-url',
        setup(b) {
          b.onLoad({ filter: /\.(m?[jt]s|cjs)$/ }, async (args) => {
            const src = await readFile(args.path, 'utf8');
            if (!src.includes('import.meta.url')) return undefined;
            const ext = extname(args.path);
            return { contents: src.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: ext === '.ts' || ext === '.mts' ? 'ts' : 'js', resolveDir: dirname(args.path) };
          });
        },
      },
    ],
  });
  const inputs = Object.keys(result.metafile.inputs).map((p) => resolve(root, p));
  // With the bundled sources: this file, the launcher, and the fonts the snapshot's warm-up parses into its heap.
  const fonts = join(root, 'assets', 'fonts');
  inputs.push(join(root, 'bin', 'vanthu.mjs'), join(root, 'bin', 'vanthu'), ...readdirSync(fonts).map((f) => join(fonts, f)));
  for (const c of SIGNING_COMMANDS) rmSync(`${out}.${c}.v8cache`, { force: true });
  // Snapshots and failure marks of the previous bundle.
  for (const f of readdirSync(dir)) if (/^signing-.*\.(blob|failed)$/.test(f)) rmSync(join(dir, f), { force: true });
  renameSync(join(tmp, 'signing-snapshot.cjs'), join(dir, 'signing-snapshot.cjs'));
  renameSync(join(tmp, 'signing-main.cjs'), out);
  rmSync(tmp, { recursive: true, force: true });
  // A source saved while esbuild was reading it: run this bundle, but build again next time.
  if (inputs.some((p) => statSync(p, { throwIfNoEntry: false })?.mtimeMs >= started)) return out;
  writeFileSync(`${manifest}.${process.pid}.tmp`, JSON.stringify({ node: process.version, inputs: inputs.map((p) => [p, stamp(p)]) }));
  renameSync(`${manifest}.${process.pid}.tmp`, manifest);
  return out;
}

/**
 * Builds the startup snapshot of the bundle in `dir` for this Node binary unless it exists (or its
 * build failed for this bundle already). Its inputs are the manifest's, checked again by the
 * snapshot at every start. The builder runs without NODE_OPTIONS: V8 refuses a snapshot under other
 * V8 flags than it was built with, and the launcher does not use it when NODE_OPTIONS is set.
 */
function ensureSnapshot(dir) {
  const blob = join(dir, `signing-${nodeBinaryId()}.blob`);
  const failed = blob.replace(/\.blob$/, '.failed');
  const manifest = join(dir, 'inputs.json');
  // Sent by a snapshot that found one of its inputs changed: this one is out of date whatever its name.
  if (process.env.VANTHU_SNAPSHOT_STALE === '1') rmSync(blob, { force: true });
  if (existsSync(blob) || existsSync(failed) || !existsSync(manifest)) return;
  const tmp = `${blob}.${process.pid}.tmp`;
  const env = { ...process.env, VANTHU_SNAPSHOT_INPUTS: manifest };
  delete env.NODE_OPTIONS;
  delete env.VANTHU_SNAPSHOT_STALE;
  const before = readFileSync(manifest, 'utf8');
  const r = spawnSync(process.execPath, ['--snapshot-blob', tmp, '--build-snapshot', join(dir, 'signing-snapshot.cjs')], { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (readFileSync(manifest, 'utf8') !== before) {
    // Another process rebuilt the bundle meanwhile: this snapshot is of the old one.
    rmSync(tmp, { force: true });
  } else if (r.status === 0 && existsSync(tmp)) {
    renameSync(tmp, blob);
    rmSync(join(dir, 'snapshot-build.log'), { force: true });
  } else {
    rmSync(tmp, { force: true });
    writeFileSync(join(dir, 'snapshot-build.log'), `${new Date().toISOString()} exit ${r.status ?? r.signal}\n${r.stdout ?? ''}${r.stderr ?? ''}${r.error ?? ''}\n`);
    writeFileSync(failed, '');
  }
}

/**
 * Runs the CommonJS bundle `file` from the V8 code cache of this command (each command compiles
 * different functions), writing the cache when there is none.
 */
function runBundle(file, command) {
  const cacheFile = `${file}.${command}.v8cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // first run of this bundle
  }
  const script = new vm.Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file, cachedData });
  if (!cachedData || script.cachedDataRejected) {
    process.once('exit', () => {
      try {
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, cacheFile);
      } catch {
        // a read-only cache directory: run without a code cache
      }
    });
  }
  // Code compiled by vm.Script cannot call import() itself: pdfjs (an ES module) comes from here.
  globalThis.__vanthuImportPdfjs = () => import('pdfjs-dist/legacy/build/pdf.mjs');
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
}

if (wantCompiled && existsSync(compiled) && !process.env.VANTHU_FROM_SOURCE) {
  await import(pathToFileURL(compiled).href);
} else {
  const bundle = SIGNING_COMMANDS.has(process.argv[2]) && !process.env.VANTHU_FROM_SOURCE ? await signingBundle().catch(() => undefined) : undefined;
  if (bundle) {
    if (process.env.VANTHU_NO_SNAPSHOT !== '1') {
      try {
        ensureSnapshot(dirname(bundle));
      } catch {
        // a read-only cache directory: run from the bundle
      }
    }
    runBundle(bundle, process.argv[2]);
  } else {
    const { register } = await import('tsx/esm/api');
    register();
    await import(pathToFileURL(join(root, 'server', 'cli', 'main.ts')).href);
  }
}
