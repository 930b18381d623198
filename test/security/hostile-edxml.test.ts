// edXML kinds the hostile suite of the edXML module (test/unit/axis/edxml-hostile.test.ts: XXE,
// billion laughs, wrong namespace, missing fields, huge Base64, broken zips, zip bombs — about 80
// cases, reused there, not repeated here) does not cover: paths inside the attachment zip, a path in
// the attachment's name, XInclude and an external stylesheet. None may reach the file system or the
// network.
import { expect } from 'chai';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import { AppError } from '../../server/errors.ts';
import { buildDocumentPackage, parseEdxml } from '../../server/axis/edxml/index.ts';
import { safeFileName } from '../../server/services/file.service.ts';
import { sampleDocument } from '../unit/axis/edxml-samples.ts';
import { VIETNAMESE } from './hostile-corpus.ts';

/** A one-entry zip (stored, no compression) whose entry may have any name — zip tools refuse to write these. */
function storedZip(name: string, data: Buffer): string {
  const n = Buffer.from(name);
  const crc = crc32(data) >>> 0;
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(n.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(n.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(46 + n.length, 12);
  end.writeUInt32LE(30 + n.length + data.length, 16);
  return Buffer.concat([local, n, data, central, n, end]).toString('base64');
}

const attachment = (name: string, base64: string) =>
  `<Attachment><ContentId>cid:1</ContentId><AttachmentName>${name}</AttachmentName><ContentType>application/pdf</ContentType>` +
  `<edXML:ContentTransferEncoded xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">${base64}</edXML:ContentTransferEncoded></Attachment>`;

describe('edXML packages with paths and external references', function () {
  let doc: string;
  const pdf = Buffer.from('%PDF-1.7 tệp thử');
  const withAttachment = (inner: string) => {
    const out = doc.replace(/<AttachmentEncoded>[\s\S]*<\/AttachmentEncoded>/, `<AttachmentEncoded>${inner}</AttachmentEncoded>`);
    expect(out).to.not.equal(doc);
    return out;
  };
  before(async () => {
    doc = await buildDocumentPackage(sampleDocument());
  });

  it('accepts a zip built the same way with a plain entry name (so the refusals below are about the names)', async () => {
    const r = await parseEdxml(withAttachment(attachment('a.pdf', storedZip('a.pdf', pdf))));
    expect(r.attachments).to.have.length(1);
  });

  for (const entry of ['../../../../tmp/vanthu-zip-slip.pdf', '/etc/cron.d/vanthu', '..\\..\\vanthu.pdf', 'a/../../vanthu.pdf']) {
    it(`refuses a zip whose entry is named ${entry} (zip slip)`, async () => {
      let error: unknown;
      try {
        await parseEdxml(withAttachment(attachment('a.pdf', storedZip(entry, pdf))));
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(AppError);
      expect((error as AppError).message).to.match(VIETNAMESE);
    });
  }

  it('keeps only a safe base name when the attachment is named ../../etc/passwd', async () => {
    const r = await parseEdxml(withAttachment(attachment('../../etc/passwd', storedZip('a.pdf', pdf))));
    const a = r.attachments[0] as { AttachmentName?: string; fileName?: string };
    // The receiving service stores `AttachmentName || fileName` through safeFileName (axis.service.ts).
    const stored = safeFileName(a.AttachmentName || a.fileName || '');
    expect(stored).to.equal('passwd');
  });

  it('does not expand an XInclude of a local file', async () => {
    const r = await parseEdxml(doc.replace('<edXML:Subject>', '<edXML:Subject><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" parse="text"/>'));
    expect(JSON.stringify(r)).to.not.match(/root:|daemon:/);
  });

  it('neither fetches an external stylesheet nor an external DTD of the attacker', async () => {
    let hits = 0;
    const server = createServer((_req, res) => {
      hits++;
      res.end('<!ENTITY x "y">');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const r = await parseEdxml(doc.replace('<edXML ', `<?xml-stylesheet type="text/xsl" href="${url}/x.xsl"?><edXML `));
      expect(r.kind).to.equal('document');
      await parseEdxml(doc.replace('<edXML ', `<!DOCTYPE edXML SYSTEM "${url}/x.dtd"><edXML `)).catch((e: unknown) => expect(e).to.be.instanceOf(AppError));
      await new Promise((r) => setTimeout(r, 200));
      expect(hits).to.equal(0);
    } finally {
      server.close();
    }
  });
});
