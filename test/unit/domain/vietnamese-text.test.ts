import { expect } from 'chai';
import { equalsFolded, foldDiacritics, includesFolded, sameText, toNfc } from '../../../server/domain/vietnamese-text.ts';

describe('Vietnamese text', () => {
  const nfc = 'Quyết định'.normalize('NFC');
  const nfd = 'Quyết định'.normalize('NFD');

  it('folds diacritics, đ and Đ, and case for search', () => {
    expect(foldDiacritics('Quyết định')).to.equal('quyet dinh');
    expect(foldDiacritics('ĐƠN VỊ ĐẦU MỐI')).to.equal('don vi dau moi');
    expect(foldDiacritics('Hỏa tốc')).to.equal('hoa toc');
    expect(foldDiacritics('  Ủy   ban\tnhân dân ')).to.equal('uy ban nhan dan');
  });

  it('folds precomposed and decomposed input to the same key', () => {
    expect(nfc).not.to.equal(nfd);
    expect(foldDiacritics(nfd)).to.equal(foldDiacritics(nfc));
    expect(foldDiacritics('Đ'.normalize('NFD'))).to.equal('d');
  });

  it('normalises to NFC and compares text whatever its composition', () => {
    expect(toNfc(nfd)).to.equal(nfc);
    expect(toNfc(nfd).length).to.be.lessThan(nfd.length);
    expect(sameText(nfc, nfd)).to.equal(true);
    expect(sameText('hòa', 'hoà')).to.equal(false); // different tone placement is different text
  });

  it('matches diacritic-insensitive substrings and equality', () => {
    expect(includesFolded('Công văn về việc tăng cường phòng chống dịch', 'TANG CUONG')).to.equal(true);
    expect(includesFolded('Báo cáo tháng', 'bao cao nam')).to.equal(false);
    expect(equalsFolded('Sở Tài chính', 'so tai chinh')).to.equal(true);
    expect(equalsFolded('hòa', 'hoà')).to.equal(true);
  });
});
