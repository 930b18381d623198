// Entry of the V8 startup snapshot of the signing commands (sign, stamp-number, verify). bin/vanthu.mjs
// bundles this file with esbuild and runs `node --snapshot-blob … --build-snapshot` on the bundle:
// the modules are initialised, the fonts parsed and the signing code compiled by one signature made
// here with the public test PKI, then the heap is saved. The `vanthu` launcher (bin/vanthu) starts
// `node --snapshot-blob … -- sign …`, and main() below runs the command from that heap: no bundle to
// load or compile, no module top-level code, no font tables to decode.
//
// Never stale: the snapshot keeps the list of its inputs (every bundled source, bin/vanthu.mjs, the
// launcher, the fonts parsed here) with their size and mtime; when one differs main() hands the
// command to bin/vanthu.mjs, which builds the bundle and the snapshot again (VANTHU_SNAPSHOT_STALE
// tells it this snapshot is out of date even if no bundled source changed, e.g. a font).
import './snapshot-text-decoder.ts'; // first: the modules below create TextDecoders as they load
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { PDFDocument } from '@cantoo/pdf-lib';
import { loadPkcs12 } from '../signing/key-source.ts';
import { signAsAgency, signAttachment } from '../signing/operations.ts';
import { installPkijsEngine } from '../signing/pki-util.ts';
import { drawSealPng, FONT_BOLD, FONT_ITALIC, FONT_REGULAR } from '../signing/sample-images.ts';
import { verifyPdf } from '../signing/verify.ts';
import { runSigningCli } from './signing-cli.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const stamp = (p: string): string => {
  const s = statSync(p, { throwIfNoEntry: false });
  return s ? `${s.size}:${s.mtimeMs}` : 'missing';
};

/**
 * One signature of each kind that needs no text positions (those need pdfjs, an ES module a snapshot
 * cannot hold), on a blank page, then its verification: what a run would otherwise compile and
 * decode first. The key is the test PKI's (public, certs-sample/README.md); without it only the
 * fonts are parsed, by drawing the seal.
 */
async function warmUp(): Promise<void> {
  const seal = drawSealPng('Văn phòng Chính phủ');
  const sample = join(root, 'certs-sample');
  let passphrase: string;
  let p12: Buffer;
  try {
    passphrase = (JSON.parse(readFileSync(join(sample, 'manifest.json'), 'utf8')) as { passphrase: string }).passphrase;
    p12 = readFileSync(join(sample, 'agencies', 'van-phong-chinh-phu.p12'));
  } catch {
    return;
  }
  const key = await loadPkcs12(p12, passphrase);
  const blank = await PDFDocument.create();
  blank.addPage([595.28, 841.89]);
  const attached = await signAttachment(await blank.save({ useObjectStreams: false }), key, { notation: '01/QĐ-UBND' });
  const sealed = await signAsAgency(attached.pdf, key, { sealImage: seal, fallback: { x: 300, y: 100, width: 100, height: 100 } });
  await verifyPdf(sealed.pdf, { trustRoots: [readFileSync(join(sample, 'root-ca.pem'))], crls: [] });
}

/**
 * pdfjs (text positions) is an ES module, loaded at run time. Code started from a snapshot cannot
 * call import() (no loader callback is attached to it), but require() of an ES module without
 * top-level await works from Node 20.19 (package.json engines), without a warning.
 */
function importPdfjs(): Promise<unknown> {
  return Promise.resolve().then(() => createRequire(join(root, 'package.json'))('pdfjs-dist/legacy/build/pdf.mjs') as unknown);
}

function main(inputs: [string, string][]): void {
  const args = process.argv.slice(1);
  if (inputs.some(([p, s]) => stamp(p) !== s)) {
    // A source changed since the snapshot was built: bin/vanthu.mjs builds it again and runs this command.
    const r = spawnSync(process.execPath, [join(root, 'bin', 'vanthu.mjs'), ...args], { stdio: 'inherit', env: { ...process.env, VANTHU_SNAPSHOT_STALE: '1' } });
    if (r.signal) process.kill(process.pid, r.signal);
    process.exit(r.status ?? 1);
  }
  (globalThis as { __vanthuImportPdfjs?: () => Promise<unknown> }).__vanthuImportPdfjs = importPdfjs;
  void runSigningCli([process.argv[0]!, join(root, 'bin', 'vanthu'), ...args]).then((code) => process.exit(code));
}

if (v8.startupSnapshot.isBuildingSnapshot()) {
  // The bundle's inputs as bin/vanthu.mjs recorded them (they include the launcher and the fonts).
  const { inputs } = JSON.parse(readFileSync(process.env.VANTHU_SNAPSHOT_INPUTS!, 'utf8')) as { inputs: [string, string][] };
  for (const font of [FONT_REGULAR, FONT_BOLD, FONT_ITALIC]) if (!inputs.some(([p]) => p === font)) throw new Error(`${font} is not among the snapshot's inputs`);
  // The builder runs the event loop empty before it saves the heap; a failed warm-up fails the build.
  void warmUp().then(() => {
    v8.startupSnapshot.addDeserializeCallback(installPkijsEngine);
    v8.startupSnapshot.setDeserializeMainFunction(() => main(inputs));
  });
}
