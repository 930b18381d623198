// Many processes, one database (issue 8, item 5): two web processes and two worker processes on one
// PostgreSQL database and one Redis. Registrations fired at both web processes at once get the book's
// numbers exactly once (1..N, no gap, no duplicate); the text of every uploaded PDF is extracted by
// one of the two workers exactly once (a second run would append the text twice); the audit chain
// written by all four processes is valid. Run by `npm run test:faults`.
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createDatabase, createPool, type Database } from '../../server/db/database.ts';
import { verifyAuditChain } from '../../server/services/audit.service.ts';
import { booksFor } from '../../server/services/book.service.ts';
import { createQueueConnection } from '../../server/jobs/queue-connection.ts';
import { createJobQueue } from '../../server/jobs/jobs.ts';
import { makePdf } from '../helpers/pdf.ts';
import { BASE_URL, pool, dropDatabase, freshDatabase, login, startOwnRedis, startWeb, startWorker, waitFor, type OwnRedis, type Proc, type Session } from './cluster.ts';

export { BASE_URL, pool } from './cluster.ts';

/** Enters an incoming document with a one-page PDF whose text is `marker`; returns its id. */
export async function receive(s: Session, marker: string): Promise<string> {
  const form = new FormData();
  for (const [k, v] of Object.entries({ _csrf: s.csrf, typeCode: 'cong_van', numberAndNotation: `${marker}/UBND-VP`, promulgationDate: '2026-11-20', issuerName: 'Ủy ban nhân dân xã Hưng Lộc', subject: `Công văn ${marker}`, urgency: '0' })) form.append(k, v);
  form.append('files', new Blob([await makePdf([marker])], { type: 'application/pdf' }), `${marker}.pdf`);
  const res = await fetch(`${s.base}/documents/incoming`, { method: 'POST', body: form, headers: { cookie: s.cookie }, redirect: 'manual' });
  if (res.status !== 303) throw new Error(`receive ${marker} at ${s.base}: ${res.status} ${(await res.text()).slice(0, 200)}`);
  return /\/documents\/(\d+)/.exec(res.headers.get('location')!)![1]!;
}

export async function register(s: Session, id: string, bookId: string): Promise<number> {
  const res = await fetch(`${s.base}/documents/${id}/actions/register`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: s.cookie },
    body: new URLSearchParams({ _csrf: s.csrf, bookId, acceptDuplicate: '1' }).toString(),
  });
  await res.text();
  return res.status;
}

describe('Two web and two worker processes on one database', function () {
  this.timeout(300_000);
  const dbName = `vanthu_mp_${process.pid}`;
  let blobDir: string;
  let db: Database;
  const procs: Proc[] = [];
  let sessions: Session[];
  let dbUrl: string;

  let ownRedis: OwnRedis | undefined;
  let REDIS_URL = '';

  before(async function () {
    if (spawnSync('sh', ['-c', 'command -v redis-server']).status !== 0) {
      process.stdout.write('      (needs redis-server: apt-get install -y redis-server)\n');
      this.skip();
    }
    // A redis-server of the test's own: nobody else's queues are touched.
    ownRedis = await startOwnRedis();
    REDIS_URL = ownRedis.url;
    blobDir = mkdtempSync(path.join(tmpdir(), 'vanthu-mp-blobs-'));
    const url = await freshDatabase(BASE_URL, dbName);
    dbUrl = url;
    const env = { DATABASE_URL: url, REDIS_URL, BLOB_DIR: blobDir };
    // The first web process migrates and seeds; the others start on the ready database.
    procs.push(await startWeb('web-1', env));
    procs.push(await startWeb('web-2', env));
    procs.push(startWorker('worker-1', env), startWorker('worker-2', env));
    db = createDatabase(createPool(url, 4));
    sessions = [await login(procs[0]!.url!, 'tinh.vanthu'), await login(procs[1]!.url!, 'tinh.vanthu')];
  });

  after(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await db?.destroy();
    await dropDatabase(BASE_URL, dbName);
    await ownRedis?.stop();
    if (blobDir) rmSync(blobDir, { recursive: true, force: true });
  });

  it('numbers registrations fired at both web processes exactly 1..N, extracts each text once, and keeps the audit chain valid', async () => {
    const N = 60;
    const markers = Array.from({ length: N }, (_, i) => `MP${String(i + 1).padStart(4, '0')}`);
    const ids = await pool(markers, 12, (m, i) => receive(sessions[i % 2]!, m));
    const province = await db.selectFrom('agency').select('id').where('d20Code', '=', 'H41').executeTakeFirstOrThrow();
    const book = (await booksFor(db, province.id, 'incoming'))[0]!;
    // Both processes at once, interleaved, 16 requests in flight.
    const statuses = await pool(ids, 16, (id, i) => register(sessions[(i + 1) % 2]!, id, book.id));
    expect(statuses.filter((s) => s !== 303), 'every registration answered 303').to.deep.equal([]);

    const numbers = (await db.selectFrom('document').select('bookNumber').where('id', 'in', ids).execute()).map((d) => d.bookNumber!).sort((a, b) => a - b);
    expect(numbers).to.deep.equal(Array.from({ length: N }, (_, i) => i + 1));
    const entries = (await db.selectFrom('bookEntry').select('number').where('bookId', '=', book.id).execute()).map((e) => e.number).sort((a, b) => a - b);
    expect(entries).to.deep.equal(numbers);

    // Every upload enqueues its text extraction; the test adds what a redelivery or a sweep would —
    // each file twice more under two other job ids — for the two workers to race on.
    const conn = createQueueConnection({ redisUrl: REDIS_URL, databaseUrl: dbUrl });
    const jobs = createJobQueue(conn);
    const files = await db.selectFrom('documentFile').select('id').where('documentId', 'in', ids).execute();
    expect(files.length).to.equal(N);
    for (const f of files) {
      await jobs.enqueue('documents.extract-text', { fileId: String(f.id) }, { jobId: `mp-a-${f.id}` });
      await jobs.enqueue('documents.extract-text', { fileId: String(f.id) }, { jobId: `mp-b-${f.id}` });
    }
    await conn.close();
    await waitFor(async () => Number((await db.selectFrom('documentFile').select((eb) => eb.fn.countAll<string>().as('n')).where('textStatus', '=', 'pending').executeTakeFirstOrThrow()).n) === 0, 120_000, 'text extraction by the workers');
    const docs = await db.selectFrom('document').select(['id', 'subject', 'extractedText']).where('id', 'in', ids).execute();
    for (const d of docs) {
      const marker = /MP\d{4}/.exec(d.subject)![0];
      expect(d.extractedText?.split(marker).length, `${marker} extracted exactly once`).to.equal(2);
    }
    const chain = await verifyAuditChain(db);
    expect(chain.ok, JSON.stringify(chain)).to.equal(true);
    for (const p of procs) expect(p.child.exitCode, `${p.name} still running`).to.equal(null);
  });
});
