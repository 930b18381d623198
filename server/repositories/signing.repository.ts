// SQL of signing requests and stored signature verifications.
import { sql, type Insertable, type Updateable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { SigningRequestTable, SigningStatus } from '../db/tables/signing.tables.ts';

const PDF = 'application/pdf';
/** Files whose signatures matter: issued or arrived documents, not drafts or evidence. */
const VERIFIED_ROLES = ['main', 'attachment', 'scan'] as const;

export const signingRepository = {
  async insertRequest(trx: Executor, row: Insertable<SigningRequestTable>): Promise<string> {
    const r = await trx.insertInto('signingRequest').values(row).returning('id').executeTakeFirstOrThrow();
    return r.id;
  },
  findRequest(db: Executor, id: string) {
    return db.selectFrom('signingRequest').selectAll().where('id', '=', id).executeTakeFirst();
  },
  lockRequest(db: Executor, id: string) {
    return db.selectFrom('signingRequest').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  },
  /** Moves a request from one status to the next; false when another process moved it first. */
  async transition(db: Executor, id: string, from: SigningStatus[], patch: Updateable<SigningRequestTable>): Promise<boolean> {
    const r = await db
      .updateTable('signingRequest')
      .set({ ...patch, updatedAt: sql<Date>`now()` })
      .where('id', '=', id)
      .where('status', 'in', from)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  },
  statuses(db: Executor, ids: string[]) {
    if (!ids.length) return Promise.resolve([]);
    return db.selectFrom('signingRequest').select(['id', 'status', 'error', 'documentId']).where('id', 'in', ids).execute();
  },
  forDocument(db: Executor, documentId: string) {
    return db
      .selectFrom('signingRequest as r')
      .leftJoin('documentFile as f', 'f.id', 'r.sourceFileId')
      .select(['r.id', 'r.action', 'r.kind', 'r.status', 'r.error', 'r.resultFileId', 'r.createdAt', 'r.updatedAt', 'f.fileName'])
      .where('r.documentId', '=', documentId)
      .orderBy('r.id', 'desc')
      .limit(20)
      .execute();
  },
  forBatch(db: Executor, batchId: string, requestedBy: string) {
    return db
      .selectFrom('signingRequest as r')
      .innerJoin('document as d', 'd.id', 'r.documentId')
      .select(['r.id', 'r.documentId', 'r.status', 'r.error', 'd.subject', 'd.state'])
      .where('r.batchId', '=', batchId)
      .where('r.requestedBy', '=', requestedBy)
      .orderBy('r.id')
      .execute();
  },
  /** Requests left behind by a lost job: still preparing, or signed but not completed. */
  stuck(db: Executor, olderThan: Date) {
    return db.selectFrom('signingRequest').select(['id', 'status']).where('status', 'in', ['preparing', 'signed']).where('updatedAt', '<', olderThan).orderBy('id').limit(500).execute();
  },
  /** Requests that waited for their signature value longer than any web request can: failed. */
  async expirePrepared(db: Executor, olderThan: Date): Promise<number> {
    const r = await db
      .updateTable('signingRequest')
      .set({ status: 'failed', error: 'Hết thời gian chờ ký; hãy ký lại.', updatedAt: sql<Date>`now()` })
      .where('status', '=', 'prepared')
      .where('updatedAt', '<', olderThan)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  },
  /** Next version number of a role's files in a document (signed versions follow the originals). */
  async nextVersion(trx: Executor, documentId: string, role: 'main' | 'attachment'): Promise<number> {
    const r = await trx.selectFrom('documentFile').select((eb) => eb.fn.max<number>('version').as('v')).where('documentId', '=', documentId).where('role', '=', role).executeTakeFirst();
    return Number(r?.v ?? 0) + 1;
  },
  file(db: Executor, id: string) {
    return db.selectFrom('documentFile').selectAll().where('id', '=', id).executeTakeFirst();
  },
  pdfFiles(db: Executor, documentId: string) {
    return db.selectFrom('documentFile').selectAll().where('documentId', '=', documentId).where('contentType', '=', PDF).orderBy('id').execute();
  },
  userOf(db: Executor, id: string) {
    return db.selectFrom('appUser').select(['id', 'username', 'fullName', 'position']).where('id', '=', id).executeTakeFirst();
  },

  /**
   * Drops a prepared PDF's blob row once nothing refers to it any more (done or failed requests clear
   * their reference); returns whether the stored object may be deleted too.
   */
  async dropUnreferencedBlob(db: Executor, sha256: string): Promise<boolean> {
    const r = await db
      .deleteFrom('blob')
      .where('sha256', '=', sha256)
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('documentFile').select('id').where('blobSha256', '=', sha256))))
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('signingRequest').select('id').where('preparedSha256', '=', sha256))))
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  },
  /** Prepared blobs of requests that ended (done, failed) and still hold them. */
  endedWithPrepared(db: Executor, olderThan: Date) {
    return db.selectFrom('signingRequest').select(['id', 'preparedSha256']).where('status', 'in', ['done', 'failed']).where('preparedSha256', 'is not', null).where('updatedAt', '<', olderThan).limit(500).execute();
  },

  /** Files of a document already sealed (or being sealed) at numbering, and the files signing produced. */
  async sealedOrProduced(db: Executor, documentId: string): Promise<Set<string>> {
    const rows = await db.selectFrom('signingRequest').select(['sourceFileId', 'resultFileId', 'status', 'action']).where('documentId', '=', documentId).execute();
    const out = new Set<string>();
    for (const r of rows) {
      if (r.resultFileId) out.add(r.resultFileId);
      if (r.action === 'number' && r.status !== 'failed') out.add(r.sourceFileId);
    }
    return out;
  },

  // — verifications —
  async ensureVerification(db: Executor, fileId: string): Promise<void> {
    await db.insertInto('signatureVerification').values({ fileId }).onConflict((oc) => oc.column('fileId').doNothing()).execute();
  },
  async saveVerification(db: Executor, fileId: string, v: { verdict: 'valid' | 'invalid' | 'unsigned' | 'error'; message: string; signatures: unknown[] }): Promise<void> {
    const values = { status: 'done' as const, verdict: v.verdict, message: v.message, signatures: JSON.stringify(v.signatures), verifiedAt: new Date() };
    await db
      .insertInto('signatureVerification')
      .values({ fileId, ...values })
      .onConflict((oc) => oc.column('fileId').doUpdateSet(values))
      .execute();
  },
  verificationsForDocument(db: Executor, documentId: string) {
    return db
      .selectFrom('documentFile as f')
      .leftJoin('signatureVerification as v', 'v.fileId', 'f.id')
      .select(['f.id as fileId', 'f.fileName', 'f.role', 'f.version', 'v.status', 'v.verdict', 'v.message', 'v.signatures', 'v.verifiedAt'])
      .where('f.documentId', '=', documentId)
      .where('f.contentType', '=', PDF)
      .where('f.role', 'in', VERIFIED_ROLES)
      .orderBy('f.id')
      .execute();
  },
  /** PDFs that arrived or were signed here and have no verification yet, plus pending ones older than `pendingBefore`. */
  async unverifiedPdfs(db: Executor, pendingBefore: Date, limit = 500): Promise<string[]> {
    const rows = await db
      .selectFrom('documentFile as f')
      .leftJoin('signatureVerification as v', 'v.fileId', 'f.id')
      .select('f.id')
      .where('f.contentType', '=', PDF)
      .where('f.role', 'in', VERIFIED_ROLES)
      .where((eb) => eb.or([eb('v.fileId', 'is', null), eb.and([eb('v.status', '=', 'pending'), eb('v.createdAt', '<', pendingBefore)])]))
      .orderBy('f.id')
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  },
};
