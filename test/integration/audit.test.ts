import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import * as sealedChainMigration from '../../migrations/2026_11_28_06_45_00_audit_sealed_chain.ts';
import { GENESIS_HASH, auditHash } from '../../server/domain/audit-chain.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { appendAudit, sealAuditChain, verifyAuditChain } from '../../server/services/audit.service.ts';

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
    expect(v).to.deep.equal({ ok: true, count: 50, unsealed: 0 });
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
    expect(JSON.parse(ok.stdout)).to.deep.equal({ ok: true, count: 50, unsealed: 0 });

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

describe('audit chain sealing (entries chained after commit, no global lock)', function () {
  this.timeout(60_000);
  let t: TestDatabase;
  before(async () => {
    t = await createTestDatabase();
  });
  after(async () => t.close());

  const entry = (action: string, i: number) => ({ actor: { userId: null, label: 'test' }, action, entityType: 'test', entityId: i, after: { i } });
  const rows = () => t.db.selectFrom('auditLog').select(['id', 'seq', 'action', 'prevHash', 'hash']).orderBy('id').execute();

  it('a writer never waits for another writer: two open transactions append at once', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = t.db.transaction().execute(async (trx) => {
      await appendAudit(trx, entry('test.open', 1));
      await gate; // still open while the second one appends and commits
    });
    await t.db.transaction().execute((trx) => appendAudit(trx, entry('test.open', 2)));
    release();
    await first;
    const v = await verifyAuditChain(t.db);
    expect(v).to.deep.equal({ ok: true, count: 2, unsealed: 0 });
  });

  it('an entry committed late by a long transaction is still chained, after those that waited for it', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started!: () => void;
    const hasXid = new Promise<void>((r) => (started = r));
    // The long transaction takes its transaction id first, writes its entry only at the end.
    const long = t.db.transaction().execute(async (trx) => {
      await sql`select pg_current_xact_id()`.execute(trx);
      started();
      await gate;
      await appendAudit(trx, entry('test.long', 0));
    });
    await hasXid;
    for (let i = 1; i <= 5; i++) await t.db.transaction().execute((trx) => appendAudit(trx, entry('test.short', i)));
    // The five have committed, but a transaction with a smaller id is still running: none is sealed yet.
    expect(await sealAuditChain(t.db)).to.equal(0);
    expect(await verifyAuditChain(t.db)).to.deep.equal({ ok: true, count: 2, unsealed: 5 });
    release();
    await long;
    expect(await sealAuditChain(t.db)).to.equal(6);
    const all = await rows();
    expect(all.every((r) => r.seq !== null)).to.equal(true);
    const longRow = all.find((r) => r.action === 'test.long')!;
    expect(Number(longRow.seq)).to.equal(8); // chained in id order: it got the largest id
    expect(await verifyAuditChain(t.db)).to.deep.equal({ ok: true, count: 8, unsealed: 0 });
  });

  it('a long transaction in another database of the server does not hold sealing back', async () => {
    const other = new URL(t.url);
    other.pathname = '/postgres';
    const c = new pg.Client({ connectionString: other.toString() });
    await c.connect();
    try {
      await c.query('begin');
      await c.query('select pg_current_xact_id()'); // an xid older than the entries below, left running
      const before = await verifyAuditChain(t.db);
      await t.db.transaction().execute((trx) => appendAudit(trx, entry('test.elsewhere', 1)));
      expect(await verifyAuditChain(t.db)).to.deep.equal({ ok: true, count: before.count + 1, unsealed: 0 });
    } finally {
      await c.query('rollback').catch(() => undefined);
      await c.end();
    }
  });

  it('concurrent sealers and writers chain every entry exactly once, in one unbroken chain', async () => {
    const before = (await rows()).length;
    await Promise.all([
      ...Array.from({ length: 40 }, (_, i) => t.db.transaction().execute((trx) => appendAudit(trx, entry('test.race', i)))),
      ...Array.from({ length: 4 }, () => sealAuditChain(t.db)),
    ]);
    const v = await verifyAuditChain(t.db);
    expect(v).to.deep.equal({ ok: true, count: before + 40, unsealed: 0 });
    const seqs = (await rows()).map((r) => Number(r.seq)).sort((a, b) => a - b);
    expect(seqs).to.deep.equal(Array.from({ length: before + 40 }, (_, i) => i + 1));
    expect(await sealAuditChain(t.db)).to.equal(0);
  });

  it('a sealed entry cannot be sealed again, and an unsealed one cannot be edited on the way', async () => {
    const sealed = (await rows())[3]!;
    let err: unknown;
    await sql`update audit_log set seq = 999999, prev_hash = 'x', hash = 'y' where id = ${sealed.id}`.execute(t.db).catch((e) => (err = e));
    expect(String(err)).to.match(/append-only/);
    await t.db.transaction().execute((trx) => appendAudit(trx, entry('test.pending', 1)));
    const pending = (await rows()).find((r) => r.seq === null)!;
    err = undefined;
    await sql`update audit_log set seq = 999999, prev_hash = 'x', hash = 'y', after = '{"i": 2}'::jsonb where id = ${pending.id}`.execute(t.db).catch((e) => (err = e));
    expect(String(err)).to.match(/append-only/);
    expect((await verifyAuditChain(t.db)).ok).to.equal(true);
  });

  it('tampering with a sealed entry (trigger bypassed) is detected and the first broken entry named', async () => {
    const all = await rows();
    const victim = all.find((r) => r.action === 'test.long')!;
    await t.db.transaction().execute(async (trx) => {
      await sql`alter table audit_log disable trigger audit_log_append_only`.execute(trx);
      await sql`update audit_log set after = '{"i": 42}'::jsonb where id = ${victim.id}`.execute(trx);
      await sql`alter table audit_log enable trigger audit_log_append_only`.execute(trx);
    });
    const v = await verifyAuditChain(t.db);
    expect(v).to.include({ ok: false, brokenId: String(victim.id), count: Number(victim.seq) });
    // Removing an entry from the chain breaks the link of the next one.
    const later = all.filter((r) => Number(r.seq) > Number(victim.seq)).sort((a, b) => Number(a.seq) - Number(b.seq));
    await t.db.transaction().execute(async (trx) => {
      await sql`alter table audit_log disable trigger audit_log_append_only`.execute(trx);
      await sql`update audit_log set after = '{"i": 0}'::jsonb where id = ${victim.id}`.execute(trx); // restore
      await sql`delete from audit_log where id = ${later[0]!.id}`.execute(trx);
      await sql`alter table audit_log enable trigger audit_log_append_only`.execute(trx);
    });
    expect(await verifyAuditChain(t.db)).to.include({ ok: false, brokenId: String(later[1]!.id) });
  });
});

describe('audit chain migration to sealing (2026_11_28_06_45_00_audit_sealed_chain)', function () {
  this.timeout(60_000);
  let t: TestDatabase;
  before(async () => {
    t = await createTestDatabase();
  });
  after(async () => t.close());

  it('keeps the entries chained before it, in id order, and continues the chain from their last hash', async () => {
    const raw = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: t.url, max: 1 }) }) });
    try {
      await sealedChainMigration.down(raw);
      // Entries as the old appendAudit wrote them: id from the sequence, chained under the global lock.
      let prev = GENESIS_HASH;
      const old: string[] = [];
      for (let i = 0; i < 5; i++) {
        const id = String((await sql<{ id: string }>`select nextval('audit_log_id_seq')::text as id`.execute(raw)).rows[0]!.id);
        const content = { id, at: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, i)).toISOString(), actorUserId: null, actorLabel: 'cũ', agencyId: null, action: 'test.old', entityType: 'test', entityId: String(i), before: null, after: { i, tên: 'Nghệ An' } };
        const hash = auditHash(prev, content);
        await sql`insert into audit_log (id, at, actor_user_id, actor_label, agency_id, action, entity_type, entity_id, before, after, prev_hash, hash)
                  values (${id}, ${content.at}, null, ${content.actorLabel}, null, ${content.action}, ${content.entityType}, ${content.entityId}, 'null'::jsonb, ${JSON.stringify(content.after)}::jsonb, ${prev}, ${hash})`.execute(raw);
        old.push(hash);
        prev = hash;
      }
      await sealedChainMigration.up(raw);
    } finally {
      await raw.destroy();
    }
    expect(await verifyAuditChain(t.db)).to.deep.equal({ ok: true, count: 5, unsealed: 0 });
    await t.db.transaction().execute((trx) => appendAudit(trx, { actor: { userId: null, label: 'mới' }, action: 'test.new', entityType: 'test', entityId: 1 }));
    expect(await verifyAuditChain(t.db)).to.deep.equal({ ok: true, count: 6, unsealed: 0 });
    const rows = await t.db.selectFrom('auditLog').select(['seq', 'prevHash', 'hash', 'action']).orderBy('seq').execute();
    expect(rows.map((r) => Number(r.seq))).to.deep.equal([1, 2, 3, 4, 5, 6]);
    expect(rows[5]).to.include({ action: 'test.new', prevHash: rows[4]!.hash });
  });
});
