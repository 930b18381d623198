// `vanthu edxml build --document ID` and `vanthu axis status|sweep`, run as administrators run them.
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { expect } from 'chai';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { issueAndRelease, repoRoot } from '../fixtures/axis/harness.ts';
import { parseEdxml } from '../../server/axis/edxml/index.ts';

describe('axis: command line on a real database', function () {
  this.timeout(120_000);
  let t: TestApp;
  let dir: string;
  const vanthu = (...args: string[]) =>
    spawnSync(process.execPath, [path.join(repoRoot, 'bin/vanthu.mjs'), ...args], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, DATABASE_URL: t.tdb.url, LOG_LEVEL: 'silent', BLOB_DIR: t.ctx.config.blobDir, REDIS_URL: '' } });

  before(async () => {
    t = await createTestApp();
    dir = await mkdtemp(path.join(os.tmpdir(), 'vanthu-axis-cli-'));
  });
  after(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('builds the edXML package of an outgoing document from the database, and reports the queue', async () => {
    const scan = await readFile(path.join(repoRoot, 'certs-sample/images/seal-uy-ban-nhan-dan-xa-hung-loc.png'));
    const id = await issueAndRelease(t.ctx, { specialist: 'xa1.vanthu', head: 'xa1.truongphong', leader: 'xa1.lanhdao', clerk: 'xa1.vanthu', subject: 'Công văn xuất ra gói tin từ cơ sở dữ liệu', externalCodes: ['000.00.00.G22'], pdf: scan });
    const out = path.join(dir, 'doc.edxml');
    const r = vanthu('edxml', 'build', '--document', id, '--out', out);
    expect(r.status, r.stderr + r.stdout).to.equal(0);
    const parsed = await parseEdxml(await readFile(out));
    expect(parsed.kind).to.equal('document');
    if (parsed.kind !== 'document') return;
    expect(parsed.package.MessageHeader.From.OrganId).to.equal('000.01.31.H41');
    expect(parsed.package.MessageHeader.To.map((x) => x.OrganId)).to.deep.equal(['000.00.00.G22']);
    expect(parsed.package.MessageHeader.Subject).to.equal('Công văn xuất ra gói tin từ cơ sở dữ liệu');
    expect(parsed.attachments).to.have.length(1);

    const s = vanthu('axis', 'status', '--json');
    expect(s.status, s.stderr).to.equal(0);
    const counts = JSON.parse(s.stdout) as { outbox: { kind: string; state: string; n: number }[] };
    expect(counts.outbox).to.deep.include({ kind: 'document', state: 'pending', n: 1 });
    const bad = vanthu('edxml', 'build', '--document', '99999999', '--out', path.join(dir, 'x.edxml'));
    expect(bad.status).to.not.equal(0);
    expect(bad.stderr + bad.stdout).to.match(/Không tìm thấy văn bản/);
  });
});
