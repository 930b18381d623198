// Hostile and broken packages: each one must be refused cleanly (AppError, Vietnamese message),
// quickly, without reading files, fetching URLs or exhausting memory.
import { expect } from 'chai';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import yazl from 'yazl';
import { AppError } from '../../../server/errors.ts';
import { buildDocumentPackage, buildStatusPackage, parseEdxml, type ParseOptions } from '../../../server/axis/edxml/index.ts';
import { zipSingleFile } from '../../../server/axis/edxml/edxml-attachments.ts';
import { repoRoot, sampleDocument, sampleStatus } from './edxml-samples.ts';

const hostileDir = path.join(repoRoot, 'test/fixtures/edxml/hostile');
const VIETNAMESE = /[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]/i;

async function expectRefused(input: Uint8Array | string, opts?: ParseOptions): Promise<AppError> {
  let error: unknown;
  try {
    await parseEdxml(input, opts);
  } catch (e) {
    error = e;
  }
  if (!(error instanceof AppError)) {
    throw new Error(`expected an AppError, got ${error instanceof Error ? `${error.name}: ${error.message}` : 'success'}`);
  }
  expect(['validation', 'too_large']).to.include(error.code);
  expect(error.message).to.match(VIETNAMESE);
  return error;
}

/** Replace text that must be present, so that a case never passes by leaving the package valid. */
function edit(xml: string, from: string | RegExp, to: string): string {
  const out = xml.replace(from, to);
  if (out === xml) throw new Error(`mutation did not apply: ${String(from)}`);
  return out;
}

const dropElement = (xml: string, name: string): string =>
  edit(xml, new RegExp(`\\s*<edXML:${name}>[\\s\\S]*?</edXML:${name}>`), '');

function attachmentXml(cid: string, name: string, base64: string): string {
  return `<Attachment><ContentId>${cid}</ContentId><AttachmentName>${name}</AttachmentName><ContentType>application/pdf</ContentType>` +
    `<edXML:ContentTransferEncoded xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">${base64}</edXML:ContentTransferEncoded></Attachment>`;
}

/** Replace the whole AttachmentEncoded block of a built package. */
const withAttachments = (xml: string, inner: string): string =>
  edit(xml, /<AttachmentEncoded>[\s\S]*<\/AttachmentEncoded>/, `<AttachmentEncoded>${inner}</AttachmentEncoded>`);

/** A zip whose single entry is `size` zero bytes: a few KB on the wire, `size` bytes inflated. */
/** A zip whose one entry is stored (method 0), as some systems send already-compressed PDFs. */
function storedZip(name: string, content: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const zip = new yazl.ZipFile();
    zip.addBuffer(content, name, { compress: false });
    zip.end();
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

async function zeroBomb(size: number): Promise<string> {
  return (await zipSingleFile('bom.pdf', Buffer.alloc(size))).toString('base64');
}

/** A zip that lies: its headers announce 10 bytes, its deflate stream inflates to `size`. */
function lyingZip(size: number): string {
  const data = deflateRawSync(Buffer.alloc(size));
  const name = Buffer.from('a.pdf');
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(0, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(10, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(10, 24);
  central.writeUInt16LE(name.length, 28);
  central.writeUInt32LE(0, 42);
  const cdOffset = local.length + name.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + name.length, 12);
  end.writeUInt32LE(cdOffset, 16);
  return Buffer.concat([local, name, data, central, name, end]).toString('base64');
}

describe('edXML hostile packages', function () {
  this.timeout(60_000);
  let doc: string;
  let status: string;
  let smallZip: string;

  before(async function () {
    doc = await buildDocumentPackage(sampleDocument());
    status = buildStatusPackage(sampleStatus('03'));
    smallZip = (await zipSingleFile('a.pdf', Buffer.from('%PDF-1.7 tệp nhỏ'))).toString('base64');
    // The bases themselves are valid: every refusal below is caused by its mutation.
    await parseEdxml(doc);
    await parseEdxml(status);
  });

  describe('fixture files in test/fixtures/edxml/hostile', function () {
    const files = readdirSync(hostileDir).filter((f) => f.endsWith('.edxml'));
    it('has the hand-written fixtures', function () {
      expect(files.length).to.be.at.least(10);
    });
    for (const f of files) {
      it(`refuses ${f}`, async function () {
        const e = await expectRefused(readFileSync(path.join(hostileDir, f)));
        expect(e.message).to.not.match(/root:|daemon:/);
      });
    }
  });

  it('refuses an XXE package without reading the file it names', async function () {
    const e = await expectRefused(readFileSync(path.join(hostileDir, 'xxe-file.edxml')));
    expect(e.message).to.contain('DOCTYPE');
    expect(JSON.stringify(e.details)).to.not.contain('root:');
  });

  it('refuses billion laughs at once, without expanding entities', async function () {
    const heapBefore = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    const e = await expectRefused(readFileSync(path.join(hostileDir, 'billion-laughs.edxml')));
    expect(performance.now() - t0).to.be.below(200);
    expect(process.memoryUsage().heapUsed - heapBefore).to.be.below(50 * 1024 * 1024);
    expect(e.details).to.deep.equal({ reason: 'doctype' });
  });

  it('names the expected namespace when the namespace is wrong', async function () {
    const e = await expectRefused(edit(status, 'QCVN_102_2016">', 'QCVN_102_2015">'));
    expect(e.message).to.contain('http://www.mic.gov.vn/TBT/QCVN_102_2016');
  });

  it('lists the missing fields of a package', async function () {
    const e = await expectRefused(dropElement(dropElement(doc, 'Subject'), 'Code'));
    expect(e.details?.missing).to.include.members(['MessageHeader/Subject', 'MessageHeader/Code']);
  });

  it('stops inflating a zip bomb at the configured limit', async function () {
    const bomb = await zeroBomb(8 * 1024 * 1024);
    expect(bomb.length).to.be.below(64 * 1024);
    const e = await expectRefused(withAttachments(doc, attachmentXml('cid:1', 'bom.pdf', bomb)), {
      limits: { maxAttachmentBytes: 1024 * 1024 },
    });
    expect(e.code).to.equal('too_large');
    expect(e.details).to.deep.include({ reason: 'zip_bomb' });
  });

  it('stops inflating a zip whose headers lie about the size', async function () {
    const e = await expectRefused(withAttachments(doc, attachmentXml('cid:1', 'a.pdf', lyingZip(4 * 1024 * 1024))), {
      limits: { maxAttachmentBytes: 1024 * 1024 },
    });
    expect(['zip', 'zip_bomb']).to.include((e.details as { reason?: string }).reason);
  });

  it('reads a stored (uncompressed) entry as it is, and refuses one over the limit', async function () {
    const content = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(300_000, 0x41)]);
    const stored = await storedZip('a.pdf', content);
    expect(stored.readUInt16LE(8), 'compression method of the entry').to.equal(0);
    const xml = withAttachments(doc, attachmentXml('cid:1', 'a.pdf', stored.toString('base64')));
    const parsed = await parseEdxml(xml, { includeContent: true });
    expect(parsed.attachments[0]!.content!.equals(content)).to.equal(true);
    expect(parsed.attachments[0]!.sha256).to.equal(createHash('sha256').update(content).digest('hex'));
    const e = await expectRefused(xml, { limits: { maxAttachmentBytes: 100_000 } });
    expect(e.code).to.equal('too_large');
  });

  it('refuses Base64 content larger than the package limit', async function () {
    const huge = withAttachments(doc, attachmentXml('cid:1', 'a.pdf', 'QUFB'.repeat(300_000)));
    const e = await expectRefused(huge, { limits: { maxPackageBytes: 1024 * 1024 } });
    expect(e.code).to.equal('too_large');
  });

  // Each entry: a name read as a sentence, and the package (plus options) to refuse.
  const cases: [string, () => Promise<[Uint8Array | string, ParseOptions?]> | [Uint8Array | string, ParseOptions?]][] = [
    ['an empty input', () => ['']],
    ['whitespace only', () => ['   \n\t  ']],
    ['random binary bytes', () => [Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 37 + 11) % 256))]],
    ['invalid UTF-8 in a field', () => [Buffer.concat([Buffer.from(doc.slice(0, 600)), Buffer.from([0xc3, 0x28]), Buffer.from(doc.slice(600))])]],
    ['more than 4 KB of junk before the XML', () => ['x'.repeat(5000) + doc]],
    ['a DOCTYPE in UTF-16', () => [Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(readFileSync(path.join(hostileDir, 'xxe-file.edxml'), 'utf8').replace('UTF-8', 'UTF-16'), 'utf16le')])]],
    ['an inline DTD declaring an element', () => [edit(doc, '<edXML xmlns', '<!DOCTYPE edXML [<!ELEMENT edXML ANY>]><edXML xmlns')]],
    ['a DOCTYPE hidden after the root element', () => [edit(doc, '<edXML:edXMLBody>', '<!DOCTYPE x><edXML:edXMLBody>')]],
    ['quadratic blow-up entities', () => [edit(status, '<edXML xmlns', `<!DOCTYPE edXML [<!ENTITY a "${'a'.repeat(10_000)}">]><edXML xmlns`)]],
    ['ten thousand nested elements', () => [edit(status, '<edXML:Description>', '<edXML:Description>' + '<x>'.repeat(10_000) + '</x>'.repeat(10_000))]],
    ['nesting deeper than the configured limit', () => [status, { limits: { maxDepth: 4 } }]],
    ['more elements than the configured limit', () => [doc, { limits: { maxElements: 20 } }]],
    ['a truncated package', () => [doc.slice(0, Math.floor(doc.length / 2))]],
    ['an unclosed element', () => [edit(status, '</edXML:Description>', '')]],
    ['mismatched tags', () => [edit(status, '</edXML:Description>', '</edXML:Descriptio>')]],
    ['an unbound namespace prefix', () => [edit(status, '<edXML:Description>', '<foo:Description>').replace('</edXML:Description>', '</foo:Description>')]],
    ['a duplicated attribute', () => [edit(doc, 'version="1.0">', 'version="1.0" version="2.0">')]],
    ['an unterminated CDATA section', () => [edit(status, '</edXML:Description>', '<![CDATA[ xx </edXML:Description>')]],
    ['an unterminated comment', () => [edit(status, '</edXML:Description>', '<!-- xx </edXML:Description>')]],
    ['a NUL character reference', () => [edit(status, '</edXML:Description>', '&#0;</edXML:Description>')]],
    ['an undefined entity reference', () => [edit(status, '</edXML:Description>', '&xxe;</edXML:Description>')]],
    ['a package over the size limit', () => [doc, { limits: { maxPackageBytes: 2048 } }]],
    ['a root element that is not edXML', () => [edit(edit(status, '<edXML xmlns', '<edXMLX xmlns'), '</edXML>', '</edXMLX>')]],
    ['a root without any namespace', () => [edit(status, '<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">', '<edXML>')]],
    ['a namespace with a trailing slash', () => [edit(status, 'QCVN_102_2016">', 'QCVN_102_2016/">')]],
    ['no envelope', () => [edit(status, /<edXML:edXMLEnvelope[\s\S]*<\/edXML:edXMLEnvelope>/, '')]],
    ['no header', () => [edit(status, /<edXML:edXMLHeader>[\s\S]*<\/edXML:edXMLHeader>/, '')]],
    ['no MessageHeader', () => [edit(status, /<edXML:MessageHeader>[\s\S]*<\/edXML:MessageHeader>/, '')]],
    ['a document without From', () => [dropElement(doc, 'From')]],
    ['a document whose From has no OrganId', () => [edit(doc, '<edXML:OrganId>000.00.00.H41</edXML:OrganId>', '')]],
    ['a document without any To', () => [edit(doc, /\s*<edXML:To>[\s\S]*?<\/edXML:To>\s*<edXML:To>[\s\S]*?<\/edXML:To>/, '')]],
    ['a To with an empty OrganId', () => [edit(doc, '<edXML:OrganId>vxp.saas.03</edXML:OrganId>', '<edXML:OrganId></edXML:OrganId>')]],
    ['a document without Code', () => [dropElement(doc, 'Code')]],
    ['an empty CodeNumber', () => [edit(doc, /<edXML:CodeNumber>[^<]*<\/edXML:CodeNumber>/, '<edXML:CodeNumber/>')]],
    ['no CodeNotation', () => [dropElement(doc, 'CodeNotation')]],
    ['no PromulgationInfo', () => [dropElement(doc, 'PromulgationInfo')]],
    ['no PromulgationDate', () => [edit(doc, /<edXML:PromulgationDate>2026\/11\/27<\/edXML:PromulgationDate>/, '')]],
    ['no DocumentType', () => [dropElement(doc, 'DocumentType')]],
    ['a non-numeric DocumentType/Type', () => [edit(doc, '<edXML:Type>1</edXML:Type>', '<edXML:Type>CV</edXML:Type>')]],
    ['no Subject', () => [dropElement(doc, 'Subject')]],
    ['an empty Subject', () => [edit(doc, /<edXML:Subject>[^<]*<\/edXML:Subject>/, '<edXML:Subject>   </edXML:Subject>')]],
    ['BussinessDocType 9', () => [edit(doc, '<edXML:BussinessDocType>0<', '<edXML:BussinessDocType>9<')]],
    ['a non-numeric BussinessDocType', () => [edit(doc, '<edXML:BussinessDocType>0<', '<edXML:BussinessDocType>new<')]],
    ['a Bussiness block without BussinessDocType', () => [dropElement(doc, 'BussinessDocType')]],
    ['a TraceHeader without OrganId', () => [edit(doc, /(<edXML:TraceHeader>\s*)<edXML:OrganId>[^<]*<\/edXML:OrganId>/, '$1')]],
    ['a TraceHeader without Timestamp', () => [edit(doc, /<edXML:Timestamp>[^<]*<\/edXML:Timestamp>/, '')]],
    ['a status without From', () => [dropElement(status, 'From')]],
    ['a status without ResponseFor', () => [dropElement(status, 'ResponseFor')]],
    ['a status without ResponseFor/DocumentId', () => [edit(status, /<edXML:DocumentId>[^<]*<\/edXML:DocumentId>/, '')]],
    ['a status with an empty StatusCode', () => [edit(status, '<edXML:StatusCode>03</edXML:StatusCode>', '<edXML:StatusCode></edXML:StatusCode>')]],
    ['a status without Timestamp', () => [dropElement(status, 'Timestamp')]],
    ['Base64 with characters outside the alphabet', () => [withAttachments(doc, attachmentXml('cid:1', 'a.pdf', smallZip.slice(0, 8) + '*$!' + smallZip.slice(11)))]],
    ['Base64 of a wrong length', () => [withAttachments(doc, attachmentXml('cid:1', 'a.pdf', smallZip + 'A'))]],
    ['an empty ContentTransferEncoded', () => [withAttachments(doc, attachmentXml('cid:1', 'a.pdf', ''))]],
    ['an attachment without ContentTransferEncoded', () => [withAttachments(doc, '<Attachment><ContentId>cid:1</ContentId><AttachmentName>a.pdf</AttachmentName></Attachment>')]],
    ['an attachment that is not a zip', () => [withAttachments(doc, attachmentXml('cid:1', 'a.pdf', Buffer.from('%PDF-1.7 không nén').toString('base64')))]],
    ['a truncated zip', () => [withAttachments(doc, attachmentXml('cid:1', 'a.pdf', Buffer.from(smallZip, 'base64').subarray(0, 40).toString('base64')))]],
    ['a zip with a corrupted central directory', () => {
      const z = Buffer.from(smallZip, 'base64');
      const cd = z.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
      z.fill(0x41, cd, cd + 20);
      return [withAttachments(doc, attachmentXml('cid:1', 'a.pdf', z.toString('base64')))];
    }],
    ['a zip whose deflate data is garbage', () => {
      const z = Buffer.from(smallZip, 'base64');
      z.fill(0xff, 40, 50);
      return [withAttachments(doc, attachmentXml('cid:1', 'a.pdf', z.toString('base64')))];
    }],
    ['a zip containing only a directory', async () => {
      const yazl = (await import('yazl')).default;
      const zip = new yazl.ZipFile();
      zip.addEmptyDirectory('thu-muc');
      zip.end();
      const chunks: Buffer[] = [];
      for await (const c of zip.outputStream) chunks.push(c as Buffer);
      return [withAttachments(doc, attachmentXml('cid:1', 'a.pdf', Buffer.concat(chunks).toString('base64')))];
    }],
    ['a zip with more entries than allowed', async () => {
      const yazl = (await import('yazl')).default;
      const zip = new yazl.ZipFile();
      for (let i = 0; i < 20; i++) zip.addBuffer(Buffer.from(`tệp ${i}`), `f${i}.txt`);
      zip.end();
      const chunks: Buffer[] = [];
      for await (const c of zip.outputStream) chunks.push(c as Buffer);
      return [withAttachments(doc, attachmentXml('cid:1', 'a.pdf', Buffer.concat(chunks).toString('base64')))];
    }],
    ['a zip bomb over the default 100 MB limit', async () => [withAttachments(doc, attachmentXml('cid:1', 'bom.pdf', await zeroBomb(101 * 1024 * 1024)))]],
    ['attachments whose total inflated size is over the limit', async () => {
      const b = await zeroBomb(600 * 1024);
      return [withAttachments(doc, attachmentXml('cid:1', 'a.pdf', b) + attachmentXml('cid:2', 'b.pdf', b)), { limits: { maxTotalAttachmentBytes: 1024 * 1024 } }];
    }],
    ['more attachments than allowed', () => [withAttachments(doc, Array.from({ length: 6 }, (_, i) => attachmentXml(`cid:${i}`, `${i}.pdf`, smallZip)).join('')), { limits: { maxAttachments: 5 } }]],
    ['two attachments with the same ContentId', () => [withAttachments(doc, attachmentXml('cid:1', 'a.pdf', smallZip) + attachmentXml('cid:1', 'b.pdf', smallZip))]],
    ['an attachment without a name', () => [withAttachments(doc, attachmentXml('cid:1', '', smallZip))]],
    ['an attachment without a ContentId', () => [withAttachments(doc, attachmentXml('', 'a.pdf', smallZip))]],
  ];

  for (const [name, make] of cases) {
    it(`refuses ${name}`, async function () {
      const [input, opts] = await make();
      await expectRefused(input, opts);
    });
  }

  it('covers at least fifty hostile packages', function () {
    const fixtures = readdirSync(hostileDir).filter((f) => f.endsWith('.edxml')).length;
    expect(cases.length + fixtures).to.be.at.least(50);
  });
});
