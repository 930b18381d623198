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

describe('Verifying every corpus PDF as it comes', function () {
  this.timeout(120000);
  if (!existsSync(corpus)) return;
  it('never crashes: each file gets a report or one Vietnamese AppError', async () => {
    for (const file of listPdfs(corpus)) {
      try {
        const report = await verifyPdf(readFileSync(file), trust());
        expect(report.message, file).to.be.a('string').and.not.equal('');
      } catch (e) {
        expect(e, `${relative(corpus, file)}: ${String(e)}`).to.be.instanceOf(AppError);
      }
    }
  });

  it('accepts a second signature added by another tool as an annotation/form change to the first', async () => {
    const file = join(corpus, 'minimal-signed-twice-no-sig-type.pdf');
    const report = await verifyPdf(readFileSync(file), trust());
    expect(report.signatures.map((s) => s.modificationsAfter)).to.deep.equal(['annotations_or_forms', 'none']);
    expect(report.signatures.every((s) => s.byteRangeIntact)).to.equal(true);
  });

  it('checks a PAdES-LTA document timestamp against the hash of its byte range', async () => {
    const report = await verifyPdf(readFileSync(join(corpus, 'pades-lta-dss-indirect-arrs-test.pdf')), trust());
    const ts = report.signatures.find((s) => s.subFilter === 'ETSI.RFC3161')!;
    expect(ts).to.include({ byteRangeIntact: true, signingTimeSource: 'timestamp' });
  });

  it('flags bytes appended after the signed range in the coverage anomaly samples', async () => {
    const report = await verifyPdf(readFileSync(join(corpus, 'coverage-anomalies/tail-uncovered.pdf')), trust());
    expect(report.signatures[0]!.coversWholeFile).to.equal(false);
    expect(report.verdict).to.equal('invalid');
  });
});
