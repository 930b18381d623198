import { expect } from 'chai';
import { isNativeFunction } from '../../../server/files/pdfjs-runtime.ts';
import { loadPdfjs } from '../../../server/files/upload-check.ts';
import { extractPdfText } from '../../../server/services/text-extraction.service.ts';
import { extractLines } from '../../../server/signing/text-locator.ts';
import { makeDecree30Pdf } from '../../fixtures/signing/decree30-pdf.ts';

// pdfjs-dist's legacy build (core-js) replaces Array.prototype.push and JSON.stringify/parse of the
// whole process with ~10× slower polyfills; the loaders put the natives back (pdfjs-runtime.ts).
describe('pdfjs leaves the process its native built-ins', () => {
  const natives = () => ({ push: isNativeFunction(Array.prototype.push), stringify: isNativeFunction(JSON.stringify), parse: isNativeFunction(JSON.parse) });

  it('after loading pdfjs, extracting text and locating text lines, push and JSON are native and pdfjs still reads the PDF', async () => {
    await loadPdfjs();
    expect(natives()).to.deep.equal({ push: true, stringify: true, parse: true });
    const pdf = await makeDecree30Pdf();
    const text = await extractPdfText(pdf);
    expect(text).to.include('ỦY BAN NHÂN DÂN');
    const { lines } = await extractLines(pdf);
    expect(lines.length).to.be.greaterThan(3);
    expect(natives()).to.deep.equal({ push: true, stringify: true, parse: true });
    // The natives behave as natives: JSON round trip and push on an array.
    const a: number[] = [];
    a.push(1, 2);
    expect(JSON.parse(JSON.stringify({ a }))).to.deep.equal({ a: [1, 2] });
  });

  it('isNativeFunction tells a polyfill from a built-in', () => {
    expect(isNativeFunction(Array.prototype.map)).to.equal(true);
    expect(isNativeFunction(function push() {})).to.equal(false);
  });
});
