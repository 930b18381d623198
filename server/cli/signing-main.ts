// Entry of the cached esbuild bundle of the signing commands (bin/vanthu.mjs): a script signing a
// file pays for a Node start and the signing code only. CommonJS-compatible (no top-level await):
// the bin runs the bundle through vm.Script with a V8 code cache.
import { runSigningCli } from './signing-cli.ts';

void runSigningCli(process.argv).then((code) => process.exit(code));
