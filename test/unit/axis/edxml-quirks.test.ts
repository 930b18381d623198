// Real-world quirks (DOMAIN.md §5) are accepted, each with a warning, and the raw value is kept
// whenever it cannot be read.
import { expect } from 'chai';
import {
  buildDocumentPackage,
  buildStatusPackage,
  parseEdxml,
  type ParsedDocumentPackage,
  type ParsedEdxml,
} from '../../../server/axis/edxml/index.ts';
import { sampleDocument, sampleStatus } from './edxml-samples.ts';

function edit(xml: string, from: string | RegExp, to: string): string {
  const out = xml.replace(from, to);
  if (out === xml) throw new Error(`mutation did not apply: ${String(from)}`);
  return out;
}

function asDocument(p: ParsedEdxml): ParsedDocumentPackage {
  if (p.kind !== 'document') throw new Error('document expected');
  return p;
}

describe('edXML tolerance of real-world quirks', function () {
  let doc: string;
  before(async function () {
    doc = await buildDocumentPackage(sampleDocument());
  });

  it('reads Business… spelt the common way as Bussiness…, with a warning', async function () {
    const quirky = doc.replace(/edXML:Bussiness/g, 'edXML:Business');
    const p = asDocument(await parseEdxml(quirky));
    expect(p.package.TraceHeaderList.Bussiness).to.deep.include({ BussinessDocType: 0, BussinessDocReason: 'Văn bản điện tử mới' });
    expect(p.warnings.filter((w) => w.code === 'business_spelling').map((w) => w.path)).to.include.members([
      'TraceHeaderList/Bussiness',
      'TraceHeaderList/Bussiness/BussinessDocType',
      'TraceHeaderList/Bussiness/BussinessDocReason',
    ]);
  });

  it('rewrites dd/MM/yyyy timestamps and dates to the QCVN format, keeping the raw text in the warning', async function () {
    let quirky = edit(doc, '2026/11/27 09:14:03', '27/11/2026 09:14:03');
    quirky = edit(quirky, '<edXML:DueDate>2026/12/31<', '<edXML:DueDate>31/12/2026<');
    const p = asDocument(await parseEdxml(quirky));
    expect(p.package.TraceHeaderList.TraceHeader[0]!.Timestamp).to.equal('2026/11/27 09:14:03');
    expect(p.package.MessageHeader.DueDate).to.equal('2026/12/31');
    expect(p.warnings.find((w) => w.code === 'timestamp_format')?.raw).to.equal('27/11/2026 09:14:03');
    expect(p.warnings.find((w) => w.code === 'date_format')?.raw).to.equal('31/12/2026');
  });

  it('keeps an impossible promulgation date as written', async function () {
    const p = asDocument(await parseEdxml(edit(doc, '<edXML:PromulgationDate>2026/11/27<', '<edXML:PromulgationDate>2014/02/30<')));
    expect(p.package.MessageHeader.PromulgationInfo.PromulgationDate).to.equal('2014/02/30');
    expect(p.warnings.map((w) => w.code)).to.include('invalid_date');
  });

  it('keeps a timestamp it cannot read as written', async function () {
    const p = asDocument(await parseEdxml(edit(doc, '2026/11/27 09:14:03', 'sáng thứ Sáu')));
    expect(p.package.TraceHeaderList.TraceHeader[0]!.Timestamp).to.equal('sáng thứ Sáu');
    expect(p.warnings.find((w) => w.code === 'invalid_timestamp')?.raw).to.equal('sáng thứ Sáu');
  });

  it('accepts a non-numeric CodeNumber as text', async function () {
    const p = asDocument(await parseEdxml(edit(doc, '<edXML:CodeNumber>05<', '<edXML:CodeNumber>74fass22<')));
    expect(p.package.MessageHeader.Code.CodeNumber).to.equal('74fass22');
    expect(p.warnings.find((w) => w.code === 'non_numeric')?.path).to.equal('MessageHeader/Code/CodeNumber');
  });

  it('accepts OrganIds of other schemes such as 28.22.H17 and vxp.saas.03 as text', async function () {
    const p = asDocument(await parseEdxml(edit(doc, '<edXML:OrganId>000.00.00.G22</edXML:OrganId>', '<edXML:OrganId>28.22.H17</edXML:OrganId>')));
    expect(p.package.MessageHeader.To.map((t) => t.OrganId)).to.deep.equal(['28.22.H17', 'vxp.saas.03']);
  });

  it('follows xlink:href manifest references', async function () {
    const quirky = edit(
      doc,
      /<edXML:Reference>\s*<edXML:ContentId>cid:1<\/edXML:ContentId>/,
      '<edXML:Reference xmlns:xlink="http://www.w3.org/1999/xlink" xlink:href="cid:1">',
    );
    const p = asDocument(await parseEdxml(quirky));
    expect(p.package.Manifest[0]!.ContentId).to.equal('cid:1');
    expect(p.warnings.map((w) => w.code)).to.include('xlink_reference');
    expect(p.warnings.map((w) => w.code)).to.not.include('manifest_mismatch');
  });

  it('tolerates stray bytes and a byte-order mark before <?xml', async function () {
    const p = await parseEdxml(Buffer.concat([Buffer.from('1212'), Buffer.from(doc)]));
    expect(p.warnings.map((w) => w.code)).to.deep.equal(['stray_bytes']);
    const bom = await parseEdxml(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(doc)]));
    expect(bom.warnings).to.deep.equal([]);
  });

  it('derives a missing DocumentId from the sender, date and number', async function () {
    const p = asDocument(await parseEdxml(edit(doc, /<edXML:DocumentId>000\.00\.00\.H41,2026\/11\/27,05\/QĐ-UBND<\/edXML:DocumentId>/, '')));
    expect(p.package.MessageHeader.DocumentId).to.equal('000.00.00.H41,2026/11/27,05/QĐ-UBND');
    expect(p.warnings.map((w) => w.code)).to.include('missing_document_id');
  });

  it('reads a package whose elements carry no prefix but the default namespace', async function () {
    const plain = doc.replace(/edXML:/g, '').replace(/ xmlns:edXML="[^"]+"/g, '');
    const p = asDocument(await parseEdxml(plain));
    expect(p.package.MessageHeader.Subject).to.contain('chuyển đổi số');
    expect(p.attachments).to.have.length(2);
  });

  it('notes a manifest entry without an attachment, and a zip with several files', async function () {
    const yazl = (await import('yazl')).default;
    const zip = new yazl.ZipFile();
    zip.addBuffer(Buffer.from('một'), 'mot.txt');
    zip.addBuffer(Buffer.from('hai'), 'hai.txt');
    zip.end();
    const chunks: Buffer[] = [];
    for await (const c of zip.outputStream) chunks.push(c as Buffer);
    const quirky = edit(
      doc,
      /<AttachmentEncoded>[\s\S]*<\/AttachmentEncoded>/,
      `<AttachmentEncoded><Attachment><ContentId>cid:1</ContentId><AttachmentName>mot.txt</AttachmentName>` +
        `<ContentTransferEncoded>${Buffer.concat(chunks).toString('base64')}</ContentTransferEncoded></Attachment></AttachmentEncoded>`,
    );
    const p = await parseEdxml(quirky);
    expect(p.attachments[0]).to.deep.include({ fileName: 'mot.txt', size: 5, fileContentType: 'text/plain' });
    const codes = p.warnings.map((w) => w.code);
    expect(codes).to.include.members(['zip_entries', 'manifest_mismatch']);
  });

  it('pads a one-digit status code and flags an unknown one', async function () {
    const status = buildStatusPackage(sampleStatus('03'));
    const padded = await parseEdxml(edit(status, '<edXML:StatusCode>03<', '<edXML:StatusCode>3<'));
    if (padded.kind !== 'status') throw new Error('status expected');
    expect(padded.package.MessageHeader.StatusCode).to.equal('03');
    const unknown = await parseEdxml(edit(status, '<edXML:StatusCode>03<', '<edXML:StatusCode>99<'));
    expect(unknown.warnings.map((w) => w.code)).to.include('unknown_status_code');
  });

  it('treats a package without a Bussiness block as a new document', async function () {
    const p = asDocument(await parseEdxml(edit(doc, /\s*<edXML:Bussiness>[\s\S]*<\/edXML:Bussiness>/, '')));
    expect(p.package.TraceHeaderList.Bussiness).to.deep.equal({ BussinessDocType: 0 });
    expect(p.warnings.map((w) => w.path)).to.include('TraceHeaderList/Bussiness');
  });

  it('drops a non-numeric Priority but reports its raw value', async function () {
    const p = asDocument(await parseEdxml(edit(doc, '<edXML:Priority>1<', '<edXML:Priority>Khẩn<')));
    expect(p.package.MessageHeader.OtherInfo?.Priority).to.equal(undefined);
    expect(p.warnings.find((w) => w.path === 'MessageHeader/OtherInfo/Priority')?.raw).to.equal('Khẩn');
  });
});
