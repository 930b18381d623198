// Bytes between revisions (issue 4 item 7): after a signed revision, every byte up to the last %%EOF
// must belong to an object or xref section of a later revision. The hostile files are built here
// from a real signature: bytes inserted right after the leader's signed revision (ending with that
// revision's own `startxref … %%EOF`, so the file still reads as a PDF), then a genuine agency
// signature appended over everything by our signing code.
import { expect } from 'chai';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { PDFDocument, PDFName, PDFRef } from '@cantoo/pdf-lib';
import { signAsAgency, signAsLeader, stampNumber, verifyPdf, type VerifyReport } from '../../../server/signing/index.ts';
import { firstStrayByte, LazyXrefError } from '../../../server/signing/pdf-lazy.ts';
import { makeDecree30Pdf } from '../../fixtures/signing/decree30-pdf.ts';
import { has, key, pdfsig, read, repoRoot, tmp, trust } from './helpers.ts';

const STRAY = /chen giữa các bản cập nhật sau chữ ký/;

function restatedEof(signed: Buffer): string {
  const m = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(signed.subarray(-256).toString('latin1'));
  if (!m) throw new Error('no startxref at the end of the signed file');
  return `startxref\n${m[1]}\n%%EOF\n`;
}

/** pdfsig's lines for signature #n (its "Signature #n:" block). */
function pdfsigBlock(text: string, n: number): string {
  const start = text.indexOf(`Signature #${n}:`);
  if (start < 0) return '';
  const next = text.indexOf(`Signature #${n + 1}:`, start);
  return text.slice(start, next < 0 ? undefined : next);
}

describe('Bytes inserted between a signed revision and the next one', function () {
  this.timeout(60000);
  const dir = tmp();
  let leaderSigned: Buffer;
  let pageContentsNumber: number;
  const built: Record<string, { bytes: Buffer; report: VerifyReport; pdfsig?: string }> = {};

  async function build(name: string, inserted: string): Promise<void> {
    const agency = await key('agencies/uy-ban-nhan-dan-tinh-nghe-an.p12');
    const withInsert = Buffer.concat([leaderSigned, Buffer.from(inserted, 'latin1')]);
    const bytes = Buffer.from((await signAsAgency(withInsert, agency, { sealImage: read('images/seal-uy-ban-nhan-dan-tinh-nghe-an.png'), signingTime: new Date('2026-12-05T02:14:03Z') })).pdf);
    const file = join(dir, `${name}.pdf`);
    writeFileSync(file, bytes);
    built[name] = { bytes, report: await verifyPdf(bytes, trust()), pdfsig: has('pdfsig') ? pdfsig(file) : undefined };
  }

  before(async () => {
    const leader = await key('persons/nguyen-thi-lap-lanh-anh.p12');
    leaderSigned = Buffer.from((await signAsLeader(await makeDecree30Pdf(), leader, { position: 'CHỦ TỊCH', signatureImage: read('images/signature-nguyen-thi-lap-lanh-anh.png'), signingTime: new Date('2026-12-05T02:10:00Z') })).pdf);
    const doc = await PDFDocument.load(leaderSigned);
    pageContentsNumber = (doc.getPage(0).node.get(PDFName.of('Contents')) as PDFRef).objectNumber;
    const eof = restatedEof(leaderSigned);
    await build('comment-only', `% ghi chú của phần mềm khác\n${eof}`);
    await build('junk', `BT /F1 24 Tf 72 700 Td (QUYET DINH GIA MAO) Tj ET\n${eof}`);
    // A second definition of the page's content stream that no xref lists: a reader that follows the
    // xref ignores it, a reader that rebuilds a damaged file by scanning takes the later definition.
    const forged = 'BT /F1 24 Tf 72 700 Td (QUYET DINH GIA MAO) Tj ET';
    await build('hidden-object', `${pageContentsNumber} 0 obj\n<< /Length ${forged.length} >>\nstream\n${forged}\nendstream\nendobj\n${eof}`);
  });

  it('keeps a file valid when only a comment separates the revisions (readers skip comments)', () => {
    const r = built['comment-only']!.report;
    expect(r.verdict, r.message).to.equal('valid');
    expect(r.signatures.map((s) => s.modificationsAfter)).to.deep.equal(['annotations_or_forms', 'none']);
  });

  for (const name of ['junk', 'hidden-object']) {
    it(`calls the leader's signature invalid when ${name === 'junk' ? 'stray page operators sit' : 'an object listed by no xref sits'} between the revisions`, () => {
      const { report, bytes } = built[name]!;
      expect(report.verdict).to.equal('invalid');
      const [leader, agency] = report.signatures;
      expect(leader!.valid).to.equal(false);
      expect(leader!.byteRangeIntact).to.equal(true);
      const line = leader!.problems.find((p) => STRAY.test(p));
      expect(line, leader!.problems.join('; ')).to.equal(`Có dữ liệu chen giữa các bản cập nhật sau chữ ký (từ byte ${leaderSigned.length}), không thuộc đối tượng nào của tệp PDF`);
      expect(report.message).to.match(STRAY);
      // The agency signed the whole file, inserted bytes included: its own signature stands.
      expect(agency!.valid, agency!.problems.join('; ')).to.equal(true);
      expect(firstStrayByte(bytes, leaderSigned.length)).to.equal(leaderSigned.length);
    });
  }

  it('finds the stray bytes wherever they start, not only right after the signed revision', () => {
    const bytes = built['junk']!.bytes;
    // From inside the inserted text the rest of it is still stray; from the agency's own revision on, nothing is.
    expect(firstStrayByte(bytes, leaderSigned.length + 3)).to.equal(leaderSigned.length + 3);
    expect(firstStrayByte(bytes, bytes.indexOf('%%EOF', leaderSigned.length) + 6)).to.equal(undefined);
  });

  it('records what poppler pdfsig says of the same files', function () {
    if (!has('pdfsig')) {
      process.stdout.write('      (pdfsig not installed: poppler-utils)\n');
      this.skip();
    }
    // DISAGREEMENT, on purpose: pdfsig checks each signature's digest over its byte range and whether
    // that range reaches the end of the file; it does not look at what lies between revisions. It
    // says of the leader's signature exactly what it says in the clean control file, so it calls
    // both hostile files' signatures valid where we do not.
    const control = pdfsigBlock(built['comment-only']!.pdfsig!, 1);
    expect(control).to.match(/Signature is Valid/);
    for (const name of ['junk', 'hidden-object']) {
      const block = pdfsigBlock(built[name]!.pdfsig!, 1);
      expect(block, name).to.match(/Signature is Valid/);
      expect(block.replace(/Signing Time:.*\n/, ''), name).to.equal(control.replace(/Signing Time:.*\n/, ''));
    }
  });

  it('leaves the number stamp and the agency seal of the normal flow valid', async () => {
    const stamped = await stampNumber(leaderSigned, { number: '15/QĐ-UBND', date: '2026-12-05' });
    const sealed = (await signAsAgency(stamped, await key('agencies/uy-ban-nhan-dan-tinh-nghe-an.p12'), { sealImage: read('images/seal-uy-ban-nhan-dan-tinh-nghe-an.png') })).pdf;
    const r = await verifyPdf(sealed, trust());
    expect(r.verdict, r.message).to.equal('valid');
    expect(firstStrayByte(sealed, leaderSigned.length)).to.equal(undefined);
  });
});

const corpus = resolve(repoRoot, '../shared/corpus/pdf');

function listPdfs(d: string): string[] {
  return readdirSync(d).flatMap((n) => {
    const p = join(d, n);
    return statSync(p).isDirectory() ? listPdfs(p) : n.toLowerCase().endsWith('.pdf') ? [p] : [];
  });
}

describe('Bytes between revisions in the shared corpus', function () {
  this.timeout(120000);
  it('flags no signed corpus file with several revisions, except the coverage anomalies made to be flagged', async function () {
    if (!existsSync(corpus)) {
      process.stdout.write(`      (skipped: the shared corpus is absent at ${corpus})\n`);
      this.skip();
    }
    let checked = 0;
    let unreadable = 0;
    const flagged: string[] = [];
    for (const file of listPdfs(corpus)) {
      const name = relative(corpus, file);
      const bytes = readFileSync(file);
      let report: VerifyReport;
      try {
        report = await verifyPdf(bytes, trust());
      } catch {
        continue; // refused as unreadable: corpus.test.ts covers that
      }
      for (const s of report.signatures) {
        if (s.coversWholeFile || !s.byteRangeIntact) continue;
        if (s.problems.some((p) => STRAY.test(p))) flagged.push(name);
      }
      // How many multi-revision files the check could read at all (those whose xref data it
      // cannot read are skipped by the check, see pdf-lazy.ts).
      if (report.signatures.some((s) => !s.coversWholeFile && s.byteRangeIntact)) {
        try {
          firstStrayByte(bytes, bytes.lastIndexOf('%%EOF'));
          checked++;
        } catch (e) {
          if (!(e instanceof LazyXrefError)) throw e;
          unreadable++;
        }
      }
    }
    process.stdout.write(`      corpus: ${checked} files with a signature followed by later revisions checked, ${unreadable} with xref data the check cannot read\n`);
    expect(checked).to.be.greaterThan(0);
    // Three of them keep their xref in PNG-predicted streams (Acrobat): read too.
    expect(unreadable).to.equal(0);
    // tail-uncovered and signature-gap-too-big carry bytes after the signed range that no revision owns.
    expect([...new Set(flagged)].sort()).to.deep.equal(['coverage-anomalies/signature-gap-too-big.pdf', 'coverage-anomalies/tail-uncovered.pdf']);
  });

  it('reads an Acrobat file whose xref streams use the PNG predictor: one separator byte changed between two later objects is found', function () {
    const file = join(corpus, 'minimal-signed-twice-both-created.pdf');
    if (!existsSync(file)) {
      process.stdout.write(`      (skipped: ${file} is absent)\n`);
      this.skip();
    }
    const pdf = Buffer.from(readFileSync(file));
    // The first signature's range ends at 83059; the second revision's objects follow.
    const firstEnd = 83059;
    expect(pdf.subarray(firstEnd - 6, firstEnd).toString('latin1')).to.equal('%%EOF\r');
    expect(firstStrayByte(pdf, firstEnd)).to.equal(undefined);
    const at = pdf.indexOf('endobj\r', firstEnd) + 6;
    pdf[at] = 0x58; // "endobj\r13 0 obj" → "endobjX13 0 obj": same offsets, one byte outside any object
    expect(firstStrayByte(pdf, firstEnd)).to.equal(at);
  });
});
