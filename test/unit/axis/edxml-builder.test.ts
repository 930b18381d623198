// What we send must be strict and must read back to exactly what we meant (QCVN 102:2016).
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DOMParser, type Element } from '@xmldom/xmldom';
import {
  AppError,
} from '../../../server/errors.ts';
import {
  buildDocumentPackage,
  buildStatusPackage,
  EDXML_NS,
  parseEdxml,
  STATUS_CODES,
  statusReplyFor,
  toEdxmlTimestamp,
  type DocumentPackageInput,
} from '../../../server/axis/edxml/index.ts';
import { repoRoot, sampleDocument, sampleStatus } from './edxml-samples.ts';

async function refusal(p: Promise<unknown> | (() => unknown)): Promise<AppError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError');
}

function childNames(xml: string, localName: string): string[] {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const el = doc.getElementsByTagNameNS(EDXML_NS, localName)[0] as Element;
  const names: string[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) names.push((n as Element).localName ?? '');
  return names;
}

describe('edXML builder', function () {
  it('builds a document package that parses back to the same header, trace and business values', async function () {
    const model = sampleDocument();
    const xml = await buildDocumentPackage(model);
    const parsed = await parseEdxml(Buffer.from(xml));
    if (parsed.kind !== 'document') throw new Error('document expected');
    expect(parsed.warnings).to.deep.equal([]);
    expect(parsed.package.MessageHeader).to.deep.equal({
      ...model.MessageHeader,
      DocumentId: '000.00.00.H41,2026/11/27,05/QĐ-UBND',
    });
    expect(parsed.package.TraceHeaderList).to.deep.equal(model.TraceHeaderList);
  });

  it('round-trips the attachments: names, content types, sizes and SHA-256 of the original files', async function () {
    const model = sampleDocument();
    const parsed = await parseEdxml(await buildDocumentPackage(model), { includeContent: true });
    expect(parsed.attachments.map((a) => a.AttachmentName)).to.deep.equal(['05_QĐ-UBND.pdf', 'Phụ lục kèm theo.docx']);
    expect(parsed.attachments.map((a) => a.ContentId)).to.deep.equal(['cid:1', 'cid:2']);
    expect(parsed.attachments[0]!.ContentType).to.equal('application/pdf');
    expect(parsed.attachments[1]!.fileContentType).to.equal(
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    );
    model.Attachments.forEach((a, i) => {
      const got = parsed.attachments[i]!;
      expect(got.size).to.equal(a.Content.length);
      expect(got.sha256).to.equal(createHash('sha256').update(a.Content).digest('hex'));
      expect(Buffer.compare(got.content!, Buffer.from(a.Content))).to.equal(0);
    });
    if (parsed.kind !== 'document') throw new Error('document expected');
    expect(parsed.package.Manifest.map((m) => m.ContentId)).to.deep.equal(['cid:1', 'cid:2']);
  });

  it('round-trips revocation, update and replacement packages', async function () {
    const variants: DocumentPackageInput['TraceHeaderList']['Bussiness'][] = [
      { BussinessDocType: 1, BussinessDocReason: 'Thu hồi văn bản điện tử', Paper: 0 },
      {
        DocumentId: '000.00.00.H41,2026/11/27,05/QĐ-UBND',
        BussinessDocType: 2,
        BussinessDocReason: 'Cập nhật văn bản điện tử',
        Paper: 0,
        BussinessDocumentInfo: { DocumentInfo: 1, DocumentReceiver: 1, ReceiverList: [{ OrganId: '000.00.00.G22', ReceiverType: 0 }] },
      },
      {
        BussinessDocType: 3,
        BussinessDocReason: 'Văn bản thay thế',
        Paper: 1,
        ReplacementInfoList: [{ DocumentId: '000.00.00.H41,2026/01/30,01/QĐ-UBND', OrganIdList: ['000.00.00.G22', '28.22.H17'] }],
        StaffInfo: { Staff: 'Lê Thị Hồng Nhung' },
      },
    ];
    for (const Bussiness of variants) {
      const model = sampleDocument();
      model.TraceHeaderList = { ...model.TraceHeaderList, Bussiness };
      const parsed = await parseEdxml(await buildDocumentPackage(model));
      if (parsed.kind !== 'document') throw new Error('document expected');
      expect(parsed.package.TraceHeaderList.Bussiness).to.deep.equal(Bussiness);
    }
  });

  it('writes the MessageHeader and Bussiness children in the order of the official samples', async function () {
    const model = sampleDocument();
    model.TraceHeaderList.Bussiness = {
      ...model.TraceHeaderList.Bussiness,
      BussinessDocType: 2,
      BussinessDocumentInfo: { DocumentInfo: 1 },
    };
    const xml = await buildDocumentPackage(model);
    expect(childNames(xml, 'MessageHeader')).to.deep.equal([
      'From', 'To', 'To', 'DocumentId', 'Code', 'PromulgationInfo', 'DocumentType', 'Subject', 'Content',
      'SignerInfo', 'DueDate', 'OtherInfo', 'ResponseFor', 'SteeringType', 'ToPlaces',
    ]);
    expect(childNames(xml, 'Bussiness')).to.deep.equal([
      'DocumentId', 'BussinessDocType', 'BussinessDocReason', 'Paper', 'BussinessDocumentInfo', 'StaffInfo',
    ]);
    expect(childNames(xml, 'edXMLHeader')).to.deep.equal(['MessageHeader', 'TraceHeaderList']);
    expect(xml).to.match(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<edXML xmlns="http:\/\/www\.mic\.gov\.vn\/TBT\/QCVN_102_2016">/);
    expect(xml).to.contain('<edXML:Bussiness>');
  });

  it('escapes markup characters and normalises Vietnamese text to NFC', async function () {
    const model = sampleDocument();
    model.MessageHeader.Subject = 'Nguye\u0302\u0303n <b> & "x"'; // decomposed ễ
    const xml = await buildDocumentPackage(model);
    expect(xml).to.contain('Nguyễn &lt;b&gt; &amp; &quot;x&quot;');
    const parsed = await parseEdxml(xml);
    if (parsed.kind !== 'document') throw new Error('document expected');
    expect(parsed.package.MessageHeader.Subject).to.equal('Nguyễn <b> & "x"');
  });

  it('builds every status code and reads it back', async function () {
    for (const code of Object.keys(STATUS_CODES)) {
      const model = sampleStatus(code);
      const xml = buildStatusPackage(model);
      const parsed = await parseEdxml(xml);
      if (parsed.kind !== 'status') throw new Error('status expected');
      expect(parsed.package).to.deep.equal(model);
      expect(parsed.warnings).to.deep.equal([]);
    }
  });

  it('derives a status reply from a received document, leaving out a date the sender wrote wrongly', async function () {
    const received = await parseEdxml(await buildDocumentPackage(sampleDocument()));
    if (received.kind !== 'document') throw new Error('document expected');
    const reply = statusReplyFor(received.package.MessageHeader, {
      From: { OrganId: '000.00.00.G22', OrganName: 'Văn phòng Chính phủ' },
      StatusCode: '01',
      Description: 'Đã đến',
      at: new Date('2026-11-27T03:00:00Z'),
    });
    expect(reply.MessageHeader.ResponseFor).to.deep.equal({
      OrganId: '000.00.00.H41',
      Code: '05/QĐ-UBND',
      PromulgationDate: '2026/11/27',
      DocumentId: '000.00.00.H41,2026/11/27,05/QĐ-UBND',
    });
    expect(reply.MessageHeader.Timestamp).to.equal('2026/11/27 10:00:00');
    const parsed = await parseEdxml(buildStatusPackage(reply));
    expect(parsed.package).to.deep.equal(reply);
    const odd = { ...received.package.MessageHeader, PromulgationInfo: { PromulgationDate: '2014/02/30' } };
    const r2 = statusReplyFor(odd, { From: { OrganId: '000.00.00.G22' }, StatusCode: '03' });
    expect(r2.MessageHeader.ResponseFor).to.not.have.property('PromulgationDate');
    expect(() => buildStatusPackage(r2)).to.not.throw();
  });

  it('writes status timestamps in Vietnam time as yyyy/MM/dd HH:mm:ss', function () {
    expect(toEdxmlTimestamp(new Date('2026-12-31T17:30:05Z'))).to.equal('2027/01/01 00:30:05');
  });

  it('refuses an outgoing package whose own OrganId is not a QCVN 102 code', async function () {
    const model = sampleDocument();
    model.MessageHeader.From = { ...model.MessageHeader.From, OrganId: 'vxp.saas.03' };
    const e = await refusal(buildDocumentPackage(model));
    expect(e.code).to.equal('validation');
    expect(e.message).to.contain('MessageHeader/From/OrganId');
    expect(e.message).to.contain('QCVN 102:2016');
  });

  it('refuses impossible dates, malformed timestamps and non-numeric numbers, listing every problem', async function () {
    const model = sampleDocument();
    model.MessageHeader.PromulgationInfo = { PromulgationDate: '2014/02/30' };
    model.MessageHeader.Code = { CodeNumber: '74fass22', CodeNotation: 'QĐ-UBND' };
    model.TraceHeaderList.TraceHeader = [{ OrganId: '000.00.00.H41', Timestamp: '27/11/2026 09:00:00' }];
    const e = await refusal(buildDocumentPackage(model));
    const errors = (e.details?.errors ?? []) as string[];
    expect(errors.some((x) => x.includes('PromulgationDate'))).to.equal(true);
    expect(errors.some((x) => x.includes('CodeNumber'))).to.equal(true);
    expect(errors.some((x) => x.includes('Timestamp'))).to.equal(true);
  });

  it('refuses a subject longer than 500 characters, no recipient, a replacement without replaced documents and an unknown status code', async function () {
    const long = sampleDocument();
    long.MessageHeader.Subject = 'a'.repeat(501);
    expect((await refusal(buildDocumentPackage(long))).message).to.contain('Subject');
    const noTo = sampleDocument();
    noTo.MessageHeader.To = [];
    expect((await refusal(buildDocumentPackage(noTo))).message).to.contain('MessageHeader/To');
    const repl = sampleDocument();
    repl.TraceHeaderList.Bussiness = { BussinessDocType: 3 };
    expect((await refusal(buildDocumentPackage(repl))).message).to.contain('ReplacementInfoList');
    const st = sampleStatus('07');
    expect((await refusal(() => buildStatusPackage(st))).message).to.contain('StatusCode');
  });

  it('round-trips fifty randomly filled packages with markup characters and Vietnamese text in every field', async function () {
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const alphabet = ['a', 'Ă', 'ắ', 'ệ', 'Đ', 'ữ', 'ỹ', '&', '<', '>', '"', "'", ']]>', ' ', '/', '\t', '😀', '漢', '—', '&amp;', '%', '#'];
    const word = (): string => {
      let s = '';
      const len = 1 + rnd(12);
      for (let i = 0; i < len; i++) s += alphabet[rnd(alphabet.length)];
      return s.trim() || 'x';
    };
    for (let i = 0; i < 50; i++) {
      const model = sampleDocument({ Attachments: [] });
      const h = model.MessageHeader;
      h.From = { ...h.From, OrganName: word(), OrganAdd: word(), Email: word() };
      h.To = [{ OrganId: `vxp.${i}`, OrganName: word(), OrganizationInCharge: word() }];
      h.Code = { CodeNumber: String(1 + rnd(9999)), CodeNotation: word() };
      h.Subject = word();
      h.Content = `${word()}\n${word()}`;
      h.SignerInfo = { FullName: word(), Position: word(), Competence: word() };
      h.ToPlaces = [word(), word()];
      h.OtherInfo = { ...h.OtherInfo, Appendixes: [word()], Priority: rnd(5), Direction: rnd(2) === 1 };
      model.TraceHeaderList.Bussiness = { ...model.TraceHeaderList.Bussiness, BussinessDocReason: word(), StaffInfo: { Staff: word() } };
      const parsed = await parseEdxml(await buildDocumentPackage(model));
      if (parsed.kind !== 'document') throw new Error('document expected');
      const { DocumentId: _id, ...header } = parsed.package.MessageHeader;
      expect(header, `package ${i}`).to.deep.equal(model.MessageHeader);
      expect(parsed.package.TraceHeaderList).to.deep.equal(model.TraceHeaderList);
    }
  });

  it('builds the example JSON models shipped in test/fixtures/edxml/models', async function () {
    const dir = path.join(repoRoot, 'test/fixtures/edxml/models');
    const docModel = JSON.parse(readFileSync(path.join(dir, 'document.json'), 'utf8'));
    docModel.Attachments = docModel.Attachments.map((a: { File: string; AttachmentName: string }) => ({
      AttachmentName: a.AttachmentName,
      Content: readFileSync(path.join(dir, a.File)),
    }));
    const parsed = await parseEdxml(await buildDocumentPackage(docModel));
    expect(parsed.warnings).to.deep.equal([]);
    const statusModel = JSON.parse(readFileSync(path.join(dir, 'status-03.json'), 'utf8'));
    const status = await parseEdxml(buildStatusPackage({ MessageHeader: statusModel.MessageHeader }));
    expect(status.kind).to.equal('status');
  });

  it('writes CR LF and lone CR in text as LF so that values survive the trip', async function () {
    const model = sampleDocument();
    model.MessageHeader.Content = 'dòng 1\r\ndòng 2\rdòng 3';
    const parsed = await parseEdxml(await buildDocumentPackage(model));
    if (parsed.kind !== 'document') throw new Error('document expected');
    expect(parsed.package.MessageHeader.Content).to.equal('dòng 1\ndòng 2\ndòng 3');
  });

  it('refuses control characters that XML 1.0 cannot carry', async function () {
    const model = sampleDocument();
    model.MessageHeader.Subject = 'Trích yếu\u0007';
    expect((await refusal(buildDocumentPackage(model))).message).to.contain('ký tự điều khiển');
  });
});
