// Regenerates the test-only PKI in certs-sample/ (also available as `vanthu certs sample --out DIR`).
// Usage: npx tsx scripts/gen-sample-certs.ts [outDir]
import { resolve, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSamplePki } from '../server/signing/sample-pki.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(process.argv[2] ?? join(root, 'certs-sample'));
const manifest = await generateSamplePki(out);
process.stdout.write(`Đã tạo PKI thử nghiệm (${manifest.entries.length} chứng thư) tại ${out}\n`);
