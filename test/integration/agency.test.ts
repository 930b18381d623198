import { expect } from 'chai';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { seedDemoIfEmpty } from '../../server/services/demo-seed.service.ts';
import { createAgency, dissolveAgency, mergeAgency, moveAgency, renameAgency, createUnit } from '../../server/services/agency.service.ts';
import { agencyRepository } from '../../server/repositories/agency.repository.ts';
import { userRepository } from '../../server/repositories/user.repository.ts';
import { verifyAuditChain } from '../../server/services/audit.service.ts';
import type { Actor } from '../../server/domain/actor.ts';
import { AppError } from '../../server/errors.ts';

async function actorFor(t: TestDatabase, username: string): Promise<Actor> {
  const u = (await userRepository.findByUsername(t.db, username))!;
  const roles = await userRepository.rolesOf(t.db, u.id);
  return { userId: u.id, username: u.username, fullName: u.fullName, position: u.position, roles, activeAgencyId: roles[0]!.agencyId };
}

async function rejects(p: Promise<unknown>, code: string, message?: RegExp): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(AppError);
    expect((e as AppError).code).to.equal(code);
    if (message) expect((e as AppError).message).to.match(message);
    return e as AppError;
  }
  throw new Error('expected a rejection');
}

const counts = async (t: TestDatabase) => ({
  agencies: await agencyRepository.count(t.db),
  names: Number((await t.db.selectFrom('agencyName').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n),
  audit: Number((await t.db.selectFrom('auditLog').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n),
});

describe('agency tree', function () {
  this.timeout(60_000);
  let t: TestDatabase;
  let admin: Actor;
  let ids: Record<string, string>;
  before(async () => {
    t = await createTestDatabase();
    await seedDemoIfEmpty(t.db);
    admin = await actorFor(t, 'quantri');
    const all = await agencyRepository.list(t.db);
    ids = Object.fromEntries(all.map((a) => [a.d20Code!, a.id]));
  });
  after(async () => t.close());

  it('creates a commune with both identifiers and an audit entry', async () => {
    const a = await createAgency(t.db, admin, { name: 'Ủy ban nhân dân xã Hưng Nghĩa', abbreviation: 'UBND', levelCode: 'commune', parentId: ids['H41.31'], qcvnCode: '000.03.31.H41', d20Code: 'h41.31.03' });
    expect(a.name).to.equal('Ủy ban nhân dân xã Hưng Nghĩa');
    expect(a.d20Code).to.equal('H41.31.03');
    const log = await t.db.selectFrom('auditLog').selectAll().where('entityType', '=', 'agency').where('entityId', '=', String(a.id)).execute();
    expect(log.map((l) => l.action)).to.deep.equal(['agency.created']);
  });

  for (const [label, codes, pattern] of [
    ['a QCVN code of the wrong length', { qcvnCode: '000.00.H41' }, /13 ký tự/],
    ['a QCVN code with an unknown level-1 letter', { qcvnCode: '000.00.00.Z41' }, /A–K/],
    ['a Decision 20 code with lower-case or accented groups', { d20Code: 'H41.Đ1' }, /chữ số, chữ in hoa/],
  ] as const) {
    it(`refuses ${label} and writes nothing`, async () => {
      const before = await counts(t);
      await rejects(createAgency(t.db, admin, { name: 'Xã thử', abbreviation: 'UBND', levelCode: 'commune', parentId: ids['H41.31'], ...codes }), 'validation', pattern);
      expect(await counts(t)).to.deep.equal(before);
    });
  }

  it('refuses a code already used by another agency', async () => {
    const before = await counts(t);
    await rejects(createAgency(t.db, admin, { name: 'Trùng mã', abbreviation: 'UBND', levelCode: 'commune', parentId: ids['H41.31'], qcvnCode: '000.01.31.H41' }), 'conflict');
    expect(await counts(t)).to.deep.equal(before);
  });

  it('refuses a move that would make an agency its own ancestor, leaving the tree unchanged', async () => {
    const before = await counts(t);
    await rejects(moveAgency(t.db, admin, ids['H41']!, ids['H41.31.01']!), 'validation', /chính nó hoặc vào đơn vị cấp dưới/);
    await rejects(moveAgency(t.db, admin, ids['H41.31']!, ids['H41.31']!), 'validation');
    expect((await agencyRepository.findById(t.db, ids['H41']!))!.parentId).to.equal(null);
    expect(await counts(t)).to.deep.equal(before);
  });

  it('keeps the old name valid for dates before a rename', async () => {
    const id = ids['H41.31.02']!;
    await renameAgency(t.db, admin, id, { name: 'Ủy ban nhân dân phường Hưng Tây', effectiveFrom: '2025-07-01' });
    expect((await agencyRepository.findById(t.db, id, new Date('2025-06-30T12:00:00Z')))!.name).to.equal('Ủy ban nhân dân xã Hưng Tây');
    expect((await agencyRepository.findById(t.db, id))!.name).to.equal('Ủy ban nhân dân phường Hưng Tây');
    await rejects(renameAgency(t.db, admin, id, { name: 'Lùi ngày', effectiveFrom: '2025-01-01' }), 'validation');
  });

  it('merges a district into the province: children and open documents move to the successor, books close, history stays', async () => {
    // DOMAIN.md §2: since 1 July 2025 districts no longer operate.
    const doc = (state: string) => t.db.insertInto('document').values({ agencyId: ids['H41.31']!, direction: 'incoming', state, typeCode: 'cong_van', typeName: 'Công văn', subject: `Văn bản ${state}` }).returning('id').executeTakeFirstOrThrow();
    const open = await doc('in_progress');
    const handled = await doc('done');
    const book = await t.db.insertInto('registerBook').values({ agencyId: ids['H41.31']!, direction: 'incoming', year: 2026, name: 'Sổ đến', typeCodes: null }).returning('id').executeTakeFirstOrThrow();
    await mergeAgency(t.db, admin, ids['H41.31']!, ids['H41']!);
    const where = async (id: string) => (await t.db.selectFrom('document').select('agencyId').where('id', '=', id).executeTakeFirstOrThrow()).agencyId;
    expect(await where(open.id)).to.equal(ids['H41']);
    expect(await where(handled.id)).to.equal(ids['H41.31']);
    expect((await t.db.selectFrom('registerBook').select('closed').where('id', '=', book.id).executeTakeFirstOrThrow()).closed).to.equal(true);
    const entry = await t.db.selectFrom('auditLog').select('after').where('action', '=', 'agency.merged').executeTakeFirstOrThrow();
    expect(entry.after).to.deep.include({ openDocumentsMoved: 1, booksClosed: 1 });
    const district = (await agencyRepository.findById(t.db, ids['H41.31']!))!;
    expect(district.status).to.equal('merged');
    expect(district.successorId).to.equal(ids['H41']);
    expect(district.name).to.equal('Ủy ban nhân dân huyện Hưng Nguyên');
    expect((await agencyRepository.findById(t.db, ids['H41.31.01']!))!.parentId).to.equal(ids['H41']);
    await rejects(mergeAgency(t.db, admin, ids['H41.31']!, ids['H41']!), 'conflict');
    expect((await verifyAuditChain(t.db)).ok).to.equal(true);
  });

  it('refuses to dissolve an agency that still has children without a successor', async () => {
    await rejects(dissolveAgency(t.db, admin, ids['H41']!, null), 'validation', /cấp dưới/);
    expect((await agencyRepository.findById(t.db, ids['H41']!))!.status).to.equal('active');
  });

  it('lets an administrator manage only their own subtree', async () => {
    const communeAdmin = { ...(await actorFor(t, 'xa2.vanthu')), roles: [{ agencyId: ids['H41.31.02']!, unitId: null, role: 'admin' as const }] };
    await rejects(createUnit(t.db, communeAdmin, ids['H41.31.01']!, { name: 'Phòng lạ', abbreviation: 'PL' }), 'forbidden');
    const u = await createUnit(t.db, communeAdmin, ids['H41.31.02']!, { name: 'Công an xã', abbreviation: 'CA' });
    expect(u.abbreviation).to.equal('CA');
    await rejects(createUnit(t.db, communeAdmin, ids['H41.31.02']!, { name: 'Trùng', abbreviation: 'ca' }), 'conflict');
  });
});
