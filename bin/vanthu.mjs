#!/usr/bin/env node
// `npx vanthu …`: the administrators' command line. Runs the compiled build (`npm run build`) in
// production or with VANTHU_COMPILED=1 — faster start-up for scripts — otherwise the TypeScript
// sources through tsx, so that a stale build is never run by mistake during development.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'server', 'cli', 'main.js');
const wantCompiled = process.env.VANTHU_COMPILED === '1' || process.env.NODE_ENV === 'production';
if (wantCompiled && existsSync(compiled) && !process.env.VANTHU_FROM_SOURCE) {
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(root, 'server', 'cli', 'main.ts')).href);
}
