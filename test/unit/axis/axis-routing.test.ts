// Pure rules of the axis: routing by agency code, loop and hop limits, back-off, signed requests.
import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import { checkTrace, codeMatches, routeFor, type RouteTable } from '../../../server/axis/routing.ts';
import { backoffMs, levelOfCode, peekPackage, registerDueAfter } from '../../../server/services/axis.service.ts';
import { makeIdentity } from '../../fixtures/axis/network.ts';
import { sha256Hex, signRequest, verifyRequest } from '../../../server/axis/request-signing.ts';

const province: RouteTable = {
  nodeId: 'province',
  organId: '000.00.00.H41',
  agencies: ['000.00.00.H41', '000.*.32.H41'],
  peers: [
    { nodeId: 'vpcp', role: 'parent', codes: [] },
    { nodeId: 'district-31', role: 'child', codes: ['000.*.31.H41'] },
    { nodeId: 'commune-hung-loc', role: 'child', codes: ['000.01.31.H41'] },
  ],
  maxHops: 4,
};

describe('axis routing', () => {
  it('matches one dot-separated group per wildcard', () => {
    expect(codeMatches('000.*.31.H41', '000.02.31.H41')).to.equal(true);
    expect(codeMatches('000.*.31.H41', '000.02.32.H41')).to.equal(false);
    expect(codeMatches('*.*.*.H41', 'G22')).to.equal(false);
  });

  it('serves its own codes locally, sends a code down to the most specific child, and everything else up', () => {
    expect(routeFor(province, '000.00.00.H41')).to.deep.equal({ kind: 'local' });
    expect(routeFor(province, '000.07.32.H41')).to.deep.equal({ kind: 'local' });
    expect(routeFor(province, '000.02.31.H41')).to.deep.equal({ kind: 'peer', nodeId: 'district-31' });
    expect(routeFor(province, '000.01.31.H41')).to.deep.equal({ kind: 'peer', nodeId: 'commune-hung-loc' });
    expect(routeFor(province, '000.00.00.G22')).to.deep.equal({ kind: 'peer', nodeId: 'vpcp' });
    expect(routeFor({ ...province, peers: [] }, '000.00.00.G22')).to.deep.equal({ kind: 'none' });
  });

  it('refuses a package that already passed this node, or took too many hops', () => {
    const at = '2026/11/28 09:00:00';
    expect(checkTrace(province, [{ OrganId: '000.01.31.H41', Timestamp: at }])).to.deep.equal({ ok: true });
    expect(checkTrace(province, [{ OrganId: '000.00.00.H41', Timestamp: at }]).ok).to.equal(false);
    expect(checkTrace(province, Array.from({ length: 4 }, (_, i) => ({ OrganId: `x${i}`, Timestamp: at }))).ok).to.equal(false);
  });

  it('backs off exponentially with jitter, capped', () => {
    expect(backoffMs(1, 1000, 60_000, () => 0)).to.equal(500);
    expect(backoffMs(1, 1000, 60_000, () => 1)).to.equal(1000);
    expect(backoffMs(4, 1000, 60_000, () => 1)).to.equal(8000);
    expect(backoffMs(30, 1000, 60_000, () => 1)).to.equal(60_000);
  });

  it('gives the end of the next working day for registration (a Friday arrival is due on Monday)', () => {
    expect(registerDueAfter('2026-11-27')).to.equal('2026-11-30');
  });

  it('reads the level of a QCVN 102:2016 code', () => {
    expect(levelOfCode('000.03.32.H41')).to.equal('commune');
    expect(levelOfCode('000.00.32.H41')).to.equal('district');
    expect(levelOfCode('000.00.00.H41')).to.equal('province');
    expect(levelOfCode('000.00.00.G22')).to.equal('central');
  });

  it('peeks the idempotency key of a package without parsing its attachments', () => {
    const xml = '<edXML:edXMLEnvelope><edXML:MessageHeader><edXML:From><edXML:OrganId>000.00.00.H41</edXML:OrganId></edXML:From><edXML:DocumentId>000.00.00.H41,2026/11/27,15/UBND-VX</edXML:DocumentId></edXML:MessageHeader><edXML:Bussiness><edXML:BussinessDocType>3</edXML:BussinessDocType></edXML:Bussiness>';
    expect(peekPackage(xml)).to.deep.equal({ from: '000.00.00.H41', documentId: '000.00.00.H41,2026/11/27,15/UBND-VX', businessType: 'doc:3' });
    const status = '<edXML:MessageHeader><edXML:From><edXML:OrganId>000.00.00.G22</edXML:OrganId></edXML:From><edXML:ResponseFor><edXML:OrganId>000.00.00.H41</edXML:OrganId><edXML:DocumentId>X,2026/11/27,1/A</edXML:DocumentId></edXML:ResponseFor><edXML:StatusCode>03</edXML:StatusCode>';
    expect(peekPackage(status)).to.deep.equal({ from: '000.00.00.G22', documentId: 'X,2026/11/27,1/A', businessType: 'status:03' });
  });
});

describe('axis signed requests', () => {
  const id = makeIdentity({ commonName: 'Nút thử' });
  it('verifies against the peer certificate and refuses any change, another key, or an old date', () => {
    const parts = { method: 'POST', path: '/axis/v1/packages', nodeId: 'commune', date: new Date().toISOString(), recipient: '000.00.00.G22', trace: '[]', bodySha256: sha256Hex('body') };
    const sig = signRequest(parts, id.keyPem);
    expect(verifyRequest(parts, sig, id.certPem, { skewMs: 60_000 })).to.deep.equal({ ok: true });
    expect(verifyRequest({ ...parts, recipient: '000.00.00.H41' }, sig, id.certPem, { skewMs: 60_000 }).ok).to.equal(false);
    expect(verifyRequest({ ...parts, bodySha256: sha256Hex('other') }, sig, id.certPem, { skewMs: 60_000 }).ok).to.equal(false);
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    expect(verifyRequest(parts, signRequest(parts, other), id.certPem, { skewMs: 60_000 }).ok).to.equal(false);
    const old = { ...parts, date: new Date(Date.now() - 600_000).toISOString() };
    expect(verifyRequest(old, signRequest(old, id.keyPem), id.certPem, { skewMs: 60_000 }).ok).to.equal(false);
  });
});
