import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { appendAudit, verifyAuditChain } from '../../server/services/audit.service.ts';

describe('audit log in PostgreSQL', function () {
  this.timeout(60_000);
  let t: TestDatabase;
  before(async () => {
    t = await createTestDatabase();
  });
  after(async () => t.close());

  it('keeps one unbroken chain under 50 concurrent transactions', async () => {
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        t.db.transaction().execute((trx) =>
          appendAudit(trx, { actor: { userId: null, label: 'test' }, action: 'test.concurrent', entityType: 'test', entityId: i, after: { i, tên: 'Đồng Tháp', list: [i, 'x'] } }),
        ),
      ),
    );
    const v = await verifyAuditChain(t.db);
    expect(v).to.deep.equal({ ok: true, count: 50 });
  });

  it('writes nothing when the surrounding transaction rolls back', async () => {
    const before = await t.db.selectFrom('auditLog').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    await t.db
      .transaction()
      .execute(async (trx) => {
        await appendAudit(trx, { actor: { userId: null, label: 'test' }, action: 'test.rollback', entityType: 'test', entityId: 1 });
        throw new Error('boom');
      })
      .catch(() => undefined);
    const after = await t.db.selectFrom('auditLog').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(after.n).to.equal(before.n);
    expect((await verifyAuditChain(t.db)).ok).to.equal(true);
  });

  it('refuses UPDATE and DELETE on the log (append-only)', async () => {
    let err: unknown;
    await sql`update audit_log set action = 'x'`.execute(t.db).catch((e) => (err = e));
    expect(String(err)).to.match(/append-only/);
    err = undefined;
    await sql`delete from audit_log`.execute(t.db).catch((e) => (err = e));
    expect(String(err)).to.match(/append-only/);
  });

  it('`vanthu audit verify` passes on the intact chain and names the first tampered entry', async () => {
    const run = () =>
      spawnSync(process.execPath, ['bin/vanthu.mjs', 'audit', 'verify', '--json'], {
        env: { ...process.env, DATABASE_URL: t.url, VANTHU_FROM_SOURCE: '1', LOG_LEVEL: 'silent' },
        encoding: 'utf8',
        timeout: 60_000,
      });
    const ok = run();
    expect(ok.status, ok.stderr).to.equal(0);
    expect(JSON.parse(ok.stdout)).to.deep.equal({ ok: true, count: 50 });

    // A superuser bypasses the trigger — exactly the attack the chain exists to reveal.
    const victim = await t.db.selectFrom('auditLog').select('id').orderBy('id').offset(20).limit(1).executeTakeFirstOrThrow();
    await t.db.transaction().execute(async (trx) => {
      await sql`alter table audit_log disable trigger audit_log_append_only`.execute(trx);
      await sql`update audit_log set after = '{"i": 999}'::jsonb where id = ${victim.id}`.execute(trx);
      await sql`alter table audit_log enable trigger audit_log_append_only`.execute(trx);
    });
    const bad = run();
    expect(bad.status).to.equal(1);
    expect(JSON.parse(bad.stdout)).to.include({ ok: false, brokenId: String(victim.id) });
  });
});
