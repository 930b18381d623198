// Chooses the blob store from configuration: a local folder by default, an S3-compatible bucket when
// a bucket is configured. Env names proposed for server/config.ts: BLOB_STORE (local|s3), BLOB_DIR,
// S3_BUCKET, S3_PREFIX, S3_REGION, S3_ENDPOINT, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY,
// S3_FORCE_PATH_STYLE (docs/FILES.md).
import { LocalBlobStore, type BlobStore } from './blob-store.ts';
import { S3BlobStore, type S3BlobStoreOptions } from './s3-blob-store.ts';

export type BlobStoreOptions = { kind: 'local'; dir: string } | ({ kind: 's3' } & S3BlobStoreOptions);

export function createBlobStore(options: BlobStoreOptions): BlobStore {
  if (options.kind === 's3') {
    if (!options.bucket) throw new Error('S3 blob store: bucket is required');
    return new S3BlobStore(options);
  }
  return new LocalBlobStore(options.dir);
}
