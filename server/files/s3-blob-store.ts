// S3-compatible content-addressed store (AWS SDK v3): AWS S3, MinIO, Ceph RGW, Viettel/FPT object
// storage. Same contract as the local store: the key is the SHA-256, a stored object is never
// overwritten (conditional PUT with If-None-Match where the server supports it, and a HEAD first
// everywhere), the bytes are checked against their hash on the way in and on the way out.
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { sha256Of, type BlobStore } from './blob-store.ts';

export interface S3BlobStoreOptions {
  bucket: string;
  /** Key prefix inside the bucket, e.g. "vanthu/blobs/". */
  prefix?: string;
  region?: string;
  /** For S3-compatible servers (MinIO…): their URL; path-style addressing is then used. */
  endpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle?: boolean;
  /** Injected client (tests). */
  client?: S3Client;
}

const SHA = /^[0-9a-f]{64}$/;

const isNotFound = (e: unknown): boolean => {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err.name === 'NotFound' || err.name === 'NoSuchKey' || err.$metadata?.httpStatusCode === 404;
};
const isAlreadyThere = (e: unknown): boolean => {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err.name === 'PreconditionFailed' || err.$metadata?.httpStatusCode === 412 || err.$metadata?.httpStatusCode === 409;
};

export class S3BlobStore implements BlobStore {
  readonly kind = 's3';
  readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(o: S3BlobStoreOptions) {
    this.bucket = o.bucket;
    this.prefix = o.prefix ?? '';
    const config: S3ClientConfig = {
      region: o.region ?? 'us-east-1',
      forcePathStyle: o.forcePathStyle ?? Boolean(o.endpoint),
      // Many S3-compatible servers reject the SDK's default CRC32 trailers.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    };
    if (o.endpoint) config.endpoint = o.endpoint;
    if (o.accessKeyId && o.secretAccessKey) config.credentials = { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey };
    this.client = o.client ?? new S3Client(config);
  }

  keyOf(sha: string): string {
    if (!SHA.test(sha)) throw new Error('invalid blob id');
    return `${this.prefix}${sha.slice(0, 2)}/${sha.slice(2, 4)}/${sha}`;
  }

  async put(sha: string, bytes: Buffer): Promise<boolean> {
    if (sha256Of(bytes) !== sha) throw new Error('blob content does not match its SHA-256');
    if (await this.has(sha)) return false;
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.keyOf(sha),
          Body: bytes,
          ContentLength: bytes.length,
          ContentType: 'application/octet-stream',
          IfNoneMatch: '*',
          Metadata: { sha256: sha },
        }),
      );
      return true;
    } catch (e) {
      // A concurrent writer stored the same bytes first: same content, nothing to do.
      if (isAlreadyThere(e)) return false;
      throw e;
    }
  }

  async get(sha: string): Promise<Buffer> {
    const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.keyOf(sha) }));
    const bytes = Buffer.from(await out.Body!.transformToByteArray());
    if (sha256Of(bytes) !== sha) throw new Error(`blob ${sha} is corrupt in the object store`);
    return bytes;
  }

  async has(sha: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.keyOf(sha) }));
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  async delete(sha: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.keyOf(sha) }));
  }
}
