// Backup and restore (issue 8, item 6), the way deploy/backup.sh and deploy/restore.sh do it: a
// populated database (documents through their workflow, numbered books, files, audit log) is dumped
// with pg_dump (custom format) and its blob folder copied; both are restored into a fresh database
// and folder; the restored system has the same documents, numbers and files (every blob present and
// matching its SHA-256), and its audit chain verifies. Run by `npm run test:faults`.
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDatabase, createPool, type Database } from '../../server/db/database.ts';
import { LocalBlobStore } from '../../server/files/blob-store.ts';
import { verifyAuditChain } from '../../server/services/audit.service.ts';
import { receiveIncoming } from '../../server/services/incoming.service.ts';
import { performAction } from '../../server/services/document-actions.ts';
import { booksFor } from '../../server/services/book.service.ts';
import { userRepository } from '../../server/repositories/user.repository.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { makePdf } from '../helpers/pdf.ts';
import { repoRoot, withDatabase } from './cluster.ts';

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

describe('Backup with pg_dump and the blob folder, restore into a fresh database', function () {
  this.timeout(180_000);
  let t: TestApp;
  let restored: Database | undefined;
  const work = mkdtempSync(path.join(tmpdir(), 'vanthu-backup-'));
  const restoredName = `vanthu_restored_${process.pid}`;
  let serverUrl: string;

  before(async function () {
    const missing = ['pg_dump', 'pg_restore', 'rsync', 'sha256sum'].filter((c) => !has(c));
    if (missing.length) {
      process.stdout.write(`      (skipped: ${missing.join(', ')} not installed)\n`);
      this.skip();
    }
    t = await createTestApp();
    serverUrl = t.tdb.url;
    const u = (await userRepository.findByUsername(t.ctx.db, 'tinh.vanthu'))!;
    const roles = await userRepository.rolesOf(t.ctx.db, u.id);
    const clerk = { userId: u.id, username: u.username, fullName: u.fullName, position: u.position, roles, activeAgencyId: roles[0]!.agencyId };
    const province = clerk.activeAgencyId;
    const book = (await booksFor(t.ctx.db, province, 'incoming'))[0]!;
    for (let i = 1; i <= 25; i++) {
      const d = await receiveIncoming(t.ctx, clerk, province, { typeCode: 'cong_van', numberAndNotation: `${i}/UBND-SL`, promulgationDate: '2026-11-20', issuerName: 'Sở Tài chính tỉnh Nghệ An', subject: `Báo cáo sao lưu số ${i}`, urgency: String(i % 4) }, [{ fileName: `bao-cao-${i}.pdf`, bytes: await makePdf([`Bao cao sao luu ${i}`]) }]);
      if (i % 5 !== 0) await performAction(t.ctx, clerk, d.id, 'register', { bookId: book.id, acceptDuplicate: '1' });
    }
  });

  after(async () => {
    await restored?.destroy();
    if (serverUrl) {
      const pool = createPool(withDatabase(serverUrl, 'postgres'), 1);
      await pool.query(`drop database if exists ${restoredName} with (force)`).catch(() => undefined);
      await pool.end();
    }
    await t?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('restores the same documents, numbers and files, with every blob intact and a valid audit chain', async () => {
    // Backup and restore with the deployment's own scripts (deploy/backup.sh, deploy/restore.sh —
    // the compose file's backup service runs the first; restore.sh ends with `vanthu audit verify`).
    const backups = path.join(work, 'backups');
    const backupOut = execFileSync('bash', [path.join(repoRoot, 'deploy', 'backup.sh')], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, DATABASE_URL: t.tdb.url, BLOB_DIR: t.ctx.config.blobDir, BACKUP_DIR: backups } });
    expect(backupOut).to.match(/^backup \d{8}T\d{6}Z: /m);
    const folders = readdirSync(backups);
    expect(folders).to.have.length(1);

    // Restore into a database and a folder that did not exist.
    const admin = createPool(withDatabase(serverUrl, 'postgres'), 1);
    await admin.query(`drop database if exists ${restoredName} with (force)`);
    await admin.query(`create database ${restoredName}`);
    await admin.end();
    const restoredUrl = withDatabase(serverUrl, restoredName);
    const restoredBlobs = path.join(work, 'restored-blobs');
    const restoreOut = execFileSync('bash', [path.join(repoRoot, 'deploy', 'restore.sh'), path.join(backups, folders[0]!), restoredUrl, restoredBlobs], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'silent' } });
    expect(restoreOut, restoreOut).to.match(/Chuỗi nhật ký toàn vẹn: [1-9]\d* mục/);
    restored = createDatabase(createPool(restoredUrl, 2));

    const snapshot = async (db: Database) => ({
      documents: await db.selectFrom('document').select(['id', 'subject', 'state', 'bookId', 'bookNumber', 'codeNumber', 'codeNotation', 'urgency']).orderBy('id').execute(),
      entries: await db.selectFrom('bookEntry').select(['bookId', 'number', 'documentId']).orderBy('bookId').orderBy('number').execute(),
      files: await db.selectFrom('documentFile').select(['id', 'documentId', 'fileName', 'blobSha256']).orderBy('id').execute(),
      audit: Number((await db.selectFrom('auditLog').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n),
    });
    const before = await snapshot(t.ctx.db);
    const after = await snapshot(restored);
    expect(before.documents.length).to.be.at.least(25);
    expect(before.entries.length).to.equal(20);
    expect(after).to.deep.equal(before);

    const store = new LocalBlobStore(restoredBlobs);
    for (const f of after.files) {
      const bytes = await store.get(f.blobSha256);
      expect(createHash('sha256').update(bytes).digest('hex'), f.fileName).to.equal(f.blobSha256);
    }
    const chain = await verifyAuditChain(restored);
    expect(chain.ok, JSON.stringify(chain)).to.equal(true);
    expect(chain.count).to.equal(before.audit);
  });
});
