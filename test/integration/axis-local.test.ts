// Agencies on the same node exchange without HTTP (outgoing.service deliverLocally); a recall
// follows the same rule as over the axis: a copy not registered yet is returned, a registered one
// stays in the book and the sender is told.
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import { sql } from 'kysely';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { actorFor, issueAndRelease, registerCopy, repoRoot } from '../fixtures/axis/harness.ts';
import { performAction } from '../../server/services/document-actions.ts';

describe('axis: recall of copies delivered inside the node (real PostgreSQL)', function () {
  this.timeout(60_000);
  let t: TestApp;
  let scan: Buffer;
  let xa2: string;
  const who = { specialist: 'xa1.vanthu', head: 'xa1.truongphong', leader: 'xa1.lanhdao', clerk: 'xa1.vanthu' };
  /** The receiving commune's copy of the sender's document (its 'receive' event names the original). */
  const copyOf = (id: string) =>
    t.ctx.db.selectFrom('documentEvent as e').innerJoin('document as d', 'd.id', 'e.documentId').selectAll('d').where('e.action', '=', 'receive').where(sql<string>`e.data->>'fromDocumentId'`, '=', String(id)).executeTakeFirstOrThrow();
  const recipient = (id: string) => t.ctx.db.selectFrom('documentRecipient').selectAll().where('documentId', '=', id).executeTakeFirstOrThrow();

  before(async () => {
    t = await createTestApp();
    scan = await readFile(path.join(repoRoot, 'certs-sample/images/seal-uy-ban-nhan-dan-xa-hung-loc.png'));
    xa2 = (await t.ctx.db.selectFrom('agency').select('id').where('qcvnCode', '=', '000.02.31.H41').executeTakeFirstOrThrow()).id;
  });
  after(() => t.close());

  it('returns a copy that was not registered and marks the recipient recalled', async () => {
    const id = await issueAndRelease(t.ctx, { ...who, subject: 'Công văn nội bộ nút gửi nhầm', externalCodes: [], agencyIds: [xa2], pdf: scan });
    await performAction(t.ctx, await actorFor(t.ctx, 'xa1.vanthu'), id, 'recall', { reason: 'Gửi nhầm nơi nhận, đề nghị thu hồi' });
    expect((await copyOf(id)).state).to.equal('returned');
    expect(await recipient(id)).to.include({ status: 'recalled' });
    expect(await t.ctx.db.selectFrom('axisOutbox').select('id').where('documentId', '=', id).execute()).to.deep.equal([]);
  });

  it('keeps a registered copy in the book and tells the sender its số đến', async () => {
    const id = await issueAndRelease(t.ctx, { ...who, subject: 'Công văn nội bộ nút đã vào sổ', externalCodes: [], agencyIds: [xa2], pdf: scan });
    const copy = await copyOf(id);
    await registerCopy(t.ctx, await actorFor(t.ctx, 'xa2.vanthu'), copy.id);
    await performAction(t.ctx, await actorFor(t.ctx, 'xa1.vanthu'), id, 'recall', { reason: 'Đề nghị thu hồi để sửa nội dung' });
    expect((await copyOf(id)).state).to.equal('registered');
    const r = await recipient(id);
    expect(r.status).to.equal('registered');
    expect(r.statusNote).to.match(/từ chối thu hồi: đã vào sổ đến số \d+/);
  });
});
