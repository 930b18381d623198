import { expect } from 'chai';
import {
  LEVEL1_MEANINGS,
  agencyCodeScheme,
  assertDecision20Code,
  decision20CodeError,
  decision20ParentCode,
  isStrictDecision20Code,
  isStrictQcvnCode,
  level1Of,
  normaliseForeignCode,
  parentCode,
  parseQcvnCode,
  qcvnCodeError,
  qcvnParentCode,
} from '../../../server/domain/agency-code.ts';
import { AppError } from '../../../server/errors.ts';

describe('agency codes: QCVN 102:2016 (DDD.CC.BB.Lnn, level 1 on the right)', () => {
  it('accepts the codes from DOMAIN.md', () => {
    for (const c of ['000.00.00.G22', '000.00.04.G14', '000.00.00.H41']) expect(isStrictQcvnCode(c), c).to.equal(true);
  });

  it('rejects wrong length, lower case, wrong separators and unknown level-1 letters with a Vietnamese reason', () => {
    expect(qcvnCodeError('000.00.00.G2')).to.match(/13 ký tự/);
    expect(isStrictQcvnCode('000.00.00.g22')).to.equal(false);
    expect(isStrictQcvnCode('000-00-00-G22')).to.equal(false);
    expect(isStrictQcvnCode('G22.00.00.000')).to.equal(false);
    expect(qcvnCodeError('000.00.00.Z22')).to.match(/cấp 1/);
    expect(isStrictQcvnCode('28.22.H17')).to.equal(false);
  });

  it('rejects a lower level set under an empty one ("00" means no lower level)', () => {
    expect(isStrictQcvnCode('000.05.00.G14')).to.equal(false);
    expect(isStrictQcvnCode('001.00.04.G14')).to.equal(false);
    expect(isStrictQcvnCode('001.05.04.G14')).to.equal(true);
  });

  it('parses the levels and depth', () => {
    expect(parseQcvnCode('000.00.04.G14')).to.deep.equal({ code: '000.00.04.G14', level1: 'G14', level2: '04', level3: '00', level4: '000', depth: 2 });
    expect(parseQcvnCode('000.00.00.H41').depth).to.equal(1);
    expect(() => parseQcvnCode('bad')).to.throw(AppError, /Mã định danh/);
  });

  it('derives the parent code by clearing the lowest level', () => {
    expect(qcvnParentCode('000.00.04.G14')).to.equal('000.00.00.G14');
    expect(qcvnParentCode('000.00.00.G22')).to.equal(null);
    expect(qcvnParentCode('001.05.04.G14')).to.equal('000.05.04.G14');
    expect(qcvnParentCode('000.05.04.G14')).to.equal('000.00.04.G14');
  });
});

describe('agency codes: Decision 20/2020/QĐ-TTg (level 1 on the left)', () => {
  it('accepts the codes from DOMAIN.md', () => {
    expect(isStrictDecision20Code('G22')).to.equal(true);
    expect(isStrictDecision20Code('G12.18.01')).to.equal(true);
  });

  it('accepts 35 characters and rejects 36', () => {
    const c35 = 'G12.' + '1'.repeat(31);
    expect(c35).to.have.length(35);
    expect(isStrictDecision20Code(c35)).to.equal(true);
    expect(decision20CodeError(c35 + '1')).to.match(/35 ký tự/);
  });

  it('rejects empty groups, lower case, diacritics and a bad level-1 group', () => {
    for (const c of ['G12..01', 'G12.', '.G12', 'g12.18', 'G12.Đ1', 'X12', 'G1', 'G123', 'vxp.saas.03', '']) {
      expect(isStrictDecision20Code(c), c).to.equal(false);
    }
    expect(() => assertDecision20Code('G12..01')).to.throw(AppError);
  });

  it('derives the parent by dropping the last group', () => {
    expect(decision20ParentCode('G12.18.01')).to.equal('G12.18');
    expect(decision20ParentCode('G12.18')).to.equal('G12');
    expect(decision20ParentCode('G22')).to.equal(null);
  });
});

describe('agency codes: either scheme and foreign codes', () => {
  it('tells the scheme of a code, and none for other systems\' codes', () => {
    expect(agencyCodeScheme('000.00.00.G22')).to.equal('qcvn102');
    expect(agencyCodeScheme('G12.18.01')).to.equal('decision20');
    expect(agencyCodeScheme('28.22.H17')).to.equal(null);
    expect(agencyCodeScheme('vxp.saas.03')).to.equal(null);
  });

  it('gives the meaning of the level-1 letter from the right in QCVN codes and from the left in Decision 20 codes', () => {
    expect(level1Of('000.00.00.H41')).to.deep.equal({ letter: 'H', meaning: LEVEL1_MEANINGS.H });
    expect(level1Of('G12.18.01')?.letter).to.equal('G');
    expect(LEVEL1_MEANINGS.G).to.match(/Bộ/);
    expect(LEVEL1_MEANINGS.K).to.match(/Hội đồng nhân dân/);
    expect(level1Of('vxp.saas.03')).to.equal(null);
  });

  it('derives the parent whichever the scheme', () => {
    expect(parentCode('000.00.04.G14')).to.equal('000.00.00.G14');
    expect(parentCode('G12.18.01')).to.equal('G12.18');
    expect(parentCode('28.22.H17')).to.equal(null);
  });

  it('keeps foreign codes as text, only trimming whitespace and invisible characters', () => {
    expect(normaliseForeignCode('  vxp.saas.03 ')).to.equal('vxp.saas.03');
    expect(normaliseForeignCode('28.22.H17\u200B')).to.equal('28.22.H17');
    expect(normaliseForeignCode('000.00. 00.G22')).to.equal('000.00.00.G22');
    expect(() => normaliseForeignCode('   ')).to.throw(AppError);
    expect(() => normaliseForeignCode('x'.repeat(101))).to.throw(AppError);
    expect(() => normaliseForeignCode('a\u0001b')).to.throw(AppError);
  });
});
