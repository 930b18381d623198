// Signing configuration read through server/config.ts: CRL files and the leader fallback box.
import { expect } from 'chai';
import { loadConfig } from '../../../server/config.ts';

describe('Signing configuration', () => {
  it('reads CRL_FILES and LEADER_FALLBACK (page -1 = last page when omitted)', () => {
    const c = loadConfig({ CRL_FILES: '/etc/vanthu/ca1.crl, /etc/vanthu/ca2.crl', LEADER_FALLBACK: '300,100.5,200,110' });
    expect(c.crlFiles).to.deep.equal(['/etc/vanthu/ca1.crl', '/etc/vanthu/ca2.crl']);
    expect(c.leaderFallback).to.deep.equal({ x: 300, y: 100.5, width: 200, height: 110, pageIndex: -1 });
    expect(loadConfig({ LEADER_FALLBACK: '10,20,30,40,0' }).leaderFallback?.pageIndex).to.equal(0);
    expect(loadConfig({}).leaderFallback).to.equal(undefined);
  });

  it('refuses a malformed LEADER_FALLBACK with a Vietnamese message', () => {
    expect(() => loadConfig({ LEADER_FALLBACK: 'góc dưới' })).to.throw(/x,y,rộng,cao/);
  });
});
