// The streaming replica of deploy/compose.yaml, for real (issue 8, item 6). No Docker engine runs on
// these machines, so the compose file cannot be started here; instead this test runs the same
// PostgreSQL settings and commands with the machine's own PostgreSQL binaries: the primary's `-c`
// options and the replica's `pg_basebackup …` line are read from deploy/compose.yaml, and the
// primary's first-start script is deploy/postgres/init-replication.sh itself. Password
// authentication (scram-sha-256) is on for every TCP connection, as in the images.
//
// Checked: the replica clones itself with the compose command and follows over its replication
// slot; documents, book numbers, files and the audit chain written on the primary (before and after
// the clone) are on the replica; the chain verifies on the read-only replica; the primary is then
// lost (immediate stop) and the replica promoted: it takes writes, and the next registration gets the
// next number of the book — no gap, no duplicate. Run by `npm run test:faults`.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { load as parseYaml } from 'js-yaml';
import { sql } from 'kysely';
import type { AppContext } from '../../server/app-context.ts';
import { loadConfig } from '../../server/config.ts';
import { createDatabase, createPool, type Database } from '../../server/db/database.ts';
import { migrateToLatest } from '../../server/db/migrate.ts';
import { LocalBlobStore } from '../../server/files/blob-store.ts';
import { createJobQueue } from '../../server/jobs/jobs.ts';
import { createQueueConnection, type QueueConnection } from '../../server/jobs/queue-connection.ts';
import { createLogger } from '../../server/logger.ts';
import { userRepository } from '../../server/repositories/user.repository.ts';
import { verifyAuditChain } from '../../server/services/audit.service.ts';
import { booksFor } from '../../server/services/book.service.ts';
import { seedDemoIfEmpty } from '../../server/services/demo-seed.service.ts';
import { performAction } from '../../server/services/document-actions.ts';
import { receiveIncoming } from '../../server/services/incoming.service.ts';
import { makePdf } from '../helpers/pdf.ts';
import { asPostgres, freePort, repoRoot, run, waitFor } from './cluster.ts';

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const asRoot = process.getuid?.() === 0;
/** initdb, pg_ctl and postgres refuse to run as root: run them as the `postgres` user then. */
const runPg = (cmd: string, args: string[], env: Record<string, string> = {}): string => run(...asPostgres(cmd, args), env);

/** A folder the postgres user owns (the data directory must not be world-readable). */
function ownedDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  if (asRoot) {
    const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
    chownSync(dir, id('-u'), id('-g'));
  }
  chmodSync(dir, 0o700);
  return dir;
}

interface ComposeService {
  command?: string[] | string;
}

/** The primary's `-c name=value` settings and the replica's clone command, as deploy/compose.yaml writes them. */
function composePostgres(): { primarySettings: string[]; basebackupArgs: string[]; replicaSettings: string[] } {
  const compose = parseYaml(readFileSync(path.join(repoRoot, 'deploy', 'compose.yaml'), 'utf8')) as { services: Record<string, ComposeService> };
  const primary = compose.services['postgres-primary']?.command;
  const replica = compose.services['postgres-replica']?.command;
  if (!Array.isArray(primary) || !Array.isArray(replica)) throw new Error('deploy/compose.yaml: postgres-primary/postgres-replica commands not found');
  const primarySettings = primary.flatMap((a, i) => (primary[i - 1] === '-c' ? [a] : []));
  const script = replica[replica.length - 1]!;
  const clone = /pg_basebackup\s+([^;]+);/.exec(script);
  const exec = /exec postgres\s+(.+)$/m.exec(script);
  if (!clone || !exec) throw new Error('deploy/compose.yaml: the replica command no longer runs pg_basebackup / exec postgres');
  const basebackupArgs = clone[1]!.trim().split(/\s+/);
  const replicaSettings = exec[1]!.trim().split(/\s+/).flatMap((a, i, all) => (all[i - 1] === '-c' ? [a] : []));
  return { primarySettings, basebackupArgs, replicaSettings };
}

/** Replaces the value after `flag` in an argument list (the compose file's host names and paths). */
function withArg(args: string[], flag: string, value: string): string[] {
  const i = args.indexOf(flag);
  if (i < 0) throw new Error(`pg_basebackup in deploy/compose.yaml has no ${flag}`);
  return [...args.slice(0, i + 1), value, ...args.slice(i + 2)];
}

interface Node {
  dir: string;
  data: string;
  port: number;
  url: string;
  ctl(...args: string[]): void;
}

const SUPERUSER_PASSWORD = 'chi-de-thu-nghiem-primary'; // test-only
const REPLICATION_PASSWORD = 'chi-de-thu-nghiem-replica'; // test-only

async function node(prefix: string): Promise<Omit<Node, 'ctl'> & { log: string }> {
  const dir = ownedDir(prefix);
  const port = await freePort();
  return { dir, data: path.join(dir, 'data'), port, url: `postgres://postgres:${SUPERUSER_PASSWORD}@127.0.0.1:${port}/vanthu`, log: path.join(dir, 'log') };
}

function controller(n: Omit<Node, 'ctl'> & { log: string }, settings: string[]): Node {
  // pg_ctl hands -o to a shell: quote each setting (archive_command has spaces).
  const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const opts = [`-p ${n.port}`, `-k ${quote(n.dir)}`, '-c listen_addresses=127.0.0.1', ...settings.map((s) => `-c ${quote(s)}`)].join(' ');
  return { ...n, ctl: (...args: string[]) => void runPg('pg_ctl', ['-D', n.data, '-w', '-t', '120', '-l', n.log, '-o', opts, ...args]) };
}

/** The app's context on one server (queues on its PostgreSQL backend, files in a folder). */
async function contextOn(url: string): Promise<{ ctx: AppContext; close(): Promise<void> }> {
  const pool = createPool(url, 4);
  const db = createDatabase(pool);
  const conn: QueueConnection = createQueueConnection({ databaseUrl: url });
  const blobDir = await mkdtemp(path.join(tmpdir(), 'vanthu-replica-blobs-'));
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: url });
  const ctx: AppContext = { config: { ...config, blobDir }, db, logger: createLogger('silent'), jobs: createJobQueue(conn), databaseUrl: url, blobs: new LocalBlobStore(blobDir) };
  return {
    ctx,
    async close() {
      await conn.close();
      await db.destroy();
      await rm(blobDir, { recursive: true, force: true });
    },
  };
}

async function clerkOf(db: Database) {
  const u = (await userRepository.findByUsername(db, 'tinh.vanthu'))!;
  const roles = await userRepository.rolesOf(db, u.id);
  return { userId: u.id, username: u.username, fullName: u.fullName, position: u.position, roles, activeAgencyId: roles[0]!.agencyId };
}

/** Receives and registers `n` documents with a PDF each; returns their book numbers. */
async function registerSome(ctx: AppContext, n: number, tag: string): Promise<number[]> {
  const clerk = await clerkOf(ctx.db);
  const agency = clerk.activeAgencyId;
  const book = (await booksFor(ctx.db, agency, 'incoming'))[0]!;
  const numbers: number[] = [];
  for (let i = 1; i <= n; i++) {
    const d = await receiveIncoming(ctx, clerk, agency, { typeCode: 'cong_van', numberAndNotation: `${i}/${tag}-UBND`, promulgationDate: '2026-11-20', issuerName: 'Sở Nội vụ tỉnh Nghệ An', subject: `Công văn nhân bản ${tag} số ${i}`, urgency: '0' }, [{ fileName: `cv-${tag}-${i}.pdf`, bytes: await makePdf([`Cong van ${tag} ${i}`]) }]);
    await performAction(ctx, clerk, d.id, 'register', { bookId: book.id, acceptDuplicate: '1' });
    const row = await ctx.db.selectFrom('document').select('bookNumber').where('id', '=', d.id).executeTakeFirstOrThrow();
    numbers.push(row.bookNumber!);
  }
  return numbers;
}

const snapshot = async (db: Database) => ({
  documents: await db.selectFrom('document').select(['id', 'subject', 'state', 'bookId', 'bookNumber', 'codeNotation']).orderBy('id').execute(),
  entries: await db.selectFrom('bookEntry').select(['bookId', 'number', 'documentId']).orderBy('bookId').orderBy('number').execute(),
  files: await db.selectFrom('documentFile').select(['id', 'documentId', 'blobSha256']).orderBy('id').execute(),
});

describe('the streaming replica of deploy/compose.yaml, then failover to it', function () {
  this.timeout(600_000);
  let primary: Node | undefined;
  let replica: Node | undefined;
  const closers: Array<() => Promise<void>> = [];

  before(function () {
    const missing = ['initdb', 'pg_ctl', 'pg_basebackup', ...(asRoot ? ['runuser'] : [])].filter((c) => !has(c));
    if (missing.length) {
      process.stdout.write(`      (skipped: ${missing.join(', ')} not installed — PostgreSQL server binaries are needed)\n`);
      this.skip();
    }
  });

  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    for (const n of [replica, primary]) {
      if (!n) continue;
      try {
        n.ctl('-m', 'immediate', 'stop');
      } catch {
        /* already stopped */
      }
      rmSync(n.dir, { recursive: true, force: true });
    }
  });

  it('clones and follows the primary, verifies the audit chain read-only, and takes over with the next book number', async () => {
    const compose = composePostgres();
    expect(compose.primarySettings).to.include('wal_level=replica');

    // The primary, as the postgres image starts it: initdb, the first-start script, then the server
    // with the compose file's settings (WAL archiving into a folder of ours instead of /wal-archive).
    const p = await node('vanthu-primary-');
    const archive = ownedDir('vanthu-wal-archive-');
    const pwfile = path.join(p.dir, 'pw');
    writeFileSync(pwfile, SUPERUSER_PASSWORD);
    if (asRoot) chownSync(pwfile, Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim()), 0);
    runPg('initdb', ['-D', p.data, '-U', 'postgres', '--pwfile', pwfile, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--no-instructions']);
    primary = controller(p, compose.primarySettings.map((s) => s.replaceAll('/wal-archive', archive)));
    primary.ctl('start');
    closers.push(async () => rmSync(archive, { recursive: true, force: true }));
    runPg('psql', ['-h', p.dir, '-p', String(p.port), '-U', 'postgres', '-d', 'postgres', '-c', 'create database vanthu']);
    runPg('bash', [path.join(repoRoot, 'deploy', 'postgres', 'init-replication.sh')], { POSTGRES_USER: 'postgres', POSTGRES_DB: 'postgres', PGDATA: p.data, REPLICATION_PASSWORD, PGHOST: p.dir, PGPORT: String(p.port) });
    primary.ctl('reload');

    const pool = createPool(primary.url, 2);
    await migrateToLatest(pool);
    await pool.end();
    const onPrimary = await contextOn(primary.url);
    closers.push(onPrimary.close);
    await seedDemoIfEmpty(onPrimary.ctx.db);
    const before = await registerSome(onPrimary.ctx, 8, 'TRUOC');

    // The replica clones itself with the compose file's own pg_basebackup line (-R -X stream -S … -C).
    const r = await node('vanthu-replica-');
    let args = withArg(compose.basebackupArgs, '-h', '127.0.0.1');
    args = withArg(args, '-D', r.data);
    runPg('pg_basebackup', [...args, '-p', String(p.port)], { PGPASSWORD: REPLICATION_PASSWORD });
    replica = controller(r, compose.replicaSettings);
    replica.ctl('start');

    // Writes after the clone reach the replica by streaming only.
    const after = await registerSome(onPrimary.ctx, 7, 'SAU');
    expect([...before, ...after]).to.deep.equal(Array.from({ length: 15 }, (_, i) => i + 1));
    const sealed = await verifyAuditChain(onPrimary.ctx.db);
    expect(sealed.ok, JSON.stringify(sealed)).to.equal(true);
    const state = await sql<{ state: string; slot: string; lsn: string }>`
      select r.state, s.slot_name as slot, pg_current_wal_lsn()::text as lsn
      from pg_stat_replication r join pg_replication_slots s on s.active_pid = r.pid`.execute(onPrimary.ctx.db);
    expect(state.rows, 'one streaming replica on its physical slot').to.have.length(1);
    expect(state.rows[0]!.state).to.equal('streaming');
    const primaryLsn = state.rows[0]!.lsn;

    const onReplica = await contextOn(replica.url);
    closers.push(onReplica.close);
    await waitFor(async () => {
      const q = await sql<{ caught: boolean }>`select pg_last_wal_replay_lsn() >= ${primaryLsn}::pg_lsn as caught`.execute(onReplica.ctx.db);
      return q.rows[0]!.caught;
    }, 60_000, 'the replica replaying up to the primary');

    const want = await snapshot(onPrimary.ctx.db);
    expect(want.entries.length).to.equal(15);
    expect(await snapshot(onReplica.ctx.db)).to.deep.equal(want);
    // Read-only replica: the chain is verified without sealing, and refuses writes.
    const chain = await verifyAuditChain(onReplica.ctx.db);
    expect(chain.ok, JSON.stringify(chain)).to.equal(true);
    expect(chain.count).to.equal(sealed.count);
    const refused = await sql`create table khong_duoc_ghi (i int)`.execute(onReplica.ctx.db).then(
      () => 'accepted',
      (e: Error) => e.message,
    );
    expect(refused).to.match(/read-only/);

    // The primary is lost; the replica is promoted (docs/DEPLOYMENT.md) and carries on the book.
    await onPrimary.close();
    closers.splice(closers.indexOf(onPrimary.close), 1);
    primary.ctl('-m', 'immediate', 'stop');
    replica.ctl('promote');
    await waitFor(async () => !(await sql<{ r: boolean }>`select pg_is_in_recovery() as r`.execute(onReplica.ctx.db)).rows[0]!.r, 60_000, 'promotion');
    const next = await registerSome(onReplica.ctx, 2, 'SAUKHIDOI');
    expect(next).to.deep.equal([16, 17]);
    const afterFailover = await verifyAuditChain(onReplica.ctx.db);
    expect(afterFailover.ok, JSON.stringify(afterFailover)).to.equal(true);
    expect(afterFailover.count).to.be.greaterThan(sealed.count);
    expect(afterFailover.unsealed).to.equal(0);
  });
});
