#!/usr/bin/env node
// `npx vanthu …`: the administrators' command line. Runs the compiled build when present (fast
// start-up for scripts and benchmarks), otherwise the TypeScript sources through tsx.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'server', 'cli', 'main.js');
if (existsSync(compiled) && !process.env.VANTHU_FROM_SOURCE) {
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(root, 'server', 'cli', 'main.ts')).href);
}
