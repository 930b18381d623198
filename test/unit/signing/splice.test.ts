import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PDFDocument, PDFHexString, PDFName, PDFRef } from '@cantoo/pdf-lib';
import { spliceInPlace, spliceWithSignPdf } from '../../../server/signing/pades-signer.ts';
import { signAttachment, verifyPdf } from '../../../server/signing/index.ts';
import { makeDecree30Pdf } from '../../fixtures/signing/decree30-pdf.ts';
import { has, key, pdfsig, tmp, trust } from './helpers.ts';

async function withPlaceholder(base: Uint8Array): Promise<Buffer> {
  const doc = await PDFDocument.load(base, { forIncrementalUpdate: true, updateMetadata: false });
  const sig = doc.context.obj({
    Type: 'Sig',
    ByteRange: [0, PDFName.of('**********'), PDFName.of('**********'), PDFName.of('**********')],
    Contents: PDFHexString.of('0'.repeat(2048)),
  });
  doc.catalog.set(PDFName.of('VanThuTest'), doc.context.register(sig));
  doc.context.snapshot!.markRefForSave(doc.context.trailerInfo.Root as PDFRef);
  return Buffer.from(await doc.commit({ useObjectStreams: false }));
}

describe('Splicing the byte range into a large PDF', function () {
  this.timeout(60000);

  it('gives byte-identical output and digest in place and through @signpdf/signpdf', async () => {
    const placeholder = await withPlaceholder(await makeDecree30Pdf());
    const viaSignPdf = await spliceWithSignPdf(Buffer.from(placeholder));
    const inPlace = spliceInPlace(Buffer.from(placeholder));
    expect(inPlace.byteRange).to.deep.equal(viaSignPdf.byteRange);
    expect(inPlace.contentDigest.equals(viaSignPdf.contentDigest)).to.equal(true);
    expect(inPlace.pdf.equals(viaSignPdf.pdf)).to.equal(true);
  });

  it('signs a 20 MB PDF by hashing and appending, and the result verifies', async function () {
    const big = await makeDecree30Pdf({ padToBytes: 20 * 1024 * 1024 });
    const agency = await key('agencies/van-phong-chinh-phu.p12');
    const t = performance.now();
    const res = await signAttachment(big, agency, { notation: '15/QĐ-UBND' });
    const elapsed = performance.now() - t;
    process.stdout.write(`      (20 MB signed in ${elapsed.toFixed(0)} ms)\n`);
    expect(Buffer.from(res.pdf.subarray(0, big.length)).equals(Buffer.from(big))).to.equal(true);
    expect(res.pdf.length - big.length).to.be.lessThan(200 * 1024);
    const report = await verifyPdf(res.pdf, trust());
    expect(report.verdict, report.message).to.equal('valid');
    if (has('pdfsig')) {
      const p = join(tmp(), 'big.pdf');
      writeFileSync(p, res.pdf);
      expect(pdfsig(p)).to.include('Signature is Valid');
    }
  });
});
