// Shared helpers for the signing tests: sample PKI paths, keys, external tools (pdfsig, openssl, qpdf).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPkcs12, type LocalKeySource } from '../../../server/signing/key-source.ts';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CERTS = join(repoRoot, 'certs-sample');
export const PASS = 'VanThu-Test-Only-2026';
export const cert = (rel: string) => join(CERTS, rel);
export const read = (rel: string) => readFileSync(cert(rel));
export const key = (rel: string): Promise<LocalKeySource> => loadPkcs12(read(rel), PASS);
export const trust = () => ({ trustRoots: [read('root-ca.pem')], crls: [read('crl/issuing-ca.crl')] });

export function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'vanthu-sign-'));
}

export function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** An NSS database trusting the test root, so pdfsig also checks the chain. */
export function nssDbWithTestRoot(dir: string): string {
  const db = join(dir, 'nss');
  execFileSync('mkdir', ['-p', db]);
  execFileSync('certutil', ['-N', '-d', `sql:${db}`, '--empty-password']);
  execFileSync('certutil', ['-A', '-n', 'vanthu-test-root', '-t', 'CT,C,C', '-i', cert('root-ca.pem'), '-d', `sql:${db}`]);
  return db;
}

export function pdfsig(file: string, nssDb?: string): string {
  const args = nssDb ? ['-nssdir', `sql:${nssDb}`, file] : [file];
  // pdfsig exits 0 even for invalid signatures: callers read the text.
  const r = spawnSync('pdfsig', args, { encoding: 'utf8' });
  return `${r.stdout}${r.stderr}`;
}

export function qpdfCheck(file: string): { ok: boolean; text: string } {
  const r = spawnSync('qpdf', ['--check', file], { encoding: 'utf8' });
  return { ok: r.status === 0, text: `${r.stdout}${r.stderr}` };
}

/** Test-side extraction (independent of our verifier): each /ByteRange and its CMS. */
export function extractSignatures(pdf: Buffer): { covered: Buffer; cms: Buffer }[] {
  const out: { covered: Buffer; cms: Buffer }[] = [];
  const text = pdf.toString('latin1');
  for (const m of text.matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)) {
    const [a, b, c, d] = m.slice(1).map(Number) as [number, number, number, number];
    const covered = Buffer.concat([pdf.subarray(a, a + b), pdf.subarray(c, c + d)]);
    const hex = text.slice(b + 1, c - 1);
    const der = Buffer.from(hex, 'hex');
    // Trim the zero padding using the outer DER length.
    const n = der[1]! & 0x7f;
    const len = der[1]! < 0x80 ? 2 + der[1]! : 2 + n + Number.parseInt(der.subarray(2, 2 + n).toString('hex'), 16);
    out.push({ covered, cms: der.subarray(0, len) });
  }
  return out;
}

export function opensslCmsVerify(dir: string, sig: { covered: Buffer; cms: Buffer }, i: number): { ok: boolean; text: string } {
  const content = join(dir, `content-${i}.bin`);
  const cms = join(dir, `sig-${i}.der`);
  writeFileSync(content, sig.covered);
  writeFileSync(cms, sig.cms);
  const r = spawnSync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', cms, '-content', content, '-CAfile', cert('root-ca.pem'), '-purpose', 'any', '-out', '/dev/null'], { encoding: 'utf8' });
  return { ok: r.status === 0, text: `${r.stdout}${r.stderr}` };
}
