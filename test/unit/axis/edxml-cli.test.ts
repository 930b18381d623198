// `vanthu edxml parse|build|verify`, run as the administrators run it: ./bin/vanthu.mjs from sources.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { corpusAvailable, corpusDir, repoRoot, sampleDocument, samplePdf, sampleStatus } from './edxml-samples.ts';
import { makeIdentity } from './edxml-test-pki.ts';

function vanthu(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin/vanthu.mjs'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, VANTHU_FROM_SOURCE: '1' },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('vanthu edxml (CLI)', function () {
  this.timeout(120_000);
  let dir: string;

  before(function () {
    dir = mkdtempSync(path.join(tmpdir(), 'vanthu-edxml-'));
    const agency = makeIdentity({ commonName: 'UBND Tỉnh Nghệ An' });
    writeFileSync(path.join(dir, 'key.pem'), agency.keyPem);
    writeFileSync(path.join(dir, 'cert.pem'), agency.certPem);
    writeFileSync(path.join(dir, 'quyet-dinh.pdf'), samplePdf(20_000));
    const { Attachments: _ignored, ...rest } = sampleDocument();
    const model = { ...rest, Attachments: [{ AttachmentName: '05_QĐ-UBND.pdf', Description: 'Quyết định', File: 'quyet-dinh.pdf' }] };
    writeFileSync(path.join(dir, 'model.json'), JSON.stringify(model, null, 2));
    writeFileSync(path.join(dir, 'status.json'), JSON.stringify({ kind: 'status', ...sampleStatus('01') }));
  });

  after(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds and signs a package from a JSON model, then verifies and parses it', function () {
    const out = path.join(dir, 'out.edxml');
    const built = vanthu('edxml', 'build', '--from-json', path.join(dir, 'model.json'), '--out', out,
      '--sign-key', path.join(dir, 'key.pem'), '--sign-cert', path.join(dir, 'cert.pem'));
    expect(built.code, built.stderr).to.equal(0);
    expect(built.stdout).to.contain('đã ký');

    const verified = vanthu('edxml', 'verify', '--in', out, '--trust-root', path.join(dir, 'cert.pem'));
    expect(verified.code, verified.stderr).to.equal(0);
    expect(verified.stdout).to.match(/^Hợp lệ/);
    expect(verified.stdout).to.contain('CN=UBND Tỉnh Nghệ An');

    const parsed = vanthu('edxml', 'parse', '--in', out, '--json');
    expect(parsed.code, parsed.stderr).to.equal(0);
    const report = JSON.parse(parsed.stdout);
    expect(report.MessageHeader.Code).to.deep.equal({ CodeNumber: '05', CodeNotation: 'QĐ-UBND' });
    expect(report.MessageHeader.Subject).to.contain('chuyển đổi số');
    expect(report.businessType).to.deep.equal({ code: 0, name: 'new', label: 'Văn bản mới' });
    expect(report.TraceHeaderList.TraceHeader[0].OrganId).to.equal('000.00.00.H41');
    expect(report.attachments[0]).to.deep.include({ AttachmentName: '05_QĐ-UBND.pdf', fileContentType: 'application/pdf', size: 20_000 });
    expect(report.attachments[0].sha256).to.match(/^[0-9a-f]{64}$/);
    expect(report.signature.xmldsig).to.equal(true);
    expect(report.warnings).to.deep.equal([]);

    writeFileSync(path.join(dir, 'tampered.edxml'), readFileSync(out, 'utf8').replace('QĐ-UBND</edXML:CodeNotation>', 'QĐ-UB</edXML:CodeNotation>'));
    const tampered = vanthu('edxml', 'verify', '--in', path.join(dir, 'tampered.edxml'));
    expect(tampered.code).to.equal(1);
    expect(tampered.stdout).to.contain('KHÔNG hợp lệ');
  });

  it('builds an unsigned status package from JSON', function () {
    const out = path.join(dir, 'status.edxml');
    const r = vanthu('edxml', 'build', '--from-json', path.join(dir, 'status.json'), '--out', out);
    expect(r.code, r.stderr).to.equal(0);
    const parsed = JSON.parse(vanthu('edxml', 'parse', '--in', out, '--json').stdout);
    expect(parsed.status).to.deep.equal({ code: '01', label: 'Đã đến' });
  });

  it('prints the corpus package fields and warnings, and exits non-zero with a Vietnamese message on a refused package', function () {
    if (corpusAvailable) {
      const r = vanthu('edxml', 'parse', '--in', path.join(corpusDir, 'edoc_new.edxml'), '--json');
      expect(r.code).to.equal(0);
      const report = JSON.parse(r.stdout);
      expect(report.MessageHeader.Code.CodeNumber).to.equal('74fass22');
      expect(report.warnings.map((w: { code: string }) => w.code)).to.include('stray_bytes');
    }
    const refused = vanthu('edxml', 'parse', '--in', path.join(repoRoot, 'test/fixtures/edxml/hostile/xxe-file.edxml'), '--json');
    expect(refused.code).to.not.equal(0);
    expect(refused.stdout).to.equal('');
    expect(refused.stderr).to.contain('DOCTYPE');
  });

  it('refuses an invalid JSON model with the list of problems', function () {
    writeFileSync(path.join(dir, 'bad.json'), JSON.stringify({ ...sampleDocument(), Attachments: [], MessageHeader: { ...sampleDocument().MessageHeader, Subject: '' } }));
    const r = vanthu('edxml', 'build', '--from-json', path.join(dir, 'bad.json'), '--out', path.join(dir, 'bad.edxml'));
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.contain('MessageHeader/Subject');
  });
});
