// The signature's objects are built with pdf-lib's implicit change tracking off (creatingObjects):
// every existing object the update changes must still be written, whatever shape it had.
import { expect } from 'chai';
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRef } from '@cantoo/pdf-lib';
import { signAttachment } from '../../../server/signing/operations.ts';
import { verifyPdf } from '../../../server/signing/verify.ts';
import { key, trust } from './helpers.ts';

type Shape = 'absent' | 'direct' | 'indirect';

/** One A4 page whose /Annots and the catalog's /AcroForm are absent, direct or indirect objects. */
async function pdfWith(annots: Shape, form: Shape): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([595.28, 841.89]);
  const ctx = doc.context;
  const link = ctx.register(ctx.obj({ Type: 'Annot', Subtype: 'Link', Rect: [10, 10, 50, 50], Border: [0, 0, 0] }));
  if (annots === 'direct') page.node.set(PDFName.of('Annots'), ctx.obj([link]));
  if (annots === 'indirect') page.node.set(PDFName.of('Annots'), ctx.register(ctx.obj([link])));
  const formDict = ctx.obj({ Fields: [] });
  if (form === 'direct') doc.catalog.set(PDFName.of('AcroForm'), formDict);
  if (form === 'indirect') doc.catalog.set(PDFName.of('AcroForm'), ctx.register(formDict));
  return doc.save({ useObjectStreams: false });
}

describe('Signature objects written into an incremental update', function () {
  this.timeout(60000);
  const shapes: Shape[] = ['absent', 'direct', 'indirect'];
  for (const annots of shapes) {
    for (const form of shapes) {
      it(`puts the widget on page 1 and in the form's fields (/Annots ${annots}, /AcroForm ${form}), keeping what was there`, async () => {
        const signed = (await signAttachment(await pdfWith(annots, form), await key('agencies/van-phong-chinh-phu.p12'), { notation: '15/QĐ-UBND' })).pdf;
        // Read back by pdf-lib's full parse, i.e. only what the update really wrote.
        const doc = await PDFDocument.load(signed);
        const pageAnnots = doc.getPage(0).node.lookup(PDFName.of('Annots'), PDFArray);
        const refs = pageAnnots.asArray().map((r) => (r as PDFRef).toString());
        const fields = doc.catalog.lookup(PDFName.of('AcroForm'), PDFDict).lookup(PDFName.of('Fields'), PDFArray);
        expect(fields.size()).to.equal(1);
        const widget = fields.get(0) as PDFRef;
        expect(refs).to.include(widget.toString());
        expect(refs).to.have.length(annots === 'absent' ? 1 : 2);
        expect(doc.context.lookup(widget, PDFDict).get(PDFName.of('FT'))).to.equal(PDFName.of('Sig'));
        const report = await verifyPdf(signed, trust());
        expect(report.verdict, report.message).to.equal('valid');
      });
    }
  }
});
