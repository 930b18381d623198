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
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import Module, { createRequire } from 'node:module';
import vm from 'node:vm';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, extname, join, resolve } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'server', 'cli', 'main.js');
const wantCompiled = process.env.VANTHU_COMPILED === '1' || process.env.NODE_ENV === 'production';
const SIGNING_COMMANDS = new Set(['sign', 'stamp-number', 'verify']);

/** Path of an up-to-date bundle of the signing CLI, building it if needed; undefined if esbuild is unavailable. */
async function signingBundle() {
  const dir = process.env.VANTHU_CLI_CACHE || join(root, 'node_modules', '.cache', 'vanthu-cli', createHash('sha256').update(root).digest('hex').slice(0, 16));
  const out = join(dir, 'signing-main.cjs');
  const manifest = join(dir, 'inputs.json');
  const stamp = (p) => {
    try {
      const s = statSync(p);
      return `${s.size}:${s.mtimeMs}`;
    } catch {
      return 'missing';
    }
  };
  try {
    const m = JSON.parse(readFileSync(manifest, 'utf8'));
    if (m.node === process.version && existsSync(out) && m.inputs.every(([p, s]) => stamp(p) === s)) return out;
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
  const tmp = `${out}.${process.pid}.tmp`;
  const started = Date.now();
  const result = await build({
    absWorkingDir: root,
    entryPoints: [join(root, 'server', 'cli', 'signing-main.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    outfile: tmp,
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
  inputs.push(join(root, 'bin', 'vanthu.mjs'));
  for (const c of SIGNING_COMMANDS) rmSync(`${out}.${c}.v8cache`, { force: true });
  renameSync(tmp, out);
  // A source saved while esbuild was reading it: run this bundle, but build again next time.
  if (inputs.some((p) => statSync(p, { throwIfNoEntry: false })?.mtimeMs >= started)) return out;
  writeFileSync(`${manifest}.${process.pid}.tmp`, JSON.stringify({ node: process.version, inputs: inputs.map((p) => [p, stamp(p)]) }));
  renameSync(`${manifest}.${process.pid}.tmp`, manifest);
  return out;
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
    runBundle(bundle, process.argv[2]);
  } else {
    const { register } = await import('tsx/esm/api');
    register();
    await import(pathToFileURL(join(root, 'server', 'cli', 'main.ts')).href);
  }
}
