// The second connector (issue 5 item 8): two nodes that reach each other only through a national
// axis / provincial LGSP hub — a real HTTP server (test/fixtures/axis/fake-lgsp.ts) that keeps
// messages until they are fetched. The commune posts with sendEdoc, Văn phòng Chính phủ polls with
// getReceivedEdocList + getEdoc through the poll job's function, stores the package through the
// same receiving path as a node-to-node arrival and only then marks it received (updateStatus);
// its status packages go back through updateStatus and are polled by the commune.
import os from 'node:os';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { expect } from 'chai';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { CODES, writeNetwork } from '../fixtures/axis/network.ts';
import { actorFor, issueAndRelease, registerCopy, repoRoot, waitFor } from '../fixtures/axis/harness.ts';
import { startFakeLgsp, type FakeLgsp } from '../fixtures/axis/fake-lgsp.ts';
import { parseAxisNodeConfig, type AxisNode } from '../../server/axis/node-config.ts';
import { createDatabase, createPool } from '../../server/db/database.ts';
import { setAxisNode } from '../../server/axis/axis-node.ts';
import { signLgsp } from '../../server/axis/lgsp/lgsp-protocol.ts';
import { deliverOutbox } from '../../server/services/axis.service.ts';
import { pollPullPeers } from '../../server/services/axis-pull.service.ts';
import type { AppContext } from '../../server/app-context.ts';

const VPCP_SECRET = 'bí-mật-vpcp-7d1c2e9a4b';
const COMMUNE_SECRET = 'bi-mat-xa-hung-loc-31f0a8';
const COMMUNE_SECRET_ENV = 'VANTHU_TEST_LGSP_SECRET_XA';

describe('axis: national axis / LGSP connector (fake hub over HTTP, real PostgreSQL)', function () {
  this.timeout(120_000);
  let dir: string;
  let lgsp: FakeLgsp;
  let commune: TestApp;
  let vpcp: TestApp;
  let pdf: Buffer;
  let vpcpNode: AxisNode;
  const who = { specialist: 'xa1.vanthu', head: 'xa1.truongphong', leader: 'xa1.lanhdao', clerk: 'xa1.vanthu' };

  /** Every due outbox row of a node, one delivery attempt each (what the 'axis.deliver' jobs do). */
  const flush = async (ctx: AppContext) => {
    const rows = await ctx.db.selectFrom('axisOutbox').select('id').where('state', '=', 'pending').orderBy('id').execute();
    const out: string[] = [];
    for (const r of rows) {
      await ctx.db.updateTable('axisOutbox').set({ nextAttemptAt: new Date() }).where('id', '=', r.id).execute();
      out.push(await deliverOutbox(ctx, r.id));
    }
    return out;
  };
  const outboxOf = (ctx: AppContext, documentId: string) => ctx.db.selectFrom('axisOutbox').selectAll().where('documentId', '=', documentId).where('kind', '=', 'document').executeTakeFirstOrThrow();
  const recipientOf = (documentId: string) => commune.ctx.db.selectFrom('documentRecipient').selectAll().where('documentId', '=', documentId).executeTakeFirstOrThrow();
  const copiesAtVpcp = (edxmlDocumentId: string) => vpcp.ctx.db.selectFrom('document').selectAll().where('externalId', '=', edxmlDocumentId).execute();
  const release = (subject: string) => issueAndRelease(commune.ctx, { ...who, subject, externalCodes: [CODES.vpcp], pdf });

  before(async function () {
    // Nine RSA keys, two migrated and seeded databases: minutes when the machine is shared.
    this.timeout(600_000);
    dir = await mkdtemp(path.join(os.tmpdir(), 'vanthu-axis-lgsp-'));
    pdf = await readFile(path.join(repoRoot, 'certs-sample/images/seal-uy-ban-nhan-dan-xa-hung-loc.png'));
    const nodes = writeNetwork(dir, 4190);
    lgsp = await startFakeLgsp([
      { systemId: 'vanthu.vpcp', secret: VPCP_SECRET, codes: [CODES.vpcp] },
      { systemId: 'vanthu.xa-hung-loc', secret: COMMUNE_SECRET, codes: [CODES.commune1] },
    ]);
    // The two ways of giving the secret: a file beside the configuration, an environment variable.
    writeFileSync(path.join(dir, 'vpcp.lgsp.secret'), `${VPCP_SECRET}\n`);
    process.env[COMMUNE_SECRET_ENV] = COMMUNE_SECRET;
    const hub = (lgspSettings: Record<string, unknown>) => ({ nodeId: 'lgsp', url: lgsp.url, connector: 'lgsp', lgsp: { pollEveryMs: 1000, ...lgspSettings } });
    [commune, vpcp] = await Promise.all([createTestApp(), createTestApp()]);
    setAxisNode(commune.ctx, parseAxisNodeConfig({ ...nodes.commune.config, parent: hub({ systemId: 'vanthu.xa-hung-loc', secretEnv: COMMUNE_SECRET_ENV }) }, dir));
    vpcpNode = parseAxisNodeConfig({ ...nodes.vpcp.config, children: [], parent: hub({ systemId: 'vanthu.vpcp', secretPath: 'vpcp.lgsp.secret' }) }, dir);
    setAxisNode(vpcp.ctx, vpcpNode);
  });

  after(async () => {
    await lgsp?.stop();
    await commune?.close();
    await vpcp?.close();
    delete process.env[COMMUNE_SECRET_ENV];
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a node configuration whose LGSP peer has no secret source or two', () => {
    const base = { nodeId: 'x', organId: CODES.vpcp, agencies: [CODES.vpcp], nodeKeyPath: 'vpcp.node.key.pem', nodeCertPath: 'vpcp.node.pem', signing: { keyPath: 'vpcp.agency.key.pem', certPath: 'vpcp.agency.pem' }, trustRootPaths: ['root.pem'] };
    const peer = (lgspSettings: Record<string, unknown>) => ({ ...base, parent: { nodeId: 'lgsp', url: 'http://127.0.0.1:1/', connector: 'lgsp', lgsp: { systemId: 's', ...lgspSettings } } });
    expect(() => parseAxisNodeConfig(peer({}), dir)).to.throw(/secretEnv hoặc secretPath/);
    expect(() => parseAxisNodeConfig(peer({ secretEnv: 'A', secretPath: 'b' }), dir)).to.throw(/secretEnv hoặc secretPath/);
    expect(() => parseAxisNodeConfig({ ...base, parent: { nodeId: 'p', url: 'http://127.0.0.1:1/' } }, dir)).to.throw(/certPath/);
  });

  it('carries a document through the hub to a node that polls it, and its receipts back through updateStatus', async () => {
    const id = await release('Báo cáo chuyển đổi số gửi qua trục liên thông quốc gia');
    expect(await flush(commune.ctx)).to.deep.equal(['sent']);
    const sent = await outboxOf(commune.ctx, id);
    expect(sent.state).to.equal('sent');
    const msg = lgsp.messages.find((m) => `lgsp:${m.id}` === sent.receiptId)!;
    expect(msg).to.include({ messagetype: 'edoc', from: CODES.commune1, to: CODES.vpcp, sender: 'vanthu.xa-hung-loc', recipient: 'vanthu.vpcp', state: 'waiting' });

    const polled = await pollPullPeers(vpcp.ctx);
    expect(polled).to.include({ peers: 1, stored: 1, failed: 0 });
    const inbox = await vpcp.ctx.db.selectFrom('axisInbox').selectAll().where('edxmlDocumentId', '=', sent.edxmlDocumentId!).executeTakeFirstOrThrow();
    expect(inbox).to.include({ senderCode: CODES.commune1, recipientCode: CODES.vpcp, fromNode: 'lgsp', businessType: 'doc:0' });
    // Marked received on the hub only now, with our receipt id; the next poll finds nothing.
    expect(msg).to.include({ state: 'done', description: inbox.receiptId });
    expect(await pollPullPeers(vpcp.ctx)).to.include({ stored: 0, refused: 0, failed: 0 });
    const copy = await waitFor('the incoming copy at Văn phòng Chính phủ', async () => (await copiesAtVpcp(sent.edxmlDocumentId!))[0]);
    expect(copy).to.include({ direction: 'incoming', state: 'received', source: 'axis', issuerCode: CODES.commune1 });

    // Status 01 leaves Văn phòng Chính phủ as soon as the package is stored: a status package posted to updateStatus.
    await waitFor('status 01 on the hub', async () => lgsp.messages.find((m) => m.messagetype === 'status' && m.to === CODES.commune1 && m.state === 'waiting'));
    expect(await pollPullPeers(commune.ctx)).to.include({ stored: 1, failed: 0 });
    await waitFor('recipient arrived', async () => (await recipientOf(id)).status === 'arrived');

    await registerCopy(vpcp.ctx, await actorFor(vpcp.ctx, 'vpcp.vanthu'), copy.id);
    expect(await flush(vpcp.ctx)).to.include('sent');
    expect(await pollPullPeers(commune.ctx)).to.include({ stored: 1, failed: 0 });
    const r = await waitFor('recipient registered', async () => {
      const row = await recipientOf(id);
      return row.status === 'registered' && row;
    });
    const registered = (await copiesAtVpcp(sent.edxmlDocumentId!))[0]!;
    expect(r.remoteNumber).to.equal(String(registered.bookNumber));
    expect(lgsp.messages.filter((m) => m.state === 'waiting')).to.deep.equal([]);
  });

  it('stores a package the hub delivers twice once, and marks both copies received with the same receipt', async () => {
    const id = await release('Công văn hub giao hai lần');
    expect(await flush(commune.ctx)).to.deep.equal(['sent']);
    const sent = await outboxOf(commune.ctx, id);
    const first = lgsp.messages.find((m) => `lgsp:${m.id}` === sent.receiptId)!;
    const second = lgsp.duplicate(first.id);
    expect(await pollPullPeers(vpcp.ctx)).to.include({ stored: 2, failed: 0 });
    const rows = await vpcp.ctx.db.selectFrom('axisInbox').selectAll().where('edxmlDocumentId', '=', sent.edxmlDocumentId!).execute();
    expect(rows).to.have.length(1);
    expect(first).to.include({ state: 'done', description: rows[0]!.receiptId });
    expect(second).to.include({ state: 'done', description: rows[0]!.receiptId });
    await waitFor('the copy', async () => (await copiesAtVpcp(sent.edxmlDocumentId!)).length === 1);
    // Processing a second time (job + sweep) creates nothing more; one status 01 only.
    const statuses = await vpcp.ctx.db.selectFrom('axisOutbox').select('statusCode').where('edxmlDocumentId', '=', sent.edxmlDocumentId!).where('kind', '=', 'status').execute();
    expect(statuses.map((s) => s.statusCode)).to.deep.equal(['01']);
    expect(await copiesAtVpcp(sent.edxmlDocumentId!)).to.have.length(1);
  });

  it('the hub refuses requests with a wrong HMAC, a stale timestamp or a replayed signature', async () => {
    const body = JSON.stringify({ service: 'getReceivedEdocList', servicetype: 'eDoc', messagetype: 'edoc', pageSize: 10 });
    const post = (headers: Record<string, string>) => fetch(`${lgsp.url}getReceivedEdocList`, { method: 'POST', headers, body });
    const wrong = await post({ ...signLgsp('khong-dung-bi-mat', 'vanthu.vpcp', body) });
    expect(wrong.status).to.equal(401);
    expect(((await wrong.json()) as { ErrorDesc: string }).ErrorDesc).to.match(/Chữ ký HMAC không hợp lệ/);
    const stale = await post({ ...signLgsp(VPCP_SECRET, 'vanthu.vpcp', body, new Date(Date.now() - 10 * 60_000)) });
    expect(stale.status).to.equal(401);
    expect(((await stale.json()) as { ErrorDesc: string }).ErrorDesc).to.match(/lệch quá giới hạn/);
    const good = signLgsp(VPCP_SECRET, 'vanthu.vpcp', body);
    expect((await post({ ...good })).status).to.equal(200);
    expect((await post({ ...good })).status).to.equal(401);
  });

  it('refuses answers of the hub with a wrong HMAC or a stale timestamp: nothing stored, nothing acknowledged, fetched later', async () => {
    const id = await release('Công văn khi trục trả lời sai chữ ký');
    lgsp.answers.badSignature = true;
    // The hub stored the package but its answer cannot be trusted: the row stays pending, retried.
    expect(await flush(commune.ctx)).to.deep.equal(['retry']);
    const row = await outboxOf(commune.ctx, id);
    expect(row).to.include({ state: 'pending', attempts: 1 });
    expect(row.lastError).to.match(/không được chấp nhận: Chữ ký HMAC không hợp lệ/);
    expect(await pollPullPeers(vpcp.ctx)).to.include({ stored: 0, failed: 1 });
    lgsp.answers.badSignature = false;
    lgsp.answers.staleBy = 10 * 60_000;
    expect(await pollPullPeers(vpcp.ctx)).to.include({ stored: 0, failed: 1 });
    expect(await copiesAtVpcp(row.edxmlDocumentId!)).to.have.length(0);
    const waiting = lgsp.messages.filter((m) => m.state === 'waiting' && m.recipient === 'vanthu.vpcp');
    expect(waiting).to.have.length(1);
    lgsp.answers.staleBy = 0;
    // The retry posts the package again (the hub now holds two); the receiver keeps one.
    expect(await flush(commune.ctx)).to.deep.equal(['sent']);
    expect(await pollPullPeers(vpcp.ctx)).to.include({ stored: 2, failed: 0 });
    await waitFor('one copy', async () => (await copiesAtVpcp(row.edxmlDocumentId!)).length === 1);
    expect(await vpcp.ctx.db.selectFrom('axisInbox').select('id').where('edxmlDocumentId', '=', row.edxmlDocumentId!).execute()).to.have.length(1);
  });

  it('with the hub down, sending is retried and polling fails harmlessly; everything arrives once it is back', async () => {
    await lgsp.stop();
    const id = await release('Công văn gửi khi trục mất kết nối');
    expect(await flush(commune.ctx)).to.deep.equal(['retry']);
    const row = await outboxOf(commune.ctx, id);
    expect(row).to.include({ state: 'pending', attempts: 1 });
    expect(row.lastError).to.match(/Không kết nối được trục lgsp/);
    expect(await pollPullPeers(vpcp.ctx)).to.include({ stored: 0, failed: 1 });
    await lgsp.start();
    expect(await flush(commune.ctx)).to.deep.equal(['sent']);
    expect(await pollPullPeers(vpcp.ctx)).to.include({ stored: 1, failed: 0 });
    await waitFor('the copy', async () => (await copiesAtVpcp(row.edxmlDocumentId!)).length === 1);
    // The secrets never reach a stored error or a refusal reason.
    const errors = await commune.ctx.db.selectFrom('axisOutbox').select('lastError').execute();
    for (const e of [...errors.map((x) => x.lastError ?? ''), ...lgsp.requests.map((x) => x.reason ?? '')]) {
      expect(e).to.not.include(VPCP_SECRET);
      expect(e).to.not.include(COMMUNE_SECRET);
    }
  });

  it('does not acknowledge a package it could not store (database unreachable): the hub offers it again', async () => {
    const id = await release('Công văn khi cơ sở dữ liệu nơi nhận không truy cập được');
    expect(await flush(commune.ctx)).to.deep.equal(['sent']);
    const sent = await outboxOf(commune.ctx, id);
    const msg = lgsp.messages.find((m) => `lgsp:${m.id}` === sent.receiptId)!;
    // The same node, its database out of reach (nothing listens on port 1).
    const down = createDatabase(createPool('postgres://postgres@127.0.0.1:1/vanthu', 1));
    const broken: AppContext = { ...vpcp.ctx, db: down };
    setAxisNode(broken, vpcpNode);
    try {
      expect(await pollPullPeers(broken)).to.include({ stored: 0, failed: 1 });
    } finally {
      await down.destroy();
    }
    expect(msg.state).to.equal('waiting');
    expect(await pollPullPeers(vpcp.ctx)).to.include({ stored: 1, failed: 0 });
    expect(msg.state).to.equal('done');
    await waitFor('the copy', async () => (await copiesAtVpcp(sent.edxmlDocumentId!)).length === 1);
  });
});
