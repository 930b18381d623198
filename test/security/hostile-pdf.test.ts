// Hostile PDFs (issue 8, item 2): every hostile upload is refused with a Vietnamese AppError through
// receiveIncoming, and nothing is stored; every attacked signed PDF gets a verdict from verifyPdf that
// names the problem. All run in this one process, each with a time limit, and a clean PDF is still
// accepted at the end (the process survived and is not poisoned). The corpus is built by
// scripts/gen-hostile-corpus.ts; files of ../shared/corpus/pdf are read by path.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../server/errors.ts';
import { receiveIncoming } from '../../server/services/incoming.service.ts';
import { userRepository } from '../../server/repositories/user.repository.ts';
import { verifyPdf } from '../../server/signing/index.ts';
import type { Actor } from '../../server/domain/actor.ts';
import type { LocalBlobStore } from '../../server/files/blob-store.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { makePdf } from '../helpers/pdf.ts';
import { hostileSigned, hostileUploads, signedBase, SHARED_REFUSED, SHARED_SIGNED_ANOMALIES } from '../../scripts/gen-hostile-corpus.ts';
import { SHARED_UPLOAD_GAPS, SIGNED_GAPS, UPLOAD_GAPS, VIETNAMESE, sharedAvailable, sharedPdfDir, trust, withTimeout } from './hostile-corpus.ts';

const PER_FILE_MS = 20_000;
const META = {
  typeCode: 'cong_van',
  numberAndNotation: '15/UBND-VP',
  promulgationDate: '2026-11-20',
  issuerName: 'Ủy ban nhân dân huyện Hưng Nguyên',
  subject: 'Tệp đính kèm thử nghiệm',
  signerFullName: 'Phan Văn Đông',
  urgency: '0',
};

const shared = sharedAvailable ? Object.entries(SHARED_REFUSED).filter(([f]) => !(f in SHARED_UPLOAD_GAPS)) : [];

/** Runs `check` on every case, in sequence, and fails once with the list of cases that failed. */
async function everyCase<T extends { name: string }>(cases: T[], check: (c: T) => Promise<void>): Promise<void> {
  const failures: string[] = [];
  for (const c of cases) {
    try {
      await withTimeout(check(c), PER_FILE_MS, c.name);
    } catch (e) {
      failures.push(`${c.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  expect(failures, `\n${failures.join('\n')}`).to.deep.equal([]);
}

describe('Hostile PDFs', function () {
  this.timeout(120_000);
  let allUploads: Awaited<ReturnType<typeof hostileUploads>>;
  let allSigned: Awaited<ReturnType<typeof hostileSigned>>;
  let base: Awaited<ReturnType<typeof signedBase>>;
  before(async () => {
    allUploads = await hostileUploads();
    base = await signedBase();
    allSigned = await hostileSigned(base);
  });

  it('has at least 100 hostile PDFs, counting the known gaps and the shared corpus files', () => {
    const all = allUploads.length + allSigned.length + (sharedAvailable ? Object.keys(SHARED_REFUSED).length + SHARED_SIGNED_ANOMALIES.length : 0);
    expect(all).to.be.at.least(100);
  });

  describe('uploaded as the scan of an incoming document', function () {
    let t: TestApp;
    let clerk: Actor;
    let agencyId: string;
    const counts = async () => {
      const c = async (table: 'document' | 'documentFile' | 'blob' | 'documentEvent' | 'auditLog') =>
        Number((await t.ctx.db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
      return { document: await c('document'), files: await c('documentFile'), blob: await c('blob'), events: await c('documentEvent'), audit: await c('auditLog'), stored: await (t.ctx.blobs as LocalBlobStore).count() };
    };
    let initial: Awaited<ReturnType<typeof counts>>;

    before(async () => {
      t = await createTestApp();
      const u = (await userRepository.findByUsername(t.ctx.db, 'huyen.vanthu'))!;
      const roles = await userRepository.rolesOf(t.ctx.db, u.id);
      agencyId = roles[0]!.agencyId;
      clerk = { userId: u.id, username: u.username, fullName: u.fullName, position: u.position, roles, activeAgencyId: agencyId };
      initial = await counts();
    });
    after(async () => t?.close());

    async function expectRefusal(name: string, bytes: Buffer): Promise<AppError> {
      let error: unknown;
      try {
        await withTimeout(receiveIncoming(t.ctx, clerk, agencyId, META, [{ fileName: name, bytes }]), PER_FILE_MS, name);
      } catch (e) {
        error = e;
      }
      if (!(error instanceof AppError)) throw new Error(`${name}: expected a refusal (AppError), got ${error instanceof Error ? `${error.name}: ${error.message}` : 'acceptance'}`);
      expect(['validation', 'unsupported', 'too_large']).to.include(error.code);
      expect(error.message).to.match(VIETNAMESE);
      expect(error.message).to.not.match(/at \w+ \(|Error:|undefined/);
      return error;
    }

    it('refuses every generated hostile upload with a Vietnamese message naming the file', async () => {
      const cases = allUploads.filter((u) => !(u.name in UPLOAD_GAPS));
      expect(cases.length).to.be.at.least(50);
      await everyCase(cases, async (u) => {
        const e = await expectRefusal(u.name, u.bytes);
        expect(e.message).to.contain(u.name);
      });
    });

    it('refuses the encrypted and broken files of the shared corpus', async function () {
      if (!sharedAvailable) this.skip();
      await everyCase(shared.map(([name]) => ({ name })), async ({ name }) => {
        await expectRefusal(name, readFileSync(path.join(sharedPdfDir, name)));
      });
    });

    it('stored nothing for any refused file: no document, file, blob, event or audit row, no blob on disk', async () => {
      expect(await counts()).to.deep.equal(initial);
    });

    it('still accepts a clean PDF afterwards, so the process survived every hostile file', async () => {
      const doc = await receiveIncoming(t.ctx, clerk, agencyId, META, [{ fileName: 'sach.pdf', bytes: await makePdf(['Van ban sach']) }]);
      expect(doc.id).to.be.a('string');
      const after = await counts();
      expect(after.document).to.equal(initial.document + 1);
      expect(after.stored).to.equal(initial.stored + 1);
    });
  });

  describe('signed, then attacked, given to verifyPdf', function () {
    it('calls the untouched signed base valid (so each verdict below comes from its attack)', async () => {
      const r = await verifyPdf(base.signed, trust());
      expect(r.verdict, r.message).to.equal('valid');
    });

    it('says "invalid" and names the problem for every attack on a signed PDF (or "unsigned" when the attack hides the signature)', async () => {
      const cases = allSigned.filter((s) => !(s.name in SIGNED_GAPS));
      expect(cases.length).to.be.at.least(20);
      await everyCase(cases, async (s) => {
        const r = await verifyPdf(s.bytes, trust());
        expect(r.verdict, r.message).to.not.equal('valid');
        if (r.verdict === 'invalid') {
          expect(r.message).to.match(VIETNAMESE);
          expect(r.signatures.flatMap((x) => x.problems).join('; '), r.message).to.match(s.problem);
          expect(r.message).to.match(s.problem);
        }
      });
    });

    it('finds a coverage problem in each signed coverage anomaly of the shared corpus', async function () {
      if (!sharedAvailable) this.skip();
      await everyCase(SHARED_SIGNED_ANOMALIES.map((name) => ({ name })), async ({ name }) => {
        const r = await verifyPdf(readFileSync(path.join(sharedPdfDir, name)), trust());
        expect(r.verdict).to.equal('invalid');
        expect(r.signatures.some((x) => x.problems.length > 0 && (!x.coversWholeFile || !x.byteRangeIntact || x.modificationsAfter !== 'none'))).to.equal(true);
      });
    });
  });
});
