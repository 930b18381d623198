// Opening a PDF through its cross-reference data (pdf-lazy.ts): the same objects as pdf-lib's full
// parse, only the ones looked up are parsed, and inconsistent xref data falls back to the full
// parse instead of signing from wrong objects.
import { expect } from 'chai';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PDFDocument, PDFRef } from '@cantoo/pdf-lib';
import { openLazy, LazyXrefError } from '../../../server/signing/pdf-lazy.ts';
import { signAttachment, verifyPdf } from '../../../server/signing/index.ts';
import { makeDecree30Pdf } from '../../fixtures/signing/decree30-pdf.ts';
import { has, key, pdfsig, repoRoot, tmp, trust } from './helpers.ts';

const corpus = join(repoRoot, '../shared/corpus/pdf');

/** Every xref table entry offset moved by `delta`: the offsets no longer point at their objects. */
function shiftXrefOffsets(pdf: Uint8Array, delta: number): Buffer {
  const s = Buffer.from(pdf).toString('latin1');
  const at = s.lastIndexOf('\nxref');
  const tail = s.slice(at).replace(/^(\d{10}) (\d{5}) n/gm, (_m, off: string, gen: string) => `${String(Number(off) + delta).padStart(10, '0')} ${gen} n`);
  return Buffer.from(s.slice(0, at) + tail, 'latin1');
}

describe('Opening a PDF through its cross-reference data', function () {
  this.timeout(60000);

  it('reads the same catalog, pages and objects as the full parse, parsing only what is looked up', async () => {
    const pdf = await makeDecree30Pdf({ pages: 3, padToBytes: 2 * 1024 * 1024 });
    const { doc } = openLazy(pdf, false);
    const full = await PDFDocument.load(pdf, { updateMetadata: false });
    expect(doc.getPageCount()).to.equal(3);
    const loaded = (doc.context as unknown as { indirectObjects: Map<PDFRef, unknown> }).indirectObjects.size;
    expect(loaded).to.be.below(full.context.enumerateIndirectObjects().length);
    for (let i = 0; i < 3; i++) {
      expect(doc.getPage(i).node.toString()).to.equal(full.getPage(i).node.toString());
      const contents = doc.getPage(i).node.Contents()!;
      expect(contents.toString()).to.equal(full.getPage(i).node.Contents()!.toString());
    }
    expect(doc.catalog.toString()).to.equal(full.catalog.toString());
  });

  it('refuses xref offsets that point at other objects, and signing then falls back to the full parse', async () => {
    const pdf = await makeDecree30Pdf();
    const broken = shiftXrefOffsets(pdf, 7);
    expect(() => openLazy(broken, true).doc.getPageCount()).to.throw(LazyXrefError);
    const res = await signAttachment(broken, await key('agencies/van-phong-chinh-phu.p12'), { notation: '15/QĐ-UBND' });
    expect(Buffer.from(res.pdf.subarray(0, broken.length)).equals(broken)).to.equal(true);
    const report = await verifyPdf(res.pdf, trust());
    expect(report.verdict, report.message).to.equal('valid');
    if (has('pdfsig')) {
      const file = join(tmp(), 'fallback.pdf');
      writeFileSync(file, res.pdf);
      expect(pdfsig(file)).to.match(/Signature is Valid/);
    }
  });

  it('reads xref streams and object streams of the shared corpus like the full parse', async function () {
    if (!existsSync(corpus)) {
      console.log(`      (skipped: ${corpus} is absent)`);
      this.skip();
    }
    let compared = 0;
    for (const name of readdirSync(corpus).filter((f) => f.endsWith('.pdf'))) {
      const bytes = readFileSync(join(corpus, name));
      let lazyDoc: PDFDocument;
      try {
        lazyDoc = openLazy(bytes, false).doc;
        lazyDoc.getPageCount();
      } catch {
        continue; // refused or inconsistent: callers use the full parse
      }
      const full = await PDFDocument.load(bytes, { updateMetadata: false, ignoreEncryption: true, throwOnInvalidObject: false }).catch(() => undefined);
      if (!full || !/\/Type\s*\/XRef/.test(bytes.toString('latin1'))) continue;
      expect(lazyDoc.getPageCount(), name).to.equal(full.getPageCount());
      expect(lazyDoc.getPage(0).node.toString(), name).to.equal(full.getPage(0).node.toString());
      compared++;
    }
    expect(compared).to.be.at.least(3);
  });
});
