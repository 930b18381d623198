import { expect } from 'chai';
import {
  formatCodeNotation,
  formatCodeNumber,
  formatDocumentNumber,
  normaliseDocumentNumber,
  parseDocumentNumber,
} from '../../../server/domain/document-number.ts';
import { AppError } from '../../../server/errors.ts';

describe('document number and notation (Decree 30/2020)', () => {
  it('formats number/type-issuer as in "Số: 15/QĐ-UBND"', () => {
    expect(formatDocumentNumber({ number: 15, typeAbbreviation: 'QĐ', issuer: 'UBND' })).to.equal('15/QĐ-UBND');
  });

  it('gives numbers below 10 a leading zero and leaves larger ones alone', () => {
    expect(formatDocumentNumber({ number: 5, typeAbbreviation: 'QĐ', issuer: 'UBND' })).to.equal('05/QĐ-UBND');
    expect(formatCodeNumber(1)).to.equal('01');
    expect(formatCodeNumber(10)).to.equal('10');
    expect(formatCodeNumber(1234)).to.equal('1234');
  });

  it('formats a Công văn as issuer and drafting unit: 12/UBND-VX', () => {
    expect(formatDocumentNumber({ number: 12, issuer: 'UBND', unit: 'VX' })).to.equal('12/UBND-VX');
    expect(formatCodeNotation({ issuer: 'UBND', unit: 'VX' })).to.equal('UBND-VX');
  });

  it('stores NFC text even when given decomposed abbreviations', () => {
    const s = formatDocumentNumber({ number: 3, typeAbbreviation: 'QĐ'.normalize('NFD'), issuer: 'SGDĐT' });
    expect(s).to.equal('03/QĐ-SGDĐT'.normalize('NFC'));
  });

  it('refuses non-positive or fractional numbers, and malformed abbreviations', () => {
    expect(() => formatCodeNumber(0)).to.throw(AppError);
    expect(() => formatCodeNumber(2.5)).to.throw(AppError);
    expect(() => formatDocumentNumber({ number: 1, typeAbbreviation: 'QĐ', issuer: 'UB ND' })).to.throw(AppError);
    expect(() => formatDocumentNumber({ number: 1, typeAbbreviation: 'QĐ', issuer: '' })).to.throw(AppError);
    expect(() => formatDocumentNumber({ number: 1, typeAbbreviation: 'QĐ', issuer: 'UBND', unit: 'VX' })).to.throw(AppError, /công văn/);
  });

  it('parses a typed number back into its parts', () => {
    const p = parseDocumentNumber('15/QĐ-UBND')!;
    expect(p).to.deep.include({ number: 15, numberText: '15', notation: 'QĐ-UBND', issuer: 'UBND', typeAbbreviation: 'QĐ' });
    expect(p.type?.name).to.equal('Quyết định');
    expect(p.unit).to.equal(undefined);
  });

  it('parses a Công văn number into issuer and unit with no type', () => {
    const p = parseDocumentNumber('12/UBND-VX')!;
    expect(p).to.deep.include({ number: 12, issuer: 'UBND', unit: 'VX', type: null });
    expect(p.typeAbbreviation).to.equal(undefined);
  });

  it('tolerates "Số:" prefixes, spaces, lower case and NFD input', () => {
    for (const s of ['Số: 05/QĐ-UBND', 'SỐ 05 / QĐ - UBND', 'số:05/qđ-UBND', ' So: 05/QĐ-UBND ', 'Số: 05/QĐ-UBND'.normalize('NFD')]) {
      const p = parseDocumentNumber(s);
      expect(p, s).not.to.equal(null);
      expect(p!.number, s).to.equal(5);
      expect(p!.type?.abbreviation, s).to.equal('QĐ');
      expect(p!.issuer.toUpperCase(), s).to.equal('UBND');
    }
  });

  it('parses legal normative numbers with a year: 15/2020/NĐ-CP', () => {
    const p = parseDocumentNumber('Số: 30/2020/NĐ-CP')!;
    expect(p).to.deep.include({ number: 30, year: 2020, notation: 'NĐ-CP', typeAbbreviation: 'NĐ', issuer: 'CP', type: null });
    expect(parseDocumentNumber('02/2015/TTLT-BTC-BNV')).to.deep.include({ typeAbbreviation: 'TTLT', issuer: 'BTC-BNV' });
  });

  it('keeps non-numeric numbers as text and returns null for text without a number/notation shape', () => {
    expect(parseDocumentNumber('A12/QĐ-UBND')).to.deep.include({ number: null, numberText: 'A12' });
    expect(parseDocumentNumber('Quyết định về việc')).to.equal(null);
    expect(parseDocumentNumber('')).to.equal(null);
  });

  it('round-trips formatted numbers through the parser', () => {
    for (const parts of [
      { number: 7, typeAbbreviation: 'TB', issuer: 'VPCP' },
      { number: 123, typeAbbreviation: 'CTr', issuer: 'UBND' },
      { number: 9, issuer: 'SNV', unit: 'CCVC' },
    ]) {
      const p = parseDocumentNumber(formatDocumentNumber(parts))!;
      expect(p.number).to.equal(parts.number);
      expect(p.issuer).to.equal(parts.issuer);
      expect(p.type?.abbreviation ?? undefined).to.equal(parts.typeAbbreviation);
      expect(p.unit).to.equal(parts.unit);
    }
  });

  it('normalises numbers for search: same key for spacing, case, prefix, leading zero and Đ/D', () => {
    const key = normaliseDocumentNumber('05/QĐ-UBND');
    expect(key).to.equal('5/QD-UBND');
    for (const s of ['Số: 05 / qđ - ubnd', '5/QD-UBND', 'số 5/Qđ-Ubnd', '05/QĐ-UBND'.normalize('NFD')]) {
      expect(normaliseDocumentNumber(s), s).to.equal(key);
    }
    expect(normaliseDocumentNumber('15/QĐ-UBND')).not.to.equal(key);
  });
});
