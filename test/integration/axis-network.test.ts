// The test network of issue 5 item 9: four nodes (Văn phòng Chính phủ, province, district,
// commune), each its own process, database and port on 127.0.0.1.
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { CODES, testPortBase, writeNetwork, type NodeName } from '../fixtures/axis/network.ts';
import { actorFor, clerkOf, clientContext, createNodeDatabases, issueAndRelease, nodeProcess, registerCopy, waitFor, type RunningNode } from '../fixtures/axis/harness.ts';
import { performAction } from '../../server/services/document-actions.ts';

const NAMES: NodeName[] = ['vpcp', 'province', 'district', 'commune'];

describe('axis: four nodes exchange documents, receipts and recalls (separate processes)', function () {
  this.timeout(180_000);
  let dir: string;
  let dbs: Awaited<ReturnType<typeof createNodeDatabases>> | null = null;
  const procs = {} as Record<NodeName, RunningNode>;
  const ctxs = {} as Record<NodeName, ReturnType<typeof clientContext>>;
  let pdf: Buffer;

  const copies = (name: NodeName, externalId: string) =>
    ctxs[name].db.selectFrom('document').selectAll().where('direction', '=', 'incoming').where('externalId', '=', externalId).execute();
  const recipients = (documentId: string) => ctxs.commune.db.selectFrom('documentRecipient').selectAll().where('documentId', '=', documentId).orderBy('agencyCode').execute();
  const externalIdOf = async (documentId: string) => (await ctxs.commune.db.selectFrom('axisOutbox').select('edxmlDocumentId').where('documentId', '=', documentId).executeTakeFirstOrThrow()).edxmlDocumentId!;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vanthu-axis-net-'));
    const nodes = writeNetwork(dir, testPortBase(0));
    // A scanned page (PNG): the leader's approval then needs no digital signature of a PDF draft.
    pdf = await readFile(path.join(process.cwd(), 'certs-sample/images/seal-uy-ban-nhan-dan-xa-hung-loc.png'));
    dbs = await createNodeDatabases(`vanthu_axis_${process.pid}`, NAMES);
    for (const name of NAMES) {
      const blobDir = path.join(dir, `blobs-${name}`);
      procs[name] = nodeProcess(nodes[name], { databaseUrl: dbs.urls[name]!, blobDir, logDir: path.join(dir, 'logs') });
      ctxs[name] = clientContext(dbs.urls[name]!, blobDir);
    }
    await Promise.all(NAMES.map((n) => procs[n].start()));
  });

  let failed = false;
  afterEach(function () {
    if (this.currentTest?.state === 'failed') failed = true;
  });

  after(async () => {
    await Promise.all(NAMES.map((n) => procs[n]?.kill()));
    // A failure in CI leaves nothing to read once the folder is gone: print the end of each node's log.
    if (failed) {
      for (const n of NAMES) {
        const log = await readFile(path.join(dir, 'logs', `${n}.log`), 'utf8').catch(() => '(no log)');
        console.log(`--- ${n}.log (last 40 lines)\n${log.split('\n').slice(-40).join('\n')}`);
      }
    }
    for (const n of NAMES) await ctxs[n]?.close();
    await dbs?.drop();
    if (process.env.AXIS_KEEP_LOGS) console.log(`axis network logs kept in ${dir}/logs`);
    else await rm(dir, { recursive: true, force: true });
  });

  it('delivers a commune document to the Government Office (3 hops) and to a commune of another district (2 hops), and the receipts flow back', async () => {
    const id = await issueAndRelease(ctxs.commune, { specialist: 'xa1.vanthu', head: 'xa1.truongphong', leader: 'xa1.lanhdao', clerk: 'xa1.vanthu', subject: 'Báo cáo tình hình triển khai chuyển đổi số cấp xã', externalCodes: [CODES.vpcp, CODES.otherCommune], pdf });
    const externalId = await externalIdOf(id);
    const firstCopy = (name: NodeName) => async () => (await copies(name, externalId))[0];
    const atVpcp = await waitFor('copy at VPCP', firstCopy('vpcp'));
    const atOther = await waitFor('copy at the other commune', firstCopy('province'));
    expect(atVpcp.state).to.equal('received');
    expect(atVpcp.source).to.equal('axis');
    expect(atVpcp.subject).to.equal('Báo cáo tình hình triển khai chuyển đổi số cấp xã');
    const files = await ctxs.vpcp.db.selectFrom('documentFile').select(['blobSha256', 'size']).where('documentId', '=', atVpcp.id).execute();
    expect(files).to.have.length(1);
    expect(Number(files[0]!.size)).to.equal(pdf.length);
    // The trace shows the three hops: commune → district → province → VPCP.
    const inbox = await ctxs.vpcp.db.selectFrom('axisInbox').selectAll().where('edxmlDocumentId', '=', externalId).where('businessType', '=', 'doc:0').executeTakeFirstOrThrow();
    expect((inbox.trace as { OrganId: string }[]).map((t) => t.OrganId)).to.deep.equal([CODES.commune1, CODES.district, CODES.province]);
    await waitFor('status 01 from both', async () => (await recipients(id)).every((r) => r.status === 'arrived'));

    await registerCopy(ctxs.vpcp, await actorFor(ctxs.vpcp, 'vpcp.vanthu'), atVpcp.id);
    await registerCopy(ctxs.province, await clerkOf(ctxs.province, CODES.otherCommune), atOther.id);
    const after = await waitFor('status 03 from both', async () => {
      const rs = await recipients(id);
      return rs.every((r) => r.status === 'registered') && rs;
    });
    expect(after.map((r) => r.remoteNumber)).to.deep.equal(['1', '1']);
  });

  it('recalls a document that was not registered yet: the copy is withdrawn and the sender sees 15', async () => {
    const id = await issueAndRelease(ctxs.commune, { specialist: 'xa1.vanthu', head: 'xa1.truongphong', leader: 'xa1.lanhdao', clerk: 'xa1.vanthu', subject: 'Công văn gửi nhầm cần thu hồi', externalCodes: [CODES.vpcp], pdf });
    const externalId = await externalIdOf(id);
    await waitFor('copy at VPCP', async () => (await copies('vpcp', externalId)).length);
    await waitFor('status 01', async () => (await recipients(id))[0]!.status === 'arrived');
    await performAction(ctxs.commune, await actorFor(ctxs.commune, 'xa1.vanthu'), id, 'recall', { reason: 'Gửi nhầm nơi nhận, đề nghị thu hồi' });
    const [r] = await waitFor('status 15', async () => {
      const rs = await recipients(id);
      return rs[0]!.status === 'recalled' && rs;
    });
    expect(r!.statusNote).to.match(/thu hồi/);
    const [copy] = await copies('vpcp', externalId);
    expect(copy!.state).to.equal('returned');
  });

  it('stores and forwards while the district node is down: everything arrives exactly once after it restarts', async () => {
    await procs.district.kill('SIGKILL');
    const a = await issueAndRelease(ctxs.commune, { specialist: 'xa1.vanthu', head: 'xa1.truongphong', leader: 'xa1.lanhdao', clerk: 'xa1.vanthu', subject: 'Văn bản gửi khi nút huyện mất kết nối (1)', externalCodes: [CODES.vpcp, CODES.otherCommune], pdf });
    const b = await issueAndRelease(ctxs.commune, { specialist: 'xa1.vanthu', head: 'xa1.truongphong', leader: 'xa1.lanhdao', clerk: 'xa1.vanthu', subject: 'Văn bản gửi khi nút huyện mất kết nối (2)', externalCodes: [CODES.vpcp], pdf });
    await waitFor('failed attempts at the commune', async () => {
      const rows = await ctxs.commune.db.selectFrom('axisOutbox').select(['attempts', 'state']).where('documentId', 'in', [a, b]).execute();
      return rows.length === 3 && rows.every((r) => r.state === 'pending' && r.attempts >= 1);
    });
    await procs.district.start();
    for (const id of [a, b]) {
      const externalId = await externalIdOf(id);
      await waitFor('arrival at VPCP', async () => (await copies('vpcp', externalId)).length === 1, 60_000);
      await waitFor('status 01 back at the commune', async () => (await recipients(id)).every((r) => r.status === 'arrived'), 60_000);
    }
    // Give redeliveries a chance to happen, then count: exactly one copy per recipient.
    await new Promise((r) => setTimeout(r, 1500));
    for (const id of [a, b]) {
      const externalId = await externalIdOf(id);
      expect(await copies('vpcp', externalId)).to.have.length(1);
    }
    expect(await copies('province', await externalIdOf(a))).to.have.length(1);
    const dupInbox = await ctxs.vpcp.db
      .selectFrom('axisInbox')
      .select(['edxmlDocumentId', 'businessType'])
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .groupBy(['edxmlDocumentId', 'businessType', 'senderCode', 'recipientCode'])
      .having((eb) => eb.fn.countAll(), '>', 1)
      .execute();
    expect(dupInbox).to.deep.equal([]);
  });
});
