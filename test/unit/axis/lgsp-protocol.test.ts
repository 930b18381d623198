// The LGSP / national axis wire protocol (server/axis/lgsp/lgsp-protocol.ts): the SDK's timestamp
// format in Vietnam time, and the checks of a signed request or answer.
import { expect } from 'chai';
import { lgspSignature, lgspTimestamp, parseLgspTimestamp, signLgsp, verifyLgsp } from '../../../server/axis/lgsp/lgsp-protocol.ts';

const headersOf = (h: Record<string, string>) => ({ get: (n: string) => h[n.toLowerCase()] });
const secrets: Record<string, string> = { 'vanthu.vpcp': 'bí-mật-dùng-chung' };
const secretOf = (id: string) => secrets[id] ?? null;

describe('axis: LGSP protocol', () => {
  it('writes ddMMyyyyTHHmmss+SSSS in Vietnam time (UTC+7) and reads it back to the second', () => {
    const at = new Date('2026-11-27T17:05:09.123Z');
    const ts = lgspTimestamp(at);
    // 17:05 UTC is 00:05 the next day in Hà Nội; +SSSS = last four digits of the epoch milliseconds.
    expect(ts).to.equal(`28112026T000509+${String(at.getTime() % 10000).padStart(4, '0')}`);
    expect(parseLgspTimestamp(ts)!.toISOString()).to.equal('2026-11-27T17:05:09.000Z');
  });

  it('refuses malformed and impossible timestamps', () => {
    for (const ts of ['', '2026-11-27T17:05:09Z', '31022026T100000+0000', '28112026T250000+0000', '28112026T100000']) expect(parseLgspTimestamp(ts), ts).to.equal(null);
  });

  it('accepts a request signed with the shared secret over systemId, timestamp, content type and body', () => {
    const body = '{"service":"getEdoc","docId":"42"}';
    const h = signLgsp(secrets['vanthu.vpcp']!, 'vanthu.vpcp', body);
    expect(h.signature).to.equal(lgspSignature(secrets['vanthu.vpcp']!, 'vanthu.vpcp', h.timestamp, 'application/json', body));
    expect(verifyLgsp(headersOf({ ...h }), body, secretOf, { skewMs: 300_000 }).ok).to.equal(true);
  });

  it('refuses a wrong secret, a changed body, another system, a stale or future timestamp, a malformed signature', () => {
    const body = '{"service":"getEdoc","docId":"42"}';
    const good = signLgsp(secrets['vanthu.vpcp']!, 'vanthu.vpcp', body);
    const reasonOf = (h: Record<string, string>, b = body) => {
      const v = verifyLgsp(headersOf(h), b, secretOf, { skewMs: 300_000 });
      return v.ok ? 'ok' : v.reason;
    };
    expect(reasonOf({ ...signLgsp('sai', 'vanthu.vpcp', body) })).to.match(/HMAC không hợp lệ/);
    expect(reasonOf({ ...good }, '{"service":"getEdoc","docId":"43"}')).to.match(/HMAC không hợp lệ/);
    expect(reasonOf({ ...good, systemid: 'vanthu.khac' })).to.match(/không được đăng ký/);
    expect(reasonOf({ ...signLgsp(secrets['vanthu.vpcp']!, 'vanthu.vpcp', body, new Date(Date.now() - 6 * 60_000)) })).to.match(/lệch quá giới hạn/);
    expect(reasonOf({ ...signLgsp(secrets['vanthu.vpcp']!, 'vanthu.vpcp', body, new Date(Date.now() + 6 * 60_000)) })).to.match(/lệch quá giới hạn/);
    expect(reasonOf({ ...good, signature: good.signature.slice(0, 40) })).to.match(/HMAC không hợp lệ/);
    expect(reasonOf({ ...good, 'content-type': 'text/plain' })).to.match(/HMAC không hợp lệ/);
  });
});
