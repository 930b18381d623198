// Content-addressed file storage (SHA-256). A stored blob is never overwritten and the same bytes
// are stored once. Local folder by default; other stores implement the same interface.
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

export interface BlobStore {
  readonly kind: string;
  /** Stores the bytes; returns whether they were new (false when already present). */
  put(sha256: string, bytes: Buffer): Promise<boolean>;
  get(sha256: string): Promise<Buffer>;
  has(sha256: string): Promise<boolean>;
  /** Only for compensating a just-created blob whose transaction rolled back. */
  delete(sha256: string): Promise<void>;
}

export const sha256Of = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

const SHA = /^[0-9a-f]{64}$/;

export class LocalBlobStore implements BlobStore {
  readonly kind = 'local';
  constructor(private readonly root: string) {}

  private pathOf(sha: string): string {
    if (!SHA.test(sha)) throw new Error('invalid blob id');
    return path.join(this.root, sha.slice(0, 2), sha.slice(2, 4), sha);
  }

  async put(sha: string, bytes: Buffer): Promise<boolean> {
    if (sha256Of(bytes) !== sha) throw new Error('blob content does not match its SHA-256');
    const target = this.pathOf(sha);
    if (await this.has(sha)) return false;
    await fs.mkdir(path.dirname(target), { recursive: true });
    // Write to a temporary name then link into place: readers never see a partial file, and a
    // concurrent writer of the same bytes cannot overwrite (link fails with EEXIST).
    const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    await fs.writeFile(tmp, bytes, { flag: 'wx' });
    try {
      await fs.link(tmp, target);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    } finally {
      await fs.rm(tmp, { force: true });
    }
  }

  async get(sha: string): Promise<Buffer> {
    return fs.readFile(this.pathOf(sha));
  }

  async has(sha: string): Promise<boolean> {
    return fs.access(this.pathOf(sha)).then(
      () => true,
      () => false,
    );
  }

  async delete(sha: string): Promise<void> {
    await fs.rm(this.pathOf(sha), { force: true });
  }

  /** Number of stored blobs (tests count them before and after a rejected request). */
  async count(): Promise<number> {
    let n = 0;
    const walk = async (dir: string): Promise<void> => {
      const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const e of entries) {
        if (e.isDirectory()) await walk(path.join(dir, e.name));
        else if (SHA.test(e.name)) n++;
      }
    };
    await walk(this.root);
    return n;
  }
}
