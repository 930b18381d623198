// Every official sample package (QCVN 102:2016 SDK) must parse, with its quirks reported as warnings.
import { expect } from 'chai';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseEdxml, type ParsedEdxml } from '../../../server/axis/edxml/index.ts';
import { corpusAvailable, corpusDir } from './edxml-samples.ts';

describe('edXML official sample packages', function () {
  before(function () {
    if (!corpusAvailable) {
      process.stdout.write(`  (bỏ qua: không có thư mục mẫu ${corpusDir})\n`);
      this.skip();
    }
  });

  const load = (name: string): Promise<ParsedEdxml> => parseEdxml(readFileSync(path.join(corpusDir, name)));

  it('parses all thirteen sample packages', async function () {
    const files = readdirSync(corpusDir).filter((f) => f.endsWith('.edxml'));
    expect(files).to.have.length(13);
    for (const f of files) {
      const parsed = await load(f);
      expect(parsed.kind, f).to.equal(f.startsWith('status_') ? 'status' : 'document');
    }
  });

  it('reads the header of a new document as the package names it', async function () {
    const p = await load('edoc_new.edxml');
    if (p.kind !== 'document') throw new Error('expected a document');
    const h = p.package.MessageHeader;
    expect(h.From.OrganId).to.equal('002.00.20.H13');
    expect(h.To.map((t) => t.OrganId)).to.deep.equal(['28.22.H17']);
    expect(h.DocumentId).to.equal('000.00.00.G22,2015/09/30,7816/VPCP-TTĐT');
    expect(h.Code).to.deep.equal({ CodeNumber: '74fass22', CodeNotation: 'VPCP-TTĐT' });
    expect(h.PromulgationInfo).to.deep.equal({ Place: 'Hà Nội', PromulgationDate: '2019/01/16' });
    expect(h.DocumentType).to.deep.equal({ Type: 1, TypeDetail: 0, TypeName: 'Công văn' });
    expect(h.Subject).to.equal('V/v kết nối, liên thông phần mềm quản lý văn bản');
    expect(h.SignerInfo?.FullName).to.equal('Nguyen Thanh Phuc');
    expect(h.DueDate).to.equal('2018/09/28');
    expect(h.OtherInfo).to.deep.include({ Priority: 0, PromulgationAmount: 2, PageAmount: 22, Direction: false });
    expect(h.OtherInfo?.Appendixes).to.have.length(1);
    expect(h.SteeringType).to.equal(1);
    expect(h.ToPlaces).to.deep.equal(['Cac bo va co quan ngang bo', 'Uy ban nhan dan cac tinh, TP']);
    expect(p.package.TraceHeaderList.TraceHeader).to.deep.equal([{ OrganId: '000.00.00.G22', Timestamp: '2018/09/28 00:00:00' }]);
    expect(p.package.TraceHeaderList.Bussiness).to.deep.include({ BussinessDocType: 0, Paper: 0 });
    expect(p.package.TraceHeaderList.Bussiness.StaffInfo?.Staff).to.equal('Nguyễn Thị Ngọc Trâm');
  });

  it('tolerates the stray bytes before <?xml, the impossible date 2014/02/30 and a non-numeric CodeNumber, with warnings', async function () {
    const p = await load('edoc_new.edxml');
    const codes = p.warnings.map((w) => w.code);
    expect(codes).to.include.members(['stray_bytes', 'invalid_date', 'non_numeric', 'legacy_signature']);
    const bad = p.warnings.find((w) => w.code === 'invalid_date');
    expect(bad?.raw).to.equal('2014/02/30');
    if (p.kind !== 'document') throw new Error('expected a document');
    expect(p.package.TraceHeaderList.Bussiness.DocumentId).to.equal('000.00.00.G22,2014/02/30,7806/VPCP-TTĐT');
  });

  it('decodes and unzips the attachment and reports its name, type, size and SHA-256', async function () {
    const p = await load('edoc_new.edxml');
    expect(p.attachments).to.have.length(1);
    const a = p.attachments[0]!;
    expect(a).to.deep.include({
      ContentId: 'cid:209',
      AttachmentName: '1896_QD-TTg_m_294779.doc',
      ContentType: 'application/zip',
      fileContentType: 'application/msword',
      size: 388347,
    });
    expect(a.sha256).to.match(/^[0-9a-f]{64}$/);
    expect(a.content).to.equal(undefined);
    const withContent = await parseEdxml(readFileSync(path.join(corpusDir, 'edoc_new.edxml')), { includeContent: true });
    expect(withContent.attachments[0]!.content?.length).to.equal(388347);
  });

  it('reads the revocation, update and replacement business blocks', async function () {
    const rev = await load('edoc_revocation.edxml');
    const upd = await load('edoc_update.edxml');
    const rep = await load('edoc_replacement.edxml');
    if (rev.kind !== 'document' || upd.kind !== 'document' || rep.kind !== 'document') throw new Error('documents');
    expect(rev.package.TraceHeaderList.Bussiness.BussinessDocType).to.equal(1);
    expect(rev.package.MessageHeader.ResponseFor).to.deep.equal([
      {
        OrganId: '000.00.00.H14',
        Code: '267/VPCP-TTĐT',
        DocumentId: '000.00.04.G14,2012/08/06,267/VPCP-TTĐT',
        PromulgationDate: '2018/09/28',
      },
    ]);
    expect(upd.package.TraceHeaderList.Bussiness.BussinessDocType).to.equal(2);
    expect(upd.package.TraceHeaderList.Bussiness.BussinessDocumentInfo).to.deep.equal({
      DocumentInfo: 1,
      DocumentReceiver: 1,
      ReceiverList: [
        { OrganId: '000.00.00.H41', ReceiverType: 0 },
        { OrganId: '000.00.00.H14', ReceiverType: 1 },
      ],
    });
    expect(rep.package.TraceHeaderList.Bussiness.BussinessDocType).to.equal(3);
    expect(rep.package.TraceHeaderList.Bussiness.ReplacementInfoList).to.have.length(2);
    expect(rep.package.TraceHeaderList.Bussiness.ReplacementInfoList![0]).to.deep.equal({
      DocumentId: '000.00.00.G22,2014/01/30,7806/VPCP-TTĐT',
      OrganIdList: ['000.00.00.H41', '000.00.00.H14'],
    });
    expect(rep.package.MessageHeader.To).to.have.length(3);
  });

  it('reads every status code of the samples with its sender, document and timestamp', async function () {
    const expected: Record<string, string> = {
      'status_inbox_01.edxml': '01',
      'status_rejection_02.edxml': '02',
      'status_acceptance_03.edxml': '03',
      'status_assignment_04.edxml': '04',
      'status_processing_05.edxml': '05',
      'status_finish_06.edxml': '06',
      'status_cancellation_13.edxml': '13',
      'status_change-acceptance_15.edxml': '15',
      'status_change-rejection_16.edxml': '16',
    };
    for (const [file, code] of Object.entries(expected)) {
      const p = await load(file);
      if (p.kind !== 'status') throw new Error(`${file} should be a status package`);
      const h = p.package.MessageHeader;
      expect(h.StatusCode, file).to.equal(code);
      expect(h.ResponseFor.DocumentId).to.equal('000.00.00.G22,2015/09/30,7816/VPCP-TTĐT');
      expect(h.Timestamp).to.equal('2015/09/20 11:08:36');
      expect(h.From.OrganId).to.match(/^000\.00\.00\.(H41|G22)$/);
      expect(h.StaffInfo?.Staff).to.equal('Nguyen thi ngoc tram');
      expect(p.warnings, file).to.deep.equal([]);
    }
  });
});
