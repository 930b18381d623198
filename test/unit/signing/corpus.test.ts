import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { AppError } from '../../../server/errors.ts';
import { signAttachment, verifyPdf } from '../../../server/signing/index.ts';
import type { LocalKeySource } from '../../../server/signing/key-source.ts';
import { writeFileSync } from 'node:fs';
import { has, key, qpdfCheck, repoRoot, tmp, trust } from './helpers.ts';

const corpus = resolve(repoRoot, '../shared/corpus/pdf');

function listPdfs(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return listPdfs(p);
    return name.toLowerCase().endsWith('.pdf') ? [p] : [];
  });
}

describe('Signing every corpus PDF: it signs and verifies, or is refused with a clear message', function () {
  this.timeout(120000);
  if (!existsSync(corpus)) {
    it('skips: the shared corpus is absent', function () {
      process.stdout.write(`      (corpus not found at ${corpus})\n`);
      this.skip();
    });
    return;
  }
  const files = listPdfs(corpus);
  let agency: LocalKeySource;
  const outcome: Record<string, string> = {};
  const workDir = tmp();
  before(async () => {
    agency = await key('agencies/van-phong-chinh-phu.p12');
  });
  after(() => {
    const refused = Object.entries(outcome).filter(([, v]) => v !== 'signed');
    process.stdout.write(`      corpus: ${files.length} files, ${files.length - refused.length} signed and verified, ${refused.length} refused\n`);
    for (const [f, why] of refused) process.stdout.write(`        - ${f}: ${why}\n`);
  });

  for (const file of files) {
    const name = relative(corpus, file);
    it(`handles ${name}`, async () => {
      const input = readFileSync(file);
      const before = createHash('sha256').update(input).digest('hex');
      try {
        const res = await signAttachment(input, agency, { notation: '15/QĐ-UBND' });
        const report = await verifyPdf(res.pdf, trust());
        const ours = report.signatures.find((s) => s.fieldName === res.fieldName);
        expect(ours, `${name}: our signature not found by verifyPdf`).to.not.equal(undefined);
        expect(ours!.valid, `${name}: ${ours!.problems.join('; ')}`).to.equal(true);
        expect(ours!.coversWholeFile).to.equal(true);
        // A file qpdf found clean must still be clean after our update.
        if (has('qpdf') && qpdfCheck(file).ok) {
          const out = join(workDir, 'out.pdf');
          writeFileSync(out, res.pdf);
          const r = qpdfCheck(out);
          expect(r.ok, `${name}: ${r.text}`).to.equal(true);
        }
        outcome[name] = 'signed';
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        expect(e.message).to.match(/[ạ-ỹăâđêôơưÀ-Ỹ]/i); // a Vietnamese sentence, not a stack trace
        outcome[name] = e.message;
      }
      expect(createHash('sha256').update(input).digest('hex')).to.equal(before);
    });
  }
});
