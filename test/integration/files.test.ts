import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { expect } from 'chai';
import { createRequire } from 'node:module';
import { S3Client, CreateBucketCommand } from '@aws-sdk/client-s3';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { seedDemoIfEmpty } from '../../server/services/demo-seed.service.ts';
import { LocalBlobStore, sha256Of, type BlobStore } from '../../server/files/blob-store.ts';
import { S3BlobStore } from '../../server/files/s3-blob-store.ts';
import { createBlobStore } from '../../server/files/create-blob-store.ts';
import { checkUpload } from '../../server/files/upload-check.ts';
import { linkFiles, prepareUploads, withStoredFiles, type Upload } from '../../server/services/file.service.ts';
import { AppError } from '../../server/errors.ts';
import * as make from '../fixtures/pdf/make-pdfs.ts';

const MB = 1024 * 1024;

// s3rver: a real S3-compatible HTTP server in Node (no types shipped).
interface S3rver {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
type S3rverOptions = { port: number; address: string; silent: boolean; directory: string; configureBuckets?: { name: string; configs: string[] }[] };
const S3rver = createRequire(import.meta.url)('s3rver') as new (o: S3rverOptions) => S3rver;

async function refusal(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    expect(e, String(e)).to.be.instanceOf(AppError);
    return e as AppError;
  }
  throw new Error('expected the file to be refused');
}

describe('upload check by content', function () {
  this.timeout(30_000);

  it('accepts a Vietnamese PDF, a PNG scan and a JPEG scan, typed by content whatever their names', async () => {
    expect(await checkUpload(await make.vietnamesePdf([['a'], ['b']]), 'anh.png', 50 * MB)).to.deep.equal({ contentType: 'application/pdf', pageCount: 2 });
    expect((await checkUpload(make.pngScan(), 'van-ban.pdf', 50 * MB)).contentType).to.equal('image/png');
    expect((await checkUpload(make.jpegScan(), 'scan.png', 50 * MB)).contentType).to.equal('image/jpeg');
  });

  it('accepts a PDF written with object streams and a harmless OpenAction that shows page 1', async () => {
    expect((await checkUpload(await make.vietnamesePdf(undefined, { useObjectStreams: true }), 'a.pdf', 50 * MB)).pageCount).to.equal(1);
    expect((await checkUpload(await make.openActionGoToPdf(), 'a.pdf', 50 * MB)).pageCount).to.equal(1);
  });

  const cases: [string, () => Promise<Buffer> | Buffer, string, RegExp][] = [
    ['an empty file', () => Buffer.alloc(0), 'validation', /rỗng/],
    ['a file that is no PDF, JPEG or PNG', () => Buffer.from('MZ\x90\x00 executable'), 'unsupported', /không phải PDF, JPEG hoặc PNG/],
    ['a truncated PDF', make.truncatedPdf, 'validation', /không trọn vẹn/],
    ['a malformed PDF', make.malformedPdf, 'validation', /bị hỏng/],
    ['an encrypted PDF that opens without a password', () => make.encryptedPdf(''), 'unsupported', /mã hóa/],
    ['a password-protected PDF', () => make.encryptedPdf('matkhau'), 'unsupported', /mã hóa/],
    ['a PDF with document JavaScript', () => make.javascriptPdf(false), 'unsupported', /JavaScript/],
    ['a PDF with JavaScript hidden in a compressed object stream', () => make.javascriptPdf(true), 'unsupported', /JavaScript/],
    ['a PDF with a JavaScript OpenAction', make.openActionJavaScriptPdf, 'unsupported', /JavaScript/],
    ['a PDF whose action name is hex-escaped (/J#61vaScript)', make.hexEscapedJavaScriptPdf, 'unsupported', /JavaScript/],
    ['a PDF with a Launch action', make.launchActionPdf, 'unsupported', /lệnh tự chạy/],
    ['a PDF with an embedded file', make.embeddedFilePdf, 'unsupported', /tệp nhúng/],
    ['a PNG with a corrupted chunk', make.corruptPng, 'validation', /ảnh PNG/],
    ['a PNG header claiming 10 gigapixels', make.pngBombHeader, 'validation', /kích thước điểm ảnh/],
    ['a truncated JPEG', make.truncatedJpeg, 'validation', /ảnh JPEG/],
  ];
  for (const [what, bytes, code, message] of cases) {
    it(`refuses ${what} with a Vietnamese message`, async () => {
      const e = await refusal(checkUpload(await bytes(), 'tep.pdf', 50 * MB));
      expect(e.code).to.equal(code);
      expect(e.message).to.match(message);
    });
  }

  it('refuses a file over the configured limit (uploadMaxBytes) before parsing it', async () => {
    const pdf = await make.vietnamesePdf();
    const e = await refusal(checkUpload(pdf, 'lon.pdf', pdf.length - 1));
    expect(e.code).to.equal('too_large');
    expect(e.status).to.equal(413);
  });
});

/** The behaviour every blob store must have, run against the local folder and a real S3 server. */
function blobStoreContract(name: string, make: () => BlobStore) {
  describe(`${name}: content-addressed blob store`, () => {
    it('stores the same bytes once and never overwrites', async () => {
      const store = make();
      const bytes = Buffer.from(`tệp ${name} ${Date.now()}`);
      const sha = sha256Of(bytes);
      expect(await store.has(sha)).to.equal(false);
      expect(await store.put(sha, bytes)).to.equal(true);
      expect(await store.put(sha, bytes)).to.equal(false);
      expect((await store.get(sha)).equals(bytes)).to.equal(true);
      await store.delete(sha);
      expect(await store.has(sha)).to.equal(false);
    });

    it('refuses bytes that do not match the SHA-256 they are stored under', async () => {
      const store = make();
      const sha = sha256Of(Buffer.from('a'));
      let failed = false;
      await store.put(sha, Buffer.from('b')).catch(() => (failed = true));
      expect(failed).to.equal(true);
      expect(await store.has(sha)).to.equal(false);
    });

    it('refuses ids that are not SHA-256 hex (no path can come from an id)', async () => {
      const store = make();
      let failed = false;
      await store.has('../../etc/passwd').catch(() => (failed = true));
      expect(failed).to.equal(true);
    });

    it('lets concurrent writers of the same bytes all succeed with one object stored', async () => {
      const store = make();
      const bytes = Buffer.from(`đồng thời ${name} ${Math.random()}`);
      const sha = sha256Of(bytes);
      const results = await Promise.all(Array.from({ length: 6 }, () => store.put(sha, bytes)));
      expect(results.filter(Boolean).length).to.be.at.most(1 + (name === 's3' ? 5 : 0));
      expect((await store.get(sha)).equals(bytes)).to.equal(true);
    });
  });
}

describe('blob stores', function () {
  this.timeout(30_000);
  let dir: string;
  let s3dir: string;
  let s3: S3rver;
  let endpoint: string;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vanthu-blob-test-'));
    s3dir = await mkdtemp(path.join(os.tmpdir(), 'vanthu-s3rver-'));
    s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: s3dir });
    const addr = await s3.run();
    endpoint = `http://127.0.0.1:${addr.port}`;
    const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    await client.send(new CreateBucketCommand({ Bucket: 'vanthu-test' }));
    client.destroy();
  });
  after(async () => {
    await s3.close();
    await rm(dir, { recursive: true, force: true });
    await rm(s3dir, { recursive: true, force: true });
  });

  blobStoreContract('local', () => createBlobStore({ kind: 'local', dir }));
  blobStoreContract('s3', () =>
    createBlobStore({ kind: 's3', bucket: 'vanthu-test', prefix: 'blobs/', endpoint, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }),
  );

  it('keys S3 objects by their hash under the prefix', () => {
    const store = new S3BlobStore({ bucket: 'b', prefix: 'vanthu/', endpoint });
    expect(store.keyOf('ab'.repeat(32))).to.equal(`vanthu/ab/ab/${'ab'.repeat(32)}`);
  });
});

describe('files of documents: nothing half-written', function () {
  this.timeout(60_000);
  let t: TestDatabase;
  let dir: string;
  let documentId: string;
  let otherDocumentId: string;
  let s3: S3rver;
  let s3dir: string;
  let stores: { name: string; store: BlobStore; count: () => Promise<number> }[];

  const rows = async () => ({
    blob: Number((await t.db.selectFrom('blob').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n),
    documentFile: Number((await t.db.selectFrom('documentFile').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n),
  });

  async function attach(store: BlobStore, docId: string, uploads: Upload[], failAfterLink = false) {
    const files = await prepareUploads(uploads, 50 * MB);
    return withStoredFiles(t.db, store, files, () =>
      t.db.transaction().execute(async (trx) => {
        const ids = await linkFiles(trx, docId, 'attachment', files, null);
        if (failAfterLink) throw new AppError('conflict', 'Văn bản đã thay đổi.');
        return ids;
      }),
    );
  }

  before(async () => {
    t = await createTestDatabase();
    await seedDemoIfEmpty(t.db);
    dir = await mkdtemp(path.join(os.tmpdir(), 'vanthu-files-test-'));
    const agency = await t.db.selectFrom('agency').select('id').where('d20Code', '=', 'H41').executeTakeFirstOrThrow();
    const insert = () =>
      t.db
        .insertInto('document')
        .values({ agencyId: agency.id, direction: 'incoming', state: 'received', typeCode: 'CV', typeName: 'Công văn', subject: 'Về việc thử tệp', codeNumber: null, codeNotation: null, promulgationDate: null, place: null, content: null, issuerCode: null, issuerName: null, signerCompetence: null, signerPosition: null, signerFullName: null, dueDate: null, pageAmount: null, promulgationAmount: null, externalId: null, bookId: null, bookNumber: null, registeredAt: null, draftingUnitId: null, createdBy: null, completedAt: null, extractedText: null })
        .returning('id')
        .executeTakeFirstOrThrow();
    documentId = (await insert()).id;
    otherDocumentId = (await insert()).id;
    s3dir = await mkdtemp(path.join(os.tmpdir(), 'vanthu-s3rver-'));
    s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: s3dir, configureBuckets: [{ name: 'vanthu-docs', configs: [] }] });
    const addr = await s3.run();
    const local = new LocalBlobStore(dir);
    const s3store = new S3BlobStore({ bucket: 'vanthu-docs', endpoint: `http://127.0.0.1:${addr.port}`, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
    const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
    stores = [
      { name: 'local', store: local, count: () => local.count() },
      { name: 's3', store: s3store, count: async () => (await s3store.client.send(new ListObjectsV2Command({ Bucket: 'vanthu-docs' }))).KeyCount ?? 0 },
    ];
  });
  after(async () => {
    await s3.close();
    await t.close();
    await rm(dir, { recursive: true, force: true });
    await rm(s3dir, { recursive: true, force: true });
  });

  for (const which of ['local', 's3']) {
    it(`${which}: stores a good file once even when two documents attach the same bytes`, async () => {
      const { store, count } = stores.find((s) => s.name === which)!;
      const pdf = await make.vietnamesePdf([[`Công văn số ${which}`]]);
      const before = { ...(await rows()), files: await count() };
      await attach(store, documentId, [{ fileName: 'cong-van.pdf', bytes: pdf }]);
      await attach(store, otherDocumentId, [{ fileName: '../../bản sao.pdf', bytes: pdf }]);
      expect({ ...(await rows()), files: await count() }).to.deep.equal({ blob: before.blob + 1, documentFile: before.documentFile + 2, files: before.files + 1 });
      const names = await t.db.selectFrom('documentFile').select(['fileName', 'textStatus']).where('blobSha256', '=', sha256Of(pdf)).execute();
      expect(names.map((n) => n.fileName).sort()).to.deep.equal(['bản sao.pdf', 'cong-van.pdf']);
      expect(names.every((n) => n.textStatus === 'pending')).to.equal(true);
    });

    it(`${which}: refuses every bad file with no row and no stored file left behind`, async () => {
      const { store, count } = stores.find((s) => s.name === which)!;
      const good = await make.vietnamesePdf([[`tệp tốt ${which} ${Date.now()}`]]);
      const bad: [string, () => Promise<Buffer> | Buffer][] = [
        ['truncated', make.truncatedPdf],
        ['malformed', make.malformedPdf],
        ['encrypted', () => make.encryptedPdf('')],
        ['javascript', () => make.javascriptPdf(true)],
        ['openaction', make.openActionJavaScriptPdf],
        ['png', make.corruptPng],
        ['jpeg', make.truncatedJpeg],
      ];
      for (const [label, bytes] of bad) {
        const before = { ...(await rows()), files: await count() };
        // The good file comes first in the batch: it must not be stored either.
        await refusal(attach(store, documentId, [{ fileName: 'tot.pdf', bytes: good }, { fileName: `${label}.pdf`, bytes: await bytes() }]));
        expect({ ...(await rows()), files: await count() }, label).to.deep.equal(before);
      }
      const over = await refusal(prepareUploads([{ fileName: 'lon.pdf', bytes: good }], good.length - 1));
      expect(over.code).to.equal('too_large');
    });

    it(`${which}: removes the blobs it created when the document transaction rolls back`, async () => {
      const { store, count } = stores.find((s) => s.name === which)!;
      const pdf = await make.vietnamesePdf([[`rollback ${which} ${Date.now()}`]]);
      const before = { ...(await rows()), files: await count() };
      await refusal(attach(store, documentId, [{ fileName: 'a.pdf', bytes: pdf }], true));
      expect({ ...(await rows()), files: await count() }).to.deep.equal(before);
      expect(await store.has(sha256Of(pdf))).to.equal(false);
    });
  }
});
