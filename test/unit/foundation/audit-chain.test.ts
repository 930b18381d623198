import { expect } from 'chai';
import { GENESIS_HASH, auditHash, canonicalJson, verifyChainSegment, type AuditContent } from '../../../server/domain/audit-chain.ts';

const entry = (id: number, extra: Partial<AuditContent> = {}): AuditContent => ({
  id: String(id),
  at: new Date(Date.UTC(2026, 10, 28, 1, 0, id)).toISOString(),
  actorUserId: '1',
  actorLabel: 'Nguyễn Thị Lấp Lánh Ánh (tinh.lanhdao)',
  agencyId: '2',
  action: 'agency.renamed',
  entityType: 'agency',
  entityId: '2',
  before: { name: 'Ủy ban nhân dân tỉnh Nghệ An' },
  after: { name: 'Ủy ban nhân dân tỉnh Nghệ An (mới)', list: [1, 2] },
  ...extra,
});

function chain(n: number) {
  const out = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const c = entry(i);
    const hash = auditHash(prev, c);
    out.push({ ...c, prevHash: prev, hash });
    prev = hash;
  }
  return out;
}

describe('audit hash chain', () => {
  it('serialises objects canonically whatever the key order (jsonb reorders keys)', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).to.equal(canonicalJson({ a: { c: null, d: [1, { y: 2, z: 1 }] }, b: 1 }));
    expect(canonicalJson({ a: 'Đ' })).to.equal('{"a":"Đ"}');
  });

  it('accepts an intact chain', () => {
    const v = verifyChainSegment(chain(5));
    expect(v.ok).to.equal(true);
    expect(v.count).to.equal(5);
  });

  it('names the first entry whose content was edited', () => {
    const c = chain(5);
    c[2] = { ...c[2]!, after: { name: 'giả mạo' } };
    const v = verifyChainSegment(c);
    expect(v).to.include({ ok: false, brokenId: '3' });
  });

  it('names the entry after a deleted one', () => {
    const c = chain(5);
    c.splice(1, 1);
    const v = verifyChainSegment(c);
    expect(v).to.include({ ok: false, brokenId: '3' });
  });

  it('detects entries swapped in order', () => {
    const c = chain(4);
    [c[1], c[2]] = [c[2]!, c[1]!];
    expect(verifyChainSegment(c).ok).to.equal(false);
  });
});
